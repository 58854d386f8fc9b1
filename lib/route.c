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
 *
 * The post level is also a trust boundary: a calendar author chooses the
 * post's X-SMCAL-WEBHOOK, the config's owner chooses which names each
 * calendar may use.  A name outside that allowlist is set aside (reported
 * in r->refused) and the post routes as if it had named nothing, so the
 * event still reaches the team through a route the config gave it.
 */
#include "route.h"

#include <stdio.h>
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

/* 1 when a (may be NULL) equals b without case. */
static int
same(const char *a, const char *b)
{
	return a && strcasecmp(a, b) == 0;
}

int
sm_route_allowed(const struct sm_config *cfg, const char *calendar,
		 const char *webhook)
{
	if (same(webhook, SM_CONFIG_WEBHOOK_NONE))
		return 1;
	if (!webhook)
		return 0;
	const struct sm_calendar_conf *cal =
		calendar ? sm_config_calendar(cfg, calendar) : NULL;
	if (cal && cal->webhooks_set) {
		for (size_t i = 0; i < cal->webhooks.n; i++)
			if (same(cal->webhooks.v[i], webhook))
				return 1;
		return 0;
	}
	if (cal && same(cal->webhook, webhook))
		return 1;
	for (size_t i = 0; i < cfg->nplatforms; i++)
		if (same(cfg->platforms[i].webhook, webhook))
			return 1;
	return same(cfg->webhook, webhook);
}

/* Appends name to buf unless none or already there. */
static void
list_add(char *buf, size_t len, const char *name)
{
	size_t o = strlen(buf);
	if (!name || same(name, SM_CONFIG_WEBHOOK_NONE))
		return;
	/* Names are short and lists small: a scan of the text will do. */
	for (const char *p = buf; (p = strstr(p, name)) != NULL; p++)
		if ((p == buf || p[-1] == ' ') &&
		    (p[strlen(name)] == ',' || p[strlen(name)] == '\0'))
			return;
	snprintf(buf + o, len - o, "%s%s", o ? ", " : "", name);
}

void
sm_route_allowed_list(const struct sm_config *cfg, const char *calendar,
		      char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	const struct sm_calendar_conf *cal =
		calendar ? sm_config_calendar(cfg, calendar) : NULL;
	if (cal && cal->webhooks_set) {
		for (size_t i = 0; i < cal->webhooks.n; i++)
			list_add(buf, len, cal->webhooks.v[i]);
	} else {
		if (cal)
			list_add(buf, len, cal->webhook);
		for (size_t i = 0; i < cfg->nplatforms; i++)
			list_add(buf, len, cfg->platforms[i].webhook);
		list_add(buf, len, cfg->webhook);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", SM_CONFIG_WEBHOOK_NONE);
}

void
sm_route_event(const struct sm_config *cfg, const struct sm_sched_event *ev,
	       struct sm_route *r)
{
	const struct sm_post *p = ev->occ.post;
	const struct sm_series *s = ev->occ.series;
	unsigned bit = event_bit(ev->type);

	memset(r, 0, sizeof(*r));

	if (p && p->webhook && *p->webhook) {
		/* An unknown name is a typo to show (log sink); a known
		 * one outside the calendar's allowlist is set aside. */
		if (!sm_config_webhook(cfg, p->webhook) ||
		    sm_route_allowed(cfg, s ? s->calendar : NULL, p->webhook)) {
			take(cfg, p->webhook, bit, r);
			return;
		}
		r->refused = p->webhook;
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

void
sm_route_alert(const struct sm_config *cfg, const char *platform, unsigned bit,
	       struct sm_route *r)
{
	memset(r, 0, sizeof(*r));
	const struct sm_platform *pl =
		platform ? sm_config_platform(cfg, platform) : NULL;
	if (pl && pl->webhook) {
		take(cfg, pl->webhook, bit, r);
		return;
	}
	if (cfg->webhook) {
		take(cfg, cfg->webhook, bit, r);
		return;
	}
	r->log_sink = 1;
}
