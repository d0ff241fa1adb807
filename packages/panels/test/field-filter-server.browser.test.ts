// The field filter against a real logwire: a panel that owns its client (`src`) pushes it to the
// server's subscription, so fewer bytes cross the wire (counted frame by frame in the page) and a
// change re-subscribes without reconnecting; "Load older" sends it as `field.<path>` parameters to
// the query API and shows only the matching older entries.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import { until } from '../../../test/helpers/wait.js';
import type { SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
  history?: string;
}

const text = (panel: Element, selector: string): string => panel.shadowRoot!.querySelector(selector)?.textContent?.trim() ?? '';
const userIds = (panel: SystemLogPanel): unknown[] => [...new Set(panel.entries.map((entry) => entry.data['user_id']))];

/** Every frame the page's WebSockets receive, with its size in bytes (UTF-8), while installed. */
const received: { bytes: number; text: string }[] = [];
const encoder = new TextEncoder();
const BrowserWebSocket = window.WebSocket;
class CountingWebSocket extends BrowserWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    this.addEventListener('message', (event: MessageEvent) => {
      const data: unknown = event.data;
      if (typeof data === 'string') received.push({ bytes: encoder.encode(data).length, text: data });
      else received.push({ bytes: data instanceof Blob ? data.size : (data as ArrayBuffer).byteLength, text: '' });
    });
  }
}
const bytes = (): number => received.reduce((sum, frame) => sum + frame.bytes, 0);

describe('panels: the field filter on the server', () => {
  const started: Started[] = [];
  before(() => (window.WebSocket = CountingWebSocket));
  after(() => (window.WebSocket = BrowserWebSocket));
  afterEach(async () => {
    document.body.replaceChildren();
    for (const server of started.splice(0)) await executeServerCommand('logwire:stop', { id: server.id });
  });
  const log = async (server: Started, from: number, to: number): Promise<void> => {
    const entries = [];
    for (let i = from; i < to; i++)
      entries.push({
        logger: 'app.http',
        message: `request ${i}`,
        fields: { user_id: i % 10, path: `/api/items/${i}`, padding: 'x'.repeat(200) },
      });
    await executeServerCommand('logwire:log', { id: server.id, entries });
  };
  const mount = async (server: Started, attributes: string): Promise<SystemLogPanel> => {
    received.length = 0;
    document.body.innerHTML = `<system-log-panel src="${server.url}" ${attributes} style="height: 300px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => text(panel, '[part="state"]') === 'Live', 'live');
    return panel;
  };

  it('pushes the filter to the subscription of its own client: fewer bytes received, the same rows shown, re-subscribed on change', async () => {
    // The same 200 entries logged to a fresh server once the panel is live, without and with the filter.
    const measure = async (attributes: string): Promise<{ panel: SystemLogPanel; server: Started; received: number }> => {
      const server = await executeServerCommand<Started, unknown>('logwire:start', {});
      started.push(server);
      const panel = await mount(server, attributes);
      received.length = 0;
      await log(server, 0, 200);
      await until(() => panel.entries.some((entry) => entry.data.message === 'request 194'), 'the last match arrived');
      await until(() => received.some((frame) => frame.text.includes('"request 194"')), 'the last match was counted');
      return { panel, server, received: bytes() };
    };
    const local = await measure('');
    await until(() => local.panel.entries.length === 200, 'everything arrived');
    const everything = bytes();
    const user4 = local.panel.entries.filter((entry) => entry.data['user_id'] === 4).map((entry) => entry.data.message);
    expect(user4).to.have.length(20);
    document.body.replaceChildren();

    // Pushed: the server sends only user 4's entries.
    const { panel: pushed, server, received: filtered } = await measure('field-filter="user_id=4"');
    expect(pushed.entries.map((entry) => entry.data.message)).to.deep.equal(user4);
    console.log(`field filter pushed: ${filtered} bytes received instead of ${everything} (${(filtered / everything).toFixed(3)})`);
    expect(filtered).to.be.lessThan(everything / 4);

    // A change re-subscribes on the open socket (no new hello) and the server sends the new match.
    received.length = 0;
    pushed.fieldFilter = 'user_id=7 path=/api/items/2*';
    await until(() => received.some((frame) => frame.text.includes('"type":"subscribed"')), 'subscribed');
    expect(received.find((frame) => frame.text.includes('"type":"subscribed"'))!.text).to.contain('"path":"user_id"');
    await log(server, 200, 300);
    await until(() => pushed.entries.some((entry) => entry.data.message === 'request 297'), 'the new match arrived');
    expect(received.filter((frame) => frame.text.includes('"request ')).every((frame) => frame.text.includes('"user_id":7'))).to.equal(
      true,
    );
    expect(received.filter((frame) => frame.text.includes('"type":"welcome"'))).to.deep.equal([]);
    expect(pushed.filteredEntries.map((entry) => entry.data.message)).to.deep.equal([
      'request 207',
      'request 217',
      'request 227',
      'request 237',
      'request 247',
      'request 257',
      'request 267',
      'request 277',
      'request 287',
      'request 297',
    ]);
  });

  it('sends the filter with "Load older" as field.<path> parameters and shows only the matching older entries', async () => {
    const server = await executeServerCommand<Started, unknown>('logwire:history-start', { options: { historySize: 20 } });
    started.push(server);
    await log(server, 0, 100);
    await executeServerCommand('logwire:commit', { id: server.id });
    const panel = await mount(server, `field-filter="user_id=3 status_code!=500" history-src="${server.history}" history-page-size="50"`);
    // The stream holds the newest 20 in memory; of those, 82 and 92 are user 3's.
    await until(() => panel.entries.length === 2, 'the filtered in-memory history arrived');
    panel.shadowRoot!.querySelector<HTMLButtonElement>('[part="history-button"]')!.click();
    await until(() => text(panel, '[part="history-status"]').startsWith('Loaded'), 'the older page arrived');
    const requests = await executeServerCommand<string[], unknown>('logwire:history-requests', { id: server.id });
    const query = new URL(requests.at(-1)!, 'http://localhost').searchParams;
    expect(query.getAll('field.user_id')).to.deep.equal(['3']);
    expect(query.getAll('field.status_code!')).to.deep.equal(['500']);
    // The server answered with matches only: every loaded entry is shown.
    expect(text(panel, '[part="history-status"]')).to.equal('Loaded 8 older entries. No older entries.');
    expect(panel.entries.map((entry) => entry.data.message)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `request ${i * 10 + 3}`));
    expect(userIds(panel)).to.deep.equal([3]);

    // Another filter: the start of history reached with the old one no longer holds, and the next
    // page is asked with the new constraints (older than the oldest row held, request 3).
    panel.fieldFilter = 'user_id=0,1';
    await until(() => text(panel, '[part="history-status"]') === '', 'the history status was reset');
    panel.shadowRoot!.querySelector<HTMLButtonElement>('[part="history-button"]')!.click();
    await until(() => text(panel, '[part="history-status"]').startsWith('Loaded'), 'the page of the new filter arrived');
    const next = new URL(
      (await executeServerCommand<string[], unknown>('logwire:history-requests', { id: server.id })).at(-1)!,
      'http://x',
    );
    expect(next.searchParams.getAll('field.user_id')).to.deep.equal(['0,1']);
    expect(next.searchParams.has('field.status_code!')).to.equal(false);
    expect(text(panel, '[part="history-status"]')).to.equal('Loaded 2 older entries. No older entries.');
    expect(panel.filteredEntries.map((entry) => entry.data.message)).to.deep.equal(['request 0', 'request 1']);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await panel.updateComplete;
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
