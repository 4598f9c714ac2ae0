/*
 * sketch.c
 *
 * usertrack.latency_sketch: a mergeable latency histogram with a relative
 * error guarantee (the logarithmic buckets of DDSketch, never collapsed).
 * A latency of x seconds falls in bucket k = ceil(log_g(x)), with
 * g = (1 + a) / (1 - a) and a = 0.01, so that bucket k holds the latencies
 * in (g^(k-1), g^k], and its representative value 2 g^k / (g + 1) is within
 * 1% of every one of them.  A zero latency has a bucket of its own.  The
 * counts are exact integers, so sketches add and subtract exactly: merging
 * two sketches equals the sketch of the union, and taking a latency out is
 * adding -1 to its bucket.  That is what lets the per-day rows keep one
 * exactly, through inserts, updates and deletes (summaries.c), and what the
 * rollup aggregates (rollup.c) carry.
 *
 * The text form is JSON, [[bucket, count], ...], read back through
 * PostgreSQL's own jsonb parser.
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "usertrack.h"
#include "sketch.h"

/* ---------------------------------------------------------------------
 * Buckets
 * --------------------------------------------------------------------- */

#define SKETCH_ALPHA		0.01
#define SKETCH_ZERO_KEY		(-32768)	/* a latency of exactly zero */
#define SKETCH_MIN_KEY		(-32767)
#define SKETCH_MAX_KEY		32767

static double
sketch_log_gamma(void)
{
	static double lg = 0.0;

	if (lg == 0.0)
		lg = log((1.0 + SKETCH_ALPHA) / (1.0 - SKETCH_ALPHA));
	return lg;
}

/* The bucket of a latency in microseconds (zero or more). */
int32
latency_key_usecs(int64 usecs)
{
	double		k;

	if (usecs < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("latency must not be negative")));
	if (usecs == 0)
		return SKETCH_ZERO_KEY;
	k = ceil(log((double) usecs / (double) USECS_PER_SEC) / sketch_log_gamma());
	/* one microsecond is bucket -690, a thousand years bucket +1208 */
	return (int32) k;
}

/* The representative latency of a bucket, in seconds. */
static double
sketch_key_value(int32 key)
{
	double		g = (1.0 + SKETCH_ALPHA) / (1.0 - SKETCH_ALPHA);

	if (key == SKETCH_ZERO_KEY)
		return 0.0;
	return 2.0 * exp((double) key * sketch_log_gamma()) / (g + 1.0);
}

/* -1, 0 or 1 by the sign of a finite numeric */
int
numeric_sign_of(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(0))));
}

/* An interval as microseconds, counting a month as 30 days like EXTRACT. */
int64
interval_usecs(const Interval *iv)
{
	int64		us = iv->time;
	int64		days = (int64) iv->month * DAYS_PER_MONTH + iv->day;
	int64		day_us;

	if (pg_mul_s64_overflow(days, USECS_PER_DAY, &day_us) ||
		pg_add_s64_overflow(us, day_us, &us))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("latency out of range")));
	return us;
}

/* ---------------------------------------------------------------------
 * Sorted arrays of (bucket, count)
 * --------------------------------------------------------------------- */

static int
bins_find(const BinArray *a, int32 key, bool *found)
{
	int			lo = 0,
				hi = a->n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (a->bins[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < a->n && a->bins[lo].key == key;
	return lo;
}

/* Adds count to a bucket; the array's memory lives in cxt. */
void
bins_add(BinArray *a, int32 key, int64 count, MemoryContext cxt)
{
	bool		found;
	int			i;

	if (count == 0)
		return;
	i = bins_find(a, key, &found);
	if (found)
	{
		if (pg_add_s64_overflow(a->bins[i].count, count, &a->bins[i].count))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("latency sketch count out of range")));
		if (a->bins[i].count == 0)
		{
			memmove(&a->bins[i], &a->bins[i + 1],
					sizeof(SketchBin) * (a->n - i - 1));
			a->n--;
		}
		return;
	}
	if (a->n == a->cap)
	{
		int			cap = a->cap == 0 ? 16 : a->cap * 2;

		if (a->bins == NULL)
			a->bins = MemoryContextAlloc(cxt, sizeof(SketchBin) * cap);
		else
			a->bins = repalloc(a->bins, sizeof(SketchBin) * cap);
		a->cap = cap;
	}
	memmove(&a->bins[i + 1], &a->bins[i], sizeof(SketchBin) * (a->n - i));
	a->bins[i].key = key;
	a->bins[i].pad = 0;
	a->bins[i].count = count;
	a->n++;
}

/* ---------------------------------------------------------------------
 * usertrack.latency_sketch
 * --------------------------------------------------------------------- */


LatencySketch *
sketch_from_bins(const SketchBin *bins, int n)
{
	Size		size = offsetof(LatencySketch, bins) + sizeof(SketchBin) * n;
	LatencySketch *s = palloc0(size);

	SET_VARSIZE(s, size);
	s->nbins = n;
	if (n > 0)
		memcpy(s->bins, bins, sizeof(SketchBin) * n);
	return s;
}

/* The sketch of a bin array; NULL (and *isnull) when it holds nothing. */
Datum
bins_sketch_datum(const BinArray *a, bool *isnull)
{
	*isnull = a->n == 0;
	if (a->n == 0)
		return (Datum) 0;
	return PointerGetDatum(sketch_from_bins(a->bins, a->n));
}

/* Adds a stored sketch (a datum of usertrack.latency_sketch) to a bin array. */
void
bins_add_sketch(BinArray *a, Datum sketch, MemoryContext cxt)
{
	LatencySketch *s = DatumGetSketch(sketch);

	for (int i = 0; i < s->nbins; i++)
		bins_add(a, s->bins[i].key, s->bins[i].count, cxt);
}

void
bins_out(StringInfo buf, const SketchBin *bins, int n)
{
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < n; i++)
		appendStringInfo(buf, "%s[%d, " INT64_FORMAT "]", i > 0 ? ", " : "",
						 bins[i].key, bins[i].count);
	appendStringInfoChar(buf, ']');
}

int64
json_int8(JsonbValue *v, const char *type, const char *what)
{
	int64		result;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", type),
				 errdetail("%s must be a number.", what)));
	result = DatumGetInt64(DirectFunctionCall1(numeric_int8,
											   NumericGetDatum(v->val.numeric)));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  NumericGetDatum(v->val.numeric),
										  DirectFunctionCall1(int8_numeric,
															  Int64GetDatum(result)))) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", type),
				 errdetail("%s must be a whole number.", what)));
	return result;
}

/* Reads [[key, count], ...] (strictly increasing keys, nonzero counts). */
void
bins_in(JsonbContainer *c, BinArray *a, const char *type)
{
	int			n;
	int32		prev = PG_INT32_MIN;

	if (!JsonContainerIsArray(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", type),
				 errdetail("The buckets must be a JSON array of [bucket, count] pairs.")));
	n = JsonContainerSize(c);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *pair = getIthJsonbValueFromContainer(c, i);
		JsonbValue *k,
				   *v;
		int64		key,
					count;

		if (pair->type != jbvBinary || !JsonContainerIsArray(pair->val.binary.data) ||
			JsonContainerSize(pair->val.binary.data) != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", type),
					 errdetail("Bucket %d is not a [bucket, count] pair.", i + 1)));
		k = getIthJsonbValueFromContainer(pair->val.binary.data, 0);
		v = getIthJsonbValueFromContainer(pair->val.binary.data, 1);
		key = json_int8(k, type, "A bucket");
		count = json_int8(v, type, "A count");
		if (key < SKETCH_ZERO_KEY || key > SKETCH_MAX_KEY || (i > 0 && key <= prev))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", type),
					 errdetail("Bucket %d: buckets must be strictly increasing integers from %d to %d.",
							   i + 1, SKETCH_ZERO_KEY, SKETCH_MAX_KEY)));
		if (count == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", type),
					 errdetail("Bucket %d has a count of zero.", i + 1)));
		bins_add(a, (int32) key, count, CurrentMemoryContext);
		prev = (int32) key;
	}
}

Jsonb *
parse_json(char *str)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
}

PG_FUNCTION_INFO_V1(usertrack_sketch_in);
Datum
usertrack_sketch_in(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = parse_json(PG_GETARG_CSTRING(0));
	BinArray	a = {0};

	bins_in(&j->root, &a, "usertrack.latency_sketch");
	PG_RETURN_POINTER(sketch_from_bins(a.bins, a.n));
}

PG_FUNCTION_INFO_V1(usertrack_sketch_out);
Datum
usertrack_sketch_out(PG_FUNCTION_ARGS)
{
	LatencySketch *s = DatumGetSketch(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	bins_out(&buf, s->bins, s->nbins);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * usertrack.sketch_add(a, b): the sum of two sketches, NULL standing for the
 * empty one; NULL when the sum holds nothing.  Counts may be negative in
 * between (a delta taking latencies out).
 */
PG_FUNCTION_INFO_V1(usertrack_sketch_add);
Datum
usertrack_sketch_add(PG_FUNCTION_ARGS)
{
	BinArray	a = {0};
	bool		isnull;
	Datum		result;

	for (int i = 0; i < 2; i++)
		if (!PG_ARGISNULL(i))
			bins_add_sketch(&a, PG_GETARG_DATUM(i), CurrentMemoryContext);
	result = bins_sketch_datum(&a, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(usertrack_sketch_eq);
Datum
usertrack_sketch_eq(PG_FUNCTION_ARGS)
{
	LatencySketch *a = DatumGetSketch(PG_GETARG_DATUM(0));
	LatencySketch *b = DatumGetSketch(PG_GETARG_DATUM(1));

	PG_RETURN_BOOL(a->nbins == b->nbins &&
				   memcmp(a->bins, b->bins, sizeof(SketchBin) * a->nbins) == 0);
}

int64
bins_total(const SketchBin *bins, int n, bool *negative)
{
	int64		total = 0;

	*negative = false;
	for (int i = 0; i < n; i++)
	{
		if (bins[i].count < 0)
			*negative = true;
		if (pg_add_s64_overflow(total, bins[i].count, &total))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("latency sketch count out of range")));
	}
	return total;
}

/*
 * The q-quantile in seconds: the representative value of the bucket holding
 * the latency of rank ceil(q * n) (1-based, at least 1), that is the value
 * percentile_disc(q) returns, within 1%.  NULL for an empty sketch.
 */
bool
bins_quantile(const SketchBin *bins, int n, double q, double *result)
{
	bool		negative;
	int64		total = bins_total(bins, n, &negative);
	double		rank;
	int64		cum = 0;

	if (isnan(q) || q < 0.0 || q > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("percentile %g is not between 0 and 1", q)));
	if (negative)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("latency sketch has negative counts"),
				 errdetail("Only the sum of a sketch and the deltas that made it has percentiles.")));
	if (total == 0)
		return false;
	rank = ceil(q * (double) total);
	if (rank < 1.0)
		rank = 1.0;
	for (int i = 0; i < n; i++)
	{
		cum += bins[i].count;
		if ((double) cum >= rank)
		{
			*result = sketch_key_value(bins[i].key);
			return true;
		}
	}
	*result = sketch_key_value(bins[n - 1].key);
	return true;
}

Datum
seconds_interval(double seconds)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) rint(seconds * USECS_PER_SEC);
	return IntervalPGetDatum(iv);
}

PG_FUNCTION_INFO_V1(usertrack_sketch_percentile);
Datum
usertrack_sketch_percentile(PG_FUNCTION_ARGS)
{
	LatencySketch *s = DatumGetSketch(PG_GETARG_DATUM(0));
	double		v;

	if (!bins_quantile(s->bins, s->nbins, PG_GETARG_FLOAT8(1), &v))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(seconds_interval(v));
}

PG_FUNCTION_INFO_V1(usertrack_sketch_count);
Datum
usertrack_sketch_count(PG_FUNCTION_ARGS)
{
	LatencySketch *s = DatumGetSketch(PG_GETARG_DATUM(0));
	bool		negative;

	PG_RETURN_INT64(bins_total(s->bins, s->nbins, &negative));
}

PG_FUNCTION_INFO_V1(usertrack_latency_bucket);
Datum
usertrack_latency_bucket(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(latency_key_usecs(interval_usecs(PG_GETARG_INTERVAL_P(0))));
}
