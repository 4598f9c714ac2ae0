# Upgrades: every step between two shipped versions, and the whole chain,
# keep the data, the totals and verify() right, and leave the same objects
# as a fresh install.
#
# The versions and the steps come from the installed scripts (usertrack--A.sql
# and usertrack--A--B.sql, via pg_available_extension_versions and
# pg_extension_update_paths), so a new upgrade script is tested without
# editing this file.  For each one-step upgrade A -> B, and for the oldest
# version straight to the default one:
#
#   1. CREATE EXTENSION usertrack VERSION 'A' in a new database;
#   2. a workload of plain SQL every version accepts: traces, observations
#      and scores, upserts, UPDATEs that move traces between users, DELETEs,
#      an operator's model price, an alert rule; part of it in deferred
#      mode, so the delta log is not empty at upgrade time;
#   3. a snapshot of every view;
#   4. ALTER EXTENSION usertrack UPDATE TO 'B': the version is B, every view
#      reads as before, verify() is empty, and the not yet folded log is
#      still there and still counted;
#   5. more writes after the upgrade (immediate and deferred), then a refresh:
#      verify() empty, and the views equal those of a database created at B
#      directly that received the same statements;
#   6. the extension's objects (every member, with its definition: columns,
#      constraints, indexes, triggers, function bodies and settings, views,
#      privileges) are the same as in that fresh database.
#
# Run like the other TAP tests (see 002_dump_restore.pl), as a user other than
# root, after make install.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# versions, oldest first, and the one-step upgrades
my @versions = split /\n/, $node->safe_psql(
	'postgres', q{
SELECT version FROM pg_catalog.pg_available_extension_versions
 WHERE name = 'usertrack'
 ORDER BY pg_catalog.string_to_array(version, '.')::int[]});
my $default = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'usertrack'});
my @steps = map { [ split /\|/ ] } split /\n/, $node->safe_psql(
	'postgres', q{
SELECT source || '|' || target FROM pg_catalog.pg_extension_update_paths('usertrack')
 WHERE path = source || '--' || target
 ORDER BY pg_catalog.string_to_array(source, '.')::int[], pg_catalog.string_to_array(target, '.')::int[]});

note "versions: @versions; default $default; steps: "
  . join(', ', map { "$_->[0] -> $_->[1]" } @steps);
ok(scalar(@versions) >= 2, 'at least two versions are installed');
ok(scalar(@steps) >= 1, 'at least one upgrade script is installed');
is($versions[-1], $default, 'the newest version is the default one');

# the whole chain, oldest to default, as one more "step"
push @steps, [ $versions[0], $default ] if scalar(@steps) > 1;

# Statements before the upgrade: a mix of everything the triggers handle.
my $before = q{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp", name, tags, metadata)
SELECT 't' || i, 'user-' || (i % 7), 's' || (i % 11),
       timestamptz '2026-10-01 00:00+00' + i * interval '37 minutes',
       'chat', ARRAY['plan-' || (i % 3)], jsonb_build_object('region', 'r' || (i % 2))
  FROM generate_series(1, 120) AS i;
INSERT INTO usertrack.observations
       (id, trace_id, type, model, start_time, end_time, input_tokens, output_tokens,
        input_cost, output_cost, level)
SELECT 'o' || i, 't' || (i % 130), 'GENERATION',
       CASE WHEN i % 4 = 0 THEN 'gpt-4o' ELSE 'my-own-model' END,
       timestamptz '2026-10-01 00:00+00' + i * interval '11 minutes',
       timestamptz '2026-10-01 00:00+00' + i * interval '11 minutes' + (i % 13) * interval '1 second',
       100 + i, 10 + i % 50,
       CASE WHEN i % 4 <> 0 THEN 0.000001 * i END, CASE WHEN i % 4 <> 0 THEN 0.000002 * i END,
       CASE WHEN i % 17 = 0 THEN 'ERROR' ELSE 'DEFAULT' END
  FROM generate_series(1, 400) AS i;
INSERT INTO usertrack.scores (id, trace_id, name, value, "timestamp")
SELECT 'sc' || i, 't' || i, 'quality', (i % 5) / 4.0,
       timestamptz '2026-10-02 00:00+00' + i * interval '1 minute'
  FROM generate_series(1, 60) AS i;
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, output_price, start_date)
VALUES ('my-own-model', '^my-own-model$', 0.000001, 0.000003, '2020-01-01');
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold)
VALUES ('big spender', 'total_tokens', 'rolling', '1 day', 5000);
SELECT usertrack.set_user_traits('user-1', '{"plan": "pro", "region": "eu"}');
SELECT usertrack.set_user_traits('user-2', '{"plan": "free"}');
UPDATE usertrack.traces SET user_id = 'user-moved' WHERE id IN ('t3', 't4', 't5');
DELETE FROM usertrack.observations WHERE id IN ('o7', 'o8');
INSERT INTO usertrack.observations (id, trace_id, input_tokens) VALUES ('o9', 't9', 1)
    ON CONFLICT (id) DO UPDATE SET input_tokens = excluded.input_tokens;
SET usertrack.maintenance = deferred;
INSERT INTO usertrack.traces (id, user_id, "timestamp")
SELECT 'd' || i, 'user-' || (i % 5), timestamptz '2026-10-05 00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 30) AS i;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, start_time)
SELECT 'do' || i, 'd' || (i % 30 + 1), 7 * i, i, 0.001 * i,
       timestamptz '2026-10-05 00:00+00' + i * interval '17 minutes'
  FROM generate_series(1, 90) AS i;
DELETE FROM usertrack.traces WHERE id = 't10';
RESET usertrack.maintenance;
};

# Statements after the upgrade, then a refresh.
my $after = q{
INSERT INTO usertrack.traces (id, user_id, session_id, "timestamp")
SELECT 'n' || i, 'user-' || (i % 9), 'ns' || (i % 4),
       timestamptz '2026-10-09 00:00+00' + i * interval '13 minutes'
  FROM generate_series(1, 50) AS i;
INSERT INTO usertrack.observations (id, trace_id, input_tokens, output_tokens, total_cost, level, start_time)
SELECT 'no' || i, 'n' || (i % 50 + 1), i, 2 * i, 0.0001 * i,
       CASE WHEN i % 9 = 0 THEN 'ERROR' ELSE 'DEFAULT' END,
       timestamptz '2026-10-09 00:00+00' + i * interval '5 minutes'
  FROM generate_series(1, 150) AS i;
UPDATE usertrack.observations SET output_tokens = output_tokens + 1 WHERE id LIKE 'o1%';
SET usertrack.maintenance = deferred;
UPDATE usertrack.traces SET user_id = 'user-late' WHERE id IN ('d1', 'd2', 't20');
DELETE FROM usertrack.observations WHERE id LIKE 'do2%';
RESET usertrack.maintenance;
CALL usertrack.refresh();
};

# every view, ordered, as text
my @views = qw(all_users user_traces user_sessions user_scores user_daily totals user_traits);
sub snapshot
{
	my ($db) = @_;
	return join "\n", map {
		my $v = $_;
		# user_traits: without the time the traits were set
		my $cols = $v eq 'user_traits' ? "v.user_id || ' ' || v.traits::text" : 'v::text';
		"-- $v\n"
		  . $node->safe_psql($db,
			"SELECT $cols FROM usertrack.$v AS v ORDER BY 1");
	} @views;
}

# The extension's objects with their definitions, in one text: member
# objects by identity, table columns, constraints, indexes, triggers,
# functions (body, settings, volatility, security), views, privileges and
# comments.  Object ids, which differ between databases, are left out.
my $catalog = q{
WITH members AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_extension e ON d.refclassid = 'pg_catalog.pg_extension'::regclass
                                     AND d.refobjid = e.oid
     WHERE e.extname = 'usertrack' AND d.deptype = 'e')
SELECT line FROM (
    SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, objsubid) AS line FROM members
    UNION ALL
    SELECT format('column %s.%s %s %s %s', c.relname, a.attnum, a.attname,
                  pg_catalog.format_type(a.atttypid, a.atttypmod),
                  concat_ws(' ', CASE WHEN a.attnotnull THEN 'not null' END,
                            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated))
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'usertrack'
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('acl %s %s', c.relname, c.relacl)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'usertrack'
    UNION ALL
    SELECT format('constraint %s %s %s', co.conrelid::regclass, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
      FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_namespace n ON n.oid = co.connamespace
     WHERE n.nspname = 'usertrack'
    UNION ALL
    SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
      FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'usertrack'
    UNION ALL
    SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
      FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'usertrack' AND NOT t.tgisinternal
    UNION ALL
    SELECT format('function %s %s %s', p.oid::regprocedure, p.proacl,
                  CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_catalog.pg_get_functiondef(p.oid)
                       ELSE p.prokind::text END)
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'usertrack'
    UNION ALL
    SELECT format('view %s %s', c.relname, pg_catalog.pg_get_viewdef(c.oid))
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'usertrack' AND c.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('comment %s %s', pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
      FROM pg_catalog.pg_description d JOIN members m
        ON m.classid = d.classoid AND m.objid = d.objoid
    UNION ALL
    SELECT format('config %s %s', c.relname, x.cond)
      FROM pg_catalog.pg_extension e,
           LATERAL unnest(e.extconfig, e.extcondition) AS x(cfg, cond)
      JOIN pg_catalog.pg_class c ON c.oid = x.cfg
     WHERE e.extname = 'usertrack'
) AS all_lines
ORDER BY line};

my $n = 0;
for my $step (@steps)
{
	my ($from, $to) = @$step;
	$n++;
	my $db = "up$n";
	my $fresh = "fresh$n";
	my $name = "$from -> $to";

	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION usertrack VERSION '$from'");
	$node->safe_psql($db, $before);
	my $pending = $node->safe_psql($db, 'SELECT count(*) FROM usertrack.pending_deltas');
	ok($pending > 0, "$name: the delta log has $pending rows before the upgrade");
	my $views_before = snapshot($db);

	$node->safe_psql($db, "ALTER EXTENSION usertrack UPDATE TO '$to'");
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'usertrack'}),
		$to, "$name: the extension is at $to");
	is(snapshot($db), $views_before, "$name: every view reads as before the upgrade");
	is($node->safe_psql($db, 'SELECT count(*) FROM usertrack.verify()'),
		'0', "$name: verify() is empty after the upgrade");
	is($node->safe_psql($db, 'SELECT count(*) FROM usertrack.pending_deltas'),
		$pending, "$name: the delta log is kept");

	$node->safe_psql($db, $after);
	is($node->safe_psql($db, 'SELECT count(*) FROM usertrack.verify()'),
		'0', "$name: verify() is empty after more writes and a refresh");

	# the same statements in a database created at $to directly
	$node->safe_psql('postgres', "CREATE DATABASE $fresh");
	$node->safe_psql($fresh, "CREATE EXTENSION usertrack VERSION '$to'");
	$node->safe_psql($fresh, $before);
	$node->safe_psql($fresh, $after);
	is(snapshot($db), snapshot($fresh),
		"$name: the views equal those of a fresh $to install given the same statements");

	# the functions an upgrade may replace, called in both databases
	my $calls = q{
SELECT usertrack.export_user('user-1') - 'exported_at' - 'traits';
SELECT count(*), sum(total_tokens) FROM usertrack.user_journey('user-3');
SELECT * FROM usertrack.user_stats('user-4');
SELECT * FROM usertrack.forget_user('user-2') ORDER BY 1;
SELECT count(*) FROM usertrack.verify();
};
	is($node->safe_psql($db, $calls), $node->safe_psql($fresh, $calls),
		"$name: export_user, user_journey, user_stats and forget_user answer as in a fresh install");
	is(snapshot($db), snapshot($fresh),
		"$name: and the views are still equal after forget_user");
	my $objects = $node->safe_psql($db, $catalog);
	my $lines = () = $objects =~ /\n/g;
	ok($lines > 500, "$name: the object listing is complete ($lines lines)");
	is($objects, $node->safe_psql($fresh, $catalog),
		"$name: the objects are those of a fresh $to install");
}

# 1.1 refuses values 1.0 accepted: an upgrade from 1.0 with such rows
# stops, names them, and goes through once they are corrected
if (grep { $_->[0] eq '1.0' } @steps)
{
	$node->safe_psql('postgres', 'CREATE DATABASE refused');
	$node->safe_psql('refused', "CREATE EXTENSION usertrack VERSION '1.0'");
	# the price as the 1.0 library let it in (this library checks it already)
	$node->safe_psql('refused', q{
SET session_replication_role = replica;
INSERT INTO usertrack.model_prices (model_name, match_pattern, input_price, start_date)
VALUES ('never', '^never$', 1, 'infinity');
RESET session_replication_role;
INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold, scope, scope_value)
VALUES ('nobody', 'errors', 'rolling', '1 hour', 1, 'user', repeat('u', 1025));});
	my ($ret, $out, $err) = $node->psql('refused', 'ALTER EXTENSION usertrack UPDATE');
	ok($ret != 0 && $err =~ /usertrack 1\.1 refuses rows this database has/
		  && $err =~ /\(never\)/ && $err =~ /\(nobody\)/,
		'1.0 -> 1.1: the upgrade stops on rows 1.1 refuses, naming them');
	$node->safe_psql('refused', q{
DELETE FROM usertrack.model_prices WHERE model_name = 'never';
DELETE FROM usertrack.alert_rules WHERE name = 'nobody';
ALTER EXTENSION usertrack UPDATE;});
	is($node->safe_psql('refused', q{SELECT extversion FROM pg_extension WHERE extname = 'usertrack'}),
		$default, '1.0 -> 1.1: and goes through once they are corrected');
}

# the version check, at the default version
$node->safe_psql('postgres', 'CREATE DATABASE latest');
$node->safe_psql('latest', 'CREATE EXTENSION usertrack');
is( $node->safe_psql(
		'latest',
		'SELECT extension_version, library_version, up_to_date, hint IS NULL FROM usertrack.version()'),
	"$default|$default|t|t",
	'usertrack.version(): the objects and the library are both at the default version');

$node->stop;
done_testing();
