-- Functions every risk script starts with (risk-rules.ts puts this file in front of each: scripts cannot include).

-- Sliding windows of 60 buckets in a hash (field: bucket number, value: the bucket's sum). A window's sum covers
-- the current bucket and the 59 before it; older fields are deleted as they are met, so a hash holds at most 60.
local function window_sum (key, now, bucket_ms)
  local current = math.floor(now / bucket_ms)
  local flat = redis.call('HGETALL', key)
  local sum = 0
  for i = 1, #flat, 2 do
    if tonumber(flat[i]) <= current - 60 then
      redis.call('HDEL', key, flat[i])
    else
      sum = sum + tonumber(flat[i + 1])
    end
  end
  return sum
end

local function window_add (key, now, bucket_ms, value)
  redis.call('HINCRBY', key, tostring(math.floor(now / bucket_ms)), value)
  redis.call('PEXPIRE', key, bucket_ms * 61)
end

-- The first five characters of a subject's list entry ('allow' or 'deny|'), or nil when it is on no list.
local function list_entry (lists_key, field)
  if field == '' then return nil end
  local value = redis.call('HGET', lists_key, field)
  if not value then return nil end
  return string.sub(value, 1, 5)
end
