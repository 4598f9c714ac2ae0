-- Each public view on a small hand-checked data set.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

INSERT INTO usertrack.traces (id, "timestamp", name, user_id, session_id, tags, release, version, environment) VALUES
 ('t1', '2026-06-01 09:00:00+00', 'chat', 'ann', 'conv-1', '{web}', 'r1', 'v1', 'production'),
 ('t2', '2026-06-01 09:05:00+00', 'chat', 'ann', 'conv-1', '{web}', 'r1', 'v1', 'production'),
 ('t3', '2026-06-03 18:00:00+00', 'search', 'ann', 'conv-2', '{}', 'r2', NULL, 'production'),
 ('t4', '2026-06-02 12:00:00+00', 'chat', 'ben', NULL, '{mobile}', 'r2', NULL, 'staging'),
 ('t5', '2026-06-02 13:00:00+00', 'batch', NULL, 'conv-9', '{}', NULL, NULL, 'default');
INSERT INTO usertrack.observations (id, trace_id, type, start_time, end_time, model, input_tokens, output_tokens, total_cost, level) VALUES
 ('o1', 't1', 'GENERATION', '2026-06-01 09:00:00.5+00', '2026-06-01 09:00:02+00', 'gpt-4o', 100, 50, 0.0015, 'DEFAULT'),
 ('o2', 't1', 'TOOL',       '2026-06-01 09:00:00+00',   '2026-06-01 09:00:01+00', NULL, NULL, NULL, NULL, 'DEFAULT'),
 ('o3', 't2', 'GENERATION', '2026-06-01 09:05:00+00',   '2026-06-01 09:05:04+00', 'gpt-4o', 200, 80, 0.0028, 'DEFAULT'),
 ('o4', 't3', 'GENERATION', '2026-06-03 18:00:00+00',   NULL, 'gpt-4o-mini', 40, 0, 0.00001, 'ERROR'),
 ('o5', 't4', 'GENERATION', '2026-06-02 12:00:01+00',   '2026-06-02 12:00:00+00', 'claude', 10, 10, 0.001, 'DEFAULT'),
 ('o6', 't5', 'GENERATION', '2026-06-02 13:00:00+00',   '2026-06-02 13:00:01+00', 'claude', 1000, 1000, 0.1, 'ERROR');
INSERT INTO usertrack.scores (id, trace_id, observation_id, session_id, name, value, string_value, data_type, source, comment, "timestamp") VALUES
 ('s1', 't1', 'o1', NULL, 'helpful', 1, NULL, 'BOOLEAN', 'ANNOTATION', 'good', '2026-06-01 10:00:00+00'),
 ('s2', 't3', NULL, NULL, 'accuracy', 0.25, NULL, 'NUMERIC', 'EVAL', NULL, '2026-06-03 19:00:00+00'),
 ('s3', 't4', NULL, NULL, 'topic', NULL, 'billing', 'CATEGORICAL', 'API', NULL, '2026-06-02 12:30:00+00'),
 ('s4', 't5', NULL, NULL, 'helpful', 0, NULL, 'BOOLEAN', 'API', NULL, '2026-06-02 14:00:00+00'),
 ('s5', NULL, NULL, 'conv-1', 'session-rating', 5, NULL, 'NUMERIC', 'API', NULL, '2026-06-01 11:00:00+00');

SELECT * FROM usertrack.all_users ORDER BY user_id;
SELECT * FROM usertrack.user_traces ORDER BY user_id, "timestamp";
SELECT * FROM usertrack.user_sessions ORDER BY user_id, session_id;
SELECT * FROM usertrack.user_scores ORDER BY user_id, score_id;
SELECT * FROM usertrack.user_daily ORDER BY user_id, day;
SELECT * FROM usertrack.totals;
SELECT * FROM usertrack.verify();

-- the typical reads of one user
SELECT user_id, total_events, total_tokens, model_cost FROM usertrack.all_users WHERE user_id = 'ann';
SELECT trace_id, "timestamp", latency FROM usertrack.user_traces WHERE user_id = 'ann' ORDER BY "timestamp" DESC LIMIT 2;
SELECT session_id, traces, duration FROM usertrack.user_sessions WHERE user_id = 'ann' ORDER BY last_event DESC;
SELECT user_id FROM usertrack.all_users ORDER BY model_cost DESC LIMIT 1;

-- an empty database: totals is one row of zeros
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SELECT * FROM usertrack.totals;
SELECT count(*) FROM usertrack.all_users;
