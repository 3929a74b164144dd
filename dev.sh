#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (as root): installs what is missing, configures,
# builds, then runs the demo or the tests.
#   ./dev.sh run     the embedded default: a three-node sysplex in one process, live view (Ctrl-C stops)
#   ./dev.sh test    the whole suite: unit, component (EAL on virtual devices), integration (netns)
#   ./dev.sh build   install and build only.  BUILD_TYPE=Debug|Asan|Release (default Release)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libdpdk-dev dpdk-dev libsodium-dev libssl-dev libipsec-mb-dev
          libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
          libcurl4-openssl-dev libpcap-dev iproute2 iputils-ping socat tcpdump python3 python3-scapy
          python3-cryptography procps etcd-server etcd-client
          strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins
          libstrongswan-extra-plugins)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  local type=${BUILD_TYPE:-Release}
  local dir=build; [ "$type" != Release ] && dir=build-$(echo "$type" | tr A-Z a-z)
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  BUILD_DIR=$dir
}

cmd=${1:-}
case "$cmd" in
  run)   install_missing; build; shift; exec "$BUILD_DIR/bin/sysplexd" --demo "$@" ;;
  test)  install_missing; build; cd "$BUILD_DIR"; exec ctest --output-on-failure --timeout 300 ;;
  build) install_missing; build ;;
  *) echo "usage: $0 run|test|build" >&2; exit 2 ;;
esac
