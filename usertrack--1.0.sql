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
    logged_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX pending_deltas_user ON usertrack.pending_deltas (user_id, session_id, day);
COMMENT ON TABLE usertrack.pending_deltas IS
  'Maintained, deferred mode: insert-only log of changes to the per-user, per-session and per-day totals not folded in yet by usertrack.refresh(); one row per (user, session, day) per statement';
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
COMMENT ON COLUMN usertrack.pending_deltas.logged_at IS 'Start of the writing transaction';

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
       d.output_tokens, d.total_tokens, d.model_cost, d.errors, d.scores
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
       (COALESCE(d.scores, 0) OPERATOR(pg_catalog.+) g.scores)::bigint
  FROM (SELECT p.user_id, p.day,
               pg_catalog.sum(p.traces) AS traces,
               pg_catalog.sum(p.observations) AS observations,
               pg_catalog.sum(p.input_tokens) AS input_tokens,
               pg_catalog.sum(p.output_tokens) AS output_tokens,
               pg_catalog.sum(p.total_tokens) AS total_tokens,
               pg_catalog.sum(p.errors) AS errors,
               pg_catalog.sum(p.scores) AS scores,
               pg_catalog.sum(p.model_cost) AS model_cost
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
  'Compares every view, every per-trace row (attribution and totals, those of observations still waiting for their trace included), and the totals, sessions and days of traces without a user with a from-scratch recomputation over the input tables, and checks that every user with unfolded log rows is held and no user is both held and settled; one row per difference, none when consistent';

CREATE FUNCTION usertrack.rebuild()
RETURNS TABLE (maintained_table text, rows_written bigint)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
-- SHARE mode waits for running writers of the input tables to commit and
-- keeps new ones out until this transaction ends; readers go on.
LOCK TABLE usertrack.traces, usertrack.observations, usertrack.scores IN SHARE MODE;
LOCK TABLE usertrack.trace_totals, usertrack.user_session_totals,
           usertrack.user_daily_totals, usertrack.user_totals,
           usertrack.user_held, usertrack.pending_deltas
    IN EXCLUSIVE MODE;
DELETE FROM usertrack.pending_deltas;
DELETE FROM usertrack.user_held;
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
-- Deferred mode: folding the log, its backlog; retention.
------------------------------------------------------------------------------

CREATE FUNCTION usertrack.fold_pending(max_rows bigint DEFAULT 10000,
                                       OUT folded bigint, OUT settled bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'usertrack_fold_pending'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION usertrack.fold_pending(bigint) IS
  'One batch of the refresh, in the calling transaction: folds the oldest max_rows rows of usertrack.pending_deltas into the totals, then moves up to max_rows held users with no log rows left and no write in progress back to user_totals. usertrack.refresh() calls it in a loop';
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
        -- stop once a batch found the log drained (that batch settles the
        -- quiet held users) and settled them all, or when a batch more than
        -- what was there at the start is folded (writers may add faster
        -- than one refresh folds)
        EXIT WHEN (f OPERATOR(pg_catalog.<) batch_size
                   AND st OPERATOR(pg_catalog.<) batch_size)
              OR folded OPERATOR(pg_catalog.>=) (at_start OPERATOR(pg_catalog.+) batch_size);
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
