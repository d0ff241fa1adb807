// Screenshots of the demo (`npm start`) for the docs: `node scripts/demo-screenshots.mjs` (after
// `npm run build`) starts demo/server.mjs on a free port, lets the simulated workload run at
// 100 log calls/s, and writes docs/images/demo-1600.png and docs/images/demo-900.png from headless
// Chromium (light theme, UTC times). Gives up after 60 s.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from './chromium.mjs';

const root = new URL('..', import.meta.url);
const out = new URL('docs/images/', root);
const deadline = setTimeout(() => {
  console.error('demo-screenshots: gave up after 60 s');
  process.exit(1);
}, 60_000);

const demo = spawn(process.execPath, ['demo/server.mjs'], {
  cwd: root,
  env: { ...process.env, PORT: '0', LOGWIRE_CONSOLE: 'off' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let seen = '';
  demo.stdout.on('data', (chunk) => {
    seen += chunk;
    const found = /logwire demo: (http:\/\/\S+)/.exec(seen);
    if (found) resolve(found[1]);
  });
  demo.on('exit', (code) => reject(new Error(`the demo exited (${code})`)));
});

const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
try {
  await mkdir(out, { recursive: true });
  await fetch(`${url}/rate?value=100`, { method: 'POST' });
  for (const width of [1600, 900]) {
    const page = await browser.newPage();
    await page.setViewport({ width, height: 900 });
    await page.goto(`${url}/?theme=light`);
    await page.select('#time-zone', 'utc');
    // Enough entries in both panels to fill them.
    await page.waitForFunction(
      () => ['system', 'audit'].every((id) => document.getElementById(id).entries.length >= (id === 'audit' ? 30 : 120)),
      { timeout: 30_000 },
    );
    // A moment for the stats strip's sparkline to show the rate.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const file = new URL(`demo-${width}.png`, out);
    await page.screenshot({ path: file.pathname });
    console.log(`wrote ${file.pathname}`);
    await page.close();
  }
} finally {
  await browser.close();
  demo.kill('SIGINT');
  clearTimeout(deadline);
}
