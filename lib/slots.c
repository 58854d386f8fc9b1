/*
 * slots: next free posting slot and guardrails.
 *
 * Candidates are generated a chunk of eight local days at a time and sorted
 * by instant: slot times resolved across a DST change need not come out in
 * wall-clock order (on a spring-forward day 03:00 is earlier than the gap's
 * 02:30), and an instant from a later local day can even precede one from
 * the day before.  Local days two apart never overlap, though (offsets
 * differ by at most 26 hours), so a free candidate found on the first seven
 * days of a chunk is the earliest; one on the eighth is looked at again
 * with the next chunk.
 */
#include "slots.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"

/* Margin around a local day when counting its posts by instant: more than
 * any UTC offset or offset change. */
#define DAY_MARGIN (27 * 3600)
/* Give up looking this many days after the last taken post. */
#define SEARCH_SLACK_DAYS 16
#define CHUNK_DAYS 8

struct plat {
	const struct sm_platform *pl;
	const sm_time *base; /* the caller's, sorted */
	size_t nbase;
	sm_time *extra; /* taken by the planner, sorted */
	size_t nextra, cap;
};

/* Where the last search for a set of platforms ended.  What is free for a
 * set only shrinks as slots are taken, so its next search starts there:
 * successive rows of a bulk file do not scan the same full weeks again. */
struct resume {
	char *key; /* the platforms' names, lower case, comma-separated */
	sm_time from;
};

struct sm_slot_planner {
	const struct sm_tz *zone;
	sm_time now;
	struct plat *v;
	size_t n, cap;
	struct resume *resume;
	size_t nresume;
};

struct cand {
	sm_time at;
	int64_t day;
};

static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static sm_time
to_local(const struct sm_tz *zone, sm_time t)
{
	return zone ? sm_tz_to_local(zone, t) : t;
}

static sm_time
resolve(const struct sm_tz *zone, sm_time local)
{
	return zone ? sm_tz_resolve(zone, local) : local;
}

static int64_t
local_day(const struct sm_tz *zone, sm_time t)
{
	return sm_civil_day_of(to_local(zone, t));
}

/* The first index of a sorted array whose value is >= x. */
static size_t
lower_bound(const sm_time *a, size_t n, sm_time x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when a sorted array has a value in (lo, hi). */
static int
has_between(const sm_time *a, size_t n, sm_time lo, sm_time hi)
{
	size_t i = lower_bound(a, n, lo + 1);
	return i < n && a[i] < hi;
}

static sm_time
spacing_of(const struct sm_platform *pl)
{
	return pl->min_spacing > 0 ? pl->min_spacing : SM_SLOTS_SAME_SLOT;
}

/* Counts the instants of a sorted array on a local day. */
static int
count_day_in(const sm_time *a, size_t n, const struct sm_tz *zone, int64_t day)
{
	sm_time lo = resolve(zone, (sm_time)day * SM_DAY) - DAY_MARGIN;
	sm_time hi = resolve(zone, (sm_time)(day + 1) * SM_DAY) + DAY_MARGIN;
	int count = 0;
	for (size_t i = lower_bound(a, n, lo); i < n && a[i] < hi; i++)
		count += local_day(zone, a[i]) == day;
	return count;
}

static int
plat_free_at(const struct plat *p, const struct sm_tz *zone, sm_time t,
	     int64_t day)
{
	sm_time s = spacing_of(p->pl);
	if (has_between(p->base, p->nbase, t - s, t + s) ||
	    has_between(p->extra, p->nextra, t - s, t + s))
		return 0;
	if (p->pl->daily_cap > 0 &&
	    count_day_in(p->base, p->nbase, zone, day) +
			    count_day_in(p->extra, p->nextra, zone, day) >=
		    p->pl->daily_cap)
		return 0;
	return 1;
}

static void
plat_take(struct plat *p, sm_time t)
{
	if (p->nextra == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->extra = xrealloc(p->extra, p->cap * sizeof(*p->extra));
	}
	size_t i = lower_bound(p->extra, p->nextra, t);
	memmove(p->extra + i + 1, p->extra + i,
		(p->nextra - i) * sizeof(*p->extra));
	p->extra[i] = t;
	p->nextra++;
}

static struct plat *
find_plat(struct sm_slot_planner *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->v[i].pl->name, name) == 0)
			return &p->v[i];
	return NULL;
}

struct sm_slot_planner *
sm_slots_planner_new(const struct sm_tz *zone, sm_time now)
{
	struct sm_slot_planner *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->zone = zone;
	p->now = now;
	return p;
}

/* Drops the resume points (a platform's posts were replaced). */
static void
forget(struct sm_slot_planner *p)
{
	for (size_t i = 0; i < p->nresume; i++)
		free(p->resume[i].key);
	free(p->resume);
	p->resume = NULL;
	p->nresume = 0;
}

void
sm_slots_planner_free(struct sm_slot_planner *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].extra);
	free(p->v);
	forget(p);
	free(p);
}

void
sm_slots_planner_platform(struct sm_slot_planner *p,
			  const struct sm_platform *pl, const sm_time *taken,
			  size_t n)
{
	struct plat *x = find_plat(p, pl->name);
	if (!x) {
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 4;
			p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
		}
		x = &p->v[p->n++];
		memset(x, 0, sizeof(*x));
	}
	x->pl = pl;
	x->base = taken;
	x->nbase = taken ? n : 0;
	forget(p);
}

void
sm_slots_planner_take(struct sm_slot_planner *p, const char *platform,
		      sm_time t)
{
	struct plat *x = find_plat(p, platform);
	if (x)
		plat_take(x, t);
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The latest instant taken on a platform, or SM_TIME_MIN. */
static sm_time
plat_last(const struct plat *x)
{
	sm_time last = SM_TIME_MIN;
	if (x->nbase && x->base[x->nbase - 1] > last)
		last = x->base[x->nbase - 1];
	if (x->nextra && x->extra[x->nextra - 1] > last)
		last = x->extra[x->nextra - 1];
	return last;
}

/* Looks up each named platform; 0, or -1 with a message. */
static int
find_all(struct sm_slot_planner *p, const char *const *platforms, size_t n,
	 struct plat **sel, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		sel[i] = find_plat(p, platforms[i]);
		if (!sel[i]) {
			fmt_err(err, errlen,
				"platform %s: its posts were not gathered "
				"before looking for a slot",
				platforms[i]);
			return -1;
		}
	}
	return 0;
}

/* The search of sm_slots_planner_next over the platforms in sel. */
static int
search(struct sm_slot_planner *p, struct plat **sel, size_t n, sm_time from,
       sm_time *out, char *err, size_t errlen)
{
	const struct sm_slots *slots = &sel[0]->pl->slots;
	if (slots->n == 0) {
		fmt_err(err, errlen,
			"platform %s has no posting slots: set slots (e.g. "
			"slots = mon 09:00, wed 12:30) in [platform:%s], or "
			"give the time with --at",
			sel[0]->pl->name, sel[0]->pl->name);
		return -1;
	}

	sm_time earliest = p->now + SM_SLOTS_SAME_SLOT;
	if (from > earliest)
		earliest = from;
	/* Past the last taken post (plus spacing) every slot is free: the
	 * search ends there at the latest. */
	sm_time last = earliest;
	for (size_t i = 0; i < n; i++) {
		sm_time l = plat_last(sel[i]);
		sm_time s = spacing_of(sel[i]->pl);
		if (l != SM_TIME_MIN && l + s > last)
			last = l + s;
	}
	int64_t limit = local_day(p->zone, last) + SEARCH_SLACK_DAYS;
	int64_t d0 = local_day(p->zone, earliest) - 1;

	struct cand *c = xrealloc(NULL, CHUNK_DAYS * slots->n * sizeof(*c) + 1);
	for (; d0 <= limit; d0 += CHUNK_DAYS - 1) {
		size_t nc = 0;
		for (int64_t d = d0; d < d0 + CHUNK_DAYS; d++) {
			int wd = sm_civil_weekday(d);
			for (size_t k = 0; k < slots->n; k++) {
				if (slots->v[k].weekday != wd)
					continue;
				sm_time local = (sm_time)d * SM_DAY +
						slots->v[k].minute * 60;
				c[nc].at = resolve(p->zone, local);
				c[nc].day = d;
				nc++;
			}
		}
		qsort(c, nc, sizeof(*c), cand_cmp);
		for (size_t k = 0; k < nc; k++) {
			if (c[k].at < earliest)
				continue;
			/* The day counted is the instant's own local day: a
			 * gap-shifted slot stays on its day anyway. */
			int64_t day = local_day(p->zone, c[k].at);
			int ok = 1;
			for (size_t i = 0; i < n && ok; i++)
				ok = plat_free_at(sel[i], p->zone, c[k].at,
						  day);
			if (!ok)
				continue;
			if (c[k].day >= d0 + CHUNK_DAYS - 1)
				break; /* look again with the next chunk */
			*out = c[k].at;
			for (size_t i = 0; i < n; i++)
				plat_take(sel[i], c[k].at);
			free(c);
			return 0;
		}
	}
	free(c);
	int y, m, d;
	sm_civil_ymd(limit, &y, &m, &d);
	fmt_err(err, errlen, "no free posting slot on %s before %04d-%02d-%02d",
		sel[0]->pl->name, y, m, d);
	return -1;
}

/* The resume point of a set of platforms, made when new. */
static struct resume *
resume_of(struct sm_slot_planner *p, struct plat **sel, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(sel[i]->pl->name) + 1;
	char *key = xrealloc(NULL, len);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		for (const char *c = sel[i]->pl->name; *c; c++)
			key[k++] = (char)tolower((unsigned char)*c);
		key[k++] = ',';
	}
	key[k] = '\0';
	for (size_t i = 0; i < p->nresume; i++)
		if (strcmp(p->resume[i].key, key) == 0) {
			free(key);
			return &p->resume[i];
		}
	p->resume = xrealloc(p->resume, (p->nresume + 1) * sizeof(*p->resume));
	struct resume *r = &p->resume[p->nresume++];
	r->key = key;
	r->from = SM_TIME_MIN;
	return r;
}

int
sm_slots_planner_next(struct sm_slot_planner *p, const char *const *platforms,
		      size_t n, sm_time *out, char *err, size_t errlen)
{
	if (n == 0) {
		fmt_err(err, errlen, "a post needs a platform to find a slot");
		return -1;
	}
	struct plat **sel = xrealloc(NULL, n * sizeof(*sel));
	int rc = find_all(p, platforms, n, sel, err, errlen);
	if (rc == 0) {
		struct resume *r = resume_of(p, sel, n);
		rc = search(p, sel, n, r->from, out, err, errlen);
		if (rc == 0)
			r->from = *out;
	}
	free(sel);
	return rc;
}

int
sm_slots_next(const struct sm_platform *pl, const struct sm_tz *zone,
	      sm_time now, const sm_time *taken, size_t n, sm_time *out,
	      char *err, size_t errlen)
{
	struct sm_slot_planner *p = sm_slots_planner_new(zone, now);
	sm_slots_planner_platform(p, pl, taken, n);
	const char *name = pl->name;
	int rc = sm_slots_planner_next(p, &name, 1, out, err, errlen);
	sm_slots_planner_free(p);
	return rc;
}

struct issues {
	struct sm_guard_issue *v;
	size_t n, cap;
};

static void
add_issue(struct issues *is, struct sm_guard_issue x)
{
	if (is->n == is->cap) {
		is->cap = is->cap ? is->cap * 2 : 8;
		is->v = xrealloc(is->v, is->cap * sizeof(*is->v));
	}
	is->v[is->n++] = x;
}

static int
finish(struct issues *is, struct sm_guard_issue **out, size_t *nout)
{
	*out = is->v;
	*nout = is->n;
	return (int)is->n;
}

int
sm_slots_check_one(const struct sm_platform *pl, const struct sm_tz *zone,
		   const sm_time *at, size_t n, sm_time t,
		   struct sm_guard_issue **out, size_t *nout)
{
	struct issues is = {0};
	if (pl->min_spacing > 0) {
		sm_time s = pl->min_spacing;
		for (size_t i = lower_bound(at, n, t - s + 1);
		     i < n && at[i] < t + s; i++) {
			struct sm_guard_issue x = {.kind = SM_GUARD_SPACING};
			x.first = at[i] <= t ? at[i] : t;
			x.second = at[i] <= t ? t : at[i];
			add_issue(&is, x);
		}
	}
	if (pl->daily_cap > 0) {
		int64_t day = local_day(zone, t);
		int count = count_day_in(at, n, zone, day) + 1;
		if (count > pl->daily_cap)
			add_issue(&is, (struct sm_guard_issue){
					       .kind = SM_GUARD_DAILY_CAP,
					       .day = day,
					       .count = count,
				       });
	}
	return finish(&is, out, nout);
}

static char *
local_text(const struct sm_tz *zone, sm_time t, char *buf, size_t len)
{
	struct sm_civil c;
	sm_civil_split(to_local(zone, t), &c);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day,
		 c.hour, c.minute);
	return buf;
}

char *
sm_slots_issue_format(const struct sm_platform *pl, const struct sm_tz *zone,
		      const struct sm_guard_issue *is, char *buf, size_t len)
{
	if (is->kind == SM_GUARD_SPACING) {
		char a[32], b[32], gap[32], min[32];
		snprintf(buf, len,
			 "%s: posts at %s and %s are %s apart, closer than "
			 "min_spacing %s",
			 pl->name, local_text(zone, is->first, a, sizeof(a)),
			 local_text(zone, is->second, b, sizeof(b)),
			 sm_duration_format(is->second - is->first, gap,
					    sizeof(gap)),
			 sm_duration_format(pl->min_spacing, min, sizeof(min)));
	} else {
		int y, m, d;
		sm_civil_ymd(is->day, &y, &m, &d);
		snprintf(buf, len,
			 "%s: %d posts on %04d-%02d-%02d, over daily_cap %d",
			 pl->name, is->count, y, m, d, pl->daily_cap);
	}
	return buf;
}
