-- The extension's shape: schema membership, control properties, comments.
SELECT extname, extversion, extrelocatable, n.nspname AS extschema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'usertrack';

-- the schema is a member of the extension
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'usertrack')
   AND classid = 'pg_namespace'::regclass;

-- tables and views of the schema
SELECT c.relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'usertrack' AND c.relkind IN ('r', 'v')
 ORDER BY c.relkind, c.relname;

-- every table, view and column has a comment
SELECT c.relname, a.attname
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = 'usertrack' AND c.relkind IN ('r', 'v')
   AND (obj_description(c.oid, 'pg_class') IS NULL
        OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL));

-- every function has a comment and a stated volatility
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict,
       p.proconfig, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'usertrack'
 ORDER BY p.proname;

-- the input tables are dumped by pg_dump, the maintained ones are not
SELECT unnest(extconfig)::regclass AS dumped
  FROM pg_extension WHERE extname = 'usertrack' ORDER BY 1;

-- statement-level AFTER triggers with transition tables
SELECT tgrelid::regclass AS tab, tgname, tgoldtable, tgnewtable
  FROM pg_trigger
 WHERE tgrelid IN ('usertrack.traces'::regclass, 'usertrack.observations'::regclass,
                   'usertrack.scores'::regclass)
 ORDER BY 1, 2;

-- a schema created beforehand makes CREATE EXTENSION fail instead of being reused
DROP EXTENSION usertrack;
CREATE SCHEMA usertrack;
CREATE EXTENSION usertrack;
DROP SCHEMA usertrack;
CREATE EXTENSION usertrack;
SELECT count(*) AS views FROM pg_views WHERE schemaname = 'usertrack';

-- the functions refuse to be called outside their trigger
SELECT usertrack.traces_changed();
SELECT usertrack.observation_cost();
-- ... and to run on any table but their own, even when someone who may
-- attaches them there (they read prices as the extension owner)
CREATE TABLE public.fake_observations (id text, model text, start_time timestamptz,
    model_parameters jsonb, input_tokens bigint, output_tokens bigint,
    total_tokens bigint, usage_details jsonb, computed_input_cost numeric,
    computed_output_cost numeric, computed_total_cost numeric, price_id bigint,
    unpriced_usage text[]);
CREATE TRIGGER price BEFORE INSERT ON public.fake_observations
    FOR EACH ROW EXECUTE FUNCTION usertrack.observation_cost();
INSERT INTO public.fake_observations (id, model, start_time, input_tokens)
VALUES ('o1', 'gpt-4o', '2026-01-01', 10);
CREATE TRIGGER invalidate AFTER INSERT ON public.fake_observations
    FOR EACH STATEMENT EXECUTE FUNCTION usertrack.model_prices_changed();
DROP TRIGGER price ON public.fake_observations;
INSERT INTO public.fake_observations (id) VALUES ('o2');
DROP TABLE public.fake_observations;
