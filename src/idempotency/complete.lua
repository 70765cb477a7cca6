-- Stores the response and releases the lock, only if this request still owns the lock; wakes the waiters.
-- KEYS: record, lock, checkpoints. ARGV: lock value, record, ttl seconds, channel.
-- Replies: 1 stored; 2 stored after the lock expired unclaimed; 0 another record exists; -1 another request holds the lock.
local holder = redis.call('GET', KEYS[2])
if holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('PUBLISH', ARGV[4], '1')
  return 1
end
if holder then
  return -1
end
if redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3], 'NX') then
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', ARGV[4], '1')
  return 2
end
return 0
