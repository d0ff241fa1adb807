// Where the bytes of a size-limit check go: bundles an import the way @size-limit/esbuild does
// (esbuild, bundle + minify + tree-shake, browser platform) with a source map, attributes every
// output byte to its source file and to the innermost function, method or top-level declaration of
// that file (through the packages' own source maps back to src/*.ts), and prints per module and per
// function the minified bytes and the gzip cost (how much smaller the gzipped bundle gets when
// those bytes are left out: gzip is not additive, so the column does not sum to the total).
//
//   npm run build && node bench/bundle-breakdown.mjs [path] [import] [--functions N]
//   node bench/bundle-breakdown.mjs packages/client/dist/index.js '{ LogStreamClient }'
//   node bench/bundle-breakdown.mjs packages/client/src/index.ts   (no build: @logwire/* from src/)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import esbuild from 'esbuild';
import ts from 'typescript';

const args = process.argv.slice(2);
const functionsAt = args.indexOf('--functions');
const topFunctions = functionsAt === -1 ? 40 : Number(args.splice(functionsAt, 2)[1]);
const [path = 'packages/client/dist/index.js', named = '{ LogStreamClient }'] = args;

const dir = mkdtempSync(join(tmpdir(), 'bundle-breakdown-'));
const entry = join(dir, 'entry.js');
const list = named.replace(/[{}]/g, '').trim();
writeFileSync(entry, `import ${named} from ${JSON.stringify(resolve(path))}\nconsole.log(${list})\n`);
const result = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  treeShaking: true,
  sourcemap: 'external',
  outdir: join(dir, 'out'),
  write: false,
  logLevel: 'silent',
  target: 'es2022',
  alias: path.endsWith('.ts')
    ? Object.fromEntries(['protocol', 'client'].map((name) => [`@logwire/${name}`, resolve(`packages/${name}/src/index.ts`)]))
    : {},
});
const code = result.outputFiles.find((file) => file.path.endsWith('.js')).text;
const map = JSON.parse(result.outputFiles.find((file) => file.path.endsWith('.map')).text);
rmSync(dir, { recursive: true, force: true });

const gzip = (text) => gzipSync(text, { level: 9 }).length;
const total = gzip(code);

// Base64 VLQ of source map "mappings".
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function decodeMappings(mappings) {
  const lines = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const text of mappings.split(';')) {
    const segments = [];
    let generated = 0;
    for (const segment of text.split(',')) {
      if (segment === '') continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      generated += values[0];
      if (values.length >= 4) {
        source += values[1];
        line += values[2];
        column += values[3];
        segments.push({ generated, source, line, column });
      } else segments.push({ generated });
    }
    lines.push(segments);
  }
  return lines;
}

// The innermost named function-like node (or top-level statement) of a source file per line.
const scopes = new Map();
function scopeAt(file, content, line) {
  let byLine = scopes.get(file);
  if (byLine === undefined) {
    byLine = [];
    if (content && /\.[cm]?[jt]s$/.test(file)) {
      const sf = ts.createSourceFile(file, content, ts.ScriptTarget.Latest, true);
      const visit = (node, name) => {
        const label = nameOf(node, sf);
        const inner = label === undefined ? name : name === undefined ? label : `${name}.${label}`;
        if (label !== undefined) {
          const from = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
          const to = sf.getLineAndCharacterOfPosition(node.end).line;
          for (let l = from; l <= to; l++) byLine[l] = inner;
        }
        ts.forEachChild(node, (child) => visit(child, inner));
      };
      visit(sf, undefined);
    }
    scopes.set(file, byLine);
  }
  return byLine[line] ?? '(top level)';
}

function nameOf(node, sf) {
  const text = (n) => (n === undefined ? undefined : n.getText(sf));
  if (ts.isClassDeclaration(node) || ts.isFunctionDeclaration(node)) return text(node.name) ?? '(default)';
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) return text(node.name);
  if (ts.isPropertyDeclaration(node)) return text(node.name);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isVariableStatement(node) && node.parent === sf) return node.declarationList.declarations.map((d) => text(d.name)).join(',');
  return undefined;
}

// Owner of each output byte: "file" and "file#scope".
const lines = code.split('\n');
const decoded = decodeMappings(map.mappings);
const owners = [];
for (let l = 0; l < lines.length; l++) {
  const segments = decoded[l] ?? [];
  let owner = { file: '(esbuild runtime)', scope: '' };
  let next = 0;
  for (let c = 0; c <= lines[l].length; c++) {
    while (next < segments.length && segments[next].generated <= c) {
      const s = segments[next++];
      if (s.source !== undefined) {
        const file = map.sources[s.source];
        owner = { file, scope: scopeAt(file, map.sourcesContent?.[s.source], s.line) };
      }
    }
    owners.push(owner);
  }
}
const text = lines.join('\n');

function costs(key) {
  const groups = new Map();
  for (let i = 0; i < text.length; i++) {
    const k = key(owners[i]);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = []));
    g.push(i);
  }
  const rows = [];
  for (const [name, indices] of groups) {
    const drop = new Set(indices);
    let rest = '';
    for (let i = 0; i < text.length; i++) if (!drop.has(i)) rest += text[i];
    rows.push({ name, bytes: indices.length, gzip: total - gzip(rest) });
  }
  return rows.sort((a, b) => b.gzip - a.gzip);
}

const shortFile = (file) => {
  const at = file.lastIndexOf('packages/');
  const nm = file.lastIndexOf('node_modules/');
  return at !== -1 ? file.slice(at + 'packages/'.length) : nm !== -1 ? file.slice(nm) : relative(process.cwd(), file);
};
const pad = (value, width) => String(value).padStart(width);
function print(title, rows) {
  console.log(`\n${title}\n${'minified'.padStart(9)} ${'gzip cost'.padStart(9)}  name`);
  for (const row of rows) console.log(`${pad(row.bytes, 9)} ${pad(row.gzip, 9)}  ${row.name}`);
}

console.log(`${named} from ${path}: ${code.length} bytes minified, ${total} bytes gzip (level 9; size-limit subtracts 46 for its loader)`);
print(
  'Per module',
  costs((o) => shortFile(o.file)),
);
print(`Per function (top ${topFunctions})`, costs((o) => `${shortFile(o.file)} ${o.scope}`).slice(0, topFunctions));
