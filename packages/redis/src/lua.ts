/**
 * The append script. One call appends one batch of a node's records to one stream, atomically:
 *
 * - skips records whose producer sequence is at or below the producer's high-water mark, so a
 *   batch re-sent after a lost reply is not written twice;
 * - starts a new epoch when the meta hash is missing, or when the stream key is gone while the
 *   meta still remembers entries (the stream was deleted or evicted): readers holding old ids must
 *   be told, not silently fed ids of a different history;
 * - writes each record as its own entry with `XADD *` (Redis assigns the `<ms>-<seq>` id that
 *   becomes the wire cursor) and a `p` field linking it to the entry before it. Four fields per
 *   entry (`p` prev, `e` epoch, `h` header, `d` data): every field is a string each reader parses,
 *   and halving them doubles the read rate;
 * - records the last id in the meta hash and trims by length and by age once per batch.
 *
 * KEYS: stream, meta, producers.
 * ARGV: producer id, candidate epoch (used only when a new epoch starts), max length (0 = none),
 * max age in ms (0 = none), exact trimming ('1') or approximate ('0'), producer-mark TTL in
 * seconds, the producer sequence of the first record (the batch's sequences are contiguous), the
 * byte lengths of each record's header and data (comma-separated, two per record), and the records
 * packed in one string: per record its header (`type US time US level US node US logger`,
 * US = \x1f), then its data. Packed, a batch is two arguments instead of two per record, which is
 * what the client spends its time on when it encodes the call.
 *
 * Returns { epoch, appended, skipped, first id or '', last id or '' }.
 */
export const APPEND_LUA = `
local x, m, pr = KEYS[1], KEYS[2], KEYS[3]
local producer = ARGV[1]
local hw = tonumber(redis.call('HGET', pr, producer) or '0')
local epoch = redis.call('HGET', m, 'e')
local last = redis.call('HGET', m, 'last')
if (not epoch) or (last and last ~= '0-0' and redis.call('EXISTS', x) == 0) then
  local now = redis.call('TIME')
  epoch = ARGV[2]
  last = '0-0'
  redis.call('HSET', m, 'e', epoch, 'last', last, 'created', tostring(now[1] * 1000 + math.floor(now[2] / 1000)))
end
if not last then last = '0-0' end
local appended, skipped, first = 0, 0, ''
local seq = tonumber(ARGV[7]) - 1
local blob, at, header = ARGV[9], 1, nil
for length in string.gmatch(ARGV[8], '%d+') do
  if header == nil then
    header = tonumber(length)
  else
    local data = tonumber(length)
    seq = seq + 1
    if seq > hw then
      local h = string.sub(blob, at, at + header - 1)
      local d = string.sub(blob, at + header, at + header + data - 1)
      last = redis.call('XADD', x, '*', 'p', last, 'e', epoch, 'h', h, 'd', d)
      if first == '' then first = last end
      hw = seq
      appended = appended + 1
    else
      skipped = skipped + 1
    end
    at = at + header + data
    header = nil
  end
end
if appended > 0 then
  redis.call('HSET', m, 'last', last)
  redis.call('HSET', pr, producer, tostring(hw))
  redis.call('EXPIRE', pr, tonumber(ARGV[6]))
  local how = '~'
  if ARGV[5] == '1' then how = '=' end
  local maxlen = tonumber(ARGV[3])
  if maxlen > 0 then redis.call('XTRIM', x, 'MAXLEN', how, maxlen) end
  local maxage = tonumber(ARGV[4])
  if maxage > 0 then
    local now = redis.call('TIME')
    local cutoff = now[1] * 1000 + math.floor(now[2] / 1000) - maxage
    if cutoff > 0 then redis.call('XTRIM', x, 'MINID', how, string.format('%d', cutoff)) end
  end
else
  last = ''
end
return { epoch, appended, skipped, first, last }
`;

/**
 * Gives a stream its epoch before anything is appended (a node starting on an empty stream), so
 * every node shows clients the same epoch from the start. KEYS: meta. ARGV: candidate epoch.
 * Returns the stream's epoch.
 */
export const ENSURE_EPOCH_LUA = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e then
  local now = redis.call('TIME')
  e = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', e, 'last', '0-0', 'created', tostring(now[1] * 1000 + math.floor(now[2] / 1000)))
end
return e
`;

/**
 * Reads the entries after a position in one reply of two strings, for the live reader: one
 * `XRANGE` packed in Redis, so the client decodes two values per reply instead of ten per entry
 * (id, field array, four names, four values), which is where a node reading through ioredis spends
 * most of its time. The entries themselves are unchanged.
 *
 * KEYS: stream. ARGV: the position to read after (an id; `0-0` for the start), the most entries.
 * Returns { lengths, blob }: `lengths` lists, per entry, the byte lengths of its id and of its
 * `p`, `e`, `h` and `d` fields (`-1` for a field the entry lacks), comma-separated; `blob` is those
 * values concatenated in that order.
 */
export const READ_LUA = `
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', tonumber(ARGV[2]))
local lengths, parts = {}, {}
for i = 1, #entries do
  local id, f = entries[i][1], entries[i][2]
  local p, e, h, d
  for j = 1, #f - 1, 2 do
    local name = f[j]
    if name == 'p' then p = f[j + 1]
    elseif name == 'e' then e = f[j + 1]
    elseif name == 'h' then h = f[j + 1]
    elseif name == 'd' then d = f[j + 1] end
  end
  lengths[#lengths + 1] = #id
  parts[#parts + 1] = id
  for _, value in ipairs({ p or false, e or false, h or false, d or false }) do
    if value then
      lengths[#lengths + 1] = #value
      parts[#parts + 1] = value
    else
      lengths[#lengths + 1] = -1
    end
  end
end
return { table.concat(lengths, ','), table.concat(parts) }
`;
