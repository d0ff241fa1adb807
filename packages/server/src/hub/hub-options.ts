/** Options of the hub: history bounds, batching, epoch. */
export interface LogHubOptions {
  /** Messages kept in memory for replay. @default 10000 */
  historySize?: number;
  /** Bytes of message data (logger name + data JSON, UTF-8) kept in memory for replay; allocated up front. @default 16 MiB */
  historyBytes?: number;
  /** Flush before the end of the turn once this many messages are pending. @default 256 */
  maxBatchMessages?: number;
  /** Flush before the end of the turn once this many bytes are pending. @default 64 KiB */
  maxBatchBytes?: number;
  /**
   * Identity of the stream. Pass the stored epoch when history survives a restart (file
   * persistence) so ids continue; leave it out for a fresh random epoch.
   */
  epoch?: string;
  /** Called when a listener throws; the other listeners still receive the batch. */
  onListenerError?: (error: unknown) => void;
}

export const HUB_DEFAULTS = {
  historySize: 10_000,
  historyBytes: 16 * 1024 * 1024,
  maxBatchMessages: 256,
  maxBatchBytes: 64 * 1024,
} as const;
