/**
 * Events of the backplane, emitted through one `nanoevents` emitter that every part of the
 * backplane shares; {@link ErrorReporter} is how a part reports a failure it carries on after.
 */
import type { Emitter } from 'nanoevents';
import type { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
import type { Gap } from './types.js';

/** Events of {@link RedisBackplane}. */
export interface BackplaneEvents {
  /** Something failed; the backplane carries on (retrying, or skipping the bad entry). */
  error: (error: RedisBackplaneError) => void;
  /** Redis became unreachable. */
  outage: (info: { since: number; error: RedisBackplaneError }) => void;
  /** Both connections are back. */
  recovered: (info: { downMs: number }) => void;
  /**
   * A run of records dropped from a full backlog was announced in the stream (a `dropped` marker
   * is queued as soon as the stream has room again). While records are being dropped, `error`
   * reports `ERR_LOGWIRE_REDIS_BACKLOG_FULL` once per run.
   */
  dropped: (info: { stream: string; count: number }) => void;
  /** A subscription saw a gap (also delivered in its batch). */
  gap: (info: { stream: string; gap: Gap }) => void;
}

/** The emitter the parts of one backplane share. Its listeners never throw (see `RedisBackplane.on`). */
export type BackplaneEmitter = Emitter<BackplaneEvents>;

/** Reports a failure the backplane carries on after, as an `error` event (and as `metrics.lastError`). */
export type ErrorReporter = (code: RedisBackplaneErrorCode, text: string, cause?: unknown) => void;

/** The message of anything thrown. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
