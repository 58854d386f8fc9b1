/*
 * route: owns the routing decision of SPEC section 9, from a fired event
 * to the webhooks that take it (or to the log sink).  It reads the config
 * and the post only; delivery, retries and payloads live elsewhere.
 *
 * Levels are tried in order (post, platforms, calendar, [daemon]); the
 * first one that names anything decides.  At the platform level a post may
 * have several platforms, each with its own route.  log_sink keeps the
 * meaning route.h gives it, "no webhook takes the event": when one platform
 * says "none" and another's webhook accepts the event, the webhook gets it
 * and the log sink does not (the event log has it either way); when no
 * webhook accepts it, "none" (or an unknown name) sends it to the log sink.
 */
#include "route.h"

#include <string.h>
#include <strings.h>

#include "post.h"

/* The post's platforms are bounded like sm_event_json's list. */
#define MAX_PLATFORMS 32

static unsigned
event_bit(enum sm_event_type type)
{
	switch (type) {
	case SM_EV_REMINDER:
		return SM_EVENT_POST_REMINDER;
	case SM_EV_DUE:
		return SM_EVENT_POST_DUE;
	case SM_EV_OVERDUE:
		return SM_EVENT_POST_OVERDUE;
	}
	return 0;
}

/*
 * Applies one webhook name of the chosen level: "none" and unknown names
 * go to the log sink, a webhook that accepts the event is added once.
 */
static void
take(const struct sm_config *cfg, const char *name, unsigned bit,
     struct sm_route *r)
{
	if (strcasecmp(name, SM_CONFIG_WEBHOOK_NONE) == 0) {
		r->log_sink = 1;
		return;
	}
	const struct sm_webhook *wh = sm_config_webhook(cfg, name);
	if (!wh) {
		/* Dropping the event would hide a typo in a calendar; the
		 * log sink keeps it visible and the caller reports it. */
		if (!r->unknown)
			r->unknown = name;
		r->log_sink = 1;
		return;
	}
	if (!(wh->events & bit))
		return;
	for (int i = 0; i < r->n; i++)
		if (r->webhooks[i] == wh)
			return;
	if (r->n < SM_ROUTE_MAX)
		r->webhooks[r->n++] = wh;
}

void
sm_route_event(const struct sm_config *cfg, const struct sm_sched_event *ev,
	       struct sm_route *r)
{
	const struct sm_post *p = ev->occ.post;
	unsigned bit = event_bit(ev->type);

	memset(r, 0, sizeof(*r));

	if (p && p->webhook && *p->webhook) {
		take(cfg, p->webhook, bit, r);
		return;
	}

	if (p) {
		const char *names[MAX_PLATFORMS];
		int n = sm_post_platforms(cfg, p, names, MAX_PLATFORMS);
		int named = 0;
		for (int i = 0; i < n; i++) {
			const struct sm_platform *pl =
				sm_config_platform(cfg, names[i]);
			if (pl && pl->webhook) {
				take(cfg, pl->webhook, bit, r);
				named = 1;
			}
		}
		if (named) {
			/* A webhook that takes the event wins over another
			 * platform's none. */
			if (r->n > 0)
				r->log_sink = 0;
			return;
		}
	}

	const struct sm_series *s = ev->occ.series;
	const struct sm_calendar_conf *cal =
		s ? sm_config_calendar(cfg, s->calendar) : NULL;
	if (cal && cal->webhook) {
		take(cfg, cal->webhook, bit, r);
		return;
	}

	if (cfg->webhook) {
		take(cfg, cfg->webhook, bit, r);
		return;
	}
	r->log_sink = 1;
}
