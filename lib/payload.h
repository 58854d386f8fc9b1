/*
 * payload: the body and headers a webhook receives for an event, in the
 * webhook's format (SPEC section 5): json (the event object of SPEC 4, plus
 * "attempt" added at send time), slack ({"text"}), discord ({"content"}, at
 * most 2000 characters, "allowed_mentions" empty so calendar text can ping
 * nobody), ntfy (plain text with Title, Priority, Tags and Click headers)
 * and template ({{event}}, {{id}}, {{title}}, {{body}}, {{url}},
 * {{platforms}}, {{type}} (the content type), {{persona}}, {{campaign}},
 * {{status}}, {{calendar}}, {{uid}}, {{recurrence_id}}, {{publish_at}},
 * {{scheduled_at}} and their RFC 3339 forms {{publish_at_iso}},
 * {{scheduled_at_iso}} replaced, escaped for the template's content type).
 *
 * Dates in human text use the webhook's date_format in its locale
 * (newlocale + strftime_l: the process locale is never touched) and its
 * time zone.  Header values never contain CR or LF.
 */
#ifndef SM_PAYLOAD_H
#define SM_PAYLOAD_H

#include <stddef.h>

#include "alert.h"
#include "config.h"
#include "event.h"
#include "sched.h"

#define SM_PAYLOAD_MAX_HEADERS 16

struct sm_payload {
	char *body; /* owned */
	size_t len;
	char content_type[96];
	/* Extra headers, "Name: value" each (owned), from the format (ntfy)
	 * and the webhook's `headers`. */
	char *headers[SM_PAYLOAD_MAX_HEADERS];
	int nheaders;
	int json_event; /* 1: the body is the event object, and
				   "attempt" is added at send time */
};

/*
 * Renders the event for the webhook.  fired_at is the event's fired_at (ms)
 * and late its late flag (as in the event log).  Returns 0, or -1 when the
 * webhook's locale does not exist (the payload then uses the C locale and
 * is still filled: the caller logs it).
 */
int sm_payload_build(const struct sm_config *cfg, const struct sm_webhook *wh,
		     const struct sm_sched_event *ev, sm_time_ms fired_at,
		     int late, struct sm_payload *out);

/*
 * Renders a daemon-originated event (lib/alert: cadence.*, goal.*) for the
 * webhook: json sends its event object (attempt added at send time), the
 * slack, discord and ntfy formats its sentence in the webhook's language
 * (ntfy: its title as Title, its priority, and its platform and type as
 * Tags), a template its placeholders (alert.h), the event's ({{event}},
 * {{id}}, {{title}}, {{platforms}}, {{scheduled_at}}, {{date}} and their
 * _iso forms) and the post's ones empty.  Returns 0, or -1 when the
 * webhook's locale does not exist (the payload is still filled).
 */
int sm_payload_build_alert(const struct sm_webhook *wh,
			   const struct sm_alert *a, struct sm_payload *out);

/* Frees what sm_payload_build allocated. */
void sm_payload_free(struct sm_payload *p);

/*
 * The body to send for attempt n: for json_event payloads the event object
 * with "attempt": n appended, else a copy of the body.  Returns a malloc'd
 * string (length in *len).
 */
char *sm_payload_attempt_body(const char *body, size_t len, int json_event,
			      int attempt, size_t *out_len);

/* Writes a date in the webhook's zone, format and locale into buf;
 * returns 0, or -1 when the locale is unknown (C locale used). */
int sm_payload_format_date(const struct sm_webhook *wh, sm_time t, char *buf,
			   size_t len);

/* Copies a header value without CR and LF (a calendar must not inject
 * headers). */
void sm_payload_header_clean(const char *in, char *out, size_t outlen);

#endif
