-- usertrack 1.0 -> 1.1.  Version 1.0 (usertrack--1.0.sql) is frozen: every
-- change to the SQL objects ships as an upgrade script like this one, and a
-- fresh CREATE EXTENSION runs 1.0 and then each step, so a new install and an
-- upgraded one are the same by construction (test/t/005_upgrade.pl checks
-- both, and the data through each step).
\echo Use "ALTER EXTENSION usertrack UPDATE TO '1.1'" to load this file. \quit

-- The library and the SQL objects can disagree: `make install` replaces
-- usertrack.so for every database at once, while each database keeps its
-- objects' version until ALTER EXTENSION usertrack UPDATE.
CREATE FUNCTION usertrack.library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'usertrack_library_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
           CASE WHEN e.extversion <> usertrack.library_version()
                THEN format('Run ALTER EXTENSION usertrack UPDATE in this database: its objects are version %s, the library is %s.',
                            e.extversion, usertrack.library_version())
           END
    FROM pg_catalog.pg_extension AS e
    WHERE e.extname = 'usertrack'
$$;
COMMENT ON FUNCTION usertrack.version() IS
  'The version of this database''s usertrack objects and of the installed library, whether they agree, and what to do when they do not';
