/*
 * goals: a goal's value is one pass over the posts (or the followers
 * counts) filtered by the goal; the status compares it with the straight
 * line; events are a three-value state machine; the best week buckets the
 * data by lib/cadence's weeks.
 *
 * Out of memory aborts (STYLE.md, errors).
 */
#include "goals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cadence.h"

/* Values closer than this are equal: targets are written with a few
 * decimals, sums are exact. */
#define EPS 1e-9

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

const char *
sm_goal_status_name(enum sm_goal_status status)
{
	static const char *const names[] = {"on_track", "off_track", "achieved",
					    "missed"};
	if ((unsigned)status > SM_GOAL_MISSED)
		return "?";
	return names[status];
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

int
sm_goal_span(const struct sm_goal *g, const struct sm_tz *zone,
	     sm_time first_seen, sm_time *start, sm_time *end)
{
	int64_t sday = g->start_set
			       ? sm_civil_day_of(g->start)
			       : sm_civil_day_of(to_local(zone, first_seen));
	int64_t dday = sm_civil_day_of(g->deadline);

	*start = resolve(zone, sday * (sm_time)SM_DAY);
	*end = resolve(zone, (dday + 1) * (sm_time)SM_DAY);
	return dday < sday ? -1 : 0;
}

static int
all_platforms(const struct sm_goal *g)
{
	return !g->platform || strcasecmp(g->platform, "all") == 0;
}

int
sm_goal_matches(const struct sm_goal *g, const struct sm_metrics_post *p)
{
	if (!all_platforms(g)) {
		size_t k;
		for (k = 0; k < p->nplatforms; k++)
			if (strcasecmp(p->platforms[k], g->platform) == 0)
				break;
		if (k == p->nplatforms)
			return 0;
	}
	if (g->type && (!p->type || strcasecmp(p->type, g->type) != 0))
		return 0;
	if (g->campaign &&
	    (!p->campaign || strcasecmp(p->campaign, g->campaign) != 0))
		return 0;
	return 1;
}

/* The latest followers count at or before t of each platform the goal
 * covers, summed: 1 when any is known. */
static int
followers_at(const struct sm_goal *g, const struct sm_goal_data *d, sm_time t,
	     double *out)
{
	/* Per platform, the index of its latest sample so far. */
	struct latest {
		const char *platform;
		size_t i;
	} *l = NULL;
	size_t nl = 0, cap = 0;
	int all = all_platforms(g);

	for (size_t i = 0; i < d->nfollowers; i++) {
		const struct sm_metrics_followers *f = &d->followers[i];
		if (f->at > t || !f->platform ||
		    (!all && strcasecmp(f->platform, g->platform) != 0))
			continue;
		size_t k;
		for (k = 0; k < nl; k++)
			if (strcasecmp(l[k].platform, f->platform) == 0)
				break;
		if (k == nl) {
			if (nl == cap) {
				cap = cap ? cap * 2 : 8;
				l = xrealloc(l, cap * sizeof(*l));
			}
			l[nl].platform = f->platform;
			l[nl].i = i;
			nl++;
		} else if (f->at >= d->followers[l[k].i].at) {
			l[k].i = i; /* the later, or the later given */
		}
	}
	double sum = 0;
	for (size_t k = 0; k < nl; k++)
		sum += (double)d->followers[l[k].i].value;
	free(l);
	*out = sum;
	return nl > 0;
}

int
sm_goal_value(const struct sm_goal *g, sm_time start, sm_time end, sm_time t,
	      const struct sm_goal_data *d, double *out, int *nposts)
{
	struct sm_metric_sums s = {0};
	double sum = 0;
	int64_t v;
	int n = 0;

	if (t > end)
		t = end;
	if (nposts)
		*nposts = 0;
	if (g->kpi == SM_KPI_FOLLOWERS)
		return followers_at(g, d, t, out);
	for (size_t i = 0; i < d->nposts; i++) {
		const struct sm_metrics_post *p = &d->posts[i];
		if (p->at < start || p->at >= t || !sm_goal_matches(g, p))
			continue;
		n++;
		if (g->kpi == SM_KPI_POSTS)
			sum += 1;
		else if (sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE)
			sm_metric_sums_add(&s, &p->values);
		else if (sm_metric_get(&p->values, g->kpi, &v))
			sum += (double)v;
	}
	if (nposts)
		*nposts = n;
	if (sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE)
		return sm_metric_rate(&s, g->kpi, out);
	*out = g->baseline + sum;
	return 1;
}

double
sm_goal_expected(const struct sm_goal *g, sm_time start, sm_time end, sm_time t)
{
	if (t <= start || end <= start)
		return t >= end ? g->target : g->baseline;
	if (t >= end)
		return g->target;
	return g->baseline +
	       (g->target - g->baseline) *
		       ((double)(t - start) / (double)(end - start));
}

/* +1 for a goal that rises (or stays), -1 for one that aims lower. */
static int
direction(const struct sm_goal *g)
{
	return g->target >= g->baseline ? 1 : -1;
}

static int
reached(const struct sm_goal *g, double value)
{
	if (direction(g) > 0)
		return value >= g->target - EPS;
	return value <= g->target + EPS;
}

int
sm_goal_evaluate(struct sm_goal_eval *e, const struct sm_goal *g,
		 const struct sm_tz *zone, sm_time first_seen,
		 const struct sm_goal_data *d, sm_time now)
{
	int rate = sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE;

	memset(e, 0, sizeof(*e));
	e->goal = g;
	e->at = now;
	if (sm_goal_span(g, zone, first_seen, &e->start, &e->end) < 0)
		return -1;
	e->start_day = sm_civil_day_of(to_local(zone, e->start));
	sm_time t = now < e->end ? now : e->end;
	e->expected = sm_goal_expected(g, e->start, e->end, t);
	e->has_value =
		sm_goal_value(g, e->start, e->end, t, d, &e->value, &e->posts);
	if (e->has_value) {
		double change = g->target - g->baseline;
		if (fabs(change) > EPS) {
			e->has_progress = 1;
			e->progress = (e->value - g->baseline) / change;
		} else {
			e->has_progress = 1;
			e->progress = reached(g, e->value) ? 1 : 0;
		}
		if (rate || now >= e->end) {
			e->has_projected = 1;
			e->projected = e->value;
		} else if (t > e->start) {
			e->has_projected = 1;
			e->projected = g->baseline +
				       (e->value - g->baseline) *
					       ((double)(e->end - e->start) /
						(double)(t - e->start));
		}
	}
	if (now >= e->end) {
		e->status = e->has_value && reached(g, e->value)
				    ? SM_GOAL_ACHIEVED
				    : SM_GOAL_MISSED;
		return 0;
	}
	e->status = SM_GOAL_ON_TRACK;
	if (now < e->start || !e->has_value)
		return 0;
	if (!rate && reached(g, e->value)) {
		e->status = SM_GOAL_ACHIEVED;
		return 0;
	}
	double lag = direction(g) * (e->expected - e->value);
	if (lag > g->tolerance * fabs(g->target - g->baseline) + EPS)
		e->status = SM_GOAL_OFF_TRACK;
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void
put_number(struct sm_jsonw *w, const char *key, int known, double v)
{
	char buf[40];
	sm_jsonw_key(w, key);
	if (!known) {
		sm_jsonw_raw(w, "null", 4);
		return;
	}
	sm_metric_format(v, buf, sizeof(buf));
	sm_jsonw_raw(w, buf, strlen(buf));
}

static void
put_date(struct sm_jsonw *w, const char *key, int64_t day)
{
	char buf[40];
	sm_civil_format(day * (sm_time)SM_DAY, SM_CIVIL_DATE, buf, sizeof(buf));
	sm_jsonw_key(w, key);
	sm_jsonw_string(w, buf);
}

void
sm_goal_json(struct sm_jsonw *w, const struct sm_goal_eval *e)
{
	const struct sm_goal *g = e->goal;

	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "name");
	sm_jsonw_string(w, g->name);
	sm_jsonw_key(w, "metric");
	sm_jsonw_string(w, sm_kpi_name(g->kpi));
	sm_jsonw_key(w, "platform");
	sm_jsonw_string(w, all_platforms(g) ? "all" : g->platform);
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, g->type);
	sm_jsonw_key(w, "campaign");
	sm_jsonw_string(w, g->campaign);
	put_number(w, "baseline", 1, g->baseline);
	put_number(w, "target", 1, g->target);
	put_date(w, "start", e->start_day);
	put_date(w, "deadline", sm_civil_day_of(g->deadline));
	put_number(w, "tolerance", 1, g->tolerance);
	put_number(w, "value", e->has_value, e->value);
	put_number(w, "expected", 1, e->expected);
	put_number(w, "projected", e->has_projected, e->projected);
	put_number(w, "progress", e->has_progress, e->progress);
	sm_jsonw_key(w, "status");
	sm_jsonw_string(w, sm_goal_status_name(e->status));
	sm_jsonw_close(w, '}');
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

int64_t
sm_goal_state_pack(const struct sm_goal_state *s)
{
	int told = s->told >= SM_GOAL_ON_TRACK && s->told <= SM_GOAL_MISSED
			   ? s->told
			   : SM_GOAL_ON_TRACK;
	return (int64_t)s->fired * 4 + told;
}

void
sm_goal_state_unpack(int64_t v, struct sm_goal_state *s)
{
	if (v < 0)
		v = 0;
	s->fired = (int)(v / 4);
	s->told = (int)(v % 4);
}

unsigned
sm_goal_step(struct sm_goal_state *s, enum sm_goal_status status)
{
	static const unsigned bits[] = {0, SM_EVENT_GOAL_OFF_TRACK,
					SM_EVENT_GOAL_ACHIEVED,
					SM_EVENT_GOAL_MISSED};

	if ((unsigned)status > SM_GOAL_MISSED)
		return 0;
	if (status == SM_GOAL_ON_TRACK) {
		s->told = SM_GOAL_ON_TRACK; /* recovered */
		return 0;
	}
	if (s->told == (int)status)
		return 0;
	s->told = (int)status;
	s->fired++;
	return bits[status];
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

void
sm_goal_event_id(const struct sm_goal_eval *e, unsigned type,
		 const struct sm_goal_state *s, char *id)
{
	static const char hex[] = "0123456789abcdef";
	const char *type_name = sm_config_event_name(type);
	const char *parts[2] = {type_name ? type_name : "goal",
				e->goal->name ? e->goal->name : ""};
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 2; i++) {
		size_t len = strlen(parts[i]) + 1; /* the NUL separates */
		h1 = fnv(h1, parts[i], len);
		h2 = fnv(h2, parts[i], len);
	}
	int64_t nums[2] = {e->start, s->fired};
	h1 = fnv(h1, nums, sizeof(nums));
	h2 = fnv(h2, nums, sizeof(nums));
	memcpy(id, "evt_", 4);
	for (int i = 0; i < 16; i++) {
		id[4 + i] = hex[(h1 >> (60 - 4 * i)) & 15];
		id[20 + i] = hex[(h2 >> (60 - 4 * i)) & 15];
	}
	id[36] = '\0';
}

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

void
sm_goal_event_json(struct sm_jsonw *w, unsigned type, const char *id,
		   sm_time scheduled_at, int64_t fired_at_ms, int late,
		   const struct sm_goal_eval *e)
{
	sm_jsonw_reset(w);
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, sm_config_event_name(type));
	sm_jsonw_key(w, "id");
	sm_jsonw_string(w, id);
	put_time_ms(w, "scheduled_at", (int64_t)scheduled_at * 1000);
	put_time_ms(w, "fired_at", fired_at_ms);
	sm_jsonw_key(w, "late");
	sm_jsonw_raw(w, late ? "true" : "false", late ? 4 : 5);
	sm_jsonw_key(w, "lead_s");
	sm_jsonw_raw(w, "0", 1);
	sm_jsonw_key(w, "goal");
	sm_goal_json(w, e);
	sm_jsonw_close(w, '}');
}

sm_time
sm_goal_next_check(const struct sm_tz *zone, int allday_time, sm_time now)
{
	int64_t day = sm_civil_day_of(to_local(zone, now));
	for (int i = 0; i < 3; i++) {
		sm_time t = resolve(zone, (day + i) * (sm_time)SM_DAY +
						  (sm_time)allday_time * 60);
		if (t > now)
			return t;
	}
	return now + SM_DAY; /* not reached: a day always has the time */
}

/* ------------------------------------------------------------------ */
/* Pace                                                                */
/* ------------------------------------------------------------------ */

/* One amount in one week. */
struct bucket {
	sm_time week; /* the week's start */
	double a, b;  /* a sum; a rate's numerator and denominator */
};

static int
bucket_cmp(const void *x, const void *y)
{
	const struct bucket *p = x, *q = y;
	return (p->week > q->week) - (p->week < q->week);
}

struct buckets {
	struct bucket *v;
	size_t n, cap;
};

static void
bucket_add(struct buckets *bs, sm_time week, double a, double b)
{
	if (bs->n == bs->cap) {
		bs->cap = bs->cap ? bs->cap * 2 : 64;
		bs->v = xrealloc(bs->v, bs->cap * sizeof(*bs->v));
	}
	bs->v[bs->n].week = week;
	bs->v[bs->n].a = a;
	bs->v[bs->n].b = b;
	bs->n++;
}

/* Week start of t, remembering the last week looked up (data tends to come
 * in order). */
struct week_cache {
	const struct sm_tz *zone;
	int week_start;
	sm_time start, end;
};

static sm_time
week_of(struct week_cache *c, sm_time t)
{
	if (t >= c->start && t < c->end)
		return c->start;
	struct sm_period p;
	sm_cadence_period_at(c->zone, c->week_start, SM_CADENCE_WEEK, t, &p);
	c->start = p.start;
	c->end = p.end;
	return p.start;
}

static int
sample_cmp(const void *x, const void *y)
{
	const struct sm_metrics_followers *const *p = x, *const *q = y;
	int c = strcasecmp((*p)->platform, (*q)->platform);
	if (c)
		return c;
	return ((*p)->at > (*q)->at) - ((*p)->at < (*q)->at);
}

/* Followers: each gain between a platform's consecutive counts goes to the
 * week of the later count. */
static void
follower_buckets(const struct sm_goal *g, const struct sm_goal_data *d,
		 sm_time before, struct week_cache *wc, struct buckets *bs)
{
	const struct sm_metrics_followers **s = NULL;
	size_t n = 0;
	int all = all_platforms(g);

	if (d->nfollowers > 0)
		s = calloc(d->nfollowers, sizeof(*s));
	if (d->nfollowers > 0 && !s)
		abort();
	for (size_t i = 0; i < d->nfollowers; i++) {
		const struct sm_metrics_followers *f = &d->followers[i];
		if (f->at < before && f->platform &&
		    (all || strcasecmp(f->platform, g->platform) == 0))
			s[n++] = f;
	}
	if (n > 1)
		qsort(s, n, sizeof(*s), sample_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcasecmp(s[i]->platform, s[i - 1]->platform) != 0)
			continue;
		bucket_add(bs, week_of(wc, s[i]->at),
			   (double)(s[i]->value - s[i - 1]->value), 0);
	}
	free(s);
}

int
sm_goal_best_week(const struct sm_goal *g, const struct sm_goal_data *d,
		  const struct sm_tz *zone, int week_start, sm_time before,
		  double *best)
{
	struct week_cache wc = {zone, week_start, 0, 0};
	struct buckets bs = {0};
	int rate = sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE, found = 0;
	int64_t v;

	if (g->kpi == SM_KPI_FOLLOWERS) {
		follower_buckets(g, d, before, &wc, &bs);
	} else {
		for (size_t i = 0; i < d->nposts; i++) {
			const struct sm_metrics_post *p = &d->posts[i];
			if (p->at >= before || !sm_goal_matches(g, p))
				continue;
			if (g->kpi == SM_KPI_POSTS) {
				bucket_add(&bs, week_of(&wc, p->at), 1, 0);
			} else if (rate) {
				struct sm_metric_sums s = {0};
				sm_metric_sums_add(&s, &p->values);
				int r = (int)g->kpi - SM_KPI_ENGAGEMENT_RATE;
				if (s.den[r] > 0)
					bucket_add(&bs, week_of(&wc, p->at),
						   (double)s.num[r],
						   (double)s.den[r]);
			} else if (sm_metric_get(&p->values, g->kpi, &v)) {
				bucket_add(&bs, week_of(&wc, p->at), (double)v,
					   0);
			}
		}
	}
	if (bs.n > 1)
		qsort(bs.v, bs.n, sizeof(*bs.v), bucket_cmp);
	for (size_t i = 0; i < bs.n;) {
		double a = 0, b = 0;
		size_t j = i;
		for (; j < bs.n && bs.v[j].week == bs.v[i].week; j++) {
			a += bs.v[j].a;
			b += bs.v[j].b;
		}
		double week = rate ? (b > 0 ? a / b : 0) : a;
		if (!rate || b > 0) {
			if (!found || week > *best)
				*best = week;
			found = 1;
		}
		i = j;
	}
	free(bs.v);
	return found ? 0 : -1;
}

int
sm_goal_pace_check(const struct sm_goal *g, sm_time start, sm_time end,
		   double best_week, double *needed, char *msg, size_t msglen)
{
	char nb[40], bb[40];
	const char *metric = sm_kpi_name(g->kpi);

	if (direction(g) < 0 || end <= start)
		return 0;
	if (sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE) {
		*needed = g->target;
		if (!(g->target > 3 * best_week + EPS))
			return 0;
		if (msg)
			snprintf(msg, msglen,
				 "needs %s %s, more than three times the best "
				 "week so far (%s)",
				 metric, sm_metric_format(g->target, nb, 40),
				 sm_metric_format(best_week, bb, 40));
		return 1;
	}
	*needed = (g->target - g->baseline) /
		  ((double)(end - start) / (7.0 * SM_DAY));
	if (!(*needed > 3 * best_week + EPS))
		return 0;
	if (msg) {
		/* Whole numbers read better for counts; two decimals at most
		 * otherwise. */
		double n = round(*needed * 100) / 100;
		snprintf(msg, msglen,
			 "needs %s %s a week, more than three times the best "
			 "week so far (%s)",
			 sm_metric_format(n, nb, 40), metric,
			 sm_metric_format(best_week, bb, 40));
	}
	return 1;
}
