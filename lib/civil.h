/*
 * civil: proleptic Gregorian calendar arithmetic with no time zone in it.
 *
 * One type, sm_time, counts seconds from 1970-01-01T00:00:00.  It is either a
 * UTC instant or a local wall-clock reading ("civil time"); which one is the
 * caller's to know.  Recurrence rules run on civil time, the tz module turns
 * civil time into instants.  Everything here is pure and thread-safe.
 */
#ifndef SM_CIVIL_H
#define SM_CIVIL_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sm_time;

#define SM_DAY 86400
/* Larger than any instant we accept: "no bound". */
#define SM_TIME_MAX INT64_MAX
#define SM_TIME_MIN INT64_MIN

struct sm_civil {
	int year, month, day; /* month 1..12, day 1..31 */
	int hour, minute, second;
};

/* Day number (days since 1970-01-01) of a Gregorian date; any y/m/d in range. */
int64_t sm_civil_days(int year, int month, int day);

/* Splits a day number back into its Gregorian date. */
void sm_civil_ymd(int64_t days, int *year, int *month, int *day);

/* ISO weekday of a day number: 0 = Monday .. 6 = Sunday. */
int sm_civil_weekday(int64_t days);

/* 1 when the year is a Gregorian leap year, else 0. */
int sm_civil_is_leap(int year);

/* Number of days in a month (1..12) of a year. */
int sm_civil_month_days(int year, int month);

/* Seconds since the epoch of a broken-down civil time (fields not checked). */
sm_time sm_civil_make(const struct sm_civil *c);

/* Breaks a time into its civil fields. */
void sm_civil_split(sm_time t, struct sm_civil *out);

/* Day number containing t (floor division, so negative times work). */
int64_t sm_civil_day_of(sm_time t);

/* 1 when the fields form a real date and time (second 60 refused). */
int sm_civil_valid(const struct sm_civil *c);

enum sm_civil_style {
	SM_CIVIL_UTC,	 /* 2024-03-05T09:00:00Z */
	SM_CIVIL_LOCAL,	 /* 2024-03-05T09:00:00 */
	SM_CIVIL_DATE,	 /* 2024-03-05 */
	SM_CIVIL_UTC_MS, /* 2024-03-05T09:00:00.000Z */
};

/* Writes t in the given style into buf (at least 32 bytes); returns buf. */
char *sm_civil_format(sm_time t, enum sm_civil_style style, char *buf,
		      size_t len);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (also with a space instead of
 * T) optionally followed by "Z" or "+HH:MM"/"-HH:MM".  Returns 0 and fills
 * *out with the civil time as written, *has_offset with 1 when a zone
 * designator was present (then *out is already the UTC instant) and
 * *date_only with 1 for a bare date; returns -1 on malformed input.
 */
int sm_civil_parse(const char *s, sm_time *out, int *has_offset,
		   int *date_only);

#endif
