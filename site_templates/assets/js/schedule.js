// Calendar days and the puzzle of each day. Days follow the browser's own
// date. A day outside the schedule (the demo month is generated once) gets
// the puzzle at (days since the first puzzle) modulo the schedule length,
// so every browser maps the same day to the same puzzle.

const DAY_MS = 86400000;

function pad(number) {
  return String(number).padStart(2, '0');
}

/** Return today's date in the browser's time zone as YYYY-MM-DD. */
export function todayIso(now = new Date()) {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function utcDays(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

export function addDays(iso, days) {
  const date = new Date((utcDays(iso) + days) * DAY_MS);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

export function daysBetween(first, second) {
  return utcDays(second) - utcDays(first);
}

export function isIsoDate(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && addDays(text, 0) === text;
}

/** Return {date, difficulty, number} of the puzzle played on a calendar day, or null. */
export function puzzleFor(schedule, day) {
  if (!schedule.length) return null;
  let index = schedule.findIndex(([date]) => date === day);
  if (index < 0) {
    const offset = daysBetween(schedule[0][0], day);
    index = ((offset % schedule.length) + schedule.length) % schedule.length;
  }
  const [date, difficulty] = schedule[index];
  return { date, difficulty, number: index + 1 };
}

/** Format YYYY-MM-DD for people, in the browser's language. */
export function formatDay(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  return new Date(year, month - 1, day).toLocaleDateString(undefined, {
    weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
  });
}
