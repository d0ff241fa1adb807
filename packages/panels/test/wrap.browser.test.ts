// Wrapped messages in Chromium: whole messages on as many lines as they need, rows that never
// overlap, still virtualised with 100,000 entries held, following the newest entry, and a detail
// view as high as its content (up to a maximum, then scrolling inside).
import { expect } from 'chai';
import '@logwire/panels/define';
import type { SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { button, FakeClient, part, settle, shadow, system } from './fake-client.js';

async function mount(
  setup: (panel: SystemLogPanel) => void = () => {},
  height = 400,
): Promise<{ panel: SystemLogPanel; client: FakeClient }> {
  const client = new FakeClient();
  const panel = document.createElement('system-log-panel');
  panel.style.height = `${height}px`;
  panel.style.width = '700px';
  setup(panel);
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

const rows = (panel: SystemLogPanel): HTMLElement[] => [...shadow(panel).querySelectorAll<HTMLElement>('[part="row"]')];

/** Rendered rows stack without gaps or overlaps, and each shows its whole message. */
function expectStacked(panel: SystemLogPanel): void {
  const rendered = rows(panel);
  for (let index = 1; index < rendered.length; index++) {
    const above = rendered[index - 1]!.getBoundingClientRect();
    const row = rendered[index]!.getBoundingClientRect();
    expect(Math.abs(row.top - above.bottom), `row ${index} meets the one above`).to.be.below(1);
  }
  for (const row of rendered) {
    const message = row.querySelector<HTMLElement>('.message')!;
    expect(message.scrollHeight, 'message not cut').to.be.at.most(message.clientHeight + 1);
    expect(row.getBoundingClientRect().height).to.be.at.least(message.scrollHeight);
  }
}

async function scrollTo(panel: SystemLogPanel, top: number): Promise<void> {
  const list = part(panel, 'list');
  list.scrollTop = top;
  list.dispatchEvent(new Event('scroll'));
  await settle(panel);
  // Rows measured on this render move the ones below: let the panel render with their heights.
  await settle(panel);
}

const text = (i: number): string =>
  `entry ${i} ` + 'word '.repeat(i % 7 === 0 ? 60 : i % 3) + (i % 11 === 0 ? '\n  at frame one\n  at frame two' : '');

afterEach(() => document.body.replaceChildren());

describe('wrapped messages', () => {
  it('shows whole messages on several lines, with 100,000 entries held and at most 300 rows rendered', async () => {
    const { panel, client } = await mount((p) => {
      p.limit = 100_000;
      p.wrap = true;
    });
    for (let i = 0; i < 100_000; i++) client.emit('message', system(text(i)));
    await settle(panel);
    await settle(panel);
    expect(panel.entries.length).to.equal(100_000);
    expect(rows(panel).length).to.be.at.most(300);
    expect(rows(panel).length).to.be.at.least(5);
    expectStacked(panel);
    // Following: the newest entry's bottom is at the bottom of the list.
    const list = part(panel, 'list').getBoundingClientRect();
    const last = rows(panel).at(-1)!;
    expect(last.querySelector('.message')!.textContent).to.equal(text(99_999));
    expect(Math.abs(last.getBoundingClientRect().bottom - list.bottom)).to.be.below(2);
    // A long message takes several lines.
    const long = rows(panel).find((row) => row.querySelector('.message')!.textContent.length > 200)!;
    expect(long.getBoundingClientRect().height).to.be.at.least(3 * panel.rowHeight);

    // Scrolled to the middle: rows there, still stacked, still at most 300.
    await scrollTo(panel, part(panel, 'list').scrollHeight / 2);
    expect(panel.follow).to.equal(false);
    const shown = rows(panel).map((row) => Number(/entry (\d+)/.exec(row.querySelector('.message')!.textContent)![1]));
    expect(shown.length).to.be.at.most(300);
    expect(shown[0]).to.be.greaterThan(20_000);
    expect(shown.at(-1)).to.be.below(80_000);
    expectStacked(panel);
    // The row at the top of the viewport stays there while measured rows settle.
    const top = rows(panel).find((row) => row.getBoundingClientRect().bottom > list.top)!;
    const seq = top.dataset['seq'];
    const offset = top.getBoundingClientRect().top;
    await settle(panel);
    expect(shadow(panel).querySelector<HTMLElement>(`[data-seq="${seq}"]`)!.getBoundingClientRect().top).to.be.closeTo(offset, 1);
  });

  it('turns on and off from the toolbar', async () => {
    const { panel, client } = await mount();
    client.emit('message', system('word '.repeat(200)));
    await settle(panel);
    const toggle = button(panel, '[part="wrap-toggle"]');
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    expect(rows(panel)[0]!.getBoundingClientRect().height).to.equal(panel.rowHeight);
    toggle.click();
    await settle(panel);
    await settle(panel);
    expect(panel.wrap).to.equal(true);
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(rows(panel)[0]!.getBoundingClientRect().height).to.be.at.least(5 * panel.rowHeight);
    expectStacked(panel);
  });

  it('sizes the detail view to its content: a 40-line stack is readable, and scrolls inside when it is taller than the list', async () => {
    const stack = ['Error: boom', ...Array.from({ length: 39 }, (_, i) => `    at frame${i} (/srv/app/module${i}.js:${i + 1}:7)`)].join(
      '\n',
    );
    const { panel, client } = await mount(() => {}, 1200);
    client.emit('message', system('failed', { level: 'ERROR', stack }));
    client.emit('message', system('after'));
    await settle(panel);
    rows(panel)[0]!.click();
    await settle(panel);
    await settle(panel);
    const detail = part(panel, 'detail');
    expect(detail.scrollHeight, 'the whole stack is shown').to.be.at.most(detail.clientHeight + 1);
    expect(detail.clientHeight).to.be.greaterThan(40 * 16);
    // The next row sits right below the detail view, not under it.
    const next = rows(panel)[1]!.getBoundingClientRect();
    expect(Math.abs(next.top - detail.getBoundingClientRect().bottom)).to.be.below(1);

    const { panel: small, client: smallClient } = await mount(() => {}, 300);
    smallClient.emit('message', system('failed', { level: 'ERROR', stack }));
    await settle(small);
    rows(small)[0]!.click();
    await settle(small);
    await settle(small);
    const inner = part(small, 'detail');
    expect(inner.scrollHeight).to.be.greaterThan(inner.clientHeight);
    expect(inner.getBoundingClientRect().height).to.be.at.most(part(small, 'list').clientHeight);
  });

  it('is accessible with wrapped rows and a detail view, in both themes', async () => {
    const { panel, client } = await mount((p) => (p.wrap = true));
    for (let i = 0; i < 20; i++) client.emit('message', system(text(i)));
    await settle(panel);
    rows(panel)[0]!.click();
    await settle(panel);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await settle(panel);
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
