// Makes sure a Redis server answers on 127.0.0.1:6379 for the @logwire/redis tests: uses one that
// is running, starts an installed redis-server (no persistence), installs Debian's package first
// when running as root with apt-get, and otherwise says exactly what to do.
//
//   node scripts/ensure-redis.mjs        (exit code 0 when Redis answers, 1 otherwise)
//   import { ensureRedis } from './ensure-redis.mjs'; await ensureRedis();
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';

const HOST = '127.0.0.1';
const PORT = 6379;

/** Resolves true when a Redis server answers PING on host:port. */
export function pingRedis(port = PORT, host = HOST, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitForRedis(timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingRedis()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Returns once Redis answers on 127.0.0.1:6379; exits the process with instructions otherwise. */
export async function ensureRedis() {
  if (await pingRedis()) return `redis://${HOST}:${PORT}`;
  if (!hasRedisServer() && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('Redis not found: installing Debian\'s "redis-server" package…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env });
  }
  if (hasRedisServer()) {
    console.log(`Redis is not answering on ${HOST}:${PORT}: starting redis-server (no persistence)…`);
    spawnSync('redis-server', ['--daemonize', 'yes', '--bind', HOST, '--port', String(PORT), '--save', '', '--appendonly', 'no'], {
      stdio: 'inherit',
    });
    if (await waitForRedis()) return `redis://${HOST}:${PORT}`;
    console.error(`redis-server was started but does not answer on ${HOST}:${PORT}; is the port taken by something else?`);
    process.exit(1);
  }
  console.error(
    `The @logwire/redis tests need a Redis server on ${HOST}:${PORT} and none answers.\n` +
      '  Debian/Ubuntu: sudo apt-get install redis-server (then re-run; this script starts it)\n' +
      '  macOS: brew install redis && brew services start redis\n' +
      `  Docker: docker run -d -p ${PORT}:6379 redis:7\n` +
      `  Or start any Redis >= 6.2 yourself: redis-server --bind ${HOST} --port ${PORT} --save "" --appendonly no`,
  );
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Redis: ${await ensureRedis()}`);
}
