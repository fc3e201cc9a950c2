// klaviyo-cpp fleet mode: the Lua scripts that Redis runs for the fleet.
//
// Each script is one atomic step on the server, timed by the server's clock
// (TIME): processes whose clocks disagree still agree on the windows. Times
// are microseconds since the epoch. Lua's tostring() keeps 14 digits, so
// every time handed back to Redis goes through num() ('%.0f': exact below
// 2^53).
//
// The windows of one rate-limit class, in two keys:
//   calls  a sorted set: one member per call, scored by the call's end
//          (an estimate, start + allowance, until it ends; then its end);
//          a call counts in a window of length L from its start until L
//          after its end, as in the in-process pacer;
//   state  a hash: `last`, the latest start booked (starts are booked in
//          order, so that a new start never falls before one already given),
//          `pause`, the end of a 429's Retry-After, and `bu`/`bl`, what
//          Klaviyo's RateLimit headers leave the fleet until their reset.
// With starts in order, the calls that count at a start t are those that
// end after t - L: t may start when fewer than `limit` of them do, that is
// after the limit-th latest end plus L.
#pragma once

#include <string_view>

namespace klaviyo::fleet::detail {

/// Books the earliest start the windows allow, no further ahead than the
/// horizon. KEYS: calls, state, epoch, members. ARGV: member, burst limit,
/// steady limit, burst length, steady length, allowance, horizon (µs), process.
/// Returns {booked (1 or 0), wait µs (until the start, or until asking again
/// makes sense), epoch (when this fleet state was created), members, now}.
inline constexpr std::string_view book_script = R"lua(
local function num(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local epoch = tonumber(redis.call('GET', KEYS[3]) or '0')
if epoch == 0 then
  epoch = now
  redis.call('SET', KEYS[3], num(now))
end
local bl, sl = tonumber(ARGV[2]), tonumber(ARGV[3])
local blen, slen = tonumber(ARGV[4]), tonumber(ARGV[5])
local allow, horizon = tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. num(now - slen))
local st = redis.call('HMGET', KEYS[2], 'last', 'pause', 'bu', 'bl')
local at = now
local last, pause = tonumber(st[1] or '0'), tonumber(st[2] or '0')
local budget_until, budget_left = tonumber(st[3] or '0'), tonumber(st[4] or '0')
if last > at then at = last end
if pause > at then at = pause end
local function opens(limit, len)
  if limit <= 0 then return 0 end
  local r = redis.call('ZREVRANGE', KEYS[1], limit - 1, limit - 1, 'WITHSCORES')
  if #r == 0 then return 0 end
  return tonumber(r[2]) + len + 1
end
local b = opens(bl, blen)
if b > at then at = b end
local s = opens(sl, slen)
if s > at then at = s end
local spend = budget_until > now and at < budget_until
if spend and budget_left <= 0 then
  at = budget_until
  spend = false
end
redis.call('ZADD', KEYS[4], num(now), ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. num(now - slen))
redis.call('PEXPIRE', KEYS[4], math.floor(slen / 1000) + 1000)
local members = redis.call('ZCARD', KEYS[4])
if at - now > horizon then
  return {0, at - horizon - now, epoch, members, now}
end
redis.call('ZADD', KEYS[1], num(at + allow), ARGV[1])
redis.call('HSET', KEYS[2], 'last', num(at))
if spend then redis.call('HINCRBY', KEYS[2], 'bl', -1) end
local ttl = math.floor((slen + allow + horizon) / 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return {1, at - now, epoch, members, now}
)lua";

/// A call ended: its end becomes the server's now (at or after the real
/// end, which is all the windows need). Then, by ARGV[2]:
/// '1' Klaviyo's RateLimit-Remaining and -Reset: until the reset, the class
/// may book no more than what remains, less the fleet's calls in flight and
/// booked before the reset, less a reserve for spending outside the fleet
/// between two answers (the `bu`/`bl` fields of state: budget until, budget
/// left; Reset is in whole seconds, rounded up, so two answers whose resets
/// lie within a second of each other speak of one window: the earlier reset
/// and the lower budget hold);
/// '2' a 429's Retry-After pauses the class; '3' the call was never sent:
/// it counts no more.
/// KEYS: calls, state. ARGV: member, mode, remaining or Retry-After (µs),
/// reset (µs), reserve (calls). "In flight and booked before the reset":
/// the calls whose (estimated) end lies between now and the reset.
/// Returns the budget left (mode '1'), else 0.
inline constexpr std::string_view finish_script = R"lua(
local function num(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if ARGV[2] == '3' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], 'XX', num(now), ARGV[1]) end
if ARGV[2] == '2' then
  local untl = now + tonumber(ARGV[3])
  local old = tonumber(redis.call('HGET', KEYS[2], 'pause') or '0')
  if untl > old then redis.call('HSET', KEYS[2], 'pause', num(untl)) end
  local need = math.floor((untl - now) / 1000) + 1000
  if redis.call('PTTL', KEYS[2]) < need then redis.call('PEXPIRE', KEYS[2], need) end
  return 0
end
if ARGV[2] == '1' then
  local untl = now + tonumber(ARGV[4])
  local ahead = redis.call('ZCOUNT', KEYS[1], '(' .. num(now), '(' .. num(untl))
  local left = tonumber(ARGV[3]) - ahead - tonumber(ARGV[5])
  local st = redis.call('HMGET', KEYS[2], 'bu', 'bl')
  local bu, bl = tonumber(st[1] or '0'), tonumber(st[2] or '0')
  if now >= bu or untl > bu + 1000000 then
    redis.call('HSET', KEYS[2], 'bu', num(untl), 'bl', num(left))
  else
    -- Each answer's reset, rounded up to a second, is at or after the real
    -- one: the earliest is the closest.
    if untl < bu then redis.call('HSET', KEYS[2], 'bu', num(untl)) end
    if left < bl then redis.call('HSET', KEYS[2], 'bl', num(left)) end
  end
  local need = math.floor((untl - now) / 1000) + 1000
  if redis.call('PTTL', KEYS[2]) < need then redis.call('PEXPIRE', KEYS[2], need) end
  return left
end
return 0
)lua";

/// After an outage: the calls this process made meanwhile, which the fleet
/// did not see. KEYS: calls. ARGV: member prefix, steady length (µs), then
/// how long ago each ended (µs).
inline constexpr std::string_view register_script = R"lua(
local function num(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[1], num(now - tonumber(ARGV[i])), ARGV[1] .. num(now) .. ':' .. i)
end
local slen = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < math.floor(slen / 1000) + 1000 then
  redis.call('PEXPIRE', KEYS[1], math.floor(slen / 1000) + 1000)
end
return #ARGV - 2
)lua";

/// The fleet's OAuth token record (a hash: version, access_token,
/// refresh_token, expires_at_ms, scope). KEYS: record. ARGV: a seed token's
/// access_token ('' for none), refresh_token, expires_at_ms, scope, and
/// whether a seed that expires later replaces the record ('1': after the
/// record was lost, each process offers its token and the newest stays).
/// Without a record, a seed is taken. Returns the record's fields in that
/// order, version first, or nil.
inline constexpr std::string_view current_token_script = R"lua(
local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local newer = ARGV[1] ~= '' and ARGV[5] == '1' and v > 0 and
  tonumber(redis.call('HGET', KEYS[1], 'expires_at_ms') or '0') < tonumber(ARGV[3])
if v == 0 or newer then
  if ARGV[1] == '' then return false end
  redis.call('HSET', KEYS[1], 'version', tostring(v + 1), 'access_token', ARGV[1], 'refresh_token', ARGV[2],
             'expires_at_ms', ARGV[3], 'scope', ARGV[4])
end
return redis.call('HMGET', KEYS[1], 'version', 'access_token', 'refresh_token', 'expires_at_ms', 'scope')
)lua";

/// Compare and set: writes a new token when the record is still at version
/// ARGV[1] ('0': whatever it holds, for a new authorization) or is gone (a
/// restarted Redis: the token written is the newest there is), gives up the
/// lease of ARGV[7] and announces the new version on channel ARGV[6].
/// KEYS: record, lease. ARGV: expected version, access_token, refresh_token,
/// expires_at_ms, scope, channel, lease owner.
/// Returns {written (1 or 0), the record's fields as current_token_script}.
inline constexpr std::string_view write_token_script = R"lua(
local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local written = 0
if ARGV[1] == '0' or v == 0 or v == tonumber(ARGV[1]) then
  v = v + 1
  redis.call('HSET', KEYS[1], 'version', tostring(v), 'access_token', ARGV[2], 'refresh_token', ARGV[3],
             'expires_at_ms', ARGV[4], 'scope', ARGV[5])
  redis.call('PUBLISH', ARGV[6], tostring(v))
  written = 1
end
if redis.call('GET', KEYS[2]) == ARGV[7] then redis.call('DEL', KEYS[2]) end
return {written, redis.call('HMGET', KEYS[1], 'version', 'access_token', 'refresh_token', 'expires_at_ms', 'scope')}
)lua";

/// Gives up a lease held by ARGV[1]. KEYS: lease.
inline constexpr std::string_view release_lease_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

} // namespace klaviyo::fleet::detail
