// An in-page stand-in for LogStreamClient with the same event API, for rendering tests that need
// exact control over what arrives and when. End-to-end tests use a real server instead.
import type { ConnectionState, LogStreamClient } from '@logwire/client';
import type { AuditLogMessage, GapData, LogMessage, SystemLogMessage } from '@logwire/protocol';

type Listener = (value: never) => void;

export class FakeClient {
  state: ConnectionState = 'live';
  readonly #listeners = new Map<string, Set<Listener>>();

  on(event: string, callback: Listener): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(callback);
    return () => set.delete(callback);
  }

  emit(event: 'message', value: LogMessage): void;
  emit(event: 'gap', value: GapData): void;
  emit(event: 'state', value: ConnectionState): void;
  emit(event: string, value: unknown): void {
    if (event === 'state') this.state = value as ConnectionState;
    for (const callback of this.#listeners.get(event) ?? []) (callback as (value: unknown) => void)(value);
  }

  asClient(): LogStreamClient {
    return this as unknown as LogStreamClient;
  }
}

let clock = Date.parse('2026-01-02T03:04:05.000Z');

export function system(message: string, extra: Partial<SystemLogMessage['data']> = {}): SystemLogMessage {
  clock += 1;
  return {
    type: 'system_log',
    data: { timestamp: new Date(clock).toISOString(), level: 'INFO', logger: 'app.core', message, module: 'core', function: 'run', line: 42, ...extra },
  };
}

export function audit(action: string, metadata: Record<string, unknown>, extra: Partial<AuditLogMessage['data']> = {}): AuditLogMessage {
  clock += 1;
  return { type: 'audit_log', data: { timestamp: new Date(clock).toISOString(), level: 'INFO', logger: 'app.audit', message: `did ${action}`, action, metadata, ...extra } };
}

/** Waits until the panel has rendered everything it received. */
export async function settle(panel: HTMLElement & { updateComplete: Promise<boolean> }): Promise<void> {
  // Frames do not run in a background page (the runner opens two at once), so wait for whichever
  // comes first: a frame or the panel's own 100 ms fallback flush.
  await new Promise((resolve) => {
    requestAnimationFrame(() => resolve(undefined));
    setTimeout(resolve, 120);
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  while (!(await panel.updateComplete));
}

export function shadow(panel: Element): ShadowRoot {
  return panel.shadowRoot!;
}

/** The rendered log rows' cell texts, top to bottom. */
export function rowCells(panel: Element): string[][] {
  return [...shadow(panel).querySelectorAll('[part="row"]')].map((row) => [...row.querySelectorAll(':scope > span')].map((cell) => cell.textContent ?? ''));
}

export function messages(panel: Element): string[] {
  return [...shadow(panel).querySelectorAll('[part="row"] .message')].map((cell) => cell.textContent ?? '');
}

export function part(panel: Element, name: string): HTMLElement {
  const element = shadow(panel).querySelector<HTMLElement>(`[part~="${name}"]`);
  if (element === null) throw new Error(`no part ${name}`);
  return element;
}

export function button(panel: Element, selector: string): HTMLButtonElement {
  const element = shadow(panel).querySelector<HTMLButtonElement>(selector);
  if (element === null) throw new Error(`no button ${selector}`);
  return element;
}
