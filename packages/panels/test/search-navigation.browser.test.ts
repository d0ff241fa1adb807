// Search navigation in Chromium: the number of matches, next / previous (Enter, Shift+Enter, F3,
// the buttons) with the current match scrolled into view and marked, and "Show in context", which
// clears the filters while the entry stays where it is on screen.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type { SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { button, FakeClient, messages, part, settle, shadow, system } from './fake-client.js';

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

const current = (panel: SystemLogPanel): HTMLElement | null =>
  shadow(panel).querySelector<HTMLElement>('[part="row"][aria-current="true"]');
const count = (panel: SystemLogPanel): string => part(panel, 'match-count').textContent ?? '';

function expectInView(panel: SystemLogPanel, row: HTMLElement): void {
  const list = part(panel, 'list').getBoundingClientRect();
  const rect = row.getBoundingClientRect();
  expect(rect.top).to.be.at.least(list.top - 1);
  expect(rect.bottom).to.be.at.most(list.bottom + 1);
}

async function type(panel: SystemLogPanel, text: string): Promise<void> {
  const search = part(panel, 'search') as HTMLInputElement;
  search.focus();
  search.value = text;
  search.dispatchEvent(new Event('input'));
  await settle(panel);
}

afterEach(() => document.body.replaceChildren());

describe('search navigation', () => {
  it('counts matches and steps through them with Enter, Shift+Enter, F3 and the buttons, scrolling each into view', async () => {
    const { panel, client } = await mount((p) => (p.searchAction = 'highlight'));
    for (let i = 0; i < 5000; i++) client.emit('message', system(i % 1000 === 7 ? `needle ${i}` : `hay ${i}`));
    await settle(panel);
    expect(shadow(panel).querySelector('[part="match-count"]')).to.equal(null);
    await type(panel, 'NEEDLE');
    expect(count(panel)).to.equal('5 matches');
    expect(current(panel)).to.equal(null);

    await sendKeys({ press: 'Enter' });
    await settle(panel);
    // No match was current: stepping starts at the top of the viewport (the newest entries), so it wraps to the first.
    expect(count(panel)).to.equal('1 / 5');
    expect(panel.follow).to.equal(false);
    expect(current(panel)!.querySelector('.message')!.textContent).to.equal('needle 7');
    expectInView(panel, current(panel)!);

    await sendKeys({ press: 'Enter' });
    await settle(panel);
    expect(count(panel)).to.equal('2 / 5');
    expect(current(panel)!.querySelector('.message')!.textContent).to.equal('needle 1007');
    expectInView(panel, current(panel)!);

    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await settle(panel);
    expect(count(panel)).to.equal('5 / 5');
    expect(current(panel)!.querySelector('.message')!.textContent).to.equal('needle 4007');
    expectInView(panel, current(panel)!);

    part(panel, 'list').focus();
    await sendKeys({ press: 'F3' });
    await settle(panel);
    expect(count(panel)).to.equal('1 / 5');
    button(panel, '.previous-match').click();
    await settle(panel);
    expect(count(panel)).to.equal('5 / 5');
    button(panel, '.next-match').click();
    await settle(panel);
    expect(count(panel)).to.equal('1 / 5');
    expect(panel.findNext(1)).to.equal(true);
    await settle(panel);
    expect(count(panel)).to.equal('2 / 5');

    // A filtering search counts what it shows; a search with no match steps nowhere.
    panel.searchAction = 'filter';
    await settle(panel);
    expect(messages(panel)).to.have.length(5);
    await type(panel, 'nothing like this');
    expect(count(panel)).to.equal('0 matches');
    expect(panel.findNext(1)).to.equal(false);
  });

  it('"Show in context" clears the filters and keeps the entry where it is on screen', async () => {
    const { panel, client } = await mount();
    for (let i = 0; i < 3000; i++)
      client.emit('message', system(`line ${i}`, { level: i % 100 === 50 ? 'ERROR' : 'INFO', logger: `svc.${i % 4}` }));
    await settle(panel);
    panel.levels = ['ERROR'];
    panel.loggerFilter = 'svc.2';
    await settle(panel);
    expect(part(panel, 'count').textContent).to.equal('30 / 3000');
    const find = (text: string): HTMLElement =>
      [...shadow(panel).querySelectorAll<HTMLElement>('[part="row"]')].find((r) => r.querySelector('.message')!.textContent === text)!;
    find('line 2850').click();
    await settle(panel);
    await settle(panel);
    // Where the entry is in the list (the toolbar above may reflow when the filters change).
    const inList = (row: HTMLElement): number => row.getBoundingClientRect().top - part(panel, 'list').getBoundingClientRect().top;
    const top = inList(find('line 2850'));
    expect(top).to.be.greaterThan(0);
    button(panel, '[part="context-button"]').click();
    await settle(panel);
    await settle(panel);
    expect(panel.levels).to.include.members(['INFO', 'ERROR']);
    expect(panel.loggerFilter).to.equal('');
    expect(part(panel, 'count').textContent).to.equal('3000 / 3000');
    expect(panel.follow).to.equal(false);
    const again = find('line 2850');
    expect(inList(again)).to.be.closeTo(top, 1);
    expect(again.classList.contains('active')).to.equal(true);
    // Its neighbours, hidden before, are around it now.
    expect(messages(panel)).to.include.members(['line 2849', 'line 2851']);
  });

  it('is accessible while stepping through matches, in both themes', async () => {
    const { panel, client } = await mount((p) => (p.searchAction = 'highlight'));
    for (let i = 0; i < 30; i++) client.emit('message', system(i % 5 === 0 ? `match ${i}` : `other ${i}`));
    await settle(panel);
    await type(panel, 'match');
    panel.findNext(1);
    await settle(panel);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await settle(panel);
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
