/*
 * rrule: RFC 5545 recurrence rules (section 3.3.10), parsed and iterated in
 * civil (local wall-clock) time.
 *
 * This module owns the RRULE grammar and the expansion algorithm; it knows
 * nothing of time zones, EXDATE, RDATE or overrides (see occur.h).  A rule is
 * iterated period by period (a year (a week-numbering year with BYWEEKNO),
 * month, week, day, hour, minute or second of the rule's FREQ, every
 * INTERVAL): the period's candidate days are those
 * that pass every BYxxx day filter (BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY,
 * BYDAY with ordinals relative to the month or year), its candidate times the
 * product BYHOUR x BYMINUTE x BYSECOND (defaults from DTSTART), BYSETPOS picks
 * positions in that ordered set, and the result is bounded by DTSTART, UNTIL
 * and COUNT.  libical's iterator is not used: it ignores BYSETPOS on WEEKLY
 * rules, drops a DATE UNTIL's own day and carries DST shifts across days.
 *
 * Choices where RFC 5545 leaves room (documented in ARCHITECTURE.md):
 * - A DTSTART that the rule does not match is not an instance of the rule
 *   and does not count towards COUNT.
 * - An instance equal to UNTIL is included; a DATE UNTIL on a date-time rule
 *   includes that whole local day.
 * - Invalid dates (Feb 30, BYMONTHDAY=31 in April) are skipped, never moved.
 * - A rule that yields nothing for 400 years (one Gregorian cycle) past the
 *   last instance or DTSTART has ended.
 * - FREQ=YEARLY with BYMONTHDAY but no BYMONTH, BYWEEKNO or BYYEARDAY keeps
 *   to DTSTART's month, as if BYMONTH named it.
 * - FREQ=YEARLY with BYWEEKNO iterates week-numbering years (by WKST): a
 *   period is weeks 1 to 52 or 53 whole, days in the neighbouring calendar
 *   year included, and INTERVAL counts from the week-year of DTSTART.
 */
#ifndef SM_RRULE_H
#define SM_RRULE_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"

enum sm_freq {
	SM_FREQ_NONE = 0,
	SM_FREQ_SECONDLY,
	SM_FREQ_MINUTELY,
	SM_FREQ_HOURLY,
	SM_FREQ_DAILY,
	SM_FREQ_WEEKLY,
	SM_FREQ_MONTHLY,
	SM_FREQ_YEARLY,
};

enum sm_until_kind {
	SM_UNTIL_NONE = 0,
	SM_UNTIL_LOCAL, /* a floating date-time, compared in civil time */
	SM_UNTIL_UTC,	/* ends in Z: compared with each instance's instant */
	SM_UNTIL_DATE,	/* a DATE: includes every instance on that local day */
};

#define SM_RRULE_MAX_BYDAY 64
#define SM_RRULE_MAX_SETPOS 32

struct sm_byday {
	int8_t ord;   /* 0: every such weekday; else -53..53 */
	uint8_t wday; /* 0 = Monday .. 6 = Sunday */
};

struct sm_rrule {
	enum sm_freq freq;
	int interval; /* >= 1 */
	int count;    /* 0: no COUNT */
	enum sm_until_kind until_kind;
	sm_time until;	   /* civil for LOCAL and DATE, an instant for UTC */
	int wkst;	   /* 0 = Monday (the default) .. 6 = Sunday */
	uint64_t bysecond; /* bit n: second n (0..60) */
	uint64_t byminute; /* bit n: minute n */
	uint32_t byhour;   /* bit n: hour n */
	uint16_t bymonth;  /* bit n: month n (1..12) */
	uint32_t bymonthday_pos;   /* bit n: day n (1..31) */
	uint32_t bymonthday_neg;   /* bit n: day -n */
	uint64_t byyearday_pos[6]; /* bit n: day n (1..366) */
	uint64_t byyearday_neg[6]; /* bit n: day -n */
	uint64_t byweekno_pos;	   /* bit n: week n (1..53) */
	uint64_t byweekno_neg;	   /* bit n: week -n */
	int nbyday;
	struct sm_byday byday[SM_RRULE_MAX_BYDAY];
	int nbysetpos;
	int16_t bysetpos[SM_RRULE_MAX_SETPOS]; /* -366..366, not 0 */
	/* Bit set for each BYxxx part present in the text (SM_BY_* below). */
	unsigned present;
};

enum {
	SM_BY_SECOND = 1 << 0,
	SM_BY_MINUTE = 1 << 1,
	SM_BY_HOUR = 1 << 2,
	SM_BY_DAY = 1 << 3,
	SM_BY_MONTHDAY = 1 << 4,
	SM_BY_YEARDAY = 1 << 5,
	SM_BY_WEEKNO = 1 << 6,
	SM_BY_MONTH = 1 << 7,
	SM_BY_SETPOS = 1 << 8,
};

/*
 * Parses an RRULE value ("FREQ=WEEKLY;BYDAY=MO,WE"; case-insensitive, spaces
 * ignored, an "RRULE:" prefix allowed).  Returns 0; 1 when the rule was
 * read but a part without '=' was skipped (err says which); -1 with a
 * message naming the offending part in err when the rule is unusable.
 */
int sm_rrule_parse(const char *text, struct sm_rrule *out, char *err,
		   size_t errlen);

/*
 * An upper bound of the instances the rule can have within one day (86400
 * for FREQ=SECONDLY, 1440 x BYSECOND values for MINUTELY, ...): how dense
 * a series is, for the scheduler and lint.
 */
int64_t sm_rrule_max_per_day(const struct sm_rrule *rule);

/* Converts a civil time of the series to its UTC instant (for UNTIL=...Z). */
typedef sm_time (*sm_rrule_resolve_fn)(void *ctx, sm_time civil);

/*
 * Iteration state.  Plain data: copy it to fork an iteration.  Fields are
 * private to rrule.c.
 */
struct sm_rrule_iter {
	const struct sm_rrule *rule;
	sm_time dtstart; /* civil */
	int all_day;
	sm_rrule_resolve_fn resolve;
	void *ctx;
	/* Expanded BY lists for time of day. */
	uint8_t hours[24], minutes[60], seconds[61];
	int nhours, nminutes, nseconds;
	/* Effective day filters after DTSTART defaults. */
	struct sm_rrule eff;
	int64_t period;	      /* index of the current period */
	int64_t last_hit_day; /* day number of the last instance or DTSTART */
	int emitted;	      /* instances produced so far (COUNT) */
	int done;
	/* Current period's selected instances, as indexes into days x times. */
	int ndays;
	int16_t days[372]; /* day offsets from period_day0 */
	int64_t period_day0;
	sm_time period_base; /* civil second where sub-day periods start */
	int64_t pos, npos;   /* cursor in the period's instance list */
	int32_t setpos_idx[SM_RRULE_MAX_SETPOS];
	int nsetpos_idx;
	int loaded;   /* the period's set is computed */
	int has_back; /* skip_to stepped one instance too far: */
	sm_time back; /* the next to return */
};

/*
 * Starts iterating rule for a series whose DTSTART is dtstart (civil time;
 * for all-day series midnight of the date).  resolve may be NULL when the
 * rule has no UTC UNTIL.  The rule must outlive the iterator.
 */
void sm_rrule_iter_init(struct sm_rrule_iter *it, const struct sm_rrule *rule,
			sm_time dtstart, int all_day,
			sm_rrule_resolve_fn resolve, void *ctx);

/* Stores the next instance (civil time, ascending) in *out and returns 1, or
 * returns 0 once the rule has ended. */
int sm_rrule_iter_next(struct sm_rrule_iter *it, sm_time *out);

/*
 * Moves ahead so that the next instance returned is the first one at or after
 * civil time t.  Without COUNT this jumps straight to t's period; with COUNT it
 * has to count the earlier instances: whole periods at a time (whole days for
 * rules finer than DAILY), so even FREQ=SECONDLY;COUNT=100000000 skips years
 * in milliseconds.
 */
void sm_rrule_iter_skip_to(struct sm_rrule_iter *it, sm_time t);

#endif
