/*
 * Unit tests for lib/postview: the Post object of io.smcal.Posts (exact
 * text, parsed back with jansson, optional fields left out, local time with
 * its offset across a DST change), the status precedence and names, the
 * list order, and occurrence identities as people type them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "postview.h"

static json_t *
parse(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	if (!j)
		fail_msg("not JSON: %s (%s)", s, err.text);
	return j;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
test_json_queued(void **state)
{
	(void)state;
	const char *plats[] = {"instagram", "x"};
	struct sm_postview v = {
		.id = "q_abcdefghijklmnop",
		.occurrence = "2026-12-01T08:00:00Z",
		.calendar = "queue",
		.title = "Winter \"sale\"",
		.body = "line 1\nline 2",
		.publish_at = 1796112000, /* 2026-12-01T08:00:00Z */
		.platforms = plats,
		.nplatforms = 2,
		.type = "offer",
		.url = "https://example.org/sale",
		.status = SM_PV_DONE,
		.done = 1,
		.done_at = 1796112600,
		.posted_url = "https://instagram.com/p/1",
	};
	struct sm_jsonw w = {0};
	sm_postview_json(&w, &v, sm_calendar_system_zone("Europe/Paris"));
	assert_string_equal(
		w.buf,
		"{\"id\":\"q_abcdefghijklmnop\","
		"\"occurrence\":\"2026-12-01T08:00:00Z\","
		"\"calendar\":\"queue\",\"title\":\"Winter \\\"sale\\\"\","
		"\"body\":\"line 1\\nline 2\","
		"\"publish_at\":\"2026-12-01T08:00:00Z\","
		"\"publish_at_local\":\"2026-12-01T09:00:00+01:00\","
		"\"platforms\":[\"instagram\",\"x\"],\"type\":\"offer\","
		"\"url\":\"https://example.org/sale\",\"status\":\"done\","
		"\"recurring\":false,\"done_at\":\"2026-12-01T08:10:00Z\","
		"\"posted_url\":\"https://instagram.com/p/1\"}");
	json_t *j = parse(w.buf);
	assert_string_equal(str(j, "body"), "line 1\nline 2");
	assert_null(json_object_get(j, "persona"));
	json_decref(j);
	sm_jsonw_free(&w);
}

static void
test_json_minimal(void **state)
{
	(void)state;
	struct sm_postview v = {
		.id = "tip@example.org",
		.occurrence = "2026-07-07T09:00:00",
		.calendar = "main",
		.publish_at = 1783407600, /* 2026-07-07T07:00:00Z */
		.status = SM_PV_SCHEDULED,
		.recurring = 1,
	};
	struct sm_jsonw w = {0};
	sm_postview_json(&w, &v, sm_calendar_system_zone("Europe/Paris"));
	json_t *j = parse(w.buf);
	/* Summer time: +02:00. */
	assert_string_equal(str(j, "publish_at_local"),
			    "2026-07-07T09:00:00+02:00");
	assert_true(json_is_true(json_object_get(j, "recurring")));
	assert_int_equal(json_array_size(json_object_get(j, "platforms")), 0);
	assert_null(json_object_get(j, "title"));
	assert_null(json_object_get(j, "done_at"));
	assert_null(json_object_get(j, "posted_url"));
	assert_string_equal(str(j, "status"), "scheduled");
	json_decref(j);
	/* Without a zone: UTC, written with Z. */
	sm_jsonw_reset(&w);
	sm_postview_json(&w, &v, NULL);
	j = parse(w.buf);
	assert_string_equal(str(j, "publish_at_local"), "2026-07-07T07:00:00Z");
	json_decref(j);
	sm_jsonw_free(&w);
}

/* A body of megabytes (a calendar's DESCRIPTION) is cut at a character
 * boundary, and the object says so. */
static void
test_json_truncated(void **state)
{
	(void)state;
	size_t n = SM_POSTVIEW_MAX_TEXT + 100;
	char *body = malloc(n + 1);
	assert_non_null(body);
	/* "x" then é (two bytes each): the limit falls inside an é. */
	body[0] = 'x';
	for (size_t i = 1; i + 1 < n; i += 2) {
		body[i] = (char)0xc3;
		body[i + 1] = (char)0xa9;
	}
	body[n - 1] = 'y';
	body[n] = '\0';
	struct sm_postview v = {.id = "u", .body = body, .title = "t"};
	struct sm_jsonw w = {0};
	sm_postview_json(&w, &v, NULL);
	json_t *j = parse(w.buf);
	const char *got = str(j, "body");
	assert_non_null(got);
	assert_true(strlen(got) <= SM_POSTVIEW_MAX_TEXT);
	assert_true(strlen(got) >= SM_POSTVIEW_MAX_TEXT - 2);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_string_equal(str(j, "title"), "t");
	json_decref(j);
	sm_jsonw_free(&w);
	/* At the limit exactly: whole, no flag. */
	body[SM_POSTVIEW_MAX_TEXT - 1] = 'z';
	body[SM_POSTVIEW_MAX_TEXT] = '\0';
	sm_postview_json(&w, &v, NULL);
	j = parse(w.buf);
	assert_int_equal(strlen(str(j, "body")), SM_POSTVIEW_MAX_TEXT);
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
	sm_jsonw_free(&w);
	free(body);
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(sm_postview_status_of(1, 1, 1), SM_PV_CANCELLED);
	assert_int_equal(sm_postview_status_of(0, 1, 1), SM_PV_DONE);
	assert_int_equal(sm_postview_status_of(0, 0, 1), SM_PV_DRAFT);
	assert_int_equal(sm_postview_status_of(0, 0, 0), SM_PV_SCHEDULED);
	for (int s = SM_PV_DRAFT; s <= SM_PV_DONE; s++)
		assert_int_equal(
			sm_postview_status_parse(sm_postview_status_name(s)),
			s);
	assert_int_equal(sm_postview_status_parse("Done"), -1);
	assert_int_equal(sm_postview_status_parse(""), -1);
	assert_int_equal(sm_postview_status_parse(NULL), -1);
}

static void
test_order(void **state)
{
	(void)state;
	assert_true(sm_postview_cmp(1, "z", "z", "z", 2, "a", "a", "a") < 0);
	assert_true(sm_postview_cmp(2, "main", "a", "", 2, "queue", "a", "") <
		    0);
	assert_true(sm_postview_cmp(2, "queue", "q_b", "", 2, "queue", "q_a",
				    "") > 0);
	assert_true(sm_postview_cmp(2, "main", "u", "2026-01-02", 2, "main",
				    "u", "2026-01-01") > 0);
	assert_int_equal(
		sm_postview_cmp(2, "main", "u", NULL, 2, "main", "u", ""), 0);
}

static void
rid_ok(const char *in, const char *want, enum sm_civil_style want_kind)
{
	char out[40];
	enum sm_civil_style kind;
	sm_time at;
	if (sm_postview_rid_parse(in, out, sizeof(out), &kind, &at) < 0)
		fail_msg("%s refused", in);
	assert_string_equal(out, want);
	assert_int_equal(kind, want_kind);
}

static void
test_rid(void **state)
{
	(void)state;
	rid_ok("2026-12-01T08:00:00Z", "2026-12-01T08:00:00Z", SM_CIVIL_UTC);
	rid_ok("2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00Z",
	       SM_CIVIL_UTC);
	rid_ok("2026-12-01T08:00Z", "2026-12-01T08:00:00Z", SM_CIVIL_UTC);
	rid_ok("20261201T080000Z", "2026-12-01T08:00:00Z", SM_CIVIL_UTC);
	rid_ok("2026-12-01T09:00:00", "2026-12-01T09:00:00", SM_CIVIL_LOCAL);
	rid_ok("20261201T0900", "2026-12-01T09:00:00", SM_CIVIL_LOCAL);
	rid_ok("2026-12-01", "2026-12-01", SM_CIVIL_DATE);
	rid_ok("20261201", "2026-12-01", SM_CIVIL_DATE);
	char out[40];
	const char *bad[] = {"",
			     "tomorrow",
			     "2026-13-01",
			     "2026-12-01T25:00:00Z",
			     "20261301",
			     "12/01/2026",
			     "2026-12-01T08:00:00Zjunk"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sm_postview_rid_parse(bad[i], out, sizeof(out), NULL,
					  NULL) == 0)
			fail_msg("%s accepted as %s", bad[i], out);
	/* Too small a buffer is refused, not cut. */
	assert_int_equal(sm_postview_rid_parse("2026-12-01T08:00:00Z", out, 8,
					       NULL, NULL),
			 -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_queued),
		cmocka_unit_test(test_json_minimal),
		cmocka_unit_test(test_json_truncated),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_rid),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sm_calendar_zones_cleanup();
	return rc;
}
