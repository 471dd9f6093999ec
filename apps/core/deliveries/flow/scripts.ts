import { createHash } from 'node:crypto';

// The Lua scripts of flow control (flow-control.ts). Redis runs a script atomically
// (https://redis.io/docs/latest/develop/interactive/programmability/eval-intro/), so checking an
// export's room and taking it, or giving a lease back and handing it to the next wake-up waiting,
// is one step for every worker process at once. Time is Redis's own (TIME), the same for every
// process whatever their clocks say.
//
// Keys of one export: `leases` (sorted set: lease id → when it expires, ms), `rate` (sorted set:
// lease id → when it started, ms, for the last window) and `waiting` (sorted set: wake-up →
// arrival order). The `busy` set names the exports that have wake-ups waiting.

/** A script and its SHA-1, for EVALSHA. */
export interface FlowScript {
  lua: string;
  sha: string;
}

function script(lua: string): FlowScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * KEYS[1]: the busy set; then, per export, its leases, rate and waiting keys.
 * ARGV[1]: lease time (ms); ARGV[2]: rate window (ms); ARGV[3]: a nonce of this call (lease ids);
 * then per export: export id, maxInFlight (0: no lease), rate limit (0: none), grant (1: what is
 * popped gets a lease and a rate entry; 0: popped only, for the sweeper to queue), pump (1: pop what
 * there is room for; 0: pop nothing), and the counts and lists of leases released, rate entries
 * refunded (nothing was sent) and wake-ups arriving.
 *
 * Per export, in order: expired leases and rate entries older than the window go; the releases
 * and refunds are applied; arrivals join the waiting set at its end (one already waiting keeps its
 * place); then the oldest waiting wake-ups are popped while there is room under maxInFlight and
 * the rate limit. Answers, per export: {ms until the rate limit has room again when it is what
 * keeps wake-ups waiting (else 0), wake-up, lease id, wake-up, lease id …}.
 */
export const FLOW = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local nonce = ARGV[3]
local busy = KEYS[1]
local a = 4
local issued = 0
local arrived = 0
local answer = {}
for k = 2, #KEYS, 3 do
  local leases, rate, waiting = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local exportId = ARGV[a]
  local max = tonumber(ARGV[a + 1])
  local limit = tonumber(ARGV[a + 2])
  local grant = ARGV[a + 3] == '1'
  local pump = ARGV[a + 4] == '1'
  local releases, refunds, arrivals = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7])
  a = a + 8
  if max > 0 then redis.call('ZREMRANGEBYSCORE', leases, '-inf', now) end
  if limit > 0 then redis.call('ZREMRANGEBYSCORE', rate, '-inf', now - window) end
  for i = 1, releases do redis.call('ZREM', leases, ARGV[a]); a = a + 1 end
  for i = 1, refunds do redis.call('ZREM', rate, ARGV[a]); a = a + 1 end
  for i = 1, arrivals do
    arrived = arrived + 1
    redis.call('ZADD', waiting, 'NX', now * 1000 + (arrived % 1000), ARGV[a])
    a = a + 1
  end
  local room = redis.call('ZCARD', waiting)
  if not pump then room = 0 end
  if max > 0 then room = math.min(room, max - redis.call('ZCARD', leases)) end
  local rateRoom = -1
  if limit > 0 then
    rateRoom = limit - redis.call('ZCARD', rate)
    room = math.min(room, rateRoom)
  end
  local out = {0}
  if room > 0 then
    local popped = redis.call('ZPOPMIN', waiting, room)
    for i = 1, #popped, 2 do
      local wake = popped[i]
      local lease = ''
      if grant then
        issued = issued + 1
        lease = wake .. '~' .. nonce .. '~' .. issued
        if max > 0 then redis.call('ZADD', leases, now + ttl, lease) end
        if limit > 0 then redis.call('ZADD', rate, now, lease) end
      end
      out[#out + 1] = wake
      out[#out + 1] = lease
    end
    if grant and max > 0 then redis.call('PEXPIRE', leases, ttl) end
    if grant and limit > 0 then
      redis.call('PEXPIRE', rate, window)
      rateRoom = rateRoom - (#popped / 2)
    end
  end
  if redis.call('EXISTS', waiting) == 1 then
    redis.call('SADD', busy, exportId)
    if limit > 0 and rateRoom <= 0 then
      local oldest = redis.call('ZRANGE', rate, 0, 0, 'WITHSCORES')
      if oldest[2] then out[1] = math.max(1, tonumber(oldest[2]) + window - now) end
    end
  else
    redis.call('SREM', busy, exportId)
  end
  answer[#answer + 1] = out
end
return answer
`);

/**
 * KEYS: leases keys. ARGV[1]: lease time (ms); then per key: the count of lease ids and the ids.
 * Extends the leases this process still holds (a lease already expired is not brought back).
 */
export const RENEW = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a]); a = a + 1
  for i = 1, n do redis.call('ZADD', KEYS[k], 'XX', now + ttl, ARGV[a]); a = a + 1 end
  if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('PEXPIRE', KEYS[k], ttl) end
end
return 0
`);
