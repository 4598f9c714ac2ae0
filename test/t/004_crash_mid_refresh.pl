# A crash in the middle of CALL usertrack.refresh() loses nothing.
#
# The refresh folds the deferred log (usertrack.pending_deltas) in batches,
# one transaction each.  After a crash, the batches that committed must be
# folded for good, the batch in progress must be rolled back whole (its log
# rows back in the log, its changes of the session, day and user rows
# gone), usertrack.verify() must be empty, and the session-level advisory
# lock that keeps a second refresh out must have gone with the crashed
# backend, so that the next refresh runs and drains the log.
#
# The refresh is stopped at a known point by a transaction that holds the
# user_held row of a marker user (SELECT ... FOR UPDATE): the log rows of
# that user sit in the middle of the log, so the refresh commits the batches
# before them and then waits in the batch that folds them.  Two crashes:
#
#   1. stop in immediate mode while the refresh waits in its batch (after a
#      CHECKPOINT that writes that batch's uncommitted changes to disk);
#   2. kill -9 of the backend running the refresh, a moment after the
#      first marker is released, while it folds the batches between two
#      markers (a second marker, later in the log, keeps it from finishing
#      whatever the timing); the postmaster then reinitialises and runs
#      crash recovery by itself.
#
# A third case is no crash: the refresh is cancelled (pg_cancel_backend, as
# statement_timeout would) while it waits, and its session stays connected.
# The batch in progress must roll back as in a crash; the refresh's
# advisory lock should not outlive the CALL, else every later refresh, from
# pg_cron or elsewhere, returns at once saying another one is running, as
# long as that session lives.  (The refresh catches query_canceled as well
# as other errors around everything but its COMMITs, and a new refresh in
# the same session first drops a lock a cancelled one may have left.)
#
# Each crash gets a fresh backlog of a little over 30,000 log rows: 30,000
# single-row statements in deferred mode (a trace, then an observation and
# a score of it, each writing one log row), with some changes of user and
# deletes among them, committed every 1,500 statements.
#
# The tests create their own clusters, so they must run as a user other
# than root.  The extension must be installed first (as root: make install).
# Run as user postgres from a copy of the tree that postgres owns:
#
#   rm -rf /tmp/usertrack-tap && cp -a /work/main /tmp/usertrack-tap &&
#       chown -R postgres: /tmp/usertrack-tap
#   cd /tmp/usertrack-tap && runuser -u postgres -- \
#       make installcheck REGRESS= ISOLATION= PROVE_TESTS=test/t/004_crash_mid_refresh.pl
#
# Logs go to tmp_check/log/ of the directory the test runs in.

use strict;
use warnings;

use IPC::Run;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $batch_size = 500;

my $node = PostgreSQL::Test::Cluster->new('crash_refresh');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
restart_after_crash = on
max_connections = 20
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION usertrack');

# Everything the views show, in a stable text form.  The views are exact
# whatever is folded, so this must not change while the refresh runs,
# across a crash, or when the log is drained.
my $views_query = q{
SELECT 'all_users', pg_catalog.count(*), pg_catalog.md5(COALESCE(pg_catalog.string_agg(a::text, '|' ORDER BY a.user_id), ''))
  FROM usertrack.all_users a
UNION ALL
SELECT 'user_sessions', pg_catalog.count(*), pg_catalog.md5(COALESCE(pg_catalog.string_agg(s::text, '|' ORDER BY s.user_id, s.session_id), ''))
  FROM usertrack.user_sessions s
UNION ALL
SELECT 'user_daily', pg_catalog.count(*), pg_catalog.md5(COALESCE(pg_catalog.string_agg(d::text, '|' ORDER BY d.user_id, d.day), ''))
  FROM usertrack.user_daily d
UNION ALL
SELECT 'user_traces', pg_catalog.count(*), pg_catalog.md5(COALESCE(pg_catalog.string_agg(t::text, '|' ORDER BY t.trace_id), ''))
  FROM usertrack.user_traces t
UNION ALL
SELECT 'totals', 1, pg_catalog.md5(t::text) FROM usertrack.totals t
ORDER BY 1};

# A second oracle besides verify(): all_users against a plain GROUP BY over
# the input tables; one row per user that differs.
my $oracle_query = q{
WITH o AS (
    SELECT trace_id, pg_catalog.count(*) AS n,
           pg_catalog.sum(COALESCE(input_tokens, 0)) AS input_tokens,
           pg_catalog.sum(COALESCE(output_tokens, 0)) AS output_tokens,
           pg_catalog.sum(COALESCE(total_tokens, COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))) AS total_tokens,
           pg_catalog.sum(COALESCE(total_cost, input_cost + output_cost, input_cost, output_cost, 0)) AS cost,
           pg_catalog.count(*) FILTER (WHERE level = 'ERROR') AS errors
      FROM usertrack.observations GROUP BY trace_id
), s AS (
    SELECT trace_id, pg_catalog.count(*) AS n FROM usertrack.scores GROUP BY trace_id
), fresh AS (
    SELECT t.user_id, pg_catalog.min(t."timestamp") AS first_event,
           pg_catalog.max(t."timestamp") AS last_event,
           pg_catalog.count(*)::numeric AS total_events,
           COALESCE(pg_catalog.sum(o.n), 0) AS total_observations,
           COALESCE(pg_catalog.sum(o.input_tokens), 0) AS input_tokens,
           COALESCE(pg_catalog.sum(o.output_tokens), 0) AS output_tokens,
           COALESCE(pg_catalog.sum(o.total_tokens), 0) AS total_tokens,
           COALESCE(pg_catalog.sum(o.cost), 0) AS model_cost,
           pg_catalog.count(DISTINCT NULLIF(t.session_id, ''))::numeric AS sessions,
           COALESCE(pg_catalog.sum(s.n), 0) AS scores,
           COALESCE(pg_catalog.sum(o.errors), 0) AS errors,
           pg_catalog.count(DISTINCT (t."timestamp" AT TIME ZONE 'UTC')::date)::numeric AS active_days
      FROM usertrack.traces t
      LEFT JOIN o ON o.trace_id = t.id
      LEFT JOIN s ON s.trace_id = t.id
     WHERE t.user_id <> ''
     GROUP BY t.user_id
), shown AS (
    SELECT user_id, first_event, last_event, total_events::numeric,
           total_observations::numeric, input_tokens::numeric,
           output_tokens::numeric, total_tokens::numeric, model_cost,
           sessions::numeric, scores::numeric, errors::numeric,
           active_days::numeric
      FROM usertrack.all_users
)
SELECT 'shown', * FROM (TABLE shown EXCEPT TABLE fresh) a
UNION ALL
SELECT 'fresh', * FROM (TABLE fresh EXCEPT TABLE shown) b
ORDER BY 2, 1 LIMIT 20};

my $backlog_query = q{SELECT log_rows || ' ' || held_users FROM usertrack.backlog};

sub verify_is_empty
{
	my ($what) = @_;
	is($node->safe_psql('postgres', 'SELECT * FROM usertrack.verify() LIMIT 20'),
		'', "verify() is empty $what");
}

sub oracle_agrees
{
	my ($what) = @_;
	is($node->safe_psql('postgres', $oracle_query),
		'', "all_users equals a GROUP BY over the input tables $what");
}

sub log_rows
{
	return $node->safe_psql('postgres',
		'SELECT pg_catalog.count(*) FROM usertrack.pending_deltas');
}

sub log_rows_of
{
	my ($user) = @_;
	return $node->safe_psql('postgres',
		"SELECT pg_catalog.count(*) FROM usertrack.pending_deltas WHERE user_id = '$user'");
}

sub refresh_runs
{
	return $node->safe_psql('postgres',
		'SELECT pg_catalog.count(*) FROM usertrack.refresh_runs');
}

sub advisory_locks
{
	return $node->safe_psql('postgres',
		q{SELECT pg_catalog.count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory'});
}

# Loads, in immediate mode, a few traces with observations and scores for
# every user of the round, so that they are settled users with rows in
# user_totals, user_session_totals and user_daily_totals when the deferred
# writes begin (the first deferred write of each moves it to user_held).
sub load_settled
{
	my ($round) = @_;
	$node->safe_psql(
		'postgres', qq{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
SELECT 'B$round-' || i,
       CASE WHEN i % 20 = 0 THEN NULL
            WHEN i % 20 = 1 THEN 'mark-a'
            WHEN i % 20 = 2 THEN 'mark-b'
            WHEN i % 2 = 0 THEN 'heavy-' || (i % 3)
            ELSE 'user-' || (i % 37) END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'sess-' || (i % 61) END,
       timestamptz '2024-05-01 00:00+00' + $round * interval '60 days'
           + i * interval '41 minutes'
  FROM pg_catalog.generate_series(1, 400) AS i;
INSERT INTO usertrack.observations
       (id, trace_id, type, input_tokens, output_tokens, total_tokens,
        total_cost, level, start_time, end_time)
SELECT 'B$round-ob-' || i, 'B$round-' || (i % 400 + 1), 'GENERATION',
       i % 300, i % 40, CASE WHEN i % 7 = 0 THEN i END,
       CASE WHEN i % 2 = 0 THEN (i % 90) / 100.0 END,
       CASE WHEN i % 23 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute',
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute' + interval '4 seconds'
  FROM pg_catalog.generate_series(1, 900) AS i;
INSERT INTO usertrack.scores (id, trace_id, name, value)
SELECT 'B$round-sc-' || i, 'B$round-' || (i * 2), 'helpfulness', (i % 5) / 4.0
  FROM pg_catalog.generate_series(1, 150) AS i;
});
}

# 30,000 single-row statements in deferred mode, 1,500 to a transaction.
# Group g writes trace R<round>-g, then an observation and a score of it:
# three statements, three log rows.  The marker users mark-a and mark-b
# appear only in groups 3000..3032 and 7000..7032, so their log rows are
# two runs of 99 consecutive rows in the middle of the log.  Now and then a
# trace changes user (two log rows), an observation is deleted, a trace is
# deleted (timestamps removed: first and last events to recompute).
sub load_deferred
{
	my ($round) = @_;
	$node->safe_psql(
		'postgres', qq{
SET usertrack.maintenance = deferred;
DO \$\$
DECLARE
    u text;
    s text;
    ts timestamptz;
    tid text;
BEGIN
    FOR g IN 0..9999 LOOP
        u := CASE WHEN g BETWEEN 3000 AND 3032 THEN 'mark-a'
                  WHEN g BETWEEN 7000 AND 7032 THEN 'mark-b'
                  WHEN g % 25 = 0 THEN NULL
                  WHEN g % 2 = 0 THEN 'heavy-' || (g % 3)
                  ELSE 'user-' || (g % 37) END;
        s := CASE WHEN g % 5 = 0 THEN NULL ELSE 'sess-' || (g % 61) END;
        ts := timestamptz '2024-06-01 00:00+00' + $round * interval '200 days'
              + g * interval '17 minutes';
        tid := 'R$round-' || g;
        INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
        VALUES (tid, u, s, ts);
        INSERT INTO usertrack.observations
               (id, trace_id, type, input_tokens, output_tokens, total_cost,
                level, start_time, end_time)
        VALUES ('R$round-ob-' || g, tid, 'GENERATION', g % 700, g % 90,
                CASE WHEN g % 3 <> 0 THEN (g % 50) / 1000.0 END,
                CASE WHEN g % 19 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
                ts + interval '1 second', ts + (g % 30) * interval '1 second');
        INSERT INTO usertrack.scores (id, trace_id, name, value)
        VALUES ('R$round-sc-' || g, tid, 'helpfulness', (g % 5) / 4.0);
        IF g % 400 = 399 THEN
            UPDATE usertrack.traces SET user_id = 'user-' || (g % 11)
             WHERE id = 'R$round-' || (g - 7);
            DELETE FROM usertrack.observations WHERE id = 'R$round-ob-' || (g - 13);
        END IF;
        IF g % 900 = 450 THEN
            DELETE FROM usertrack.traces WHERE id = 'R$round-' || (g - 20);
        END IF;
        IF g % 500 = 499 THEN
            COMMIT;
        END IF;
    END LOOP;
END
\$\$;
});
}

# A transaction holding the user_held row of a marker user: a refresh that
# gets to that user's log rows waits for it.  Returns the session and its
# backend pid.
sub hold_marker
{
	my ($user) = @_;
	my $s = $node->background_psql('postgres');
	my $pid = $s->query_safe('SELECT pg_catalog.pg_backend_pid()');
	$s->query_safe('BEGIN');
	is( $s->query_safe(
			"SELECT user_id FROM usertrack.user_held WHERE user_id = '$user' FOR UPDATE"
		),
		$user,
		"$user is held, and its user_held row is locked");
	return ($s, $pid);
}

sub start_refresh
{
	my ($out, $err) = ('', '');
	local %ENV = $node->_get_env();
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-X', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr('postgres') . ' application_name=usertrack_refresh',
			'-c', "CALL usertrack.refresh($batch_size)"
		],
		'>', \$out, '2>', \$err);
	return { h => $h, out => \$out, err => \$err };
}

# Waits until the refresh waits for the given backend; returns its pid.
sub wait_refresh_blocked_by
{
	my ($r, $blocker) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (1)
	{
		my $pid = $node->safe_psql(
			'postgres', qq{
SELECT pid FROM pg_catalog.pg_stat_activity
 WHERE application_name = 'usertrack_refresh'
   AND pg_catalog.pg_blocking_pids(pid) OPERATOR(pg_catalog.@>) ARRAY[$blocker]});
		return $pid if $pid =~ /^\d+$/;
		$r->{h}->pump_nb;
		if (!$r->{h}->pumpable || time > $deadline)
		{
			$r->{h}->kill_kill;
			die "the refresh did not wait for backend $blocker:\n"
			  . "${$r->{out}}\n${$r->{err}}";
		}
		usleep(100_000);
	}
}

# Where the refresh must wait: the batches fold the lowest log ids first,
# batch_size rows each, so it commits every whole batch before the one that
# holds the marker's first log row.  Returns the log rows left then.
sub expected_backlog_at
{
	my ($user) = @_;
	my ($total, $rank) = split /\|/,
	  $node->safe_psql(
		'postgres', qq{
SELECT pg_catalog.count(*),
       pg_catalog.count(*) FILTER (WHERE id <= (SELECT pg_catalog.min(id)
                                                 FROM usertrack.pending_deltas
                                                WHERE user_id = '$user'))
  FROM usertrack.pending_deltas});
	return $total - $batch_size * int(($rank - 1) / $batch_size);
}

# Runs a refresh to the end; checks its NOTICE and returns the rows folded.
sub refresh_to_the_end
{
	my ($expect_folded, $what) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "CALL usertrack.refresh($batch_size)");
	is($ret, 0, "the refresh $what succeeds");
	unlike($stderr, qr/another refresh is running/,
		"the refresh $what is not told another one is running");
	like(
		$stderr,
		qr/usertrack\.refresh: folded $expect_folded log rows and settled \d+ users in \d+ batches; 0 log rows left/,
		"the refresh $what folds the $expect_folded log rows left");
	is($node->safe_psql('postgres', $backlog_query),
		'0 0', "no log rows and no held users after the refresh $what");
	is( $node->safe_psql(
			'postgres', q{
SELECT rows_folded || ' ' || backlog_after FROM usertrack.refresh_runs
 ORDER BY finished DESC LIMIT 1}),
		"$expect_folded 0",
		"refresh_runs records the refresh $what");
}

############################################################################
# 1. Immediate stop while the refresh waits in a batch.
############################################################################

load_settled(1);
is($node->safe_psql('postgres', $backlog_query), '0 0',
	'immediate-mode writes leave no backlog');
load_deferred(1);

my $initial = log_rows();
cmp_ok($initial, '>=', 30000, "deferred writes built a log of $initial rows");
is(log_rows_of('mark-a'), '99', 'mark-a has its 99 log rows');
is( $node->safe_psql(
		'postgres', q{
SELECT pg_catalog.count(*) FROM usertrack.user_totals u
 WHERE u.user_id IN (SELECT p.user_id FROM usertrack.pending_deltas p)}),
	'0',
	'every user with log rows has left user_totals');
verify_is_empty('with the backlog');
oracle_agrees('with the backlog');
my $views = $node->safe_psql('postgres', $views_query);
my $held = $node->safe_psql('postgres', 'SELECT held_users FROM usertrack.backlog');
cmp_ok($held, '>=', 40, "$held users are held");

my $expected_stuck = expected_backlog_at('mark-a');
cmp_ok($expected_stuck, '<', $initial, 'mark-a is not in the first batch');

my ($marker_a, $marker_a_pid) = hold_marker('mark-a');
my $refresh = start_refresh();
my $refresh_pid = wait_refresh_blocked_by($refresh, $marker_a_pid);
note "refresh backend $refresh_pid waits for backend $marker_a_pid";

is(log_rows(), $expected_stuck,
	"the refresh committed its batches up to mark-a's ($expected_stuck log rows left)");
is(log_rows_of('mark-a'), '99', "mark-a's log rows are not folded yet");
is(refresh_runs(), '0', 'the refresh has not finished');
verify_is_empty('while the refresh is half way');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views are unchanged half way through the refresh');

# A second refresh meanwhile does nothing and says so.
my ($ret, $stdout, $stderr) =
  $node->psql('postgres', 'CALL usertrack.refresh()');
is($ret, 0, 'a second refresh meanwhile returns without error');
like(
	$stderr,
	qr/usertrack\.refresh: another refresh is running; this one did nothing/,
	'a second refresh meanwhile is told another one is running');
is(log_rows(), $expected_stuck, 'the second refresh folded nothing');
is(refresh_runs(), '0', 'the second refresh recorded no run');

# The batch in progress has taken its log rows out and may have written
# session and day rows; write those uncommitted changes to disk.
$node->safe_psql('postgres', 'CHECKPOINT');

$node->stop('immediate');
$refresh->{h}->finish;
note "refresh stderr (immediate stop):\n${$refresh->{err}}";
unlike(${ $refresh->{err} }, qr/usertrack\.refresh: folded/,
	'the refresh did not finish before the stop');
eval { $marker_a->quit; };
$node->start;

is(log_rows(), $expected_stuck,
	'after the crash the committed batches are folded, the one in progress is not');
is(log_rows_of('mark-a'), '99', "mark-a's log rows are back in the log");
cmp_ok($node->safe_psql('postgres', 'SELECT held_users FROM usertrack.backlog'),
	'>', 0, 'users with log rows are still held');
is(refresh_runs(), '0', 'no run recorded for the crashed refresh');
is(advisory_locks(), '0', 'no advisory lock survives the crash');
verify_is_empty('after the crash (log rows and folded totals agree)');
oracle_agrees('after the crash');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views show after the crash what they showed before');

refresh_to_the_end($expected_stuck, 'after the immediate stop');
is(advisory_locks(), '0', 'the refresh released its advisory lock');
verify_is_empty('once the log is drained');
oracle_agrees('once the log is drained');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views are unchanged once the log is drained');

############################################################################
# 2. kill -9 of the refresh backend while it folds.
############################################################################

load_deferred(2);
$initial = log_rows();
cmp_ok($initial, '>=', 30000, "second backlog of $initial log rows");
verify_is_empty('with the second backlog');
$views = $node->safe_psql('postgres', $views_query);

my $at_a = expected_backlog_at('mark-a');
my $at_b = expected_backlog_at('mark-b');
cmp_ok($at_b, '<', $at_a - 4 * $batch_size,
	'several batches lie between the two markers');

($marker_a, $marker_a_pid) = hold_marker('mark-a');
my ($marker_b, $marker_b_pid) = hold_marker('mark-b');
$refresh = start_refresh();
$refresh_pid = wait_refresh_blocked_by($refresh, $marker_a_pid);
is(log_rows(), $at_a, "the refresh waits at mark-a with $at_a log rows left");

# Let it go on, and kill it while it folds the batches up to mark-b.
$marker_a->query_safe('COMMIT');
usleep(30_000);
my $state = $node->safe_psql('postgres',
	"SELECT COALESCE(wait_event_type, 'running') FROM pg_catalog.pg_stat_activity WHERE pid = $refresh_pid"
);
my $log_offset = -s $node->logfile;
kill 'KILL', $refresh_pid;
note "refresh backend $refresh_pid was $state just before kill -9";
$refresh->{h}->finish;
note "refresh stderr (kill -9):\n${$refresh->{err}}";
unlike(${ $refresh->{err} }, qr/usertrack\.refresh: folded/,
	'the refresh did not finish before kill -9');
eval { $marker_a->quit; };
eval { $marker_b->quit; };

# The postmaster ends every backend, reinitialises and recovers.
$node->wait_for_log(
	qr/server process \(PID $refresh_pid\) was terminated by signal 9/,
	$log_offset);
$node->wait_for_log(qr/database system is ready to accept connections/,
	$log_offset);
$node->poll_query_until('postgres', 'SELECT true')
  or die 'the server did not come back after kill -9';
ok( $node->log_contains(
		qr/all server processes terminated; reinitializing/, $log_offset),
	'the server went through crash recovery');

my $after = log_rows();
note "log rows: $initial at the start, $at_a at mark-a, $at_b at mark-b, $after after the crash";
cmp_ok($after, '<=', $at_a, 'the batches committed before the crash stay folded');
cmp_ok($after, '>=', $at_b, 'the refresh never got past mark-b');
is(($initial - $after) % $batch_size, 0,
	'whole batches were folded, none in part');
is(log_rows_of('mark-b'), '99', "mark-b's log rows are all in the log");
is(refresh_runs(), '1', 'no run recorded for the killed refresh');
is(advisory_locks(), '0', 'no advisory lock survives kill -9');
verify_is_empty('after kill -9 (log rows and folded totals agree)');
oracle_agrees('after kill -9');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views show after kill -9 what they showed before');

refresh_to_the_end($after, 'after kill -9');
verify_is_empty('once the second log is drained');
oracle_agrees('once the second log is drained');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views are unchanged once the second log is drained');

############################################################################
# 3. A refresh cancelled while it waits, its session still connected.
############################################################################

load_deferred(3);
$initial = log_rows();
$views = $node->safe_psql('postgres', $views_query);
$expected_stuck = expected_backlog_at('mark-a');

($marker_a, $marker_a_pid) = hold_marker('mark-a');
my $session = $node->background_psql('postgres', on_error_stop => 0);
my $session_pid = $session->query_safe('SELECT pg_catalog.pg_backend_pid()');
$session->query_safe(q{SET application_name = 'usertrack_refresh'});
$session->query_until(qr/calling/,
	"\\echo calling\nCALL usertrack.refresh($batch_size);\n");
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
until ($node->safe_psql(
		'postgres', qq{
SELECT pg_catalog.pg_blocking_pids($session_pid) OPERATOR(pg_catalog.@>) ARRAY[$marker_a_pid]}
	) eq 't')
{
	die 'the refresh did not wait for mark-a' if time > $deadline;
	usleep(100_000);
}
is(log_rows(), $expected_stuck,
	"the refresh waits at mark-a with $expected_stuck log rows left");

is($node->safe_psql('postgres', "SELECT pg_catalog.pg_cancel_backend($session_pid)"),
	't', 'cancelled the refresh');
my ($out, $failed) = $session->query('SELECT 1');
ok($failed, 'the CALL failed');
like($session->{stderr}, qr/canceling statement due to user request/,
	'the CALL was cancelled');
$session->{stderr} = '';
$marker_a->query_safe('COMMIT');
$marker_a->quit;

is(log_rows(), $expected_stuck, 'the batch in progress was rolled back whole');
verify_is_empty('after the cancel');

is( $node->safe_psql(
		'postgres', qq{
SELECT pg_catalog.count(*) FROM pg_catalog.pg_locks
 WHERE locktype = 'advisory' AND pid = $session_pid}),
	'0',
	'the cancelled refresh left no advisory lock in its session');

# Another session can refresh at once, while the cancelled one lives on.
refresh_to_the_end(log_rows(), 'after the cancel, from another session');
verify_is_empty('once the third log is drained');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views are unchanged once the third log is drained');
$session->quit;

$node->stop;
done_testing();
