/*
 * Unit tests for lib/goals (SPEC section 8): the span in a zone, values of
 * counts, rates and followers, absolute, +N and +N% targets (through the
 * config loader), the straight line, the projection, the status before the
 * start, on the deadline day and after it, the event state machine (once
 * per transition, again after a recovery, across a restart through the
 * packed state), event ids and JSON, the daily check instant and the pace
 * warning.
 *
 * Most goals run in UTC over whole days so the line is easy to follow by
 * hand: a 10-day goal from 0 to 100 expects 10 a day.  Paris is CET (UTC+1)
 * in winter and CEST from 2027-03-28 01:00Z.
 */
#include "support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "goals.h"
#include "jsonw.h"
#include "metrics.h"

/* A civil date, as the config stores start and deadline. */
static sm_time
D(int y, int m, int d)
{
	return sm_civil_days(y, m, d) * SM_DAY;
}

/* A string literal where struct sm_goal wants a char * (never written). */
static char *
mut(const char *s)
{
	union {
		const char *c;
		char *m;
	} u = {.c = s};
	return u.m;
}

static const char *const IG[] = {"instagram"};
static const char *const FB[] = {"facebook"};
static const char *const IGFB[] = {"Instagram", "facebook"};

static struct sm_metrics_post
post(const char *id, const char *at, const char *const *pl, size_t npl)
{
	struct sm_metrics_post p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.at = utc(at);
	p.platforms = pl;
	p.nplatforms = npl;
	return p;
}

/* A goal as the config would hold it, in UTC. */
static struct sm_goal
goal(const char *metric, const char *platform, double baseline, double target,
     sm_time start, sm_time deadline)
{
	struct sm_goal g;
	memset(&g, 0, sizeof(g));
	g.name = mut("g");
	g.metric = mut(metric);
	g.kpi = (enum sm_kpi)sm_kpi_parse(metric);
	g.platform = mut(platform);
	g.baseline = baseline;
	g.target = target;
	g.start = start;
	g.start_set = start != 0;
	g.deadline = deadline;
	g.tolerance = 0.10;
	return g;
}

static void
test_span(void **state)
{
	struct sm_goal g = goal("followers", "instagram", 1000, 1200,
				D(2026, 12, 1), D(2027, 3, 1));
	sm_time s, e;

	(void)state;
	/* From the start of the start day to the end of the deadline day, in
	 * Paris. */
	assert_int_equal(sm_goal_span(&g, paris(), 0, &s, &e), 0);
	assert_int_equal(s, utc("2026-11-30T23:00:00Z"));
	assert_int_equal(e, utc("2027-03-01T23:00:00Z"));
	/* The end of a day that ends in summer time. */
	g.deadline = D(2027, 3, 28);
	assert_int_equal(sm_goal_span(&g, paris(), 0, &s, &e), 0);
	assert_int_equal(e, utc("2027-03-28T22:00:00Z"));
	/* In UTC. */
	assert_int_equal(sm_goal_span(&g, NULL, 0, &s, &e), 0);
	assert_int_equal(s, utc("2026-12-01T00:00:00Z"));
	assert_int_equal(e, utc("2027-03-29T00:00:00Z"));

	/* No start in the config: the day the daemon first saw the goal
	 * (16:00 Paris on 5 December). */
	g.start_set = 0;
	g.start = 0;
	assert_int_equal(
		sm_goal_span(&g, paris(), utc("2026-12-05T15:00:00Z"), &s, &e),
		0);
	assert_int_equal(s, utc("2026-12-04T23:00:00Z"));
	/* First seen on its deadline day: a one-day goal; after: not
	 * SMART. */
	g.deadline = D(2026, 12, 5);
	assert_int_equal(
		sm_goal_span(&g, paris(), utc("2026-12-05T15:00:00Z"), &s, &e),
		0);
	assert_int_equal(e, utc("2026-12-05T23:00:00Z"));
	assert_int_equal(
		sm_goal_span(&g, paris(), utc("2026-12-05T23:30:00Z"), &s, &e),
		-1);
	/* A configured deadline before the start. */
	g.start_set = 1;
	g.start = D(2026, 12, 6);
	assert_int_equal(sm_goal_span(&g, NULL, 0, &s, &e), -1);
}

/*
 * clicks on instagram from 0 to 100 over 1 to 10 January (10 days):
 * p1 2 Jan 20 clicks; p2 3 Jan on both platforms, 10; p3 facebook only,
 * 500; p4 before the start, 1000; p5 6 Jan, 30; p6 after the end, 1000;
 * p7 4 Jan without clicks.
 */
static void
count_posts(struct sm_metrics_post *p)
{
	p[0] = post("p1", "2027-01-02T12:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_CLICKS, 20);
	p[1] = post("p2", "2027-01-03T12:00:00Z", IGFB, 2);
	sm_metric_set(&p[1].values, SM_KPI_CLICKS, 10);
	p[2] = post("p3", "2027-01-03T13:00:00Z", FB, 1);
	sm_metric_set(&p[2].values, SM_KPI_CLICKS, 500);
	p[3] = post("p4", "2026-12-31T23:00:00Z", IG, 1);
	sm_metric_set(&p[3].values, SM_KPI_CLICKS, 1000);
	p[4] = post("p5", "2027-01-06T08:00:00Z", IG, 1);
	sm_metric_set(&p[4].values, SM_KPI_CLICKS, 30);
	p[5] = post("p6", "2027-01-11T00:00:00Z", IG, 1);
	sm_metric_set(&p[5].values, SM_KPI_CLICKS, 1000);
	p[6] = post("p7", "2027-01-04T08:00:00Z", IG, 1);
	sm_metric_set(&p[6].values, SM_KPI_REACH, 80);
}

static enum sm_goal_status
status_at(const struct sm_goal *g, const struct sm_goal_data *d,
	  const char *now, struct sm_goal_eval *e)
{
	assert_int_equal(sm_goal_evaluate(e, g, NULL, 0, d, utc(now)), 0);
	return e->status;
}

static void
test_count_goal(void **state)
{
	struct sm_metrics_post p[7];
	struct sm_goal_data d = {p, 7, NULL, 0};
	struct sm_goal g = goal("clicks", "instagram", 0, 100, D(2027, 1, 1),
				D(2027, 1, 10));
	struct sm_goal_eval e;

	(void)state;
	memset(p, 0, sizeof(p));
	count_posts(p);

	/* Before the start: nothing counted, on track, no pace yet. */
	assert_int_equal(status_at(&g, &d, "2026-12-31T12:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_near(e.value, 0);
	assert_near(e.expected, 0);
	assert_int_equal(e.has_projected, 0);
	assert_int_equal(e.posts, 0);

	/* 5 Jan 00:00, 40% of the span: p1 + p2 = 30 (p7 counts as a post
	 * without clicks), expected 40: 10 behind is exactly the tolerance
	 * (10% of 100), still on track.  Projected: 30 over 4 days, 75 in
	 * 10. */
	assert_int_equal(status_at(&g, &d, "2027-01-05T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_near(e.value, 30);
	assert_near(e.expected, 40);
	assert_int_equal(e.posts, 3);
	assert_int_equal(e.has_projected, 1);
	assert_near(e.projected, 75);
	assert_near(e.progress, 0.3);
	/* 5 Jan 12:00: expected 45, 15 behind: off track. */
	assert_int_equal(status_at(&g, &d, "2027-01-05T12:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	/* 7 Jan 00:00: p5 brings 60, on the line. */
	assert_int_equal(status_at(&g, &d, "2027-01-07T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_near(e.value, 60);
	assert_near(e.expected, 60);
	/* On the deadline day (included): still running, expected 95. */
	assert_int_equal(status_at(&g, &d, "2027-01-10T12:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	assert_near(e.expected, 95);
	/* After it: the value at the end, 60 (p6 is after), missed. */
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_MISSED);
	assert_near(e.value, 60);
	assert_near(e.expected, 100);
	assert_near(e.projected, 60);
	assert_int_equal(status_at(&g, &d, "2027-06-01T00:00:00Z", &e),
			 SM_GOAL_MISSED);

	/* A count reached early is achieved at once. */
	g.target = 50;
	assert_int_equal(status_at(&g, &d, "2027-01-06T09:00:00Z", &e),
			 SM_GOAL_ACHIEVED);
	assert_int_equal(status_at(&g, &d, "2027-01-12T00:00:00Z", &e),
			 SM_GOAL_ACHIEVED);

	/* Every platform: p3's 500 counts too. */
	g.target = 100;
	g.platform = mut("all");
	assert_int_equal(status_at(&g, &d, "2027-01-05T00:00:00Z", &e),
			 SM_GOAL_ACHIEVED);
	assert_near(e.value, 530);

	/* posts: published posts on instagram, from a baseline of 2. */
	g = goal("posts", "instagram", 2, 12, D(2027, 1, 1), D(2027, 1, 10));
	assert_int_equal(status_at(&g, &d, "2027-01-05T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	/* p1, p2, p7: 2 + 3; expected 2 + 4 = 6; 1 behind is the tolerance. */
	assert_near(e.value, 5);
	assert_near(e.expected, 6);
}

static void
test_filters(void **state)
{
	struct sm_metrics_post p = post("x", "2027-01-02T00:00:00Z", IGFB, 2);
	struct sm_goal g = goal("reach", "instagram", 0, 10, 0, D(2027, 1, 1));

	(void)state;
	assert_int_equal(sm_goal_matches(&g, &p), 1);
	g.platform = mut("linkedin");
	assert_int_equal(sm_goal_matches(&g, &p), 0);
	g.platform = mut("all");
	g.type = mut("Offer");
	assert_int_equal(sm_goal_matches(&g, &p), 0);
	p.type = "offer";
	assert_int_equal(sm_goal_matches(&g, &p), 1);
	g.campaign = mut("Launch");
	assert_int_equal(sm_goal_matches(&g, &p), 0);
	p.campaign = "launch";
	assert_int_equal(sm_goal_matches(&g, &p), 1);
	p.campaign = "relaunch";
	assert_int_equal(sm_goal_matches(&g, &p), 0);
}

/*
 * engagement_rate on every platform from 2% to 4%, 1 to 10 January: a
 * 2 Jan: 30 / reach 1000; b 3 Jan: 10 / impressions 1000 (no reach);
 * c 4 Jan: likes only, no denominator: out of the rate.
 */
static void
test_rate_goal(void **state)
{
	struct sm_metrics_post p[4];
	struct sm_goal_data d = {p, 3, NULL, 0};
	struct sm_goal g = goal("engagement_rate", "all", 0.02, 0.04,
				D(2027, 1, 1), D(2027, 1, 10));
	struct sm_goal_eval e;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = post("a", "2027-01-02T10:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_ENGAGEMENT, 30);
	sm_metric_set(&p[0].values, SM_KPI_REACH, 1000);
	p[1] = post("b", "2027-01-03T10:00:00Z", FB, 1);
	sm_metric_set(&p[1].values, SM_KPI_ENGAGEMENT, 10);
	sm_metric_set(&p[1].values, SM_KPI_IMPRESSIONS, 1000);
	p[2] = post("c", "2027-01-04T10:00:00Z", FB, 1);
	sm_metric_set(&p[2].values, SM_KPI_LIKES, 5);

	/* Unknown before any post: on track, no value. */
	assert_int_equal(status_at(&g, &d, "2027-01-02T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_int_equal(e.has_value, 0);
	assert_int_equal(e.has_projected, 0);
	assert_int_equal(e.has_progress, 0);
	/* 5 Jan: (30 + 10) / (1000 + 1000) = 2%; the line is at 2.8%; 0.8
	 * points behind, more than 10% of the 2-point change. */
	assert_int_equal(status_at(&g, &d, "2027-01-05T00:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	assert_near(e.value, 0.02);
	assert_near(e.expected, 0.028);
	/* A rate projects as itself. */
	assert_near(e.projected, 0.02);
	assert_int_equal(e.posts, 3);

	/* d, 5 Jan: 200 / 1000 lifts it to 240 / 3000 = 8%: above the target
	 * but a rate is judged at the deadline, so on track until then. */
	p[3] = post("d", "2027-01-05T10:00:00Z", IG, 1);
	sm_metric_set(&p[3].values, SM_KPI_ENGAGEMENT, 200);
	sm_metric_set(&p[3].values, SM_KPI_REACH, 1000);
	d.nposts = 4;
	assert_int_equal(status_at(&g, &d, "2027-01-06T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_near(e.value, 0.08);
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_ACHIEVED);

	/* No data at all by the end: missed. */
	d.nposts = 0;
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_MISSED);
	assert_int_equal(e.has_value, 0);

	/* A rate that aims lower (a ctr to bring down, say): lagging is
	 * being above the line. */
	g = goal("ctr", "all", 0.05, 0.01, D(2027, 1, 1), D(2027, 1, 10));
	p[0] = post("a", "2027-01-02T10:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_CLICKS, 40);
	sm_metric_set(&p[0].values, SM_KPI_IMPRESSIONS, 1000);
	d.nposts = 1;
	/* 5 Jan: 4%, the line at 3.4%: 0.6 points above, off track. */
	assert_int_equal(status_at(&g, &d, "2027-01-05T00:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	/* 2 Jan 12:00: the line at 4.5%, 4% is ahead. */
	assert_int_equal(status_at(&g, &d, "2027-01-02T12:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_MISSED);
}

/* followers: the latest count at or before t, per platform; all sums them. */
static void
test_followers_goal(void **state)
{
	struct sm_metrics_followers f[6] = {
		{"instagram", utc("2027-01-05T00:00:00Z"), 1080},
		{"instagram", utc("2027-01-01T00:00:00Z"), 1000},
		{"Instagram", utc("2027-01-03T00:00:00Z"), 1050},
		{"instagram", utc("2027-01-07T00:00:00Z"), 1250},
		{"facebook", utc("2026-12-20T00:00:00Z"), 300},
		{"facebook", utc("2027-01-04T00:00:00Z"), 310},
	};
	struct sm_goal_data d = {NULL, 0, f, 6};
	struct sm_goal g = goal("followers", "instagram", 1000, 1200,
				D(2027, 1, 1), D(2027, 1, 10));
	struct sm_goal_eval e;
	double v;

	(void)state;
	g.tolerance = 0.05;
	/* 6 Jan 00:00 (50%): the count of the 5th, 1080; the line at 1100;
	 * 20 behind, more than 5% of 200. */
	assert_int_equal(status_at(&g, &d, "2027-01-06T00:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	assert_near(e.value, 1080);
	assert_near(e.expected, 1100);
	/* 80 gained in 5 days: 160 in 10. */
	assert_near(e.projected, 1160);
	assert_near(e.progress, 0.4);
	/* 4 Jan: 1050 against 1060, within 10. */
	assert_int_equal(status_at(&g, &d, "2027-01-04T00:00:00Z", &e),
			 SM_GOAL_ON_TRACK);
	assert_near(e.value, 1050);
	/* 7 Jan: 1250, achieved before the deadline, and at the end. */
	assert_int_equal(status_at(&g, &d, "2027-01-07T00:00:00Z", &e),
			 SM_GOAL_ACHIEVED);
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_ACHIEVED);
	/* A count before the start is the current count. */
	g.platform = mut("facebook");
	assert_int_equal(sm_goal_value(&g, utc("2027-01-01T00:00:00Z"),
				       utc("2027-01-11T00:00:00Z"),
				       utc("2027-01-02T00:00:00Z"), &d, &v,
				       NULL),
			 1);
	assert_near(v, 300);
	/* All platforms: 1080 + 310 on the 6th. */
	g.platform = mut("all");
	assert_int_equal(sm_goal_value(&g, utc("2027-01-01T00:00:00Z"),
				       utc("2027-01-11T00:00:00Z"),
				       utc("2027-01-06T00:00:00Z"), &d, &v,
				       NULL),
			 1);
	assert_near(v, 1390);
	/* Nothing recorded yet on a platform: unknown. */
	g.platform = mut("linkedin");
	assert_int_equal(sm_goal_value(&g, utc("2027-01-01T00:00:00Z"),
				       utc("2027-01-11T00:00:00Z"),
				       utc("2027-01-06T00:00:00Z"), &d, &v,
				       NULL),
			 0);
	/* Followers that aim lower (a list to clean): 1000 to 900. */
	g = goal("followers", "instagram", 1000, 900, D(2027, 1, 1),
		 D(2027, 1, 10));
	assert_int_equal(status_at(&g, &d, "2027-01-06T00:00:00Z", &e),
			 SM_GOAL_OFF_TRACK);
	assert_int_equal(status_at(&g, &d, "2027-01-11T00:00:00Z", &e),
			 SM_GOAL_MISSED);
}

/* The three ways to write a target, from the config file. */
static void
test_targets(void **state)
{
	struct sm_config *cfg = config_text_clean("[platform:instagram]\n"
						  "[goal:abs]\n"
						  "metric = posts\n"
						  "platform = instagram\n"
						  "baseline = 0\n"
						  "target = 10\n"
						  "start = 2027-01-01\n"
						  "deadline = 2027-01-10\n"
						  "[goal:plus]\n"
						  "metric = reach\n"
						  "platform = all\n"
						  "baseline = 1000\n"
						  "target = +500\n"
						  "start = 2027-01-01\n"
						  "deadline = 2027-01-10\n"
						  "[goal:pct]\n"
						  "metric = followers\n"
						  "platform = instagram\n"
						  "baseline = 1000\n"
						  "target = +20%\n"
						  "start = 2027-01-01\n"
						  "deadline = 2027-01-10\n"
						  "tolerance = 5%\n");
	struct sm_metrics_post p[4];
	struct sm_metrics_followers f[2] = {
		{"instagram", utc("2027-01-05T00:00:00Z"), 1080},
		{"instagram", utc("2027-01-07T00:00:00Z"), 1250},
	};
	struct sm_goal_data d = {p, 4, f, 2};
	struct sm_goal_eval e;

	(void)state;
	memset(p, 0, sizeof(p));
	/* Four instagram posts before the 6th, reach 100 in all. */
	p[0] = post("a", "2027-01-01T10:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_REACH, 40);
	p[1] = post("b", "2027-01-02T10:00:00Z", IG, 1);
	sm_metric_set(&p[1].values, SM_KPI_REACH, 60);
	p[2] = post("c", "2027-01-04T10:00:00Z", IGFB, 2);
	p[3] = post("d", "2027-01-05T10:00:00Z", IG, 1);

	/* abs: 4 posts by the 6th, the line at 5, 1 behind is 10% of 10. */
	assert_int_equal(cfg->goals[0].target_kind, SM_GOAL_TARGET_ABSOLUTE);
	assert_int_equal(sm_goal_evaluate(&e, &cfg->goals[0], NULL, 0, &d,
					  utc("2027-01-06T00:00:00Z")),
			 0);
	assert_near(e.value, 4);
	assert_near(e.expected, 5);
	assert_int_equal(e.status, SM_GOAL_ON_TRACK);
	/* plus: 1000 + 500 = 1500; 1100 against 1250, 150 behind > 50. */
	assert_int_equal(cfg->goals[1].target_kind, SM_GOAL_TARGET_DELTA);
	assert_int_equal(sm_goal_evaluate(&e, &cfg->goals[1], NULL, 0, &d,
					  utc("2027-01-06T00:00:00Z")),
			 0);
	assert_near(e.goal->target, 1500);
	assert_near(e.value, 1100);
	assert_near(e.expected, 1250);
	assert_int_equal(e.status, SM_GOAL_OFF_TRACK);
	/* pct: 1000 x 1.2 = 1200; 1080 against 1100, 20 behind > 5% of 200;
	 * 1250 on the 7th. */
	assert_int_equal(cfg->goals[2].target_kind, SM_GOAL_TARGET_PERCENT);
	assert_int_equal(sm_goal_evaluate(&e, &cfg->goals[2], NULL, 0, &d,
					  utc("2027-01-06T00:00:00Z")),
			 0);
	assert_near(e.goal->target, 1200);
	assert_int_equal(e.status, SM_GOAL_OFF_TRACK);
	assert_int_equal(sm_goal_evaluate(&e, &cfg->goals[2], NULL, 0, &d,
					  utc("2027-01-07T00:00:00Z")),
			 0);
	assert_int_equal(e.status, SM_GOAL_ACHIEVED);
	sm_config_free(cfg);
}

static void
test_state_machine(void **state)
{
	struct sm_goal_state s = {0, 0}, r;

	(void)state;
	assert_int_equal(sm_goal_step(&s, SM_GOAL_ON_TRACK), 0);
	/* Off track: fires once. */
	assert_int_equal(sm_goal_step(&s, SM_GOAL_OFF_TRACK),
			 SM_EVENT_GOAL_OFF_TRACK);
	assert_int_equal(s.fired, 1);
	assert_int_equal(sm_goal_step(&s, SM_GOAL_OFF_TRACK), 0);
	/* A restart: the packed state remembers it was told. */
	sm_goal_state_unpack(sm_goal_state_pack(&s), &r);
	assert_int_equal(r.told, SM_GOAL_OFF_TRACK);
	assert_int_equal(r.fired, 1);
	assert_int_equal(sm_goal_step(&r, SM_GOAL_OFF_TRACK), 0);
	/* Recovered, then off track again: fires again. */
	assert_int_equal(sm_goal_step(&r, SM_GOAL_ON_TRACK), 0);
	assert_int_equal(r.told, SM_GOAL_ON_TRACK);
	assert_int_equal(r.fired, 1);
	assert_int_equal(sm_goal_step(&r, SM_GOAL_OFF_TRACK),
			 SM_EVENT_GOAL_OFF_TRACK);
	assert_int_equal(r.fired, 2);
	/* Achieved straight from off track: a change, fires. */
	assert_int_equal(sm_goal_step(&r, SM_GOAL_ACHIEVED),
			 SM_EVENT_GOAL_ACHIEVED);
	assert_int_equal(sm_goal_step(&r, SM_GOAL_ACHIEVED), 0);
	sm_goal_state_unpack(sm_goal_state_pack(&r), &s);
	assert_int_equal(sm_goal_step(&s, SM_GOAL_ACHIEVED), 0);
	/* Missed (a level that fell back by the deadline), once. */
	assert_int_equal(sm_goal_step(&s, SM_GOAL_MISSED),
			 SM_EVENT_GOAL_MISSED);
	assert_int_equal(sm_goal_step(&s, SM_GOAL_MISSED), 0);
	assert_int_equal(s.fired, 4);
	/* Late data turns missed into achieved: told once more. */
	assert_int_equal(sm_goal_step(&s, SM_GOAL_ACHIEVED),
			 SM_EVENT_GOAL_ACHIEVED);
	/* A goal first evaluated after its deadline is told once. */
	s = (struct sm_goal_state){0, 0};
	assert_int_equal(sm_goal_step(&s, SM_GOAL_MISSED),
			 SM_EVENT_GOAL_MISSED);
	assert_int_equal(sm_goal_step(&s, SM_GOAL_MISSED), 0);
	/* Garbage in the store reads as a fresh state. */
	sm_goal_state_unpack(-5, &s);
	assert_int_equal(s.told, SM_GOAL_ON_TRACK);
	assert_int_equal(s.fired, 0);
	assert_int_equal(sm_goal_step(&s, (enum sm_goal_status)9), 0);
}

static void
test_json_and_ids(void **state)
{
	struct sm_metrics_post p[7];
	struct sm_goal_data d = {p, 7, NULL, 0};
	struct sm_goal g = goal("clicks", "instagram", 0, 100, D(2027, 1, 1),
				D(2027, 1, 10));
	struct sm_goal_eval e;
	struct sm_goal_state s = {0, 0};
	struct sm_jsonw w = {0};
	char id1[SM_GOAL_ID_LEN], id2[SM_GOAL_ID_LEN], id3[SM_GOAL_ID_LEN];
	unsigned type;

	(void)state;
	memset(p, 0, sizeof(p));
	count_posts(p);
	g.name = mut("ig-clicks");
	assert_int_equal(sm_goal_evaluate(&e, &g, NULL, 0, &d,
					  utc("2027-01-05T12:00:00Z")),
			 0);
	sm_goal_json(&w, &e);
	/* 30 in 4.5 days: 66.67 in 10. */
	assert_string_equal(
		w.buf, "{\"name\":\"ig-clicks\",\"metric\":\"clicks\","
		       "\"platform\":\"instagram\",\"type\":null,"
		       "\"campaign\":null,\"baseline\":0,\"target\":100,"
		       "\"start\":\"2027-01-01\",\"deadline\":\"2027-01-10\","
		       "\"tolerance\":0.1,\"value\":30,\"expected\":45,"
		       "\"projected\":66.666667,\"progress\":0.3,"
		       "\"status\":\"off_track\"}");

	type = sm_goal_step(&s, e.status);
	assert_int_equal(type, SM_EVENT_GOAL_OFF_TRACK);
	sm_goal_event_id(&e, type, &s, id1);
	assert_int_equal(strlen(id1), 36);
	assert_true(strncmp(id1, "evt_", 4) == 0);
	assert_null(strchr(id1, '.'));
	/* The same firing has the same id (a crash before storing the state
	 * fires it again with it). */
	sm_goal_event_id(&e, type, &s, id2);
	assert_string_equal(id1, id2);
	sm_goal_event_json(&w, type, id1, utc("2027-01-05T09:00:00Z"),
			   (int64_t)utc("2027-01-05T12:00:00Z") * 1000 + 7, 1,
			   &e);
	char want[1024];
	snprintf(want, sizeof(want),
		 "{\"type\":\"goal.off_track\",\"id\":\"%s\","
		 "\"scheduled_at\":\"2027-01-05T09:00:00.000Z\","
		 "\"fired_at\":\"2027-01-05T12:00:00.007Z\",\"late\":true,"
		 "\"lead_s\":0,\"goal\":{\"name\":\"ig-clicks\",",
		 id1);
	assert_true(strncmp(w.buf, want, strlen(want)) == 0);
	assert_non_null(strstr(w.buf, "\"status\":\"off_track\"}}"));
	/* A second firing after a recovery has a new id; another type or
	 * goal too. */
	sm_goal_step(&s, SM_GOAL_ON_TRACK);
	sm_goal_step(&s, SM_GOAL_OFF_TRACK);
	sm_goal_event_id(&e, type, &s, id2);
	assert_string_not_equal(id1, id2);
	sm_goal_event_id(&e, SM_EVENT_GOAL_MISSED, &s, id3);
	assert_string_not_equal(id2, id3);

	/* Unknown values are null; a start the daemon supplied is its local
	 * date. */
	d.nposts = 0;
	g = goal("ctr", "all", 0.01, 0.02, 0, D(2027, 1, 10));
	g.type = mut("offer");
	assert_int_equal(sm_goal_evaluate(&e, &g, paris(),
					  utc("2027-01-03T23:30:00Z"), &d,
					  utc("2027-01-05T00:00:00Z")),
			 0);
	sm_jsonw_reset(&w);
	sm_goal_json(&w, &e);
	assert_non_null(
		strstr(w.buf, "\"platform\":\"all\",\"type\":\"offer\","));
	assert_non_null(strstr(w.buf, "\"baseline\":0.01,\"target\":0.02,"
				      "\"start\":\"2027-01-04\","));
	assert_non_null(strstr(w.buf, "\"value\":null,"));
	assert_non_null(strstr(w.buf, "\"projected\":null,\"progress\":null,"
				      "\"status\":\"on_track\"}"));
	sm_jsonw_free(&w);

	assert_string_equal(sm_goal_status_name(SM_GOAL_MISSED), "missed");
	assert_string_equal(sm_goal_status_name(SM_GOAL_ON_TRACK), "on_track");
}

static void
test_next_check(void **state)
{
	(void)state;
	/* 09:00 in Paris: 08:00Z in winter, 07:00Z in summer. */
	assert_int_equal(sm_goal_next_check(paris(), 9 * 60,
					    utc("2026-12-01T07:00:00Z")),
			 utc("2026-12-01T08:00:00Z"));
	/* At the check itself: the next day's. */
	assert_int_equal(sm_goal_next_check(paris(), 9 * 60,
					    utc("2026-12-01T08:00:00Z")),
			 utc("2026-12-02T08:00:00Z"));
	/* The day of the spring change. */
	assert_int_equal(sm_goal_next_check(paris(), 9 * 60,
					    utc("2027-03-27T09:00:00Z")),
			 utc("2027-03-28T07:00:00Z"));
	/* Late in the local day, early in UTC's next. */
	assert_int_equal(
		sm_goal_next_check(paris(), 0, utc("2026-12-01T23:30:00Z")),
		utc("2026-12-02T23:00:00Z"));
	assert_int_equal(
		sm_goal_next_check(NULL, 30, utc("2026-12-01T00:29:59Z")),
		utc("2026-12-01T00:30:00Z"));
}

static void
test_pace(void **state)
{
	struct sm_metrics_post p[5];
	struct sm_metrics_followers f[6] = {
		{"instagram", utc("2026-12-01T00:00:00Z"), 1000},
		{"instagram", utc("2026-12-03T00:00:00Z"), 1010},
		{"instagram", utc("2026-12-09T00:00:00Z"), 1040},
		{"instagram", utc("2026-12-10T00:00:00Z"), 1045},
		{"instagram", utc("2026-12-15T00:00:00Z"), 1050},
		{"facebook", utc("2026-12-10T00:00:00Z"), 9000},
	};
	struct sm_goal_data d = {p, 5, f, 6};
	/* 4 January (a Monday) to 31 January: 4 weeks. */
	struct sm_goal g = goal("clicks", "instagram", 0, 1200, D(2027, 1, 4),
				D(2027, 1, 31));
	sm_time s, e;
	double best = -1, needed = -1;
	char msg[200];

	(void)state;
	memset(p, 0, sizeof(p));
	/* Week of 7 December: 50 + 30; week of 14 December: 90; a facebook
	 * post and one after `before` do not count. */
	p[0] = post("a", "2026-12-07T10:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_CLICKS, 50);
	p[1] = post("b", "2026-12-13T23:00:00Z", IG, 1);
	sm_metric_set(&p[1].values, SM_KPI_CLICKS, 30);
	p[2] = post("c", "2026-12-14T00:00:00Z", IG, 1);
	sm_metric_set(&p[2].values, SM_KPI_CLICKS, 90);
	p[3] = post("d", "2026-12-15T00:00:00Z", FB, 1);
	sm_metric_set(&p[3].values, SM_KPI_CLICKS, 900);
	p[4] = post("e", "2027-01-05T00:00:00Z", IG, 1);
	sm_metric_set(&p[4].values, SM_KPI_CLICKS, 900);
	assert_int_equal(sm_goal_span(&g, NULL, 0, &s, &e), 0);
	assert_int_equal(sm_goal_best_week(&g, &d, NULL, 0,
					   utc("2027-01-01T00:00:00Z"), &best),
			 0);
	assert_near(best, 90);
	/* 1200 in 4 weeks is 300 a week, more than 3 x 90. */
	assert_int_equal(
		sm_goal_pace_check(&g, s, e, best, &needed, msg, sizeof(msg)),
		1);
	assert_near(needed, 300);
	assert_string_equal(msg, "needs 300 clicks a week, more than three "
				 "times the best week so far (90)");
	/* Exactly three times is still realistic. */
	assert_int_equal(sm_goal_pace_check(&g, s, e, 100, &needed, NULL, 0),
			 0);
	/* With Sunday weeks, b's Sunday 13th joins c: 120. */
	assert_int_equal(sm_goal_best_week(&g, &d, NULL, 6,
					   utc("2027-01-01T00:00:00Z"), &best),
			 0);
	assert_near(best, 120);
	/* No data before: nothing to judge by. */
	assert_int_equal(sm_goal_best_week(&g, &d, NULL, 0,
					   utc("2026-12-01T00:00:00Z"), &best),
			 -1);

	/* Followers: gains between consecutive counts, in the week of the
	 * later one: week of 30 Nov +10, of 7 Dec +30 + 5, of 14 Dec +5. */
	g = goal("followers", "instagram", 1050, 1250, D(2027, 1, 4),
		 D(2027, 1, 31));
	assert_int_equal(sm_goal_best_week(&g, &d, NULL, 0,
					   utc("2027-01-01T00:00:00Z"), &best),
			 0);
	assert_near(best, 35);
	/* 200 in 4 weeks: 50 a week, less than 105. */
	assert_int_equal(sm_goal_pace_check(&g, s, e, best, &needed, NULL, 0),
			 0);
	assert_near(needed, 50);
	g.target = 1700; /* 162.5 a week */
	assert_int_equal(
		sm_goal_pace_check(&g, s, e, best, &needed, msg, sizeof(msg)),
		1);
	assert_string_equal(msg, "needs 162.5 followers a week, more than "
				 "three times the best week so far (35)");
	/* A goal that aims lower is not checked. */
	g.target = 900;
	assert_int_equal(sm_goal_pace_check(&g, s, e, best, &needed, NULL, 0),
			 0);

	/* Rates: the best weekly rate against the target. */
	memset(p, 0, sizeof(p));
	p[0] = post("a", "2026-12-07T10:00:00Z", IG, 1);
	sm_metric_set(&p[0].values, SM_KPI_ENGAGEMENT, 20);
	sm_metric_set(&p[0].values, SM_KPI_REACH, 1000);
	p[1] = post("b", "2026-12-08T10:00:00Z", IG, 1);
	sm_metric_set(&p[1].values, SM_KPI_ENGAGEMENT, 60);
	sm_metric_set(&p[1].values, SM_KPI_REACH, 1000);
	p[2] = post("c", "2026-12-14T10:00:00Z", IG, 1);
	sm_metric_set(&p[2].values, SM_KPI_ENGAGEMENT, 30);
	sm_metric_set(&p[2].values, SM_KPI_REACH, 1000);
	d.nposts = 3;
	g = goal("engagement_rate", "instagram", 0.02, 0.15, D(2027, 1, 4),
		 D(2027, 1, 31));
	/* Week of 7 Dec: 80 / 2000 = 4%; of 14 Dec: 3%. */
	assert_int_equal(sm_goal_best_week(&g, &d, NULL, 0,
					   utc("2027-01-01T00:00:00Z"), &best),
			 0);
	assert_near(best, 0.04);
	assert_int_equal(
		sm_goal_pace_check(&g, s, e, best, &needed, msg, sizeof(msg)),
		1);
	assert_string_equal(msg, "needs engagement_rate 0.15, more than three "
				 "times the best week so far (0.04)");
	g.target = 0.12;
	assert_int_equal(sm_goal_pace_check(&g, s, e, best, &needed, NULL, 0),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_count_goal),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rate_goal),
		cmocka_unit_test(test_followers_goal),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_json_and_ids),
		cmocka_unit_test(test_next_check),
		cmocka_unit_test(test_pace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
