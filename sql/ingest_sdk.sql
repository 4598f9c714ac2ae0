-- Request bodies captured from the real Langfuse JS v3 SDK (npm "langfuse",
-- test/sdk/langfuse-v3.mjs against a local capture server; regenerate with
-- scripts/capture-fixtures.sh), fed to usertrack.ingest() in the order the
-- SDK sent them.  The SDK sends events out of order (a generation's update
-- in the first request, its create in the second) and assigns a user to a
-- trace in a later request; the totals must be what the script sent
-- (test/fixtures/langfuse-v3/sent.json).
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET timezone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/test/fixtures/langfuse-v3'
\set b1 `cat :fixtures/batch-01.json`
\set b2 `cat :fixtures/batch-02.json`
\set b3 `cat :fixtures/batch-03.json`
\set sent `cat :fixtures/sent.json`

SELECT n, jsonb_array_length(r -> 'successes') AS successes, r -> 'errors' AS errors
  FROM (VALUES (1, usertrack.ingest(:'b1'))) v(n, r);
SELECT n, jsonb_array_length(r -> 'successes') AS successes, r -> 'errors' AS errors
  FROM (VALUES (2, usertrack.ingest(:'b2'))) v(n, r);
SELECT n, jsonb_array_length(r -> 'successes') AS successes, r -> 'errors' AS errors
  FROM (VALUES (3, usertrack.ingest(:'b3'))) v(n, r);

SELECT user_id, total_events, total_observations, input_tokens, output_tokens, total_tokens,
       model_cost, errors, scores, sessions
  FROM usertrack.all_users ORDER BY user_id;
SELECT user_id, session_id, traces, total_tokens FROM usertrack.user_sessions ORDER BY 1, 2;
SELECT user_id, trace_id, name, value, string_value, data_type, comment
  FROM usertrack.user_scores ORDER BY user_id, trace_id, name;
SELECT session_id, name, value FROM usertrack.scores WHERE trace_id IS NULL;
SELECT id, type, model, level, input_tokens, output_tokens, total_tokens, usage_details,
       total_cost, computed_total_cost > 0 AS priced
  FROM usertrack.observations ORDER BY id;

-- against what the script says it sent
WITH s AS (SELECT :'sent'::jsonb AS j)
SELECT u.key AS user_id,
       (u.value ->> 'traces')::bigint = a.total_events AS traces_match,
       (u.value ->> 'observations')::bigint = a.total_observations AS observations_match,
       (u.value ->> 'total_tokens')::bigint = a.total_tokens AS tokens_match,
       (u.value ->> 'errors')::bigint = a.errors AS errors_match,
       CASE WHEN u.value ? 'priced' THEN a.model_cost > 0
            ELSE (u.value ->> 'model_cost')::numeric = a.model_cost END AS cost_match
  FROM s CROSS JOIN LATERAL jsonb_each(s.j -> 'users') u
  LEFT JOIN usertrack.all_users a ON a.user_id = u.key
 ORDER BY 1;
WITH s AS (SELECT :'sent'::jsonb AS j)
SELECT (SELECT count(*) FROM jsonb_object_keys(s.j -> 'sessions')) = (SELECT count(*) FROM usertrack.user_sessions) AS sessions_match,
       (s.j ->> 'scores')::bigint = (SELECT count(*) FROM usertrack.user_scores) AS scores_match
  FROM s;
-- bob's generation was priced from the model table, as sent without cost
SELECT o.computed_total_cost = c.total_cost AS priced_like_compute_cost
  FROM usertrack.observations o,
       usertrack.compute_cost('gpt-4o', o.start_time, NULL, 1000, 200, 1200) c
 WHERE o.id = 'sdk-bob-1-gen';
SELECT count(*) AS differences FROM usertrack.verify();

-- sending everything again (a retry) changes nothing
SELECT usertrack.ingest(:'b1') IS NOT NULL AS resent, usertrack.ingest(:'b2') IS NOT NULL AS resent,
       usertrack.ingest(:'b3') IS NOT NULL AS resent;
SELECT user_id, total_events, total_observations, total_tokens, model_cost, scores
  FROM usertrack.all_users ORDER BY user_id;
SELECT count(*) AS differences FROM usertrack.verify();

TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
