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
 * Two ways to walk a series.  sm_occur_window calls back for every
 * occurrence in a window (smctl expand).  An iterator (sm_occur_iter_new)
 * is a persistent, lazy stream of occurrences in order of actual start,
 * from any instant on: it merges the instance stream (RRULEs, RDATEs,
 * DTSTART, minus EXDATEs, each instance given its override or
 * THISANDFUTURE shift) with the overrides, which are kept sorted by their
 * own start.  A zone's offsets can put an instance whose local time is
 * earlier at a later instant (a time in a DST gap), and a THISANDFUTURE
 * shift can move instances past each other, so instances wait in a small
 * heap until no instance still to come can start earlier: by the spread of
 * the zone's offsets near there (0 away from transitions) and the largest
 * shift.  Cost per occurrence is O(1) amortised (plus O(log) for the
 * override and heap look-ups) whatever the rule's frequency; the scheduler
 * keeps iterators alive across wake-ups.  sm_occur_next is one step of a
 * fresh iterator.
 *
 * Nothing here allocates per occurrence.
 */
#ifndef SM_OCCUR_H
#define SM_OCCUR_H

#include "calendar.h"

struct sm_series_ix; /* private to occur.c */

struct sm_series {
	const struct sm_post *master;	  /* NULL: overrides only */
	const struct sm_post **overrides; /* sorted by rid_key */
	struct sm_series_ix *ix;  /* the overrides' keys and orders, in one
				    block with overrides[]; NULL without
				    overrides */
	const char *calendar;	  /* the calendar's name */
	const struct sm_tz *zone; /* its floating and all-day values' zone
				     (sm_occur_index's opts): it stands in
				     for the zone of the opts given later */
	sm_time max_shift;	  /* largest |shift| of a THISANDFUTURE */
	int noverrides;
	int nfutures; /* THISANDFUTURE overrides (sm_occur_part_post) */
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

/* Frees what sm_occur_index allocated for one series (its overrides'
 * arrays, which copies of the series share): for sets whose series are
 * copied from other sets, freed once by whoever owns them. */
void sm_occur_series_release(struct sm_series *s);

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
 * Iterators.  A part of a series is what an iterator can be restricted to:
 * SM_OCCUR_ALL (every occurrence), SM_OCCUR_OVERRIDES (the overrides' own
 * occurrences), 0 (the master's instances that no override replaces and no
 * THISANDFUTURE override takes over) or i in 1..nfutures (the instances
 * THISANDFUTURE override futures[i - 1] takes over, but for those replaced
 * by an override of their own).  Within parts 0..nfutures every occurrence
 * has the same post and the same shift.
 */
#define SM_OCCUR_ALL (-1)
#define SM_OCCUR_OVERRIDES (-2)

struct sm_occur_iter;

/*
 * A stream of the occurrences of part `part` of series s whose actual start
 * is at or after t (cancelled ones included), in ascending start order;
 * equal starts come instances first, then overrides.  o must be the options
 * the series was indexed with; s must outlive the iterator.
 */
struct sm_occur_iter *sm_occur_iter_new(const struct sm_series *s,
					const struct sm_occur_opts *o,
					sm_time t, int part);

/* Sets an iterator up again, as sm_occur_iter_new would, reusing its
 * memory (the scheduler scans many sparse series with one iterator). */
void sm_occur_iter_reset(struct sm_occur_iter *it, const struct sm_series *s,
			 const struct sm_occur_opts *o, sm_time t, int part);

/* The iterator's series moved: s is a copy of it (same content, same
 * posts), which the iterator reads from now on, where it was. */
void sm_occur_iter_rebind(struct sm_occur_iter *it, const struct sm_series *s);

/* Frees an iterator; NULL is a no-op. */
void sm_occur_iter_free(struct sm_occur_iter *it);

/* Takes the next occurrence into *out and returns 1, or returns 0 at the
 * end of the series. */
int sm_occur_iter_next(struct sm_occur_iter *it, struct sm_occurrence *out);

/* Like sm_occur_iter_next, but leaves the occurrence to be taken again. */
int sm_occur_iter_peek(struct sm_occur_iter *it, struct sm_occurrence *out);

/* Steps taken so far (instances read from the rules, RDATEs and DTSTART,
 * and overrides): what the iterator cost, for tests and statistics. */
uint64_t sm_occur_iter_work(const struct sm_occur_iter *it);

/* The post whose fields part (0..nfutures) of series s has: the master or
 * a THISANDFUTURE override. */
const struct sm_post *sm_occur_part_post(const struct sm_series *s, int part);

/* Is every occurrence of part (0..nfutures) cancelled? */
int sm_occur_part_cancelled(const struct sm_series *s, int part);

/* Seconds from an occurrence's start to its end for post p (DTEND or
 * DURATION, a day for all-day posts without either, else 0). */
sm_time sm_occur_length(const struct sm_post *p, const struct sm_occur_opts *o);

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
