import type { HubGap } from '../hub/backplane.js';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import type { Position } from '../hub/position.js';

// The stream as a client without audit permission sees it: one in which audit messages do not
// exist. Every id such a client is told (`welcome.head`, a batch's `from`/`to`, a gap's ends and
// count, `subscribed.at`) is the id of a `system_log` (or a position the client named itself), so
// neither the time nor the number of audit events can be read from them. Its resume is still exact:
// the cursor it sends back is a real stream id, and the server scans the full stream after it,
// keeping the `system_log` that pass the filter (docs/protocol.md, "Audit permission").

/** The newest delivered position a client may be told of: the hub's head, or its newest `system_log` without audit permission. */
export function visibleHead(hub: LogHub, audit: boolean): Position | undefined {
  return audit ? hub.delivered : hub.deliveredSystem;
}

/**
 * The id a range over `messages` (oldest first) may be said to reach: the last message's, or without
 * audit permission the last `system_log`'s; `undefined` when the client may see none of them.
 */
export function visibleEnd(messages: readonly StreamMessage[], audit: boolean): string | undefined {
  if (audit) return messages[messages.length - 1]?.id;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as StreamMessage;
    if (message.type === 'system_log') return message.id;
  }
  return undefined;
}

/**
 * A backplane gap as a client may hear it. Without audit permission its ends and count could name
 * or count audit messages: it says only that something is missing after what the client was last
 * told (`to: null`, unknown, so the next batch may start anywhere).
 */
export function visibleGap(gap: HubGap, audit: boolean, shown: string | null): HubGap {
  if (audit) return gap;
  return { reason: gap.reason, from: shown, to: null, epoch: gap.epoch };
}
