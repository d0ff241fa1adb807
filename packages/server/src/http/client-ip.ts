import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Characters of a proxy header read at most: the client's entry is at its start. */
const MAX_HEADER_SCAN = 1024;

/**
 * The client's address. Without `trustProxy` it is the socket's peer: proxy headers are set by
 * whoever sends the request, so they are ignored. With `trustProxy` it is the first (client-most)
 * address of `Forwarded` (`for=`), else of `X-Forwarded-For`, when that is a valid IP address;
 * otherwise the socket's peer. `null` when the socket is gone.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = firstValue(req.headers['forwarded']);
    const fromForwarded = forwarded === undefined ? undefined : forwardedFor(forwarded);
    if (fromForwarded !== undefined) return fromForwarded;
    const xff = firstValue(req.headers['x-forwarded-for']);
    if (xff !== undefined) {
      const first = firstElement(xff).trim();
      if (isIP(first) !== 0) return first;
    }
  }
  return req.socket?.remoteAddress ?? null;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? undefined : value.slice(0, MAX_HEADER_SCAN);
}

function firstElement(list: string): string {
  const comma = list.indexOf(',');
  return comma === -1 ? list : list.slice(0, comma);
}

/** The `for=` address of the first element of a `Forwarded` header (RFC 7239), without port or brackets. */
function forwardedFor(header: string): string | undefined {
  for (const pair of firstElement(header).split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim().toLowerCase() !== 'for') continue;
    let value = pair.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (value.startsWith('[')) {
      const close = value.indexOf(']');
      value = close === -1 ? '' : value.slice(1, close);
    } else if (value.indexOf(':') === value.lastIndexOf(':')) {
      // IPv4 with an optional port; a bare IPv6 address (several colons) is left whole.
      const colon = value.indexOf(':');
      if (colon !== -1) value = value.slice(0, colon);
    }
    return isIP(value) !== 0 ? value : undefined;
  }
  return undefined;
}
