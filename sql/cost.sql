-- Model prices (issue "Model cost"): the cost computed for each observation
-- from usertrack.model_prices, the choice of a price (patterns, names,
-- sources, dates, tiers), what wins in the totals, recalculation, the
-- validation of prices, and verify() in immediate and deferred mode.
--
-- The shipped prices (source 'default') are not this test's business: every
-- model here is named acme-*, which no shipped pattern matches (checked at
-- the end), except in the block on gpt-4o-mini, which reads the shipped
-- prices from the table instead of writing them down.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
DELETE FROM usertrack.model_prices WHERE source = 'operator';
-- the ids of the operator's prices appear in some error details
ALTER SEQUENCE usertrack.model_prices_id_seq RESTART;
SET timezone = 'UTC';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/sql/try.sql

-- How many rows differ between a table and a copy taken before bad input.
CREATE FUNCTION pg_temp.changed(now_table regclass, before_table regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE %s)'
                   ' UNION ALL (TABLE %s EXCEPT ALL TABLE %s)) d',
                   now_table, before_table, before_table, now_table) INTO n;
    RETURN n;
END $$;

-- Each observation with its computed cost and the price row that gave it,
-- named by the row's note (ids are not printed: they depend on the sequence).
CREATE VIEW pg_temp.costs AS
SELECT o.id, o.model, o.computed_input_cost AS input_cost,
       o.computed_output_cost AS output_cost, o.computed_total_cost AS total_cost,
       CASE WHEN o.price_id IS NOT NULL
            THEN COALESCE(p.note, p.source || ':' || p.model_name || '/' || p.tier,
                          '(no such price)') END AS price,
       o.unpriced_usage
  FROM usertrack.observations o
  LEFT JOIN usertrack.model_prices p ON p.id = o.price_id;

-- The shipped prices are there, with ids below 1000000.
SELECT count(DISTINCT model_name) >= 60 AS shipped_prices,
       bool_and(id < 1000000) AS shipped_ids
  FROM usertrack.model_prices WHERE source = 'default';

------------------------------------------------------------------------------
-- 1. Priced generations: usage kinds from the columns and usage_details,
--    priced and unpriced kinds, what gives no cost at all.
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, usage_prices, note)
VALUES ('acme-chat', '^acme-chat$', 0.000002, 0.000008,
        '{"input_cached_tokens": 0.0000005, "output_reasoning_tokens": 0.000008}', 'chat');
SELECT model_name, source, start_date, tier, id > 1000000 AS operator_id
  FROM usertrack.model_prices WHERE note = 'chat';
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-basic', '2026-03-01 12:00+00', 'alice');
INSERT INTO usertrack.observations (id, trace_id, type, model, start_time, input_tokens, output_tokens, total_tokens, usage_details) VALUES
  -- input 1000 x 0.000002 = 0.002, output 500 x 0.000008 = 0.004, total 0.006
  ('b01', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 1000, 500, NULL, NULL),
  -- input 0.002 + cached 400 x 0.0000005 = 0.0022; output 0.0016 + reasoning
  -- 100 x 0.000008 = 0.0024; total 0.0046; input_audio_tokens has no price
  ('b02', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 1000, 200, NULL,
   '{"input_cached_tokens": 400, "output_reasoning_tokens": 100, "input_audio_tokens": 50}'),
  -- JSON null is ignored; a kind with 0 units is not unpriced: 10 x 0.000002
  ('b03', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 10, NULL, NULL,
   '{"input_cached_tokens": null, "input_audio_tokens": 0}'),
  -- the column wins over the key of the same name (input 100, not 999);
  -- output comes from the key: 100 x 0.000002 = 0.0002, 7 x 0.000008 = 0.000056
  ('b04', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 100, NULL, NULL,
   '{"input": 999, "output": 7}'),
  -- no usage, empty usage, no model: nothing computed
  ('b05', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', NULL, NULL, NULL, NULL),
  ('b06', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', NULL, NULL, NULL, '{}'),
  ('b07', 't-basic', 'GENERATION', NULL, '2026-03-01 12:00+00', 100, 100, NULL, NULL),
  -- the model matched case-insensitively: as b01
  ('b08', 't-basic', 'GENERATION', 'ACME-Chat', '2026-03-01 12:00+00', 1000, 500, NULL, NULL),
  -- zero usage is priced, at zero
  ('b09', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 0, 0, NULL, NULL),
  -- fractional units: 2.5 x 0.0000005 = 0.00000125
  ('b10', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', NULL, NULL, NULL,
   '{"input_cached_tokens": 2.5}'),
  -- a total_tokens that is not input + output changes nothing here ("total"
  -- has no price): as b01
  ('b11', 't-basic', 'GENERATION', 'acme-chat', '2026-03-01 12:00+00', 1000, 500, 9999, NULL);
SELECT * FROM pg_temp.costs WHERE id LIKE 'b%' ORDER BY id;
-- 0.006 + 0.0046 + 0.00002 + 0.000256 + 0.006 + 0 + 0.00000125 + 0.006
SELECT user_id, total_observations, input_tokens, output_tokens, total_tokens, model_cost
  FROM usertrack.all_users WHERE user_id = 'alice';
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE user_id = 'alice';
SELECT * FROM usertrack.unpriced_usage ORDER BY model, usage_kind;

------------------------------------------------------------------------------
-- 2. A cost supplied by the client wins over the computed one: total_cost,
--    else input_cost + output_cost when either is set, else the computed
--    total_cost.
------------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, "timestamp", user_id)
SELECT 'ts' || i, '2026-03-02 12:00+00', 'bob' FROM generate_series(1, 6) i;
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens, input_cost, output_cost, total_cost) VALUES
  ('s1', 'ts1', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, NULL, NULL, 0.5),   -- 0.5
  ('s2', 'ts2', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, 0.1, 0.2, NULL),    -- 0.3
  ('s3', 'ts3', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, 0.05, NULL, NULL),  -- 0.05
  ('s4', 'ts4', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, NULL, 0, NULL),     -- 0
  ('s5', 'ts5', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, NULL, NULL, NULL),  -- computed 0.006
  ('s6', 'ts6', 'acme-chat', '2026-03-02 12:00+00', 1000, 500, 0.01, 0.02, 0.7);   -- 0.7
SELECT * FROM pg_temp.costs WHERE id LIKE 's%' ORDER BY id;
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE user_id = 'bob' ORDER BY trace_id;
-- 0.5 + 0.3 + 0.05 + 0 + 0.006 + 0.7
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'bob';
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 3. Which price: the exact model name (ignoring case) first, then the
--    longer pattern, then the operator's rows, then the latest start_date,
--    then the lowest id.
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note) VALUES
  ('acme-mini', '^acme-mini', 0.000001, 0.000001, 'mini'),
  ('acme-family', '^acme-(mini|max)(-[a-z0-9]+)?$', 0.000002, 0.000002, 'family'),
  ('ACME-Upper', '^ACME-UPPER$', 0.000003, 0.000003, 'upper'),
  ('acme-named', '^acme-named-v[0-9]$', 0.000009, 0.000009, 'named');
-- same pattern, source and start_date: the lower id (inserted first) wins
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note)
VALUES ('acme-tie-b', '^acme-tie-.$', 0.000004, 0.000004, 'tie-b');
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note)
VALUES ('acme-tie-a', '^acme-tie-.$', 0.000005, 0.000005, 'tie-a');
-- a model and its dated snapshots; a new version of the model from March
INSERT INTO usertrack.model_prices (model_name, match_pattern, start_date, input_price, output_price, note) VALUES
  ('acme-pro', '^acme-pro(-\d{4}-\d{2}-\d{2})?$', '-infinity', 0.00001, 0.00003, 'pro'),
  ('acme-pro', '^acme-pro(-\d{4}-\d{2}-\d{2})?$', '2026-03-01 00:00+00', 0.00002, 0.00006, 'pro-march'),
  ('acme-pro-2026-01-15', '^acme-pro-2026-01-15$', '-infinity', 0.000008, 0.000024, 'pro-0115');
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-match', '2026-02-01 12:00+00', 'carol');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('m01', 't-match', 'acme-mini', '2026-02-01 12:00+00', 1000, 1000),      -- mini: the exact name beats the longer pattern
  ('m02', 't-match', 'Acme-MINI', '2026-02-01 12:00+00', 1000, 1000),      -- mini: exact ignoring case
  ('m03', 't-match', 'acme-mini-v2', '2026-02-01 12:00+00', 1000, 1000),   -- family: longer pattern
  ('m04', 't-match', 'acme-minimal', '2026-02-01 12:00+00', 1000, 1000),   -- mini: only its pattern matches
  ('m05', 't-match', 'ACME-MAX', '2026-02-01 12:00+00', 1000, 1000),       -- family
  ('m06', 't-match', 'acme-upper', '2026-02-01 12:00+00', 1000, 1000),     -- upper: an upper-case pattern
  ('m07', 't-match', 'acme-tie-x', '2026-02-01 12:00+00', 1000, 1000),     -- tie-b: lower id
  ('m08', 't-match', 'acme-tie-a', '2026-02-01 12:00+00', 1000, 1000),     -- tie-a: exact name
  ('m09', 't-match', 'xacme-mini', '2026-02-01 12:00+00', 1000, 1000),     -- nothing: anchored patterns
  ('m10', 't-match', 'acme-named', '2026-02-01 12:00+00', 1000, 1000),     -- nothing: the name alone does not match
  ('m11', 't-match', 'acme-named-v2', '2026-02-01 12:00+00', 1000, 1000),  -- named
  ('m12', 't-match', 'acme-pro', '2026-02-28 23:59:59+00', 1000, 1000),             -- pro
  ('m13', 't-match', 'acme-pro', '2026-03-01 00:00+00', 1000, 1000),                -- pro-march: the latest start_date
  ('m14', 't-match', 'acme-pro-2026-01-15', '2026-02-01 12:00+00', 1000, 1000),     -- pro-0115: exact beats the longer pattern
  ('m15', 't-match', 'acme-pro-2026-01-15', '2026-03-05 12:00+00', 1000, 1000),     -- pro-0115: exact beats the newer version
  ('m16', 't-match', 'acme-pro-2026-02-20', '2026-02-25 12:00+00', 1000, 1000),     -- pro
  ('m17', 't-match', 'acme-pro-2026-02-20', '2026-03-05 12:00+00', 1000, 1000);     -- pro-march
SELECT c.*, o.start_time FROM pg_temp.costs c JOIN usertrack.observations o USING (id)
 WHERE id LIKE 'm%' ORDER BY id;

------------------------------------------------------------------------------
-- 4. Effective dates: a price applies from its start_date inclusive, time
--    zones included; an observation before every version has no price.
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, start_date, input_price, output_price, note) VALUES
  ('acme-dated', '^acme-dated$', '-infinity', 0.000001, 0.000001, 'dated-old'),
  ('acme-dated', '^acme-dated$', '2026-06-01 00:00+02', 0.000002, 0.000002, 'dated-june'),
  ('acme-dated', '^acme-dated$', '2026-07-01 00:00+00', 0.000003, 0.000003, 'dated-july'),
  ('acme-future', '^acme-future$', '2027-01-01 00:00+00', 0.000001, 0.000001, 'future');
SELECT note, start_date FROM usertrack.model_prices
 WHERE model_name IN ('acme-dated', 'acme-future') ORDER BY start_date;
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-dates', '2026-05-31 12:00+00', 'carol');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('d1', 't-dates', 'acme-dated', '2026-05-31 21:59:59.999999+00', 1000, 0),  -- dated-old: one microsecond before
  ('d2', 't-dates', 'acme-dated', '2026-05-31 22:00:00+00', 1000, 0),         -- dated-june: exactly at its start
  ('d3', 't-dates', 'acme-dated', '2026-06-01 00:00:00+02', 1000, 0),         -- dated-june: the same instant
  ('d4', 't-dates', 'acme-dated', '2026-06-30 23:59:59.999999+00', 1000, 0),  -- dated-june
  ('d5', 't-dates', 'acme-dated', '2026-07-01 02:00:00+02', 1000, 0),         -- dated-july: 00:00 UTC
  ('d6', 't-dates', 'acme-future', '2026-12-31 23:59:59.999999+00', 1000, 0), -- nothing yet
  ('d7', 't-dates', 'acme-future', '2027-01-01 00:00:00+00', 1000, 0);        -- future
SELECT c.*, o.start_time FROM pg_temp.costs c JOIN usertrack.observations o USING (id)
 WHERE id LIKE 'd%' ORDER BY id;

------------------------------------------------------------------------------
-- 5. Tiers with a usage condition: each operator around its threshold, then
--    the default tier.  The pattern '^input' sums only the input kinds (the
--    5000 output tokens do not count).
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, input_price, output_price, note)
SELECT 'acme-op-' || op, '^acme-op-' || op || '$', 'default', 0.000001, 0.000001, op || ':default'
  FROM unnest(ARRAY['gt', 'ge', 'lt', 'le', 'eq', 'ne']) op;
INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, tier_priority, usage_pattern, usage_operator, usage_threshold, input_price, output_price, note)
SELECT 'acme-op-' || op, '^acme-op-' || op || '$', 'cond', 1, '^input', sym, 1000, 0.000002, 0.000002, op || ':cond'
  FROM (VALUES ('gt', '>'), ('ge', '>='), ('lt', '<'), ('le', '<='), ('eq', '='), ('ne', '<>')) v(op, sym);
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-tiers', '2026-04-01 12:00+00', 'carol');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens)
SELECT 'op-' || op || '-' || n, 't-tiers', 'acme-op-' || op, '2026-04-01 12:00+00', n, 5000
  FROM unnest(ARRAY['gt', 'ge', 'lt', 'le', 'eq', 'ne']) op, unnest(ARRAY[999, 1000, 1001]) n;
-- default tier: (n + 5000) x 0.000001; cond: (n + 5000) x 0.000002
-- gt: cond at 1001; ge: at 1000, 1001; lt: at 999; le: at 999, 1000;
-- eq: at 1000; ne: at 999, 1001
SELECT id, price, total_cost FROM pg_temp.costs WHERE id LIKE 'op-%'
 ORDER BY array_position(ARRAY['gt', 'ge', 'lt', 'le', 'eq', 'ne'], split_part(id, '-', 2)), id;

-- The kinds matching the (case-insensitive) pattern are summed: input and
-- input_cached_tokens, not output.
INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, tier_priority, usage_pattern, usage_operator, usage_threshold, input_price, output_price, usage_prices, note) VALUES
  ('acme-long', '^acme-long$', 'default', 0, NULL, NULL, NULL, 0.000002, 0.000008, '{"input_cached_tokens": 0.0000005}', 'long:default'),
  ('acme-long', '^acme-long$', 'long', 1, 'INPUT', '>', 200000, 0.000004, 0.000016, '{"input_cached_tokens": 0.000001}', 'long:long');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens, usage_details) VALUES
  -- 150000 + 60000 > 200000: input 0.6 + 0.06, output 1000 x 0.000016
  ('lg1', 't-tiers', 'acme-long', '2026-04-01 12:00+00', 150000, 1000, '{"input_cached_tokens": 60000}'),
  -- 150000 + 40000: default tier: input 0.3 + 0.02, output 0.008
  ('lg2', 't-tiers', 'acme-long', '2026-04-01 12:00+00', 150000, 1000, '{"input_cached_tokens": 40000}'),
  -- output does not count: default tier: 0.3 + 0.8
  ('lg3', 't-tiers', 'acme-long', '2026-04-01 12:00+00', 150000, 100000, NULL);
SELECT * FROM pg_temp.costs WHERE id LIKE 'lg%' ORDER BY id;

-- Tiers with a parameter condition (the parameter as text, as ->> gives it):
-- tried by tier_priority (not by name), else the default tier.
INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, tier_priority, parameter_key, parameter_values, input_price, output_price, note) VALUES
  ('acme-param', '^acme-param$', 'default', 0, NULL, NULL, 0.000001, 0.000002, 'param:default'),
  ('acme-param', '^acme-param$', 'flex', 1, 'service_tier', '{flex}', 0.0000005, 0.000001, 'param:flex'),
  ('acme-param', '^acme-param$', 'priority', 2, 'service_tier', '{priority,fast}', 0.000002, 0.000004, 'param:priority'),
  ('acme-param', '^acme-param$', 'n2', 3, 'n', '{2}', 0.000003, 0.000006, 'param:n2'),
  ('acme-param', '^acme-param$', 'a-stream', 4, 'stream', '{true}', 0.000004, 0.000008, 'param:stream');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, model_parameters, input_tokens, output_tokens) VALUES
  ('p01', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"service_tier": "flex"}', 1000, 1000),   -- flex 0.0015
  ('p02', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"service_tier": "fast"}', 1000, 1000),   -- priority 0.006
  ('p03', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"n": 2}', 1000, 1000),                   -- n2 0.009 (number)
  ('p04', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"n": "2"}', 1000, 1000),                 -- n2 (string)
  ('p05', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"n": 2.0}', 1000, 1000),                 -- default: '2.0' is not '2'
  ('p06', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"stream": true}', 1000, 1000),           -- stream 0.012 (boolean)
  ('p07', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"stream": "true"}', 1000, 1000),         -- stream
  ('p08', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"stream": false}', 1000, 1000),          -- default 0.003
  ('p09', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"stream": true, "service_tier": "flex"}', 1000, 1000), -- flex: priority 1 before 4
  ('p10', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"service_tier": "FLEX"}', 1000, 1000),   -- default: values are exact
  ('p11', 't-tiers', 'acme-param', '2026-04-01 12:00+00', NULL, 1000, 1000),                         -- default
  ('p12', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"service_tier": null}', 1000, 1000),     -- default
  ('p13', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"service_tier": ["flex"]}', 1000, 1000), -- default
  ('p14', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '["service_tier", "flex"]', 1000, 1000),   -- default
  ('p15', 't-tiers', 'acme-param', '2026-04-01 12:00+00', '{"Service_Tier": "flex"}', 1000, 1000);   -- default: the key is exact
SELECT c.*, o.model_parameters FROM pg_temp.costs c JOIN usertrack.observations o USING (id)
 WHERE id LIKE 'p%' ORDER BY id;

------------------------------------------------------------------------------
-- 6. A price per "total" (embeddings) and per request.
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, usage_prices, note) VALUES
  ('acme-embed', '^acme-embed$', NULL, NULL, '{"total": 0.0000001}', 'embed'),
  ('acme-search', '^acme-search$', 0.000001, NULL, '{"request": 0.01, "search_units": 0.002}', 'search');
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-units', '2026-04-02 12:00+00', 'carol');
INSERT INTO usertrack.observations (id, trace_id, type, model, start_time, input_tokens, output_tokens, total_tokens, usage_details) VALUES
  -- total = the sum of the kinds: 1000 x 0.0000001; input has no price, and
  -- no kind is unpriced when the tier prices the total
  ('e1', 't-units', 'EMBEDDING', 'acme-embed', '2026-04-02 12:00+00', 1000, NULL, NULL, NULL),
  -- total_tokens wins: 1200 x 0.0000001
  ('e2', 't-units', 'EMBEDDING', 'acme-embed', '2026-04-02 12:00+00', 1000, NULL, 1200, NULL),
  -- total from usage_details: 500 x 0.0000001
  ('e3', 't-units', 'EMBEDDING', 'acme-embed', '2026-04-02 12:00+00', NULL, NULL, NULL, '{"total": 500}'),
  -- 1000 + 10 image tokens: 1010 x 0.0000001
  ('e4', 't-units', 'EMBEDDING', 'acme-embed', '2026-04-02 12:00+00', 1000, NULL, NULL, '{"input_image_tokens": 10}'),
  -- one request counted: input 1000 x 0.000001 = 0.001, plus 0.01
  ('r1', 't-units', 'RETRIEVER', 'acme-search', '2026-04-02 12:00+00', 1000, NULL, NULL, NULL),
  -- requests and search units from usage_details: 3 x 0.01 + 2 x 0.002
  ('r2', 't-units', 'RETRIEVER', 'acme-search', '2026-04-02 12:00+00', NULL, NULL, NULL, '{"request": 3, "search_units": 2}'),
  -- zero requests said: no request charged
  ('r3', 't-units', 'RETRIEVER', 'acme-search', '2026-04-02 12:00+00', NULL, NULL, NULL, '{"request": 0}'),
  -- zero tokens: still one request
  ('r4', 't-units', 'RETRIEVER', 'acme-search', '2026-04-02 12:00+00', 0, NULL, NULL, NULL),
  -- no usage at all: nothing, not even the request
  ('r5', 't-units', 'RETRIEVER', 'acme-search', '2026-04-02 12:00+00', NULL, NULL, NULL, NULL);
SELECT * FROM pg_temp.costs WHERE id ~ '^[er][0-9]' ORDER BY id;

------------------------------------------------------------------------------
-- 7. compute_cost() called directly: the same rules as the trigger.
------------------------------------------------------------------------------
SELECT input_cost, output_cost, total_cost, unpriced_usage,
       (SELECT note FROM usertrack.model_prices WHERE id = c.price_id) AS price
  FROM usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', NULL, 1000, 500) c;
SELECT input_cost, output_cost, total_cost, unpriced_usage,
       (SELECT note FROM usertrack.model_prices WHERE id = c.price_id) AS price
  FROM usertrack.compute_cost(model => 'ACME-CHAT', start_time => '2026-03-01 12:00+00',
         usage_details => '{"input_cached_tokens": 1000, "output_audio_tokens": 3}') c;
-- a tier that prices both input and total: the total is units(total) x its
-- price (1005 x 0.0000001), not the sum of the priced kinds (input alone
-- costs 0.001); the unpriced audio tokens are not listed
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, usage_prices, note)
VALUES ('acme-embed-plus', '^acme-embed-plus$', 0.000001, '{"total": 0.0000001}', 'embed-plus');
SELECT input_cost, output_cost, total_cost, unpriced_usage
  FROM usertrack.compute_cost('acme-embed-plus', '2026-04-02 12:00+00', input_tokens => 1000,
                              usage_details => '{"input_audio_tokens": 5}');
SELECT (c).* FROM (VALUES
    (usertrack.compute_cost(NULL, '2026-03-01 12:00+00', NULL, 1000, 500)),        -- no model
    (usertrack.compute_cost('acme-chat', NULL, NULL, 1000, 500)),                 -- no time
    (usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00')),                 -- no usage
    (usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', usage_details => '{}')),
    (usertrack.compute_cost('acme-nobody', '2026-03-01 12:00+00', NULL, 1000, 500)),   -- no price
    (usertrack.compute_cost('acme-future', '2026-03-01 12:00+00', NULL, 1000, 500))    -- not yet
  ) v(c);
-- tiers through compute_cost: usage, then parameter conditions
SELECT n, (SELECT note FROM usertrack.model_prices WHERE id = (usertrack.compute_cost('acme-op-ge', '2026-04-01 12:00+00', NULL, n, 0)).price_id) AS price
  FROM unnest(ARRAY[999, 1000]) n;
SELECT p, (SELECT note FROM usertrack.model_prices WHERE id = (usertrack.compute_cost('acme-param', '2026-04-01 12:00+00', p, 1, 1)).price_id) AS price
  FROM unnest(ARRAY['{"service_tier": "priority"}', '{"n": 2}', '{"stream": true}', '{}']::jsonb[]) p;

------------------------------------------------------------------------------
-- 8. Models without a price: unpriced_models.
------------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-unknown', '2026-03-10 12:00+00', 'carol');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens, total_tokens, usage_details, total_cost) VALUES
  ('u1', 't-unknown', 'acme-unknown', '2026-03-10 12:00+00', 100, 50, NULL, NULL, NULL),
  ('u2', 't-unknown', 'acme-unknown', '2026-03-12 12:00+00', 10, NULL, 100, NULL, 0.2),   -- a supplied cost
  ('u3', 't-unknown', 'acme-unknown', '2026-03-11 12:00+00', NULL, NULL, NULL, '{"characters": 5}', NULL),
  ('u4', 't-unknown', 'acme-unknown', '2026-03-13 12:00+00', NULL, NULL, NULL, NULL, NULL);  -- no usage: not listed
SELECT * FROM pg_temp.costs WHERE id LIKE 'u%' ORDER BY id;
-- acme-unknown: 3 observations, 2 without cost, 110 + 50 tokens, totals 150 + 100 + 0;
-- also the anchored, unmatched and not-yet-priced models of sections 3 and 4
SELECT * FROM usertrack.unpriced_models ORDER BY model;

------------------------------------------------------------------------------
-- 9. A price added later: old rows keep their (missing) cost until
--    recalculate_costs(), new rows use it at once.  Each filter of
--    recalculate_costs() and its count.
------------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-late', '2026-04-01 00:00+00', 'dave');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('la', 't-late', 'acme-late', '2026-04-01 10:00+00', 1000, 1000),
  ('lb', 't-late', 'acme-late', '2026-04-02 10:00+00', 1000, 1000),
  ('lc', 't-late', 'acme-late', '2026-04-03 10:00+00', 1000, 1000),
  ('ld', 't-late', 'acme-late', '2026-04-04 10:00+00', 1000, 1000),
  ('ma', 't-late', 'acme-later', '2026-04-01 10:00+00', 1000, 1000),
  ('mb', 't-late', 'acme-later', '2026-04-05 10:00+00', 1000, 1000);
SELECT model, observations, without_cost, input_tokens, output_tokens, total_tokens, first_seen, last_seen
  FROM usertrack.unpriced_models WHERE model LIKE 'acme-late%' ORDER BY model;
-- late: 1000 x 0.000001 + 1000 x 0.000002 = 0.003; later: 0.006
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note) VALUES
  ('acme-late', '^acme-late$', 0.000001, 0.000002, 'late'),
  ('acme-later', '^acme-later$', 0.000003, 0.000003, 'later');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('le', 't-late', 'acme-late', '2026-04-06 10:00+00', 1000, 1000);
-- updates that leave the model, time, parameters and usage alone keep the
-- stored cost (setting a column to its own value changes nothing either)
UPDATE usertrack.observations SET name = 'renamed', level = 'WARNING' WHERE id = 'la';
UPDATE usertrack.observations SET input_tokens = input_tokens WHERE id = 'ld';
SELECT * FROM pg_temp.costs WHERE id ~ '^[lm][a-e]$' ORDER BY id;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
-- what recalculation would give
SELECT o.id, c.total_cost FROM usertrack.observations o,
       usertrack.compute_cost(o.model, o.start_time, o.model_parameters, o.input_tokens,
                              o.output_tokens, o.total_tokens, o.usage_details) c
 WHERE o.id ~ '^[lm][a-e]$' ORDER BY o.id;
-- pattern, from and to together: from inclusive (lb), to exclusive (not lc)
SELECT usertrack.recalculate_costs('^acme-late$', '2026-04-02 10:00+00', '2026-04-03 10:00+00');
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
-- to only: la and ma
SELECT usertrack.recalculate_costs(to_time => '2026-04-02 10:00+00');
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
-- from only: ld and mb (le is already right)
SELECT usertrack.recalculate_costs(from_time => '2026-04-04 10:00+00');
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
-- pattern only, case-insensitive: lc ('acme-later' does not match)
SELECT usertrack.recalculate_costs('ACME-LATE$');
SELECT * FROM pg_temp.costs WHERE id ~ '^[lm][a-e]$' ORDER BY id;
-- 5 x 0.003 + 2 x 0.006
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE user_id = 'dave';
SELECT model FROM usertrack.unpriced_models WHERE model LIKE 'acme-late%';
-- everything is up to date: a second call changes nothing
SELECT usertrack.recalculate_costs();
SELECT usertrack.recalculate_costs('^acme-late');
SELECT usertrack.recalculate_costs(NULL, '2026-04-01 10:00+00', '2026-04-01 10:00+00');
SELECT * FROM usertrack.verify();

-- A price changed: stored costs stay until recalculated.
UPDATE usertrack.model_prices SET output_price = 0.000004 WHERE note = 'late';
SELECT id, total_cost FROM pg_temp.costs WHERE id ~ '^l[a-e]$' ORDER BY id;
SELECT usertrack.recalculate_costs('^acme-late$');
-- 1000 x 0.000001 + 1000 x 0.000004 = 0.005, for 5 rows, + 2 x 0.006
SELECT id, total_cost FROM pg_temp.costs WHERE id ~ '^l[a-e]$' ORDER BY id;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
-- A price deleted: the model is unpriced again once recalculated.
DELETE FROM usertrack.model_prices WHERE note = 'later';
SELECT id, total_cost, price FROM pg_temp.costs WHERE id ~ '^m[a-e]$' ORDER BY id;
SELECT usertrack.recalculate_costs('later');
SELECT * FROM pg_temp.costs WHERE id ~ '^m[a-e]$' ORDER BY id;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'dave';
SELECT model, observations, without_cost, input_tokens, output_tokens, total_tokens
  FROM usertrack.unpriced_models WHERE model LIKE 'acme-late%';
SELECT usertrack.recalculate_costs();
SELECT * FROM usertrack.verify();

-- Bad calls.
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs('(')$$);
SELECT pg_temp.try($$SELECT usertrack.recalculate_costs('acme', '2026-05-01 00:00+00', '2026-04-01 00:00+00')$$);
\pset format aligned
\pset tuples_only off

------------------------------------------------------------------------------
-- 10. Which updates recompute: changes of the model, start_time,
--     model_parameters, token columns or usage_details; nothing else.
------------------------------------------------------------------------------
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note)
VALUES ('acme-upd', '^acme-upd$', 0.000001, 0.000001, 'upd');
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-upd', '2026-05-01 12:00+00', 'erin');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens)
SELECT 'x' || lpad(i::text, 2, '0'), 't-upd', 'acme-upd', '2026-05-01 12:00+00', 1000, 1000
  FROM generate_series(1, 10) i;
-- the price doubles: every stored cost (0.002) is now stale
UPDATE usertrack.model_prices SET input_price = 0.000002, output_price = 0.000002 WHERE note = 'upd';
UPDATE usertrack.observations SET level = 'ERROR', name = 'n', end_time = start_time + interval '1 second', total_cost = NULL WHERE id = 'x01';  -- kept
UPDATE usertrack.observations SET input_tokens = 1000, usage_details = NULL WHERE id = 'x02';              -- kept: same values
UPDATE usertrack.observations SET model_parameters = '{"temperature": 0}' WHERE id = 'x03';                -- 0.004
UPDATE usertrack.observations SET start_time = start_time + interval '1 second' WHERE id = 'x04';          -- 0.004
UPDATE usertrack.observations SET usage_details = '{}' WHERE id = 'x05';                                   -- 0.004
UPDATE usertrack.observations SET output_tokens = 500 WHERE id = 'x06';                                    -- 0.003
UPDATE usertrack.observations SET model = 'ACME-UPD' WHERE id = 'x07';                                     -- 0.004
UPDATE usertrack.observations SET total_tokens = 2000 WHERE id = 'x08';                                    -- 0.004
UPDATE usertrack.observations SET computed_total_cost = 9 WHERE id = 'x09';                                -- kept as set
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens)
VALUES ('x10', 't-upd', 'acme-upd', '2026-05-01 12:00+00', 1000, 3000)
ON CONFLICT (id) DO UPDATE SET output_tokens = excluded.output_tokens;                                     -- 0.008
SELECT * FROM pg_temp.costs WHERE id LIKE 'x%' ORDER BY id;
-- 0.002 + 0.002 + 0.004 x 5 + 0.003 + 9 + 0.008
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE trace_id = 't-upd';
-- x01, x02 and x09 differ from compute_cost()
SELECT usertrack.recalculate_costs('^acme-upd$');
SELECT id, total_cost FROM pg_temp.costs WHERE id IN ('x01', 'x02', 'x09') ORDER BY id;
-- 0.004 x 8 + 0.003 + 0.008
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE trace_id = 't-upd';
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 11. A row inserted with its computed cost (as pg_dump restores it) keeps
--     it; unpriced_usage alone is not a computed cost.
------------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-restore', '2026-05-02 12:00+00', 'erin');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens,
    computed_input_cost, computed_output_cost, computed_total_cost, price_id, unpriced_usage) VALUES
  ('rs1', 't-restore', 'acme-chat', '2026-05-02 12:00+00', 1000, 500, 1, 2, 3, 999999, '{x}'),
  ('rs2', 't-restore', 'acme-chat', '2026-05-02 12:00+00', 1000, 500, NULL, NULL, NULL, 999999, NULL),
  ('rs3', 't-restore', 'acme-chat', '2026-05-02 12:00+00', 1000, 500, NULL, NULL, NULL, NULL, '{foo}'),
  ('rs4', 't-restore', 'acme-chat', '2026-05-02 12:00+00', 1000, 500, NULL, NULL, 0, NULL, NULL),
  ('rs5', 't-restore', 'acme-nobody', '2026-05-02 12:00+00', 1000, 500, NULL, 0.5, NULL, NULL, NULL);
SELECT c.*, o.price_id = 999999 AS carried_price_id
  FROM pg_temp.costs c JOIN usertrack.observations o USING (id)
 WHERE id LIKE 'rs%' ORDER BY id;
-- 3 + 0 + 0.006 + 0 + 0
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE trace_id = 't-restore';
SELECT * FROM usertrack.verify();
-- an update of the usage recomputes: 0.002 + 600 x 0.000008
UPDATE usertrack.observations SET output_tokens = 600 WHERE id = 'rs1';
SELECT id, computed_input_cost, computed_output_cost, computed_total_cost, price_id IS NOT NULL AS priced, unpriced_usage
  FROM usertrack.observations WHERE id = 'rs1';
-- rs2, rs4 and rs5 differ from today's prices
SELECT usertrack.recalculate_costs(from_time => '2026-05-02 00:00+00');
SELECT * FROM pg_temp.costs WHERE id LIKE 'rs%' ORDER BY id;
-- 0.0068 + 0.006 x 3 + 0
SELECT trace_id, model_cost FROM usertrack.user_traces WHERE trace_id = 't-restore';
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 12. Against a shipped price: gpt-4o-mini is priced by its shipped default
--     tier (read from the table, not written down here); an operator row
--     with the very same pattern takes precedence.
------------------------------------------------------------------------------
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES ('t-ship', '2026-03-01 12:00+00', 'frank');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('ship1', 't-ship', 'gpt-4o-mini', '2026-03-01 12:00+00', 1000, 500),
  ('ship2', 't-ship', 'GPT-4o-Mini', '2026-03-01 12:00+00', 2000, 100);
CREATE VIEW pg_temp.ship AS
SELECT o.id, p.source, p.model_name,
       p.usage_pattern IS NULL AND p.parameter_key IS NULL AS default_tier,
       o.computed_input_cost = o.input_tokens * p.input_price AS input_ok,
       o.computed_output_cost = o.output_tokens * p.output_price AS output_ok,
       o.computed_total_cost = o.input_tokens * p.input_price + o.output_tokens * p.output_price AS total_ok,
       o.unpriced_usage
  FROM usertrack.observations o LEFT JOIN usertrack.model_prices p ON p.id = o.price_id
 WHERE o.id LIKE 'ship%';
SELECT * FROM pg_temp.ship ORDER BY id;
-- the operator's row copies the shipped pattern
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note)
SELECT model_name, match_pattern, 0.000001, 0.000002, 'my-mini'
  FROM usertrack.model_prices
 WHERE source = 'default' AND model_name = 'gpt-4o-mini'
   AND usage_pattern IS NULL AND parameter_key IS NULL
 ORDER BY start_date DESC LIMIT 1;
SELECT count(*) AS same_pattern FROM usertrack.model_prices p
 WHERE p.note = 'my-mini'
   AND EXISTS (SELECT FROM usertrack.model_prices d
                WHERE d.source = 'default' AND d.match_pattern = p.match_pattern);
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('ship3', 't-ship', 'gpt-4o-mini', '2026-03-01 12:00+00', 1000, 500);
-- ship1 and ship2 keep the shipped price until recalculated
SELECT id, price = 'my-mini' AS operator_price FROM pg_temp.costs WHERE id LIKE 'ship%' ORDER BY id;
SELECT usertrack.recalculate_costs('gpt-4o-mini', '2026-03-01 00:00+00', '2026-03-02 00:00+00');
-- 0.001 + 0.001; 0.002 + 0.0002; 0.001 + 0.001
SELECT * FROM pg_temp.costs WHERE id LIKE 'ship%' ORDER BY id;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'frank';
DELETE FROM usertrack.model_prices WHERE note = 'my-mini';
SELECT usertrack.recalculate_costs('^gpt-4o-mini$');
SELECT * FROM pg_temp.ship ORDER BY id;
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 13. Bad prices: a clear error each, and nothing changes.
------------------------------------------------------------------------------
CREATE TEMP TABLE prices_before AS SELECT * FROM usertrack.model_prices;
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price) VALUES ('acme-bad', '^acme-bad$', -0.000001, 0)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price) VALUES ('acme-bad', '^acme-bad$', 0, 'NaN')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('acme-bad', '^acme-bad$', 'Infinity')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '{"input_cached_tokens": -1}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('acme-bad', '^acme-(bad$', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('acme-bad', '', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('acme-bad', '^acme-bad$', 'big', '[input', '>', 1, 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, input_price) VALUES ('acme-bad', '^acme-bad$', 'big', 'input', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_operator, usage_threshold, input_price) VALUES ('acme-bad', '^acme-bad$', 'big', '>', 1, 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('acme-bad', '^acme-bad$', 'big', 'input', '!=', 1, 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, usage_pattern, usage_operator, usage_threshold, input_price) VALUES ('acme-bad', '^acme-bad$', 'big', 'input', '>', 'NaN', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_key, input_price) VALUES ('acme-bad', '^acme-bad$', 'flex', 'service_tier', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_values, input_price) VALUES ('acme-bad', '^acme-bad$', 'flex', '{flex}', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_key, parameter_values, input_price) VALUES ('acme-bad', '^acme-bad$', 'flex', 'service_tier', '{}', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern) VALUES ('acme-bad', '^acme-bad$')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '[0.001]')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '0.001')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '{"request": "0.01"}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '{"request": null}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '{"input": 0.001}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, output_price, usage_prices) VALUES ('acme-bad', '^acme-bad$', 1, '{"output": 0.001}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, usage_prices) VALUES ('acme-bad', '^acme-bad$', '{"": 0.001}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, source) VALUES ('acme-bad', '^acme-bad$', 1, 'other')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (id, model_name, match_pattern, input_price) VALUES (999999, 'acme-bad', '^acme-bad$', 1)$$);
-- the shipped rows are read-only, and cannot be made
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, source) VALUES ('acme-bad', '^acme-bad$', 1, 'default')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (id, model_name, match_pattern, input_price, source) VALUES (999999, 'acme-bad', '^acme-bad$', 1, 'default')$$);
SELECT pg_temp.try($$UPDATE usertrack.model_prices SET source = 'default' WHERE note = 'chat'$$);
-- (which shipped row is not this test's business)
SELECT regexp_replace(pg_temp.try($$UPDATE usertrack.model_prices SET input_price = 0 WHERE id = (SELECT min(id) FROM usertrack.model_prices WHERE source = 'default')$$),
                      'Price \d+ \(model_name "[^"]*"\)', 'Price N (model_name "M")');
SELECT regexp_replace(pg_temp.try($$DELETE FROM usertrack.model_prices WHERE id = (SELECT min(id) FROM usertrack.model_prices WHERE source = 'default')$$),
                      'Price \d+ \(model_name "[^"]*"\)', 'Price N (model_name "M")');
SELECT pg_temp.try($$TRUNCATE usertrack.model_prices$$);
-- one tier without conditions per version; tier names are unique in it
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, input_price) VALUES ('acme-chat', '^acme-chat$', 'second', 1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, tier, parameter_key, parameter_values, input_price) VALUES ('acme-param', '^acme-param$', 'flex', 'service_tier', '{slow}', 1)$$);
-- updates are validated too; a multi-row statement with one bad row does nothing
SELECT pg_temp.try($$UPDATE usertrack.model_prices SET output_price = -1 WHERE note = 'chat'$$);
SELECT pg_temp.try($$UPDATE usertrack.model_prices SET usage_pattern = 'input' WHERE note = 'param:flex'$$);
SELECT pg_temp.try($$INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price) VALUES ('acme-good', '^acme-good$', 1), ('acme-bad', '^acme-bad$', -1)$$);
\pset format aligned
\pset tuples_only off
SELECT pg_temp.changed('usertrack.model_prices', 'prices_before') AS changed;
SELECT usertrack.recalculate_costs();

-- Bad usage: an error naming the row, and nothing changes.
CREATE TEMP TABLE observations_before AS SELECT * FROM usertrack.observations;
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad1', 't-basic', 'acme-chat', 1, '[1, 2]')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad2', 't-basic', 'acme-chat', 1, '12')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad3', 't-basic', 'acme-chat', 1, '{"input_cached_tokens": "12"}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad4', 't-basic', 'acme-chat', 1, '{"input_cached_tokens": -1}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad5', 't-basic', 'acme-chat', 1, '{"input_cached_tokens": {"n": 1}}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad6', 't-basic', 'acme-chat', 1, '{"input_cached_tokens": true}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, usage_details) VALUES ('bad7', 't-basic', 'acme-chat', 1, '{"": 1}')$$);
-- with no model or no price, the usage is still checked
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, usage_details) VALUES ('bad8', 't-basic', '{"characters": -5}')$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, usage_details) VALUES ('bad9', 't-basic', 'acme-nobody', '["characters"]')$$);
SELECT pg_temp.try($$UPDATE usertrack.observations SET usage_details = '{"input_cached_tokens": "many"}' WHERE id = 'b01'$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, computed_total_cost) VALUES ('bad10', 't-basic', 'acme-chat', 1, -1)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, computed_input_cost) VALUES ('bad11', 't-basic', 'acme-chat', 1, 'NaN')$$);
SELECT pg_temp.try($$SELECT usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', usage_details => '{"input_cached_tokens": "12"}')$$);
SELECT pg_temp.try($$SELECT usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', usage_details => '[]')$$);
SELECT pg_temp.try($$SELECT usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', NULL, -1, 5)$$);
SELECT pg_temp.try($$SELECT usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', total_tokens => -7)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, computed_total_cost) VALUES ('bad12', 't-basic', 'acme-chat', 1, -0.5)$$);
SELECT pg_temp.try($$INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, price_id) VALUES ('bad13', 't-basic', 'acme-chat', 1, -1)$$);
SELECT pg_temp.try($$UPDATE usertrack.observations SET price_id = -2 WHERE id = 'b01'$$);
\pset format aligned
\pset tuples_only off
SELECT pg_temp.changed('usertrack.observations', 'observations_before') AS changed;
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 14. Price changes are transactional for the price cache: a rolled-back
--     price (transaction or savepoint) prices nothing afterwards.
------------------------------------------------------------------------------
BEGIN;
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, note)
VALUES ('acme-rollback', '^acme-rollback$', 0.001, 'rollback');
SELECT total_cost FROM usertrack.compute_cost('acme-rollback', '2026-03-01 12:00+00', NULL, 2);
ROLLBACK;
SELECT total_cost, price_id FROM usertrack.compute_cost('acme-rollback', '2026-03-01 12:00+00', NULL, 2);
BEGIN;
SAVEPOINT sp;
UPDATE usertrack.model_prices SET input_price = 1 WHERE note = 'chat';
SELECT total_cost FROM usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', NULL, 2);
ROLLBACK TO SAVEPOINT sp;
SELECT total_cost FROM usertrack.compute_cost('acme-chat', '2026-03-01 12:00+00', NULL, 2);
COMMIT;

------------------------------------------------------------------------------
-- 15. Deferred mode: priced writes and recalculation go through the log;
--     the views stay exact, and the refresh folds it in.
------------------------------------------------------------------------------
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.traces (id, "timestamp", user_id) VALUES
  ('t-def1', '2026-05-10 12:00+00', 'gina'), ('t-def2', '2026-05-11 12:00+00', 'gina');
INSERT INTO usertrack.observations (id, trace_id, model, start_time, input_tokens, output_tokens) VALUES
  ('df1', 't-def1', 'acme-deferred', '2026-05-10 12:00+00', 1000, 1000),
  ('df2', 't-def2', 'acme-deferred', '2026-05-11 12:00+00', 2000, 0),
  ('df3', 't-def2', 'acme-chat', '2026-05-11 12:00+00', 1000, 500);         -- 0.006
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'gina';
SELECT * FROM usertrack.verify();
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, note)
VALUES ('acme-deferred', '^acme-deferred$', 0.000001, 0.000003, 'deferred');
SELECT usertrack.recalculate_costs('acme-deferred');
-- df1 0.001 + 0.003; df2 0.002; df3 0.006
SELECT * FROM pg_temp.costs WHERE id LIKE 'df%' ORDER BY id;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'gina';
SELECT user_id, day, model_cost FROM usertrack.user_daily WHERE user_id = 'gina' ORDER BY day;
SELECT log_rows > 0 AS logged FROM usertrack.backlog;
SELECT * FROM usertrack.verify();
UPDATE usertrack.model_prices SET output_price = 0.000001 WHERE note = 'deferred';
SELECT usertrack.recalculate_costs(NULL, '2026-05-10 00:00+00', '2026-05-11 00:00+00');
-- df1 0.001 + 0.001; df2 still 0.002
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'gina';
SELECT user_id, day, model_cost FROM usertrack.user_daily WHERE user_id = 'gina' ORDER BY day;
SELECT * FROM usertrack.verify();
SET usertrack.maintenance = immediate;
CALL usertrack.refresh();
SELECT log_rows, held_users FROM usertrack.backlog;
SELECT user_id, model_cost FROM usertrack.all_users WHERE user_id = 'gina';
SELECT * FROM usertrack.verify();

------------------------------------------------------------------------------
-- 16. The end: no model here matched a shipped pattern, everything is
--     consistent, and the operator's prices go.
------------------------------------------------------------------------------
SELECT count(*) AS acme_models_matching_shipped
  FROM (SELECT DISTINCT model FROM usertrack.observations WHERE model ILIKE '%acme-%') o
  JOIN usertrack.model_prices p ON p.source = 'default' AND o.model ~* p.match_pattern;
-- (frank's cost comes from a shipped price)
SELECT user_id, total_observations, model_cost FROM usertrack.all_users
 WHERE user_id <> 'frank' ORDER BY user_id;
SELECT users, total_observations,
       model_cost = (SELECT sum(model_cost) FROM usertrack.all_users) AS model_cost_adds_up
  FROM usertrack.totals;
SELECT usertrack.recalculate_costs();
SELECT * FROM usertrack.verify();
DELETE FROM usertrack.model_prices WHERE source = 'operator';
SELECT usertrack.recalculate_costs('^acme-');
SELECT count(*) AS priced_acme FROM usertrack.observations WHERE model ILIKE 'acme-%' AND price_id BETWEEN 1 AND 999999;
SELECT * FROM usertrack.verify();
