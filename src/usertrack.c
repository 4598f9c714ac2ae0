/*
 * usertrack.c
 *
 * Module entry: the module magic and _PG_init, which reserves the
 * "usertrack." prefix for the extension's settings.  The triggers live in
 * capture.c, the summary writer in summaries.c, row validation in
 * validate.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "usertrack.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("usertrack");
#else
	EmitWarningsOnPlaceholders("usertrack");
#endif
}
