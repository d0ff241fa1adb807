// Events the panels fire. Each is an `Event` subclass with typed fields; all bubble and cross the
// shadow boundary so a page can listen on the panel or any ancestor.

/** Fired when following the newest entry turns on or off (the user scrolled, or `follow` was set). */
export class LogwireFollowChangeEvent extends Event {
  static readonly eventName = 'logwire-follow-change';
  /** Whether the panel now follows the newest entry. */
  readonly follow: boolean;
  constructor(follow: boolean) {
    super(LogwireFollowChangeEvent.eventName, { bubbles: true, composed: true });
    this.follow = follow;
  }
}

/** Fired when the panel is paused or resumed. */
export class LogwirePauseChangeEvent extends Event {
  static readonly eventName = 'logwire-pause-change';
  /** Whether the panel is now paused. */
  readonly paused: boolean;
  /** Entries buffered while paused (0 after a resume, which shows them). */
  readonly buffered: number;
  constructor(paused: boolean, buffered: number) {
    super(LogwirePauseChangeEvent.eventName, { bubbles: true, composed: true });
    this.paused = paused;
    this.buffered = buffered;
  }
}

/** Fired after the panel's entries were cleared. */
export class LogwireClearEvent extends Event {
  static readonly eventName = 'logwire-clear';
  /** How many entries were removed. */
  readonly removed: number;
  constructor(removed: number) {
    super(LogwireClearEvent.eventName, { bubbles: true, composed: true });
    this.removed = removed;
  }
}

/**
 * Fired before an export downloads. Cancelable: call `preventDefault()` to handle `content`
 * yourself (upload it, show it) instead of the browser download.
 */
export class LogwireExportEvent extends Event {
  static readonly eventName = 'logwire-export';
  /** `json`, `ndjson` or `csv`. */
  readonly format: 'json' | 'ndjson' | 'csv';
  /** The exported text. */
  readonly content: string;
  /** Log entries in the export (gap markers not counted). */
  readonly count: number;
  constructor(format: 'json' | 'ndjson' | 'csv', content: string, count: number) {
    super(LogwireExportEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.format = format;
    this.content = content;
    this.count = count;
  }
}

/** Fired when the user copies an entry; `text` is what was put on the clipboard. */
export class LogwireCopyEvent extends Event {
  static readonly eventName = 'logwire-copy';
  /** The copied text: the entry as pretty JSON, invisible characters escaped. */
  readonly text: string;
  constructor(text: string) {
    super(LogwireCopyEvent.eventName, { bubbles: true, composed: true });
    this.text = text;
  }
}

/** Fired after a "Load older" (or `loadOlder()`) finished, whether it added entries or failed. */
export class LogwireHistoryEvent extends Event {
  static readonly eventName = 'logwire-history';
  /** Entries added above the list (duplicates of held entries are not counted). */
  readonly added: number;
  /** `idle` (more may exist), `end` (no older entries), `error` or `full` (1.5 × `limit` held). */
  readonly state: 'idle' | 'loading' | 'error' | 'end' | 'full';
  /** The text the panel shows. */
  readonly message: string;
  /** HTTP status of a failed request (401, 403, …); undefined when the server was not reached or on success. */
  readonly status: number | undefined;
  constructor(added: number, state: 'idle' | 'loading' | 'error' | 'end' | 'full', message: string, status?: number) {
    super(LogwireHistoryEvent.eventName, { bubbles: true, composed: true });
    this.added = added;
    this.state = state;
    this.message = message;
    this.status = status;
  }
}

declare global {
  interface HTMLElementEventMap {
    'logwire-follow-change': LogwireFollowChangeEvent;
    'logwire-pause-change': LogwirePauseChangeEvent;
    'logwire-clear': LogwireClearEvent;
    'logwire-export': LogwireExportEvent;
    'logwire-copy': LogwireCopyEvent;
    'logwire-history': LogwireHistoryEvent;
  }
}
