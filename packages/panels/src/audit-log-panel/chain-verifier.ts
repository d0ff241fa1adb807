// Verifies the audit trail's hash chain in the browser, incrementally, with WebCrypto: each audit
// message's `chain` (seq, prev, hash; see @logwire/protocol's AuditChain) is checked against the
// message itself (its own hash) and against the entries held before and after it (the links),
// whatever order they arrive in (live, replayed, restored from the replay buffer, loaded older).
// Checkpoints are compared with the line they name. What this proves is in docs/security.md.
import { type AuditLogMessage, type CheckpointData, chainLine, chainLinePrefix } from '@logwire/protocol';

/** Where verification stands. */
export const ChainState = {
  /** No audit entry carried chain fields (a server without the trail, or a legacy server). */
  Unavailable: 'unavailable',
  /** Entries are being hashed; nothing verified yet. */
  Verifying: 'verifying',
  /** Every entry held checks out. */
  Verified: 'verified',
  /** At least one entry does not (see `firstBreak`). */
  Broken: 'broken',
  /** This page has no WebCrypto (`crypto.subtle` needs a secure context: https or localhost). */
  Unsupported: 'unsupported',
} as const;

/** One of {@link ChainState}. */
export type ChainState = (typeof ChainState)[keyof typeof ChainState];

/** Why an entry failed. */
export const BreakReason = {
  /** Its content does not hash to its `chain.hash`: it was altered after the server wrote it. */
  Altered: 'altered',
  /** Its `chain.prev` is not the hash of the entry before it: one of the two was altered, or entries were added or removed between. */
  Link: 'link',
  /** Two different entries claim the same place in the chain. */
  Conflict: 'conflict',
  /** Its line does not hash to what the server's checkpoint says for that place. */
  Checkpoint: 'checkpoint',
} as const;

/** One of {@link BreakReason}. */
export type BreakReason = (typeof BreakReason)[keyof typeof BreakReason];

/** An entry that failed verification. */
export interface ChainBreak {
  seq: number;
  /** Stream id of the entry (undefined for a trail record that is not an audit event). */
  id: string | undefined;
  reason: BreakReason;
  message: string;
}

/** What the verifier can say now. */
export interface ChainSummary {
  state: ChainState;
  /** With no break: the highest `seq` held, every entry up to which checks out. */
  through: number | undefined;
  /** Trail lines checked (audit entries and the non-event records they carried). */
  checked: number;
  /** Runs of `seq` not held between entries held: links across them cannot be checked. */
  holes: number;
  /** Audit entries without chain fields. */
  unchained: number;
  /** The lowest break, and how many there are. */
  firstBreak: ChainBreak | undefined;
  breaks: number;
  /** The newest checkpoint compared with a line held (its signature cannot be checked in a browser). */
  checkpoint: { seq: number; matched: boolean } | undefined;
}

interface Hashed {
  seq: number;
  prev: string;
  /** SHA-256 of the whole line: what the next line's `prev` must be. */
  lineHash: string;
  /** The line's content hashes to its claimed `hash`. */
  ok: boolean;
  id: string | undefined;
}

const HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})"/;
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
/** Messages hashed per round; each round's digests run concurrently. */
const ROUND = 1024;
/** Checkpoints kept while the line they name is not held. */
const MAX_CHECKPOINTS = 64;
/** Breaks kept (the lowest is what the panel shows). */
const MAX_BREAKS = 1000;

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += HEX[byte];
  return hex;
}

/** See the module comment. `onChange` runs after each round that changed the summary. */
export class ChainVerifier {
  readonly #maxLinks: number;
  readonly #onChange: () => void;
  readonly #links = new Map<number, Hashed>();
  readonly #breaks = new Map<number, ChainBreak>();
  readonly #brokenIds = new Set<string>();
  readonly #checkpoints = new Map<number, CheckpointData>();
  #queue: AuditLogMessage[] = [];
  #working: Promise<void> | undefined;
  #checkpoint: { seq: number; matched: boolean } | undefined;
  #runs = 0;
  #checked = 0;
  #unchained = 0;
  #maxSeq: number | undefined;

  /** `maxLinks`: trail lines remembered (the oldest remembered are forgotten first). */
  constructor(onChange: () => void, maxLinks = 200_000) {
    this.#onChange = onChange;
    this.#maxLinks = maxLinks;
  }

  /** Queues an audit message for verification (any order; the same entry twice is fine). */
  add(message: AuditLogMessage): void {
    if (message.chain === undefined || message.id === undefined) {
      this.#unchained++;
      return;
    }
    this.#queue.push(message);
    this.#working ??= this.#drain();
  }

  /** Compares a checkpoint with the line it names (now, or once that line is held). */
  addCheckpoint(checkpoint: CheckpointData): void {
    this.#checkpoints.set(checkpoint.seq, checkpoint);
    if (this.#checkpoints.size > MAX_CHECKPOINTS) this.#checkpoints.delete(this.#checkpoints.keys().next().value as number);
    const link = this.#links.get(checkpoint.seq);
    if (link !== undefined) this.#compare(link, checkpoint);
    this.#onChange();
  }

  /** Resolves once everything queued so far is verified. */
  async idle(): Promise<void> {
    while (this.#working !== undefined) await this.#working;
  }

  /** The newest checkpoint received (the one an incident bundle carries). */
  get latestCheckpoint(): CheckpointData | undefined {
    let newest: CheckpointData | undefined;
    for (const checkpoint of this.#checkpoints.values()) if (newest === undefined || checkpoint.seq > newest.seq) newest = checkpoint;
    return newest;
  }

  /** Whether the entry with stream id `id` failed verification. */
  isBroken(id: string | undefined): boolean {
    return id !== undefined && this.#brokenIds.has(id);
  }

  /** The break recorded for `seq`, if any. */
  breakAt(seq: number): ChainBreak | undefined {
    return this.#breaks.get(seq);
  }

  /** Where verification stands. */
  summary(): ChainSummary {
    let firstBreak: ChainBreak | undefined;
    for (const found of this.#breaks.values()) if (firstBreak === undefined || found.seq < firstBreak.seq) firstBreak = found;
    const state =
      typeof crypto === 'undefined' || crypto.subtle === undefined
        ? this.#checked + this.#queue.length > 0
          ? ChainState.Unsupported
          : ChainState.Unavailable
        : firstBreak !== undefined
          ? ChainState.Broken
          : this.#checked > 0
            ? ChainState.Verified
            : this.#queue.length > 0 || this.#working !== undefined
              ? ChainState.Verifying
              : ChainState.Unavailable;
    return {
      state,
      through: state === ChainState.Verified ? this.#maxSeq : undefined,
      checked: this.#checked,
      holes: Math.max(0, this.#runs - 1),
      unchained: this.#unchained,
      firstBreak,
      breaks: this.#breaks.size,
      checkpoint: this.#checkpoint,
    };
  }

  async #drain(): Promise<void> {
    try {
      if (typeof crypto === 'undefined' || crypto.subtle === undefined) {
        this.#queue = [];
        return;
      }
      while (this.#queue.length > 0) {
        const round = this.#queue.splice(0, ROUND);
        const pending: Promise<Hashed | undefined>[] = [];
        for (const message of round) {
          for (const record of message.chain?.records ?? []) pending.push(hashRecord(record));
          pending.push(hashEvent(message));
        }
        const hashed = (await Promise.all(pending)).filter((item): item is Hashed => item !== undefined);
        hashed.sort((a, b) => a.seq - b.seq);
        for (const item of hashed) this.#insert(item);
        this.#onChange();
      }
    } finally {
      this.#working = undefined;
    }
  }

  #insert(item: Hashed): void {
    const links = this.#links;
    const existing = links.get(item.seq);
    if (existing !== undefined) {
      // The same line again (a resume, a reload, a page loaded twice) is no news; a different one is.
      if (existing.lineHash !== item.lineHash || existing.prev !== item.prev) {
        this.#break(item, BreakReason.Conflict, `#${item.seq} arrived twice with different content`);
      }
      return;
    }
    links.set(item.seq, item);
    const before = links.get(item.seq - 1);
    const after = links.get(item.seq + 1);
    this.#runs += 1 - (before === undefined ? 0 : 1) - (after === undefined ? 0 : 1);
    this.#checked++;
    if (this.#maxSeq === undefined || item.seq > this.#maxSeq) this.#maxSeq = item.seq;
    if (!item.ok) this.#break(item, BreakReason.Altered, `#${item.seq} was altered: its content does not match its hash`);
    // A link is judged only between lines whose own hashes hold: an altered line is named once, itself.
    if (before?.ok === true && item.ok && before.lineHash !== item.prev) {
      this.#break(
        item,
        BreakReason.Link,
        `#${item.seq} does not follow #${before.seq}: one of them was altered, or lines were removed between`,
      );
    }
    if (after?.ok === true && item.ok && after.prev !== item.lineHash) {
      this.#break(
        after,
        BreakReason.Link,
        `#${after.seq} does not follow #${item.seq}: one of them was altered, or lines were removed between`,
      );
    }
    const checkpoint = this.#checkpoints.get(item.seq);
    if (checkpoint !== undefined) this.#compare(item, checkpoint);
    if (links.size > this.#maxLinks) this.#forgetOldest();
  }

  #compare(link: Hashed, checkpoint: CheckpointData): void {
    const matched = link.lineHash === checkpoint.hash;
    if (this.#checkpoint === undefined || checkpoint.seq >= this.#checkpoint.seq) this.#checkpoint = { seq: checkpoint.seq, matched };
    if (!matched) this.#break(link, BreakReason.Checkpoint, `#${link.seq} differs from the server's checkpoint for that place`);
  }

  #break(item: Hashed, reason: BreakReason, message: string): void {
    if (this.#breaks.has(item.seq) || this.#breaks.size >= MAX_BREAKS) return;
    this.#breaks.set(item.seq, { seq: item.seq, id: item.id, reason, message });
    if (item.id !== undefined) this.#brokenIds.add(item.id);
  }

  #forgetOldest(): void {
    const seq = this.#links.keys().next().value as number;
    this.#links.delete(seq);
    const neighbours = (this.#links.has(seq - 1) ? 1 : 0) + (this.#links.has(seq + 1) ? 1 : 0);
    this.#runs += neighbours - 1;
  }
}

/** Hashes an audit message's line as the trail wrote it, rebuilt from the message. */
async function hashEvent(message: AuditLogMessage): Promise<Hashed | undefined> {
  const chain = message.chain;
  if (chain === undefined || message.id === undefined) return undefined;
  const prefix = chainLinePrefix(chain.seq, chain.prev, message.id, message.data);
  const [own, lineHash] = await Promise.all([sha256(prefix), sha256(chainLine(prefix, chain.hash))]);
  return { seq: chain.seq, prev: chain.prev, lineHash, ok: own === chain.hash, id: message.id };
}

/** Hashes a non-event trail line carried in `chain.records` (undefined when it is not a trail line). */
async function hashRecord(line: string): Promise<Hashed | undefined> {
  const head = HEAD.exec(line);
  const tail = TAIL.exec(line);
  if (head === null || tail === null) return undefined;
  const [own, lineHash] = await Promise.all([sha256(line.slice(0, line.length - tail[0].length)), sha256(line)]);
  return { seq: Number(head[1]), prev: head[2] as string, lineHash, ok: own === tail[1], id: undefined };
}
