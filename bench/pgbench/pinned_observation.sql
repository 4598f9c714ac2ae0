-- bench/pgbench/pinned_observation.sql: like zipf_observation.sql, but on
-- one of the pinned_traces preloaded traces of user_<ubase + client_id %
-- uspread>, so that clients on one user rarely share a trace row.
-- Variables (pgbench -D): ubase, uspread, pinned_traces.
\set u :ubase + :client_id % :uspread
\set k random(1, :pinned_traces)
\set r random(1, 999999999999)
\set ti random(200, 3200)
\set to random(20, 620)
INSERT INTO observations (id, trace_id, type, name, start_time, end_time, model, input_tokens, output_tokens,
                          total_tokens, total_cost, level, metadata)
VALUES ('x' || :client_id || '-' || :r, 'p-' || :u || '-' || :k, 'GENERATION', 'chat-completion',
        now(), now() + interval '400 ms', 'gpt-4o-mini', :ti::bigint, :to::bigint,
        :ti::bigint + :to::bigint, :ti::bigint * 0.00000015 + :to::bigint * 0.0000006,
        CASE WHEN :ti::int % 33 = 0 THEN 'ERROR' ELSE 'DEFAULT' END, '{"sdk": "langfuse-python"}');
