// The panels in Chromium, fed by an in-page client with the same event API as LogStreamClient
// (exact control over what arrives and when). end-to-end.browser.test.ts uses real servers.
import { expect } from 'chai';
import '@logwire/panels/define';
import type { AuditLogPanel, LogwireExportEvent } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { audit, button, FakeClient, messages, part, rowCells, settle, shadow, system } from './fake-client.js';

async function mount(setup: (panel: AuditLogPanel) => void = () => {}): Promise<{ panel: AuditLogPanel; client: FakeClient }> {
  const client = new FakeClient();
  const panel = document.createElement('audit-log-panel');
  panel.style.height = '400px';
  panel.style.width = '1000px';
  setup(panel);
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

afterEach(() => document.body.replaceChildren());

describe('<audit-log-panel>', () => {
  it('shows the seed columns, only audit messages, and expands metadata into a tree', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('not for the audit panel'));
    client.emit(
      'message',
      audit(
        'instance_spawn',
        { instance_id: 'abc-123', details: { role: 'architect', tools: ['bash', 'git'] } },
        { message: 'Instance spawned' },
      ),
    );
    await settle(panel);
    expect([...shadow(panel).querySelectorAll('[part="column-header"] .column-title .title')].map((s) => s.textContent)).to.deep.equal([
      'Time',
      'Level',
      'Logger',
      'Action',
      'Message',
      'Metadata',
    ]);
    expect(rowCells(panel).map((cells) => cells.slice(1))).to.deep.equal([
      [
        'INFO',
        'app.audit',
        'instance_spawn',
        'Instance spawned',
        '{"instance_id":"abc-123","details":{"role":"architect","tools":["bash","git"]}}',
      ],
    ]);
    shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
    await settle(panel);
    const detail = part(panel, 'detail');
    const summaries = [...detail.querySelectorAll('summary .key')].map((key) => key.textContent);
    expect(summaries).to.deep.equal(['metadata', 'details', 'tools']);
    const leaf = (name: string) =>
      [...detail.querySelectorAll('li')].find((li) => li.querySelector(':scope > .key')?.textContent === name)?.querySelector('.value')
        ?.textContent;
    expect(leaf('instance_id')).to.equal('abc-123');
    expect(leaf('role')).to.equal('architect');
    expect(leaf('1')).to.equal('git');
    expect(shadow(panel).querySelector('[part="copy-button"]')).to.not.equal(null);
  });

  it('has no Clear button by default, and one when clearable', async () => {
    const { panel } = await mount();
    expect(shadow(panel).querySelector('[part="clear-button"]')).to.equal(null);
    panel.setAttribute('clearable', '');
    await settle(panel);
    expect(shadow(panel).querySelector('[part="clear-button"]')).to.not.equal(null);
  });

  it('filters by action and finds text inside metadata keys and values', async () => {
    const { panel, client } = await mount();
    client.emit('message', audit('user.login', { user: 'alice', ip: '10.0.0.1' }));
    client.emit('message', audit('user.logout', { user: 'bob' }));
    client.emit('message', audit('instance_kill', { instance_id: 'i-9', reason: 'OOM' }, { level: 'WARNING' }));
    await settle(panel);
    const action = shadow(panel).querySelector<HTMLInputElement>('.action-filter')!;
    action.value = 'USER.';
    action.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did user.login', 'did user.logout']);
    const search = part(panel, 'search') as HTMLInputElement;
    search.value = '10.0.0';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did user.login']);
    expect(part(panel, 'count').textContent).to.equal('1 / 3');
    action.value = '';
    action.dispatchEvent(new Event('input'));
    search.value = 'oom';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did instance_kill']);
    expect([...shadow(panel).querySelectorAll('[part="match"]')].map((m) => m.textContent)).to.deep.equal(['OOM']);
    search.value = 'instance_id';
    search.dispatchEvent(new Event('input'));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did instance_kill']);
  });

  it('exports metadata as JSON in CSV and neutralises formulas in it', async () => {
    const { panel, client } = await mount();
    client.emit('message', audit('=cmd', { note: '=1+1' }, { message: '@admin' }));
    await settle(panel);
    let csv = '';
    panel.addEventListener('logwire-export', (event: LogwireExportEvent) => {
      event.preventDefault();
      csv = event.content;
    });
    button(panel, '.export-csv').click();
    const [header, row] = csv.split('\r\n');
    expect(header).to.equal('type,timestamp,level,logger,action,message,metadata');
    expect(row).to.equal(`audit_log,${panel.entries[0]!.data.timestamp},INFO,app.audit,'=cmd,'@admin,"{""note"":""=1+1""}"`);
  });

  it('renders bidi overrides and markup in actions and metadata as text', async () => {
    const { panel, client } = await mount();
    client.emit('message', audit('delete\u2066user\u2069', { '<b>k</b>': '<img src=x onerror=alert(1)>', actor: 'admin\u202Egnp.exe' }));
    await settle(panel);
    const [cells] = rowCells(panel);
    expect(cells![3]).to.equal('delete⟨U+2066⟩user⟨U+2069⟩');
    expect(cells![5]).to.equal('{"<b>k</b>":"<img src=x onerror=alert(1)>","actor":"admin⟨U+202E⟩gnp.exe"}');
    expect(shadow(panel).querySelectorAll('[part="row"] img, [part="row"] b').length).to.equal(0);
  });

  it('is accessible', async () => {
    const { panel, client } = await mount();
    client.emit('message', audit('user.login', { user: 'alice' }));
    client.emit('gap', { from: '1-0', to: '1-3', reason: 'trimmed', count: 3 });
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
