/*
 * published: occurrences of a window joined with done marks and values.
 *
 * The join is a hash of the window's occurrences by (calendar, UID,
 * identity), then one pass over the store's cancellations, one over its
 * done marks and one over its current values, each looked up: table scans
 * and no query per occurrence, so a year of 100,000 posts costs what
 * reading the rows does.
 */
#include "published.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metricstore.h"
#include "post.h"
#include "queue.h"

#define MAX_PLATFORMS 16

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

static struct pub_occ *
add_occ(struct published *p)
{
	if (p->nocc == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->occ = xrealloc(p->occ, p->cap * sizeof(*p->occ));
	}
	struct pub_occ *o = &p->occ[p->nocc++];
	memset(o, 0, sizeof(*o));
	return o;
}

static void
add_platforms(struct published *p, struct pub_occ *o, const char *const *names,
	      int n)
{
	if (p->npool + (size_t)n > p->pool_cap) {
		while (p->npool + (size_t)n > p->pool_cap)
			p->pool_cap = p->pool_cap ? 2 * p->pool_cap : 512;
		p->pool = xrealloc(p->pool, p->pool_cap * sizeof(*p->pool));
	}
	o->plat = p->npool;
	o->nplat = n;
	for (int i = 0; i < n; i++)
		p->pool[p->npool++] = names[i];
}

const char *const *
published_platforms(const struct published *p, const struct pub_occ *o)
{
	return p->pool ? p->pool + o->plat : NULL;
}

/* ---------------------------------------------------------------------
 * Gathering.
 */

struct gather {
	struct published *p;
	const struct sm_config *cfg;
};

int
published_recurring(const struct sm_series *s)
{
	return (s->master &&
		(s->master->nrrules > 0 || s->master->nrdates > 0)) ||
	       s->noverrides > 0 || s->nfutures > 0;
}

static int
gather_one(void *ctx, const struct sm_occurrence *occ)
{
	struct gather *g = ctx;
	if (occ->cancelled)
		return 0;
	const struct sm_series *s = occ->series;
	const struct sm_post *post = occ->post;
	struct pub_occ *o = add_occ(g->p);
	char rid[48];
	sm_occur_format_rid(occ, rid, sizeof(rid));
	o->calendar = s->calendar;
	o->uid = s->master ? s->master->uid : post->uid;
	o->rid = sm_arena_strdup(&g->p->arena, rid);
	o->title = post->title;
	o->type = sm_post_type(g->cfg, post);
	o->persona = post->persona;
	o->campaign = post->campaign;
	o->at = occ->start;
	o->recurring = published_recurring(s);
	const char *names[MAX_PLATFORMS];
	int n = sm_post_platforms(g->cfg, post, names, MAX_PLATFORMS);
	add_platforms(g->p, o, names, n);
	return 0;
}

static int
gather_queued(void *ctx, const struct sm_queue_post *q)
{
	struct published *p = ctx;
	struct sm_arena *a = &p->arena;
	struct pub_occ *o = add_occ(p);
	char rid[32];
	sm_queue_rid(q->publish_at, rid, sizeof(rid));
	o->calendar = SM_CONFIG_QUEUE_CALENDAR;
	o->uid = sm_arena_strdup(a, q->id);
	o->rid = sm_arena_strdup(a, rid);
	o->title = sm_arena_strdup(a, q->title);
	o->type = sm_arena_strdup(a, q->type);
	o->persona = sm_arena_strdup(a, q->persona);
	o->campaign = sm_arena_strdup(a, q->campaign);
	o->at = q->publish_at;
	const char *names[SM_QUEUE_MAX_PLATFORMS];
	for (int i = 0; i < q->nplatforms; i++)
		names[i] = sm_arena_strdup(a, q->platforms[i]);
	add_platforms(p, o, names, q->nplatforms);
	return 0;
}

/* ---------------------------------------------------------------------
 * The join.
 */

struct index {
	size_t *slot; /* occurrence index + 1; 0: empty */
	size_t mask;
	const struct published *p;
};

static uint64_t
hash_key(const char *cal, const char *uid, const char *rid)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[3] = {cal, uid, rid};
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *s = (const unsigned char *)parts[i];
		     s && *s; s++) {
			h ^= *s;
			h *= 1099511628211ULL;
		}
		h ^= 0xff; /* a separator no UTF-8 text holds */
		h *= 1099511628211ULL;
	}
	return h;
}

static int
same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void
index_build(struct index *ix, const struct published *p)
{
	size_t size = 16;
	while (size < 2 * p->nocc)
		size *= 2;
	ix->slot = calloc(size, sizeof(*ix->slot));
	if (!ix->slot)
		abort();
	ix->mask = size - 1;
	ix->p = p;
	for (size_t i = 0; i < p->nocc; i++) {
		const struct pub_occ *o = &p->occ[i];
		size_t k = hash_key(o->calendar, o->uid, o->rid) & ix->mask;
		while (ix->slot[k])
			k = (k + 1) & ix->mask;
		ix->slot[k] = i + 1;
	}
}

/* The occurrences with that key: calls fn for each (a UID twice in one
 * calendar gives two series with the same identities). */
static void
index_each(const struct index *ix, const char *cal, const char *uid,
	   const char *rid, void (*fn)(void *ctx, struct pub_occ *o), void *ctx)
{
	size_t k = hash_key(cal, uid, rid) & ix->mask;
	for (; ix->slot[k]; k = (k + 1) & ix->mask) {
		struct pub_occ *o = &ix->p->occ[ix->slot[k] - 1];
		if (same(o->rid, rid) && same(o->uid, uid) &&
		    same(o->calendar, cal))
			fn(ctx, o);
	}
}

struct join {
	struct index ix;
	struct published *p;
	const void *row;
};

static void
set_cancelled(void *ctx, struct pub_occ *o)
{
	(void)ctx;
	o->cancelled = 1;
}

static int
join_cancelled(void *ctx, const struct sm_mstore_done *d)
{
	struct join *j = ctx;
	index_each(&j->ix, d->calendar, d->uid, d->recurrence_id, set_cancelled,
		   j);
	return 0;
}

static void
set_done(void *ctx, struct pub_occ *o)
{
	struct join *j = ctx;
	const struct sm_mstore_done *d = j->row;
	o->done = 1;
	o->done_url = sm_arena_strdup(&j->p->arena, d->url);
}

static int
join_done(void *ctx, const struct sm_mstore_done *d)
{
	struct join *j = ctx;
	j->row = d;
	index_each(&j->ix, d->calendar, d->uid, d->recurrence_id, set_done, j);
	return 0;
}

static void
set_values(void *ctx, struct pub_occ *o)
{
	struct join *j = ctx;
	const struct sm_mstore_post *v = j->row;
	o->values = v->values;
}

static int
join_values(void *ctx, const struct sm_mstore_post *v)
{
	struct join *j = ctx;
	j->row = v;
	index_each(&j->ix, v->calendar, v->uid, v->recurrence_id, set_values,
		   j);
	return 0;
}

static void
set_err(char *err, size_t errlen, struct sm_store *st)
{
	if (err && errlen)
		snprintf(err, errlen, "the state database: %s",
			 sm_store_error(st));
}

int
published_gather(struct published *p, const struct sm_config *cfg,
		 const struct sm_series_set *set,
		 const struct sm_occur_opts *opts, struct sm_store *st,
		 sm_time from, sm_time to, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	struct gather g = {p, cfg};
	for (size_t i = 0; set && i < set->n; i++) {
		const struct sm_series *s = &set->series[i];
		if (s->calendar &&
		    strcmp(s->calendar, SM_CONFIG_QUEUE_CALENDAR) == 0)
			continue; /* read from the store below */
		sm_occur_window(s, opts, from, to, gather_one, &g);
	}
	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	f.from = from;
	f.to = to;
	f.states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
	if (sm_queue_list(st, &f, gather_queued, p) < 0) {
		set_err(err, errlen, st);
		return -1;
	}

	struct join j = {.p = p};
	index_build(&j.ix, p);
	int rc = sm_metricstore_each_cancelled(st, join_cancelled, &j);
	if (rc >= 0)
		rc = sm_metricstore_each_done(st, join_done, &j);
	if (rc >= 0)
		rc = sm_metricstore_each(st, join_values, &j);
	free(j.ix.slot);
	if (rc < 0) {
		set_err(err, errlen, st);
		return -1;
	}

	/* Occurrences cancelled through the socket are no candidates and
	 * publish nothing: kept out as calendar cancellations are. */
	size_t keep = 0;
	for (size_t i = 0; i < p->nocc; i++)
		if (!p->occ[i].cancelled)
			p->occ[keep++] = p->occ[i];
	p->nocc = keep;
	size_t n = 0;
	for (size_t i = 0; i < p->nocc; i++)
		n += p->occ[i].done || p->occ[i].values.have;
	p->posts = xrealloc(NULL, n * sizeof(*p->posts));
	p->post_occ = xrealloc(NULL, n * sizeof(*p->post_occ));
	for (size_t i = 0; i < p->nocc; i++) {
		const struct pub_occ *o = &p->occ[i];
		if (!o->done && !o->values.have)
			continue;
		struct sm_metrics_post *m = &p->posts[p->nposts];
		m->id = o->uid;
		m->recurrence_id = o->recurring ? o->rid : NULL;
		m->title = o->title;
		m->at = o->at;
		m->platforms = published_platforms(p, o);
		m->nplatforms = (size_t)o->nplat;
		m->type = o->type;
		m->persona = o->persona;
		m->campaign = o->campaign;
		m->values = o->values;
		p->post_occ[p->nposts++] = i;
	}
	return 0;
}

static int
add_followers(void *ctx, const struct sm_mstore_followers *f)
{
	struct published *p = ctx;
	size_t n = p->nfollowers;
	if ((n & (n - 1)) == 0) /* 0, 1, 2, 4, ...: double */
		p->followers = xrealloc(
			p->followers, (n ? 2 * n : 1) * sizeof(*p->followers));
	struct sm_metrics_followers *m = &p->followers[p->nfollowers++];
	m->platform = sm_arena_strdup(&p->arena, f->platform);
	m->at = f->day_start;
	m->value = f->value;
	return 0;
}

int
published_load_followers(struct published *p, struct sm_store *st, char *err,
			 size_t errlen)
{
	if (sm_metricstore_each_followers(st, add_followers, p) < 0) {
		set_err(err, errlen, st);
		return -1;
	}
	return 0;
}

void
published_candidates(const struct published *p, struct sm_metrics_candidate *c)
{
	for (size_t i = 0; i < p->nocc; i++) {
		const struct pub_occ *o = &p->occ[i];
		c[i].id = o->uid;
		c[i].url = o->done_url;
		c[i].at = o->at;
		c[i].platforms = published_platforms(p, o);
		c[i].nplatforms = (size_t)o->nplat;
	}
}

void
published_free(struct published *p)
{
	sm_arena_free(&p->arena);
	free(p->occ);
	free(p->pool);
	free(p->posts);
	free(p->post_occ);
	free(p->followers);
	memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------------
 * Finding one occurrence.
 */

size_t
published_find_series(const struct sm_series_set *set, const char *uid,
		      const struct sm_series **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; set && i < set->n; i++) {
		const struct sm_series *s = &set->series[i];
		const char *u = s->master	    ? s->master->uid
				: s->noverrides > 0 ? s->overrides[0]->uid
						    : NULL;
		if (!u || strcmp(u, uid) != 0 ||
		    (s->calendar &&
		     strcmp(s->calendar, SM_CONFIG_QUEUE_CALENDAR) == 0))
			continue;
		if (n++ == 0)
			*out = s;
	}
	return n;
}

struct find {
	const char *rid;
	struct sm_occurrence *out;
};

static int
find_one(void *ctx, const struct sm_occurrence *occ)
{
	struct find *f = ctx;
	char rid[48];
	sm_occur_format_rid(occ, rid, sizeof(rid));
	if (strcmp(rid, f->rid) != 0)
		return 0;
	*f->out = *occ;
	return 1;
}

/* Seconds either side of a civil time that hold its instant in any zone
 * (offsets are within 14 hours; a day more for the gap rules). */
#define AROUND (2 * SM_DAY)

int
published_find_occurrence(const struct sm_series *s,
			  const struct sm_occur_opts *opts, const char *rid,
			  struct sm_occurrence *out)
{
	struct find f = {rid, out};
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(rid, &t, &has_offset, &date_only) == 0) {
		sm_time shift = s->max_shift + AROUND;
		if (sm_occur_window(s, opts, t - shift, t + shift + SM_DAY,
				    find_one, &f))
			return 1;
	}
	/* An override may have moved its instance anywhere. */
	for (int i = 0; i < s->noverrides; i++) {
		sm_time c = s->overrides[i]->start.civil;
		if (sm_occur_window(s, opts, c - AROUND, c + AROUND, find_one,
				    &f))
			return 1;
	}
	return 0;
}
