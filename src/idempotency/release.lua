-- Releases the lock without storing a response (5xx, error), only if this request owns it; wakes the waiters,
-- so one of them can run the request again. Checkpoints stay: a retry must find what this attempt created.
-- KEYS: lock. ARGV: lock value, channel. Replies: 1 released, 0 not the owner.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '0')
  return 1
end
return 0
