/*
 * tz: time zones as lists of UTC offset transitions, and the RFC 5545 rules
 * for turning a local wall-clock time into an instant.
 *
 * A zone is built from VTIMEZONE observances (a file's own, or the one the
 * calendar module derives from the system's zoneinfo): each observance's
 * onsets (DTSTART, RRULE instances, RDATEs, all local times in TZOFFSETFROM)
 * become transitions, expanded up to SM_TZ_HORIZON_YEAR.  Nothing here
 * touches libical or the process's TZ, so zones are plain data, safe to share
 * between threads once built.
 *
 * Local to UTC (sm_tz_resolve): a time in a DST gap uses the offset before
 * the gap (02:30 in Paris on 2026-03-29 is 01:30Z); a time that occurs twice
 * means its first occurrence (RFC 5545 section 3.3.5).
 */
#ifndef SM_TZ_H
#define SM_TZ_H

#include "civil.h"
#include "rrule.h"

#define SM_TZ_HORIZON_YEAR 2200

/* One STANDARD or DAYLIGHT sub-component of a VTIMEZONE. */
struct sm_tz_observance {
	sm_time dtstart; /* local time, read in offset_from */
	int offset_from; /* seconds east of UTC */
	int offset_to;
	const struct sm_rrule *rule; /* may be NULL */
	const sm_time *rdates;	     /* local times, read in offset_from */
	int nrdates;
};

struct sm_tz_transition {
	sm_time at; /* instant of the change */
	int offset; /* offset in force from then on */
};

struct sm_tz {
	char *name;
	int initial_offset;    /* before the first transition */
	sm_time covered_from;  /* first observance onset (SM_TIME_MIN for
				   fixed zones) */
	sm_time covered_until; /* last onset when no observance has an
				   open-ended RRULE, else SM_TIME_MAX */
	struct sm_tz_transition *trans;
	size_t ntrans;
};

/* A zone with a fixed offset and no transitions (UTC when offset is 0). */
struct sm_tz *sm_tz_new_fixed(const char *name, int offset);

/*
 * Builds a zone from VTIMEZONE observances; returns NULL when there is no
 * observance (a VTIMEZONE must have at least one).
 */
struct sm_tz *sm_tz_new(const char *name, const struct sm_tz_observance *obs,
			int nobs);

/*
 * A zone that follows `inner` within the span it describes (covered_from to
 * covered_until) and `outer` outside it: a file's VTIMEZONE that only
 * describes the years around its export, completed by the system zone of
 * the same name.
 */
struct sm_tz *sm_tz_new_spliced(const struct sm_tz *outer,
				const struct sm_tz *inner);

/*
 * Builds a zone from a TZif file's contents (RFC 8536, versions 1 to 4: the
 * 64-bit data when present, and the footer's POSIX TZ rule for times after
 * the last transition, up to SM_TZ_HORIZON_YEAR).  Returns NULL when data is
 * not a valid TZif file.
 */
struct sm_tz *sm_tz_new_tzif(const char *name, const void *data, size_t len);

/* Frees a zone; NULL is a no-op. */
void sm_tz_free(struct sm_tz *tz);

/* UTC offset in seconds in force at instant utc. */
int sm_tz_offset_at(const struct sm_tz *tz, sm_time utc);

/* The instant of a local time, by the RFC 5545 gap and overlap rules. */
sm_time sm_tz_resolve(const struct sm_tz *tz, sm_time local);

/* The local wall-clock time of an instant. */
sm_time sm_tz_to_local(const struct sm_tz *tz, sm_time utc);

/*
 * The largest difference between two UTC offsets in force at instants
 * within [from, to] (0 when no transition falls inside): how far local
 * times near there can be out of order once resolved to instants.
 */
sm_time sm_tz_spread(const struct sm_tz *tz, sm_time from, sm_time to);

/*
 * Writes the instant ms (milliseconds since the epoch) as RFC 3339 in the
 * zone's local time with its UTC offset, "2026-12-01T09:00:00+01:00" ("Z"
 * when the offset is zero; NULL tz is UTC), with ".mmm" before the offset
 * when frac is set; buf should hold SM_TZ_RFC3339_MAX bytes.  Returns buf.
 */
char *sm_tz_format(const struct sm_tz *tz, int64_t ms, int frac, char *buf,
		   size_t len);

#define SM_TZ_RFC3339_MAX 40

#endif
