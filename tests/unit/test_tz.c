/*
 * Unit tests for lib/tz: transition tables and the RFC 5545 rules for turning
 * local wall-clock times into instants (section 3.3.5: a time in a DST gap
 * uses the offset in force before the gap; a repeated time means its first
 * occurrence).
 *
 * Expected instants are literals computed by hand from each zone's rules and
 * cross-checked with Python's zoneinfo (fold=0 in a gap gives the offset
 * before it; the first occurrence of a repeated time is the smaller of the
 * fold=0 and fold=1 instants).  System zones come from the calendar module
 * (libical's reading of /usr/share/zoneinfo), so the glibc comparison below
 * also checks that conversion, zone by zone, against an independent reader of
 * the same files.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "civil.h"
#include "rrule.h"
#include "tz.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR 3600

/* ---------------------------------------------------------------------
 * Helpers.
 */

/* A local (civil) time from its fields. */
static sm_time
civ(int y, int mo, int d, int h, int mi)
{
	struct sm_civil c = {y, mo, d, h, mi, 0};
	return sm_civil_make(&c);
}

static const char *
fmt_utc(sm_time t, char *buf)
{
	return sm_civil_format(t, SM_CIVIL_UTC, buf, 32);
}

static const char *
fmt_local(sm_time t, char *buf)
{
	return sm_civil_format(t, SM_CIVIL_LOCAL, buf, 32);
}

static const char *
fmt_offset(int off, char *buf)
{
	int a = off < 0 ? -off : off;
	snprintf(buf, 16, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600,
		 a / 60 % 60);
	return buf;
}

static const struct sm_tz *
sys(const char *name)
{
	const struct sm_tz *tz = sm_calendar_system_zone(name);
	if (!tz)
		fail_msg("system zone %s not found", name);
	return tz;
}

/* Asserts that local time y-mo-d h:mi in tz resolves to the instant want. */
static void
check_resolve(const struct sm_tz *tz, int y, int mo, int d, int h, int mi,
	      const char *want)
{
	char got[32], loc[32];
	sm_time local = civ(y, mo, d, h, mi);
	sm_time r = sm_tz_resolve(tz, local);
	if (r != utc(want))
		fail_msg("%s: resolve(%s) = %s, expected %s", tz->name,
			 fmt_local(local, loc), fmt_utc(r, got), want);
}

/* Asserts the offset in force just before and at a transition instant. */
static void
check_transition(const struct sm_tz *tz, const char *at, int before, int after)
{
	char b1[16], b2[16], b3[16], b4[16];
	sm_time t = utc(at);
	int ob = sm_tz_offset_at(tz, t - 1);
	int oa = sm_tz_offset_at(tz, t);
	if (ob != before || oa != after)
		fail_msg("%s around %s: offsets %s then %s, expected %s then "
			 "%s",
			 tz->name, at, fmt_offset(ob, b1), fmt_offset(oa, b2),
			 fmt_offset(before, b3), fmt_offset(after, b4));
}

/* Asserts the local wall-clock reading of an instant. */
static void
check_to_local(const struct sm_tz *tz, const char *at, const char *want)
{
	char got[32];
	sm_time l = sm_tz_to_local(tz, utc(at));
	if (strcmp(fmt_local(l, got), want) != 0)
		fail_msg("%s: to_local(%s) = %s, expected %s", tz->name, at,
			 got, want);
}

static void
parse_rule(const char *text, struct sm_rrule *r)
{
	char err[256] = "";
	memset(r, 0, sizeof(*r));
	if (sm_rrule_parse(text, r, err, sizeof(err)) != 0)
		fail_msg("sm_rrule_parse(\"%s\") failed: %s", text, err);
}

/* ---------------------------------------------------------------------
 * Gaps and overlaps in system zones.
 */

static void
test_paris(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("Europe/Paris");

	/* 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. */
	check_transition(tz, "2026-03-29T01:00:00Z", 1 * HOUR, 2 * HOUR);
	check_resolve(tz, 2026, 3, 29, 1, 59, "2026-03-29T00:59:00Z");
	check_resolve(tz, 2026, 3, 29, 2, 0, "2026-03-29T01:00:00Z");
	check_resolve(tz, 2026, 3, 29, 2, 30, "2026-03-29T01:30:00Z");
	check_resolve(tz, 2026, 3, 29, 2, 59, "2026-03-29T01:59:00Z");
	check_resolve(tz, 2026, 3, 29, 3, 0, "2026-03-29T01:00:00Z");
	check_resolve(tz, 2026, 3, 29, 3, 30, "2026-03-29T01:30:00Z");
	check_resolve(tz, 2026, 3, 30, 2, 30, "2026-03-30T00:30:00Z");
	check_resolve(tz, 2026, 3, 28, 2, 30, "2026-03-28T01:30:00Z");

	/* 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00-02:59
	 * happens twice and means the CEST one. */
	check_transition(tz, "2026-10-25T01:00:00Z", 2 * HOUR, 1 * HOUR);
	check_resolve(tz, 2026, 10, 25, 1, 59, "2026-10-24T23:59:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 0, "2026-10-25T00:00:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 30, "2026-10-25T00:30:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 59, "2026-10-25T00:59:00Z");
	check_resolve(tz, 2026, 10, 25, 3, 0, "2026-10-25T02:00:00Z");
	check_resolve(tz, 2026, 10, 24, 2, 30, "2026-10-24T00:30:00Z");
	check_resolve(tz, 2026, 10, 26, 2, 30, "2026-10-26T01:30:00Z");

	check_to_local(tz, "2026-03-29T00:59:59Z", "2026-03-29T01:59:59");
	check_to_local(tz, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00");
	check_to_local(tz, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00");
	check_to_local(tz, "2026-10-25T00:59:59Z", "2026-10-25T02:59:59");
	check_to_local(tz, "2026-10-25T01:00:00Z", "2026-10-25T02:00:00");
	check_to_local(tz, "2026-10-25T01:30:00Z", "2026-10-25T02:30:00");
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-01-15T12:00:00Z")),
			 HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-07-15T12:00:00Z")),
			 2 * HOUR);
}

static void
test_berlin(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("Europe/Berlin");

	/* The cases libical 3.0.16 gets wrong (NOTES.md). */
	check_resolve(tz, 2024, 3, 31, 2, 30, "2024-03-31T01:30:00Z");
	check_resolve(tz, 2024, 10, 27, 2, 30, "2024-10-27T00:30:00Z");
	check_resolve(tz, 2024, 3, 31, 1, 30, "2024-03-31T00:30:00Z");
	check_resolve(tz, 2024, 3, 31, 3, 30, "2024-03-31T01:30:00Z");
	check_resolve(tz, 2024, 10, 27, 1, 30, "2024-10-26T23:30:00Z");
	check_resolve(tz, 2024, 10, 27, 3, 30, "2024-10-27T02:30:00Z");
	check_transition(tz, "2024-03-31T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2024-10-27T01:00:00Z", 2 * HOUR, HOUR);
	check_to_local(tz, "2024-10-27T00:30:00Z", "2024-10-27T02:30:00");
	check_to_local(tz, "2024-10-27T01:30:00Z", "2024-10-27T02:30:00");
}

static void
test_new_york(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("America/New_York");

	/* 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z. */
	check_transition(tz, "2026-03-08T07:00:00Z", -5 * HOUR, -4 * HOUR);
	check_resolve(tz, 2026, 3, 8, 1, 59, "2026-03-08T06:59:00Z");
	check_resolve(tz, 2026, 3, 8, 2, 30, "2026-03-08T07:30:00Z");
	check_resolve(tz, 2026, 3, 8, 3, 0, "2026-03-08T07:00:00Z");
	check_resolve(tz, 2026, 3, 8, 12, 0, "2026-03-08T16:00:00Z");
	check_resolve(tz, 2026, 3, 7, 2, 30, "2026-03-07T07:30:00Z");

	/* 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z. */
	check_transition(tz, "2026-11-01T06:00:00Z", -4 * HOUR, -5 * HOUR);
	check_resolve(tz, 2026, 11, 1, 0, 59, "2026-11-01T04:59:00Z");
	check_resolve(tz, 2026, 11, 1, 1, 0, "2026-11-01T05:00:00Z");
	check_resolve(tz, 2026, 11, 1, 1, 30, "2026-11-01T05:30:00Z");
	check_resolve(tz, 2026, 11, 1, 2, 0, "2026-11-01T07:00:00Z");
	check_resolve(tz, 2026, 11, 2, 1, 30, "2026-11-02T06:30:00Z");

	check_to_local(tz, "2026-03-08T06:59:59Z", "2026-03-08T01:59:59");
	check_to_local(tz, "2026-03-08T07:00:00Z", "2026-03-08T03:00:00");
	check_to_local(tz, "2026-11-01T05:30:00Z", "2026-11-01T01:30:00");
	check_to_local(tz, "2026-11-01T06:30:00Z", "2026-11-01T01:30:00");
}

static void
test_lord_howe(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("Australia/Lord_Howe");

	/* A 30-minute shift.  2026-10-04: 02:00 (+10:30) becomes 02:30
	 * (+11) at 2026-10-03T15:30Z. */
	check_transition(tz, "2026-10-03T15:30:00Z", 10 * HOUR + 1800,
			 11 * HOUR);
	check_resolve(tz, 2026, 10, 4, 1, 59, "2026-10-03T15:29:00Z");
	check_resolve(tz, 2026, 10, 4, 2, 0, "2026-10-03T15:30:00Z");
	check_resolve(tz, 2026, 10, 4, 2, 15, "2026-10-03T15:45:00Z");
	check_resolve(tz, 2026, 10, 4, 2, 29, "2026-10-03T15:59:00Z");
	check_resolve(tz, 2026, 10, 4, 2, 30, "2026-10-03T15:30:00Z");
	check_resolve(tz, 2026, 10, 4, 3, 0, "2026-10-03T16:00:00Z");

	/* 2026-04-05: 02:00 (+11) becomes 01:30 (+10:30) at
	 * 2026-04-04T15:00Z; 01:30-01:59 happens twice. */
	check_transition(tz, "2026-04-04T15:00:00Z", 11 * HOUR,
			 10 * HOUR + 1800);
	check_resolve(tz, 2026, 4, 5, 1, 29, "2026-04-04T14:29:00Z");
	check_resolve(tz, 2026, 4, 5, 1, 30, "2026-04-04T14:30:00Z");
	check_resolve(tz, 2026, 4, 5, 1, 45, "2026-04-04T14:45:00Z");
	check_resolve(tz, 2026, 4, 5, 2, 0, "2026-04-04T15:30:00Z");
	check_resolve(tz, 2026, 4, 5, 12, 0, "2026-04-05T01:30:00Z");

	check_to_local(tz, "2026-04-04T14:45:00Z", "2026-04-05T01:45:00");
	check_to_local(tz, "2026-04-04T15:15:00Z", "2026-04-05T01:45:00");
	check_to_local(tz, "2026-10-03T15:29:59Z", "2026-10-04T01:59:59");
	check_to_local(tz, "2026-10-03T15:30:00Z", "2026-10-04T02:30:00");
}

static void
test_sydney(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("Australia/Sydney");

	/* Southern hemisphere: DST from October to April. */
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-01-15T00:00:00Z")),
			 11 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-07-15T00:00:00Z")),
			 10 * HOUR);

	/* 2026-04-05: 03:00 AEDT becomes 02:00 AEST at 2026-04-04T16:00Z. */
	check_transition(tz, "2026-04-04T16:00:00Z", 11 * HOUR, 10 * HOUR);
	check_resolve(tz, 2026, 4, 5, 1, 59, "2026-04-04T14:59:00Z");
	check_resolve(tz, 2026, 4, 5, 2, 30, "2026-04-04T15:30:00Z");
	check_resolve(tz, 2026, 4, 5, 3, 0, "2026-04-04T17:00:00Z");

	/* 2026-10-04: 02:00 AEST becomes 03:00 AEDT at 2026-10-03T16:00Z. */
	check_transition(tz, "2026-10-03T16:00:00Z", 10 * HOUR, 11 * HOUR);
	check_resolve(tz, 2026, 10, 4, 1, 59, "2026-10-03T15:59:00Z");
	check_resolve(tz, 2026, 10, 4, 2, 30, "2026-10-03T16:30:00Z");
	check_resolve(tz, 2026, 10, 4, 3, 0, "2026-10-03T16:00:00Z");

	check_to_local(tz, "2026-04-04T15:30:00Z", "2026-04-05T02:30:00");
	check_to_local(tz, "2026-04-04T16:30:00Z", "2026-04-05T02:30:00");
	check_to_local(tz, "2026-10-03T16:00:00Z", "2026-10-04T03:00:00");
}

static void
test_kolkata(void **state)
{
	(void)state;
	const struct sm_tz *tz = sys("Asia/Kolkata");

	/* No DST since 1945: +05:30 at every date European zones change. */
	check_resolve(tz, 2026, 3, 29, 2, 30, "2026-03-28T21:00:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 30, "2026-10-24T21:00:00Z");
	check_resolve(tz, 2026, 1, 1, 0, 0, "2025-12-31T18:30:00Z");
	check_to_local(tz, "2026-03-29T01:00:00Z", "2026-03-29T06:30:00");
	for (int y = 1990; y <= 2037; y++)
		for (int m = 1; m <= 12; m++)
			assert_int_equal(
				sm_tz_offset_at(tz, civ(y, m, 1, 0, 0)),
				5 * HOUR + 1800);
}

/* ---------------------------------------------------------------------
 * Agreement with glibc's reading of the same zoneinfo files.
 */

#define MAX_REPORT 5

struct mismatches {
	int n;
	char first[MAX_REPORT][128];
};

static void note(struct mismatches *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct mismatches *m, const char *fmt, ...)
{
	if (m->n < MAX_REPORT) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->first[m->n], sizeof(m->first[0]), fmt, ap);
		va_end(ap);
	}
	m->n++;
}

static int
glibc_offset(sm_time t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		fail_msg("localtime_r failed at %lld", (long long)t);
	return (int)tm.tm_gmtoff;
}

static void
compare_at(const struct sm_tz *tz, sm_time t, struct mismatches *m)
{
	int g = glibc_offset(t), s = sm_tz_offset_at(tz, t);
	if (g != s) {
		char b[32], og[16], os[16];
		note(m, "%s glibc %s smcal %s", fmt_utc(t, b),
		     fmt_offset(g, og), fmt_offset(s, os));
	}
}

/*
 * Compares sm_tz_offset_at with tm_gmtoff every 6 hours from 1990 to 2037,
 * at every glibc transition (found by bisection, checked on both sides) and
 * on both sides of every smcal transition in the span.  Also checks that
 * resolving each instant's local time gives back that instant, or an earlier
 * one with the same local time (the first occurrence in an overlap).
 */
static void
test_glibc_agreement(void **state)
{
	const char *zone = *state;
	const struct sm_tz *tz = sys(zone);
	const sm_time from = utc("1990-01-01T00:00:00Z");
	const sm_time until = utc("2038-01-01T00:00:00Z");
	const sm_time stride = 6 * HOUR;
	struct mismatches gm = {0}, rm = {0};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	assert_int_equal(setenv("TZ", zone, 1), 0);
	tzset();

	int prev = glibc_offset(from);
	for (sm_time t = from; t < until; t += stride) {
		int g = glibc_offset(t);
		compare_at(tz, t, &gm);
		if (g != prev) {
			/* Bisect the glibc transition in (t - stride, t]. */
			sm_time lo = t - stride, hi = t;
			while (hi - lo > 1) {
				sm_time mid = lo + (hi - lo) / 2;
				if (glibc_offset(mid) == prev)
					lo = mid;
				else
					hi = mid;
			}
			compare_at(tz, hi - 1, &gm);
			compare_at(tz, hi, &gm);
		}
		prev = g;

		sm_time local = sm_tz_to_local(tz, t);
		sm_time back = sm_tz_resolve(tz, local);
		if (back != t &&
		    !(back < t && sm_tz_to_local(tz, back) == local)) {
			char b1[32], b2[32];
			note(&rm, "resolve(to_local(%s)) = %s", fmt_utc(t, b1),
			     fmt_utc(back, b2));
		}
	}
	for (size_t i = 0; i < tz->ntrans; i++) {
		sm_time at = tz->trans[i].at;
		if (at <= from || at >= until)
			continue;
		compare_at(tz, at - 1, &gm);
		compare_at(tz, at, &gm);
	}

	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();

	for (int i = 0; i < gm.n && i < MAX_REPORT; i++)
		print_error("%s: %s\n", zone, gm.first[i]);
	for (int i = 0; i < rm.n && i < MAX_REPORT; i++)
		print_error("%s: %s\n", zone, rm.first[i]);
	if (gm.n || rm.n)
		fail_msg("%s: %d offset mismatches with glibc (first: %s), %d "
			 "resolve round-trip failures",
			 zone, gm.n, gm.n ? gm.first[0] : "-", rm.n);
}

/* ---------------------------------------------------------------------
 * Zones built from a file's observances.
 */

/* Outlook's "W. Europe Standard Time": rules from 1601, never ending. */
static struct sm_tz *
outlook_zone(struct sm_rrule *std_rule, struct sm_rrule *dst_rule)
{
	parse_rule("FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", std_rule);
	parse_rule("FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", dst_rule);
	struct sm_tz_observance obs[2] = {
		{.dtstart = civ(1601, 1, 1, 3, 0),
		 .offset_from = 2 * HOUR,
		 .offset_to = HOUR,
		 .rule = std_rule},
		{.dtstart = civ(1601, 1, 1, 2, 0),
		 .offset_from = HOUR,
		 .offset_to = 2 * HOUR,
		 .rule = dst_rule},
	};
	return sm_tz_new("W. Europe Standard Time", obs, 2);
}

/* Google-style: the same rules from 1970. */
static struct sm_tz *
zone_from_1970(const char *name)
{
	struct sm_rrule std_rule, dst_rule;
	parse_rule("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", &std_rule);
	parse_rule("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", &dst_rule);
	struct sm_tz_observance obs[2] = {
		{.dtstart = civ(1970, 10, 25, 3, 0),
		 .offset_from = 2 * HOUR,
		 .offset_to = HOUR,
		 .rule = &std_rule},
		{.dtstart = civ(1970, 3, 29, 2, 0),
		 .offset_from = HOUR,
		 .offset_to = 2 * HOUR,
		 .rule = &dst_rule},
	};
	return sm_tz_new(name, obs, 2);
}

/* Only DTSTART and RDATEs, Paris-like, onsets from 2023-10-29 to
 * 2025-10-26. */
static struct sm_tz *
rdate_zone(void)
{
	sm_time std_rd[2], dst_rd[1];
	std_rd[0] = civ(2024, 10, 27, 3, 0);
	std_rd[1] = civ(2025, 10, 26, 3, 0);
	dst_rd[0] = civ(2025, 3, 30, 2, 0);
	struct sm_tz_observance obs[2] = {
		{.dtstart = civ(2023, 10, 29, 3, 0),
		 .offset_from = 2 * HOUR,
		 .offset_to = HOUR,
		 .rdates = std_rd,
		 .nrdates = 2},
		{.dtstart = civ(2024, 3, 31, 2, 0),
		 .offset_from = HOUR,
		 .offset_to = 2 * HOUR,
		 .rdates = dst_rd,
		 .nrdates = 1},
	};
	return sm_tz_new("Custom/Paris-RDATE", obs, 2);
}

/* Asserts that a and b agree every 6 hours in [from, until). */
static void
check_same_offsets(const struct sm_tz *a, const struct sm_tz *b,
		   const char *from, const char *until)
{
	struct mismatches m = {0};
	for (sm_time t = utc(from); t < utc(until); t += 6 * HOUR) {
		int oa = sm_tz_offset_at(a, t), ob = sm_tz_offset_at(b, t);
		if (oa != ob) {
			char b1[32], o1[16], o2[16];
			note(&m, "%s: %s %s, %s %s", fmt_utc(t, b1), a->name,
			     fmt_offset(oa, o1), b->name, fmt_offset(ob, o2));
		}
	}
	for (int i = 0; i < m.n && i < MAX_REPORT; i++)
		print_error("%s\n", m.first[i]);
	if (m.n)
		fail_msg("%s and %s disagree at %d instants (first: %s)",
			 a->name, b->name, m.n, m.first[0]);
}

static void
assert_sorted(const struct sm_tz *tz)
{
	for (size_t i = 1; i < tz->ntrans; i++)
		if (tz->trans[i - 1].at >= tz->trans[i].at) {
			char b1[32], b2[32];
			fail_msg(
				"%s: transitions %zu (%s) and %zu (%s) are out "
				"of order (of %zu)",
				tz->name, i - 1,
				fmt_utc(tz->trans[i - 1].at, b1), i,
				fmt_utc(tz->trans[i].at, b2), tz->ntrans);
		}
}

static void
test_outlook_rules(void **state)
{
	(void)state;
	struct sm_rrule std_rule, dst_rule;
	struct sm_tz *tz = outlook_zone(&std_rule, &dst_rule);
	assert_non_null(tz);
	assert_string_equal(tz->name, "W. Europe Standard Time");
	assert_true(tz->covered_from == utc("1601-01-01T01:00:00Z"));
	assert_true(tz->covered_until == SM_TIME_MAX);
	assert_sorted(tz);

	check_transition(tz, "2026-03-29T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2026-10-25T01:00:00Z", 2 * HOUR, HOUR);
	check_transition(tz, "1602-03-31T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2199-10-27T01:00:00Z", 2 * HOUR, HOUR);
	check_resolve(tz, 2026, 3, 29, 2, 30, "2026-03-29T01:30:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 30, "2026-10-25T00:30:00Z");
	check_resolve(tz, 2026, 7, 1, 12, 0, "2026-07-01T10:00:00Z");
	check_resolve(tz, 2026, 1, 15, 12, 0, "2026-01-15T11:00:00Z");
	assert_int_equal(sm_tz_offset_at(tz, utc("2150-07-01T00:00:00Z")),
			 2 * HOUR);
	/* The EU rule is the same since 1996. */
	check_same_offsets(tz, sys("Europe/Berlin"), "1996-01-01T00:00:00Z",
			   "2038-01-01T00:00:00Z");
	sm_tz_free(tz);
}

static void
test_rdate_only(void **state)
{
	(void)state;
	struct sm_tz *tz = rdate_zone();
	assert_non_null(tz);
	assert_sorted(tz);
	assert_true(tz->covered_from == utc("2023-10-29T01:00:00Z"));
	assert_true(tz->covered_until == utc("2025-10-26T01:00:00Z"));
	/* Before its first onset: that observance's TZOFFSETFROM. */
	assert_int_equal(tz->initial_offset, 2 * HOUR);
	assert_int_equal(tz->ntrans, 5);

	check_transition(tz, "2023-10-29T01:00:00Z", 2 * HOUR, HOUR);
	check_transition(tz, "2024-03-31T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2024-10-27T01:00:00Z", 2 * HOUR, HOUR);
	check_transition(tz, "2025-03-30T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2025-10-26T01:00:00Z", 2 * HOUR, HOUR);
	/* Past the last onset its offset stays. */
	assert_int_equal(sm_tz_offset_at(tz, utc("2030-07-01T00:00:00Z")),
			 HOUR);
	check_resolve(tz, 2024, 3, 31, 2, 30, "2024-03-31T01:30:00Z");
	check_resolve(tz, 2024, 10, 27, 2, 30, "2024-10-27T00:30:00Z");
	check_resolve(tz, 2025, 3, 30, 2, 30, "2025-03-30T01:30:00Z");
	check_resolve(tz, 2025, 10, 26, 2, 30, "2025-10-26T00:30:00Z");
	sm_tz_free(tz);
}

static void
test_no_observance(void **state)
{
	(void)state;
	assert_null(sm_tz_new("Empty", NULL, 0));
}

/* A finite inner zone: the outer zone before covered_from and after
 * covered_until.  New York is used as the outer zone so that every offset
 * says which zone it came from. */
static void
test_spliced_finite(void **state)
{
	(void)state;
	struct sm_tz *inner = rdate_zone();
	const struct sm_tz *ny = sys("America/New_York");
	struct sm_tz *tz = sm_tz_new_spliced(ny, inner);
	assert_non_null(tz);
	assert_string_equal(tz->name, "Custom/Paris-RDATE");
	assert_sorted(tz);

	assert_int_equal(sm_tz_offset_at(tz, utc("2023-07-01T12:00:00Z")),
			 -4 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2023-01-15T12:00:00Z")),
			 -5 * HOUR);
	check_transition(tz, "2023-03-12T07:00:00Z", -5 * HOUR, -4 * HOUR);
	/* Inner from its first onset to its last. */
	check_transition(tz, "2023-10-29T01:00:00Z", -4 * HOUR, HOUR);
	check_transition(tz, "2024-03-31T01:00:00Z", HOUR, 2 * HOUR);
	check_transition(tz, "2024-10-27T01:00:00Z", 2 * HOUR, HOUR);
	check_transition(tz, "2025-03-30T01:00:00Z", HOUR, 2 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, inner->covered_until), HOUR);
	/* Then New York again (EDT until 2025-11-02). */
	assert_int_equal(sm_tz_offset_at(tz, inner->covered_until + 1),
			 -4 * HOUR);
	check_transition(tz, "2025-11-02T06:00:00Z", -4 * HOUR, -5 * HOUR);
	check_transition(tz, "2026-03-08T07:00:00Z", -5 * HOUR, -4 * HOUR);
	check_resolve(tz, 2026, 3, 8, 2, 30, "2026-03-08T07:30:00Z");
	check_resolve(tz, 2026, 11, 1, 1, 30, "2026-11-01T05:30:00Z");
	check_resolve(tz, 2024, 3, 31, 2, 30, "2024-03-31T01:30:00Z");
	check_same_offsets(tz, ny, "1990-01-01T00:00:00Z",
			   "2023-10-29T00:00:00Z");
	check_same_offsets(tz, ny, "2025-10-26T02:00:00Z",
			   "2038-01-01T00:00:00Z");
	sm_tz_free(tz);

	/* Spliced into its own system zone, nothing changes. */
	const struct sm_tz *paris = sys("Europe/Paris");
	tz = sm_tz_new_spliced(paris, inner);
	assert_non_null(tz);
	assert_sorted(tz);
	check_same_offsets(tz, paris, "1990-01-01T00:00:00Z",
			   "2038-01-01T00:00:00Z");
	sm_tz_free(tz);
	sm_tz_free(inner);
}

/*
 * An open-ended inner zone (a VTIMEZONE from 1970 with endless RRULEs, as
 * Google and Apple export them; the calendar module splices it because it
 * starts after the system zone) is followed for ever from its first onset;
 * before it, the outer zone applies.
 */
static void
test_spliced_open_ended(void **state)
{
	(void)state;
	struct sm_tz *inner = zone_from_1970("Europe/Paris");
	assert_non_null(inner);
	assert_true(inner->covered_from == utc("1970-03-29T01:00:00Z"));
	assert_true(inner->covered_until == SM_TIME_MAX);
	const struct sm_tz *paris = sys("Europe/Paris");
	struct sm_tz *tz = sm_tz_new_spliced(paris, inner);
	assert_non_null(tz);
	/* Regression: until + 1 overflowed for SM_TIME_MAX and appended every
	 * outer transition after the inner ones, unsorted. */
	assert_sorted(tz);
	check_same_offsets(tz, paris, "1900-01-01T00:00:00Z",
			   "1970-03-29T00:00:00Z");
	check_same_offsets(tz, inner, "1970-03-29T01:00:00Z",
			   "2200-01-01T00:00:00Z");
	check_same_offsets(tz, paris, "1996-01-01T00:00:00Z",
			   "2038-01-01T00:00:00Z");
	check_resolve(tz, 2026, 3, 29, 2, 30, "2026-03-29T01:30:00Z");
	check_resolve(tz, 2026, 10, 25, 2, 30, "2026-10-25T00:30:00Z");
	sm_tz_free(tz);

	/* With New York outside: New York before 1970-03-29, inner after. */
	const struct sm_tz *ny = sys("America/New_York");
	tz = sm_tz_new_spliced(ny, inner);
	assert_non_null(tz);
	assert_int_equal(sm_tz_offset_at(tz, utc("1969-07-01T00:00:00Z")),
			 -4 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("1970-01-15T00:00:00Z")),
			 -5 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-01-15T00:00:00Z")),
			 HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-07-15T00:00:00Z")),
			 2 * HOUR);
	assert_int_equal(sm_tz_offset_at(tz, utc("2150-07-15T00:00:00Z")),
			 2 * HOUR);
	check_resolve(tz, 2026, 7, 1, 12, 0, "2026-07-01T10:00:00Z");
	check_same_offsets(tz, inner, "1970-03-29T01:00:00Z",
			   "2200-01-01T00:00:00Z");
	assert_sorted(tz);
	sm_tz_free(tz);
	sm_tz_free(inner);
}

/* Zones a test owns, freed by its teardown even when an assertion fails. */
struct owned {
	struct sm_tz *z[4];
};

static int
owned_setup(void **state)
{
	*state = calloc(1, sizeof(struct owned));
	return *state ? 0 : -1;
}

static int
owned_teardown(void **state)
{
	struct owned *o = *state;
	for (size_t i = 0; i < NELEM(o->z); i++)
		sm_tz_free(o->z[i]);
	free(o);
	return 0;
}

/* A fixed inner zone covers all time: the outer zone never shows. */
static void
test_spliced_fixed_inner(void **state)
{
	struct owned *o = *state;
	struct sm_tz *inner = o->z[0] = sm_tz_new_fixed("Etc/GMT-3", 3 * HOUR);
	struct sm_tz *tz = o->z[1] =
		sm_tz_new_spliced(sys("Europe/Paris"), inner);
	assert_non_null(tz);
	/* A fixed inner zone covers all time: the outer zone never shows. */
	check_same_offsets(tz, inner, "1990-01-01T00:00:00Z",
			   "2038-01-01T00:00:00Z");
	assert_int_equal(tz->ntrans, 0);
}

/* ---------------------------------------------------------------------
 * Fixed zones, the system zone cache and Windows names.
 */

static void
test_fixed(void **state)
{
	(void)state;
	struct sm_tz *tz = sm_tz_new_fixed("Etc/Plus0530", 5 * HOUR + 1800);
	assert_non_null(tz);
	assert_string_equal(tz->name, "Etc/Plus0530");
	assert_int_equal(tz->ntrans, 0);
	assert_true(tz->covered_from == SM_TIME_MIN);
	assert_true(tz->covered_until == SM_TIME_MAX);
	assert_int_equal(sm_tz_offset_at(tz, 0), 5 * HOUR + 1800);
	assert_int_equal(sm_tz_offset_at(tz, utc("2026-03-29T01:00:00Z")),
			 5 * HOUR + 1800);
	check_resolve(tz, 2026, 3, 29, 2, 30, "2026-03-28T21:00:00Z");
	check_to_local(tz, "2026-03-28T21:00:00Z", "2026-03-29T02:30:00");
	sm_tz_free(tz);

	tz = sm_tz_new_fixed("UTC", 0);
	check_resolve(tz, 2026, 10, 25, 2, 30, "2026-10-25T02:30:00Z");
	sm_tz_free(tz);

	tz = sm_tz_new_fixed("Etc/GMT+8", -8 * HOUR);
	check_resolve(tz, 2026, 1, 1, 0, 0, "2026-01-01T08:00:00Z");
	sm_tz_free(tz);

	/* A NULL name is stored as an empty one. */
	tz = sm_tz_new_fixed(NULL, 0);
	assert_non_null(tz);
	assert_non_null(tz->name);
	sm_tz_free(tz);
}

static void
test_free_null(void **state)
{
	(void)state;
	sm_tz_free(NULL);
}

static void
test_windows_zone(void **state)
{
	(void)state;
	const char *n = sm_calendar_windows_zone("W. Europe Standard Time");
	assert_non_null(n);
	assert_string_equal(n, "Europe/Berlin");
	n = sm_calendar_windows_zone("Eastern Standard Time");
	assert_non_null(n);
	assert_string_equal(n, "America/New_York");
	n = sm_calendar_windows_zone("Romance Standard Time");
	assert_non_null(n);
	assert_string_equal(n, "Europe/Paris");
	n = sm_calendar_windows_zone("Lord Howe Standard Time");
	assert_non_null(n);
	assert_string_equal(n, "Australia/Lord_Howe");
	assert_null(sm_calendar_windows_zone("Olympus Mons Standard Time"));
	assert_null(sm_calendar_windows_zone(""));
	assert_null(sm_calendar_windows_zone("Europe/Berlin"));
}

static void
test_system_zone_names(void **state)
{
	(void)state;
	assert_null(sm_calendar_system_zone("Mars/Olympus"));
	assert_null(sm_calendar_system_zone("../etc/passwd"));
	assert_null(sm_calendar_system_zone("Europe/../../../etc/passwd"));
	assert_null(sm_calendar_system_zone("/etc/passwd"));
	assert_null(sm_calendar_system_zone(""));
	assert_null(sm_calendar_system_zone(NULL));
	/* A directory is not a zone. */
	assert_null(sm_calendar_system_zone("Europe"));
	/* Unknown names are cached as unknown, and stay so. */
	assert_null(sm_calendar_system_zone("Mars/Olympus"));

	const struct sm_tz *u = sm_calendar_system_zone("UTC");
	assert_non_null(u);
	assert_int_equal(u->ntrans, 0);
	assert_int_equal(sm_tz_offset_at(u, 0), 0);
	assert_int_equal(sm_tz_offset_at(u, utc("2026-07-01T00:00:00Z")), 0);

	/* Cached: the same zone each time. */
	assert_ptr_equal(sys("Europe/Paris"), sys("Europe/Paris"));
	assert_string_equal(sys("Europe/Paris")->name, "Europe/Paris");
}

/* One test per zone, named after it. */
#define GLIBC(zone)                                                            \
	{                                                                      \
		"glibc_agreement " zone, test_glibc_agreement, NULL, NULL,     \
			(void *)(uintptr_t)(zone)                              \
	}

/*
 * RFC 3339 in a zone, as smcald's log writes times (issue 11): the local
 * time with its offset, "Z" at offset zero, milliseconds on request, and
 * instants before 1970 with a positive fraction.
 */
static void
test_format(void **state)
{
	(void)state;
	char buf[SM_TZ_RFC3339_MAX];
	const struct sm_tz *paris = sm_calendar_system_zone("Europe/Paris");
	const struct sm_tz *ny = sm_calendar_system_zone("America/New_York");
	const struct sm_tz *kolkata = sm_calendar_system_zone("Asia/Kolkata");
	assert_non_null(paris);
	assert_non_null(ny);
	assert_non_null(kolkata);
	sm_time t = utc("2026-12-01T08:00:00Z");
	assert_string_equal(sm_tz_format(paris, t * 1000, 0, buf, sizeof(buf)),
			    "2026-12-01T09:00:00+01:00");
	assert_string_equal(
		sm_tz_format(paris, t * 1000 + 45, 1, buf, sizeof(buf)),
		"2026-12-01T09:00:00.045+01:00");
	/* Summer time. */
	t = utc("2026-07-01T08:00:00Z");
	assert_string_equal(sm_tz_format(paris, t * 1000, 0, buf, sizeof(buf)),
			    "2026-07-01T10:00:00+02:00");
	assert_string_equal(sm_tz_format(ny, t * 1000, 0, buf, sizeof(buf)),
			    "2026-07-01T04:00:00-04:00");
	assert_string_equal(
		sm_tz_format(kolkata, t * 1000 + 999, 1, buf, sizeof(buf)),
		"2026-07-01T13:30:00.999+05:30");
	/* UTC, and no zone at all. */
	assert_string_equal(sm_tz_format(sm_calendar_system_zone("UTC"),
					 t * 1000, 1, buf, sizeof(buf)),
			    "2026-07-01T08:00:00.000Z");
	assert_string_equal(sm_tz_format(NULL, t * 1000, 0, buf, sizeof(buf)),
			    "2026-07-01T08:00:00Z");
	/* Before 1970: -1 ms is 23:59:59.999 the day before. */
	assert_string_equal(sm_tz_format(NULL, -1, 1, buf, sizeof(buf)),
			    "1969-12-31T23:59:59.999Z");
	/* A fixed zone with seconds in its offset (an LMT): the offset is
	 * cut to whole minutes and the local time with it, so the text
	 * still names the same instant. */
	struct sm_tz *lmt = sm_tz_new_fixed("LMT", 561); /* +00:09:21 */
	assert_non_null(lmt);
	assert_string_equal(sm_tz_format(lmt, 0, 0, buf, sizeof(buf)),
			    "1970-01-01T00:09:00+00:09");
	sm_tz_free(lmt);
	/* A short buffer is cut, never overrun. */
	char small[11];
	sm_tz_format(paris, t * 1000, 0, small, sizeof(small));
	assert_string_equal(small, "2026-07-01");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paris),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_sydney),
		cmocka_unit_test(test_kolkata),
		GLIBC("Europe/Paris"),
		GLIBC("Europe/London"),
		GLIBC("America/New_York"),
		GLIBC("America/Los_Angeles"),
		GLIBC("America/Sao_Paulo"),
		GLIBC("Australia/Lord_Howe"),
		GLIBC("Australia/Sydney"),
		GLIBC("Asia/Tokyo"),
		GLIBC("Asia/Kolkata"),
		GLIBC("Africa/Casablanca"),
		GLIBC("Pacific/Chatham"),
		GLIBC("America/St_Johns"),
		GLIBC("Europe/Moscow"),
		GLIBC("Asia/Tehran"),
		GLIBC("Pacific/Apia"),
		GLIBC("America/Santiago"),
		GLIBC("Europe/Dublin"),
		GLIBC("Asia/Gaza"),
		GLIBC("Asia/Jerusalem"),
		GLIBC("Antarctica/Troll"),
		GLIBC("Pacific/Kiritimati"),
		cmocka_unit_test(test_outlook_rules),
		cmocka_unit_test(test_rdate_only),
		cmocka_unit_test(test_no_observance),
		cmocka_unit_test(test_spliced_finite),
		cmocka_unit_test(test_spliced_open_ended),
		cmocka_unit_test_setup_teardown(test_spliced_fixed_inner,
						owned_setup, owned_teardown),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_windows_zone),
		cmocka_unit_test(test_system_zone_names),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
