-- Budgets and alerts (issue "Budgets and alerts"): the 15-minute usage
-- buckets, rules over rolling and calendar windows, alerts opened once per
-- rule, user and period by the triggers, check_budget(), user_usage(), the
-- deferred mode (the refresh evaluates), and bad rules.  Times are relative
-- to now(), and the output shows no time, so that it does not depend on
-- when the test runs.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
TRUNCATE usertrack.user_traits_set;
DELETE FROM usertrack.alert_rules;
SET timezone = 'UTC';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/sql/try.sql

-- the alerts so far, without times
CREATE FUNCTION pg_temp.alerts() RETURNS TABLE (rule text, user_id text, metric text,
    value numeric, threshold numeric, state text)
LANGUAGE sql AS $$
SELECT r.name, a.user_id, a.metric, a.value, a.threshold, a.state
  FROM usertrack.alerts a JOIN usertrack.alert_rules r ON r.id = a.rule_id
 ORDER BY a.opened_at, r.id, a.user_id
$$;

------------------------------------------------------------------------
-- 1. Buckets: 15 minutes from 2000-01-01 UTC, kept with the totals
------------------------------------------------------------------------
SELECT usertrack.usage_bucket('2026-03-01 10:14:59.999999+00') AS before_quarter,
       usertrack.usage_bucket('2026-03-01 10:15:00+00') AS on_quarter,
       usertrack.usage_bucket('1999-12-31 23:59:00+00') AS before_origin,
       usertrack.usage_bucket('2026-03-01 10:20:00+05:45') AS nepal;

INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES
    ('b1', '2026-03-01 10:01+00', 'u'), ('b2', '2026-03-01 10:14+00', 'u'),
    ('b3', '2026-03-01 10:15+00', 'u'), ('b4', '2026-03-01 10:20+00', '');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_tokens, total_cost, level) VALUES
    ('bo1', 'b1', '2026-03-01 10:01+00', 10, 0.5, 'DEFAULT'),
    ('bo2', 'b3', '2026-03-01 10:15+00', 20, 0.25, 'ERROR'),
    ('bo3', 'b4', '2026-03-01 10:20+00', 5, 1, 'DEFAULT');
SELECT user_id, bucket, traces, observations, total_tokens, model_cost, errors
  FROM usertrack.user_usage_buckets ORDER BY user_id, bucket;
-- a trace moved to another quarter of the same day takes its observations along
UPDATE usertrack.traces SET "timestamp" = '2026-03-01 10:16+00' WHERE id = 'b1';
SELECT user_id, bucket, traces, observations, total_tokens, model_cost
  FROM usertrack.user_usage_buckets ORDER BY user_id, bucket;
-- windows across days: whole UTC days from the daily rows, the edges from buckets
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES
    ('b5', '2026-02-27 23:50+00', 'u'), ('b6', '2026-02-28 12:00+00', 'u');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('bo5', 'b5', '2026-02-27 23:50+00', 2), ('bo6', 'b6', '2026-02-28 12:00+00', 4);
SELECT f, t, (usertrack.usage_between('u', f::timestamptz, t::timestamptz)).*
  FROM (VALUES ('2026-02-27 23:45+00', '2026-03-01 10:15+00'),
               ('2026-02-28 00:00+00', '2026-03-02 00:00+00'),
               ('2026-02-28 00:00+00', 'infinity'),
               ('2026-03-01 10:15+00', '2026-03-01 10:30+00'),
               ('2026-02-27 23:30+00', '2026-02-27 23:45+00')) w(f, t);
-- the same, computed from the raw rows
SELECT count(*) AS traces, sum(o.total_cost) AS model_cost
  FROM usertrack.traces t LEFT JOIN usertrack.observations o ON o.trace_id = t.id
 WHERE t.user_id = 'u' AND t."timestamp" >= '2026-02-27 23:45+00' AND t."timestamp" < '2026-03-01 10:15+00';
SELECT count(*) AS differences FROM usertrack.verify();
TRUNCATE usertrack.traces, usertrack.observations;
SELECT count(*) AS buckets_left FROM usertrack.user_usage_buckets;

------------------------------------------------------------------------
-- 2. Rules, and bad ones
------------------------------------------------------------------------
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, time_zone,
                                   threshold, scope, scope_key, scope_value, hard_budget,
                                   min_observations) VALUES
    ('cost 5 in 24h', 'model_cost', 'rolling', '24 hours', 'UTC', 5, 'all', NULL, NULL, false, 1),
    ('errors 3 in 1h', 'errors', 'rolling', '1 hour', 'UTC', 3, 'all', NULL, NULL, false, 1),
    ('free tokens month', 'total_tokens', 'month', NULL, 'Asia/Kolkata', 1000, 'trait', 'plan', 'free', false, 1),
    ('alice daily budget', 'model_cost', 'day', NULL, 'Europe/Berlin', 1, 'user', NULL, 'alice', true, 1),
    ('error rate 1h', 'error_rate', 'rolling', '1 hour', 'UTC', 0.5, 'all', NULL, NULL, false, 4),
    ('events 3 in 1h', 'total_events', 'rolling', '1 hour', 'UTC', 3, 'all', NULL, NULL, false, 1),
    ('budget 100 in 30 days', 'model_cost', 'rolling', '30 days', 'UTC', 100, 'all', NULL, NULL, true, 1);
SELECT name, metric, window_kind, window_length, time_zone, threshold, scope, hard_budget
  FROM usertrack.alert_rules ORDER BY id;

SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'latency', '1 hour', 1)$$) AS unknown_metric;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', NULL, 1)$$) AS rolling_without_length;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '1 month', 1)$$) AS rolling_month;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '10 minutes', 1)$$) AS not_quarter_hours;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '-1 hour', 1)$$) AS negative_window;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold)
                      VALUES ('x', 'errors', 'day', '1 hour', 1)$$) AS calendar_with_length;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, threshold)
                      VALUES ('x', 'errors', 'week', 1)$$) AS unknown_window;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold)
                      VALUES ('x', 'errors', 'day', 'Mars/Olympus_Mons', 1)$$) AS unknown_time_zone;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '1 hour', 'NaN')$$) AS nan_threshold;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '1 hour', 'Infinity')$$) AS infinite_threshold;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'errors', '1 hour', 0)$$) AS zero_threshold;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('x', 'error_rate', '1 hour', 1.5)$$) AS rate_above_one;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope)
                      VALUES ('x', 'errors', '1 hour', 1, 'user')$$) AS user_scope_without_user;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_key)
                      VALUES ('x', 'errors', '1 hour', 1, 'trait', 'plan')$$) AS trait_scope_without_value;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_value)
                      VALUES ('x', 'errors', '1 hour', 1, 'all', 'bob')$$) AS all_scope_with_value;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('', 'errors', '1 hour', 1)$$) AS empty_name;
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold)
                      VALUES ('cost 5 in 24h', 'errors', '1 hour', 1)$$) AS duplicate_name;
SELECT pg_temp.try($$UPDATE usertrack.alert_rules SET min_observations = 0
                      WHERE name = 'error rate 1h'$$) AS zero_min_observations;
SELECT count(*) AS rules FROM usertrack.alert_rules;

------------------------------------------------------------------------
-- 3. Crossing thresholds: exactly at, inside one multi-row statement,
--    by an update, by a late trace; once only; falling back under
------------------------------------------------------------------------
-- bob: 4.99 in the last 24 hours, under the threshold of 5
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t1', now() - interval '3 hours', 'bob');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o1', 't1', now() - interval '3 hours', 4.99);
SELECT * FROM pg_temp.alerts();
-- 0.01 more: exactly at the threshold, which opens the alert
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o2', 't1', now() - interval '3 hours', 0.01);
SELECT * FROM pg_temp.alerts();
-- more cost in the same period: no second alert
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o3', 't1', now() - interval '3 hours', 1);
-- falling back under (a delete) and crossing again: still one alert
DELETE FROM usertrack.observations WHERE id IN ('o2', 'o3');
UPDATE usertrack.observations SET total_cost = 7 WHERE id = 'o1';
SELECT * FROM pg_temp.alerts();
-- cost dated before the window counts for nothing: carol's 6 are 2 days old
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t2', now() - interval '2 days', 'carol');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o4', 't2', now() - interval '2 days', 6);
SELECT count(*) AS carol_alerts FROM usertrack.alerts WHERE user_id = 'carol'
   AND rule_id = (SELECT id FROM usertrack.alert_rules WHERE name = 'cost 5 in 24h');
-- ... until an update moves the trace into the window
UPDATE usertrack.traces SET "timestamp" = now() - interval '1 hour' WHERE id = 't2';
SELECT * FROM pg_temp.alerts() WHERE user_id = 'carol';
-- dave: three errors in one multi-row statement cross "errors 3 in 1h" and
-- "error rate 1h" (3 of 4 observations), and his 3 traces "events 3 in 1h"
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES
    ('t3', now() - interval '10 minutes', 'dave'), ('t4', now() - interval '9 minutes', 'dave'),
    ('t5', now() - interval '8 minutes', 'dave');
INSERT INTO usertrack.observations (id, trace_id, start_time, level) VALUES
    ('o5', 't3', now() - interval '10 minutes', 'ERROR'),
    ('o6', 't4', now() - interval '9 minutes', 'ERROR'),
    ('o7', 't5', now() - interval '8 minutes', 'ERROR'),
    ('o8', 't5', now() - interval '8 minutes', 'DEFAULT');
SELECT * FROM pg_temp.alerts() WHERE user_id = 'dave';
-- a fourth trace: nothing new
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t6', now() - interval '7 minutes', 'dave');
SELECT * FROM pg_temp.alerts() WHERE user_id = 'dave';
-- erin: observations that arrive before their trace count for nobody; the
-- late trace brings them in, and crosses the threshold
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost, level) VALUES
    ('o9', 't7', now() - interval '20 minutes', 3, 'ERROR'),
    ('o10', 't7', now() - interval '20 minutes', 3, 'DEFAULT');
SELECT count(*) AS erin_alerts_before_trace FROM usertrack.alerts WHERE user_id = 'erin';
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t7', now() - interval '20 minutes', 'erin');
SELECT * FROM pg_temp.alerts() WHERE user_id = 'erin';
-- error rate needs min_observations: frank's 1 error in 1 observation is not enough
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t8', now() - interval '5 minutes', 'frank');
INSERT INTO usertrack.observations (id, trace_id, start_time, level) VALUES
    ('o11', 't8', now() - interval '5 minutes', 'ERROR');
SELECT count(*) AS frank_alerts FROM usertrack.alerts WHERE user_id = 'frank';
-- traces without a user never alert
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t9', now() - interval '5 minutes', NULL);
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o12', 't9', now() - interval '5 minutes', 100);
SELECT count(*) AS alerts_without_user FROM usertrack.alerts WHERE user_id = '';

------------------------------------------------------------------------
-- 4. Scopes: a trait, one user; calendar windows in a time zone
------------------------------------------------------------------------
-- gina is on the free plan (through her traces' metadata); 1000 tokens this
-- month in India's calendar (traces from the start of that month count)
INSERT INTO usertrack.traces (id, "timestamp", user_id, metadata) VALUES
    ('t10', (SELECT window_start FROM usertrack.rule_window('month', NULL, 'Asia/Kolkata', now())) + interval '1 minute',
     'gina', '{"user_traits": {"plan": "free"}}');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_tokens) VALUES
    ('o13', 't10', now(), 600), ('o14', 't10', now(), 400);
-- hank has the same tokens but the pro plan, set by the application
SELECT usertrack.set_user_traits('hank', '{"plan": "pro"}');
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t11', now() - interval '1 minute', 'hank');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_tokens) VALUES
    ('o15', 't11', now(), 1000);
SELECT * FROM pg_temp.alerts() WHERE user_id IN ('gina', 'hank');
-- the month's window is the calendar month in Asia/Kolkata
SELECT window_start = timezone('Asia/Kolkata', date_trunc('month', timezone('Asia/Kolkata', now()))) AS month_start_in_zone,
       window_end = timezone('Asia/Kolkata', date_trunc('month', timezone('Asia/Kolkata', now())) + interval '1 month') AS month_end_in_zone,
       period_start = window_start AS once_per_month
  FROM usertrack.rule_window('month', NULL, 'Asia/Kolkata', now());
-- a rolling window starts on the quarter hour at or before now - length, and
-- its alerts are once per length-long period
SELECT window_start = usertrack.usage_bucket(now() - interval '24 hours') AS rolling_start,
       window_end = 'infinity' AS no_end,
       period_start = date_bin('24 hours', now(), '2000-01-01 00:00+00') AS period
  FROM usertrack.rule_window('rolling', '24 hours', 'UTC', now());

------------------------------------------------------------------------
-- 5. check_budget() and user_usage()
------------------------------------------------------------------------
-- alice has the daily budget of 1 (Berlin days) and the one of 100 in 30 days
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES
    ('t12', (SELECT window_start FROM usertrack.rule_window('day', NULL, 'Europe/Berlin', now())) + interval '1 minute', 'alice');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o16', 't12', now(), 0.4);
SELECT rule_name, metric, used, budget_limit, remaining, allowed FROM usertrack.check_budget('alice');
SELECT usertrack.budget_allows('alice') AS alice_allowed;
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o17', 't12', now(), 0.6);
SELECT rule_name, used, budget_limit, remaining, allowed FROM usertrack.check_budget('alice');
SELECT usertrack.budget_allows('alice') AS alice_allowed;
-- a user without a user-scoped budget gets only the budgets for everyone
SELECT rule_name, used, allowed FROM usertrack.check_budget('nobody');
UPDATE usertrack.alert_rules SET enabled = false WHERE name = 'budget 100 in 30 days';
SELECT count(*) AS budgets_of_nobody, usertrack.budget_allows('nobody') AS nobody_allowed
  FROM usertrack.check_budget('nobody');
UPDATE usertrack.alert_rules SET enabled = true WHERE name = 'budget 100 in 30 days';
SELECT window_end = now() AS up_to_now, traces, observations, total_tokens, model_cost, errors, error_rate
  FROM usertrack.user_usage('dave', '1 hour');
SELECT traces, model_cost FROM usertrack.user_usage('bob', '24 hours');
SELECT traces, model_cost FROM usertrack.user_usage('bob', '1 hour');
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('bob', '-1 hour')$$) AS negative_window;
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('bob', NULL)$$) AS null_window;
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage(NULL, '1 hour')$$) AS null_user;
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('bob', '300000 years')$$) AS too_long;

------------------------------------------------------------------------
-- 6. Listing and acknowledging
------------------------------------------------------------------------
SELECT rule_name, user_id, state FROM usertrack.list_alerts() ORDER BY rule_name, user_id;
SELECT usertrack.acknowledge_alert(
    (SELECT a.id FROM usertrack.alerts a JOIN usertrack.alert_rules r ON r.id = a.rule_id
      WHERE a.user_id = 'bob' AND r.name = 'cost 5 in 24h'), 'called bob') AS acknowledged;
SELECT usertrack.acknowledge_alert(
    (SELECT a.id FROM usertrack.alerts a JOIN usertrack.alert_rules r ON r.id = a.rule_id
      WHERE a.user_id = 'bob' AND r.name = 'cost 5 in 24h')) AS again;
SELECT pg_temp.try($$SELECT usertrack.acknowledge_alert('00000000-0000-0000-0000-000000000000')$$) AS unknown_alert;
SELECT count(*) AS open_alerts, (SELECT count(*) FROM usertrack.list_alerts(false)) AS all_alerts
  FROM usertrack.list_alerts();
SELECT state, acknowledged_by = session_user AS by_me, note FROM usertrack.alerts WHERE state <> 'open';
-- an acknowledged alert is not opened again in its period
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o18', 't1', now(), 3);
SELECT count(*) AS bob_cost_alerts FROM usertrack.alerts a JOIN usertrack.alert_rules r ON r.id = a.rule_id
 WHERE a.user_id = 'bob' AND r.name = 'cost 5 in 24h';

------------------------------------------------------------------------
-- 7. Deferred mode: writes only log; the refresh evaluates the rules
------------------------------------------------------------------------
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t13', now() - interval '2 minutes', 'ivan');
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost) VALUES
    ('o19', 't13', now(), 2), ('o20', 't13', now(), 4);
SELECT count(*) AS ivan_alerts_before_refresh FROM usertrack.alerts WHERE user_id = 'ivan';
-- the budget already sees the log
SELECT rule_name, used, allowed FROM usertrack.check_budget('ivan');
SELECT traces, model_cost FROM usertrack.user_usage('ivan', '1 hour');
SELECT count(*) AS differences FROM usertrack.verify();
RESET usertrack.maintenance;
CALL usertrack.refresh();
SELECT * FROM pg_temp.alerts() WHERE user_id = 'ivan';
SELECT count(*) AS differences FROM usertrack.verify();

------------------------------------------------------------------------
-- 8. Rules and alerts go with the user and the rule
------------------------------------------------------------------------
SELECT count(*) AS alerts_of_removed_rule FROM usertrack.alerts a
 WHERE a.rule_id = (SELECT id FROM usertrack.alert_rules WHERE name = 'events 3 in 1h');
DELETE FROM usertrack.alert_rules WHERE name = 'events 3 in 1h';
SELECT count(*) AS left_after_delete FROM usertrack.alerts a
  LEFT JOIN usertrack.alert_rules r ON r.id = a.rule_id WHERE r.id IS NULL;
SELECT pg_temp.try($$UPDATE usertrack.alert_rules SET id = id + 1000
                      WHERE name = 'cost 5 in 24h'$$) AS rule_id_change;
-- a restored alert that opened earlier replaces the same alert opened again
-- by the restore's triggers; a later one is dropped (once per period)
SELECT count(*) AS before, min(opened_at) = max(opened_at) AS one
  FROM usertrack.alerts a JOIN usertrack.alert_rules r ON r.id = a.rule_id
 WHERE a.user_id = 'carol' AND r.name = 'cost 5 in 24h';
INSERT INTO usertrack.alerts (rule_id, user_id, period_start, window_start, window_end,
                              metric, value, threshold, opened_at, state)
SELECT rule_id, user_id, period_start, window_start, window_end, metric, 99, threshold,
       opened_at - interval '1 minute', 'acknowledged'
  FROM usertrack.alerts a WHERE a.user_id = 'carol';
INSERT INTO usertrack.alerts (rule_id, user_id, period_start, window_start, window_end,
                              metric, value, threshold, opened_at)
SELECT rule_id, user_id, period_start, window_start, window_end, metric, 100, threshold,
       opened_at + interval '1 minute'
  FROM usertrack.alerts a WHERE a.user_id = 'carol';
SELECT value, state FROM usertrack.alerts WHERE user_id = 'carol';
SELECT * FROM usertrack.forget_user('dave');
SELECT count(*) AS dave_alerts FROM usertrack.alerts WHERE user_id = 'dave';
SELECT count(*) AS dave_buckets FROM usertrack.user_usage_buckets WHERE user_id = 'dave';
SELECT jsonb_array_length(usertrack.export_user('bob') -> 'alerts') AS bob_exported_alerts;

-- emptying the rules empties the alerts
TRUNCATE usertrack.alert_rules;
SELECT count(*) AS alerts_left FROM usertrack.alerts;

-- clean up for the suites after this one
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
TRUNCATE usertrack.user_traits_set;
