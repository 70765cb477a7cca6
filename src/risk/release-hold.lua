-- A reservation stopped holding stock. KEYS: client holds, session holds. ARGV: reservation id.
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
