/*
 * goalcheck: the goals of the running configuration against the store.
 * Evaluation (lib/goals over what lib/published gathers) for
 * io.smcal.Metrics.Goals and smcald --check's pace warnings; and the
 * daemon's goal.off_track, goal.achieved and goal.missed events, checked
 * daily at allday_time and right after a metric changes, each told once
 * per transition (the state is in the store, so across restarts too).
 */
#ifndef SMCALD_GOALCHECK_H
#define SMCALD_GOALCHECK_H

#include <stddef.h>
#include <stdio.h>

#include <uv.h>

#include "config.h"
#include "deliver.h"
#include "fire.h"
#include "goals.h"
#include "occur.h"
#include "published.h"
#include "store.h"
#include "world.h"

/* Every goal of a configuration evaluated at one instant. */
struct goal_results {
	struct published pub; /* the data, which e[] borrows */
	struct sm_goal_data data;
	struct sm_goal_eval *e; /* per cfg->goals[i] */
	int *valid;		/* 0: first seen after its deadline */
	sm_time *first_seen;
	size_t n;
};

/*
 * Evaluates cfg's goals at now over the posts of set (and the queue) and
 * the counts in st.  A goal without a start takes the first sighting the
 * store has (else now).  Returns 0, or -1 with err when the store cannot
 * be read.
 */
int goals_evaluate(struct goal_results *r, const struct sm_config *cfg,
		   const struct sm_series_set *set,
		   const struct sm_occur_opts *opts, struct sm_store *st,
		   sm_time now, char *err, size_t errlen);

/* Frees what r holds; a zeroed r is a no-op. */
void goals_results_free(struct goal_results *r);

/*
 * smcald --check's goal checks against the state (opened read-only when
 * state_dir has one): a goal without a start, first seen (never seen:
 * today) after its deadline, is an error; a goal that needs more than
 * three times the best weekly pace of the last two years is a warning on
 * its target's line.  Without a readable state there is no history, so
 * no pace warning.  Prints the problems to out; returns the errors.
 */
size_t goals_check(const struct sm_config *cfg, sm_time now, FILE *out);

/* The daemon's goal watcher: a wall-clock timer for the daily check at
 * allday_time (clock.c, so a suspend or a clock step does not make it
 * late), and a settle timer for changes. */
struct goalcheck {
	uv_loop_t *loop;
	struct world *const *world; /* the daemon's, read at each check */
	struct sm_store *const *store;
	struct firer *firer;
	struct deliverer *deliver;
	int fd; /* the wall-clock timer, -1 before init */
	uv_poll_t poll;
	uv_timer_t settle;
	int started, stopping;
	sm_time armed;	 /* the daily check's instant, SM_TIME_MAX: none */
	int64_t last_ms; /* how long the last check took */
	/* The configuration whose goals were recorded as seen (their first
	 * sighting), and the one a goal's problem was logged for. */
	const struct sm_config *seen_cfg, *warned_cfg;
	unsigned long fired; /* goal events told since start */
};

/* Sets up the timers on loop; nothing is checked before goalcheck_kick.
 * Returns 0, or -1 (no timerfd) with errno. */
int goalcheck_init(struct goalcheck *g, uv_loop_t *loop,
		   struct world *const *world, struct sm_store *const *store,
		   struct firer *firer, struct deliverer *deliver);

/* The goals may have changed status (a load or reload, a metric recorded):
 * check them soon, in one of the loop's next turns.  NULL, or a goalcheck
 * not started, is a no-op. */
void goalcheck_kick(struct goalcheck *g);

/* Stops the timers (the loop must run to close them). */
void goalcheck_fini(struct goalcheck *g);

#endif
