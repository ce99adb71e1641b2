#!/usr/bin/env bash
# Fails when a Redis key literal (`djinnbot:`) appears in Rust code outside libs/bus: every key
# and channel name must come from bus::keys so its prefix and tenant namespace are right.
set -euo pipefail
cd "$(dirname "$0")/../.."
hits=$(grep -rn --include='*.rs' -e '"djinnbot:' -e "'djinnbot:" libs services tests benches 2>/dev/null \
  | grep -v '^libs/bus/' || true)
if [ -n "$hits" ]; then
  echo "Redis key literals outside libs/bus (build them with bus::keys::Keys):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "keys-lint: ok"
