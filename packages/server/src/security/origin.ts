import type { IncomingMessage } from 'node:http';

/** Which `Origin`s may open the stream: a list of origins, or the page's own origin only. */
export type OriginPolicy = readonly string[] | 'same-origin';

/**
 * Normalises an origin for comparison (`HTTPS://App.Example.com:443` → `https://app.example.com`);
 * `undefined` for anything that is not a scheme://host[:port] origin (including `null`).
 */
export function normalizeOrigin(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    const url = new URL(origin);
    if (url.origin === 'null' || url.pathname !== '/' || url.search !== '' || url.username !== '') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a browser at the request's `Origin` may connect (defends against cross-site
 * WebSocket hijacking: browsers send cookies with cross-site upgrades). A request without `Origin`
 * comes from a non-browser client and is allowed unless `allowMissing` is false. Exact matches
 * only: no wildcards, no substrings.
 */
export function originAllowed(request: IncomingMessage, policy: OriginPolicy | undefined, allowMissing = true): boolean {
  if (policy === undefined) return true;
  const raw = request.headers.origin;
  if (raw === undefined || raw === '') return allowMissing;
  const origin = normalizeOrigin(raw);
  if (origin === undefined) return policy !== 'same-origin' && policy.includes('null') && raw === 'null';
  if (policy === 'same-origin') {
    const host = request.headers.host;
    return new URL(origin).host === host?.toLowerCase();
  }
  return policy.some((allowed) => normalizeOrigin(allowed) === origin);
}
