import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every repository path the documentation names must exist, so a reader who follows one finds the
// file. Checked: every Markdown file under docs/, the root README.md and packages/*/README.md.
// A path is a code span (`…`) or a link target that starts with one of the top-level folders
// below. Code spans name paths from the repository root (in a package README, from the package's
// folder too); link targets are read as Markdown reads them, from the file's own folder, and are
// checked when they lead into one of those folders (`../../docs/protocol.md`, `server.md`).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PREFIXES = ['packages/', 'test/', 'bench/', 'scripts/', 'demo/', 'docs/'];

/** Markdown files whose paths are checked, relative to the repository root. */
function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.posix.join('docs', name.split(path.sep).join('/')));
  const readmes = readdirSync(path.join(ROOT, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(ROOT, 'packages', entry.name, 'README.md')))
    .map((entry) => `packages/${entry.name}/README.md`);
  return ['README.md', ...readmes, ...docs.sort()];
}

function isRepositoryPath(target: string): boolean {
  return PREFIXES.some((prefix) => target.startsWith(prefix));
}

/** The path a reference names: `:line`, `#anchor` and ` › test name` removed; undefined if it names none. */
function pathOf(reference: string): string | undefined {
  let text = reference.trim();
  const chevron = text.indexOf(' › ');
  if (chevron >= 0) text = text.slice(0, chevron);
  // A code span may go on after the path (`test/x.test.ts "name"`): the path is its first word.
  text = text.split(/\s/)[0] ?? '';
  text = text.replace(/#.*$/, '').replace(/(:\d+)+(-\d+)?$/, '');
  if (text === '' || text.includes('*') || text.includes('<')) return undefined;
  // Build output (git-ignored, made by `npm run build`) exists only after a build.
  if (text.split('/').some((segment) => segment === 'dist' || segment === 'node_modules')) return undefined;
  return text;
}

/** Repository paths a Markdown file names, each with the folders it may be read from. */
function references(file: string, markdown: string): { shown: string; candidates: string[] }[] {
  // Fenced code blocks are code, not references (a template literal's backticks are not code spans).
  const prose = markdown.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, '');
  const folder = path.posix.dirname(file);
  const packageFolder = /^packages\/[^/]+/.exec(file)?.[0];
  const found: { shown: string; candidates: string[] }[] = [];
  const span = (raw: string): void => {
    const target = pathOf(raw);
    if (target === undefined || !isRepositoryPath(target)) return;
    const bases = packageFolder === undefined ? ['.'] : ['.', packageFolder];
    found.push({ shown: target, candidates: bases.map((base) => path.posix.join(base, target)) });
  };
  const link = (raw: string): void => {
    const target = pathOf(raw);
    // Web addresses and mail links are not repository paths.
    if (target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) return;
    const resolved = path.posix.normalize(path.posix.join(folder, target));
    if (!isRepositoryPath(resolved)) return;
    found.push({ shown: target, candidates: [resolved] });
  };
  for (const match of prose.matchAll(/(`+)([^`\n]+?)\1(?!`)/g)) span(match[2] ?? '');
  for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) link(match[1] ?? '');
  for (const match of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) link(match[1] ?? '');
  return found;
}

describe('paths named in the documentation exist', () => {
  for (const file of markdownFiles()) {
    it(file, async () => {
      const markdown = await readFile(path.join(ROOT, file), 'utf8');
      const missing = new Set<string>();
      for (const { shown, candidates } of references(file, markdown)) {
        if (!candidates.some((candidate) => existsSync(path.join(ROOT, candidate)))) missing.add(shown);
      }
      expect([...missing], `${file} names paths that do not exist`).toEqual([]);
    });
  }
});
