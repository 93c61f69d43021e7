// Draw a chain as SVG in the page, with the layout of mcg_lib/export/svg.py
// (the day files' optimal chains), so both chains of a result look alike.

import { s } from './dom.js';

const WIDTH = 360;
const MARGIN = 8;
const ARTIST_HEIGHT = 34;
const RELEASE_HEIGHT = 46;

function shorten(text, limit = 44) {
  const flat = String(text).split(/\s+/).filter(Boolean).join(' ');
  const characters = Array.from(flat);
  return characters.length <= limit ? flat : `${characters.slice(0, limit - 1).join('').trimEnd()}…`;
}

function artistName(step) {
  return step.name_display || step.name || `artist ${step.id}`;
}

export function releaseLine(step) {
  const details = [step.year, step.formats].filter(Boolean).join(', ');
  const title = step.title || 'untitled';
  return details ? `${title} (${details})` : title;
}

export function rolesLine(step) {
  const before = (step.from_roles || []).join(', ') || 'credited';
  const after = (step.to_roles || []).join(', ') || 'credited';
  return `${before} / ${after}`;
}

/** Return a one-line description of a chain, for screen readers. */
export function chainLabel(path) {
  const parts = [artistName(path[0])];
  for (let index = 1; index < path.length - 1; index += 2) {
    parts.push(`on ${releaseLine(path[index])} with ${artistName(path[index + 1])}`);
  }
  return parts.join(', ');
}

/** Return an <svg> element of a chain given as mcg path --json elements. */
export function drawChain(path, title) {
  const artists = Math.ceil(path.length / 2);
  const height = 2 * MARGIN + artists * ARTIST_HEIGHT + (path.length - artists) * RELEASE_HEIGHT;
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: WIDTH,
    height,
    role: 'img',
    class: 'chain-svg',
    'aria-label': `${title}: ${chainLabel(path)}`,
  });
  svg.append(s('title', { text: title }));
  let y = MARGIN;
  path.forEach((step, index) => {
    if (index % 2 === 0) {
      svg.append(
        s('rect', { class: 'a', x: MARGIN, y, width: WIDTH - 2 * MARGIN, height: ARTIST_HEIGHT - 6, rx: 14 }),
        s('text', { class: 'an', x: WIDTH / 2, y: y + 19, 'text-anchor': 'middle', text: shorten(artistName(step)) }),
      );
      y += ARTIST_HEIGHT;
    } else {
      svg.append(
        s('line', { class: 'l', x1: MARGIN + 14, y1: y - 6, x2: MARGIN + 14, y2: y + RELEASE_HEIGHT }),
        s('text', { class: 'rt', x: MARGIN + 28, y: y + 15, text: shorten(releaseLine(step), 46) }),
        s('text', { class: 'rr', x: MARGIN + 28, y: y + 32, text: shorten(rolesLine(step), 50) }),
      );
      y += RELEASE_HEIGHT;
    }
  });
  return svg;
}
