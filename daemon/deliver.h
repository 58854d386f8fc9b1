/*
 * deliver: the outbox pump.  Takes due deliveries from the store, within
 * each webhook's `concurrency` and a global bound, signs each attempt with
 * a fresh webhook-timestamp (same webhook-id), posts it (http.c), and
 * records the outcome: delivered, retried later on the backoff schedule,
 * failed, or the endpoint disabled by a 410 until the next reload.  A slow
 * or dead receiver only ever holds its own slots, never the loop, and never
 * the whole global bound: a slot stays free for each other webhook with
 * nothing in flight.  Configured headers are added at each attempt from
 * the current config.
 */
#ifndef SMCALD_DELIVER_H
#define SMCALD_DELIVER_H

#include <uv.h>

#include "http.h"
#include "store.h"
#include "world.h"

#define DELIVER_MAX_INFLIGHT 64

struct endpoint_slots {
	char *name;
	int inflight;
};

struct deliverer {
	uv_loop_t *loop;
	struct sm_store *store;	   /* borrowed */
	const struct world *world; /* borrowed; replaced on reload */
	struct http http;
	uv_timer_t timer;
	uv_check_t flush; /* commits the iteration's outbox writes */
	int batch_open;
	struct endpoint_slots *eps;
	size_t neps;
	int inflight;
	int stopping;
	unsigned seed;
	unsigned long delivered, failed, retried;
};

/* Starts the pump: deliveries left sending by a crash go back to pending,
 * and what is due is sent.  0 or -1. */
int deliver_init(struct deliverer *dl, uv_loop_t *loop, struct sm_store *store,
		 const struct world *world);

/* Uses a reloaded world: webhooks disabled by a 410 are enabled again. */
void deliver_set_world(struct deliverer *dl, const struct world *world);

/* Commits the outbox writes gathered so far in this loop iteration: the
 * firing path calls it first, so that its own transaction is the outermost
 * and its commit makes the ledger durable before the events count. */
void deliver_flush(struct deliverer *dl);

/* Sends what is due now (called after a batch recorded deliveries). */
void deliver_kick(struct deliverer *dl);

/* Stops: requests in flight are abandoned (they stay in the outbox and go
 * out after the next start); the loop must run afterwards. */
void deliver_fini(struct deliverer *dl);

#endif
