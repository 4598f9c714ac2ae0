-- usertrack.ingest_otlp(): OTLP/HTTP JSON trace exports.  First the export
-- the real Langfuse JS v5 SDK sent (@langfuse/tracing with @langfuse/otel,
-- test/sdk/langfuse-v5.mjs; regenerate with scripts/capture-fixtures.sh),
-- then spans with the OpenTelemetry GenAI and OpenInference attributes, a
-- span with status ERROR, a late root span, and rejected spans.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET timezone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/test/fixtures/langfuse-v5'
\set e1 `cat :fixtures/export-01.json`
\set sent `cat :fixtures/sent.json`

\i :abs_srcdir/test/sql/try.sql

-- each user's totals against what an SDK script says it sent
CREATE FUNCTION pg_temp.sent_matches(sent jsonb)
RETURNS TABLE (user_id text, traces_match boolean, observations_match boolean,
               tokens_match boolean, errors_match boolean, cost_match boolean)
LANGUAGE sql AS $$
SELECT u.key,
       (u.value ->> 'traces')::bigint = a.total_events,
       (u.value ->> 'observations')::bigint = a.total_observations,
       (u.value ->> 'total_tokens')::bigint = a.total_tokens,
       (u.value ->> 'errors')::bigint = a.errors,
       CASE WHEN u.value ? 'priced' THEN a.model_cost > 0
            ELSE (u.value ->> 'model_cost')::numeric = a.model_cost END
  FROM jsonb_each(sent -> 'users') u
  LEFT JOIN usertrack.all_users a ON a.user_id = u.key
 ORDER BY 1
$$;

------------------------------------------------------------------------
-- 1. The Langfuse v5 SDK's export
------------------------------------------------------------------------
SELECT usertrack.ingest_otlp(:'e1') AS response;
SELECT user_id, total_events, total_observations, input_tokens, output_tokens, total_tokens,
       model_cost, errors, sessions
  FROM usertrack.all_users ORDER BY user_id;
SELECT user_id, name, session_id, tags, input, output FROM usertrack.traces ORDER BY user_id;
SELECT o.type, o.name, o.model, o.level, o.status_message, o.input_tokens, o.output_tokens,
       o.total_tokens, o.total_cost, o.computed_total_cost > 0 AS priced,
       o.parent_observation_id IS NOT NULL AS has_parent
  FROM usertrack.observations o JOIN usertrack.traces t ON t.id = o.trace_id
 ORDER BY t.user_id, o.start_time, o.name;
SELECT * FROM pg_temp.sent_matches(:'sent');
-- sent again: nothing changes
SELECT usertrack.ingest_otlp(:'e1') AS response;
SELECT user_id, total_events, total_observations, total_tokens, model_cost FROM usertrack.all_users ORDER BY 1;
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 2. GenAI and OpenInference attributes, status ERROR, a late root span
------------------------------------------------------------------------
SELECT usertrack.ingest_otlp($${"resourceSpans": [{
  "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bot"}},
                              {"key": "service.version", "value": {"stringValue": "2.1.0"}},
                              {"key": "deployment.environment.name", "value": {"stringValue": "Staging"}}]},
  "scopeSpans": [{"scope": {"name": "my-app"}, "spans": [
    {"traceId": "0AF7651916CD43DD8448EB211C80319C", "spanId": "b7ad6b7169203331",
     "parentSpanId": "00f067aa0ba902b7", "name": "chat gpt-4o",
     "startTimeUnixNano": "1772359200000000000", "endTimeUnixNano": "1772359201500000000",
     "status": {"code": 2, "message": "rate limited"},
     "attributes": [
       {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
       {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
       {"key": "gen_ai.response.model", "value": {"stringValue": "gpt-4o-2024-08-06"}},
       {"key": "gen_ai.request.temperature", "value": {"doubleValue": 0.3}},
       {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
       {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 300}},
       {"key": "gen_ai.usage.cache_read_input_tokens", "value": {"intValue": 200}},
       {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv-1"}},
       {"key": "user.id", "value": {"stringValue": "frank"}},
       {"key": "error.type", "value": {"stringValue": "429"}}]},
    {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "c1d2e3f4a5b6c7d8",
     "parentSpanId": "00f067aa0ba902b7", "name": "retrieve",
     "startTimeUnixNano": 1772359200100000000, "endTimeUnixNano": "1772359200200000000",
     "attributes": [
       {"key": "openinference.span.kind", "value": {"stringValue": "RETRIEVER"}},
       {"key": "input.value", "value": {"stringValue": "{\"query\": \"refund\"}"}},
       {"key": "output.value", "value": {"stringValue": "three documents"}}]},
    {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "d1d2e3f4a5b6c7d8",
     "parentSpanId": "00f067aa0ba902b7", "name": "llm",
     "startTimeUnixNano": "1772359200300000000", "endTimeUnixNano": "1772359200900000000",
     "attributes": [
       {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
       {"key": "llm.model_name", "value": {"stringValue": "claude-3-5-haiku-20241022"}},
       {"key": "llm.token_count.prompt", "value": {"intValue": 50}},
       {"key": "llm.token_count.completion", "value": {"intValue": 10}},
       {"key": "llm.token_count.total", "value": {"intValue": 60}},
       {"key": "llm.cost.total", "value": {"doubleValue": 0.0001}}]}
  ]}]}]}$$) AS response;
-- the root span arrives later: the trace's name and timestamp (the
-- children's start, written first, stays), tags from a comma list
SELECT usertrack.ingest_otlp($${"resourceSpans": [{"scopeSpans": [{"spans": [
    {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "00f067aa0ba902b7",
     "name": "support-bot", "startTimeUnixNano": "1772359199000000000",
     "endTimeUnixNano": "1772359202000000000",
     "attributes": [{"key": "langfuse.trace.tags", "value": {"stringValue": "support, beta"}},
                    {"key": "langfuse.trace.metadata.plan", "value": {"stringValue": "pro"}}]}
  ]}]}]}$$) AS response;
SELECT id, "timestamp", name, user_id, session_id, tags, metadata, environment, version
  FROM usertrack.traces WHERE id = '0af7651916cd43dd8448eb211c80319c';
SELECT id, type, name, model, model_parameters, level, status_message, input_tokens, output_tokens,
       total_tokens, usage_details, total_cost, input, output
  FROM usertrack.observations WHERE trace_id = '0af7651916cd43dd8448eb211c80319c' ORDER BY start_time;
SELECT user_id, total_events, total_observations, input_tokens, output_tokens, total_tokens,
       model_cost, errors, sessions
  FROM usertrack.all_users WHERE user_id = 'frank';
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 3. Rejected spans, bad exports
------------------------------------------------------------------------
SELECT usertrack.ingest_otlp($${"resourceSpans": [{"scopeSpans": [{"spans": [
    {"traceId": "not-hex", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad", "startTimeUnixNano": "1772359200000000000"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "e7ad6b7169203331"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "f7ad6b7169203331", "startTimeUnixNano": "99999999999999999999"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "a7ad6b7169203331", "parentSpanId": "xyz",
     "startTimeUnixNano": "1772359200000000000"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "97ad6b7169203331",
     "startTimeUnixNano": "1772359200000000000",
     "attributes": [{"key": "user.id", "value": {"stringValue": "grace"}},
                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": -5}}]}
  ]}]}]}$$) AS response;
SELECT user_id, total_events, total_observations, total_tokens FROM usertrack.all_users WHERE user_id = 'grace';
SELECT usertrack.ingest_otlp('{"resourceSpans": []}') AS empty, usertrack.ingest_otlp('{}') AS nothing;
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('[]')$$) AS not_an_object;
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('{"resourceSpans": {}}')$$) AS not_an_array;
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 4. Plain OpenTelemetry: the OTLP/HTTP JSON exporter with GenAI and
--    OpenInference attributes (test/sdk/otel-genai.mjs)
------------------------------------------------------------------------
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
\set ofixtures :abs_srcdir '/test/fixtures/otel-genai'
\set o1 `cat :ofixtures/export-01.json`
\set osent `cat :ofixtures/sent.json`
SELECT usertrack.ingest_otlp(:'o1') AS response;
SELECT user_id, name, session_id, environment, version FROM usertrack.traces ORDER BY user_id;
SELECT o.type, o.name, o.model, o.level, o.status_message, o.input_tokens, o.output_tokens,
       o.total_tokens, o.usage_details, o.total_cost, o.computed_total_cost > 0 AS priced,
       o.input, o.output
  FROM usertrack.observations o JOIN usertrack.traces t ON t.id = o.trace_id
 ORDER BY t.user_id, o.start_time, o.name;
SELECT * FROM pg_temp.sent_matches(:'osent');
SELECT count(*) AS differences FROM usertrack.verify();

TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;

-- a span whose trace part is refused lands not at all; counts with a zero
-- fraction (30.0) are counts; a bad time, an all-zero id, an unknown level,
-- non-array attributes, and malformed scopeSpans and spans are reported
SELECT usertrack.ingest_otlp(($${"resourceSpans": [
 {"scopeSpans": [{"spans": [
  {"traceId": "0123456789abcdef0123456789abcdef", "spanId": "0123456789abcdef", "name": "ok",
   "startTimeUnixNano": "1772668800000000000", "endTimeUnixNano": "1772668801000000000",
   "attributes": [{"key": "user.id", "value": {"stringValue": "gina"}},
                  {"key": "gen_ai.usage.input_tokens", "value": {"doubleValue": 30.0}},
                  {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "4"}}]},
  {"traceId": "1123456789abcdef0123456789abcdef", "spanId": "1123456789abcdef", "name": "long user",
   "startTimeUnixNano": "1772668800000000000",
   "attributes": [{"key": "user.id", "value": {"stringValue": "$$ || repeat('u', 1025) || $$"}}]},
  {"traceId": "2123456789abcdef0123456789abcdef", "spanId": "2123456789abcdef", "name": "bad end",
   "startTimeUnixNano": "1772668800000000000", "endTimeUnixNano": "abc"},
  {"traceId": "00000000000000000000000000000000", "spanId": "3123456789abcdef", "name": "zero trace",
   "startTimeUnixNano": "1772668800000000000"},
  {"traceId": "4123456789abcdef0123456789abcdef", "spanId": "0000000000000000", "name": "zero span",
   "startTimeUnixNano": "1772668800000000000"},
  {"traceId": "5123456789abcdef0123456789abcdef", "spanId": "5123456789abcdef", "name": "panic",
   "startTimeUnixNano": "1772668800000000000",
   "attributes": [{"key": "langfuse.observation.level", "value": {"stringValue": "PANIC"}}]},
  {"traceId": "6123456789abcdef0123456789abcdef", "spanId": "6123456789abcdef", "name": "attrs",
   "startTimeUnixNano": "1772668800000000000", "attributes": 5}]},
  {"spans": 5}, 7]},
 {"scopeSpans": 5}
]}$$)::jsonb) AS response;
SELECT o.id, o.trace_id, o.name, o.input_tokens, o.output_tokens, t.user_id
  FROM usertrack.observations o LEFT JOIN usertrack.traces t ON t.id = o.trace_id ORDER BY o.id;
SELECT count(*) AS differences FROM usertrack.verify();
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;

-- an attribute that looks like JSON but holds \u0000 (which text cannot
-- hold) is kept as the string it is, not parsed: it once failed the whole
-- export in jsonb_in (found in review); an all-zero parentSpanId is no parent
SELECT usertrack.ingest_otlp($${"resourceSpans": [{"scopeSpans": [{"spans": [
  {"traceId": "7123456789abcdef0123456789abcdef", "spanId": "7123456789abcdef", "name": "nul",
   "parentSpanId": "0000000000000000", "startTimeUnixNano": "1772668800000000000",
   "attributes": [{"key": "user.id", "value": {"stringValue": "ivy"}},
                  {"key": "langfuse.observation.input", "value": {"stringValue": "{\"a\": \"\\u0000\"}"}}]}]}]}]}$$) AS response;
SELECT o.id, o.parent_observation_id, o.input, t.name AS trace_name
  FROM usertrack.observations o JOIN usertrack.traces t ON t.id = o.trace_id;
SELECT count(*) AS differences FROM usertrack.verify();
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;

-- a level that is not a string, and attributes whose elements are not
-- {"key", "value"} objects, reject their span
SELECT usertrack.ingest_otlp($${"resourceSpans": [{"scopeSpans": [{"spans": [
  {"traceId": "8123456789abcdef0123456789abcdef", "spanId": "8123456789abcdef", "startTimeUnixNano": "1772668800000000000",
   "attributes": [{"key": "langfuse.observation.level", "value": {"intValue": 3}}]},
  {"traceId": "9123456789abcdef0123456789abcdef", "spanId": "9123456789abcdef", "startTimeUnixNano": "1772668800000000000",
   "attributes": [5, {"key": 7, "value": {"stringValue": "x"}}]}]}]}]}$$) AS response;
SELECT count(*) AS observations FROM usertrack.observations;
