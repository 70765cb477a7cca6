-- Sets a variant's price, currency and total stock. Total stock = available + reserved + sold, so the
-- available count becomes stock - reserved - sold; a stock below what is reserved or sold is refused.
-- KEYS: variant hash. ARGV: variant id, price, currency, stock, now ms.
-- Replies: {1, available, reserved, sold} | {0, reserved + sold}
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local sold = tonumber(redis.call('HGET', KEYS[1], 'sold') or '0')
local stock = tonumber(ARGV[4])
if stock < reserved + sold then
  return {0, reserved + sold}
end
redis.call('HSET', KEYS[1], 'price', ARGV[2], 'currency', ARGV[3], 'available', stock - reserved - sold,
  'reserved', reserved, 'sold', sold, 'updatedAt', ARGV[5])
return {1, stock - reserved - sold, reserved, sold}
