/** The message prefix that makes a record audit. */
const AUDIT_PREFIX = '[AUDIT]';

/**
 * The one rule that decides "is this record audit" (the seeds' rules): a record is audit when its
 * logger name has an `audit` segment (`byName`, see {@link hasAuditSegment}; loggers decide it once
 * per name), when it carries the audit flag (`audit: true` in its fields or the logger's bindings,
 * or a forced ingest), or when its message starts with `[AUDIT]` (the prefix is kept). Everything
 * else is system. Loggers ask it both to keep a record below their threshold (audit is never
 * dropped by level) and to route it.
 */
export function isAudit(byName: boolean, message: string, auditFlag: boolean): boolean {
  return byName || auditFlag || message.startsWith(AUDIT_PREFIX);
}

/** {@link isAudit} for a logger name. */
export function isAuditRecord(loggerName: string, message: string, auditFlag: boolean): boolean {
  return isAudit(hasAuditSegment(loggerName), message, auditFlag);
}

/** True when a dot-separated segment of the logger name is exactly `audit`. */
export function hasAuditSegment(loggerName: string): boolean {
  if (!loggerName.includes('audit')) return false;
  if (loggerName === 'audit') return true;
  return loggerName.startsWith('audit.') || loggerName.endsWith('.audit') || loggerName.includes('.audit.');
}
