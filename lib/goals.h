/*
 * goals: SMART goals against what was recorded (SPEC section 8).  Pure: the
 * caller passes the goal, the zone, the posts with their metrics, the
 * followers counts, the time and the stored state; nothing here reads a
 * clock, the store or a socket.
 *
 * Span.  A goal runs from the start of its `start` day (default: the day
 * the daemon first saw it, which the daemon remembers) to the end of its
 * `deadline` day, in the configured zone: [start, end).
 *
 * Value at t.  Counts (per-post metrics and posts) add up: the baseline
 * plus the sum over the goal's posts published in [start, t) (a count's
 * baseline is what it starts from, usually 0).  Rates are ratios of those
 * sums (lib/metrics: engagement / reach, ...), unknown while no post has
 * both terms.  Followers take the latest count recorded at or before t
 * (with `platform = all`, the sum of each platform's latest), unknown
 * while none is recorded.  A post is the goal's when it is on its platform
 * (any, for all) and carries its type and campaign when the goal names
 * them.  After the deadline, t is the end.
 *
 * Path.  The expected value is the straight line from the baseline at the
 * start to the target at the end.  The projection extrapolates the change
 * since the start at the current pace to the end (a rate projects as
 * itself).
 *
 * Status.  Before the end: `achieved` once a count or followers reach the
 * target (a rate is judged at the deadline only: a week of luck is not an
 * achieved rate); `off_track` when the value lags the line by more than
 * `tolerance` times the whole change from baseline to target (so a goal
 * from 1000 to 1200 followers with 10% is off track 20 followers behind
 * the line; lagging means below it for a rising goal, above it for one that
 * aims lower); else `on_track`, also while the value is unknown and before
 * the start.  From the end: `achieved` when the value at the end reached
 * the target, else `missed`.  Late data can still change that (metrics of
 * the span recorded after the deadline).
 *
 * Events.  The daemon checks goals daily at `allday_time` and right after
 * a metric changes; `goal.off_track`, `goal.achieved` and `goal.missed`
 * fire when a goal enters that status, once: the stored state remembers
 * the last status told, and only a goal seen on_track since (recovered)
 * or in another status fires again.
 *
 * Pace.  `smcald --check` warns when a goal needs more than three times the
 * best weekly pace seen so far: for counts and followers the change per
 * week from baseline to target against the best weekly gain in the data;
 * for rates the target against the best weekly rate.
 */
#ifndef SM_GOALS_H
#define SM_GOALS_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "config.h"
#include "jsonw.h"
#include "metrics.h"
#include "tz.h"

enum sm_goal_status {
	SM_GOAL_ON_TRACK,
	SM_GOAL_OFF_TRACK,
	SM_GOAL_ACHIEVED,
	SM_GOAL_MISSED,
};

/* "on_track", "off_track", "achieved" or "missed". */
const char *sm_goal_status_name(enum sm_goal_status status);

/* What goals are measured on.  Borrowed. */
struct sm_goal_data {
	const struct sm_metrics_post *posts; /* published occurrences */
	size_t nposts;
	const struct sm_metrics_followers *followers; /* in any order */
	size_t nfollowers;
};

/*
 * The goal's span [*start, *end) in zone (NULL: UTC): from the start of its
 * start day (of first_seen's local day when the config gives no start) to
 * the end of its deadline day.  Returns 0, or -1 when the deadline is
 * before the start (a goal first seen after its deadline is not SMART
 * either: the daemon reports it like --check does).
 */
int sm_goal_span(const struct sm_goal *g, const struct sm_tz *zone,
		 sm_time first_seen, sm_time *start, sm_time *end);

/* 1 when post p counts for goal g (platform, type and campaign), else 0. */
int sm_goal_matches(const struct sm_goal *g, const struct sm_metrics_post *p);

/*
 * The goal's value at t (clamped to [start, end]): 1 and *out when known,
 * else 0.  *nposts (may be NULL) is the number of the goal's posts counted.
 */
int sm_goal_value(const struct sm_goal *g, sm_time start, sm_time end,
		  sm_time t, const struct sm_goal_data *d, double *out,
		  int *nposts);

/* The straight line from baseline at start to target at end, at t (clamped
 * to the span). */
double sm_goal_expected(const struct sm_goal *g, sm_time start, sm_time end,
			sm_time t);

/* A goal evaluated at one instant. */
struct sm_goal_eval {
	const struct sm_goal *goal; /* borrowed */
	sm_time start, end;	    /* the span */
	int64_t start_day;	    /* local day of start, for the JSON */
	sm_time at;		    /* evaluated at */
	int has_value;
	double value;
	double expected;
	int has_projected;
	double projected;
	int has_progress;
	double progress; /* (value - baseline) / (target - baseline) */
	int posts;	 /* the goal's posts counted */
	enum sm_goal_status status;
};

/*
 * Evaluates goal g at now over data, in zone (NULL: UTC), first_seen
 * standing for its start when the config gives none.  Returns 0, or -1
 * when its deadline is before its start (then *e holds only the goal).
 */
int sm_goal_evaluate(struct sm_goal_eval *e, const struct sm_goal *g,
		     const struct sm_tz *zone, sm_time first_seen,
		     const struct sm_goal_data *d, sm_time now);

/*
 * Writes the goal object into w (appended, no newline): name, metric,
 * platform, type, campaign, baseline, target, start and deadline (local
 * dates), tolerance, value, expected, projected, progress (null when
 * unknown) and status.  Rates are fractions.
 */
void sm_goal_json(struct sm_jsonw *w, const struct sm_goal_eval *e);

/* The stored state of a goal's events. */
struct sm_goal_state {
	int told;  /* the status last told by an event: SM_GOAL_OFF_TRACK,
		      _ACHIEVED or _MISSED; SM_GOAL_ON_TRACK: none since
		      it was last seen on track (or ever) */
	int fired; /* events fired so far */
};

/* The state as one integer for a key-value store, and back. */
int64_t sm_goal_state_pack(const struct sm_goal_state *s);
void sm_goal_state_unpack(int64_t v, struct sm_goal_state *s);

/*
 * Steps the state with a newly evaluated status: returns the event to fire
 * (SM_EVENT_GOAL_OFF_TRACK, _ACHIEVED or _MISSED) and updates *s, or 0.
 * A status fires when it differs from the last one told; on_track tells
 * nothing and clears it, so a goal that recovers can fire again.
 */
unsigned sm_goal_step(struct sm_goal_state *s, enum sm_goal_status status);

/* Length of an event id with its NUL. */
#define SM_GOAL_ID_LEN 40

/* Writes the event id, "evt_" + 32 hex digits over the event type, the
 * goal's name and start and the firing's number (s->fired after the step):
 * stable when a crash makes the daemon fire it again, new for each
 * firing. */
void sm_goal_event_id(const struct sm_goal_eval *e, unsigned type,
		      const struct sm_goal_state *s, char *id);

/*
 * Writes a goal event into w, which is reset first: type, id, scheduled_at
 * (the check's instant), fired_at (milliseconds), late, lead_s (0) and the
 * goal object in place of SPEC section 4's post.
 */
void sm_goal_event_json(struct sm_jsonw *w, unsigned type, const char *id,
			sm_time scheduled_at, int64_t fired_at_ms, int late,
			const struct sm_goal_eval *e);

/* The next daily check after now: allday_time (minutes after midnight) in
 * zone (NULL: UTC), strictly after now. */
sm_time sm_goal_next_check(const struct sm_tz *zone, int allday_time,
			   sm_time now);

/*
 * The best week of the goal's metric in data before `before` (weeks of
 * zone starting on week_start): the largest weekly sum for counts, gain for
 * followers, rate for rates.  Returns 0 with *best, or -1 when the data has
 * no week to judge by.
 */
int sm_goal_best_week(const struct sm_goal *g, const struct sm_goal_data *d,
		      const struct sm_tz *zone, int week_start, sm_time before,
		      double *best);

/*
 * 1 when goal g over [start, end) needs more than three times best_week
 * (sm_goal_best_week): *needed is the change per week it needs (a rate: its
 * target).  Goals that aim lower are not checked (0).  When msg is not
 * NULL, a sentence for the warning is written into it ("needs 120 clicks a
 * week, more than three times the best week so far (30)").
 */
int sm_goal_pace_check(const struct sm_goal *g, sm_time start, sm_time end,
		       double best_week, double *needed, char *msg,
		       size_t msglen);

#endif
