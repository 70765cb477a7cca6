-- One round trip to decide: the stored response, "in progress", another request bound to the key, or the lock
-- taken for this request. The first request under a key binds its fingerprint and an execution id to the key's
-- checkpoints; they outlive a 5xx, a crash or an expired lock, so a retry with another body is refused and every
-- id derived for the request (receipt, reservation) is the first request's own. Taking the lock counts the attempt.
-- KEYS: record, lock, checkpoints. ARGV: lock value (token .. ' ' .. fingerprint), lock ttl ms, record ttl seconds,
-- fingerprint, execution id for a first request.
-- Replies: {1, record} | {2, lock ttl ms, lock value} | {3} bound to another fingerprint
--        | {0, attempt, execution id, checkpoint field, value, ...}
local record = redis.call('GET', KEYS[1])
if record then
  return {1, record}
end
-- Read once: the binding, the execution id and the checkpoints of earlier attempts (none when the hash is absent).
local stored = redis.call('HGETALL', KEYS[3])
local bound, execution
for i = 1, #stored, 2 do
  if stored[i] == '_fingerprint' then
    bound = stored[i + 1]
  elseif stored[i] == '_execution' then
    execution = stored[i + 1]
  end
end
if bound and bound ~= ARGV[4] then
  return {3}
end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {2, redis.call('PTTL', KEYS[2]), redis.call('GET', KEYS[2]) or ''}
end
if #stored == 0 then
  -- A first attempt: nothing to resume, so the binding and the count are one write.
  redis.call('HSET', KEYS[3], '_fingerprint', ARGV[4], '_execution', ARGV[5], '_attempts', 1)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
  return {0, 1, ARGV[5]}
end
if not bound then
  redis.call('HSET', KEYS[3], '_fingerprint', ARGV[4], '_execution', ARGV[5])
  execution = ARGV[5]
end
local attempt = redis.call('HINCRBY', KEYS[3], '_attempts', 1)
redis.call('EXPIRE', KEYS[3], ARGV[3])
local reply = {0, attempt, execution or ARGV[5]}
for i = 1, #stored, 2 do
  if string.sub(stored[i], 1, 1) ~= '_' then
    table.insert(reply, stored[i])
    table.insert(reply, stored[i + 1])
  end
end
return reply
