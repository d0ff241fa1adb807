// The incident bundle in Chromium: exported from a live audit panel (a real server with the
// trail and signed checkpoints), dropped as a file on another panel, shown offline with its
// verification result; an altered bundle is shown broken at the altered entry.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import { until } from '../../../test/helpers/wait.js';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
  history: string;
}

const root = (panel: Element): ShadowRoot => panel.shadowRoot!;
const status = (panel: Element): string => root(panel).querySelector('[part="chain-status"]')?.textContent?.trim() ?? '';

function drop(panel: Element, text: string): void {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], 'audit-bundle.json', { type: 'application/json' }));
  panel.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
}

describe('audit panel: incident bundle', () => {
  let server: Started | undefined;

  afterEach(async () => {
    document.body.replaceChildren();
    if (server !== undefined) await executeServerCommand('logwire:stop', { id: server.id });
    server = undefined;
  });

  it('exports what it shows with filters, chain fields and the newest checkpoint; a dropped bundle is shown offline, verified', async () => {
    server = await executeServerCommand<Started, unknown>('logwire:history-start', {
      audit: { integrityKey: 'bundle-test-key', checkpointIntervalMs: 1, fsyncIntervalMs: 5 },
    });
    const live = document.createElement('audit-log-panel');
    live.src = server.url;
    document.body.append(live);
    await executeServerCommand('logwire:audit-burst', { id: server.id, count: 12 });
    await until(() => live.chain.verifier.summary().checkpoint?.seq === 13, 'the checkpoint of line 13');
    live.search = 'transfer 1';
    await live.updateComplete;
    const text = live.exportBundle();
    const bundle = JSON.parse(text) as { items: { data: { message: string } }[]; filters: { search: string }; checkpoint: { seq: number } };
    expect(bundle.items.map((item) => item.data.message)).to.deep.equal(['transfer 1', 'transfer 10', 'transfer 11']);
    expect(bundle.filters.search).to.equal('transfer 1');
    expect(bundle.checkpoint.seq).to.equal(13);

    live.remove();
    const offline = document.createElement('audit-log-panel');
    document.body.append(offline);
    drop(offline, text);
    await until(
      () => status(offline) === '✓ Chain verified through #13',
      () => `verified through #13, status "${status(offline)}"`,
    );
    expect(offline.search).to.equal('transfer 1');
    expect(offline.entries.map((m) => m.data.message)).to.deep.equal(['transfer 1', 'transfer 10', 'transfer 11']);
    // Only lines 3, 12 and 13 are in the bundle: the checkpoint (line 13) matches; the others are holes.
    expect(offline.chain.verifier.summary()).to.deep.include({ checked: 3, holes: 1, breaks: 0, checkpoint: { seq: 13, matched: true } });
    expect(root(offline).querySelector('[part="bundle-status"]')?.textContent).to.equal('Showing an exported bundle (offline)');
    expect(await axeViolations(offline)).to.deep.equal([]);

    drop(offline, text.replace('"message": "transfer 10"', '"message": "transfer 99"'));
    await until(
      () => status(offline) === '⚠ Chain broken at #12',
      () => `broken at #12, status "${status(offline)}"`,
    );
  });
});
