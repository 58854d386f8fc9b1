/*
 * Unit tests for lib/event: the JSON object of a fired event (SPEC section
 * 4), parsed back with jansson and checked field by field: exactly the
 * documented keys, null for missing optional values, escaping, platforms and
 * content type through the config's CATEGORIES mapping, draft/scheduled.
 *
 * The events come from a real calendar through sched, so the occurrence
 * and post they point to are what the daemon would hand over.
 */
#include "support.h"

#include <jansson.h>

#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "event.h"
#include "jsonw.h"
#include "occur.h"
#include "sched.h"

static sm_time
at(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0)
		fail_msg("bad time literal in test: %s", s);
	return t;
}

#define CONF                                                                   \
	"[daemon]\n"                                                           \
	"timezone = Europe/Paris\n"                                            \
	"[reminders]\n"                                                        \
	"lead = 1h\n"                                                          \
	"overdue = 2h\n"                                                       \
	"[platform:instagram]\n"                                               \
	"categories = Instagram, IG\n"                                         \
	"[platform:linkedin]\n"                                                \
	"cadence = 1/week\n"                                                   \
	"[type:informative]\n"                                                 \
	"categories = Tips, Howto\n"

static const char *const calendar_lines[] = {
	"BEGIN:VCALENDAR",
	"VERSION:2.0",
	"PRODID:-//test//EN",
	/* Every field set; CATEGORIES give two platforms and the type. */
	"BEGIN:VEVENT",
	"UID:p1",
	"DTSTART:20261201T080000Z",
	"SUMMARY:Say \"hi\"",
	"DESCRIPTION:line one\\nline two \"q\" \\\\ back\\, ok",
	"CATEGORIES:IG,Tips,LinkedIn",
	"X-SMCAL-PERSONA:Ana",
	"X-SMCAL-CAMPAIGN:Winter",
	"URL:https://example.com/p?a=1&b=2",
	"END:VEVENT",
	/* A draft with nothing but its time. */
	"BEGIN:VEVENT",
	"UID:p2",
	"DTSTART;TZID=Europe/Paris:20261202T090000",
	"RRULE:FREQ=DAILY;COUNT=2",
	"STATUS:TENTATIVE",
	"END:VEVENT",
	/* A floating series with X- properties and a moved override. */
	"BEGIN:VEVENT",
	"UID:p3",
	"DTSTART:20261204T100000",
	"RRULE:FREQ=DAILY;COUNT=2",
	"SUMMARY:Daily",
	"X-SMCAL-PLATFORM:TikTok",
	"X-SMCAL-TYPE:offer",
	"END:VEVENT",
	"BEGIN:VEVENT",
	"UID:p3",
	"RECURRENCE-ID:20261205T100000",
	"DTSTART:20261205T113000",
	"SUMMARY:Moved",
	"X-SMCAL-PLATFORM:TikTok",
	"X-SMCAL-TYPE:offer",
	"END:VEVENT",
	"END:VCALENDAR",
	NULL,
};

/* ---------------------------------------------------------------------
 * Fixture, freed by the teardown also when a test fails half-way.
 */

struct efx {
	struct sm_config *cfg;
	struct sm_calendar cal;
	struct sm_diag_list d;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_sched *s;
	struct sm_jsonw w;
	json_t *root;
	int n;
	struct sm_sched_event ev[64];
};

static struct efx fx;
static int fx_live;

static void
fx_fini(void)
{
	if (!fx_live)
		return;
	json_decref(fx.root);
	sm_jsonw_free(&fx.w);
	sm_sched_free(fx.s);
	sm_occur_set_free(&fx.set);
	sm_calendar_fini(&fx.cal);
	sm_diag_clear(&fx.d);
	sm_config_free(fx.cfg);
	memset(&fx, 0, sizeof(fx));
	fx_live = 0;
}

/* Loads the calendar and takes every event of December 2026. */
static void
fx_load(void)
{
	memset(&fx, 0, sizeof(fx));
	sm_calendar_init(&fx.cal, "main");
	fx_live = 1;
	fx.cfg = config_text(CONF);
	char *text = ics_join(calendar_lines);
	assert_int_equal(sm_calendar_load_buffer(&fx.cal, text, strlen(text),
						 "t.ics", &fx.d),
			 0);
	free(text);
	fx.opts.zone = sm_calendar_system_zone(fx.cfg->timezone);
	assert_non_null(fx.opts.zone);
	fx.opts.allday_offset = (sm_time)fx.cfg->allday_time * 60;
	assert_int_equal(sm_occur_index(&fx.set, &fx.cal, &fx.opts, &fx.d), 0);
	if (fx.d.nerrors) {
		sm_diag_print(&fx.d, stderr);
		fail_msg("unexpected errors loading the calendar");
	}
	fx.s = sm_sched_new(fx.cfg);
	sm_sched_load(fx.s, &fx.set, &fx.opts, at("2026-11-01T00:00:00Z"));
	while (fx.n < 64 &&
	       sm_sched_pop(fx.s, at("2027-01-01T00:00:00Z"), &fx.ev[fx.n]))
		fx.n++;
	assert_true(fx.n < 64);
}

/* The event of that type, post UID and instant. */
static const struct sm_sched_event *
event(enum sm_event_type type, const char *uid, const char *when)
{
	sm_time t = at(when);
	for (int i = 0; i < fx.n; i++) {
		const struct sm_sched_event *e = &fx.ev[i];
		const struct sm_series *s = e->occ.series;
		const char *u = s->master ? s->master->uid : e->occ.post->uid;
		if (e->type == type && e->at == t && strcmp(u, uid) == 0)
			return e;
	}
	fail_msg("no %s event of %s at %s", sm_event_type_name(type), uid,
		 when);
	return NULL;
}

/* Serialises ev and parses the text back; the root stays in fx. */
static json_t *
to_json(const struct sm_sched_event *ev, sm_time_ms fired_at, int late)
{
	json_decref(fx.root);
	fx.root = NULL;
	sm_event_json(&fx.w, fx.cfg, ev, fired_at, late);
	assert_non_null(fx.w.buf);
	assert_int_equal(strlen(fx.w.buf), fx.w.len);
	/* One line, no trailing newline: the event log is JSON Lines. */
	assert_null(strchr(fx.w.buf, '\n'));
	json_error_t err;
	fx.root = json_loadb(fx.w.buf, fx.w.len, JSON_REJECT_DUPLICATES, &err);
	if (!fx.root)
		fail_msg("not JSON (%s at %d): %s", err.text, err.position,
			 fx.w.buf);
	assert_true(json_is_object(fx.root));
	return fx.root;
}

/* The object has exactly these keys. */
static void
check_keys(json_t *obj, const char *const *keys)
{
	assert_true(json_is_object(obj));
	size_t n = 0;
	for (; keys[n]; n++)
		if (!json_object_get(obj, keys[n]))
			fail_msg("key %s missing", keys[n]);
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		(void)v;
		int known = 0;
		for (size_t i = 0; keys[i]; i++)
			known |= strcmp(k, keys[i]) == 0;
		if (!known)
			fail_msg("unexpected key %s", k);
	}
	assert_int_equal(json_object_size(obj), n);
}

/* obj[key] is the string want, or null when want is NULL. */
static void
check_str(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		fail_msg("key %s missing", key);
	if (!want) {
		if (!json_is_null(v))
			fail_msg("%s: want null", key);
		return;
	}
	if (!json_is_string(v))
		fail_msg("%s: want the string \"%s\"", key, want);
	if (strcmp(json_string_value(v), want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", key,
			 json_string_value(v), want);
}

static void
check_platforms(json_t *post, const char *const *want)
{
	json_t *a = json_object_get(post, "platforms");
	assert_true(json_is_array(a));
	size_t n = 0;
	for (; want[n]; n++) {
		json_t *v = json_array_get(a, n);
		if (!json_is_string(v) || strcmp(json_string_value(v), want[n]))
			fail_msg("platforms[%zu]: want %s", n, want[n]);
	}
	assert_int_equal(json_array_size(a), n);
}

static const char *const top_keys[] = {
	"type", "id",	  "scheduled_at", "fired_at",
	"late", "lead_s", "post",	  NULL,
};

static const char *const post_keys[] = {
	"uid",	      "recurrence_id", "calendar", "title",   "body",
	"publish_at", "platforms",     "type",	   "persona", "campaign",
	"url",	      "status",	       NULL,
};

static void
check_id(json_t *root, const struct sm_sched_event *ev)
{
	check_str(root, "id", ev->id);
	const char *id = json_string_value(json_object_get(root, "id"));
	assert_int_equal(strlen(id), 36);
	assert_memory_equal(id, "evt_", 4);
	for (int i = 4; i < 36; i++)
		assert_non_null(strchr("0123456789abcdef", id[i]));
}

/* ---------------------------------------------------------------------
 * Tests.
 */

static void
test_due_full_post(void **state)
{
	(void)state;
	fx_load();
	const struct sm_sched_event *ev =
		event(SM_EV_DUE, "p1", "2026-12-01T08:00:00Z");
	sm_time_ms fired = (sm_time_ms)at("2026-12-01T08:00:00Z") * 1000 + 3;
	json_t *root = to_json(ev, fired, 0);
	check_keys(root, top_keys);
	check_str(root, "type", "post.due");
	check_id(root, ev);
	check_str(root, "scheduled_at", "2026-12-01T08:00:00.000Z");
	check_str(root, "fired_at", "2026-12-01T08:00:00.003Z");
	assert_true(json_is_false(json_object_get(root, "late")));
	json_t *lead = json_object_get(root, "lead_s");
	assert_true(json_is_integer(lead));
	assert_int_equal(json_integer_value(lead), 0);

	json_t *post = json_object_get(root, "post");
	check_keys(post, post_keys);
	check_str(post, "uid", "p1");
	check_str(post, "recurrence_id", "2026-12-01T08:00:00Z");
	check_str(post, "calendar", "main");
	check_str(post, "title", "Say \"hi\"");
	check_str(post, "body", "line one\nline two \"q\" \\ back, ok");
	check_str(post, "publish_at", "2026-12-01T08:00:00Z");
	check_platforms(post, LINES("instagram", "linkedin"));
	check_str(post, "type", "informative");
	check_str(post, "persona", "Ana");
	check_str(post, "campaign", "Winter");
	check_str(post, "url", "https://example.com/p?a=1&b=2");
	check_str(post, "status", "scheduled");
	/* The escapes themselves, as written. */
	assert_non_null(strstr(fx.w.buf, "\"title\":\"Say \\\"hi\\\"\""));
	assert_non_null(strstr(
		fx.w.buf,
		"\"body\":\"line one\\nline two \\\"q\\\" \\\\ back, ok\""));
	fx_fini();
}

static void
test_reminder_late(void **state)
{
	(void)state;
	fx_load();
	const struct sm_sched_event *ev =
		event(SM_EV_REMINDER, "p1", "2026-12-01T07:00:00Z");
	sm_time_ms fired = (sm_time_ms)at("2026-12-01T07:00:05Z") * 1000 + 999;
	json_t *root = to_json(ev, fired, 1);
	check_keys(root, top_keys);
	check_str(root, "type", "post.reminder");
	check_id(root, ev);
	check_str(root, "scheduled_at", "2026-12-01T07:00:00.000Z");
	check_str(root, "fired_at", "2026-12-01T07:00:05.999Z");
	assert_true(json_is_true(json_object_get(root, "late")));
	assert_int_equal(json_integer_value(json_object_get(root, "lead_s")),
			 3600);
	json_t *post = json_object_get(root, "post");
	check_keys(post, post_keys);
	check_str(post, "publish_at", "2026-12-01T08:00:00Z");
	check_str(post, "status", "scheduled");

	/* The overdue event of the same post. */
	ev = event(SM_EV_OVERDUE, "p1", "2026-12-01T10:00:00Z");
	fired = (sm_time_ms)at("2026-12-01T10:00:00Z") * 1000;
	root = to_json(ev, fired, 0);
	check_str(root, "type", "post.overdue");
	check_str(root, "scheduled_at", "2026-12-01T10:00:00.000Z");
	check_str(root, "fired_at", "2026-12-01T10:00:00.000Z");
	assert_int_equal(json_integer_value(json_object_get(root, "lead_s")),
			 0);
	check_str(json_object_get(root, "post"), "publish_at",
		  "2026-12-01T08:00:00Z");
	fx_fini();
}

/* A draft with no optional field: nulls and an empty platform list. */
static void
test_draft_nulls(void **state)
{
	(void)state;
	fx_load();
	/* Drafts: reminders only (fire_drafts = no). */
	for (int i = 0; i < fx.n; i++) {
		const struct sm_series *s = fx.ev[i].occ.series;
		if (s->master && strcmp(s->master->uid, "p2") == 0)
			assert_int_equal(fx.ev[i].type, SM_EV_REMINDER);
	}
	const struct sm_sched_event *ev =
		event(SM_EV_REMINDER, "p2", "2026-12-03T07:00:00Z");
	json_t *root =
		to_json(ev, (sm_time_ms)at("2026-12-03T07:00:00Z") * 1000, 0);
	check_keys(root, top_keys);
	json_t *post = json_object_get(root, "post");
	check_keys(post, post_keys);
	check_str(post, "uid", "p2");
	check_str(post, "recurrence_id", "2026-12-03T08:00:00Z");
	check_str(post, "calendar", "main");
	check_str(post, "title", NULL);
	check_str(post, "body", NULL);
	check_str(post, "publish_at", "2026-12-03T08:00:00Z");
	check_platforms(post, LINES(NULL));
	check_str(post, "type", NULL);
	check_str(post, "persona", NULL);
	check_str(post, "campaign", NULL);
	check_str(post, "url", NULL);
	check_str(post, "status", "draft");
	fx_fini();
}

/* A moved override of a floating series: the master's UID, the local
 * RECURRENCE-ID, the override's fields and actual time. */
static void
test_override(void **state)
{
	(void)state;
	fx_load();
	const struct sm_sched_event *ev =
		event(SM_EV_DUE, "p3", "2026-12-05T10:30:00Z");
	json_t *root =
		to_json(ev, (sm_time_ms)at("2026-12-05T10:30:01Z") * 1000, 0);
	json_t *post = json_object_get(root, "post");
	check_keys(post, post_keys);
	check_str(post, "uid", "p3");
	check_str(post, "recurrence_id", "2026-12-05T10:00:00");
	check_str(post, "title", "Moved");
	check_str(post, "publish_at", "2026-12-05T10:30:00Z");
	check_platforms(post, LINES("TikTok"));
	check_str(post, "type", "offer");
	check_str(post, "status", "scheduled");

	/* The unmoved first instance: 10:00 local is 09:00Z. */
	ev = event(SM_EV_DUE, "p3", "2026-12-04T09:00:00Z");
	root = to_json(ev, (sm_time_ms)at("2026-12-04T09:00:00Z") * 1000, 0);
	post = json_object_get(root, "post");
	check_str(post, "recurrence_id", "2026-12-04T10:00:00");
	check_str(post, "title", "Daily");
	check_str(post, "publish_at", "2026-12-04T09:00:00Z");
	fx_fini();
}

static int
teardown(void **state)
{
	(void)state;
	fx_fini();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_due_full_post),
		T(test_reminder_late),
		T(test_draft_nulls),
		T(test_override),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
