#!/usr/bin/env bash
# bench/deferred.sh: one-row transactions under pgbench in immediate mode,
# deferred mode and without triggers; a hot user; the speed of the refresh;
# reads of all_users with a backlog.
#
# In one throw-away cluster (pg_virtualenv -t) this script
#   1. creates database oltp: the extension, and identical input tables
#      without triggers in schema plain (CREATE TABLE ... (LIKE usertrack.x
#      INCLUDING ALL)); preloads, into both, greatest(TRACES_PER_USER,
#      HOT_TRACES / rank) traces for each of USERS users (ids p-<user>-<k>,
#      3 sessions a user, days spread over 30 days; the heavy users of the
#      Zipf draw get more traces) and PINNED_TRACES traces for each of 8 more
#      users.  Then it runs pgbench (-M prepared) for T seconds with 1, 2, 4
#      and 8 clients, in three set-ups that see the same statements:
#      search_path=plain (no triggers), usertrack with
#      usertrack.maintenance=immediate, and usertrack with deferred.  The
#      mix: 1 part bench/pgbench/zipf_trace.sql (a new trace and one
#      observation of it), 3 parts zipf_observation.sql (one observation of
#      an existing trace); users are drawn by pgbench's random_zipfian with
#      exponent ZIPF.  The order of the three set-ups rotates from one client
#      count to the next.  After each deferred run, CALL usertrack.refresh()
#      folds what it wrote (timed, outside the pgbench figures).  Wait events
#      of the pgbench backends are sampled every 100 ms.  With PROFILE=1, a
#      5 s 1-client run of each mode lists the triggers' nested statements;
#   2. 8 clients on one user against 8 clients on 8 users (pinned_*.sql),
#      deferred and immediate, with wait events sampled;
#   3. creates database fold with the same preload, writes LOG_ROWS
#      single-row INSERTs of observations (Zipf-drawn users, one statement
#      each, so one log row each) in deferred mode from WRITERS parallel DO
#      loops that commit every 5,000 rows, copies the database (CREATE
#      DATABASE ... TEMPLATE, so every refresh starts from the same log), and
#      times CALL usertrack.refresh() and CALL usertrack.refresh(50000); with
#      PROFILE=1 a third copy is refreshed with pg_stat_statements tracking
#      every nested statement, to show where the time goes; then
#      usertrack.verify();
#   4. in database fold, writes BACKLOG_ROWS more single-row deferred INSERTs
#      spread evenly over all users, and times the first page of all_users
#      and one user's row with that backlog, then refreshes and times the
#      same reads with an empty log, right after the refresh and after a
#      VACUUM of the maintained tables (what immediate mode reads).
# It prints figures; it never fails on them.  A log goes to bench/results/.
#
# Usage: bash bench/deferred.sh          (after make install; about 9 min)
#        T=5 LOG_ROWS=100000 bash bench/deferred.sh   (a quick run)
# Knobs (environment): T (15, seconds per pgbench run), CLIENTS ("1 2 4 8"),
#   USERS (10000), TRACES_PER_USER (10), HOT_TRACES (2000), ZIPF (1.1;
#   random_zipfian needs more than 1), PINNED_TRACES (2000), LOG_ROWS (1000000), BACKLOG_ROWS
#   (100000), WRITERS (2), RUNS (9), VERIFY (1), PROFILE (1),
#   SHARED_BUFFERS (a quarter of memory, at most 4GB), FSYNC (off).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

T=${T:-15}
CLIENTS=${CLIENTS:-1 2 4 8}
USERS=${USERS:-10000}
TRACES_PER_USER=${TRACES_PER_USER:-10}
HOT_TRACES=${HOT_TRACES:-2000}
ZIPF=${ZIPF:-1.1}
PINNED_TRACES=${PINNED_TRACES:-2000}
LOG_ROWS=${LOG_ROWS:-1000000}
BACKLOG_ROWS=${BACKLOG_ROWS:-100000}
WRITERS=${WRITERS:-2}
RUNS=${RUNS:-9}
VERIFY=${VERIFY:-1}
PROFILE=${PROFILE:-1}
export T CLIENTS USERS TRACES_PER_USER HOT_TRACES ZIPF PINNED_TRACES LOG_ROWS BACKLOG_ROWS WRITERS RUNS VERIFY PROFILE

if [[ "${1:-}" != "--inside" ]]; then
    # The settings of bench/ingest.sh.  pg_stat_statements is loaded but
    # tracks nothing (track=none) until the profiled refresh turns it on in
    # its own session.
    source bench/cluster.sh
    run_in_cluster "$PWD/bench/deferred.sh" \
        -o shared_preload_libraries=pg_stat_statements -o pg_stat_statements.track=none
fi

# Inside pg_virtualenv from here on.
mkdir -p bench/results
stamp=$(date -u +%Y%m%d-%H%M%S)
log=bench/results/deferred-$stamp.log
work=$(mktemp -d -t usertrack-deferred.XXXXXX)
sampler_pid=
cleanup() {
    [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "work files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
scripts=bench/pgbench
started=$(date +%s)

say() { echo "$*" | tee -a "$log"; }
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan";
        else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# Wall time of a command in milliseconds.
now_ms() { date +%s%3N; }

say "usertrack deferred-mode benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
say "server: $("${psql[@]}" -Atc "SELECT split_part(version(), ' on ', 1)"), shared_buffers=$SHARED_BUFFERS, max_wal_size=8GB, work_mem=64MB, fsync=$("${psql[@]}" -Atc 'SHOW fsync'), synchronous_commit=$("${psql[@]}" -Atc 'SHOW synchronous_commit')"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain -- src 'usertrack--*.sql' usertrack.control 2>/dev/null)" ]]; then rev="$rev + uncommitted changes"; fi
so="$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/usertrack.so"
so_md5=$(md5sum "$so" | cut -c1-12)
say "usertrack: installed build of $rev (as of $(date -u -r "$so" '+%Y-%m-%d %H:%M UTC'), usertrack.so md5 $so_md5)"
say "asked: $USERS users x greatest($TRACES_PER_USER, $HOT_TRACES / rank) traces (Zipf $ZIPF), 8 pinned users x $PINNED_TRACES traces, pgbench $T s per run, clients: $CLIENTS; $LOG_ROWS log rows to refresh, backlog of $BACKLOG_ROWS for reads"

# Schema, preload: the same in databases oltp and fold.
setup_db() {
    "${psql[@]}" -c "CREATE DATABASE $1" -c "ALTER DATABASE $1 SET session_preload_libraries = 'usertrack'"
    "${psql[@]}" -d "$1" -v users="$USERS" -v tpu="$TRACES_PER_USER" -v hot="$HOT_TRACES" -v pinned="$PINNED_TRACES" <<'SQL'
CREATE EXTENSION usertrack;
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA plain;
CREATE TABLE plain.traces (LIKE usertrack.traces INCLUDING ALL);
CREATE TABLE plain.observations (LIKE usertrack.observations INCLUDING ALL);
CREATE SCHEMA bench;
SELECT setseed(0.2026) AS seeded \gset
-- user_<u>, trace p-<u>-<k>; user u of 1..:users gets greatest(:tpu,
-- :hot / u) traces, the 8 pinned users after them :pinned each.
CREATE UNLOGGED TABLE bench.preload AS
SELECT 'p-' || u || '-' || k AS id,
       now() - (random() * 30) * interval '1 day' AS "timestamp",
       'chat-turn' AS name, 'user_' || u AS user_id, 'sess_' || u || '_' || (k % 3 + 1) AS session_id,
       '{chat,web}'::text[] AS tags, '{"app": "acme-support"}'::jsonb AS metadata,
       '{"query": "Where is my order?"}'::jsonb AS input, '{"answer": "On its way."}'::jsonb AS output,
       'v2.14.0' AS release, 'production' AS environment
  FROM generate_series(1, :users + 8) u
 CROSS JOIN LATERAL generate_series(1, CASE WHEN u <= :users THEN greatest(:tpu, :hot / u) ELSE :pinned END) k;
INSERT INTO usertrack.traces (id, "timestamp", name, user_id, session_id, tags, metadata, input, output, release, environment)
SELECT * FROM bench.preload;
INSERT INTO plain.traces (id, "timestamp", name, user_id, session_id, tags, metadata, input, output, release, environment)
SELECT * FROM bench.preload;
VACUUM ANALYZE;
SQL
}

##############################################################################
# 1. One-row transactions, Zipf-skewed users: plain, immediate, deferred
##############################################################################

t0=$(date +%s)
setup_db oltp
"${psql[@]}" -c CHECKPOINT
say "database oltp: $("${psql[@]}" -d oltp -Atc "SELECT count(*) FROM usertrack.traces") traces preloaded into each side ($(( $(date +%s) - t0 )) s)"

# run_pgbench LABEL MODE CLIENTS SCRIPT-ARGS...: one pgbench run; writes
# LABEL.out and prints "tps latency_avg latency_stddev failed".
run_pgbench() {
    local label=$1 mode=$2 clients=$3 opts
    shift 3
    case $mode in
        plain) opts='-c search_path=plain' ;;
        immediate) opts='-c search_path=usertrack -c usertrack.maintenance=immediate' ;;
        deferred) opts='-c search_path=usertrack -c usertrack.maintenance=deferred' ;;
    esac
    local jobs=$((clients < 2 ? clients : 2))
    "${psql[@]}" -d oltp -c CHECKPOINT
    PGOPTIONS="$opts ${EXTRA_PGOPTIONS:-}" pgbench -n -M prepared -c "$clients" -j "$jobs" -T "$T" -P 5 \
        "$@" oltp > "$work/$label.out" 2>&1 || { cat "$work/$label.out" >&2; return 1; }
    {
        echo "--- $label: mode=$mode clients=$clients"
        grep -E '^(tps|latency|number of (transactions|failed))' "$work/$label.out"
    } >> "$log"
    awk '/^tps = / { tps = $3 } /^latency average/ { avg = $4 } /^latency stddev/ { sd = $4 }
         /^number of failed transactions/ { f = $5 }
         END { printf "%s %s %s %s\n", tps, avg, sd, (f == "" ? 0 : f) }' "$work/$label.out"
}

# refresh DB LABEL [BATCH]: CALL usertrack.refresh() timed; prints "ms rows"
refresh() {
    local db=$1 label=$2 batch=${3:-}
    local out="$work/refresh-$label.out"
    "${psql[@]}" -d "$db" -c '\timing on' -c "CALL usertrack.refresh($batch)" > "$out" 2>&1
    echo "--- refresh $label ($db, batch_size ${batch:-10000 (default)})" >> "$log"
    cat "$out" >> "$log"
    local ms rows
    ms=$(awk '/^Time: / { print $2 }' "$out")
    rows=$(sed -n 's/.*folded \([0-9]*\) log rows.*/\1/p' "$out")
    echo "$ms ${rows:-0}"
}

# sample LABEL SECONDS: wait events of the pgbench backends every 100 ms
sample_waits() {
    local label=$1 n=$(( ($2) * 10 ))
    PGOPTIONS="-c bench.samples=$n" "${psql[@]}" -d oltp -At -F ' ' > "$work/waits-$label" <<'SQL'
CREATE TEMP TABLE w (sample int, what text);
DO $$
BEGIN
    FOR i IN 1 .. current_setting('bench.samples')::int LOOP
        PERFORM pg_stat_clear_snapshot();
        INSERT INTO w
        SELECT i, CASE WHEN a.wait_event_type IS NULL THEN 'no wait event (running)'
                       WHEN a.wait_event = 'ClientRead' THEN 'Client:ClientRead (waiting for pgbench)'
                       ELSE a.wait_event_type || ':' || a.wait_event END
          FROM pg_stat_activity a
         WHERE a.application_name = 'pgbench' AND a.backend_type = 'client backend';
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
SELECT count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1), what
  FROM w GROUP BY what ORDER BY 1 DESC;
SQL
}

zipf_args=(-D users="$USERS" -D zipf="$ZIPF" -D traces_per_user="$TRACES_PER_USER" -D hot_traces="$HOT_TRACES"
           -f "$scripts/zipf_trace.sql@1" -f "$scripts/zipf_observation.sql@3")
orders=("plain immediate deferred" "immediate deferred plain" "deferred plain immediate")
: > "$work/part1"
i=0
for c in $CLIENTS; do
    for mode in ${orders[$((i % 3))]}; do
        say "pgbench: $mode, $c clients, $T s ..."
        ( sleep 1; sample_waits "p1-$mode-$c" $((T - 2)) ) &
        sampler_pid=$!
        read -r tps avg sd failed < <(run_pgbench "p1-$mode-$c" "$mode" "$c" "${zipf_args[@]}")
        wait "$sampler_pid" || true
        sampler_pid=
        {
            echo "--- wait events of the pgbench backends, $mode, $c clients: samples, %, what"
            cat "$work/waits-p1-$mode-$c"
        } >> "$log"
        echo "$c $mode $tps $avg $sd $failed" >> "$work/part1"
        if [[ $mode == deferred ]]; then
            read -r rms rrows < <(refresh oltp "p1-$c")
            echo "$c refresh $rms $rrows" >> "$work/part1"
        fi
    done
    i=$((i + 1))
done

say ""
say "One-row transactions, Zipf($ZIPF) users of $USERS, mix 1 new trace + its observation : 3 observations of existing traces"
say "(pgbench -M prepared -T $T; TPS = transactions per second; ratio = TPS / TPS without triggers)"
awk '
    $2 == "refresh" { rms[$1] = $3; rrows[$1] = $4; next }
    { tps[$1, $2] = $3; avg[$1, $2] = $4; sd[$1, $2] = $5; f[$1, $2] += $6; if (!seen[$1]++) cs[++n] = $1 }
    END {
        printf "%7s %9s %9s %6s %9s %6s %14s %14s %14s %18s\n", "clients", "plain", "immediate", "ratio",
               "deferred", "ratio", "lat plain ms", "lat immed ms", "lat defer ms", "refresh after"
        for (i = 1; i <= n; i++) {
            c = cs[i]
            printf "%7d %9.0f %9.0f %6.3f %9.0f %6.3f %7.2f+-%-6.2f %7.2f+-%-6.2f %7.2f+-%-6.2f %7d rows %5.2f s\n", c,
                   tps[c, "plain"], tps[c, "immediate"], tps[c, "immediate"] / tps[c, "plain"],
                   tps[c, "deferred"], tps[c, "deferred"] / tps[c, "plain"],
                   avg[c, "plain"], sd[c, "plain"], avg[c, "immediate"], sd[c, "immediate"],
                   avg[c, "deferred"], sd[c, "deferred"], rrows[c], rms[c] / 1000
            failed += f[c, "plain"] + f[c, "immediate"] + f[c, "deferred"]
        }
        printf "failed transactions in these runs: %d\n", failed
        printf "SPEC target at 8 clients: immediate >= 0.7, deferred >= 0.85\n"
    }' "$work/part1" | tee -a "$log"
c_max=$(echo $CLIENTS | awk '{ print $NF }')
for mode in plain immediate deferred; do
    say "wait events of the $c_max backends, $mode (share of samples, top 5):"
    head -5 "$work/waits-p1-$mode-$c_max" | awk '{ p = $2; $1 = ""; $2 = ""; sub(/^  /, ""); printf "    %5.1f%%  %s\n", p, $0 }' | tee -a "$log"
done

# Where a one-row transaction's time goes: a short 1-client run of each
# mode with pg_stat_statements tracking the triggers' nested statements.
if [[ "$PROFILE" == 1 ]]; then
    for mode in immediate deferred; do
        "${psql[@]}" -d oltp -Atc 'SELECT pg_stat_statements_reset()' > /dev/null
        read -r tps _ < <(T=5 EXTRA_PGOPTIONS="-c pg_stat_statements.track=all" \
                           run_pgbench "prof-$mode" "$mode" 1 "${zipf_args[@]}")
        xacts=$(awk '/^number of transactions actually processed/ { print $NF }' "$work/prof-$mode.out")
        say ""
        say "Statements of a 5 s, 1-client $mode run with pg_stat_statements.track=all ($xacts transactions, $(printf '%.0f' "$tps") TPS with the tracking)"
        "${psql[@]}" -d oltp -c "SELECT round(calls::numeric / $xacts, 2) AS per_xact,
                                          round(total_exec_time::numeric / $xacts * 1000, 1) AS us_per_xact,
                                          round(mean_exec_time::numeric * 1000, 1) AS mean_us,
                                          left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
                                     FROM pg_stat_statements
                                    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'oltp')
                                      AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'CHECKPOINT%'
                                    ORDER BY total_exec_time DESC LIMIT 14" | tee -a "$log"
    done
    "${psql[@]}" -d oltp -c 'CALL usertrack.refresh()' 2> /dev/null
fi

##############################################################################
# 2. 8 clients on one user against 8 clients on 8 users
##############################################################################

pinned_args=(-D ubase=$((USERS + 1)) -D pinned_traces="$PINNED_TRACES"
             -f "$scripts/pinned_trace.sql@1" -f "$scripts/pinned_observation.sql@3")
: > "$work/part2"
for run in "deferred 1" "deferred 8" "immediate 8" "immediate 1"; do
    read -r mode spread <<< "$run"
    label="p2-$mode-$spread"
    say "pgbench: $mode, 8 clients on $spread user(s), $T s ..."
    # the sampler starts a second after pgbench and stops a second early
    ( sleep 1; sample_waits "$label" $((T - 2)) ) &
    sampler_pid=$!
    read -r tps avg sd failed < <(run_pgbench "$label" "$mode" 8 "${pinned_args[@]}" -D uspread="$spread")
    wait "$sampler_pid" || true
    sampler_pid=
    echo "$mode $spread $tps $avg $sd $failed" >> "$work/part2"
    {
        echo "--- wait events of the 8 pgbench backends, $mode, $spread user(s): samples, %, what"
        cat "$work/waits-$label"
    } >> "$log"
    if [[ $mode == deferred ]]; then refresh oltp "$label" > /dev/null; fi
done

say ""
say "8 clients on one user / 8 clients on 8 users (pgbench -T $T, same mix on pinned users)"
awk '{ tps[$1, $2] = $3; avg[$1, $2] = $4; sd[$1, $2] = $5; f += $6 }
     END {
        printf "%-10s %12s %12s %8s %22s %22s\n", "mode", "TPS 1 user", "TPS 8 users", "ratio",
               "latency 1 user ms", "latency 8 users ms"
        split("deferred immediate", m, " ")
        for (i = 1; i <= 2; i++)
            printf "%-10s %12.0f %12.0f %8.3f %13.2f +- %-6.2f %13.2f +- %-6.2f\n", m[i],
                   tps[m[i], 1], tps[m[i], 8], tps[m[i], 1] / tps[m[i], 8],
                   avg[m[i], 1], sd[m[i], 1], avg[m[i], 8], sd[m[i], 8]
        printf "failed transactions in these runs: %d; SPEC target: deferred ratio >= 0.8 (aim 0.9)\n", f
     }' "$work/part2" | tee -a "$log"
for run in "deferred 1" "deferred 8" "immediate 1" "immediate 8"; do
    read -r mode spread <<< "$run"
    say "wait events of the 8 backends, $mode, $spread user(s) (share of samples, top 5):"
    head -5 "$work/waits-p2-$mode-$spread" | awk '{ p = $2; $1 = ""; $2 = ""; sub(/^  /, ""); printf "    %5.1f%%  %s\n", p, $0 }' | tee -a "$log"
done

##############################################################################
# 3. Refresh of LOG_ROWS log rows written by single-row deferred statements
##############################################################################

t0=$(date +%s)
setup_db fold
# The draws: LOG_ROWS observations of existing traces, users by Zipf over
# ranks (weight 1/rank^ZIPF, inverted with width_bucket), trace k uniform
# among the user's.
"${psql[@]}" -d fold -v users="$USERS" -v tpu="$TRACES_PER_USER" -v hot="$HOT_TRACES" -v zipf="$ZIPF" -v rows="$LOG_ROWS" \
    -v backlog="$BACKLOG_ROWS" <<'SQL'
SELECT setseed(0.31) AS seeded \gset
CREATE UNLOGGED TABLE bench.cum AS
WITH w AS (SELECT r, 1.0 / power(r, :zipf) AS w FROM generate_series(1, :users) r)
SELECT array_agg(c ORDER BY r) AS thresholds
  FROM (SELECT r, (sum(w) OVER (ORDER BY r) / sum(w) OVER ())::float8 AS c FROM w) s
 WHERE r < :users;
CREATE UNLOGGED TABLE bench.draws AS
SELECT n, u, 'p-' || u || '-' || (1 + floor(random() * greatest(:tpu, :hot / u))::int) AS trace_id,
       200 + floor(random() * 3000)::bigint AS ti, 20 + floor(random() * 600)::bigint AS tout
  FROM (SELECT n, 1 + width_bucket(random(), c.thresholds) AS u
          FROM bench.cum c, generate_series(1, :rows) n) d;
-- part 5: spread evenly, every user gets BACKLOG_ROWS / USERS rows
CREATE UNLOGGED TABLE bench.spread AS
SELECT n, 1 + n % :users AS u, 'p-' || (1 + n % :users) || '-' || (1 + floor(random() * :tpu)::int) AS trace_id,
       200 + floor(random() * 3000)::bigint AS ti, 20 + floor(random() * 600)::bigint AS tout
  FROM generate_series(1, :backlog) n;
VACUUM ANALYZE bench.draws, bench.spread;
SQL
say ""
say "database fold: preload and $LOG_ROWS draws ($(( $(date +%s) - t0 )) s); $("${psql[@]}" -d fold -Atc "SELECT format('the draws touch %s users, %s%% of them go to the top user', count(*), round(100.0 * max(c) / sum(c), 1)) FROM (SELECT split_part(trace_id, '-', 2), count(*) AS c FROM bench.draws GROUP BY 1) s")"

# write_log TABLE: single-row INSERTs of the rows of bench.TABLE, in
# deferred mode, from WRITERS parallel sessions, each a DO loop that commits
# every 5,000 rows.  The users are split between the sessions (user u goes
# to session u % WRITERS): two multi-statement deferred transactions that
# hold the same users in opposite orders can deadlock (docs/design.md,
# known limitations), and one-row transactions would measure commits.
# Five seconds in, it runs ANALYZE usertrack.user_held, as autovacuum would
# within its naptime: the writers' cached plan of the held-user lookup, made
# while user_held was empty, is a sequential scan that gets slower with
# every user held (measured: 0.7 ms a statement at 9,500 held users,
# against 0.01 ms with an index scan), and the ANALYZE makes them replan.
write_log() {
    local table=$1 pids=()
    ( sleep 5; "${psql[@]}" -d fold -c 'ANALYZE usertrack.user_held' ) &
    pids+=($!)
    for ((w = 0; w < WRITERS; w++)); do
        PGOPTIONS="-c usertrack.maintenance=deferred -c bench.writer=$w -c bench.writers=$WRITERS -c bench.table=$table" \
        "${psql[@]}" -d fold <<'SQL' &
DO $$
DECLARE
    r record;
    i bigint := 0;
BEGIN
    FOR r IN EXECUTE format('SELECT n, trace_id, ti, tout FROM bench.%I WHERE u %% %s = %s ORDER BY n',
                            current_setting('bench.table'), current_setting('bench.writers'),
                            current_setting('bench.writer'))
    LOOP
        INSERT INTO usertrack.observations (id, trace_id, type, name, start_time, end_time, model,
                                            input_tokens, output_tokens, total_tokens, total_cost, level)
        VALUES (current_setting('bench.table') || '-' || r.n, r.trace_id, 'GENERATION', 'chat-completion',
                now(), now() + interval '400 ms', 'gpt-4o-mini', r.ti, r.tout, r.ti + r.tout,
                r.ti * 0.00000015 + r.tout * 0.0000006,
                CASE WHEN r.n % 33 = 0 THEN 'ERROR' ELSE 'DEFAULT' END);
        i := i + 1;
        IF i % 5000 = 0 THEN
            COMMIT;
        END IF;
    END LOOP;
END
$$;
SQL
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
}

t0=$(now_ms)
write_log draws
t_write=$(( $(now_ms) - t0 ))
"${psql[@]}" -d fold -c 'ANALYZE' -c CHECKPOINT
backlog=$("${psql[@]}" -d fold -Atc "SELECT format('%s log rows, %s users in the log, %s held users', log_rows, users_in_log, held_users) FROM usertrack.backlog")
say "log written: $backlog, by $LOG_ROWS single-row INSERTs from $WRITERS sessions in $(awk -v t="$t_write" 'BEGIN { printf "%.1f s", t / 1000 }') ($(awk -v t="$t_write" -v n="$LOG_ROWS" 'BEGIN { printf "%.0f", n / (t / 1000) }') statements/s)"
log_size=$("${psql[@]}" -d fold -Atc "SELECT pg_size_pretty(pg_total_relation_size('usertrack.pending_deltas'))")

# Identical starting points for the other two refreshes.
t0=$(date +%s)
"${psql[@]}" -c 'CREATE DATABASE fold_b TEMPLATE fold STRATEGY FILE_COPY'
[[ "$PROFILE" == 1 ]] && "${psql[@]}" -c 'CREATE DATABASE fold_p TEMPLATE fold STRATEGY FILE_COPY'
"${psql[@]}" -c CHECKPOINT
say "copies of the database: $(( $(date +%s) - t0 )) s"

read -r r1_ms r1_rows < <(refresh fold default)
read -r r2_ms r2_rows < <(refresh fold_b b50000 50000)
r1_batches=$("${psql[@]}" -d fold -Atc "SELECT batches || ' batches, ' || users_settled || ' users settled' FROM usertrack.refresh_runs ORDER BY finished DESC LIMIT 1")
r2_batches=$("${psql[@]}" -d fold_b -Atc "SELECT batches || ' batches, ' || users_settled || ' users settled' FROM usertrack.refresh_runs ORDER BY finished DESC LIMIT 1")
say ""
say "Refresh of a log of $r1_rows rows ($log_size) written by single-row deferred INSERTs (Zipf users)"
say "$(awk -v t="$r1_ms" -v n="$r1_rows" -v b="$r1_batches" 'BEGIN { printf "CALL usertrack.refresh():         %8.2f s  (%.0f log rows/s; %s)", t / 1000, n / (t / 1000), b }')"
say "$(awk -v t="$r2_ms" -v n="$r2_rows" -v b="$r2_batches" 'BEGIN { printf "CALL usertrack.refresh(50000):    %8.2f s  (%.0f log rows/s; %s)", t / 1000, n / (t / 1000), b }')"
say "SPEC target: under 5 s for 1,000,000 log rows"

if [[ "$PROFILE" == 1 ]]; then
    "${psql[@]}" -d fold_p -c "SET pg_stat_statements.track = 'all'" -c 'SELECT pg_stat_statements_reset()' \
        -c '\timing on' -c 'CALL usertrack.refresh()' > "$work/profile.out" 2>&1
    say ""
    say "Where the refresh's time goes (same log, pg_stat_statements.track=all, which adds its own overhead: $(awk '/^Time: / { printf "%.2f s", $2 / 1000 }' "$work/profile.out") in all)"
    "${psql[@]}" -d fold_p -c "SELECT calls, round(total_exec_time::numeric / 1000, 3) AS total_s,
                                      round(mean_exec_time::numeric, 1) AS mean_ms,
                                      round(min_exec_time::numeric, 1) AS min_ms, round(max_exec_time::numeric, 1) AS max_ms, rows,
                                      left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
                                 FROM pg_stat_statements
                                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'fold_p')
                                  AND query NOT LIKE '%pg_stat_statements%'
                                ORDER BY total_exec_time DESC LIMIT 12" | tee -a "$log"
fi

if [[ "$VERIFY" == 1 ]]; then
    t0=$(date +%s)
    diffs=$("${psql[@]}" -d fold -Atc 'SELECT count(*) FROM usertrack.verify()')
    say "usertrack.verify() after the refresh: $diffs differences ($(( $(date +%s) - t0 )) s; $("${psql[@]}" -d fold -Atc "SELECT count(*) FROM usertrack.observations") observations, backlog $("${psql[@]}" -d fold -Atc "SELECT log_rows FROM usertrack.backlog") log rows)"
fi
"${psql[@]}" -c 'DROP DATABASE fold_b'
[[ "$PROFILE" == 1 ]] && "${psql[@]}" -c 'DROP DATABASE fold_p'

##############################################################################
# 4. Reads of all_users with a backlog of BACKLOG_ROWS spread over all users
##############################################################################

topn='SELECT * FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 50'
heavy=user_1
middle=user_$((USERS / 2))
# reads TAG: RUNS timed runs (after one warm-up) of the top 50 and of two
# users' rows; then the top 50 and the heaviest user's row as prepared
# statements (the top 50 has no parameter, so its plan is made once; the
# row's plan is generic after 5 executions, which are dropped with the
# warm-up), as a pooled application or BI tool would run them.
reads() {
    {
        echo '\timing on'
        echo '\o /dev/null'
        echo "\\echo W"; echo "$topn;"
        for ((i = 0; i < RUNS; i++)); do echo "\\echo T"; echo "$topn;"; done
        for ((i = 0; i < RUNS + 1; i++)); do
            echo "\\echo H"; echo "SELECT * FROM usertrack.all_users WHERE user_id = '$heavy';"
            echo "\\echo M"; echo "SELECT * FROM usertrack.all_users WHERE user_id = '$middle';"
        done
        echo "\\echo X"
        echo "PREPARE top AS $topn;"
        echo "PREPARE one(text) AS SELECT * FROM usertrack.all_users WHERE user_id = \$1;"
        echo "\\echo W"; echo "EXECUTE top;"
        for ((i = 0; i < RUNS; i++)); do echo "\\echo P"; echo "EXECUTE top;"; done
        for ((i = 0; i < RUNS + 6; i++)); do echo "\\echo Q"; echo "EXECUTE one('$heavy');"; done
    } > "$work/reads-$1.sql"
    "${psql[@]}" -d fold -f "$work/reads-$1.sql" > "$work/reads-$1.out"
    awk '/^[WTHMXPQ]$/ { tag = $1; next } /^Time: / { print tag, $2 }' "$work/reads-$1.out" > "$work/reads-$1.times"
}
figure() { # FILE TAG: median; the first run of H and M (warm-up) and the first 6 of Q (custom plans) dropped
    awk -v t="$2" '$1 == t { k++; if (t == "T" || t == "P" || (t == "Q" && k > 6) || ((t == "H" || t == "M") && k > 1)) print $2 }' "$1" | median
}

t0=$(now_ms)
write_log spread
t_write=$(( $(now_ms) - t0 ))
"${psql[@]}" -d fold -c 'ANALYZE usertrack.pending_deltas, usertrack.user_held, usertrack.user_totals'
backlog=$("${psql[@]}" -d fold -Atc "SELECT format('%s log rows, %s users in the log, %s held users', log_rows, users_in_log, held_users) FROM usertrack.backlog")
reads backlog
"${psql[@]}" -d fold -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $topn" > "$work/explain-backlog"
read -r r3_ms r3_rows < <(refresh fold backlog)
"${psql[@]}" -d fold -c 'ANALYZE usertrack.pending_deltas, usertrack.user_held, usertrack.user_totals'
reads empty
"${psql[@]}" -d fold -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $topn" > "$work/explain-empty"
# The refresh leaves user_held empty but full of dead rows, which the held
# branch of the views scans until (auto)vacuum cleans it: read once more
# after a VACUUM, which is what a steady immediate-mode database reads.
"${psql[@]}" -d fold -c 'VACUUM ANALYZE usertrack.pending_deltas, usertrack.user_held, usertrack.user_totals'
reads vacuumed
"${psql[@]}" -d fold -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $topn" > "$work/explain-vacuumed"
{
    echo "--- plan of the top 50 with the backlog"; cat "$work/explain-backlog"
    echo "--- plan of the top 50 with an empty log, right after the refresh"; cat "$work/explain-empty"
    echo "--- plan of the top 50 with an empty log, after VACUUM"; cat "$work/explain-vacuumed"
} >> "$log"

say ""
say "Reads with a backlog ($backlog, written in $(awk -v t="$t_write" 'BEGIN { printf "%.1f s", t / 1000 }')) and after CALL usertrack.refresh() ($r3_rows rows folded in $(awk -v t="$r3_ms" 'BEGIN { printf "%.2f s", t / 1000 }'); what immediate mode reads)"
say "(psql \\timing, median of $RUNS runs after a warm-up; the client's view; ratio = backlog / vacuumed)"
for tag in T P H Q M; do
    case $tag in
        T) what='all_users top 50 by model_cost' ;;
        P) what='the same, prepared' ;;
        H) what="all_users row of $heavy (heaviest)" ;;
        Q) what='the same, prepared (generic plan)' ;;
        M) what="all_users row of $middle" ;;
    esac
    a=$(figure "$work/reads-backlog.times" $tag)
    b=$(figure "$work/reads-empty.times" $tag)
    v=$(figure "$work/reads-vacuumed.times" $tag)
    say "$(awk -v w="$what" -v a="$a" -v b="$b" -v v="$v" 'BEGIN { printf "%-38s backlog %9.3f ms   empty %7.3f ms   vacuumed %7.3f ms   ratio %7.1f x\n", w, a, b, v, a / v }')"
done
for state in backlog empty vacuumed; do
    say "$(awk -v s="$state" '/^ Planning Time/ { p = $3 } /^ Execution Time/ { e = $3 }
        END { printf "EXPLAIN ANALYZE of the top 50, %-8s planning %7.3f ms, execution %8.3f ms", s ":", p, e }' "$work/explain-$state")"
done
say "plans of the top 50: in $log"

say ""
if [[ "$(md5sum "$so" | cut -c1-12)" != "$so_md5" ]]; then
    say "WARNING: usertrack.so was reinstalled during the run (now md5 $(md5sum "$so" | cut -c1-12), as of $(date -u -r "$so" '+%Y-%m-%d %H:%M UTC')): connections opened after that used the new build"
fi
say "total wall time: $(( $(date +%s) - started )) s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
say "log: $log"
