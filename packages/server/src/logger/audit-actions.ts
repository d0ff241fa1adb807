/**
 * The seeds' standard audit action names ("Common Actions"), plus the event types the original
 * system logged at runtime. Any string is a valid action; these keep dashboards consistent.
 */
export const AuditAction = {
  /** An instance was created. */
  InstanceSpawn: 'instance_spawn',
  /** An instance was stopped. */
  InstanceTerminate: 'instance_terminate',
  /** A message was sent to an instance. */
  MessageSent: 'message_sent',
  /** A response was received from an instance. */
  MessageReceived: 'message_received',
  /** A message and its response, as one event (the original runtime's `message_exchange`). */
  MessageExchange: 'message_exchange',
  /** A state transition. */
  StateChange: 'state_change',
  /** Coordination between instances began. */
  CoordinationStart: 'coordination_start',
  /** Coordination between instances finished. */
  CoordinationComplete: 'coordination_complete',
  /** An error occurred. */
  Error: 'error',
  /** An operation timed out. */
  Timeout: 'timeout',
  /** An idle instance was suspended. */
  InstanceSuspended: 'instance_suspended',
  /** A suspended instance was resumed. */
  InstanceResumed: 'instance_resumed',
} as const;

/** One of the standard audit action names. */
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];
