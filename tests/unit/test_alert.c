/*
 * Unit tests for lib/alert: placeholders (set, replace, cut, the cap), the
 * late rule, the cadence constructor (the event object of a cadence.gap
 * and a cadence.behind due from a real report, its id, routing platform,
 * values and dates) and the goal constructor (goal.off_track of a rate,
 * goal.achieved of a count on every platform).
 */
#include "support.h"

#include <jansson.h>

#include "alert.h"

#define T(s) utc(s)

static const char *const CONF = "[daemon]\n"
				"timezone = Europe/Paris\n"
				"[cadence]\n"
				"lookahead = 2\n"
				"gap_notice = 3d\n"
				"[platform:instagram]\n"
				"cadence = 3/week\n";

struct fx {
	struct sm_config *cfg;
	struct sm_cadence_posts posts;
	struct sm_cadence_report rep;
	struct sm_cadence_due *due;
	struct sm_alert alert;
	json_t *json;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cfg = config_text_clean(CONF);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	json_decref(f->json);
	sm_alert_free(&f->alert);
	free(f->due);
	sm_cadence_report_free(&f->rep);
	sm_cadence_posts_free(&f->posts);
	sm_config_free(f->cfg);
	free(f);
	return 0;
}

static void
add(struct fx *f, const char *at, unsigned flags)
{
	const char *names[] = {"instagram"};
	sm_cadence_posts_add(&f->posts, f->cfg, T(at), names, 1, NULL, flags);
}

static void
nothing(void *ctx, const char *key, struct sm_cadence_alert *st)
{
	(void)ctx;
	(void)key;
	st->sent = st->recovered = 0;
}

/* The alerts due at now, with no stored state. */
static size_t
dues(struct fx *f, const char *now)
{
	struct sm_cadence_opts o = {
		.zone = paris(),
		.unit = SM_CADENCE_NONE,
		.now = T(now),
	};
	sm_cadence_report_free(&f->rep);
	assert_int_equal(
		sm_cadence_report_build(&f->rep, f->cfg, &o, &f->posts), 0);
	free(f->due);
	f->due = NULL;
	sm_time next;
	return sm_cadence_alerts(&f->rep, nothing, NULL, &f->due, &next);
}

static json_t *
parse(struct fx *f)
{
	json_error_t err;
	assert_non_null(f->alert.json);
	assert_int_equal(strlen(f->alert.json), f->alert.json_len);
	json_decref(f->json);
	f->json = json_loads(f->alert.json, 0, &err);
	if (!f->json)
		fail_msg("not JSON (%s): %s", err.text, f->alert.json);
	return f->json;
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("\"%s\" is not a string", key);
	return s;
}

static void
test_vars(void **state)
{
	(void)state;
	struct sm_alert a;
	memset(&a, 0, sizeof(a));
	assert_null(sm_alert_get(&a, "x"));
	sm_alert_set(&a, "x", "%d", 1);
	sm_alert_set(&a, "y", "%s", "two");
	sm_alert_set(&a, "x", "%s", "again");
	assert_int_equal(a.nvars, 2);
	assert_string_equal(sm_alert_get(&a, "x"), "again");
	assert_string_equal(sm_alert_get(&a, "y"), "two");
	/* A long value is cut, never overflows. */
	char big[300];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sm_alert_set(&a, "y", "%s", big);
	assert_int_equal(strlen(sm_alert_get(&a, "y")), SM_ALERT_VALUE_MAX - 1);
	/* Beyond the cap, new names are dropped. */
	static const char *const names[] = {"a", "b", "c", "d", "e", "f",
					    "g", "h", "i", "j", "k", "l",
					    "m", "n", "o", "p", "q"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sm_alert_set(&a, names[i], "v");
	assert_int_equal(a.nvars, SM_ALERT_MAX_VARS);
	assert_string_equal(sm_alert_get(&a, "x"), "again");
	sm_alert_free(&a);
	sm_alert_free(NULL);
}

static void
test_late(void **state)
{
	(void)state;
	assert_false(sm_alert_is_late(100, 100000));
	assert_false(sm_alert_is_late(100, 102000));
	assert_true(sm_alert_is_late(100, 102001));
	assert_false(sm_alert_is_late(100, 99000)); /* early: on time */
}

static void
test_cadence_gap(void **state)
{
	struct fx *f = *state;
	/* W50 (Paris: from 2026-12-06T23:00Z) has one post of three. */
	add(f, "2026-12-08T08:00:00Z", 0);
	for (int i = 0; i < 3; i++) {
		char at[32];
		snprintf(at, sizeof(at), "2026-11-%02dT08:00:00Z", 30);
		add(f, at, SM_CADENCE_DONE);
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 15 + i);
		add(f, at, 0);
	}
	assert_int_equal(dues(f, "2026-12-03T23:00:00Z"), 1);
	const struct sm_cadence_due *d = &f->due[0];
	assert_int_equal(d->type, SM_EVENT_CADENCE_GAP);
	/* Fired 1.5 s after its notice instant: on time. */
	int64_t fired = (int64_t)T("2026-12-03T23:00:01Z") * 1000 + 500;
	sm_alert_cadence(&f->alert, d, fired);
	struct sm_alert *a = &f->alert;
	assert_int_equal(a->type, SM_EVENT_CADENCE_GAP);
	assert_string_equal(a->id, d->id);
	assert_int_equal(a->at, T("2026-12-03T23:00:00Z"));
	assert_int_equal(a->lead_s, 3 * 86400);
	assert_false(a->late);
	assert_string_equal(a->platform, "instagram");
	assert_int_equal(a->date, T("2026-12-06T23:00:00Z"));
	assert_string_equal(sm_alert_get(a, "period"), "2026-W50");
	assert_string_equal(sm_alert_get(a, "target"), "3");
	assert_string_equal(sm_alert_get(a, "scheduled"), "1");
	assert_string_equal(sm_alert_get(a, "gap"), "2");
	assert_string_equal(sm_alert_get(a, "status"), "short");
	assert_string_equal(sm_alert_get(a, "start"), "2026-12-06T23:00:00Z");
	assert_string_equal(sm_alert_get(a, "end"), "2026-12-13T23:00:00Z");
	assert_non_null(strstr(a->message, "{gap}"));
	assert_non_null(strstr(a->title, "{platform}"));
	json_t *o = parse(f);
	assert_string_equal(jstr(o, "type"), "cadence.gap");
	assert_string_equal(jstr(o, "id"), d->id);
	assert_string_equal(jstr(o, "scheduled_at"),
			    "2026-12-03T23:00:00.000Z");
	assert_string_equal(jstr(o, "fired_at"), "2026-12-03T23:00:01.500Z");
	assert_true(json_is_false(json_object_get(o, "late")));
	assert_int_equal(json_integer_value(json_object_get(o, "lead_s")),
			 3 * 86400);
	json_t *c = json_object_get(o, "cadence");
	assert_string_equal(jstr(c, "platform"), "instagram");
	assert_string_equal(jstr(c, "period"), "2026-W50");
	assert_int_equal(json_integer_value(json_object_get(c, "gap")), 2);
	assert_null(json_object_get(o, "post"));
	/* Told three seconds late: late in the object too. */
	sm_alert_free(a);
	sm_alert_cadence(a, d, (int64_t)T("2026-12-03T23:00:03Z") * 1000);
	assert_true(a->late);
	assert_true(json_is_true(json_object_get(parse(f), "late")));
}

static void
test_cadence_behind(void **state)
{
	struct fx *f = *state;
	/* W49 (from 2026-11-29T23:00Z) has its three posts, none done:
	 * behind once a third of the week is gone (56 h in). */
	add(f, "2026-11-30T08:00:00Z", 0);
	add(f, "2026-12-02T08:00:00Z", 0);
	add(f, "2026-12-04T08:00:00Z", 0);
	for (int i = 0; i < 6; i++) {
		char at[32];
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 8 + 2 * i);
		add(f, at, 0);
	}
	assert_int_equal(dues(f, "2026-12-03T12:00:00Z"), 1);
	const struct sm_cadence_due *d = &f->due[0];
	assert_int_equal(d->type, SM_EVENT_CADENCE_BEHIND);
	sm_alert_cadence(&f->alert, d,
			 (int64_t)T("2026-12-03T12:00:00Z") * 1000);
	struct sm_alert *a = &f->alert;
	assert_int_equal(a->at, T("2026-12-02T07:00:00Z"));
	assert_true(a->late);
	assert_int_equal(a->lead_s, 0);
	assert_int_equal(a->date, T("2026-12-06T23:00:00Z"));
	assert_string_equal(sm_alert_get(a, "status"), "behind");
	assert_string_equal(sm_alert_get(a, "published"), "0");
	assert_string_equal(sm_alert_get(a, "expected"), "1");
	assert_non_null(strstr(a->message, "{expected}"));
	json_t *o = parse(f);
	assert_string_equal(jstr(o, "type"), "cadence.behind");
	assert_string_equal(jstr(json_object_get(o, "cadence"), "status"),
			    "behind");
}

/* A goal: its event's object carries the goal in place of the post, it
 * is routed by the goal's platform (none for "all"), and its placeholders
 * write rates as percentages and counts whole. */
static void
test_goal(void **state)
{
	(void)state;
	struct sm_config *cfg = config_text_clean("[daemon]\n"
						  "timezone = Europe/Paris\n"
						  "[platform:instagram]\n"
						  "[goal:ig-er]\n"
						  "metric = engagement_rate\n"
						  "platform = instagram\n"
						  "baseline = 10%\n"
						  "target = 15%\n"
						  "start = 2026-11-01\n"
						  "deadline = 2026-11-30\n"
						  "[goal:all-clicks]\n"
						  "metric = clicks\n"
						  "platform = all\n"
						  "baseline = 0\n"
						  "target = 60\n"
						  "start = 2026-11-01\n"
						  "deadline = 2026-11-30\n");
	const char *plat[] = {"instagram"};
	struct sm_metrics_post p = {
		.id = "p1",
		.at = T("2026-11-10T08:00:00Z"),
		.platforms = plat,
		.nplatforms = 1,
	};
	sm_metric_set(&p.values, SM_KPI_REACH, 4200);
	sm_metric_set(&p.values, SM_KPI_ENGAGEMENT, 315);
	sm_metric_set(&p.values, SM_KPI_CLICKS, 70);
	struct sm_goal_data data = {&p, 1, NULL, 0};
	sm_time now = T("2026-11-15T08:00:00Z");

	/* The rate: 7.5% against a line at about 12.4%: off track. */
	struct sm_goal_eval e;
	assert_int_equal(
		sm_goal_evaluate(&e, &cfg->goals[0], paris(), now, &data, now),
		0);
	assert_int_equal(e.status, SM_GOAL_OFF_TRACK);
	struct sm_goal_state s = {0};
	unsigned type = sm_goal_step(&s, e.status);
	assert_int_equal(type, SM_EVENT_GOAL_OFF_TRACK);
	char id[SM_GOAL_ID_LEN];
	sm_goal_event_id(&e, type, &s, id);
	struct sm_alert a;
	sm_alert_goal(&a, type, id, &e, now, (int64_t)now * 1000 + 300);
	assert_int_equal(a.type, SM_EVENT_GOAL_OFF_TRACK);
	assert_string_equal(a.id, id);
	assert_false(a.late);
	assert_int_equal(a.lead_s, 0);
	assert_string_equal(a.platform, "instagram");
	assert_string_equal(sm_alert_get(&a, "goal"), "ig-er");
	assert_string_equal(sm_alert_get(&a, "metric"), "engagement_rate");
	assert_string_equal(sm_alert_get(&a, "value"), "7.50%");
	assert_string_equal(sm_alert_get(&a, "target"), "15.00%");
	assert_string_equal(sm_alert_get(&a, "deadline"), "2026-11-30");
	assert_string_equal(sm_alert_get(&a, "status"), "off_track");
	/* {date}: the deadline's last second, in Paris. */
	assert_int_equal(a.date, T("2026-11-30T22:59:59Z"));
	assert_non_null(strstr(a.message, "{expected}"));
	assert_non_null(strstr(a.title, "{goal}"));
	json_error_t err;
	json_t *o = json_loads(a.json, 0, &err);
	assert_non_null(o);
	assert_int_equal(strlen(a.json), a.json_len);
	assert_string_equal(jstr(o, "type"), "goal.off_track");
	assert_string_equal(jstr(o, "id"), id);
	assert_string_equal(jstr(o, "scheduled_at"),
			    "2026-11-15T08:00:00.000Z");
	assert_string_equal(jstr(o, "fired_at"), "2026-11-15T08:00:00.300Z");
	json_t *g = json_object_get(o, "goal");
	assert_string_equal(jstr(g, "name"), "ig-er");
	assert_string_equal(jstr(g, "status"), "off_track");
	assert_null(json_object_get(o, "post"));
	json_decref(o);
	sm_alert_free(&a);

	/* The count on every platform: achieved, routed by [daemon] webhook,
	 * told 3 s late. */
	assert_int_equal(
		sm_goal_evaluate(&e, &cfg->goals[1], paris(), now, &data, now),
		0);
	assert_int_equal(e.status, SM_GOAL_ACHIEVED);
	memset(&s, 0, sizeof(s));
	type = sm_goal_step(&s, e.status);
	assert_int_equal(type, SM_EVENT_GOAL_ACHIEVED);
	sm_goal_event_id(&e, type, &s, id);
	sm_alert_goal(&a, type, id, &e, now, (int64_t)(now + 3) * 1000);
	assert_true(a.late);
	assert_null(a.platform);
	assert_string_equal(sm_alert_get(&a, "platform"), "all");
	assert_string_equal(sm_alert_get(&a, "value"), "70");
	assert_string_equal(sm_alert_get(&a, "target"), "60");
	assert_non_null(strstr(a.title, "achieved"));
	o = json_loads(a.json, 0, &err);
	assert_non_null(o);
	assert_string_equal(jstr(o, "type"), "goal.achieved");
	assert_true(json_is_true(json_object_get(o, "late")));
	json_decref(o);
	sm_alert_free(&a);
	sm_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_late),
		cmocka_unit_test_setup_teardown(test_cadence_gap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cadence_behind, setup,
						teardown),
		cmocka_unit_test(test_goal),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
