// Request-logging cost in CPU instructions per request, counted by valgrind's cachegrind: the
// steady figure behind bench/request-logging.mjs on a machine too busy for stable timings. The
// requests never touch a socket: each is a real http.IncomingMessage and http.ServerResponse on a
// socket stub that discards its bytes, run through a trivial handler without logging (baseline),
// behind pino-http, and behind logwire.http(), each with its default settings and stdout (its log
// output) on /dev/null. Each variant runs twice, with LOW and HIGH requests; the difference of the
// two counts divided by HIGH − LOW is the cost per request with start-up, imports and most JIT
// compilation cancelled out. Overhead = that cost minus the baseline's. Without sockets this misses
// what a request costs in async resources (AsyncLocalStorage's hook runs for each of them):
// bench/request-logging-server-instructions.mjs counts the whole server with real sockets.
//
//   node bench/request-logging-instructions.mjs [low=4000] [high=12000] [variants…]   (needs valgrind and `npm run build`)
//   node bench/request-logging-instructions.mjs --child <variant> <requests>  (one run, what valgrind runs)
import http from 'node:http';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { perUnit } from './cachegrind.mjs';
import { fmt, machine, table } from './lib.mjs';

const VARIANTS = ['baseline', 'pino-http', 'logwire'];
/** Requests started together before the event loop gets a turn (the console sinks flush then). */
const BATCH = 16;

/** The request listener of one variant around the trivial handler (shared with request-logging-server-instructions.mjs). */
export async function listenerFor(variant) {
  const handler = (req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('ok');
  };
  if (variant === 'pino-http') {
    const { default: pino } = await import('pino');
    const { default: pinoHttp } = await import('pino-http');
    const logger = pinoHttp({ logger: pino() });
    return (req, res) => {
      logger(req, res);
      handler(req, res);
    };
  }
  if (variant.startsWith('logwire')) {
    // LOGWIRE_DIST points at another build of the server package (to compare two builds).
    const dist = process.env.LOGWIRE_DIST ?? '../packages/server/dist/index.js';
    const { createLogwire } = await import(dist.startsWith('/') ? `file://${dist}` : dist);
    // `logwire:{json}` passes options to createLogwire (to see what each part costs).
    const options = variant.startsWith('logwire:') ? JSON.parse(variant.slice('logwire:'.length)) : {};
    return createLogwire(options).http().wrap(handler);
  }
  if (variant === 'context-only') {
    // What entering a request context costs by itself: the handler inside AsyncLocalStorage.run.
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const store = new AsyncLocalStorage();
    return (req, res) => store.run({ request_id: 'x' }, () => handler(req, res));
  }
  return handler;
}

/** A socket that accepts and drops whatever the response writes. */
function socketStub() {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  socket.remoteAddress = '127.0.0.1';
  socket.remotePort = 40_000;
  socket.setTimeout = () => socket;
  return socket;
}

/** One request through `listener`; resolves once its response has closed. */
function request(listener) {
  const socket = socketStub();
  const req = new http.IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/api/items?page=2';
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = { host: '127.0.0.1:3000', 'user-agent': 'bench', connection: 'keep-alive' };
  req.rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Connection', 'keep-alive'];
  req.complete = true;
  req.push(null);
  const res = new http.ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve) => {
    // As node:http's server does (resOnFinish): detach, then `close` a tick after `finish`.
    res.once('finish', () => {
      res.detachSocket(socket);
      process.nextTick(() => {
        res.emit('close');
        resolve();
      });
    });
    listener(req, res);
  });
}

async function child(variant, count) {
  const listener = await listenerFor(variant);
  for (let done = 0; done < count; done += BATCH) {
    const batch = [];
    for (let i = 0; i < BATCH; i++) batch.push(request(listener));
    await Promise.all(batch);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function measureRequestInstructions(low = 4_000, high = 12_000, variants = VARIANTS) {
  // One thread: background compilation and GC threads would make the count wander.
  const perRequest = perUnit(fileURLToPath(import.meta.url), variants, low, high, ['--single-threaded']);
  return { low, high, perRequest };
}

export function renderRequestInstructions({ low, high, perRequest }) {
  const variants = Object.keys(perRequest);
  const base = perRequest.baseline;
  const pino = perRequest['pino-http'] - base;
  const ours = perRequest.logwire - base;
  return [
    `### Request logging in instructions (cachegrind, in-process, ${low} vs ${high} requests per variant)`,
    '',
    table(
      ['variant', 'instructions/request', 'overhead instructions/request'],
      variants.map((variant) => [variant, fmt(perRequest[variant]), variant === 'baseline' ? '—' : fmt(perRequest[variant] - base)]),
    ),
    '',
    Number.isFinite(ours / pino) ? `logwire ÷ pino-http overhead: ${fmt(ours / pino, 2)}×` : '',
  ].join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  const low = Number(process.argv[2] ?? 4_000);
  const high = Number(process.argv[3] ?? 12_000);
  // More variants to compare may follow: `baseline logwire:{"console":false} context-only` (baseline first).
  const variants = process.argv.length > 4 ? process.argv.slice(4) : VARIANTS;
  console.log(renderRequestInstructions(measureRequestInstructions(low, high, variants)));
}
