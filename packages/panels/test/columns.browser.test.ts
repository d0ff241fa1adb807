// Columns in Chromium: the message column's width at 320 … 1600 px, header cells that never
// overlap, the `columns` attribute with field columns, resizing by keyboard and by pointer,
// hiding from the header menu, widths kept per persist-key, and CSV following the columns.
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type { AuditLogPanel, LogwireExportEvent, SystemLogPanel } from '@logwire/panels';
import { axeViolations } from './axe.js';
import { audit, button, FakeClient, part, settle, shadow, system } from './fake-client.js';

type Panel = SystemLogPanel | AuditLogPanel;

async function mount<P extends Panel>(tag: 'system-log-panel' | 'audit-log-panel', width: number, setup: (panel: P) => void = () => {}) {
  const client = new FakeClient();
  const panel = document.createElement(tag) as P;
  panel.style.height = '400px';
  panel.style.width = `${width}px`;
  setup(panel);
  panel.client = client.asClient();
  document.body.append(panel);
  await settle(panel);
  return { panel, client };
}

const titles = (panel: Panel): string[] =>
  [...shadow(panel).querySelectorAll('[part="column-header"] .column-title .title')].map((title) => title.textContent ?? '');
const headerCells = (panel: Panel): DOMRect[] =>
  [...shadow(panel).querySelectorAll('[part="column-header"] .column-title')].map((cell) => cell.getBoundingClientRect());
const cell = (panel: Panel, column: string): HTMLElement =>
  shadow(panel).querySelector<HTMLElement>(`[part="row"] [data-column="${column}"]`)!;
const separator = (panel: Panel, column: string): HTMLElement =>
  shadow(panel).querySelector<HTMLElement>(`[data-column="${column}"] [role="separator"]`)!;

function expectNoOverlap(panel: Panel): void {
  const cells = headerCells(panel);
  const box = panel.getBoundingClientRect();
  for (let index = 0; index < cells.length; index++) {
    const rect = cells[index]!;
    expect(rect.width, `header cell ${index} width`).to.be.greaterThan(0);
    expect(rect.left, `header cell ${index} left`).to.be.at.least(box.left);
    expect(rect.right, `header cell ${index} right`).to.be.at.most(box.right);
    if (index > 0) expect(rect.left, `header cell ${index} overlaps the one before`).to.be.at.least(cells[index - 1]!.right);
  }
}

afterEach(() => {
  document.body.replaceChildren();
  localStorage.clear();
});

describe('panel columns', () => {
  for (const tag of ['system-log-panel', 'audit-log-panel'] as const) {
    it(`${tag}: the message takes the remaining width, secondary columns collapse when narrow, nothing overlaps`, async () => {
      const widths: Record<number, number> = {};
      for (const width of [320, 450, 900, 1600]) {
        const { panel, client } = await mount<Panel>(tag, width);
        client.emit('message', tag === 'system-log-panel' ? system('a message to read') : audit('user.login', { user_id: 'u1' }));
        await settle(panel);
        expectNoOverlap(panel);
        const message = cell(panel, 'message').getBoundingClientRect();
        widths[width] = message.width;
        // The message never leaves the panel, and gets at least 100 px.
        expect(message.right, `${width} px`).to.be.at.most(panel.getBoundingClientRect().right);
        expect(message.width, `${width} px`).to.be.at.least(100);
        if (width < 600) expect(titles(panel), `${width} px`).to.deep.equal(['Time', 'Level', 'Message']);
        else expect(titles(panel).length, `${width} px`).to.be.greaterThan(3);
        // The collapsed columns stay in the detail view.
        shadow(panel).querySelector<HTMLElement>('[part="row"]')!.click();
        await settle(panel);
        const keys = [...part(panel, 'detail').querySelectorAll('.key')].map((key) => key.textContent);
        expect(keys).to.include('logger');
        panel.remove();
      }
      // At 1600 px the message has most of the row (every column shown).
      expect(widths[1600]).to.be.greaterThan(800);
      expect(widths[900]).to.be.greaterThan(220);
    });
  }

  it('shows built-in and field columns chosen by `columns`, dotted paths and audit metadata included', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', 1200, (p) =>
      p.setAttribute('columns', 'time level logger message user_id status_code request.ip'),
    );
    client.emit('message', system('GET /', { user_id: 'u-7', status_code: 404, request: { ip: '10.0.0.1' } }));
    await settle(panel);
    expect(titles(panel)).to.deep.equal(['Time', 'Level', 'Logger', 'Message', 'user_id', 'status_code', 'request.ip']);
    expect(cell(panel, 'user_id').textContent).to.equal('u-7');
    expect(cell(panel, 'status_code').textContent).to.equal('404');
    expect(cell(panel, 'request.ip').textContent).to.equal('10.0.0.1');
    expectNoOverlap(panel);

    const { panel: auditPanel, client: auditClient } = await mount<AuditLogPanel>('audit-log-panel', 1200, (p) => {
      p.columns = ['time', 'action', 'user_id', 'metadata.details.role'];
    });
    auditClient.emit('message', audit('instance_spawn', { user_id: 'alice', details: { role: 'architect' } }));
    await settle(auditPanel);
    // The message always shows, last when not chosen.
    expect(titles(auditPanel)).to.deep.equal(['Time', 'Action', 'user_id', 'metadata.details.role', 'Message']);
    expect(cell(auditPanel, 'user_id').textContent).to.equal('alice');
    expect(cell(auditPanel, 'metadata.details.role').textContent).to.equal('architect');
  });

  it('resizes a column with the keyboard and by dragging its separator, and keeps widths per persist-key', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', 1400, (p) => (p.persistKey = 'cols-a'));
    client.emit('message', system('hello'));
    await settle(panel);
    const logger = separator(panel, 'logger');
    expect(logger.getAttribute('aria-orientation')).to.equal('vertical');
    const before = Number(logger.getAttribute('aria-valuenow'));
    logger.focus();
    await sendKeys({ press: 'ArrowRight' });
    await settle(panel);
    expect(Number(separator(panel, 'logger').getAttribute('aria-valuenow'))).to.equal(before + 10);
    expect(Math.round(cell(panel, 'logger').getBoundingClientRect().width)).to.equal(before + 10);
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await settle(panel);
    expect(Number(separator(panel, 'logger').getAttribute('aria-valuenow'))).to.equal(before - 10);

    // Drag the module column's right edge 60 px to the right.
    const module = separator(panel, 'module');
    const start = Number(module.getAttribute('aria-valuenow'));
    const rect = module.getBoundingClientRect();
    const y = Math.round(rect.top + rect.height / 2);
    const x = Math.round(rect.left + rect.width / 2);
    await sendMouse({ type: 'move', position: [x, y] });
    await sendMouse({ type: 'down' });
    await sendMouse({ type: 'move', position: [x + 30, y] });
    await sendMouse({ type: 'move', position: [x + 60, y] });
    await sendMouse({ type: 'up' });
    await settle(panel);
    expect(Number(separator(panel, 'module').getAttribute('aria-valuenow'))).to.equal(start + 60);
    expectNoOverlap(panel);

    // Another panel with the same key starts with those widths; one with another key does not.
    const { panel: same } = await mount<SystemLogPanel>('system-log-panel', 1400, (p) => (p.persistKey = 'cols-a'));
    expect(Number(separator(same, 'module').getAttribute('aria-valuenow'))).to.equal(start + 60);
    expect(Number(separator(same, 'logger').getAttribute('aria-valuenow'))).to.equal(before - 10);
    const { panel: other } = await mount<SystemLogPanel>('system-log-panel', 1400, (p) => (p.persistKey = 'cols-b'));
    expect(Number(separator(other, 'module').getAttribute('aria-valuenow'))).to.equal(start);
  });

  it('hides and shows columns from the header menu; CSV export follows the columns shown', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', 1400, (p) => {
      p.persistKey = 'cols-menu';
      p.setAttribute('columns', 'time level logger module message user_id');
    });
    client.emit('message', system('hello', { user_id: 'u-1' }));
    await settle(panel);
    const menu = part(panel, 'column-menu') as HTMLDetailsElement;
    menu.querySelector('summary')!.click();
    await settle(panel);
    expect(menu.open).to.equal(true);
    const box = (name: string): HTMLInputElement => menu.querySelector<HTMLInputElement>(`input[data-column="${name}"]`)!;
    expect(box('message').disabled).to.equal(true);
    box('module').click();
    box('logger').click();
    await settle(panel);
    expect(titles(panel)).to.deep.equal(['Time', 'Level', 'Message', 'user_id']);
    let csv = '';
    panel.addEventListener('logwire-export', (event: LogwireExportEvent) => {
      event.preventDefault();
      csv = event.content;
    });
    button(panel, '.export-csv').click();
    expect(csv.split('\r\n')[0]).to.equal('type,timestamp,level,message,fields,user_id');
    expect(csv.split('\r\n')[1]).to.match(/,u-1$/);
    // Kept with the persist-key.
    const { panel: again } = await mount<SystemLogPanel>('system-log-panel', 1400, (p) => {
      p.persistKey = 'cols-menu';
      p.setAttribute('columns', 'time level logger module message user_id');
    });
    expect(titles(again)).to.deep.equal(['Time', 'Level', 'Message', 'user_id']);
    box('logger').click();
    await settle(panel);
    expect(titles(panel)).to.deep.equal(['Time', 'Level', 'Logger', 'Message', 'user_id']);
  });

  it('is accessible with the column menu open, in both themes', async () => {
    const { panel, client } = await mount<SystemLogPanel>('system-log-panel', 900, (p) =>
      p.setAttribute('columns', 'time level logger message user_id'),
    );
    client.emit('message', system('hello', { user_id: 'u-1' }));
    await settle(panel);
    (part(panel, 'column-menu') as HTMLDetailsElement).open = true;
    for (const theme of ['light', 'dark']) {
      panel.setAttribute('theme', theme);
      await settle(panel);
      expect(await axeViolations(panel), theme).to.deep.equal([]);
    }
  });
});
