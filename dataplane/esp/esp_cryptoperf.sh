#!/usr/bin/env bash
# esp_cryptoperf.sh: DPDK's own AEAD throughput on this machine, as a baseline for esp_bench.
# Runs Debian's dpdk-test-crypto-perf (throughput test, AEAD encrypt, 8-byte AAD as ESP without ESN,
# 16-byte ICV) on the software crypto PMDs, one worker lcore, without hugepages or PCI.
#   esp_cryptoperf.sh [--runs N] [--ops N]     (defaults: 3 runs of 2000000 operations)
# Prints one line per device, algorithm and size with the median over the runs:
#   cryptoperf dev=crypto_aesni_gcm alg=aes128gcm size=1400 gbps=39.33 mops=3.512
# and `status=unsupported` for a device that does not offer the algorithm.
set -euo pipefail

RUNS=3
OPS=2000000
SIZES="64,512,1400"
PERF="${PERF:-dpdk-test-crypto-perf}"
PREFIX="esp-cryptoperf-$$"
WORK="$(mktemp -d /tmp/esp-cryptoperf.XXXXXX)"

cleanup() { rm -rf "/run/dpdk/$PREFIX" "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --ops) OPS="$2"; shift 2 ;;
    *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
command -v "$PERF" >/dev/null || { echo "esp_cryptoperf.sh: $PERF not found (Debian dpdk)" >&2; exit 1; }

# device  our algorithm name  DPDK algorithm  key bytes
CASES=(
  "crypto_aesni_gcm aes128gcm aes-gcm 16"
  "crypto_aesni_mb aes128gcm aes-gcm 16"
  "crypto_openssl aes128gcm aes-gcm 16"
  "crypto_aesni_mb chacha20poly1305 chacha20-poly1305 32"
  "crypto_chacha20_poly1305 chacha20poly1305 chacha20-poly1305 32"
  "crypto_openssl chacha20poly1305 chacha20-poly1305 32"
)

# One run: CSV rows "size,gbps,mops" on stdout; non-zero when the device refused the algorithm.
run_once() {
  local dev=$1 algo=$2 key=$3 out="$WORK/run.txt"
  "$PERF" --no-huge -m 1024 --no-pci -l 0,1 --file-prefix "$PREFIX" --log-level=error \
      --vdev "${dev}0" -- --devtype "$dev" --ptest throughput --optype aead \
      --aead-algo "$algo" --aead-op encrypt --aead-key-sz "$key" --aead-iv-sz 12 \
      --aead-aad-sz 8 --digest-sz 16 --buffer-sz "$SIZES" --total-ops "$OPS" \
      --silent --csv-friendly >"$out" 2>&1 || true
  rm -rf "/run/dpdk/$PREFIX"
  # lcore,buffer size,burst,enqueued,dequeued,failed enq,failed deq,Mops,Gbps,cycles/buf
  awk -F, '$1 ~ /^[0-9]+$/ && NF >= 10 { print $2 "," $9 "," $8 }' "$out"
  grep -q '^[0-9]*,' "$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

for c in "${CASES[@]}"; do
  read -r dev alg algo key <<<"$c"
  : >"$WORK/all.csv"
  ok=1
  for ((r = 0; r < RUNS; r++)); do
    if ! run_once "$dev" "$algo" "$key" >>"$WORK/all.csv"; then ok=0; break; fi
  done
  if [[ $ok -eq 0 ]]; then
    echo "cryptoperf dev=$dev alg=$alg status=unsupported"
    continue
  fi
  for size in ${SIZES//,/ }; do
    g=$(awk -F, -v s="$size" '$1 == s { print $2 }' "$WORK/all.csv" | median)
    m=$(awk -F, -v s="$size" '$1 == s { print $3 }' "$WORK/all.csv" | median)
    echo "cryptoperf dev=$dev alg=$alg size=$size gbps=$g mops=$m"
  done
done
