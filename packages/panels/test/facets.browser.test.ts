// Facets in Chromium: counts of chosen fields over the entries held, equal to a recount through
// eviction, pause, changed and cleared filters and clear; a click filters to a value, an Alt-click
// hides it, the chips remove filters, and the detail view's values offer the same.
import { expect } from 'chai';
import '@logwire/panels/define';
import type { AuditLogPanel, SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { audit, button, FakeClient, messages, part, settle, shadow, system } from './fake-client.js';

async function mount<P extends SystemLogPanel | AuditLogPanel>(
  tag: 'system-log-panel' | 'audit-log-panel',
  setup: (panel: P) => void = () => {},
) {
  const client = new FakeClient();
  const panel = document.createElement(tag) as P;
  panel.style.height = '400px';
  panel.style.width = '1000px';
  setup(panel);
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

/** Counts of a field's values over the entries held, from scratch. */
function recount(panel: SystemLogPanel, field: 'level' | 'logger'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of panel.entries) {
    const value = String(entry.data[field]);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

function expectExact(panel: SystemLogPanel): void {
  for (const field of ['level', 'logger'] as const) {
    expect(new Map(panel.facetCounts(field)), field).to.deep.equal(recount(panel, field));
    // What the strip shows is what is counted.
    for (const value of shadow(panel).querySelectorAll<HTMLElement>(`.facet[data-field="${field}"] [part="facet-value"]`)) {
      expect(Number(value.querySelector('.facet-count')!.textContent), `${field} ${value.dataset['value']}`).to.equal(
        recount(panel, field).get(value.dataset['value']!),
      );
    }
  }
}

const facetValue = (panel: Element, field: string, value: string): HTMLButtonElement =>
  shadow(panel).querySelector<HTMLButtonElement>(`.facet[data-field="${field}"] [part="facet-value"][data-value="${value}"]`)!;

const levels = ['INFO', 'INFO', 'WARNING', 'ERROR', 'DEBUG'];
const entry = (i: number) => system(`m ${i}`, { level: levels[i % levels.length]!, logger: `svc.${i % 3}` });

afterEach(() => document.body.replaceChildren());

describe('facets', () => {
  it('keeps counts exact under eviction, pause, filters and clear', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', (p) => {
      p.limit = 50;
      p.setAttribute('facets', 'level logger');
    });
    for (let i = 0; i < 137; i++) client.emit('message', entry(i));
    await settle(panel);
    expect(panel.entries.length).to.equal(50);
    expectExact(panel);
    expect(facetValue(panel, 'level', 'INFO').textContent).to.contain('INFO');

    // Paused: what arrives is buffered, not held, so not counted until the resume.
    panel.paused = true;
    await settle(panel);
    for (let i = 137; i < 170; i++) client.emit('message', entry(i));
    await settle(panel);
    expectExact(panel);
    panel.paused = false;
    await settle(panel);
    expectExact(panel);

    // Filters change what is shown, not what is held: the counts stay.
    panel.levels = ['ERROR'];
    await settle(panel);
    expectExact(panel);
    panel.levels = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
    await settle(panel);
    expectExact(panel);

    // Fields chosen later are counted over what is held.
    panel.facets = ['module'];
    await settle(panel);
    expect(panel.facetCounts('module').get('core')).to.equal(50);
    panel.facets = ['level', 'logger'];
    panel.clear();
    await settle(panel);
    expect(panel.facetCounts('level').size).to.equal(0);
    client.emit('message', entry(1));
    await settle(panel);
    expectExact(panel);
  });

  it('filters to a value on click, hides it on Alt-click, and removes filters from their chips', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', (p) => (p.facets = ['level', 'logger']));
    for (let i = 0; i < 30; i++) client.emit('message', entry(i));
    await settle(panel);
    facetValue(panel, 'logger', 'svc.1').click();
    await settle(panel);
    expect(panel.valueFilters).to.deep.equal([{ field: 'logger', value: 'svc.1' }]);
    expect(part(panel, 'count').textContent).to.equal('10 / 30');
    expect(facetValue(panel, 'logger', 'svc.1').getAttribute('aria-pressed')).to.equal('true');
    facetValue(panel, 'level', 'INFO').dispatchEvent(new MouseEvent('click', { altKey: true, bubbles: true }));
    await settle(panel);
    expect(panel.valueFilters).to.deep.equal([
      { field: 'logger', value: 'svc.1' },
      { field: 'level', value: 'INFO', exclude: true },
    ]);
    expect(part(panel, 'count').textContent).to.equal('6 / 30');
    const chips = [...shadow(panel).querySelectorAll('[part="value-filter"]')].map((chip) => chip.textContent.replace(/\s+/g, ' ').trim());
    expect(chips).to.deep.equal(['logger = svc.1×', 'level ≠ INFO×']);
    button(panel, '[part="value-filter"] .remove-filter').click();
    await settle(panel);
    expect(panel.valueFilters).to.deep.equal([{ field: 'level', value: 'INFO', exclude: true }]);
    expect(part(panel, 'count').textContent).to.equal('18 / 30');
  });

  it('offers the same from the detail view, into the audit metadata', async () => {
    const { panel, client } = await mount<AuditLogPanel>('audit-log-panel', (p) => p.setAttribute('facets', 'action user_id'));
    client.emit('message', audit('login', { user_id: 'alice', ip: '10.0.0.1' }));
    client.emit('message', audit('login', { user_id: 'bob', ip: '10.0.0.2' }));
    client.emit('message', audit('logout', { user_id: 'alice', ip: '10.0.0.1' }));
    await settle(panel);
    expect(new Map(panel.facetCounts('user_id'))).to.deep.equal(
      new Map([
        ['alice', 2],
        ['bob', 1],
      ]),
    );
    shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
    await settle(panel);
    const detail = part(panel, 'detail');
    const ip = [...detail.querySelectorAll('li')].find((li) => li.querySelector(':scope > .key')?.textContent === 'ip')!;
    ip.querySelector<HTMLButtonElement>('.filter-to')!.click();
    await settle(panel);
    expect(panel.valueFilters).to.deep.equal([{ field: 'metadata.ip', value: '10.0.0.1' }]);
    expect(messages(panel)).to.deep.equal(['did login', 'did logout']);
    panel.valueFilters = [];
    await settle(panel);
    // The first entry is still expanded.
    const user = [...part(panel, 'detail').querySelectorAll('li')].find(
      (li) => li.querySelector(':scope > .key')?.textContent === 'user_id',
    )!;
    user.querySelector<HTMLButtonElement>('.filter-out')!.click();
    await settle(panel);
    expect(messages(panel)).to.deep.equal(['did login']);
  });

  it('is accessible with facets and filters, in both themes', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', (p) => (p.facets = ['level', 'logger']));
    for (let i = 0; i < 30; i++) client.emit('message', entry(i));
    await settle(panel);
    facetValue(panel, 'logger', 'svc.1').click();
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
