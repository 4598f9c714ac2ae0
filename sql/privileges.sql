-- A role that may only write the input tables keeps every total right: the
-- triggers maintain the totals as the extension owner, with a pinned
-- search_path, so the role needs no right on the maintained tables, cannot
-- change them directly, and cannot redirect the maintenance with objects of
-- its own earlier in its search_path.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
CREATE ROLE usertrack_test_writer;
GRANT USAGE ON SCHEMA usertrack TO usertrack_test_writer;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON usertrack.traces, usertrack.observations, usertrack.scores
   TO usertrack_test_writer;
CREATE SCHEMA usertrack_test_evil;
GRANT ALL ON SCHEMA usertrack_test_evil TO usertrack_test_writer;

-- an alert rule and hard budget, evaluated by the writer's writes
DELETE FROM usertrack.alert_rules;
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold, hard_budget)
VALUES ('tokens 1000 in 24 hours', 'total_tokens', 'rolling', '24 hours', 1000, true);
GRANT EXECUTE ON FUNCTION usertrack.check_budget(text) TO usertrack_test_writer;

SET ROLE usertrack_test_writer;
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('t1', 'u1', '2026-01-01 10:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, start_time)
VALUES ('o1', 't1', 5, '2026-01-01 10:00+00')
ON CONFLICT (id) DO UPDATE SET input_tokens = excluded.input_tokens;
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s1', 't1', 'q', 1);
UPDATE usertrack.traces SET user_id = 'u2';
DELETE FROM usertrack.observations;
-- the maintained tables are out of reach
SELECT count(*) FROM usertrack.user_totals;
INSERT INTO usertrack.user_totals (user_id) VALUES ('forged');
UPDATE usertrack.trace_totals SET observations = 100;
-- objects of the writer's own, earlier in its search_path
CREATE TABLE usertrack_test_evil.trace_totals (trace_id text);
CREATE TABLE usertrack_test_evil.user_totals (user_id text);
CREATE FUNCTION usertrack_test_evil.texteq(text, text) RETURNS boolean
    LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR usertrack_test_evil.= (leftarg = text, rightarg = text,
                                       function = usertrack_test_evil.texteq);
CREATE FUNCTION usertrack_test_evil.least(timestamptz, timestamptz) RETURNS timestamptz
    LANGUAGE sql AS 'SELECT NULL::timestamptz';
SET search_path = usertrack_test_evil, usertrack, public, pg_catalog;
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('t2', 'u3', '2026-01-01 11:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, start_time)
VALUES ('o2', 't2', 7, '2026-01-01 11:00+00');
-- pricing reads the prices as the extension owner, with its own search_path:
-- the writer needs no right on them (this is the session's first price lookup)
INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, output_tokens, start_time)
VALUES ('o3', 't2', 'gpt-4o-mini', 1000, 200, '2026-01-01 11:00+00');
-- a user over the budget, and the budget through the same search_path
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('t4', 'u4', now() - interval '1 minute');
INSERT INTO usertrack.observations (id, trace_id, total_tokens) VALUES ('o4', 't4', 1200);
SELECT rule_name, used, budget_limit, allowed FROM usertrack.check_budget('u4');
RESET search_path;
SELECT computed_total_cost > 0 AS priced, price_id BETWEEN 1 AND 999999 AS shipped_price
  FROM usertrack.observations WHERE id = 'o3';
-- the writes opened an alert, but the rules and alerts are out of reach
SELECT count(*) FROM usertrack.alerts;
INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('x', 'errors', '1 hour', 1);
SELECT usertrack.evaluate_alerts('{u4}');
SELECT * FROM usertrack.list_alerts();
-- ... but it cannot read or change them, compute with them, or recalculate
SELECT count(*) FROM usertrack.model_prices;
SELECT * FROM usertrack.compute_cost('gpt-4o-mini', '2026-01-01 11:00+00', NULL, 1, 1);
SELECT usertrack.recalculate_costs();
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('x', '^x$', 1);
-- the trigger functions cannot be put on a table of the writer's own ...
CREATE TEMP TABLE fake_observations (id text, trace_id text, start_time timestamptz,
    end_time timestamptz, input_tokens bigint, output_tokens bigint, total_tokens bigint,
    input_cost numeric, output_cost numeric, total_cost bigint, level text);
CREATE TRIGGER forge AFTER INSERT ON fake_observations REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.observations_changed();
DROP TABLE fake_observations;
RESET ROLE;
-- ... and, put there by someone who may, they refuse to run
CREATE TABLE public.fake_traces (id text, user_id text, session_id text, "timestamp" timestamptz);
CREATE TRIGGER forge AFTER INSERT ON public.fake_traces REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.traces_changed();
INSERT INTO public.fake_traces VALUES ('t9', 'mallory', NULL, now());
DROP TABLE public.fake_traces;

SELECT user_id, total_events, total_observations, input_tokens, scores, first_event
  FROM usertrack.all_users WHERE user_id <> 'u4' ORDER BY user_id;
SELECT (SELECT count(*) FROM usertrack_test_evil.trace_totals) AS evil_trace_rows,
       (SELECT count(*) FROM usertrack_test_evil.user_totals) AS evil_user_rows;
SELECT * FROM usertrack.verify();
SELECT user_id, metric, value, threshold, state FROM usertrack.alerts;

-- A reader calls the analytics functions, which read as the extension owner
-- (SECURITY DEFINER): the same answers as the owner's, whatever the
-- reader puts first in its search_path.
CREATE ROLE usertrack_test_reader;
SELECT usertrack.grant_reader('usertrack_test_reader');
GRANT ALL ON SCHEMA usertrack_test_evil TO usertrack_test_reader;
CREATE TEMP TABLE owner_stats AS
SELECT * FROM usertrack.user_stats('u3', '2026-01-01', '2026-01-02');
GRANT SELECT ON owner_stats TO usertrack_test_reader;
SET ROLE usertrack_test_reader;
CREATE TABLE usertrack_test_evil.user_daily_rollup (user_id text, day date, traces bigint);
CREATE FUNCTION usertrack_test_evil.round(numeric, integer) RETURNS numeric
    LANGUAGE sql AS 'SELECT 42::numeric';
CREATE FUNCTION usertrack_test_evil.date_le(date, date) RETURNS boolean
    LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR usertrack_test_evil.<= (leftarg = date, rightarg = date,
                                        function = usertrack_test_evil.date_le);
SET search_path = usertrack_test_evil, usertrack, public, pg_catalog;
SELECT (s.*)::text = (o.*)::text AS same_as_owner, s.traces, s.error_rate
  FROM usertrack.user_stats('u3', '2026-01-01', '2026-01-02') s, pg_temp.owner_stats o;
SELECT users FROM usertrack.usage_distribution('total_tokens');
SELECT rule_name, user_id, value, state FROM usertrack.list_alerts();
SELECT rule_name, used, allowed FROM usertrack.check_budget('u4');
SELECT traces, total_tokens FROM usertrack.user_usage('u4', '24 hours');
RESET search_path;
-- but it reads no raw row itself
SELECT count(*) FROM usertrack.user_daily_totals;
SELECT * FROM usertrack.user_stats_of('u3', NULL, NULL);
RESET ROLE;
DROP OWNED BY usertrack_test_reader;
DROP ROLE usertrack_test_reader;

-- a role that manages the rules needs no right on the alerts: deleting a
-- rule deletes its alerts as the owner
CREATE ROLE usertrack_test_rules;
GRANT USAGE ON SCHEMA usertrack TO usertrack_test_rules;
GRANT SELECT, INSERT, UPDATE, DELETE ON usertrack.alert_rules TO usertrack_test_rules;
SET ROLE usertrack_test_rules;
DELETE FROM usertrack.alert_rules WHERE name = 'tokens 1000 in 24 hours';
SELECT count(*) FROM usertrack.alerts;
RESET ROLE;
SELECT count(*) AS alerts_left FROM usertrack.alerts;
DROP OWNED BY usertrack_test_rules;
DROP ROLE usertrack_test_rules;
DELETE FROM usertrack.alert_rules;
REVOKE EXECUTE ON FUNCTION usertrack.check_budget(text) FROM usertrack_test_writer;
DROP SCHEMA usertrack_test_evil CASCADE;
REVOKE ALL ON usertrack.traces, usertrack.observations, usertrack.scores FROM usertrack_test_writer;
REVOKE USAGE ON SCHEMA usertrack FROM usertrack_test_writer;
DROP ROLE usertrack_test_writer;
