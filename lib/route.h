/*
 * route: where an event goes (SPEC section 9).  The post's X-SMCAL-WEBHOOK,
 * else its platforms' webhooks, else its calendar's, else [daemon] webhook,
 * else the log sink; the first level that names anything decides, "none"
 * at a level means the log sink and stops there.  Each webhook's `events`
 * filter then drops what it does not accept.
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
};

/*
 * Routes an event: fills r with the webhooks (config-borrowed) that take
 * it.  A name with no [webhook:NAME] section is reported in r->unknown and
 * the event goes to the log sink instead of being dropped.
 */
void sm_route_event(const struct sm_config *cfg,
		    const struct sm_sched_event *ev, struct sm_route *r);

#endif
