-- bench/pgbench/pinned_trace.sql: like zipf_trace.sql, but the user is
-- user_<ubase + client_id % uspread>: uspread = 1 puts every client on one
-- user, uspread = clients gives each client a user of its own.
-- Variables (pgbench -D): ubase, uspread.
\set u :ubase + :client_id % :uspread
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
