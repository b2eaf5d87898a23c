/**
 * The Lua scripts that make RedisStore's compound operations atomic, run by EVALSHA with a fallback
 * to EVAL when Redis does not know the script yet (after a restart, or on first use).
 *
 * A log is one hash, so that `delete` and `expire` treat it as one key like any other: field `n`
 * holds the last seq, `f` the first seq still kept, and `e<seq>` each kept entry.
 */
import { createHash } from "node:crypto";

export interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

// Seqs are formatted with %d: Lua's default number formatting switches to exponents past 1e14.
const FORMAT = "local function id(n) return string.format('%d', n) end\n";

/** KEYS[1] log; ARGV value, maxLength, ttlMs. Returns the new entry's seq. */
export const APPEND = script(`${FORMAT}
local seq = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'e' .. id(seq), ARGV[1])
local first = tonumber(redis.call('HGET', KEYS[1], 'f') or '1')
local max = tonumber(ARGV[2])
while seq - first + 1 > max do
  redis.call('HDEL', KEYS[1], 'e' .. id(first))
  first = first + 1
end
redis.call('HSET', KEYS[1], 'f', id(first))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return seq
`);

/**
 * KEYS[1] log; ARGV afterSeq. Returns the values after afterSeq (their seqs follow it), or nil when
 * that cannot be answered without a gap (no log, afterSeq past its end, or entries trimmed).
 */
export const READ_AFTER = script(`${FORMAT}
local meta = redis.call('HMGET', KEYS[1], 'n', 'f')
if not meta[1] then return false end
local last = tonumber(meta[1])
local first = tonumber(meta[2] or '1')
local after = tonumber(ARGV[1])
if after > last or after < first - 1 then return false end
local values = {}
local s = after + 1
while s <= last do
  local fields = {}
  local stop = math.min(last, s + 999)
  for i = s, stop do fields[#fields + 1] = 'e' .. id(i) end
  local chunk = redis.call('HMGET', KEYS[1], unpack(fields))
  for i = 1, #fields do
    if not chunk[i] then return false end
    values[#values + 1] = chunk[i]
  end
  s = stop + 1
end
return values
`);

/** KEYS[1] hash; ARGV field, value, ttlMs. */
export const HASH_SET = script(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);
