/*
 * test_tz_hostile: zone data that tries to make smcal spend unbounded time
 * or memory, or overflow: a TZif file with a transition far in the past and
 * a POSIX footer, footers with huge numbers, and VTIMEZONE rules of absurd
 * frequency.  Each must build quickly into a small zone (or be refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "rrule.h"
#include "tz.h"

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A version 2 TZif file with one transition at `at` to UTC-5 and the given
 * footer; returns its length. */
static size_t
make_tzif(unsigned char *buf, size_t cap, int64_t at, const char *footer)
{
	memset(buf, 0, cap);
	size_t n = 0;
	memcpy(buf, "TZif2", 5);
	put32(buf + 20 + 16, 1); /* v1: typecnt 1 */
	n = 44;
	n += 6; /* one ttinfo of zeros */
	memcpy(buf + n, "TZif2", 5);
	put32(buf + n + 20 + 12, 1); /* timecnt */
	put32(buf + n + 20 + 16, 1); /* typecnt */
	n += 44;
	put32(buf + n, (uint32_t)((uint64_t)at >> 32));
	put32(buf + n + 4, (uint32_t)at);
	n += 8;
	buf[n++] = 0; /* type index */
	put32(buf + n, (uint32_t)-18000);
	n += 6;
	buf[n++] = '\n';
	memcpy(buf + n, footer, strlen(footer));
	n += strlen(footer);
	buf[n++] = '\n';
	return n;
}

static void
test_far_past_transition(void **state)
{
	(void)state;
	unsigned char buf[512];
	size_t n = make_tzif(buf, sizeof(buf), -4000000000000000000LL,
			     "EST5EDT,M3.2.0,M11.1.0");
	struct sm_tz *tz = sm_tz_new_tzif("x", buf, n);
	assert_non_null(tz);
	/* Two transitions a year from 1800 to the horizon, no more. */
	assert_true(tz->ntrans < 2 * (SM_TZ_HORIZON_YEAR - 1800) + 8);
	/* The rule still applies: 2026-07-01 is EDT. */
	assert_int_equal(sm_tz_offset_at(tz, 1782864000), -4 * 3600);
	sm_tz_free(tz);
}

static void
test_footer_numbers(void **state)
{
	(void)state;
	static const char *const footers[] = {
		"ABC99999999999",	   "EST5EDT,n99999999999,M11.1.0",
		"EST5EDT,J0,M11.1.0",	   "EST5EDT,M3.2.0/99999999999,M11.1.0",
		"EST5EDT,M13.2.0,M11.1.0", "<+01>-99999999999",
	};
	for (size_t i = 0; i < sizeof(footers) / sizeof(*footers); i++) {
		unsigned char buf[512];
		size_t n = make_tzif(buf, sizeof(buf), 0, footers[i]);
		struct sm_tz *tz = sm_tz_new_tzif("x", buf, n);
		/* The transitions stand; the bad footer is ignored. */
		assert_non_null(tz);
		assert_int_equal(sm_tz_offset_at(tz, 1782864000), -5 * 3600);
		sm_tz_free(tz);
	}
}

static void
test_minutely_observance(void **state)
{
	(void)state;
	struct sm_rrule rule;
	assert_true(sm_rrule_parse("FREQ=MINUTELY", &rule, NULL, 0) >= 0);
	struct sm_tz_observance obs[2] = {
		{.dtstart = 0,
		 .offset_from = 0,
		 .offset_to = 3600,
		 .rule = &rule},
		{.dtstart = 30,
		 .offset_from = 3600,
		 .offset_to = 0,
		 .rule = &rule},
	};
	struct sm_tz *tz = sm_tz_new("evil", obs, 2);
	assert_non_null(tz);
	assert_true(tz->ntrans <= 2 * 2400 + 2);
	sm_tz_free(tz);
}

static void
test_not_tzif(void **state)
{
	(void)state;
	assert_null(sm_tz_new_tzif("x", "TZif", 4));
	assert_null(sm_tz_new_tzif(
		"x", "not a zone file at all, really..........", 40));
	unsigned char buf[512];
	assert_true(make_tzif(buf, sizeof(buf), 0, "UTC0") > 60);
	assert_null(sm_tz_new_tzif("x", buf, 60)); /* cut short */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_far_past_transition),
		cmocka_unit_test(test_footer_numbers),
		cmocka_unit_test(test_minutely_observance),
		cmocka_unit_test(test_not_tzif),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
