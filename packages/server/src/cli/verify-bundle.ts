// `logwire verify --bundle <file>`: checks an incident bundle exported by a panel. Every audit
// entry's content must hash to its chain `hash`; consecutive lines must link (`prev`); an entry
// whose seq is the checkpoint's must hash to the checkpoint's `hash`; with the key, the checkpoint's
// HMAC signature is checked. Lines between entries that are not in the bundle (filtered out) cannot
// be linked and are counted. Exit codes as `verify`: 0 intact, 1 tampered, 2 unreadable.
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { chainLine, chainLinePrefix, type IncidentBundle, parseBundle } from '@logwire/protocol';
import { signCheckpoint } from '../persistence/trail-format.js';

/** What {@link verifyBundle} found. */
export interface BundleResult {
  ok: boolean;
  /** Audit entries with chain fields checked, and the links between consecutive ones. */
  entries: number;
  links: number;
  /** Runs of lines between entries that are not in the bundle. */
  holes: number;
  /** Log entries without chain fields (not verifiable), and gap markers. */
  unchained: number;
  gaps: number;
  /** The checkpoint: its line is in the bundle and matches, and (with a key) its signature is valid. */
  checkpoint?: { seq: number; matched: boolean | undefined; signature: 'valid' | 'invalid' | 'not checked (no key)' };
  /** The first problem, with the entry's seq and id. */
  problem?: { seq: number; id: string | undefined; message: string };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Verifies a parsed bundle; `key` checks the checkpoint's signature. */
export function verifyBundle(bundle: IncidentBundle, key?: string | Uint8Array): BundleResult {
  const result: BundleResult = { ok: true, entries: 0, links: 0, holes: 0, unchained: 0, gaps: 0 };
  const lines = new Map<number, { prev: string; lineHash: string; id: string | undefined }>();
  const fail = (seq: number, id: string | undefined, message: string): void => {
    if (result.problem === undefined || seq < result.problem.seq) result.problem = { seq, id, message };
    result.ok = false;
  };
  for (const item of bundle.items) {
    if (item.type === 'gap') {
      result.gaps++;
      continue;
    }
    const chain = item.type === 'audit_log' ? item.chain : undefined;
    if (chain === undefined || item.id === undefined) {
      result.unchained++;
      continue;
    }
    for (const record of chain.records ?? []) {
      const seq = Number(/^\{"seq":(\d+),"prev":"([0-9a-f]{64})"/.exec(record)?.[1]);
      const tail = /,"hash":"([0-9a-f]{64})"\}$/.exec(record);
      if (!Number.isSafeInteger(seq) || tail === null) continue;
      if (sha256(record.slice(0, record.length - tail[0].length)) !== tail[1]) fail(seq, undefined, `trail record #${seq} was altered`);
      lines.set(seq, {
        prev: record.slice(`{"seq":${seq},"prev":"`.length, `{"seq":${seq},"prev":"`.length + 64),
        lineHash: sha256(record),
        id: undefined,
      });
    }
    const prefix = chainLinePrefix(chain.seq, chain.prev, item.id, item.data);
    result.entries++;
    if (sha256(prefix) !== chain.hash)
      fail(chain.seq, item.id, `#${chain.seq} (${item.id}) was altered: its content does not match its hash`);
    const lineHash = sha256(chainLine(prefix, chain.hash));
    const seen = lines.get(chain.seq);
    if (seen !== undefined && seen.lineHash !== lineHash) fail(chain.seq, item.id, `#${chain.seq} appears twice with different content`);
    lines.set(chain.seq, { prev: chain.prev, lineHash, id: item.id });
  }
  const seqs = [...lines.keys()].sort((a, b) => a - b);
  for (let index = 1; index < seqs.length; index++) {
    const seq = seqs[index] as number;
    const before = lines.get(seq - 1);
    if (before === undefined) {
      result.holes++;
      continue;
    }
    result.links++;
    const line = lines.get(seq)!;
    if (line.prev !== before.lineHash)
      fail(seq, line.id, `#${seq} does not follow #${seq - 1}: one of them was altered, or lines were removed between`);
  }
  const checkpoint = bundle.checkpoint;
  if (checkpoint !== null) {
    const line = lines.get(checkpoint.seq);
    const matched = line === undefined ? undefined : line.lineHash === checkpoint.hash;
    if (matched === false) fail(checkpoint.seq, line?.id, `#${checkpoint.seq} differs from the signed checkpoint`);
    let signature: 'valid' | 'invalid' | 'not checked (no key)' = 'not checked (no key)';
    if (key !== undefined) {
      const { sig, ...unsigned } = checkpoint;
      const expected = signCheckpoint(key, unsigned);
      signature = sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected)) ? 'valid' : 'invalid';
      if (signature === 'invalid')
        fail(checkpoint.seq, undefined, 'the checkpoint signature is invalid: it was edited, or the key is wrong');
    }
    result.checkpoint = { seq: checkpoint.seq, matched, signature };
  }
  return result;
}

/** Runs `verify --bundle`: prints the result, returns the exit code. */
export function runVerifyBundle(file: string, key: string | Uint8Array | undefined, json: boolean): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    process.stderr.write(`logwire verify: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const parsed = parseBundle(text);
  if (!parsed.ok) {
    process.stderr.write(`logwire verify: ${file}: ${parsed.message}\n`);
    return 2;
  }
  const result = verifyBundle(parsed.bundle, key);
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const lines = [
      `${file}: ${result.ok ? 'intact' : 'TAMPERED'}`,
      `  ${result.entries} audit entries checked, ${result.links} links, ${result.holes} runs of lines not in the bundle (not linked)`,
    ];
    if (result.unchained > 0) lines.push(`  ${result.unchained} entries without chain fields (not verifiable)`);
    if (result.gaps > 0) lines.push(`  ${result.gaps} gap markers`);
    if (result.checkpoint !== undefined) {
      const { seq, matched, signature } = result.checkpoint;
      const match = matched === undefined ? 'its line is not in the bundle' : matched ? 'matches its line' : 'DOES NOT match its line';
      lines.push(`  checkpoint #${seq}: ${match}; signature ${signature}`);
    } else lines.push('  no checkpoint in the bundle');
    if (result.problem !== undefined) lines.push(`  first problem: ${result.problem.message}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return result.ok ? 0 : 1;
}
