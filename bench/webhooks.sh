#!/usr/bin/env bash
# Measures the Webhook Receiver against its two ceilings on this machine, all on loopback:
#   R  the receiver (its own process) with signed, unique 1 KiB Standard Webhooks deliveries
#   H  a bare Kestrel endpoint that reads a 1 KiB POST and answers 202, same load tool
#   J  NATS.Net publish-with-ack of unique 1 KiB messages to a file-storage stream
# and reports R as a fraction of L = 1/(1/H + 1/J). Figures go to BENCHMARKS.md by hand.
#   bench/webhooks.sh [--seconds N] [--concurrency N] [--warmup N] [--rate-seconds N]
# The fixed-rate (1,000/s) run lasts --rate-seconds (150): long enough to hold one of the broker's
# periodic flushes to disk, so its tail shows as it does in a long-running service.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
warmup=15
rate_seconds=150
concurrency=64
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rate-seconds) rate_seconds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

scripts/services.sh start nats >/dev/null
eval "$(scripts/services.sh env)"
dotnet build -c Release src/Helix.Webhooks >/dev/null
dotnet build -c Release bench/Helix.Webhooks.Load >/dev/null
load=(dotnet bench/Helix.Webhooks.Load/bin/Release/net10.0/Helix.Webhooks.Load.dll)

work=$(mktemp -d)
receiver_pid=""
bare_pid=""
stream="BENCH_RECEIVER_$RANDOM"
cleanup() {
  [[ -n $receiver_pid ]] && kill "$receiver_pid" 2>/dev/null || true
  [[ -n $bare_pid ]] && kill "$bare_pid" 2>/dev/null || true
  "${load[@]}" delete-stream --nats "$HELIX_TEST_NATS_URL" --name "$stream" >/dev/null 2>&1 || true
  "${load[@]}" delete-stream --nats "$HELIX_TEST_NATS_URL" --name "OBJ_${stream}_BODIES" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

(umask 077; printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64)" >"$work/secret")
ASPNETCORE_URLS=http://127.0.0.1:5080 \
  Nats__Url="$HELIX_TEST_NATS_URL" \
  Events__StreamName="$stream" \
  Events__SubjectPrefix="bench-receiver-$RANDOM" \
  Events__BodiesBucket="${stream}_BODIES" \
  Events__MaxBytes=$((4 << 30)) \
  Receiver__Sources__bench__Scheme=StandardWebhooks \
  Receiver__Sources__bench__Secrets__0="file:$work/secret" \
  Receiver__Sources__bench__RateLimit__PermitsPerSecond=1000000 \
  Receiver__Sources__bench__RateLimit__Burst=1000000 \
  Logging__LogLevel__Default=Warning \
  dotnet src/Helix.Webhooks/bin/Release/net10.0/Helix.Webhooks.dll >"$work/receiver.log" 2>&1 &
receiver_pid=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:5080/readyz >/dev/null && break; sleep 0.2; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; concurrency $concurrency; ${seconds} s per run, ${rate_seconds} s at 1,000/s"
"${load[@]}" receiver --url http://127.0.0.1:5080 --secret-file "$work/secret" --concurrency "$concurrency" --seconds "$seconds" --warmup "$warmup" --rate 1000 --rate-seconds "$rate_seconds" | tee "$work/r.txt"
echo "receiver peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$receiver_pid/status")"
kill "$receiver_pid"; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=""

"${load[@]}" serve-bare --port 5090 &
bare_pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null -X POST http://127.0.0.1:5090/bare && break; sleep 0.2; done
"${load[@]}" bare --url http://127.0.0.1:5090 --concurrency "$concurrency" --seconds "$seconds" --warmup "$warmup" | tee "$work/h.txt"
kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; bare_pid=""

"${load[@]}" jetstream --nats "$HELIX_TEST_NATS_URL" --concurrency "$concurrency" --seconds "$seconds" --warmup "$warmup" | tee "$work/j.txt"

rate() { grep "$1" "$2" | head -1 | sed -E 's/.*: ([0-9]+) ok\/s.*/\1/'; }
R=$(rate "receiver max" "$work/r.txt"); H=$(rate "bare" "$work/h.txt"); J=$(rate "jetstream" "$work/j.txt")
awk -v r="$R" -v h="$H" -v j="$J" 'BEGIN { l = 1 / (1 / h + 1 / j); printf "L = 1/(1/%d + 1/%d) = %.0f/s; receiver %d/s = %.0f%% of L\n", h, j, l, r, 100 * r / l }'
