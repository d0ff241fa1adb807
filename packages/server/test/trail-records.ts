import fs from 'node:fs';
import path from 'node:path';

/** Every record of the audit trail files in `<dir>/audit`, oldest file first, parsed. */
export function trailRecords(dir: string): Record<string, unknown>[] {
  const audit = path.join(dir, 'audit');
  return fs
    .readdirSync(audit)
    .filter((name) => /^audit-\d{8}\.jsonl$/.test(name))
    .sort()
    .flatMap((name) => fs.readFileSync(path.join(audit, name), 'utf8').slice(0, -1).split('\n'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
