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

window_take(KEYS[2], now, second, 1)
window_take(KEYS[4], now, minute, amount)
if ARGV[4] == '1' then
  window_take(KEYS[3], now, second, 1)
  window_take(KEYS[5], now, minute, amount)
end
redis.call('ZREM', KEYS[6], ARGV[3])
redis.call('ZREM', KEYS[7], ARGV[3])
return 1
