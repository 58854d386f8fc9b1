/*
 * Unit tests for lib/postfile: `smctl add --file` reading posts.csv and
 * posts.jsonl rows with the fields of `smctl add`; every bad row reported
 * with its line and what is wrong, and nothing returned then; rows without a
 * time placed in successive free slots, after the rows with one.  The zone
 * is Europe/Paris (+01:00 in December).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "postfile.h"
#include "queue.h"
#include "slots.h"

static const char conf_text[] = "[daemon]\n"
				"webhook = none\n"
				"timezone = Europe/Paris\n"
				"[platform:instagram]\n"
				"slots = mon 09:00, wed 12:30\n"
				"[platform:linkedin]\n"
				"slots = tue 10:00\n"
				"[mix]\n"
				"informative = 60\n"
				"offer = 40\n";

static struct sm_config *cfg;

static int
setup(void **state)
{
	(void)state;
	cfg = config_text(conf_text);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sm_config_free(cfg);
	sm_calendar_zones_cleanup();
	return 0;
}

static struct sm_postfile_opts
opts(void)
{
	struct sm_postfile_opts o = {
		.cfg = cfg,
		.zone = sm_calendar_system_zone("Europe/Paris"),
		/* Sunday 2026-11-29, 12:00 in Paris. */
		.now = utc("2026-11-29T11:00:00Z"),
		.allow_past = 0,
		.format = SM_POSTFILE_AUTO,
	};
	return o;
}

static void
read_ok(const char *text, const char *label, struct sm_postfile *pf)
{
	struct sm_postfile_opts o = opts();
	struct sm_diag_list d = {0};
	int rc = sm_postfile_read(text, strlen(text), label, &o, pf, &d);
	if (rc != 0 || d.n) {
		sm_diag_print(&d, stderr);
		fail_msg("%s did not read cleanly", label);
	}
	sm_diag_clear(&d);
}

/* Reads a file that must fail; returns its problems (the caller clears). */
static void
read_bad(const char *text, size_t len, const char *label,
	 struct sm_diag_list *d)
{
	struct sm_postfile_opts o = opts();
	struct sm_postfile pf;
	memset(&pf, 0x55, sizeof(pf));
	assert_int_equal(sm_postfile_read(text, len, label, &o, &pf, d), -1);
	/* Nothing returned. */
	assert_int_equal(pf.n, 0);
	assert_null(pf.rows);
	sm_postfile_free(&pf);
	assert_true(d->nerrors > 0);
}

/* Checks that some problem is on line and contains needle. */
static void
has_problem(const struct sm_diag_list *d, const char *file, int line,
	    const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].line == line &&
		    strcmp(d->items[i].file, file) == 0 &&
		    strstr(d->items[i].message, needle))
			return;
	sm_diag_print(d, stderr);
	fail_msg("no problem on %s:%d containing \"%s\"", file, line, needle);
}

static void
test_csv(void **state)
{
	(void)state;
	struct sm_postfile pf;
	read_ok("at,platform,title,body,type,persona,campaign,url,draft\n"
		"2026-12-01 09:00,instagram,Tip,\"Line one,\nline two\","
		"informative,Anna,launch,https://e.org/1,no\n"
		"\n"
		"+2h,\"Instagram, linkedin\",Second,,,,,,yes\n"
		"2026-12-02T10:00:00Z,linkedin,,,,,,,\n",
		"posts.csv", &pf);
	assert_int_equal(pf.n, 3);
	const struct sm_postfile_row *r = &pf.rows[0];
	assert_int_equal(r->line, 2);
	assert_int_equal(r->post.publish_at, utc("2026-12-01T08:00:00Z"));
	assert_int_equal(r->post.nplatforms, 1);
	assert_string_equal(r->post.platforms[0], "instagram");
	assert_string_equal(r->post.title, "Tip");
	assert_string_equal(r->post.body, "Line one,\nline two");
	assert_string_equal(r->post.type, "informative");
	assert_string_equal(r->post.persona, "Anna");
	assert_string_equal(r->post.campaign, "launch");
	assert_string_equal(r->post.url, "https://e.org/1");
	assert_int_equal(r->post.draft, 0);
	assert_int_equal(r->post.id[0], '\0');
	r = &pf.rows[1];
	/* The quoted newline above used line 3, the empty line 4. */
	assert_int_equal(r->line, 5);
	assert_int_equal(r->post.publish_at, utc("2026-11-29T13:00:00Z"));
	assert_int_equal(r->post.nplatforms, 2);
	assert_string_equal(r->post.platforms[0], "instagram");
	assert_string_equal(r->post.platforms[1], "linkedin");
	assert_null(r->post.body);
	assert_int_equal(r->post.draft, 1);
	r = &pf.rows[2];
	assert_int_equal(r->line, 6);
	assert_null(r->post.title);
	assert_null(r->post.url);
	sm_postfile_free(&pf);

	/* Semicolons, a BOM, CRLF, other column names and order, no time
	 * column. */
	read_ok("\xEF\xBB\xBFPlatforms;Summary;Description;Link\r\n"
		"linkedin;Hello;\"a;b\";https://e.org/2\r\n",
		"posts.csv", &pf);
	assert_int_equal(pf.n, 1);
	assert_int_equal(pf.rows[0].post.publish_at, SM_QUEUE_UNSET);
	assert_string_equal(pf.rows[0].post.title, "Hello");
	assert_string_equal(pf.rows[0].post.body, "a;b");
	assert_string_equal(pf.rows[0].post.url, "https://e.org/2");
	sm_postfile_free(&pf);
}

static void
test_csv_bad_rows(void **state)
{
	(void)state;
	struct sm_diag_list d = {0};
	const char *text = "at,platform,title,draft\n"
			   "2026-12-01 09:00,tiktok,Unknown platform,no\n"
			   "tomorow 9am,instagram,Bad time,no\n"
			   "2026-12-01 09:00,instagram,Unquoted, comma,no\n"
			   "2026-12-01 09:00,instagram,Bad draft,maybe\n"
			   "2026-11-01 09:00,instagram,In the past,\n"
			   ",,No platform,\n"
			   "2026-12-01 09:00,instagram,Fine,no\n"
			   "2026-12-01 09:00,instagram,\"x\"y,no\n";
	read_bad(text, strlen(text), "posts.csv", &d);
	has_problem(&d, "posts.csv", 2,
		    "unknown platform \"tiktok\": the configured platforms are "
		    "instagram, linkedin");
	has_problem(&d, "posts.csv", 3, "RFC 3339");
	has_problem(&d, "posts.csv", 4, "5 fields");
	has_problem(&d, "posts.csv", 4, "quote");
	has_problem(&d, "posts.csv", 5, "draft");
	has_problem(&d, "posts.csv", 6, "--allow-past");
	has_problem(&d, "posts.csv", 7, "no platform");
	has_problem(&d, "posts.csv", 9, "closing quote");
	/* One problem per bad row, none for the good one. */
	assert_int_equal(d.nerrors, 7);
	for (size_t i = 0; i < d.n; i++)
		assert_int_not_equal(d.items[i].line, 8);
	sm_diag_clear(&d);

	/* allow_past lets the past row through. */
	struct sm_postfile_opts o = opts();
	o.allow_past = 1;
	struct sm_postfile pf;
	const char *past = "at,platform\n2026-11-01 09:00,instagram\n";
	assert_int_equal(
		sm_postfile_read(past, strlen(past), "p.csv", &o, &pf, &d), 0);
	assert_int_equal(pf.n, 1);
	sm_postfile_free(&pf);
}

static void
test_csv_bad_header(void **state)
{
	(void)state;
	struct sm_diag_list d = {0};
	const char *t1 =
		"\n\nat,platform,tittle\n2026-12-01 09:00,instagram,x\n";
	read_bad(t1, strlen(t1), "h.csv", &d);
	has_problem(&d, "h.csv", 3, "unknown column \"tittle\"");
	has_problem(&d, "h.csv", 3, "title");
	sm_diag_clear(&d);
	const char *t2 = "at,when,platform\n";
	read_bad(t2, strlen(t2), "h.csv", &d);
	has_problem(&d, "h.csv", 1, "\"when\"");
	sm_diag_clear(&d);
	const char *t3 = "at,title\n2026-12-01 09:00,x\n";
	read_bad(t3, strlen(t3), "h.csv", &d);
	has_problem(&d, "h.csv", 1, "platform");
	sm_diag_clear(&d);
	const char *t4 = "at,platform\n";
	read_bad(t4, strlen(t4), "h.csv", &d);
	has_problem(&d, "h.csv", 0, "no posts");
	sm_diag_clear(&d);
	read_bad("", 0, "h.csv", &d);
	sm_diag_clear(&d);
	read_bad("\xFF\xFEx", 3, "h.csv", &d);
	has_problem(&d, "h.csv", 0, "UTF-16");
	sm_diag_clear(&d);
}

static void
test_jsonl(void **state)
{
	(void)state;
	struct sm_postfile pf;
	read_ok("{\"at\": \"2026-12-01 09:00\", \"platform\": \"instagram\","
		" \"title\": \"Tip\", \"body\": \"a\\nb\", \"draft\": true}\r\n"
		"\n"
		"  {\"platforms\": [\"instagram\", \"LinkedIn\"], \"url\": null,"
		" \"type\": \"offer\", \"draft\": \"no\"}\n"
		"{\"at\": \"+90m\", \"platform\": \"linkedin, instagram\"}",
		"posts.jsonl", &pf);
	assert_int_equal(pf.n, 3);
	assert_int_equal(pf.rows[0].line, 1);
	assert_int_equal(pf.rows[0].post.publish_at,
			 utc("2026-12-01T08:00:00Z"));
	assert_string_equal(pf.rows[0].post.body, "a\nb");
	assert_int_equal(pf.rows[0].post.draft, 1);
	assert_int_equal(pf.rows[1].line, 3);
	assert_int_equal(pf.rows[1].post.publish_at, SM_QUEUE_UNSET);
	assert_int_equal(pf.rows[1].post.nplatforms, 2);
	assert_string_equal(pf.rows[1].post.platforms[1], "linkedin");
	assert_null(pf.rows[1].post.url);
	assert_string_equal(pf.rows[1].post.type, "offer");
	assert_int_equal(pf.rows[1].post.draft, 0);
	assert_int_equal(pf.rows[2].line, 4);
	assert_int_equal(pf.rows[2].post.publish_at,
			 utc("2026-11-29T12:30:00Z"));
	assert_string_equal(pf.rows[2].post.platforms[0], "linkedin");
	sm_postfile_free(&pf);
}

static void
test_jsonl_bad(void **state)
{
	(void)state;
	struct sm_diag_list d = {0};
	const char *text =
		"{\"platform\": \"instagram\", \"title\": \"ok\"}\n"
		"{\"platform\": \"instagram\", \"title\": }\n"
		"[1, 2]\n"
		"{\"platform\": \"instagram\", \"tittle\": \"x\"}\n"
		"{\"platform\": \"instagram\", \"title\": 5}\n"
		"{\"platform\": \"instagram\", \"platform\": \"linkedin\"}\n"
		"{\"platform\": [\"instagram\", 3]}\n"
		"{\"platform\": \"instagram\", \"draft\": 2}\n"
		"{\"platform\": \"myspace\", \"at\": \"2026-12-01\"}\n"
		"{\"platform\": \"instagram\", \"title\": \"a\\u0000b\"}\n"
		"{\"platform\": \"instagram\", \"platforms\": [\"x\"]}\n";
	read_bad(text, strlen(text), "posts.jsonl", &d);
	has_problem(&d, "posts.jsonl", 2, "invalid JSON");
	has_problem(&d, "posts.jsonl", 2, "column");
	has_problem(&d, "posts.jsonl", 3, "object");
	has_problem(&d, "posts.jsonl", 4, "unknown field \"tittle\"");
	has_problem(&d, "posts.jsonl", 5, "title: expected a string");
	has_problem(&d, "posts.jsonl", 6, "duplicate");
	has_problem(&d, "posts.jsonl", 7, "platform");
	has_problem(&d, "posts.jsonl", 8, "draft");
	/* Two problems on one row: both reported. */
	has_problem(&d, "posts.jsonl", 9, "myspace");
	has_problem(&d, "posts.jsonl", 9, "time of day");
	has_problem(&d, "posts.jsonl", 10, "NUL");
	has_problem(&d, "posts.jsonl", 11, "not both");
	for (size_t i = 0; i < d.n; i++)
		assert_int_not_equal(d.items[i].line, 1);
	sm_diag_clear(&d);
}

static void
test_format(void **state)
{
	(void)state;
	struct sm_postfile pf;
	/* By extension, else by content. */
	read_ok("{\"platform\": \"instagram\"}\n", "stdin", &pf);
	assert_int_equal(pf.n, 1);
	sm_postfile_free(&pf);
	read_ok("platform\ninstagram\n", "-", &pf);
	assert_int_equal(pf.n, 1);
	sm_postfile_free(&pf);
	read_ok("{\"platform\": \"instagram\"}\n", "posts.ndjson", &pf);
	sm_postfile_free(&pf);
	struct sm_diag_list d = {0};
	/* A .csv is read as CSV even when it looks like JSON. */
	const char *t = "{\"platform\": \"instagram\"}\n";
	read_bad(t, strlen(t), "posts.csv", &d);
	has_problem(&d, "posts.csv", 1, "unknown column");
	sm_diag_clear(&d);
	/* An explicit format wins. */
	struct sm_postfile_opts o = opts();
	o.format = SM_POSTFILE_JSONL;
	assert_int_equal(
		sm_postfile_read(t, strlen(t), "posts.csv", &o, &pf, &d), 0);
	assert_int_equal(pf.n, 1);
	sm_postfile_free(&pf);
	sm_postfile_free(NULL);
}

static void
test_plan(void **state)
{
	(void)state;
	/* Rows without a time take successive free slots; rows with one
	 * count as taken, wherever they are in the file. */
	struct sm_postfile pf;
	read_ok("at,platform,title\n"
		",instagram,first\n"
		",instagram,second\n"
		"2026-12-02 12:30,instagram,explicit\n"
		",\"instagram,linkedin\",both\n"
		",linkedin,third\n",
		"posts.csv", &pf);
	sm_time ig_taken[] = {utc("2026-11-30T08:00:00Z")};
	struct sm_slot_planner *pl =
		sm_slots_planner_new(sm_calendar_system_zone("Europe/Paris"),
				     utc("2026-11-29T11:00:00Z"));
	sm_slots_planner_platform(pl, sm_config_platform(cfg, "instagram"),
				  ig_taken, 1);
	sm_slots_planner_platform(pl, sm_config_platform(cfg, "linkedin"), NULL,
				  0);
	struct sm_diag_list d = {0};
	assert_int_equal(sm_postfile_plan(&pf, pl, "posts.csv", &d), 0);
	assert_int_equal(d.n, 0);
	/* Monday 30 is taken, Wednesday 2 by the explicit row. */
	assert_int_equal(pf.rows[0].post.publish_at,
			 utc("2026-12-07T08:00:00Z"));
	assert_int_equal(pf.rows[1].post.publish_at,
			 utc("2026-12-09T11:30:00Z"));
	assert_int_equal(pf.rows[2].post.publish_at,
			 utc("2026-12-02T11:30:00Z"));
	assert_int_equal(pf.rows[3].post.publish_at,
			 utc("2026-12-14T08:00:00Z"));
	/* linkedin's own slot: Tuesday 10:00. */
	assert_int_equal(pf.rows[4].post.publish_at,
			 utc("2026-12-01T09:00:00Z"));
	sm_slots_planner_free(pl);
	sm_postfile_free(&pf);

	/* A row the planner cannot place: its line says why. */
	static const char *const noslots = "platform\ninstagram\nlinkedin\n";
	read_ok(noslots, "p.csv", &pf);
	pl = sm_slots_planner_new(NULL, 0);
	sm_slots_planner_platform(pl, sm_config_platform(cfg, "instagram"),
				  NULL, 0);
	assert_int_equal(sm_postfile_plan(&pf, pl, "p.csv", &d), 1);
	has_problem(&d, "p.csv", 3, "linkedin");
	sm_slots_planner_free(pl);
	sm_postfile_free(&pf);
	sm_diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_bad_rows),
		cmocka_unit_test(test_csv_bad_header),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_jsonl_bad),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_plan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
