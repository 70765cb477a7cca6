-- Appends an event to the fulfilment stream exactly once per event key, however many callers report it.
-- The marker's {orders:events} tag puts it in the stream's own Cluster slot, so check and append are one step.
-- KEYS: stream, marker. ARGV: marker ttl seconds, then field, value pairs. Replies: the entry id, or 0 already there.
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
local fields = {}
for i = 2, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return id
