/*
 * metricstore: what posts achieved and where goals stand, durable in the
 * store's database (schema version 6, SPEC section 8).
 *
 * Per occurrence (calendar, UID, identity as sm_occur_format_rid writes
 * it; a queued post is calendar "queue", its id and sm_queue_rid): the
 * per-post metrics of lib/kpi.  Per platform and local day: followers.
 * Every value recorded is kept in a history table, never deleted; the
 * current value of each metric is the one with the latest `at` (the
 * instant the value stands for: `smctl metric --at`, else when it was
 * recorded), ties going to the later recording.  So a later figure
 * replaces an earlier one, and a figure backdated before the current one
 * joins the history without replacing it.
 *
 * An import is one row of its own (platform, file, rows) that its values
 * name, so the history tells which file a figure came from.  Goal states:
 * the instant the daemon first saw a goal (its start when the config
 * gives none) and the packed state of its goal.* events (lib/goals).
 *
 * Writes join the caller's transaction (sm_store_begin) so that an import
 * is one; without one, each call is its own.  A call that fails rolls back
 * the whole transaction, the caller's included.  Errors are negative errno
 * values: -EINVAL for a value the store cannot hold (the message names
 * it), -EIO for the database; the message is in sm_store_error().
 */
#ifndef SM_METRICSTORE_H
#define SM_METRICSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "metrics.h"
#include "store.h"

/* Per-post values of one occurrence.  Strings are borrowed. */
struct sm_mstore_post {
	const char *calendar, *uid, *recurrence_id;
	struct sm_metric_values values; /* the metrics recorded (have) */
	sm_time at;			/* write: the instant they stand for */
	sm_time value_at[SM_KPI_NPOST]; /* read (current): each value's at */
	sm_time recorded_at;		/* read (history) */
	int64_t import_id;		/* read (history): 0 when by hand */
};

/* One platform's followers on one local day.  Strings are borrowed. */
struct sm_mstore_followers {
	const char *platform; /* lower case */
	const char *day;      /* the local date, "2026-12-03" */
	sm_time day_start;    /* the instant that day starts in the zone */
	int64_t value;
	sm_time at;	     /* the instant the value stands for */
	sm_time recorded_at; /* read (history) */
	int64_t import_id;   /* read (history) */
};

/*
 * Records the values of n occurrences (posts[i].values.have says which
 * metrics each gives; an occurrence with none is skipped), recorded at now
 * by import import_id (0: by hand): a history row each, and each current
 * value replaced when its at is not later.  *changed (may be NULL) counts
 * the occurrences whose current values were written.  Returns 0, -EINVAL
 * (a negative value, a missing key) or -EIO.
 */
int sm_metricstore_record(struct sm_store *st,
			  const struct sm_mstore_post *posts, size_t n,
			  sm_time now, int64_t import_id, size_t *changed);

/* Records n followers counts like sm_metricstore_record (a history row
 * each; the current count of a platform and day replaced when not later).
 * Returns 0, -EINVAL or -EIO. */
int sm_metricstore_record_followers(struct sm_store *st,
				    const struct sm_mstore_followers *v,
				    size_t n, sm_time now, int64_t import_id,
				    size_t *changed);

/* Adds an import's row (platform, the file's name as given, its data rows
 * stored) and sets *id for the values it records.  0 or -EIO. */
int sm_metricstore_import_add(struct sm_store *st, const char *platform,
			      const char *file, size_t rows, sm_time now,
			      int64_t *id);

/* Reads the current values of one occurrence into *out (values and
 * value_at; the key is not set).  1 when it has any, 0 when none, -EIO. */
int sm_metricstore_get(struct sm_store *st, const char *calendar,
		       const char *uid, const char *recurrence_id,
		       struct sm_mstore_post *out);

/* Called per occurrence or count; strings live until it returns; a
 * nonzero return stops the walk. */
typedef int (*sm_mstore_post_fn)(void *ctx, const struct sm_mstore_post *p);
typedef int (*sm_mstore_followers_fn)(void *ctx,
				      const struct sm_mstore_followers *f);

/* Calls fn with the current values of every occurrence that has any, by
 * calendar, UID and identity.  Returns how many, or -EIO. */
int sm_metricstore_each(struct sm_store *st, sm_mstore_post_fn fn, void *ctx);

/* Calls fn with each value ever recorded for one occurrence (a row per
 * recording: at, recorded_at, import_id), oldest at first; for audits (a
 * scan of the history, which has no index).  Returns how many, or
 * -EIO. */
int sm_metricstore_history(struct sm_store *st, const char *calendar,
			   const char *uid, const char *recurrence_id,
			   sm_mstore_post_fn fn, void *ctx);

/* Calls fn with the current followers count of every platform and day, by
 * platform then day.  Returns how many, or -EIO. */
int sm_metricstore_each_followers(struct sm_store *st,
				  sm_mstore_followers_fn fn, void *ctx);

/* A done mark: an occurrence published, with the posted URL (may be
 * NULL). */
struct sm_mstore_done {
	const char *calendar, *uid, *recurrence_id, *url;
	sm_time at;
};

/* Calls fn per done mark (strings live until it returns; nonzero stops).
 * Returns how many, or -EIO. */
int sm_metricstore_each_done(struct sm_store *st,
			     int (*fn)(void *ctx,
				       const struct sm_mstore_done *d),
			     void *ctx);

/* Calls fn per occurrence of a calendar post cancelled through the control
 * socket (store.h, sm_store_cancel), keys as done marks (url NULL).
 * Returns how many, or -EIO. */
int sm_metricstore_each_cancelled(struct sm_store *st,
				  int (*fn)(void *ctx,
					    const struct sm_mstore_done *d),
				  void *ctx);

/* What the store keeps of a goal. */
struct sm_mstore_goal {
	sm_time first_seen; /* when the daemon first saw it */
	sm_time span_start; /* the span its state belongs to (0: none yet) */
	int64_t state;	    /* sm_goal_state_pack's */
};

/*
 * Notes that the daemon sees goal `name` now: the first time, now becomes
 * its first_seen (with state 0); later calls change nothing.  Sets
 * *first_seen (may be NULL).  0 or -EIO.
 */
int sm_metricstore_goal_seen(struct sm_store *st, const char *name, sm_time now,
			     sm_time *first_seen);

/* Reads a goal's row: 1 and *out, 0 when the goal was never seen, -EIO. */
int sm_metricstore_goal_get(struct sm_store *st, const char *name,
			    struct sm_mstore_goal *out);

/* Stores a goal's event state for the span starting at span_start (a goal
 * never seen is seen now).  0 or -EIO. */
int sm_metricstore_goal_set(struct sm_store *st, const char *name,
			    sm_time span_start, int64_t state, sm_time now);

#endif
