# The deferred mode with its refresh scheduled by pg_cron, for real.
#
# A writer role whose usertrack.maintenance is deferred (ALTER ROLE ... SET)
# writes a realistic batch: multi-row inserts of traces for several users,
# two of them heavy, observations that arrive before their trace, scores by
# COPY, single-row writes, a change of user and deletes.  The log
# (usertrack.pending_deltas) fills, the writers' users are held, and the
# views are exact all along (usertrack.verify() empty).  Then
#
#   SELECT cron.schedule('usertrack-refresh', '* * * * *', 'CALL usertrack.refresh()')
#
# and pg_cron runs the refresh at the next minute, through its own libpq
# connection, as a procedure that commits each batch.  While that run is
# kept waiting (a transaction holds the user_held row of a heavy user), a
# CALL from psql is told another refresh is running and does nothing, and
# verify() is empty.  Once released, the run must drain the log, settle
# every held user, record itself in usertrack.refresh_runs and succeed in
# cron.job_run_details; the views must be what they were, verify() empty,
# and all_users equal to a GROUP BY over the input tables.
#
# Needs pg_cron (Debian: postgresql-15-cron); skipped when its library is
# not installed.  Its finest schedule is one minute, so the test waits up
# to a minute for the first run.
#
# The tests create their own clusters, so they must run as a user other
# than root.  The extension must be installed first (as root: make install).
# Run as user postgres from a copy of the tree that postgres owns:
#
#   rm -rf /tmp/usertrack-tap && cp -a /work/main /tmp/usertrack-tap &&
#       chown -R postgres: /tmp/usertrack-tap
#   cd /tmp/usertrack-tap && runuser -u postgres -- \
#       make installcheck REGRESS= ISOLATION= PROVE_TESTS=test/t/003_refresh_cron.pl
#
# Logs go to tmp_check/log/ of the directory the test runs in.

use strict;
use warnings;

use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');

my ($pkglibdir, $sharedir) = $node->config_data('--pkglibdir', '--sharedir');
if (!-e "$pkglibdir/pg_cron.so" || !-e "$sharedir/extension/pg_cron.control")
{
	plan skip_all =>
	  "pg_cron is not installed ($pkglibdir/pg_cron.so or $sharedir/extension/pg_cron.control missing); "
	  . 'install postgresql-15-cron to run this test';
}

# pg_cron runs each job through a libpq connection to cron.host, here the
# node's socket directory (or address).
$node->init;
my $cron_host = $node->host;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '$cron_host'
max_connections = 20
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_cron;
CREATE EXTENSION usertrack;
CREATE ROLE app_writer LOGIN;
SELECT usertrack.grant_writer('app_writer');
ALTER ROLE app_writer SET usertrack.maintenance = deferred;
});

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

# all_users of some users against a plain GROUP BY over the input tables;
# one row per user that differs.
sub oracle_query
{
	my $users = join ', ', map { "'$_'" } @_;
	return qq{
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
     WHERE t.user_id IN ($users)
     GROUP BY t.user_id
), shown AS (
    SELECT user_id, first_event, last_event, total_events::numeric,
           total_observations::numeric, input_tokens::numeric,
           output_tokens::numeric, total_tokens::numeric, model_cost,
           sessions::numeric, scores::numeric, errors::numeric,
           active_days::numeric
      FROM usertrack.all_users
     WHERE user_id IN ($users)
)
SELECT 'shown', * FROM (TABLE shown EXCEPT TABLE fresh) a
UNION ALL
SELECT 'fresh', * FROM (TABLE fresh EXCEPT TABLE shown) b
UNION ALL
SELECT 'missing', u, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM pg_catalog.unnest(ARRAY[$users]) AS u
 WHERE NOT EXISTS (SELECT FROM fresh WHERE fresh.user_id = u)
ORDER BY 2, 1};
}

my @checked_users = ('heavy-0', 'heavy-1', 'user-7');

sub verify_is_empty
{
	my ($what) = @_;
	is($node->safe_psql('postgres', 'SELECT * FROM usertrack.verify() LIMIT 20'),
		'', "verify() is empty $what");
}

sub oracle_agrees
{
	my ($what) = @_;
	is($node->safe_psql('postgres', oracle_query(@checked_users)),
		'', "all_users of @checked_users equals a GROUP BY $what");
}

# History written in immediate mode (by the superuser, whose mode is the
# default): these users are settled, with rows in user_totals.
$node->safe_psql(
	'postgres', q{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", name)
SELECT 'hist-' || i,
       CASE WHEN i % 10 = 0 THEN NULL
            WHEN i % 3 = 0 THEN 'heavy-' || (i % 2)
            ELSE 'user-' || (i % 17) END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'sess-' || (i % 23) END,
       timestamptz '2024-04-01 00:00+00' + i * interval '53 minutes', 'chat'
  FROM pg_catalog.generate_series(1, 600) AS i;
INSERT INTO usertrack.observations
       (id, trace_id, type, model, input_tokens, output_tokens, input_cost,
        output_cost, level, start_time, end_time)
SELECT 'hist-ob-' || i, 'hist-' || (i % 600 + 1), 'GENERATION', 'gpt-4o',
       100 + i % 900, 20 + i % 300, 0.0000025 * (100 + i % 900),
       0.00001 * (20 + i % 300),
       CASE WHEN i % 31 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-04-01 00:00+00' + i * interval '19 minutes',
       timestamptz '2024-04-01 00:00+00' + i * interval '19 minutes' + (i % 40) * interval '1 second'
  FROM pg_catalog.generate_series(1, 1800) AS i;
INSERT INTO usertrack.scores (id, trace_id, name, value)
SELECT 'hist-sc-' || i, 'hist-' || (i * 3), 'helpfulness', (i % 5) / 4.0
  FROM pg_catalog.generate_series(1, 200) AS i;
});
is($node->safe_psql('postgres', 'SELECT log_rows || \' \' || held_users FROM usertrack.backlog'),
	'0 0', 'immediate-mode history leaves no backlog');
is( $node->safe_psql(
		'postgres',
		q{SELECT pg_catalog.count(*) FROM usertrack.user_totals WHERE user_id IN ('heavy-0', 'heavy-1', 'user-7')}
	),
	'3',
	'the users to check are settled before the deferred writes');

# The deferred batch, written by app_writer in several transactions, as an
# ingestion service would.
$node->safe_psql(
	'postgres', q{
-- observations that arrive before their trace
INSERT INTO usertrack.observations
       (id, trace_id, type, model, input_tokens, output_tokens, total_cost,
        level, start_time, end_time)
SELECT 'live-early-' || i, 'live-' || i, 'GENERATION', 'gpt-4o-mini',
       300 + i, 50 + i % 70, (300 + i) / 100000.0,
       CASE WHEN i % 9 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-06-10 00:00+00' + i * interval '7 minutes',
       timestamptz '2024-06-10 00:00+00' + i * interval '7 minutes' + interval '2 seconds'
  FROM pg_catalog.generate_series(1, 1000, 4) AS i;

-- the traces: heavy-0 half of them, heavy-1 a quarter, the rest spread
BEGIN;
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", name, tags)
SELECT 'live-' || i,
       CASE WHEN i % 2 = 0 THEN 'heavy-0'
            WHEN i % 4 = 1 THEN 'heavy-1'
            WHEN i % 20 = 3 THEN NULL
            ELSE 'user-' || (i % 13) END,
       CASE WHEN i % 6 = 0 THEN NULL ELSE 'live-sess-' || (i % 41) END,
       timestamptz '2024-06-10 00:00+00' + i * interval '7 minutes', 'chat',
       ARRAY['live']
  FROM pg_catalog.generate_series(1, 1000) AS i;
INSERT INTO usertrack.observations
       (id, trace_id, type, model, input_tokens, output_tokens, total_tokens,
        input_cost, output_cost, level, start_time, end_time)
SELECT 'live-ob-' || i, 'live-' || (i % 1000 + 1),
       CASE WHEN i % 5 = 0 THEN 'SPAN' ELSE 'GENERATION' END, 'gpt-4o',
       i % 2000, i % 400, CASE WHEN i % 8 = 0 THEN i % 2400 END,
       0.0000025 * (i % 2000), 0.00001 * (i % 400),
       CASE WHEN i % 29 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-06-10 00:00+00' + i * interval '150 seconds',
       timestamptz '2024-06-10 00:00+00' + i * interval '150 seconds' + (i % 20) * interval '1 second'
  FROM pg_catalog.generate_series(1, 4000) AS i;
COMMIT;

-- scores by COPY
COPY usertrack.scores (id, trace_id, name, value, data_type) FROM STDIN;
live-sc-1	live-2	helpfulness	1	NUMERIC
live-sc-2	live-4	helpfulness	0.25	NUMERIC
live-sc-3	live-5	correct	1	BOOLEAN
live-sc-4	live-7	correct	0	BOOLEAN
live-sc-5	hist-3	helpfulness	0.75	NUMERIC
live-sc-6	hist-9	helpfulness	0.5	NUMERIC
live-sc-7	live-10	helpfulness	1	NUMERIC
\.

-- single-row writes of a web request, one transaction each
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
VALUES ('live-web-1', 'heavy-0', 'live-sess-1', '2024-06-20 12:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost)
VALUES ('live-web-ob-1', 'live-web-1', 1200, 300, 0.0123);
INSERT INTO usertrack.scores (id, trace_id, name, value)
VALUES ('live-web-sc-1', 'live-web-1', 'helpfulness', 1);

-- a user change, an upsert that changes cost, deletes (first and last
-- events to recompute)
UPDATE usertrack.traces SET user_id = 'user-7' WHERE id IN ('live-9', 'hist-1');
INSERT INTO usertrack.observations (id, trace_id, total_tokens, total_cost)
VALUES ('live-ob-8', 'live-9', 999, 1.25)
ON CONFLICT (id) DO UPDATE SET trace_id = excluded.trace_id,
    total_tokens = excluded.total_tokens, total_cost = excluded.total_cost;
DELETE FROM usertrack.observations WHERE id LIKE 'live-ob-1_';
DELETE FROM usertrack.traces WHERE id IN ('live-2', 'live-998', 'hist-3');
},
	extra_params => [ '-U', 'app_writer' ]);

my ($log_rows, $users_in_log, $held) = split /\|/,
  $node->safe_psql('postgres',
	'SELECT log_rows, users_in_log, held_users FROM usertrack.backlog');
cmp_ok($log_rows, '>', 100, "the deferred writes left $log_rows log rows");
cmp_ok($users_in_log, '>=', 10, "of $users_in_log users");
cmp_ok($held, '>=', $users_in_log, "$held users are held");
is( $node->safe_psql(
		'postgres', q{
SELECT pg_catalog.string_agg(user_id, ' ' ORDER BY user_id) FROM usertrack.user_held
 WHERE user_id IN ('heavy-0', 'heavy-1', 'user-7')}),
	'heavy-0 heavy-1 user-7',
	'the users to check are held');
is( $node->safe_psql(
		'postgres', q{
SELECT pg_catalog.count(*) FROM usertrack.user_totals
 WHERE user_id IN ('heavy-0', 'heavy-1', 'user-7')}),
	'0',
	'and out of user_totals');
verify_is_empty('with the backlog');
oracle_agrees('with the backlog');
my $views = $node->safe_psql('postgres', $views_query);

# Keep the scheduled run waiting in its batch: hold the user_held row of
# heavy-0, whose log rows it must fold.
my $blocker = $node->background_psql('postgres');
my $blocker_pid = $blocker->query_safe('SELECT pg_catalog.pg_backend_pid()');
$blocker->query_safe('BEGIN');
is( $blocker->query_safe(
		q{SELECT user_id FROM usertrack.user_held WHERE user_id = 'heavy-0' FOR UPDATE}),
	'heavy-0',
	'the user_held row of heavy-0 is locked');

my $jobid = $node->safe_psql('postgres',
	q{SELECT cron.schedule('usertrack-refresh', '* * * * *', 'CALL usertrack.refresh()')});
like($jobid, qr/^\d+$/, "scheduled the refresh as cron job $jobid");
my $scheduled_at = time;

# pg_cron starts the job at the next minute.
my $deadline = time + 150;
my $cron_pid;
while (1)
{
	$cron_pid = $node->safe_psql(
		'postgres', qq{
SELECT pid FROM pg_catalog.pg_stat_activity
 WHERE query = 'CALL usertrack.refresh()'
   AND pg_catalog.pg_blocking_pids(pid) OPERATOR(pg_catalog.@>) ARRAY[$blocker_pid]});
	last if $cron_pid =~ /^\d+$/;
	if (time > $deadline)
	{
		my $details = $node->safe_psql('postgres',
			'SELECT * FROM cron.job_run_details');
		die "pg_cron did not start the refresh within 150 s; job_run_details:\n$details";
	}
	usleep(250_000);
}
note sprintf 'pg_cron started the refresh (backend %s) %d s after scheduling',
  $cron_pid, time - $scheduled_at;

is( $node->safe_psql(
		'postgres', qq{
SELECT status || ' ' || command FROM cron.job_run_details WHERE jobid = $jobid}),
	'running CALL usertrack.refresh()',
	'cron.job_run_details shows the run in progress');
is($node->safe_psql('postgres', 'SELECT log_rows FROM usertrack.backlog'),
	$log_rows, 'the waiting run has committed nothing yet');
verify_is_empty('while the scheduled refresh is in progress');

my ($ret, $stdout, $stderr) =
  $node->psql('postgres', 'CALL usertrack.refresh()');
is($ret, 0, 'a CALL from psql meanwhile returns without error');
like(
	$stderr,
	qr/usertrack\.refresh: another refresh is running; this one did nothing/,
	'a CALL from psql meanwhile is told another refresh is running');
is( $node->safe_psql(
		'postgres',
		'SELECT log_rows || \' \' || (SELECT pg_catalog.count(*) FROM usertrack.refresh_runs) FROM usertrack.backlog'
	),
	"$log_rows 0",
	'that CALL folded nothing and recorded no run');

# Let the scheduled run go on.
$blocker->query_safe('COMMIT');
$blocker->quit;

my $done = 0;
while (time < $deadline)
{
	$done = $node->safe_psql(
		'postgres', qq{
SELECT b.log_rows = 0 AND b.held_users = 0
       AND EXISTS (SELECT FROM usertrack.refresh_runs)
       AND EXISTS (SELECT FROM cron.job_run_details d
                    WHERE d.jobid = $jobid AND d.status = 'succeeded')
  FROM usertrack.backlog b}) eq 't';
	last if $done;
	usleep(250_000);
}
ok($done, 'the scheduled refresh drained the log and settled every held user');
note sprintf 'done %d s after scheduling', time - $scheduled_at;

is( $node->safe_psql(
		'postgres', qq{
SELECT status || ' ' || return_message FROM cron.job_run_details
 WHERE jobid = $jobid ORDER BY runid LIMIT 1}),
	'succeeded CALL',
	'cron.job_run_details records the run as succeeded');
is( $node->safe_psql(
		'postgres', qq{
SELECT pg_catalog.count(*) FROM cron.job_run_details
 WHERE jobid = $jobid AND status <> 'succeeded' AND end_time IS NOT NULL}),
	'0',
	'no run of the job failed');
is( $node->safe_psql(
		'postgres', q{
SELECT rows_folded || ' ' || users_settled || ' ' || backlog_after || ' ' || (batches >= 1)
  FROM usertrack.refresh_runs ORDER BY started LIMIT 1}),
	"$log_rows $held 0 true",
	'refresh_runs records the scheduled run: every log row folded, every held user settled');
is( $node->safe_psql(
		'postgres', q{
SELECT pg_catalog.count(*) FROM usertrack.user_totals
 WHERE user_id IN ('heavy-0', 'heavy-1', 'user-7')}),
	'3',
	'the users to check are settled again');
verify_is_empty('after the scheduled refresh');
oracle_agrees('after the scheduled refresh');
is($node->safe_psql('postgres', $views_query),
	$views, 'the views show after the refresh what they showed before');

is($node->safe_psql('postgres', q{SELECT cron.unschedule('usertrack-refresh')}),
	't', 'unscheduled the refresh');

$node->stop;
done_testing();
