/*
 * method-metric: io.smcal.Metrics.Record, `smctl metric ID name=N ...`:
 * values of one published occurrence, or followers of a platform on a
 * day.  The post is named as everywhere: a queued post's id, or a
 * calendar post's UID with the occurrence's identity for one instance of
 * a series (a series without it is refused with a hint).  The values are
 * recorded in one transaction (lib/metricstore keeps the history), then
 * the goals are checked again, since a status may have changed.
 */
#include "control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goalcheck.h"
#include "metricstore.h"
#include "postview.h"
#include "published.h"
#include "queue.h"
#include "when.h"

/* A value cannot be measured this far ahead of the daemon's clock. */
#define FUTURE_SLACK 300

/* The largest count accepted: sums of many stay within int64. */
#define COUNT_MAX (INT64_MAX / 4)

/* An occurrence a post name resolved to. */
struct target {
	const char *calendar;
	char uid[512];
	char rid[48];
	char title[512];
	int has_title;
	sm_time at;
};

static void bad(struct control_call *call, const char *param, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));
static void no_post(struct control_call *call, const char *id, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* InvalidParameter naming param, with a printf-formatted message. */
static void
bad(struct control_call *call, const char *param, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	control_fail(call, SM_PROTO_E_BAD_VALUE,
		     json_pack("{s:s}", "parameter", param), "%s", msg);
}

/* NoSuchPost naming id. */
static void
no_post(struct control_call *call, const char *id, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	control_fail(call, SM_PROTO_E_NO_SUCH_POST,
		     json_pack("{s:o}", "id", sm_proto_string(id)), "%s", msg);
}

/*
 * Resolves id (and occurrence) to one occurrence; replies with the error
 * and returns -1 when it cannot.
 */
static int
resolve(struct control_call *call, const char *id, const char *occurrence,
	struct target *t)
{
	const struct world *w = *call->ctl->host.world;
	struct sm_store *st = *call->ctl->host.store;
	memset(t, 0, sizeof(*t));
	if (sm_queue_id_valid(id)) {
		struct sm_arena a = {0};
		struct sm_queue_post q;
		int rc = sm_queue_get(st, id, &a, &q);
		if (rc == -ENOENT) {
			no_post(call, id,
				"no queued post %s (smctl list shows them)",
				id);
			sm_arena_free(&a);
			return -1;
		}
		if (rc < 0) {
			control_fail(call, SM_PROTO_E_INTERNAL, NULL,
				     "the state database: %s",
				     sm_store_error(st));
			sm_arena_free(&a);
			return -1;
		}
		t->calendar = SM_CONFIG_QUEUE_CALENDAR;
		snprintf(t->uid, sizeof(t->uid), "%s", q.id);
		sm_queue_rid(q.publish_at, t->rid, sizeof(t->rid));
		if (q.title) {
			snprintf(t->title, sizeof(t->title), "%s", q.title);
			t->has_title = 1;
		}
		t->at = q.publish_at;
		int cancelled = q.status == SM_QUEUE_CANCELLED;
		sm_arena_free(&a);
		if (cancelled) {
			no_post(call, id,
				"%s was cancelled: it has no results to "
				"record",
				id);
			return -1;
		}
		if (occurrence && strcmp(occurrence, t->rid) != 0) {
			no_post(call, id,
				"queued post %s has one occurrence, %s: leave "
				"out --occurrence",
				id, t->rid);
			return -1;
		}
		return 0;
	}

	const struct sm_series *s = NULL;
	size_t n = published_find_series(&w->set, id, &s);
	if (n == 0) {
		no_post(call, id,
			"no post %s: give a queued post's id or a calendar "
			"post's UID (smctl list shows them)",
			id);
		return -1;
	}
	if (n > 1) {
		no_post(call, id,
			"UID %s is in %s calendars: record the metrics of a "
			"post whose UID is unique",
			id, n == 2 ? "two" : "several");
		return -1;
	}
	struct sm_occurrence occ;
	int found;
	char rid[48];
	enum sm_civil_style kind;
	sm_time key;
	if (occurrence) {
		if (sm_postview_rid_parse(occurrence, rid, sizeof(rid), &kind,
					  &key) < 0) {
			bad(call, "occurrence",
			    "occurrence \"%s\": expected an occurrence's "
			    "identity as smctl list and smctl expand write "
			    "it: 2026-12-01T08:00:00Z (zoned and UTC series), "
			    "2026-12-01T09:00:00 (floating) or 2026-12-01 "
			    "(all-day)",
			    occurrence);
			return -1;
		}
		occurrence = rid;
		found = published_find_occurrence(s, &w->opts, occurrence,
						  &occ);
		if (!found) {
			no_post(call, id,
				"%s has no occurrence %s: give its identity "
				"as smctl expand prints it "
				"(2026-12-01T08:00:00Z, 2026-12-01T09:00:00 "
				"or 2026-12-01)",
				id, occurrence);
			return -1;
		}
	} else {
		if (published_recurring(s)) {
			/* Name the latest occurrence so far in the hint. */
			char hint[48] = "";
			sm_time now = control_now_ms() / 1000;
			struct sm_occurrence o;
			sm_time from = now - 400 * (sm_time)SM_DAY;
			sm_time last = SM_TIME_MIN;
			while (sm_occur_next(s, &w->opts, from, &o) &&
			       o.start <= now) {
				last = o.start;
				sm_occur_format_rid(&o, hint, sizeof(hint));
				from = o.start + 1;
			}
			if (last != SM_TIME_MIN)
				bad(call, "occurrence",
				    "%s is a series: name one occurrence with "
				    "--occurrence RECURRENCE_ID (the latest so "
				    "far: --occurrence %s)",
				    id, hint);
			else
				bad(call, "occurrence",
				    "%s is a series: name one occurrence with "
				    "--occurrence RECURRENCE_ID (smctl expand "
				    "lists them)",
				    id);
			return -1;
		}
		const struct sm_post *m =
			s->master ? s->master : s->overrides[0];
		found = sm_occur_next(s, &w->opts, m->start.civil - 2 * SM_DAY,
				      &occ);
		if (!found) {
			no_post(call, id, "%s has no occurrence", id);
			return -1;
		}
	}
	char occ_rid[48];
	sm_occur_format_rid(&occ, occ_rid, sizeof(occ_rid));
	int gone = occ.cancelled;
	if (!gone) {
		int rc = sm_store_is_cancelled(*call->ctl->host.store,
					       s->calendar, id, occ_rid);
		if (rc < 0) {
			control_fail(call, SM_PROTO_E_INTERNAL, NULL,
				     "the state database: %s",
				     sm_store_error(*call->ctl->host.store));
			return -1;
		}
		gone = rc > 0;
	}
	if (gone) {
		no_post(call, id,
			"%s %s is cancelled: it has no results to record", id,
			occ_rid);
		return -1;
	}
	t->calendar = s->calendar;
	snprintf(t->uid, sizeof(t->uid), "%s", id);
	sm_occur_format_rid(&occ, t->rid, sizeof(t->rid));
	if (occ.post->title) {
		snprintf(t->title, sizeof(t->title), "%s", occ.post->title);
		t->has_title = 1;
	}
	t->at = occ.start;
	return 0;
}

/* The values object: names to counts.  Replies and returns -1 when one is
 * wrong; sets *followers when followers is given. */
static int
read_values(struct control_call *call, const json_t *obj,
	    struct sm_metric_values *v, int *has_followers, int64_t *followers)
{
	const char *key;
	json_t *val;
	memset(v, 0, sizeof(*v));
	*has_followers = 0;
	if (json_object_size(obj) == 0) {
		bad(call, "values",
		    "no value given: name=N, with name one of impressions, "
		    "reach, engagement, likes, comments, shares, saves, "
		    "clicks, conversions or followers");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)obj, key, val)
	{
		struct sm_metrics_column col;
		if (sm_metrics_field_parse(key, &col) < 0 ||
		    col.field != SM_FIELD_METRIC) {
			int k = sm_kpi_parse(key);
			if (k >= 0 &&
			    sm_kpi_kind((enum sm_kpi)k) == SM_KPI_KIND_RATE) {
				bad(call, "values",
				    "%s is worked out from the counts "
				    "(engagement, reach, impressions, "
				    "clicks, conversions): record "
				    "those",
				    key);
				return -1;
			}
			if (k == SM_KPI_POSTS) {
				bad(call, "values",
				    "posts is counted from the calendar "
				    "and the done marks: smctl done ID "
				    "marks one published");
				return -1;
			}
			bad(call, "values",
			    "unknown metric \"%s\": expected one of "
			    "impressions, reach, engagement, likes, "
			    "comments, shares, saves, clicks, "
			    "conversions or followers",
			    key);
			return -1;
		}
		if (!json_is_integer(val) || json_integer_value(val) < 0 ||
		    json_integer_value(val) > COUNT_MAX) {
			bad(call, "values",
			    "%s: expected a whole number of 0 or more "
			    "(such as 1200)",
			    key);
			return -1;
		}
		int64_t n = json_integer_value(val);
		if (col.kpi == SM_KPI_FOLLOWERS) {
			*has_followers = 1;
			*followers = n;
		} else {
			sm_metric_set(v, col.kpi, n);
		}
	}
	return 0;
}

static json_t *
values_json(const struct sm_mstore_post *p)
{
	json_t *o = json_object();
	for (int k = 0; k < SM_KPI_NPOST; k++) {
		int64_t v;
		/* Engagement as the report counts it: recorded, else the sum
		 * of its parts. */
		if (sm_metric_get(&p->values, (enum sm_kpi)k, &v))
			json_object_set_new(o, sm_kpi_name((enum sm_kpi)k),
					    json_integer(v));
	}
	return o;
}

/* The local date of day_start in zone, "2026-12-03". */
static void
local_date(const struct world *w, sm_time t, char *buf, size_t len)
{
	sm_time local = w->opts.zone ? sm_tz_to_local(w->opts.zone, t) : t;
	sm_civil_format(sm_civil_day_of(local) * SM_DAY, SM_CIVIL_DATE, buf,
			len);
}

/* The instant local day of t starts in the world's zone. */
static sm_time
day_start(const struct world *w, sm_time t)
{
	sm_time local = w->opts.zone ? sm_tz_to_local(w->opts.zone, t) : t;
	sm_time midnight = sm_civil_day_of(local) * SM_DAY;
	return w->opts.zone ? sm_tz_resolve(w->opts.zone, midnight) : midnight;
}

static int
record_followers(struct control_call *call, const char *platform, int64_t value,
		 sm_time at, sm_time now)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	const struct sm_platform *pl = sm_config_platform(w->cfg, platform);
	if (!pl) {
		char list[512] = "";
		for (size_t i = 0; i < w->cfg->nplatforms; i++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s",
				 i ? ", " : "", w->cfg->platforms[i].name);
		}
		bad(call, "platform",
		    "no platform %s in the configuration (platforms: "
		    "%s)",
		    platform, w->cfg->nplatforms ? list : "none");
		return CONTROL_DONE;
	}
	char day[32];
	local_date(w, at, day, sizeof(day));
	struct sm_mstore_followers f = {
		.platform = pl->name,
		.day = day,
		.day_start = day_start(w, at),
		.value = value,
		.at = at,
	};
	size_t changed = 0;
	deliver_flush(h->deliver);
	if (sm_metricstore_record_followers(st, &f, 1, now, 0, &changed) < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	control_reply(call, json_pack("{s:s, s:s, s:I, s:o, s:b}", "platform",
				      pl->name, "day", day, "followers",
				      (json_int_t)value, "at", control_time(at),
				      "changed", changed > 0));
	if (changed)
		goalcheck_kick(h->goals);
	return CONTROL_DONE;
}

int
method_metric_record(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	const char *id = call->args[0].set ? call->args[0].s : NULL;
	const char *occurrence = call->args[1].set ? call->args[1].s : NULL;
	const char *platform = call->args[2].set ? call->args[2].s : NULL;
	sm_time now = control_now_ms() / 1000, at = now;

	struct sm_metric_values v;
	int has_followers = 0;
	int64_t followers = 0;
	if (read_values(call, call->args[4].j, &v, &has_followers, &followers) <
	    0)
		return CONTROL_DONE;
	if (call->args[3].set) {
		char err[256];
		if (sm_when_parse(call->args[3].s,
				  has_followers ? SM_WHEN_FROM : SM_WHEN_AT,
				  now, w->opts.zone, &at, err,
				  sizeof(err)) < 0) {
			bad(call, "at", "--at: %s", err);
			return CONTROL_DONE;
		}
		if (at > now + FUTURE_SLACK) {
			bad(call, "at",
			    "--at %s is in the future: values are "
			    "recorded as of when they were measured",
			    call->args[3].s);
			return CONTROL_DONE;
		}
	}
	if (has_followers) {
		if (v.have) {
			bad(call, "values",
			    "followers counts a platform, the other "
			    "metrics a post: record them in two "
			    "commands");
			return CONTROL_DONE;
		}
		if (id || occurrence) {
			bad(call, "id",
			    "followers counts a platform on a day, not a "
			    "post: smctl metric followers=N --platform "
			    "P");
			return CONTROL_DONE;
		}
		if (!platform) {
			bad(call, "platform",
			    "followers needs --platform P (the count of "
			    "one platform on the day of --at)");
			return CONTROL_DONE;
		}
		return record_followers(call, platform, followers, at, now);
	}
	if (!id) {
		bad(call, "id",
		    "which post? smctl metric ID name=N ... (ID: a queued "
		    "post's id or a calendar post's UID)");
		return CONTROL_DONE;
	}
	if (platform) {
		bad(call, "platform",
		    "--platform goes with followers=N; a post's metrics "
		    "are the post's on all its platforms");
		return CONTROL_DONE;
	}

	struct target t;
	if (resolve(call, id, occurrence, &t) < 0)
		return CONTROL_DONE;
	if (t.at > now && sm_store_is_done(st, t.calendar, t.uid, t.rid) <= 0) {
		char when[64];
		sm_civil_format(t.at, SM_CIVIL_UTC, when, sizeof(when));
		bad(call, "id",
		    "%s publishes at %s, in the future: record its "
		    "results once it is published (or mark it with "
		    "smctl done)",
		    id, when);
		return CONTROL_DONE;
	}
	struct sm_mstore_post p = {
		.calendar = t.calendar,
		.uid = t.uid,
		.recurrence_id = t.rid,
		.values = v,
		.at = at,
	};
	size_t changed = 0;
	deliver_flush(h->deliver);
	struct sm_mstore_post cur;
	if (sm_metricstore_record(st, &p, 1, now, 0, &changed) < 0 ||
	    sm_metricstore_get(st, t.calendar, t.uid, t.rid, &cur) < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "calendar",
		t.calendar, "id", t.uid, "occurrence", t.rid, "title",
		t.has_title ? sm_proto_string(t.title) : json_null(),
		"publish_at", control_time(t.at), "at", control_time(at),
		"values", values_json(&cur), "changed", changed > 0);
	control_reply(call, o);
	if (changed)
		goalcheck_kick(h->goals);
	return CONTROL_DONE;
}
