import { describe, expect, it } from 'vitest';
import {
  filterSubject,
  Level,
  LEVEL_NAMES,
  levelValue,
  type LogMessage,
  logMessageMatcher,
  loggerMatcher,
  messageMatcher,
  normalizeFilter,
  type NormalizedFilter,
} from '../src/index.js';

// The two predicates the shared one replaces, as they were (packages/server/src/hub/filter.ts and
// packages/client/src/local-filter.ts before this change), kept as references.
interface ServerMessage {
  type: 'system_log' | 'audit_log';
  level: number;
  logger: string;
  data: string;
}

function serverReference(filter: NormalizedFilter, audit: boolean): { accepts: (message: ServerMessage) => boolean; all: boolean } {
  const system = filter.types.includes('system_log');
  const auditAllowed = audit && filter.types.includes('audit_log');
  const minLevel = Level[filter.level];
  const loggerPasses = loggerMatcher(filter.loggers);
  const text = filter.text.toLowerCase();
  const all = system && auditAllowed && minLevel <= Level.TRACE && filter.loggers.length === 0 && text === '';
  const accepts = (message: ServerMessage): boolean => {
    if (message.type === 'audit_log') {
      if (!auditAllowed) return false;
    } else if (!system || message.level < minLevel) return false;
    if (!loggerPasses(message.logger)) return false;
    return text === '' || message.data.toLowerCase().includes(text);
  };
  return { accepts, all };
}

function clientReference(filter: NormalizedFilter): (message: LogMessage) => boolean {
  const minLevel = Level[filter.level];
  const loggerPasses = loggerMatcher(filter.loggers);
  const text = filter.text.toLowerCase();
  return (message) => {
    if (!filter.types.includes(message.type)) return false;
    if (message.type === 'system_log') {
      const level = typeof message.data.level === 'string' ? levelValue(message.data.level) : undefined;
      if (level !== undefined && level < minLevel) return false;
    }
    if (!loggerPasses(String(message.data.logger))) return false;
    if (text === '') return true;
    try {
      return JSON.stringify(message.data).toLowerCase().includes(text);
    } catch {
      return true;
    }
  };
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

const LOGGERS = ['app', 'app.db', 'app.db.pool', 'app.web', 'audit.user', 'orchestrator.health', 'Orchestrator.server', ''];
const PATTERNS = ['app.*', 'app.db*', '!app.db.*', '*.health', '!orchestrator.*', 'a??', '*', 'audit.?ser', 'app'];
const TEXTS = ['', 'timeout', 'TIMEOUT', 'db', '"level"', 'ß', 'pool'];
const MESSAGES = ['request timeout', 'connected', 'Pool exhausted', 'user.login ok', 'straße'];
const WIRE_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'warn', 'fatal', 'verbose', 'Info'];

function randomFilter(next: () => number): NormalizedFilter {
  const input = {
    ...(next() < 0.7 ? { types: pick(next, [['system_log'], ['audit_log'], ['system_log', 'audit_log'], []]) } : {}),
    ...(next() < 0.7 ? { level: pick(next, LEVEL_NAMES) } : {}),
    ...(next() < 0.6 ? { loggers: Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, PATTERNS)) } : {}),
    ...(next() < 0.5 ? { text: pick(next, TEXTS) } : {}),
  };
  const result = normalizeFilter(input);
  if (!result.ok) throw new Error(result.message);
  return result.filter;
}

function randomMessage(next: () => number): LogMessage {
  const logger = pick(next, LOGGERS);
  const level = pick(next, WIRE_LEVELS);
  const message = pick(next, MESSAGES);
  const timestamp = '2026-12-07T00:00:00.000Z';
  if (next() < 0.5) {
    const extra = { pool: next() < 0.5 };
    return { type: 'system_log', data: { timestamp, level, logger, message, module: 'm', function: 'f', line: 1, ...extra } };
  }
  return { type: 'audit_log', data: { timestamp, level, logger, message, action: 'user.login', metadata: { db: 1 } } };
}

describe('messageMatcher', () => {
  it('decides exactly as the server subscription filter did, with and without audit permission', () => {
    const next = random(7);
    let passed = 0;
    for (let i = 0; i < 4_000; i++) {
      const filter = randomFilter(next);
      const audit = next() < 0.7;
      const reference = serverReference(filter, audit);
      const matcher = messageMatcher(filter, { audit });
      expect(matcher.all).toBe(reference.all);
      for (let j = 0; j < 10; j++) {
        const wire = randomMessage(next);
        // As the server holds messages: a known numeric level, `data` as JSON text.
        const level = levelValue(String(wire.data.level)) ?? Level.INFO;
        const stored: ServerMessage = { type: wire.type, level, logger: wire.data.logger, data: JSON.stringify(wire.data) };
        const expected = reference.accepts(stored);
        if (expected) passed++;
        if (matcher(stored) !== expected) expect.fail(`expected ${expected}: ${JSON.stringify({ filter, audit, stored })}`);
      }
    }
    expect(passed).toBeGreaterThan(2_000);
    expect(passed).toBeLessThan(38_000);
  });

  it('decides exactly as the client local filter did, unknown levels and data that cannot be stringified included', () => {
    const next = random(8);
    let passed = 0;
    for (let i = 0; i < 4_000; i++) {
      const filter = randomFilter(next);
      const reference = clientReference(filter);
      const matcher = messageMatcher(filter);
      const received = logMessageMatcher(filter);
      for (let j = 0; j < 10; j++) {
        const message = randomMessage(next);
        const expected = reference(message);
        if (expected) passed++;
        if (matcher(filterSubject(message)) !== expected) expect.fail(`expected ${expected}: ${JSON.stringify({ filter, message })}`);
        if (received(message) !== expected) expect.fail(`logMessageMatcher: expected ${expected}: ${JSON.stringify({ filter, message })}`);
      }
    }
    expect(passed).toBeGreaterThan(2_000);
    expect(passed).toBeLessThan(38_000);
    const cyclic: Record<string, unknown> = { timestamp: 't', level: 'INFO', logger: 'app', message: 'm', module: 'm', line: 1 };
    cyclic['self'] = cyclic;
    const message = { type: 'system_log', data: cyclic } as LogMessage;
    const filter = randomFilterWith({ text: 'anything' });
    expect(messageMatcher(filter)(filterSubject(message))).toBe(clientReference(filter)(message));
    expect(messageMatcher(filter)(filterSubject(message))).toBe(true);
    expect(logMessageMatcher(filter)(message)).toBe(true);
  });

  it('never removes audit messages by level, and removes them without audit permission', () => {
    const filter = randomFilterWith({ level: 'CRITICAL' });
    const audit = { type: 'audit_log', level: Level.DEBUG, logger: 'audit.user', data: '{}' } as const;
    const debug = { type: 'system_log', level: Level.DEBUG, logger: 'app', data: '{}' } as const;
    expect(messageMatcher(filter)(audit)).toBe(true);
    expect(messageMatcher(filter)(debug)).toBe(false);
    expect(messageMatcher(filter, { audit: false })(audit)).toBe(false);
    expect(messageMatcher(randomFilterWith({}), { audit: false }).all).toBe(false);
    expect(messageMatcher(randomFilterWith({})).all).toBe(true);
  });

  it('passes a system message whose level the reader does not know, and never an unknown type', () => {
    const filter = randomFilterWith({ level: 'ERROR' });
    expect(messageMatcher(filter)({ type: 'system_log', level: undefined, logger: 'app', data: {} })).toBe(true);
    expect(messageMatcher(filter)({ type: 'ping', level: Level.CRITICAL, logger: 'app', data: {} })).toBe(false);
  });

  it('reads a received message by level name, alias and case', () => {
    const base = { timestamp: 't', logger: 'app', message: 'm', module: 'm', function: 'f', line: 1 };
    expect(filterSubject({ type: 'system_log', data: { ...base, level: 'warn' } }).level).toBe(Level.WARNING);
    expect(filterSubject({ type: 'system_log', data: { ...base, level: 'verbose' } }).level).toBeUndefined();
    expect(filterSubject({ type: 'system_log', data: { ...base, level: 7 as unknown as string } }).level).toBeUndefined();
    expect(filterSubject({ type: 'system_log', data: { ...base, logger: 12 as unknown as string, level: 'INFO' } }).logger).toBe('12');
  });
});

function randomFilterWith(input: Record<string, unknown>): NormalizedFilter {
  const result = normalizeFilter(input);
  if (!result.ok) throw new Error(result.message);
  return result.filter;
}
