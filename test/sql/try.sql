-- pg_temp.try(stmt): runs a statement and shows its outcome: 'ok', or the
-- SQLSTATE, message, detail and hint of its error.  Included by the
-- regression suites that test errors (\i :abs_srcdir/test/sql/try.sql).
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN st || ' ' || msg
        || CASE WHEN det <> '' THEN E'\n  detail: ' || det ELSE '' END
        || CASE WHEN hnt <> '' THEN E'\n  hint: ' || hnt ELSE '' END;
END $$;
