-- Reads everything stored under one idempotency key in one atomic step, for an operator; changes nothing.
-- KEYS: record, lock, checkpoints. ARGV: '1' to return the stored body too (by default it never leaves Redis).
-- Replies: {1, metadata line, record bytes, record pttl, body or ''}
--        | {0, lock value or '', lock pttl, checkpoints pttl, checkpoint field, value, ...}
local record = redis.call('GET', KEYS[1])
if record then
  local newline = string.find(record, '\n', 1, true) or (#record + 1)
  local body = ''
  if ARGV[1] == '1' then
    body = string.sub(record, newline + 1)
  end
  return {1, string.sub(record, 1, newline - 1), #record, redis.call('PTTL', KEYS[1]), body}
end
local reply = {0, redis.call('GET', KEYS[2]) or '', redis.call('PTTL', KEYS[2]), redis.call('PTTL', KEYS[3])}
local checkpoints = redis.call('HGETALL', KEYS[3])
for i = 1, #checkpoints do
  table.insert(reply, checkpoints[i])
end
return reply
