import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runQuery } from '../src/cli/query.js';
import { listLogFiles } from '../src/persistence/log-files.js';
import { createLogwire } from '../src/index.js';

// `logwire query` over a directory whose older rotations are gzip-compressed: the pages run across
// plain and compressed files with every record exactly once, oldest to newest.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('logwire query over compressed rotations', () => {
  it('reads plain and .gz rotations without gaps or repeats, across pages', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-cli-gz-'));
    dirs.push(dir);
    const logwire = createLogwire({ console: false, persistence: { dir, system: { maxBytes: 8 * 1024, backups: 1000, compress: true } } });
    for (let n = 0; n < 1200; n++) {
      logwire.getLogger('app').info(`record ${n}`, { n });
      if (n % 20 === 19) logwire.hub.flush();
    }
    logwire.hub.flush();
    await logwire.persistence?.compressed();
    await logwire.close();
    const files = listLogFiles(path.join(dir, 'system.log'));
    expect(files.filter((file) => file.compressed).length).toBeGreaterThan(5);
    expect(files.some((file) => !file.compressed)).toBe(true);

    let out = '';
    let err = '';
    // More than one page of the query API (1000): the command follows the cursor across the files.
    const code = await runQuery('query', [dir, '--json', '--limit', '1200', '--hours', '1'], {
      stdout: { write: (text: string) => (out += text), isTTY: false },
      stderr: { write: (text: string) => (err += text) },
      env: {},
      now: () => Date.now(),
    });
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const numbers = out
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { data: { n: number } }).data.n);
    expect(numbers).toEqual(Array.from({ length: 1200 }, (_, n) => n));
  });
});
