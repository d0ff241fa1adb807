// The panels against real logwire servers over real WebSockets in Chromium.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import { until } from '../../../test/helpers/wait.js';
import { LogStreamClient } from '@logwire/client';
import type { SystemLogPanel } from '@logwire/panels';

interface Started {
  id: number;
  url: string;
}

const text = (panel: Element, selector: string) => panel.shadowRoot?.querySelector(selector)?.textContent ?? '';
const messages = (panel: Element) =>
  [...(panel.shadowRoot?.querySelectorAll('[part="row"] .message') ?? [])].map((cell) => cell.textContent);

describe('panels with a real server', () => {
  const started: Started[] = [];
  const start = async (command = 'logwire:start', payload?: unknown): Promise<Started> => {
    const server = await executeServerCommand<Started, unknown>(command, payload);
    started.push(server);
    return server;
  };

  afterEach(async () => {
    document.body.replaceChildren();
    for (const server of started.splice(0)) await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('works with only a src attribute: live state, 5,000 streamed lines virtualised, filters on real data', async () => {
    const server = await start();
    document.body.innerHTML = `<system-log-panel src="${server.url}" limit="100000" style="height: 400px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => text(panel, '[part="state"]') === 'Live', 'live');
    await executeServerCommand('logwire:burst', {
      id: server.id,
      count: 5000,
      levels: ['INFO', 'WARNING', 'ERROR', 'CRITICAL'],
      prefix: 'line',
    });
    await until(() => text(panel, '[part="count"]') === '5000 / 5000', 'all 5,000 counted');
    expect(panel.shadowRoot!.querySelectorAll('[part="row"]').length).to.be.at.most(300);
    await until(() => messages(panel).at(-1) === 'line 4999', 'newest line rendered');
    panel.levels = ['ERROR'];
    panel.search = 'line 4';
    const expected = Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 4 === 2 && String(i).startsWith('4')).length;
    await until(() => text(panel, '[part="count"]') === `${expected} / 5000`, 'filtered count');
    expect(messages(panel).every((message) => message.startsWith('line 4'))).to.equal(true);
    expect(messages(panel).at(-1)).to.equal('line 4998');
  });

  it('shares one client (one socket) between both panels', async () => {
    const server = await start();
    let sockets = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
      }
    }
    const client = new LogStreamClient(server.url, { WebSocket: CountingWebSocket });
    const system = document.createElement('system-log-panel');
    const audit = document.createElement('audit-log-panel');
    system.client = client;
    audit.client = client;
    document.body.append(system, audit);
    await until(() => text(system, '[part="state"]') === 'Live' && text(audit, '[part="state"]') === 'Live', 'both live');
    await executeServerCommand('logwire:log', {
      id: server.id,
      entries: [
        { logger: 'app', message: 'system line' },
        { audit: true, logger: 'app.audit', action: 'user.login', message: 'logged in', metadata: { user: 'alice' } },
      ],
    });
    await until(() => messages(system).length === 1 && messages(audit).length === 1, 'both panels got their line');
    expect(messages(system)).to.deep.equal(['system line']);
    expect(messages(audit)).to.deep.equal(['logged in']);
    expect(sockets).to.equal(1);
    client.close();
  });

  it('shows an inline gap marker from a gap frame and the offline state when the server goes away', async () => {
    const raw = await start('logwire:raw-start', {
      frames: [
        {
          type: 'system_log',
          id: '1000-0',
          data: {
            timestamp: '2026-01-01T00:00:00.000Z',
            level: 'INFO',
            logger: 'a',
            message: 'before',
            module: 'm',
            function: 'f',
            line: 1,
          },
        },
        { type: 'gap', data: { from: '1000-0', to: '1000-42', reason: 'dropped', count: 42 } },
        {
          type: 'system_log',
          id: '1000-43',
          data: {
            timestamp: '2026-01-01T00:00:01.000Z',
            level: 'INFO',
            logger: 'a',
            message: 'after',
            module: 'm',
            function: 'f',
            line: 1,
          },
        },
      ],
    });
    document.body.innerHTML = `<system-log-panel src="${raw.url}" style="height: 300px"></system-log-panel>`;
    const panel = document.querySelector('system-log-panel') as SystemLogPanel;
    await until(() => messages(panel).length === 2, 'both lines');
    const rows = [...panel.shadowRoot!.querySelectorAll('[part="row"], [part="gap"]')].map((row) =>
      row.getAttribute('part') === 'gap' ? row.textContent : row.querySelector('.message')!.textContent,
    );
    expect(rows).to.deep.equal(['before', '~42 messages missing, dropped', 'after']);
    await executeServerCommand('logwire:stop', { id: raw.id });
    started.length = 0;
    await until(() => ['Offline', 'Connecting…'].includes(text(panel, '[part="state"]')), 'offline after the server stopped');
  });
});
