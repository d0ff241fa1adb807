// The audit trail's chain fields of a query entry (`seq`, and `chain` as the stream sends it), read
// from the trail line the entry came from, so "load older" pages can be verified like live entries.
import type { AuditChain } from '@logwire/protocol';

const HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})"/;
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

/** `seq` and `chain` of an audit trail line (NaN seq and no chain for a line that is not one). */
export function auditChainFields(line: string): { seq: number; chain?: AuditChain } {
  const head = HEAD.exec(line);
  const tail = TAIL.exec(line);
  if (head === null) return { seq: NaN };
  const seq = Number(head[1]);
  return tail === null ? { seq } : { seq, chain: { seq, prev: head[2] as string, hash: tail[1] as string } };
}
