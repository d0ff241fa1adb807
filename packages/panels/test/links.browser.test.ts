// Links: `url-state` keeps filters and search in the page URL (lossless round trip), and "Copy link"
// gives a URL that opens the panel at one entry, loaded with its context from a real query API
// (`around=<id>`), marked and scrolled into view; an entry no longer kept is said so.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type { LogwireLinkEvent } from '@logwire/panels';
import { until } from '../../../test/helpers/wait.js';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
  history: string;
}

const root = (panel: Element): ShadowRoot => panel.shadowRoot!;
const linked = (panel: Element): HTMLElement | null => root(panel).querySelector<HTMLElement>('[data-mark="linked"]');
const cleanUrl = location.href;

describe('panels: url-state and links', () => {
  const started: Started[] = [];
  const start = async (payload: unknown = {}): Promise<Started> => {
    const server = await executeServerCommand<Started, unknown>('logwire:history-start', payload);
    started.push(server);
    return server;
  };

  afterEach(async () => {
    document.body.replaceChildren();
    history.replaceState(null, '', cleanUrl);
    for (const server of started.splice(0)) await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('reflects filters and search in the URL and reads them back exactly (also odd characters), only non-defaults', async () => {
    const panel = document.createElement('system-log-panel');
    panel.setAttribute('url-state', '');
    document.body.append(panel);
    await panel.updateComplete;
    expect(location.href).to.equal(cleanUrl);
    const state = {
      levels: ['ERROR', 'CRITICAL'],
      loggerFilter: 'db !db.pool',
      moduleFilter: 'a&b=c #x',
      search: 'timeout (ms) + 100% ✓',
      searchMode: 'regex' as const,
      searchAction: 'highlight' as const,
    };
    Object.assign(panel, state);
    await panel.updateComplete;
    const params = new URL(location.href).searchParams;
    expect(params.get('system.levels')).to.equal('ERROR,CRITICAL');
    expect(params.get('system.q')).to.equal(state.search);
    expect(params.get('system.module')).to.equal(state.moduleFilter);

    // A second panel opened at this URL (a reload, a shared address) shows the same view.
    panel.remove();
    const again = document.createElement('system-log-panel');
    again.setAttribute('url-state', '');
    document.body.append(again);
    await again.updateComplete;
    expect({
      levels: [...again.levels],
      loggerFilter: again.loggerFilter,
      moduleFilter: again.moduleFilter,
      search: again.search,
      searchMode: again.searchMode,
      searchAction: again.searchAction,
    }).to.deep.equal(state);
    // Back to the defaults: the parameters go away.
    again.search = '';
    again.levels = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'UNKNOWN'];
    again.loggerFilter = '';
    again.moduleFilter = '';
    again.searchMode = 'text';
    again.searchAction = 'filter';
    await again.updateComplete;
    expect(location.href).to.equal(cleanUrl);
  });

  it('"Copy link" gives a URL that opens a new panel at that entry with its context, marked and in view; axe clean', async () => {
    const server = await start({ options: { historySize: 20 } });
    await executeServerCommand('logwire:burst', { id: server.id, count: 400, prefix: 'line' });
    await executeServerCommand('logwire:commit', { id: server.id });
    const panel = document.createElement('system-log-panel');
    panel.setAttribute('url-state', '');
    panel.historySrc = server.history;
    panel.src = server.url;
    panel.style.height = '300px';
    document.body.append(panel);
    await until(() => panel.entries.length === 20, 'the live tail');
    const entry = panel.entries[5]!;
    const copied = new Promise<LogwireLinkEvent>((resolve) => panel.addEventListener('logwire-link', resolve, { once: true }));
    const rows = [...root(panel).querySelectorAll<HTMLElement>('[part="row"]')];
    rows.find((row) => row.querySelector('.message')?.textContent === entry.data.message)!.click();
    await panel.updateComplete;
    root(panel).querySelector<HTMLButtonElement>('[part="link-button"]')!.click();
    const { url, id } = await copied;
    expect(id).to.equal(entry.id);
    expect(new URL(url).searchParams.get('system.entry')).to.equal(entry.id);
    panel.remove();

    // Opened later, when the entry is long out of the live tail: 300 more lines.
    await executeServerCommand('logwire:burst', { id: server.id, count: 300, prefix: 'later' });
    await executeServerCommand('logwire:commit', { id: server.id });
    history.replaceState(null, '', url);
    const opened = document.createElement('system-log-panel');
    opened.setAttribute('url-state', '');
    opened.historySrc = server.history;
    opened.src = server.url;
    opened.style.height = '300px';
    document.body.append(opened);
    await until(() => linked(opened) !== null, 'the linked row rendered');
    expect(linked(opened)!.querySelector('.message')!.textContent).to.equal(entry.data.message);
    expect(opened.follow).to.equal(false);
    const list = root(opened).querySelector<HTMLElement>('[part="list"]')!.getBoundingClientRect();
    const box = linked(opened)!.getBoundingClientRect();
    expect(box.top >= list.top && box.bottom <= list.bottom, 'the linked row is in view').to.equal(true);
    // 50 entries each side of it, then the live rows after a gap marker.
    const messages = opened.entries.map((message) => message.data.message);
    const at = messages.indexOf(entry.data.message);
    expect(messages.slice(at - 2, at + 3)).to.deep.equal(['line 383', 'line 384', 'line 385', 'line 386', 'line 387']);
    expect(await axeViolations(opened)).to.deep.equal([]);
  });

  it('says when the linked entry is no longer kept', async () => {
    const server = await start();
    history.replaceState(null, '', `${cleanUrl}${cleanUrl.includes('?') ? '&' : '?'}audit.entry=1-0`);
    const panel = document.createElement('audit-log-panel');
    panel.setAttribute('url-state', '');
    panel.historySrc = server.history;
    panel.src = server.url;
    document.body.append(panel);
    await until(
      () => root(panel).querySelector('[part="link-status"]')?.textContent === 'The linked entry 1-0 is no longer kept.',
      'the link status',
    );
    expect(await axeViolations(panel)).to.deep.equal([]);
  });
});
