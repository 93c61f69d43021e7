// The state of one game: the chain built so far, hints taken, the score.
// A game is plain data so that it can be saved and restored as JSON.

export const HINT_COSTS = { length: 5, release: 10, artist: 15 };
const EXTRA_HOP_COST = 10;
const WRONG_STEP_COST = 2;
export const MAX_HOPS = 12;

export function newGame({ mode, ruleset, snapshot, day = null, puzzle = null, from, to }) {
  return {
    version: 1,
    mode,
    ruleset,
    snapshot,
    day,
    puzzle,
    from,
    to,
    steps: [],
    wrong: 0,
    hints: [],
    status: 'playing',
    hops: 0,
    optimalHops: null,
    score: null,
    solvedOn: null,
  };
}

/** Return the artist the next step starts from. */
export function currentArtist(game) {
  return game.steps.length ? game.steps[game.steps.length - 1].artist : game.from;
}

export function isOver(game) {
  return game.status !== 'playing';
}

/** Add a checked link; finish the game when it reaches the target. */
export function addStep(game, link, today) {
  game.steps.push(link);
  game.hops = game.steps.length;
  if (link.artist.id === game.to.id) {
    game.status = 'solved';
    game.solvedOn = today;
    game.score = score(game);
  }
}

export function undoStep(game) {
  if (isOver(game) || !game.steps.length) return;
  game.steps.pop();
  game.hops = game.steps.length;
}

export function giveUp(game) {
  game.status = 'gave-up';
  game.score = 0;
}

export function hintCost(game) {
  return game.hints.reduce((total, hint) => total + (HINT_COSTS[hint.kind] || 0), 0);
}

export function score(game) {
  if (game.status === 'gave-up') return 0;
  const extra = game.optimalHops === null ? 0 : Math.max(0, game.hops - game.optimalHops);
  const value = 100 - EXTRA_HOP_COST * extra - WRONG_STEP_COST * game.wrong - hintCost(game);
  return Math.max(0, Math.min(100, value));
}

/**
 * Take a hint from the optimal chain (mcg path --json "path" elements) and
 * return its text, or null when that hint has nothing left to reveal.
 * Release and artist hints reveal the optimal chain in order from its start.
 */
export function takeHint(game, kind, optimalPath) {
  if (!optimalPath || isOver(game)) return null;
  const taken = game.hints.filter((hint) => hint.kind === kind).length;
  let text = null;
  if (kind === 'length' && taken === 0) {
    const hops = (optimalPath.length - 1) / 2;
    text = `The best chain has ${hops} hop${hops === 1 ? '' : 's'}.`;
  } else if (kind === 'release') {
    const step = optimalPath.filter((element, index) => index % 2 === 1)[taken];
    if (step) text = `The best chain goes through the release “${step.title}”${step.year ? ` (${step.year})` : ''}.`;
  } else if (kind === 'artist') {
    const artists = optimalPath.filter((element, index) => index % 2 === 0).slice(1, -1);
    const step = artists[taken];
    if (step) text = `The best chain goes through ${step.name_display || step.name}.`;
  }
  if (text) game.hints.push({ kind, text });
  return text;
}

export function hintsLeft(game, kind, optimalPath) {
  if (!optimalPath) return false;
  const taken = game.hints.filter((hint) => hint.kind === kind).length;
  const hops = (optimalPath.length - 1) / 2;
  if (kind === 'length') return taken === 0;
  if (kind === 'release') return taken < hops;
  return taken < hops - 1;
}

/** Turn the player's steps into mcg path --json elements, for drawing. */
export function playerPath(game) {
  const path = [{ type: 'artist', ...game.from }];
  for (const step of game.steps) {
    path.push({ type: 'release', ...step.release, from_roles: step.fromRoles, to_roles: step.toRoles });
    path.push({ type: 'artist', ...step.artist });
  }
  return path;
}
