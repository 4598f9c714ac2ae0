#!/usr/bin/env bash
# bench/ingest_api.sh: events per second through usertrack.ingest(), against
# inserting the same rows with plain INSERT statements.
#
# In one throw-away cluster (pg_virtualenv -t) this script builds BATCHES
# Langfuse ingestion batches of 100 events each, as the JS v3 SDK sends
# them: per trace a trace-create, a generation-create and a
# generation-update (usage, cost, end time, output), and every fourth trace
# a score-create; 400 users.  Then, with every total kept by the triggers
# (immediate mode) and the tables emptied in between, it times
#   1. ingest(batch) for every batch, one call per transaction;
#   2. the same rows written with plain SQL, one transaction per batch: an
#      INSERT into traces, an INSERT of the observations as the create
#      events have them, an UPDATE with what the update events add, an
#      INSERT of the scores: what an application writing SQL itself would
#      do with the same events.
# The two sides alternate batch by batch.  It prints events per second of
# each and their ratio (target: ingest() within 2 times of plain INSERT).
# It prints figures; it never fails on them.
#
# Usage: bash bench/ingest_api.sh            (after make install)
# Knobs: BATCHES (300), SHARED_BUFFERS, FSYNC (off).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BATCHES=${BATCHES:-300}
export BATCHES

if [[ "${1:-}" != "--inside" ]]; then
    source bench/cluster.sh
    run_in_cluster "$PWD/bench/ingest_api.sh"
fi

mkdir -p bench/results
stamp=$(date -u +%Y%m%d-%H%M%S)
log=bench/results/ingest-api-$stamp.log
work=$(mktemp -d -t usertrack-ingest-api.XXXXXX)
trap 'rm -rf "$work"' EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
say() { echo "$*" | tee -a "$log"; }

say "usertrack ingest() benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r)"
say "server: $("${psql[@]}" -Atc "SELECT split_part(version(), ' on ', 1)"), fsync=$("${psql[@]}" -Atc 'SHOW fsync')"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain -- src 'usertrack--*.sql' 2>/dev/null)" ]]; then rev="$rev + uncommitted changes"; fi
say "usertrack: installed build of $rev; $BATCHES batches of 100 events"

"${psql[@]}" -v batches="$BATCHES" <<'SQL'
CREATE EXTENSION usertrack;
CREATE SCHEMA bench;
-- 100 events per batch: 30 traces x (trace, generation, update) + 10 scores
CREATE TABLE bench.batches AS
SELECT b AS n, jsonb_build_object('batch', jsonb_agg(e ORDER BY k)) AS body
  FROM generate_series(1, :batches) b
 CROSS JOIN LATERAL (
    SELECT k, e FROM (
      SELECT t * 4 + 0 AS k, jsonb_build_object('id', 'ev-' || b || '-' || t || '-t',
             'timestamp', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'type', 'trace-create',
             'body', jsonb_build_object('id', 'tr-' || b || '-' || t, 'name', 'chat',
                     'userId', 'user-' || ((b * 31 + t) % 400), 'sessionId', 'sess-' || ((b * 31 + t) % 900),
                     'timestamp', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'tags', jsonb_build_array('prod'), 'metadata', jsonb_build_object('plan', 'free'),
                     'input', jsonb_build_object('q', repeat('x', 200)))) AS e
        FROM generate_series(1, 30) t,
             LATERAL (SELECT timestamptz '2026-11-01 00:00+00' + (b * 30 + t) * interval '7 seconds' AS ts) x
      UNION ALL
      SELECT t * 4 + 1, jsonb_build_object('id', 'ev-' || b || '-' || t || '-g',
             'timestamp', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'type', 'generation-create',
             'body', jsonb_build_object('id', 'gen-' || b || '-' || t, 'traceId', 'tr-' || b || '-' || t,
                     'name', 'llm', 'model', 'gpt-4o-mini',
                     'startTime', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'input', jsonb_build_array(jsonb_build_object('role', 'user', 'content', repeat('y', 200)))))
        FROM generate_series(1, 30) t,
             LATERAL (SELECT timestamptz '2026-11-01 00:00+00' + (b * 30 + t) * interval '7 seconds' AS ts) x
      UNION ALL
      SELECT t * 4 + 2, jsonb_build_object('id', 'ev-' || b || '-' || t || '-u',
             'timestamp', to_char(ts + interval '2 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'type', 'generation-update',
             'body', jsonb_build_object('id', 'gen-' || b || '-' || t,
                     'endTime', to_char(ts + interval '2 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'output', jsonb_build_object('role', 'assistant', 'content', repeat('z', 200)),
                     'usage', jsonb_build_object('promptTokens', 100 + t, 'completionTokens', 20 + t,
                                                 'totalTokens', 120 + 2 * t),
                     'costDetails', jsonb_build_object('input', 0.0001 * t, 'output', 0.0002 * t)))
        FROM generate_series(1, 30) t,
             LATERAL (SELECT timestamptz '2026-11-01 00:00+00' + (b * 30 + t) * interval '7 seconds' AS ts) x
      UNION ALL
      SELECT t * 4 + 3, jsonb_build_object('id', 'ev-' || b || '-' || t || '-s',
             'timestamp', to_char(ts + interval '3 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'type', 'score-create',
             'body', jsonb_build_object('id', 'sc-' || b || '-' || t, 'traceId', 'tr-' || b || '-' || t,
                     'name', 'helpful', 'value', (t % 5) / 4.0))
        FROM generate_series(1, 10) t,
             LATERAL (SELECT timestamptz '2026-11-01 00:00+00' + (b * 30 + t) * interval '7 seconds' AS ts) x
    ) y
 ) z
 GROUP BY b;
SQL
say "batches built: $("${psql[@]}" -Atc "SELECT count(*) || ' batches, ' || sum(jsonb_array_length(body -> 'batch')) || ' events, ' || pg_size_pretty(sum(pg_column_size(body))) FROM bench.batches")"

# the plain side of one batch: the same rows with INSERT and UPDATE
plain_sql() {
    cat <<SQL
BEGIN;
WITH e AS (SELECT x FROM bench.batches b, jsonb_array_elements(b.body -> 'batch') x WHERE b.n = $1)
INSERT INTO usertrack.traces (id, "timestamp", name, user_id, session_id, tags, metadata, input)
SELECT x -> 'body' ->> 'id', (x -> 'body' ->> 'timestamp')::timestamptz, x -> 'body' ->> 'name',
       x -> 'body' ->> 'userId', x -> 'body' ->> 'sessionId',
       ARRAY(SELECT jsonb_array_elements_text(x -> 'body' -> 'tags')), x -> 'body' -> 'metadata',
       x -> 'body' -> 'input'
  FROM e WHERE x ->> 'type' = 'trace-create';
WITH e AS (SELECT x FROM bench.batches b, jsonb_array_elements(b.body -> 'batch') x WHERE b.n = $1)
INSERT INTO usertrack.observations (id, trace_id, type, name, start_time, model, input)
SELECT x -> 'body' ->> 'id', x -> 'body' ->> 'traceId', 'GENERATION', x -> 'body' ->> 'name',
       (x -> 'body' ->> 'startTime')::timestamptz, x -> 'body' ->> 'model', x -> 'body' -> 'input'
  FROM e WHERE x ->> 'type' = 'generation-create';
WITH e AS (SELECT x FROM bench.batches b, jsonb_array_elements(b.body -> 'batch') x WHERE b.n = $1)
UPDATE usertrack.observations o
   SET end_time = (x -> 'body' ->> 'endTime')::timestamptz, output = x -> 'body' -> 'output',
       input_tokens = (x -> 'body' -> 'usage' ->> 'promptTokens')::bigint,
       output_tokens = (x -> 'body' -> 'usage' ->> 'completionTokens')::bigint,
       total_tokens = (x -> 'body' -> 'usage' ->> 'totalTokens')::bigint,
       input_cost = (x -> 'body' -> 'costDetails' ->> 'input')::numeric,
       output_cost = (x -> 'body' -> 'costDetails' ->> 'output')::numeric,
       total_cost = (x -> 'body' -> 'costDetails' ->> 'input')::numeric + (x -> 'body' -> 'costDetails' ->> 'output')::numeric
  FROM e WHERE x ->> 'type' = 'generation-update' AND o.id = x -> 'body' ->> 'id';
WITH e AS (SELECT x FROM bench.batches b, jsonb_array_elements(b.body -> 'batch') x WHERE b.n = $1)
INSERT INTO usertrack.scores (id, trace_id, name, value, "timestamp")
SELECT x -> 'body' ->> 'id', x -> 'body' ->> 'traceId', x -> 'body' ->> 'name',
       (x -> 'body' ->> 'value')::float8, (x ->> 'timestamp')::timestamptz
  FROM e WHERE x ->> 'type' = 'score-create';
COMMIT;
SQL
}

run_side() {
    local side=$1 i
    "${psql[@]}" -c "TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores" > /dev/null
    {
        echo '\timing on'
        for ((i = 1; i <= BATCHES; i++)); do
            if [[ $side == ingest ]]; then
                echo "SELECT usertrack.ingest(body) FROM bench.batches WHERE n = $i \\g /dev/null"
            else
                plain_sql "$i"
            fi
        done
    } > "$work/$side.sql"
    "${psql[@]}" -f "$work/$side.sql" > "$work/$side.out"
    awk '/^Time: / { t += $2 } END { printf "%.1f", t }' "$work/$side.out"
}

# twice each, alternating; the second run of each is kept
run_side ingest > /dev/null
run_side plain > /dev/null
t_ingest=$(run_side ingest)
check_ingest=$("${psql[@]}" -Atc "SELECT count(*) || ' users, ' || sum(total_events) || ' traces, ' || sum(total_observations) || ' observations, ' || sum(scores) || ' scores, ' || sum(total_tokens) || ' tokens, cost ' || sum(model_cost) FROM usertrack.all_users")
t_plain=$(run_side plain)
check_plain=$("${psql[@]}" -Atc "SELECT count(*) || ' users, ' || sum(total_events) || ' traces, ' || sum(total_observations) || ' observations, ' || sum(scores) || ' scores, ' || sum(total_tokens) || ' tokens, cost ' || sum(model_cost) FROM usertrack.all_users")
events=$((BATCHES * 100))
say "ingest():        $t_ingest ms for $events events: $(awk -v t="$t_ingest" -v n="$events" 'BEGIN { printf "%.0f events/s", n / (t / 1000) }')"
say "   totals: $check_ingest"
say "plain SQL:       $t_plain ms for the same rows: $(awk -v t="$t_plain" -v n="$events" 'BEGIN { printf "%.0f events/s", n / (t / 1000) }')"
say "   totals: $check_plain"
say "$(awk -v a="$t_ingest" -v b="$t_plain" 'BEGIN { printf "ingest() takes %.2f times the plain statements (target: within 2)", a / b }')"
say "verify() after the plain side: $("${psql[@]}" -Atc "SELECT count(*) FROM usertrack.verify()") differences"
