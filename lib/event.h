/*
 * event: the JSON object of a fired event (SPEC section 4), the same in the
 * event log, the log sink and the json webhook format.
 */
#ifndef SM_EVENT_H
#define SM_EVENT_H

#include "config.h"
#include "jsonw.h"
#include "sched.h"

/* Instants with milliseconds: fired_at keeps them, scheduled_at has none. */
typedef int64_t sm_time_ms;

/*
 * Writes the event object (no trailing newline) into w, which is reset
 * first: type, id, scheduled_at, fired_at, late, lead_s and the post.
 */
void sm_event_json(struct sm_jsonw *w, const struct sm_config *cfg,
		   const struct sm_sched_event *ev, sm_time_ms fired_at,
		   int late);

#endif
