// The toolbar's field filter in Chromium with a client the app passes: what is typed is read by the
// protocol's parser, filters the rows held (the audit panel's metadata too), an invalid expression
// is not applied and is said inline (aria-invalid, aria-describedby), the app's client is left as
// it is, and the panel is accessible in both themes.
import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import '@logwire/panels/define';
import type { AuditLogPanel, SystemLogPanel } from '@logwire/panels';
import { fieldParams, parseFieldFilter } from '../src/base/field-filter-input.js';
import { axeViolations } from './axe.js';
import { audit, FakeClient, messages, part, settle, shadow, system } from './fake-client.js';

async function mount<P extends SystemLogPanel | AuditLogPanel>(tag: 'system-log-panel' | 'audit-log-panel') {
  const client = new FakeClient();
  const panel = document.createElement(tag) as P;
  panel.style.height = '400px';
  panel.style.width = '1000px';
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

const input = (panel: Element): HTMLInputElement => part(panel, 'field-filter') as HTMLInputElement;

describe('panels: the field filter', () => {
  afterEach(() => document.body.replaceChildren());

  it('reads expressions with the protocol parser and writes them as the query API parameters', () => {
    const parsed = parseFieldFilter('  user_id=42   status_code>=500 method=GET,POST path=/api/* trace_id !error x>3 y<4 z!=a z<=9 ');
    expect(parsed.ok).to.equal(true);
    const constraints = parsed.ok ? parsed.constraints : [];
    expect(fieldParams(constraints)).to.deep.equal([
      ['field.user_id', '42'],
      ['field.status_code>', '500'],
      ['field.method', 'GET,POST'],
      ['field.path', '/api/*'],
      ['field.trace_id', ''],
      ['field.!error', ''],
      ['field.x>3', ''],
      ['field.y<4', ''],
      ['field.z!', 'a'],
      ['field.z<', '9'],
    ]);
    expect(parseFieldFilter('')).to.deep.equal({ ok: true, constraints: [] });
    const bad = parseFieldFilter('user_id=42 __proto__.x=1');
    expect(bad.ok).to.equal(false);
    expect(bad.ok ? '' : bad.message).to.contain('__proto__');
    expect(parseFieldFilter(Array.from({ length: 17 }, (_, i) => `f${i}=1`).join(' ')).ok).to.equal(false);
  });

  it('shows only the entries whose fields pass, typed in the toolbar, and leaves the app client alone', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel');
    let subscribed = false;
    (client as unknown as { setFilter: () => void }).setFilter = () => (subscribed = true);
    for (let i = 0; i < 10; i++) client.emit('message', system(`request ${i}`, { user_id: i % 3, status_code: 200 + 100 * (i % 4) }));
    await settle(panel);
    input(panel).focus();
    await sendKeys({ type: 'user_id=1 status_code>=300' });
    await settle(panel);
    expect(panel.fieldFilter).to.equal('user_id=1 status_code>=300');
    // i = 1 (300), 4 (200: no), 7 (500)
    expect(messages(panel)).to.deep.equal(['request 1', 'request 7']);
    expect(panel.filteredEntries.map((entry) => entry.data.message)).to.deep.equal(['request 1', 'request 7']);
    expect(input(panel).getAttribute('aria-invalid')).to.equal('false');
    expect(input(panel).hasAttribute('aria-describedby')).to.equal(false);
    // New entries are filtered as they arrive.
    client.emit('message', system('request 10', { user_id: 1, status_code: 404 }));
    client.emit('message', system('request 11', { user_id: 2, status_code: 404 }));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['request 1', 'request 7', 'request 10']);
    expect(subscribed).to.equal(false);

    // Show in context clears it with the other filters.
    panel.showInContext(panel.filteredEntries[0]!);
    await settle(panel);
    expect(panel.fieldFilter).to.equal('');
    expect(messages(panel)).to.have.length(12);
  });

  it('says inline why an invalid expression is not applied, and applies nothing meanwhile', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel');
    for (let i = 0; i < 4; i++) client.emit('message', system(`line ${i}`, { user_id: i }));
    panel.fieldFilter = 'user_id=2';
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['line 2']);
    panel.fieldFilter = 'user_id=2 status_code>';
    await settle(panel);
    expect(messages(panel)).to.have.length(4);
    const field = input(panel);
    expect(field.getAttribute('aria-invalid')).to.equal('true');
    const error = shadow(panel).getElementById(field.getAttribute('aria-describedby')!)!;
    expect(error.getAttribute('part')).to.equal('field-filter-error');
    expect(error.textContent).to.contain('Field filter not applied').and.contain('needs a value after >');
    expect(error.getBoundingClientRect().height).to.be.greaterThan(0);
    panel.fieldFilter = 'user_id=2,3';
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['line 2', 'line 3']);
    expect(field.getAttribute('aria-invalid')).to.equal('false');
    expect(part(panel, 'field-filter-error').getBoundingClientRect().height).to.equal(0);
  });

  it('reads the audit panel metadata and the field-filter attribute, and is accessible in both themes', async () => {
    document.body.innerHTML = '<audit-log-panel field-filter="user_id=42" style="height: 400px; width: 1000px"></audit-log-panel>';
    const panel = document.querySelector('audit-log-panel') as AuditLogPanel;
    const client = new FakeClient();
    panel.client = client.asClient();
    await settle(panel);
    client.emit('message', audit('login', { user_id: 42 }));
    client.emit('message', audit('login', { user_id: 7 }));
    client.emit('message', audit('logout', { user_id: '42' }));
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did login', 'did logout']);
    for (const text of ['user_id=42', 'user_id>']) {
      panel.fieldFilter = text;
      for (const theme of ['light', 'dark']) {
        panel.setAttribute('theme', theme);
        await settle(panel);
        expect(await axeViolations(panel), `${theme} ${text}`).to.deep.equal([]);
      }
    }
  });
});
