// Logger-glob matching cost, ns per match, for hostile patterns of the longest allowed length
// (256 characters) against logger names of 256+ characters, next to a plain string comparison.
// A regular-expression matcher (`*` → `.*`) never finished the first one; this must take seconds.
//
//   node bench/glob.mjs        (needs `npm run build` first, or at least the protocol package)
import { loggerMatcher, MAX_FILTER_STRING } from '../packages/protocol/dist/index.js';
import { fmt, machine, table } from './lib.mjs';

const NAMES = 10_000;
const ROUNDS = 5;
const names = Array.from({ length: NAMES }, (_, i) => `app.${i}.` + 'a'.repeat(256) + (i % 1000 === 0 ? 'Z' : 'Y'));

const cases = [
  ['"*" × 255 + "Z"', '*'.repeat(MAX_FILTER_STRING - 1) + 'Z'],
  ['"*a" × 127 + "*b"', '*a'.repeat(127) + '*b'],
  ['"*?" × 127 + "*Z"', '*?'.repeat(127) + '*Z'],
  ['"*" + "a" × 254 + "Z"', '*' + 'a'.repeat(254) + 'Z'],
  ['"*" + "a?" × 126 + "b*" (worst case: a middle segment with "?")', '*' + 'a?'.repeat(126) + 'b*'],
  ['"app.1.*" (an ordinary pattern)', 'app.1.*'],
];

/** Median ns per call of `match` over every name, over ROUNDS rounds (after one warm-up round). */
function measure(match) {
  let sink = 0;
  const times = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (const name of names) if (match(name)) sink++;
    const ns = Number(process.hrtime.bigint() - start) / names.length;
    if (round > 0) times.push(ns);
  }
  times.sort((a, b) => a - b);
  return { ns: times[Math.floor(times.length / 2)], sink };
}

const target = names[1];
const plain = measure((name) => name === target);
const rows = [['plain string comparison (`===`)', fmt(plain.ns, 1), '1.0']];
for (const [label, pattern] of cases) {
  const { ns } = measure(loggerMatcher([pattern]));
  rows.push([label, fmt(ns, 1), fmt(ns / plain.ns, 0)]);
}

const { cpu, node, platform } = machine();
console.log(`# Logger glob matching, ${NAMES.toLocaleString('en')} names of ${names[0].length}+ characters`);
console.log(`\nCPU: ${cpu}; Node ${node}; ${platform}\n`);
console.log(table(['pattern', 'ns per match', '× plain comparison'], rows));
