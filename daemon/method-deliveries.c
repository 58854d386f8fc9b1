/*
 * method-deliveries: io.smcal.Deliveries (the outbox, one delivery per
 * reply) and io.smcal.Retry (a failed delivery requeued).  Both read and
 * write the outbox through lib/outbox; Retry commits the deliverer's open
 * batch first, so its own change is durable when the caller hears of it,
 * then kicks the pump.
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT 50
#define REPLIES_PER_TURN 64

static json_t *
ms_time(int64_t ms)
{
	return control_time((sm_time)(ms / 1000));
}

static json_t *
delivery_json(const struct sm_delivery *d)
{
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:s, s:i, s:o, s:o}",
			      "id", (json_int_t)d->id, "event_id",
			      sm_proto_string(d->event_id), "webhook",
			      sm_proto_string(d->webhook), "event_type",
			      sm_proto_string(d->event_type), "event_at",
			      control_time(d->event_at), "status",
			      sm_delivery_status_name(d->status), "attempts",
			      d->attempts, "created_at", ms_time(d->created_at),
			      "updated_at", ms_time(d->updated_at));
	if (d->status == SM_DELIVERY_PENDING ||
	    d->status == SM_DELIVERY_SENDING)
		json_object_set_new(o, "next_at", ms_time(d->next_at));
	if (d->last_status > 0)
		json_object_set_new(o, "last_status",
				    json_integer(d->last_status));
	if (d->last_error)
		json_object_set_new(o, "last_error",
				    sm_proto_string(d->last_error));
	return o;
}

static void
collect(void *ctx, const struct sm_delivery *d)
{
	json_array_append_new(ctx, delivery_json(d));
}

struct stream {
	json_t *rows;
	size_t next;
};

static void
stream_free(void *p)
{
	struct stream *s = p;
	json_decref(s->rows);
	free(s);
}

/* Sends the next rows, the last one as the final reply. */
static int
stream_resume(struct control_call *call)
{
	struct stream *s = call->state;
	size_t n = json_array_size(s->rows);
	if (n == 0) {
		control_reply(call, NULL);
		return CONTROL_DONE;
	}
	for (int k = 0; k < REPLIES_PER_TURN && s->next < n; k++) {
		json_t *p = json_pack("{s:O}", "delivery",
				      json_array_get(s->rows, s->next));
		if (++s->next == n) {
			control_reply(call, p);
			return CONTROL_DONE;
		}
		control_reply_more(call, p);
	}
	return CONTROL_AGAIN;
}

int
method_deliveries(struct control_call *call)
{
	struct sm_store *st = *call->ctl->host.store;
	enum sm_outbox_filter filter = SM_OUTBOX_RECENT;
	if (call->args[0].set && strcmp(call->args[0].s, "pending") == 0)
		filter = SM_OUTBOX_PENDING;
	else if (call->args[0].set && strcmp(call->args[0].s, "failed") == 0)
		filter = SM_OUTBOX_FAILED;
	size_t limit =
		call->args[1].set ? (size_t)call->args[1].i : DEFAULT_LIMIT;
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->rows = json_array();
	call->state = s;
	call->state_free = stream_free;
	if (sm_outbox_list(st, filter, limit, collect, s->rows) < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	call->resume = stream_resume;
	return stream_resume(call);
}

static void
copy_delivery(void *ctx, const struct sm_delivery *d)
{
	struct sm_delivery *out = ctx;
	out->id = d->id;
	out->status = d->status;
}

int
method_retry(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	struct sm_store *st = *h->store;
	int64_t id = call->args[0].i;
	struct sm_delivery d = {0};
	int rc = sm_outbox_get(st, id, copy_delivery, &d);
	if (rc == 0) {
		control_fail(call, SM_PROTO_E_NO_SUCH_DELIVERY,
			     json_pack("{s:I}", "id", (json_int_t)id),
			     "no delivery %lld (smctl deliveries lists them)",
			     (long long)id);
		return CONTROL_DONE;
	}
	if (rc > 0 && d.status != SM_DELIVERY_FAILED) {
		control_fail(call, SM_PROTO_E_NO_SUCH_DELIVERY,
			     json_pack("{s:I}", "id", (json_int_t)id),
			     "delivery %lld is %s, not failed: only failed "
			     "deliveries are retried",
			     (long long)id, sm_delivery_status_name(d.status));
		return CONTROL_DONE;
	}
	/* The deliverer's writes of this loop turn go to disk first: the
	 * retry below is then its own durable transaction. */
	deliver_flush(h->deliver);
	int64_t now = control_now_ms();
	if (rc > 0)
		rc = sm_outbox_retry(st, id, now);
	if (rc < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	if (rc == 0) { /* it changed meanwhile */
		control_fail(call, SM_PROTO_E_NO_SUCH_DELIVERY,
			     json_pack("{s:I}", "id", (json_int_t)id),
			     "delivery %lld is no longer failed",
			     (long long)id);
		return CONTROL_DONE;
	}
	deliver_kick(h->deliver);
	control_reply(call, json_pack("{s:I, s:o}", "id", (json_int_t)id,
				      "next_at", ms_time(now)));
	return CONTROL_DONE;
}
