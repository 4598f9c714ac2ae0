/*
 * summaries.c
 *
 * The summary writer.  It takes the per-trace changes of one statement
 * (capture.c) and applies them to the maintained tables in one fixed order:
 *
 *   1. trace_totals, one upsert for all changed trace ids.  Every writer
 *      passes through this row and reads back, under its lock, whom the
 *      trace counts for (observation and score writers) or what is already
 *      counted under it (trace writers).  Two transactions that race on one
 *      trace therefore meet here: the second waits for the first and sees
 *      its result, so nothing is counted for nobody or counted twice.
 *   2. user_session_totals, user_daily_totals, then user_totals, one upsert
 *      each for all changed keys, with the number of sessions and active
 *      days following the rows born and dead in the first two.
 *
 * Each upsert takes its rows in sorted key order (the arrays are sorted and
 * unnest keeps their order), so two statements never wait for each other in
 * opposite orders.  First and last timestamps grow with LEAST/GREATEST; when
 * a statement removes the current first or last one, just those keys are
 * recomputed through the input tables' indexes, after their rows are locked
 * and so with a snapshot that sees every committed change before ours.
 *
 * All of it runs as the extension owner with search_path pinned to
 * pg_catalog, pg_temp, through SPI plans prepared once per backend.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "usertrack.h"
#include "sketch.h"

/* ---------------------------------------------------------------------
 * Measures
 * --------------------------------------------------------------------- */

static Numeric
numeric_zero(void)
{
	static Numeric zero = NULL;

	if (zero == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		zero = DatumGetNumeric(DirectFunctionCall1(int4_numeric, Int32GetDatum(0)));
		MemoryContextSwitchTo(old);
	}
	return zero;
}

/*
 * Adds sign * value to a count.  Counts are bigint columns: a sum that leaves
 * the bigint range is an error, as it would be in SQL, never a wrap-around.
 */
static void
add_count(int64 *into, int64 value, int sign, const char *what)
{
	int64		result;

	if ((sign < 0 ? pg_sub_s64_overflow(*into, value, &result) :
		 pg_add_s64_overflow(*into, value, &result)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range", what),
				 errdetail("A sum of %s in usertrack leaves the range of bigint.", what)));
	*into = result;
}

void
measures_add(Measures *into, const Measures *m, int sign)
{
	add_count(&into->traces, m->traces, sign, "traces");
	add_count(&into->observations, m->observations, sign, "observations");
	add_count(&into->input_tokens, m->input_tokens, sign, "input_tokens");
	add_count(&into->output_tokens, m->output_tokens, sign, "output_tokens");
	add_count(&into->total_tokens, m->total_tokens, sign, "total_tokens");
	add_count(&into->errors, m->errors, sign, "errors");
	add_count(&into->scores, m->scores, sign, "scores");
	if (m->model_cost != NULL)
	{
		Numeric		c = m->model_cost;

		if (sign < 0)
			c = DatumGetNumeric(DirectFunctionCall1(numeric_uminus,
													NumericGetDatum(c)));
		/* a copy: m may live in memory that goes before into does */
		if (into->model_cost == NULL)
			into->model_cost = c != m->model_cost ? c :
				DatumGetNumericCopy(NumericGetDatum(c));
		else
			into->model_cost =
				DatumGetNumeric(DirectFunctionCall2(numeric_add,
													NumericGetDatum(into->model_cost),
													NumericGetDatum(c)));
	}
}

bool
measures_are_zero(const Measures *m)
{
	if (m->traces != 0 || m->observations != 0 || m->input_tokens != 0 ||
		m->output_tokens != 0 || m->total_tokens != 0 || m->errors != 0 ||
		m->scores != 0)
		return false;
	return m->model_cost == NULL ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  NumericGetDatum(m->model_cost),
										  NumericGetDatum(numeric_zero()))) == 0;
}

void
timespan_include(TimeSpan *span, TimestampTz first, TimestampTz last)
{
	if (!span->valid)
	{
		span->valid = true;
		span->first = first;
		span->last = last;
		return;
	}
	if (first < span->first)
		span->first = first;
	if (last > span->last)
		span->last = last;
}

/*
 * After keys lost some timestamps (removed), their stored first and last
 * values (first, last, as now stored) may be stale only if a removed value
 * reached them.
 */
static bool
span_needs_recompute(const TimeSpan *removed, bool first_null, TimestampTz first,
					 bool last_null, TimestampTz last)
{
	if (!removed->valid)
		return false;
	return first_null || last_null || removed->first <= first ||
		removed->last >= last;
}

/* ---------------------------------------------------------------------
 * Rollup keys: (user), (user, session) and (user, day)
 * --------------------------------------------------------------------- */

typedef struct RollupKey
{
	const char *user_id;
	const char *session_id;		/* per (user, session) only */
	DateADT		day;			/* per (user, day) and log cells */
	TimestampTz bucket;			/* per (user, bucket) and log cells */
} RollupKey;

typedef struct RollupChange
{
	RollupKey	key;
	uint32		hash;
	char		status;
	Measures	delta;
	TimeSpan	added;			/* trace timestamps added */
	TimeSpan	removed;		/* trace timestamps removed */
	int64		sessions_delta; /* per user: sessions born minus dead */
	int64		days_delta;		/* per user: days born minus dead */
	BinArray	latency;		/* per day and cell: latency sketch change */
	bool		held;			/* per user: its changes go to the log */
	bool		status_known;	/* per user: held or settled is decided */
} RollupChange;

static uint32
rollup_key_hash(RollupKey k)
{
	uint32		h = hash_bytes((const unsigned char *) k.user_id, strlen(k.user_id));

	if (k.session_id != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) k.session_id,
									   strlen(k.session_id)));
	h = hash_combine(h, murmurhash32((uint32) k.day));
	return hash_combine(h, murmurhash32((uint32) (k.bucket / USERTRACK_BUCKET_USECS)));
}

static int
rollup_key_compare(const RollupKey *a, const RollupKey *b)
{
	int			c = strcmp(a->user_id, b->user_id);

	if (c != 0)
		return c;
	if (a->session_id != b->session_id)
	{
		if (a->session_id == NULL)
			return -1;
		if (b->session_id == NULL)
			return 1;
		c = strcmp(a->session_id, b->session_id);
		if (c != 0)
			return c;
	}
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->bucket < b->bucket ? -1 : (a->bucket > b->bucket ? 1 : 0);
}

#define SH_PREFIX		rollup
#define SH_ELEMENT_TYPE RollupChange
#define SH_KEY_TYPE		RollupKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) rollup_key_hash(k)
#define SH_EQUAL(tb, a, b) (rollup_key_compare(&(a), &(b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * The keys one statement (or one refresh batch) changes.  cells, keyed by
 * (user, session, day), is what a deferred write appends to the log: every
 * session, day and user change is a sum of cells.
 */
typedef struct RollupSet
{
	rollup_hash *sessions;
	rollup_hash *days;
	rollup_hash *buckets;		/* (user, 15-minute bucket) */
	rollup_hash *users;
	rollup_hash *cells;
} RollupSet;

static RollupChange *
rollup_for_key(rollup_hash *h, const char *user_id, const char *session_id,
			   DateADT day, TimestampTz bucket)
{
	RollupKey	k;
	bool		found;
	RollupChange *e;

	k.user_id = user_id;
	k.session_id = session_id;
	k.day = day;
	k.bucket = bucket;
	e = rollup_insert(h, k, &found);
	if (!found)
	{
		memset(&e->delta, 0, sizeof(e->delta));
		memset(&e->added, 0, sizeof(e->added));
		memset(&e->removed, 0, sizeof(e->removed));
		e->sessions_delta = 0;
		e->days_delta = 0;
		memset(&e->latency, 0, sizeof(e->latency));
		e->held = false;
		e->status_known = false;
	}
	return e;
}

static RollupChange *
rollup_for(rollup_hash *h, const char *user_id, const char *session_id,
		   DateADT day)
{
	return rollup_for_key(h, user_id, session_id, day, 0);
}

/* The log cell of a trace's keys: (user, session, day, bucket). */
static RollupChange *
cell_for(RollupSet *rs, const Attribution *a)
{
	return rollup_for_key(rs->cells, a->user_id, a->session_id, a->day, a->bucket);
}

/*
 * Adds (sign = 1) or removes (sign = -1) the contribution of one trace, or of
 * observations and scores under it, to the trace's rollup keys.  With
 * count_trace the trace itself is counted, with its timestamp.
 */
static void
add_contribution(RollupSet *rs, const Attribution *a, const Measures *m,
				 int sign, bool count_trace)
{
	Measures	d = *m;
	RollupChange *e[3];
	int			n = 0;

	d.traces = count_trace ? 1 : 0;
	e[n++] = rollup_for(rs->users, a->user_id, NULL, 0);
	e[n++] = cell_for(rs, a);
	if (a->session_id != NULL)
		e[n++] = rollup_for(rs->sessions, a->user_id, a->session_id, 0);
	measures_add(&rollup_for(rs->days, a->user_id, NULL, a->day)->delta, &d, sign);
	measures_add(&rollup_for_key(rs->buckets, a->user_id, NULL, 0, a->bucket)->delta,
				 &d, sign);
	for (int i = 0; i < n; i++)
	{
		measures_add(&e[i]->delta, &d, sign);
		if (count_trace)
			timespan_include(sign > 0 ? &e[i]->added : &e[i]->removed,
							 a->ts, a->ts);
	}
}

/*
 * Adds (sign = 1) or removes (sign = -1) one trace latency to or from the
 * sketch of the trace's (user, day) and of its log cell.  The user gets an
 * entry too, so that it is classified held or settled like any user whose
 * rows change.
 */
static void
add_latency(RollupSet *rs, const Attribution *a, int64 latency_us, int sign)
{
	int32		key = latency_key_usecs(latency_us);

	(void) rollup_for(rs->users, a->user_id, NULL, 0);
	bins_add(&rollup_for(rs->days, a->user_id, NULL, a->day)->latency, key,
			 sign, CurrentMemoryContext);
	bins_add(&cell_for(rs, a)->latency, key, sign, CurrentMemoryContext);
}

static int
compare_rollups(const void *a, const void *b)
{
	return rollup_key_compare(&(*(const RollupChange *const *) a)->key,
							  &(*(const RollupChange *const *) b)->key);
}

/*
 * The rollup changes in key order: those that write something, or with all,
 * every key (a user whose own totals do not change can still have session
 * or day rows that do).
 */
static RollupChange **
sorted_rollups_of(rollup_hash *h, int *n, bool all)
{
	RollupChange **out = palloc(sizeof(RollupChange *) * (h->members + 1));
	rollup_iterator it;
	RollupChange *e;

	*n = 0;
	rollup_start_iterate(h, &it);
	while ((e = rollup_iterate(h, &it)) != NULL)
		if (all || !measures_are_zero(&e->delta) || e->added.valid ||
			e->removed.valid || e->sessions_delta != 0 || e->days_delta != 0 ||
			e->latency.n > 0)
			out[(*n)++] = e;
	if (*n > 1)
		qsort(out, *n, sizeof(RollupChange *), compare_rollups);
	return out;
}

static RollupChange **
sorted_rollups(rollup_hash *h, int *n)
{
	return sorted_rollups_of(h, n, false);
}

/* ---------------------------------------------------------------------
 * Statement arguments: one array per column
 * --------------------------------------------------------------------- */

typedef struct ArgColumn
{
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;
	Datum	   *values;
	bool	   *nulls;
} ArgColumn;

static void
arg_init(ArgColumn *c, Oid elemtype, int capacity)
{
	c->elemtype = elemtype;
	get_typlenbyvalalign(elemtype, &c->typlen, &c->typbyval, &c->typalign);
	c->n = 0;
	c->values = palloc(sizeof(Datum) * Max(capacity, 1));
	c->nulls = palloc(sizeof(bool) * Max(capacity, 1));
}

static void
arg_push(ArgColumn *c, Datum value, bool isnull)
{
	c->values[c->n] = value;
	c->nulls[c->n] = isnull;
	c->n++;
}

/* A latency sketch change, NULL when there is none. */
static void
arg_push_sketch(ArgColumn *c, const BinArray *latency)
{
	bool		isnull;
	Datum		d = bins_sketch_datum(latency, &isnull);

	arg_push(c, d, isnull);
}

static void
arg_push_text(ArgColumn *c, const char *s)
{
	arg_push(c, s ? CStringGetTextDatum(s) : (Datum) 0, s == NULL);
}

static Datum
arg_array(ArgColumn *c)
{
	int			dims[1];
	int			lbs[1];

	dims[0] = c->n;
	lbs[0] = 1;
	return PointerGetDatum(construct_md_array(c->values, c->nulls, 1, dims, lbs,
											  c->elemtype, c->typlen,
											  c->typbyval, c->typalign));
}

/* The measure columns, in the order every statement below lists them. */
typedef struct MeasureArgs
{
	ArgColumn	traces,
				observations,
				input_tokens,
				output_tokens,
				total_tokens,
				model_cost,
				errors,
				scores;
} MeasureArgs;

static void
measure_args_init(MeasureArgs *a, int capacity)
{
	arg_init(&a->traces, INT8OID, capacity);
	arg_init(&a->observations, INT8OID, capacity);
	arg_init(&a->input_tokens, INT8OID, capacity);
	arg_init(&a->output_tokens, INT8OID, capacity);
	arg_init(&a->total_tokens, INT8OID, capacity);
	arg_init(&a->model_cost, NUMERICOID, capacity);
	arg_init(&a->errors, INT8OID, capacity);
	arg_init(&a->scores, INT8OID, capacity);
}

static void
measure_args_push(MeasureArgs *a, const Measures *m)
{
	arg_push(&a->traces, Int64GetDatum(m->traces), false);
	arg_push(&a->observations, Int64GetDatum(m->observations), false);
	arg_push(&a->input_tokens, Int64GetDatum(m->input_tokens), false);
	arg_push(&a->output_tokens, Int64GetDatum(m->output_tokens), false);
	arg_push(&a->total_tokens, Int64GetDatum(m->total_tokens), false);
	arg_push(&a->model_cost,
			 m->model_cost == NULL ? NumericGetDatum(numeric_zero()) :
			 DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(m->model_cost)),
			 false);
	arg_push(&a->errors, Int64GetDatum(m->errors), false);
	arg_push(&a->scores, Int64GetDatum(m->scores), false);
}

/*
 * Appends the measure arrays to args, from position *pos; trace_totals has
 * no traces column.
 */
static void
measure_args_arrays(MeasureArgs *a, bool with_traces, Datum *args, int *pos)
{
	if (with_traces)
		args[(*pos)++] = arg_array(&a->traces);
	args[(*pos)++] = arg_array(&a->observations);
	args[(*pos)++] = arg_array(&a->input_tokens);
	args[(*pos)++] = arg_array(&a->output_tokens);
	args[(*pos)++] = arg_array(&a->total_tokens);
	args[(*pos)++] = arg_array(&a->model_cost);
	args[(*pos)++] = arg_array(&a->errors);
	args[(*pos)++] = arg_array(&a->scores);
}

static void
push_timespan(ArgColumn *first, ArgColumn *last, const TimeSpan *span)
{
	arg_push(first, TimestampTzGetDatum(span->first), !span->valid);
	arg_push(last, TimestampTzGetDatum(span->last), !span->valid);
}

/* ---------------------------------------------------------------------
 * The statements, prepared once per backend
 * --------------------------------------------------------------------- */

#define MEASURE_COLUMNS \
	"traces, observations, input_tokens, output_tokens, total_tokens, " \
	"model_cost, errors, scores"
#define TRACE_MEASURE_COLUMNS \
	"observations, input_tokens, output_tokens, total_tokens, model_cost, " \
	"errors, scores"
#define ADD_TRACE_MEASURES \
	"observations = t.observations + excluded.observations, " \
	"input_tokens = t.input_tokens + excluded.input_tokens, " \
	"output_tokens = t.output_tokens + excluded.output_tokens, " \
	"total_tokens = t.total_tokens + excluded.total_tokens, " \
	"model_cost = trim_scale(t.model_cost + excluded.model_cost), " \
	"errors = t.errors + excluded.errors, " \
	"scores = t.scores + excluded.scores"
#define ADD_MEASURES \
	"traces = t.traces + excluded.traces, " ADD_TRACE_MEASURES
/* A trace's latency (usertrack.trace_latency): NULL without observations */
#define TRACE_LATENCY "usertrack.trace_latency(t.first_start, t.last_end)"
#define WIDEN_EVENTS \
	"first_event = LEAST(t.first_event, excluded.first_event), " \
	"last_event = GREATEST(t.last_event, excluded.last_event)"

/*
 * First and last trace timestamp of a user (and session), through the
 * indexes on traces (user_id, timestamp) and (user_id, session_id,
 * timestamp).  User '' stands for NULL and '' alike.
 */
#define TRACE_TIME(agg, combine, extra) \
	"CASE WHEN t.user_id = '' THEN " combine "(" \
	"(SELECT " agg "(x.\"timestamp\") FROM usertrack.traces x WHERE x.user_id IS NULL" extra "), " \
	"(SELECT " agg "(x.\"timestamp\") FROM usertrack.traces x WHERE x.user_id = ''" extra ")) " \
	"ELSE (SELECT " agg "(x.\"timestamp\") FROM usertrack.traces x WHERE x.user_id = t.user_id" extra ") END"

#define USER_ADD(table) \
		"INSERT INTO " table " AS t (user_id, " MEASURE_COLUMNS \
		", sessions, active_days, first_event, last_event) " \
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) " \
		"ON CONFLICT (user_id) DO UPDATE SET " ADD_MEASURES ", " \
		"sessions = t.sessions + excluded.sessions, " \
		"active_days = t.active_days + excluded.active_days, " \
		WIDEN_EVENTS " RETURNING traces, first_event, last_event"
#define USER_REFRAME(table) \
		"UPDATE " table " t SET " \
		"first_event = " TRACE_TIME("min", "LEAST", "") ", " \
		"last_event = " TRACE_TIME("max", "GREATEST", "") " " \
		"WHERE t.user_id = ANY ($1 COLLATE \"C\")"

typedef enum QueryId
{
	Q_TRACE_ADD,
	Q_TRACE_SET,
	Q_TRACE_RESPAN,
	Q_TRACE_DROP,
	Q_SESSION_ADD,
	Q_SESSION_DROP,
	Q_SESSION_REFRAME,
	Q_DAY_ADD,
	Q_DAY_DROP,
	Q_BUCKET_ADD,
	Q_BUCKET_DROP,
	Q_USER_ADD,
	Q_USER_DROP,
	Q_USER_REFRAME,
	Q_HELD_ADD,
	Q_HELD_REFRAME,
	Q_USER_CLAIM,
	Q_USER_UNCREATE,
	Q_HELD_AMONG,
	Q_HELD_AMONG_LOCKED,
	Q_HOLD_MOVE,
	Q_LOG_APPEND,
	Q_LOG_TAKE,
	Q_SETTLE_CANDIDATES,
	Q_SETTLE,
	Q_ALERTS_CHECK,
	Q_TRAITS_CLAIM,
	Q_TRAITS_LOCK,
	Q_TRAITS_APPEND,
	Q_TRAITS_RECOMPUTE,
	NUM_QUERIES
} QueryId;

typedef struct QueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[20];
	bool		generic;		/* plan once for any argument values */
} QueryDef;

#define T TEXTARRAYOID
#define I INT8ARRAYOID
#define N NUMERICARRAYOID
#define TS TIMESTAMPTZARRAYOID
#define D DATEARRAYOID
#define B BOOLARRAYOID
#define SK InvalidOid			/* usertrack.latency_sketch[], looked up */

static const QueryDef queries[NUM_QUERIES] = {
	[Q_TRACE_ADD] = {
		"INSERT INTO usertrack.trace_totals AS t (trace_id, " TRACE_MEASURE_COLUMNS
		", first_start, last_end, present, user_id, session_id, day, bucket) "
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
		"$12, $13, $14, $15) "
		"ON CONFLICT (trace_id) DO UPDATE SET " ADD_TRACE_MEASURES ", "
		"first_start = LEAST(t.first_start, excluded.first_start), "
		"last_end = GREATEST(t.last_end, excluded.last_end), "
		"prior_latency = " TRACE_LATENCY " "
		"RETURNING trace_id, present, user_id, session_id, day, "
		TRACE_MEASURE_COLUMNS ", first_start, last_end, prior_latency, bucket",
		15, {T, I, I, I, I, N, I, I, TS, TS, B, T, T, D, TS}
	},
	/*
	 * Q_TRACE_ADD inserts a new row with the statement's attribution already
	 * (a trace inserted for the first time), and leaves the attribution of an
	 * existing row alone; Q_TRACE_SET then updates the existing rows whose
	 * trace moved.  Both only touch rows Q_TRACE_ADD has locked in key order.
	 */
	[Q_TRACE_SET] = {
		"UPDATE usertrack.trace_totals t SET present = k.present, "
		"user_id = k.user_id, session_id = k.session_id, day = k.day, "
		"bucket = k.bucket "
		"FROM unnest($1, $2, $3, $4, $5, $6) AS k(trace_id, present, user_id, "
		"session_id, day, bucket) "
		"WHERE t.trace_id = k.trace_id COLLATE \"C\"",
		6, {T, B, T, T, D, TS}
	},
	[Q_TRACE_RESPAN] = {
		"UPDATE usertrack.trace_totals t SET "
		"first_start = (SELECT min(o.start_time) FROM usertrack.observations o "
		"WHERE o.trace_id = t.trace_id), "
		"last_end = (SELECT max(COALESCE(o.end_time, o.start_time)) "
		"FROM usertrack.observations o WHERE o.trace_id = t.trace_id) "
		"WHERE t.trace_id = ANY ($1 COLLATE \"C\") "
		"RETURNING t.trace_id, t.first_start, t.last_end",
		1, {T}
	},
	[Q_TRACE_DROP] = {
		"DELETE FROM usertrack.trace_totals t WHERE t.trace_id = ANY ($1 COLLATE \"C\") "
		"AND NOT t.present AND t.observations = 0 AND t.scores = 0",
		1, {T}
	},
	[Q_SESSION_ADD] = {
		"INSERT INTO usertrack.user_session_totals AS t (user_id, session_id, "
		MEASURE_COLUMNS ", first_event, last_event) "
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
		"ON CONFLICT (user_id, session_id) DO UPDATE SET " ADD_MEASURES ", "
		WIDEN_EVENTS " RETURNING traces, first_event, last_event",
		12, {T, T, I, I, I, I, I, N, I, I, TS, TS}
	},
	[Q_SESSION_DROP] = {
		"DELETE FROM usertrack.user_session_totals t "
		"USING unnest($1, $2) AS k(user_id, session_id) "
		"WHERE t.user_id = k.user_id COLLATE \"C\" "
		"AND t.session_id = k.session_id COLLATE \"C\" AND t.traces = 0",
		2, {T, T}
	},
	[Q_SESSION_REFRAME] = {
		"UPDATE usertrack.user_session_totals t SET "
		"first_event = " TRACE_TIME("min", "LEAST", " AND x.session_id = t.session_id") ", "
		"last_event = " TRACE_TIME("max", "GREATEST", " AND x.session_id = t.session_id") " "
		"FROM unnest($1, $2) AS k(user_id, session_id) "
		"WHERE t.user_id = k.user_id COLLATE \"C\" "
		"AND t.session_id = k.session_id COLLATE \"C\"",
		2, {T, T}
	},
	[Q_DAY_ADD] = {
		"INSERT INTO usertrack.user_daily_totals AS t (user_id, day, "
		MEASURE_COLUMNS ", latency) "
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
		"ON CONFLICT (user_id, day) DO UPDATE SET " ADD_MEASURES ", "
		"latency = usertrack.sketch_add(t.latency, excluded.latency) "
		"RETURNING traces",
		11, {T, D, I, I, I, I, I, N, I, I, SK}
	},
	[Q_DAY_DROP] = {
		"DELETE FROM usertrack.user_daily_totals t "
		"USING unnest($1, $2) AS k(user_id, day) "
		"WHERE t.user_id = k.user_id COLLATE \"C\" AND t.day = k.day "
		"AND t.traces = 0",
		2, {T, D}
	},
	[Q_BUCKET_ADD] = {
		"INSERT INTO usertrack.user_usage_buckets AS t (user_id, bucket, "
		MEASURE_COLUMNS ") "
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
		"ON CONFLICT (user_id, bucket) DO UPDATE SET " ADD_MEASURES " "
		"RETURNING traces",
		10, {T, TS, I, I, I, I, I, N, I, I}
	},
	[Q_BUCKET_DROP] = {
		"DELETE FROM usertrack.user_usage_buckets t "
		"USING unnest($1, $2) AS k(user_id, bucket) "
		"WHERE t.user_id = k.user_id COLLATE \"C\" AND t.bucket = k.bucket "
		"AND t.traces = 0",
		2, {T, TS}
	},
	[Q_USER_ADD] = {USER_ADD("usertrack.user_totals"),
		13, {T, I, I, I, I, I, N, I, I, I, I, TS, TS}
	},
	[Q_HELD_ADD] = {USER_ADD("usertrack.user_held"),
		13, {T, I, I, I, I, I, N, I, I, I, I, TS, TS}
	},
	[Q_USER_DROP] = {
		"DELETE FROM usertrack.user_totals t WHERE t.user_id = ANY ($1 COLLATE \"C\") "
		"AND t.traces = 0",
		1, {T}
	},
	[Q_USER_REFRAME] = {USER_REFRAME("usertrack.user_totals"), 1, {T}},
	[Q_HELD_REFRAME] = {USER_REFRAME("usertrack.user_held"), 1, {T}},

	/*
	 * Which table holds a user (classify_users).  A settled user (no rows in
	 * the log) is in user_totals; a held user is in user_held, with its
	 * changes since the last fold in pending_deltas.
	 */
	[Q_USER_CLAIM] = {
		/*
		 * Locks the existing rows (DO UPDATE locks the row even when its
		 * WHERE is false) and creates the missing ones, in key order;
		 * returns the users it created.
		 */
		"INSERT INTO usertrack.user_totals AS t (user_id) SELECT * FROM unnest($1) "
		"ON CONFLICT (user_id) DO UPDATE SET traces = t.traces WHERE false "
		"RETURNING user_id",
		1, {T}
	},
	[Q_USER_UNCREATE] = {
		"DELETE FROM usertrack.user_totals WHERE user_id = ANY ($1 COLLATE \"C\")",
		1, {T}
	},
	[Q_HELD_AMONG] = {
		"SELECT user_id FROM usertrack.user_held "
		"WHERE user_id = ANY ($1 COLLATE \"C\")",
		1, {T}
	},
	/*
	 * Under REPEATABLE READ and SERIALIZABLE the query above would read the
	 * transaction's old snapshot; locking the rows instead raises a
	 * serialization failure if a refresh has settled the user since.
	 */
	[Q_HELD_AMONG_LOCKED] = {
		"SELECT user_id FROM usertrack.user_held "
		"WHERE user_id = ANY ($1 COLLATE \"C\") FOR KEY SHARE",
		1, {T}
	},
	/*
	 * Holding a user: its row, claimed by Q_USER_CLAIM (and so locked by
	 * us, or created empty for a new user), moves to user_held.
	 */
	[Q_HOLD_MOVE] = {
		"WITH d AS (DELETE FROM usertrack.user_totals t "
		"WHERE t.user_id = ANY ($1 COLLATE \"C\") RETURNING t.*) "
		"INSERT INTO usertrack.user_held "
		"SELECT k.user_id, d.first_event, d.last_event, "
		"COALESCE(d.traces, 0), COALESCE(d.observations, 0), "
		"COALESCE(d.input_tokens, 0), COALESCE(d.output_tokens, 0), "
		"COALESCE(d.total_tokens, 0), COALESCE(d.model_cost, 0), "
		"COALESCE(d.errors, 0), COALESCE(d.scores, 0), "
		"COALESCE(d.sessions, 0), COALESCE(d.active_days, 0) "
		"FROM unnest($1) AS k(user_id) "
		"LEFT JOIN d ON d.user_id = k.user_id COLLATE \"C\" "
		"ON CONFLICT (user_id) DO NOTHING",
		1, {T}
	},
	[Q_LOG_APPEND] = {
		"INSERT INTO usertrack.pending_deltas (user_id, session_id, day, "
		MEASURE_COLUMNS ", added_first, added_last, removed_first, removed_last, "
		"latency, bucket) "
		"SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
		"$12, $13, $14, $15, $16, $17)",
		17, {T, T, D, I, I, I, I, I, N, I, I, TS, TS, TS, TS, SK, TS}
	},
	/* the refresh: the oldest log rows, then the held users left quiet */
	/*
	 * The oldest log rows, in id order: a trace's own log row has a lower id
	 * than the rows of observations and scores counted under it (those were
	 * written after the trace committed), and a row's traces must be folded
	 * no later than what they carry, or the row would look empty and go.
	 */
	[Q_LOG_TAKE] = {
		"DELETE FROM usertrack.pending_deltas WHERE id IN "
		"(SELECT id FROM usertrack.pending_deltas ORDER BY id LIMIT $1) "
		"RETURNING user_id, session_id, day, " MEASURE_COLUMNS ", "
		"added_first, added_last, removed_first, removed_last, latency, bucket",
		1, {INT8OID}
	},
	/* every held user whose log is empty: once the log is drained */
	[Q_SETTLE_CANDIDATES] = {
		"SELECT h.user_id FROM usertrack.user_held h WHERE NOT EXISTS "
		"(SELECT FROM usertrack.pending_deltas p WHERE p.user_id = h.user_id) "
		"ORDER BY h.user_id LIMIT $1",
		1, {INT8OID}
	},
	[Q_SETTLE] = {
		"WITH d AS (DELETE FROM usertrack.user_held h "
		"WHERE h.user_id = ANY ($1 COLLATE \"C\") AND NOT EXISTS "
		"(SELECT FROM usertrack.pending_deltas p WHERE p.user_id = h.user_id) "
		"RETURNING h.*) "
		", i AS (INSERT INTO usertrack.user_totals SELECT * FROM d WHERE d.traces > 0) "
		"SELECT count(*) FROM d",
		1, {T}
	},

	/*
	 * The traits the traces give (user_traits_from_traces), after the
	 * totals: the users' rows are created and locked in key order, then
	 * the users whose new traces all come after every trace counted so far
	 * get those merged in, and every other user is computed again from
	 * their traces.  The statements take fresh snapshots, which see
	 * whatever committed before the locks.
	 */
	/* the alert rules, for users whose buckets changed */
	/*
	 * The alert rules for some users, now (usertrack.evaluate_alerts()).
	 * Each enabled rule's window once; the pairs of a rule and a user it
	 * applies to, without an alert in the current period yet; a bound per
	 * pair from the user's days that the window touches (they hold at least
	 * the window's usage: every measure is a sum of non-negative values),
	 * one index scan per user; the exact value, from days and 15-minute
	 * buckets, only for the pairs whose bound reaches the threshold; the
	 * alerts opened, once per rule, user and period; one NOTIFY each.
	 * Kept with a generic plan: it runs after every statement.
	 */
	[Q_ALERTS_CHECK] = {
		.sql =
		"WITH rules AS MATERIALIZED ("
		" SELECT r.id, r.name, r.metric, r.threshold, r.min_observations,"
		" r.hard_budget, r.scope, r.scope_key, r.scope_value,"
		" w.window_start, w.window_end, w.period_start,"
		" (w.window_start AT TIME ZONE 'UTC')::date AS first_day,"
		" CASE WHEN w.window_end = 'infinity' THEN 'infinity'::date"
		" ELSE ((w.window_end - interval '1 microsecond') AT TIME ZONE 'UTC')::date"
		" END AS last_day"
		" FROM usertrack.alert_rules r"
		" CROSS JOIN LATERAL usertrack.rule_window(r.window_kind, r.window_length,"
		" r.time_zone, now()) w"
		" WHERE r.enabled"
		"), changed AS ("
		" SELECT x.user_id, min(x.lo) AS lo, max(x.hi) AS hi"
		" FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS x(user_id, lo, hi)"
		" WHERE x.user_id <> '' AND EXISTS (SELECT FROM rules)"
		" GROUP BY x.user_id"
		"), users AS MATERIALIZED ("
		/* a trait set to JSON null reads as NULL, like one removed */
		" SELECT c.user_id, c.lo, c.hi,"
		" COALESCE(f.traits, '{}') || COALESCE(t.traits, '{}') AS tr"
		" FROM changed c"
		" LEFT JOIN usertrack.user_traits_from_traces f ON f.user_id = c.user_id"
		" LEFT JOIN usertrack.user_traits_set t ON t.user_id = c.user_id"
		"), pairs AS MATERIALIZED ("
		/* the rules whose window the user's changed buckets reach */
		" SELECT r.*, u.user_id FROM rules r JOIN users u"
		" ON u.hi >= r.window_start AND u.lo < r.window_end"
		" WHERE (r.scope = 'all' OR (r.scope = 'user' AND r.scope_value = u.user_id)"
		" OR (r.scope = 'trait' AND u.tr ->> r.scope_key = r.scope_value))"
		" AND NOT EXISTS (SELECT FROM usertrack.alerts a WHERE a.rule_id = r.id"
		" AND a.user_id = u.user_id AND a.period_start = r.period_start)"
		"), days AS MATERIALIZED ("
		" SELECT d.user_id, d.day, d.traces, d.observations, d.total_tokens,"
		" d.model_cost, d.errors"
		" FROM users u JOIN usertrack.user_daily_totals d ON d.user_id = u.user_id"
		" WHERE d.day >= (SELECT min(first_day) FROM rules)"
		" AND EXISTS (SELECT FROM pairs)"
		" UNION ALL"
		" SELECT p.user_id, p.day, p.traces, p.observations, p.total_tokens,"
		" p.model_cost, p.errors"
		" FROM users u JOIN usertrack.pending_deltas p ON p.user_id = u.user_id"
		" WHERE p.day >= (SELECT min(first_day) FROM rules)"
		" AND EXISTS (SELECT FROM pairs)"
		"), candidates AS ("
		" SELECT p.id, p.user_id, p.metric, p.threshold, p.min_observations,"
		" p.window_start, p.window_end, p.period_start"
		" FROM pairs p JOIN days d ON d.user_id = p.user_id"
		" AND d.day >= p.first_day AND d.day <= p.last_day"
		" GROUP BY p.id, p.user_id, p.metric, p.threshold, p.min_observations,"
		" p.window_start, p.window_end, p.period_start"
		" HAVING CASE p.metric"
		" WHEN 'model_cost' THEN sum(d.model_cost) >= p.threshold"
		" WHEN 'total_tokens' THEN sum(d.total_tokens) >= p.threshold"
		" WHEN 'total_events' THEN sum(d.traces) >= p.threshold"
		" WHEN 'errors' THEN sum(d.errors) >= p.threshold"
		" WHEN 'error_rate' THEN sum(d.observations) >= p.min_observations"
		" AND sum(d.errors) >= p.threshold * p.min_observations"
		" ELSE false END"
		"), reached AS ("
		" SELECT c.*, usertrack.rule_value(c.metric, c.min_observations, s.traces,"
		" s.observations, s.total_tokens, s.model_cost, s.errors) AS value"
		" FROM candidates c CROSS JOIN LATERAL"
		" usertrack.usage_between(c.user_id, c.window_start, c.window_end) s"
		"), opened AS ("
		" INSERT INTO usertrack.alerts AS a (rule_id, user_id, period_start,"
		" window_start, window_end, metric, value, threshold)"
		" SELECT r.id, r.user_id, r.period_start, r.window_start,"
		" CASE WHEN r.window_end = 'infinity' THEN now() ELSE r.window_end END,"
		" r.metric, r.value, r.threshold"
		" FROM reached r WHERE r.value >= r.threshold"
		" ORDER BY r.id, r.user_id"
		" ON CONFLICT ON CONSTRAINT alerts_once DO NOTHING"
		" RETURNING a.*"
		") "
		"SELECT count(pg_notify('usertrack_alerts', json_build_object("
		" 'alert_id', o.id, 'rule', r.name, 'rule_id', o.rule_id, 'user_id', o.user_id,"
		" 'metric', o.metric, 'value', o.value, 'threshold', o.threshold,"
		" 'hard_budget', r.hard_budget, 'window_start', o.window_start,"
		" 'window_end', o.window_end, 'opened_at', o.opened_at)::text))"
		" FROM opened o JOIN rules r ON r.id = o.rule_id",
		.nargs = 3,
		.argtypes = {T, TS, TS},
		.generic = true
	},
	[Q_TRAITS_CLAIM] = {
		"INSERT INTO usertrack.user_traits_from_traces (user_id) "
		"SELECT u FROM (SELECT DISTINCT u COLLATE \"C\" AS u FROM unnest($1) u) s "
		"ORDER BY u "
		"ON CONFLICT ON CONSTRAINT user_traits_from_traces_pkey DO NOTHING",
		1, {T}
	},
	[Q_TRAITS_LOCK] = {
		"SELECT FROM usertrack.user_traits_from_traces f "
		"WHERE f.user_id = ANY ($1 COLLATE \"C\") "
		"ORDER BY f.user_id COLLATE \"C\" FOR UPDATE",
		1, {T}
	},
	[Q_TRAITS_APPEND] = {
		"WITH n AS ("
		" SELECT * FROM unnest($1, $2, $3, $4) AS n(user_id, id, ts, tr)"
		" WHERE n.user_id <> ALL ($5)"
		"), later AS ("
		" SELECT n.user_id FROM n"
		" JOIN usertrack.user_traits_from_traces f ON f.user_id = n.user_id"
		" GROUP BY n.user_id, f.as_of, f.as_of_trace"
		" HAVING f.as_of IS NULL"
		" OR bool_and(ROW(n.ts, n.id) > ROW(f.as_of, f.as_of_trace))"
		"), lasts AS ("
		" SELECT n.user_id,"
		" (array_agg(n.ts ORDER BY n.ts DESC, n.id DESC))[1] AS last_ts,"
		" (array_agg(n.id ORDER BY n.ts DESC, n.id DESC))[1] AS last_id"
		" FROM n WHERE n.user_id IN (SELECT user_id FROM later)"
		" GROUP BY n.user_id"
		"), kv AS ("
		/* jsonb keeps the last of duplicate keys: the latest trace's */
		" SELECT m.user_id,"
		" jsonb_object_agg(k.key, k.value ORDER BY m.ts, m.id) AS tr"
		" FROM n m CROSS JOIN LATERAL jsonb_each(m.tr) k"
		" WHERE m.user_id IN (SELECT user_id FROM later)"
		" GROUP BY m.user_id"
		") "
		"UPDATE usertrack.user_traits_from_traces f"
		" SET traits = usertrack.merge_traits(f.traits, COALESCE(kv.tr, '{}')),"
		" as_of = l.last_ts, as_of_trace = l.last_id"
		" FROM lasts l LEFT JOIN kv ON kv.user_id = l.user_id"
		" WHERE f.user_id = l.user_id "
		"RETURNING f.user_id",
		5, {T, T, TS, JSONBARRAYOID, T}
	},
	[Q_TRAITS_RECOMPUTE] = {
		"WITH rest AS ("
		" SELECT u FROM unnest($1) u EXCEPT SELECT a FROM unnest($2) a"
		"), r AS ("
		" SELECT * FROM usertrack.traits_of_traces(ARRAY(SELECT u FROM rest))"
		"), u AS ("
		" UPDATE usertrack.user_traits_from_traces f"
		" SET traits = r.traits, as_of = r.as_of, as_of_trace = r.as_of_trace"
		" FROM r WHERE f.user_id = r.user_id"
		") "
		/* and those whose traces carry no traits any more */
		"DELETE FROM usertrack.user_traits_from_traces f "
		"WHERE f.user_id IN (SELECT u FROM rest) "
		"AND f.user_id NOT IN (SELECT r.user_id FROM r)",
		2, {T, T}
	},
};

#undef T
#undef I
#undef N
#undef TS
#undef D
#undef B
#undef SK

static SPIPlanPtr plans[NUM_QUERIES];

/* The OID of usertrack.latency_sketch, and of its array type */
static Oid
sketch_type(void)
{
	Oid			nsp = get_namespace_oid("usertrack", false);
	Oid			typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									  CStringGetDatum("latency_sketch"),
									  ObjectIdGetDatum(nsp));

	if (!OidIsValid(typ))
		elog(ERROR, "usertrack: type usertrack.latency_sketch is missing");
	return typ;
}

static Oid
sketch_array_type(void)
{
	Oid			arr = get_array_type(sketch_type());

	if (!OidIsValid(arr))
		elog(ERROR, "usertrack: type usertrack.latency_sketch[] is missing");
	return arr;
}

/*
 * Runs a prepared statement; returns the number of rows it processed, and
 * leaves RETURNING rows in SPI_tuptable.
 */
static uint64
run_query_with(QueryId q, Datum *args, bool latest)
{
	int			rc;

	if (plans[q] == NULL)
	{
		Oid			argtypes[20];
		SPIPlanPtr	plan;

		for (int i = 0; i < queries[q].nargs; i++)
			argtypes[i] = OidIsValid(queries[q].argtypes[i]) ?
				queries[q].argtypes[i] : sketch_array_type();
		plan = SPI_prepare_cursor(queries[q].sql, queries[q].nargs, argtypes,
								  queries[q].generic ? CURSOR_OPT_GENERIC_PLAN : 0);

		if (plan == NULL)
			elog(ERROR, "usertrack: could not prepare statement %d: %s",
				 (int) q, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "usertrack: could not keep statement %d", (int) q);
		plans[q] = plan;
	}
	if (latest)
		rc = SPI_execute_snapshot(plans[q], args, NULL, GetLatestSnapshot(),
								  InvalidSnapshot, true, false, 0);
	else
		rc = SPI_execute_plan(plans[q], args, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "usertrack: statement %d failed: %s", (int) q,
			 SPI_result_code_string(rc));
	return SPI_processed;
}

static uint64
run_query(QueryId q, Datum *args)
{
	return run_query_with(q, args, false);
}

static Datum
result_value(int row, int column, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 column, isnull);
}

static int64
result_int8(int row, int column)
{
	bool		isnull;
	Datum		d = result_value(row, column, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

static char *
result_text(int row, int column)
{
	bool		isnull;
	Datum		d = result_value(row, column, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * The measure columns of a result row, in MEASURE_COLUMNS order from column
 * col (TRACE_MEASURE_COLUMNS, without traces, unless with_traces).
 */
static void
result_measures(int row, int col, bool with_traces, Measures *m)
{
	bool		isnull;
	Datum		cost;

	m->traces = with_traces ? result_int8(row, col++) : 0;
	m->observations = result_int8(row, col++);
	m->input_tokens = result_int8(row, col++);
	m->output_tokens = result_int8(row, col++);
	m->total_tokens = result_int8(row, col++);
	cost = result_value(row, col++, &isnull);
	m->model_cost = isnull ? NULL : DatumGetNumericCopy(cost);
	m->errors = result_int8(row, col++);
	m->scores = result_int8(row, col);
}

/* A (first, last) pair of timestamp columns; invalid if either is NULL. */
static TimeSpan
result_span(int row, int col)
{
	TimeSpan	span = {false, 0, 0};
	bool		n1,
				n2;
	TimestampTz f = DatumGetTimestampTz(result_value(row, col, &n1));
	TimestampTz l = DatumGetTimestampTz(result_value(row, col + 1, &n2));

	if (!n1 && !n2)
		timespan_include(&span, f, l);
	return span;
}

/* RETURNING rows come in the order of the input arrays; check it. */
static void
check_result_count(QueryId q, uint64 processed, int expected)
{
	if (processed != (uint64) expected || SPI_tuptable == NULL)
		elog(ERROR, "usertrack: statement %d returned " UINT64_FORMAT
			 " rows for %d keys", (int) q, processed, expected);
}

/* ---------------------------------------------------------------------
 * Running as the extension owner
 * --------------------------------------------------------------------- */

typedef struct Maintenance
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	MemoryContext work;
} Maintenance;

/* The owner of the extension, looked up once per transaction. */
Oid
usertrack_extension_owner(void)
{
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static Oid	cached_owner = InvalidOid;
	LocalTransactionId lxid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

#if PG_VERSION_NUM >= 170000
	lxid = MyProc->vxid.lxid;
#else
	lxid = MyProc->lxid;
#endif
	if (lxid == cached_lxid && OidIsValid(cached_owner))
		return cached_owner;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("usertrack"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"usertrack\" is not installed in this database")));
	cached_owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	cached_lxid = lxid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return cached_owner;
}

/*
 * Switches to the extension owner, so that a writer with rights on the input
 * tables only keeps every total right, and pins search_path so that nothing
 * a user creates can stand in for what the statements name.  An error
 * anywhere later is cleaned up by transaction abort.
 */
static void
begin_maintenance(Maintenance *m)
{
	m->work = CurrentMemoryContext;
	GetUserIdAndSecContext(&m->save_userid, &m->save_sec_context);
	SetUserIdAndSecContext(usertrack_extension_owner(),
						   m->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	m->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/*
	 * Every statement here reads or writes a few rows by key.  The plans are
	 * kept for the life of the backend, and a plan made while a table was
	 * empty (user_held after a refresh, a new log) would scan it whole ever
	 * after; without seq scans the key lookups stay index scans.
	 */
	(void) set_config_option("enable_seqscan", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/*
	 * And without JIT: disabling seq scans adds a huge cost to any plan
	 * that keeps one (the few alert rules), which would then cross the JIT
	 * thresholds and spend a second compiling a statement of microseconds.
	 */
	(void) set_config_option("jit", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usertrack: SPI_connect failed");
	/* allocate what outlives single statements in the caller's context */
	MemoryContextSwitchTo(m->work);
}

static void
end_maintenance(Maintenance *m)
{
	SPI_finish();
	MemoryContextSwitchTo(m->work);
	AtEOXact_GUC(true, m->save_nestlevel);
	SetUserIdAndSecContext(m->save_userid, m->save_sec_context);
}

/* ---------------------------------------------------------------------
 * Rollups: sessions, then days, then users
 * --------------------------------------------------------------------- */

static void
rollups_init(RollupSet *rs, int expected)
{
	rs->sessions = rollup_create(CurrentMemoryContext, expected, NULL);
	rs->days = rollup_create(CurrentMemoryContext, expected, NULL);
	rs->buckets = rollup_create(CurrentMemoryContext, expected, NULL);
	rs->users = rollup_create(CurrentMemoryContext, expected, NULL);
	rs->cells = rollup_create(CurrentMemoryContext, expected, NULL);
}

/* Whether a user's changes go to the log rather than to its rows. */
static bool
is_held(RollupSet *rs, const char *user_id)
{
	RollupKey	k;
	RollupChange *e;

	k.user_id = user_id;
	k.session_id = NULL;
	k.day = 0;
	k.bucket = 0;
	e = rollup_lookup(rs->users, k);
	return e != NULL && e->held;
}

/* The changes of one rollup that are written in place, in key order. */
static RollupChange **
settled_rollups(RollupSet *rs, rollup_hash *h, int *n)
{
	RollupChange **keys = sorted_rollups(h, n);
	int			m = 0;

	for (int i = 0; i < *n; i++)
		if (!is_held(rs, keys[i]->key.user_id))
			keys[m++] = keys[i];
	*n = m;
	return keys;
}

/*
 * +1 when a row was born (it counted no trace before these changes and
 * counts some now), -1 when it died, else 0.  A row that counts no trace
 * now is deleted either way: changes folded from the log can create and
 * empty a row at once (a trace added and removed again).
 */
static int
birth_or_death(const RollupChange *e, int64 traces_now)
{
	int64		before = traces_now - e->delta.traces;

	if (before == 0 && traces_now > 0)
		return 1;
	if (before > 0 && traces_now == 0)
		return -1;
	return 0;
}

static void
apply_sessions(RollupSet *rs)
{
	RollupChange **keys;
	int			n;
	ArgColumn	users,
				sessions,
				first,
				last,
				drop_users,
				drop_sessions,
				re_users,
				re_sessions;
	MeasureArgs m;
	Datum		args[12];
	int			pos = 0;

	keys = settled_rollups(rs, rs->sessions, &n);
	if (n == 0)
		return;
	arg_init(&users, TEXTOID, n);
	arg_init(&sessions, TEXTOID, n);
	arg_init(&first, TIMESTAMPTZOID, n);
	arg_init(&last, TIMESTAMPTZOID, n);
	measure_args_init(&m, n);
	for (int i = 0; i < n; i++)
	{
		arg_push_text(&users, keys[i]->key.user_id);
		arg_push_text(&sessions, keys[i]->key.session_id);
		measure_args_push(&m, &keys[i]->delta);
		push_timespan(&first, &last, &keys[i]->added);
	}
	args[pos++] = arg_array(&users);
	args[pos++] = arg_array(&sessions);
	measure_args_arrays(&m, true, args, &pos);
	args[pos++] = arg_array(&first);
	args[pos++] = arg_array(&last);
	check_result_count(Q_SESSION_ADD, run_query(Q_SESSION_ADD, args), n);

	arg_init(&drop_users, TEXTOID, n);
	arg_init(&drop_sessions, TEXTOID, n);
	arg_init(&re_users, TEXTOID, n);
	arg_init(&re_sessions, TEXTOID, n);
	for (int i = 0; i < n; i++)
	{
		RollupChange *e = keys[i];
		bool		first_null,
					last_null;
		TimestampTz f = DatumGetTimestampTz(result_value(i, 2, &first_null));
		TimestampTz l = DatumGetTimestampTz(result_value(i, 3, &last_null));
		int			bd = birth_or_death(e, result_int8(i, 1));

		rollup_for(rs->users, e->key.user_id, NULL, 0)->sessions_delta += bd;
		if (result_int8(i, 1) == 0)
		{
			arg_push_text(&drop_users, e->key.user_id);
			arg_push_text(&drop_sessions, e->key.session_id);
		}
		else if (span_needs_recompute(&e->removed, first_null, f, last_null, l))
		{
			arg_push_text(&re_users, e->key.user_id);
			arg_push_text(&re_sessions, e->key.session_id);
		}
	}
	if (drop_users.n > 0)
	{
		args[0] = arg_array(&drop_users);
		args[1] = arg_array(&drop_sessions);
		run_query(Q_SESSION_DROP, args);
	}
	if (re_users.n > 0)
	{
		args[0] = arg_array(&re_users);
		args[1] = arg_array(&re_sessions);
		run_query(Q_SESSION_REFRAME, args);
	}
}

/*
 * The rows keyed by user and a time: the days (user_daily_totals, a date,
 * with the latency sketch) and the 15-minute buckets (user_usage_buckets, a
 * timestamptz).  Adds the deltas of the settled keys, counts a day row born
 * or emptied in its user's active days, and drops the rows that count
 * nothing any more.  Returns the keys, sorted by user, then time.
 */
static RollupChange **
apply_timed(RollupSet *rs, bool days, int *n_out)
{
	RollupChange **keys;
	int			n;
	Oid			type = days ? DATEOID : TIMESTAMPTZOID;
	QueryId		add = days ? Q_DAY_ADD : Q_BUCKET_ADD;
	ArgColumn	users,
				times,
				latency,
				drop_users,
				drop_times;
	MeasureArgs m;
	Datum		args[11];
	int			pos = 0;

	keys = settled_rollups(rs, days ? rs->days : rs->buckets, &n);
	*n_out = n;
	if (n == 0)
		return keys;
	arg_init(&users, TEXTOID, n);
	arg_init(&times, type, n);
	if (days)
		arg_init(&latency, sketch_type(), n);
	measure_args_init(&m, n);
	for (int i = 0; i < n; i++)
	{
		arg_push_text(&users, keys[i]->key.user_id);
		arg_push(&times, days ? DateADTGetDatum(keys[i]->key.day) :
				 TimestampTzGetDatum(keys[i]->key.bucket), false);
		measure_args_push(&m, &keys[i]->delta);
		if (days)
			arg_push_sketch(&latency, &keys[i]->latency);
	}
	args[pos++] = arg_array(&users);
	args[pos++] = arg_array(&times);
	measure_args_arrays(&m, true, args, &pos);
	if (days)
		args[pos++] = arg_array(&latency);
	check_result_count(add, run_query(add, args), n);

	arg_init(&drop_users, TEXTOID, n);
	arg_init(&drop_times, type, n);
	for (int i = 0; i < n; i++)
	{
		if (days)
			rollup_for(rs->users, keys[i]->key.user_id, NULL, 0)->days_delta +=
				birth_or_death(keys[i], result_int8(i, 1));
		if (result_int8(i, 1) == 0)
		{
			arg_push_text(&drop_users, keys[i]->key.user_id);
			arg_push(&drop_times, days ? DateADTGetDatum(keys[i]->key.day) :
					 TimestampTzGetDatum(keys[i]->key.bucket), false);
		}
	}
	if (drop_users.n > 0)
	{
		args[0] = arg_array(&drop_users);
		args[1] = arg_array(&drop_times);
		run_query(days ? Q_DAY_DROP : Q_BUCKET_DROP, args);
	}
	return keys;
}

static void
apply_days(RollupSet *rs)
{
	int			n;

	(void) apply_timed(rs, true, &n);
}

/*
 * The per-user rows: user_totals for settled users, or, when a refresh folds
 * the log (held_table), user_held, whose rows stay even when they count no
 * trace any more, until the user is settled.
 */
/* The users whose buckets a statement changed, for the alert rules. */
typedef struct AlertCheck
{
	Datum		users;			/* text[] */
	Datum		lo;				/* timestamptz[]: each one's first bucket changed */
	Datum		hi;				/* timestamptz[]: and last */
} AlertCheck;

/*
 * The (user, 15-minute bucket) rows, like the days: they feed windows and
 * budgets (usage_between, check_budget).  Fills in the users whose buckets
 * changed, for evaluate_alerts; false if none.
 */
static bool
apply_buckets(RollupSet *rs, AlertCheck *alerts)
{
	int			n;
	RollupChange **keys = apply_timed(rs, false, &n);
	ArgColumn	changed,
				lo,
				hi;

	if (n == 0)
		return false;

	/*
	 * The users with a user id, once each, with the first and last bucket
	 * changed (keys are sorted by user, then bucket)
	 */
	arg_init(&changed, TEXTOID, n);
	arg_init(&lo, TIMESTAMPTZOID, n);
	arg_init(&hi, TIMESTAMPTZOID, n);
	for (int i = 0; i < n; i++)
	{
		bool		first = i == 0 ||
			strcmp(keys[i]->key.user_id, keys[i - 1]->key.user_id) != 0;
		bool		last = i == n - 1 ||
			strcmp(keys[i]->key.user_id, keys[i + 1]->key.user_id) != 0;

		if (keys[i]->key.user_id[0] == '\0')
			continue;
		if (first)
		{
			arg_push_text(&changed, keys[i]->key.user_id);
			arg_push(&lo, TimestampTzGetDatum(keys[i]->key.bucket), false);
		}
		if (last)
			arg_push(&hi, TimestampTzGetDatum(keys[i]->key.bucket), false);
	}
	if (changed.n == 0)
		return false;
	alerts->users = arg_array(&changed);
	alerts->lo = arg_array(&lo);
	alerts->hi = arg_array(&hi);
	return true;
}

PG_FUNCTION_INFO_V1(usertrack_evaluate_alerts);

/*
 * usertrack.evaluate_alerts(users text[]) -> bigint: the statement the
 * triggers run, for the owner to run by hand (after adding a rule, say).
 * Returns how many alerts opened.
 */
Datum
usertrack_evaluate_alerts(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	ArgColumn	lo,
				hi;
	Datum		args[3];
	Maintenance mt;
	int64		opened;

	/* every bucket: whatever window a rule has */
	arg_init(&lo, TIMESTAMPTZOID, n);
	arg_init(&hi, TIMESTAMPTZOID, n);
	for (int i = 0; i < n; i++)
	{
		arg_push(&lo, TimestampTzGetDatum(DT_NOBEGIN), false);
		arg_push(&hi, TimestampTzGetDatum(DT_NOEND), false);
	}
	args[0] = PointerGetDatum(arr);
	args[1] = arg_array(&lo);
	args[2] = arg_array(&hi);
	begin_maintenance(&mt);
	run_query(Q_ALERTS_CHECK, args);
	opened = result_int8(0, 1);
	end_maintenance(&mt);
	PG_RETURN_INT64(opened);
}

/*
 * The alert rules, for the users whose buckets changed (a text[] from
 * apply_buckets), once their user rows are written: a second writer of
 * the same user waits for the first there, and then sees what it wrote.
 */
static void
evaluate_alerts(AlertCheck *alerts)
{
	Datum		args[3];

	args[0] = alerts->users;
	args[1] = alerts->lo;
	args[2] = alerts->hi;
	run_query(Q_ALERTS_CHECK, args);
}

static void
apply_users(RollupSet *rs, bool held_table)
{
	RollupChange **keys;
	int			n;
	ArgColumn	users,
				sessions,
				days,
				first,
				last,
				drops,
				reframes;
	MeasureArgs m;
	Datum		args[13];
	int			pos = 0;

	keys = settled_rollups(rs, rs->users, &n);
	if (n == 0)
		return;
	arg_init(&users, TEXTOID, n);
	arg_init(&sessions, INT8OID, n);
	arg_init(&days, INT8OID, n);
	arg_init(&first, TIMESTAMPTZOID, n);
	arg_init(&last, TIMESTAMPTZOID, n);
	measure_args_init(&m, n);
	for (int i = 0; i < n; i++)
	{
		arg_push_text(&users, keys[i]->key.user_id);
		measure_args_push(&m, &keys[i]->delta);
		arg_push(&sessions, Int64GetDatum(keys[i]->sessions_delta), false);
		arg_push(&days, Int64GetDatum(keys[i]->days_delta), false);
		push_timespan(&first, &last, &keys[i]->added);
	}
	args[pos++] = arg_array(&users);
	measure_args_arrays(&m, true, args, &pos);
	args[pos++] = arg_array(&sessions);
	args[pos++] = arg_array(&days);
	args[pos++] = arg_array(&first);
	args[pos++] = arg_array(&last);
	if (held_table)
		check_result_count(Q_HELD_ADD, run_query(Q_HELD_ADD, args), n);
	else
		check_result_count(Q_USER_ADD, run_query(Q_USER_ADD, args), n);

	arg_init(&drops, TEXTOID, n);
	arg_init(&reframes, TEXTOID, n);
	for (int i = 0; i < n; i++)
	{
		RollupChange *e = keys[i];
		bool		first_null,
					last_null;
		TimestampTz f = DatumGetTimestampTz(result_value(i, 2, &first_null));
		TimestampTz l = DatumGetTimestampTz(result_value(i, 3, &last_null));
		int64		traces_now = result_int8(i, 1);

		if (traces_now == 0 && !held_table)
			arg_push_text(&drops, e->key.user_id);
		else if (traces_now == 0 ||
				 span_needs_recompute(&e->removed, first_null, f, last_null, l))
			arg_push_text(&reframes, e->key.user_id);
	}
	if (drops.n > 0)
	{
		args[0] = arg_array(&drops);
		run_query(Q_USER_DROP, args);
	}
	if (reframes.n > 0)
	{
		args[0] = arg_array(&reframes);
		run_query(held_table ? Q_HELD_REFRAME : Q_USER_REFRAME, args);
	}
}

/* ---------------------------------------------------------------------
 * Settled and held users, and the log
 * --------------------------------------------------------------------- */

/*
 * Transaction-scoped advisory locks on a hash of the user id, in a lock
 * space of their own (objsubid 3 in pg_locks, where the SQL functions use 1
 * and 2).  Every write that appends to the log holds the user's lock in
 * SHARE mode until it commits; the refresh settles a held user only under
 * an EXCLUSIVE lock it gets without waiting, so no append can commit after
 * the refresh found the user's log empty.  Writers never wait for each
 * other here.  Two users whose hashes collide only share a lock.
 */
#define USER_LOCK_SPACE 0x75737472	/* "ustr" */

static bool
lock_user(const char *user_id, LOCKMODE mode, bool wait)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 hash_bytes((const unsigned char *) user_id, strlen(user_id)),
						 USER_LOCK_SPACE, 3);
	return LockAcquire(&tag, mode, false, !wait) != LOCKACQUIRE_NOT_AVAIL;
}

/*
 * A statement that writes more users than this takes one lock for all users
 * instead of one per user: tens of thousands of per-user locks would fill
 * the shared lock table ("out of shared memory").  The refresh settles no
 * user while such a statement runs.
 */
#define BULK_USERS 1000

/*
 * The refresh settles at most this many users per batch: it locks each one
 * (EXCLUSIVE, without waiting) until the batch commits, and ten thousand
 * locks in one transaction filled the lock table of a small server.  The
 * refresh goes on batch after batch while a batch settles someone.
 */
#define SETTLE_MAX 1000

static bool
lock_all_users(LOCKMODE mode, bool wait)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, USER_LOCK_SPACE + 2, 3);
	return LockAcquire(&tag, mode, false, !wait) != LOCKACQUIRE_NOT_AVAIL;
}

/* Which of the users in a text[] argument are held (rows in SPI_tuptable). */
static void
held_among(Datum *arg)
{
	run_query(IsolationUsesXactSnapshot() ? Q_HELD_AMONG_LOCKED : Q_HELD_AMONG, arg);
}

/*
 * Folds run one at a time (the refresh procedure also keeps a second
 * refresh out with a session lock): two folds deleting the same oldest log
 * rows in different orders would deadlock.
 */
static void
lock_folding(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, USER_LOCK_SPACE + 1, 3);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/* The users of a list, as a text[] argument. */
static Datum
user_array(RollupChange **users, int n)
{
	ArgColumn	c;

	arg_init(&c, TEXTOID, n);
	for (int i = 0; i < n; i++)
		arg_push_text(&c, users[i]->key.user_id);
	return arg_array(&c);
}

/*
 * Marks the users that the last query returned (its column 1) as decided:
 * held, or settled.
 */
static void
mark_returned(RollupSet *rs, bool held)
{
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		RollupKey	k;
		RollupChange *e;

		k.user_id = result_text((int) i, 1);
		k.session_id = NULL;
		k.day = 0;
		k.bucket = 0;
		e = rollup_lookup(rs->users, k);
		if (e == NULL)
			elog(ERROR, "usertrack: unexpected user key \"%s\"", k.user_id);
		e->held = held;
		e->status_known = true;
	}
}

/* Keeps, in place, the users of a list whose status is not known yet. */
static int
still_unknown(RollupChange **users, int n)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
		if (!users[i]->status_known)
			users[m++] = users[i];
	return m;
}

/*
 * Decides, for every user a statement changes, whether its changes are
 * written to its rows (settled users, immediate mode) or appended to the
 * log (held users; every user in deferred mode), and makes that decision
 * hold until the transaction ends.
 *
 * 1. The SHARE advisory lock of every user: no refresh can settle a held
 *    user before we commit.
 * 2. Deferred mode: the held users (Q_HELD_AMONG) are done: their changes
 *    go to the log.
 * 3. The others are claimed in one sorted upsert (Q_USER_CLAIM): it locks
 *    the settled rows and creates an empty row for new users, so that no
 *    hold can move them while we write their session and day rows.  A
 *    transaction that held one of the new users may have committed while
 *    the upsert waited for it; those are held after all, and our empty row
 *    goes (Q_USER_UNCREATE).
 * 4. In deferred mode the claimed users are then held: their rows move to
 *    user_held (Q_HOLD_MOVE).
 *
 * Every writer, in either mode, takes its rows in the same sorted order in
 * step 3, and holds nothing another writer waits for before it.
 */
static void
classify_users(RollupSet *rs, bool deferred)
{
	RollupChange **users;
	RollupChange **created;
	int			n;
	int			ncreated;
	Datum		arg;

	users = sorted_rollups_of(rs->users, &n, true);
	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
		users[i]->status_known = false;
	if (n > BULK_USERS)
		(void) lock_all_users(ShareLock, true);
	else
		for (int i = 0; i < n; i++)
			(void) lock_user(users[i]->key.user_id, ShareLock, true);

	/*
	 * A deferred write looks for held users first: they are the common case
	 * and need no row.  An immediate write claims every user at once: the
	 * settled ones are the common case, and a held one only costs an empty
	 * row created and deleted again.  (Under REPEATABLE READ and
	 * SERIALIZABLE both look first, so that a user found held only with a
	 * fresh snapshot below was held after ours.)
	 */
	if (deferred || IsolationUsesXactSnapshot())
	{
		arg = user_array(users, n);
		held_among(&arg);
		mark_returned(rs, true);
		n = still_unknown(users, n);
		if (n == 0)
			return;
	}

	arg = user_array(users, n);
	run_query(Q_USER_CLAIM, &arg);
	if (SPI_processed > 0)
	{
		mark_returned(rs, false);
		created = palloc(sizeof(RollupChange *) * n);
		ncreated = 0;
		for (int i = 0; i < n; i++)
			if (users[i]->status_known)
				created[ncreated++] = users[i];
		arg = user_array(created, ncreated);
		if (IsolationUsesXactSnapshot())
		{
			/*
			 * Our snapshot cannot see a hold that committed after it and
			 * made the old row we found dead: look with a fresh one, and
			 * fail as PostgreSQL does for a row changed since the snapshot.
			 */
			run_query_with(Q_HELD_AMONG, &arg, true);
			if (SPI_processed > 0)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to a concurrent hold of user \"%s\"",
								result_text(0, 1)),
						 errdetail("Another transaction moved the user's totals to usertrack.user_held after this transaction's snapshot was taken."),
						 errhint("Retry the transaction.")));
		}
		held_among(&arg);
		if (SPI_processed > 0)
		{
			mark_returned(rs, true);
			ncreated = 0;
			for (int i = 0; i < n; i++)
				if (users[i]->held)
					created[ncreated++] = users[i];
			arg = user_array(created, ncreated);
			run_query(Q_USER_UNCREATE, &arg);
		}
		for (int i = 0; i < n; i++)
			users[i]->status_known = false;
		for (int i = 0; i < n; i++)
			if (users[i]->held)
				users[i]->status_known = true;
		n = still_unknown(users, n);
	}
	if (!deferred || n == 0)
		return;
	arg = user_array(users, n);
	run_query(Q_HOLD_MOVE, &arg);
	for (int i = 0; i < n; i++)
		users[i]->held = true;
}

/* Appends the cells of held users to the log, one row per cell. */
static void
append_log(RollupSet *rs)
{
	RollupChange **keys;
	int			n;
	ArgColumn	users,
				sessions,
				days,
				af,
				al,
				rf,
				rl,
				latency,
				buckets;
	MeasureArgs m;
	Datum		args[17];
	int			pos = 0;
	int			count = 0;

	keys = sorted_rollups(rs->cells, &n);
	if (n == 0)
		return;
	arg_init(&users, TEXTOID, n);
	arg_init(&sessions, TEXTOID, n);
	arg_init(&days, DATEOID, n);
	arg_init(&af, TIMESTAMPTZOID, n);
	arg_init(&al, TIMESTAMPTZOID, n);
	arg_init(&rf, TIMESTAMPTZOID, n);
	arg_init(&rl, TIMESTAMPTZOID, n);
	arg_init(&latency, sketch_type(), n);
	arg_init(&buckets, TIMESTAMPTZOID, n);
	measure_args_init(&m, n);
	for (int i = 0; i < n; i++)
	{
		RollupChange *e = keys[i];

		if (!is_held(rs, e->key.user_id))
			continue;
		arg_push(&buckets, TimestampTzGetDatum(e->key.bucket), false);
		arg_push_text(&users, e->key.user_id);
		arg_push_text(&sessions, e->key.session_id);
		arg_push(&days, DateADTGetDatum(e->key.day), false);
		measure_args_push(&m, &e->delta);
		push_timespan(&af, &al, &e->added);
		push_timespan(&rf, &rl, &e->removed);
		arg_push_sketch(&latency, &e->latency);
		count++;
	}
	if (count == 0)
		return;
	args[pos++] = arg_array(&users);
	args[pos++] = arg_array(&sessions);
	args[pos++] = arg_array(&days);
	measure_args_arrays(&m, true, args, &pos);
	args[pos++] = arg_array(&af);
	args[pos++] = arg_array(&al);
	args[pos++] = arg_array(&rf);
	args[pos++] = arg_array(&rl);
	args[pos++] = arg_array(&latency);
	args[pos++] = arg_array(&buckets);
	run_query(Q_LOG_APPEND, args);
}

/*
 * The rollups of one statement: settled users' rows in place, sessions, then
 * days, then users; held users' changes appended to the log.
 */
static void
apply_rollups(RollupSet *rs, bool deferred)
{
	AlertCheck	alerts;
	bool		check;

	classify_users(rs, deferred);
	apply_sessions(rs);
	apply_days(rs);
	check = apply_buckets(rs, &alerts);
	apply_users(rs, false);
	if (check)
		evaluate_alerts(&alerts);
	append_log(rs);
}

/* ---------------------------------------------------------------------
 * Entry points
 * --------------------------------------------------------------------- */

static void
check_key(QueryId q, int row, const char *expected)
{
	bool		isnull;
	Datum		d = result_value(row, 1, &isnull);
	text	   *t;

	if (isnull)
		elog(ERROR, "usertrack: statement %d returned a NULL key", (int) q);
	t = DatumGetTextPP(d);
	if ((size_t) VARSIZE_ANY_EXHDR(t) != strlen(expected) ||
		memcmp(VARDATA_ANY(t), expected, VARSIZE_ANY_EXHDR(t)) != 0)
		elog(ERROR, "usertrack: statement %d returned its rows out of order",
			 (int) q);
}

/*
 * Whether two attributions count a trace under the same keys: both absent,
 * or the same user, session and day.
 */
bool
same_keys(const Attribution *a, const Attribution *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	if (a->day != b->day || a->bucket != b->bucket ||
		strcmp(a->user_id, b->user_id) != 0)
		return false;
	if ((a->session_id == NULL) != (b->session_id == NULL))
		return false;
	return a->session_id == NULL || strcmp(a->session_id, b->session_id) == 0;
}

/*
 * Applies the changes of one statement, sorted by trace id.
 *
 * 1. One upsert takes every changed trace row, in key order: it adds the
 *    statement's observation and score deltas, and reads back whom the trace
 *    counted for and what is counted under it now.
 * 2. Traces the statement inserted, deleted or re-attributed get their new
 *    attribution by an UPDATE of rows step 1 has locked already, and what is
 *    counted under them moves from the old keys (before this statement's
 *    deltas) to the new ones (after them).  Observations and scores of other
 *    traces go to the trace's current keys; those of absent traces nowhere.
 * 3. The rollups follow, each in one sorted pass (apply_rollups).
 */
/*
 * How one trace moves in the per-day latency sketches: out of the bucket of
 * its latency before the statement under the keys it counted for, into the
 * bucket of its latency after it under the keys it counts for now.
 */
typedef struct LatencyMove
{
	Attribution from;
	Attribution to;
	bool		had;			/* it had a latency before */
	int64		before;			/* in microseconds */
	bool		has;			/* it has one after */
	int64		after;
} LatencyMove;

static int64
latency_usecs(TimestampTz first, TimestampTz last)
{
	return last > first ? last - first : 0;
}

/* The change of a trace id in the sorted changes, by binary search. */
static int
find_change(TraceChange **changes, int n, const char *trace_id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(changes[mid]->trace_id, trace_id);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	elog(ERROR, "usertrack: trace \"%s\" is not among the statement's changes",
		 trace_id);
	return -1;
}

void
apply_changes(TraceChange **changes, int n)
{
	LatencyMove *moves;
	Maintenance mt;
	RollupSet	rs;
	ArgColumn	ids,
				first,
				last,
				respan,
				drop,
				set_present,
				set_users,
				set_sessions,
				set_days,
				set_buckets,
				set_ids,
				re_present,
				re_users,
				re_sessions,
				re_days,
				re_buckets;
	MeasureArgs m;
	Measures	none;
	Datum		args[15];
	int			pos = 0;

	begin_maintenance(&mt);
	rollups_init(&rs, n);
	memset(&none, 0, sizeof(none));
	arg_init(&ids, TEXTOID, n);
	arg_init(&first, TIMESTAMPTZOID, n);
	arg_init(&last, TIMESTAMPTZOID, n);
	arg_init(&set_present, BOOLOID, n);
	arg_init(&set_users, TEXTOID, n);
	arg_init(&set_sessions, TEXTOID, n);
	arg_init(&set_days, DATEOID, n);
	arg_init(&set_buckets, TIMESTAMPTZOID, n);
	measure_args_init(&m, n);
	for (int i = 0; i < n; i++)
	{
		/* a row that does not exist yet gets the trace's new attribution */
		const Attribution *a = &changes[i]->new;
		bool		present = changes[i]->seen_new && a->present;

		arg_push_text(&ids, changes[i]->trace_id);
		measure_args_push(&m, &changes[i]->delta);
		push_timespan(&first, &last, &changes[i]->added);
		arg_push(&set_present, BoolGetDatum(present), false);
		arg_push_text(&set_users, present ? a->user_id : NULL);
		arg_push_text(&set_sessions, present ? a->session_id : NULL);
		arg_push(&set_days, DateADTGetDatum(a->day), !present);
		arg_push(&set_buckets, TimestampTzGetDatum(a->bucket), !present);
	}
	args[pos++] = arg_array(&ids);
	measure_args_arrays(&m, false, args, &pos);
	args[pos++] = arg_array(&first);
	args[pos++] = arg_array(&last);
	args[pos++] = arg_array(&set_present);
	args[pos++] = arg_array(&set_users);
	args[pos++] = arg_array(&set_sessions);
	args[pos++] = arg_array(&set_days);
	args[pos++] = arg_array(&set_buckets);
	check_result_count(Q_TRACE_ADD, run_query(Q_TRACE_ADD, args), n);

	moves = palloc0(sizeof(LatencyMove) * n);
	arg_init(&respan, TEXTOID, n);
	arg_init(&drop, TEXTOID, n);
	arg_init(&set_ids, TEXTOID, n);
	arg_init(&re_present, BOOLOID, n);
	arg_init(&re_users, TEXTOID, n);
	arg_init(&re_sessions, TEXTOID, n);
	arg_init(&re_days, DATEOID, n);
	arg_init(&re_buckets, TIMESTAMPTZOID, n);
	for (int i = 0; i < n; i++)
	{
		TraceChange *ch = changes[i];
		LatencyMove *mv = &moves[i];
		bool		isnull,
					first_null,
					last_null,
					prior_null;
		Datum		prior;
		Measures	now;
		Attribution stored;
		TimestampTz f,
					l;
		bool		traced = ch->seen_old || ch->seen_new;
		bool		present_after;

		check_key(Q_TRACE_ADD, i, ch->trace_id);
		stored.present = DatumGetBool(result_value(i, 2, &isnull)) && !isnull;
		stored.user_id = result_text(i, 3);
		stored.session_id = result_text(i, 4);
		stored.day = DatumGetDateADT(result_value(i, 5, &isnull));
		stored.bucket = DatumGetTimestampTz(result_value(i, 16, &isnull));
		stored.ts = 0;
		result_measures(i, 6, false, &now);
		f = DatumGetTimestampTz(result_value(i, 13, &first_null));
		l = DatumGetTimestampTz(result_value(i, 14, &last_null));
		prior = result_value(i, 15, &prior_null);
		mv->had = !prior_null;
		if (mv->had)
		{
			Interval   *iv = DatumGetIntervalP(prior);

			mv->before = iv->time + (int64) iv->day * USECS_PER_DAY;
		}
		mv->has = !first_null && !last_null;
		if (mv->has)
			mv->after = latency_usecs(f, l);
		if (stored.present && stored.user_id == NULL)
			elog(ERROR, "usertrack: trace \"%s\" is present without a user key",
				 ch->trace_id);

		if (traced && !same_keys(&ch->old, &ch->new))
		{
			/* the trace moves: what was counted before goes, all of it comes */
			Measures	before = now;

			measures_add(&before, &ch->delta, -1);
			if (ch->old.present)
				add_contribution(&rs, &ch->old, &before, -1, true);
			if (ch->new.present)
				add_contribution(&rs, &ch->new, &now, 1, true);
			mv->from = ch->old;
			mv->to = ch->new;
			/* unless the upsert just inserted the row with it */
			if (!same_keys(&stored, &ch->new))
			{
				arg_push_text(&set_ids, ch->trace_id);
				arg_push(&re_present, BoolGetDatum(ch->new.present), false);
				arg_push_text(&re_users, ch->new.present ? ch->new.user_id : NULL);
				arg_push_text(&re_sessions, ch->new.present ? ch->new.session_id : NULL);
				arg_push(&re_days, DateADTGetDatum(ch->new.day), !ch->new.present);
				arg_push(&re_buckets, TimestampTzGetDatum(ch->new.bucket),
						 !ch->new.present);
			}
			present_after = ch->new.present;
		}
		else
		{
			/* same keys: the deltas go there; a new timestamp moves the events */
			if (traced && ch->old.present && ch->old.ts != ch->new.ts)
			{
				add_contribution(&rs, &ch->old, &none, -1, true);
				add_contribution(&rs, &ch->new, &none, 1, true);
			}
			if (stored.present)
				add_contribution(&rs, &stored, &ch->delta, 1, false);
			present_after = stored.present;
			mv->from = stored;
			mv->to = stored;
		}
		if (!present_after && now.observations == 0 && now.scores == 0)
			arg_push_text(&drop, ch->trace_id);
		if (span_needs_recompute(&ch->removed, first_null, f, last_null, l))
			arg_push_text(&respan, ch->trace_id);
	}
	if (set_ids.n > 0)
	{
		args[0] = arg_array(&set_ids);
		args[1] = arg_array(&re_present);
		args[2] = arg_array(&re_users);
		args[3] = arg_array(&re_sessions);
		args[4] = arg_array(&re_days);
		args[5] = arg_array(&re_buckets);
		if (run_query(Q_TRACE_SET, args) != (uint64) set_ids.n)
			elog(ERROR, "usertrack: could not record the attribution of %d traces",
				 set_ids.n);
	}
	if (respan.n > 0)
	{
		uint64		nrows;

		args[0] = arg_array(&respan);
		nrows = run_query(Q_TRACE_RESPAN, args);
		for (uint64 r = 0; r < nrows; r++)
		{
			char	   *trace_id = result_text((int) r, 1);
			LatencyMove *mv = &moves[find_change(changes, n, trace_id)];
			bool		first_null,
						last_null;
			TimestampTz f = DatumGetTimestampTz(result_value((int) r, 2, &first_null));
			TimestampTz l = DatumGetTimestampTz(result_value((int) r, 3, &last_null));

			mv->has = !first_null && !last_null;
			mv->after = mv->has ? latency_usecs(f, l) : 0;
		}
	}
	for (int i = 0; i < n; i++)
	{
		LatencyMove *mv = &moves[i];

		if (mv->had && mv->has && mv->before == mv->after &&
			same_keys(&mv->from, &mv->to))
			continue;
		if (mv->had && mv->from.present)
			add_latency(&rs, &mv->from, mv->before, -1);
		if (mv->has && mv->to.present)
			add_latency(&rs, &mv->to, mv->after, 1);
	}
	if (drop.n > 0)
	{
		args[0] = arg_array(&drop);
		run_query(Q_TRACE_DROP, args);
	}
	apply_rollups(&rs, usertrack_maintenance == MAINTENANCE_DEFERRED);
	end_maintenance(&mt);
}

/*
 * The traits the traces give, before a statement's totals (apply_changes):
 * appends are inserted traces that carry traits, users those whose traits
 * must be computed again (a trace with traits updated or deleted).
 */
void
apply_traits(List *appends, List *users)
{
	Maintenance mt;
	ArgColumn	all,
				a_users,
				a_ids,
				a_ts,
				a_traits,
				again;
	Datum		args[5];
	int			n = list_length(appends) + list_length(users);
	ListCell   *lc;

	begin_maintenance(&mt);
	arg_init(&all, TEXTOID, n);
	arg_init(&again, TEXTOID, list_length(users));
	arg_init(&a_users, TEXTOID, list_length(appends));
	arg_init(&a_ids, TEXTOID, list_length(appends));
	arg_init(&a_ts, TIMESTAMPTZOID, list_length(appends));
	arg_init(&a_traits, JSONBOID, list_length(appends));
	foreach(lc, users)
	{
		arg_push_text(&all, (char *) lfirst(lc));
		arg_push_text(&again, (char *) lfirst(lc));
	}
	foreach(lc, appends)
	{
		TraitAppend *ta = (TraitAppend *) lfirst(lc);

		arg_push_text(&all, ta->user_id);
		arg_push_text(&a_users, ta->user_id);
		arg_push_text(&a_ids, ta->trace_id);
		arg_push(&a_ts, TimestampTzGetDatum(ta->ts), false);
		arg_push(&a_traits, PointerGetDatum(ta->traits), false);
	}
	args[0] = arg_array(&all);
	run_query(Q_TRAITS_CLAIM, args);
	run_query(Q_TRAITS_LOCK, args);
	if (appends != NIL)
	{
		ArgColumn	appended;

		args[0] = arg_array(&a_users);
		args[1] = arg_array(&a_ids);
		args[2] = arg_array(&a_ts);
		args[3] = arg_array(&a_traits);
		args[4] = arg_array(&again);
		run_query(Q_TRAITS_APPEND, args);
		arg_init(&appended, TEXTOID, (int) SPI_processed);
		for (uint64 i = 0; i < SPI_processed; i++)
			arg_push_text(&appended, result_text((int) i, 1));
		args[1] = arg_array(&appended);
	}
	else
	{
		ArgColumn	none;

		arg_init(&none, TEXTOID, 0);
		args[1] = arg_array(&none);
	}
	args[0] = arg_array(&all);
	run_query(Q_TRAITS_RECOMPUTE, args);
	end_maintenance(&mt);
}

/*
 * TRUNCATE of an input table: take what came from it out of every
 * maintained table.  The maintained tables are locked whole, in the order
 * every writer takes their rows, so concurrent writers of the other input
 * tables finish first or wait.
 */
void
apply_truncate(InputTable table)
{
	static const char *const traces_sql[] = {
		"UPDATE usertrack.trace_totals SET present = false, user_id = NULL, "
		"session_id = NULL, day = NULL, bucket = NULL WHERE present",
		"DELETE FROM usertrack.user_session_totals",
		"DELETE FROM usertrack.user_daily_totals",
		"DELETE FROM usertrack.user_usage_buckets",
		"DELETE FROM usertrack.user_totals",
		"DELETE FROM usertrack.user_held",
		"DELETE FROM usertrack.pending_deltas",
		"DELETE FROM usertrack.user_traits_from_traces",
		NULL
	};
	static const char *const observations_sql[] = {
		"UPDATE usertrack.trace_totals SET observations = 0, input_tokens = 0, "
		"output_tokens = 0, total_tokens = 0, model_cost = 0, errors = 0, "
		"first_start = NULL, last_end = NULL "
		"WHERE observations <> 0 OR first_start IS NOT NULL",
		"UPDATE usertrack.user_session_totals SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0 WHERE observations <> 0",
		"UPDATE usertrack.user_daily_totals SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0, latency = NULL WHERE observations <> 0 OR latency IS NOT NULL",
		"UPDATE usertrack.user_usage_buckets SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0 WHERE observations <> 0",
		"UPDATE usertrack.user_totals SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0 WHERE observations <> 0",
		"UPDATE usertrack.user_held SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0 WHERE observations <> 0",
		/* a log row's deltas can cancel out in some columns only */
		"UPDATE usertrack.pending_deltas SET observations = 0, "
		"input_tokens = 0, output_tokens = 0, total_tokens = 0, model_cost = 0, "
		"errors = 0, latency = NULL WHERE observations <> 0 OR input_tokens <> 0 "
		"OR output_tokens <> 0 OR total_tokens <> 0 OR model_cost <> 0 "
		"OR errors <> 0 OR latency IS NOT NULL",
		NULL
	};
	static const char *const scores_sql[] = {
		"UPDATE usertrack.trace_totals SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.user_session_totals SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.user_daily_totals SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.user_usage_buckets SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.user_totals SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.user_held SET scores = 0 WHERE scores <> 0",
		"UPDATE usertrack.pending_deltas SET scores = 0 WHERE scores <> 0",
		NULL
	};
	const char *const *sql = table == INPUT_TRACES ? traces_sql :
		table == INPUT_OBSERVATIONS ? observations_sql : scores_sql;
	Maintenance mt;

	begin_maintenance(&mt);
	if (SPI_execute("LOCK TABLE usertrack.trace_totals, "
					"usertrack.user_session_totals, usertrack.user_daily_totals, "
					"usertrack.user_usage_buckets, usertrack.user_totals, "
					"usertrack.user_held, usertrack.pending_deltas IN EXCLUSIVE MODE",
					false, 0) < 0)
		elog(ERROR, "usertrack: could not lock the maintained tables");
	for (; *sql; sql++)
		if (SPI_execute(*sql, false, 0) < 0)
			elog(ERROR, "usertrack: could not apply TRUNCATE: %s", *sql);
	if (SPI_execute("DELETE FROM usertrack.trace_totals WHERE NOT present "
					"AND observations = 0 AND scores = 0", false, 0) < 0)
		elog(ERROR, "usertrack: could not apply TRUNCATE");
	end_maintenance(&mt);
}

/* ---------------------------------------------------------------------
 * The refresh: folding the log
 * --------------------------------------------------------------------- */

/* Adds one log row's deltas and timestamp ranges to a rollup change. */
static void
add_log_row_to(RollupChange *e, const Measures *d, const TimeSpan *added,
			   const TimeSpan *removed)
{
	measures_add(&e->delta, d, 1);
	if (added->valid)
		timespan_include(&e->added, added->first, added->last);
	if (removed->valid)
		timespan_include(&e->removed, removed->first, removed->last);
}

/* Adds the log rows of the last Q_LOG_TAKE to the batch's rollups. */
static void
add_log_rows(RollupSet *rs, uint64 nrows)
{
	for (uint64 i = 0; i < nrows; i++)
	{
		int			row = (int) i;
		bool		isnull;
		char	   *user_id = result_text(row, 1);
		char	   *session_id = result_text(row, 2);
		DateADT		day = DatumGetDateADT(result_value(row, 3, &isnull));
		Measures	d;
		TimeSpan	added = result_span(row, 12);
		TimeSpan	removed = result_span(row, 14);
		TimeSpan	none = {false, 0, 0};
		RollupChange *e;
		Datum		sketch;

		result_measures(row, 4, true, &d);
		add_log_row_to(rollup_for(rs->users, user_id, NULL, 0), &d, &added, &removed);
		if (session_id != NULL)
			add_log_row_to(rollup_for(rs->sessions, user_id, session_id, 0),
						   &d, &added, &removed);
		/* days keep no first and last events, but a latency sketch */
		e = rollup_for(rs->days, user_id, NULL, day);
		add_log_row_to(e, &d, &none, &none);
		sketch = result_value(row, 16, &isnull);
		if (!isnull)
			bins_add_sketch(&e->latency, sketch, CurrentMemoryContext);
		add_log_row_to(rollup_for_key(rs->buckets, user_id, NULL, 0,
									  DatumGetTimestampTz(result_value(row, 17, &isnull))),
					   &d, &none, &none);
	}
}

PG_FUNCTION_INFO_V1(usertrack_fold_pending);

/*
 * usertrack.fold_pending(max_rows bigint) -> (folded bigint, settled bigint)
 *
 * One batch of the refresh, in the caller's transaction: takes the oldest
 * max_rows log rows out of the log and adds them to the session and day rows
 * and to the held users' rows, through the same sorted upserts as an
 * immediate write (births and deaths, first and last events).  Then it
 * settles up to max_rows held users whose log is empty: those it can lock
 * EXCLUSIVE without waiting (no write of theirs is in progress) move back
 * to user_totals.
 */
Datum
usertrack_fold_pending(PG_FUNCTION_ARGS)
{
	int64		max_rows = PG_GETARG_INT64(0);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	Maintenance mt;
	RollupSet	rs;
	Datum		arg;
	uint64		folded;
	uint64		ncandidates;
	char	  **candidates;
	ArgColumn	locked;
	int64		settled = 0;
	AlertCheck	alerts;
	bool		check;

	if (max_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be 1 or more"),
				 errdetail("usertrack.fold_pending() was called with max_rows = " INT64_FORMAT ".",
						   max_rows)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "usertrack: fold_pending must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	/*
	 * Settling a user relies on seeing every log row committed before the
	 * user's lock was granted, which a transaction snapshot does not.
	 */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("usertrack.fold_pending() must run at READ COMMITTED"),
				 errdetail("The current transaction is REPEATABLE READ or SERIALIZABLE."),
				 errhint("CALL usertrack.refresh() runs every batch at READ COMMITTED.")));

	lock_folding();
	begin_maintenance(&mt);
	/*
	 * A TRUNCATE of an input table locks that table, then the maintained
	 * tables in order, trace_totals first.  Every writer takes trace_totals
	 * first too, so they queue; the fold does not write trace_totals, but
	 * reads traces (first and last events) and writes the log before the
	 * session rows.  So it takes traces and trace_totals first as well, in
	 * modes that let writers go on (ACCESS SHARE, ROW SHARE) but make a
	 * TRUNCATE and a fold wait for each other instead of deadlocking.
	 */
	if (SPI_execute("LOCK TABLE usertrack.traces IN ACCESS SHARE MODE", false, 0) < 0 ||
		SPI_execute("LOCK TABLE usertrack.trace_totals IN ROW SHARE MODE", false, 0) < 0)
		elog(ERROR, "usertrack: could not lock usertrack.traces and usertrack.trace_totals");
	arg = Int64GetDatum(max_rows);
	folded = run_query(Q_LOG_TAKE, &arg);
	rollups_init(&rs, (int) Min(folded, 65536) + 16);
	add_log_rows(&rs, folded);
	apply_sessions(&rs);
	apply_days(&rs);
	check = apply_buckets(&rs, &alerts);
	apply_users(&rs, true);
	if (check)
		evaluate_alerts(&alerts);

	/*
	 * Settle once the log is drained: a held user that is written again soon
	 * would only be held again, and looking for users whose log is empty
	 * while it still has many (mostly dead, just deleted) entries costs a
	 * probe per user per batch.
	 */
	arg = Int64GetDatum(Min(max_rows, SETTLE_MAX));
	if (folded < (uint64) max_rows)
		ncandidates = run_query(Q_SETTLE_CANDIDATES, &arg);
	else
		ncandidates = 0;
	candidates = palloc(sizeof(char *) * (ncandidates + 1));
	for (uint64 i = 0; i < ncandidates; i++)
		candidates[i] = result_text((int) i, 1);
	arg_init(&locked, TEXTOID, (int) ncandidates + 1);
	/* no user can be settled while a statement over many users runs */
	if (ncandidates > 0 && !lock_all_users(ExclusiveLock, false))
		ncandidates = 0;
	for (uint64 i = 0; i < ncandidates; i++)
		if (lock_user(candidates[i], ExclusiveLock, false))
			arg_push_text(&locked, candidates[i]);
	if (locked.n > 0)
	{
		arg = arg_array(&locked);
		run_query(Q_SETTLE, &arg);
		settled = result_int8(0, 1);
	}
	end_maintenance(&mt);

	values[0] = Int64GetDatum((int64) folded);
	values[1] = Int64GetDatum(settled);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
