/*
 * slots: where a post goes when it is given no time, and the guardrails on
 * how close and how many posts a platform gets (SPEC section 7).
 *
 * A platform's `slots` are weekly local times in the configured zone; each
 * resolves to an instant on its own by the RFC 5545 rules of tz.h (a slot
 * in a DST gap takes the offset before the gap, a repeated time its first
 * occurrence).  The next free slot is the earliest slot instant at least a
 * minute after now such that no other post of the platform is closer than
 * `min_spacing` (when unset: no other post in the same minute, the same
 * slot) and its local day has fewer than `daily_cap` posts (when set).
 * The caller gathers each platform's non-cancelled posts, from calendars and
 * queue, as a sorted list of instants; a planner adds the slots it hands
 * out (and the explicit times of a bulk file's rows) to those lists, so
 * successive rows take successive free slots.  For a post on several
 * platforms the candidates are the first platform's slots and the instant
 * must be free on every one of them.
 *
 * Guardrails: pairs of successive posts closer than `min_spacing`, and
 * local days with more than `daily_cap` posts, for `smctl lint -c`, `add`
 * and `cadence`.  Pure: now, zone and posts are passed in.
 */
#ifndef SM_SLOTS_H
#define SM_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "config.h"
#include "tz.h"

/* A slot is taken by a post in the same minute when min_spacing is unset. */
#define SM_SLOTS_SAME_SLOT 60

struct sm_slot_planner;

/* A planner for slots at least a minute after now, in zone (NULL: UTC). */
struct sm_slot_planner *sm_slots_planner_new(const struct sm_tz *zone,
					     sm_time now);

/* Frees a planner; NULL is a no-op. */
void sm_slots_planner_free(struct sm_slot_planner *p);

/*
 * Registers a platform (borrowed) with the instants of its posts (sorted
 * ascending, duplicates allowed; borrowed until the planner is freed).
 */
void sm_slots_planner_platform(struct sm_slot_planner *p,
			       const struct sm_platform *pl,
			       const sm_time *taken, size_t n);

/* Counts t as taken on a registered platform (name case-insensitive): a
 * bulk row with an explicit time.  Unknown names are ignored. */
void sm_slots_planner_take(struct sm_slot_planner *p, const char *platform,
			   sm_time t);

/*
 * The next free slot for a post on the named platforms (all registered;
 * the first one's slots are the candidates): returns 0, stores it in *out
 * and counts it as taken on each of them; or -1 with a message in err (no
 * platform, one not registered, no slots configured).
 */
int sm_slots_planner_next(struct sm_slot_planner *p,
			  const char *const *platforms, size_t n, sm_time *out,
			  char *err, size_t errlen);

/* The next free slot of one platform with its taken instants (sorted):
 * sm_slots_planner_next for a single post. */
int sm_slots_next(const struct sm_platform *pl, const struct sm_tz *zone,
		  sm_time now, const sm_time *taken, size_t n, sm_time *out,
		  char *err, size_t errlen);

/* The guardrails, here for sm_slots_check_one and for the cadence's
 * sm_cadence_guardrails (cadence.h includes this header). */
enum sm_guard_kind {
	SM_GUARD_SPACING,   /* two posts closer than min_spacing */
	SM_GUARD_DAILY_CAP, /* a local day over daily_cap */
};

struct sm_guard_issue {
	enum sm_guard_kind kind;
	sm_time first, second; /* spacing: the two instants, in order */
	int64_t day;	       /* daily cap: local day (sm_civil_days) */
	int count;	       /* daily cap: posts on that day */
};

/*
 * The problems a new post at t would bring to a platform whose posts are at
 * (sorted, without t): every post closer than min_spacing to it, then its
 * day when the post would put it over daily_cap (count includes t).
 * Returns how many, with them in *out (malloc'd or NULL) and *nout.
 */
int sm_slots_check_one(const struct sm_platform *pl, const struct sm_tz *zone,
		       const sm_time *at, size_t n, sm_time t,
		       struct sm_guard_issue **out, size_t *nout);

/* Writes an issue as one line naming the platform, with local times in
 * zone ("instagram: 3 posts on 2026-11-30, over daily_cap 2"); returns
 * buf. */
char *sm_slots_issue_format(const struct sm_platform *pl,
			    const struct sm_tz *zone,
			    const struct sm_guard_issue *is, char *buf,
			    size_t len);

#endif
