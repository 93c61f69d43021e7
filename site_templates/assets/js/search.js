// Artist search over the prefix-sharded autocomplete files, then the API.
// searchKey must give the same keys as mcg_lib/export/autocomplete.py.

import { hasApi, NeedsService } from './data.js';

const WORDS = 3;

/** Normalise a name: lower case, accents and punctuation dropped, spaces collapsed. */
export function searchKey(text) {
  return String(text)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replaceAll('ς', 'σ')
    .trim();
}

/** Return the search keys of a name: the key from each of its first words on. */
export function wordKeys(name) {
  const words = searchKey(name).split(' ').filter(Boolean);
  const keys = [];
  for (let index = 0; index < Math.min(words.length, WORDS); index += 1) keys.push(words.slice(index).join(' '));
  return keys;
}

function matches(artist, key) {
  return wordKeys(artist.name_display || artist.name).some((candidate) => candidate.startsWith(key));
}

function rank(results, key) {
  const exact = (artist) => (searchKey(artist.name_display || artist.name) === key ? 1 : 0);
  return results.sort((a, b) => exact(b) - exact(a) || (b.popularity || 0) - (a.popularity || 0) || a.id - b.id);
}

async function staticMatches(dataset, key) {
  const manifest = await dataset.manifest();
  const index = await dataset.file('autocomplete/index.json', 'artist search');
  const characters = Array.from(key);
  for (let length = Math.min(characters.length, manifest.autocomplete.max_depth); length > 0; length -= 1) {
    const prefix = characters.slice(0, length).join('');
    const node = index[prefix];
    if (!node) continue;
    const [number, leaf] = node;
    if (!leaf && length < characters.length) return { results: [], complete: true };
    const file = await dataset.file(`autocomplete/${number}.json`, 'artist search');
    return { results: file.filter((artist) => matches(artist, key)), complete: Boolean(leaf) };
  }
  return { results: [], complete: true };
}

/** Return up to `limit` artist summaries matching a typed name, best first. */
export async function findArtists(dataset, text, limit = 8) {
  const key = searchKey(text);
  if (!key) return [];
  const manifest = await dataset.manifest();
  const found = await staticMatches(dataset, key);
  let results = found.results;
  const partial = !manifest.autocomplete.complete || !found.complete;
  if (results.length < limit && partial && hasApi()) {
    try {
      const known = new Set(results.map((artist) => artist.id));
      const remote = await dataset.searchApi(text, limit);
      results = results.concat(remote.filter((artist) => !known.has(artist.id)));
    } catch (error) {
      if (!(error instanceof NeedsService)) throw error;
    }
  }
  return rank(results, key).slice(0, limit);
}
