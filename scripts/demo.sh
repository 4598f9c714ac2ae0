#!/usr/bin/env bash
# scripts/demo.sh: see usertrack at work in one command on a fresh Debian 12.
#
# Installs what is missing (PostgreSQL 15 with its server headers, a C
# toolchain), builds and installs the extension, starts a throw-away cluster
# with pg_virtualenv, loads the sample of scripts/sample.sql and prints the
# totals, the heaviest users, the detail of the heaviest one, the spread of
# spend, where costs come from, budgets and alerts, then ingests what the real
# Langfuse and OpenTelemetry SDKs sent (test/fixtures/) and shows the users
# it made, the versions, and the result of verify().  The cluster is removed
# when the script ends.
#
# Usage: bash scripts/demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" != "--inside" ]]; then
    sudo=""
    if [[ "$(id -u)" -ne 0 ]]; then
        sudo="sudo"
    fi

    packages=(postgresql-15 postgresql-server-dev-15 postgresql-contrib make gcc libpq-dev)
    missing=()
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]})); then
        echo "== installing ${missing[*]}"
        $sudo apt-get update
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi

    # Debian can have several PostgreSQL versions side by side: pin 15.
    export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

    echo "== building"
    make -s PG_CONFIG="$PG_CONFIG"
    echo "== installing into $("$PG_CONFIG" --pkglibdir)"
    $sudo make -s install PG_CONFIG="$PG_CONFIG"

    echo "== starting a throw-away PostgreSQL 15 cluster"
    # -t keeps the cluster in a temporary directory even as root, so that
    # several runs do not clash; it is dropped when the command ends.
    exec pg_virtualenv -t -v 15 bash "$PWD/scripts/demo.sh" --inside
fi

# From here on we run inside pg_virtualenv: PGHOST, PGPORT, PGUSER,
# PGPASSWORD and PGDATABASE point at the throw-away cluster.
psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)

"${psql[@]}" -c 'CREATE EXTENSION usertrack'
echo "== loading scripts/sample.sql"
"${psql[@]}" -f scripts/sample.sql

"${psql[@]}" <<'SQL'
\pset footer off

\echo
\echo '== usertrack.totals: everything, with and without a user (expanded)'
\x on
SELECT * FROM usertrack.totals;
\x off

\echo
\echo '== usertrack.all_users: the 15 heaviest users by model cost'
SELECT user_id, first_event::timestamp(0) AS first_event,
       last_event::timestamp(0) AS last_event, total_events AS traces,
       total_observations AS observations, input_tokens, output_tokens,
       total_tokens, round(model_cost, 4) AS model_cost, sessions, scores,
       errors, active_days
  FROM usertrack.all_users
 ORDER BY model_cost DESC, user_id
 LIMIT 15;

SELECT user_id AS heavy FROM usertrack.all_users
 ORDER BY model_cost DESC, user_id LIMIT 1 \gset

\echo
\echo '== one user in detail, the heaviest:' :heavy
\echo '-- their all_users row (expanded)'
\x on
SELECT * FROM usertrack.all_users WHERE user_id = :'heavy';
\x off

\echo
\echo '-- their last 10 traces (usertrack.user_traces)'
SELECT trace_id, "timestamp"::timestamp(0) AS "timestamp", name, session_id,
       observations AS obs, total_tokens AS tokens,
       round(model_cost, 5) AS model_cost, errors, scores,
       date_trunc('milliseconds', latency) AS latency
  FROM usertrack.user_traces
 WHERE user_id = :'heavy'
 ORDER BY "timestamp" DESC
 LIMIT 10;

\echo
\echo '-- their sessions, latest first (usertrack.user_sessions)'
SELECT session_id, first_event::timestamp(0) AS first_event, traces,
       observations AS obs, total_tokens AS tokens,
       round(model_cost, 5) AS model_cost, errors, scores,
       date_trunc('second', duration) AS duration
  FROM usertrack.user_sessions
 WHERE user_id = :'heavy'
 ORDER BY last_event DESC
 LIMIT 15;
SELECT count(*) AS sessions_of_the_user FROM usertrack.user_sessions
 WHERE user_id = :'heavy';

\echo
\echo '-- their scores, latest first (usertrack.user_scores)'
SELECT "timestamp"::timestamp(0) AS "timestamp", name, data_type, source,
       value, string_value, comment, trace_id
  FROM usertrack.user_scores
 WHERE user_id = :'heavy'
 ORDER BY "timestamp" DESC, score_id
 LIMIT 15;
SELECT name, data_type, count(*) AS scores, round(avg(value)::numeric, 3) AS avg_value
  FROM usertrack.user_scores
 WHERE user_id = :'heavy'
 GROUP BY name, data_type
 ORDER BY name;

\echo
\echo '-- their last 7 days (usertrack.user_daily)'
SELECT day, traces, observations, input_tokens, output_tokens, total_tokens,
       round(model_cost, 4) AS model_cost, errors, scores
  FROM usertrack.user_daily
 WHERE user_id = :'heavy'
   AND day > (now() AT TIME ZONE 'UTC')::date - 7
 ORDER BY day;

\echo '-- their last 30 days at once (usertrack.user_stats, merged from the per-day rows)'
SELECT traces, observations, round(model_cost, 4) AS model_cost, error_rate,
       latency_p50, latency_p95, latency_p99,
       usertrack.activity_sparkline(:'heavy') AS cost_per_day_30_days
  FROM usertrack.user_stats(:'heavy', now() - interval '30 days', now());

\echo
\echo '== analytics: how spend is spread over the users (usertrack.usage_distribution)'
SELECT users, round(total, 4) AS total, round(mean, 4) AS mean, round(p50, 4) AS p50,
       round(p90, 4) AS p90, top_10pct_share, gini
  FROM usertrack.usage_distribution('model_cost');
\echo '-- users with disproportionate error rates (usertrack.outlier_users)'
SELECT user_id, traces, errors, round(value::numeric, 4) AS error_rate,
       round(population_value::numeric, 4) AS others, round(statistic::numeric, 1) AS z
  FROM usertrack.outlier_users('error_rate', min_traces => 5) LIMIT 5;

\echo
\echo '== model cost: where it comes from (supplied by the SDK, or computed from usertrack.model_prices)'
SELECT CASE WHEN total_cost IS NOT NULL OR input_cost IS NOT NULL OR output_cost IS NOT NULL
            THEN 'supplied' WHEN computed_total_cost IS NOT NULL THEN 'computed'
            ELSE 'none' END AS cost, count(*) AS generations,
       round(sum(coalesce(total_cost, input_cost + output_cost, computed_total_cost)), 4) AS amount
  FROM usertrack.observations WHERE type = 'GENERATION'
 GROUP BY 1 ORDER BY 1;
\echo '-- models seen with usage but no price (usertrack.unpriced_models)'
SELECT model, observations, without_cost, total_tokens FROM usertrack.unpriced_models ORDER BY model;

\echo
\echo '== budgets and alerts: three rules, evaluated for every user (writes evaluate them as they come)'
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, time_zone, threshold, hard_budget)
VALUES ('cost 0.05 in 24h', 'model_cost', 'rolling', '24 hours', 'UTC', 0.05, false),
       ('errors 3 in 24h', 'errors', 'rolling', '24 hours', 'UTC', 3, false),
       ('daily budget 0.10 (Berlin days)', 'model_cost', 'day', NULL, 'Europe/Berlin', 0.10, true);
SELECT usertrack.evaluate_alerts(ARRAY(SELECT user_id FROM usertrack.all_users)) AS alerts_opened;
\echo '-- open alerts (usertrack.list_alerts; each was also sent with NOTIFY usertrack_alerts)'
SELECT rule_name, user_id, metric, round(value, 4) AS value, threshold
  FROM usertrack.list_alerts() ORDER BY rule_name, value DESC LIMIT 8;
\echo '-- what the application asks before a model call of the heaviest user (usertrack.check_budget)'
SELECT rule_name, round(used, 4) AS used, budget_limit, round(remaining, 4) AS remaining, allowed
  FROM usertrack.check_budget(:'heavy');
\echo '-- their last 24 hours (usertrack.user_usage, to the quarter hour)'
SELECT traces, observations, total_tokens, round(model_cost, 4) AS model_cost, errors
  FROM usertrack.user_usage(:'heavy', '24 hours');

\echo
\echo '== ingestion: what the real Langfuse and OpenTelemetry SDKs sent (test/fixtures), in one call each'
\set fx `pwd`/test/fixtures
\set b1 `cat :fx/langfuse-v3/batch-01.json`
\set b2 `cat :fx/langfuse-v3/batch-02.json`
\set b3 `cat :fx/langfuse-v3/batch-03.json`
\set o1 `cat :fx/otel-genai/export-01.json`
SELECT source, jsonb_array_length(r->'successes') AS successes, jsonb_array_length(r->'errors') AS errors
  FROM (VALUES ('Langfuse JS v3, batch 1', usertrack.ingest(:'b1')),
               ('Langfuse JS v3, batch 2', usertrack.ingest(:'b2')),
               ('Langfuse JS v3, batch 3', usertrack.ingest(:'b3'))) AS x(source, r);
SELECT usertrack.ingest_otlp(:'o1') AS "OTLP export answer ({} = every span landed)";
\echo '-- the users those SDK runs created'
SELECT user_id, total_events AS traces, total_observations AS observations, total_tokens, model_cost, errors
  FROM usertrack.all_users
 WHERE user_id IN ('alice', 'bob', 'carol', 'gina', 'hank')
 ORDER BY user_id;

\echo '== usertrack.version(): the database objects and the library'
SELECT * FROM usertrack.version();

\echo '== usertrack.verify(): differences between the views and a recomputation from scratch (0 = consistent)'
SELECT count(*) AS differences FROM usertrack.verify();
SELECT count(*) > 0 AS inconsistent FROM usertrack.verify() \gset
\if :inconsistent
\echo 'verify() is not empty: the first differences'
SELECT * FROM usertrack.verify() LIMIT 20;
\endif
SQL
