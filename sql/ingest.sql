-- usertrack.ingest(): Langfuse ingestion batches.  Every event type, the
-- merge rules (any order, over several calls; omitted fields kept, explicit
-- nulls clear, metadata merged by key, tags accumulated, input and output
-- only when truthy), usage and cost normalisation, the multi-status result
-- with one bad event among good ones, bad batches that change nothing, and
-- the totals through the triggers (verify() empty).
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET timezone = 'UTC';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/sql/try.sql

-- the result, one line per event
CREATE FUNCTION pg_temp.results(r jsonb) RETURNS TABLE (list text, id text, status int, error text)
LANGUAGE sql AS $$
SELECT 'success', s ->> 'id', (s ->> 'status')::int, NULL FROM jsonb_array_elements(r -> 'successes') s
UNION ALL
SELECT 'error', e ->> 'id', (e ->> 'status')::int, e ->> 'error' FROM jsonb_array_elements(r -> 'errors') e
$$;

------------------------------------------------------------------------
-- 1. A batch as the JS v3 SDK sends it, with some bad events among them
------------------------------------------------------------------------
CREATE TEMP TABLE batch1 AS SELECT $${"batch": [
 {"id": "e1", "timestamp": "2026-03-01T10:00:00.000Z", "type": "trace-create",
  "body": {"id": "t1", "timestamp": "2026-03-01T10:00:00.000Z", "name": "chat", "userId": "alice",
           "sessionId": "s1", "tags": ["b", "a"], "metadata": {"plan": "free"},
           "input": {"q": "hello"}, "environment": "Langfuse-Production"}},
 {"id": "e2", "timestamp": "2026-03-01T10:00:01.000Z", "type": "generation-create",
  "body": {"id": "g1", "traceId": "t1", "name": "llm", "startTime": "2026-03-01T10:00:01.000Z",
           "model": "gpt-4o-mini", "modelParameters": {"temperature": 0.2},
           "usage": {"promptTokens": 100, "completionTokens": 20, "totalTokens": 120}}},
 {"id": "e3", "timestamp": "2026-03-01T10:00:03.000Z", "type": "generation-update",
  "body": {"id": "g1", "endTime": "2026-03-01T10:00:03.000Z", "output": "hi",
           "usageDetails": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120,
                            "prompt_tokens_details": {"cached_tokens": 40}},
           "costDetails": {"input": 0.001, "output": 0.002}}},
 {"id": "e4", "timestamp": "2026-03-01T10:00:02.000Z", "type": "span-create",
  "body": {"id": "sp1", "traceId": "t1", "parentObservationId": "g1", "name": "retrieve",
           "startTime": "2026-03-01T10:00:02+00:00", "level": "ERROR", "statusMessage": "timeout"}},
 {"id": "e5", "timestamp": "2026-03-01T10:00:04.000Z", "type": "event-create",
  "body": {"id": "ev1", "traceId": "t1", "name": "click"}},
 {"id": "e6", "timestamp": "2026-03-01T10:00:04.000Z", "type": "tool-create",
  "body": {"id": "tool1", "traceId": "t1", "name": "search", "startTime": "2026-03-01T10:00:04Z",
           "endTime": "2026-03-01T10:00:03Z"}},
 {"id": "e7", "timestamp": "2026-03-01T10:00:04.000Z", "type": "score-create",
  "body": {"id": "sc1", "traceId": "t1", "name": "helpful", "value": 1, "dataType": "BOOLEAN"}},
 {"id": "e8", "timestamp": "2026-03-01T10:00:05.000Z", "type": "trace-create",
  "body": {"id": "t1", "tags": ["c", "a"], "metadata": {"region": "eu"}, "input": "",
           "output": {"a": "hi"}}},
 {"id": "e9", "timestamp": "2026-03-01T10:00:05.000Z", "type": "sdk-log", "body": {"log": "x"}},
 {"id": "e10", "timestamp": "2026-03-01T10:00:06.000Z", "type": "score-create",
  "body": {"id": "sc2", "sessionId": "s1", "name": "nps", "value": "great"}},
 {"id": "bad1", "timestamp": "yesterday", "type": "trace-create", "body": {"id": "t9"}},
 {"id": "bad2", "timestamp": "2026-03-01T10:00:05Z", "type": "span-create", "body": {"traceId": "t1"}},
 {"id": "bad3", "timestamp": "2026-03-01T10:00:05Z", "type": "nonsense", "body": {}},
 42,
 {"id": "bad4", "timestamp": "2026-03-01T10:00:05Z", "type": "generation-create",
  "body": {"id": "g9", "traceId": "t1", "usage": {"input": -5}}}
]}$$::jsonb AS b;
SELECT * FROM pg_temp.results((SELECT usertrack.ingest(b) FROM batch1));
SELECT id, "timestamp", name, user_id, session_id, tags, metadata, input, output, environment
  FROM usertrack.traces ORDER BY id;
SELECT id, trace_id, parent_observation_id AS parent, type, name, start_time, end_time, model,
       model_parameters, level, status_message, output
  FROM usertrack.observations ORDER BY id;
SELECT id, input_tokens, output_tokens, total_tokens, usage_details, input_cost, output_cost,
       total_cost, cost_details
  FROM usertrack.observations WHERE id = 'g1';
SELECT id, trace_id, session_id, name, value, string_value, data_type, source, "timestamp"
  FROM usertrack.scores ORDER BY id;
SELECT user_id, total_events, total_observations, input_tokens, output_tokens, total_tokens,
       model_cost, errors, scores, sessions
  FROM usertrack.all_users;
SELECT count(*) AS differences FROM usertrack.verify();

-- the same batch again (a client retrying): nothing changes
SELECT count(*) FILTER (WHERE list = 'success') AS successes, count(*) FILTER (WHERE list = 'error') AS errors
  FROM pg_temp.results((SELECT usertrack.ingest(b) FROM batch1));
SELECT user_id, total_events, total_observations, total_tokens, model_cost, scores, sessions
  FROM usertrack.all_users;
SELECT tags, metadata FROM usertrack.traces WHERE id = 't1';

------------------------------------------------------------------------
-- 2. Any order, over several calls: an update before its create, the
--    observations before their trace, explicit nulls, a late user
------------------------------------------------------------------------
SELECT * FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "u1", "timestamp": "2026-03-02T09:00:05Z", "type": "generation-update",
  "body": {"id": "g2", "traceId": "t2", "endTime": "2026-03-02T09:00:05Z", "output": {"text": "ok"},
           "usageDetails": {"input_tokens": 50, "output_tokens": 10, "total_tokens": 60,
                            "output_tokens_details": {"reasoning_tokens": 4}}}}
]}$$));
SELECT id, trace_id, start_time, end_time, model, input_tokens, output_tokens, total_tokens, usage_details
  FROM usertrack.observations WHERE id = 'g2';
SELECT * FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "c1", "timestamp": "2026-03-02T09:00:00Z", "type": "generation-create",
  "body": {"id": "g2", "traceId": "t2", "startTime": "2026-03-02T09:00:01Z", "model": "gpt-4o",
           "input": [{"role": "user", "content": "hi"}],
           "usage": {"input": 7, "output": 3}, "metadata": "a string"}},
 {"id": "c2", "timestamp": "2026-03-02T09:00:00Z", "type": "generation-create",
  "body": {"id": "g3", "traceId": "t2", "startTime": "2026-03-02T09:00:02Z",
           "usageDetails": {"input": 10, "output": "5", "cache_read": 3, "junk": -1, "text": "x"},
           "costDetails": {"input": 0.5, "cache_read": 0.25, "bad": -1, "worse": "x"}}}
]}$$));
-- g2 keeps what was written first (the update's start time: it arrived
-- first) and what the create does not send (end time, output); the stored
-- row is the merge base, and the create's usage, sent later, replaces the
-- update's.  g3's total is the sum of its kinds; bad kinds are dropped
SELECT id, start_time, end_time, model, input, output, metadata, input_tokens, output_tokens,
       total_tokens, usage_details, total_cost, cost_details
  FROM usertrack.observations WHERE id IN ('g2', 'g3') ORDER BY id;
-- no trace yet: the observations count for nobody
SELECT count(*) AS users_with_t2 FROM usertrack.user_traces WHERE trace_id = 't2';
-- the trace arrives, first without a user, then with one, then a session
-- set and cleared by an explicit null
SELECT * FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "t2a", "timestamp": "2026-03-02T09:00:00Z", "type": "trace-create",
  "body": {"id": "t2", "name": "late", "sessionId": "s2"}}
]}$$));
SELECT user_id, total_observations, total_tokens FROM usertrack.all_users ORDER BY user_id;
SELECT * FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "t2b", "timestamp": "2026-03-02T09:01:00Z", "type": "trace-create",
  "body": {"id": "t2", "userId": "bob", "sessionId": null, "timestamp": "2030-01-01T00:00:00Z",
           "environment": "staging"}}
]}$$));
-- the user moved everything under the trace; timestamp and environment stay
SELECT id, "timestamp", name, user_id, session_id, environment FROM usertrack.traces WHERE id = 't2';
SELECT user_id, total_events, total_observations, input_tokens, output_tokens, total_tokens,
       model_cost, sessions
  FROM usertrack.all_users ORDER BY user_id;
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 3. Legacy observation events, the newer types, scores
------------------------------------------------------------------------
SELECT * FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "l1", "timestamp": "2026-03-02T10:00:00Z", "type": "observation-create",
  "body": {"id": "o-legacy", "traceId": "t2", "type": "GENERATION", "name": "old sdk",
           "usage": {"input": 1, "output": 2, "total": 3, "inputCost": 0.1, "totalCost": 0.3}}},
 {"id": "l2", "timestamp": "2026-03-02T10:00:01Z", "type": "observation-update",
  "body": {"id": "o-legacy", "type": "GENERATION", "level": "WARNING"}},
 {"id": "l3", "timestamp": "2026-03-02T10:00:00Z", "type": "observation-create",
  "body": {"id": "o-bad", "traceId": "t2", "type": "TOOL"}},
 {"id": "n1", "timestamp": "2026-03-02T10:00:00Z", "type": "agent-create", "body": {"id": "a1", "traceId": "t2"}},
 {"id": "n2", "timestamp": "2026-03-02T10:00:00Z", "type": "chain-create", "body": {"id": "c1", "traceId": "t2"}},
 {"id": "n3", "timestamp": "2026-03-02T10:00:00Z", "type": "retriever-create", "body": {"id": "r1", "traceId": "t2"}},
 {"id": "n4", "timestamp": "2026-03-02T10:00:00Z", "type": "evaluator-create", "body": {"id": "ev2", "traceId": "t2"}},
 {"id": "n5", "timestamp": "2026-03-02T10:00:00Z", "type": "embedding-create",
  "body": {"id": "em1", "traceId": "t2", "model": "text-embedding-3-small", "usage": {"input": 500}}},
 {"id": "n6", "timestamp": "2026-03-02T10:00:00Z", "type": "guardrail-create", "body": {"id": "gr1", "traceId": "t2"}},
 {"id": "s1", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc3", "traceId": "t2", "observationId": "g2", "name": "accuracy", "value": 0.75,
           "source": "EVAL", "comment": "ok"}},
 {"id": "s2", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"traceId": "t2", "name": "tone", "value": "friendly", "dataType": "TEXT"}},
 {"id": "s3", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc4", "traceId": "t2", "name": "b", "value": 2, "dataType": "BOOLEAN"}},
 {"id": "s4", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc5", "traceId": "t2", "sessionId": "s2", "name": "x", "value": 1}},
 {"id": "s5", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc6", "traceId": "t2", "value": 1}},
 {"id": "s6", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc7", "datasetRunId": "run1", "name": "x", "value": 1}},
 {"id": "s7", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc8", "traceId": "t2", "name": "x", "value": "y", "dataType": "NUMERIC"}},
 {"id": "s8", "timestamp": "2026-03-02T10:00:02Z", "type": "score-create",
  "body": {"id": "sc9", "traceId": "t2", "name": "x", "value": 1, "dataType": "CORRECTION"}},
 {"id": "d1", "timestamp": "2026-03-02T10:00:02Z", "type": "dataset-run-item-create", "body": {}}
]}$$));
SELECT id, type, level, input_tokens, output_tokens, total_tokens, input_cost, total_cost
  FROM usertrack.observations WHERE trace_id = 't2' ORDER BY id;
SELECT id, trace_id, observation_id, name, value, string_value, data_type, source, comment
  FROM usertrack.scores WHERE trace_id = 't2' ORDER BY id;
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 4. Bad events: each is reported, the others land
------------------------------------------------------------------------
SELECT list, id, status, error FROM pg_temp.results(usertrack.ingest(jsonb_build_object('batch', jsonb_build_array(
    jsonb_build_object('id', 'ok1', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create',
                       'body', jsonb_build_object('id', 't3', 'userId', 'carol')),
    jsonb_build_object('id', repeat('x', 801), 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create', 'body', '{}'::jsonb),
    jsonb_build_object('id', E'a\rb', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create', 'body', '{}'::jsonb),
    jsonb_build_object('id', 'n-id', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create', 'body', '[]'::jsonb),
    jsonb_build_object('id', 'no-offset', 'timestamp', '2026-03-03T00:00:00', 'type', 'trace-create', 'body', '{}'::jsonb),
    jsonb_build_object('id', 'feb30', 'timestamp', '2026-02-30T00:00:00Z', 'type', 'trace-create', 'body', '{}'::jsonb),
    jsonb_build_object('id', 'num-ts', 'timestamp', 1700000000, 'type', 'trace-create', 'body', '{}'::jsonb),
    jsonb_build_object('id', 'no-type', 'timestamp', '2026-03-03T00:00:00Z', 'body', '{}'::jsonb),
    jsonb_build_object('id', 'user-num', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create',
                       'body', jsonb_build_object('id', 't4', 'userId', 42)),
    jsonb_build_object('id', 'user-long', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create',
                       'body', jsonb_build_object('id', 't4', 'userId', repeat('u', 1025))),
    jsonb_build_object('id', 'user-nul', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create',
                       'body', jsonb_build_object('id', 't4', 'userId', 'a' || chr(1) || 'b', 'sessionId', 7)),
    jsonb_build_object('id', 'tags', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'trace-create',
                       'body', jsonb_build_object('id', 't4', 'tags', jsonb_build_array('a', 1))),
    jsonb_build_object('id', 'level', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'span-create',
                       'body', jsonb_build_object('id', 'x1', 'traceId', 't3', 'level', 'error')),
    jsonb_build_object('id', 'frac', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x2', 'traceId', 't3', 'usage', jsonb_build_object('input', 1.5))),
    jsonb_build_object('id', 'usage-str', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x3', 'traceId', 't3', 'usage', 'many')),
    jsonb_build_object('id', 'cost-neg', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x4', 'traceId', 't3', 'usage', jsonb_build_object('totalCost', -1))),
    jsonb_build_object('id', 'huge', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x5', 'traceId', 't3', 'usage', jsonb_build_object('total', 1e30))),
    jsonb_build_object('id', 'end-ts', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'span-create',
                       'body', jsonb_build_object('id', 'x6', 'traceId', 't3', 'endTime', 'soon')),
    jsonb_build_object('id', 'params', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x7', 'traceId', 't3', 'modelParameters', '[1]'::jsonb)),
    jsonb_build_object('id', 'legacy-type', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'observation-create',
                       'body', jsonb_build_object('id', 'x8', 'traceId', 't3')),
    jsonb_build_object('id', 'sum-big', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'generation-create',
                       'body', jsonb_build_object('id', 'x10', 'traceId', 't3',
                               'usageDetails', jsonb_build_object('a', 9223372036854775807, 'b', 1))),
    jsonb_build_object('id', 'score-huge', 'timestamp', '2026-03-03T00:00:00Z', 'type', 'score-create',
                       'body', jsonb_build_object('id', 'x11', 'traceId', 't3', 'name', 'n', 'value', '1e400'::jsonb)),
    jsonb_build_object('id', 'ok2', 'timestamp', '2026-03-03T00:00:01Z', 'type', 'span-create',
                       'body', jsonb_build_object('id', 'x9', 'traceId', 't3', 'name', E'it''s; DROP TABLE x; --'))
))));
SELECT id, user_id FROM usertrack.traces WHERE id IN ('t3', 't4') ORDER BY id;
SELECT id, name FROM usertrack.observations WHERE trace_id = 't3' ORDER BY id;

-- bad batches: an error, and nothing written
SELECT count(*) AS traces_before FROM usertrack.traces;
SELECT pg_temp.try($$SELECT usertrack.ingest('[]')$$) AS not_an_object;
SELECT pg_temp.try($$SELECT usertrack.ingest('{"events": []}')$$) AS no_batch;
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": {"id": 1}}')$$) AS batch_not_array;
SELECT pg_temp.try($$SELECT usertrack.ingest('"batch"')$$) AS a_string;
SELECT usertrack.ingest(NULL) IS NULL AS null_in_null_out;
SELECT usertrack.ingest('{"batch": []}') AS empty_batch;
SELECT count(*) AS traces_after FROM usertrack.traces;
SELECT usertrack.ingest_environment(e) AS environment, e AS sent
  FROM (VALUES ('Production'), ('langfuse-langfuse_dev'), ('langfuse'), ('a b'), (NULL),
               (repeat('x', 50)), ('staging_2')) v(e);

------------------------------------------------------------------------
-- 5. Deferred mode, and a writer role
------------------------------------------------------------------------
SET usertrack.maintenance = deferred;
SELECT count(*) FILTER (WHERE list = 'success') AS successes FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "df1", "timestamp": "2026-03-04T00:00:00Z", "type": "trace-create", "body": {"id": "t5", "userId": "dora"}},
 {"id": "df2", "timestamp": "2026-03-04T00:00:01Z", "type": "generation-create",
  "body": {"id": "g5", "traceId": "t5", "usage": {"input": 4, "output": 6}, "costDetails": {"total": 0.5}}}
]}$$));
SELECT user_id, total_events, total_tokens, model_cost FROM usertrack.all_users WHERE user_id = 'dora';
SELECT count(*) AS differences FROM usertrack.verify();
RESET usertrack.maintenance;
CALL usertrack.refresh();
SELECT count(*) AS differences FROM usertrack.verify();

CREATE ROLE usertrack_test_ingest;
SELECT usertrack.grant_writer('usertrack_test_ingest');
CREATE ROLE usertrack_test_nobody;
GRANT USAGE ON SCHEMA usertrack TO usertrack_test_nobody;
SET ROLE usertrack_test_ingest;
SELECT count(*) FILTER (WHERE list = 'success') AS successes FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "w1", "timestamp": "2026-03-04T00:00:00Z", "type": "trace-create", "body": {"id": "t6", "userId": "erin"}}
]}$$));
SET ROLE usertrack_test_nobody;
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": []}')$$) AS without_grant;
RESET ROLE;
SELECT user_id, total_events FROM usertrack.all_users WHERE user_id = 'erin';
DROP OWNED BY usertrack_test_ingest, usertrack_test_nobody;
DROP ROLE usertrack_test_ingest, usertrack_test_nobody;

TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;

-- token counts written with a zero fraction (120.0) are counts: the fuzzer
-- found that they reached the bigint columns as '120.0000' and failed the
-- whole batch (test/fuzz/regressions/)
SELECT list, count(*) FROM pg_temp.results(usertrack.ingest($${"batch": [
 {"id": "fz1", "timestamp": "2026-03-05T00:00:00Z", "type": "trace-create", "body": {"id": "t7", "userId": "fred"}},
 {"id": "fz2", "timestamp": "2026-03-05T00:00:01Z", "type": "generation-create",
  "body": {"id": "g7", "traceId": "t7", "usage": {"input": 120.0000, "output": 3.0}}},
 {"id": "fz3", "timestamp": "2026-03-05T00:00:02Z", "type": "generation-create",
  "body": {"id": "g8", "traceId": "t7", "usageDetails": {"input": 1e2, "output": 2.50}}}
]}$$)) GROUP BY list ORDER BY list;
SELECT id, input_tokens, output_tokens, total_tokens, usage_details FROM usertrack.observations ORDER BY id;
SELECT count(*) AS differences FROM usertrack.verify();
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
