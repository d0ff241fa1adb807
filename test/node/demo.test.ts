import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { until } from '../helpers/wait.js';
import { startDemo, stopDemo } from './demo-process.js';

/** Resolves with `connected` or the error code of a TCP connection to `host:port`. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('demo (npm start)', () => {
  let browser: Browser | undefined;
  let demo: ChildProcess | undefined;

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(() => {
    demo?.kill('SIGKILL');
    demo = undefined;
  });

  it('prints its URL, shows both panels receiving live logs, and stops cleanly on Ctrl-C', async () => {
    const started = await startDemo();
    demo = started.child;
    browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(started.url);
    const counts = () =>
      page.evaluate(() =>
        ['system-log-panel', 'audit-log-panel'].map(
          (tag) => document.querySelector(tag)?.shadowRoot?.querySelectorAll('[part="row"]').length ?? -1,
        ),
      );
    await until(
      async () => {
        const [system, audit] = await counts();
        return system! > 0 && audit! > 0;
      },
      'rows in both panels',
      15_000,
    );
    const state = await page.evaluate(
      () => document.querySelector('system-log-panel')?.shadowRoot?.querySelector('[part="state"]')?.textContent,
    );
    expect(state).toBe('Live');

    expect(await stopDemo(demo)).toBe(0);
  }, 30_000);

  it('fires the trouble alert from the "Cause trouble" button, shows it in both panels, resolves it, and links to /metrics', async () => {
    // A 3-second window: the alert resolves once the burst is older than that.
    const started = await startDemo({ DEMO_ALERT_WINDOW: '3s' });
    demo = started.child;
    browser ??= await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(started.url);
    const banners = () =>
      page.evaluate(() =>
        ['system-log-panel', 'audit-log-panel'].map(
          (tag) => document.querySelector(tag)?.shadowRoot?.querySelector('[part="alerts"]')?.textContent?.replace(/\s+/g, ' ') ?? '',
        ),
      );
    const firing = async () => {
      const text = await fetch(new URL('/metrics', started.url)).then((response) => response.text());
      return /^logwire_alert_firing\{alert="trouble"\} (\d)/m.exec(text)?.[1];
    };
    await until(
      async () =>
        (await page.evaluate(
          () => document.querySelector('system-log-panel')?.shadowRoot?.querySelector('[part="state"]')?.textContent,
        )) === 'Live',
      'live',
      15_000,
    );
    expect(await banners()).toEqual(['', '']);
    expect(await firing()).toBe('0');

    await page.click('#trouble');
    await until(async () => (await banners()).every((text) => text.includes('trouble Firing')), 'the alert in both banners');
    expect(await firing()).toBe('1');
    await until(async () => (await banners()).every((text) => text === ''), 'the alert resolved');
    expect(await firing()).toBe('0');

    const href = await page.$eval('a[href="/metrics"]', (link) => link.href);
    const metrics = await fetch(href);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await stopDemo(demo)).toBe(0);
  }, 30_000);

  // The demo has no authentication: by default it must not be reachable from other machines.
  // 127.0.0.2 is a loopback address a server listening on all interfaces would also accept.
  it('listens on 127.0.0.1 only by default, and on HOST when it is set', async () => {
    const local = await startDemo();
    demo = local.child;
    const url = new URL(local.url);
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
    expect(await tryConnect('127.0.0.2', port)).toBe('ECONNREFUSED');
    expect(await stopDemo(demo)).toBe(0);

    const other = await startDemo({ HOST: '127.0.0.2' });
    demo = other.child;
    const otherUrl = new URL(other.url);
    expect(otherUrl.hostname).toBe('127.0.0.2');
    expect(await tryConnect('127.0.0.2', Number(otherUrl.port))).toBe('connected');
    expect(await tryConnect('127.0.0.1', Number(otherUrl.port))).toBe('ECONNREFUSED');
    expect(await stopDemo(demo)).toBe(0);
  }, 30_000);
});
