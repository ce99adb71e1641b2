#!/usr/bin/env bash
# Fuzzes every running service's own OpenAPI document with schemathesis (PyPI) and fails on any
# 5xx: bad input must get a 4xx with our error body. Needs `make up`. Each service is fuzzed with
# its own freshly registered user, so fuzzing one cannot end the session of the next (deleting
# the tenant is left out for the same reason). `make test` runs the same check on auth-svc,
# agent-svc and project-svc with a fixed budget (tests/e2e/tests/fuzz.rs).
#   FUZZ_EXAMPLES (default 50) cases per operation.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$ROOT/deploy/scripts/stack.sh" deps
ST=${DJB_SCHEMATHESIS:-${DJB_PY_ENV:-$HOME/.cache/djinnbot-py}/bin/st}
BASE=${DJB_BASE:-http://127.0.0.1}
register() {
  curl -fsS "$BASE:8010/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"fuzz-$1-$(date +%s%N)@fuzz.test\",\"password\":\"fuzzing password 123\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])'
}
status=0
for port in 8010 8020 8030 8040 8050 8060 8070 8001 8002; do
  token=$(register "$port")
  echo "== fuzzing 127.0.0.1:$port"
  "$ST" run "$BASE:$port/openapi.json" --url "$BASE:$port" -c not_a_server_error \
    -n "${FUZZ_EXAMPLES:-50}" --phases fuzzing --suppress-health-check all \
    --exclude-operation-id delete_mine --generation-database none -H "Authorization: Bearer $token" || status=1
done
exit $status
