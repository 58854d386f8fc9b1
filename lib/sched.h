/*
 * sched: which events are due, and when.  Pure: time is passed in, nothing
 * here sleeps, reads a clock or touches the ledger.
 *
 * For every occurrence of a non-cancelled post the events are (SPEC 4):
 * post.reminder at each lead before the publish instant (the post's
 * VALARMs, else its platforms' `lead`, else [reminders] lead), post.due at
 * the publish instant, post.overdue `overdue` after it (its platforms'
 * `overdue` when they set one, the shortest; none or 0: no post.overdue).
 * Drafts get
 * reminders only, unless fire_drafts.  Whether an overdue event still
 * applies (the post may be marked done) is the daemon's question at fire
 * time.
 *
 * Laziness: each series keeps a small buffer of the events of the
 * occurrences scanned so far, and scans the next occurrence only when its
 * events could come before the buffered ones (all events of an occurrence
 * lie within [start - before, start + after], bounds computed per series).
 * A binary heap holds one entry per series, keyed by its next event, so a
 * wake-up costs O(log series) and an infinite series is never expanded
 * ahead.  Events come out in (instant, series order) order.
 */
#ifndef SM_SCHED_H
#define SM_SCHED_H

#include "config.h"
#include "occur.h"

enum sm_event_type {
	SM_EV_REMINDER,
	SM_EV_DUE,
	SM_EV_OVERDUE,
};

#define SM_EVENT_ID_LEN 40

struct sm_sched_event {
	enum sm_event_type type;
	sm_time at;   /* the scheduled instant */
	sm_time lead; /* reminders: seconds before publish */
	struct sm_occurrence occ;
	char id[SM_EVENT_ID_LEN]; /* "evt_" + 32 hex digits, filled by
				     sm_sched_pop */
	size_t series;		  /* the scheduler's handle of its series */
};

struct sm_sched;

/* A scheduler for the given config (borrowed; must outlive it). */
struct sm_sched *sm_sched_new(const struct sm_config *cfg);

/* Frees the scheduler; NULL is a no-op. */
void sm_sched_free(struct sm_sched *s);

/*
 * Schedules the series of set (borrowed until the next load or free) with
 * floating times read through opts, producing only events at or after
 * `from`.  Replaces whatever was loaded before.
 */
void sm_sched_load(struct sm_sched *s, const struct sm_series_set *set,
		   const struct sm_occur_opts *opts, sm_time from);

/*
 * Schedules one more series (borrowed until it is removed, or the next load
 * or free), producing only its events at or after `from`, with the
 * options of the last load; returns its handle.  The other series are left
 * as they are.
 */
size_t sm_sched_add(struct sm_sched *s, const struct sm_series *ser,
		    sm_time from);

/* Stops scheduling a series (a handle from sm_sched_add, or an index of the
 * loaded set) and drops its buffered events. */
void sm_sched_remove(struct sm_sched *s, size_t handle);

/*
 * A scheduled series moved: ser (borrowed as sm_sched_add's) is a copy of
 * the series of handle, with the same content and posts, which takes its
 * place and keeps its state (buffered events, position, iterators).  A
 * reload that shares a calendar between two worlds moves its series into
 * the new world's set this way.
 */
void sm_sched_rebind(struct sm_sched *s, size_t handle,
		     const struct sm_series *ser);

/*
 * Whether series scheduled under config a have the same events under b:
 * the same leads, overdue delays and fire_drafts, and the same platforms
 * (names, categories, their leads and overdue delays, in the same order).
 */
int sm_sched_config_equal(const struct sm_config *a, const struct sm_config *b);

/* Borrows cfg in place of the scheduler's config; the two must be equal by
 * sm_sched_config_equal (else load again: the series' events would
 * change). */
void sm_sched_set_config(struct sm_sched *s, const struct sm_config *cfg);

/*
 * Drops a series' events at or before upto and moves its scanning past
 * them without producing them (a series over its firing cap); returns how
 * many buffered events were dropped.
 */
size_t sm_sched_skip(struct sm_sched *s, size_t handle, sm_time upto);

/*
 * Series that can have more than min occurrences within the span of one
 * occurrence's events get a lane per kind of event (default 64; 0: every
 * series with a master, for tests).  Applies to later loads and adds.
 */
void sm_sched_set_lanes(struct sm_sched *s, int min);

struct sm_sched_stats {
	uint64_t work;	  /* iterator steps and scans so far */
	size_t buffered;  /* events held in lane buffers now */
	size_t lanes;	  /* lanes of the live series */
	size_t iterators; /* iterators alive now */
};

/* What the scheduler holds and has done: for tests and statistics. */
void sm_sched_stats(const struct sm_sched *s, struct sm_sched_stats *out);

/* The instant of the next event; returns 0 when nothing is left. */
int sm_sched_peek(const struct sm_sched *s, sm_time *at);

/*
 * Takes the next event if its instant is at or before `upto`: returns 1 and
 * fills *out, 0 when the next event is later (or there is none).
 */
int sm_sched_pop(struct sm_sched *s, sm_time upto, struct sm_sched_event *out);

/*
 * Fills out with the next n events (fewer when fewer are left), in the
 * order sm_sched_pop would take them, ids made, without taking them: for
 * status displays.  Looking ahead may scan series further than pop has
 * (their buffers grow), which changes nothing pop returns.  Costs
 * O(n log lanes) plus the scans.  Returns how many were filled.
 */
int sm_sched_upcoming(struct sm_sched *s, struct sm_sched_event *out, int n);

/* What to do with an event taken at a wake-up. */
enum sm_fire_action {
	SM_FIRE,      /* fire it, on time */
	SM_FIRE_LATE, /* fire it, marked late (catch-up, clock step, resume,
			 a post added with a time already past) */
	SM_MISSED,    /* too old: record as missed, do not fire */
	SM_SKIP,      /* already fired or recorded, or an overdue post marked
			 done */
	SM_COLLAPSED, /* a late reminder of an occurrence whose later
			 reminder is due too: record, do not fire */
};

/* Later than this after its instant, a fired event is marked late. */
#define SM_LATE_MS 2000

/*
 * How far before the catch-up window a load looks for events that are
 * neither in the ledger nor recorded as missed (a post added, or moved,
 * to a time already past): they are recorded as missed.  Bounded, so a
 * recurring series added with years of history does not fill the missed
 * table; recording is idempotent by id, so every load may look again.
 */
#define SM_SCHED_LOOKBACK (24 * 3600)

/*
 * Where a load (start or reload) schedules from: the earlier of resume
 * (one past the last instant processed before; SM_TIME_MAX when nothing
 * was) and now - catchup - SM_SCHED_LOOKBACK.  Every event from there to
 * now is then decided by sm_sched_action: what is known is skipped, what
 * lies within catchup fires late, what is older is recorded as missed.
 */
sm_time sm_sched_load_from(sm_time now, sm_time catchup, sm_time resume);

/*
 * Decides an event's fate at now_ms: already known (in the ledger, or
 * recorded as missed) -> skip; due before the catch-up window (now -
 * catchup seconds, never less than SM_LATE_MS) -> missed; an overdue event
 * of a post marked done -> skip; else fire, late when more than SM_LATE_MS
 * after its instant.
 */
enum sm_fire_action sm_sched_action(const struct sm_sched_event *ev,
				    int64_t now_ms, sm_time catchup,
				    int already_fired, int done);

/*
 * Collapses late reminders in a wake-up's batch (acts[i] is evs[i]'s
 * action, in any order): a reminder to fire late becomes SM_COLLAPSED when
 * the batch holds a later reminder of the same occurrence, whatever that
 * one's action (firing now, or fired before), so only the latest overdue
 * reminder of an occurrence fires.
 */
void sm_sched_collapse(const struct sm_sched_event *evs,
		       enum sm_fire_action *acts, size_t n);

/*
 * Whether the occurrence of ev, a reminder, has another reminder later
 * than ev->at at an instant within [from, upto]: a wake-up whose batch was
 * cut leaves the events from `from` on to the next one, and a late
 * reminder collapses into a later one there as it would within a batch.
 */
int sm_sched_later_reminder(const struct sm_sched *s,
			    const struct sm_sched_event *ev, sm_time from,
			    sm_time upto);

/*
 * The firing cap of SPEC section 9 (`[daemon] series_cap`): at most `limit`
 * events of one series (a UID in a calendar, across reloads) fire or are
 * recorded as missed within one minute of the wall clock; the rest are
 * skipped.  Pure bookkeeping: the time is passed in.
 */
struct sm_cap_slot {
	uint64_t key; /* 0: empty */
	int count;    /* events counted this minute */
	long skipped; /* events refused this minute */
};

struct sm_sched_cap {
	int limit;
	int64_t minute; /* the minute counted (ms / 60000) */
	struct sm_cap_slot *slots;
	size_t nslots, used;
};

enum sm_cap_verdict {
	SM_CAP_OK,    /* within the cap: decide and fire as usual */
	SM_CAP_FIRST, /* over it, the series' first refusal this minute */
	SM_CAP_OVER,  /* over it again */
};

/* Whether ev's series may fire one more event in the minute of now_ms
 * under c->limit; a refusal is counted as skipped. */
enum sm_cap_verdict sm_sched_cap_check(struct sm_sched_cap *c,
				       const struct sm_sched_event *ev,
				       int64_t now_ms);

/* Counts an event that fired or was recorded against its series. */
void sm_sched_cap_count(struct sm_sched_cap *c,
			const struct sm_sched_event *ev);

/* Frees the cap's table (the struct may be reused after). */
void sm_sched_cap_fini(struct sm_sched_cap *c);

/* The number of series scheduled (loaded and added, less removed). */
size_t sm_sched_size(const struct sm_sched *s);

/* The name of an event type ("post.reminder", ...). */
const char *sm_event_type_name(enum sm_event_type type);

/*
 * Fills ev->id from the event's calendar, UID, identity, type, lead and
 * instant: stable across restarts and reloads, new when any of these
 * change (a moved post gets fresh reminders).
 */
void sm_event_make_id(struct sm_sched_event *ev);

#endif
