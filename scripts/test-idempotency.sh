#!/usr/bin/env bash
# Shows the idempotency behaviour of a running service with curl: a duplicate, concurrent copies (409 or wait),
# and a reused key. Exits non-zero when any case behaves wrongly.
#   scripts/test-idempotency.sh [BASE_URL]        (default http://localhost:4000)
#   API_TOKEN=<bearer token> when the service has API_KEYS; VARIANT/PRICE to use another catalog variant.
set -uo pipefail

base=${1:-http://localhost:4000}
variant=${VARIANT:-test}
price=${PRICE:-1499}
run="idem-$(date +%s)-$RANDOM"
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

auth=()
if [ -n "${API_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $API_TOKEN"); fi

# post KEY BODY OUT [extra curl args...]: writes OUT.status, OUT.headers, OUT.body
post () {
  local key=$1 body=$2 out=$3
  shift 3
  curl -sS -o "$out.body" -D "$out.headers" -w '%{http_code}' -X POST "$base/api/checkout/create-order" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $key" "${auth[@]}" "$@" --data "$body" > "$out.status"
}

check () {
  if [ "$2" = "$3" ]; then echo "  ok   $1"; else echo "  FAIL $1: expected '$3', got '$2'"; failures=$((failures + 1)); fi
}

header () { grep -i "^$2:" "$1.headers" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

body="{\"variantId\":\"$variant\",\"quantity\":1,\"amount\":$price}"

echo "1. The same request twice: one order, the second is a byte-identical replay"
post "$run-dup" "$body" "$tmp/a"
post "$run-dup" "$body" "$tmp/b"
check "first answer is 201" "$(cat "$tmp/a.status")" 201
check "second answer is 201" "$(cat "$tmp/b.status")" 201
check "second is marked replayed" "$(header "$tmp/b" idempotent-replayed)" true
check "bodies are identical" "$(cmp -s "$tmp/a.body" "$tmp/b.body" && echo same || echo different)" same

echo "2. Ten concurrent copies: one 201 runs, the others are 409 (Retry-After) or replays of it"
for i in $(seq 1 10); do post "$run-burst" "$body" "$tmp/c$i" & done
wait
fresh=0; conflicts=0; other=0
for i in $(seq 1 10); do
  case "$(cat "$tmp/c$i.status")" in
    201) if [ "$(header "$tmp/c$i" idempotent-replayed)" = true ]; then :; else fresh=$((fresh + 1)); fi ;;
    409) conflicts=$((conflicts + 1)); [ -n "$(header "$tmp/c$i" retry-after)" ] || other=$((other + 1)) ;;
    *) other=$((other + 1)) ;;
  esac
done
check "exactly one fresh 201" "$fresh" 1
check "no other answers than 201/409 with Retry-After" "$other" 0
ids=$(cat "$tmp"/c*.body | grep -o '"orderId":"[^"]*"' | sort -u | wc -l)
check "one order id among the 201s" "$ids" 1
echo "     ($conflicts answered 409)"

echo "3. Ten concurrent copies with Prefer: wait=5: all get the same 201"
for i in $(seq 1 10); do post "$run-wait" "$body" "$tmp/w$i" -H 'Prefer: wait=5' & done
wait
statuses=$(for f in "$tmp"/w*.status; do cat "$f"; echo; done | sort -u | tr -d '\n')
check "every answer is 201" "$statuses" 201
check "every body is the same" "$(md5sum "$tmp"/w*.body | cut -d' ' -f1 | sort -u | wc -l)" 1

echo "4. The same key with another body: 422 IDEMPOTENCY_KEY_REUSED"
post "$run-dup" "{\"variantId\":\"$variant\",\"quantity\":2,\"amount\":$((price * 2))}" "$tmp/r"
check "status is 422" "$(cat "$tmp/r.status")" 422
check "code is IDEMPOTENCY_KEY_REUSED" "$(grep -o '"code":"[^"]*"' "$tmp/r.body")" '"code":"IDEMPOTENCY_KEY_REUSED"'

echo "5. A malformed key: 400 IDEMPOTENCY_KEY_INVALID"
post "bad key with spaces" "$body" "$tmp/m"
check "status is 400" "$(cat "$tmp/m.status")" 400

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
