/*
 * Unit tests for lib/cadence: periods in a zone across DST changes, ISO and
 * Sunday weeks, targets pro-rated by days, counts from real calendars
 * (series with EXDATE, moved and cancelled overrides, drafts, several
 * platforms, done marks), the pro-rata `behind`, the content mix,
 * guardrails, JSON output and the alert state machine (SPEC section 7).
 *
 * Expected instants and labels are worked out by hand from the zone rules
 * (Paris: CET +1, CEST +2 from 2026-03-29 01:00Z to 2026-10-25 01:00Z; New
 * York: EST -5, EDT -4 from 2026-03-08 07:00Z to 2026-11-01 06:00Z) and from
 * ISO 8601 (2026-01-01 is a Thursday, so 2026 has 53 weeks), never copied
 * from the implementation.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cadence.h"
#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "jsonw.h"
#include "occur.h"

static sm_time
T(const char *s)
{
	sm_time t;
	int off = 0, date_only = 0;
	assert_int_equal(sm_civil_parse(s, &t, &off, &date_only), 0);
	assert_true(off || date_only);
	return t;
}

static const char *
fmt(sm_time t, char *buf)
{
	return sm_civil_format(t, SM_CIVIL_UTC, buf, 40);
}

static const struct sm_tz *
zone(const char *name)
{
	const struct sm_tz *z = sm_calendar_system_zone(name);
	assert_non_null(z);
	return z;
}

/* Checks a period's label and instants. */
static void
check_period(const struct sm_period *p, const char *label, const char *start,
	     const char *end)
{
	char a[40], b[40];
	if (strcmp(p->label, label) != 0 || p->start != T(start) ||
	    p->end != T(end))
		fail_msg("period %s [%s, %s), expected %s [%s, %s)", p->label,
			 fmt(p->start, a), fmt(p->end, b), label, start, end);
}

/*
 * The period of unit u containing `inside` in zone z is label [start,
 * end); its edges belong to it and to its neighbours as they should, and
 * stepping gives the neighbours.
 */
static void
check_edges(const struct sm_tz *z, int week_start, enum sm_cadence_unit u,
	    const char *inside, const char *label, const char *start,
	    const char *end)
{
	struct sm_period p, q, r;
	sm_cadence_period_at(z, week_start, u, T(inside), &p);
	check_period(&p, label, start, end);
	sm_cadence_period_at(z, week_start, u, T(start), &q);
	check_period(&q, label, start, end);
	sm_cadence_period_at(z, week_start, u, T(end) - 1, &q);
	check_period(&q, label, start, end);
	sm_cadence_period_at(z, week_start, u, T(end), &q);
	assert_int_equal(q.start, T(end));
	assert_string_not_equal(q.label, label);
	sm_cadence_period_step(z, week_start, &p, 1, &r);
	assert_int_equal(r.start, q.start);
	assert_int_equal(r.end, q.end);
	assert_string_equal(r.label, q.label);
	sm_cadence_period_at(z, week_start, u, T(start) - 1, &q);
	assert_int_equal(q.end, T(start));
	sm_cadence_period_step(z, week_start, &p, -1, &r);
	assert_int_equal(r.start, q.start);
	assert_string_equal(r.label, q.label);
	sm_cadence_period_step(z, week_start, &r, 1, &q);
	check_period(&q, label, start, end);
}

static void
test_paris_dst_edges(void **state)
{
	(void)state;
	const struct sm_tz *z = zone("Europe/Paris");
	/* The 23-hour and the 25-hour day are one day each. */
	check_edges(z, 0, SM_CADENCE_DAY, "2026-03-29T12:00:00Z", "2026-03-29",
		    "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
	check_edges(z, 0, SM_CADENCE_DAY, "2026-10-25T12:00:00Z", "2026-10-25",
		    "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
	/* Weeks ending on the change days: 7 days less or more one hour. */
	check_edges(z, 0, SM_CADENCE_WEEK, "2026-03-26T12:00:00Z", "2026-W13",
		    "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z");
	check_edges(z, 0, SM_CADENCE_WEEK, "2026-10-25T22:30:00Z", "2026-W43",
		    "2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z");
	check_edges(z, 0, SM_CADENCE_MONTH, "2026-03-15T00:00:00Z", "2026-03",
		    "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z");
	check_edges(z, 0, SM_CADENCE_MONTH, "2026-10-31T22:30:00Z", "2026-10",
		    "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z");
	struct sm_period p;
	sm_cadence_period_at(z, 0, SM_CADENCE_MONTH, T("2026-10-10T00:00:00Z"),
			     &p);
	assert_int_equal(p.ndays, 31);
	assert_int_equal(p.first_day, sm_civil_days(2026, 10, 1));
	assert_int_equal(p.end - p.start, 31 * 86400 + 3600);
}

static void
test_new_york_dst_edges(void **state)
{
	(void)state;
	const struct sm_tz *z = zone("America/New_York");
	check_edges(z, 0, SM_CADENCE_DAY, "2026-03-08T12:00:00Z", "2026-03-08",
		    "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
	check_edges(z, 0, SM_CADENCE_DAY, "2026-11-01T12:00:00Z", "2026-11-01",
		    "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
	check_edges(z, 0, SM_CADENCE_WEEK, "2026-03-04T00:00:00Z", "2026-W10",
		    "2026-03-02T05:00:00Z", "2026-03-09T04:00:00Z");
	check_edges(z, 0, SM_CADENCE_WEEK, "2026-11-02T04:30:00Z", "2026-W44",
		    "2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z");
	check_edges(z, 0, SM_CADENCE_MONTH, "2026-03-01T05:00:00Z", "2026-03",
		    "2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z");
	check_edges(z, 0, SM_CADENCE_MONTH, "2026-11-15T00:00:00Z", "2026-11",
		    "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z");
	/* Sunday weeks start on the change days; a Sunday week is labelled
	 * by the ISO week of its Wednesday. */
	check_edges(z, 6, SM_CADENCE_WEEK, "2026-03-08T05:00:00Z", "2026-W11",
		    "2026-03-08T05:00:00Z", "2026-03-15T04:00:00Z");
	check_edges(z, 6, SM_CADENCE_WEEK, "2026-11-07T12:00:00Z", "2026-W45",
		    "2026-11-01T04:00:00Z", "2026-11-08T05:00:00Z");
	/* Saturday evening in New York is Sunday in UTC. */
	struct sm_period p;
	sm_cadence_period_at(z, 6, SM_CADENCE_WEEK, T("2026-03-15T03:30:00Z"),
			     &p);
	assert_string_equal(p.label, "2026-W11");
}

static void
test_iso_week_53_and_sunday_weeks(void **state)
{
	(void)state;
	const struct sm_tz *utc = zone("UTC");
	struct sm_period p, q;
	/* 2026 has 53 ISO weeks: 2027-01-01 to 01-03 are in 2026-W53. */
	check_edges(utc, 0, SM_CADENCE_WEEK, "2027-01-01T12:00:00Z", "2026-W53",
		    "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z");
	sm_cadence_period_at(utc, 0, SM_CADENCE_WEEK, T("2027-01-04T00:00:00Z"),
			     &p);
	assert_string_equal(p.label, "2027-W01");
	/* The week-year: 2025-12-29 opens 2026-W01, 2024-12-30 2025-W01. */
	sm_cadence_period_at(utc, 0, SM_CADENCE_WEEK, T("2025-12-29T00:00:00Z"),
			     &p);
	check_period(&p, "2026-W01", "2025-12-29T00:00:00Z",
		     "2026-01-05T00:00:00Z");
	sm_cadence_period_at(utc, 0, SM_CADENCE_WEEK, T("2024-12-31T00:00:00Z"),
			     &p);
	assert_string_equal(p.label, "2025-W01");
	sm_cadence_period_at(utc, 0, SM_CADENCE_WEEK, T("2026-12-27T12:00:00Z"),
			     &p);
	assert_string_equal(p.label, "2026-W52");
	sm_cadence_period_step(utc, 0, &p, 2, &q);
	assert_string_equal(q.label, "2027-W01");
	/* Sunday weeks: 2026-12-27 to 2027-01-02 is 2026-W53 (its Wednesday
	 * is 12-30), and 2027-01-03 opens 2027-W01 while the ISO week of that
	 * Sunday is still 2026-W53. */
	check_edges(utc, 6, SM_CADENCE_WEEK, "2026-12-27T00:00:00Z", "2026-W53",
		    "2026-12-27T00:00:00Z", "2027-01-03T00:00:00Z");
	sm_cadence_period_at(utc, 6, SM_CADENCE_WEEK, T("2027-01-03T10:00:00Z"),
			     &p);
	check_period(&p, "2027-W01", "2027-01-03T00:00:00Z",
		     "2027-01-10T00:00:00Z");
	/* Labels stay unique and consecutive over years of Sunday weeks. */
	sm_cadence_period_at(utc, 6, SM_CADENCE_WEEK, T("2020-01-01T00:00:00Z"),
			     &p);
	for (int i = 0; i < 520; i++) {
		sm_cadence_period_step(utc, 6, &p, 1, &q);
		assert_int_equal(q.start, p.end);
		assert_int_equal(sm_civil_weekday(q.first_day), 6);
		assert_string_not_equal(q.label, p.label);
		p = q;
	}
	/* Thursday weeks: labelled by their Sunday, the fourth day. */
	sm_cadence_period_at(utc, 3, SM_CADENCE_WEEK, T("2026-12-31T00:00:00Z"),
			     &p);
	check_period(&p, "2026-W53", "2026-12-31T00:00:00Z",
		     "2027-01-07T00:00:00Z");
}

static void
test_targets_prorated_by_days(void **state)
{
	(void)state;
	const struct sm_tz *z = zone("Europe/Paris");
	struct sm_period w, m;
	struct sm_cadence per_month = {4, SM_CADENCE_MONTH};
	struct sm_cadence per_week = {3, SM_CADENCE_WEEK};
	struct sm_cadence per_day = {2, SM_CADENCE_DAY};
	const int64_t D = SM_CADENCE_PARTS;

	/* 4/month by week: Nov 30 (1/30 of November) and Dec 1..6 (6/31). */
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2026-12-02T12:00:00Z"),
			     &w);
	assert_string_equal(w.label, "2026-W49");
	assert_int_equal(sm_cadence_target_parts(&per_month, &w),
			 4 * D / 30 + 6 * 4 * D / 31);
	assert_int_equal(sm_cadence_target(&per_month, &w), 1); /* 0.91 */
	/* A week of December: 28/31 = 0.90, so 1. */
	sm_cadence_period_step(z, 0, &w, 1, &w);
	assert_int_equal(sm_cadence_target_parts(&per_month, &w),
			 7 * 4 * D / 31);
	assert_int_equal(sm_cadence_target(&per_month, &w), 1);
	struct sm_cadence ten = {10, SM_CADENCE_MONTH};
	assert_int_equal(sm_cadence_target(&ten, &w), 2); /* 2.26 */
	struct sm_cadence two = {2, SM_CADENCE_MONTH};
	assert_int_equal(sm_cadence_target(&two, &w), 0); /* 0.45 */
	/* A February week of 2/month is exactly one half: rounded up. */
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2026-02-11T12:00:00Z"),
			     &w);
	assert_int_equal(sm_cadence_target_parts(&two, &w), D / 2);
	assert_int_equal(sm_cadence_target(&two, &w), 1);
	assert_int_equal(sm_cadence_target(&per_month, &w), 1);
	/* The week straddling the year: 4 days of December, 3 of January. */
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2027-01-01T12:00:00Z"),
			     &w);
	assert_int_equal(sm_cadence_target_parts(&per_month, &w),
			 7 * 4 * D / 31);

	/* 3/week by month: 31 days 13.29 -> 13, 28 days 12, 30 days 12.86 ->
	 * 13; DST months are whole months too. */
	sm_cadence_period_at(z, 0, SM_CADENCE_MONTH, T("2026-12-15T00:00:00Z"),
			     &m);
	assert_int_equal(sm_cadence_target(&per_week, &m), 13);
	sm_cadence_period_at(z, 0, SM_CADENCE_MONTH, T("2026-02-15T00:00:00Z"),
			     &m);
	assert_int_equal(sm_cadence_target(&per_week, &m), 12);
	sm_cadence_period_at(z, 0, SM_CADENCE_MONTH, T("2026-04-15T00:00:00Z"),
			     &m);
	assert_int_equal(sm_cadence_target(&per_week, &m), 13);
	sm_cadence_period_at(z, 0, SM_CADENCE_MONTH, T("2026-03-15T00:00:00Z"),
			     &m);
	assert_int_equal(sm_cadence_target(&per_month, &m), 4);
	assert_int_equal(sm_cadence_target(&per_day, &m), 62);
	/* By day: 2/day is 2, 3/week is 0.43 -> 0, 4/week 0.57 -> 1, even on
	 * the 23-hour day. */
	struct sm_period d;
	sm_cadence_period_at(z, 0, SM_CADENCE_DAY, T("2026-03-29T12:00:00Z"),
			     &d);
	assert_int_equal(sm_cadence_target(&per_day, &d), 2);
	assert_int_equal(sm_cadence_target(&per_week, &d), 0);
	struct sm_cadence four = {4, SM_CADENCE_WEEK};
	assert_int_equal(sm_cadence_target(&four, &d), 1);
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2026-03-26T12:00:00Z"),
			     &w);
	assert_int_equal(sm_cadence_target(&per_day, &w), 14);
	assert_int_equal(sm_cadence_target(&per_week, &w), 3);
	struct sm_cadence none = {0, SM_CADENCE_NONE};
	assert_int_equal(sm_cadence_target(&none, &w), 0);
}

static void
test_expected_and_behind_at(void **state)
{
	(void)state;
	const struct sm_tz *z = zone("Europe/Paris");
	struct sm_period w;
	/* 2026-W50 in Paris: 7 x 24 hours from Dec 6 23:00Z. */
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2026-12-09T00:00:00Z"),
			     &w);
	assert_string_equal(w.label, "2026-W50");
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-01T00:00:00Z")),
			 0);
	/* One post of three is due after a third of the week: 2d 8h. */
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-09T06:59:59Z")),
			 0);
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-09T07:00:00Z")),
			 1);
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-11T15:00:00Z")),
			 2);
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-13T22:59:59Z")),
			 2);
	assert_int_equal(sm_cadence_expected(3, &w, T("2026-12-13T23:00:00Z")),
			 3);
	assert_int_equal(sm_cadence_behind_at(3, &w, 0),
			 T("2026-12-09T07:00:00Z"));
	assert_int_equal(sm_cadence_behind_at(3, &w, 1),
			 T("2026-12-11T15:00:00Z"));
	/* Three published: never behind within the week. */
	assert_int_equal(sm_cadence_behind_at(3, &w, 2), SM_TIME_MAX);
	assert_int_equal(sm_cadence_behind_at(3, &w, 3), SM_TIME_MAX);
	assert_int_equal(sm_cadence_behind_at(0, &w, 0), SM_TIME_MAX);
	/* Across the spring change the week is one hour short: a third of
	 * 167 hours is 55h 40m. */
	sm_cadence_period_at(z, 0, SM_CADENCE_WEEK, T("2026-03-26T00:00:00Z"),
			     &w);
	assert_int_equal(sm_cadence_behind_at(3, &w, 0),
			 T("2026-03-22T23:00:00Z") + 55 * 3600 + 40 * 60);
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */
/* ------------------------------------------------------------------ */

static const char *const BASE_CONF = "[daemon]\n"
				     "timezone = Europe/Paris\n"
				     "[cadence]\n"
				     "lookahead = 2\n"
				     "gap_notice = 3d\n"
				     "[platform:instagram]\n"
				     "cadence = 3/week\n"
				     "min_spacing = 4h\n"
				     "daily_cap = 2\n"
				     "[platform:linkedin]\n"
				     "cadence = 4/month\n"
				     "[platform:blog]\n"
				     "categories = blog\n"
				     "[mix]\n"
				     "informative = 40\n"
				     "inspiring = 30\n"
				     "interactive = 20\n"
				     "offer = 10\n";

/* Fixtures that a failed test's teardown frees. */
struct fx {
	struct sm_config *cfg;
	struct sm_cadence_posts posts;
	struct sm_cadence_report rep;
	struct sm_calendar cal;
	int cal_loaded;
	struct sm_series_set set;
	struct sm_cadence_due *due;
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cfg = config_text_clean(BASE_CONF);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	free(f->due);
	sm_cadence_report_free(&f->rep);
	sm_cadence_posts_free(&f->posts);
	sm_occur_set_free(&f->set);
	if (f->cal_loaded)
		sm_calendar_fini(&f->cal);
	sm_config_free(f->cfg);
	free(f);
	return 0;
}

static void
add(struct fx *f, const char *at, const char *platforms, const char *type,
    unsigned flags)
{
	const char *names[8];
	char buf[128];
	int n = 0;
	snprintf(buf, sizeof(buf), "%s", platforms);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p && n < 8;
	     p = strtok_r(NULL, ",", &save))
		names[n++] = p;
	/* The names are only read during the call. */
	sm_cadence_posts_add(&f->posts, f->cfg, T(at), names, n, type, flags);
}

static void
build(struct fx *f, enum sm_cadence_unit unit, int history,
      const char *platform, const char *now)
{
	struct sm_cadence_opts o = {
		.zone = zone(f->cfg->timezone),
		.unit = unit,
		.history = history,
		.platform = platform,
		.guardrails = 1,
		.now = T(now),
	};
	sm_cadence_report_free(&f->rep);
	assert_int_equal(
		sm_cadence_report_build(&f->rep, f->cfg, &o, &f->posts), 0);
}

/* The row of a platform and period label. */
static const struct sm_cadence_row *
row(const struct fx *f, const char *platform, const char *label)
{
	for (size_t i = 0; i < f->rep.nrows; i++) {
		const struct sm_cadence_row *r = &f->rep.rows[i];
		if (strcmp(r->platform->name, platform) == 0 &&
		    strcmp(r->period.label, label) == 0)
			return r;
	}
	fail_msg("no row for %s %s", platform, label);
	return NULL;
}

/* "target scheduled published gap status" of a row. */
static void
check_row(const struct fx *f, const char *platform, const char *label,
	  const char *want)
{
	const struct sm_cadence_row *r = row(f, platform, label);
	char got[96];
	snprintf(got, sizeof(got), "%d %d %d %d %s", r->target, r->scheduled,
		 r->published, r->gap, sm_cadence_status_name(r->status));
	if (strcmp(got, want) != 0)
		fail_msg("%s %s: got \"%s\", expected \"%s\"", platform, label,
			 got, want);
}

static void
test_report_rows_and_offsets(void **state)
{
	struct fx *f = *state;
	build(f, SM_CADENCE_NONE, 1, NULL, "2026-12-09T12:00:00Z");
	/* Instagram and LinkedIn have a plan, the blog none: 2 x (1 + 1 +
	 * 2) rows, each in its platform's unit. */
	assert_int_equal(f->rep.nrows, 8);
	const char *want[] = {"instagram 2026-W49 -1", "instagram 2026-W50 0",
			      "instagram 2026-W51 1",  "instagram 2026-W52 2",
			      "linkedin 2026-11 -1",   "linkedin 2026-12 0",
			      "linkedin 2027-01 1",    "linkedin 2027-02 2"};
	for (size_t i = 0; i < 8; i++) {
		char got[64];
		snprintf(got, sizeof(got), "%s %s %d",
			 f->rep.rows[i].platform->name,
			 f->rep.rows[i].period.label, f->rep.rows[i].offset);
		assert_string_equal(got, want[i]);
	}
	/* Empty periods are short, not behind before anything is due. */
	check_row(f, "instagram", "2026-W50", "3 0 0 3 behind");
	check_row(f, "instagram", "2026-W51", "3 0 0 3 short");
	check_row(f, "linkedin", "2026-12", "4 0 0 4 behind");
	assert_int_equal(sm_cadence_short_platforms(&f->rep), 2);
	/* Viewed by month and week: pro-rated targets. */
	build(f, SM_CADENCE_MONTH, 0, NULL, "2026-12-02T12:00:00Z");
	check_row(f, "instagram", "2026-12", "13 0 0 13 short");
	check_row(f, "instagram", "2027-02", "12 0 0 12 short");
	build(f, SM_CADENCE_WEEK, 0, "linkedin", "2026-12-02T12:00:00Z");
	assert_int_equal(f->rep.nrows, 3);
	check_row(f, "linkedin", "2026-W49", "1 0 0 1 short");
	check_row(f, "linkedin", "2026-W50", "1 0 0 1 short");
	/* A platform named without a plan is shown with target 0. */
	build(f, SM_CADENCE_NONE, 0, "BLOG", "2026-12-02T12:00:00Z");
	assert_int_equal(f->rep.nrows, 3);
	check_row(f, "blog", "2026-W49", "0 0 0 0 ok");
	/* An unknown platform is an error. */
	struct sm_cadence_opts o = {.zone = zone("Europe/Paris"),
				    .platform = "myspace",
				    .now = T("2026-12-02T12:00:00Z")};
	sm_cadence_report_free(&f->rep);
	assert_int_equal(
		sm_cadence_report_build(&f->rep, f->cfg, &o, &f->posts), -1);
}

static void
test_monday_half_past_midnight_in_paris(void **state)
{
	struct fx *f = *state;
	/* Monday 2026-12-07 00:30 in Paris is Sunday 23:30 in UTC. */
	add(f, "2026-12-06T23:30:00Z", "instagram", NULL, 0);
	/* Sunday 23:59:59 in Paris is in the week before. */
	add(f, "2026-12-06T22:59:59Z", "instagram", NULL, 0);
	build(f, SM_CADENCE_WEEK, 1, "instagram", "2026-12-08T12:00:00Z");
	check_row(f, "instagram", "2026-W50", "3 1 0 2 short");
	check_row(f, "instagram", "2026-W49", "3 1 0 2 short");
	build(f, SM_CADENCE_DAY, 1, "instagram", "2026-12-07T12:00:00Z");
	assert_int_equal(row(f, "instagram", "2026-12-07")->scheduled, 1);
	assert_int_equal(row(f, "instagram", "2026-12-06")->scheduled, 1);
}

static int
done_tip_29(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	int *calls = ctx;
	(*calls)++;
	return strcmp(calendar, "main") == 0 && strcmp(uid, "tip") == 0 &&
	       strcmp(rid, "2026-12-29T08:00:00Z") == 0;
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
load_calendar(struct fx *f, const char *const *lines,
	      const struct sm_occur_opts *opts)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + 2;
	char *text = calloc(1, len);
	assert_non_null(text);
	for (size_t i = 0; lines[i]; i++) {
		strcat(text, lines[i]);
		strcat(text, "\r\n");
	}
	struct sm_diag_list d = {0};
	sm_calendar_init(&f->cal, "main");
	f->cal_loaded = 1;
	assert_int_equal(sm_calendar_load_buffer(&f->cal, text, strlen(text),
						 "t.ics", &d),
			 0);
	free(text);
	assert_int_equal(sm_occur_index(&f->set, &f->cal, opts, &d), 0);
	if (d.nerrors || d.nwarnings) {
		sm_diag_print(&d, stderr);
		fail_msg("the test calendar does not load cleanly");
	}
	sm_diag_clear(&d);
}

static void
test_series_from_a_calendar(void **state)
{
	struct fx *f = *state;
	struct sm_occur_opts opts = {.zone = zone("Europe/Paris"),
				     .allday_offset = 9 * 3600};
	/* A Tuesday 09:00 series: Dec 1, 8 (EXDATE), 15 (moved to Monday
	 * Dec 21 10:00), 22 (cancelled), 29 (marked done), Jan 5.  A draft on
	 * Dec 10, a post on Instagram and LinkedIn on Dec 16, a cancelled
	 * post on Dec 17, an all-day LinkedIn post on Dec 18 (09:00). */
	load_calendar(
		f,
		LINES("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN",
		      "BEGIN:VEVENT", "UID:tip",
		      "DTSTART;TZID=Europe/Paris:20261201T090000",
		      "RRULE:FREQ=WEEKLY;COUNT=6",
		      "EXDATE;TZID=Europe/Paris:20261208T090000",
		      "SUMMARY:Tip Tuesday", "X-SMCAL-PLATFORM:instagram",
		      "X-SMCAL-TYPE:informative", "END:VEVENT", "BEGIN:VEVENT",
		      "UID:tip",
		      "RECURRENCE-ID;TZID=Europe/Paris:20261215T090000",
		      "DTSTART;TZID=Europe/Paris:20261221T100000",
		      "SUMMARY:Tip Tuesday (moved)",
		      "X-SMCAL-PLATFORM:instagram", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:tip",
		      "RECURRENCE-ID;TZID=Europe/Paris:20261222T090000",
		      "DTSTART;TZID=Europe/Paris:20261222T090000",
		      "STATUS:CANCELLED", "X-SMCAL-PLATFORM:instagram",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:draft",
		      "DTSTART;TZID=Europe/Paris:20261210T120000",
		      "STATUS:TENTATIVE", "CATEGORIES:Instagram", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:both", "DTSTART:20261216T090000Z",
		      "X-SMCAL-PLATFORM:instagram,LinkedIn", "END:VEVENT",
		      "BEGIN:VEVENT", "UID:gone", "DTSTART:20261217T090000Z",
		      "STATUS:CANCELLED", "X-SMCAL-PLATFORM:instagram",
		      "END:VEVENT", "BEGIN:VEVENT", "UID:day",
		      "DTSTART;VALUE=DATE:20261218",
		      "X-SMCAL-PLATFORM:linkedin", "END:VEVENT",
		      "END:VCALENDAR"),
		&opts);
	struct sm_cadence_opts o = {.zone = opts.zone,
				    .history = 2,
				    .now = T("2026-12-16T12:00:00Z")};
	sm_time from, to;
	sm_cadence_span(f->cfg, &o, &from, &to);
	/* Instagram weeks from W49 (two back) to W53, LinkedIn months from
	 * October to February; the mix window (W51 and four weeks before). */
	char a[40], b[40];
	assert_string_equal(fmt(from, a), "2026-09-30T22:00:00Z");
	assert_string_equal(fmt(to, b), "2027-02-28T23:00:00Z");
	int calls = 0;
	sm_cadence_gather(&f->posts, f->cfg, &f->set, &opts, from, to,
			  done_tip_29, &calls);
	/* 6 instances minus the EXDATE, the draft, the shared post, the
	 * cancelled post and the all-day post: 9 occurrences; the done
	 * callback is asked for the 7 that are not cancelled. */
	assert_int_equal(f->posts.n, 9);
	assert_int_equal(calls, 7);
	assert_int_equal(
		sm_cadence_report_build(&f->rep, f->cfg, &o, &f->posts), 0);
	check_row(f, "instagram", "2026-W49", "3 1 0 2 short");
	check_row(f, "instagram", "2026-W50", "3 1 0 2 short"); /* draft */
	/* The shared post; the moved instance left, the cancelled post does
	 * not count. */
	check_row(f, "instagram", "2026-W51", "3 1 0 2 behind");
	/* The moved instance arrived, the cancelled one does not count. */
	check_row(f, "instagram", "2026-W52", "3 1 0 2 short");
	check_row(f, "instagram", "2026-W53", "3 1 1 2 short");
	/* The shared post and the all-day post; Jan 5 is outside. */
	check_row(f, "linkedin", "2026-12", "4 2 0 2 behind");
	check_row(f, "linkedin", "2027-01", "4 0 0 4 short");
	/* Without a done callback nothing is published. */
	sm_cadence_posts_free(&f->posts);
	sm_cadence_gather(&f->posts, f->cfg, &f->set, &opts, from, to, NULL,
			  NULL);
	sm_cadence_report_free(&f->rep);
	assert_int_equal(
		sm_cadence_report_build(&f->rep, f->cfg, &o, &f->posts), 0);
	check_row(f, "instagram", "2026-W53", "3 1 0 2 short");
	/* The types: the series is informative, its moved override has no
	 * type of its own. */
	size_t typed = 0;
	for (size_t i = 0; i < f->posts.n; i++)
		typed += f->posts.v[i].type != NULL;
	assert_int_equal(typed, 3);
}

/* Records, for each question, the index the occurrence then gets. */
struct asked {
	const struct sm_cadence_posts *l;
	size_t index[16];
	char rid[16][40];
	int n;
};

static int
record_index(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	struct asked *a = ctx;
	(void)calendar;
	(void)uid;
	assert_true(a->n < 16);
	a->index[a->n] = a->l->n;
	snprintf(a->rid[a->n], sizeof(a->rid[0]), "%s", rid);
	a->n++;
	return 0;
}

/* The done callback is asked just before its occurrence is appended: a
 * caller can answer later by index (the daemon's one-query done marks). */
static void
test_gather_asks_before_append(void **state)
{
	struct fx *f = *state;
	struct sm_occur_opts opts = {.zone = zone("Europe/Paris")};
	load_calendar(f,
		      LINES("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN",
			    "BEGIN:VEVENT", "UID:a", "DTSTART:20261201T080000Z",
			    "RRULE:FREQ=DAILY;COUNT=3",
			    "X-SMCAL-PLATFORM:instagram", "END:VEVENT",
			    "BEGIN:VEVENT", "UID:b", "DTSTART:20261201T090000Z",
			    "STATUS:CANCELLED", "X-SMCAL-PLATFORM:instagram",
			    "END:VEVENT", "BEGIN:VEVENT", "UID:c",
			    "DTSTART:20261202T100000Z",
			    "X-SMCAL-PLATFORM:instagram", "END:VEVENT",
			    "END:VCALENDAR"),
		      &opts);
	struct asked a = {.l = &f->posts};
	sm_cadence_gather(&f->posts, f->cfg, &f->set, &opts,
			  T("2026-11-30T00:00:00Z"), T("2026-12-07T00:00:00Z"),
			  record_index, &a);
	assert_int_equal(f->posts.n, 5);
	assert_int_equal(a.n, 4); /* not the cancelled one */
	/* Series by series, the same list. */
	struct sm_cadence_posts one = {0};
	for (size_t i = 0; i < f->set.n; i++)
		sm_cadence_gather_series(&one, f->cfg, &f->set.series[i], &opts,
					 T("2026-11-30T00:00:00Z"),
					 T("2026-12-07T00:00:00Z"), NULL, NULL);
	assert_int_equal(one.n, f->posts.n);
	for (size_t i = 0; i < one.n; i++)
		assert_int_equal(one.v[i].at, f->posts.v[i].at);
	sm_cadence_posts_free(&one);
	char buf[40];
	for (int i = 0; i < a.n; i++) {
		const struct sm_cadence_post *p = &f->posts.v[a.index[i]];
		assert_false(p->flags & SM_CADENCE_CANCELLED);
		assert_string_equal(fmt(p->at, buf), a.rid[i]);
		if (i > 0)
			assert_true(a.index[i] > a.index[i - 1]);
	}
}

static void
test_drafts_platforms_and_done(void **state)
{
	struct fx *f = *state;
	/* 2026-W50: a draft, a post on both platforms (once each), a
	 * cancelled post, a done post, a post on an unknown platform. */
	add(f, "2026-12-07T08:00:00Z", "instagram", NULL, SM_CADENCE_DRAFT);
	add(f, "2026-12-08T08:00:00Z", "Instagram,linkedin,instagram", NULL,
	    SM_CADENCE_DONE);
	add(f, "2026-12-09T08:00:00Z", "instagram", NULL, SM_CADENCE_CANCELLED);
	add(f, "2026-12-10T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-10T09:00:00Z", "mastodon", NULL, 0);
	build(f, SM_CADENCE_WEEK, 0, NULL, "2026-12-11T12:00:00Z");
	check_row(f, "instagram", "2026-W50", "3 3 2 0 ok");
	check_row(f, "linkedin", "2026-W50", "1 1 1 0 ok");
	assert_int_equal(f->posts.v[1].nplat, 2);
	assert_int_equal(f->posts.v[4].nplat, 0);
}

static void
test_behind_pro_rata(void **state)
{
	struct fx *f = *state;
	/* Three posts in 2026-W50 (Paris: Dec 6 23:00Z to Dec 13 23:00Z),
	 * the first one done. */
	add(f, "2026-12-07T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-09T08:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-11T08:00:00Z", "instagram", NULL, 0);
	build(f, SM_CADENCE_NONE, 0, "instagram", "2026-12-11T14:59:59Z");
	check_row(f, "instagram", "2026-W50", "3 3 1 0 ok");
	assert_int_equal(row(f, "instagram", "2026-W50")->expected, 1);
	/* Two of three are due after two thirds of the week. */
	build(f, SM_CADENCE_NONE, 0, "instagram", "2026-12-11T15:00:00Z");
	check_row(f, "instagram", "2026-W50", "3 3 1 0 behind");
	assert_int_equal(row(f, "instagram", "2026-W50")->expected, 2);
	/* Upcoming periods are never behind. */
	check_row(f, "instagram", "2026-W51", "3 0 0 3 short");
	/* Behind wins over short in the current period; the gap shows. */
	sm_cadence_posts_free(&f->posts);
	add(f, "2026-12-07T08:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-11T08:00:00Z", "instagram", NULL, 0);
	build(f, SM_CADENCE_NONE, 0, "instagram", "2026-12-09T06:59:59Z");
	check_row(f, "instagram", "2026-W50", "3 2 0 1 short");
	build(f, SM_CADENCE_NONE, 0, "instagram", "2026-12-09T07:00:00Z");
	check_row(f, "instagram", "2026-W50", "3 2 0 1 behind");
	/* A past period is short or ok, never behind. */
	build(f, SM_CADENCE_NONE, 1, "instagram", "2026-12-15T12:00:00Z");
	check_row(f, "instagram", "2026-W50", "3 2 0 1 short");
}

static void
test_month_plan_viewed_by_week(void **state)
{
	struct fx *f = *state;
	/* LinkedIn 4/month: a post in W49 (on Nov 30) and none in W50. */
	add(f, "2026-11-30T08:00:00Z", "linkedin", NULL, SM_CADENCE_DONE);
	build(f, SM_CADENCE_WEEK, 0, "linkedin", "2026-12-02T12:00:00Z");
	check_row(f, "linkedin", "2026-W49", "1 1 1 0 ok");
	check_row(f, "linkedin", "2026-W50", "1 0 0 1 short");
	/* By month, the post is November's. */
	build(f, SM_CADENCE_NONE, 1, "linkedin", "2026-12-02T12:00:00Z");
	check_row(f, "linkedin", "2026-11", "4 1 1 3 short");
	check_row(f, "linkedin", "2026-12", "4 0 0 4 short");
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void
test_row_json(void **state)
{
	struct fx *f = *state;
	add(f, "2026-12-07T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-08T08:00:00Z", "instagram", NULL, 0);
	build(f, SM_CADENCE_NONE, 0, "instagram", "2026-12-07T12:00:00Z");
	struct sm_jsonw w = {0};
	sm_cadence_row_json(&w, row(f, "instagram", "2026-W50"));
	sm_jsonw_raw(&w, "", 1);
	assert_string_equal(
		w.buf, "{\"platform\":\"instagram\",\"period\":\"2026-W50\","
		       "\"start\":\"2026-12-06T23:00:00Z\","
		       "\"end\":\"2026-12-13T23:00:00Z\",\"target\":3,"
		       "\"scheduled\":2,\"published\":1,\"gap\":1,"
		       "\"status\":\"short\"}");
	sm_jsonw_free(&w);
}

/* ------------------------------------------------------------------ */
/* Mix                                                                 */
/* ------------------------------------------------------------------ */

static void
check_mix(const struct fx *f, size_t i, const char *want)
{
	assert_true(i < f->rep.nmix);
	const struct sm_cadence_mix *m = &f->rep.mix[i];
	char got[96];
	snprintf(got, sizeof(got), "%s %d %.1f %d %+.1f", m->type, m->posts,
		 m->share, m->target, m->drift);
	if (strcmp(got, want) != 0)
		fail_msg("mix %zu: got \"%s\", expected \"%s\"", i, got, want);
}

static void
test_mix(void **state)
{
	struct fx *f = *state;
	/* Now: Wednesday of 2026-W50 in Paris; the window is W46 to W50,
	 * [Nov 9 00:00 CET, Dec 14 00:00 CET). */
	add(f, "2026-11-08T22:30:00Z", "instagram", "informative", 0); /* out */
	add(f, "2026-11-08T23:30:00Z", "instagram", "informative", 0);
	add(f, "2026-11-20T08:00:00Z", "linkedin", "Informative", 0);
	add(f, "2026-11-21T08:00:00Z", "instagram,linkedin", "informative", 0);
	add(f, "2026-12-13T22:00:00Z", "instagram", "informative", 0);
	add(f, "2026-12-13T23:00:00Z", "instagram", "offer", 0); /* out */
	add(f, "2026-12-01T08:00:00Z", "instagram", "inspiring", 0);
	add(f, "2026-12-02T08:00:00Z", "instagram", "inspiring",
	    SM_CADENCE_DRAFT);
	add(f, "2026-12-03T08:00:00Z", "instagram", "inspiring",
	    SM_CADENCE_CANCELLED);
	add(f, "2026-12-04T08:00:00Z", "linkedin", "offer", SM_CADENCE_DONE);
	add(f, "2026-12-05T08:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-06T08:00:00Z", "blog", NULL, 0);
	add(f, "2026-12-07T08:00:00Z", "instagram", "behind-the-scenes", 0);
	build(f, SM_CADENCE_NONE, 0, NULL, "2026-12-09T12:00:00Z");
	char a[40], b[40];
	assert_string_equal(fmt(f->rep.mix_from, a), "2026-11-08T23:00:00Z");
	assert_string_equal(fmt(f->rep.mix_to, b), "2026-12-13T23:00:00Z");
	assert_int_equal(f->rep.mix_posts, 10);
	assert_int_equal(f->rep.nmix, 6);
	check_mix(f, 0, "informative 4 40.0 40 +0.0");
	check_mix(f, 1, "inspiring 2 20.0 30 -10.0");
	check_mix(f, 2, "interactive 0 0.0 20 -20.0");
	check_mix(f, 3, "offer 1 10.0 10 +0.0");
	check_mix(f, 4, "behind-the-scenes 1 10.0 0 +10.0");
	check_mix(f, 5, "untyped 2 20.0 0 +20.0");
	struct sm_jsonw w = {0};
	sm_cadence_mix_json(&w, &f->rep, &f->rep.mix[1]);
	sm_jsonw_raw(&w, "", 1);
	assert_string_equal(w.buf, "{\"type\":\"inspiring\","
				   "\"from\":\"2026-11-08T23:00:00Z\","
				   "\"to\":\"2026-12-13T23:00:00Z\","
				   "\"posts\":2,\"share\":20.0,\"target\":30,"
				   "\"drift\":-10.0}");
	/* For one platform, only its posts. */
	build(f, SM_CADENCE_NONE, 0, "linkedin", "2026-12-09T12:00:00Z");
	assert_int_equal(f->rep.mix_posts, 3);
	check_mix(f, 0, "informative 2 66.7 40 +26.7");
	check_mix(f, 3, "offer 1 33.3 10 +23.3");
	/* A window without posts: shares and drifts are null in JSON. */
	build(f, SM_CADENCE_NONE, 0, NULL, "2027-06-09T12:00:00Z");
	assert_int_equal(f->rep.mix_posts, 0);
	sm_jsonw_reset(&w);
	sm_cadence_mix_json(&w, &f->rep, &f->rep.mix[0]);
	sm_jsonw_raw(&w, "", 1);
	assert_non_null(strstr(w.buf, "\"posts\":0,\"share\":null,"
				      "\"target\":40,\"drift\":null}"));
	sm_jsonw_free(&w);
}

static void
test_mix_without_targets(void **state)
{
	(void)state;
	struct sm_config *cfg =
		config_text_clean("[platform:x]\ncadence = 1/day\n"
				  "[cadence]\nmix_window = 0\n");
	struct sm_cadence_posts l = {0};
	const char *x[] = {"x"};
	sm_cadence_posts_add(&l, cfg, T("2026-12-07T08:00:00Z"), x, 1, "news",
			     0);
	sm_cadence_posts_add(&l, cfg, T("2026-12-06T08:00:00Z"), x, 1, "news",
			     0);
	sm_cadence_posts_add(&l, cfg, T("2026-12-08T08:00:00Z"), x, 1, NULL, 0);
	struct sm_cadence_report r = {0};
	struct sm_cadence_opts o = {.now = T("2026-12-09T12:00:00Z")};
	assert_int_equal(sm_cadence_report_build(&r, cfg, &o, &l), 0);
	/* The current UTC week only; no [mix]: no targets. */
	assert_int_equal(r.mix_posts, 2);
	assert_int_equal(r.nmix, 2);
	assert_string_equal(r.mix[0].type, "news");
	assert_int_equal(r.mix[0].target, -1);
	assert_string_equal(r.mix[1].type, "untyped");
	struct sm_jsonw w = {0};
	sm_cadence_mix_json(&w, &r, &r.mix[1]);
	sm_jsonw_raw(&w, "", 1);
	assert_non_null(strstr(w.buf, "\"posts\":1,\"share\":50.0,"
				      "\"target\":null,\"drift\":null}"));
	sm_jsonw_free(&w);
	/* Daily rows in UTC. */
	assert_string_equal(r.rows[0].period.label, "2026-12-09");
	sm_cadence_report_free(&r);
	sm_cadence_posts_free(&l);
	sm_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Guardrails                                                          */
/* ------------------------------------------------------------------ */

struct guards {
	char text[512];
};

static void
collect_guard(void *ctx, const struct sm_cadence_guard *g)
{
	struct guards *gs = ctx;
	char one[96];
	int y, m, d;
	sm_civil_ymd(g->day, &y, &m, &d);
	snprintf(one, sizeof(one), "%s %zu-%zu %04d-%02d-%02d %d\n",
		 g->kind == SM_GUARD_SPACING ? "spacing" : "cap", g->first,
		 g->second, y, m, d, g->count);
	strcat(gs->text, one);
}

static void
test_guardrails(void **state)
{
	(void)state;
	const struct sm_tz *z = zone("Europe/Paris");
	/* The 25-hour Sunday 2026-10-25 in Paris, then Monday. */
	const sm_time at[] = {
		T("2026-10-24T22:30:00Z"), /* Sun 00:30 CEST */
		T("2026-10-25T09:00:00Z"), /* 10:00 CET */
		T("2026-10-25T11:00:00Z"), /* 12:00, 2h after: too close */
		T("2026-10-25T22:30:00Z"), /* 23:30 */
		T("2026-10-25T23:10:00Z"), /* Mon 00:10, 40 min after */
		T("2026-10-26T03:10:00Z"), /* exactly 4h after: fine */
	};
	struct guards g = {{0}};
	size_t n =
		sm_cadence_guardrails(at, 6, 4 * 3600, 2, z, collect_guard, &g);
	assert_int_equal(n, 3);
	assert_string_equal(g.text, "spacing 1-2 2026-10-25 2\n"
				    "cap 0-3 2026-10-25 4\n"
				    "spacing 3-4 2026-10-26 2\n");
	/* In UTC days, 09:00Z to 23:10Z make four posts on Oct 25. */
	memset(&g, 0, sizeof(g));
	n = sm_cadence_guardrails(at, 6, 0, 4, NULL, collect_guard, &g);
	assert_int_equal(n, 0);
	n = sm_cadence_guardrails(at, 6, 0, 3, NULL, collect_guard, &g);
	assert_string_equal(g.text, "cap 1-4 2026-10-25 4\n");
	assert_int_equal(n, 1);
	/* Nothing checked without a spacing and a cap, or without posts. */
	assert_int_equal(sm_cadence_guardrails(at, 6, 0, 0, z, NULL, NULL), 0);
	assert_int_equal(sm_cadence_guardrails(at, 0, 3600, 1, z, NULL, NULL),
			 0);
	/* Equal instants are closer than any spacing. */
	const sm_time same[] = {100, 100};
	assert_int_equal(sm_cadence_guardrails(same, 2, 1, 0, z, NULL, NULL),
			 1);
}

static void
test_report_warnings(void **state)
{
	struct fx *f = *state;
	add(f, "2026-12-07T08:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-07T09:00:00Z", "instagram", NULL, SM_CADENCE_DRAFT);
	add(f, "2026-12-07T18:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-07T10:00:00Z", "instagram", NULL, SM_CADENCE_CANCELLED);
	/* Outside the report's span: not checked. */
	add(f, "2027-03-01T08:00:00Z", "instagram", NULL, 0);
	add(f, "2027-03-01T09:00:00Z", "instagram", NULL, 0);
	build(f, SM_CADENCE_NONE, 0, NULL, "2026-12-08T12:00:00Z");
	assert_int_equal(f->rep.nwarnings, 2);
	/* Only when asked for. */
	struct sm_cadence_report bare;
	struct sm_cadence_opts o = f->rep.opts;
	o.guardrails = 0;
	assert_int_equal(sm_cadence_report_build(&bare, f->cfg, &o, &f->posts),
			 0);
	assert_int_equal(bare.nwarnings, 0);
	assert_int_equal(bare.nrows, f->rep.nrows);
	sm_cadence_report_free(&bare);
	char buf[160];
	const struct sm_tz *z = zone("Europe/Paris");
	assert_string_equal(
		sm_cadence_warning_format(&f->rep.warnings[0], z, buf,
					  sizeof(buf)),
		"instagram: 2026-12-07 09:00 and 10:00 are 1h apart "
		"(min_spacing 4h)");
	assert_string_equal(sm_cadence_warning_format(&f->rep.warnings[1], z,
						      buf, sizeof(buf)),
			    "instagram: 3 posts on 2026-12-07 (daily_cap 2)");
}

/* ------------------------------------------------------------------ */
/* Alerts                                                              */
/* ------------------------------------------------------------------ */

static void
test_gap_state_machine(void **state)
{
	(void)state;
	struct sm_cadence_alert a = {0, 0};
	assert_int_equal(sm_cadence_gap_step(&a, 0), 0); /* ok: nothing */
	assert_int_equal(a.sent, 0);
	assert_int_equal(sm_cadence_gap_step(&a, 1), 1); /* fires once */
	assert_int_equal(sm_cadence_gap_step(&a, 1), 0); /* not again */
	assert_int_equal(sm_cadence_gap_step(&a, 1), 0);
	assert_int_equal(a.sent, 1);
	assert_int_equal(sm_cadence_gap_step(&a, 0), 0); /* recovers */
	assert_int_equal(a.recovered, 1);
	assert_int_equal(sm_cadence_gap_step(&a, 0), 0);
	assert_int_equal(sm_cadence_gap_step(&a, 1), 1); /* short again */
	assert_int_equal(a.sent, 2);
	assert_int_equal(a.recovered, 0);
	assert_int_equal(sm_cadence_gap_step(&a, 1), 0);
	/* The state survives a store as one integer. */
	struct sm_cadence_alert b;
	sm_cadence_alert_unpack(sm_cadence_alert_pack(&a), &b);
	assert_int_equal(b.sent, 2);
	assert_int_equal(b.recovered, 0);
	a.recovered = 1;
	sm_cadence_alert_unpack(sm_cadence_alert_pack(&a), &b);
	assert_int_equal(b.recovered, 1);
	sm_cadence_alert_unpack(0, &b);
	assert_int_equal(b.sent, 0);
	assert_int_equal(b.recovered, 0);
	/* Behind fires once per period, recovery or not. */
	struct sm_cadence_alert c = {0, 0};
	assert_int_equal(sm_cadence_behind_step(&c, 0), 0);
	assert_int_equal(sm_cadence_behind_step(&c, 1), 1);
	assert_int_equal(sm_cadence_behind_step(&c, 0), 0);
	assert_int_equal(sm_cadence_behind_step(&c, 1), 0);
}

/* A store of alert states: keys and packed values. */
struct kv {
	char key[16][SM_CADENCE_KEY_LEN];
	int64_t val[16];
	int n;
};

static void
kv_get(void *ctx, const char *key, struct sm_cadence_alert *st)
{
	struct kv *kv = ctx;
	for (int i = 0; i < kv->n; i++)
		if (strcmp(kv->key[i], key) == 0) {
			sm_cadence_alert_unpack(kv->val[i], st);
			return;
		}
	st->sent = st->recovered = 0;
}

static void
kv_put(struct kv *kv, const struct sm_cadence_due *d, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		int i;
		for (i = 0; i < kv->n; i++)
			if (strcmp(kv->key[i], d[j].key) == 0)
				break;
		if (i == kv->n) {
			assert_true(kv->n < 16);
			snprintf(kv->key[kv->n++], SM_CADENCE_KEY_LEN, "%s",
				 d[j].key);
		}
		kv->val[i] = sm_cadence_alert_pack(&d[j].state);
	}
}

/* Builds the plan-unit report at now and asks for its alerts. */
static size_t
alerts(struct fx *f, struct kv *kv, const char *now, sm_time *next)
{
	build(f, SM_CADENCE_NONE, 0, "instagram", now);
	free(f->due);
	f->due = NULL;
	return sm_cadence_alerts(&f->rep, kv_get, kv, &f->due, next);
}

static void
test_gap_alerts(void **state)
{
	struct fx *f = *state;
	struct kv kv = {.n = 0};
	sm_time next;
	char a[40];
	/* W49 (Nov 30 - Dec 6): three posts, all done, so never behind.
	 * W50 (from Dec 6 23:00Z): two posts, short; its notice is 3 days
	 * before, Dec 3 23:00Z.  W51 and after: nothing until a month later.
	 */
	add(f, "2026-11-30T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-01T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-02T08:00:00Z", "instagram", NULL, SM_CADENCE_DONE);
	add(f, "2026-12-08T08:00:00Z", "instagram", NULL, 0);
	add(f, "2026-12-09T08:00:00Z", "instagram", NULL, SM_CADENCE_DRAFT);
	for (int i = 0; i < 9; i++) {
		char at[32];
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 14 + i);
		add(f, at, "instagram", NULL, 0);
	}
	assert_int_equal(alerts(f, &kv, "2026-12-03T12:00:00Z", &next), 0);
	assert_string_equal(fmt(next, a), "2026-12-03T23:00:00Z");
	/* At the notice instant: cadence.gap for W50, once. */
	assert_int_equal(alerts(f, &kv, "2026-12-03T23:00:00Z", &next), 1);
	struct sm_cadence_due *d = &f->due[0];
	assert_int_equal(d->type, SM_EVENT_CADENCE_GAP);
	assert_int_equal(d->fire, 1);
	assert_string_equal(d->key, "cadence.gap:instagram:2026-W50");
	assert_string_equal(d->row->period.label, "2026-W50");
	assert_string_equal(fmt(d->at, a), "2026-12-03T23:00:00Z");
	assert_int_equal(d->lead, 3 * 86400);
	assert_int_equal(d->state.sent, 1);
	assert_int_equal(strlen(d->id), 36);
	assert_memory_equal(d->id, "evt_", 4);
	assert_null(strchr(d->id, '.'));
	char first_id[40];
	memcpy(first_id, d->id, sizeof(first_id));
	/* The answer changes next when W50 starts. */
	assert_string_equal(fmt(next, a), "2026-12-06T23:00:00Z");
	kv_put(&kv, f->due, 1);
	/* Not again, also after a restart (the states are in the store). */
	assert_int_equal(alerts(f, &kv, "2026-12-04T10:00:00Z", &next), 0);
	/* The missing post arrives: recovered, nothing fires. */
	add(f, "2026-12-10T08:00:00Z", "instagram", NULL, 0);
	assert_int_equal(alerts(f, &kv, "2026-12-05T10:00:00Z", &next), 1);
	assert_int_equal(f->due[0].fire, 0);
	assert_int_equal(f->due[0].state.recovered, 1);
	kv_put(&kv, f->due, 1);
	assert_int_equal(alerts(f, &kv, "2026-12-05T11:00:00Z", &next), 0);
	/* It is cancelled again: the gap fires again, with a new id. */
	f->posts.v[f->posts.n - 1].flags |= SM_CADENCE_CANCELLED;
	assert_int_equal(alerts(f, &kv, "2026-12-05T12:00:00Z", &next), 1);
	assert_int_equal(f->due[0].fire, 1);
	assert_int_equal(f->due[0].state.sent, 2);
	assert_string_not_equal(f->due[0].id, first_id);
	kv_put(&kv, f->due, 1);
	assert_int_equal(alerts(f, &kv, "2026-12-05T13:00:00Z", &next), 0);
	/* Once W50 has started, the gap is no longer due; W51 is fine and
	 * its successors are beyond lookahead's notice. */
	assert_int_equal(alerts(f, &kv, "2026-12-06T23:00:00Z", &next), 0);
}

static void
test_behind_alerts(void **state)
{
	struct fx *f = *state;
	struct kv kv = {.n = 0};
	sm_time next;
	char a[40];
	/* W50 has its three posts, none done; W51 and W52 are full too. */
	for (int i = 0; i < 3; i++) {
		char at[32];
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 7 + 2 * i);
		add(f, at, "instagram", NULL, 0);
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 14 + 2 * i);
		add(f, at, "instagram", NULL, 0);
		snprintf(at, sizeof(at), "2026-12-%02dT08:00:00Z", 21 + 2 * i);
		add(f, at, "instagram", NULL, 0);
	}
	/* Monday: not behind; the answer changes when the first post is due
	 * published (a third of the week), before any notice instant (W52's
	 * is Dec 17 23:00Z). */
	assert_int_equal(alerts(f, &kv, "2026-12-07T12:00:00Z", &next), 0);
	assert_string_equal(fmt(next, a), "2026-12-09T07:00:00Z");
	assert_int_equal(sm_cadence_short_platforms(&f->rep), 0);
	assert_int_equal(alerts(f, &kv, "2026-12-09T07:00:00Z", &next), 1);
	struct sm_cadence_due *d = &f->due[0];
	assert_int_equal(d->type, SM_EVENT_CADENCE_BEHIND);
	assert_int_equal(d->fire, 1);
	assert_string_equal(d->key, "cadence.behind:instagram:2026-W50");
	assert_string_equal(fmt(d->at, a), "2026-12-09T07:00:00Z");
	assert_int_equal(d->lead, 0);
	assert_string_equal(fmt(next, a), "2026-12-13T23:00:00Z");
	/* The event object (d and its row live until the next build). */
	struct sm_jsonw w = {0};
	sm_cadence_event_json(&w, d, T("2026-12-09T07:00:00Z") * 1000 + 250, 0);
	sm_jsonw_raw(&w, "", 1);
	char want[512];
	snprintf(want, sizeof(want),
		 "{\"type\":\"cadence.behind\",\"id\":\"%s\","
		 "\"scheduled_at\":\"2026-12-09T07:00:00.000Z\","
		 "\"fired_at\":\"2026-12-09T07:00:00.250Z\",\"late\":false,"
		 "\"lead_s\":0,\"cadence\":{\"platform\":\"instagram\","
		 "\"period\":\"2026-W50\",\"start\":\"2026-12-06T23:00:00Z\","
		 "\"end\":\"2026-12-13T23:00:00Z\",\"target\":3,"
		 "\"scheduled\":3,\"published\":0,\"gap\":0,"
		 "\"status\":\"behind\"}}",
		 d->id);
	assert_string_equal(w.buf, want);
	sm_jsonw_free(&w);
	kv_put(&kv, f->due, 1);
	/* Once per period: later and further behind, nothing. */
	assert_int_equal(alerts(f, &kv, "2026-12-12T07:00:00Z", &next), 0);
}

static void
test_alert_ids_and_next(void **state)
{
	struct fx *f = *state;
	struct kv kv = {.n = 0};
	sm_time next;
	char a[40];
	/* Nothing planned.  Tuesday noon of W49: not behind yet (a third of
	 * the week is Wednesday 07:00Z), W50's notice is Thursday 23:00Z. */
	assert_int_equal(alerts(f, &kv, "2026-12-01T12:00:00Z", &next), 0);
	assert_string_equal(fmt(next, a), "2026-12-02T07:00:00Z");
	/* Friday, the store empty (or the daemon down until now): W49 is
	 * behind and W50's gap is due since its notice instant (late). */
	assert_int_equal(alerts(f, &kv, "2026-12-04T12:00:00Z", &next), 2);
	assert_int_equal(f->due[0].type, SM_EVENT_CADENCE_BEHIND);
	assert_string_equal(f->due[0].row->period.label, "2026-W49");
	assert_string_equal(fmt(f->due[0].at, a), "2026-12-02T07:00:00Z");
	assert_int_equal(f->due[1].type, SM_EVENT_CADENCE_GAP);
	assert_string_equal(f->due[1].row->period.label, "2026-W50");
	assert_string_equal(fmt(f->due[1].at, a), "2026-12-03T23:00:00Z");
	assert_int_equal(f->due[1].lead, 3 * 86400);
	assert_string_not_equal(f->due[0].id, f->due[1].id);
	char id0[40], id1[40];
	memcpy(id0, f->due[0].id, sizeof(id0));
	memcpy(id1, f->due[1].id, sizeof(id1));
	/* Evaluated again without storing, the same alerts keep their ids:
	 * a crash between firing and storing refires with the same id. */
	assert_int_equal(alerts(f, &kv, "2026-12-04T13:00:00Z", &next), 2);
	assert_string_equal(f->due[0].id, id0);
	assert_string_equal(f->due[1].id, id1);
	kv_put(&kv, f->due, 2);
	assert_int_equal(alerts(f, &kv, "2026-12-04T14:00:00Z", &next), 0);
	/* Next: the end of W49. */
	assert_string_equal(fmt(next, a), "2026-12-06T23:00:00Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paris_dst_edges),
		cmocka_unit_test(test_new_york_dst_edges),
		cmocka_unit_test(test_iso_week_53_and_sunday_weeks),
		cmocka_unit_test(test_targets_prorated_by_days),
		cmocka_unit_test(test_expected_and_behind_at),
		cmocka_unit_test_setup_teardown(test_report_rows_and_offsets,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_monday_half_past_midnight_in_paris, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_gather_asks_before_append,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_series_from_a_calendar,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drafts_platforms_and_done,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_behind_pro_rata, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_month_plan_viewed_by_week,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_row_json, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_mix, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_mix_without_targets),
		cmocka_unit_test(test_guardrails),
		cmocka_unit_test_setup_teardown(test_report_warnings, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_gap_state_machine),
		cmocka_unit_test_setup_teardown(test_gap_alerts, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_behind_alerts, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_alert_ids_and_next,
						fx_setup, fx_teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sm_calendar_zones_cleanup();
	return rc;
}
