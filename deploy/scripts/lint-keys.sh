#!/usr/bin/env bash
# Fails when a Redis key literal (`djinnbot:`) appears in Rust code outside libs/bus: every key
# and channel name must come from bus::keys so its prefix and tenant namespace are right.
#   lint-keys.sh [ROOT]      lint a tree (default: this repository)
#   lint-keys.sh --self-test check that the lint catches a stray literal and passes a clean tree
set -euo pipefail

lint() {
  local root=$1 hits
  hits=$(cd "$root" && grep -rn --include='*.rs' -e '"djinnbot:' -e "'djinnbot:" \
    libs services tests benches 2>/dev/null | grep -v '^libs/bus/' || true)
  if [ -n "$hits" ]; then
    echo "Redis key literals outside libs/bus (build them with bus::keys::Keys):" >&2
    echo "$hits" >&2
    return 1
  fi
}

if [ "${1:-}" = --self-test ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/libs/bus/src" "$tmp/services/x/src"
  echo 'pub const K: &str = "djinnbot:events:global";' >"$tmp/libs/bus/src/keys.rs"
  echo 'fn f() -> String { keys.global_events() }' >"$tmp/services/x/src/lib.rs"
  lint "$tmp" || { echo "keys-lint self-test: a clean tree was refused" >&2; exit 1; }
  echo 'fn f() -> &str { "djinnbot:t:ten_1:events:global" }' >"$tmp/services/x/src/lib.rs"
  if lint "$tmp" 2>/dev/null; then echo "keys-lint self-test: a stray literal passed" >&2; exit 1; fi
  echo "keys-lint self-test: ok"
  exit 0
fi

lint "${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
echo "keys-lint: ok"
