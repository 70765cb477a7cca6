-- Extends the lock of a long-running request, only if this request still owns it.
-- KEYS: lock. ARGV: lock value, lock ttl ms. Replies: 1 renewed, 0 lost.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
