import fs from 'node:fs';
import type { Command } from './main.js';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { verifyAuditTrail, type VerifyResult } from '../persistence/verify.js';
import { runVerifyBundle } from './verify-bundle.js';

const HELP = `Usage: logwire verify <dir> [options]
       logwire verify --bundle <file> [--key-file <path> | --key-env <name>] [--json]

Checks the hash-chained audit trail in <dir>: the persistence directory (its audit/ folder is
read) or a directory holding the audit-YYYYMMDD.jsonl files. A persistence directory that also
holds trail files at its top is refused (exit 2): name the directory to verify.

Options:
  --key-file <path>      file holding the integrity key (one trailing newline is ignored):
                         also checks the signed checkpoints
  --key-env <name>       environment variable holding the key (default: LOGWIRE_AUDIT_KEY, if set)
  --checkpoints <path>   a further checkpoint location (directory or file); repeatable
  --bundle <file>        check an incident bundle exported by a panel instead of a trail
  --json                 print the result as JSON
  -h, --help             show this help

Exit codes: 0 intact (losses the trail records itself are listed), 1 tampered or corrupt (the
first bad file and line are named), 2 usage error or ambiguous directory, 3 intact except a last
line torn by a crash.
`;

/** `logwire verify <dir>`: verifies the audit trail and names the first altered line. */
export const command: Command = {
  summary: 'verify the hash-chained audit trail',
  async run(args: string[]): Promise<number> {
    let dir: string | undefined;
    let keyFile: string | undefined;
    let keyEnv: string | undefined;
    let json = false;
    let bundle: string | undefined;
    const checkpoints: string[] = [];
    for (let index = 0; index < args.length; index++) {
      const arg = args[index] as string;
      const value = (): string | undefined => args[++index];
      if (arg === '-h' || arg === '--help') {
        process.stdout.write(HELP);
        return 0;
      } else if (arg === '--json') json = true;
      else if (arg === '--key-file') keyFile = value();
      else if (arg === '--key-env') keyEnv = value();
      else if (arg === '--bundle') bundle = value() ?? '';
      else if (arg === '--checkpoints') {
        const where = value();
        if (where !== undefined) checkpoints.push(where);
      } else if (arg.startsWith('-')) return usage(`unknown option ${arg}`);
      else if (dir === undefined) dir = arg;
      else return usage(`unexpected argument ${arg}`);
    }
    if (bundle === undefined && dir === undefined) return usage('missing <dir>');
    if (dir !== undefined && !fs.existsSync(dir)) return usage(`${dir} does not exist`);
    let key: string | Buffer | undefined;
    if (keyFile !== undefined) {
      try {
        // The file's bytes are the key; one trailing newline (as editors and `echo` add) is not part of it.
        const bytes = fs.readFileSync(keyFile);
        const end = bytes.length - (bytes[bytes.length - 1] === 0x0a ? (bytes[bytes.length - 2] === 0x0d ? 2 : 1) : 0);
        key = bytes.subarray(0, end);
      } catch (error) {
        return usage(`cannot read key file ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      const name = keyEnv ?? 'LOGWIRE_AUDIT_KEY';
      const fromEnv = process.env[name];
      if (fromEnv !== undefined && fromEnv !== '') key = fromEnv;
      else if (keyEnv !== undefined) return usage(`environment variable ${keyEnv} is not set`);
    }
    if (bundle !== undefined)
      return bundle === '' || dir !== undefined ? usage('--bundle takes one file and no <dir>') : runVerifyBundle(bundle, key, json);
    if (dir === undefined) return usage('missing <dir>');
    let result: VerifyResult;
    try {
      result = await verifyAuditTrail(dir, { key, checkpoints });
    } catch (error) {
      if (error instanceof LogwireError && error.code === LogwireErrorCode.InvalidOption) return usage(error.message);
      throw error;
    }
    process.stdout.write(json ? JSON.stringify(result) + '\n' : describe(result, key !== undefined));
    return result.status === 'intact' ? 0 : result.status === 'torn_tail' ? 3 : 1;
  },
};

function describe(result: VerifyResult, keyed: boolean): string {
  const names = result.fileNames;
  const span = names.length === 0 ? '' : names.length === 1 ? ` (${names[0]!})` : ` (${names[0]!} … ${names[names.length - 1]!})`;
  const lines: string[] = [`verified ${result.dir}: ${names.length} trail file(s)${span}, ${result.records} line(s) checked`];
  if (result.problem !== undefined) {
    lines.push(`INVALID: ${result.problem.reason} at ${result.problem.file}:${result.problem.line}`, `  ${result.problem.message}`);
    lines.push(`${result.records} line(s) before it verified`);
    return lines.join('\n') + '\n';
  }
  lines.push(
    `valid: ${result.records} line(s) in ${result.files} file(s), seq ${result.firstSeq ?? 0}..${result.lastSeq ?? 0}, anchored at ${result.anchoredAt ?? 'unknown'}`,
  );
  for (const loss of result.losses) {
    lines.push(
      `recorded loss: ${loss.lost} was ${loss.reason} while being written (lines after seq ${loss.throughSeq} up to the loss are gone); ` +
        `the writer noticed and recorded it at ${loss.file}:${loss.line}`,
    );
  }
  if (result.tornTail !== undefined) {
    lines.push(
      `torn tail: ${result.tornTail.file}:${result.tornTail.line} is an incomplete last line (${result.tornTail.bytes} bytes), left by a crash during a write; the writer cuts it off and records an audit_recovery entry at its next start`,
    );
  }
  if (keyed) {
    lines.push(`checkpoints: ${result.checkpoints ?? 0} valid, newest covers seq ${result.checkpointSeq ?? 0}`);
    if (result.unanchored > 0)
      lines.push(
        `tail_unanchored: the last ${result.unanchored} line(s) come after the newest checkpoint; removing them would not be detected`,
      );
  } else {
    lines.push(
      'tail_unanchored: no key given, so removing lines from the end or rewriting the whole trail cannot be detected (use --key-file)',
    );
  }
  return lines.join('\n') + '\n';
}

function usage(message: string): number {
  process.stderr.write(`logwire verify: ${message}\n\n${HELP}`);
  return 2;
}
