// Spoiler-free share text: the puzzle, the hop counts, hints and score as
// squares and numbers, never a name or a release.

/** Return the share text of a finished game. */
export function shareText(game, link) {
  const title = game.mode === 'daily' ? `mcg puzzle #${game.puzzle.number} (${game.ruleset})` : `mcg free play (${game.ruleset})`;
  const best = game.optimalHops;
  const squares = [];
  for (let hop = 0; hop < game.hops; hop += 1) squares.push(best !== null && hop >= best ? '🟧' : '🟩');
  const lines = [title];
  if (game.status === 'solved') {
    const hops = `${game.hops} hop${game.hops === 1 ? '' : 's'}${best !== null ? ` (best ${best})` : ''}`;
    lines.push(`${hops}, ${game.hints.length} hint${game.hints.length === 1 ? '' : 's'}, score ${game.score}`);
    lines.push(squares.join('') + '💡'.repeat(game.hints.length));
  } else {
    lines.push('Not solved this time.');
  }
  lines.push(link);
  return lines.join('\n');
}

/** Share through the system sheet or the clipboard; return a message for the player. */
export async function share(text) {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return 'Copied the result to the clipboard.';
    }
  } catch {
    // Clipboard access can be refused; the text stays on screen to copy.
  }
  return 'Select the text below and copy it.';
}
