/*
 * occur: recurrence sets.  From the posts of loaded calendars to series
 * (a master and its overrides, grouped by UID) and from series to
 * occurrences, lazily.
 *
 * An occurrence's identity is its UID and its RECURRENCE-ID key: the
 * original start as an instant for zoned and UTC series, as local civil time
 * for floating ones, as a date for all-day ones.  A series' instances are the
 * union of its RRULEs, its RDATEs and DTSTART (when it has no RRULE, or the
 * rule matches it), minus EXDATEs.  An override replaces the
 * instance whose key equals its RECURRENCE-ID; RANGE=THISANDFUTURE moves
 * every later instance by the same shift and gives it the override's fields.
 *
 * Choices where RFC 5545 leaves room (see ARCHITECTURE.md):
 * - An override whose RECURRENCE-ID is not an instance of its master (or is
 *   excluded by EXDATE) replaces nothing and is not an occurrence.
 * - Overrides without any master are occurrences of their own.
 * - A date-time RECURRENCE-ID on an all-day series matches by local date.
 * - Floating and all-day values are read in the caller's zone.
 *
 * Nothing here allocates per occurrence; iteration state lives on the stack.
 */
#ifndef SM_OCCUR_H
#define SM_OCCUR_H

#include "calendar.h"

struct sm_series {
	const struct sm_post *master;	  /* NULL: overrides only */
	const struct sm_post **overrides; /* sorted by rid_key */
	sm_time *override_keys;
	int noverrides;
	const struct sm_post **futures; /* THISANDFUTURE, by key */
	sm_time *future_keys;
	int nfutures;
	sm_time max_shift;    /* largest |shift| of a THISANDFUTURE */
	const char *calendar; /* the calendar's name */
};

struct sm_series_set {
	struct sm_series *series;
	size_t n, cap;
};

/* How floating values are read. */
struct sm_occur_opts {
	const struct sm_tz *zone; /* zone of floating and all-day values */
	sm_time allday_offset;	  /* seconds after local midnight that an
				      all-day post starts (0 for expand) */
};

struct sm_occurrence {
	const struct sm_series *series;
	const struct sm_post *post; /* the component whose fields apply */
	sm_time start;		    /* actual start, an instant */
	sm_time end;		    /* actual end, an instant */
	sm_time rid;		    /* identity key (see above) */
	enum sm_dt_kind rid_kind;   /* SM_DT_UTC, SM_DT_FLOATING or
					   SM_DT_DATE */
	int cancelled;
};

/*
 * Groups the posts of cal into series and appends them to set; problems
 * (duplicate masters, overrides that match nothing) go to diags.  The
 * calendar must outlive the set.
 */
int sm_occur_index(struct sm_series_set *set, const struct sm_calendar *cal,
		   const struct sm_occur_opts *opts,
		   struct sm_diag_list *diags);

/* Frees what sm_occur_index allocated (not the calendars). */
void sm_occur_set_free(struct sm_series_set *set);

/* Called for each occurrence; a nonzero return stops the walk. */
typedef int (*sm_occur_fn)(void *ctx, const struct sm_occurrence *occ);

/*
 * Calls fn for every occurrence of the series whose actual start is in
 * [from, to), cancelled ones included, in no particular order.  Returns the
 * callback's nonzero value if it stopped the walk, else 0.
 */
int sm_occur_window(const struct sm_series *s, const struct sm_occur_opts *o,
		    sm_time from, sm_time to, sm_occur_fn fn, void *ctx);

/*
 * The occurrence with the earliest actual start at or after t (cancelled
 * ones included); returns 1 and fills *out, or 0 when there is none.
 */
int sm_occur_next(const struct sm_series *s, const struct sm_occur_opts *o,
		  sm_time t, struct sm_occurrence *out);

/*
 * Fills out with the instants of the occurrence's reminders (its post's
 * VALARMs: relative to the actual start or end, or absolute, each repeated
 * REPEAT times), ascending and without duplicates; returns how many there
 * are (at most max).
 */
int sm_occur_alarms(const struct sm_occurrence *occ, sm_time *out, int max);

/* Writes an occurrence's identity as SPEC section 6 spells it. */
char *sm_occur_format_rid(const struct sm_occurrence *occ, char *buf,
			  size_t len);

#endif
