#!/usr/bin/env bash
# Runs usertrack's tests against an AddressSanitizer + UndefinedBehaviorSanitizer
# build of the extension, and the libpq test program under valgrind.  Ends
# with one line "N passed, M failed" and exits non-zero on any finding.
#
#   bash scripts/sanitize.sh
#   SAN_SEEDS="1 2" SAN_CONCURRENT_SEEDS=11 SAN_OPS=3000 bash scripts/sanitize.sh
#   KEEP=1 bash scripts/sanitize.sh      keep the scratch directory
#
# How it works, and why this way:
#   - The sanitized build happens in a copy of the tree under a scratch
#     directory, so the work tree's objects and the installed usertrack.so,
#     which other test runs may be using at the same time, are never touched;
#     nothing needs restoring afterwards.  The flags come in through
#     PG_CFLAGS / PG_LDFLAGS (see the Makefile), i.e. by hand:
#       make with_llvm=no PG_CFLAGS="$SAN_FLAGS" PG_LDFLAGS="$SAN_FLAGS"
#     -fno-wrapv undoes PostgreSQL's -fwrapv, without which UBSan cannot see
#     signed overflow.
#   - The server is Debian's PostgreSQL 15, not built with ASan.  It runs from
#     a private "shadow" installation: a copy of the postgres and pg_ctl
#     binaries next to symbolic links to everything of the real installation
#     except usertrack's files, which come from `make install DESTDIR=`.
#     PostgreSQL finds $libdir and the share directory relative to its own
#     binary, so this server loads the sanitized usertrack.so and no other.
#   - The ASan and UBSan runtimes are preloaded into the postmaster
#     (LD_PRELOAD, with a small shim, see below); ASan reports go to files
#     (log_path), UBSan's to the server log; leak detection is off because
#     the server frees memory by exiting.  A report ends the backend, and any
#     report file, "runtime error" or crash in the server log fails the suite
#     that caused it (one "sanitizers clean after SUITE" test per suite).
#   - A canary module built with the same flags plants a one-byte heap
#     overflow and a signed overflow; each run first proves both are caught,
#     so a broken setup cannot pass silently.
#   - The server listens on a Unix socket in the scratch directory only, so
#     it cannot collide with other clusters on this machine.
#   - Finally the normal build replaces the sanitized one in the shadow
#     installation, the server restarts without the sanitizers, and the
#     differential test program runs under valgrind.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
PGVER=15
SAN_SEEDS=${SAN_SEEDS-"1 2 3"}
SAN_CONCURRENT_SEEDS=${SAN_CONCURRENT_SEEDS-"11 12"}
SAN_OPS=${SAN_OPS:-3000}
CLIENTS=${CLIENTS:-4}
VALGRIND_OPS=${VALGRIND_OPS:-500}
STEP_TIMEOUT=${STEP_TIMEOUT:-1200}
LOG=${LOG:-$ROOT/test-logs}/sanitize

passed=0
failed=0
failures=()

# shellcheck source=scripts/common.sh
. scripts/common.sh

# --- prerequisites ---------------------------------------------------------
ensure_packages postgresql-$PGVER postgresql-server-dev-$PGVER libpq-dev make gcc libasan8 libubsan1 valgrind
PGBIN=/usr/lib/postgresql/$PGVER/bin
export PATH="$PGBIN:$PATH"
PG_CONFIG=$PGBIN/pg_config
PKGLIBDIR=$($PG_CONFIG --pkglibdir)
SHAREDIR=$($PG_CONFIG --sharedir)

server_user

LIBASAN=$(readlink -f "$(gcc -print-file-name=libasan.so)")
LIBUBSAN=$(readlink -f "$(gcc -print-file-name=libubsan.so)")
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv"
WFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter"

rm -rf "$LOG"; mkdir -p "$LOG"
WORK=$(mktemp -d /tmp/usertrack-sanitize.XXXXXX)
chmod 755 "$WORK"
SRC=$WORK/src            # the copy of the tree that is built
SHADOW=$WORK/root        # DESTDIR of the private installation
DATA=$WORK/data
SOCK=$WORK/sock
SANLOG=$WORK/sanitizer   # ASan and UBSan report files
SERVERLOG=$WORK/sanitizer-server.log
PORT=5432                # only a Unix socket in $SOCK: no collision possible

cleanup() {
    if [ -f "$DATA/postmaster.pid" ]; then
        as_server "$SHADOW$PGBIN/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1
    fi
    [ -f "$SERVERLOG" ] && cp "$SERVERLOG" "$LOG/server.log" 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "scratch directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the sanitized build, in a copy of the tree -----------------------------
say "ASan+UBSan build (PG_CFLAGS=$SAN_FLAGS)"
copy_tree "$SRC"
make -s -C "$SRC" clean >/dev/null 2>&1
if ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" with_llvm=no \
        PG_CFLAGS="$WFLAGS $SAN_FLAGS" PG_LDFLAGS="$SAN_FLAGS" >"$LOG/build.log" 2>&1 ||
   ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$SHADOW" install >>"$LOG/build.log" 2>&1 ||
   ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" TEST_CFLAGS="-Wall -Wextra -Werror -g" test-programs >>"$LOG/build.log" 2>&1; then
    give_up "sanitized build failed" "$LOG/build.log"
fi
case "$(ldd "$SHADOW$PKGLIBDIR/usertrack.so")" in *libasan*) ;; *) give_up "usertrack.so is not linked with libasan" ;; esac

# The canary: the same flags, one planted overrun and one planted overflow.
cat >"$WORK/usertrack_canary.c" <<'EOF'
#include "postgres.h"
#include "fmgr.h"
#include <stdlib.h>

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(canary_heap_overflow);
Datum
canary_heap_overflow(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	volatile char *p = malloc(n);

	p[n] = 1;					/* one byte past the end */
	free((void *) p);
	PG_RETURN_INT32(n);
}

PG_FUNCTION_INFO_V1(canary_signed_overflow);
Datum
canary_signed_overflow(PG_FUNCTION_ARGS)
{
	int32		a = PG_GETARG_INT32(0);

	PG_RETURN_INT32(a + 1);
}
EOF
# shellcheck disable=SC2046
if ! gcc $($PG_CONFIG --cflags) $SAN_FLAGS -fPIC -shared -I"$($PG_CONFIG --includedir-server)" \
        -o "$SHADOW$PKGLIBDIR/usertrack_canary.so" "$WORK/usertrack_canary.c" >>"$LOG/build.log" 2>&1; then
    give_up "building the canary failed" "$LOG/build.log"
fi

if ! asan_init_first_shim "$WORK/asan_init_first.so" >>"$LOG/build.log" 2>&1; then
    give_up "building the ASan init shim failed" "$LOG/build.log"
fi

# --- the private installation -----------------------------------------------
# (see shadow_install in scripts/common.sh)
shadow_install "$SHADOW"

# --- the server ---------------------------------------------------------------
mkdir -p "$DATA" "$SOCK" "$SANLOG"
touch "$SERVERLOG"
chown "$SERVER_USER" "$DATA" "$SOCK" "$SANLOG" "$SERVERLOG"
chmod 700 "$DATA"
as_server "$PGBIN/initdb" -D "$DATA" -A trust -U postgres --no-sync >"$LOG/initdb.log" 2>&1 ||
    give_up "initdb failed" "$LOG/initdb.log"
cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = $PORT
fsync = off
jit = off
max_connections = 40
restart_after_crash = on
log_line_prefix = '%m [%p] '
EOF

export PGHOST=$SOCK PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres

start_server() {    # start_server sanitized|plain
    local env=()
    if [ "$1" = sanitized ]; then
        env=(LD_PRELOAD="$LIBASAN:$LIBUBSAN:$WORK/asan_init_first.so"
             ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:disable_coredump=1:log_path=$SANLOG/asan"
             UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    fi
    as_server env "${env[@]}" "$SHADOW$PGBIN/pg_ctl" -D "$DATA" -l "$SERVERLOG" -w -t 60 start >"$LOG/pg_ctl.log" 2>&1 ||
        give_up "the $1 server did not start" "$SERVERLOG"
}
stop_server() {
    as_server "$SHADOW$PGBIN/pg_ctl" -D "$DATA" -w -t 120 stop -m fast >>"$LOG/pg_ctl.log" 2>&1
}
wait_ready() {     # after a crash the postmaster reinitializes
    local _
    for _ in $(seq 1 120); do
        psql -qXAtc 'select 1' >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

# Sanitizer reports and backend crashes since the last call: the report
# files, moved into $LOG/<name>-findings/ so the next check starts clean, and
# the new lines of the server log (UBSan reports land there, on stderr).
server_log_seen=0
findings() {
    local name=$1 out n=0 f
    out=$LOG/$name-findings
    mkdir -p "$out"
    for f in "$SANLOG"/*; do
        [ -e "$f" ] || continue
        mv "$f" "$out/"; n=$((n + 1))
    done
    local lines
    lines=$(wc -l <"$SERVERLOG")
    sed -n "$((server_log_seen + 1)),${lines}p" "$SERVERLOG" |
        grep -E 'runtime error:|==[0-9]+==ERROR|Sanitizer|terminated by signal|server process .* exited with exit code|PANIC:' >"$out/server-log.txt"
    server_log_seen=$lines
    if [ -s "$out/server-log.txt" ]; then n=$((n + 1)); else rm -f "$out/server-log.txt"; fi
    [ "$n" -eq 0 ] && rmdir "$out"
    return "$n"
}
show_findings() {
    local out=$LOG/$1-findings f
    [ -d "$out" ] || return 0
    for f in "$out"/*; do
        [ -s "$f" ] || continue
        echo "  --- $(basename "$f")"; head -40 "$f" | sed 's/^/  | /'
    done
}
check_clean() {     # check_clean SUITE: one test, "no sanitizer report"
    wait_ready
    sleep 1         # the postmaster logs a crash a moment after the report
    if findings "$1"; then
        pass "sanitizers clean after $1"
    else
        fail "sanitizers clean after $1"; show_findings "$1"
    fi
}

say "server: Debian's PostgreSQL $PGVER with $(basename "$LIBASAN") and $(basename "$LIBUBSAN") preloaded"
start_server sanitized
libs=$(psql -qXAtc "select setting from pg_config where name = 'PKGLIBDIR'")
[ "$libs" = "$SHADOW$PKGLIBDIR" ] || give_up "the server's \$libdir is $libs, not the private one"
maps=$(psql -qXAt -c "LOAD 'usertrack'" -c "SELECT pg_read_file('/proc/self/maps')")
case "$maps" in *"$SHADOW$PKGLIBDIR/usertrack.so"*) ;; *) give_up "a backend did not load $SHADOW$PKGLIBDIR/usertrack.so" ;; esac
case "$maps" in *libasan*) ;; *) give_up "the ASan runtime is not in the backend" ;; esac

# --- proof that the setup catches what it should --------------------------------
say "canary: planted bugs must be reported"
createdb canary
psql -qX -d canary -c "CREATE FUNCTION canary_heap_overflow(int) RETURNS int AS '\$libdir/usertrack_canary' LANGUAGE C STRICT;
                       CREATE FUNCTION canary_signed_overflow(int) RETURNS int AS '\$libdir/usertrack_canary' LANGUAGE C STRICT;" >/dev/null
check_clean server-start
canary() {      # canary NAME SQL PATTERN
    psql -qXAt -d canary -c "$2" >"$LOG/canary-$1.out" 2>&1
    wait_ready || give_up "the server did not come back after the canary" "$SERVERLOG"
    if findings "canary-$1"; then
        fail "canary-$1"; echo "  nothing was reported: the setup is broken"
    elif grep -qs "$3" "$LOG/canary-$1-findings"/*; then
        pass "canary $1 caught: $(grep -h -m1 -o "$3.*" "$LOG/canary-$1-findings"/* | head -1 | cut -c1-90)"
    else
        fail "canary-$1"; echo "  the report is not the planted bug's"; show_findings "canary-$1"
    fi
}
canary heap-overflow "SELECT canary_heap_overflow(16)" "heap-buffer-overflow"
canary signed-overflow "SELECT canary_signed_overflow(2147483647)" "signed integer overflow"
dropdb canary

# --- the suites against the sanitized build ----------------------------------------

say "pg_regress suites (sanitized)"
(cd "$SRC" && timeout "$STEP_TIMEOUT" make -s PG_CONFIG="$PG_CONFIG" installcheck ISOLATION= TAP_TESTS=) >"$LOG/regress.log" 2>&1
count_regress "$LOG/regress.log" regress "$SRC"
check_clean regress

say "isolation specs (sanitized)"
wait_ready
(cd "$SRC" && timeout "$STEP_TIMEOUT" make -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS= TAP_TESTS=) >"$LOG/isolation.log" 2>&1
count_regress "$LOG/isolation.log" isolation "$SRC"
check_clean isolation

run_difftest() {    # run_difftest NAME [difftest arguments...]
    local name=$1 db; shift
    db=$(echo "$name" | tr -c 'a-z0-9\n' '_')
    wait_ready
    dropdb --if-exists "$db" >/dev/null 2>&1
    if createdb "$db" && psql -qX -d "$db" -c 'CREATE EXTENSION usertrack' &&
       timeout "$STEP_TIMEOUT" "$SRC/test/difftest" --conninfo "dbname=$db" "$@"; then
        return 0
    fi
    return 1
} >"$LOG/$1.log" 2>&1

say "randomized differential test (sanitized, ops=$SAN_OPS)"
for s in $SAN_SEEDS; do
    if run_difftest "difftest-seed$s" --seed "$s" --ops "$SAN_OPS"; then
        pass "difftest-seed$s: $(grep -E '^difftest ' "$LOG/difftest-seed$s.log" | tail -1)"
    else
        fail "difftest-seed$s"; tail -30 "$LOG/difftest-seed$s.log" | sed 's/^/  | /'
    fi
    check_clean "difftest-seed$s"
done
for s in $SAN_CONCURRENT_SEEDS; do
    n="difftest-concurrent-seed$s"
    if run_difftest "$n" --seed "$s" --ops "$SAN_OPS" --clients "$CLIENTS"; then
        pass "$n: $(grep -E '^difftest ' "$LOG/$n.log" | tail -1)"
    else
        fail "$n"; tail -30 "$LOG/$n.log" | sed 's/^/  | /'
    fi
    check_clean "$n"
done
# the deferred mode's write path and refresh (fold_pending) under ASan/UBSan
for mode in deferred mixed; do
    n="difftest-$mode-concurrent"
    if run_difftest "$n" --seed 21 --ops "$SAN_OPS" --clients "$CLIENTS" --mode "$mode"; then
        pass "$n: $(grep -E '^difftest ' "$LOG/$n.log" | tail -1)"
    else
        fail "$n"; tail -30 "$LOG/$n.log" | sed 's/^/  | /'
    fi
    check_clean "$n"
done

# --- valgrind on the libpq test program, against a normal build ----------------------
say "valgrind: test/difftest --seed 1 --ops $VALGRIND_OPS (normal server)"
stop_server
make -s -C "$SRC" clean >/dev/null 2>&1
if ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" with_llvm=no PG_CFLAGS="$WFLAGS" >>"$LOG/build.log" 2>&1 ||
   ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$SHADOW" install >>"$LOG/build.log" 2>&1 ||
   ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" TEST_CFLAGS="-Wall -Wextra -Werror -g" test-programs >>"$LOG/build.log" 2>&1; then
    give_up "normal build failed" "$LOG/build.log"
fi
case "$(ldd "$SHADOW$PKGLIBDIR/usertrack.so")" in *libasan*) give_up "the normal usertrack.so is still sanitized" ;; esac
chmod -R a+rX "$SHADOW"
start_server plain
db=valgrind_difftest
createdb "$db" && psql -qX -d "$db" -c 'CREATE EXTENSION usertrack' >/dev/null
# exit code 99 tells a valgrind finding from a difftest failure (1)
timeout "$STEP_TIMEOUT" valgrind --leak-check=full --error-exitcode=99 --log-file="$LOG/valgrind.txt" \
    "$SRC/test/difftest" --conninfo "dbname=$db" --seed 1 --ops "$VALGRIND_OPS" >"$LOG/valgrind-difftest.log" 2>&1
rc=$?
summary=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost' "$LOG/valgrind.txt" | sed 's/^==[0-9]*== *//' | tr '\n' ';')
if [ "$rc" -eq 0 ]; then
    pass "valgrind difftest: $(grep -E '^difftest ' "$LOG/valgrind-difftest.log" | tail -1); $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$LOG/valgrind.txt")"
else
    fail "valgrind-difftest"; echo "  exit $rc: $summary"
    tail -5 "$LOG/valgrind-difftest.log" | sed 's/^/  | /'
    grep -E -A12 'definitely lost in|Invalid (read|write)|uninitialised|Mismatched' "$LOG/valgrind.txt" | head -60 | sed 's/^/  | /'
fi
check_clean valgrind-run   # the plain server must not have crashed either

say "summary"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $LOG)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
