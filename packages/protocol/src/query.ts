import type { AuditChain, LogType } from './messages.js';

/**
 * One entry of a query API answer, shaped like the stream's messages: `{type, id, data}`; audit
 * entries add their position in the audit trail as `seq`.
 */
export interface QueryEntry {
  type: LogType;
  id: string;
  /** Position in the audit trail (audit entries only). */
  seq?: number;
  data: Record<string, unknown>;
  /** Its place in the hash-chained trail (audit entries only), as on the stream. */
  chain?: AuditChain;
}

/**
 * A page of query results (`GET <base>/system`, `GET <base>/audit`): the newest matching entries,
 * oldest first (newest last), and the cursor to continue with.
 */
export interface QueryPage<E = QueryEntry> {
  entries: E[];
  /** Pass back as `cursor` to get the next older page; `null` when there are no older matches. */
  cursor: string | null;
}
