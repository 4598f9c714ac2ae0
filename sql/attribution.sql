-- Each attribution rule of SPEC section 4, checked against hand-computed
-- totals and against verify().
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

CREATE VIEW pg_temp.u AS
SELECT user_id, total_events AS ev, total_observations AS obs, input_tokens AS inp,
       output_tokens AS outp, total_tokens AS tok, model_cost AS cost, sessions AS ses,
       scores AS sc, errors AS err, active_days AS days, first_event, last_event
  FROM usertrack.all_users ORDER BY user_id;

-- 1. observations and a score arrive before their trace: they count for nobody
INSERT INTO usertrack.observations (id, trace_id, type, start_time, end_time, input_tokens, output_tokens, total_cost)
VALUES ('a1', 'ta', 'GENERATION', '2026-05-01 10:00:00+00', '2026-05-01 10:00:03+00', 100, 20, 0.010),
       ('a2', 'ta', 'SPAN', '2026-05-01 10:00:01+00', NULL, NULL, NULL, NULL);
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('sa', 'ta', 'quality', 1);
SELECT * FROM pg_temp.u;
SELECT trace_id, present, observations, scores FROM usertrack.trace_totals;
-- ... and the moment the trace arrives, they count for its user
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id)
VALUES ('ta', '2026-05-01 10:00:00+00', 'alice', 'chat-1');
SELECT * FROM pg_temp.u;
SELECT trace_id, observations, total_tokens, model_cost, scores, latency FROM usertrack.user_traces;
SELECT * FROM usertrack.verify();

-- 2. cost: total_cost wins, else input_cost + output_cost (NULL as 0), else 0;
--    tokens: total_tokens wins, else input + output
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost, level, start_time)
VALUES ('c1', 'ta', 10, 5, NULL, 0.001, 0.002, NULL, 'DEFAULT', '2026-05-01 10:00:00+00'),   -- tokens 15, cost 0.003
       ('c2', 'ta', 10, 5, 40, 0.001, NULL, NULL, 'WARNING', '2026-05-01 10:00:02+00'),      -- tokens 40, cost 0.001
       ('c3', 'ta', NULL, 7, NULL, NULL, 0.5, 0.25, 'ERROR', '2026-05-01 10:00:01+00'),      -- tokens 7, cost 0.25
       ('c4', 'ta', NULL, NULL, NULL, NULL, NULL, NULL, 'ERROR', '2026-05-01 10:00:05+00');  -- tokens 0, cost 0
SELECT * FROM pg_temp.u;
SELECT * FROM usertrack.verify();

-- 3. a trace whose user changes takes everything under it along
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id)
VALUES ('tb', '2026-05-02 09:00:00+00', 'alice', 'chat-1');
UPDATE usertrack.traces SET user_id = 'bob' WHERE id = 'ta';
SELECT * FROM pg_temp.u;
SELECT user_id, session_id, traces, observations, first_event, last_event FROM usertrack.user_sessions ORDER BY 1, 2;
SELECT * FROM usertrack.verify();

-- 4. the user removed (NULL, then ''): the trace counts for no user
UPDATE usertrack.traces SET user_id = NULL WHERE id = 'ta';
SELECT * FROM pg_temp.u;
SELECT users, total_events, total_observations, total_tokens, model_cost, user_events, user_events_share FROM usertrack.totals;
UPDATE usertrack.traces SET user_id = '' WHERE id = 'ta';
UPDATE usertrack.traces SET user_id = 'alice' WHERE id = 'ta';
SELECT * FROM pg_temp.u;
SELECT * FROM usertrack.verify();

-- 5. session change and session removed
UPDATE usertrack.traces SET session_id = 'chat-2' WHERE id = 'tb';
SELECT user_id, session_id, traces, first_event, last_event FROM usertrack.user_sessions ORDER BY 1, 2;
UPDATE usertrack.traces SET session_id = '' WHERE id = 'tb';
SELECT user_id, session_id, traces FROM usertrack.user_sessions ORDER BY 1, 2;
SELECT user_id, sessions FROM usertrack.all_users;
SELECT * FROM usertrack.verify();

-- 6. the timestamp moves the trace to another day, first and last events follow
UPDATE usertrack.traces SET "timestamp" = '2026-04-30 23:59:59+00' WHERE id = 'tb';
SELECT user_id, day, traces, observations FROM usertrack.user_daily ORDER BY 1, 2;
SELECT user_id, first_event, last_event, active_days FROM usertrack.all_users;
UPDATE usertrack.traces SET "timestamp" = '2026-05-01 00:00:00+02' WHERE id = 'tb';  -- 2026-04-30 22:00 UTC
SELECT user_id, day, traces FROM usertrack.user_daily ORDER BY 1, 2;
SELECT user_id, first_event, last_event FROM usertrack.all_users;
SELECT * FROM usertrack.verify();

-- 7. an observation moved to another trace (of another user), and to a trace that does not exist
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('tc', '2026-05-03 08:00:00+00', 'carol');
UPDATE usertrack.observations SET trace_id = 'tc' WHERE id = 'c3';
SELECT * FROM pg_temp.u;
UPDATE usertrack.observations SET trace_id = 'nowhere' WHERE id = 'c3';
SELECT * FROM pg_temp.u;
SELECT trace_id, present, observations, errors FROM usertrack.trace_totals WHERE NOT present;
SELECT * FROM usertrack.verify();

-- 8. updates of counted columns, and of uncounted ones (which write nothing)
UPDATE usertrack.observations SET output_tokens = 30, level = 'ERROR' WHERE id = 'a1';
UPDATE usertrack.observations SET output = '{"text": "hi"}' WHERE trace_id = 'ta';
UPDATE usertrack.traces SET name = 'renamed', tags = '{x}' WHERE id = 'ta';
SELECT * FROM pg_temp.u;
SELECT * FROM usertrack.verify();

-- 9. deletes: the first and last events are recomputed, emptied users disappear
DELETE FROM usertrack.observations WHERE id IN ('a1', 'c1');
SELECT trace_id, observations, total_tokens, latency FROM usertrack.user_traces ORDER BY 1;
DELETE FROM usertrack.traces WHERE id = 'tb';
SELECT * FROM pg_temp.u;
DELETE FROM usertrack.traces WHERE id = 'tc';
SELECT * FROM pg_temp.u;
SELECT trace_id, present, observations FROM usertrack.trace_totals ORDER BY 1;
DELETE FROM usertrack.scores;
DELETE FROM usertrack.observations WHERE trace_id = 'nowhere';
SELECT trace_id, present, observations, scores FROM usertrack.trace_totals ORDER BY 1;
SELECT * FROM usertrack.verify();

-- 10. upserts, as a client sends a create and later an update
INSERT INTO usertrack.observations AS o (id, trace_id, start_time, input_tokens, output_tokens)
VALUES ('u1', 'ta', '2026-05-01 10:00:00+00', 5, NULL)
ON CONFLICT (id) DO UPDATE SET output_tokens = excluded.output_tokens;
INSERT INTO usertrack.observations AS o (id, trace_id, start_time, end_time, input_tokens, output_tokens, total_cost)
VALUES ('u1', 'ta', '2026-05-01 10:00:00+00', '2026-05-01 10:00:09+00', 5, 11, 0.1),
       ('u2', 'ta', '2026-05-01 10:00:00+00', NULL, 1, 1, NULL)
ON CONFLICT (id) DO UPDATE SET end_time = excluded.end_time,
    output_tokens = excluded.output_tokens, total_cost = excluded.total_cost;
INSERT INTO usertrack.traces (id, "timestamp", user_id)
VALUES ('ta', '2026-05-01 10:00:00+00', 'dave'), ('td', '2026-05-04 10:00:00+00', 'dave')
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id;
INSERT INTO usertrack.traces (id) VALUES ('td') ON CONFLICT DO NOTHING;
SELECT * FROM pg_temp.u;
SELECT trace_id, observations, total_tokens, model_cost, latency FROM usertrack.user_traces ORDER BY 1;
SELECT * FROM usertrack.verify();

-- 11. COPY
COPY usertrack.traces (id, "timestamp", user_id, session_id) FROM stdin;
tcopy1	2026-05-05 10:00:00+00	erin	s-e
tcopy2	2026-05-05 11:00:00+00	erin	s-e
tcopy3	2026-05-06 11:00:00+00	\N	\N
\.
COPY usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, level) FROM stdin;
ocopy1	tcopy1	10	10	0.5	DEFAULT
ocopy2	tcopy2	20	20	\N	ERROR
ocopy3	tcopy3	30	30	1.5	DEFAULT
\.
SELECT * FROM pg_temp.u;
SELECT users, total_events, total_observations, total_tokens, model_cost, errors, user_events_share FROM usertrack.totals;
SELECT * FROM usertrack.verify();

-- 12. a statement touching many keys at once, and a rollback
BEGIN;
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id)
SELECT 'bulk-' || i, timestamptz '2026-05-10 00:00:00+00' + i * interval '7 hours',
       'user-' || (i % 7), 'sess-' || (i % 3)
  FROM generate_series(1, 200) i;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost)
SELECT 'bulk-o-' || i, 'bulk-' || (i % 200 + 1), i, 2 * i, i * 0.001
  FROM generate_series(1, 1000) i;
SELECT count(*) AS users, sum(total_events) AS ev, sum(total_observations) AS obs,
       sum(total_tokens) AS tok, sum(model_cost) AS cost
  FROM usertrack.all_users WHERE user_id LIKE 'user-%';
SELECT * FROM usertrack.verify();
ROLLBACK;
SELECT count(*) FROM usertrack.all_users WHERE user_id LIKE 'user-%';

-- 13. TRUNCATE of each input table
TRUNCATE usertrack.scores;
SELECT * FROM usertrack.verify();
TRUNCATE usertrack.observations;
SELECT * FROM pg_temp.u;
SELECT * FROM usertrack.verify();
INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('late', 'gone', 3);
TRUNCATE usertrack.traces;
SELECT * FROM pg_temp.u;
SELECT trace_id, present, observations FROM usertrack.trace_totals ORDER BY 1;
INSERT INTO usertrack.traces (id, user_id) VALUES ('gone', 'frank');
SELECT user_id, ev, obs, inp FROM pg_temp.u;
SELECT * FROM usertrack.verify();
