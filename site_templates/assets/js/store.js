// Progress, settings, streak and statistics, kept in localStorage.
// Keys: mcg:v1:settings, mcg:v1:daily:<snapshot>:<ruleset>:<day>, mcg:v1:free:<snapshot>:<ruleset>.

import { addDays } from './schedule.js';

const PREFIX = 'mcg:v1:';

function read(key, fallback) {
  try {
    const text = localStorage.getItem(PREFIX + key);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Private windows and full storage refuse writes; the game still plays.
  }
}

export function loadSettings() {
  return read('settings', {});
}

export function saveSettings(settings) {
  write('settings', { ...loadSettings(), ...settings });
}

export function dailyKey(snapshot, ruleset, day) {
  return `daily:${snapshot}:${ruleset}:${day}`;
}

export function freeKey(snapshot, ruleset) {
  return `free:${snapshot}:${ruleset}`;
}

export function loadGame(key) {
  return read(key, null);
}

export function saveGame(key, record) {
  write(key, record);
}

export function removeGame(key) {
  try { localStorage.removeItem(PREFIX + key); } catch { /* nothing stored */ }
}

/** Return every stored daily record. */
export function dailyRecords() {
  const records = [];
  try {
    for (let index = 0; index < localStorage.length; index += 1) {
      const key = localStorage.key(index);
      if (!key || !key.startsWith(`${PREFIX}daily:`)) continue;
      const record = read(key.slice(PREFIX.length), null);
      if (record) records.push(record);
    }
  } catch {
    // No storage: no records.
  }
  return records;
}

function extraHopsBucket(record) {
  if (record.optimalHops === null || record.optimalHops === undefined) return 'best';
  const extra = record.hops - record.optimalHops;
  if (extra <= 0) return 'best';
  if (extra <= 2) return `+${extra}`;
  return '+3 or more';
}

function streaks(solvedDays, today) {
  const days = [...solvedDays].sort();
  let longest = 0;
  let run = 0;
  let previous = null;
  for (const day of days) {
    run = previous !== null && addDays(previous, 1) === day ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  let current = 0;
  let day = solvedDays.has(today) ? today : addDays(today, -1);
  while (solvedDays.has(day)) {
    current += 1;
    day = addDays(day, -1);
  }
  return { current, longest };
}

/**
 * Return the statistics of the daily puzzles. A day counts towards the
 * streak when its puzzle was solved on that same day, in any ruleset.
 */
export function statistics(today) {
  const records = dailyRecords();
  const finished = records.filter((record) => record.status === 'solved' || record.status === 'gave-up');
  const solved = records.filter((record) => record.status === 'solved');
  const onTheDay = new Set(solved.filter((record) => record.solvedOn === record.day).map((record) => record.day));
  const distribution = { best: 0, '+1': 0, '+2': 0, '+3 or more': 0 };
  for (const record of solved) distribution[extraHopsBucket(record)] += 1;
  const scores = solved.map((record) => record.score || 0);
  return {
    played: finished.length,
    solved: solved.length,
    winRate: finished.length ? Math.round((100 * solved.length) / finished.length) : 0,
    averageScore: scores.length ? Math.round(scores.reduce((a, b) => a + b, 0) / scores.length) : 0,
    ...streaks(onTheDay, today),
    distribution,
  };
}
