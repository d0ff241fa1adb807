import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Logs one record and prints it with the CommonJS modules loaded whose path names OpenTelemetry.
const CHILD = `
import { createRequire } from 'node:module';
import { createLogwire } from './packages/server/src/index.ts';
const lw = createLogwire({ callsite: false, workers: false });
const frames = [];
lw.hub.on((batch) => { for (const message of batch) frames.push(JSON.parse(message.frame)); });
lw.getLogger('app').info('hello');
lw.hub.flush();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('opentelemetry'));
console.log(JSON.stringify({ data: frames[0].data, loaded }));
await lw.close();
`;

/** The library bundled (ws included) into `dir`, run with node; its printed result. */
async function runIn(dir: string, code: string): Promise<{ data: Record<string, unknown>; loaded: string[] }> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    // Optional modules required only on paths logwire never takes (ws's native helpers, the sketch's protobuf export).
    external: ['bufferutil', 'utf-8-validate', 'protobufjs/minimal'],
    alias: { '@logwire/protocol': join(root, 'packages/protocol/src/index.ts') },
    // ws is CommonJS: its require() of Node built-ins needs a real require in an ESM bundle.
    banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  const file = join(dir, 'child.mjs');
  writeFileSync(file, result.outputFiles[0]!.text);
  const { stdout } = await promisify(execFile)(process.execPath, [file]);
  return JSON.parse(stdout) as { data: Record<string, unknown>; loaded: string[] };
}

describe('OpenTelemetry is optional', () => {
  it('without @opentelemetry/api nothing is loaded and records are unchanged; with it, it is loaded on the first record', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'logwire-no-otel-'));
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    const beside = mkdtempSync(join(root, 'node_modules/.cache/logwire-otel-'));
    dirs.push(alone, beside);
    const without = await runIn(alone, CHILD);
    expect(without.loaded).toEqual([]);
    expect(without.data['message']).toBe('hello');
    expect(without.data).not.toHaveProperty('trace_id');
    expect(without.data).not.toHaveProperty('span_id');
    const withApi = await runIn(beside, CHILD);
    expect(withApi.loaded.some((path) => path.includes('@opentelemetry/api'))).toBe(true);
    expect(withApi.data).not.toHaveProperty('trace_id');
  });
});
