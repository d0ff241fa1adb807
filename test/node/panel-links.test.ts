import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '@logwire/server';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { until } from '../helpers/wait.js';

// "Copy link" end to end in real Chromium: the link opened in a fresh browser context, after a page
// reload, and after a restart of the server (persistence in a temp dir) on the same address, loads
// the entry with its context and marks it; a link to an entry not kept says so. Needs `npm run build`.

const bundle = fs.readFileSync(new URL('../../packages/panels/dist/logwire.bundle.js', import.meta.url));
const PAGE = `<!doctype html><meta charset="utf-8"><title>links</title>
<script type="module" src="/logwire.bundle.js"></script>
<system-log-panel url-state history-src="/logs" style="height:300px;display:block"></system-log-panel>
<script type="module">document.querySelector('system-log-panel').src = 'ws://' + location.host + '/ws/logs';</script>`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-links-'));
let browser: Browser | undefined;
let running: { logwire: Logwire; http: Server } | undefined;

async function serve(port = 0): Promise<number> {
  const logwire = createLogwire({ console: false, historySize: 20, persistence: { dir }, onError: () => undefined });
  const query = logwire.persistence!.queryHandler();
  const http = createServer((request, response) => {
    if (request.url === '/logwire.bundle.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (request.url?.startsWith('/logs/')) query(request, response);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  logwire.attach(http);
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  running = { logwire, http };
  return (http.address() as AddressInfo).port;
}

async function stop(): Promise<void> {
  if (running === undefined) return;
  await running.logwire.close();
  running.http.closeAllConnections();
  await new Promise((resolve) => running!.http.close(resolve));
  running = undefined;
}

async function log(count: number, prefix: string): Promise<void> {
  const logger = running!.logwire.getLogger('app');
  for (let i = 0; i < count; i++) logger.info(`${prefix} ${i}`);
  await running!.logwire.persistence!.commit();
}

/** The text of the marked (linked) row and of the link status, once either shows. */
async function linkedRow(page: Page): Promise<{ row: string; status: string }> {
  const read = () =>
    page.evaluate(() => {
      const root = document.querySelector('system-log-panel')!.shadowRoot!;
      return {
        row: root.querySelector('[data-mark="linked"] .message')?.textContent ?? '',
        status: root.querySelector('[part="link-status"]')?.textContent ?? '',
      };
    });
  return until(
    async () => {
      const seen = await read();
      return seen.row !== '' || seen.status !== '' ? seen : undefined;
    },
    'the linked row or the link status',
    15_000,
  );
}

afterAll(async () => {
  await browser?.close();
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('panel links in a real browser', () => {
  it('opens a copied link in a fresh context, after a reload and after a server restart, and says when the entry is gone', async () => {
    const port = await serve();
    const origin = `http://127.0.0.1:${port}`;
    await log(400, 'line');
    browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const first = await browser.newPage();
    await first.goto(origin);
    // "Copy link" on the entry "line 385" (in the live tail of 20).
    const url = await until(
      () =>
        first.evaluate(async () => {
          const panel = document.querySelector('system-log-panel')!;
          const root = panel.shadowRoot!;
          const row = [...root.querySelectorAll<HTMLElement>('[part="row"]')].find(
            (r) => r.querySelector('.message')?.textContent === 'line 385',
          );
          if (row === undefined) return undefined;
          row.click();
          await (panel as unknown as { updateComplete: Promise<boolean> }).updateComplete;
          const copied = new Promise<string>((resolve) =>
            panel.addEventListener('logwire-link', (event) => resolve((event as Event & { url: string }).url)),
          );
          root.querySelector<HTMLButtonElement>('[part="link-button"]')!.click();
          return copied;
        }),
      'the copied link',
      15_000,
    );
    expect(new URL(url).searchParams.get('system.entry')).toMatch(/^\d+-\d+$/);
    await log(300, 'later');

    const fresh = await browser.createBrowserContext();
    const page = await fresh.newPage();
    await page.goto(url);
    expect(await linkedRow(page)).toEqual({ row: 'line 385', status: '' });

    await page.reload();
    expect(await linkedRow(page)).toEqual({ row: 'line 385', status: '' });

    // The server restarts on the same address; the files (and the epoch) carry the entry over.
    await stop();
    await serve(port);
    await page.reload();
    expect(await linkedRow(page)).toEqual({ row: 'line 385', status: '' });

    const gone = new URL(url);
    gone.searchParams.set('system.entry', '1-0');
    await page.goto(gone.href);
    expect(await linkedRow(page)).toEqual({ row: '', status: 'The linked entry 1-0 is no longer kept.' });
    await fresh.close();
  }, 90_000);
});
