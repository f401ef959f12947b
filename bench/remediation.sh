#!/usr/bin/env bash
# Measures the Remediation Service (its own Release process) against the harness's PostgreSQL,
# PgBouncer and git server, ArgoCD and GitHub answered by local stubs:
#   1. from posting the alert that crosses the threshold to the pull request request reaching the
#      host, on a GitOps repository of 10,000 commits (fetch, revert, push included);
#   2. duplicate alerts answered per second (each is recorded nowhere and decides nothing).
# Figures go to BENCHMARKS.md by hand.
#   bench/remediation.sh [--commits N] [--rollbacks N] [--seconds N] [--concurrency N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start postgres pgbouncer git >/dev/null
eval "$(scripts/services.sh env)"
dotnet build -c Release src/Helix.Remediation >/dev/null
dotnet build -c Release bench/Helix.Remediation.Load >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
dotnet bench/Helix.Remediation.Load/bin/Release/net10.0/Helix.Remediation.Load.dll \
  --service src/Helix.Remediation/bin/Release/net10.0/Helix.Remediation.dll "$@"
