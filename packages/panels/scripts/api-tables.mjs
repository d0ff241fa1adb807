// Writes the API tables of README.md (attributes and properties, methods, events, parts, CSS
// custom properties) from custom-elements.json, between `<!-- api:TAG -->` and `<!-- /api:TAG -->`.
// `--check` only reports (exit 1) when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('..', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('custom-elements.json', here), 'utf8'));
const readmeUrl = new URL('README.md', here);
const readme = readFileSync(readmeUrl, 'utf8');

const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .replace(/\{@link (\w+)\}/g, '`$1`');
const code = (text) => (text === undefined || text === '' ? '—' : `\`${cell(text)}\``);
const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

function section(declaration) {
  const members = (declaration.members ?? []).filter((member) => !member.static && (member.privacy ?? 'public') === 'public');
  const fields = members.filter((member) => member.kind === 'field');
  const methods = members.filter((member) => member.kind === 'method');
  const out = [];
  out.push(
    '#### Attributes and properties',
    '',
    table(
      ['attribute', 'property', 'type', 'default', 'description'],
      fields.map((field) => [
        code(field.attribute),
        code(field.name),
        code(field.type?.text),
        code(field.default),
        cell(field.description) + (field.readonly ? ' (read-only)' : ''),
      ]),
    ),
    '',
    '#### Methods',
    '',
    table(
      ['method', 'description'],
      methods.map((method) => [
        code(
          `${method.name}(${(method.parameters ?? []).map((p) => `${p.name}: ${p.type?.text ?? 'unknown'}`).join(', ')}): ${method.return?.type?.text ?? 'void'}`,
        ),
        cell(method.description),
      ]),
    ),
    '',
    '#### Events',
    '',
    table(
      ['event', 'description'],
      (declaration.events ?? []).map((event) => [code(event.name), cell(event.description)]),
    ),
    '',
    '#### Parts',
    '',
    table(
      ['part', 'description'],
      (declaration.cssParts ?? []).map((p) => [code(p.name), cell(p.description)]),
    ),
    '',
    '#### CSS custom properties',
    '',
    table(
      ['property', 'description'],
      (declaration.cssProperties ?? []).map((p) => [code(p.name), cell(p.description)]),
    ),
  );
  return out.join('\n');
}

let next = readme;
for (const module of manifest.modules) {
  for (const declaration of module.declarations ?? []) {
    if (!declaration.tagName) continue;
    const start = `<!-- api:${declaration.tagName} -->`;
    const end = `<!-- /api:${declaration.tagName} -->`;
    const from = next.indexOf(start);
    const to = next.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md needs ${start} … ${end} markers`);
    next = `${next.slice(0, from + start.length)}\n<!-- generated from custom-elements.json by scripts/api-tables.mjs; do not edit -->\n\n${section(declaration)}\n\n${next.slice(to)}`;
  }
}

if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('packages/panels/README.md API tables are out of date: run npm run manifest -w @logwire/panels');
    process.exit(1);
  }
} else if (next !== readme) {
  writeFileSync(readmeUrl, next);
}
