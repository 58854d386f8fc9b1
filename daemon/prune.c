/*
 * prune: delivered outbox rows deleted after the retention period, in
 * bounded batches on a libuv timer.
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

static void
on_timer(uv_timer_t *t)
{
	struct pruner *p = t->data;
	int64_t before = wallclock_now_ms() - p->retention * 1000;
	int n = sm_outbox_prune(p->store, before, PRUNE_BATCH);
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
		log_info(
			"outbox: pruned %lu delivered webhook deliveries older "
			"than %s ([daemon] retention)",
			p->pass,
			sm_duration_format(p->retention, d, sizeof(d)));
	}
	p->pass = 0;
	uv_timer_start(t, on_timer, DAY_MS, 0);
}

void
pruner_init(struct pruner *p, uv_loop_t *loop, struct sm_store *store,
	    int64_t retention)
{
	p->store = store;
	p->retention = retention;
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
