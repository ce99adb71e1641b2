#!/usr/bin/env bash
# Fuzzes every running service's own OpenAPI document with schemathesis (PyPI) and fails on any
# 5xx: bad input must get a 4xx with our error body. Needs `make up`; signs in as a fresh user.
#   FUZZ_EXAMPLES (default 50) cases per operation.
set -euo pipefail
command -v st >/dev/null || python3 -m pip install -q schemathesis
BASE=${DJB_BASE:-http://127.0.0.1}
email="fuzz-$(date +%s%N)@fuzz.test"
token=$(curl -fsS "$BASE:8010/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"fuzzing password 123\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
status=0
for port in 8010 8020 8030 8040 8050 8060 8070 8001 8002; do
  echo "== fuzzing 127.0.0.1:$port"
  st run "$BASE:$port/openapi.json" --url "$BASE:$port" -c not_a_server_error \
    -n "${FUZZ_EXAMPLES:-50}" --phases fuzzing -H "Authorization: Bearer $token" || status=1
done
exit $status
