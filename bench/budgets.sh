#!/usr/bin/env bash
# bench/budgets.sh: check_budget() and the alert rules at scale.
#
# In one throw-away cluster (pg_virtualenv -t) this script loads USERS users
# with TRACES_PER_USER traces each on average (OBS_PER_TRACE observations
# per trace, priced, one in 40 at level ERROR) over the last 30 days, in
# 10,000-trace statements with every total kept (immediate mode); user_1 is
# heavy (one trace in 20 is theirs, a tenth of them in the last hour).
# A fifth of the users are on the pro plan, the others on the free plan
# (trait plan, from trace metadata).  Then it creates the 20 rules of
# bench/rules.sql (6 hard budgets, rolling and calendar windows, four time
# zones, trait and user scopes) and times, after one warm-up run each:
#   - check_budget() of the heavy user and of a median user: the median of
#     RUNS calls from psql (\timing: the round trip included), and the
#     server's own time from EXPLAIN ANALYZE;
#   - pgbench, one client, PGBENCH_SECONDS seconds: check_budget() of a random user
#     per transaction, against SELECT 1 (the protocol's own cost);
#   - user_usage() over 24 hours and 30 days, heavy and median user;
#   - evaluate_alerts() for 100 random users (what one 1,000-row statement
#     of a busy application evaluates), rolled back.
# It prints figures; it never fails on them.  A log goes to bench/results/.
# The ingest ratio with rules active is bench/ingest.sh with RULES=20.
#
# Usage: bash bench/budgets.sh        (after make install)
# Knobs (environment): USERS (100000), TRACES_PER_USER (3),
#   OBS_PER_TRACE (2), RUNS (21), PGBENCH_SECONDS (10), SHARED_BUFFERS,
#   FSYNC (off).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

USERS=${USERS:-100000}
TRACES_PER_USER=${TRACES_PER_USER:-3}
OBS_PER_TRACE=${OBS_PER_TRACE:-2}
RUNS=${RUNS:-21}
SECONDS_PGBENCH=${PGBENCH_SECONDS:-10}
export USERS TRACES_PER_USER OBS_PER_TRACE RUNS SECONDS_PGBENCH

if [[ "${1:-}" != "--inside" ]]; then
    source bench/cluster.sh
    run_in_cluster "$PWD/bench/budgets.sh"
fi

mkdir -p bench/results
stamp=$(date -u +%Y%m%d-%H%M%S)
log=bench/results/budgets-$stamp.log
work=$(mktemp -d -t usertrack-budgets.XXXXXX)
trap 'rm -rf "$work"' EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
say() { echo "$*" | tee -a "$log"; }
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan";
        else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

say "usertrack budgets benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r)"
say "server: $("${psql[@]}" -Atc "SELECT split_part(version(), ' on ', 1)"), shared_buffers=$SHARED_BUFFERS, fsync=$("${psql[@]}" -Atc 'SHOW fsync')"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain -- src 'usertrack--*.sql' 2>/dev/null)" ]]; then rev="$rev + uncommitted changes"; fi
say "usertrack: installed build of $rev"
traces=$((USERS * TRACES_PER_USER))
say "asked: $USERS users, $traces traces, $((traces * OBS_PER_TRACE)) observations over the last 30 days"

t0=$(date +%s)
"${psql[@]}" -c "CREATE EXTENSION usertrack"
batch=10000
for ((start = 1; start <= traces; start += batch)); do
    end=$((start + batch - 1)); ((end > traces)) && end=$traces
    "${psql[@]}" -v s="$start" -v e="$end" -v users="$USERS" -v opt="$OBS_PER_TRACE" <<'SQL'
CREATE TEMP TABLE b AS
SELECT k, 'user_' || x.u AS user_id, x.u,
       CASE WHEN x.u = 1 AND k % 10 = 0 THEN now() - (k % 3600) * interval '1 second'
            ELSE now() - ((k * 7919) % 30) * interval '1 day' - (k % 86400) * interval '1 second' END AS ts
  FROM generate_series(:s::bigint, :e::bigint) k,
       LATERAL (SELECT CASE WHEN k <= :users THEN k
                            WHEN k % 20 = 0 THEN 1
                            ELSE 1 + (k * 2654435761) % :users END AS u) x;
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", metadata)
SELECT 't' || k, user_id, 's' || u || '_' || (k % 5), ts,
       CASE WHEN k <= :users THEN jsonb_build_object('user_traits',
            jsonb_build_object('plan', CASE WHEN u % 5 = 0 THEN 'pro' ELSE 'free' END)) END
  FROM b;
INSERT INTO usertrack.observations (id, trace_id, type, start_time, model,
                                    input_tokens, output_tokens, total_cost, level)
SELECT 'o' || k || '-' || j, 't' || k, 'GENERATION', ts + j * interval '1 second',
       'gpt-4o-mini', 200 + k % 1800, 50 + k % 400, (200 + k % 1800) * 0.0000025,
       CASE WHEN (k + j) % 40 = 0 THEN 'ERROR' ELSE 'DEFAULT' END
  FROM b, generate_series(1, :opt) j;
SQL
done
"${psql[@]}" -c "VACUUM ANALYZE"
say "loaded in $(( $(date +%s) - t0 )) s: $("${psql[@]}" -Atc "SELECT count(*) || ' traces, ' || (SELECT count(*) FROM usertrack.observations) || ' observations, ' || (SELECT count(*) FROM usertrack.all_users) || ' users, ' || (SELECT count(*) FROM usertrack.user_usage_buckets) || ' user buckets, ' || (SELECT count(*) FROM usertrack.user_daily_totals) || ' user-days' FROM usertrack.traces")"

"${psql[@]}" -v rules=20 -f bench/rules.sql > /dev/null
say "rules: $("${psql[@]}" -Atc "SELECT count(*) || ' (' || count(*) FILTER (WHERE hard_budget) || ' hard budgets)' FROM usertrack.alert_rules")"

# time_ms SQL: in one session, SQL once to warm up, then RUNS times; the
# median (psql \timing, round trip included)
time_ms() {
    local sql=$1 i
    {
        echo "$sql;"
        echo '\timing on'
        for ((i = 0; i < RUNS; i++)); do echo '\echo RUN'; echo "$sql;"; done
        echo '\echo RUN'
    } | "${psql[@]}" -o /dev/null |
        awk '/^RUN$/ { if (n++) print t; t = 0 } /^Time: / { t += $2 }' | median
}
# server_ms SQL: the median Execution Time of EXPLAIN ANALYZE, same session
server_ms() {
    local sql=$1 i
    {
        echo "EXPLAIN (ANALYZE, TIMING OFF) $sql;"
        for ((i = 0; i < RUNS; i++)); do echo "EXPLAIN (ANALYZE, TIMING OFF) $sql;"; done
    } | "${psql[@]}" -At | awk '/^Execution Time: / { if (n++) print $3 }' | median
}
report() {
    local label=$1 sql=$2
    say "$(printf '%-52s %9s ms (psql)  %9s ms (server)' "$label" "$(time_ms "$sql")" "$(server_ms "$sql")")"
}

heavy=user_1
median_user=$("${psql[@]}" -Atc "SELECT user_id FROM usertrack.all_users ORDER BY total_events OFFSET (SELECT count(*) / 2 FROM usertrack.all_users) LIMIT 1")
say "heavy user $heavy: $("${psql[@]}" -Atc "SELECT total_events || ' traces, ' || (SELECT count(*) FROM usertrack.user_usage_buckets WHERE user_id = '$heavy') || ' buckets' FROM usertrack.all_users WHERE user_id = '$heavy'"); median user $median_user: $("${psql[@]}" -Atc "SELECT total_events || ' traces' FROM usertrack.all_users WHERE user_id = '$median_user'")"
say "budgets of the heavy user: $("${psql[@]}" -Atc "SELECT string_agg(rule_name || ' ' || used || '/' || budget_limit || CASE WHEN allowed THEN '' ELSE ' (over)' END, '; ') FROM usertrack.check_budget('$heavy')")"
say ""
report "check_budget(heavy user)" "SELECT * FROM usertrack.check_budget('$heavy')"
report "check_budget(median user)" "SELECT * FROM usertrack.check_budget('$median_user')"
report "budget_allows(median user)" "SELECT usertrack.budget_allows('$median_user')"
report "user_usage(heavy user, 24 hours)" "SELECT * FROM usertrack.user_usage('$heavy', '24 hours')"
report "user_usage(heavy user, 30 days)" "SELECT * FROM usertrack.user_usage('$heavy', '30 days')"
report "user_usage(median user, 30 days)" "SELECT * FROM usertrack.user_usage('$median_user', '30 days')"
say "$(printf '%-52s %9s ms (psql)' "evaluate_alerts(100 random users), rolled back" "$(time_ms "BEGIN; SELECT usertrack.evaluate_alerts(ARRAY(SELECT 'user_' || (1 + (g * 7919) % $USERS) FROM generate_series(1, 100) g)); ROLLBACK")")"

cat > "$work/check.sql" <<SQL
\\set u random(1, $USERS)
SELECT * FROM usertrack.check_budget('user_' || :u);
SQL
echo 'SELECT 1;' > "$work/one.sql"
pgbench_line() {
    pgbench -n -c 1 -T "$SECONDS_PGBENCH" -f "$1" 2>/dev/null |
        awk '/^latency average/ { lat = $4 } /^tps/ { tps = $3 } END { printf "%s ms average, %.0f calls/s", lat, tps }'
}
say ""
say "pgbench, 1 client, $SECONDS_PGBENCH s: check_budget(random user): $(pgbench_line "$work/check.sql")"
say "pgbench, 1 client, $SECONDS_PGBENCH s: SELECT 1 (the round trip):  $(pgbench_line "$work/one.sql")"
