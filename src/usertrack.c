/*
 * usertrack.c
 *
 * Module entry: the module magic, the ExecutorFinish hook that lets all
 * the trigger firings of one statement be applied together, and _PG_init,
 * which installs it, defines usertrack.maintenance and reserves the
 * "usertrack." prefix for the extension's settings.  The triggers live in capture.c, the summary writer
 * in summaries.c, row validation in validate.c.
 */
#include "postgres.h"

#include "executor/executor.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "usertrack.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

int			usertrack_maintenance = MAINTENANCE_IMMEDIATE;

static const struct config_enum_entry maintenance_options[] = {
	{"immediate", MAINTENANCE_IMMEDIATE, false},
	{"deferred", MAINTENANCE_DEFERRED, false},
	{NULL, 0, false}
};

/*
 * A statement's AFTER triggers fire in ExecutorFinish.  Open a frame around
 * them, so that all the firings of one statement collect their changes, and
 * apply those once when they have all run.
 */
static void
usertrack_ExecutorFinish(QueryDesc *queryDesc)
{
	ChangeFrame frame;

	push_change_frame(&frame);
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
		apply_change_frame(&frame);
	}
	PG_FINALLY();
	{
		pop_change_frame(&frame);
	}
	PG_END_TRY();
}

void
_PG_init(void)
{
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = usertrack_ExecutorFinish;

	DefineCustomEnumVariable("usertrack.maintenance",
							 "How a write keeps the per-user totals: immediate or deferred.",
							 "immediate updates the per-user, per-session and per-day rows "
							 "in the writing transaction; deferred appends the changes to "
							 "usertrack.pending_deltas, which CALL usertrack.refresh() folds "
							 "in.  The views are exact in both modes.",
							 &usertrack_maintenance,
							 MAINTENANCE_IMMEDIATE,
							 maintenance_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("usertrack");
#else
	EmitWarningsOnPlaceholders("usertrack");
#endif
}

/*
 * usertrack.library_version(): the version of this shared library, which
 * `make install` replaces at once in every database, while each database's
 * SQL objects stay at their version until ALTER EXTENSION usertrack UPDATE.
 * usertrack.version() compares the two.
 */
PG_FUNCTION_INFO_V1(usertrack_library_version);
Datum
usertrack_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(USERTRACK_VERSION));
}
