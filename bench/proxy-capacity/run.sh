#!/usr/bin/env bash
# The fault proxy's own capacity (crates/testkit/fakes/fault_proxy.py): replayed
# requests per second from concurrent keep-alive clients, at latency 0 and with
# added latency. The org-scan, startup and memory benchmarks run through the
# proxy; this shows it is not what they measure. See load.py for the method.
# Usage: bench/proxy-capacity/run.sh [CONNECTIONS=64] [SECONDS=5] [LATENCY_MS=80]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/scripts/bootstrap.sh" "$root/bench/requirements.txt"
exec "$root/.venv/bin/python" "$root/bench/proxy-capacity/load.py" "$@"
