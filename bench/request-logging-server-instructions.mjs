// Request-logging cost in CPU instructions per request with real sockets: the whole server process
// (node:http, keep-alive connections, HTTP parser, async hooks, the log output on stdout = /dev/null)
// runs under valgrind's cachegrind, which counts its instructions whatever the machine's load; the
// load generator (a keep-alive agent, CONCURRENCY requests in flight, the same request as
// bench/request-logging.mjs) runs outside valgrind, in this process. The variants are those of
// bench/request-logging-instructions.mjs (no logging, pino-http, logwire.http(), each with its
// defaults). Each variant's server runs twice, answering LOW and HIGH requests; the difference of the
// two counts divided by HIGH − LOW is its cost per request, with start-up and imports cancelled out.
// V8 keeps optimising (and re-optimising) functions for thousands of requests, and how much of that
// lands between LOW and HIGH varies between identical runs, so the steady cost is also shown without
// the instructions of V8's compilers and parser ("without compilation"); with 1000 vs 4000 the
// baseline alone still spent ~140k instructions per request compiling. Overhead = cost minus the
// baseline's. Unlike the in-process count this includes what a request costs in sockets and async
// resources — AsyncLocalStorage's async hook, once enabled, runs for every one of them. One run of
// 6000 requests takes several minutes under valgrind (more on a busy machine).
//
//   node bench/request-logging-server-instructions.mjs [low=2000] [high=6000] [variants…]   (needs valgrind and `npm run build`)
//   node bench/request-logging-server-instructions.mjs --server <variant>  (one server, what valgrind runs)
// Variants: baseline, pino-http, logwire, `logwire:{json}` (createLogwire options), context-only;
// LOGWIRE_DIST=/abs/path/to/dist/index.js counts another build of the server package.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { counts } from './cachegrind.mjs';
import { fmt, machine, table } from './lib.mjs';
import { listenerFor } from './request-logging-instructions.mjs';

const VARIANTS = ['baseline', 'pino-http', 'logwire'];
const CONCURRENCY = 16;
/** One valgrind run may take this long (valgrind runs node ~50× slower). */
const RUN_TIMEOUT_MS = 300_000;

async function server(variant) {
  const listener = await listenerFor(variant);
  const srv = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    // `/exit` ends the run (the same one request in every variant and count, so it cancels out).
    if (req.url !== '/exit') return listener(req, res);
    res.end('bye', () => process.exit(0));
  });
  // stdout is the log output: the port goes to the parent on stderr (valgrind logs to a file).
  srv.listen(0, '127.0.0.1', () => process.stderr.write(`port ${srv.address().port}\n`));
}

/** Sends `count` requests, CONCURRENCY at a time on keep-alive connections, then `/exit`. */
async function load(port, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const once = (path) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'user-agent': 'bench' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  let left = count;
  const worker = async () => {
    while (left-- > 0) await once('/api/items?page=2');
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await once('/exit').catch(() => {});
  agent.destroy();
}

/** Instructions (cachegrind's `Ir`) of a server that answered `count` requests. */
async function instructions(script, variant, count) {
  const dir = mkdtempSync(join(tmpdir(), 'logwire-cg-'));
  const out = join(dir, 'cachegrind.out');
  const devNull = openSync('/dev/null', 'w');
  try {
    const child = spawn(
      'valgrind',
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        '--smc-check=all-non-file',
        `--cachegrind-out-file=${out}`,
        `--log-file=${join(dir, 'valgrind.log')}`,
        process.execPath,
        // One thread: background compilation and GC threads would make the count wander.
        '--single-threaded',
        // The memory reducer starts full collections on a timer when allocation looks slow, which under
        // valgrind (~50× slower) depends on wall time: it added one mark-compact (~60 M instructions) to
        // some long logwire runs and none to the same count of requests without valgrind.
        '--no-memory-reducer',
        script,
        '--server',
        variant,
      ],
      { stdio: ['ignore', devNull, 'pipe'] },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let stderr = '';
    let port;
    for await (const line of createInterface({ input: child.stderr })) {
      const match = /^port (\d+)$/.exec(line);
      if (match) {
        port = Number(match[1]);
        break;
      }
      stderr += line + '\n';
    }
    if (port === undefined) throw new Error(`${variant}: the server printed no port: ${stderr.slice(-500)}`);
    child.stderr.resume();
    await load(port, count);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${variant} ×${count}: valgrind exited ${code}`);
    return counts(readFileSync(out, 'utf8'), `${variant} ×${count}`);
  } finally {
    closeSync(devNull);
    // KEEP_CACHEGRIND=1 keeps the outputs (for cg_annotate) and prints where they are.
    if (process.env.KEEP_CACHEGRIND) console.error(`${variant} ×${count}: ${out}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureServerInstructions(low = 2_000, high = 6_000, variants = VARIANTS) {
  const script = fileURLToPath(import.meta.url);
  const perRequest = {};
  for (const variant of variants) {
    const [a, b] = [await instructions(script, variant, low), await instructions(script, variant, high)];
    // A variant named twice (to see how far identical runs differ) is shown twice.
    let name = variant;
    for (let n = 2; name in perRequest; n++) name = `${variant} (${n})`;
    perRequest[name] = { all: (b.all - a.all) / (high - low), steady: (b.steady - a.steady) / (high - low) };
  }
  return { low, high, perRequest };
}

export function renderServerInstructions({ low, high, perRequest }) {
  const variants = Object.keys(perRequest);
  const base = perRequest.baseline;
  const overhead = (variant, key) => (base === undefined ? NaN : perRequest[variant][key] - base[key]);
  const ratio = (key) => overhead('logwire', key) / overhead('pino-http', key);
  const ratios = ['steady', 'all']
    .filter((key) => 'logwire' in perRequest && 'pino-http' in perRequest && Number.isFinite(ratio(key)))
    .map((key) => `${fmt(ratio(key), 2)}× ${key === 'steady' ? 'without' : 'with'} compilation`);
  return [
    `### Request logging in instructions (cachegrind, whole server with sockets, ${low} vs ${high} requests per variant)`,
    '',
    table(
      ['variant', 'instructions/request', 'overhead', 'without compilation', 'overhead without compilation'],
      variants.map((variant) => {
        const isBase = variant === 'baseline';
        const { all, steady } = perRequest[variant];
        return [
          variant,
          fmt(all),
          isBase ? '—' : fmt(overhead(variant, 'all')),
          fmt(steady),
          isBase ? '—' : fmt(overhead(variant, 'steady')),
        ];
      }),
    ),
    '',
    ratios.length > 0 ? `logwire ÷ pino-http overhead: ${ratios.join(', ')}` : '',
  ].join('\n');
}

if (process.argv[2] === '--server') {
  await server(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  const low = Number(process.argv[2] ?? 2_000);
  const high = Number(process.argv[3] ?? 6_000);
  // More variants to compare may follow (baseline first), as in request-logging-instructions.mjs.
  const variants = process.argv.length > 4 ? process.argv.slice(4) : VARIANTS;
  console.log(renderServerInstructions(await measureServerInstructions(low, high, variants)));
}
