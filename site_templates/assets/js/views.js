// The archive, statistics and free-play setup views.

import { config } from './config.js';
import { combobox } from './combobox.js';
import { announce, artistLabel, clear, h, uid } from './dom.js';
import { addDays, formatDay, puzzleFor } from './schedule.js';
import { findArtists } from './search.js';
import { dailyKey, loadGame, statistics } from './store.js';

const ARCHIVE_PAGE = 30;

function statusText(record) {
  if (!record) return 'not played';
  if (record.status === 'solved') return `solved in ${record.hops} hop${record.hops === 1 ? '' : 's'}, score ${record.score}`;
  if (record.status === 'gave-up') return 'gave up';
  return `in progress, ${record.hops} hop${record.hops === 1 ? '' : 's'} so far`;
}

/** Render the archive: the puzzles of past days, newest first, with their status. */
export function renderArchive(container, { manifest, ruleset, today }) {
  clear(container);
  const titleId = uid('archive');
  const list = h('ul', { class: 'archive-list' });
  const section = h('section', { 'aria-labelledby': titleId },
    h('h1', { id: titleId, tabindex: '-1', text: 'Archive' }),
    h('p', { text: `Past daily puzzles of the ${ruleset} ruleset. Streaks count puzzles solved on their own day.` }),
    list);
  const total = manifest.schedule.length;
  let shown = 0;
  const more = h('button', { type: 'button', class: 'secondary', text: 'Show older puzzles' });

  function addPage() {
    const stop = Math.min(total, shown + ARCHIVE_PAGE);
    for (; shown < stop; shown += 1) {
      const day = addDays(today, -shown);
      const puzzle = puzzleFor(manifest.schedule, day);
      const record = loadGame(dailyKey(config.snapshot, ruleset, day));
      list.append(h('li', {},
        h('a', { href: `#/day/${day}/${encodeURIComponent(ruleset)}`, text: `${formatDay(day)}: puzzle #${puzzle.number}` }),
        h('span', { class: 'tag', text: puzzle.difficulty || '' }),
        h('span', { class: 'note', text: statusText(record) })));
    }
    more.hidden = shown >= total;
  }

  more.addEventListener('click', () => {
    const first = shown;
    addPage();
    list.children[first]?.querySelector('a')?.focus();
  });
  if (total) addPage(); else list.append(h('li', { text: 'This ruleset has no daily puzzles.' }));
  section.append(more);
  container.append(section);
  return section;
}

/** Render the statistics of the daily puzzles kept in this browser. */
export function renderStats(container, { today }) {
  clear(container);
  const stats = statistics(today);
  const titleId = uid('stats');
  const figures = [
    ['Played', stats.played], ['Solved', stats.solved], ['Win rate', `${stats.winRate}%`],
    ['Current streak', stats.current], ['Longest streak', stats.longest], ['Average score', stats.averageScore],
  ];
  const total = Math.max(1, stats.solved);
  const distribution = h('ul', { class: 'distribution' });
  for (const [label, count] of Object.entries(stats.distribution)) {
    const meterId = uid('meter');
    distribution.append(h('li', {},
      h('label', { for: meterId, text: `${label === 'best' ? 'Best length' : `${label} hops`}: ${count}` }),
      h('meter', { id: meterId, min: 0, max: total, value: count })));
  }
  container.append(h('section', { 'aria-labelledby': titleId },
    h('h1', { id: titleId, tabindex: '-1', text: 'Statistics' }),
    h('dl', { class: 'stats' }, figures.map(([label, value]) => [h('dt', { text: label }), h('dd', { class: `stat-${label.toLowerCase().replaceAll(' ', '-')}`, text: value })])),
    h('h2', { text: 'Solved chains against the best length' }),
    distribution,
    h('p', { class: 'note', text: 'Statistics stay in this browser; nothing is sent anywhere.' })));
}

/** Render the free-play setup: pick two artists, or a random popular pair. */
export function renderFreeSetup(container, { dataset, ruleset, remember, onError }) {
  clear(container);
  const titleId = uid('free');
  const chosen = { from: null, to: null };
  const message = h('p', { class: 'message', role: 'alert' });
  const start = h('button', { type: 'button', disabled: true, text: 'Play this pair' });

  function picker(role, label) {
    const note = h('p', { class: 'chosen', 'aria-live': 'polite' });
    const box = combobox({
      label,
      placeholder: 'Type an artist name',
      source: (text) => findArtists(dataset, text, 8),
      describe: (artist) => ({ text: artistLabel(artist), detail: artist.hint || '', key: artist.id }),
      onSelect: (artist) => {
        chosen[role] = artist;
        remember(artist);
        note.textContent = `${role === 'from' ? 'From' : 'To'}: ${artistLabel(artist)}${artist.hint ? ` (${artist.hint})` : ''}`;
        start.disabled = !(chosen.from && chosen.to && chosen.from.id !== chosen.to.id);
      },
      onError: (error) => { message.textContent = error.message; onError?.(error); },
    });
    return h('div', { class: 'picker' }, box.root, note);
  }

  function play() {
    if (!chosen.from || !chosen.to) return;
    location.hash = `#/free/${chosen.from.id}/${chosen.to.id}/${encodeURIComponent(ruleset)}`;
  }

  async function randomPair() {
    try {
      const popular = await dataset.file('popular.json', 'the popular artists');
      if (popular.length < 2) { message.textContent = 'This ruleset has too few popular artists for a random pair.'; return; }
      const first = Math.floor(Math.random() * popular.length);
      let second = Math.floor(Math.random() * (popular.length - 1));
      if (second >= first) second += 1;
      chosen.from = popular[first];
      chosen.to = popular[second];
      remember(chosen.from);
      remember(chosen.to);
      announce(`Random pair: ${artistLabel(chosen.from)} and ${artistLabel(chosen.to)}.`);
      play();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  start.addEventListener('click', play);
  container.append(h('section', { 'aria-labelledby': titleId },
    h('h1', { id: titleId, tabindex: '-1', text: 'Free play' }),
    h('p', { text: 'Pick any two artists. Namesakes are told apart by their best-known release.' }),
    picker('from', 'From artist'),
    picker('to', 'To artist'),
    message,
    h('div', { class: 'actions' }, start, h('button', { type: 'button', class: 'secondary', text: 'Random popular pair', on: { click: randomPair } }))));
}
