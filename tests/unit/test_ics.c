/*
 * Unit tests for lib/ics: folding at 75 octets without splitting UTF-8
 * characters, escaping of TEXT values, UTC times, a post written as a VEVENT
 * that lib/calendar reads back to the same fields and that libical parses
 * without errors, and done marks as VJOURNALs that the calendar reader
 * skips.  libical is used here as an independent reader of the output.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "calendar.h"
#include "civil.h"
#include "ics.h"

/* Checks every physical line: CRLF-terminated, at most 75 octets, not
 * starting inside a UTF-8 character. */
static void
check_lines(const char *text)
{
	const char *p = text;
	while (*p) {
		const char *e = strstr(p, "\r\n");
		assert_non_null(e);
		size_t n = (size_t)(e - p);
		if (n > SM_ICS_FOLD)
			fail_msg("line of %zu octets: %.*s", n, (int)n, p);
		const char *first = *p == ' ' ? p + 1 : p;
		if (first < e && ((unsigned char)*first & 0xC0) == 0x80)
			fail_msg("a fold splits a UTF-8 character: %.*s",
				 (int)n, p);
		for (const char *q = p; q < e; q++)
			assert_true(*q != '\r' && *q != '\n');
		p = e + 2;
	}
}

/* Undoes folding (RFC 5545 section 3.1). */
static char *
unfold(const char *text)
{
	char *out = malloc(strlen(text) + 1);
	assert_non_null(out);
	size_t k = 0;
	for (const char *p = text; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		out[k++] = *p;
	}
	out[k] = '\0';
	return out;
}

/* Counts the X-LIC-ERROR properties libical put anywhere in c. */
static int
lic_errors(icalcomponent *c)
{
	int n = 0;
	for (icalproperty *p = icalcomponent_get_first_property(
		     c, ICAL_XLICERROR_PROPERTY);
	     p;
	     p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		fprintf(stderr, "libical: %s\n", icalproperty_get_xlicerror(p));
		n++;
	}
	for (icalcomponent *k =
		     icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	     k; k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		n += lic_errors(k);
	return n;
}

/* Parses text with libical: one VCALENDAR, no errors; returns the number
 * of components of kind inside it. */
static int
libical_count(const char *text, icalcomponent_kind kind)
{
	icalcomponent *c = icalparser_parse_string(text);
	assert_non_null(c);
	assert_int_equal(icalcomponent_isa(c), ICAL_VCALENDAR_COMPONENT);
	assert_int_equal(lic_errors(c), 0);
	/* RFC 5545's property restrictions (required, at most once). */
	assert_int_equal(icalrestriction_check(c), 1);
	assert_int_equal(lic_errors(c), 0);
	int n = icalcomponent_count_components(c, kind);
	icalcomponent_free(c);
	return n;
}

static void
test_fold(void **state)
{
	(void)state;
	struct sm_ics w = {0};
	char v[301];
	memset(v, 'a', 300);
	v[300] = '\0';
	sm_ics_text(&w, "SUMMARY", v);
	check_lines(w.buf);
	/* 8 + 300 octets: 75, then 74 per continuation line. */
	assert_non_null(strstr(w.buf, "\r\n a"));
	char *u = unfold(w.buf);
	assert_int_equal(strlen(u), 8 + 300 + 2);
	assert_memory_equal(u, "SUMMARY:", 8);
	assert_memory_equal(u + 8, v, 300);
	free(u);
	sm_ics_free(&w);

	/* Exactly 75 octets: no fold. */
	memset(v, 'b', 67);
	v[67] = '\0';
	sm_ics_text(&w, "SUMMARY", v);
	assert_int_equal(w.len, 77);
	sm_ics_free(&w);

	/* Two-, three- and four-octet characters never split. */
	const char *chars[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x93\xB7"};
	for (int k = 0; k < 3; k++) {
		char big[1024] = "";
		for (int i = 0; i < 150; i++)
			strcat(big, chars[k]);
		for (int shift = 0; shift < 4; shift++) {
			char name[16];
			snprintf(name, sizeof(name), "X-%.*s", shift + 1,
				 "ABCD");
			sm_ics_text(&w, name, big);
			check_lines(w.buf);
			u = unfold(w.buf);
			assert_non_null(strstr(u, big));
			free(u);
			sm_ics_free(&w);
		}
	}
}

static void
test_escape(void **state)
{
	(void)state;
	struct sm_ics w = {0};
	sm_ics_text(&w, "SUMMARY", "a,b;c\\d\ne\r\nf\rg\x01h\ti\x7f");
	assert_string_equal(w.buf, "SUMMARY:a\\,b\\;c\\\\d\\ne\\nf\\ng"
				   "h\ti\r\n");
	sm_ics_free(&w);
	/* Raw values only lose control characters. */
	sm_ics_line(&w, "URL", "https://e.org/a?b=1,2;c\r\n");
	assert_string_equal(w.buf, "URL:https://e.org/a?b=1,2;c\r\n");
	sm_ics_free(&w);
	sm_ics_text(&w, "SUMMARY", NULL);
	assert_int_equal(w.len, 0);
	sm_ics_time(&w, "DTSTART", utc("2026-12-01T08:00:05Z"));
	assert_string_equal(w.buf, "DTSTART:20261201T080005Z\r\n");
	sm_ics_free(&w);
	sm_ics_free(&w);
}

static const char *plats[] = {"instagram", "linkedin"};

static struct sm_post
sample_post(void)
{
	struct sm_post p;
	memset(&p, 0, sizeof(p));
	p.uid = "q_abcdefghijklmnop";
	p.title = "Tip Tuesday: 5 ways, one \"hook\"; no\\slash";
	p.body = "Line one,\nline two; \xC3\xA9t\xC3\xA9 \xF0\x9F\x93\xB7 "
		 "and a long tail that goes on well past the seventy-five "
		 "octet limit of one content line, twice over, so that it "
		 "folds more than once.";
	p.url = "https://example.org/blog/tips?a=1,2;b=3";
	p.type = "informative";
	p.persona = "Anna, 30";
	p.campaign = "launch; Q4";
	p.platforms = plats;
	p.nplatforms = 2;
	p.start.civil = utc("2026-12-01T08:00:00Z");
	p.start.kind = SM_DT_UTC;
	p.status = SM_POST_DRAFT;
	p.sequence = 2;
	return p;
}

static void
test_post_round_trip(void **state)
{
	(void)state;
	struct sm_post p = sample_post();
	struct sm_ics w = {0};
	struct sm_ics_extra x = {
		.dtstamp = utc("2026-11-20T10:00:00Z"),
		.created = utc("2026-11-19T10:00:00Z"),
		.last_modified = utc("2026-11-19T11:00:00Z"),
		.done = 1,
		.done_at = utc("2026-12-01T08:03:00Z"),
		.done_url = "https://www.instagram.com/p/Cx1/?a=1,2",
	};
	sm_ics_begin(&w, "smcal queue");
	assert_int_equal(sm_ics_post(&w, &p, &x), 0);
	p.status = SM_POST_CANCELLED;
	p.uid = "q_second0000000000";
	p.title = NULL;
	p.body = NULL;
	p.url = NULL;
	p.persona = NULL;
	x.done = 0;
	assert_int_equal(sm_ics_post(&w, &p, &x), 0);
	sm_ics_end(&w);
	check_lines(w.buf);
	assert_non_null(strstr(w.buf, "STATUS:TENTATIVE\r\n"));
	assert_non_null(strstr(w.buf, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(w.buf, "DTSTART:20261201T080000Z\r\n"));
	assert_non_null(strstr(w.buf, "X-SMCAL-DONE:20261201T080300Z\r\n"));
	assert_non_null(strstr(w.buf, "X-SMCAL-DONE-URL:https://www.instagram"
				      ".com/p/Cx1/?a=1\\,2\r\n"));
	assert_non_null(
		strstr(w.buf, "X-SMCAL-PLATFORM:instagram,linkedin\r\n"));
	assert_int_equal(libical_count(w.buf, ICAL_VEVENT_COMPONENT), 2);

	struct sm_calendar cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&cal, "queue");
	assert_int_equal(
		sm_calendar_load_buffer(&cal, w.buf, w.len, "export.ics", &d),
		0);
	if (d.n)
		sm_diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	assert_int_equal(cal.nposts, 2);
	struct sm_post a = sample_post();
	const struct sm_post *b = &cal.posts[0];
	assert_string_equal(b->uid, a.uid);
	assert_string_equal(b->title, a.title);
	assert_string_equal(b->body, a.body);
	assert_string_equal(b->url, a.url);
	assert_string_equal(b->type, a.type);
	assert_string_equal(b->persona, a.persona);
	assert_string_equal(b->campaign, a.campaign);
	assert_int_equal(b->nplatforms, 2);
	assert_string_equal(b->platforms[0], "instagram");
	assert_string_equal(b->platforms[1], "linkedin");
	assert_int_equal(b->start.kind, SM_DT_UTC);
	assert_int_equal(b->start.civil, a.start.civil);
	assert_int_equal(b->status, SM_POST_DRAFT);
	assert_int_equal(b->sequence, 2);
	assert_int_equal(b->nrrules + b->nalarms + b->has_end, 0);
	b = &cal.posts[1];
	assert_string_equal(b->uid, "q_second0000000000");
	assert_null(b->title);
	assert_null(b->body);
	assert_null(b->url);
	assert_null(b->persona);
	assert_int_equal(b->status, SM_POST_CANCELLED);
	sm_calendar_fini(&cal);
	sm_diag_clear(&d);
	sm_ics_free(&w);
}

static void
test_refuses_other_posts(void **state)
{
	(void)state;
	struct sm_post p = sample_post();
	struct sm_ics w = {0};
	struct sm_ics_extra x = {.dtstamp = 1};
	p.start.kind = SM_DT_FLOATING;
	assert_int_equal(sm_ics_post(&w, &p, &x), -1);
	p = sample_post();
	p.nrrules = 1;
	assert_int_equal(sm_ics_post(&w, &p, &x), -1);
	p = sample_post();
	p.uid = "";
	assert_int_equal(sm_ics_post(&w, &p, &x), -1);
	assert_int_equal(w.len, 0);
}

static void
test_done_journal(void **state)
{
	(void)state;
	struct sm_ics w = {0};
	sm_ics_begin(&w, NULL);
	sm_ics_done(&w, "main", "tip@example.org", "2026-12-01T08:00:00Z",
		    "https://www.linkedin.com/feed/update/urn:li:activity:1/",
		    utc("2026-12-01T08:05:00Z"), utc("2026-12-02T00:00:00Z"));
	sm_ics_done(&w, "main", "weekly,one@example.org", "2026-12-02", NULL,
		    utc("2026-12-02T09:00:00Z"), utc("2026-12-02T00:00:00Z"));
	sm_ics_end(&w);
	check_lines(w.buf);
	assert_int_equal(libical_count(w.buf, ICAL_VJOURNAL_COMPONENT), 2);
	assert_non_null(
		strstr(w.buf, "RELATED-TO:weekly\\,one@example.org\r\n"));
	assert_non_null(strstr(w.buf, "X-SMCAL-RECURRENCE-ID:2026-12-02\r\n"));
	/* Stable ids, different per occurrence. */
	const char *u1 = strstr(w.buf, "UID:smcal-done-");
	assert_non_null(u1);
	const char *u2 = strstr(u1 + 1, "UID:smcal-done-");
	assert_non_null(u2);
	assert_memory_not_equal(u1, u2, 31);
	struct sm_ics again = {0};
	sm_ics_done(&again, "main", "tip@example.org", "2026-12-01T08:00:00Z",
		    NULL, 0, 0);
	assert_memory_equal(strstr(again.buf, "UID:"), u1, 31);
	sm_ics_free(&again);
	/* The calendar reader sees no post in it, and no problem. */
	struct sm_calendar cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&cal, "queue");
	assert_int_equal(
		sm_calendar_load_buffer(&cal, w.buf, w.len, "x.ics", &d), 0);
	assert_int_equal(cal.nposts, 0);
	assert_int_equal(d.n, 0);
	sm_calendar_fini(&cal);
	sm_ics_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_post_round_trip),
		cmocka_unit_test(test_refuses_other_posts),
		cmocka_unit_test(test_done_journal),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
