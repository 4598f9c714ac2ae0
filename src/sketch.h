/*
 * sketch.h
 *
 * The latency sketch (sketch.c), for the rollup aggregates (rollup.c) and
 * the summary writer (summaries.c).
 */
#ifndef USERTRACK_SKETCH_H
#define USERTRACK_SKETCH_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/*
 * A bucket and its count; a growing sorted array of them, which is how the
 * aggregates and the summary writer carry a sketch (counts may be negative
 * in a change).
 */
typedef struct SketchBin
{
	int32		key;
	int32		pad;
	int64		count;
} SketchBin;

typedef struct BinArray
{
	int			n;
	int			cap;
	SketchBin  *bins;
} BinArray;

/* The stored form of usertrack.latency_sketch */
typedef struct LatencySketch
{
	int32		vl_len_;
	int32		nbins;
	SketchBin	bins[FLEXIBLE_ARRAY_MEMBER];
} LatencySketch;

#define DatumGetSketch(d)	((LatencySketch *) PG_DETOAST_DATUM(d))

extern int32 latency_key_usecs(int64 usecs);
extern int64 interval_usecs(const Interval *iv);
extern void bins_add(BinArray *a, int32 key, int64 count, MemoryContext cxt);
extern void bins_add_sketch(BinArray *a, Datum sketch, MemoryContext cxt);
extern Datum bins_sketch_datum(const BinArray *a, bool *isnull);
extern LatencySketch *sketch_from_bins(const SketchBin *bins, int n);
extern int64 bins_total(const SketchBin *bins, int n, bool *negative);
extern bool bins_quantile(const SketchBin *bins, int n, double q, double *result);
extern void bins_out(StringInfo buf, const SketchBin *bins, int n);
extern void bins_in(JsonbContainer *c, BinArray *a, const char *type);
extern int64 json_int8(JsonbValue *v, const char *type, const char *what);
extern Jsonb *parse_json(char *str);
extern Datum seconds_interval(double seconds);
extern int	numeric_sign_of(Numeric n);

#endif							/* USERTRACK_SKETCH_H */
