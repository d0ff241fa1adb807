/**
 * The seeds' rules for telling audit records from system records: a record is audit when it
 * carries the audit flag, when any dot-separated segment of its logger name is `audit`, or when
 * its message starts with `[AUDIT]` (the prefix is kept). Everything else is system.
 */
export function isAuditRecord(loggerName: string, message: string, auditFlag: boolean): boolean {
  return auditFlag || hasAuditSegment(loggerName) || message.startsWith('[AUDIT]');
}

/** True when a dot-separated segment of the logger name is exactly `audit`. */
export function hasAuditSegment(loggerName: string): boolean {
  if (loggerName === 'audit') return true;
  return loggerName.startsWith('audit.') || loggerName.endsWith('.audit') || loggerName.includes('.audit.');
}
