/*
 * Unit tests for lib/slots: the next free posting slot of SPEC section 7
 * (at least a minute ahead, min_spacing or the same slot, daily_cap per
 * local day, DST-safe slot times in Europe/Paris), successive slots for bulk
 * adds, several platforms at once, and the guardrail checks.  2026-11-30 is
 * a Monday; Paris is +01:00 in winter, +02:00 in summer, and changes on
 * 2026-03-29 and 2026-10-25 at 01:00Z.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "slots.h"
#include "tz.h"

#define HOUR 3600

/* A platform with slots written as in the config ("mon 09:00, ..."). */
struct plat {
	struct sm_platform pl;
	struct sm_slot v[16];
	char name[32];
};

static void
plat_init(struct plat *p, const char *name, const char *slots, int64_t spacing,
	  int cap)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pl.name = p->name;
	p->pl.min_spacing = spacing;
	p->pl.daily_cap = cap;
	p->pl.slots.v = p->v;
	struct sm_strlist l = {0};
	assert_int_equal(sm_config_list_split(slots, &l), 0);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(sm_config_slot_parse(l.v[i], &p->v[i]), 0);
	p->pl.slots.n = l.n;
	sm_config_list_free(&l);
}

static void
expect_next(const struct sm_platform *pl, const char *now, const sm_time *taken,
	    size_t n, const char *expect)
{
	sm_time got = 0;
	char err[256] = "";
	if (sm_slots_next(pl, paris(), utc(now), taken, n, &got, err,
			  sizeof(err)) != 0)
		fail_msg("sm_slots_next: %s", err);
	char buf[32];
	sm_civil_format(got, SM_CIVIL_UTC, buf, sizeof(buf));
	if (strcmp(buf, expect) != 0)
		fail_msg("now %s: got %s, expected %s", now, buf, expect);
}

static void
test_earliest_slot(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00, wed 12:30, fri 17:00", 0, 0);
	/* Monday 08:00 local: Monday's 09:00 (08:00Z). */
	expect_next(&ig.pl, "2026-11-30T07:00:00Z", NULL, 0,
		    "2026-11-30T08:00:00Z");
	/* Exactly a minute ahead is enough... */
	expect_next(&ig.pl, "2026-11-30T07:59:00Z", NULL, 0,
		    "2026-11-30T08:00:00Z");
	/* ...thirty seconds is not: Wednesday 12:30 local. */
	expect_next(&ig.pl, "2026-11-30T07:59:30Z", NULL, 0,
		    "2026-12-02T11:30:00Z");
	/* Saturday: next week's Monday. */
	expect_next(&ig.pl, "2026-12-05T12:00:00Z", NULL, 0,
		    "2026-12-07T08:00:00Z");
}

static void
test_taken_same_slot(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00, wed 12:30", 0, 0);
	/* Without min_spacing only the same slot is taken. */
	sm_time same[] = {utc("2026-11-30T08:00:00Z")};
	expect_next(&ig.pl, "2026-11-30T07:00:00Z", same, 1,
		    "2026-12-02T11:30:00Z");
	sm_time near[] = {utc("2026-11-30T08:10:00Z")};
	expect_next(&ig.pl, "2026-11-30T07:00:00Z", near, 1,
		    "2026-11-30T08:00:00Z");
}

static void
test_min_spacing(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00, wed 12:30", 4 * HOUR, 0);
	/* A post at 12:00 local is 3 h from the 09:00 slot: too close. */
	sm_time close[] = {utc("2026-11-30T11:00:00Z")};
	expect_next(&ig.pl, "2026-11-30T07:00:00Z", close, 1,
		    "2026-12-02T11:30:00Z");
	/* Exactly 4 h away is not closer than min_spacing. */
	sm_time apart[] = {utc("2026-11-30T12:00:00Z")};
	expect_next(&ig.pl, "2026-11-30T07:00:00Z", apart, 1,
		    "2026-11-30T08:00:00Z");
	/* Before the slot counts too. */
	sm_time before[] = {utc("2026-11-30T05:00:00Z")};
	expect_next(&ig.pl, "2026-11-30T04:00:00Z", before, 1,
		    "2026-12-02T11:30:00Z");
}

static void
test_daily_cap(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00, mon 12:00, mon 18:00", 0, 2);
	/* Sunday 23:30Z is Monday 00:30 in Paris: it counts for Monday. */
	sm_time taken[] = {utc("2026-11-29T23:30:00Z"),
			   utc("2026-11-30T06:00:00Z")};
	expect_next(&ig.pl, "2026-11-29T12:00:00Z", taken, 2,
		    "2026-12-07T08:00:00Z");
	/* One post that Monday: one slot left. */
	expect_next(&ig.pl, "2026-11-29T12:00:00Z", taken + 1, 1,
		    "2026-11-30T08:00:00Z");
	/* Sunday 22:30Z is still Sunday in Paris: Monday is free. */
	sm_time sunday[] = {utc("2026-11-29T21:30:00Z"),
			    utc("2026-11-29T22:30:00Z")};
	expect_next(&ig.pl, "2026-11-29T12:00:00Z", sunday, 2,
		    "2026-11-30T08:00:00Z");
}

static void
test_dst(void **state)
{
	(void)state;
	struct plat p;
	/* 02:30 does not exist on 2026-03-29: the gap rule gives 03:30
	 * CEST, 01:30Z. */
	plat_init(&p, "x", "sun 02:30", 0, 0);
	expect_next(&p.pl, "2026-03-28T12:00:00Z", NULL, 0,
		    "2026-03-29T01:30:00Z");
	/* 02:30 happens twice on 2026-10-25: the first one, 00:30Z. */
	expect_next(&p.pl, "2026-10-24T12:00:00Z", NULL, 0,
		    "2026-10-25T00:30:00Z");
	/* The second 02:30 (01:30Z) is another instant, so it does not take
	 * the slot; the first does, and the next is a week later (CET). */
	sm_time second[] = {utc("2026-10-25T01:30:00Z")};
	expect_next(&p.pl, "2026-10-24T12:00:00Z", second, 1,
		    "2026-10-25T00:30:00Z");
	sm_time first[] = {utc("2026-10-25T00:30:00Z")};
	expect_next(&p.pl, "2026-10-24T12:00:00Z", first, 1,
		    "2026-11-01T01:30:00Z");

	/* On the gap day 03:00 (01:00Z) comes before 02:30 (01:30Z). */
	plat_init(&p, "x", "sun 02:30, sun 03:00", 0, 0);
	struct sm_slot_planner *pl =
		sm_slots_planner_new(paris(), utc("2026-03-28T12:00:00Z"));
	sm_slots_planner_platform(pl, &p.pl, NULL, 0);
	const char *names[] = {"x"};
	sm_time t[3];
	char err[256];
	for (int i = 0; i < 3; i++)
		assert_int_equal(sm_slots_planner_next(pl, names, 1, &t[i], err,
						       sizeof(err)),
				 0);
	assert_int_equal(t[0], utc("2026-03-29T01:00:00Z"));
	assert_int_equal(t[1], utc("2026-03-29T01:30:00Z"));
	/* A week later, CEST: 02:30 is 00:30Z. */
	assert_int_equal(t[2], utc("2026-04-05T00:30:00Z"));
	sm_slots_planner_free(pl);
}

static void
test_bulk(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00, wed 12:30", 0, 0);
	sm_time taken[] = {utc("2026-11-30T08:00:00Z")};
	struct sm_slot_planner *pl =
		sm_slots_planner_new(paris(), utc("2026-11-29T12:00:00Z"));
	sm_slots_planner_platform(pl, &ig.pl, taken, 1);
	/* A row of the same file with an explicit time takes its slot. */
	sm_slots_planner_take(pl, "Instagram", utc("2026-12-09T11:30:00Z"));
	const char *names[] = {"instagram"};
	static const char *const expect[] = {
		"2026-12-02T11:30:00Z", "2026-12-07T08:00:00Z",
		"2026-12-14T08:00:00Z", "2026-12-16T11:30:00Z"};
	char err[256], buf[32];
	for (int i = 0; i < 4; i++) {
		sm_time t;
		assert_int_equal(sm_slots_planner_next(pl, names, 1, &t, err,
						       sizeof(err)),
				 0);
		sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf));
		assert_string_equal(buf, expect[i]);
	}
	sm_slots_planner_free(pl);
}

static void
test_several_platforms(void **state)
{
	(void)state;
	struct plat ig, li;
	plat_init(&ig, "instagram", "mon 09:00, wed 12:30", 0, 0);
	plat_init(&li, "linkedin", "tue 10:00", 2 * HOUR, 1);
	/* The first platform's slots, free on every platform named. */
	sm_time li_taken[] = {utc("2026-11-30T09:00:00Z")};
	struct sm_slot_planner *pl =
		sm_slots_planner_new(paris(), utc("2026-11-29T12:00:00Z"));
	sm_slots_planner_platform(pl, &ig.pl, NULL, 0);
	sm_slots_planner_platform(pl, &li.pl, li_taken, 1);
	const char *names[] = {"instagram", "linkedin"};
	char err[256];
	sm_time t;
	assert_int_equal(
		sm_slots_planner_next(pl, names, 2, &t, err, sizeof(err)), 0);
	assert_int_equal(t, utc("2026-12-02T11:30:00Z"));
	/* Wednesday's slot is taken now and Monday is still too close to
	 * linkedin's 10:00 post: next Monday. */
	assert_int_equal(
		sm_slots_planner_next(pl, names, 2, &t, err, sizeof(err)), 0);
	assert_int_equal(t, utc("2026-12-07T08:00:00Z"));
	/* Instagram alone still has the Monday slot. */
	assert_int_equal(
		sm_slots_planner_next(pl, names, 1, &t, err, sizeof(err)), 0);
	assert_int_equal(t, utc("2026-11-30T08:00:00Z"));
	sm_slots_planner_free(pl);
}

static void
test_errors(void **state)
{
	(void)state;
	struct plat none;
	plat_init(&none, "tiktok", "", 0, 0);
	sm_time t = 42;
	char err[256] = "";
	assert_int_equal(sm_slots_next(&none.pl, paris(), 0, NULL, 0, &t, err,
				       sizeof(err)),
			 -1);
	assert_int_equal(t, 42);
	assert_non_null(strstr(err, "tiktok"));
	assert_non_null(strstr(err, "slots"));
	assert_non_null(strstr(err, "--at"));

	struct sm_slot_planner *pl = sm_slots_planner_new(paris(), 0);
	const char *names[] = {"nowhere"};
	assert_int_equal(
		sm_slots_planner_next(pl, names, 1, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nowhere"));
	assert_int_equal(
		sm_slots_planner_next(pl, names, 0, &t, err, sizeof(err)), -1);
	sm_slots_planner_free(pl);
	sm_slots_planner_free(NULL);
}

static void
test_crowded(void **state)
{
	(void)state;
	/* 98,000 posts in the past, then the Monday slot taken for 2,000
	 * weeks: the first free slot is the one after them. */
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00", 0, 0);
	size_t past = 98000, weeks = 2000, n = past + weeks;
	sm_time *taken = malloc(n * sizeof(*taken));
	assert_non_null(taken);
	sm_time mon = utc("2026-11-30T08:00:00Z");
	for (size_t i = 0; i < past; i++)
		taken[i] = mon - 2 * HOUR - (sm_time)(past - i) * 600;
	/* Monday 09:00 local, as a civil time, week after week (08:00Z in
	 * winter, 07:00Z in summer). */
	sm_time local = mon + HOUR;
	for (size_t w = 0; w < weeks; w++)
		taken[past + w] =
			sm_tz_resolve(paris(), local + (sm_time)w * 7 * 86400);
	sm_time got;
	char err[256];
	assert_int_equal(sm_slots_next(&ig.pl, paris(), mon - HOUR, taken, n,
				       &got, err, sizeof(err)),
			 0);
	assert_int_equal(
		got,
		sm_tz_resolve(paris(), local + (sm_time)weeks * 7 * 86400));
	free(taken);
}

static void
test_check(void **state)
{
	(void)state;
	struct plat ig;
	plat_init(&ig, "instagram", "mon 09:00", 4 * HOUR, 2);
	sm_time at[] = {
		utc("2026-11-30T08:00:00Z"), utc("2026-11-30T09:00:00Z"),
		utc("2026-11-30T19:00:00Z"), utc("2026-12-01T08:00:00Z")};
	struct sm_guard_issue *is = NULL;
	size_t n = 0;
	/* The two kinds of issue, as sentences. */
	struct sm_guard_issue spacing = {
		.kind = SM_GUARD_SPACING, .first = at[0], .second = at[1]};
	struct sm_guard_issue cap = {.kind = SM_GUARD_DAILY_CAP,
				     .day = sm_civil_days(2026, 11, 30),
				     .count = 3};
	char buf[256];
	sm_slots_issue_format(&ig.pl, paris(), &spacing, buf, sizeof(buf));
	assert_string_equal(buf, "instagram: posts at 2026-11-30 09:00 and "
				 "2026-11-30 10:00 are 1h apart, closer than "
				 "min_spacing 4h");
	sm_slots_issue_format(&ig.pl, paris(), &cap, buf, sizeof(buf));
	assert_string_equal(
		buf, "instagram: 3 posts on 2026-11-30, over daily_cap 2");

	/* A post to add at Tuesday 11:00 local: 2 h after Tuesday's. */
	assert_int_equal(sm_slots_check_one(&ig.pl, paris(), at, 4,
					    utc("2026-12-01T10:00:00Z"), &is,
					    &n),
			 1);
	assert_int_equal(is[0].kind, SM_GUARD_SPACING);
	assert_int_equal(is[0].first, at[3]);
	assert_int_equal(is[0].second, utc("2026-12-01T10:00:00Z"));
	free(is);
	/* At Monday 14:00 local: 4 h after 10:00 is fine, but Monday would
	 * have 4 posts. */
	assert_int_equal(sm_slots_check_one(&ig.pl, paris(), at, 4,
					    utc("2026-11-30T13:00:00Z"), &is,
					    &n),
			 1);
	assert_int_equal(is[0].kind, SM_GUARD_DAILY_CAP);
	assert_int_equal(is[0].count, 4);
	free(is);
	/* Between two close posts: both neighbours are reported. */
	assert_int_equal(sm_slots_check_one(&ig.pl, paris(), at, 4,
					    utc("2026-11-30T08:30:00Z"), &is,
					    &n),
			 3);
	assert_int_equal(is[0].second, utc("2026-11-30T08:30:00Z"));
	assert_int_equal(is[1].first, utc("2026-11-30T08:30:00Z"));
	assert_int_equal(is[1].second, at[1]);
	assert_int_equal(is[2].kind, SM_GUARD_DAILY_CAP);
	free(is);

	/* No min_spacing and no daily_cap: nothing to say. */
	plat_init(&ig, "instagram", "mon 09:00", 0, 0);
	assert_int_equal(sm_slots_check_one(&ig.pl, paris(), at, 4,
					    utc("2026-11-30T08:30:00Z"), &is,
					    &n),
			 0);
	assert_null(is);
	assert_int_equal(n, 0);
}

/* ---------------------------------------------------------------------
 * The planner against a brute-force search over every slot instant of a
 * year, in zones with odd changes: Santiago changes at midnight, Apia
 * skipped 2011-12-30 altogether, Lord Howe shifts by 30 minutes.
 */

struct brute {
	const struct sm_tz *zone;
	const struct sm_platform *pl;
	sm_time *taken;
	size_t n;
};

static int64_t
bday(const struct sm_tz *z, sm_time t)
{
	return sm_civil_day_of(sm_tz_to_local(z, t));
}

static int
brute_free(const struct brute *b, sm_time t)
{
	sm_time s = b->pl->min_spacing > 0 ? b->pl->min_spacing : 60;
	int day = 0;
	for (size_t i = 0; i < b->n; i++) {
		sm_time d = b->taken[i] - t;
		if (d > -s && d < s)
			return 0;
		day += bday(b->zone, b->taken[i]) == bday(b->zone, t);
	}
	return b->pl->daily_cap == 0 || day < b->pl->daily_cap;
}

static int
time_cmp(const void *a, const void *b)
{
	sm_time x = *(const sm_time *)a, y = *(const sm_time *)b;
	return x < y ? -1 : x > y;
}

/* The earliest free slot instant at least a minute after now within
 * 400 days, by trying them all; 0 when none. */
static sm_time
brute_next(const struct brute *b, sm_time now)
{
	static sm_time c[400 * 16];
	size_t nc = 0;
	int64_t d0 = bday(b->zone, now) - 2;
	for (int64_t d = d0; d < d0 + 400; d++)
		for (size_t k = 0; k < b->pl->slots.n; k++)
			if (b->pl->slots.v[k].weekday == sm_civil_weekday(d))
				c[nc++] = sm_tz_resolve(
					b->zone,
					d * 86400 +
						b->pl->slots.v[k].minute * 60);
	qsort(c, nc, sizeof(*c), time_cmp);
	for (size_t i = 0; i < nc; i++)
		if (c[i] >= now + 60 && brute_free(b, c[i]))
			return c[i];
	return 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void
test_matches_brute_force(void **state)
{
	(void)state;
	static const char *const zones[] = {"Europe/Paris", "America/Santiago",
					    "Pacific/Apia",
					    "Australia/Lord_Howe", "UTC"};
	static const char *const starts[] = {
		"2026-03-25T12:00:00Z", "2026-10-21T12:00:00Z",
		"2026-04-01T12:00:00Z", "2026-09-02T12:00:00Z",
		"2011-12-26T00:00:00Z"};
	for (int round = 0; round < 200; round++) {
		const struct sm_tz *z =
			sm_calendar_system_zone(zones[round % 5]);
		assert_non_null(z);
		struct plat p;
		memset(&p, 0, sizeof(p));
		snprintf(p.name, sizeof(p.name), "p");
		p.pl.name = p.name;
		p.pl.slots.v = p.v;
		p.pl.slots.n = 1 + rnd(6);
		for (size_t k = 0; k < p.pl.slots.n; k++) {
			/* Mostly around midnight and 02:00-03:00, where the
			 * changes are. */
			static const int mins[] = {0,	15,  30,  90,  120,
						   150, 180, 210, 720, 1425};
			p.v[k].weekday = (int)rnd(7);
			p.v[k].minute = mins[rnd(10)];
		}
		p.pl.min_spacing = rnd(3) == 0 ? 0 : (sm_time)rnd(30) * 1800;
		p.pl.daily_cap = (int)rnd(4);
		sm_time now =
			utc(starts[rnd(5)]) + (sm_time)rnd(14 * 24) * 3600;

		/* Some posts already there, sorted. */
		sm_time taken[64];
		size_t n = rnd(40);
		for (size_t i = 0; i < n; i++)
			taken[i] = now + (sm_time)rnd(21 * 48) * 1800;
		qsort(taken, n, sizeof(*taken), time_cmp);

		struct sm_slot_planner *pl = sm_slots_planner_new(z, now);
		sm_slots_planner_platform(pl, &p.pl, taken, n);
		sm_time all[128];
		memcpy(all, taken, n * sizeof(*taken));
		struct brute b = {z, &p.pl, all, n};
		for (int k = 0; k < 6; k++) {
			sm_time want = brute_next(&b, now), got = 0;
			char err[256] = "";
			const char *name = "p";
			int rc = sm_slots_planner_next(pl, &name, 1, &got, err,
						       sizeof(err));
			if (rc != 0 || got != want) {
				char g[32], w[32];
				fail_msg("round %d pick %d in %s: got %s (%s), "
					 "brute force %s",
					 round, k, zones[round % 5],
					 sm_civil_format(got, SM_CIVIL_UTC, g,
							 32),
					 err,
					 sm_civil_format(want, SM_CIVIL_UTC, w,
							 32));
			}
			all[b.n++] = got;
		}
		sm_slots_planner_free(pl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_earliest_slot),
		cmocka_unit_test(test_taken_same_slot),
		cmocka_unit_test(test_min_spacing),
		cmocka_unit_test(test_daily_cap),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_several_platforms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_crowded),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_matches_brute_force),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
