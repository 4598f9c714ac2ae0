/*
 * prices.c
 *
 * Model prices.  usertrack.model_prices holds one row per pricing tier of a
 * price version; a version is the rows sharing (model_name, source,
 * start_date, match_pattern).  This file keeps a per-backend cache of the
 * table with its patterns compiled, and uses it to price observations:
 *
 *  - usertrack.observation_cost(), a BEFORE ROW trigger on observations,
 *    stores each observation's computed cost beside the cost its client
 *    supplied;
 *  - usertrack.compute_cost() answers the same question for any values;
 *  - usertrack.recalculate_costs() recomputes stored computed costs with
 *    today's table, through an UPDATE, so that every total follows;
 *  - usertrack.model_prices_check() validates price rows and keeps the
 *    shipped rows read-only; usertrack.model_prices_changed() makes every
 *    backend drop its cache when the table changes.
 *
 * The cache is dropped by a relcache invalidation of the price table.  Data
 * changes send none by themselves, so the statement trigger on the table
 * queues one: other backends receive it when the change commits, this
 * backend at the end of the statement (and again at abort, undoing it).
 * Each observation statement accepts pending invalidations before it prices
 * its first row.
 *
 * Choice of a price for an observation with model M at time T:
 *  1. versions whose pattern matches M (case-insensitively) and whose
 *     start_date is not after T;
 *  2. among them: a version whose model_name equals M (ignoring ASCII case)
 *     first, then the longer pattern (the more specific), then the
 *     operator's rows before the shipped ones, then the latest start_date,
 *     then the lowest id;
 *  3. in that version, the first tier (by tier_priority, then name) whose
 *     conditions hold, else the tier without conditions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "usertrack.h"

PG_FUNCTION_INFO_V1(usertrack_observation_cost);
PG_FUNCTION_INFO_V1(usertrack_compute_cost);
PG_FUNCTION_INFO_V1(usertrack_recalculate_costs);
PG_FUNCTION_INFO_V1(usertrack_model_prices_check);
PG_FUNCTION_INFO_V1(usertrack_model_prices_changed);

/* Shipped rows have ids below this; the identity of operator rows starts above. */
#define FIRST_OPERATOR_PRICE_ID INT64CONST(1000000)

/* Longest model name remembered by the per-model memo (longer: not memoised). */
#define MEMO_KEY_BYTES 256
/* The memo is emptied when it grows past this many model names. */
#define MEMO_MAX_ENTRIES 4096

typedef enum CompareOp
{
	OP_GT, OP_GE, OP_LT, OP_LE, OP_EQ, OP_NE
} CompareOp;

static const char *const compare_ops[] = {">", ">=", "<", "<=", "=", "<>", NULL};

/* Remembered answers of a tier's usage pattern, per usage kind name. */
#define TIER_MEMO_KEYS 16

typedef struct PriceTier
{
	int64		id;
	char	   *name;
	bool		has_usage_condition;
	regex_t    *usage_re;
	int			nmemo;			/* usage kinds whose match is remembered */
	char	   *memo_keys[TIER_MEMO_KEYS];
	bool		memo_match[TIER_MEMO_KEYS];
	CompareOp	usage_op;
	Numeric		usage_threshold;
	char	   *param_key;
	int			nparam_values;
	char	  **param_values;
	Numeric		input_price;	/* NULL: no price */
	Numeric		output_price;
	int			nprices;		/* other usage kinds, sorted by key (strcmp) */
	char	  **price_keys;
	Numeric    *prices;
} PriceTier;

typedef struct PriceVersion
{
	char	   *model_name;
	char	   *pattern;
	regex_t    *re;
	bool		operator_row;
	TimestampTz start;
	int64		min_id;
	int			ntiers;			/* conditional tiers in order, then the default */
	PriceTier  *tiers;
} PriceVersion;

typedef struct MemoEntry
{
	char		model[MEMO_KEY_BYTES];
	int			n;
	int		   *versions;		/* indexes into cache.versions, best first */
} MemoEntry;

static struct
{
	bool		valid;
	Oid			relid;			/* usertrack.model_prices when loaded */
	uint64		invalidations;	/* invalidations received so far */
	MemoryContext cxt;
	int			nversions;
	PriceVersion *versions;
	HTAB	   *memo;
	int			nregex;			/* compiled patterns, freed on reset */
	int			regex_cap;
	regex_t   **regex;
	bool		callback_registered;
} cache;

/* set by recalculate_costs(): the trigger recomputes every row it sees */
static bool force_recompute = false;

/*
 * Names the row that an error is about, only when there is an error: an
 * observation by its id, or a fixed phrase.
 */
typedef struct RowRef
{
	HeapTuple	tup;
	TupleDesc	desc;
	int			id_att;
	const char *fixed;
} RowRef;

static char *
row_ref_name(const RowRef *r)
{
	bool		isnull;
	Datum		d;
	char	   *s;

	if (r->fixed)
		return pstrdup(r->fixed);
	d = heap_getattr(r->tup, r->id_att, r->desc, &isnull);
	if (isnull)
		return pstrdup("Observation with NULL id");
	s = TextDatumGetCString(d);
	if (strlen(s) > 64)
	{
		s[pg_mbcliplen(s, strlen(s), 64)] = '\0';
		return psprintf("Observation \"%s...\"", s);
	}
	return psprintf("Observation \"%s\"", s);
}

/* One usage kind and its units. */
typedef struct UsageMap
{
	int			n;
	int			cap;
	char	  **keys;
	Numeric    *units;
} UsageMap;

/*
 * The result of pricing: priced with a cost, or examined (a model and usage)
 * without a price, which is stored as price_id 0 so that a restore keeps it
 * unpriced, or nothing to price (all NULL).
 */
typedef struct CostResult
{
	bool		examined;
	bool		priced;
	Numeric		input_cost;
	Numeric		output_cost;
	Numeric		total_cost;
	int64		price_id;
	int			nunpriced;
	char	  **unpriced;
} CostResult;

/* ---------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------
 */

/* A zero, made once per backend (functions below never modify it). */
static Numeric
numeric_zero(void)
{
	static Numeric zero = NULL;

	if (zero == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		zero = int64_to_numeric(0);
		MemoryContextSwitchTo(old);
	}
	return zero;
}

static Numeric
num_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static Numeric
num_mul(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static int
num_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

static char *
num_text(Numeric n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
}

/* Does s contain word, ignoring ASCII case? */
static bool
contains_ci(const char *s, const char *word)
{
	size_t		wl = strlen(word);

	for (; *s; s++)
		if (pg_strncasecmp(s, word, wl) == 0)
			return true;
	return false;
}

/*
 * Compiles a pattern case-insensitively, as an advanced regular expression
 * with the C collation (ASCII case folding, the same in every database).
 * Returns the error code; *msg gets the message on failure.
 */
static int
compile_pattern(regex_t *re, const char *pattern, char **msg)
{
	int			len = strlen(pattern);
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(pattern, w, len);
	int			rc = pg_regcomp(re, w, wlen, REG_ADVANCED | REG_ICASE,
								C_COLLATION_OID);

	pfree(w);
	if (rc != REG_OKAY && msg)
	{
		char		buf[256];

		pg_regerror(rc, re, buf, sizeof(buf));
		*msg = pstrdup(buf);
	}
	return rc;
}

static bool
pattern_matches(regex_t *re, const char *s)
{
	int			len = strlen(s);
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(s, w, len);
	int			rc = pg_regexec(re, w, wlen, 0, NULL, 0, NULL, 0);

	pfree(w);
	if (rc == REG_OKAY)
		return true;
	if (rc != REG_NOMATCH)
	{
		char		buf[256];

		pg_regerror(rc, re, buf, sizeof(buf));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression failed: %s", buf)));
	}
	return false;
}

/* ---------------------------------------------------------------------
 * The cache
 * ---------------------------------------------------------------------
 */

static void
cache_reset(void)
{
	for (int i = 0; i < cache.nregex; i++)
		pg_regfree(cache.regex[i]);
	cache.nregex = 0;
	cache.regex_cap = 0;
	cache.regex = NULL;
	cache.valid = false;
	cache.nversions = 0;
	cache.versions = NULL;
	cache.memo = NULL;
	if (cache.cxt)
		MemoryContextReset(cache.cxt);
}

static void
cache_invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == cache.relid)
	{
		/* the memory goes at the next load: this may run inside a query */
		cache.valid = false;
		cache.invalidations++;
	}
}

/* A compiled pattern kept in the cache; an error here names the price row. */
static regex_t *
cache_compile(const char *pattern, int64 id, const char *column)
{
	regex_t    *re = MemoryContextAlloc(cache.cxt, sizeof(regex_t));
	char	   *msg = NULL;

	if (cache.nregex == cache.regex_cap)
	{
		int			cap = cache.regex_cap ? cache.regex_cap * 2 : 64;
		regex_t   **a = MemoryContextAlloc(cache.cxt, cap * sizeof(regex_t *));

		if (cache.nregex)
			memcpy(a, cache.regex, cache.nregex * sizeof(regex_t *));
		cache.regex = a;
		cache.regex_cap = cap;
	}
	if (compile_pattern(re, pattern, &msg) != REG_OKAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression in usertrack.model_prices: %s", msg),
				 errdetail("Price row %lld has %s = '%s'.", (long long) id, column,
						   pattern)));
	cache.regex[cache.nregex++] = re;
	return re;
}

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, desc, col, isnull);

	return *isnull ? NULL : MemoryContextStrdup(cache.cxt, TextDatumGetCString(d));
}

static Numeric
spi_numeric(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	MemoryContext old;
	Numeric		n;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(cache.cxt);
	n = DatumGetNumericCopy(d);
	MemoryContextSwitchTo(old);
	return n;
}

/* Elements of a text[] or numeric[] column, copied into the cache. */
static int
spi_array(HeapTuple tup, TupleDesc desc, int col, Oid elemtype, Datum **out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	*out = NULL;
	if (isnull)
		return 0;
	a = DatumGetArrayTypeP(d);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	*out = MemoryContextAlloc(cache.cxt, Max(n, 1) * sizeof(Datum));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			elog(ERROR, "usertrack: NULL element in a price array");
		if (elemtype == TEXTOID)
			(*out)[i] = PointerGetDatum(MemoryContextStrdup(cache.cxt,
															TextDatumGetCString(elems[i])));
		else
		{
			MemoryContext old = MemoryContextSwitchTo(cache.cxt);

			(*out)[i] = NumericGetDatum(DatumGetNumericCopy(elems[i]));
			MemoryContextSwitchTo(old);
		}
	}
	return n;
}

static CompareOp
parse_op(const char *s)
{
	for (int i = 0; compare_ops[i]; i++)
		if (strcmp(s, compare_ops[i]) == 0)
			return (CompareOp) i;
	elog(ERROR, "usertrack: unknown usage_operator \"%s\"", s);
	return OP_GT;				/* keep compiler quiet */
}

static void
cache_load(void)
{
	static const char *query =
		"SELECT id, model_name, match_pattern, start_date,"
		"       source OPERATOR(pg_catalog.=) 'operator',"
		"       tier, usage_pattern, usage_operator, usage_threshold,"
		"       parameter_key, parameter_values, input_price, output_price,"
		"       ARRAY(SELECT k FROM pg_catalog.jsonb_object_keys(usage_prices) k"
		"              ORDER BY k COLLATE \"C\"),"
		"       ARRAY(SELECT (usage_prices OPERATOR(pg_catalog.->>) k)::pg_catalog.numeric"
		"               FROM pg_catalog.jsonb_object_keys(usage_prices) k"
		"              ORDER BY k COLLATE \"C\")"
		"  FROM usertrack.model_prices"
		" ORDER BY model_name COLLATE \"C\", source COLLATE \"C\", start_date,"
		"          match_pattern COLLATE \"C\","
		"          (usage_pattern IS NULL AND parameter_key IS NULL),"
		"          tier_priority, tier COLLATE \"C\", id";
	Oid			nsp;
	uint64		nrows;
	TupleDesc	desc;
	PriceVersion *cur = NULL;
	HASHCTL		ctl;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	uint64		invalidations_before;

	if (!cache.callback_registered)
	{
		CacheRegisterRelcacheCallback(cache_invalidate, (Datum) 0);
		cache.callback_registered = true;
	}
	if (cache.cxt == NULL)
		cache.cxt = AllocSetContextCreate(CacheMemoryContext,
										  "usertrack price cache",
										  ALLOCSET_DEFAULT_SIZES);
	cache_reset();
	invalidations_before = cache.invalidations;

	nsp = get_namespace_oid("usertrack", false);
	cache.relid = get_relname_relid("model_prices", nsp);
	if (!OidIsValid(cache.relid))
		elog(ERROR, "usertrack: table usertrack.model_prices is missing");

	/*
	 * Read the table as the extension owner, with search_path pinned: a
	 * writer needs no right on it, and nothing it creates can stand in for
	 * what the query names.  An error is cleaned up by (sub)transaction
	 * abort.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(usertrack_extension_owner(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usertrack: SPI_connect failed");
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "usertrack: could not read usertrack.model_prices");
	nrows = SPI_processed;
	desc = SPI_tuptable->tupdesc;

	/* at most one version per row */
	cache.versions = MemoryContextAllocZero(cache.cxt,
											Max(nrows, 1) * sizeof(PriceVersion));
	for (uint64 r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *model_name = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		char	   *pattern = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		TimestampTz start = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
		bool		operator_row = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		PriceTier  *t;
		char	   *s;
		Datum	   *keys;
		Datum	   *prices;
		int			nkeys;

		if (cur == NULL || strcmp(cur->model_name, model_name) != 0 ||
			cur->operator_row != operator_row || cur->start != start ||
			strcmp(cur->pattern, pattern) != 0)
		{
			cur = &cache.versions[cache.nversions++];
			cur->model_name = MemoryContextStrdup(cache.cxt, model_name);
			cur->pattern = MemoryContextStrdup(cache.cxt, pattern);
			cur->re = cache_compile(pattern, id, "match_pattern");
			cur->operator_row = operator_row;
			cur->start = start;
			cur->min_id = id;
			cur->tiers = MemoryContextAllocZero(cache.cxt, 8 * sizeof(PriceTier));
		}
		else if (cur->ntiers % 8 == 0)
		{
			PriceTier  *a = MemoryContextAllocZero(cache.cxt,
												   (cur->ntiers + 8) * sizeof(PriceTier));

			memcpy(a, cur->tiers, cur->ntiers * sizeof(PriceTier));
			cur->tiers = a;
		}
		cur->min_id = Min(cur->min_id, id);
		t = &cur->tiers[cur->ntiers++];
		t->id = id;
		t->name = spi_text(tup, desc, 6, &isnull);
		s = spi_text(tup, desc, 7, &isnull);
		if (s)
		{
			t->has_usage_condition = true;
			t->usage_re = cache_compile(s, id, "usage_pattern");
			t->usage_op = parse_op(spi_text(tup, desc, 8, &isnull));
			t->usage_threshold = spi_numeric(tup, desc, 9);
		}
		t->param_key = spi_text(tup, desc, 10, &isnull);
		if (t->param_key)
			t->nparam_values = spi_array(tup, desc, 11, TEXTOID,
										 (Datum **) &t->param_values);
		t->input_price = spi_numeric(tup, desc, 12);
		t->output_price = spi_numeric(tup, desc, 13);
		nkeys = spi_array(tup, desc, 14, TEXTOID, &keys);
		if (spi_array(tup, desc, 15, NUMERICOID, &prices) != nkeys)
			elog(ERROR, "usertrack: price keys and values differ in number");
		t->nprices = nkeys;
		t->price_keys = (char **) keys;
		t->prices = (Numeric *) prices;
	}
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MEMO_KEY_BYTES;
	ctl.entrysize = sizeof(MemoEntry);
	ctl.hcxt = cache.cxt;
	cache.memo = hash_create("usertrack price memo", 256, &ctl,
							 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	/*
	 * An invalidation that arrived while the table was read (a change that
	 * committed meanwhile) makes the next use read it again.
	 */
	cache.valid = (cache.invalidations == invalidations_before);
}

/* Is a tier without conditions? */
static bool
tier_is_default(const PriceTier *t)
{
	return !t->has_usage_condition && t->param_key == NULL;
}

typedef struct Candidate
{
	int			version;
	bool		exact;
} Candidate;

static int
candidate_cmp(const void *a, const void *b)
{
	const Candidate *x = a;
	const Candidate *y = b;
	const PriceVersion *vx = &cache.versions[x->version];
	const PriceVersion *vy = &cache.versions[y->version];
	size_t		lx = strlen(vx->pattern);
	size_t		ly = strlen(vy->pattern);

	if (x->exact != y->exact)
		return x->exact ? -1 : 1;
	if (lx != ly)
		return lx > ly ? -1 : 1;
	if (vx->operator_row != vy->operator_row)
		return vx->operator_row ? -1 : 1;
	if (vx->start != vy->start)
		return vx->start > vy->start ? -1 : 1;
	if (vx->min_id != vy->min_id)
		return vx->min_id < vy->min_id ? -1 : 1;
	return 0;
}

/* The versions whose pattern matches a model, best first. */
static int
candidates_for(const char *model, int **out)
{
	size_t		len = strlen(model);
	MemoEntry  *entry = NULL;
	bool		found;
	Candidate  *c;
	int			n = 0;

	if (len < MEMO_KEY_BYTES)
	{
		if (hash_get_num_entries(cache.memo) >= MEMO_MAX_ENTRIES)
		{
			HASHCTL		ctl;

			hash_destroy(cache.memo);
			memset(&ctl, 0, sizeof(ctl));
			ctl.keysize = MEMO_KEY_BYTES;
			ctl.entrysize = sizeof(MemoEntry);
			ctl.hcxt = cache.cxt;
			cache.memo = hash_create("usertrack price memo", 256, &ctl,
									 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		}
		entry = hash_search(cache.memo, model, HASH_FIND, &found);
		if (entry)
		{
			*out = entry->versions;
			return entry->n;
		}
	}

	c = palloc(Max(cache.nversions, 1) * sizeof(Candidate));
	for (int i = 0; i < cache.nversions; i++)
		if (pattern_matches(cache.versions[i].re, model))
		{
			c[n].version = i;
			c[n].exact = pg_strcasecmp(model, cache.versions[i].model_name) == 0;
			n++;
		}
	qsort(c, n, sizeof(Candidate), candidate_cmp);

	*out = MemoryContextAlloc(len < MEMO_KEY_BYTES ? cache.cxt : CurrentMemoryContext,
							  Max(n, 1) * sizeof(int));
	for (int i = 0; i < n; i++)
		(*out)[i] = c[i].version;
	pfree(c);

	if (len < MEMO_KEY_BYTES)
	{
		entry = hash_search(cache.memo, model, HASH_ENTER, &found);
		entry->n = n;
		entry->versions = *out;
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Usage and cost
 * ---------------------------------------------------------------------
 */

static int
usage_find(const UsageMap *u, const char *key)
{
	for (int i = 0; i < u->n; i++)
		if (strcmp(u->keys[i], key) == 0)
			return i;
	return -1;
}

static void
usage_set(UsageMap *u, const char *key, Numeric units)
{
	int			i = usage_find(u, key);

	if (i >= 0)
	{
		u->units[i] = units;
		return;
	}
	if (u->n == u->cap)
	{
		u->cap = u->cap ? u->cap * 2 : 8;
		u->keys = u->keys ? repalloc(u->keys, u->cap * sizeof(char *))
			: palloc(u->cap * sizeof(char *));
		u->units = u->units ? repalloc(u->units, u->cap * sizeof(Numeric))
			: palloc(u->cap * sizeof(Numeric));
	}
	u->keys[u->n] = pstrdup(key);
	u->units[u->n] = units;
	u->n++;
}

/* Is a jsonb value an object (not a scalar, not an array)? */
static bool
jsonb_is_object(Jsonb *j)
{
	return JB_ROOT_IS_OBJECT(j) && !JB_ROOT_IS_SCALAR(j);
}

/* The error for a jsonb column that must hold a JSON object. */
static void not_an_object(Jsonb *j, const char *column, const char *table,
						  const char *row, const char *hint) pg_attribute_noreturn();

static void
not_an_object(Jsonb *j, const char *column, const char *table,
			  const char *row, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("%s of %s is not a JSON object", column, table),
			 errdetail("%s has %s that is a JSON %s.", row, column,
					   JB_ROOT_IS_SCALAR(j) ? "scalar" : "array"),
			 errhint("%s", hint)));
}

/*
 * The next entry of a JSON object being iterated: its key and its value
 * (nested containers are skipped, as jbvBinary).  False at the end.
 */
static bool
object_next(JsonbIterator **it, char **key, JsonbValue *value)
{
	JsonbIteratorToken tok;
	JsonbValue	v;

	while ((tok = JsonbIteratorNext(it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			*key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			*value = v;
			return true;
		}
	}
	return false;
}

/*
 * The usage of an observation, keyed by usage kind: the entries of
 * usage_details, then input, output and total from the token columns where
 * those are set (the columns win), then, when no total is known, the sum
 * of all kinds as total.  Values of usage_details must be numbers of zero or
 * more (JSON null is ignored); anything else is an error naming the row.
 */
static void
build_usage(UsageMap *u, const RowRef *row, Jsonb *details,
			bool in_null, int64 in, bool out_null, int64 out,
			bool total_null, int64 total)
{
	memset(u, 0, sizeof(*u));
	if (details)
	{
		JsonbIterator *it;
		JsonbValue	v;
		char	   *key = NULL;

		if (!jsonb_is_object(details))
			not_an_object(details, "usage_details", "usertrack.observations",
						  row_ref_name(row),
						  "usage_details maps usage kinds to counts, as in {\"input_cached_tokens\": 120}.");
		it = JsonbIteratorInit(&details->root);
		while (object_next(&it, &key, &v))
		{
			if (v.type == jbvNull)
				continue;
			if (v.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("non-numeric usage in usage_details of usertrack.observations"),
						 errdetail("%s has usage_details.%s that is not a number.", row_ref_name(row), key),
						 errhint("usage_details maps usage kinds to counts of zero or more.")));
			if (num_cmp(v.val.numeric, numeric_zero()) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("negative usage in usage_details of usertrack.observations"),
						 errdetail("%s has usage_details.%s = %s.", row_ref_name(row), key,
								   num_text(v.val.numeric)),
						 errhint("usage_details maps usage kinds to counts of zero or more.")));
			if (key[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("empty usage kind in usage_details of usertrack.observations"),
						 errdetail("%s has usage_details with an empty key.", row_ref_name(row))));
			usage_set(u, key, v.val.numeric);
		}
	}
	if (!in_null)
		usage_set(u, "input", int64_to_numeric(in));
	if (!out_null)
		usage_set(u, "output", int64_to_numeric(out));
	if (!total_null)
		usage_set(u, "total", int64_to_numeric(total));
	if (u->n > 0 && usage_find(u, "total") < 0)
	{
		Numeric		sum = numeric_zero();

		for (int i = 0; i < u->n; i++)
			sum = num_add(sum, u->units[i]);
		usage_set(u, "total", sum);
	}
}

static Numeric
tier_price(const PriceTier *t, const char *key)
{
	int			lo = 0,
				hi = t->nprices - 1;

	if (strcmp(key, "input") == 0)
		return t->input_price;
	if (strcmp(key, "output") == 0)
		return t->output_price;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(key, t->price_keys[mid]);

		if (c == 0)
			return t->prices[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Does the tier's usage pattern match a usage kind?  The answer depends on
 * the name only, so the first TIER_MEMO_KEYS names are remembered in the
 * cache (the same few kinds come back on every row).
 */
static bool
usage_kind_matches(PriceTier *t, const char *key)
{
	bool		match;

	for (int i = 0; i < t->nmemo; i++)
		if (strcmp(t->memo_keys[i], key) == 0)
			return t->memo_match[i];
	match = pattern_matches(t->usage_re, key);
	if (t->nmemo < TIER_MEMO_KEYS)
	{
		t->memo_keys[t->nmemo] = MemoryContextStrdup(cache.cxt, key);
		t->memo_match[t->nmemo] = match;
		t->nmemo++;
	}
	return match;
}

static bool
usage_condition_holds(PriceTier *t, const UsageMap *u)
{
	Numeric		sum = numeric_zero();
	int			c;

	for (int i = 0; i < u->n; i++)
		if (usage_kind_matches(t, u->keys[i]))
			sum = num_add(sum, u->units[i]);
	c = num_cmp(sum, t->usage_threshold);
	switch (t->usage_op)
	{
		case OP_GT:
			return c > 0;
		case OP_GE:
			return c >= 0;
		case OP_LT:
			return c < 0;
		case OP_LE:
			return c <= 0;
		case OP_EQ:
			return c == 0;
		case OP_NE:
			return c != 0;
	}
	return false;
}

/* model_parameters->>key as text, NULL when absent, null or not a scalar */
static char *
parameter_text(Jsonb *params, const char *key)
{
	JsonbValue	v;

	if (params == NULL || !jsonb_is_object(params))
		return NULL;
	if (getKeyJsonValueFromContainer(&params->root, key, strlen(key), &v) == NULL)
		return NULL;
	switch (v.type)
	{
		case jbvString:
			return pnstrdup(v.val.string.val, v.val.string.len);
		case jbvNumeric:
			return num_text(v.val.numeric);
		case jbvBool:
			return pstrdup(v.val.boolean ? "true" : "false");
		default:
			return NULL;
	}
}

static bool
parameter_condition_holds(const PriceTier *t, Jsonb *params)
{
	char	   *value = parameter_text(params, t->param_key);

	if (value == NULL)
		return false;
	for (int i = 0; i < t->nparam_values; i++)
		if (strcmp(value, t->param_values[i]) == 0)
			return true;
	return false;
}

static const PriceTier *
choose_tier(const PriceVersion *v, const UsageMap *u, Jsonb *params)
{
	for (int i = 0; i < v->ntiers; i++)
	{
		PriceTier  *t = &v->tiers[i];

		if (tier_is_default(t))
			return t;
		if (t->has_usage_condition && !usage_condition_holds(t, u))
			continue;
		if (t->param_key && !parameter_condition_holds(t, params))
			continue;
		return t;
	}
	return NULL;
}

/*
 * Prices one observation.  Leaves r->priced false when there is no model,
 * no usage, or no price for the model at that time.
 */
static void
price_usage(const char *model, TimestampTz at, Jsonb *params, UsageMap *u,
			CostResult *r)
{
	int		   *cands;
	int			n;
	const PriceVersion *v = NULL;
	const PriceTier *t;
	Numeric		total_price;

	memset(r, 0, sizeof(*r));
	if (model == NULL || u->n == 0)
		return;
	r->examined = true;
	if (!cache.valid)
		cache_load();
	n = candidates_for(model, &cands);
	for (int i = 0; i < n; i++)
		if (cache.versions[cands[i]].start <= at)
		{
			v = &cache.versions[cands[i]];
			break;
		}
	if (v == NULL || (t = choose_tier(v, u, params)) == NULL)
		return;

	/* a per-request price counts one request unless the usage says more */
	if (tier_price(t, "request") != NULL && usage_find(u, "request") < 0)
	{
		usage_set(u, "request", int64_to_numeric(1));
	}

	r->priced = true;
	r->price_id = t->id;
	r->input_cost = numeric_zero();
	r->output_cost = numeric_zero();
	r->total_cost = numeric_zero();
	r->unpriced = palloc(u->n * sizeof(char *));
	total_price = tier_price(t, "total");
	for (int i = 0; i < u->n; i++)
	{
		const char *key = u->keys[i];
		Numeric		price;
		Numeric		cost;

		if (strcmp(key, "total") == 0)
			continue;
		price = tier_price(t, key);
		if (price == NULL)
		{
			if (total_price == NULL && num_cmp(u->units[i], numeric_zero()) > 0)
				r->unpriced[r->nunpriced++] = pstrdup(key);
			continue;
		}
		cost = num_mul(u->units[i], price);
		if (contains_ci(key, "input"))
			r->input_cost = num_add(r->input_cost, cost);
		if (contains_ci(key, "output"))
			r->output_cost = num_add(r->output_cost, cost);
		if (total_price == NULL)
			r->total_cost = num_add(r->total_cost, cost);
	}
	if (total_price != NULL)
		r->total_cost = num_mul(u->units[usage_find(u, "total")], total_price);
}

static Datum
unpriced_array(const CostResult *r)
{
	Datum	   *elems = palloc(Max(r->nunpriced, 1) * sizeof(Datum));

	for (int i = 0; i < r->nunpriced; i++)
		elems[i] = CStringGetTextDatum(r->unpriced[i]);
	return PointerGetDatum(construct_array(elems, r->nunpriced, TEXTOID, -1,
										   false, TYPALIGN_INT));
}

/*
 * The five stored columns: computed input, output and total cost, price_id
 * (0: a model and usage but no price) and the unpriced usage kinds.
 */
static void
result_datums(const CostResult *r, Datum *values, bool *nulls)
{
	for (int i = 0; i < 5; i++)
	{
		values[i] = (Datum) 0;
		nulls[i] = true;
	}
	if (r->examined)
	{
		values[3] = Int64GetDatum(r->priced ? r->price_id : 0);
		nulls[3] = false;
	}
	if (!r->priced)
		return;
	values[0] = NumericGetDatum(r->input_cost);
	values[1] = NumericGetDatum(r->output_cost);
	values[2] = NumericGetDatum(r->total_cost);
	nulls[0] = nulls[1] = nulls[2] = false;
	if (r->nunpriced > 0)
	{
		values[4] = unpriced_array(r);
		nulls[4] = false;
	}
}

/* ---------------------------------------------------------------------
 * The observation trigger
 * ---------------------------------------------------------------------
 */

enum
{
	IN_ID, IN_MODEL, IN_START, IN_PARAMS, IN_INPUT, IN_OUTPUT, IN_TOTAL,
	IN_DETAILS, OUT_INPUT, OUT_OUTPUT, OUT_TOTAL, OUT_PRICE, OUT_UNPRICED,
	NCOLS
};

static const char *const cost_columns[NCOLS] = {
	"id", "model", "start_time", "model_parameters", "input_tokens",
	"output_tokens", "total_tokens", "usage_details", "computed_input_cost",
	"computed_output_cost", "computed_total_cost", "price_id", "unpriced_usage"
};

/* the inputs of the cost: model .. usage_details */
#define FIRST_INPUT IN_MODEL
#define LAST_INPUT	IN_DETAILS

static Jsonb *
jsonb_attr(HeapTuple tup, TupleDesc desc, int att)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	return isnull ? NULL : DatumGetJsonbP(d);
}

static bool
int8_attr(HeapTuple tup, TupleDesc desc, int att, int64 *value)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	*value = isnull ? 0 : DatumGetInt64(d);
	return !isnull;
}

Datum
usertrack_observation_cost(PG_FUNCTION_ARGS)
{
	TriggerData *td = usertrack_trigger_data(fcinfo, "observation_cost", "observations");
	TupleDesc	desc;
	HeapTuple	tup;
	int		   *att;
	bool		isnull;
	Datum		d;
	char	   *model;
	int64		in,
				out,
				total;
	bool		has_in,
				has_out,
				has_total;
	UsageMap	usage;
	CostResult	r;
	RowRef		row;
	int			cols[5];
	Datum		values[5];
	bool		nulls[5];

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("observation_cost() must be a BEFORE INSERT OR UPDATE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	memset(&row, 0, sizeof(row));
	row.tup = tup;
	row.desc = desc;

	/* column numbers, once per statement; and a fresh look at the price table */
	att = (int *) fcinfo->flinfo->fn_extra;
	if (att == NULL)
	{
		att = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, NCOLS * sizeof(int));
		for (int i = 0; i < NCOLS; i++)
		{
			att[i] = SPI_fnumber(desc, cost_columns[i]);
			if (att[i] <= 0)
				elog(ERROR, "usertrack: observations has no column \"%s\"",
					 cost_columns[i]);
		}
		fcinfo->flinfo->fn_extra = att;
		AcceptInvalidationMessages();
	}
	row.id_att = att[IN_ID];

	/* a price_id given with the row (a restore) must name a price or be 0 */
	d = heap_getattr(tup, att[OUT_PRICE], desc, &isnull);
	if (!isnull && DatumGetInt64(d) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("negative price_id in usertrack.observations"),
				 errdetail("%s has price_id = " INT64_FORMAT ".", row_ref_name(&row),
						   DatumGetInt64(d)),
				 errhint("price_id names the usertrack.model_prices row that priced the observation (0: none matched); leave it out, the trigger sets it.")));

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		/*
		 * A row that carries its computed cost (pg_dump's data) keeps it;
		 * its usage_details are still checked.
		 */
		for (int i = OUT_INPUT; i <= OUT_PRICE; i++)
		{
			heap_getattr(tup, att[i], desc, &isnull);
			if (!isnull)
			{
				build_usage(&usage, &row,
							jsonb_attr(tup, desc, att[IN_DETAILS]),
							true, 0, true, 0, true, 0);
				return PointerGetDatum(tup);
			}
		}
	}
	else if (!force_recompute)
	{
		/* an UPDATE that leaves the inputs of the cost alone keeps it */
		HeapTuple	old = td->tg_trigtuple;
		bool		changed = false;

		for (int i = FIRST_INPUT; i <= LAST_INPUT && !changed; i++)
		{
			Form_pg_attribute a = TupleDescAttr(desc, att[i] - 1);
			bool		n1,
						n2;
			Datum		d1 = heap_getattr(old, att[i], desc, &n1);
			Datum		d2 = heap_getattr(tup, att[i], desc, &n2);

			if (n1 != n2)
				changed = true;
			else if (!n1 && !datumIsEqual(d1, d2, a->attbyval, a->attlen))
				changed = true;
		}
		if (!changed)
			return PointerGetDatum(tup);
	}

	d = heap_getattr(tup, att[IN_MODEL], desc, &isnull);
	model = isnull ? NULL : TextDatumGetCString(d);
	if (model == NULL)
	{
		/* nothing to price (spans, tools...): check the usage, keep NULLs */
		bool		all_null = true;

		build_usage(&usage, &row, jsonb_attr(tup, desc, att[IN_DETAILS]),
					true, 0, true, 0, true, 0);
		for (int i = OUT_INPUT; i <= OUT_UNPRICED && all_null; i++)
		{
			heap_getattr(tup, att[i], desc, &isnull);
			all_null = isnull;
		}
		if (all_null)
			return PointerGetDatum(tup);
	}
	has_in = int8_attr(tup, desc, att[IN_INPUT], &in);
	has_out = int8_attr(tup, desc, att[IN_OUTPUT], &out);
	has_total = int8_attr(tup, desc, att[IN_TOTAL], &total);
	build_usage(&usage, &row,
				jsonb_attr(tup, desc, att[IN_DETAILS]),
				!has_in || in < 0, in, !has_out || out < 0, out,
				!has_total || total < 0, total);

	memset(&r, 0, sizeof(r));
	d = heap_getattr(tup, att[IN_START], desc, &isnull);
	if (model != NULL && !isnull)
		price_usage(model, DatumGetTimestampTz(d),
					jsonb_attr(tup, desc, att[IN_PARAMS]), &usage, &r);

	for (int i = 0; i < 5; i++)
		cols[i] = att[OUT_INPUT + i];
	result_datums(&r, values, nulls);
	return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 5, cols,
													 values, nulls));
}

/*
 * compute_cost(model, start_time, model_parameters, input_tokens,
 *     output_tokens, total_tokens, usage_details) -> usertrack.computed_cost
 */
Datum
usertrack_compute_cost(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5];
	UsageMap	usage;
	CostResult	r;
	RowRef		row = {NULL, NULL, 0, "The usage"};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "usertrack: compute_cost() must return a composite type");
	desc = BlessTupleDesc(desc);
	for (int i = 3; i <= 5; i++)
		if (!PG_ARGISNULL(i) && PG_GETARG_INT64(i) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("negative %s", i == 3 ? "input_tokens" : i == 4 ? "output_tokens" : "total_tokens"),
					 errdetail("compute_cost() was called with %s = " INT64_FORMAT ".",
							   i == 3 ? "input_tokens" : i == 4 ? "output_tokens" : "total_tokens",
							   PG_GETARG_INT64(i)),
					 errhint("Token counts are zero or more; pass NULL when unknown.")));

	build_usage(&usage, &row,
				PG_ARGISNULL(6) ? NULL : PG_GETARG_JSONB_P(6),
				PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3),
				PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4),
				PG_ARGISNULL(5), PG_ARGISNULL(5) ? 0 : PG_GETARG_INT64(5));
	memset(&r, 0, sizeof(r));
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		AcceptInvalidationMessages();
		price_usage(TextDatumGetCString(PG_GETARG_DATUM(0)),
					PG_GETARG_TIMESTAMPTZ(1),
					PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), &usage, &r);
	}
	result_datums(&r, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * recalculate_costs(model_pattern, from_time, to_time): recomputes the
 * stored computed cost of the matching observations whose cost differs from
 * what today's price table gives, through one UPDATE (so the totals follow
 * as for any update), and returns how many it changed.  The trigger
 * recomputes each row it updates, from the row version it updates.
 */
Datum
usertrack_recalculate_costs(PG_FUNCTION_ARGS)
{
	StringInfoData q;
	Oid			types[3] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	uint64		changed = 0;

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) &&
		PG_GETARG_TIMESTAMPTZ(1) > PG_GETARG_TIMESTAMPTZ(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_time is after to_time"),
				 errdetail("recalculate_costs() was called with from_time %s and to_time %s.",
						   pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(1))),
						   pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(2)))),
				 errhint("The window is from_time inclusive to to_time exclusive.")));
	if (!PG_ARGISNULL(0))
	{
		regex_t		re;
		char	   *msg = NULL;
		char	   *pattern = TextDatumGetCString(PG_GETARG_DATUM(0));

		if (pattern[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty model_pattern"),
					 errdetail("recalculate_costs() was called with model_pattern ''."),
					 errhint("model_pattern is a case-insensitive regular expression on the model name, or NULL for every model.")));
		if (compile_pattern(&re, pattern, &msg) != REG_OKAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
					 errmsg("invalid regular expression: %s", msg),
					 errdetail("recalculate_costs() was called with model_pattern '%s'.",
							   usertrack_clip(pattern, 200)),
					 errhint("model_pattern is a case-insensitive regular expression on the model name, or NULL for every model.")));
		pg_regfree(&re);
	}

	initStringInfo(&q);
	appendStringInfoString(&q,
						   "UPDATE usertrack.observations o"
						   "   SET computed_total_cost = o.computed_total_cost"
						   " WHERE true");
	if (!PG_ARGISNULL(0))
		appendStringInfoString(&q, " AND o.model COLLATE \"C\" OPERATOR(pg_catalog.~*) $1");
	if (!PG_ARGISNULL(1))
		appendStringInfoString(&q, " AND o.start_time OPERATOR(pg_catalog.>=) $2");
	if (!PG_ARGISNULL(2))
		appendStringInfoString(&q, " AND o.start_time OPERATOR(pg_catalog.<) $3");
	appendStringInfoString(&q,
						   " AND ROW(o.computed_input_cost, o.computed_output_cost,"
						   "         o.computed_total_cost, o.price_id, o.unpriced_usage)"
						   "     IS DISTINCT FROM"
						   "     (SELECT ROW(c.input_cost, c.output_cost, c.total_cost,"
						   "                 c.price_id, c.unpriced_usage)"
						   "        FROM usertrack.compute_cost(o.model, o.start_time,"
						   "               o.model_parameters, o.input_tokens, o.output_tokens,"
						   "               o.total_tokens, o.usage_details) c)");
	for (int i = 0; i < 3; i++)
	{
		values[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		if (PG_ARGISNULL(i))
			nulls[i] = 'n';
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usertrack: SPI_connect failed");
	force_recompute = true;
	PG_TRY();
	{
		if (SPI_execute_with_args(q.data, 3, types, values, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "usertrack: recalculation failed");
		changed = SPI_processed;
	}
	PG_FINALLY();
	{
		force_recompute = false;
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_INT64((int64) changed);
}

/* ---------------------------------------------------------------------
 * The price table's own triggers
 * ---------------------------------------------------------------------
 */

static Datum
attr(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "usertrack: model_prices has no column \"%s\"", name);
	return heap_getattr(tup, n, desc, isnull);
}

static char *
attr_text(HeapTuple tup, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = attr(tup, desc, name, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
check_price(const char *row, const char *column, Numeric price)
{
	const char *problem = NULL;

	if (price == NULL)
		return;
	if (numeric_is_nan(price))
		problem = "NaN";
#if PG_VERSION_NUM >= 140000
	else if (numeric_is_inf(price))
		problem = "infinite";
#endif
	else if (num_cmp(price, numeric_zero()) < 0)
		problem = "negative";
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s price in usertrack.model_prices", problem),
				 errdetail("%s has %s = %s.", row, column, num_text(price)),
				 errhint("Prices are finite amounts of zero or more, in currency units per token or per unit.")));
}

static void
check_pattern(const char *row, const char *column, const char *pattern)
{
	regex_t		re;
	char	   *msg = NULL;

	if (pattern == NULL)
		return;
	if (pattern[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("empty %s in usertrack.model_prices", column),
				 errdetail("%s has an empty %s.", row, column),
				 errhint("Use a regular expression such as '^(openai/)?gpt-4o$'.")));
	if (compile_pattern(&re, pattern, &msg) != REG_OKAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression in %s of usertrack.model_prices: %s",
						column, msg),
				 errdetail("%s has %s = '%s'.", row, column, usertrack_clip(pattern, 200)),
				 errhint("Patterns are PostgreSQL regular expressions, matched case-insensitively.")));
	pg_regfree(&re);
}

/*
 * The NOT NULL columns, checked here because this BEFORE trigger runs
 * before PostgreSQL's own NOT NULL check: the same SQLSTATE, with the row
 * named.
 */
static void
check_not_null(HeapTuple tup, TupleDesc desc, const char *row)
{
	static const char *const columns[] = {
		"id", "model_name", "match_pattern", "start_date", "tier",
		"tier_priority", "usage_prices", "source", NULL
	};

	for (int i = 0; columns[i] != NULL; i++)
	{
		bool		isnull;

		(void) attr(tup, desc, columns[i], &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of usertrack.model_prices", columns[i]),
					 errdetail("%s has %s = NULL.", row, columns[i]),
					 strcmp(columns[i], "id") == 0 || strcmp(columns[i], "source") == 0 ?
					 errhint("Leave %s out: it has a default.", columns[i]) : 0));
	}
}

static void
validate_price_row(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	char	   *model_name = attr_text(tup, desc, "model_name");
	char	   *tier = attr_text(tup, desc, "tier");
	Datum		id_datum = attr(tup, desc, "id", &isnull);
	int64		id = isnull ? 0 : DatumGetInt64(id_datum);
	char	   *source;
	char	   *row;
	char	   *usage_pattern = attr_text(tup, desc, "usage_pattern");
	char	   *usage_operator = attr_text(tup, desc, "usage_operator");
	Datum		d;
	bool		threshold_null;
	bool		has_price = false;
	Jsonb	   *prices;

	row = psprintf("Price %s (model_name %s, tier %s)",
				   isnull ? "with NULL id" : psprintf("%lld", (long long) id),
				   model_name ? psprintf("\"%s\"", usertrack_clip(model_name, 64)) : "NULL",
				   tier ? psprintf("\"%s\"", usertrack_clip(tier, 64)) : "NULL");
	check_not_null(tup, desc, row);
	source = attr_text(tup, desc, "source");

	if (model_name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("empty model_name in usertrack.model_prices"),
				 errdetail("%s has no model_name.", row)));
	if (tier[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("empty tier in usertrack.model_prices"),
				 errdetail("%s has an empty tier.", row),
				 errhint("The tier without conditions is usually called 'default'.")));
	d = attr(tup, desc, "start_date", &isnull);
	if (TIMESTAMP_IS_NOEND(DatumGetTimestampTz(d)))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("start_date infinity in usertrack.model_prices"),
				 errdetail("%s has start_date = infinity: it would never apply.", row),
				 errhint("Use the date the price starts at, or -infinity (the default) for always.")));
	check_pattern(row, "match_pattern", attr_text(tup, desc, "match_pattern"));

	if (strcmp(source, "operator") != 0 && strcmp(source, "default") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("invalid source \"%s\" in usertrack.model_prices", source),
				 errdetail("%s has source = \"%s\".", row, source),
				 errhint("Your own prices have source 'operator' (the default); 'default' marks the prices shipped with the extension.")));
	if (strcmp(source, "default") == 0 && !creating_extension)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("rows with source 'default' come with the extension"),
				 errdetail("%s has source = 'default'.", row),
				 errhint("Insert your own price with source 'operator' (the default): it takes precedence over a shipped price with the same pattern.")));
	if (strcmp(source, "default") == 0 ? id >= FIRST_OPERATOR_PRICE_ID
		: id <= FIRST_OPERATOR_PRICE_ID)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("id %lld is out of range for a price with source '%s'",
						(long long) id, source),
				 errdetail("%s: shipped prices have ids below %lld, your own prices ids above it.",
						   row, (long long) FIRST_OPERATOR_PRICE_ID),
				 errhint("Leave id out: it is assigned for you.")));

	/* the usage condition: pattern, operator and threshold go together */
	d = attr(tup, desc, "usage_threshold", &threshold_null);
	if ((usage_pattern == NULL) != (usage_operator == NULL) ||
		(usage_pattern == NULL) != threshold_null)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("incomplete usage condition in usertrack.model_prices"),
				 errdetail("%s sets only some of usage_pattern, usage_operator and usage_threshold.", row),
				 errhint("A usage condition needs all three, e.g. usage_pattern '(input|prompt|cached)', usage_operator '>', usage_threshold 200000.")));
	check_pattern(row, "usage_pattern", usage_pattern);
	if (usage_operator)
	{
		bool		known = false;

		for (int i = 0; compare_ops[i]; i++)
			known |= strcmp(usage_operator, compare_ops[i]) == 0;
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("invalid usage_operator \"%s\" in usertrack.model_prices",
							usage_operator),
					 errdetail("%s has usage_operator = \"%s\".", row, usage_operator),
					 errhint("Use one of >, >=, <, <=, =, <>.")));
	}
	if (!threshold_null)
	{
		Numeric		t = DatumGetNumeric(d);

		if (numeric_is_nan(t)
#if PG_VERSION_NUM >= 140000
			|| numeric_is_inf(t)
#endif
			)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("non-finite usage_threshold in usertrack.model_prices"),
					 errdetail("%s has usage_threshold = %s.", row, num_text(t))));
		if (num_cmp(t, numeric_zero()) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("negative usage_threshold in usertrack.model_prices"),
					 errdetail("%s has usage_threshold = %s: usage is never negative.", row, num_text(t)),
					 errhint("Thresholds count tokens or units, from 0.")));
	}

	/* the parameter condition: key and values go together */
	d = attr(tup, desc, "parameter_values", &isnull);
	if ((attr_text(tup, desc, "parameter_key") == NULL) != isnull)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("incomplete parameter condition in usertrack.model_prices"),
				 errdetail("%s sets only one of parameter_key and parameter_values.", row),
				 errhint("A parameter condition needs both, e.g. parameter_key 'service_tier', parameter_values '{flex}'.")));
	if (!isnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(d);

		if (ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) == 0 || array_contains_nulls(a))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("invalid parameter_values in usertrack.model_prices"),
					 errdetail("%s has parameter_values that are empty or contain NULL.", row)));
	}

	/* prices */
	d = attr(tup, desc, "input_price", &isnull);
	if (!isnull)
	{
		check_price(row, "input_price", DatumGetNumeric(d));
		has_price = true;
	}
	d = attr(tup, desc, "output_price", &isnull);
	if (!isnull)
	{
		check_price(row, "output_price", DatumGetNumeric(d));
		has_price = true;
	}
	d = attr(tup, desc, "usage_prices", &isnull);
	prices = isnull ? NULL : DatumGetJsonbP(d);
	if (prices)
	{
		JsonbIterator *it;
		JsonbValue	v;
		char	   *key = NULL;

		if (!jsonb_is_object(prices))
			not_an_object(prices, "usage_prices", "usertrack.model_prices", row,
						  "usage_prices maps usage kinds to prices per unit, as in {\"input_cached_tokens\": 0.00000125}.");
		it = JsonbIteratorInit(&prices->root);
		while (object_next(&it, &key, &v))
		{
			if (key[0] == '\0' || strcmp(key, "input") == 0 ||
				strcmp(key, "output") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("invalid usage kind \"%s\" in usage_prices of usertrack.model_prices", key),
						 errdetail("%s has usage_prices with key \"%s\".", row, key),
						 errhint("Input and output prices go in columns input_price and output_price.")));
			if (v.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("non-numeric price in usage_prices of usertrack.model_prices"),
						 errdetail("%s has usage_prices.%s that is not a number.", row, key),
						 errhint("usage_prices maps usage kinds to prices per unit.")));
			check_price(row, psprintf("usage_prices.%s", key), v.val.numeric);
			has_price = true;
		}
	}
	if (!has_price)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("price without any price in usertrack.model_prices"),
				 errdetail("%s has no input_price, no output_price and no usage_prices.", row),
				 errhint("Give at least one price; a free model has input_price 0 and output_price 0.")));
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE row trigger and BEFORE TRUNCATE
 * statement trigger on model_prices: validates rows, and keeps the shipped
 * rows (source 'default') for CREATE and ALTER EXTENSION to write.
 */
Datum
usertrack_model_prices_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = usertrack_trigger_data(fcinfo, "model_prices_check", "model_prices");
	TupleDesc	desc;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("model_prices_check() must be a BEFORE trigger")));
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		if (!creating_extension)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("cannot truncate usertrack.model_prices"),
					 errdetail("The table holds the prices shipped with the extension."),
					 errhint("Remove your own prices with DELETE FROM usertrack.model_prices WHERE source = 'operator'.")));
		return PointerGetDatum(NULL);
	}
	desc = RelationGetDescr(td->tg_relation);
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) && !creating_extension)
	{
		char	   *source = attr_text(td->tg_trigtuple, desc, "source");

		if (strcmp(source, "default") == 0)
		{
			bool		isnull;

			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("cannot %s a shipped price",
							TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "delete" : "change"),
					 errdetail("Price %lld (model_name \"%s\") has source 'default': it comes with the extension, and its upgrades may correct it.",
							   (long long) DatumGetInt64(attr(td->tg_trigtuple, desc, "id", &isnull)),
							   attr_text(td->tg_trigtuple, desc, "model_name")),
					 errhint("Insert your own price with the same match_pattern: it takes precedence.")));
		}
	}
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return PointerGetDatum(td->tg_trigtuple);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		validate_price_row(td->tg_newtuple, desc);
		return PointerGetDatum(td->tg_newtuple);
	}
	validate_price_row(td->tg_trigtuple, desc);
	return PointerGetDatum(td->tg_trigtuple);
}

/*
 * AFTER statement trigger on model_prices: queue a relcache invalidation
 * of the table, which drops the price cache of every backend.
 */
Datum
usertrack_model_prices_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = usertrack_trigger_data(fcinfo, "model_prices_changed", "model_prices");

	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}
