// Check one step of a chain, artist -> shared release -> artist, against the
// data: the current artist's neighbour entry first, then the other artist's,
// then a one-hop question to the fallback API when the static lists are capped.

import { NeedsService, releaseKey } from './data.js';

function linkOf(release, fromRoles, artist) {
  return {
    release: { id: release.id, kind: release.kind, title: release.title, year: release.year, formats: release.formats },
    fromRoles: fromRoles || [],
    toRoles: artist.roles || [],
    artist: { id: artist.id, name: artist.name, name_display: artist.name_display },
  };
}

// A release without artist_count (an API response may omit it) counts as capped.
function isCapped(entry, releases) {
  const listed = (entry.offset || 0) + entry.releases.length;
  return entry.total > listed || releases.some(
    (release) => release.artist_count === undefined || release.artist_count > release.artists.length + 1,
  );
}

function searchEntry(entry, otherId, viaRelease) {
  const releases = viaRelease ? entry.releases.filter((release) => releaseKey(release) === viaRelease) : entry.releases;
  for (const release of releases) {
    const other = release.artists.find((artist) => artist.id === otherId);
    if (other) return { release, other, releases };
  }
  return { release: null, other: null, releases };
}

/**
 * Return the link from artist `fromId` to `target` (an artist summary),
 * through the release `viaRelease` (a releaseKey) when given, or null when the
 * data shows there is none. Raises NeedsService when only the API could tell.
 */
export async function findLink(dataset, fromId, target, viaRelease = null) {
  if (fromId === target.id) return null;
  const entry = await dataset.neighbours(fromId);
  const mine = searchEntry(entry, target.id, viaRelease);
  if (mine.release) return linkOf(mine.release, mine.release.roles, mine.other);
  if (!isCapped(entry, mine.releases)) return null;

  // The current artist's lists are capped: look from the other side.
  let theirs = null;
  try {
    theirs = await dataset.neighbours(target.id);
  } catch (error) {
    if (!(error instanceof NeedsService)) throw error;
  }
  if (theirs) {
    const found = searchEntry(theirs, fromId, viaRelease);
    if (found.release) {
      const artist = { ...theirs.artist, roles: found.release.roles };
      return linkOf(found.release, found.other.roles, artist);
    }
    if (!isCapped(theirs, found.releases)) return null;
  }

  const answer = await dataset.apiPath(fromId, target.id);
  if (answer.status !== 'found' || answer.hops !== 1) return null;
  const step = answer.path[1];
  if (viaRelease && `${step.kind === 'membership' ? 'membership' : 'release'}:${step.id}` !== viaRelease) return null;
  const release = { id: step.id, kind: step.kind === 'membership' ? 'membership' : undefined, title: step.title, year: step.year, formats: step.formats };
  return linkOf(release, step.from_roles, { ...answer.path[2], roles: step.to_roles });
}
