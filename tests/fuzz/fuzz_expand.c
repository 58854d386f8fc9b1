/*
 * fuzz_expand: libFuzzer target for the recurrence expander (rrule.c,
 * occur.c) and the scheduler's lanes (sched.c), the most intricate code.
 *
 * Each input is loaded as one .ics file (lib/calendar) and indexed into
 * series in a zone picked from the input's hash (UTC, or one with DST
 * changes, a 30-minute change or a midnight change), then every series (the
 * first MAX_SERIES) is expanded and the answers are checked against each
 * other:
 *
 * - sm_occur_window over a window around the series' start, against a
 *   persistent iterator (sm_occur_iter_*) from the window's start: the same
 *   occurrences, the iterator's in ascending start order;
 * - the iterator of each part (the master's instances, each THISANDFUTURE
 *   range, the overrides) against the whole: as many occurrences, each part
 *   with its own post;
 * - sm_occur_next at a few instants against the first occurrence the
 *   iterator gave at or after each;
 * - a window ten years on, walked by an iterator positioned there;
 * - the scheduler over the whole calendar with one lane per sparse series
 *   and with lanes everywhere (sm_sched_set_lanes(s, 0)): the same events.
 *
 * Disagreements abort with a message.  Work is bounded: each check stops
 * after a fixed number of occurrences or events, and the iterators' work
 * counters (sm_occur_iter_work, sm_sched_stats) must stay within a bound of
 * what was produced, so a rule that makes the expander spin is a finding;
 * tests/fuzz/run.sh also gives this target a per-input -timeout, which
 * catches spinning that the counters do not see (inside rrule.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "diag.h"
#include "occur.h"
#include "sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SERIES 32
#define MAX_OCC 2048
#define MAX_EVENTS 4096
#define WINDOW (45 * SM_DAY)
#define FAR (10 * 366 * SM_DAY)
#define FAR_STEPS 32
/* Iterator work allowed beyond what it yields (skipping to the window,
 * EXDATEs, instances replaced by overrides, keys of other parts). */
#define WORK_SLACK 200000

static const char *const zones[] = {
	"UTC",
	"Europe/Paris",
	"America/Santiago",
	"Australia/Lord_Howe",
};

struct occ_list {
	struct sm_occurrence v[MAX_OCC];
	int n;
	int truncated;
};

static struct occ_list win, itr, part;

static void
fail(const struct sm_series *s, const char *what, long long a, long long b)
{
	const char *uid = s->master	      ? s->master->uid
			  : s->noverrides > 0 ? s->overrides[0]->uid
					      : "?";
	fprintf(stderr, "fuzz_expand: series %s: %s (%lld, %lld)\n", uid, what,
		a, b);
	abort();
}

static void
show(const char *what, const struct sm_occurrence *o)
{
	char rid[40];
	fprintf(stderr,
		"%s: start %lld end %lld rid %s kind %d cancelled %d post "
		"line %d\n",
		what, (long long)o->start, (long long)o->end,
		sm_occur_format_rid(o, rid, sizeof(rid)), (int)o->rid_kind,
		o->cancelled, o->post ? o->post->line : -1);
}

static int
collect(void *ctx, const struct sm_occurrence *occ)
{
	struct occ_list *l = ctx;
	if (l->n == MAX_OCC) {
		l->truncated = 1;
		return 1;
	}
	l->v[l->n++] = *occ;
	return 0;
}

static int
occ_cmp(const void *a, const void *b)
{
	const struct sm_occurrence *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rid_kind != y->rid_kind)
		return x->rid_kind < y->rid_kind ? -1 : 1;
	if (x->rid != y->rid)
		return x->rid < y->rid ? -1 : 1;
	if (x->post != y->post)
		return (uintptr_t)x->post < (uintptr_t)y->post ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (x->cancelled > y->cancelled) - (x->cancelled < y->cancelled);
}

/* Walks an iterator of part `p` from `from` while starts are before `to`
 * (MAX_OCC at most), checking their order; returns the iterator's work. */
static uint64_t
walk(const struct sm_series *s, const struct sm_occur_opts *o, sm_time from,
     sm_time to, int p, struct occ_list *l)
{
	struct sm_occur_iter *it = sm_occur_iter_new(s, o, from, p);
	struct sm_occurrence occ, peek;
	l->n = 0;
	l->truncated = 0;
	sm_time prev = SM_TIME_MIN;
	for (;;) {
		int has_peek = sm_occur_iter_peek(it, &peek);
		if (!sm_occur_iter_next(it, &occ)) {
			if (has_peek)
				fail(s, "peek gave an occurrence, next none",
				     peek.start, 0);
			break;
		}
		if (!has_peek || occ_cmp(&peek, &occ) != 0)
			fail(s, "peek and next differ", peek.start, occ.start);
		if (occ.start < from)
			fail(s, "iterator went before its start", occ.start,
			     from);
		if (occ.start < prev)
			fail(s, "iterator out of order", occ.start, prev);
		if (occ.series != s)
			fail(s, "occurrence of another series", 0, 0);
		prev = occ.start;
		if (occ.start >= to)
			break;
		if (l->n == MAX_OCC) {
			l->truncated = 1;
			break;
		}
		l->v[l->n++] = occ;
	}
	uint64_t work = sm_occur_iter_work(it);
	sm_occur_iter_free(it);
	return work;
}

/* An instant near the series' data (civil values read as UTC: within a
 * day of the truth, which is all a window needs). */
static sm_time
anchor_of(const struct sm_series *s)
{
	if (s->master)
		return s->master->start.civil;
	return s->noverrides > 0 ? s->overrides[0]->start.civil : 0;
}

static void
check_next(const struct sm_series *s, const struct sm_occur_opts *o, sm_time t,
	   sm_time to)
{
	if (itr.truncated || t >= to)
		return;
	const struct sm_occurrence *want = NULL;
	for (int i = 0; i < itr.n && !want; i++)
		if (itr.v[i].start >= t)
			want = &itr.v[i];
	struct sm_occurrence got;
	int found = sm_occur_next(s, o, t, &got);
	if (want && (!found || got.start != want->start))
		fail(s, "sm_occur_next differs from the iterator", t,
		     found ? got.start : -1);
	if (!want && found && got.start < to)
		fail(s, "sm_occur_next found what the iterator did not", t,
		     got.start);
}

static void
check_series(const struct sm_series *s, const struct sm_occur_opts *o)
{
	sm_time anchor = anchor_of(s);
	if (anchor < SM_TIME_MIN / 4 || anchor > SM_TIME_MAX / 4)
		return;
	sm_time from = anchor - 2 * SM_DAY, to = from + WINDOW;

	/* The window against the iterator. */
	win.n = 0;
	win.truncated = 0;
	sm_occur_window(s, o, from, to, collect, &win);
	for (int i = 0; i < win.n; i++)
		if (win.v[i].start < from || win.v[i].start >= to)
			fail(s, "window gave an occurrence outside it",
			     win.v[i].start, from);
	uint64_t work = walk(s, o, from, to, SM_OCCUR_ALL, &itr);
	if (!win.truncated && !itr.truncated) {
		/* A window gives an instant twice when two local times
		 * around a DST gap resolve to it; an iterator once. */
		qsort(win.v, (size_t)win.n, sizeof(win.v[0]), occ_cmp);
		int w = 0;
		for (int i = 0; i < win.n; i++)
			if (w == 0 || occ_cmp(&win.v[w - 1], &win.v[i]) != 0)
				win.v[w++] = win.v[i];
		win.n = w;
		if (win.n != itr.n)
			fail(s, "window and iterator counts differ", win.n,
			     itr.n);
		/* Equal starts come in the iterator's own order (instances
		 * first): sorted like the window's (starts stay in order). */
		qsort(itr.v, (size_t)itr.n, sizeof(itr.v[0]), occ_cmp);
		for (int i = 0; i < win.n; i++)
			if (occ_cmp(&win.v[i], &itr.v[i]) != 0) {
				show("window", &win.v[i]);
				show("iterator", &itr.v[i]);
				fail(s, "window and iterator differ",
				     win.v[i].start, itr.v[i].start);
			}
	}
	const struct sm_post *m = s->master;
	uint64_t bound = WORK_SLACK + 64 * (uint64_t)itr.n +
			 4 * (uint64_t)s->noverrides +
			 (m ? 4 * (uint64_t)(m->nexdates + m->nrdates) : 0);
	if (work > bound)
		fail(s, "iterator work out of bound", (long long)work,
		     (long long)bound);

	/* The parts against the whole. */
	if (!itr.truncated && s->nfutures < 16) {
		int total = 0;
		for (int p = SM_OCCUR_OVERRIDES; p <= s->nfutures; p++) {
			if (p == SM_OCCUR_ALL)
				continue;
			walk(s, o, from, to, p, &part);
			if (part.truncated)
				return;
			total += part.n;
			const struct sm_post *pp =
				p >= 0 ? sm_occur_part_post(s, p) : NULL;
			for (int i = 0; pp && i < part.n; i++)
				if (part.v[i].post != pp)
					fail(s,
					     "a part's occurrence has "
					     "another post",
					     p, part.v[i].start);
		}
		if (total != itr.n)
			fail(s, "the parts and the whole differ", total, itr.n);
	}

	/* Next at or after a few instants. */
	check_next(s, o, from, to);
	if (itr.n > 0) {
		check_next(s, o, itr.v[0].start, to);
		check_next(s, o, itr.v[0].start + 1, to);
		check_next(s, o, itr.v[itr.n / 2].start, to);
		check_next(s, o, itr.v[itr.n - 1].start + 1, to);
	}
	check_next(s, o, from + WINDOW / 2, to);

	/* Far ahead: positioning must not walk the years between. */
	sm_time far = from + FAR;
	struct sm_occur_iter *it = sm_occur_iter_new(s, o, far, SM_OCCUR_ALL);
	struct sm_occurrence occ;
	sm_time prev = far;
	for (int i = 0; i < FAR_STEPS && sm_occur_iter_next(it, &occ); i++) {
		if (occ.start < prev)
			fail(s, "far iterator out of order", occ.start, prev);
		prev = occ.start;
	}
	uint64_t far_work = sm_occur_iter_work(it);
	sm_occur_iter_free(it);
	if (far_work >
	    WORK_SLACK + 64 * FAR_STEPS + 4 * (uint64_t)s->noverrides +
		    (m ? 4 * (uint64_t)(m->nexdates + m->nrdates) : 0))
		fail(s, "far iterator work out of bound", (long long)far_work,
		     0);
}

struct drained {
	struct sm_sched_event v[MAX_EVENTS];
	int n;
	int truncated;
	uint64_t work;
};

static struct drained ev_sparse, ev_lanes;

static void
drain(const struct sm_config *cfg, const struct sm_series_set *set,
      const struct sm_occur_opts *o, sm_time from, sm_time upto, int lanes,
      struct drained *d)
{
	struct sm_sched *s = sm_sched_new(cfg);
	if (lanes)
		sm_sched_set_lanes(s, 0);
	sm_sched_load(s, set, o, from);
	d->n = 0;
	d->truncated = 0;
	sm_time prev = SM_TIME_MIN;
	struct sm_sched_event ev;
	while (sm_sched_pop(s, upto, &ev)) {
		if (ev.at < prev || ev.at < from)
			fail(ev.occ.series, "scheduler out of order", ev.at,
			     prev);
		prev = ev.at;
		if (d->n == MAX_EVENTS) {
			d->truncated = 1;
			break;
		}
		d->v[d->n++] = ev;
	}
	struct sm_sched_stats st;
	sm_sched_stats(s, &st);
	d->work = st.work;
	sm_sched_free(s);
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct sm_sched_event *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->lead != y->lead)
		return x->lead < y->lead ? -1 : 1;
	return occ_cmp(&x->occ, &y->occ);
}

static void
dump(const char *name, const struct drained *d)
{
	for (int i = 0; i < d->n; i++) {
		const struct sm_sched_event *e = &d->v[i];
		char rid[40];
		fprintf(stderr,
			"%s %d: %s at %lld lead %lld start %lld rid %s "
			"series %zu\n",
			name, i, sm_event_type_name(e->type), (long long)e->at,
			(long long)e->lead, (long long)e->occ.start,
			sm_occur_format_rid(&e->occ, rid, sizeof(rid)),
			e->series);
	}
}

static void
check_sched(const struct sm_series_set *set, const struct sm_occur_opts *o)
{
	if (set->n == 0)
		return;
	sm_time from = SM_TIME_MAX;
	for (size_t i = 0; i < set->n && i < MAX_SERIES; i++) {
		sm_time a = anchor_of(&set->series[i]);
		if (a < from)
			from = a;
	}
	if (from < SM_TIME_MIN / 4 || from > SM_TIME_MAX / 4)
		return;
	from -= 2 * SM_DAY;
	sm_time upto = from + WINDOW;
	struct sm_config *cfg = sm_config_defaults();
	drain(cfg, set, o, from, upto, 0, &ev_sparse);
	drain(cfg, set, o, from, upto, 1, &ev_lanes);
	sm_config_free(cfg);
	const struct sm_series *s0 = &set->series[0];
	if (ev_sparse.truncated || ev_lanes.truncated)
		return;
	if (ev_sparse.n != ev_lanes.n || getenv("FUZZ_EXPAND_DUMP")) {
		dump("one lane", &ev_sparse);
		dump("lanes", &ev_lanes);
	}
	if (ev_sparse.n != ev_lanes.n)
		fail(s0, "lanes and one lane give different event counts",
		     ev_sparse.n, ev_lanes.n);
	qsort(ev_sparse.v, (size_t)ev_sparse.n, sizeof(ev_sparse.v[0]), ev_cmp);
	qsort(ev_lanes.v, (size_t)ev_lanes.n, sizeof(ev_lanes.v[0]), ev_cmp);
	for (int i = 0; i < ev_sparse.n; i++)
		if (ev_cmp(&ev_sparse.v[i], &ev_lanes.v[i]) != 0 ||
		    strcmp(ev_sparse.v[i].id, ev_lanes.v[i].id) != 0)
			fail(ev_sparse.v[i].occ.series,
			     "lanes and one lane give different events",
			     ev_sparse.v[i].at, ev_lanes.v[i].at);
	uint64_t bound = WORK_SLACK * (set->n < 64 ? set->n : 64) +
			 64 * (uint64_t)ev_sparse.n;
	if (ev_sparse.work > bound || ev_lanes.work > bound)
		fail(s0, "scheduler work out of bound",
		     (long long)ev_sparse.work, (long long)ev_lanes.work);
}

static uint64_t
input_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < size; i++) {
		h ^= data[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_calendar cal;
	struct sm_diag_list diags = {0};
	struct sm_series_set set = {0};
	uint64_t h = input_hash(data, size);
	struct sm_occur_opts o = {
		sm_calendar_system_zone(zones[h % 4]),
		(sm_time)((h >> 8) % 25) * 3600,
	};
	if (!o.zone)
		abort();

	sm_calendar_init(&cal, "fuzz");
	sm_calendar_load_buffer(&cal, (const char *)data, size, "fuzz.ics",
				&diags);
	sm_occur_index(&set, &cal, &o, &diags);
	for (size_t i = 0; i < set.n && i < MAX_SERIES; i++)
		check_series(&set.series[i], &o);
	if (set.n <= MAX_SERIES)
		check_sched(&set, &o);
	sm_occur_set_free(&set);
	sm_diag_clear(&diags);
	sm_calendar_fini(&cal);
	return 0;
}
