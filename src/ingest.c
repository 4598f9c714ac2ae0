/*
 * ingest.c
 *
 * usertrack.ingest(batch jsonb) -> jsonb: the Langfuse public ingestion
 * body ({"batch": [{"id", "timestamp", "type", "body"}, ...]}, COMPAT.md
 * sections 1.2 to 1.9) turned into upserts of the input tables.
 *
 * Every event is checked on its own; a bad one is reported in the result's
 * "errors" and the others go on.  The good ones are sorted (envelope
 * timestamp, creates before updates, then batch order) and merged per
 * entity in memory, field by field: a field sent replaces the previous
 * value (an explicit null clears it), an absent one keeps it; metadata
 * objects merge by key, tags accumulate, input and output keep the last
 * truthy value, usage and cost maps are replaced by the last non-empty one.
 * Then one INSERT ... ON CONFLICT DO UPDATE per table writes every entity,
 * merging the same way into the stored row (whose id, timestamp and
 * environment, or trace and start time, stay as first written), so that
 * events may arrive in any order and over any number of calls.  The
 * triggers keep the totals as for any write.
 *
 * The payload is read with PostgreSQL's jsonb API only; the one thing read
 * by hand is the shape of a timestamp, checked before timestamptz_in sees
 * it so that a bad one is an event's error, not the call's.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "usertrack.h"

PG_FUNCTION_INFO_V1(usertrack_ingest);

#define MAX_EVENT_ID 800

typedef enum EntityKind
{
	E_TRACE,
	E_OBSERVATION,
	E_SCORE,
	E_KINDS
} EntityKind;

/* One field of an entity: absent, or a value (JSON null clears). */
typedef struct Field
{
	const char *name;			/* key in the jsonb handed to SQL */
	bool		present;
	JsonbValue	v;
} Field;

/* A usage or cost map: usage kind -> count (or amount). */
typedef struct UsageMap
{
	int			n;
	char	   *keys[64];
	Numeric		values[64];
} UsageMap;

#define MAX_FIELDS 24

typedef struct Entity
{
	char	   *id;
	EntityKind	kind;
	Field		f[MAX_FIELDS];
	int			nf;
	Jsonb	   *metadata;		/* merged metadata object, or NULL */
	bool		metadata_present;
	bool		metadata_null;	/* the last one sent was null */
	List	   *tags;			/* char *, accumulated */
	bool		tags_present;
	struct Entity *next;		/* in the kind's list */
} Entity;

typedef struct Event
{
	char	   *id;				/* envelope id */
	TimestampTz ts;
	bool		is_update;
	int			seq;
	EntityKind	kind;
	const char *obs_type;		/* observations: SPAN, GENERATION, ... */
	JsonbContainer *body;
} Event;

/* ---------------------------------------------------------------------
 * Reading values
 * --------------------------------------------------------------------- */

static JsonbValue *
get_key(JsonbContainer *c, const char *key)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

static char *
value_string(const JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static bool
is_object(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static bool
is_array(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/*
 * An ISO 8601 date-time with an offset (Z or +hh:mm): checked field by field
 * so that timestamptz_in, which raises errors, only sees good ones.
 */
static bool
parse_timestamp(const char *s, int len, TimestampTz *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	char		buf[64];
	int			i = 0;
	int			year,
				month,
				day,
				hour,
				minute,
				second = 0;

#define DIGITS(n, var) \
	do { var = 0; \
		for (int k_ = 0; k_ < (n); k_++, i++) { \
			if (i >= len || !isdigit((unsigned char) s[i])) return false; \
			var = var * 10 + (s[i] - '0'); } } while (0)
#define EXPECT(ch) do { if (i >= len || s[i] != (ch)) return false; i++; } while (0)

	if (len < 16 || len >= (int) sizeof(buf))
		return false;
	DIGITS(4, year);
	EXPECT('-');
	DIGITS(2, month);
	EXPECT('-');
	DIGITS(2, day);
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return false;
	i++;
	DIGITS(2, hour);
	EXPECT(':');
	DIGITS(2, minute);
	if (i < len && s[i] == ':')
	{
		i++;
		DIGITS(2, second);
		if (i < len && s[i] == '.')
		{
			int			digits = 0;

			i++;
			while (i < len && isdigit((unsigned char) s[i]))
				i++, digits++;
			if (digits == 0)
				return false;
		}
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-'))
	{
		int			oh,
					om = 0;

		i++;
		DIGITS(2, oh);
		if (i < len && s[i] == ':')
			i++;
		if (i < len)
			DIGITS(2, om);
		if (oh > 15 || om > 59)
			return false;
	}
	else
		return false;
	if (i != len)
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
		(month == 2 && day == 29 &&
		 !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) ||
		hour > 23 || minute > 59 || second > 59)
		return false;
#undef DIGITS
#undef EXPECT
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
												   CStringGetDatum(buf),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	return true;
}

/* A non-negative integer count from a JSON number (or a string of digits). */
static bool
count_value(const JsonbValue *v, bool allow_string, Numeric *out)
{
	if (v->type == jbvNumeric)
	{
		Numeric		n = v->val.numeric;

		if (numeric_is_nan(n) || numeric_is_inf(n))
			return false;
		if (DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(0)))))
			return false;
		/* integral, and within bigint */
		if (!DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(n),
											  DirectFunctionCall1(numeric_floor, NumericGetDatum(n)))))
			return false;
		if (DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))))
			return false;
		/* without a fraction part: 120.0 is written to a bigint column as 120 */
		*out = int64_to_numeric(DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(n))));
		return true;
	}
	if (allow_string && v->type == jbvString && v->val.string.len > 0 &&
		v->val.string.len <= 18)
	{
		int64		x = 0;

		for (int i = 0; i < v->val.string.len; i++)
		{
			char		c = v->val.string.val[i];

			if (!isdigit((unsigned char) c))
				return false;
			x = x * 10 + (c - '0');
		}
		*out = int64_to_numeric(x);
		return true;
	}
	return false;
}

/* A non-negative finite amount. */
static bool
amount_value(const JsonbValue *v, Numeric *out)
{
	Numeric		n;

	if (v->type != jbvNumeric)
		return false;
	n = v->val.numeric;
	if (numeric_is_nan(n) || numeric_is_inf(n) ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(n),
										 NumericGetDatum(int64_to_numeric(0)))))
		return false;
	*out = n;
	return true;
}

/* Sets a kind; false when the map is full (too many kinds). */
static bool
map_set(UsageMap *m, const char *key, Numeric value)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
		{
			m->values[i] = value;
			return true;
		}
	if (m->n >= (int) lengthof(m->keys))
		return false;
	m->keys[m->n] = pstrdup(key);
	m->values[m->n] = value;
	m->n++;
	return true;
}

static Numeric
map_get(const UsageMap *m, const char *key)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	return NULL;
}

/* A map as a JSON object of numbers. */
static JsonbValue *
map_value(const UsageMap *m)
{
	JsonbParseState *st = NULL;
	JsonbValue	k,
				v;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < m->n; i++)
	{
		k.type = jbvString;
		k.val.string.val = m->keys[i];
		k.val.string.len = strlen(m->keys[i]);
		v.type = jbvNumeric;
		v.val.numeric = m->values[i];
		pushJsonbValue(&st, WJB_KEY, &k);
		pushJsonbValue(&st, WJB_VALUE, &v);
	}
	return pushJsonbValue(&st, WJB_END_OBJECT, NULL);
}

static Numeric
num_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static Numeric
num_sub_floor0(Numeric a, Numeric b)
{
	Numeric		d = DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a),
														NumericGetDatum(b)));

	if (DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(d),
										 NumericGetDatum(int64_to_numeric(0)))))
		return int64_to_numeric(0);
	return d;
}

/* Whether an object has exactly these keys (and optional ones). */
static bool
has_exact_keys(JsonbContainer *c, const char *const *required, const char *const *optional)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			found = 0,
				nreq = 0;

	while (required[nreq])
		nreq++;
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		ok = false;

		if (tok != WJB_KEY)
			continue;
		for (int i = 0; required[i]; i++)
			if ((int) strlen(required[i]) == v.val.string.len &&
				strncmp(required[i], v.val.string.val, v.val.string.len) == 0)
				ok = true, found++;
		for (int i = 0; !ok && optional[i]; i++)
			if ((int) strlen(optional[i]) == v.val.string.len &&
				strncmp(optional[i], v.val.string.val, v.val.string.len) == 0)
				ok = true;
		if (!ok)
			return false;
	}
	return found == nreq;
}

/*
 * The details of an OpenAI usage (prompt_tokens_details and the like): each
 * key K becomes prefix_K, and its count is taken off the base kind.
 */
static const char *
openai_details(UsageMap *m, JsonbValue *details, const char *prefix, const char *base)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	if (details == NULL || details->type == jbvNull)
		return NULL;
	if (!is_object(details))
		return "usageDetails: the token details must be an object";
	it = JsonbIteratorInit(details->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		Numeric		n;
		char	   *key;
		Numeric		basev;

		if (tok != WJB_KEY)
			continue;
		key = psprintf("%s_%s", prefix, value_string(&k));
		tok = JsonbIteratorNext(&it, &v, true);
		if (v.type == jbvNull)
			continue;
		if (!count_value(&v, false, &n))
			return psprintf("usageDetails: %s is not a count of zero or more", key);
		if (!map_set(m, key, n))
			return "usageDetails has more than 64 usage kinds";
		basev = map_get(m, base);
		if (basev != NULL)
			map_set(m, base, num_sub_floor0(basev, n));
	}
	return NULL;
}

/*
 * The usage of a generation (COMPAT 1.6): usage (input, output, total, or
 * promptTokens, completionTokens, totalTokens) with usageDetails laid over
 * it (OpenAI Chat Completions and Responses shapes, or any map of counts);
 * without a total, the total is the sum of every kind.  Costs: inputCost,
 * outputCost, totalCost of usage, then costDetails; without a total, the
 * sum.  Returns an error message, or NULL.
 */
static const char *
read_usage(JsonbContainer *body, UsageMap *usage, UsageMap *cost)
{
	JsonbValue *u = get_key(body, "usage");
	JsonbValue *d = get_key(body, "usageDetails");
	JsonbValue *c = get_key(body, "costDetails");
	UsageMap	details;
	Numeric		n;

	memset(usage, 0, sizeof(*usage));
	memset(cost, 0, sizeof(*cost));
	memset(&details, 0, sizeof(details));

	if (u != NULL && u->type != jbvNull)
	{
		JsonbContainer *uc;
		bool		openai;
		static const char *const base_keys[] = {"input", "output", "total"};
		static const char *const openai_keys[] = {"promptTokens", "completionTokens", "totalTokens"};
		static const char *const cost_keys[] = {"inputCost", "outputCost", "totalCost"};

		if (!is_object(u))
			return "usage must be an object";
		uc = u->val.binary.data;
		openai = get_key(uc, "promptTokens") || get_key(uc, "completionTokens") ||
			get_key(uc, "totalTokens");
		for (int i = 0; i < 3; i++)
		{
			JsonbValue *x = get_key(uc, openai ? openai_keys[i] : base_keys[i]);

			if (x == NULL || x->type == jbvNull)
				continue;
			if (!count_value(x, false, &n))
				return psprintf("usage.%s is not a count of zero or more",
								openai ? openai_keys[i] : base_keys[i]);
			map_set(usage, base_keys[i], n);
		}
		if (!openai)
			for (int i = 0; i < 3; i++)
			{
				JsonbValue *x = get_key(uc, cost_keys[i]);

				if (x == NULL || x->type == jbvNull)
					continue;
				if (!amount_value(x, &n))
					return psprintf("usage.%s is not an amount of zero or more", cost_keys[i]);
				map_set(cost, base_keys[i], n);
			}
	}

	if (d != NULL && d->type != jbvNull)
	{
		JsonbContainer *dc;
		static const char *const chat[] = {"prompt_tokens", "completion_tokens", "total_tokens", NULL};
		static const char *const chat_opt[] = {"prompt_tokens_details", "completion_tokens_details", NULL};
		static const char *const resp[] = {"input_tokens", "output_tokens", "total_tokens", NULL};
		static const char *const resp_opt[] = {"input_tokens_details", "output_tokens_details", NULL};
		const char *err;

		if (!is_object(d))
			return "usageDetails must be an object";
		dc = d->val.binary.data;
		if (has_exact_keys(dc, chat, chat_opt) || has_exact_keys(dc, resp, resp_opt))
		{
			bool		is_chat = get_key(dc, "prompt_tokens") != NULL;
			const char *in = is_chat ? "prompt_tokens" : "input_tokens";
			const char *out = is_chat ? "completion_tokens" : "output_tokens";
			JsonbValue *x;

			if ((x = get_key(dc, in)) != NULL && x->type != jbvNull)
			{
				if (!count_value(x, false, &n))
					return psprintf("usageDetails.%s is not a count of zero or more", in);
				map_set(&details, "input", n);
			}
			if ((x = get_key(dc, out)) != NULL && x->type != jbvNull)
			{
				if (!count_value(x, false, &n))
					return psprintf("usageDetails.%s is not a count of zero or more", out);
				map_set(&details, "output", n);
			}
			if ((x = get_key(dc, "total_tokens")) != NULL && x->type != jbvNull)
			{
				if (!count_value(x, false, &n))
					return "usageDetails.total_tokens is not a count of zero or more";
				map_set(&details, "total", n);
			}
			err = openai_details(&details, get_key(dc, is_chat ? "prompt_tokens_details" : "input_tokens_details"),
								 "input", "input");
			if (err)
				return err;
			err = openai_details(&details, get_key(dc, is_chat ? "completion_tokens_details" : "output_tokens_details"),
								 "output", "output");
			if (err)
				return err;
		}
		else
		{
			/* any map: the non-negative integer counts (or digit strings) */
			JsonbIterator *it = JsonbIteratorInit(dc);
			JsonbValue	k,
						v;
			JsonbIteratorToken tok;

			while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
			{
				char	   *key;

				if (tok != WJB_KEY)
					continue;
				key = value_string(&k);
				tok = JsonbIteratorNext(&it, &v, true);
				if (key[0] != '\0' && count_value(&v, true, &n) &&
					!map_set(&details, key, n))
					return "usageDetails has more than 64 usage kinds";
			}
		}
	}

	/* no total in usage and no details: input + output */
	if (map_get(usage, "total") == NULL && details.n == 0 &&
		(map_get(usage, "input") || map_get(usage, "output")))
	{
		Numeric		t = int64_to_numeric(0);

		if (map_get(usage, "input"))
			t = num_add(t, map_get(usage, "input"));
		if (map_get(usage, "output"))
			t = num_add(t, map_get(usage, "output"));
		map_set(usage, "total", t);
	}
	for (int i = 0; i < details.n; i++)
		if (!map_set(usage, details.keys[i], details.values[i]))
			return "usage and usageDetails have more than 64 usage kinds";
	if (usage->n > 0 && map_get(usage, "total") == NULL)
	{
		Numeric		t = int64_to_numeric(0);

		for (int i = 0; i < usage->n; i++)
			t = num_add(t, usage->values[i]);
		map_set(usage, "total", t);
	}
	/* the token columns are bigint */
	for (int i = 0; i < usage->n; i++)
		if (DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(usage->values[i]),
											 NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))))
			return psprintf("the usage %s adds up to more than a 64-bit count", usage->keys[i]);

	if (c != NULL && c->type != jbvNull)
	{
		JsonbIterator *it;
		JsonbValue	k,
					v;
		JsonbIteratorToken tok;

		if (!is_object(c))
			return "costDetails must be an object";
		it = JsonbIteratorInit(c->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *key;

			if (tok != WJB_KEY)
				continue;
			key = value_string(&k);
			tok = JsonbIteratorNext(&it, &v, true);
			/* non-numbers and negative amounts are dropped, as Langfuse does */
			if (key[0] != '\0' && amount_value(&v, &n) && !map_set(cost, key, n))
				return "costDetails has more than 64 kinds";
		}
	}
	if (cost->n > 0 && map_get(cost, "total") == NULL)
	{
		Numeric		t = int64_to_numeric(0);

		for (int i = 0; i < cost->n; i++)
			t = num_add(t, cost->values[i]);
		map_set(cost, "total", t);
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Entities
 * --------------------------------------------------------------------- */

typedef struct Batch
{
	HTAB	   *by_id[E_KINDS];
	Entity	   *first[E_KINDS];
	Entity	   *last[E_KINDS];
} Batch;

typedef struct EntityKey
{
	char		id[USERTRACK_MAX_ID_BYTES + 1];
} EntityKey;

typedef struct EntitySlot
{
	EntityKey	key;
	Entity	   *e;
} EntitySlot;

static void
batch_init(Batch *b)
{
	HASHCTL		ctl;

	memset(b, 0, sizeof(*b));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(EntityKey);
	ctl.entrysize = sizeof(EntitySlot);
	ctl.hcxt = CurrentMemoryContext;
	for (int kind = 0; kind < E_KINDS; kind++)
		b->by_id[kind] = hash_create("usertrack ingest", 64, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static Entity *
entity_for(Batch *b, EntityKind kind, const char *id)
{
	EntityKey	key;
	bool		found;
	EntitySlot *slot;

	memset(&key, 0, sizeof(key));
	strlcpy(key.id, id, sizeof(key.id));
	slot = hash_search(b->by_id[kind], &key, HASH_ENTER, &found);
	if (!found)
	{
		Entity	   *e = palloc0(sizeof(Entity));

		e->id = pstrdup(id);
		e->kind = kind;
		slot->e = e;
		if (b->last[kind])
			b->last[kind]->next = e;
		else
			b->first[kind] = e;
		b->last[kind] = e;
	}
	return slot->e;
}

static Field *
field(Entity *e, const char *name)
{
	for (int i = 0; i < e->nf; i++)
		if (strcmp(e->f[i].name, name) == 0)
			return &e->f[i];
	Assert(e->nf < MAX_FIELDS);
	e->f[e->nf].name = name;
	e->f[e->nf].present = false;
	return &e->f[e->nf++];
}

/* Sets a field to a value (or JSON null). */
static void
set_field(Entity *e, const char *name, const JsonbValue *v)
{
	Field	   *f = field(e, name);

	f->present = true;
	f->v = *v;
}

/* Sets a field, unless it was set before (immutable after first write). */
static void
set_first(Entity *e, const char *name, const JsonbValue *v)
{
	Field	   *f = field(e, name);

	if (!f->present)
	{
		f->present = true;
		f->v = *v;
	}
}

static void
set_cstring(Entity *e, const char *name, const char *s, bool first)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	if (first)
		set_first(e, name, &v);
	else
		set_field(e, name, &v);
}

static void
set_numeric(Entity *e, const char *name, Numeric n)
{
	JsonbValue	v;

	if (n == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = n;
	}
	set_field(e, name, &v);
}

/* Whether a value is "truthy": not null, "", 0 or false. */
static bool
truthy(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return false;
		case jbvString:
			return v->val.string.len > 0;
		case jbvBool:
			return v->val.boolean;
		case jbvNumeric:
			return !DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(v->val.numeric),
													 NumericGetDatum(int64_to_numeric(0))));
		default:
			return true;
	}
}

static Jsonb *
value_jsonb(const JsonbValue *v)
{
	return JsonbValueToJsonb((JsonbValue *) v);
}

/* metadata: objects merge by key; anything else becomes {"metadata": it} */
static void
merge_metadata(Entity *e, const JsonbValue *v)
{
	Jsonb	   *obj;

	e->metadata_present = true;
	if (v->type == jbvNull)
	{
		e->metadata = NULL;
		e->metadata_null = true;
		return;
	}
	if (is_object(v))
		obj = value_jsonb(v);
	else
	{
		JsonbParseState *st = NULL;
		JsonbValue	k;

		k.type = jbvString;
		k.val.string.val = "metadata";
		k.val.string.len = 8;
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		pushJsonbValue(&st, WJB_KEY, &k);
		pushJsonbValue(&st, WJB_VALUE, (JsonbValue *) v);
		obj = JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
	}
	e->metadata_null = false;
	if (e->metadata == NULL)
		e->metadata = obj;
	else
		e->metadata = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
														 JsonbPGetDatum(e->metadata),
														 JsonbPGetDatum(obj)));
}

/* ---------------------------------------------------------------------
 * Events: checking and merging
 * --------------------------------------------------------------------- */

/* A string field (or null); false, with *err set, for another type. */
static bool
string_field(JsonbContainer *body, const char *key, JsonbValue **out, int max_bytes,
			 const char **err)
{
	JsonbValue *v = get_key(body, key);

	*out = v;
	if (v == NULL || v->type == jbvNull)
		return true;
	if (v->type != jbvString)
	{
		*err = psprintf("body.%s must be a string", key);
		return false;
	}
	if (max_bytes > 0 && v->val.string.len > max_bytes)
	{
		*err = psprintf("body.%s is longer than %d bytes", key, max_bytes);
		return false;
	}
	if (memchr(v->val.string.val, '\0', v->val.string.len) != NULL)
	{
		*err = psprintf("body.%s contains a NUL character", key);
		return false;
	}
	return true;
}

static bool
time_field(JsonbContainer *body, const char *key, JsonbValue **out, const char **err)
{
	JsonbValue *v;
	TimestampTz ts;

	if (!string_field(body, key, &v, 64, err))
		return false;
	*out = v;
	if (v == NULL || v->type == jbvNull)
		return true;
	if (!parse_timestamp(v->val.string.val, v->val.string.len, &ts))
	{
		*err = psprintf("body.%s is not an ISO 8601 date-time with an offset", key);
		return false;
	}
	return true;
}

static void
copy_string_field(Entity *e, const char *name, JsonbValue *v, bool first)
{
	if (v == NULL)
		return;
	if (first)
		set_first(e, name, v);
	else
		set_field(e, name, v);
}

/* A trace-create event: checks, then merges into the trace entity. */
static const char *
trace_event(Batch *b, Event *ev)
{
	JsonbContainer *body = ev->body;
	JsonbValue *id,
			   *ts,
			   *name,
			   *user,
			   *session,
			   *release,
			   *version,
			   *env,
			   *tags,
			   *x;
	const char *err = NULL;
	Entity	   *e;

	if (!string_field(body, "id", &id, USERTRACK_MAX_ID_BYTES, &err) ||
		!time_field(body, "timestamp", &ts, &err) ||
		!string_field(body, "name", &name, 1000, &err) ||
		!string_field(body, "userId", &user, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "sessionId", &session, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "release", &release, 0, &err) ||
		!string_field(body, "version", &version, 0, &err) ||
		!string_field(body, "environment", &env, 0, &err))
		return err;
	tags = get_key(body, "tags");
	if (tags != NULL && tags->type != jbvNull)
	{
		JsonbIterator *it;
		JsonbValue	t;
		JsonbIteratorToken tok;

		if (!is_array(tags))
			return "body.tags must be an array of strings";
		it = JsonbIteratorInit(tags->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &t, true)) != WJB_DONE)
			if (tok == WJB_ELEM && t.type != jbvString)
				return "body.tags must be an array of strings";
	}
	/* a trace without an id is accepted but not stored, as in Langfuse */
	if (id == NULL || id->type == jbvNull || id->val.string.len == 0)
		return NULL;

	e = entity_for(b, E_TRACE, value_string(id));
	if (ts != NULL && ts->type == jbvString)
		set_first(e, "timestamp", ts);
	else
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(timestamptz_out,
															 TimestampTzGetDatum(ev->ts)));

		set_cstring(e, "timestamp", s, true);
	}
	copy_string_field(e, "name", name, false);
	copy_string_field(e, "userId", user, false);
	copy_string_field(e, "sessionId", session, false);
	copy_string_field(e, "release", release, false);
	copy_string_field(e, "version", version, false);
	if (env != NULL && env->type == jbvString)
		set_first(e, "environment", env);
	if ((x = get_key(body, "input")) != NULL && truthy(x))
		set_field(e, "input", x);
	if ((x = get_key(body, "output")) != NULL && truthy(x))
		set_field(e, "output", x);
	if ((x = get_key(body, "metadata")) != NULL)
		merge_metadata(e, x);
	if (tags != NULL && tags->type != jbvNull)
	{
		JsonbIterator *it = JsonbIteratorInit(tags->val.binary.data);
		JsonbValue	t;
		JsonbIteratorToken tok;

		e->tags_present = true;
		while ((tok = JsonbIteratorNext(&it, &t, true)) != WJB_DONE)
			if (tok == WJB_ELEM)
				e->tags = lappend(e->tags, value_string(&t));
	}
	return NULL;
}

static const char *const levels[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR", NULL};

/* An observation event of any type. */
static const char *
observation_event(Batch *b, Event *ev)
{
	JsonbContainer *body = ev->body;
	JsonbValue *id,
			   *trace,
			   *parent,
			   *name,
			   *start,
			   *end,
			   *cst,
			   *model,
			   *level,
			   *status,
			   *x;
	const char *err = NULL;
	const char *type = ev->obs_type;
	UsageMap	usage,
				cost;
	Entity	   *e;

	if (!string_field(body, "id", &id, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "traceId", &trace, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "parentObservationId", &parent, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "name", &name, 0, &err) ||
		!time_field(body, "startTime", &start, &err) ||
		!time_field(body, "endTime", &end, &err) ||
		!time_field(body, "completionStartTime", &cst, &err) ||
		!string_field(body, "model", &model, 0, &err) ||
		!string_field(body, "level", &level, 0, &err) ||
		!string_field(body, "statusMessage", &status, 0, &err))
		return err;
	if (id == NULL || id->type == jbvNull || id->val.string.len == 0)
		return "body.id is required";
	if (level != NULL && level->type == jbvString)
	{
		bool		ok = false;

		for (int i = 0; levels[i]; i++)
			if ((int) strlen(levels[i]) == level->val.string.len &&
				strncmp(levels[i], level->val.string.val, level->val.string.len) == 0)
				ok = true;
		if (!ok)
			return "body.level must be DEBUG, DEFAULT, WARNING or ERROR";
	}
	if (type == NULL)
	{
		/* legacy observation-create/update: the type is in the body */
		JsonbValue *t;

		if (!string_field(body, "type", &t, 0, &err))
			return err;
		if (t == NULL || t->type != jbvString)
			return "body.type is required (GENERATION, SPAN or EVENT)";
		type = value_string(t);
		if (strcmp(type, "GENERATION") != 0 && strcmp(type, "SPAN") != 0 &&
			strcmp(type, "EVENT") != 0)
			return "body.type must be GENERATION, SPAN or EVENT";
	}
	if ((x = get_key(body, "modelParameters")) != NULL && x->type != jbvNull && !is_object(x))
		return "body.modelParameters must be an object";
	if ((err = read_usage(body, &usage, &cost)) != NULL)
		return err;

	e = entity_for(b, E_OBSERVATION, value_string(id));
	set_cstring(e, "type", type, true);
	if (trace != NULL && trace->type == jbvString && trace->val.string.len > 0)
		set_first(e, "traceId", trace);
	if (start != NULL && start->type == jbvString)
		set_first(e, "startTime", start);
	else
		set_cstring(e, "startTime",
					DatumGetCString(DirectFunctionCall1(timestamptz_out,
														TimestampTzGetDatum(ev->ts))), true);
	copy_string_field(e, "parentObservationId", parent, false);
	copy_string_field(e, "name", name, false);
	copy_string_field(e, "endTime", end, false);
	copy_string_field(e, "completionStartTime", cst, false);
	copy_string_field(e, "model", model, false);
	copy_string_field(e, "level", level, false);
	copy_string_field(e, "statusMessage", status, false);
	if ((x = get_key(body, "modelParameters")) != NULL)
		set_field(e, "modelParameters", x);
	if ((x = get_key(body, "input")) != NULL && truthy(x))
		set_field(e, "input", x);
	if ((x = get_key(body, "output")) != NULL && truthy(x))
		set_field(e, "output", x);
	if ((x = get_key(body, "metadata")) != NULL)
		merge_metadata(e, x);
	if (usage.n > 0)
	{
		/* a non-empty usage replaces the previous one wholesale */
		set_field(e, "usageDetails", map_value(&usage));
		set_numeric(e, "inputTokens", map_get(&usage, "input"));
		set_numeric(e, "outputTokens", map_get(&usage, "output"));
		set_numeric(e, "totalTokens", map_get(&usage, "total"));
	}
	if (cost.n > 0)
	{
		set_field(e, "costDetails", map_value(&cost));
		set_numeric(e, "inputCost", map_get(&cost, "input"));
		set_numeric(e, "outputCost", map_get(&cost, "output"));
		set_numeric(e, "totalCost", map_get(&cost, "total"));
	}
	return NULL;
}

/* A score-create event. */
static const char *
score_event(Batch *b, Event *ev)
{
	JsonbContainer *body = ev->body;
	JsonbValue *id,
			   *name,
			   *trace,
			   *obs,
			   *session,
			   *run,
			   *dt,
			   *source,
			   *comment,
			   *value,
			   *x;
	const char *err = NULL;
	const char *data_type;
	Entity	   *e;
	char	   *ts;

	if (!string_field(body, "id", &id, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "name", &name, 0, &err) ||
		!string_field(body, "traceId", &trace, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "observationId", &obs, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "sessionId", &session, USERTRACK_MAX_ID_BYTES, &err) ||
		!string_field(body, "datasetRunId", &run, 0, &err) ||
		!string_field(body, "dataType", &dt, 0, &err) ||
		!string_field(body, "source", &source, 0, &err) ||
		!string_field(body, "comment", &comment, 0, &err))
		return err;
	if (name == NULL || name->type != jbvString || name->val.string.len == 0)
		return "body.name is required";
	if (run != NULL && run->type == jbvString)
		return "scores of dataset runs are not stored";
	if ((trace == NULL || trace->type == jbvNull) == (session == NULL || session->type == jbvNull))
		return "a score names exactly one of body.traceId and body.sessionId";
	if (obs != NULL && obs->type == jbvString && (trace == NULL || trace->type != jbvString))
		return "body.observationId needs body.traceId";
	value = get_key(body, "value");
	if (value == NULL || (value->type != jbvNumeric && value->type != jbvString))
		return "body.value must be a number or a string";
	if (dt != NULL && dt->type == jbvString)
		data_type = value_string(dt);
	else
		data_type = value->type == jbvNumeric ? "NUMERIC" : "CATEGORICAL";
	if (strcmp(data_type, "TEXT") == 0)
		data_type = "CATEGORICAL";	/* stored as a string value */
	if (strcmp(data_type, "NUMERIC") == 0 || strcmp(data_type, "BOOLEAN") == 0)
	{
		Numeric		n;
		double		d;

		if (value->type != jbvNumeric)
			return psprintf("a %s score needs a number in body.value", data_type);
		n = value->val.numeric;
		if (numeric_is_nan(n) || numeric_is_inf(n))
			return "body.value must be finite";
		/* beyond double precision, numeric_float8 would raise an error */
		if (DatumGetBool(DirectFunctionCall2(numeric_gt,
											 DirectFunctionCall1(numeric_abs, NumericGetDatum(n)),
											 DirectFunctionCall1(float8_numeric, Float8GetDatum(1e300)))))
			return "body.value is out of range";
		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(n)));
		if (!isfinite(d))
			return "body.value is out of range";
		if (strcmp(data_type, "BOOLEAN") == 0 && d != 0 && d != 1)
			return "a BOOLEAN score has the value 0 or 1";
	}
	else if (strcmp(data_type, "CATEGORICAL") == 0)
	{
		if (value->type != jbvString)
			return "a CATEGORICAL score needs a string in body.value";
	}
	else
		return psprintf("dataType %s is not stored (NUMERIC, BOOLEAN, CATEGORICAL or TEXT)",
						data_type);
	if (source != NULL && source->type == jbvString)
	{
		char	   *s = value_string(source);

		if (strcmp(s, "API") != 0 && strcmp(s, "EVAL") != 0 && strcmp(s, "ANNOTATION") != 0)
			return "body.source must be API, EVAL or ANNOTATION";
	}

	e = entity_for(b, E_SCORE,
				   id != NULL && id->type == jbvString && id->val.string.len > 0 ?
				   value_string(id) : ev->id);
	/* the score's time is the envelope's */
	ts = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(ev->ts)));
	set_cstring(e, "timestamp", ts, true);
	set_field(e, "name", name);
	copy_string_field(e, "traceId", trace, false);
	copy_string_field(e, "observationId", obs, false);
	copy_string_field(e, "sessionId", session, false);
	copy_string_field(e, "comment", comment, false);
	set_cstring(e, "dataType", data_type, false);
	copy_string_field(e, "source", source, false);
	if (value->type == jbvNumeric)
	{
		set_field(e, "value", value);
		if (strcmp(data_type, "BOOLEAN") == 0)
			set_cstring(e, "stringValue",
						DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														   NumericGetDatum(value->val.numeric))) == 1 ?
						"True" : "False", false);
		else
		{
			JsonbValue	null;

			null.type = jbvNull;
			set_field(e, "stringValue", &null);
		}
	}
	else
	{
		JsonbValue	null;

		null.type = jbvNull;
		set_field(e, "value", &null);
		set_field(e, "stringValue", value);
	}
	if ((x = get_key(body, "metadata")) != NULL)
		merge_metadata(e, x);
	return NULL;
}

/* ---------------------------------------------------------------------
 * Writing
 * --------------------------------------------------------------------- */

/* {"<id>": {field: value, ...}, ...} for one kind of entity */
static Jsonb *
entities_jsonb(Entity *first, int *n)
{
	JsonbParseState *st = NULL;
	JsonbValue	k;
	JsonbValue *res;

	*n = 0;
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (Entity *e = first; e; e = e->next)
	{
		k.type = jbvString;
		k.val.string.val = e->id;
		k.val.string.len = strlen(e->id);
		pushJsonbValue(&st, WJB_KEY, &k);
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		for (int i = 0; i < e->nf; i++)
		{
			if (!e->f[i].present)
				continue;
			k.val.string.val = (char *) e->f[i].name;
			k.val.string.len = strlen(e->f[i].name);
			pushJsonbValue(&st, WJB_KEY, &k);
			pushJsonbValue(&st, WJB_VALUE, &e->f[i].v);
		}
		if (e->metadata_present)
		{
			JsonbValue	v;

			k.val.string.val = "metadata";
			k.val.string.len = 8;
			pushJsonbValue(&st, WJB_KEY, &k);
			if (e->metadata_null || e->metadata == NULL)
				v.type = jbvNull;
			else
			{
				v.type = jbvBinary;
				v.val.binary.data = &e->metadata->root;
				v.val.binary.len = VARSIZE(e->metadata) - VARHDRSZ;
			}
			pushJsonbValue(&st, WJB_VALUE, &v);
		}
		if (e->tags_present)
		{
			ListCell   *lc;

			k.val.string.val = "tags";
			k.val.string.len = 4;
			pushJsonbValue(&st, WJB_KEY, &k);
			pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
			foreach(lc, e->tags)
			{
				JsonbValue	t;

				t.type = jbvString;
				t.val.string.val = (char *) lfirst(lc);
				t.val.string.len = strlen(t.val.string.val);
				pushJsonbValue(&st, WJB_ELEM, &t);
			}
			pushJsonbValue(&st, WJB_END_ARRAY, NULL);
		}
		pushJsonbValue(&st, WJB_END_OBJECT, NULL);
		(*n)++;
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* "CASE WHEN e ? 'k' THEN <new> ELSE t.col END" */
#define KEEP(k, expr, col) "CASE WHEN e ? '" k "' THEN " expr " ELSE t." col " END"

static const char *const upsert_sql[E_KINDS] = {
	[E_TRACE] =
	"INSERT INTO usertrack.traces AS t (id, \"timestamp\", name, user_id, session_id, "
	"tags, metadata, input, output, release, version, environment) "
	"SELECT x.key, (x.value ->> 'timestamp')::timestamptz, x.value ->> 'name', "
	"x.value ->> 'userId', x.value ->> 'sessionId', "
	"COALESCE(ARRAY(SELECT DISTINCT g FROM jsonb_array_elements_text(x.value -> 'tags') g ORDER BY 1), '{}'), "
	"NULLIF(x.value -> 'metadata', 'null'), x.value -> 'input', x.value -> 'output', "
	"x.value ->> 'release', x.value ->> 'version', "
	"usertrack.ingest_environment(x.value ->> 'environment') "
	"FROM jsonb_each($1) x ORDER BY x.key "
	"ON CONFLICT (id) DO UPDATE SET (name, user_id, session_id, tags, metadata, input, "
	"output, release, version) = (SELECT "
	KEEP("name", "e ->> 'name'", "name") ", "
	KEEP("userId", "e ->> 'userId'", "user_id") ", "
	KEEP("sessionId", "e ->> 'sessionId'", "session_id") ", "
	KEEP("tags", "ARRAY(SELECT DISTINCT g FROM unnest(t.tags || ARRAY(SELECT jsonb_array_elements_text(e -> 'tags'))) g ORDER BY 1)", "tags") ", "
	KEEP("metadata", "CASE WHEN jsonb_typeof(e -> 'metadata') <> 'object' THEN NULL "
		 "WHEN jsonb_typeof(t.metadata) = 'object' THEN t.metadata || (e -> 'metadata') "
		 "ELSE e -> 'metadata' END", "metadata") ", "
	KEEP("input", "e -> 'input'", "input") ", "
	KEEP("output", "e -> 'output'", "output") ", "
	KEEP("release", "e ->> 'release'", "release") ", "
	KEEP("version", "e ->> 'version'", "version") " "
	"FROM (SELECT $1 -> excluded.id AS e) s)",

	[E_OBSERVATION] =
	"INSERT INTO usertrack.observations AS t (id, trace_id, parent_observation_id, type, "
	"name, start_time, end_time, completion_start_time, model, model_parameters, "
	"input_tokens, output_tokens, total_tokens, usage_details, input_cost, output_cost, "
	"total_cost, cost_details, level, status_message, metadata, input, output) "
	"SELECT x.key, COALESCE(x.value ->> 'traceId', gen_random_uuid()::text), "
	"x.value ->> 'parentObservationId', x.value ->> 'type', x.value ->> 'name', "
	"(x.value ->> 'startTime')::timestamptz, "
	"CASE WHEN x.value ->> 'endTime' IS NOT NULL THEN GREATEST((x.value ->> 'endTime')::timestamptz, "
	"(x.value ->> 'startTime')::timestamptz) END, "
	"(x.value ->> 'completionStartTime')::timestamptz, x.value ->> 'model', "
	"NULLIF(x.value -> 'modelParameters', 'null'), "
	"(x.value ->> 'inputTokens')::bigint, (x.value ->> 'outputTokens')::bigint, "
	"(x.value ->> 'totalTokens')::bigint, x.value -> 'usageDetails', "
	"(x.value ->> 'inputCost')::numeric, (x.value ->> 'outputCost')::numeric, "
	"(x.value ->> 'totalCost')::numeric, x.value -> 'costDetails', "
	"COALESCE(x.value ->> 'level', 'DEFAULT'), x.value ->> 'statusMessage', "
	"NULLIF(x.value -> 'metadata', 'null'), x.value -> 'input', x.value -> 'output' "
	"FROM jsonb_each($1) x ORDER BY x.key "
	"ON CONFLICT (id) DO UPDATE SET (parent_observation_id, name, end_time, "
	"completion_start_time, model, model_parameters, input_tokens, output_tokens, "
	"total_tokens, usage_details, input_cost, output_cost, total_cost, cost_details, "
	"level, status_message, metadata, input, output) = (SELECT "
	KEEP("parentObservationId", "e ->> 'parentObservationId'", "parent_observation_id") ", "
	KEEP("name", "e ->> 'name'", "name") ", "
	KEEP("endTime", "CASE WHEN e ->> 'endTime' IS NOT NULL THEN GREATEST((e ->> 'endTime')::timestamptz, t.start_time) END", "end_time") ", "
	KEEP("completionStartTime", "(e ->> 'completionStartTime')::timestamptz", "completion_start_time") ", "
	KEEP("model", "e ->> 'model'", "model") ", "
	KEEP("modelParameters", "NULLIF(e -> 'modelParameters', 'null')", "model_parameters") ", "
	KEEP("usageDetails", "(e ->> 'inputTokens')::bigint", "input_tokens") ", "
	KEEP("usageDetails", "(e ->> 'outputTokens')::bigint", "output_tokens") ", "
	KEEP("usageDetails", "(e ->> 'totalTokens')::bigint", "total_tokens") ", "
	KEEP("usageDetails", "e -> 'usageDetails'", "usage_details") ", "
	KEEP("costDetails", "(e ->> 'inputCost')::numeric", "input_cost") ", "
	KEEP("costDetails", "(e ->> 'outputCost')::numeric", "output_cost") ", "
	KEEP("costDetails", "(e ->> 'totalCost')::numeric", "total_cost") ", "
	KEEP("costDetails", "e -> 'costDetails'", "cost_details") ", "
	KEEP("level", "COALESCE(e ->> 'level', 'DEFAULT')", "level") ", "
	KEEP("statusMessage", "e ->> 'statusMessage'", "status_message") ", "
	KEEP("metadata", "CASE WHEN jsonb_typeof(e -> 'metadata') <> 'object' THEN NULL "
		 "WHEN jsonb_typeof(t.metadata) = 'object' THEN t.metadata || (e -> 'metadata') "
		 "ELSE e -> 'metadata' END", "metadata") ", "
	KEEP("input", "e -> 'input'", "input") ", "
	KEEP("output", "e -> 'output'", "output") " "
	"FROM (SELECT $1 -> excluded.id AS e) s)",

	[E_SCORE] =
	"INSERT INTO usertrack.scores AS t (id, trace_id, observation_id, session_id, name, "
	"value, string_value, data_type, source, comment, \"timestamp\", metadata) "
	"SELECT x.key, x.value ->> 'traceId', x.value ->> 'observationId', "
	"x.value ->> 'sessionId', x.value ->> 'name', (x.value ->> 'value')::float8, "
	"x.value ->> 'stringValue', x.value ->> 'dataType', COALESCE(x.value ->> 'source', 'API'), "
	"x.value ->> 'comment', (x.value ->> 'timestamp')::timestamptz, "
	"NULLIF(x.value -> 'metadata', 'null') "
	"FROM jsonb_each($1) x ORDER BY x.key "
	"ON CONFLICT (id) DO UPDATE SET (observation_id, session_id, name, value, string_value, "
	"data_type, source, comment, metadata) = (SELECT "
	KEEP("observationId", "e ->> 'observationId'", "observation_id") ", "
	KEEP("sessionId", "e ->> 'sessionId'", "session_id") ", "
	KEEP("name", "e ->> 'name'", "name") ", "
	KEEP("value", "(e ->> 'value')::float8", "value") ", "
	KEEP("stringValue", "e ->> 'stringValue'", "string_value") ", "
	KEEP("dataType", "e ->> 'dataType'", "data_type") ", "
	KEEP("source", "COALESCE(e ->> 'source', 'API')", "source") ", "
	KEEP("comment", "e ->> 'comment'", "comment") ", "
	KEEP("metadata", "CASE WHEN jsonb_typeof(e -> 'metadata') <> 'object' THEN NULL "
		 "WHEN jsonb_typeof(t.metadata) = 'object' THEN t.metadata || (e -> 'metadata') "
		 "ELSE e -> 'metadata' END", "metadata") " "
	"FROM (SELECT $1 -> excluded.id AS e) s)",
};

static SPIPlanPtr upsert_plans[E_KINDS];

static void
write_entities(Batch *b)
{
	for (int kind = 0; kind < E_KINDS; kind++)
	{
		int			n;
		Jsonb	   *arg;
		Datum		d;
		int			rc;

		if (b->first[kind] == NULL)
			continue;
		arg = entities_jsonb(b->first[kind], &n);
		d = JsonbPGetDatum(arg);
		if (upsert_plans[kind] == NULL)
		{
			Oid			type = JSONBOID;
			SPIPlanPtr	plan = SPI_prepare(upsert_sql[kind], 1, &type);

			if (plan == NULL)
				elog(ERROR, "usertrack: could not prepare the ingest upsert %d: %s",
					 kind, SPI_result_code_string(SPI_result));
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "usertrack: could not keep the ingest upsert %d", kind);
			upsert_plans[kind] = plan;
		}
		rc = SPI_execute_plan(upsert_plans[kind], &d, NULL, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "usertrack: ingest upsert %d failed: %s", kind,
				 SPI_result_code_string(rc));
	}
}

/* ---------------------------------------------------------------------
 * The batch
 * --------------------------------------------------------------------- */

typedef struct ResultItem
{
	char	   *id;
	int			status;
	const char *error;
} ResultItem;

static int
compare_events(const void *a, const void *b)
{
	const Event *x = (const Event *) a;
	const Event *y = (const Event *) b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->is_update != y->is_update)
		return x->is_update ? 1 : -1;
	return x->seq - y->seq;
}

/* The entity kind and observation type of an event type; false if unknown. */
static bool
event_type(const char *type, EntityKind *kind, const char **obs_type, bool *is_update)
{
	static const struct
	{
		const char *name;
		EntityKind	kind;
		const char *obs_type;
		bool		update;
	}			types[] = {
		{"trace-create", E_TRACE, NULL, false},
		{"span-create", E_OBSERVATION, "SPAN", false},
		{"span-update", E_OBSERVATION, "SPAN", true},
		{"generation-create", E_OBSERVATION, "GENERATION", false},
		{"generation-update", E_OBSERVATION, "GENERATION", true},
		{"event-create", E_OBSERVATION, "EVENT", false},
		{"agent-create", E_OBSERVATION, "AGENT", false},
		{"tool-create", E_OBSERVATION, "TOOL", false},
		{"chain-create", E_OBSERVATION, "CHAIN", false},
		{"retriever-create", E_OBSERVATION, "RETRIEVER", false},
		{"evaluator-create", E_OBSERVATION, "EVALUATOR", false},
		{"embedding-create", E_OBSERVATION, "EMBEDDING", false},
		{"guardrail-create", E_OBSERVATION, "GUARDRAIL", false},
		{"observation-create", E_OBSERVATION, NULL, false},
		{"observation-update", E_OBSERVATION, NULL, true},
		{"score-create", E_SCORE, NULL, false},
	};

	for (int i = 0; i < (int) lengthof(types); i++)
		if (strcmp(types[i].name, type) == 0)
		{
			*kind = types[i].kind;
			*obs_type = types[i].obs_type;
			*is_update = types[i].update;
			return true;
		}
	return false;
}

/*
 * Checks the envelope of one event.  Returns NULL and fills *ev, or an error
 * message (with *id_out the envelope id, or "unknown"); *skip for events that
 * are neither successes nor errors (sdk-log).
 */
static const char *
read_envelope(JsonbValue *elem, int seq, Event *ev, char **id_out, bool *skip)
{
	JsonbContainer *c;
	JsonbValue *id,
			   *ts,
			   *type,
			   *body;
	char	   *t;

	*id_out = "unknown";
	*skip = false;
	if (!is_object(elem))
		return "an event must be a JSON object";
	c = elem->val.binary.data;
	id = get_key(c, "id");
	if (id == NULL || id->type != jbvString || id->val.string.len == 0 ||
		id->val.string.len > MAX_EVENT_ID ||
		memchr(id->val.string.val, '\r', id->val.string.len) != NULL ||
		memchr(id->val.string.val, '\0', id->val.string.len) != NULL)
		return "id must be a string of 1 to 800 characters without a carriage return";
	*id_out = value_string(id);
	type = get_key(c, "type");
	if (type == NULL || type->type != jbvString)
		return "type must be a string";
	t = value_string(type);
	if (strcmp(t, "sdk-log") == 0)
	{
		*skip = true;
		return NULL;
	}
	ts = get_key(c, "timestamp");
	if (ts == NULL || ts->type != jbvString ||
		!parse_timestamp(ts->val.string.val, ts->val.string.len, &ev->ts))
		return "timestamp must be an ISO 8601 date-time with an offset";
	if (strcmp(t, "dataset-run-item-create") == 0)
		return "dataset-run-item-create is not accepted";
	if (!event_type(t, &ev->kind, &ev->obs_type, &ev->is_update))
		return psprintf("unknown event type \"%s\"", t);
	body = get_key(c, "body");
	if (body == NULL || !is_object(body))
		return "body must be a JSON object";
	ev->id = *id_out;
	ev->seq = seq;
	ev->body = body->val.binary.data;
	return NULL;
}

static void
push_result(JsonbParseState **st, const ResultItem *r)
{
	JsonbValue	k,
				v;

	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "id";
	k.val.string.len = 2;
	pushJsonbValue(st, WJB_KEY, &k);
	v.type = jbvString;
	v.val.string.val = r->id;
	v.val.string.len = strlen(r->id);
	pushJsonbValue(st, WJB_VALUE, &v);
	k.val.string.val = "status";
	k.val.string.len = 6;
	pushJsonbValue(st, WJB_KEY, &k);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(r->status);
	pushJsonbValue(st, WJB_VALUE, &v);
	if (r->error != NULL)
	{
		k.val.string.val = "message";
		k.val.string.len = 7;
		pushJsonbValue(st, WJB_KEY, &k);
		v.type = jbvString;
		v.val.string.val = "Invalid request data";
		v.val.string.len = strlen(v.val.string.val);
		pushJsonbValue(st, WJB_VALUE, &v);
		k.val.string.val = "error";
		k.val.string.len = 5;
		pushJsonbValue(st, WJB_KEY, &k);
		v.val.string.val = (char *) r->error;
		v.val.string.len = strlen(r->error);
		pushJsonbValue(st, WJB_VALUE, &v);
	}
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

Datum
usertrack_ingest(PG_FUNCTION_ARGS)
{
	Jsonb	   *in = PG_GETARG_JSONB_P(0);
	JsonbValue *batch;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	Event	   *events;
	int			nevents = 0,
				cap,
				seq = 0;
	ResultItem *ok,
			   *bad;
	int			nok = 0,
				nbad = 0;
	Batch		b;
	JsonbParseState *st = NULL;
	JsonbValue	k;
	JsonbValue *res;

	if (!JB_ROOT_IS_OBJECT(in) ||
		(batch = get_key(&in->root, "batch")) == NULL || !is_array(batch))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid ingestion batch"),
				 errdetail("usertrack.ingest() takes a JSON object whose key \"batch\" is an array of events."),
				 errhint("Send the body of a Langfuse ingestion request: {\"batch\": [{\"id\", \"timestamp\", \"type\", \"body\"}, ...]}.")));

	cap = JsonContainerSize(batch->val.binary.data) + 1;
	events = palloc(sizeof(Event) * cap);
	ok = palloc(sizeof(ResultItem) * cap);
	bad = palloc(sizeof(ResultItem) * cap);

	/* every event on its own: the envelope, then the body by type */
	batch_init(&b);

	it = JsonbIteratorInit(batch->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		Event		ev;
		char	   *id;
		bool		skip;
		const char *err;

		if (tok != WJB_ELEM)
			continue;
		memset(&ev, 0, sizeof(ev));
		err = read_envelope(&elem, seq++, &ev, &id, &skip);
		if (skip)
			continue;
		if (err != NULL)
		{
			bad[nbad].id = id;
			bad[nbad].status = 400;
			bad[nbad++].error = err;
			continue;
		}
		events[nevents++] = ev;
	}

	/* in order: envelope time, creates before updates, batch order */
	qsort(events, nevents, sizeof(Event), compare_events);
	for (int i = 0; i < nevents; i++)
	{
		Event	   *ev = &events[i];
		const char *err;

		if (ev->kind == E_TRACE)
			err = trace_event(&b, ev);
		else if (ev->kind == E_OBSERVATION)
			err = observation_event(&b, ev);
		else
			err = score_event(&b, ev);
		if (err != NULL)
		{
			bad[nbad].id = ev->id;
			bad[nbad].status = 400;
			bad[nbad++].error = err;
		}
		else
		{
			ok[nok].id = ev->id;
			ok[nok].status = 201;
			ok[nok++].error = NULL;
		}
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usertrack: SPI_connect failed");
	write_entities(&b);
	SPI_finish();

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "successes";
	k.val.string.len = 9;
	pushJsonbValue(&st, WJB_KEY, &k);
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < nok; i++)
		push_result(&st, &ok[i]);
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	k.val.string.val = "errors";
	k.val.string.len = 6;
	pushJsonbValue(&st, WJB_KEY, &k);
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < nbad; i++)
		push_result(&st, &bad[i]);
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/* ---------------------------------------------------------------------
 * OTLP: usertrack.ingest_otlp(request jsonb) -> jsonb
 *
 * An OTLP/HTTP JSON trace export ({"resourceSpans": [...]}, COMPAT.md
 * sections 3.2 to 3.6 and 4.2).  Each span becomes the Langfuse events it
 * stands for (a trace event with the trace-level attributes it carries, the
 * root span's name, input and output; an observation event with the rest),
 * and those go through the same checks, merge and upserts as ingest().
 * --------------------------------------------------------------------- */

typedef struct SpanAttrs
{
	int			n;
	int			cap;
	char	  **keys;
	JsonbValue *vals;
} SpanAttrs;

static JsonbValue *
container_value(Jsonb *j)
{
	JsonbValue *v = palloc(sizeof(JsonbValue));

	if (JB_ROOT_IS_SCALAR(j))
	{
		JsonbExtractScalar(&j->root, v);
		return v;
	}
	v->type = jbvBinary;
	v->val.binary.data = &j->root;
	v->val.binary.len = VARSIZE(j) - VARHDRSZ;
	return v;
}

/* A JSON text, parsed if it is valid JSON (NULL otherwise). */
static JsonbValue *
parse_json_text(const char *s, int len)
{
	JsonLexContext *lex;
	char	   *copy = pnstrdup(s, len);

	/*
	 * With the escapes processed, as jsonb_in processes them: a \u0000 (which
	 * text cannot hold) or a lone surrogate makes the text "not JSON", kept
	 * as a string, instead of failing the whole call in jsonb_in.
	 */
	lex = makeJsonLexContextCstringLen(copy, len, GetDatabaseEncoding(), true);
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return NULL;
	return container_value(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy))));
}

/* An OTLP AnyValue as a plain value (COMPAT 3.2). */
static JsonbValue *
any_value(JsonbValue *av)
{
	JsonbValue *x;
	JsonbValue *out = palloc(sizeof(JsonbValue));

	if (av == NULL || !is_object(av))
	{
		out->type = jbvNull;
		return out;
	}
	if ((x = get_key(av->val.binary.data, "stringValue")) != NULL && x->type == jbvString)
		return x;
	if ((x = get_key(av->val.binary.data, "boolValue")) != NULL && x->type == jbvBool)
		return x;
	if ((x = get_key(av->val.binary.data, "intValue")) != NULL ||
		(x = get_key(av->val.binary.data, "doubleValue")) != NULL)
	{
		if (x->type == jbvNumeric)
			return x;
		if (x->type == jbvString)
		{
			JsonbValue *n = parse_json_text(x->val.string.val, x->val.string.len);

			if (n != NULL && n->type == jbvNumeric)
				return n;
			return x;			/* "NaN", "Infinity": kept as strings */
		}
	}
	if ((x = get_key(av->val.binary.data, "arrayValue")) != NULL && is_object(x))
	{
		JsonbValue *vals = get_key(x->val.binary.data, "values");
		JsonbParseState *st = NULL;

		pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
		if (vals != NULL && is_array(vals))
		{
			JsonbIterator *it = JsonbIteratorInit(vals->val.binary.data);
			JsonbValue	e;
			JsonbIteratorToken tok;

			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
				if (tok == WJB_ELEM)
				{
					JsonbValue *d = any_value(&e);

					pushJsonbValue(&st, WJB_ELEM, d);
				}
		}
		return container_value(JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_ARRAY, NULL)));
	}
	/* kvlistValue and bytesValue are kept as the AnyValue object */
	return av;
}

static void
attrs_read(JsonbValue *list, SpanAttrs *m)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (list == NULL || !is_array(list))
		return;
	it = JsonbIteratorInit(list->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		JsonbValue *k;
		char	   *key;
		int			i;

		if (tok != WJB_ELEM || !is_object(&e))
			continue;
		k = get_key(e.val.binary.data, "key");
		if (k == NULL || k->type != jbvString)
			continue;
		key = value_string(k);
		for (i = 0; i < m->n; i++)
			if (strcmp(m->keys[i], key) == 0)
				break;
		if (i == m->n)
		{
			if (m->n == m->cap)
			{
				m->cap = m->cap ? m->cap * 2 : 16;
				m->keys = m->keys ? repalloc(m->keys, sizeof(char *) * m->cap) :
					palloc(sizeof(char *) * m->cap);
				m->vals = m->vals ? repalloc(m->vals, sizeof(JsonbValue) * m->cap) :
					palloc(sizeof(JsonbValue) * m->cap);
			}
			m->keys[m->n++] = key;
		}
		/* the last duplicate wins */
		m->vals[i] = *any_value(get_key(e.val.binary.data, "value"));
	}
}

static JsonbValue *
attr(SpanAttrs *m, const char *key)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i].type == jbvNull ? NULL : &m->vals[i];
	return NULL;
}

/* The first of some keys with a non-empty value, as a string. */
static JsonbValue *
attr_string(SpanAttrs *m, const char *const *keys)
{
	for (int i = 0; keys[i]; i++)
	{
		JsonbValue *v = attr(m, keys[i]);

		if (v == NULL)
			continue;
		if (v->type == jbvString && v->val.string.len > 0)
			return v;
		if (v->type == jbvNumeric || v->type == jbvBool)
		{
			JsonbValue *s = palloc(sizeof(JsonbValue));
			char	   *text = v->type == jbvBool ? (v->val.boolean ? "true" : "false") :
				DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));

			s->type = jbvString;
			s->val.string.val = text;
			s->val.string.len = strlen(text);
			return s;
		}
	}
	return NULL;
}

/* A value that may be JSON text (input, output, metadata): parsed if it is. */
static JsonbValue *
json_or_string(JsonbValue *v)
{
	if (v != NULL && v->type == jbvString)
	{
		JsonbValue *p = parse_json_text(v->val.string.val, v->val.string.len);

		if (p != NULL)
			return p;
	}
	return v;
}

static void
push_kv(JsonbParseState **st, const char *key, JsonbValue *v)
{
	JsonbValue	k;

	if (v == NULL)
		return;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &k);
	pushJsonbValue(st, WJB_VALUE, v);
}

static JsonbValue *
cstring_value(const char *s)
{
	JsonbValue *v = palloc(sizeof(JsonbValue));

	v->type = jbvString;
	v->val.string.val = (char *) s;
	v->val.string.len = strlen(s);
	return v;
}

/* Unix nanoseconds (a decimal string or a number) as an ISO 8601 string. */
static const char *
nanos_to_iso(JsonbValue *v, TimestampTz *ts)
{
	int64		ns;
	struct pg_tm tm;
	fsec_t		fsec;
	Numeric		n;

	if (v == NULL)
		return NULL;
	if (v->type == jbvString)
	{
		if (v->val.string.len == 0 || v->val.string.len > 19)
			return NULL;
		for (int i = 0; i < v->val.string.len; i++)
			if (!isdigit((unsigned char) v->val.string.val[i]))
				return NULL;
		n = DatumGetNumeric(DirectFunctionCall3(numeric_in,
												CStringGetDatum(pnstrdup(v->val.string.val, v->val.string.len)),
												ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	}
	else if (v->type == jbvNumeric && count_value(v, false, &n))
		;
	else
		return NULL;
	if (DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(n),
										 NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))))
		return NULL;
	ns = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(n)));
	*ts = ns / 1000 - (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	if (timestamp2tm(*ts, NULL, &tm, &fsec, NULL, NULL) != 0 || tm.tm_year > 9999 || tm.tm_year < 1)
		return NULL;
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/* A hex id of a given length, lower-cased; NULL if it is not one. */
static char *
hex_id(JsonbValue *v, int len)
{
	char	   *s;

	if (v == NULL || v->type != jbvString || v->val.string.len != len)
		return NULL;
	s = pnstrdup(v->val.string.val, len);
	for (int i = 0; i < len; i++)
	{
		if (!isxdigit((unsigned char) s[i]))
			return NULL;
		s[i] = tolower((unsigned char) s[i]);
	}
	return s;
}

/*
 * A span's start or end time: absent (no key, or null), or nanoseconds
 * since 1970 as a string or a number.  A value that is there but is not a
 * time is an error, not an absence.
 */
static const char *
span_time(JsonbContainer *sc, const char *key, const char **iso, TimestampTz *ts)
{
	JsonbValue *v = get_key(sc, key);

	*iso = NULL;
	if (v == NULL || v->type == jbvNull)
		return NULL;
	if ((*iso = nanos_to_iso(v, ts)) == NULL)
		return psprintf("%s must be nanoseconds since 1970 (a string of digits or a number), up to the year 9999", key);
	return NULL;
}

/* The observation type of a span (COMPAT 3.5, the mappers that apply). */
static const char *
span_type(SpanAttrs *a)
{
	static const char *const lf[][2] = {
		{"span", "SPAN"}, {"generation", "GENERATION"}, {"event", "EVENT"},
		{"embedding", "EMBEDDING"}, {"agent", "AGENT"}, {"tool", "TOOL"},
		{"chain", "CHAIN"}, {"retriever", "RETRIEVER"}, {"guardrail", "GUARDRAIL"},
		{"evaluator", "EVALUATOR"}
	};
	static const char *const oi[][2] = {
		{"LLM", "GENERATION"}, {"CHAIN", "CHAIN"}, {"RETRIEVER", "RETRIEVER"},
		{"EMBEDDING", "EMBEDDING"}, {"AGENT", "AGENT"}, {"TOOL", "TOOL"},
		{"GUARDRAIL", "GUARDRAIL"}, {"EVALUATOR", "EVALUATOR"}
	};
	static const char *const genai[][2] = {
		{"chat", "GENERATION"}, {"completion", "GENERATION"}, {"text_completion", "GENERATION"},
		{"generate_content", "GENERATION"}, {"generate", "GENERATION"},
		{"embeddings", "EMBEDDING"}, {"invoke_agent", "AGENT"}, {"create_agent", "AGENT"},
		{"execute_tool", "TOOL"}
	};
	static const char *const model_keys[] = {
		"langfuse.observation.model.name", "gen_ai.request.model", "gen_ai.response.model",
		"llm.model_name", "model", NULL
	};
	JsonbValue *v;

#define MATCH(table, value, ci) \
	for (int i_ = 0; i_ < (int) lengthof(table); i_++) \
		if ((int) strlen(table[i_][0]) == (value)->val.string.len && \
			((ci) ? pg_strncasecmp(table[i_][0], (value)->val.string.val, (value)->val.string.len) : \
			 strncmp(table[i_][0], (value)->val.string.val, (value)->val.string.len)) == 0) \
			return table[i_][1]

	if ((v = attr(a, "langfuse.observation.type")) != NULL && v->type == jbvString)
		MATCH(lf, v, true);
	if ((v = attr(a, "openinference.span.kind")) != NULL && v->type == jbvString)
		MATCH(oi, v, true);
	if ((v = attr(a, "gen_ai.operation.name")) != NULL && v->type == jbvString)
		MATCH(genai, v, false);
#undef MATCH
	if (attr(a, "gen_ai.tool.name") || attr(a, "gen_ai.tool.call.id"))
		return "TOOL";
	if (attr_string(a, model_keys))
		return "GENERATION";
	return "SPAN";
}

/* gen_ai.usage.* and llm.token_count.* as a usage map (COMPAT 3.6). */
static JsonbValue *
generic_usage(SpanAttrs *a)
{
	static const char *const prefixes[] = {"gen_ai.usage.", "llm.token_count.", NULL};
	static const char *const in_keys[] = {"prompt_tokens", "input_tokens", "prompt", NULL};
	static const char *const out_keys[] = {"completion_tokens", "output_tokens", "completion", NULL};
	static const char *const total_keys[] = {"total_tokens", "total", NULL};
	static const char *const cache_read[] = {"cache_read.input_tokens", "cache_read_input_tokens",
		"cache_read_tokens", "details.cache_read_tokens", "details.cache_read_input_tokens",
	"prompt_details.cache_read", "input_cached_tokens", NULL};
	static const char *const cache_write[] = {"cache_creation.input_tokens", "cache_creation_input_tokens",
		"cache_write_tokens", "details.cache_write_tokens", "details.cache_creation_input_tokens",
	"prompt_details.cache_write", "input_cache_creation", NULL};
	static const char *const reasoning[] = {"reasoning.output_tokens", "completion_details.reasoning", NULL};
	static const char *const audio_out[] = {"completion_details.audio", NULL};
	UsageMap	raw,
				out;
	Numeric		in = NULL,
				outv = NULL,
				cr = NULL,
				cw = NULL,
				rs = NULL,
				au = NULL;

	memset(&raw, 0, sizeof(raw));
	memset(&out, 0, sizeof(out));
	for (int i = 0; i < a->n; i++)
		for (int p = 0; prefixes[p]; p++)
		{
			size_t		pl = strlen(prefixes[p]);
			Numeric		n;

			if (strncmp(a->keys[i], prefixes[p], pl) == 0 && a->keys[i][pl] != '\0' &&
				strcmp(a->keys[i], "gen_ai.usage.cost") != 0 &&
				count_value(&a->vals[i], true, &n))
				(void) map_set(&raw, a->keys[i] + pl, n);
		}
	if (raw.n == 0)
		return NULL;
#define FIRST(list, var) \
	for (int k_ = 0; list[k_] && var == NULL; k_++) var = map_get(&raw, list[k_])
	FIRST(in_keys, in);
	FIRST(out_keys, outv);
	FIRST(cache_read, cr);
	FIRST(cache_write, cw);
	FIRST(reasoning, rs);
	FIRST(audio_out, au);
#undef FIRST
	if (in != NULL)
	{
		if (cr)
			in = num_sub_floor0(in, cr);
		if (cw)
			in = num_sub_floor0(in, cw);
		map_set(&out, "input", in);
	}
	if (outv != NULL)
	{
		if (rs)
			outv = num_sub_floor0(outv, rs);
		if (au)
			outv = num_sub_floor0(outv, au);
		map_set(&out, "output", outv);
	}
	for (int k = 0; total_keys[k]; k++)
		if (map_get(&raw, total_keys[k]))
		{
			map_set(&out, "total", map_get(&raw, total_keys[k]));
			break;
		}
	if (cr)
		map_set(&out, "input_cached_tokens", cr);
	if (cw)
		map_set(&out, "input_cache_creation", cw);
	if (rs)
		map_set(&out, "output_reasoning_tokens", rs);
	if (au)
		map_set(&out, "output_audio_tokens", au);
	/* any other kind, verbatim (without a leading "details.") */
	for (int i = 0; i < raw.n; i++)
	{
		const char *k = raw.keys[i];
		bool		known = false;
		const char *const *lists[] = {in_keys, out_keys, total_keys, cache_read, cache_write,
		reasoning, audio_out};

		for (int l = 0; l < (int) lengthof(lists) && !known; l++)
			for (int j = 0; lists[l][j]; j++)
				if (strcmp(lists[l][j], k) == 0)
					known = true;
		if (!known)
			map_set(&out, strncmp(k, "details.", 8) == 0 ? k + 8 : k, raw.values[i]);
	}
	return container_value(JsonbValueToJsonb(map_value(&out)));
}

/* A metadata object: a JSON object attribute and its .<k> attributes. */
static JsonbValue *
metadata_of(SpanAttrs *a, const char *base)
{
	JsonbParseState *st = NULL;
	JsonbValue *whole = json_or_string(attr(a, base));
	size_t		bl = strlen(base);
	bool		any = false;
	Jsonb	   *merged;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < a->n; i++)
		if (strncmp(a->keys[i], base, bl) == 0 && a->keys[i][bl] == '.' && a->keys[i][bl + 1] != '\0')
		{
			push_kv(&st, a->keys[i] + bl + 1, json_or_string(&a->vals[i]));
			any = true;
		}
	merged = JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
	if (whole != NULL && is_object(whole))
	{
		Jsonb	   *w = JsonbValueToJsonb(whole);

		merged = any ? DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(w),
														  JsonbPGetDatum(merged))) : w;
		any = true;
	}
	return any ? container_value(merged) : NULL;
}

/* Tags: a string array, a JSON array string, a comma list or one string. */
static JsonbValue *
tags_of(SpanAttrs *a)
{
	static const char *const keys[] = {"langfuse.trace.tags", "langfuse.tags", NULL};

	for (int i = 0; keys[i]; i++)
	{
		JsonbValue *v = attr(a, keys[i]);
		JsonbParseState *st = NULL;

		if (v == NULL)
			continue;
		if (v->type == jbvString)
		{
			JsonbValue *p = parse_json_text(v->val.string.val, v->val.string.len);

			if (p != NULL && is_array(p))
				v = p;
			else
			{
				char	   *s = value_string(v);
				char	   *tok,
						   *save;

				pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
				for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				{
					while (*tok == ' ')
						tok++;
					if (*tok)
						pushJsonbValue(&st, WJB_ELEM, cstring_value(tok));
				}
				return container_value(JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_ARRAY, NULL)));
			}
		}
		if (is_array(v))
		{
			/* keep the string elements */
			JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
			JsonbValue	e;
			JsonbIteratorToken tok;

			pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
				if (tok == WJB_ELEM && e.type == jbvString)
					pushJsonbValue(&st, WJB_ELEM, &e);
			return container_value(JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_ARRAY, NULL)));
		}
	}
	return NULL;
}

/*
 * The events of one span: its observation, and the trace event with what
 * the span says about its trace.  Returns an error (the span is rejected).
 */
static const char *
span_events(JsonbValue *span, SpanAttrs *res, Event *trace_ev, Event *obs_ev, bool *has_trace)
{
	static const char *const user_keys[] = {"langfuse.user.id", "user.id",
		"langfuse.observation.metadata.langfuse_user_id", "langfuse.trace.metadata.langfuse_user_id",
	"ai.telemetry.metadata.userId", NULL};
	static const char *const session_keys[] = {"langfuse.session.id", "session.id",
		"gen_ai.conversation.id", "langfuse.observation.metadata.langfuse_session_id",
	"langfuse.trace.metadata.langfuse_session_id", "ai.telemetry.metadata.sessionId", NULL};
	static const char *const env_keys[] = {"langfuse.environment", "deployment.environment.name",
	"deployment.environment", NULL};
	static const char *const model_keys[] = {"langfuse.observation.model.name", "gen_ai.response.model",
	"ai.model.id", "gen_ai.request.model", "llm.response.model", "llm.model_name", "model", NULL};
	static const char *const level_debug[] = {"TRACE", "VERBOSE", "DEBUG", NULL};
	static const char *const level_default[] = {"INFO", "LOG", "NOTICE", "OK", "SUCCESS", "DEFAULT", NULL};
	static const char *const level_warning[] = {"WARN", "WARNING", NULL};
	static const char *const level_error[] = {"FATAL", "CRITICAL", "ERROR", NULL};
	JsonbContainer *sc;
	SpanAttrs		a;
	char	   *trace_id,
			   *span_id,
			   *parent = NULL;
	JsonbValue *v,
			   *status,
			   *x;
	TimestampTz start_ts = 0,
				end_ts = 0;
	const char *start,
			   *end;
	bool		root;
	JsonbParseState *ts = NULL,
			   *os = NULL;
	const char *err;
	JsonbValue *tuser,
			   *tsession,
			   *tenv,
			   *ttags,
			   *tmeta,
			   *trel,
			   *tver,
			   *input,
			   *output;
	const char *level = NULL;

	if (!is_object(span))
		return "a span must be an object";
	sc = span->val.binary.data;
	if ((trace_id = hex_id(get_key(sc, "traceId"), 32)) == NULL)
		return "traceId must be 32 hex digits";
	if ((span_id = hex_id(get_key(sc, "spanId"), 16)) == NULL)
		return "spanId must be 16 hex digits";
	/* OpenTelemetry: an id of all zeros is invalid */
	if (strspn(trace_id, "0") == 32)
		return "traceId is all zeros, which OpenTelemetry defines as invalid";
	if (strspn(span_id, "0") == 16)
		return "spanId is all zeros, which OpenTelemetry defines as invalid";
	v = get_key(sc, "parentSpanId");
	if (v != NULL && v->type == jbvString && v->val.string.len > 0 &&
		(parent = hex_id(v, 16)) == NULL)
		return "parentSpanId must be 16 hex digits";
	if (parent != NULL && strspn(parent, "0") == 16)
		parent = NULL;			/* all zeros: no parent, as OpenTelemetry reads it */
	if ((err = span_time(sc, "startTimeUnixNano", &start, &start_ts)) != NULL ||
		(err = span_time(sc, "endTimeUnixNano", &end, &end_ts)) != NULL)
		return err;
	if (start == NULL && end == NULL)
		return "startTimeUnixNano and endTimeUnixNano are both missing";
	if (start == NULL)
		start = end, start_ts = end_ts;
	if (end == NULL)
		end = start;
	v = get_key(sc, "attributes");
	if (v != NULL && v->type != jbvNull && !is_array(v))
		return "attributes must be an array of {\"key\", \"value\"} objects";
	if (v != NULL && v->type != jbvNull)
	{
		JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			JsonbValue *k;

			if (tok != WJB_ELEM)
				continue;
			if (!is_object(&e) || (k = get_key(e.val.binary.data, "key")) == NULL ||
				k->type != jbvString)
				return "attributes must be an array of {\"key\", \"value\"} objects";
		}
	}

	memset(&a, 0, sizeof(a));
	attrs_read(v, &a);
	x = attr(&a, "langfuse.internal.as_root");
	root = parent == NULL || (x != NULL && x->type == jbvBool && x->val.boolean) ||
		(x != NULL && x->type == jbvString && x->val.string.len == 4 &&
		 strncmp(x->val.string.val, "true", 4) == 0);

	/* the trace */
	tuser = attr_string(&a, user_keys);
	tsession = attr_string(&a, session_keys);
	tenv = attr_string(&a, env_keys);
	if (tenv == NULL)
		tenv = attr_string(res, env_keys);
	ttags = tags_of(&a);
	tmeta = metadata_of(&a, "langfuse.trace.metadata");
	trel = attr_string(&a, (const char *const[]) {"langfuse.release", NULL});
	if (trel == NULL)
		trel = attr_string(res, (const char *const[]) {"langfuse.release", NULL});
	tver = attr_string(&a, (const char *const[]) {"langfuse.version", NULL});
	if (tver == NULL)
		tver = attr_string(res, (const char *const[]) {"service.version", NULL});
	input = json_or_string(attr(&a, "langfuse.observation.input"));
	if (input == NULL)
		input = json_or_string(attr(&a, "input.value"));
	if (input == NULL)
		input = json_or_string(attr(&a, "gen_ai.input.messages"));
	output = json_or_string(attr(&a, "langfuse.observation.output"));
	if (output == NULL)
		output = json_or_string(attr(&a, "output.value"));
	if (output == NULL)
		output = json_or_string(attr(&a, "gen_ai.output.messages"));

	pushJsonbValue(&ts, WJB_BEGIN_OBJECT, NULL);
	push_kv(&ts, "id", cstring_value(trace_id));
	push_kv(&ts, "timestamp", cstring_value(start));
	push_kv(&ts, "userId", tuser);
	push_kv(&ts, "sessionId", tsession);
	push_kv(&ts, "environment", tenv);
	push_kv(&ts, "tags", ttags);
	push_kv(&ts, "metadata", tmeta);
	push_kv(&ts, "release", trel);
	push_kv(&ts, "version", tver);
	if (root)
	{
		JsonbValue *tname = attr_string(&a, (const char *const[]) {"langfuse.trace.name", NULL});
		JsonbValue *tin = json_or_string(attr(&a, "langfuse.trace.input"));
		JsonbValue *tout = json_or_string(attr(&a, "langfuse.trace.output"));

		x = get_key(sc, "name");
		push_kv(&ts, "name", tname ? tname : (x && x->type == jbvString ? x : NULL));
		push_kv(&ts, "input", tin ? tin : input);
		push_kv(&ts, "output", tout ? tout : output);
	}
	else
	{
		JsonbValue *tname = attr_string(&a, (const char *const[]) {"langfuse.trace.name", NULL});

		push_kv(&ts, "name", tname);
		push_kv(&ts, "input", json_or_string(attr(&a, "langfuse.trace.input")));
		push_kv(&ts, "output", json_or_string(attr(&a, "langfuse.trace.output")));
	}
	trace_ev->body = &JsonbValueToJsonb(pushJsonbValue(&ts, WJB_END_OBJECT, NULL))->root;
	trace_ev->kind = E_TRACE;
	trace_ev->ts = start_ts;
	*has_trace = true;

	/* the observation */
	x = attr(&a, "langfuse.observation.level");
	if (x != NULL && x->type != jbvString && x->type != jbvNull)
		return "langfuse.observation.level must be a string";
	if (x != NULL && x->type == jbvString)
	{
		const char *const *lists[] = {level_debug, level_default, level_warning, level_error};
		const char *names[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR"};

		for (int l = 0; l < 4 && level == NULL; l++)
			for (int j = 0; lists[l][j]; j++)
				if ((int) strlen(lists[l][j]) == x->val.string.len &&
					pg_strncasecmp(lists[l][j], x->val.string.val, x->val.string.len) == 0)
					level = names[l];
		/* as ingest() refuses an unknown level */
		if (level == NULL)
			return psprintf("langfuse.observation.level \"%s\" is not a level: use DEBUG, DEFAULT, WARNING or ERROR",
							usertrack_clip(value_string(x), 64));
	}
	status = get_key(sc, "status");
	if (level == NULL && status != NULL && is_object(status) &&
		(x = get_key(status->val.binary.data, "code")) != NULL && x->type == jbvNumeric &&
		DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(x->val.numeric),
										 NumericGetDatum(int64_to_numeric(2)))))
		level = "ERROR";

	pushJsonbValue(&os, WJB_BEGIN_OBJECT, NULL);
	push_kv(&os, "id", cstring_value(span_id));
	push_kv(&os, "traceId", cstring_value(trace_id));
	if (parent)
		push_kv(&os, "parentObservationId", cstring_value(parent));
	x = attr_string(&a, (const char *const[]) {"gen_ai.tool.name", NULL});
	push_kv(&os, "name", x ? x : get_key(sc, "name"));
	push_kv(&os, "startTime", cstring_value(start));
	push_kv(&os, "endTime", cstring_value(end));
	push_kv(&os, "model", attr_string(&a, model_keys));
	if (level)
		push_kv(&os, "level", cstring_value(level));
	x = attr_string(&a, (const char *const[]) {"langfuse.observation.status_message", NULL});
	if (x == NULL && status != NULL && is_object(status))
	{
		x = get_key(status->val.binary.data, "message");
		if (x != NULL && (x->type != jbvString || x->val.string.len == 0))
			x = NULL;
	}
	push_kv(&os, "statusMessage", x);
	x = json_or_string(attr(&a, "langfuse.observation.completion_start_time"));
	if (x != NULL && x->type == jbvString)
	{
		TimestampTz dummy;

		if (parse_timestamp(x->val.string.val, x->val.string.len, &dummy))
			push_kv(&os, "completionStartTime", x);
	}
	x = json_or_string(attr(&a, "langfuse.observation.model.parameters"));
	if (x != NULL && is_object(x))
		push_kv(&os, "modelParameters", x);
	push_kv(&os, "input", input);
	push_kv(&os, "output", output);
	push_kv(&os, "metadata", metadata_of(&a, "langfuse.observation.metadata"));
	x = json_or_string(attr(&a, "langfuse.observation.usage_details"));
	push_kv(&os, "usageDetails", x != NULL && is_object(x) ? x : generic_usage(&a));
	x = json_or_string(attr(&a, "langfuse.observation.cost_details"));
	if (x != NULL && is_object(x))
		push_kv(&os, "costDetails", x);
	else
	{
		JsonbValue *c = attr(&a, "gen_ai.usage.cost");

		if (c == NULL)
			c = attr(&a, "llm.cost.total");
		if (c != NULL && c->type == jbvNumeric)
		{
			JsonbParseState *cs = NULL;

			pushJsonbValue(&cs, WJB_BEGIN_OBJECT, NULL);
			push_kv(&cs, "total", c);
			push_kv(&os, "costDetails",
					container_value(JsonbValueToJsonb(pushJsonbValue(&cs, WJB_END_OBJECT, NULL))));
		}
	}
	obs_ev->body = &JsonbValueToJsonb(pushJsonbValue(&os, WJB_END_OBJECT, NULL))->root;
	obs_ev->kind = E_OBSERVATION;
	obs_ev->obs_type = span_type(&a);
	obs_ev->ts = start_ts;
	obs_ev->id = span_id;
	trace_ev->id = span_id;
	return NULL;
}

/* adds a problem to the OTLP answer's errorMessage, which stays short */
static void
note(StringInfo msg, const char *problem)
{
	if (msg->len < 1000)
		appendStringInfo(msg, "%s%s", msg->len ? "; " : "", problem);
}

PG_FUNCTION_INFO_V1(usertrack_ingest_otlp);

Datum
usertrack_ingest_otlp(PG_FUNCTION_ARGS)
{
	Jsonb	   *in = PG_GETARG_JSONB_P(0);
	JsonbValue *rs;
	JsonbIterator *it;
	JsonbValue	r;
	JsonbIteratorToken tok;
	List	   *events = NIL;
	Event	   *sorted;
	int			n = 0,
				seq = 0,
				rejected = 0;
	StringInfoData msg;
	Batch		b;
	ListCell   *lc;
	JsonbParseState *st = NULL;
	bool	   *span_refused;

	if (!JB_ROOT_IS_OBJECT(in) ||
		((rs = get_key(&in->root, "resourceSpans")) != NULL && !is_array(rs)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid OTLP trace export"),
				 errdetail("usertrack.ingest_otlp() takes a JSON object whose key \"resourceSpans\" is an array."),
				 errhint("Send the body of an OTLP/HTTP JSON export: {\"resourceSpans\": [{\"resource\", \"scopeSpans\": [{\"scope\", \"spans\": [...]}]}]}.")));
	initStringInfo(&msg);

	if (rs != NULL)
	{
		it = JsonbIteratorInit(rs->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &r, true)) != WJB_DONE)
		{
			SpanAttrs		res;
			JsonbValue *resource,
					   *scopes,
						s;
			JsonbIterator *sit;

			if (tok != WJB_ELEM)
				continue;
			if (!is_object(&r))
			{
				note(&msg, "a resourceSpans element is not an object");
				continue;
			}
			memset(&res, 0, sizeof(res));
			resource = get_key(r.val.binary.data, "resource");
			if (resource != NULL && is_object(resource))
				attrs_read(get_key(resource->val.binary.data, "attributes"), &res);
			scopes = get_key(r.val.binary.data, "scopeSpans");
			if (scopes == NULL || scopes->type == jbvNull)
				continue;
			if (!is_array(scopes))
			{
				note(&msg, "a resourceSpans element's scopeSpans is not an array");
				continue;
			}
			sit = JsonbIteratorInit(scopes->val.binary.data);
			while ((tok = JsonbIteratorNext(&sit, &s, true)) != WJB_DONE)
			{
				JsonbValue *spans,
							sp;
				JsonbIterator *pit;

				if (tok != WJB_ELEM)
					continue;
				if (!is_object(&s))
				{
					note(&msg, "a scopeSpans element is not an object");
					continue;
				}
				spans = get_key(s.val.binary.data, "spans");
				if (spans == NULL || spans->type == jbvNull)
					continue;
				if (!is_array(spans))
				{
					note(&msg, "a scopeSpans element's spans is not an array");
					continue;
				}
				pit = JsonbIteratorInit(spans->val.binary.data);
				while ((tok = JsonbIteratorNext(&pit, &sp, true)) != WJB_DONE)
				{
					Event	   *te,
							   *oe;
					bool		has_trace = false;
					const char *err;

					if (tok != WJB_ELEM)
						continue;
					te = palloc0(sizeof(Event));
					oe = palloc0(sizeof(Event));
					err = span_events(&sp, &res, te, oe, &has_trace);
					if (err != NULL)
					{
						rejected++;
						note(&msg, err);
						continue;
					}
					te->seq = seq++;
					oe->seq = seq++;
					events = lappend(events, te);
					events = lappend(events, oe);
				}
			}
		}
	}

	/*
	 * The same checks, order, merge and writes as ingest().  A span is its
	 * trace event and its observation event (seq 2k and 2k + 1), and it
	 * lands whole or not at all: when the checks refuse one of the two, the
	 * merge starts over without the span.  An event's checks do not depend
	 * on the other events, so the second pass refuses nothing new.
	 */
	sorted = palloc(sizeof(Event) * (list_length(events) + 1));
	foreach(lc, events)
		sorted[n++] = *(Event *) lfirst(lc);
	qsort(sorted, n, sizeof(Event), compare_events);
	span_refused = palloc0(sizeof(bool) * (seq / 2 + 1));
	for (bool again = true; again;)
	{
		again = false;
		batch_init(&b);
		for (int i = 0; i < n; i++)
		{
			const char *err;

			if (span_refused[sorted[i].seq / 2])
				continue;
			err = sorted[i].kind == E_TRACE ? trace_event(&b, &sorted[i]) :
				observation_event(&b, &sorted[i]);
			if (err != NULL)
			{
				span_refused[sorted[i].seq / 2] = true;
				again = true;
				rejected++;
				note(&msg, psprintf("span %s: %s", sorted[i].id, err));
			}
		}
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usertrack: SPI_connect failed");
	write_entities(&b);
	SPI_finish();

	/* the OTLP response: {} or {"partialSuccess": {...}} */
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	if (rejected > 0 || msg.len > 0)
	{
		JsonbParseState *ps = NULL;
		JsonbValue	num;

		num.type = jbvString;
		num.val.string.val = psprintf("%d", rejected);
		num.val.string.len = strlen(num.val.string.val);
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		push_kv(&ps, "rejectedSpans", &num);
		push_kv(&ps, "errorMessage", cstring_value(msg.data));
		push_kv(&st, "partialSuccess",
				container_value(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL))));
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL)));
}
