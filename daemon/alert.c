/*
 * alert: firing daemon-originated events (fire.h, alert_fire).
 */
#include "alert.h"

#include "fire.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "payload.h"
#include "route.h"

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

/* Sends one alert where its route goes: an outbox row per webhook, or the
 * log sink. */
static void
route(struct firer *f, const struct world *w, const struct sm_alert *a,
      int64_t now_ms)
{
	const char *type = sm_config_event_name(a->type);
	struct sm_route r;
	sm_route_alert(w->cfg, a->platform, a->type, &r);
	if (r.unknown)
		log_error("event %s: webhook %s does not exist (no "
			  "[webhook:%s] section): sent to the log instead",
			  a->id, r.unknown, r.unknown);
	if (r.log_sink)
		log_info("event %s", a->json);
	for (int i = 0; i < r.n; i++) {
		const struct sm_webhook *wh = r.webhooks[i];
		/* As for post events: the configured headers are added at
		 * each attempt (deliver.c), the row keeps the format's. */
		struct sm_webhook fmt = *wh;
		fmt.headers.n = 0;
		struct sm_payload p;
		sm_payload_build_alert(&fmt, a, &p);
		struct sm_jsonw hdr = {0};
		for (int k = 0; k < p.nheaders; k++) {
			sm_jsonw_raw(&hdr, p.headers[k], strlen(p.headers[k]));
			sm_jsonw_raw(&hdr, "\n", 1);
		}
		struct sm_delivery *d = firer_add_delivery(f);
		d->event_id = xstrdup(a->id);
		d->webhook = wh->name; /* the config outlives the batch */
		d->event_type = type;
		/* max_age counts from when the alert was told: a cadence.behind
		 * told late (the daemon was down) still gets its retries. */
		d->event_at = now_ms / 1000 > a->at ? now_ms / 1000 : a->at;
		d->body = p.body; /* taken from the payload */
		d->body_len = p.len;
		p.body = NULL;
		d->content_type = xstrdup(p.content_type);
		d->headers = hdr.buf ? hdr.buf : xstrdup("");
		d->json_event = p.json_event;
		d->next_at = now_ms;
		sm_payload_free(&p);
		log_info("event %s %s %s: to webhook %s", type, a->id,
			 sm_alert_get(a, "platform")
				 ? sm_alert_get(a, "platform")
				 : "",
			 wh->name);
	}
}

struct states {
	const struct alert_state *v;
	size_t n;
};

static int
write_states(void *ctx, struct sm_store *st)
{
	const struct states *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		int rc = s->v[i].remove ? sm_store_delete_fact(st, s->v[i].key)
					: sm_store_set_time(st, s->v[i].key,
							    s->v[i].value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

long
alert_fire_with(struct firer *f, const struct world *w,
		const struct sm_alert *alerts, size_t n,
		int (*extra)(void *ctx, struct sm_store *st), void *ctx,
		int64_t now_ms)
{
	firer_begin(f);
	for (size_t i = 0; i < n; i++) {
		const struct sm_alert *a = &alerts[i];
		if (sm_store_has_fired(f->store, a->id) > 0) {
			log_debug("event %s %s: already told",
				  sm_config_event_name(a->type), a->id);
			continue;
		}
		firer_add_event(f, a->id, sm_config_event_name(a->type), a->at,
				now_ms, a->late, a->lead_s, a->json,
				a->json_len);
		route(f, w, a, now_ms);
	}
	if (f->nfired == 0 && !extra)
		return 0;
	return firer_commit(f, now_ms, extra, ctx);
}

long
alert_fire(struct firer *f, const struct world *w,
	   const struct sm_alert *alerts, size_t n,
	   const struct alert_state *states, size_t nstates, int64_t now_ms)
{
	struct states s = {states, nstates};
	return alert_fire_with(f, w, alerts, n, nstates ? write_states : NULL,
			       &s, now_ms);
}
