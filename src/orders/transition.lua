-- Moves an order to a new status when its current status allows it (the order state machine).
-- KEYS: order hash. ARGV: new status, allowed current statuses joined by ',', updatedAt, then field, value pairs.
-- Replies: {1, previous status} moved | {0, current status} not allowed | {-1} no such order
local current = redis.call('HGET', KEYS[1], 'status')
if not current then
  return {-1}
end
if not string.find(',' .. ARGV[2] .. ',', ',' .. current .. ',', 1, true) then
  return {0, current}
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[3])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return {1, current}
