/*
 * validate.c
 *
 * Validation of input rows.  Each input table has one CHECK constraint that
 * calls one of these functions with the columns to check.  A plain CHECK
 * could only report the name of the constraint; these raise an error whose
 * detail names the row (by id) and the column, and return true otherwise.
 * They run once per inserted or updated row, so they stay cheap: no catalog
 * access, no allocation on the success path.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "usertrack.h"

PG_FUNCTION_INFO_V1(usertrack_trace_is_valid);
PG_FUNCTION_INFO_V1(usertrack_observation_is_valid);
PG_FUNCTION_INFO_V1(usertrack_score_is_valid);

static const char *const observation_types[] = {
	"SPAN", "GENERATION", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER",
	"EVALUATOR", "EMBEDDING", "GUARDRAIL", NULL
};
static const char *const observation_levels[] = {
	"DEBUG", "DEFAULT", "WARNING", "ERROR", NULL
};
static const char *const score_data_types[] = {
	"NUMERIC", "BOOLEAN", "CATEGORICAL", NULL
};
static const char *const score_sources[] = {
	"API", "ANNOTATION", "EVAL", NULL
};

/*
 * UTC calendar day of a timestamp, as a date.  Both count from 2000-01-01,
 * so this is a floor division.
 */
DateADT
usertrack_utc_day(TimestampTz ts)
{
	int64		days = ts / USECS_PER_DAY;

	if (ts % USECS_PER_DAY < 0)
		days--;
	return (DateADT) days;
}

/* The start of the 15-minute usage bucket of a timestamp. */
TimestampTz
usertrack_bucket(TimestampTz ts)
{
	int64		r = ts % USERTRACK_BUCKET_USECS;

	if (r < 0)
		r += USERTRACK_BUCKET_USECS;
	return ts - r;
}

/*
 * A value as an error message shows it: at most max bytes (whole
 * characters), with "..." when it was cut.
 */
char *
usertrack_clip(const char *s, int max)
{
	int			len = strlen(s);

	if (len <= max)
		return pstrdup(s);
	return psprintf("%.*s...", pg_mbcliplen(s, len, max), s);
}

/*
 * How a row is named in error details: its kind and id, the id shortened
 * when it is itself too long to print usefully.
 */
static char *
row_name(const char *kind, text *id)
{
	if (id == NULL)
		return psprintf("%s with NULL id", kind);
	return psprintf("%s \"%s\"", kind, usertrack_clip(text_to_cstring(id), 64));
}

static void
check_id(const char *kind, const char *table, text *id, const char *column,
		 text *value, bool required)
{
	int			len;

	if (value == NULL)
		return;
	len = VARSIZE_ANY_EXHDR(value);
	if (len == 0 && required)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("empty %s in %s", column, table),
				 errdetail("%s has an empty %s.", row_name(kind, id), column),
				 errhint("Ids are strings of 1 to %d bytes.",
						 USERTRACK_MAX_ID_BYTES)));
	if (len > USERTRACK_MAX_ID_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("value too long for column %s of %s", column, table),
				 errdetail("%s: %s is %d bytes long; at most %d bytes are allowed.",
						   row_name(kind, id), column, len,
						   USERTRACK_MAX_ID_BYTES)));
}

static void
check_time(const char *kind, const char *table, text *id, const char *column,
		   bool isnull, TimestampTz value)
{
	if (isnull || !TIMESTAMP_NOT_FINITE(value))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("infinite %s in %s", column, table),
			 errdetail("%s has %s = %s.", row_name(kind, id), column,
					   TIMESTAMP_IS_NOBEGIN(value) ? "-infinity" : "infinity"),
			 errhint("Use a finite timestamp.")));
}

static void
check_keyword(const char *kind, const char *table, text *id,
			  const char *column, text *value, const char *const *allowed)
{
	char	   *s;
	StringInfoData list;

	if (value == NULL)
		return;
	s = text_to_cstring(value);
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(s, *a) == 0)
			return;

	initStringInfo(&list);
	for (const char *const *a = allowed; *a; a++)
		appendStringInfo(&list, "%s%s", a == allowed ? "" : ", ", *a);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("invalid %s \"%s\" in %s", column, s, table),
			 errdetail("%s has %s = \"%s\".", row_name(kind, id), column, s),
			 errhint("Use one of %s (upper case).", list.data)));
}

static void
check_count(const char *kind, const char *table, text *id, const char *column,
			bool isnull, int64 value)
{
	if (isnull || value >= 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("negative %s in %s", column, table),
			 errdetail("%s has %s = " INT64_FORMAT ".", row_name(kind, id),
					   column, value),
			 errhint("Token counts are zero or more; leave the column NULL when unknown.")));
}

static void
check_cost(const char *kind, const char *table, text *id, const char *column,
		   bool isnull, Numeric value)
{
	const char *problem = NULL;

	if (isnull)
		return;
	if (numeric_is_nan(value))
		problem = "NaN";
#if PG_VERSION_NUM >= 140000
	else if (numeric_is_inf(value))
		problem = "infinite";
#endif
	else if (DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(value),
											  DirectFunctionCall1(int4_numeric,
															  Int32GetDatum(0)))))
		problem = "negative";
	if (problem == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("%s %s in %s", problem, column, table),
			 errdetail("%s has %s = %s.", row_name(kind, id), column,
					   DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(value)))),
			 errhint("Costs are finite amounts of zero or more; leave the column NULL when unknown.")));
}

#define ARG_TEXT(n)		(PG_ARGISNULL(n) ? NULL : PG_GETARG_TEXT_PP(n))

/*
 * trace_is_valid(id, user_id, session_id, timestamp)
 */
Datum
usertrack_trace_is_valid(PG_FUNCTION_ARGS)
{
	const char *kind = "Trace";
	const char *table = "usertrack.traces";
	text	   *id = ARG_TEXT(0);

	check_id(kind, table, id, "id", id, true);
	check_id(kind, table, id, "user_id", ARG_TEXT(1), false);
	check_id(kind, table, id, "session_id", ARG_TEXT(2), false);
	check_time(kind, table, id, "timestamp", PG_ARGISNULL(3),
			   PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3));
	PG_RETURN_BOOL(true);
}

/*
 * observation_is_valid(id, trace_id, parent_observation_id, type, level,
 *     start_time, end_time, completion_start_time,
 *     input_tokens, output_tokens, total_tokens,
 *     input_cost, output_cost, total_cost,
 *     computed_input_cost, computed_output_cost, computed_total_cost)
 */
Datum
usertrack_observation_is_valid(PG_FUNCTION_ARGS)
{
	const char *kind = "Observation";
	const char *table = "usertrack.observations";
	text	   *id = ARG_TEXT(0);
	static const char *const token_columns[] = {
		"input_tokens", "output_tokens", "total_tokens"
	};
	static const char *const cost_columns[] = {
		"input_cost", "output_cost", "total_cost",
		"computed_input_cost", "computed_output_cost", "computed_total_cost"
	};
	static const char *const time_columns[] = {
		"start_time", "end_time", "completion_start_time"
	};

	check_id(kind, table, id, "id", id, true);
	check_id(kind, table, id, "trace_id", ARG_TEXT(1), true);
	check_id(kind, table, id, "parent_observation_id", ARG_TEXT(2), false);
	check_keyword(kind, table, id, "type", ARG_TEXT(3), observation_types);
	check_keyword(kind, table, id, "level", ARG_TEXT(4), observation_levels);
	for (int i = 0; i < 3; i++)
		check_time(kind, table, id, time_columns[i], PG_ARGISNULL(5 + i),
				   PG_ARGISNULL(5 + i) ? 0 : PG_GETARG_TIMESTAMPTZ(5 + i));
	for (int i = 0; i < 3; i++)
		check_count(kind, table, id, token_columns[i], PG_ARGISNULL(8 + i),
					PG_ARGISNULL(8 + i) ? 0 : PG_GETARG_INT64(8 + i));
	for (int i = 0; i < 6; i++)
		check_cost(kind, table, id, cost_columns[i], PG_ARGISNULL(11 + i),
				   PG_ARGISNULL(11 + i) ? NULL : PG_GETARG_NUMERIC(11 + i));
	PG_RETURN_BOOL(true);
}

/*
 * score_is_valid(id, trace_id, observation_id, session_id, value,
 *     string_value, data_type, source, timestamp)
 */
Datum
usertrack_score_is_valid(PG_FUNCTION_ARGS)
{
	const char *kind = "Score";
	const char *table = "usertrack.scores";
	text	   *id = ARG_TEXT(0);
	text	   *data_type = ARG_TEXT(6);
	bool		value_null = PG_ARGISNULL(4);
	float8		value = value_null ? 0 : PG_GETARG_FLOAT8(4);
	char	   *dt;

	check_id(kind, table, id, "id", id, true);
	check_id(kind, table, id, "trace_id", ARG_TEXT(1), false);
	check_id(kind, table, id, "observation_id", ARG_TEXT(2), false);
	check_id(kind, table, id, "session_id", ARG_TEXT(3), false);
	check_keyword(kind, table, id, "data_type", data_type, score_data_types);
	check_keyword(kind, table, id, "source", ARG_TEXT(7), score_sources);
	check_time(kind, table, id, "timestamp", PG_ARGISNULL(8),
			   PG_ARGISNULL(8) ? 0 : PG_GETARG_TIMESTAMPTZ(8));

	if (!value_null && !isfinite(value))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("non-finite value in %s", table),
				 errdetail("%s has value = %s.", row_name(kind, id),
						   isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")),
				 errhint("Score values are finite numbers.")));

	if (data_type == NULL)
		PG_RETURN_BOOL(true);
	dt = text_to_cstring(data_type);
	if ((strcmp(dt, "NUMERIC") == 0 || strcmp(dt, "BOOLEAN") == 0) && value_null)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("missing value of a %s score in %s", dt, table),
				 errdetail("%s has data_type = \"%s\" and value = NULL.",
						   row_name(kind, id), dt),
				 errhint("%s scores carry their value in column value.", dt)));
	if (strcmp(dt, "BOOLEAN") == 0 && value != 0 && value != 1)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("invalid value of a BOOLEAN score in %s", table),
				 errdetail("%s has data_type = \"BOOLEAN\" and value = %g.",
						   row_name(kind, id), value),
				 errhint("BOOLEAN scores have value 0 or 1.")));
	if (strcmp(dt, "CATEGORICAL") == 0 && PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("missing string_value of a CATEGORICAL score in %s", table),
				 errdetail("%s has data_type = \"CATEGORICAL\" and string_value = NULL.",
						   row_name(kind, id)),
				 errhint("CATEGORICAL scores carry their category in column string_value.")));
	PG_RETURN_BOOL(true);
}
