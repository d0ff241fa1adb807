// The audit chain on the extended protocol: audit messages carry their `chain` fields (seq, prev,
// hash, see @logwire/protocol's AuditChain) when the server keeps the hash-chained trail, and
// clients that may read audit events get each signed checkpoint as it is written, plus the newest
// one right after their welcome. Legacy clients get neither: their frames stay the seed's shape.
import { chainedLogFrame, type CheckpointData, checkpointFrame } from '@logwire/protocol';
import type { StreamMessage } from '../hub/log-hub.js';
import { Mode } from './constants.js';
import { type Connection, sendRaw, type StreamContext } from './connection.js';

/** Where the endpoint finds chain fields and checkpoints (the store's ChainLinks). */
export interface AuditChainSource {
  /** JSON text of the `chain` of the audit event `id`, if known. */
  get(id: string): string | undefined;
  /** The newest checkpoint written. */
  readonly checkpoint: CheckpointData | undefined;
  /** Calls `listener` with each checkpoint written; returns the function that stops it. */
  onCheckpoint(listener: (checkpoint: CheckpointData) => void): () => void;
}

/** The frame an extended client gets for `message`: with its `chain` when it is an audit event the trail wrote. */
export function extendedFrame(context: StreamContext, message: StreamMessage): string {
  const chains = context.options.chains;
  if (message.type !== 'audit_log' || chains === undefined) return message.frame;
  const chain = chains.get(message.id);
  return chain === undefined ? message.frame : chainedLogFrame(message.frame, chain);
}

/** Whether `connection` is an extended client that may read audit events and asked for them. */
function wantsCheckpoints(connection: Connection): boolean {
  if (connection.closed || connection.mode !== Mode.Extended || !connection.audit) return false;
  const types = connection.filter.filter.types;
  return types === undefined || types.includes('audit_log');
}

/** Sends the newest checkpoint to a client just welcomed. */
export function sendLatestCheckpoint(context: StreamContext, connection: Connection): void {
  const checkpoint = context.options.chains?.checkpoint;
  if (checkpoint !== undefined && wantsCheckpoints(connection)) sendRaw(context, connection, Buffer.from(checkpointFrame(checkpoint)));
}

/** Sends every checkpoint written from now on to the clients that want them; returns the function that stops. */
export function forwardCheckpoints(context: StreamContext): () => void {
  const chains = context.options.chains;
  if (chains === undefined) return () => undefined;
  return chains.onCheckpoint((checkpoint) => {
    let bytes: Buffer | undefined;
    for (const connection of context.connections) {
      if (!wantsCheckpoints(connection)) continue;
      bytes ??= Buffer.from(checkpointFrame(checkpoint));
      sendRaw(context, connection, bytes);
    }
  });
}
