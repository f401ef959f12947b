#!/usr/bin/env bash
# Builds Helix, starts the real dependencies (scripts/services.sh), runs every test project, stops
# the dependencies again (also when tests fail), and ends with `N passed, N failed[, N skipped]`.
# The exit code is the tests' result. HELIX_KEEP_SERVICES=1 leaves the dependencies running.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration=${CONFIGURATION:-Release}
results=$(mktemp -d "${TMPDIR:-/tmp}/helix-test.XXXXXX")

summary() { printf '%s passed, %s failed%s\n' "$1" "$2" "$3"; }

stop_services() {
  [[ ${HELIX_KEEP_SERVICES:-0} == 1 ]] || scripts/services.sh stop >/dev/null 2>&1 || true
}

if ! scripts/services.sh start; then
  stop_services
  echo "test.sh: the test dependencies did not start (see above); no test ran"
  summary 0 1 ""
  exit 1
fi
eval "$(scripts/services.sh env)"

# Helm v4 for `helix verify --charts`, and the upstream chart sources beside the repository as the chart cache.
if ! scripts/tools.sh install; then
  stop_services
  echo "test.sh: Helm could not be installed (see above); no test ran"
  summary 0 1 ""
  exit 1
fi
eval "$(scripts/tools.sh env)"
# A clone made elsewhere finds them beside the repository it was cloned from.
if [[ -z ${HELIX_CHARTS:-} ]]; then
  for charts in ../shared/charts "$(git remote get-url origin 2>/dev/null)/../shared/charts"; do
    if [[ -d $charts ]]; then
      HELIX_CHARTS=$(cd "$charts" && pwd)
      export HELIX_CHARTS
      break
    fi
  done
fi

echo "test.sh: building ($configuration)"
if ! dotnet build Helix.slnx -c "$configuration" -warnaserror >"$results/build.log" 2>&1; then
  grep -E ': (error|warning) ' "$results/build.log" | sort -u
  tail -n 5 "$results/build.log"
  stop_services
  echo "test.sh: the build failed; no test ran"
  summary 0 1 ""
  exit 1
fi

# One test module at a time: the services' reliability tests kill and restart workers against real
# NATS and PostgreSQL, with deadlines; on a two-core machine, Helm's chart renders in another module
# starved them past those deadlines now and then.
dotnet test --solution Helix.slnx -c "$configuration" --no-build --no-progress --max-parallel-test-modules 1 2>&1 | tee "$results/test.log"
rc=${PIPESTATUS[0]}
stop_services

count() { grep -E "^[[:space:]]+$1: [0-9]+$" "$results/test.log" | tail -n 1 | grep -oE '[0-9]+$'; }
total=$(count total) || total=
if [[ -z $total ]]; then
  echo "test.sh: the test run printed no summary (exit code $rc)"
  summary 0 1 ""
  exit $((rc == 0 ? 1 : rc))
fi
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)
extra=""
[[ ${skipped:-0} -gt 0 ]] && extra=", $skipped skipped"
summary "$passed" "$failed" "$extra"
exit "$rc"
