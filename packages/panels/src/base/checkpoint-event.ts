import type { CheckpointData } from '@logwire/protocol';

/**
 * Fired when the panel's stream sends a signed checkpoint of the server's audit trail (extended
 * protocol, clients with audit permission). Bubbles and crosses the shadow boundary.
 */
export class LogwireCheckpointEvent extends Event {
  static readonly eventName = 'logwire-checkpoint';
  /** The checkpoint as the server wrote it. */
  readonly checkpoint: CheckpointData;
  constructor(checkpoint: CheckpointData) {
    super(LogwireCheckpointEvent.eventName, { bubbles: true, composed: true });
    this.checkpoint = checkpoint;
  }
}

declare global {
  interface HTMLElementEventMap {
    'logwire-checkpoint': LogwireCheckpointEvent;
  }
}
