#!/usr/bin/env bash
# bench/analytics.sh: the analytics functions and rebuild() at scale.
#
# In one throw-away cluster (pg_virtualenv -t) this script loads USERS users
# with OBSERVATIONS observations in total (OBS_PER_TRACE per trace, users
# drawn with a skew so that a few are heavy, over the last 90 days, latencies
# log-uniform from 0.2 s to 11 s, one observation in 40 at level ERROR; the
# users whose number is 3 modulo 997 fail one observation in three more, and
# those 5 modulo 991 answer 20 times slower), with every total kept by the
# triggers (immediate mode, 10,000-trace statements).  Then it times, in one
# session each, after one warm-up run, the median of RUNS runs of:
#   - user_stats() of one heavy user over 90 days, and of a median user;
#   - usage_distribution() over all users and over the last 30 days;
#   - outlier_users() for error_rate and p95_latency;
#   - segment_stats() by tag and by trait;
#   - rebuild(), against plain GROUP BYs over the same rows with parallel
#     workers allowed (CREATE TEMP TABLE AS of the per-trace sums from the
#     observations, then per user, per session and per day), which is the
#     target's "within 1.5 times";
#   - the rollup aggregate over every trace, serial and with 2 workers.
# It prints figures; it never fails on them.  A log goes to bench/results/.
#
# Usage: bash bench/analytics.sh        (after make install)
# Knobs (environment): USERS (10000), OBSERVATIONS (1000000),
#   OBS_PER_TRACE (4), RUNS (5), SHARED_BUFFERS, FSYNC (off).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

USERS=${USERS:-10000}
OBSERVATIONS=${OBSERVATIONS:-1000000}
OBS_PER_TRACE=${OBS_PER_TRACE:-4}
RUNS=${RUNS:-5}
export USERS OBSERVATIONS OBS_PER_TRACE RUNS

if [[ "${1:-}" != "--inside" ]]; then
    source bench/cluster.sh
    run_in_cluster "$PWD/bench/analytics.sh"
fi

mkdir -p bench/results
stamp=$(date -u +%Y%m%d-%H%M%S)
log=bench/results/analytics-$stamp.log
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
say() { echo "$*" | tee -a "$log"; }
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan";
        else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

say "usertrack analytics benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r)"
say "server: $("${psql[@]}" -Atc "SELECT split_part(version(), ' on ', 1)"), shared_buffers=$SHARED_BUFFERS, work_mem=64MB, max_parallel_workers_per_gather=$("${psql[@]}" -Atc 'SHOW max_parallel_workers_per_gather')"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain -- src 'usertrack--*.sql' 2>/dev/null)" ]]; then rev="$rev + uncommitted changes"; fi
say "usertrack: installed build of $rev"
traces=$((OBSERVATIONS / OBS_PER_TRACE))
say "asked: $USERS users, $traces traces, $OBSERVATIONS observations over 90 days"

t0=$(date +%s)
"${psql[@]}" -c "CREATE EXTENSION usertrack"
batch=10000
for ((start = 1; start <= traces; start += batch)); do
    end=$((start + batch - 1)); ((end > traces)) && end=$traces
    "${psql[@]}" -v s="$start" -v e="$end" -v users="$USERS" -v traces="$traces" -v opt="$OBS_PER_TRACE" <<'SQL'
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", tags, environment, release, metadata)
SELECT 't' || k, 'user_' || u, 's' || u || '_' || (k % 7),
       now() - ((k * 7919) % 90) * interval '1 day' - (k % 86400) * interval '1 second',
       CASE WHEN k % 3 = 0 THEN '{chat,web}'::text[] ELSE '{api}' END,
       CASE WHEN k % 10 = 0 THEN 'staging' ELSE 'production' END,
       'v' || (k % 4),
       CASE WHEN k <= :users THEN jsonb_build_object('user_traits', jsonb_build_object('plan', CASE WHEN u % 5 = 0 THEN 'pro' ELSE 'free' END)) END
  FROM generate_series(:s::bigint, :e::bigint) k,
       LATERAL (SELECT CASE WHEN k <= :users THEN k
                            ELSE 1 + floor(:users * power(((k * 2654435761) % 1000003) / 1000003.0, 3))::int END AS u) x;
INSERT INTO usertrack.observations (id, trace_id, type, start_time, end_time, model,
                                    input_tokens, output_tokens, total_cost, level)
SELECT 'o' || k || '-' || j, 't' || k, 'GENERATION',
       ts + j * interval '1 second',
       ts + j * interval '1 second' + (exp(((k * 0.6180339887) % 1) * 4) * 0.2)
            * CASE WHEN x.u % 991 = 5 THEN 20 ELSE 1 END * interval '1 second',
       'gpt-4o-mini', 100 + k % 900, 20 + k % 300, (100 + k % 900) * 0.00000015,
       CASE WHEN (k + j) % 40 = 0 OR (x.u % 997 = 3 AND (k + j) % 3 = 0) THEN 'ERROR' ELSE 'DEFAULT' END
  FROM generate_series(:s::bigint, :e::bigint) k,
       LATERAL (SELECT CASE WHEN k <= :users THEN k
                            ELSE 1 + floor(:users * power(((k * 2654435761) % 1000003) / 1000003.0, 3))::int END AS u) x,
       LATERAL (SELECT now() - ((k * 7919) % 90) * interval '1 day' - (k % 86400) * interval '1 second' AS ts) t,
       generate_series(1, :opt) j;
SQL
done
"${psql[@]}" -c "VACUUM ANALYZE"
say "loaded in $(( $(date +%s) - t0 )) s: $("${psql[@]}" -Atc "SELECT count(*) || ' traces, ' || (SELECT count(*) FROM usertrack.observations) || ' observations, ' || (SELECT count(*) FROM usertrack.all_users) || ' users, ' || (SELECT count(*) FROM usertrack.user_daily_totals) || ' user-days' FROM usertrack.traces")"

# time_ms SETUP SQL: in one session, SETUP, SQL once to warm up (plans,
# caches), then SQL RUNS times; the median of those (psql \timing, which
# includes the round trip; a run of several statements is their sum)
time_ms() {
    local setup=$1 sql=$2 i
    {
        echo "$setup"
        echo "$sql;"
        echo '\timing on'
        for ((i = 0; i < RUNS; i++)); do echo '\echo RUN'; echo "$sql;"; done
        echo '\echo RUN'
    } | "${psql[@]}" -o /dev/null |
        awk '/^RUN$/ { if (n++) print t; t = 0 } /^Time: / { t += $2 }' | median
}
# report LABEL SQL [SETUP]: prints the label and time to the log and stderr,
# the time alone to stdout
report() {
    local label=$1 sql=$2 setup=${3:-} ms
    ms=$(time_ms "$setup" "$sql")
    say "$(printf '%-58s %10s ms' "$label" "$ms")" >&2
    echo "$ms"
}

heavy=user_1
median_user=$("${psql[@]}" -Atc "SELECT user_id FROM usertrack.all_users ORDER BY total_events OFFSET (SELECT count(*) / 2 FROM usertrack.all_users) LIMIT 1")
say "heavy user $heavy: $("${psql[@]}" -Atc "SELECT total_events || ' traces, ' || active_days || ' days' FROM usertrack.all_users WHERE user_id = '$heavy'"); median user $median_user: $("${psql[@]}" -Atc "SELECT total_events || ' traces' FROM usertrack.all_users WHERE user_id = '$median_user'")"
report "user_stats(heavy user, last 90 days)" "SELECT * FROM usertrack.user_stats('$heavy', now() - interval '90 days', now())" >/dev/null
report "user_stats(median user, last 90 days)" "SELECT * FROM usertrack.user_stats('$median_user', now() - interval '90 days', now())" >/dev/null
report "usage_distribution() over all time" "SELECT * FROM usertrack.usage_distribution()" >/dev/null
report "usage_distribution('total_tokens', last 30 days)" "SELECT * FROM usertrack.usage_distribution('total_tokens', now() - interval '30 days', now())" >/dev/null
report "outlier_users('error_rate')" "SELECT * FROM usertrack.outlier_users()" >/dev/null
report "outlier_users('p95_latency')" "SELECT * FROM usertrack.outlier_users('p95_latency')" >/dev/null
report "segment_stats('tag', last 30 days)" "SELECT * FROM usertrack.segment_stats('tag', NULL, now() - interval '30 days', now())" >/dev/null
report "segment_stats('trait', 'plan')" "SELECT * FROM usertrack.segment_stats('trait', 'plan')" >/dev/null
say "outliers found: $("${psql[@]}" -Atc "SELECT count(*) FROM usertrack.outlier_users()") by error rate, $("${psql[@]}" -Atc "SELECT count(*) FROM usertrack.outlier_users('p95_latency')") by p95 latency"

rollup_sql="SELECT usertrack.rollup(t.\"timestamp\", tt.observations, tt.input_tokens, tt.output_tokens, tt.total_tokens, tt.model_cost, tt.errors, tt.last_end - tt.first_start) FROM usertrack.traces t JOIN usertrack.trace_totals tt ON tt.trace_id = t.id"
serial=$(report "rollup() over every trace, serial" "$rollup_sql" "SET max_parallel_workers_per_gather = 0;")
par=$(report "rollup() over every trace, 2 workers" "$rollup_sql" "SET parallel_setup_cost = 0; SET max_parallel_workers_per_gather = 2;")
sum_sql="SELECT count(*), sum(t.observations), sum(t.total_tokens), sum(t.model_cost) FROM usertrack.traces t0 JOIN usertrack.trace_totals t ON t.trace_id = t0.id"
report "the same with sum() and count(), serial (for scale)" "$sum_sql" "SET max_parallel_workers_per_gather = 0;" >/dev/null

# The baseline: what rebuild() computes, by plain GROUP BYs with parallel
# workers allowed, into temporary tables without indexes: per trace from the
# observations, then per user, per (user, session) and per (user, day).
plain=$(report "plain GROUP BYs of the same rows into temp tables" "BEGIN; CREATE TEMP TABLE g1 AS SELECT trace_id, count(*) n, sum(input_tokens) i, sum(output_tokens) o, sum(COALESCE(total_tokens, COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))) tt, sum(total_cost) c, count(*) FILTER (WHERE level = 'ERROR') e, min(start_time) f, max(COALESCE(end_time, start_time)) l FROM usertrack.observations GROUP BY trace_id; CREATE TEMP TABLE g2 AS SELECT t.user_id, t.session_id, t.\"timestamp\", g1.* FROM usertrack.traces t LEFT JOIN g1 ON g1.trace_id = t.id; CREATE TEMP TABLE g3 AS SELECT user_id, count(*) t, sum(n) n, sum(i) i, sum(o) o, sum(tt) tt, sum(c) c, sum(e) e, min(\"timestamp\") f, max(\"timestamp\") l, count(DISTINCT session_id) s FROM g2 GROUP BY user_id; CREATE TEMP TABLE g4 AS SELECT user_id, session_id, count(*) t, sum(n) n, sum(i) i, sum(o) o, sum(tt) tt, sum(c) c, sum(e) e, min(\"timestamp\") f, max(\"timestamp\") l FROM g2 GROUP BY 1, 2; CREATE TEMP TABLE g5 AS SELECT user_id, (\"timestamp\" AT TIME ZONE 'UTC')::date d, count(*) t, sum(n) n, sum(i) i, sum(o) o, sum(tt) tt, sum(c) c, sum(e) e FROM g2 GROUP BY 1, 2; ROLLBACK")
rebuild=$(report "rebuild()" "BEGIN; SELECT * FROM usertrack.rebuild(); ROLLBACK")
say "$(awk -v r="$rebuild" -v p="$plain" 'BEGIN { printf "rebuild() / plain parallel GROUP BY: %.2f (target: at most 1.5)", r / p }')"
say "$(awk -v s="$serial" -v p="$par" 'BEGIN { printf "rollup() serial / 2 workers: %.2f", s / p }')"
say "verify() after the rebuild: $("${psql[@]}" -Atc "SELECT count(*) FROM usertrack.verify()") differences"
say "log: $log"
