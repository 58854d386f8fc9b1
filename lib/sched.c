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

/* Series whose occurrences within the span of one occurrence's events may
 * exceed this are scheduled by lanes (see sched.h). */
#define DEFAULT_LANE_MIN 64
/* More event classes than this in one part: one buffered lane for it. */
#define MAX_CLASSES 64

/* A buffered event: sm_sched_event without what can be derived when it is
 * taken (its id, series, end and lead; only occurrences that are not
 * cancelled are buffered), so a 100k-series schedule stays small. */
struct pending {
	sm_time at;
	sm_time start; /* the occurrence's */
	sm_time rid;
	const struct sm_post *post;
	uint32_t seq;	  /* order of buffering, for ties */
	uint8_t type;	  /* enum sm_event_type */
	uint8_t rid_kind; /* enum sm_dt_kind */
};

/* A reminder's lead is the time from it to publish; due and overdue have
 * none. */
static sm_time
pending_lead(const struct pending *p)
{
	return p->type == SM_EV_REMINDER ? p->start - p->at : 0;
}

/* One kind of event of a part's occurrences (lanes only). */
struct event_class {
	uint8_t type;	  /* enum sm_event_type */
	uint8_t absolute; /* a reminder at a fixed instant */
	union {
		sm_time off; /* at - start, for relative classes */
		sm_time at;  /* the instant, for absolute ones */
	};
};

/* Kept small: a 100k-post calendar has 100k lanes. */
struct lane {
	struct pending *pending; /* a binary heap in event order */
	struct sm_occur_iter *it;
	sm_time scanned_until; /* occurrences starting earlier are buffered */
	sm_time scan_base;     /* where the fresh buffer's scan began */
	sm_time scan_limit;    /* no event comes from later occurrences */
	sm_time head_at;       /* a dormant lane's first event's instant */
	struct event_class cls;
	uint32_t series;   /* index in st */
	uint32_t heap_pos; /* index in the scheduler's heap, or HEAP_NONE */
	unsigned order;	   /* among the series' lanes */
	int part;	   /* SM_OCCUR_ALL, SM_OCCUR_OVERRIDES or a part */
	uint32_t seq;
	uint32_t seq_base; /* seq when the fresh buffer's scan began */
	int npending, cap;
	uint8_t all;	   /* every event of the occurrences; else cls only */
	uint8_t keep_iter; /* the iterator lives between scans */
	uint8_t exhausted;
	/* The buffer holds exactly what a scan from scan_base gives (it was
	 * empty when that scan began, nothing was taken since): the lane of
	 * a sparse series then keeps only its first event's instant
	 * (head_at, "dormant", no buffer) and scans again when it is taken
	 * from (wake).  The heap needs no more: lanes of different series
	 * are ordered by instant, then series. */
	uint8_t fresh;
	uint8_t dormant;
};

#define HEAP_NONE UINT32_MAX

/* The instant of a lane's first event. */
static sm_time
lane_at(const struct lane *ln)
{
	return ln->dormant ? ln->head_at : ln->pending[0].at;
}

/* Does the lane have an event (in its buffer, or dormant)? */
static int
lane_live(const struct lane *ln)
{
	return ln->npending > 0 || ln->dormant;
}

struct series_state {
	const struct sm_series *series; /* NULL: a free slot */
	sm_time before,
		after;	    /* events lie in [start - before, start + after] */
	sm_time from;	    /* earlier events are not produced */
	struct lane *lanes; /* &one for a sparse series */
	int nlanes;
	int sparse; /* lanes is &one */
	struct lane one;
};

struct sm_sched {
	const struct sm_config *cfg;
	struct sm_occur_opts opts;
	struct series_state *st;
	size_t n, cap, live;
	size_t *free_slots; /* removed series' slots, reused by add */
	size_t nfree;
	struct lane **heap; /* by first event */
	size_t nheap, capheap;
	int lane_min;
	uint64_t work; /* iterator steps of freed iterators, and scans */
	struct sm_occur_iter *spare; /* lent to sparse lanes for a scan */
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
		/* Each repetition of an absolute trigger is an instant of
		 * its own (post_classes makes a lane of each). */
		for (int k = 0; a->kind == SM_ALARM_ABSOLUTE && k <= a->repeat;
		     k++) {
			/* Relative to the post's own start (read as UTC, a
			 * day of slack for its zone). */
			/* Absolute triggers more than 30 days from the post
			 * are not reminders of it (and would make every scan
			 * buffer months of occurrences). */
			sm_time d = p->start.civil -
				    (a->value + (sm_time)k * a->repeat_gap);
			if (d > ABSOLUTE_ALARM_SPAN || -d > ABSOLUTE_ALARM_SPAN)
				continue;
			if (d + SM_DAY > ss->before)
				ss->before = d + SM_DAY;
			if (-d + SM_DAY > ss->after)
				ss->after = -d + SM_DAY;
		}
		if (a->kind == SM_ALARM_ABSOLUTE)
			continue;
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
 * Event buffers: a binary heap per lane.
 */

static int
event_before(const struct pending *a, const struct pending *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	if (a->start != b->start)
		return a->start < b->start;
	if (a->type != b->type)
		return a->type < b->type;
	if (pending_lead(a) != pending_lead(b))
		return pending_lead(a) > pending_lead(b);
	return a->seq < b->seq;
}

/* Inserts an event into a lane's buffer, keeping its seq. */
static void
buffer_insert(struct lane *ln, const struct pending *ev)
{
	if (ln->npending == ln->cap) {
		/* Most lanes buffer the few events of one occurrence (four
		 * with the default leads): grow one by one at first, a
		 * 100k-post calendar has 100k buffers. */
		ln->cap = ln->cap < 8 ? ln->cap + 1 : ln->cap * 2;
		void *q = realloc(ln->pending, (size_t)ln->cap * sizeof(*ev));
		if (!q)
			abort();
		ln->pending = q;
	}
	int i = ln->npending++;
	while (i > 0 && event_before(ev, &ln->pending[(i - 1) / 2])) {
		ln->pending[i] = ln->pending[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	ln->pending[i] = *ev;
}

static void
buffer_add(struct lane *ln, struct pending *ev)
{
	ev->seq = ln->seq++;
	buffer_insert(ln, ev);
}

static void
buffer_sift_down(struct lane *ln, int i)
{
	struct pending x = ln->pending[i];
	int n = ln->npending;
	for (;;) {
		int l = 2 * i + 1, m = l;
		if (l >= n)
			break;
		if (l + 1 < n &&
		    event_before(&ln->pending[l + 1], &ln->pending[l]))
			m = l + 1;
		if (!event_before(&ln->pending[m], &x))
			break;
		ln->pending[i] = ln->pending[m];
		i = m;
	}
	ln->pending[i] = x;
}

static void
buffer_pop(struct lane *ln)
{
	ln->pending[0] = ln->pending[--ln->npending];
	if (ln->npending > 0)
		buffer_sift_down(ln, 0);
}

/* Buffers an event of occ at `at` (its lead is start - at for reminders,
 * 0 else: derived when it is taken). */
static void
emit(struct series_state *ss, struct lane *ln, const struct sm_occurrence *occ,
     enum sm_event_type type, sm_time at)
{
	if (at < ss->from)
		return;
	struct pending ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = (uint8_t)type;
	ev.at = at;
	ev.start = occ->start;
	ev.rid = occ->rid;
	ev.rid_kind = (uint8_t)occ->rid_kind;
	ev.post = occ->post;
	buffer_add(ln, &ev); /* the id is made when the event is taken */
}

/* Is t one of the post's absolute alarm instants (a trigger or one of
 * its repetitions)? */
static int
is_absolute_alarm(const struct sm_post *p, sm_time t)
{
	for (int i = 0; i < p->nalarms; i++) {
		const struct sm_alarm *a = &p->alarms[i];
		if (a->kind != SM_ALARM_ABSOLUTE || t < a->value)
			continue;
		if (t == a->value)
			return 1;
		if (a->repeat_gap > 0 && (t - a->value) % a->repeat_gap == 0 &&
		    (t - a->value) / a->repeat_gap <= a->repeat)
			return 1;
	}
	return 0;
}

/* Does the lane take this event?  A reminder at one of the post's absolute
 * alarm instants is the absolute class's, even when a relative alarm falls
 * there too (they are one reminder). */
static int
lane_takes(const struct lane *ln, const struct sm_post *p,
	   enum sm_event_type type, sm_time at, sm_time start)
{
	if (ln->all)
		return 1;
	const struct event_class *c = &ln->cls;
	if (type != c->type)
		return 0;
	int abs = type == SM_EV_REMINDER && p->nalarms > 0 &&
		  is_absolute_alarm(p, at);
	if (c->absolute)
		return abs && at == c->at;
	return !abs && at - start == c->off;
}

/* Buffers the events of one occurrence that the lane takes. */
static void
occurrence_events(struct sm_sched *s, struct series_state *ss, struct lane *ln,
		  const struct sm_occurrence *occ)
{
	if (occ->cancelled)
		return;
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
			    all[i] <= occ->start + ss->after &&
			    lane_takes(ln, p, SM_EV_REMINDER, all[i],
				       occ->start))
				emit(ss, ln, occ, SM_EV_REMINDER, all[i]);
		free(all);
	} else {
		int n = config_leads(s->cfg, p, at);
		for (int i = 0; i < n; i++)
			if (at[i] > 0 &&
			    lane_takes(ln, p, SM_EV_REMINDER,
				       occ->start - at[i], occ->start))
				emit(ss, ln, occ, SM_EV_REMINDER,
				     occ->start - at[i]);
	}
	if (publishes) {
		if (lane_takes(ln, p, SM_EV_DUE, occ->start, occ->start))
			emit(ss, ln, occ, SM_EV_DUE, occ->start);
		sm_time overdue = post_overdue(s->cfg, p);
		sm_time od = occ->start + overdue;
		if (overdue > 0 &&
		    lane_takes(ln, p, SM_EV_OVERDUE, od, occ->start))
			emit(ss, ln, occ, SM_EV_OVERDUE, od);
	}
}

static void
drop_iter(struct sm_sched *s, struct lane *ln)
{
	if (!ln->it)
		return;
	s->work += sm_occur_iter_work(ln->it);
	if (!ln->keep_iter && !s->spare)
		s->spare = ln->it; /* for the next sparse scan */
	else
		sm_occur_iter_free(ln->it);
	ln->it = NULL;
}

static void
exhaust(struct sm_sched *s, struct lane *ln)
{
	ln->exhausted = 1;
	drop_iter(s, ln);
}

/* Buffers the events of the lane's next occurrences (all those sharing the
 * next start instant); marks the lane exhausted when there are none. */
static void
scan_next(struct sm_sched *s, struct series_state *ss, struct lane *ln)
{
	if (ln->exhausted)
		return;
	if (ln->scanned_until > ln->scan_limit) {
		exhaust(s, ln);
		return;
	}
	if (!ln->it && !ln->keep_iter && s->spare) {
		/* Sparse lanes share one iterator's memory: a 100k-series
		 * load allocates nothing per scan. */
		ln->it = s->spare;
		s->spare = NULL;
		sm_occur_iter_reset(ln->it, ss->series, &s->opts,
				    ln->scanned_until, ln->part);
	} else if (!ln->it) {
		ln->it = sm_occur_iter_new(ss->series, &s->opts,
					   ln->scanned_until, ln->part);
	}
	struct sm_occurrence occ;
	if (!sm_occur_iter_next(ln->it, &occ)) {
		exhaust(s, ln);
		return;
	}
	s->work++;
	sm_time start = occ.start;
	for (;;) {
		occurrence_events(s, ss, ln, &occ);
		if (!sm_occur_iter_peek(ln->it, &occ) || occ.start != start)
			break;
		sm_occur_iter_next(ln->it, &occ);
	}
	ln->scanned_until = start + 1;
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

/* No event of an occurrence not scanned yet comes before this. */
static sm_time
lane_floor(const struct series_state *ss, const struct lane *ln)
{
	if (ln->all)
		return ln->scanned_until - ss->before;
	if (ln->cls.absolute)
		return ln->cls.at;
	return ln->scanned_until + ln->cls.off;
}

/* Scans until the first buffered event is the lane's earliest. */
static void
fill(struct sm_sched *s, struct series_state *ss, struct lane *ln)
{
	while (!ln->exhausted &&
	       (ln->npending == 0 || ln->pending[0].at > lane_floor(ss, ln))) {
		if (ln->npending == 0) {
			ln->fresh = 1;
			ln->scan_base = ln->scanned_until;
			ln->seq_base = ln->seq;
		}
		scan_next(s, ss, ln);
	}
	if (!ln->keep_iter)
		drop_iter(s, ln); /* made again at the next scan */
}

/*
 * Makes a lane ready (fill); the lane of a sparse series whose buffer is
 * fresh then keeps only its first event's instant, which is all the heap
 * looks at: most series of a big calendar wait weeks for their next
 * event, and their buffers would hold every event of an occurrence
 * meanwhile (wake scans again).
 */
static void
make_ready(struct sm_sched *s, struct series_state *ss, struct lane *ln)
{
	fill(s, ss, ln);
	if (!ss->sparse || !ln->fresh || ln->npending == 0)
		return;
	ln->head_at = ln->pending[0].at; /* the heap's root */
	free(ln->pending);
	ln->pending = NULL;
	ln->npending = ln->cap = 0;
	ln->dormant = 1;
}

/* Gives a dormant lane its whole buffer back: the scan from scan_base
 * again, which gives the same events with the same sequence numbers (the
 * series, its options, `from` and the config are the same, or equal), the
 * first one the one kept. */
static void
wake(struct sm_sched *s, struct series_state *ss, struct lane *ln)
{
	if (!ln->dormant)
		return;
	ln->dormant = 0;
	ln->npending = 0;
	ln->scanned_until = ln->scan_base;
	ln->seq = ln->seq_base; /* the same events, the same order */
	ln->exhausted = 0;
	drop_iter(s, ln);
	fill(s, ss, ln);
}

/* ---------------------------------------------------------------------
 * The heap of lanes, by their first event.
 */

static int
heap_less(const struct sm_sched *s, size_t a, size_t b)
{
	const struct lane *x = s->heap[a], *y = s->heap[b];
	sm_time xa = lane_at(x), ya = lane_at(y);
	if (xa != ya)
		return xa < ya;
	if (x->series != y->series)
		return x->series < y->series;
	/* Lanes of one series: a dense one, whose lanes never doze. */
	const struct pending *p = &x->pending[0], *q = &y->pending[0];
	if (event_before(p, q) != event_before(q, p))
		return event_before(p, q);
	return x->order < y->order;
}

static void
heap_swap(struct sm_sched *s, size_t a, size_t b)
{
	struct lane *t = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_pos = (uint32_t)a;
	s->heap[b]->heap_pos = (uint32_t)b;
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
heap_up(struct sm_sched *s, size_t i)
{
	while (i > 0 && heap_less(s, i, (i - 1) / 2)) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_insert(struct sm_sched *s, struct lane *ln)
{
	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 64;
		s->heap = realloc(s->heap, s->capheap * sizeof(*s->heap));
		if (!s->heap)
			abort();
	}
	ln->heap_pos = (uint32_t)s->nheap;
	s->heap[s->nheap++] = ln;
	heap_up(s, ln->heap_pos);
}

static void
heap_remove(struct sm_sched *s, struct lane *ln)
{
	size_t i = ln->heap_pos;
	ln->heap_pos = HEAP_NONE;
	s->nheap--;
	if (i == s->nheap)
		return;
	struct lane *m = s->heap[s->nheap];
	s->heap[i] = m;
	m->heap_pos = (uint32_t)i;
	heap_up(s, i);
	heap_down(s, m->heap_pos);
}

/* Puts a lane where its first event says, in or out of the heap. */
static void
heap_update(struct sm_sched *s, struct lane *ln)
{
	if (!lane_live(ln)) {
		if (ln->heap_pos != HEAP_NONE)
			heap_remove(s, ln);
		return;
	}
	if (ln->heap_pos == HEAP_NONE) {
		heap_insert(s, ln);
		return;
	}
	heap_up(s, ln->heap_pos);
	heap_down(s, ln->heap_pos);
}

/* ---------------------------------------------------------------------
 * Series and their lanes.
 */

static void
add_class(struct event_class *v, int *n, const struct event_class *c)
{
	for (int i = 0; i < *n; i++)
		if (v[i].type == c->type && v[i].absolute == c->absolute &&
		    (c->absolute ? v[i].at == c->at : v[i].off == c->off))
			return;
	if (*n <= MAX_CLASSES)
		v[(*n)++] = *c;
}

/* The kinds of events the occurrences of post p produce (p is the master
 * or a THISANDFUTURE override, with the same events at every occurrence);
 * returns how many, MAX_CLASSES + 1 when there are too many. */
static int
post_classes(const struct sm_sched *s, const struct series_state *ss,
	     const struct sm_post *p, struct event_class *v)
{
	int n = 0;
	struct event_class c;
	memset(&c, 0, sizeof(c));
	c.type = SM_EV_REMINDER;
	if (p->nalarms > 0) {
		sm_time len = sm_occur_length(p, &s->opts);
		for (int i = 0; i < p->nalarms && n <= MAX_CLASSES; i++) {
			const struct sm_alarm *a = &p->alarms[i];
			if (a->kind == SM_ALARM_ABSOLUTE) {
				c.absolute = 1;
				for (int k = 0;
				     k <= a->repeat && n <= MAX_CLASSES; k++) {
					c.at = a->value +
					       (sm_time)k * a->repeat_gap;
					add_class(v, &n, &c);
				}
				continue;
			}
			c.absolute = 0;
			sm_time base =
				(a->kind == SM_ALARM_BEFORE_END ? len : 0) +
				a->value;
			for (int k = 0; k <= a->repeat && n <= MAX_CLASSES;
			     k++) {
				c.off = base + (sm_time)k * a->repeat_gap;
				if (c.off >= -ss->before && c.off <= ss->after)
					add_class(v, &n, &c);
			}
		}
	} else {
		sm_time leads[MAX_LEADS];
		int nl = config_leads(s->cfg, p, leads);
		for (int i = 0; i < nl; i++) {
			if (leads[i] <= 0)
				continue;
			c.off = -leads[i];
			add_class(v, &n, &c);
		}
	}
	c.absolute = 0;
	if (p->status != SM_POST_DRAFT || s->cfg->fire_drafts) {
		c.type = SM_EV_DUE;
		c.off = 0;
		add_class(v, &n, &c);
		sm_time overdue = post_overdue(s->cfg, p);
		if (overdue > 0) {
			c.type = SM_EV_OVERDUE;
			c.off = overdue;
			add_class(v, &n, &c);
		}
	}
	return n;
}

/*
 * Is the series dense: can it have more than lane_min occurrences within
 * the span of one occurrence's events?  Counted from its rules' densest
 * possible day and its RDATEs.
 */
static int
is_dense(const struct sm_sched *s, const struct series_state *ss)
{
	const struct sm_post *m = ss->series->master;
	if (!m)
		return 0;
	if (s->lane_min == 0)
		return 1;
	int64_t days = (ss->before + ss->after) / SM_DAY + 2;
	int64_t est = m->nrdates;
	for (int i = 0; i < m->nrrules; i++)
		est += sm_rrule_max_per_day(&m->rrules[i]) * days;
	return est > s->lane_min;
}

static struct lane *
new_lane(struct series_state *ss, size_t idx, int part)
{
	struct lane *ln = &ss->lanes[ss->nlanes];
	memset(ln, 0, sizeof(*ln));
	ln->series = (uint32_t)idx;
	ln->order = (unsigned)ss->nlanes++;
	ln->part = part;
	ln->all = 1;
	ln->heap_pos = HEAP_NONE;
	ln->scan_limit = SM_TIME_MAX;
	return ln;
}

/* Where a lane starts scanning to produce its events at or after from. */
static void
lane_start(struct series_state *ss, struct lane *ln, sm_time from)
{
	if (ln->all) {
		if (ln->scanned_until < from - ss->after)
			ln->scanned_until = from - ss->after;
	} else if (ln->cls.absolute) {
		/* Occurrences whose reminders may fall at that instant. */
		if (ln->cls.at < from)
			ln->exhausted = 1;
		if (ln->scanned_until < ln->cls.at - ss->after)
			ln->scanned_until = ln->cls.at - ss->after;
		ln->scan_limit = ln->cls.at + ss->before;
	} else if (ln->scanned_until < from - ln->cls.off) {
		ln->scanned_until = from - ln->cls.off;
	}
}

/* Builds the lanes of the series in slot idx and buffers their first
 * events. */
static void
series_setup(struct sm_sched *s, size_t idx, const struct sm_series *ser,
	     sm_time from)
{
	struct series_state *ss = &s->st[idx];
	memset(ss, 0, sizeof(*ss));
	ss->series = ser;
	ss->from = from;
	ss->after = s->cfg->overdue;
	if (ser->master)
		bound_post(ss, s->cfg, ser->master);
	for (int k = 0; k < ser->noverrides; k++)
		bound_post(ss, s->cfg, ser->overrides[k]);
	ss->before += ser->max_shift;
	ss->after += ser->max_shift;
	s->live++;

	if (!is_dense(s, ss)) {
		/* One lane for everything: its buffer holds the events of the
		 * few occurrences within one event span. */
		ss->lanes = &ss->one;
		ss->sparse = 1;
		struct lane *ln = new_lane(ss, idx, SM_OCCUR_ALL);
		ln->scanned_until = SM_TIME_MIN;
		ln->scan_limit = scan_limit(s, ser);
		lane_start(ss, ln, from);
	} else {
		/* A lane per part and kind of event, each with its own
		 * iterator: every lane's events come in order, so a lane
		 * buffers one occurrence's event, however dense the rule. */
		struct event_class cls[MAX_CLASSES + 1];
		int total = 1, nparts = ser->nfutures + 1;
		int *counts = malloc((size_t)nparts * sizeof(int));
		if (!counts)
			abort();
		for (int part = 0; part < nparts; part++) {
			counts[part] = 0;
			if (sm_occur_part_cancelled(ser, part))
				continue;
			int c = post_classes(
				s, ss, sm_occur_part_post(ser, part), cls);
			counts[part] = c;
			total += c > MAX_CLASSES ? 1 : c;
		}
		ss->lanes = calloc((size_t)total, sizeof(*ss->lanes));
		if (!ss->lanes)
			abort();
		if (ser->noverrides > 0) {
			struct lane *ln = new_lane(ss, idx, SM_OCCUR_OVERRIDES);
			ln->scanned_until = SM_TIME_MIN;
			lane_start(ss, ln, from);
		}
		for (int part = 0; part < nparts; part++) {
			if (counts[part] == 0)
				continue;
			int c = post_classes(
				s, ss, sm_occur_part_post(ser, part), cls);
			if (c > MAX_CLASSES) {
				struct lane *ln = new_lane(ss, idx, part);
				ln->keep_iter = 1;
				ln->scanned_until = SM_TIME_MIN;
				lane_start(ss, ln, from);
				continue;
			}
			for (int k = 0; k < c; k++) {
				struct lane *ln = new_lane(ss, idx, part);
				ln->all = 0;
				ln->cls = cls[k];
				ln->keep_iter = 1;
				ln->scanned_until = SM_TIME_MIN;
				lane_start(ss, ln, from);
			}
		}
		free(counts);
	}
	for (int i = 0; i < ss->nlanes; i++) {
		struct lane *ln = &ss->lanes[i];
		make_ready(s, ss, ln);
		if (lane_live(ln))
			heap_insert(s, ln);
	}
}

static void
series_clear(struct sm_sched *s, struct series_state *ss)
{
	for (int i = 0; i < ss->nlanes; i++) {
		struct lane *ln = &ss->lanes[i];
		if (ln->heap_pos != HEAP_NONE)
			heap_remove(s, ln);
		drop_iter(s, ln);
		free(ln->pending);
	}
	if (!ss->sparse)
		free(ss->lanes);
	if (ss->series)
		s->live--;
	memset(ss, 0, sizeof(*ss));
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
	s->lane_min = DEFAULT_LANE_MIN;
	return s;
}

void
sm_sched_set_lanes(struct sm_sched *s, int min)
{
	s->lane_min = min < 0 ? 0 : min;
}

static void
unload(struct sm_sched *s)
{
	for (size_t i = 0; i < s->n; i++)
		series_clear(s, &s->st[i]);
	free(s->st);
	free(s->heap);
	free(s->free_slots);
	sm_occur_iter_free(s->spare);
	s->spare = NULL;
	s->st = NULL;
	s->heap = NULL;
	s->free_slots = NULL;
	s->n = s->cap = s->nheap = s->capheap = s->nfree = s->live = 0;
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
	s->n = s->cap = set->n;
	s->st = calloc(s->n ? s->n : 1, sizeof(*s->st));
	if (!s->st)
		abort();
	for (size_t i = 0; i < s->n; i++)
		series_setup(s, i, &set->series[i], from);
}

/* The series states moved (realloc): their inline lanes too, which the
 * heap points to. */
static void
relocate_inline_lanes(struct sm_sched *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct series_state *ss = &s->st[i];
		if (!ss->series || !ss->sparse)
			continue;
		ss->lanes = &ss->one;
		if (ss->one.heap_pos != HEAP_NONE)
			s->heap[ss->one.heap_pos] = &ss->one;
	}
}

size_t
sm_sched_add(struct sm_sched *s, const struct sm_series *ser, sm_time from)
{
	size_t idx;
	if (s->nfree > 0) {
		idx = s->free_slots[--s->nfree];
	} else {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			void *p = realloc(s->st, cap * sizeof(*s->st));
			if (!p)
				abort();
			s->st = p;
			s->cap = cap;
			relocate_inline_lanes(s);
		}
		idx = s->n++;
	}
	series_setup(s, idx, ser, from);
	return idx;
}

void
sm_sched_remove(struct sm_sched *s, size_t handle)
{
	if (handle >= s->n || !s->st[handle].series)
		return;
	series_clear(s, &s->st[handle]);
	s->free_slots = realloc(s->free_slots, (s->nfree + 1) * sizeof(size_t));
	if (!s->free_slots)
		abort();
	s->free_slots[s->nfree++] = handle;
}

void
sm_sched_rebind(struct sm_sched *s, size_t handle, const struct sm_series *ser)
{
	if (handle >= s->n || !s->st[handle].series)
		return;
	struct series_state *ss = &s->st[handle];
	ss->series = ser;
	for (int i = 0; i < ss->nlanes; i++)
		if (ss->lanes[i].it)
			sm_occur_iter_rebind(ss->lanes[i].it, ser);
}

static int
durations_equal(const struct sm_durations *a, const struct sm_durations *b)
{
	return a->n == b->n &&
	       (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

static int
strlist_equal(const struct sm_strlist *a, const struct sm_strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

int
sm_sched_config_equal(const struct sm_config *a, const struct sm_config *b)
{
	/* What config_leads, post_overdue, sm_post_platforms and the drafts
	 * rule read. */
	if (!durations_equal(&a->lead, &b->lead) || a->overdue != b->overdue ||
	    !a->fire_drafts != !b->fire_drafts ||
	    a->nplatforms != b->nplatforms)
		return 0;
	for (size_t i = 0; i < a->nplatforms; i++) {
		const struct sm_platform *x = &a->platforms[i],
					 *y = &b->platforms[i];
		if (strcmp(x->name, y->name) != 0 ||
		    !strlist_equal(&x->categories, &y->categories) ||
		    !x->lead_set != !y->lead_set ||
		    (x->lead_set && !durations_equal(&x->lead, &y->lead)) ||
		    !x->overdue_set != !y->overdue_set ||
		    (x->overdue_set && x->overdue != y->overdue))
			return 0;
	}
	return 1;
}

void
sm_sched_set_config(struct sm_sched *s, const struct sm_config *cfg)
{
	s->cfg = cfg;
}

size_t
sm_sched_skip(struct sm_sched *s, size_t handle, sm_time upto)
{
	if (handle >= s->n || !s->st[handle].series)
		return 0;
	struct series_state *ss = &s->st[handle];
	size_t dropped = 0;
	for (int i = 0; i < ss->nlanes; i++)
		wake(s, ss, &ss->lanes[i]); /* under the old `from` */
	if (ss->from <= upto)
		ss->from = upto + 1;
	for (int i = 0; i < ss->nlanes; i++) {
		struct lane *ln = &ss->lanes[i];
		ln->fresh = 0;
		int w = 0;
		for (int k = 0; k < ln->npending; k++) {
			if (ln->pending[k].at <= upto)
				dropped++;
			else
				ln->pending[w++] = ln->pending[k];
		}
		ln->npending = w;
		for (int k = w / 2; k-- > 0;)
			buffer_sift_down(ln, k);
		/* Restart scanning where events after upto begin, unless the
		 * lane is there already. */
		sm_time before = ln->scanned_until;
		lane_start(ss, ln, ss->from);
		if (ln->scanned_until != before)
			drop_iter(s, ln);
		if (!ln->exhausted)
			make_ready(s, ss, ln);
		heap_update(s, ln);
	}
	return dropped;
}

int
sm_sched_peek(const struct sm_sched *s, sm_time *at)
{
	if (s->nheap == 0)
		return 0;
	*at = lane_at(s->heap[0]);
	return 1;
}

/* Fills out from a lane's buffered event. */
static void
event_of(const struct sm_sched *s, const struct lane *ln,
	 const struct pending *p, struct sm_sched_event *out)
{
	memset(out, 0, sizeof(*out));
	out->type = (enum sm_event_type)p->type;
	out->at = p->at;
	out->lead = pending_lead(p);
	out->occ.series = s->st[ln->series].series;
	out->occ.post = p->post;
	out->occ.start = p->start;
	out->occ.end = p->start + sm_occur_length(p->post, &s->opts);
	out->occ.rid = p->rid;
	out->occ.rid_kind = (enum sm_dt_kind)p->rid_kind;
	out->series = ln->series;
	sm_event_make_id(out);
}

/* Takes the first lane's first event into *p (and its lane into *from),
 * scanning the lane on as far as its next event needs. */
static void
take_first(struct sm_sched *s, struct lane **from, struct pending *p)
{
	struct lane *ln = s->heap[0];
	*from = ln;
	wake(s, &s->st[ln->series], ln);
	ln->fresh = 0;
	*p = ln->pending[0];
	buffer_pop(ln);
	make_ready(s, &s->st[ln->series], ln);
	heap_update(s, ln);
}

int
sm_sched_pop(struct sm_sched *s, sm_time upto, struct sm_sched_event *out)
{
	if (s->nheap == 0 || lane_at(s->heap[0]) > upto)
		return 0;
	struct lane *ln;
	struct pending p;
	take_first(s, &ln, &p);
	event_of(s, ln, &p, out);
	return 1;
}

int
sm_sched_upcoming(struct sm_sched *s, struct sm_sched_event *out, int n)
{
	if (n <= 0 || s->nheap == 0)
		return 0;
	/*
	 * Taken as pop takes them, then put back.  Taking scans lanes on
	 * (their buffers grow, with events after those taken); putting an
	 * event back with its own seq restores every lane's order, so pop
	 * afterwards gives exactly what it would have.
	 */
	struct lane **lanes = malloc((size_t)n * sizeof(*lanes));
	struct pending *taken = malloc((size_t)n * sizeof(*taken));
	if (!lanes || !taken)
		abort();
	int got = 0;
	while (got < n && s->nheap > 0) {
		take_first(s, &lanes[got], &taken[got]);
		event_of(s, lanes[got], &taken[got], &out[got]);
		got++;
	}
	for (int i = got; i-- > 0;) {
		/* A lane that dozed off after a take gets its buffer back
		 * first; with the event put back it is not fresh, and stays
		 * awake. */
		wake(s, &s->st[lanes[i]->series], lanes[i]);
		lanes[i]->fresh = 0;
		buffer_insert(lanes[i], &taken[i]);
		heap_update(s, lanes[i]);
	}
	free(lanes);
	free(taken);
	return got;
}

void
sm_sched_stats(const struct sm_sched *s, struct sm_sched_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->work = s->work;
	for (size_t i = 0; i < s->n; i++) {
		const struct series_state *ss = &s->st[i];
		for (int k = 0; k < ss->nlanes; k++) {
			const struct lane *ln = &ss->lanes[k];
			out->lanes++;
			out->buffered += (size_t)ln->npending;
			if (ln->it) {
				out->iterators++;
				out->work += sm_occur_iter_work(ln->it);
			}
		}
	}
}

/* ---------------------------------------------------------------------
 * The firing cap.
 */

static uint64_t
cap_key(const struct sm_sched_event *ev)
{
	const struct sm_series *s = ev->occ.series;
	const char *uid = s->master ? s->master->uid : ev->occ.post->uid;
	uint64_t h = 1469598103934665603ULL;
	h = fnv(h, s->calendar ? s->calendar : "",
		strlen(s->calendar ? s->calendar : "") + 1);
	h = fnv(h, uid, strlen(uid) + 1);
	return h ? h : 1;
}

/* The slot of ev's series in the current minute (made when missing). */
static struct sm_cap_slot *
cap_slot(struct sm_sched_cap *c, const struct sm_sched_event *ev,
	 int64_t now_ms)
{
	int64_t minute = now_ms / 60000;
	if (minute != c->minute || !c->slots) {
		/* A new minute: every budget starts again. */
		if (c->slots)
			memset(c->slots, 0, c->nslots * sizeof(*c->slots));
		c->used = 0;
		c->minute = minute;
	}
	if (!c->slots || (c->used + 1) * 2 > c->nslots) {
		size_t n = c->nslots ? c->nslots * 2 : 64;
		struct sm_cap_slot *v = calloc(n, sizeof(*v));
		if (!v)
			abort();
		for (size_t i = 0; i < c->nslots; i++) {
			if (!c->slots[i].key)
				continue;
			size_t h = c->slots[i].key & (n - 1);
			while (v[h].key)
				h = (h + 1) & (n - 1);
			v[h] = c->slots[i];
		}
		free(c->slots);
		c->slots = v;
		c->nslots = n;
	}
	uint64_t key = cap_key(ev);
	size_t h = key & (c->nslots - 1);
	while (c->slots[h].key && c->slots[h].key != key)
		h = (h + 1) & (c->nslots - 1);
	if (!c->slots[h].key) {
		c->slots[h].key = key;
		c->used++;
	}
	return &c->slots[h];
}

enum sm_cap_verdict
sm_sched_cap_check(struct sm_sched_cap *c, const struct sm_sched_event *ev,
		   int64_t now_ms)
{
	struct sm_cap_slot *sl = cap_slot(c, ev, now_ms);
	if (sl->count < c->limit)
		return SM_CAP_OK;
	return sl->skipped++ == 0 ? SM_CAP_FIRST : SM_CAP_OVER;
}

void
sm_sched_cap_count(struct sm_sched_cap *c, const struct sm_sched_event *ev)
{
	if (!c->slots)
		return; /* never checked: nothing to count against */
	cap_slot(c, ev, c->minute * 60000)->count++;
}

void
sm_sched_cap_fini(struct sm_sched_cap *c)
{
	free(c->slots);
	c->slots = NULL;
	c->nslots = c->used = 0;
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

int
sm_sched_later_reminder(const struct sm_sched *s,
			const struct sm_sched_event *ev, sm_time from,
			sm_time upto)
{
	if (ev->type != SM_EV_REMINDER)
		return 0;
	const struct sm_post *p = ev->occ.post;
	sm_time lo = ev->at + 1 > from ? ev->at + 1 : from;
	if (p->nalarms == 0) {
		sm_time leads[MAX_LEADS];
		int n = config_leads(s->cfg, p, leads);
		for (int i = 0; i < n; i++) {
			sm_time t = ev->occ.start - leads[i];
			if (leads[i] > 0 && t >= lo && t <= upto)
				return 1;
		}
		return 0;
	}
	/* As occurrence_events buffers them: within the series' bounds. */
	sm_time before = SM_TIME_MAX, after = SM_TIME_MAX;
	if (ev->series < s->n && s->st[ev->series].series == ev->occ.series) {
		before = s->st[ev->series].before;
		after = s->st[ev->series].after;
	}
	int total = 0;
	for (int i = 0; i < p->nalarms; i++)
		total += 1 + p->alarms[i].repeat;
	sm_time *all = malloc((size_t)total * sizeof(*all));
	if (!all)
		abort();
	int n = sm_occur_alarms(&ev->occ, all, total), found = 0;
	for (int i = 0; i < n && !found; i++)
		found = all[i] >= lo && all[i] <= upto &&
			(before == SM_TIME_MAX ||
			 (all[i] >= ev->occ.start - before &&
			  all[i] <= ev->occ.start + after));
	free(all);
	return found;
}

size_t
sm_sched_size(const struct sm_sched *s)
{
	return s->live;
}
