/*
 * goalcheck: evaluating the configured goals over the store's data, and
 * (below) the goal.* events.
 */
#include "goalcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "metricstore.h"

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

void
goalcheck_kick(struct goalcheck *g)
{
	if (!g)
		return;
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
		if (sm_calendar_load_file(&cals[i], cfg->calendars[i].path,
					  &ignored) == 0)
			sm_occur_index(&set, &cals[i], &opts, &ignored);
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
