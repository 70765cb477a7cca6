-- Adds a variant from the catalog file only when the store does not know it yet (never resets live stock).
-- KEYS: variant hash. ARGV: variant id, price, currency, stock, now ms. Replies: 1 added, 0 kept.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'price', ARGV[2], 'currency', ARGV[3], 'available', ARGV[4], 'reserved', 0, 'sold', 0,
  'updatedAt', ARGV[5])
return 1
