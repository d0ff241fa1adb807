// Packs every workspace package with `npm pack` (what a registry would receive), extracts the tarballs into a
// temporary project and loads them from there: `require()` from a CommonJS app and `import` from an ES module.
// Runs against the built dist/ (`npm test` builds first). `npm install --offline` cannot resolve the packages'
// third-party dependencies from this machine's npm cache, so the temporary project links those to the
// repository's node_modules instead; the @logwire packages themselves are the extracted tarballs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const names = ['protocol', 'client', 'server', 'panels', 'redis'] as const;
type Name = (typeof names)[number];

/** A few exports each package must offer to both loaders. */
const expected: Record<Name, string[]> = {
  protocol: ['parse', 'encode', 'CloseCode'],
  client: ['LogStreamClient', 'ConnectionState'],
  server: ['createLogwire', 'getLogger', 'LogStreamEndpoint', 'verifyAuditTrail'],
  panels: ['SystemLogPanel', 'AuditLogPanel'],
  redis: ['RedisBackplane'],
};

interface Manifest {
  name: string;
  license?: string;
  keywords?: string[];
  repository?: { url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

let dir = '';
let app = '';
let packed: Packed[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a script in the temporary project and returns what it printed as JSON. */
function exportsSeenBy(file: string, source: string): Record<string, string[]> {
  writeFileSync(join(app, file), source);
  return JSON.parse(run(process.execPath, [file], app)) as Record<string, string[]>;
}

beforeAll(() => {
  for (const name of names) {
    if (!existsSync(`${root}packages/${name}/dist/index.js`)) throw new Error(`packages/${name}/dist is missing: run npm run build`);
  }
  dir = mkdtempSync(join(tmpdir(), 'logwire-packaging-'));
  const packs = join(dir, 'packs');
  app = join(dir, 'app');
  mkdirSync(packs);
  mkdirSync(join(app, 'node_modules', '@logwire'), { recursive: true });
  packed = JSON.parse(run('npm', ['pack', '--workspaces', '--json', '--pack-destination', packs], root)) as Packed[];
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
  const thirdParty = new Set<string>();
  for (const pack of packed) {
    const into = join(dir, pack.filename);
    mkdirSync(into);
    run('tar', ['-xzf', join(packs, pack.filename), '-C', into], dir);
    renameSync(join(into, 'package'), join(app, 'node_modules', pack.name));
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', pack.name, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (!dep.startsWith('@logwire/')) thirdParty.add(dep);
    }
  }
  // What an app using the type-only modules @logwire/panels/react and /vue has installed.
  for (const dep of ['@types/react', 'vue']) thirdParty.add(dep);
  for (const dep of thirdParty) {
    mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
}, 30_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packaging: the packed packages as an app installs them', () => {
  it('packs every package with a LICENSE and the registry metadata', () => {
    expect(packed.map((pack) => pack.name).sort()).toEqual(names.map((name) => `@logwire/${name}`).sort());
    for (const pack of packed) {
      const paths = pack.files.map((file) => file.path);
      expect(paths, pack.name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']));
      const folder = join(app, 'node_modules', pack.name);
      expect(readFileSync(join(folder, 'LICENSE'), 'utf8')).toBe(readFileSync(`${root}LICENSE`, 'utf8'));
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;
      expect(manifest.license, pack.name).toBe('MIT');
      expect(manifest.keywords?.length, pack.name).toBeGreaterThan(0);
      expect(manifest.repository?.url, pack.name).toMatch(/^git\+https:\/\//);
      expect(manifest.repository?.directory, pack.name).toBe(`packages/${pack.name.slice('@logwire/'.length)}`);
      expect(manifest.homepage, pack.name).toMatch(/^https:\/\//);
      expect(manifest.bugs?.url, pack.name).toMatch(/^https:\/\//);
      expect(manifest.files, pack.name).toContain('LICENSE');
    }
  });

  it('packs the server bin so npm keeps it: normalised path, packed file with a node shebang', () => {
    const server = join(app, 'node_modules', '@logwire', 'server');
    const { bin } = JSON.parse(readFileSync(join(server, 'package.json'), 'utf8')) as Manifest;
    // npm's publish-time normalisation rewrites (and warns about) a target that is not a plain relative path.
    expect(bin).toEqual({ logwire: 'dist/cli/main.js' });
    expect(readFileSync(join(server, bin!.logwire!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(run(process.execPath, [join(server, bin!.logwire!), '--help'], app)).toContain('Usage: logwire');
  });

  it('npm warns about nothing in any package.json when publishing (dry run, offline)', () => {
    const publish = spawnSync('npm', ['publish', '--dry-run', '--offline', '--workspaces'], { cwd: root, encoding: 'utf8' });
    expect(publish.status, publish.stderr).toBe(0);
    // Without registry credentials npm always adds that it would need a login; every other warning is about the package.
    const warnings = publish.stderr
      .split('\n')
      .filter((line) => line.startsWith('npm warn') && !line.includes('requires you to be logged in'));
    expect(warnings).toEqual([]);
  });

  it('require() from a CommonJS app and import from an ES module give every package with the same exports', () => {
    const list = JSON.stringify(names.map((name) => `@logwire/${name}`));
    const required = exportsSeenBy(
      'check.cjs',
      `const out = {};
for (const name of ${list}) out[name] = Object.keys(require(name)).filter((key) => key !== '__esModule' && key !== 'default').sort();
process.stdout.write(JSON.stringify(out));
`,
    );
    const imported = exportsSeenBy(
      'check.mjs',
      `const out = {};
for (const name of ${list}) out[name] = Object.keys(await import(name)).sort();
process.stdout.write(JSON.stringify(out));
`,
    );
    for (const name of names) {
      expect(required[`@logwire/${name}`], name).toEqual(expect.arrayContaining(expected[name]));
      expect(required[`@logwire/${name}`], name).toEqual(imported[`@logwire/${name}`]);
    }
  });

  it('ships the React and Vue element typings as modules a TypeScript app imports from the tarball', () => {
    const panels = packed.find((pack) => pack.name === '@logwire/panels')!.files.map((file) => file.path);
    expect(panels).toEqual(expect.arrayContaining(['dist/react.d.ts', 'dist/vue.d.ts']));
    writeFileSync(
      join(app, 'usage.tsx'),
      `import type {} from '@logwire/panels/react';
import type {} from '@logwire/panels/vue';
import type { GlobalComponents } from 'vue';
export const system = <system-log-panel time-zone="utc" module-filter="db" />;
export const audit: InstanceType<GlobalComponents['audit-log-panel']>['$props'] = { actionFilter: 'login' };
// @ts-expect-error limit is a number
export const badLimit = <audit-log-panel limit="many" />;
`,
    );
    const compilerOptions = { strict: true, noEmit: true, jsx: 'react-jsx', module: 'ESNext', moduleResolution: 'Bundler' };
    const tsconfig = {
      compilerOptions: { ...compilerOptions, target: 'ES2022', lib: ['ES2023', 'DOM'], types: [], skipLibCheck: true },
      files: ['usage.tsx'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    let output = '';
    try {
      run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', app], app);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 30_000);
});
