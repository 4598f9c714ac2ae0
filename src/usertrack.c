/*
 * usertrack.c
 *
 * Module entry: the module magic, the ExecutorFinish hook that lets all
 * the trigger firings of one statement be applied together, and _PG_init,
 * which installs it and reserves the "usertrack." prefix for the
 * extension's settings.  The triggers live in capture.c, the summary writer
 * in summaries.c, row validation in validate.c.
 */
#include "postgres.h"

#include "executor/executor.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "usertrack.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

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

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("usertrack");
#else
	EmitWarningsOnPlaceholders("usertrack");
#endif
}
