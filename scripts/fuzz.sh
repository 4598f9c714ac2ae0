#!/usr/bin/env bash
# Fuzzes what usertrack reads from outside with libFuzzer, for a bounded
# time: the ingestion functions ingest() and ingest_otlp(), and the JSON an
# application writes into usertrack.observations (target "observation":
# usage_details and model_parameters, parsed by the C price trigger).  Ends
# with one line "N passed, M failed" (one test per target, plus the proof
# that the setup catches a planted bug).  Exits non-zero on a finding.
#
#   bash scripts/fuzz.sh                      60 seconds for each target
#   FUZZ_TARGETS=observation bash scripts/fuzz.sh
#                                             one target
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh     longer
#   FUZZ_CORPUS=~/usertrack-corpus bash scripts/fuzz.sh
#                                             keep the grown corpus between runs
#   bash scripts/fuzz.sh test-logs/fuzz/ingest/crash-...
#   bash scripts/fuzz.sh test-logs/fuzz/ingest/history-...
#                                             replay saved inputs against the
#                                             target named by their directory,
#                                             in a fresh database: a crash-*
#                                             file alone, a history-* directory
#                                             (the inputs before a finding) in
#                                             order; verify() runs after the
#                                             last.  Exits non-zero if the
#                                             finding comes back.  Logs go to
#                                             test-logs/fuzz-replay/.
#
# How it works (see test/fuzz/fuzz_ingest.c for the target itself):
#   - The code under test interprets payloads with PostgreSQL's jsonb,
#     numeric and timestamp functions and writes through SPI, so the fuzzer
#     runs inside a backend.  usertrack.so is built with clang in a copy of
#     the tree, with -fsanitize=fuzzer-no-link (libFuzzer's coverage) and
#     ASan+UBSan, and with test/fuzz/fuzz_ingest.c and libFuzzer's runtime
#     (libclang_rt.fuzzer_no_main) linked in.
#   - It is installed into a private "shadow" installation of Debian's
#     PostgreSQL (shadow_install in scripts/common.sh), so the real
#     usertrack.so is never touched.
#   - A single-user backend (postgres --single), with clang's ASan runtime
#     preloaded, calls the procedure usertrack_fuzz_run(target, libFuzzer arguments); the
#     seed corpus is the SDK fixtures in test/fixtures/ (test/fuzz/seeds/ for
#     the target observation) and the inputs of past findings
#     (test/fuzz/regressions/), the dictionaries test/fuzz/*.dict.  libFuzzer ends the process when the time is
#     up; a finding leaves a crash-* file in $LOG/fuzz/<target>/.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
PGVER=15
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-"ingest ingest_otlp observation"}
LOG=${LOG:-$ROOT/test-logs}/fuzz

passed=0
failed=0
failures=()

# shellcheck source=scripts/common.sh
. scripts/common.sh

ensure_packages postgresql-$PGVER postgresql-server-dev-$PGVER make gcc clang-14 libclang-rt-14-dev
PGBIN=/usr/lib/postgresql/$PGVER/bin
PG_CONFIG=$PGBIN/pg_config
PKGLIBDIR=$($PG_CONFIG --pkglibdir)
SHAREDIR=$($PG_CONFIG --sharedir)
CLANG=clang-14
RTDIR=$(dirname "$($CLANG -print-file-name=libclang_rt.fuzzer_no_main-x86_64.a)")
[ -f "$RTDIR/libclang_rt.fuzzer_no_main-x86_64.a" ] ||
    RTDIR=$(echo /usr/lib/llvm-14/lib/clang/*/lib/linux)
LIBFUZZER=$RTDIR/libclang_rt.fuzzer_no_main-x86_64.a
LIBASAN=$RTDIR/libclang_rt.asan-x86_64.so

server_user

# replaying: the inputs are staged first (they may live under $LOG)
if [ $# -gt 0 ]; then
    LOG=$LOG-replay
    STAGE=$(mktemp -d /tmp/usertrack-replay.XXXXXX)
    i=0
    for f in "$@"; do
        f=$(readlink -f "$f") || give_up "no such input: $f"
        if [ -d "$f" ]; then t=$(basename "$(dirname "$f")"); else t=$(basename "$(dirname "$f")"); fi
        i=$((i + 1)); mkdir -p "$STAGE/$i-$t"
        if [ -d "$f" ]; then cp "$f"/* "$STAGE/$i-$t/"; else cp "$f" "$STAGE/$i-$t/"; fi
    done
    chmod -R a+rX "$STAGE"
fi
rm -rf "$LOG"; mkdir -p "$LOG"
WORK=$(mktemp -d /tmp/usertrack-fuzz.XXXXXX)
chmod 755 "$WORK"
SRC=$WORK/src
SHADOW=$WORK/root
DATA=$WORK/data
cleanup() {
    chown -R "$(id -u)" "$LOG" 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "scratch directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the fuzzing build ------------------------------------------------------------
FUZZ_FLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv"
say "fuzzing build (clang, $FUZZ_FLAGS)"
[ -f "$LIBFUZZER" ] || give_up "libFuzzer's runtime is missing: $LIBFUZZER"
copy_tree "$SRC"
OBJS=$(sed -n 's/^OBJS *= *//p' "$SRC/Makefile")" test/fuzz/fuzz_ingest.o"
# CFLAGS replaces the server's own flags, which are gcc's; PostgreSQL's
# headers declare gnu_printf formats, which clang ignores (-Wignored-attributes)
if ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" CC=$CLANG with_llvm=no OBJS="$OBJS" \
        CFLAGS="-fno-strict-aliasing -Wmissing-prototypes -Wpointer-arith -Wvla" \
        PG_CFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-ignored-attributes -Wno-missing-field-initializers $FUZZ_FLAGS" \
        PG_LDFLAGS="-fsanitize=address,undefined -shared-libasan -Wl,-Bsymbolic -Wl,--whole-archive $LIBFUZZER -Wl,--no-whole-archive -lstdc++" \
        >"$LOG/build.log" 2>&1 ||
   ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" CC=$CLANG with_llvm=no OBJS="$OBJS" DESTDIR="$SHADOW" install >>"$LOG/build.log" 2>&1; then
    give_up "the fuzzing build failed" "$LOG/build.log"
fi
case "$(nm -D "$SHADOW$PKGLIBDIR/usertrack.so")" in *" T usertrack_fuzz_run"*) ;; *)
    give_up "usertrack.so has no fuzz entry point" ;; esac
asan_init_first_shim "$WORK/asan_init_first.so" >>"$LOG/build.log" 2>&1 ||
    give_up "building the ASan init shim failed" "$LOG/build.log"
shadow_install "$SHADOW"

# --- a database for the single-user backend -------------------------------------------
mkdir -p "$DATA"
chown "$SERVER_USER" "$DATA" "$LOG"
chmod 700 "$DATA"
as_server "$PGBIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$LOG/initdb.log" 2>&1 ||
    give_up "initdb failed" "$LOG/initdb.log"

ASAN_ENV=(LD_PRELOAD="$LIBASAN:$WORK/asan_init_first.so"
          ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:disable_coredump=1"
          UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
EXTRA_ENV=()
single() {     # single LOGFILE: the statements on stdin, one per line
    as_server env "${ASAN_ENV[@]}" "${EXTRA_ENV[@]}" "$SHADOW$PGBIN/postgres" --single -D "$DATA" \
        -c jit=off -c fsync=off -c max_stack_depth=2MB postgres >"$1" 2>&1
}
single "$LOG/setup.log" <<'EOF' || give_up "setting up the database failed" "$LOG/setup.log"
CREATE EXTENSION usertrack;
CREATE PROCEDURE usertrack_fuzz_run(text, text[]) AS '$libdir/usertrack', 'usertrack_fuzz_run' LANGUAGE C;
EOF
grep -q 'ERROR' "$LOG/setup.log" && give_up "setting up the database failed" "$LOG/setup.log"

seeds_of() {    # the seed corpus of a target: the SDK fixtures (or seeds of
                # its own), and the inputs of past findings
    case "$1" in
        ingest) ls "$ROOT"/test/fixtures/langfuse-v3/batch-*.json ;;
        ingest_otlp) ls "$ROOT"/test/fixtures/*/export-*.json ;;
        *) ls "$ROOT"/test/fuzz/seeds/"$1"/* ;;
    esac
    ls "$ROOT"/test/fuzz/regressions/"$1"/* 2>/dev/null
}
dict_of() {     # the dictionary of a target
    case "$1" in
        ingest|ingest_otlp) echo "$SRC/test/fuzz/ingest.dict" ;;
        *) echo "$SRC/test/fuzz/$1.dict" ;;
    esac
}

fuzz() {    # fuzz TARGET LOGFILE ARGS...: one libFuzzer run
    local target=$1 log=$2 args="" a; shift 2
    for a in "$@"; do args="$args, '$a'"; done
    echo "CALL usertrack_fuzz_run('$target', ARRAY[${args#, }]::text[]);" | single "$log"
}

# --- replaying saved inputs ---------------------------------------------------------
# Each staged set runs in one backend, in order (libFuzzer runs the files it
# is given one by one), with verify() after the last one; the database is
# left as it was (the run commits only after its verify and truncation).
if [ $# -gt 0 ]; then
    found=0
    for d in "$STAGE"/*; do
        t=${d##*/}; t=${t#*-}
        mapfile -t files < <(ls "$d"/* | sort)
        EXTRA_ENV=(USERTRACK_FUZZ_VERIFY_EVERY=${#files[@]})
        fuzz "$t" "$LOG/replay.log" -artifact_prefix="$LOG/" "${files[@]}"
        if grep -q 'usertrack fuzz finding\|ERROR: AddressSanitizer\|runtime error\|deadly signal' "$LOG/replay.log"; then
            found=1
            echo "  $t, ${#files[@]} input(s): the finding comes back"
            grep -E -A8 'usertrack fuzz finding|ERROR: AddressSanitizer|runtime error' "$LOG/replay.log" | head -40 | sed 's/^/  | /'
        elif grep -q 'verify() empty' "$LOG/replay.log"; then
            echo "  $t, ${#files[@]} input(s): no finding (verify() empty after the last)"
        else
            found=1
            echo "  $t, ${#files[@]} input(s): the replay did not finish"; tail -20 "$LOG/replay.log" | sed 's/^/  | /'
        fi
        cp "$LOG/replay.log" "$LOG/replay-${d##*/}.log"
    done
    rm -rf "$STAGE"
    exit "$found"
fi

# --- the canary: a planted bug must be found ------------------------------------------
# The target gets an input whose "batch" is a number: ingest() rejects it
# with 22023, which is right, so no finding.  Then the same input to the
# target "canary", whose oracle lets no error pass: libFuzzer must stop and
# save the input.  This proves that findings reach the exit code and the
# crash file.
say "canary: the harness must report a finding"
mkdir -p "$WORK/canary" "$LOG/canary"
printf '{"batch": 1}' >"$WORK/canary/envelope.json"
chmod -R a+rwX "$WORK/canary"; chown "$SERVER_USER" "$LOG/canary"
fuzz ingest "$LOG/canary-clean.log" -runs=0 "$WORK/canary"
if grep -q 'usertrack fuzz finding' "$LOG/canary-clean.log" || ! grep -q 'INITED\|Done' "$LOG/canary-clean.log"; then
    fail "canary: a bad envelope is not a finding"; tail -20 "$LOG/canary-clean.log" | sed 's/^/  | /'
else
    pass "canary: a bad envelope is handled (22023), not a finding"
fi
fuzz canary "$LOG/canary-planted.log" -runs=0 -artifact_prefix="$LOG/canary/" "$WORK/canary"
if grep -q 'usertrack fuzz finding' "$LOG/canary-planted.log" && ls "$LOG/canary"/crash-* >/dev/null 2>&1; then
    pass "canary: a planted finding stops libFuzzer and saves the input"
else
    fail "canary: the planted finding was not reported"; tail -20 "$LOG/canary-planted.log" | sed 's/^/  | /'
fi

# --- the targets -------------------------------------------------------------------------
for t in $FUZZ_TARGETS; do
    say "fuzzing $t for ${FUZZ_SECONDS}s"
    corpus=${FUZZ_CORPUS:+$FUZZ_CORPUS/$t}
    corpus=${corpus:-$WORK/corpus-$t}
    mkdir -p "$corpus" "$LOG/$t"
    for f in $(seeds_of "$t"); do    # fixture directory and name: unique
        cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    chmod -R a+rwX "$corpus"; chown -R "$SERVER_USER" "$corpus" "$LOG/$t"
    fuzz "$t" "$LOG/$t.log" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=4096 \
        -dict="$(dict_of "$t")" -artifact_prefix="$LOG/$t/" -print_final_stats=1 "$corpus"
    rc=$?
    runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$LOG/$t.log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$LOG/$t.log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ] && ! ls "$LOG/$t"/crash-* "$LOG/$t"/leak-* "$LOG/$t"/timeout-* >/dev/null 2>&1; then
        pass "fuzz $t: ${runs}s, $cov, no finding"
    else
        fail "fuzz $t"
        echo "  exit $rc; saved inputs: $(ls "$LOG/$t" | tr '\n' ' ')"
        echo "  replay with: bash scripts/fuzz.sh $LOG/$t/<crash file or history directory>"
        grep -E -A8 'usertrack fuzz finding|ERROR: AddressSanitizer|runtime error|deadly signal' "$LOG/$t.log" | head -40 | sed 's/^/  | /'
    fi
done

say "summary"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $LOG)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
