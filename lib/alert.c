/*
 * alert: owns the description of daemon-originated events (alert.h): their
 * placeholders, their English titles and sentences (marked for `make pot`
 * and translated in po/), and the cadence constructor.  Routing, payloads
 * and firing use it; none of them is here.
 */
#include "alert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "jsonw.h"

void
sm_alert_set(struct sm_alert *a, const char *name, const char *fmt, ...)
{
	struct sm_alert_var *v = NULL;
	for (int i = 0; i < a->nvars; i++)
		if (strcmp(a->vars[i].name, name) == 0)
			v = &a->vars[i];
	if (!v) {
		if (a->nvars >= SM_ALERT_MAX_VARS)
			return;
		v = &a->vars[a->nvars++];
		v->name = name;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->value, sizeof(v->value), fmt, ap);
	va_end(ap);
}

const char *
sm_alert_get(const struct sm_alert *a, const char *name)
{
	for (int i = 0; i < a->nvars; i++)
		if (strcmp(a->vars[i].name, name) == 0)
			return a->vars[i].value;
	return NULL;
}

int
sm_alert_is_late(sm_time at, int64_t fired_at_ms)
{
	return fired_at_ms - (int64_t)at * 1000 > SM_LATE_MS;
}

void
sm_alert_cadence(struct sm_alert *a, const struct sm_cadence_due *d,
		 int64_t fired_at_ms)
{
	const struct sm_cadence_row *row = d->row;
	char buf[40];
	memset(a, 0, sizeof(*a));
	a->type = d->type;
	snprintf(a->id, sizeof(a->id), "%s", d->id);
	a->at = d->at;
	a->fired_at_ms = fired_at_ms;
	a->late = sm_alert_is_late(d->at, fired_at_ms);
	a->lead_s = (long)d->lead;
	a->platform = row->platform->name;
	struct sm_jsonw w = {0};
	sm_cadence_event_json(&w, d, fired_at_ms, a->late);
	a->json = w.buf; /* taken from the writer */
	a->json_len = w.len;
	sm_alert_set(a, "platform", "%s", row->platform->name);
	sm_alert_set(a, "period", "%s", row->period.label);
	sm_alert_set(a, "start", "%s",
		     sm_civil_format(row->period.start, SM_CIVIL_UTC, buf,
				     sizeof(buf)));
	sm_alert_set(a, "end", "%s",
		     sm_civil_format(row->period.end, SM_CIVIL_UTC, buf,
				     sizeof(buf)));
	sm_alert_set(a, "target", "%d", row->target);
	sm_alert_set(a, "scheduled", "%d", row->scheduled);
	sm_alert_set(a, "published", "%d", row->published);
	sm_alert_set(a, "gap", "%d", row->gap);
	sm_alert_set(a, "expected", "%d", row->expected);
	sm_alert_set(a, "status", "%s", sm_cadence_status_name(row->status));
	a->priority = 4; /* ntfy's "high": the plan is at risk */
	if (d->type == SM_EVENT_CADENCE_BEHIND) {
		/* TRANSLATORS: the short title of a cadence.behind alert (ntfy's
		   Title).  {platform} is a platform's name, {period} a period
		   label such as 2026-W49, 2026-12 or 2026-12-03. */
		a->title = N_("Behind: {platform} {period}");
		/* TRANSLATORS: the current period of a platform's posting plan
		   lags: fewer posts were marked published than its pro-rata
		   target by now.  {published}, {expected} and {target} are
		   numbers of posts; {date} is when the period ends, as the
		   webhook's date_format writes it. */
		a->message = N_("Behind on {platform} for {period}: "
				"published {published}, due by now "
				"{expected}, target {target} by {date}.");
		a->date = row->period.end;
	} else {
		/* TRANSLATORS: the short title of a cadence.gap alert. */
		a->title = N_("Cadence gap: {platform} {period}");
		/* TRANSLATORS: an upcoming period of a platform's posting plan
		   has fewer posts scheduled than its target.  {scheduled},
		   {target} and {gap} (how many are missing) are numbers of
		   posts; {date} is when the period starts. */
		a->message = N_("Cadence gap on {platform} for {period} "
				"(starts {date}): scheduled {scheduled}, "
				"target {target}, missing {gap}.");
		a->date = row->period.start;
	}
}

void
sm_alert_free(struct sm_alert *a)
{
	if (!a)
		return;
	free(a->json);
	a->json = NULL;
	a->json_len = 0;
}
