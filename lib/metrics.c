/*
 * metrics: sums and rates, the report (one pass over the posts into a
 * group x period table), and the import (column names, count cells,
 * publish times, and a matcher over sorted indexes).
 *
 * Out of memory aborts (STYLE.md, errors): these run in smctl or in one
 * request of the daemon, where nothing better can be done.
 */
#include "metrics.h"

#include "csv.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* ------------------------------------------------------------------ */
/* Values, sums and rates                                              */
/* ------------------------------------------------------------------ */

void
sm_metric_set(struct sm_metric_values *m, enum sm_kpi k, int64_t value)
{
	if ((unsigned)k >= SM_KPI_NPOST)
		return;
	m->v[k] = value;
	m->have |= 1u << k;
}

/* a + b for the non-negative values metrics hold, INT64_MAX past it: a
 * cell is capped (csv.h) but sums of many are not. */
static int64_t
add_sat(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int
has(const struct sm_metric_values *m, enum sm_kpi k)
{
	return (m->have >> k) & 1u;
}

int
sm_metric_get(const struct sm_metric_values *m, enum sm_kpi k, int64_t *out)
{
	static const enum sm_kpi parts[] = {SM_KPI_LIKES, SM_KPI_COMMENTS,
					    SM_KPI_SHARES, SM_KPI_SAVES};

	if ((unsigned)k >= SM_KPI_NPOST)
		return 0;
	if (has(m, k)) {
		*out = m->v[k];
		return 1;
	}
	if (k != SM_KPI_ENGAGEMENT)
		return 0;
	int any = 0;
	int64_t sum = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (has(m, parts[i])) {
			sum = add_sat(sum, m->v[parts[i]]);
			any = 1;
		}
	}
	if (any)
		*out = sum;
	return any;
}

/* A rate's terms for one post: 1 when it has both. */
static int
rate_terms(const struct sm_metric_values *m, int r, int64_t *num, int64_t *den)
{
	static const enum sm_kpi nums[3] = {SM_KPI_ENGAGEMENT, SM_KPI_CLICKS,
					    SM_KPI_CONVERSIONS};
	static const enum sm_kpi dens[3][2] = {
		{SM_KPI_REACH, SM_KPI_IMPRESSIONS},
		{SM_KPI_IMPRESSIONS, SM_KPI_REACH},
		{SM_KPI_CLICKS, SM_KPI_CLICKS},
	};

	if (!sm_metric_get(m, nums[r], num))
		return 0;
	return sm_metric_get(m, dens[r][0], den) ||
	       sm_metric_get(m, dens[r][1], den);
}

void
sm_metric_sums_add(struct sm_metric_sums *s, const struct sm_metric_values *m)
{
	int64_t v, d;

	s->posts++;
	for (int k = 0; k < SM_KPI_NPOST; k++) {
		if (sm_metric_get(m, (enum sm_kpi)k, &v)) {
			s->v[k] = add_sat(s->v[k], v);
			s->have |= 1u << k;
		}
	}
	for (int r = 0; r < 3; r++) {
		if (rate_terms(m, r, &v, &d)) {
			s->num[r] = add_sat(s->num[r], v);
			s->den[r] = add_sat(s->den[r], d);
		}
	}
}

int
sm_metric_sum(const struct sm_metric_sums *s, enum sm_kpi k, int64_t *out)
{
	if ((unsigned)k >= SM_KPI_NPOST || !((s->have >> k) & 1u))
		return 0;
	*out = s->v[k];
	return 1;
}

int
sm_metric_rate(const struct sm_metric_sums *s, enum sm_kpi rate, double *out)
{
	int r = (int)rate - (int)SM_KPI_ENGAGEMENT_RATE;

	if (r < 0 || r > 2 || s->den[r] <= 0)
		return 0;
	*out = (double)s->num[r] / (double)s->den[r];
	return 1;
}

char *
sm_metric_format(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "0");
		return buf;
	}
	if (fabs(v) < 9e15 && fabs(v - llround(v)) < 1e-9) {
		snprintf(buf, len, "%lld", (long long)llround(v));
		return buf;
	}
	if (fabs(v) >= 9e9) { /* too large for six decimals in an int64 */
		snprintf(buf, len, "%lld", (long long)llround(v));
		return buf;
	}
	long long scaled = llround(fabs(v) * 1e6);
	int n = snprintf(buf, len, "%s%lld.%06lld", v < 0 ? "-" : "",
			 scaled / 1000000, scaled % 1000000);
	if (n <= 0 || (size_t)n >= len)
		return buf;
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
	return buf;
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

static const char *const by_names[] = {NULL, "platform", "type", "persona",
				       "campaign"};

const char *
sm_metrics_by_name(enum sm_metrics_by by)
{
	if ((unsigned)by > SM_METRICS_BY_CAMPAIGN)
		return NULL;
	return by_names[by];
}

int
sm_metrics_by_parse(const char *name)
{
	for (int i = 1; i <= SM_METRICS_BY_CAMPAIGN; i++)
		if (strcasecmp(name, by_names[i]) == 0)
			return i;
	return -1;
}

/* Groups: names interned in an open-addressing table, case-insensitive. */
struct group {
	const char *name;	      /* NULL: the null group */
	struct sm_metrics_row *cells; /* one per period */
	int ordered;		      /* index in opts.order, or -1 */
};

struct groups {
	struct group *v;
	size_t n, cap;
	size_t *slots; /* index + 1; 0: empty */
	size_t nslots;
	long null_group; /* index, or -1 */
};

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return h;
}

static void
groups_rehash(struct groups *g)
{
	size_t n = g->nslots ? g->nslots * 2 : 64;
	free(g->slots);
	g->slots = xcalloc(n, sizeof(*g->slots));
	g->nslots = n;
	for (size_t i = 0; i < g->n; i++) {
		if (!g->v[i].name)
			continue;
		size_t s = name_hash(g->v[i].name) & (n - 1);
		while (g->slots[s])
			s = (s + 1) & (n - 1);
		g->slots[s] = i + 1;
	}
}

/* The index of the group of that name, created when new; SIZE_MAX when
 * one more group would make too many rows. */
static size_t
group_of(struct groups *g, const char *name, size_t nperiods)
{
	size_t s = 0;

	if (!name) {
		if (g->null_group >= 0)
			return (size_t)g->null_group;
	} else {
		if (g->nslots == 0 || (g->n + 1) * 2 > g->nslots)
			groups_rehash(g);
		s = name_hash(name) & (g->nslots - 1);
		while (g->slots[s]) {
			size_t i = g->slots[s] - 1;
			if (strcasecmp(g->v[i].name, name) == 0)
				return i;
			s = (s + 1) & (g->nslots - 1);
		}
	}
	if ((g->n + 1) * nperiods > SM_METRICS_MAX_ROWS)
		return SIZE_MAX;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	struct group *ng = &g->v[g->n];
	ng->name = name;
	ng->cells = xcalloc(nperiods, sizeof(*ng->cells));
	ng->ordered = -1;
	if (name)
		g->slots[s] = g->n + 1;
	else
		g->null_group = (long)g->n;
	return g->n++;
}

/* Best-first: higher engagement, then earlier, then id. */
static int
better(const struct sm_metrics_post *a, int64_t ea,
       const struct sm_metrics_post *b, int64_t eb)
{
	if (ea != eb)
		return ea > eb;
	if (a->at != b->at)
		return a->at < b->at;
	return strcmp(a->id ? a->id : "", b->id ? b->id : "") < 0;
}

static void
add_best(struct sm_metrics_row *row, const struct sm_metrics_post *p, int nbest)
{
	int64_t e, eo;

	if (nbest <= 0 || !sm_metric_get(&p->values, SM_KPI_ENGAGEMENT, &e))
		return;
	int i = row->nbest;
	if (i == nbest) {
		sm_metric_get(&row->best[i - 1]->values, SM_KPI_ENGAGEMENT,
			      &eo);
		if (!better(p, e, row->best[i - 1], eo))
			return;
		i--;
	} else {
		row->nbest++;
	}
	while (i > 0) {
		sm_metric_get(&row->best[i - 1]->values, SM_KPI_ENGAGEMENT,
			      &eo);
		if (!better(p, e, row->best[i - 1], eo))
			break;
		row->best[i] = row->best[i - 1];
		i--;
	}
	row->best[i] = p;
}

static void
cell_add(struct sm_metrics_row *row, const struct sm_metrics_post *p, int nbest)
{
	sm_metric_sums_add(&row->sums, &p->values);
	add_best(row, p, nbest);
}

/* The period index of t among periods sorted by start (t within range). */
static size_t
period_index(const struct sm_period *ps, size_t n, sm_time t)
{
	size_t lo = 0, hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ps[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->ordered >= 0 || y->ordered >= 0) {
		if (x->ordered < 0)
			return 1;
		if (y->ordered < 0)
			return -1;
		return x->ordered - y->ordered;
	}
	if (!x->name || !y->name)
		return !x->name - !y->name;
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

int
sm_metrics_report_build(struct sm_metrics_report *r,
			const struct sm_metrics_opts *opts,
			const struct sm_metrics_post *posts, size_t n)
{
	struct sm_period *ps = NULL;
	size_t np = 0, cap = 0;
	struct groups g = {.null_group = -1};

	memset(r, 0, sizeof(*r));
	if (opts->from >= opts->to)
		return -1;
	r->opts = *opts;
	if (r->opts.nbest < 0)
		r->opts.nbest = 0;
	if (r->opts.nbest > SM_METRICS_BEST_MAX)
		r->opts.nbest = SM_METRICS_BEST_MAX;

	/* The periods. */
	if (opts->unit == SM_CADENCE_NONE) {
		ps = xcalloc(1, sizeof(*ps));
		ps[0].unit = SM_CADENCE_NONE;
		ps[0].start = opts->from;
		ps[0].end = opts->to;
		snprintf(ps[0].label, sizeof(ps[0].label), "all");
		np = 1;
	} else {
		struct sm_period p;
		sm_cadence_period_at(opts->zone, opts->week_start, opts->unit,
				     opts->from, &p);
		while (p.start < opts->to) {
			if (np == SM_METRICS_MAX_ROWS) {
				free(ps);
				return -1;
			}
			if (np == cap) {
				cap = cap ? cap * 2 : 64;
				ps = xrealloc(ps, cap * sizeof(*ps));
			}
			ps[np++] = p;
			sm_cadence_period_step(opts->zone, opts->week_start,
					       &ps[np - 1], 1, &p);
		}
	}

	/* Groups named in order come first and always. */
	for (size_t i = 0; i < opts->norder; i++) {
		size_t gi = group_of(&g, opts->order[i], np);
		if (gi == SIZE_MAX)
			goto too_many;
		if (g.v[gi].ordered < 0)
			g.v[gi].ordered = (int)i;
	}
	if (opts->by == SM_METRICS_BY_NONE &&
	    group_of(&g, NULL, np) == SIZE_MAX)
		goto too_many;

	/* One pass over the posts. */
	for (size_t i = 0; i < n; i++) {
		const struct sm_metrics_post *p = &posts[i];
		if (p->at < opts->from || p->at >= opts->to)
			continue;
		size_t pi = period_index(ps, np, p->at);
		const char *name;
		switch (opts->by) {
		case SM_METRICS_BY_PLATFORM:
			for (size_t k = 0; k < p->nplatforms; k++) {
				size_t j;
				for (j = 0; j < k; j++)
					if (strcasecmp(p->platforms[j],
						       p->platforms[k]) == 0)
						break;
				if (j < k)
					continue; /* listed twice */
				size_t gi = group_of(&g, p->platforms[k], np);
				if (gi == SIZE_MAX)
					goto too_many;
				cell_add(&g.v[gi].cells[pi], p, r->opts.nbest);
			}
			if (p->nplatforms == 0) {
				size_t gi = group_of(&g, NULL, np);
				if (gi == SIZE_MAX)
					goto too_many;
				cell_add(&g.v[gi].cells[pi], p, r->opts.nbest);
			}
			continue;
		case SM_METRICS_BY_TYPE:
			name = p->type;
			break;
		case SM_METRICS_BY_PERSONA:
			name = p->persona;
			break;
		case SM_METRICS_BY_CAMPAIGN:
			name = p->campaign;
			break;
		default:
			name = NULL;
			break;
		}
		if (name && !*name)
			name = NULL;
		size_t gi = group_of(&g, name, np);
		if (gi == SIZE_MAX)
			goto too_many;
		cell_add(&g.v[gi].cells[pi], p, r->opts.nbest);
	}

	/* Rows, group-major. */
	qsort(g.v, g.n, sizeof(*g.v), group_cmp);
	r->ngroups = g.n;
	r->nperiods = np;
	r->nrows = g.n * np;
	r->rows = xcalloc(r->nrows, sizeof(*r->rows));
	for (size_t i = 0; i < g.n; i++) {
		for (size_t j = 0; j < np; j++) {
			struct sm_metrics_row *row = &r->rows[i * np + j];
			*row = g.v[i].cells[j];
			row->group = g.v[i].name;
			row->period = ps[j];
		}
		free(g.v[i].cells);
	}
	free(g.v);
	free(g.slots);
	free(ps);
	return 0;
too_many:
	for (size_t i = 0; i < g.n; i++)
		free(g.v[i].cells);
	free(g.v);
	free(g.slots);
	free(ps);
	memset(r, 0, sizeof(*r));
	return -1;
}

void
sm_metrics_report_free(struct sm_metrics_report *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

/* ---- output ---- */

static void
put_time(struct sm_jsonw *w, const char *key, sm_time t)
{
	char buf[40];
	sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf));
	sm_jsonw_key(w, key);
	sm_jsonw_string(w, buf);
}

static void
put_int(struct sm_jsonw *w, const char *key, long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", v);
	if (key)
		sm_jsonw_key(w, key);
	sm_jsonw_raw(w, buf, (size_t)n);
}

static void
put_sum(struct sm_jsonw *w, const char *key, const struct sm_metric_sums *s,
	enum sm_kpi k)
{
	int64_t v;
	sm_jsonw_key(w, key);
	if (sm_metric_sum(s, k, &v))
		put_int(w, NULL, v);
	else
		sm_jsonw_raw(w, "null", 4);
}

static void
put_rate(struct sm_jsonw *w, const char *key, const struct sm_metric_sums *s,
	 enum sm_kpi k)
{
	char buf[40];
	double v;
	sm_jsonw_key(w, key);
	if (sm_metric_rate(s, k, &v)) {
		sm_metric_format(v, buf, sizeof(buf));
		sm_jsonw_raw(w, buf, strlen(buf));
	} else {
		sm_jsonw_raw(w, "null", 4);
	}
}

void
sm_metrics_row_json(struct sm_jsonw *w, const struct sm_metrics_report *r,
		    const struct sm_metrics_row *row)
{
	const char *by = sm_metrics_by_name(r->opts.by);

	sm_jsonw_open(w, '{');
	if (by) {
		sm_jsonw_key(w, by);
		sm_jsonw_string(w, row->group);
	}
	sm_jsonw_key(w, "period");
	sm_jsonw_string(w, row->period.label);
	put_time(w, "start", row->period.start);
	put_time(w, "end", row->period.end);
	put_int(w, "posts_published", row->sums.posts);
	put_sum(w, "impressions", &row->sums, SM_KPI_IMPRESSIONS);
	put_sum(w, "reach", &row->sums, SM_KPI_REACH);
	put_sum(w, "engagement", &row->sums, SM_KPI_ENGAGEMENT);
	put_rate(w, "engagement_rate", &row->sums, SM_KPI_ENGAGEMENT_RATE);
	put_sum(w, "clicks", &row->sums, SM_KPI_CLICKS);
	put_rate(w, "ctr", &row->sums, SM_KPI_CTR);
	put_sum(w, "conversions", &row->sums, SM_KPI_CONVERSIONS);
	sm_jsonw_key(w, "best_posts");
	sm_jsonw_open(w, '[');
	for (int i = 0; i < row->nbest; i++) {
		const struct sm_metrics_post *p = row->best[i];
		struct sm_metric_sums one = {0};
		sm_metric_sums_add(&one, &p->values);
		sm_jsonw_elem(w);
		sm_jsonw_open(w, '{');
		sm_jsonw_key(w, "id");
		sm_jsonw_string(w, p->id);
		if (p->recurrence_id) {
			sm_jsonw_key(w, "recurrence_id");
			sm_jsonw_string(w, p->recurrence_id);
		}
		sm_jsonw_key(w, "title");
		sm_jsonw_string(w, p->title);
		put_sum(w, "engagement", &one, SM_KPI_ENGAGEMENT);
		put_rate(w, "engagement_rate", &one, SM_KPI_ENGAGEMENT_RATE);
		sm_jsonw_close(w, '}');
	}
	sm_jsonw_close(w, ']');
	sm_jsonw_close(w, '}');
}

/* One CSV field, quoted when it holds a separator, quote or line end, or
 * blanks at an end (RFC 4180). */
static void
csv_field(struct sm_jsonw *w, const char *s, int first)
{
	if (!first)
		sm_jsonw_raw(w, ",", 1);
	if (!s)
		return;
	size_t n = strlen(s);
	int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ' ||
			      strpbrk(s, ",\"\r\n;") != NULL);
	if (!quote) {
		sm_jsonw_raw(w, s, n);
		return;
	}
	sm_jsonw_raw(w, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sm_jsonw_raw(w, "\"", 1);
		sm_jsonw_raw(w, p, 1);
	}
	sm_jsonw_raw(w, "\"", 1);
}

static const char *const csv_names[] = {
	"period",      "start", "end",	       "posts_published",
	"impressions", "reach", "engagement",  "engagement_rate",
	"clicks",      "ctr",	"conversions", "best_posts",
};

void
sm_metrics_csv_header(struct sm_jsonw *w, const struct sm_metrics_report *r)
{
	const char *by = sm_metrics_by_name(r->opts.by);
	int first = 1;

	if (by) {
		csv_field(w, by, 1);
		first = 0;
	}
	for (size_t i = 0; i < sizeof(csv_names) / sizeof(csv_names[0]); i++) {
		csv_field(w, csv_names[i], first);
		first = 0;
	}
	sm_jsonw_raw(w, "\r\n", 2);
}

static void
csv_sum(struct sm_jsonw *w, const struct sm_metric_sums *s, enum sm_kpi k)
{
	char buf[24];
	int64_t v;
	if (sm_metric_sum(s, k, &v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
		csv_field(w, buf, 0);
	} else {
		csv_field(w, NULL, 0);
	}
}

static void
csv_rate(struct sm_jsonw *w, const struct sm_metric_sums *s, enum sm_kpi k)
{
	char buf[40];
	double v;
	csv_field(w,
		  sm_metric_rate(s, k, &v) ? sm_metric_format(v, buf, 40)
					   : NULL,
		  0);
}

void
sm_metrics_row_csv(struct sm_jsonw *w, const struct sm_metrics_report *r,
		   const struct sm_metrics_row *row)
{
	char a[40], b[40], n[24];
	struct sm_jsonw ids = {0};

	if (r->opts.by != SM_METRICS_BY_NONE) {
		csv_field(w, row->group, 1);
		csv_field(w, row->period.label, 0);
	} else {
		csv_field(w, row->period.label, 1);
	}
	csv_field(w, sm_civil_format(row->period.start, SM_CIVIL_UTC, a, 40),
		  0);
	csv_field(w, sm_civil_format(row->period.end, SM_CIVIL_UTC, b, 40), 0);
	snprintf(n, sizeof(n), "%d", row->sums.posts);
	csv_field(w, n, 0);
	csv_sum(w, &row->sums, SM_KPI_IMPRESSIONS);
	csv_sum(w, &row->sums, SM_KPI_REACH);
	csv_sum(w, &row->sums, SM_KPI_ENGAGEMENT);
	csv_rate(w, &row->sums, SM_KPI_ENGAGEMENT_RATE);
	csv_sum(w, &row->sums, SM_KPI_CLICKS);
	csv_rate(w, &row->sums, SM_KPI_CTR);
	csv_sum(w, &row->sums, SM_KPI_CONVERSIONS);
	for (int i = 0; i < row->nbest; i++) {
		if (i > 0)
			sm_jsonw_raw(&ids, " ", 1);
		const char *id = row->best[i]->id ? row->best[i]->id : "";
		sm_jsonw_raw(&ids, id, strlen(id));
	}
	csv_field(w, ids.buf ? ids.buf : "", 0);
	sm_jsonw_free(&ids);
	sm_jsonw_raw(w, "\r\n", 2);
}

/* ------------------------------------------------------------------ */
/* Import: cells and columns                                           */
/* ------------------------------------------------------------------ */

static void fmt_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!err || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Names and synonyms, compared with sm_csv_name_eq. */
static const struct {
	const char *name;
	enum sm_metrics_field field;
	enum sm_kpi kpi;
} field_names[] = {
	{"id", SM_FIELD_ID, 0},
	{"url", SM_FIELD_URL, 0},
	{"post url", SM_FIELD_URL, 0},
	{"permalink", SM_FIELD_URL, 0},
	{"link", SM_FIELD_URL, 0},
	{"published_at", SM_FIELD_PUBLISHED_AT, 0},
	{"date", SM_FIELD_PUBLISHED_AT, 0},
	{"publish time", SM_FIELD_PUBLISHED_AT, 0},
	{"impressions", SM_FIELD_METRIC, SM_KPI_IMPRESSIONS},
	{"reach", SM_FIELD_METRIC, SM_KPI_REACH},
	{"engagement", SM_FIELD_METRIC, SM_KPI_ENGAGEMENT},
	{"engagements", SM_FIELD_METRIC, SM_KPI_ENGAGEMENT},
	{"likes", SM_FIELD_METRIC, SM_KPI_LIKES},
	{"comments", SM_FIELD_METRIC, SM_KPI_COMMENTS},
	{"shares", SM_FIELD_METRIC, SM_KPI_SHARES},
	{"saves", SM_FIELD_METRIC, SM_KPI_SAVES},
	{"clicks", SM_FIELD_METRIC, SM_KPI_CLICKS},
	{"link clicks", SM_FIELD_METRIC, SM_KPI_CLICKS},
	{"conversions", SM_FIELD_METRIC, SM_KPI_CONVERSIONS},
	{"followers", SM_FIELD_METRIC, SM_KPI_FOLLOWERS},
	{"ignore", SM_FIELD_IGNORE, 0},
};

#define NFIELD_NAMES (sizeof(field_names) / sizeof(field_names[0]))

int
sm_metrics_field_parse(const char *name, struct sm_metrics_column *out)
{
	for (size_t i = 0; i < NFIELD_NAMES; i++) {
		if (sm_csv_name_eq(name, field_names[i].name)) {
			out->field = field_names[i].field;
			out->kpi = field_names[i].kpi;
			return 0;
		}
	}
	return -1;
}

#define MAP_FIELDS                                                             \
	"id, url, published_at, impressions, reach, engagement, likes, "       \
	"comments, shares, saves, clicks, conversions, followers or ignore"

void
sm_metrics_map_free(struct sm_metrics_map *map)
{
	for (size_t i = 0; i < map->n; i++)
		free(map->v[i].column);
	free(map->v);
	map->v = NULL;
	map->n = 0;
}

int
sm_metrics_map_parse(const char *spec, struct sm_metrics_map *map, char *err,
		     size_t errlen)
{
	size_t old = map->n;
	const char *p = spec;

	for (;;) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		char *item = strndup(p, (size_t)(end - p));
		if (!item)
			abort();
		char *eq = strrchr(item, '=');
		const char *ca, *cb, *fa, *fb;
		struct sm_metrics_column col;
		if (eq) {
			*eq = '\0';
			sm_csv_trim(item, &ca, &cb);
			sm_csv_trim(eq + 1, &fa, &fb);
		}
		if (!eq || ca == cb || fa == fb) {
			if (eq)
				*eq = '=';
			fmt_err(err, errlen,
				"--map \"%s\": expected COLUMN=FIELD with FIELD "
				"one of " MAP_FIELDS,
				item);
			free(item);
			goto fail;
		}
		char *field = strndup(fa, (size_t)(fb - fa));
		if (!field)
			abort();
		if (sm_metrics_field_parse(field, &col) < 0) {
			fmt_err(err, errlen,
				"--map \"%.*s=%s\": unknown field %s; expected "
				"one of " MAP_FIELDS,
				(int)(cb - ca), ca, field, field);
			free(field);
			free(item);
			goto fail;
		}
		free(field);
		map->v = xrealloc(map->v, (map->n + 1) * sizeof(*map->v));
		map->v[map->n].column = strndup(ca, (size_t)(cb - ca));
		if (!map->v[map->n].column)
			abort();
		map->v[map->n].to = col;
		map->n++;
		free(item);
		if (!*end)
			return 0;
		p = end + 1;
	}
fail:
	while (map->n > old)
		free(map->v[--map->n].column);
	return -1;
}

void
sm_metrics_header_free(struct sm_metrics_header *h)
{
	for (size_t i = 0; h->names && i < h->ncols; i++)
		free(h->names[i]);
	free(h->names);
	free(h->cols);
	memset(h, 0, sizeof(*h));
}

static const char *
field_label(const struct sm_metrics_column *c)
{
	switch (c->field) {
	case SM_FIELD_ID:
		return "id";
	case SM_FIELD_URL:
		return "url";
	case SM_FIELD_PUBLISHED_AT:
		return "published_at";
	case SM_FIELD_METRIC:
		return sm_kpi_name(c->kpi);
	default:
		return "ignore";
	}
}

/* The slot of a column's field in the header, or NULL. */
static int *
header_slot(struct sm_metrics_header *h, const struct sm_metrics_column *c)
{
	switch (c->field) {
	case SM_FIELD_ID:
		return &h->id;
	case SM_FIELD_URL:
		return &h->url;
	case SM_FIELD_PUBLISHED_AT:
		return &h->published_at;
	case SM_FIELD_METRIC:
		return &h->metric[c->kpi == SM_KPI_FOLLOWERS ? SM_KPI_NPOST
							     : c->kpi];
	default:
		return NULL;
	}
}

int
sm_metrics_header_read(struct sm_metrics_header *h, const char *const *names,
		       size_t n, int line, const struct sm_metrics_map *map,
		       const char *file, struct sm_diag_list *diags)
{
	size_t errs = 0;
	char *mapped = xcalloc(n, 1);
	struct sm_jsonw ignored = {0};

	memset(h, 0, sizeof(*h));
	h->cols = xcalloc(n, sizeof(*h->cols));
	h->names = xcalloc(n, sizeof(*h->names));
	h->ncols = n;
	for (size_t c = 0; c < n; c++)
		h->names[c] = xstrdup(names[c] ? names[c] : "");
	h->id = h->url = h->published_at = -1;
	for (int k = 0; k <= SM_KPI_NPOST; k++)
		h->metric[k] = -1;

	/* The map first: each entry must name a column. */
	for (size_t i = 0; map && i < map->n; i++) {
		size_t found = 0;
		for (size_t c = 0; c < n; c++) {
			if (names[c] &&
			    sm_csv_name_eq(names[c], map->v[i].column)) {
				h->cols[c] = map->v[i].to;
				mapped[c] = 1;
				found++;
			}
		}
		if (!found) {
			sm_diag_add(diags, SM_ERROR, file, line,
				    "--map %s=%s: the header has no column %s",
				    map->v[i].column,
				    field_label(&map->v[i].to),
				    map->v[i].column);
			errs++;
		}
	}
	/* Then names. */
	for (size_t c = 0; c < n; c++) {
		if (mapped[c])
			continue;
		if (!names[c] ||
		    sm_metrics_field_parse(names[c], &h->cols[c]) < 0 ||
		    h->cols[c].field == SM_FIELD_IGNORE) {
			h->cols[c].field = SM_FIELD_NONE;
			if (ignored.len)
				sm_jsonw_raw(&ignored, ", ", 2);
			const char *nm = names[c] ? names[c] : "";
			sm_jsonw_raw(&ignored, "\"", 1);
			sm_jsonw_raw(&ignored, nm, strlen(nm));
			sm_jsonw_raw(&ignored, "\"", 1);
		}
	}
	/* Each field at most once. */
	for (size_t c = 0; c < n; c++) {
		int *slot = header_slot(h, &h->cols[c]);
		if (!slot)
			continue;
		if (*slot >= 0) {
			sm_diag_add(diags, SM_ERROR, file, line,
				    "columns \"%s\" (%d) and \"%s\" (%zu) both "
				    "hold %s; name the one to ignore with "
				    "--map \"%s=ignore\"",
				    names[*slot] ? names[*slot] : "", *slot + 1,
				    names[c] ? names[c] : "", c + 1,
				    field_label(&h->cols[c]),
				    names[c] ? names[c] : "");
			errs++;
			continue;
		}
		*slot = (int)c;
		if (h->cols[c].field == SM_FIELD_METRIC)
			h->nmetrics++;
	}
	if (ignored.len)
		sm_diag_add(diags, SM_WARNING, file, line,
			    "columns ignored: %s (name them with --map "
			    "COLUMN=FIELD to import them)",
			    ignored.buf);
	int post_metrics = h->nmetrics - (h->metric[SM_KPI_NPOST] >= 0);
	if (h->nmetrics == 0) {
		sm_diag_add(diags, SM_ERROR, file, line,
			    "no metric column: expected impressions, reach, "
			    "engagement, likes, comments, shares, saves, "
			    "clicks, conversions or followers, or --map "
			    "COLUMN=METRIC");
		errs++;
	}
	if (post_metrics > 0 && h->id < 0 && h->url < 0 &&
	    h->published_at < 0) {
		sm_diag_add(diags, SM_ERROR, file, line,
			    "no column tells which post a row is about: "
			    "expected id, url (post url, permalink, link) or "
			    "published_at (date, publish time), or --map "
			    "COLUMN=FIELD");
		errs++;
	}
	if (h->metric[SM_KPI_NPOST] >= 0 && h->published_at < 0) {
		sm_diag_add(diags, SM_ERROR, file, line,
			    "a followers column needs the day it was "
			    "counted: expected a published_at or date column, "
			    "or --map COLUMN=published_at");
		errs++;
	}
	sm_jsonw_free(&ignored);
	free(mapped);
	return errs ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Import: publish times                                               */
/* ------------------------------------------------------------------ */

static int
digits_at(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "M/D/YYYY[ H:MM[:SS]]" (or D/M/YYYY when the first is over 12) into a
 * civil time. */
static int
parse_slashed(const char *s, sm_time *out, int *date_only)
{
	int a = 0, b = 0, y, hh = 0, mm = 0, ss = 0, n;
	const char *p = s;
	struct sm_civil c;

	for (n = 0; isdigit((unsigned char)*p) && n < 2; n++)
		a = a * 10 + (*p++ - '0');
	if (n == 0 || *p++ != '/')
		return -1;
	for (n = 0; isdigit((unsigned char)*p) && n < 2; n++)
		b = b * 10 + (*p++ - '0');
	if (n == 0 || *p++ != '/' || digits_at(p, 4, &y) < 0)
		return -1;
	p += 4;
	*date_only = 1;
	if (*p == ' ' || *p == 'T' || *p == ',') {
		while (*p == ' ' || *p == ',' || *p == 'T')
			p++;
		for (n = 0; isdigit((unsigned char)*p) && n < 2; n++)
			hh = hh * 10 + (*p++ - '0');
		if (n == 0 || *p++ != ':' || digits_at(p, 2, &mm) < 0)
			return -1;
		p += 2;
		if (*p == ':') {
			if (digits_at(p + 1, 2, &ss) < 0)
				return -1;
			p += 3;
		}
		*date_only = 0;
	}
	if (*p)
		return -1;
	c.year = y;
	c.month = a > 12 ? b : a;
	c.day = a > 12 ? a : b;
	c.hour = hh;
	c.minute = mm;
	c.second = ss;
	if (!sm_civil_valid(&c))
		return -1;
	*out = sm_civil_make(&c);
	return 0;
}

static sm_time
resolve(const struct sm_tz *zone, sm_time local)
{
	return zone ? sm_tz_resolve(zone, local) : local;
}

static sm_time
to_local(const struct sm_tz *zone, sm_time t)
{
	return zone ? sm_tz_to_local(zone, t) : t;
}

/* The instant the local day of t starts, and the next day's. */
static void
local_day(const struct sm_tz *zone, sm_time t, sm_time *start, sm_time *end)
{
	int64_t day = sm_civil_day_of(to_local(zone, t));
	*start = resolve(zone, day * (sm_time)SM_DAY);
	*end = resolve(zone, (day + 1) * (sm_time)SM_DAY);
}

int
sm_metrics_parse_when(const char *s, const struct sm_tz *zone, sm_time *at,
		      int *date_only)
{
	const char *a, *b;
	char buf[64];
	sm_time t;
	int off = 0, donly = 0;

	sm_csv_trim(s, &a, &b);
	if (b - a <= 0 || b - a >= (long)sizeof(buf))
		return -1;
	memcpy(buf, a, (size_t)(b - a));
	buf[b - a] = '\0';
	if (strchr(buf, '/')) {
		if (parse_slashed(buf, &t, &donly) < 0)
			return -1;
	} else if (sm_civil_parse(buf, &t, &off, &donly) < 0) {
		return -1;
	}
	*at = off ? t : resolve(zone, t);
	*date_only = donly;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Import: matching                                                    */
/* ------------------------------------------------------------------ */

struct sm_metrics_matcher {
	const struct sm_metrics_candidate *c;
	size_t n;
	size_t *by_id; /* candidates with an id, by id */
	size_t nid;
	char **urls;	/* normalised URL per candidate (NULL: none) */
	size_t *by_url; /* candidates with a URL, by normalised URL */
	size_t nurl;
	size_t *by_time; /* candidates on the platform, by instant */
	size_t ntime;
};

/* Query parameters that say how a link was shared, not what it shows. */
static int
tracking_param(const char *name, size_t n)
{
	static const char *const names[] = {
		"igsh", "igshid", "fbclid", "gclid",   "mibextid", "si",
		"s",	"t",	  "ref",    "ref_src", "ref_url",  "rcm",
	};
	if (n >= 4 && strncasecmp(name, "utm_", 4) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n &&
		    strncasecmp(name, names[i], n) == 0)
			return 1;
	return 0;
}

/* A URL for comparison: no scheme, no "www.", host lower-case, no
 * fragment, no tracking parameters, no trailing '/' before the end or the
 * query. */
static char *
url_norm(const char *u)
{
	const char *a, *b;
	sm_csv_trim(u, &a, &b);
	if (a == b)
		return NULL;
	char *s = xcalloc((size_t)(b - a) + 2, 1);
	const char *p = a;
	const char *colon = memchr(p, ':', (size_t)(b - p));
	if (colon && colon + 2 < b && colon[1] == '/' && colon[2] == '/')
		p = colon + 3;
	if (b - p > 4 && strncasecmp(p, "www.", 4) == 0)
		p += 4;
	const char *hash = memchr(p, '#', (size_t)(b - p));
	if (hash)
		b = hash;
	const char *q = memchr(p, '?', (size_t)(b - p));
	const char *path_end = q ? q : b;
	size_t o = 0;
	int in_host = 1;
	for (; p < path_end; p++) {
		if (*p == '/')
			in_host = 0;
		s[o++] = in_host ? (char)tolower((unsigned char)*p) : *p;
	}
	while (o > 0 && s[o - 1] == '/')
		o--;
	/* The query, without tracking parameters. */
	int first = 1;
	for (p = q ? q + 1 : b; p < b;) {
		const char *amp = memchr(p, '&', (size_t)(b - p));
		const char *e = amp ? amp : b;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		size_t nl = (size_t)((eq ? eq : e) - p);
		if (e > p && !tracking_param(p, nl)) {
			s[o++] = first ? '?' : '&';
			memcpy(s + o, p, (size_t)(e - p));
			o += (size_t)(e - p);
			first = 0;
		}
		p = amp ? amp + 1 : b;
	}
	s[o] = '\0';
	if (!s[0]) {
		free(s);
		return NULL;
	}
	return s;
}

/* Sort orders of the indexes (glibc's qsort_r passes the matcher). */
static int
by_id_cmp(const void *a, const void *b, void *ctx)
{
	const struct sm_metrics_matcher *m = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(m->c[x].id, m->c[y].id);
	return c ? c : (x > y) - (x < y);
}

static int
by_url_cmp(const void *a, const void *b, void *ctx)
{
	const struct sm_metrics_matcher *m = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(m->urls[x], m->urls[y]);
	return c ? c : (x > y) - (x < y);
}

static int
by_time_cmp(const void *a, const void *b, void *ctx)
{
	const struct sm_metrics_matcher *m = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	sm_time s = m->c[x].at, t = m->c[y].at;
	if (s != t)
		return s < t ? -1 : 1;
	return (x > y) - (x < y);
}

struct sm_metrics_matcher *
sm_metrics_matcher_new(const struct sm_metrics_candidate *c, size_t n,
		       const char *platform)
{
	struct sm_metrics_matcher *m = xcalloc(1, sizeof(*m));

	m->c = c;
	m->n = n;
	m->by_id = xcalloc(n, sizeof(size_t));
	m->by_url = xcalloc(n, sizeof(size_t));
	m->by_time = xcalloc(n, sizeof(size_t));
	m->urls = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (c[i].id && c[i].id[0])
			m->by_id[m->nid++] = i;
		if (c[i].url && (m->urls[i] = url_norm(c[i].url)) != NULL)
			m->by_url[m->nurl++] = i;
		for (size_t k = 0; platform && k < c[i].nplatforms; k++) {
			if (strcasecmp(c[i].platforms[k], platform) == 0) {
				m->by_time[m->ntime++] = i;
				break;
			}
		}
	}
	qsort_r(m->by_id, m->nid, sizeof(size_t), by_id_cmp, m);
	qsort_r(m->by_url, m->nurl, sizeof(size_t), by_url_cmp, m);
	qsort_r(m->by_time, m->ntime, sizeof(size_t), by_time_cmp, m);
	return m;
}

void
sm_metrics_matcher_free(struct sm_metrics_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->urls[i]);
	free(m->urls);
	free(m->by_id);
	free(m->by_url);
	free(m->by_time);
	free(m);
}

/* The range [*lo, *hi) of idx (sorted by key) whose key equals s. */
static void
equal_range(const struct sm_metrics_matcher *m, const size_t *idx, size_t n,
	    int urls, const char *s, size_t *lo, size_t *hi)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		const char *k = urls ? m->urls[idx[mid]] : m->c[idx[mid]].id;
		if (strcmp(k, s) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		const char *k = urls ? m->urls[idx[mid]] : m->c[idx[mid]].id;
		if (strcmp(k, s) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* Whether candidate i fits the row's time. */
static int
in_window(const struct sm_metrics_candidate *c, sm_time at, int date_only,
	  sm_time day_end)
{
	if (date_only)
		return c->at >= at && c->at < day_end;
	sm_time d = c->at > at ? c->at - at : at - c->at;
	return d <= SM_METRICS_MATCH_WINDOW;
}

/* Narrows idx[lo, hi) by the time rule into out; returns how many fit,
 * filling first and second. */
static size_t
narrow(const struct sm_metrics_matcher *m, const size_t *idx, size_t lo,
       size_t hi, sm_time at, int date_only, sm_time day_end, size_t *first,
       size_t *second)
{
	size_t k = 0;
	for (size_t i = lo; i < hi; i++) {
		if (!in_window(&m->c[idx[i]], at, date_only, day_end))
			continue;
		if (k == 0)
			*first = idx[i];
		else if (k == 1)
			*second = idx[i];
		k++;
	}
	return k;
}

void
sm_metrics_match(const struct sm_metrics_matcher *m, const char *id,
		 const char *url, int has_time, sm_time at, int date_only,
		 sm_time day_end, struct sm_metrics_match *out)
{
	size_t lo, hi, ulo = 0, uhi = 0, ilo = 0, ihi = 0, f = 0, s = 0, k;
	char *nu = NULL;

	memset(out, 0, sizeof(*out));
	out->how = SM_MATCH_NONE;
	if (id && *id) {
		equal_range(m, m->by_id, m->nid, 0, id, &ilo, &ihi);
		if (ihi - ilo == 1) {
			out->how = SM_MATCH_ID;
			out->post = m->by_id[ilo];
			return;
		}
		if (ihi - ilo > 1 && has_time &&
		    narrow(m, m->by_id, ilo, ihi, at, date_only, day_end, &f,
			   &s) == 1) {
			out->how = SM_MATCH_ID;
			out->post = f;
			return;
		}
	}
	if (url && (nu = url_norm(url)) != NULL) {
		equal_range(m, m->by_url, m->nurl, 1, nu, &ulo, &uhi);
		free(nu);
		if (uhi - ulo == 1) {
			out->how = SM_MATCH_URL;
			out->post = m->by_url[ulo];
			return;
		}
		if (uhi - ulo > 1 && has_time &&
		    narrow(m, m->by_url, ulo, uhi, at, date_only, day_end, &f,
			   &s) == 1) {
			out->how = SM_MATCH_URL;
			out->post = f;
			return;
		}
	}
	if (ihi - ilo > 1 || uhi - ulo > 1) {
		/* Several posts carry that id or URL, and the time does not
		 * single one out. */
		const size_t *idx = ihi - ilo > 1 ? m->by_id : m->by_url;
		lo = ihi - ilo > 1 ? ilo : ulo;
		hi = ihi - ilo > 1 ? ihi : uhi;
		out->how = SM_MATCH_AMBIGUOUS;
		k = has_time ? narrow(m, idx, lo, hi, at, date_only, day_end,
				      &f, &s)
			     : 0;
		if (k >= 2) {
			out->nfound = k;
			out->first = f;
			out->second = s;
		} else {
			out->nfound = hi - lo;
			out->first = idx[lo];
			out->second = idx[lo + 1];
		}
		return;
	}
	if (!has_time)
		return;
	/* The time rule over the platform's posts. */
	sm_time from = date_only ? at : at - SM_METRICS_MATCH_WINDOW;
	size_t a = 0, b = m->ntime;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (m->c[m->by_time[mid]].at < from)
			a = mid + 1;
		else
			b = mid;
	}
	k = 0;
	for (size_t i = a; i < m->ntime; i++) {
		const struct sm_metrics_candidate *c = &m->c[m->by_time[i]];
		if (!in_window(c, at, date_only, day_end)) {
			if (c->at > at)
				break;
			continue;
		}
		if (k == 0)
			f = m->by_time[i];
		else if (k == 1)
			s = m->by_time[i];
		k++;
	}
	if (k == 1) {
		out->how = SM_MATCH_TIME;
		out->post = f;
	} else if (k > 1) {
		out->how = SM_MATCH_AMBIGUOUS;
		out->nfound = k;
		out->first = f;
		out->second = s;
	}
}

const char *
sm_metrics_how_name(enum sm_metrics_how how)
{
	static const char *const names[] = {"none", "id", "url", "time",
					    "ambiguous"};
	if ((unsigned)how > SM_MATCH_AMBIGUOUS)
		return "?";
	return names[how];
}

/* ------------------------------------------------------------------ */
/* Import: a whole file                                                */
/* ------------------------------------------------------------------ */

int
sm_metrics_import_begin(struct sm_metrics_import *im, const char *file,
			const char *platform, const struct sm_tz *zone,
			const struct sm_metrics_matcher *matcher,
			const char *const *names, size_t n, int line,
			const struct sm_metrics_map *map)
{
	memset(im, 0, sizeof(*im));
	im->file = file;
	im->platform = platform;
	im->zone = zone;
	im->matcher = matcher;
	im->nclaimed = matcher ? matcher->n : 0;
	im->claimed = xcalloc(im->nclaimed, sizeof(int));
	return sm_metrics_header_read(&im->header, names, n, line, map, file,
				      &im->diags);
}

static const char *
cell(const struct sm_metrics_cells *row, int col)
{
	if (col < 0 || (size_t)col >= row->n || !row->fields[col])
		return "";
	return row->fields[col];
}

/* A cell as a trimmed copy in buf, or NULL when blank. */
static const char *
cell_text(const struct sm_metrics_cells *row, int col, char *buf, size_t len)
{
	const char *a, *b;
	sm_csv_trim(cell(row, col), &a, &b);
	if (a == b)
		return NULL;
	size_t n = (size_t)(b - a) < len - 1 ? (size_t)(b - a) : len - 1;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return buf;
}

/* Whether candidate c is on platform (or on none, or no platform given). */
static int
on_platform(const struct sm_metrics_candidate *c, const char *platform)
{
	if (!platform || !*platform || c->nplatforms == 0)
		return 1;
	for (size_t i = 0; i < c->nplatforms; i++)
		if (strcasecmp(c->platforms[i], platform) == 0)
			return 1;
	return 0;
}

static void
describe(const struct sm_metrics_import *im, size_t post, char *buf, size_t len)
{
	const struct sm_metrics_candidate *c = &im->matcher->c[post];
	char t[40];
	sm_civil_format(c->at, SM_CIVIL_UTC, t, sizeof(t));
	snprintf(buf, len, "%s at %s", c->id ? c->id : "(no id)", t);
}

/* Claims a local day for followers: 0, or the line that claimed it. */
static int
day_claim(struct sm_metrics_import *im, sm_time day, int line)
{
	if ((im->ndays + 1) * 2 > im->dcap) {
		size_t cap = im->dcap ? im->dcap * 2 : 64;
		struct sm_metrics_dayline *v = xcalloc(cap, sizeof(*v));
		for (size_t i = 0; i < im->dcap; i++) {
			if (!im->days[i].line)
				continue;
			size_t s = (size_t)((uint64_t)im->days[i].day *
					    0x9e3779b97f4a7c15ULL) &
				   (cap - 1);
			while (v[s].line)
				s = (s + 1) & (cap - 1);
			v[s] = im->days[i];
		}
		free(im->days);
		im->days = v;
		im->dcap = cap;
	}
	size_t s = (size_t)((uint64_t)day * 0x9e3779b97f4a7c15ULL) &
		   (im->dcap - 1);
	while (im->days[s].line) {
		if (im->days[s].day == day)
			return im->days[s].line;
		s = (s + 1) & (im->dcap - 1);
	}
	im->days[s].day = day;
	im->days[s].line = line;
	im->ndays++;
	return 0;
}

static void
push_result(struct sm_metrics_import *im, const struct sm_metrics_result *r)
{
	if (im->nrows == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 256;
		im->rows = xrealloc(im->rows, im->cap * sizeof(*im->rows));
	}
	im->rows[im->nrows++] = *r;
}

int
sm_metrics_import_row(struct sm_metrics_import *im,
		      const struct sm_metrics_cells *row)
{
	const struct sm_metrics_header *h = &im->header;
	struct sm_metrics_result r;
	char idb[512], urlb[2048], whenb[128], err[256], d1[600], d2[600];
	const char *id, *url, *when;
	sm_time at = 0, day_end = 0;
	int date_only = 0, has_time = 0, bad = 0;
	const char *file = im->file;
	int line = row->line;

	memset(&r, 0, sizeof(r));
	r.line = line;
	r.how = SM_MATCH_NONE;
	if (row->n != h->ncols) {
		sm_diag_add(&im->diags, SM_ERROR, file, line,
			    "%zu fields where the header has %zu: check the "
			    "quotes and separators of this row",
			    row->n, h->ncols);
		/* Its cells are shifted: reading them would only add noise. */
		push_result(im, &r);
		im->nbad++;
		return -1;
	}
	id = cell_text(row, h->id, idb, sizeof(idb));
	url = cell_text(row, h->url, urlb, sizeof(urlb));
	when = cell_text(row, h->published_at, whenb, sizeof(whenb));
	if (when) {
		if (sm_metrics_parse_when(when, im->zone, &at, &date_only) <
		    0) {
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "published_at \"%s\" is not a time: "
				    "expected 2026-12-01 09:00, "
				    "2026-12-01T08:00:00Z or 12/01/2026 09:00",
				    when);
			bad = 1;
		} else {
			has_time = 1;
			if (date_only)
				local_day(im->zone, at, &at, &day_end);
		}
	}
	for (int k = 0; k <= SM_KPI_NPOST; k++) {
		int col = h->metric[k];
		int64_t v;
		if (col < 0)
			continue;
		int rc = sm_csv_parse_count(cell(row, col), &v, err,
					    sizeof(err));
		if (rc < 0) {
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "column \"%s\" (%s): %s", h->names[col],
				    sm_kpi_name(k == SM_KPI_NPOST
							? SM_KPI_FOLLOWERS
							: (enum sm_kpi)k),
				    err);
			bad = 1;
			continue;
		}
		if (rc > 0)
			continue;
		if (k == SM_KPI_NPOST) {
			r.has_followers = 1;
			r.followers = v;
		} else {
			sm_metric_set(&r.values, (enum sm_kpi)k, v);
		}
	}
	if (!bad && r.values.have == 0 && !r.has_followers) {
		sm_diag_add(&im->diags, SM_WARNING, file, line,
			    "no value in this row: skipped");
		return 0;
	}
	if (r.values.have != 0 && !bad) {
		struct sm_metrics_match mt;
		sm_metrics_match(im->matcher, id, url, has_time, at, date_only,
				 day_end, &mt);
		r.how = mt.how;
		if (mt.how == SM_MATCH_NONE) {
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "no post matches (id %s, url %s, "
				    "published_at %s on %s): record the URL "
				    "with smctl done --url, or add an id "
				    "column%s",
				    id ? id : "-", url ? url : "-",
				    when ? when : "-",
				    im->platform ? im->platform : "-",
				    has_time ? ""
					     : " (a row without a publish time "
					       "is matched among recent posts "
					       "only: fill its published_at, "
					       "or use smctl metric ID)");
			bad = 1;
		} else if (mt.how == SM_MATCH_AMBIGUOUS) {
			describe(im, mt.first, d1, sizeof(d1));
			describe(im, mt.second, d2, sizeof(d2));
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "ambiguous: %zu posts match (%s, %s%s); "
				    "add an id or url column",
				    mt.nfound, d1, d2,
				    mt.nfound > 2 ? ", ..." : "");
			bad = 1;
		} else if (!on_platform(&im->matcher->c[mt.post],
					im->platform)) {
			describe(im, mt.post, d1, sizeof(d1));
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "its %s names post %s, which is not on %s: "
				    "import this row with that post's platform",
				    mt.how == SM_MATCH_ID ? "id" : "url", d1,
				    im->platform);
			bad = 1;
		} else if (im->claimed[mt.post]) {
			describe(im, mt.post, d1, sizeof(d1));
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "matches post %s, as line %d does: keep "
				    "one row per post",
				    d1, im->claimed[mt.post]);
			bad = 1;
		} else {
			r.post = mt.post;
			im->claimed[mt.post] = line;
		}
	}
	if (r.has_followers && !bad) {
		if (!has_time) {
			sm_diag_add(&im->diags, SM_ERROR, file, line,
				    "followers without a date: fill its "
				    "published_at or date cell");
			bad = 1;
		} else {
			sm_time end;
			local_day(im->zone, at, &r.day_start, &end);
			int other = day_claim(im, r.day_start, line);
			if (other) {
				sm_diag_add(&im->diags, SM_ERROR, file, line,
					    "followers for the same day as "
					    "line %d: keep one row per day",
					    other);
				bad = 1;
			}
		}
	}
	r.ok = !bad;
	push_result(im, &r);
	if (bad)
		im->nbad++;
	else
		im->nok++;
	return bad ? -1 : 1;
}

void
sm_metrics_import_free(struct sm_metrics_import *im)
{
	sm_metrics_header_free(&im->header);
	free(im->rows);
	free(im->claimed);
	free(im->days);
	sm_diag_clear(&im->diags);
	memset(im, 0, sizeof(*im));
}
