/*
 * deliver: pumping the outbox through http.c.
 */
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "payload.h"
#include "retry.h"
#include "sign.h"

/* One attempt in flight; owns copies of what it needs after the query. */
struct attempt {
	struct deliverer *dl;
	int64_t id;
	char *webhook;
	char *event_id;
	char *event_type;
	char *body;
	size_t body_len;
	char *content_type;
	char *headers;
	int json_event;
	int attempts; /* including this one */
	int64_t event_at;
};

static void pump(struct deliverer *dl);
static void on_flush(uv_check_t *c);

static void
attempt_free(struct attempt *a)
{
	if (!a)
		return;
	free(a->webhook);
	free(a->event_id);
	free(a->event_type);
	free(a->body);
	free(a->content_type);
	free(a->headers);
	free(a);
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

static struct endpoint_slots *
slots(struct deliverer *dl, const char *name)
{
	for (size_t i = 0; i < dl->neps; i++)
		if (strcmp(dl->eps[i].name, name) == 0)
			return &dl->eps[i];
	void *p = realloc(dl->eps, (dl->neps + 1) * sizeof(*dl->eps));
	if (!p)
		abort();
	dl->eps = p;
	dl->eps[dl->neps].name = xstrdup(name);
	dl->eps[dl->neps].inflight = 0;
	return &dl->eps[dl->neps++];
}

static const struct sm_webhook *
webhook_of(const struct world *w, const char *name, size_t *index)
{
	for (size_t i = 0; i < w->cfg->nwebhooks; i++)
		if (strcmp(w->cfg->webhooks[i].name, name) == 0) {
			*index = i;
			return &w->cfg->webhooks[i];
		}
	return NULL;
}

static double
jitter(struct deliverer *dl)
{
	return (double)rand_r(&dl->seed) / ((double)RAND_MAX + 1.0);
}

/* Records an attempt's outcome (joining the open transaction) and frees
 * its slot. */
static void
record_outcome(struct deliverer *dl, struct attempt *a,
	       const struct sm_attempt_result *r, const char *error)
{
	int64_t now = wallclock_now_ms();
	struct endpoint_slots *ep = slots(dl, a->webhook);
	ep->inflight--;
	dl->inflight--;
	size_t idx;
	const struct sm_webhook *wh = webhook_of(dl->world, a->webhook, &idx);
	int64_t next = 0;
	enum sm_outcome out =
		wh ? sm_retry_next(wh, r, a->attempts, a->event_at, now,
				   jitter(dl), &next)
		   : SM_OUT_FAILED;
	char why[256];
	if (error)
		snprintf(why, sizeof(why), "%s", error);
	else
		snprintf(why, sizeof(why), "HTTP %ld", r->status);
	long status = r->transport_error ? 0 : r->status;
	switch (out) {
	case SM_OUT_DELIVERED:
		sm_outbox_finish(dl->store, a->id, SM_DELIVERY_DELIVERED, now,
				 status, NULL, now);
		dl->delivered++;
		log_info("delivered %s %s to %s (attempt %d, HTTP %ld%s)",
			 a->event_type, a->event_id, a->webhook, a->attempts,
			 r->status,
			 r->body_cut ? "; the rest of the response was not read"
				     : "");
		break;
	case SM_OUT_RETRY:
		sm_outbox_finish(dl->store, a->id, SM_DELIVERY_PENDING, next,
				 status, why, now);
		dl->retried++;
		log_notice("webhook %s: %s for %s (attempt %d): retrying in "
			   "%.1f s",
			   a->webhook, why, a->event_id, a->attempts,
			   (double)(next - now) / 1000.0);
		break;
	case SM_OUT_DISABLE:
		sm_outbox_disable(dl->store, a->webhook, "410 Gone", now);
		sm_outbox_finish(dl->store, a->id, SM_DELIVERY_FAILED, now,
				 status, "410 Gone: webhook disabled", now);
		dl->failed++;
		log_error("webhook %s answered 410 Gone: it is DISABLED until "
			  "the next reload; its deliveries wait (fix the URL, "
			  "then reload)",
			  a->webhook);
		break;
	case SM_OUT_FAILED:
		sm_outbox_finish(
			dl->store, a->id, SM_DELIVERY_FAILED, now, status,
			wh ? why : "webhook no longer configured", now);
		dl->failed++;
		log_warning("webhook %s: delivery of %s failed after %d "
			    "attempt%s (%s); smctl retry can requeue it",
			    a->webhook, a->event_id, a->attempts,
			    a->attempts == 1 ? "" : "s", wh ? why : "removed");
		break;
	}
}

/* Opens the transaction that gathers this loop iteration's writes; the
 * check handle commits it once the iteration's I/O callbacks are done. */
static void
batch_begin(struct deliverer *dl)
{
	if (dl->batch_open)
		return;
	if (sm_store_begin(dl->store) < 0) {
		log_error("outbox: %s", sm_store_error(dl->store));
		return;
	}
	dl->batch_open = 1;
	uv_check_start(&dl->flush, on_flush);
}

static void
batch_commit(struct deliverer *dl)
{
	if (!dl->batch_open)
		return;
	dl->batch_open = 0;
	uv_check_stop(&dl->flush);
	if (sm_store_commit(dl->store) < 0)
		log_error("outbox: %s (the attempts and outcomes of this "
			  "moment are not recorded: those deliveries are sent "
			  "again, same webhook-id)",
			  sm_store_error(dl->store));
}

/*
 * Completions of one loop iteration are recorded in one transaction (one
 * disk sync instead of one per delivery); a crash before the commit leaves
 * them "sending", and they are sent again after the restart with the same
 * webhook-id (at least once).
 */
static void
on_done(void *ctx, const struct sm_attempt_result *r, const char *error)
{
	struct attempt *a = ctx;
	struct deliverer *dl = a->dl;
	if (!r) { /* abandoned at shutdown: it stays in the outbox */
		attempt_free(a);
		return;
	}
	batch_begin(dl);
	record_outcome(dl, a, r, error);
	attempt_free(a);
}

static void
on_flush(uv_check_t *c)
{
	struct deliverer *dl = c->data;
	batch_commit(dl);
	pump(dl); /* slots were freed */
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *name, const char *value)
{
	char buf[1024];
	char clean[900];
	sm_payload_header_clean(value, clean, sizeof(clean));
	snprintf(buf, sizeof(buf), "%s: %s", name, clean);
	struct curl_slist *n = curl_slist_append(l, buf);
	if (!n)
		abort();
	return n;
}

/* sm_outbox_headers' callback: appends "name: value" to the list. */
static void
add_extra_header(void *ctx, const char *name, size_t nlen, const char *value,
		 size_t vlen)
{
	struct curl_slist **l = ctx;
	char n[96], v[900];
	snprintf(n, sizeof(n), "%.*s", (int)nlen, name);
	snprintf(v, sizeof(v), "%.*s", (int)vlen, value);
	*l = add_header(*l, n, v);
}

/* Signs and posts one attempt; on failure to start, records it. */
static void
send_attempt(struct deliverer *dl, struct attempt *a,
	     const struct sm_webhook *wh, const struct webhook_keys *keys)
{
	int64_t now = wallclock_now_ms();
	size_t len;
	char *body = sm_payload_attempt_body(a->body, a->body_len,
					     a->json_event, a->attempts, &len);
	struct curl_slist *h = NULL;
	h = add_header(h, "Content-Type", a->content_type);
	h = add_header(h, "webhook-id", a->event_id);
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(now / 1000));
	h = add_header(h, "webhook-timestamp", ts);
	if (keys->n > 0) {
		char sig[64 * SM_SIGN_MAX_SECRETS];
		if (sm_sign(keys->keys, (size_t)keys->n, a->event_id,
			    now / 1000, body, len, sig, sizeof(sig)) > 0)
			h = add_header(h, "webhook-signature", sig);
	}
	/* The format's headers (stored with the delivery), then the
	 * configured ones from the current config. */
	sm_outbox_headers(a->headers, &wh->headers, add_extra_header, &h);
	struct curl_slist *n = curl_slist_append(h, "Expect:");
	if (n)
		h = n;
	struct http_request_opts o = {
		.url = wh->url,
		.body = body,
		.body_len = len,
		.headers = h,
		.connect_timeout_ms = (long)wh->connect_timeout * 1000,
		.timeout_ms = (long)wh->timeout * 1000,
		.ca_file = wh->ca_file,
	};
	sm_outbox_start(dl->store, a->id, now);
	struct endpoint_slots *ep = slots(dl, a->webhook);
	ep->inflight++;
	dl->inflight++;
	if (http_post(&dl->http, &o, on_done, a) < 0) {
		struct sm_attempt_result r = {.transport_error = 1};
		free(body);
		record_outcome(dl, a, &r, "could not start the request");
		attempt_free(a);
		return;
	}
	free(body);
}

struct due_list {
	struct attempt **v;
	size_t n, cap;
	struct deliverer *dl;
};

static void
collect_due(void *ctx, const struct sm_delivery *d)
{
	struct due_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	struct attempt *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	a->dl = l->dl;
	a->id = d->id;
	a->webhook = xstrdup(d->webhook);
	a->event_id = xstrdup(d->event_id);
	a->event_type = xstrdup(d->event_type);
	a->body = malloc(d->body_len + 1);
	if (!a->body)
		abort();
	memcpy(a->body, d->body, d->body_len);
	a->body[d->body_len] = '\0';
	a->body_len = d->body_len;
	a->content_type = xstrdup(d->content_type);
	a->headers = xstrdup(d->headers);
	a->json_event = d->json_event;
	a->attempts = d->attempts + 1;
	a->event_at = d->event_at;
	l->v[l->n++] = a;
}

static void
on_timer(uv_timer_t *t)
{
	pump(t->data);
}

/*
 * Starts what is due, within each webhook's slots and the global bound,
 * then arms the timer for the next delivery that could start: webhooks
 * with no free slot are left to the completion of one of their requests
 * (which pumps again), held ones (disabled, unreadable secret) to a reload,
 * so neither delays the others nor wakes the process.
 *
 * No webhook can take the whole global bound: a slot stays free for each
 * other webhook that has nothing in flight (at most half the bound is kept
 * that way), so a hung receiver with a large `concurrency` leaves every
 * other webhook a slot to start with.
 */
static void
pump(struct deliverer *dl)
{
	if (dl->stopping)
		return;
	const struct sm_config *cfg = dl->world->cfg;
	int64_t now = wallclock_now_ms();
	int64_t next = INT64_MAX;
	char *usable = calloc(cfg->nwebhooks ? cfg->nwebhooks : 1, 1);
	if (!usable)
		abort();
	int idle = 0; /* usable webhooks with nothing in flight */
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct sm_webhook *wh = &cfg->webhooks[i];
		usable[i] = !dl->world->keys[i].broken &&
			    sm_outbox_is_disabled(dl->store, wh->name) == 0;
		if (usable[i] && slots(dl, wh->name)->inflight == 0)
			idle++;
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct sm_webhook *wh = &cfg->webhooks[i];
		const struct webhook_keys *keys = &dl->world->keys[i];
		if (!usable[i])
			continue;
		struct endpoint_slots *ep = slots(dl, wh->name);
		int was_idle = ep->inflight == 0;
		int reserved = idle - was_idle;
		if (reserved > DELIVER_MAX_INFLIGHT / 2)
			reserved = DELIVER_MAX_INFLIGHT / 2;
		int free_ep = wh->concurrency - ep->inflight;
		int free_all = DELIVER_MAX_INFLIGHT - dl->inflight - reserved;
		int room = free_ep < free_all ? free_ep : free_all;
		if (room > 0) {
			struct due_list l = {.dl = dl};
			if (sm_outbox_due(dl->store, wh->name, now,
					  (size_t)room, collect_due, &l) < 0) {
				log_error("outbox: %s",
					  sm_store_error(dl->store));
				room = 0; /* no timer at 0 ms: no spin */
				if (next > now + 1000)
					next = now + 1000;
			}
			if (l.n)
				batch_begin(dl); /* the starts: one sync */
			for (size_t k = 0; k < l.n; k++)
				send_attempt(dl, l.v[k], wh, keys);
			free(l.v);
			room -= (int)l.n;
			if (was_idle && ep->inflight > 0)
				idle--;
		}
		int64_t at;
		if (room > 0 &&
		    sm_outbox_next_due_of(dl->store, wh->name, &at) > 0 &&
		    at < next)
			next = at;
	}
	free(usable);
	if (next == INT64_MAX)
		uv_timer_stop(&dl->timer);
	else
		uv_timer_start(&dl->timer, on_timer,
			       next > now ? (uint64_t)(next - now) : 0, 0);
}

struct unknown_ctx {
	struct deliverer *dl;
	char **names;
	size_t n, cap;
};

static void
collect_unknown(void *ctx, const char *webhook)
{
	struct unknown_ctx *u = ctx;
	size_t idx;
	if (webhook_of(u->dl->world, webhook, &idx))
		return;
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 4;
		u->names = realloc(u->names, u->cap * sizeof(*u->names));
		if (!u->names)
			abort();
	}
	u->names[u->n++] = xstrdup(webhook);
}

/* Deliveries to a webhook the config no longer has can never go out: they
 * fail (visible, and requeueable once the webhook is back). */
static void
fail_unconfigured(struct deliverer *dl)
{
	struct unknown_ctx u = {.dl = dl};
	sm_outbox_pending_webhooks(dl->store, collect_unknown, &u);
	for (size_t i = 0; i < u.n; i++) {
		int n = sm_outbox_fail_webhook(dl->store, u.names[i],
					       "webhook no longer configured",
					       wallclock_now_ms());
		if (n > 0)
			log_warning("outbox: %d pending deliver%s to webhook "
				    "%s, which the config no longer has, %s "
				    "failed",
				    n, n == 1 ? "y" : "ies", u.names[i],
				    n == 1 ? "is" : "are");
		free(u.names[i]);
	}
	free(u.names);
}

int
deliver_init(struct deliverer *dl, uv_loop_t *loop, struct sm_store *store,
	     const struct world *world)
{
	memset(dl, 0, sizeof(*dl));
	dl->loop = loop;
	dl->store = store;
	dl->world = world;
	dl->seed = (unsigned)getpid() ^ (unsigned)wallclock_now_ms();
	if (http_init(&dl->http, loop) < 0)
		return -1;
	uv_timer_init(loop, &dl->timer);
	dl->timer.data = dl;
	uv_check_init(loop, &dl->flush);
	dl->flush.data = dl;
	int n = sm_outbox_recover(store, wallclock_now_ms());
	fail_unconfigured(dl);
	if (n > 0)
		log_notice("outbox: %d deliver%s in flight when smcald "
			   "stopped: sending %s again (same webhook-id)",
			   n, n == 1 ? "y was" : "ies were",
			   n == 1 ? "it" : "them");
	pump(dl);
	return 0;
}

void
deliver_set_world(struct deliverer *dl, const struct world *world)
{
	dl->world = world;
	if (sm_outbox_enable_all(dl->store) < 0)
		log_error("outbox: %s", sm_store_error(dl->store));
	fail_unconfigured(dl);
	pump(dl);
}

void
deliver_flush(struct deliverer *dl)
{
	batch_commit(dl);
}

void
deliver_kick(struct deliverer *dl)
{
	pump(dl);
}

static void
on_closed(uv_handle_t *h)
{
	(void)h;
}

void
deliver_fini(struct deliverer *dl)
{
	dl->stopping = 1;
	http_fini(&dl->http);
	batch_commit(dl);
	uv_timer_stop(&dl->timer);
	uv_close((uv_handle_t *)&dl->timer, on_closed);
	uv_close((uv_handle_t *)&dl->flush, on_closed);
	for (size_t i = 0; i < dl->neps; i++)
		free(dl->eps[i].name);
	free(dl->eps);
	dl->eps = NULL;
	dl->neps = 0;
}
