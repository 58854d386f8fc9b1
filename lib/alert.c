/*
 * alert: owns the description of daemon-originated events (alert.h): their
 * placeholders, their English titles and sentences (marked for `make pot`
 * and translated in po/), and the cadence and goal constructors.  Routing,
 * payloads and firing use it; none of them is here.
 */
#include "alert.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* A goal's number as the human formats write it: a rate as a percentage
 * with two decimals, a count whole (a projection to one decimal). */
static void
goal_number(const struct sm_goal *g, double v, char *buf, size_t len)
{
	if (sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE)
		snprintf(buf, len, "%.2f%%", v * 100);
	else if (fabs(v - round(v)) < 0.05)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

void
sm_alert_goal(struct sm_alert *a, unsigned type, const char *id,
	      const struct sm_goal_eval *e, sm_time at, int64_t fired_at_ms)
{
	const struct sm_goal *g = e->goal;
	char buf[48];
	memset(a, 0, sizeof(*a));
	a->type = type;
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->at = at;
	a->fired_at_ms = fired_at_ms;
	a->late = sm_alert_is_late(at, fired_at_ms);
	a->lead_s = 0;
	int all = !g->platform || strcasecmp(g->platform, "all") == 0;
	a->platform = all ? NULL : g->platform;
	struct sm_jsonw w = {0};
	sm_goal_event_json(&w, type, id, at, fired_at_ms, a->late, e);
	a->json = w.buf; /* taken from the writer */
	a->json_len = w.len;
	sm_alert_set(a, "goal", "%s", g->name);
	sm_alert_set(a, "metric", "%s", sm_kpi_name(g->kpi));
	sm_alert_set(a, "platform", "%s", all ? "all" : g->platform);
	if (e->has_value)
		goal_number(g, e->value, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	sm_alert_set(a, "value", "%s", buf);
	goal_number(g, e->expected, buf, sizeof(buf));
	sm_alert_set(a, "expected", "%s", buf);
	if (e->has_projected)
		goal_number(g, e->projected, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	sm_alert_set(a, "projected", "%s", buf);
	goal_number(g, g->target, buf, sizeof(buf));
	sm_alert_set(a, "target", "%s", buf);
	sm_alert_set(
		a, "deadline", "%s",
		sm_civil_format(g->deadline, SM_CIVIL_DATE, buf, sizeof(buf)));
	sm_alert_set(a, "status", "%s", sm_goal_status_name(e->status));
	/* {date}: the deadline's last instant, as people read it. */
	a->date = e->end - 1;
	if (type == SM_EVENT_GOAL_ACHIEVED) {
		a->priority = 3;
		/* TRANSLATORS: the short title of a goal.achieved alert (ntfy's
		   Title).  {goal} is the goal's name from the configuration. */
		a->title = N_("Goal achieved: {goal}");
		/* TRANSLATORS: a SMART goal reached its target.  {metric} is a
		   KPI's name (reach, engagement_rate, followers, ...), {value}
		   and {target} numbers or percentages. */
		a->message = N_("Goal {goal} achieved: {metric} is {value}, "
				"target {target}.");
	} else if (type == SM_EVENT_GOAL_MISSED) {
		a->priority = 4;
		/* TRANSLATORS: the short title of a goal.missed alert. */
		a->title = N_("Goal missed: {goal}");
		/* TRANSLATORS: a SMART goal's deadline passed before it reached
		   its target.  {date} is the deadline, as the webhook's
		   date_format writes it. */
		a->message = N_("Goal {goal} missed: {metric} was {value} at "
				"its deadline ({date}), target {target}.");
	} else {
		a->priority = 4;
		/* TRANSLATORS: the short title of a goal.off_track alert. */
		a->title = N_("Goal off track: {goal}");
		/* TRANSLATORS: a SMART goal fell behind the straight line from
		   its baseline to its target.  {value} is where it stands,
		   {expected} where the line is today, {projected} where the
		   current pace leads by the deadline {date}. */
		a->message = N_("Goal {goal} is off track: {metric} is "
				"{value}, expected {expected} by now; at this "
				"pace {projected} by {date}, target {target}.");
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
