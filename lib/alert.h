/*
 * alert: events the daemon originates itself, which belong to no post
 * occurrence: cadence.gap and cadence.behind (SPEC section 7), and the
 * goal.* events of SPEC section 8.  An alert holds what every sink needs of
 * such an event, worked out once: the event object (the event log, the log
 * sink and the json webhook format), the platform it is routed by, and the
 * words of the human formats (slack, discord, ntfy, template) as message
 * templates with named placeholders, translated per webhook (lib/i18n) and
 * filled with the alert's values by lib/payload.
 *
 * A new kind of alert is one constructor here (sm_alert_cadence is the
 * example): the daemon fires any alert through the same path (daemon/
 * alert.c), routing (sm_route_alert), payloads (sm_payload_build_alert) and
 * signing included.  Pure: the time is passed in.
 */
#ifndef SM_ALERT_H
#define SM_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "cadence.h"
#include "civil.h"
#include "goals.h"
#include "sched.h"

#define SM_ALERT_MAX_VARS 16
#define SM_ALERT_VALUE_MAX 96

/* One placeholder of the alert's messages and templates: {name}. */
struct sm_alert_var {
	const char *name; /* static */
	char value[SM_ALERT_VALUE_MAX];
};

struct sm_alert {
	unsigned type;		  /* one enum sm_event_bit */
	char id[SM_EVENT_ID_LEN]; /* "evt_" + 32 hex digits: the webhook-id */
	sm_time at;		  /* scheduled_at */
	int64_t fired_at_ms;
	int late;    /* fired more than SM_LATE_MS after `at` */
	long lead_s; /* seconds from `at` to the instant it is about */
	char *json;  /* the event object, one line (owned) */
	size_t json_len;
	/* Routed by this platform's `webhook`, else [daemon] webhook, else
	 * the log sink; NULL: [daemon] webhook (a goal on every platform). */
	const char *platform;
	/* English templates with {name} placeholders (static strings, the
	 * msgids of their translations): a short title (ntfy's Title) and
	 * the sentence of the slack, discord and ntfy formats.  {date} is
	 * `date` in the webhook's date_format, locale and zone. */
	const char *title;
	const char *message;
	sm_time date;
	int priority; /* ntfy's Priority, 1 .. 5 */
	struct sm_alert_var vars[SM_ALERT_MAX_VARS];
	int nvars;
};

/* Sets placeholder name (a static string) to a printf-formatted value
 * (cut at SM_ALERT_VALUE_MAX - 1 bytes); replaces an earlier value. */
void sm_alert_set(struct sm_alert *a, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value of placeholder name, or NULL when the alert has none. */
const char *sm_alert_get(const struct sm_alert *a, const char *name);

/* Whether an event fired at fired_at_ms for instant at is late: more than
 * SM_LATE_MS after it, as for post events. */
int sm_alert_is_late(sm_time at, int64_t fired_at_ms);

/*
 * Fills *a (overwritten; sm_alert_free releases it) for a cadence alert
 * that fires at fired_at_ms: the event object of sm_cadence_event_json,
 * routed by the row's platform, placeholders platform, period, start, end
 * (RFC 3339 UTC), target, scheduled, published, gap, expected and status,
 * {date} the period's start (gap) or end (behind).  d and its row are only
 * read during the call.
 */
void sm_alert_cadence(struct sm_alert *a, const struct sm_cadence_due *d,
		      int64_t fired_at_ms);

/*
 * Fills *a (overwritten; sm_alert_free releases it) for a goal event of
 * type (SM_EVENT_GOAL_OFF_TRACK, _ACHIEVED or _MISSED) with id
 * (sm_goal_event_id), checked at `at` and fired at fired_at_ms: the event
 * object of sm_goal_event_json (the goal in place of the post), routed by
 * the goal's platform (NULL for "all": [daemon] webhook), placeholders
 * goal, metric, platform, value, expected, projected, target, deadline and
 * status (rates as percentages), {date} the deadline's last day.  e is
 * only read during the call.
 */
void sm_alert_goal(struct sm_alert *a, unsigned type, const char *id,
		   const struct sm_goal_eval *e, sm_time at,
		   int64_t fired_at_ms);

/* Frees the alert's event object and empties it; a zeroed alert is a
 * no-op. */
void sm_alert_free(struct sm_alert *a);

#endif
