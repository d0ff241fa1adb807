#!/usr/bin/env node
/**
 * `npx logwire <command>`: each command lives in its own module under src/cli and is listed here.
 */
import { createRequire } from 'node:module';
import type { QueryCommandName } from './query.js';

/** A CLI command: gets its arguments, resolves with the exit code. */
export type Command = { summary: string; run: (args: string[]) => Promise<number> };

/** Each command: its one-line summary (for `--help`, without loading it) and its module. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  tail: { summary: 'follow a log stream in the terminal', load: () => import('./tail.js').then((module) => module.tailCommand) },
  verify: { summary: 'verify the hash-chained audit trail', load: async () => (await import('./verify.js')).command },
  ...queryCommands({
    query: 'print the log entries that match, from a directory or a server',
    errors: 'print recent errors (level ERROR and above)',
    search: 'print entries holding a text: logwire search <text>',
    user: "print one user's entries: logwire user <id>",
    stats: 'count entries by level, category and hour',
  }),
};

/** The query commands, each loading ./query.js when run. */
function queryCommands(summaries: Record<QueryCommandName, string>): Record<string, { summary: string; load: () => Promise<Command> }> {
  const out: Record<string, { summary: string; load: () => Promise<Command> }> = {};
  for (const [name, summary] of Object.entries(summaries) as [QueryCommandName, string][]) {
    out[name] = { summary, load: async () => (await import('./query.js')).queryCommand(name, summary) };
  }
  return out;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  logwire ${name.padEnd(width)}  ${summary}`);
  return (
    `Usage: logwire <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n` +
    `Options:\n  -h, --help     this help\n  -v, --version  the version of @logwire/server\n\n` +
    `Run "logwire <command> --help" for a command's options.\n`
  );
}

/**
 * The version in the server package's package.json, found by the package's own name (its `exports`
 * list `./package.json`): works from dist/cli, from src/cli and from the repository's bundled CLI.
 */
function version(): string {
  const load = createRequire(import.meta.url);
  const manifest = load('@logwire/server/package.json') as { version?: unknown };
  return String(manifest.version);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const load = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name]?.load : undefined;
  if (load === undefined) {
    process.stderr.write(`logwire: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await load();
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`logwire: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
