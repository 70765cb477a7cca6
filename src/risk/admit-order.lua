-- Admits or refuses a first create-order request, and counts it when admitted, in one step.
-- KEYS: 1 admitted marker of the execution, 2 lists, 3 client orders, 4 customer orders, 5 client amount,
--       6 customer amount, 7 client holds, 8 session holds, 9 session failures, 10 customer failures.
-- ARGV: 1 now ms, 2 amount, 3 reservation id, 4 reservation expiry ms, 5 session list field, 6 customer list field,
--       7 has session (1/0), 8 has customer (1/0), 9 the limits, comma-separated (client orders, customer orders,
--       client amount, customer amount, client holds, session holds, session failures, customer failures; 0 = off),
--       10 marker ttl s.
-- Replies: {1} admitted, {2} admitted before (an earlier attempt of this execution), {0, rule, count, limit} refused.
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local has_session = ARGV[7] == '1'
local has_customer = ARGV[8] == '1'
local limit = {}
for value in string.gmatch(ARGV[9], '[^,]+') do limit[#limit + 1] = tonumber(value) end
local second, minute = 1000, 60000

local function hold (key)
  redis.call('ZADD', key, tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', key, tonumber(ARGV[4]) - now + minute)
end

-- The execution is marked admitted first, in the same write that finds whether it was before: a retry of an
-- execution already admitted is never counted or refused again; its hold is put back in case a failed attempt gave
-- it up. A refusal below takes the mark back, so only an admitted execution keeps it.
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[10])) then
  hold(KEYS[7])
  if has_session then hold(KEYS[8]) end
  return {2}
end
local function refuse (rule, count, limit_value)
  redis.call('DEL', KEYS[1])
  return {0, rule, count, limit_value}
end

local lists = list_entries(KEYS[2], 'client', ARGV[5], ARGV[6])
local client_list, session_list, customer_list = lists[1], lists[2], lists[3]
if client_list == 'deny|' then return refuse('deny_list', 'client', 0) end
if session_list == 'deny|' then return refuse('deny_list', 'session', 0) end
if customer_list == 'deny|' then return refuse('deny_list', 'customer', 0) end
local check_client = client_list ~= 'allow'
local check_session = has_session and check_client and session_list ~= 'allow'
local check_customer = has_customer and check_client and customer_list ~= 'allow'

local function open_holds (key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key)
end

-- Each rule: whether it applies, how much is counted now, what this request adds, its limit. A "refuse at" rule
-- (failures) refuses once the count has reached the limit; the others refuse what would go past it.
local rules = {
  {'client_order_velocity', check_client, function () return window_sum(KEYS[3], now, second) end, 1, limit[1]},
  {'customer_order_velocity', check_customer, function () return window_sum(KEYS[4], now, second) end, 1, limit[2]},
  {'client_amount_velocity', check_client, function () return window_sum(KEYS[5], now, minute) end, amount, limit[3]},
  {'customer_amount_velocity', check_customer, function () return window_sum(KEYS[6], now, minute) end, amount, limit[4]},
  {'client_open_reservations', check_client, function () return open_holds(KEYS[7]) end, 1, limit[5]},
  {'session_open_reservations', check_session, function () return open_holds(KEYS[8]) end, 1, limit[6]},
  {'session_failed_payments', check_session, function () return window_sum(KEYS[9], now, minute) end, 1, limit[7]},
  {'customer_failed_payments', check_customer, function () return window_sum(KEYS[10], now, minute) end, 1, limit[8]}
}
for _, rule in ipairs(rules) do
  if rule[2] and rule[5] > 0 then
    local count = rule[3]()
    if count + rule[4] > rule[5] then return refuse(rule[1], tostring(count), tostring(rule[5])) end
  end
end

window_add(KEYS[3], now, second, 1)
window_add(KEYS[5], now, minute, amount)
if has_customer then
  window_add(KEYS[4], now, second, 1)
  window_add(KEYS[6], now, minute, amount)
end
hold(KEYS[7])
if has_session then hold(KEYS[8]) end
return {1}
