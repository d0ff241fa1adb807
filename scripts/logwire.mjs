#!/usr/bin/env node
// `npx logwire …` in this repository: runs the CLI of @logwire/server from its TypeScript source,
// so it works right after `npm ci` (no build) and always runs the code in the working tree.
//
// Why not the package's own bin (packages/server's `logwire` → dist/cli/main.js): npm links a
// workspace's bin into node_modules/.bin only if the file exists when it installs, and `npm ci`
// runs before any build; `npx logwire` then looked the name up in the registry instead. The root
// package.json names this file as its `logwire` bin, which npx runs for the project it is in.
//
// The CLI is bundled with esbuild (the workspace packages from source, npm packages left as
// imports) into node_modules/.cache, where those imports resolve, then run in this process.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { workspaceAliases } from './workspace-aliases.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const aliases = workspaceAliases('node');

const result = await build({
  entryPoints: [`${root}packages/server/src/cli/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  write: false,
  logLevel: 'error',
  plugins: [
    {
      name: 'workspace-source',
      setup(plugin) {
        // Bare imports: a workspace package resolves to its source, anything else stays an import.
        plugin.onResolve({ filter: /^[^./]/ }, (args) =>
          aliases[args.path] ? { path: aliases[args.path] } : { path: args.path, external: true },
        );
      },
    },
  ],
});

const dir = `${root}node_modules/.cache/logwire-cli`;
mkdirSync(dir, { recursive: true });
// One file per process: two runs at once must not overwrite each other's bundle mid-import.
const file = `${dir}/main-${process.pid}.mjs`;
writeFileSync(file, result.outputFiles[0].contents);
try {
  await import(pathToFileURL(file).href);
} finally {
  // The module is loaded (its top level ran and scheduled the command); the file is not needed.
  rmSync(file, { force: true });
}
