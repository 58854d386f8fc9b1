/*
 * plan: looking at the cadence (see plan.h).
 *
 * One look: the report of every platform with a plan in its own unit over
 * the current and the next `lookahead` periods (sm_cadence_span,
 * plan_gather, sm_cadence_report_build), the alert states of the store
 * (one query), sm_cadence_alerts, then one alert_fire with the events to
 * tell and every state that changed, and the timer armed for the next
 * instant sm_cadence_alerts gives.
 *
 * Done marks: sm_cadence_gather asks about each non-cancelled occurrence
 * just before it appends it, so the answer is put off: each question is
 * kept as (index, 64-bit hash of calendar, UID and identity), with the
 * smallest and largest identity asked; one query then reads the marks in
 * that identity range, and the occurrences whose hash is among them are
 * flagged done.  A second query reads the calendar occurrences cancelled
 * through the socket in the same range: those are flagged cancelled.  An override moved weeks away from its original date is
 * asked under its identity like any other, so the range holds it.
 */
#include "plan.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "clock.h"
#include "log.h"

#define RETRY_S 5
#define SETTLE_MAX_MS 1000
#define KEY_PREFIX "cadence."

/* ---------------------------------------------------------------------
 * Gathering.
 */

struct done_ask {
	size_t index; /* into the posts list */
	uint64_t hash;
};

struct done_ctx {
	struct sm_cadence_posts *l;
	struct done_ask *v;
	size_t n, cap;
	char lo[48], hi[48]; /* the identity range asked */
	uint64_t *set;	     /* open addressing, 0 = empty */
	size_t set_cap;
};

static uint64_t
hash3(const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i];
		     p && *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff; /* a separator no UTF-8 text holds */
		h *= 1099511628211ULL;
	}
	return h ? h : 1; /* 0 marks an empty slot */
}

static int
ask_done(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	struct done_ctx *dc = ctx;
	if (dc->n == dc->cap) {
		dc->cap = dc->cap ? dc->cap * 2 : 1024;
		dc->v = realloc(dc->v, dc->cap * sizeof(*dc->v));
		if (!dc->v)
			abort();
	}
	/* sm_cadence_gather appends this occurrence right after asking. */
	dc->v[dc->n].index = dc->l->n;
	dc->v[dc->n].hash = hash3(calendar, uid, rid);
	if (dc->n == 0 || strcmp(rid, dc->lo) < 0)
		snprintf(dc->lo, sizeof(dc->lo), "%s", rid);
	if (dc->n == 0 || strcmp(rid, dc->hi) > 0)
		snprintf(dc->hi, sizeof(dc->hi), "%s", rid);
	dc->n++;
	return 0;
}

static void
set_add(struct done_ctx *dc, uint64_t h)
{
	size_t mask = dc->set_cap - 1, i = (size_t)h & mask;
	while (dc->set[i] && dc->set[i] != h)
		i = (i + 1) & mask;
	dc->set[i] = h;
}

static int
set_has(const struct done_ctx *dc, uint64_t h)
{
	size_t mask = dc->set_cap - 1, i = (size_t)h & mask;
	while (dc->set[i]) {
		if (dc->set[i] == h)
			return 1;
		i = (i + 1) & mask;
	}
	return 0;
}

struct mark_list {
	uint64_t *v;
	size_t n, cap;
};

static void
collect_mark(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	struct mark_list *m = ctx;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			abort();
	}
	m->v[m->n++] = hash3(calendar, uid, rid);
}

struct queue_walk {
	struct sm_cadence_posts *out;
	const struct world *w;
	sm_time from, to;
	struct done_ctx *dc;
};

static int
gather_queued(void *ctx, const struct sm_series *series)
{
	struct queue_walk *qw = ctx;
	sm_cadence_gather_series(qw->out, qw->w->cfg, series, &qw->w->opts,
				 qw->from, qw->to, ask_done, qw->dc);
	return 0;
}

/* The set of the hashes of the rows listed: done marks, cancellations. */
static int
read_set(struct sm_store *st, const struct done_ctx *dc,
	 int (*list)(struct sm_store *, const char *, const char *,
		     void (*)(void *, const char *, const char *, const char *),
		     void *),
	 struct done_ctx *set)
{
	struct mark_list marks = {0};
	if (list(st, dc->lo, dc->hi, collect_mark, &marks) < 0) {
		free(marks.v);
		return -1;
	}
	set->set_cap = 16;
	while (set->set_cap < 2 * marks.n)
		set->set_cap *= 2;
	set->set = calloc(set->set_cap, sizeof(*set->set));
	if (!set->set)
		abort();
	for (size_t i = 0; i < marks.n; i++)
		set_add(set, marks.v[i]);
	free(marks.v);
	return 0;
}

int
plan_gather(const struct world *w, const struct queued *queue,
	    struct sm_store *st, sm_time from, sm_time to,
	    struct sm_cadence_posts *out)
{
	struct done_ctx dc = {.l = out};
	/* Every series set of the world (the calendars), then the queue's
	 * posts, each a series of its own. */
	const struct sm_series_set *sets[] = {&w->set};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		sm_cadence_gather(out, w->cfg, sets[i], &w->opts, from, to,
				  ask_done, &dc);
	if (queue) {
		struct queue_walk qw = {out, w, from, to, &dc};
		queued_each_series(queue, gather_queued, &qw);
	}
	int rc = 0;
	if (dc.n > 0) {
		/* Done marks, and calendar occurrences cancelled through the
		 * socket (smctl cancel UID --occurrence), which no longer
		 * count as scheduled. */
		struct done_ctx done = {0}, gone = {0};
		if (read_set(st, &dc, sm_store_list_done, &done) < 0 ||
		    read_set(st, &dc, sm_store_list_cancelled, &gone) < 0) {
			rc = -1;
		} else {
			for (size_t i = 0; i < dc.n; i++) {
				uint16_t *flags = &out->v[dc.v[i].index].flags;
				if (set_has(&gone, dc.v[i].hash))
					*flags = SM_CADENCE_CANCELLED;
				else if (set_has(&done, dc.v[i].hash))
					*flags |= SM_CADENCE_DONE;
			}
		}
		free(done.set);
		free(gone.set);
	}
	free(dc.v);
	return rc;
}

/* ---------------------------------------------------------------------
 * Alert states.
 */

struct state_row {
	char *key;
	int64_t value;
	int seen; /* a row of this look names it */
};

struct states {
	struct state_row *v;
	size_t n, cap;
};

static void
collect_state(void *ctx, const char *key, int64_t value)
{
	struct states *s = ctx;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n].key = strdup(key);
	if (!s->v[s->n].key)
		abort();
	s->v[s->n].value = value;
	s->v[s->n].seen = 0;
	s->n++;
}

static int
cmp_state_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct state_row *)e)->key);
}

/* The store's rows come in key order: a binary search finds one. */
static void
get_state(void *ctx, const char *key, struct sm_cadence_alert *st)
{
	struct states *s = ctx;
	struct state_row *r =
		s->n ? bsearch(key, s->v, s->n, sizeof(*s->v), cmp_state_key)
		     : NULL;
	st->sent = st->recovered = 0;
	if (r) {
		r->seen = 1;
		sm_cadence_alert_unpack(r->value, st);
	}
}

static void
states_free(struct states *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * Whether a stored state is of a period that has ended: its key is
 * "TYPE:PLATFORM:LABEL", and the platform's current period in its plan's
 * unit has a later label of the same form (labels of one unit sort as
 * their periods do).  A platform that left the config or changed its
 * unit keeps its states (a unit changed back finds them again).
 */
static int
state_is_past(const char *key, const struct sm_cadence_report *r)
{
	const char *c1 = strchr(key, ':');
	const char *c2 = c1 ? strrchr(key, ':') : NULL;
	if (!c1 || c2 == c1)
		return 0;
	size_t plen = (size_t)(c2 - c1 - 1);
	const char *label = c2 + 1;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct sm_cadence_row *row = &r->rows[i];
		if (row->offset != 0 ||
		    row->period.unit != row->platform->cadence.unit ||
		    strlen(row->platform->name) != plen ||
		    strncmp(row->platform->name, c1 + 1, plen) != 0)
			continue;
		return strlen(label) == strlen(row->period.label) &&
		       strcmp(label, row->period.label) < 0;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Looking.
 */

static void
arm(struct plan *p, sm_time at)
{
	p->armed = at;
	if (at == SM_TIME_MAX)
		wallclock_disarm(p->fd);
	else
		wallclock_arm(p->fd, at);
}

static int
any_plan(const struct sm_config *cfg)
{
	for (size_t i = 0; i < cfg->nplatforms; i++)
		if (cfg->platforms[i].cadence.unit != SM_CADENCE_NONE)
			return 1;
	return 0;
}

/* Fires dues (the events of those with fire set) with every changed
 * state and the deletions; returns what alert_fire returns. */
static long
tell(struct plan *p, const struct world *w, const struct sm_cadence_due *due,
     size_t ndue, struct states *stored, const struct sm_cadence_report *rep,
     int64_t now_ms)
{
	size_t nfire = 0, nst = 0;
	for (size_t i = 0; i < ndue; i++)
		nfire += due[i].fire != 0;
	struct sm_alert *alerts = calloc(nfire + 1, sizeof(*alerts));
	struct alert_state *sts = calloc(ndue + stored->n + 1, sizeof(*sts));
	if (!alerts || !sts)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < ndue; i++) {
		if (due[i].fire)
			sm_alert_cadence(&alerts[k++], &due[i], now_ms);
		sts[nst].key = due[i].key;
		sts[nst].value = sm_cadence_alert_pack(&due[i].state);
		nst++;
	}
	for (size_t i = 0; i < stored->n; i++)
		if (!stored->v[i].seen &&
		    state_is_past(stored->v[i].key, rep)) {
			sts[nst].key = stored->v[i].key;
			sts[nst].remove = 1;
			nst++;
		}
	long n = nfire + nst == 0 ? 0
				  : alert_fire(p->firer, w, alerts, nfire, sts,
					       nst, now_ms);
	for (size_t i = 0; i < nfire; i++)
		sm_alert_free(&alerts[i]);
	free(alerts);
	free(sts);
	return n;
}

void
plan_check(struct plan *p)
{
	if (p->stopping || p->fd < 0)
		return;
	uv_timer_stop(&p->settle);
	const struct world *w = *p->world;
	struct sm_store *st = *p->store;
	const struct queued *queue = p->queue;
	int64_t t0 = wallclock_now_ms(), now_ms = t0;
	sm_time now = now_ms / 1000;
	if (!w || !st)
		return;
	p->looked = 1;
	if (!any_plan(w->cfg)) {
		p->short_platforms = 0;
		arm(p, SM_TIME_MAX);
		return;
	}
	struct sm_cadence_opts o = {
		.zone = w->opts.zone,
		.unit = SM_CADENCE_NONE,
		.now = now,
	};
	sm_time from, to;
	sm_cadence_span(w->cfg, &o, &from, &to);
	struct sm_cadence_posts posts = {0};
	struct sm_cadence_report rep = {0};
	struct states stored = {0};
	struct sm_cadence_due *due = NULL;
	sm_time next = SM_TIME_MAX;
	size_t ndue = 0;
	long n = -1;
	if (plan_gather(w, queue, st, from, to, &posts) == 0 &&
	    sm_cadence_report_build(&rep, w->cfg, &o, &posts) == 0 &&
	    sm_store_list_facts(st, KEY_PREFIX, collect_state, &stored) >= 0) {
		ndue = sm_cadence_alerts(&rep, get_state, &stored, &due, &next);
		/* The deliverer's open batch first: this transaction must be
		 * the outermost, so that its commit makes the events count. */
		deliver_flush(p->deliver);
		n = tell(p, w, due, ndue, &stored, &rep, now_ms);
		if (n >= 0)
			p->short_platforms = sm_cadence_short_platforms(&rep);
	}
	size_t nposts = posts.n;
	free(due);
	states_free(&stored);
	sm_cadence_report_free(&rep);
	sm_cadence_posts_free(&posts);
	/* A look of a large calendar allocates megabytes for a moment: give
	 * them back, or every look would look like growth. */
	malloc_trim(0);
	p->last_ms = wallclock_now_ms() - t0;
	if (n < 0) {
		log_error("cadence: %s; looking again in %ds",
			  sm_store_error(st), RETRY_S);
		arm(p, now + RETRY_S);
		return;
	}
	arm(p, next);
	p->fired += (unsigned long)n;
	if (n > 0)
		deliver_kick(p->deliver);
	char when[SM_TZ_RFC3339_MAX] = "none";
	if (next != SM_TIME_MAX)
		log_time(next, when);
	log_debug("cadence: %zu platform%s short; %zu alert state%s changed, "
		  "%ld told; %zu occurrence%s looked at in %lld ms; next look "
		  "%s",
		  p->short_platforms, PLURAL(p->short_platforms), ndue,
		  PLURAL(ndue), n, nposts, PLURAL(nposts),
		  (long long)p->last_ms, when);
}

static void
on_timer(uv_poll_t *h, int status, int events)
{
	struct plan *p = h->data;
	(void)events;
	if (status < 0) {
		log_error("cadence timer: %s", uv_strerror(status));
		return;
	}
	wallclock_ack(p->fd); /* an instant or a clock step: look again */
	plan_check(p);
}

static void
on_settle(uv_timer_t *t)
{
	plan_check(t->data);
}

int
plan_init(struct plan *p, uv_loop_t *loop, struct world *const *world,
	  const struct queued *queue, struct sm_store *const *store,
	  struct firer *firer, struct deliverer *deliver)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->world = world;
	p->queue = queue;
	p->store = store;
	p->firer = firer;
	p->deliver = deliver;
	p->armed = SM_TIME_MAX;
	p->fd = wallclock_open();
	if (p->fd < 0)
		return -1;
	uv_poll_init(loop, &p->poll, p->fd);
	p->poll.data = p;
	uv_poll_start(&p->poll, UV_READABLE, on_timer);
	uv_timer_init(loop, &p->settle);
	p->settle.data = p;
	p->started = 1;
	return 0;
}

void
plan_changed(struct plan *p)
{
	if (!p->started || p->stopping ||
	    uv_is_active((uv_handle_t *)&p->settle))
		return;
	int64_t wait = 2 * p->last_ms;
	uv_timer_start(&p->settle, on_settle,
		       (uint64_t)(wait > SETTLE_MAX_MS ? SETTLE_MAX_MS : wait),
		       0);
}

static void
on_closed(uv_handle_t *h)
{
	struct plan *p = h->data;
	if (h == (uv_handle_t *)&p->poll && p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

void
plan_fini(struct plan *p)
{
	if (!p->started || p->stopping)
		return;
	p->stopping = 1;
	uv_poll_stop(&p->poll);
	uv_close((uv_handle_t *)&p->poll, on_closed);
	uv_close((uv_handle_t *)&p->settle, on_closed);
}
