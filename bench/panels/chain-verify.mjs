// Audit chain verification in headless Chromium (`node bench/panels/chain-verify.mjs`): how many
// audit events per second the audit panel's ChainVerifier checks with WebCrypto, next to the bare
// cost it cannot go below (the same number of SHA-256 digests through crypto.subtle, measured in
// the same page), and whether it keeps up with a live stream of --rate events/s (default 10,000)
// for --seconds (default 5): the lag between the last event handed over and the verifier idle.
// Events are real trail lines: chained and hashed in Node exactly as the trail writes them.
// Options: --count=50000 --rounds=3 --rate=10000 --seconds=5. Stops after --limit seconds (default 180).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import os from 'node:os';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { chainLine, chainLinePrefix } from '../../packages/protocol/dist/index.js';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const COUNT = arg('count', 50_000);
const ROUNDS = arg('rounds', 3);
const RATE = arg('rate', 10_000);
const SECONDS = arg('seconds', 5);
const LIMIT_S = arg('limit', 180);

const deadline = setTimeout(() => {
  console.error(`chain-verify: stopped after the ${LIMIT_S} s limit`);
  process.exit(2);
}, LIMIT_S * 1000);
deadline.unref();

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** `count` audit messages as the stream sends them, with chain fields of a real trail from line 2 on. */
function chained(count) {
  const messages = [];
  let prev = sha256('{"seq":1,"prev":"' + '0'.repeat(64) + '","kind":"file_open"}');
  const start = Date.UTC(2026, 11, 7);
  for (let i = 0; i < count; i++) {
    const seq = i + 2;
    const id = `${start + i}-0`;
    const data = {
      timestamp: new Date(start + i).toISOString(),
      level: 'INFO',
      logger: 'bench.security',
      message: `transfer ${i} approved`,
      action: 'transfer',
      metadata: { user: `u-${i % 97}`, amount: i % 1000, ip: '10.0.0.1' },
    };
    const prefix = chainLinePrefix(seq, prev, id, data);
    const hash = sha256(prefix);
    messages.push({ type: 'audit_log', id, data, chain: { seq, prev, hash } });
    prev = sha256(chainLine(prefix, hash));
  }
  return messages;
}

const verifier = await build({
  entryPoints: [new URL('../../packages/panels/src/audit-log-panel/chain-verifier.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  write: false,
  minify: true,
  alias: { '@logwire/protocol': new URL('../../packages/protocol/src/index.ts', import.meta.url).pathname },
});
const messages = chained(Math.max(COUNT, RATE * SECONDS));
const json = JSON.stringify(messages);
const http = createServer((request, response) => {
  if (request.url === '/verifier.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(verifier.outputFiles[0].text);
  else if (request.url === '/messages.json') response.writeHead(200, { 'content-type': 'application/json' }).end(json);
  else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>chain</title>');
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${http.address().port}`;
const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(origin);
  const version = await browser.version();
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await page.evaluate(async (count) => {
      const { ChainVerifier } = await import('/verifier.js');
      const all = await (await fetch('/messages.json')).json();
      const messages = all.slice(0, count);
      // Peer: the digests alone (two per event, as the verifier needs), in rounds of 1024 like it.
      const encoder = new TextEncoder();
      const texts = messages.map((m) => JSON.stringify(m.data));
      let started = performance.now();
      for (let i = 0; i < texts.length; i += 1024) {
        const slice = texts.slice(i, i + 1024);
        await Promise.all(
          slice.flatMap((text) => [
            crypto.subtle.digest('SHA-256', encoder.encode(text)),
            crypto.subtle.digest('SHA-256', encoder.encode(text)),
          ]),
        );
      }
      const digestsMs = performance.now() - started;
      const verifier = new ChainVerifier(() => undefined);
      started = performance.now();
      for (const message of messages) verifier.add(message);
      await verifier.idle();
      const verifyMs = performance.now() - started;
      const summary = verifier.summary();
      return { digestsMs, verifyMs, state: summary.state, through: summary.through };
    }, COUNT);
    if (result.state !== 'verified' || result.through !== COUNT + 1) throw new Error(`round ${round}: ${JSON.stringify(result)}`);
    rows.push(result);
  }
  // Live: RATE events/s handed over in 10 ms ticks; the lag is how long after the last one the verifier is idle.
  const live = await page.evaluate(
    async (rate, seconds) => {
      const { ChainVerifier } = await import('/verifier.js');
      const messages = (await (await fetch('/messages.json')).json()).slice(0, rate * seconds);
      const verifier = new ChainVerifier(() => undefined);
      const started = performance.now();
      let sent = 0;
      await new Promise((resolve) => {
        const tick = setInterval(() => {
          const due = Math.min(messages.length, Math.floor(((performance.now() - started) / 1000) * rate));
          for (; sent < due; sent++) verifier.add(messages[sent]);
          if (sent === messages.length) {
            clearInterval(tick);
            resolve();
          }
        }, 10);
      });
      const handedOver = performance.now();
      await verifier.idle();
      const summary = verifier.summary();
      return {
        lagMs: performance.now() - handedOver,
        elapsedS: (handedOver - started) / 1000,
        through: summary.through,
        state: summary.state,
      };
    },
    RATE,
    SECONDS,
  );
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const verifyRate = median(rows.map((r) => COUNT / (r.verifyMs / 1000)));
  const digestRate = median(rows.map((r) => COUNT / (r.digestsMs / 1000)));
  console.log(
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${os.platform()}, Node ${process.version}, ${version}`,
  );
  console.log(
    `Load average at the end: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} (other work on the machine slows both columns alike)\n`,
  );
  console.log('| measure | events/s (median of ' + ROUNDS + ') | per round |');
  console.log('| --- | --- | --- |');
  console.log(
    `| ChainVerifier, ${COUNT} events | ${Math.round(verifyRate)} | ${rows.map((r) => Math.round(COUNT / (r.verifyMs / 1000))).join(', ')} |`,
  );
  console.log(
    `| 2 × crypto.subtle SHA-256 per event (floor) | ${Math.round(digestRate)} | ${rows.map((r) => Math.round(COUNT / (r.digestsMs / 1000))).join(', ')} |`,
  );
  console.log(`\nChainVerifier / bare digests: ${(verifyRate / digestRate).toFixed(2)}×`);
  console.log(
    `Live ${RATE}/s for ${live.elapsedS.toFixed(1)} s: verified through #${live.through} (${live.state}), ` +
      `idle ${live.lagMs.toFixed(0)} ms after the last event was handed over`,
  );
} finally {
  await browser.close();
  http.close();
  clearTimeout(deadline);
}
