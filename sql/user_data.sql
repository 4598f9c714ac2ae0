-- Roles in one call each, and one user's data: export for an access
-- request, erasure on request.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

CREATE ROLE usertrack_test_app;
CREATE ROLE usertrack_test_bi;
SELECT usertrack.grant_writer('usertrack_test_app');
SELECT usertrack.grant_reader('usertrack_test_bi');
-- a role that does not exist: the error of regrole, and nothing granted
SELECT usertrack.grant_writer('usertrack_no_such_role');
SELECT usertrack.grant_reader('usertrack_no_such_role');
SELECT usertrack.grant_writer(NULL);   -- STRICT: nothing happens

SET ROLE usertrack_test_app;
INSERT INTO usertrack.traces (id, "timestamp", name, user_id, session_id) VALUES
 ('t1', '2026-08-01 10:00:00+00', 'chat', 'ada', 's1'),
 ('t2', '2026-08-02 10:00:00+00', 'chat', 'ada', 's1'),
 ('t3', '2026-08-02 11:00:00+00', 'chat', 'bo', NULL);
INSERT INTO usertrack.observations (id, trace_id, type, start_time, end_time, input_tokens, output_tokens, total_cost) VALUES
 ('o1', 't1', 'GENERATION', '2026-08-01 10:00:00+00', '2026-08-01 10:00:01+00', 10, 5, 0.01),
 ('o2', 't2', 'GENERATION', '2026-08-02 10:00:00+00', '2026-08-02 10:00:02+00', 20, 5, 0.02),
 ('o3', 't3', 'GENERATION', '2026-08-02 11:00:00+00', '2026-08-02 11:00:01+00', 1, 1, 0.001),
 ('o4', 'ghost', 'SPAN', '2026-08-02 11:00:00+00', NULL, NULL, NULL, NULL);
INSERT INTO usertrack.scores (id, trace_id, name, value, "timestamp") VALUES
 ('sc1', 't1', 'helpful', 1, '2026-08-01 12:00:00+00'),
 ('sc2', NULL, 'nps', 9, '2026-08-01 12:00:00+00');
SELECT count(*) FROM usertrack.all_users;            -- the writer may not read the views
RESET ROLE;

SET ROLE usertrack_test_bi;
SELECT user_id, total_events, total_tokens, model_cost FROM usertrack.all_users ORDER BY 1;
SELECT count(*) FROM usertrack.traces;               -- the reader may not read the input
SELECT count(*) FROM usertrack.user_totals;          -- nor the maintained tables
SELECT usertrack.forget_user('ada');                 -- nor erase anybody
-- but call the analytics functions, which read as the extension's owner
SELECT traces, model_cost FROM usertrack.user_stats('ada');
SELECT metric, users FROM usertrack.usage_distribution('total_events');
SELECT count(*) FROM usertrack.user_journey('ada');
SELECT usertrack.set_user_traits('ada', '{"plan": "pro"}');  -- but not write traits
RESET ROLE;
-- the writer sets traits
SET ROLE usertrack_test_app;
SELECT usertrack.set_user_traits('ada', '{"plan": "pro", "region": "eu"}');
RESET ROLE;

-- the export: totals, sessions, days, and every trace with its observations and scores
SELECT jsonb_pretty(usertrack.export_user('ada') - 'exported_at');
SELECT usertrack.export_user('nobody') - 'exported_at' AS unknown_user;

-- erasure: the user's traces, their observations and scores, and every total
SELECT * FROM usertrack.forget_user('ada');
SELECT count(*) AS ada_rows FROM usertrack.all_users WHERE user_id = 'ada';
SELECT (SELECT count(*) FROM usertrack.user_traces WHERE user_id = 'ada') AS traces,
       (SELECT count(*) FROM usertrack.user_sessions WHERE user_id = 'ada') AS sessions,
       (SELECT count(*) FROM usertrack.user_daily WHERE user_id = 'ada') AS days,
       (SELECT count(*) FROM usertrack.user_scores WHERE user_id = 'ada') AS scores,
       (SELECT count(*) FROM usertrack.user_totals WHERE user_id = 'ada') AS user_totals,
       (SELECT count(*) FROM usertrack.trace_totals WHERE user_id = 'ada') AS trace_totals,
       (SELECT count(*) FROM usertrack.user_traits WHERE user_id = 'ada') AS traits;
-- others are untouched, and so are rows that were never the user's
SELECT user_id, total_events, total_tokens FROM usertrack.all_users ORDER BY 1;
SELECT id FROM usertrack.observations ORDER BY id;
SELECT id FROM usertrack.scores ORDER BY id;
SELECT * FROM usertrack.forget_user('ada');
SELECT * FROM usertrack.verify();

DROP OWNED BY usertrack_test_app, usertrack_test_bi;
DROP ROLE usertrack_test_app;
DROP ROLE usertrack_test_bi;
