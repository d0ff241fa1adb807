import { Level, levelValue, type LogMessage, type NormalizedFilter } from '@logwire/protocol';

/**
 * The server-side filter, applied by the client itself when the server cannot (a server that
 * speaks only the seeds' protocol), with the same rules: audit messages are never removed by level.
 */
export function localFilter(filter: NormalizedFilter): (message: LogMessage) => boolean {
  const minLevel = Level[filter.level];
  const positive: RegExp[] = [];
  const negative: RegExp[] = [];
  for (const pattern of filter.loggers) {
    if (pattern.startsWith('!')) negative.push(globToRegExp(pattern.slice(1)));
    else positive.push(globToRegExp(pattern));
  }
  const text = filter.text.toLowerCase();
  return (message) => {
    if (!filter.types.includes(message.type)) return false;
    if (message.type === 'system_log') {
      // A level this client does not know (legacy servers send anything) is never hidden.
      const level = typeof message.data.level === 'string' ? levelValue(message.data.level) : undefined;
      if (level !== undefined && level < minLevel) return false;
    }
    const logger = String(message.data.logger);
    if (positive.length > 0 && !positive.some((re) => re.test(logger))) return false;
    if (negative.some((re) => re.test(logger))) return false;
    if (text === '') return true;
    try {
      return JSON.stringify(message.data).toLowerCase().includes(text);
    } catch {
      return true;
    }
  };
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
