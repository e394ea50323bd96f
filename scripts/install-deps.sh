#!/usr/bin/env bash
# Installs everything market4 needs to build and test, from Debian 12 packages only.
# Idempotent: safe to run again; it only installs what is missing.
# Never installs libboost-dev / libboost-all-dev (1.74), which conflict with 1.81.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates jq
  libboost1.81-dev libboost-url1.81-dev
  librocksdb-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  libssl-dev
  libjemalloc-dev  # the allocator every release program links (CMakeLists.txt)
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libicu-dev
  libqrencode-dev
  zbar-tools librsvg2-bin  # tests: render a QR's SVG to PNG and decode it
  rocksdb-tools  # ldb: the tamper test edits a stored entry, as an operator would try by hand
  python3 python3-prometheus-client  # tests (Debian's /usr/bin/python3): GET /metrics read with the Prometheus parser
  chromium chromium-driver python3-selenium  # tests: the web console in headless Chromium (tests/browser)
  python3-protobuf  # clients/python: the generated modules and the client's tests
  clang libclang-rt-14-dev  # the ThreadSanitizer build and the libFuzzer targets (docs/sanitizers.md)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
