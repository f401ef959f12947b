#!/usr/bin/env bash
# Measures the workflow engine against its peer and its ceiling, in one run, on this machine:
#   H  Helix (bench/Helix.Orchestrator.Bench): 3- and 10-node linear graphs of trivial nodes, durable
#      at every step, through PgBouncer (transaction mode); one run at a time, 50 at once, 1,000 at
#      once; bytes stored by a 200-step run whose state grows
#   L  LangGraph.js 1.7.3 + @langchain/langgraph-checkpoint-postgres (bench/peers/langgraph), the same
#      graphs, durability "sync", through the same PgBouncer
#   P  pgbench, one 200-byte INSERT per transaction, straight to PostgreSQL, 1 and 32 clients: the
#      durable-commit rate a per-step checkpoint can approach
# Figures go to BENCHMARKS.md by hand.
#   bench/orchestrator.sh [--rounds N]   (5)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
scripts/services.sh start postgres pgbouncer >/dev/null
eval "$(scripts/services.sh env)"
dotnet build -c Release bench/Helix.Orchestrator.Bench >/dev/null
(cd bench/peers/langgraph && npm ci --no-audit --no-fund --silent)

url() { # an Npgsql connection string as a postgres:// URL
  python3 -c 'import sys; kv = dict(p.split("=", 1) for p in sys.argv[1].split(";") if p)
print("postgres://{Username}:{Password}@{Host}:{Port}/{Database}".format(**kv))' "$1"
}
field() { python3 -c 'import sys; kv = dict(p.split("=", 1) for p in sys.argv[1].split(";") if p); print(kv[sys.argv[2]])' "$1" "$2"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; PostgreSQL $(psql --version | awk '{print $3}'), PgBouncer $(pgbouncer --version | awk 'NR==1 {print $2}'), Node $(node --version)"

export PGPASSWORD; PGPASSWORD=$(field "$HELIX_TEST_POSTGRES" Password)
host=$(field "$HELIX_TEST_POSTGRES" Host); port=$(field "$HELIX_TEST_POSTGRES" Port); user=$(field "$HELIX_TEST_POSTGRES" Username); db=$(field "$HELIX_TEST_POSTGRES" Database)
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
script=$(mktemp)
log=$(mktemp)
trap 'rm -f "$script" "$log"; PGOPTIONS="-c client_min_messages=warning" psql -h "$host" -p "$port" -U "$user" -d "$db" -qc "DROP TABLE IF EXISTS helix_bench_commits" >/dev/null 2>&1 || true' EXIT
PGOPTIONS="-c client_min_messages=warning" psql -h "$host" -p "$port" -U "$user" -d "$db" -qc "DROP TABLE IF EXISTS helix_bench_commits; CREATE TABLE helix_bench_commits (payload text)"
echo "INSERT INTO helix_bench_commits VALUES (repeat('x', 200));" >"$script"

# The machine's speed drifts by 10-20 % over minutes: Helix, LangGraph.js and pgbench take turns,
# round after round, and each ratio is taken within its round.
for round in $(seq "$rounds"); do
  echo "== round $round"
  dotnet bench/Helix.Orchestrator.Bench/bin/Release/net10.0/Helix.Orchestrator.Bench.dll | tee -a "$log"
  PGBOUNCER_URL=$(url "$HELIX_TEST_PGBOUNCER") POSTGRES_URL=$(url "$HELIX_TEST_POSTGRES") node bench/peers/langgraph/bench.mjs | tee -a "$log"
  for clients in 1 32; do
    tps=$("$pgbench" -h "$host" -p "$port" -U "$user" -n -f "$script" -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" -T 10 "$db" 2>/dev/null | awk -F' = ' '/^tps/ {printf "%.0f", $2}')
    echo "pgbench, one 200-byte INSERT per transaction, $clients client(s): $tps commits/s" | tee -a "$log"
  done
done

# Per round: Helix / LangGraph.js for each shape, Helix one at a time / pgbench with 1 client; then medians.
echo "== ratios by round (Helix / LangGraph.js), and their medians"
python3 - "$log" <<'PY'
import re, statistics, sys
rounds, helix, peer, pg1 = 0, {}, {}, {}
for line in open(sys.argv[1]):
    if m := re.match(r"(LangGraph\.js )?(\d+)-node graph, (one run at a time|50 runs at once) \(\d+ runs\): (\d+) steps/s", line):
        key = (m[2] + "-node " + ("one at a time" if m[3].startswith("one") else "50 at once"), rounds + 1)
        (peer if m[1] else helix)[key] = int(m[4])
    elif m := re.match(r"pgbench, .*, 1 client\(s\): (\d+) commits/s", line):
        rounds += 1
        pg1[rounds] = int(m[1])
for shape in ("3-node one at a time", "10-node one at a time", "3-node 50 at once", "10-node 50 at once"):
    ratios = [helix[shape, r] / peer[shape, r] for r in range(1, rounds + 1)]
    print(f"{shape}: " + " ".join(f"{x:.1f}x" for x in ratios) + f", median {statistics.median(ratios):.1f}x")
print("10-node one at a time as a fraction of pgbench (1 client): " + " ".join(f"{100 * helix['10-node one at a time', r] / pg1[r]:.0f}%" for r in range(1, rounds + 1)))
PY
