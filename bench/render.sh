#!/usr/bin/env bash
# Render + verify as a user runs it: one `helix` process per run, from a cold start, timed with
# /usr/bin/time (wall clock and peak RSS). First the reference platform (render into an empty
# folder, verification included), then generated specs with more tenants to show how the cost
# grows. Figures go to BENCHMARKS.md by hand.
#   bench/render.sh [--runs N] [--tenants "50 200 1000"]
# `helix bring-up` is timed warm (the charts' output cached), as a platform team runs it day to day.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
tenants="50 200 1000"
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --tenants) tenants=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

dotnet build -c Release src/Helix.Cli >/dev/null
helix=(dotnet src/Helix.Cli/bin/Release/net10.0/helix.dll)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

measure() { # label, then the command
  local label=$1; shift
  local seconds=() kilobytes=()
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r s kb <"$work/time"
    seconds+=("$s"); kilobytes+=("$kb")
  done
  printf '%-44s median %6.2f s   peak RSS %5d MB   (runs: %s)\n' "$label" \
    "$(printf '%s\n' "${seconds[@]}" | median)" \
    "$(( $(printf '%s\n' "${kilobytes[@]}" | median | cut -d. -f1) / 1024 ))" "${seconds[*]}"
}

measure "reference: helix render (render + verify + write)" "${helix[@]}" render --spec platform/helix.yaml --out "$work/out"
measure "reference: helix verify --no-charts" "${helix[@]}" verify --no-charts --spec platform/helix.yaml

# The charts (Helm v4 from scripts/tools.sh, charts from HELIX_CHARTS, default ../shared/charts):
# cold = an empty output cache each run (every chart rendered by Helm), warm = the cache filled.
eval "$(scripts/tools.sh env)"
export HELIX_CHARTS=${HELIX_CHARTS:-$(cd ../shared/charts && pwd)}
measure "reference: helix verify, charts cold" env HELIX_CACHE="$work/cold" bash -c 'rm -rf "$HELIX_CACHE"; exec "$@"' _ "${helix[@]}" verify --spec platform/helix.yaml
grep -h '^rendered [0-9]* charts' "$work/err" | sed 's/^/    last cold run: /'
HELIX_CACHE="$work/warm" "${helix[@]}" verify --spec platform/helix.yaml >/dev/null 2>&1
measure "reference: helix verify, charts warm" env HELIX_CACHE="$work/warm" "${helix[@]}" verify --spec platform/helix.yaml
measure "reference: helix bring-up, charts warm" env HELIX_CACHE="$work/warm" "${helix[@]}" bring-up --spec platform/helix.yaml

for n in $tenants; do
  spec="$work/helix-$n.yaml"
  # The generated tenants go first in the spec's tenants: list (sections follow it).
  for ((t = 1; t <= n; t++)); do
    printf '  - name: t%04d\n    team: team-%04d\n    flows:\n      - to: postgres-pooler\n        port: 5432\n' "$t" "$t"
  done >"$work/tenants.yaml"
  awk -v extra="$work/tenants.yaml" '{ print } /^tenants:$/ { while ((getline line < extra) > 0) print line }' platform/helix.yaml >"$spec"
  measure "$n more tenants: helix render" "${helix[@]}" render --spec "$spec" --out "$work/out"
  HELIX_CACHE="$work/warm" "${helix[@]}" bring-up --spec "$spec" >/dev/null 2>&1 || true # verdicts of the new objects
  measure "$n more tenants: helix bring-up, charts warm" env HELIX_CACHE="$work/warm" "${helix[@]}" bring-up --spec "$spec"
done
