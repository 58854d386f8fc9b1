/*
 * Unit tests for lib/rrule: RFC 5545 recurrence rules in civil time.
 *
 * Every example of RFC 5545 section 3.8.5.3 is here, then the edge cases the
 * contract in rrule.h pins down.  Expected instances are literals, written
 * from the RFC text and cross-checked with python-dateutil's rrule, except
 * where our contract deliberately differs from dateutil (noted at the case):
 * a DATE UNTIL includes its whole day, and BYSETPOS on a WEEKLY rule picks
 * from the whole week even when DTSTART falls mid-week.
 *
 * Tests are zone-free: the resolve callback treats civil time as UTC, so an
 * UNTIL=...Z is compared with the civil time itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "rrule.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_OUT 512

static sm_time
resolve_identity(void *ctx, sm_time civil)
{
	(void)ctx;
	return civil;
}

/* A zone with a fixed offset: *ctx seconds are added to civil time. */
static sm_time
resolve_offset(void *ctx, sm_time civil)
{
	const int *offset = ctx;
	return civil + *offset;
}

static sm_time
parse_time(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0)
		fail_msg("bad time literal in test: %s", s);
	return t;
}

static void
parse_rule(const char *text, struct sm_rrule *r)
{
	char err[256] = "";
	memset(r, 0, sizeof(*r));
	if (sm_rrule_parse(text, r, err, sizeof(err)) != 0)
		fail_msg("sm_rrule_parse(\"%s\") failed: %s", text, err);
}

/* Expands up to max instances of rule from dtstart into out; returns the
 * number of instances produced. */
static int
expand_with(const char *rule, const char *dtstart, int all_day,
	    sm_rrule_resolve_fn resolve, void *ctx, int max, char out[][32])
{
	struct sm_rrule r;
	struct sm_rrule_iter it;
	sm_time t;
	int n = 0;

	parse_rule(rule, &r);
	sm_rrule_iter_init(&it, &r, parse_time(dtstart), all_day, resolve, ctx);
	while (n < max && sm_rrule_iter_next(&it, &t)) {
		sm_civil_format(t, SM_CIVIL_LOCAL, out[n], 32);
		n++;
	}
	return n;
}

static int
expand(const char *rule, const char *dtstart, int all_day, int max,
       char out[][32])
{
	return expand_with(rule, dtstart, all_day, resolve_identity, NULL, max,
			   out);
}

/*
 * Compares the expansion with want.  whole: the rule must end right after
 * want (one more instance is asked for); else want is a prefix of a longer
 * or endless rule.
 */
static void
check_rule(const char *rule, const char *dtstart, int all_day, int whole,
	   const char *const *want, int nwant)
{
	static char got[MAX_OUT + 1][32];
	int max = nwant + (whole ? 1 : 0);
	int n, i, bad = 0;

	assert_true(max <= MAX_OUT);
	n = expand(rule, dtstart, all_day, max, got);
	for (i = 0; i < n || i < nwant; i++) {
		const char *w = i < nwant ? want[i] : "(end)";
		const char *g = i < n ? got[i] : "(end)";
		if (strcmp(w, g) != 0) {
			if (bad < 8)
				print_error("%s from %s: instance %d: expected "
					    "%s, got %s\n",
					    rule, dtstart, i, w, g);
			bad++;
		}
	}
	if (bad)
		fail_msg("%s from %s%s: %d of %d instances wrong (got %d)",
			 rule, dtstart, all_day ? " (all day)" : "", bad, nwant,
			 n);
}

#define CHECK_ALL(rule, dtstart, want)                                         \
	check_rule(rule, dtstart, 0, 1, want, (int)NELEM(want))
#define CHECK_PREFIX(rule, dtstart, want)                                      \
	check_rule(rule, dtstart, 0, 0, want, (int)NELEM(want))
#define CHECK_ALL_DAY(rule, dtstart, want)                                     \
	check_rule(rule, dtstart, 1, 1, want, (int)NELEM(want))
#define CHECK_NONE(rule, dtstart) check_rule(rule, dtstart, 0, 1, NULL, 0)

/* Daily for 10 occurrences. */
static void
test_rfc_daily_10(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-03T09:00:00",
			"1997-09-04T09:00:00", "1997-09-05T09:00:00",
			"1997-09-06T09:00:00", "1997-09-07T09:00:00",
			"1997-09-08T09:00:00", "1997-09-09T09:00:00",
			"1997-09-10T09:00:00", "1997-09-11T09:00:00"};
		CHECK_ALL("FREQ=DAILY;COUNT=10", "1997-09-02T09:00:00", want);
	}
}

/* Daily until December 24, 1997. */
static void
test_rfc_daily_until_dec24(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-03T09:00:00",
			"1997-09-04T09:00:00", "1997-09-05T09:00:00",
			"1997-09-06T09:00:00", "1997-09-07T09:00:00",
			"1997-09-08T09:00:00", "1997-09-09T09:00:00",
			"1997-09-10T09:00:00", "1997-09-11T09:00:00",
			"1997-09-12T09:00:00", "1997-09-13T09:00:00",
			"1997-09-14T09:00:00", "1997-09-15T09:00:00",
			"1997-09-16T09:00:00", "1997-09-17T09:00:00",
			"1997-09-18T09:00:00", "1997-09-19T09:00:00",
			"1997-09-20T09:00:00", "1997-09-21T09:00:00",
			"1997-09-22T09:00:00", "1997-09-23T09:00:00",
			"1997-09-24T09:00:00", "1997-09-25T09:00:00",
			"1997-09-26T09:00:00", "1997-09-27T09:00:00",
			"1997-09-28T09:00:00", "1997-09-29T09:00:00",
			"1997-09-30T09:00:00", "1997-10-01T09:00:00",
			"1997-10-02T09:00:00", "1997-10-03T09:00:00",
			"1997-10-04T09:00:00", "1997-10-05T09:00:00",
			"1997-10-06T09:00:00", "1997-10-07T09:00:00",
			"1997-10-08T09:00:00", "1997-10-09T09:00:00",
			"1997-10-10T09:00:00", "1997-10-11T09:00:00",
			"1997-10-12T09:00:00", "1997-10-13T09:00:00",
			"1997-10-14T09:00:00", "1997-10-15T09:00:00",
			"1997-10-16T09:00:00", "1997-10-17T09:00:00",
			"1997-10-18T09:00:00", "1997-10-19T09:00:00",
			"1997-10-20T09:00:00", "1997-10-21T09:00:00",
			"1997-10-22T09:00:00", "1997-10-23T09:00:00",
			"1997-10-24T09:00:00", "1997-10-25T09:00:00",
			"1997-10-26T09:00:00", "1997-10-27T09:00:00",
			"1997-10-28T09:00:00", "1997-10-29T09:00:00",
			"1997-10-30T09:00:00", "1997-10-31T09:00:00",
			"1997-11-01T09:00:00", "1997-11-02T09:00:00",
			"1997-11-03T09:00:00", "1997-11-04T09:00:00",
			"1997-11-05T09:00:00", "1997-11-06T09:00:00",
			"1997-11-07T09:00:00", "1997-11-08T09:00:00",
			"1997-11-09T09:00:00", "1997-11-10T09:00:00",
			"1997-11-11T09:00:00", "1997-11-12T09:00:00",
			"1997-11-13T09:00:00", "1997-11-14T09:00:00",
			"1997-11-15T09:00:00", "1997-11-16T09:00:00",
			"1997-11-17T09:00:00", "1997-11-18T09:00:00",
			"1997-11-19T09:00:00", "1997-11-20T09:00:00",
			"1997-11-21T09:00:00", "1997-11-22T09:00:00",
			"1997-11-23T09:00:00", "1997-11-24T09:00:00",
			"1997-11-25T09:00:00", "1997-11-26T09:00:00",
			"1997-11-27T09:00:00", "1997-11-28T09:00:00",
			"1997-11-29T09:00:00", "1997-11-30T09:00:00",
			"1997-12-01T09:00:00", "1997-12-02T09:00:00",
			"1997-12-03T09:00:00", "1997-12-04T09:00:00",
			"1997-12-05T09:00:00", "1997-12-06T09:00:00",
			"1997-12-07T09:00:00", "1997-12-08T09:00:00",
			"1997-12-09T09:00:00", "1997-12-10T09:00:00",
			"1997-12-11T09:00:00", "1997-12-12T09:00:00",
			"1997-12-13T09:00:00", "1997-12-14T09:00:00",
			"1997-12-15T09:00:00", "1997-12-16T09:00:00",
			"1997-12-17T09:00:00", "1997-12-18T09:00:00",
			"1997-12-19T09:00:00", "1997-12-20T09:00:00",
			"1997-12-21T09:00:00", "1997-12-22T09:00:00",
			"1997-12-23T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=19971224T000000Z",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every other day - forever. */
static void
test_rfc_every_other_day(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-04T09:00:00",
			"1997-09-06T09:00:00", "1997-09-08T09:00:00",
			"1997-09-10T09:00:00", "1997-09-12T09:00:00",
			"1997-09-14T09:00:00", "1997-09-16T09:00:00",
			"1997-09-18T09:00:00", "1997-09-20T09:00:00",
			"1997-09-22T09:00:00", "1997-09-24T09:00:00",
			"1997-09-26T09:00:00", "1997-09-28T09:00:00",
			"1997-09-30T09:00:00", "1997-10-02T09:00:00",
			"1997-10-04T09:00:00", "1997-10-06T09:00:00",
			"1997-10-08T09:00:00", "1997-10-10T09:00:00",
			"1997-10-12T09:00:00", "1997-10-14T09:00:00",
			"1997-10-16T09:00:00", "1997-10-18T09:00:00",
			"1997-10-20T09:00:00", "1997-10-22T09:00:00",
			"1997-10-24T09:00:00", "1997-10-26T09:00:00",
			"1997-10-28T09:00:00", "1997-10-30T09:00:00",
			"1997-11-01T09:00:00", "1997-11-03T09:00:00",
			"1997-11-05T09:00:00", "1997-11-07T09:00:00",
			"1997-11-09T09:00:00", "1997-11-11T09:00:00",
			"1997-11-13T09:00:00", "1997-11-15T09:00:00",
			"1997-11-17T09:00:00", "1997-11-19T09:00:00",
			"1997-11-21T09:00:00", "1997-11-23T09:00:00",
			"1997-11-25T09:00:00", "1997-11-27T09:00:00",
			"1997-11-29T09:00:00", "1997-12-01T09:00:00",
			"1997-12-03T09:00:00", "1997-12-05T09:00:00",
			"1997-12-07T09:00:00", "1997-12-09T09:00:00",
			"1997-12-11T09:00:00", "1997-12-13T09:00:00",
			"1997-12-15T09:00:00", "1997-12-17T09:00:00",
			"1997-12-19T09:00:00", "1997-12-21T09:00:00",
			"1997-12-23T09:00:00", "1997-12-25T09:00:00",
			"1997-12-27T09:00:00", "1997-12-29T09:00:00",
			"1997-12-31T09:00:00"};
		CHECK_PREFIX("FREQ=DAILY;INTERVAL=2", "1997-09-02T09:00:00",
			     want);
	}
}

/* Every 10 days, 5 occurrences. */
static void
test_rfc_every_10_days_5(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-12T09:00:00",
			"1997-09-22T09:00:00", "1997-10-02T09:00:00",
			"1997-10-12T09:00:00"};
		CHECK_ALL("FREQ=DAILY;INTERVAL=10;COUNT=5",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every day in January, for 3 years (both forms). */
static void
test_rfc_every_day_in_january(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1998-01-01T09:00:00", "1998-01-02T09:00:00",
			"1998-01-03T09:00:00", "1998-01-04T09:00:00",
			"1998-01-05T09:00:00", "1998-01-06T09:00:00",
			"1998-01-07T09:00:00", "1998-01-08T09:00:00",
			"1998-01-09T09:00:00", "1998-01-10T09:00:00",
			"1998-01-11T09:00:00", "1998-01-12T09:00:00",
			"1998-01-13T09:00:00", "1998-01-14T09:00:00",
			"1998-01-15T09:00:00", "1998-01-16T09:00:00",
			"1998-01-17T09:00:00", "1998-01-18T09:00:00",
			"1998-01-19T09:00:00", "1998-01-20T09:00:00",
			"1998-01-21T09:00:00", "1998-01-22T09:00:00",
			"1998-01-23T09:00:00", "1998-01-24T09:00:00",
			"1998-01-25T09:00:00", "1998-01-26T09:00:00",
			"1998-01-27T09:00:00", "1998-01-28T09:00:00",
			"1998-01-29T09:00:00", "1998-01-30T09:00:00",
			"1998-01-31T09:00:00", "1999-01-01T09:00:00",
			"1999-01-02T09:00:00", "1999-01-03T09:00:00",
			"1999-01-04T09:00:00", "1999-01-05T09:00:00",
			"1999-01-06T09:00:00", "1999-01-07T09:00:00",
			"1999-01-08T09:00:00", "1999-01-09T09:00:00",
			"1999-01-10T09:00:00", "1999-01-11T09:00:00",
			"1999-01-12T09:00:00", "1999-01-13T09:00:00",
			"1999-01-14T09:00:00", "1999-01-15T09:00:00",
			"1999-01-16T09:00:00", "1999-01-17T09:00:00",
			"1999-01-18T09:00:00", "1999-01-19T09:00:00",
			"1999-01-20T09:00:00", "1999-01-21T09:00:00",
			"1999-01-22T09:00:00", "1999-01-23T09:00:00",
			"1999-01-24T09:00:00", "1999-01-25T09:00:00",
			"1999-01-26T09:00:00", "1999-01-27T09:00:00",
			"1999-01-28T09:00:00", "1999-01-29T09:00:00",
			"1999-01-30T09:00:00", "1999-01-31T09:00:00",
			"2000-01-01T09:00:00", "2000-01-02T09:00:00",
			"2000-01-03T09:00:00", "2000-01-04T09:00:00",
			"2000-01-05T09:00:00", "2000-01-06T09:00:00",
			"2000-01-07T09:00:00", "2000-01-08T09:00:00",
			"2000-01-09T09:00:00", "2000-01-10T09:00:00",
			"2000-01-11T09:00:00", "2000-01-12T09:00:00",
			"2000-01-13T09:00:00", "2000-01-14T09:00:00",
			"2000-01-15T09:00:00", "2000-01-16T09:00:00",
			"2000-01-17T09:00:00", "2000-01-18T09:00:00",
			"2000-01-19T09:00:00", "2000-01-20T09:00:00",
			"2000-01-21T09:00:00", "2000-01-22T09:00:00",
			"2000-01-23T09:00:00", "2000-01-24T09:00:00",
			"2000-01-25T09:00:00", "2000-01-26T09:00:00",
			"2000-01-27T09:00:00", "2000-01-28T09:00:00",
			"2000-01-29T09:00:00", "2000-01-30T09:00:00",
			"2000-01-31T09:00:00"};
		CHECK_ALL(
			"FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
			"1998-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"1998-01-01T09:00:00", "1998-01-02T09:00:00",
			"1998-01-03T09:00:00", "1998-01-04T09:00:00",
			"1998-01-05T09:00:00", "1998-01-06T09:00:00",
			"1998-01-07T09:00:00", "1998-01-08T09:00:00",
			"1998-01-09T09:00:00", "1998-01-10T09:00:00",
			"1998-01-11T09:00:00", "1998-01-12T09:00:00",
			"1998-01-13T09:00:00", "1998-01-14T09:00:00",
			"1998-01-15T09:00:00", "1998-01-16T09:00:00",
			"1998-01-17T09:00:00", "1998-01-18T09:00:00",
			"1998-01-19T09:00:00", "1998-01-20T09:00:00",
			"1998-01-21T09:00:00", "1998-01-22T09:00:00",
			"1998-01-23T09:00:00", "1998-01-24T09:00:00",
			"1998-01-25T09:00:00", "1998-01-26T09:00:00",
			"1998-01-27T09:00:00", "1998-01-28T09:00:00",
			"1998-01-29T09:00:00", "1998-01-30T09:00:00",
			"1998-01-31T09:00:00", "1999-01-01T09:00:00",
			"1999-01-02T09:00:00", "1999-01-03T09:00:00",
			"1999-01-04T09:00:00", "1999-01-05T09:00:00",
			"1999-01-06T09:00:00", "1999-01-07T09:00:00",
			"1999-01-08T09:00:00", "1999-01-09T09:00:00",
			"1999-01-10T09:00:00", "1999-01-11T09:00:00",
			"1999-01-12T09:00:00", "1999-01-13T09:00:00",
			"1999-01-14T09:00:00", "1999-01-15T09:00:00",
			"1999-01-16T09:00:00", "1999-01-17T09:00:00",
			"1999-01-18T09:00:00", "1999-01-19T09:00:00",
			"1999-01-20T09:00:00", "1999-01-21T09:00:00",
			"1999-01-22T09:00:00", "1999-01-23T09:00:00",
			"1999-01-24T09:00:00", "1999-01-25T09:00:00",
			"1999-01-26T09:00:00", "1999-01-27T09:00:00",
			"1999-01-28T09:00:00", "1999-01-29T09:00:00",
			"1999-01-30T09:00:00", "1999-01-31T09:00:00",
			"2000-01-01T09:00:00", "2000-01-02T09:00:00",
			"2000-01-03T09:00:00", "2000-01-04T09:00:00",
			"2000-01-05T09:00:00", "2000-01-06T09:00:00",
			"2000-01-07T09:00:00", "2000-01-08T09:00:00",
			"2000-01-09T09:00:00", "2000-01-10T09:00:00",
			"2000-01-11T09:00:00", "2000-01-12T09:00:00",
			"2000-01-13T09:00:00", "2000-01-14T09:00:00",
			"2000-01-15T09:00:00", "2000-01-16T09:00:00",
			"2000-01-17T09:00:00", "2000-01-18T09:00:00",
			"2000-01-19T09:00:00", "2000-01-20T09:00:00",
			"2000-01-21T09:00:00", "2000-01-22T09:00:00",
			"2000-01-23T09:00:00", "2000-01-24T09:00:00",
			"2000-01-25T09:00:00", "2000-01-26T09:00:00",
			"2000-01-27T09:00:00", "2000-01-28T09:00:00",
			"2000-01-29T09:00:00", "2000-01-30T09:00:00",
			"2000-01-31T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
			  "1998-01-01T09:00:00", want);
	}
}

/* Weekly for 10 occurrences. */
static void
test_rfc_weekly_10(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-09T09:00:00",
			"1997-09-16T09:00:00", "1997-09-23T09:00:00",
			"1997-09-30T09:00:00", "1997-10-07T09:00:00",
			"1997-10-14T09:00:00", "1997-10-21T09:00:00",
			"1997-10-28T09:00:00", "1997-11-04T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;COUNT=10", "1997-09-02T09:00:00", want);
	}
}

/* Weekly until December 24, 1997. */
static void
test_rfc_weekly_until_dec24(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-09T09:00:00",
			"1997-09-16T09:00:00", "1997-09-23T09:00:00",
			"1997-09-30T09:00:00", "1997-10-07T09:00:00",
			"1997-10-14T09:00:00", "1997-10-21T09:00:00",
			"1997-10-28T09:00:00", "1997-11-04T09:00:00",
			"1997-11-11T09:00:00", "1997-11-18T09:00:00",
			"1997-11-25T09:00:00", "1997-12-02T09:00:00",
			"1997-12-09T09:00:00", "1997-12-16T09:00:00",
			"1997-12-23T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;UNTIL=19971224T000000Z",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every other week - forever. */
static void
test_rfc_every_other_week(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-16T09:00:00",
			"1997-09-30T09:00:00", "1997-10-14T09:00:00",
			"1997-10-28T09:00:00", "1997-11-11T09:00:00",
			"1997-11-25T09:00:00", "1997-12-09T09:00:00",
			"1997-12-23T09:00:00", "1998-01-06T09:00:00",
			"1998-01-20T09:00:00", "1998-02-03T09:00:00",
			"1998-02-17T09:00:00"};
		CHECK_PREFIX("FREQ=WEEKLY;INTERVAL=2;WKST=SU",
			     "1997-09-02T09:00:00", want);
	}
}

/* Weekly on Tuesday and Thursday for five weeks (both forms). */
static void
test_rfc_weekly_tu_th_five_weeks(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-04T09:00:00",
			"1997-09-09T09:00:00", "1997-09-11T09:00:00",
			"1997-09-16T09:00:00", "1997-09-18T09:00:00",
			"1997-09-23T09:00:00", "1997-09-25T09:00:00",
			"1997-09-30T09:00:00", "1997-10-02T09:00:00"};
		CHECK_ALL(
			"FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
			"1997-09-02T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-04T09:00:00",
			"1997-09-09T09:00:00", "1997-09-11T09:00:00",
			"1997-09-16T09:00:00", "1997-09-18T09:00:00",
			"1997-09-23T09:00:00", "1997-09-25T09:00:00",
			"1997-09-30T09:00:00", "1997-10-02T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every other week on Monday, Wednesday, and Friday until December 24, 1997. */
static void
test_rfc_every_other_week_mo_we_fr_until(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-01T09:00:00", "1997-09-03T09:00:00",
			"1997-09-05T09:00:00", "1997-09-15T09:00:00",
			"1997-09-17T09:00:00", "1997-09-19T09:00:00",
			"1997-09-29T09:00:00", "1997-10-01T09:00:00",
			"1997-10-03T09:00:00", "1997-10-13T09:00:00",
			"1997-10-15T09:00:00", "1997-10-17T09:00:00",
			"1997-10-27T09:00:00", "1997-10-29T09:00:00",
			"1997-10-31T09:00:00", "1997-11-10T09:00:00",
			"1997-11-12T09:00:00", "1997-11-14T09:00:00",
			"1997-11-24T09:00:00", "1997-11-26T09:00:00",
			"1997-11-28T09:00:00", "1997-12-08T09:00:00",
			"1997-12-10T09:00:00", "1997-12-12T09:00:00",
			"1997-12-22T09:00:00"};
		CHECK_ALL(
			"FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
			"1997-09-01T09:00:00", want);
	}
}

/* Every other week on Tuesday and Thursday, for 8 occurrences. */
static void
test_rfc_every_other_week_tu_th_8(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-04T09:00:00",
			"1997-09-16T09:00:00", "1997-09-18T09:00:00",
			"1997-09-30T09:00:00", "1997-10-02T09:00:00",
			"1997-10-14T09:00:00", "1997-10-16T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
			  "1997-09-02T09:00:00", want);
	}
}

/* Monthly on the first Friday for 10 occurrences. */
static void
test_rfc_monthly_first_friday_10(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-05T09:00:00", "1997-10-03T09:00:00",
			"1997-11-07T09:00:00", "1997-12-05T09:00:00",
			"1998-01-02T09:00:00", "1998-02-06T09:00:00",
			"1998-03-06T09:00:00", "1998-04-03T09:00:00",
			"1998-05-01T09:00:00", "1998-06-05T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
			  "1997-09-05T09:00:00", want);
	}
}

/* Monthly on the first Friday until December 24, 1997. */
static void
test_rfc_monthly_first_friday_until(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-05T09:00:00", "1997-10-03T09:00:00",
			"1997-11-07T09:00:00", "1997-12-05T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
			  "1997-09-05T09:00:00", want);
	}
}

/*
 * Every other month on the first and last Sunday of the month for 10
 * occurrences.
 */
static void
test_rfc_every_other_month_first_last_sunday(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-07T09:00:00", "1997-09-28T09:00:00",
			"1997-11-02T09:00:00", "1997-11-30T09:00:00",
			"1998-01-04T09:00:00", "1998-01-25T09:00:00",
			"1998-03-01T09:00:00", "1998-03-29T09:00:00",
			"1998-05-03T09:00:00", "1998-05-31T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
			  "1997-09-07T09:00:00", want);
	}
}

/* Monthly on the second-to-last Monday of the month for 6 months. */
static void
test_rfc_monthly_second_to_last_monday(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-22T09:00:00", "1997-10-20T09:00:00",
			"1997-11-17T09:00:00", "1997-12-22T09:00:00",
			"1998-01-19T09:00:00", "1998-02-16T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
			  "1997-09-22T09:00:00", want);
	}
}

/* Monthly on the third-to-the-last day of the month, forever. */
static void
test_rfc_monthly_third_to_last_day(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-28T09:00:00", "1997-10-29T09:00:00",
			"1997-11-28T09:00:00", "1997-12-29T09:00:00",
			"1998-01-29T09:00:00", "1998-02-26T09:00:00"};
		CHECK_PREFIX("FREQ=MONTHLY;BYMONTHDAY=-3",
			     "1997-09-28T09:00:00", want);
	}
}

/* Monthly on the 2nd and 15th of the month for 10 occurrences. */
static void
test_rfc_monthly_2nd_and_15th(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-15T09:00:00",
			"1997-10-02T09:00:00", "1997-10-15T09:00:00",
			"1997-11-02T09:00:00", "1997-11-15T09:00:00",
			"1997-12-02T09:00:00", "1997-12-15T09:00:00",
			"1998-01-02T09:00:00", "1998-01-15T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
			  "1997-09-02T09:00:00", want);
	}
}

/* Monthly on the first and last day of the month for 10 occurrences. */
static void
test_rfc_monthly_first_and_last_day(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-30T09:00:00", "1997-10-01T09:00:00",
			"1997-10-31T09:00:00", "1997-11-01T09:00:00",
			"1997-11-30T09:00:00", "1997-12-01T09:00:00",
			"1997-12-31T09:00:00", "1998-01-01T09:00:00",
			"1998-01-31T09:00:00", "1998-02-01T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
			  "1997-09-30T09:00:00", want);
	}
}

/* Every 18 months on the 10th thru 15th of the month for 10 occurrences. */
static void
test_rfc_every_18_months_10th_to_15th(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-10T09:00:00", "1997-09-11T09:00:00",
			"1997-09-12T09:00:00", "1997-09-13T09:00:00",
			"1997-09-14T09:00:00", "1997-09-15T09:00:00",
			"1999-03-10T09:00:00", "1999-03-11T09:00:00",
			"1999-03-12T09:00:00", "1999-03-13T09:00:00"};
		CHECK_ALL(
			"FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
			"1997-09-10T09:00:00", want);
	}
}

/* Every Tuesday, every other month. */
static void
test_rfc_every_tuesday_every_other_month(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-09T09:00:00",
			"1997-09-16T09:00:00", "1997-09-23T09:00:00",
			"1997-09-30T09:00:00", "1997-11-04T09:00:00",
			"1997-11-11T09:00:00", "1997-11-18T09:00:00",
			"1997-11-25T09:00:00", "1998-01-06T09:00:00",
			"1998-01-13T09:00:00", "1998-01-20T09:00:00",
			"1998-01-27T09:00:00", "1998-03-03T09:00:00",
			"1998-03-10T09:00:00", "1998-03-17T09:00:00",
			"1998-03-24T09:00:00", "1998-03-31T09:00:00"};
		CHECK_PREFIX("FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
			     "1997-09-02T09:00:00", want);
	}
}

/* Yearly in June and July for 10 occurrences. */
static void
test_rfc_yearly_june_july_10(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-06-10T09:00:00", "1997-07-10T09:00:00",
			"1998-06-10T09:00:00", "1998-07-10T09:00:00",
			"1999-06-10T09:00:00", "1999-07-10T09:00:00",
			"2000-06-10T09:00:00", "2000-07-10T09:00:00",
			"2001-06-10T09:00:00", "2001-07-10T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
			  "1997-06-10T09:00:00", want);
	}
}

/* Every other year on January, February, and March for 10 occurrences. */
static void
test_rfc_every_other_year_jan_feb_mar(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-03-10T09:00:00", "1999-01-10T09:00:00",
			"1999-02-10T09:00:00", "1999-03-10T09:00:00",
			"2001-01-10T09:00:00", "2001-02-10T09:00:00",
			"2001-03-10T09:00:00", "2003-01-10T09:00:00",
			"2003-02-10T09:00:00", "2003-03-10T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
			  "1997-03-10T09:00:00", want);
	}
}

/* Every third year on the 1st, 100th, and 200th day for 10 occurrences. */
static void
test_rfc_every_third_year_yeardays(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-01-01T09:00:00", "1997-04-10T09:00:00",
			"1997-07-19T09:00:00", "2000-01-01T09:00:00",
			"2000-04-09T09:00:00", "2000-07-18T09:00:00",
			"2003-01-01T09:00:00", "2003-04-10T09:00:00",
			"2003-07-19T09:00:00", "2006-01-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
			  "1997-01-01T09:00:00", want);
	}
}

/* Every 20th Monday of the year, forever. */
static void
test_rfc_every_20th_monday(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"1997-05-19T09:00:00",
						   "1998-05-18T09:00:00",
						   "1999-05-17T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYDAY=20MO", "1997-05-19T09:00:00",
			     want);
	}
}

/*
 * Monday of week number 20 (where the default start of the week is Monday),
 * forever.
 */
static void
test_rfc_monday_of_week_20(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"1997-05-12T09:00:00",
						   "1998-05-11T09:00:00",
						   "1999-05-17T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
			     "1997-05-12T09:00:00", want);
	}
}

/* Every Thursday in March, forever. */
static void
test_rfc_every_thursday_in_march(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-03-13T09:00:00", "1997-03-20T09:00:00",
			"1997-03-27T09:00:00", "1998-03-05T09:00:00",
			"1998-03-12T09:00:00", "1998-03-19T09:00:00",
			"1998-03-26T09:00:00", "1999-03-04T09:00:00",
			"1999-03-11T09:00:00", "1999-03-18T09:00:00",
			"1999-03-25T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
			     "1997-03-13T09:00:00", want);
	}
}

/* Every Thursday, but only during June, July, and August, forever. */
static void
test_rfc_every_thursday_in_summer(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-06-05T09:00:00", "1997-06-12T09:00:00",
			"1997-06-19T09:00:00", "1997-06-26T09:00:00",
			"1997-07-03T09:00:00", "1997-07-10T09:00:00",
			"1997-07-17T09:00:00", "1997-07-24T09:00:00",
			"1997-07-31T09:00:00", "1997-08-07T09:00:00",
			"1997-08-14T09:00:00", "1997-08-21T09:00:00",
			"1997-08-28T09:00:00", "1998-06-04T09:00:00",
			"1998-06-11T09:00:00", "1998-06-18T09:00:00",
			"1998-06-25T09:00:00", "1998-07-02T09:00:00",
			"1998-07-09T09:00:00", "1998-07-16T09:00:00",
			"1998-07-23T09:00:00", "1998-07-30T09:00:00",
			"1998-08-06T09:00:00", "1998-08-13T09:00:00",
			"1998-08-20T09:00:00", "1998-08-27T09:00:00",
			"1999-06-03T09:00:00", "1999-06-10T09:00:00",
			"1999-06-17T09:00:00", "1999-06-24T09:00:00",
			"1999-07-01T09:00:00", "1999-07-08T09:00:00",
			"1999-07-15T09:00:00", "1999-07-22T09:00:00",
			"1999-07-29T09:00:00", "1999-08-05T09:00:00",
			"1999-08-12T09:00:00", "1999-08-19T09:00:00",
			"1999-08-26T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
			     "1997-06-05T09:00:00", want);
	}
}

/*
 * Every Friday the 13th, forever.  The RFC EXDATEs the DTSTART (a Tuesday); a
 * DTSTART the rule does not match is never an instance here, so no EXDATE is
 * needed.
 */
static void
test_rfc_every_friday_13th(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1998-02-13T09:00:00", "1998-03-13T09:00:00",
			"1998-11-13T09:00:00", "1999-08-13T09:00:00",
			"2000-10-13T09:00:00"};
		CHECK_PREFIX("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
			     "1997-09-02T09:00:00", want);
	}
}

/* The first Saturday that follows the first Sunday of the month, forever. */
static void
test_rfc_first_saturday_after_first_sunday(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-13T09:00:00", "1997-10-11T09:00:00",
			"1997-11-08T09:00:00", "1997-12-13T09:00:00",
			"1998-01-10T09:00:00", "1998-02-07T09:00:00",
			"1998-03-07T09:00:00", "1998-04-11T09:00:00",
			"1998-05-09T09:00:00", "1998-06-13T09:00:00"};
		CHECK_PREFIX(
			"FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
			"1997-09-13T09:00:00", want);
	}
}

/*
 * Every 4 years, the first Tuesday after a Monday in November, forever (U.S.
 * Presidential Election day).
 */
static void
test_rfc_us_election_day(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"1996-11-05T09:00:00",
						   "2000-11-07T09:00:00",
						   "2004-11-02T09:00:00"};
		CHECK_PREFIX(
			"FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
			"1996-11-05T09:00:00", want);
	}
}

/*
 * The third instance into the month of one of Tuesday, Wednesday, or Thursday,
 * for the next 3 months.
 */
static void
test_rfc_third_tu_we_th_bysetpos(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"1997-09-04T09:00:00",
						   "1997-10-07T09:00:00",
						   "1997-11-06T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
			  "1997-09-04T09:00:00", want);
	}
}

/* The second-to-last weekday of the month. */
static void
test_rfc_second_to_last_weekday(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-29T09:00:00", "1997-10-30T09:00:00",
			"1997-11-27T09:00:00", "1997-12-30T09:00:00",
			"1998-01-29T09:00:00", "1998-02-26T09:00:00",
			"1998-03-30T09:00:00"};
		CHECK_PREFIX("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
			     "1997-09-29T09:00:00", want);
	}
}

/*
 * Every 3 hours from 9:00 AM to 5:00 PM on a specific day.  The RFC lists
 * 9:00, 12:00 and 15:00 EDT although 17:00Z is 13:00 EDT (a known erratum);
 * with civil time taken as UTC the list is right.
 */
static void
test_rfc_every_3_hours_one_day(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"1997-09-02T09:00:00",
						   "1997-09-02T12:00:00",
						   "1997-09-02T15:00:00"};
		CHECK_ALL("FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every 15 minutes for 6 occurrences. */
static void
test_rfc_every_15_minutes_6(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-02T09:15:00",
			"1997-09-02T09:30:00", "1997-09-02T09:45:00",
			"1997-09-02T10:00:00", "1997-09-02T10:15:00"};
		CHECK_ALL("FREQ=MINUTELY;INTERVAL=15;COUNT=6",
			  "1997-09-02T09:00:00", want);
	}
}

/* Every hour and a half for 4 occurrences. */
static void
test_rfc_every_90_minutes_4(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-02T10:30:00",
			"1997-09-02T12:00:00", "1997-09-02T13:30:00"};
		CHECK_ALL("FREQ=MINUTELY;INTERVAL=90;COUNT=4",
			  "1997-09-02T09:00:00", want);
	}
}

/*
 * Every 20 minutes from 9:00 AM to 4:40 PM every day (both forms; a prefix of
 * 50).
 */
static void
test_rfc_every_20_minutes_9_to_1640(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-02T09:20:00",
			"1997-09-02T09:40:00", "1997-09-02T10:00:00",
			"1997-09-02T10:20:00", "1997-09-02T10:40:00",
			"1997-09-02T11:00:00", "1997-09-02T11:20:00",
			"1997-09-02T11:40:00", "1997-09-02T12:00:00",
			"1997-09-02T12:20:00", "1997-09-02T12:40:00",
			"1997-09-02T13:00:00", "1997-09-02T13:20:00",
			"1997-09-02T13:40:00", "1997-09-02T14:00:00",
			"1997-09-02T14:20:00", "1997-09-02T14:40:00",
			"1997-09-02T15:00:00", "1997-09-02T15:20:00",
			"1997-09-02T15:40:00", "1997-09-02T16:00:00",
			"1997-09-02T16:20:00", "1997-09-02T16:40:00",
			"1997-09-03T09:00:00", "1997-09-03T09:20:00",
			"1997-09-03T09:40:00", "1997-09-03T10:00:00",
			"1997-09-03T10:20:00", "1997-09-03T10:40:00",
			"1997-09-03T11:00:00", "1997-09-03T11:20:00",
			"1997-09-03T11:40:00", "1997-09-03T12:00:00",
			"1997-09-03T12:20:00", "1997-09-03T12:40:00",
			"1997-09-03T13:00:00", "1997-09-03T13:20:00",
			"1997-09-03T13:40:00", "1997-09-03T14:00:00",
			"1997-09-03T14:20:00", "1997-09-03T14:40:00",
			"1997-09-03T15:00:00", "1997-09-03T15:20:00",
			"1997-09-03T15:40:00", "1997-09-03T16:00:00",
			"1997-09-03T16:20:00", "1997-09-03T16:40:00",
			"1997-09-04T09:00:00", "1997-09-04T09:20:00"};
		CHECK_PREFIX(
			"FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
			"1997-09-02T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"1997-09-02T09:00:00", "1997-09-02T09:20:00",
			"1997-09-02T09:40:00", "1997-09-02T10:00:00",
			"1997-09-02T10:20:00", "1997-09-02T10:40:00",
			"1997-09-02T11:00:00", "1997-09-02T11:20:00",
			"1997-09-02T11:40:00", "1997-09-02T12:00:00",
			"1997-09-02T12:20:00", "1997-09-02T12:40:00",
			"1997-09-02T13:00:00", "1997-09-02T13:20:00",
			"1997-09-02T13:40:00", "1997-09-02T14:00:00",
			"1997-09-02T14:20:00", "1997-09-02T14:40:00",
			"1997-09-02T15:00:00", "1997-09-02T15:20:00",
			"1997-09-02T15:40:00", "1997-09-02T16:00:00",
			"1997-09-02T16:20:00", "1997-09-02T16:40:00",
			"1997-09-03T09:00:00", "1997-09-03T09:20:00",
			"1997-09-03T09:40:00", "1997-09-03T10:00:00",
			"1997-09-03T10:20:00", "1997-09-03T10:40:00",
			"1997-09-03T11:00:00", "1997-09-03T11:20:00",
			"1997-09-03T11:40:00", "1997-09-03T12:00:00",
			"1997-09-03T12:20:00", "1997-09-03T12:40:00",
			"1997-09-03T13:00:00", "1997-09-03T13:20:00",
			"1997-09-03T13:40:00", "1997-09-03T14:00:00",
			"1997-09-03T14:20:00", "1997-09-03T14:40:00",
			"1997-09-03T15:00:00", "1997-09-03T15:20:00",
			"1997-09-03T15:40:00", "1997-09-03T16:00:00",
			"1997-09-03T16:20:00", "1997-09-03T16:40:00",
			"1997-09-04T09:00:00", "1997-09-04T09:20:00"};
		CHECK_PREFIX(
			"FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16",
			"1997-09-02T09:00:00", want);
	}
}

/* An example where the days generated makes a difference because of WKST. */
static void
test_rfc_wkst_mo_vs_su(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"1997-08-05T09:00:00", "1997-08-10T09:00:00",
			"1997-08-19T09:00:00", "1997-08-24T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
			  "1997-08-05T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"1997-08-05T09:00:00", "1997-08-17T09:00:00",
			"1997-08-19T09:00:00", "1997-08-31T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
			  "1997-08-05T09:00:00", want);
	}
}

/* An example where an invalid date (i.e., February 30) is ignored. */
static void
test_rfc_invalid_date_ignored(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2007-01-15T09:00:00", "2007-01-30T09:00:00",
			"2007-02-15T09:00:00", "2007-03-15T09:00:00",
			"2007-03-30T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
			  "2007-01-15T09:00:00", want);
	}
}

/*
 * BYSETPOS on WEEKLY rules (libical ignores it there).  Positions count in the
 * whole week even when DTSTART falls mid-week, then DTSTART bounds the result
 * (dateutil counts from DTSTART instead).
 */
static void
test_bysetpos_weekly(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2024-03-08T10:00:00", "2024-03-15T10:00:00",
			"2024-03-22T10:00:00", "2024-03-29T10:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=-1;COUNT=4",
			  "2024-03-04T10:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-04T10:00:00", "2024-03-06T10:00:00",
			"2024-03-11T10:00:00", "2024-03-13T10:00:00",
			"2024-03-18T10:00:00", "2024-03-20T10:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=1,2;COUNT=6",
			  "2024-03-04T10:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-11T10:00:00",
						   "2024-03-18T10:00:00",
						   "2024-03-25T10:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=1;COUNT=3",
			  "2024-03-06T10:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-10T10:00:00",
						   "2024-03-17T10:00:00",
						   "2024-03-24T10:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=TU,SU;WKST=SU;BYSETPOS=1;COUNT=3",
			  "2024-03-05T10:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-05T10:00:00",
						   "2024-03-12T10:00:00",
						   "2024-03-19T10:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=TU,SU;WKST=MO;BYSETPOS=1;COUNT=3",
			  "2024-03-05T10:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-04T17:00:00", "2024-03-08T09:00:00",
			"2024-03-11T17:00:00", "2024-03-15T09:00:00"};
		CHECK_ALL(
			"FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,17;BYSETPOS=2,-2;COUNT=4",
			"2024-03-04T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-08T10:00:00", "2024-03-22T10:00:00",
			"2024-04-05T10:00:00", "2024-04-19T10:00:00"};
		CHECK_ALL(
			"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20240501",
			"2024-03-04T10:00:00", want);
	}
}

/*
 * COUNT and UNTIL bounds.  UNTIL equal to an instance is included; a DATE
 * UNTIL includes its whole day (dateutil stops at its midnight).
 */
static void
test_count_and_until(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-02T09:00:00",
			"2024-03-03T09:00:00", "2024-03-04T09:00:00",
			"2024-03-05T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20240305T090000",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-02T09:00:00",
			"2024-03-03T09:00:00", "2024-03-04T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20240305T085959",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-02T09:00:00",
			"2024-03-03T09:00:00", "2024-03-04T09:00:00",
			"2024-03-05T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20240305", "2024-03-01T09:00:00",
			  want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-02T09:00:00",
			"2024-03-03T09:00:00", "2024-03-04T09:00:00",
			"2024-03-05T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20240305T090000Z",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-02T09:00:00",
			"2024-03-03T09:00:00", "2024-03-04T09:00:00"};
		CHECK_ALL("FREQ=DAILY;UNTIL=20240305T085959Z",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T00:00:00", "2024-03-02T00:00:00",
			"2024-03-03T00:00:00", "2024-03-04T00:00:00",
			"2024-03-05T00:00:00"};
		CHECK_ALL_DAY("FREQ=DAILY;UNTIL=20240305", "2024-03-01", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-01T15:00:00",
			"2024-03-01T21:00:00", "2024-03-02T03:00:00",
			"2024-03-02T09:00:00", "2024-03-02T15:00:00",
			"2024-03-02T21:00:00"};
		CHECK_ALL("FREQ=HOURLY;INTERVAL=6;UNTIL=20240302",
			  "2024-03-01T09:00:00", want);
	}
	CHECK_NONE("FREQ=DAILY;UNTIL=20240229", "2024-03-01T09:00:00");
	CHECK_NONE("FREQ=DAILY;UNTIL=20240301T085959", "2024-03-01T09:00:00");
	{
		static const char *const want[] = {"2024-03-01T09:00:00"};
		CHECK_ALL("FREQ=DAILY;COUNT=1", "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-06T09:00:00",
						   "2024-03-13T09:00:00"};
		CHECK_ALL("FREQ=WEEKLY;BYDAY=WE;COUNT=2", "2024-03-04T09:00:00",
			  want);
	}
	{
		static const char *const want[] = {
			"2024-01-01T09:00:00", "2024-01-31T09:00:00",
			"2024-02-01T09:00:00", "2024-02-29T09:00:00",
			"2024-03-01T09:00:00"};
		CHECK_ALL(
			"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1;COUNT=5",
			"2024-01-01T09:00:00", want);
	}
}

/* Feb 29 and short months: invalid dates are skipped, never moved. */
static void
test_leap_years(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2024-02-29T12:00:00",
						   "2028-02-29T12:00:00",
						   "2032-02-29T12:00:00"};
		CHECK_ALL("FREQ=YEARLY;COUNT=3", "2024-02-29T12:00:00", want);
	}
	{
		static const char *const want[] = {"2096-02-29T12:00:00",
						   "2104-02-29T12:00:00"};
		CHECK_ALL("FREQ=YEARLY;COUNT=2", "2096-02-29T12:00:00", want);
	}
	{
		static const char *const want[] = {"2096-02-29T12:00:00",
						   "2104-02-29T12:00:00",
						   "2108-02-29T12:00:00"};
		CHECK_ALL("FREQ=YEARLY;INTERVAL=4;COUNT=3",
			  "2096-02-29T12:00:00", want);
	}
	{
		static const char *const want[] = {"2024-02-29T12:00:00",
						   "2028-02-29T12:00:00"};
		CHECK_ALL("FREQ=MONTHLY;INTERVAL=12;COUNT=2",
			  "2024-02-29T12:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-01-31T09:00:00", "2024-03-31T09:00:00",
			"2024-05-31T09:00:00", "2024-07-31T09:00:00",
			"2024-08-31T09:00:00", "2024-10-31T09:00:00",
			"2024-12-31T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;COUNT=7", "2024-01-31T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-01-31T09:00:00", "2024-02-29T09:00:00",
			"2024-03-31T09:00:00", "2024-04-30T09:00:00",
			"2024-05-31T09:00:00", "2024-06-30T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=6",
			  "2024-01-31T09:00:00", want);
	}
	{
		static const char *const want[] = {"2023-01-31T09:00:00",
						   "2023-02-28T09:00:00",
						   "2023-03-31T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",
			  "2023-01-31T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-01-29T09:00:00", "2024-01-30T09:00:00",
			"2024-01-31T09:00:00", "2024-02-29T09:00:00",
			"2024-03-29T09:00:00", "2024-03-30T09:00:00",
			"2024-03-31T09:00:00", "2024-04-29T09:00:00",
			"2024-04-30T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTHDAY=29,30,31;COUNT=9",
			  "2024-01-29T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2023-02-28T09:00:00", "2024-02-29T09:00:00",
			"2025-02-28T09:00:00", "2026-02-28T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1;COUNT=4",
			  "2023-02-28T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-02-29T09:00:00",
						   "2028-02-29T09:00:00"};
		CHECK_ALL("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;COUNT=2",
			  "2024-01-01T09:00:00", want);
	}
}

/* BYWEEKNO with BYDAY: ISO weeks that straddle a year boundary. */
static void
test_byweekno_year_boundaries(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2024-01-01T09:00:00", "2024-12-30T09:00:00",
			"2025-12-29T09:00:00", "2027-01-04T09:00:00",
			"2028-01-03T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO",
			     "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-12-23T09:00:00", "2025-12-22T09:00:00",
			"2026-12-28T09:00:00", "2027-12-27T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=-1;BYDAY=MO",
			     "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2026-12-28T09:00:00",
						   "2032-12-27T09:00:00",
						   "2037-12-28T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",
			     "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2027-01-03T09:00:00",
						   "2033-01-02T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU",
			     "2026-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-01-07T09:00:00", "2025-01-05T09:00:00",
			"2026-01-04T09:00:00", "2027-01-10T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=1;BYDAY=SU",
			     "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-12-29T09:00:00", "2026-01-04T09:00:00",
			"2027-01-03T09:00:00", "2028-01-02T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=1;BYDAY=SU;WKST=SU",
			     "2024-01-01T09:00:00", want);
	}
}

/* BYYEARDAY counted from either end of the year. */
static void
test_byyearday_negative(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2023-12-31T09:00:00",
						   "2024-12-31T09:00:00",
						   "2025-12-31T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYYEARDAY=-1;COUNT=3",
			  "2023-12-31T09:00:00", want);
	}
	{
		static const char *const want[] = {"2023-03-01T09:00:00",
						   "2024-03-01T09:00:00",
						   "2025-03-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYYEARDAY=-306;COUNT=3",
			  "2023-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2023-03-01T09:00:00",
						   "2024-02-29T09:00:00",
						   "2025-03-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYYEARDAY=60;COUNT=3",
			  "2023-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-12-31T09:00:00",
						   "2028-12-31T09:00:00",
						   "2032-12-31T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYYEARDAY=366;COUNT=3",
			  "2023-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-01-01T09:00:00",
						   "2028-01-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYYEARDAY=-366;COUNT=2",
			  "2023-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-12-31T06:00:00", "2024-12-31T18:00:00",
			"2025-12-31T06:00:00", "2025-12-31T18:00:00"};
		CHECK_ALL("FREQ=HOURLY;INTERVAL=12;BYYEARDAY=-1;COUNT=4",
			  "2024-12-30T06:00:00", want);
	}
}

/*
 * BYDAY ordinals: relative to the year without BYMONTH, to the month with it.
 */
static void
test_byday_ordinals_yearly_monthly(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2024-12-27T09:00:00",
						   "2025-12-26T09:00:00",
						   "2026-12-25T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYDAY=-1FR;COUNT=3",
			  "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-02-23T09:00:00",
						   "2025-02-28T09:00:00",
						   "2026-02-27T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTH=2;BYDAY=-1FR;COUNT=3",
			  "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2027-12-31T09:00:00",
						   "2032-12-31T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYDAY=53FR;COUNT=2",
			  "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-01-01T09:00:00",
						   "2029-01-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYDAY=-53MO;COUNT=2",
			  "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-01-01T09:00:00", "2024-01-29T09:00:00",
			"2024-07-01T09:00:00", "2024-07-29T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYDAY=+1MO,-1MO;BYMONTH=1,7;COUNT=4",
			  "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-29T09:00:00",
						   "2024-05-31T09:00:00",
						   "2024-08-30T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYDAY=5FR;COUNT=3",
			  "2024-01-01T09:00:00", want);
	}
}

/*
 * Parts the rule leaves out come from DTSTART; an unmatched DTSTART is not an
 * instance.
 */
static void
test_dtstart_defaults(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2024-03-05T09:00:00",
						   "2025-03-05T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTH=3;COUNT=2",
			  "2024-01-05T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-07-14T09:00:00",
						   "2025-07-14T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;COUNT=2", "2024-07-14T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-02-10T09:00:00",
						   "2024-08-10T09:00:00",
						   "2025-02-10T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTH=2,8;COUNT=3",
			  "2024-01-10T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-04T09:00:00", "2024-03-11T09:00:00",
			"2024-03-18T09:00:00", "2024-03-25T09:00:00",
			"2024-04-01T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYDAY=MO;COUNT=5",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-06T09:30:15",
						   "2024-03-13T09:30:15"};
		CHECK_ALL("FREQ=WEEKLY;COUNT=2", "2024-03-06T09:30:15", want);
	}
}

/*
 * Iteration is pure civil time: DST gaps and overlaps are the time zone
 * layer's business.
 */
static void
test_dst_agnostic(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2026-03-28T02:30:00", "2026-03-29T02:30:00",
			"2026-03-30T02:30:00", "2026-03-31T02:30:00"};
		CHECK_ALL("FREQ=DAILY;COUNT=4", "2026-03-28T02:30:00", want);
	}
	{
		static const char *const want[] = {"2026-10-24T02:30:00",
						   "2026-10-25T02:30:00",
						   "2026-10-26T02:30:00"};
		CHECK_ALL("FREQ=DAILY;COUNT=3", "2026-10-24T02:30:00", want);
	}
	{
		static const char *const want[] = {
			"2026-03-29T00:00:00", "2026-03-29T01:00:00",
			"2026-03-29T02:00:00", "2026-03-29T03:00:00",
			"2026-03-29T04:00:00"};
		CHECK_ALL("FREQ=HOURLY;COUNT=5", "2026-03-29T00:00:00", want);
	}
	{
		static const char *const want[] = {"2026-03-22T02:30:00",
						   "2026-03-29T02:30:00",
						   "2026-04-05T02:30:00"};
		CHECK_ALL("FREQ=WEEKLY;COUNT=3", "2026-03-22T02:30:00", want);
	}
}

/* SECONDLY/MINUTELY/HOURLY: BYxxx limits filter a grid anchored at DTSTART. */
static void
test_subdaily_grids(void **state)
{
	(void)state;
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-01T14:00:00",
			"2024-03-02T10:00:00", "2024-03-02T15:00:00",
			"2024-03-03T11:00:00", "2024-03-03T16:00:00",
			"2024-03-04T12:00:00", "2024-03-04T17:00:00",
			"2024-03-05T13:00:00", "2024-03-06T09:00:00",
			"2024-03-06T14:00:00", "2024-03-07T10:00:00"};
		CHECK_ALL(
			"FREQ=HOURLY;INTERVAL=5;BYHOUR=9,10,11,12,13,14,15,16,17;COUNT=12",
			"2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-01T09:30:00",
			"2024-03-02T09:00:00", "2024-03-02T09:30:00"};
		CHECK_ALL("FREQ=MINUTELY;BYHOUR=9;BYMINUTE=0,30;COUNT=4",
			  "2024-03-01T08:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T00:00:00", "2024-03-02T00:02:00",
			"2024-03-03T00:04:00", "2024-03-04T00:06:00"};
		CHECK_ALL(
			"FREQ=MINUTELY;INTERVAL=7;BYHOUR=0;BYMINUTE=0,1,2,3,4,5,6;COUNT=4",
			"2024-03-01T00:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T23:59:20", "2024-03-01T23:59:40",
			"2024-03-02T00:00:00", "2024-03-02T00:00:20",
			"2024-03-02T00:00:40"};
		CHECK_ALL("FREQ=SECONDLY;INTERVAL=20;COUNT=5",
			  "2024-03-01T23:59:20", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-01T09:00:30",
			"2024-03-01T10:00:00", "2024-03-01T10:00:30"};
		CHECK_ALL("FREQ=SECONDLY;BYMINUTE=0;BYSECOND=0,30;COUNT=4",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-02T04:00:00", "2024-03-02T11:00:00",
			"2024-03-02T18:00:00", "2024-03-09T04:00:00"};
		CHECK_ALL("FREQ=HOURLY;INTERVAL=7;BYDAY=SA;COUNT=4",
			  "2024-03-01T00:00:00", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T09:00:00", "2024-03-01T09:00:15",
			"2024-03-02T09:00:00", "2024-03-02T09:00:15"};
		CHECK_ALL(
			"FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0,15;COUNT=4",
			"2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-01T17:00:00",
						   "2024-03-02T17:00:00",
						   "2024-03-03T17:00:00"};
		CHECK_ALL("FREQ=DAILY;BYHOUR=9,12,17;BYSETPOS=-1;COUNT=3",
			  "2024-03-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-03-01T20:00:00",
						   "2024-04-01T20:00:00",
						   "2024-05-01T20:00:00"};
		CHECK_ALL(
			"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8,20;BYSETPOS=2;COUNT=3",
			"2024-03-01T08:00:00", want);
	}
}

/* All-day series (DTSTART a DATE, instances at local midnight). */
static void
test_all_day_series(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2024-03-01T00:00:00",
						   "2024-03-02T00:00:00",
						   "2024-03-03T00:00:00"};
		CHECK_ALL_DAY("FREQ=DAILY;COUNT=3", "2024-03-01", want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T00:00:00", "2024-03-04T00:00:00",
			"2024-03-08T00:00:00", "2024-03-11T00:00:00"};
		CHECK_ALL_DAY("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=4", "2024-03-01",
			      want);
	}
	{
		static const char *const want[] = {
			"2024-03-01T00:00:00", "2024-03-04T00:00:00",
			"2024-03-08T00:00:00", "2024-03-11T00:00:00"};
		CHECK_ALL_DAY("FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20240311",
			      "2024-03-01", want);
	}
	{
		static const char *const want[] = {"2024-03-01T00:00:00",
						   "2024-03-02T00:00:00",
						   "2024-03-03T00:00:00"};
		CHECK_ALL_DAY("FREQ=DAILY;UNTIL=20240303T000000", "2024-03-01",
			      want);
	}
	{
		static const char *const want[] = {"2024-03-01T00:00:00",
						   "2024-03-15T00:00:00",
						   "2024-03-29T00:00:00"};
		CHECK_ALL_DAY("FREQ=WEEKLY;INTERVAL=2;UNTIL=20240329",
			      "2024-03-01", want);
	}
	{
		static const char *const want[] = {"2024-03-29T00:00:00",
						   "2024-04-26T00:00:00"};
		CHECK_ALL_DAY("FREQ=MONTHLY;BYDAY=-1FR;COUNT=2", "2024-03-01",
			      want);
	}
}

/*
 * Rules with long gaps between instances must not be cut short (the 400-year
 * limit is measured from the last instance).
 */
static void
test_rare_rules(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2044-02-29T09:00:00",
						   "2072-02-29T09:00:00",
						   "2112-02-29T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
			     "2024-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2400-02-29T09:00:00",
						   "2800-02-29T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;INTERVAL=100;BYMONTH=2;BYMONTHDAY=29",
			     "2100-01-01T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-05-31T09:00:00",
						   "2025-01-31T09:00:00",
						   "2025-10-31T09:00:00"};
		CHECK_ALL("FREQ=MONTHLY;BYMONTHDAY=31;BYDAY=FR;COUNT=3",
			  "2024-01-01T09:00:00", want);
	}
}

/* UNTIL=...Z is compared with each instance's instant, as resolve gives it. */
static void
test_until_utc_uses_resolve(void **state)
{
	static const char *const identity[] = {
		"2024-03-01T09:00:00", "2024-03-01T10:00:00",
		"2024-03-01T11:00:00", "2024-03-01T12:00:00",
		"2024-03-01T13:00:00", "2024-03-01T14:00:00",
		"2024-03-01T15:00:00"};
	const char *rule = "FREQ=HOURLY;UNTIL=20240301T150000Z";
	char got[16][32];
	int offset = 5 * 3600; /* civil 09:00 is 14:00Z */
	int n, i;

	(void)state;
	CHECK_ALL(rule, "2024-03-01T09:00:00", identity);
	n = expand_with(rule, "2024-03-01T09:00:00", 0, resolve_offset, &offset,
			16, got);
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "2024-03-01T09:00:00");
	assert_string_equal(got[1], "2024-03-01T10:00:00");
	offset = -3600; /* civil 09:00 is 08:00Z */
	n = expand_with(rule, "2024-03-01T09:00:00", 0, resolve_offset, &offset,
			16, got);
	assert_int_equal(n, 8);
	for (i = 0; i < 7; i++)
		assert_string_equal(got[i], identity[i]);
	assert_string_equal(got[7], "2024-03-01T16:00:00");
}

/*
 * skip_to(t) then next() must give exactly what plain iteration gives from
 * its first instance at or after t; n instances (or the end) are compared.
 */
static void
check_skip(const char *rule, const char *dtstart, int all_day, const char *to,
	   int n)
{
	struct sm_rrule r;
	struct sm_rrule_iter plain, skip;
	sm_time target = parse_time(to), a = 0, b = 0;
	long steps = 0;
	int ha, hb, i;
	char sa[32], sb[32];

	parse_rule(rule, &r);
	sm_rrule_iter_init(&plain, &r, parse_time(dtstart), all_day,
			   resolve_identity, NULL);
	sm_rrule_iter_init(&skip, &r, parse_time(dtstart), all_day,
			   resolve_identity, NULL);
	do {
		ha = sm_rrule_iter_next(&plain, &a);
	} while (ha && a < target && ++steps < 5000000);
	assert_true(steps < 5000000);
	sm_rrule_iter_skip_to(&skip, target);
	for (i = 0; i < n; i++) {
		hb = sm_rrule_iter_next(&skip, &b);
		sm_civil_format(a, SM_CIVIL_LOCAL, sa, sizeof(sa));
		sm_civil_format(b, SM_CIVIL_LOCAL, sb, sizeof(sb));
		if (ha != hb || (ha && a != b))
			fail_msg("%s from %s, skip to %s: instance %d: plain "
				 "%s, skipped %s",
				 rule, dtstart, to, i, ha ? sa : "(end)",
				 hb ? sb : "(end)");
		if (!ha)
			break;
		ha = sm_rrule_iter_next(&plain, &a);
	}
}

/* The first instance after skip_to(to), or "(end)". */
static void
skip_first(const char *rule, const char *dtstart, int all_day, const char *to,
	   char out[32])
{
	struct sm_rrule r;
	struct sm_rrule_iter it;
	sm_time t;

	parse_rule(rule, &r);
	sm_rrule_iter_init(&it, &r, parse_time(dtstart), all_day,
			   resolve_identity, NULL);
	sm_rrule_iter_skip_to(&it, parse_time(to));
	if (sm_rrule_iter_next(&it, &t))
		sm_civil_format(t, SM_CIVIL_LOCAL, out, 32);
	else
		strcpy(out, "(end)");
}

#define CHECK_SKIP_FIRST(rule, dtstart, all_day, to, want)                     \
	do {                                                                   \
		char first_[32];                                               \
		skip_first(rule, dtstart, all_day, to, first_);                \
		if (strcmp(first_, want) != 0)                                 \
			fail_msg("%s from %s, skip to %s: expected %s, got "   \
				 "%s",                                         \
				 rule, dtstart, to, want, first_);             \
	} while (0)

static void
test_skip_to_without_count(void **state)
{
	(void)state;
	check_skip("FREQ=DAILY;INTERVAL=3", "2024-01-01T09:00:00", 0,
		   "2030-06-15T12:00:00", 20);
	CHECK_SKIP_FIRST("FREQ=DAILY;INTERVAL=3", "2024-01-01T09:00:00", 0,
			 "2030-06-15T12:00:00", "2030-06-16T09:00:00");
	check_skip("FREQ=MONTHLY;BYDAY=2TU,-1FR", "2024-01-09T18:30:00", 0,
		   "2031-03-12T18:30:00", 20);
	CHECK_SKIP_FIRST("FREQ=MONTHLY;BYDAY=2TU,-1FR", "2024-01-09T18:30:00",
			 0, "2031-03-12T18:30:00", "2031-03-28T18:30:00");
	check_skip("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
		   "2024-01-01T09:00:00", 0, "2100-02-28T00:00:00", 20);
	CHECK_SKIP_FIRST("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
			 "2024-01-01T09:00:00", 0, "2100-02-28T00:00:00",
			 "2100-03-01T09:00:00");
	check_skip("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2024-02-29T09:00:00",
		   0, "2097-01-01T00:00:00", 5);
	CHECK_SKIP_FIRST("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
			 "2024-02-29T09:00:00", 0, "2097-01-01T00:00:00",
			 "2104-02-29T09:00:00");
	check_skip("FREQ=HOURLY;INTERVAL=5;BYHOUR=9,10,11,12,13,14,15,16,17",
		   "2024-03-01T09:00:00", 0, "2025-07-04T13:30:00", 30);
	CHECK_SKIP_FIRST(
		"FREQ=HOURLY;INTERVAL=5;BYHOUR=9,10,11,12,13,14,15,16,17",
		"2024-03-01T09:00:00", 0, "2025-07-04T13:30:00",
		"2025-07-04T14:00:00");
	check_skip("FREQ=MINUTELY;INTERVAL=7", "2024-03-01T09:00:00", 0,
		   "2024-12-25T00:00:00", 30);
	CHECK_SKIP_FIRST("FREQ=MINUTELY;INTERVAL=7", "2024-03-01T09:00:00", 0,
			 "2024-12-25T00:00:00", "2024-12-25T00:04:00");
	check_skip("FREQ=SECONDLY;INTERVAL=45;BYMINUTE=0,30",
		   "2024-03-01T09:00:00", 0, "2024-03-11T17:29:59", 30);
	CHECK_SKIP_FIRST("FREQ=SECONDLY;INTERVAL=45;BYMINUTE=0,30",
			 "2024-03-01T09:00:00", 0, "2024-03-11T17:29:59",
			 "2024-03-11T17:30:00");
	check_skip("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
		   "1997-09-29T09:00:00", 0, "2024-02-15T00:00:00", 20);
	CHECK_SKIP_FIRST("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
			 "1997-09-29T09:00:00", 0, "2024-02-15T00:00:00",
			 "2024-02-28T09:00:00");
	check_skip("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", "2024-01-01T09:00:00", 0,
		   "2040-06-01T00:00:00", 10);
	CHECK_SKIP_FIRST("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO",
			 "2024-01-01T09:00:00", 0, "2040-06-01T00:00:00",
			 "2040-12-31T09:00:00");
	check_skip("FREQ=WEEKLY;BYDAY=SA,SU", "2024-03-02", 1,
		   "2026-01-01T00:00:00", 10);
	CHECK_SKIP_FIRST("FREQ=WEEKLY;BYDAY=SA,SU", "2024-03-02", 1,
			 "2026-01-01T00:00:00", "2026-01-03T00:00:00");
	/* Exactly on an instance, and before DTSTART. */
	CHECK_SKIP_FIRST("FREQ=DAILY", "2024-03-01T09:00:00", 0,
			 "2024-03-05T09:00:00", "2024-03-05T09:00:00");
	CHECK_SKIP_FIRST("FREQ=DAILY", "2024-03-01T09:00:00", 0,
			 "2024-03-05T09:00:01", "2024-03-06T09:00:00");
	CHECK_SKIP_FIRST("FREQ=DAILY", "2024-03-01T09:00:00", 0,
			 "2020-01-01T00:00:00", "2024-03-01T09:00:00");
	/* UNTIL still ends the rule after a skip. */
	check_skip("FREQ=DAILY;UNTIL=20240310", "2024-03-01T09:00:00", 0,
		   "2024-03-08T00:00:00", 5);
	CHECK_SKIP_FIRST("FREQ=DAILY;UNTIL=20240310", "2024-03-01T09:00:00", 0,
			 "2024-03-10T00:00:00", "2024-03-10T09:00:00");
	CHECK_SKIP_FIRST("FREQ=DAILY;UNTIL=20240310", "2024-03-01T09:00:00", 0,
			 "2024-03-10T09:00:01", "(end)");
}

static void
test_skip_to_with_count(void **state)
{
	(void)state;
	check_skip("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20", "2024-01-01T09:00:00", 0,
		   "2024-02-15T09:00:00", 25);
	CHECK_SKIP_FIRST("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20",
			 "2024-01-01T09:00:00", 0, "2024-02-15T09:00:00",
			 "2024-02-15T09:00:00");
	CHECK_SKIP_FIRST("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20",
			 "2024-01-01T09:00:00", 0, "2024-03-07T09:00:01",
			 "(end)");
	CHECK_SKIP_FIRST("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20",
			 "2024-01-01T09:00:00", 0, "2025-01-01T00:00:00",
			 "(end)");
	check_skip("FREQ=MONTHLY;BYDAY=-1FR;COUNT=50", "1997-09-26T09:00:00", 0,
		   "2000-06-01T00:00:00", 60);
	check_skip("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10", "2024-03-06T10:00:00",
		   0, "2024-03-01T00:00:00", 15);
}

/* check_skip after `taken` instances were taken from both iterators (a
 * series' stream takes each rule's first instance before it skips). */
static void
check_skip_taken(const char *rule, const char *dtstart, const char *to,
		 int taken)
{
	struct sm_rrule r;
	struct sm_rrule_iter plain, skip;
	sm_time target = parse_time(to), a = 0, b = 0;
	int ha = 1, hb = 1;
	parse_rule(rule, &r);
	sm_rrule_iter_init(&plain, &r, parse_time(dtstart), 0, resolve_identity,
			   NULL);
	sm_rrule_iter_init(&skip, &r, parse_time(dtstart), 0, resolve_identity,
			   NULL);
	for (int i = 0; i < taken && ha && hb; i++) {
		ha = sm_rrule_iter_next(&plain, &a);
		hb = sm_rrule_iter_next(&skip, &b);
	}
	do {
		ha = sm_rrule_iter_next(&plain, &a);
	} while (ha && a < target);
	sm_rrule_iter_skip_to(&skip, target);
	for (int i = 0; i < 3; i++) {
		hb = sm_rrule_iter_next(&skip, &b);
		if (ha != hb || (ha && a != b))
			fail_msg("%s from %s, %d taken, skip to %s: instance "
				 "%d: plain %lld, skipped %lld",
				 rule, dtstart, taken, to, i,
				 ha ? (long long)a : -1LL,
				 hb ? (long long)b : -1LL);
		if (!ha)
			break;
		ha = sm_rrule_iter_next(&plain, &a);
	}
}

/* With COUNT, skip_to counts whole days (finer than DAILY) or periods
 * ahead instead of stepping: the same instances as plain iteration, near
 * the start, in the middle, at the COUNT's end and with UNTIL too. */
static void
test_skip_to_with_count_dense(void **state)
{
	(void)state;
	static const char *const tos[] = {
		"2024-01-01T09:00:06", "2024-01-01T23:59:59",
		"2024-01-02T00:00:00", "2024-01-05T03:00:00",
		"2024-01-12T22:46:00", "2024-01-12T22:46:46",
		"2024-01-12T22:46:47", "2024-02-20T00:00:00",
		"2024-03-04T10:59:59", "2024-06-30T23:59:58"};
	static const char *const rules[] = {
		"FREQ=SECONDLY;COUNT=1000000",
		"FREQ=SECONDLY;INTERVAL=7;BYHOUR=9,17;COUNT=200000",
		"FREQ=SECONDLY;INTERVAL=50;BYMINUTE=1,2,58;BYDAY=TU,SA;"
		"COUNT=40000",
		"FREQ=MINUTELY;INTERVAL=13;BYSECOND=0,30;BYDAY=MO,WE;"
		"COUNT=30000",
		"FREQ=HOURLY;INTERVAL=5;BYMINUTE=0,15;BYSECOND=1,2;"
		"BYMONTH=1,3;COUNT=5000",
		"FREQ=HOURLY;BYMINUTE=0,20,40;BYSETPOS=2,-1;COUNT=7000",
		"FREQ=SECONDLY;COUNT=900000;UNTIL=20240105T120000",
		"FREQ=SECONDLY;INTERVAL=3;COUNT=900000;UNTIL=20240105T120000Z",
		"FREQ=DAILY;BYHOUR=9,10,11;BYMINUTE=0,10,20,30,40,50;"
		"BYSECOND=0,1;COUNT=20000",
		"FREQ=DAILY;BYHOUR=8,12;BYMINUTE=0,30;BYSETPOS=1,-1;"
		"COUNT=300",
		"FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=9,10;COUNT=1000",
		"FREQ=MONTHLY;BYMONTHDAY=1,15,31;BYHOUR=6,18;COUNT=400",
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		for (size_t k = 0; k < sizeof(tos) / sizeof(*tos); k++)
			check_skip(rules[i], "2024-01-01T09:00:07", 0, tos[k],
				   3);
	check_skip("FREQ=DAILY;COUNT=5000", "2024-01-01", 1,
		   "2030-02-03T00:00:00", 3);
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		for (int taken = 1; taken <= 3; taken += 2)
			for (size_t k = 0; k < sizeof(tos) / sizeof(*tos);
			     k += 3)
				check_skip_taken(rules[i],
						 "2024-01-01T09:00:07", tos[k],
						 taken);
}

/* COUNT counted by periods on the rules of week-numbering years (YEARLY
 * with BYWEEKNO: a period is a week-year, whose days straddle calendar
 * years) and of YEARLY BYMONTHDAY without BYMONTH (DTSTART's month): the
 * same instances as plain iteration, across year boundaries. */
static void
test_skip_to_with_count_years(void **state)
{
	(void)state;
	static const char *const tos[] = {
		"2024-12-29T00:00:00", "2024-12-30T09:00:00",
		"2025-01-01T00:00:00", "2026-12-28T00:00:00",
		"2027-01-03T09:00:01", "2031-06-01T00:00:00",
		"2037-12-31T00:00:00", "2060-01-01T00:00:00"};
	static const char *const rules[] = {
		"FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO;COUNT=30",
		"FREQ=YEARLY;BYWEEKNO=1,52,53;BYDAY=MO,SU;COUNT=60",
		"FREQ=YEARLY;BYWEEKNO=-1;BYDAY=TH,FR;COUNT=25",
		"FREQ=YEARLY;BYWEEKNO=1;BYDAY=SU;WKST=SU;COUNT=40",
		"FREQ=YEARLY;INTERVAL=2;BYWEEKNO=53;BYDAY=MO;COUNT=12",
		"FREQ=YEARLY;BYMONTHDAY=1;BYWEEKNO=1;COUNT=10",
		"FREQ=YEARLY;BYMONTHDAY=-1;COUNT=40",
		"FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=1,10,20;COUNT=50",
		"FREQ=YEARLY;BYMONTHDAY=13;BYDAY=FR;COUNT=8",
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		for (size_t k = 0; k < sizeof(tos) / sizeof(*tos); k++) {
			check_skip(rules[i], "2024-01-01T09:00:00", 0, tos[k],
				   4);
			check_skip(rules[i], "2024-12-30T09:00:00", 0, tos[k],
				   4);
			check_skip_taken(rules[i], "2024-12-30T09:00:00",
					 tos[k], 2);
		}
}

/* skip_to after some instances were taken, inside the current period. */
static void
test_skip_to_mid_iteration(void **state)
{
	struct sm_rrule r;
	struct sm_rrule_iter it;
	sm_time t;
	char s[32];

	(void)state;
	parse_rule("FREQ=MONTHLY;BYMONTHDAY=1,10,20", &r);
	sm_rrule_iter_init(&it, &r, parse_time("2024-01-01T09:00:00"), 0,
			   resolve_identity, NULL);
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_string_equal(sm_civil_format(t, SM_CIVIL_LOCAL, s, sizeof(s)),
			    "2024-01-01T09:00:00");
	sm_rrule_iter_skip_to(&it, parse_time("2024-01-15T00:00:00"));
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_string_equal(sm_civil_format(t, SM_CIVIL_LOCAL, s, sizeof(s)),
			    "2024-01-20T09:00:00");
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_string_equal(sm_civil_format(t, SM_CIVIL_LOCAL, s, sizeof(s)),
			    "2024-02-01T09:00:00");

	/* COUNT keeps counting across next() and skip_to(). */
	parse_rule("FREQ=DAILY;COUNT=10", &r);
	sm_rrule_iter_init(&it, &r, parse_time("2024-03-01T09:00:00"), 0,
			   resolve_identity, NULL);
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_true(sm_rrule_iter_next(&it, &t));
	sm_rrule_iter_skip_to(&it, parse_time("2024-03-08T00:00:00"));
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_string_equal(sm_civil_format(t, SM_CIVIL_LOCAL, s, sizeof(s)),
			    "2024-03-08T09:00:00");
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_true(sm_rrule_iter_next(&it, &t));
	assert_string_equal(sm_civil_format(t, SM_CIVIL_LOCAL, s, sizeof(s)),
			    "2024-03-10T09:00:00");
	assert_false(sm_rrule_iter_next(&it, &t));
	assert_false(sm_rrule_iter_next(&it, &t));
}

/* The iterator is plain data: a copy continues on its own. */
static void
test_iterator_copy(void **state)
{
	struct sm_rrule r;
	struct sm_rrule_iter it, copy;
	sm_time a, b;
	int i;

	(void)state;
	parse_rule("FREQ=MONTHLY;BYDAY=MO,FR;BYSETPOS=1,-1;COUNT=12", &r);
	sm_rrule_iter_init(&it, &r, parse_time("2024-01-01T09:00:00"), 0,
			   resolve_identity, NULL);
	for (i = 0; i < 3; i++)
		assert_true(sm_rrule_iter_next(&it, &a));
	copy = it;
	for (i = 3; i < 12; i++) {
		assert_true(sm_rrule_iter_next(&it, &a));
		assert_true(sm_rrule_iter_next(&copy, &b));
		assert_true(a == b);
	}
	assert_false(sm_rrule_iter_next(&it, &a));
	assert_false(sm_rrule_iter_next(&copy, &b));
}

/*
 * Runs the rule from dtstart in a child process and reports its first
 * instance (or "(end)") in out.  Returns 0, or -1 when the child needed more
 * than limit seconds (it is killed), -2 when it failed.  A hang or crash in
 * the iterator fails one check instead of the whole test program.
 */
static int
first_within(const char *rule, const char *dtstart, int limit, char out[32])
{
	int fds[2], status = 0;
	pid_t pid;
	long waited_ms = 0;

	if (getenv("SMCAL_VALGRIND_CMD"))
		limit *= 20;
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sm_rrule r;
		struct sm_rrule_iter it;
		sm_time t;
		char err[256], buf[32] = "(end)";
		close(fds[0]);
		if (sm_rrule_parse(rule, &r, err, sizeof(err)) != 0)
			_exit(2);
		sm_rrule_iter_init(&it, &r, parse_time(dtstart), 0,
				   resolve_identity, NULL);
		if (sm_rrule_iter_next(&it, &t))
			sm_civil_format(t, SM_CIVIL_LOCAL, buf, sizeof(buf));
		if (write(fds[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (waited_ms >= limit * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(fds[0]);
			return -1;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		waited_ms += 20;
	}
	memset(out, 0, 32);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    read(fds[0], out, 32) != 32) {
		close(fds[0]);
		return -2;
	}
	close(fds[0]);
	out[31] = '\0';
	return 0;
}

static void
check_first_within(const char *rule, const char *dtstart, int limit,
		   const char *want)
{
	char got[32];
	int rc = first_within(rule, dtstart, limit, got);
	if (rc == -1)
		fail_msg("%s from %s: next() still running after %d s", rule,
			 dtstart, limit);
	if (rc != 0)
		fail_msg("%s from %s: the iterating child failed", rule,
			 dtstart);
	if (strcmp(got, want) != 0)
		fail_msg("%s from %s: expected %s, got %s", rule, dtstart, want,
			 got);
}

/*
 * FREQ=YEARLY;BYMONTHDAY without BYMONTH, BYWEEKNO or BYYEARDAY: the month
 * is not in the rule, so it comes from DTSTART (RFC 5545 3.3.10,
 * "information, not contained in the rule ... derived from DTSTART"), as
 * libical and ical.js read it; recurring-ical-events takes every month.
 */
static void
test_yearly_bymonthday_month_from_dtstart(void **state)
{
	(void)state;
	{
		static const char *const want[] = {"2024-02-29T00:00:00",
						   "2028-02-29T00:00:00",
						   "2032-02-29T00:00:00"};
		CHECK_ALL_DAY("FREQ=YEARLY;BYMONTHDAY=29;COUNT=3", "2024-02-29",
			      want);
	}
	{
		static const char *const want[] = {"2024-01-31T09:00:00",
						   "2025-01-31T09:00:00",
						   "2026-01-31T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTHDAY=-1;COUNT=3",
			  "2024-01-31T09:00:00", want);
	}
	{
		/* Several days of DTSTART's month, every other year. */
		static const char *const want[] = {
			"2024-03-10T09:00:00", "2024-03-20T09:00:00",
			"2026-03-01T09:00:00", "2026-03-10T09:00:00",
			"2026-03-20T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=1,10,20;COUNT=5",
			  "2024-03-05T09:00:00", want);
	}
	{
		/* BYDAY limits the month's days (libical agrees; ical.js takes
		 * every month of the year). */
		static const char *const want[] = {"2024-09-13T09:00:00",
						   "2030-09-13T09:00:00",
						   "2041-09-13T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTHDAY=13;BYDAY=FR;COUNT=3",
			  "2024-09-13T09:00:00", want);
	}
	{
		/* With BYYEARDAY, BYWEEKNO or BYMONTH the month is not taken
		 * from DTSTART. */
		static const char *const want[] = {"2024-01-15T09:00:00",
						   "2024-04-15T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTHDAY=15;BYMONTH=1,4;COUNT=2",
			  "2024-01-15T09:00:00", want);
	}
	{
		static const char *const want[] = {"2024-02-01T09:00:00",
						   "2025-02-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTHDAY=1;BYYEARDAY=32;COUNT=2",
			  "2024-01-01T09:00:00", want);
	}
	{
		/* Week 1 of 2025 holds 2025-01-01, though DTSTART is in
		 * April. */
		static const char *const want[] = {"2025-01-01T09:00:00",
						   "2026-01-01T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYMONTHDAY=1;BYWEEKNO=1;COUNT=2",
			  "2024-04-01T09:00:00", want);
	}
	check_skip("FREQ=YEARLY;BYMONTHDAY=29", "2024-02-29", 1,
		   "2031-06-01T00:00:00", 5);
	CHECK_SKIP_FIRST("FREQ=YEARLY;BYMONTHDAY=29", "2024-02-29", 1,
			 "2029-01-01T00:00:00", "2032-02-29T00:00:00");
}

/*
 * FREQ=YEARLY;BYWEEKNO: the period is the week-numbering year (by WKST), a
 * week keeps the days it has in the neighbouring calendar year, and INTERVAL
 * counts week-years from the week-year of DTSTART.
 */
static void
test_byweekno_week_year_period(void **state)
{
	(void)state;
	{
		/* 2024-12-31 is in week 1 of 2025: week-years 2025, 2028,
		 * 2031. */
		static const char *const want[] = {
			"2024-12-31T00:00:00", "2028-01-03T00:00:00",
			"2028-01-04T00:00:00", "2030-12-30T00:00:00",
			"2030-12-31T00:00:00"};
		CHECK_ALL_DAY("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO,TU;INTERVAL=3;"
			      "UNTIL=20320101",
			      "2024-12-31", want);
	}
	{
		/* 2021-01-02 is in week 53 of 2020; of the even week-years
		 * from 2020, 2026 and 2032 have a week 53 too. */
		static const char *const want[] = {
			"2021-01-02T09:00:00", "2027-01-01T09:00:00",
			"2027-01-02T09:00:00", "2032-12-31T09:00:00",
			"2033-01-01T09:00:00"};
		CHECK_PREFIX("FREQ=YEARLY;BYWEEKNO=53;BYDAY=SA,FR;INTERVAL=2",
			     "2021-01-02T09:00:00", want);
	}
	{
		/* BYSETPOS counts in the week-year: the last day of week 1 of
		 * 2025 is in 2025, its first in 2024. */
		static const char *const want[] = {"2024-12-30T09:00:00",
						   "2025-12-29T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO,SU;BYSETPOS=1;"
			  "COUNT=2",
			  "2024-12-30T09:00:00", want);
	}
	{
		/* Without BYDAY: DTSTART's weekday of each chosen week. */
		static const char *const want[] = {"2024-12-31T09:00:00",
						   "2027-01-05T09:00:00",
						   "2029-01-02T09:00:00"};
		CHECK_ALL("FREQ=YEARLY;BYWEEKNO=1;INTERVAL=2;COUNT=3",
			  "2024-12-31T09:00:00", want);
	}
	check_skip("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO,TU;INTERVAL=3",
		   "2024-12-31", 1, "2030-12-30T12:00:00", 6);
	CHECK_SKIP_FIRST("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO,TU;INTERVAL=3",
			 "2024-12-31", 1, "2030-06-01T00:00:00",
			 "2030-12-30T00:00:00");
}

/* A rule that can never match ends, and quickly, at every FREQ. */
static void
test_never_matching_rule_ends(void **state)
{
	static const char *const rules[] = {
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",
		"FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31;UNTIL=30000101",
		/* From 2001, 2001 + 4k is never a leap year. */
		"FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
		"FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
		"FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
		"FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6,9,11",
		"FREQ=WEEKLY;BYMONTH=11;BYMONTHDAY=31;BYDAY=MO",
		"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=SECONDLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=12;BYSECOND=7",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(rules); i++)
		check_first_within(rules[i], "2001-01-01T09:00:00", 5, "(end)");
}

/* Sparse sub-daily rules find their next instance without crawling. */
static void
test_sparse_subdaily_rule_is_fast(void **state)
{
	(void)state;
	check_first_within("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=0;"
			   "BYMINUTE=0;BYSECOND=0",
			   "2025-01-01T00:00:00", 5, "2028-02-29T00:00:00");
	check_first_within("FREQ=MINUTELY;INTERVAL=7;BYMONTH=12;BYMONTHDAY=25;"
			   "BYHOUR=0;BYMINUTE=0,1,2,3,4,5,6",
			   "2024-01-01T00:00:00", 5, "2024-12-25T00:04:00");
	check_first_within("FREQ=HOURLY;BYYEARDAY=366;BYHOUR=23",
			   "2025-01-01T00:00:00", 5, "2028-12-31T23:00:00");
}

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) ==
			       tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *part;
	} bad[] = {
		{"COUNT=3", "FREQ"},
		{"", "FREQ"},
		{"FREQ=FORTNIGHTLY", "FREQ"},
		{"FREQ=WEEKLY;BYDAY=XX", "BYDAY"},
		{"FREQ=MONTHLY;BYDAY=0MO", "BYDAY"},
		{"FREQ=MONTHLY;BYDAY=54MO", "BYDAY"},
		{"FREQ=YEARLY;BYMONTH=13", "BYMONTH"},
		{"FREQ=YEARLY;BYMONTH=0", "BYMONTH"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"},
		{"FREQ=MONTHLY;BYMONTHDAY=-32", "BYMONTHDAY"},
		{"FREQ=DAILY;INTERVAL=0", "INTERVAL"},
		{"FREQ=DAILY;INTERVAL=-2", "INTERVAL"},
		{"FREQ=DAILY;COUNT=-1", "COUNT"},
		{"FREQ=DAILY;COUNT=abc", "COUNT"},
		{"FREQ=DAILY;UNTIL=2024", "UNTIL"},
		{"FREQ=DAILY;UNTIL=20241345", "UNTIL"},
		{"FREQ=DAILY;UNTIL=20240230", "UNTIL"},
		{"FREQ=DAILY;UNTIL=20240301T250000", "UNTIL"},
		{"FREQ=DAILY;UNTIL=tomorrow", "UNTIL"},
		{"FREQ=DAILY;BYHOUR=24", "BYHOUR"},
		{"FREQ=DAILY;BYMINUTE=60", "BYMINUTE"},
		{"FREQ=MINUTELY;BYSECOND=61", "BYSECOND"},
		{"FREQ=YEARLY;BYWEEKNO=0", "BYWEEKNO"},
		{"FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO"},
		{"FREQ=YEARLY;BYYEARDAY=0", "BYYEARDAY"},
		{"FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY"},
		{"FREQ=YEARLY;BYYEARDAY=-367", "BYYEARDAY"},
		{"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS"},
		{"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367", "BYSETPOS"},
		{"FREQ=WEEKLY;WKST=XY", "WKST"},
	};
	size_t i;
	int failures = 0;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		struct sm_rrule r;
		char err[256] = "";
		int rc = sm_rrule_parse(bad[i].text, &r, err, sizeof(err));
		if (rc != -1) {
			print_error("\"%s\": accepted (rc %d)\n", bad[i].text,
				    rc);
			failures++;
		} else if (err[0] == '\0' ||
			   !contains_nocase(err, bad[i].part)) {
			print_error("\"%s\": message \"%s\" does not name %s\n",
				    bad[i].text, err, bad[i].part);
			failures++;
		}
	}
	if (failures)
		fail_msg("%d malformed rules not rejected as expected",
			 failures);
}

/* The message is truncated to errlen, never written past it. */
static void
test_parse_error_buffer_bounds(void **state)
{
	struct sm_rrule r;
	char buf[64];
	size_t i;

	(void)state;
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(sm_rrule_parse("FREQ=WEEKLY;BYDAY=XX", &r, buf, 8),
			 -1);
	assert_true(memchr(buf, '\0', 8) != NULL);
	for (i = 8; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'Q');
}

static void
test_parse_lenient_forms(void **state)
{
	static const char *const forms[] = {
		"FREQ=WEEKLY;BYDAY=MO",		 "freq=weekly;byday=mo",
		"Freq=Weekly;ByDay=Mo",		 "FREQ=WEEKLY; BYDAY=MO",
		" FREQ = WEEKLY ; BYDAY = MO ",	 "RRULE:FREQ=WEEKLY;BYDAY=MO",
		"rrule:FREQ=WEEKLY;BYDAY=MO",	 "FREQ=WEEKLY;BYDAY=MO;",
		"RRULE: FREQ=WEEKLY; BYDAY=MO;",
	};
	static const char *const want[] = {"2024-03-04T09:00:00",
					   "2024-03-11T09:00:00",
					   "2024-03-18T09:00:00"};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(forms); i++) {
		struct sm_rrule r;
		char err[256] = "";
		if (sm_rrule_parse(forms[i], &r, err, sizeof(err)) != 0)
			fail_msg("\"%s\" rejected: %s", forms[i], err);
		assert_int_equal(r.freq, SM_FREQ_WEEKLY);
		assert_int_equal(r.interval, 1);
		assert_int_equal(r.count, 0);
		assert_int_equal(r.until_kind, SM_UNTIL_NONE);
		assert_int_equal(r.wkst, 0);
		assert_int_equal(r.nbyday, 1);
		assert_int_equal(r.byday[0].ord, 0);
		assert_int_equal(r.byday[0].wday, 0);
		assert_int_equal(r.present, SM_BY_DAY);
		assert_int_equal(r.nbysetpos, 0);
		check_rule(forms[i], "2024-03-01T09:00:00", 0, 0, want,
			   (int)NELEM(want));
	}
}

static int
has_byday(const struct sm_rrule *r, int ord, int wday)
{
	int i;
	for (i = 0; i < r->nbyday; i++)
		if (r->byday[i].ord == ord && r->byday[i].wday == wday)
			return 1;
	return 0;
}

static int
has_setpos(const struct sm_rrule *r, int pos)
{
	int i;
	for (i = 0; i < r->nbysetpos; i++)
		if (r->bysetpos[i] == pos)
			return 1;
	return 0;
}

#define BIT64(n) ((uint64_t)1 << (n))
#define YEARDAY_BIT(arr, n) (((arr)[(n) / 64] >> ((n) % 64)) & 1u)

/* Every rule part lands in its field of struct sm_rrule. */
static void
test_parse_fields(void **state)
{
	struct sm_rrule r;
	int i;

	(void)state;
	parse_rule("FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU,+2MO,FR;"
		   "BYMONTHDAY=-3,15;BYSETPOS=-2,3;WKST=SU;BYHOUR=9,17;"
		   "BYMINUTE=0,30;BYSECOND=0,60;BYMONTH=1,12",
		   &r);
	assert_int_equal(r.freq, SM_FREQ_MONTHLY);
	assert_int_equal(r.interval, 2);
	assert_int_equal(r.count, 10);
	assert_int_equal(r.until_kind, SM_UNTIL_NONE);
	assert_int_equal(r.wkst, 6);
	assert_int_equal(r.nbyday, 4);
	assert_true(has_byday(&r, 1, 6));
	assert_true(has_byday(&r, -1, 6));
	assert_true(has_byday(&r, 2, 0));
	assert_true(has_byday(&r, 0, 4));
	assert_int_equal(r.bymonthday_pos, 1u << 15);
	assert_int_equal(r.bymonthday_neg, 1u << 3);
	assert_int_equal(r.nbysetpos, 2);
	assert_true(has_setpos(&r, -2));
	assert_true(has_setpos(&r, 3));
	assert_int_equal(r.byhour, (1u << 9) | (1u << 17));
	assert_true(r.byminute == (BIT64(0) | BIT64(30)));
	assert_true(r.bysecond == (BIT64(0) | BIT64(60)));
	assert_int_equal(r.bymonth, (1u << 1) | (1u << 12));
	assert_int_equal(r.present, SM_BY_DAY | SM_BY_MONTHDAY | SM_BY_SETPOS |
					    SM_BY_HOUR | SM_BY_MINUTE |
					    SM_BY_SECOND | SM_BY_MONTH);

	parse_rule("FREQ=YEARLY;BYYEARDAY=1,-1,366,-306;BYWEEKNO=1,-53,53", &r);
	assert_int_equal(r.freq, SM_FREQ_YEARLY);
	assert_int_equal(r.interval, 1);
	assert_int_equal(r.wkst, 0);
	assert_true(YEARDAY_BIT(r.byyearday_pos, 1));
	assert_true(YEARDAY_BIT(r.byyearday_pos, 366));
	assert_true(YEARDAY_BIT(r.byyearday_neg, 1));
	assert_true(YEARDAY_BIT(r.byyearday_neg, 306));
	for (i = 0; i < 6; i++)
		assert_true(r.byyearday_pos[i] == (i == 0   ? BIT64(1)
						   : i == 5 ? BIT64(366 - 320)
							    : 0));
	assert_true(r.byweekno_pos == (BIT64(1) | BIT64(53)));
	assert_true(r.byweekno_neg == BIT64(53));
	assert_int_equal(r.present, SM_BY_YEARDAY | SM_BY_WEEKNO);

	parse_rule("FREQ=SECONDLY", &r);
	assert_int_equal(r.freq, SM_FREQ_SECONDLY);
	parse_rule("FREQ=MINUTELY", &r);
	assert_int_equal(r.freq, SM_FREQ_MINUTELY);
	parse_rule("FREQ=HOURLY", &r);
	assert_int_equal(r.freq, SM_FREQ_HOURLY);
	parse_rule("FREQ=DAILY", &r);
	assert_int_equal(r.freq, SM_FREQ_DAILY);
	assert_int_equal(r.present, 0);

	parse_rule("FREQ=DAILY;UNTIL=20240305", &r);
	assert_int_equal(r.until_kind, SM_UNTIL_DATE);
	assert_true(r.until == parse_time("2024-03-05"));
	parse_rule("FREQ=DAILY;UNTIL=20240305T093000", &r);
	assert_int_equal(r.until_kind, SM_UNTIL_LOCAL);
	assert_true(r.until == parse_time("2024-03-05T09:30:00"));
	parse_rule("FREQ=DAILY;UNTIL=20240305T093000Z", &r);
	assert_int_equal(r.until_kind, SM_UNTIL_UTC);
	assert_true(r.until == parse_time("2024-03-05T09:30:00Z"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_daily_10),
		cmocka_unit_test(test_rfc_daily_until_dec24),
		cmocka_unit_test(test_rfc_every_other_day),
		cmocka_unit_test(test_rfc_every_10_days_5),
		cmocka_unit_test(test_rfc_every_day_in_january),
		cmocka_unit_test(test_rfc_weekly_10),
		cmocka_unit_test(test_rfc_weekly_until_dec24),
		cmocka_unit_test(test_rfc_every_other_week),
		cmocka_unit_test(test_rfc_weekly_tu_th_five_weeks),
		cmocka_unit_test(test_rfc_every_other_week_mo_we_fr_until),
		cmocka_unit_test(test_rfc_every_other_week_tu_th_8),
		cmocka_unit_test(test_rfc_monthly_first_friday_10),
		cmocka_unit_test(test_rfc_monthly_first_friday_until),
		cmocka_unit_test(test_rfc_every_other_month_first_last_sunday),
		cmocka_unit_test(test_rfc_monthly_second_to_last_monday),
		cmocka_unit_test(test_rfc_monthly_third_to_last_day),
		cmocka_unit_test(test_rfc_monthly_2nd_and_15th),
		cmocka_unit_test(test_rfc_monthly_first_and_last_day),
		cmocka_unit_test(test_rfc_every_18_months_10th_to_15th),
		cmocka_unit_test(test_rfc_every_tuesday_every_other_month),
		cmocka_unit_test(test_rfc_yearly_june_july_10),
		cmocka_unit_test(test_rfc_every_other_year_jan_feb_mar),
		cmocka_unit_test(test_rfc_every_third_year_yeardays),
		cmocka_unit_test(test_rfc_every_20th_monday),
		cmocka_unit_test(test_rfc_monday_of_week_20),
		cmocka_unit_test(test_rfc_every_thursday_in_march),
		cmocka_unit_test(test_rfc_every_thursday_in_summer),
		cmocka_unit_test(test_rfc_every_friday_13th),
		cmocka_unit_test(test_rfc_first_saturday_after_first_sunday),
		cmocka_unit_test(test_rfc_us_election_day),
		cmocka_unit_test(test_rfc_third_tu_we_th_bysetpos),
		cmocka_unit_test(test_rfc_second_to_last_weekday),
		cmocka_unit_test(test_rfc_every_3_hours_one_day),
		cmocka_unit_test(test_rfc_every_15_minutes_6),
		cmocka_unit_test(test_rfc_every_90_minutes_4),
		cmocka_unit_test(test_rfc_every_20_minutes_9_to_1640),
		cmocka_unit_test(test_rfc_wkst_mo_vs_su),
		cmocka_unit_test(test_rfc_invalid_date_ignored),
		cmocka_unit_test(test_bysetpos_weekly),
		cmocka_unit_test(test_count_and_until),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_byweekno_year_boundaries),
		cmocka_unit_test(test_yearly_bymonthday_month_from_dtstart),
		cmocka_unit_test(test_byweekno_week_year_period),
		cmocka_unit_test(test_byyearday_negative),
		cmocka_unit_test(test_byday_ordinals_yearly_monthly),
		cmocka_unit_test(test_dtstart_defaults),
		cmocka_unit_test(test_dst_agnostic),
		cmocka_unit_test(test_subdaily_grids),
		cmocka_unit_test(test_all_day_series),
		cmocka_unit_test(test_rare_rules),
		cmocka_unit_test(test_until_utc_uses_resolve),
		cmocka_unit_test(test_skip_to_without_count),
		cmocka_unit_test(test_skip_to_with_count),
		cmocka_unit_test(test_skip_to_with_count_dense),
		cmocka_unit_test(test_skip_to_with_count_years),
		cmocka_unit_test(test_skip_to_mid_iteration),
		cmocka_unit_test(test_iterator_copy),
		cmocka_unit_test(test_never_matching_rule_ends),
		cmocka_unit_test(test_sparse_subdaily_rule_is_fast),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_buffer_bounds),
		cmocka_unit_test(test_parse_lenient_forms),
		cmocka_unit_test(test_parse_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
