/*
 * goalcheck: evaluating the configured goals over the store's data, the
 * goal.* events, and smcald --check's goal checks.
 *
 * The events: each check evaluates every goal (goals_evaluate), steps its
 * stored state with the status (sm_goal_step: entering off_track,
 * achieved or missed tells once; on_track clears what was told), and
 * fires what is new through the alert path (alert.c: ledger, event log,
 * routing by the goal's platform, signed deliveries), the states written
 * in the events' transaction.  Event ids come from the goal, its span and
 * the firing's number, so a check repeated after a crash, before its
 * states were stored, finds them in the ledger and tells nothing twice.
 * A state belongs to a span: a goal given another start begins again.
 */
#include "goalcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "calendar.h"
#include "clock.h"
#include "log.h"
#include "metricstore.h"

/* A failed check (the database) is tried again this much later. */
#define RETRY_S 60
/* The longest wait before a change is looked at. */
#define SETTLE_MAX_MS 2000

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

int
goals_evaluate(struct goal_results *r, const struct sm_config *cfg,
	       const struct sm_series_set *set,
	       const struct sm_occur_opts *opts, struct sm_store *st,
	       sm_time now, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->n = cfg->ngoals;
	r->e = xcalloc(r->n, sizeof(*r->e));
	r->valid = xcalloc(r->n, sizeof(*r->valid));
	r->first_seen = xcalloc(r->n, sizeof(*r->first_seen));
	const struct sm_tz *zone = opts ? opts->zone : NULL;
	sm_time from = now;
	for (size_t i = 0; i < r->n; i++) {
		const struct sm_goal *g = &cfg->goals[i];
		struct sm_mstore_goal sg;
		int got = st ? sm_metricstore_goal_get(st, g->name, &sg) : 0;
		if (got < 0) {
			snprintf(err, errlen, "the state database: %s",
				 sm_store_error(st));
			return -1;
		}
		r->first_seen[i] = got ? sg.first_seen : now;
		sm_time start, end;
		r->valid[i] = sm_goal_span(g, zone, r->first_seen[i], &start,
					   &end) == 0;
		if (r->valid[i] && start < from)
			from = start;
	}
	if (r->n == 0)
		return 0;
	if (st && (published_gather(&r->pub, cfg, set, opts, st, from, now + 1,
				    err, errlen) < 0 ||
		   published_load_followers(&r->pub, st, err, errlen) < 0))
		return -1;
	r->data.posts = r->pub.posts;
	r->data.nposts = r->pub.nposts;
	r->data.followers = r->pub.followers;
	r->data.nfollowers = r->pub.nfollowers;
	for (size_t i = 0; i < r->n; i++)
		r->valid[i] =
			sm_goal_evaluate(&r->e[i], &cfg->goals[i], zone,
					 r->first_seen[i], &r->data, now) == 0;
	return 0;
}

void
goals_results_free(struct goal_results *r)
{
	published_free(&r->pub);
	free(r->e);
	free(r->valid);
	free(r->first_seen);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------------
 * The goal.* events.
 */

/* What to store for one goal after a check. */
struct goal_write {
	const char *name;
	sm_time span_start;
	int64_t state;
};

struct goal_writes {
	struct goal_write *v;
	size_t n;
};

static int
write_goal_states(void *ctx, struct sm_store *st)
{
	const struct goal_writes *w = ctx;
	sm_time now = (sm_time)(wallclock_now_ms() / 1000);
	for (size_t i = 0; i < w->n; i++)
		if (sm_metricstore_goal_set(st, w->v[i].name,
					    w->v[i].span_start, w->v[i].state,
					    now) < 0)
			return -1;
	return 0;
}

/* Records the first sighting of each goal of cfg (once per config). */
static int
see_goals(struct goalcheck *g, const struct sm_config *cfg, sm_time now)
{
	struct sm_store *st = *g->store;
	if (g->seen_cfg == cfg)
		return 0;
	deliver_flush(g->deliver);
	int ok = sm_store_begin(st) == 0;
	for (size_t i = 0; ok && i < cfg->ngoals; i++)
		ok = sm_metricstore_goal_seen(st, cfg->goals[i].name, now,
					      NULL) == 0;
	if (ok)
		ok = sm_store_commit(st) == 0;
	else
		sm_store_rollback(st);
	if (!ok) {
		log_error("goals: the state database: %s", sm_store_error(st));
		return -1;
	}
	g->seen_cfg = cfg;
	return 0;
}

static void
arm(struct goalcheck *g, sm_time at)
{
	g->armed = at;
	if (at == SM_TIME_MAX)
		wallclock_disarm(g->fd);
	else
		wallclock_arm(g->fd, at);
}

/* Evaluates every goal at now_ms, tells what entered a status since it was
 * last told (scheduled at `at`: the daily instant, or now), stores the
 * states with the events, and arms the next daily check. */
static void
check(struct goalcheck *g, sm_time at)
{
	if (g->stopping)
		return;
	const struct world *w = *g->world;
	const struct sm_config *cfg = w->cfg;
	struct sm_store *st = *g->store;
	int64_t now_ms = wallclock_now_ms();
	sm_time now = now_ms / 1000;
	if (cfg->ngoals == 0) {
		arm(g, SM_TIME_MAX);
		return;
	}
	if (see_goals(g, cfg, now) < 0) {
		arm(g, now + RETRY_S);
		return;
	}
	char err[512];
	struct goal_results r;
	if (goals_evaluate(&r, cfg, &w->set, &w->opts, st, now, err,
			   sizeof(err)) < 0) {
		log_error("goals: %s", err);
		goals_results_free(&r);
		arm(g, now + RETRY_S);
		return;
	}
	struct sm_alert *alerts = calloc(r.n + 1, sizeof(*alerts));
	struct goal_write *writes = calloc(r.n + 1, sizeof(*writes));
	if (!alerts || !writes)
		abort();
	size_t na = 0, nw = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct sm_goal *goal = &cfg->goals[i];
		if (!r.valid[i]) {
			if (g->warned_cfg != cfg)
				log_error("goal %s has no start and was first "
					  "seen after its deadline: it is not "
					  "checked (give it a start)",
					  goal->name);
			continue;
		}
		const struct sm_goal_eval *e = &r.e[i];
		struct sm_mstore_goal stored;
		int got = sm_metricstore_goal_get(st, goal->name, &stored);
		if (got < 0) {
			log_error("goals: the state database: %s",
				  sm_store_error(st));
			continue;
		}
		struct sm_goal_state s = {0};
		/* A state belongs to one span: a goal given a new start
		 * begins again. */
		if (got && stored.span_start == e->start)
			sm_goal_state_unpack(stored.state, &s);
		unsigned type = sm_goal_step(&s, e->status);
		int64_t packed = sm_goal_state_pack(&s);
		if (type) {
			char id[SM_GOAL_ID_LEN];
			sm_goal_event_id(e, type, &s, id);
			sm_alert_goal(&alerts[na++], type, id, e, at, now_ms);
		}
		if (type || !got || stored.span_start != e->start ||
		    stored.state != packed)
			writes[nw++] = (struct goal_write){goal->name, e->start,
							   packed};
	}
	g->warned_cfg = cfg;
	struct goal_writes gw = {writes, nw};
	long fired = 0;
	if (na || nw) {
		deliver_flush(g->deliver);
		fired = alert_fire_with(g->firer, w, alerts, na,
					write_goal_states, &gw, now_ms);
	}
	for (size_t i = 0; i < na; i++)
		sm_alert_free(&alerts[i]);
	free(alerts);
	free(writes);
	goals_results_free(&r);
	g->last_ms = wallclock_now_ms() - now_ms;
	if (fired < 0) {
		arm(g, now + RETRY_S); /* nothing was recorded: again soon */
		return;
	}
	if (fired > 0) {
		g->fired += (unsigned long)fired;
		deliver_kick(g->deliver);
	}
	arm(g, sm_goal_next_check(w->opts.zone, cfg->allday_time, now));
}

static void
on_clock(uv_poll_t *h, int status, int events)
{
	struct goalcheck *g = h->data;
	(void)events;
	if (status < 0)
		return;
	int stepped = wallclock_ack(g->fd) == 1;
	sm_time now = wallclock_now_ms() / 1000;
	/* The daily check's instant, unless the clock was set: then now. */
	sm_time at = !stepped && g->armed <= now ? g->armed : now;
	check(g, at);
}

static void
on_settle(uv_timer_t *t)
{
	struct goalcheck *g = t->data;
	check(g, wallclock_now_ms() / 1000);
}

int
goalcheck_init(struct goalcheck *g, uv_loop_t *loop, struct world *const *world,
	       struct sm_store *const *store, struct firer *firer,
	       struct deliverer *deliver)
{
	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->world = world;
	g->store = store;
	g->firer = firer;
	g->deliver = deliver;
	g->armed = SM_TIME_MAX;
	g->fd = wallclock_open();
	if (g->fd < 0)
		return -1;
	uv_poll_init(loop, &g->poll, g->fd);
	g->poll.data = g;
	uv_poll_start(&g->poll, UV_READABLE, on_clock);
	uv_timer_init(loop, &g->settle);
	g->settle.data = g;
	g->started = 1;
	return 0;
}

void
goalcheck_kick(struct goalcheck *g)
{
	if (!g || !g->started || g->stopping)
		return;
	/* Changes that come together are looked at once: wait twice the
	 * last check's time, so a burst of recordings costs the loop at most
	 * a third of its time. */
	if (uv_is_active((uv_handle_t *)&g->settle))
		return;
	int64_t wait = 2 * g->last_ms;
	uv_timer_start(&g->settle, on_settle,
		       (uint64_t)(wait > SETTLE_MAX_MS ? SETTLE_MAX_MS : wait),
		       0);
}

static void
on_closed(uv_handle_t *h)
{
	struct goalcheck *g = h->data;
	if (h == (uv_handle_t *)&g->poll && g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
}

void
goalcheck_fini(struct goalcheck *g)
{
	if (!g->started || g->stopping)
		return;
	g->stopping = 1;
	uv_timer_stop(&g->settle);
	uv_close((uv_handle_t *)&g->settle, on_closed);
	uv_poll_stop(&g->poll);
	uv_close((uv_handle_t *)&g->poll, on_closed);
}

/* ---------------------------------------------------------------------
 * smcald --check.
 */

/* How far back --check looks for the best week so far. */
#define PACE_HISTORY (2 * 366 * (sm_time)SM_DAY)

size_t
goals_check(const struct sm_config *cfg, sm_time now, FILE *out)
{
	if (cfg->ngoals == 0)
		return 0;
	struct sm_diag_list d = {0};
	const struct sm_tz *zone = sm_calendar_system_zone(cfg->timezone);
	struct sm_occur_opts opts = {zone, (sm_time)cfg->allday_time * 60};
	char err[1024];
	struct sm_store *st = NULL;
	int rc = sm_store_open_readonly(cfg->state_dir, &st, err, sizeof(err));
	if (rc < 0 && rc != -ENOENT)
		sm_diag_add(&d, SM_WARNING, cfg->path, 0,
			    "cannot read the state to check the goals' pace "
			    "(%s)",
			    err);
	if (st && sm_store_schema_version(st) < 6) {
		/* A daemon of before KPIs: no values, no sightings. */
		sm_store_close(st);
		st = NULL;
	}
	/* The calendars, for the posts the values belong to. */
	struct sm_calendar *cals = calloc(cfg->ncalendars + 1, sizeof(*cals));
	struct sm_series_set set = {0};
	if (!cals)
		abort();
	for (size_t i = 0; st && i < cfg->ncalendars; i++) {
		struct sm_diag_list ignored = {0};
		sm_calendar_init(&cals[i], cfg->calendars[i].name);
		/* Floating times in the calendar's own zone. */
		struct sm_occur_opts co = opts;
		const struct sm_tz *cz =
			sm_calendar_system_zone(cfg->calendars[i].timezone);
		if (cz)
			co.zone = cz;
		if (sm_calendar_load_file(&cals[i], cfg->calendars[i].path,
					  &ignored) == 0)
			sm_occur_index(&set, &cals[i], &co, &ignored);
		sm_diag_clear(&ignored);
	}
	struct goal_results r = {0};
	struct published hist = {0};
	int have = st &&
		   goals_evaluate(&r, cfg, &set, &opts, st, now, err,
				  sizeof(err)) == 0 &&
		   published_gather(&hist, cfg, &set, &opts, st,
				    now - PACE_HISTORY, now + 1, err,
				    sizeof(err)) == 0 &&
		   published_load_followers(&hist, st, err, sizeof(err)) == 0;
	if (st && !have)
		sm_diag_add(&d, SM_WARNING, cfg->path, 0,
			    "cannot read the state to check the goals' pace "
			    "(%s)",
			    err);
	struct sm_goal_data data = {hist.posts, hist.nposts, hist.followers,
				    hist.nfollowers};
	for (size_t i = 0; i < cfg->ngoals; i++) {
		const struct sm_goal *g = &cfg->goals[i];
		sm_time first = have ? r.first_seen[i] : now, start, end;
		if (sm_goal_span(g, zone, first, &start, &end) < 0) {
			char day[32], dl[32];
			sm_time local =
				zone ? sm_tz_to_local(zone, first) : first;
			sm_civil_format(local, SM_CIVIL_DATE, day, sizeof(day));
			sm_civil_format(g->deadline, SM_CIVIL_DATE, dl,
					sizeof(dl));
			sm_diag_add(&d, SM_ERROR, cfg->path, g->line,
				    "[goal:%s] has no start and is first seen "
				    "on %s, after its deadline %s: give it a "
				    "start (start = YYYY-MM-DD) or a later "
				    "deadline",
				    g->name, day, dl);
			continue;
		}
		double best, needed;
		char msg[256];
		if (have &&
		    sm_goal_best_week(g, &data, zone, cfg->week_start, now,
				      &best) == 0 &&
		    sm_goal_pace_check(g, start, end, best, &needed, msg,
				       sizeof(msg)))
			sm_diag_add(&d, SM_WARNING, cfg->path, g->target_line,
				    "[goal:%s] target: %s: is it realistic?",
				    g->name, msg);
	}
	sm_diag_print(&d, out);
	size_t errors = d.nerrors;
	sm_diag_clear(&d);
	published_free(&hist);
	goals_results_free(&r);
	sm_occur_set_free(&set);
	for (size_t i = 0; st && i < cfg->ncalendars; i++)
		sm_calendar_fini(&cals[i]);
	free(cals);
	sm_store_close(st);
	return errors;
}
