// An accessible autocomplete: a text input with a listbox popup, following
// the WAI-ARIA combobox pattern (arrow keys move, Enter picks, Escape closes).

import { clear, h, uid } from './dom.js';

const DELAY_MS = 120;

/**
 * Build a combobox.
 * options: {label, placeholder, source(text) -> Promise<items>, describe(item) -> {text, detail, key},
 *           onSelect(item), onError(error)}
 */
export function combobox(options) {
  const inputId = uid('combo');
  const listId = uid('listbox');
  const input = h('input', {
    id: inputId,
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    placeholder: options.placeholder || '',
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'listbox', hidden: true, 'aria-label': options.label });
  const status = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const root = h('div', { class: 'combobox' }, h('label', { for: inputId, text: options.label }), input, list, status);

  let items = [];
  let active = -1;
  let timer = null;
  let request = 0;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((option, position) => option.setAttribute('aria-selected', String(position === index)));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function pick(index) {
    const item = items[index];
    if (!item) return;
    close();
    input.value = options.describe(item).text;
    options.onSelect(item);
  }

  function show(found) {
    items = found;
    clear(list);
    found.forEach((item, index) => {
      const { text, detail, key } = options.describe(item);
      const option = h(
        'li',
        { id: `${listId}-${index}`, role: 'option', 'aria-selected': 'false', class: 'option', 'data-key': key },
        h('span', { class: 'option-name', text }),
        detail ? h('span', { class: 'option-detail', text: detail }) : null,
      );
      option.addEventListener('mousedown', (event) => event.preventDefault());
      option.addEventListener('click', () => pick(index));
      list.append(option);
    });
    const open = found.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    status.textContent = open ? `${found.length} suggestion${found.length === 1 ? '' : 's'}` : 'No matching artist';
    highlight(open ? 0 : -1);
  }

  async function lookup() {
    request += 1;
    const mine = request;
    const text = input.value.trim();
    if (!text) { close(); items = []; return; }
    try {
      const found = await options.source(text);
      if (mine === request) show(found);
    } catch (error) {
      if (mine !== request) return;
      close();
      options.onError?.(error);
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, DELAY_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && items.length) {
      event.preventDefault();
      if (list.hidden) show(items); else highlight((active + 1) % items.length);
    } else if (event.key === 'ArrowUp' && items.length && !list.hidden) {
      event.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (!list.hidden && active >= 0) {
        pick(active);
      } else {
        clearTimeout(timer);
        lookup();
      }
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  return {
    root,
    input,
    focus: () => input.focus(),
    reset: () => { input.value = ''; items = []; close(); },
    disable: (disabled) => { input.disabled = disabled; },
    /** Run the lookup now, for the current text (used when the text is set from code). */
    refresh: lookup,
  };
}
