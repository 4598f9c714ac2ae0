#!/usr/bin/env bash
# Runs every test of usertrack and ends with one line "N passed, M failed".
#
#   bash scripts/test.sh            everything (what CI runs, via .ci/run)
#   SEEDS="1 2 3" OPS=5000 bash scripts/test.sh   more randomized runs
#
# On a fresh Debian 12 machine it installs what is missing with apt-get,
# builds the extension with warnings as errors, installs it, and runs:
#   - the pg_regress suites (sql/, expected/) in a throwaway cluster,
#   - the isolation specs (test/isolation/) in the same kind of cluster,
#   - the seeded randomized differential test (test/difftest.c), with one
#     client and with several concurrent clients, in immediate, deferred
#     and mixed maintenance mode,
#   - the TAP tests (test/t/), which start their own clusters and therefore
#     run as the unprivileged user "postgres" when started as root,
#   - scripts/sanitize.sh: the suites again against an ASan+UBSan build of
#     the extension, and test/difftest under valgrind (SANITIZE=0 skips it),
#   - scripts/fuzz.sh: libFuzzer on ingest(), ingest_otlp() and the JSON of
#     observation rows, 60 seconds each by default (FUZZ=0 skips it,
#     FUZZ_SECONDS changes it).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGVER=15
SEEDS=${SEEDS:-"1 2 3 4 5"}
OPS=${OPS:-3000}
CONCURRENT_SEEDS=${CONCURRENT_SEEDS:-"11 12"}
DEFERRED_SEEDS=${DEFERRED_SEEDS:-"1 2"}
MIXED_SEEDS=${MIXED_SEEDS:-"3 4"}
CLIENTS=${CLIENTS:-4}
LOG=${LOG:-$ROOT/test-logs}

passed=0
failed=0
failures=()

# shellcheck source=scripts/common.sh
. scripts/common.sh

# --- prerequisites ---------------------------------------------------------
ensure_packages postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-contrib postgresql-$PGVER-cron libpq-dev libipc-run-perl make gcc
export PATH="/usr/lib/postgresql/$PGVER/bin:$PATH"
PG_CONFIG=/usr/lib/postgresql/$PGVER/bin/pg_config
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config)

# --- build and install, warnings are errors ---------------------------------
WFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter"
say "build (PG_CFLAGS=$WFLAGS)"
make -s clean >/dev/null 2>&1
if ! make -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$WFLAGS" >/dev/null; then
    echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
if ! make -s PG_CONFIG="$PG_CONFIG" TEST_CFLAGS="-Wall -Wextra -Werror" test-programs >/dev/null; then
    echo "building the test programs failed"; echo "0 passed, 1 failed"; exit 1
fi
as_root make -s PG_CONFIG="$PG_CONFIG" install >/dev/null || { echo "install failed"; echo "0 passed, 1 failed"; exit 1; }

rm -rf "$LOG"; mkdir -p "$LOG"

# pg_virtualenv picks a port and can lose a race with another cluster that
# starts at the same moment; retry that case only.
virtualenv() {
    local out=$1; shift
    local i
    for i in 1 2 3 4 5; do
        pg_virtualenv -t -v "$PGVER" "$@" >"$out" 2>&1 && return 0
        grep -q "Port conflict\|could not bind\|already running" "$out" || return 1
        sleep $((i * 2))
    done
    return 1
}


# --- pg_regress -------------------------------------------------------------
say "pg_regress suites"
virtualenv "$LOG/regress.log" make -s PG_CONFIG="$PG_CONFIG" installcheck ISOLATION= TAP_TESTS=
count_regress "$LOG/regress.log" regress

# --- isolation specs ----------------------------------------------------------
say "isolation specs"
virtualenv "$LOG/isolation.log" make -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS= TAP_TESTS=
count_regress "$LOG/isolation.log" isolation

# --- randomized differential test --------------------------------------------
say "randomized differential test (ops=$OPS)"
run_difftest() {
    local name=$1; shift
    if virtualenv "$LOG/$name.log" sh -c "psql -qX -c 'CREATE EXTENSION usertrack' && ./test/difftest $*"; then
        passed=$((passed + 1)); echo "  ok      $name: $(grep -E '^difftest ' "$LOG/$name.log" | tail -1)"
    else
        failed=$((failed + 1)); failures+=("$name")
        echo "  FAILED  $name"
        # the program's own lines (not the server log's) say what failed
        grep -v '^20..-..-.. ' "$LOG/$name.log" | grep -v '^\(DETAIL\|CONTEXT\|STATEMENT\|HINT\): ' | tail -30 | sed 's/^/  | /'
    fi
}
for s in $SEEDS; do
    run_difftest "difftest-seed$s" --seed "$s" --ops "$OPS"
done
for s in $CONCURRENT_SEEDS; do
    run_difftest "difftest-concurrent-seed$s" --seed "$s" --ops "$OPS" --clients "$CLIENTS"
done
# every statement on its own: any deadlock is a failure, since the
# extension takes its rows in one order within a statement
for s in $CONCURRENT_SEEDS; do
    run_difftest "difftest-autocommit-seed$s" --seed "$s" --ops "$OPS" --clients "$CLIENTS" --autocommit
done
# the deferred mode: every writer deferred, or each statement in either mode
# (and batches of the refresh between the writes); verify() must be empty
# with the log unfolded, and again after a final refresh
for s in $DEFERRED_SEEDS; do
    run_difftest "difftest-deferred-seed$s" --seed "$s" --ops "$OPS" --mode deferred
done
for s in $MIXED_SEEDS; do
    run_difftest "difftest-mixed-seed$s" --seed "$s" --ops "$OPS" --mode mixed
done
set -- $CONCURRENT_SEEDS
run_difftest "difftest-deferred-concurrent-seed$1" --seed "$1" --ops "$OPS" --clients "$CLIENTS" --mode deferred
run_difftest "difftest-mixed-concurrent-seed${2:-$1}" --seed "${2:-$1}" --ops "$OPS" --clients "$CLIENTS" --mode mixed
for s in $CONCURRENT_SEEDS; do
    run_difftest "difftest-mixed-autocommit-seed$s" --seed "$s" --ops "$OPS" --clients "$CLIENTS" --autocommit --mode mixed
done

# --- alert notifications: a LISTENing client ----------------------------------
say "alert notifications (LISTEN)"
if virtualenv "$LOG/listen_alerts.log" sh -c "psql -qX -c 'CREATE EXTENSION usertrack' && ./test/listen_alerts"; then
    passed=$((passed + 1)); echo "  ok      listen_alerts: $(grep '^listen_alerts: ' "$LOG/listen_alerts.log" | tail -1)"
else
    failed=$((failed + 1)); failures+=("listen_alerts")
    echo "  FAILED  listen_alerts"; grep -v '^20..-' "$LOG/listen_alerts.log" | tail -30 | sed 's/^/  | /'
fi

# --- TAP tests ----------------------------------------------------------------
say "TAP tests"
if ls test/t/*.pl >/dev/null 2>&1; then
    tapdir=$ROOT
    runner=()
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses root: run from a copy owned by postgres
        tapdir=$(mktemp -d /tmp/usertrack-tap.XXXXXX)
        cp -a "$ROOT/." "$tapdir/"
        chown -R postgres: "$tapdir"
        runner=(runuser -u postgres --)
    fi
    (cd "$tapdir" && "${runner[@]}" make -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS= ISOLATION= PROVE_FLAGS="-v") >"$LOG/tap.log" 2>&1
    tap_ok=$(grep -cE '^ok [0-9]+' "$LOG/tap.log")
    tap_bad=$(grep -cE '^not ok [0-9]+' "$LOG/tap.log")
    grep -qE '^Result: PASS' "$LOG/tap.log" || { [ "$tap_bad" -eq 0 ] && tap_bad=1; }
    passed=$((passed + tap_ok)); failed=$((failed + tap_bad))
    grep -E '^(t/|test/t/).*\.pl|^Result' "$LOG/tap.log" | sed 's/^/  /'
    echo "  $tap_ok assertions ok, $tap_bad not ok"
    if [ "$tap_bad" -gt 0 ]; then
        failures+=(tap); tail -40 "$LOG/tap.log" | sed 's/^/  | /'
    fi
    [ "$tapdir" != "$ROOT" ] && rm -rf "$tapdir"
else
    echo "  (none)"
fi

# --- sanitizers: ASan+UBSan build of the extension, valgrind on difftest -----
# scripts/sanitize.sh builds and runs everything in a scratch directory of its
# own, with a private server; it never touches this tree's build or the
# installed usertrack.so.  SANITIZE=0 skips it.
# run_script NAME SCRIPT: a script that ends with "N passed, M failed";
# its ok/FAILED lines are shown and its counts added to ours.
run_script() {
    local name=$1 script=$2 rc line ok bad
    LOG="$LOG" bash "$script" >"$LOG/$name.log" 2>&1
    rc=$?
    grep -E '^  (ok|FAILED) ' "$LOG/$name.log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG/$name.log" | tail -1)
    ok=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    bad=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
    ok=${ok:-0}; bad=${bad:-0}
    [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    passed=$((passed + ok)); failed=$((failed + bad))
    echo "  $(basename "$script"): $ok ok, $bad failed"
    if [ "$bad" -gt 0 ]; then
        failures+=("$name"); tail -40 "$LOG/$name.log" | sed 's/^/  | /'
    fi
}
if [ "${SANITIZE:-1}" != 0 ]; then
    say "sanitizers (scripts/sanitize.sh)"
    run_script sanitize scripts/sanitize.sh
fi

# --- fuzzing: libFuzzer on the ingestion functions, for a bounded time --------
# scripts/fuzz.sh builds its own clang build in a scratch directory, like
# sanitize.sh.  FUZZ=0 skips it; FUZZ_SECONDS (default 60) per target.
if [ "${FUZZ:-1}" != 0 ]; then
    say "fuzzing (scripts/fuzz.sh, ${FUZZ_SECONDS:-60}s per target)"
    run_script fuzz scripts/fuzz.sh
fi

say "summary"
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]} (logs in $LOG)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
