-- bench/pgbench/zipf_observation.sql: one observation of an existing trace
-- of a Zipf-drawn user: a one-row INSERT in its own transaction.  User u
-- has greatest(traces_per_user, hot_traces / u) preloaded traces, ids
-- p-<u>-<k> (bench/deferred.sh), so a heavy user's traffic is spread over
-- many trace rows, as it is in life.
-- Variables (pgbench -D): users, zipf, traces_per_user, hot_traces.
\set u random_zipfian(1, :users, :zipf)
\set k random(1, greatest(:traces_per_user, :hot_traces / :u))
\set r random(1, 999999999999)
\set ti random(200, 3200)
\set to random(20, 620)
INSERT INTO observations (id, trace_id, type, name, start_time, end_time, model, input_tokens, output_tokens,
                          total_tokens, total_cost, level, metadata)
VALUES ('x' || :client_id || '-' || :r, 'p-' || :u || '-' || :k, 'GENERATION', 'chat-completion',
        now(), now() + interval '400 ms', 'gpt-4o-mini', :ti::bigint, :to::bigint,
        :ti::bigint + :to::bigint, :ti::bigint * 0.00000015 + :to::bigint * 0.0000006,
        CASE WHEN :ti::int % 33 = 0 THEN 'ERROR' ELSE 'DEFAULT' END, '{"sdk": "langfuse-python"}');
