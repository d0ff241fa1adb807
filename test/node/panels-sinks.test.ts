import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// security.md UI-2: the panels put log text into the DOM only through Lit's text bindings.
const src = fileURLToPath(new URL('../../packages/panels/src/', import.meta.url));
const BANNED =
  /innerHTML|outerHTML|unsafeHTML|unsafeSVG|unsafeStatic|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|new Function|\beval\(/;

describe('panels sources', () => {
  it('use no HTML-parsing sinks or unsafe directives', () => {
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(8);
    expect(files.filter((file) => BANNED.test(readFileSync(`${src}${file}`, 'utf8')))).toEqual([]);
  });
});
