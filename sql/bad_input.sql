-- Every bad input gets a clear error with its SQLSTATE, a detail naming the
-- row and the column, and changes nothing.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/sql/try.sql

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

------------------------------------------------------------------------
-- The bad input catalogue, beyond the three input tables: the price
-- table, the alert rules, the budget, analytics, traits, export and
-- maintenance functions, and the two ingestion functions.  Every case
-- gets an error with its SQLSTATE, or a documented normalisation.  The
-- comments say where a case once found a bug (a crash, a rejected span
-- that still wrote, an error without detail), fixed since.
-- Whatever an accepted case writes is rolled back (BEGIN ... ROLLBACK), so
-- the checks under "nothing changed" below cover every case, and the
-- price table, the rules, the alerts and the traits set are compared with
-- a snapshot taken here.
------------------------------------------------------------------------
CREATE TEMP TABLE before_other AS
SELECT (SELECT md5(COALESCE(string_agg(p::text, '|' ORDER BY p.id), '')) FROM usertrack.model_prices p) AS model_prices,
       (SELECT md5(COALESCE(string_agg(r::text, '|' ORDER BY r.id), '')) FROM usertrack.alert_rules r) AS alert_rules,
       (SELECT md5(COALESCE(string_agg(a::text, '|' ORDER BY a.id), '')) FROM usertrack.alerts a) AS alerts,
       (SELECT md5(COALESCE(string_agg(s::text, '|' ORDER BY s.user_id), '')) FROM usertrack.user_traits_set s) AS user_traits_set;
-- the id a new price row gets comes from a sequence: masked
CREATE FUNCTION pg_temp.try_price(stmt text) RETURNS text
LANGUAGE sql AS $$
SELECT regexp_replace(regexp_replace(pg_temp.try(stmt), 'Price \d{7,}', 'Price <new id>', 'g'),
                      'contains \(\d{7,},', 'contains (<new id>,', 'g')
$$;
-- an ingestion answer as rows, in the order of its two lists
CREATE FUNCTION pg_temp.answer(r jsonb)
RETURNS TABLE (list text, id text, status text, error text)
LANGUAGE sql AS $$
SELECT l.list, e ->> 'id', e ->> 'status', e ->> 'error'
  FROM (VALUES (1, 'errors'), (2, 'successes')) l(n, list),
       jsonb_array_elements(r -> l.list) WITH ORDINALITY x(e, i)
 ORDER BY l.n, x.i
$$;

-- ids with NUL bytes cannot even be written: PostgreSQL's text refuses them
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES ('a' || chr(0) || 'b')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES (convert_from('\x610062', 'UTF8'))$$);
SELECT pg_temp.try($$INSERT INTO usertrack.traces (id) VALUES (E'a\000b')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id) VALUES ('o2', U&'t\0000')$$);

-- model_prices: invalid regular expressions in the patterns
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '^bi-(x$', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '*', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', 'a{3,1}', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', E'^bi-x\\', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '(?z)bi-x', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '[z-a]', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', 'x\1', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '((a{1,255}){1,255}){1,255}', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('bi-x', '^bi-x$', 'big', '(input', '>', 1, 1)$$);
-- model_prices: NULLs and empty strings.  Every NOT NULL column gets
-- 23502 with the row named (the check trigger runs before PostgreSQL's own
-- NOT NULL check); an empty model_name, pattern or tier gets 23514
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES (NULL, '^bi-x$', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('', '^bi-x$', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', NULL, 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '', 0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, start_date) VALUES ('bi-x', '^bi-x$', 0.1, NULL)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, tier) VALUES ('bi-x', '^bi-x$', 0.1, NULL)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, tier) VALUES ('bi-x', '^bi-x$', 0.1, '')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, usage_prices) VALUES ('bi-x', '^bi-x$', 0.1, NULL)$$);
-- a NULL source once crashed the server (strcmp() on NULL in the check
-- trigger, found by this catalogue): 23502, for INSERT and UPDATE alike
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, source) VALUES ('bi-x', '^bi-x$', 0.1, NULL)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, source) VALUES ('bi-x', '^bi-x$', 0.1, 'Operator')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, source) VALUES ('bi-x', '^bi-x$', 0.1, 'default')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (id, model_name, match_pattern, input_price) VALUES (-5, 'bi-x', '^bi-x$', 0.1)$$);
-- an explicit NULL id: 23502, "Price with NULL id"
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (id, model_name, match_pattern, input_price) VALUES (NULL, 'bi-x', '^bi-x$', 0.1)$$);
-- model_prices: negative, NaN, infinite and non-numeric prices
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '^bi-x$', -0.1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, output_price) VALUES ('bi-x', '^bi-x$', 'NaN')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '^bi-x$', '-Infinity')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, output_price) VALUES ('bi-x', '^bi-x$', 'Infinity')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-x', '^bi-x$', 'abc')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('bi-x', '^bi-x$', '{"request": -0.5}')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('bi-x', '^bi-x$', '{"request": "Infinity"}')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('bi-x', '^bi-x$', '{"request": NaN}')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('bi-x', '^bi-x$', '"0.01"')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('bi-x', '^bi-x$', '{"output": 0.01}')$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern) VALUES ('bi-x', '^bi-x$')$$);
-- model_prices: tiers with bad conditions
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('bi-x', '^bi-x$', 'big', '', '>', 1, 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('bi-x', '^bi-x$', 'big', 'input', '=>', 1, 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('bi-x', '^bi-x$', 'big', 'input', '>', 'Infinity', 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_threshold, input_price) VALUES ('bi-x', '^bi-x$', 'big', 'input', 1, 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_key, parameter_values, input_price) VALUES ('bi-x', '^bi-x$', 'flex', 'service_tier', '{flex,NULL}', 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_key, input_price) VALUES ('bi-x', '^bi-x$', 'flex', 'service_tier', 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier_priority, input_price) VALUES ('bi-x', '^bi-x$', NULL, 1)$$);
SELECT pg_temp.try_price($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-dup', '^bi-dup$', 1), ('bi-dup', '^bi-dup$', 2)$$);
-- model_prices: the shipped rows are read-only, and an UPDATE is checked
-- like an INSERT
SELECT pg_temp.try_price($$UPDATE usertrack.model_prices SET input_price = 0 WHERE model_name = 'gpt-4o' AND tier = 'default' AND source = 'default'$$);
SELECT pg_temp.try_price($$DELETE FROM usertrack.model_prices WHERE model_name = 'gpt-4o' AND tier = 'default' AND source = 'default'$$);
SELECT pg_temp.try_price($$TRUNCATE usertrack.model_prices$$);
BEGIN;
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('bi-ok', '^bi-ok$', 1);
SELECT pg_temp.try_price($$UPDATE usertrack.model_prices SET match_pattern = '(' WHERE model_name = 'bi-ok'$$);
SELECT pg_temp.try_price($$UPDATE usertrack.model_prices SET output_price = 'NaN' WHERE model_name = 'bi-ok'$$);
SELECT pg_temp.try_price($$UPDATE usertrack.model_prices SET id = 5 WHERE model_name = 'bi-ok'$$);
ROLLBACK;
-- recalculate_costs(): an invalid pattern, from_time after to_time
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs('(')$$);
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs('gpt-4o**')$$);
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs(E'gpt\\')$$);
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs(NULL, '2026-05-01 00:00+00', '2026-04-01 00:00+00')$$);
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs('^gpt', 'infinity', '-infinity')$$);
-- an empty window is no error here (documented: only from_time after
-- to_time is), unlike the analytics functions, where from_time = to_time
-- is 22023
SELECT usertrack.recalculate_costs(NULL, '2026-03-01 00:00+00', '2026-03-01 00:00+00');
-- compute_cost(): negative tokens, a usage_details that is not an object
SELECT pg_temp.try($$SELECT usertrack.compute_cost('gpt-4o', '2026-03-01 00:00+00', NULL, -1, 5)$$);
SELECT pg_temp.try($$SELECT usertrack.compute_cost('gpt-4o', '2026-03-01 00:00+00', usage_details => '[1]')$$);

-- alert_rules: unknown metric (names are case-sensitive), name
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'latency', '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'Model_Cost', '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', NULL, '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES (NULL, 'model_cost', '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('', 'model_cost', '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES (repeat('n', 201), 'model_cost', '1 hour', 1)$$);
-- alert_rules: bad windows
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold) VALUES ('bi', 'model_cost', 'week', '7 days', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold) VALUES ('bi', 'model_cost', NULL, '7 days', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', NULL, 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '0', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '-1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 month', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 month -29 days', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '367 days', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '20 minutes', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '15 minutes 0.5 seconds', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', 'infinity', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold) VALUES ('bi', 'model_cost', 'day', '1 day', 1)$$);
-- alert_rules: bad time zones
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold) VALUES ('bi', 'model_cost', 'day', 'Mars/Olympus_Mons', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold) VALUES ('bi', 'model_cost', 'day', NULL, 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold) VALUES ('bi', 'model_cost', 'day', '', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold) VALUES ('bi', 'model_cost', 'month', '+500', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_kind, time_zone, threshold) VALUES ('bi', 'model_cost', 'month', 'UTC''; DROP TABLE usertrack.alerts; --', 1)$$);
-- alert_rules: thresholds 0, negative, NaN, infinite, NULL, error_rate above 1
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 hour', 0)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'total_tokens', '1 hour', -1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 hour', 'NaN')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 hour', 'Infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'errors', '1 hour', '-Infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'model_cost', '1 hour', NULL)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi', 'error_rate', '1 hour', 1.01)$$);
-- alert_rules: unknown scope, scopes without or with a key or value
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope) VALUES ('bi', 'model_cost', '1 hour', 1, 'team')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope) VALUES ('bi', 'model_cost', '1 hour', 1, NULL)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_value) VALUES ('bi', 'model_cost', '1 hour', 1, 'user', '')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_value) VALUES ('bi', 'model_cost', '1 hour', 1, 'all', 'bob')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_key, scope_value) VALUES ('bi', 'model_cost', '1 hour', 1, 'trait', '', 'pro')$$);
-- alert_rules: min_observations, and a NULL where the trigger does not look
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, min_observations) VALUES ('bi', 'error_rate', '1 hour', 0.5, 0)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, min_observations) VALUES ('bi', 'error_rate', '1 hour', 0.5, NULL)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (id, name, metric, window_length, threshold, hard_budget, created_at) VALUES (-1, 'bi', 'model_cost', '1 hour', 1, NULL, '2026-01-01 00:00+00')$$);
-- alert_rules: an UPDATE is checked like an INSERT; names are unique; a
-- user scope for a user id longer than the 1024 bytes any user id can have
-- (a rule that could never apply) is 22023, naming the rule and scope_value
BEGIN;
INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi-ok', 'model_cost', '1 hour', 1);
SELECT pg_temp.try($$UPDATE usertrack.alert_rules SET id = id + 1000 WHERE name = 'bi-ok'$$);
SELECT pg_temp.try($$UPDATE usertrack.alert_rules SET threshold = 'NaN' WHERE name = 'bi-ok'$$);
SELECT pg_temp.try($$UPDATE usertrack.alert_rules SET window_kind = 'month' WHERE name = 'bi-ok'$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold) VALUES ('bi-ok', 'errors', '1 hour', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.alert_rules (name, metric, window_length, threshold, scope, scope_value) VALUES ('bi-long', 'model_cost', '1 hour', 1, 'user', repeat('u', 1025))$$);
ROLLBACK;

-- budgets: a NULL user gets no budgets (check_budget is STRICT) and a NULL
-- answer from budget_allows(), as documented
SELECT count(*) AS budgets_of_null FROM usertrack.check_budget(NULL);
SELECT usertrack.budget_allows(NULL) IS NULL AS allows_null_is_null;
-- user_usage(): NULL user, NULL, zero, negative and too long windows
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage(NULL, '1 hour')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', NULL)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', '0')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', '-1 hour')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', '1 month -40 days')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', '300000 years')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', 'infinity')$$);
-- a window in months is accepted here (documented: any positive length;
-- only the rules' rolling windows refuse months)
SELECT pg_temp.try($$SELECT * FROM usertrack.user_usage('u1', '1 month')$$);
-- acknowledge_alert(): an unknown id, NULL, not a uuid
SELECT pg_temp.try($$SELECT usertrack.acknowledge_alert('00000000-0000-0000-0000-000000000000', 'x')$$);
SELECT pg_temp.try($$SELECT usertrack.acknowledge_alert(NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.acknowledge_alert('not-a-uuid')$$);
-- evaluate_alerts(): NULL and '' users are skipped (documented)
SELECT usertrack.evaluate_alerts(NULL) IS NULL AS null_users, usertrack.evaluate_alerts(ARRAY[NULL, '']) AS opened;
-- the owner-only helpers do not check their arguments, which come from
-- rows the alert_rules check has accepted, so that they stay inlinable SQL
-- (documented): an unknown window kind is a calendar day, an unknown
-- metric no value
SELECT window_end - window_start AS weekly_is_a_day
  FROM usertrack.rule_window('weekly', NULL, 'UTC', '2026-03-01 10:20+00');
SELECT usertrack.rule_value('latency', 1, 1, 1, 1, 1, 1) IS NULL AS unknown_metric_is_null;

-- analytics: windows with from_time after (or at) to_time
SELECT pg_temp.try($$SELECT * FROM usertrack.user_stats('u1', '2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_stats(NULL, '2026-03-01', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.window_users('2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.window_days('infinity', '-infinity')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('model_cost', '2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('p95_latency', '2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('environment', NULL, '2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('trait', 'plan', '2026-03-02', '2026-03-01')$$);
-- user_journey() raises the same 22023 for such a window, even for a
-- user without traces (documented)
SELECT pg_temp.try($$SELECT * FROM usertrack.user_journey('u1', '2026-03-02', '2026-03-01')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.user_journey('nobody', '2026-03-01', '2026-03-01')$$);
-- analytics: unknown metrics and dimensions (case-sensitive), NULL
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('latency')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution('MODEL_COST')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.usage_distribution(NULL)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('p99_latency')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('country')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats(NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('u1', 7, 'p95')$$);
-- analytics: negative and NULL counts, missing keys
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('error_rate', NULL, NULL, -1)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.outlier_users('error_rate', NULL, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('trait', '')$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.segment_stats('metadata', NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('u1', 0)$$);
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('u1', 367)$$);
SELECT pg_temp.try($$SELECT usertrack.activity_sparkline('u1', NULL)$$);
-- analytics: the types and their functions
SELECT pg_temp.try($$SELECT usertrack.latency_bucket('-1 s')$$);
SELECT pg_temp.try($$SELECT usertrack.latency_bucket('100000000 years')$$);
SELECT pg_temp.try($$SELECT usertrack.latency_percentile('[[0, 1]]'::usertrack.latency_sketch, 'NaN')$$);
SELECT pg_temp.try($$SELECT '[[0, 1], [0, 1]]'::usertrack.latency_sketch$$);
SELECT pg_temp.try($$SELECT '{"traces": "1"}'::usertrack.rollup$$);
SELECT pg_temp.try($$SELECT usertrack.make_rollup(1, 1, 1, 1, 1, '-Infinity', 0, NULL, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.rollup('2026-03-01', 1, -1, 0, 0, 0, 0, NULL)$$);
-- check_metric() with a NULL list is 22004; merge_traits() of a
-- non-object is 22023 with a detail naming the argument and its JSON type
SELECT pg_temp.try($$SELECT usertrack.check_metric('anything', NULL)$$);
SELECT pg_temp.try($$SELECT usertrack.check_metric('anything', '{model_cost,NULL}')$$);
SELECT pg_temp.try($$SELECT usertrack.merge_traits('[1]', '{"plan": "pro"}')$$);
SELECT pg_temp.try($$SELECT usertrack.merge_traits('{"plan": "pro"}', 'null')$$);
SELECT usertrack.merge_traits(NULL, '{"plan": "pro", "seats": null}') AS null_counts_as_empty;

-- set_user_traits(): NULL user, traits that are not an object, and a user
-- id over 1024 bytes: 22001, as the input tables report it
SELECT pg_temp.try($$SELECT usertrack.set_user_traits(NULL, '{"plan": "pro"}')$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('u1', '"pro"')$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('u1', 'null')$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('u1', '{"plan": ')$$);
SELECT pg_temp.try($$SELECT usertrack.set_user_traits(repeat('u', 1025), '{}')$$);
-- export_user() and forget_user() are STRICT: NULL exports nothing and
-- forgets nothing, as documented
SELECT usertrack.export_user(NULL) IS NULL AS export_of_null_is_null;
SELECT count(*) AS rows_of_forget_null FROM usertrack.forget_user(NULL);
-- the user id '' is the key of traces without a user, not a user:
-- export_user('') and forget_user('') refuse it with 22023 (the hint says
-- how to reach those traces) and touch nothing; set_user_traits() refuses
-- it with 22004.  user_stats('') and user_journey('') answer for the key
-- '' (the traces without a user).  Shown on a trace without a user, rolled
-- back.
BEGIN;
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-nobody', '2026-03-01 12:00:00+00', '');
SELECT pg_temp.try($$SELECT usertrack.export_user('')$$);
SELECT traces FROM usertrack.user_stats('');
SELECT trace_id FROM usertrack.user_journey('');
SELECT pg_temp.try($$SELECT * FROM usertrack.forget_user('')$$);
SELECT count(*) AS traces_without_user_kept FROM usertrack.traces WHERE id = 't-nobody';
SELECT pg_temp.try($$SELECT usertrack.set_user_traits('', '{}')$$);
ROLLBACK;

-- maintenance: purge(), refresh(), fold_pending(), grant_reader()
SELECT pg_temp.try($$CALL usertrack.purge(NULL)$$);
SELECT pg_temp.try($$CALL usertrack.purge('infinity')$$);
SELECT pg_temp.try($$CALL usertrack.purge('2026-01-01 00:00+00', 0)$$);
SELECT pg_temp.try($$CALL usertrack.purge('2026-01-01 00:00+00', NULL)$$);
SELECT pg_temp.try($$CALL usertrack.refresh(0)$$);
SELECT pg_temp.try($$CALL usertrack.refresh(NULL)$$);
SELECT pg_temp.try($$SELECT * FROM usertrack.fold_pending(-1)$$);
SELECT pg_temp.try($$SELECT usertrack.grant_reader('usertrack_no_such_role')$$);
-- -infinity is not finite either: 22023 like infinity
SELECT pg_temp.try($$CALL usertrack.purge('-infinity')$$);

-- ingest(): a body that is not an object with a "batch" array fails the
-- whole call; NULL in, NULL out (STRICT)
SELECT pg_temp.try($$SELECT usertrack.ingest('5')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('[{"batch": []}]')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": 1}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": "x"}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": null}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": {"id": "e1"}}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": [')$$);
SELECT usertrack.ingest(NULL) IS NULL AS null_in_null_out;
-- a "\u0000" escape never reaches ingest() or ingest_otlp(): jsonb
-- refuses it (22P05), so the whole request fails and nothing is written
SELECT pg_temp.try($$SELECT usertrack.ingest('{"batch": [{"id": "e1", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "t\u0000"}}]}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "\u0000"}]}]}]}')$$);
\pset format aligned
\pset tuples_only off
-- ingest(): a batch of bad events only.  Each one is an entry of "errors"
-- (envelope problems first, then body problems), nothing is written, and
-- the call itself succeeds
SELECT * FROM pg_temp.answer(usertrack.ingest(jsonb_build_object('batch', jsonb_build_array(
    '1'::jsonb, '"x"'::jsonb, 'null'::jsonb, '[]'::jsonb,
    '{"timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": 7, "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "ts-word", "timestamp": "yesterday", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "ts-month13", "timestamp": "2026-13-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "ts-infinity", "timestamp": "infinity", "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "ts-null", "timestamp": null, "type": "trace-create", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "type-unknown", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-delete", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "type-case", "timestamp": "2026-03-01T10:00:00Z", "type": "TRACE-CREATE", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "type-missing", "timestamp": "2026-03-01T10:00:00Z", "body": {"id": "bi-t"}}'::jsonb,
    '{"id": "body-array", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": [1]}'::jsonb,
    '{"id": "body-string", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": "x"}'::jsonb,
    '{"id": "body-missing", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create"}'::jsonb,
    '{"id": "obs-no-id", "timestamp": "2026-03-01T10:00:00Z", "type": "span-create", "body": {"traceId": "bi-t"}}'::jsonb,
    '{"id": "tokens-negative", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": {"input": -5}}}'::jsonb,
    '{"id": "tokens-text", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": {"input": "ten"}}}'::jsonb,
    '{"id": "tokens-huge", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": {"promptTokens": 1e30}}}'::jsonb,
    '{"id": "tokens-fraction", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": {"output": 0.5}}}'::jsonb,
    '{"id": "usage-string", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": "many"}}'::jsonb,
    '{"id": "cost-negative", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "usage": {"input": 1, "inputCost": -0.5}}}'::jsonb,
    '{"id": "start-infinite", "timestamp": "2026-03-01T10:00:00Z", "type": "span-create", "body": {"id": "bi-s", "traceId": "bi-t", "startTime": "-infinity"}}'::jsonb,
    '{"id": "end-word", "timestamp": "2026-03-01T10:00:00Z", "type": "span-create", "body": {"id": "bi-s", "traceId": "bi-t", "endTime": "soon"}}'::jsonb,
    '{"id": "level-lower", "timestamp": "2026-03-01T10:00:00Z", "type": "span-create", "body": {"id": "bi-s", "traceId": "bi-t", "level": "error"}}'::jsonb,
    '{"id": "params-array", "timestamp": "2026-03-01T10:00:00Z", "type": "generation-create", "body": {"id": "bi-g", "traceId": "bi-t", "modelParameters": [1]}}'::jsonb,
    '{"id": "trace-id-number", "timestamp": "2026-03-01T10:00:00Z", "type": "span-create", "body": {"id": "bi-s", "traceId": 12}}'::jsonb,
    '{"id": "user-number", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t", "userId": 42}}'::jsonb,
    '{"id": "tags-numbers", "timestamp": "2026-03-01T10:00:00Z", "type": "trace-create", "body": {"id": "bi-t", "tags": [1, 2]}}'::jsonb,
    '{"id": "score-nan", "timestamp": "2026-03-01T10:00:00Z", "type": "score-create", "body": {"id": "bi-sc", "traceId": "bi-t", "name": "q", "value": "NaN", "dataType": "NUMERIC"}}'::jsonb,
    '{"id": "score-boolean-2", "timestamp": "2026-03-01T10:00:00Z", "type": "score-create", "body": {"id": "bi-sc", "traceId": "bi-t", "name": "q", "value": 2, "dataType": "BOOLEAN"}}'::jsonb,
    '{"id": "score-no-name", "timestamp": "2026-03-01T10:00:00Z", "type": "score-create", "body": {"id": "bi-sc", "traceId": "bi-t", "value": 1}}'::jsonb
))));
-- ingest(): ids with SQL metacharacters, quotes, backslashes, control
-- characters, and ids over 1024 bytes, mixed with good events.  The long
-- ids are reported in "errors"; the others land, each id stored as sent.
-- Documented normalisations: a trace-create whose body.id is '' counts as
-- one without an id (a success, not stored); a span whose traceId is ''
-- gets a random trace id; control characters (\x01, a tab) in ids are
-- stored as sent, as an INSERT stores them (docs/ingestion.md).  What lands
-- is shown, then rolled back.
BEGIN;
SELECT * FROM pg_temp.answer(usertrack.ingest(jsonb_build_object('batch', jsonb_build_array(
    jsonb_build_object('id', 'meta', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'trace-create',
        'body', jsonb_build_object('id', $q$x'); DROP TABLE usertrack.traces; --$q$,
                                   'userId', $q$u'"\;--$q$, 'sessionId', E'back\\slash%_')),
    jsonb_build_object('id', 'control', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'trace-create',
        'body', jsonb_build_object('id', 'a' || chr(1) || 'b', 'userId', E'tab\there')),
    jsonb_build_object('id', 'meta-span', 'timestamp', '2026-03-01T10:00:01Z', 'type', 'span-create',
        'body', jsonb_build_object('id', $q$o'; SELECT 1; --$q$, 'traceId', $q$x'); DROP TABLE usertrack.traces; --$q$)),
    jsonb_build_object('id', 'trace-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'trace-create',
        'body', jsonb_build_object('id', repeat('t', 1025))),
    jsonb_build_object('id', 'user-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'trace-create',
        'body', jsonb_build_object('id', 'bi-t2', 'userId', repeat('u', 1025))),
    jsonb_build_object('id', 'span-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'span-create',
        'body', jsonb_build_object('id', repeat('o', 1025), 'traceId', 'bi-t')),
    jsonb_build_object('id', 'span-trace-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'span-create',
        'body', jsonb_build_object('id', 'bi-o', 'traceId', repeat('t', 1025))),
    jsonb_build_object('id', 'parent-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'span-create',
        'body', jsonb_build_object('id', 'bi-o', 'traceId', 'bi-t', 'parentObservationId', repeat('p', 1025))),
    jsonb_build_object('id', 'score-long', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'score-create',
        'body', jsonb_build_object('id', repeat('s', 1025), 'traceId', 'bi-t', 'name', 'q', 'value', 1)),
    jsonb_build_object('id', 'trace-empty-id', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'trace-create',
        'body', jsonb_build_object('id', '', 'userId', 'bi-u')),
    jsonb_build_object('id', 'span-empty-id', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'span-create',
        'body', jsonb_build_object('id', '', 'traceId', 'bi-t')),
    jsonb_build_object('id', 'span-empty-trace', 'timestamp', '2026-03-01T10:00:00Z', 'type', 'span-create',
        'body', jsonb_build_object('id', 'bi-o3', 'traceId', ''))
))));
SELECT id, user_id, session_id FROM usertrack.traces WHERE id <> 't1' ORDER BY id;
SELECT id, trace_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-' AS random_trace_id,
       CASE WHEN trace_id ~ '^[0-9a-f]{8}-' THEN NULL ELSE trace_id END AS trace_id
  FROM usertrack.observations WHERE id <> 'o1' ORDER BY id;
SELECT user_id, total_events, total_observations FROM usertrack.all_users ORDER BY user_id;
ROLLBACK;

-- ingest_otlp(): a body that is not an object with a "resourceSpans"
-- array fails the whole call
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('[]')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('"resourceSpans"')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('{"resourceSpans": 5}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('{"resourceSpans": null}')$$);
SELECT pg_temp.try($$SELECT usertrack.ingest_otlp('{"resourceSpans": {"scopeSpans": []}}')$$);
SELECT usertrack.ingest_otlp(NULL) IS NULL AS null_in_null_out;
-- ingest_otlp(): malformed shapes inside: elements of resourceSpans that
-- are not objects, and a "scopeSpans" or "spans" that is not an array, hold
-- no span to count; each is named in errorMessage ("rejectedSpans" 0, as
-- OTLP allows for warnings); span elements that are not objects are
-- rejected spans
SELECT usertrack.ingest_otlp('{"resourceSpans": [5, "x", null]}');
SELECT usertrack.ingest_otlp('{"resourceSpans": [{"scopeSpans": 5}]}');
SELECT usertrack.ingest_otlp('{"resourceSpans": [{"scopeSpans": [{"spans": 5}]}]}');
SELECT usertrack.ingest_otlp('{"resourceSpans": [{"scopeSpans": [{"spans": [5, "x", []]}]}]}');
-- ingest_otlp(): spans with bad traceId, spanId, times, user id: each
-- rejected, with its reason.  The span rejected for its user id over 1024
-- bytes (c7ad6b7169203331) writes nothing: a span lands whole or not at
-- all (its observation was once written without its trace).  What lands is
-- shown (nothing), then rolled back.
BEGIN;
SELECT usertrack.ingest_otlp(jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
  'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(
    '{"traceId": "0af7651916cd43dd8448eb211c80319z", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": 12, "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    $j${"traceId": "x'); DROP TABLE usertrack.traces; --", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"}$j$::jsonb,
    '{"spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b716920333g", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331", "parentSpanId": "b7ad", "startTimeUnixNano": "1772359200000000000"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "-1"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "soon"}'::jsonb,
    '{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331", "startTimeUnixNano": 1.5e30}'::jsonb,
    jsonb_build_object('traceId', '0af7651916cd43dd8448eb211c80319d', 'spanId', 'c7ad6b7169203331',
                       'startTimeUnixNano', '1772359200000000000',
                       'attributes', jsonb_build_array(jsonb_build_object('key', 'user.id',
                           'value', jsonb_build_object('stringValue', repeat('u', 1025)))))
)))))));
SELECT id, trace_id FROM usertrack.observations WHERE id <> 'o1' ORDER BY id;
SELECT count(*) AS new_traces FROM usertrack.traces WHERE id <> 't1';
ROLLBACK;
\pset format aligned
\pset tuples_only off
-- ingest_otlp(): spans that land, normalised.  Documented: token counts
-- that are not counts of zero or more are dropped (as in usageDetails), an
-- end before the start is clamped to it.  Rejected (they once landed,
-- normalised): an unknown langfuse.observation.level (ingest() refuses
-- one too), a malformed endTimeUnixNano, "attributes" that is not an array,
-- and the all-zero trace and span ids that OpenTelemetry defines as
-- invalid.  Rolled back.
BEGIN;
SELECT usertrack.ingest_otlp($j${"resourceSpans": [{"scopeSpans": [{"spans": [
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "a7ad6b7169203331", "startTimeUnixNano": "1772359200000000000",
     "attributes": [{"key": "gen_ai.usage.output_tokens", "value": {"intValue": "many"}},
                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": -3}}]},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "1772359200000000000",
     "endTimeUnixNano": "1"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "c7ad6b7169203331", "startTimeUnixNano": "1772359200000000000",
     "attributes": [{"key": "langfuse.observation.level", "value": {"stringValue": "PANIC"}}]},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "d7ad6b7169203331", "startTimeUnixNano": "1772359200000000000",
     "endTimeUnixNano": "abc"},
    {"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "e7ad6b7169203331", "startTimeUnixNano": "1772359200000000000",
     "attributes": 5},
    {"traceId": "00000000000000000000000000000000", "spanId": "0000000000000000", "startTimeUnixNano": "1772359200000000000"}
  ]}]}]}$j$) AS response;
SELECT id, trace_id, start_time, end_time, level, input_tokens, output_tokens, usage_details
  FROM usertrack.observations WHERE id <> 'o1' ORDER BY id;
ROLLBACK;

-- the price table, the rules, the alerts and the traits set: unchanged
SELECT b.model_prices = a.model_prices AS model_prices_unchanged,
       b.alert_rules = a.alert_rules AS alert_rules_unchanged,
       b.alerts = a.alerts AS alerts_unchanged,
       b.user_traits_set = a.user_traits_set AS user_traits_set_unchanged
  FROM before_other b,
       (SELECT (SELECT md5(COALESCE(string_agg(p::text, '|' ORDER BY p.id), '')) FROM usertrack.model_prices p) AS model_prices,
               (SELECT md5(COALESCE(string_agg(r::text, '|' ORDER BY r.id), '')) FROM usertrack.alert_rules r) AS alert_rules,
               (SELECT md5(COALESCE(string_agg(x::text, '|' ORDER BY x.id), '')) FROM usertrack.alerts x) AS alerts,
               (SELECT md5(COALESCE(string_agg(s::text, '|' ORDER BY s.user_id), '')) FROM usertrack.user_traits_set s) AS user_traits_set) a;
\pset format unaligned
\pset tuples_only on
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
