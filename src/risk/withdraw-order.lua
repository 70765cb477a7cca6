-- Takes back what admit-order counted for an execution that turned out not to be a first request (its admission was
-- sent together with the idempotency lock, and the lock answered with a replay, a request in progress or another
-- execution). Only an execution admitted and not yet withdrawn has its marker, so this counts back at most once.
-- KEYS: 1 admitted marker of the execution, 2 client orders, 3 customer orders, 4 client amount, 5 customer amount,
--       6 client holds, 7 session holds.
-- ARGV: 1 the now ms the admission counted at, 2 amount, 3 reservation id, 4 has customer (1/0).
-- Replies: 1 withdrawn, 0 nothing to withdraw (refused, or withdrawn before).
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local second, minute = 1000, 60000

-- The count goes back into the bucket it was added to; a bucket already gone has nothing left to take back.
local function window_take (key, bucket_ms, value)
  local bucket = tostring(math.floor(now / bucket_ms))
  local current = tonumber(redis.call('HGET', key, bucket) or '0')
  if current <= value then
    redis.call('HDEL', key, bucket)
  else
    redis.call('HINCRBY', key, bucket, -value)
  end
end

window_take(KEYS[2], second, 1)
window_take(KEYS[4], minute, amount)
if ARGV[4] == '1' then
  window_take(KEYS[3], second, 1)
  window_take(KEYS[5], minute, amount)
end
redis.call('ZREM', KEYS[6], ARGV[3])
redis.call('ZREM', KEYS[7], ARGV[3])
return 1
