/*
 * Unit tests for lib/civil: proleptic Gregorian day numbers, weekdays, leap
 * years, formatting and parsing.
 *
 * Day numbers are checked against a naive calendar walked one day at a time
 * from 1970-01-01 (the test's own month lengths and leap rule), so the era
 * arithmetic in civil.c is compared with something that shares no code with
 * it.  Known dates were checked with Python's datetime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "civil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The test's own calendar: Gregorian leap rule, month lengths. */
static int
naive_leap(int y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

static int
naive_month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	return m == 2 && naive_leap(y) ? 29 : len[m - 1];
}

static void
next_day(int *y, int *m, int *d)
{
	if (++*d > naive_month_days(*y, *m)) {
		*d = 1;
		if (++*m > 12) {
			*m = 1;
			++*y;
		}
	}
}

static void
prev_day(int *y, int *m, int *d)
{
	if (--*d < 1) {
		if (--*m < 1) {
			*m = 12;
			--*y;
		}
		*d = naive_month_days(*y, *m);
	}
}

static void
check_day(int64_t n, int y, int m, int d)
{
	int gy, gm, gd;
	int64_t got = sm_civil_days(y, m, d);
	if (got != n)
		fail_msg("sm_civil_days(%d, %d, %d) = %lld, expected %lld", y,
			 m, d, (long long)got, (long long)n);
	sm_civil_ymd(n, &gy, &gm, &gd);
	if (gy != y || gm != m || gd != d)
		fail_msg("sm_civil_ymd(%lld) = %d-%02d-%02d, expected "
			 "%d-%02d-%02d",
			 (long long)n, gy, gm, gd, y, m, d);
}

/* Every day from year -1000 to 3000, both ways from the epoch. */
static void
test_days_walk(void **state)
{
	(void)state;
	int y = 1970, m = 1, d = 1;
	int64_t n;
	for (n = 0; y <= 3000; n++) {
		check_day(n, y, m, d);
		next_day(&y, &m, &d);
	}
	y = 1970, m = 1, d = 1;
	for (n = 0; y >= -1000; n--) {
		check_day(n, y, m, d);
		prev_day(&y, &m, &d);
	}
	/* Weekdays advance by one a day, across the whole range too. */
	for (n = sm_civil_days(-1000, 1, 1); n < sm_civil_days(3001, 1, 1);
	     n += 997)
		assert_int_equal(sm_civil_weekday(n + 1),
				 (sm_civil_weekday(n) + 1) % 7);
}

static void
test_days_known(void **state)
{
	(void)state;
	assert_int_equal(sm_civil_days(1970, 1, 1), 0);
	assert_int_equal(sm_civil_days(1969, 12, 31), -1);
	assert_int_equal(sm_civil_days(2000, 3, 1), 11017);
	assert_int_equal(sm_civil_days(2026, 3, 29), 20541);
	assert_int_equal(sm_civil_days(1, 1, 1), -719162);
	assert_int_equal(sm_civil_days(0, 3, 1), -719468);
	assert_int_equal(sm_civil_days(9999, 12, 31), 2932896);
	assert_int_equal(sm_civil_days(1600, 2, 29), -135081);
	/* Sampled years far out still round-trip. */
	for (int y = -100000; y <= 100000; y += 7919) {
		for (int mo = 1; mo <= 12; mo++) {
			int last = sm_civil_month_days(y, mo);
			int64_t a = sm_civil_days(y, mo, 1);
			int64_t b = sm_civil_days(y, mo, last);
			assert_int_equal(b - a, last - 1);
			int gy, gm, gd;
			sm_civil_ymd(b, &gy, &gm, &gd);
			assert_int_equal(gy, y);
			assert_int_equal(gm, mo);
			assert_int_equal(gd, last);
			sm_civil_ymd(b + 1, &gy, &gm, &gd);
			assert_int_equal(gd, 1);
		}
	}
}

static void
test_weekday(void **state)
{
	(void)state;
	static const struct {
		int y, m, d, wday; /* 0 = Monday */
	} cases[] = {
		{1970, 1, 1, 3},   {1969, 12, 31, 2}, {2000, 1, 1, 5},
		{2026, 3, 29, 6},  {2024, 2, 29, 3},  {1900, 1, 1, 0},
		{1582, 10, 15, 4}, {1, 1, 1, 0},      {2038, 1, 19, 1},
		{1601, 1, 1, 0},   {2100, 3, 1, 0},   {0, 1, 1, 5},
	};
	for (size_t i = 0; i < NELEM(cases); i++) {
		int w = sm_civil_weekday(
			sm_civil_days(cases[i].y, cases[i].m, cases[i].d));
		if (w != cases[i].wday)
			fail_msg("weekday of %d-%02d-%02d = %d, expected %d",
				 cases[i].y, cases[i].m, cases[i].d, w,
				 cases[i].wday);
	}
}

static void
test_leap(void **state)
{
	(void)state;
	assert_false(sm_civil_is_leap(1900));
	assert_true(sm_civil_is_leap(2000));
	assert_true(sm_civil_is_leap(2024));
	assert_false(sm_civil_is_leap(2023));
	assert_false(sm_civil_is_leap(2100));
	assert_true(sm_civil_is_leap(2400));
	assert_true(sm_civil_is_leap(1600));
	assert_true(sm_civil_is_leap(0));
	assert_true(sm_civil_is_leap(-4));
	assert_false(sm_civil_is_leap(-100));
	assert_true(sm_civil_is_leap(-400));
	for (int y = -1000; y <= 3000; y++)
		assert_int_equal(sm_civil_is_leap(y), naive_leap(y));
}

static void
test_month_days(void **state)
{
	(void)state;
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	for (int m = 1; m <= 12; m++)
		assert_int_equal(sm_civil_month_days(2023, m), len[m - 1]);
	assert_int_equal(sm_civil_month_days(2024, 2), 29);
	assert_int_equal(sm_civil_month_days(1900, 2), 28);
	assert_int_equal(sm_civil_month_days(2000, 2), 29);
	assert_int_equal(sm_civil_month_days(2024, 0), 0);
	assert_int_equal(sm_civil_month_days(2024, 13), 0);
}

static void
test_make_split(void **state)
{
	(void)state;
	struct sm_civil c = {2026, 3, 29, 2, 30, 15}, o;
	sm_time t = sm_civil_make(&c);
	assert_int_equal(t, 1774751415);
	sm_civil_split(t, &o);
	assert_memory_equal(&c, &o, sizeof(c));

	/* Negative times split with floor division. */
	sm_civil_split(-1, &o);
	assert_int_equal(o.year, 1969);
	assert_int_equal(o.month, 12);
	assert_int_equal(o.day, 31);
	assert_int_equal(o.hour, 23);
	assert_int_equal(o.minute, 59);
	assert_int_equal(o.second, 59);
	assert_int_equal(sm_civil_day_of(-1), -1);
	assert_int_equal(sm_civil_day_of(-SM_DAY), -1);
	assert_int_equal(sm_civil_day_of(-SM_DAY - 1), -2);
	assert_int_equal(sm_civil_day_of(SM_DAY - 1), 0);

	struct sm_civil old = {-500, 2, 28, 23, 0, 1};
	sm_civil_split(sm_civil_make(&old), &o);
	assert_memory_equal(&old, &o, sizeof(old));

	struct sm_civil good = {2024, 2, 29, 23, 59, 59};
	assert_true(sm_civil_valid(&good));
	struct sm_civil bad[] = {
		{2023, 2, 29, 0, 0, 0}, {2024, 13, 1, 0, 0, 0},
		{2024, 0, 1, 0, 0, 0},	{2024, 4, 31, 0, 0, 0},
		{2024, 1, 0, 0, 0, 0},	{2024, 1, 1, 24, 0, 0},
		{2024, 1, 1, 0, 60, 0}, {2024, 1, 1, 0, 0, 60},
		{2024, 1, 1, -1, 0, 0},
	};
	for (size_t i = 0; i < NELEM(bad); i++)
		assert_false(sm_civil_valid(&bad[i]));
}

static void
test_format(void **state)
{
	(void)state;
	char buf[64];
	struct sm_civil c = {2024, 3, 5, 9, 0, 0};
	sm_time t = sm_civil_make(&c);
	assert_string_equal(sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf)),
			    "2024-03-05T09:00:00Z");
	assert_string_equal(
		sm_civil_format(t, SM_CIVIL_LOCAL, buf, sizeof(buf)),
		"2024-03-05T09:00:00");
	assert_string_equal(sm_civil_format(t, SM_CIVIL_DATE, buf, sizeof(buf)),
			    "2024-03-05");
	assert_string_equal(
		sm_civil_format(t, SM_CIVIL_UTC_MS, buf, sizeof(buf)),
		"2024-03-05T09:00:00.000Z");
	assert_ptr_equal(sm_civil_format(t, SM_CIVIL_UTC, buf, 32), buf);

	assert_string_equal(sm_civil_format(0, SM_CIVIL_UTC, buf, 32),
			    "1970-01-01T00:00:00Z");
	assert_string_equal(sm_civil_format(-1, SM_CIVIL_UTC, buf, 32),
			    "1969-12-31T23:59:59Z");
	struct sm_civil y0 = {0, 1, 1, 0, 0, 0};
	assert_string_equal(
		sm_civil_format(sm_civil_make(&y0), SM_CIVIL_DATE, buf, 32),
		"0000-01-01");
	struct sm_civil y9999 = {9999, 12, 31, 23, 59, 59};
	assert_string_equal(
		sm_civil_format(sm_civil_make(&y9999), SM_CIVIL_LOCAL, buf, 32),
		"9999-12-31T23:59:59");
}

/* Years outside 0..9999 and extreme times must not crash or overflow. */
static void
test_format_edges(void **state)
{
	(void)state;
	char buf[64];
	static const sm_time times[] = {
		-62167219201LL,	  /* -0001-12-31T23:59:59 */
		-100000000000LL,  /* year -1200 or so */
		253402300800LL,	  /* 10000-01-01 */
		INT64_C(1) << 50, /* year ~35 million */
		-(INT64_C(1) << 50),
	};
	static const enum sm_civil_style styles[] = {
		SM_CIVIL_UTC, SM_CIVIL_LOCAL, SM_CIVIL_DATE, SM_CIVIL_UTC_MS};
	for (size_t i = 0; i < NELEM(times); i++) {
		for (size_t s = 0; s < NELEM(styles); s++) {
			memset(buf, 'x', sizeof(buf));
			assert_ptr_equal(
				sm_civil_format(times[i], styles[s], buf, 40),
				buf);
			assert_non_null(memchr(buf, '\0', 40));
			assert_int_equal(buf[40], 'x');
			if (times[i] < 0)
				assert_int_equal(buf[0], '-');
		}
	}
	memset(buf, 'x', sizeof(buf));
	sm_civil_format(-62167219201LL, SM_CIVIL_UTC, buf, 40);
	assert_true(strncmp(buf, "-001-12-31", 10) == 0 ||
		    strncmp(buf, "-0001-12-31", 11) == 0);

	/* A short buffer is not overrun. */
	memset(buf, 'x', sizeof(buf));
	sm_civil_format(0, SM_CIVIL_UTC, buf, 8);
	assert_int_equal(strlen(buf), 7);
	assert_int_equal(buf[8], 'x');
}

struct parse_case {
	const char *in;
	const char *want; /* formatted result (UTC style when zoned) */
	int has_offset, date_only;
};

static void
check_parse(const struct parse_case *pc)
{
	sm_time t = 0;
	int ho = -1, dO = -1;
	char buf[40];
	if (sm_civil_parse(pc->in, &t, &ho, &dO) != 0)
		fail_msg("sm_civil_parse(\"%s\") failed", pc->in);
	sm_civil_format(t,
			pc->date_only	 ? SM_CIVIL_DATE
			: pc->has_offset ? SM_CIVIL_UTC
					 : SM_CIVIL_LOCAL,
			buf, sizeof(buf));
	if (strcmp(buf, pc->want) != 0 || ho != pc->has_offset ||
	    dO != pc->date_only)
		fail_msg("sm_civil_parse(\"%s\") = %s (offset %d, date %d), "
			 "expected %s (offset %d, date %d)",
			 pc->in, buf, ho, dO, pc->want, pc->has_offset,
			 pc->date_only);
}

static void
test_parse_good(void **state)
{
	(void)state;
	static const struct parse_case cases[] = {
		{"2026-03-05", "2026-03-05", 0, 1},
		{"2024-02-29", "2024-02-29", 0, 1},
		{"2026-03-05T09:00:00", "2026-03-05T09:00:00", 0, 0},
		{"2026-03-05T09:00", "2026-03-05T09:00:00", 0, 0},
		{"2026-03-05 09:00:07", "2026-03-05T09:00:07", 0, 0},
		{"2026-03-05T09:00:00Z", "2026-03-05T09:00:00Z", 1, 0},
		{"2026-03-05T09:00Z", "2026-03-05T09:00:00Z", 1, 0},
		{"2026-03-05T09:00:00+02:00", "2026-03-05T07:00:00Z", 1, 0},
		{"2026-03-05T09:00:00-05:30", "2026-03-05T14:30:00Z", 1, 0},
		{"2026-03-05T01:00:00+02:00", "2026-03-04T23:00:00Z", 1, 0},
		{"2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z", 1, 0},
		{"2026-03-05T09:00:00+00:00", "2026-03-05T09:00:00Z", 1, 0},
		{"2026-03-05T09:00:00.123Z", "2026-03-05T09:00:00Z", 1, 0},
		{"2026-03-05T09:00:00.999999", "2026-03-05T09:00:00", 0, 0},
		{"2026-03-05T09:00:00.5+01:00", "2026-03-05T08:00:00Z", 1, 0},
		{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z", 1, 0},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", 1, 0},
	};
	for (size_t i = 0; i < NELEM(cases); i++)
		check_parse(&cases[i]);

	sm_time t;
	int ho, dO;
	assert_int_equal(sm_civil_parse("2026-03-29T01:30:00Z", &t, &ho, &dO),
			 0);
	assert_int_equal(t, 1774747800);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"2026",
		"2026-03",
		"2026-3-5",
		"26-03-05",
		"2026/03/05",
		"2026-02-30",
		"2023-02-29",
		"2026-13-01",
		"2026-00-10",
		"2026-04-31",
		"2026-03-00",
		"2026-03-05x",
		"2026-03-05T",
		"2026-03-05T9:00",
		"2026-03-05T09",
		"2026-03-05T09:",
		"2026-03-05T09:0",
		"2026-03-05T24:00:00",
		"2026-03-05T09:60:00",
		"2026-03-05T09:00:60",
		"2026-03-05T09:00:0",
		"2026-03-05T09:00:00Zjunk",
		"2026-03-05T09:00:00Z ",
		"2026-03-05T09:00:00 ",
		"2026-03-05T09:00:00junk",
		"2026-03-05T09:00:00+02",
		"2026-03-05T09:00:00+0200",
		"2026-03-05T09:00:00+02:0",
		"2026-03-05T09:00:00+24:00",
		"2026-03-05T09:00:00+02:60",
		"2026-03-05T09:00:00+02:00x",
		"2026-03-05T09:00:00ZZ",
		" 2026-03-05",
		"+2026-03-05",
		"-2026-03-05",
		"2026-03-05T09:00:00.Zx",
		"20260305T090000Z",
	};
	for (size_t i = 0; i < NELEM(bad); i++) {
		sm_time t = 0;
		int ho, dO;
		if (sm_civil_parse(bad[i], &t, &ho, &dO) != -1)
			fail_msg("sm_civil_parse(\"%s\") accepted it", bad[i]);
	}
}

/* Format then parse gives the same time back, in every style. */
static void
test_round_trip(void **state)
{
	(void)state;
	for (sm_time t = sm_civil_days(1, 1, 1) * SM_DAY;
	     t < sm_civil_days(9999, 12, 31) * SM_DAY;
	     t += 86400LL * 3653 + 3607) {
		char buf[40];
		sm_time back;
		int ho, dO;
		sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf));
		assert_int_equal(sm_civil_parse(buf, &back, &ho, &dO), 0);
		assert_int_equal(back, t);
		assert_int_equal(ho, 1);
		sm_civil_format(t, SM_CIVIL_LOCAL, buf, sizeof(buf));
		assert_int_equal(sm_civil_parse(buf, &back, &ho, &dO), 0);
		assert_int_equal(back, t);
		assert_int_equal(ho, 0);
		sm_civil_format(t, SM_CIVIL_UTC_MS, buf, sizeof(buf));
		assert_int_equal(sm_civil_parse(buf, &back, &ho, &dO), 0);
		assert_int_equal(back, t);
		sm_civil_format(t, SM_CIVIL_DATE, buf, sizeof(buf));
		assert_int_equal(sm_civil_parse(buf, &back, &ho, &dO), 0);
		assert_int_equal(back, sm_civil_day_of(t) * SM_DAY);
		assert_int_equal(dO, 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_walk),
		cmocka_unit_test(test_days_known),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_leap),
		cmocka_unit_test(test_month_days),
		cmocka_unit_test(test_make_split),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_edges),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
