/*
 * listen_alerts.c
 *
 * A listener receives the notifications of the alerts writers open.
 *
 * One connection LISTENs on usertrack_alerts; another creates an alert rule
 * (model cost of 5 or more in the last 24 hours) and writes:
 *
 *   1. a user crossing the threshold: one notification, whose JSON payload
 *      names the rule, the user, the metric, the value and the alert id of
 *      the row in usertrack.alerts;
 *   2. more cost for that user in the same period: no notification;
 *   3. a crossing that rolls back: no notification (NOTIFY is sent at
 *      commit) and no alert;
 *   4. a crossing written in deferred mode: no notification until
 *      CALL usertrack.refresh(), which evaluates the rules, then one.
 *
 * Connection settings come from the PG* environment variables (the test
 * command runs it inside pg_virtualenv).  Prints one line per check and
 * exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include "libpq-fe.h"

static int	failures = 0;
static int	checks = 0;

static void
check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
}

static void
die(PGconn *conn, const char *what)
{
	fprintf(stderr, "listen_alerts: %s: %s", what, PQerrorMessage(conn));
	exit(2);
}

/* Runs a command or query; returns its result, which the caller clears. */
static PGresult *
run(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "listen_alerts: %s\n  failed: %s", sql,
				PQresultErrorMessage(res));
		exit(2);
	}
	return res;
}

static void
exec(PGconn *conn, const char *sql)
{
	PQclear(run(conn, sql));
}

/*
 * Waits up to timeout_ms for a notification on the listening connection;
 * returns it (the caller frees it with PQfreemem) or NULL.
 */
static PGnotify *
wait_notify(PGconn *conn, int timeout_ms)
{
	struct timeval end,
				now;

	gettimeofday(&end, NULL);
	end.tv_sec += timeout_ms / 1000;
	end.tv_usec += (timeout_ms % 1000) * 1000;
	if (end.tv_usec >= 1000000)
	{
		end.tv_sec++;
		end.tv_usec -= 1000000;
	}
	for (;;)
	{
		PGnotify   *n;
		fd_set		fds;
		struct timeval left;
		int			sock = PQsocket(conn);

		if (!PQconsumeInput(conn))
			die(conn, "PQconsumeInput");
		n = PQnotifies(conn);
		if (n != NULL)
			return n;
		gettimeofday(&now, NULL);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_usec = end.tv_usec - now.tv_usec;
		if (left.tv_usec < 0)
		{
			left.tv_sec--;
			left.tv_usec += 1000000;
		}
		if (left.tv_sec < 0)
			return NULL;
		FD_ZERO(&fds);
		FD_SET(sock, &fds);
		if (select(sock + 1, &fds, NULL, NULL, &left) < 0)
		{
			perror("select");
			exit(2);
		}
	}
}

/*
 * Checks a payload against the alert row it announces, on the server: the
 * payload is JSON with the rule, user, metric, value and threshold of the
 * alert whose id it carries.
 */
static void
check_payload(PGconn *conn, const PGnotify *n, const char *user)
{
	const char *params[2] = {n->extra, user};
	PGresult   *res = PQexecParams(conn,
									"SELECT (p ->> 'user_id') = $2 "
									"   AND p ->> 'rule' = 'cost 5 in 24h' "
									"   AND p ->> 'metric' = 'model_cost' "
									"   AND (p ->> 'threshold')::numeric = 5 "
									"   AND (p ->> 'value')::numeric = a.value "
									"   AND (p ->> 'hard_budget')::boolean = false "
									"   AND (p ->> 'window_start')::timestamptz = a.window_start "
									"   AND a.user_id = $2 AND a.state = 'open' "
									"  FROM (SELECT $1::jsonb AS p) x "
									"  JOIN usertrack.alerts a ON a.id = (x.p ->> 'alert_id')::uuid",
									2, NULL, params, NULL, NULL, 0);

	check(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		  strcmp(PQgetvalue(res, 0, 0), "t") == 0,
		  "the payload is JSON naming the alert row, its rule, user, metric, value and threshold");
	PQclear(res);
}

static long
count(PGconn *conn, const char *sql)
{
	PGresult   *res = run(conn, sql);
	long		v = atol(PQgetvalue(res, 0, 0));

	PQclear(res);
	return v;
}

int
main(void)
{
	PGconn	   *listener = PQconnectdb("");
	PGconn	   *writer = PQconnectdb("");
	PGnotify   *n;

	if (PQstatus(listener) != CONNECTION_OK)
		die(listener, "connect");
	if (PQstatus(writer) != CONNECTION_OK)
		die(writer, "connect");
	exec(writer, "SET client_min_messages = warning");
	exec(writer, "TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores");
	exec(writer, "DELETE FROM usertrack.alert_rules");
	exec(writer,
		 "INSERT INTO usertrack.alert_rules (name, metric, window_kind, window_length, threshold) "
		 "VALUES ('cost 5 in 24h', 'model_cost', 'rolling', '24 hours', 5)");
	exec(listener, "LISTEN usertrack_alerts");

	/* 1. a crossing */
	exec(writer, "INSERT INTO usertrack.traces (id, user_id, \"timestamp\") "
		 "VALUES ('t1', 'listen-user', now() - interval '1 hour')");
	exec(writer, "INSERT INTO usertrack.observations (id, trace_id, total_cost) "
		 "VALUES ('o1', 't1', 3), ('o2', 't1', 3)");
	n = wait_notify(listener, 10000);
	check(n != NULL, "a write crossing the threshold sends a notification");
	if (n != NULL)
	{
		check(strcmp(n->relname, "usertrack_alerts") == 0,
			  "on the channel usertrack_alerts");
		check(n->be_pid != PQbackendPID(listener),
			  "from the writer's backend");
		check_payload(writer, n, "listen-user");
		PQfreemem(n);
	}

	/* 2. the same period again */
	exec(writer, "INSERT INTO usertrack.observations (id, trace_id, total_cost) "
		 "VALUES ('o3', 't1', 10)");
	n = wait_notify(listener, 1000);
	check(n == NULL, "more cost in the same period sends nothing");
	if (n != NULL)
		PQfreemem(n);

	/* 3. rolled back */
	exec(writer, "BEGIN");
	exec(writer, "INSERT INTO usertrack.traces (id, user_id, \"timestamp\") "
		 "VALUES ('t2', 'rolled-back-user', now())");
	exec(writer, "INSERT INTO usertrack.observations (id, trace_id, total_cost) "
		 "VALUES ('o4', 't2', 9)");
	exec(writer, "ROLLBACK");
	n = wait_notify(listener, 1000);
	check(n == NULL, "a crossing that rolls back sends nothing");
	if (n != NULL)
		PQfreemem(n);
	check(count(writer, "SELECT count(*) FROM usertrack.alerts "
				"WHERE user_id = 'rolled-back-user'") == 0,
		  "and leaves no alert");

	/* 4. deferred: the refresh evaluates */
	exec(writer, "SET usertrack.maintenance = deferred");
	exec(writer, "INSERT INTO usertrack.traces (id, user_id, \"timestamp\") "
		 "VALUES ('t3', 'deferred-user', now())");
	exec(writer, "INSERT INTO usertrack.observations (id, trace_id, total_cost) "
		 "VALUES ('o5', 't3', 8)");
	n = wait_notify(listener, 1000);
	check(n == NULL, "a deferred write sends nothing before the refresh");
	if (n != NULL)
		PQfreemem(n);
	exec(writer, "RESET usertrack.maintenance");
	exec(writer, "CALL usertrack.refresh()");
	n = wait_notify(listener, 10000);
	check(n != NULL, "the refresh sends the deferred user's notification");
	if (n != NULL)
	{
		check_payload(writer, n, "deferred-user");
		PQfreemem(n);
	}
	n = wait_notify(listener, 500);
	check(n == NULL, "and only one");
	if (n != NULL)
		PQfreemem(n);

	check(count(writer, "SELECT count(*) FROM usertrack.verify()") == 0,
		  "verify() is empty");
	exec(writer, "DELETE FROM usertrack.alert_rules");
	exec(writer, "TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores");
	PQfinish(listener);
	PQfinish(writer);
	printf("listen_alerts: %d checks, %d failed: %s\n", checks, failures,
		   failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
