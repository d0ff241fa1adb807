import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

interface Declaration {
  tagName?: string;
  attributes?: { name: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
}

const manifest = JSON.parse(readFileSync(`${dir}custom-elements.json`, 'utf8')) as { modules: { declarations?: Declaration[] }[] };
const element = (tag: string): Declaration =>
  manifest.modules.flatMap((module) => module.declarations ?? []).find((declaration) => declaration.tagName === tag)!;

describe('custom-elements.json and the README tables', () => {
  it('is what the analyzer makes of the current sources (run npm run build after changing JSDoc)', () => {
    // The analyzer rewrites package.json, so it runs on a copy inside node_modules/.cache.
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const copy = `${root}node_modules/.cache/logwire-cem-check`;
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    for (const item of ['src', 'package.json', 'custom-elements-manifest.config.mjs'])
      cpSync(`${dir}${item}`, `${copy}/${item}`, { recursive: true });
    try {
      execFileSync(
        process.execPath,
        [`${root}node_modules/@custom-elements-manifest/analyzer/cem.js`, 'analyze', '--config', 'custom-elements-manifest.config.mjs'],
        { cwd: copy, stdio: 'pipe' },
      );
      expect(JSON.parse(readFileSync(`${copy}/custom-elements.json`, 'utf8'))).toEqual(manifest);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);

  it('describes both panels with their attributes, events, parts and custom properties', () => {
    const system = element('system-log-panel');
    const audit = element('audit-log-panel');
    const shared = [
      'src',
      'limit',
      'time-zone',
      'theme',
      'levels',
      'logger-filter',
      'field-filter',
      'search',
      'search-mode',
      'search-action',
      'paused',
      'follow',
      'clearable',
      'announce-interval',
      'row-height',
      'detail-height',
      'history-src',
      'history-page-size',
      'columns',
      'persist-key',
      'wrap',
      'facets',
      'stats',
    ];
    expect(system.attributes!.map((a) => a.name).sort()).toEqual([...shared, 'module-filter'].sort());
    expect(audit.attributes!.map((a) => a.name).sort()).toEqual([...shared, 'action-filter'].sort());
    const events = ['logwire-follow-change', 'logwire-pause-change', 'logwire-clear', 'logwire-export', 'logwire-copy', 'logwire-history'];
    expect(system.events!.map((e) => e.name)).toEqual(events);
    // The audit panel adds its chain verification's events, part and custom property.
    expect(audit.events!.map((e) => e.name)).toEqual(['logwire-chain', 'logwire-checkpoint', ...events]);
    expect(audit.cssParts!.map((p) => p.name)).toContain('chain-status');
    for (const part of [
      'base',
      'header',
      'list',
      'row',
      'gap',
      'detail',
      'search',
      'state',
      'count',
      'history',
      'history-button',
      'history-status',
      'column-header',
      'column-resizer',
      'column-menu',
      'facets',
      'facet-value',
      'match-count',
      'stats',
      'wrap-toggle',
      'context-button',
      'field-filter',
      'field-filter-error',
    ])
      expect(system.cssParts!.map((p) => p.name)).toContain(part);
    expect(system.cssProperties!.every((p) => p.name.startsWith('--logwire-'))).toBe(true);
    expect(audit.cssProperties!.map((p) => p.name)).toEqual([
      '--logwire-chain-break-background',
      ...system.cssProperties!.map((p) => p.name),
    ]);
  });

  it('has README tables that match the manifest', () => {
    expect(() => execFileSync(process.execPath, ['scripts/api-tables.mjs', '--check'], { cwd: dir, stdio: 'pipe' })).not.toThrow();
    const readme = readFileSync(`${dir}README.md`, 'utf8');
    expect(readme).toContain('| `time-zone` | `timeZone` |');
    expect(readme).toContain('| `logwire-export` |');
  });
});
