import type { GapData, LogType } from './messages.js';

// Frame builders: the JSON text of the frames servers send most, by string concatenation of parts
// that are already JSON (a message's `data`) or cannot need escaping (types, stream ids), so a
// message is never stringified twice. Each yields exactly what `JSON.stringify` of the message
// (keys in the order shown in docs/protocol.md) would.

/**
 * `{"type":<type>,"id":<id>,"data":<data>}`: one log message. `data` is the JSON text of the data
 * object; `id` a stream id (`<ms>-<seq>`, see `formatId`), which needs no escaping.
 */
export function logFrame(type: LogType, id: string, data: string): string {
  return '{"type":"' + type + '","id":"' + id + '","data":' + data + '}';
}

/**
 * `{"type":"batch","data":{"epoch","from","to","messages":[…],"replay"?}}`: log frames (from
 * {@link logFrame}) covering `(from, to]` of `epoch`. `from`/`to` are stream ids or `null`;
 * `"replay":true` is written only when `replay` is true.
 */
export function batchFrame(epoch: string, from: string | null, to: string | null, messages: readonly string[], replay = false): string {
  return (
    '{"type":"batch","data":{"epoch":' +
    JSON.stringify(epoch) +
    ',"from":' +
    (from === null ? 'null' : '"' + from + '"') +
    ',"to":' +
    (to === null ? 'null' : '"' + to + '"') +
    ',"messages":[' +
    messages.join(',') +
    ']' +
    (replay ? ',"replay":true' : '') +
    '}}'
  );
}

/**
 * `{"type":"gap","data":{"from","to","reason","count"?,"epoch"?}}`: keys in this order whatever the
 * order in `gap`; `count` and `epoch` only when defined, other properties of `gap` never; a missing
 * `from`/`to` is written as `null`.
 */
export function gapFrame(gap: GapData): string {
  return (
    '{"type":"gap","data":{"from":' +
    JSON.stringify(gap.from ?? null) +
    ',"to":' +
    JSON.stringify(gap.to ?? null) +
    ',"reason":' +
    JSON.stringify(gap.reason) +
    (gap.count === undefined ? '' : ',"count":' + JSON.stringify(gap.count)) +
    (gap.epoch === undefined ? '' : ',"epoch":' + JSON.stringify(gap.epoch)) +
    '}}'
  );
}

/** `{"type":"ping","data":{"ts":<ts>}}`: the keep-alive, `ts` in ms since the epoch. */
export function pingFrame(ts: number): string {
  return '{"type":"ping","data":{"ts":' + ts + '}}';
}
