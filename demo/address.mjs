// Where the demos listen: 127.0.0.1 unless HOST says otherwise (the demos have no authentication,
// so they are reachable from this machine only by default; HOST=0.0.0.0 opens them to the network).
import { isIPv6 } from 'node:net';

/** The address to listen on: HOST, or 127.0.0.1. */
export function demoHost() {
  return process.env.HOST || '127.0.0.1';
}

/** The URL of `host:port` with `protocol` (`http` or `ws`), IPv6 addresses in brackets. */
export function demoUrl(protocol, host, port, path = '') {
  return `${protocol}://${isIPv6(host) ? `[${host}]` : host}:${port}${path}`;
}
