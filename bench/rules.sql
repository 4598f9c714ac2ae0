-- bench/rules.sql: a realistic set of up to 20 alert rules and budgets,
-- for bench/budgets.sh and bench/ingest.sh (RULES=n takes the first n).
-- psql variable: rules (how many, 0 to 20).
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, time_zone,
                                   threshold, scope, scope_key, scope_value, hard_budget,
                                   min_observations)
SELECT name, metric, window_kind, window_length::interval, time_zone, threshold, scope,
       scope_key, scope_value, hard_budget, min_observations
  FROM (VALUES
    (1, 'cost 5 in 24h', 'model_cost', 'rolling', '24 hours', 'UTC', 5, 'all', NULL, NULL, false, 1),
    (2, 'cost 1 in 1h', 'model_cost', 'rolling', '1 hour', 'UTC', 1, 'all', NULL, NULL, false, 1),
    (3, 'cost 50 in 30 days', 'model_cost', 'rolling', '30 days', 'UTC', 50, 'all', NULL, NULL, true, 1),
    (4, 'errors 20 in 1h', 'errors', 'rolling', '1 hour', 'UTC', 20, 'all', NULL, NULL, false, 1),
    (5, 'error rate 1h', 'error_rate', 'rolling', '1 hour', 'UTC', 0.5, 'all', NULL, NULL, false, 20),
    (6, 'free tokens month', 'total_tokens', 'month', NULL, 'UTC', 100000, 'trait', 'plan', 'free', true, 1),
    (7, 'daily cost Berlin', 'model_cost', 'day', NULL, 'Europe/Berlin', 10, 'all', NULL, NULL, true, 1),
    (8, 'daily tokens India', 'total_tokens', 'day', NULL, 'Asia/Kolkata', 500000, 'all', NULL, NULL, false, 1),
    (9, 'events 200 in 1h', 'total_events', 'rolling', '1 hour', 'UTC', 200, 'all', NULL, NULL, false, 1),
    (10, 'monthly cost New York', 'model_cost', 'month', NULL, 'America/New_York', 100, 'all', NULL, NULL, true, 1),
    (11, 'pro tokens day', 'total_tokens', 'day', NULL, 'UTC', 2000000, 'trait', 'plan', 'pro', false, 1),
    (12, 'errors 100 in 24h', 'errors', 'rolling', '24 hours', 'UTC', 100, 'all', NULL, NULL, false, 1),
    (13, 'tokens 1M in 24h', 'total_tokens', 'rolling', '24 hours', 'UTC', 1000000, 'all', NULL, NULL, false, 1),
    (14, 'cost 20 in 7 days', 'model_cost', 'rolling', '7 days', 'UTC', 20, 'all', NULL, NULL, false, 1),
    (15, 'error rate 24h', 'error_rate', 'rolling', '24 hours', 'UTC', 0.2, 'all', NULL, NULL, false, 50),
    (16, 'events 1000 a day Tokyo', 'total_events', 'day', NULL, 'Asia/Tokyo', 1000, 'all', NULL, NULL, false, 1),
    (17, 'service account cost', 'model_cost', 'rolling', '1 hour', 'UTC', 2, 'user', NULL, 'user_1', true, 1),
    (18, 'free cost 24h', 'model_cost', 'rolling', '24 hours', 'UTC', 0.5, 'trait', 'plan', 'free', true, 1),
    (19, 'tokens 5M a month', 'total_tokens', 'month', NULL, 'UTC', 5000000, 'all', NULL, NULL, false, 1),
    (20, 'cost 0.5 in 15 minutes', 'model_cost', 'rolling', '15 minutes', 'UTC', 0.5, 'all', NULL, NULL, false, 1)
  ) r(n, name, metric, window_kind, window_length, time_zone, threshold, scope, scope_key,
      scope_value, hard_budget, min_observations)
 WHERE n <= :rules
 ORDER BY n;
