-- Records that a captured payment pays the order, once. An order keeps the first payment that paid it; any other
-- captured payment is reported so that its money goes back.
-- KEYS: order hash. ARGV: payment id, payable statuses joined by ',', updatedAt.
-- Replies: {1, previous status} paid now | {2, status} already paid by this payment
--        | {3, status, kept payment id} paid by another payment | {0, status} not payable | {-1} no such order
local current = redis.call('HGET', KEYS[1], 'status')
if not current then
  return {-1}
end
local kept = redis.call('HGET', KEYS[1], 'paymentId')
if kept and kept ~= '' then
  if kept == ARGV[1] then
    return {2, current}
  end
  return {3, current, kept}
end
if not string.find(',' .. ARGV[2] .. ',', ',' .. current .. ',', 1, true) then
  return {0, current}
end
redis.call('HSET', KEYS[1], 'status', 'paid', 'paymentId', ARGV[1], 'updatedAt', ARGV[3], 'paidAt', ARGV[3])
return {1, current}
