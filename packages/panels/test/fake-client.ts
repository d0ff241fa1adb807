// An in-page stand-in for LogStreamClient with the same event API, for rendering tests that need
// exact control over what arrives and when. End-to-end tests use a real server instead.
import type { ConnectionState, LogStreamClient } from '@logwire/client';
import type { AuditLogMessage, GapData, LogMessage, SystemLogMessage } from '@logwire/protocol';
import { turn } from '../../../test/helpers/wait.js';

type Listener = (value: never) => void;

export class FakeClient {
  state: ConnectionState = 'live';
  readonly url = 'ws://logs.example/ws/logs';
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
    data: {
      timestamp: new Date(clock).toISOString(),
      level: 'INFO',
      logger: 'app.core',
      message,
      module: 'core',
      function: 'run',
      line: 42,
      ...extra,
    },
  };
}

export function audit(action: string, metadata: Record<string, unknown>, extra: Partial<AuditLogMessage['data']> = {}): AuditLogMessage {
  clock += 1;
  return {
    type: 'audit_log',
    data: {
      timestamp: new Date(clock).toISOString(),
      level: 'INFO',
      logger: 'app.audit',
      message: `did ${action}`,
      action,
      metadata,
      ...extra,
    },
  };
}

// Animation frames are the test's to give: the page's requestAnimationFrame is replaced by a queue
// that `settle()` runs, so a test never waits for a frame that a hidden page would not get. A panel
// flushes what it received at the next frame (its 100 ms fallback timer stays real and is cancelled
// by that frame), so a test says when the frame comes instead of waiting for the timer (the fallback
// itself is covered by flush-scheduler.test.ts, with fake timers).
const browserFrame = window.requestAnimationFrame.bind(window);
const frames = new Map<number, FrameRequestCallback>();
let lastFrame = 0;
window.requestAnimationFrame = (callback: FrameRequestCallback): number => {
  frames.set(++lastFrame, callback);
  return lastFrame;
};
window.cancelAnimationFrame = (handle: number): void => void frames.delete(handle);

/** Runs the callbacks requested for the next animation frame (those requested meanwhile wait for the one after). */
export function runFrame(): void {
  const due = [...frames.values()];
  frames.clear();
  const now = performance.now();
  for (const callback of due) callback(now);
}

/** Gives the panel its next frame and waits until it has rendered everything it received. */
export async function settle(panel: HTMLElement & { updateComplete: Promise<boolean> }): Promise<void> {
  // Whatever the panel did on receiving (events, property changes) runs to its end first.
  while (!(await panel.updateComplete));
  // A visible page renders: the browser's own frame delivers what it holds for one (the scroll
  // event of a scrollTop set, resize observations) before the panel's frame runs, as in use. A
  // hidden page gets no frames, so it is not waited for there.
  if (document.visibilityState === 'visible') await new Promise((resolve) => browserFrame(resolve));
  runFrame();
  while (!(await panel.updateComplete));
  await turn();
  while (!(await panel.updateComplete));
}

export function shadow(panel: Element): ShadowRoot {
  return panel.shadowRoot!;
}

/** The rendered log rows' cell texts, top to bottom. */
export function rowCells(panel: Element): string[][] {
  return [...shadow(panel).querySelectorAll('[part="row"]')].map((row) =>
    [...row.querySelectorAll(':scope > span')].map((cell) => cell.textContent ?? ''),
  );
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
