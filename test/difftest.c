/*
 * difftest.c: seeded randomized differential test of usertrack, over libpq.
 *
 * It runs thousands of random valid writes against the three input tables
 * (multi-row INSERT with and without ON CONFLICT, COPY, UPDATE, DELETE,
 * TRUNCATE, data-modifying CTEs) in random transactions with commits,
 * rollbacks and savepoints, from one or more concurrent connections.  Then it
 * reads every row of the input tables, computes in C, without using
 * anything of the extension, what all_users, user_sessions, user_daily,
 * user_traces, user_scores and totals must show (SPEC.md section 4), and
 * compares every row and column; usertrack.verify() must be empty too.
 * With one client the comparison also runs every 500 operations, so that a
 * bug shows near the operation that caused it.
 *
 * Usage:
 *   test/difftest [--seed N] [--ops N] [--clients N] [--conninfo STR]
 *                 [--log FILE] [--autocommit]
 *
 *   --seed N      seed of the random workload (default 1); one client and
 *                 one seed always send the same statements
 *   --ops N       number of write statements, split among clients (3000)
 *   --clients N   concurrent connections writing at once (default 1); with
 *                 more than one, deadlocks (40P01), serialization failures
 *                 (40001) and unique violations (23505) are expected: the
 *                 transaction is rolled back, counted, and the run goes on
 *   --conninfo S  libpq connection string (default "": PGHOST, PGPORT...)
 *   --log FILE    write every statement sent, as a psql script, to FILE;
 *                 with one client, psql -f FILE replays the run (but for
 *                 traces written without a timestamp, which get now())
 *   --autocommit  every statement in its own transaction; a deadlock is
 *                 then a failure, since the extension must take its locks
 *                 in one order within a statement
 *
 * Build: make test-programs.  Run in a throwaway cluster, for instance
 *   pg_virtualenv -t -v 15 sh -c \
 *     'psql -c "create extension usertrack" && test/difftest --seed 1'
 * The last line is "difftest seed=S ops=N clients=C: ok" (exit 0) or
 * "...: FAILED (k differences)" (exit 1), where k counts the differences
 * found plus the unexpected errors; usage errors exit 2.  The first 20
 * differences are printed as "DIFF view [key] column: shown X, expected Y"
 * (and "VERIFY ..." for rows of verify()).  With several clients it sets
 * deadlock_timeout to 20ms when allowed (superuser), to keep runs short.
 *
 * Cost: the run first writes its own model prices (price_rows below: a
 * model with a parameter tier and a usage tier, a model with one price, a
 * shorter catch-all pattern) and observations name those models, a model
 * without a price, and case variants.  The oracle prices every observation
 * itself, in C, from the same price list (price_of below), checks each
 * stored computed_total_cost, and counts the supplied cost where there is
 * one, else the computed one.  At the end the run adds a dated price for
 * one model, calls recalculate_costs() with a random filter that covers the
 * affected rows, checks the count it returns, and compares everything again.
 *
 * Analytics: half the trace metadata carries user traits, which verify()
 * checks against a recomputation, and user_stats() is compared over random
 * windows (check_user_stats below).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <libpq-fe.h>

typedef long long int64;

#define N_TRACE_IDS 60
#define N_GHOST_IDS 6
#define N_OBS_IDS 200
#define N_SCORE_IDS 60
#define N_SESSIONS 8
#define CHECK_EVERY 500
#define MAX_DIFFS_SHOWN 20
#define MAX_ROWS 8
#define NCOLS(a) ((int) (sizeof(a) / sizeof(a[0])))

/* 2024-03-09 00:00:00 UTC; the US switch to summer time is the day after */
#define BASE_MICROS 1709942400000000LL
#define DAY_MICROS 86400000000LL
#define WINDOW_DAYS 4

static const char *const users[] = {
	"alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi",
	"ivan", "judy", "O'Brien", "\xc3\xbc" "n" "\xc3\xaf" "code"
};
#define N_USERS ((int) (sizeof(users) / sizeof(users[0])))

static const char *const obs_types[] = {
	"SPAN", "GENERATION", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER",
	"EVALUATOR", "EMBEDDING", "GUARDRAIL"
};
static const char *const levels[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR"};
static const char *const timezones[] = {
	"UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati",
	"Etc/GMT+12", "Europe/Berlin"
};

/* ------------------------------------------------------------------------
 * Small utilities
 * ------------------------------------------------------------------------ */

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "difftest: out of memory\n");
		exit(1);
	}
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
	{
		fprintf(stderr, "difftest: out of memory\n");
		exit(1);
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

typedef struct
{
	char	   *p;
	size_t		len;
	size_t		cap;
} sbuf;

static void
sb_reserve(sbuf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 256;

		while (b->len + extra + 1 > cap)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
}

static void
sb_reset(sbuf *b)
{
	sb_reserve(b, 0);
	b->len = 0;
	b->p[0] = '\0';
}

static void
sb_free(sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void
sb_puts(sbuf *b, const char *s)
{
	size_t		n = strlen(s);

	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void sb_printf(sbuf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(sbuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* an SQL literal, or NULL */
static void
sb_lit(sbuf *b, const char *v)
{
	if (v == NULL)
	{
		sb_puts(b, "NULL");
		return;
	}
	sb_reserve(b, 2 * strlen(v) + 2);
	b->p[b->len++] = '\'';
	for (; *v; v++)
	{
		if (*v == '\'')
			b->p[b->len++] = '\'';
		b->p[b->len++] = *v;
	}
	b->p[b->len++] = '\'';
	b->p[b->len] = '\0';
}

/* days since 1970-01-01 to a civil date (proleptic Gregorian) */
static void
civil_from_days(int64 z, int *y, int *m, int *d)
{
	int64		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

static int64
floordiv(int64 a, int64 b)
{
	int64		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * A timestamp literal for the instant utc (epoch microseconds) written in
 * the time zone offset off_min; style picks the spelling.  Style 3 leaves
 * the zone out, so the session's TimeZone decides the instant.
 */
static void
format_timestamp(char *out, size_t outlen, int64 utc, int off_min, int style)
{
	int64		local = utc + (int64) off_min * 60000000LL;
	int64		days = floordiv(local, DAY_MICROS);
	int64		rem = local - days * DAY_MICROS;
	int			y,
				mo,
				d;
	int			hh = (int) (rem / 3600000000LL);
	int			mi = (int) (rem / 60000000LL % 60);
	int			ss = (int) (rem / 1000000LL % 60);
	int			us = (int) (rem % 1000000LL);
	char		zone[16];
	int			aoff = off_min < 0 ? -off_min : off_min;

	civil_from_days(days, &y, &mo, &d);
	if (style == 3)
		zone[0] = '\0';
	else if (off_min == 0 && style == 1)
		snprintf(zone, sizeof(zone), "Z");
	else if (aoff % 60 == 0 && style != 2)
		snprintf(zone, sizeof(zone), "%c%02d", off_min < 0 ? '-' : '+', aoff / 60);
	else
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off_min < 0 ? '-' : '+',
				 aoff / 60, aoff % 60);
	snprintf(out, outlen, "%04d-%02d-%02d%c%02d:%02d:%02d.%06d%s",
			 y, mo, d, style == 2 ? 'T' : ' ', hh, mi, ss, us, zone);
}

/* ------------------------------------------------------------------------
 * Clients and statement execution
 * ------------------------------------------------------------------------ */

typedef struct
{
	int			idx;
	PGconn	   *conn;
	uint64_t	rng;
	int			nops;
	int			ops_done;
	int			truncate_until; /* no TRUNCATE after this many ops */
	int			in_txn;
	int			in_autocommit;	/* the current statement is alone */
	int			in_repeatable;	/* in a REPEATABLE READ transaction */
	/* counters */
	long		statements;
	long		commits;
	long		rollbacks;
	long		savepoint_rollbacks;
	long		n23505;
	long		n40P01;
	long		n40P01_single;
	long		n40001;
	long		unexpected;
	char		last_state[6];
	sbuf		sql;
	sbuf		data;
} client_t;

static int nclients = 1;
static int autocommit_only = 0;

/* --mode: usertrack.maintenance of the writers */
enum
{
	MODE_IMMEDIATE,
	MODE_DEFERRED,
	MODE_MIXED
};
static int maintenance_mode = MODE_IMMEDIATE;
static int single_deadlocks_shown = 0;
static FILE *logfile = NULL;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t	z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
rnd(client_t *c, int n)
{
	return (int) (rng_next(&c->rng) % (uint64_t) n);
}

static int64
rnd64(client_t *c, int64 n)
{
	return (int64) (rng_next(&c->rng) % (uint64_t) n);
}

static int
pct(client_t *c, int p)
{
	return rnd(c, 100) < p;
}

static void
log_text(client_t *c, const char *text, const char *copydata)
{
	if (logfile == NULL)
		return;
	pthread_mutex_lock(&out_lock);
	if (nclients > 1)
		fprintf(logfile, "-- client %d\n", c->idx);
	fprintf(logfile, "%s;\n", text);
	if (copydata)
		fprintf(logfile, "%s\\.\n", copydata);
	fflush(logfile);
	pthread_mutex_unlock(&out_lock);
}

enum
{
	X_OK, X_EXPECTED, X_UNEXPECTED
};

static int
is_input_pkey(const char *cons)
{
	return cons != NULL && (strcmp(cons, "traces_pkey") == 0 ||
							strcmp(cons, "observations_pkey") == 0 ||
							strcmp(cons, "scores_pkey") == 0);
}

/* counts an error result as expected or not; prints the unexpected ones */
static int
classify_error(client_t *c, const PGresult *res, const char *sql)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	snprintf(c->last_state, sizeof(c->last_state), "%s", state ? state : "?????");
	if (state && strcmp(state, "23505") == 0 && is_input_pkey(cons))
	{
		c->n23505++;
		return X_EXPECTED;
	}
	if (nclients > 1 && state && strcmp(state, "40001") == 0)
	{
		c->n40001++;
		return X_EXPECTED;
	}
	if (nclients > 1 && state && strcmp(state, "40P01") == 0)
	{
		c->n40P01++;
		if (c->in_autocommit)
		{
			/*
			 * A single statement can still be the victim of a cycle with a
			 * multi-statement transaction; show the first few so that a
			 * deadlock inside one statement's maintenance can be told.
			 */
			c->n40P01_single++;
			/*
			 * A statement's own rows (its UPDATE or DELETE of input rows,
			 * in the order it meets them) can deadlock with another
			 * statement's: that cycle is the application's.  Ours would
			 * be raised inside the maintenance SQL, whose context names
			 * an "SQL statement"; a statement still in its own DML holds
			 * no maintained row, so it cannot be part of such a cycle.
			 */
			if (autocommit_only && (ctx == NULL || strstr(ctx, "SQL statement") == NULL))
				return X_EXPECTED;
			if (!autocommit_only)
			{
				pthread_mutex_lock(&out_lock);
				if (single_deadlocks_shown++ < 3)
					fprintf(stderr, "note: client %d: a single statement lost a deadlock"
							" (%.*s): %.200s\n", c->idx,
							ctx ? (int) strcspn(ctx, "\n") : 0, ctx ? ctx : "", sql);
				pthread_mutex_unlock(&out_lock);
				return X_EXPECTED;
			}
		}
		else
			return X_EXPECTED;
	}
	c->unexpected++;
	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "UNEXPECTED ERROR (client %d, op %d): SQLSTATE %s: %s\n"
			"  detail: %s\n  context: %s\n  statement: %.600s\n",
			c->idx, c->ops_done, c->last_state,
			PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
			detail ? detail : "", ctx ? ctx : "", sql);
	pthread_mutex_unlock(&out_lock);
	return X_UNEXPECTED;
}

static int
exec_sql(client_t *c, const char *sql)
{
	PGresult   *res;
	int			rc;

	log_text(c, sql, NULL);
	res = PQexec(c->conn, sql);
	c->statements++;
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = X_OK;
	else if (PQresultStatus(res) == PGRES_FATAL_ERROR)
		rc = classify_error(c, res, sql);
	else
	{
		c->unexpected++;
		fprintf(stderr, "UNEXPECTED RESULT %s for: %.300s\n",
				PQresStatus(PQresultStatus(res)), sql);
		rc = X_UNEXPECTED;
	}
	PQclear(res);
	if (PQstatus(c->conn) != CONNECTION_OK)
	{
		fprintf(stderr, "difftest: connection of client %d lost: %s", c->idx,
				PQerrorMessage(c->conn));
		exit(1);
	}
	return rc;
}

static int
exec_copy(client_t *c, const char *cmd, const char *data)
{
	PGresult   *res;
	int			rc = X_OK;

	log_text(c, cmd, data);
	c->statements++;
	res = PQexec(c->conn, cmd);
	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		rc = PQresultStatus(res) == PGRES_FATAL_ERROR ?
			classify_error(c, res, cmd) : X_UNEXPECTED;
		PQclear(res);
		return rc;
	}
	PQclear(res);
	if (PQputCopyData(c->conn, data, (int) strlen(data)) != 1 ||
		PQputCopyEnd(c->conn, NULL) != 1)
	{
		fprintf(stderr, "difftest: COPY failed: %s", PQerrorMessage(c->conn));
		exit(1);
	}
	while ((res = PQgetResult(c->conn)) != NULL)
	{
		if (rc == X_OK && PQresultStatus(res) == PGRES_FATAL_ERROR)
			rc = classify_error(c, res, cmd);
		else if (rc == X_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			c->unexpected++;
			rc = X_UNEXPECTED;
		}
		PQclear(res);
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Random values
 * ------------------------------------------------------------------------ */

typedef struct
{
	char		v[24][96];
	int			isnull[24];
} genrow;

static void
set_null(genrow *r, int col)
{
	r->isnull[col] = 1;
	r->v[col][0] = '\0';
}

static void
set_val(genrow *r, int col, const char *s)
{
	r->isnull[col] = 0;
	snprintf(r->v[col], sizeof(r->v[col]), "%s", s);
}

static void
pick_trace_id(client_t *c, char *out, size_t len)
{
	if (pct(c, 6))
		snprintf(out, len, "ghost%d", rnd(c, N_GHOST_IDS));
	else
		snprintf(out, len, "t%02d", rnd(c, N_TRACE_IDS));
}

/* a user id: NULL, '' or one of the pool (returns NULL for SQL NULL) */
static const char *
pick_user(client_t *c)
{
	int			r = rnd(c, 100);

	if (r < 9)
		return NULL;
	if (r < 16)
		return "";
	return users[rnd(c, N_USERS)];
}

static const char *
pick_session(client_t *c, char *buf, size_t len)
{
	int			r = rnd(c, 100);

	if (r < 15)
		return NULL;
	if (r < 24)
		return "";
	snprintf(buf, len, "sess%d", 1 + rnd(c, N_SESSIONS));
	return buf;
}

static int64
random_instant(client_t *c)
{
	int			r = rnd(c, 100);
	int64		day = rnd(c, WINDOW_DAYS);

	/* near midnight UTC now and then, to cross day boundaries */
	if (r < 8)
		return BASE_MICROS + (day + 1) * DAY_MICROS - 1 - rnd64(c, 2);
	if (r < 16)
		return BASE_MICROS + day * DAY_MICROS + rnd64(c, 3);
	return BASE_MICROS + rnd64(c, WINDOW_DAYS * DAY_MICROS);
}

/*
 * A literal for the instant utc.  With local, it may carry no zone (the
 * session's TimeZone then picks the instant, not utc): never for
 * observation times, whose end must not come before their start.
 */
static void
random_timestamp_literal(client_t *c, int64 utc, int local, char *out, size_t len)
{
	static const int offsets[] = {0, 0, 60, -300, 330, 840, -720, 345, -570};
	int			off = offsets[rnd(c, (int) (sizeof(offsets) / sizeof(offsets[0])))];

	format_timestamp(out, len, utc, off, (local && pct(c, 10)) ? 3 : rnd(c, 3));
}

/* a cost of m millionths, spelled in one of several ways */
static void
format_cost(client_t *c, int64 m, char *out, size_t len)
{
	int			r = rnd(c, 100);

	if (r < 15 && m % 1000000 == 0)
		snprintf(out, len, "%lld", m / 1000000);
	else if (r < 30)
		snprintf(out, len, "%llde-6", m);
	else if (r < 50)
	{
		int			n;

		n = snprintf(out, len, "%lld.%06lld", m / 1000000, m % 1000000);
		while (n > 0 && out[n - 1] == '0')
			out[--n] = '\0';
		if (n > 0 && out[n - 1] == '.')
			out[--n] = '\0';
	}
	else
		snprintf(out, len, "%lld.%06lld", m / 1000000, m % 1000000);
}

static int64
random_cost_micros(client_t *c)
{
	int			r = rnd(c, 100);

	if (r < 10)
		return 0;
	if (r < 20)
		return rnd64(c, 1000) * 1000000;	/* whole units */
	if (r < 30)
		return rnd64(c, 900000000);
	return rnd64(c, 3000000);
}

static int64
random_tokens(client_t *c)
{
	int			r = rnd(c, 100);

	if (r < 8)
		return 0;
	if (r < 12)
		return 100000 + rnd64(c, 5000000);
	return rnd64(c, 4000);
}

/* ------------------------------------------------------------------------
 * Row generators.  Each table has a column list; a statement writes a
 * random subset of the columns (id always), and rows are sorted by id so
 * that two statements lock input rows in the same order.
 * ------------------------------------------------------------------------ */

enum
{
	T_ID, T_TS, T_NAME, T_USER, T_SESSION, T_TAGS, T_RELEASE, T_VERSION,
	T_ENV, T_META, T_NCOL
};
static const char *const trace_cols[T_NCOL] = {
	"id", "\"timestamp\"", "name", "user_id", "session_id", "tags", "release",
	"version", "environment", "metadata"
};
static const int trace_col_pct[T_NCOL] = {100, 85, 60, 92, 75, 30, 30, 20, 30, 20};

enum
{
	O_ID, O_TRACE, O_PARENT, O_TYPE, O_NAME, O_START, O_END, O_MODEL, O_IN,
	O_OUT, O_TOT, O_INCOST, O_OUTCOST, O_TOTCOST, O_LEVEL, O_USAGE, O_PARAMS,
	O_NCOL
};
static const char *const obs_cols[O_NCOL] = {
	"id", "trace_id", "parent_observation_id", "type", "name", "start_time",
	"end_time", "model", "input_tokens", "output_tokens", "total_tokens",
	"input_cost", "output_cost", "total_cost", "level", "usage_details",
	"model_parameters"
};
static const int obs_col_pct[O_NCOL] = {
	100, 100, 20, 80, 50, 92, 80, 50, 88, 88, 88, 85, 85, 85, 85, 15, 40
};

/* ------------------------------------------------------------------------
 * Model prices.  Prices are in billionths per token, costs in billionths.
 * ------------------------------------------------------------------------ */

#define COST_SCALE 1000000000LL
/* observations of difftest-model-b from here on get the later price */
#define PRICE_CHANGE_MICROS (BASE_MICROS + 2 * DAY_MICROS)

static const char *const price_rows[] = {
	"('difftest-model-a', '^difftest-model-a$', '-infinity', 'default', 0, NULL, NULL, NULL, NULL, NULL,"
	" 0.000002, 0.000008, '{\"cached\": 0.000001}')",
	"('difftest-model-a', '^difftest-model-a$', '-infinity', 'flex', 1, NULL, NULL, NULL, 'service_tier', '{flex}',"
	" 0.000001, 0.000004, '{\"cached\": 0.0000005}')",
	"('difftest-model-a', '^difftest-model-a$', '-infinity', 'large', 2, '^input$', '>', 100000, NULL, NULL,"
	" 0.000004, 0.000016, '{\"cached\": 0.000002}')",
	"('difftest-model-b', '^difftest-model-b$', '-infinity', 'default', 0, NULL, NULL, NULL, NULL, NULL,"
	" 0.0000005, 0.0000015, '{}')",
	"('difftest catch-all', '^difftest-model-', '-infinity', 'default', 0, NULL, NULL, NULL, NULL, NULL,"
	" 0.0000001, 0.0000001, '{}')",
	NULL
};

/* the price added at the end, from PRICE_CHANGE_MICROS */
static const char *const later_price_row =
	"('difftest-model-b', '^difftest-model-b$', '2024-03-11 00:00:00+00', 'default', 0, NULL, NULL, NULL, NULL, NULL,"
	" 0.000001, 0.000003, '{\"cached\": 0.0000001, \"audio\": 0.00000002}')";

static const char *const model_names[] = {
	"difftest-model-a", "DIFFTEST-MODEL-A", "difftest-model-b",
	"difftest-model-c", "other-model-z"
};
static const int model_pct[] = {30, 10, 35, 15, 10};

/* 0: the prices of the run; 1: after later_price_row */
static int	price_phase = 0;

/* one observation as the oracle sees it; has_x says the column is set */
typedef struct
{
	const char *model;
	int64		start;
	const char *service_tier;
	int			has_in,
				has_out,
				has_tot,
				has_cached,
				has_audio;
	int64		in,
				out,
				cached,
				audio;
} priced_obs;

/*
 * The cost the price list gives an observation, in billionths, or -1 when
 * it has none (no model, no usage, no matching price).  Written from the
 * list above, sharing nothing with the extension: exact name (ignoring
 * case) beats the catch-all pattern; the parameter tier comes before the
 * usage tier; difftest-model-b has no price for cached or audio tokens
 * until the later price, which applies from PRICE_CHANGE_MICROS.
 */
static int64
price_of(const priced_obs *p)
{
	int64		pin,
				pout,
				pcached = -1,
				paudio = -1,
				cost = 0;
	char		lower[64];
	size_t		i;

	if (p->model == NULL ||
		!(p->has_in || p->has_out || p->has_tot || p->has_cached || p->has_audio))
		return -1;
	for (i = 0; p->model[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char) ((p->model[i] >= 'A' && p->model[i] <= 'Z') ? p->model[i] + 32 : p->model[i]);
	lower[i] = '\0';
	if (strcmp(lower, "difftest-model-a") == 0)
	{
		if (p->service_tier && strcmp(p->service_tier, "flex") == 0)
			pin = 1000, pout = 4000, pcached = 500;
		else if (p->has_in && p->in > 100000)
			pin = 4000, pout = 16000, pcached = 2000;
		else
			pin = 2000, pout = 8000, pcached = 1000;
	}
	else if (strcmp(lower, "difftest-model-b") == 0)
	{
		if (price_phase == 1 && p->start >= PRICE_CHANGE_MICROS)
			pin = 1000, pout = 3000, pcached = 100, paudio = 20;
		else
			pin = 500, pout = 1500;
	}
	else if (strncmp(lower, "difftest-model-", 15) == 0)
		pin = 100, pout = 100;
	else
		return -1;
	if (p->has_in)
		cost += p->in * pin;
	if (p->has_out)
		cost += p->out * pout;
	if (p->has_cached && pcached >= 0)
		cost += p->cached * pcached;
	if (p->has_audio && paudio >= 0)
		cost += p->audio * paudio;
	return cost;
}

enum
{
	S_ID, S_TRACE, S_OBS, S_SESSION, S_NAME, S_VALUE, S_STRVAL, S_DTYPE,
	S_SOURCE, S_COMMENT, S_TS, S_NCOL
};
static const char *const score_cols[S_NCOL] = {
	"id", "trace_id", "observation_id", "session_id", "name", "value",
	"string_value", "data_type", "source", "comment", "\"timestamp\""
};
static const int score_col_pct[S_NCOL] = {100, 95, 20, 20, 100, 100, 100, 85, 40, 15, 50};

typedef struct
{
	const char *table;
	const char *const *cols;
	const int  *col_pct;
	int			ncol;
	void		(*gen) (client_t *c, genrow *r);
	char		prefix;			/* ids are prefix + zero-padded number */
	int			pool;
	int			width;
} tabledef;

static void
gen_trace(client_t *c, genrow *r)
{
	char		buf[96];
	const char *u;

	snprintf(buf, sizeof(buf), "t%02d", rnd(c, N_TRACE_IDS));
	set_val(r, T_ID, buf);
	random_timestamp_literal(c, random_instant(c), 1, buf, sizeof(buf));
	set_val(r, T_TS, buf);
	if (pct(c, 20))
		set_null(r, T_NAME);
	else
	{
		snprintf(buf, sizeof(buf), "request-%d", rnd(c, 5));
		set_val(r, T_NAME, buf);
	}
	u = pick_user(c);
	if (u)
		set_val(r, T_USER, u);
	else
		set_null(r, T_USER);
	u = pick_session(c, buf, sizeof(buf));
	if (u)
		set_val(r, T_SESSION, u);
	else
		set_null(r, T_SESSION);
	set_val(r, T_TAGS, pct(c, 50) ? "{}" : (pct(c, 50) ? "{prod,chat}" : "{beta}"));
	if (pct(c, 30))
		set_null(r, T_RELEASE);
	else
	{
		snprintf(buf, sizeof(buf), "v1.%d", rnd(c, 3));
		set_val(r, T_RELEASE, buf);
	}
	if (pct(c, 50))
		set_null(r, T_VERSION);
	else
		set_val(r, T_VERSION, "7");
	set_val(r, T_ENV, pct(c, 50) ? "default" : (pct(c, 50) ? "production" : "staging"));
	if (pct(c, 40))
		set_null(r, T_META);
	else
	{
		int			k = rnd(c, 10);

		/* often with user traits, which a trigger keeps per user */
		if (pct(c, 50))
			snprintf(buf, sizeof(buf),
					 "{\"k\": %d, \"tier\": \"gold\", \"user_traits\": {\"plan\": \"p%d\", \"region\": %s}}",
					 k, rnd(c, 3), pct(c, 30) ? "null" : "\"eu\"");
		else
			snprintf(buf, sizeof(buf), "{\"k\": %d, \"tier\": \"gold\"}", k);
		set_val(r, T_META, buf);
	}
}

static void
gen_observation(client_t *c, genrow *r)
{
	char		buf[96];
	int64		start = random_instant(c);
	int			costmode = rnd(c, 4);
	int			lv = rnd(c, 100);

	snprintf(buf, sizeof(buf), "o%03d", rnd(c, N_OBS_IDS));
	set_val(r, O_ID, buf);
	pick_trace_id(c, buf, sizeof(buf));
	set_val(r, O_TRACE, buf);
	if (pct(c, 50))
		set_null(r, O_PARENT);
	else
	{
		snprintf(buf, sizeof(buf), "o%03d", rnd(c, N_OBS_IDS));
		set_val(r, O_PARENT, buf);
	}
	set_val(r, O_TYPE, obs_types[rnd(c, 10)]);
	if (pct(c, 30))
		set_null(r, O_NAME);
	else
		set_val(r, O_NAME, pct(c, 50) ? "llm-call" : "retrieve");
	random_timestamp_literal(c, start, 0, buf, sizeof(buf));
	set_val(r, O_START, buf);
	if (pct(c, 22))
		set_null(r, O_END);
	else
	{
		int64		end = start + (pct(c, 10) ? 0 : rnd64(c, 900000000LL));

		if (pct(c, 5))
			end = start + rnd64(c, 2 * DAY_MICROS);
		else if (pct(c, 4))
			end = start - rnd64(c, 3600000000LL);	/* latency is then 0 */
		random_timestamp_literal(c, end, 0, buf, sizeof(buf));
		set_val(r, O_END, buf);
	}
	if (pct(c, 30))
		set_null(r, O_MODEL);
	else
	{
		int			k = rnd(c, 100),
					m = 0;

		while (k >= model_pct[m])
			k -= model_pct[m++];
		set_val(r, O_MODEL, model_names[m]);
	}
#define TOKENS(col, nullpct) \
	do { \
		if (pct(c, nullpct)) set_null(r, col); \
		else { snprintf(buf, sizeof(buf), "%lld", random_tokens(c)); set_val(r, col, buf); } \
	} while (0)
	TOKENS(O_IN, 15);
	TOKENS(O_OUT, 15);
	TOKENS(O_TOT, 45);
#undef TOKENS
	set_null(r, O_INCOST);
	set_null(r, O_OUTCOST);
	set_null(r, O_TOTCOST);
	if (costmode == 1 || costmode == 3)
	{
		format_cost(c, random_cost_micros(c), buf, sizeof(buf));
		set_val(r, O_TOTCOST, buf);
	}
	if (costmode == 2 || costmode == 3)
	{
		if (pct(c, 75))
		{
			format_cost(c, random_cost_micros(c), buf, sizeof(buf));
			set_val(r, O_INCOST, buf);
		}
		if (pct(c, 75))
		{
			format_cost(c, random_cost_micros(c), buf, sizeof(buf));
			set_val(r, O_OUTCOST, buf);
		}
	}
	set_val(r, O_LEVEL, lv < 10 ? "DEBUG" : lv < 60 ? "DEFAULT" : lv < 78 ? "WARNING" : "ERROR");
	if (pct(c, 60))
		set_null(r, O_USAGE);
	else
	{
		int			k = rnd(c, 3);

		if (k == 0)
			snprintf(buf, sizeof(buf), "{\"cached\": %d}", rnd(c, 100));
		else if (k == 1)
			snprintf(buf, sizeof(buf), "{\"cached\": %d, \"audio\": %d}", rnd(c, 100), rnd(c, 5000));
		else
			snprintf(buf, sizeof(buf), "{\"audio\": %d}", rnd(c, 5000));
		set_val(r, O_USAGE, buf);
	}
	switch (rnd(c, 3))
	{
		case 0:
			set_null(r, O_PARAMS);
			break;
		case 1:
			set_val(r, O_PARAMS, "{\"service_tier\": \"flex\"}");
			break;
		default:
			set_val(r, O_PARAMS, "{\"service_tier\": \"default\", \"temperature\": 0.5}");
			break;
	}
}

static void
gen_score(client_t *c, genrow *r)
{
	char		buf[96];
	int			t = rnd(c, 100);
	int			dt = rnd(c, 3);

	snprintf(buf, sizeof(buf), "s%02d", rnd(c, N_SCORE_IDS));
	set_val(r, S_ID, buf);
	if (t < 7)
		set_null(r, S_TRACE);
	else if (t < 12)
		set_val(r, S_TRACE, "");
	else
	{
		pick_trace_id(c, buf, sizeof(buf));
		set_val(r, S_TRACE, buf);
	}
	if (pct(c, 50))
		set_null(r, S_OBS);
	else
	{
		snprintf(buf, sizeof(buf), "o%03d", rnd(c, N_OBS_IDS));
		set_val(r, S_OBS, buf);
	}
	if (pct(c, 60))
		set_null(r, S_SESSION);
	else
	{
		snprintf(buf, sizeof(buf), "sess%d", 1 + rnd(c, N_SESSIONS));
		set_val(r, S_SESSION, buf);
	}
	set_val(r, S_NAME, pct(c, 50) ? "quality" : "helpfulness");
	/* data_type is always written: when left out it means NUMERIC */
	if (dt == 0)
	{
		set_val(r, S_DTYPE, "NUMERIC");
		if (pct(c, 5))
			set_val(r, S_VALUE, pct(c, 50) ? "1e300" : "-2.5e-300");
		else
		{
			snprintf(buf, sizeof(buf), "%.3f", (double) (rnd(c, 4001) - 2000) / 8.0);
			set_val(r, S_VALUE, buf);
		}
		set_null(r, S_STRVAL);
	}
	else if (dt == 1)
	{
		int			b = rnd(c, 2);

		set_val(r, S_DTYPE, "BOOLEAN");
		set_val(r, S_VALUE, b ? "1" : "0");
		if (pct(c, 50))
			set_null(r, S_STRVAL);
		else
			set_val(r, S_STRVAL, b ? "True" : "False");
	}
	else
	{
		set_val(r, S_DTYPE, "CATEGORICAL");
		set_null(r, S_VALUE);
		set_val(r, S_STRVAL, pct(c, 50) ? "good" : "bad");
	}
	set_val(r, S_SOURCE, pct(c, 60) ? "API" : (pct(c, 50) ? "ANNOTATION" : "EVAL"));
	if (pct(c, 70))
		set_null(r, S_COMMENT);
	else
		set_val(r, S_COMMENT, "looks fine");
	random_timestamp_literal(c, random_instant(c), 1, buf, sizeof(buf));
	set_val(r, S_TS, buf);
}

static const tabledef traces_def = {
	"usertrack.traces", trace_cols, trace_col_pct, T_NCOL, gen_trace, 't', N_TRACE_IDS, 2
};
static const tabledef obs_def = {
	"usertrack.observations", obs_cols, obs_col_pct, O_NCOL, gen_observation, 'o', N_OBS_IDS, 3
};
static const tabledef scores_def = {
	"usertrack.scores", score_cols, score_col_pct, S_NCOL, gen_score, 's', N_SCORE_IDS, 2
};

static int
cmp_genrow(const void *a, const void *b)
{
	return strcmp(((const genrow *) a)->v[0], ((const genrow *) b)->v[0]);
}

/* which columns a statement writes */
static unsigned
pick_columns(client_t *c, const tabledef *t)
{
	unsigned	mask = 0;
	int			i;

	for (i = 0; i < t->ncol; i++)
		if (pct(c, t->col_pct[i]))
			mask |= 1u << i;
	mask |= 1u;
	if (t == &obs_def)
	{
		mask |= 1u << O_TRACE;
		/* end_time without start_time could end before now() */
		if (!(mask & (1u << O_START)))
			mask &= ~(1u << O_END);
	}
	if (t == &scores_def)
		mask |= (1u << S_NAME) | (1u << S_VALUE) | (1u << S_STRVAL) | (1u << S_DTYPE);
	return mask;
}

static int
gen_rows(client_t *c, const tabledef *t, genrow *rows, int maxrows, int dedupe)
{
	int			n = 1 + rnd(c, maxrows);
	int			i,
				k;

	for (i = 0; i < n; i++)
		t->gen(c, &rows[i]);
	qsort(rows, (size_t) n, sizeof(genrow), cmp_genrow);
	if (!dedupe)
		return n;
	for (i = 1, k = 1; i < n; i++)
		if (strcmp(rows[i].v[0], rows[k - 1].v[0]) != 0)
			rows[k++] = rows[i];
	return k;
}

/*
 * Gives rows ids that the table does not hold (as this transaction sees
 * it), so that most plain INSERTs and COPYs succeed; *n becomes the number
 * of rows kept (unchanged when the pool is full).  The query can fail too
 * (a deadlock with a TRUNCATE): then its error code is returned.
 */
static int
use_fresh_ids(client_t *c, const tabledef *t, genrow *rows, int *np)
{
	int			n = *np;
	char		sql[400];
	PGresult   *res;
	int			nfree,
				i;

	snprintf(sql, sizeof(sql),
			 "SELECT g FROM (SELECT ('%c' || lpad(i::text, %d, '0')) COLLATE \"C\" AS g"
			 " FROM generate_series(0, %d) i) s"
			 " WHERE NOT EXISTS (SELECT 1 FROM %s x WHERE x.id = s.g) ORDER BY g",
			 t->prefix, t->width, t->pool - 1, t->table);
	log_text(c, sql, NULL);
	res = PQexec(c->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		int			rc = classify_error(c, res, sql);

		PQclear(res);
		return rc;
	}
	nfree = PQntuples(res);
	if (nfree > 0)
	{
		int			start = rnd(c, nfree);

		if (n > nfree)
			n = nfree;
		/* n consecutive free ids, in order, from a random start */
		for (i = 0; i < n; i++)
			set_val(&rows[i], 0, PQgetvalue(res, (start + i) % nfree, 0));
		qsort(rows, (size_t) n, sizeof(genrow), cmp_genrow);
	}
	PQclear(res);
	*np = n;
	return X_OK;
}

enum
{
	INS_PLAIN, INS_NOTHING, INS_UPDATE_ALL, INS_UPDATE_COALESCE, INS_UPDATE_WHERE
};

static void
build_insert(client_t *c, sbuf *b, const tabledef *t, unsigned mask,
			 genrow *rows, int n, int mode)
{
	int			i,
				j,
				first;
	const char *alias = strchr(t->table, '.') + 1;

	sb_printf(b, "INSERT INTO %s (", t->table);
	for (j = 0, first = 1; j < t->ncol; j++)
		if (mask & (1u << j))
		{
			sb_printf(b, "%s%s", first ? "" : ", ", t->cols[j]);
			first = 0;
		}
	sb_puts(b, ") VALUES ");
	for (i = 0; i < n; i++)
	{
		sb_puts(b, i ? ", (" : "(");
		for (j = 0, first = 1; j < t->ncol; j++)
			if (mask & (1u << j))
			{
				if (!first)
					sb_puts(b, ", ");
				sb_lit(b, rows[i].isnull[j] ? NULL : rows[i].v[j]);
				first = 0;
			}
		sb_puts(b, ")");
	}
	if (mode == INS_PLAIN)
		return;
	if (mode == INS_NOTHING)
	{
		sb_puts(b, pct(c, 50) ? " ON CONFLICT (id) DO NOTHING" : " ON CONFLICT DO NOTHING");
		return;
	}
	sb_puts(b, " ON CONFLICT (id) DO UPDATE SET ");
	first = 1;
	for (j = 1; j < t->ncol; j++)
	{
		if (!(mask & (1u << j)))
			continue;
		if (mode == INS_UPDATE_WHERE && t == &traces_def && j != T_USER && j != T_SESSION)
			continue;
		if (!first)
			sb_puts(b, ", ");
		first = 0;
		if (mode == INS_UPDATE_COALESCE)
			sb_printf(b, "%s = COALESCE(EXCLUDED.%s, %s.%s)",
					  t->cols[j], t->cols[j], alias, t->cols[j]);
		else
			sb_printf(b, "%s = EXCLUDED.%s", t->cols[j], t->cols[j]);
	}
	if (first)
		sb_puts(b, "id = EXCLUDED.id");
	if (mode == INS_UPDATE_WHERE)
		sb_printf(b, " WHERE %s.%s IS DISTINCT FROM EXCLUDED.%s", alias,
				  t == &traces_def ? "user_id" : "trace_id",
				  t == &traces_def ? "user_id" : "trace_id");
}

static int
op_insert(client_t *c, const tabledef *t)
{
	genrow		rows[MAX_ROWS];
	unsigned	mask = pick_columns(c, t);
	int			r = rnd(c, 100);
	int			mode = r < 20 ? INS_PLAIN : r < 38 ? INS_NOTHING :
		r < 75 ? INS_UPDATE_ALL : r < 92 ? INS_UPDATE_COALESCE : INS_UPDATE_WHERE;
	int			n = gen_rows(c, t, rows, mode == INS_PLAIN ? 4 : MAX_ROWS,
							 mode != INS_PLAIN && mode != INS_NOTHING);

	if (mode == INS_PLAIN && pct(c, 80))
	{
		int			rc = use_fresh_ids(c, t, rows, &n);

		if (rc != X_OK)
			return rc;
	}
	sb_reset(&c->sql);
	build_insert(c, &c->sql, t, mask, rows, n, mode);
	return exec_sql(c, c->sql.p);
}

static int
op_copy(client_t *c, const tabledef *t)
{
	genrow		rows[MAX_ROWS];
	unsigned	mask = pick_columns(c, t);
	int			n = gen_rows(c, t, rows, MAX_ROWS, 1);
	int			i,
				j,
				first;

	if (pct(c, 80))
	{
		int			rc = use_fresh_ids(c, t, rows, &n);

		if (rc != X_OK)
			return rc;
	}
	sb_reset(&c->sql);
	sb_reset(&c->data);
	sb_printf(&c->sql, "COPY %s (", t->table);
	for (j = 0, first = 1; j < t->ncol; j++)
		if (mask & (1u << j))
		{
			sb_printf(&c->sql, "%s%s", first ? "" : ", ", t->cols[j]);
			first = 0;
		}
	sb_puts(&c->sql, ") FROM STDIN");
	for (i = 0; i < n; i++)
	{
		for (j = 0, first = 1; j < t->ncol; j++)
			if (mask & (1u << j))
			{
				if (!first)
					sb_puts(&c->data, "\t");
				sb_puts(&c->data, rows[i].isnull[j] ? "\\N" : rows[i].v[j]);
				first = 0;
			}
		sb_puts(&c->data, "\n");
	}
	return exec_copy(c, c->sql.p, c->data.p);
}

/* a WHERE clause choosing rows of a table by id */
static void
where_ids(client_t *c, sbuf *b, char prefix, int pool, int width)
{
	int			r = rnd(c, 100);

	if (r < 55)
	{
		int			n = 1 + rnd(c, 5),
					i;

		sb_puts(b, " WHERE id IN (");
		for (i = 0; i < n; i++)
			sb_printf(b, "%s'%c%0*d'", i ? ", " : "", prefix, width, rnd(c, pool));
		sb_puts(b, ")");
	}
	else if (r < 85)
	{
		int			a = rnd(c, pool);

		sb_printf(b, " WHERE id BETWEEN '%c%0*d' AND '%c%0*d'", prefix, width, a,
				  prefix, width, a + rnd(c, pool / 8 + 1));
	}
	else
		sb_printf(b, " WHERE id = '%c%0*d'", prefix, width, rnd(c, pool));
}

/*
 * Turns "... WHERE cond" into "... WHERE id IN (SELECT id FROM table WHERE
 * cond ORDER BY id FOR UPDATE)": the input rows are then locked in id
 * order whatever plan the statement gets, so that two single statements
 * cannot deadlock on input rows (only on the extension's summary rows).
 * Always with --autocommit, where a deadlock is a failure; half the time
 * otherwise.
 */
static void
lock_in_id_order(client_t *c, sbuf *b, const char *table)
{
	char	   *w = NULL,
			   *p,
			   *cond;

	for (p = strstr(b->p, " WHERE "); p; p = strstr(p + 1, " WHERE "))
		w = p;
	if (w == NULL || !(autocommit_only || pct(c, 50)))
		return;
	cond = xstrdup(w + 7);
	b->len = (size_t) (w - b->p);
	b->p[b->len] = '\0';
	sb_printf(b, " WHERE id IN (SELECT id FROM %s WHERE %s ORDER BY id FOR UPDATE)",
			  table, cond);
	free(cond);
}

static void
sb_user(client_t *c, sbuf *b)
{
	sb_lit(b, pick_user(c));
}

static void
sb_trace_ref(client_t *c, sbuf *b)
{
	char		buf[32];

	pick_trace_id(c, buf, sizeof(buf));
	sb_lit(b, buf);
}

static int
op_update_traces(client_t *c)
{
	sbuf	   *b = &c->sql;
	char		buf[96];
	int			r = rnd(c, 100);

	sb_reset(b);
	sb_puts(b, "UPDATE usertrack.traces SET ");
	if (r < 30)
	{
		sb_puts(b, "user_id = ");
		sb_user(c, b);
		if (pct(c, 25))
		{
			sb_puts(b, " WHERE user_id ");
			if (pct(c, 20))
				sb_puts(b, "IS NULL");
			else
			{
				sb_puts(b, "= ");
				sb_user(c, b);
			}
			lock_in_id_order(c, b, "usertrack.traces");
	return exec_sql(c, b->p);
		}
	}
	else if (r < 48)
	{
		sb_puts(b, "session_id = ");
		sb_lit(b, pick_session(c, buf, sizeof(buf)));
	}
	else if (r < 70)
	{
		if (pct(c, 50))
			sb_printf(b, "\"timestamp\" = \"timestamp\" + interval '%d minutes'",
					  rnd(c, 3000) - 1500);
		else
		{
			random_timestamp_literal(c, random_instant(c), 1, buf, sizeof(buf));
			sb_puts(b, "\"timestamp\" = ");
			sb_lit(b, buf);
		}
	}
	else if (r < 82)
	{
		sb_puts(b, "user_id = ");
		sb_user(c, b);
		sb_puts(b, ", session_id = ");
		sb_lit(b, pick_session(c, buf, sizeof(buf)));
		random_timestamp_literal(c, random_instant(c), 1, buf, sizeof(buf));
		sb_puts(b, ", \"timestamp\" = ");
		sb_lit(b, buf);
	}
	else if (r < 92)
		/* changes nothing that is counted */
		sb_puts(b, pct(c, 50) ? "name = name, user_id = user_id"
				: "tags = tags || '{x}'::text[], release = 'v2', environment = 'staging'");
	else
	{
		/* a trace changes its id: its observations stay with the old one */
		sb_printf(b, "id = 't%02d' WHERE id = 't%02d'", rnd(c, N_TRACE_IDS),
				  rnd(c, N_TRACE_IDS));
		lock_in_id_order(c, b, "usertrack.traces");
	return exec_sql(c, b->p);
	}
	where_ids(c, b, 't', N_TRACE_IDS, 2);
	lock_in_id_order(c, b, "usertrack.traces");
	return exec_sql(c, b->p);
}

static int
op_update_observations(client_t *c)
{
	sbuf	   *b = &c->sql;
	char		buf[96];
	int			r = rnd(c, 100);

	sb_reset(b);
	sb_puts(b, "UPDATE usertrack.observations SET ");
	if (r < 30)
	{
		sb_puts(b, "trace_id = ");
		sb_trace_ref(c, b);
		if (pct(c, 30))
		{
			/* move everything of one trace */
			sb_puts(b, " WHERE trace_id = ");
			sb_trace_ref(c, b);
			lock_in_id_order(c, b, "usertrack.observations");
	return exec_sql(c, b->p);
		}
	}
	else if (r < 45)
	{
		switch (rnd(c, 4))
		{
			case 0:
				sb_printf(b, "input_tokens = %lld, output_tokens = output_tokens + %d",
						  random_tokens(c), rnd(c, 50));
				break;
			case 1:
				sb_puts(b, "total_tokens = NULL");
				break;
			case 2:
				sb_printf(b, "total_tokens = %lld, input_tokens = NULL", random_tokens(c));
				break;
			default:
				sb_printf(b, "output_tokens = NULL, total_tokens = coalesce(total_tokens, 0) + %d",
						  rnd(c, 100));
				break;
		}
	}
	else if (r < 60)
	{
		switch (rnd(c, 4))
		{
			case 0:
				sb_puts(b, "total_cost = NULL");
				break;
			case 1:
				format_cost(c, random_cost_micros(c), buf, sizeof(buf));
				sb_printf(b, "total_cost = '%s'", buf);
				break;
			case 2:
				format_cost(c, random_cost_micros(c), buf, sizeof(buf));
				sb_printf(b, "input_cost = '%s', total_cost = NULL", buf);
				break;
			default:
				format_cost(c, random_cost_micros(c), buf, sizeof(buf));
				sb_printf(b, "output_cost = coalesce(output_cost, 0) + '%s', input_cost = NULL", buf);
				break;
		}
	}
	else if (r < 72)
		sb_printf(b, "level = '%s'", levels[rnd(c, 4)]);
	else if (r < 86)
	{
		switch (rnd(c, 4))
		{
			case 0:
				sb_printf(b, "start_time = start_time - interval '%d seconds'", rnd(c, 100000));
				break;
			case 1:
				sb_puts(b, "end_time = NULL");
				break;
			case 2:
				sb_printf(b, "end_time = start_time + interval '%d seconds'", rnd(c, 5000));
				break;
			default:
				random_timestamp_literal(c, random_instant(c), 1, buf, sizeof(buf));
				sb_printf(b, "start_time = '%s', end_time = NULL", buf);
				break;
		}
	}
	else if (r < 93)
	{
		switch (rnd(c, 5))
		{
			case 0:
				sb_puts(b, "name = 'renamed'");
				break;
			case 1:
				sb_puts(b, "model = 'difftest-model-c', metadata = '{}'");
				break;
			case 2:
				sb_printf(b, "model = '%s'", model_names[rnd(c, NCOLS(model_names))]);
				break;
			case 3:
				sb_puts(b, pct(c, 50) ? "model_parameters = '{\"service_tier\": \"flex\"}'"
						: "model_parameters = NULL");
				break;
			default:
				sb_printf(b, "usage_details = '{\"cached\": %d}'", rnd(c, 100));
				break;
		}
	}
	else
	{
		sb_printf(b, "id = 'o%03d' WHERE id = 'o%03d'", rnd(c, N_OBS_IDS), rnd(c, N_OBS_IDS));
		lock_in_id_order(c, b, "usertrack.observations");
	return exec_sql(c, b->p);
	}
	where_ids(c, b, 'o', N_OBS_IDS, 3);
	lock_in_id_order(c, b, "usertrack.observations");
	return exec_sql(c, b->p);
}

static int
op_update_scores(client_t *c)
{
	sbuf	   *b = &c->sql;
	int			r = rnd(c, 100);

	sb_reset(b);
	sb_puts(b, "UPDATE usertrack.scores SET ");
	if (r < 65)
	{
		int			t = rnd(c, 100);

		sb_puts(b, "trace_id = ");
		if (t < 10)
			sb_puts(b, "NULL");
		else if (t < 18)
			sb_puts(b, "''");
		else
			sb_trace_ref(c, b);
	}
	else if (r < 85)
	{
		sb_printf(b, "value = value + %d", rnd(c, 10));
		where_ids(c, b, 's', N_SCORE_IDS, 2);
		sb_puts(b, " AND data_type = 'NUMERIC'");
		lock_in_id_order(c, b, "usertrack.scores");
	return exec_sql(c, b->p);
	}
	else if (r < 93)
		sb_puts(b, "comment = 'edited', source = 'ANNOTATION'");
	else
	{
		sb_printf(b, "id = 's%02d' WHERE id = 's%02d'", rnd(c, N_SCORE_IDS), rnd(c, N_SCORE_IDS));
		lock_in_id_order(c, b, "usertrack.scores");
	return exec_sql(c, b->p);
	}
	where_ids(c, b, 's', N_SCORE_IDS, 2);
	lock_in_id_order(c, b, "usertrack.scores");
	return exec_sql(c, b->p);
}

static int
op_delete(client_t *c, int table)
{
	sbuf	   *b = &c->sql;
	static const char *const names[] = {
		"usertrack.traces", "usertrack.observations", "usertrack.scores"
	};

	sb_reset(b);
	if (table == 0)
	{
		sb_puts(b, "DELETE FROM usertrack.traces");
		if (pct(c, 15))
		{
			sb_puts(b, " WHERE user_id = ");
			sb_user(c, b);
		}
		else
			where_ids(c, b, 't', N_TRACE_IDS, 2);
	}
	else if (table == 1)
	{
		sb_puts(b, "DELETE FROM usertrack.observations");
		if (pct(c, 25))
		{
			sb_puts(b, " WHERE trace_id = ");
			sb_trace_ref(c, b);
		}
		else
			where_ids(c, b, 'o', N_OBS_IDS, 3);
	}
	else
	{
		sb_puts(b, "DELETE FROM usertrack.scores");
		if (pct(c, 20))
		{
			sb_puts(b, " WHERE trace_id = ");
			sb_trace_ref(c, b);
		}
		else
			where_ids(c, b, 's', N_SCORE_IDS, 2);
	}
	lock_in_id_order(c, b, names[table]);
	return exec_sql(c, b->p);
}

/* one statement writing two tables: both triggers fire at its end */
static int
op_cte(client_t *c)
{
	sbuf	   *b = &c->sql;
	char		t1[32],
				t2[32];

	pick_trace_id(c, t1, sizeof(t1));
	snprintf(t2, sizeof(t2), "t%02d", rnd(c, N_TRACE_IDS));
	sb_reset(b);
	switch (rnd(c, 4))
	{
		case 0:
			sb_puts(b, "WITH m AS (UPDATE usertrack.traces SET user_id = ");
			sb_user(c, b);
			sb_printf(b, " WHERE id = '%s' RETURNING id) UPDATE usertrack.observations o"
					  " SET level = 'ERROR' FROM m WHERE o.trace_id = m.id", t1);
			break;
		case 1:
			sb_printf(b, "WITH d AS (DELETE FROM usertrack.traces WHERE id = '%s' RETURNING id)"
					  " DELETE FROM usertrack.observations o USING d WHERE o.trace_id = d.id", t1);
			break;
		case 2:
			/* the same ids deleted and inserted again in one statement */
			sb_printf(b, "WITH d AS (DELETE FROM usertrack.observations WHERE trace_id = '%s'"
					  " RETURNING *) INSERT INTO usertrack.observations (id, trace_id, type,"
					  " start_time, end_time, input_tokens, output_tokens, total_tokens,"
					  " input_cost, output_cost, total_cost, level) SELECT id, '%s', type,"
					  " start_time, end_time, input_tokens, output_tokens, total_tokens,"
					  " input_cost, output_cost, total_cost, level FROM d", t1, t2);
			break;
		default:
			sb_printf(b, "WITH m AS (UPDATE usertrack.scores SET trace_id = '%s'"
					  " WHERE trace_id = '%s' RETURNING id) INSERT INTO usertrack.traces"
					  " (id, user_id) SELECT '%s', ", t2, t1, t2);
			sb_user(c, b);
			sb_puts(b, " FROM (SELECT count(*) FROM m) x ON CONFLICT (id) DO UPDATE SET"
					" session_id = 'sess1'");
			break;
	}
	return exec_sql(c, b->p);
}

static int
op_truncate(client_t *c)
{
	static const char *const tables[] = {
		"usertrack.traces", "usertrack.observations", "usertrack.scores"
	};

	sb_reset(&c->sql);
	sb_printf(&c->sql, "TRUNCATE %s", tables[rnd(c, 3)]);
	return exec_sql(c, c->sql.p);
}

/* one random write statement */
static int
do_op(client_t *c)
{
	int			r;

	if (maintenance_mode != MODE_IMMEDIATE)
	{
		/* now and then a batch of the refresh, inside the transaction */
		if (pct(c, 3) && !c->in_repeatable)
		{
			char		buf[96];

			int			rc;

			snprintf(buf, sizeof(buf),
					 "SELECT * FROM usertrack.fold_pending(%d)", 1 + rnd(c, 40));
			if ((rc = exec_sql(c, buf)) != X_OK)
				return rc;
		}
		if (maintenance_mode == MODE_MIXED && pct(c, 30))
		{
			int			rc = exec_sql(c, pct(c, 50) ?
									  "SET usertrack.maintenance = deferred" :
									  "SET usertrack.maintenance = immediate");

			if (rc != X_OK)
				return rc;
		}
	}
	r = rnd(c, 1000);
	c->ops_done++;
	if (r < 3 && c->ops_done < c->truncate_until)
		return op_truncate(c);
	if (r < 130)
		return op_insert(c, &traces_def);
	if (r < 160)
		return op_copy(c, &traces_def);
	if (r < 330)
		return op_update_traces(c);
	if (r < 370)
		return op_delete(c, 0);
	if (r < 560)
		return op_insert(c, &obs_def);
	if (r < 600)
		return op_copy(c, &obs_def);
	if (r < 760)
		return op_update_observations(c);
	if (r < 810)
		return op_delete(c, 1);
	if (r < 880)
		return op_insert(c, &scores_def);
	if (r < 900)
		return op_copy(c, &scores_def);
	if (r < 950)
		return op_update_scores(c);
	if (r < 975)
		return op_delete(c, 2);
	return op_cte(c);
}

static void
rollback(client_t *c)
{
	if (exec_sql(c, "ROLLBACK") != X_OK)
		fprintf(stderr, "difftest: ROLLBACK failed\n");
	c->rollbacks++;
}

/* one transaction: autocommit, or BEGIN ... COMMIT/ROLLBACK with savepoints */
static void
run_transaction(client_t *c)
{
	int			nstmts,
				i,
				sp = 0;

	c->in_repeatable = 0;
	if (autocommit_only || pct(c, 30))
	{
		c->in_autocommit = 1;
		do_op(c);
		c->in_autocommit = 0;
		return;
	}
	c->in_repeatable = pct(c, 6);
	exec_sql(c, c->in_repeatable ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN");
	nstmts = 1 + rnd(c, 6);
	for (i = 0; i < nstmts && c->ops_done < c->nops; i++)
	{
		int			rc;

		if (!sp && pct(c, 15))
		{
			exec_sql(c, "SAVEPOINT sp");
			sp = 1;
		}
		rc = do_op(c);
		if (rc != X_OK)
		{
			if (sp && strcmp(c->last_state, "23505") == 0 && pct(c, 60))
			{
				exec_sql(c, "ROLLBACK TO SAVEPOINT sp");
				c->savepoint_rollbacks++;
				continue;
			}
			rollback(c);
			return;
		}
		if (sp && pct(c, 20))
		{
			exec_sql(c, "ROLLBACK TO SAVEPOINT sp");
			c->savepoint_rollbacks++;
		}
		else if (sp && pct(c, 15))
		{
			exec_sql(c, "RELEASE SAVEPOINT sp");
			sp = 0;
		}
	}
	if (pct(c, 15))
		rollback(c);
	else
	{
		if (exec_sql(c, "COMMIT") == X_OK)
			c->commits++;
		else
			rollback(c);
	}
}

static void *
client_main(void *arg)
{
	client_t   *c = arg;

	while (c->ops_done < c->nops)
		run_transaction(c);
	return NULL;
}

static void
notice_quiet(void *arg, const char *message)
{
	(void) arg;
	(void) message;
}

static PGconn *
connect_db(const char *conninfo)
{
	PGconn	   *conn = PQconnectdb(conninfo);

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "difftest: cannot connect: %s", PQerrorMessage(conn));
		exit(1);
	}
	PQsetNoticeProcessor(conn, notice_quiet, NULL);
	return conn;
}

/* ------------------------------------------------------------------------
 * The oracle: what the views must show, computed from the input rows
 * ------------------------------------------------------------------------ */

enum kind
{
	K_TEXT, K_INT, K_TS, K_COST, K_DAY, K_IVL
};

typedef struct
{
	const char *name;
	const char *expr;
	enum kind	kind;
} vcol;

typedef struct
{
	const char *name;
	int			nkeys;
	int			ncols;			/* keys included */
	const vcol *cols;
} viewdef;

#define EPOCH_US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"

static const vcol all_users_cols[] = {
	{"user_id", "user_id", K_TEXT},
	{"first_event", EPOCH_US("first_event"), K_TS},
	{"last_event", EPOCH_US("last_event"), K_TS},
	{"total_events", "total_events", K_INT},
	{"total_observations", "total_observations", K_INT},
	{"input_tokens", "input_tokens", K_INT},
	{"output_tokens", "output_tokens", K_INT},
	{"total_tokens", "total_tokens", K_INT},
	{"model_cost", "model_cost", K_COST},
	{"sessions", "sessions", K_INT},
	{"scores", "scores", K_INT},
	{"errors", "errors", K_INT},
	{"active_days", "active_days", K_INT},
};

static const vcol user_sessions_cols[] = {
	{"user_id", "user_id", K_TEXT},
	{"session_id", "session_id", K_TEXT},
	{"first_event", EPOCH_US("first_event"), K_TS},
	{"last_event", EPOCH_US("last_event"), K_TS},
	{"traces", "traces", K_INT},
	{"observations", "observations", K_INT},
	{"input_tokens", "input_tokens", K_INT},
	{"output_tokens", "output_tokens", K_INT},
	{"total_tokens", "total_tokens", K_INT},
	{"model_cost", "model_cost", K_COST},
	{"errors", "errors", K_INT},
	{"scores", "scores", K_INT},
	{"duration", EPOCH_US("duration"), K_IVL},
};

static const vcol user_daily_cols[] = {
	{"user_id", "user_id", K_TEXT},
	{"day", "day - date '1970-01-01'", K_DAY},
	{"traces", "traces", K_INT},
	{"observations", "observations", K_INT},
	{"input_tokens", "input_tokens", K_INT},
	{"output_tokens", "output_tokens", K_INT},
	{"total_tokens", "total_tokens", K_INT},
	{"model_cost", "model_cost", K_COST},
	{"errors", "errors", K_INT},
	{"scores", "scores", K_INT},
};

static const vcol user_traces_cols[] = {
	{"trace_id", "trace_id", K_TEXT},
	{"user_id", "user_id", K_TEXT},
	{"timestamp", EPOCH_US("\"timestamp\""), K_TS},
	{"name", "name", K_TEXT},
	{"session_id", "session_id", K_TEXT},
	{"tags", "tags::text", K_TEXT},
	{"release", "release", K_TEXT},
	{"version", "version", K_TEXT},
	{"environment", "environment", K_TEXT},
	{"observations", "observations", K_INT},
	{"input_tokens", "input_tokens", K_INT},
	{"output_tokens", "output_tokens", K_INT},
	{"total_tokens", "total_tokens", K_INT},
	{"model_cost", "model_cost", K_COST},
	{"errors", "errors", K_INT},
	{"scores", "scores", K_INT},
	{"latency", EPOCH_US("latency"), K_IVL},
};

static const vcol user_scores_cols[] = {
	{"score_id", "score_id", K_TEXT},
	{"user_id", "user_id", K_TEXT},
	{"trace_id", "trace_id", K_TEXT},
};

static const vcol totals_cols[] = {
	{"row", "'totals'", K_TEXT},
	{"users", "users", K_INT},
	{"total_events", "total_events", K_INT},
	{"total_observations", "total_observations", K_INT},
	{"input_tokens", "input_tokens", K_INT},
	{"output_tokens", "output_tokens", K_INT},
	{"total_tokens", "total_tokens", K_INT},
	{"model_cost", "model_cost", K_COST},
	{"sessions", "sessions", K_INT},
	{"scores", "scores", K_INT},
	{"errors", "errors", K_INT},
	{"user_events", "user_events", K_INT},
	{"user_events_share", "user_events_share", K_COST},
	{"user_tokens_share", "user_tokens_share", K_COST},
	{"user_cost_share", "user_cost_share", K_COST},
};


static const viewdef views[] = {
	{"all_users", 1, NCOLS(all_users_cols), all_users_cols},
	{"user_sessions", 2, NCOLS(user_sessions_cols), user_sessions_cols},
	{"user_daily", 2, NCOLS(user_daily_cols), user_daily_cols},
	{"user_traces", 1, NCOLS(user_traces_cols), user_traces_cols},
	{"user_scores", 1, NCOLS(user_scores_cols), user_scores_cols},
	{"totals", 1, NCOLS(totals_cols), totals_cols},
};
#define N_VIEWS NCOLS(views)

enum
{
	V_ALL_USERS, V_USER_SESSIONS, V_USER_DAILY, V_USER_TRACES, V_USER_SCORES, V_TOTALS
};

typedef struct
{
	char	   *key;
	char	  **v;				/* ncols values, keys included; NULL = SQL NULL */
} vrow;

typedef struct
{
	vrow	   *rows;
	int			n;
	int			cap;
	int			ncols;
} vset;

static vrow *
vset_add(vset *s)
{
	vrow	   *r;

	if (s->n == s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 64;
		s->rows = xrealloc(s->rows, sizeof(vrow) * (size_t) s->cap);
	}
	r = &s->rows[s->n++];
	r->key = NULL;
	r->v = xmalloc(sizeof(char *) * (size_t) s->ncols);
	memset(r->v, 0, sizeof(char *) * (size_t) s->ncols);
	return r;
}

static void
vset_free(vset *s)
{
	int			i,
				j;

	for (i = 0; i < s->n; i++)
	{
		for (j = 0; j < s->ncols; j++)
			free(s->rows[i].v[j]);
		free(s->rows[i].v);
		free(s->rows[i].key);
	}
	free(s->rows);
	s->rows = NULL;
	s->n = s->cap = 0;
}

static void
vrow_finish_key(vrow *r, int nkeys)
{
	sbuf		b = {0};
	int			i;

	sb_reset(&b);
	for (i = 0; i < nkeys; i++)
	{
		if (i)
			sb_puts(&b, "\x1f");
		sb_puts(&b, r->v[i] ? r->v[i] : "\x01");
	}
	r->key = b.p;
}

static char *
fmt_int(int64 v)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return xstrdup(buf);
}

static char *
fmt_cost(int64 m)
{
	char		buf[48];

	snprintf(buf, sizeof(buf), "%s%lld.%09lld", m < 0 ? "-" : "",
			 (m < 0 ? -m : m) / COST_SCALE, (m < 0 ? -m : m) % COST_SCALE);
	return xstrdup(buf);
}

/*
 * numeric text to billionths; returns 0 when it has more than 9 nonzero
 * decimals or is not a plain decimal (then the canonical form is the text)
 */
static int
parse_cost(const char *s, int64 *out)
{
	int			neg = 0,
				digits = 0,
				dec = 0;
	int64		v = 0;

	if (*s == '-')
	{
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
	{
		for (s++; *s >= '0' && *s <= '9'; s++)
		{
			if (dec < 9)
			{
				v = v * 10 + (*s - '0');
				dec++;
			}
			else if (*s != '0')
				return 0;
			digits++;
		}
	}
	if (*s != '\0' || digits == 0 || digits > 18)
		return 0;
	for (; dec < 9; dec++)
		v *= 10;
	*out = neg ? -v : v;
	return 1;
}

static char *
canonical(enum kind k, const char *text)
{
	int64		m;

	if (text == NULL)
		return NULL;
	if (k == K_COST)
	{
		if (parse_cost(text, &m))
			return fmt_cost(m);
		else
		{
			char	   *p = xmalloc(strlen(text) + 8);

			sprintf(p, "(raw) %s", text);
			return p;
		}
	}
	return xstrdup(text);
}

/* value for people to read */
static void
display(enum kind k, const char *v, char *out, size_t len)
{
	int64		x;
	int			y,
				mo,
				d;

	if (v == NULL)
	{
		snprintf(out, len, "NULL");
		return;
	}
	if (strcmp(v, "\x01") == 0)
	{
		snprintf(out, len, "NULL");
		return;
	}
	x = strtoll(v, NULL, 10);
	switch (k)
	{
		case K_TS:
			format_timestamp(out, len, x, 0, 0);
			snprintf(out + strlen(out), len - strlen(out), " (%s)", v);
			break;
		case K_DAY:
			civil_from_days(x, &y, &mo, &d);
			snprintf(out, len, "%04d-%02d-%02d", y, mo, d);
			break;
		case K_IVL:
			snprintf(out, len, "%lld.%06lld s", x / 1000000, (x < 0 ? -x : x) % 1000000);
			break;
		default:
			snprintf(out, len, "'%s'", v);
			break;
	}
}

/* the input rows */
typedef struct
{
	char	   *id;
	char	   *raw_user;		/* as stored */
	char	   *user;			/* NULL when no user (NULL or '') */
	char	   *session;		/* NULL when no session (NULL or '') */
	char	   *name,
			   *tags,
			   *release,
			   *version,
			   *env;
	int64		ts;
	int64		day;
	/* totals of its observations and scores */
	int64		nobs,
				in,
				out,
				tot,
				cost,
				errors,
				scores,
				first_start,
				last_end;
} otrace;

typedef struct
{
	otrace	   *t;
	int			n;
	int			failures;		/* rows the oracle could not read */
	vset		user_scores;	/* expected rows of user_scores */
} oracle;

static char *
getval(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

static int64
getint(PGresult *res, int row, int col, int64 dflt)
{
	return PQgetisnull(res, row, col) ? dflt : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static int
cmp_otrace(const void *a, const void *b)
{
	return strcmp(((const otrace *) a)->id, ((const otrace *) b)->id);
}

static otrace *
find_trace(oracle *o, const char *id)
{
	otrace		key;

	if (id == NULL)
		return NULL;
	key.id = (char *) id;
	return bsearch(&key, o->t, (size_t) o->n, sizeof(otrace), cmp_otrace);
}

static PGresult *
query(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "difftest: query failed: %s  query: %s\n",
				PQerrorMessage(conn), sql);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int	diffs_shown = 0;

static void
report_diff(const char *view, const char *key, const char *col,
			const char *shown, const char *expected)
{
	if (diffs_shown++ >= MAX_DIFFS_SHOWN)
		return;
	printf("DIFF %s [%s] %s: shown %s, expected %s\n", view, key, col, shown, expected);
}

static int64
cost_or_zero(oracle *o, PGresult *res, int row, int col)
{
	int64		m;

	if (PQgetisnull(res, row, col))
		return 0;
	if (!parse_cost(PQgetvalue(res, row, col), &m))
	{
		fprintf(stderr, "difftest: cannot read cost %s\n", PQgetvalue(res, row, col));
		o->failures++;
		return 0;
	}
	return m;
}

static int
load_oracle(PGconn *conn, oracle *o)
{
	PGresult   *res;
	int			i;

	memset(o, 0, sizeof(*o));
	res = query(conn,
				"SELECT id, user_id, session_id, " EPOCH_US("\"timestamp\"") ","
				" name, tags::text, release, version, environment"
				" FROM usertrack.traces");
	if (res == NULL)
		return 0;
	o->n = PQntuples(res);
	o->t = xmalloc(sizeof(otrace) * (size_t) (o->n + 1));
	memset(o->t, 0, sizeof(otrace) * (size_t) (o->n + 1));
	for (i = 0; i < o->n; i++)
	{
		otrace	   *t = &o->t[i];

		t->id = getval(res, i, 0);
		t->raw_user = getval(res, i, 1);
		t->user = (t->raw_user && t->raw_user[0]) ? t->raw_user : NULL;
		t->session = getval(res, i, 2);
		if (t->session && t->session[0] == '\0')
		{
			free(t->session);
			t->session = NULL;
		}
		t->ts = getint(res, i, 3, 0);
		t->day = floordiv(t->ts, DAY_MICROS);
		t->name = getval(res, i, 4);
		t->tags = getval(res, i, 5);
		t->release = getval(res, i, 6);
		t->version = getval(res, i, 7);
		t->env = getval(res, i, 8);
	}
	PQclear(res);
	qsort(o->t, (size_t) o->n, sizeof(otrace), cmp_otrace);

	res = query(conn,
				"SELECT trace_id, input_tokens, output_tokens, total_tokens,"
				" input_cost::text, output_cost::text, total_cost::text, level,"
				" " EPOCH_US("start_time") ", " EPOCH_US("end_time") ","
				" id, model, model_parameters->>'service_tier',"
				" usage_details->>'cached', usage_details->>'audio',"
				" computed_total_cost::text"
				" FROM usertrack.observations");
	if (res == NULL)
		return 0;
	for (i = 0; i < PQntuples(res); i++)
	{
		otrace	   *t = find_trace(o, PQgetvalue(res, i, 0));
		int64		in = getint(res, i, 1, 0);
		int64		out = getint(res, i, 2, 0);
		int64		tot = getint(res, i, 3, in + out);
		int64		cost,
					start,
					end,
					computed;
		priced_obs p;

		/* the oracle's own price, against the stored one */
		memset(&p, 0, sizeof(p));
		p.model = PQgetisnull(res, i, 11) ? NULL : PQgetvalue(res, i, 11);
		p.start = getint(res, i, 8, 0);
		p.service_tier = PQgetisnull(res, i, 12) ? NULL : PQgetvalue(res, i, 12);
		p.has_in = !PQgetisnull(res, i, 1);
		p.in = in;
		p.has_out = !PQgetisnull(res, i, 2);
		p.out = out;
		p.has_tot = !PQgetisnull(res, i, 3);
		p.has_cached = !PQgetisnull(res, i, 13);
		p.cached = getint(res, i, 13, 0);
		p.has_audio = !PQgetisnull(res, i, 14);
		p.audio = getint(res, i, 14, 0);
		computed = price_of(&p);
		{
			int64		stored = -1;
			char		exp_text[48];

			if (!PQgetisnull(res, i, 15) && !parse_cost(PQgetvalue(res, i, 15), &stored))
				stored = -2;
			if (stored != computed)
			{
				char	   *e = computed < 0 ? NULL : fmt_cost(computed);

				snprintf(exp_text, sizeof(exp_text), "%s", e ? e : "NULL");
				free(e);
				report_diff("observations", PQgetvalue(res, i, 10),
							"computed_total_cost",
							PQgetisnull(res, i, 15) ? "NULL" : PQgetvalue(res, i, 15),
							exp_text);
				o->failures++;
			}
		}

		if (!PQgetisnull(res, i, 6))
			cost = cost_or_zero(o, res, i, 6);
		else if (!PQgetisnull(res, i, 4) || !PQgetisnull(res, i, 5))
			cost = cost_or_zero(o, res, i, 4) + cost_or_zero(o, res, i, 5);
		else
			cost = computed < 0 ? 0 : computed;
		if (t == NULL)
			continue;			/* its trace is absent: counts for nobody */
		start = getint(res, i, 8, 0);
		end = getint(res, i, 9, start);
		if (t->nobs == 0 || start < t->first_start)
			t->first_start = start;
		if (t->nobs == 0 || end > t->last_end)
			t->last_end = end;
		t->nobs++;
		t->in += in;
		t->out += out;
		t->tot += tot;
		t->cost += cost;
		if (strcmp(PQgetvalue(res, i, 7), "ERROR") == 0)
			t->errors++;
	}
	PQclear(res);

	res = query(conn, "SELECT trace_id, id FROM usertrack.scores WHERE trace_id IS NOT NULL");
	if (res == NULL)
		return 0;
	o->user_scores.ncols = NCOLS(user_scores_cols);
	for (i = 0; i < PQntuples(res); i++)
	{
		otrace	   *t = find_trace(o, PQgetvalue(res, i, 0));
		vrow	   *r;

		if (t == NULL)
			continue;			/* a score of no trace counts for nobody */
		t->scores++;
		if (t->user == NULL)
			continue;
		r = vset_add(&o->user_scores);
		r->v[0] = getval(res, i, 1);
		r->v[1] = xstrdup(t->user);
		r->v[2] = xstrdup(t->id);
		vrow_finish_key(r, 1);
	}
	PQclear(res);
	return 1;
}

static void
free_oracle(oracle *o)
{
	int			i;

	for (i = 0; i < o->n; i++)
	{
		otrace	   *t = &o->t[i];

		free(t->id);
		free(t->raw_user);
		free(t->session);
		free(t->name);
		free(t->tags);
		free(t->release);
		free(t->version);
		free(t->env);
	}
	free(o->t);
}

/* sums over a group of traces */
typedef struct
{
	int64		traces,
				nobs,
				in,
				out,
				tot,
				cost,
				errors,
				scores,
				first,
				last,
				sessions,
				days;
} agg;

static const oracle *sort_oracle;	/* for the comparators below */

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* by user ('' for none), then session, then day */
static int
cmp_user_session(const void *a, const void *b)
{
	const otrace *x = &sort_oracle->t[*(const int *) a];
	const otrace *y = &sort_oracle->t[*(const int *) b];
	int			r = strcmp(x->user ? x->user : "", y->user ? y->user : "");

	if (r == 0)
		r = strcmp_null(x->session, y->session);
	if (r == 0)
		r = (x->day > y->day) - (x->day < y->day);
	return r;
}

static int
cmp_user_day(const void *a, const void *b)
{
	const otrace *x = &sort_oracle->t[*(const int *) a];
	const otrace *y = &sort_oracle->t[*(const int *) b];
	int			r = strcmp(x->user ? x->user : "", y->user ? y->user : "");

	if (r == 0)
		r = (x->day > y->day) - (x->day < y->day);
	return r;
}

/* sums of traces idx[from..to), which are sorted by user and session */
static void
sum_group(const oracle *o, const int *idx, int from, int to, agg *a)
{
	int			i,
				j;

	memset(a, 0, sizeof(*a));
	for (i = from; i < to; i++)
	{
		const otrace *t = &o->t[idx[i]];

		if (a->traces == 0 || t->ts < a->first)
			a->first = t->ts;
		if (a->traces == 0 || t->ts > a->last)
			a->last = t->ts;
		a->traces++;
		a->nobs += t->nobs;
		a->in += t->in;
		a->out += t->out;
		a->tot += t->tot;
		a->cost += t->cost;
		a->errors += t->errors;
		a->scores += t->scores;
		if (t->session && (i == from || strcmp_null(o->t[idx[i - 1]].session, t->session) != 0))
			a->sessions++;
		for (j = from; j < i; j++)
			if (o->t[idx[j]].day == t->day)
				break;
		if (j == i)
			a->days++;
	}
}

/* round(num / den, 4) as a cost; den > 0, num >= 0 */
static char *
share(int64 num, int64 den)
{
	int64		q;

	if (den == 0)
		return NULL;
	q = (int64) (((__int128) num * 20000 + den) / (2 * (__int128) den));
	return fmt_cost(q * (COST_SCALE / 10000));
}

static void
expected_rows(oracle *o, vset *exp)
{
	int		   *idx = xmalloc(sizeof(int) * (size_t) (o->n + 1));
	int			n = 0,
				i,
				j;
	agg			a;
	vrow	   *r;
	int64		users = 0,
				user_events = 0,
				user_tokens = 0,
				user_cost = 0;
	agg			all;

	for (i = 0; i < N_VIEWS; i++)
		exp[i].ncols = views[i].ncols;
	exp[V_USER_SCORES] = o->user_scores;

	/* user_traces and user_scores need no grouping */
	for (i = 0; i < o->n; i++)
	{
		const otrace *t = &o->t[i];

		if (!t->user)
			continue;
		r = vset_add(&exp[V_USER_TRACES]);
		r->v[0] = xstrdup(t->id);
		r->v[1] = xstrdup(t->raw_user);
		r->v[2] = fmt_int(t->ts);
		r->v[3] = t->name ? xstrdup(t->name) : NULL;
		r->v[4] = t->session ? xstrdup(t->session) : NULL;
		r->v[5] = t->tags ? xstrdup(t->tags) : NULL;
		r->v[6] = t->release ? xstrdup(t->release) : NULL;
		r->v[7] = t->version ? xstrdup(t->version) : NULL;
		r->v[8] = t->env ? xstrdup(t->env) : NULL;
		r->v[9] = fmt_int(t->nobs);
		r->v[10] = fmt_int(t->in);
		r->v[11] = fmt_int(t->out);
		r->v[12] = fmt_int(t->tot);
		r->v[13] = fmt_cost(t->cost);
		r->v[14] = fmt_int(t->errors);
		r->v[15] = fmt_int(t->scores);
		r->v[16] = t->nobs ? fmt_int(t->last_end > t->first_start ?
									 t->last_end - t->first_start : 0) : NULL;
		vrow_finish_key(r, 1);
	}

	/* all traces, grouped by user ('' for none) and session */
	sort_oracle = o;
	for (i = 0; i < o->n; i++)
		idx[n++] = i;
	qsort(idx, (size_t) n, sizeof(int), cmp_user_session);
	memset(&all, 0, sizeof(all));
	for (i = 0; i < n; i = j)
	{
		const otrace *t = &o->t[idx[i]];

		for (j = i + 1; j < n; j++)
			if (strcmp(o->t[idx[j]].user ? o->t[idx[j]].user : "", t->user ? t->user : "") != 0)
				break;
		sum_group(o, idx, i, j, &a);
		all.traces += a.traces;
		all.nobs += a.nobs;
		all.in += a.in;
		all.out += a.out;
		all.tot += a.tot;
		all.cost += a.cost;
		all.errors += a.errors;
		all.scores += a.scores;
		all.sessions += a.sessions;
		if (!t->user)
			continue;
		users++;
		user_events += a.traces;
		user_tokens += a.tot;
		user_cost += a.cost;
		r = vset_add(&exp[V_ALL_USERS]);
		r->v[0] = xstrdup(t->user);
		r->v[1] = fmt_int(a.first);
		r->v[2] = fmt_int(a.last);
		r->v[3] = fmt_int(a.traces);
		r->v[4] = fmt_int(a.nobs);
		r->v[5] = fmt_int(a.in);
		r->v[6] = fmt_int(a.out);
		r->v[7] = fmt_int(a.tot);
		r->v[8] = fmt_cost(a.cost);
		r->v[9] = fmt_int(a.sessions);
		r->v[10] = fmt_int(a.scores);
		r->v[11] = fmt_int(a.errors);
		r->v[12] = fmt_int(a.days);
		vrow_finish_key(r, 1);
	}

	/* per user and session */
	for (i = 0; i < n; i = j)
	{
		const otrace *t = &o->t[idx[i]];

		for (j = i + 1; j < n; j++)
			if (strcmp_null(o->t[idx[j]].user, t->user) != 0 ||
				strcmp_null(o->t[idx[j]].session, t->session) != 0)
				break;
		if (!t->user || !t->session)
			continue;
		sum_group(o, idx, i, j, &a);
		r = vset_add(&exp[V_USER_SESSIONS]);
		r->v[0] = xstrdup(t->user);
		r->v[1] = xstrdup(t->session);
		r->v[2] = fmt_int(a.first);
		r->v[3] = fmt_int(a.last);
		r->v[4] = fmt_int(a.traces);
		r->v[5] = fmt_int(a.nobs);
		r->v[6] = fmt_int(a.in);
		r->v[7] = fmt_int(a.out);
		r->v[8] = fmt_int(a.tot);
		r->v[9] = fmt_cost(a.cost);
		r->v[10] = fmt_int(a.errors);
		r->v[11] = fmt_int(a.scores);
		r->v[12] = fmt_int(a.last - a.first);
		vrow_finish_key(r, 2);
	}

	/* per user and day */
	qsort(idx, (size_t) n, sizeof(int), cmp_user_day);
	for (i = 0; i < n; i = j)
	{
		const otrace *t = &o->t[idx[i]];

		for (j = i + 1; j < n; j++)
			if (cmp_user_day(&idx[i], &idx[j]) != 0)
				break;
		if (!t->user)
			continue;
		sum_group(o, idx, i, j, &a);
		r = vset_add(&exp[V_USER_DAILY]);
		r->v[0] = xstrdup(t->user);
		r->v[1] = fmt_int(t->day);
		r->v[2] = fmt_int(a.traces);
		r->v[3] = fmt_int(a.nobs);
		r->v[4] = fmt_int(a.in);
		r->v[5] = fmt_int(a.out);
		r->v[6] = fmt_int(a.tot);
		r->v[7] = fmt_cost(a.cost);
		r->v[8] = fmt_int(a.errors);
		r->v[9] = fmt_int(a.scores);
		vrow_finish_key(r, 2);
	}

	r = vset_add(&exp[V_TOTALS]);
	r->v[0] = xstrdup("totals");
	r->v[1] = fmt_int(users);
	r->v[2] = fmt_int(all.traces);
	r->v[3] = fmt_int(all.nobs);
	r->v[4] = fmt_int(all.in);
	r->v[5] = fmt_int(all.out);
	r->v[6] = fmt_int(all.tot);
	r->v[7] = fmt_cost(all.cost);
	r->v[8] = fmt_int(all.sessions);
	r->v[9] = fmt_int(all.scores);
	r->v[10] = fmt_int(all.errors);
	r->v[11] = fmt_int(user_events);
	r->v[12] = share(user_events, all.traces);
	r->v[13] = share(user_tokens, all.tot);
	r->v[14] = share(user_cost, all.cost);
	vrow_finish_key(r, 1);
	free(idx);
}

static int
load_view(PGconn *conn, const viewdef *v, vset *s)
{
	sbuf		b = {0};
	PGresult   *res;
	int			i,
				j;

	s->ncols = v->ncols;
	sb_reset(&b);
	sb_puts(&b, "SELECT ");
	for (j = 0; j < v->ncols; j++)
		sb_printf(&b, "%s%s", j ? ", " : "", v->cols[j].expr);
	sb_printf(&b, " FROM usertrack.%s", v->name);
	res = query(conn, b.p);
	sb_free(&b);
	if (res == NULL)
		return 0;
	for (i = 0; i < PQntuples(res); i++)
	{
		vrow	   *r = vset_add(s);

		for (j = 0; j < v->ncols; j++)
			r->v[j] = PQgetisnull(res, i, j) ? NULL :
				canonical(v->cols[j].kind, PQgetvalue(res, i, j));
		vrow_finish_key(r, v->nkeys);
	}
	PQclear(res);
	return 1;
}

static int
cmp_vrow(const void *a, const void *b)
{
	return strcmp(((const vrow *) a)->key, ((const vrow *) b)->key);
}

static void
display_key(const viewdef *v, const vrow *r, char *out, size_t len)
{
	size_t		used = 0;
	int			i;

	out[0] = '\0';
	for (i = 0; i < v->nkeys && used + 1 < len; i++)
	{
		char		one[160];

		display(v->cols[i].kind, r->v[i], one, sizeof(one));
		used += (size_t) snprintf(out + used, len - used, "%s%s", i ? ", " : "", one);
	}
}

/* differences between one view and the oracle's rows for it */
static int
compare_view(const viewdef *v, vset *shown, vset *exp)
{
	int			i = 0,
				j = 0,
				k,
				ndiff = 0;
	char		key[400],
				a[200],
				b[200];

	qsort(shown->rows, (size_t) shown->n, sizeof(vrow), cmp_vrow);
	qsort(exp->rows, (size_t) exp->n, sizeof(vrow), cmp_vrow);
	while (i < shown->n || j < exp->n)
	{
		int			c;

		if (i >= shown->n)
			c = 1;
		else if (j >= exp->n)
			c = -1;
		else
			c = strcmp(shown->rows[i].key, exp->rows[j].key);
		if (c < 0)
		{
			display_key(v, &shown->rows[i], key, sizeof(key));
			report_diff(v->name, key, "(row)", "present", "missing");
			ndiff++;
			i++;
		}
		else if (c > 0)
		{
			display_key(v, &exp->rows[j], key, sizeof(key));
			report_diff(v->name, key, "(row)", "missing", "present");
			ndiff++;
			j++;
		}
		else
		{
			vrow	   *s = &shown->rows[i],
					   *e = &exp->rows[j];

			for (k = v->nkeys; k < v->ncols; k++)
			{
				if (strcmp_null(s->v[k], e->v[k]) == 0)
					continue;
				display_key(v, s, key, sizeof(key));
				display(v->cols[k].kind, s->v[k], a, sizeof(a));
				display(v->cols[k].kind, e->v[k], b, sizeof(b));
				report_diff(v->name, key, v->cols[k].name, a, b);
				ndiff++;
			}
			i++;
			j++;
		}
	}
	return ndiff;
}

/* compares every view with the oracle and runs verify(); returns differences */
/*
 * user_stats() over random windows, against a recomputation in plain SQL over
 * the input tables: every trace of the user (or of every user, for NULL)
 * whose UTC day the window overlaps, its observations' sums, and the exact
 * percentile_disc of the trace latencies (last end minus first start, zero
 * when an end_time before its start_time makes that negative).  Counts, tokens, cost and events
 * must be equal, percentiles within 1% (plus half a microsecond of rounding).
 * The windows follow from a counter, so that a seed always checks the same.
 */
#define USER_STATS_WINDOWS 8

static int
check_user_stats(PGconn *conn)
{
	static uint64_t state = 0x5eed5eedULL;
	static const char *const sql =
		"WITH a AS (SELECT $1::text AS u, to_timestamp($2::float8) AS f, "
		"to_timestamp($3::float8) AS t), "
		"tr AS (SELECT t.id, t.\"timestamp\" FROM usertrack.traces t, a "
		"  WHERE ((a.u IS NULL AND t.user_id <> '') OR t.user_id = a.u) "
		"    AND (a.f IS NULL OR (t.\"timestamp\" AT TIME ZONE 'UTC')::date >= (a.f AT TIME ZONE 'UTC')::date) "
		"    AND (a.t IS NULL OR (t.\"timestamp\" AT TIME ZONE 'UTC')::date "
		"         <= ((a.t - interval '1 microsecond') AT TIME ZONE 'UTC')::date)), "
		"ob AS (SELECT o.trace_id, count(*) AS n, sum(COALESCE(o.input_tokens, 0)) AS i, "
		"  sum(COALESCE(o.output_tokens, 0)) AS ou, "
		"  sum(COALESCE(o.total_tokens, COALESCE(o.input_tokens, 0) + COALESCE(o.output_tokens, 0))) AS tt, "
		"  sum(COALESCE(o.total_cost, CASE WHEN o.input_cost IS NOT NULL OR o.output_cost IS NOT NULL "
		"      THEN COALESCE(o.input_cost, 0) + COALESCE(o.output_cost, 0) END, o.computed_total_cost, 0)) AS c, "
		"  count(*) FILTER (WHERE o.level = 'ERROR') AS e, "
		"  greatest(max(COALESCE(o.end_time, o.start_time)) - min(o.start_time), interval '0') AS lat "
		"  FROM usertrack.observations o WHERE o.trace_id IN (SELECT id FROM tr) GROUP BY o.trace_id), "
		"x AS (SELECT count(*) AS traces, COALESCE(sum(ob.n), 0) AS observations, "
		"  COALESCE(sum(ob.i), 0) AS input_tokens, COALESCE(sum(ob.ou), 0) AS output_tokens, "
		"  COALESCE(sum(ob.tt), 0) AS total_tokens, COALESCE(sum(ob.c), 0) AS model_cost, "
		"  COALESCE(sum(ob.e), 0) AS errors, min(tr.\"timestamp\") AS first_event, "
		"  max(tr.\"timestamp\") AS last_event, "
		"  percentile_disc(0.5) WITHIN GROUP (ORDER BY ob.lat) AS p50, "
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY ob.lat) AS p95, "
		"  percentile_disc(0.99) WITHIN GROUP (ORDER BY ob.lat) AS p99 "
		"  FROM tr LEFT JOIN ob ON ob.trace_id = tr.id), "
		"s AS (SELECT * FROM a, usertrack.user_stats(a.u, a.f, a.t)) "
		"SELECT concat_ws(', ', "
		"  CASE WHEN s.traces IS DISTINCT FROM x.traces THEN format('traces %s, expected %s', s.traces, x.traces) END, "
		"  CASE WHEN s.observations IS DISTINCT FROM x.observations THEN format('observations %s, expected %s', s.observations, x.observations) END, "
		"  CASE WHEN s.input_tokens IS DISTINCT FROM x.input_tokens THEN format('input_tokens %s, expected %s', s.input_tokens, x.input_tokens) END, "
		"  CASE WHEN s.output_tokens IS DISTINCT FROM x.output_tokens THEN format('output_tokens %s, expected %s', s.output_tokens, x.output_tokens) END, "
		"  CASE WHEN s.total_tokens IS DISTINCT FROM x.total_tokens THEN format('total_tokens %s, expected %s', s.total_tokens, x.total_tokens) END, "
		"  CASE WHEN s.model_cost IS DISTINCT FROM x.model_cost THEN format('model_cost %s, expected %s', s.model_cost, x.model_cost) END, "
		"  CASE WHEN s.errors IS DISTINCT FROM x.errors THEN format('errors %s, expected %s', s.errors, x.errors) END, "
		"  CASE WHEN s.first_event IS DISTINCT FROM x.first_event THEN format('first_event %s, expected %s', s.first_event, x.first_event) END, "
		"  CASE WHEN s.last_event IS DISTINCT FROM x.last_event THEN format('last_event %s, expected %s', s.last_event, x.last_event) END, "
		"  CASE WHEN (s.latency_p50 IS NULL) <> (x.p50 IS NULL) OR abs(extract(epoch FROM s.latency_p50 - x.p50)) "
		"       > 0.01 * extract(epoch FROM x.p50) + 0.0000005 THEN format('p50 %s, expected %s', s.latency_p50, x.p50) END, "
		"  CASE WHEN (s.latency_p95 IS NULL) <> (x.p95 IS NULL) OR abs(extract(epoch FROM s.latency_p95 - x.p95)) "
		"       > 0.01 * extract(epoch FROM x.p95) + 0.0000005 THEN format('p95 %s, expected %s', s.latency_p95, x.p95) END, "
		"  CASE WHEN (s.latency_p99 IS NULL) <> (x.p99 IS NULL) OR abs(extract(epoch FROM s.latency_p99 - x.p99)) "
		"       > 0.01 * extract(epoch FROM x.p99) + 0.0000005 THEN format('p99 %s, expected %s', s.latency_p99, x.p99) END) "
		"FROM s, x";
	int			ndiff = 0;

	for (int i = 0; i < USER_STATS_WINDOWS; i++)
	{
		int			u = (int) (rng_next(&state) % (uint64_t) (N_USERS + 1));
		int64		from = BASE_MICROS / 1000000 - 12 * 3600 + (int64) (rng_next(&state) % ((WINDOW_DAYS + 1) * 24)) * 3600;
		int64		len = 1 + (int64) (rng_next(&state) % (72 * 60)) * 60;
		int			open = (int) (rng_next(&state) % 8);
		char		fbuf[64],
					tbuf[64];
		const char *params[3];
		PGresult   *res;

		snprintf(fbuf, sizeof(fbuf), "%lld", (long long) from);
		snprintf(tbuf, sizeof(tbuf), "%lld", (long long) (from + len));
		params[0] = u < N_USERS ? users[u] : NULL;
		/* open ends now and then: from (1), to (2), both (3) */
		params[1] = open == 1 || open == 3 ? NULL : fbuf;
		params[2] = open == 2 || open == 3 ? NULL : tbuf;
		res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		{
			printf("user_stats(%s, %s, %s) failed: %s", params[0] ? params[0] : "NULL",
				   params[1] ? params[1] : "NULL", params[2] ? params[2] : "NULL",
				   PQerrorMessage(conn));
			ndiff++;
		}
		else if (PQgetvalue(res, 0, 0)[0] != '\0')
		{
			if (diffs_shown++ < MAX_DIFFS_SHOWN)
				printf("DIFF user_stats(%s, %s, %s): %s\n", params[0] ? params[0] : "NULL",
					   params[1] ? params[1] : "NULL", params[2] ? params[2] : "NULL",
					   PQgetvalue(res, 0, 0));
			ndiff++;
		}
		PQclear(res);
	}
	return ndiff;
}

static int
check_all(PGconn *conn, const char *when)
{
	oracle		o;
	vset		exp[N_VIEWS],
				shown[N_VIEWS];
	int			i,
				ndiff = 0;
	PGresult   *res;
	char		restore_tz[160] = "SET TimeZone = 'UTC'";

	memset(exp, 0, sizeof(exp));
	memset(shown, 0, sizeof(shown));
	/* verify() prints timestamps in the session's zone: UTC for a while */
	res = PQexec(conn, "SHOW TimeZone");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(restore_tz, sizeof(restore_tz), "SET TimeZone = '%s'",
				 PQgetvalue(res, 0, 0));
	PQclear(res);
	PQclear(PQexec(conn, "SET TimeZone = 'UTC'"));
	if (!load_oracle(conn, &o))
		return 1;
	ndiff += o.failures;
	expected_rows(&o, exp);
	for (i = 0; i < N_VIEWS; i++)
	{
		if (!load_view(conn, &views[i], &shown[i]))
			ndiff++;
		else
			ndiff += compare_view(&views[i], &shown[i], &exp[i]);
		vset_free(&shown[i]);
		vset_free(&exp[i]);
	}
	free_oracle(&o);
	ndiff += check_user_stats(conn);

	res = query(conn, "SELECT object, key, column_name, shown, recomputed"
				" FROM usertrack.verify()");
	if (res == NULL)
		ndiff++;
	else
	{
		for (i = 0; i < PQntuples(res); i++)
		{
			if (diffs_shown++ < MAX_DIFFS_SHOWN)
				printf("VERIFY %s [%s] %s: shown %s, recomputed %s\n",
					   PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
					   PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
					   PQgetvalue(res, i, 4));
		}
		ndiff += PQntuples(res);
		PQclear(res);
	}
	PQclear(PQexec(conn, restore_tz));
	if (ndiff)
		printf("%d differences %s\n", ndiff, when);
	return ndiff;
}

/*
 * Folds the whole log (deferred and mixed modes), then compares everything
 * again: the same numbers, and nothing left.  Returns the differences.
 */
static int
refresh_and_check(PGconn *conn, const char *when)
{
	PGresult   *res = PQexec(conn, "CALL usertrack.refresh(1000)");
	int			ndiff = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		printf("refresh failed: %s", PQerrorMessage(conn));
		ndiff++;
	}
	PQclear(res);
	if (ndiff == 0)
		ndiff = check_all(conn, when);
	return ndiff;
}

/* Writes one row of model prices (a VALUES tuple of price_rows' shape). */
static int
insert_price(PGconn *conn, const char *row)
{
	char		sql[512];
	PGresult   *res;
	int			ok;

	snprintf(sql, sizeof(sql),
			 "INSERT INTO usertrack.model_prices (model_name, match_pattern, start_date,"
			 " tier, tier_priority, usage_pattern, usage_operator, usage_threshold,"
			 " parameter_key, parameter_values, input_price, output_price, usage_prices)"
			 " VALUES %s", row);
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		printf("difftest: cannot write a price: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

/*
 * The end of a run: a later price for difftest-model-b, recalculate_costs()
 * with a filter picked by the seed (each covers the rows the price changes),
 * its count checked, and every view compared again.
 */
static int
price_change(PGconn *conn, long seed)
{
	static const char *const recalcs[] = {
		"SELECT usertrack.recalculate_costs()",
		"SELECT usertrack.recalculate_costs('model-b')",
		"SELECT usertrack.recalculate_costs('^difftest-model-b$', '2024-03-11 00:00:00+00')",
		"SELECT usertrack.recalculate_costs(NULL, '2024-03-10 23:00:00-01', NULL)",
		"SELECT usertrack.recalculate_costs('DIFFTEST-MODEL-B', NULL, '2999-01-01 00:00:00+00')",
		"SELECT usertrack.recalculate_costs(to_time => '2999-01-01', from_time => '2024-03-11')"
	};
	const char *recalc = recalcs[seed % NCOLS(recalcs)];
	PGresult   *res;
	long		expected = 0;
	int			ndiff = 0;

	/* the rows whose price the change replaces */
	res = query(conn,
				"SELECT lower(model), " EPOCH_US("start_time") ","
				" input_tokens IS NOT NULL OR output_tokens IS NOT NULL"
				" OR total_tokens IS NOT NULL OR usage_details->'cached' IS NOT NULL"
				" OR usage_details->'audio' IS NOT NULL"
				" FROM usertrack.observations WHERE model IS NOT NULL");
	if (res == NULL)
		return 1;
	for (int i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), "difftest-model-b") == 0 &&
			getint(res, i, 1, 0) >= PRICE_CHANGE_MICROS &&
			strcmp(PQgetvalue(res, i, 2), "t") == 0)
			expected++;
	PQclear(res);

	if (!insert_price(conn, later_price_row))
		return 1;
	res = PQexec(conn, recalc);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		printf("%s failed: %s", recalc, PQerrorMessage(conn));
		PQclear(res);
		return 1;
	}
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) != expected)
	{
		PGresult   *dbg;

		printf("DIFF %s: returned %s, expected %ld\n", recalc, PQgetvalue(res, 0, 0), expected);
		ndiff++;
		dbg = PQexec(conn, "SELECT id, model, start_time, computed_total_cost, price_id, (usertrack.compute_cost(model, start_time, model_parameters, input_tokens, output_tokens, total_tokens, usage_details)).* FROM usertrack.observations WHERE lower(model) = 'difftest-model-b' AND start_time >= '2024-03-11 00:00:00+00'");
		for (int i = 0; i < PQntuples(dbg); i++)
		{
			printf("DEBUG");
			for (int j = 0; j < PQnfields(dbg); j++)
				printf(" %s", PQgetvalue(dbg, i, j));
			printf("\n");
		}
		PQclear(dbg);
	}
	else
		printf("price change: %s recalculated %ld observations\n", recalc, expected);
	PQclear(res);
	price_phase = 1;
	ndiff += check_all(conn, "after the price change");
	if (ndiff == 0 && maintenance_mode != MODE_IMMEDIATE)
		ndiff = refresh_and_check(conn, "after the price change and a refresh");
	return ndiff;
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr, "usage: difftest [--seed N] [--ops N] [--clients N] [--conninfo STR]\n"
			"                [--log FILE] [--autocommit] [--mode immediate|deferred|mixed]\n");
	exit(2);
}

static long
parse_number(const char *s, long min, long max)
{
	char	   *end;
	long		v;

	if (s == NULL || *s == '\0')
		usage();
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	long		seed = 1,
				ops = 3000;
	const char *conninfo = "";
	const char *logpath = NULL;
	PGconn	   *conn;
	client_t   *clients;
	pthread_t  *threads;
	int			i,
				ndiff = 0,
				unexpected = 0;
	long		n23505 = 0,
				n40P01 = 0,
				n40P01_single = 0,
				n40001 = 0,
				commits = 0,
				rollbacks = 0,
				sprollbacks = 0,
				statements = 0;
	PGresult   *res;

	for (i = 1; i < argc; i++)
	{
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--seed") == 0)
			seed = parse_number(val, 0, 2147483647L);
		else if (strcmp(arg, "--ops") == 0)
			ops = parse_number(val, 0, 100000000L);
		else if (strcmp(arg, "--clients") == 0)
			nclients = (int) parse_number(val, 1, 64);
		else if (strcmp(arg, "--conninfo") == 0 && val)
			conninfo = val;
		else if (strcmp(arg, "--log") == 0 && val)
			logpath = val;
		else if (strcmp(arg, "--mode") == 0 && val)
		{
			if (strcmp(val, "immediate") == 0)
				maintenance_mode = MODE_IMMEDIATE;
			else if (strcmp(val, "deferred") == 0)
				maintenance_mode = MODE_DEFERRED;
			else if (strcmp(val, "mixed") == 0)
				maintenance_mode = MODE_MIXED;
			else
				usage();
		}
		else if (strcmp(arg, "--autocommit") == 0)
		{
			autocommit_only = 1;
			continue;
		}
		else
			usage();
		i++;
	}
	if (logpath)
	{
		logfile = fopen(logpath, "w");
		if (logfile == NULL)
		{
			perror(logpath);
			return 2;
		}
	}

	/* a clean start */
	conn = connect_db(conninfo);
	{
		client_t	setup;

		memset(&setup, 0, sizeof(setup));
		setup.conn = conn;
		setup.idx = -1;
		if (exec_sql(&setup, "SET client_min_messages = warning") != X_OK ||
			exec_sql(&setup, "CREATE EXTENSION IF NOT EXISTS usertrack") != X_OK ||
			exec_sql(&setup, "TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores") != X_OK ||
			exec_sql(&setup, "DELETE FROM usertrack.model_prices WHERE source = 'operator'") != X_OK)
		{
			printf("difftest seed=%ld ops=%ld clients=%d: FAILED (setup)\n", seed, ops, nclients);
			return 1;
		}
	}

	for (i = 0; price_rows[i]; i++)
		if (!insert_price(conn, price_rows[i]))
		{
			printf("difftest seed=%ld ops=%ld clients=%d: FAILED (setup)\n", seed, ops, nclients);
			return 1;
		}

	clients = xmalloc(sizeof(client_t) * (size_t) nclients);
	threads = xmalloc(sizeof(pthread_t) * (size_t) nclients);
	memset(clients, 0, sizeof(client_t) * (size_t) nclients);
	for (i = 0; i < nclients; i++)
	{
		client_t   *c = &clients[i];
		char		buf[128];

		c->idx = i;
		c->rng = (uint64_t) seed * 1000003ULL + (uint64_t) i * 7919ULL + 1;
		c->nops = (int) (ops / nclients + (i < ops % nclients ? 1 : 0));
		c->truncate_until = c->nops * 7 / 10;
		c->conn = (nclients == 1) ? conn : connect_db(conninfo);
		snprintf(buf, sizeof(buf), "SET TimeZone = '%s'", timezones[rnd(c, NCOLS(timezones))]);
		exec_sql(c, buf);
		exec_sql(c, "SET statement_timeout = '60s'");
		if (maintenance_mode == MODE_DEFERRED ||
			(maintenance_mode == MODE_MIXED && pct(c, 50)))
			exec_sql(c, "SET usertrack.maintenance = deferred");
		if (nclients > 1)
		{
			/* superuser only; faster deadlock detection when allowed */
			PQclear(PQexec(c->conn, "SET deadlock_timeout = '20ms'"));
		}
		c->statements = 0;
	}

	if (nclients == 1)
	{
		client_t   *c = &clients[0];
		int			next_check = CHECK_EVERY;

		while (c->ops_done < c->nops)
		{
			run_transaction(c);
			if (c->ops_done >= next_check && c->ops_done < c->nops)
			{
				char		when[64];

				snprintf(when, sizeof(when), "after %d operations", c->ops_done);
				next_check += CHECK_EVERY;
				ndiff = check_all(conn, when);
				if (ndiff)
					break;
			}
		}
	}
	else
	{
		for (i = 0; i < nclients; i++)
			if (pthread_create(&threads[i], NULL, client_main, &clients[i]) != 0)
			{
				fprintf(stderr, "difftest: cannot start thread\n");
				return 1;
			}
		for (i = 0; i < nclients; i++)
			pthread_join(threads[i], NULL);
	}

	for (i = 0; i < nclients; i++)
	{
		client_t   *c = &clients[i];

		unexpected += (int) c->unexpected;
		n23505 += c->n23505;
		n40P01 += c->n40P01;
		n40P01_single += c->n40P01_single;
		n40001 += c->n40001;
		commits += c->commits;
		rollbacks += c->rollbacks;
		sprollbacks += c->savepoint_rollbacks;
		statements += c->statements;
		sb_free(&c->sql);
		sb_free(&c->data);
		if (c->conn != conn)
			PQfinish(c->conn);
	}

	if (ndiff == 0)
	{
		/* the final state as one reader sees it */
		res = PQexec(conn, "SET TimeZone = 'UTC'");
		PQclear(res);
		ndiff = check_all(conn, "at the end");
		if (ndiff == 0 && maintenance_mode != MODE_IMMEDIATE)
		{
			/* fold everything: the same numbers, and nothing left */
			ndiff = refresh_and_check(conn, "after refresh");
			res = PQexec(conn, "SELECT log_rows, held_users FROM usertrack.backlog");
			if (PQresultStatus(res) != PGRES_TUPLES_OK ||
				strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
				strcmp(PQgetvalue(res, 0, 1), "0") != 0)
			{
				printf("backlog after refresh: %s log rows, %s held users\n",
					   PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?",
					   PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 1) : "?");
				ndiff++;
			}
			PQclear(res);
		}
		if (ndiff == 0)
			ndiff = price_change(conn, seed);
		res = PQexec(conn,
					 "SELECT (SELECT count(*) FROM usertrack.traces),"
					 " (SELECT count(*) FROM usertrack.traces WHERE user_id <> ''),"
					 " (SELECT count(*) FROM usertrack.all_users),"
					 " (SELECT count(*) FROM usertrack.observations),"
					 " (SELECT count(*) FROM usertrack.observations o WHERE NOT EXISTS"
					 "   (SELECT 1 FROM usertrack.traces t WHERE t.id = o.trace_id)),"
					 " (SELECT count(*) FROM usertrack.scores),"
					 " (SELECT count(*) FROM usertrack.user_scores)");
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			printf("final data: %s traces (%s with a user, %s users), %s observations"
				   " (%s without their trace), %s scores (%s of a user)\n",
				   PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				   PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5),
				   PQgetvalue(res, 0, 6));
		PQclear(res);
	}
	printf("statements %ld, commits %ld, rollbacks %ld, savepoint rollbacks %ld;"
		   " expected errors: 23505 %ld, 40P01 %ld (%ld in single statements), 40001 %ld;"
		   " unexpected errors %d\n",
		   statements, commits, rollbacks, sprollbacks, n23505, n40P01,
		   n40P01_single, n40001, unexpected);
	PQfinish(conn);
	free(clients);
	free(threads);
	if (logfile)
		fclose(logfile);
	ndiff += unexpected;
	if (ndiff)
	{
		printf("difftest seed=%ld ops=%ld clients=%d: FAILED (%d differences)\n",
			   seed, ops, nclients, ndiff);
		return 1;
	}
	printf("difftest seed=%ld ops=%ld clients=%d: ok\n", seed, ops, nclients);
	return 0;
}
