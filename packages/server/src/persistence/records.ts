import path from 'node:path';
import { Level, logFrame, parseId, type StreamId } from '@logwire/protocol';
import type { StreamMessage } from '../hub/log-hub.js';
import { listLogFiles } from './log-files.js';
import { HASH_SUFFIX_LENGTH } from './trail-format.js';

/**
 * Reading stored lines back into stream messages (restart recovery and the query API). The line
 * formats are written by the store: `system.log` lines are `{"id":"<stream id>", …data…}`, audit
 * lines are `{"seq":N,"prev":"…","id":"<stream id>", …data…, "hash":"…"}`.
 */

/** File name of the system log inside the persistence directory. */
export const SYSTEM_LOG_FILE = 'system.log';

/** `system.log`, `system.log.1`, `system.log.2.gz`, … that exist, newest first (see {@link listLogFiles}). */
export function systemFiles(dir: string): string[] {
  return listLogFiles(path.join(dir, SYSTEM_LOG_FILE)).map((entry) => entry.path);
}

const SYSTEM_PREFIX = /^\{"id":"(\d+-\d+)"/;
const AUDIT_PREFIX = /^\{"seq":\d+,"prev":"[0-9a-f]{64}","id":"(\d+-\d+)"/;

/** The stream message a `system.log` line holds, or undefined for a line that is not one. */
export function systemMessage(line: string): StreamMessage | undefined {
  const match = SYSTEM_PREFIX.exec(line);
  if (match === null) return undefined;
  const rest = line.slice(match[0].length);
  return message('system_log', match[1] as string, rest.startsWith(',') ? '{' + rest.slice(1) : '{}');
}

/** The stream message an audit trail line holds, or undefined for a trail record that is not an event. */
export function auditMessage(line: string): StreamMessage | undefined {
  const match = AUDIT_PREFIX.exec(line);
  if (match === null || line.length < match[0].length + HASH_SUFFIX_LENGTH) return undefined;
  const rest = line.slice(match[0].length, line.length - HASH_SUFFIX_LENGTH);
  return message('audit_log', match[1] as string, rest.startsWith(',') ? '{' + rest.slice(1) + '}' : '{}');
}

function message(type: 'system_log' | 'audit_log', id: string, data: string): StreamMessage | undefined {
  const position: StreamId | undefined = parseId(id);
  if (position === undefined) return undefined;
  let fields: { timestamp?: unknown; level?: unknown; logger?: unknown };
  try {
    fields = JSON.parse(data) as typeof fields;
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null) return undefined;
  const parsedTime = typeof fields.timestamp === 'string' ? Date.parse(fields.timestamp) : NaN;
  const level =
    typeof fields.level === 'string' && Object.prototype.hasOwnProperty.call(Level, fields.level)
      ? Level[fields.level as keyof typeof Level]
      : Level.INFO;
  return {
    id,
    position,
    type,
    time: Number.isFinite(parsedTime) ? parsedTime : position.ms,
    level,
    logger: typeof fields.logger === 'string' ? fields.logger : '',
    data,
    frame: logFrame(type, id, data),
  };
}
