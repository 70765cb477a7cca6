-- Records the sale of a paid order exactly once. A held reservation moves to sold; a reservation that already
-- ended (expired or released before a late payment) takes the stock from available instead. Stock never goes
-- negative: a late payment with nothing left is recorded as oversold for an operator to resolve.
-- KEYS: variant hash, reservations hash, expiries zset, sale marker. ARGV: reservation id, quantity, marker ttl seconds.
-- Replies: 'committed' | 'late' | 'oversold' | 'already'
if redis.call('EXISTS', KEYS[4]) == 1 then
  return 'already'
end
local outcome
local value = redis.call('HGET', KEYS[2], ARGV[1])
local quantity = tonumber(ARGV[2])
if value then
  quantity = tonumber(string.match(value, '^(%d+)|'))
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'reserved', -quantity)
  redis.call('HINCRBY', KEYS[1], 'sold', quantity)
  outcome = 'committed'
elseif tonumber(redis.call('HGET', KEYS[1], 'available') or '0') >= quantity then
  redis.call('HINCRBY', KEYS[1], 'available', -quantity)
  redis.call('HINCRBY', KEYS[1], 'sold', quantity)
  outcome = 'late'
else
  redis.call('HINCRBY', KEYS[1], 'oversold', quantity)
  outcome = 'oversold'
end
redis.call('SET', KEYS[4], outcome, 'EX', ARGV[3])
return outcome
