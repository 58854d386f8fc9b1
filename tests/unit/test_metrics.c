/*
 * Unit tests for lib/metrics (SPEC section 8): engagement from its parts,
 * rates with zero and missing denominators, the report by each grouping and
 * period in a zone (a post on two platforms counts for both), its JSON and
 * CSV lines, count cells as exports write them, column names, --map, the
 * header, publish times, and matching import rows to posts by id, URL and
 * time (within 30 minutes, ambiguous, unmatched, duplicate).
 *
 * Expected numbers are worked out by hand in the comments (Paris is CET,
 * UTC+1, in November and December 2026; 2026-11-30 is the Monday of ISO
 * week 2026-W49), never copied from the implementation.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "civil.h"
#include "diag.h"
#include "jsonw.h"
#include "kpi.h"
#include "metrics.h"

/* The first problem of that severity at that line whose message holds
 * needle, or NULL. */
static const struct sm_diag *
find(const struct sm_diag_list *dl, enum sm_severity sev, int line,
     const char *needle)
{
	for (size_t i = 0; i < dl->n; i++) {
		const struct sm_diag *d = &dl->items[i];
		if (d->severity == sev && d->line == line &&
		    strstr(d->message, needle))
			return d;
	}
	return NULL;
}

static void
expect_diag(const struct sm_diag_list *dl, enum sm_severity sev, int line,
	    const char *needle)
{
	if (find(dl, sev, line, needle))
		return;
	for (size_t i = 0; i < dl->n; i++)
		fprintf(stderr, "  %d: %s\n", dl->items[i].line,
			dl->items[i].message);
	fail_msg("no %s at line %d holding \"%s\"",
		 sev == SM_ERROR ? "error" : "warning", line, needle);
}

/* ------------------------------------------------------------------ */
/* Values and rates                                                    */
/* ------------------------------------------------------------------ */

static void
test_engagement_parts(void **state)
{
	struct sm_metric_values m = {0};
	int64_t v = -1;

	(void)state;
	assert_int_equal(sm_metric_get(&m, SM_KPI_ENGAGEMENT, &v), 0);
	sm_metric_set(&m, SM_KPI_LIKES, 50);
	sm_metric_set(&m, SM_KPI_COMMENTS, 7);
	sm_metric_set(&m, SM_KPI_SAVES, 3);
	/* 50 + 7 + 3: shares are missing, not zero. */
	assert_int_equal(sm_metric_get(&m, SM_KPI_ENGAGEMENT, &v), 1);
	assert_int_equal(v, 60);
	assert_int_equal(sm_metric_get(&m, SM_KPI_SHARES, &v), 0);
	/* A recorded engagement wins over the parts. */
	sm_metric_set(&m, SM_KPI_ENGAGEMENT, 75);
	assert_int_equal(sm_metric_get(&m, SM_KPI_ENGAGEMENT, &v), 1);
	assert_int_equal(v, 75);
	/* Followers are not a per-post metric. */
	sm_metric_set(&m, SM_KPI_FOLLOWERS, 9);
	assert_int_equal(sm_metric_get(&m, SM_KPI_FOLLOWERS, &v), 0);
}

static void
test_sums_saturate(void **state)
{
	/* The largest value a cell may hold, four parts of it and two posts:
	 * sums stop at INT64_MAX instead of wrapping to negative numbers. */
	const int64_t q = INT64_MAX / 4;
	struct sm_metric_values m = {0};
	struct sm_metric_sums s = {0};
	int64_t v = 0;
	double rate = -1;

	(void)state;
	sm_metric_set(&m, SM_KPI_LIKES, q);
	sm_metric_set(&m, SM_KPI_COMMENTS, q);
	sm_metric_set(&m, SM_KPI_SHARES, q);
	sm_metric_set(&m, SM_KPI_SAVES, q);
	sm_metric_set(&m, SM_KPI_REACH, q);
	assert_int_equal(sm_metric_get(&m, SM_KPI_ENGAGEMENT, &v), 1);
	assert_true(v >= 4 * (q - 1));
	sm_metric_sums_add(&s, &m);
	sm_metric_sums_add(&s, &m);
	assert_int_equal(sm_metric_sum(&s, SM_KPI_ENGAGEMENT, &v), 1);
	assert_true(v == INT64_MAX);
	assert_int_equal(sm_metric_sum(&s, SM_KPI_REACH, &v), 1);
	assert_true(v == 2 * q);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_ENGAGEMENT_RATE, &rate), 1);
	assert_true(rate > 0);
}

static void
test_rates_zero_denominators(void **state)
{
	struct sm_metric_sums s = {0};
	struct sm_metric_values a = {0}, b = {0}, c = {0};
	double r = -1;
	int64_t v;

	(void)state;
	/* Nothing at all: every rate is null. */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_ENGAGEMENT_RATE, &r), 0);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CTR, &r), 0);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CONVERSION_RATE, &r), 0);
	assert_int_equal(sm_metric_sum(&s, SM_KPI_REACH, &v), 0);

	/* Zero denominators: reach 0, impressions 0, clicks 0. */
	sm_metric_set(&a, SM_KPI_ENGAGEMENT, 5);
	sm_metric_set(&a, SM_KPI_REACH, 0);
	sm_metric_set(&a, SM_KPI_IMPRESSIONS, 0);
	sm_metric_set(&a, SM_KPI_CLICKS, 0);
	sm_metric_set(&a, SM_KPI_CONVERSIONS, 0);
	sm_metric_sums_add(&s, &a);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_ENGAGEMENT_RATE, &r), 0);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CTR, &r), 0);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CONVERSION_RATE, &r), 0);
	/* The sums themselves are known zeros, not null. */
	assert_int_equal(sm_metric_sum(&s, SM_KPI_REACH, &v), 1);
	assert_int_equal(v, 0);

	/* b: no reach, so its engagement rate uses impressions (30 / 600);
	 * no clicks, so it is out of the conversion rate. */
	sm_metric_set(&b, SM_KPI_ENGAGEMENT, 30);
	sm_metric_set(&b, SM_KPI_IMPRESSIONS, 600);
	sm_metric_set(&b, SM_KPI_CONVERSIONS, 4);
	sm_metric_sums_add(&s, &b);
	/* (5 + 30) / (0 + 600) */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_ENGAGEMENT_RATE, &r), 1);
	assert_near(r, 35.0 / 600);
	/* c: no impressions, so its CTR uses reach (8 / 400); clicks 8 and
	 * conversions 2. */
	sm_metric_set(&c, SM_KPI_REACH, 400);
	sm_metric_set(&c, SM_KPI_CLICKS, 8);
	sm_metric_set(&c, SM_KPI_CONVERSIONS, 2);
	sm_metric_sums_add(&s, &c);
	/* c has no engagement: the engagement rate is unchanged. */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_ENGAGEMENT_RATE, &r), 1);
	assert_near(r, 35.0 / 600);
	/* CTR: a 0 / 0 (impressions 0), b has no clicks, c 8 / 400. */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CTR, &r), 1);
	assert_near(r, 8.0 / 400);
	/* Conversion rate: a 0 / 0, c 2 / 8; b has no clicks. */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_CONVERSION_RATE, &r), 1);
	assert_near(r, 2.0 / 8);
	assert_int_equal(s.posts, 3);
	assert_int_equal(sm_metric_sum(&s, SM_KPI_CONVERSIONS, &v), 1);
	assert_int_equal(v, 6);
	/* Not rates. */
	assert_int_equal(sm_metric_rate(&s, SM_KPI_REACH, &r), 0);
	assert_int_equal(sm_metric_rate(&s, SM_KPI_POSTS, &r), 0);
}

static void
test_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(sm_metric_format(1200, b, sizeof(b)), "1200");
	assert_string_equal(sm_metric_format(0, b, sizeof(b)), "0");
	assert_string_equal(sm_metric_format(0.07083333, b, sizeof(b)),
			    "0.070833");
	assert_string_equal(sm_metric_format(0.5, b, sizeof(b)), "0.5");
	assert_string_equal(sm_metric_format(-2.25, b, sizeof(b)), "-2.25");
	assert_string_equal(sm_metric_format(1100.0000001, b, sizeof(b)),
			    "1100");
	assert_string_equal(sm_metric_format(-0.0000001, b, sizeof(b)), "0");
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

static const char *const IG_FB[] = {"instagram", "Facebook"};
static const char *const IG[] = {"instagram"};
static const char *const IG_TWICE[] = {"instagram", "Instagram"};
static const char *const FB[] = {"facebook"};

/*
 * a: Monday 2026-11-30 00:30 in Paris (Sunday in UTC): week W49, on
 *    instagram and facebook; reach 1000, impressions 1500, engagement 80,
 *    clicks 20, conversions 2.
 * b: W49, instagram (listed twice); impressions 2000, no reach, likes 50 +
 *    comments 10 = engagement 60, clicks 0.
 * c: W50, facebook; reach 500, engagement 0, clicks 5, conversions 0.
 * d: W50, instagram; nothing recorded.
 * e: Monday 2026-12-14 01:00 Paris, W51: after the range.
 * f: Sunday 2026-11-29 23:59 Paris, W48: before the range.
 */
static void
make_posts(struct sm_metrics_post *p)
{
	memset(p, 0, 6 * sizeof(*p));
	p[0] = (struct sm_metrics_post){.id = "a",
					.title = "A",
					.at = utc("2026-11-29T23:30:00Z"),
					.platforms = IG_FB,
					.nplatforms = 2,
					.type = "informative",
					.persona = "parents",
					.campaign = "xmas"};
	sm_metric_set(&p[0].values, SM_KPI_REACH, 1000);
	sm_metric_set(&p[0].values, SM_KPI_IMPRESSIONS, 1500);
	sm_metric_set(&p[0].values, SM_KPI_ENGAGEMENT, 80);
	sm_metric_set(&p[0].values, SM_KPI_CLICKS, 20);
	sm_metric_set(&p[0].values, SM_KPI_CONVERSIONS, 2);
	p[1] = (struct sm_metrics_post){.id = "b",
					.recurrence_id = "2026-12-02T10:00:00Z",
					.title = "B",
					.at = utc("2026-12-02T10:00:00Z"),
					.platforms = IG_TWICE,
					.nplatforms = 2,
					.type = "inspiring",
					.campaign = "xmas"};
	sm_metric_set(&p[1].values, SM_KPI_IMPRESSIONS, 2000);
	sm_metric_set(&p[1].values, SM_KPI_LIKES, 50);
	sm_metric_set(&p[1].values, SM_KPI_COMMENTS, 10);
	sm_metric_set(&p[1].values, SM_KPI_CLICKS, 0);
	p[2] = (struct sm_metrics_post){.id = "c",
					.title = "C",
					.at = utc("2026-12-08T12:00:00Z"),
					.platforms = FB,
					.nplatforms = 1,
					.type = "informative"};
	sm_metric_set(&p[2].values, SM_KPI_REACH, 500);
	sm_metric_set(&p[2].values, SM_KPI_ENGAGEMENT, 0);
	sm_metric_set(&p[2].values, SM_KPI_CLICKS, 5);
	sm_metric_set(&p[2].values, SM_KPI_CONVERSIONS, 0);
	p[3] = (struct sm_metrics_post){.id = "d",
					.at = utc("2026-12-09T08:00:00Z"),
					.platforms = IG,
					.nplatforms = 1};
	p[4] = (struct sm_metrics_post){.id = "e",
					.at = utc("2026-12-14T00:00:00Z"),
					.platforms = IG,
					.nplatforms = 1};
	sm_metric_set(&p[4].values, SM_KPI_ENGAGEMENT, 1000);
	p[5] = (struct sm_metrics_post){.id = "f",
					.at = utc("2026-11-29T22:59:00Z"),
					.platforms = IG,
					.nplatforms = 1};
	sm_metric_set(&p[5].values, SM_KPI_ENGAGEMENT, 1000);
}

static struct sm_metrics_opts
weeks(enum sm_metrics_by by)
{
	struct sm_metrics_opts o = {
		.zone = paris(),
		.week_start = 0,
		.unit = SM_CADENCE_WEEK,
		.by = by,
		.from = utc("2026-11-29T23:00:00Z"), /* Mon 30 Nov, Paris */
		.to = utc("2026-12-13T23:00:00Z"),   /* Mon 14 Dec */
		.nbest = 3,
	};
	return o;
}

static const struct sm_metrics_row *
row_of(const struct sm_metrics_report *r, const char *group, const char *label)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct sm_metrics_row *row = &r->rows[i];
		if (((!group && !row->group) ||
		     (group && row->group && strcmp(group, row->group) == 0)) &&
		    strcmp(row->period.label, label) == 0)
			return row;
	}
	fail_msg("no row %s %s", group ? group : "(null)", label);
	return NULL;
}

static int64_t
sum(const struct sm_metrics_row *row, enum sm_kpi k)
{
	int64_t v;
	if (!sm_metric_sum(&row->sums, k, &v))
		return -1; /* null */
	return v;
}

static void
test_report_by_platform(void **state)
{
	static const char *const order[] = {"instagram", "facebook",
					    "linkedin"};
	struct sm_metrics_post p[6];
	struct sm_metrics_report r;
	struct sm_metrics_opts o = weeks(SM_METRICS_BY_PLATFORM);
	const struct sm_metrics_row *row;
	double rate;

	(void)state;
	make_posts(p);
	o.order = order;
	o.norder = 3;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	/* instagram, facebook, linkedin (no post, but configured) x W49,
	 * W50. */
	assert_int_equal(r.ngroups, 3);
	assert_int_equal(r.nperiods, 2);
	assert_int_equal(r.nrows, 6);
	assert_string_equal(r.rows[0].group, "instagram");
	assert_string_equal(r.rows[0].period.label, "2026-W49");
	assert_string_equal(r.rows[1].period.label, "2026-W50");
	assert_string_equal(r.rows[2].group, "facebook");
	assert_string_equal(r.rows[4].group, "linkedin");
	assert_int_equal(r.rows[0].period.start, utc("2026-11-29T23:00:00Z"));
	assert_int_equal(r.rows[0].period.end, utc("2026-12-06T23:00:00Z"));

	/* instagram W49: a and b (b once although listed twice). */
	row = row_of(&r, "instagram", "2026-W49");
	assert_int_equal(row->sums.posts, 2);
	assert_int_equal(sum(row, SM_KPI_IMPRESSIONS), 3500);
	assert_int_equal(sum(row, SM_KPI_REACH), 1000);
	assert_int_equal(sum(row, SM_KPI_ENGAGEMENT), 140);
	assert_int_equal(sum(row, SM_KPI_CLICKS), 20);
	assert_int_equal(sum(row, SM_KPI_CONVERSIONS), 2);
	/* a: 80 / reach 1000, b: 60 / impressions 2000. */
	assert_int_equal(
		sm_metric_rate(&row->sums, SM_KPI_ENGAGEMENT_RATE, &rate), 1);
	assert_near(rate, 140.0 / 3000);
	/* CTR: (20 + 0) / (1500 + 2000). */
	assert_int_equal(sm_metric_rate(&row->sums, SM_KPI_CTR, &rate), 1);
	assert_near(rate, 20.0 / 3500);
	/* Conversion rate: only a has both, 2 / 20. */
	assert_int_equal(
		sm_metric_rate(&row->sums, SM_KPI_CONVERSION_RATE, &rate), 1);
	assert_near(rate, 0.1);
	assert_int_equal(row->nbest, 2);
	assert_string_equal(row->best[0]->id, "a");
	assert_string_equal(row->best[1]->id, "b");

	/* instagram W50: d, nothing recorded: every sum and rate null. */
	row = row_of(&r, "instagram", "2026-W50");
	assert_int_equal(row->sums.posts, 1);
	assert_int_equal(sum(row, SM_KPI_REACH), -1);
	assert_int_equal(sum(row, SM_KPI_ENGAGEMENT), -1);
	assert_int_equal(sm_metric_rate(&row->sums, SM_KPI_CTR, &rate), 0);
	assert_int_equal(row->nbest, 0);

	/* facebook W49: a counts for facebook too. */
	row = row_of(&r, "facebook", "2026-W49");
	assert_int_equal(row->sums.posts, 1);
	assert_int_equal(sum(row, SM_KPI_ENGAGEMENT), 80);
	/* facebook W50: c; CTR over reach since impressions are missing. */
	row = row_of(&r, "facebook", "2026-W50");
	assert_int_equal(row->sums.posts, 1);
	assert_int_equal(sum(row, SM_KPI_IMPRESSIONS), -1);
	assert_int_equal(sm_metric_rate(&row->sums, SM_KPI_CTR, &rate), 1);
	assert_near(rate, 0.01);
	assert_int_equal(
		sm_metric_rate(&row->sums, SM_KPI_ENGAGEMENT_RATE, &rate), 1);
	assert_near(rate, 0);

	/* linkedin: zeros. */
	row = row_of(&r, "linkedin", "2026-W50");
	assert_int_equal(row->sums.posts, 0);
	assert_int_equal(sum(row, SM_KPI_REACH), -1);
	sm_metrics_report_free(&r);
	sm_metrics_report_free(&r); /* a zeroed report */
}

static void
test_report_by_type_persona_campaign(void **state)
{
	struct sm_metrics_post p[6];
	struct sm_metrics_report r;
	struct sm_metrics_opts o = weeks(SM_METRICS_BY_TYPE);
	const struct sm_metrics_row *row;

	(void)state;
	make_posts(p);
	/* Types by name, the untyped (null) group last. */
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.ngroups, 3);
	assert_string_equal(r.rows[0].group, "informative");
	assert_string_equal(r.rows[2].group, "inspiring");
	assert_null(r.rows[4].group);
	assert_int_equal(row_of(&r, "informative", "2026-W49")->sums.posts, 1);
	assert_int_equal(row_of(&r, "informative", "2026-W50")->sums.posts, 1);
	assert_int_equal(
		sum(row_of(&r, "inspiring", "2026-W49"), SM_KPI_ENGAGEMENT),
		60);
	assert_int_equal(row_of(&r, NULL, "2026-W50")->sums.posts, 1);
	sm_metrics_report_free(&r);

	o.by = SM_METRICS_BY_PERSONA;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.ngroups, 2);
	assert_int_equal(row_of(&r, "parents", "2026-W49")->sums.posts, 1);
	assert_int_equal(row_of(&r, NULL, "2026-W49")->sums.posts, 1);
	assert_int_equal(row_of(&r, NULL, "2026-W50")->sums.posts, 2);
	sm_metrics_report_free(&r);

	o.by = SM_METRICS_BY_CAMPAIGN;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.ngroups, 2);
	row = row_of(&r, "xmas", "2026-W49");
	assert_int_equal(row->sums.posts, 2);
	assert_int_equal(sum(row, SM_KPI_IMPRESSIONS), 3500);
	assert_int_equal(row_of(&r, "xmas", "2026-W50")->sums.posts, 0);
	assert_int_equal(row_of(&r, NULL, "2026-W50")->sums.posts, 2);
	sm_metrics_report_free(&r);

	/* No grouping: one group; every post once per period. */
	o.by = SM_METRICS_BY_NONE;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.ngroups, 1);
	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.rows[0].sums.posts, 2);
	assert_int_equal(r.rows[1].sums.posts, 2);
	sm_metrics_report_free(&r);
}

static void
test_report_periods(void **state)
{
	struct sm_metrics_post p[6];
	struct sm_metrics_report r;
	struct sm_metrics_opts o = weeks(SM_METRICS_BY_NONE);

	(void)state;
	make_posts(p);
	/* Months of Paris: November holds f (Sun 29, 23:59) and a (Mon 30,
	 * 00:30); December the rest, e included. */
	o.unit = SM_CADENCE_MONTH;
	o.from = utc("2026-10-31T23:00:00Z");
	o.to = utc("2026-12-31T23:00:00Z");
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].period.label, "2026-11");
	assert_int_equal(r.rows[0].sums.posts, 2);
	assert_string_equal(r.rows[1].period.label, "2026-12");
	assert_int_equal(r.rows[1].sums.posts, 4);
	/* Best of December: e (1000), b (60), c (0); d has no engagement. */
	assert_int_equal(r.rows[1].nbest, 3);
	assert_string_equal(r.rows[1].best[0]->id, "e");
	assert_string_equal(r.rows[1].best[1]->id, "b");
	assert_string_equal(r.rows[1].best[2]->id, "c");
	sm_metrics_report_free(&r);

	/* One period for the whole range, and one best post. */
	o.unit = SM_CADENCE_NONE;
	o.nbest = 1;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(r.rows[0].period.label, "all");
	assert_int_equal(r.rows[0].period.start, o.from);
	assert_int_equal(r.rows[0].period.end, o.to);
	assert_int_equal(r.rows[0].sums.posts, 6);
	assert_int_equal(r.rows[0].nbest, 1);
	/* e and f tie at 1000: the earlier, f, wins. */
	assert_string_equal(r.rows[0].best[0]->id, "f");
	sm_metrics_report_free(&r);

	/* An empty range. */
	o.to = o.from;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), -1);
	assert_int_equal(r.nrows, 0);

	/* Too many rows: a century of days is refused; so are 200,000 days of
	 * two groups, but not 100,000 days of one. */
	o.unit = SM_CADENCE_DAY;
	o.from = utc("1950-01-01T00:00:00Z");
	o.to = utc("2500-01-01T00:00:00Z");
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), -1);
	o.zone = NULL;
	o.to = o.from + (sm_time)SM_METRICS_MAX_ROWS * SM_DAY;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	assert_int_equal(r.nrows, SM_METRICS_MAX_ROWS);
	sm_metrics_report_free(&r);
	o.by = SM_METRICS_BY_TYPE; /* three groups */
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), -1);
	assert_int_equal(r.nrows, 0);
	/* By platform too (posts on a platform not in the order, and a post
	 * on none, add groups past the limit): refused, not written past the
	 * groups. */
	o.by = SM_METRICS_BY_PLATFORM;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), -1);
	assert_int_equal(r.nrows, 0);
	p[0].nplatforms = 0;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), -1);
	assert_int_equal(r.nrows, 0);
}

static void
test_report_json_csv(void **state)
{
	static const char *const order[] = {"instagram", "facebook"};
	struct sm_metrics_post p[6];
	struct sm_metrics_report r;
	struct sm_metrics_opts o = weeks(SM_METRICS_BY_PLATFORM);
	struct sm_jsonw w = {0};

	(void)state;
	make_posts(p);
	o.order = order;
	o.norder = 2;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	sm_metrics_row_json(&w, &r, row_of(&r, "facebook", "2026-W50"));
	assert_string_equal(
		w.buf,
		"{\"platform\":\"facebook\",\"period\":\"2026-W50\","
		"\"start\":\"2026-12-06T23:00:00Z\","
		"\"end\":\"2026-12-13T23:00:00Z\",\"posts_published\":1,"
		"\"impressions\":null,\"reach\":500,\"engagement\":0,"
		"\"engagement_rate\":0,\"clicks\":5,\"ctr\":0.01,"
		"\"conversions\":0,\"best_posts\":[{\"id\":\"c\","
		"\"title\":\"C\",\"engagement\":0,\"engagement_rate\":0}]}");
	sm_jsonw_reset(&w);
	sm_metrics_row_json(&w, &r, row_of(&r, "instagram", "2026-W49"));
	/* 140 / 3000 = 0.0466666..., 20 / 3500 = 0.0057142... */
	assert_string_equal(
		w.buf,
		"{\"platform\":\"instagram\",\"period\":\"2026-W49\","
		"\"start\":\"2026-11-29T23:00:00Z\","
		"\"end\":\"2026-12-06T23:00:00Z\",\"posts_published\":2,"
		"\"impressions\":3500,\"reach\":1000,\"engagement\":140,"
		"\"engagement_rate\":0.046667,\"clicks\":20,\"ctr\":0.005714,"
		"\"conversions\":2,\"best_posts\":[{\"id\":\"a\","
		"\"title\":\"A\",\"engagement\":80,\"engagement_rate\":0.08},"
		"{\"id\":\"b\",\"recurrence_id\":\"2026-12-02T10:00:00Z\","
		"\"title\":\"B\",\"engagement\":60,"
		"\"engagement_rate\":0.03}]}");

	sm_jsonw_reset(&w);
	sm_metrics_csv_header(&w, &r);
	sm_metrics_row_csv(&w, &r, row_of(&r, "instagram", "2026-W49"));
	sm_metrics_row_csv(&w, &r, row_of(&r, "instagram", "2026-W50"));
	assert_string_equal(
		w.buf,
		"platform,period,start,end,posts_published,impressions,reach,"
		"engagement,engagement_rate,clicks,ctr,conversions,"
		"best_posts\r\n"
		"instagram,2026-W49,2026-11-29T23:00:00Z,2026-12-06T23:00:00Z,"
		"2,3500,1000,140,0.046667,20,0.005714,2,a b\r\n"
		"instagram,2026-W50,2026-12-06T23:00:00Z,2026-12-13T23:00:00Z,"
		"1,,,,,,,,\r\n");
	sm_metrics_report_free(&r);

	/* Without grouping there is no group column; a group with a comma
	 * is quoted. */
	static const char *const odd[] = {"a, \"b\""};
	p[0].campaign = odd[0];
	o.by = SM_METRICS_BY_CAMPAIGN;
	o.norder = 0;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	sm_jsonw_reset(&w);
	sm_metrics_row_csv(&w, &r, &r.rows[0]);
	assert_non_null(strstr(w.buf, "\"a, \"\"b\"\"\",2026-W49,"));
	sm_metrics_report_free(&r);
	o.by = SM_METRICS_BY_NONE;
	assert_int_equal(sm_metrics_report_build(&r, &o, p, 6), 0);
	sm_jsonw_reset(&w);
	sm_metrics_csv_header(&w, &r);
	assert_string_equal(w.buf,
			    "period,start,end,posts_published,impressions,"
			    "reach,engagement,engagement_rate,clicks,ctr,"
			    "conversions,best_posts\r\n");
	sm_jsonw_reset(&w);
	sm_metrics_row_json(&w, &r, &r.rows[0]);
	assert_true(strncmp(w.buf, "{\"period\":\"2026-W49\",", 21) == 0);
	sm_metrics_report_free(&r);
	sm_jsonw_free(&w);

	assert_int_equal(sm_metrics_by_parse("Campaign"),
			 SM_METRICS_BY_CAMPAIGN);
	assert_int_equal(sm_metrics_by_parse("platform"),
			 SM_METRICS_BY_PLATFORM);
	assert_int_equal(sm_metrics_by_parse("channel"), -1);
}

/* ------------------------------------------------------------------ */
/* Import: cells, names, map, header, times                            */
/* ------------------------------------------------------------------ */

static void
test_names(void **state)
{
	struct sm_metrics_column c;

	(void)state;
	assert_int_equal(sm_metrics_field_parse("ID", &c), 0);
	assert_int_equal(c.field, SM_FIELD_ID);
	assert_int_equal(sm_metrics_field_parse("Post URL", &c), 0);
	assert_int_equal(c.field, SM_FIELD_URL);
	assert_int_equal(sm_metrics_field_parse("Permalink", &c), 0);
	assert_int_equal(c.field, SM_FIELD_URL);
	assert_int_equal(sm_metrics_field_parse("link", &c), 0);
	assert_int_equal(c.field, SM_FIELD_URL);
	assert_int_equal(sm_metrics_field_parse("Publish time", &c), 0);
	assert_int_equal(c.field, SM_FIELD_PUBLISHED_AT);
	assert_int_equal(sm_metrics_field_parse("published at", &c), 0);
	assert_int_equal(c.field, SM_FIELD_PUBLISHED_AT);
	assert_int_equal(sm_metrics_field_parse("DATE", &c), 0);
	assert_int_equal(c.field, SM_FIELD_PUBLISHED_AT);
	assert_int_equal(sm_metrics_field_parse("Impressions", &c), 0);
	assert_int_equal(c.field, SM_FIELD_METRIC);
	assert_int_equal(c.kpi, SM_KPI_IMPRESSIONS);
	assert_int_equal(sm_metrics_field_parse("Engagements", &c), 0);
	assert_int_equal(c.kpi, SM_KPI_ENGAGEMENT);
	assert_int_equal(sm_metrics_field_parse("Link clicks", &c), 0);
	assert_int_equal(c.kpi, SM_KPI_CLICKS);
	assert_int_equal(sm_metrics_field_parse("  Saves ", &c), 0);
	assert_int_equal(c.kpi, SM_KPI_SAVES);
	assert_int_equal(sm_metrics_field_parse("Followers", &c), 0);
	assert_int_equal(c.kpi, SM_KPI_FOLLOWERS);
	assert_int_equal(sm_metrics_field_parse("Views", &c), -1);
	assert_int_equal(sm_metrics_field_parse("engagement_rate", &c), -1);
	assert_int_equal(sm_metrics_field_parse("Post ID", &c), -1);
}

static void
test_map(void **state)
{
	struct sm_metrics_map m = {0};
	char err[256];

	(void)state;
	assert_int_equal(sm_metrics_map_parse("Views=impressions, Total "
					      "interactions = engagement",
					      &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].column, "Views");
	assert_int_equal(m.v[0].to.field, SM_FIELD_METRIC);
	assert_int_equal(m.v[0].to.kpi, SM_KPI_IMPRESSIONS);
	assert_string_equal(m.v[1].column, "Total interactions");
	assert_int_equal(m.v[1].to.kpi, SM_KPI_ENGAGEMENT);
	/* Repeated --map options add up; the last '=' splits. */
	assert_int_equal(sm_metrics_map_parse("a=b=Link Clicks,Date=ignore,"
					      "Post ID=id",
					      &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.n, 5);
	assert_string_equal(m.v[2].column, "a=b");
	assert_int_equal(m.v[2].to.kpi, SM_KPI_CLICKS);
	assert_int_equal(m.v[3].to.field, SM_FIELD_IGNORE);
	assert_int_equal(m.v[4].to.field, SM_FIELD_ID);

	/* Errors leave the map as it was. */
	assert_int_equal(
		sm_metrics_map_parse("x=reach,Views", &m, err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "--map \"Views\": expected COLUMN=FIELD"));
	assert_int_equal(m.n, 5);
	assert_int_equal(
		sm_metrics_map_parse("Views=views", &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown field views; expected one of id, "
				    "url, published_at, impressions"));
	assert_int_equal(sm_metrics_map_parse("=reach", &m, err, sizeof(err)),
			 -1);
	assert_int_equal(sm_metrics_map_parse("Views=", &m, err, sizeof(err)),
			 -1);
	assert_int_equal(
		sm_metrics_map_parse("a=reach,,b=clicks", &m, err, sizeof(err)),
		-1);
	assert_int_equal(m.n, 5);
	sm_metrics_map_free(&m);
	assert_int_equal(m.n, 0);
}

static void
test_header(void **state)
{
	struct sm_metrics_header h;
	struct sm_diag_list dl = {0};
	struct sm_metrics_map m = {0};
	char err[256];

	(void)state;
	{
		const char *names[] = {"Permalink", "Publish time",
				       "Reach",	    "Likes",
				       "Post ID",   "Link Clicks"};
		assert_int_equal(sm_metrics_header_read(&h, names, 6, 1, NULL,
							"x.csv", &dl),
				 0);
		assert_int_equal(h.url, 0);
		assert_int_equal(h.published_at, 1);
		assert_int_equal(h.id, -1);
		assert_int_equal(h.metric[SM_KPI_REACH], 2);
		assert_int_equal(h.metric[SM_KPI_LIKES], 3);
		assert_int_equal(h.metric[SM_KPI_CLICKS], 5);
		assert_int_equal(h.metric[SM_KPI_IMPRESSIONS], -1);
		assert_int_equal(h.nmetrics, 3);
		assert_int_equal(h.cols[4].field, SM_FIELD_NONE);
		assert_int_equal(dl.nerrors, 0);
		expect_diag(&dl, SM_WARNING, 1, "columns ignored: \"Post ID\"");
		sm_metrics_header_free(&h);
		sm_diag_clear(&dl);
	}
	{
		/* Two columns for one field, unless the map settles it. */
		const char *names[] = {"Date", "Publish time", "Reach"};
		assert_int_equal(sm_metrics_header_read(&h, names, 3, 2, NULL,
							"x.csv", &dl),
				 -1);
		expect_diag(&dl, SM_ERROR, 2,
			    "columns \"Date\" (1) and \"Publish time\" (2) "
			    "both hold published_at");
		sm_metrics_header_free(&h);
		sm_diag_clear(&dl);
		assert_int_equal(sm_metrics_map_parse("date=ignore", &m, err,
						      sizeof(err)),
				 0);
		assert_int_equal(sm_metrics_header_read(&h, names, 3, 2, &m,
							"x.csv", &dl),
				 0);
		assert_int_equal(h.published_at, 1);
		assert_int_equal(dl.n, 0);
		sm_metrics_header_free(&h);
		sm_metrics_map_free(&m);
	}
	{
		/* A map entry wins over the name, and names a missing column. */
		const char *names[] = {"Views", "Reach", "URL"};
		assert_int_equal(sm_metrics_map_parse("views=impressions,"
						      "Reach=ignore,Clicks "
						      "total=clicks",
						      &m, err, sizeof(err)),
				 0);
		assert_int_equal(sm_metrics_header_read(&h, names, 3, 1, &m,
							"x.csv", &dl),
				 -1);
		expect_diag(&dl, SM_ERROR, 1,
			    "--map Clicks total=clicks: the header has no "
			    "column Clicks total");
		assert_int_equal(h.metric[SM_KPI_IMPRESSIONS], 0);
		assert_int_equal(h.metric[SM_KPI_REACH], -1);
		assert_int_equal(dl.nerrors, 1);
		sm_metrics_header_free(&h);
		sm_metrics_map_free(&m);
		sm_diag_clear(&dl);
	}
	{
		const char *names[] = {"id", "Title"};
		assert_int_equal(sm_metrics_header_read(&h, names, 2, 1, NULL,
							"x.csv", &dl),
				 -1);
		expect_diag(&dl, SM_ERROR, 1, "no metric column");
		sm_metrics_header_free(&h);
		sm_diag_clear(&dl);
	}
	{
		/* Metrics per post need a way to find the post; followers
		 * need a day. */
		const char *names[] = {"Reach", "Followers"};
		assert_int_equal(sm_metrics_header_read(&h, names, 2, 1, NULL,
							"x.csv", &dl),
				 -1);
		expect_diag(&dl, SM_ERROR, 1,
			    "no column tells which post a row is about");
		expect_diag(&dl, SM_ERROR, 1,
			    "a followers column needs the day");
		sm_metrics_header_free(&h);
		sm_diag_clear(&dl);
	}
	{
		/* Followers alone need no post column. */
		const char *names[] = {"Date", "Followers"};
		assert_int_equal(sm_metrics_header_read(&h, names, 2, 1, NULL,
							"x.csv", &dl),
				 0);
		assert_int_equal(h.metric[SM_KPI_NPOST], 1);
		sm_metrics_header_free(&h);
		sm_diag_clear(&dl);
	}
}

static void
test_when(void **state)
{
	sm_time t;
	int d;

	(void)state;
	assert_int_equal(
		sm_metrics_parse_when("2026-12-01T08:00:00Z", paris(), &t, &d),
		0);
	assert_int_equal(t, utc("2026-12-01T08:00:00Z"));
	assert_int_equal(d, 0);
	assert_int_equal(sm_metrics_parse_when("2026-12-01T09:00:00+02:00",
					       paris(), &t, &d),
			 0);
	assert_int_equal(t, utc("2026-12-01T07:00:00Z"));
	/* Local times are in the zone: 09:00 in Paris is 08:00Z. */
	assert_int_equal(
		sm_metrics_parse_when(" 2026-12-01 09:00 ", paris(), &t, &d),
		0);
	assert_int_equal(t, utc("2026-12-01T08:00:00Z"));
	assert_int_equal(
		sm_metrics_parse_when("2026-12-01T09:00", NULL, &t, &d), 0);
	assert_int_equal(t, utc("2026-12-01T09:00:00Z"));
	/* A date is the start of that local day. */
	assert_int_equal(sm_metrics_parse_when("2026-12-01", paris(), &t, &d),
			 0);
	assert_int_equal(t, utc("2026-11-30T23:00:00Z"));
	assert_int_equal(d, 1);
	/* Meta's month-first dates, day first when the first is over 12. */
	assert_int_equal(
		sm_metrics_parse_when("12/01/2026 09:00", paris(), &t, &d), 0);
	assert_int_equal(t, utc("2026-12-01T08:00:00Z"));
	assert_int_equal(d, 0);
	assert_int_equal(
		sm_metrics_parse_when("3/4/2026 9:05:30", NULL, &t, &d), 0);
	assert_int_equal(t, utc("2026-03-04T09:05:30Z"));
	assert_int_equal(sm_metrics_parse_when("25/12/2026", paris(), &t, &d),
			 0);
	assert_int_equal(t, utc("2026-12-24T23:00:00Z"));
	assert_int_equal(d, 1);
	assert_int_equal(sm_metrics_parse_when("yesterday", paris(), &t, &d),
			 -1);
	assert_int_equal(sm_metrics_parse_when("13/13/2026", paris(), &t, &d),
			 -1);
	assert_int_equal(sm_metrics_parse_when("2026-02-30", paris(), &t, &d),
			 -1);
	assert_int_equal(sm_metrics_parse_when("", paris(), &t, &d), -1);
	assert_int_equal(sm_metrics_parse_when("12/01/2026 9", paris(), &t, &d),
			 -1);
}

/* ------------------------------------------------------------------ */
/* Import: matching                                                    */
/* ------------------------------------------------------------------ */

static const char *const IGFB[] = {"instagram", "facebook"};

/*
 * c0 q_1, URL www.instagram.com/p/AAA/, 12-01 08:00Z, instagram
 * c1 q_2, 12-01 12:00Z, instagram; c2 q_3, 12-01 12:20Z, instagram
 * c3, c4 "series" 12-02 09:00Z and 12-09 09:00Z, instagram
 * c5 q_5, 12-03 15:00Z, facebook only
 * c6 q_6, URL http://instagram.com/p/BBB, 12-04 10:00Z, both
 */
static void
make_candidates(struct sm_metrics_candidate *c)
{
	memset(c, 0, 7 * sizeof(*c));
	c[0] = (struct sm_metrics_candidate){
		"q_1", "https://www.instagram.com/p/AAA/",
		utc("2026-12-01T08:00:00Z"), IG, 1};
	c[1] = (struct sm_metrics_candidate){
		"q_2", NULL, utc("2026-12-01T12:00:00Z"), IG, 1};
	c[2] = (struct sm_metrics_candidate){
		"q_3", "", utc("2026-12-01T12:20:00Z"), IG, 1};
	c[3] = (struct sm_metrics_candidate){
		"series", NULL, utc("2026-12-02T09:00:00Z"), IG, 1};
	c[4] = (struct sm_metrics_candidate){
		"series", NULL, utc("2026-12-09T09:00:00Z"), IG, 1};
	c[5] = (struct sm_metrics_candidate){
		"q_5", NULL, utc("2026-12-03T15:00:00Z"), FB, 1};
	c[6] = (struct sm_metrics_candidate){
		"q_6", "http://instagram.com/p/BBB",
		utc("2026-12-04T10:00:00Z"), IGFB, 2};
}

static void
expect_match(const struct sm_metrics_matcher *m, const char *id,
	     const char *url, const char *when, enum sm_metrics_how how,
	     size_t post)
{
	struct sm_metrics_match r;
	sm_time at = 0, end = 0;
	int d = 0;

	if (when) {
		assert_int_equal(sm_metrics_parse_when(when, paris(), &at, &d),
				 0);
		end = at + SM_DAY; /* Paris days are 24 h in December */
	}
	sm_metrics_match(m, id, url, when != NULL, at, d, end, &r);
	if (r.how != how || (how != SM_MATCH_NONE &&
			     how != SM_MATCH_AMBIGUOUS && r.post != post))
		fail_msg("%s/%s/%s: %s %zu, expected %s %zu", id ? id : "-",
			 url ? url : "-", when ? when : "-",
			 sm_metrics_how_name(r.how), r.post,
			 sm_metrics_how_name(how), post);
}

static void
test_match(void **state)
{
	struct sm_metrics_candidate c[7];
	struct sm_metrics_matcher *m;
	struct sm_metrics_match r;

	(void)state;
	make_candidates(c);
	m = sm_metrics_matcher_new(c, 7, "Instagram");
	/* By id, whatever the time says. */
	expect_match(m, "q_1", NULL, NULL, SM_MATCH_ID, 0);
	expect_match(m, "q_5", NULL, "2026-12-25T00:00:00Z", SM_MATCH_ID, 5);
	/* An id nothing has (a platform's own id) falls through to the URL:
	 * scheme, www., case of the host, trailing '/' and tracking
	 * parameters do not matter. */
	expect_match(m, "17890012345", "http://Instagram.com/p/AAA", NULL,
		     SM_MATCH_URL, 0);
	expect_match(m, NULL,
		     "https://www.instagram.com/p/BBB/?igsh=xyz&utm_source=ig",
		     NULL, SM_MATCH_URL, 6);
	expect_match(m, NULL, "https://www.instagram.com/p/bbb", NULL,
		     SM_MATCH_NONE, 0);
	/* By time on the platform, within 30 minutes either side. */
	expect_match(m, NULL, NULL, "2026-12-01T08:20:00Z", SM_MATCH_TIME, 0);
	expect_match(m, NULL, NULL, "2026-12-01T07:30:00Z", SM_MATCH_TIME, 0);
	expect_match(m, NULL, NULL, "2026-12-01T08:30:00Z", SM_MATCH_TIME, 0);
	expect_match(m, NULL, NULL, "2026-12-01T08:31:00Z", SM_MATCH_NONE, 0);
	expect_match(m, "nope", "https://example.com/x", "2026-12-01T07:29:00Z",
		     SM_MATCH_NONE, 0);
	/* c5 is on facebook only. */
	expect_match(m, NULL, NULL, "2026-12-03T15:00:00Z", SM_MATCH_NONE, 0);
	/* Two posts in the window: 12:10 is 10 minutes from c1 and c2. */
	sm_metrics_match(m, NULL, NULL, 1, utc("2026-12-01T12:10:00Z"), 0, 0,
			 &r);
	assert_int_equal(r.how, SM_MATCH_AMBIGUOUS);
	assert_int_equal(r.nfound, 2);
	assert_int_equal(r.first, 1);
	assert_int_equal(r.second, 2);
	/* 12:25 is 25 minutes from c1 and 5 from c2: still both. */
	expect_match(m, NULL, NULL, "2026-12-01T12:25:00Z", SM_MATCH_AMBIGUOUS,
		     0);
	expect_match(m, NULL, NULL, "2026-12-01T12:31:00Z", SM_MATCH_TIME, 2);
	/* A series' UID: its occurrences are told apart by the time. */
	expect_match(m, "series", NULL, "2026-12-09T09:05:00Z", SM_MATCH_ID, 4);
	sm_metrics_match(m, "series", NULL, 0, 0, 0, 0, &r);
	assert_int_equal(r.how, SM_MATCH_AMBIGUOUS);
	assert_int_equal(r.nfound, 2);
	expect_match(m, "series", NULL, "2026-12-05T09:00:00Z",
		     SM_MATCH_AMBIGUOUS, 0);
	/* A date: the platform's posts of that local day. */
	expect_match(m, NULL, NULL, "2026-12-04", SM_MATCH_TIME, 6);
	sm_metrics_match(m, NULL, NULL, 1, utc("2026-11-30T23:00:00Z"), 1,
			 utc("2026-12-01T23:00:00Z"), &r);
	assert_int_equal(r.how, SM_MATCH_AMBIGUOUS);
	assert_int_equal(r.nfound, 3);
	/* Nothing to go by. */
	expect_match(m, NULL, NULL, NULL, SM_MATCH_NONE, 0);
	expect_match(m, "", "", NULL, SM_MATCH_NONE, 0);
	sm_metrics_matcher_free(m);
	sm_metrics_matcher_free(NULL);

	/* No candidates at all. */
	m = sm_metrics_matcher_new(NULL, 0, "instagram");
	expect_match(m, "q_1", "https://x.test/", "2026-12-01T08:00:00Z",
		     SM_MATCH_NONE, 0);
	sm_metrics_matcher_free(m);
}

/* ------------------------------------------------------------------ */
/* Import: a file                                                      */
/* ------------------------------------------------------------------ */

static int
feed(struct sm_metrics_import *im, int line, size_t n, ...)
{
	const char *f[16];
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		f[i] = va_arg(ap, const char *);
	va_end(ap);
	struct sm_metrics_cells row = {f, n, line};
	return sm_metrics_import_row(im, &row);
}

static void
test_import(void **state)
{
	static const char *const header[] = {
		"Permalink", "Publish time", "Impressions", "Reach",
		"Likes",     "Comments",     "Link Clicks", "Post ID"};
	struct sm_metrics_candidate c[7];
	struct sm_metrics_matcher *m;
	struct sm_metrics_import im;
	int64_t v;

	(void)state;
	make_candidates(c);
	m = sm_metrics_matcher_new(c, 7, "instagram");
	assert_int_equal(sm_metrics_import_begin(&im, "ig.csv", "instagram",
						 paris(), m, header, 8, 1,
						 NULL),
			 0);
	expect_diag(&im.diags, SM_WARNING, 1, "\"Post ID\"");
	/* 09:00 Paris is c0's 08:00Z; its URL matches first anyway. */
	assert_int_equal(feed(&im, 2, 8, "https://www.instagram.com/p/AAA/",
			      "12/01/2026 09:00", "1,234", "1 000", "50", "7",
			      "12", "1789"),
			 1);
	assert_int_equal(feed(&im, 3, 8, "", "2026-12-01 13:10", "500", "abc",
			      "", "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 3,
		    "column \"Reach\" (reach): \"abc\" is not a count");
	/* 13:10 Paris is 12:10Z: c1 and c2. */
	assert_int_equal(feed(&im, 4, 8, "", "2026-12-01 13:10", "500", "400",
			      "", "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 4,
		    "ambiguous: 2 posts match (q_2 at 2026-12-01T12:00:00Z, "
		    "q_3 at 2026-12-01T12:20:00Z)");
	assert_int_equal(feed(&im, 5, 2, "x", "y"), -1);
	expect_diag(&im.diags, SM_ERROR, 5, "2 fields where the header has 8");
	/* c0 again, by time: a second row for one post. */
	assert_int_equal(feed(&im, 6, 8, "", "2026-12-01 09:20", "10", "", "",
			      "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 6,
		    "matches post q_1 at 2026-12-01T08:00:00Z, as line 2 does");
	assert_int_equal(feed(&im, 7, 8, "", "2026-12-25 10:00", "10", "", "",
			      "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 7, "no post matches");
	assert_int_equal(feed(&im, 8, 8, "", "2026-12-04 11:00", "", " ", "",
			      "", "", "x"),
			 0);
	expect_diag(&im.diags, SM_WARNING, 8, "no value in this row: skipped");
	assert_int_equal(feed(&im, 9, 8, "", "2026-12-04 11:30",
			      "1\xc2\xa0"
			      "500",
			      "-3", "", "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 9, "\"-3\" is negative");
	assert_int_equal(feed(&im, 10, 8, "", "2026-12-04 11:05", "12.5k", "",
			      "", "", "", ""),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 10, "abbreviated");
	assert_int_equal(feed(&im, 11, 8,
			      "https://instagram.com/p/BBB?igsh=abc", "", "900",
			      "800", "", "", "", ""),
			 1);
	assert_int_equal(
		feed(&im, 12, 8, "", "soon", "900", "800", "", "", "", ""), -1);
	expect_diag(&im.diags, SM_ERROR, 12,
		    "published_at \"soon\" is not a time");

	assert_int_equal(im.nok, 2);
	assert_int_equal(im.nbad, 8);
	assert_int_equal(im.diags.nerrors, 8);
	assert_int_equal(im.diags.nwarnings, 2);
	assert_int_equal(im.nrows, 10); /* the skipped row is not kept */
	assert_int_equal(im.rows[0].line, 2);
	assert_int_equal(im.rows[0].ok, 1);
	assert_int_equal(im.rows[0].how, SM_MATCH_URL);
	assert_int_equal(im.rows[0].post, 0);
	assert_int_equal(
		sm_metric_get(&im.rows[0].values, SM_KPI_IMPRESSIONS, &v), 1);
	assert_int_equal(v, 1234);
	assert_int_equal(sm_metric_get(&im.rows[0].values, SM_KPI_REACH, &v),
			 1);
	assert_int_equal(v, 1000);
	assert_int_equal(
		sm_metric_get(&im.rows[0].values, SM_KPI_ENGAGEMENT, &v), 1);
	assert_int_equal(v, 57);
	assert_int_equal(sm_metric_get(&im.rows[0].values, SM_KPI_CLICKS, &v),
			 1);
	assert_int_equal(v, 12);
	assert_int_equal(sm_metric_get(&im.rows[0].values, SM_KPI_SHARES, &v),
			 0);
	assert_int_equal(im.rows[1].ok, 0);
	assert_int_equal(im.rows[8].line, 11);
	assert_int_equal(im.rows[8].post, 6);
	assert_int_equal(im.rows[8].ok, 1);
	sm_metrics_import_free(&im);

	/* A header that cannot be used. */
	static const char *const bad[] = {"Title", "Notes"};
	assert_int_equal(sm_metrics_import_begin(&im, "ig.csv", "instagram",
						 paris(), m, bad, 2, 3, NULL),
			 -1);
	expect_diag(&im.diags, SM_ERROR, 3, "no metric column");
	sm_metrics_import_free(&im);
	sm_metrics_matcher_free(m);
}

static void
test_import_platform(void **state)
{
	/* An id or URL must name a post on the import's platform: values
	 * exported by Instagram never land on a LinkedIn-only post. */
	static const char *const header[] = {"ID", "Reach"};
	struct sm_metrics_candidate c[7];
	struct sm_metrics_matcher *m;
	struct sm_metrics_import im;

	(void)state;
	make_candidates(c);
	m = sm_metrics_matcher_new(c, 7, "instagram");
	assert_int_equal(sm_metrics_import_begin(&im, "ig.csv", "instagram",
						 paris(), m, header, 2, 1,
						 NULL),
			 0);
	assert_int_equal(feed(&im, 2, 2, "q_5", "100"), -1); /* facebook */
	expect_diag(&im.diags, SM_ERROR, 2,
		    "its id names post q_5 at 2026-12-03T15:00:00Z, which is "
		    "not on instagram");
	assert_int_equal(feed(&im, 3, 2, "q_6", "200"), 1); /* both */
	assert_int_equal(feed(&im, 4, 2, "q_1", "300"), 1);
	assert_int_equal(feed(&im, 5, 2, "q_9", "400"), -1);
	expect_diag(&im.diags, SM_ERROR, 5,
		    "a row without a publish time is matched among recent "
		    "posts only");
	assert_int_equal(im.nok, 2);
	assert_int_equal(im.nbad, 2);
	sm_metrics_import_free(&im);
	sm_metrics_matcher_free(m);
}

static void
test_import_followers(void **state)
{
	static const char *const header[] = {"Date", "Followers"};
	struct sm_metrics_matcher *m = sm_metrics_matcher_new(NULL, 0, "x");
	struct sm_metrics_import im;

	(void)state;
	assert_int_equal(sm_metrics_import_begin(&im, "f.csv", "instagram",
						 paris(), m, header, 2, 1,
						 NULL),
			 0);
	assert_int_equal(feed(&im, 2, 2, "2026-12-01", "1,500"), 1);
	assert_int_equal(feed(&im, 3, 2, "2026-12-02 18:00", "1 510"), 1);
	/* 00:30 Paris on the 1st, even written in UTC the day before. */
	assert_int_equal(feed(&im, 4, 2, "2026-11-30T23:30:00Z", "1501"), -1);
	expect_diag(&im.diags, SM_ERROR, 4,
		    "followers for the same day as line 2");
	assert_int_equal(feed(&im, 5, 2, "", "5"), -1);
	expect_diag(&im.diags, SM_ERROR, 5, "followers without a date");
	assert_int_equal(im.nok, 2);
	assert_int_equal(im.rows[0].has_followers, 1);
	assert_int_equal(im.rows[0].followers, 1500);
	assert_int_equal(im.rows[0].day_start, utc("2026-11-30T23:00:00Z"));
	assert_int_equal(im.rows[1].followers, 1510);
	assert_int_equal(im.rows[1].day_start, utc("2026-12-01T23:00:00Z"));
	assert_int_equal(im.rows[1].values.have, 0);
	/* Many days: the day set grows. */
	for (int d = 0; d < 400; d++) {
		char date[32], num[16];
		int64_t day = sm_civil_days(2027, 1, 1) + d;
		int y, mo, dd;
		sm_civil_ymd(day, &y, &mo, &dd);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, mo, dd);
		snprintf(num, sizeof(num), "%d", 2000 + d);
		assert_int_equal(feed(&im, 10 + d, 2, date, num), 1);
	}
	assert_int_equal(feed(&im, 999, 2, "2027-06-01", "1"), -1);
	expect_diag(&im.diags, SM_ERROR, 999, "as line 161");
	sm_metrics_import_free(&im);
	sm_metrics_matcher_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engagement_parts),
		cmocka_unit_test(test_rates_zero_denominators),
		cmocka_unit_test(test_sums_saturate),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_report_by_platform),
		cmocka_unit_test(test_report_by_type_persona_campaign),
		cmocka_unit_test(test_report_periods),
		cmocka_unit_test(test_report_json_csv),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_import_platform),
		cmocka_unit_test(test_import_followers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
