import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// Docs that run: every JavaScript/TypeScript snippet in README.md, packages/*/README.md and
// docs/**/*.md is type-checked, and every server-side one is executed, against the built packages
// (packages/*/dist) in a temporary project whose node_modules links to the repository's.
//
// - Each fenced block (```ts, typescript, tsx, js, javascript, jsx, mjs) becomes its own module:
//   <markdown file>/<line>.ts|.tsx|.js. A block whose first line is a comment naming a file
//   (`// logging.js`) is written under that name, so the other blocks of the same Markdown file can
//   import it.
// - Type check: all snippets in one TypeScript program (strict, module nodenext, DOM + ES2022 libs,
//   Node types, react-jsx); JavaScript blocks are checked as JavaScript (checkJs, implicit any allowed).
// - Execution: a block runs in a child process (cwd: a fresh temp folder, LOGWIRE_CONSOLE=off,
//   PORT=0) unless it is browser code (imports @logwire/client or @logwire/panels, uses the DOM or
//   the global WebSocket, or is tsx/jsx), uses Redis (see TYPE_CHECK_ONLY) or carries the marker
//   `no-run` on its fence line (```ts no-run). The child binds every server to port 0 whatever
//   port the snippet names, imports the snippet and passes when the import settles (top-level
//   awaits included), every server it started is listening, and one more turn of the event loop
//   passes without an uncaught error or unhandled rejection; it then exits 0 even if servers are
//   still listening. A timeout fails the test.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FENCE = /^(`{3,})(ts|typescript|tsx|js|javascript|jsx|mjs)\b([^\n]*)$/;
const RUN_TIMEOUT_MS = 15_000;

/** Reasons a snippet is type-checked but not executed, besides browser code and `no-run`. */
const TYPE_CHECK_ONLY: { test: (code: string) => boolean; reason: string }[] = [
  {
    test: (code) => code.includes('@logwire/redis'),
    reason: 'uses Redis: the shared test Redis would keep the keys of the documented prefix; covered by packages/redis/test',
  },
];

/** Modules a snippet may import that the repository does not install: declared so the type check passes. */
const STUBS = `declare module '@vitejs/plugin-vue' {
  const vue: (options?: { template?: { compilerOptions?: { isCustomElement?: (tag: string) => boolean } } }) => unknown;
  export default vue;
}
`;

/** "Parameter/variable/member implicitly has an 'any' type": not reported for JavaScript blocks. */
const IMPLICIT_ANY = new Set([7005, 7006, 7008, 7031, 7034]);

interface Snippet {
  markdown: string;
  line: number;
  lang: string;
  code: string;
  file: string;
  run: boolean;
  reason?: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.posix.join('docs', name.split(path.sep).join('/')))
    .sort();
  const readmes = readdirSync(path.join(ROOT, 'packages'))
    .filter((name) => existsSync(path.join(ROOT, 'packages', name, 'README.md')))
    .map((name) => `packages/${name}/README.md`);
  return ['README.md', ...readmes, ...docs];
}

function extension(lang: string): string {
  if (lang === 'tsx') return '.tsx';
  if (lang === 'jsx') return '.jsx';
  if (lang === 'ts' || lang === 'typescript') return '.ts';
  return '.js';
}

function isBrowser(lang: string, code: string): boolean {
  return (
    lang === 'tsx' ||
    lang === 'jsx' ||
    /from '@logwire\/(client|panels)|import '@logwire\/panels/.test(code) ||
    /\b(document|window|customElements|sessionStorage|localStorage)\.|new WebSocket\(/.test(code)
  );
}

function extract(markdown: string): Snippet[] {
  const lines = readFileSync(path.join(ROOT, markdown), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = FENCE.exec(lines[index] ?? '');
    if (open === null) continue;
    const [, ticks = '```', lang = 'ts', info = ''] = open;
    const start = index;
    const body: string[] = [];
    for (index += 1; index < lines.length && !(lines[index] ?? '').startsWith(ticks); index += 1) body.push(lines[index] ?? '');
    const code = body.join('\n') + '\n';
    const named = /^\/\/ ([\w.-]+\.(?:js|ts|mjs))\s*$/.exec(body[0] ?? '')?.[1];
    const file = named ?? `line-${start + 1}${extension(lang)}`;
    const snippet: Snippet = { markdown, line: start + 1, lang, code, file, run: true };
    const only = TYPE_CHECK_ONLY.find((entry) => entry.test(code));
    if (/\bno-run\b/.test(info)) snippet.reason = 'marked no-run';
    else if (isBrowser(lang, code)) snippet.reason = 'browser code';
    else if (only !== undefined) snippet.reason = only.reason;
    if (snippet.reason !== undefined) snippet.run = false;
    snippets.push(snippet);
  }
  return snippets;
}

const FILES = markdownFiles();
const SNIPPETS = FILES.flatMap(extract);
const TEMP = mkdtempSync(path.join(os.tmpdir(), 'logwire-docs-'));
writeFileSync(path.join(TEMP, 'package.json'), JSON.stringify({ name: 'docs-snippets', private: true, type: 'module' }));
symlinkSync(path.join(ROOT, 'node_modules'), path.join(TEMP, 'node_modules'), 'dir');
writeFileSync(path.join(TEMP, 'stubs.d.ts'), STUBS);

function folderOf(markdown: string): string {
  return path.join(TEMP, markdown.replace(/[/.]/g, '_'));
}
function pathOf(snippet: Snippet): string {
  return path.join(folderOf(snippet.markdown), snippet.file);
}
for (const snippet of SNIPPETS) {
  mkdirSync(folderOf(snippet.markdown), { recursive: true });
  writeFileSync(pathOf(snippet), snippet.code);
}

// Runs in the child before the snippet: every listen() binds port 0, so fixed ports in the docs
// neither collide with each other nor with the machine.
// It then waits for every server it started to emit 'listening' (a failed listen is an uncaught
// 'error' and ends the child with exit code 1).
const PRELOAD = `import net from 'node:net';
const listen = net.Server.prototype.listen;
const listening = [];
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string' && /^\\d+$/.test(args[0])) args[0] = 0;
  else if (args[0] !== null && typeof args[0] === 'object' && 'port' in args[0]) args[0] = { ...args[0], port: 0 };
  if (!this.listening) listening.push(new Promise((resolve) => this.once('listening', resolve)));
  return listen.apply(this, args);
};
await import(process.argv[2]);
await Promise.all(listening);
setImmediate(() => process.exit(0));
`;
writeFileSync(path.join(TEMP, 'run-snippet.mjs'), PRELOAD);

let diagnostics: Map<string, string[]> | undefined;
/** One program for every snippet; diagnostics grouped by Markdown file. */
function typeCheck(): Map<string, string[]> {
  if (diagnostics !== undefined) return diagnostics;
  const byPath = new Map(SNIPPETS.map((snippet) => [pathOf(snippet), snippet]));
  const program = ts.createProgram([...byPath.keys(), path.join(TEMP, 'stubs.d.ts')], {
    strict: true,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    jsx: ts.JsxEmit.ReactJSX,
    skipLibCheck: true,
    isolatedModules: true,
  });
  diagnostics = new Map(FILES.map((file) => [file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const snippet = diagnostic.file === undefined ? undefined : byPath.get(path.resolve(diagnostic.file.fileName));
    if (snippet === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
      diagnostics.get(FILES[0] ?? '')?.push(`(program) ${text}`);
      continue;
    }
    // JavaScript blocks carry no type annotations: an implicit `any` is how JavaScript reads.
    if (/\.(js|jsx|mjs)$/.test(snippet.file) && IMPLICIT_ANY.has(diagnostic.code)) continue;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    diagnostics.get(snippet.markdown)?.push(`${snippet.markdown}:${snippet.line + 1 + line}: TS${diagnostic.code} ${text}`);
  }
  return diagnostics;
}

function execute(snippet: Snippet): Promise<{ code: number | null; output: string }> {
  let entry = pathOf(snippet);
  if (/\.tsx?$/.test(entry)) {
    const compiled = transformSync(snippet.code, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
    entry = entry.replace(/\.tsx?$/, '.run.mjs');
    writeFileSync(entry, compiled);
  }
  const cwd = mkdtempSync(path.join(TEMP, 'cwd-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(TEMP, 'run-snippet.mjs'), entry], {
      cwd,
      env: { ...process.env, LOGWIRE_CONSOLE: 'off', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${snippet.markdown}:${snippet.line} still running after ${RUN_TIMEOUT_MS} ms\n${output}`));
    }, RUN_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

afterAll(() => rmSync(TEMP, { recursive: true, force: true }));

describe('documentation snippets', () => {
  it('finds the snippets, and the packages are built', () => {
    expect(SNIPPETS.length).toBeGreaterThan(30);
    for (const name of ['protocol', 'client', 'server', 'panels', 'redis'])
      expect(existsSync(path.join(ROOT, 'packages', name, 'dist', 'index.js')), `packages/${name}/dist: run the build first`).toBe(true);
  });

  for (const markdown of FILES.filter((file) => SNIPPETS.some((snippet) => snippet.markdown === file))) {
    describe(markdown, () => {
      it('type-checks', () => {
        expect(typeCheck().get(markdown)).toEqual([]);
      }, 60_000);
      for (const snippet of SNIPPETS.filter((entry) => entry.markdown === markdown && entry.run))
        it(
          `runs the snippet at line ${snippet.line}`,
          async () => {
            const { code, output } = await execute(snippet);
            expect({ code, output }).toEqual({ code: 0, output: expect.any(String) as unknown });
          },
          RUN_TIMEOUT_MS + 5_000,
        );
    });
  }
});
