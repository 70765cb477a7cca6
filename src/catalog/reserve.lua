-- Checks the price and reserves stock in one step. The reservation id is derived from the request's execution id,
-- so a retry of the same request finds its own reservation instead of reserving twice; a held reservation is
-- reused only for the same quantity and amount, and one that was already sold is never reserved again.
-- KEYS: variant hash, reservations hash, expiries zset, sale marker.
-- ARGV: reservation id, quantity, amount, currency, expires at ms, client id.
-- Replies: {'reserved', expiresAt} | {'existing', expiresAt} | {'conflict'} | {'not_found'}
--        | {'amount_mismatch', price} | {'currency_mismatch', currency} | {'insufficient', available}
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  local quantity, amount = string.match(held, '^(%d+)|(%d+)|')
  if quantity ~= ARGV[2] or amount ~= ARGV[3] then
    return {'conflict'}
  end
  return {'existing', redis.call('ZSCORE', KEYS[3], ARGV[1]) or ARGV[5]}
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {'existing', ARGV[5]}
end
local variant = redis.call('HMGET', KEYS[1], 'price', 'currency', 'available', 'reserved')
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
-- Both counters in one write: this script read them and nothing else runs in between.
redis.call('HSET', KEYS[1], 'available', available - quantity, 'reserved', tonumber(variant[4] or '0') + quantity)
redis.call('HSET', KEYS[2], ARGV[1], quantity .. '|' .. ARGV[3] .. '|' .. ARGV[6] .. '|')
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
return {'reserved', ARGV[5]}
