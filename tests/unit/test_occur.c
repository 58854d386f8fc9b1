/*
 * Unit tests for lib/occur: recurrence sets, overrides and occurrence
 * identities (SPEC sections 3 and 6).
 *
 * Expected instants are worked out by hand from RFC 5545 and the zone rules
 * (cross-checked with Python's zoneinfo), never copied from the
 * implementation.  Occurrences are shown as "START|RID|CANCELLED" (and
 * "|TITLE" where the applied component matters), START the actual start in
 * UTC, RID the identity as sm_occur_format_rid writes it, sorted by start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "civil.h"
#include "diag.h"
#include "occur.h"

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define HEAD "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"
#define TAIL "END:VCALENDAR"

static char *
join(const char *const *lines)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + 2;
	char *s = malloc(len);
	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; lines[i]; i++) {
		strcat(s, lines[i]);
		strcat(s, "\r\n");
	}
	return s;
}

/*
 * Fixtures are static and registered while loaded, so that the teardown of
 * a test that failed half-way (cmocka jumps out of it) frees them too.
 */
#define MAX_LIVE 4
static struct ofx *live[MAX_LIVE];

static void
live_add(struct ofx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = f;
			return;
		}
	fail_msg("too many fixtures loaded at once");
}

static void
live_del(struct ofx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == f)
			live[i] = NULL;
}

struct ofx {
	struct sm_calendar cal;
	struct sm_diag_list d;
	struct sm_series_set set;
	struct sm_occur_opts opts;
};

static void
ofx_load(struct ofx *f, const char *const *lines, const char *zone)
{
	memset(f, 0, sizeof(*f));
	live_add(f);
	sm_calendar_init(&f->cal, "main");
	char *text = join(lines);
	assert_int_equal(sm_calendar_load_buffer(&f->cal, text, strlen(text),
						 "t.ics", &f->d),
			 0);
	free(text);
	f->opts.zone = sm_calendar_system_zone(zone);
	assert_non_null(f->opts.zone);
	f->opts.allday_offset = 0;
	assert_int_equal(sm_occur_index(&f->set, &f->cal, &f->opts, &f->d), 0);
	if (f->d.nerrors) {
		sm_diag_print(&f->d, stderr);
		fail_msg("unexpected errors loading the calendar");
	}
}

static void
ofx_fini(struct ofx *f)
{
	live_del(f);
	sm_occur_set_free(&f->set);
	sm_calendar_fini(&f->cal);
	sm_diag_clear(&f->d);
}

static const struct sm_series *
series(const struct ofx *f, const char *uid)
{
	for (size_t i = 0; i < f->set.n; i++) {
		const struct sm_series *s = &f->set.series[i];
		const char *u = s->master	? s->master->uid
				: s->noverrides ? s->overrides[0]->uid
						: NULL;
		if (u && strcmp(u, uid) == 0)
			return s;
	}
	fail_msg("no series %s", uid);
	return NULL;
}

static sm_time
at(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0)
		fail_msg("bad time literal in test: %s", s);
	return t;
}

static const char *
utc(sm_time t, char *buf)
{
	return sm_civil_format(t, SM_CIVIL_UTC, buf, 40);
}

#define MAX_OCC 256

struct collect {
	int with_title;
	int n;
	char items[MAX_OCC][160];
};

static int
collect_fn(void *ctx, const struct sm_occurrence *occ)
{
	struct collect *c = ctx;
	char s[40], r[40];
	if (c->n >= MAX_OCC)
		fail_msg("too many occurrences");
	utc(occ->start, s);
	sm_occur_format_rid(occ, r, sizeof(r));
	if (c->with_title)
		snprintf(c->items[c->n], sizeof(c->items[0]), "%s|%s|%d|%s", s,
			 r, occ->cancelled,
			 occ->post->title ? occ->post->title : "");
	else
		snprintf(c->items[c->n], sizeof(c->items[0]), "%s|%s|%d", s, r,
			 occ->cancelled);
	c->n++;
	return 0;
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The occurrences of a series in [from, to), one per line, sorted. */
static void
check_window_fmt(const struct ofx *f, const char *uid, const char *from,
		 const char *to, int with_title, const char *want)
{
	static struct collect c;
	memset(&c, 0, sizeof(c));
	c.with_title = with_title;
	assert_int_equal(sm_occur_window(series(f, uid), &f->opts, at(from),
					 at(to), collect_fn, &c),
			 0);
	qsort(c.items, (size_t)c.n, sizeof(c.items[0]), cmp_item);
	static char got[MAX_OCC * 161];
	got[0] = '\0';
	for (int i = 0; i < c.n; i++) {
		strcat(got, c.items[i]);
		strcat(got, "\n");
	}
	if (strcmp(got, want) != 0)
		fail_msg("series %s in [%s, %s):\n--- got\n%s--- want\n%s", uid,
			 from, to, got, want);
}

static void
check_window(const struct ofx *f, const char *uid, const char *from,
	     const char *to, const char *want)
{
	check_window_fmt(f, uid, from, to, 0, want);
}

static void
check_titles(const struct ofx *f, const char *uid, const char *from,
	     const char *to, const char *want)
{
	check_window_fmt(f, uid, from, to, 1, want);
}

/* sm_occur_next from t: "START|RID|CANCELLED", or "none". */
static void
check_next(const struct ofx *f, const char *uid, const char *t,
	   const char *want)
{
	struct sm_occurrence occ;
	char got[128] = "none";
	if (sm_occur_next(series(f, uid), &f->opts, at(t), &occ)) {
		char s[40], r[40];
		snprintf(got, sizeof(got), "%s|%s|%d", utc(occ.start, s),
			 sm_occur_format_rid(&occ, r, sizeof(r)),
			 occ.cancelled);
	}
	if (strcmp(got, want) != 0)
		fail_msg("next of %s at %s: got %s, want %s", uid, t, got,
			 want);
}

static int
count_warnings_at(const struct ofx *f, int line, const char *what)
{
	int n = 0;
	for (size_t i = 0; i < f->d.n; i++)
		if (f->d.items[i].severity == SM_WARNING &&
		    f->d.items[i].line == line &&
		    strstr(f->d.items[i].message, what))
			n++;
	return n;
}

/* ---------------------------------------------------------------------
 * Local time and DST (RFC 5545 3.3.5: a nonexistent local time takes the
 * offset before the gap; a repeated one means its first occurrence).
 */

static void
test_spec_paris_gap_and_overlap(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:daily",
		       "DTSTART;TZID=Europe/Paris:20260327T023000",
		       "RRULE:FREQ=DAILY", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "daily", "2026-03-28T00:00:00Z",
		     "2026-03-31T00:00:00Z",
		     "2026-03-28T01:30:00Z|2026-03-28T01:30:00Z|0\n"
		     "2026-03-29T01:30:00Z|2026-03-29T01:30:00Z|0\n"
		     "2026-03-30T00:30:00Z|2026-03-30T00:30:00Z|0\n");
	check_window(&f, "daily", "2026-10-24T00:00:00Z",
		     "2026-10-27T00:00:00Z",
		     "2026-10-24T00:30:00Z|2026-10-24T00:30:00Z|0\n"
		     "2026-10-25T00:30:00Z|2026-10-25T00:30:00Z|0\n"
		     "2026-10-26T01:30:00Z|2026-10-26T01:30:00Z|0\n");
	/* The window is on instants: [01:30Z, 01:31Z) holds only 03-29's. */
	check_window(&f, "daily", "2026-03-29T01:30:00Z",
		     "2026-03-29T01:31:00Z",
		     "2026-03-29T01:30:00Z|2026-03-29T01:30:00Z|0\n");
	check_next(&f, "daily", "2026-03-29T00:00:00Z",
		   "2026-03-29T01:30:00Z|2026-03-29T01:30:00Z|0");
	check_next(&f, "daily", "2026-03-29T01:30:01Z",
		   "2026-03-30T00:30:00Z|2026-03-30T00:30:00Z|0");
	ofx_fini(&f);

	/* The zone of opts does not matter for a zoned series. */
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:daily",
		       "DTSTART;TZID=Europe/Paris:20260327T023000",
		       "RRULE:FREQ=DAILY", "END:VEVENT", TAIL),
		 "America/New_York");
	check_window(&f, "daily", "2026-03-28T00:00:00Z",
		     "2026-03-31T00:00:00Z",
		     "2026-03-28T01:30:00Z|2026-03-28T01:30:00Z|0\n"
		     "2026-03-29T01:30:00Z|2026-03-29T01:30:00Z|0\n"
		     "2026-03-30T00:30:00Z|2026-03-30T00:30:00Z|0\n");
	ofx_fini(&f);
}

static void
test_floating_gap(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:float",
		       "DTSTART:20260327T023000", "RRULE:FREQ=DAILY",
		       "END:VEVENT", TAIL),
		 "Europe/Paris");
	check_window(&f, "float", "2026-03-28T00:00:00Z",
		     "2026-03-31T00:00:00Z",
		     "2026-03-28T01:30:00Z|2026-03-28T02:30:00|0\n"
		     "2026-03-29T01:30:00Z|2026-03-29T02:30:00|0\n"
		     "2026-03-30T00:30:00Z|2026-03-30T02:30:00|0\n");
	check_window(&f, "float", "2026-10-24T00:00:00Z",
		     "2026-10-27T00:00:00Z",
		     "2026-10-24T00:30:00Z|2026-10-24T02:30:00|0\n"
		     "2026-10-25T00:30:00Z|2026-10-25T02:30:00|0\n"
		     "2026-10-26T01:30:00Z|2026-10-26T02:30:00|0\n");
	ofx_fini(&f);
}

static void
test_new_york_weekly(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:ny",
		       "DTSTART;TZID=America/New_York:20260302T090000",
		       "RRULE:FREQ=WEEKLY", "END:VEVENT", TAIL),
		 "UTC");
	/* DST starts 2026-03-08 and ends 2026-11-01: 09:00 local stays. */
	check_window(&f, "ny", "2026-03-01T00:00:00Z", "2026-03-17T00:00:00Z",
		     "2026-03-02T14:00:00Z|2026-03-02T14:00:00Z|0\n"
		     "2026-03-09T13:00:00Z|2026-03-09T13:00:00Z|0\n"
		     "2026-03-16T13:00:00Z|2026-03-16T13:00:00Z|0\n");
	check_window(&f, "ny", "2026-10-25T00:00:00Z", "2026-11-10T00:00:00Z",
		     "2026-10-26T13:00:00Z|2026-10-26T13:00:00Z|0\n"
		     "2026-11-02T14:00:00Z|2026-11-02T14:00:00Z|0\n"
		     "2026-11-09T14:00:00Z|2026-11-09T14:00:00Z|0\n");
	ofx_fini(&f);
}

static void
test_lord_howe(void **state)
{
	(void)state;
	static struct ofx f;
	/* Lord Howe moves by 30 minutes: +10:30, and +11:00 from 02:00 on
	 * the first Sunday of October (2026-10-04), when 02:00-02:30 does
	 * not exist. */
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:lh",
		       "DTSTART;TZID=Australia/Lord_Howe:20261001T021500",
		       "RRULE:FREQ=DAILY;COUNT=10", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "lh", "2026-10-02T00:00:00Z", "2026-10-05T00:00:00Z",
		     "2026-10-02T15:45:00Z|2026-10-02T15:45:00Z|0\n"
		     "2026-10-03T15:45:00Z|2026-10-03T15:45:00Z|0\n"
		     "2026-10-04T15:15:00Z|2026-10-04T15:15:00Z|0\n");
	ofx_fini(&f);
}

/* A time in a gap resolves with the offset before it, so it can land after
 * the instants of the next local times: every instance must survive. */
static void
test_gap_instances_out_of_order(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:lh",
		       "DTSTART;TZID=Australia/Lord_Howe:20261003T021500",
		       "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=15,30;COUNT=6",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:par",
		       "DTSTART;TZID=Europe/Paris:20260329T015000",
		       "RRULE:FREQ=MINUTELY;INTERVAL=25;COUNT=6", "END:VEVENT",
		       TAIL),
		 "UTC");
	/* 10-04 02:15 (gap, +10:30) is 10-03T15:45Z, 02:30 (+11) is
	 * 10-03T15:30Z. */

	check_window(&f, "lh", "2026-10-01T00:00:00Z", "2026-10-06T00:00:00Z",
		     "2026-10-02T15:45:00Z|2026-10-02T15:45:00Z|0\n"
		     "2026-10-02T16:00:00Z|2026-10-02T16:00:00Z|0\n"
		     "2026-10-03T15:30:00Z|2026-10-03T15:30:00Z|0\n"
		     "2026-10-03T15:45:00Z|2026-10-03T15:45:00Z|0\n"
		     "2026-10-04T15:15:00Z|2026-10-04T15:15:00Z|0\n"
		     "2026-10-04T15:30:00Z|2026-10-04T15:30:00Z|0\n");
	/* Local 01:50, 02:15 and 02:40 (gap: +1), 03:05, 03:30, 03:55. */
	check_window(&f, "par", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z",
		     "2026-03-29T00:50:00Z|2026-03-29T00:50:00Z|0\n"
		     "2026-03-29T01:05:00Z|2026-03-29T01:05:00Z|0\n"
		     "2026-03-29T01:15:00Z|2026-03-29T01:15:00Z|0\n"
		     "2026-03-29T01:30:00Z|2026-03-29T01:30:00Z|0\n"
		     "2026-03-29T01:40:00Z|2026-03-29T01:40:00Z|0\n"
		     "2026-03-29T01:55:00Z|2026-03-29T01:55:00Z|0\n");
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Identity.
 */

static void
test_identity_forms(void **state)
{
	(void)state;
	static const char *const zones[] = {"UTC", "Europe/Paris"};
	/* Start of the floating and all-day posts in each zone. */
	static const char *const floating_start[] = {"2024-03-05T09:00:00Z",
						     "2024-03-05T08:00:00Z"};
	static const char *const date_start[] = {"2024-03-05T00:00:00Z",
						 "2024-03-04T23:00:00Z"};
	for (int z = 0; z < 2; z++) {
		static struct ofx f;
		ofx_load(&f,
			 LINES(HEAD, "BEGIN:VEVENT", "UID:zoned",
			       "DTSTART;TZID=Europe/Paris:20240305T090000",
			       "END:VEVENT", "BEGIN:VEVENT", "UID:utc",
			       "DTSTART:20240305T090000Z", "END:VEVENT",
			       "BEGIN:VEVENT", "UID:floating",
			       "DTSTART:20240305T090000", "END:VEVENT",
			       "BEGIN:VEVENT", "UID:date",
			       "DTSTART;VALUE=DATE:20240305", "END:VEVENT",
			       TAIL),
			 zones[z]);
		char want[128];
		check_window(&f, "zoned", "2024-01-01T00:00:00Z",
			     "2025-01-01T00:00:00Z",
			     "2024-03-05T08:00:00Z|2024-03-05T08:00:00Z|0\n");
		check_window(&f, "utc", "2024-01-01T00:00:00Z",
			     "2025-01-01T00:00:00Z",
			     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0\n");
		snprintf(want, sizeof(want), "%s|2024-03-05T09:00:00|0\n",
			 floating_start[z]);
		check_window(&f, "floating", "2024-01-01T00:00:00Z",
			     "2025-01-01T00:00:00Z", want);
		snprintf(want, sizeof(want), "%s|2024-03-05|0\n",
			 date_start[z]);
		check_window(&f, "date", "2024-01-01T00:00:00Z",
			     "2025-01-01T00:00:00Z", want);

		struct sm_occurrence occ;
		assert_int_equal(sm_occur_next(series(&f, "date"), &f.opts,
					       at("2024-01-01T00:00:00Z"),
					       &occ),
				 1);
		assert_int_equal(occ.rid_kind, SM_DT_DATE);
		/* An all-day post lasts its day. */
		assert_int_equal(occ.end - occ.start, SM_DAY);
		assert_int_equal(sm_occur_next(series(&f, "floating"), &f.opts,
					       at("2024-01-01T00:00:00Z"),
					       &occ),
				 1);
		assert_int_equal(occ.rid_kind, SM_DT_FLOATING);
		assert_int_equal(sm_occur_next(series(&f, "zoned"), &f.opts,
					       at("2024-01-01T00:00:00Z"),
					       &occ),
				 1);
		assert_int_equal(occ.rid_kind, SM_DT_UTC);
		assert_string_equal(occ.post->uid, "zoned");
		ofx_fini(&f);
	}
}

static void
test_allday_offset(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:date",
		       "DTSTART;VALUE=DATE:20240704", "END:VEVENT", TAIL),
		 "Europe/Paris");
	f.opts.allday_offset = 10 * 3600;
	/* 10:00 CEST on the day; the identity is still the date. */
	check_window(&f, "date", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
		     "2024-07-04T08:00:00Z|2024-07-04|0\n");
	ofx_fini(&f);
}

static void
test_floating_vs_utc(void **state)
{
	(void)state;
	const char *const *lines =
		LINES(HEAD, "BEGIN:VEVENT", "UID:fl", "DTSTART:20240701T090000",
		      "RRULE:FREQ=DAILY;COUNT=2", "END:VEVENT", TAIL);
	static struct ofx f;
	ofx_load(&f, lines, "Europe/Paris");
	check_window(&f, "fl", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
		     "2024-07-01T07:00:00Z|2024-07-01T09:00:00|0\n"
		     "2024-07-02T07:00:00Z|2024-07-02T09:00:00|0\n");
	ofx_fini(&f);
	ofx_load(&f, lines, "UTC");
	check_window(&f, "fl", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
		     "2024-07-01T09:00:00Z|2024-07-01T09:00:00|0\n"
		     "2024-07-02T09:00:00Z|2024-07-02T09:00:00|0\n");
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * EXDATE and RDATE.
 */

static void
test_exdate_rdate(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:x",
		       "DTSTART;TZID=Europe/Paris:20240304T090000",
		       "RRULE:FREQ=DAILY;COUNT=10",
		       /* 03-06 09:00 CET, written in UTC. */
		       "EXDATE:20240306T080000Z",
		       /* A DATE on a date-time series: the whole day. */
		       "EXDATE;VALUE=DATE:20240307",
		       "EXDATE;TZID=Europe/Paris:20240308T090000",
		       /* Not an instance (09:00Z is 10:00 CET): no effect. */
		       "EXDATE:20240309T090000Z",
		       "RDATE;TZID=Europe/Paris:20240310T150000",
		       /* Equal to the rule's 03-11 instance: listed once. */
		       "RDATE:20240311T080000Z", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "x", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T08:00:00Z|2024-03-04T08:00:00Z|0\n"
		     "2024-03-05T08:00:00Z|2024-03-05T08:00:00Z|0\n"
		     "2024-03-09T08:00:00Z|2024-03-09T08:00:00Z|0\n"
		     "2024-03-10T08:00:00Z|2024-03-10T08:00:00Z|0\n"
		     "2024-03-10T14:00:00Z|2024-03-10T14:00:00Z|0\n"
		     "2024-03-11T08:00:00Z|2024-03-11T08:00:00Z|0\n"
		     "2024-03-12T08:00:00Z|2024-03-12T08:00:00Z|0\n"
		     "2024-03-13T08:00:00Z|2024-03-13T08:00:00Z|0\n");
	ofx_fini(&f);
}

static void
test_exdate_dtstart_and_rdate_only(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:r",
		       "DTSTART:20240304T090000Z",
		       "RDATE:20240305T090000Z,20240304T090000Z",
		       "RDATE;VALUE=PERIOD:20240306T100000Z/PT1H",
		       "EXDATE:20240304T090000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:dup", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY;COUNT=2",
		       "RDATE:20240304T090000Z,20240305T090000Z", "END:VEVENT",
		       TAIL),
		 "UTC");
	/* DTSTART excluded, even though an RDATE names it too. */
	check_window(&f, "r", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0\n"
		     "2024-03-06T10:00:00Z|2024-03-06T10:00:00Z|0\n");
	check_window(&f, "dup", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0\n");
	ofx_fini(&f);
}

static void
test_count_before_exdate(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:c",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=5",
		       "EXDATE:20240305T090000Z", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "c", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0\n"
		     "2024-03-07T09:00:00Z|2024-03-07T09:00:00Z|0\n"
		     "2024-03-08T09:00:00Z|2024-03-08T09:00:00Z|0\n");
	check_next(&f, "c", "2024-03-08T09:00:01Z", "none");
	ofx_fini(&f);
}

static void
test_exdate_allday_and_floating(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:ad",
		       "DTSTART;VALUE=DATE:20240304",
		       "RRULE:FREQ=DAILY;COUNT=4", "EXDATE;VALUE=DATE:20240305",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:fl",
		       "DTSTART:20240304T090000", "RRULE:FREQ=DAILY;COUNT=4",
		       "EXDATE:20240305T090000",
		       /* 09:00 CET on 03-06, in UTC. */
		       "EXDATE:20240306T080000Z", "END:VEVENT", TAIL),
		 "Europe/Paris");
	check_window(&f, "ad", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-03T23:00:00Z|2024-03-04|0\n"
		     "2024-03-05T23:00:00Z|2024-03-06|0\n"
		     "2024-03-06T23:00:00Z|2024-03-07|0\n");
	check_window(&f, "fl", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T08:00:00Z|2024-03-04T09:00:00|0\n"
		     "2024-03-07T08:00:00Z|2024-03-07T09:00:00|0\n");
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Overrides.
 */

static void
test_moved_and_cancelled_overrides(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:mv", "SUMMARY:Master",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=10",
		       "END:VEVENT",
		       /* Moved within its day. */
		       "BEGIN:VEVENT", "UID:mv", "SUMMARY:Moved",
		       "RECURRENCE-ID:20240306T090000Z",
		       "DTSTART:20240306T150000Z", "END:VEVENT",
		       /* 03-10's instance moved into 03-05. */
		       "BEGIN:VEVENT", "UID:mv", "SUMMARY:Early",
		       "RECURRENCE-ID:20240310T090000Z",
		       "DTSTART:20240305T120000Z", "END:VEVENT",
		       /* 03-05's instance moved out to 03-20. */
		       "BEGIN:VEVENT", "UID:mv", "SUMMARY:Late",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240320T090000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:mv", "SUMMARY:Off",
		       "RECURRENCE-ID:20240307T090000Z",
		       "DTSTART:20240307T090000Z", "STATUS:CANCELLED",
		       "END:VEVENT", TAIL),
		 "UTC");
	assert_int_equal(f.d.n, 0);
	check_titles(&f, "mv", "2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z",
		     "2024-03-05T12:00:00Z|2024-03-10T09:00:00Z|0|Early\n");
	check_titles(&f, "mv", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0|Master\n"
		     "2024-03-05T12:00:00Z|2024-03-10T09:00:00Z|0|Early\n"
		     "2024-03-06T15:00:00Z|2024-03-06T09:00:00Z|0|Moved\n"
		     "2024-03-07T09:00:00Z|2024-03-07T09:00:00Z|1|Off\n"
		     "2024-03-08T09:00:00Z|2024-03-08T09:00:00Z|0|Master\n"
		     "2024-03-09T09:00:00Z|2024-03-09T09:00:00Z|0|Master\n"
		     "2024-03-11T09:00:00Z|2024-03-11T09:00:00Z|0|Master\n"
		     "2024-03-12T09:00:00Z|2024-03-12T09:00:00Z|0|Master\n"
		     "2024-03-13T09:00:00Z|2024-03-13T09:00:00Z|0|Master\n"
		     "2024-03-20T09:00:00Z|2024-03-05T09:00:00Z|0|Late\n");
	/* The original slot of a moved instance holds nothing. */
	check_window(&f, "mv", "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z",
		     "");
	check_window(&f, "mv", "2024-03-06T09:00:00Z", "2024-03-06T10:00:00Z",
		     "");
	/* next follows actual starts. */
	check_next(&f, "mv", "2024-03-04T09:00:01Z",
		   "2024-03-05T12:00:00Z|2024-03-10T09:00:00Z|0");
	check_next(&f, "mv", "2024-03-06T09:00:00Z",
		   "2024-03-06T15:00:00Z|2024-03-06T09:00:00Z|0");
	check_next(&f, "mv", "2024-03-07T00:00:00Z",
		   "2024-03-07T09:00:00Z|2024-03-07T09:00:00Z|1");
	check_next(&f, "mv", "2024-03-13T09:00:01Z",
		   "2024-03-20T09:00:00Z|2024-03-05T09:00:00Z|0");
	check_next(&f, "mv", "2024-03-20T09:00:01Z", "none");
	ofx_fini(&f);
}

static void
test_zoned_override(void **state)
{
	(void)state;
	static struct ofx f;
	/* The RECURRENCE-ID written in the series' zone, in UTC, or in
	 * another zone: all name the same instance. */
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:z", "SUMMARY:Master",
		       "DTSTART;TZID=Europe/Paris:20240304T090000",
		       "RRULE:FREQ=DAILY;COUNT=4", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:z", "SUMMARY:A",
		       "RECURRENCE-ID;TZID=Europe/Paris:20240305T090000",
		       "DTSTART;TZID=Europe/Paris:20240305T100000",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:z", "SUMMARY:B",
		       "RECURRENCE-ID:20240306T080000Z",
		       "DTSTART;TZID=Europe/Paris:20240306T110000",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:z", "SUMMARY:C",
		       "RECURRENCE-ID;TZID=America/New_York:20240307T030000",
		       "DTSTART;TZID=Europe/Paris:20240307T120000",
		       "END:VEVENT", TAIL),
		 "UTC");
	assert_int_equal(f.d.n, 0);
	check_titles(&f, "z", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T08:00:00Z|2024-03-04T08:00:00Z|0|Master\n"
		     "2024-03-05T09:00:00Z|2024-03-05T08:00:00Z|0|A\n"
		     "2024-03-06T10:00:00Z|2024-03-06T08:00:00Z|0|B\n"
		     "2024-03-07T11:00:00Z|2024-03-07T08:00:00Z|0|C\n");
	ofx_fini(&f);
}

static void
test_master_cancelled(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:cx", "STATUS:CANCELLED",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=3",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:one",
		       "STATUS:CANCELLED", "DTSTART:20240304T090000Z",
		       "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "cx", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|1\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|1\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|1\n");
	check_window(&f, "one", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|1\n");
	ofx_fini(&f);
}

static void
test_this_and_future(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:taf", "SUMMARY:Master",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=7",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:taf", "SUMMARY:Later",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE:20240307T090000Z",
		       "DTSTART:20240307T110000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:back", "SUMMARY:Master", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY;COUNT=5", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:back", "SUMMARY:Eve",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE:20240306T090000Z",
		       "DTSTART:20240305T210000Z", "END:VEVENT", TAIL),
		 "UTC");
	assert_int_equal(f.d.n, 0);
	check_titles(&f, "taf", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0|Master\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0|Master\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0|Master\n"
		     "2024-03-07T11:00:00Z|2024-03-07T09:00:00Z|0|Later\n"
		     "2024-03-08T11:00:00Z|2024-03-08T09:00:00Z|0|Later\n"
		     "2024-03-09T11:00:00Z|2024-03-09T09:00:00Z|0|Later\n"
		     "2024-03-10T11:00:00Z|2024-03-10T09:00:00Z|0|Later\n");
	/* Windows see the shifted starts only. */
	check_window(&f, "taf", "2024-03-10T09:00:00Z", "2024-03-10T10:00:00Z",
		     "");
	check_window(&f, "taf", "2024-03-10T10:00:00Z", "2024-03-11T00:00:00Z",
		     "2024-03-10T11:00:00Z|2024-03-10T09:00:00Z|0\n");
	check_next(&f, "taf", "2024-03-08T09:00:01Z",
		   "2024-03-08T11:00:00Z|2024-03-08T09:00:00Z|0");

	/* Shifted 12 hours earlier. */
	check_titles(&f, "back", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0|Master\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0|Master\n"
		     "2024-03-05T21:00:00Z|2024-03-06T09:00:00Z|0|Eve\n"
		     "2024-03-06T21:00:00Z|2024-03-07T09:00:00Z|0|Eve\n"
		     "2024-03-07T21:00:00Z|2024-03-08T09:00:00Z|0|Eve\n");
	check_window(&f, "back", "2024-03-06T20:00:00Z", "2024-03-07T00:00:00Z",
		     "2024-03-06T21:00:00Z|2024-03-07T09:00:00Z|0\n");
	check_next(&f, "back", "2024-03-05T09:00:01Z",
		   "2024-03-05T21:00:00Z|2024-03-06T09:00:00Z|0");
	ofx_fini(&f);
}

static void
test_override_not_an_instance(void **state)
{
	(void)state;
	static struct ofx f;
	/* HEAD is lines 1-3; the overrides begin on lines 9 and 20. */
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:nr",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=3",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:nr",
		       "RECURRENCE-ID:20240305T100000Z",
		       "DTSTART:20240305T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:ex", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20240305T090000Z",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:ex",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T120000Z", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "nr", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0\n");
	check_window(&f, "ex", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0\n");
	check_next(&f, "ex", "2024-03-05T00:00:00Z",
		   "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0");
	if (count_warnings_at(&f, 9, "2024-03-05T10:00:00Z") != 1 ||
	    count_warnings_at(&f, 20, "2024-03-05T09:00:00Z") != 1) {
		sm_diag_print(&f.d, stderr);
		fail_msg("missing warnings for overrides of no instance");
	}
	assert_int_equal(f.d.nwarnings, 2);
	ofx_fini(&f);
}

static void
test_orphan_overrides(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:orphan", "SUMMARY:One",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:orphan", "SUMMARY:Two",
		       "RECURRENCE-ID;TZID=Europe/Paris:20240306T090000",
		       "DTSTART;TZID=Europe/Paris:20240306T100000",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:orphan-date",
		       "RECURRENCE-ID;VALUE=DATE:20240307",
		       "DTSTART;VALUE=DATE:20240308", "STATUS:CANCELLED",
		       "END:VEVENT", TAIL),
		 "UTC");
	assert_int_equal(f.d.nwarnings, 0);
	check_titles(&f, "orphan", "2024-03-01T00:00:00Z",
		     "2024-04-01T00:00:00Z",
		     "2024-03-05T10:00:00Z|2024-03-05T09:00:00Z|0|One\n"
		     "2024-03-06T09:00:00Z|2024-03-06T08:00:00Z|0|Two\n");
	check_window(&f, "orphan-date", "2024-03-01T00:00:00Z",
		     "2024-04-01T00:00:00Z",
		     "2024-03-08T00:00:00Z|2024-03-07|1\n");
	check_next(&f, "orphan", "2024-03-05T10:00:01Z",
		   "2024-03-06T09:00:00Z|2024-03-06T08:00:00Z|0");
	ofx_fini(&f);
}

static void
test_two_overrides_sequence(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:s1", "SUMMARY:Master",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=3",
		       "END:VEVENT",
		       /* Higher SEQUENCE first in the file. */
		       "BEGIN:VEVENT", "UID:s1", "SUMMARY:B", "SEQUENCE:2",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T110000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:s1", "SUMMARY:A", "SEQUENCE:1",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:s2", "SUMMARY:Master", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT",
		       /* Higher SEQUENCE last in the file. */
		       "BEGIN:VEVENT", "UID:s2", "SUMMARY:A", "SEQUENCE:1",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:s2", "SUMMARY:B", "SEQUENCE:2",
		       "RECURRENCE-ID:20240305T090000Z",
		       "DTSTART:20240305T110000Z", "END:VEVENT", TAIL),
		 "UTC");
	static const char *const want =
		"2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0|Master\n"
		"2024-03-05T11:00:00Z|2024-03-05T09:00:00Z|0|B\n"
		"2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0|Master\n";
	check_titles(&f, "s1", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     want);
	check_titles(&f, "s2", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     want);
	assert_int_equal(series(&f, "s1")->noverrides, 1);
	assert_int_equal(series(&f, "s2")->noverrides, 1);
	ofx_fini(&f);
}

static void
test_allday_datetime_rid(void **state)
{
	(void)state;
	static const char *const zones[] = {"UTC", "Europe/Paris"};
	for (int z = 0; z < 2; z++) {
		static struct ofx f;
		ofx_load(&f,
			 LINES(HEAD, "BEGIN:VEVENT", "UID:ad", "SUMMARY:Day",
			       "DTSTART;VALUE=DATE:20240304",
			       "RRULE:FREQ=DAILY;COUNT=5", "END:VEVENT",
			       "BEGIN:VEVENT", "UID:ad", "SUMMARY:Special",
			       "RECURRENCE-ID:20240306T000000Z",
			       "DTSTART;VALUE=DATE:20240306", "END:VEVENT",
			       "BEGIN:VEVENT", "UID:ad", "SUMMARY:Outlook",
			       "RECURRENCE-ID;TZID=W. Europe Standard Time:"
			       "20240307T000000",
			       "DTSTART;VALUE=DATE:20240307", "END:VEVENT",
			       TAIL),
			 zones[z]);
		assert_int_equal(f.d.nwarnings, 0);
		static struct collect cc;
		struct collect *c = &cc;
		memset(c, 0, sizeof(*c));
		c->with_title = 1;
		sm_occur_window(series(&f, "ad"), &f.opts,
				at("2024-01-01T00:00:00Z"),
				at("2025-01-01T00:00:00Z"), collect_fn, c);
		qsort(c->items, (size_t)c->n, sizeof(c->items[0]), cmp_item);
		assert_int_equal(c->n, 5);
		/* Identities are dates; starts depend on the zone. */
		assert_non_null(strstr(c->items[2], "|2024-03-06|0|Special"));
		assert_non_null(strstr(c->items[3], "|2024-03-07|0|Outlook"));
		assert_non_null(strstr(c->items[4], "|2024-03-08|0|Day"));
		ofx_fini(&f);
	}
}

/* A THISANDFUTURE override whose RECURRENCE-ID names no instance (or an
 * excluded one) replaces nothing (occur.h), so it moves nothing either. */
static void
test_this_and_future_not_an_instance(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:t", "SUMMARY:Master",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=5",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:t", "SUMMARY:Later",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE:20240306T100000Z",
		       "DTSTART:20240306T120000Z", "END:VEVENT", TAIL),
		 "UTC");
	assert_int_equal(f.d.nwarnings, 1);

	check_titles(&f, "t", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0|Master\n"
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0|Master\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0|Master\n"
		     "2024-03-07T09:00:00Z|2024-03-07T09:00:00Z|0|Master\n"
		     "2024-03-08T09:00:00Z|2024-03-08T09:00:00Z|0|Master\n");
	ofx_fini(&f);
}

static void
test_this_and_future_cancelled(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:t", "SUMMARY:Master",
		       "DTSTART;TZID=Europe/Paris:20240304T090000",
		       "RRULE:FREQ=DAILY;COUNT=4", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:t", "SUMMARY:Stopped",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:"
		       "20240306T090000",
		       "DTSTART;TZID=Europe/Paris:20240306T090000",
		       "STATUS:CANCELLED", "END:VEVENT", TAIL),
		 "UTC");
	check_titles(&f, "t", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-04T08:00:00Z|2024-03-04T08:00:00Z|0|Master\n"
		     "2024-03-05T08:00:00Z|2024-03-05T08:00:00Z|0|Master\n"
		     "2024-03-06T08:00:00Z|2024-03-06T08:00:00Z|1|Stopped\n"
		     "2024-03-07T08:00:00Z|2024-03-07T08:00:00Z|1|Stopped\n");
	ofx_fini(&f);
}

/* Two versions of one orphan instance: one occurrence, one identity. */
static void
test_orphan_overrides_sequence(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:o", "SUMMARY:A", "SEQUENCE:1",
		       "RECURRENCE-ID:20240306T090000Z",
		       "DTSTART:20240306T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:o", "SUMMARY:B", "SEQUENCE:2",
		       "RECURRENCE-ID:20240306T090000Z",
		       "DTSTART:20240306T110000Z", "END:VEVENT", TAIL),
		 "UTC");

	check_titles(&f, "o", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
		     "2024-03-06T11:00:00Z|2024-03-06T09:00:00Z|0|B\n");
	ofx_fini(&f);
}

static void
test_until_and_window_bounds(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:u",
		       "DTSTART;TZID=Europe/Paris:20240305T090000",
		       /* Equal to the 03-06 instance (09:00 CET): included. */
		       "RRULE:FREQ=DAILY;UNTIL=20240306T080000Z", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:w", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY", "END:VEVENT", TAIL),
		 "UTC");
	check_window(&f, "u", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
		     "2024-03-05T08:00:00Z|2024-03-05T08:00:00Z|0\n"
		     "2024-03-06T08:00:00Z|2024-03-06T08:00:00Z|0\n");
	/* [from, to): from included, to excluded. */
	check_window(&f, "w", "2024-03-05T09:00:00Z", "2024-03-07T09:00:00Z",
		     "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0\n"
		     "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0\n");
	check_window(&f, "w", "2024-03-05T09:00:01Z", "2024-03-06T09:00:00Z",
		     "");
	/* An infinite series far out, in one window. */
	check_window(&f, "w", "2199-12-30T00:00:00Z", "2200-01-01T00:00:00Z",
		     "2199-12-30T09:00:00Z|2199-12-30T09:00:00Z|0\n"
		     "2199-12-31T09:00:00Z|2199-12-31T09:00:00Z|0\n");
	ofx_fini(&f);
}

/* sm_occur_next finds an occurrence however far it is. */
static void
test_next_far_single(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:far",
		       "DTSTART:24500101T000000Z", "END:VEVENT", TAIL),
		 "UTC");
	check_next(&f, "far", "2400-01-01T00:00:00Z",
		   "2450-01-01T00:00:00Z|2450-01-01T00:00:00Z|0");

	check_next(&f, "far", "2024-01-01T00:00:00Z",
		   "2450-01-01T00:00:00Z|2450-01-01T00:00:00Z|0");
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * sm_occur_next.
 */

static void
on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "test_occur: timed out\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do */
	}
	_exit(1);
}

static void
test_next(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:fin",
		       "DTSTART:20240304T090000Z", "RRULE:FREQ=DAILY;COUNT=3",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:wk",
		       "DTSTART;TZID=Europe/Paris:20240305T090000",
		       "RRULE:FREQ=WEEKLY;BYDAY=TU", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:over", "DTSTART:20240304T090000Z",
		       "RRULE:FREQ=DAILY;UNTIL=20240310T000000Z", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:never", "DTSTART:20240201T090000Z",
		       "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:single",
		       "DTSTART:20240304T090000Z", "END:VEVENT", TAIL),
		 "UTC");
	check_next(&f, "fin", "2020-01-01T00:00:00Z",
		   "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0");
	check_next(&f, "fin", "2024-03-05T09:00:00Z",
		   "2024-03-05T09:00:00Z|2024-03-05T09:00:00Z|0");
	check_next(&f, "fin", "2024-03-05T09:00:01Z",
		   "2024-03-06T09:00:00Z|2024-03-06T09:00:00Z|0");
	check_next(&f, "fin", "2024-03-06T09:00:01Z", "none");
	/* 2100-01-01 is a Friday; the next Tuesday is the 5th, 09:00 CET. */
	check_next(&f, "wk", "2100-01-01T00:00:00Z",
		   "2100-01-05T08:00:00Z|2100-01-05T08:00:00Z|0");
	check_next(&f, "wk", "2100-07-01T00:00:00Z",
		   "2100-07-06T07:00:00Z|2100-07-06T07:00:00Z|0");
	check_next(&f, "over", "2024-03-09T09:00:00Z",
		   "2024-03-09T09:00:00Z|2024-03-09T09:00:00Z|0");
	check_next(&f, "over", "2024-06-01T00:00:00Z", "none");
	check_next(&f, "single", "2024-03-04T09:00:00Z",
		   "2024-03-04T09:00:00Z|2024-03-04T09:00:00Z|0");
	check_next(&f, "single", "2024-03-04T09:00:01Z", "none");
	/* A rule that never matches: none, in bounded time. */
	signal(SIGALRM, on_alarm);
	alarm(60);
	check_next(&f, "never", "2024-01-01T00:00:00Z", "none");
	check_next(&f, "never", "2900-01-01T00:00:00Z", "none");
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Alarms.
 */

static void
check_alarms(const struct sm_occurrence *occ, const char *want)
{
	sm_time v[32];
	int n = sm_occur_alarms(occ, v, 32);
	char got[32 * 24] = "";
	for (int i = 0; i < n; i++) {
		char b[40];
		strcat(got, utc(v[i], b));
		strcat(got, " ");
	}
	if (strcmp(got, want) != 0)
		fail_msg("alarms: got \"%s\", want \"%s\"", got, want);
}

static void
test_alarms(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:al",
		       "DTSTART:20240305T090000Z", "DTEND:20240305T100000Z",
		       "RRULE:FREQ=DAILY;COUNT=3", "BEGIN:VALARM",
		       "ACTION:DISPLAY", "DESCRIPTION:r", "TRIGGER:-PT1H",
		       "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r", "TRIGGER;RELATED=END:-PT15M",
		       "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r",
		       "TRIGGER;VALUE=DATE-TIME:20240304T120000Z", "END:VALARM",
		       "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		       "TRIGGER:-PT30M", "REPEAT:2", "DURATION:PT5M",
		       "END:VALARM",
		       /* Same instant as -PT1H: listed once. */
		       "BEGIN:VALARM", "ACTION:AUDIO", "TRIGGER:-PT60M",
		       "END:VALARM", "END:VEVENT", "BEGIN:VEVENT", "UID:al",
		       "RECURRENCE-ID:20240306T090000Z",
		       "DTSTART:20240306T140000Z", "DTEND:20240306T150000Z",
		       "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		       "TRIGGER:-PT2H", "END:VALARM", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:dur",
		       "DTSTART;TZID=Europe/Paris:20240305T090000",
		       "DURATION:PT2H", "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r", "TRIGGER;RELATED=END:PT0S",
		       "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r", "TRIGGER:PT10M", "END:VALARM",
		       "END:VEVENT", TAIL),
		 "UTC");
	struct sm_occurrence occ;
	assert_int_equal(sm_occur_next(series(&f, "al"), &f.opts,
				       at("2024-03-05T00:00:00Z"), &occ),
			 1);
	check_alarms(&occ, "2024-03-04T12:00:00Z 2024-03-05T08:00:00Z "
			   "2024-03-05T08:30:00Z 2024-03-05T08:35:00Z "
			   "2024-03-05T08:40:00Z 2024-03-05T09:45:00Z ");
	/* The override has its own VALARM, relative to its own start. */
	assert_int_equal(sm_occur_next(series(&f, "al"), &f.opts,
				       at("2024-03-06T00:00:00Z"), &occ),
			 1);
	assert_string_equal(occ.post->uid, "al");
	assert_int_equal(occ.post->is_override, 1);
	check_alarms(&occ, "2024-03-06T12:00:00Z ");
	assert_int_equal(sm_occur_next(series(&f, "al"), &f.opts,
				       at("2024-03-07T00:00:00Z"), &occ),
			 1);
	check_alarms(&occ, "2024-03-04T12:00:00Z 2024-03-07T08:00:00Z "
			   "2024-03-07T08:30:00Z 2024-03-07T08:35:00Z "
			   "2024-03-07T08:40:00Z 2024-03-07T09:45:00Z ");
	/* END from DURATION; a positive offset fires after the start. */
	assert_int_equal(sm_occur_next(series(&f, "dur"), &f.opts,
				       at("2024-03-05T00:00:00Z"), &occ),
			 1);
	check_alarms(&occ, "2024-03-05T08:10:00Z 2024-03-05T10:00:00Z ");
	ofx_fini(&f);
}

static void
test_alarms_max(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:al",
		       "DTSTART:20240305T090000Z", "BEGIN:VALARM",
		       "ACTION:DISPLAY", "DESCRIPTION:r", "TRIGGER:-PT10M",
		       "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r", "TRIGGER:-PT10M", "END:VALARM",
		       "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		       "TRIGGER:-PT1H", "END:VALARM", "BEGIN:VALARM",
		       "ACTION:DISPLAY", "DESCRIPTION:r", "TRIGGER:-P1D",
		       "END:VALARM", "END:VEVENT", TAIL),
		 "UTC");
	struct sm_occurrence occ;
	assert_int_equal(sm_occur_next(series(&f, "al"), &f.opts,
				       at("2024-03-05T00:00:00Z"), &occ),
			 1);
	sm_time v[8];
	assert_int_equal(sm_occur_alarms(&occ, v, 8), 3);
	/* With room for two, the two earliest distinct reminders. */
	sm_time w[2];
	int n = sm_occur_alarms(&occ, w, 2);
	assert_int_equal(n, 2);
	assert_int_equal(w[0], v[0]);
	assert_int_equal(w[1], v[1]);
	ofx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Iterators: the same occurrences as windows, in start order, at a cost
 * per occurrence that does not depend on the rule's frequency.
 */

#define MAX_CMP 6000

struct occ_list {
	int n;
	char item[MAX_CMP][96];
};

static void
occ_item(const struct sm_occurrence *occ, char *buf, size_t len)
{
	char s[40], r[40];
	/* Starts as 20-digit numbers sort like instants; the post tells
	 * which component's fields apply. */
	snprintf(buf, len, "%020lld|%s|%s|%d|%p",
		 (long long)(occ->start + 100000000000LL),
		 sm_civil_format(occ->start, SM_CIVIL_UTC, s, sizeof(s)),
		 sm_occur_format_rid(occ, r, sizeof(r)), occ->cancelled,
		 (const void *)occ->post);
}

static int
list_add_fn(void *ctx, const struct sm_occurrence *occ)
{
	struct occ_list *l = ctx;
	if (l->n >= MAX_CMP)
		fail_msg("window: too many occurrences");
	occ_item(occ, l->item[l->n++], sizeof(l->item[0]));
	return 0;
}

/* Sorts and drops duplicates (windows report an instant twice when two
 * local times around a DST gap resolve to it; iterators do not). */
static void
list_unique(struct occ_list *l)
{
	qsort(l->item, (size_t)l->n, sizeof(l->item[0]), cmp_item);
	int w = 0;
	for (int i = 0; i < l->n; i++)
		if (w == 0 || strcmp(l->item[w - 1], l->item[i]) != 0)
			memmove(l->item[w++], l->item[i], sizeof(l->item[0]));
	l->n = w;
}

/*
 * Takes occurrences of part `part` from an iterator at t until one starts
 * at or after `to` (or max have been taken, then up to the end of that
 * start): checks start order and no duplicates; returns the end of the
 * span covered.
 */
static sm_time
iter_collect(const struct sm_series *s, const struct sm_occur_opts *o, int part,
	     sm_time t, sm_time to, int max, struct occ_list *l)
{
	struct sm_occur_iter *it = sm_occur_iter_new(s, o, t, part);
	struct sm_occurrence occ;
	sm_time prev = SM_TIME_MIN, end = to;
	int taken = 0;
	while (sm_occur_iter_next(it, &occ)) {
		if (occ.start >= to)
			break;
		if (taken >= max && occ.start != prev) {
			end = prev + 1;
			break;
		}
		if (occ.start < t)
			fail_msg("iterator from %lld gave a start at %lld",
				 (long long)t, (long long)occ.start);
		if (occ.start < prev)
			fail_msg("iterator out of order: %lld after %lld",
				 (long long)occ.start, (long long)prev);
		if (part >= 0 && occ.post != sm_occur_part_post(s, part))
			fail_msg("part %d gave an occurrence of another post",
				 part);
		if (l->n >= MAX_CMP)
			fail_msg("iterator: too many occurrences");
		occ_item(&occ, l->item[l->n++], sizeof(l->item[0]));
		prev = occ.start;
		taken++;
	}
	sm_occur_iter_free(it);
	return end;
}

static void
check_lists(const struct occ_list *a, const struct occ_list *b,
	    const char *what, const char *uid, sm_time t)
{
	int i = 0;
	while (i < a->n && i < b->n && strcmp(a->item[i], b->item[i]) == 0)
		i++;
	if (i < a->n || i < b->n)
		fail_msg("%s of %s from %lld differ at item %d: %s vs %s", what,
			 uid ? uid : "?", (long long)t, i,
			 i < a->n ? a->item[i] : "(none)",
			 i < b->n ? b->item[i] : "(none)");
}

/* The iterator (whole, and part by part) against the window. */
static void
check_iter(const struct sm_series *s, const struct sm_occur_opts *o, sm_time t,
	   sm_time to, int max)
{
	static struct occ_list win, all, parts;
	const char *uid = s->master	  ? s->master->uid
			  : s->noverrides ? s->overrides[0]->uid
					  : NULL;
	all.n = win.n = parts.n = 0;
	sm_time end = iter_collect(s, o, SM_OCCUR_ALL, t, to, max, &all);
	list_unique(&all);
	sm_occur_window(s, o, t, end, list_add_fn, &win);
	list_unique(&win);
	check_lists(&all, &win, "iterator and window", uid, t);
	/* The parts partition the series. */
	iter_collect(s, o, SM_OCCUR_OVERRIDES, t, end, MAX_CMP, &parts);
	if (s->master)
		for (int part = 0; part <= s->nfutures; part++)
			iter_collect(s, o, part, t, end, MAX_CMP, &parts);
	list_unique(&parts);
	check_lists(&parts, &win, "parts and window", uid, t);
}

#define ITER_ICS                                                               \
	LINES(HEAD, "BEGIN:VEVENT", "UID:lh",                                  \
	      "DTSTART;TZID=Australia/Lord_Howe:20261003T021500",              \
	      "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=15,30;COUNT=60",             \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:par",                         \
	      "DTSTART;TZID=Europe/Paris:20260329T015000",                     \
	      "RRULE:FREQ=MINUTELY;INTERVAL=25", "EXDATE:20260329T021500Z",    \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:sec",                         \
	      "DTSTART;TZID=Europe/Paris:20261025T015950",                     \
	      "RRULE:FREQ=SECONDLY;INTERVAL=7;COUNT=2000", "END:VEVENT",       \
	      "BEGIN:VEVENT", "UID:gap",                                       \
	      "DTSTART;TZID=Europe/Paris:"                                     \
	      "20260329T015900",                                               \
	      "RRULE:FREQ=SECONDLY;INTERVAL=3;COUNT=1500", "END:VEVENT",       \
	      "BEGIN:VEVENT", "UID:taf", "SUMMARY:Master",                     \
	      "DTSTART:20260304T090000Z", "RRULE:FREQ=HOURLY;INTERVAL=5",      \
	      "RDATE:20260305T093000Z,20260306T093000Z", "END:VEVENT",         \
	      "BEGIN:VEVENT", "UID:taf", "SUMMARY:Later",                      \
	      "RECURRENCE-ID;RANGE=THISANDFUTURE:20260307T090000Z",            \
	      "DTSTART:20260307T230000Z", "END:VEVENT", "BEGIN:VEVENT",        \
	      "UID:taf", "SUMMARY:Back",                                       \
	      "RECURRENCE-ID;RANGE=THISANDFUTURE:20260310T040000Z",            \
	      "DTSTART:20260309T210000Z", "END:VEVENT", "BEGIN:VEVENT",        \
	      "UID:taf", "SUMMARY:Moved", "RECURRENCE-ID:20260308T070000Z",    \
	      "DTSTART:20260301T070000Z", "END:VEVENT", "BEGIN:VEVENT",        \
	      "UID:taf", "SUMMARY:Off", "STATUS:CANCELLED",                    \
	      "RECURRENCE-ID:20260311T020000Z", "DTSTART:20260311T020000Z",    \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:fl",                          \
	      "DTSTART:20260328T023000", "RRULE:FREQ=HOURLY;BYMINUTE=0,30",    \
	      "EXDATE:20260329T003000", "END:VEVENT", "BEGIN:VEVENT",          \
	      "UID:ad", "DTSTART;VALUE=DATE:20260325",                         \
	      "RRULE:FREQ=DAILY;COUNT=20", "EXDATE;VALUE=DATE:20260329",       \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:orph",                        \
	      "RECURRENCE-ID:20260310T090000Z", "DTSTART:20260310T100000Z",    \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:orph",                        \
	      "RECURRENCE-ID:20260309T090000Z", "DTSTART:20260311T100000Z",    \
	      "END:VEVENT", TAIL)

/* Every series above, from many instants: gaps and overlaps of three
 * zones, shifts forward and back, moved and cancelled overrides, floating
 * and all-day values, orphan overrides. */
static void
test_iter_matches_window(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f, ITER_ICS, "Europe/Paris");
	for (size_t i = 0; i < f.set.n; i++)
		for (sm_time t = at("2026-02-27T00:00:00Z");
		     t < at("2026-04-02T00:00:00Z"); t += 17 * 3600 + 1)
			check_iter(&f.set.series[i], &f.opts, t, t + 3 * SM_DAY,
				   1500);
	/* Around the gaps and overlaps, second by second. */
	for (sm_time t = at("2026-03-29T00:59:00Z");
	     t < at("2026-03-29T01:02:00Z"); t += 7) {
		check_iter(series(&f, "gap"), &f.opts, t, t + 7200, 3000);
		check_iter(series(&f, "par"), &f.opts, t, t + SM_DAY, 3000);
	}
	for (sm_time t = at("2026-10-25T00:59:00Z");
	     t < at("2026-10-25T01:02:00Z"); t += 11)
		check_iter(series(&f, "sec"), &f.opts, t, t + 7200, 3000);
	ofx_fini(&f);
}

/* The same on every calendar of the shared corpus, from several years,
 * with floating times read in Paris. */
static void
test_iter_matches_window_corpus(void **state)
{
	(void)state;
	const char *shared = getenv("SMCAL_SHARED");
	char pattern[512];
	snprintf(pattern, sizeof(pattern), "%s/corpus/ics/*/*.ics",
		 shared && *shared ? shared : "../shared");
	glob_t g;
	if (glob(pattern, 0, NULL, &g) != 0) {
		printf("no corpus at %s: skipped\n", pattern);
		return;
	}
	static const char *const starts[] = {
		"1995-06-01T00:00:00Z", "2007-03-10T00:00:00Z",
		"2014-10-20T00:00:00Z", "2021-01-01T00:00:00Z",
		"2026-03-28T00:00:00Z"};
	size_t nseries = 0;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		static struct ofx f;
		memset(&f, 0, sizeof(f));
		live_add(&f);
		sm_calendar_init(&f.cal, "main");
		sm_calendar_load_file(&f.cal, g.gl_pathv[k], &f.d);
		f.opts.zone = sm_calendar_system_zone("Europe/Paris");
		f.opts.allday_offset = 9 * 3600;
		sm_occur_index(&f.set, &f.cal, &f.opts, &f.d);
		for (size_t i = 0; i < f.set.n; i++)
			for (size_t j = 0; j < sizeof(starts) / sizeof(*starts);
			     j++)
				check_iter(&f.set.series[i], &f.opts,
					   at(starts[j]),
					   at(starts[j]) + 400 * SM_DAY, 300);
		nseries += f.set.n;
		ofx_fini(&f);
	}
	printf("corpus: %zu files, %zu series: iterators match windows\n",
	       g.gl_pathc, nseries);
	globfree(&g);
}

/* A VTIMEZONE observance whose UTC offset is garbled (libical reads
 * "-05020190801T0" as -261081305 s, eight years) is ignored with a
 * warning: such an offset put local times years out of their order and
 * an iterator gave them out of order (found by fuzz_expand). */
static void
test_offset_beyond_a_day(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:bs", "SUMMARY:Test event",
		       "DTSTART;TZID=US-Eastern:19970929T090000",
		       "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
		       "DTEND:19970929T100000", "END:VEVENT", "BEGIN:VTIMEZONE",
		       "TZID:US-Eastern", "BEGIN:STANDARD",
		       "DTSTART:19671029T020000",
		       "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
		       "TZOFFSETFROM:-0400", "TZOFFSETTO:-05020190801T0",
		       "TZNAME:EST", "END:STANDARD", "BEGIN:DAYLIGHT",
		       "DTSTART:19870405T020000",
		       "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4",
		       "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT",
		       "END:DAYLIGHT", "END:VTIMEZONE", TAIL),
		 "UTC");
	int warned = 0;
	for (size_t i = 0; i < f.d.n; i++)
		warned += strstr(f.d.items[i].message,
				 "UTC offset beyond a day") != NULL;
	assert_int_equal(warned, 1);
	const struct sm_series *s = series(&f, "bs");
	for (sm_time t = at("1997-09-01T00:00:00Z");
	     t < at("2010-01-01T00:00:00Z"); t += 97 * SM_DAY)
		check_iter(s, &f.opts, t, t + 400 * SM_DAY, 300);
	ofx_fini(&f);
}

/* 100,000 occurrences of a SECONDLY rule (and of a zoned one across a DST
 * gap) cost about one step each: the work counter, not the clock. */
static void
test_iter_dense_cost(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:s",
		       "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:z",
		       "DTSTART;TZID=Europe/Paris:20260329T000000",
		       "RRULE:FREQ=SECONDLY", "END:VEVENT", TAIL),
		 "UTC");
	static const char *const uids[] = {"s", "z"};
	for (int u = 0; u < 2; u++) {
		const struct sm_series *s = series(&f, uids[u]);
		sm_time t = at("2026-03-29T00:30:00Z");
		struct sm_occur_iter *it =
			sm_occur_iter_new(s, &f.opts, t, SM_OCCUR_ALL);
		uint64_t w0 = sm_occur_iter_work(it);
		struct sm_occurrence occ;
		sm_time prev = t - 1;
		for (int i = 0; i < 100000; i++) {
			assert_int_equal(sm_occur_iter_next(it, &occ), 1);
			/* Every second once, in order (Paris skips its gap
			 * hour: 02:00 CET is 03:00 CEST, one instant). */
			assert_int_equal(occ.start, prev + 1);
			prev = occ.start;
		}
		uint64_t work = sm_occur_iter_work(it) - w0;
		/* Zoned: the gap's hour of local times is read too (its
		 * instants are those of the next hour), and near a
		 * transition the iterator reads an hour (the zone's spread)
		 * ahead before it can be sure of the order. */
		printf("%s: 100000 occurrences, %llu steps (%llu to start)\n",
		       uids[u], (unsigned long long)work,
		       (unsigned long long)w0);
		assert_true(work <= 100000 + 2 * 3600 + 16);
		assert_true(w0 <= 2 * 3600);
		sm_occur_iter_free(it);
	}
	/* sm_occur_next is as cheap: a year of them a second apart would
	 * time out if each one scanned a window. */
	const struct sm_series *s = series(&f, "s");
	struct sm_occurrence occ;
	for (sm_time t = at("2026-06-01T00:00:00Z");
	     t < at("2026-06-01T00:00:00Z") + 20000; t++) {
		assert_int_equal(sm_occur_next(s, &f.opts, t, &occ), 1);
		assert_int_equal(occ.start, t);
	}
	ofx_fini(&f);
}

static int
teardown_live(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i])
			ofx_fini(live[i]);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sm_calendar_zones_cleanup();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown_live)

/* A calendar's own zone (its section's timezone) stays with its series:
 * floating values are read in it whatever zone the caller's options name
 * (the daemon's, for every calendar). */
static void
test_series_keep_their_zone(void **state)
{
	(void)state;
	static struct ofx f;
	ofx_load(&f,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:float",
		       "DTSTAMP:20260101T000000Z", "DTSTART:20260615T090000",
		       "RRULE:FREQ=DAILY;COUNT=2", "SUMMARY:x", "END:VEVENT",
		       TAIL),
		 "Europe/Paris");
	const struct sm_series *s = series(&f, "float");
	struct sm_occur_opts daemon = f.opts;
	daemon.zone = sm_calendar_system_zone("UTC");
	/* 09:00 in Paris (CEST) is 07:00Z, under either options. */
	struct sm_occurrence occ;
	char buf[40];
	assert_int_equal(
		sm_occur_next(s, &daemon, at("2026-06-01T00:00:00Z"), &occ), 1);
	assert_string_equal(utc(occ.start, buf), "2026-06-15T07:00:00Z");
	struct sm_occur_iter *it = sm_occur_iter_new(
		s, &daemon, at("2026-06-15T08:00:00Z"), SM_OCCUR_ALL);
	assert_int_equal(sm_occur_iter_next(it, &occ), 1);
	assert_string_equal(utc(occ.start, buf), "2026-06-16T07:00:00Z");
	sm_occur_iter_free(it);
	struct sm_occur_opts saved = f.opts;
	f.opts = daemon;
	check_window(&f, "float", "2026-06-01T00:00:00Z",
		     "2026-07-01T00:00:00Z",
		     "2026-06-15T07:00:00Z|2026-06-15T09:00:00|0\n"
		     "2026-06-16T07:00:00Z|2026-06-16T09:00:00|0\n");
	f.opts = saved;
	ofx_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_series_keep_their_zone),
		T(test_spec_paris_gap_and_overlap),
		T(test_floating_gap),
		T(test_new_york_weekly),
		T(test_lord_howe),
		T(test_gap_instances_out_of_order),
		T(test_identity_forms),
		T(test_allday_offset),
		T(test_floating_vs_utc),
		T(test_exdate_rdate),
		T(test_exdate_dtstart_and_rdate_only),
		T(test_count_before_exdate),
		T(test_exdate_allday_and_floating),
		T(test_moved_and_cancelled_overrides),
		T(test_zoned_override),
		T(test_master_cancelled),
		T(test_this_and_future),
		T(test_override_not_an_instance),
		T(test_orphan_overrides),
		T(test_two_overrides_sequence),
		T(test_allday_datetime_rid),
		T(test_this_and_future_not_an_instance),
		T(test_this_and_future_cancelled),
		T(test_orphan_overrides_sequence),
		T(test_until_and_window_bounds),
		T(test_next),
		T(test_next_far_single),
		T(test_alarms),
		T(test_alarms_max),
		T(test_iter_matches_window),
		T(test_iter_matches_window_corpus),
		T(test_offset_beyond_a_day),
		T(test_iter_dense_cost),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
