-- Analytics (issue "Analytics"): the latency sketch and rollup types and
-- their aggregates (parallel, merge = union), the per-day sketches kept by
-- the triggers, user_stats over day windows, usage_distribution,
-- outlier_users, segment_stats, user_journey, traits, score summaries,
-- sparklines, and the bad inputs of each.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
TRUNCATE usertrack.user_traits_set;
SET timezone = 'UTC';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/sql/try.sql

------------------------------------------------------------------------
-- 1. The sketch: buckets 1% wide, g = 1.01/0.99
------------------------------------------------------------------------
-- 1 s is bucket 0; (g^-1, 1] s is bucket 0 too, just above 1 s is bucket 1
SELECT usertrack.latency_bucket('1 s') AS one_second,
       usertrack.latency_bucket('0.99 s') AS just_below,
       usertrack.latency_bucket('1.000001 s') AS just_above,
       usertrack.latency_bucket('0') AS zero,
       usertrack.latency_bucket('1 microsecond') AS one_us,
       usertrack.latency_bucket('1 day') AS one_day,
       usertrack.latency_bucket('1 mon') = usertrack.latency_bucket('30 days') AS month_is_30_days;
-- every value comes back within 1% (representative 2 g^k / (g + 1)), plus
-- half a microsecond from rounding to an interval
SELECT count(*) AS values_checked,
       bool_and(abs(extract(epoch FROM usertrack.latency_percentile(
                        ('[[' || usertrack.latency_bucket(v) || ', 1]]')::usertrack.latency_sketch, 0.5))
                    - extract(epoch FROM v)) <= 0.01 * extract(epoch FROM v) + 0.0000005) AS within_1pct
  FROM (SELECT (1.9 ^ e)::bigint * interval '1 microsecond' AS v
          FROM generate_series(1, 40) e) s;
-- text form, round trip, and the sum of sketches
SELECT usertrack.latency_sketch(v) AS sketch
  FROM unnest('{0, 1 s, 1 s, 2 s, NULL}'::interval[]) v;
SELECT '[[-32768, 1], [0, 2], [18, 1]]'::usertrack.latency_sketch::text AS round_trip,
       usertrack.sketch_add('[[0, 2]]', '[[0, -2], [5, 1]]') AS added,
       usertrack.sketch_add('[[0, 2]]', '[[0, -2]]') IS NULL AS empty_is_null,
       usertrack.sketch_add(NULL, '[[3, 1]]') AS null_is_empty,
       usertrack.latency_count('[[-32768, 1], [0, 2], [18, 1]]') AS count;
-- percentiles: rank ceil(q * n), as percentile_disc
SELECT usertrack.latency_percentile(s, 0) AS p0, usertrack.latency_percentile(s, 0.25) AS p25,
       usertrack.latency_percentile(s, 0.5) AS p50, usertrack.latency_percentile(s, 0.75) AS p75,
       usertrack.latency_percentile(s, 1) AS p100
  FROM (SELECT usertrack.latency_sketch(v) AS s
          FROM unnest('{0.1 s, 0.2 s, 0.3 s, 0.4 s}'::interval[]) v) x;
SELECT pg_temp.try($$SELECT 'nonsense'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '{"a": 1}'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '[[3, 1], [2, 1]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '[[3, 0]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '[[3.5, 1]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '[[3, 1, 4]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '[[99999, 1]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT usertrack.latency_bucket('-1 s')$$);
SELECT pg_temp.try($$SELECT usertrack.latency_percentile('[[1, 1]]'::usertrack.latency_sketch, 1.5)$$);
SELECT pg_temp.try($$SELECT usertrack.latency_percentile('[[1, 1]]'::usertrack.latency_sketch, 'NaN')$$);
SELECT pg_temp.try($$SELECT usertrack.latency_percentile('[[1, -1]]'::usertrack.latency_sketch, 0.5)$$);

------------------------------------------------------------------------
-- 2. The rollup: from per-trace rows, merged, read, printed, compared
------------------------------------------------------------------------
CREATE TEMP TABLE per_trace (grp int, ts timestamptz, observations bigint,
    input_tokens bigint, output_tokens bigint, total_tokens bigint,
    model_cost numeric, errors bigint, latency interval);
INSERT INTO per_trace VALUES
    (1, '2026-03-01 10:00', 2, 10, 5, 15, 0.25, 0, '1.5 s'),
    (1, '2026-03-01 12:00', 1, 7, 3, 10, 0.125, 1, '0.5 s'),
    (2, '2026-03-02 09:00', 3, 100, 50, 150, 1.000000001, 0, '4 s'),
    (2, '2026-03-02 09:30', 0, NULL, NULL, NULL, NULL, NULL, NULL),
    (2, NULL, 5, 5, 5, 5, 5, 5, '5 s');
SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                        model_cost, errors, latency) AS r
  FROM per_trace;
-- a NULL trace_time is no trace; a trace without observations has no latency
SELECT grp, usertrack.traces(r), usertrack.observations(r), usertrack.input_tokens(r),
       usertrack.output_tokens(r), usertrack.total_tokens(r), usertrack.model_cost(r),
       usertrack.errors(r), usertrack.first_event(r), usertrack.last_event(r),
       usertrack.latency(r), usertrack.latency_percentile(r, 0.5) AS p50
  FROM (SELECT grp, usertrack.rollup(ts, observations, input_tokens, output_tokens,
                                     total_tokens, model_cost, errors, latency) AS r
          FROM per_trace GROUP BY grp) g
 ORDER BY grp;
-- merging the groups' rollups is the rollup of all rows
SELECT (SELECT usertrack.rollup_merge(r) FROM (
            SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens,
                                    total_tokens, model_cost, errors, latency) AS r
              FROM per_trace GROUP BY grp) g)
       OPERATOR(usertrack.=)
       (SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens,
                                total_tokens, model_cost, errors, latency)
          FROM per_trace) AS merge_is_union;
-- the empty rollup, and the text form read back
SELECT usertrack.rollup_merge(r) AS empty FROM (SELECT NULL::usertrack.rollup AS r) x;
SELECT r::text::usertrack.rollup OPERATOR(usertrack.=) r AS round_trip
  FROM (SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens,
                                total_tokens, model_cost, errors, latency) AS r
          FROM per_trace) x;
SELECT usertrack.make_rollup(2, 3, 17, 8, 25, 0.375, 1, '2026-03-01 10:00',
                             '2026-03-01 12:00', '[[-28, 1], [21, 1]]') AS made;
SELECT pg_temp.try($$SELECT '[1, 2]'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT '{"traces": -1}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT '{"traces": 1, "model_cost": "NaN"}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT '{"first_event": "2026-01-01"}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT '{"first_event": "2026-01-02", "last_event": "2026-01-01"}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT '{"latency": [[1, -1]]}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT usertrack.rollup(now(), -1, 0, 0, 0, 0, 0, NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.rollup(now(), 1, 0, 0, 0, -0.5, 0, NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.rollup(now(), 1, 0, 0, 0, 'Infinity', 0, NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.rollup(now(), 1, 0, 0, 0, 0, 0, '-1 s')$$);
SELECT pg_temp.try($$SELECT usertrack.make_rollup(1, 1, 1, 1, 1, 1, 1, now(), NULL, NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.make_rollup(1, 1, 1, 1, 1, 1, 1, now(), now() - interval '1 s', NULL)$$);

------------------------------------------------------------------------
-- 3. Parallel plans: combine, serialize and deserialize give the same
--    exact rollup, percentiles included (the sketch's counts are exact)
------------------------------------------------------------------------
CREATE TABLE public.many_traces AS
SELECT i % 50 AS grp, '2026-03-01'::timestamptz + i * interval '1 minute' AS ts,
       (i % 4)::bigint AS observations, (i % 97)::bigint AS input_tokens,
       (i % 13)::bigint AS output_tokens, (i % 97 + i % 13)::bigint AS total_tokens,
       (i % 7) * 0.000125 AS model_cost, (i % 11 = 0)::int::bigint AS errors,
       -- log-uniform from 1 ms to 22 s, 54000 distinct values (golden-ratio steps)
       CASE WHEN i % 10 <> 0
            THEN (exp(((i * 0.6180339887498949) % 1) * 10) * 1000)::bigint * interval '1 microsecond'
       END AS latency
  FROM generate_series(1, 60000) i;
ANALYZE public.many_traces;
CREATE TEMP TABLE serial_result AS
SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                        model_cost, errors, latency) AS r,
       usertrack.latency_sketch(latency) AS s
  FROM public.many_traces;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                        model_cost, errors, latency)
  FROM public.many_traces;
SELECT r OPERATOR(usertrack.=) (SELECT r FROM serial_result) AS same_rollup,
       s OPERATOR(usertrack.=) (SELECT s FROM serial_result) AS same_sketch,
       usertrack.latency_percentile(r, 0.99) = usertrack.latency_percentile((SELECT r FROM serial_result), 0.99) AS same_p99
  FROM (SELECT usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                                model_cost, errors, latency) AS r,
               usertrack.latency_sketch(latency) AS s
          FROM public.many_traces) p;
-- merging stored rollups in parallel, and grouped partial aggregation
EXPLAIN (COSTS OFF)
SELECT usertrack.rollup_merge(r) FROM (
    SELECT grp, usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                                 model_cost, errors, latency) AS r
      FROM public.many_traces GROUP BY grp) g;
SELECT usertrack.rollup_merge(r) OPERATOR(usertrack.=) (SELECT r FROM serial_result) AS merged_groups_equal_all
  FROM (SELECT grp, usertrack.rollup(ts, observations, input_tokens, output_tokens, total_tokens,
                                     model_cost, errors, latency) AS r
          FROM public.many_traces GROUP BY grp) g;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

------------------------------------------------------------------------
-- 4. Accuracy on skewed data: p50, p95, p99 within 1% of percentile_disc,
--    and of percentile_cont (the data are dense enough for it)
------------------------------------------------------------------------
SELECT q, abs(est - disc) / disc <= 0.01 AS within_1pct_of_disc,
       abs(est - cont) / cont <= 0.01 AS within_1pct_of_cont
  FROM (SELECT q,
               extract(epoch FROM usertrack.latency_percentile(usertrack.latency_sketch(latency), q)) AS est,
               extract(epoch FROM percentile_disc(q) WITHIN GROUP (ORDER BY latency)) AS disc,
               extract(epoch FROM percentile_cont(q) WITHIN GROUP (ORDER BY latency)) AS cont
          FROM public.many_traces, unnest('{0.5, 0.95, 0.99}'::float8[]) q
         WHERE latency IS NOT NULL
         GROUP BY q) x
 ORDER BY q;
DROP TABLE public.many_traces;

------------------------------------------------------------------------
-- 5. The per-day sketches follow every write; windows merge days
------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", name, tags, metadata,
                              environment, release) VALUES
    ('a1', 'ann', 's1', '2026-03-01 09:00', 'chat', '{support}', '{"feature": "chat"}', 'production', 'v1'),
    ('a2', 'ann', 's1', '2026-03-01 09:05', 'chat', '{support,vip}', '{"feature": "chat"}', 'production', 'v1'),
    ('a3', 'ann', 's2', '2026-03-02 18:00', 'search', '{}', '{"feature": "search"}', 'production', 'v2'),
    ('a4', 'ann', NULL, '2026-03-04 07:00', 'chat', '{vip}', NULL, 'staging', 'v2'),
    ('b1', 'bob', 's9', '2026-03-01 23:59', 'chat', '{support}', '{"feature": "chat"}', 'production', 'v1'),
    ('b2', 'bob', 's9', '2026-03-02 00:01', 'chat', '{}', '{"feature": "chat"}', 'production', 'v2'),
    ('n1', NULL, NULL, '2026-03-01 12:00', 'cron', '{}', NULL, 'production', 'v1');
INSERT INTO usertrack.observations (id, trace_id, type, start_time, end_time, input_tokens,
                                    output_tokens, total_cost, level) VALUES
    ('a1-1', 'a1', 'GENERATION', '2026-03-01 09:00:00', '2026-03-01 09:00:02', 100, 10, 0.5, 'DEFAULT'),
    ('a1-2', 'a1', 'SPAN', '2026-03-01 09:00:01', '2026-03-01 09:00:03', NULL, NULL, NULL, 'DEFAULT'),
    ('a2-1', 'a2', 'GENERATION', '2026-03-01 09:05:00', '2026-03-01 09:05:01', 200, 20, 1, 'ERROR'),
    ('a3-1', 'a3', 'GENERATION', '2026-03-02 18:00:00', '2026-03-02 18:00:10', 300, 30, 1.5, 'DEFAULT'),
    ('b1-1', 'b1', 'GENERATION', '2026-03-01 23:59:00', '2026-03-01 23:59:04', 50, 5, 0.25, 'ERROR'),
    ('b2-1', 'b2', 'GENERATION', '2026-03-02 00:01:00', '2026-03-02 00:01:00', 60, 6, 0.25, 'DEFAULT'),
    ('n1-1', 'n1', 'SPAN', '2026-03-01 12:00:00', '2026-03-01 12:00:30', NULL, NULL, NULL, 'DEFAULT'),
    ('x1-1', 'x1', 'SPAN', '2026-03-01 12:00:00', '2026-03-01 12:00:30', 1, 1, NULL, 'DEFAULT');
-- ann: a1 3 s, a2 1 s on 03-01; a3 10 s on 03-02; a4 has no observation
SELECT user_id, day, traces, latency FROM usertrack.user_daily_totals ORDER BY 1, 2;
SELECT * FROM usertrack.verify();
SELECT user_id, first_day, last_day, traces, observations, input_tokens, output_tokens,
       total_tokens, model_cost, errors, scores, active_days, error_rate, cost_per_trace,
       first_event, last_event, latency_p50, latency_p95, latency_p99
  FROM usertrack.user_stats('ann');
-- a window inside 03-01 covers the whole day (day-granular); 03-03 is empty
SELECT first_day, last_day, traces, model_cost, first_event, last_event, latency_p50
  FROM usertrack.user_stats('ann', '2026-03-01 09:01', '2026-03-01 09:02');
SELECT first_day, traces, observations, model_cost, error_rate, first_event, latency_p50, rollup
  FROM usertrack.user_stats('ann', '2026-03-03', '2026-03-04');
SELECT first_day, last_day, traces, latency_p50
  FROM usertrack.user_stats('nobody');
-- all users together (bob's two days, ann's three; not the trace without a user)
SELECT user_id, first_day, last_day, traces, model_cost, errors, active_days, first_event,
       last_event, latency_p50, latency_p99
  FROM usertrack.user_stats(NULL);
-- merging days equals the rollup of the window's traces computed directly
SELECT w.f, w.t,
       (SELECT rollup FROM usertrack.user_stats('ann', w.f, w.t))
       OPERATOR(usertrack.=)
       (SELECT usertrack.rollup(t."timestamp", t.observations, t.input_tokens, t.output_tokens,
                                t.total_tokens, t.model_cost, t.errors, t.latency)
          FROM usertrack.user_traces t
         WHERE t.user_id = 'ann'
           AND t."timestamp" >= w.f::date AND t."timestamp" < (w.t - interval '1 microsecond')::date + 1)
       AS days_equal_window
  FROM (VALUES ('2026-03-01'::timestamptz, '2026-03-02'::timestamptz),
               ('2026-03-01 10:00', '2026-03-02 01:00'),
               ('2026-03-02', '2026-03-05'),
               ('2026-02-01', '2026-04-01')) w(f, t);
-- an update moves a trace's latency, a delete takes it out, a late trace
-- brings its waiting observations with it, a user change moves it all
UPDATE usertrack.observations SET end_time = '2026-03-01 09:05:06' WHERE id = 'a2-1';
DELETE FROM usertrack.observations WHERE id = 'a1-2';
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('x1', 'bob', '2026-03-01 12:00');
UPDATE usertrack.traces SET user_id = 'bob' WHERE id = 'a3';
SELECT user_id, day, traces, latency FROM usertrack.user_daily_totals ORDER BY 1, 2;
SELECT * FROM usertrack.verify();
-- deferred: the log carries sketch deltas, the views add them at once
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.observations (id, trace_id, start_time, end_time)
VALUES ('a4-1', 'a4', '2026-03-04 07:00:00', '2026-03-04 07:00:02');
DELETE FROM usertrack.observations WHERE id = 'b2-1';
SELECT user_id, day, latency FROM usertrack.pending_deltas ORDER BY id;
SELECT traces, latency_p50, latency_p99 FROM usertrack.user_stats('ann', '2026-03-04', '2026-03-05');
SELECT * FROM usertrack.verify();
CALL usertrack.refresh();
SELECT user_id, day, traces, latency FROM usertrack.user_daily_totals ORDER BY 1, 2;
SELECT * FROM usertrack.verify();
RESET usertrack.maintenance;

------------------------------------------------------------------------
-- 6. usage_distribution: costs 1, 2, 3 and 4 over four users
------------------------------------------------------------------------
CREATE FUNCTION pg_temp.spend(u text, cost numeric, n int) RETURNS void
LANGUAGE sql AS $$
INSERT INTO usertrack.traces (id, user_id, "timestamp")
SELECT u || '-' || i, u, '2026-05-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, n) i;
INSERT INTO usertrack.observations (id, trace_id, start_time, total_tokens, total_cost)
SELECT u || '-' || i || '-o', u || '-' || i, '2026-05-01'::timestamptz + i * interval '1 hour',
       100, cost / n
  FROM generate_series(1, n) i;
$$;
SELECT pg_temp.spend('d1', 1, 1), pg_temp.spend('d2', 2, 2), pg_temp.spend('d3', 3, 3),
       pg_temp.spend('d4', 4, 4);
-- G = 2 (1*1 + 2*2 + 3*3 + 4*4) / (4 * 10) - 5/4 = 0.25; the top 1% and
-- 10% are one user each (ceil), holding 4 of 10
SELECT * FROM usertrack.usage_distribution('model_cost', '2026-05-01', '2026-06-01');
SELECT * FROM usertrack.usage_distribution('total_events', '2026-05-01', '2026-06-01');
SELECT metric, users, total, gini FROM usertrack.usage_distribution('total_tokens', '2026-05-01', '2026-06-01');
-- an empty window
SELECT * FROM usertrack.usage_distribution('model_cost', '2030-01-01', '2030-02-01');
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('cost')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution(NULL)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('model_cost', '2026-06-01', '2026-05-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('model_cost', '2026-06-01', '2026-06-01')$$);

------------------------------------------------------------------------
-- 7. outlier_users: 30 users with 1 error in 100 observations, one with 20
------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, user_id, "timestamp")
SELECT 'e' || u || '-' || i, 'err' || lpad(u::text, 2, '0'), '2026-06-01'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 31) u, generate_series(1, 25) i;
INSERT INTO usertrack.observations (id, trace_id, start_time, end_time, level)
SELECT 'e' || u || '-' || i || '-' || k, 'e' || u || '-' || i,
       '2026-06-01'::timestamptz + i * interval '1 minute',
       '2026-06-01'::timestamptz + i * interval '1 minute'
         + CASE WHEN u = 7 THEN 40 ELSE 2 + (u % 5) * 0.1 END * interval '1 s',
       CASE WHEN (u = 31 AND (i * 4 + k) % 5 = 0) OR (u <> 31 AND i * 4 + k = 9) THEN 'ERROR' ELSE 'DEFAULT' END
  FROM generate_series(1, 31) u, generate_series(1, 25) i, generate_series(1, 4) k;
SELECT user_id, traces, observations, errors, round(value::numeric, 4) AS value,
       round(population_value::numeric, 4) AS population_value, test,
       round(statistic::numeric, 2) AS z, p_value < 1e-10 AS tiny_p,
       adjusted_p_value < 0.05 AS significant
  FROM usertrack.outlier_users('error_rate', '2026-06-01', '2026-07-01');
-- users with fewer traces than min_traces are not tested
SELECT count(*) FROM usertrack.outlier_users('error_rate', '2026-06-01', '2026-07-01', 26);
-- err07's traces take 40 s, everyone else's 2 to 2.4 s
SELECT user_id, traces, round(value::numeric, 1) AS p95_seconds,
       round(population_value::numeric, 1) AS median_p95_seconds, test,
       statistic > 3.5 AS above_3_5
  FROM usertrack.outlier_users('p95_latency', '2026-06-01', '2026-07-01');
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('latency')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('error_rate', NULL, NULL, 0)$$);

------------------------------------------------------------------------
-- 8. segment_stats, user traits
------------------------------------------------------------------------
SELECT * FROM usertrack.segment_stats('tag', NULL, '2026-03-01', '2026-03-05');
SELECT * FROM usertrack.segment_stats('environment', NULL, '2026-03-01', '2026-03-05');
SELECT * FROM usertrack.segment_stats('release', NULL, '2026-03-01', '2026-03-05');
SELECT * FROM usertrack.segment_stats('metadata', 'feature', '2026-03-01', '2026-03-05');
-- traits: merge, removal by null, from trace metadata (later traces win)
SELECT usertrack.set_user_traits('ann', '{"plan": "pro", "region": "eu", "seats": 3}');
SELECT usertrack.set_user_traits('ann', '{"seats": null, "region": "us"}');
SELECT usertrack.set_user_traits('bob', '{"plan": "free"}');
INSERT INTO usertrack.traces (id, user_id, "timestamp", metadata) VALUES
    ('tr1', 'cat', '2026-03-03 10:00', '{"user_traits": {"plan": "free", "region": "eu"}}'),
    ('tr2', 'cat', '2026-03-03 11:00', '{"user_traits": {"plan": "team"}}'),
    ('tr3', 'bob', '2026-03-03 12:00', '{"user_traits": "not an object"}');
UPDATE usertrack.traces SET metadata = '{"user_traits": {"region": null, "account": "acme"}}'
 WHERE id = 'tr1';
SELECT user_id, traits, traits_set, traits_from_traces FROM usertrack.user_traits ORDER BY user_id;
-- the latest trace by timestamp gives a trait, whatever the order of writing:
-- an older trace written now does not override cat's plan
INSERT INTO usertrack.traces (id, user_id, "timestamp", metadata) VALUES
    ('tr0', 'cat', '2026-03-03 09:00', '{"user_traits": {"plan": "old", "tier": 1}}');
SELECT traits, from_traces_as_of FROM usertrack.user_traits WHERE user_id = 'cat';
-- deleting the trace that gave the plan brings back the one before it
DELETE FROM usertrack.traces WHERE id = 'tr2';
SELECT traits FROM usertrack.user_traits WHERE user_id = 'cat';
INSERT INTO usertrack.traces (id, user_id, "timestamp", metadata) VALUES
    ('tr2', 'cat', '2026-03-03 11:00', '{"user_traits": {"plan": "team"}}');
-- a trait set explicitly wins over the traces, a null set removes theirs
SELECT usertrack.set_user_traits('cat', '{"tier": null, "seats": 5}');
SELECT * FROM usertrack.verify();
SELECT * FROM usertrack.segment_stats('trait', 'plan', '2026-03-01', '2026-03-05');
-- all_users filtered by a trait
SELECT a.user_id, a.model_cost FROM usertrack.all_users a
  JOIN usertrack.user_traits t USING (user_id)
 WHERE t.traits @> '{"plan": "pro"}';
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('ann', '[1]')$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('ann', NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('', '{}')$$);
-- written directly, the traits table checks its rows too, and keeps nothing
SELECT pg_temp.try($$INSERT INTO usertrack.user_traits_set VALUES ('dan', '[1]', '2026-01-01')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.user_traits_set VALUES ('', '{}', '2026-01-01')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.user_traits_set VALUES (repeat('x', 1025), '{}', '2026-01-01')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.user_traits_set VALUES (NULL, '{}', '2026-01-01')$$);
SELECT count(*) AS traits_rows, count(*) FILTER (WHERE user_id = 'dan') AS dan
  FROM usertrack.user_traits_set;
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('plan')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('metadata')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('tag', NULL, '2026-03-05', '2026-03-01')$$);

------------------------------------------------------------------------
-- 9. user_journey
------------------------------------------------------------------------
SELECT * FROM usertrack.user_journey('ann');
SELECT trace_id, session_number, new_session, gap
  FROM usertrack.user_journey('bob', '2026-03-01', '2026-03-02 12:00');
SELECT count(*) FROM usertrack.user_journey('nobody');

------------------------------------------------------------------------
-- 10. Scores per user, quality beside cost, sparklines
------------------------------------------------------------------------
INSERT INTO usertrack.scores (id, trace_id, name, value, string_value, data_type, "timestamp") VALUES
    ('q1', 'a1', 'helpfulness', 0.5, NULL, 'NUMERIC', '2026-03-01 10:00'),
    ('q2', 'a2', 'helpfulness', 1, NULL, 'NUMERIC', '2026-03-01 11:00'),
    ('q3', 'a2', 'thumbs_up', 1, NULL, 'BOOLEAN', '2026-03-01 11:00'),
    ('q4', 'a4', 'thumbs_up', 0, NULL, 'BOOLEAN', '2026-03-04 08:00'),
    ('q5', 'a1', 'tone', NULL, 'friendly', 'CATEGORICAL', '2026-03-01 10:00'),
    ('q6', 'a2', 'tone', NULL, 'curt', 'CATEGORICAL', '2026-03-01 11:00'),
    ('q7', 'a4', 'tone', NULL, 'friendly', 'CATEGORICAL', '2026-03-04 08:00'),
    ('q8', 'b1', 'helpfulness', 0.25, NULL, 'NUMERIC', '2026-03-02 08:00'),
    ('q9', 'n1', 'helpfulness', 0, NULL, 'NUMERIC', '2026-03-02 08:00');
SELECT * FROM usertrack.user_score_summary ORDER BY user_id, name;
SELECT * FROM usertrack.user_quality WHERE user_id IN ('ann', 'bob', 'cat') ORDER BY model_cost DESC;
-- sparklines are relative to today: write four days of activity (in one
-- transaction, so that today does not change in between)
BEGIN;
INSERT INTO usertrack.traces (id, user_id, "timestamp")
SELECT 'sp' || d, 'spark', date_trunc('day', now()) - d * interval '1 day' + interval '1 hour'
  FROM unnest('{0, 1, 3, 6}'::int[]) d;
INSERT INTO usertrack.observations (id, trace_id, start_time, total_cost, total_tokens, level)
SELECT 'sp' || d || '-o', 'sp' || d, date_trunc('day', now()) - d * interval '1 day' + interval '1 hour',
       c, 10, CASE WHEN d = 3 THEN 'ERROR' ELSE 'DEFAULT' END
  FROM (VALUES (0, 8), (1, 1), (3, 4), (6, 2)) v(d, c);
SELECT '[' || usertrack.activity_sparkline('spark', 7) || ']' AS cost_7_days,
       '[' || usertrack.activity_sparkline('spark', 7, 'total_events') || ']' AS events,
       '[' || usertrack.activity_sparkline('spark', 7, 'errors') || ']' AS errors,
       length(usertrack.activity_sparkline('spark')) AS default_days,
       '[' || usertrack.activity_sparkline('nobody', 3) || ']' AS nobody;
COMMIT;
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('spark', 0)$$);
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('spark', 7, 'latency')$$);

SELECT * FROM usertrack.verify();
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
TRUNCATE usertrack.user_traits_set;
