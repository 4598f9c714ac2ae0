-- Triggers of the user's own on the input tables that write the same rows
-- again, from inside the statement: the totals follow what the rows finally
-- say, whatever order the nested statements are applied in.
TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores;
SET TIME ZONE 'UTC';

-- user ids normalised to lower case by an AFTER ROW trigger
CREATE FUNCTION pg_temp.lower_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.user_id <> lower(NEW.user_id) THEN
    UPDATE usertrack.traces SET user_id = lower(NEW.user_id) WHERE id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER normalize AFTER INSERT OR UPDATE ON usertrack.traces
  FOR EACH ROW EXECUTE FUNCTION pg_temp.lower_user();
INSERT INTO usertrack.traces (id, user_id, "timestamp")
VALUES ('X', 'Bob', '2026-01-01 10:00+00'), ('Y', 'ann', '2026-01-02 10:00+00');
SELECT trace_id, present, user_id, day FROM usertrack.trace_totals ORDER BY 1;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, start_time)
VALUES ('o1', 'X', 10, '2026-01-01 10:00+00');
UPDATE usertrack.traces SET user_id = 'ANN' WHERE id = 'X';
SELECT user_id, total_events, total_observations, input_tokens FROM usertrack.all_users ORDER BY 1;
SELECT * FROM usertrack.verify();
DROP TRIGGER normalize ON usertrack.traces;

-- test traces deleted again by an AFTER ROW trigger as they arrive
CREATE FUNCTION pg_temp.drop_test() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name = 'test' THEN DELETE FROM usertrack.traces WHERE id = NEW.id; END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER drop_test AFTER INSERT ON usertrack.traces
  FOR EACH ROW EXECUTE FUNCTION pg_temp.drop_test();
INSERT INTO usertrack.traces (id, name, user_id, "timestamp")
VALUES ('D', 'test', 'dan', '2026-01-01 10:00+00'), ('E', 'real', 'eve', '2026-01-01 11:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, start_time)
VALUES ('od', 'D', 1, '2026-01-01 10:00+00'), ('oe', 'E', 2, '2026-01-01 11:00+00');
SELECT trace_id, present, user_id, observations FROM usertrack.trace_totals ORDER BY 1;
SELECT user_id, total_events, total_observations FROM usertrack.all_users ORDER BY 1;
SELECT * FROM usertrack.verify();
DROP TRIGGER drop_test ON usertrack.traces;
