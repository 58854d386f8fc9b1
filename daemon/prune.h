/*
 * prune: the outbox's retention.  Delivered webhook deliveries keep their
 * whole body and headers; this deletes those delivered more than
 * `[daemon] retention` ago, at start and then once a day, on a timer of
 * its own (nothing polls).  A pass deletes in batches of PRUNE_BATCH rows,
 * one short transaction each, and yields to the loop between batches, so
 * that a large backlog never holds firing or deliveries up for long.  A
 * batch (its commit is a disk sync, which can take a tenth of a second on
 * a busy disk) waits until just after the next event when that event is
 * closer than a batch could take, so that pruning does not make events
 * late; after PRUNE_MAX_DEFER such waits in a row it goes anyway.
 */
#ifndef SMCALD_PRUNE_H
#define SMCALD_PRUNE_H

#include <stdint.h>
#include <uv.h>

#include "store.h"

#define PRUNE_BATCH 500
#define PRUNE_MAX_DEFER 100

/* The wall-clock instant (ms) of the next event due, or INT64_MAX. */
typedef int64_t (*pruner_next_fn)(void *ctx);

struct pruner {
	uv_timer_t timer;
	struct sm_store *store; /* borrowed */
	int64_t retention;	/* seconds */
	pruner_next_fn next_due;
	void *ctx;
	int64_t batch_ms;    /* how long the last batch took */
	int deferred;	     /* batches put off in a row */
	unsigned long pass;  /* rows deleted by the pass under way */
	unsigned long total; /* rows deleted since start */
};

/* Starts the pruner: a first pass as soon as the loop runs, then one a
 * day; next_due(ctx) tells when the next event is due. */
void pruner_init(struct pruner *p, uv_loop_t *loop, struct sm_store *store,
		 int64_t retention, pruner_next_fn next_due, void *ctx);

/* Uses a reloaded retention (seconds) from the next pass on. */
void pruner_set_retention(struct pruner *p, int64_t retention);

/* Stops the timer and closes its handle (at shutdown). */
void pruner_fini(struct pruner *p);

#endif
