-- Saves an intermediate result under the key so a retry after a crash or a lost lock can finish the same work.
-- Written even when the lock was lost (what was created must never be forgotten); the reply says who owns it.
-- KEYS: checkpoints, lock. ARGV: field, value, ttl seconds, lock value. Replies: 1 still the owner, 0 lock lost.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[4] then
  return 1
end
return 0
