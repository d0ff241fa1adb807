import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { startDemo } from './demo-process.js';


describe('demo (npm start)', () => {
  let browser: Browser | undefined;
  let demo: ChildProcess | undefined;

  afterAll(async () => {
    await browser?.close();
    demo?.kill('SIGKILL');
  });

  it('prints its URL, shows both panels receiving live logs, and stops cleanly on Ctrl-C', async () => {
    const started = await startDemo();
    demo = started.child;
    browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(started.url);
    const counts = () =>
      page.evaluate(() =>
        ['system-log-panel', 'audit-log-panel'].map((tag) => document.querySelector(tag)?.shadowRoot?.querySelectorAll('[part="row"]').length ?? -1),
      );
    let seen = await counts();
    for (let i = 0; i < 100 && !(seen[0]! > 0 && seen[1]! > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await counts();
    }
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]).toBeGreaterThan(0);
    const state = await page.evaluate(() => document.querySelector('system-log-panel')?.shadowRoot?.querySelector('[part="state"]')?.textContent);
    expect(state).toBe('Live');

    demo.kill('SIGINT');
    const [code] = (await once(demo, 'exit')) as [number | null];
    expect(code).toBe(0);
    demo = undefined;
  }, 30_000);
});
