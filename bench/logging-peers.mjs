// The peer comparisons of `npm run bench` (`--only peers`): request-logging overhead next to
// pino-http, and console output next to pino-pretty and pino on stdout. Each also runs alone:
// `node bench/request-logging.mjs`, `node bench/console-pretty.mjs`.
import { measureConsolePretty, renderConsolePretty } from './console-pretty.mjs';
import { measureRequestLogging, renderRequestLogging } from './request-logging.mjs';

/** Both sections as markdown, with the rounds `npm run bench` was given (each bench caps its own time). */
export async function peersSection(rounds) {
  const http = renderRequestLogging(await measureRequestLogging(rounds));
  const consoleOut = renderConsolePretty(await measureConsolePretty(Math.min(rounds, 3)));
  return `${http}\n\n${consoleOut}`;
}
