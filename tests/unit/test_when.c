/*
 * Unit tests for lib/when: the times smctl accepts (SPEC section 6): RFC 3339
 * with Z or an offset, local "YYYY-MM-DD HH:MM" in the configured zone with
 * the RFC 5545 gap and overlap rules, "+2h"-style times from now, and for
 * filters "today", "tomorrow" and bare dates.  Expected instants are worked
 * out by hand from Europe/Paris's rules (CET +01:00, CEST +02:00; 2026's
 * changes on March 29 and October 25 at 01:00Z).
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "civil.h"
#include "tz.h"
#include "when.h"

/* Parses s and checks it gives the instant written as expect. */
static void
check(const char *s, enum sm_when_mode mode, sm_time now,
      const struct sm_tz *zone, const char *expect)
{
	char err[512] = "";
	sm_time t = 0;
	int rc = sm_when_parse(s, mode, now, zone, &t, err, sizeof(err));
	if (rc != 0)
		fail_msg("\"%s\": %s", s, err);
	char got[32];
	sm_civil_format(t, SM_CIVIL_UTC, got, sizeof(got));
	if (strcmp(got, expect) != 0)
		fail_msg("\"%s\": got %s, expected %s", s, got, expect);
}

/* Checks that s is refused with a message containing each of the needles. */
static void
refused(const char *s, enum sm_when_mode mode, const struct sm_tz *zone,
	const char *needle1, const char *needle2)
{
	char err[512] = "";
	sm_time t = 42;
	int rc = sm_when_parse(s, mode, utc("2026-12-01T10:00:00Z"), zone, &t,
			       err, sizeof(err));
	if (rc == 0)
		fail_msg("\"%s\" was accepted", s);
	assert_int_equal(t, 42); /* output left alone */
	if (needle1 && !strstr(err, needle1))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err,
			 needle1);
	if (needle2 && !strstr(err, needle2))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err,
			 needle2);
}

static void
test_rfc3339(void **state)
{
	(void)state;
	sm_time now = utc("2026-11-01T00:00:00Z");
	check("2026-12-01T09:00:00Z", SM_WHEN_AT, now, paris(),
	      "2026-12-01T09:00:00Z");
	check("2026-12-01t09:00:00z", SM_WHEN_AT, now, paris(),
	      "2026-12-01T09:00:00Z");
	check("2026-12-01T09:00:00+01:00", SM_WHEN_AT, now, paris(),
	      "2026-12-01T08:00:00Z");
	check("2026-12-01T09:00:00.250-05:30", SM_WHEN_AT, now, paris(),
	      "2026-12-01T14:30:00Z");
	/* An offset wins over the configured zone. */
	check("2026-07-01 09:00+00:00", SM_WHEN_AT, now, paris(),
	      "2026-07-01T09:00:00Z");
}

static void
test_local(void **state)
{
	(void)state;
	sm_time now = utc("2026-01-01T00:00:00Z");
	check("2026-12-01 09:00", SM_WHEN_AT, now, paris(),
	      "2026-12-01T08:00:00Z");
	check("2026-12-01T09:00", SM_WHEN_AT, now, paris(),
	      "2026-12-01T08:00:00Z");
	check("2026-07-01 09:00", SM_WHEN_AT, now, paris(),
	      "2026-07-01T07:00:00Z");
	check("2026-07-01 09:00:30", SM_WHEN_AT, now, paris(),
	      "2026-07-01T07:00:30Z");
	/* DST gap: 02:30 does not exist; the offset before the gap (+01:00)
	 * applies, which is 03:30 CEST. */
	check("2026-03-29 02:30", SM_WHEN_AT, now, paris(),
	      "2026-03-29T01:30:00Z");
	/* DST overlap: 02:30 happens twice; the first (CEST) is meant. */
	check("2026-10-25 02:30", SM_WHEN_AT, now, paris(),
	      "2026-10-25T00:30:00Z");
	/* Without a zone, local times are UTC. */
	check("2026-12-01 09:00", SM_WHEN_AT, now, NULL,
	      "2026-12-01T09:00:00Z");
	check("  2026-12-01 09:00 ", SM_WHEN_AT, now, paris(),
	      "2026-12-01T08:00:00Z");
}

static void
test_relative(void **state)
{
	(void)state;
	sm_time now = utc("2026-03-28T12:00:00Z");
	check("+2h", SM_WHEN_AT, now, paris(), "2026-03-28T14:00:00Z");
	check("+90m", SM_WHEN_AT, now, paris(), "2026-03-28T13:30:00Z");
	check("+45s", SM_WHEN_AT, now, paris(), "2026-03-28T12:00:45Z");
	check("+1h30m", SM_WHEN_AT, now, paris(), "2026-03-28T13:30:00Z");
	/* Days are elapsed time (86400 s), across the DST change too. */
	check("+3d", SM_WHEN_AT, now, paris(), "2026-03-31T12:00:00Z");
	check("+1w", SM_WHEN_AT, now, paris(), "2026-04-04T12:00:00Z");
	check("-1d", SM_WHEN_FROM, now, paris(), "2026-03-27T12:00:00Z");
	check("now", SM_WHEN_AT, now, paris(), "2026-03-28T12:00:00Z");
	check("NOW", SM_WHEN_TO, now, paris(), "2026-03-28T12:00:00Z");
}

static void
test_days(void **state)
{
	(void)state;
	/* 23:30Z on December 1 is already December 2 in Paris. */
	sm_time now = utc("2026-12-01T23:30:00Z");
	check("today", SM_WHEN_FROM, now, paris(), "2026-12-01T23:00:00Z");
	check("Today", SM_WHEN_TO, now, paris(), "2026-12-02T23:00:00Z");
	check("tomorrow", SM_WHEN_FROM, now, paris(), "2026-12-02T23:00:00Z");
	check("TOMORROW", SM_WHEN_TO, now, paris(), "2026-12-03T23:00:00Z");
	check("yesterday", SM_WHEN_FROM, now, paris(), "2026-11-30T23:00:00Z");
	check("today", SM_WHEN_FROM, now, NULL, "2026-12-01T00:00:00Z");
	/* A bare date: its local midnight, or the next one for --to (the day
	 * is included); the DST day is 23 hours long. */
	check("2026-03-29", SM_WHEN_FROM, now, paris(), "2026-03-28T23:00:00Z");
	check("2026-03-29", SM_WHEN_TO, now, paris(), "2026-03-29T22:00:00Z");
	/* Instants stay instants in filters. */
	check("2026-03-29 12:00", SM_WHEN_TO, now, paris(),
	      "2026-03-29T10:00:00Z");
}

static void
test_errors(void **state)
{
	(void)state;
	/* A bad time says which forms are accepted, with the zone. */
	refused("tomorow", SM_WHEN_AT, paris(), "RFC 3339", "+2h");
	refused("tomorow", SM_WHEN_AT, paris(), "Europe/Paris", "\"tomorow\"");
	refused("", SM_WHEN_AT, paris(), "RFC 3339", NULL);
	refused("   ", SM_WHEN_FROM, paris(), "today", NULL);
	refused("2026-13-01 09:00", SM_WHEN_AT, paris(), "YYYY-MM-DD HH:MM",
		NULL);
	refused("2026-02-30 09:00", SM_WHEN_AT, paris(), "RFC 3339", NULL);
	refused("2026-12-01 9:00", SM_WHEN_AT, paris(), "RFC 3339", NULL);
	refused("2026-12-01 09:00 Paris", SM_WHEN_AT, paris(), "RFC 3339",
		NULL);
	refused("+2x", SM_WHEN_AT, paris(), "+90m", NULL);
	refused("+", SM_WHEN_AT, paris(), "+3d", NULL);
	refused("2h", SM_WHEN_AT, paris(), "+2h", NULL);
	refused("+200000w", SM_WHEN_AT, paris(), "+2h", NULL);
	/* A publish time needs a time of day. */
	refused("2026-12-01", SM_WHEN_AT, paris(), "time of day",
		"2026-12-01 09:00");
	refused("today", SM_WHEN_AT, paris(), "time of day", NULL);
	/* Filters list the day forms too. */
	refused("soon", SM_WHEN_TO, paris(), "today", "tomorrow");
	refused("soon", SM_WHEN_TO, NULL, "UTC", NULL);
}

static void
test_small_error_buffer(void **state)
{
	(void)state;
	char err[8];
	sm_time t = 0;
	assert_int_equal(
		sm_when_parse("x", SM_WHEN_AT, 0, NULL, &t, err, sizeof(err)),
		-1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(sm_when_parse("x", SM_WHEN_AT, 0, NULL, &t, NULL, 0),
			 -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_small_error_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, zones_teardown);
}
