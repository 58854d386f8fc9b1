/*
 * plan: the daemon's side of the posting plan (SPEC section 7): when to
 * look at the cadence, what the calendars hold for it, and which alerts to
 * tell.  lib/cadence decides (periods, report, alert state machine, the
 * next instant the answer can change); this file gathers the posts and
 * their done marks, keeps the alert states in the store, fires what is due
 * through the alert path (fire.h, alert_fire) and arms a wall-clock timer
 * (clock.c) for the next instant: no polling, nothing wakes the process
 * when no answer can change.
 *
 * When it looks: after the first load and every reload (plan_changed), at
 * the timer's instants (a gap's notice, a period falling behind, the end
 * of the current period), after a clock step, and when a change through the
 * socket may change the answer (an add, a cancel, a done mark: the
 * queue's `changed` calls plan_changed).  Changes that come together are looked at
 * once: plan_changed waits twice the last evaluation's time (0 for small
 * calendars), so a burst of adds costs the loop at most a third of its
 * time.
 *
 * Alert states are daemon facts ("cadence.gap:PLATFORM:LABEL", one packed
 * integer, sm_cadence_alert_pack) read in one query and written in the
 * transaction that records the events they describe; states of periods
 * that have ended are deleted there too.
 */
#ifndef SMCALD_PLAN_H
#define SMCALD_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "cadence.h"
#include "deliver.h"
#include "fire.h"
#include "queued.h"
#include "store.h"
#include "world.h"

struct plan {
	uv_loop_t *loop;
	struct world *const *world; /* the daemon's, read at each look */
	const struct queued *queue; /* the post queue (may be NULL) */
	struct sm_store *const *store;
	struct firer *firer;
	struct deliverer *deliver;
	int fd; /* the wall-clock timer, -1 before init */
	uv_poll_t poll;
	uv_timer_t settle; /* changes looked at together */
	int started, stopping;
	sm_time armed;	 /* the timer's instant, SM_TIME_MAX: disarmed */
	int64_t last_ms; /* how long the last look took */
	/* The last look, for io.smcal.Status. */
	int looked;
	size_t short_platforms; /* short in the current or a coming period */
	unsigned long fired;	/* alerts told since start */
};

/* Sets up the timer and the settle timer on loop; nothing is looked at
 * before plan_changed.  Returns 0 or -1 (no timerfd) with errno. */
int plan_init(struct plan *p, uv_loop_t *loop, struct world *const *world,
	      const struct queued *queue, struct sm_store *const *store,
	      struct firer *firer, struct deliverer *deliver);

/* The data or the config changed: look again soon (in this loop's next
 * turns, after the settle time). */
void plan_changed(struct plan *p);

/* Looks now: reports, fires what is due, stores the states, re-arms. */
void plan_check(struct plan *p);

/* Stops the timers (the loop must run to close them). */
void plan_fini(struct plan *p);

/*
 * Appends to out the occurrences of every series set of w (the calendars)
 * and of the queue's posts (queue may be NULL) publishing in [from, to),
 * with their done marks, and the calendar occurrences cancelled through
 * the socket flagged cancelled, read from st in one query each.  Returns
 * 0, or -1 when the store failed (out then has the posts, none marked).
 */
int plan_gather(const struct world *w, const struct queued *queue,
		struct sm_store *st, sm_time from, sm_time to,
		struct sm_cadence_posts *out);

#endif
