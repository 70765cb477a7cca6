-- Counts a checkout-signature failure on an order. KEYS: the order's counter. ARGV: ttl s. Replies: the count.
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return count
