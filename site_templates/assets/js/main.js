// Entry point: the header, the hash router, and the service worker.
// Routes: #/ (today), #/day/<date>[/<ruleset>], #/free, #/free/<from>/<to>[/<ruleset>],
// #/archive, #/stats. Hash routes keep every URL relative, so the site
// works under any path prefix.

import { config, dataUrl, rulesetNames } from './config.js';
import { Dataset, NeedsService } from './data.js';
import { artistLabel, clear, h } from './dom.js';
import { newGame } from './game.js';
import { renderPlay } from './play.js';
import { addDays, formatDay, isIsoDate, puzzleFor, todayIso } from './schedule.js';
import { dailyKey, freeKey, loadGame, loadSettings, saveGame, saveSettings } from './store.js';
import { renderArchive, renderFreeSetup, renderStats } from './views.js';

const PAIR_NEEDS_SERVICE = {
  offline: 'This pair needs the online service, and you are offline: the credits of its artists '
    + 'are not saved on this device. Daily puzzles you have opened still play.',
  'no-api': 'This pair needs the online service, because the credits of its artists do not ship with '
    + 'the site, and this copy of the game has no online service. Pick popular artists, or play the daily puzzle.',
  failed: 'This pair needs the online service, which did not respond. Try again in a moment.',
};

const main = document.getElementById('main');
const datasets = new Map();
const knownArtists = new Map();
let ruleset = pickRuleset(loadSettings().ruleset);
let firstRender = true;

function pickRuleset(name) {
  const names = rulesetNames();
  if (names.includes(name)) return name;
  return names.includes(config.defaultRuleset) ? config.defaultRuleset : names[0];
}

function dataset() {
  if (!datasets.has(ruleset)) datasets.set(ruleset, new Dataset(ruleset));
  return datasets.get(ruleset);
}

function remember(artist) {
  knownArtists.set(artist.id, artist);
}

function pageLink(hash) {
  return new URL(hash, location.href).href;
}

function showError(error, title = 'Something went wrong') {
  clear(main).append(h('section', { class: 'problem' },
    h('h1', { tabindex: '-1', text: title }),
    h('p', { role: 'alert', text: error.message || String(error) }),
    h('p', {}, h('a', { href: '#/', text: 'Today’s puzzle' }), ' · ', h('a', { href: '#/free', text: 'Free play' }))));
  main.querySelector('h1').focus();
}

function markInteractive() {
  if (!firstRender) return;
  firstRender = false;
  performance.mark('mcg-interactive');
  document.documentElement.dataset.ready = 'true';
}

function focusAfter(ctx, focus) {
  if (focus === 'result') ctx.focusResult?.();
  else if (focus === 'input') ctx.focusInput?.();
  else if (focus === 'heading') main.querySelector('h1')?.focus();
}

function mountGame(ctx, focus) {
  ctx.onChange = (options) => {
    renderPlay(main, ctx);
    focusAfter(ctx, options.focus);
  };
  renderPlay(main, ctx);
  markInteractive();
  if (focus) focusAfter(ctx, focus);
}

async function showDaily(day) {
  const today = todayIso();
  if (day > today) {
    showError(new Error(`The puzzle of ${formatDay(day)} is not out yet.`), 'Not yet');
    return;
  }

  const data = dataset();
  const manifest = await data.manifest();
  const slot = puzzleFor(manifest.schedule, day);
  if (!slot) {
    showError(new Error(`The ${ruleset} ruleset has no daily puzzles. Try free play or another ruleset.`), 'No puzzle');
    return;
  }

  const puzzle = await data.day(slot.date);
  const key = dailyKey(config.snapshot, ruleset, day);
  let game = loadGame(key);
  if (!game || game.puzzle?.date !== slot.date || game.version !== 1) {
    game = newGame({
      mode: 'daily', ruleset, snapshot: config.snapshot, day,
      puzzle: { number: slot.number, date: slot.date, difficulty: slot.difficulty },
      from: puzzle.from, to: puzzle.to,
    });
    game.optimalHops = puzzle.hops;
  }

  const when = day === today ? 'Today' : formatDay(day);
  mountGame({
    dataset: data,
    game,
    optimal: puzzle.optimal,
    optimalImage: data.svgUrl(slot.date),
    today,
    title: `${when}: puzzle #${slot.number}${slot.difficulty ? ` (${slot.difficulty})` : ''}`,
    link: pageLink(`#/day/${day}/${encodeURIComponent(ruleset)}`),
    save: (state) => saveGame(key, state),
    afterResult: () => h('p', {}, h('a', { href: '#/archive', text: 'Play past puzzles' }), ' · ', h('a', { href: '#/stats', text: 'Your statistics' })),
  }, firstRender ? null : 'heading');
}

async function artistSummary(data, id) {
  if (knownArtists.has(id)) return knownArtists.get(id);
  const popular = await data.file('popular.json', 'the popular artists').catch(() => []);
  const listed = popular.find((artist) => artist.id === id);
  if (listed) return listed;
  const entry = await data.neighbours(id);
  return entry.artist;
}

async function showFree(fromId, toId) {
  const data = dataset();
  const key = freeKey(config.snapshot, ruleset);
  let from;
  let to;
  try {
    from = await artistSummary(data, fromId);
    to = await artistSummary(data, toId);
    await data.neighbours(fromId);
  } catch (error) {
    if (!(error instanceof NeedsService)) throw error;
    showError(new Error(PAIR_NEEDS_SERVICE[error.reason] || PAIR_NEEDS_SERVICE.failed), 'Free play');
    return;
  }

  let optimal = null;
  let optimalNote = '';
  try {
    optimal = await data.optimal(fromId, toId);
    if (!optimal) optimalNote = `No chain links ${artistLabel(from)} and ${artistLabel(to)} in this ruleset.`;
  } catch (error) {
    optimalNote = error instanceof NeedsService
      ? 'The best chain for this pair needs the online service; you can still build a chain.'
      : `The best chain could not be found: ${error.message}`;
  }

  let game = loadGame(key);
  if (!game || game.from?.id !== fromId || game.to?.id !== toId || game.version !== 1) {
    game = newGame({ mode: 'free', ruleset, snapshot: config.snapshot, from, to });
  }
  game.optimalHops = optimal ? optimal.hops : null;
  mountGame({
    dataset: data,
    game,
    optimal,
    optimalNote,
    today: todayIso(),
    title: 'Free play',
    link: pageLink(`#/free/${fromId}/${toId}/${encodeURIComponent(ruleset)}`),
    save: (state) => saveGame(key, state),
    afterResult: () => h('p', {}, h('a', { href: '#/free', text: 'Play another pair' })),
  }, firstRender ? null : 'heading');
}

function parseRoute() {
  const [path] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return parts;
}

async function route() {
  const parts = parseRoute();
  const [view, ...rest] = parts;
  let named = null;
  if (view === 'day') named = rest[1];
  if (view === 'free') named = rest[2];
  if (named && rulesetNames().includes(named) && named !== ruleset) setRuleset(named, false);

  highlightNav(view || 'today');
  try {
    if (!view || view === 'today') await showDaily(todayIso());
    else if (view === 'day' && isIsoDate(rest[0] || '')) await showDaily(rest[0]);
    else if (view === 'archive') { renderArchive(main, { manifest: await dataset().manifest(), ruleset, today: todayIso() }); focusHeading(); }
    else if (view === 'stats') { renderStats(main, { today: todayIso() }); focusHeading(); }
    else if (view === 'free' && rest.length >= 2 && /^\d+$/.test(rest[0]) && /^\d+$/.test(rest[1])) await showFree(Number(rest[0]), Number(rest[1]));
    else if (view === 'free') { renderFreeSetup(main, { dataset: dataset(), ruleset, remember }); focusHeading(); }
    else showError(new Error('This address does not lead to a view of the game.'), 'Not found');
  } catch (error) {
    showError(error);
  }
  markInteractive();
}

function focusHeading() {
  if (!firstRender) main.querySelector('h1')?.focus();
}

function highlightNav(view) {
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function setRuleset(name, rerender = true) {
  ruleset = pickRuleset(name);
  saveSettings({ ruleset });
  const select = document.getElementById('ruleset');
  if (select) select.value = ruleset;
  precacheWeek();
  if (rerender) route();
}

function setupHeader() {
  const select = document.getElementById('ruleset');
  if (select) {
    for (const item of config.rulesets || []) {
      select.append(h('option', { value: item.name, text: item.name, title: item.description || '' }));
    }
    select.value = ruleset;
    select.addEventListener('change', () => setRuleset(select.value));
  }
  const skip = document.querySelector('.skip');
  skip?.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
}

async function precacheWeek() {
  if (!('serviceWorker' in navigator)) return;
  try {
    const registration = await navigator.serviceWorker.ready;
    const manifest = await dataset().manifest();
    const today = todayIso();
    const urls = new Set([dataUrl(ruleset, 'manifest.json'), dataUrl(ruleset, 'popular.json'), dataUrl(ruleset, 'autocomplete/index.json')]);
    for (let offset = -7; offset <= 7; offset += 1) {
      const slot = puzzleFor(manifest.schedule, addDays(today, offset));
      if (!slot) continue;
      urls.add(dataUrl(ruleset, `puzzles/${slot.date}.json`));
      urls.add(dataUrl(ruleset, `puzzles/${slot.date}.svg`));
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      if (event.data?.type === 'precached') document.documentElement.dataset.offlineReady = 'true';
    };
    registration.active?.postMessage({ type: 'precache', urls: [...urls] }, [channel.port2]);
  } catch {
    // Without a service worker the game still plays online.
  }
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  navigator.serviceWorker.register('sw.js').then(precacheWeek).catch(() => {
    // Browsers in private mode may refuse; the game still plays online.
  });
}

setupHeader();
window.addEventListener('hashchange', route);
route().then(registerServiceWorker);
