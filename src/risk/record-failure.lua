-- Counts a failed payment once, whichever report brings it first (verify-payment, a webhook, the reconciler).
-- KEYS: 1 marker of the payment, 2 order failures, 3 session failures, 4 customer failures, 5 instrument failures.
-- ARGV: 1 now ms, 2 has session (1/0), 3 has customer (1/0), 4 has instrument (1/0), 5 marker ttl s.
-- Replies: {order failures, instrument failures} in the last hour, or {-1} when this payment was counted before.
local now = tonumber(ARGV[1])
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[5])) == false then return {-1} end
window_add(KEYS[2], now, 60000, 1)
if ARGV[2] == '1' then window_add(KEYS[3], now, 60000, 1) end
if ARGV[3] == '1' then window_add(KEYS[4], now, 60000, 1) end
if ARGV[4] == '1' then window_add(KEYS[5], now, 60000, 1) end
local instrument = 0
if ARGV[4] == '1' then instrument = window_sum(KEYS[5], now, 60000) end
return {window_sum(KEYS[2], now, 60000), instrument}
