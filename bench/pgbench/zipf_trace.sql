-- bench/pgbench/zipf_trace.sql: one new trace of a Zipf-drawn user and one
-- generation observation of it, in one transaction (two one-row INSERTs).
-- Table names are unqualified: bench/deferred.sh sets search_path to
-- usertrack (with the triggers) or plain (identical tables without them).
-- Variables (pgbench -D): users, zipf (> 1, pgbench's random_zipfian).
\set u random_zipfian(1, :users, :zipf)
\set r random(1, 999999999999)
\set ti random(200, 3200)
\set to random(20, 620)
\set s random(1, 3)
BEGIN;
INSERT INTO traces (id, name, user_id, session_id, tags, metadata, input, output, release, environment)
VALUES ('n' || :client_id || '-' || :r, 'chat-turn', 'user_' || :u, 'sess_' || :u || '_' || :s,
        '{chat,web}', '{"app": "acme-support"}', '{"query": "Where is my order? The tracking page has not changed since Friday."}',
        '{"answer": "It left our warehouse on Friday and is with the carrier."}', 'v2.14.0', 'production');
INSERT INTO observations (id, trace_id, type, name, start_time, end_time, model, input_tokens, output_tokens,
                          total_tokens, total_cost, level, metadata)
VALUES ('n' || :client_id || '-' || :r || '-1', 'n' || :client_id || '-' || :r, 'GENERATION', 'chat-completion',
        now(), now() + interval '400 ms', 'gpt-4o-mini', :ti::bigint, :to::bigint,
        :ti::bigint + :to::bigint, :ti::bigint * 0.00000015 + :to::bigint * 0.0000006,
        'DEFAULT', '{"sdk": "langfuse-python"}');
END;
