-- Functions every risk script starts with (risk-rules.ts puts this file in front of each: scripts cannot include).

-- Sliding windows of 60 buckets in a hash (field: bucket number, value: the bucket's sum). A window's sum covers
-- the current bucket and the 59 before it; older fields are deleted as they are met, so a hash holds at most 60.
local function window_sum (key, now, bucket_ms)
  local current = math.floor(now / bucket_ms)
  local flat = redis.call('HGETALL', key)
  local sum = 0
  local stale = {}
  for i = 1, #flat, 2 do
    if tonumber(flat[i]) <= current - 60 then
      stale[#stale + 1] = flat[i]
    else
      sum = sum + tonumber(flat[i + 1])
    end
  end
  if #stale > 0 then
    redis.call('HDEL', key, unpack(stale))
  end
  return sum
end

-- The key lives 61 buckets from the first count of its newest bucket: past the time that bucket stops counting.
-- So only a count that starts a bucket (HINCRBY answers the value itself) sets the expiry; the others leave it.
local function window_add (key, now, bucket_ms, value)
  if redis.call('HINCRBY', key, tostring(math.floor(now / bucket_ms)), value) == value then
    redis.call('PEXPIRE', key, bucket_ms * 61)
  end
end

-- Takes a count back out of the bucket window_add put it in (the same `now`); a bucket already gone has nothing left.
local function window_take (key, now, bucket_ms, value)
  local bucket = tostring(math.floor(now / bucket_ms))
  local current = tonumber(redis.call('HGET', key, bucket) or '0')
  if current <= value then
    redis.call('HDEL', key, bucket)
  else
    redis.call('HINCRBY', key, bucket, -value)
  end
end

-- The first five characters of a subject's list entry ('allow' or 'deny|'), or nil when it is on no list.
local function list_entry (lists_key, field)
  if field == '' then return nil end
  local value = redis.call('HGET', lists_key, field)
  if not value then return nil end
  return string.sub(value, 1, 5)
end

-- The list entries (as list_entry) of several fields of one list hash, read at once; '' fields are on no list.
local function list_entries (lists_key, ...)
  local fields, wanted = {...}, {}
  for i = 1, #fields do
    if fields[i] ~= '' then wanted[#wanted + 1] = fields[i] end
  end
  local values = redis.call('HMGET', lists_key, unpack(wanted))
  local entries, n = {}, 0
  for i = 1, #fields do
    if fields[i] ~= '' then
      n = n + 1
      if values[n] then entries[i] = string.sub(values[n], 1, 5) end
    end
  end
  return entries
end
