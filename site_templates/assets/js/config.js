// Build settings embedded in the page by the site stage (id "mcg-config").

const node = document.getElementById('mcg-config');

/** {snapshot, build, api, rulesets: [{name, description}], defaultRuleset} */
export const config = JSON.parse(node ? node.textContent : '{}');

/** Return the absolute URL of a data file of a ruleset, relative to the page. */
export function dataUrl(ruleset, path) {
  return new URL(`data/${encodeURIComponent(ruleset)}/${path}`, document.baseURI).href;
}

/** Return the fallback API's URL for a path, or null when the build has no API. */
export function apiUrl(path, params = {}) {
  if (!config.api) return null;
  const url = new URL(path.replace(/^\//, ''), config.api.endsWith('/') ? config.api : `${config.api}/`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return url.href;
}

export function rulesetNames() {
  return (config.rulesets || []).map((ruleset) => ruleset.name);
}
