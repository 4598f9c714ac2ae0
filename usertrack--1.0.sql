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
    input_cost numeric, output_cost numeric, total_cost numeric)
RETURNS boolean
AS 'MODULE_PATHNAME', 'usertrack_observation_is_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.observation_is_valid(text, text, text, text, text, timestamptz, timestamptz, timestamptz, bigint, bigint, bigint, numeric, numeric, numeric) IS
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
    CONSTRAINT observations_valid
        CHECK (usertrack.observation_is_valid(id, trace_id,
               parent_observation_id, type, level, start_time, end_time,
               completion_start_time, input_tokens, output_tokens,
               total_tokens, input_cost, output_cost, total_cost))
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
COMMENT ON COLUMN usertrack.observations.usage_details IS 'Other usage kinds, such as cached or reasoning tokens';
COMMENT ON COLUMN usertrack.observations.input_cost IS 'Input cost supplied by the client, finite and zero or more';
COMMENT ON COLUMN usertrack.observations.output_cost IS 'Output cost supplied by the client, finite and zero or more';
COMMENT ON COLUMN usertrack.observations.total_cost IS 'Total cost supplied by the client, finite and zero or more; wins over input plus output';
COMMENT ON COLUMN usertrack.observations.cost_details IS 'Cost per usage kind supplied by the client';
COMMENT ON COLUMN usertrack.observations.level IS 'DEBUG, DEFAULT, WARNING or ERROR; ERROR counts as an error';
COMMENT ON COLUMN usertrack.observations.status_message IS 'Status or error message';
COMMENT ON COLUMN usertrack.observations.metadata IS 'Free-form metadata';
COMMENT ON COLUMN usertrack.observations.input IS 'Input of the step';
COMMENT ON COLUMN usertrack.observations.output IS 'Output of the step';

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
-- Maintained tables, written only by the triggers (as the extension owner).
-- Every rollup has the same measures, so that one code path keeps them all.
-- The user key '' holds the traces without a user: it makes global totals a
-- sum over user_totals, and it is filtered out of every per-user view.
------------------------------------------------------------------------------

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
    last_end        timestamptz
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
  FROM usertrack.user_totals u
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
COMMENT ON COLUMN usertrack.all_users.model_cost IS 'Sum of observation cost (total_cost, else input_cost plus output_cost, else 0)';
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
       CASE WHEN a.first_start IS NOT NULL
            THEN GREATEST(a.last_end OPERATOR(pg_catalog.-) a.first_start,
                          '0'::pg_catalog.interval) END AS latency
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
  FROM usertrack.user_session_totals s
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
  FROM usertrack.user_daily_totals d
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
  FROM usertrack.user_totals u;
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
           (t."timestamp" AT TIME ZONE 'UTC')::pg_catalog.date AS day
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
       o.last_end
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
       pg_catalog.sum(r.scores)::bigint AS scores
  FROM usertrack.recomputed_trace_totals r
 WHERE r.present
 GROUP BY r.user_id, r.day;
COMMENT ON VIEW usertrack.recomputed_user_daily_totals IS
  'user_daily_totals computed from scratch from the input tables (slow; for verify and rebuild)';

CREATE FUNCTION usertrack.verify()
RETURNS TABLE (object text, key text, column_name text, shown text, recomputed text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
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
      FROM (SELECT * FROM usertrack.user_totals WHERE user_id = '') a
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
              FROM usertrack.user_session_totals WHERE user_id = '') a
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
      FROM (SELECT * FROM usertrack.user_daily_totals WHERE user_id = '') a
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
    -- every trace row: whom it counts for, and observations and scores
    -- still waiting for their trace
    SELECT 'trace_totals', to_jsonb(COALESCE(a.trace_id, b.trace_id)), to_jsonb(a), to_jsonb(b)
      FROM usertrack.trace_totals a
      FULL JOIN (SELECT r.trace_id, r.present, r.user_id, r.session_id, r.day,
                        r.observations, r.input_tokens, r.output_tokens, r.total_tokens,
                        r.model_cost, r.errors, r.scores, r.first_start, r.last_end
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
  'Compares every view, every per-trace row (attribution and totals, those of observations still waiting for their trace included), and the totals, sessions and days of traces without a user with a from-scratch recomputation over the input tables; one row per difference, none when consistent';

CREATE FUNCTION usertrack.rebuild()
RETURNS TABLE (maintained_table text, rows_written bigint)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
-- SHARE mode waits for running writers of the input tables to commit and
-- keeps new ones out until this transaction ends; readers go on.
LOCK TABLE usertrack.traces, usertrack.observations, usertrack.scores IN SHARE MODE;
LOCK TABLE usertrack.trace_totals, usertrack.user_totals,
           usertrack.user_session_totals, usertrack.user_daily_totals
    IN EXCLUSIVE MODE;
DELETE FROM usertrack.trace_totals;
DELETE FROM usertrack.user_totals;
DELETE FROM usertrack.user_session_totals;
DELETE FROM usertrack.user_daily_totals;
INSERT INTO usertrack.trace_totals
    (trace_id, present, user_id, session_id, day, observations, input_tokens,
     output_tokens, total_tokens, model_cost, errors, scores, first_start, last_end)
SELECT trace_id, present, user_id, session_id, day, observations, input_tokens,
       output_tokens, total_tokens, model_cost, errors, scores, first_start, last_end
  FROM usertrack.recomputed_trace_totals;
INSERT INTO usertrack.user_totals
    (user_id, first_event, last_event, traces, observations, input_tokens,
     output_tokens, total_tokens, model_cost, errors, scores, sessions, active_days)
SELECT user_id, first_event, last_event, traces, observations, input_tokens,
       output_tokens, total_tokens, model_cost, errors, scores, sessions, active_days
  FROM usertrack.recomputed_user_totals;
INSERT INTO usertrack.user_session_totals
    (user_id, session_id, first_event, last_event, traces, observations,
     input_tokens, output_tokens, total_tokens, model_cost, errors, scores)
SELECT user_id, session_id, first_event, last_event, traces, observations,
       input_tokens, output_tokens, total_tokens, model_cost, errors, scores
  FROM usertrack.recomputed_user_session_totals;
INSERT INTO usertrack.user_daily_totals
    (user_id, day, traces, observations, input_tokens, output_tokens,
     total_tokens, model_cost, errors, scores)
SELECT user_id, day, traces, observations, input_tokens, output_tokens,
       total_tokens, model_cost, errors, scores
  FROM usertrack.recomputed_user_daily_totals;
SELECT 'trace_totals', count(*) FROM usertrack.trace_totals
UNION ALL SELECT 'user_totals', count(*) FROM usertrack.user_totals
UNION ALL SELECT 'user_session_totals', count(*) FROM usertrack.user_session_totals
UNION ALL SELECT 'user_daily_totals', count(*) FROM usertrack.user_daily_totals;
$$;
COMMENT ON FUNCTION usertrack.rebuild() IS
  'Recomputes every maintained table from the input tables. Waits for running writers and blocks new ones (SHARE lock on the input tables) until the calling transaction ends';

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
                   'usertrack.observations, usertrack.scores TO %s', role_name);
END
$$;
COMMENT ON FUNCTION usertrack.grant_writer(regrole) IS
  'Lets a role write the input tables (SELECT, INSERT, UPDATE, DELETE; upserts included). Its writes keep every total right, although it gets no right on the maintained tables';
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
                   'usertrack.user_daily, usertrack.totals TO %s', role_name);
END
$$;
COMMENT ON FUNCTION usertrack.grant_reader(regrole) IS
  'Lets a role (a BI tool, a dashboard) read the public views, and nothing else';
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
    'sessions', COALESCE((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.first_event, s.session_id)
                            FROM usertrack.user_sessions s WHERE s.user_id = $1), '[]'),
    'daily', COALESCE((SELECT jsonb_agg(to_jsonb(d) ORDER BY d.day)
                         FROM usertrack.user_daily d WHERE d.user_id = $1), '[]'),
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
  'Everything stored about one user as one JSON document (for access requests): totals, sessions, days, and every trace with its observations and scores';
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
)
SELECT 'scores', (SELECT count(*) FROM s)
UNION ALL SELECT 'observations', (SELECT count(*) FROM o)
UNION ALL SELECT 'traces', (SELECT count(*) FROM t)
$$;
COMMENT ON FUNCTION usertrack.forget_user(text) IS
  'Erases one user: their traces, the observations and scores of those traces, and with them every total of the user, in one statement; returns the rows deleted per table';
REVOKE ALL ON FUNCTION usertrack.forget_user(text) FROM PUBLIC;
