/*
 * sched: per-series event buffers under a binary heap (see sched.h).
 *
 * A series is "ready" when its first buffered event is known to be its
 * earliest: every occurrence not scanned yet starts at or after
 * scanned_until, so its events are no earlier than scanned_until - before.
 */
#include "sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post.h"

#define MAX_LEADS 64
#define ABSOLUTE_ALARM_SPAN (30 * SM_DAY)

/* A buffered event: sm_sched_event without its id (made when taken), so a
 * 100k-series schedule stays small. */
struct pending {
	sm_time at;
	sm_time lead;
	struct sm_occurrence occ;
	enum sm_event_type type;
};

struct series_state {
	sm_time scan_limit; /* no event can come from occurrences
				   starting later (SM_TIME_MAX: none) */
	const struct sm_series *series;
	sm_time before,
		after; /* events lie in [start - before, start + after] */
	sm_time scanned_until; /* occurrences starting earlier are buffered */
	int exhausted;
	struct pending *pending; /* sorted by instant */
	int npending, cap;
	size_t heap_pos; /* index in the heap, or SIZE_MAX */
};

struct sm_sched {
	const struct sm_config *cfg;
	struct sm_occur_opts opts;
	sm_time from;
	struct series_state *st;
	size_t n;
	size_t *heap; /* indexes into st */
	size_t nheap;
};

const char *
sm_event_type_name(enum sm_event_type type)
{
	switch (type) {
	case SM_EV_REMINDER:
		return "post.reminder";
	case SM_EV_DUE:
		return "post.due";
	case SM_EV_OVERDUE:
		return "post.overdue";
	}
	return "post.unknown";
}

static uint64_t
fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void
sm_event_make_id(struct sm_sched_event *ev)
{
	char rid[40];
	sm_occur_format_rid(&ev->occ, rid, sizeof(rid));
	const struct sm_series *s = ev->occ.series;
	const char *uid = s->master ? s->master->uid : ev->occ.post->uid;
	const char *parts[4] = {s->calendar ? s->calendar : "", uid, rid,
				sm_event_type_name(ev->type)};
	/* Two 64-bit FNV-1a hashes with different seeds: 128 bits, so ids of
	 * distinct events do not collide in any real calendar. */
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 4; i++) {
		size_t len = strlen(parts[i]) + 1; /* the NUL separates */
		h1 = fnv(h1, parts[i], len);
		h2 = fnv(h2, parts[i], len);
	}
	int64_t nums[2] = {ev->lead, ev->at};
	h1 = fnv(h1, nums, sizeof(nums));
	h2 = fnv(h2, nums, sizeof(nums));
	static const char hex[] = "0123456789abcdef";
	memcpy(ev->id, "evt_", 4);
	for (int i = 0; i < 16; i++) {
		ev->id[4 + i] = hex[(h1 >> (60 - 4 * i)) & 15];
		ev->id[20 + i] = hex[(h2 >> (60 - 4 * i)) & 15];
	}
	ev->id[36] = '\0';
}

/* ---------------------------------------------------------------------
 * Leads.
 */

static void
add_lead(sm_time *leads, int *n, sm_time lead)
{
	for (int i = 0; i < *n; i++)
		if (leads[i] == lead)
			return;
	if (*n < MAX_LEADS)
		leads[(*n)++] = lead;
}

/* Config leads of a post: its platforms' (those that set one), else the
 * [reminders] default. */
/* Config leads of a post: its platforms' (those whose section sets `lead`,
 * "none" included: then no reminder), else the [reminders] default. */
static int
config_leads(const struct sm_config *cfg, const struct sm_post *p,
	     sm_time *leads)
{
	int n = 0, set = 0;
	const char *names[16];
	int np = sm_post_platforms(cfg, p, names, 16);
	for (int i = 0; i < np; i++) {
		const struct sm_platform *pl =
			sm_config_platform(cfg, names[i]);
		if (!pl || !pl->lead_set)
			continue;
		set = 1;
		for (size_t k = 0; k < pl->lead.n; k++)
			add_lead(leads, &n, pl->lead.v[k]);
	}
	if (!set)
		for (size_t k = 0; k < cfg->lead.n; k++)
			add_lead(leads, &n, cfg->lead.v[k]);
	return n;
}

/* A post's overdue delay (0: no post.overdue): the shortest its platforms
 * set (those whose section sets `overdue`; none only when all of those say
 * none), else [reminders] overdue. */
static sm_time
post_overdue(const struct sm_config *cfg, const struct sm_post *p)
{
	const char *names[16];
	int np = sm_post_platforms(cfg, p, names, 16), set = 0;
	sm_time best = 0;
	for (int i = 0; i < np; i++) {
		const struct sm_platform *pl =
			sm_config_platform(cfg, names[i]);
		if (!pl || !pl->overdue_set)
			continue;
		set = 1;
		if (pl->overdue > 0 && (best == 0 || pl->overdue < best))
			best = pl->overdue;
	}
	return set ? best : cfg->overdue;
}

/* An upper bound of a post's length: civil times of DTSTART and DTEND may
 * be in zones up to 26 h apart. */
static sm_time
post_span(const struct sm_post *p)
{
	sm_time span = 0;
	if (p->has_end)
		span = p->end.civil - p->start.civil;
	else if (p->has_duration)
		span = p->duration;
	else if (p->start.kind == SM_DT_DATE)
		span = SM_DAY;
	if (span < 0)
		span = -span;
	return span + 28 * 3600;
}

/* Widens the series' bounds for one of its posts. */
static void
bound_post(struct series_state *ss, const struct sm_config *cfg,
	   const struct sm_post *p)
{
	sm_time leads[MAX_LEADS];
	int n = config_leads(cfg, p, leads);
	for (int i = 0; i < n; i++)
		if (leads[i] > ss->before)
			ss->before = leads[i];
	sm_time overdue = post_overdue(cfg, p);
	if (overdue > ss->after)
		ss->after = overdue;
	for (int i = 0; i < p->nalarms; i++) {
		const struct sm_alarm *a = &p->alarms[i];
		if (a->kind == SM_ALARM_ABSOLUTE) {
			/* Relative to the post's own start (read as UTC, a
			 * day of slack for its zone). */
			/* Absolute triggers more than 30 days from the post
			 * are not reminders of it (and would make every scan
			 * buffer months of occurrences). */
			sm_time d = p->start.civil - a->value;
			if (d > ABSOLUTE_ALARM_SPAN || -d > ABSOLUTE_ALARM_SPAN)
				continue;
			if (d + SM_DAY > ss->before)
				ss->before = d + SM_DAY;
			if (-d + SM_DAY > ss->after)
				ss->after = -d + SM_DAY;
			continue;
		}
		sm_time base =
			a->kind == SM_ALARM_BEFORE_END ? post_span(p) : 0;
		sm_time first = base + a->value;
		sm_time last = first + (sm_time)a->repeat * a->repeat_gap;
		if (-first > ss->before)
			ss->before = -first;
		if (last > ss->after)
			ss->after = last;
	}
}

/* ---------------------------------------------------------------------
 * Event buffers.
 */

static int
event_before(const struct pending *a, const struct pending *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	if (a->occ.start != b->occ.start)
		return a->occ.start < b->occ.start;
	if (a->type != b->type)
		return a->type < b->type;
	return a->lead > b->lead;
}

static void
buffer_add(struct series_state *ss, const struct pending *ev)
{
	if (ss->npending == ss->cap) {
		/* Most series buffer the three events of one occurrence: grow
		 * in small steps, a 100k-post calendar has 100k buffers. */
		ss->cap = ss->cap ? ss->cap + 3 : 3;
		void *q = realloc(ss->pending, (size_t)ss->cap * sizeof(*ev));
		if (!q)
			abort();
		ss->pending = q;
	}
	int i = ss->npending++;
	while (i > 0 && event_before(ev, &ss->pending[i - 1])) {
		ss->pending[i] = ss->pending[i - 1];
		i--;
	}
	ss->pending[i] = *ev;
}

static void
emit(struct sm_sched *s, struct series_state *ss,
     const struct sm_occurrence *occ, enum sm_event_type type, sm_time at,
     sm_time lead)
{
	if (at < s->from)
		return;
	struct pending ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.at = at;
	ev.lead = lead;
	ev.occ = *occ;
	buffer_add(ss, &ev); /* the id is made when the event is taken */
}

static int
occurrence_events(void *ctx, const struct sm_occurrence *occ)
{
	struct sm_sched *s = ((void **)ctx)[0];
	struct series_state *ss = ((void **)ctx)[1];
	if (occ->cancelled)
		return 0;
	const struct sm_post *p = occ->post;
	int publishes = p->status != SM_POST_DRAFT || s->cfg->fire_drafts;
	sm_time at[MAX_LEADS];
	if (p->nalarms > 0) {
		int total = 0;
		for (int i = 0; i < p->nalarms; i++)
			total += 1 + p->alarms[i].repeat;
		sm_time *all = malloc((size_t)total * sizeof(*all));
		if (!all)
			abort();
		int n = sm_occur_alarms(occ, all, total);
		for (int i = 0; i < n; i++)
			if (all[i] >= occ->start - ss->before &&
			    all[i] <= occ->start + ss->after)
				emit(s, ss, occ, SM_EV_REMINDER, all[i],
				     occ->start - all[i]);
		free(all);
	} else {
		int n = config_leads(s->cfg, p, at);
		for (int i = 0; i < n; i++)
			if (at[i] > 0)
				emit(s, ss, occ, SM_EV_REMINDER,
				     occ->start - at[i], at[i]);
	}
	if (publishes) {
		emit(s, ss, occ, SM_EV_DUE, occ->start, 0);
		sm_time overdue = post_overdue(s->cfg, p);
		if (overdue > 0)
			emit(s, ss, occ, SM_EV_OVERDUE, occ->start + overdue,
			     0);
	}
	return 0;
}

/* Buffers the events of the next occurrences (all those sharing the next
 * start instant); marks the series exhausted when there are none. */
static void
scan_next(struct sm_sched *s, struct series_state *ss)
{
	struct sm_occurrence occ;
	if (ss->exhausted || ss->scanned_until > ss->scan_limit ||
	    !sm_occur_next(ss->series, &s->opts, ss->scanned_until, &occ)) {
		ss->exhausted = 1;
		return;
	}
	void *ctx[2] = {s, ss};
	sm_occur_window(ss->series, &s->opts, occ.start, occ.start + 1,
			occurrence_events, ctx);
	ss->scanned_until = occ.start + 1;
}

/* Can any occurrence of this post produce an event? */
static int
post_can_emit(const struct sm_sched *s, const struct sm_post *p)
{
	if (p->status == SM_POST_CANCELLED)
		return 0;
	if (p->status != SM_POST_DRAFT || s->cfg->fire_drafts || p->nalarms)
		return 1;
	sm_time leads[MAX_LEADS];
	int n = config_leads(s->cfg, p, leads);
	for (int i = 0; i < n; i++)
		if (leads[i] > 0)
			return 1;
	return 0;
}

/*
 * How far scanning can be useful: a master that can produce no event (a
 * cancelled or silent draft series, maybe infinite) is only scanned up to
 * its last override that can.  Without this, such a series would be
 * expanded to year 9999 at every load.
 */
static sm_time
scan_limit(const struct sm_sched *s, const struct sm_series *ser)
{
	if (!ser->master || post_can_emit(s, ser->master))
		return SM_TIME_MAX;
	sm_time limit = SM_TIME_MIN;
	for (int i = 0; i < ser->noverrides; i++) {
		const struct sm_post *o = ser->overrides[i];
		if (!post_can_emit(s, o))
			continue;
		if (o->this_and_future)
			return SM_TIME_MAX;
		sm_time at = o->start.civil + 2 * SM_DAY;
		if (at > limit)
			limit = at;
	}
	return limit;
}

/* Scans until the first buffered event is the series' earliest. */
static void
make_ready(struct sm_sched *s, struct series_state *ss)
{
	while (!ss->exhausted &&
	       (ss->npending == 0 ||
		ss->pending[0].at > ss->scanned_until - ss->before))
		scan_next(s, ss);
}

/* ---------------------------------------------------------------------
 * The heap of series, by their first event.
 */

static int
heap_less(const struct sm_sched *s, size_t a, size_t b)
{
	const struct series_state *x = &s->st[s->heap[a]],
				  *y = &s->st[s->heap[b]];
	if (x->pending[0].at != y->pending[0].at)
		return x->pending[0].at < y->pending[0].at;
	return s->heap[a] < s->heap[b];
}

static void
heap_swap(struct sm_sched *s, size_t a, size_t b)
{
	size_t t = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->st[s->heap[a]].heap_pos = a;
	s->st[s->heap[b]].heap_pos = b;
}

static void
heap_down(struct sm_sched *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->nheap && heap_less(s, l, m))
			m = l;
		if (r < s->nheap && heap_less(s, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void
heap_remove_top(struct sm_sched *s)
{
	s->st[s->heap[0]].heap_pos = SIZE_MAX;
	s->nheap--;
	if (s->nheap > 0) {
		s->heap[0] = s->heap[s->nheap];
		s->st[s->heap[0]].heap_pos = 0;
		heap_down(s, 0);
	}
}

/* ---------------------------------------------------------------------
 * API.
 */

struct sm_sched *
sm_sched_new(const struct sm_config *cfg)
{
	struct sm_sched *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->cfg = cfg;
	return s;
}

static void
unload(struct sm_sched *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->st[i].pending);
	free(s->st);
	free(s->heap);
	s->st = NULL;
	s->heap = NULL;
	s->n = s->nheap = 0;
}

void
sm_sched_free(struct sm_sched *s)
{
	if (!s)
		return;
	unload(s);
	free(s);
}

void
sm_sched_load(struct sm_sched *s, const struct sm_series_set *set,
	      const struct sm_occur_opts *opts, sm_time from)
{
	unload(s);
	s->opts = *opts;
	s->from = from;
	s->n = set->n;
	s->st = calloc(s->n ? s->n : 1, sizeof(*s->st));
	s->heap = calloc(s->n ? s->n : 1, sizeof(*s->heap));
	if (!s->st || !s->heap)
		abort();
	for (size_t i = 0; i < s->n; i++) {
		struct series_state *ss = &s->st[i];
		const struct sm_series *ser = &set->series[i];
		ss->series = ser;
		ss->heap_pos = SIZE_MAX;
		ss->after = s->cfg->overdue;
		if (ser->master)
			bound_post(ss, s->cfg, ser->master);
		for (int k = 0; k < ser->noverrides; k++)
			bound_post(ss, s->cfg, ser->overrides[k]);
		ss->before += ser->max_shift;
		ss->after += ser->max_shift;
		ss->scanned_until = from - ss->after;
		ss->scan_limit = scan_limit(s, ser);
		make_ready(s, ss);
		if (ss->npending > 0) {
			ss->heap_pos = s->nheap;
			s->heap[s->nheap++] = i;
		}
	}
	/* Heapify bottom-up. */
	for (size_t i = s->nheap / 2; i-- > 0;)
		heap_down(s, i);
}

int
sm_sched_peek(const struct sm_sched *s, sm_time *at)
{
	if (s->nheap == 0)
		return 0;
	*at = s->st[s->heap[0]].pending[0].at;
	return 1;
}

int
sm_sched_pop(struct sm_sched *s, sm_time upto, struct sm_sched_event *out)
{
	if (s->nheap == 0)
		return 0;
	struct series_state *ss = &s->st[s->heap[0]];
	if (ss->pending[0].at > upto)
		return 0;
	const struct pending *p = &ss->pending[0];
	memset(out, 0, sizeof(*out));
	out->type = p->type;
	out->at = p->at;
	out->lead = p->lead;
	out->occ = p->occ;
	sm_event_make_id(out);
	ss->npending--;
	memmove(ss->pending, ss->pending + 1,
		(size_t)ss->npending * sizeof(*ss->pending));
	make_ready(s, ss);
	if (ss->npending == 0)
		heap_remove_top(s);
	else
		heap_down(s, 0);
	return 1;
}

/* A look-ahead candidate: the k-th buffered event of series st. */
struct ahead {
	size_t st;
	int k;
};

static int
ahead_before(const struct sm_sched *s, const struct ahead *a,
	     const struct ahead *b)
{
	sm_time x = s->st[a->st].pending[a->k].at,
		y = s->st[b->st].pending[b->k].at;
	if (x != y)
		return x < y;
	if (a->st != b->st)
		return a->st < b->st; /* the heap's tie-break */
	return a->k < b->k;
}

int
sm_sched_upcoming(struct sm_sched *s, struct sm_sched_event *out, int n)
{
	if (n <= 0 || s->nheap == 0)
		return 0;
	/*
	 * Best-first walk: a heap entry is never earlier than its parent, and
	 * a series' buffered events are in order, so the next event is always
	 * among the candidates: the heap's root, the children of every series
	 * whose first event was taken, and the event after each one taken.
	 * Each event taken adds at most three candidates.
	 */
	struct ahead *c = malloc((3 * (size_t)n + 1) * sizeof(*c));
	if (!c)
		abort();
	int nc = 0, got = 0;
	c[nc++] = (struct ahead){s->heap[0], 0};
	while (got < n && nc > 0) {
		int best = 0;
		for (int i = 1; i < nc; i++)
			if (ahead_before(s, &c[i], &c[best]))
				best = i;
		struct ahead x = c[best];
		c[best] = c[--nc];
		struct series_state *ss = &s->st[x.st];
		const struct pending *p = &ss->pending[x.k];
		struct sm_sched_event *ev = &out[got++];
		memset(ev, 0, sizeof(*ev));
		ev->type = p->type;
		ev->at = p->at;
		ev->lead = p->lead;
		ev->occ = p->occ;
		sm_event_make_id(ev);
		if (x.k == 0) {
			size_t l = 2 * ss->heap_pos + 1;
			for (size_t h = l; h < l + 2 && h < s->nheap; h++)
				c[nc++] = (struct ahead){s->heap[h], 0};
		}
		/* The series' next event is known once nothing unscanned can
		 * come before it (as make_ready, one event further).  Scans
		 * only add events after those already taken here. */
		int k = x.k + 1;
		while (!ss->exhausted &&
		       (ss->npending <= k ||
			ss->pending[k].at > ss->scanned_until - ss->before))
			scan_next(s, ss);
		if (k < ss->npending)
			c[nc++] = (struct ahead){x.st, k};
	}
	free(c);
	return got;
}

enum sm_fire_action
sm_sched_action(const struct sm_sched_event *ev, int64_t now_ms,
		sm_time catchup, int already_fired, int done)
{
	if (already_fired)
		return SM_SKIP;
	int64_t at_ms = (int64_t)ev->at * 1000;
	/* Even with catchup = 0, an event taken at its wake-up (a few ms
	 * after its instant) is on time, not missed. */
	int64_t window = (int64_t)catchup * 1000;
	if (window < SM_LATE_MS)
		window = SM_LATE_MS;
	if (at_ms < now_ms - window)
		return SM_MISSED;
	if (ev->type == SM_EV_OVERDUE && done)
		return SM_SKIP;
	return now_ms - at_ms > SM_LATE_MS ? SM_FIRE_LATE : SM_FIRE;
}

sm_time
sm_sched_load_from(sm_time now, sm_time catchup, sm_time resume)
{
	sm_time floor = now - catchup - SM_SCHED_LOOKBACK;
	return resume < floor ? resume : floor;
}

/* A reminder of the batch, for grouping by occurrence. */
struct batch_reminder {
	const struct sm_sched_event *ev;
	size_t i;
};

static int
reminder_cmp(const void *a, const void *b)
{
	const struct sm_sched_event *x = ((const struct batch_reminder *)a)->ev,
				    *y = ((const struct batch_reminder *)b)->ev;
	if (x->occ.series != y->occ.series)
		return (uintptr_t)x->occ.series < (uintptr_t)y->occ.series ? -1
									   : 1;
	if (x->occ.rid_kind != y->occ.rid_kind)
		return x->occ.rid_kind < y->occ.rid_kind ? -1 : 1;
	if (x->occ.rid != y->occ.rid)
		return x->occ.rid < y->occ.rid ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return 0;
}

static int
same_occurrence(const struct sm_sched_event *x, const struct sm_sched_event *y)
{
	return x->occ.series == y->occ.series &&
	       x->occ.rid_kind == y->occ.rid_kind && x->occ.rid == y->occ.rid;
}

void
sm_sched_collapse(const struct sm_sched_event *evs, enum sm_fire_action *acts,
		  size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m += evs[i].type == SM_EV_REMINDER;
	if (m < 2)
		return;
	struct batch_reminder *r = malloc(m * sizeof(*r));
	if (!r)
		abort();
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (evs[i].type == SM_EV_REMINDER)
			r[m++] = (struct batch_reminder){&evs[i], i};
	qsort(r, m, sizeof(*r), reminder_cmp);
	/* Within each occurrence's run (sorted by instant), the last
	 * reminder is the latest: every earlier one that would fire late
	 * collapses into it. */
	for (size_t lo = 0, hi; lo < m; lo = hi) {
		hi = lo + 1;
		while (hi < m && same_occurrence(r[lo].ev, r[hi].ev))
			hi++;
		sm_time latest = r[hi - 1].ev->at;
		for (size_t k = lo; k < hi; k++)
			if (r[k].ev->at < latest &&
			    acts[r[k].i] == SM_FIRE_LATE)
				acts[r[k].i] = SM_COLLAPSED;
	}
	free(r);
}

size_t
sm_sched_size(const struct sm_sched *s)
{
	return s->n;
}
