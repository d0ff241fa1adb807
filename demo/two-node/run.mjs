// Starts the two-node demo: makes sure Redis is running, then two node processes on ports 8001
// and 8002 (BASE_PORT overrides) of 127.0.0.1 (HOST overrides) sharing one Redis stream. Ctrl-C
// stops both.
//
//   npm run build && node demo/two-node/run.mjs
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureRedis } from '../../scripts/ensure-redis.mjs';
import { demoHost, demoUrl } from '../address.mjs';

const redis = await ensureRedis();
const base = Number(process.env.BASE_PORT ?? 8001);
const script = fileURLToPath(new URL('./node.mjs', import.meta.url));
const nodes = ['node-a', 'node-b'].map((name, i) =>
  spawn(process.execPath, [script], { stdio: 'inherit', env: { ...process.env, PORT: String(base + i), NODE: name, REDIS_URL: redis } }),
);
const host = demoHost();
console.log(
  `two-node demo: open ${demoUrl('http', host, base)} and ${demoUrl('http', host, base + 1)}; both show the records of both nodes.`,
);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of nodes) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of nodes) child.on('exit', () => nodes.every((c) => c.exitCode !== null || c.signalCode !== null) && process.exit(0));
