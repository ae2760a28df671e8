#!/usr/bin/env bash
# Fault injection against the real jar (java -jar switchboard.jar, temp DATA_DIR, free ports): the
# embedded PostgreSQL's postmaster is killed with SIGKILL while a managed service prints 20 lines/s,
# then the JVM itself is killed. Checks that the database is back within seconds, the outage costs a
# few app-log lines, RSS stays bounded, /readiness says "database: unreachable since ..." while
# /health stays 200, stored lines + noted drops == lines printed, no StackOverflowError, and no
# postmaster outlives the JVM. Prints one "[db-fault] ..." line with the figures.
#
#   bench/faults.sh
#
# The same case runs in `mvn -B verify` (app module, DatabaseFaultIT).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log="$(mktemp)"
status=0
mvn -B -q -pl app -am verify -Dit.test=DatabaseFaultIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false "$@" >"$log" 2>&1 || status=$?
grep -hE '^\[db-fault\]|ERROR\]   ' "$log" || echo "no figures; the build log: $log"
grep -h '^Tests run' app/target/failsafe-reports/dev.switchboard.app.DatabaseFaultIT.txt 2>/dev/null || true
exit "$status"
