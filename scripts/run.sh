#!/usr/bin/env bash
# Installs dependencies, builds, and starts market4d on ./data at 127.0.0.1:8080.
# Extra arguments go to market4d (see build/bin/market4d --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/bin/market4d --data-dir ./data --listen 127.0.0.1:8080 "$@"
