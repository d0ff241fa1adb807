import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { until } from '../helpers/wait.js';

// The self-contained module a plain page loads with one <script type="module">. It is the built
// file (npm test builds first), loaded exactly as a page would, with no import map or resolver.
const BUNDLE = '/packages/panels/dist/logwire.bundle.js';

describe('self-contained browser module', () => {
  it('registers both panels and streams logs with nothing else loaded', async () => {
    const module = (await import(/* @vite-ignore */ BUNDLE)) as Record<string, unknown>;
    expect(customElements.get('system-log-panel')).to.equal(module['SystemLogPanel']);
    expect(customElements.get('audit-log-panel')).to.equal(module['AuditLogPanel']);
    expect(module['LogStreamClient']).to.be.a('function');
    expect(module['parse']).to.be.a('function');

    const server = await executeServerCommand<{ id: number; url: string }, undefined>('logwire:start');
    try {
      document.body.innerHTML = `<system-log-panel src="${server.url}"></system-log-panel>`;
      const panel = document.querySelector('system-log-panel')!;
      const live = () => panel.shadowRoot?.querySelector('[part="state"]')?.textContent === 'Live';
      await until(live, 'the panel live');
      await executeServerCommand('logwire:log', { id: server.id, entries: [{ logger: 'bundle.test', message: 'from the bundle' }] });
      const rows = () => [...(panel.shadowRoot?.querySelectorAll('[part="row"] .message') ?? [])].map((cell) => cell.textContent);
      await until(() => rows().length > 0, 'a row from the bundle');
      expect(rows()).to.deep.equal(['from the bundle']);
    } finally {
      document.body.replaceChildren();
      await executeServerCommand('logwire:stop', { id: server.id });
    }
  });
});
