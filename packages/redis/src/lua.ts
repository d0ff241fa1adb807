/**
 * The append script. One call appends one batch of a node's records to one stream, atomically, as
 * ONE stream entry (see `entry-codec.ts` for the entry's fields and the records' ids):
 *
 * - skips records whose producer sequence is at or below the producer's high-water mark, so a
 *   batch re-sent after a lost reply is not written twice (a partly written batch cannot exist:
 *   the call is atomic; a re-send that also carries newer records writes only those);
 * - starts a new epoch when the meta hash is missing, or when the stream key is gone while the
 *   meta still remembers entries (the stream was deleted or evicted): readers holding old ids must
 *   be told, not silently fed ids of a different history;
 * - gives the entry the id of its last record: `<ms>-<s>` where `<ms>` is Redis's clock (or the
 *   last record's millisecond, if the clock has not passed it) and the batch's `k` records take
 *   the sequences `s-k+1 … s` after the previous record's. So record ids are Redis-ordered across
 *   nodes (one script at a time), stable, and the entry links (`p`) to the record before it;
 * - records the last id in the meta hash, and trims once per batch: by age (`XTRIM MINID`), and by
 *   length counted in records, in whole entries: the ids and record counts of the entries are
 *   listed, oldest first, in the counts list (`:c`), the meta's `kept` is their total, and the
 *   oldest entries go while the rest still holds `maxLength` records.
 *
 * KEYS: stream, meta, producers, counts.
 * ARGV: producer id, candidate epoch (used only when a new epoch starts), max length in records
 * (0 = none), max age in ms (0 = none), exact trimming ('1') or approximate ('0'), producer-mark
 * TTL in seconds, the producer sequence of the first record (the batch's sequences are contiguous),
 * the byte lengths of each record's header and data (comma-separated, two per record), the records
 * packed in one string (per record its header `type US time US level US logger`, US = \x1f, then
 * its data), and the node's name. The script stores the lengths and the packed records as they
 * come: the client encodes two arguments per batch, and each reader decodes five values per batch.
 *
 * Returns { epoch, appended, skipped, first id or '', last id or '' }.
 */
export const APPEND_LUA = `
local x, m, pr, c = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local producer = ARGV[1]
local hw = tonumber(redis.call('HGET', pr, producer) or '0')
local epoch = redis.call('HGET', m, 'e')
local last = redis.call('HGET', m, 'last')
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if (not epoch) or (last and last ~= '0-0' and redis.call('EXISTS', x) == 0) then
  epoch = ARGV[2]
  last = '0-0'
  redis.call('HSET', m, 'e', epoch, 'last', last, 'created', string.format('%d', nowMs), 'kept', '0')
  redis.call('DEL', c)
end
if not last then last = '0-0' end
local lengths, blob = ARGV[8], ARGV[9]
local total = 0
for _ in string.gmatch(lengths, '%d+') do total = total + 1 end
total = math.floor(total / 2)
local first = tonumber(ARGV[7])
if total == 0 or first + total - 1 <= hw then
  return { epoch, 0, total, '', '' }
end
local skipped = 0
if first <= hw then
  -- A re-send that also carries newer records: cut the ones already written.
  skipped = hw - first + 1
  local pos, bytes = 1, 0
  for _ = 1, 2 * skipped do
    local s, e = string.find(lengths, '%d+', pos)
    bytes = bytes + tonumber(string.sub(lengths, s, e))
    pos = e + 2
  end
  lengths = string.sub(lengths, pos)
  blob = string.sub(blob, bytes + 1)
end
local n = total - skipped
local lms, lseq = string.match(last, '^(%d+)-(%d+)$')
lms, lseq = tonumber(lms), tonumber(lseq)
local ms, s0 = nowMs, 0
if nowMs <= lms then ms, s0 = lms, lseq + 1 end
local id = string.format('%d-%d', ms, s0 + n - 1)
local added = redis.pcall('XADD', x, id, 'p', last, 'e', epoch, 'n', ARGV[10], 'l', lengths, 'b', blob)
if type(added) == 'table' and added.err then
  if not string.find(added.err, 'equal or smaller', 1, true) then return redis.error_reply(added.err) end
  -- The stream went past the meta's last id (a foreign entry, a rewritten meta): continue above it.
  local info = redis.call('XINFO', 'STREAM', x)
  for i = 1, #info - 1, 2 do
    if info[i] == 'last-generated-id' then
      local tms, tseq = string.match(info[i + 1], '^(%d+)-(%d+)$')
      tms, tseq = tonumber(tms), tonumber(tseq)
      if tms >= ms then ms, s0 = tms, tseq + 1 end
    end
  end
  id = string.format('%d-%d', ms, s0 + n - 1)
  redis.call('XADD', x, id, 'p', last, 'e', epoch, 'n', ARGV[10], 'l', lengths, 'b', blob)
end
redis.call('HSET', m, 'last', id)
redis.call('HSET', pr, producer, string.format('%d', first + total - 1))
redis.call('EXPIRE', pr, tonumber(ARGV[6]))
local how = '~'
if ARGV[5] == '1' then how = '=' end
local maxlen, maxage = tonumber(ARGV[3]), tonumber(ARGV[4])
local cutoff = 0
if maxage > 0 then
  cutoff = nowMs - maxage
  if cutoff > 0 then redis.call('XTRIM', x, 'MINID', how, string.format('%d', cutoff)) end
end
if maxlen > 0 then
  redis.call('RPUSH', c, id .. ' ' .. n)
  local kept = redis.call('HINCRBY', m, 'kept', n)
  local gone = nil
  while kept > maxlen or cutoff > 0 do
    local head = redis.call('LINDEX', c, 0)
    if not head then break end
    local hms, hseq, hn = string.match(head, '^(%d+)-(%d+) (%d+)$')
    hn = tonumber(hn)
    if not (tonumber(hms) < cutoff or kept - hn >= maxlen) then break end
    redis.call('LPOP', c)
    kept = kept - hn
    gone = { tonumber(hms), tonumber(hseq) }
  end
  if gone then
    redis.call('HSET', m, 'kept', kept)
    redis.call('XTRIM', x, 'MINID', how, string.format('%d-%d', gone[1], gone[2] + 1))
  end
end
return { epoch, n, skipped, string.format('%d-%d', ms, s0), id }
`;

/**
 * Gives a stream its epoch before anything is appended (a node starting on an empty stream), so
 * every node shows clients the same epoch from the start. KEYS: meta, counts. ARGV: candidate
 * epoch. Returns the stream's epoch.
 */
export const ENSURE_EPOCH_LUA = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e then
  local now = redis.call('TIME')
  e = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', e, 'last', '0-0', 'created', tostring(now[1] * 1000 + math.floor(now[2] / 1000)), 'kept', '0')
  redis.call('DEL', KEYS[2])
end
return e
`;
