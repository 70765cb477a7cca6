-- Saves a new order record once; a retry that recovered the same order keeps the first record.
-- KEYS: order hash. ARGV: ttl seconds, then field, value pairs (written by one HSET). Replies: 1 created, 0 already there.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
