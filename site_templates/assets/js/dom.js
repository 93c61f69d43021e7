// DOM helpers. Every text from the data goes in through textContent or
// setAttribute, never through innerHTML, so names render as text.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

function applyProps(node, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

/** Create an HTML element: h('button', {class: 'x', on: {click}}, 'Label'). */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  applyProps(node, props);
  append(node, children);
  return node;
}

/** Create an SVG element with attributes and children. */
export function s(tag, props = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  applyProps(node, props);
  append(node, children);
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

let announcer = null;

/** Read a message out through the page's live region. */
export function announce(message) {
  announcer ??= document.getElementById('announcer');
  if (!announcer) return;
  announcer.textContent = '';
  // A fresh text node after a tick makes screen readers repeat equal messages.
  setTimeout(() => { announcer.textContent = message; }, 30);
}

/** Return "Name" or, for namesakes, "Name" with its hint, for lists and labels. */
export function artistLabel(artist) {
  return artist.name_display || artist.name || `artist ${artist.id}`;
}

let sequence = 0;

/** Return a unique element id with a readable stem. */
export function uid(stem) {
  sequence += 1;
  return `${stem}-${sequence}`;
}
