import { LogwireError, LogwireErrorCode } from '../errors.js';

/** Distinct `authenticate` failure messages reported per reporter; later new ones are only counted. */
export const MAX_DISTINCT_AUTH_ERRORS = 100;

/**
 * Reports `authenticate` hook failures without letting a client flood the error channel: each
 * distinct message once, at most {@link MAX_DISTINCT_AUTH_ERRORS} of them (a client that makes the
 * hook throw on every request costs one Set lookup per request after the first report).
 */
export class AuthReports {
  readonly #report: ((error: LogwireError) => void) | undefined;
  readonly #seen = new Set<string>();
  #full = false;

  constructor(report: ((error: LogwireError) => void) | undefined) {
    this.#report = report;
  }

  /** Warns that a stream is served with no `authenticate` hook. */
  unauthenticated(where: string): void {
    const message =
      `${where}: no authenticate hook, so anyone who can reach the server may read the logs; ` +
      'pass `authenticate` (see docs/security.md, "Deploying safely")';
    this.#send(new LogwireError(LogwireErrorCode.NoAuthenticate, message));
  }

  /** Reports what an `authenticate` hook threw (the request was refused with 500). */
  hookFailed(thrown: unknown): void {
    if (this.#full) return;
    const text = describeThrown(thrown);
    if (this.#seen.has(text)) return;
    if (this.#seen.size >= MAX_DISTINCT_AUTH_ERRORS) {
      this.#full = true;
      const message = `authenticate hook failed with ${MAX_DISTINCT_AUTH_ERRORS} distinct messages; further new ones are not reported`;
      this.#send(new LogwireError(LogwireErrorCode.Authenticate, message));
      return;
    }
    this.#seen.add(text);
    this.#send(new LogwireError(LogwireErrorCode.Authenticate, `authenticate hook threw: ${text}`, { cause: thrown }));
  }

  #send(error: LogwireError): void {
    try {
      this.#report?.(error);
    } catch {
      // A throwing onError must not break the upgrade that reported it.
    }
  }
}

/** The message of what a hook threw, cut to 200 characters (it becomes a Set key and a log record). */
function describeThrown(thrown: unknown): string {
  let text: string;
  try {
    text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    text = 'a value that cannot be printed';
  }
  return text.slice(0, 200);
}
