/*
 * postfile: reading bulk post files.
 */
#include "postfile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "csv.h"
#include "when.h"

enum field {
	F_AT,
	F_PLATFORM,
	F_TITLE,
	F_BODY,
	F_TYPE,
	F_PERSONA,
	F_CAMPAIGN,
	F_URL,
	F_DRAFT,
	F_COUNT
};

/* Column names per field, the first the canonical one (also the JSON
 * key); CSV columns match ignoring case, blanks, '_' and '-'. */
static const char *const aliases[F_COUNT][6] = {
	[F_AT] = {"at", "when", "publish_at", "publish time", "date", NULL},
	[F_PLATFORM] = {"platform", "platforms", NULL},
	[F_TITLE] = {"title", "summary", NULL},
	[F_BODY] = {"body", "text", "description", NULL},
	[F_TYPE] = {"type", "content type", NULL},
	[F_PERSONA] = {"persona", NULL},
	[F_CAMPAIGN] = {"campaign", NULL},
	[F_URL] = {"url", "link", NULL},
	[F_DRAFT] = {"draft", NULL},
};

#define FIELD_LIST                                                             \
	"at, platform, title, body, type, persona, campaign, url, draft"

/* One row's values as text, before they are checked. */
struct raw {
	const char *v[F_COUNT];
	const char *platforms[SM_QUEUE_MAX_PLATFORMS + 1];
	int nplatforms; /* -1: given as a list, see platforms */
};

struct reader {
	const struct sm_postfile_opts *o;
	const char *label;
	struct sm_diag_list *diags;
	struct sm_postfile *pf;
	size_t cap;
};

static void
add_row(struct reader *r, struct sm_postfile_row *row)
{
	struct sm_postfile *pf = r->pf;
	if (pf->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		pf->rows = realloc(pf->rows, r->cap * sizeof(*pf->rows));
		if (!pf->rows)
			abort();
	}
	pf->rows[pf->n++] = *row;
}

/* A copy of s without surrounding blanks in the arena; NULL when that
 * leaves nothing. */
static const char *
trimmed(struct sm_arena *a, const char *s)
{
	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? sm_arena_strndup(a, s, n) : NULL;
}

/* Splits "instagram, linkedin" (commas or semicolons) into q. */
static int
split_platforms(struct sm_arena *a, const char *s, struct sm_queue_post *q)
{
	q->nplatforms = 0;
	while (s && *s) {
		size_t n = strcspn(s, ",;");
		char *item = sm_arena_strndup(a, s, n);
		const char *t = trimmed(a, item);
		if (t) {
			if (q->nplatforms >= SM_QUEUE_MAX_PLATFORMS)
				return -1;
			q->platforms[q->nplatforms++] = t;
		}
		s += n;
		if (*s)
			s++;
	}
	return 0;
}

/*
 * Turns a row's values into a post and checks it; problems go to diags.
 * Returns the number of problems.
 */
static int
finish_row(struct reader *r, int line, const struct raw *raw)
{
	struct sm_arena *a = &r->pf->arena;
	struct sm_postfile_row row;
	memset(&row, 0, sizeof(row));
	row.line = line;
	struct sm_queue_post *q = &row.post;
	int bad = 0;

	if (raw->nplatforms >= 0) {
		if (split_platforms(a, raw->v[F_PLATFORM], q) < 0) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "more than %d platforms",
				    SM_QUEUE_MAX_PLATFORMS);
			bad++;
		}
	} else {
		/* A JSON array: one name per item. */
		for (int i = 0; raw->platforms[i]; i++) {
			const char *t = trimmed(a, raw->platforms[i]);
			if (t && q->nplatforms < SM_QUEUE_MAX_PLATFORMS)
				q->platforms[q->nplatforms++] = t;
		}
	}
	q->title = trimmed(a, raw->v[F_TITLE]);
	q->body = trimmed(a, raw->v[F_BODY]);
	q->type = trimmed(a, raw->v[F_TYPE]);
	q->persona = trimmed(a, raw->v[F_PERSONA]);
	q->campaign = trimmed(a, raw->v[F_CAMPAIGN]);
	q->url = trimmed(a, raw->v[F_URL]);

	const char *draft = trimmed(a, raw->v[F_DRAFT]);
	if (draft && sm_config_bool_parse(draft, &q->draft) < 0) {
		sm_diag_add(r->diags, SM_ERROR, r->label, line,
			    "draft \"%s\": expected yes or no", draft);
		bad++;
	}

	q->publish_at = SM_QUEUE_UNSET;
	const char *at = trimmed(a, raw->v[F_AT]);
	if (at) {
		char err[512];
		if (sm_when_parse(at, SM_WHEN_AT, r->o->now, r->o->zone,
				  &q->publish_at, err, sizeof(err)) < 0) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "at: %s", err);
			bad++;
		}
	}
	bad += sm_queue_validate(r->o->cfg, q, r->o->now, r->o->allow_past,
				 r->diags, r->label, line);
	if (!bad)
		add_row(r, &row);
	return bad;
}

/* ---------------------------------------------------------------------
 * CSV.
 */

static int
read_csv(struct reader *r, const char *data, size_t len)
{
	char err[512];
	struct sm_csv *c = NULL;
	if (sm_csv_open(data, len, &c, err, sizeof(err)) < 0) {
		sm_diag_add(r->diags, SM_ERROR, r->label, 0, "%s", err);
		return 1;
	}
	int hline = sm_csv_header_line(c), bad = 0;
	size_t ncols = sm_csv_columns(c);
	int *field_of = malloc(ncols * sizeof(*field_of));
	int col_of[F_COUNT];
	if (!field_of)
		abort();
	for (int f = 0; f < F_COUNT; f++)
		col_of[f] = -1;
	for (size_t i = 0; i < ncols; i++) {
		const char *name = sm_csv_column_name(c, i);
		field_of[i] = -1;
		for (int f = 0; f < F_COUNT && field_of[i] < 0; f++)
			for (int k = 0; aliases[f][k]; k++)
				if (sm_csv_name_eq(name, aliases[f][k]))
					field_of[i] = f;
		int f = field_of[i];
		if (f < 0) {
			sm_diag_add(
				r->diags, SM_ERROR, r->label, hline,
				"unknown column \"%s\": the columns are " FIELD_LIST,
				name);
			bad++;
		} else if (col_of[f] >= 0) {
			sm_diag_add(r->diags, SM_ERROR, r->label, hline,
				    "column \"%s\" gives the %s again (column "
				    "\"%s\" gives it already)",
				    name, aliases[f][0],
				    sm_csv_column_name(c, (size_t)col_of[f]));
			bad++;
		} else {
			col_of[f] = (int)i;
		}
	}
	if (col_of[F_PLATFORM] < 0) {
		sm_diag_add(r->diags, SM_ERROR, r->label, hline,
			    "no platform column: every post needs a platform");
		bad++;
	}
	if (bad) {
		free(field_of);
		sm_csv_free(c);
		return bad;
	}
	struct sm_csv_row row;
	int rc;
	while ((rc = sm_csv_next(c, &row, err, sizeof(err))) != 0) {
		if (rc < 0) {
			sm_diag_add(r->diags, SM_ERROR, r->label, row.line,
				    "%s", err);
			bad++;
			continue;
		}
		if (row.n != ncols) {
			sm_diag_add(r->diags, SM_ERROR, r->label, row.line,
				    "%zu fields, the header has %zu columns "
				    "(quote fields that contain a '%c')",
				    row.n, ncols, sm_csv_separator(c));
			bad++;
			continue;
		}
		struct raw raw;
		memset(&raw, 0, sizeof(raw));
		for (size_t i = 0; i < ncols; i++)
			raw.v[field_of[i]] = row.fields[i];
		bad += finish_row(r, row.line, &raw);
	}
	free(field_of);
	sm_csv_free(c);
	return bad;
}

/* ---------------------------------------------------------------------
 * JSON Lines.
 */

/* Reads one object's members into raw; problems go to diags. */
static int
json_row(struct reader *r, int line, json_t *obj)
{
	struct raw raw;
	memset(&raw, 0, sizeof(raw));
	int bad = 0, seen_platform = 0;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		int f = -1;
		for (int k = 0; k < F_COUNT; k++)
			if (strcmp(key, aliases[k][0]) == 0)
				f = k;
		if (strcmp(key, "platforms") == 0)
			f = F_PLATFORM;
		if (f < 0) {
			sm_diag_add(
				r->diags, SM_ERROR, r->label, line,
				"unknown field \"%s\": the fields are " FIELD_LIST,
				key);
			bad++;
			continue;
		}
		if (f == F_PLATFORM && seen_platform++) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "give platform or platforms, not both");
			bad++;
			continue;
		}
		if (json_is_null(v))
			continue;
		if (f == F_DRAFT && json_is_boolean(v)) {
			raw.v[f] = json_is_true(v) ? "yes" : "no";
			continue;
		}
		if (f == F_PLATFORM && json_is_array(v)) {
			size_t i, n = json_array_size(v);
			json_t *item;
			if (n > SM_QUEUE_MAX_PLATFORMS) {
				sm_diag_add(r->diags, SM_ERROR, r->label, line,
					    "more than %d platforms",
					    SM_QUEUE_MAX_PLATFORMS);
				bad++;
				continue;
			}
			raw.nplatforms = -1;
			json_array_foreach(v, i, item)
			{
				if (!json_is_string(item)) {
					sm_diag_add(
						r->diags, SM_ERROR, r->label,
						line,
						"%s: expected a string or an "
						"array of strings",
						key);
					bad++;
					break;
				}
				raw.platforms[i] = json_string_value(item);
			}
			continue;
		}
		if (!json_is_string(v)) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "%s: expected a string%s", key,
				    f == F_DRAFT ? " or true/false"
				    : f == F_PLATFORM
					    ? " or an array of strings"
					    : "");
			bad++;
			continue;
		}
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "%s: contains a NUL character", key);
			bad++;
			continue;
		}
		raw.v[f] = json_string_value(v);
	}
	if (bad)
		return bad;
	return finish_row(r, line, &raw);
}

static int
read_jsonl(struct reader *r, const char *data, size_t len)
{
	size_t pos = 0;
	int line = 0, bad = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		line++;
		const char *s = data + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl != NULL);
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		if (n == 0)
			continue;
		json_error_t jerr;
		json_t *obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!obj) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "invalid JSON at column %d: %s",
				    jerr.column, jerr.text);
			bad++;
			continue;
		}
		if (!json_is_object(obj)) {
			sm_diag_add(r->diags, SM_ERROR, r->label, line,
				    "expected a JSON object, one post a line");
			bad++;
		} else {
			bad += json_row(r, line, obj);
		}
		json_decref(obj);
	}
	return bad;
}

/* ---------------------------------------------------------------------
 * The file.
 */

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static enum sm_postfile_format
detect(const char *data, size_t len, const char *label)
{
	if (label && ends_with(label, ".csv"))
		return SM_POSTFILE_CSV;
	if (label && (ends_with(label, ".jsonl") ||
		      ends_with(label, ".ndjson") || ends_with(label, ".json")))
		return SM_POSTFILE_JSONL;
	size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len && isspace((unsigned char)data[i]))
		i++;
	return i < len && data[i] == '{' ? SM_POSTFILE_JSONL : SM_POSTFILE_CSV;
}

int
sm_postfile_read(const char *data, size_t len, const char *label,
		 const struct sm_postfile_opts *o, struct sm_postfile *out,
		 struct sm_diag_list *diags)
{
	memset(out, 0, sizeof(*out));
	struct reader r = {o, label ? label : "-", diags, out, 0};
	enum sm_postfile_format f = o->format != SM_POSTFILE_AUTO
					    ? o->format
					    : detect(data, len, label);
	int bad = f == SM_POSTFILE_JSONL ? read_jsonl(&r, data, len)
					 : read_csv(&r, data, len);
	if (!bad && out->n == 0) {
		sm_diag_add(diags, SM_ERROR, r.label, 0,
			    "no posts in the file: one post a row with the "
			    "fields " FIELD_LIST);
		bad = 1;
	}
	if (bad) {
		sm_postfile_free(out);
		return -1;
	}
	return 0;
}

int
sm_postfile_plan(struct sm_postfile *pf, struct sm_slot_planner *p,
		 const char *label, struct sm_diag_list *diags)
{
	for (size_t i = 0; i < pf->n; i++) {
		const struct sm_queue_post *q = &pf->rows[i].post;
		if (q->publish_at == SM_QUEUE_UNSET)
			continue;
		for (int k = 0; k < q->nplatforms; k++)
			sm_slots_planner_take(p, q->platforms[k],
					      q->publish_at);
	}
	int bad = 0;
	for (size_t i = 0; i < pf->n; i++) {
		struct sm_queue_post *q = &pf->rows[i].post;
		if (q->publish_at != SM_QUEUE_UNSET)
			continue;
		char err[512];
		if (sm_slots_planner_next(p, q->platforms,
					  (size_t)q->nplatforms, &q->publish_at,
					  err, sizeof(err)) < 0) {
			q->publish_at = SM_QUEUE_UNSET;
			sm_diag_add(diags, SM_ERROR, label, pf->rows[i].line,
				    "%s", err);
			bad++;
		}
	}
	return bad;
}

void
sm_postfile_free(struct sm_postfile *pf)
{
	if (!pf)
		return;
	free(pf->rows);
	sm_arena_free(&pf->arena);
	memset(pf, 0, sizeof(*pf));
}
