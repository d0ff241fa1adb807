// The peer comparisons of `npm run bench` (`--only peers`): request-logging overhead next to
// pino-http, and console output next to pino-pretty and pino on stdout. Each also runs alone:
// `node bench/request-logging.mjs`, `node bench/console-pretty.mjs`.
import { measureConsolePretty, renderConsolePretty } from './console-pretty.mjs';
import { measureRequestLogging, renderRequestLogging } from './request-logging.mjs';

/** Both sections as markdown, with the rounds `npm run bench` was given (each bench caps its own time). */
export async function peersSection(rounds) {
  // run.mjs reads `--only peers` without `--rounds` as NaN rounds: fall back to the default then.
  const n = Number.isInteger(rounds) && rounds > 0 ? rounds : 5;
  const http = renderRequestLogging(await measureRequestLogging(n));
  const consoleOut = renderConsolePretty(await measureConsolePretty(Math.min(n, 3)));
  return `${http}\n\n${consoleOut}`;
}
