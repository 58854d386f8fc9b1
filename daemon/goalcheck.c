/*
 * goalcheck: evaluating the configured goals over the store's data, and
 * (below) the goal.* events.
 */
#include "goalcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
