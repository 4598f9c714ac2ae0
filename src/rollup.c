/*
 * rollup.c
 *
 * usertrack.rollup, the totals of a group of traces: traces, observations,
 * input, output and total tokens, errors, exact cost, first and last event,
 * and a latency sketch (sketch.c).  usertrack.rollup(...) computes one from
 * per-trace rows, usertrack.rollup_merge(rollup) merges stored ones, and
 * usertrack.latency_sketch(interval) and sketch_merge(latency_sketch) build
 * sketches alone; all four share one transition state, with combine,
 * serialize and deserialize functions, so they run in parallel plans.  A
 * state travels between processes in the form of a rollup.
 *
 * The text form is a JSON object, read back through PostgreSQL's own jsonb
 * parser.  Also here: the normal tail of outlier_users()' z-test.
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "usertrack.h"
#include "sketch.h"

/* ---------------------------------------------------------------------
 * usertrack.rollup
 * --------------------------------------------------------------------- */

typedef struct RollupValue
{
	int32		vl_len_;
	int32		nbins;
	int64		traces;
	int64		observations;
	int64		input_tokens;
	int64		output_tokens;
	int64		total_tokens;
	int64		errors;
	TimestampTz first_event;
	TimestampTz last_event;
	int32		has_events;
	int32		cost_size;		/* bytes of the numeric that follows */
	/* the cost (a numeric datum), padded to 8 bytes, then the buckets */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} RollupValue;

#define DatumGetRollup(d)	((RollupValue *) PG_DETOAST_DATUM(d))

static SketchBin *
rollup_bins(RollupValue *r)
{
	return (SketchBin *) (r->data + MAXALIGN(r->cost_size));
}

static Numeric
rollup_cost(RollupValue *r)
{
	return (Numeric) r->data;
}

/* The transition state of usertrack.rollup(...) and rollup_merge(). */
typedef struct RollupState
{
	int64		traces;
	int64		observations;
	int64		input_tokens;
	int64		output_tokens;
	int64		total_tokens;
	int64		errors;
	bool		has_events;
	TimestampTz first_event;
	TimestampTz last_event;
	Numeric		cost;			/* NULL for zero; in the aggregate context */
	BinArray	latency;
} RollupState;

static void
add_int8(int64 *into, int64 v, const char *what)
{
	if (pg_add_s64_overflow(*into, v, into))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range", what),
				 errdetail("A sum of %s in a usertrack rollup leaves the range of bigint.", what)));
}

static void
state_add_events(RollupState *s, TimestampTz first, TimestampTz last)
{
	if (!s->has_events)
	{
		s->has_events = true;
		s->first_event = first;
		s->last_event = last;
		return;
	}
	if (first < s->first_event)
		s->first_event = first;
	if (last > s->last_event)
		s->last_event = last;
}

static void
state_add_cost(RollupState *s, Numeric cost, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Numeric		prev = s->cost;

	if (prev == NULL)
		s->cost = DatumGetNumericCopy(NumericGetDatum(cost));
	else
	{
		s->cost = numeric_add_opt_error(prev, cost, NULL);
		pfree(prev);
	}
	MemoryContextSwitchTo(old);
}

/* Adds a stored rollup (or a serialized state) to a state. */
static void
state_add_rollup(RollupState *s, RollupValue *r, MemoryContext cxt)
{
	SketchBin  *bins = rollup_bins(r);

	add_int8(&s->traces, r->traces, "traces");
	add_int8(&s->observations, r->observations, "observations");
	add_int8(&s->input_tokens, r->input_tokens, "input_tokens");
	add_int8(&s->output_tokens, r->output_tokens, "output_tokens");
	add_int8(&s->total_tokens, r->total_tokens, "total_tokens");
	add_int8(&s->errors, r->errors, "errors");
	if (r->has_events)
		state_add_events(s, r->first_event, r->last_event);
	if (r->cost_size > 0)
		state_add_cost(s, rollup_cost(r), cxt);
	for (int i = 0; i < r->nbins; i++)
		bins_add(&s->latency, bins[i].key, bins[i].count, cxt);
}

static RollupValue *
rollup_from_state(const RollupState *s)
{
	Size		cost_size = s->cost != NULL ? VARSIZE(s->cost) : 0;
	Size		size = offsetof(RollupValue, data) + MAXALIGN(cost_size) +
		sizeof(SketchBin) * s->latency.n;
	RollupValue *r = palloc0(size);

	SET_VARSIZE(r, size);
	r->nbins = s->latency.n;
	r->traces = s->traces;
	r->observations = s->observations;
	r->input_tokens = s->input_tokens;
	r->output_tokens = s->output_tokens;
	r->total_tokens = s->total_tokens;
	r->errors = s->errors;
	r->has_events = s->has_events;
	r->first_event = s->has_events ? s->first_event : 0;
	r->last_event = s->has_events ? s->last_event : 0;
	r->cost_size = (int32) cost_size;
	if (cost_size > 0)
		memcpy(r->data, s->cost, cost_size);
	if (s->latency.n > 0)
		memcpy(rollup_bins(r), s->latency.bins, sizeof(SketchBin) * s->latency.n);
	return r;
}

static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *name)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "%s called in non-aggregate context", name);
	return cxt;
}

static RollupState *
state_of(FunctionCallInfo fcinfo, MemoryContext cxt)
{
	if (!PG_ARGISNULL(0))
		return (RollupState *) PG_GETARG_POINTER(0);
	return MemoryContextAllocZero(cxt, sizeof(RollupState));
}

static int64
arg_int8(FunctionCallInfo fcinfo, int i, const char *what, const char *func)
{
	int64		v;

	if (PG_ARGISNULL(i))
		return 0;
	v = PG_GETARG_INT64(i);
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("%s was given %s = " INT64_FORMAT ".", func, what, v)));
	return v;
}

/*
 * usertrack.rollup(trace_time, observations, input_tokens, output_tokens,
 * total_tokens, model_cost, errors, latency): one row per trace.  A row with
 * a NULL trace_time is skipped; other NULLs count as zero, a NULL latency as
 * no latency (a trace without observations).
 */
PG_FUNCTION_INFO_V1(usertrack_rollup_trans);
Datum
usertrack_rollup_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack.rollup");
	RollupState *s = state_of(fcinfo, cxt);
	TimestampTz ts;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	add_int8(&s->traces, 1, "traces");
	add_int8(&s->observations, arg_int8(fcinfo, 2, "observations", "usertrack.rollup()"), "observations");
	add_int8(&s->input_tokens, arg_int8(fcinfo, 3, "input_tokens", "usertrack.rollup()"), "input_tokens");
	add_int8(&s->output_tokens, arg_int8(fcinfo, 4, "output_tokens", "usertrack.rollup()"), "output_tokens");
	add_int8(&s->total_tokens, arg_int8(fcinfo, 5, "total_tokens", "usertrack.rollup()"), "total_tokens");
	if (!PG_ARGISNULL(6))
	{
		Numeric		c = PG_GETARG_NUMERIC(6);

		if (numeric_is_nan(c) || numeric_is_inf(c) || numeric_sign_of(c) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model_cost must be a finite number of zero or more"),
					 errdetail("usertrack.rollup() was given model_cost = %s.",
							   DatumGetCString(DirectFunctionCall1(numeric_out,
																   NumericGetDatum(c))))));
		state_add_cost(s, c, cxt);
	}
	add_int8(&s->errors, arg_int8(fcinfo, 7, "errors", "usertrack.rollup()"), "errors");
	state_add_events(s, ts, ts);
	if (!PG_ARGISNULL(8))
		bins_add(&s->latency,
				 latency_key_usecs(interval_usecs(PG_GETARG_INTERVAL_P(8))), 1, cxt);
	PG_RETURN_POINTER(s);
}

/* usertrack.rollup_merge(rollup) */
PG_FUNCTION_INFO_V1(usertrack_rollup_merge_trans);
Datum
usertrack_rollup_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack.rollup_merge");
	RollupState *s = state_of(fcinfo, cxt);

	if (!PG_ARGISNULL(1))
		state_add_rollup(s, DatumGetRollup(PG_GETARG_DATUM(1)), cxt);
	PG_RETURN_POINTER(s);
}

/* usertrack.latency_sketch(interval): the sketch of a set of latencies */
PG_FUNCTION_INFO_V1(usertrack_sketch_trans);
Datum
usertrack_sketch_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack.latency_sketch");
	RollupState *s = state_of(fcinfo, cxt);

	if (!PG_ARGISNULL(1))
		bins_add(&s->latency,
				 latency_key_usecs(interval_usecs(PG_GETARG_INTERVAL_P(1))), 1, cxt);
	PG_RETURN_POINTER(s);
}

/* usertrack.sketch_merge(latency_sketch): the sum of sketches */
PG_FUNCTION_INFO_V1(usertrack_sketch_merge_trans);
Datum
usertrack_sketch_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack.sketch_merge");
	RollupState *s = state_of(fcinfo, cxt);

	if (!PG_ARGISNULL(1))
		bins_add_sketch(&s->latency, PG_GETARG_DATUM(1), cxt);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(usertrack_rollup_combine);
Datum
usertrack_rollup_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack rollup combine");
	RollupState *s;
	RollupState *t;
	RollupValue *r;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	s = state_of(fcinfo, cxt);
	t = (RollupState *) PG_GETARG_POINTER(1);
	r = rollup_from_state(t);
	state_add_rollup(s, r, cxt);
	pfree(r);
	PG_RETURN_POINTER(s);
}

/* A state travels between processes in the form of a rollup. */
PG_FUNCTION_INFO_V1(usertrack_rollup_serialize);
Datum
usertrack_rollup_serialize(PG_FUNCTION_ARGS)
{
	(void) aggregate_context(fcinfo, "usertrack rollup serialize");
	PG_RETURN_BYTEA_P((bytea *) rollup_from_state((RollupState *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(usertrack_rollup_deserialize);
Datum
usertrack_rollup_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "usertrack rollup deserialize");
	RollupState *s = MemoryContextAllocZero(cxt, sizeof(RollupState));
	bytea	   *b = PG_GETARG_BYTEA_P(0);
	RollupValue *r;

	if (VARSIZE(b) < offsetof(RollupValue, data))
		elog(ERROR, "usertrack: serialized rollup state too short");
	/* a private, aligned copy */
	r = palloc(VARSIZE(b));
	memcpy(r, b, VARSIZE(b));
	if (offsetof(RollupValue, data) + MAXALIGN(r->cost_size) +
		sizeof(SketchBin) * (Size) r->nbins != VARSIZE(r) ||
		r->cost_size < 0 || r->nbins < 0)
		elog(ERROR, "usertrack: corrupt serialized rollup state");
	state_add_rollup(s, r, cxt);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(usertrack_rollup_final);
Datum
usertrack_rollup_final(PG_FUNCTION_ARGS)
{
	RollupState empty;

	if (PG_ARGISNULL(0))
	{
		memset(&empty, 0, sizeof(empty));
		PG_RETURN_POINTER(rollup_from_state(&empty));
	}
	PG_RETURN_POINTER(rollup_from_state((RollupState *) PG_GETARG_POINTER(0)));
}

/* The sketch aggregates return NULL when they saw no latency. */
PG_FUNCTION_INFO_V1(usertrack_sketch_final);
Datum
usertrack_sketch_final(PG_FUNCTION_ARGS)
{
	RollupState *s;
	bool		isnull;
	Datum		d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (RollupState *) PG_GETARG_POINTER(0);
	d = bins_sketch_datum(&s->latency, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(d);
}

/*
 * usertrack.make_rollup(traces, observations, input_tokens, output_tokens,
 * total_tokens, model_cost, errors, first_event, last_event, latency): a
 * rollup from stored totals, such as a per-day row.
 */
PG_FUNCTION_INFO_V1(usertrack_make_rollup);
Datum
usertrack_make_rollup(PG_FUNCTION_ARGS)
{
	RollupState s;
	RollupValue *r;
	static const char *const names[] = {
		"traces", "observations", "input_tokens", "output_tokens",
		"total_tokens"
	};
	int64	   *counts[] = {
		&s.traces, &s.observations, &s.input_tokens, &s.output_tokens,
		&s.total_tokens
	};

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 5; i++)
		*counts[i] = arg_int8(fcinfo, i, names[i], "usertrack.make_rollup()");
	if (!PG_ARGISNULL(5))
	{
		Numeric		c = PG_GETARG_NUMERIC(5);

		if (numeric_is_nan(c) || numeric_is_inf(c) || numeric_sign_of(c) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model_cost must be a finite number of zero or more")));
		s.cost = c;
	}
	s.errors = arg_int8(fcinfo, 6, "errors", "usertrack.make_rollup()");
	if (PG_ARGISNULL(7) != PG_ARGISNULL(8))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("first_event and last_event must both be given or both be NULL")));
	if (!PG_ARGISNULL(7))
	{
		if (PG_GETARG_TIMESTAMPTZ(7) > PG_GETARG_TIMESTAMPTZ(8))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("first_event must not be after last_event")));
		state_add_events(&s, PG_GETARG_TIMESTAMPTZ(7), PG_GETARG_TIMESTAMPTZ(8));
	}
	if (!PG_ARGISNULL(9))
	{
		bool		negative;

		bins_add_sketch(&s.latency, PG_GETARG_DATUM(9), CurrentMemoryContext);
		(void) bins_total(s.latency.bins, s.latency.n, &negative);
		if (negative)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("latency sketch has negative counts")));
	}
	r = rollup_from_state(&s);
	PG_RETURN_POINTER(r);
}

/* Text form: a JSON object */
PG_FUNCTION_INFO_V1(usertrack_rollup_out);
Datum
usertrack_rollup_out(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "{\"traces\": " INT64_FORMAT ", \"observations\": " INT64_FORMAT
					 ", \"input_tokens\": " INT64_FORMAT ", \"output_tokens\": " INT64_FORMAT
					 ", \"total_tokens\": " INT64_FORMAT ", \"model_cost\": %s"
					 ", \"errors\": " INT64_FORMAT,
					 r->traces, r->observations, r->input_tokens, r->output_tokens,
					 r->total_tokens,
					 r->cost_size > 0 ?
					 DatumGetCString(DirectFunctionCall1(numeric_out,
														 NumericGetDatum(rollup_cost(r)))) : "0",
					 r->errors);
	if (r->has_events)
	{
		appendStringInfoString(&buf, ", \"first_event\": ");
		escape_json(&buf, timestamptz_to_str(r->first_event));
		appendStringInfoString(&buf, ", \"last_event\": ");
		escape_json(&buf, timestamptz_to_str(r->last_event));
	}
	appendStringInfoString(&buf, ", \"latency\": ");
	bins_out(&buf, rollup_bins(r), r->nbins);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

static JsonbValue *
json_key(Jsonb *j, const char *key)
{
	return getKeyJsonValueFromContainer(&j->root, key, strlen(key), NULL);
}

static int64
rollup_in_count(Jsonb *j, const char *key)
{
	JsonbValue *v = json_key(j, key);
	int64		n;

	if (v == NULL)
		return 0;
	n = json_int8(v, "usertrack.rollup", key);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type usertrack.rollup"),
				 errdetail("%s must not be negative.", key)));
	return n;
}

static TimestampTz
rollup_in_time(JsonbValue *v, const char *key)
{
	char	   *str;

	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type usertrack.rollup"),
				 errdetail("%s must be a timestamp string.", key)));
	str = pnstrdup(v->val.string.val, v->val.string.len);
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
												   CStringGetDatum(str),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
}

PG_FUNCTION_INFO_V1(usertrack_rollup_in);
Datum
usertrack_rollup_in(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = parse_json(PG_GETARG_CSTRING(0));
	RollupState s;
	JsonbValue *v,
			   *f,
			   *l;

	if (!JB_ROOT_IS_OBJECT(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type usertrack.rollup"),
				 errdetail("A rollup is a JSON object.")));
	memset(&s, 0, sizeof(s));
	s.traces = rollup_in_count(j, "traces");
	s.observations = rollup_in_count(j, "observations");
	s.input_tokens = rollup_in_count(j, "input_tokens");
	s.output_tokens = rollup_in_count(j, "output_tokens");
	s.total_tokens = rollup_in_count(j, "total_tokens");
	s.errors = rollup_in_count(j, "errors");
	v = json_key(j, "model_cost");
	if (v != NULL)
	{
		if (v->type != jbvNumeric || numeric_is_nan(v->val.numeric) ||
			numeric_is_inf(v->val.numeric) ||
			numeric_sign_of(v->val.numeric) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type usertrack.rollup"),
					 errdetail("model_cost must be a number of zero or more.")));
		s.cost = v->val.numeric;
	}
	f = json_key(j, "first_event");
	l = json_key(j, "last_event");
	if ((f == NULL) != (l == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type usertrack.rollup"),
				 errdetail("first_event and last_event go together.")));
	if (f != NULL)
	{
		TimestampTz ft = rollup_in_time(f, "first_event");
		TimestampTz lt = rollup_in_time(l, "last_event");

		if (ft > lt)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type usertrack.rollup"),
					 errdetail("first_event is after last_event.")));
		state_add_events(&s, ft, lt);
	}
	v = json_key(j, "latency");
	if (v != NULL)
	{
		bool		negative;

		if (v->type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type usertrack.rollup"),
					 errdetail("latency must be a JSON array of [bucket, count] pairs.")));
		bins_in(v->val.binary.data, &s.latency, "usertrack.rollup");
		(void) bins_total(s.latency.bins, s.latency.n, &negative);
		if (negative)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type usertrack.rollup"),
					 errdetail("A rollup's latency counts must be positive.")));
	}
	PG_RETURN_POINTER(rollup_from_state(&s));
}

PG_FUNCTION_INFO_V1(usertrack_rollup_eq);
Datum
usertrack_rollup_eq(PG_FUNCTION_ARGS)
{
	RollupValue *a = DatumGetRollup(PG_GETARG_DATUM(0));
	RollupValue *b = DatumGetRollup(PG_GETARG_DATUM(1));
	bool		eq;

	eq = a->traces == b->traces && a->observations == b->observations &&
		a->input_tokens == b->input_tokens && a->output_tokens == b->output_tokens &&
		a->total_tokens == b->total_tokens && a->errors == b->errors &&
		a->has_events == b->has_events && a->nbins == b->nbins &&
		(!a->has_events || (a->first_event == b->first_event &&
							a->last_event == b->last_event)) &&
		memcmp(rollup_bins(a), rollup_bins(b), sizeof(SketchBin) * a->nbins) == 0;
	if (eq)
	{
		Numeric		ca = a->cost_size > 0 ? rollup_cost(a) : NULL;
		Numeric		cb = b->cost_size > 0 ? rollup_cost(b) : NULL;

		if (ca == NULL || cb == NULL)
		{
			Numeric		c = ca != NULL ? ca : cb;

			eq = c == NULL || numeric_sign_of(c) == 0;
		}
		else
			eq = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(ca),
												   NumericGetDatum(cb))) == 0;
	}
	PG_RETURN_BOOL(eq);
}

/* Accessors */

PG_FUNCTION_INFO_V1(usertrack_rollup_field);
Datum
usertrack_rollup_field(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));
	int32		field = PG_GETARG_INT32(1);

	switch (field)
	{
		case 0:
			PG_RETURN_INT64(r->traces);
		case 1:
			PG_RETURN_INT64(r->observations);
		case 2:
			PG_RETURN_INT64(r->input_tokens);
		case 3:
			PG_RETURN_INT64(r->output_tokens);
		case 4:
			PG_RETURN_INT64(r->total_tokens);
		case 5:
			PG_RETURN_INT64(r->errors);
	}
	elog(ERROR, "usertrack: unknown rollup field %d", field);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(usertrack_rollup_model_cost);
Datum
usertrack_rollup_model_cost(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));

	if (r->cost_size == 0)
		PG_RETURN_DATUM(DirectFunctionCall1(int4_numeric, Int32GetDatum(0)));
	PG_RETURN_NUMERIC(DatumGetNumericCopy(NumericGetDatum(rollup_cost(r))));
}

PG_FUNCTION_INFO_V1(usertrack_rollup_event);
Datum
usertrack_rollup_event(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));

	if (!r->has_events)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(PG_GETARG_BOOL(1) ? r->last_event : r->first_event);
}

PG_FUNCTION_INFO_V1(usertrack_rollup_latency);
Datum
usertrack_rollup_latency(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));

	if (r->nbins == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(sketch_from_bins(rollup_bins(r), r->nbins));
}

PG_FUNCTION_INFO_V1(usertrack_rollup_percentile);
Datum
usertrack_rollup_percentile(PG_FUNCTION_ARGS)
{
	RollupValue *r = DatumGetRollup(PG_GETARG_DATUM(0));
	double		v;

	if (!bins_quantile(rollup_bins(r), r->nbins, PG_GETARG_FLOAT8(1), &v))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(seconds_interval(v));
}

/* usertrack.normal_upper_tail(z): P(Z >= z), the one-sided p-value */
PG_FUNCTION_INFO_V1(usertrack_normal_upper_tail);
Datum
usertrack_normal_upper_tail(PG_FUNCTION_ARGS)
{
	double		z = PG_GETARG_FLOAT8(0);

	if (isnan(z))
		PG_RETURN_FLOAT8(get_float8_nan());
	PG_RETURN_FLOAT8(0.5 * erfc(z / sqrt(2.0)));
}
