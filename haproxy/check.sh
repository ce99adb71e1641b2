#!/usr/bin/env bash
# Validates haproxy/haproxy.cfg and haproxy/dev.cfg with `haproxy -c -f`, once with the defaults
# from their `presetenv` lines and once with every variable overridden, and checks that the
# parts the two files must share (routing, limits, headers, errors, log format) are identical.
# Exits non-zero on any failure. Usage: haproxy/check.sh   (HAPROXY=/path/to/haproxy to override)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
haproxy_bin="${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}"
if [[ ! -x "$haproxy_bin" ]]; then
    echo "check.sh: haproxy not found (apt-get install -y haproxy, or set HAPROXY=...)" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# haproxy.cfg loads the certificate named by DJB_TLS_CERT while validating, so give it a
# throw-away self-signed one unless the caller points at a real PEM (certificate + key).
if [[ -z "${DJB_TLS_CERT:-}" || ! -r "${DJB_TLS_CERT}" ]]; then
    if ! command -v openssl >/dev/null; then
        echo "check.sh: openssl is needed to make a test certificate (or set DJB_TLS_CERT)" >&2
        exit 2
    fi
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=djinnbot-check" \
        -keyout "$tmp/key.pem" -out "$tmp/crt.pem" >/dev/null 2>&1
    cat "$tmp/crt.pem" "$tmp/key.pem" >"$tmp/djinnbot.pem"
    export DJB_TLS_CERT="$tmp/djinnbot.pem"
fi

fail=0

validate() { # <label> <file> [VAR=value ...]
    local label="$1" file="$2"
    shift 2
    local out
    if out="$(env "$@" "$haproxy_bin" -c -f "$file" 2>&1)"; then
        # Unresolvable service names are expected here (no Compose/Kubernetes DNS).
        local warnings
        warnings="$(grep -E '^\[(WARNING|ALERT)\]' <<<"$out" | grep -v 'could not resolve address' || true)"
        echo "ok    $label"
        if [[ -n "$warnings" ]]; then
            sed 's/^/      /' <<<"$warnings"
        fi
    else
        echo "FAIL  $label"
        sed 's/^/      /' <<<"$out"
        fail=1
    fi
}

validate "haproxy.cfg (defaults)" "$here/haproxy.cfg"
validate "haproxy.cfg (overridden)" "$here/haproxy.cfg" \
    DJB_FORCE_HTTPS=true DJB_HTTPS_PUBLIC_PORT=443 DJB_IP_RATE_LIMIT=100 DJB_TENANT_RATE_LIMIT=200 \
    DJB_STATS_BIND=0.0.0.0:9404 DJB_MAXCONN=1000 DJB_BACKEND_SLOTS=2 \
    AUTH_SECRET_KEY='a,b)c"d-0123456789-0123456789-0123456789' \
    AUTH_SVC_ADDR=10.0.0.1:8010 PROJECT_SVC_ADDR=10.0.0.2:8020 AGENT_SVC_ADDR=10.0.0.3:8030 \
    SSE_RELAY_ADDR=10.0.0.4:8040 MEMORY_SVC_ADDR=10.0.0.5:8050 ENGINE_SVC_ADDR=10.0.0.6:8060 \
    SLACK_SVC_ADDR=10.0.0.7:8070 MCP_SVC_ADDR=10.0.0.8:8001 WEBHOOK_GW_ADDR=10.0.0.9:8002
validate "dev.cfg (defaults)" "$here/dev.cfg"
validate "dev.cfg (overridden)" "$here/dev.cfg" \
    DJB_HTTP_PORT=18000 DJB_HAPROXY_STATS_PORT=18404 DJB_DEV_DIR="$tmp/dev" \
    DJB_IP_RATE_LIMIT=100000 DJB_TENANT_RATE_LIMIT=3 DJB_MAXCONN=512 AUTH_SECRET_KEY=dev-secret \
    AUTH_SVC_ADDR=127.0.0.1:18010 PROJECT_SVC_ADDR=127.0.0.1:18020 AGENT_SVC_ADDR=127.0.0.1:18030 \
    SSE_RELAY_ADDR=127.0.0.1:18040 MEMORY_SVC_ADDR=127.0.0.1:18050 ENGINE_SVC_ADDR=127.0.0.1:18060 \
    SLACK_SVC_ADDR=127.0.0.1:18070 MCP_SVC_ADDR=127.0.0.1:18001 WEBHOOK_GW_ADDR=127.0.0.1:18002

# The two files must agree on everything but the documented differences. Compare the directive
# lines that carry routing, limits, headers, errors, checks and logging, minus those differences.
shared() {
    grep -E '^\s*(acl|use_backend|default_backend|tcp-request|http-request|http-after-response|http-error|stick-table|http-check|option|log-format|unique-id-format|timeout|retry-on|retries|balance|backend|frontend|stats|presetenv DJB_(IP|TENANT|AUTH)_RATE_LIMIT|presetenv DJB_IP_CONN_LIMIT)\b' "$1" |
        grep -vE 'X-Forwarded-Proto|force_https|jwt_key_ok|timeout (resolve|retry) |^\s*#' |
        sed -E 's/\s+/ /g; s/^ //'
}
if ! diff -u <(shared "$here/haproxy.cfg") <(shared "$here/dev.cfg") >"$tmp/sync.diff"; then
    echo "FAIL  haproxy.cfg and dev.cfg differ outside their documented differences:"
    sed 's/^/      /' "$tmp/sync.diff"
    fail=1
else
    echo "ok    haproxy.cfg and dev.cfg agree on routing, limits, headers and logging"
fi

exit "$fail"
