import { request as httpRequest, type Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { capture, type Frame } from './logger-capture.js';

/** Listens on port 0 of 127.0.0.1; resolves with the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with node:http (so headers such as Referer and Forwarded go out as given). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The records of one logger, collected from the hub as they come. */
export function recordsOf(logwire: Logwire): {
  all(logger?: string): Frame['data'][];
  wait(count: number, logger?: string): Promise<Frame['data'][]>;
} {
  const cap = capture(logwire);
  const seen: Frame[] = [];
  const all = (logger?: string): Frame['data'][] => {
    seen.push(...cap.take());
    return seen.filter((frame) => logger === undefined || frame.data['logger'] === logger).map((frame) => frame.data);
  };
  return {
    all,
    wait: (count, logger = 'http') =>
      until(
        () => {
          const list = all(logger);
          return list.length >= count ? list : undefined;
        },
        () => `${count} records on ${logger}, have ${all(logger).length}`,
      ),
  };
}
