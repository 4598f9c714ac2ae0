-- Deferred mode: writers append to the log, the views stay exact, the refresh
-- folds the log in and settles the users.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
DELETE FROM usertrack.refresh_runs;
SET TimeZone = 'UTC';

-- the setting
SHOW usertrack.maintenance;
SET usertrack.maintenance = sometimes;
SET usertrack.maintenance = deferred;
SHOW usertrack.maintenance;

-- A settled user (written in immediate mode) ...
SET usertrack.maintenance = immediate;
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp") VALUES
  ('t1', 'ada', 's1', '2026-03-01 10:00+00'),
  ('t2', 'ada', 's1', '2026-03-01 11:00+00'),
  ('t3', 'bob', NULL, '2026-03-02 09:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, level) VALUES
  ('o1', 't1', 100, 10, 0.5, 'DEFAULT'),
  ('o2', 't2', 200, 20, 1.25, 'ERROR');
SELECT user_id, traces FROM usertrack.user_totals ORDER BY user_id;
SELECT log_rows, held_users FROM usertrack.backlog;

-- ... is held by its first deferred write: its row moves to user_held, the
-- write goes to the log, and the views add the two up.
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp") VALUES
  ('t4', 'ada', 's2', '2026-03-03 08:00+00'),
  ('t5', 'cyd', 's9', '2026-03-03 09:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost) VALUES
  ('o3', 't4', 1000, 100, 2), ('o4', 't4', 1, 1, 0.000001), ('o5', 't5', 5, 5, 5);
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('sc1', 't1', 'quality', 1);
SELECT user_id FROM usertrack.user_totals ORDER BY user_id;
SELECT user_id, traces, model_cost, sessions, active_days FROM usertrack.user_held ORDER BY user_id;
SELECT user_id, session_id, day, traces, observations, model_cost, scores
  FROM usertrack.pending_deltas ORDER BY id;
SELECT log_rows, users_in_log, held_users FROM usertrack.backlog;
SELECT user_id, first_event, last_event, total_events, total_observations,
       input_tokens, output_tokens, total_tokens, model_cost, sessions, scores,
       errors, active_days
  FROM usertrack.all_users ORDER BY user_id;
SELECT user_id, session_id, traces, observations, model_cost, scores
  FROM usertrack.user_sessions ORDER BY user_id, session_id;
SELECT user_id, day, traces, model_cost FROM usertrack.user_daily ORDER BY user_id, day;
SELECT users, total_events, model_cost, sessions, scores FROM usertrack.totals;
SELECT * FROM usertrack.verify();

-- An immediate write to a held user goes to the log too.
SET usertrack.maintenance = immediate;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, total_cost) VALUES ('o6', 't3', 7, 0.7);
INSERT INTO usertrack.observations (id, trace_id, input_tokens, total_cost) VALUES ('o7', 't1', 3, 0.3);
SELECT user_id FROM usertrack.user_totals ORDER BY user_id;
SELECT count(*) AS log_rows FROM usertrack.pending_deltas;
SELECT * FROM usertrack.verify();

-- Deferred deletes, moves and timestamp changes, which the refresh must
-- recompute (first and last events, sessions and days that die).
SET usertrack.maintenance = deferred;
DELETE FROM usertrack.traces WHERE id = 't1';
UPDATE usertrack.traces SET session_id = 's2', "timestamp" = '2026-03-05 12:00+00' WHERE id = 't2';
UPDATE usertrack.traces SET user_id = 'cyd' WHERE id = 't3';
SELECT user_id, first_event, last_event, total_events, sessions, active_days, model_cost
  FROM usertrack.all_users ORDER BY user_id;
SELECT user_id, session_id, first_event, last_event, traces
  FROM usertrack.user_sessions ORDER BY user_id, session_id;
SELECT * FROM usertrack.verify();

-- A rolled-back deferred write leaves nothing behind.
BEGIN;
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('t9', 'dee', '2026-03-06 00:00+00');
SELECT count(*) FROM usertrack.all_users WHERE user_id = 'dee';
ROLLBACK;
SELECT count(*) FROM usertrack.all_users WHERE user_id = 'dee';
SELECT count(*) FROM usertrack.user_held WHERE user_id = 'dee';

-- fold_pending is one batch: two rows folded, nobody settled while rows remain.
RESET usertrack.maintenance;
SELECT * FROM usertrack.fold_pending(2);
SELECT count(*) AS log_rows FROM usertrack.pending_deltas;
SELECT * FROM usertrack.verify();
-- it needs READ COMMITTED, and sensible arguments
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM usertrack.fold_pending(10);
ROLLBACK;
SELECT * FROM usertrack.fold_pending(0);
CALL usertrack.refresh(0);
CALL usertrack.refresh(NULL);
-- the refresh commits, so not inside a transaction block
BEGIN;
CALL usertrack.refresh();
ROLLBACK;

-- The refresh folds everything and settles every user.
CALL usertrack.refresh(3);
SELECT log_rows, users_in_log, held_users, oldest_entry FROM usertrack.backlog;
SELECT user_id, first_event, last_event, traces, sessions, active_days, model_cost
  FROM usertrack.user_totals ORDER BY user_id;
SELECT rows_folded, users_settled, batches, backlog_after FROM usertrack.refresh_runs;
SELECT * FROM usertrack.verify();
-- with nothing to fold, it says so
CALL usertrack.refresh();

-- A user whose traces are all deleted in deferred mode disappears, and is
-- dropped by the refresh.
SET usertrack.maintenance = deferred;
DELETE FROM usertrack.traces WHERE user_id = 'cyd';
SELECT user_id, total_events FROM usertrack.all_users ORDER BY user_id;
SELECT * FROM usertrack.verify();
CALL usertrack.refresh();
SELECT user_id FROM usertrack.user_totals UNION ALL SELECT user_id FROM usertrack.user_held ORDER BY 1;
SELECT * FROM usertrack.verify();

-- TRUNCATE in deferred mode takes the log with it.
INSERT INTO usertrack.observations (id, trace_id, input_tokens, total_cost, level)
VALUES ('o8', 't4', 10, 1, 'ERROR');
UPDATE usertrack.observations SET level = 'DEFAULT' WHERE id = 'o2';
SELECT count(*) > 0 AS has_log FROM usertrack.pending_deltas;
TRUNCATE usertrack.observations;
SELECT user_id, total_observations, total_tokens, model_cost, errors FROM usertrack.all_users ORDER BY user_id;
SELECT * FROM usertrack.verify();
TRUNCATE usertrack.traces;
SELECT count(*) AS log_rows, (SELECT count(*) FROM usertrack.user_held) AS held
  FROM usertrack.pending_deltas;
SELECT * FROM usertrack.verify();

-- rebuild() recomputes everything and settles everyone.
INSERT INTO usertrack.traces (id, user_id, "timestamp") VALUES ('t20', 'eve', '2026-03-07 00:00+00');
SELECT count(*) AS held FROM usertrack.user_held;
SELECT maintained_table, rows_written FROM usertrack.rebuild() ORDER BY 1;
SELECT count(*) AS held, (SELECT count(*) FROM usertrack.pending_deltas) AS log_rows FROM usertrack.user_held;
SELECT * FROM usertrack.verify();

-- Retention: purge deletes old traces with their observations and scores,
-- then old orphans; the totals follow in either mode.
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
SELECT 'p' || i, 'u' || (i % 4), 's' || (i % 3), timestamptz '2026-01-01 00:00+00' + i * interval '1 day'
  FROM generate_series(1, 40) i;
INSERT INTO usertrack.observations (id, trace_id, start_time, input_tokens, total_cost)
SELECT 'po' || i, 'p' || (i % 40 + 1), timestamptz '2026-01-01 00:00+00' + (i % 40 + 1) * interval '1 day', i, 0.01
  FROM generate_series(1, 120) i;
INSERT INTO usertrack.observations (id, trace_id, start_time, input_tokens) VALUES
  ('orphan-old', 'gone', '2025-12-01 00:00+00', 5), ('orphan-new', 'gone', '2026-06-01 00:00+00', 5);
INSERT INTO usertrack.scores (id, trace_id, name, value, "timestamp") VALUES
  ('ps1', 'p1', 'q', 1, '2026-05-01 00:00+00'), ('ps2', 'gone', 'q', 1, '2025-01-01 00:00+00');
CALL usertrack.purge('2026-01-21 00:00+00', 7);
SELECT count(*) AS traces, min("timestamp") AS oldest FROM usertrack.traces WHERE id LIKE 'p%';
SELECT count(*) AS observations FROM usertrack.observations;
SELECT id FROM usertrack.scores ORDER BY id;
SELECT * FROM usertrack.verify();
CALL usertrack.refresh();
SELECT * FROM usertrack.verify();
CALL usertrack.purge(NULL);
CALL usertrack.purge('infinity');
CALL usertrack.purge('2026-01-01', 0);
RESET usertrack.maintenance;
