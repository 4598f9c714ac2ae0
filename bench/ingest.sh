#!/usr/bin/env bash
# bench/ingest.sh: batched ingest with and without usertrack, and the
# all_users top 50 against the same answer by GROUP BY.
#
# In one throw-away cluster (pg_virtualenv -t) this script
#   1. generates the rows once into unlogged staging tables, numbered in
#      batches of $BATCH rows: $TRACES traces of $USERS users (each user
#      has at least one session, the rest follow a Zipf law; multi-turn
#      sessions; 5% of sessions without a user), $OBS observations (about
#      half of them generations with one of seven model names that the
#      shipped prices know, tokens and cost; 3% at level ERROR; input and
#      output payloads of a few hundred bytes) and $SCORES scores;
#   2. copies every batch into the extension's input tables (with the
#      triggers) and into identical tables without triggers (schema plain,
#      made with CREATE TABLE ... (LIKE usertrack.x INCLUDING ALL), so
#      defaults, CHECK constraints, indexes and collations are the same), one
#      INSERT ... SELECT ... WHERE batch = n per batch and side, each in its
#      own transaction.  The two sides are interleaved batch by batch, in
#      alternating order, so both see the same machine state; generating the
#      data costs nothing to either side;
#   3. times SELECT * FROM usertrack.all_users ORDER BY model_cost DESC
#      LIMIT 50 and the same answer computed by GROUP BY over the input
#      tables, and one user's row, last 50 traces and sessions;
#   4. runs usertrack.verify() on the result.
# With MODE=deferred the loading session writes with usertrack.maintenance
# = deferred (the plain side has no triggers, so it is unaffected); after the
# load the script prints the backlog and times CALL usertrack.refresh(),
# which is not part of the ingest ratio; the reads then run on the folded
# totals.
# With PRICED=1 the generations carry no supplied cost (input_cost,
# output_cost and total_cost NULL), and about a third of them report cached
# input tokens in usage_details as well ({"input_cached_tokens": n}), so the
# extension's price trigger computes the cost of every generation with usage
# from usertrack.model_prices and the totals count that computed cost.  The
# plain side gets the same rows (its tables have no triggers, so no computed
# cost).  After the load the script prints how many observations got a
# computed cost and how many generations did not.  With PRICED=0 the trigger
# still runs and stores a computed cost beside the supplied one.
# It prints figures; it never fails on them.  A log with every statement's
# time goes to bench/results/.
#
# Usage: bash bench/ingest.sh                 (after make install)
#        OBS=100000 bash bench/ingest.sh      (a quick run)
# Knobs (environment): OBS (1000000), TRACES (OBS/10), USERS (TRACES/10),
#   SCORES (TRACES*3/10), BATCH (1000), ZIPF (1.0, the skew exponent),
#   RUNS (9, runs of each fast query), GROUPBY_RUNS (5), VERIFY (1),
#   SHARED_BUFFERS (a quarter of memory, at most 4GB), FSYNC (off, as
#   pg_virtualenv sets it; on makes every commit wait for the disk on both
#   sides, which narrows the gap), PROFILE (0; 1 loads
#   pg_stat_statements with track=all and lists the statements, the
#   triggers' own included, by time spent during the ingest),
#   RANK_INDEXES (1; 0 drops the four top-N indexes of user_totals, to
#   measure what they cost the write path: SPEC section 7),
#   MODE (immediate; deferred: see above), PRICED (0; 1: see above),
#   RULES (0; 1 to 20 creates that many alert rules and budgets of
#   bench/rules.sql before the load, so that every write evaluates them;
#   the number of alerts opened is printed after the load).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

OBS=${OBS:-1000000}
TRACES=${TRACES:-$((OBS / 10))}
USERS=${USERS:-$((TRACES / 10))}
SCORES=${SCORES:-$((TRACES * 3 / 10))}
BATCH=${BATCH:-1000}
ZIPF=${ZIPF:-1.0}
RUNS=${RUNS:-9}
GROUPBY_RUNS=${GROUPBY_RUNS:-5}
VERIFY=${VERIFY:-1}
MODE=${MODE:-immediate}
case $MODE in
    immediate | deferred) ;;
    *) echo "MODE must be immediate or deferred, not '$MODE'" >&2; exit 1 ;;
esac
PRICED=${PRICED:-0}
case $PRICED in
    0) pricing="off (costs supplied)" ;;
    1) pricing="on (no supplied cost: every generation priced by the trigger)" ;;
    *) echo "PRICED must be 0 or 1, not '$PRICED'" >&2; exit 1 ;;
esac
RULES=${RULES:-0}
if ! [[ "$RULES" =~ ^[0-9]+$ ]] || (( RULES > 20 )); then
    echo "RULES must be 0 to 20, not '$RULES'" >&2; exit 1
fi
export OBS TRACES USERS SCORES BATCH ZIPF RUNS GROUPBY_RUNS VERIFY MODE PRICED RULES

if [[ "${1:-}" != "--inside" ]]; then
    # pg_stat_statements only when profiling
    profile=()
    if [[ "${PROFILE:-0}" == 1 ]]; then
        profile=(-o shared_preload_libraries=pg_stat_statements -o pg_stat_statements.track=all)
    fi
    source bench/cluster.sh
    run_in_cluster "$PWD/bench/ingest.sh" "${profile[@]}"
fi

# Inside pg_virtualenv from here on.
mkdir -p bench/results
stamp=$(date -u +%Y%m%d-%H%M%S)
log=bench/results/ingest-$stamp.log
work=$(mktemp -d -t usertrack-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)

say() { echo "$*" | tee -a "$log"; }
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan";
        else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

say "usertrack ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r)"
say "server: $("${psql[@]}" -Atc "SELECT split_part(version(), ' on ', 1)"), shared_buffers=$SHARED_BUFFERS, max_wal_size=8GB, work_mem=64MB, fsync=$("${psql[@]}" -Atc 'SHOW fsync'), synchronous_commit=$("${psql[@]}" -Atc 'SHOW synchronous_commit')"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain -- src 'usertrack--*.sql' usertrack.control 2>/dev/null)" ]]; then rev="$rev + uncommitted changes"; fi
say "usertrack: installed build of $rev (as of $(date -u -r "$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/usertrack.so" '+%Y-%m-%d %H:%M UTC'))"
say "asked: $TRACES traces, $OBS observations, $SCORES scores, $USERS users (Zipf $ZIPF), $BATCH rows per INSERT, usertrack.maintenance = $MODE, pricing $pricing, $RULES alert rules"

##############################################################################
# 1. Schemas and staging data
##############################################################################

t0=$(date +%s)
"${psql[@]}" -v users="$USERS" -v traces="$TRACES" -v obs="$OBS" \
    -v scores="$SCORES" -v batch="$BATCH" -v zipf="$ZIPF" -v priced="$PRICED" <<'SQL'
CREATE EXTENSION usertrack;
CREATE EXTENSION pg_prewarm;
CREATE SCHEMA plain;
CREATE TABLE plain.traces (LIKE usertrack.traces INCLUDING ALL);
CREATE TABLE plain.observations (LIKE usertrack.observations INCLUDING ALL);
CREATE TABLE plain.scores (LIKE usertrack.scores INCLUDING ALL);
CREATE SCHEMA bench;

SELECT setseed(0.2024) AS seeded \gset
SELECT date_trunc('minute', now()) AS anchor \gset

-- Users by rank with weight 1/rank^zipf; cum is the cumulative share.
CREATE UNLOGGED TABLE bench.users AS
WITH w AS (SELECT r, 1.0 / power(r, :zipf) AS w FROM generate_series(1, :users) r)
SELECT r AS rank,
       CASE r % 3 WHEN 0 THEN 'user_' || lpad(r::text, 7, '0')
                  WHEN 1 THEN 'u-' || substr(md5('user:' || r), 1, 12)
                  ELSE substr(md5('mail:' || r), 1, 8) || '@example.com' END AS user_id,
       sum(w) OVER (ORDER BY r) / sum(w) OVER () AS cum
  FROM w;
CREATE INDEX ON bench.users (cum);
CREATE INDEX ON bench.users (rank);

-- Sessions in time order over 30 days; each has a user (5% none) and a
-- number of turns (mean about 2.5); 10% of the traffic has no session.
-- Every third session goes to the next user by rank until each user has
-- one (about a quarter of the sessions), so that every user shows up; the
-- others follow the Zipf draw.
CREATE UNLOGGED TABLE bench.sessions AS
WITH r AS MATERIALIZED (
    SELECT sn, random() AS ra, random() AS ru, random() AS rt, random() AS rs
      FROM generate_series(1, :traces / 2 + 100) sn
)
SELECT r.sn,
       CASE WHEN r.sn % 3 = 0 AND r.sn / 3 <= :users THEN
            (SELECT u.user_id FROM bench.users u WHERE u.rank = r.sn / 3)
            WHEN r.ra >= 0.05 THEN
            (SELECT u.user_id FROM bench.users u WHERE u.cum >= r.ru ORDER BY u.cum LIMIT 1) END AS user_id,
       CASE WHEN r.rs >= 0.10 THEN 'sess_' || substr(md5('session:' || r.sn), 1, 16) END AS session_id,
       CASE WHEN r.rs >= 0.10 THEN 1 + floor(-ln(1 - r.rt) * 2)::int ELSE 1 END AS turns,
       :'anchor'::timestamptz - interval '30 days'
           + (r.sn::float8 / (:traces / 2 + 100)) * interval '30 days' AS started
  FROM r;

CREATE UNLOGGED TABLE bench.stage_traces AS
WITH t AS (
    SELECT (row_number() OVER (ORDER BY s.sn, g.turn))::int AS tn, s.*, g.turn
      FROM bench.sessions s
     CROSS JOIN LATERAL generate_series(1, s.turns) AS g(turn)
)
SELECT (t.tn - 1) / :batch + 1 AS batch, t.tn,
       md5('trace:' || t.tn)::uuid::text AS id,
       t.started + (t.turn - 1) * interval '90 seconds' + random() * interval '60 seconds' AS "timestamp",
       (ARRAY['chat-turn', 'rag-query', 'agent-run', 'summarize-document'])[t.sn % 4 + 1] AS name,
       t.user_id,
       t.session_id,
       ARRAY[(ARRAY['chat', 'rag', 'agent', 'summarize'])[t.sn % 4 + 1],
             (ARRAY['web', 'mobile', 'slack'])[t.tn % 3 + 1]] AS tags,
       jsonb_build_object('app', 'acme-support', 'turn', t.turn,
                          'region', (ARRAY['eu-west-1', 'us-east-1', 'ap-southeast-1'])[t.sn % 3 + 1]) AS metadata,
       jsonb_build_object('query', 'Where is my order A-' || (20000 + t.tn % 9000)
                          || '? It was supposed to arrive on Monday and the tracking page has not changed since Friday.',
                          'locale', 'en-US') AS input,
       jsonb_build_object('answer', 'Order A-' || (20000 + t.tn % 9000)
                          || ' left our warehouse on Friday and is with the carrier; the new estimated delivery is Wednesday before 6 pm.') AS output,
       'v2.' || (t.sn % 5 + 13) || '.0' AS release,
       'prompt-' || (ARRAY['a', 'b'])[t.tn % 2 + 1] AS version,
       CASE WHEN t.sn % 20 = 0 THEN 'staging' ELSE 'production' END AS environment
  FROM t
 WHERE t.tn <= :traces
 ORDER BY t.tn;
CREATE INDEX ON bench.stage_traces (batch);

-- 2 to 19 observations per trace (mean 10.5), cut at :obs: a root span,
-- then steps of which 55% are generations.  With :priced = 1 they carry no
-- cost, and about a third of them (r1 < 0.2) report cached input tokens.
CREATE UNLOGGED TABLE bench.stage_observations AS
WITH c AS MATERIALIZED (
    SELECT t.tn, t.id AS trace_id, t."timestamp" AS ts, 2 + floor(random() * 18)::int AS n
      FROM bench.stage_traces t
), o AS MATERIALIZED (
    SELECT c.tn, c.trace_id, c.ts, c.n, g.i,
           row_number() OVER (ORDER BY c.tn, g.i) AS seq,
           random() AS r1, random() AS r2, random() AS r3, random() AS rl,
           1 + floor(random() * 7)::int AS m
      FROM c CROSS JOIN LATERAL generate_series(1, c.n) AS g(i)
), typed AS (
    SELECT o.*,
           CASE WHEN o.i = 1 THEN 'SPAN'
                WHEN o.r1 < 0.55 THEN 'GENERATION'
                ELSE (ARRAY['TOOL', 'RETRIEVER', 'EVENT', 'SPAN'])[1 + floor(o.r2 * 4)::int] END AS type,
           o.i > 1 AND o.rl < 0.03 AS failed,
           (200 + floor(3000 * o.r2 ^ 2))::bigint AS in_tok,
           (20 + floor(600 * o.r3 ^ 2))::bigint AS out_tok
      FROM o
     WHERE o.seq <= :obs
)
SELECT ((x.seq - 1) / :batch + 1)::int AS batch, x.tn,
       md5('obs:' || x.trace_id || ':' || x.i)::uuid::text AS id,
       x.trace_id,
       CASE WHEN x.i > 1 THEN md5('obs:' || x.trace_id || ':1')::uuid::text END AS parent_observation_id,
       x.type,
       CASE x.type WHEN 'GENERATION' THEN 'chat-completion' WHEN 'TOOL' THEN 'lookup_order'
                   WHEN 'RETRIEVER' THEN 'vector-search' WHEN 'EVENT' THEN 'citations-attached'
                   ELSE CASE WHEN x.i = 1 THEN 'handle-message' ELSE 'postprocess' END END AS name,
       x.ts + (x.i - 1) * interval '700 milliseconds' AS start_time,
       CASE WHEN x.i = 1 THEN x.ts + x.n * interval '700 milliseconds'
            WHEN x.type <> 'EVENT' THEN x.ts + (x.i - 1) * interval '700 milliseconds'
                                        + (50 + 600 * x.r3) * interval '1 millisecond' END AS end_time,
       CASE WHEN x.type = 'GENERATION' THEN x.ts + (x.i - 1) * interval '700 milliseconds'
                                            + (30 + 200 * x.r3) * interval '1 millisecond' END AS completion_start_time,
       CASE WHEN x.type = 'GENERATION' THEN p.model END AS model,
       CASE WHEN x.type = 'GENERATION' THEN '{"temperature": 0.7, "max_tokens": 800}'::jsonb END AS model_parameters,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed THEN x.in_tok END AS input_tokens,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed THEN x.out_tok END AS output_tokens,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed THEN x.in_tok + x.out_tok END AS total_tokens,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed
            THEN jsonb_build_object('input', x.in_tok, 'output', x.out_tok)
                 || CASE WHEN :priced = 1 AND x.r1 < 0.2
                         THEN jsonb_build_object('input_cached_tokens', floor(x.in_tok * x.r1 * 4)::bigint)
                         ELSE '{}' END END AS usage_details,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed AND :priced = 0 THEN x.in_tok * p.in_price END AS input_cost,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed AND :priced = 0 THEN x.out_tok * p.out_price END AS output_cost,
       CASE WHEN x.type = 'GENERATION' AND NOT x.failed AND :priced = 0
            THEN x.in_tok * p.in_price + x.out_tok * p.out_price END AS total_cost,
       NULL::jsonb AS cost_details,
       CASE WHEN x.failed THEN 'ERROR' ELSE 'DEFAULT' END AS level,
       CASE WHEN x.failed THEN '429 Too Many Requests: rate limit reached, retry after 20 s' END AS status_message,
       jsonb_build_object('sdk', 'langfuse-python 2.53.9', 'step', x.i) AS metadata,
       CASE WHEN x.type = 'GENERATION' THEN jsonb_build_array(
                 jsonb_build_object('role', 'system', 'content',
                     'You are Acme''s customer support assistant. Answer briefly and politely, cite the knowledge base, and never invent order data.'),
                 jsonb_build_object('role', 'user', 'content',
                     'Where is my order A-' || (20000 + x.tn % 9000) || '? The tracking page has not changed since Friday.'))
            ELSE jsonb_build_object('query', 'order A-' || (20000 + x.tn % 9000) || ' delivery status',
                                    'top_k', 5, 'index', 'kb-articles-v3', 'filters', jsonb_build_object('locale', 'en-US')) END AS input,
       CASE WHEN x.failed THEN NULL
            WHEN x.type = 'GENERATION' THEN jsonb_build_object('role', 'assistant', 'content',
                 'Order A-' || (20000 + x.tn % 9000) || ' left our warehouse on Friday and is with the carrier. The new estimated delivery is Wednesday before 6 pm.')
            ELSE jsonb_build_object('status', 'ok', 'documents', jsonb_build_array(
                 jsonb_build_object('id', 'kb-' || (1000 + x.tn % 97), 'score', round((0.9 - x.r3 / 10)::numeric, 3)),
                 jsonb_build_object('id', 'kb-' || (1100 + x.tn % 89), 'score', round((0.8 - x.r3 / 10)::numeric, 3)))) END AS output
  FROM typed x
  JOIN (VALUES (1, 'gpt-4o-mini', 0.00000015, 0.0000006),
               (2, 'gpt-4o', 0.0000025, 0.00001),
               (3, 'claude-3-5-sonnet-20241022', 0.000003, 0.000015),
               (4, 'claude-3-5-haiku-20241022', 0.0000008, 0.000004),
               (5, 'gemini-2.5-pro', 0.00000125, 0.00001),
               (6, 'gemini-2.0-flash', 0.0000001, 0.0000004),
               (7, 'mistral-large-latest', 0.0000005, 0.0000015)) AS p(m, model, in_price, out_price)
    ON p.m = x.m
 ORDER BY x.seq;
CREATE INDEX ON bench.stage_observations (batch);

CREATE UNLOGGED TABLE bench.stage_scores AS
WITH s AS (
    SELECT t.tn, t.id AS trace_id, t."timestamp" AS ts, random() AS rv
      FROM bench.stage_traces t
     WHERE random() < :scores::float8 / :traces
)
SELECT ((row_number() OVER (ORDER BY s.tn) - 1) / :batch + 1)::int AS batch, s.tn,
       md5('score:' || s.trace_id)::uuid::text AS id,
       s.trace_id,
       NULL::text AS observation_id,
       NULL::text AS session_id,
       CASE s.tn % 3 WHEN 0 THEN 'user-feedback' WHEN 1 THEN 'helpfulness' ELSE 'tone' END AS name,
       CASE s.tn % 3 WHEN 0 THEN CASE WHEN s.rv < 0.8 THEN 1 ELSE 0 END
                     WHEN 1 THEN round(s.rv::numeric, 2)::float8 END AS value,
       CASE WHEN s.tn % 3 = 2 THEN (ARRAY['friendly', 'neutral', 'curt'])[1 + floor(s.rv * 3)::int] END AS string_value,
       CASE s.tn % 3 WHEN 0 THEN 'BOOLEAN' WHEN 1 THEN 'NUMERIC' ELSE 'CATEGORICAL' END AS data_type,
       CASE s.tn % 3 WHEN 0 THEN 'API' WHEN 1 THEN 'EVAL' ELSE 'ANNOTATION' END AS source,
       NULL::text AS comment,
       s.ts + interval '5 minutes' AS "timestamp",
       jsonb_build_object('judge', 'gpt-4o') AS metadata
  FROM s
 ORDER BY s.tn;
CREATE INDEX ON bench.stage_scores (batch);

VACUUM ANALYZE bench.stage_traces, bench.stage_observations, bench.stage_scores;
SELECT pg_prewarm('bench.stage_traces'), pg_prewarm('bench.stage_observations'),
       pg_prewarm('bench.stage_scores') \gset
CHECKPOINT;
SQL
if [[ "${RANK_INDEXES:-1}" == 0 ]]; then
    say "RANK_INDEXES=0: dropping the top-N indexes of user_totals (reads of all_users pages will scan)"
    "${psql[@]}" -c 'DROP INDEX usertrack.user_totals_model_cost, usertrack.user_totals_total_tokens, usertrack.user_totals_traces, usertrack.user_totals_last_event' >/dev/null
fi
say "staging: $(( $(date +%s) - t0 )) s; $("${psql[@]}" -Atc "SELECT format('%s traces, %s observations (%s generations, %s errors), %s scores, %s users, %s MB of observations',
    (SELECT count(*) FROM bench.stage_traces), (SELECT count(*) FROM bench.stage_observations),
    (SELECT count(*) FROM bench.stage_observations WHERE type = 'GENERATION'),
    (SELECT count(*) FROM bench.stage_observations WHERE level = 'ERROR'),
    (SELECT count(*) FROM bench.stage_scores),
    (SELECT count(DISTINCT user_id) FROM bench.stage_traces),
    pg_relation_size('bench.stage_observations') / 1048576)")"

##############################################################################
# 2. Interleaved ingest: every step copies one batch into both sides
##############################################################################

cols_traces='id, "timestamp", name, user_id, session_id, tags, metadata, input, output, release, version, environment'
cols_observations='id, trace_id, parent_observation_id, type, name, start_time, end_time, completion_start_time, model, model_parameters, input_tokens, output_tokens, total_tokens, usage_details, input_cost, output_cost, total_cost, cost_details, level, status_message, metadata, input, output'
cols_scores='id, trace_id, observation_id, session_id, name, value, string_value, data_type, source, comment, "timestamp", metadata'

# Steps in arrival order: a batch of traces comes before the observation and
# score batches that end inside it, as an ingestion service writes them.
"${psql[@]}" -At -F ' ' > "$work/steps" <<'SQL'
WITH steps AS (
    SELECT 'traces' AS tbl, batch, min(tn) AS pos, 0 AS rank FROM bench.stage_traces GROUP BY batch
    UNION ALL
    SELECT 'observations', batch, max(tn), 1 FROM bench.stage_observations GROUP BY batch
    UNION ALL
    SELECT 'scores', batch, max(tn), 2 FROM bench.stage_scores GROUP BY batch
)
SELECT tbl, batch FROM steps ORDER BY pos, rank, batch;
SQL

{
    echo '\timing on'
    n=0
    while read -r tbl b; do
        n=$((n + 1))
        case $tbl in
            traces) cols=$cols_traces ;;
            observations) cols=$cols_observations ;;
            scores) cols=$cols_scores ;;
        esac
        ext="\\echo E $tbl
INSERT INTO usertrack.$tbl ($cols) SELECT $cols FROM bench.stage_$tbl WHERE batch = $b;"
        plain="\\echo P $tbl
INSERT INTO plain.$tbl ($cols) SELECT $cols FROM bench.stage_$tbl WHERE batch = $b;"
        if ((n % 2)); then printf '%s\n%s\n' "$ext" "$plain"; else printf '%s\n%s\n' "$plain" "$ext"; fi
    done < "$work/steps"
} > "$work/ingest.sql"

if [[ "${PROFILE:-0}" == 1 ]]; then
    "${psql[@]}" -c 'CREATE EXTENSION pg_stat_statements' -c 'SELECT pg_stat_statements_reset()' > /dev/null
    say "PROFILE=1: pg_stat_statements tracks every statement, the triggers' own included; the figures below are distorted by it"
fi
if (( RULES > 0 )); then
    "${psql[@]}" -v rules="$RULES" -f bench/rules.sql > /dev/null
    say "alert rules: $("${psql[@]}" -At -c "SELECT count(*) || ' (' || count(*) FILTER (WHERE hard_budget) || ' hard budgets)' FROM usertrack.alert_rules"), evaluated by every write"
fi
say "ingest: $(wc -l < "$work/steps") steps of two INSERTs, interleaved ..."
t0=$(date +%s)
PGOPTIONS="${PGOPTIONS:-} -c usertrack.maintenance=$MODE" "${psql[@]}" -f "$work/ingest.sql" > "$work/ingest.out"
say "ingest: $(( $(date +%s) - t0 )) s of wall time for both sides"
awk '/^[EP] / { side = $1; tbl = $2; next }
     /^Time: / { print side, tbl, $2 }' "$work/ingest.out" > "$work/ingest.times"
cp "$work/ingest.times" "bench/results/ingest-$stamp.times"

"${psql[@]}" -At -F ' ' > "$work/counts" <<'SQL'
SELECT 'traces', (SELECT count(*) FROM usertrack.traces), (SELECT count(*) FROM plain.traces)
UNION ALL SELECT 'observations', (SELECT count(*) FROM usertrack.observations), (SELECT count(*) FROM plain.observations)
UNION ALL SELECT 'scores', (SELECT count(*) FROM usertrack.scores), (SELECT count(*) FROM plain.scores);
SQL
say "priced after the load: $("${psql[@]}" -At <<'SQL'
SELECT format('%s observations with a computed cost; %s of %s generations unpriced (%s of them with usage: unpriced models; the rest are failed calls without usage); %s with unpriced usage kinds',
              count(*) FILTER (WHERE computed_total_cost IS NOT NULL),
              count(*) FILTER (WHERE type = 'GENERATION' AND computed_total_cost IS NULL),
              count(*) FILTER (WHERE type = 'GENERATION'),
              count(*) FILTER (WHERE type = 'GENERATION' AND computed_total_cost IS NULL
                                 AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR usage_details <> '{}')),
              count(*) FILTER (WHERE unpriced_usage IS NOT NULL))
  FROM usertrack.observations;
SQL
)"

if (( RULES > 0 )); then
    say "alerts opened during the load: $("${psql[@]}" -At -c "SELECT count(*) || ' (' || count(DISTINCT user_id) || ' users, ' || count(DISTINCT rule_id) || ' rules)' FROM usertrack.alerts")"
fi
say ""
say "Batched ingest, $BATCH rows per INSERT, one transaction each (time = sum of statement times)"
awk '
    FNR == NR { ext[$1] = $2; pln[$1] = $3; order[++n] = $1; next }
    { ms[$1, $2] += $3 }
    function line(name, rows, te, tp) {
        printf "%-13s %9d %10.2f %10.0f %10.2f %10.0f %7.3f\n", name, rows, te / 1000,
               rows / (te / 1000), tp / 1000, rows / (tp / 1000), tp / te
    }
    END {
        printf "%-13s %9s %10s %10s %10s %10s %7s\n", "table", "rows", "usertrack", "rows/s",
               "plain", "rows/s", "ratio"
        printf "%-13s %9s %10s %10s %10s %10s %7s\n", "", "", "s", "", "s", "", ""
        for (i = 1; i <= n; i++) {
            t = order[i]
            if (ext[t] != pln[t]) printf "WARNING: %s has %d rows with usertrack, %d plain\n", t, ext[t], pln[t]
            line(t, ext[t], ms["E", t], ms["P", t])
            rows += ext[t]; te += ms["E", t]; tp += ms["P", t]
        }
        line("all", rows, te, tp)
        printf "ratio = rows/s with usertrack / rows/s without (target >= 0.85 in immediate mode, >= 0.92 in deferred mode); pricing %s\n", pricing
    }' pricing="$pricing" "$work/counts" "$work/ingest.times" | tee -a "$log"

# The same ratio per quarter of the run: shows whether it drifts as the
# tables grow.
awk '{ n++; side[n] = $1; ms[n] = $3 }
     END { printf "ratio by quarter of the run:";
           for (q = 0; q < 4; q++) { te = 0; tp = 0
               for (i = int(q * n / 4) + 1; i <= int((q + 1) * n / 4); i++)
                   if (side[i] == "E") te += ms[i]; else tp += ms[i]
               printf " %.3f", tp / te }
           printf "\n" }' "$work/ingest.times" | tee -a "$log"

if [[ "${PROFILE:-0}" == 1 ]]; then
    say ""
    say "Statements by total time during the ingest (nested ones are the triggers' work)"
    "${psql[@]}" -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
                            round(mean_exec_time::numeric, 3) AS mean_ms, rows,
                            left(regexp_replace(query, '\s+', ' ', 'g'), 120) AS query
                       FROM pg_stat_statements
                      WHERE query NOT LIKE '%pg_stat_statements%'
                      ORDER BY total_exec_time DESC LIMIT 20" | tee -a "$log"
fi

if [[ "$MODE" == deferred ]]; then
    say ""
    say "backlog after the load: $("${psql[@]}" -At -c "SELECT format('%s log rows, %s users in the log, %s held users', log_rows, users_in_log, held_users) FROM usertrack.backlog")"
    "${psql[@]}" -c '\timing on' -c 'CALL usertrack.refresh()' > "$work/refresh.out" 2>&1
    cat "$work/refresh.out" >> "$log"
    say "$(awk '/^Time: / { t = $2 } /usertrack.refresh: folded/ { sub(/.*usertrack.refresh: /, ""); what = $0 }
                END { printf "CALL usertrack.refresh() after the load: %.2f s (%s)", t / 1000, what }' "$work/refresh.out")"
fi

"${psql[@]}" -c 'VACUUM ANALYZE' 2>/dev/null

##############################################################################
# 3. Reads: the all_users top 50 against GROUP BY, one user's detail
##############################################################################

topn='SELECT * FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 50'
# The same columns from the input tables alone, by the definitions of SPEC 4.
groupby="WITH o AS (
    SELECT trace_id, count(*) AS observations,
           sum(coalesce(input_tokens, 0)) AS input_tokens,
           sum(coalesce(output_tokens, 0)) AS output_tokens,
           sum(coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0))) AS total_tokens,
           sum(coalesce(total_cost,
                        CASE WHEN input_cost IS NOT NULL OR output_cost IS NOT NULL
                             THEN coalesce(input_cost, 0) + coalesce(output_cost, 0) END,
                        computed_total_cost, 0)) AS model_cost,
           count(*) FILTER (WHERE level = 'ERROR') AS errors
      FROM usertrack.observations GROUP BY trace_id
), s AS (
    SELECT trace_id, count(*) AS scores FROM usertrack.scores GROUP BY trace_id
)
SELECT t.user_id, min(t.\"timestamp\") AS first_event, max(t.\"timestamp\") AS last_event,
       count(*) AS total_events, coalesce(sum(o.observations), 0)::bigint AS total_observations,
       coalesce(sum(o.input_tokens), 0)::bigint AS input_tokens,
       coalesce(sum(o.output_tokens), 0)::bigint AS output_tokens,
       coalesce(sum(o.total_tokens), 0)::bigint AS total_tokens,
       coalesce(sum(o.model_cost), 0) AS model_cost,
       count(DISTINCT nullif(t.session_id, '')) AS sessions,
       coalesce(sum(s.scores), 0)::bigint AS scores,
       coalesce(sum(o.errors), 0)::bigint AS errors,
       count(DISTINCT (t.\"timestamp\" AT TIME ZONE 'UTC')::date) AS active_days
  FROM usertrack.traces t
  LEFT JOIN o ON o.trace_id = t.id
  LEFT JOIN s ON s.trace_id = t.id
 WHERE t.user_id <> ''
 GROUP BY t.user_id
 ORDER BY model_cost DESC
 LIMIT 50"

heavy=$("${psql[@]}" -At -c "SELECT user_id FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 1")
median_user=$("${psql[@]}" -At -c "SELECT user_id FROM usertrack.all_users ORDER BY total_events DESC, user_id
    OFFSET (SELECT count(*) / 2 FROM usertrack.all_users) LIMIT 1")
one_user() {
    cat <<SQL
\\echo U $1
SELECT * FROM usertrack.all_users WHERE user_id = '$1';
\\echo U $1
SELECT * FROM usertrack.user_traces WHERE user_id = '$1' ORDER BY "timestamp" DESC LIMIT 50;
\\echo U $1
SELECT * FROM usertrack.user_sessions WHERE user_id = '$1' ORDER BY last_event DESC LIMIT 50;
SQL
}

{
    echo '\timing on'
    echo '\o /dev/null'
    # one untimed warm-up of each
    echo "\\echo W"; echo "$topn;"; echo "\\echo W"; echo "$groupby;"
    for ((i = 0; i < RUNS; i++)); do echo "\\echo T"; echo "$topn;"; done
    for ((i = 0; i < GROUPBY_RUNS; i++)); do echo "\\echo G"; echo "$groupby;"; done
    for ((i = 0; i < RUNS + 1; i++)); do one_user "$heavy"; one_user "$median_user"; done
} > "$work/reads.sql"
"${psql[@]}" -f "$work/reads.sql" > "$work/reads.out"
awk '/^[WTGU] / || /^[WTG]$/ { tag = $1; who = $2; next }
     /^Time: / { print tag, who, $2 }' "$work/reads.out" > "$work/reads.times"

t_topn=$(awk '$1 == "T" { print $2 }' "$work/reads.times" | median)
t_groupby=$(awk '$1 == "G" { print $2 }' "$work/reads.times" | median)
# one user: the three reads summed per round, the first round dropped
user_figure() {
    awk -v u="$1" '$1 == "U" && $2 == u { k++; sum[int((k - 1) / 3)] += $3 }
                   END { for (r = 1; r in sum; r++) print sum[r] }' "$work/reads.times" | median
}
t_heavy=$(user_figure "$heavy")
t_median_user=$(user_figure "$median_user")
same=$("${psql[@]}" -At -c "SELECT CASE WHEN count(*) = 0 THEN 'yes' ELSE 'NO (' || count(*) || ' rows differ)' END
    FROM ((SELECT * FROM ($topn) a EXCEPT SELECT * FROM ($groupby) b)
          UNION ALL (SELECT * FROM ($groupby) b EXCEPT SELECT * FROM ($topn) a)) d")
heavy_traces=$("${psql[@]}" -At -c "SELECT total_events FROM usertrack.all_users WHERE user_id = '$heavy'")
median_traces=$("${psql[@]}" -At -c "SELECT total_events FROM usertrack.all_users WHERE user_id = '$median_user'")

say ""
say "Reads (psql \\timing, median; the client's view, round trip included)"
say "$(printf 'all_users top 50 by model_cost:   %10.3f ms  (%d runs)' "$t_topn" "$RUNS")"
say "$(printf 'same answer by GROUP BY:          %10.1f ms  (%d runs)' "$t_groupby" "$GROUPBY_RUNS")"
say "$(awk -v a="$t_groupby" -v b="$t_topn" 'BEGIN { printf "speedup:                          %10.0f x   (target >= 1000 at 10M observations)", a / b }')"
say "same 50 rows from both:           $same"
say "$(printf 'one user (row + last 50 traces + sessions), heaviest user (%s traces): %.3f ms' "$heavy_traces" "$t_heavy")"
say "$(printf 'one user (row + last 50 traces + sessions), median user (%s traces):   %.3f ms' "$median_traces" "$t_median_user")"

"${psql[@]}" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $topn" >> "$log"

if [[ "$VERIFY" == 1 ]]; then
    t0=$(date +%s)
    diffs=$("${psql[@]}" -At -c 'SELECT count(*) FROM usertrack.verify()')
    say ""
    say "usertrack.verify(): $diffs differences ($(( $(date +%s) - t0 )) s)"
fi
say ""
say "sizes: $("${psql[@]}" -At -c "SELECT format('input tables %s (plain copy %s), maintained tables %s',
    pg_size_pretty(pg_total_relation_size('usertrack.traces') + pg_total_relation_size('usertrack.observations') + pg_total_relation_size('usertrack.scores')),
    pg_size_pretty(pg_total_relation_size('plain.traces') + pg_total_relation_size('plain.observations') + pg_total_relation_size('plain.scores')),
    pg_size_pretty(pg_total_relation_size('usertrack.trace_totals') + pg_total_relation_size('usertrack.user_totals')
                   + pg_total_relation_size('usertrack.user_session_totals') + pg_total_relation_size('usertrack.user_daily_totals')))")"
say "log: $log"
