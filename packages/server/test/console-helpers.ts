import { Writable } from 'node:stream';

/** A real Writable that records every chunk; `hold` keeps each write pending until `release()` (a stalled terminal or pipe). */
export function collector(options: { hold?: boolean; highWaterMark?: number; isTTY?: boolean } = {}): {
  stream: Writable & { isTTY?: boolean };
  chunks: string[];
  text(): string;
  release(): void;
} {
  const chunks: string[] = [];
  const held: (() => void)[] = [];
  let hold = options.hold ?? false;
  const stream: Writable & { isTTY?: boolean } = new Writable({
    decodeStrings: false,
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: unknown, _encoding, callback) {
      chunks.push(String(chunk));
      if (hold) held.push(callback);
      else callback();
    },
  });
  if (options.isTTY === true) stream.isTTY = true;
  return {
    stream,
    chunks,
    text: () => chunks.join(''),
    release() {
      hold = false;
      for (const callback of held.splice(0)) callback();
    },
  };
}
