// The active-alerts banner against a real server with alerts and an authenticate hook, in Chromium.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import '@logwire/panels/define';
import { LogStreamClient } from '@logwire/client';
import type { AuditLogPanel, SystemLogPanel } from '@logwire/panels';
import { until } from '../../../test/helpers/wait.js';
import { axeViolations } from './axe.js';

interface Started {
  id: number;
  url: string;
}

type Panel = SystemLogPanel | AuditLogPanel;

const banner = (panel: Element) => panel.shadowRoot?.querySelector<HTMLElement>('[part="alerts"]') ?? null;
const bannerText = (panel: Element) => banner(panel)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const button = (panel: Element, part: string) => panel.shadowRoot!.querySelector<HTMLButtonElement>(`[part="${part}"]`)!;

describe('alerts banner with a real server', () => {
  let server: Started | undefined;
  const clients: LogStreamClient[] = [];

  beforeEach(async () => {
    server = await executeServerCommand<Started, unknown>('logwire:alerts-start', {});
  });

  afterEach(async () => {
    document.body.replaceChildren();
    for (const client of clients.splice(0)) client.close();
    await executeServerCommand('logwire:stop', { id: server!.id });
  });

  // Two panels on their own clients, as two viewers (or the page after a reload: a new connection).
  const mount = async (
    token: string,
    tags = ['system-log-panel', 'audit-log-panel'],
    url = server!.url,
  ): Promise<[SystemLogPanel, AuditLogPanel]> => {
    const [system, audit] = tags.map((tag) => document.createElement(tag)) as [SystemLogPanel, AuditLogPanel];
    for (const panel of [system, audit].filter(Boolean) as Panel[]) {
      const client = new LogStreamClient(url, { token });
      clients.push(client);
      panel.client = client;
      panel.style.height = '300px';
      document.body.append(panel);
    }
    await until(
      () => [system, audit].filter(Boolean).every((panel) => panel.shadowRoot?.querySelector('[part="state"]')?.textContent === 'Live'),
      'live',
    );
    return [system, audit];
  };

  const fire = async () => {
    const entries = [1, 2, 3].map((i) => ({ logger: 'app', level: 'ERROR', message: `boom ${i}` }));
    await executeServerCommand('logwire:log', { id: server!.id, entries });
    const statuses = await executeServerCommand<string[], unknown>('logwire:alerts-evaluate', { id: server!.id });
    expect(statuses).to.deep.equal(['firing']);
  };

  it('shows a firing alert in every connected panel, again after a reload, and records an acknowledgement by the authenticated user', async () => {
    const panels = await mount('ops');
    expect(banner(panels[0])).to.equal(null, 'no banner while no alert is active');
    await fire();
    for (const panel of panels) await until(() => bannerText(panel).includes('errors Firing'), 'banner in both panels');
    expect(bannerText(panels[0])).to.match(/more than 2/i);

    // A reload: new panels on new connections show the alert from the welcome replay.
    document.body.replaceChildren();
    for (const client of clients.splice(0)) client.close();
    const [system, audit] = await mount('ops');
    for (const panel of [system, audit]) await until(() => bannerText(panel).includes('errors Firing'), 'banner after reload');

    button(system, 'alert-ack').click();
    for (const panel of [system, audit]) await until(() => bannerText(panel).includes('Acknowledged by ops'), 'acknowledgement everywhere');
    const audits = await executeServerCommand<{ action: string; metadata: Record<string, unknown> }[], unknown>('logwire:alerts-audits', {
      id: server!.id,
    });
    expect(audits).to.deep.include({ action: 'alert_ack', metadata: { alert: 'errors', user: 'ops', status: 'firing' } });

    button(audit, 'alert-silence').click();
    await until(() => bannerText(system).includes('Silenced until'), 'silence shown');
    const after = await executeServerCommand<{ action: string; metadata: Record<string, unknown> }[], unknown>('logwire:alerts-audits', {
      id: server!.id,
    });
    expect(after.map((event) => [event.action, event.metadata['user']])).to.deep.include(['alert_silence', 'ops']);
  });

  it('disables the buttons, with a note, for a viewer the welcome says may not act on alerts', async () => {
    const [system] = await mount('viewer');
    await fire();
    await until(() => bannerText(system).includes('errors Firing'), 'banner');
    expect(system.client!.alertActions).to.equal(false);
    expect([button(system, 'alert-ack').disabled, button(system, 'alert-silence').disabled]).to.deep.equal([true, true]);
    expect(bannerText(system)).to.include('You may not acknowledge or silence alerts on this stream.');
    button(system, 'alert-ack').click();
    const audits = await executeServerCommand<{ action: string }[], unknown>('logwire:alerts-audits', { id: server!.id });
    expect(audits.map((event) => event.action)).to.deep.equal(['alert_fired']);
  });

  it('shows a viewer without the alerts permission the refusal when the server does not say (older server), and nothing is recorded', async () => {
    // A proxy that strips `alertActions` from the welcome: a server from before it existed.
    const proxy = await executeServerCommand<Started, unknown>('logwire:proxy-start', {
      target: server!.url,
      replace: [[',"alertActions":false', '']],
    });
    const [system] = await mount('viewer', ['system-log-panel'], proxy.url);
    await fire();
    await until(() => bannerText(system).includes('errors Firing'), 'banner');
    expect(system.client!.alertActions).to.equal(undefined);
    expect(button(system, 'alert-ack').disabled).to.equal(false);
    button(system, 'alert-ack').click();
    await until(() => bannerText(system).includes('forbidden'), 'refusal shown');
    expect(system.shadowRoot!.querySelector('.alert-notice')!.getAttribute('role')).to.equal('status');
    expect(bannerText(system)).not.to.include('Acknowledged');
    const audits = await executeServerCommand<{ action: string }[], unknown>('logwire:alerts-audits', { id: server!.id });
    expect(audits.map((event) => event.action)).to.deep.equal(['alert_fired']);
    await executeServerCommand('logwire:stop', { id: proxy.id });
  });

  it('is axe clean with an alert shown, in both themes', async () => {
    await fire();
    // One panel at a time: two panels' headers on one page are two banner landmarks.
    // ops may act; viewer sees the buttons disabled, with the note.
    for (const [tag, token] of [
      ['system-log-panel', 'ops'],
      ['audit-log-panel', 'ops'],
      ['system-log-panel', 'viewer'],
    ] as const) {
      const [panel] = await mount(token, [tag]);
      await until(() => bannerText(panel).includes('errors Firing'), 'banner');
      for (const theme of ['light', 'dark']) {
        panel.setAttribute('theme', theme);
        await panel.updateComplete;
        expect(await axeViolations(panel), `${tag} ${token} ${theme}`).to.deep.equal([]);
      }
      document.body.replaceChildren();
    }
  });
});
