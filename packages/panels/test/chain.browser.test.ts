// Live audit verification: <audit-log-panel> against a real logwire that keeps the hash-chained
// trail (with an integrity key, so signed checkpoints are written and sent), over a real WebSocket,
// through a real rewriting proxy where a test needs the stream cut or an entry altered in transit.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { replay } from '@logwire/client';
import '@logwire/panels/define';
import type { AuditLogPanel } from '@logwire/panels';
import { until } from '../../../test/helpers/wait.js';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
  history: string;
}

const AUDIT = { integrityKey: 'browser-test-key', checkpointIntervalMs: 1, fsyncIntervalMs: 5 };
const root = (panel: Element): ShadowRoot => panel.shadowRoot!;
const status = (panel: Element): string => root(panel).querySelector('[part="chain-status"]')?.textContent?.trim() ?? '';
const marked = (panel: Element): string[] =>
  [...root(panel).querySelectorAll('[data-mark="chain-break"] .message')].map((cell) => cell.textContent ?? '');

describe('audit panel: live chain verification', () => {
  const started: { id: number }[] = [];
  const start = async (payload: unknown = {}): Promise<Started> => {
    const server = await executeServerCommand<Started, unknown>('logwire:history-start', { audit: AUDIT, ...(payload as object) });
    started.push(server);
    return server;
  };
  const proxy = async (target: string, replace: [string, string][] = []): Promise<{ id: number; url: string }> => {
    const made = await executeServerCommand<{ id: number; url: string }, unknown>('logwire:proxy-start', { target, replace });
    started.push(made);
    return made;
  };
  const audits = async (server: Started, count: number, from = 0): Promise<void> => {
    await executeServerCommand('logwire:audit-burst', { id: server.id, count, from });
  };
  const panelFor = (src: string, setup: (panel: AuditLogPanel) => void = () => undefined): AuditLogPanel => {
    const panel = document.createElement('audit-log-panel');
    panel.style.height = '400px';
    setup(panel);
    panel.src = src;
    document.body.append(panel);
    return panel;
  };
  const verifiedThrough = (panel: AuditLogPanel, seq: number): Promise<unknown> =>
    until(
      () => status(panel) === `✓ Chain verified through #${seq}`,
      () => `"verified through #${seq}", status: "${status(panel)}"`,
    );

  afterEach(async () => {
    document.body.replaceChildren();
    for (const server of started.splice(0).reverse()) await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('verifies every entry and the signed checkpoint as they arrive, and is accessible in both themes', async () => {
    const server = await start();
    const panel = panelFor(server.url);
    await audits(server, 30);
    // Line 1 is the trail file's file_open record; the 30 events are lines 2 … 31.
    await verifiedThrough(panel, 31);
    await until(() => panel.chain.verifier.summary().checkpoint?.seq === 31, 'the checkpoint of line 31');
    const summary = panel.chain.verifier.summary();
    expect(summary).to.include({ state: 'verified', checked: 31, holes: 0, breaks: 0, unchained: 0 });
    expect(summary.checkpoint).to.deep.equal({ seq: 31, matched: true });
    expect(marked(panel)).to.deep.equal([]);
    for (const theme of ['light', 'dark'] as const) {
      panel.theme = theme;
      await panel.updateComplete;
      expect(await axeViolations(panel)).to.deep.equal([]);
    }
  });

  it('flags the exact entry a proxy altered in transit, inline, and nothing else', async () => {
    const server = await start();
    const tampering = await proxy(server.url, [['"message":"transfer 5"', '"message":"transfer 500"']]);
    const panel = panelFor(tampering.url);
    const events: string[] = [];
    panel.addEventListener('logwire-chain', (event) => events.push(event.summary.state));
    await audits(server, 10);
    // transfer 5 is line 7.
    await until(
      () => status(panel) === '⚠ Chain broken at #7',
      () => `broken at #7, status: "${status(panel)}"`,
    );
    await until(() => marked(panel).length === 1, 'the marked row');
    expect(marked(panel)).to.deep.equal(['transfer 500']);
    const summary = panel.chain.verifier.summary();
    expect(summary.firstBreak).to.include({ seq: 7, reason: 'altered' });
    expect(summary.breaks).to.equal(1);
    expect(events).to.include('broken');
    for (const theme of ['light', 'dark'] as const) {
      panel.theme = theme;
      await panel.updateComplete;
      expect(await axeViolations(panel)).to.deep.equal([]);
    }
  });

  it('raises no false alarm when the stream is cut and resumes (replay overlapping what is shown)', async () => {
    const server = await start();
    const relay = await proxy(server.url);
    const panel = panelFor(relay.url);
    await audits(server, 20);
    await verifiedThrough(panel, 21);
    await executeServerCommand('logwire:proxy-drop', { id: relay.id });
    await audits(server, 20, 20);
    await verifiedThrough(panel, 41);
    expect(panel.entries.length).to.equal(40);
    expect(panel.chain.verifier.summary()).to.include({ breaks: 0, holes: 0, checked: 41 });
  });

  it('raises no false alarm when a reload paints the replay buffer and resumes', async () => {
    // The server keeps only the newest 12 messages: the oldest entries after the reload can only
    // come from the replay buffer (IndexedDB), so the check covers the buffer's entries too.
    const server = await start({ options: { historySize: 12 } });
    const name = `chain-replay-${Math.random().toString(36).slice(2)}`;
    const first = panelFor(server.url, (panel) => (panel.replay = replay({ name, flushDelay: 0, tabs: false })));
    await audits(server, 10);
    await verifiedThrough(first, 11);
    // Leaving the page closes the client, which writes what the buffer still holds.
    first.remove();
    await audits(server, 10, 10);
    const second = panelFor(server.url, (panel) => (panel.replay = replay({ name, flushDelay: 0, tabs: false })));
    await verifiedThrough(second, 21);
    expect(second.entries.length).to.equal(20);
    expect(second.chain.verifier.summary()).to.include({ breaks: 0, holes: 0, checked: 21 });
  });

  it('raises no false alarm when "Load older" puts pages from the query API above the live rows', async () => {
    // The stream keeps the newest 20 entries in memory; the trail holds all 100.
    const server = await start({ options: { historySize: 20 } });
    await audits(server, 100);
    await executeServerCommand('logwire:commit', { id: server.id });
    const panel = panelFor(server.url, (p) => {
      p.historySrc = server.history;
      p.historyPageSize = 30;
    });
    await verifiedThrough(panel, 101);
    for (let page = 0; page < 5 && panel.entries.length < 100; page++) await panel.loadOlder();
    expect(panel.entries.length).to.equal(100);
    await panel.chain.verifier.idle();
    await verifiedThrough(panel, 101);
    expect(panel.chain.verifier.summary()).to.include({ breaks: 0, holes: 0 });
  });
});
