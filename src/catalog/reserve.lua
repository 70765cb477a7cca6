-- Checks the price and reserves stock in one step. The reservation id is derived from the idempotency key,
-- so a retry finds its own reservation instead of reserving twice.
-- KEYS: variant hash, reservations hash, expiries zset.
-- ARGV: reservation id, quantity, amount, currency, expires at ms, client id.
-- Replies: {'reserved', expiresAt} | {'existing', expiresAt} | {'not_found'} | {'amount_mismatch', price}
--        | {'currency_mismatch', currency} | {'insufficient', available}
local existing = redis.call('ZSCORE', KEYS[3], ARGV[1])
if existing and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return {'existing', existing}
end
local variant = redis.call('HMGET', KEYS[1], 'price', 'currency', 'available')
if not variant[1] then
  return {'not_found'}
end
local quantity = tonumber(ARGV[2])
if tonumber(variant[1]) * quantity ~= tonumber(ARGV[3]) then
  return {'amount_mismatch', variant[1]}
end
if variant[2] ~= ARGV[4] then
  return {'currency_mismatch', variant[2]}
end
local available = tonumber(variant[3])
if available < quantity then
  return {'insufficient', available}
end
redis.call('HINCRBY', KEYS[1], 'available', -quantity)
redis.call('HINCRBY', KEYS[1], 'reserved', quantity)
redis.call('HSET', KEYS[2], ARGV[1], quantity .. '|' .. ARGV[6] .. '|')
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
return {'reserved', ARGV[5]}
