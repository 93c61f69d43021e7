// Where the game's data comes from: the static files of a ruleset, then the
// fallback API, with an error that says what to do when neither responds.

import { apiUrl, config, dataUrl } from './config.js';

const API_PAGE = 50;

/** Raised when data needs the online service: the browser is offline, or the build has no API. */
export class NeedsService extends Error {
  constructor(reason, what) {
    super(serviceMessage(reason, what));
    this.name = 'NeedsService';
    this.reason = reason;
  }
}

function serviceMessage(reason, what) {
  if (reason === 'offline') {
    return `You are offline, and this device has no saved copy of ${what}, so the online service is needed. `
      + 'Daily puzzles you have opened still play; reconnect for the rest.';
  }
  if (reason === 'no-api') {
    return `The online service is needed for ${what}, and this copy of the game has none. `
      + 'Daily puzzles and pairs of popular artists work without it.';
  }
  return `The online service did not respond for ${what}. Try again in a moment.`;
}

function isOffline() {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

async function fetchJson(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch {
    throw new NeedsService(isOffline() ? 'offline' : 'failed', what);
  }
  if (!response.ok) {
    const error = new Error(`${url} returned HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

async function fetchApi(path, params, what) {
  const url = apiUrl(path, params);
  if (!url) throw new NeedsService('no-api', what);
  if (isOffline()) throw new NeedsService('offline', what);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new NeedsService(isOffline() ? 'offline' : 'failed', what);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body?.error?.message || `the online service returned HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Return a key that distinguishes releases from group memberships with the same id. */
export function releaseKey(release) {
  return `${release.kind || 'release'}:${release.id}`;
}

/** The data of one ruleset, with in-memory caches of everything fetched. */
export class Dataset {
  constructor(ruleset) {
    this.ruleset = ruleset;
    this.files = new Map();
    this.neighbourEntries = new Map();
    this.shardsRead = new Set();
  }

  file(path, what) {
    if (!this.files.has(path)) {
      const promise = fetchJson(dataUrl(this.ruleset, path), what);
      promise.catch(() => this.files.delete(path));
      this.files.set(path, promise);
    }
    return this.files.get(path);
  }

  manifest() {
    return this.file('manifest.json', 'this ruleset');
  }

  dayUrl(date) {
    return dataUrl(this.ruleset, `puzzles/${date}.json`);
  }

  svgUrl(date) {
    return dataUrl(this.ruleset, `puzzles/${date}.svg`);
  }

  async day(date) {
    const day = await this.file(`puzzles/${date}.json`, `the puzzle of ${date}`);
    for (const [id, entry] of Object.entries(day.neighbours || {})) this.remember(Number(id), entry);
    return day;
  }

  remember(id, entry) {
    const known = this.neighbourEntries.get(id);
    if (!known || known.releases.length < entry.releases.length) this.neighbourEntries.set(id, entry);
  }

  /**
   * Return the neighbour entry of an artist: a day file's, the static shard's, then the API's.
   * A day file may list fewer releases than the shard, so a capped entry is checked against the
   * shard once.
   */
  async neighbours(id) {
    const known = this.neighbourEntries.get(id);
    if (known && (known.total <= known.releases.length || this.shardsRead.has(id))) return known;
    this.shardsRead.add(id);
    let entry = null;
    try {
      const manifest = await this.manifest();
      const shard = await this.file(`neighbours/${id % manifest.neighbours.shards}.json`, `the credits of artist ${id}`);
      entry = shard[String(id)] || null;
    } catch (error) {
      if (known && error instanceof NeedsService) return known;
      throw error;
    }
    if (!entry && known) return known;
    if (!entry) entry = await this.apiNeighbours(id, 0);
    this.remember(id, entry);
    return this.neighbourEntries.get(id);
  }

  /** Fetch one page of an artist's releases from the API. */
  apiNeighbours(id, offset) {
    return fetchApi(
      `/v1/artists/${id}/neighbours`,
      { ruleset: this.ruleset, offset, limit: API_PAGE },
      `the credits of artist ${id}`,
    );
  }

  /** Return releases of an artist past those already loaded, from the API. */
  async moreReleases(id) {
    const entry = await this.neighbours(id);
    const page = await this.apiNeighbours(id, entry.releases.length);
    const known = new Set(entry.releases.map(releaseKey));
    const merged = { ...entry, releases: [...entry.releases, ...page.releases.filter((r) => !known.has(releaseKey(r)))] };
    this.neighbourEntries.set(id, merged);
    return merged;
  }

  /** Return {hops, path} of a shortest chain, null when none exists, or raise NeedsService. */
  async optimal(fromId, toId) {
    if (fromId === toId) return { hops: 0, path: [] };
    const manifest = await this.manifest();
    const [low, high] = fromId < toId ? [fromId, toId] : [toId, fromId];
    const shard = await this.file(`pairs/${low % manifest.pairs.shards}.json`, 'this pair');
    const row = shard[String(low)];
    if (row && String(high) in row) {
      const ids = row[String(high)];
      if (ids === null) return null;
      return this.describeIds(fromId === low ? ids : [...ids].reverse(), manifest);
    }
    const answer = await fetchApi('/v1/path', { from: fromId, to: toId, ruleset: this.ruleset }, 'this pair');
    if (answer.status === 'found') return { hops: answer.hops, path: answer.path };
    if (answer.status === 'unreachable') return null;
    throw new Error(answer.message || 'no chain within the search budget of the online service');
  }

  async describeIds(ids, manifest) {
    const shards = manifest.chain_nodes.shards;
    const load = (id) => this.file(`chain-nodes/${Math.abs(id) % shards}.json`, 'this chain');
    const path = [];
    for (let index = 0; index < ids.length; index += 1) {
      const id = ids[index];
      const nodes = await load(id);
      if (index % 2 === 0) {
        path.push({ type: 'artist', id, ...(nodes.artists[String(id)] || { name: `artist ${id}` }) });
        continue;
      }
      const release = nodes.releases[String(id)] || { title: `release ${id}` };
      const [before, after] = [ids[index - 1], ids[index + 1]];
      path.push({
        type: release.kind === 'membership' ? 'membership' : 'release',
        id: Math.abs(id),
        kind: release.kind,
        title: release.title,
        year: release.year,
        formats: release.formats,
        from_roles: nodes.roles[`${id}:${before}`] || [],
        to_roles: nodes.roles[`${id}:${after}`] || [],
      });
    }
    return { hops: (ids.length - 1) / 2, path };
  }

  async searchApi(query, limit) {
    const body = await fetchApi('/v1/artists/search', { q: query, limit, ruleset: this.ruleset }, 'this search');
    return body.results || [];
  }

  async apiPath(fromId, toId) {
    return fetchApi('/v1/path', { from: fromId, to: toId, ruleset: this.ruleset }, 'this step');
  }
}

export function hasApi() {
  return Boolean(config.api);
}
