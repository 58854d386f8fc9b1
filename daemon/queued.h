/*
 * queued: the post queue on the daemon's side.  The store holds the queue
 * (lib/queue, table `queue`); this file keeps every queued post that may
 * still fire (not cancelled, drafts and posts marked done included) in
 * memory as a post of the calendar `queue` (SM_CONFIG_QUEUE_CALENDAR) with
 * a series of its own, scheduled in the daemon's scheduler one series at a
 * time (sm_sched_add, sm_sched_remove): adding or cancelling a post re-arms
 * the timer at once, without a reload.  The queue outlives worlds and
 * schedulers: a reload builds the calendars' world and a new scheduler, and
 * queued_schedule adds the queue's series to it again.
 *
 * Adds are committed in groups (queued_submit): every add handled in one
 * loop iteration, from any connection, joins one transaction, committed in
 * the loop's check phase (after the iteration's reads); only then is each
 * caller told, in the order they came, so an acknowledged add is durable
 * (WAL, synchronous=FULL) and costs a share of one fsync.  The posts are
 * then scheduled and the host's `changed` runs once (re-arm, fire what is
 * already late, the posting plan).
 *
 * Everything runs on the daemon's loop.
 */
#ifndef SMCALD_QUEUED_H
#define SMCALD_QUEUED_H

#include <stddef.h>
#include <uv.h>

#include "calendar.h"
#include "deliver.h"
#include "occur.h"
#include "queue.h"
#include "sched.h"
#include "store.h"
#include "world.h"

/* A queued post in memory; its post and series are what the scheduler
 * borrows (stable until the post is removed). */
struct queued_post {
	struct sm_post post;
	struct sm_series series;
	size_t handle; /* its series in the scheduler; QUEUED_UNSCHEDULED */
	int draft;
	sm_time created;		 /* added to the queue */
	struct queued_post *hnext;	 /* same hash bucket */
	struct queued_post *prev, *next; /* every post, in no order */
	char *block;			 /* the post's strings */
};

#define QUEUED_UNSCHEDULED ((size_t)-1)

/* What the daemon lends the queue: pointers to its state, read at each
 * use (so they follow reloads), and what to do after a change. */
struct queued_host {
	struct sm_store *const *store;
	struct sm_sched *const *sched;
	struct world *const *world;
	struct deliverer *deliver;
	const sm_time *processed_until;
	void *data;
	/* The queue changed (posts added, cancelled, marked done): re-arm the
	 * timer, fire what is already late, look at the plan again. */
	void (*changed)(void *data);
};

/* Called once a submission is committed (rc 0; the posts have their ids)
 * or has failed (rc < 0 with the store's message); never both. */
typedef void (*queued_done_fn)(void *ctx, int rc, const char *error);

struct queued_submission;
struct queued_index;

struct queued {
	uv_loop_t *loop;
	struct queued_host host;
	uv_check_t flush;
	uv_idle_t idle; /* keeps poll from blocking while adds wait */
	int started, stopped;
	struct queued_post **buckets;
	size_t nbuckets, n;
	struct queued_post *all;
	/* Per platform (lower-case name), the sorted publish instants of the
	 * posts in memory. */
	struct queued_index *index;
	size_t nindex;
	/* Adds waiting for the iteration's commit, in arrival order. */
	struct queued_submission *head, *tail;
	size_t pending;
	unsigned long commits, added;
	/* Bumped by queued_schedule and queued_world_changed, which follow
	 * every new world: caches of what the calendars hold compare it. */
	unsigned long generation;
};

/* Sets up the group-commit handle on loop; nothing is loaded yet. */
void queued_init(struct queued *q, uv_loop_t *loop,
		 const struct queued_host *host);

/* Reads every post of the store's queue that is not cancelled into
 * memory (not scheduled yet).  Returns how many, or -1 with the store's
 * message. */
long queued_load(struct queued *q);

/*
 * Schedules every post in memory in s (a scheduler just loaded with the
 * calendars' series, whose handles of earlier schedulers are gone), with
 * events at or after from.
 */
void queued_schedule(struct queued *q, struct sm_sched *s, sm_time from);

/* Tells q that the world changed while the scheduler (and the queue's
 * series in it) stayed: what q cached of the calendars is stale. */
void queued_world_changed(struct queued *q);

/* The post in memory with this id, or NULL (cancelled or unknown). */
struct queued_post *queued_find(const struct queued *q, const char *id);

/*
 * Queues n posts (validated, publish times set; the caller keeps them and
 * their strings alive until fn) for this iteration's commit.  n may be 0:
 * fn is then only called in turn, which keeps a caller's replies in order
 * (a refused add behind accepted ones).
 */
void queued_submit(struct queued *q, struct sm_queue_post *posts, size_t n,
		   queued_done_fn fn, void *ctx);

/* Commits what was submitted now (the check phase does it otherwise). */
void queued_flush(struct queued *q);

/*
 * Takes a post out of memory and out of the scheduler (cancelled in the
 * store by the caller); nothing when it is not in memory.  Calls nothing:
 * the caller calls the host's changed.
 */
void queued_remove(struct queued *q, const char *id);

/*
 * The publish instants on a platform (case-insensitive) in [from, to) of
 * the posts in memory and of those submitted and not yet committed,
 * sorted, in *out (malloc'd; the caller frees) and *n.  A sorted index per
 * platform (committed and submitted instants apart) makes it O(log n) plus
 * the instants returned.
 */
void queued_instants(const struct queued *q, const char *platform, sm_time from,
		     sm_time to, sm_time **out, size_t *n);

/* Calls fn with the series of every post in memory (a series of calendar
 * `queue` with one occurrence; cancelled posts are not in memory), in no
 * order: what the cadence plan and reports walk besides the world's
 * series.  A nonzero return stops the walk and is returned. */
int queued_each_series(const struct queued *q,
		       int (*fn)(void *ctx, const struct sm_series *s),
		       void *ctx);

/* The scheduling start for posts added now: what a load would use
 * (sm_sched_load_from with the daemon's processed_until and catchup). */
sm_time queued_from(const struct queued *q, sm_time now);

/* Commits what is pending and stops the handles (the loop must run to
 * close them).  Safe twice. */
void queued_fini(struct queued *q);

/* Frees every post in memory: after the scheduler that borrowed them. */
void queued_free(struct queued *q);

#endif
