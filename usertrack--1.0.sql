/* usertrack--1.0.sql: input tables, maintained totals, views, verify and rebuild */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION usertrack" to load this file. \quit

-- The control file says schema = pg_catalog, so this script creates the
-- schema itself: it becomes a member of the extension, and a schema that
-- already exists makes CREATE EXTENSION fail instead of being reused.
CREATE SCHEMA usertrack;
COMMENT ON SCHEMA usertrack IS
  'usertrack: per-user analytics of LLM traces, observations and scores';

------------------------------------------------------------------------------
-- Validation of input rows.  Each table has one CHECK constraint that calls
-- a C function: it raises an error naming the row and the column (a plain
-- CHECK could only name the constraint), and costs one call per row.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.trace_is_valid(
    id text, user_id text, session_id text, "timestamp" timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_trace_is_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.trace_is_valid(text, text, text, timestamptz) IS
  'Validates a trace row for the CHECK constraint of usertrack.traces; raises an error naming the row and column, else returns true';

CREATE FUNCTION usertrack.observation_is_valid(
    id text, trace_id text, parent_observation_id text, type text, level text,
    start_time timestamptz, end_time timestamptz,
    completion_start_time timestamptz,
    input_tokens bigint, output_tokens bigint, total_tokens bigint,
    input_cost numeric, output_cost numeric, total_cost numeric,
    computed_input_cost numeric, computed_output_cost numeric,
    computed_total_cost numeric)
RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_observation_is_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.observation_is_valid(text, text, text, text, text, timestamptz, timestamptz, timestamptz, bigint, bigint, bigint, numeric, numeric, numeric, numeric, numeric, numeric) IS
  'Validates an observation row for the CHECK constraint of usertrack.observations; raises an error naming the row and column, else returns true';

CREATE FUNCTION usertrack.score_is_valid(
    id text, trace_id text, observation_id text, session_id text,
    value double precision, string_value text, data_type text, source text,
    "timestamp" timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_score_is_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.score_is_valid(text, text, text, text, double precision, text, text, text, timestamptz) IS
  'Validates a score row for the CHECK constraint of usertrack.scores; raises an error naming the row and column, else returns true';

------------------------------------------------------------------------------
-- Input tables, written by the application.
------------------------------------------------------------------------------

CREATE TABLE usertrack.traces (
    id              text COLLATE "C" PRIMARY KEY,
    "timestamp"     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    name            text,
    user_id         text COLLATE "C",
    session_id      text COLLATE "C",
    tags            text[] NOT NULL DEFAULT '{}',
    metadata        jsonb,
    input           jsonb,
    output          jsonb,
    release         text,
    version         text,
    environment     text NOT NULL DEFAULT 'default',
    CONSTRAINT traces_valid
        CHECK (usertrack.trace_is_valid(id, user_id, session_id, "timestamp"))
);
CREATE INDEX traces_user_time ON usertrack.traces (user_id, "timestamp");
CREATE INDEX traces_user_session_time
    ON usertrack.traces (user_id, session_id, "timestamp");

COMMENT ON TABLE usertrack.traces IS
  'One request or conversation turn of the application; written by the application';
COMMENT ON COLUMN usertrack.traces.id IS 'Trace id chosen by the client (1 to 1024 bytes)';
COMMENT ON COLUMN usertrack.traces."timestamp" IS 'When the trace started; its UTC day dates everything under the trace';
COMMENT ON COLUMN usertrack.traces.name IS 'Name of the trace';
COMMENT ON COLUMN usertrack.traces.user_id IS 'End user of the trace; NULL or empty means no user';
COMMENT ON COLUMN usertrack.traces.session_id IS 'Conversation (session) of the trace; NULL or empty means no session';
COMMENT ON COLUMN usertrack.traces.tags IS 'Tags of the trace';
COMMENT ON COLUMN usertrack.traces.metadata IS 'Free-form metadata';
COMMENT ON COLUMN usertrack.traces.input IS 'Input of the trace';
COMMENT ON COLUMN usertrack.traces.output IS 'Output of the trace';
COMMENT ON COLUMN usertrack.traces.release IS 'Release of the application that wrote the trace';
COMMENT ON COLUMN usertrack.traces.version IS 'Version of the trace';
COMMENT ON COLUMN usertrack.traces.environment IS 'Environment, such as production or staging';

CREATE TABLE usertrack.observations (
    id                      text COLLATE "C" PRIMARY KEY,
    trace_id                text COLLATE "C" NOT NULL,
    parent_observation_id   text COLLATE "C",
    type                    text NOT NULL DEFAULT 'SPAN',
    name                    text,
    start_time              timestamptz NOT NULL DEFAULT pg_catalog.now(),
    end_time                timestamptz,
    completion_start_time   timestamptz,
    model                   text,
    model_parameters        jsonb,
    input_tokens            bigint,
    output_tokens           bigint,
    total_tokens            bigint,
    usage_details           jsonb,
    input_cost              numeric,
    output_cost             numeric,
    total_cost              numeric,
    cost_details            jsonb,
    level                   text NOT NULL DEFAULT 'DEFAULT',
    status_message          text,
    metadata                jsonb,
    input                   jsonb,
    output                  jsonb,
    computed_input_cost     numeric,
    computed_output_cost    numeric,
    computed_total_cost     numeric,
    price_id                bigint,
    unpriced_usage          text[],
    CONSTRAINT observations_valid
        CHECK (usertrack.observation_is_valid(id, trace_id,
               parent_observation_id, type, level, start_time, end_time,
               completion_start_time, input_tokens, output_tokens,
               total_tokens, input_cost, output_cost, total_cost,
               computed_input_cost, computed_output_cost,
               computed_total_cost))
);
CREATE INDEX observations_trace ON usertrack.observations (trace_id);

COMMENT ON TABLE usertrack.observations IS
  'Steps inside a trace (generations, spans, events, tool calls...); written by the application. No foreign key: an observation may arrive before its trace';
COMMENT ON COLUMN usertrack.observations.id IS 'Observation id chosen by the client (1 to 1024 bytes)';
COMMENT ON COLUMN usertrack.observations.trace_id IS 'Trace the observation belongs to; the trace may arrive later';
COMMENT ON COLUMN usertrack.observations.parent_observation_id IS 'Enclosing observation, if any';
COMMENT ON COLUMN usertrack.observations.type IS 'SPAN, GENERATION, EVENT, AGENT, TOOL, CHAIN, RETRIEVER, EVALUATOR, EMBEDDING or GUARDRAIL';
COMMENT ON COLUMN usertrack.observations.name IS 'Name of the step';
COMMENT ON COLUMN usertrack.observations.start_time IS 'When the step started';
COMMENT ON COLUMN usertrack.observations.end_time IS 'When the step ended; NULL counts as start_time for latency';
COMMENT ON COLUMN usertrack.observations.completion_start_time IS 'When the model started answering (time to first token)';
COMMENT ON COLUMN usertrack.observations.model IS 'Model name of a generation';
COMMENT ON COLUMN usertrack.observations.model_parameters IS 'Model parameters such as temperature';
COMMENT ON COLUMN usertrack.observations.input_tokens IS 'Input (prompt) tokens, zero or more';
COMMENT ON COLUMN usertrack.observations.output_tokens IS 'Output (completion) tokens, zero or more';
COMMENT ON COLUMN usertrack.observations.total_tokens IS 'Total tokens, zero or more; when NULL the total is input plus output';
COMMENT ON COLUMN usertrack.observations.usage_details IS 'Other usage kinds, such as cached or reasoning tokens: a JSON object of counts of zero or more';
COMMENT ON COLUMN usertrack.observations.input_cost IS 'Input cost supplied by the client, finite and zero or more';
COMMENT ON COLUMN usertrack.observations.output_cost IS 'Output cost supplied by the client, finite and zero or more';
COMMENT ON COLUMN usertrack.observations.total_cost IS 'Total cost supplied by the client, finite and zero or more; wins over input plus output';
COMMENT ON COLUMN usertrack.observations.cost_details IS 'Cost per usage kind supplied by the client';
COMMENT ON COLUMN usertrack.observations.level IS 'DEBUG, DEFAULT, WARNING or ERROR; ERROR counts as an error';
COMMENT ON COLUMN usertrack.observations.status_message IS 'Status or error message';
COMMENT ON COLUMN usertrack.observations.metadata IS 'Free-form metadata';
COMMENT ON COLUMN usertrack.observations.input IS 'Input of the step';
COMMENT ON COLUMN usertrack.observations.output IS 'Output of the step';
COMMENT ON COLUMN usertrack.observations.computed_input_cost IS 'Cost of the usage kinds whose name contains "input", computed from usertrack.model_prices; NULL when unpriced';
COMMENT ON COLUMN usertrack.observations.computed_output_cost IS 'Cost of the usage kinds whose name contains "output", computed from usertrack.model_prices; NULL when unpriced';
COMMENT ON COLUMN usertrack.observations.computed_total_cost IS 'Total cost computed from usertrack.model_prices; counts when the client supplied no cost; NULL when the model has no price or no usage';
COMMENT ON COLUMN usertrack.observations.price_id IS 'The usertrack.model_prices row (model, version and tier) that priced the observation; 0 when it has a model and usage but no price matched; NULL when there is nothing to price';
COMMENT ON COLUMN usertrack.observations.unpriced_usage IS 'Usage kinds with a count but no price in the tier that priced the observation; they cost nothing';

CREATE TABLE usertrack.scores (
    id              text COLLATE "C" PRIMARY KEY,
    trace_id        text COLLATE "C",
    observation_id  text COLLATE "C",
    session_id      text COLLATE "C",
    name            text NOT NULL,
    value           double precision,
    string_value    text,
    data_type       text NOT NULL DEFAULT 'NUMERIC',
    source          text NOT NULL DEFAULT 'API',
    comment         text,
    "timestamp"     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    metadata        jsonb,
    CONSTRAINT scores_valid
        CHECK (usertrack.score_is_valid(id, trace_id, observation_id,
               session_id, value, string_value, data_type, source,
               "timestamp"))
);
CREATE INDEX scores_trace ON usertrack.scores (trace_id);

COMMENT ON TABLE usertrack.scores IS
  'Quality feedback on a trace or an observation; written by the application';
COMMENT ON COLUMN usertrack.scores.id IS 'Score id chosen by the client (1 to 1024 bytes)';
COMMENT ON COLUMN usertrack.scores.trace_id IS 'Trace the score judges; NULL or empty for session- or dataset-level scores, which count for no user';
COMMENT ON COLUMN usertrack.scores.observation_id IS 'Observation the score judges, if any';
COMMENT ON COLUMN usertrack.scores.session_id IS 'Session the score judges, if any';
COMMENT ON COLUMN usertrack.scores.name IS 'Name of the score, such as helpfulness';
COMMENT ON COLUMN usertrack.scores.value IS 'Value of a NUMERIC score, or 0/1 for a BOOLEAN one';
COMMENT ON COLUMN usertrack.scores.string_value IS 'Category of a CATEGORICAL score';
COMMENT ON COLUMN usertrack.scores.data_type IS 'NUMERIC, BOOLEAN or CATEGORICAL';
COMMENT ON COLUMN usertrack.scores.source IS 'API, ANNOTATION or EVAL';
COMMENT ON COLUMN usertrack.scores.comment IS 'Free-text comment';
COMMENT ON COLUMN usertrack.scores."timestamp" IS 'When the score was given';
COMMENT ON COLUMN usertrack.scores.metadata IS 'Free-form metadata';

-- pg_dump keeps the rows of the input tables; the maintained tables are
-- not dumped, since restoring the input rows fires the triggers again.
SELECT pg_catalog.pg_extension_config_dump('usertrack.traces', '');
SELECT pg_catalog.pg_extension_config_dump('usertrack.observations', '');
SELECT pg_catalog.pg_extension_config_dump('usertrack.scores', '');

------------------------------------------------------------------------------
-- Model prices.  One row per pricing tier of a price version; a version is
-- the rows sharing (model_name, source, start_date, match_pattern).  The
-- shipped rows (source 'default', ids below 1000000) are read-only outside
-- CREATE and ALTER EXTENSION; the operator's rows (source 'operator') are
-- kept by pg_dump.  See docs/cost.md.
------------------------------------------------------------------------------

CREATE TABLE usertrack.model_prices (
    id                bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000001)
                      PRIMARY KEY,
    model_name        text NOT NULL,
    match_pattern     text NOT NULL,
    start_date        timestamptz NOT NULL DEFAULT '-infinity',
    tier              text NOT NULL DEFAULT 'default',
    tier_priority     integer NOT NULL DEFAULT 0,
    usage_pattern     text,
    usage_operator    text,
    usage_threshold   numeric,
    parameter_key     text,
    parameter_values  text[],
    input_price       numeric,
    output_price      numeric,
    usage_prices      jsonb NOT NULL DEFAULT '{}',
    source            text NOT NULL DEFAULT 'operator',
    note              text,
    CONSTRAINT model_prices_tier_unique
        UNIQUE (model_name, source, start_date, match_pattern, tier)
);
-- one tier without conditions (the default tier) per version
CREATE UNIQUE INDEX model_prices_one_default
    ON usertrack.model_prices (model_name, source, start_date, match_pattern)
 WHERE usage_pattern IS NULL AND parameter_key IS NULL;

COMMENT ON TABLE usertrack.model_prices IS
  'Model prices: one row per pricing tier of a model from a start date; the computed cost of observations comes from here (docs/cost.md)';
COMMENT ON COLUMN usertrack.model_prices.id IS 'Row id; shipped rows have ids below 1000000, your own rows get ids from 1000001';
COMMENT ON COLUMN usertrack.model_prices.model_name IS 'Name of the priced model; an observation whose model equals it (ignoring case) prefers this price';
COMMENT ON COLUMN usertrack.model_prices.match_pattern IS 'Regular expression matched case-insensitively against observations.model';
COMMENT ON COLUMN usertrack.model_prices.start_date IS 'The price applies to observations starting at or after this time (-infinity: always)';
COMMENT ON COLUMN usertrack.model_prices.tier IS 'Name of the pricing tier; the tier without conditions is the default tier';
COMMENT ON COLUMN usertrack.model_prices.tier_priority IS 'Order in which tiers with conditions are tried (ascending); the first whose conditions hold wins, else the default tier';
COMMENT ON COLUMN usertrack.model_prices.usage_pattern IS 'Usage condition: regular expression on usage kind names (case-insensitive); the matching kinds are summed';
COMMENT ON COLUMN usertrack.model_prices.usage_operator IS 'Usage condition: one of >, >=, <, <=, =, <> comparing that sum with usage_threshold';
COMMENT ON COLUMN usertrack.model_prices.usage_threshold IS 'Usage condition: the threshold, e.g. 200000 tokens';
COMMENT ON COLUMN usertrack.model_prices.parameter_key IS 'Parameter condition: a top-level key of observations.model_parameters, e.g. service_tier';
COMMENT ON COLUMN usertrack.model_prices.parameter_values IS 'Parameter condition: the tier applies when the parameter (as text) is one of these values';
COMMENT ON COLUMN usertrack.model_prices.input_price IS 'Price per input token (usage kind "input"), finite and zero or more';
COMMENT ON COLUMN usertrack.model_prices.output_price IS 'Price per output token (usage kind "output"), finite and zero or more';
COMMENT ON COLUMN usertrack.model_prices.usage_prices IS 'Prices per unit of other usage kinds, e.g. {"input_cached_tokens": 0.00000125, "total": 0.00000002, "request": 0.01}';
COMMENT ON COLUMN usertrack.model_prices.source IS '''default'' for the prices shipped with the extension, ''operator'' for your own';
COMMENT ON COLUMN usertrack.model_prices.note IS 'Where the price comes from';

CREATE FUNCTION usertrack.model_prices_check()
RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_model_prices_check'
LANGUAGE C;
COMMENT ON FUNCTION usertrack.model_prices_check() IS
  'Trigger on usertrack.model_prices: validates a row (prices, patterns, conditions) and keeps the shipped rows read-only';
CREATE FUNCTION usertrack.model_prices_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_model_prices_changed'
LANGUAGE C;
COMMENT ON FUNCTION usertrack.model_prices_changed() IS
  'Trigger on usertrack.model_prices: makes every session drop its cache of the prices when the change commits';
REVOKE ALL ON FUNCTION usertrack.model_prices_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION usertrack.model_prices_changed() FROM PUBLIC;

CREATE TRIGGER check_row BEFORE INSERT OR UPDATE OR DELETE
    ON usertrack.model_prices
    FOR EACH ROW EXECUTE FUNCTION usertrack.model_prices_check();
CREATE TRIGGER check_truncate BEFORE TRUNCATE ON usertrack.model_prices
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.model_prices_check();
CREATE TRIGGER invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON usertrack.model_prices
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.model_prices_changed();

-- pg_dump keeps the operator's rows; the shipped ones come with the script
SELECT pg_catalog.pg_extension_config_dump('usertrack.model_prices',
                                           'WHERE source = ''operator''');
SELECT pg_catalog.pg_extension_config_dump('usertrack.model_prices_id_seq', '');

CREATE TYPE usertrack.computed_cost AS (
    input_cost      numeric,
    output_cost     numeric,
    total_cost      numeric,
    price_id        bigint,
    unpriced_usage  text[]
);
COMMENT ON TYPE usertrack.computed_cost IS
  'A cost computed from usertrack.model_prices, as stored in the computed_* columns of usertrack.observations';

CREATE FUNCTION usertrack.compute_cost(
    model text, start_time timestamptz, model_parameters jsonb DEFAULT NULL,
    input_tokens bigint DEFAULT NULL, output_tokens bigint DEFAULT NULL,
    total_tokens bigint DEFAULT NULL, usage_details jsonb DEFAULT NULL)
RETURNS usertrack.computed_cost
AS 'MODULE_PATHNAME', 'usertrack_compute_cost'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION usertrack.compute_cost(text, timestamptz, jsonb, bigint, bigint, bigint, jsonb) IS
  'The cost that usertrack.model_prices gives today for a model at a time with that usage (price_id 0 and NULL costs when no price matches; all NULL without model or usage)';
-- it reveals prices: whoever may read usertrack.model_prices may call it
REVOKE ALL ON FUNCTION usertrack.compute_cost(text, timestamptz, jsonb, bigint, bigint, bigint, jsonb) FROM PUBLIC;

CREATE FUNCTION usertrack.observation_cost()
RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_observation_cost'
LANGUAGE C;
COMMENT ON FUNCTION usertrack.observation_cost() IS
  'BEFORE trigger on usertrack.observations: stores the computed cost of a row when it is inserted or its model, time, parameters or usage change';
REVOKE ALL ON FUNCTION usertrack.observation_cost() FROM PUBLIC;

CREATE TRIGGER price BEFORE INSERT OR UPDATE ON usertrack.observations
    FOR EACH ROW EXECUTE FUNCTION usertrack.observation_cost();

CREATE FUNCTION usertrack.recalculate_costs(
    model_pattern text DEFAULT NULL, from_time timestamptz DEFAULT NULL,
    to_time timestamptz DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'usertrack_recalculate_costs'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION usertrack.recalculate_costs(text, timestamptz, timestamptz) IS
  'Recomputes the computed cost of the observations whose model matches model_pattern (case-insensitive; NULL: all) and that start in [from_time, to_time), with today''s prices; every total follows; returns how many observations changed';
REVOKE ALL ON FUNCTION usertrack.recalculate_costs(text, timestamptz, timestamptz) FROM PUBLIC;

CREATE VIEW usertrack.unpriced_models AS
SELECT o.model,
       pg_catalog.count(*) AS observations,
       pg_catalog.count(*) FILTER (WHERE o.total_cost IS NULL
                                     AND o.input_cost IS NULL
                                     AND o.output_cost IS NULL) AS without_cost,
       pg_catalog.sum(COALESCE(o.input_tokens, 0)) AS input_tokens,
       pg_catalog.sum(COALESCE(o.output_tokens, 0)) AS output_tokens,
       pg_catalog.sum(COALESCE(o.total_tokens,
             COALESCE(o.input_tokens, 0) OPERATOR(pg_catalog.+) COALESCE(o.output_tokens, 0))) AS total_tokens,
       pg_catalog.min(o.start_time) AS first_seen,
       pg_catalog.max(o.start_time) AS last_seen
  FROM usertrack.observations o
 WHERE o.price_id OPERATOR(pg_catalog.=) 0
 GROUP BY o.model;
COMMENT ON VIEW usertrack.unpriced_models IS
  'Models seen in observations with usage but no price (when they were written or last recalculated); reads every observation';
COMMENT ON COLUMN usertrack.unpriced_models.model IS 'Model name as the client sent it';
COMMENT ON COLUMN usertrack.unpriced_models.observations IS 'Observations of the model with usage and no computed cost';
COMMENT ON COLUMN usertrack.unpriced_models.without_cost IS 'Of those, the ones without a supplied cost: they count as cost 0';
COMMENT ON COLUMN usertrack.unpriced_models.input_tokens IS 'Their input tokens';
COMMENT ON COLUMN usertrack.unpriced_models.output_tokens IS 'Their output tokens';
COMMENT ON COLUMN usertrack.unpriced_models.total_tokens IS 'Their total tokens';
COMMENT ON COLUMN usertrack.unpriced_models.first_seen IS 'Earliest start_time';
COMMENT ON COLUMN usertrack.unpriced_models.last_seen IS 'Latest start_time';

CREATE VIEW usertrack.unpriced_usage AS
SELECT o.model, k.usage_kind,
       pg_catalog.count(*) AS observations,
       pg_catalog.min(o.start_time) AS first_seen,
       pg_catalog.max(o.start_time) AS last_seen
  FROM usertrack.observations o,
       LATERAL pg_catalog.unnest(o.unpriced_usage) AS k(usage_kind)
 WHERE o.unpriced_usage IS NOT NULL
 GROUP BY o.model, k.usage_kind;
COMMENT ON VIEW usertrack.unpriced_usage IS
  'Usage kinds that had a count but no price in the tier that priced the observation, per model; reads every observation';
COMMENT ON COLUMN usertrack.unpriced_usage.model IS 'Model name as the client sent it';
COMMENT ON COLUMN usertrack.unpriced_usage.usage_kind IS 'The usage kind without a price, e.g. input_audio_tokens';
COMMENT ON COLUMN usertrack.unpriced_usage.observations IS 'Observations with that kind unpriced';
COMMENT ON COLUMN usertrack.unpriced_usage.first_seen IS 'Earliest start_time';
COMMENT ON COLUMN usertrack.unpriced_usage.last_seen IS 'Latest start_time';

------------------------------------------------------------------------------
-- Analytics types (sketch.c, rollup.c).  A latency sketch is a histogram over
-- logarithmic buckets 1% wide (DDSketch's, never collapsed): its counts are
-- exact, so sketches add up exactly, and a percentile read from one is within
-- 1% of the true value.  A rollup is the totals of a group of traces with
-- their latency sketch.  Both print as JSON.
------------------------------------------------------------------------------

CREATE TYPE usertrack.latency_sketch;
CREATE FUNCTION usertrack.latency_sketch_in(cstring) RETURNS usertrack.latency_sketch
AS 'MODULE_PATHNAME', 'usertrack_sketch_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.latency_sketch_out(usertrack.latency_sketch) RETURNS cstring
AS 'MODULE_PATHNAME', 'usertrack_sketch_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE usertrack.latency_sketch (
    INPUT = usertrack.latency_sketch_in,
    OUTPUT = usertrack.latency_sketch_out,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE usertrack.latency_sketch IS
  'Mergeable latency histogram: [bucket, count] pairs over buckets 1% wide (bucket k holds latencies in (g^(k-1), g^k] seconds, g = 1.01/0.99; bucket -32768 holds zero). Percentiles read from it are within 1% of the exact value';

CREATE FUNCTION usertrack.sketch_add(a usertrack.latency_sketch, b usertrack.latency_sketch)
RETURNS usertrack.latency_sketch
AS 'MODULE_PATHNAME', 'usertrack_sketch_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.sketch_add(usertrack.latency_sketch, usertrack.latency_sketch) IS
  'The sum of two sketches (NULL is the empty sketch); NULL when the sum is empty';

CREATE FUNCTION usertrack.sketch_eq(usertrack.latency_sketch, usertrack.latency_sketch)
RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_sketch_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR usertrack.= (
    LEFTARG = usertrack.latency_sketch, RIGHTARG = usertrack.latency_sketch,
    FUNCTION = usertrack.sketch_eq, COMMUTATOR = OPERATOR(usertrack.=)
);

CREATE FUNCTION usertrack.latency_percentile(sketch usertrack.latency_sketch, fraction double precision)
RETURNS interval
AS 'MODULE_PATHNAME', 'usertrack_sketch_percentile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.latency_percentile(usertrack.latency_sketch, double precision) IS
  'The latency of rank ceil(fraction * n) (what percentile_disc(fraction) returns), within 1%; NULL for an empty sketch';

CREATE FUNCTION usertrack.latency_count(sketch usertrack.latency_sketch)
RETURNS bigint
AS 'MODULE_PATHNAME', 'usertrack_sketch_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.latency_count(usertrack.latency_sketch) IS
  'How many latencies the sketch holds';

CREATE FUNCTION usertrack.latency_bucket(latency interval)
RETURNS integer
AS 'MODULE_PATHNAME', 'usertrack_latency_bucket' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.latency_bucket(interval) IS
  'The sketch bucket of a latency (a month counts 30 days, as in EXTRACT(epoch))';

CREATE FUNCTION usertrack.rollup_state_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_rollup_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_state_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'usertrack_rollup_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_state_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_rollup_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION usertrack.latency_sketch_trans(internal, interval) RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_sketch_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION usertrack.sketch_merge_trans(internal, usertrack.latency_sketch) RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_sketch_merge_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION usertrack.latency_sketch_final(internal) RETURNS usertrack.latency_sketch
AS 'MODULE_PATHNAME', 'usertrack_sketch_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE usertrack.latency_sketch(latency interval) (
    SFUNC = usertrack.latency_sketch_trans, STYPE = internal,
    FINALFUNC = usertrack.latency_sketch_final,
    COMBINEFUNC = usertrack.rollup_state_combine,
    SERIALFUNC = usertrack.rollup_state_serialize,
    DESERIALFUNC = usertrack.rollup_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE usertrack.latency_sketch(interval) IS
  'The sketch of a set of latencies (NULLs skipped); NULL when there is none';

CREATE AGGREGATE usertrack.sketch_merge(usertrack.latency_sketch) (
    SFUNC = usertrack.sketch_merge_trans, STYPE = internal,
    FINALFUNC = usertrack.latency_sketch_final,
    COMBINEFUNC = usertrack.rollup_state_combine,
    SERIALFUNC = usertrack.rollup_state_serialize,
    DESERIALFUNC = usertrack.rollup_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE usertrack.sketch_merge(usertrack.latency_sketch) IS
  'The sum of sketches: the sketch of all their latencies together';

CREATE TYPE usertrack.rollup;
CREATE FUNCTION usertrack.rollup_in(cstring) RETURNS usertrack.rollup
AS 'MODULE_PATHNAME', 'usertrack_rollup_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_out(usertrack.rollup) RETURNS cstring
AS 'MODULE_PATHNAME', 'usertrack_rollup_out' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE TYPE usertrack.rollup (
    INPUT = usertrack.rollup_in,
    OUTPUT = usertrack.rollup_out,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE usertrack.rollup IS
  'Totals of a group of traces: traces, observations, input, output and total tokens, exact model cost, errors, first and last event, and a latency sketch. rollup(...) computes one from per-trace rows, rollup_merge() merges them';

CREATE FUNCTION usertrack.rollup_eq(usertrack.rollup, usertrack.rollup) RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_rollup_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR usertrack.= (
    LEFTARG = usertrack.rollup, RIGHTARG = usertrack.rollup,
    FUNCTION = usertrack.rollup_eq, COMMUTATOR = OPERATOR(usertrack.=)
);

CREATE FUNCTION usertrack.rollup_trans(internal, timestamptz, bigint, bigint, bigint,
                                       bigint, numeric, bigint, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_rollup_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_merge_trans(internal, usertrack.rollup) RETURNS internal
AS 'MODULE_PATHNAME', 'usertrack_rollup_merge_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_final(internal) RETURNS usertrack.rollup
AS 'MODULE_PATHNAME', 'usertrack_rollup_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE usertrack.rollup(trace_time timestamptz, observations bigint,
                                  input_tokens bigint, output_tokens bigint,
                                  total_tokens bigint, model_cost numeric,
                                  errors bigint, latency interval) (
    SFUNC = usertrack.rollup_trans, STYPE = internal,
    FINALFUNC = usertrack.rollup_final,
    COMBINEFUNC = usertrack.rollup_state_combine,
    SERIALFUNC = usertrack.rollup_state_serialize,
    DESERIALFUNC = usertrack.rollup_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE usertrack.rollup(timestamptz, bigint, bigint, bigint, bigint, numeric, bigint, interval) IS
  'The rollup of per-trace rows (a trace''s timestamp and the totals of its observations, as in usertrack.user_traces); rows with a NULL trace_time are skipped, other NULLs count as zero or, for latency, as none';

CREATE AGGREGATE usertrack.rollup_merge(usertrack.rollup) (
    SFUNC = usertrack.rollup_merge_trans, STYPE = internal,
    FINALFUNC = usertrack.rollup_final,
    COMBINEFUNC = usertrack.rollup_state_combine,
    SERIALFUNC = usertrack.rollup_state_serialize,
    DESERIALFUNC = usertrack.rollup_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE usertrack.rollup_merge(usertrack.rollup) IS
  'Merges rollups: exactly the rollup of the union of their traces';

CREATE FUNCTION usertrack.make_rollup(traces bigint, observations bigint,
                                      input_tokens bigint, output_tokens bigint,
                                      total_tokens bigint, model_cost numeric,
                                      errors bigint, first_event timestamptz,
                                      last_event timestamptz,
                                      latency usertrack.latency_sketch)
RETURNS usertrack.rollup
AS 'MODULE_PATHNAME', 'usertrack_make_rollup' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.make_rollup(bigint, bigint, bigint, bigint, bigint, numeric, bigint, timestamptz, timestamptz, usertrack.latency_sketch) IS
  'A rollup from stored totals, such as a row of usertrack.user_daily_totals';

CREATE FUNCTION usertrack.rollup_field(usertrack.rollup, integer) RETURNS bigint
AS 'MODULE_PATHNAME', 'usertrack_rollup_field' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.rollup_event(usertrack.rollup, boolean) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'usertrack_rollup_event' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION usertrack.traces(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 0);
CREATE FUNCTION usertrack.observations(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 1);
CREATE FUNCTION usertrack.input_tokens(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 2);
CREATE FUNCTION usertrack.output_tokens(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 3);
CREATE FUNCTION usertrack.total_tokens(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 4);
CREATE FUNCTION usertrack.errors(r usertrack.rollup) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_field(r, 5);
CREATE FUNCTION usertrack.model_cost(r usertrack.rollup) RETURNS numeric
AS 'MODULE_PATHNAME', 'usertrack_rollup_model_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.first_event(r usertrack.rollup) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_event(r, false);
CREATE FUNCTION usertrack.last_event(r usertrack.rollup) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN usertrack.rollup_event(r, true);
CREATE FUNCTION usertrack.latency(r usertrack.rollup) RETURNS usertrack.latency_sketch
AS 'MODULE_PATHNAME', 'usertrack_rollup_latency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION usertrack.latency_percentile(r usertrack.rollup, fraction double precision)
RETURNS interval
AS 'MODULE_PATHNAME', 'usertrack_rollup_percentile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.latency_sketch_in(cstring) IS 'Input function of usertrack.latency_sketch (JSON [[bucket, count], ...])';
COMMENT ON FUNCTION usertrack.latency_sketch_out(usertrack.latency_sketch) IS 'Output function of usertrack.latency_sketch';
COMMENT ON FUNCTION usertrack.sketch_eq(usertrack.latency_sketch, usertrack.latency_sketch) IS 'Whether two sketches hold the same counts';
COMMENT ON FUNCTION usertrack.rollup_in(cstring) IS 'Input function of usertrack.rollup (a JSON object)';
COMMENT ON FUNCTION usertrack.rollup_out(usertrack.rollup) IS 'Output function of usertrack.rollup';
COMMENT ON FUNCTION usertrack.rollup_eq(usertrack.rollup, usertrack.rollup) IS 'Whether two rollups hold the same totals, events and latency counts';
COMMENT ON FUNCTION usertrack.rollup_field(usertrack.rollup, integer) IS 'Support function of the count accessors';
COMMENT ON FUNCTION usertrack.rollup_event(usertrack.rollup, boolean) IS 'Support function of first_event() and last_event()';
COMMENT ON FUNCTION usertrack.rollup_trans(internal, timestamptz, bigint, bigint, bigint, bigint, numeric, bigint, interval) IS 'Transition function of usertrack.rollup(...)';
COMMENT ON FUNCTION usertrack.rollup_merge_trans(internal, usertrack.rollup) IS 'Transition function of usertrack.rollup_merge()';
COMMENT ON FUNCTION usertrack.rollup_final(internal) IS 'Final function of usertrack.rollup(...) and rollup_merge()';
COMMENT ON FUNCTION usertrack.latency_sketch_trans(internal, interval) IS 'Transition function of usertrack.latency_sketch()';
COMMENT ON FUNCTION usertrack.sketch_merge_trans(internal, usertrack.latency_sketch) IS 'Transition function of usertrack.sketch_merge()';
COMMENT ON FUNCTION usertrack.latency_sketch_final(internal) IS 'Final function of usertrack.latency_sketch() and sketch_merge()';
COMMENT ON FUNCTION usertrack.rollup_state_combine(internal, internal) IS 'Combine function of the rollup and sketch aggregates (parallel plans)';
COMMENT ON FUNCTION usertrack.rollup_state_serialize(internal) IS 'Serialize function of the rollup and sketch aggregates (parallel plans)';
COMMENT ON FUNCTION usertrack.rollup_state_deserialize(bytea, internal) IS 'Deserialize function of the rollup and sketch aggregates (parallel plans)';
COMMENT ON FUNCTION usertrack.traces(usertrack.rollup) IS 'Traces of a rollup';
COMMENT ON FUNCTION usertrack.observations(usertrack.rollup) IS 'Observations of a rollup';
COMMENT ON FUNCTION usertrack.input_tokens(usertrack.rollup) IS 'Input tokens of a rollup';
COMMENT ON FUNCTION usertrack.output_tokens(usertrack.rollup) IS 'Output tokens of a rollup';
COMMENT ON FUNCTION usertrack.total_tokens(usertrack.rollup) IS 'Total tokens of a rollup';
COMMENT ON FUNCTION usertrack.errors(usertrack.rollup) IS 'Observations at level ERROR of a rollup';
COMMENT ON FUNCTION usertrack.model_cost(usertrack.rollup) IS 'Model cost of a rollup (exact)';
COMMENT ON FUNCTION usertrack.first_event(usertrack.rollup) IS 'Earliest trace timestamp of a rollup; NULL when unknown';
COMMENT ON FUNCTION usertrack.last_event(usertrack.rollup) IS 'Latest trace timestamp of a rollup; NULL when unknown';
COMMENT ON FUNCTION usertrack.latency(usertrack.rollup) IS 'Latency sketch of a rollup; NULL when it has no latency';
COMMENT ON FUNCTION usertrack.latency_percentile(usertrack.rollup, double precision) IS
  'Trace latency percentile of a rollup, within 1%';

------------------------------------------------------------------------------
-- Maintained tables, written only by the triggers (as the extension owner).
-- Every rollup has the same measures, so that one code path keeps them all.
-- The user key '' holds the traces without a user: it makes global totals a
-- sum over user_totals, and it is filtered out of every per-user view.
------------------------------------------------------------------------------

-- A trace's latency (SPEC section 4): from the earliest observation start to
-- the latest end, never negative; NULL without observations.  One
-- definition for the views, the writer and the analytics; verify()'s
-- recomputation spells it out on its own.
CREATE FUNCTION usertrack.trace_latency(first_start timestamptz, last_end timestamptz)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN first_start IS NOT NULL AND last_end IS NOT NULL
            THEN GREATEST(last_end OPERATOR(pg_catalog.-) first_start, '0'::pg_catalog.interval) END;
COMMENT ON FUNCTION usertrack.trace_latency(timestamptz, timestamptz) IS
  'A trace''s latency from its first observation start and last observation end: never negative, NULL without observations (inlined by the planner)';

CREATE TABLE usertrack.trace_totals (
    trace_id        text COLLATE "C" PRIMARY KEY,
    present         boolean NOT NULL DEFAULT false,
    user_id         text COLLATE "C",
    session_id      text COLLATE "C",
    day             date,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    first_start     timestamptz,
    last_end        timestamptz,
    prior_latency   interval,
    bucket          timestamptz
) WITH (fillfactor = 85);
COMMENT ON TABLE usertrack.trace_totals IS
  'Maintained: one row per trace id that has a trace, observations or scores. Every writer passes through it, which serialises a trace with the observations and scores that race it';
COMMENT ON COLUMN usertrack.trace_totals.trace_id IS 'Trace id';
COMMENT ON COLUMN usertrack.trace_totals.present IS 'Whether the trace row exists; observations and scores of an absent trace count for nobody yet';
COMMENT ON COLUMN usertrack.trace_totals.user_id IS 'User of the trace, '''' for none; NULL while the trace is absent';
COMMENT ON COLUMN usertrack.trace_totals.session_id IS 'Non-empty session of the trace, else NULL';
COMMENT ON COLUMN usertrack.trace_totals.day IS 'UTC day of the trace timestamp';
COMMENT ON COLUMN usertrack.trace_totals.observations IS 'Observations with this trace id';
COMMENT ON COLUMN usertrack.trace_totals.input_tokens IS 'Sum of input tokens of those observations';
COMMENT ON COLUMN usertrack.trace_totals.output_tokens IS 'Sum of output tokens of those observations';
COMMENT ON COLUMN usertrack.trace_totals.total_tokens IS 'Sum of total tokens of those observations';
COMMENT ON COLUMN usertrack.trace_totals.model_cost IS 'Sum of cost of those observations';
COMMENT ON COLUMN usertrack.trace_totals.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.trace_totals.scores IS 'Scores with this trace id';
COMMENT ON COLUMN usertrack.trace_totals.first_start IS 'Earliest start_time of the observations';
COMMENT ON COLUMN usertrack.trace_totals.last_end IS 'Latest coalesce(end_time, start_time) of the observations';
COMMENT ON COLUMN usertrack.trace_totals.bucket IS '15-minute usage bucket of the trace timestamp (usertrack.usage_bucket()); NULL while the trace is absent';
COMMENT ON COLUMN usertrack.trace_totals.prior_latency IS 'Internal: the trace latency (last_end - first_start) before the last statement that changed the row, so that the per-day sketches can move the trace from its old bucket to its new one';

CREATE TABLE usertrack.user_totals (
    user_id         text COLLATE "C" PRIMARY KEY,
    first_event     timestamptz,
    last_event      timestamptz,
    traces          bigint NOT NULL DEFAULT 0,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    sessions        bigint NOT NULL DEFAULT 0,
    active_days     bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 80);
-- Top-N pages of all_users come from these indexes (all_users excludes '').
CREATE INDEX user_totals_model_cost ON usertrack.user_totals (model_cost) WHERE user_id <> '';
CREATE INDEX user_totals_total_tokens ON usertrack.user_totals (total_tokens) WHERE user_id <> '';
CREATE INDEX user_totals_traces ON usertrack.user_totals (traces) WHERE user_id <> '';
CREATE INDEX user_totals_last_event ON usertrack.user_totals (last_event) WHERE user_id <> '';
COMMENT ON TABLE usertrack.user_totals IS
  'Maintained: one row per user with at least one trace; user '''' holds the traces without a user';
COMMENT ON COLUMN usertrack.user_totals.user_id IS 'User id, '''' for traces without a user';
COMMENT ON COLUMN usertrack.user_totals.first_event IS 'Earliest trace timestamp';
COMMENT ON COLUMN usertrack.user_totals.last_event IS 'Latest trace timestamp';
COMMENT ON COLUMN usertrack.user_totals.traces IS 'Traces';
COMMENT ON COLUMN usertrack.user_totals.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_totals.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_totals.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_totals.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_totals.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_totals.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_totals.scores IS 'Scores of those traces';
COMMENT ON COLUMN usertrack.user_totals.sessions IS 'Rows of user_session_totals of the user';
COMMENT ON COLUMN usertrack.user_totals.active_days IS 'Rows of user_daily_totals of the user';

CREATE TABLE usertrack.user_session_totals (
    user_id         text COLLATE "C" NOT NULL,
    session_id      text COLLATE "C" NOT NULL,
    first_event     timestamptz,
    last_event      timestamptz,
    traces          bigint NOT NULL DEFAULT 0,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, session_id)
) WITH (fillfactor = 80);
CREATE INDEX user_session_totals_recent
    ON usertrack.user_session_totals (user_id, last_event);
COMMENT ON TABLE usertrack.user_session_totals IS
  'Maintained: one row per (user, non-empty session) with at least one trace';
COMMENT ON COLUMN usertrack.user_session_totals.user_id IS 'User id, '''' for traces without a user';
COMMENT ON COLUMN usertrack.user_session_totals.session_id IS 'Session id';
COMMENT ON COLUMN usertrack.user_session_totals.first_event IS 'Earliest trace timestamp';
COMMENT ON COLUMN usertrack.user_session_totals.last_event IS 'Latest trace timestamp';
COMMENT ON COLUMN usertrack.user_session_totals.traces IS 'Traces';
COMMENT ON COLUMN usertrack.user_session_totals.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_session_totals.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_session_totals.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_session_totals.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_session_totals.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_session_totals.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_session_totals.scores IS 'Scores of those traces';

CREATE TABLE usertrack.user_daily_totals (
    user_id         text COLLATE "C" NOT NULL,
    day             date NOT NULL,
    traces          bigint NOT NULL DEFAULT 0,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    latency         usertrack.latency_sketch,
    PRIMARY KEY (user_id, day)
) WITH (fillfactor = 80);
COMMENT ON TABLE usertrack.user_daily_totals IS
  'Maintained: one row per (user, UTC day) with at least one trace';
COMMENT ON COLUMN usertrack.user_daily_totals.user_id IS 'User id, '''' for traces without a user';
COMMENT ON COLUMN usertrack.user_daily_totals.day IS 'UTC day of the trace timestamps';
COMMENT ON COLUMN usertrack.user_daily_totals.traces IS 'Traces';
COMMENT ON COLUMN usertrack.user_daily_totals.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_daily_totals.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_daily_totals.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_daily_totals.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_daily_totals.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_daily_totals.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_daily_totals.scores IS 'Scores of those traces';
COMMENT ON COLUMN usertrack.user_daily_totals.latency IS 'Latency sketch of those traces that have observations (trace latency: last observation end minus first observation start); NULL when none has';

-- The start of the 15-minute usage bucket of a time (from 2000-01-01 UTC):
-- the same as the C triggers' usertrack_bucket().
CREATE FUNCTION usertrack.usage_bucket(ts timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.date_bin('15 minutes'::interval, ts, '2000-01-01 00:00:00+00'::timestamptz);
COMMENT ON FUNCTION usertrack.usage_bucket(timestamptz) IS
  'Start of the 15-minute usage bucket of a time, counted from 2000-01-01 00:00 UTC';

CREATE TABLE usertrack.user_usage_buckets (
    user_id         text COLLATE "C" NOT NULL,
    bucket          timestamptz NOT NULL,
    traces          bigint NOT NULL DEFAULT 0,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, bucket)
) WITH (fillfactor = 80);
COMMENT ON TABLE usertrack.user_usage_buckets IS
  'Maintained: one row per (user, 15-minute bucket of trace timestamps) with at least one trace; with user_daily_totals it answers any window of a user, to the quarter hour (usage_between, user_usage, check_budget, alert rules)';
COMMENT ON COLUMN usertrack.user_usage_buckets.user_id IS 'User id, '''' for traces without a user';
COMMENT ON COLUMN usertrack.user_usage_buckets.bucket IS 'Start of the 15-minute bucket of the trace timestamps (usertrack.usage_bucket())';
COMMENT ON COLUMN usertrack.user_usage_buckets.traces IS 'Traces';
COMMENT ON COLUMN usertrack.user_usage_buckets.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_usage_buckets.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_usage_buckets.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_usage_buckets.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_usage_buckets.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_usage_buckets.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_usage_buckets.scores IS 'Scores of those traces';

------------------------------------------------------------------------------
-- Deferred mode (usertrack.maintenance = deferred).  A deferred write appends
-- its per-(user, session, day) changes to pending_deltas instead of updating
-- the per-user, per-session and per-day rows; CALL usertrack.refresh() folds
-- the log in.  A user with unfolded log rows is "held": its per-user row is
-- in user_held instead of user_totals, so that user_totals, and the top-N
-- indexes on it, only ever hold finished numbers.  The views add the log to
-- the held users' rows, so they are exact in both modes at every moment.
------------------------------------------------------------------------------

CREATE TABLE usertrack.user_held (
    LIKE usertrack.user_totals INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (user_id)
);
COMMENT ON TABLE usertrack.user_held IS
  'Maintained, deferred mode: the per-user totals, as of the last fold, of users with rows in usertrack.pending_deltas; each user is in user_totals or here, never in both';

CREATE TABLE usertrack.pending_deltas (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         text COLLATE "C" NOT NULL,
    session_id      text COLLATE "C",
    day             date NOT NULL,
    traces          bigint NOT NULL DEFAULT 0,
    observations    bigint NOT NULL DEFAULT 0,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    total_tokens    bigint NOT NULL DEFAULT 0,
    model_cost      numeric NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    scores          bigint NOT NULL DEFAULT 0,
    added_first     timestamptz,
    added_last      timestamptz,
    removed_first   timestamptz,
    removed_last    timestamptz,
    latency         usertrack.latency_sketch,
    logged_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    bucket          timestamptz NOT NULL
);
CREATE INDEX pending_deltas_user ON usertrack.pending_deltas (user_id, session_id, day);
COMMENT ON TABLE usertrack.pending_deltas IS
  'Maintained, deferred mode: insert-only log of changes to the per-user, per-session and per-day totals not folded in yet by usertrack.refresh(); one row per (user, session, day, 15-minute bucket) per statement';
COMMENT ON COLUMN usertrack.pending_deltas.id IS 'Order of the log; the refresh folds the lowest ids first';
COMMENT ON COLUMN usertrack.pending_deltas.user_id IS 'User id, '''' for traces without a user';
COMMENT ON COLUMN usertrack.pending_deltas.session_id IS 'Non-empty session, else NULL';
COMMENT ON COLUMN usertrack.pending_deltas.day IS 'UTC day of the traces';
COMMENT ON COLUMN usertrack.pending_deltas.traces IS 'Change of the number of traces';
COMMENT ON COLUMN usertrack.pending_deltas.observations IS 'Change of the number of observations';
COMMENT ON COLUMN usertrack.pending_deltas.input_tokens IS 'Change of the sum of input tokens';
COMMENT ON COLUMN usertrack.pending_deltas.output_tokens IS 'Change of the sum of output tokens';
COMMENT ON COLUMN usertrack.pending_deltas.total_tokens IS 'Change of the sum of total tokens';
COMMENT ON COLUMN usertrack.pending_deltas.model_cost IS 'Change of the sum of cost';
COMMENT ON COLUMN usertrack.pending_deltas.errors IS 'Change of the number of errors';
COMMENT ON COLUMN usertrack.pending_deltas.scores IS 'Change of the number of scores';
COMMENT ON COLUMN usertrack.pending_deltas.added_first IS 'Earliest trace timestamp added';
COMMENT ON COLUMN usertrack.pending_deltas.added_last IS 'Latest trace timestamp added';
COMMENT ON COLUMN usertrack.pending_deltas.removed_first IS 'Earliest trace timestamp removed: first and last events that it may have been are recomputed (by the views now, by the refresh when it folds the row)';
COMMENT ON COLUMN usertrack.pending_deltas.removed_last IS 'Latest trace timestamp removed';
COMMENT ON COLUMN usertrack.pending_deltas.latency IS 'Change of the latency sketch of the day (counts may be negative)';
COMMENT ON COLUMN usertrack.pending_deltas.logged_at IS 'Start of the writing transaction';
COMMENT ON COLUMN usertrack.pending_deltas.bucket IS '15-minute usage bucket of the traces (within day)';

------------------------------------------------------------------------------
-- Triggers.  Statement-level AFTER triggers with transition tables: one
-- summary write per distinct key per statement.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.traces_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_traces_changed' LANGUAGE C;
COMMENT ON FUNCTION usertrack.traces_changed() IS
  'Trigger: keeps the maintained totals right after INSERT, UPDATE, DELETE and TRUNCATE of usertrack.traces';
CREATE FUNCTION usertrack.observations_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_observations_changed' LANGUAGE C;
COMMENT ON FUNCTION usertrack.observations_changed() IS
  'Trigger: keeps the maintained totals right after INSERT, UPDATE, DELETE and TRUNCATE of usertrack.observations';
CREATE FUNCTION usertrack.scores_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'usertrack_scores_changed' LANGUAGE C;
COMMENT ON FUNCTION usertrack.scores_changed() IS
  'Trigger: keeps the maintained totals right after INSERT, UPDATE, DELETE and TRUNCATE of usertrack.scores';

-- Only the triggers below call these; nobody needs EXECUTE on them (the
-- privilege is checked when a trigger is created, not when it fires).
REVOKE ALL ON FUNCTION usertrack.traces_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION usertrack.observations_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION usertrack.scores_changed() FROM PUBLIC;

CREATE TRIGGER maintain_insert AFTER INSERT ON usertrack.traces
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.traces_changed();
CREATE TRIGGER maintain_update AFTER UPDATE ON usertrack.traces
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.traces_changed();
CREATE TRIGGER maintain_delete AFTER DELETE ON usertrack.traces
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.traces_changed();
CREATE TRIGGER maintain_truncate AFTER TRUNCATE ON usertrack.traces
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.traces_changed();

CREATE TRIGGER maintain_insert AFTER INSERT ON usertrack.observations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.observations_changed();
CREATE TRIGGER maintain_update AFTER UPDATE ON usertrack.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.observations_changed();
CREATE TRIGGER maintain_delete AFTER DELETE ON usertrack.observations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.observations_changed();
CREATE TRIGGER maintain_truncate AFTER TRUNCATE ON usertrack.observations
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.observations_changed();

CREATE TRIGGER maintain_insert AFTER INSERT ON usertrack.scores
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.scores_changed();
CREATE TRIGGER maintain_update AFTER UPDATE ON usertrack.scores
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.scores_changed();
CREATE TRIGGER maintain_delete AFTER DELETE ON usertrack.scores
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.scores_changed();
CREATE TRIGGER maintain_truncate AFTER TRUNCATE ON usertrack.scores
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.scores_changed();

------------------------------------------------------------------------------
-- Rollups: the maintained rows with the unfolded log added.  Every public
-- view reads these.  A settled user comes straight from user_totals (the
-- first branch has no WHERE clause, so PostgreSQL flattens the UNION ALL and
-- a top-N page is a Merge Append over the indexes of user_totals); a held
-- user is its user_held row plus its log rows, with first and last events
-- recomputed through the traces indexes when a log row removed a timestamp,
-- and sessions and active days following the session and day rows that the
-- log makes appear or disappear.
------------------------------------------------------------------------------

-- user_rollup_core: every user key with its additive totals and first and
-- last events exact, and the sessions and active days of its stored rows;
-- held tells whether the log may add sessions or days.  user_rollup adds
-- those in its select list, where PostgreSQL evaluates them after ORDER BY
-- ... LIMIT: a top-N page sums the log once (one hash aggregate), and counts
-- the sessions and days it brings only for the rows it returns.
CREATE VIEW usertrack.user_rollup_core AS
SELECT u.user_id, u.first_event, u.last_event, u.traces, u.observations,
       u.input_tokens, u.output_tokens, u.total_tokens, u.model_cost,
       u.errors, u.scores, u.sessions, u.active_days, false AS held
  FROM usertrack.user_totals u
UNION ALL
SELECT h.user_id,
       CASE WHEN l.removed THEN CASE WHEN h.user_id OPERATOR(pg_catalog.=) '' THEN LEAST((SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id IS NULL), (SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) '')) ELSE (SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) h.user_id) END
            ELSE LEAST(h.first_event, l.added_first) END AS first_event,
       CASE WHEN l.removed THEN CASE WHEN h.user_id OPERATOR(pg_catalog.=) '' THEN GREATEST((SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id IS NULL), (SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) '')) ELSE (SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) h.user_id) END
            ELSE GREATEST(h.last_event, l.added_last) END AS last_event,
       (h.traces OPERATOR(pg_catalog.+) COALESCE(l.traces, 0))::bigint AS traces,
       (h.observations OPERATOR(pg_catalog.+) COALESCE(l.observations, 0))::bigint AS observations,
       (h.input_tokens OPERATOR(pg_catalog.+) COALESCE(l.input_tokens, 0))::bigint AS input_tokens,
       (h.output_tokens OPERATOR(pg_catalog.+) COALESCE(l.output_tokens, 0))::bigint AS output_tokens,
       (h.total_tokens OPERATOR(pg_catalog.+) COALESCE(l.total_tokens, 0))::bigint AS total_tokens,
       pg_catalog.trim_scale(h.model_cost OPERATOR(pg_catalog.+) COALESCE(l.model_cost, 0)) AS model_cost,
       (h.errors OPERATOR(pg_catalog.+) COALESCE(l.errors, 0))::bigint AS errors,
       (h.scores OPERATOR(pg_catalog.+) COALESCE(l.scores, 0))::bigint AS scores,
       h.sessions, h.active_days, true
  FROM usertrack.user_held h
  LEFT JOIN (SELECT p.user_id,
                    pg_catalog.sum(p.traces) AS traces,
                    pg_catalog.sum(p.observations) AS observations,
                    pg_catalog.sum(p.input_tokens) AS input_tokens,
                    pg_catalog.sum(p.output_tokens) AS output_tokens,
                    pg_catalog.sum(p.total_tokens) AS total_tokens,
                    pg_catalog.sum(p.errors) AS errors,
                    pg_catalog.sum(p.scores) AS scores,
                    pg_catalog.sum(p.model_cost) AS model_cost,
                    pg_catalog.min(p.added_first) AS added_first,
                    pg_catalog.max(p.added_last) AS added_last,
                    pg_catalog.bool_or(p.removed_first IS NOT NULL) AS removed
               FROM usertrack.pending_deltas p
              GROUP BY p.user_id) l
    ON l.user_id OPERATOR(pg_catalog.=) h.user_id
 WHERE h.traces OPERATOR(pg_catalog.+) COALESCE(l.traces, 0) OPERATOR(pg_catalog.>) 0;
COMMENT ON VIEW usertrack.user_rollup_core IS
  'Internal: every user key with user_held plus the unfolded log for held users, sessions and active days as stored; user_rollup adds what the log changes in those';
COMMENT ON COLUMN usertrack.user_rollup_core.held IS 'The user is held: its sessions and active days may change with the log';

CREATE VIEW usertrack.user_rollup AS
SELECT c.user_id, c.first_event, c.last_event, c.traces, c.observations,
       c.input_tokens, c.output_tokens, c.total_tokens, c.model_cost,
       c.errors, c.scores,
       CASE WHEN c.held THEN c.sessions OPERATOR(pg_catalog.+)
         (SELECT pg_catalog.count(*) FILTER (WHERE COALESCE(s.traces, 0) OPERATOR(pg_catalog.=) 0 AND g.traces OPERATOR(pg_catalog.>) 0)
                 OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE s.traces OPERATOR(pg_catalog.>) 0 AND s.traces OPERATOR(pg_catalog.+) g.traces OPERATOR(pg_catalog.=) 0)
            FROM (SELECT p.session_id, pg_catalog.sum(p.traces) AS traces
                    FROM usertrack.pending_deltas p
                   WHERE p.user_id OPERATOR(pg_catalog.=) c.user_id AND p.session_id IS NOT NULL
                   GROUP BY p.session_id) g
            LEFT JOIN usertrack.user_session_totals s
              ON s.user_id OPERATOR(pg_catalog.=) c.user_id AND s.session_id OPERATOR(pg_catalog.=) g.session_id)
       ELSE c.sessions END AS sessions,
       CASE WHEN c.held THEN c.active_days OPERATOR(pg_catalog.+)
         (SELECT pg_catalog.count(*) FILTER (WHERE COALESCE(d.traces, 0) OPERATOR(pg_catalog.=) 0 AND g.traces OPERATOR(pg_catalog.>) 0)
                 OPERATOR(pg_catalog.-) pg_catalog.count(*) FILTER (WHERE d.traces OPERATOR(pg_catalog.>) 0 AND d.traces OPERATOR(pg_catalog.+) g.traces OPERATOR(pg_catalog.=) 0)
            FROM (SELECT p.day, pg_catalog.sum(p.traces) AS traces
                    FROM usertrack.pending_deltas p
                   WHERE p.user_id OPERATOR(pg_catalog.=) c.user_id
                   GROUP BY p.day) g
            LEFT JOIN usertrack.user_daily_totals d
              ON d.user_id OPERATOR(pg_catalog.=) c.user_id AND d.day OPERATOR(pg_catalog.=) g.day)
       ELSE c.active_days END AS active_days
  FROM usertrack.user_rollup_core c;
COMMENT ON VIEW usertrack.user_rollup IS
  'Every user key ('''' for traces without a user): user_totals for settled users, user_held plus the unfolded log for held users. The source of all_users and totals';

CREATE VIEW usertrack.user_session_rollup AS
SELECT s.user_id, s.session_id, s.first_event, s.last_event, s.traces,
       s.observations, s.input_tokens, s.output_tokens, s.total_tokens,
       s.model_cost, s.errors, s.scores
  FROM usertrack.user_session_totals s
 WHERE NOT EXISTS (SELECT FROM usertrack.pending_deltas p
                    WHERE p.user_id OPERATOR(pg_catalog.=) s.user_id AND p.session_id OPERATOR(pg_catalog.=) s.session_id)
UNION ALL
SELECT g.user_id, g.session_id,
       CASE WHEN g.removed THEN CASE WHEN g.user_id OPERATOR(pg_catalog.=) '' THEN LEAST((SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id IS NULL AND x.session_id OPERATOR(pg_catalog.=) g.session_id), (SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) '' AND x.session_id OPERATOR(pg_catalog.=) g.session_id)) ELSE (SELECT pg_catalog.min(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) g.user_id AND x.session_id OPERATOR(pg_catalog.=) g.session_id) END
            ELSE LEAST(s.first_event, g.added_first) END,
       CASE WHEN g.removed THEN CASE WHEN g.user_id OPERATOR(pg_catalog.=) '' THEN GREATEST((SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id IS NULL AND x.session_id OPERATOR(pg_catalog.=) g.session_id), (SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) '' AND x.session_id OPERATOR(pg_catalog.=) g.session_id)) ELSE (SELECT pg_catalog.max(x."timestamp") FROM usertrack.traces x WHERE x.user_id OPERATOR(pg_catalog.=) g.user_id AND x.session_id OPERATOR(pg_catalog.=) g.session_id) END
            ELSE GREATEST(s.last_event, g.added_last) END,
       (COALESCE(s.traces, 0) OPERATOR(pg_catalog.+) g.traces)::bigint,
       (COALESCE(s.observations, 0) OPERATOR(pg_catalog.+) g.observations)::bigint,
       (COALESCE(s.input_tokens, 0) OPERATOR(pg_catalog.+) g.input_tokens)::bigint,
       (COALESCE(s.output_tokens, 0) OPERATOR(pg_catalog.+) g.output_tokens)::bigint,
       (COALESCE(s.total_tokens, 0) OPERATOR(pg_catalog.+) g.total_tokens)::bigint,
       pg_catalog.trim_scale(COALESCE(s.model_cost, 0) OPERATOR(pg_catalog.+) g.model_cost),
       (COALESCE(s.errors, 0) OPERATOR(pg_catalog.+) g.errors)::bigint,
       (COALESCE(s.scores, 0) OPERATOR(pg_catalog.+) g.scores)::bigint
  FROM (SELECT p.user_id, p.session_id,
               pg_catalog.sum(p.traces) AS traces,
               pg_catalog.sum(p.observations) AS observations,
               pg_catalog.sum(p.input_tokens) AS input_tokens,
               pg_catalog.sum(p.output_tokens) AS output_tokens,
               pg_catalog.sum(p.total_tokens) AS total_tokens,
               pg_catalog.sum(p.errors) AS errors,
               pg_catalog.sum(p.scores) AS scores,
               pg_catalog.sum(p.model_cost) AS model_cost,
               pg_catalog.min(p.added_first) AS added_first,
               pg_catalog.max(p.added_last) AS added_last,
               pg_catalog.bool_or(p.removed_first IS NOT NULL) AS removed
          FROM usertrack.pending_deltas p
         WHERE p.session_id IS NOT NULL
         GROUP BY p.user_id, p.session_id) g
  LEFT JOIN usertrack.user_session_totals s
    ON s.user_id OPERATOR(pg_catalog.=) g.user_id AND s.session_id OPERATOR(pg_catalog.=) g.session_id
 WHERE COALESCE(s.traces, 0) OPERATOR(pg_catalog.+) g.traces OPERATOR(pg_catalog.>) 0;
COMMENT ON VIEW usertrack.user_session_rollup IS
  'Every (user, session) key: user_session_totals plus the unfolded log. The source of user_sessions';

CREATE VIEW usertrack.user_daily_rollup AS
SELECT d.user_id, d.day, d.traces, d.observations, d.input_tokens,
       d.output_tokens, d.total_tokens, d.model_cost, d.errors, d.scores,
       d.latency
  FROM usertrack.user_daily_totals d
 WHERE NOT EXISTS (SELECT FROM usertrack.pending_deltas p
                    WHERE p.user_id OPERATOR(pg_catalog.=) d.user_id AND p.day OPERATOR(pg_catalog.=) d.day)
UNION ALL
SELECT g.user_id, g.day,
       (COALESCE(d.traces, 0) OPERATOR(pg_catalog.+) g.traces)::bigint,
       (COALESCE(d.observations, 0) OPERATOR(pg_catalog.+) g.observations)::bigint,
       (COALESCE(d.input_tokens, 0) OPERATOR(pg_catalog.+) g.input_tokens)::bigint,
       (COALESCE(d.output_tokens, 0) OPERATOR(pg_catalog.+) g.output_tokens)::bigint,
       (COALESCE(d.total_tokens, 0) OPERATOR(pg_catalog.+) g.total_tokens)::bigint,
       pg_catalog.trim_scale(COALESCE(d.model_cost, 0) OPERATOR(pg_catalog.+) g.model_cost),
       (COALESCE(d.errors, 0) OPERATOR(pg_catalog.+) g.errors)::bigint,
       (COALESCE(d.scores, 0) OPERATOR(pg_catalog.+) g.scores)::bigint,
       usertrack.sketch_add(d.latency, g.latency)
  FROM (SELECT p.user_id, p.day,
               pg_catalog.sum(p.traces) AS traces,
               pg_catalog.sum(p.observations) AS observations,
               pg_catalog.sum(p.input_tokens) AS input_tokens,
               pg_catalog.sum(p.output_tokens) AS output_tokens,
               pg_catalog.sum(p.total_tokens) AS total_tokens,
               pg_catalog.sum(p.errors) AS errors,
               pg_catalog.sum(p.scores) AS scores,
               pg_catalog.sum(p.model_cost) AS model_cost,
               usertrack.sketch_merge(p.latency) AS latency
          FROM usertrack.pending_deltas p
         GROUP BY p.user_id, p.day) g
  LEFT JOIN usertrack.user_daily_totals d
    ON d.user_id OPERATOR(pg_catalog.=) g.user_id AND d.day OPERATOR(pg_catalog.=) g.day
 WHERE COALESCE(d.traces, 0) OPERATOR(pg_catalog.+) g.traces OPERATOR(pg_catalog.>) 0;
COMMENT ON VIEW usertrack.user_daily_rollup IS
  'Every (user, day) key: user_daily_totals plus the unfolded log. The source of user_daily';

------------------------------------------------------------------------------
-- Public views.
------------------------------------------------------------------------------

CREATE VIEW usertrack.all_users AS
SELECT u.user_id,
       u.first_event,
       u.last_event,
       u.traces        AS total_events,
       u.observations  AS total_observations,
       u.input_tokens,
       u.output_tokens,
       u.total_tokens,
       u.model_cost,
       u.sessions,
       u.scores,
       u.errors,
       u.active_days
  FROM usertrack.user_rollup u
 WHERE u.user_id OPERATOR(pg_catalog.<>) '';
COMMENT ON VIEW usertrack.all_users IS 'One row per user with at least one trace';
COMMENT ON COLUMN usertrack.all_users.user_id IS 'User id (traces.user_id)';
COMMENT ON COLUMN usertrack.all_users.first_event IS 'Timestamp of the user''s first trace';
COMMENT ON COLUMN usertrack.all_users.last_event IS 'Timestamp of the user''s latest trace';
COMMENT ON COLUMN usertrack.all_users.total_events IS 'Number of the user''s traces';
COMMENT ON COLUMN usertrack.all_users.total_observations IS 'Observations of the user''s traces';
COMMENT ON COLUMN usertrack.all_users.input_tokens IS 'Sum of input tokens of those observations';
COMMENT ON COLUMN usertrack.all_users.output_tokens IS 'Sum of output tokens of those observations';
COMMENT ON COLUMN usertrack.all_users.total_tokens IS 'Sum of total tokens (total_tokens, else input plus output) of those observations';
COMMENT ON COLUMN usertrack.all_users.model_cost IS 'Sum of observation cost (total_cost, else input_cost plus output_cost, else computed_total_cost from the model prices, else 0)';
COMMENT ON COLUMN usertrack.all_users.sessions IS 'Distinct non-empty session ids among the user''s traces';
COMMENT ON COLUMN usertrack.all_users.scores IS 'Scores of the user''s traces';
COMMENT ON COLUMN usertrack.all_users.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.all_users.active_days IS 'Distinct UTC days with at least one trace';

CREATE VIEW usertrack.user_traces AS
SELECT t.user_id,
       t.id AS trace_id,
       t."timestamp",
       t.name,
       NULLIF(t.session_id, '') AS session_id,
       t.tags,
       t.release,
       t.version,
       t.environment,
       a.observations,
       a.input_tokens,
       a.output_tokens,
       a.total_tokens,
       a.model_cost,
       a.errors,
       a.scores,
       usertrack.trace_latency(a.first_start, a.last_end) AS latency
  FROM usertrack.traces t
  JOIN usertrack.trace_totals a ON a.trace_id OPERATOR(pg_catalog.=) t.id
 WHERE t.user_id OPERATOR(pg_catalog.<>) '';
COMMENT ON VIEW usertrack.user_traces IS 'One row per trace that belongs to a user, with the totals of its observations';
COMMENT ON COLUMN usertrack.user_traces.user_id IS 'User of the trace';
COMMENT ON COLUMN usertrack.user_traces.trace_id IS 'Trace id';
COMMENT ON COLUMN usertrack.user_traces."timestamp" IS 'When the trace started';
COMMENT ON COLUMN usertrack.user_traces.name IS 'Name of the trace';
COMMENT ON COLUMN usertrack.user_traces.session_id IS 'Session of the trace, NULL when none';
COMMENT ON COLUMN usertrack.user_traces.tags IS 'Tags of the trace';
COMMENT ON COLUMN usertrack.user_traces.release IS 'Release of the trace';
COMMENT ON COLUMN usertrack.user_traces.version IS 'Version of the trace';
COMMENT ON COLUMN usertrack.user_traces.environment IS 'Environment of the trace';
COMMENT ON COLUMN usertrack.user_traces.observations IS 'Observations of the trace';
COMMENT ON COLUMN usertrack.user_traces.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_traces.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_traces.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_traces.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_traces.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_traces.scores IS 'Scores of the trace';
COMMENT ON COLUMN usertrack.user_traces.latency IS 'Earliest start_time to latest coalesce(end_time, start_time) of the observations; NULL without observations, never negative';

CREATE VIEW usertrack.user_sessions AS
SELECT s.user_id,
       s.session_id,
       s.first_event,
       s.last_event,
       s.traces,
       s.observations,
       s.input_tokens,
       s.output_tokens,
       s.total_tokens,
       s.model_cost,
       s.errors,
       s.scores,
       s.last_event OPERATOR(pg_catalog.-) s.first_event AS duration
  FROM usertrack.user_session_rollup s
 WHERE s.user_id OPERATOR(pg_catalog.<>) '';
COMMENT ON VIEW usertrack.user_sessions IS 'One row per user and non-empty session';
COMMENT ON COLUMN usertrack.user_sessions.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_sessions.session_id IS 'Session id';
COMMENT ON COLUMN usertrack.user_sessions.first_event IS 'Timestamp of the session''s first trace';
COMMENT ON COLUMN usertrack.user_sessions.last_event IS 'Timestamp of the session''s latest trace';
COMMENT ON COLUMN usertrack.user_sessions.traces IS 'Traces of the user in the session';
COMMENT ON COLUMN usertrack.user_sessions.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_sessions.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_sessions.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_sessions.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_sessions.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_sessions.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_sessions.scores IS 'Scores of those traces';
COMMENT ON COLUMN usertrack.user_sessions.duration IS 'last_event - first_event';

CREATE VIEW usertrack.user_scores AS
SELECT t.user_id,
       s.id AS score_id,
       s."timestamp",
       s.name,
       s.value,
       s.string_value,
       s.data_type,
       s.source,
       s.comment,
       s.trace_id,
       s.observation_id,
       s.session_id
  FROM usertrack.scores s
  JOIN usertrack.traces t ON t.id OPERATOR(pg_catalog.=) s.trace_id
 WHERE t.user_id OPERATOR(pg_catalog.<>) '';
COMMENT ON VIEW usertrack.user_scores IS 'One row per score whose trace belongs to a user';
COMMENT ON COLUMN usertrack.user_scores.user_id IS 'User of the scored trace';
COMMENT ON COLUMN usertrack.user_scores.score_id IS 'Score id';
COMMENT ON COLUMN usertrack.user_scores."timestamp" IS 'When the score was given';
COMMENT ON COLUMN usertrack.user_scores.name IS 'Score name';
COMMENT ON COLUMN usertrack.user_scores.value IS 'Numeric or boolean (0/1) value';
COMMENT ON COLUMN usertrack.user_scores.string_value IS 'Categorical value';
COMMENT ON COLUMN usertrack.user_scores.data_type IS 'NUMERIC, BOOLEAN or CATEGORICAL';
COMMENT ON COLUMN usertrack.user_scores.source IS 'API, ANNOTATION or EVAL';
COMMENT ON COLUMN usertrack.user_scores.comment IS 'Comment';
COMMENT ON COLUMN usertrack.user_scores.trace_id IS 'Scored trace';
COMMENT ON COLUMN usertrack.user_scores.observation_id IS 'Scored observation, if any';
COMMENT ON COLUMN usertrack.user_scores.session_id IS 'Session named by the score, if any';

CREATE VIEW usertrack.user_daily AS
SELECT d.user_id,
       d.day,
       d.traces,
       d.observations,
       d.input_tokens,
       d.output_tokens,
       d.total_tokens,
       d.model_cost,
       d.errors,
       d.scores
  FROM usertrack.user_daily_rollup d
 WHERE d.user_id OPERATOR(pg_catalog.<>) '';
COMMENT ON VIEW usertrack.user_daily IS 'One row per user and UTC day with at least one trace';
COMMENT ON COLUMN usertrack.user_daily.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_daily.day IS 'UTC day of the traces';
COMMENT ON COLUMN usertrack.user_daily.traces IS 'Traces of the user that day';
COMMENT ON COLUMN usertrack.user_daily.observations IS 'Observations of those traces';
COMMENT ON COLUMN usertrack.user_daily.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.user_daily.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.user_daily.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.user_daily.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.user_daily.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_daily.scores IS 'Scores of those traces';

CREATE VIEW usertrack.totals AS
SELECT pg_catalog.count(*) FILTER (WHERE u.user_id OPERATOR(pg_catalog.<>) '') AS users,
       COALESCE(pg_catalog.sum(u.traces), 0) AS total_events,
       COALESCE(pg_catalog.sum(u.observations), 0) AS total_observations,
       COALESCE(pg_catalog.sum(u.input_tokens), 0) AS input_tokens,
       COALESCE(pg_catalog.sum(u.output_tokens), 0) AS output_tokens,
       COALESCE(pg_catalog.sum(u.total_tokens), 0) AS total_tokens,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(u.model_cost), 0)) AS model_cost,
       COALESCE(pg_catalog.sum(u.sessions), 0) AS sessions,
       COALESCE(pg_catalog.sum(u.scores), 0) AS scores,
       COALESCE(pg_catalog.sum(u.errors), 0) AS errors,
       COALESCE(pg_catalog.sum(u.traces) FILTER (WHERE u.user_id OPERATOR(pg_catalog.<>) ''), 0) AS user_events,
       pg_catalog.round(COALESCE(pg_catalog.sum(u.traces) FILTER (WHERE u.user_id OPERATOR(pg_catalog.<>) ''), 0)
             OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(u.traces), 0), 4) AS user_events_share,
       pg_catalog.round(COALESCE(pg_catalog.sum(u.total_tokens) FILTER (WHERE u.user_id OPERATOR(pg_catalog.<>) ''), 0)
             OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(u.total_tokens), 0), 4) AS user_tokens_share,
       pg_catalog.round(COALESCE(pg_catalog.sum(u.model_cost) FILTER (WHERE u.user_id OPERATOR(pg_catalog.<>) ''), 0)
             OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(u.model_cost), 0), 4) AS user_cost_share
  FROM usertrack.user_rollup u;
COMMENT ON VIEW usertrack.totals IS 'One row: totals over all traces, those without a user included, and the share that carries a user id';
COMMENT ON COLUMN usertrack.totals.users IS 'Users with at least one trace';
COMMENT ON COLUMN usertrack.totals.total_events IS 'All traces';
COMMENT ON COLUMN usertrack.totals.total_observations IS 'Observations of all traces (observations whose trace is absent are not counted)';
COMMENT ON COLUMN usertrack.totals.input_tokens IS 'Sum of input tokens';
COMMENT ON COLUMN usertrack.totals.output_tokens IS 'Sum of output tokens';
COMMENT ON COLUMN usertrack.totals.total_tokens IS 'Sum of total tokens';
COMMENT ON COLUMN usertrack.totals.model_cost IS 'Sum of observation cost';
COMMENT ON COLUMN usertrack.totals.sessions IS 'Distinct (user, session) pairs; traces without a user count their sessions under the empty user';
COMMENT ON COLUMN usertrack.totals.scores IS 'Scores of all traces';
COMMENT ON COLUMN usertrack.totals.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.totals.user_events IS 'Traces that carry a user id';
COMMENT ON COLUMN usertrack.totals.user_events_share IS 'user_events / total_events, 4 decimals; NULL without traces';
COMMENT ON COLUMN usertrack.totals.user_tokens_share IS 'Share of total tokens in traces with a user, 4 decimals; NULL without tokens';
COMMENT ON COLUMN usertrack.totals.user_cost_share IS 'Share of model cost in traces with a user, 4 decimals; NULL without cost';

------------------------------------------------------------------------------
-- From-scratch recomputation.  Plain SQL over the input tables, sharing no
-- code with the triggers: verify() compares the views with it, rebuild()
-- materialises it.
------------------------------------------------------------------------------

CREATE VIEW usertrack.recomputed_trace_totals AS
WITH o AS (
    SELECT o.trace_id,
           pg_catalog.count(*) AS observations,
           pg_catalog.sum(COALESCE(o.input_tokens, 0)) AS input_tokens,
           pg_catalog.sum(COALESCE(o.output_tokens, 0)) AS output_tokens,
           pg_catalog.sum(COALESCE(o.total_tokens,
                 COALESCE(o.input_tokens, 0) OPERATOR(pg_catalog.+) COALESCE(o.output_tokens, 0))) AS total_tokens,
           pg_catalog.sum(COALESCE(o.total_cost,
                 CASE WHEN o.input_cost IS NOT NULL OR o.output_cost IS NOT NULL
                      THEN COALESCE(o.input_cost, 0) OPERATOR(pg_catalog.+) COALESCE(o.output_cost, 0) END,
                 o.computed_total_cost,
                 0)) AS model_cost,
           pg_catalog.count(*) FILTER (WHERE o.level OPERATOR(pg_catalog.=) 'ERROR') AS errors,
           pg_catalog.min(o.start_time) AS first_start,
           pg_catalog.max(COALESCE(o.end_time, o.start_time)) AS last_end
      FROM usertrack.observations o
     GROUP BY o.trace_id
), s AS (
    SELECT s.trace_id, pg_catalog.count(*) AS scores
      FROM usertrack.scores s
     WHERE s.trace_id OPERATOR(pg_catalog.<>) ''
     GROUP BY s.trace_id
), t AS (
    SELECT t.id,
           COALESCE(t.user_id, '') AS user_id,
           NULLIF(t.session_id, '') AS session_id,
           t."timestamp",
           (t."timestamp" AT TIME ZONE 'UTC')::pg_catalog.date AS day,
           usertrack.usage_bucket(t."timestamp") AS bucket
      FROM usertrack.traces t
)
SELECT COALESCE(t.id, o.trace_id, s.trace_id) AS trace_id,
       t.id IS NOT NULL AS present,
       t.user_id,
       t.session_id,
       t.day,
       t."timestamp",
       COALESCE(o.observations, 0) AS observations,
       COALESCE(o.input_tokens, 0)::bigint AS input_tokens,
       COALESCE(o.output_tokens, 0)::bigint AS output_tokens,
       COALESCE(o.total_tokens, 0)::bigint AS total_tokens,
       pg_catalog.trim_scale(COALESCE(o.model_cost, 0)) AS model_cost,
       COALESCE(o.errors, 0) AS errors,
       COALESCE(s.scores, 0) AS scores,
       o.first_start,
       o.last_end,
       t.bucket
  FROM t
  FULL JOIN o ON o.trace_id OPERATOR(pg_catalog.=) t.id
  FULL JOIN s ON s.trace_id OPERATOR(pg_catalog.=) COALESCE(t.id, o.trace_id);
COMMENT ON VIEW usertrack.recomputed_trace_totals IS
  'trace_totals computed from scratch from the input tables (slow; for verify and rebuild), plus the trace timestamp';

CREATE VIEW usertrack.recomputed_user_totals AS
SELECT r.user_id,
       pg_catalog.min(r."timestamp") AS first_event,
       pg_catalog.max(r."timestamp") AS last_event,
       pg_catalog.count(*) AS traces,
       pg_catalog.sum(r.observations)::bigint AS observations,
       pg_catalog.sum(r.input_tokens)::bigint AS input_tokens,
       pg_catalog.sum(r.output_tokens)::bigint AS output_tokens,
       pg_catalog.sum(r.total_tokens)::bigint AS total_tokens,
       pg_catalog.trim_scale(pg_catalog.sum(r.model_cost)) AS model_cost,
       pg_catalog.sum(r.errors)::bigint AS errors,
       pg_catalog.sum(r.scores)::bigint AS scores,
       pg_catalog.count(DISTINCT r.session_id) AS sessions,
       pg_catalog.count(DISTINCT r.day) AS active_days
  FROM usertrack.recomputed_trace_totals r
 WHERE r.present
 GROUP BY r.user_id;
COMMENT ON VIEW usertrack.recomputed_user_totals IS
  'user_totals computed from scratch from the input tables (slow; for verify and rebuild)';

CREATE VIEW usertrack.recomputed_user_session_totals AS
SELECT r.user_id,
       r.session_id,
       pg_catalog.min(r."timestamp") AS first_event,
       pg_catalog.max(r."timestamp") AS last_event,
       pg_catalog.count(*) AS traces,
       pg_catalog.sum(r.observations)::bigint AS observations,
       pg_catalog.sum(r.input_tokens)::bigint AS input_tokens,
       pg_catalog.sum(r.output_tokens)::bigint AS output_tokens,
       pg_catalog.sum(r.total_tokens)::bigint AS total_tokens,
       pg_catalog.trim_scale(pg_catalog.sum(r.model_cost)) AS model_cost,
       pg_catalog.sum(r.errors)::bigint AS errors,
       pg_catalog.sum(r.scores)::bigint AS scores
  FROM usertrack.recomputed_trace_totals r
 WHERE r.present AND r.session_id IS NOT NULL
 GROUP BY r.user_id, r.session_id;
COMMENT ON VIEW usertrack.recomputed_user_session_totals IS
  'user_session_totals computed from scratch from the input tables (slow; for verify and rebuild)';

CREATE VIEW usertrack.recomputed_user_daily_totals AS
SELECT r.user_id,
       r.day,
       pg_catalog.count(*) AS traces,
       pg_catalog.sum(r.observations)::bigint AS observations,
       pg_catalog.sum(r.input_tokens)::bigint AS input_tokens,
       pg_catalog.sum(r.output_tokens)::bigint AS output_tokens,
       pg_catalog.sum(r.total_tokens)::bigint AS total_tokens,
       pg_catalog.trim_scale(pg_catalog.sum(r.model_cost)) AS model_cost,
       pg_catalog.sum(r.errors)::bigint AS errors,
       pg_catalog.sum(r.scores)::bigint AS scores,
       usertrack.latency_sketch(CASE WHEN r.first_start IS NOT NULL
                                     THEN GREATEST(r.last_end OPERATOR(pg_catalog.-) r.first_start,
                                                   interval '0') END) AS latency
  FROM usertrack.recomputed_trace_totals r
 WHERE r.present
 GROUP BY r.user_id, r.day;
COMMENT ON VIEW usertrack.recomputed_user_daily_totals IS
  'user_daily_totals computed from scratch from the input tables (slow; for verify and rebuild)';

CREATE VIEW usertrack.recomputed_user_usage_buckets AS
SELECT r.user_id,
       r.bucket,
       pg_catalog.count(*) AS traces,
       pg_catalog.sum(r.observations)::bigint AS observations,
       pg_catalog.sum(r.input_tokens)::bigint AS input_tokens,
       pg_catalog.sum(r.output_tokens)::bigint AS output_tokens,
       pg_catalog.sum(r.total_tokens)::bigint AS total_tokens,
       pg_catalog.trim_scale(pg_catalog.sum(r.model_cost)) AS model_cost,
       pg_catalog.sum(r.errors)::bigint AS errors,
       pg_catalog.sum(r.scores)::bigint AS scores
  FROM usertrack.recomputed_trace_totals r
 WHERE r.present
 GROUP BY r.user_id, r.bucket;
COMMENT ON VIEW usertrack.recomputed_user_usage_buckets IS
  'user_usage_buckets computed from scratch from the input tables (slow; for verify and rebuild)';

CREATE FUNCTION usertrack.verify()
RETURNS TABLE (object text, key text, column_name text, shown text, recomputed text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
-- the estimates of this big comparison are far too high: JIT would take
-- longer than the query
SET jit = off
AS $$
WITH rt AS MATERIALIZED (
    SELECT * FROM usertrack.recomputed_trace_totals
), ru AS (
    SELECT r.user_id, min(r."timestamp") AS first_event, max(r."timestamp") AS last_event,
           count(*) AS total_events, sum(r.observations)::bigint AS total_observations,
           sum(r.input_tokens)::bigint AS input_tokens, sum(r.output_tokens)::bigint AS output_tokens,
           sum(r.total_tokens)::bigint AS total_tokens, sum(r.model_cost) AS model_cost,
           count(DISTINCT r.session_id) AS sessions, sum(r.scores)::bigint AS scores,
           sum(r.errors)::bigint AS errors, count(DISTINCT r.day) AS active_days
      FROM rt r WHERE r.present GROUP BY r.user_id
), pairs AS (
    SELECT 'all_users' AS obj, to_jsonb(COALESCE(a.user_id, b.user_id)) AS k,
           to_jsonb(a) AS shown_row, to_jsonb(b) AS fresh_row
      FROM usertrack.all_users a
      FULL JOIN (SELECT * FROM ru WHERE user_id <> '') b ON b.user_id = a.user_id
    UNION ALL
    SELECT 'user_sessions', jsonb_build_array(COALESCE(a.user_id, b.user_id), COALESCE(a.session_id, b.session_id)),
           to_jsonb(a), to_jsonb(b)
      FROM usertrack.user_sessions a
      FULL JOIN (SELECT r.user_id, r.session_id, min(r."timestamp") AS first_event,
                        max(r."timestamp") AS last_event, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores,
                        max(r."timestamp") - min(r."timestamp") AS duration
                   FROM rt r
                  WHERE r.present AND r.user_id <> '' AND r.session_id IS NOT NULL
                  GROUP BY r.user_id, r.session_id) b
        ON b.user_id = a.user_id AND b.session_id = a.session_id
    UNION ALL
    SELECT 'user_daily', jsonb_build_array(COALESCE(a.user_id, b.user_id), COALESCE(a.day, b.day)),
           to_jsonb(a), to_jsonb(b)
      FROM usertrack.user_daily a
      FULL JOIN (SELECT r.user_id, r.day, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores
                   FROM rt r
                  WHERE r.present AND r.user_id <> ''
                  GROUP BY r.user_id, r.day) b
        ON b.user_id = a.user_id AND b.day = a.day
    UNION ALL
    SELECT 'user_traces', to_jsonb(COALESCE(a.trace_id, b.trace_id)), to_jsonb(a), to_jsonb(b)
      FROM usertrack.user_traces a
      FULL JOIN (SELECT t.user_id, t.id AS trace_id, t."timestamp", t.name,
                        nullif(t.session_id, '') AS session_id, t.tags, t.release,
                        t.version, t.environment, r.observations, r.input_tokens,
                        r.output_tokens, r.total_tokens, r.model_cost, r.errors, r.scores,
                        CASE WHEN r.first_start IS NOT NULL
                             THEN GREATEST(r.last_end - r.first_start, interval '0') END AS latency
                   FROM usertrack.traces t JOIN rt r ON r.trace_id = t.id
                  WHERE t.user_id <> '') b
        ON b.trace_id = a.trace_id
    UNION ALL
    -- the traces without a user, which no per-user view shows
    SELECT 'user_totals', to_jsonb(''::text), to_jsonb(a), to_jsonb(b)
      FROM (SELECT * FROM usertrack.user_rollup WHERE user_id = '') a
      FULL JOIN (SELECT r.user_id, min(r."timestamp") AS first_event,
                        max(r."timestamp") AS last_event, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores,
                        count(DISTINCT r.session_id) AS sessions,
                        count(DISTINCT r.day) AS active_days
                   FROM rt r WHERE r.present AND r.user_id = ''
                  GROUP BY r.user_id) b ON true
    UNION ALL
    -- sessions and days of the traces without a user
    SELECT 'user_session_totals', jsonb_build_array('', COALESCE(a.session_id, b.session_id)),
           to_jsonb(a), to_jsonb(b)
      FROM (SELECT user_id, session_id, first_event, last_event, traces, observations,
                   input_tokens, output_tokens, total_tokens, model_cost, errors, scores
              FROM usertrack.user_session_rollup WHERE user_id = '') a
      FULL JOIN (SELECT r.user_id, r.session_id, min(r."timestamp") AS first_event,
                        max(r."timestamp") AS last_event, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores
                   FROM rt r
                  WHERE r.present AND r.user_id = '' AND r.session_id IS NOT NULL
                  GROUP BY r.user_id, r.session_id) b
        ON b.session_id = a.session_id
    UNION ALL
    SELECT 'user_daily_totals', jsonb_build_array('', COALESCE(a.day, b.day)),
           to_jsonb(a), to_jsonb(b)
      FROM (SELECT * FROM usertrack.user_daily_rollup WHERE user_id = '') a
      FULL JOIN (SELECT r.user_id, r.day, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores
                   FROM rt r
                  WHERE r.present AND r.user_id = ''
                  GROUP BY r.user_id, r.day) b
        ON b.day = a.day
    UNION ALL
    -- the latency sketch of every (user, day), those without a user included
    SELECT 'user_daily_latency', jsonb_build_array(COALESCE(a.user_id, b.user_id), COALESCE(a.day, b.day)),
           to_jsonb(a), to_jsonb(b)
      FROM (SELECT user_id, day, latency FROM usertrack.user_daily_rollup
             WHERE latency IS NOT NULL) a
      FULL JOIN (SELECT r.user_id, r.day,
                        usertrack.latency_sketch(GREATEST(r.last_end - r.first_start, interval '0')) AS latency
                   FROM rt r
                  WHERE r.present AND r.first_start IS NOT NULL
                  GROUP BY r.user_id, r.day) b
        ON b.user_id = a.user_id AND b.day = a.day
    UNION ALL
    -- the 15-minute buckets (with the unfolded log), those without a user included
    SELECT 'user_usage_buckets', jsonb_build_array(COALESCE(a.user_id, b.user_id), COALESCE(a.bucket, b.bucket)),
           to_jsonb(a), to_jsonb(b)
      FROM (SELECT x.user_id, x.bucket, sum(x.traces)::bigint AS traces,
                   sum(x.observations)::bigint AS observations,
                   sum(x.input_tokens)::bigint AS input_tokens,
                   sum(x.output_tokens)::bigint AS output_tokens,
                   sum(x.total_tokens)::bigint AS total_tokens,
                   sum(x.model_cost) AS model_cost, sum(x.errors)::bigint AS errors,
                   sum(x.scores)::bigint AS scores
              FROM (SELECT user_id, bucket, traces, observations, input_tokens, output_tokens,
                           total_tokens, model_cost, errors, scores
                      FROM usertrack.user_usage_buckets
                    UNION ALL
                    SELECT user_id, bucket, traces, observations, input_tokens, output_tokens,
                           total_tokens, model_cost, errors, scores
                      FROM usertrack.pending_deltas) x
             GROUP BY x.user_id, x.bucket
            HAVING sum(x.traces) <> 0 OR sum(x.observations) <> 0 OR sum(x.scores) <> 0) a
      FULL JOIN (SELECT r.user_id, r.bucket, count(*) AS traces,
                        sum(r.observations)::bigint AS observations,
                        sum(r.input_tokens)::bigint AS input_tokens,
                        sum(r.output_tokens)::bigint AS output_tokens,
                        sum(r.total_tokens)::bigint AS total_tokens,
                        sum(r.model_cost) AS model_cost, sum(r.errors)::bigint AS errors,
                        sum(r.scores)::bigint AS scores
                   FROM rt r WHERE r.present
                  GROUP BY r.user_id, r.bucket) b
        ON b.user_id = a.user_id AND b.bucket = a.bucket
    UNION ALL
    SELECT 'user_traits_from_traces', to_jsonb(COALESCE(a.user_id, b.user_id)), to_jsonb(a), to_jsonb(b)
      FROM usertrack.user_traits_from_traces a
      FULL JOIN usertrack.traits_of_traces(NULL) b ON b.user_id = a.user_id
    UNION ALL
    -- every trace row: whom it counts for, and observations and scores
    -- still waiting for their trace
    SELECT 'trace_totals', to_jsonb(COALESCE(a.trace_id, b.trace_id)), to_jsonb(a), to_jsonb(b)
      FROM usertrack.trace_totals a
      FULL JOIN (SELECT r.trace_id, r.present, r.user_id, r.session_id, r.day,
                        r.observations, r.input_tokens, r.output_tokens, r.total_tokens,
                        r.model_cost, r.errors, r.scores, r.first_start, r.last_end, r.bucket
                   FROM rt r) b
        ON b.trace_id = a.trace_id
    UNION ALL
    SELECT 'totals', 'null'::jsonb, to_jsonb(a), to_jsonb(b)
      FROM usertrack.totals a
     CROSS JOIN (SELECT count(*) FILTER (WHERE user_id <> '') AS users,
                        COALESCE(sum(total_events), 0) AS total_events,
                        COALESCE(sum(total_observations), 0) AS total_observations,
                        COALESCE(sum(input_tokens), 0) AS input_tokens,
                        COALESCE(sum(output_tokens), 0) AS output_tokens,
                        COALESCE(sum(total_tokens), 0) AS total_tokens,
                        COALESCE(sum(model_cost), 0) AS model_cost,
                        COALESCE(sum(sessions), 0) AS sessions,
                        COALESCE(sum(scores), 0) AS scores,
                        COALESCE(sum(errors), 0) AS errors,
                        COALESCE(sum(total_events) FILTER (WHERE user_id <> ''), 0) AS user_events,
                        round(COALESCE(sum(total_events) FILTER (WHERE user_id <> ''), 0)
                              / nullif(sum(total_events), 0), 4) AS user_events_share,
                        round(COALESCE(sum(total_tokens) FILTER (WHERE user_id <> ''), 0)
                              / nullif(sum(total_tokens), 0), 4) AS user_tokens_share,
                        round(COALESCE(sum(model_cost) FILTER (WHERE user_id <> ''), 0)
                              / nullif(sum(model_cost), 0), 4) AS user_cost_share
                   FROM ru) b
)
SELECT 'user_held', to_jsonb(h.user_id)::text, '(row)', 'held', 'also settled in user_totals'
  FROM usertrack.user_held h JOIN usertrack.user_totals u ON u.user_id = h.user_id
UNION ALL
SELECT 'pending_deltas', to_jsonb(p.user_id)::text, '(row)', 'log rows', 'user not held'
  FROM (SELECT DISTINCT user_id FROM usertrack.pending_deltas) p
 WHERE NOT EXISTS (SELECT FROM usertrack.user_held h WHERE h.user_id = p.user_id)
UNION ALL
SELECT p.obj, p.k::text, '(row)',
       CASE WHEN p.shown_row IS NULL THEN 'missing' ELSE 'present' END,
       CASE WHEN p.fresh_row IS NULL THEN 'missing' ELSE 'present' END
  FROM pairs p
 WHERE p.shown_row IS NULL OR p.fresh_row IS NULL
UNION ALL
SELECT p.obj, p.k::text, c.col, p.shown_row ->> c.col, p.fresh_row ->> c.col
  FROM pairs p
 CROSS JOIN LATERAL jsonb_object_keys(p.fresh_row) AS c(col)
 WHERE p.shown_row IS NOT NULL AND p.fresh_row IS NOT NULL
   AND (p.shown_row -> c.col) IS DISTINCT FROM (p.fresh_row -> c.col)
ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION usertrack.verify() IS
  'Compares every view, every per-trace row (attribution and totals, those of observations still waiting for their trace included), the totals, sessions and days of traces without a user, every per-day latency sketch and the traits of the traces with a from-scratch recomputation over the input tables, and checks that every user with unfolded log rows is held and no user is both held and settled; one row per difference, none when consistent';

CREATE FUNCTION usertrack.rebuild()
RETURNS TABLE (maintained_table text, rows_written bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- SHARE mode waits for running writers of the input tables to commit and
    -- keeps new ones out until this transaction ends; readers go on.
    LOCK TABLE usertrack.traces, usertrack.observations, usertrack.scores IN SHARE MODE;
    LOCK TABLE usertrack.trace_totals, usertrack.user_session_totals,
               usertrack.user_daily_totals, usertrack.user_totals,
               usertrack.user_held, usertrack.pending_deltas,
               usertrack.user_usage_buckets, usertrack.user_traits_from_traces
        IN EXCLUSIVE MODE;
    DELETE FROM usertrack.pending_deltas;
    DELETE FROM usertrack.user_traits_from_traces;
    INSERT INTO usertrack.user_traits_from_traces (user_id, traits, as_of, as_of_trace)
    SELECT * FROM usertrack.traits_of_traces(NULL);
    DELETE FROM usertrack.user_held;
    DELETE FROM usertrack.trace_totals;
    DELETE FROM usertrack.user_totals;
    DELETE FROM usertrack.user_session_totals;
    DELETE FROM usertrack.user_daily_totals;
    DELETE FROM usertrack.user_usage_buckets;
    -- One pass over the input tables for the per-trace totals.  CREATE
    -- TABLE AS may run it with parallel workers (INSERT ... SELECT may not);
    -- the rollups below read this much smaller table.
    IF to_regclass('pg_temp.usertrack_rebuild') IS NOT NULL THEN
        DROP TABLE pg_temp.usertrack_rebuild;
    END IF;
    CREATE TEMP TABLE usertrack_rebuild ON COMMIT DROP AS
    SELECT * FROM usertrack.recomputed_trace_totals;
    INSERT INTO usertrack.trace_totals
        (trace_id, present, user_id, session_id, day, observations, input_tokens,
         output_tokens, total_tokens, model_cost, errors, scores, first_start, last_end,
         bucket)
    SELECT trace_id, present, user_id, session_id, day, observations, input_tokens,
           output_tokens, total_tokens, model_cost, errors, scores, first_start, last_end,
           bucket
      FROM pg_temp.usertrack_rebuild;
    INSERT INTO usertrack.user_usage_buckets
        (user_id, bucket, traces, observations, input_tokens, output_tokens,
         total_tokens, model_cost, errors, scores)
    SELECT user_id, bucket, count(*), sum(observations), sum(input_tokens),
           sum(output_tokens), sum(total_tokens), trim_scale(sum(model_cost)),
           sum(errors), sum(scores)
      FROM pg_temp.usertrack_rebuild
     WHERE present
     GROUP BY user_id, bucket;
    -- the per-day rows through the rollup aggregate, latency sketch included
    INSERT INTO usertrack.user_daily_totals
        (user_id, day, traces, observations, input_tokens, output_tokens,
         total_tokens, model_cost, errors, scores, latency)
    SELECT user_id, day, usertrack.traces(r), usertrack.observations(r),
           usertrack.input_tokens(r), usertrack.output_tokens(r),
           usertrack.total_tokens(r), trim_scale(usertrack.model_cost(r)),
           usertrack.errors(r), scores, usertrack.latency(r)
      FROM (SELECT user_id, day, sum(scores)::bigint AS scores,
                   usertrack.rollup("timestamp", observations, input_tokens,
                       output_tokens, total_tokens, model_cost, errors,
                       usertrack.trace_latency(first_start, last_end)) AS r
              FROM pg_temp.usertrack_rebuild
             WHERE present
             GROUP BY user_id, day) d;
    INSERT INTO usertrack.user_session_totals
        (user_id, session_id, first_event, last_event, traces, observations,
         input_tokens, output_tokens, total_tokens, model_cost, errors, scores)
    SELECT user_id, session_id, min("timestamp"), max("timestamp"), count(*),
           sum(observations), sum(input_tokens), sum(output_tokens),
           sum(total_tokens), trim_scale(sum(model_cost)), sum(errors), sum(scores)
      FROM pg_temp.usertrack_rebuild
     WHERE present AND session_id IS NOT NULL
     GROUP BY user_id, session_id;
    INSERT INTO usertrack.user_totals
        (user_id, first_event, last_event, traces, observations, input_tokens,
         output_tokens, total_tokens, model_cost, errors, scores, sessions, active_days)
    SELECT user_id, min("timestamp"), max("timestamp"), count(*), sum(observations),
           sum(input_tokens), sum(output_tokens), sum(total_tokens),
           trim_scale(sum(model_cost)), sum(errors), sum(scores),
           count(DISTINCT session_id), count(DISTINCT day)
      FROM pg_temp.usertrack_rebuild
     WHERE present
     GROUP BY user_id;
    DROP TABLE pg_temp.usertrack_rebuild;
    RETURN QUERY
    SELECT 'trace_totals', count(*) FROM usertrack.trace_totals
    UNION ALL SELECT 'user_totals', count(*) FROM usertrack.user_totals
    UNION ALL SELECT 'user_session_totals', count(*) FROM usertrack.user_session_totals
    UNION ALL SELECT 'user_daily_totals', count(*) FROM usertrack.user_daily_totals
    UNION ALL SELECT 'user_usage_buckets', count(*) FROM usertrack.user_usage_buckets
    UNION ALL SELECT 'user_traits_from_traces', count(*) FROM usertrack.user_traits_from_traces;
END
$$;
COMMENT ON FUNCTION usertrack.rebuild() IS
  'Recomputes every maintained table from the input tables: one pass, with parallel workers where the planner chooses them, for the per-trace totals, then the per-day rows (latency sketches included) through usertrack.rollup(), the sessions, the users, and the traits of the traces. Waits for running writers and blocks new ones (SHARE lock on the input tables) until the calling transaction ends';

-- Administrative functions are for the extension owner only.
REVOKE ALL ON FUNCTION usertrack.rebuild() FROM PUBLIC;

-- The recomputed views mirror the maintained tables column for column.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT v.relname AS view_name, a.attname, d.description
          FROM pg_catalog.pg_class v
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) v.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) v.oid AND a.attnum OPERATOR(pg_catalog.>) 0
          LEFT JOIN pg_catalog.pg_class t ON t.relnamespace OPERATOR(pg_catalog.=) n.oid
               AND t.relname OPERATOR(pg_catalog.=) pg_catalog.substr(v.relname::text, 12)
          LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid OPERATOR(pg_catalog.=) t.oid
               AND ta.attname OPERATOR(pg_catalog.=) a.attname
          LEFT JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) t.oid
               AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.objsubid OPERATOR(pg_catalog.=) ta.attnum
         WHERE n.nspname OPERATOR(pg_catalog.=) 'usertrack'
           AND v.relname::text LIKE 'recomputed\_%'
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN usertrack.%I.%I IS %L',
            r.view_name, r.attname,
            'Recomputed from the input tables: ' OPERATOR(pg_catalog.||)
            COALESCE(r.description, 'the trace timestamp'));
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Deferred mode: folding the log, its backlog; retention.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.fold_pending(max_rows bigint DEFAULT 10000,
                                       OUT folded bigint, OUT settled bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'usertrack_fold_pending'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION usertrack.fold_pending(bigint) IS
  'One batch of the refresh, in the calling transaction: folds the oldest max_rows rows of usertrack.pending_deltas into the totals, then moves up to max_rows (at most 1,000) held users with no log rows left and no write in progress back to user_totals. usertrack.refresh() calls it in a loop';
REVOKE ALL ON FUNCTION usertrack.fold_pending(bigint) FROM PUBLIC;

CREATE TABLE usertrack.refresh_runs (
    started         timestamptz NOT NULL,
    finished        timestamptz NOT NULL,
    rows_folded     bigint NOT NULL,
    users_settled   bigint NOT NULL,
    batches         integer NOT NULL,
    backlog_after   bigint NOT NULL
);
COMMENT ON TABLE usertrack.refresh_runs IS
  'One row per completed usertrack.refresh(): what it folded. Delete old rows at will';
COMMENT ON COLUMN usertrack.refresh_runs.started IS 'When the refresh started';
COMMENT ON COLUMN usertrack.refresh_runs.finished IS 'When it finished';
COMMENT ON COLUMN usertrack.refresh_runs.rows_folded IS 'Log rows folded into the totals';
COMMENT ON COLUMN usertrack.refresh_runs.users_settled IS 'Held users moved back to user_totals';
COMMENT ON COLUMN usertrack.refresh_runs.batches IS 'Transactions it used (one per batch)';
COMMENT ON COLUMN usertrack.refresh_runs.backlog_after IS 'Log rows left when it finished (written meanwhile)';

-- A procedure, so that each batch commits on its own: writers wait for at
-- most one batch, and a long backlog does not become one long transaction.
-- A session-level advisory lock keeps a second refresh out: it returns at
-- once.  No SET clause (a procedure with one cannot COMMIT), so every name
-- and operator is qualified.
CREATE PROCEDURE usertrack.refresh(batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
    lock_key CONSTANT bigint := 7310484318123175937;  -- usertrack.refresh
    started timestamptz := pg_catalog.clock_timestamp();
    at_start bigint;
    held_at_start bigint;
    f bigint;
    st bigint;
    folded bigint := 0;
    settled bigint := 0;
    batches integer := 0;
    left_over bigint;
BEGIN
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'batch_size must be 1 or more',
            DETAIL = pg_catalog.format('usertrack.refresh() was called with batch_size = %s.',
                                       COALESCE(batch_size::text, 'NULL'));
    END IF;
    -- a refresh of this session that was cancelled between two batches may
    -- have left its lock behind: it is not running any more
    WHILE EXISTS (SELECT FROM pg_catalog.pg_locks l
                   WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
                     AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
                     AND l.objsubid OPERATOR(pg_catalog.=) 1
                     AND l.classid::pg_catalog.int8 OPERATOR(pg_catalog.=) (lock_key OPERATOR(pg_catalog.>>) 32)
                     AND l.objid::pg_catalog.int8 OPERATOR(pg_catalog.=) (lock_key OPERATOR(pg_catalog.&) 4294967295)
                     AND l.granted) LOOP
        PERFORM pg_catalog.pg_advisory_unlock(lock_key);
    END LOOP;
    IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
        RAISE NOTICE 'usertrack.refresh: another refresh is running; this one did nothing';
        RETURN;
    END IF;
    SELECT pg_catalog.count(*) INTO at_start FROM usertrack.pending_deltas;
    SELECT pg_catalog.count(*) INTO held_at_start FROM usertrack.user_held;
    COMMIT;
    LOOP
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        -- everything but COMMIT (which cannot run in a block with a handler)
        -- gives the lock back on any error, a cancel included
        BEGIN
            SELECT p.folded, p.settled INTO f, st
              FROM usertrack.fold_pending(batch_size) p;
            folded := folded OPERATOR(pg_catalog.+) f;
            settled := settled OPERATOR(pg_catalog.+) st;
            batches := batches OPERATOR(pg_catalog.+) 1;
        EXCEPTION
            WHEN query_canceled THEN
                PERFORM pg_catalog.pg_advisory_unlock(lock_key);
                RAISE;
            WHEN OTHERS THEN
                PERFORM pg_catalog.pg_advisory_unlock(lock_key);
                RAISE;
        END;
        COMMIT;
        -- stop once a batch found the log drained (the batches that do
        -- settle the quiet held users, at most 1,000 each: SETTLE_MAX in
        -- summaries.c) and settled fewer than it could, or when a batch more
        -- than what was there at the start is folded or settled (writers may
        -- add faster than one refresh folds)
        EXIT WHEN (f OPERATOR(pg_catalog.<) batch_size
                   AND st OPERATOR(pg_catalog.<) LEAST(batch_size, 1000))
              OR folded OPERATOR(pg_catalog.>=) (at_start OPERATOR(pg_catalog.+) batch_size)
              OR settled OPERATOR(pg_catalog.>=) (held_at_start OPERATOR(pg_catalog.+) batch_size);
    END LOOP;
    BEGIN
        SELECT pg_catalog.count(*) INTO left_over FROM usertrack.pending_deltas;
        INSERT INTO usertrack.refresh_runs
            (started, finished, rows_folded, users_settled, batches, backlog_after)
        VALUES (started, pg_catalog.clock_timestamp(), folded, settled, batches, left_over);
    EXCEPTION
        WHEN query_canceled THEN
            PERFORM pg_catalog.pg_advisory_unlock(lock_key);
            RAISE;
        WHEN OTHERS THEN
            PERFORM pg_catalog.pg_advisory_unlock(lock_key);
            RAISE;
    END;
    COMMIT;
    PERFORM pg_catalog.pg_advisory_unlock(lock_key);
    RAISE NOTICE 'usertrack.refresh: folded % log rows and settled % users in % batches; % log rows left',
        folded, settled, batches, left_over;
END
$$;
COMMENT ON PROCEDURE usertrack.refresh(integer) IS
  'Deferred mode: folds usertrack.pending_deltas into the totals in batches of batch_size log rows, one transaction each, and settles the held users that are quiet. Returns at once if another refresh is running. CALL it outside a transaction block (pg_cron does)';
REVOKE ALL ON PROCEDURE usertrack.refresh(integer) FROM PUBLIC;

CREATE VIEW usertrack.backlog AS
SELECT pg_catalog.count(*) AS log_rows,
       pg_catalog.count(DISTINCT p.user_id) AS users_in_log,
       (SELECT pg_catalog.count(*) FROM usertrack.user_held) AS held_users,
       pg_catalog.min(p.logged_at) AS oldest_entry,
       pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.min(p.logged_at) AS oldest_age,
       (SELECT pg_catalog.max(r.finished) FROM usertrack.refresh_runs r) AS last_refresh
  FROM usertrack.pending_deltas p;
COMMENT ON VIEW usertrack.backlog IS 'Deferred mode: what CALL usertrack.refresh() has still to fold';
COMMENT ON COLUMN usertrack.backlog.log_rows IS 'Rows in usertrack.pending_deltas';
COMMENT ON COLUMN usertrack.backlog.users_in_log IS 'Distinct users among them';
COMMENT ON COLUMN usertrack.backlog.held_users IS 'Users in usertrack.user_held (with log rows, or waiting to be settled)';
COMMENT ON COLUMN usertrack.backlog.oldest_entry IS 'When the oldest log row was written (start of its transaction)';
COMMENT ON COLUMN usertrack.backlog.oldest_age IS 'now() - oldest_entry';
COMMENT ON COLUMN usertrack.backlog.last_refresh IS 'When the last completed refresh finished';

-- Retention.  Deletes whole traces (with all their observations and scores)
-- whose timestamp is before a time, then observations and scores older than
-- it whose trace is absent, batch_size rows per transaction; the triggers
-- keep every total exact as for any DELETE, in either maintenance mode.
-- Two purges at once are safe (each batch is a plain DELETE), only slower.
CREATE PROCEDURE usertrack.purge(older_than timestamptz, batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
    ids text[];
    n bigint;
    n_traces bigint := 0;
    n_observations bigint := 0;
    n_scores bigint := 0;
BEGIN
    IF older_than IS NULL OR older_than OPERATOR(pg_catalog.=) 'infinity'::timestamptz THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'older_than must be a finite time',
            DETAIL = pg_catalog.format('usertrack.purge() was called with older_than = %s.',
                                       COALESCE(older_than::text, 'NULL')),
            HINT = 'To delete everything, use TRUNCATE on the input tables.';
    END IF;
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'batch_size must be 1 or more',
            DETAIL = pg_catalog.format('usertrack.purge() was called with batch_size = %s.',
                                       COALESCE(batch_size::text, 'NULL'));
    END IF;
        LOOP
            SELECT pg_catalog.array_agg(t.id) INTO ids
              FROM (SELECT x.id FROM usertrack.traces x
                     WHERE x."timestamp" OPERATOR(pg_catalog.<) older_than
                     LIMIT batch_size) t;
            EXIT WHEN ids IS NULL;
            DELETE FROM usertrack.scores s WHERE s.trace_id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_scores := n_scores OPERATOR(pg_catalog.+) n;
            DELETE FROM usertrack.observations o WHERE o.trace_id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_observations := n_observations OPERATOR(pg_catalog.+) n;
            DELETE FROM usertrack.traces t WHERE t.id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_traces := n_traces OPERATOR(pg_catalog.+) n;
            COMMIT;
        END LOOP;
        LOOP
            DELETE FROM usertrack.observations o
             WHERE o.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
                   SELECT x.ctid FROM usertrack.observations x
                    WHERE x.start_time OPERATOR(pg_catalog.<) older_than
                      AND NOT EXISTS (SELECT FROM usertrack.traces t
                                       WHERE t.id OPERATOR(pg_catalog.=) x.trace_id)
                    LIMIT batch_size));
            GET DIAGNOSTICS n = ROW_COUNT;
            n_observations := n_observations OPERATOR(pg_catalog.+) n;
            COMMIT;
            EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        END LOOP;
        LOOP
            DELETE FROM usertrack.scores s
             WHERE s.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
                   SELECT x.ctid FROM usertrack.scores x
                    WHERE x."timestamp" OPERATOR(pg_catalog.<) older_than
                      AND NOT EXISTS (SELECT FROM usertrack.traces t
                                       WHERE t.id OPERATOR(pg_catalog.=) x.trace_id)
                    LIMIT batch_size));
            GET DIAGNOSTICS n = ROW_COUNT;
            n_scores := n_scores OPERATOR(pg_catalog.+) n;
            COMMIT;
            EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        END LOOP;
    RAISE NOTICE 'usertrack.purge: deleted % traces, % observations and % scores before %',
        n_traces, n_observations, n_scores, older_than;
END
$$;
COMMENT ON PROCEDURE usertrack.purge(timestamptz, integer) IS
  'Retention: deletes the traces whose timestamp is before older_than with all their observations and scores, then older observations and scores whose trace is absent, batch_size rows per transaction; the totals follow. CALL it outside a transaction block';
REVOKE ALL ON PROCEDURE usertrack.purge(timestamptz, integer) FROM PUBLIC;

-- Statistics for the empty tables the views read: without them the planner
-- guesses ten pages each, and the views' estimates grow large enough to
-- turn on JIT for every read of all_users until autovacuum runs.
ANALYZE usertrack.user_held, usertrack.pending_deltas;

-- user_held and the rollup views have the columns of the maintained tables.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.relname AS target, a.attname, d.description
          FROM (VALUES ('user_held', 'user_totals'), ('user_rollup', 'user_totals'),
                       ('user_rollup_core', 'user_totals'),
                       ('user_session_rollup', 'user_session_totals'),
                       ('user_daily_rollup', 'user_daily_totals')) AS m(target, source)
          JOIN pg_catalog.pg_class c ON c.relname OPERATOR(pg_catalog.=) m.target
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
           AND n.nspname OPERATOR(pg_catalog.=) 'usertrack'
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
           AND a.attnum OPERATOR(pg_catalog.>) 0
          JOIN pg_catalog.pg_class t ON t.relnamespace OPERATOR(pg_catalog.=) n.oid
           AND t.relname OPERATOR(pg_catalog.=) m.source
          JOIN pg_catalog.pg_attribute ta ON ta.attrelid OPERATOR(pg_catalog.=) t.oid
           AND ta.attname OPERATOR(pg_catalog.=) a.attname
          JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) t.oid
           AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
           AND d.objsubid OPERATOR(pg_catalog.=) ta.attnum
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN usertrack.%I.%I IS %L',
                                  r.target, r.attname, r.description);
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Analytics (docs/analytics.md): windows of the per-day rows, the usage
-- distribution, outliers, segments, a user's journey, traits, scores and
-- sparklines.  Windows are day-granular: a window [from_time, to_time)
-- covers every UTC day it overlaps, so that it is answered from the per-day
-- rows without reading raw rows.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.window_days(from_time timestamptz, to_time timestamptz,
                                      OUT first_day date, OUT last_day date)
RETURNS record
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_time IS NOT NULL AND to_time IS NOT NULL AND from_time >= to_time THEN
        RAISE EXCEPTION 'invalid time window: from_time % is not before to_time %', from_time, to_time
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give from_time before to_time, or NULL for an open end.';
    END IF;
    first_day := CASE WHEN from_time IS NULL THEN '-infinity'::date
                      ELSE (from_time AT TIME ZONE 'UTC')::date END;
    last_day := CASE WHEN to_time IS NULL THEN 'infinity'::date
                     ELSE ((to_time - interval '1 microsecond') AT TIME ZONE 'UTC')::date END;
END
$$;
COMMENT ON FUNCTION usertrack.window_days(timestamptz, timestamptz) IS
  'The UTC days a window [from_time, to_time) overlaps (NULL is an open end); an error when from_time is not before to_time';

CREATE FUNCTION usertrack.check_metric(metric text, allowed text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF metric IS NULL OR NOT metric = ANY (allowed) THEN
        RAISE EXCEPTION 'unknown metric: %', COALESCE(quote_literal(metric), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The metric is one of %s.', array_to_string(allowed, ', '));
    END IF;
    RETURN metric;
END
$$;
COMMENT ON FUNCTION usertrack.check_metric(text, text[]) IS
  'The metric if it is one of the allowed ones, else an error naming them';

CREATE FUNCTION usertrack.normal_upper_tail(z double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'usertrack_normal_upper_tail'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.normal_upper_tail(double precision) IS
  'P(Z >= z) for a standard normal Z: the one-sided p-value of a z statistic';

CREATE FUNCTION usertrack.user_stats_of(who text, from_time timestamptz,
                                        to_time timestamptz)
RETURNS TABLE (user_id text, first_day date, last_day date, traces bigint,
               observations bigint, input_tokens bigint, output_tokens bigint,
               total_tokens bigint, model_cost numeric, errors bigint,
               scores bigint, active_days bigint, error_rate numeric,
               cost_per_trace numeric, first_event timestamptz,
               last_event timestamptz, latency_p50 interval,
               latency_p95 interval, latency_p99 interval,
               rollup usertrack.rollup)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    w record;
    d record;
    e record;
BEGIN
    w := usertrack.window_days(from_time, to_time);
    -- one user's days through the (user_id, day) keys; all users' days
    IF who IS NOT NULL THEN
        SELECT usertrack.rollup_merge(usertrack.make_rollup(x.traces, x.observations,
                   x.input_tokens, x.output_tokens, x.total_tokens, x.model_cost,
                   x.errors, NULL, NULL, x.latency)) AS r,
               COALESCE(sum(x.scores), 0)::bigint AS scores,
               count(*) AS active_days, min(x.day) AS first_day, max(x.day) AS last_day
          INTO d
          FROM usertrack.user_daily_rollup x
         WHERE x.user_id = who AND x.day BETWEEN w.first_day AND w.last_day;
        -- first and last event: two probes of the (user_id, timestamp) index
        SELECT min(t."timestamp") AS first_event, max(t."timestamp") AS last_event
          INTO e
          FROM usertrack.traces t
         WHERE t.user_id = who
           AND t."timestamp" >= (d.first_day::timestamp AT TIME ZONE 'UTC')
           AND t."timestamp" < ((d.last_day + 1)::timestamp AT TIME ZONE 'UTC');
    ELSE
        SELECT usertrack.rollup_merge(usertrack.make_rollup(x.traces, x.observations,
                   x.input_tokens, x.output_tokens, x.total_tokens, x.model_cost,
                   x.errors, NULL, NULL, x.latency)) AS r,
               COALESCE(sum(x.scores), 0)::bigint AS scores,
               count(DISTINCT x.day) AS active_days, min(x.day) AS first_day,
               max(x.day) AS last_day
          INTO d
          FROM usertrack.user_daily_rollup x
         WHERE x.user_id <> '' AND x.day BETWEEN w.first_day AND w.last_day;
        -- every user's: a scan of the traces of those days
        SELECT min(t."timestamp") AS first_event, max(t."timestamp") AS last_event
          INTO e
          FROM usertrack.traces t
         WHERE t.user_id <> ''
           AND t."timestamp" >= (d.first_day::timestamp AT TIME ZONE 'UTC')
           AND t."timestamp" < ((d.last_day + 1)::timestamp AT TIME ZONE 'UTC');
    END IF;
    RETURN QUERY
    SELECT who, d.first_day, d.last_day,
           usertrack.traces(d.r), usertrack.observations(d.r),
           usertrack.input_tokens(d.r), usertrack.output_tokens(d.r),
           usertrack.total_tokens(d.r), usertrack.model_cost(d.r),
           usertrack.errors(d.r), d.scores, d.active_days,
           round(usertrack.errors(d.r)::numeric / NULLIF(usertrack.observations(d.r), 0), 6),
           trim_scale(round(usertrack.model_cost(d.r) / NULLIF(usertrack.traces(d.r), 0), 12)),
           e.first_event, e.last_event,
           usertrack.latency_percentile(d.r, 0.5),
           usertrack.latency_percentile(d.r, 0.95),
           usertrack.latency_percentile(d.r, 0.99),
           usertrack.make_rollup(usertrack.traces(d.r), usertrack.observations(d.r),
               usertrack.input_tokens(d.r), usertrack.output_tokens(d.r),
               usertrack.total_tokens(d.r), usertrack.model_cost(d.r),
               usertrack.errors(d.r), e.first_event, e.last_event, usertrack.latency(d.r));
END
$$;
COMMENT ON FUNCTION usertrack.user_stats_of(text, timestamptz, timestamptz) IS
  'The body of usertrack.user_stats(): one query for one user (through the (user_id, day) and (user_id, timestamp) keys), another for all users';
CREATE FUNCTION usertrack.user_stats(user_id text, from_time timestamptz DEFAULT NULL,
                                     to_time timestamptz DEFAULT NULL)
RETURNS TABLE (user_id text, first_day date, last_day date, traces bigint,
               observations bigint, input_tokens bigint, output_tokens bigint,
               total_tokens bigint, model_cost numeric, errors bigint,
               scores bigint, active_days bigint, error_rate numeric,
               cost_per_trace numeric, first_event timestamptz,
               last_event timestamptz, latency_p50 interval,
               latency_p95 interval, latency_p99 interval,
               rollup usertrack.rollup)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM usertrack.user_stats_of($1, $2, $3)
$$;
COMMENT ON FUNCTION usertrack.user_stats(text, timestamptz, timestamptz) IS
  'One user''s totals, error rate and trace latency percentiles (within 1%) over the UTC days the window overlaps, merged from the per-day rows; user_id NULL for all users together';

-- Per-user totals over a window: from the per-day rows, or, for a window
-- open at both ends without latency, from the per-user rows.
CREATE FUNCTION usertrack.window_users(from_time timestamptz, to_time timestamptz,
                                       with_latency boolean DEFAULT true)
RETURNS TABLE (user_id text, traces bigint, observations bigint,
               input_tokens bigint, output_tokens bigint,
               total_tokens bigint, model_cost numeric, errors bigint,
               latency usertrack.latency_sketch)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    w record;
BEGIN
    w := usertrack.window_days(from_time, to_time);
    IF from_time IS NULL AND to_time IS NULL AND NOT with_latency THEN
        RETURN QUERY
        SELECT u.user_id, u.traces, u.observations, u.input_tokens, u.output_tokens,
               u.total_tokens, u.model_cost, u.errors, NULL::usertrack.latency_sketch
          FROM usertrack.user_rollup u
         WHERE u.user_id <> '';
        RETURN;
    END IF;
    RETURN QUERY
    SELECT d.user_id, sum(d.traces)::bigint, sum(d.observations)::bigint,
           sum(d.input_tokens)::bigint, sum(d.output_tokens)::bigint,
           sum(d.total_tokens)::bigint, sum(d.model_cost), sum(d.errors)::bigint,
           CASE WHEN with_latency THEN usertrack.sketch_merge(d.latency) END
      FROM usertrack.user_daily_rollup d
     WHERE d.user_id <> '' AND d.day BETWEEN w.first_day AND w.last_day
     GROUP BY d.user_id;
END
$$;
COMMENT ON FUNCTION usertrack.window_users(timestamptz, timestamptz, boolean) IS
  'Every user''s traces, observations, tokens, cost, errors and (with_latency) latency sketch over the UTC days a window overlaps; from the per-user rows when the window is open at both ends and no latency is asked for';

CREATE FUNCTION usertrack.usage_distribution(metric text DEFAULT 'model_cost',
                                             from_time timestamptz DEFAULT NULL,
                                             to_time timestamptz DEFAULT NULL)
RETURNS TABLE (metric text, users bigint, total numeric, mean numeric,
               p50 numeric, p90 numeric, p99 numeric, max numeric,
               top_1pct_users bigint, top_1pct_share numeric,
               top_10pct_users bigint, top_10pct_share numeric, gini numeric)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
WITH m AS (
    SELECT usertrack.check_metric($1, '{model_cost,total_tokens,total_events}') AS metric
), v AS (
    SELECT CASE m.metric WHEN 'model_cost' THEN u.model_cost
                         WHEN 'total_tokens' THEN u.total_tokens::numeric
                         ELSE u.traces::numeric END AS x
      FROM usertrack.window_users($2, $3, false) u, m
), r AS (
    SELECT x, row_number() OVER (ORDER BY x) AS i,
           row_number() OVER (ORDER BY x DESC) AS top,
           count(*) OVER () AS n
      FROM v
), s AS (
    SELECT count(*) AS n, sum(x) AS total, max(x) AS max,
           ceil(count(*) * 0.01)::bigint AS n1, ceil(count(*) * 0.10)::bigint AS n10,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY x) AS p90,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY x) AS p99,
           sum(x * i) AS weighted
      FROM r
)
SELECT m.metric, s.n, COALESCE(s.total, 0),
       round(s.total / NULLIF(s.n, 0), 6),
       round(s.p50::numeric, 6), round(s.p90::numeric, 6), round(s.p99::numeric, 6),
       s.max,
       s.n1, round((SELECT sum(x) FROM r WHERE r.top <= s.n1) / NULLIF(s.total, 0), 6),
       s.n10, round((SELECT sum(x) FROM r WHERE r.top <= s.n10) / NULLIF(s.total, 0), 6),
       -- G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n, x ascending
       round(2 * s.weighted / NULLIF(s.n * s.total, 0) - (s.n + 1)::numeric / NULLIF(s.n, 0), 6)
  FROM s, m
$$;
COMMENT ON FUNCTION usertrack.usage_distribution(text, timestamptz, timestamptz) IS
  'How a metric (model_cost, total_tokens or total_events) is spread over the users active in a window: users, mean, percentiles of per-user totals, the share of the top 1% and 10% of users, and the Gini coefficient';

CREATE FUNCTION usertrack.outlier_users(metric text DEFAULT 'error_rate',
                                        from_time timestamptz DEFAULT NULL,
                                        to_time timestamptz DEFAULT NULL,
                                        min_traces integer DEFAULT 20)
RETURNS TABLE (user_id text, traces bigint, observations bigint, errors bigint,
               value double precision, population_value double precision,
               test text, statistic double precision, p_value double precision,
               adjusted_p_value double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM usertrack.check_metric(metric, '{error_rate,p95_latency}');
    IF min_traces IS NULL OR min_traces < 1 THEN
        RAISE EXCEPTION 'min_traces must be 1 or more, not %', COALESCE(min_traces::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF metric = 'error_rate' THEN
        -- One-sided two-proportion z-test of the user's errors per observation
        -- against everyone else's, Bonferroni-adjusted over the users tested.
        RETURN QUERY
        WITH u AS (
            SELECT * FROM usertrack.window_users(from_time, to_time, false) w
             WHERE w.traces >= min_traces AND w.observations > 0
        ), t AS (
            SELECT sum(w.errors) AS e, sum(w.observations) AS o, count(*) AS k FROM u w
        ), z AS (
            SELECT u.user_id, u.traces, u.observations, u.errors,
                   u.errors::float8 / u.observations AS value,
                   (t.e - u.errors)::float8 / NULLIF(t.o - u.observations, 0) AS rest,
                   t.e::float8 / t.o AS pooled, (t.o - u.observations)::float8 AS n2, t.k
              FROM u, t
        ), s AS (
            SELECT z.*, (z.value - z.rest) /
                   NULLIF(sqrt(z.pooled * (1 - z.pooled) * (1.0 / z.observations + 1.0 / z.n2)), 0) AS stat
              FROM z WHERE z.rest IS NOT NULL
        )
        SELECT s.user_id, s.traces, s.observations, s.errors, s.value, s.rest,
               'two-proportion z-test (one-sided: errors per observation above the other users'')'::text,
               s.stat, usertrack.normal_upper_tail(s.stat),
               least(1.0, usertrack.normal_upper_tail(s.stat) * s.k)
          FROM s
         WHERE s.stat > 0 AND usertrack.normal_upper_tail(s.stat) * s.k < 0.05
         ORDER BY s.stat DESC, s.user_id;
    ELSE
        -- Modified z-score (Iglewicz and Hoaglin) of log p95 latency against
        -- the users' median: 0.6745 * (x - median) / MAD above 3.5.
        RETURN QUERY
        WITH u AS (
            SELECT w.user_id, w.traces, w.observations, w.errors,
                   extract(epoch FROM usertrack.latency_percentile(w.latency, 0.95))::float8 AS p95
              FROM usertrack.window_users(from_time, to_time) w
             WHERE w.latency IS NOT NULL AND usertrack.latency_count(w.latency) >= min_traces
        ), l AS (
            SELECT u.*, ln(greatest(u.p95, 1e-6)) AS lx FROM u
        ), med AS (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l.lx) AS m,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY l.p95) AS p FROM l
        ), mad AS (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(l.lx - med.m)) AS d
              FROM l, med
        )
        SELECT l.user_id, l.traces, l.observations, l.errors, l.p95, med.p,
               'modified z-score of log p95 latency (0.6745 * (x - median) / MAD > 3.5)'::text,
               0.6745 * (l.lx - med.m) / mad.d, NULL::float8, NULL::float8
          FROM l, med, mad
         WHERE mad.d > 0 AND 0.6745 * (l.lx - med.m) / mad.d > 3.5
         ORDER BY 0.6745 * (l.lx - med.m) / mad.d DESC, l.user_id;
    END IF;
END
$$;
COMMENT ON FUNCTION usertrack.outlier_users(text, timestamptz, timestamptz, integer) IS
  'Users with disproportionate error rates (one-sided two-proportion z-test against the other users, Bonferroni-adjusted p below 0.05) or p95 trace latency (modified z-score of log p95 above 3.5), among users with at least min_traces traces; strongest first';

CREATE FUNCTION usertrack.segment_stats(dimension text, key text DEFAULT NULL,
                                        from_time timestamptz DEFAULT NULL,
                                        to_time timestamptz DEFAULT NULL)
RETURNS TABLE (segment text, users bigint, traces bigint, input_tokens bigint,
               output_tokens bigint, total_tokens bigint, model_cost numeric,
               cost_per_user numeric, errors bigint, error_rate numeric,
               latency_p50 interval, latency_p95 interval)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM usertrack.check_metric(dimension, '{tag,metadata,environment,release,trait}');
    IF dimension IN ('metadata', 'trait') AND (key IS NULL OR key = '') THEN
        RAISE EXCEPTION 'segment_stats by % needs a key', dimension
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Name the %s key, for example segment_stats(%L, %L).',
                                dimension, dimension, CASE dimension WHEN 'trait' THEN 'plan' ELSE 'feature' END);
    END IF;
    PERFORM usertrack.window_days(from_time, to_time);
    IF dimension = 'trait' THEN
        -- a user's trait: every trace of the user, from the per-day rows
        RETURN QUERY
        SELECT ut.traits ->> key, count(*), sum(w.traces)::bigint,
               sum(w.input_tokens)::bigint, sum(w.output_tokens)::bigint,
               sum(w.total_tokens)::bigint, sum(w.model_cost),
               trim_scale(round(sum(w.model_cost) / count(*), 12)),
               sum(w.errors)::bigint,
               round(sum(w.errors) / NULLIF(sum(w.observations), 0), 6),
               usertrack.latency_percentile(usertrack.sketch_merge(w.latency), 0.5),
               usertrack.latency_percentile(usertrack.sketch_merge(w.latency), 0.95)
          FROM usertrack.window_users(from_time, to_time) w
          LEFT JOIN usertrack.user_traits ut ON ut.user_id = w.user_id
         GROUP BY ut.traits ->> key
         ORDER BY sum(w.model_cost) DESC, ut.traits ->> key NULLS LAST;
        RETURN;
    END IF;
    RETURN QUERY
    WITH tr AS (
        SELECT t.id, COALESCE(NULLIF(t.user_id, ''), NULL) AS user_id,
               CASE dimension
                    WHEN 'environment' THEN ARRAY[t.environment]
                    WHEN 'release' THEN ARRAY[t.release]
                    WHEN 'metadata' THEN ARRAY[t.metadata ->> key]
                    ELSE CASE WHEN cardinality(t.tags) = 0 THEN ARRAY[NULL::text] ELSE t.tags END
               END AS segments
          FROM usertrack.traces t
         WHERE (from_time IS NULL OR t."timestamp" >= from_time)
           AND (to_time IS NULL OR t."timestamp" < to_time)
    ), x AS (
        SELECT s.segment, tr.user_id, tt.observations, tt.input_tokens,
               tt.output_tokens, tt.total_tokens, tt.model_cost, tt.errors,
               tt.first_start, tt.last_end
          FROM tr
          CROSS JOIN LATERAL unnest(tr.segments) AS s(segment)
          JOIN usertrack.trace_totals tt ON tt.trace_id = tr.id
    )
    , g AS (
        SELECT x.segment, count(DISTINCT x.user_id) AS users, count(*) AS traces,
               sum(x.input_tokens)::bigint AS input_tokens,
               sum(x.output_tokens)::bigint AS output_tokens,
               sum(x.total_tokens)::bigint AS total_tokens, sum(x.model_cost) AS model_cost,
               sum(x.errors)::bigint AS errors, sum(x.observations) AS observations,
               usertrack.latency_sketch(usertrack.trace_latency(x.first_start, x.last_end)) AS sketch
          FROM x
         GROUP BY x.segment
    )
    SELECT g.segment, g.users, g.traces, g.input_tokens, g.output_tokens,
           g.total_tokens, g.model_cost,
           trim_scale(round(g.model_cost / NULLIF(g.users, 0), 12)),
           g.errors, round(g.errors / NULLIF(g.observations, 0), 6),
           usertrack.latency_percentile(g.sketch, 0.5),
           usertrack.latency_percentile(g.sketch, 0.95)
      FROM g
     ORDER BY g.model_cost DESC, g.segment NULLS LAST;
END
$$;
COMMENT ON FUNCTION usertrack.segment_stats(text, text, timestamptz, timestamptz) IS
  'Segments side by side: by trace tag, trace metadata key, environment or release (the traces whose timestamp is in the window, exact edges), or user trait key (the users'' per-day rows, whole UTC days); users, traces, tokens, cost, cost per user, error rate and trace latency p50/p95. NULL is the segment without a value';

CREATE FUNCTION usertrack.user_journey(user_id text, from_time timestamptz DEFAULT NULL,
                                       to_time timestamptz DEFAULT NULL)
RETURNS TABLE (trace_id text, "timestamp" timestamptz, name text,
               session_id text, session_number bigint, new_session boolean,
               gap interval, observations bigint, total_tokens bigint,
               model_cost numeric, errors bigint, latency interval)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
WITH w AS (SELECT * FROM usertrack.window_days($2, $3)),
t AS (
    SELECT t.id, t."timestamp", t.name, NULLIF(t.session_id, '') AS session_id,
           tt.observations, tt.total_tokens, tt.model_cost, tt.errors,
           usertrack.trace_latency(tt.first_start, tt.last_end) AS latency,
           lag(t."timestamp") OVER o AS prev_ts,
           lag(NULLIF(t.session_id, '')) OVER o AS prev_session,
           row_number() OVER o AS n
      FROM usertrack.traces t
      JOIN usertrack.trace_totals tt ON tt.trace_id = t.id
     WHERE t.user_id = $1
       AND ($2 IS NULL OR t."timestamp" >= $2)
       AND ($3 IS NULL OR t."timestamp" < $3)
    WINDOW o AS (ORDER BY t."timestamp", t.id)
), s AS (
    SELECT t.*, (t.n = 1 OR t.session_id IS DISTINCT FROM t.prev_session) AS starts FROM t
)
SELECT s.id, s."timestamp", s.name, s.session_id,
       count(*) FILTER (WHERE s.starts) OVER (ORDER BY s."timestamp", s.id),
       s.starts, s."timestamp" - s.prev_ts,
       s.observations, s.total_tokens, s.model_cost, s.errors, s.latency
  -- w first, so that a bad window is an error even without traces
  FROM w LEFT JOIN s ON true
 WHERE s.id IS NOT NULL
 ORDER BY s."timestamp", s.id
$$;
COMMENT ON FUNCTION usertrack.user_journey(text, timestamptz, timestamptz) IS
  'One user''s traces in time order with their session, a running number of the session visits (a new one whenever the session changes), the gap since the previous trace, and the trace totals; exact window edges';

------------------------------------------------------------------------------
-- User traits: properties of a user (plan, region, account...).  Two
-- sources: set_user_traits() (or writes to user_traits_set), an input table
-- that pg_dump keeps; and the metadata key user_traits of the user's traces,
-- kept per user in user_traits_from_traces by a trigger on traces, derived
-- like every total (not dumped: restoring the traces rebuilds it).  The view
-- user_traits merges them, the traits set explicitly winning.
------------------------------------------------------------------------------

CREATE TABLE usertrack.user_traits_set (
    user_id     text COLLATE "C" PRIMARY KEY,
    traits      jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT user_traits_set_user_id CHECK (user_id OPERATOR(pg_catalog.<>) ''
        AND pg_catalog.octet_length(user_id) OPERATOR(pg_catalog.<=) 1024),
    CONSTRAINT user_traits_set_object CHECK (pg_catalog.jsonb_typeof(traits) OPERATOR(pg_catalog.=) 'object')
);
COMMENT ON TABLE usertrack.user_traits_set IS
  'Traits set by the application with set_user_traits() (or written directly): one JSON object per user; a key whose value is JSON null removes that trait, also one taken from the traces';
COMMENT ON COLUMN usertrack.user_traits_set.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_traits_set.traits IS 'The traits set, a JSON object; null values remove a trait';
COMMENT ON COLUMN usertrack.user_traits_set.updated_at IS 'When they last changed';
SELECT pg_catalog.pg_extension_config_dump('usertrack.user_traits_set', '');

CREATE TABLE usertrack.user_traits_from_traces (
    user_id     text COLLATE "C" PRIMARY KEY,
    traits      jsonb NOT NULL DEFAULT '{}',
    as_of       timestamptz,
    as_of_trace text COLLATE "C"
);
COMMENT ON TABLE usertrack.user_traits_from_traces IS
  'Maintained: per user, the traits of the metadata key user_traits of their traces, the latest trace (by timestamp, then id) that names a key giving its value, a null value removing it';
COMMENT ON COLUMN usertrack.user_traits_from_traces.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_traits_from_traces.traits IS 'The traits, a JSON object without null values';
COMMENT ON COLUMN usertrack.user_traits_from_traces.as_of IS 'Timestamp of the latest trace with traits';
COMMENT ON COLUMN usertrack.user_traits_from_traces.as_of_trace IS 'Id of that trace';

CREATE FUNCTION usertrack.merge_traits(old jsonb, new jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT COALESCE(jsonb_object_agg(e.key, e.value), '{}')
  FROM jsonb_each(COALESCE($1, '{}') || COALESCE($2, '{}')) e
 WHERE e.value <> 'null'::jsonb
$$;
COMMENT ON FUNCTION usertrack.merge_traits(jsonb, jsonb) IS
  'Traits merged: the keys of new win, a key set to JSON null is removed';

-- Two branches rather than a FULL JOIN, so that a condition on user_id
-- reaches both primary keys.
CREATE VIEW usertrack.user_traits AS
SELECT s.user_id,
       usertrack.merge_traits(f.traits, s.traits) AS traits,
       s.traits AS traits_set,
       f.traits AS traits_from_traces,
       s.updated_at AS set_at,
       f.as_of AS from_traces_as_of
  FROM usertrack.user_traits_set s
  LEFT JOIN usertrack.user_traits_from_traces f ON f.user_id OPERATOR(pg_catalog.=) s.user_id
UNION ALL
SELECT f.user_id, f.traits, NULL, f.traits, NULL, f.as_of
  FROM usertrack.user_traits_from_traces f
 WHERE NOT EXISTS (SELECT FROM usertrack.user_traits_set s
                    WHERE s.user_id OPERATOR(pg_catalog.=) f.user_id);
COMMENT ON VIEW usertrack.user_traits IS
  'Every user''s traits: those of their traces'' metadata key user_traits, then those set with set_user_traits() on top (a key set to null there removes it)';
COMMENT ON COLUMN usertrack.user_traits.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_traits.traits IS 'The traits, a JSON object';
COMMENT ON COLUMN usertrack.user_traits.traits_set IS 'What set_user_traits() set (null values are removals)';
COMMENT ON COLUMN usertrack.user_traits.traits_from_traces IS 'What the traces'' metadata says';
COMMENT ON COLUMN usertrack.user_traits.set_at IS 'When set_user_traits() last changed them';
COMMENT ON COLUMN usertrack.user_traits.from_traces_as_of IS 'Timestamp of the latest trace with traits';

CREATE FUNCTION usertrack.set_user_traits(user_id text, traits jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    IF user_id IS NULL OR user_id = '' THEN
        RAISE EXCEPTION 'user_id must not be empty'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF traits IS NULL OR jsonb_typeof(traits) <> 'object' THEN
        RAISE EXCEPTION 'traits must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('User %s was given %s.', quote_literal(user_id),
                                  COALESCE(jsonb_typeof(traits), 'NULL')),
                  HINT = 'Pass an object such as {"plan": "pro"}; a key set to null removes it.';
    END IF;
    -- create the row, then merge under its lock: a concurrent merge is
    -- seen, never lost.  Removals stay as null values, so that they also
    -- remove a trait the traces give.
    INSERT INTO usertrack.user_traits_set AS u (user_id) VALUES (set_user_traits.user_id)
    ON CONFLICT ON CONSTRAINT user_traits_set_pkey DO NOTHING;
    UPDATE usertrack.user_traits_set AS u
       SET traits = u.traits || set_user_traits.traits, updated_at = now()
     WHERE u.user_id = set_user_traits.user_id;
    SELECT t.traits INTO result FROM usertrack.user_traits t
     WHERE t.user_id = set_user_traits.user_id;
    RETURN result;
END
$$;
COMMENT ON FUNCTION usertrack.set_user_traits(text, jsonb) IS
  'Merges traits into a user''s traits (a key set to JSON null is removed, also when the traces give it) and returns the user''s traits';

-- The traits the traces give, for some users, from scratch: per key the
-- value of the latest trace (timestamp, then id) that names it.
CREATE FUNCTION usertrack.traits_of_traces(users text[])
RETURNS TABLE (user_id text, traits jsonb, as_of timestamptz, as_of_trace text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH t AS (
    SELECT t.user_id, t.id, t."timestamp", t.metadata -> 'user_traits' AS tr
      FROM usertrack.traces t
     WHERE ($1 IS NULL OR t.user_id = ANY ($1)) AND t.user_id <> ''
       AND jsonb_typeof(t.metadata -> 'user_traits') = 'object'
), latest AS (
    SELECT DISTINCT ON (t.user_id, k.key) t.user_id, k.key, k.value
      FROM t CROSS JOIN LATERAL jsonb_each(t.tr) k
     ORDER BY t.user_id, k.key, t."timestamp" DESC, t.id DESC
), last_trace AS (
    SELECT DISTINCT ON (t.user_id) t.user_id, t."timestamp", t.id
      FROM t ORDER BY t.user_id, t."timestamp" DESC, t.id DESC
)
SELECT l.user_id, COALESCE(a.traits, '{}'), l."timestamp", l.id
  FROM last_trace l
  LEFT JOIN (SELECT x.user_id,
                    jsonb_object_agg(x.key, x.value) FILTER (WHERE x.value <> 'null'::jsonb) AS traits
               FROM latest x GROUP BY x.user_id) a ON a.user_id = l.user_id
$$;
COMMENT ON FUNCTION usertrack.traits_of_traces(text[]) IS
  'The traits the traces'' metadata key user_traits gives, computed from scratch for some users (NULL: all); for the trigger, verify() and rebuild()';

-- user_traits_from_traces is kept by the C triggers of usertrack.traces,
-- before the totals of each statement, in its one pass (capture.c,
-- summaries.c apply_traits): the rows of both are then taken in one order by
-- every statement, and the alert rules the totals evaluate see the traits.

------------------------------------------------------------------------------
-- Quality beside cost, score summaries, sparklines.
------------------------------------------------------------------------------

CREATE VIEW usertrack.user_score_summary AS
WITH s AS (
    SELECT t.user_id, s.name, s.data_type, s.value, s.string_value, s."timestamp", s.id
      FROM usertrack.scores s
      JOIN usertrack.traces t ON t.id OPERATOR(pg_catalog.=) s.trace_id
     WHERE t.user_id OPERATOR(pg_catalog.<>) ''
)
SELECT s.user_id, s.name,
       (pg_catalog.array_agg(s.data_type ORDER BY pg_catalog.array_position(
            '{NUMERIC,BOOLEAN,CATEGORICAL}'::text[], s.data_type)))[1] AS data_type,
       pg_catalog.count(*) AS scores,
       pg_catalog.avg(s.value) FILTER (WHERE s.data_type OPERATOR(pg_catalog.<>) 'CATEGORICAL') AS mean,
       pg_catalog.min(s.value) FILTER (WHERE s.data_type OPERATOR(pg_catalog.<>) 'CATEGORICAL') AS min,
       pg_catalog.max(s.value) FILTER (WHERE s.data_type OPERATOR(pg_catalog.<>) 'CATEGORICAL') AS max,
       (SELECT pg_catalog.jsonb_object_agg(c.string_value, c.n)
          FROM (SELECT x.string_value, pg_catalog.count(*) AS n
                  FROM s x
                 WHERE x.user_id OPERATOR(pg_catalog.=) s.user_id AND x.name OPERATOR(pg_catalog.=) s.name
                   AND x.data_type OPERATOR(pg_catalog.=) 'CATEGORICAL' AND x.string_value IS NOT NULL
                 GROUP BY x.string_value) c) AS categories,
       (pg_catalog.array_agg(COALESCE(s.string_value, s.value::text)
                             ORDER BY s."timestamp" DESC, s.id DESC))[1] AS latest_value,
       pg_catalog.max(s."timestamp") AS latest_at
  FROM s
 GROUP BY s.user_id, s.name;
COMMENT ON VIEW usertrack.user_score_summary IS
  'Per user and score name: count, mean, min and max of numeric and boolean scores, counts per category of categorical ones, and the latest value';
COMMENT ON COLUMN usertrack.user_score_summary.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_score_summary.name IS 'Score name';
COMMENT ON COLUMN usertrack.user_score_summary.data_type IS 'NUMERIC, BOOLEAN or CATEGORICAL (the first in that order when a name has several)';
COMMENT ON COLUMN usertrack.user_score_summary.scores IS 'Scores of the user with that name';
COMMENT ON COLUMN usertrack.user_score_summary.mean IS 'Mean value of the numeric and boolean ones (a boolean counts 0 or 1)';
COMMENT ON COLUMN usertrack.user_score_summary.min IS 'Smallest value';
COMMENT ON COLUMN usertrack.user_score_summary.max IS 'Largest value';
COMMENT ON COLUMN usertrack.user_score_summary.categories IS 'Count per category of the categorical ones';
COMMENT ON COLUMN usertrack.user_score_summary.latest_value IS 'Value (or category) of the latest score';
COMMENT ON COLUMN usertrack.user_score_summary.latest_at IS 'Timestamp of the latest score';

CREATE FUNCTION usertrack.activity_sparkline(user_id text, days integer DEFAULT 30,
                                             metric text DEFAULT 'model_cost')
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bars CONSTANT text[] := '{▁,▂,▃,▄,▅,▆,▇,█}';
    vals numeric[];
    top numeric;
    result text := '';
    v numeric;
BEGIN
    PERFORM usertrack.check_metric(metric, '{model_cost,total_tokens,total_events,errors}');
    IF days IS NULL OR days < 1 OR days > 366 THEN
        RAISE EXCEPTION 'days must be from 1 to 366, not %', COALESCE(days::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(COALESCE(CASE metric WHEN 'model_cost' THEN d.model_cost
                                          WHEN 'total_tokens' THEN d.total_tokens
                                          WHEN 'errors' THEN d.errors
                                          ELSE d.traces END, 0) ORDER BY g.day)
      INTO vals
      FROM generate_series((now() AT TIME ZONE 'UTC')::date - (days - 1),
                           (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS g(day)
      LEFT JOIN usertrack.user_daily_rollup d
        ON d.user_id = activity_sparkline.user_id AND d.day = g.day::date;
    SELECT max(x) INTO top FROM unnest(vals) x;
    FOREACH v IN ARRAY vals LOOP
        result := result || CASE WHEN v <= 0 OR top <= 0 THEN ' '
                                 ELSE bars[1 + least(7, floor(v / top * 8)::int)] END;
    END LOOP;
    RETURN result;
END
$$;
COMMENT ON FUNCTION usertrack.activity_sparkline(text, integer, text) IS
  'A one-line Unicode sparkline of a user''s daily model_cost, total_tokens, total_events or errors over the last days UTC days, oldest first: a blank for a day without any, else a bar of eight heights scaled to the busiest day';

CREATE VIEW usertrack.user_quality AS
WITH top_scores AS (
    SELECT s.name
      FROM usertrack.scores s
     WHERE s.data_type OPERATOR(pg_catalog.<>) 'CATEGORICAL'
     GROUP BY s.name
     ORDER BY pg_catalog.count(*) DESC, s.name
     LIMIT 3
)
SELECT a.user_id, a.model_cost, a.total_events, a.total_observations, a.errors,
       pg_catalog.round(a.errors::numeric OPERATOR(pg_catalog./)
                        NULLIF(a.total_observations, 0), 6) AS error_rate,
       (SELECT pg_catalog.jsonb_object_agg(q.name, pg_catalog.round(q.mean::numeric, 4))
          FROM usertrack.user_score_summary q
         WHERE q.user_id OPERATOR(pg_catalog.=) a.user_id
           AND q.name IN (SELECT name FROM top_scores)) AS score_means,
       usertrack.activity_sparkline(a.user_id) AS activity
  FROM usertrack.all_users a;
COMMENT ON VIEW usertrack.user_quality IS
  'all_users with quality beside cost: per user the error rate, the mean of the three most used numeric score names, and a 30-day cost sparkline';
COMMENT ON COLUMN usertrack.user_quality.user_id IS 'User id';
COMMENT ON COLUMN usertrack.user_quality.model_cost IS 'Model cost, as in all_users';
COMMENT ON COLUMN usertrack.user_quality.total_events IS 'Traces, as in all_users';
COMMENT ON COLUMN usertrack.user_quality.total_observations IS 'Observations, as in all_users';
COMMENT ON COLUMN usertrack.user_quality.errors IS 'Observations at level ERROR';
COMMENT ON COLUMN usertrack.user_quality.error_rate IS 'errors / total_observations';
COMMENT ON COLUMN usertrack.user_quality.score_means IS 'Mean per score name, for the three numeric or boolean score names most used across all users';
COMMENT ON COLUMN usertrack.user_quality.activity IS 'Sparkline of the daily model cost over the last 30 UTC days';

-- The analytics functions read the maintained tables as the extension's
-- owner (SECURITY DEFINER, search_path pinned); grant_reader() lets a role
-- call them.
REVOKE ALL ON FUNCTION usertrack.user_stats(text, timestamptz, timestamptz),
    usertrack.user_stats_of(text, timestamptz, timestamptz),
    usertrack.window_users(timestamptz, timestamptz, boolean),
    usertrack.usage_distribution(text, timestamptz, timestamptz),
    usertrack.outlier_users(text, timestamptz, timestamptz, integer),
    usertrack.segment_stats(text, text, timestamptz, timestamptz),
    usertrack.user_journey(text, timestamptz, timestamptz),
    usertrack.activity_sparkline(text, integer, text),
    usertrack.set_user_traits(text, jsonb) FROM PUBLIC;

------------------------------------------------------------------------------
-- Budgets and alerts: rules over windows of a user's usage, evaluated when
-- a write changes the user's 15-minute buckets (in deferred mode, when the
-- refresh folds them); alerts recorded once per rule, user and period, and
-- announced with NOTIFY on the channel usertrack_alerts.
------------------------------------------------------------------------------

CREATE TABLE usertrack.alert_rules (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name              text NOT NULL,
    metric            text NOT NULL,
    window_kind       text NOT NULL DEFAULT 'rolling',
    window_length     interval,
    time_zone         text NOT NULL DEFAULT 'UTC',
    threshold         numeric NOT NULL,
    scope             text NOT NULL DEFAULT 'all',
    scope_key         text,
    scope_value       text,
    hard_budget       boolean NOT NULL DEFAULT false,
    min_observations  bigint NOT NULL DEFAULT 1,
    enabled           boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT alert_rules_name_key UNIQUE (name)
);
COMMENT ON TABLE usertrack.alert_rules IS
  'Alert rules and hard budgets, written by the operator: a metric of a user over a window, a threshold and a scope. Checked by usertrack.alert_rules_check(); dumped by pg_dump';
COMMENT ON COLUMN usertrack.alert_rules.id IS 'Rule id';
COMMENT ON COLUMN usertrack.alert_rules.name IS 'Unique name, in notifications and check_budget()';
COMMENT ON COLUMN usertrack.alert_rules.metric IS 'model_cost, total_tokens, total_events (traces), errors or error_rate (errors / observations)';
COMMENT ON COLUMN usertrack.alert_rules.window_kind IS 'rolling (the last window_length, to the quarter hour), day or month (the calendar day or month in time_zone)';
COMMENT ON COLUMN usertrack.alert_rules.window_length IS 'rolling only: a whole number of quarter hours, days at most 366, no months; NULL for day and month';
COMMENT ON COLUMN usertrack.alert_rules.time_zone IS 'Time zone of the calendar day or month (any name PostgreSQL knows); rolling windows ignore it';
COMMENT ON COLUMN usertrack.alert_rules.threshold IS 'An alert opens when the value reaches it (value >= threshold); for a hard budget, the limit. error_rate: a fraction in (0, 1]';
COMMENT ON COLUMN usertrack.alert_rules.scope IS 'all (every user), user (the user scope_value) or trait (the users whose trait scope_key has the text value scope_value)';
COMMENT ON COLUMN usertrack.alert_rules.scope_key IS 'trait scope: the trait key';
COMMENT ON COLUMN usertrack.alert_rules.scope_value IS 'user scope: the user id; trait scope: the trait value as text (traits ->> scope_key)';
COMMENT ON COLUMN usertrack.alert_rules.hard_budget IS 'A budget the application enforces with check_budget()';
COMMENT ON COLUMN usertrack.alert_rules.min_observations IS 'error_rate: the fewest observations in the window before the rate counts';
COMMENT ON COLUMN usertrack.alert_rules.enabled IS 'Disabled rules neither alert nor limit';
COMMENT ON COLUMN usertrack.alert_rules.created_at IS 'When the rule was created';
SELECT pg_catalog.pg_extension_config_dump('usertrack.alert_rules', '');
SELECT pg_catalog.pg_extension_config_dump('usertrack.alert_rules_id_seq', '');

CREATE FUNCTION usertrack.alert_rules_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r usertrack.alert_rules := NEW;
    what text;
BEGIN
    what := format('Rule %s.', COALESCE(quote_literal(r.name), 'without a name'));
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'the id of an alert rule cannot change'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column id. ' || what,
                  HINT = 'Its alerts name it; create a new rule instead.';
    END IF;
    IF r.name IS NULL OR r.name = '' OR octet_length(r.name) > 200 THEN
        RAISE EXCEPTION 'invalid name in usertrack.alert_rules'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Column name must be 1 to 200 bytes. ' || what;
    END IF;
    IF r.metric IS NULL OR r.metric NOT IN ('model_cost', 'total_tokens', 'total_events', 'errors', 'error_rate') THEN
        RAISE EXCEPTION 'unknown metric % in usertrack.alert_rules', quote_nullable(r.metric)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column metric. ' || what,
                  HINT = 'Use model_cost, total_tokens, total_events, errors or error_rate.';
    END IF;
    IF r.window_kind IS NULL OR r.window_kind NOT IN ('rolling', 'day', 'month') THEN
        RAISE EXCEPTION 'unknown window kind % in usertrack.alert_rules', quote_nullable(r.window_kind)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_kind. ' || what,
                  HINT = 'Use rolling (with window_length), day or month (with time_zone).';
    END IF;
    IF r.window_kind = 'rolling' THEN
        IF r.window_length IS NULL OR r.window_length <= interval '0'
           OR extract(month FROM r.window_length) <> 0 OR extract(year FROM r.window_length) <> 0
           OR r.window_length > interval '366 days'
           OR extract(epoch FROM r.window_length) % 900 <> 0 THEN
            RAISE EXCEPTION 'invalid rolling window % in usertrack.alert_rules', quote_nullable(r.window_length::text)
                USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_length. ' || what,
                      HINT = 'A rolling window is a positive whole number of quarter hours, at most 366 days, in days, hours and minutes (no months): ''1 hour'', ''24 hours'', ''30 days''. For calendar months use window_kind month.';
        END IF;
    ELSIF r.window_length IS NOT NULL THEN
        RAISE EXCEPTION 'window_length is only for rolling windows'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_length. ' || what,
                  HINT = 'Leave it NULL for window_kind day or month.';
    END IF;
    BEGIN
        PERFORM timezone(r.time_zone, timestamptz '2000-01-01 00:00:00+00');
    EXCEPTION WHEN invalid_parameter_value OR feature_not_supported OR null_value_not_allowed THEN
        RAISE EXCEPTION 'unknown time zone % in usertrack.alert_rules', quote_nullable(r.time_zone)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column time_zone. ' || what,
                  HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin or UTC.';
    END;
    IF r.time_zone IS NULL THEN
        RAISE EXCEPTION 'unknown time zone NULL in usertrack.alert_rules'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column time_zone. ' || what;
    END IF;
    IF r.threshold IS NULL OR r.threshold = 'NaN'::numeric OR r.threshold <= 0
       OR r.threshold IN ('Infinity'::numeric, '-Infinity'::numeric)
       OR (r.metric = 'error_rate' AND r.threshold > 1) THEN
        RAISE EXCEPTION 'invalid threshold % in usertrack.alert_rules', quote_nullable(r.threshold::text)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column threshold. ' || what,
                  HINT = 'A threshold is a finite number above 0; for error_rate a fraction up to 1.';
    END IF;
    IF r.scope IS NULL OR NOT (
           (r.scope = 'all' AND r.scope_key IS NULL AND r.scope_value IS NULL)
        OR (r.scope = 'user' AND r.scope_key IS NULL AND r.scope_value IS NOT NULL AND r.scope_value <> '')
        OR (r.scope = 'trait' AND r.scope_key IS NOT NULL AND r.scope_key <> '' AND r.scope_value IS NOT NULL)) THEN
        RAISE EXCEPTION 'invalid scope % in usertrack.alert_rules', quote_nullable(r.scope)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Columns scope, scope_key, scope_value. ' || what,
                  HINT = 'Use scope all (no key, no value), user (scope_value the user id) or trait (scope_key the trait, scope_value its value as text).';
    END IF;
    IF r.min_observations IS NULL OR r.min_observations < 1 THEN
        RAISE EXCEPTION 'invalid min_observations % in usertrack.alert_rules', quote_nullable(r.min_observations::text)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column min_observations. ' || what;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION usertrack.alert_rules_check() IS
  'Trigger: checks a row of usertrack.alert_rules (metric, window, time zone, threshold, scope) with an error naming the rule and column';
REVOKE ALL ON FUNCTION usertrack.alert_rules_check() FROM PUBLIC;
CREATE TRIGGER check_row BEFORE INSERT OR UPDATE ON usertrack.alert_rules
    FOR EACH ROW EXECUTE FUNCTION usertrack.alert_rules_check();

-- Alert ids are random (uuid), not from a sequence: a restore that runs the
-- triggers (pg_restore without --disable-triggers) may open alerts before
-- pg_dump's sequence values are set, and they must not collide with the
-- restored ones.
CREATE TABLE usertrack.alerts (
    id               uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid() PRIMARY KEY,
    rule_id          bigint NOT NULL,
    user_id          text COLLATE "C" NOT NULL,
    period_start     timestamptz NOT NULL,
    window_start     timestamptz NOT NULL,
    window_end       timestamptz NOT NULL,
    metric           text NOT NULL,
    value            numeric NOT NULL,
    threshold        numeric NOT NULL,
    opened_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    state            text NOT NULL DEFAULT 'open',
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    note             text,
    CONSTRAINT alerts_once UNIQUE (rule_id, user_id, period_start),
    CONSTRAINT alerts_state CHECK (state IN ('open', 'acknowledged'))
);
CREATE INDEX alerts_open ON usertrack.alerts (opened_at) WHERE state = 'open';
CREATE INDEX alerts_user ON usertrack.alerts (user_id);
COMMENT ON TABLE usertrack.alerts IS
  'Alerts: one row per rule, user and period in which the user''s value reached the rule''s threshold, never two. Written by the triggers (and the refresh) as the extension owner; dumped by pg_dump';
COMMENT ON COLUMN usertrack.alerts.id IS 'Alert id (random)';
COMMENT ON COLUMN usertrack.alerts.rule_id IS 'The rule (usertrack.alert_rules.id)';
COMMENT ON COLUMN usertrack.alerts.user_id IS 'The user';
COMMENT ON COLUMN usertrack.alerts.period_start IS 'Start of the period the alert is once for: the calendar day or month, or for a rolling window the window-long period from 2000-01-01 UTC';
COMMENT ON COLUMN usertrack.alerts.window_start IS 'Start of the window measured';
COMMENT ON COLUMN usertrack.alerts.window_end IS 'End of the window measured: the end of the calendar day or month, or the time of the alert for a rolling window';
COMMENT ON COLUMN usertrack.alerts.metric IS 'The rule''s metric';
COMMENT ON COLUMN usertrack.alerts.value IS 'The user''s value when the alert opened';
COMMENT ON COLUMN usertrack.alerts.threshold IS 'The rule''s threshold then';
COMMENT ON COLUMN usertrack.alerts.opened_at IS 'When the alert opened (the writing transaction''s start)';
COMMENT ON COLUMN usertrack.alerts.state IS 'open or acknowledged';
COMMENT ON COLUMN usertrack.alerts.acknowledged_at IS 'When it was acknowledged';
COMMENT ON COLUMN usertrack.alerts.acknowledged_by IS 'Who acknowledged it (session user)';
COMMENT ON COLUMN usertrack.alerts.note IS 'Note given when acknowledging';
SELECT pg_catalog.pg_extension_config_dump('usertrack.alerts', '');

-- One alert per rule, user and period, the earliest: the triggers insert
-- with ON CONFLICT DO NOTHING, and a row arriving for a key that has one
-- already (a restore's COPY, whose rows may come after the triggers of the
-- restored traces opened the same alert again, with pg_restore -j) replaces
-- it only if it opened earlier.
CREATE FUNCTION usertrack.alerts_keep_first()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    existing usertrack.alerts;
BEGIN
    SELECT * INTO existing FROM usertrack.alerts a
     WHERE a.rule_id = NEW.rule_id AND a.user_id = NEW.user_id
       AND a.period_start = NEW.period_start
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NEW.opened_at < existing.opened_at THEN
        DELETE FROM usertrack.alerts a WHERE a.id = existing.id;
        RETURN NEW;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION usertrack.alerts_keep_first() IS
  'Trigger: of two alerts for one rule, user and period, keeps the one opened first (a restored alert replaces the same alert opened again by the restore''s own triggers)';
REVOKE ALL ON FUNCTION usertrack.alerts_keep_first() FROM PUBLIC;
CREATE TRIGGER keep_first BEFORE INSERT ON usertrack.alerts
    FOR EACH ROW EXECUTE FUNCTION usertrack.alerts_keep_first();

-- The alerts of a deleted rule go with it.  (A trigger, not a foreign key:
-- pg_restore -j loads the two tables' data in any order, and a key made
-- with the extension would refuse alerts that arrive before their rule.)
CREATE FUNCTION usertrack.alert_rules_deleted()
RETURNS trigger
LANGUAGE plpgsql
-- as the owner: a role granted DELETE on the rules needs no right on alerts
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_TABLE_SCHEMA <> 'usertrack' OR TG_TABLE_NAME <> 'alert_rules' THEN
        RAISE EXCEPTION 'alert_rules_deleted() may only be fired by a trigger on usertrack.alert_rules';
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM usertrack.alerts;
    ELSE
        DELETE FROM usertrack.alerts a WHERE a.rule_id IN (SELECT o.id FROM old_rules o);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION usertrack.alert_rules_deleted() IS
  'Trigger: deletes the alerts of deleted alert rules';
REVOKE ALL ON FUNCTION usertrack.alert_rules_deleted() FROM PUBLIC;
CREATE TRIGGER delete_alerts AFTER DELETE ON usertrack.alert_rules
    REFERENCING OLD TABLE AS old_rules
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.alert_rules_deleted();
CREATE TRIGGER truncate_alerts AFTER TRUNCATE ON usertrack.alert_rules
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.alert_rules_deleted();

-- A user's usage in [from_time, to_time), both on quarter hours: whole UTC
-- days from user_daily_totals, the rest from user_usage_buckets, plus the
-- log not folded yet.  Exact in both modes; a few index scans.
-- No SET clause (nor STRICT) on this and the helpers below: then the planner
-- inlines them into the caller (evaluate_alerts, check_budget, user_usage,
-- all with search_path pinned), instead of running one function call, with
-- its own executor, per rule and user.  They are not callable by PUBLIC.
CREATE FUNCTION usertrack.usage_between(user_id text, from_time timestamptz, to_time timestamptz)
RETURNS TABLE (traces bigint, observations bigint, input_tokens bigint,
               output_tokens bigint, total_tokens bigint, model_cost numeric,
               errors bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH k AS (
    SELECT ((($2 - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1) AS d1,
           ($3 AT TIME ZONE 'UTC')::date AS d2
), x AS (
    SELECT d.traces, d.observations, d.input_tokens, d.output_tokens, d.total_tokens,
           d.model_cost, d.errors
      FROM k, usertrack.user_daily_totals d
     WHERE k.d1 < k.d2 AND d.user_id = $1 AND d.day >= k.d1 AND d.day < k.d2
    UNION ALL
    SELECT b.traces, b.observations, b.input_tokens, b.output_tokens, b.total_tokens,
           b.model_cost, b.errors
      FROM k, usertrack.user_usage_buckets b
     WHERE b.user_id = $1 AND b.bucket >= $2
       AND b.bucket < CASE WHEN k.d1 < k.d2 THEN k.d1::timestamp AT TIME ZONE 'UTC' ELSE $3 END
    UNION ALL
    SELECT b.traces, b.observations, b.input_tokens, b.output_tokens, b.total_tokens,
           b.model_cost, b.errors
      FROM k, usertrack.user_usage_buckets b
     WHERE k.d1 < k.d2 AND b.user_id = $1
       AND b.bucket >= k.d2::timestamp AT TIME ZONE 'UTC' AND b.bucket < $3
    UNION ALL
    SELECT p.traces, p.observations, p.input_tokens, p.output_tokens, p.total_tokens,
           p.model_cost, p.errors
      FROM usertrack.pending_deltas p
     WHERE p.user_id = $1 AND p.bucket >= $2 AND p.bucket < $3
)
SELECT COALESCE(pg_catalog.sum(x.traces), 0)::bigint,
       COALESCE(pg_catalog.sum(x.observations), 0)::bigint,
       COALESCE(pg_catalog.sum(x.input_tokens), 0)::bigint,
       COALESCE(pg_catalog.sum(x.output_tokens), 0)::bigint,
       COALESCE(pg_catalog.sum(x.total_tokens), 0)::bigint,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(x.model_cost), 0)),
       COALESCE(pg_catalog.sum(x.errors), 0)::bigint
  FROM x
$$;
COMMENT ON FUNCTION usertrack.usage_between(text, timestamptz, timestamptz) IS
  'A user''s usage over the traces dated in [from_time, to_time) (quarter hours), from the maintained data: whole UTC days from user_daily_totals, the rest from user_usage_buckets, plus the unfolded log';
REVOKE ALL ON FUNCTION usertrack.usage_between(text, timestamptz, timestamptz) FROM PUBLIC;

-- The window of a rule at a time: what is measured ([window_start,
-- window_end), window_end infinite for a rolling window: traces dated
-- later than now count too) and the period the alert is once for.
CREATE FUNCTION usertrack.rule_window(window_kind text, window_length interval,
    time_zone text, at timestamptz)
RETURNS TABLE (window_start timestamptz, window_end timestamptz, period_start timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 = 'rolling' THEN usertrack.usage_bucket($4 - $2) ELSE c.s END,
       CASE WHEN $1 = 'rolling' THEN 'infinity'::timestamptz ELSE c.e END,
       CASE WHEN $1 = 'rolling' THEN date_bin($2, $4, '2000-01-01 00:00:00+00'::timestamptz)
            ELSE c.s END
  FROM (SELECT timezone($3, date_trunc(CASE WHEN $1 = 'month' THEN 'month' ELSE 'day' END,
                                       timezone($3, $4))) AS s,
               timezone($3, date_trunc(CASE WHEN $1 = 'month' THEN 'month' ELSE 'day' END,
                                       timezone($3, $4))
                            + CASE WHEN $1 = 'month' THEN interval '1 month' ELSE interval '1 day' END) AS e) c
$$;
COMMENT ON FUNCTION usertrack.rule_window(text, interval, text, timestamptz) IS
  'The window a rule measures at a time (rolling: from the quarter hour at or before at - window_length, with no end; day and month: the calendar day or month in time_zone) and the period its alert is once for';
REVOKE ALL ON FUNCTION usertrack.rule_window(text, interval, text, timestamptz) FROM PUBLIC;

-- A rule's value from a window's usage; NULL for an error rate over fewer
-- observations than the rule asks for.
CREATE FUNCTION usertrack.rule_value(metric text, min_observations bigint,
    traces bigint, observations bigint, total_tokens bigint, model_cost numeric,
    errors bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE $1
    WHEN 'model_cost' THEN $6
    WHEN 'total_tokens' THEN $5::numeric
    WHEN 'total_events' THEN $3::numeric
    WHEN 'errors' THEN $7::numeric
    WHEN 'error_rate' THEN CASE WHEN $4 >= $2 AND $4 > 0 THEN round($7::numeric / $4, 6) END
END
$$;
COMMENT ON FUNCTION usertrack.rule_value(text, bigint, bigint, bigint, bigint, numeric, bigint) IS
  'The value of a rule''s metric from a window''s usage; error_rate is errors / observations rounded to 6 digits, NULL below min_observations';
REVOKE ALL ON FUNCTION usertrack.rule_value(text, bigint, bigint, bigint, bigint, numeric, bigint) FROM PUBLIC;


-- The statement the triggers (and the refresh) run, as the extension owner,
-- after a statement's user rows are written, with the users whose buckets
-- changed (summaries.c, Q_ALERTS_CHECK): two writers of one user are
-- serialised by the user's row before they get here, so the second sees the
-- first.  Callable by the owner, to evaluate now (after adding a rule).
CREATE FUNCTION usertrack.evaluate_alerts(users text[])
RETURNS bigint
AS 'MODULE_PATHNAME', 'usertrack_evaluate_alerts'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION usertrack.evaluate_alerts(text[]) IS
  'Evaluates the enabled alert rules for some users now: opens (and notifies on channel usertrack_alerts) each alert whose value reached its threshold, once per rule, user and period; returns how many opened. Run by the triggers and the refresh; the owner may call it after adding a rule';
REVOKE ALL ON FUNCTION usertrack.evaluate_alerts(text[]) FROM PUBLIC;

CREATE FUNCTION usertrack.check_budget(user_id text)
RETURNS TABLE (rule_id bigint, rule_name text, metric text, window_start timestamptz,
               window_end timestamptz, used numeric, budget_limit numeric,
               remaining numeric, allowed boolean)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
-- planned once per session, not at every call: it runs before every
-- model call of the application
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    traits jsonb;
BEGIN
    -- the user's traits, for trait scopes: a trait set to JSON null reads
    -- as NULL, like one removed (as in the view user_traits)
    SELECT COALESCE((SELECT f.traits FROM usertrack.user_traits_from_traces f
                      WHERE f.user_id = check_budget.user_id), '{}')
        || COALESCE((SELECT s.traits FROM usertrack.user_traits_set s
                      WHERE s.user_id = check_budget.user_id), '{}')
      INTO traits;
    RETURN QUERY
    SELECT r.id, r.name, r.metric, w.window_start,
           CASE WHEN w.window_end = 'infinity' THEN now() ELSE w.window_end END,
           COALESCE(usertrack.rule_value(r.metric, r.min_observations, s.traces,
                        s.observations, s.total_tokens, s.model_cost, s.errors), 0),
           r.threshold,
           GREATEST(r.threshold - COALESCE(usertrack.rule_value(r.metric, r.min_observations,
                        s.traces, s.observations, s.total_tokens, s.model_cost, s.errors), 0), 0),
           COALESCE(usertrack.rule_value(r.metric, r.min_observations, s.traces,
                        s.observations, s.total_tokens, s.model_cost, s.errors), 0) < r.threshold
      FROM usertrack.alert_rules r
     CROSS JOIN LATERAL usertrack.rule_window(r.window_kind, r.window_length, r.time_zone, now()) w
     CROSS JOIN LATERAL usertrack.usage_between(check_budget.user_id, w.window_start, w.window_end) s
     WHERE r.enabled AND r.hard_budget
       AND (r.scope = 'all'
            OR (r.scope = 'user' AND r.scope_value = check_budget.user_id)
            OR (r.scope = 'trait' AND traits ->> r.scope_key = r.scope_value))
     ORDER BY r.name;
END
$$;
COMMENT ON FUNCTION usertrack.check_budget(text) IS
  'For each enabled hard budget that applies to a user: the amount used in the current window, the limit, what remains and whether a call is allowed (used < limit). No rows: no budget applies. From the maintained data, for every request';

CREATE FUNCTION usertrack.budget_allows(user_id text)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT COALESCE(bool_and(b.allowed), true) FROM usertrack.check_budget($1) b
$$;
COMMENT ON FUNCTION usertrack.budget_allows(text) IS
  'Whether every hard budget of a user still allows a call (true when none applies)';

CREATE FUNCTION usertrack.user_usage(user_id text, window_length interval)
RETURNS TABLE (window_start timestamptz, window_end timestamptz, traces bigint,
               observations bigint, input_tokens bigint, output_tokens bigint,
               total_tokens bigint, model_cost numeric, errors bigint, error_rate numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    from_time timestamptz;
BEGIN
    IF user_usage.user_id IS NULL THEN
        RAISE EXCEPTION 'user_id must not be NULL in usertrack.user_usage()'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Traces without a user are counted under the user id ''''.';
    END IF;
    IF window_length IS NULL OR window_length <= interval '0' THEN
        RAISE EXCEPTION 'invalid window % for usertrack.user_usage()', quote_nullable(window_length::text)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Argument window_length must be a positive interval.',
                  HINT = 'For example ''1 hour'', ''24 hours'' or ''30 days''.';
    END IF;
    BEGIN
        from_time := usertrack.usage_bucket(now() - window_length);
    EXCEPTION WHEN datetime_field_overflow THEN
        RAISE EXCEPTION 'invalid window % for usertrack.user_usage()', quote_literal(window_length::text)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Argument window_length reaches before the earliest timestamp.';
    END;
    RETURN QUERY
    SELECT from_time, now(), s.traces, s.observations, s.input_tokens, s.output_tokens,
           s.total_tokens, s.model_cost, s.errors,
           round(s.errors::numeric / NULLIF(s.observations, 0), 6)
      FROM usertrack.usage_between(user_usage.user_id, from_time, 'infinity') s;
END
$$;
COMMENT ON FUNCTION usertrack.user_usage(text, interval) IS
  'A user''s usage over the last window_length, to the quarter hour (from the quarter hour at or before now - window_length; traces dated later than now count too), from the maintained data';

CREATE FUNCTION usertrack.list_alerts(only_open boolean DEFAULT true,
                                      since timestamptz DEFAULT NULL)
RETURNS TABLE (alert_id uuid, rule_name text, user_id text, metric text, value numeric,
               threshold numeric, hard_budget boolean, window_start timestamptz,
               window_end timestamptz, opened_at timestamptz, state text,
               acknowledged_at timestamptz, acknowledged_by text, note text)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT a.id, r.name, a.user_id, a.metric, a.value, a.threshold, r.hard_budget,
       a.window_start, a.window_end, a.opened_at, a.state, a.acknowledged_at,
       a.acknowledged_by, a.note
  FROM usertrack.alerts a
  LEFT JOIN usertrack.alert_rules r ON r.id = a.rule_id
 WHERE (NOT COALESCE($1, true) OR a.state = 'open')
   AND ($2 IS NULL OR a.opened_at >= $2)
 ORDER BY a.opened_at DESC, a.id DESC
$$;
COMMENT ON FUNCTION usertrack.list_alerts(boolean, timestamptz) IS
  'The alerts, newest first: the open ones (only_open, the default) or all, opened since a time if given';

CREATE FUNCTION usertrack.acknowledge_alert(alert_id uuid, note text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_state text;
BEGIN
    SELECT a.state INTO found_state FROM usertrack.alerts a
     WHERE a.id = acknowledge_alert.alert_id FOR UPDATE;
    IF found_state IS NULL THEN
        RAISE EXCEPTION 'no alert %', COALESCE(acknowledge_alert.alert_id::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'usertrack.alerts has no row with this id.',
                  HINT = 'usertrack.list_alerts() lists the open alerts.';
    END IF;
    IF found_state <> 'open' THEN
        RETURN false;
    END IF;
    UPDATE usertrack.alerts a
       SET state = 'acknowledged', acknowledged_at = now(),
           acknowledged_by = session_user, note = acknowledge_alert.note
     WHERE a.id = acknowledge_alert.alert_id;
    RETURN true;
END
$$;
COMMENT ON FUNCTION usertrack.acknowledge_alert(uuid, text) IS
  'Acknowledges an open alert (with an optional note); false if it was acknowledged already. An acknowledged alert stays: the rule does not alert the user again in that period';

REVOKE ALL ON FUNCTION usertrack.check_budget(text), usertrack.budget_allows(text),
    usertrack.user_usage(text, interval), usertrack.list_alerts(boolean, timestamptz),
    usertrack.acknowledge_alert(uuid, text) FROM PUBLIC;

------------------------------------------------------------------------------
-- Ingestion: Langfuse ingestion batches (docs/ingestion.md).
------------------------------------------------------------------------------

-- Langfuse's environment rule: lower case, a leading "langfuse" (with "-"
-- or "_") stripped, at most 40 characters of a-z 0-9 _ -, else 'default'.
CREATE FUNCTION usertrack.ingest_environment(environment text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(environment),
                                                   '^(langfuse[-_]?)+', ''), 40)
         OPERATOR(pg_catalog.~) '^[a-z0-9_-]+$'
    THEN pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(environment),
                                                   '^(langfuse[-_]?)+', ''), 40)
    ELSE 'default' END;
COMMENT ON FUNCTION usertrack.ingest_environment(text) IS
  'An environment name as Langfuse normalises it: lower case, a leading langfuse, langfuse- or langfuse_ stripped, at most 40 characters of a-z, 0-9, _ and -, else default';

CREATE FUNCTION usertrack.ingest(batch jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'usertrack_ingest'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION usertrack.ingest(jsonb) IS
  'Takes the body of a Langfuse ingestion request ({"batch": [events]}: trace-create, span/generation/event and the newer observation types, observation-create/update, score-create, sdk-log), upserts traces, observations and scores with Langfuse''s merge rules, and returns {"successes": [{"id", "status"}], "errors": [{"id", "status", "message", "error"}]}: a bad event is reported there and the others land. Runs with the caller''s rights on the input tables';
REVOKE ALL ON FUNCTION usertrack.ingest(jsonb) FROM PUBLIC;

CREATE FUNCTION usertrack.ingest_otlp(request jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'usertrack_ingest_otlp'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION usertrack.ingest_otlp(jsonb) IS
  'Takes an OTLP/HTTP JSON trace export ({"resourceSpans": [...]}): one trace per trace id, one observation per span, user, session, tags, metadata, model, usage, cost, level and type from the Langfuse, OpenTelemetry GenAI and OpenInference attributes; merged like ingest(). Returns {} or the OTLP partial success {"partialSuccess": {"rejectedSpans", "errorMessage"}}. Runs with the caller''s rights on the input tables';
REVOKE ALL ON FUNCTION usertrack.ingest_otlp(jsonb) FROM PUBLIC;

------------------------------------------------------------------------------
-- Roles, and one user's data: export and erasure.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.grant_writer(role_name regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA usertrack TO %s', role_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON usertrack.traces, '
                   'usertrack.observations, usertrack.scores, usertrack.user_traits_set TO %s', role_name);
    EXECUTE format('GRANT SELECT ON usertrack.user_traits TO %s', role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION usertrack.set_user_traits(text, jsonb), '
                   'usertrack.check_budget(text), usertrack.budget_allows(text), '
                   'usertrack.user_usage(text, interval), usertrack.ingest(jsonb), '
                   'usertrack.ingest_otlp(jsonb) TO %s', role_name);
END
$$;
COMMENT ON FUNCTION usertrack.grant_writer(regrole) IS
  'Lets a role write the input tables and the traits it sets (SELECT, INSERT, UPDATE, DELETE on traces, observations, scores and user_traits_set; upserts included; set_user_traits(); SELECT on the user_traits view), and check budgets (check_budget(), budget_allows(), user_usage()), and send Langfuse batches and OTLP exports (ingest(), ingest_otlp()). Its writes keep every total right and open alerts, although it gets no right on the maintained tables, the rules or the alerts';
REVOKE ALL ON FUNCTION usertrack.grant_writer(regrole) FROM PUBLIC;

CREATE FUNCTION usertrack.grant_reader(role_name regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA usertrack TO %s', role_name);
    EXECUTE format('GRANT SELECT ON usertrack.all_users, usertrack.user_traces, '
                   'usertrack.user_sessions, usertrack.user_scores, '
                   'usertrack.user_daily, usertrack.totals, '
                   'usertrack.model_prices, usertrack.unpriced_models, '
                   'usertrack.unpriced_usage, usertrack.user_traits, '
                   'usertrack.user_score_summary, usertrack.user_quality TO %s', role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION '
                   'usertrack.user_stats(text, timestamptz, timestamptz), '
                   'usertrack.usage_distribution(text, timestamptz, timestamptz), '
                   'usertrack.outlier_users(text, timestamptz, timestamptz, integer), '
                   'usertrack.segment_stats(text, text, timestamptz, timestamptz), '
                   'usertrack.user_journey(text, timestamptz, timestamptz), '
                   'usertrack.activity_sparkline(text, integer, text), '
                   'usertrack.check_budget(text), usertrack.budget_allows(text), '
                   'usertrack.user_usage(text, interval), '
                   'usertrack.list_alerts(boolean, timestamptz) TO %s', role_name);
    EXECUTE format('GRANT SELECT ON usertrack.alert_rules TO %s', role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION usertrack.compute_cost(text, '
                   'timestamptz, jsonb, bigint, bigint, bigint, jsonb) TO %s', role_name);
END
$$;
COMMENT ON FUNCTION usertrack.grant_reader(regrole) IS
  'Lets a role (a BI tool, a dashboard) read the public views, the model prices, the user traits and the alert rules, and call the analytics, budget and alert-listing functions, and nothing else';
REVOKE ALL ON FUNCTION usertrack.grant_reader(regrole) FROM PUBLIC;

CREATE FUNCTION usertrack.export_user(user_id text)
RETURNS jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_build_object(
    'user_id', $1,
    'exported_at', now(),
    'totals', (SELECT to_jsonb(a) FROM usertrack.all_users a WHERE a.user_id = $1),
    'traits', (SELECT t.traits FROM usertrack.user_traits t WHERE t.user_id = $1),
    'sessions', COALESCE((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.first_event, s.session_id)
                            FROM usertrack.user_sessions s WHERE s.user_id = $1), '[]'),
    'daily', COALESCE((SELECT jsonb_agg(to_jsonb(d) ORDER BY d.day)
                         FROM usertrack.user_daily d WHERE d.user_id = $1), '[]'),
    'alerts', COALESCE((SELECT jsonb_agg(to_jsonb(a) || jsonb_build_object('rule', r.name)
                                         ORDER BY a.opened_at, a.id)
                          FROM usertrack.alerts a
                          JOIN usertrack.alert_rules r ON r.id = a.rule_id
                         WHERE a.user_id = $1), '[]'),
    'traces', COALESCE((
        SELECT jsonb_agg(to_jsonb(t)
                 || jsonb_build_object(
                      'observations', COALESCE((SELECT jsonb_agg(to_jsonb(o) ORDER BY o.start_time, o.id)
                                                  FROM usertrack.observations o
                                                 WHERE o.trace_id = t.id), '[]'),
                      'scores', COALESCE((SELECT jsonb_agg(to_jsonb(s) ORDER BY s."timestamp", s.id)
                                            FROM usertrack.scores s
                                           WHERE s.trace_id = t.id), '[]'))
               ORDER BY t."timestamp", t.id)
          FROM usertrack.traces t WHERE t.user_id = $1), '[]'))
$$;
COMMENT ON FUNCTION usertrack.export_user(text) IS
  'Everything stored about one user as one JSON document (for access requests): totals, sessions, days, alerts, and every trace with its observations and scores';
REVOKE ALL ON FUNCTION usertrack.export_user(text) FROM PUBLIC;

CREATE FUNCTION usertrack.forget_user(user_id text)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
WITH s AS (
    DELETE FROM usertrack.scores s
     USING usertrack.traces t
     WHERE t.user_id = $1 AND s.trace_id = t.id
    RETURNING 1
), o AS (
    DELETE FROM usertrack.observations o
     USING usertrack.traces t
     WHERE t.user_id = $1 AND o.trace_id = t.id
    RETURNING 1
), t AS (
    DELETE FROM usertrack.traces t WHERE t.user_id = $1
    RETURNING 1
), u AS (
    DELETE FROM usertrack.user_traits_set u WHERE u.user_id = $1
    RETURNING 1
), a AS (
    DELETE FROM usertrack.alerts a WHERE a.user_id = $1
    RETURNING 1
), r AS (
    -- rules for this user alone name the user
    DELETE FROM usertrack.alert_rules r WHERE r.scope = 'user' AND r.scope_value = $1
    RETURNING 1
)
SELECT 'scores', (SELECT count(*) FROM s)
UNION ALL SELECT 'observations', (SELECT count(*) FROM o)
UNION ALL SELECT 'traces', (SELECT count(*) FROM t)
UNION ALL SELECT 'user_traits_set', (SELECT count(*) FROM u)
UNION ALL SELECT 'alerts', (SELECT count(*) FROM a)
UNION ALL SELECT 'alert_rules', (SELECT count(*) FROM r)
$$;
COMMENT ON FUNCTION usertrack.forget_user(text) IS
  'Erases one user: their traces, the observations and scores of those traces, their traits, their alerts and the alert rules for them alone, and with them every total of the user, in one statement; returns the rows deleted per table';
REVOKE ALL ON FUNCTION usertrack.forget_user(text) FROM PUBLIC;

------------------------------------------------------------------------------
-- The shipped model prices (source 'default'): current public prices, USD
-- per unit, checked 2026-11-25; sources and doubts in docs/default-prices.md.
-- Ids are fixed: a later version's script corrects a row by id or adds rows
-- with new ids below 1000000, never touching the operator's rows.
------------------------------------------------------------------------------
-- Prices are USD per unit (per token unless the usage kind says otherwise).
INSERT INTO usertrack.model_prices
    (id, model_name, match_pattern, tier, tier_priority,
     usage_pattern, usage_operator, usage_threshold,
     parameter_key, parameter_values,
     input_price, output_price, usage_prices, source)
VALUES
    -- ======================================================================
    -- OpenAI: 106 models
    -- ======================================================================
    -- from the Langfuse default price list (commit 62751446149b)
    (1, 'gpt-4o', '(?i)^(openai/)?(gpt-4o)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.00001, '{"input_cached_tokens": 0.00000125, "input_cache_read": 0.00000125, "cache_read_input_tokens": 0.00000125}', 'default'),
    (2, 'gpt-4o', '(?i)^(openai/)?(gpt-4o)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000425, 0.000017, '{"input_cached_tokens": 0.000002125, "input_cache_read": 0.000002125, "cache_read_input_tokens": 0.000002125}', 'default'),
    (3, 'gpt-4o-2024-05-13', '(?i)^(openai/)?(gpt-4o-2024-05-13)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000015, '{}', 'default'),
    (4, 'gpt-4o-2024-05-13', '(?i)^(openai/)?(gpt-4o-2024-05-13)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000875, 0.00002625, '{}', 'default'),
    (5, 'gpt-4-1106-preview', '(?i)^(openai/)?(gpt-4-1106-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (6, 'gpt-4-vision-preview', '(?i)^(openai/)?(gpt-4(-\d{4})?-vision-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (7, 'gpt-4-32k', '(?i)^(openai/)?(gpt-4-32k)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00006, 0.00012, '{}', 'default'),
    (8, 'gpt-4-32k-0613', '(?i)^(openai/)?(gpt-4-32k-0613)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00006, 0.00012, '{}', 'default'),
    (9, 'gpt-3.5-turbo-1106', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-1106)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000001, 0.000002, '{}', 'default'),
    (10, 'gpt-3.5-turbo-0613', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-0613)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000015, 0.000002, '{}', 'default'),
    (11, 'gpt-4-0613', '(?i)^(openai/)?(gpt-4-0613)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00006, '{}', 'default'),
    (12, 'gpt-3.5-turbo-instruct', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-instruct)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000015, 0.000002, '{}', 'default'),
    (13, 'text-ada-001', '(?i)^(text-ada-001)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.000004}', 'default'),
    (14, 'text-babbage-001', '(?i)^(text-babbage-001)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000005}', 'default'),
    (15, 'text-curie-001', '(?i)^(text-curie-001)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00002}', 'default'),
    (16, 'text-davinci-001', '(?i)^(text-davinci-001)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00002}', 'default'),
    (17, 'text-davinci-002', '(?i)^(text-davinci-002)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00002}', 'default'),
    (18, 'text-davinci-003', '(?i)^(text-davinci-003)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00002}', 'default'),
    (19, 'text-embedding-ada-002-v2', '(?i)^(text-embedding-ada-002-v2)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (20, 'text-embedding-ada-002', '(?i)^(text-embedding-ada-002)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (21, 'gpt-3.5-turbo-16k-0613', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-16k-0613)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000004, '{}', 'default'),
    (22, 'gpt-3.5-turbo-0301', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-0301)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000002, '{}', 'default'),
    (23, 'gpt-4-32k-0314', '(?i)^(openai/)?(gpt-4-32k-0314)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00006, 0.00012, '{}', 'default'),
    (24, 'gpt-4-0314', '(?i)^(openai/)?(gpt-4-0314)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00006, '{}', 'default'),
    (25, 'gpt-4', '(?i)^(openai/)?(gpt-4)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00006, '{}', 'default'),
    (26, 'babbage-002', '(?i)^(babbage-002)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000004, 0.0000004, '{}', 'default'),
    (27, 'davinci-002', '(?i)^(davinci-002)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000002, '{}', 'default'),
    (28, 'text-embedding-3-small', '(?i)^(text-embedding-3-small)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00000002}', 'default'),
    (29, 'text-embedding-3-large', '(?i)^(text-embedding-3-large)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00000013}', 'default'),
    (30, 'gpt-3.5-turbo-0125', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-0125)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (31, 'gpt-3.5-turbo', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (32, 'gpt-4-0125-preview', '(?i)^(openai/)?(gpt-4-0125-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (33, 'ft:gpt-3.5-turbo-1106', '(?i)^(ft:)(gpt-3.5-turbo-1106)(:(.+)(:)(.*)(:)(.+))?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000006, '{}', 'default'),
    (34, 'ft:gpt-3.5-turbo-0613', '(?i)^(ft:)(gpt-3.5-turbo-0613)(:(.+)(:)(.*)(:)(.+))?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000012, 0.000016, '{}', 'default'),
    (35, 'ft:davinci-002', '(?i)^(ft:)(davinci-002)(:(.+)(:)(.*)(:)(.+))?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000012, 0.000012, '{}', 'default'),
    (36, 'ft:babbage-002', '(?i)^(ft:)(babbage-002)(:(.+)(:)(.*)(:)(.+))?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000016, 0.0000016, '{}', 'default'),
    (37, 'gpt-3.5-turbo-16k', '(?i)^(openai/)?(gpt-)(35|3.5)(-turbo-16k)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (38, 'gpt-4-turbo-preview', '(?i)^(openai/)?(gpt-4-turbo-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (39, 'gpt-4-turbo-2024-04-09', '(?i)^(openai/)?(gpt-4-turbo-2024-04-09)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (40, 'gpt-4-turbo', '(?i)^(openai/)?(gpt-4-turbo)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (41, 'gpt-4-preview', '(?i)^(openai/)?(gpt-4-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00003, '{}', 'default'),
    (42, 'gpt-4o-mini', '(?i)^(openai/)?(gpt-4o-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.0000006, '{"input_cached_tokens": 0.000000075, "input_cache_read": 0.000000075, "cache_read_input_tokens": 0.000000075}', 'default'),
    (43, 'gpt-4o-mini', '(?i)^(openai/)?(gpt-4o-mini)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000025, 0.000001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "cache_read_input_tokens": 0.000000125}', 'default'),
    (44, 'gpt-4o-mini-2024-07-18', '(?i)^(openai/)?(gpt-4o-mini-2024-07-18)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.0000006, '{"input_cached_tokens": 0.000000075, "input_cache_read": 0.000000075, "cache_read_input_tokens": 0.000000075}', 'default'),
    (45, 'gpt-4o-mini-2024-07-18', '(?i)^(openai/)?(gpt-4o-mini-2024-07-18)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000025, 0.000001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "cache_read_input_tokens": 0.000000125}', 'default'),
    (46, 'gpt-4o-2024-08-06', '(?i)^(openai/)?(gpt-4o-2024-08-06)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.00001, '{"input_cached_tokens": 0.00000125, "input_cache_read": 0.00000125, "cache_read_input_tokens": 0.00000125}', 'default'),
    (47, 'gpt-4o-2024-08-06', '(?i)^(openai/)?(gpt-4o-2024-08-06)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000425, 0.000017, '{"input_cached_tokens": 0.000002125, "input_cache_read": 0.000002125, "cache_read_input_tokens": 0.000002125}', 'default'),
    (48, 'o1-preview', '(?i)^(openai/)?(o1-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00006, '{"input_cached_tokens": 0.0000075, "input_cache_read": 0.0000075, "output_reasoning_tokens": 0.00006, "output_reasoning": 0.00006}', 'default'),
    (49, 'o1-preview-2024-09-12', '(?i)^(openai/)?(o1-preview-2024-09-12)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00006, '{"input_cached_tokens": 0.0000075, "input_cache_read": 0.0000075, "output_reasoning_tokens": 0.00006, "output_reasoning": 0.00006}', 'default'),
    (50, 'o1-mini', '(?i)^(openai/)?(o1-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.00000055, "input_cache_read": 0.00000055, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044}', 'default'),
    (51, 'o1-mini-2024-09-12', '(?i)^(openai/)?(o1-mini-2024-09-12)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.00000055, "input_cache_read": 0.00000055, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044}', 'default'),
    (52, 'chatgpt-4o-latest', '(?i)^(chatgpt-4o-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000015, '{}', 'default'),
    (53, 'gpt-4o-2024-11-20', '(?i)^(openai/)?(gpt-4o-2024-11-20)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.00001, '{"input_cached_tokens": 0.00000125, "input_cache_read": 0.00000125, "cache_read_input_tokens": 0.00000125}', 'default'),
    (54, 'gpt-4o-2024-11-20', '(?i)^(openai/)?(gpt-4o-2024-11-20)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000425, 0.000017, '{"input_cached_tokens": 0.000002125, "input_cache_read": 0.000002125, "cache_read_input_tokens": 0.000002125}', 'default'),
    (55, 'gpt-4o-audio-preview', '(?i)^(openai/)?(gpt-4o-audio-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_text_tokens": 0.0000025, "output_text_tokens": 0.00001, "input_audio_tokens": 0.0001, "input_audio": 0.0001, "output_audio_tokens": 0.0002, "output_audio": 0.0002}', 'default'),
    (56, 'gpt-4o-audio-preview-2024-10-01', '(?i)^(openai/)?(gpt-4o-audio-preview-2024-10-01)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_text_tokens": 0.0000025, "output_text_tokens": 0.00001, "input_audio_tokens": 0.0001, "input_audio": 0.0001, "output_audio_tokens": 0.0002, "output_audio": 0.0002}', 'default'),
    (57, 'gpt-4o-realtime-preview', '(?i)^(openai/)?(gpt-4o-realtime-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_text_tokens": 0.000005, "input_cached_text_tokens": 0.0000025, "output_text_tokens": 0.00002, "input_audio_tokens": 0.0001, "input_audio": 0.0001, "input_cached_audio_tokens": 0.00002, "output_audio_tokens": 0.0002, "output_audio": 0.0002}', 'default'),
    (58, 'gpt-4o-realtime-preview-2024-10-01', '(?i)^(openai/)?(gpt-4o-realtime-preview-2024-10-01)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_text_tokens": 0.000005, "input_cached_text_tokens": 0.0000025, "output_text_tokens": 0.00002, "input_audio_tokens": 0.0001, "input_audio": 0.0001, "input_cached_audio_tokens": 0.00002, "output_audio_tokens": 0.0002, "output_audio": 0.0002}', 'default'),
    (59, 'o1', '(?i)^(openai/)?(o1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00006, '{"input_cached_tokens": 0.0000075, "input_cache_read": 0.0000075, "output_reasoning_tokens": 0.00006, "output_reasoning": 0.00006}', 'default'),
    (60, 'o1-2024-12-17', '(?i)^(openai/)?(o1-2024-12-17)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00006, '{"input_cached_tokens": 0.0000075, "input_cache_read": 0.0000075, "output_reasoning_tokens": 0.00006, "output_reasoning": 0.00006}', 'default'),
    (61, 'o3-mini', '(?i)^(openai/)?(o3-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.00000055, "input_cache_read": 0.00000055, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044}', 'default'),
    (62, 'o3-mini-2025-01-31', '(?i)^(openai/)?(o3-mini-2025-01-31)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.00000055, "input_cache_read": 0.00000055, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044}', 'default'),
    (63, 'gpt-4.5-preview', '(?i)^(openai/)?(gpt-4.5-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000075, 0.00015, '{"input_cached_tokens": 0.0000375, "input_cached_text_tokens": 0.0000375, "input_cache_read": 0.0000375}', 'default'),
    (64, 'gpt-4.5-preview-2025-02-27', '(?i)^(openai/)?(gpt-4.5-preview-2025-02-27)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000075, 0.00015, '{"input_cached_tokens": 0.0000375, "input_cached_text_tokens": 0.0000375, "input_cache_read": 0.0000375}', 'default'),
    (65, 'gpt-4.1', '(?i)^(openai/)?(gpt-4.1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cached_text_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005}', 'default'),
    (66, 'gpt-4.1', '(?i)^(openai/)?(gpt-4.1)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000014, '{"input_cached_tokens": 0.000000875, "input_cached_text_tokens": 0.000000875, "input_cache_read": 0.000000875, "cache_read_input_tokens": 0.000000875}', 'default'),
    (67, 'gpt-4.1-2025-04-14', '(?i)^(openai/)?(gpt-4.1-2025-04-14)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cached_text_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005}', 'default'),
    (68, 'gpt-4.1-2025-04-14', '(?i)^(openai/)?(gpt-4.1-2025-04-14)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000014, '{"input_cached_tokens": 0.000000875, "input_cached_text_tokens": 0.000000875, "input_cache_read": 0.000000875, "cache_read_input_tokens": 0.000000875}', 'default'),
    (69, 'gpt-4.1-mini-2025-04-14', '(?i)^(openai/)?(gpt-4.1-mini-2025-04-14)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000004, 0.0000016, '{"input_cached_tokens": 0.0000001, "input_cached_text_tokens": 0.0000001, "input_cache_read": 0.0000001, "cache_read_input_tokens": 0.0000001}', 'default'),
    (70, 'gpt-4.1-mini-2025-04-14', '(?i)^(openai/)?(gpt-4.1-mini-2025-04-14)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000007, 0.0000028, '{"input_cached_tokens": 0.000000175, "input_cached_text_tokens": 0.000000175, "input_cache_read": 0.000000175, "cache_read_input_tokens": 0.000000175}', 'default'),
    (71, 'gpt-4.1-nano-2025-04-14', '(?i)^(openai/)?(gpt-4.1-nano-2025-04-14)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000004, '{"input_cached_tokens": 0.000000025, "input_cached_text_tokens": 0.000000025, "input_cache_read": 0.000000025, "cache_read_input_tokens": 0.000000025}', 'default'),
    (72, 'gpt-4.1-nano-2025-04-14', '(?i)^(openai/)?(gpt-4.1-nano-2025-04-14)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000002, 0.0000008, '{"input_cached_tokens": 0.00000005, "input_cached_text_tokens": 0.00000005, "input_cache_read": 0.00000005, "cache_read_input_tokens": 0.00000005}', 'default'),
    (73, 'o3', '(?i)^(openai/)?(o3)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "output_reasoning_tokens": 0.000008, "output_reasoning": 0.000008, "cache_read_input_tokens": 0.0000005, "reasoning_tokens": 0.000008}', 'default'),
    (74, 'o3', '(?i)^(openai/)?(o3)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000014, '{"input_cached_tokens": 0.000000875, "input_cache_read": 0.000000875, "output_reasoning_tokens": 0.000014, "output_reasoning": 0.000014, "cache_read_input_tokens": 0.000000875, "reasoning_tokens": 0.000014}', 'default'),
    (75, 'o3', '(?i)^(openai/)?(o3)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000001, 0.000004, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.000004, "output_reasoning": 0.000004, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.000004}', 'default'),
    (76, 'o3-2025-04-16', '(?i)^(openai/)?(o3-2025-04-16)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "output_reasoning_tokens": 0.000008, "output_reasoning": 0.000008, "cache_read_input_tokens": 0.0000005, "reasoning_tokens": 0.000008}', 'default'),
    (77, 'o3-2025-04-16', '(?i)^(openai/)?(o3-2025-04-16)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000014, '{"input_cached_tokens": 0.000000875, "input_cache_read": 0.000000875, "output_reasoning_tokens": 0.000014, "output_reasoning": 0.000014, "cache_read_input_tokens": 0.000000875, "reasoning_tokens": 0.000014}', 'default'),
    (78, 'o3-2025-04-16', '(?i)^(openai/)?(o3-2025-04-16)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000001, 0.000004, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.000004, "output_reasoning": 0.000004, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.000004}', 'default'),
    (79, 'o4-mini', '(?i)^(openai/)?(o4-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.000000275, "input_cache_read": 0.000000275, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044, "cache_read_input_tokens": 0.000000275, "reasoning_tokens": 0.0000044}', 'default'),
    (80, 'o4-mini', '(?i)^(openai/)?(o4-mini)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "output_reasoning_tokens": 0.000008, "output_reasoning": 0.000008, "cache_read_input_tokens": 0.0000005, "reasoning_tokens": 0.000008}', 'default'),
    (81, 'o4-mini', '(?i)^(openai/)?(o4-mini)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.00000055, 0.0000022, '{"input_cached_tokens": 0.000000138, "input_cache_read": 0.000000138, "output_reasoning_tokens": 0.0000022, "output_reasoning": 0.0000022, "cache_read_input_tokens": 0.000000138, "reasoning_tokens": 0.0000022}', 'default'),
    (82, 'o4-mini-2025-04-16', '(?i)^(openai/)?(o4-mini-2025-04-16)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000011, 0.0000044, '{"input_cached_tokens": 0.000000275, "input_cache_read": 0.000000275, "output_reasoning_tokens": 0.0000044, "output_reasoning": 0.0000044, "cache_read_input_tokens": 0.000000275, "reasoning_tokens": 0.0000044}', 'default'),
    (83, 'o4-mini-2025-04-16', '(?i)^(openai/)?(o4-mini-2025-04-16)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "output_reasoning_tokens": 0.000008, "output_reasoning": 0.000008, "cache_read_input_tokens": 0.0000005, "reasoning_tokens": 0.000008}', 'default'),
    (84, 'o4-mini-2025-04-16', '(?i)^(openai/)?(o4-mini-2025-04-16)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.00000055, 0.0000022, '{"input_cached_tokens": 0.000000138, "input_cache_read": 0.000000138, "output_reasoning_tokens": 0.0000022, "output_reasoning": 0.0000022, "cache_read_input_tokens": 0.000000138, "reasoning_tokens": 0.0000022}', 'default'),
    (85, 'gpt-4.1-nano', '(?i)^(openai/)?(gpt-4.1-nano)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000004, '{"input_cached_tokens": 0.000000025, "input_cached_text_tokens": 0.000000025, "input_cache_read": 0.000000025, "cache_read_input_tokens": 0.000000025}', 'default'),
    (86, 'gpt-4.1-nano', '(?i)^(openai/)?(gpt-4.1-nano)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000002, 0.0000008, '{"input_cached_tokens": 0.00000005, "input_cached_text_tokens": 0.00000005, "input_cache_read": 0.00000005, "cache_read_input_tokens": 0.00000005}', 'default'),
    (87, 'gpt-4.1-mini', '(?i)^(openai/)?(gpt-4.1-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000004, 0.0000016, '{"input_cached_tokens": 0.0000001, "input_cached_text_tokens": 0.0000001, "input_cache_read": 0.0000001, "cache_read_input_tokens": 0.0000001}', 'default'),
    (88, 'gpt-4.1-mini', '(?i)^(openai/)?(gpt-4.1-mini)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000007, 0.0000028, '{"input_cached_tokens": 0.000000175, "input_cached_text_tokens": 0.000000175, "input_cache_read": 0.000000175, "cache_read_input_tokens": 0.000000175}', 'default'),
    (89, 'o3-pro', '(?i)^(openai/)?(o3-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00002, 0.00008, '{"output_reasoning_tokens": 0.00008, "output_reasoning": 0.00008}', 'default'),
    (90, 'o3-pro-2025-06-10', '(?i)^(openai/)?(o3-pro-2025-06-10)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00002, 0.00008, '{"output_reasoning_tokens": 0.00008, "output_reasoning": 0.00008}', 'default'),
    (91, 'o1-pro', '(?i)^(openai/)?(o1-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00015, 0.0006, '{"output_reasoning_tokens": 0.0006, "output_reasoning": 0.0006}', 'default'),
    (92, 'o1-pro-2025-03-19', '(?i)^(openai/)?(o1-pro-2025-03-19)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00015, 0.0006, '{"output_reasoning_tokens": 0.0006, "output_reasoning": 0.0006}', 'default'),
    (93, 'gpt-5', '(?i)^(openai/)?(gpt-5)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "cache_read_input_tokens": 0.000000125, "reasoning_tokens": 0.00001}', 'default'),
    (94, 'gpt-5', '(?i)^(openai/)?(gpt-5)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000025, 0.00002, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.00002, "output_reasoning": 0.00002, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.00002}', 'default'),
    (95, 'gpt-5', '(?i)^(openai/)?(gpt-5)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000625, 0.000005, '{"input_cached_tokens": 0.0000000625, "input_cache_read": 0.0000000625, "output_reasoning_tokens": 0.000005, "output_reasoning": 0.000005, "cache_read_input_tokens": 0.0000000625, "reasoning_tokens": 0.000005}', 'default'),
    (96, 'gpt-5-2025-08-07', '(?i)^(openai/)?(gpt-5-2025-08-07)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "cache_read_input_tokens": 0.000000125, "reasoning_tokens": 0.00001}', 'default'),
    (97, 'gpt-5-2025-08-07', '(?i)^(openai/)?(gpt-5-2025-08-07)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000025, 0.00002, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.00002, "output_reasoning": 0.00002, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.00002}', 'default'),
    (98, 'gpt-5-2025-08-07', '(?i)^(openai/)?(gpt-5-2025-08-07)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000625, 0.000005, '{"input_cached_tokens": 0.0000000625, "input_cache_read": 0.0000000625, "output_reasoning_tokens": 0.000005, "output_reasoning": 0.000005, "cache_read_input_tokens": 0.0000000625, "reasoning_tokens": 0.000005}', 'default'),
    (99, 'gpt-5-mini', '(?i)^(openai/)?(gpt-5-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.000002, '{"input_cached_tokens": 0.000000025, "input_cache_read": 0.000000025, "output_reasoning_tokens": 0.000002, "output_reasoning": 0.000002, "cache_read_input_tokens": 0.000000025, "reasoning_tokens": 0.000002}', 'default'),
    (100, 'gpt-5-mini', '(?i)^(openai/)?(gpt-5-mini)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000045, 0.0000036, '{"input_cached_tokens": 0.000000045, "input_cache_read": 0.000000045, "output_reasoning_tokens": 0.0000036, "output_reasoning": 0.0000036, "cache_read_input_tokens": 0.000000045, "reasoning_tokens": 0.0000036}', 'default'),
    (101, 'gpt-5-mini', '(?i)^(openai/)?(gpt-5-mini)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000125, 0.000001, '{"input_cached_tokens": 0.0000000125, "input_cache_read": 0.0000000125, "output_reasoning_tokens": 0.000001, "output_reasoning": 0.000001, "cache_read_input_tokens": 0.0000000125, "reasoning_tokens": 0.000001}', 'default'),
    (102, 'gpt-5-mini-2025-08-07', '(?i)^(openai/)?(gpt-5-mini-2025-08-07)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.000002, '{"input_cached_tokens": 0.000000025, "input_cache_read": 0.000000025, "output_reasoning_tokens": 0.000002, "output_reasoning": 0.000002, "cache_read_input_tokens": 0.000000025, "reasoning_tokens": 0.000002}', 'default'),
    (103, 'gpt-5-mini-2025-08-07', '(?i)^(openai/)?(gpt-5-mini-2025-08-07)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00000045, 0.0000036, '{"input_cached_tokens": 0.000000045, "input_cache_read": 0.000000045, "output_reasoning_tokens": 0.0000036, "output_reasoning": 0.0000036, "cache_read_input_tokens": 0.000000045, "reasoning_tokens": 0.0000036}', 'default'),
    (104, 'gpt-5-mini-2025-08-07', '(?i)^(openai/)?(gpt-5-mini-2025-08-07)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000125, 0.000001, '{"input_cached_tokens": 0.0000000125, "input_cache_read": 0.0000000125, "output_reasoning_tokens": 0.000001, "output_reasoning": 0.000001, "cache_read_input_tokens": 0.0000000125, "reasoning_tokens": 0.000001}', 'default'),
    (105, 'gpt-5-nano', '(?i)^(openai/)?(gpt-5-nano)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000005, 0.0000004, '{"input_cached_tokens": 0.000000005, "input_cache_read": 0.000000005, "output_reasoning_tokens": 0.0000004, "output_reasoning": 0.0000004, "cache_read_input_tokens": 0.000000005, "reasoning_tokens": 0.0000004}', 'default'),
    (106, 'gpt-5-nano', '(?i)^(openai/)?(gpt-5-nano)$', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000025, 0.0000002, '{"input_cached_tokens": 0.0000000025, "input_cache_read": 0.0000000025, "output_reasoning_tokens": 0.0000002, "output_reasoning": 0.0000002, "cache_read_input_tokens": 0.0000000025, "reasoning_tokens": 0.0000002}', 'default'),
    (107, 'gpt-5-nano-2025-08-07', '(?i)^(openai/)?(gpt-5-nano-2025-08-07)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000005, 0.0000004, '{"input_cached_tokens": 0.000000005, "input_cache_read": 0.000000005, "output_reasoning_tokens": 0.0000004, "output_reasoning": 0.0000004, "cache_read_input_tokens": 0.000000005, "reasoning_tokens": 0.0000004}', 'default'),
    (108, 'gpt-5-nano-2025-08-07', '(?i)^(openai/)?(gpt-5-nano-2025-08-07)$', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000025, 0.0000002, '{"input_cached_tokens": 0.0000000025, "input_cache_read": 0.0000000025, "output_reasoning_tokens": 0.0000002, "output_reasoning": 0.0000002, "cache_read_input_tokens": 0.0000000025, "reasoning_tokens": 0.0000002}', 'default'),
    (109, 'gpt-5-chat-latest', '(?i)^(openai/)?(gpt-5-chat-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001}', 'default'),
    (110, 'gpt-5-pro', '(?i)^(openai/)?(gpt-5-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00012, '{"output_reasoning_tokens": 0.00012, "output_reasoning": 0.00012}', 'default'),
    (111, 'gpt-5-pro-2025-10-06', '(?i)^(openai/)?(gpt-5-pro-2025-10-06)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.00012, '{"output_reasoning_tokens": 0.00012, "output_reasoning": 0.00012}', 'default'),
    (112, 'gpt-5.1', '(?i)^(openai/)?(gpt-5.1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "cache_read_input_tokens": 0.000000125, "reasoning_tokens": 0.00001}', 'default'),
    (113, 'gpt-5.1', '(?i)^(openai/)?(gpt-5.1)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000025, 0.00002, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.00002, "output_reasoning": 0.00002, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.00002}', 'default'),
    (114, 'gpt-5.1', '(?i)^(openai/)?(gpt-5.1)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000625, 0.000005, '{"input_cached_tokens": 0.0000000625, "input_cache_read": 0.0000000625, "output_reasoning_tokens": 0.000005, "output_reasoning": 0.000005, "cache_read_input_tokens": 0.0000000625, "reasoning_tokens": 0.000005}', 'default'),
    (115, 'gpt-5.1-2025-11-13', '(?i)^(openai/)?(gpt-5.1-2025-11-13)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_cached_tokens": 0.000000125, "input_cache_read": 0.000000125, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "cache_read_input_tokens": 0.000000125, "reasoning_tokens": 0.00001}', 'default'),
    (116, 'gpt-5.1-2025-11-13', '(?i)^(openai/)?(gpt-5.1-2025-11-13)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000025, 0.00002, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "output_reasoning_tokens": 0.00002, "output_reasoning": 0.00002, "cache_read_input_tokens": 0.00000025, "reasoning_tokens": 0.00002}', 'default'),
    (117, 'gpt-5.1-2025-11-13', '(?i)^(openai/)?(gpt-5.1-2025-11-13)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000625, 0.000005, '{"input_cached_tokens": 0.0000000625, "input_cache_read": 0.0000000625, "output_reasoning_tokens": 0.000005, "output_reasoning": 0.000005, "cache_read_input_tokens": 0.0000000625, "reasoning_tokens": 0.000005}', 'default'),
    (118, 'gpt-5.2', '(?i)^(openai/)?(gpt-5.2)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000175, 0.000014, '{"input_cached_tokens": 0.000000175, "input_cache_read": 0.000000175, "output_reasoning_tokens": 0.000014, "output_reasoning": 0.000014, "cache_read_input_tokens": 0.000000175, "reasoning_tokens": 0.000014}', 'default'),
    (119, 'gpt-5.2', '(?i)^(openai/)?(gpt-5.2)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000028, '{"input_cached_tokens": 0.00000035, "input_cache_read": 0.00000035, "output_reasoning_tokens": 0.000028, "output_reasoning": 0.000028, "cache_read_input_tokens": 0.00000035, "reasoning_tokens": 0.000028}', 'default'),
    (120, 'gpt-5.2', '(?i)^(openai/)?(gpt-5.2)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000875, 0.000007, '{"input_cached_tokens": 0.0000000875, "input_cache_read": 0.0000000875, "output_reasoning_tokens": 0.000007, "output_reasoning": 0.000007, "cache_read_input_tokens": 0.0000000875, "reasoning_tokens": 0.000007}', 'default'),
    (121, 'gpt-5.2-2025-12-11', '(?i)^(openai/)?(gpt-5.2-2025-12-11)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000175, 0.000014, '{"input_cached_tokens": 0.000000175, "input_cache_read": 0.000000175, "output_reasoning_tokens": 0.000014, "output_reasoning": 0.000014, "cache_read_input_tokens": 0.000000175, "reasoning_tokens": 0.000014}', 'default'),
    (122, 'gpt-5.2-2025-12-11', '(?i)^(openai/)?(gpt-5.2-2025-12-11)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000035, 0.000028, '{"input_cached_tokens": 0.00000035, "input_cache_read": 0.00000035, "output_reasoning_tokens": 0.000028, "output_reasoning": 0.000028, "cache_read_input_tokens": 0.00000035, "reasoning_tokens": 0.000028}', 'default'),
    (123, 'gpt-5.2-2025-12-11', '(?i)^(openai/)?(gpt-5.2-2025-12-11)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000875, 0.000007, '{"input_cached_tokens": 0.0000000875, "input_cache_read": 0.0000000875, "output_reasoning_tokens": 0.000007, "output_reasoning": 0.000007, "cache_read_input_tokens": 0.0000000875, "reasoning_tokens": 0.000007}', 'default'),
    (124, 'gpt-5.2-pro', '(?i)^(openai/)?(gpt-5.2-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000021, 0.000168, '{"output_reasoning_tokens": 0.000168, "output_reasoning": 0.000168}', 'default'),
    (125, 'gpt-5.2-pro-2025-12-11', '(?i)^(openai/)?(gpt-5.2-pro-2025-12-11)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000021, 0.000168, '{"output_reasoning_tokens": 0.000168, "output_reasoning": 0.000168}', 'default'),
    (126, 'gpt-5.3-codex', '(?i)^(openai/)?(gpt-5.3-codex)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000175, 0.000014, '{"input_cached_tokens": 0.000000175, "input_cache_read": 0.000000175, "output_reasoning_tokens": 0.000014, "output_reasoning": 0.000014}', 'default'),
    (127, 'gpt-5.4', '(?i)^(openai/)?(gpt-5.4)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.000015, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "output_reasoning_tokens": 0.000015, "output_reasoning": 0.000015, "reasoning_tokens": 0.000015}', 'default'),
    (128, 'gpt-5.4', '(?i)^(openai/)?(gpt-5.4)$', 'flex_large_context', 1, '(input)', '>', 272000, 'service_tier', '{flex}', 0.0000025, 0.00001125, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "output_reasoning_tokens": 0.00001125, "output_reasoning": 0.00001125, "reasoning_tokens": 0.00001125}', 'default'),
    (129, 'gpt-5.4', '(?i)^(openai/)?(gpt-5.4)$', 'priority', 2, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.000005, 0.00003, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.00003, "output_reasoning": 0.00003, "reasoning_tokens": 0.00003}', 'default'),
    (130, 'gpt-5.4', '(?i)^(openai/)?(gpt-5.4)$', 'flex', 3, NULL, NULL, NULL, 'service_tier', '{flex}', 0.00000125, 0.0000075, '{"input_cached_tokens": 0.00000013, "input_cache_read": 0.00000013, "cache_read_input_tokens": 0.00000013, "output_reasoning_tokens": 0.0000075, "output_reasoning": 0.0000075, "reasoning_tokens": 0.0000075}', 'default'),
    (131, 'gpt-5.4', '(?i)^(openai/)?(gpt-5.4)$', 'large_context', 4, '(input)', '>', 272000, NULL, NULL, 0.000005, 0.0000225, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.0000225, "output_reasoning": 0.0000225, "reasoning_tokens": 0.0000225}', 'default'),
    (132, 'gpt-5.4-pro', '(?i)^(openai/)?(gpt-5.4-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00018, '{"output_reasoning_tokens": 0.00018, "output_reasoning": 0.00018, "reasoning_tokens": 0.00018}', 'default'),
    (133, 'gpt-5.4-pro', '(?i)^(openai/)?(gpt-5.4-pro)$', 'flex_large_context', 1, '(input)', '>', 272000, 'service_tier', '{flex}', 0.00003, 0.000135, '{"output_reasoning_tokens": 0.000135, "output_reasoning": 0.000135, "reasoning_tokens": 0.000135}', 'default'),
    (134, 'gpt-5.4-pro', '(?i)^(openai/)?(gpt-5.4-pro)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000015, 0.00009, '{"output_reasoning_tokens": 0.00009, "output_reasoning": 0.00009, "reasoning_tokens": 0.00009}', 'default'),
    (135, 'gpt-5.4-pro', '(?i)^(openai/)?(gpt-5.4-pro)$', 'large_context', 3, '(input)', '>', 272000, NULL, NULL, 0.00006, 0.00027, '{"output_reasoning_tokens": 0.00027, "output_reasoning": 0.00027, "reasoning_tokens": 0.00027}', 'default'),
    (136, 'gpt-5.4-2026-03-05', '(?i)^(openai/)?(gpt-5.4-2026-03-05)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.000015, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "output_reasoning_tokens": 0.000015, "output_reasoning": 0.000015, "reasoning_tokens": 0.000015}', 'default'),
    (137, 'gpt-5.4-2026-03-05', '(?i)^(openai/)?(gpt-5.4-2026-03-05)$', 'flex_large_context', 1, '(input)', '>', 272000, 'service_tier', '{flex}', 0.0000025, 0.00001125, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "output_reasoning_tokens": 0.00001125, "output_reasoning": 0.00001125, "reasoning_tokens": 0.00001125}', 'default'),
    (138, 'gpt-5.4-2026-03-05', '(?i)^(openai/)?(gpt-5.4-2026-03-05)$', 'priority', 2, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.000005, 0.00003, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.00003, "output_reasoning": 0.00003, "reasoning_tokens": 0.00003}', 'default'),
    (139, 'gpt-5.4-2026-03-05', '(?i)^(openai/)?(gpt-5.4-2026-03-05)$', 'flex', 3, NULL, NULL, NULL, 'service_tier', '{flex}', 0.00000125, 0.0000075, '{"input_cached_tokens": 0.00000013, "input_cache_read": 0.00000013, "cache_read_input_tokens": 0.00000013, "output_reasoning_tokens": 0.0000075, "output_reasoning": 0.0000075, "reasoning_tokens": 0.0000075}', 'default'),
    (140, 'gpt-5.4-2026-03-05', '(?i)^(openai/)?(gpt-5.4-2026-03-05)$', 'large_context', 4, '(input)', '>', 272000, NULL, NULL, 0.000005, 0.0000225, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.0000225, "output_reasoning": 0.0000225, "reasoning_tokens": 0.0000225}', 'default'),
    (141, 'gpt-5.4-pro-2026-03-05', '(?i)^(openai/)?(gpt-5.4-pro-2026-03-05)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00018, '{"output_reasoning_tokens": 0.00018, "output_reasoning": 0.00018, "reasoning_tokens": 0.00018}', 'default'),
    (142, 'gpt-5.4-pro-2026-03-05', '(?i)^(openai/)?(gpt-5.4-pro-2026-03-05)$', 'flex_large_context', 1, '(input)', '>', 272000, 'service_tier', '{flex}', 0.00003, 0.000135, '{"output_reasoning_tokens": 0.000135, "output_reasoning": 0.000135, "reasoning_tokens": 0.000135}', 'default'),
    (143, 'gpt-5.4-pro-2026-03-05', '(?i)^(openai/)?(gpt-5.4-pro-2026-03-05)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000015, 0.00009, '{"output_reasoning_tokens": 0.00009, "output_reasoning": 0.00009, "reasoning_tokens": 0.00009}', 'default'),
    (144, 'gpt-5.4-pro-2026-03-05', '(?i)^(openai/)?(gpt-5.4-pro-2026-03-05)$', 'large_context', 3, '(input)', '>', 272000, NULL, NULL, 0.00006, 0.00027, '{"output_reasoning_tokens": 0.00027, "output_reasoning": 0.00027, "reasoning_tokens": 0.00027}', 'default'),
    (145, 'gpt-5.4-mini', '(?i)^(openai\/)?(gpt-5.4-mini)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000075, 0.0000045, '{"input_cached_tokens": 0.000000075, "input_cache_read": 0.000000075, "cache_read_input_tokens": 0.000000075}', 'default'),
    (146, 'gpt-5.4-mini', '(?i)^(openai\/)?(gpt-5.4-mini)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000015, 0.000009, '{"input_cached_tokens": 0.00000015, "input_cache_read": 0.00000015, "cache_read_input_tokens": 0.00000015}', 'default'),
    (147, 'gpt-5.4-mini', '(?i)^(openai\/)?(gpt-5.4-mini)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000375, 0.00000225, '{"input_cached_tokens": 0.0000000375, "input_cache_read": 0.0000000375, "cache_read_input_tokens": 0.0000000375}', 'default'),
    (148, 'gpt-5.4-mini-2026-03-17', '(?i)^(openai\/)?(gpt-5.4-mini-2026-03-17)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000075, 0.0000045, '{"input_cached_tokens": 0.000000075, "input_cache_read": 0.000000075, "cache_read_input_tokens": 0.000000075}', 'default'),
    (149, 'gpt-5.4-mini-2026-03-17', '(?i)^(openai\/)?(gpt-5.4-mini-2026-03-17)$', 'priority', 1, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000015, 0.000009, '{"input_cached_tokens": 0.00000015, "input_cache_read": 0.00000015, "cache_read_input_tokens": 0.00000015}', 'default'),
    (150, 'gpt-5.4-mini-2026-03-17', '(?i)^(openai\/)?(gpt-5.4-mini-2026-03-17)$', 'flex', 2, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000000375, 0.00000225, '{"input_cached_tokens": 0.0000000375, "input_cache_read": 0.0000000375, "cache_read_input_tokens": 0.0000000375}', 'default'),
    (151, 'gpt-5.4-nano', '(?i)^(openai\/)?(gpt-5.4-nano)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.00000125, '{"input_cached_tokens": 0.00000002, "input_cache_read": 0.00000002, "cache_read_input_tokens": 0.00000002}', 'default'),
    (152, 'gpt-5.4-nano', '(?i)^(openai\/)?(gpt-5.4-nano)$', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}', 0.0000001, 0.000000625, '{"input_cached_tokens": 0.00000001, "input_cache_read": 0.00000001, "cache_read_input_tokens": 0.00000001}', 'default'),
    (153, 'gpt-5.4-nano-2026-03-17', '(?i)^(openai\/)?(gpt-5.4-nano-2026-03-17)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.00000125, '{"input_cached_tokens": 0.00000002, "input_cache_read": 0.00000002, "cache_read_input_tokens": 0.00000002}', 'default'),
    (154, 'gpt-5.4-nano-2026-03-17', '(?i)^(openai\/)?(gpt-5.4-nano-2026-03-17)$', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}', 0.0000001, 0.000000625, '{"input_cached_tokens": 0.00000001, "input_cache_read": 0.00000001, "cache_read_input_tokens": 0.00000001}', 'default'),
    (155, 'gpt-5.5-2026-04-23', '(?i)^(openai/)?(gpt-5.5(-2026-04-23)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.00003, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.00003, "output_reasoning": 0.00003, "reasoning_tokens": 0.00003}', 'default'),
    (156, 'gpt-5.5-2026-04-23', '(?i)^(openai/)?(gpt-5.5(-2026-04-23)?)$', 'flex_large_context', 1, '(input)', '>', 272000, 'service_tier', '{flex}', 0.000005, 0.0000225, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "output_reasoning_tokens": 0.0000225, "output_reasoning": 0.0000225, "reasoning_tokens": 0.0000225}', 'default'),
    (157, 'gpt-5.5-2026-04-23', '(?i)^(openai/)?(gpt-5.5(-2026-04-23)?)$', 'priority', 2, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000125, 0.000075, '{"input_cached_tokens": 0.00000125, "input_cache_read": 0.00000125, "cache_read_input_tokens": 0.00000125, "output_reasoning_tokens": 0.000075, "output_reasoning": 0.000075, "reasoning_tokens": 0.000075}', 'default'),
    (158, 'gpt-5.5-2026-04-23', '(?i)^(openai/)?(gpt-5.5(-2026-04-23)?)$', 'flex', 3, NULL, NULL, NULL, 'service_tier', '{flex}', 0.0000025, 0.000015, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "output_reasoning_tokens": 0.000015, "output_reasoning": 0.000015, "reasoning_tokens": 0.000015}', 'default'),
    (159, 'gpt-5.5-2026-04-23', '(?i)^(openai/)?(gpt-5.5(-2026-04-23)?)$', 'large_context', 4, '(input)', '>', 272000, NULL, NULL, 0.00001, 0.000045, '{"input_cached_tokens": 0.000001, "input_cache_read": 0.000001, "cache_read_input_tokens": 0.000001, "output_reasoning_tokens": 0.000045, "output_reasoning": 0.000045, "reasoning_tokens": 0.000045}', 'default'),
    (160, 'gpt-5.5-pro-2026-04-23', '(?i)^(openai/)?(gpt-5.5-pro(-2026-04-23)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00003, 0.00018, '{"output_reasoning_tokens": 0.00018, "output_reasoning": 0.00018, "reasoning_tokens": 0.00018}', 'default'),
    (161, 'gpt-5.5-pro-2026-04-23', '(?i)^(openai/)?(gpt-5.5-pro(-2026-04-23)?)$', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000015, 0.00009, '{"output_reasoning_tokens": 0.00009, "output_reasoning": 0.00009, "reasoning_tokens": 0.00009}', 'default'),
    (162, 'gpt-5.5-pro-2026-04-23', '(?i)^(openai/)?(gpt-5.5-pro(-2026-04-23)?)$', 'large_context', 2, '(input)', '>', 272000, NULL, NULL, 0.00006, 0.00027, '{"output_reasoning_tokens": 0.00027, "output_reasoning": 0.00027, "reasoning_tokens": 0.00027}', 'default'),
    (163, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.00003, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "input_cache_creation": 0.00000625, "cache_write_tokens": 0.00000625, "output_reasoning_tokens": 0.00003, "output_reasoning": 0.00003, "reasoning_tokens": 0.00003}', 'default'),
    (164, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'priority_large_context', 1, '(input|cache_write)', '>', 272000, 'service_tier', '{fast,priority}', 0.00002, 0.00009, '{"input_cached_tokens": 0.000002, "input_cache_read": 0.000002, "cache_read_input_tokens": 0.000002, "input_cache_creation": 0.000025, "cache_write_tokens": 0.000025, "output_reasoning_tokens": 0.00009, "output_reasoning": 0.00009, "reasoning_tokens": 0.00009}', 'default'),
    (165, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'flex_large_context', 2, '(input|cache_write)', '>', 272000, 'service_tier', '{flex}', 0.000005, 0.0000225, '{"input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005, "cache_read_input_tokens": 0.0000005, "input_cache_creation": 0.00000625, "cache_write_tokens": 0.00000625, "output_reasoning_tokens": 0.0000225, "output_reasoning": 0.0000225, "reasoning_tokens": 0.0000225}', 'default'),
    (166, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'priority', 3, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.00001, 0.00006, '{"input_cached_tokens": 0.000001, "input_cache_read": 0.000001, "cache_read_input_tokens": 0.000001, "input_cache_creation": 0.0000125, "cache_write_tokens": 0.0000125, "output_reasoning_tokens": 0.00006, "output_reasoning": 0.00006, "reasoning_tokens": 0.00006}', 'default'),
    (167, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'flex', 4, NULL, NULL, NULL, 'service_tier', '{flex}', 0.0000025, 0.000015, '{"input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025, "cache_read_input_tokens": 0.00000025, "input_cache_creation": 0.000003125, "cache_write_tokens": 0.000003125, "output_reasoning_tokens": 0.000015, "output_reasoning": 0.000015, "reasoning_tokens": 0.000015}', 'default'),
    (168, 'gpt-5.6-sol', '(?i)^(openai/)?(gpt-5.6-sol)$', 'large_context', 5, '(input|cache_write)', '>', 272000, NULL, NULL, 0.00001, 0.000045, '{"input_cached_tokens": 0.000001, "input_cache_read": 0.000001, "cache_read_input_tokens": 0.000001, "input_cache_creation": 0.0000125, "cache_write_tokens": 0.0000125, "output_reasoning_tokens": 0.000045, "output_reasoning": 0.000045, "reasoning_tokens": 0.000045}', 'default'),
    (169, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000012, '{"input_cached_tokens": 0.0000002, "input_cache_read": 0.0000002, "cache_read_input_tokens": 0.0000002, "input_cache_creation": 0.0000025, "cache_write_tokens": 0.0000025, "output_reasoning_tokens": 0.000012, "output_reasoning": 0.000012, "reasoning_tokens": 0.000012}', 'default'),
    (170, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'priority_large_context', 1, '(input|cache_write)', '>', 272000, 'service_tier', '{fast,priority}', 0.000008, 0.000036, '{"input_cached_tokens": 0.0000008, "input_cache_read": 0.0000008, "cache_read_input_tokens": 0.0000008, "input_cache_creation": 0.00001, "cache_write_tokens": 0.00001, "output_reasoning_tokens": 0.000036, "output_reasoning": 0.000036, "reasoning_tokens": 0.000036}', 'default'),
    (171, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'flex_large_context', 2, '(input|cache_write)', '>', 272000, 'service_tier', '{flex}', 0.000002, 0.000009, '{"input_cached_tokens": 0.0000002, "input_cache_read": 0.0000002, "cache_read_input_tokens": 0.0000002, "input_cache_creation": 0.0000025, "cache_write_tokens": 0.0000025, "output_reasoning_tokens": 0.000009, "output_reasoning": 0.000009, "reasoning_tokens": 0.000009}', 'default'),
    (172, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'priority', 3, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.000004, 0.000024, '{"input_cached_tokens": 0.0000004, "input_cache_read": 0.0000004, "cache_read_input_tokens": 0.0000004, "input_cache_creation": 0.000005, "cache_write_tokens": 0.000005, "output_reasoning_tokens": 0.000024, "output_reasoning": 0.000024, "reasoning_tokens": 0.000024}', 'default'),
    (173, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'flex', 4, NULL, NULL, NULL, 'service_tier', '{flex}', 0.000001, 0.000006, '{"input_cached_tokens": 0.0000001, "input_cache_read": 0.0000001, "cache_read_input_tokens": 0.0000001, "input_cache_creation": 0.00000125, "cache_write_tokens": 0.00000125, "output_reasoning_tokens": 0.000006, "output_reasoning": 0.000006, "reasoning_tokens": 0.000006}', 'default'),
    (174, 'gpt-5.6-terra', '(?i)^(openai/)?(gpt-5.6-terra)$', 'large_context', 5, '(input|cache_write)', '>', 272000, NULL, NULL, 0.000004, 0.000018, '{"input_cached_tokens": 0.0000004, "input_cache_read": 0.0000004, "cache_read_input_tokens": 0.0000004, "input_cache_creation": 0.000005, "cache_write_tokens": 0.000005, "output_reasoning_tokens": 0.000018, "output_reasoning": 0.000018, "reasoning_tokens": 0.000018}', 'default'),
    (175, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.0000012, '{"input_cached_tokens": 0.00000002, "input_cache_read": 0.00000002, "cache_read_input_tokens": 0.00000002, "input_cache_creation": 0.00000025, "cache_write_tokens": 0.00000025, "output_reasoning_tokens": 0.0000012, "output_reasoning": 0.0000012, "reasoning_tokens": 0.0000012}', 'default'),
    (176, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'priority_large_context', 1, '(input|cache_write)', '>', 272000, 'service_tier', '{fast,priority}', 0.0000008, 0.0000036, '{"input_cached_tokens": 0.00000008, "input_cache_read": 0.00000008, "cache_read_input_tokens": 0.00000008, "input_cache_creation": 0.000001, "cache_write_tokens": 0.000001, "output_reasoning_tokens": 0.0000036, "output_reasoning": 0.0000036, "reasoning_tokens": 0.0000036}', 'default'),
    (177, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'flex_large_context', 2, '(input|cache_write)', '>', 272000, 'service_tier', '{flex}', 0.0000002, 0.0000009, '{"input_cached_tokens": 0.00000002, "input_cache_read": 0.00000002, "cache_read_input_tokens": 0.00000002, "input_cache_creation": 0.00000025, "cache_write_tokens": 0.00000025, "output_reasoning_tokens": 0.0000009, "output_reasoning": 0.0000009, "reasoning_tokens": 0.0000009}', 'default'),
    (178, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'priority', 3, NULL, NULL, NULL, 'service_tier', '{fast,priority}', 0.0000004, 0.0000024, '{"input_cached_tokens": 0.00000004, "input_cache_read": 0.00000004, "cache_read_input_tokens": 0.00000004, "input_cache_creation": 0.0000005, "cache_write_tokens": 0.0000005, "output_reasoning_tokens": 0.0000024, "output_reasoning": 0.0000024, "reasoning_tokens": 0.0000024}', 'default'),
    (179, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'flex', 4, NULL, NULL, NULL, 'service_tier', '{flex}', 0.0000001, 0.0000006, '{"input_cached_tokens": 0.00000001, "input_cache_read": 0.00000001, "cache_read_input_tokens": 0.00000001, "input_cache_creation": 0.000000125, "cache_write_tokens": 0.000000125, "output_reasoning_tokens": 0.0000006, "output_reasoning": 0.0000006, "reasoning_tokens": 0.0000006}', 'default'),
    (180, 'gpt-5.6-luna', '(?i)^(openai/)?(gpt-5.6-luna)$', 'large_context', 5, '(input|cache_write)', '>', 272000, NULL, NULL, 0.0000004, 0.0000018, '{"input_cached_tokens": 0.00000004, "input_cache_read": 0.00000004, "cache_read_input_tokens": 0.00000004, "input_cache_creation": 0.0000005, "cache_write_tokens": 0.0000005, "output_reasoning_tokens": 0.0000018, "output_reasoning": 0.0000018, "reasoning_tokens": 0.0000018}', 'default'),
    -- added for usertrack (not in the Langfuse list)
    (181, 'gpt-6-sol', '(?i)^(openai/)?(gpt-6-sol)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.00001, '{"input_cached_tokens": 0.0000002, "input_cache_read": 0.0000002, "cache_read_input_tokens": 0.0000002, "input_cache_creation": 0.0000025, "cache_write_tokens": 0.0000025, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "reasoning_tokens": 0.00001}', 'default'),
    (182, 'gpt-6-luna', '(?i)^(openai/)?(gpt-6-luna)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000005, '{"input_cached_tokens": 0.00000001, "input_cache_read": 0.00000001, "cache_read_input_tokens": 0.00000001, "input_cache_creation": 0.000000125, "cache_write_tokens": 0.000000125, "output_reasoning_tokens": 0.0000005, "output_reasoning": 0.0000005, "reasoning_tokens": 0.0000005}', 'default'),
    (183, 'gpt-6-astra', '(?i)^(openai/)?(gpt-6-astra)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00005, '{"input_cached_tokens": 0.000001, "input_cache_read": 0.000001, "cache_read_input_tokens": 0.000001, "output_reasoning_tokens": 0.00005, "output_reasoning": 0.00005, "reasoning_tokens": 0.00005}', 'default'),
    (184, 'gpt-6.1-sol', '(?i)^(openai/)?(gpt-6.1-sol)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.00001, '{"input_cached_tokens": 0.0000001, "input_cache_read": 0.0000001, "cache_read_input_tokens": 0.0000001, "input_cache_creation": 0.0000025, "cache_write_tokens": 0.0000025, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001, "reasoning_tokens": 0.00001}', 'default'),
    (185, 'gpt-6.1-terra', '(?i)^(openai/)?(gpt-6.1-terra)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000001, 0.000005, '{"input_cached_tokens": 0.00000005, "input_cache_read": 0.00000005, "cache_read_input_tokens": 0.00000005, "input_cache_creation": 0.00000125, "cache_write_tokens": 0.00000125, "output_reasoning_tokens": 0.000005, "output_reasoning": 0.000005, "reasoning_tokens": 0.000005}', 'default'),
    -- ======================================================================
    -- Anthropic: 38 models
    -- ======================================================================
    -- from the Langfuse default price list (commit 62751446149b)
    (186, 'claude-instant-1.2', '(?i)^(anthropic/)?(claude-instant-1.2)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000163, 0.00000551, '{}', 'default'),
    (187, 'claude-2.0', '(?i)^(anthropic/)?(claude-2.0)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.000024, '{}', 'default'),
    (188, 'claude-2.1', '(?i)^(anthropic/)?(claude-2.1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.000024, '{}', 'default'),
    (189, 'claude-1.3', '(?i)^(anthropic/)?(claude-1.3)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.000024, '{}', 'default'),
    (190, 'claude-1.2', '(?i)^(anthropic/)?(claude-1.2)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.000024, '{}', 'default'),
    (191, 'claude-1.1', '(?i)^(anthropic/)?(claude-1.1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.000024, '{}', 'default'),
    (192, 'claude-instant-1', '(?i)^(anthropic/)?(claude-instant-1)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000163, 0.00000551, '{}', 'default'),
    (193, 'claude-3-opus-20240229', '(?i)^(anthropic/)?(claude-3-opus-20240229|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-opus-20240229-v1:0|claude-3-opus@20240229)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.000075, '{"input_tokens": 0.000015, "output_tokens": 0.000075, "cache_creation_input_tokens": 0.00001875, "input_cache_creation": 0.00001875, "input_cache_creation_5m": 0.00001875, "input_cache_creation_1h": 0.00003, "cache_read_input_tokens": 0.0000015, "input_cached_tokens": 0.0000015, "input_cache_read": 0.0000015}', 'default'),
    (194, 'claude-3-sonnet-20240229', '(?i)^(anthropic/)?(claude-3-sonnet-20240229|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-sonnet-20240229-v1:0|claude-3-sonnet@20240229)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (195, 'claude-3-haiku-20240307', '(?i)^(anthropic/)?(claude-3-haiku-20240307|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-haiku-20240307-v1:0|claude-3-haiku@20240307)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.00000125, '{"input_tokens": 0.00000025, "output_tokens": 0.00000125, "cache_creation_input_tokens": 0.0000003, "input_cache_creation": 0.0000003, "input_cache_creation_5m": 0.0000003, "input_cache_creation_1h": 0.0000005, "cache_read_input_tokens": 0.00000003, "input_cached_tokens": 0.00000003, "input_cache_read": 0.00000003}', 'default'),
    (196, 'claude-3-5-sonnet-20240620', '(?i)^(anthropic/)?(claude-3-5-sonnet-20240620|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-5-sonnet-20240620-v1:0|claude-3-5-sonnet@20240620)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (197, 'claude-3-5-sonnet-20241022', '(?i)^(anthropic/)?(claude-3-5-sonnet-20241022|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-5-sonnet-20241022-v2:0|claude-3-5-sonnet-V2@20241022)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (198, 'claude-3-5-sonnet-latest', '(?i)^(anthropic/)?(claude-3-5-sonnet-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (199, 'claude-3-5-haiku-20241022', '(?i)^(anthropic/)?(claude-3-5-haiku-20241022|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3-5-haiku-20241022-v1:0|claude-3-5-haiku-V1@20241022)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000008, 0.000004, '{"input_tokens": 0.0000008, "output_tokens": 0.000004, "cache_creation_input_tokens": 0.000001, "input_cache_creation": 0.000001, "input_cache_creation_5m": 0.000001, "input_cache_creation_1h": 0.0000016, "cache_read_input_tokens": 0.00000008, "input_cached_tokens": 0.00000008, "input_cache_read": 0.00000008}', 'default'),
    (200, 'claude-3-5-haiku-latest', '(?i)^(anthropic/)?(claude-3-5-haiku-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000008, 0.000004, '{"input_tokens": 0.0000008, "output_tokens": 0.000004, "cache_creation_input_tokens": 0.000001, "input_cache_creation": 0.000001, "input_cache_creation_5m": 0.000001, "input_cache_creation_1h": 0.0000016, "cache_read_input_tokens": 0.00000008, "input_cached_tokens": 0.00000008, "input_cache_read": 0.00000008}', 'default'),
    (201, 'claude-3.7-sonnet-20250219', '(?i)^(anthropic/)?(claude-3.7-sonnet-20250219|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-3.7-sonnet-20250219-v1:0|claude-3-7-sonnet-V1@20250219)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (202, 'claude-3-7-sonnet-latest', '(?i)^(anthropic/)?(claude-3-7-sonnet-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (203, 'claude-sonnet-4-5-20250929', '(?i)^(anthropic/)?(claude-sonnet-4-5(-20250929)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-4-5(-20250929)?-v1(:0)?|claude-sonnet-4-5-V1(@20250929)?|claude-sonnet-4-5(@20250929)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (204, 'claude-sonnet-4-5-20250929', '(?i)^(anthropic/)?(claude-sonnet-4-5(-20250929)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-4-5(-20250929)?-v1(:0)?|claude-sonnet-4-5-V1(@20250929)?|claude-sonnet-4-5(@20250929)?)$', 'large_context', 1, '(input|cache)', '>', 200000, NULL, NULL, 0.000006, 0.0000225, '{"input_tokens": 0.000006, "output_tokens": 0.0000225, "cache_creation_input_tokens": 0.0000075, "input_cache_creation": 0.0000075, "input_cache_creation_5m": 0.0000075, "input_cache_creation_1h": 0.000012, "cache_read_input_tokens": 0.0000006, "input_cached_tokens": 0.0000006, "input_cache_read": 0.0000006}', 'default'),
    (205, 'claude-sonnet-4-20250514', '(?i)^(anthropic/)?(claude-sonnet-4(-20250514)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-4(-20250514)?-v1(:0)?|claude-sonnet-4-V1(@20250514)?|claude-sonnet-4(@20250514)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (206, 'claude-sonnet-4-20250514', '(?i)^(anthropic/)?(claude-sonnet-4(-20250514)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-4(-20250514)?-v1(:0)?|claude-sonnet-4-V1(@20250514)?|claude-sonnet-4(@20250514)?)$', 'large_context', 1, '(input|cache)', '>', 200000, NULL, NULL, 0.000006, 0.0000225, '{"input_tokens": 0.000006, "output_tokens": 0.0000225, "cache_creation_input_tokens": 0.0000075, "input_cache_creation": 0.0000075, "input_cache_creation_5m": 0.0000075, "input_cache_creation_1h": 0.000012, "cache_read_input_tokens": 0.0000006, "input_cached_tokens": 0.0000006, "input_cache_read": 0.0000006}', 'default'),
    (207, 'claude-sonnet-4-latest', '(?i)^(anthropic/)?(claude-sonnet-4-latest)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (208, 'claude-opus-4-20250514', '(?i)^(anthropic/)?(claude-opus-4(-20250514)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4(-20250514)?-v1(:0)?|claude-opus-4(@20250514)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.000075, '{"input_tokens": 0.000015, "output_tokens": 0.000075, "cache_creation_input_tokens": 0.00001875, "input_cache_creation": 0.00001875, "input_cache_creation_5m": 0.00001875, "input_cache_creation_1h": 0.00003, "cache_read_input_tokens": 0.0000015, "input_cached_tokens": 0.0000015, "input_cache_read": 0.0000015}', 'default'),
    (209, 'claude-opus-4-1-20250805', '(?i)^(anthropic/)?(claude-opus-4-1(-20250805)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-1(-20250805)?-v1(:0)?|claude-opus-4-1(@20250805)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000015, 0.000075, '{"input_tokens": 0.000015, "output_tokens": 0.000075, "cache_creation_input_tokens": 0.00001875, "input_cache_creation": 0.00001875, "input_cache_creation_5m": 0.00001875, "input_cache_creation_1h": 0.00003, "cache_read_input_tokens": 0.0000015, "input_cached_tokens": 0.0000015, "input_cache_read": 0.0000015}', 'default'),
    (210, 'claude-haiku-4-5-20251001', '(?i)^(anthropic/)?(claude-haiku-4-5(-20251001)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-haiku-4-5-20251001-v1:0|claude-4-5-haiku@20251001)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000001, 0.000005, '{"input_tokens": 0.000001, "output_tokens": 0.000005, "cache_creation_input_tokens": 0.00000125, "input_cache_creation": 0.00000125, "input_cache_creation_5m": 0.00000125, "input_cache_creation_1h": 0.000002, "cache_read_input_tokens": 0.0000001, "input_cached_tokens": 0.0000001, "input_cache_read": 0.0000001}', 'default'),
    (211, 'claude-opus-4-5-20251101', '(?i)^(anthropic/)?(claude-opus-4-5(-20251101)?|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-5(-20251101)?-v1(:0)?|claude-opus-4-5(@20251101)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000025, '{"input_tokens": 0.000005, "output_tokens": 0.000025, "cache_creation_input_tokens": 0.00000625, "input_cache_creation": 0.00000625, "input_cache_creation_5m": 0.00000625, "input_cache_creation_1h": 0.00001, "cache_read_input_tokens": 0.0000005, "input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005}', 'default'),
    (212, 'claude-sonnet-4-6', '(?i)^(anthropic\/)?(claude-sonnet-4-6|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-4-6(-v1(:0)?)?|claude-sonnet-4-6)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{"input_tokens": 0.000003, "output_tokens": 0.000015, "cache_creation_input_tokens": 0.00000375, "input_cache_creation": 0.00000375, "input_cache_creation_5m": 0.00000375, "input_cache_creation_1h": 0.000006, "cache_read_input_tokens": 0.0000003, "input_cached_tokens": 0.0000003, "input_cache_read": 0.0000003}', 'default'),
    (213, 'claude-opus-4-6', '(?i)^(anthropic/)?(claude-opus-4-6|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-6-v1(:0)?|claude-opus-4-6)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000025, '{"input_tokens": 0.000005, "output_tokens": 0.000025, "cache_creation_input_tokens": 0.00000625, "input_cache_creation": 0.00000625, "input_cache_creation_5m": 0.00000625, "input_cache_creation_1h": 0.00001, "cache_read_input_tokens": 0.0000005, "input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005}', 'default'),
    (214, 'claude-opus-4-7', '(?i)^(anthropic/)?(claude-opus-4-7|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-7-v1(:0)?|claude-opus-4-7)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000025, '{"input_tokens": 0.000005, "output_tokens": 0.000025, "cache_creation_input_tokens": 0.00000625, "input_cache_creation": 0.00000625, "input_cache_creation_5m": 0.00000625, "input_cache_creation_1h": 0.00001, "cache_read_input_tokens": 0.0000005, "input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005}', 'default'),
    (215, 'claude-opus-4-8', '(?i)^((anthropic/)?claude-opus-4-8|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-8(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000025, '{"input_tokens": 0.000005, "output_tokens": 0.000025, "cache_creation_input_tokens": 0.00000625, "input_cache_creation": 0.00000625, "input_cache_creation_5m": 0.00000625, "input_cache_creation_1h": 0.00001, "cache_read_input_tokens": 0.0000005, "input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005}', 'default'),
    (216, 'claude-opus-4-8', '(?i)^((anthropic/)?claude-opus-4-8|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-4-8(-v1(:0)?)?)$', 'fast', 1, NULL, NULL, NULL, 'speed', '{fast}', 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.000001, "input_cached_tokens": 0.000001, "input_cache_read": 0.000001}', 'default'),
    (217, 'claude-fable-5', '(?i)^((anthropic/)?claude-fable-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-fable-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.000001, "input_cached_tokens": 0.000001, "input_cache_read": 0.000001}', 'default'),
    (218, 'claude-mythos-5', '(?i)^(anthropic/)?claude-mythos-5$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.000001, "input_cached_tokens": 0.000001, "input_cache_read": 0.000001}', 'default'),
    (219, 'claude-sonnet-5', '(?i)^((anthropic\/)?claude-sonnet-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.00001, '{"input_tokens": 0.000002, "output_tokens": 0.00001, "cache_creation_input_tokens": 0.0000025, "input_cache_creation": 0.0000025, "input_cache_creation_5m": 0.0000025, "input_cache_creation_1h": 0.000004, "cache_read_input_tokens": 0.0000002, "input_cached_tokens": 0.0000002, "input_cache_read": 0.0000002}', 'default'),
    (220, 'claude-opus-5', '(?i)^((anthropic\/)?claude-opus-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000005, 0.000025, '{"input_tokens": 0.000005, "output_tokens": 0.000025, "cache_creation_input_tokens": 0.00000625, "input_cache_creation": 0.00000625, "input_cache_creation_5m": 0.00000625, "input_cache_creation_1h": 0.00001, "cache_read_input_tokens": 0.0000005, "input_cached_tokens": 0.0000005, "input_cache_read": 0.0000005}', 'default'),
    (221, 'claude-opus-5', '(?i)^((anthropic\/)?claude-opus-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-5(-v1(:0)?)?)$', 'fast', 1, NULL, NULL, NULL, 'speed', '{fast}', 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.000001, "input_cached_tokens": 0.000001, "input_cache_read": 0.000001}', 'default'),
    -- added for usertrack (not in the Langfuse list)
    (222, 'claude-opus-5-5', '(?i)^((anthropic/)?claude-opus-5-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-5-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000004, 0.00002, '{"input_tokens": 0.000004, "output_tokens": 0.00002, "cache_creation_input_tokens": 0.000005, "input_cache_creation": 0.000005, "input_cache_creation_5m": 0.000005, "input_cache_creation_1h": 0.000008, "cache_read_input_tokens": 0.0000002, "input_cached_tokens": 0.0000002, "input_cache_read": 0.0000002}', 'default'),
    (223, 'claude-opus-5-5', '(?i)^((anthropic/)?claude-opus-5-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-opus-5-5(-v1(:0)?)?)$', 'fast', 1, NULL, NULL, NULL, 'speed', '{fast}', 0.000008, 0.00004, '{"input_tokens": 0.000008, "output_tokens": 0.00004, "cache_creation_input_tokens": 0.00001, "input_cache_creation": 0.00001, "input_cache_creation_5m": 0.00001, "input_cache_creation_1h": 0.000016, "cache_read_input_tokens": 0.0000004, "input_cached_tokens": 0.0000004, "input_cache_read": 0.0000004}', 'default'),
    (224, 'claude-sonnet-5-5', '(?i)^((anthropic/)?claude-sonnet-5-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-sonnet-5-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.00001, '{"input_tokens": 0.000002, "output_tokens": 0.00001, "cache_creation_input_tokens": 0.0000025, "input_cache_creation": 0.0000025, "input_cache_creation_5m": 0.0000025, "input_cache_creation_1h": 0.000004, "cache_read_input_tokens": 0.0000001, "input_cached_tokens": 0.0000001, "input_cache_read": 0.0000001}', 'default'),
    (225, 'claude-haiku-5-5', '(?i)^((anthropic/)?claude-haiku-5-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-haiku-5-5(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000005, '{"input_tokens": 0.0000001, "output_tokens": 0.0000005, "cache_creation_input_tokens": 0.000000125, "input_cache_creation": 0.000000125, "input_cache_creation_5m": 0.000000125, "input_cache_creation_1h": 0.0000002, "cache_read_input_tokens": 0.00000001, "input_cached_tokens": 0.00000001, "input_cache_read": 0.00000001}', 'default'),
    (226, 'claude-haiku-5-5', '(?i)^((anthropic/)?claude-haiku-5-5|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-haiku-5-5(-v1(:0)?)?)$', 'large_context', 1, '(input|cache)', '>', 100000, NULL, NULL, 0.0000005, 0.0000025, '{"input_tokens": 0.0000005, "output_tokens": 0.0000025, "cache_creation_input_tokens": 0.000000625, "input_cache_creation": 0.000000625, "input_cache_creation_5m": 0.000000625, "input_cache_creation_1h": 0.000001, "cache_read_input_tokens": 0.00000005, "input_cached_tokens": 0.00000005, "input_cache_read": 0.00000005}', 'default'),
    (227, 'claude-fable-5-1', '(?i)^((anthropic/)?claude-fable-5-1|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-fable-5-1(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.00000025, "input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025}', 'default'),
    (228, 'claude-mythos-5-1', '(?i)^(anthropic/)?claude-mythos-5-1$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00001, 0.00005, '{"input_tokens": 0.00001, "output_tokens": 0.00005, "cache_creation_input_tokens": 0.0000125, "input_cache_creation": 0.0000125, "input_cache_creation_5m": 0.0000125, "input_cache_creation_1h": 0.00002, "cache_read_input_tokens": 0.00000025, "input_cached_tokens": 0.00000025, "input_cache_read": 0.00000025}', 'default'),
    (229, 'claude-fable-5-2', '(?i)^((anthropic/)?claude-fable-5-2|(eu\.|us\.|apac\.|au\.|jp\.|global\.)?anthropic\.claude-fable-5-2(-v1(:0)?)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000008, 0.00004, '{"input_tokens": 0.000008, "output_tokens": 0.00004}', 'default'),
    -- ======================================================================
    -- Google (Gemini API / Vertex AI): 37 models
    -- ======================================================================
    -- from the Langfuse default price list (commit 62751446149b)
    (230, 'chat-bison', '(?i)^(chat-bison)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (231, 'codechat-bison-32k', '(?i)^(codechat-bison-32k)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (232, 'codechat-bison', '(?i)^(codechat-bison)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (233, 'text-bison-32k', '(?i)^(text-bison-32k)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (234, 'chat-bison-32k', '(?i)^(chat-bison-32k)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (235, 'text-unicorn', '(?i)^(text-unicorn)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.0000075, '{}', 'default'),
    (236, 'text-bison', '(?i)^(text-bison)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (237, 'textembedding-gecko', '(?i)^(textembedding-gecko)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (238, 'textembedding-gecko-multilingual', '(?i)^(textembedding-gecko-multilingual)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (239, 'code-gecko', '(?i)^(code-gecko)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (240, 'code-bison', '(?i)^(code-bison)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (241, 'code-bison-32k', '(?i)^(code-bison-32k)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (242, 'gemini-1.0-pro-latest', '(?i)^(google(ai)?/)?(gemini-1.0-pro-latest)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000005, '{}', 'default'),
    (243, 'gemini-1.0-pro', '(?i)^(google(ai)?/)?(gemini-1.0-pro)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000125, 0.000000375, '{}', 'default'),
    (244, 'gemini-1.0-pro-001', '(?i)^(google(ai)?/)?(gemini-1.0-pro-001)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000125, 0.000000375, '{}', 'default'),
    (245, 'gemini-pro', '(?i)^(google(ai)?/)?(gemini-pro)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000125, 0.000000375, '{}', 'default'),
    (246, 'gemini-1.5-pro-latest', '(?i)^(google(ai)?/)?(gemini-1.5-pro-latest)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.0000075, '{}', 'default'),
    (247, 'gemini-2.0-flash-001', '(?i)^(google(ai)?/)?(gemini-2.0-flash-001)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000004, '{}', 'default'),
    (248, 'gemini-2.0-flash-lite-preview-02-05', '(?i)^(google(ai)?/)?(gemini-2.0-flash-lite-preview-02-05)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000075, 0.0000003, '{}', 'default'),
    (249, 'gemini-2.0-flash', '(?i)^(google(ai)?/)?(gemini-2.0-flash)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000004, '{}', 'default'),
    (250, 'gemini-2.0-flash-lite-preview', '(?i)^(google(ai)?/)?(gemini-2.0-flash-lite-preview)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000075, 0.0000003, '{}', 'default'),
    (251, 'gemini-2.5-flash', '(?i)^(google(ai)?/)?(gemini-2.5-flash)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000003, 0.0000025, '{"input_text": 0.0000003, "input_modality_1": 0.0000003, "prompt_token_count": 0.0000003, "promptTokenCount": 0.0000003, "input_cached_tokens": 0.00000003, "cached_content_token_count": 0.00000003, "output_text": 0.0000025, "output_modality_1": 0.0000025, "candidates_token_count": 0.0000025, "candidatesTokenCount": 0.0000025, "thoughtsTokenCount": 0.0000025, "thoughts_token_count": 0.0000025, "output_reasoning_tokens": 0.0000025, "output_reasoning": 0.0000025, "input_audio_tokens": 0.000001}', 'default'),
    (252, 'gemini-2.5-flash-lite', '(?i)^(google(ai)?/)?(gemini-2.5-flash-lite)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000004, '{"input_text": 0.0000001, "input_modality_1": 0.0000001, "prompt_token_count": 0.0000001, "promptTokenCount": 0.0000001, "input_cached_tokens": 0.00000001, "cached_content_token_count": 0.00000001, "output_text": 0.0000004, "output_modality_1": 0.0000004, "candidates_token_count": 0.0000004, "candidatesTokenCount": 0.0000004, "thoughtsTokenCount": 0.0000004, "thoughts_token_count": 0.0000004, "output_reasoning_tokens": 0.0000004, "output_reasoning": 0.0000004, "input_audio_tokens": 0.0000003}', 'default'),
    (253, 'gemini-2.5-pro', '(?i)^(google(ai)?/)?(gemini-2.5-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000125, 0.00001, '{"input_text": 0.00000125, "input_modality_1": 0.00000125, "prompt_token_count": 0.00000125, "promptTokenCount": 0.00000125, "input_cached_tokens": 0.000000125, "cached_content_token_count": 0.000000125, "output_text": 0.00001, "output_modality_1": 0.00001, "candidates_token_count": 0.00001, "candidatesTokenCount": 0.00001, "thoughtsTokenCount": 0.00001, "thoughts_token_count": 0.00001, "output_reasoning_tokens": 0.00001, "output_reasoning": 0.00001}', 'default'),
    (254, 'gemini-2.5-pro', '(?i)^(google(ai)?/)?(gemini-2.5-pro)$', 'large_context', 1, '(input|prompt|cached)', '>', 200000, NULL, NULL, 0.0000025, 0.000015, '{"input_text": 0.0000025, "input_modality_1": 0.0000025, "prompt_token_count": 0.0000025, "promptTokenCount": 0.0000025, "input_cached_tokens": 0.00000025, "cached_content_token_count": 0.00000025, "output_text": 0.000015, "output_modality_1": 0.000015, "candidates_token_count": 0.000015, "candidatesTokenCount": 0.000015, "thoughtsTokenCount": 0.000015, "thoughts_token_count": 0.000015, "output_reasoning_tokens": 0.000015, "output_reasoning": 0.000015}', 'default'),
    (255, 'gemini-3-pro-preview', '(?i)^(google(ai)?/)?(gemini-3-pro-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000012, '{"input_text": 0.000002, "input_modality_1": 0.000002, "prompt_token_count": 0.000002, "promptTokenCount": 0.000002, "input_cached_tokens": 0.0000002, "cached_content_token_count": 0.0000002, "output_text": 0.000012, "output_modality_1": 0.000012, "candidates_token_count": 0.000012, "candidatesTokenCount": 0.000012, "thoughtsTokenCount": 0.000012, "thoughts_token_count": 0.000012, "output_reasoning_tokens": 0.000012, "output_reasoning": 0.000012, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (256, 'gemini-3-pro-preview', '(?i)^(google(ai)?/)?(gemini-3-pro-preview)$', 'large_context', 1, '(input|prompt|cached)', '>', 200000, NULL, NULL, 0.000004, 0.000018, '{"input_text": 0.000004, "input_modality_1": 0.000004, "prompt_token_count": 0.000004, "promptTokenCount": 0.000004, "input_cached_tokens": 0.0000004, "cached_content_token_count": 0.0000004, "output_text": 0.000018, "output_modality_1": 0.000018, "candidates_token_count": 0.000018, "candidatesTokenCount": 0.000018, "thoughtsTokenCount": 0.000018, "thoughts_token_count": 0.000018, "output_reasoning_tokens": 0.000018, "output_reasoning": 0.000018, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (257, 'gemini-3.1-pro-preview', '(?i)^(google(ai)?/)?(gemini-3.1-pro-preview(-customtools)?)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000012, '{"input_modality_1": 0.000002, "input_text": 0.000002, "prompt_token_count": 0.000002, "promptTokenCount": 0.000002, "input_cached_tokens": 0.0000002, "cached_content_token_count": 0.0000002, "output_text": 0.000012, "output_modality_1": 0.000012, "candidates_token_count": 0.000012, "candidatesTokenCount": 0.000012, "thoughtsTokenCount": 0.000012, "thoughts_token_count": 0.000012, "output_reasoning_tokens": 0.000012, "output_reasoning": 0.000012, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (258, 'gemini-3.1-pro-preview', '(?i)^(google(ai)?/)?(gemini-3.1-pro-preview(-customtools)?)$', 'large_context', 1, '(input|prompt|cached)', '>', 200000, NULL, NULL, 0.000004, 0.000018, '{"input_modality_1": 0.000004, "input_text": 0.000004, "prompt_token_count": 0.000004, "promptTokenCount": 0.000004, "input_cached_tokens": 0.0000004, "cached_content_token_count": 0.0000004, "output_text": 0.000018, "output_modality_1": 0.000018, "candidates_token_count": 0.000018, "candidatesTokenCount": 0.000018, "thoughtsTokenCount": 0.000018, "thoughts_token_count": 0.000018, "output_reasoning_tokens": 0.000018, "output_reasoning": 0.000018, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (259, 'gemini-3.5-flash', '(?i)^(google(ai)?/)?(gemini-3.5-flash)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000015, 0.000009, '{"input_modality_1": 0.0000015, "input_text": 0.0000015, "prompt_token_count": 0.0000015, "promptTokenCount": 0.0000015, "input_cached_tokens": 0.00000015, "cached_content_token_count": 0.00000015, "output_text": 0.000009, "output_modality_1": 0.000009, "candidates_token_count": 0.000009, "candidatesTokenCount": 0.000009, "thoughtsTokenCount": 0.000009, "thoughts_token_count": 0.000009, "output_reasoning_tokens": 0.000009, "output_reasoning": 0.000009, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (260, 'gemini-3-flash-preview', '(?i)^(google(ai)?/)?(gemini-3-flash-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.000003, '{"input_text": 0.0000005, "input_modality_1": 0.0000005, "prompt_token_count": 0.0000005, "promptTokenCount": 0.0000005, "input_cached_tokens": 0.00000005, "cached_content_token_count": 0.00000005, "output_text": 0.000003, "output_modality_1": 0.000003, "candidates_token_count": 0.000003, "candidatesTokenCount": 0.000003, "thoughtsTokenCount": 0.000003, "thoughts_token_count": 0.000003, "output_reasoning_tokens": 0.000003, "output_reasoning": 0.000003, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (261, 'gemini-3.1-flash-lite', '(?i)^(google(ai)?/)?(gemini-3.1-flash-lite)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000015, '{"input_modality_1": 0.00000025, "input_text": 0.00000025, "prompt_token_count": 0.00000025, "promptTokenCount": 0.00000025, "input_cached_tokens": 0.000000025, "cached_content_token_count": 0.000000025, "output_text": 0.0000015, "output_modality_1": 0.0000015, "candidates_token_count": 0.0000015, "candidatesTokenCount": 0.0000015, "thoughtsTokenCount": 0.0000015, "thoughts_token_count": 0.0000015, "output_reasoning_tokens": 0.0000015, "output_reasoning": 0.0000015, "input_audio_tokens": 0.0000005, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (262, 'gemini-3.1-flash-lite-preview', '(?i)^(google(ai)?/)?(gemini-3.1-flash-lite-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000025, 0.0000015, '{"input_modality_1": 0.00000025, "input_text": 0.00000025, "prompt_token_count": 0.00000025, "promptTokenCount": 0.00000025, "input_cached_tokens": 0.000000025, "cached_content_token_count": 0.000000025, "output_text": 0.0000015, "output_modality_1": 0.0000015, "candidates_token_count": 0.0000015, "candidatesTokenCount": 0.0000015, "thoughtsTokenCount": 0.0000015, "thoughts_token_count": 0.0000015, "output_reasoning_tokens": 0.0000015, "output_reasoning": 0.0000015, "input_audio_tokens": 0.0000005, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (263, 'gemini-live-2.5-flash-native-audio', '(?i)^(google/)?(gemini-live-2.5-flash-native-audio)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_text": 0.0000005, "input_audio": 0.000003, "input_image": 0.000003, "output_text": 0.000002, "output_audio": 0.000012}', 'default'),
    (264, 'gemini-3.6-flash', '(?i)^(google(ai)?/)?(gemini-3.6-flash)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000075, 0.00000375, '{"input_text": 0.00000075, "input_modality_1": 0.00000075, "prompt_token_count": 0.00000075, "promptTokenCount": 0.00000075, "input_cached_tokens": 0.000000075, "cached_content_token_count": 0.000000075, "output_text": 0.00000375, "output_modality_1": 0.00000375, "candidates_token_count": 0.00000375, "candidatesTokenCount": 0.00000375, "thoughtsTokenCount": 0.00000375, "thoughts_token_count": 0.00000375, "output_reasoning_tokens": 0.00000375, "output_reasoning": 0.00000375, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (265, 'gemini-3.7-flash', '(?i)^(google(ai)?/)?(gemini-3.7-flash)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000075, 0.00000375, '{"input_text": 0.00000075, "input_modality_1": 0.00000075, "prompt_token_count": 0.00000075, "promptTokenCount": 0.00000075, "input_cached_tokens": 0.000000075, "cached_content_token_count": 0.000000075, "output_text": 0.00000375, "output_modality_1": 0.00000375, "candidates_token_count": 0.00000375, "candidatesTokenCount": 0.00000375, "thoughtsTokenCount": 0.00000375, "thoughts_token_count": 0.00000375, "output_reasoning_tokens": 0.00000375, "output_reasoning": 0.00000375, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    (266, 'gemini-3.5-flash-lite', '(?i)^(google(ai)?/)?(gemini-3.5-flash-lite)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000003, 0.0000025, '{"input_text": 0.0000003, "input_modality_1": 0.0000003, "prompt_token_count": 0.0000003, "promptTokenCount": 0.0000003, "input_cached_tokens": 0.00000003, "cached_content_token_count": 0.00000003, "output_text": 0.0000025, "output_modality_1": 0.0000025, "candidates_token_count": 0.0000025, "candidatesTokenCount": 0.0000025, "thoughtsTokenCount": 0.0000025, "thoughts_token_count": 0.0000025, "output_reasoning_tokens": 0.0000025, "output_reasoning": 0.0000025, "grounding_queries": 0.014, "groundingQueries": 0.014, "web_search_queries": 0.014, "webSearchQueries": 0.014}', 'default'),
    -- added for usertrack (not in the Langfuse list)
    (267, 'gemini-embedding-001', '(?i)^(google(ai)?/|models/)?(gemini-embedding-001)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00000015}', 'default'),
    (268, 'gemini-embedding-2-preview', '(?i)^(google(ai)?/|models/)?(gemini-embedding-2-preview)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000002}', 'default'),
    (269, 'text-embedding-005', '(?i)^(google/|vertex_ai/)?(text-embedding-00[45]|text-multilingual-embedding-002)(@[a-zA-Z0-9]+)?$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"input_characters": 0.000000025}', 'default'),
    -- ======================================================================
    -- Mistral AI (La Plateforme): 19 models
    -- ======================================================================
    -- added for usertrack (not in the Langfuse list)
    (270, 'mistral-large-2512', '(?i)^(mistral/|mistralai/)?(mistral-large-latest|mistral-large-2512)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (271, 'mistral-large-2411', '(?i)^(mistral/|mistralai/)?(mistral-large-2407|mistral-large-2411)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000006, '{}', 'default'),
    (272, 'mistral-medium-2604', '(?i)^(mistral/|mistralai/)?(mistral-medium|mistral-medium-latest|mistral-medium-2604)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000015, 0.0000075, '{}', 'default'),
    (273, 'mistral-medium-2508', '(?i)^(mistral/|mistralai/)?(mistral-medium-2505|mistral-medium-2508)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000004, 0.000002, '{}', 'default'),
    (274, 'mistral-small-2603', '(?i)^(mistral/|mistralai/)?(mistral-small-latest|mistral-small-2603)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.0000006, '{}', 'default'),
    (275, 'mistral-small-2506', '(?i)^(mistral/|mistralai/)?(mistral-small-2501|mistral-small-2503|mistral-small-2506)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000003, '{}', 'default'),
    (276, 'codestral-2508', '(?i)^(mistral/|mistralai/)?(codestral-latest|codestral-2501|codestral-2508)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000003, 0.0000009, '{}', 'default'),
    (277, 'ministral-3b-2512', '(?i)^(mistral/|mistralai/)?(ministral-3b-latest|ministral-3b-2512)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000001, '{}', 'default'),
    (278, 'ministral-8b-2512', '(?i)^(mistral/|mistralai/)?(ministral-8b-latest|ministral-8b-2512)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.00000015, '{}', 'default'),
    (279, 'ministral-14b-2512', '(?i)^(mistral/|mistralai/)?(ministral-14b-latest|ministral-14b-2512)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.0000002, '{}', 'default'),
    (280, 'pixtral-large-2411', '(?i)^(mistral/|mistralai/)?(pixtral-large-latest|pixtral-large-2411|mistral-large-pixtral-2411)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000006, '{}', 'default'),
    (281, 'pixtral-12b-2409', '(?i)^(mistral/|mistralai/)?(pixtral-12b|pixtral-12b-latest|pixtral-12b-2409)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.00000015, '{}', 'default'),
    (282, 'magistral-medium-latest', '(?i)^(mistral/|mistralai/)?(magistral-medium-latest|magistral-medium-[0-9]{4})$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000002, 0.000005, '{}', 'default'),
    (283, 'magistral-small-latest', '(?i)^(mistral/|mistralai/)?(magistral-small-latest|magistral-small-[0-9]{4})$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (284, 'devstral-2512', '(?i)^(mistral/|mistralai/)?(devstral-latest|devstral-2512|devstral-medium-latest|devstral-medium-2507)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000004, 0.000002, '{}', 'default'),
    (285, 'devstral-small-latest', '(?i)^(mistral/|mistralai/)?(devstral-small-latest|devstral-small-[0-9]{4})$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000001, 0.0000003, '{}', 'default'),
    (286, 'open-mistral-nemo', '(?i)^(mistral/|mistralai/)?(open-mistral-nemo|open-mistral-nemo-2407|mistral-tiny-latest|mistral-tiny-2407)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.00000015, '{}', 'default'),
    (287, 'mistral-embed', '(?i)^(mistral/|mistralai/)?(mistral-embed|mistral-embed-2312)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (288, 'codestral-embed', '(?i)^(mistral/|mistralai/)?(codestral-embed|codestral-embed-2505)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00000015}', 'default'),
    -- ======================================================================
    -- Meta Llama, as hosted by Groq (GroqCloud): 5 models
    -- ======================================================================
    -- added for usertrack (not in the Langfuse list)
    (289, 'llama-3.1-8b-instant', '(?i)^(groq/)?(llama-3.1-8b-instant)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000005, 0.00000008, '{}', 'default'),
    (290, 'llama-3.3-70b-versatile', '(?i)^(groq/)?(llama-3.3-70b-versatile)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000059, 0.00000079, '{}', 'default'),
    (291, 'meta-llama/llama-4-scout-17b-16e-instruct', '(?i)^(groq/)?(meta-llama/llama-4-scout-17b-16e-instruct)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000011, 0.00000034, '{}', 'default'),
    (292, 'meta-llama/llama-4-maverick-17b-128e-instruct', '(?i)^(groq/)?(meta-llama/llama-4-maverick-17b-128e-instruct)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.0000006, '{}', 'default'),
    (293, 'meta-llama/llama-guard-4-12b', '(?i)^(groq/)?(meta-llama/llama-guard-4-12b)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000002, 0.0000002, '{}', 'default'),
    -- ======================================================================
    -- DeepSeek: 4 models
    -- ======================================================================
    -- added for usertrack (not in the Langfuse list)
    (294, 'deepseek-chat', '(?i)^(deepseek/|deepseek-ai/)?(deepseek-chat)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000014, 0.00000028, '{"input_cached_tokens": 0.0000000028, "input_cache_read": 0.0000000028, "cache_read_input_tokens": 0.0000000028, "prompt_cache_hit_tokens": 0.0000000028}', 'default'),
    (295, 'deepseek-reasoner', '(?i)^(deepseek/|deepseek-ai/)?(deepseek-reasoner)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000014, 0.00000028, '{"input_cached_tokens": 0.0000000028, "input_cache_read": 0.0000000028, "cache_read_input_tokens": 0.0000000028, "prompt_cache_hit_tokens": 0.0000000028, "output_reasoning_tokens": 0.00000028, "output_reasoning": 0.00000028, "reasoning_tokens": 0.00000028}', 'default'),
    (296, 'deepseek-v4-flash', '(?i)^(deepseek/|deepseek-ai/)?(deepseek-v4-flash)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000014, 0.00000028, '{"input_cached_tokens": 0.0000000028, "input_cache_read": 0.0000000028, "cache_read_input_tokens": 0.0000000028, "prompt_cache_hit_tokens": 0.0000000028, "output_reasoning_tokens": 0.00000028, "output_reasoning": 0.00000028, "reasoning_tokens": 0.00000028}', 'default'),
    (297, 'deepseek-v4-pro', '(?i)^(deepseek/|deepseek-ai/)?(deepseek-v4-pro)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000000435, 0.00000087, '{"input_cached_tokens": 0.000000003625, "input_cache_read": 0.000000003625, "cache_read_input_tokens": 0.000000003625, "prompt_cache_hit_tokens": 0.000000003625, "output_reasoning_tokens": 0.00000087, "output_reasoning": 0.00000087, "reasoning_tokens": 0.00000087}', 'default'),
    -- ======================================================================
    -- Cohere: 10 models
    -- ======================================================================
    -- added for usertrack (not in the Langfuse list)
    (298, 'command-a-03-2025', '(?i)^(cohere/|cohere_chat/)?(command-a-03-2025|command-a)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.00001, '{}', 'default'),
    (299, 'command-r-plus-08-2024', '(?i)^(cohere/|cohere_chat/)?(command-r-plus-08-2024)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000025, 0.00001, '{}', 'default'),
    (300, 'command-r-plus', '(?i)^(cohere/|cohere_chat/)?(command-r-plus|command-r-plus-04-2024)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.000003, 0.000015, '{}', 'default'),
    (301, 'command-r-08-2024', '(?i)^(cohere/|cohere_chat/)?(command-r-08-2024)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.00000015, 0.0000006, '{}', 'default'),
    (302, 'command-r', '(?i)^(cohere/|cohere_chat/)?(command-r|command-r-03-2024)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000005, 0.0000015, '{}', 'default'),
    (303, 'command-r7b-12-2024', '(?i)^(cohere/|cohere_chat/)?(command-r7b-12-2024)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, 0.0000000375, 0.00000015, '{}', 'default'),
    (304, 'embed-v4.0', '(?i)^(cohere/|cohere_chat/)?(embed-v4.0)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.00000012}', 'default'),
    (305, 'embed-english-v3.0', '(?i)^(cohere/|cohere_chat/)?(embed-english-v3.0|embed-multilingual-v3.0|embed-english-light-v3.0|embed-multilingual-light-v3.0)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"total": 0.0000001}', 'default'),
    (306, 'rerank-v3.5', '(?i)^(cohere/|cohere_chat/)?(rerank-v3.5)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"search_units": 0.002}', 'default'),
    (307, 'rerank-v4.0-fast', '(?i)^(cohere/|cohere_chat/)?(rerank-v4.0-fast)$', 'default', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"search_units": 0.002}', 'default');
