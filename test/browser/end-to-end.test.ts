import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type { AuditLogPanel, SystemLogPanel } from '@logwire/panels';

interface Started {
  id: number;
  url: string;
}

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - start;
}

function rowTexts(panel: Element): string[] {
  return [...(panel.shadowRoot?.querySelectorAll('[part="row"]') ?? [])].map((row) => [...row.children].map((cell) => cell.textContent?.trim()).join(' '));
}

describe('one log line end to end', () => {
  let server: Started;

  beforeEach(async () => {
    server = (await executeServerCommand('logwire:start')) as Started;
  });

  afterEach(async () => {
    document.body.replaceChildren();
    await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('renders a system line and an audit line in the panels within a second', async () => {
    document.body.innerHTML = `<system-log-panel src="${server.url}"></system-log-panel><audit-log-panel src="${server.url}"></audit-log-panel>`;
    const system = document.querySelector('system-log-panel') as SystemLogPanel;
    const audit = document.querySelector('audit-log-panel') as AuditLogPanel;
    await until(() => system.shadowRoot?.querySelector('[part="state"]')?.textContent === 'Live' && audit.shadowRoot?.querySelector('[part="state"]')?.textContent === 'Live', 5000);

    await executeServerCommand('logwire:log', {
      id: server.id,
      entries: [
        { logger: 'orchestrator.instance_manager', level: 'WARNING', message: 'High memory usage detected', fields: { memory_mb: 512 } },
        { audit: true, logger: 'orchestrator.audit', action: 'instance_spawn', message: 'Instance spawned', metadata: { instance_id: 'abc-123' } },
      ],
    });
    const sent = performance.now();
    await until(() => rowTexts(system).length === 1 && rowTexts(audit).length === 1, 1000);
    expect(performance.now() - sent).to.be.below(1000);

    const [systemRow] = rowTexts(system);
    expect(systemRow).to.match(/^\d\d:\d\d:\d\d\.\d{3} WARNING orchestrator\.instance_manager log-server-plugin executeCommand:\d+ High memory usage detected$/);
    expect(rowTexts(audit)[0]).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO orchestrator\.audit instance_spawn Instance spawned \{"instance_id":"abc-123"\}$/);
    expect(system.shadowRoot?.querySelector('[part="count"]')?.textContent).to.equal('1 / 1');
  });

  it('shares one client between both panels', async () => {
    const { LogStreamClient } = await import('@logwire/client');
    const client = new LogStreamClient(server.url);
    const system = document.createElement('system-log-panel');
    const audit = document.createElement('audit-log-panel');
    system.client = client;
    audit.client = client;
    document.body.append(system, audit);
    await until(() => client.state === 'live', 5000);
    await executeServerCommand('logwire:log', { id: server.id, entries: [{ logger: 'app', message: 'only system' }] });
    await until(() => rowTexts(system).length === 1, 1000);
    expect(rowTexts(audit)).to.deep.equal([]);
    client.close();
  });
});
