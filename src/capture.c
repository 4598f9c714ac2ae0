/*
 * capture.c
 *
 * The trigger side.  Statement-level AFTER triggers on the three input
 * tables read the statement's transition tables (old and new rows) and fold
 * them into one TraceChange per distinct trace id: what the statement adds
 * to or removes from that trace's observations and scores, or how it moves
 * the trace itself (inserted, deleted, given another user, session or day).
 * summaries.c then applies the changes, one write per key.
 *
 * An UPDATE or an upsert shows each row twice, old and new: deltas of
 * unchanged columns cancel out, and a statement that changes nothing counted
 * (a new output, a new name) writes nothing at all.
 *
 * One statement may fire several of these triggers: an upsert fires the
 * UPDATE and then the INSERT trigger, a writable CTE may write all three
 * tables.  Applying each firing on its own would take the summary rows in
 * two sorted passes, and two statements could then deadlock.  So the
 * triggers only collect into the statement's ChangeFrame, which the
 * ExecutorFinish hook (usertrack.c) opens before the statement's AFTER
 * triggers fire and applies, in one pass, once they have all run.  COPY and
 * TRUNCATE fire their triggers outside ExecutorFinish, with no frame open:
 * their single firing applies at once.
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "usertrack.h"

PG_FUNCTION_INFO_V1(usertrack_traces_changed);
PG_FUNCTION_INFO_V1(usertrack_observations_changed);
PG_FUNCTION_INFO_V1(usertrack_scores_changed);

/* A map from NUL-terminated strings to pointers. */
typedef struct StringMapEntry
{
	const char *key;
	void	   *value;
	uint32		hash;
	char		status;
} StringMapEntry;

#define SH_PREFIX		strmap
#define SH_ELEMENT_TYPE StringMapEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k), strlen(k))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* One row of a transition table, reduced to what the totals need. */
typedef struct InputRow
{
	char	   *id;
	char	   *trace_id;		/* observations and scores */
	Measures	m;				/* observations and scores */
	TimestampTz start;			/* observations: start_time */
	TimestampTz last_end;		/* observations: coalesce(end_time, start_time) */
	bool		span_unchanged; /* UPDATE kept the row's trace and times */
	Attribution attribution;	/* traces */
	Jsonb	   *traits;			/* traces: metadata -> 'user_traits', an object */
} InputRow;

typedef struct RowList
{
	InputRow   *rows;
	int			n;
	int			cap;
} RowList;

/* Column numbers of what we read, found by name once per statement. */
typedef struct Columns
{
	AttrNumber	id;
	AttrNumber	trace_id;
	AttrNumber	user_id;
	AttrNumber	session_id;
	AttrNumber	timestamp;
	AttrNumber	start_time;
	AttrNumber	end_time;
	AttrNumber	input_tokens;
	AttrNumber	output_tokens;
	AttrNumber	total_tokens;
	AttrNumber	input_cost;
	AttrNumber	output_cost;
	AttrNumber	total_cost;
	AttrNumber	computed_total_cost;
	AttrNumber	level;
	AttrNumber	metadata;
} Columns;

typedef void (*ReadRow) (TupleTableSlot *slot, const Columns *cols, InputRow *row);

/*
 * The trigger data of a trigger fired on usertrack.<table>.  The trigger
 * functions work as the extension owner (maintaining totals, reading
 * prices), so they refuse to run on any other table: attached to a table of
 * someone's own, they would write forged totals, or read prices, with the
 * owner's rights.
 */
TriggerData *
usertrack_trigger_data(FunctionCallInfo fcinfo, const char *funcname,
					   const char *table)
{
	TriggerData *td;
	char	   *nspname;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() was not called by the trigger manager", funcname)));
	td = (TriggerData *) fcinfo->context;
	nspname = get_namespace_name(RelationGetNamespace(td->tg_relation));
	if (nspname == NULL || strcmp(nspname, "usertrack") != 0 ||
		strcmp(RelationGetRelationName(td->tg_relation), table) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() may only be fired by a trigger on usertrack.%s",
						funcname, table),
				 errdetail("It was fired by trigger \"%s\" on table \"%s\".",
						   td->tg_trigger->tgname,
						   RelationGetRelationName(td->tg_relation))));
	return td;
}

/*
 * The same, for the statement-level AFTER triggers with transition tables
 * that maintain the totals.
 */
static TriggerData *
statement_trigger_data(FunctionCallInfo fcinfo, const char *funcname,
					   const char *table)
{
	TriggerData *td = usertrack_trigger_data(fcinfo, funcname, table);
	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be fired AFTER ... FOR EACH STATEMENT", funcname)));
	if (!TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) &&
		((TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_newtable == NULL) ||
		 (TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable == NULL) ||
		 (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		  (td->tg_oldtable == NULL || td->tg_newtable == NULL))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() needs the transition tables of its statement", funcname),
				 errhint("Declare the trigger with REFERENCING OLD TABLE / NEW TABLE, as the extension script does.")));
	return td;
}

static AttrNumber
column_number(TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "usertrack: input table has no column \"%s\"", name);
	return (AttrNumber) attnum;
}

static char *
text_column(TupleTableSlot *slot, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static bool
int8_column(TupleTableSlot *slot, AttrNumber attnum, int64 *value)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	*value = isnull ? 0 : DatumGetInt64(d);
	return !isnull;
}

/* Reads every row of a transition table with its own read pointer. */
static void
read_rows(Tuplestorestate *store, TupleDesc desc, const Columns *cols,
		  ReadRow read, RowList *list)
{
	TupleTableSlot *slot;
	int			ptr;

	list->n = 0;
	list->cap = 0;
	list->rows = NULL;
	if (store == NULL)
		return;

	/* a statement may write millions of rows: allow arrays over 1 GB */
	list->cap = 64;
	list->rows = MemoryContextAllocHuge(CurrentMemoryContext,
										sizeof(InputRow) * list->cap);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(store, ptr);
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		if (list->n == list->cap)
		{
			list->cap *= 2;
			list->rows = repalloc_huge(list->rows, sizeof(InputRow) * list->cap);
		}
		memset(&list->rows[list->n], 0, sizeof(InputRow));
		read(slot, cols, &list->rows[list->n]);
		list->n++;
	}
	tuplestore_select_read_pointer(store, 0);
	ExecDropSingleTupleTableSlot(slot);
}

static TraceChange *change_for(strmap_hash *changes, char *trace_id);

typedef void (*FoldRow) (InputRow *row, int sign, strmap_hash *changes);

/*
 * Reads every row of a transition table and folds it into the changes at
 * once, so that an INSERT, COPY or DELETE of millions of rows needs memory
 * for its distinct traces only, not for its rows.
 */
static void
fold_rows(Tuplestorestate *store, TupleDesc desc, const Columns *cols,
		  ReadRow read, FoldRow fold, int sign, strmap_hash *changes)
{
	TupleTableSlot *slot;
	MemoryContext row_cxt,
				outer = CurrentMemoryContext;
	int			ptr;

	if (store == NULL)
		return;
	row_cxt = AllocSetContextCreate(outer, "usertrack row", ALLOCSET_SMALL_SIZES);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(store, ptr);
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		InputRow	row;

		memset(&row, 0, sizeof(row));
		MemoryContextSwitchTo(row_cxt);
		read(slot, cols, &row);
		MemoryContextSwitchTo(outer);
		fold(&row, sign, changes);
		MemoryContextReset(row_cxt);
	}
	tuplestore_select_read_pointer(store, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(row_cxt);
}

static TraceChange *
change_for(strmap_hash *changes, char *trace_id)
{
	bool		found;
	StringMapEntry *e = strmap_insert(changes, trace_id, &found);

	if (!found)
	{
		TraceChange *ch = palloc0(sizeof(TraceChange));

		/* the row the id came from may not outlive this call */
		ch->trace_id = pstrdup(trace_id);
		e->key = ch->trace_id;
		e->value = ch;
	}
	return (TraceChange *) e->value;
}

static int
compare_changes(const void *a, const void *b)
{
	const TraceChange *ca = *(const TraceChange *const *) a;
	const TraceChange *cb = *(const TraceChange *const *) b;

	return strcmp(ca->trace_id, cb->trace_id);
}

static bool same_attribution(const Attribution *a, const Attribution *b);

/* Whether the statement changed whom the trace counts for, or its time. */
static bool
moves_trace(const TraceChange *ch)
{
	if (!ch->seen_old && !ch->seen_new)
		return false;
	return !same_attribution(&ch->old, &ch->new);
}

/*
 * The changes that write something, sorted by trace id: the order in which
 * every statement takes the rows, so that no two statements wait for each
 * other in opposite orders.
 */
static TraceChange **
sorted_changes(strmap_hash *changes, int *nchanges)
{
	TraceChange **out = palloc(sizeof(TraceChange *) * (changes->members + 1));
	strmap_iterator it;
	StringMapEntry *e;
	int			n = 0;

	strmap_start_iterate(changes, &it);
	while ((e = strmap_iterate(changes, &it)) != NULL)
	{
		TraceChange *ch = (TraceChange *) e->value;

		if (!measures_are_zero(&ch->delta) || ch->added.valid ||
			ch->removed.valid || moves_trace(ch))
			out[n++] = ch;
	}
	if (n > 1)
		qsort(out, n, sizeof(TraceChange *), compare_changes);
	*nchanges = n;
	return out;
}

/* ---------------------------------------------------------------------
 * Change frames
 * --------------------------------------------------------------------- */

static ChangeFrame *current_frame = NULL;

void
push_change_frame(ChangeFrame *frame)
{
	frame->parent = CurrentMemoryContext;
	frame->cxt = NULL;
	frame->changes = NULL;
	frame->trait_appends = NIL;
	frame->trait_users = NIL;
	frame->outer = current_frame;
	current_frame = frame;
}

void
pop_change_frame(ChangeFrame *frame)
{
	Assert(current_frame == frame);
	current_frame = frame->outer;
	if (frame->cxt != NULL)
		MemoryContextDelete(frame->cxt);
	frame->cxt = NULL;
	frame->changes = NULL;
	frame->trait_appends = NIL;
	frame->trait_users = NIL;
}

/*
 * Applies what the frame collected, in one sorted pass, and empties it: the
 * traits the traces give (user_traits_from_traces) first, then the totals,
 * so that every statement takes the rows of both in the same order, and the
 * alert rules the totals evaluate see the users' new traits.
 */
void
apply_change_frame(ChangeFrame *frame)
{
	TraceChange **sorted;
	int			n;
	MemoryContext caller;

	if (frame->changes == NULL)
		return;
	caller = MemoryContextSwitchTo(frame->cxt);
	sorted = sorted_changes((strmap_hash *) frame->changes, &n);
	if (frame->trait_appends != NIL || frame->trait_users != NIL)
		apply_traits(frame->trait_appends, frame->trait_users);
	if (n > 0)
		apply_changes(sorted, n);
	MemoryContextSwitchTo(caller);
	MemoryContextReset(frame->cxt);
	frame->changes = NULL;
	frame->trait_appends = NIL;
	frame->trait_users = NIL;
}

/*
 * The frame a trigger collects into, with its memory context current: the
 * statement's open frame, or, outside ExecutorFinish (COPY), the caller's
 * local one, applied when the trigger ends.
 */
static ChangeFrame *
collecting_frame(ChangeFrame *local, MemoryContext *caller)
{
	ChangeFrame *f = current_frame;

	if (f == NULL)
	{
		local->parent = CurrentMemoryContext;
		local->cxt = NULL;
		local->changes = NULL;
		local->trait_appends = NIL;
		local->trait_users = NIL;
		local->outer = NULL;
		f = local;
	}
	if (f->cxt == NULL)
		f->cxt = AllocSetContextCreate(f->parent, "usertrack statement changes",
									   ALLOCSET_DEFAULT_SIZES);
	*caller = MemoryContextSwitchTo(f->cxt);
	if (f->changes == NULL)
		f->changes = strmap_create(f->cxt, 64, NULL);
	return f;
}

static void
end_collecting(ChangeFrame *f, ChangeFrame *local, MemoryContext caller)
{
	MemoryContextSwitchTo(caller);
	if (f == local)
	{
		apply_change_frame(f);
		MemoryContextDelete(f->cxt);
	}
}

/* TRUNCATE: first apply what the enclosing statement collected so far. */
static void
truncate_input(InputTable table)
{
	if (current_frame != NULL)
		apply_change_frame(current_frame);
	apply_truncate(table);
}

/* ---------------------------------------------------------------------
 * observations
 * --------------------------------------------------------------------- */

static void
read_observation(TupleTableSlot *slot, const Columns *c, InputRow *row)
{
	bool		isnull;
	bool		has_total;
	Datum		d;
	int64		total;

	row->id = text_column(slot, c->id);
	row->trace_id = text_column(slot, c->trace_id);
	row->start = DatumGetTimestampTz(slot_getattr(slot, c->start_time, &isnull));
	d = slot_getattr(slot, c->end_time, &isnull);
	row->last_end = isnull ? row->start : DatumGetTimestampTz(d);

	row->m.observations = 1;
	int8_column(slot, c->input_tokens, &row->m.input_tokens);
	int8_column(slot, c->output_tokens, &row->m.output_tokens);
	has_total = int8_column(slot, c->total_tokens, &total);
	if (has_total)
		row->m.total_tokens = total;
	else if (pg_add_s64_overflow(row->m.input_tokens, row->m.output_tokens,
								 &row->m.total_tokens))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total_tokens out of range in usertrack.observations"),
				 errdetail("Observation \"%s\" has total_tokens = NULL, and input_tokens + output_tokens (" INT64_FORMAT " + " INT64_FORMAT ") leaves the range of bigint.",
						   row->id, row->m.input_tokens, row->m.output_tokens),
				 errhint("Send total_tokens, or token counts whose sum fits in bigint.")));

	/*
	 * cost = coalesce(total_cost, input_cost + output_cost,
	 *                 computed_total_cost, 0)
	 */
	d = slot_getattr(slot, c->total_cost, &isnull);
	if (!isnull)
		row->m.model_cost = DatumGetNumericCopy(d);
	else
	{
		bool		in_null,
					out_null;
		Datum		in = slot_getattr(slot, c->input_cost, &in_null);
		Datum		out = slot_getattr(slot, c->output_cost, &out_null);

		if (!in_null && !out_null)
			row->m.model_cost = DatumGetNumeric(DirectFunctionCall2(numeric_add, in, out));
		else if (!in_null)
			row->m.model_cost = DatumGetNumericCopy(in);
		else if (!out_null)
			row->m.model_cost = DatumGetNumericCopy(out);
		else
		{
			d = slot_getattr(slot, c->computed_total_cost, &isnull);
			if (!isnull)
				row->m.model_cost = DatumGetNumericCopy(d);
		}
	}

	d = slot_getattr(slot, c->level, &isnull);
	if (!isnull)
	{
		text	   *level = DatumGetTextPP(d);

		row->m.errors = (VARSIZE_ANY_EXHDR(level) == 5 &&
						 memcmp(VARDATA_ANY(level), "ERROR", 5) == 0) ? 1 : 0;
	}
}

static void
fold_observation(InputRow *r, int sign, strmap_hash *changes)
{
	TraceChange *ch = change_for(changes, r->trace_id);

	measures_add(&ch->delta, &r->m, sign);
	timespan_include(sign > 0 ? &ch->added : &ch->removed, r->start, r->last_end);
}

/*
 * In an UPDATE, a row that keeps its trace and its times cannot move the
 * trace's first start or last end: mark both versions so that neither
 * forces a recomputation of the trace's time span.
 */
static void
pair_unchanged_spans(RowList *old_rows, RowList *new_rows)
{
	strmap_hash *by_id;

	if (old_rows->n == 0 || new_rows->n == 0)
		return;
	by_id = strmap_create(CurrentMemoryContext, new_rows->n, NULL);
	for (int i = 0; i < new_rows->n; i++)
	{
		bool		found;
		StringMapEntry *e = strmap_insert(by_id, new_rows->rows[i].id, &found);

		e->value = &new_rows->rows[i];
	}
	for (int i = 0; i < old_rows->n; i++)
	{
		InputRow   *o = &old_rows->rows[i];
		StringMapEntry *e = strmap_lookup(by_id, o->id);
		InputRow   *n;

		if (e == NULL)
			continue;
		n = (InputRow *) e->value;
		if (strcmp(o->trace_id, n->trace_id) == 0 &&
			o->start == n->start && o->last_end == n->last_end)
			o->span_unchanged = n->span_unchanged = true;
	}
}

Datum
usertrack_observations_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = statement_trigger_data(fcinfo, "observations_changed", "observations");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	ChangeFrame local;
	ChangeFrame *frame;
	MemoryContext caller;
	Columns		c;
	RowList		old_rows,
				new_rows;
	strmap_hash *changes;

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		truncate_input(INPUT_OBSERVATIONS);
		return PointerGetDatum(NULL);
	}

	frame = collecting_frame(&local, &caller);
	changes = (strmap_hash *) frame->changes;
	memset(&c, 0, sizeof(c));
	c.id = column_number(desc, "id");
	c.trace_id = column_number(desc, "trace_id");
	c.start_time = column_number(desc, "start_time");
	c.end_time = column_number(desc, "end_time");
	c.input_tokens = column_number(desc, "input_tokens");
	c.output_tokens = column_number(desc, "output_tokens");
	c.total_tokens = column_number(desc, "total_tokens");
	c.input_cost = column_number(desc, "input_cost");
	c.output_cost = column_number(desc, "output_cost");
	c.total_cost = column_number(desc, "total_cost");
	c.computed_total_cost = column_number(desc, "computed_total_cost");
	c.level = column_number(desc, "level");

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		fold_rows(td->tg_oldtable, desc, &c, read_observation, fold_observation,
				  -1, changes);
		fold_rows(td->tg_newtable, desc, &c, read_observation, fold_observation,
				  1, changes);
		end_collecting(frame, &local, caller);
		return PointerGetDatum(NULL);
	}

	/* an UPDATE: pair the old and new versions of each row */
	read_rows(td->tg_oldtable, desc, &c, read_observation, &old_rows);
	read_rows(td->tg_newtable, desc, &c, read_observation, &new_rows);
	pair_unchanged_spans(&old_rows, &new_rows);

	for (int i = 0; i < old_rows.n; i++)
	{
		InputRow   *r = &old_rows.rows[i];
		TraceChange *ch = change_for(changes, r->trace_id);

		measures_add(&ch->delta, &r->m, -1);
		if (!r->span_unchanged)
			timespan_include(&ch->removed, r->start, r->last_end);
	}
	for (int i = 0; i < new_rows.n; i++)
	{
		InputRow   *r = &new_rows.rows[i];
		TraceChange *ch = change_for(changes, r->trace_id);

		measures_add(&ch->delta, &r->m, 1);
		if (!r->span_unchanged)
			timespan_include(&ch->added, r->start, r->last_end);
	}

	end_collecting(frame, &local, caller);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * scores
 * --------------------------------------------------------------------- */

static void
read_score(TupleTableSlot *slot, const Columns *c, InputRow *row)
{
	row->id = text_column(slot, c->id);
	row->trace_id = text_column(slot, c->trace_id);
	row->m.scores = 1;
}

static void
fold_score(InputRow *r, int sign, strmap_hash *changes)
{
	/* scores that name no trace count for no trace and no user */
	if (r->trace_id == NULL || r->trace_id[0] == '\0')
		return;
	measures_add(&change_for(changes, r->trace_id)->delta, &r->m, sign);
}

Datum
usertrack_scores_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = statement_trigger_data(fcinfo, "scores_changed", "scores");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	ChangeFrame local;
	ChangeFrame *frame;
	MemoryContext caller;
	Columns		c;
	strmap_hash *changes;

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		truncate_input(INPUT_SCORES);
		return PointerGetDatum(NULL);
	}

	frame = collecting_frame(&local, &caller);
	changes = (strmap_hash *) frame->changes;
	memset(&c, 0, sizeof(c));
	c.id = column_number(desc, "id");
	c.trace_id = column_number(desc, "trace_id");

	fold_rows(td->tg_oldtable, desc, &c, read_score, fold_score, -1, changes);
	fold_rows(td->tg_newtable, desc, &c, read_score, fold_score, 1, changes);

	end_collecting(frame, &local, caller);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * traces
 * --------------------------------------------------------------------- */

static Jsonb *user_traits_of(TupleTableSlot *slot, AttrNumber attnum);

static void
read_trace(TupleTableSlot *slot, const Columns *c, InputRow *row)
{
	bool		isnull;
	Attribution *a = &row->attribution;
	char	   *session;

	row->id = text_column(slot, c->id);
	a->present = true;
	a->user_id = text_column(slot, c->user_id);
	if (a->user_id == NULL)
		a->user_id = "";
	session = text_column(slot, c->session_id);
	a->session_id = (session != NULL && session[0] != '\0') ? session : NULL;
	a->ts = DatumGetTimestampTz(slot_getattr(slot, c->timestamp, &isnull));
	a->day = usertrack_utc_day(a->ts);
	a->bucket = usertrack_bucket(a->ts);
	if (a->user_id[0] != '\0')
		row->traits = user_traits_of(slot, c->metadata);
}

/*
 * The traits a trace gives its user: its metadata's key user_traits when
 * that is an object (NULL otherwise), as a jsonb of its own.
 */
static Jsonb *
user_traits_of(TupleTableSlot *slot, AttrNumber attnum)
{
	static const char key[] = "user_traits";
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);
	Jsonb	   *metadata;
	JsonbValue *v;

	if (isnull)
		return NULL;
	metadata = DatumGetJsonbP(d);
	if (!JB_ROOT_IS_OBJECT(metadata))
		return NULL;
	v = getKeyJsonValueFromContainer(&metadata->root, key, sizeof(key) - 1, NULL);
	if (v == NULL || v->type != jbvBinary ||
		!JsonContainerIsObject(v->val.binary.data))
		return NULL;
	return JsonbValueToJsonb(v);
}

/* The frame the trace rows being read go to, for their traits. */
static ChangeFrame *trait_frame = NULL;

/* A trace row whose user's traits must be computed again. */
static void
note_trait_user(const InputRow *r)
{
	if (r->traits != NULL)
		trait_frame->trait_users = lappend(trait_frame->trait_users,
										   pstrdup(r->attribution.user_id));
}

/* Same keys and, for a present trace, the same timestamp. */
static bool
same_attribution(const Attribution *a, const Attribution *b)
{
	return same_keys(a, b) && (!a->present || a->ts == b->ts);
}

/*
 * An inserted (sign 1) or deleted (sign -1) trace row: record its
 * attribution, copied out of the row's memory, with the same rules as for an
 * UPDATE below (the first old version, the last new one).
 */
static void
fold_trace(InputRow *r, int sign, strmap_hash *changes)
{
	TraceChange *ch = change_for(changes, r->id);
	Attribution a = r->attribution;

	a.user_id = pstrdup(a.user_id);
	if (a.session_id != NULL)
		a.session_id = pstrdup(a.session_id);
	if (r->traits != NULL && sign > 0)
	{
		/* an inserted trace with traits may only add to its user's */
		TraitAppend *ta = palloc(sizeof(TraitAppend));

		ta->user_id = a.user_id;
		ta->trace_id = pstrdup(r->id);
		ta->ts = a.ts;
		ta->traits = palloc(VARSIZE(r->traits));
		memcpy(ta->traits, r->traits, VARSIZE(r->traits));
		trait_frame->trait_appends = lappend(trait_frame->trait_appends, ta);
	}
	else
		note_trait_user(r);
	if (sign < 0)
	{
		if (!ch->seen_old && !ch->seen_new)
		{
			ch->old = a;
			ch->seen_old = true;
		}
		if (ch->seen_new)
			ch->new.present = false;
	}
	else
	{
		ch->new = a;
		ch->seen_new = true;
	}
}

Datum
usertrack_traces_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = statement_trigger_data(fcinfo, "traces_changed", "traces");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	ChangeFrame local;
	ChangeFrame *frame;
	MemoryContext caller;
	Columns		c;
	RowList		old_rows,
				new_rows;
	strmap_hash *changes;

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		truncate_input(INPUT_TRACES);
		return PointerGetDatum(NULL);
	}

	frame = collecting_frame(&local, &caller);
	changes = (strmap_hash *) frame->changes;
	memset(&c, 0, sizeof(c));
	c.id = column_number(desc, "id");
	c.user_id = column_number(desc, "user_id");
	c.session_id = column_number(desc, "session_id");
	c.timestamp = column_number(desc, "timestamp");
	c.metadata = column_number(desc, "metadata");
	trait_frame = frame;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		/* inserted or deleted traces, folded as they are read */
		fold_rows(td->tg_oldtable, desc, &c, read_trace, fold_trace, -1, changes);
		fold_rows(td->tg_newtable, desc, &c, read_trace, fold_trace, 1, changes);
		end_collecting(frame, &local, caller);
		return PointerGetDatum(NULL);
	}

	read_rows(td->tg_oldtable, desc, &c, read_trace, &old_rows);
	read_rows(td->tg_newtable, desc, &c, read_trace, &new_rows);

	/*
	 * Within one statement a trace row can be deleted and inserted again (by
	 * a writable CTE): keep the first old and the last new version.
	 */
	for (int i = 0; i < old_rows.n; i++)
	{
		TraceChange *ch = change_for(changes, old_rows.rows[i].id);

		if (!ch->seen_old && !ch->seen_new)
		{
			ch->old = old_rows.rows[i].attribution;
			ch->seen_old = true;
		}
		if (ch->seen_new)
		{
			ch->new.present = false;
			ch->seen_new = true;
		}
		note_trait_user(&old_rows.rows[i]);
	}
	for (int i = 0; i < new_rows.n; i++)
	{
		TraceChange *ch = change_for(changes, new_rows.rows[i].id);

		ch->new = new_rows.rows[i].attribution;
		ch->seen_new = true;
		note_trait_user(&new_rows.rows[i]);
	}

	end_collecting(frame, &local, caller);
	return PointerGetDatum(NULL);
}
