#!/usr/bin/env node
/**
 * `npx logwire <command>`: each command lives in its own module under src/cli and is listed here.
 */

/** A CLI command: gets its arguments, resolves with the exit code. */
export type Command = { summary: string; run: (args: string[]) => Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  tail: () => import('./tail.js').then((module) => module.tailCommand),
  verify: async () => (await import('./verify.js')).command,
};

function usage(): string {
  const lines = Object.keys(commands).map((name) => `  logwire ${name}`);
  return `Usage: logwire <command> [options]\n\nCommands:\n${lines.join('\n') || '  (none)'}\n\nRun "logwire <command> --help" for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const load = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
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
