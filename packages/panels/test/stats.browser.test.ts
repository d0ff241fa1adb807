// The opt-in stats strip in Chromium: entries received and per level (also while paused), a
// sparkline of the last minute, nothing without `stats`, and reset by clear.
import { expect } from 'chai';
import '@logwire/panels/define';
import type { SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { FakeClient, part, settle, shadow, system } from './fake-client.js';

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

const number = (panel: SystemLogPanel, level: string): number =>
  Number(shadow(panel).querySelector(`[part="stats"] .bucket[data-level="${level}"] .number`)!.textContent.replace(/,/g, ''));

afterEach(() => document.body.replaceChildren());

describe('stats strip', () => {
  it('is not shown unless asked for', async () => {
    const { panel } = await mount();
    expect(shadow(panel).querySelector('[part="stats"]')).to.equal(null);
  });

  it('shows entries received, per level (paused included), and a sparkline of the last minute', async () => {
    const { panel, client } = await mount((p) => p.setAttribute('stats', ''));
    const levels = ['INFO', 'INFO', 'INFO', 'WARNING', 'ERROR'];
    for (let i = 0; i < 1500; i++) client.emit('message', system(`m ${i}`, { level: levels[i % 5]! }));
    panel.paused = true;
    await settle(panel);
    for (let i = 0; i < 500; i++) client.emit('message', system(`p ${i}`, { level: 'DEBUG' }));
    await settle(panel);
    const stats = part(panel, 'stats');
    expect(stats.querySelector('.received')!.textContent).to.equal('2,000');
    expect(number(panel, 'INFO')).to.equal(900);
    expect(number(panel, 'WARNING')).to.equal(300);
    expect(number(panel, 'ERROR')).to.equal(300);
    expect(number(panel, 'DEBUG')).to.equal(500);
    expect(number(panel, 'CRITICAL')).to.equal(0);
    // The largest bucket fills its track.
    expect(stats.querySelector<HTMLElement>('.bucket[data-level="INFO"] .fill')!.style.width).to.equal('100%');
    const points = stats.querySelector('polyline')!.getAttribute('points')!.split(' ');
    expect(points).to.have.length(60);
    expect(stats.querySelector('svg')!.getAttribute('role')).to.equal('img');
    panel.clear();
    await settle(panel);
    expect(part(panel, 'stats').querySelector('.received')!.textContent).to.equal('0');
  });

  it('is accessible, in both themes', async () => {
    const { panel, client } = await mount((p) => (p.stats = true));
    client.emit('message', system('one', { level: 'ERROR' }));
    await settle(panel);
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await settle(panel);
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
