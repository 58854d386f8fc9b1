/*
 * prune: the outbox's retention.  Delivered webhook deliveries keep their
 * whole body and headers; this deletes those delivered more than
 * `[daemon] retention` ago, at start and then once a day, on a timer of
 * its own (nothing polls).  A pass deletes in batches of PRUNE_BATCH rows,
 * one short transaction each, and yields to the loop between batches, so
 * that a large backlog never holds firing or deliveries up for long.
 */
#ifndef SMCALD_PRUNE_H
#define SMCALD_PRUNE_H

#include <stdint.h>
#include <uv.h>

#include "store.h"

#define PRUNE_BATCH 500

struct pruner {
	uv_timer_t timer;
	struct sm_store *store; /* borrowed */
	int64_t retention;	/* seconds */
	unsigned long pass;	/* rows deleted by the pass under way */
	unsigned long total;	/* rows deleted since start */
};

/* Starts the pruner: a first pass as soon as the loop runs, then one a
 * day. */
void pruner_init(struct pruner *p, uv_loop_t *loop, struct sm_store *store,
		 int64_t retention);

/* Uses a reloaded retention (seconds) from the next pass on. */
void pruner_set_retention(struct pruner *p, int64_t retention);

/* Stops the timer and closes its handle (at shutdown). */
void pruner_fini(struct pruner *p);

#endif
