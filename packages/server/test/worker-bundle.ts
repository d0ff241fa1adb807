import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Worker threads (ours, and pino's transport threads) run plain JavaScript: bundles `entry` (a
 * path from the repository root) with the library's TypeScript sources into a temp folder inside
 * node_modules, so the bundle's bare `ws` import resolves like the library's own. Returns the
 * folder (remove it after the tests) and the bundle's path.
 */
export async function bundleForWorker(entry: string, name: string): Promise<{ dir: string; file: string }> {
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, `node_modules/.cache/logwire-${name}-`));
  const file = join(dir, `${name}.mjs`);
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    // The library's runtime dependencies resolve from node_modules like its own `ws` import.
    external: ['ws', 'prom-client', '@datadog/sketches-js'],
    alias: { '@logwire/protocol': join(root, 'packages/protocol/src/index.ts') },
    logLevel: 'silent',
  });
  writeFileSync(file, result.outputFiles[0]!.text);
  return { dir, file };
}
