-- Records which Razorpay order a reservation belongs to, so expiry can mark that order expired.
-- KEYS: reservations hash. ARGV: reservation id, order id. Replies: 1 attached, 0 reservation gone.
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then
  return 0
end
local quantity, amount, client = string.match(value, '^(%d+)|(%d+)|([^|]*)|')
redis.call('HSET', KEYS[1], ARGV[1], quantity .. '|' .. amount .. '|' .. client .. '|' .. ARGV[2])
return 1
