// One line of a log file as a query reads it: its stream id, type, level, logger and `data`,
// parsed once. (../persistence/records.ts reads lines into stream messages, `data` as JSON text,
// for restart recovery; a query needs the object, and parsing a line twice doubled the cost of
// every filter that looks inside `data`.)
import { Level, type LogType, parseId, type StreamId } from '@logwire/protocol';
import { auditMessage } from '../persistence/records.js';

/** A stored line, parsed. */
export interface StoredLine {
  id: string;
  position: StreamId;
  type: LogType;
  /** Numeric level; INFO when the line has none the reader knows (as restart recovery reads it). */
  level: number;
  logger: string;
  data: Record<string, unknown>;
}

const SYSTEM_PREFIX = /^\{"id":"(\d+-\d+)"/;

/** The line as a query reads it, or undefined for a line that is not a record. */
export function parseStoredLine(kind: 'system' | 'audit', line: string): StoredLine | undefined {
  let id: string;
  let text: string;
  if (kind === 'system') {
    const match = SYSTEM_PREFIX.exec(line);
    if (match === null) return undefined;
    id = match[1] as string;
    const rest = line.slice(match[0].length);
    text = rest.startsWith(',') ? '{' + rest.slice(1) : '{}';
  } else {
    const message = auditMessage(line);
    if (message === undefined) return undefined;
    [id, text] = [message.id, message.data];
  }
  const position = parseId(id);
  if (position === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const record = data as Record<string, unknown>;
  const level = record['level'];
  const logger = record['logger'];
  return {
    id,
    position,
    type: kind === 'system' ? 'system_log' : 'audit_log',
    level: typeof level === 'string' && Object.hasOwn(Level, level) ? Level[level as keyof typeof Level] : Level.INFO,
    logger: typeof logger === 'string' ? logger : '',
    data: record,
  };
}
