-- One round trip to decide: the stored response, "in progress", or the lock taken for this request.
-- Taking the lock counts the attempt, so a handler knows when an earlier attempt may have done part of the work.
-- KEYS: record, lock, checkpoints. ARGV: lock value (token .. ' ' .. fingerprint), lock ttl ms, record ttl seconds.
-- Replies: {1, record} | {2, lock ttl ms, lock value} | {0, attempt, checkpoint field, value, ...}
local record = redis.call('GET', KEYS[1])
if record then
  return {1, record}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local attempt = redis.call('HINCRBY', KEYS[3], '_attempts', 1)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
  local reply = {0, attempt}
  local checkpoints = redis.call('HGETALL', KEYS[3])
  for i = 1, #checkpoints, 2 do
    if checkpoints[i] ~= '_attempts' then
      table.insert(reply, checkpoints[i])
      table.insert(reply, checkpoints[i + 1])
    end
  end
  return reply
end
return {2, redis.call('PTTL', KEYS[2]), redis.call('GET', KEYS[2]) or ''}
