/*
 * usertrack.h
 *
 * Types shared by the trigger side (capture.c), which turns the transition
 * tables of one statement into per-trace changes, and the summary writer
 * (summaries.c), which applies those changes to the maintained tables: first
 * the per-trace row, then the per-(user, session), per-(user, day) and
 * per-user rows, each in sorted key order.
 */
#ifndef USERTRACK_H
#define USERTRACK_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"
#include "utils/date.h"
#include "utils/numeric.h"

/* Longest id, user_id or session_id accepted, in bytes. */
#define USERTRACK_MAX_ID_BYTES 1024

/*
 * The measures every rollup keeps.  Counts are exact 64-bit integers; cost is
 * an exact numeric, NULL standing for zero so that rows without cost cost
 * nothing to add up.
 */
typedef struct Measures
{
	int64		traces;
	int64		observations;
	int64		input_tokens;
	int64		output_tokens;
	int64		total_tokens;
	int64		errors;
	int64		scores;
	Numeric		model_cost;
} Measures;

/* A range of timestamps added to or removed from a key. */
typedef struct TimeSpan
{
	bool		valid;
	TimestampTz first;
	TimestampTz last;
} TimeSpan;

/* Whom a trace counts for. */
typedef struct Attribution
{
	bool		present;		/* the trace row exists */
	char	   *user_id;		/* '' when the trace has no user */
	char	   *session_id;		/* NULL when the trace has no session */
	DateADT		day;			/* UTC day of the trace timestamp */
	TimestampTz bucket;			/* its 15-minute bucket (usertrack_bucket) */
	TimestampTz ts;				/* the trace timestamp */
} Attribution;

/*
 * What one statement changes about one trace id: observations and scores
 * added or removed under it, and, when the statement wrote the trace row
 * itself, whom the trace counted for before and after.
 */
typedef struct TraceChange
{
	char	   *trace_id;
	Measures	delta;			/* observations, tokens, cost, errors, scores */
	TimeSpan	added;			/* observation times added */
	TimeSpan	removed;		/* observation times removed */
	bool		seen_old;		/* the statement removed or changed the trace row */
	bool		seen_new;		/* the statement inserted or changed the trace row */
	Attribution old;			/* before the statement, if seen_old */
	Attribution new;			/* after the statement, if seen_new */
} TraceChange;

/*
 * The changes of one statement, collected over all its trigger firings (an
 * upsert fires the UPDATE and the INSERT triggers, a writable CTE may write
 * all three tables) and applied once, in one sorted pass, when the
 * statement's executor finishes.  Frames nest with the executor.
 */
typedef struct ChangeFrame
{
	MemoryContext parent;
	MemoryContext cxt;			/* created on first use */
	void	   *changes;		/* a strmap of trace id -> TraceChange */
	List	   *trait_appends;	/* TraitAppend *: inserted traces with traits */
	List	   *trait_users;	/* char *: users whose traits to recompute */
	struct ChangeFrame *outer;
} ChangeFrame;

/*
 * An inserted trace whose metadata carries user traits (the key user_traits,
 * an object): its user's traits may only need these merged in.
 */
typedef struct TraitAppend
{
	char	   *user_id;
	char	   *trace_id;
	TimestampTz ts;
	struct Jsonb *traits;
} TraitAppend;

extern void push_change_frame(ChangeFrame *frame);
extern void apply_change_frame(ChangeFrame *frame);
extern void pop_change_frame(ChangeFrame *frame);

/* usertrack.maintenance */
typedef enum MaintenanceMode
{
	MAINTENANCE_IMMEDIATE,
	MAINTENANCE_DEFERRED
} MaintenanceMode;

extern int	usertrack_maintenance;

/* Which input table a TRUNCATE emptied. */
typedef enum InputTable
{
	INPUT_TRACES,
	INPUT_OBSERVATIONS,
	INPUT_SCORES
} InputTable;

/* measures.c-like helpers, in summaries.c */
extern void measures_add(Measures *into, const Measures *m, int sign);
extern bool measures_are_zero(const Measures *m);
extern void timespan_include(TimeSpan *span, TimestampTz first, TimestampTz last);
extern bool same_keys(const Attribution *a, const Attribution *b);

/* summaries.c: apply changes sorted by trace_id (bytewise) */
extern void apply_changes(TraceChange **changes, int nchanges);
extern void apply_truncate(InputTable table);
extern void apply_traits(List *appends, List *users);

/* capture.c: a trigger's data, refusing any table but usertrack.<table> */
struct FunctionCallInfoBaseData;
extern struct TriggerData *usertrack_trigger_data(struct FunctionCallInfoBaseData *fcinfo,
												  const char *funcname,
												  const char *table);

/* summaries.c: the owner of the extension, as whom maintenance runs */
extern Oid	usertrack_extension_owner(void);

/* validate.c */
extern DateADT usertrack_utc_day(TimestampTz ts);

/*
 * Usage buckets (user_usage_buckets, for windows and budgets) are 15 minutes
 * long, counted from 2000-01-01 00:00 UTC: every time zone in use today is
 * a whole number of quarter hours from UTC, so calendar days and months
 * start on a bucket boundary in each of them.
 */
#define USERTRACK_BUCKET_USECS (15 * USECS_PER_MINUTE)
extern TimestampTz usertrack_bucket(TimestampTz ts);
extern char *usertrack_clip(const char *s, int max);

#endif							/* USERTRACK_H */
