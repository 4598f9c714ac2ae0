# pg_dump and restore give identical views and an empty verify().
#
# The input tables are marked with pg_extension_config_dump, the maintained
# tables are not: a dump holds CREATE EXTENSION and the input rows, and the
# restore's COPY fires the triggers, which rebuild every total.  This test
# loads awkward data on node A (observations and scores whose trace is
# absent, scores without a trace, observations that arrived before their
# trace, users and sessions changed by UPDATE, deletes, upserts, odd user
# ids), dumps it in plain and custom format, restores it on node B into
# fresh databases (psql for the plain dump, pg_restore for the custom one,
# once serially and once with four parallel jobs, which loads the input
# tables concurrently) and compares every view between the source and each
# restored database.
#
# Model prices: the operator's rows (source 'operator') are dumped, the
# shipped ones come back with CREATE EXTENSION.  The source prices
# observations with its own prices, then changes a price without
# recalculating, so that stored computed costs differ from what today's
# table gives: the restore must keep the stored costs, not recompute them.
#
# The tests create their own clusters, so they must run as a user other
# than root.  The extension must be installed first (as root: make install).
# Run as user postgres from a copy of the tree that postgres owns:
#
#   rm -rf /tmp/usertrack-tap && cp -a /work/main /tmp/usertrack-tap &&
#       chown -R postgres: /tmp/usertrack-tap
#   cd /tmp/usertrack-tap && runuser -u postgres -- \
#       make installcheck REGRESS= ISOLATION= PROVE_TESTS=test/t/002_dump_restore.pl
#
# or, without make (same environment as PGXS's prove_installcheck):
#
#   cd /tmp/usertrack-tap && runuser -u postgres -- env \
#       PATH=/usr/lib/postgresql/15/bin:$PATH TESTDIR=$PWD PGPORT=65432 \
#       PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
#       prove -I /usr/lib/postgresql/15/lib/pgxs/src/test/perl/ -I . \
#       test/t/002_dump_restore.pl
#
# Logs go to tmp_check/log/ of the directory the test runs in.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $source = PostgreSQL::Test::Cluster->new('source');
$source->init;
$source->start;

my $target = PostgreSQL::Test::Cluster->new('target');
$target->init;
$target->start;

$source->safe_psql('postgres', 'CREATE DATABASE src');
$source->safe_psql('src', 'CREATE EXTENSION usertrack');

$source->safe_psql(
	'src', q{
-- observations that arrive before their trace, and some whose trace never
-- comes
INSERT INTO usertrack.observations
       (id, trace_id, type, input_tokens, output_tokens, input_cost,
        output_cost, level, start_time, end_time)
SELECT 'early-' || i, 'tr-' || i, 'GENERATION', 10 * i, i, 0.00001 * i,
       CASE WHEN i % 2 = 0 THEN 0.00003 * i END,
       CASE WHEN i % 11 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute',
       timestamptz '2024-05-01 00:00+00' + i * interval '1 minute'
           + (i % 9) * interval '1 second'
  FROM pg_catalog.generate_series(1, 250, 3) AS i;
INSERT INTO usertrack.observations (id, trace_id, total_tokens, total_cost, level)
SELECT 'orphan-ob-' || i, 'never-' || (i % 7), i, 0.5, 'ERROR'
  FROM pg_catalog.generate_series(1, 20) AS i;

-- traces: users with odd ids, no user, empty user, sessions, days around
-- UTC midnight
INSERT INTO usertrack.traces
       (id, user_id, session_id, "timestamp", name, tags, metadata, release,
        version, environment)
SELECT 'tr-' || i,
       CASE WHEN i % 10 = 0 THEN NULL
            WHEN i % 10 = 5 THEN ''
            WHEN i % 10 = 1 THEN 'O''Brien ' || (i % 3)
            WHEN i % 10 = 2 THEN 'üser-' || (i % 4) || ' ✓'
            ELSE 'user-' || (i % 23) END,
       CASE WHEN i % 4 = 0 THEN NULL
            WHEN i % 4 = 1 THEN ''
            ELSE 'sess-' || (i % 17) END,
       timestamptz '2024-04-30 23:00+00' + i * interval '13 minutes',
       'chat', ARRAY['t' || (i % 3)], pg_catalog.jsonb_build_object('n', i),
       'r1', 'v' || (i % 2), CASE WHEN i % 3 = 0 THEN 'production' ELSE 'default' END
  FROM pg_catalog.generate_series(1, 300) AS i;

-- observations of present traces, with every way of giving cost and tokens
INSERT INTO usertrack.observations
       (id, trace_id, type, input_tokens, output_tokens, total_tokens,
        input_cost, output_cost, total_cost, level, start_time, end_time)
SELECT 'ob-' || i, 'tr-' || (i % 300 + 1),
       CASE WHEN i % 3 = 0 THEN 'SPAN' ELSE 'GENERATION' END,
       CASE WHEN i % 7 <> 0 THEN i % 1000 END,
       CASE WHEN i % 5 <> 0 THEN i % 333 END,
       CASE WHEN i % 6 = 0 THEN i END,
       CASE WHEN i % 4 = 1 THEN 0.000000123456789 * i END,
       CASE WHEN i % 4 = 2 THEN 0.0000025 * i END,
       CASE WHEN i % 8 = 3 THEN 0.1 * (i % 10) END,
       CASE WHEN i % 19 = 0 THEN 'ERROR' WHEN i % 19 = 1 THEN 'WARNING' ELSE 'DEFAULT' END,
       timestamptz '2024-05-01 00:00+00' + i * interval '1 second',
       CASE WHEN i % 2 = 0 THEN timestamptz '2024-05-01 00:00+00' + i * interval '3 seconds' END
  FROM pg_catalog.generate_series(1, 1500) AS i;

-- scores: of present traces, of absent traces, without a trace
INSERT INTO usertrack.scores
       (id, trace_id, observation_id, session_id, name, value, string_value,
        data_type, source, comment)
SELECT 'sc-' || i,
       CASE WHEN i % 9 = 0 THEN NULL
            WHEN i % 9 = 1 THEN ''
            WHEN i % 9 = 2 THEN 'never-' || (i % 5)
            ELSE 'tr-' || (i % 300 + 1) END,
       CASE WHEN i % 5 = 0 THEN 'ob-' || i END,
       CASE WHEN i % 9 = 0 THEN 'sess-' || (i % 17) END,
       CASE WHEN i % 3 = 0 THEN 'tone' ELSE 'helpfulness' END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 5) / 4.0 END,
       CASE WHEN i % 3 = 0 THEN 'friendly' END,
       CASE WHEN i % 3 = 0 THEN 'CATEGORICAL' ELSE 'NUMERIC' END,
       CASE WHEN i % 2 = 0 THEN 'EVAL' ELSE 'API' END,
       'comment ' || i
  FROM pg_catalog.generate_series(1, 400) AS i;

-- users and sessions changed afterwards
UPDATE usertrack.traces SET user_id = 'moved-' || (pg_catalog.substr(id, 4)::int % 3)
 WHERE pg_catalog.substr(id, 4)::int % 13 = 0;
UPDATE usertrack.traces SET user_id = NULL
 WHERE pg_catalog.substr(id, 4)::int % 29 = 0;
UPDATE usertrack.traces SET user_id = 'adopted'
 WHERE id IN ('tr-10', 'tr-20', 'tr-25');
UPDATE usertrack.traces SET session_id = 'renamed-' || (pg_catalog.substr(id, 4)::int % 2)
 WHERE pg_catalog.substr(id, 4)::int % 31 = 0;
UPDATE usertrack.traces SET "timestamp" = "timestamp" + interval '3 days'
 WHERE pg_catalog.substr(id, 4)::int % 37 = 0;

-- deletes: traces whose observations and scores then wait for nobody,
-- observations, scores
DELETE FROM usertrack.traces WHERE pg_catalog.substr(id, 4)::int % 41 = 0;
DELETE FROM usertrack.observations WHERE id LIKE 'ob-%' AND pg_catalog.substr(id, 4)::int % 43 = 0;
DELETE FROM usertrack.scores WHERE pg_catalog.substr(id, 4)::int % 47 = 0;

-- upserts: new rows and updates, one moving observations to another trace
INSERT INTO usertrack.observations AS o (id, trace_id, total_tokens, total_cost)
SELECT 'ob-' || (i * 50), 'tr-' || (i + 7), 1000 + i, 2.5
  FROM pg_catalog.generate_series(1, 40) AS i
ON CONFLICT (id) DO UPDATE
   SET trace_id = excluded.trace_id, total_tokens = excluded.total_tokens,
       total_cost = excluded.total_cost;
INSERT INTO usertrack.scores AS s (id, trace_id, name, value)
SELECT 'sc-' || (i * 20), 'tr-' || i, 'helpfulness', 1
  FROM pg_catalog.generate_series(1, 30) AS i
ON CONFLICT (id) DO UPDATE SET trace_id = excluded.trace_id, value = excluded.value;

-- the operator's prices: a model of its own with a parameter tier, an
-- override of a shipped model (same pattern), a dated version
INSERT INTO usertrack.model_prices
       (model_name, match_pattern, tier, tier_priority, parameter_key,
        parameter_values, input_price, output_price, usage_prices, note)
VALUES ('acme-llm', '^acme-llm(-v[0-9]+)?$', 'default', 0, NULL, NULL,
        0.000003, 0.000009, '{"input_cached_tokens": 0.0000003}', 'contract 2024'),
       ('acme-llm', '^acme-llm(-v[0-9]+)?$', 'batch', 1, 'mode', '{batch}',
        0.0000015, 0.0000045, '{}', NULL);
INSERT INTO usertrack.model_prices
       (model_name, match_pattern, input_price, output_price)
SELECT model_name, match_pattern, input_price / 2, output_price / 2
  FROM usertrack.model_prices
 WHERE source = 'default' AND model_name = 'gpt-4o-mini' AND tier = 'default';
INSERT INTO usertrack.model_prices
       (model_name, match_pattern, start_date, input_price, output_price)
VALUES ('acme-llm', '^acme-llm(-v[0-9]+)?$', '2024-05-01 00:10+00', 0.000002, 0.000006);

INSERT INTO usertrack.observations
       (id, trace_id, type, model, model_parameters, input_tokens,
        output_tokens, usage_details, total_cost, start_time)
SELECT 'priced-' || i, 'tr-' || (i % 300 + 1), 'GENERATION',
       CASE i % 4 WHEN 0 THEN 'acme-llm' WHEN 1 THEN 'ACME-LLM-v2'
                  WHEN 2 THEN 'gpt-4o-mini' ELSE 'unknown-model' END,
       CASE WHEN i % 5 = 0 THEN '{"mode": "batch"}'::jsonb END,
       100 + i, 10 + i % 50,
       CASE WHEN i % 3 = 0 THEN pg_catalog.jsonb_build_object('input_cached_tokens', i) END,
       CASE WHEN i % 10 = 9 THEN 0.25 END,
       timestamptz '2024-05-01 00:00+00' + i * interval '5 seconds'
  FROM pg_catalog.generate_series(1, 400) AS i;

-- a price change without recalculation: history keeps the old prices
UPDATE usertrack.model_prices SET output_price = 0.00002
 WHERE model_name = 'acme-llm' AND tier = 'batch';
-- and a price for a model that had none: its rows stay unpriced
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price)
VALUES ('unknown-model', '^unknown-model$', 0.001, 0.001);

-- user traits from trace metadata (restored by the trace rows) and set
-- explicitly (dumped), one overriding and one removing a trait of the traces
UPDATE usertrack.traces
   SET metadata = pg_catalog.jsonb_build_object('user_traits',
           pg_catalog.jsonb_build_object('plan', CASE WHEN id < 'tr-2' THEN 'free' ELSE 'pro' END,
                                         'region', 'eu'))
 WHERE id LIKE 'tr-1%';
SELECT usertrack.set_user_traits(user_id, '{"plan": "enterprise", "seats": 40}')
  FROM (SELECT DISTINCT user_id FROM usertrack.user_traits ORDER BY 1 LIMIT 2) u;
SELECT usertrack.set_user_traits(user_id, '{"region": null}')
  FROM (SELECT DISTINCT user_id FROM usertrack.user_traits ORDER BY 1 DESC LIMIT 1) u;

-- alert rules and the alerts they opened (one acknowledged), dumped too
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, time_zone,
                                   threshold, hard_budget)
VALUES ('cost 1 in 24h', 'model_cost', 'rolling', '24 hours', 'UTC', 1, true),
       ('tokens 100 a month', 'total_tokens', 'month', NULL, 'Asia/Kolkata', 100, false);
INSERT INTO usertrack.traces (id, user_id, "timestamp")
VALUES ('alert-1', 'alerted', now() - interval '1 hour');
INSERT INTO usertrack.observations (id, trace_id, total_cost, total_tokens)
VALUES ('alert-o1', 'alert-1', 2, 500);
SELECT usertrack.acknowledge_alert(id, 'seen')
  FROM usertrack.alerts WHERE metric = 'model_cost';
});

# The views, each in a stable order, and the input row counts.  Each row
# is compared by value, and the whole text separately below.
my @views = (
	[ 'all_users', 'usertrack.all_users', 'user_id' ],
	[ 'user_sessions', 'usertrack.user_sessions', 'user_id, session_id' ],
	[ 'user_daily', 'usertrack.user_daily', 'user_id, day' ],
	[ 'user_traces', 'usertrack.user_traces', 'trace_id' ],
	[ 'user_scores', 'usertrack.user_scores', 'score_id' ],
	[ 'totals', 'usertrack.totals', '1' ],
	# trace_totals without prior_latency, the writer's scratch value, which
	# depends on the order in which the rows were written
	[
		'trace_totals',
		'(SELECT t.trace_id, t.present, t.user_id, t.session_id, t.day, '
		  . 't.observations, t.input_tokens, t.output_tokens, t.total_tokens, '
		  . 't.model_cost, t.errors, t.scores, t.first_start, t.last_end '
		  . 'FROM usertrack.trace_totals t)',
		'trace_id'
	],
	[ 'user_traits', 'usertrack.user_traits', 'user_id' ],
	[ 'user_daily_totals', 'usertrack.user_daily_totals', 'user_id, day' ]);

my @compare = map {
	my ($name, $view, $order) = @$_;
	my $row =
	  $name eq 'user_scores' || $name eq 'user_traits'
	  ? 'pg_catalog.to_jsonb(r)'
	  : q{pg_catalog.to_jsonb(r) || pg_catalog.jsonb_build_object('model_cost', pg_catalog.trim_scale(r.model_cost))};
	[ $name, "SELECT $row FROM $view r ORDER BY $order" ]
} @views;
push @compare, [
	'operator prices', q{
SELECT pg_catalog.string_agg(pg_catalog.to_jsonb(p)::text, E'\n' ORDER BY id)
  FROM usertrack.model_prices p WHERE source = 'operator'}
  ],
  [
	'shipped prices', q{
SELECT pg_catalog.count(*) || ' ' || pg_catalog.max(id)
  FROM usertrack.model_prices WHERE source = 'default'}
  ],
  [
	'computed costs', q{
SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', id, computed_input_cost,
           computed_output_cost, computed_total_cost, price_id, unpriced_usage),
           E'\n' ORDER BY id)
  FROM usertrack.observations WHERE model IS NOT NULL}
  ],
  [
	'alert rules', q{
SELECT pg_catalog.string_agg(pg_catalog.to_jsonb(r)::text, E'\n' ORDER BY id)
  FROM usertrack.alert_rules r}
  ],
  [
	'alerts', q{
SELECT pg_catalog.string_agg(pg_catalog.to_jsonb(a)::text, E'\n' ORDER BY rule_id, user_id)
  FROM usertrack.alerts a}
  ],
  [
	'input rows', q{
SELECT (SELECT pg_catalog.count(*) FROM usertrack.traces) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.observations) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.scores)}
];

# All views as psql shows them, numeric scale included.
my $views_text = join("\nUNION ALL\n",
	map { "SELECT '$_->[0]', (SELECT pg_catalog.string_agg(r::text, E'\\n' ORDER BY $_->[2]) FROM $_->[1] r)" } @views);

sub snapshot
{
	my ($node, $db) = @_;
	my %snap;
	$snap{ $_->[0] } = $node->safe_psql($db, $_->[1]) for @compare;
	$snap{text} = $node->safe_psql($db, $views_text);
	return \%snap;
}

is($source->safe_psql('src', 'SELECT * FROM usertrack.verify() LIMIT 20'),
	'', 'verify() is empty in the source');

my $expected = snapshot($source, 'src');

# The data really covers what the test is about.
is( $source->safe_psql(
		'src', q{
SELECT (SELECT pg_catalog.count(*) > 30 FROM usertrack.all_users)
   AND (SELECT pg_catalog.count(*) > 0 FROM usertrack.trace_totals
         WHERE NOT present AND observations > 0)
   AND (SELECT pg_catalog.count(*) > 0 FROM usertrack.trace_totals
         WHERE NOT present AND scores > 0)
   AND (SELECT pg_catalog.count(*) > 0 FROM usertrack.scores
         WHERE COALESCE(trace_id, '') = '')
   AND (SELECT pg_catalog.count(*) > 0 FROM usertrack.all_users
         WHERE user_id LIKE 'moved-%' OR user_id = 'adopted')
   AND (SELECT total_events > user_events FROM usertrack.totals)}),
	't',
	'the source has users, absent traces, traceless scores and moved users');

# Stored computed costs that today's prices would not give, and every kind
# of price.
is( $source->safe_psql(
		'src', q{
SELECT (SELECT pg_catalog.count(*) > 0 FROM usertrack.observations o
         WHERE (o.computed_total_cost, o.price_id) IS DISTINCT FROM
               (SELECT (c.total_cost, c.price_id) FROM usertrack.compute_cost(o.model,
                    o.start_time, o.model_parameters, o.input_tokens,
                    o.output_tokens, o.total_tokens, o.usage_details) c))
   AND (SELECT pg_catalog.count(DISTINCT price_id) >= 4 FROM usertrack.observations)
   AND (SELECT observations = 100 FROM usertrack.unpriced_models
         WHERE model = 'unknown-model')}),
	't',
	'the source has computed costs from several prices, one of them since changed');

my $tempdir = PostgreSQL::Test::Utils::tempdir();
my $plain = "$tempdir/usertrack.sql";
my $custom = "$tempdir/usertrack.dump";

$source->command_ok(
	[ 'pg_dump', '-d', $source->connstr('src'), '-f', $plain ],
	'pg_dump in plain format');
$source->command_ok(
	[ 'pg_dump', '-Fc', '-d', $source->connstr('src'), '-f', $custom ],
	'pg_dump in custom format');

my $dump_text = PostgreSQL::Test::Utils::slurp_file($plain);
like(
	$dump_text,
	qr/^CREATE EXTENSION IF NOT EXISTS usertrack\b/m,
	'the dump creates the extension');
like($dump_text, qr/^COPY usertrack\.traces\b/m,
	'the dump holds the traces');
like($dump_text, qr/^COPY usertrack\.observations\b/m,
	'the dump holds the observations');
like($dump_text, qr/^COPY usertrack\.scores\b/m, 'the dump holds the scores');
unlike(
	$dump_text,
	qr/^COPY usertrack\.(trace_totals|user_totals|user_session_totals|user_daily_totals)\b/m,
	'the dump holds no maintained table');

my %restores = (
	restored_plain => [
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-f', $plain, '-d', $target->connstr('restored_plain')
	],
	restored_custom => [
		'pg_restore', '--exit-on-error',
		'-d', $target->connstr('restored_custom'), $custom
	],
	restored_parallel => [
		'pg_restore', '--exit-on-error', '-j', '4',
		'-d', $target->connstr('restored_parallel'), $custom
	]);

# With the triggers disabled: the schema (the extension), then the data
# alone with --disable-triggers, so that no total is kept while it loads,
# then the rest; rebuild() then computes every maintained table at once.
my @no_triggers = (
	[
		'pg_restore', '--exit-on-error', '--section=pre-data',
		'-d', $target->connstr('restored_no_triggers'), $custom
	],
	[
		'pg_restore', '--exit-on-error', '--data-only', '--disable-triggers',
		'-d', $target->connstr('restored_no_triggers'), $custom
	],
	[
		'pg_restore', '--exit-on-error', '--section=post-data',
		'-d', $target->connstr('restored_no_triggers'), $custom
	]);
$restores{restored_no_triggers} = undef;

foreach my $db (sort keys %restores)
{
	$target->safe_psql('postgres', "CREATE DATABASE $db");
	if ($db eq 'restored_no_triggers')
	{
		$target->command_ok($_, "restore into $db: " . join(' ', @{$_}[ 1 .. 3 ]))
		  foreach @no_triggers;
		is( $target->safe_psql(
				$db, q{
SELECT (SELECT pg_catalog.count(*) FROM usertrack.trace_totals) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.user_totals) || ' '
    || (SELECT pg_catalog.count(*) FROM usertrack.user_usage_buckets)}),
			'0 0 0',
			"with the triggers disabled, $db has no totals yet");
		ok( $target->safe_psql($db, 'SELECT pg_catalog.count(*) FROM usertrack.verify()') > 0,
			"and verify() says so in $db");
		$target->safe_psql($db, 'SELECT * FROM usertrack.rebuild()');
	}
	else
	{
		$target->command_ok($restores{$db}, "restore into $db");
	}

	my $version_sql =
	  q{SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'usertrack'};
	is( $target->safe_psql($db, $version_sql),
		$source->safe_psql('src', $version_sql),
		"the dump created the extension, at the source's version, in $db");
	is($target->safe_psql($db, 'SELECT * FROM usertrack.verify() LIMIT 20'),
		'', "verify() is empty in $db");

	my $got = snapshot($target, $db);
	foreach my $c (@compare)
	{
		is($got->{ $c->[0] }, $expected->{ $c->[0] },
			"$c->[0] of $db equals the source");
	}
	# Sums are kept with trailing zeros trimmed, so the text is identical
	# too, whatever the history of the deltas.
	is($got->{text}, $expected->{text},
		"views of $db show the same text as the source");

	# The restored database keeps counting.
	$target->safe_psql(
		$db, q{
INSERT INTO usertrack.traces (id, user_id, "timestamp")
VALUES ('never-1', 'late', '2024-05-09 10:00+00');
INSERT INTO usertrack.observations (id, trace_id, total_tokens)
VALUES ('after-restore', 'never-1', 5);
INSERT INTO usertrack.observations (id, trace_id, model, input_tokens, start_time)
VALUES ('priced-after-restore', 'never-1', 'acme-llm', 1000, '2024-05-09 10:00+00');
});
	is($target->safe_psql($db, 'SELECT * FROM usertrack.verify() LIMIT 20'),
		'', "verify() is empty in $db after more writes");
	is( $target->safe_psql(
			$db, q{
INSERT INTO usertrack.traces (id, user_id, "timestamp")
VALUES ('alert-2', 'alerted', now()), ('alert-3', 'late-alerted', now());
INSERT INTO usertrack.observations (id, trace_id, total_cost)
VALUES ('alert-o2', 'alert-2', 5), ('alert-o3', 'alert-3', 5);
SELECT pg_catalog.string_agg(user_id || ' ' || state, ', ' ORDER BY user_id)
  FROM usertrack.alerts WHERE metric = 'model_cost'}),
		'alerted acknowledged, late-alerted open',
		"the restored rules alert a new user in $db, and not again the one alerted");
	is( $target->safe_psql(
			$db, q{
SELECT computed_total_cost FROM usertrack.observations WHERE id = 'priced-after-restore'}),
		'0.002000',
		"the operator's restored prices price new rows in $db");
	is( $target->safe_psql(
			$db, q{
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price)
VALUES ('after-restore', '^after-restore$', 0.1)
RETURNING id > (SELECT pg_catalog.max(id) FROM usertrack.model_prices
                 WHERE model_name <> 'after-restore')}),
		't',
		"new operator prices in $db get fresh ids");
}

$source->stop;
$target->stop;
done_testing();
