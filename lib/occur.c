/*
 * occur: series and their instance streams.
 *
 * A stream merges the RRULE iterators, the sorted RDATEs and DTSTART of a
 * master into one sequence of keys (ascending, but for a DST gap that moves
 * a local time past the next ones), dropping duplicates and EXDATEs.  Keys
 * live in the series' domain (instant, floating civil time or date), so
 * values written in other forms (an EXDATE in UTC for a zoned series, a
 * date-time RECURRENCE-ID on an all-day series) are
 * converted into that domain before they are compared.
 */
#include "occur.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RULES 8
#define RECENT 8

enum domain {
	DOM_INSTANT,
	DOM_FLOATING,
	DOM_DATE,
};

/*
 * What iterators need to find a series' overrides, in one block with the
 * overrides' own array (sm_series.overrides points into it), so that a
 * series with overrides costs one allocation and a series without any
 * none.
 */
struct sm_series_ix {
	const struct sm_post **futures; /* THISANDFUTURE, by key */
	sm_time *override_keys;		/* of overrides[], ascending */
	sm_time *future_keys;		/* of futures[] */
	sm_time *override_starts;	/* the overrides' actual starts,
					   ascending */
	int *override_order; /* index in overrides of each of those */
};

/* The block for up to n overrides of s. */
static void
ix_new(struct sm_series *s, int n)
{
	size_t ptrs = (size_t)n * sizeof(const struct sm_post *);
	size_t times = (size_t)n * sizeof(sm_time);
	char *b = malloc(sizeof(struct sm_series_ix) + 2 * ptrs + 3 * times +
			 (size_t)n * sizeof(int));
	if (!b)
		abort();
	struct sm_series_ix *ix = (struct sm_series_ix *)(void *)b;
	b += sizeof(*ix);
	s->overrides = (const struct sm_post **)(void *)b;
	ix->futures = (const struct sm_post **)(void *)(b + ptrs);
	ix->override_keys = (sm_time *)(void *)(b + 2 * ptrs);
	ix->future_keys = (sm_time *)(void *)(b + 2 * ptrs + times);
	ix->override_starts = (sm_time *)(void *)(b + 2 * ptrs + 2 * times);
	ix->override_order = (int *)(void *)(b + 2 * ptrs + 3 * times);
	s->ix = ix;
}

static const sm_time *
ov_keys(const struct sm_series *s)
{
	return s->ix ? s->ix->override_keys : NULL;
}

static const sm_time *
ov_starts(const struct sm_series *s)
{
	return s->ix ? s->ix->override_starts : NULL;
}

/* The domain a value's own form puts it in. */
static enum domain
domain_of_value(const struct sm_dt *dt)
{
	switch (dt->kind) {
	case SM_DT_DATE:
		return DOM_DATE;
	case SM_DT_FLOATING:
		return DOM_FLOATING;
	case SM_DT_ZONED:
		return dt->zone && dt->zone->tz ? DOM_INSTANT : DOM_FLOATING;
	case SM_DT_UTC:
		return DOM_INSTANT;
	}
	return DOM_INSTANT;
}

static enum domain
domain_of(const struct sm_post *p)
{
	switch (p->start.kind) {
	case SM_DT_UTC:
		return DOM_INSTANT;
	case SM_DT_ZONED:
		return p->start.zone && p->start.zone->tz ? DOM_INSTANT
							  : DOM_FLOATING;
	case SM_DT_FLOATING:
		return DOM_FLOATING;
	case SM_DT_DATE:
		return DOM_DATE;
	}
	return DOM_FLOATING;
}

static sm_time
floating_instant(const struct sm_occur_opts *o, sm_time civil)
{
	return o->zone ? sm_tz_resolve(o->zone, civil) : civil;
}

static sm_time
floating_local(const struct sm_occur_opts *o, sm_time instant)
{
	return o->zone ? sm_tz_to_local(o->zone, instant) : instant;
}

/* The options a series is read under: o with the zone of its calendar
 * (set when it was indexed) in place of o's; buf holds them when they
 * differ from o. */
static const struct sm_occur_opts *
series_opts(const struct sm_series *s, const struct sm_occur_opts *o,
	    struct sm_occur_opts *buf)
{
	if (!s->zone || s->zone == o->zone)
		return o;
	*buf = *o;
	buf->zone = s->zone;
	return buf;
}

/* The instant a value stands for (dates at the all-day start). */
static sm_time
dt_instant(const struct sm_dt *dt, const struct sm_occur_opts *o)
{
	switch (dt->kind) {
	case SM_DT_UTC:
		return dt->civil;
	case SM_DT_ZONED:
		if (dt->zone && dt->zone->tz)
			return sm_tz_resolve(dt->zone->tz, dt->civil);
		return floating_instant(o, dt->civil);
	case SM_DT_FLOATING:
		return floating_instant(o, dt->civil);
	case SM_DT_DATE:
		return floating_instant(o, dt->civil + o->allday_offset);
	}
	return dt->civil;
}

/* The local civil time of a value as its own writer saw it. */
static sm_time
dt_local(const struct sm_dt *dt, const struct sm_occur_opts *o)
{
	if (dt->kind == SM_DT_UTC)
		return floating_local(o, dt->civil);
	return dt->civil;
}

/* A value as a key of a series of the given domain. */
static sm_time
key_of(const struct sm_dt *dt, enum domain dom, const struct sm_occur_opts *o)
{
	switch (dom) {
	case DOM_INSTANT:
		return dt_instant(dt, o);
	case DOM_FLOATING:
		if (dt->kind == SM_DT_FLOATING || dt->kind == SM_DT_DATE)
			return dt->civil;
		return floating_local(o, dt_instant(dt, o));
	case DOM_DATE:
		return sm_civil_day_of(dt_local(dt, o)) * SM_DAY;
	}
	return dt->civil;
}

/* ---------------------------------------------------------------------
 * Instance streams.
 */

struct resolve_ctx {
	const struct sm_post *master;
	const struct sm_occur_opts *o;
};

/* Civil time of the master's frame to its instant (for UNTIL=...Z). */
static sm_time
resolve_civil(void *ctx, sm_time civil)
{
	const struct resolve_ctx *rc = ctx;
	struct sm_dt dt = rc->master->start;
	dt.civil = civil;
	if (dt.kind == SM_DT_DATE)
		dt.kind = SM_DT_FLOATING; /* UNTIL compares midnight */
	return dt_instant(&dt, rc->o);
}

struct stream {
	const struct sm_post *m;
	enum domain dom;
	struct resolve_ctx rc;
	int nrules;
	struct sm_rrule_iter *rules; /* nrules of them; owned */
	int has_peek[MAX_RULES];
	sm_time peek[MAX_RULES]; /* key */
	sm_time *rdate_keys;	 /* sorted; owned */
	int nrdates, rdate_pos;
	sm_time *exdate_keys; /* sorted; owned */
	int nexdates;
	int64_t *exdate_days; /* sorted day numbers of DATE exdates */
	int nexdays;
	int dtstart_pending;
	sm_time dtstart_key;
	sm_time recent[8]; /* the last keys emitted, for duplicates */
	int nrecent;
	/* Capacities of the owned arrays above, kept by stream_init for a
	 * stream set up again (an iterator reset). */
	int rules_cap, rdates_cap, exdates_cap;
};

/* Makes *p hold n elements of size sz at least (keeping its capacity). */
static void
reserve(void *p, int *cap, int n, size_t sz)
{
	void **pp = p;
	if (n <= *cap)
		return;
	void *q = realloc(*pp, (size_t)n * sz);
	if (!q)
		abort();
	*pp = q;
	*cap = n;
}

static int
cmp_time(const void *a, const void *b)
{
	sm_time x = *(const sm_time *)a, y = *(const sm_time *)b;
	return (x > y) - (x < y);
}

static int
contains(const sm_time *v, int n, sm_time k)
{
	return n > 0 && bsearch(&k, v, (size_t)n, sizeof(*v), cmp_time);
}

/* Key of a civil time of the master's own frame. */
static sm_time
frame_key(const struct stream *st, sm_time civil)
{
	if (st->dom == DOM_INSTANT)
		return resolve_civil((void *)(uintptr_t)&st->rc, civil);
	return civil;
}

static void
rule_advance(struct stream *st, int i)
{
	sm_time c;
	st->has_peek[i] = sm_rrule_iter_next(&st->rules[i], &c);
	if (st->has_peek[i])
		st->peek[i] = frame_key(st, c);
}

static void
stream_init(struct stream *st, const struct sm_post *m,
	    const struct sm_occur_opts *o)
{
	/* The arrays of a stream set up before are used again. */
	struct sm_rrule_iter *rules = st->rules;
	sm_time *rk = st->rdate_keys, *xk = st->exdate_keys;
	int64_t *xd = st->exdate_days;
	int rc = st->rules_cap, rdc = st->rdates_cap, xc = st->exdates_cap;
	memset(st, 0, sizeof(*st));
	st->rules = rules;
	st->rdate_keys = rk;
	st->exdate_keys = xk;
	st->exdate_days = xd;
	st->rules_cap = rc;
	st->rdates_cap = rdc;
	st->exdates_cap = xc;
	st->m = m;
	st->dom = domain_of(m);
	st->rc.master = m;
	st->rc.o = o;
	int all_day = m->start.kind == SM_DT_DATE;
	st->nrules = m->nrrules < MAX_RULES ? m->nrrules : MAX_RULES;
	reserve(&st->rules, &st->rules_cap, st->nrules, sizeof(*st->rules));
	for (int i = 0; i < st->nrules; i++) {
		sm_rrule_iter_init(&st->rules[i], &m->rrules[i], m->start.civil,
				   all_day, resolve_civil, &st->rc);
		rule_advance(st, i);
	}
	if (m->nrdates) {
		reserve(&st->rdate_keys, &st->rdates_cap, m->nrdates,
			sizeof(sm_time));
		for (int i = 0; i < m->nrdates; i++)
			st->rdate_keys[i] = key_of(&m->rdates[i], st->dom, o);
		qsort(st->rdate_keys, (size_t)m->nrdates, sizeof(sm_time),
		      cmp_time);
		st->nrdates = m->nrdates;
	}
	if (m->nexdates) {
		int xc2 = st->exdates_cap;
		reserve(&st->exdate_keys, &st->exdates_cap, m->nexdates,
			sizeof(sm_time));
		reserve(&st->exdate_days, &xc2, m->nexdates, sizeof(int64_t));
		for (int i = 0; i < m->nexdates; i++) {
			const struct sm_dt *x = &m->exdates[i];
			if (x->kind == SM_DT_DATE && st->dom != DOM_DATE)
				st->exdate_days[st->nexdays++] =
					sm_civil_day_of(x->civil);
			else
				st->exdate_keys[st->nexdates++] =
					key_of(x, st->dom, o);
		}
		qsort(st->exdate_keys, (size_t)st->nexdates, sizeof(sm_time),
		      cmp_time);
		qsort(st->exdate_days, (size_t)st->nexdays, sizeof(int64_t),
		      cmp_time);
	}
	/* DTSTART is an instance of its own only without RRULE; with one,
	 * it is an instance when the rule yields it. */
	st->dtstart_pending = m->nrrules == 0;
	st->dtstart_key = frame_key(st, m->start.civil);
	if (st->dom == DOM_DATE)
		st->dtstart_key = m->start.civil;
}

static void
stream_fini(struct stream *st)
{
	free(st->rules);
	free(st->rdate_keys);
	free(st->exdate_keys);
	free(st->exdate_days);
}

/* The local day of a key, for DATE exdates on date-time series. */
static int64_t
key_day(const struct stream *st, sm_time key)
{
	if (st->dom == DOM_INSTANT) {
		const struct sm_dt *s = &st->m->start;
		if (s->kind == SM_DT_ZONED && s->zone && s->zone->tz)
			return sm_civil_day_of(
				sm_tz_to_local(s->zone->tz, key));
		return sm_civil_day_of(floating_local(st->rc.o, key));
	}
	return sm_civil_day_of(key);
}

static int
excluded(struct stream *st, sm_time key)
{
	if (contains(st->exdate_keys, st->nexdates, key))
		return 1;
	if (st->nexdays) {
		int64_t d = key_day(st, key);
		if (bsearch(&d, st->exdate_days, (size_t)st->nexdays,
			    sizeof(int64_t), cmp_time))
			return 1;
	}
	return 0;
}

/* Next key of the recurrence set; 0 when the set is exhausted. */
static int
stream_next(struct stream *st, sm_time *key)
{
	for (;;) {
		int have = 0;
		sm_time best = 0;
		if (st->dtstart_pending) {
			best = st->dtstart_key;
			have = 1;
		}
		for (int i = 0; i < st->nrules; i++)
			if (st->has_peek[i] && (!have || st->peek[i] < best)) {
				best = st->peek[i];
				have = 1;
			}
		if (st->rdate_pos < st->nrdates &&
		    (!have || st->rdate_keys[st->rdate_pos] < best)) {
			best = st->rdate_keys[st->rdate_pos];
			have = 1;
		}
		if (!have)
			return 0;
		/* Consume every source that yields this key.  A rule's keys
		 * are ascending but for DST gaps (02:15 in a gap resolves
		 * after 02:30), so only equal keys are consumed, and
		 * duplicates are found among the keys just emitted. */
		if (st->dtstart_pending && st->dtstart_key == best)
			st->dtstart_pending = 0;
		for (int i = 0; i < st->nrules; i++)
			while (st->has_peek[i] && st->peek[i] == best)
				rule_advance(st, i);
		while (st->rdate_pos < st->nrdates &&
		       st->rdate_keys[st->rdate_pos] == best)
			st->rdate_pos++;
		int seen = 0;
		for (int k = 0; k < RECENT && k < st->nrecent; k++)
			seen |= st->recent[k] == best;
		if (seen)
			continue;
		st->recent[st->nrecent++ % RECENT] = best;
		if (excluded(st, best))
			continue;
		*key = best;
		return 1;
	}
}

/* Moves the stream so that it yields keys at or after key: rules restart
 * `margin` seconds of local time before key's local time (a zone's offsets
 * can put an instance whose local time is earlier at a later instant) and
 * step to key from there. */
static void
stream_skip(struct stream *st, sm_time key, sm_time margin)
{
	sm_time civil = key;
	if (st->dom == DOM_INSTANT) {
		const struct sm_dt *s = &st->m->start;
		if (s->kind == SM_DT_ZONED && s->zone && s->zone->tz)
			civil = sm_tz_to_local(s->zone->tz, key);
	}
	civil -= margin;
	for (int i = 0; i < st->nrules; i++) {
		if (st->has_peek[i] && st->peek[i] >= key)
			continue;
		sm_rrule_iter_skip_to(&st->rules[i], civil);
		rule_advance(st, i);
		while (st->has_peek[i] && st->peek[i] < key)
			rule_advance(st, i);
	}
	while (st->rdate_pos < st->nrdates &&
	       st->rdate_keys[st->rdate_pos] < key)
		st->rdate_pos++;
	if (st->dtstart_pending && st->dtstart_key < key)
		st->dtstart_pending = 0;
}

/* The start instant of an unshifted instance with this key. */
static sm_time
key_start(enum domain dom, sm_time key, const struct sm_occur_opts *o)
{
	switch (dom) {
	case DOM_INSTANT:
		return key;
	case DOM_FLOATING:
		return floating_instant(o, key);
	case DOM_DATE:
		return floating_instant(o, key + o->allday_offset);
	}
	return key;
}

/* ---------------------------------------------------------------------
 * Series.
 */

static sm_time
post_length(const struct sm_post *p, const struct sm_occur_opts *o)
{
	if (p->has_end) {
		sm_time d = dt_instant(&p->end, o) - dt_instant(&p->start, o);
		if (p->start.kind == SM_DT_DATE && p->end.kind == SM_DT_DATE)
			d = p->end.civil - p->start.civil;
		return d > 0 ? d : 0;
	}
	if (p->has_duration)
		return p->duration > 0 ? p->duration : 0;
	return p->start.kind == SM_DT_DATE ? SM_DAY : 0;
}

static enum sm_dt_kind
rid_kind_of(enum domain d)
{
	return d == DOM_INSTANT ? SM_DT_UTC
	       : d == DOM_DATE	? SM_DT_DATE
				: SM_DT_FLOATING;
}

static int
find_key(const sm_time *keys, int n, sm_time k)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && keys[lo] == k ? lo : -1;
}

/* Index of the last THISANDFUTURE override at or before key, or -1. */
static int
future_for(const struct sm_series *s, sm_time key)
{
	int lo = 0, hi = s->nfutures;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (s->ix->future_keys[mid] <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static sm_time
future_shift(const struct sm_series *s, int i, const struct sm_occur_opts *o)
{
	const struct sm_post *f = s->ix->futures[i];
	return dt_instant(&f->start, o) - dt_instant(&f->recurrence_id, o);
}

/* Fills an occurrence for master instance key (overrides applied); dom is
 * the master's domain. */
static void
make_occurrence(const struct sm_series *s, enum domain dom, sm_time key,
		const struct sm_occur_opts *o, struct sm_occurrence *out)
{
	const struct sm_post *m = s->master;
	memset(out, 0, sizeof(*out));
	out->series = s;
	out->rid = key;
	out->rid_kind = rid_kind_of(dom);
	int oi = find_key(ov_keys(s), s->noverrides, key);
	if (oi >= 0) {
		const struct sm_post *ov = s->overrides[oi];
		out->post = ov;
		out->start = dt_instant(&ov->start, o);
		out->end = out->start + post_length(ov, o);
		out->cancelled = ov->status == SM_POST_CANCELLED;
		return;
	}
	sm_time start = key_start(dom, key, o);
	const struct sm_post *eff = m;
	int fi = future_for(s, key);
	if (fi >= 0) {
		eff = s->ix->futures[fi];
		start += future_shift(s, fi, o);
	}
	out->post = eff;
	out->start = start;
	out->end = start + post_length(eff, o);
	out->cancelled = eff->status == SM_POST_CANCELLED ||
			 m->status == SM_POST_CANCELLED;
}

static void
standalone_occurrence(const struct sm_series *s, const struct sm_post *p,
		      const struct sm_occur_opts *o, struct sm_occurrence *out)
{
	memset(out, 0, sizeof(*out));
	out->series = s;
	out->post = p;
	const struct sm_dt *id = p->is_override ? &p->recurrence_id : &p->start;
	enum domain idd = domain_of_value(id);
	out->rid = key_of(id, idd, o);
	out->rid_kind = rid_kind_of(idd);
	out->start = dt_instant(&p->start, o);
	out->end = out->start + post_length(p, o);
	out->cancelled = p->status == SM_POST_CANCELLED;
}

/* The local time margin stream_skip needs at key: the spread of the
 * master's zone's offsets around it (0 for UTC and civil-time series). */
static sm_time
skip_margin(const struct stream *st, sm_time key)
{
	const struct sm_dt *s = &st->m->start;
	if (st->dom != DOM_INSTANT || s->kind != SM_DT_ZONED)
		return 0;
	sm_time g =
		sm_tz_spread(s->zone->tz, key - 5 * SM_DAY, key + 7 * SM_DAY);
	return g < 2 * SM_DAY
		       ? g
		       : sm_tz_spread(s->zone->tz, SM_TIME_MIN, SM_TIME_MAX);
}

/* Is key an instance of the master's recurrence set?  (Once per override
 * at index time: positioned by the tight margin, so a SECONDLY series'
 * overrides do not walk two days of seconds each.) */
static int
master_has(const struct sm_series *s, sm_time key,
	   const struct sm_occur_opts *o)
{
	struct stream st = {0};
	stream_init(&st, s->master, o);
	stream_skip(&st, key, skip_margin(&st, key));
	sm_time k;
	int found = 0;
	while (stream_next(&st, &k) && k <= key)
		if (k == key) {
			found = 1;
			break;
		}
	stream_fini(&st);
	return found;
}

int
sm_occur_window(const struct sm_series *s, const struct sm_occur_opts *o,
		sm_time from, sm_time to, sm_occur_fn fn, void *ctx)
{
	struct sm_occur_opts own;
	o = series_opts(s, o, &own);
	struct sm_occurrence occ;
	int rc = 0;
	if (!s->master) {
		for (int i = 0; i < s->noverrides && rc == 0; i++) {
			standalone_occurrence(s, s->overrides[i], o, &occ);
			if (occ.start >= from && occ.start < to)
				rc = fn(ctx, &occ);
		}
		return rc;
	}
	struct stream st = {0};
	stream_init(&st, s->master, o);
	/* Unshifted starts of instances that can land in the window. */
	sm_time lo = from - s->max_shift, hi = to + s->max_shift;
	sm_time skip_key = lo;
	if (st.dom != DOM_INSTANT)
		skip_key = floating_local(o, lo) - SM_DAY;
	if (st.dom == DOM_DATE)
		skip_key = sm_civil_day_of(skip_key) * SM_DAY - SM_DAY;
	stream_skip(&st, skip_key, 2 * SM_DAY);
	sm_time key;
	while (rc == 0 && stream_next(&st, &key)) {
		sm_time base = key_start(st.dom, key, o);
		if (base >= hi + SM_DAY)
			break;
		if (find_key(ov_keys(s), s->noverrides, key) >= 0)
			continue; /* handled below */
		make_occurrence(s, st.dom, key, o, &occ);
		if (occ.start >= from && occ.start < to)
			rc = fn(ctx, &occ);
	}
	stream_fini(&st);
	for (int i = 0; i < s->noverrides && rc == 0; i++) {
		const struct sm_post *ov = s->overrides[i];
		sm_time start = dt_instant(&ov->start, o);
		if (start < from || start >= to)
			continue;

		/* No stream is needed for an override: its fields and start
		 * are its own. */
		make_occurrence(s, domain_of(s->master),
				s->ix->override_keys[i], o, &occ);
		rc = fn(ctx, &occ);
	}
	return rc;
}

/* ---------------------------------------------------------------------
 * Iterators.
 */

/* Offsets near an instant are looked at over this window (the local times
 * that resolve near it lie within a day or two of it). */
#define NEAR_BEFORE (5 * SM_DAY)
#define NEAR_AFTER (7 * SM_DAY)
/* Keys equal at one start that are remembered to drop duplicates. */
#define SAME_START_KEYS 8

struct cand {
	struct sm_occurrence occ;
	sm_time key;
	uint64_t seq; /* order of reading: ties keep it */
};

struct sm_occur_iter {
	const struct sm_series *s;
	struct sm_occur_opts o;
	sm_time t; /* earlier starts are dropped */
	int part;
	enum domain dom;
	struct stream st;
	int streaming;		  /* st may still yield keys */
	sm_time key_lo, key_hi;	  /* the part's keys: [key_lo, key_hi) */
	sm_time shift;		  /* the part's THISANDFUTURE shift */
	const struct sm_tz *zone; /* whose offsets may reorder starts */
	int pulled;
	sm_time last_key; /* the key read last */
	int64_t spread_day;
	sm_time spread; /* the zone's spread around spread_day */
	struct cand *heap;
	size_t nheap, capheap;
	uint64_t seq;
	int with_overrides;
	int ov_pos; /* next in s->ix->override_order */
	sm_time same_start;
	sm_time same_keys[SAME_START_KEYS];
	int nsame;
	int has_peek;
	struct sm_occurrence peek;
	uint64_t work;
};

sm_time
sm_occur_length(const struct sm_post *p, const struct sm_occur_opts *o)
{
	return post_length(p, o);
}

const struct sm_post *
sm_occur_part_post(const struct sm_series *s, int part)
{
	if (part <= 0 || part > s->nfutures)
		return s->master;
	return s->ix->futures[part - 1];
}

int
sm_occur_part_cancelled(const struct sm_series *s, int part)
{
	const struct sm_post *p = sm_occur_part_post(s, part);
	return (p && p->status == SM_POST_CANCELLED) ||
	       (s->master && s->master->status == SM_POST_CANCELLED);
}

/* The spread of the iterator's zone's offsets around instant b (per day,
 * cached); a spread of days (hostile zone data) falls back to the zone's
 * whole range, which bounds any reordering. */
static sm_time
spread_near(struct sm_occur_iter *it, sm_time b)
{
	if (!it->zone)
		return 0;
	int64_t day = sm_civil_day_of(b);
	if (day != it->spread_day) {
		sm_time d0 = day * SM_DAY;
		it->spread = sm_tz_spread(it->zone, d0 - NEAR_BEFORE,
					  d0 + NEAR_AFTER);
		if (it->spread >= 2 * SM_DAY)
			it->spread = sm_tz_spread(it->zone, SM_TIME_MIN,
						  SM_TIME_MAX);
		it->spread_day = day;
	}
	return it->spread;
}

static int
cand_less(const struct cand *a, const struct cand *b)
{
	if (a->occ.start != b->occ.start)
		return a->occ.start < b->occ.start;
	return a->seq < b->seq;
}

static void
heap_push(struct sm_occur_iter *it, const struct cand *c)
{
	if (it->nheap == it->capheap) {
		it->capheap = it->capheap ? it->capheap * 2 : 4;
		it->heap = realloc(it->heap, it->capheap * sizeof(*it->heap));
		if (!it->heap)
			abort();
	}
	size_t i = it->nheap++;
	while (i > 0 && cand_less(c, &it->heap[(i - 1) / 2])) {
		it->heap[i] = it->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	it->heap[i] = *c;
}

static void
heap_pop(struct sm_occur_iter *it)
{
	struct cand last = it->heap[--it->nheap];
	size_t i = 0, n = it->nheap;
	for (;;) {
		size_t l = 2 * i + 1, m = l;
		if (l >= n)
			break;
		if (l + 1 < n && cand_less(&it->heap[l + 1], &it->heap[l]))
			m = l + 1;
		if (!cand_less(&it->heap[m], &last))
			break;
		it->heap[i] = it->heap[m];
		i = m;
	}
	if (n > 0)
		it->heap[i] = last;
}

/* Reads one key of the instance stream; a key of the part that no override
 * replaces becomes a candidate. */
static void
iter_pull(struct sm_occur_iter *it)
{
	sm_time key;
	if (!stream_next(&it->st, &key)) {
		it->streaming = 0;
		return;
	}
	it->work++;
	it->pulled = 1;
	it->last_key = key;
	if (key >= it->key_hi) {
		/* Keys come in order but for zone shifts (instants only):
		 * this far past the part's end, none of its keys is left. */
		sm_time slack =
			it->dom == DOM_INSTANT ? spread_near(it, key) : 0;
		if (key - slack >= it->key_hi)
			it->streaming = 0;
		return;
	}
	if (key < it->key_lo)
		return;
	const struct sm_series *s = it->s;
	if (find_key(ov_keys(s), s->noverrides, key) >= 0)
		return; /* the override comes from the sorted list */
	struct cand c;
	make_occurrence(s, it->dom, key, &it->o, &c.occ);
	if (c.occ.start < it->t)
		return;
	c.key = key;
	c.seq = it->seq++;
	heap_push(it, &c);
}

/* No instance still to be read starts before this. */
static sm_time
iter_floor(struct sm_occur_iter *it)
{
	if (!it->pulled)
		return SM_TIME_MIN;
	sm_time base = key_start(it->dom, it->last_key, &it->o);
	sm_time lb = base - spread_near(it, base);
	return it->part == SM_OCCUR_ALL ? lb - it->s->max_shift
					: lb + it->shift;
}

/* The earliest instance candidate once it is known to be the earliest. */
static const struct cand *
stream_top(struct sm_occur_iter *it)
{
	while (it->streaming &&
	       (it->nheap == 0 || it->heap[0].occ.start > iter_floor(it)))
		iter_pull(it);
	return it->nheap ? &it->heap[0] : NULL;
}

/* Has this key already been yielded at this start?  (Two local times can
 * resolve to one instant around a DST gap.) */
static int
seen_at_start(struct sm_occur_iter *it, sm_time start, sm_time key)
{
	if (start != it->same_start) {
		it->same_start = start;
		it->nsame = 0;
	}
	for (int i = 0; i < it->nsame; i++)
		if (it->same_keys[i] == key)
			return 1;
	if (it->nsame < SAME_START_KEYS)
		it->same_keys[it->nsame++] = key;
	return 0;
}

static int
first_at_or_after(const sm_time *v, int n, sm_time t)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Sets an iterator up (again: the arrays of its stream and its heap are
 * kept, so a reset allocates nothing). */
static void
iter_setup(struct sm_occur_iter *it, const struct sm_series *s,
	   const struct sm_occur_opts *o, sm_time t, int part)
{
	struct stream st = it->st;
	struct cand *heap = it->heap;
	size_t capheap = it->capheap;
	memset(it, 0, sizeof(*it));
	it->st = st;
	it->heap = heap;
	it->capheap = capheap;
	struct sm_occur_opts own;
	it->s = s;
	it->o = *series_opts(s, o, &own);
	o = &it->o;
	it->t = t;
	it->part = part;
	it->key_lo = SM_TIME_MIN;
	it->key_hi = SM_TIME_MAX;
	it->same_start = SM_TIME_MIN;
	it->spread_day = INT64_MIN;
	it->with_overrides = part == SM_OCCUR_ALL || part == SM_OCCUR_OVERRIDES;
	if (it->with_overrides)
		it->ov_pos = first_at_or_after(ov_starts(s), s->noverrides, t);
	if (!s->master || part == SM_OCCUR_OVERRIDES || part > s->nfutures)
		return;
	const struct sm_post *m = s->master;
	it->dom = domain_of(m);
	it->zone = it->dom == DOM_INSTANT
			   ? (m->start.kind == SM_DT_ZONED ? m->start.zone->tz
							   : NULL)
			   : o->zone;
	if (part > 0) {
		it->key_lo = s->ix->future_keys[part - 1];
		it->shift = future_shift(s, part - 1, o);
	}
	if (part >= 0 && part < s->nfutures)
		it->key_hi = s->ix->future_keys[part];
	stream_init(&it->st, m, &it->o);
	it->streaming = 1;
	/* Keys of instances that can start at or after t. */
	sm_time lo = part == SM_OCCUR_ALL ? t - s->max_shift : t - it->shift;
	sm_time key = lo, margin = 0;
	switch (it->dom) {
	case DOM_INSTANT:
		margin = spread_near(it, lo);
		break;
	case DOM_FLOATING:
		key = floating_local(o, lo) - spread_near(it, lo);
		break;
	case DOM_DATE:
		key = sm_civil_day_of(floating_local(o, lo) - SM_DAY) * SM_DAY -
		      SM_DAY;
		break;
	}
	if (key < it->key_lo)
		key = it->key_lo;
	stream_skip(&it->st, key, margin);
}

struct sm_occur_iter *
sm_occur_iter_new(const struct sm_series *s, const struct sm_occur_opts *o,
		  sm_time t, int part)
{
	struct sm_occur_iter *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	iter_setup(it, s, o, t, part);
	return it;
}

void
sm_occur_iter_reset(struct sm_occur_iter *it, const struct sm_series *s,
		    const struct sm_occur_opts *o, sm_time t, int part)
{
	iter_setup(it, s, o, t, part);
}

void
sm_occur_iter_rebind(struct sm_occur_iter *it, const struct sm_series *s)
{
	it->s = s;
	it->peek.series = s;
	for (size_t i = 0; i < it->nheap; i++)
		it->heap[i].occ.series = s;
}

void
sm_occur_iter_free(struct sm_occur_iter *it)
{
	if (!it)
		return;
	stream_fini(&it->st);
	free(it->heap);
	free(it);
}

int
sm_occur_iter_next(struct sm_occur_iter *it, struct sm_occurrence *out)
{
	if (it->has_peek) {
		*out = it->peek;
		it->has_peek = 0;
		return 1;
	}
	const struct sm_series *s = it->s;
	for (;;) {
		const struct cand *c = stream_top(it);
		int ov = it->with_overrides && it->ov_pos < s->noverrides;
		if (!c && !ov)
			return 0;
		if (c && (!ov ||
			  c->occ.start <= s->ix->override_starts[it->ov_pos])) {
			struct cand x = *c;
			heap_pop(it);
			if (seen_at_start(it, x.occ.start, x.key))
				continue;
			*out = x.occ;
			return 1;
		}
		int i = s->ix->override_order[it->ov_pos++];
		it->work++;
		if (s->master)
			make_occurrence(s, domain_of(s->master),
					s->ix->override_keys[i], &it->o, out);
		else
			standalone_occurrence(s, s->overrides[i], &it->o, out);
		return 1;
	}
}

int
sm_occur_iter_peek(struct sm_occur_iter *it, struct sm_occurrence *out)
{
	if (!it->has_peek) {
		if (!sm_occur_iter_next(it, &it->peek))
			return 0;
		it->has_peek = 1;
	}
	*out = it->peek;
	return 1;
}

uint64_t
sm_occur_iter_work(const struct sm_occur_iter *it)
{
	return it->work;
}

int
sm_occur_next(const struct sm_series *s, const struct sm_occur_opts *o,
	      sm_time t, struct sm_occurrence *out)
{
	struct sm_occur_iter *it = sm_occur_iter_new(s, o, t, SM_OCCUR_ALL);
	int found = sm_occur_iter_next(it, out);
	sm_occur_iter_free(it);
	return found;
}

int
sm_occur_alarms(const struct sm_occurrence *occ, sm_time *out, int max)
{
	const struct sm_post *p = occ->post;
	int total = 0;
	for (int i = 0; i < p->nalarms; i++)
		total += 1 + p->alarms[i].repeat;
	if (total == 0 || max <= 0)
		return 0;
	sm_time *all = malloc((size_t)total * sizeof(*all));
	if (!all)
		abort();
	int n = 0;
	for (int i = 0; i < p->nalarms; i++) {
		const struct sm_alarm *a = &p->alarms[i];
		sm_time base = a->kind == SM_ALARM_ABSOLUTE ? a->value
			       : a->kind == SM_ALARM_BEFORE_END
				       ? occ->end + a->value
				       : occ->start + a->value;
		for (int k = 0; k <= a->repeat; k++)
			all[n++] = base + (sm_time)k * a->repeat_gap;
	}
	qsort(all, (size_t)n, sizeof(*all), cmp_time);
	int w = 0;
	for (int r = 0; r < n && w < max; r++)
		if (w == 0 || out[w - 1] != all[r])
			out[w++] = all[r];
	free(all);
	return w;
}

char *
sm_occur_format_rid(const struct sm_occurrence *occ, char *buf, size_t len)
{
	enum sm_civil_style style = occ->rid_kind == SM_DT_UTC ? SM_CIVIL_UTC
				    : occ->rid_kind == SM_DT_DATE
					    ? SM_CIVIL_DATE
					    : SM_CIVIL_LOCAL;
	return sm_civil_format(occ->rid, style, buf, len);
}

/* ---------------------------------------------------------------------
 * Indexing.
 */

struct uid_slot {
	const char *uid;
	size_t series; /* index + 1; 0: empty */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct sm_series *
add_series(struct sm_series_set *set, const char *calname,
	   const struct sm_tz *zone)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		void *p = realloc(set->series, cap * sizeof(*set->series));
		if (!p)
			abort();
		set->series = p;
		set->cap = cap;
	}
	struct sm_series *s = &set->series[set->n++];
	memset(s, 0, sizeof(*s));
	s->calendar = calname;
	s->zone = zone;
	return s;
}

struct keyed {
	sm_time key;
	const struct sm_post *post;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

/* Reports an override that replaces nothing. */
static void
warn_not_instance(struct sm_diag_list *diags, const struct sm_post *p,
		  sm_time key, enum domain dom)
{
	struct sm_occurrence tmp = {0};
	tmp.rid = key;
	tmp.rid_kind = rid_kind_of(dom);
	char buf[40];
	sm_diag_add(diags, SM_WARNING, p->file, p->line,
		    "RECURRENCE-ID %s of %s is not an instance of the series "
		    "(moved or excluded): this override is not scheduled",
		    sm_occur_format_rid(&tmp, buf, sizeof(buf)), p->uid);
}

struct start_ix {
	sm_time start;
	int ix;
};

static int
cmp_start_ix(const void *a, const void *b)
{
	const struct start_ix *x = a, *y = b;
	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->ix > y->ix) - (x->ix < y->ix);
}

/* Orders the overrides by their actual start (equal starts in key order),
 * for iterators. */
static void
sort_override_starts(struct sm_series *s, const struct sm_occur_opts *o)
{
	int n = s->noverrides;
	if (n == 0)
		return;
	struct start_ix *v = malloc((size_t)n * sizeof(*v));
	if (!v)
		abort();
	for (int i = 0; i < n; i++) {
		v[i].start = dt_instant(&s->overrides[i]->start, o);
		v[i].ix = i;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_start_ix);
	for (int i = 0; i < n; i++) {
		s->ix->override_starts[i] = v[i].start;
		s->ix->override_order[i] = v[i].ix;
	}
	free(v);
}

/*
 * Installs a series' overrides: one per identity (the higher SEQUENCE, else
 * the later one), and, when there is a master, only those that name one of
 * its instances; THISANDFUTURE ones also go to the futures list.
 */
static void
attach_overrides(struct sm_series *s, struct keyed *ov, int n,
		 const struct sm_occur_opts *o, struct sm_diag_list *diags)
{
	qsort(ov, (size_t)n, sizeof(*ov), cmp_keyed);
	ix_new(s, n);
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m > 0 && ov[m - 1].key == ov[i].key) {
			if (diags)
				sm_diag_add(diags, SM_WARNING, ov[i].post->file,
					    ov[i].post->line,
					    "second override of the same "
					    "RECURRENCE-ID (first at line %d)",
					    ov[m - 1].post->line);
			if (ov[i].post->sequence >= ov[m - 1].post->sequence)
				ov[m - 1] = ov[i];
			continue;
		}
		ov[m++] = ov[i];
	}
	enum domain dom = s->master ? domain_of(s->master) : DOM_INSTANT;
	for (int i = 0; i < m; i++) {
		if (s->master && !master_has(s, ov[i].key, o)) {
			if (diags)
				warn_not_instance(diags, ov[i].post, ov[i].key,
						  dom);
			continue;
		}
		s->ix->override_keys[s->noverrides] = ov[i].key;
		s->overrides[s->noverrides++] = ov[i].post;
		if (ov[i].post->this_and_future && s->master) {
			s->ix->future_keys[s->nfutures] = ov[i].key;
			s->ix->futures[s->nfutures++] = ov[i].post;
			sm_time sh = future_shift(s, s->nfutures - 1, o);
			if (sh < 0)
				sh = -sh;
			if (sh > s->max_shift)
				s->max_shift = sh;
		}
	}
	sort_override_starts(s, o);
}

int
sm_occur_index(struct sm_series_set *set, const struct sm_calendar *cal,
	       const struct sm_occur_opts *opts, struct sm_diag_list *diags)
{
	size_t n = cal->nposts;
	size_t nslots = 16;
	while (nslots < n * 2)
		nslots *= 2;
	struct uid_slot *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		abort();
	size_t base = set->n;
	/* Pass 1: masters become series; duplicate masters become series of
	 * their own (both are kept: dropping one could lose a post). */
	for (size_t i = 0; i < n; i++) {
		const struct sm_post *p = &cal->posts[i];
		if (p->is_override)
			continue;
		size_t h = hash_str(p->uid) & (nslots - 1);
		while (slots[h].series && strcmp(slots[h].uid, p->uid) != 0)
			h = (h + 1) & (nslots - 1);
		if (slots[h].series) {
			const struct sm_post *prev =
				set->series[slots[h].series - 1].master;
			if (diags)
				sm_diag_add(diags, SM_WARNING, p->file, p->line,
					    "UID %s is used by another post "
					    "too (line %d): both are kept",
					    p->uid, prev ? prev->line : 0);
			add_series(set, cal->name, opts->zone)->master = p;
			continue;
		}
		struct sm_series *s = add_series(set, cal->name, opts->zone);
		s->master = p;
		slots[h].uid = p->uid;
		slots[h].series = set->n;
	}
	/* Pass 2: overrides, grouped per series. */
	size_t nser = set->n;
	size_t *counts = calloc(nser + 1, sizeof(size_t));
	size_t *owner = calloc(n ? n : 1, sizeof(size_t));
	if (!counts || !owner)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct sm_post *p = &cal->posts[i];
		if (!p->is_override)
			continue;
		size_t h = hash_str(p->uid) & (nslots - 1);
		while (slots[h].series && strcmp(slots[h].uid, p->uid) != 0)
			h = (h + 1) & (nslots - 1);
		if (!slots[h].series) { /* no master: a series of overrides */
			add_series(set, cal->name, opts->zone);
			slots[h].uid = p->uid;
			slots[h].series = set->n;
			counts = realloc(counts, (set->n + 1) * sizeof(size_t));
			if (!counts)
				abort();
			counts[set->n - 1] = 0;
		}
		owner[i] = slots[h].series; /* index + 1 */
		counts[slots[h].series - 1]++;
	}
	/* Counting sort of the overrides by series: slice si of order[]
	 * holds the posts of series si. */
	size_t *first = calloc(set->n + 1, sizeof(size_t));
	size_t *order = calloc(n ? n : 1, sizeof(size_t));
	if (!first || !order)
		abort();
	for (size_t si = 0; si < set->n; si++)
		first[si + 1] = first[si] + counts[si];
	for (size_t i = 0; i < n; i++)
		if (owner[i])
			order[first[owner[i] - 1]++] = i;
	for (size_t si = set->n; si > 0; si--) /* back to slice starts */
		first[si] = first[si - 1];
	first[0] = 0;
	for (size_t si = base; si < set->n; si++) {
		size_t c = counts[si];
		if (c == 0)
			continue;
		struct keyed *ov = malloc(c * sizeof(*ov));
		if (!ov)
			abort();
		int k = 0;
		struct sm_series *s = &set->series[si];
		enum domain dom =
			s->master ? domain_of(s->master) : DOM_INSTANT;
		for (size_t j = first[si]; j < first[si] + c; j++) {
			const struct sm_post *p = &cal->posts[order[j]];
			ov[k].post = p;
			enum domain kd =
				s->master ? dom
					  : domain_of_value(&p->recurrence_id);
			ov[k].key = key_of(&p->recurrence_id, kd, opts);
			k++;
		}
		attach_overrides(s, ov, k, opts, diags);
		free(ov);
	}
	free(first);
	free(order);
	free(counts);
	free(owner);
	free(slots);
	return 0;
}

void
sm_occur_series_release(struct sm_series *s)
{
	free(s->ix); /* the overrides' array is in the same block */
	s->ix = NULL;
	s->overrides = NULL;
	s->noverrides = s->nfutures = 0;
}

void
sm_occur_set_free(struct sm_series_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		sm_occur_series_release(&set->series[i]);
	free(set->series);
	memset(set, 0, sizeof(*set));
}
