-- Every bad input gets a clear error with its SQLSTATE, a detail naming the
-- row and the column, and changes nothing.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN st || ' ' || msg
        || CASE WHEN det <> '' THEN E'\n  detail: ' || det ELSE '' END
        || CASE WHEN hnt <> '' THEN E'\n  hint: ' || hnt ELSE '' END;
END $$;

-- a consistent starting point
INSERT INTO usertrack.traces (id, "timestamp", user_id, session_id)
VALUES ('t1', '2026-03-01 12:00:00+00', 'u1', 's1');
INSERT INTO usertrack.observations (id, trace_id, type, start_time, input_tokens, output_tokens, total_cost)
VALUES ('o1', 't1', 'GENERATION', '2026-03-01 12:00:00+00', 100, 50, 0.25);
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s1', 't1', 'quality', 0.5);
CREATE TEMP TABLE before AS SELECT * FROM usertrack.all_users;

\pset format unaligned
\pset tuples_only on
-- traces
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES ('')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, "timestamp") VALUES (NULL, '2026-03-01 12:00:00+00')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES (repeat('x', 1025))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, user_id) VALUES ('t2', repeat('u', 1025))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, session_id) VALUES ('t2', repeat('s', 2000))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, "timestamp") VALUES ('t2', 'infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, "timestamp") VALUES ('t2', NULL)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, "timestamp") VALUES ('t2', 'yesterday-ish')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES ('t1')$$);
SELECT pg_temp.try($$UPDATE usertrack.traces SET user_id = repeat('u', 1025) WHERE id = 't1'$$);
-- a multi-row statement with one bad row changes nothing
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id, user_id) VALUES ('t2', 'u2'), ('t3', repeat('u', 1025))$$);
-- observations
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('o2', 't1', -1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, output_tokens) VALUES ('o2', 't1', -5)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, total_tokens) VALUES ('o2', 't1', -100)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_cost) VALUES ('o2', 't1', -0.01)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, output_cost) VALUES ('o2', 't1', 'NaN')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, total_cost) VALUES ('o2', 't1', 'Infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, total_cost) VALUES ('o2', 't1', '-Infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, type) VALUES ('o2', 't1', 'generation')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, type) VALUES ('o2', 't1', 'LLM')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, level) VALUES ('o2', 't1', 'FATAL')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, start_time) VALUES ('o2', NULL, '2026-03-01 12:00:00+00')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id) VALUES ('o2', '')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id) VALUES ('o2', repeat('t', 1025))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, parent_observation_id) VALUES ('o2', 't1', repeat('p', 1025))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, end_time) VALUES ('o2', 't1', 'infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('o2', 't1', 1e30)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('o2', 't1', 'many')$$);
-- sums that leave the bigint range are errors, never a wrap-around
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens) VALUES ('o2', 't1', 9000000000000000000, 9000000000000000000)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, total_tokens) VALUES ('o2', 't1', 9000000000000000000), ('o3', 't1', 9000000000000000000)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, total_tokens) VALUES ('o2', 't1', 9223372036854775807)$$);
SELECT pg_temp.try($$UPDATE usertrack.observations SET total_cost = -1 WHERE id = 'o1'$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('o1', 't1', -3) ON CONFLICT (id) DO UPDATE SET input_tokens = excluded.input_tokens$$);
-- scores
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value, "timestamp") VALUES ('s2', 't1', NULL, 1, '2026-03-01 12:00:00+00')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value, data_type) VALUES ('s2', 't1', 'q', 1, 'TEXT')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value, source) VALUES ('s2', 't1', 'q', 1, 'USER')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s2', 't1', 'q', 'NaN')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s2', 't1', 'q', NULL)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value, data_type) VALUES ('s2', 't1', 'q', 0.5, 'BOOLEAN')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, data_type) VALUES ('s2', 't1', 'q', 'CATEGORICAL')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('s2', repeat('t', 1025), 'q', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('', 't1', 'q', 1)$$);
-- an id that contains quotes, backslashes and SQL is just an id
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('x''); DROP TABLE usertrack.traces; --', 't1', -1)$$);
-- the validators cannot be fooled by being called directly
SELECT pg_temp.try($$SELECT usertrack.trace_is_valid('', NULL, NULL, now())$$);
\pset format aligned
\pset tuples_only off

-- nothing changed
SELECT (SELECT count(*) FROM usertrack.traces) AS traces,
       (SELECT count(*) FROM usertrack.observations) AS observations,
       (SELECT count(*) FROM usertrack.scores) AS scores;
SELECT * FROM usertrack.all_users EXCEPT SELECT * FROM before;
SELECT * FROM before EXCEPT SELECT * FROM usertrack.all_users;
SELECT * FROM usertrack.verify();

-- accepted edge values
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
VALUES (repeat('x', 1024), repeat('u', 1024), repeat('s', 1024), '2026-03-01 00:00:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_tokens, total_cost, type, level)
VALUES ('o-zero', repeat('x', 1024), 0, 0, 0, 0, 'EMBEDDING', 'DEBUG');
INSERT INTO usertrack.scores (id, trace_id, name, value, string_value, data_type, source)
VALUES ('s-bool', 't1', 'thumbs', 1, NULL, 'BOOLEAN', 'ANNOTATION'),
       ('s-cat', 't1', 'topic', NULL, 'billing', 'CATEGORICAL', 'EVAL');
SELECT length(user_id), total_events, total_observations FROM usertrack.all_users ORDER BY 1;
SELECT * FROM usertrack.verify();
