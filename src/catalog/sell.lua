-- Records the sale of a paid order exactly once. A held reservation moves to sold; a reservation that already
-- ended (expired, cancelled or released before a late payment) takes the stock from available instead. Stock
-- never goes negative: a late payment with nothing left is recorded as oversold, and its money goes back.
-- A repeat answers the first outcome; a hold found under an id that was already sold can never be sold again,
-- so its stock is returned.
-- KEYS: variant hash, reservations hash, expiries zset, sale marker. ARGV: reservation id, quantity, marker ttl seconds.
-- Replies: {'committed' | 'late' | 'oversold', 1 first time | 0 repeat}
local value = redis.call('HGET', KEYS[2], ARGV[1])
local held = value and tonumber(string.match(value, '^(%d+)|'))
local previous = redis.call('GET', KEYS[4])
if held then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'reserved', -held)
  if previous then
    redis.call('HINCRBY', KEYS[1], 'available', held)
  else
    redis.call('HINCRBY', KEYS[1], 'sold', held)
  end
end
if previous then
  return {previous, 0}
end
local outcome = 'committed'
if not held then
  local quantity = tonumber(ARGV[2])
  if tonumber(redis.call('HGET', KEYS[1], 'available') or '0') >= quantity then
    redis.call('HINCRBY', KEYS[1], 'available', -quantity)
    redis.call('HINCRBY', KEYS[1], 'sold', quantity)
    outcome = 'late'
  else
    redis.call('HINCRBY', KEYS[1], 'oversold', quantity)
    outcome = 'oversold'
  end
end
redis.call('SET', KEYS[4], outcome, 'EX', ARGV[3])
return {outcome, 1}
