import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import type { AuditLogPanel, SystemLogPanel } from '@logwire/panels';
import { until } from '../helpers/wait.js';

interface Started {
  id: number;
  url: string;
}

function rowTexts(panel: Element): string[] {
  return [...(panel.shadowRoot?.querySelectorAll('[part="row"]') ?? [])].map((row) =>
    [...row.children].map((cell) => cell.textContent?.trim()).join(' '),
  );
}

describe('one log line end to end', () => {
  let server: Started;

  beforeEach(async () => {
    server = await executeServerCommand<Started, undefined>('logwire:start');
  });

  afterEach(async () => {
    document.body.replaceChildren();
    await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('renders a system line and an audit line in the panels', async () => {
    // Wide enough for every default column (narrower panels leave secondary columns to the detail view).
    document.body.innerHTML = `<system-log-panel style="width: 1200px" src="${server.url}"></system-log-panel><audit-log-panel style="width: 1200px" src="${server.url}"></audit-log-panel>`;
    const system = document.querySelector('system-log-panel') as SystemLogPanel;
    const audit = document.querySelector('audit-log-panel') as AuditLogPanel;
    const state = (panel: Element) => panel.shadowRoot?.querySelector('[part="state"]')?.textContent;
    await until(() => state(system) === 'Live' && state(audit) === 'Live', 'both panels live');

    await executeServerCommand('logwire:log', {
      id: server.id,
      entries: [
        { logger: 'orchestrator.instance_manager', level: 'WARNING', message: 'High memory usage detected', fields: { memory_mb: 512 } },
        {
          audit: true,
          logger: 'orchestrator.audit',
          action: 'instance_spawn',
          message: 'Instance spawned',
          metadata: { instance_id: 'abc-123' },
        },
      ],
    });
    // How fast a line arrives is measured by bench/latency.mjs; this checks what arrives.
    await until(() => rowTexts(system).length === 1 && rowTexts(audit).length === 1, 'one row in each panel');

    const [systemRow] = rowTexts(system);
    expect(systemRow).to.match(
      /^\d\d:\d\d:\d\d\.\d{3} WARNING orchestrator\.instance_manager log-server-plugin executeCommand:\d+ High memory usage detected$/,
    );
    expect(rowTexts(audit)[0]).to.match(
      /^\d\d:\d\d:\d\d\.\d{3} INFO orchestrator\.audit instance_spawn Instance spawned \{"instance_id":"abc-123"\}$/,
    );
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
    await until(() => client.state === 'live', 'the shared client live');
    await executeServerCommand('logwire:log', { id: server.id, entries: [{ logger: 'app', message: 'only system' }] });
    await until(() => rowTexts(system).length === 1, 'the row in the system panel');
    // Both panels get each message from the shared client in the same call and render it the same
    // way, so once the system row shows, an audit row would have shown too.
    expect(rowTexts(audit)).to.deep.equal([]);
    client.close();
  });
});
