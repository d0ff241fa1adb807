// Bundle sizes (gzip) of the client, each panel and the self-contained browser module, measured
// with size-limit (the same checks `npm test` enforces from .size-limit.json).
import { execFileSync } from 'node:child_process';
import { fmt, table } from './lib.mjs';

export function measureBundle() {
  const out = execFileSync('npx', ['size-limit', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out);
}

export function renderBundle(checks) {
  const client = checks.find((c) => c.name.startsWith('@logwire/client'));
  return [
    '### Bundle sizes (minified + gzip, dependencies included)',
    '',
    table(
      ['bundle', 'size', 'enforced limit'],
      checks.map((c) => [c.name, `${fmt(c.size / 1000, 2)} kB`, `${fmt(c.sizeLimit / 1000, 2)} kB`]),
    ),
    '',
    `- ${client && client.size <= 5000 ? 'met' : '**not met**'}: client ≤ 5 kB gzip — measured ${client ? fmt(client.size / 1000, 2) : '—'} kB`,
  ].join('\n');
}
