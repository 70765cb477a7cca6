-- Whether a caller may still confirm a payment of an order: deny lists, and the order's locks after too many failed
-- payments in the last hour or too many checkout-signature failures. Reads only.
-- KEYS: 1 lists, 2 order failures, 3 order signature failures.
-- ARGV: 1 now ms, 2 session list field, 3 customer list field, 4 failed-payment limit, 5 signature limit (0 = off).
-- Replies: {1} admitted, {0, rule, count, limit} refused.
local now = tonumber(ARGV[1])
local client_list = list_entry(KEYS[1], 'client')
if client_list == 'deny|' then return {0, 'deny_list', 'client', 0} end
if list_entry(KEYS[1], ARGV[2]) == 'deny|' then return {0, 'deny_list', 'session', 0} end
if list_entry(KEYS[1], ARGV[3]) == 'deny|' then return {0, 'deny_list', 'customer', 0} end
if client_list == 'allow' then return {1} end

local failed_limit = tonumber(ARGV[4])
if failed_limit > 0 then
  local failed = window_sum(KEYS[2], now, 60000)
  if failed >= failed_limit then return {0, 'order_failed_payments', tostring(failed), tostring(failed_limit)} end
end
local signature_limit = tonumber(ARGV[5])
if signature_limit > 0 then
  local failures = tonumber(redis.call('GET', KEYS[3]) or '0')
  if failures >= signature_limit then return {0, 'order_signature_failures', tostring(failures), tostring(signature_limit)} end
end
return {1}
