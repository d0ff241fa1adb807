import type { ChildProcess } from 'node:child_process';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { until } from '../helpers/wait.js';
import { startDemo } from './demo-process.js';

/** Waits until `read()` (a value read from the page) passes `check`; the failure names the last value read. */
async function waitForValue<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  return until(
    async () => {
      last = await read();
      return check(last) ? { value: last } : undefined;
    },
    () => `${what} (last value ${JSON.stringify(last)})`,
    15_000,
  ).then(({ value }) => value);
}

describe('demo page', () => {
  let browser: Browser | undefined;
  let demo: ChildProcess | undefined;

  afterAll(async () => {
    await browser?.close();
    demo?.kill('SIGKILL');
  });

  it('shows both panels side by side with a resizable split, their stats strips with rate and histogram, and a load control', async () => {
    const started = await startDemo();
    demo = started.child;
    browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 800 });
    await page.goto(started.url);

    const boxes = () =>
      page.evaluate(() =>
        ['system-log-panel', 'audit-log-panel'].map((tag) => {
          const box = document.querySelector(tag)!.getBoundingClientRect();
          return { left: Math.round(box.left), right: Math.round(box.right), top: Math.round(box.top), width: Math.round(box.width) };
        }),
      );
    const [system, audit] = await boxes();
    expect(system!.top).toBe(audit!.top);
    expect(system!.right).toBeLessThan(audit!.left);

    // Keyboard on the separator moves the split by 5 % of the width each press.
    await page.focus('#splitter');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#splitter', (el) => el.getAttribute('aria-valuenow'))).toBe('60');
    const [wider] = await boxes();
    expect(wider!.width).toBeGreaterThan(system!.width + 100);
    // Dragging the handle to a point sets the split there.
    const handle = await page.$eval('#splitter', (el) => {
      const b = el.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    });
    await page.mouse.move(handle.x, handle.y);
    await page.mouse.down();
    await page.mouse.move(handle.x - 400, handle.y, { steps: 5 });
    await page.mouse.up();
    const [dragged] = await boxes();
    expect(dragged!.width).toBeLessThan(system!.width - 100);

    // Each panel's stats strip counts what arrives, per level.
    const stat = (selector: string) =>
      page.evaluate(
        (sel) => Number(document.querySelector('system-log-panel')!.shadowRoot!.querySelector(sel)!.textContent.replace(/,/g, '')),
        selector,
      );
    await waitForValue(
      () => stat('[part="stats"] .received'),
      (n) => n > 0,
      'logs received',
    );
    const levels = await page.evaluate(() =>
      [...document.querySelector('system-log-panel')!.shadowRoot!.querySelectorAll<HTMLElement>('[part="stats"] .bucket')].map(
        (b) => b.dataset['level'],
      ),
    );
    expect(levels).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    await waitForValue(
      () => stat('[part="stats"] .bucket[data-level="DEBUG"] .number'),
      (n) => n > 0,
      'DEBUG counted',
    );

    // Raising the load to 1,000 steps/s: the server applies it and the measured rate follows.
    await page.click('#load button[data-rate="1000"]');
    await waitForValue(
      () => page.$eval('#load button[data-rate="1000"]', (el) => el.getAttribute('aria-pressed')),
      (pressed) => pressed === 'true',
      '1,000/s pressed',
    );
    expect(await page.evaluate(() => fetch('/rate').then((r) => r.json()))).toEqual({ rate: 1000 });
    await waitForValue(
      () => stat('[part="stats"] .rate'),
      (n) => n >= 200,
      'system logs/s above 200',
    );
    // The time-zone control switches both panels.
    await page.select('#time-zone', 'utc');
    expect(
      await page.evaluate(() =>
        ['system-log-panel', 'audit-log-panel'].map((tag) => document.querySelector(tag)!.getAttribute('time-zone')),
      ),
    ).toEqual(['utc', 'utc']);
    await page.click('#load button[data-rate="4"]');
    await waitForValue(
      () => page.$eval('#load button[data-rate="4"]', (el) => el.getAttribute('aria-pressed')),
      (pressed) => pressed === 'true',
      'load back to 4/s',
    );
  }, 60_000);
});
