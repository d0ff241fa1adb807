import type { IncomingMessage } from 'node:http';

/**
 * Which `Origin`s may open the stream or send cookie-carrying queries: a list of origins, the
 * server's own origin only (`'same-origin'`, the default), or any origin (`'*'`, an explicit opt-in).
 */
export type OriginPolicy = readonly string[] | 'same-origin' | '*';

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
 * comes from a non-browser client and is allowed unless `allowMissing` is false. Without a policy
 * only the server's own origin is admitted: the `Origin`'s host:port must be the request's `Host`
 * (default ports of the Origin's scheme left out on both sides). `'*'` admits any origin. A list
 * admits exact matches only: no wildcards, no substrings.
 */
export function originAllowed(request: IncomingMessage, policy: OriginPolicy | undefined, allowMissing = true): boolean {
  const raw = request.headers.origin;
  if (raw === undefined || raw === '') return allowMissing;
  if (policy === '*') return true;
  const origin = normalizeOrigin(raw);
  if (origin === undefined) return Array.isArray(policy) && policy.includes('null') && raw === 'null';
  if (policy === undefined || policy === 'same-origin') return sameHost(origin, request.headers.host);
  return policy.some((allowed) => normalizeOrigin(allowed) === origin);
}

/** Whether `origin` (normalised) names the host:port of the `Host` header, read with the Origin's scheme. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || host === '' || /[/?#@\\\s]/.test(host)) return false;
  const own = new URL(origin);
  try {
    return new URL(`${own.protocol}//${host}`).host === own.host;
  } catch {
    return false;
  }
}
