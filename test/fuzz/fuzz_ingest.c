/*
 * test/fuzz/fuzz_ingest.c: the libFuzzer targets for what usertrack reads
 * from outside: the ingestion functions usertrack.ingest() and
 * usertrack.ingest_otlp(), and the JSON an application writes into
 * usertrack.observations (usage_details and model_parameters, which the C
 * price trigger parses, and the user a trace moves to).
 *
 * The code that interprets a payload works on PostgreSQL's jsonb, numeric
 * and timestamp types and writes through SPI, so it cannot run outside a
 * server.  The fuzzer therefore runs inside one: scripts/fuzz.sh builds
 * usertrack.so with clang, -fsanitize=fuzzer-no-link (coverage for
 * libFuzzer) and ASan+UBSan, links this file and libFuzzer's runtime into
 * it, and calls usertrack_fuzz_run() from a single-user backend.  That
 * function hands libFuzzer's driver (LLVMFuzzerRunDriver) a callback that,
 * for every input, in a subtransaction:
 *
 *   1. parses the bytes as jsonb (jsonb_in; inputs that are not JSON stop
 *      here, which is PostgreSQL's code, not ours); bytes that are not valid
 *      in the database encoding are skipped, since the server refuses them
 *      in any client's query before a function could see them;
 *   2. calls the SQL function under test, through the fmgr, exactly as a
 *      client's SELECT would; for the target "observation", upserts a trace
 *      with the input's user_id and inserts an observation with its model,
 *      model_parameters, token counts and usage_details, through SPI;
 *   3. checks the answer's shape: for ingest() an object with the arrays
 *      "successes" and "errors" of {"id", "status"} objects, no more of them
 *      than events in the batch; for ingest_otlp() an object that is empty
 *      or holds "partialSuccess";
 *   4. checks the errors that escape: a payload whose envelope is wrong may
 *      fail with 22023 (invalid_parameter_value); once the envelope is
 *      right, a bad event must be reported in the answer and must never
 *      fail the call, so any other escaping error is a finding, and so is
 *      an internal error (XX000: an elog) anywhere.  Rows written with SQL
 *      may be refused as bad data (SQLSTATE classes 22 and 23) and nothing
 *      else.
 *
 * Rows that land are kept: after every FUZZ_VERIFY_EVERY inputs (or
 * $USERTRACK_FUZZ_VERIFY_EVERY) the callback runs usertrack.verify(), which
 * must be empty (the totals kept by the triggers for what the inputs wrote
 * equal a recomputation), truncates the input tables so the database stays
 * small, and commits (usertrack_fuzz_run is a procedure, called with CALL,
 * so that a run of hours is not one transaction that grows without end).
 * Since a finding can depend on the inputs before it, the inputs since the
 * last truncation are kept, and a finding writes them, in order, to
 * <artifact_prefix>history-N/: scripts/fuzz.sh replays such a directory in
 * a fresh database and runs verify() after its last input.  The observation
 * target numbers its rows by the position since the truncation, so a replay
 * writes the same rows.
 *
 * Also findings: a leaked active snapshot, and the WARNINGs PostgreSQL
 * gives at (sub)transaction end for leaked references (relcache, catcache,
 * tuple descriptors, buffer pins, snapshots, plans) and unfinished SPI.
 * Not seen: overruns inside palloc'd chunks, since Debian's PostgreSQL and
 * its allocator are not instrumented (ASan sees malloc only).
 *
 * A finding aborts the process,
 * which makes libFuzzer (or ASan, for memory errors) save the input as a
 * crash-* file.
 *
 * This file is compiled only into the fuzzing build; the extension's own
 * usertrack.so does not contain it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define FUZZ_VERIFY_EVERY 1000

/* libFuzzer's entry point for a program that has its own main */
extern int	LLVMFuzzerRunDriver(int *argc, char ***argv,
								int (*cb) (const uint8_t *data, size_t size));

typedef enum FuzzTarget
{
	TARGET_INGEST,
	TARGET_OTLP,
	TARGET_OBSERVATION
} FuzzTarget;

static const char *const target_names[] = {"ingest", "ingest_otlp", "observation"};

static FuzzTarget target;
static bool strict = false;		/* the canary: no error may escape */
static FmgrInfo target_fn;
static MemoryContext input_cxt;
static long inputs = 0;			/* inputs run */
static long landed = 0;			/* ... without an error */
static long since_reset = 0;	/* inputs since the last truncation */
static long verify_every = FUZZ_VERIFY_EVERY;
static const char *artifact_prefix = "./";

/* the inputs since the last truncation (malloc'd: they outlive contexts) */
static char **history;
static size_t *history_len;

/* the first leak WARNING seen, from the log hook */
static emit_log_hook_type prev_log_hook = NULL;
static char *leak_warning = NULL;

/* writes the inputs since the last truncation to <prefix>history-N/ */
static char *
write_history(void)
{
	static char dir[MAXPGPATH];

	snprintf(dir, sizeof(dir), "%shistory-%ld", artifact_prefix, inputs);
	if (mkdir(dir, 0755) != 0)
		return NULL;
	for (long i = 0; i < since_reset; i++)
	{
		char		path[MAXPGPATH];
		FILE	   *f;

		snprintf(path, sizeof(path), "%s/%06ld.json", dir, i + 1);
		if ((f = fopen(path, "wb")) == NULL)
			return NULL;
		fwrite(history[i], 1, history_len[i], f);
		fclose(f);
	}
	return dir;
}

static void finding(const char *what, const char *detail) pg_attribute_noreturn();

static void
finding(const char *what, const char *detail)
{
	fprintf(stderr, "\nusertrack fuzz finding (%s): %s\n", target_names[target], what);
	if (detail != NULL)
		fprintf(stderr, "  %s\n", detail);
	if (since_reset > 1)
	{
		char	   *dir = write_history();

		fprintf(stderr, "  the %ld inputs since the last verify(), in order: %s\n"
				"  replay them with: bash scripts/fuzz.sh %s\n",
				since_reset, dir ? dir : "(could not be written)", dir ? dir : "");
	}
	fflush(stderr);
	abort();
}

static void
fuzz_log_hook(ErrorData *e)
{
	if (e->elevel == WARNING && e->message != NULL && leak_warning == NULL &&
		(strstr(e->message, "leak") != NULL || strstr(e->message, "SPI_finish") != NULL ||
		 strstr(e->message, "non-empty SPI stack") != NULL))
		leak_warning = strdup(e->message);
	if (prev_log_hook)
		prev_log_hook(e);
}

static void
check_leaks(void)
{
	if (leak_warning != NULL)
		finding("a resource leaked", leak_warning);
}

static JsonbValue *
key_of(Jsonb *j, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(&j->root, JB_FOBJECT, &k);
}

/* the number of elements of an array value, or -1 when it is not an array */
static int
array_size(JsonbValue *v)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return -1;
	return JsonContainerSize(v->val.binary.data);
}

/* every element of a result array is {"id": string, "status": 201|400, ...} */
static void
check_items(JsonbValue *arr, int status)
{
	JsonbIterator *it = JsonbIteratorInit(arr->val.binary.data);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue	k,
				   *id,
				   *st;

		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			finding("a result item is not an object", NULL);
		k.type = jbvString;
		k.val.string.val = "id";
		k.val.string.len = 2;
		id = findJsonbValueFromContainer(v.val.binary.data, JB_FOBJECT, &k);
		k.val.string.val = "status";
		k.val.string.len = 6;
		st = findJsonbValueFromContainer(v.val.binary.data, JB_FOBJECT, &k);
		if (id == NULL || id->type != jbvString)
			finding("a result item has no string id", NULL);
		if (st == NULL || st->type != jbvNumeric ||
			DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(st->val.numeric))) != status)
			finding("a result item has the wrong status", NULL);
	}
}

/* the span elements of an OTLP export, whatever they hold */
static long
count_spans(Jsonb *in)
{
	JsonbIterator *it = JsonbIteratorInit(&in->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	long		n = 0;
	int			depth = 0;
	bool		in_spans[64] = {false};
	bool		next_is_spans = false;

	/* elements of an array that is the value of a key "spans", at any depth */
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			next_is_spans = v.val.string.len == 5 && memcmp(v.val.string.val, "spans", 5) == 0;
		else if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
		{
			depth++;
			if (depth < 64)
				in_spans[depth] = tok == WJB_BEGIN_ARRAY && next_is_spans;
			if (depth - 1 > 0 && depth - 1 < 64 && in_spans[depth - 1])
				n++;
			next_is_spans = false;
		}
		else if (tok == WJB_END_ARRAY || tok == WJB_END_OBJECT)
			depth--;
		else if (tok == WJB_ELEM && depth < 64 && in_spans[depth])
			n++;
		else if (tok == WJB_VALUE)
			next_is_spans = false;
	}
	return n;
}

static void
check_answer(Jsonb *in, Jsonb *out)
{
	if (!JB_ROOT_IS_OBJECT(out))
		finding("the answer is not a JSON object", NULL);
	if (target == TARGET_INGEST)
	{
		int			events = array_size(key_of(in, "batch"));
		JsonbValue *ok = key_of(out, "successes"),
				   *bad = key_of(out, "errors");
		int			nok = array_size(ok),
					nbad = array_size(bad);

		if (nok < 0 || nbad < 0)
			finding("the answer lacks the successes or errors array", NULL);
		if (nok + nbad > events)
			finding("the answer has more results than the batch has events", NULL);
		check_items(ok, 201);
		check_items(bad, 400);
	}
	else
	{
		JsonbValue *ps = key_of(out, "partialSuccess");

		if (JB_ROOT_COUNT(out) > 1 || (JB_ROOT_COUNT(out) == 1 && ps == NULL))
			finding("the answer is neither {} nor {\"partialSuccess\": ...}", NULL);
		if (ps != NULL)
		{
			JsonbValue	k,
					   *n;
			long		rejected;

			k.type = jbvString;
			k.val.string.val = "rejectedSpans";
			k.val.string.len = 13;
			if (ps->type != jbvBinary ||
				(n = findJsonbValueFromContainer(ps->val.binary.data, JB_FOBJECT, &k)) == NULL ||
				n->type != jbvString)
				finding("partialSuccess has no rejectedSpans string", NULL);
			rejected = strtol(pnstrdup(n->val.string.val, n->val.string.len), NULL, 10);
			if (rejected < 0 || rejected > count_spans(in))
				finding("rejectedSpans is more than the spans sent", NULL);
		}
	}
}

/* Is this a payload whose envelope the function accepts? */
static bool
envelope_ok(Jsonb *in)
{
	JsonbValue *v;

	if (!JB_ROOT_IS_OBJECT(in) || JB_ROOT_IS_SCALAR(in))
		return false;
	if (target == TARGET_INGEST)
		return array_size(key_of(in, "batch")) >= 0;
	v = key_of(in, "resourceSpans");
	return v == NULL || array_size(v) >= 0;
}

static void
run_sql(const char *sql, int expect)
{
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		finding("SPI_connect failed", NULL);
	rc = SPI_execute(sql, false, 0);
	if (rc != expect)
		finding("a maintenance statement failed", sql);
	if (expect == SPI_OK_SELECT && SPI_processed > 0)
	{
		StringInfoData s;

		initStringInfo(&s);
		for (uint64 i = 0; i < SPI_processed && i < 20; i++)
		{
			char	   *row = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

			appendStringInfo(&s, "%s\n  ", row ? row : "NULL");
		}
		finding("usertrack.verify() is not empty", s.data);
	}
	SPI_finish();
}

/* verify(), then a fresh start in a new transaction */
static void
verify_and_reset(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		MemoryContextSwitchTo(input_cxt);
		run_sql("SELECT v::text FROM usertrack.verify() AS v", SPI_OK_SELECT);
		run_sql("TRUNCATE usertrack.traces, usertrack.observations, usertrack.scores", SPI_OK_UTILITY);
		MemoryContextSwitchTo(cxt);
		SPI_commit();			/* on the procedure's own, non-atomic connection */
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(input_cxt);
		e = CopyErrorData();
		finding("verify(), the truncation or the commit failed", e->message);
	}
	PG_END_TRY();
	check_leaks();
	if (inputs / verify_every % 10 == 0 || verify_every < FUZZ_VERIFY_EVERY)
		fprintf(stderr, "usertrack fuzz: %ld inputs, %ld without error, verify() empty\n",
				inputs, landed);
	for (long i = 0; i < since_reset; i++)
		free(history[i]);
	since_reset = 0;
	MemoryContextReset(input_cxt);
}

/*
 * The target "observation": a trace (one of 13, so traces move between
 * users as inputs come) upserted with the input's user_id, and a new
 * observation of it with the input's model, model_parameters, token counts
 * and usage_details, as an application would write them.
 */
static void
write_observation(Jsonb *in)
{
	static const char *const sql[] = {
		"INSERT INTO usertrack.traces (id, user_id, session_id, \"timestamp\")"
		" SELECT 't' || ($2 % 13), j->>'user_id', j->>'session_id',"
		"        timestamptz '2026-01-01 00:00+00' + ($2 % 5000) * interval '7 minutes'"
		"   FROM (SELECT $1 AS j) s"
		" ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, session_id = excluded.session_id",
		"INSERT INTO usertrack.observations (id, trace_id, type, model, start_time, end_time,"
		"       model_parameters, input_tokens, output_tokens, total_tokens, usage_details,"
		"       input_cost, total_cost, level)"
		" SELECT 'o' || $2, 't' || ($2 % 13), COALESCE(j->>'type', 'GENERATION'), j->>'model',"
		"        timestamptz '2026-01-01 00:00+00' + ($2 % 5000) * interval '7 minutes',"
		"        timestamptz '2026-01-01 00:00+00' + ($2 % 5000) * interval '7 minutes'"
		"          + ($2 % 9) * interval '150 ms',"
		"        j->'model_parameters', (j->>'input_tokens')::bigint, (j->>'output_tokens')::bigint,"
		"        (j->>'total_tokens')::bigint, j->'usage_details', (j->>'input_cost')::numeric,"
		"        (j->>'total_cost')::numeric, COALESCE(j->>'level', 'DEFAULT')"
		"   FROM (SELECT $1 AS j) s"
	};
	Oid			types[2] = {JSONBOID, INT8OID};
	Datum		args[2] = {JsonbPGetDatum(in), Int64GetDatum(since_reset)};

	if (SPI_connect() != SPI_OK_CONNECT)
		finding("SPI_connect failed", NULL);
	for (int i = 0; i < 2; i++)
		if (SPI_execute_with_args(sql[i], 2, types, args, NULL, false, 0) != SPI_OK_INSERT)
			finding("an INSERT did not report SPI_OK_INSERT", sql[i]);
	SPI_finish();
}

static int
fuzz_one(const uint8_t *data, size_t size)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;	/* the transaction's */
	Jsonb	   *volatile in = NULL;
	Snapshot	mine;

	if (!pg_verifymbstr((const char *) data, (int) Min(size, (size_t) INT_MAX), true))
		return -1;				/* not an input: do not add it to the corpus */
	inputs++;
	history[since_reset] = malloc(size + 1);
	memcpy(history[since_reset], data, size);
	history_len[since_reset++] = size;

	/* after a commit in a procedure there is no snapshot until one is made */
	PushActiveSnapshot(GetTransactionSnapshot());
	mine = GetActiveSnapshot();
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(input_cxt);
	PG_TRY();
	{
		char	   *text = palloc(size + 1);
		Jsonb	   *out;

		memcpy(text, data, size);
		text[size] = '\0';
		in = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
		if (target == TARGET_OBSERVATION)
			write_observation(in);
		else
		{
			out = DatumGetJsonbP(FunctionCall1(&target_fn, JsonbPGetDatum(in)));
			check_answer(in, out);
		}
		ReleaseCurrentSubTransaction();
		landed++;
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(input_cxt);
		e = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();

		if (e->sqlerrcode == ERRCODE_INTERNAL_ERROR ||
			e->sqlerrcode == ERRCODE_DATA_CORRUPTED ||
			e->sqlerrcode == ERRCODE_INDEX_CORRUPTED)
			finding("an internal error escaped", e->message);
		if (strict && in != NULL)
			finding("the canary: an error escaped, as planted", e->message);
		if (in != NULL)			/* JSON that parsed: the call under test failed */
		{
			bool		allowed;

			if (target == TARGET_OBSERVATION)
				allowed = ERRCODE_TO_CATEGORY(e->sqlerrcode) == ERRCODE_DATA_EXCEPTION ||
					ERRCODE_TO_CATEGORY(e->sqlerrcode) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
					ERRCODE_TO_CATEGORY(e->sqlerrcode) == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			else if (!envelope_ok(in))
				allowed = e->sqlerrcode == ERRCODE_INVALID_PARAMETER_VALUE;
			else
				allowed = ERRCODE_TO_CATEGORY(e->sqlerrcode) == ERRCODE_PROGRAM_LIMIT_EXCEEDED;

			if (!allowed)
				finding(psprintf("an error escaped with SQLSTATE %s", unpack_sql_state(e->sqlerrcode)),
						psprintf("%s%s%s", e->message, e->detail ? " DETAIL: " : "",
								 e->detail ? e->detail : ""));
		}
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (GetActiveSnapshot() != mine)
		finding("an active snapshot leaked", NULL);
	PopActiveSnapshot();
	MemoryContextReset(input_cxt);
	check_leaks();
	if (since_reset >= verify_every)
		verify_and_reset();
	return 0;
}

PG_FUNCTION_INFO_V1(usertrack_fuzz_run);

/*
 * PROCEDURE usertrack_fuzz_run(target text, args text[]), called with CALL
 * outside a transaction block: runs libFuzzer with the command-line
 * arguments args (corpus directories, -max_total_time and so on).
 * libFuzzer ends the process when it is done; this returns only if the
 * driver does.
 */
Datum
usertrack_fuzz_run(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ArrayType  *args = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *nulls;
	int			nargs;
	int			argc;
	char	  **argv;
	const char *signature;

	if (strcmp(name, "ingest") == 0)
	{
		target = TARGET_INGEST;
		signature = "usertrack.ingest(jsonb)";
	}
	else if (strcmp(name, "canary") == 0)
	{
		/* ingest() with an oracle that lets no error pass (scripts/fuzz.sh) */
		target = TARGET_INGEST;
		strict = true;
		signature = "usertrack.ingest(jsonb)";
	}
	else if (strcmp(name, "observation") == 0)
	{
		target = TARGET_OBSERVATION;
		signature = NULL;		/* no function: INSERTs (write_observation) */
	}
	else if (strcmp(name, "ingest_otlp") == 0)
	{
		target = TARGET_OTLP;
		signature = "usertrack.ingest_otlp(jsonb)";
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown fuzz target \"%s\"", name),
				 errhint("The targets are ingest, ingest_otlp, observation and canary.")));
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("usertrack_fuzz_run must be called with CALL outside a transaction block")));
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	if (signature != NULL)
		fmgr_info_cxt(DatumGetObjectId(DirectFunctionCall1(regprocedurein, CStringGetDatum(signature))),
					  &target_fn, TopMemoryContext);
	input_cxt = AllocSetContextCreate(TopMemoryContext, "usertrack fuzz input", ALLOCSET_DEFAULT_SIZES);

	deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nargs);
	argv = palloc0(sizeof(char *) * (nargs + 2));
	argv[0] = "usertrack-fuzz";
	for (int i = 0; i < nargs; i++)
	{
		argv[i + 1] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
		if (strncmp(argv[i + 1], "-artifact_prefix=", 17) == 0)
			artifact_prefix = argv[i + 1] + 17;
	}
	argc = nargs + 1;
	if (getenv("USERTRACK_FUZZ_VERIFY_EVERY") != NULL)
		verify_every = Max(atol(getenv("USERTRACK_FUZZ_VERIFY_EVERY")), 1);
	history = malloc(sizeof(char *) * verify_every);
	history_len = malloc(sizeof(size_t) * verify_every);
	if (history == NULL || history_len == NULL)
		elog(ERROR, "out of memory");
	prev_log_hook = emit_log_hook;
	emit_log_hook = fuzz_log_hook;

	fprintf(stderr, "usertrack fuzz: target %s\n",
			signature ? signature : "INSERT INTO usertrack.traces and usertrack.observations");
	LLVMFuzzerRunDriver(&argc, &argv, fuzz_one);
	fprintf(stderr, "usertrack fuzz: %ld inputs, %ld called without error\n", inputs, landed);
	SPI_finish();
	PG_RETURN_VOID();
}
