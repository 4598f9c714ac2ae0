-- usertrack 1.0 -> 1.1.  Version 1.0 (usertrack--1.0.sql) is frozen: every
-- change to the SQL objects ships as an upgrade script like this one, and a
-- fresh CREATE EXTENSION runs 1.0 and then each step, so a new install and an
-- upgraded one are the same by construction (test/t/005_upgrade.pl checks
-- both, and the data through each step).
\echo Use "ALTER EXTENSION usertrack UPDATE TO '1.1'" to load this file. \quit

-- 1.1 refuses some values 1.0 accepted in the operator's tables: a price
-- with start_date infinity (it never applies) or a negative usage_threshold,
-- and a rule for one user whose scope_value is longer than any user id.
-- Such rows would still be there after the upgrade, and a dump of them
-- would not restore (the check triggers run on COPY), so the upgrade stops
-- and says which rows to change first.
DO $$
DECLARE
    prices text;
    rules text;
BEGIN
    SELECT string_agg(format('%s (%s)', p.id, p.model_name), ', ' ORDER BY p.id) INTO prices
      FROM usertrack.model_prices p
     WHERE p.start_date = 'infinity' OR p.usage_threshold < 0;
    SELECT string_agg(format('%s (%s)', r.id, r.name), ', ' ORDER BY r.id) INTO rules
      FROM usertrack.alert_rules r
     WHERE r.scope = 'user' AND octet_length(r.scope_value) > 1024;
    IF prices IS NOT NULL OR rules IS NOT NULL THEN
        RAISE EXCEPTION 'usertrack 1.1 refuses rows this database has'
            USING ERRCODE = 'check_violation',
                  DETAIL = concat_ws(' ',
                      'Prices with start_date infinity or a negative usage_threshold: ' || prices || '.',
                      'Rules with scope user and a scope_value over 1024 bytes: ' || rules || '.'),
                  HINT = 'Delete or correct those rows (a price that never applies, a threshold below 0, a rule no user can match), then run ALTER EXTENSION usertrack UPDATE again.';
    END IF;
END
$$;

-- The library and the SQL objects can disagree: `make install` replaces
-- usertrack.so for every database at once, while each database keeps its
-- objects' version until ALTER EXTENSION usertrack UPDATE.
CREATE FUNCTION usertrack.library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'usertrack_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION usertrack.library_version() IS
  'The version of the installed usertrack.so (the SQL objects'' version is pg_extension.extversion; usertrack.version() shows both)';

CREATE FUNCTION usertrack.version(OUT extension_version text, OUT library_version text,
                                  OUT up_to_date boolean, OUT hint text)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e.extversion, usertrack.library_version(),
           e.extversion = usertrack.library_version(),
           CASE WHEN string_to_array(e.extversion, '.')::int[]
                     < string_to_array(usertrack.library_version(), '.')::int[]
                THEN format('Run ALTER EXTENSION usertrack UPDATE in this database: its objects are version %s, the library is %s.',
                            e.extversion, usertrack.library_version())
                WHEN e.extversion <> usertrack.library_version()
                THEN format('Install usertrack %s (the library is %s, older than this database''s objects).',
                            e.extversion, usertrack.library_version())
           END
    FROM pg_catalog.pg_extension AS e
    WHERE e.extname = 'usertrack'
$$;
COMMENT ON FUNCTION usertrack.version() IS
  'The version of this database''s usertrack objects and of the installed library, whether they agree, and what to do when they do not';

------------------------------------------------------------------------------
-- Bad input found by sql/bad_input.sql: each function below refuses what it
-- used to take silently (or refuse with a raw message).
------------------------------------------------------------------------------

-- Raising from LANGUAGE sql functions: a CASE branch or a guard statement
-- calls it only for the bad value, so the good path stays plain SQL.  It is
-- VOLATILE, so that the planner never evaluates it ahead of time, even where
-- a parameter is planned as a constant (newer PostgreSQL versions plan the
-- statements of SQL functions with their arguments as constants).
CREATE FUNCTION usertrack.raise_invalid_parameter(value anyelement, message text,
                                                  detail text, hint text)
RETURNS anyelement
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- RAISE refuses a NULL option, and an empty one would still be shown
    IF detail IS NULL AND hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = COALESCE(message, 'invalid parameter value');
    ELSIF hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = COALESCE(message, 'invalid parameter value'), DETAIL = detail;
    ELSIF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = COALESCE(message, 'invalid parameter value'), HINT = hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = COALESCE(message, 'invalid parameter value'), DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION usertrack.raise_invalid_parameter(anyelement, text, text, text) IS
  'Raises 22023 (invalid_parameter_value) with the message, detail and hint given; for the checks of the SQL functions, which call it only for a bad value';

-- user_journey(): the window check ran in a join the plan could skip when
-- the user had no trace in the window (and an inverted window has none), so
-- a bad window returned no rows.  It is now a statement of its own, run
-- before the query.
CREATE OR REPLACE FUNCTION usertrack.user_journey(user_id text, from_time timestamptz DEFAULT NULL,
                                                  to_time timestamptz DEFAULT NULL)
RETURNS TABLE (trace_id text, "timestamp" timestamptz, name text,
               session_id text, session_number bigint, new_session boolean,
               gap interval, observations bigint, total_tokens bigint,
               model_cost numeric, errors bigint, latency interval)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
-- first, and whole, so that a bad window is an error even without traces
SELECT usertrack.window_days($2, $3);
WITH t AS (
    SELECT t.id, t."timestamp", t.name, NULLIF(t.session_id, '') AS session_id,
           tt.observations, tt.total_tokens, tt.model_cost, tt.errors,
           usertrack.trace_latency(tt.first_start, tt.last_end) AS latency,
           lag(t."timestamp") OVER o AS prev_ts,
           lag(NULLIF(t.session_id, '')) OVER o AS prev_session,
           row_number() OVER o AS n
      FROM usertrack.traces t
      JOIN usertrack.trace_totals tt ON tt.trace_id = t.id
     WHERE t.user_id = $1
       AND ($2 IS NULL OR t."timestamp" >= $2)
       AND ($3 IS NULL OR t."timestamp" < $3)
    WINDOW o AS (ORDER BY t."timestamp", t.id)
), s AS (
    SELECT t.*, (t.n = 1 OR t.session_id IS DISTINCT FROM t.prev_session) AS starts FROM t
)
SELECT s.id, s."timestamp", s.name, s.session_id,
       count(*) FILTER (WHERE s.starts) OVER (ORDER BY s."timestamp", s.id),
       s.starts, s."timestamp" - s.prev_ts,
       s.observations, s.total_tokens, s.model_cost, s.errors, s.latency
  FROM s
 ORDER BY s."timestamp", s.id
$$;

-- export_user() and forget_user(): the user id '' is the key of the traces
-- without a user (user_id NULL or ''), not a user: forget_user('') erased
-- every trace without a user (those stored with ''), export_user('')
-- exported them as a user's.  Both refuse it now, before anything runs.
CREATE OR REPLACE FUNCTION usertrack.export_user(user_id text)
RETURNS jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT usertrack.raise_invalid_parameter($1, 'user_id must not be empty',
    'The user id '''' is the key of the traces without a user (user_id NULL or ''''), not a user.',
    'To read the traces without a user, SELECT FROM usertrack.traces WHERE user_id IS NULL OR user_id = ''''.')
 WHERE $1 = '';
SELECT jsonb_build_object(
    'user_id', $1,
    'exported_at', now(),
    'totals', (SELECT to_jsonb(a) FROM usertrack.all_users a WHERE a.user_id = $1),
    'traits', (SELECT t.traits FROM usertrack.user_traits t WHERE t.user_id = $1),
    'sessions', COALESCE((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.first_event, s.session_id)
                            FROM usertrack.user_sessions s WHERE s.user_id = $1), '[]'),
    'daily', COALESCE((SELECT jsonb_agg(to_jsonb(d) ORDER BY d.day)
                         FROM usertrack.user_daily d WHERE d.user_id = $1), '[]'),
    'alerts', COALESCE((SELECT jsonb_agg(to_jsonb(a) || jsonb_build_object('rule', r.name)
                                         ORDER BY a.opened_at, a.id)
                          FROM usertrack.alerts a
                          JOIN usertrack.alert_rules r ON r.id = a.rule_id
                         WHERE a.user_id = $1), '[]'),
    'traces', COALESCE((
        SELECT jsonb_agg(to_jsonb(t)
                 || jsonb_build_object(
                      'observations', COALESCE((SELECT jsonb_agg(to_jsonb(o) ORDER BY o.start_time, o.id)
                                                  FROM usertrack.observations o
                                                 WHERE o.trace_id = t.id), '[]'),
                      'scores', COALESCE((SELECT jsonb_agg(to_jsonb(s) ORDER BY s."timestamp", s.id)
                                            FROM usertrack.scores s
                                           WHERE s.trace_id = t.id), '[]'))
               ORDER BY t."timestamp", t.id)
          FROM usertrack.traces t WHERE t.user_id = $1), '[]'))
$$;

CREATE OR REPLACE FUNCTION usertrack.forget_user(user_id text)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
SELECT usertrack.raise_invalid_parameter($1, 'user_id must not be empty',
    'The user id '''' is the key of the traces without a user (user_id NULL or ''''), not a user.',
    'To delete the traces without a user, DELETE FROM usertrack.traces WHERE user_id IS NULL OR user_id = '''' (after their observations and scores, if those should go too).')
 WHERE $1 = '';
WITH s AS (
    DELETE FROM usertrack.scores s
     USING usertrack.traces t
     WHERE t.user_id = $1 AND s.trace_id = t.id
    RETURNING 1
), o AS (
    DELETE FROM usertrack.observations o
     USING usertrack.traces t
     WHERE t.user_id = $1 AND o.trace_id = t.id
    RETURNING 1
), t AS (
    DELETE FROM usertrack.traces t WHERE t.user_id = $1
    RETURNING 1
), u AS (
    DELETE FROM usertrack.user_traits_set u WHERE u.user_id = $1
    RETURNING 1
), a AS (
    DELETE FROM usertrack.alerts a WHERE a.user_id = $1
    RETURNING 1
), r AS (
    -- rules for this user alone name the user
    DELETE FROM usertrack.alert_rules r WHERE r.scope = 'user' AND r.scope_value = $1
    RETURNING 1
)
SELECT 'scores', (SELECT count(*) FROM s)
UNION ALL SELECT 'observations', (SELECT count(*) FROM o)
UNION ALL SELECT 'traces', (SELECT count(*) FROM t)
UNION ALL SELECT 'user_traits_set', (SELECT count(*) FROM u)
UNION ALL SELECT 'alerts', (SELECT count(*) FROM a)
UNION ALL SELECT 'alert_rules', (SELECT count(*) FROM r)
$$;

-- purge(): -infinity is no finite time either (it deleted nothing).  The
-- lines of the body stay where they were: errors report them (CONTEXT).
CREATE OR REPLACE PROCEDURE usertrack.purge(older_than timestamptz, batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
    ids text[];
    n bigint;
    n_traces bigint := 0;
    n_observations bigint := 0;
    n_scores bigint := 0;
BEGIN
    IF older_than IS NULL OR older_than OPERATOR(pg_catalog.=) ANY ('{infinity,-infinity}'::timestamptz[]) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'older_than must be a finite time',
            DETAIL = pg_catalog.format('usertrack.purge() was called with older_than = %s.',
                                       COALESCE(older_than::text, 'NULL')),
            HINT = CASE WHEN older_than OPERATOR(pg_catalog.=) '-infinity'::timestamptz THEN 'Nothing is older than -infinity: give a finite time, such as now() - interval ''90 days''.' ELSE 'To delete everything, use TRUNCATE on the input tables.' END;
    END IF;
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'batch_size must be 1 or more',
            DETAIL = pg_catalog.format('usertrack.purge() was called with batch_size = %s.',
                                       COALESCE(batch_size::text, 'NULL'));
    END IF;
        LOOP
            SELECT pg_catalog.array_agg(t.id) INTO ids
              FROM (SELECT x.id FROM usertrack.traces x
                     WHERE x."timestamp" OPERATOR(pg_catalog.<) older_than
                     LIMIT batch_size) t;
            EXIT WHEN ids IS NULL;
            DELETE FROM usertrack.scores s WHERE s.trace_id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_scores := n_scores OPERATOR(pg_catalog.+) n;
            DELETE FROM usertrack.observations o WHERE o.trace_id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_observations := n_observations OPERATOR(pg_catalog.+) n;
            DELETE FROM usertrack.traces t WHERE t.id OPERATOR(pg_catalog.=) ANY (ids);
            GET DIAGNOSTICS n = ROW_COUNT;
            n_traces := n_traces OPERATOR(pg_catalog.+) n;
            COMMIT;
        END LOOP;
        LOOP
            DELETE FROM usertrack.observations o
             WHERE o.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
                   SELECT x.ctid FROM usertrack.observations x
                    WHERE x.start_time OPERATOR(pg_catalog.<) older_than
                      AND NOT EXISTS (SELECT FROM usertrack.traces t
                                       WHERE t.id OPERATOR(pg_catalog.=) x.trace_id)
                    LIMIT batch_size));
            GET DIAGNOSTICS n = ROW_COUNT;
            n_observations := n_observations OPERATOR(pg_catalog.+) n;
            COMMIT;
            EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        END LOOP;
        LOOP
            DELETE FROM usertrack.scores s
             WHERE s.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
                   SELECT x.ctid FROM usertrack.scores x
                    WHERE x."timestamp" OPERATOR(pg_catalog.<) older_than
                      AND NOT EXISTS (SELECT FROM usertrack.traces t
                                       WHERE t.id OPERATOR(pg_catalog.=) x.trace_id)
                    LIMIT batch_size));
            GET DIAGNOSTICS n = ROW_COUNT;
            n_scores := n_scores OPERATOR(pg_catalog.+) n;
            COMMIT;
            EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        END LOOP;
    RAISE NOTICE 'usertrack.purge: deleted % traces, % observations and % scores before %',
        n_traces, n_observations, n_scores, older_than;
END
$$;

-- set_user_traits(): a user id over 1024 bytes gets the error the input
-- tables give (22001), not the CHECK constraint of user_traits_set.
CREATE OR REPLACE FUNCTION usertrack.set_user_traits(user_id text, traits jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    IF user_id IS NULL OR user_id = '' THEN
        RAISE EXCEPTION 'user_id must not be empty'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF octet_length(user_id) > 1024 THEN
        RAISE EXCEPTION 'value too long for user_id of usertrack.set_user_traits()'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = format('user_id is %s bytes long; at most 1024 bytes are allowed.',
                                  octet_length(user_id)),
                  HINT = 'User ids are strings of 1 to 1024 bytes, as in usertrack.traces.';
    END IF;
    IF traits IS NULL OR jsonb_typeof(traits) <> 'object' THEN
        RAISE EXCEPTION 'traits must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('User %s was given %s.', quote_literal(user_id),
                                  COALESCE(jsonb_typeof(traits), 'NULL')),
                  HINT = 'Pass an object such as {"plan": "pro"}; a key set to null removes it.';
    END IF;
    -- create the row, then merge under its lock: a concurrent merge is
    -- seen, never lost.  Removals stay as null values, so that they also
    -- remove a trait the traces give.
    INSERT INTO usertrack.user_traits_set AS u (user_id) VALUES (set_user_traits.user_id)
    ON CONFLICT ON CONSTRAINT user_traits_set_pkey DO NOTHING;
    UPDATE usertrack.user_traits_set AS u
       SET traits = u.traits || set_user_traits.traits, updated_at = now()
     WHERE u.user_id = set_user_traits.user_id;
    SELECT t.traits INTO result FROM usertrack.user_traits t
     WHERE t.user_id = set_user_traits.user_id;
    RETURN result;
END
$$;

-- merge_traits(): a non-object argument failed inside jsonb_each() with
-- PostgreSQL's "cannot call jsonb_each on a non-object".  It stays SQL (the
-- C triggers call it for every trace that carries traits, and the view
-- user_traits for every row): the CASE calls the raising helper only for a
-- value that is not an object, NULL still counting as {}.
CREATE OR REPLACE FUNCTION usertrack.merge_traits(old jsonb, new jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT COALESCE(jsonb_object_agg(e.key, e.value), '{}')
  FROM jsonb_each(
           COALESCE(CASE WHEN jsonb_typeof($1) <> 'object'
                         THEN usertrack.raise_invalid_parameter($1, 'traits must be a JSON object',
                                  format('Argument old of usertrack.merge_traits() is a JSON %s.', jsonb_typeof($1)),
                                  'Pass JSON objects, or NULL for no traits.')
                         ELSE $1 END, '{}')
        || COALESCE(CASE WHEN jsonb_typeof($2) <> 'object'
                         THEN usertrack.raise_invalid_parameter($2, 'traits must be a JSON object',
                                  format('Argument new of usertrack.merge_traits() is a JSON %s.', jsonb_typeof($2)),
                                  'Pass JSON objects, or NULL for no traits.')
                         ELSE $2 END, '{}')) e
 WHERE e.value <> 'null'::jsonb
$$;

-- check_metric(): a NULL list of allowed metrics accepted every metric (and
-- a NULL element in the list every metric not in it).
CREATE OR REPLACE FUNCTION usertrack.check_metric(metric text, allowed text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF allowed IS NULL THEN
        RAISE EXCEPTION 'allowed must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('usertrack.check_metric() was called with metric %s and allowed = NULL.',
                                  COALESCE(quote_literal(metric), 'NULL')),
                  HINT = 'Pass the array of the metrics the caller accepts.';
    END IF;
    IF metric IS NULL OR NOT COALESCE(metric = ANY (allowed), false) THEN
        RAISE EXCEPTION 'unknown metric: %', COALESCE(quote_literal(metric), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The metric is one of %s.', array_to_string(allowed, ', '));
    END IF;
    RETURN metric;
END
$$;

-- alert_rules_check(): a user scope for a user id over 1024 bytes (a rule
-- that could never apply) is refused, after the scope check.
CREATE OR REPLACE FUNCTION usertrack.alert_rules_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r usertrack.alert_rules := NEW;
    what text;
BEGIN
    what := format('Rule %s.', COALESCE(quote_literal(r.name), 'without a name'));
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'the id of an alert rule cannot change'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column id. ' || what,
                  HINT = 'Its alerts name it; create a new rule instead.';
    END IF;
    IF r.name IS NULL OR r.name = '' OR octet_length(r.name) > 200 THEN
        RAISE EXCEPTION 'invalid name in usertrack.alert_rules'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Column name must be 1 to 200 bytes. ' || what;
    END IF;
    IF r.metric IS NULL OR r.metric NOT IN ('model_cost', 'total_tokens', 'total_events', 'errors', 'error_rate') THEN
        RAISE EXCEPTION 'unknown metric % in usertrack.alert_rules', quote_nullable(r.metric)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column metric. ' || what,
                  HINT = 'Use model_cost, total_tokens, total_events, errors or error_rate.';
    END IF;
    IF r.window_kind IS NULL OR r.window_kind NOT IN ('rolling', 'day', 'month') THEN
        RAISE EXCEPTION 'unknown window kind % in usertrack.alert_rules', quote_nullable(r.window_kind)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_kind. ' || what,
                  HINT = 'Use rolling (with window_length), day or month (with time_zone).';
    END IF;
    IF r.window_kind = 'rolling' THEN
        IF r.window_length IS NULL OR r.window_length <= interval '0'
           OR extract(month FROM r.window_length) <> 0 OR extract(year FROM r.window_length) <> 0
           OR r.window_length > interval '366 days'
           OR extract(epoch FROM r.window_length) % 900 <> 0 THEN
            RAISE EXCEPTION 'invalid rolling window % in usertrack.alert_rules', quote_nullable(r.window_length::text)
                USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_length. ' || what,
                      HINT = 'A rolling window is a positive whole number of quarter hours, at most 366 days, in days, hours and minutes (no months): ''1 hour'', ''24 hours'', ''30 days''. For calendar months use window_kind month.';
        END IF;
    ELSIF r.window_length IS NOT NULL THEN
        RAISE EXCEPTION 'window_length is only for rolling windows'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column window_length. ' || what,
                  HINT = 'Leave it NULL for window_kind day or month.';
    END IF;
    BEGIN
        PERFORM timezone(r.time_zone, timestamptz '2000-01-01 00:00:00+00');
    EXCEPTION WHEN invalid_parameter_value OR feature_not_supported OR null_value_not_allowed THEN
        RAISE EXCEPTION 'unknown time zone % in usertrack.alert_rules', quote_nullable(r.time_zone)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column time_zone. ' || what,
                  HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin or UTC.';
    END;
    IF r.time_zone IS NULL THEN
        RAISE EXCEPTION 'unknown time zone NULL in usertrack.alert_rules'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column time_zone. ' || what;
    END IF;
    IF r.threshold IS NULL OR r.threshold = 'NaN'::numeric OR r.threshold <= 0
       OR r.threshold IN ('Infinity'::numeric, '-Infinity'::numeric)
       OR (r.metric = 'error_rate' AND r.threshold > 1) THEN
        RAISE EXCEPTION 'invalid threshold % in usertrack.alert_rules', quote_nullable(r.threshold::text)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column threshold. ' || what,
                  HINT = 'A threshold is a finite number above 0; for error_rate a fraction up to 1.';
    END IF;
    IF r.scope IS NULL OR NOT (
           (r.scope = 'all' AND r.scope_key IS NULL AND r.scope_value IS NULL)
        OR (r.scope = 'user' AND r.scope_key IS NULL AND r.scope_value IS NOT NULL AND r.scope_value <> '')
        OR (r.scope = 'trait' AND r.scope_key IS NOT NULL AND r.scope_key <> '' AND r.scope_value IS NOT NULL)) THEN
        RAISE EXCEPTION 'invalid scope % in usertrack.alert_rules', quote_nullable(r.scope)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Columns scope, scope_key, scope_value. ' || what,
                  HINT = 'Use scope all (no key, no value), user (scope_value the user id) or trait (scope_key the trait, scope_value its value as text).';
    END IF;
    IF r.scope = 'user' AND octet_length(r.scope_value) > 1024 THEN
        RAISE EXCEPTION 'user id too long in scope_value of usertrack.alert_rules'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column scope_value. ' || what,
                  HINT = format('scope_value is %s bytes long, and a user id has at most 1024 bytes: the rule could never apply.',
                                octet_length(r.scope_value));
    END IF;
    IF r.min_observations IS NULL OR r.min_observations < 1 THEN
        RAISE EXCEPTION 'invalid min_observations % in usertrack.alert_rules', quote_nullable(r.min_observations::text)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Column min_observations. ' || what;
    END IF;
    RETURN NEW;
END
$$;
