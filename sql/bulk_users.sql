-- One statement over tens of thousands of distinct users.  Each user a
-- statement writes is locked (so that the refresh never settles a user
-- whose log rows are still being written); a statement over more than
-- 1,000 users takes one lock for all users instead: 50,000 per-user locks
-- filled the shared lock table ("out of shared memory").  Immediate and
-- deferred modes, then the refresh; verify() at the end.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET timezone = 'UTC';

INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
SELECT 'b' || g, 'bulk-' || g, 's' || (g % 7), '2026-01-01 00:00+00'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 50000) g;
SELECT count(*) AS users, sum(total_events) AS traces, sum(sessions) AS sessions
  FROM usertrack.all_users;

-- deferred: 50,000 more users held and logged in one statement, and an
-- UPDATE that changes the user of 50,000 traces (100,000 users touched)
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.traces (id, user_id, "timestamp")
SELECT 'd' || g, 'deferred-' || g, '2026-01-02 00:00+00'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 50000) g;
UPDATE usertrack.traces SET user_id = 'moved-' || id WHERE id LIKE 'b%';
SELECT log_rows > 0 AS logged, held_users FROM usertrack.backlog;
SELECT count(*) AS users,
       count(*) FILTER (WHERE user_id LIKE 'moved-%') AS moved,
       count(*) FILTER (WHERE user_id LIKE 'bulk-%') AS left_behind
  FROM usertrack.all_users;
RESET usertrack.maintenance;
CALL usertrack.refresh();
SELECT log_rows, held_users FROM usertrack.backlog;
SELECT count(*) AS differences FROM usertrack.verify();

TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
-- leave the tables as small for the planner as before, for the suites after
VACUUM ANALYZE usertrack.traces, usertrack.trace_totals, usertrack.user_totals,
    usertrack.user_held, usertrack.user_session_totals, usertrack.user_daily_totals,
    usertrack.user_usage_buckets, usertrack.pending_deltas;
