import type { GapData } from '@logwire/protocol';

// The JSON text of the frames the endpoint sends, by concatenation of parts that are already JSON
// (log frames) or need no escaping (stream ids), so a message is never stringified twice.

/** `{"type":"batch","data":{"epoch","from","to","messages":[…],"replay"?}}`. */
export function batchFrame(epoch: string, from: string | null, to: string | null, messages: readonly string[], replay = false): string {
  return (
    '{"type":"batch","data":{"epoch":' + JSON.stringify(epoch) +
    ',"from":' + (from === null ? 'null' : '"' + from + '"') +
    ',"to":' + (to === null ? 'null' : '"' + to + '"') +
    ',"messages":[' + messages.join(',') + ']' +
    (replay ? ',"replay":true' : '') +
    '}}'
  );
}

/** `{"type":"gap","data":{"from","to","reason","count"?,"epoch"?}}`. */
export function gapFrame(gap: GapData): string {
  return (
    '{"type":"gap","data":{"from":' + JSON.stringify(gap.from ?? null) +
    ',"to":' + JSON.stringify(gap.to ?? null) +
    ',"reason":' + JSON.stringify(gap.reason) +
    (gap.count === undefined ? '' : ',"count":' + JSON.stringify(gap.count)) +
    (gap.epoch === undefined ? '' : ',"epoch":' + JSON.stringify(gap.epoch)) +
    '}}'
  );
}

/** `{"type":"ping","data":{"ts":<ts>}}`. */
export function pingFrame(ts: number): string {
  return '{"type":"ping","data":{"ts":' + ts + '}}';
}
