import { Level, levelValue, type LogMessage, loggerMatcher, type NormalizedFilter } from '@logwire/protocol';

/**
 * The server-side filter, applied by the client itself when the server cannot (a server that
 * speaks only the original protocol), with the same rules: audit messages are never removed by level.
 */
export function localFilter(filter: NormalizedFilter): (message: LogMessage) => boolean {
  const minLevel = Level[filter.level];
  const loggerPasses = loggerMatcher(filter.loggers);
  const text = filter.text.toLowerCase();
  return (message) => {
    if (!filter.types.includes(message.type)) return false;
    if (message.type === 'system_log') {
      // A level this client does not know (legacy servers send anything) is never hidden.
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
