-- Ends a reservation without a sale: 'release' returns its stock to available (payment failed, provider error),
-- 'expire' does the same only once its time has passed. Ending twice does nothing. (A sale is sell.lua.)
-- KEYS: variant hash, reservations hash, expiries zset. ARGV: reservation id, mode, now ms.
-- Replies: {1, order id, quantity} ended now | {0} nothing to end (already ended, or not yet expired)
--        | {-1} the hold cannot be read: nothing is changed (Redis keeps a failed script's earlier writes)
local value = redis.call('HGET', KEYS[2], ARGV[1])
if not value then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {0}
end
if ARGV[2] == 'expire' then
  local expiresAt = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if expiresAt and tonumber(expiresAt) > tonumber(ARGV[3]) then
    return {0}
  end
end
local quantity, order = string.match(value, '^(%d+)|%d+|[^|]*|(.*)$')
quantity = tonumber(quantity)
if not quantity then
  return {-1}
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'reserved', -quantity)
redis.call('HINCRBY', KEYS[1], 'available', quantity)
return {1, order, quantity}
