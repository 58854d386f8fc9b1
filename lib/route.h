/*
 * route: where an event goes (SPEC section 9).  The post's X-SMCAL-WEBHOOK,
 * else its platforms' webhooks, else its calendar's, else [daemon] webhook,
 * else the log sink; the first level that names anything decides, "none"
 * at a level means the log sink and stops there.  Each webhook's `events`
 * filter then drops what it does not accept.
 *
 * A post may name only a webhook its calendar allows ([calendar:NAME]
 * webhooks; by default the calendar's own routes): in an agency's daemon,
 * client A's calendar must not reach client B's endpoint.  A refused name
 * is reported and the event follows the route it would have without it.
 */
#ifndef SM_ROUTE_H
#define SM_ROUTE_H

#include "config.h"
#include "sched.h"

#define SM_ROUTE_MAX 16

struct sm_route {
	const struct sm_webhook *webhooks[SM_ROUTE_MAX];
	int n;		     /* webhooks that accept the event */
	int log_sink;	     /* 1: no webhook route, the log sink takes it */
	const char *unknown; /* a webhook name that names nothing, or NULL */
	/* The post's X-SMCAL-WEBHOOK when its calendar does not allow it
	 * (the route is then the post's platforms', calendar's or the
	 * daemon's), or NULL. */
	const char *refused;
};

/*
 * Routes an event: fills r with the webhooks (config-borrowed) that take
 * it.  A name with no [webhook:NAME] section is reported in r->unknown and
 * the event goes to the log sink instead of being dropped.
 */
void sm_route_event(const struct sm_config *cfg,
		    const struct sm_sched_event *ev, struct sm_route *r);

/*
 * Routes a daemon-originated event (lib/alert: cadence.*, goal.*) of type
 * bit (one enum sm_event_bit): the webhook of the platform named platform
 * (NULL: none; a name the config lacks counts as none), else [daemon]
 * webhook, else the log sink; "none" at a level means the log sink, and
 * each webhook's `events` filter applies.  Fills r like sm_route_event
 * (never refused: no calendar text chooses this route).
 */
void sm_route_alert(const struct sm_config *cfg, const char *platform,
		    unsigned bit, struct sm_route *r);

/*
 * 1 when a post of the calendar named calendar may name webhook in its
 * X-SMCAL-WEBHOOK, else 0: "none" always; else the names of the calendar's
 * `webhooks` when set; else its own routes: its `webhook`, every
 * platform's `webhook` and [daemon] webhook (names compared without case;
 * a calendar without a section, such as queue, has no webhook of its own).
 */
int sm_route_allowed(const struct sm_config *cfg, const char *calendar,
		     const char *webhook);

/*
 * Writes the names sm_route_allowed accepts for the calendar into buf as
 * "a, b" (for messages), or "none" when only none is; truncated to fit.
 */
void sm_route_allowed_list(const struct sm_config *cfg, const char *calendar,
			   char *buf, size_t len);

#endif
