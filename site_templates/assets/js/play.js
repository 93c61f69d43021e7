// The play view: the goal, the chain so far with why each link exists, the
// next step (type a name or browse the current artist's releases), hints,
// and the result beside an optimal chain.

import { drawChain, chainLabel, releaseLine } from './chain-svg.js';
import { combobox } from './combobox.js';
import { hasApi, NeedsService, releaseKey } from './data.js';
import { announce, artistLabel, clear, h, uid } from './dom.js';
import {
  addStep, currentArtist, giveUp, HINT_COSTS, hintsLeft, isOver, MAX_HOPS, playerPath, takeHint, undoStep,
} from './game.js';
import { findLink } from './links.js';
import { findArtists, searchKey, wordKeys } from './search.js';
import { share, shareText } from './share.js';

const RELEASES_SHOWN = 8;

function describeArtist(artist) {
  return { text: artistLabel(artist), detail: artist.detail || artist.hint || '', key: artist.id };
}

function roleText(roles) {
  return roles && roles.length ? roles.join(', ') : 'credited';
}

function linkItem(step, from) {
  const release = step.release;
  return h(
    'li', { class: 'link' },
    h('span', { class: 'why' },
      h('span', { class: 'release-title', text: releaseLine(release) }),
      h('span', { class: 'roles' },
        `${artistLabel(from)}: ${roleText(step.fromRoles)}; ${artistLabel(step.artist)}: ${roleText(step.toRoles)}`)),
  );
}

function chainList(game) {
  const list = h('ol', { class: 'chain', 'aria-label': 'Your chain so far' });
  list.append(h('li', { class: 'artist' }, h('span', { class: 'artist-name', text: artistLabel(game.from) })));
  let previous = game.from;
  for (const step of game.steps) {
    list.append(linkItem(step, previous));
    list.append(h('li', { class: 'artist' }, h('span', { class: 'artist-name', text: artistLabel(step.artist) })));
    previous = step.artist;
  }
  return list;
}

/** Render a game into `container`. ctx: {dataset, game, optimal, optimalImage, save, today, link, title, onChange} */
export function renderPlay(container, ctx) {
  const { game } = ctx;
  clear(container);
  const titleId = uid('title');
  const section = h('section', { class: 'play', 'aria-labelledby': titleId });
  section.append(
    h('h1', { id: titleId, text: ctx.title }),
    h('p', { class: 'goal' },
      'Connect ', h('strong', { class: 'from', text: artistLabel(game.from) }),
      game.from.hint ? h('span', { class: 'hint-text', text: ` (${game.from.hint})` }) : null,
      ' to ', h('strong', { class: 'to', text: artistLabel(game.to) }),
      game.to.hint ? h('span', { class: 'hint-text', text: ` (${game.to.hint})` }) : null,
      ' through shared releases.'),
    chainList(game),
  );
  if (game.hints.length) {
    section.append(h('ul', { class: 'hints', 'aria-label': 'Hints taken' }, game.hints.map((hint) => h('li', { text: hint.text }))));
  }
  container.append(section);
  if (isOver(game)) {
    section.append(resultPanel(ctx));
    return;
  }
  section.append(stepPanel(ctx), toolsPanel(ctx));
}

function stepPanel(ctx) {
  const { game, dataset } = ctx;
  const current = currentArtist(game);
  const headingId = uid('step');
  const panel = h('section', { class: 'step', 'aria-labelledby': headingId });
  const heading = h('h2', { id: headingId, tabindex: '-1', text: `Step ${game.steps.length + 1}: from ${artistLabel(current)}` });
  const message = h('p', { class: 'message', role: 'alert' });
  const busy = h('p', { class: 'busy', 'aria-live': 'polite' });
  const releases = h('div', { class: 'releases' }, h('p', { class: 'loading', text: 'Loading releases…' }));

  async function attempt(target, viaRelease) {
    message.textContent = '';
    if (game.hops >= MAX_HOPS) {
      message.textContent = `Chains stop at ${MAX_HOPS} hops. Undo a step or give up.`;
      return;
    }
    if (target.id === current.id || game.steps.some((step) => step.artist.id === target.id) || game.from.id === target.id) {
      message.textContent = `${artistLabel(target)} is already in your chain. Choose another artist.`;
      input.focus();
      return;
    }
    busy.textContent = `Checking ${artistLabel(target)}…`;
    try {
      const link = await findLink(dataset, current.id, target, viaRelease);
      busy.textContent = '';
      if (!link) {
        game.wrong += 1;
        ctx.save(game);
        message.textContent = `No release in this ruleset credits both ${artistLabel(current)} and ${artistLabel(target)}. Try another artist.`;
        input.focus();
        return;
      }
      addStep(game, link, ctx.today);
      ctx.save(game);
      announce(`Linked ${artistLabel(current)} and ${artistLabel(link.artist)} on ${releaseLine(link.release)}.`);
      ctx.onChange({ focus: isOver(game) ? 'result' : 'input' });
    } catch (error) {
      busy.textContent = '';
      message.textContent = error instanceof NeedsService ? error.message : `Could not check this step: ${error.message}`;
    }
  }

  const box = combobox({
    label: `Next artist after ${artistLabel(current)} (type a name)`,
    placeholder: 'Type an artist name',
    source: (text) => suggestions(dataset, current.id, text),
    describe: describeArtist,
    onSelect: (artist) => attempt(artist, null),
    onError: (error) => { message.textContent = error.message; },
  });
  const input = box.input;
  input.classList.add('next-artist');

  panel.append(heading, box.root, busy, message, h('h3', { text: `Releases of ${artistLabel(current)}` }), releases);
  fillReleases(releases, ctx, current, attempt);
  ctx.focusInput = () => input.focus();
  ctx.focusHeading = () => heading.focus();
  return panel;
}

async function suggestions(dataset, currentId, text) {
  const key = searchKey(text);
  const local = [];
  const seen = new Set();
  try {
    const entry = await dataset.neighbours(currentId);
    for (const release of entry.releases) {
      for (const artist of release.artists) {
        if (seen.has(artist.id) || !wordKeys(artistLabel(artist)).some((k) => k.startsWith(key))) continue;
        seen.add(artist.id);
        local.push({ ...artist, detail: `on ${releaseLine(release)}` });
      }
    }
  } catch (error) {
    if (!(error instanceof NeedsService)) throw error;
  }
  const global = await findArtists(dataset, text, 8).catch((error) => {
    if (local.length) return [];
    throw error;
  });
  return local.concat(global.filter((artist) => !seen.has(artist.id))).slice(0, 10);
}

async function fillReleases(container, ctx, current, attempt) {
  let entry;
  try {
    entry = await ctx.dataset.neighbours(current.id);
  } catch (error) {
    clear(container).append(h('p', { class: 'message', role: 'alert', text: error.message }));
    return;
  }
  let shown = Math.min(RELEASES_SHOWN, entry.releases.length);
  const list = h('ul', { class: 'release-list' });
  const more = h('div', { class: 'more' });

  function draw() {
    clear(list);
    entry.releases.slice(0, shown).forEach((release) => list.append(releaseItem(release, attempt)));
    clear(more);
    const missing = entry.total - entry.releases.length;
    if (shown < entry.releases.length) {
      more.append(h('button', { type: 'button', class: 'secondary', text: `Show more releases (${entry.releases.length - shown} more)`, on: { click: () => { shown = entry.releases.length; draw(); list.children[RELEASES_SHOWN]?.querySelector('button')?.focus(); } } }));
    } else if (missing > 0 && hasApi()) {
      more.append(h('button', { type: 'button', class: 'secondary', text: `Load more releases (${missing} more)`, on: { click: loadMore } }));
    } else if (missing > 0) {
      more.append(h('p', { class: 'note', text: `${missing} more release${missing === 1 ? '' : 's'} of this artist need the online service; type a name to check any artist.` }));
    }
  }

  async function loadMore() {
    try {
      const before = entry.releases.length;
      entry = await ctx.dataset.moreReleases(current.id);
      shown = entry.releases.length;
      draw();
      list.children[before]?.querySelector('button')?.focus();
    } catch (error) {
      clear(more).append(h('p', { class: 'message', role: 'alert', text: error.message }));
    }
  }

  draw();
  clear(container).append(
    h('p', { class: 'note', text: `${entry.total} release${entry.total === 1 ? '' : 's'} in this ruleset. Open one to see who else is credited on it.` }),
    list,
    more,
  );
}

function releaseItem(release, attempt) {
  const panelId = uid('release');
  const artists = h('ul', { id: panelId, class: 'artist-list', hidden: true });
  const toggle = h('button', {
    type: 'button',
    class: 'release',
    'aria-expanded': 'false',
    'aria-controls': panelId,
  }, h('span', { class: 'release-title', text: releaseLine(release) }), h('span', { class: 'roles', text: roleText(release.roles) }));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    artists.hidden = !open;
    if (open) artists.querySelector('button')?.focus();
  });
  for (const artist of release.artists) {
    artists.append(h('li', {}, h('button', {
      type: 'button',
      class: 'choose',
      'aria-label': `Choose ${artistLabel(artist)}, ${roleText(artist.roles)} on ${release.title}`,
      on: { click: () => attempt(artist, releaseKey(release)) },
    }, h('span', { class: 'artist-name', text: artistLabel(artist) }), h('span', { class: 'roles', text: roleText(artist.roles) }))));
  }
  const hidden = (release.artist_count || 0) - 1 - release.artists.length;
  if (hidden > 0) artists.append(h('li', { class: 'note', text: `${hidden} more credited: type a name above.` }));
  if (!release.artists.length && hidden <= 0) artists.append(h('li', { class: 'note', text: 'No one else is credited on this release.' }));
  return h('li', {}, toggle, artists);
}

function toolsPanel(ctx) {
  const { game } = ctx;
  const path = ctx.optimal?.path || null;
  const panel = h('section', { class: 'tools', 'aria-label': 'Hints and actions' });
  const labels = { length: 'Reveal the best length', release: 'Reveal a release', artist: 'Reveal an artist' };
  const hints = h('div', { class: 'hint-buttons', role: 'group', 'aria-label': 'Hints, each costs score' });
  for (const kind of ['length', 'release', 'artist']) {
    hints.append(h('button', {
      type: 'button',
      class: 'secondary',
      disabled: !hintsLeft(game, kind, path),
      text: `${labels[kind]} (−${HINT_COSTS[kind]})`,
      on: {
        click: () => {
          const text = takeHint(game, kind, path);
          if (!text) return;
          ctx.save(game);
          announce(text);
          ctx.onChange({ focus: 'input' });
        },
      },
    }));
  }
  if (!path) hints.append(h('p', { class: 'note', text: ctx.optimalNote || 'Hints need the best chain, which is not available for this pair.' }));
  const actions = h('div', { class: 'actions' },
    h('button', {
      type: 'button', class: 'secondary', disabled: !game.steps.length, text: 'Undo last step',
      on: { click: () => { undoStep(game); ctx.save(game); ctx.onChange({ focus: 'input' }); } },
    }),
    h('button', {
      type: 'button', class: 'secondary', text: 'Give up',
      on: { click: () => { giveUp(game); ctx.save(game); ctx.onChange({ focus: 'result' }); } },
    }));
  panel.append(hints, actions);
  return panel;
}

function resultPanel(ctx) {
  const { game } = ctx;
  const headingId = uid('result');
  const solved = game.status === 'solved';
  const heading = h('h2', { id: headingId, tabindex: '-1', text: solved ? `Solved in ${game.hops} hop${game.hops === 1 ? '' : 's'}` : 'You gave up' });
  const panel = h('section', { class: 'result', 'aria-labelledby': headingId }, heading);

  const facts = [];
  if (ctx.optimal) facts.push(`A best chain has ${ctx.optimal.hops} hop${ctx.optimal.hops === 1 ? '' : 's'}.`);
  else facts.push(ctx.optimalNote || 'The best chain for this pair is not available.');
  facts.push(`Score ${game.score} of 100${game.hints.length ? `, with ${game.hints.length} hint${game.hints.length === 1 ? '' : 's'}` : ''}${game.wrong ? ` and ${game.wrong} rejected step${game.wrong === 1 ? '' : 's'}` : ''}.`);
  panel.append(h('p', { class: 'score', text: facts.join(' ') }));

  const figures = h('div', { class: 'chains' });
  if (solved) {
    figures.append(h('figure', {}, h('figcaption', { text: 'Your chain' }), drawChain(playerPath(game), 'Your chain')));
  }
  if (ctx.optimal && ctx.optimal.path.length) {
    const label = `A best chain: ${chainLabel(ctx.optimal.path)}`;
    const picture = ctx.optimalImage
      ? h('img', { src: ctx.optimalImage, alt: label, width: 360, class: 'chain-svg' })
      : drawChain(ctx.optimal.path, 'A best chain');
    figures.append(h('figure', {}, h('figcaption', { text: 'A best chain' }), picture));
  }
  panel.append(figures);

  const text = shareText(game, ctx.link);
  const shareId = uid('share');
  const status = h('p', { class: 'note', 'aria-live': 'polite' });
  panel.append(
    h('label', { for: shareId, text: 'Share your result (no spoilers)' }),
    h('textarea', { id: shareId, class: 'share-text', readonly: true, rows: 5, text }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', text: 'Copy result', on: { click: async () => { status.textContent = await share(text); } } }),
      h('a', { href: ctx.link, class: 'button secondary', text: 'Link to this puzzle' })),
    status,
  );
  if (ctx.afterResult) panel.append(ctx.afterResult());
  ctx.focusResult = () => heading.focus();
  return panel;
}
