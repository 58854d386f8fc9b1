/*
 * method-status: io.smcal.Status, the daemon's health in one reply:
 * version and uptime, the calendars and how their loads went, the next
 * events (looked ahead in the scheduler without taking them), the ledger's
 * fired and missed counts, deliveries waiting or failed, webhooks
 * disabled by a 410, and how many platforms are short of their posting
 * plan (plan.c's last look).
 */
#include "control.h"

#include <unistd.h>

#include "plan.h"
#include "post.h"

#define NEXT_EVENTS 10
#define MISSED_SHOWN 5

static json_t *
event_json(const struct world *w, const struct sm_sched_event *ev)
{
	const struct sm_series *s = ev->occ.series;
	const struct sm_post *p = ev->occ.post;
	const char *uid = s->master ? s->master->uid : p->uid;
	char rid[40];
	sm_occur_format_rid(&ev->occ, rid, sizeof(rid));
	const char *names[16];
	int n = sm_post_platforms(w->cfg, p, names, 16);
	json_t *platforms = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(platforms, sm_proto_string(names[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "id",
			 ev->id, "type", sm_event_type_name(ev->type), "at",
			 control_time(ev->at), "at_local",
			 control_time_local(w, ev->at), "calendar",
			 sm_proto_string(s->calendar ? s->calendar : ""), "uid",
			 sm_proto_string(uid), "occurrence", rid, "title",
			 sm_proto_string(p->title), "platforms", platforms);
}

static void
missed_json(void *ctx, const struct sm_store_event *ev)
{
	json_t *o = json_pack("{s:o, s:o, s:o}", "id", sm_proto_string(ev->id),
			      "type", sm_proto_string(ev->type), "at",
			      control_time(ev->scheduled_at));
	if (ev->calendar)
		json_object_set_new(o, "calendar",
				    sm_proto_string(ev->calendar));
	if (ev->uid)
		json_object_set_new(o, "uid", sm_proto_string(ev->uid));
	if (ev->recurrence_id)
		json_object_set_new(o, "occurrence",
				    sm_proto_string(ev->recurrence_id));
	json_array_append_new(ctx, o);
}

static void
disabled_json(void *ctx, const char *webhook, const char *reason, int64_t at)
{
	json_array_append_new(ctx,
			      json_pack("{s:o, s:o, s:o}", "webhook",
					sm_proto_string(webhook), "reason",
					sm_proto_string(reason), "since",
					control_time((sm_time)(at / 1000))));
}

int
method_status(struct control_call *call)
{
	const struct control *ctl = call->ctl;
	const struct control_host *h = &ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	int64_t now = control_now_ms();

	/* The next events, leaving out overdue events of posts already
	 * marked done and events of occurrences cancelled through the socket
	 * (they will not fire). */
	struct sm_sched_event ev[2 * NEXT_EVENTS];
	int n = sm_sched_upcoming(*h->sched, ev, 2 * NEXT_EVENTS);
	json_t *next = json_array();
	for (int i = 0; i < n && json_array_size(next) < NEXT_EVENTS; i++) {
		const struct sm_series *s = ev[i].occ.series;
		const char *uid =
			s->master ? s->master->uid : ev[i].occ.post->uid;
		char rid[40];
		sm_occur_format_rid(&ev[i].occ, rid, sizeof(rid));
		if (sm_store_is_cancelled(st, s->calendar, uid, rid) > 0)
			continue; /* cancelled with smctl cancel */
		if (ev[i].type == SM_EV_OVERDUE &&
		    sm_store_is_done(st, s->calendar, uid, rid) > 0)
			continue;
		json_array_append_new(next, event_json(w, &ev[i]));
	}

	json_t *missed = json_array(), *disabled = json_array();
	long fired = sm_store_count_fired(st);
	long nmissed = sm_store_count_missed(st);
	long pending = sm_outbox_count(st, SM_OUTBOX_PENDING);
	long failed = sm_outbox_count(st, SM_OUTBOX_FAILED);
	int ok = fired >= 0 && nmissed >= 0 && pending >= 0 && failed >= 0 &&
		 sm_store_list_missed_recent(st, MISSED_SHOWN, missed_json,
					     missed) >= 0 &&
		 sm_outbox_list_disabled(st, disabled_json, disabled) >= 0;
	if (!ok) {
		json_decref(next);
		json_decref(missed);
		json_decref(disabled);
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	json_t *o = json_pack(
		"{s:s, s:i, s:i, s:o, s:I, s:o, s:o, s:b, s:I, s:o, s:o}",
		"version", SM_VERSION, "protocol", SM_PROTO_VERSION, "pid",
		(int)getpid(), "started_at",
		control_time((sm_time)(ctl->started_ms / 1000)), "uptime_s",
		(json_int_t)((now - ctl->started_ms) / 1000), "config",
		sm_proto_string(h->config_path), "timezone",
		sm_proto_string(w->cfg->timezone), "reloading",
		*h->reloading != 0, "posts", (json_int_t)w->nposts, "calendars",
		control_calendars(w), "next_events", next);
	json_object_set_new(
		o, "queued",
		json_integer(h->queue ? (json_int_t)h->queue->n : 0));
	json_object_set_new(o, "fired", json_integer(fired));
	json_object_set_new(o, "missed", json_integer(nmissed));
	json_object_set_new(o, "missed_recent", missed);
	json_object_set_new(o, "deliveries_pending", json_integer(pending));
	json_object_set_new(o, "deliveries_failed", json_integer(failed));
	json_object_set_new(o, "disabled_webhooks", disabled);
	json_object_set_new(
		o, "cadence_short",
		json_integer(h->plan ? (json_int_t)h->plan->short_platforms
				     : 0));
	json_object_set_new(o, "lookahead", json_integer(w->cfg->lookahead));
	json_int_t planned = 0;
	for (size_t i = 0; i < w->cfg->nplatforms; i++)
		planned += w->cfg->platforms[i].cadence.unit != SM_CADENCE_NONE;
	json_object_set_new(o, "cadence_platforms", json_integer(planned));
	control_reply(call, o);
	return CONTROL_DONE;
}
