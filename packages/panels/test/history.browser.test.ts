// "Load older": the panels against a real logwire with persistence in a temp dir, its query API
// served over HTTP (cross-origin, as from another host) and its stream over a real WebSocket.
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import { until } from '../../../test/helpers/wait.js';
import type { AuditLogPanel, LogwireHistoryEvent, SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
  history: string;
}

const root = (panel: Element): ShadowRoot => panel.shadowRoot!;
const text = (panel: Element, selector: string): string => root(panel).querySelector(selector)?.textContent?.trim() ?? '';
const rendered = (panel: Element): string[] =>
  [...root(panel).querySelectorAll('[part="row"] .message')].map((cell) => cell.textContent ?? '');
const viewport = (panel: Element): HTMLElement => root(panel).querySelector<HTMLElement>('[part="list"]')!;
const button = (panel: Element): HTMLButtonElement => root(panel).querySelector<HTMLButtonElement>('[part="history-button"]')!;
const status = (panel: Element): HTMLElement => root(panel).querySelector<HTMLElement>('[part="history-status"]')!;
const range = (from: number, to: number, prefix = 'line'): string[] => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);
const rowTop = (panel: Element, message: string): number => {
  const row = [...root(panel).querySelectorAll<HTMLElement>('[part="row"]')].find(
    (item) => item.querySelector('.message')?.textContent === message,
  );
  if (row === undefined) throw new Error(`row "${message}" is not rendered`);
  return row.getBoundingClientRect().top - viewport(panel).getBoundingClientRect().top;
};

async function scrollTo(panel: Element, top: number): Promise<void> {
  const list = viewport(panel);
  list.scrollTop = top;
  await until(() => Math.abs(list.scrollTop - top) < 1, 'scrolled');
  list.dispatchEvent(new Event('scroll'));
  await (panel as SystemLogPanel).updateComplete;
}

describe('panels: Load older from the query API', () => {
  const started: Started[] = [];
  const start = async (payload: unknown = {}): Promise<Started> => {
    const server = await executeServerCommand<Started, unknown>('logwire:history-start', payload);
    started.push(server);
    return server;
  };
  const burst = async (server: Started, count: number, prefix = 'line'): Promise<void> => {
    await executeServerCommand('logwire:burst', { id: server.id, count, prefix });
    await executeServerCommand('logwire:commit', { id: server.id });
  };

  afterEach(async () => {
    document.body.replaceChildren();
    for (const server of started.splice(0)) await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('puts older pages above the live rows in order, without duplicates, keeps the viewport on the row shown, and says when history starts', async () => {
    // The stream keeps only the newest 20 in memory; the files hold all 150.
    const server = await start({ options: { historySize: 20 } });
    await burst(server, 150);
    document.body.innerHTML = `<system-log-panel src="${server.url}" history-src="${server.history}" history-page-size="50" style="height: 260px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => text(panel, '[part="count"]') === '20 / 20', 'the in-memory history arrived');
    expect(panel.entries.map((entry) => entry.data.message)).to.deep.equal(range(130, 150));

    // Reading the top of what the stream gave: "line 130" is the first row in view.
    await scrollTo(panel, 0);
    expect(panel.follow).to.equal(false);
    expect(rendered(panel)[0]).to.equal('line 130');
    const before = rowTop(panel, 'line 130');
    const events: LogwireHistoryEvent[] = [];
    panel.addEventListener('logwire-history', (event) => events.push(event));

    button(panel).click();
    await until(() => text(panel, '[part="count"]') === '70 / 70', 'the first older page arrived');
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Loaded 50 older entries.');
    expect(events.map((event) => [event.added, event.state])).to.deep.equal([[50, 'idle']]);
    // The row the user was looking at did not move.
    expect(viewport(panel).scrollTop).to.equal(50 * panel.rowHeight);
    expect(rowTop(panel, 'line 130')).to.equal(before);
    expect(panel.entries.map((entry) => entry.data.message)).to.deep.equal(range(80, 150));

    // Above it, in order: the page ends right before the oldest row held.
    await scrollTo(panel, 0);
    expect(rendered(panel).slice(0, 5)).to.deep.equal(range(80, 85));
    await scrollTo(panel, 45 * panel.rowHeight);
    const around = rendered(panel);
    expect(around.slice(around.indexOf('line 127'), around.indexOf('line 127') + 5)).to.deep.equal(range(127, 132));
    expect(rowTop(panel, 'line 130') - rowTop(panel, 'line 129')).to.equal(panel.rowHeight);

    // Keyboard: the button is focusable and Enter activates it. The panel filters what it loads.
    panel.search = 'line 5';
    await until(() => text(panel, '[part="count"]') === '0 / 70', 'filtered');
    button(panel).focus();
    expect(root(panel).activeElement).to.equal(button(panel));
    await sendKeys({ press: 'Enter' });
    await until(() => text(panel, '[part="count"]') === '10 / 120', 'the second older page arrived');
    expect(status(panel).textContent).to.equal('Loaded 50 older entries, 10 shown.');
    expect(rendered(panel)).to.deep.equal(range(50, 60));
    panel.search = '';
    await until(() => text(panel, '[part="count"]') === '120 / 120', 'unfiltered');
    button(panel).click();
    await until(() => text(panel, '[part="count"]') === '150 / 150', 'the last older page arrived');
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Loaded 30 older entries. No older entries.');
    expect(status(panel).dataset['state']).to.equal('end');
    expect(button(panel).getAttribute('aria-disabled')).to.equal('true');
    expect(panel.entries.map((entry) => entry.data.message)).to.deep.equal(range(0, 150));
    expect(new Set(panel.entries.map((entry) => entry.id)).size).to.equal(150);
    await scrollTo(panel, 0);
    expect(rendered(panel).slice(0, 3)).to.deep.equal(['line 0', 'line 1', 'line 2']);

    // Each request asked for what is strictly older than the oldest entry held, by its stream id.
    const requests = await executeServerCommand<string[], unknown>('logwire:history-requests', { id: server.id });
    const ids = panel.entries.map((entry) => entry.id!);
    expect(requests).to.deep.equal([
      `/logs/system?limit=50&cursor=${ids[130]}`,
      `/logs/system?limit=50&cursor=${ids[80]}`,
      `/logs/system?limit=50&cursor=${ids[30]}`,
    ]);

    // At the start of history, clicking again asks nothing.
    button(panel).click();
    // A load would have started in the click handler itself (its state turns to loading before the
    // request is sent), so the state after the click proves that no request went out.
    await panel.updateComplete;
    expect(status(panel).dataset['state']).to.equal('end');
    expect((await executeServerCommand<string[], unknown>('logwire:history-requests', { id: server.id })).length).to.equal(3);
  });

  it('loaded entries and the live stream carry the same ids: what the stream replays later is not shown twice', async () => {
    const server = await start();
    await burst(server, 5);
    document.body.innerHTML = `<system-log-panel history-src="${server.history}" style="height: 300px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await panel.updateComplete;
    expect(text(panel, '[part="empty"]')).to.equal('No logs yet');
    button(panel).click();
    await until(() => text(panel, '[part="count"]') === '5 / 5', 'the newest page arrived');
    expect(status(panel).textContent).to.equal('Loaded 5 older entries. No older entries.');

    // Connecting to the stream replays the same five; then one new line arrives live.
    panel.src = server.url;
    await until(() => text(panel, '[part="state"]') === 'Live', 'live');
    await executeServerCommand('logwire:log', { id: server.id, entries: [{ logger: 'app', message: 'live one' }] });
    await until(() => rendered(panel).includes('live one'), 'the live line arrived');
    expect(text(panel, '[part="count"]')).to.equal('6 / 6');
    expect(rendered(panel)).to.deep.equal([...range(0, 5), 'live one']);
  });

  it('holds loaded rows beyond limit while history is read, and returns to limit when following again', async () => {
    const server = await start({ options: { historySize: 20 } });
    await burst(server, 150);
    document.body.innerHTML = `<system-log-panel src="${server.url}" history-src="${server.history}" limit="40" history-page-size="50" style="height: 200px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => text(panel, '[part="count"]') === '20 / 20', 'the in-memory history arrived');
    button(panel).click();
    // 1.5 × limit = 60 held at most after a load: 40 of the 50 asked for fit.
    await until(() => text(panel, '[part="count"]') === '60 / 60', 'the older page arrived');
    expect(panel.follow).to.equal(false);
    expect(panel.entries[0]!.data.message).to.equal('line 90');

    // Live lines do not evict the loaded rows while the user reads them.
    await executeServerCommand('logwire:burst', { id: server.id, count: 10, prefix: 'live' });
    await until(() => text(panel, '[part="count"]') === '70 / 70', 'live lines arrived');
    expect(panel.entries[0]!.data.message).to.equal('line 90');
    button(panel).click();
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Holding 70 entries (limit 40): raise limit to load older ones.');
    expect(status(panel).dataset['state']).to.equal('full');

    // Back to the newest entries: the panel holds `limit` again, and loading works again.
    panel.scrollToBottom();
    await until(() => text(panel, '[part="count"]') === '40 / 40', 'trimmed to limit');
    expect(panel.entries.map((entry) => entry.data.message)).to.deep.equal([...range(120, 150), ...range(0, 10, 'live')]);
    expect(status(panel).dataset['state']).to.equal('idle');
  });

  it('marks the rows evicted while a page was on its way, instead of joining the page to newer rows', async () => {
    const server = await start();
    await burst(server, 30);
    document.body.innerHTML = `<system-log-panel src="${server.url}" history-src="${server.history}" limit="10" history-page-size="5" style="height: 600px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => text(panel, '[part="count"]') === '10 / 10', 'the newest 10 are held');
    expect(panel.entries[0]!.data.message).to.equal('line 20');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    panel.historyFetch = async (url, init) => {
      await gate;
      return fetch(url, init);
    };
    button(panel).click();
    await until(() => status(panel).dataset['state'] === 'loading', 'loading');
    // While the page is on its way, 15 live lines arrive: the panel holds 2 × limit, so 20 … 24 go.
    await executeServerCommand('logwire:burst', { id: server.id, count: 15, prefix: 'live' });
    await until(() => text(panel, '[part="count"]') === '20 / 20', 'live lines arrived');
    expect(panel.entries[0]!.data.message).to.equal('line 25');
    release();
    await until(() => text(panel, '[part="count"]') === '25 / 25', 'the page arrived');
    await scrollTo(panel, 0);
    const shown = [...root(panel).querySelectorAll('.row')]
      .slice(0, 7)
      .map((row) => (row.getAttribute('part') === 'gap' ? `gap: ${row.textContent}` : row.querySelector('.message')!.textContent));
    expect(shown).to.deep.equal([...range(15, 20), 'gap: Messages missing, limit', 'line 25']);
  });

  it('shows a clear error on 401 and loads with a custom fetch that sends the credentials; the audit panel reads /audit', async () => {
    const server = await start({ token: 'secret' });
    await executeServerCommand('logwire:log', {
      id: server.id,
      entries: [
        { audit: true, logger: 'app.audit', action: 'user.login', message: 'ada logged in', metadata: { user: 'ada' } },
        {
          audit: true,
          logger: 'app.audit',
          action: 'user.logout',
          message: '<img src=x onerror="window.__pwned=1">',
          metadata: { user: '<b>bob</b>' },
        },
      ],
    });
    await executeServerCommand('logwire:commit', { id: server.id });
    document.body.innerHTML = `<audit-log-panel history-src="${server.history}" style="height: 300px"></audit-log-panel>`;
    const panel = document.querySelector('audit-log-panel') as AuditLogPanel;
    await panel.updateComplete;
    const events: LogwireHistoryEvent[] = [];
    panel.addEventListener('logwire-history', (event) => events.push(event));

    button(panel).click();
    await until(() => status(panel).dataset['state'] === 'error', 'the error is shown');
    expect(status(panel).textContent).to.equal('Not signed in: the history server refused the request (401).');
    expect(events.map((event) => [event.state, event.status])).to.deep.equal([['error', 401]]);
    expect(rendered(panel)).to.deep.equal([]);

    panel.historyFetch = (url, init) =>
      fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: 'Bearer secret' } });
    button(panel).click();
    await until(() => text(panel, '[part="count"]') === '2 / 2', 'loaded with credentials');
    expect(rendered(panel)).to.deep.equal(['ada logged in', '<img src=x onerror="window.__pwned=1">']);
    expect(root(panel).querySelector('img, b')).to.equal(null);
    expect((window as unknown as { __pwned?: number }).__pwned).to.equal(undefined);
    const requests = await executeServerCommand<string[], unknown>('logwire:history-requests', { id: server.id });
    expect(requests).to.deep.equal(['/logs/audit?limit=100', '/logs/audit?limit=100']);
  });

  it('says 403 is a permission problem, shows the server message of other failures as text, and survives an unreachable server', async () => {
    document.body.innerHTML = `<system-log-panel history-src="/logs" style="height: 200px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await panel.updateComplete;
    const seen: string[] = [];
    panel.historyFetch = async (url) => {
      seen.push(url);
      return new Response(JSON.stringify({ error: 'forbidden' }), { status: 403 });
    };
    await panel.loadOlder();
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Not allowed to read this history (403).');
    expect(seen).to.deep.equal([new URL('/logs/system?limit=100', location.href).href]);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await panel.updateComplete;
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }

    panel.historyFetch = async () =>
      new Response(JSON.stringify({ error: 'bad_request', message: '<b>until</b> is bad' }), { status: 400 });
    await panel.loadOlder();
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Loading older entries failed (HTTP 400): <b>until</b> is bad');
    expect(root(panel).querySelector('[part="history"] b')).to.equal(null);

    panel.historyFetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    await panel.loadOlder();
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('Could not reach the history server.');

    panel.historyFetch = async () => new Response('<html>not json</html>', { status: 200 });
    await panel.loadOlder();
    await panel.updateComplete;
    expect(status(panel).textContent).to.equal('The history server answered with something that is not a page of log entries.');
    expect(panel.entries.length).to.equal(0);
  });
});
