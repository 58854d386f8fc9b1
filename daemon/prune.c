/*
 * prune: delivered outbox rows deleted after the retention period, in
 * bounded batches on a libuv timer, out of the way of due events.
 */
#include "prune.h"

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "outbox.h"

#define DAY_MS (24 * 3600 * 1000ULL)
/* After a failed pass (the database locked for long), try again sooner. */
#define RETRY_MS (3600 * 1000ULL)
/* Between two batches of one pass: the loop runs what became due first. */
#define NEXT_BATCH_MS 10
/* The least room a batch needs before the next event, and how long after
 * that event's instant a put-off batch runs. */
#define ROOM_MS 250
#define AFTER_EVENT_MS 200

static void
on_timer(uv_timer_t *t)
{
	struct pruner *p = t->data;
	int64_t now = wallclock_now_ms();
	int64_t next = p->next_due ? p->next_due(p->ctx) : INT64_MAX;
	int64_t room = 2 * p->batch_ms > ROOM_MS ? 2 * p->batch_ms : ROOM_MS;
	if (next != INT64_MAX && next - now < room &&
	    p->deferred < PRUNE_MAX_DEFER) {
		p->deferred++;
		int64_t wait = next - now + AFTER_EVENT_MS;
		uv_timer_start(t, on_timer, wait > 0 ? (uint64_t)wait : 0, 0);
		return;
	}
	p->deferred = 0;
	int n = sm_outbox_prune(p->store, now - p->retention * 1000,
				PRUNE_BATCH);
	p->batch_ms = wallclock_now_ms() - now;
	if (n < 0) {
		log_error("outbox retention: %s; trying again in an hour",
			  sm_store_error(p->store));
		p->pass = 0;
		uv_timer_start(t, on_timer, RETRY_MS, 0);
		return;
	}
	p->pass += (unsigned long)n;
	p->total += (unsigned long)n;
	if (n == PRUNE_BATCH) {
		uv_timer_start(t, on_timer, NEXT_BATCH_MS, 0);
		return;
	}
	if (p->pass > 0) {
		char d[32];
		log_info("outbox: pruned %lu delivered webhook deliver%s older "
			 "than %s ([daemon] retention)",
			 p->pass, p->pass == 1 ? "y" : "ies",
			 sm_duration_format(p->retention, d, sizeof(d)));
	}
	p->pass = 0;
	uv_timer_start(t, on_timer, DAY_MS, 0);
}

void
pruner_init(struct pruner *p, uv_loop_t *loop, struct sm_store *store,
	    int64_t retention, pruner_next_fn next_due, void *ctx)
{
	p->store = store;
	p->retention = retention;
	p->next_due = next_due;
	p->ctx = ctx;
	p->batch_ms = 0;
	p->deferred = 0;
	p->pass = p->total = 0;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, on_timer, 0, 0);
}

void
pruner_set_retention(struct pruner *p, int64_t retention)
{
	p->retention = retention;
}

static void
on_closed(uv_handle_t *h)
{
	(void)h;
}

void
pruner_fini(struct pruner *p)
{
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, on_closed);
}
