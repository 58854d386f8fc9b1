/*
 * cadence: periods, targets, the report, the mix, guardrails and alerts.
 *
 * Cost: the report sorts each reported platform's posts once (O(n log n))
 * and counts every period by binary search on the sorted instants, with a
 * prefix count of done marks; the mix is one pass over the posts.  Nothing
 * here depends on the number of periods more than linearly.
 */
#include "cadence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "duration.h"
#include "post.h"

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

/* ------------------------------------------------------------------ */
/* Periods                                                             */
/* ------------------------------------------------------------------ */

static sm_time
midnight(const struct sm_tz *zone, int64_t day)
{
	sm_time local = (sm_time)day * SM_DAY;
	return zone ? sm_tz_resolve(zone, local) : local;
}

static int64_t
local_day(const struct sm_tz *zone, sm_time t)
{
	return sm_civil_day_of(zone ? sm_tz_to_local(zone, t) : t);
}

/* ISO 8601 week-year and week of a day: those of its week's Thursday. */
static void
iso_week(int64_t day, int *year, int *week)
{
	int64_t thursday = day - sm_civil_weekday(day) + 3;
	int y, m, d;
	sm_civil_ymd(thursday, &y, &m, &d);
	*year = y;
	*week = (int)((thursday - sm_civil_days(y, 1, 1)) / 7) + 1;
}

void
sm_cadence_period_of_day(const struct sm_tz *zone, int week_start,
			 enum sm_cadence_unit unit, int64_t day,
			 struct sm_period *out)
{
	int y, m, d, wy, wn;
	memset(out, 0, sizeof(*out));
	switch (unit) {
	case SM_CADENCE_DAY:
		out->first_day = day;
		out->ndays = 1;
		sm_civil_ymd(day, &y, &m, &d);
		snprintf(out->label, sizeof(out->label), "%04d-%02d-%02d", y, m,
			 d);
		break;
	case SM_CADENCE_MONTH:
		sm_civil_ymd(day, &y, &m, &d);
		out->first_day = sm_civil_days(y, m, 1);
		out->ndays = sm_civil_month_days(y, m);
		snprintf(out->label, sizeof(out->label), "%04d-%02d", y, m);
		break;
	case SM_CADENCE_NONE:
	case SM_CADENCE_WEEK:
	default:
		unit = SM_CADENCE_WEEK;
		out->first_day =
			day - (sm_civil_weekday(day) - week_start + 7) % 7;
		out->ndays = 7;
		/* The ISO week of the fourth day: ISO 8601 itself for
		 * Monday weeks, the ISO week sharing four days otherwise. */
		iso_week(out->first_day + 3, &wy, &wn);
		snprintf(out->label, sizeof(out->label), "%04d-W%02d", wy, wn);
		break;
	}
	out->unit = unit;
	out->start = midnight(zone, out->first_day);
	out->end = midnight(zone, out->first_day + out->ndays);
}

void
sm_cadence_period_at(const struct sm_tz *zone, int week_start,
		     enum sm_cadence_unit unit, sm_time t,
		     struct sm_period *out)
{
	sm_cadence_period_of_day(zone, week_start, unit, local_day(zone, t),
				 out);
	/* A midnight inside a DST gap or overlap starts its day at another
	 * instant than the local date suggests: settle on the period whose
	 * instants hold t (a step or two at most). */
	for (int i = 0; i < 4 && t < out->start; i++)
		sm_cadence_period_of_day(zone, week_start, out->unit,
					 out->first_day - 1, out);
	for (int i = 0; i < 4 && t >= out->end; i++)
		sm_cadence_period_of_day(zone, week_start, out->unit,
					 out->first_day + out->ndays, out);
}

void
sm_cadence_period_step(const struct sm_tz *zone, int week_start,
		       const struct sm_period *p, int n, struct sm_period *out)
{
	struct sm_period cur = *p;
	for (; n > 0; n--)
		sm_cadence_period_of_day(zone, week_start, cur.unit,
					 cur.first_day + cur.ndays, &cur);
	for (; n < 0; n++)
		sm_cadence_period_of_day(zone, week_start, cur.unit,
					 cur.first_day - 1, &cur);
	*out = cur;
}

/* ------------------------------------------------------------------ */
/* Targets                                                             */
/* ------------------------------------------------------------------ */

int64_t
sm_cadence_target_parts(const struct sm_cadence *plan,
			const struct sm_period *p)
{
	int64_t parts = 0;
	if (plan->unit == SM_CADENCE_NONE || plan->count <= 0)
		return 0;
	for (int64_t day = p->first_day; day < p->first_day + p->ndays; day++) {
		int len = 1, y, m, d;
		if (plan->unit == SM_CADENCE_WEEK) {
			len = 7;
		} else if (plan->unit == SM_CADENCE_MONTH) {
			sm_civil_ymd(day, &y, &m, &d);
			len = sm_civil_month_days(y, m);
		}
		/* Exact: SM_CADENCE_PARTS is a multiple of every len. */
		parts += (int64_t)plan->count * (SM_CADENCE_PARTS / len);
	}
	return parts;
}

int
sm_cadence_target(const struct sm_cadence *plan, const struct sm_period *p)
{
	int64_t parts = sm_cadence_target_parts(plan, p);
	return (int)((parts + SM_CADENCE_PARTS / 2) / SM_CADENCE_PARTS);
}

int
sm_cadence_expected(int target, const struct sm_period *p, sm_time now)
{
	sm_time len = p->end - p->start;
	if (target <= 0 || now < p->start)
		return 0;
	if (now >= p->end || len <= 0)
		return target;
	/* target <= 310,000 and len <= 32 days: no overflow. */
	return (int)((int64_t)target * (now - p->start) / len);
}

sm_time
sm_cadence_behind_at(int target, const struct sm_period *p, int published)
{
	sm_time len = p->end - p->start;
	if (target <= 0 || published >= target || len <= 0)
		return SM_TIME_MAX;
	if (published < 0)
		published = 0;
	/* The least e with floor(target * e / len) >= published + 1. */
	int64_t need = (int64_t)(published + 1) * len;
	sm_time at = p->start + (need + target - 1) / target;
	return at < p->end ? at : SM_TIME_MAX;
}

/* ------------------------------------------------------------------ */
/* Posts                                                               */
/* ------------------------------------------------------------------ */

void
sm_cadence_posts_add(struct sm_cadence_posts *l, const struct sm_config *cfg,
		     sm_time at, const char *const *platforms, int nplatforms,
		     const char *type, unsigned flags)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	if (l->nplats + (size_t)(nplatforms > 0 ? nplatforms : 0) >
	    l->plats_cap) {
		while (l->nplats + (size_t)nplatforms > l->plats_cap)
			l->plats_cap = l->plats_cap ? l->plats_cap * 2 : 256;
		l->plats = xrealloc(l->plats, l->plats_cap * sizeof(*l->plats));
	}
	struct sm_cadence_post *p = &l->v[l->n++];
	p->at = at;
	p->flags = (uint16_t)flags;
	p->plat = (uint32_t)l->nplats;
	p->nplat = 0;
	for (int i = 0; cfg && i < nplatforms && p->nplat < UINT16_MAX; i++) {
		const struct sm_platform *pl =
			sm_config_platform(cfg, platforms[i]);
		if (!pl)
			continue;
		int idx = (int)(pl - cfg->platforms), dup = 0;
		for (int k = 0; k < p->nplat; k++)
			dup |= l->plats[p->plat + (uint32_t)k] == idx;
		if (!dup) {
			l->plats[l->nplats++] = idx;
			p->nplat++;
		}
	}
	const struct sm_content_type *t =
		type && cfg ? sm_config_type(cfg, type) : NULL;
	p->type = t ? t->name : type;
}

void
sm_cadence_posts_free(struct sm_cadence_posts *l)
{
	free(l->v);
	free(l->plats);
	memset(l, 0, sizeof(*l));
}

struct gather {
	struct sm_cadence_posts *l;
	const struct sm_config *cfg;
	sm_cadence_done_fn done;
	void *ctx;
};

static int
gather_one(void *ctx, const struct sm_occurrence *occ)
{
	struct gather *g = ctx;
	const struct sm_post *p = occ->post;
	const char *names[32];
	int n = sm_post_platforms(g->cfg, p, names, 32);
	unsigned flags = 0;
	if (occ->cancelled || p->status == SM_POST_CANCELLED) {
		flags |= SM_CADENCE_CANCELLED;
	} else {
		if (p->status == SM_POST_DRAFT)
			flags |= SM_CADENCE_DRAFT;
		if (g->done) {
			char rid[40];
			const struct sm_series *s = occ->series;
			sm_occur_format_rid(occ, rid, sizeof(rid));
			if (g->done(g->ctx, s->calendar ? s->calendar : "",
				    s->master ? s->master->uid : p->uid,
				    rid) > 0)
				flags |= SM_CADENCE_DONE;
		}
	}
	sm_cadence_posts_add(g->l, g->cfg, occ->start, names, n,
			     sm_post_type(g->cfg, p), flags);
	return 0;
}

void
sm_cadence_gather(struct sm_cadence_posts *l, const struct sm_config *cfg,
		  const struct sm_series_set *set,
		  const struct sm_occur_opts *opts, sm_time from, sm_time to,
		  sm_cadence_done_fn done, void *ctx)
{
	for (size_t i = 0; i < set->n; i++)
		sm_cadence_gather_series(l, cfg, &set->series[i], opts, from,
					 to, done, ctx);
}

void
sm_cadence_gather_series(struct sm_cadence_posts *l,
			 const struct sm_config *cfg,
			 const struct sm_series *series,
			 const struct sm_occur_opts *opts, sm_time from,
			 sm_time to, sm_cadence_done_fn done, void *ctx)
{
	struct gather g = {l, cfg, done, ctx};
	sm_occur_window(series, opts, from, to, gather_one, &g);
}

/* ------------------------------------------------------------------ */
/* Guardrails                                                          */
/* ------------------------------------------------------------------ */

size_t
sm_cadence_guardrails(const sm_time *at, size_t n, int64_t min_spacing,
		      int daily_cap, const struct sm_tz *zone,
		      sm_cadence_guard_fn fn, void *ctx)
{
	size_t found = 0, day_first = 0;
	int64_t day = 0;
	struct sm_cadence_guard g;
	for (size_t i = 0; i <= n; i++) {
		/* A day's count is complete when the next day starts (or the
		 * list ends): report it before the new day's spacing. */
		int64_t d = i < n && daily_cap > 0 ? local_day(zone, at[i]) : 0;
		if (daily_cap > 0 && i > 0 && (i == n || d != day)) {
			if (i - day_first > (size_t)daily_cap) {
				memset(&g, 0, sizeof(g));
				g.kind = SM_GUARD_DAILY_CAP;
				g.first = day_first;
				g.second = i - 1;
				g.day = day;
				g.count = (int)(i - day_first);
				found++;
				if (fn)
					fn(ctx, &g);
			}
			day_first = i;
		}
		if (i == n)
			break;
		day = d;
		if (min_spacing > 0 && i > 0 &&
		    at[i] - at[i - 1] < min_spacing) {
			memset(&g, 0, sizeof(g));
			g.kind = SM_GUARD_SPACING;
			g.first = i - 1;
			g.second = i;
			g.day = local_day(zone, at[i]);
			g.count = 2;
			found++;
			if (fn)
				fn(ctx, &g);
		}
	}
	return found;
}

char *
sm_cadence_warning_format(const struct sm_cadence_warning *w,
			  const struct sm_tz *zone, char *buf, size_t len)
{
	const char *name = w->platform ? w->platform->name : "?";
	char a[40], b[40], gap[32], spacing[32];
	if (w->kind == SM_GUARD_DAILY_CAP) {
		int y, m, d;
		sm_civil_ymd(w->day, &y, &m, &d);
		snprintf(buf, len,
			 "%s: %d posts on %04d-%02d-%02d (daily_cap %d)", name,
			 w->count, y, m, d,
			 w->platform ? w->platform->daily_cap : 0);
		return buf;
	}
	sm_time la = zone ? sm_tz_to_local(zone, w->first) : w->first;
	sm_time lb = zone ? sm_tz_to_local(zone, w->second) : w->second;
	sm_civil_format(la, SM_CIVIL_LOCAL, a, sizeof(a));
	sm_civil_format(lb, SM_CIVIL_LOCAL, b, sizeof(b));
	/* "2026-12-07T09:00:00" -> "2026-12-07 09:00"; the second without
	 * its date when both are on the same local day. */
	a[10] = ' ';
	a[16] = '\0';
	b[10] = ' ';
	b[16] = '\0';
	const char *second = memcmp(a, b, 10) == 0 ? b + 11 : b;
	snprintf(buf, len, "%s: %s and %s are %s apart (min_spacing %s)", name,
		 a, second,
		 sm_duration_format(w->second - w->first, gap, sizeof(gap)),
		 sm_duration_format(w->platform ? w->platform->min_spacing : 0,
				    spacing, sizeof(spacing)));
	return buf;
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

const char *
sm_cadence_status_name(enum sm_cadence_status status)
{
	switch (status) {
	case SM_CADENCE_SHORT:
		return "short";
	case SM_CADENCE_BEHIND:
		return "behind";
	case SM_CADENCE_OK:
	default:
		return "ok";
	}
}

static int
week_start_of(const struct sm_config *cfg)
{
	return cfg ? cfg->week_start : 0;
}

/* The unit a platform is reported in. */
static enum sm_cadence_unit
unit_of(const struct sm_cadence_opts *o, const struct sm_platform *pl)
{
	if (o->unit != SM_CADENCE_NONE)
		return o->unit;
	return pl->cadence.unit != SM_CADENCE_NONE ? pl->cadence.unit
						   : SM_CADENCE_WEEK;
}

/* The first and last periods of a platform's rows. */
static void
row_bounds(const struct sm_config *cfg, const struct sm_cadence_opts *o,
	   const struct sm_platform *pl, struct sm_period *first,
	   struct sm_period *last)
{
	struct sm_period cur;
	int history = o->history > 0 ? o->history : 0;
	sm_cadence_period_at(o->zone, week_start_of(cfg), unit_of(o, pl),
			     o->now, &cur);
	sm_cadence_period_step(o->zone, week_start_of(cfg), &cur, -history,
			       first);
	sm_cadence_period_step(o->zone, week_start_of(cfg), &cur,
			       cfg->lookahead, last);
}

/* The mix window: the current week and mix_window (whole days) before. */
static void
mix_bounds(const struct sm_config *cfg, const struct sm_cadence_opts *o,
	   sm_time *from, sm_time *to)
{
	struct sm_period week;
	sm_cadence_period_at(o->zone, week_start_of(cfg), SM_CADENCE_WEEK,
			     o->now, &week);
	int64_t days = (cfg->mix_window + SM_DAY - 1) / SM_DAY;
	*from = midnight(o->zone, week.first_day - days);
	*to = week.end;
}

/* Whether a platform is reported: the one named, else those with a plan. */
static int
selected(const struct sm_cadence_opts *o, const struct sm_platform *pl)
{
	if (o->platform)
		return strcasecmp(o->platform, pl->name) == 0;
	return pl->cadence.unit != SM_CADENCE_NONE;
}

void
sm_cadence_span(const struct sm_config *cfg, const struct sm_cadence_opts *o,
		sm_time *from, sm_time *to)
{
	mix_bounds(cfg, o, from, to);
	for (size_t i = 0; i < cfg->nplatforms; i++) {
		const struct sm_platform *pl = &cfg->platforms[i];
		struct sm_period first, last;
		if (!selected(o, pl))
			continue;
		row_bounds(cfg, o, pl, &first, &last);
		if (first.start < *from)
			*from = first.start;
		if (last.end > *to)
			*to = last.end;
	}
}

struct dated {
	sm_time at;
	int done;
};

static int
cmp_dated(const void *a, const void *b)
{
	const struct dated *x = a, *y = b;
	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return x->done - y->done;
}

/* The index of the first entry at or after t. */
static size_t
lower_bound(const struct dated *v, size_t n, sm_time t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].at < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct warn_ctx {
	struct sm_cadence_report *r;
	const struct sm_platform *pl;
	const sm_time *at;
	size_t cap;
};

static void
add_warning(void *ctx, const struct sm_cadence_guard *g)
{
	struct warn_ctx *wc = ctx;
	struct sm_cadence_report *r = wc->r;
	if (r->nwarnings == wc->cap) {
		wc->cap = wc->cap ? wc->cap * 2 : 16;
		r->warnings =
			xrealloc(r->warnings, wc->cap * sizeof(*r->warnings));
	}
	struct sm_cadence_warning *w = &r->warnings[r->nwarnings++];
	w->platform = wc->pl;
	w->kind = g->kind;
	w->first = wc->at[g->first];
	w->second = wc->at[g->second];
	w->day = g->day;
	w->count = g->count;
}

/* Rows and guardrails of one platform; dated holds its posts, sorted. */
static void
platform_rows(struct sm_cadence_report *r, const struct sm_platform *pl,
	      const struct dated *v, size_t n, const int *done_before,
	      size_t *rows_cap, struct warn_ctx *wc)
{
	const struct sm_config *cfg = r->cfg;
	const struct sm_cadence_opts *o = &r->opts;
	struct sm_period cur, p;
	int history = o->history > 0 ? o->history : 0;
	size_t need = r->nrows + (size_t)history + 1 + (size_t)cfg->lookahead;
	if (need > *rows_cap) {
		*rows_cap = need * 2;
		r->rows = xrealloc(r->rows, *rows_cap * sizeof(*r->rows));
	}
	sm_cadence_period_at(o->zone, cfg->week_start, unit_of(o, pl), o->now,
			     &cur);
	sm_cadence_period_step(o->zone, cfg->week_start, &cur, -history, &p);
	for (int off = -history; off <= cfg->lookahead; off++) {
		struct sm_cadence_row *row = &r->rows[r->nrows++];
		size_t lo = lower_bound(v, n, p.start);
		size_t hi = lower_bound(v, n, p.end);
		memset(row, 0, sizeof(*row));
		row->platform = pl;
		row->period = p;
		row->offset = off;
		row->target = sm_cadence_target(&pl->cadence, &p);
		row->scheduled = (int)(hi - lo);
		row->published = done_before[hi] - done_before[lo];
		row->gap = row->target > row->scheduled
				   ? row->target - row->scheduled
				   : 0;
		if (off == 0)
			row->expected =
				sm_cadence_expected(row->target, &p, o->now);
		if (off == 0 && row->published < row->expected)
			row->status = SM_CADENCE_BEHIND;
		else if (row->scheduled < row->target)
			row->status = SM_CADENCE_SHORT;
		else
			row->status = SM_CADENCE_OK;
		sm_cadence_period_step(o->zone, cfg->week_start, &p, 1, &p);
	}
	/* Guardrails over the rows' span. */
	const struct sm_cadence_row *first =
		&r->rows[r->nrows - 1 - (size_t)history -
			 (size_t)cfg->lookahead];
	size_t lo = lower_bound(v, n, first->period.start);
	size_t hi = lower_bound(v, n, r->rows[r->nrows - 1].period.end);
	if (o->guardrails && hi > lo &&
	    (pl->min_spacing > 0 || pl->daily_cap > 0)) {
		sm_time *at = xcalloc(hi - lo, sizeof(*at));
		for (size_t i = lo; i < hi; i++)
			at[i - lo] = v[i].at;
		wc->pl = pl;
		wc->at = at;
		sm_cadence_guardrails(at, hi - lo, pl->min_spacing,
				      pl->daily_cap, o->zone, add_warning, wc);
		free(at);
	}
}

/* Counts per type in the mix window. */
struct tally {
	const char *type;
	int posts;
	int target;
};

static int
cmp_tally_name(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	return strcasecmp(x->type, y->type);
}

static void
build_mix(struct sm_cadence_report *r, const struct sm_cadence_posts *posts,
	  int platform)
{
	const struct sm_config *cfg = r->cfg;
	int has_mix = 0;
	for (size_t i = 0; i < cfg->ntypes; i++)
		has_mix |= cfg->types[i].mix >= 0;
	/* Known types first, in config order; others as they come. */
	size_t n = 0, cap = cfg->ntypes + 8;
	struct tally *t = xcalloc(cap, sizeof(*t));
	for (size_t i = 0; i < cfg->ntypes; i++)
		if (cfg->types[i].mix >= 0) {
			t[n].type = cfg->types[i].name;
			t[n].target = cfg->types[i].mix;
			n++;
		}
	size_t nknown = n;
	int untyped = 0, total = 0;
	mix_bounds(cfg, &r->opts, &r->mix_from, &r->mix_to);
	for (size_t i = 0; i < posts->n; i++) {
		const struct sm_cadence_post *p = &posts->v[i];
		if (p->flags & SM_CADENCE_CANCELLED || p->at < r->mix_from ||
		    p->at >= r->mix_to)
			continue;
		if (platform >= 0) {
			int on = 0;
			for (uint16_t k = 0; k < p->nplat; k++)
				on |= posts->plats[p->plat + k] == platform;
			if (!on)
				continue;
		}
		total++;
		if (!p->type) {
			untyped++;
			continue;
		}
		/* Types are mostly the config's own strings: compare
		 * pointers before spellings. */
		size_t k;
		for (k = 0; k < n && t[k].type != p->type; k++)
			;
		for (size_t j = 0; k == n && j < n; j++)
			if (strcasecmp(t[j].type, p->type) == 0)
				k = j;
		if (k == n) {
			if (n == cap) {
				cap *= 2;
				t = xrealloc(t, cap * sizeof(*t));
			}
			t[n].type = p->type;
			t[n].target = 0;
			t[n].posts = 0;
			n++;
		}
		t[k].posts++;
	}
	qsort(t + nknown, n - nknown, sizeof(*t), cmp_tally_name);
	r->mix = xcalloc(n + 1, sizeof(*r->mix));
	r->mix_posts = total;
	for (size_t k = 0; k <= n; k++) {
		if (k == n && untyped == 0)
			break;
		struct sm_cadence_mix *m = &r->mix[r->nmix++];
		m->type = k < n ? t[k].type : "untyped";
		m->posts = k < n ? t[k].posts : untyped;
		m->target = has_mix ? (k < n ? t[k].target : 0) : -1;
		m->share = total ? 100.0 * m->posts / total : 0.0;
		m->drift = has_mix && total ? m->share - m->target : 0.0;
	}
	free(t);
}

int
sm_cadence_report_build(struct sm_cadence_report *r,
			const struct sm_config *cfg,
			const struct sm_cadence_opts *o,
			const struct sm_cadence_posts *posts)
{
	memset(r, 0, sizeof(*r));
	int only = -1;
	if (o->platform) {
		const struct sm_platform *pl =
			sm_config_platform(cfg, o->platform);
		if (!pl)
			return -1;
		only = (int)(pl - cfg->platforms);
	}
	r->cfg = cfg;
	r->opts = *o;
	if (r->opts.history < 0)
		r->opts.history = 0;

	/* Each selected platform's non-cancelled posts, sorted. */
	size_t np = cfg->nplatforms;
	size_t *count = xcalloc(np + 1, sizeof(*count));
	for (size_t i = 0; i < posts->n; i++) {
		const struct sm_cadence_post *p = &posts->v[i];
		if (p->flags & SM_CADENCE_CANCELLED)
			continue;
		for (uint16_t k = 0; k < p->nplat; k++)
			count[posts->plats[p->plat + k]]++;
	}
	size_t rows_cap = 0;
	struct warn_ctx wc = {.r = r};
	for (size_t pi = 0; pi < np; pi++) {
		const struct sm_platform *pl = &cfg->platforms[pi];
		if (!selected(&r->opts, pl))
			continue;
		struct dated *v = xcalloc(count[pi], sizeof(*v));
		size_t n = 0;
		for (size_t i = 0; i < posts->n; i++) {
			const struct sm_cadence_post *p = &posts->v[i];
			if (p->flags & SM_CADENCE_CANCELLED)
				continue;
			for (uint16_t k = 0; k < p->nplat; k++)
				if (posts->plats[p->plat + k] == (int)pi) {
					v[n].at = p->at;
					v[n].done =
						!!(p->flags & SM_CADENCE_DONE);
					n++;
					break;
				}
		}
		qsort(v, n, sizeof(*v), cmp_dated);
		int *done_before = xcalloc(n + 1, sizeof(*done_before));
		for (size_t i = 0; i < n; i++)
			done_before[i + 1] = done_before[i] + v[i].done;
		platform_rows(r, pl, v, n, done_before, &rows_cap, &wc);
		free(done_before);
		free(v);
	}
	free(count);
	build_mix(r, posts, only);
	return 0;
}

void
sm_cadence_report_free(struct sm_cadence_report *r)
{
	free(r->rows);
	free(r->mix);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

size_t
sm_cadence_short_platforms(const struct sm_cadence_report *r)
{
	size_t n = 0;
	const struct sm_platform *last = NULL;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct sm_cadence_row *row = &r->rows[i];
		if (row->offset < 0 || row->scheduled >= row->target ||
		    row->platform == last)
			continue;
		last = row->platform;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

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
put_time(struct sm_jsonw *w, const char *key, sm_time t)
{
	char buf[40];
	sm_jsonw_key(w, key);
	sm_jsonw_string(w, sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf)));
}

/* An instant with milliseconds, as SPEC section 4's events write them. */
static void
put_time_ms(struct sm_jsonw *w, const char *key, int64_t ms)
{
	char buf[48];
	sm_time secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int frac = (int)(ms - secs * 1000);
	sm_civil_format(secs, SM_CIVIL_UTC, buf, sizeof(buf));
	size_t n = strlen(buf); /* "...:SSZ" becomes "...:SS.mmmZ" */
	snprintf(buf + n - 1, sizeof(buf) - (n - 1), ".%03dZ", frac);
	sm_jsonw_key(w, key);
	sm_jsonw_string(w, buf);
}

/* A number with one decimal, or null. */
static void
put_decimal(struct sm_jsonw *w, const char *key, double v, int null)
{
	char buf[32];
	sm_jsonw_key(w, key);
	if (null) {
		sm_jsonw_raw(w, "null", 4);
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%.1f", v);
	if (strcmp(buf, "-0.0") == 0)
		n = snprintf(buf, sizeof(buf), "0.0");
	sm_jsonw_raw(w, buf, (size_t)n);
}

void
sm_cadence_row_json(struct sm_jsonw *w, const struct sm_cadence_row *row)
{
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "platform");
	sm_jsonw_string(w, row->platform->name);
	sm_jsonw_key(w, "period");
	sm_jsonw_string(w, row->period.label);
	put_time(w, "start", row->period.start);
	put_time(w, "end", row->period.end);
	put_int(w, "target", row->target);
	put_int(w, "scheduled", row->scheduled);
	put_int(w, "published", row->published);
	put_int(w, "gap", row->gap);
	sm_jsonw_key(w, "status");
	sm_jsonw_string(w, sm_cadence_status_name(row->status));
	sm_jsonw_close(w, '}');
}

void
sm_cadence_mix_json(struct sm_jsonw *w, const struct sm_cadence_report *r,
		    const struct sm_cadence_mix *m)
{
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, m->type);
	put_time(w, "from", r->mix_from);
	put_time(w, "to", r->mix_to);
	put_int(w, "posts", m->posts);
	put_decimal(w, "share", m->share, r->mix_posts == 0);
	sm_jsonw_key(w, "target");
	if (m->target < 0)
		sm_jsonw_raw(w, "null", 4);
	else
		put_int(w, NULL, m->target);
	put_decimal(w, "drift", m->drift, r->mix_posts == 0 || m->target < 0);
	sm_jsonw_close(w, '}');
}

/* ------------------------------------------------------------------ */
/* Alerts                                                              */
/* ------------------------------------------------------------------ */

int64_t
sm_cadence_alert_pack(const struct sm_cadence_alert *a)
{
	return (int64_t)a->sent * 2 + (a->recovered ? 1 : 0);
}

void
sm_cadence_alert_unpack(int64_t v, struct sm_cadence_alert *a)
{
	if (v < 0)
		v = 0;
	a->sent = (int)(v / 2);
	a->recovered = (int)(v % 2);
}

int
sm_cadence_gap_step(struct sm_cadence_alert *a, int is_short)
{
	if (!is_short) {
		if (a->sent > 0)
			a->recovered = 1;
		return 0;
	}
	if (a->sent > 0 && !a->recovered)
		return 0;
	a->sent++;
	a->recovered = 0;
	return 1;
}

int
sm_cadence_behind_step(struct sm_cadence_alert *a, int is_behind)
{
	if (!is_behind || a->sent > 0)
		return 0;
	a->sent = 1;
	return 1;
}

static uint64_t
fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* "evt_" + 128 bits of FNV-1a over type, platform, period and firing:
 * stable across restarts, new when the same gap fires again. */
static void
make_id(struct sm_cadence_due *d)
{
	const char *parts[3] = {sm_config_event_name(d->type),
				d->row->platform->name, d->row->period.label};
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(parts[i]) + 1; /* the NUL separates */
		h1 = fnv(h1, parts[i], len);
		h2 = fnv(h2, parts[i], len);
	}
	int64_t nums[2] = {d->row->period.start, d->state.sent};
	h1 = fnv(h1, nums, sizeof(nums));
	h2 = fnv(h2, nums, sizeof(nums));
	static const char hex[] = "0123456789abcdef";
	memcpy(d->id, "evt_", 4);
	for (int i = 0; i < 16; i++) {
		d->id[4 + i] = hex[(h1 >> (60 - 4 * i)) & 15];
		d->id[20 + i] = hex[(h2 >> (60 - 4 * i)) & 15];
	}
	d->id[36] = '\0';
}

struct due_vec {
	struct sm_cadence_due *v;
	size_t n, cap;
};

static void
push_due(struct due_vec *dv, unsigned type, const struct sm_cadence_row *row,
	 const char *key, const struct sm_cadence_alert *st, int fire,
	 sm_time at)
{
	if (dv->n == dv->cap) {
		dv->cap = dv->cap ? dv->cap * 2 : 8;
		dv->v = xrealloc(dv->v, dv->cap * sizeof(*dv->v));
	}
	struct sm_cadence_due *d = &dv->v[dv->n++];
	memset(d, 0, sizeof(*d));
	d->type = type;
	d->row = row;
	snprintf(d->key, sizeof(d->key), "%s", key);
	d->state = *st;
	d->fire = fire;
	d->at = at;
	d->lead = type == SM_EVENT_CADENCE_GAP ? row->period.start - at : 0;
	make_id(d);
}

static void
alert_key(char *buf, size_t len, unsigned type,
	  const struct sm_cadence_row *row)
{
	snprintf(buf, len, "%s:%s:%s", sm_config_event_name(type),
		 row->platform->name, row->period.label);
}

size_t
sm_cadence_alerts(const struct sm_cadence_report *r, sm_cadence_state_fn get,
		  void *ctx, struct sm_cadence_due **out, sm_time *next)
{
	struct due_vec dv = {0};
	sm_time now = r->opts.now, nx = SM_TIME_MAX;
	int64_t notice = r->cfg->gap_notice;
	char key[SM_CADENCE_KEY_LEN];
	for (size_t i = 0; i < r->nrows; i++) {
		const struct sm_cadence_row *row = &r->rows[i];
		const struct sm_platform *pl = row->platform;
		const struct sm_period *p = &row->period;
		if (pl->cadence.unit == SM_CADENCE_NONE ||
		    p->unit != pl->cadence.unit || row->offset < 0)
			continue;
		if (row->offset == 0) {
			/* The current period: behind, then its end shifts
			 * every period. */
			struct sm_cadence_alert st = {0, 0};
			int behind = row->published < row->expected;
			alert_key(key, sizeof(key), SM_EVENT_CADENCE_BEHIND,
				  row);
			get(ctx, key, &st);
			if (sm_cadence_behind_step(&st, behind))
				push_due(&dv, SM_EVENT_CADENCE_BEHIND, row, key,
					 &st, 1,
					 sm_cadence_behind_at(row->target, p,
							      row->published));
			if (st.sent == 0) {
				sm_time at = sm_cadence_behind_at(
					row->target, p, row->published);
				if (at > now && at < nx)
					nx = at;
			}
			if (p->end > now && p->end < nx)
				nx = p->end;
			continue;
		}
		/* An upcoming period: within its notice window, or not yet
		 * (then its notice instant matters only while it is short:
		 * a change of data is re-evaluated by the caller anyway). */
		sm_time from = p->start - notice;
		int is_short = row->scheduled < row->target;
		if (now < from) {
			if (is_short && from < nx)
				nx = from;
			continue;
		}
		if (now >= p->start)
			continue;
		struct sm_cadence_alert st = {0, 0}, old;
		alert_key(key, sizeof(key), SM_EVENT_CADENCE_GAP, row);
		get(ctx, key, &st);
		old = st;
		int fire = sm_cadence_gap_step(&st, is_short);
		if (fire || st.sent != old.sent ||
		    st.recovered != old.recovered)
			push_due(&dv, SM_EVENT_CADENCE_GAP, row, key, &st, fire,
				 from);
	}
	*out = dv.v;
	*next = nx;
	return dv.n;
}

void
sm_cadence_event_json(struct sm_jsonw *w, const struct sm_cadence_due *d,
		      int64_t fired_at_ms, int late)
{
	sm_jsonw_reset(w);
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, sm_config_event_name(d->type));
	sm_jsonw_key(w, "id");
	sm_jsonw_string(w, d->id);
	put_time_ms(w, "scheduled_at", (int64_t)d->at * 1000);
	put_time_ms(w, "fired_at", fired_at_ms);
	sm_jsonw_key(w, "late");
	sm_jsonw_raw(w, late ? "true" : "false", late ? 4 : 5);
	put_int(w, "lead_s", d->lead);
	sm_jsonw_key(w, "cadence");
	sm_cadence_row_json(w, d->row);
	sm_jsonw_close(w, '}');
}
