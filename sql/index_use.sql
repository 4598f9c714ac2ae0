-- One user's rows and the first page of all_users come from index scans,
-- not from scans of the input tables.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SELECT setseed(0.42);
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id)
SELECT 'tr-' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute',
       'user-' || (i % 3000), 'sess-' || (i % 9000)
  FROM generate_series(1, 30000) i;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost)
SELECT 'ob-' || i, 'tr-' || (i % 30000 + 1), (random() * 1000)::int, (random() * 500)::int,
       round((random() / 100)::numeric, 6)
  FROM generate_series(1, 30000) i;
INSERT INTO usertrack.scores (id, trace_id, name, value)
SELECT 'sc-' || i, 'tr-' || (i % 30000 + 1), 'quality', random()
  FROM generate_series(1, 30000) i;
ANALYZE usertrack.scores, usertrack.traces, usertrack.observations, usertrack.trace_totals,
        usertrack.user_totals, usertrack.user_session_totals, usertrack.user_daily_totals;

-- The plans are long (a held user's rows are merged with the log); show the
-- part that matters: how each big table is read.
-- With a pattern, only the matching scans, without indentation or index
-- names (which of two good indexes the planner takes is not the point).
CREATE FUNCTION pg_temp.plan(query text, pattern text DEFAULT NULL) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF pattern IS NULL THEN
            RETURN NEXT line;
        ELSIF line ~ pattern THEN
            RETURN NEXT regexp_replace(line, '^\s*(->\s*)?(.*?)( using \S+)?( on .*)$', '\2\4');
        END IF;
    END LOOP;
END
$$;
-- the first page of all_users: a merge of an index scan of user_totals and
-- the (here empty) held users; the Result above it counts the sessions and
-- days a held user's log adds, for the 50 rows returned only
SELECT * FROM pg_temp.plan('SELECT * FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 50')
 LIMIT 5;
SELECT * FROM pg_temp.plan('SELECT * FROM usertrack.all_users ORDER BY total_tokens DESC LIMIT 50')
 LIMIT 5;
SELECT * FROM pg_temp.plan('SELECT * FROM usertrack.all_users ORDER BY total_events DESC LIMIT 50')
 LIMIT 5;
SELECT * FROM pg_temp.plan('SELECT * FROM usertrack.all_users ORDER BY last_event DESC LIMIT 50')
 LIMIT 5;
-- one user: index scans only, never a scan of a whole maintained or input table
SELECT DISTINCT * FROM pg_temp.plan($$SELECT * FROM usertrack.all_users WHERE user_id = 'user-7'$$,
                           'Scan.* on (user_totals|traces|user_session_totals|user_daily_totals) ') ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM usertrack.user_traces WHERE user_id = 'user-7' ORDER BY "timestamp" DESC LIMIT 50;
SELECT DISTINCT * FROM pg_temp.plan($$SELECT * FROM usertrack.user_sessions WHERE user_id = 'user-7' ORDER BY last_event DESC LIMIT 50$$,
                           'Scan.* on (user_session_totals|traces) ') ORDER BY 1;
SELECT DISTINCT * FROM pg_temp.plan($$SELECT * FROM usertrack.user_daily WHERE user_id = 'user-7'$$,
                           'Scan.* on (user_daily_totals|traces) ') ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM usertrack.user_scores WHERE user_id = 'user-7';

-- and the answers are the same as by GROUP BY over the input tables
SELECT (SELECT array_agg(user_id ORDER BY model_cost DESC, user_id)
          FROM (SELECT user_id, model_cost FROM usertrack.all_users
                 ORDER BY model_cost DESC, user_id LIMIT 50) a)
     = (SELECT array_agg(user_id ORDER BY cost DESC, user_id)
          FROM (SELECT t.user_id, sum(coalesce(o.total_cost, 0)) AS cost
                  FROM usertrack.traces t JOIN usertrack.observations o ON o.trace_id = t.id
                 GROUP BY t.user_id ORDER BY cost DESC, t.user_id LIMIT 50) b) AS same_top_50;

-- With a backlog of deferred writes, the first page is still a merge of the
-- user_totals index with the few held users, and the same as by GROUP BY.
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost)
SELECT 'ob-late-' || i, 'tr-' || (i * 7), 100, 50, 0.5
  FROM generate_series(1, 200) i;
RESET usertrack.maintenance;
SELECT log_rows, users_in_log, held_users FROM usertrack.backlog;
SELECT * FROM pg_temp.plan('SELECT * FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 50')
 LIMIT 5;
SELECT (SELECT array_agg(user_id ORDER BY model_cost DESC, user_id)
          FROM (SELECT user_id, model_cost FROM usertrack.all_users
                 ORDER BY model_cost DESC, user_id LIMIT 50) a)
     = (SELECT array_agg(user_id ORDER BY cost DESC, user_id)
          FROM (SELECT t.user_id, sum(coalesce(o.total_cost, 0)) AS cost
                  FROM usertrack.traces t JOIN usertrack.observations o ON o.trace_id = t.id
                 GROUP BY t.user_id ORDER BY cost DESC, t.user_id LIMIT 50) b) AS same_top_50;
SELECT * FROM usertrack.verify();
CALL usertrack.refresh();
SELECT log_rows, users_in_log, held_users FROM usertrack.backlog;
SELECT * FROM usertrack.verify();
