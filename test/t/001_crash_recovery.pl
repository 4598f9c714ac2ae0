# Crash recovery keeps the maintained totals exact.
#
# The maintained tables are ordinary logged tables written inside the
# writing transaction, so after a crash WAL replay must bring back exactly the
# committed work: the committed rows and totals all there, the rows and
# summary changes of a transaction that was open at the crash gone, and
# usertrack.verify() empty.  Three crashes are tested:
#
#   1. stop in immediate mode with a transaction open that has added,
#      updated and deleted traces, observations and scores (its dirty pages
#      forced to disk by a CHECKPOINT before the crash);
#   2. stop in immediate mode while pgbench writes from several clients;
#   3. kill -9 of one backend while pgbench writes, which makes the
#      postmaster reinitialise and run crash recovery by itself.
#
# The tests create their own clusters, so they must run as a user other
# than root.  The extension must be installed first (as root: make install).
# Run as user postgres from a copy of the tree that postgres owns:
#
#   rm -rf /tmp/usertrack-tap && cp -a /work/main /tmp/usertrack-tap &&
#       chown -R postgres: /tmp/usertrack-tap
#   cd /tmp/usertrack-tap && runuser -u postgres -- \
#       make installcheck REGRESS= ISOLATION= PROVE_TESTS=test/t/001_crash_recovery.pl
#
# or, without make (same environment as PGXS's prove_installcheck):
#
#   cd /tmp/usertrack-tap && runuser -u postgres -- env \
#       PATH=/usr/lib/postgresql/15/bin:$PATH TESTDIR=$PWD PGPORT=65432 \
#       PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
#       prove -I /usr/lib/postgresql/15/lib/pgxs/src/test/perl/ -I . \
#       test/t/001_crash_recovery.pl
#
# Logs go to tmp_check/log/ of the directory the test runs in.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
restart_after_crash = on
max_connections = 40
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION usertrack');

# Everything the views show, in a stable text form, to compare before and
# after a crash.
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
SELECT 'user_scores', pg_catalog.count(*), pg_catalog.md5(COALESCE(pg_catalog.string_agg(s::text, '|' ORDER BY s.score_id), ''))
  FROM usertrack.user_scores s
UNION ALL
SELECT 'totals', 1, pg_catalog.md5(t::text) FROM usertrack.totals t
ORDER BY 1};

my $counts_query = q{
SELECT (SELECT pg_catalog.count(*) FROM usertrack.traces) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.observations) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.scores)};

sub verify_is_empty
{
	my ($what) = @_;
	my $diff = $node->safe_psql('postgres',
		'SELECT * FROM usertrack.verify() LIMIT 20');
	is($diff, '', "verify() is empty $what");
}

############################################################################
# 1. A crash with one transaction left open.
############################################################################

# Five committed batches of 400 traces, 1000 observations and 150 scores.
# Traces 1..400 of a batch exist; observations also name traces 401..450 of
# their own batch (absent for good) and traces of the next batch (absent
# until that batch commits), so observations arrive before their trace.
# Every tenth trace has no user, every third no session.
sub load_batch
{
	my ($b) = @_;
	my $next = $b + 1;
	$node->safe_psql(
		'postgres', qq{
BEGIN;
INSERT INTO usertrack.observations
       (id, trace_id, type, input_tokens, output_tokens, total_cost, level,
        start_time, end_time)
SELECT 'early-$b-' || i, 'tr-$next-' || i, 'GENERATION', i, 2 * i,
       CASE WHEN i % 2 = 0 THEN i / 1000.0 END,
       CASE WHEN i % 13 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute',
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute' + interval '3 seconds'
  FROM pg_catalog.generate_series(1, 100) AS i;
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", name, tags)
SELECT 'tr-$b-' || i,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'user-' || (i % 37) END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'sess-' || (i % 53) END,
       timestamptz '2024-05-01 00:00+00' + $b * interval '1 day'
           + i * interval '7 minutes',
       'chat', ARRAY['batch-$b']
  FROM pg_catalog.generate_series(1, 400) AS i;
INSERT INTO usertrack.observations
       (id, trace_id, type, input_tokens, output_tokens, total_tokens,
        input_cost, output_cost, level, start_time, end_time)
SELECT 'ob-$b-' || i, 'tr-$b-' || (i % 450 + 1),
       CASE WHEN i % 4 = 0 THEN 'SPAN' ELSE 'GENERATION' END,
       i % 500, i % 77, CASE WHEN i % 5 = 0 THEN i END,
       CASE WHEN i % 3 = 0 THEN 0.000015 * (i % 500) END,
       CASE WHEN i % 3 = 0 THEN 0.00006 * (i % 77) END,
       CASE WHEN i % 17 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-05-01 00:00+00' + i * interval '1 second',
       timestamptz '2024-05-01 00:00+00' + i * interval '2 seconds'
  FROM pg_catalog.generate_series(1, 900) AS i;
INSERT INTO usertrack.scores (id, trace_id, name, value)
SELECT 'sc-$b-' || i,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'tr-$b-' || (i * 3) END,
       'helpfulness', (i % 5) / 4.0
  FROM pg_catalog.generate_series(1, 150) AS i;
COMMIT;
});
}

load_batch($_) for (0 .. 2);
$node->safe_psql('postgres', 'CHECKPOINT');
load_batch($_) for (3 .. 4);

# Some committed changes of user, session and rows after the load.
$node->safe_psql(
	'postgres', q{
UPDATE usertrack.traces SET user_id = 'moved-' || (substr(id, 6)::int % 5)
 WHERE id LIKE 'tr-1-%' AND substr(id, 6)::int % 7 = 0;
UPDATE usertrack.traces SET session_id = NULL WHERE id LIKE 'tr-2-1%';
DELETE FROM usertrack.traces WHERE id LIKE 'tr-3-%' AND substr(id, 6)::int % 11 = 0;
DELETE FROM usertrack.observations WHERE id LIKE 'ob-4-%' AND substr(id, 6)::int % 9 = 0;
UPDATE usertrack.observations SET total_cost = 1.5, level = 'ERROR'
 WHERE id LIKE 'ob-0-%' AND substr(id, 6)::int % 19 = 0;
});
verify_is_empty('after loading');

my $committed_counts = $node->safe_psql('postgres', $counts_query);
my ($ntraces, $nobs, $nscores) = split / /, $committed_counts;
cmp_ok($ntraces, '>', 1500, "loaded $ntraces traces");
cmp_ok($nobs, '>', 4000, "loaded $nobs observations");
cmp_ok($nscores, '>', 700, "loaded $nscores scores");

# The transaction left open: new traces of a new user and of existing
# users, observations and scores of committed traces, a change of user and
# a delete.  Every maintained table of existing keys gets changes that must
# vanish.
my $open = $node->background_psql('postgres');
$open->query_safe('BEGIN');
$open->query_safe(
	q{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
SELECT 'ghost-' || i,
       CASE WHEN i % 2 = 0 THEN 'ghost-user' ELSE 'user-' || (i % 37) END,
       'sess-' || (i % 53),
       timestamptz '2024-06-01 00:00+00' + i * interval '1 hour'
  FROM pg_catalog.generate_series(1, 300) AS i;
INSERT INTO usertrack.observations (id, trace_id, total_tokens, total_cost, level)
SELECT 'ghost-ob-' || i, 'tr-0-' || (i % 400 + 1), 1000, 10, 'ERROR'
  FROM pg_catalog.generate_series(1, 800) AS i;
INSERT INTO usertrack.observations (id, trace_id, total_tokens)
SELECT 'ghost-ob2-' || i, 'tr-5-' || i, 5
  FROM pg_catalog.generate_series(1, 50) AS i;
INSERT INTO usertrack.scores (id, trace_id, name, value)
SELECT 'ghost-sc-' || i, 'tr-1-' || i, 'helpfulness', 1
  FROM pg_catalog.generate_series(1, 100) AS i;
UPDATE usertrack.traces SET user_id = 'ghost-user' WHERE id LIKE 'tr-2-2%';
DELETE FROM usertrack.traces WHERE id LIKE 'tr-4-3%';
UPDATE usertrack.observations SET total_tokens = 99999 WHERE id LIKE 'ob-3-5%';
});
is($open->query_safe(
		q{SELECT pg_catalog.count(*) FROM usertrack.all_users WHERE user_id = 'ghost-user'}),
	'1', 'the open transaction sees its own new user');

# What everybody else sees, and must see again after the crash.
my $views_before = $node->safe_psql('postgres', $views_query);
is($node->safe_psql('postgres', $counts_query),
	$committed_counts, 'other sessions do not see the open transaction');

# Write the uncommitted tuples and summary changes to disk, then add one
# more committed transaction after the checkpoint, so that recovery must
# replay it over pages holding the uncommitted changes.  It touches only new
# users, sessions and traces: the open transaction holds the rows of every
# existing user.
$node->safe_psql('postgres', 'CHECKPOINT');
$node->safe_psql(
	'postgres', q{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
VALUES ('after-ckpt-1', 'late-user-a', 'late-sess', '2024-05-20 10:00+00'),
       ('after-ckpt-2', 'late-user', NULL, '2024-05-21 10:00+00');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost)
VALUES ('after-ckpt-ob-1', 'after-ckpt-1', 10, 20, 0.5),
       ('after-ckpt-ob-2', 'after-ckpt-2', 1, 2, 0.25),
       ('after-ckpt-ob-3', 'after-ckpt-1', 3, 4, 0.125);
INSERT INTO usertrack.scores (id, trace_id, name, value)
VALUES ('after-ckpt-sc-1', 'after-ckpt-2', 'helpfulness', 1);
});
$committed_counts = join ' ', $ntraces + 2, $nobs + 3, $nscores + 1;
is($node->safe_psql('postgres', $counts_query),
	$committed_counts, 'the transaction after the checkpoint committed');
$views_before = $node->safe_psql('postgres', $views_query);
verify_is_empty('before the crash');

$node->stop('immediate');
$node->start;

# The open psql lost its connection with the crash.
$open->quit;

is($node->safe_psql('postgres', $counts_query),
	$committed_counts, 'committed rows are all there after the crash');
is( $node->safe_psql(
		'postgres', q{
SELECT (SELECT pg_catalog.count(*) FROM usertrack.traces WHERE id LIKE 'ghost-%')
     + (SELECT pg_catalog.count(*) FROM usertrack.observations WHERE id LIKE 'ghost-%')
     + (SELECT pg_catalog.count(*) FROM usertrack.scores WHERE id LIKE 'ghost-%')
     + (SELECT pg_catalog.count(*) FROM usertrack.all_users WHERE user_id = 'ghost-user')
     + (SELECT pg_catalog.count(*) FROM usertrack.trace_totals WHERE trace_id LIKE 'ghost-%')
     + (SELECT pg_catalog.count(*) FROM usertrack.observations WHERE total_tokens = 99999)}
	),
	'0',
	'rows of the uncommitted transaction are gone');
is( $node->safe_psql(
		'postgres', q{
SELECT user_id || ' ' || total_events || ' ' || total_observations || ' '
       || total_tokens || ' ' || model_cost || ' ' || scores
  FROM usertrack.all_users WHERE user_id = 'late-user'}),
	'late-user 1 1 3 0.25 1',
	'the transaction committed after the checkpoint was replayed');
is($node->safe_psql('postgres', $views_query),
	$views_before, 'views show after the crash what they showed before');
verify_is_empty('after the crash');

# The triggers keep working on the recovered tables.
$node->safe_psql(
	'postgres', q{
INSERT INTO usertrack.traces (id, user_id, "timestamp")
VALUES ('ghost-1', 'user-2', '2024-05-03 10:00+00');
INSERT INTO usertrack.observations (id, trace_id, total_tokens)
VALUES ('post-crash-ob', 'ghost-1', 42);
});
verify_is_empty('after writing again');

############################################################################
# 2 and 3. Crashes while several clients write.
############################################################################

# Each pgbench transaction is one autocommitted statement, so no deadlock
# can come from the order of statements.  The clients race on the same
# users, traces and observation ids: new traces, observations of the
# client's own new trace and of traces another client may insert only
# later, upserts of shared observation ids, changes of user and deletes of
# loaded traces.
$node->safe_psql('postgres', 'CREATE SEQUENCE public.bench_seq');
my $script = PostgreSQL::Test::Utils::tempdir() . '/write.sql';
PostgreSQL::Test::Utils::append_to_file(
	$script, q{
\set u random(1, 40)
\set s random(1, 200)
\set n random(1, 400)
\set b random(0, 4)
\set k random(1, 300)
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp") VALUES ('pb-' || nextval('public.bench_seq'), 'user-' || :u, 'sess-' || :s, timestamptz '2024-05-10 00:00+00' + :n * interval '1 hour');
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, level) SELECT 'pb-ob-' || currval('public.bench_seq') || '-' || i, CASE i WHEN 1 THEN 'pb-' || currval('public.bench_seq') WHEN 2 THEN 'pb-' || (currval('public.bench_seq') + 3) ELSE 'tr-' || :b || '-' || :n END, :n, i, :n / 1000.0, CASE WHEN i = 3 THEN 'ERROR' ELSE 'DEFAULT' END FROM generate_series(1, 3) AS i;
INSERT INTO usertrack.observations (id, trace_id, total_tokens, total_cost) VALUES ('pb-up-' || :k, 'tr-' || :b || '-' || :n, :n, :s / 100.0) ON CONFLICT (id) DO UPDATE SET trace_id = excluded.trace_id, total_tokens = excluded.total_tokens, total_cost = excluded.total_cost;
INSERT INTO usertrack.scores (id, trace_id, name, value) VALUES ('pb-sc-' || currval('public.bench_seq'), 'pb-' || (currval('public.bench_seq') - 1), 'helpfulness', 0.5);
UPDATE usertrack.traces SET user_id = 'user-' || :u WHERE id = 'tr-' || :b || '-' || :n;
DELETE FROM usertrack.observations WHERE id = 'pb-up-' || (:k + 1);
});

# Starts pgbench in the background and waits until it has written a good
# number of rows.
sub start_writers
{
	my ($name) = @_;
	my ($out, $err) = ('', '');
	my $start = $node->safe_psql('postgres',
		'SELECT pg_catalog.count(*) FROM usertrack.observations');
	local %ENV = $node->_get_env();
	my $h = IPC::Run::start(
		[
			'pgbench', '-n', '-c', '6', '-j', '2', '-T', '120',
			'-f', $script,
			$node->connstr('postgres') . ' application_name=usertrack_writer'
		],
		'>', \$out, '2>', \$err);
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (1)
	{
		last
		  if $node->safe_psql('postgres',
			"SELECT pg_catalog.count(*) >= $start + 3000 FROM usertrack.observations"
		  ) eq 't';
		$h->pump_nb;
		if (!$h->pumpable || time > $deadline)
		{
			$h->kill_kill;
			die "pgbench ($name) did not write enough:\n$out\n$err";
		}
		sleep 1;
	}
	return { h => $h, out => \$out, err => \$err, name => $name };
}

sub finish_writers
{
	my ($w) = @_;
	$w->{h}->finish;
	note "pgbench ($w->{name}) stdout:\n${$w->{out}}";
	note "pgbench ($w->{name}) stderr:\n${$w->{err}}";
	unlike(${ $w->{err} }, qr/deadlock/,
		"no deadlock among the writers ($w->{name})");
}

# 2. Stop in immediate mode while the clients write.
my $writers = start_writers('immediate stop');
$node->stop('immediate');
finish_writers($writers);
$node->start;
verify_is_empty('after an immediate stop during writes');

# 3. kill -9 of a writing backend: the postmaster ends every backend and
# recovers from the crash by itself.
$writers = start_writers('kill -9');
my $victim = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_catalog.pg_stat_activity
	   WHERE application_name = 'usertrack_writer' ORDER BY pid LIMIT 1});
ok($victim =~ /^\d+$/, 'found a writing backend to kill');
kill 'KILL', $victim;
finish_writers($writers);
$node->poll_query_until('postgres', 'SELECT true')
  or die 'the server did not come back after kill -9';
ok( $node->log_contains(
		qr/server process \(PID $victim\) was terminated by signal 9/),
	'the server went through crash recovery');
verify_is_empty('after kill -9 of a backend during writes');

cmp_ok(
	$node->safe_psql(
		'postgres',
		q{SELECT pg_catalog.count(*) FROM usertrack.traces WHERE id LIKE 'pb-%'}
	),
	'>',
	1000,
	'the writers committed work before the crashes');

$node->stop;
done_testing();
