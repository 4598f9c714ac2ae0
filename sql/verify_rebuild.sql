-- verify() finds every kind of difference; rebuild() repairs them.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id) VALUES
 ('t1', '2026-07-01 10:00:00+00', 'ann', 's1'),
 ('t2', '2026-07-02 10:00:00+00', 'ann', 's2'),
 ('t3', '2026-07-02 11:00:00+00', 'bob', NULL);
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, start_time) VALUES
 ('o1', 't1', 10, 5, 0.5, '2026-07-01 10:00:00+00'),
 ('o2', 't3', 1, 1, 0.1, '2026-07-02 11:00:00+00'),
 ('o3', 'orphan', 7, 7, 0.7, '2026-07-02 11:00:00+00');
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s1', 't1', 'q', 1);
SELECT * FROM usertrack.verify();

-- damage the maintained tables the way a bug (or a restore with triggers
-- disabled) would, and see each damage reported
UPDATE usertrack.user_totals SET model_cost = model_cost + 1, sessions = 5 WHERE user_id = 'ann';
DELETE FROM usertrack.user_session_totals WHERE session_id = 's2';
INSERT INTO usertrack.user_daily_totals (user_id, day, traces) VALUES ('ghost', '2026-07-09', 1);
UPDATE usertrack.trace_totals SET total_tokens = 99, last_end = '2026-07-01 10:00:05+00' WHERE trace_id = 't1';
UPDATE usertrack.trace_totals SET observations = 2 WHERE trace_id = 'orphan';
INSERT INTO usertrack.traces (id, "timestamp") VALUES ('t4', '2026-07-03 10:00:00+00');
UPDATE usertrack.user_totals SET first_event = '2020-01-01 00:00:00+00' WHERE user_id = '';
SELECT * FROM usertrack.verify();

-- rebuild() recomputes everything, and reports what it wrote
SELECT * FROM usertrack.rebuild();
SELECT * FROM usertrack.verify();
SELECT user_id, total_events, model_cost, sessions FROM usertrack.all_users ORDER BY 1;

-- rebuild() is for the owner only
CREATE ROLE usertrack_someone;
GRANT USAGE ON SCHEMA usertrack TO usertrack_someone;
SET ROLE usertrack_someone;
SELECT * FROM usertrack.rebuild();
RESET ROLE;
REVOKE USAGE ON SCHEMA usertrack FROM usertrack_someone;
DROP ROLE usertrack_someone;

-- rebuild() inside a transaction keeps writers out until the transaction ends
BEGIN;
SELECT maintained_table FROM usertrack.rebuild();
SELECT mode FROM pg_locks
 WHERE relation = 'usertrack.observations'::regclass AND pid = pg_backend_pid()
 ORDER BY 1;
COMMIT;
