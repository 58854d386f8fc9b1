/*
 * Unit tests for lib/calendar: the iCalendar loader and its mapping onto the
 * post model of SPEC section 3.
 *
 * Calendars are written inline, one physical line per array element, so a
 * line's number is its index + 1; join() glues them with the line end under
 * test (CRLF, LF or CR).  Expected instants are computed by hand from the
 * zone rules (and cross-checked with Python's zoneinfo).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "civil.h"
#include "diag.h"
#include "tz.h"

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Joins lines, each followed by eol, into a new string. */
static char *
join(const char *const *lines, const char *eol)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + strlen(eol);
	char *s = malloc(len);
	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; lines[i]; i++) {
		strcat(s, lines[i]);
		strcat(s, eol);
	}
	return s;
}

/*
 * Fixtures are static and registered while loaded, so that the teardown of
 * a test that failed half-way (cmocka jumps out of it) frees them too.
 */
#define MAX_LIVE 4
static struct fx *live[MAX_LIVE];

static void
live_add(struct fx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = f;
			return;
		}
	fail_msg("too many fixtures loaded at once");
}

static void
live_del(struct fx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == f)
			live[i] = NULL;
}

struct fx {
	struct sm_calendar cal;
	struct sm_diag_list d;
	int rc;
};

static void
fx_load_len(struct fx *f, const char *text, size_t len)
{
	memset(f, 0, sizeof(*f));
	live_add(f);
	sm_calendar_init(&f->cal, "main");
	f->rc = sm_calendar_load_buffer(&f->cal, text, len, "t.ics", &f->d);
}

static void
fx_load_eol(struct fx *f, const char *const *lines, const char *eol)
{
	char *text = join(lines, eol);
	fx_load_len(f, text, strlen(text));
	free(text);
}

static void
fx_load(struct fx *f, const char *const *lines)
{
	fx_load_eol(f, lines, "\r\n");
}

static void
fx_fini(struct fx *f)
{
	live_del(f);
	sm_calendar_fini(&f->cal);
	sm_diag_clear(&f->d);
}

static void
dump_diags(const struct fx *f)
{
	sm_diag_print(&f->d, stderr);
}

/* Number of diagnostics of a severity at a line whose message contains
 * what (NULL: any message). */
static int
count_diag(const struct fx *f, enum sm_severity sev, int line, const char *what)
{
	int n = 0;
	for (size_t i = 0; i < f->d.n; i++) {
		const struct sm_diag *d = &f->d.items[i];
		if (d->severity == sev && d->line == line &&
		    (!what || strstr(d->message, what)))
			n++;
	}
	return n;
}

static void
expect_diag(const struct fx *f, enum sm_severity sev, int line,
	    const char *what)
{
	if (count_diag(f, sev, line, what) == 0) {
		dump_diags(f);
		fail_msg("no %s at line %d mentioning \"%s\"",
			 sev == SM_ERROR ? "error" : "warning", line,
			 what ? what : "");
	}
}

static void
expect_clean(const struct fx *f)
{
	if (f->d.n != 0) {
		dump_diags(f);
		fail_msg("expected no diagnostics, got %zu", f->d.n);
	}
}

static const struct sm_post *
find_post(const struct fx *f, const char *uid)
{
	for (size_t i = 0; i < f->cal.nposts; i++)
		if (f->cal.posts[i].uid &&
		    strcmp(f->cal.posts[i].uid, uid) == 0)
			return &f->cal.posts[i];
	fail_msg("no post with UID %s", uid);
	return NULL;
}

static sm_time
civ(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0)
		fail_msg("bad time literal in test: %s", s);
	return t;
}

static void
expect_time(sm_time got, const char *want)
{
	char buf[40];
	sm_civil_format(got, SM_CIVIL_LOCAL, buf, sizeof(buf));
	if (got != civ(want))
		fail_msg("got %s, want %s", buf, want);
}

/* The instant a zoned value stands for. */
static sm_time
zoned_instant(const struct sm_dt *dt)
{
	assert_int_equal(dt->kind, SM_DT_ZONED);
	assert_non_null(dt->zone);
	assert_non_null(dt->zone->tz);
	return sm_tz_resolve(dt->zone->tz, dt->civil);
}

static int
has_string(const char *const *v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* A whole calendar with one plain event between two others, used for the
 * line-end and encoding tests: the bad RRULE is on line 9. */
static const char *const plain_lines[] = {"BEGIN:VCALENDAR",	      /* 1 */
					  "VERSION:2.0",	      /* 2 */
					  "PRODID:-//test//EN",	      /* 3 */
					  "BEGIN:VEVENT",	      /* 4 */
					  "UID:a",		      /* 5 */
					  "DTSTART:20240305T090000Z", /* 6 */
					  "SUMMARY:First",	      /* 7 */
					  "END:VEVENT",		      /* 8 */
					  "BEGIN:VEVENT",	      /* 9 */
					  "UID:b",		      /* 10 */
					  "DTSTART:20240306T090000Z", /* 11 */
					  "RRULE:FREQ=SOMETIMES",     /* 12 */
					  "SUMMARY:Second",	      /* 13 */
					  "END:VEVENT",		      /* 14 */
					  "END:VCALENDAR",	      /* 15 */
					  NULL};

/* ---------------------------------------------------------------------
 * Model mapping.
 */

static void
test_basic_fields(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
		      "BEGIN:VEVENT", "UID:post-1@x",
		      "DTSTAMP:20240101T000000Z", "DTSTART:20240305T090000Z",
		      "SUMMARY:Tip Tuesday",
		      "DESCRIPTION:Line one\\nLine two\\, with comma\\; "
		      "and semicolon",
		      "URL:https://example.com/post",
		      "ATTACH;FMTTYPE=image/png:https://example.com/a.png",
		      "ATTACH:https://example.com/b.mp4",
		      "X-SMCAL-PLATFORM:instagram, facebook,linkedin",
		      "X-SMCAL-TYPE:informative", "X-SMCAL-PERSONA:Maria",
		      "X-SMCAL-CAMPAIGN:spring-launch",
		      "X-SMCAL-WEBHOOK:slack-team", "CATEGORIES:tips,Instagram",
		      "CATEGORIES:inspiring", "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.rc, 0);
	expect_clean(&f);
	assert_int_equal(f.cal.nposts, 1);
	const struct sm_post *p = find_post(&f, "post-1@x");
	assert_int_equal(p->uid_derived, 0);
	assert_string_equal(p->title, "Tip Tuesday");
	assert_string_equal(p->body,
			    "Line one\nLine two, with comma; and semicolon");
	assert_string_equal(p->url, "https://example.com/post");
	assert_int_equal(p->nattachments, 2);
	assert_string_equal(p->attachments[0], "https://example.com/a.png");
	assert_string_equal(p->attachments[1], "https://example.com/b.mp4");
	assert_int_equal(p->nplatforms, 3);
	assert_string_equal(p->platforms[0], "instagram");
	assert_string_equal(p->platforms[1], "facebook");
	assert_string_equal(p->platforms[2], "linkedin");
	assert_string_equal(p->type, "informative");
	assert_string_equal(p->persona, "Maria");
	assert_string_equal(p->campaign, "spring-launch");
	assert_string_equal(p->webhook, "slack-team");
	assert_int_equal(p->ncategories, 3);
	assert_true(has_string(p->categories, p->ncategories, "tips"));
	assert_true(has_string(p->categories, p->ncategories, "Instagram"));
	assert_true(has_string(p->categories, p->ncategories, "inspiring"));
	assert_int_equal(p->status, SM_POST_SCHEDULED);
	assert_int_equal(p->is_todo, 0);
	assert_int_equal(p->is_override, 0);
	assert_int_equal(p->nrrules, 0);
	assert_int_equal(p->nalarms, 0);
	assert_string_equal(p->file, "t.ics");
	assert_int_equal(p->line, 4);
	assert_int_equal(p->start.kind, SM_DT_UTC);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	assert_int_equal(p->has_end, 0);
	assert_int_equal(p->has_duration, 0);
	fx_fini(&f);
}

static void
test_dtstart_forms(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "UID:utc", "DTSTART:20240305T090000Z",
		      "DTEND:20240305T093000Z", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:zoned", "DTSTART;TZID=Europe/Paris:20240305T090000",
		      "DURATION:PT45M", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:floating", "DTSTART:20240305T090000",
		      "DTEND:20240305T100000", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:date", "DTSTART;VALUE=DATE:20240305",
		      "DTEND;VALUE=DATE:20240306", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:both", "DTSTART:20240305T090000Z",
		      "DTEND:20240305T100000Z", "DURATION:PT2H", "END:VEVENT",
		      "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 5);
	assert_int_equal(f.d.nerrors, 0);

	const struct sm_post *p = find_post(&f, "utc");
	assert_int_equal(p->start.kind, SM_DT_UTC);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	assert_int_equal(p->has_end, 1);
	assert_int_equal(p->end.kind, SM_DT_UTC);
	expect_time(p->end.civil, "2024-03-05T09:30:00");

	p = find_post(&f, "zoned");
	assert_int_equal(p->start.kind, SM_DT_ZONED);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	assert_string_equal(p->start.zone->tzid, "Europe/Paris");
	assert_int_equal(p->start.zone->line, 10);
	expect_time(zoned_instant(&p->start), "2024-03-05T08:00:00");
	assert_int_equal(p->has_end, 0);
	assert_int_equal(p->has_duration, 1);
	assert_int_equal(p->duration, 45 * 60);

	p = find_post(&f, "floating");
	assert_int_equal(p->start.kind, SM_DT_FLOATING);
	assert_null(p->start.zone);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	assert_int_equal(p->has_end, 1);
	assert_int_equal(p->end.kind, SM_DT_FLOATING);
	expect_time(p->end.civil, "2024-03-05T10:00:00");

	p = find_post(&f, "date");
	assert_int_equal(p->start.kind, SM_DT_DATE);
	expect_time(p->start.civil, "2024-03-05");
	assert_int_equal(p->end.kind, SM_DT_DATE);
	expect_time(p->end.civil, "2024-03-06");

	/* DTEND and DURATION both (RFC 5545 forbids it): DTEND is kept. */
	p = find_post(&f, "both");
	assert_int_equal(p->has_end, 1);
	expect_time(p->end.civil, "2024-03-05T10:00:00");
	assert_int_equal(p->has_duration, 0);
	fx_fini(&f);
}

static void
test_status(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:tent", "DTSTART:20240305T090000Z",
			  "STATUS:TENTATIVE", "END:VEVENT", "BEGIN:VEVENT",
			  "UID:canc", "DTSTART:20240305T090000Z",
			  "STATUS:CANCELLED", "END:VEVENT", "BEGIN:VEVENT",
			  "UID:conf", "DTSTART:20240305T090000Z",
			  "STATUS:CONFIRMED", "END:VEVENT", "BEGIN:VEVENT",
			  "UID:none", "DTSTART:20240305T090000Z", "END:VEVENT",
			  "END:VCALENDAR"));
	expect_clean(&f);
	assert_int_equal(find_post(&f, "tent")->status, SM_POST_DRAFT);
	assert_int_equal(find_post(&f, "canc")->status, SM_POST_CANCELLED);
	assert_int_equal(find_post(&f, "conf")->status, SM_POST_SCHEDULED);
	assert_int_equal(find_post(&f, "none")->status, SM_POST_SCHEDULED);
	fx_fini(&f);
}

static void
test_alarms(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "UID:al", "DTSTART:20240305T090000Z",
		      "DTEND:20240305T100000Z", "BEGIN:VALARM",
		      "ACTION:DISPLAY", "DESCRIPTION:r", "TRIGGER:-PT1H",
		      "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		      "DESCRIPTION:r", "TRIGGER;RELATED=END:-PT15M",
		      "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		      "DESCRIPTION:r",
		      "TRIGGER;VALUE=DATE-TIME:20240304T120000Z", "END:VALARM",
		      "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		      "TRIGGER:-PT30M", "REPEAT:2", "DURATION:PT5M",
		      "END:VALARM", "END:VEVENT", "END:VCALENDAR"));
	expect_clean(&f);
	const struct sm_post *p = find_post(&f, "al");
	assert_int_equal(p->nalarms, 4);
	assert_int_equal(p->alarms[0].kind, SM_ALARM_BEFORE_START);
	assert_int_equal(p->alarms[0].value, -3600);
	assert_int_equal(p->alarms[0].repeat, 0);
	assert_int_equal(p->alarms[1].kind, SM_ALARM_BEFORE_END);
	assert_int_equal(p->alarms[1].value, -900);
	assert_int_equal(p->alarms[2].kind, SM_ALARM_ABSOLUTE);
	expect_time(p->alarms[2].value, "2024-03-04T12:00:00");
	assert_int_equal(p->alarms[3].kind, SM_ALARM_BEFORE_START);
	assert_int_equal(p->alarms[3].value, -1800);
	assert_int_equal(p->alarms[3].repeat, 2);
	assert_int_equal(p->alarms[3].repeat_gap, 300);
	fx_fini(&f);
}

static void
test_vtodo(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTODO",
			  "UID:due-only", "DUE:20240305T170000Z",
			  "SUMMARY:Write the post", "END:VTODO", "BEGIN:VTODO",
			  "UID:no-dates", "SUMMARY:Someday", "END:VTODO",
			  "BEGIN:VTODO", "UID:start-due",
			  "DTSTART:20240305T090000Z", "DUE:20240305T170000Z",
			  "END:VTODO", "END:VCALENDAR"));
	assert_int_equal(f.d.nerrors, 0);
	assert_int_equal(f.cal.nposts, 2);
	const struct sm_post *p = find_post(&f, "due-only");
	assert_int_equal(p->is_todo, 1);
	assert_int_equal(p->start.kind, SM_DT_UTC);
	expect_time(p->start.civil, "2024-03-05T17:00:00");
	assert_string_equal(p->title, "Write the post");
	p = find_post(&f, "start-due");
	assert_int_equal(p->is_todo, 1);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	assert_int_equal(p->has_end, 1);
	expect_time(p->end.civil, "2024-03-05T17:00:00");
	for (size_t i = 0; i < f.cal.nposts; i++)
		assert_string_not_equal(f.cal.posts[i].uid, "no-dates");
	fx_fini(&f);
}

static void
test_recurrence_props(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "UID:rec", "DTSTART;TZID=Europe/Paris:20240305T090000",
		      "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10",
		      "RDATE;TZID=Europe/Paris:20240308T090000,"
		      "20240309T090000",
		      "RDATE;VALUE=PERIOD:20240310T080000Z/PT1H",
		      "RDATE;VALUE=DATE:20240311",
		      "EXDATE;TZID=Europe/Paris:20240312T090000",
		      "EXDATE:20240319T080000Z", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:rec",
		      "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:"
		      "20240326T090000",
		      "DTSTART;TZID=Europe/Paris:20240326T110000",
		      "SUMMARY:Later", "SEQUENCE:3", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:rec",
		      "RECURRENCE-ID:20240402T070000Z",
		      "DTSTART:20240402T090000Z", "END:VEVENT",
		      "END:VCALENDAR"));
	assert_int_equal(f.d.nerrors, 0);
	assert_int_equal(f.cal.nposts, 3);
	const struct sm_post *m = &f.cal.posts[0];
	assert_string_equal(m->uid, "rec");
	assert_int_equal(m->is_override, 0);
	assert_int_equal(m->nrrules, 1);
	assert_int_equal(m->rrules[0].freq, SM_FREQ_WEEKLY);
	assert_int_equal(m->rrules[0].count, 10);
	assert_int_equal(m->nrdates, 4);
	int nzoned = 0, nutc = 0, ndate = 0;
	for (int i = 0; i < m->nrdates; i++) {
		const struct sm_dt *r = &m->rdates[i];
		if (r->kind == SM_DT_ZONED) {
			nzoned++;
			assert_string_equal(r->zone->tzid, "Europe/Paris");
		} else if (r->kind == SM_DT_UTC) {
			nutc++;
			/* A PERIOD's start is the instance. */
			expect_time(r->civil, "2024-03-10T08:00:00");
		} else if (r->kind == SM_DT_DATE) {
			ndate++;
			expect_time(r->civil, "2024-03-11");
		}
	}
	assert_int_equal(nzoned, 2);
	assert_int_equal(nutc, 1);
	assert_int_equal(ndate, 1);
	assert_int_equal(m->nexdates, 2);
	assert_int_equal(m->exdates[0].kind, SM_DT_ZONED);
	expect_time(m->exdates[0].civil, "2024-03-12T09:00:00");
	assert_int_equal(m->exdates[1].kind, SM_DT_UTC);
	expect_time(m->exdates[1].civil, "2024-03-19T08:00:00");

	const struct sm_post *o = &f.cal.posts[1];
	assert_int_equal(o->is_override, 1);
	assert_int_equal(o->this_and_future, 1);
	assert_int_equal(o->sequence, 3);
	assert_int_equal(o->recurrence_id.kind, SM_DT_ZONED);
	expect_time(o->recurrence_id.civil, "2024-03-26T09:00:00");
	assert_string_equal(o->title, "Later");

	o = &f.cal.posts[2];
	assert_int_equal(o->is_override, 1);
	assert_int_equal(o->this_and_future, 0);
	assert_int_equal(o->recurrence_id.kind, SM_DT_UTC);
	expect_time(o->recurrence_id.civil, "2024-04-02T07:00:00");
	fx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Messy input.
 */

static void
check_plain(const struct fx *f)
{
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->cal.nposts, 2);
	assert_string_equal(find_post(f, "a")->title, "First");
	const struct sm_post *b = find_post(f, "b");
	assert_string_equal(b->title, "Second");
	assert_int_equal(b->line, 9);
	assert_int_equal(b->nrrules, 0);
	assert_int_equal(f->d.nerrors, 1);
	expect_diag(f, SM_ERROR, 12, "RRULE");
	assert_int_equal(f->d.nwarnings, 0);
}

static void
test_line_ends(void **state)
{
	(void)state;
	static const char *const eols[] = {"\r\n", "\n", "\r"};
	for (size_t i = 0; i < sizeof(eols) / sizeof(eols[0]); i++) {
		static struct fx f;
		fx_load_eol(&f, plain_lines, eols[i]);
		check_plain(&f);
		fx_fini(&f);
	}
	/* Mixed line ends in one file. */
	char *text = join(plain_lines, "\n");
	char *crlf = join(plain_lines, "\r\n");
	size_t half = strlen(text) / 2;
	while (text[half - 1] != '\n')
		half--;
	/* First half LF, the rest CRLF: count lines of the first half. */
	int lines_in_half = 0;
	for (size_t k = 0; k < half; k++)
		lines_in_half += text[k] == '\n';
	const char *rest = crlf;
	for (int k = 0; k < lines_in_half; k++)
		rest = strstr(rest, "\r\n") + 2;
	char *mixed = malloc(half + strlen(rest) + 1);
	assert_non_null(mixed);
	memcpy(mixed, text, half);
	strcpy(mixed + half, rest);
	static struct fx f;
	fx_load_len(&f, mixed, strlen(mixed));
	check_plain(&f);
	fx_fini(&f);
	free(mixed);
	free(text);
	free(crlf);
}

static void
test_bom(void **state)
{
	(void)state;
	char *text = join(plain_lines, "\r\n");
	char *bom = malloc(strlen(text) + 4);
	assert_non_null(bom);
	strcpy(bom, "\xef\xbb\xbf");
	strcat(bom, text);
	static struct fx f;
	fx_load_len(&f, bom, strlen(bom));
	check_plain(&f);
	fx_fini(&f);
	free(bom);
	free(text);
}

static void
test_missing_version(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "PRODID:-//x//EN", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z", "END:VEVENT",
			  "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 0);
	assert_int_equal(f.d.nwarnings, 1);
	/* Not tied to a line, or tied to the VCALENDAR's BEGIN. */
	assert_true(count_diag(&f, SM_WARNING, 0, "VERSION") +
			    count_diag(&f, SM_WARNING, 1, "VERSION") ==
		    1);
	fx_fini(&f);
}

static void
test_no_vcalendar(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VEVENT", "UID:a", "DTSTART:20240305T090000Z",
			  "SUMMARY:Bare", "END:VEVENT", "BEGIN:VEVENT", "UID:b",
			  "DTSTART;TZID=Europe/Paris:20240305T090000",
			  "RRULE:FREQ=DAILY;COUNT=2", "END:VEVENT"));
	/* Bare components are read (lint and expand show them), but a file
	 * without a VCALENDAR is not a calendar: an error, so the daemon
	 * never serves it. */
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "no BEGIN:VCALENDAR");
	assert_int_equal(f.cal.nposts, 2);
	assert_string_equal(find_post(&f, "a")->title, "Bare");
	const struct sm_post *b = find_post(&f, "b");
	assert_int_equal(b->line, 6);
	assert_int_equal(b->nrrules, 1);
	expect_time(zoned_instant(&b->start), "2024-03-05T08:00:00");
	fx_fini(&f);
}

static void
test_fold_without_space(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z",
			  "DESCRIPTION:This copy was folded by a tool that ",
			  "forgot the space, ",	       /* 7 */
			  "Note: still the same line", /* 8 */
			  " and a proper fold",	       /* 9 */
			  "SUMMARY:Title", "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 0);
	const struct sm_post *p = find_post(&f, "a");
	assert_string_equal(p->body,
			    "This copy was folded by a tool that forgot the "
			    "space, Note: still the same lineand a proper "
			    "fold");
	assert_string_equal(p->title, "Title");
	expect_diag(&f, SM_WARNING, 7, "joined");
	expect_diag(&f, SM_WARNING, 8, "joined");
	assert_int_equal(f.d.nwarnings, 2);
	fx_fini(&f);
}

static void
test_blank_line(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z", "", "SUMMARY:After blank",
		      "END:VEVENT", "", "BEGIN:VEVENT", "UID:b",
		      "DTSTART;TZID=Nowhere/Special:20240305T090000",
		      "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 2);
	assert_string_equal(find_post(&f, "a")->title, "After blank");
	assert_int_equal(find_post(&f, "b")->line, 10);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 12, "Nowhere/Special");
	fx_fini(&f);
}

static void
test_latin1(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z",
			  "SUMMARY:caf\xe9 cr\xe8me \x80 5", "END:VEVENT",
			  "BEGIN:VEVENT", "UID:b", "DTSTART:20240306T090000Z",
			  "SUMMARY:d\xe9j\xe0 vu",
			  "DESCRIPTION:caf\xc3\xa9 in UTF-8", "END:VEVENT",
			  "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 2);
	assert_int_equal(f.d.nerrors, 0);
	assert_string_equal(find_post(&f, "a")->title,
			    "caf\xc3\xa9 cr\xc3\xa8me \xe2\x82\xac 5");
	assert_string_equal(find_post(&f, "b")->title, "d\xc3\xa9j\xc3\xa0 vu");
	assert_string_equal(find_post(&f, "b")->body, "caf\xc3\xa9 in UTF-8");
	/* One warning, naming the first component with such text. */
	assert_int_equal(f.d.nwarnings, 1);
	expect_diag(&f, SM_WARNING, 3, "UTF-8");
	fx_fini(&f);
}

static void
test_missing_end_vevent(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z", "SUMMARY:One",
			  "BEGIN:VEVENT", "UID:b", "DTSTART:20240306T090000Z",
			  "SUMMARY:Two", "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 2);
	assert_int_equal(f.d.nerrors, 0);
	assert_string_equal(find_post(&f, "a")->title, "One");
	assert_string_equal(find_post(&f, "b")->title, "Two");
	assert_int_equal(find_post(&f, "b")->line, 7);
	expect_diag(&f, SM_WARNING, 7, "VEVENT");
	assert_int_equal(f.d.nwarnings, 1);
	fx_fini(&f);
}

static void
test_missing_end_vcalendar(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z", "END:VEVENT",
			  "BEGIN:VEVENT", "UID:b", "DTSTART:20240306T090000Z"));
	/* A file that ends inside a component is cut short: an error (the
	 * daemon keeps its previous version), though what was read is still
	 * shown.  The innermost unclosed component is reported at its BEGIN
	 * line (closing it at EOF closes the VCALENDAR too). */
	assert_int_equal(f.cal.nposts, 2);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 7, "cut short");
	assert_int_equal(f.cal.unterminated, 1);
	fx_fini(&f);

	/* Without END:VCALENDAR alone: the events after the cut are lost. */
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z", "END:VEVENT"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 1, "BEGIN:VCALENDAR never ended");
	assert_int_equal(f.d.nwarnings, 0);
	fx_fini(&f);
}

static void
test_end_without_begin(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "END:VTODO",
			  "BEGIN:VEVENT", "UID:a", "DTSTART:20240305T090000Z",
			  "END:VALARM", "SUMMARY:Still here", "END:VEVENT",
			  "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 0);
	assert_string_equal(find_post(&f, "a")->title, "Still here");
	expect_diag(&f, SM_WARNING, 3, "END:VTODO");
	expect_diag(&f, SM_WARNING, 7, "END:VALARM");
	expect_diag(&f, SM_WARNING, 10, "END:VEVENT");
	assert_int_equal(f.d.nwarnings, 3);
	fx_fini(&f);
}

static void
test_nul_byte(void **state)
{
	(void)state;
	char *text = join(
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z", "SUMMARY:bad\x01title",
		      "DESCRIPTION:ok", "END:VEVENT", "END:VCALENDAR"),
		"\r\n");
	size_t len = strlen(text);
	*strchr(text, '\x01') = '\0';
	static struct fx f;
	fx_load_len(&f, text, len);
	assert_int_equal(f.cal.nposts, 1);
	const struct sm_post *p = find_post(&f, "a");
	assert_null(p->title); /* the line was dropped */
	assert_string_equal(p->body, "ok");
	expect_diag(&f, SM_WARNING, 6, "NUL");
	assert_int_equal(f.d.n, 1);
	fx_fini(&f);
	free(text);
}

static void
test_no_dtstart(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:nostart", "SUMMARY:When?", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:c", "DTSTART:20240307T090000Z",
		      "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 2);
	find_post(&f, "a");
	find_post(&f, "c");
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 7, "DTSTART");
	fx_fini(&f);
}

static void
test_unknown_tzid(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "SUMMARY:x",
			  "DTSTART;TZID=Mars/Olympus_Mons:20240305T090000",
			  "DTEND;TZID=Mars/Olympus_Mons:20240305T100000",
			  "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 6, "Mars/Olympus_Mons");
	const struct sm_post *p = find_post(&f, "a");
	assert_int_equal(p->start.kind, SM_DT_ZONED);
	assert_non_null(p->start.zone);
	assert_null(p->start.zone->tz); /* read as floating */
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	fx_fini(&f);
}

static void
test_bad_rrule(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z", "RRULE:FREQ=WEEKLY;BYDAY=XX",
		      "SUMMARY:s", "END:VEVENT", "BEGIN:VEVENT", "UID:b",
		      "DTSTART:20240305T090000Z", "RRULE:FREQ=DAILY;COUNT=3",
		      "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 2);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 6, "RRULE");
	assert_int_equal(find_post(&f, "a")->nrrules, 0);
	assert_int_equal(find_post(&f, "b")->nrrules, 1);
	fx_fini(&f);
}

static void
test_rdate_date_with_z(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:bday", "DTSTART;VALUE=DATE:20121210",
			  "RRULE:FREQ=YEARLY", "RDATE:20131210Z", "END:VEVENT",
			  "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 0);
	expect_diag(&f, SM_WARNING, 7, "20131210");
	const struct sm_post *p = find_post(&f, "bday");
	assert_int_equal(p->nrdates, 1);
	assert_int_equal(p->rdates[0].kind, SM_DT_DATE);
	expect_time(p->rdates[0].civil, "2013-12-10");
	fx_fini(&f);
}

static void
test_missing_uid(void **state)
{
	(void)state;
	const char *const *lines =
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "DTSTART:20240305T090000Z", "SUMMARY:No id", "END:VEVENT",
		      "BEGIN:VEVENT", "DTSTART:20240306T090000Z",
		      "SUMMARY:No id either", "END:VEVENT", "END:VCALENDAR");
	static struct fx f1, f2;
	fx_load(&f1, lines);
	fx_load(&f2, lines);
	assert_int_equal(f1.cal.nposts, 2);
	assert_int_equal(f1.d.nerrors, 0);
	expect_diag(&f1, SM_WARNING, 3, "UID");
	expect_diag(&f1, SM_WARNING, 7, "UID");
	for (int i = 0; i < 2; i++) {
		const struct sm_post *p = &f1.cal.posts[i];
		assert_int_equal(p->uid_derived, 1);
		assert_non_null(p->uid);
		assert_int_equal(strncmp(p->uid, "smcal-derived-",
					 strlen("smcal-"
						"derived-")),
				 0);
		assert_string_equal(p->uid, f2.cal.posts[i].uid);
	}
	assert_string_not_equal(f1.cal.posts[0].uid, f1.cal.posts[1].uid);
	fx_fini(&f1);
	fx_fini(&f2);

	/* The id does not depend on where the event sits in the file. */
	fx_load(&f1, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			   "DTSTART:20240305T090000Z", "SUMMARY:No id",
			   "END:VEVENT", "END:VCALENDAR"));
	fx_load(&f2,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "X-WR-CALNAME:other",
		      "BEGIN:VEVENT", "UID:someone", "DTSTART:20240301T090000Z",
		      "END:VEVENT", "BEGIN:VEVENT", "DTSTART:20240305T090000Z",
		      "SUMMARY:No id", "END:VEVENT", "END:VCALENDAR"));
	assert_string_equal(f1.cal.posts[0].uid, f2.cal.posts[1].uid);
	fx_fini(&f1);
	fx_fini(&f2);
}

/*
 * X-WR-TIMEZONE is never applied, but each file's first one is kept with its
 * file and line, so lint can name them; files loaded into one calendar keep
 * their own.
 */
static void
test_x_wr_timezone_per_file(void **state)
{
	(void)state;
	static struct fx f;
	char *a = join(LINES("BEGIN:VCALENDAR", "VERSION:2.0",
			     "X-WR-CALNAME:team", "X-WR-TIMEZONE:Europe/Paris",
			     "X-WR-TIMEZONE:Europe/Rome", "BEGIN:VEVENT",
			     "UID:a", "DTSTART:20240305T090000", "END:VEVENT",
			     "END:VCALENDAR"),
		       "\r\n");
	char *b = join(LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			     "UID:b", "DTSTART:20240305T090000", "END:VEVENT",
			     "END:VCALENDAR"),
		       "\r\n");
	char *c = join(LINES("BEGIN:VCALENDAR", "VERSION:2.0",
			     "X-WR-TIMEZONE:America/New_York", "BEGIN:VEVENT",
			     "UID:c", "DTSTART:20240305T090000", "END:VEVENT",
			     "END:VCALENDAR"),
		       "\r\n");
	fx_load_len(&f, a, strlen(a));
	assert_int_equal(
		sm_calendar_load_buffer(&f.cal, b, strlen(b), "b.ics", &f.d),
		0);
	assert_int_equal(
		sm_calendar_load_buffer(&f.cal, c, strlen(c), "c.ics", &f.d),
		0);
	free(a);
	free(b);
	free(c);
	expect_clean(&f);
	const struct sm_x_wr_timezone *x = f.cal.x_wr_timezones;
	assert_non_null(x);
	assert_string_equal(x->file, "t.ics");
	assert_int_equal(x->line, 4);
	assert_string_equal(x->zone, "Europe/Paris");
	x = x->next;
	assert_non_null(x);
	assert_string_equal(x->file, "c.ics");
	assert_int_equal(x->line, 3);
	assert_string_equal(x->zone, "America/New_York");
	assert_null(x->next);
	fx_fini(&f);
}

static void
test_empty(void **state)
{
	(void)state;
	static struct fx f;
	/* An empty file (a save in progress, a failed copy) is an error, not
	 * a calendar without posts. */
	fx_load_len(&f, "", 0);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 0);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "file is empty");
	fx_fini(&f);

	fx_load_len(&f, "\r\n\n\r", 4);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 0);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "file is empty");
	fx_fini(&f);

	/* A well-formed VCALENDAR without events is how a calendar is
	 * emptied on purpose: a clean load. */
	fx_load_len(&f, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
		    45);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 0);
	expect_clean(&f);
	fx_fini(&f);
	fx_load_len(&f, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 32);
	assert_int_equal(f.d.nerrors, 0);
	fx_fini(&f);

	fx_load_len(&f, "BEGIN", 5);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 0);
	expect_diag(&f, SM_ERROR, 0, "no BEGIN:VCALENDAR");
	fx_fini(&f);
}

/* A 0-byte file on disk: sm_calendar_load_file reads it, the load is an
 * error (the daemon then keeps its previous version). */
static void
test_empty_file(void **state)
{
	(void)state;
	char path[] = "/tmp/smcal-test-empty-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct sm_calendar cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&cal, "main");
	assert_int_equal(sm_calendar_load_file(&cal, path, &d), 0);
	assert_int_equal(cal.nposts, 0);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.items[0].message, "file is empty"));
	assert_string_equal(d.items[0].file, path);
	sm_diag_clear(&d);
	sm_calendar_fini(&cal);
	unlink(path);
}

/* Data that is not text, wherever it comes from: one error, not a warning
 * per line and a calendar of no posts. */
static void
test_binary(void **state)
{
	(void)state;
	static struct fx f;
	/* Bytes of a compressed or image file: every value, in a scrambled
	 * order, a few KiB of them. */
	size_t len = 8192;
	unsigned char *bin = malloc(len);
	assert_non_null(bin);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		bin[i] = (unsigned char)x;
	}
	fx_load_len(&f, (const char *)bin, len);
	assert_int_equal(f.cal.nposts, 0);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "not a text file");
	assert_int_equal(f.d.n, 1);
	fx_fini(&f);

	/* Binary data that starts like a calendar is still binary. */
	const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n";
	memcpy(bin, head, strlen(head));
	fx_load_len(&f, (const char *)bin, len);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "not a text file");
	fx_fini(&f);

	/* An ELF header: mostly NUL bytes. */
	memset(bin, 0, len);
	memcpy(bin,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	fx_load_len(&f, (const char *)bin, 512);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "not a text file");
	fx_fini(&f);
	free(bin);

	/* UTF-16 (what some Windows tools save): named as such. */
	static const char u16[] = "\xff\xfe"
				  "B\0E\0G\0I\0N\0:\0V\0C\0A\0L\0\r\0\n\0";
	fx_load_len(&f, u16, sizeof(u16) - 1);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 0, "UTF-16");
	fx_fini(&f);
}

/* A file cut short inside a recurring event: its EXDATE is cut off, so
 * serving it would bring back the occurrence the team removed.  An error,
 * at the BEGIN line of the event that never ended. */
static void
test_truncated(void **state)
{
	(void)state;
	static struct fx f;
	static const char text[] = "BEGIN:VCALENDAR\r\n"
				   "VERSION:2.0\r\n"
				   "BEGIN:VEVENT\r\n"
				   "UID:keep\r\n"
				   "DTSTART:20240305T090000Z\r\n"
				   "END:VEVENT\r\n"
				   "BEGIN:VEVENT\r\n"
				   "UID:tip\r\n"
				   "DTSTART:20240305T090000Z\r\n"
				   "RRULE:FREQ=WEEKLY\r\n"
				   "EXDATE:20240312T09";
	fx_load_len(&f, text, sizeof(text) - 1);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 7, "cut short");
	assert_int_equal(f.cal.unterminated, 1);
	fx_fini(&f);
}

static void
test_enormous_line(void **state)
{
	(void)state;
	const size_t big = 1 << 20;
	const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
			   "UID:big\r\nDTSTART:20240305T090000Z\r\n"
			   "DESCRIPTION:";
	const char *tail = "\r\nEND:VEVENT\r\n";
	const char *junk = "X-JUNK;";
	const char *tail2 = "\r\nEND:VCALENDAR\r\n";
	size_t len = strlen(head) + big + strlen(tail) + strlen(junk) + big +
		     strlen(tail2);
	char *text = malloc(len + 1);
	assert_non_null(text);
	char *p = text;
	memcpy(p, head, strlen(head));
	p += strlen(head);
	memset(p, 'x', big);
	p += big;
	memcpy(p, tail, strlen(tail));
	p += strlen(tail);
	/* A 1 MB line with no value separator outside any component. */
	memcpy(p, junk, strlen(junk));
	p += strlen(junk);
	memset(p, ';', big);
	p += big;
	memcpy(p, tail2, strlen(tail2));
	p += strlen(tail2);
	*p = '\0';
	assert_int_equal((size_t)(p - text), len);
	static struct fx f;
	fx_load_len(&f, text, len);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 1);
	const struct sm_post *b = find_post(&f, "big");
	assert_non_null(b->body);
	assert_int_equal(strlen(b->body), big);
	fx_fini(&f);
	free(text);
}

/* libical splits "RDATE:a,b" into two properties; the line of a later
 * RDATE must still be its own. */
static void
test_rdate_value_line_after_list(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z",
			  "RDATE:20240301T090000Z,20240302T090000Z",
			  "RDATE:20240230T090000Z", /* 7: no Feb 30 */
			  "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(find_post(&f, "a")->nrdates, 2);

	expect_diag(&f, SM_WARNING, 7, "RDATE");
	fx_fini(&f);
}

static void
test_rdate_tzid_line_after_list(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z",
			  "RDATE:20240301T090000Z,20240302T090000Z",
			  "RDATE;TZID=Mars/Base:20240310T090000", /* 7 */
			  "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 1);

	expect_diag(&f, SM_ERROR, 7, "Mars/Base");
	fx_fini(&f);
}

static void
test_text_escapes(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z",
		      "SUMMARY:Hi\\, there\\; x\\\\y",
		      "X-SMCAL-CAMPAIGN:Spring\\, 2024\\; big\\nnew",
		      "X-SMCAL-PERSONA;X-FOO=bar:Maria",
		      "X-SMCAL-PLATFORM:instagram", "X-SMCAL-PLATFORM:tiktok",
		      "END:VEVENT", "END:VCALENDAR"));
	expect_clean(&f);
	const struct sm_post *p = find_post(&f, "a");
	assert_string_equal(p->title, "Hi, there; x\\y");
	assert_string_equal(p->campaign, "Spring, 2024; big\nnew");
	assert_string_equal(p->persona, "Maria");
	assert_int_equal(p->nplatforms, 2);
	assert_string_equal(p->platforms[0], "instagram");
	assert_string_equal(p->platforms[1], "tiktok");
	fx_fini(&f);
}

/* RFC 5545 3.3.11: "\," in a TEXT list is a comma inside one value. */
static void
test_categories_escaped_comma(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART:20240305T090000Z",
			  "CATEGORIES:Tips\\, tricks,Instagram", "END:VEVENT",
			  "END:VCALENDAR"));
	const struct sm_post *p = find_post(&f, "a");
	assert_int_equal(p->ncategories, 2);
	assert_string_equal(p->categories[0], "Tips, tricks");
	assert_string_equal(p->categories[1], "Instagram");
	fx_fini(&f);
}

static void
test_folded_rrule_error_line(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a",
		      "DTSTART:20240305T090000Z", "RRULE:FREQ=WEEK", /* 6 */
		      " LY;BYDAY=XX", "DESCRIPTION:a", " b", "END:VEVENT",
		      "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 1);
	expect_diag(&f, SM_ERROR, 6, "RRULE");
	assert_string_equal(find_post(&f, "a")->body, "ab");
	fx_fini(&f);
}

/* A TZID names the VTIMEZONE of its own VCALENDAR first. */
static void
test_zone_per_vcalendar(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "UID:one", "DTSTART;TZID=Custom:20240110T120000",
		      "END:VEVENT", "BEGIN:VTIMEZONE", "TZID:Custom",
		      "BEGIN:STANDARD", "DTSTART:19700101T000000",
		      "TZOFFSETFROM:+0100", "TZOFFSETTO:+0100", "END:STANDARD",
		      "END:VTIMEZONE", "END:VCALENDAR", "BEGIN:VCALENDAR",
		      "VERSION:2.0", "BEGIN:VTIMEZONE", "TZID:Custom",
		      "BEGIN:STANDARD", "DTSTART:19700101T000000",
		      "TZOFFSETFROM:-0500", "TZOFFSETTO:-0500", "END:STANDARD",
		      "END:VTIMEZONE", "BEGIN:VEVENT", "UID:two",
		      "DTSTART;TZID=Custom:20240110T120000", "END:VEVENT",
		      "END:VCALENDAR"));
	expect_clean(&f);
	expect_time(zoned_instant(&find_post(&f, "one")->start),
		    "2024-01-10T11:00:00");
	expect_time(zoned_instant(&find_post(&f, "two")->start),
		    "2024-01-10T17:00:00");
	fx_fini(&f);
}

/* A TZID on a value that ends in Z: the value is UTC (calendar.h). */
static void
test_tzid_with_z(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:a", "DTSTART;TZID=Europe/Paris:20240305T090000Z",
			  "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 1);
	assert_int_equal(f.d.nerrors, 0);
	const struct sm_post *p = find_post(&f, "a");
	assert_int_equal(p->start.kind, SM_DT_UTC);
	expect_time(p->start.civil, "2024-03-05T09:00:00");
	fx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Zones.
 */

/* A made-up zone: UTC-5 in winter, UTC-4 from the second Sunday of March
 * to the first Sunday of November (US rules), named "My Zone". */
#define MY_ZONE_VTIMEZONE                                                      \
	"BEGIN:VTIMEZONE", "TZID:My Zone", "BEGIN:STANDARD",                   \
		"DTSTART:20071104T020000", "TZOFFSETFROM:-0400",               \
		"TZOFFSETTO:-0500", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",  \
		"END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:20070311T020000",   \
		"TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",                      \
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",       \
		"END:VTIMEZONE"

static void
test_zone_from_file(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", MY_ZONE_VTIMEZONE,
			  "BEGIN:VEVENT", "UID:summer",
			  "DTSTART;TZID=My Zone:20240710T120000", "END:VEVENT",
			  "BEGIN:VEVENT", "UID:winter",
			  "DTSTART;TZID=\"My Zone\":20240110T120000",
			  "END:VEVENT", "BEGIN:VEVENT", "UID:gap",
			  "DTSTART;TZID=My Zone:20240310T023000", "END:VEVENT",
			  "END:VCALENDAR"));
	expect_clean(&f);
	assert_int_equal(f.cal.nposts, 3);
	const struct sm_post *p = find_post(&f, "summer");
	assert_string_equal(p->start.zone->tzid, "My Zone");
	expect_time(zoned_instant(&p->start), "2024-07-10T16:00:00");
	expect_time(zoned_instant(&find_post(&f, "winter")->start),
		    "2024-01-10T17:00:00");
	/* 02:30 does not exist on 2024-03-10: the offset before (-5). */
	expect_time(zoned_instant(&find_post(&f, "gap")->start),
		    "2024-03-10T07:30:00");
	fx_fini(&f);
}

/*
 * A TZID parameter and a VTIMEZONE's TZID are compared without surrounding
 * white space: Exchange writes "TZID: 1" and "DTSTART;TZID= 1:...".
 */
static void
test_zone_tzid_blanks_trimmed(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0",
		      "PRODID:-//Microsoft Corporation//Outlook 16.0 "
		      "MIMEDIR//EN",
		      "BEGIN:VTIMEZONE", "TZID: 1", "BEGIN:STANDARD",
		      "DTSTART:16010101T030000", "TZOFFSETFROM:+0200",
		      "TZOFFSETTO:+0100",
		      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
		      "BEGIN:DAYLIGHT", "DTSTART:16010101T020000",
		      "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
		      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT",
		      "END:VTIMEZONE", "BEGIN:VTIMEZONE", "TZID:Custom\t ",
		      "BEGIN:STANDARD", "DTSTART:19700101T000000",
		      "TZOFFSETFROM:-0500", "TZOFFSETTO:-0500", "END:STANDARD",
		      "END:VTIMEZONE", "BEGIN:VEVENT", "UID:exchange",
		      "DTSTART;TZID= 1:20240108T110000",
		      "DTEND;TZID= 1:20240108T120000", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:summer",
		      "DTSTART;TZID=\" 1 \":20240708T110000", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:custom",
		      "DTSTART;TZID=Custom:20240108T110000", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:system",
		      "DTSTART;TZID= Europe/Paris :20240108T110000",
		      "END:VEVENT", "END:VCALENDAR"));
	expect_clean(&f);
	const struct sm_post *p = find_post(&f, "exchange");
	assert_string_equal(p->start.zone->tzid, "1");
	expect_time(zoned_instant(&p->start), "2024-01-08T10:00:00");
	assert_int_equal(p->end.kind, SM_DT_ZONED);
	assert_ptr_equal(p->end.zone, p->start.zone);
	expect_time(zoned_instant(&find_post(&f, "summer")->start),
		    "2024-07-08T09:00:00");
	expect_time(zoned_instant(&find_post(&f, "custom")->start),
		    "2024-01-08T16:00:00");
	expect_time(zoned_instant(&find_post(&f, "system")->start),
		    "2024-01-08T10:00:00");
	fx_fini(&f);
}

static void
test_zone_after_events(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f, LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			  "UID:summer", "DTSTART;TZID=My Zone:20240710T120000",
			  "END:VEVENT", MY_ZONE_VTIMEZONE, "END:VCALENDAR"));
	expect_clean(&f);
	expect_time(zoned_instant(&find_post(&f, "summer")->start),
		    "2024-07-10T16:00:00");
	fx_fini(&f);
}

static void
test_zone_system_names(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
		      "UID:paris", "DTSTART;TZID=Europe/Paris:20240710T120000",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:windows",
		      "DTSTART;TZID=W. Europe Standard Time:20240110T120000",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:windows-summer",
		      "DTSTART;TZID=\"W. Europe Standard Time\":"
		      "20240710T120000",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:prefixed",
		      "DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/"
		      "Europe/Paris:20240110T120000",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:ny",
		      "DTSTART;TZID=America/New_York:20241103T013000",
		      "END:VEVENT", "END:VCALENDAR"));
	expect_clean(&f);
	expect_time(zoned_instant(&find_post(&f, "paris")->start),
		    "2024-07-10T10:00:00");
	expect_time(zoned_instant(&find_post(&f, "windows")->start),
		    "2024-01-10T11:00:00");
	expect_time(zoned_instant(&find_post(&f, "windows-summer")->start),
		    "2024-07-10T10:00:00");
	expect_time(zoned_instant(&find_post(&f, "prefixed")->start),
		    "2024-01-10T11:00:00");
	/* 01:30 happens twice on 2024-11-03 in New York: the first (EDT). */
	expect_time(zoned_instant(&find_post(&f, "ny")->start),
		    "2024-11-03T05:30:00");
	assert_string_equal(sm_calendar_windows_zone("W. Europe Standard Time"),
			    "Europe/Berlin");
	assert_null(sm_calendar_windows_zone("Mars Standard Time"));
	assert_non_null(sm_calendar_system_zone("Europe/Paris"));
	assert_ptr_equal(sm_calendar_system_zone("Europe/Paris"),
			 sm_calendar_system_zone("Europe/Paris"));
	assert_non_null(sm_calendar_system_zone("UTC"));
	assert_null(sm_calendar_system_zone("Nowhere/Special"));
	assert_null(sm_calendar_system_zone("../../etc/passwd"));
	fx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Files.
 */

static void
test_load_file_missing(void **state)
{
	(void)state;
	struct sm_calendar cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&cal, "main");
	assert_int_equal(
		sm_calendar_load_file(&cal, "/nonexistent/dir/cal.ics", &d),
		-1);
	assert_int_equal(cal.nposts, 0);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.items[0].severity, SM_ERROR);
	assert_string_equal(d.items[0].file, "/nonexistent/dir/cal.ics");
	sm_calendar_fini(&cal);
	sm_diag_clear(&d);
}

static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/smcal-test-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_load_two_files(void **state)
{
	(void)state;
	char *t1 = join(LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT",
			      "UID:one", "DTSTART;TZID=My Zone:20240710T120000",
			      "END:VEVENT", MY_ZONE_VTIMEZONE, "END:VCALENDAR"),
			"\r\n");
	char *t2 = join(LINES("BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:two",
			      "DTSTART:20240305T090000Z", "END:VEVENT",
			      "BEGIN:VEVENT", "UID:three",
			      "DTSTART;TZID=My Zone:20240710T120000",
			      "END:VEVENT", "END:VCALENDAR"),
			"\n");
	char *p1 = write_temp(t1), *p2 = write_temp(t2);
	struct sm_calendar cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&cal, "team");
	assert_string_equal(cal.name, "team");
	assert_int_equal(sm_calendar_load_file(&cal, p1, &d), 0);
	assert_int_equal(sm_calendar_load_file(&cal, p2, &d), 0);
	assert_int_equal(cal.nposts, 3);
	assert_string_equal(cal.posts[0].uid, "one");
	assert_string_equal(cal.posts[0].file, p1);
	assert_string_equal(cal.posts[1].uid, "two");
	assert_string_equal(cal.posts[1].file, p2);
	assert_int_equal(cal.posts[1].line, 2);
	/* The first file's zone resolves there; the second file does not
	 * define "My Zone", so its use is an unknown TZID there. */
	assert_non_null(cal.posts[0].start.zone->tz);
	assert_null(cal.posts[2].start.zone->tz);
	int found = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (d.items[i].severity == SM_ERROR &&
		    strcmp(d.items[i].file, p2) == 0 && d.items[i].line == 8)
			found = 1;
		if (d.items[i].severity == SM_ERROR)
			assert_string_not_equal(d.items[i].file, p1);
	}
	if (!found)
		sm_diag_print(&d, stderr);
	assert_true(found);
	/* Missing VERSION in the second file. */
	assert_true(d.nwarnings >= 1);
	sm_calendar_fini(&cal);
	sm_diag_clear(&d);
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
	free(t1);
	free(t2);
}

/* ---------------------------------------------------------------------
 * Huge text and dense rules: a calendar author must not be able to stop a
 * load (issue 13).
 */

/* Appends a content line folded at 75 octets (never inside a UTF-8
 * character), as calendar programs write them. */
static size_t
put_folded(char *out, const char *line, size_t len)
{
	size_t o = 0, limit = 75;
	while (len > limit) {
		size_t cut = limit;
		while (((unsigned char)line[cut] & 0xC0) == 0x80)
			cut--;
		memcpy(out + o, line, cut);
		o += cut;
		memcpy(out + o, "\r\n ", 3);
		o += 3;
		line += cut;
		len -= cut;
		limit = 74;
	}
	memcpy(out + o, line, len);
	o += len;
	memcpy(out + o, "\r\n", 2);
	return o + 2;
}

/* A calendar of three posts; the second has a DESCRIPTION of `value`
 * bytes (text with escapes and two-byte characters), folded. */
static char *
huge_calendar(size_t value, size_t *len)
{
	static const char pattern[] = "Caf\xc3\xa9 copy \\, with escapes\\; "
				      "and spaces  ";
	char *line = malloc(value + 32);
	assert_non_null(line);
	size_t n = (size_t)sprintf(line, "DESCRIPTION:");
	for (size_t i = 0; i < value;) {
		size_t k = sizeof(pattern) - 1;
		if (k > value - i)
			k = value - i;
		/* Do not cut the é or an escape in two. */
		while (k > 0 && (((unsigned char)pattern[k] & 0xC0) == 0x80 ||
				 pattern[k - 1] == '\\'))
			k--;
		if (k == 0) {
			line[n++] = 'x';
			i++;
			continue;
		}
		memcpy(line + n, pattern, k);
		n += k;
		i += k;
	}
	char *text = malloc(value * 2 + 4096);
	assert_non_null(text);
	size_t o = (size_t)sprintf(
		text,
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
		"BEGIN:VEVENT\r\nUID:before\r\nDTSTART:20270101T090000Z\r\n"
		"END:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:huge\r\nDTSTART:20270102T090000Z\r\n");
	o += put_folded(text + o, line, n);
	o += (size_t)sprintf(text + o,
			     "SUMMARY:huge\r\nEND:VEVENT\r\n"
			     "BEGIN:VEVENT\r\nUID:after\r\n"
			     "DTSTART:20270103T090000Z\r\nEND:VEVENT\r\n"
			     "END:VCALENDAR\r\n");
	free(line);
	*len = o;
	return text;
}

/* A value just under the limit loads whole, its text exact (libical is
 * handed the line folded at its own places: nothing may be lost or added
 * at them). */
static void
test_huge_value_under_limit(void **state)
{
	(void)state;
	size_t len, value = SM_CALENDAR_MAX_PROPERTY - 100;
	char *text = huge_calendar(value, &len);
	static struct fx f;
	fx_load_len(&f, text, len);
	free(text);
	expect_clean(&f);
	assert_int_equal(f.cal.nposts, 3);
	const struct sm_post *p = find_post(&f, "huge");
	assert_non_null(p->body);
	/* Unescaped: "\\," and "\\;" lose their backslash. */
	static const char plain[] = "Caf\xc3\xa9 copy , with escapes; and "
				    "spaces  ";
	size_t blen = strlen(p->body), k = 0;
	assert_true(blen > value - value / 10 && blen <= value);
	for (size_t i = 0; i + sizeof(plain) - 1 <= blen;
	     i += sizeof(plain) - 1, k++)
		if (memcmp(p->body + i, plain, sizeof(plain) - 1) != 0)
			fail_msg("body differs at byte %zu: %.40s", i,
				 p->body + i);
	assert_true(k > 1000);
	assert_string_equal(p->title, "huge");
	fx_fini(&f);
}

/* Over the limit: an error naming the property's line and the component's,
 * the post skipped, the posts around it loaded. */
static void
test_huge_value_over_limit(void **state)
{
	(void)state;
	size_t len;
	char *text = huge_calendar(SM_CALENDAR_MAX_PROPERTY + 10, &len);
	static struct fx f;
	fx_load_len(&f, text, len);
	free(text);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.cal.nposts, 2);
	assert_non_null(find_post(&f, "before"));
	assert_non_null(find_post(&f, "after"));
	expect_diag(&f, SM_ERROR, 10, "DESCRIPTION is 1048586 bytes long");
	expect_diag(&f, SM_ERROR, 10, "the VEVENT at line 7 is skipped");
	assert_int_equal(f.d.nerrors, 1);
	fx_fini(&f);
}

/* 50 MB of text in one property, unfolded, and a component of many
 * properties over 8 MiB: errors, nothing else lost. */
static void
test_huge_component(void **state)
{
	(void)state;
	const size_t big = 50u << 20;
	size_t cap = big + (9u << 20) + 4096, o = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	o += (size_t)sprintf(text + o, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
				       "BEGIN:VEVENT\r\nUID:one\r\n"
				       "DTSTART:20270101T090000Z\r\n"
				       "DESCRIPTION:");
	memset(text + o, 'a', big);
	o += big;
	o += (size_t)sprintf(text + o, "\r\nEND:VEVENT\r\n"
				       "BEGIN:VEVENT\r\nUID:many\r\n"
				       "DTSTART:20270102T090000Z\r\n");
	/* 9 MiB of 1000-byte comments. */
	for (int i = 0; i < 9 * 1024; i++) {
		memcpy(text + o, "COMMENT:", 8);
		memset(text + o + 8, 'c', 1016 - 8);
		memcpy(text + o + 1016, "\r\n", 2);
		o += 1018;
	}
	o += (size_t)sprintf(text + o,
			     "END:VEVENT\r\n"
			     "BEGIN:VEVENT\r\nUID:fine\r\n"
			     "DTSTART:20270103T090000Z\r\nEND:VEVENT\r\n"
			     "END:VCALENDAR\r\n");
	assert_true(o < cap);
	static struct fx f;
	fx_load_len(&f, text, o);
	free(text);
	assert_int_equal(f.cal.nposts, 1);
	assert_non_null(find_post(&f, "fine"));
	expect_diag(&f, SM_ERROR, 6, "DESCRIPTION is 52428800 bytes long");
	expect_diag(&f, SM_ERROR, 8, "over 8 MiB: skipped");
	assert_int_equal(f.d.nerrors, 2);
	fx_fini(&f);
}

/* A load whose cancel flag is set stops and says so. */
static void
test_load_cancelled(void **state)
{
	(void)state;
	static struct fx f;
	static atomic_int cancel;
	memset(&f, 0, sizeof(f));
	live_add(&f);
	sm_calendar_init(&f.cal, "main");
	atomic_store(&cancel, 1);
	f.cal.cancel = &cancel;
	char *text = join(plain_lines, "\r\n");
	f.rc = sm_calendar_load_buffer(&f.cal, text, strlen(text), "t.ics",
				       &f.d);
	free(text);
	assert_int_equal(f.cal.cancelled, 1);
	assert_int_equal(f.cal.nposts, 0);
	expect_diag(&f, SM_ERROR, 0, "load cancelled");
	fx_fini(&f);
}

/* Rules denser than hourly are a lint warning at the RRULE's line. */
static void
test_dense_rules_warned(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:s",
		      "DTSTART:20270101T090000Z", "RRULE:FREQ=SECONDLY", /* 6 */
		      "END:VEVENT", "BEGIN:VEVENT", "UID:m",
		      "DTSTART:20270101T090000Z",
		      "RRULE:FREQ=MINUTELY;INTERVAL=30", /* 11 */
		      "END:VEVENT", "BEGIN:VEVENT", "UID:d",
		      "DTSTART:20270101T090000Z",
		      "RRULE:FREQ=DAILY;BYHOUR=9,10,11;BYMINUTE=0,10,20,"
		      "30,40,50;BYSECOND=0,30", /* 16 */
		      "END:VEVENT", "BEGIN:VEVENT", "UID:h",
		      "DTSTART:20270101T090000Z", "RRULE:FREQ=HOURLY", /* 21 */
		      "END:VEVENT", "BEGIN:VEVENT", "UID:c",
		      "DTSTART:20270101T090000Z",
		      "RRULE:FREQ=SECONDLY;COUNT=10", /* 26 */
		      "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.cal.nposts, 5);
	assert_int_equal(f.d.nerrors, 0);
	expect_diag(&f, SM_WARNING, 6, "FREQ=SECONDLY can fire up to 86400");
	expect_diag(&f, SM_WARNING, 11, "FREQ=MINUTELY can fire up to 48");
	expect_diag(&f, SM_WARNING, 16, "FREQ=DAILY can fire up to 36");
	assert_int_equal(f.d.nwarnings, 3);
	fx_fini(&f);
}

static int
teardown_live(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i])
			fx_fini(live[i]);
	return 0;
}

/* Equal values of a load's posts share one copy (platforms, categories
 * and their lists, content types, titles, UIDs, rules); different ones do
 * not, and an all-day rule whose UNTIL reads as a date is not shared with
 * the same text on a timed post. */
static void
test_intern(void **state)
{
	(void)state;
	static struct fx f;
	fx_load(&f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
		      "BEGIN:VEVENT", "UID:a", "DTSTART:20260105T090000Z",
		      "SUMMARY:Tip Tuesday", "CATEGORIES:offer,spring",
		      "X-SMCAL-PLATFORM:instagram", "X-SMCAL-TYPE:offer",
		      "RRULE:FREQ=WEEKLY;UNTIL=20260301T000000", "BEGIN:VALARM",
		      "ACTION:DISPLAY", "TRIGGER:-PT1H", "END:VALARM",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:b",
		      "DTSTART:20260106T090000Z", "BEGIN:VALARM",
		      "ACTION:DISPLAY", "TRIGGER:-PT1H", "END:VALARM",
		      "SUMMARY:Tip Tuesday", "CATEGORIES:offer, spring",
		      "X-SMCAL-PLATFORM: instagram", "X-SMCAL-TYPE:offer",
		      "RRULE:FREQ=WEEKLY;UNTIL=20260301T000000", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:c", "DTSTART;VALUE=DATE:20260107",
		      "SUMMARY:Tip Tuesdays", "CATEGORIES:offer",
		      "X-SMCAL-PLATFORM:instagram,x",
		      "RRULE:FREQ=WEEKLY;UNTIL=20260301T000000", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:a", "RECURRENCE-ID:20260112T090000Z",
		      "DTSTART:20260112T100000Z", "SUMMARY:Tip Tuesday",
		      "END:VEVENT", "END:VCALENDAR"));
	assert_int_equal(f.d.nerrors, 0);
	assert_int_equal(f.cal.nposts, 4);
	const struct sm_post *a = &f.cal.posts[0], *b = &f.cal.posts[1],
			     *c = &f.cal.posts[2], *ov = &f.cal.posts[3];
	assert_ptr_equal(a->title, b->title);
	assert_ptr_equal(a->title, ov->title);
	assert_ptr_equal(a->uid, ov->uid);
	assert_true(a->uid != b->uid);
	assert_true(c->title != a->title);
	assert_string_equal(c->title, "Tip Tuesdays");
	assert_ptr_equal(a->categories, b->categories);
	assert_int_equal(a->ncategories, 2);
	assert_string_equal(a->categories[1], "spring");
	assert_ptr_equal(a->categories[0], c->categories[0]);
	assert_true(c->categories != a->categories);
	assert_ptr_equal(a->platforms, b->platforms);
	assert_ptr_equal(a->platforms[0], c->platforms[0]);
	assert_int_equal(c->nplatforms, 2);
	assert_string_equal(c->platforms[1], "x");
	assert_ptr_equal(a->type, b->type);
	assert_ptr_equal(a->type, a->categories[0]); /* "offer" both */
	assert_ptr_equal(a->rrules, b->rrules);
	assert_int_equal(a->rrules[0].until_kind, SM_UNTIL_LOCAL);
	assert_true(c->rrules != a->rrules);
	assert_int_equal(c->rrules[0].until_kind, SM_UNTIL_DATE);
	assert_null(ov->platforms);
	assert_null(ov->rrules);
	assert_int_equal(a->nalarms, 1);
	assert_ptr_equal(a->alarms, b->alarms);
	assert_int_equal(a->alarms[0].value, -3600);
	fx_fini(&f);
}

static int
group_teardown(void **state)
{
	(void)state;
	sm_calendar_zones_cleanup();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown_live)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_basic_fields),
		T(test_dtstart_forms),
		T(test_status),
		T(test_alarms),
		T(test_vtodo),
		T(test_recurrence_props),
		T(test_line_ends),
		T(test_bom),
		T(test_missing_version),
		T(test_no_vcalendar),
		T(test_fold_without_space),
		T(test_blank_line),
		T(test_latin1),
		T(test_missing_end_vevent),
		T(test_missing_end_vcalendar),
		T(test_end_without_begin),
		T(test_nul_byte),
		T(test_no_dtstart),
		T(test_unknown_tzid),
		T(test_bad_rrule),
		T(test_rdate_date_with_z),
		T(test_missing_uid),
		T(test_empty),
		T(test_x_wr_timezone_per_file),
		T(test_empty_file),
		T(test_binary),
		T(test_truncated),
		T(test_enormous_line),
		T(test_rdate_value_line_after_list),
		T(test_rdate_tzid_line_after_list),
		T(test_text_escapes),
		T(test_categories_escaped_comma),
		T(test_folded_rrule_error_line),
		T(test_zone_per_vcalendar),
		T(test_tzid_with_z),
		T(test_zone_from_file),
		T(test_zone_after_events),
		T(test_zone_tzid_blanks_trimmed),
		T(test_zone_system_names),
		T(test_load_file_missing),
		T(test_load_two_files),
		T(test_huge_value_under_limit),
		T(test_huge_value_over_limit),
		T(test_huge_component),
		T(test_load_cancelled),
		T(test_dense_rules_warned),
		T(test_intern),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
