/*
 * queue: posts added with `smctl add`, durable in the store's database
 * (schema version 3, table `queue`; SPEC sections 6 and 9), and their view
 * as posts of the calendar `queue` (SM_CONFIG_QUEUE_CALENDAR), so that the
 * scheduler fires them exactly like calendar posts.
 *
 * A queued post has a short, stable, printable id ("q_" and 16 base32
 * letters from 80 random bits) that is its UID in the calendar `queue`,
 * a publish instant (UTC), platforms, optional text fields, a draft flag,
 * a status (scheduled or cancelled), created and updated times and a
 * revision counting its changes (1 when added).  It has exactly one
 * occurrence, whose identity is its publish instant in UTC
 * (sm_queue_rid); done marks are the store's (sm_store_mark_done under the
 * calendar `queue`).  A done post is not moved, a cancelled one is neither
 * moved nor marked done.
 *
 * Writes join the caller's transaction (sm_store_begin) so that "added and
 * scheduled" can be one; without one, each call is its own.  A call that
 * fails rolls back the whole transaction, the caller's included.  A commit
 * that returned is durable (WAL, synchronous=FULL).  Errors are negative
 * errno values: -ENOENT (no such post), -EEXIST (an id given twice),
 * -EINVAL (a post the store cannot hold), -ECANCELED, -EALREADY, and -EIO
 * for the database; the message is in sm_store_error().
 */
#ifndef SM_QUEUE_H
#define SM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "ics.h"
#include "store.h"

#define SM_QUEUE_ID_LEN 18 /* "q_" + 16 base32 letters */
#define SM_QUEUE_ID_SIZE (SM_QUEUE_ID_LEN + 1)
#define SM_QUEUE_MAX_PLATFORMS 16
/* A publish_at not chosen yet: the post wants its platform's next slot. */
#define SM_QUEUE_UNSET SM_TIME_MIN
/* The last instant a post may have: 9999-12-31T23:59:59Z. */
#define SM_QUEUE_TIME_MAX ((sm_time)253402300799)

enum sm_queue_status {
	SM_QUEUE_SCHEDULED,
	SM_QUEUE_CANCELLED,
};

struct sm_queue_post {
	char id[SM_QUEUE_ID_SIZE]; /* empty: sm_queue_add makes one */
	const char *title, *body, *type, *persona, *campaign, *url;
	const char *platforms[SM_QUEUE_MAX_PLATFORMS];
	int nplatforms;
	sm_time publish_at;
	int draft;
	enum sm_queue_status status;	/* read; added posts are scheduled */
	sm_time created_at, updated_at; /* read; set by the store */
	int64_t revision;		/* read: 1 when added, +1 a change */
	int done;			/* read: marked done */
	sm_time done_at;		/* read, when done */
	const char *done_url;		/* read, when done; may be NULL */
};

/* Fills id with a new random queue id. */
void sm_queue_new_id(char id[SM_QUEUE_ID_SIZE]);

/* 1 when s has the form of a queue id ("q_" and 16 of a-z, 2-7), else 0. */
int sm_queue_id_valid(const char *s);

/* Writes the identity of a queued post's occurrence (its publish instant
 * in UTC, as sm_occur_format_rid writes it); returns buf (32 bytes do). */
char *sm_queue_rid(sm_time publish_at, char *buf, size_t len);

/*
 * Checks a post someone wants to add, as `smctl add` and bulk files need:
 * at least one platform, each configured (the message lists the configured
 * ones; names are replaced by the config's spelling) and named once; a
 * configured content type when the config has any; a URL with a scheme; a
 * publish time within range and not in the past unless allow_past (unless
 * SM_QUEUE_UNSET); UTF-8 text without control characters but tab and
 * newline.  cfg may be NULL (names are then only checked for their
 * characters).  Every problem is appended to diags with file and line
 * (NULL and 0 for a command line); returns how many there are.
 */
int sm_queue_validate(const struct sm_config *cfg, struct sm_queue_post *q,
		      sm_time now, int allow_past, struct sm_diag_list *diags,
		      const char *file, int line);

/*
 * Adds n posts in one transaction (all or none), each scheduled at
 * revision 1 with created and updated times now; an empty id is filled with
 * a new one, a given id must be unused (-EEXIST).  Platform names are
 * stored in lower case.  Returns 0, or a negative errno with
 * sm_store_error() saying which post and why.
 */
int sm_queue_add(struct sm_store *st, struct sm_queue_post *posts, size_t n,
		 sm_time now);

/*
 * Reads one post with its done mark; strings are copied into a.  Returns 0,
 * -ENOENT or -EIO.
 */
int sm_queue_get(struct sm_store *st, const char *id, struct sm_arena *a,
		 struct sm_queue_post *out);

/* States a list can be limited to (bits; a post is in exactly one). */
#define SM_QUEUE_STATE_SCHEDULED 1u /* scheduled, not a draft */
#define SM_QUEUE_STATE_DRAFT 2u	    /* scheduled, a draft */
#define SM_QUEUE_STATE_CANCELLED 4u

struct sm_queue_filter {
	sm_time from, to;     /* publish_at in [from, to) */
	const char *platform; /* NULL: any (case-insensitive) */
	unsigned states;      /* SM_QUEUE_STATE_* bits; 0: any */
	int done;	      /* -1: any, 0: not marked done, 1: marked done */
	size_t limit;	      /* rows at most; 0: no limit */
	/* Paging: only rows after (after_at, after_id) in publish order;
	 * after_id NULL: from the start. */
	const char *after_id;
	sm_time after_at;
};

/* Sets a filter that takes every post. */
void sm_queue_filter_init(struct sm_queue_filter *f);

/* Called per post; its strings live until it returns; nonzero stops. */
typedef int (*sm_queue_fn)(void *ctx, const struct sm_queue_post *q);

/*
 * Calls fn for each post the filter takes, in publish order (then id), and
 * returns how many it was called for, or -EIO.
 */
int sm_queue_list(struct sm_store *st, const struct sm_queue_filter *f,
		  sm_queue_fn fn, void *ctx);

/* Cancels a post: 0, 1 when it already was (nothing changes), -ENOENT or
 * -EIO. */
int sm_queue_cancel(struct sm_store *st, const char *id, sm_time now);

/* Moves a scheduled post to a new publish instant: 0, -ENOENT, -ECANCELED,
 * -EALREADY (marked done), -EINVAL (out of range) or -EIO. */
int sm_queue_move(struct sm_store *st, const char *id, sm_time at, sm_time now);

/* Marks a post's occurrence done (published) at `at` with the posted URL
 * (may be NULL); marking again updates both.  0, -ENOENT, -ECANCELED or
 * -EIO. */
int sm_queue_mark_done(struct sm_store *st, const char *id, const char *url,
		       sm_time at);

/*
 * The publish instants of a platform's non-cancelled posts (drafts count)
 * at or after from, ascending, in *out (malloc'd, the caller frees; NULL
 * when none) and *n: what slots.h needs from the queue.  0 or -EIO.
 */
int sm_queue_instants(struct sm_store *st, const char *platform, sm_time from,
		      sm_time **out, size_t *n);

/*
 * The post model of a queued post: UID = id, UTC start, platforms, type,
 * persona and campaign as X-SMCAL-* would give them, STATUS TENTATIVE for a
 * draft and CANCELLED when cancelled, SEQUENCE = revision - 1.  Strings are
 * copied into a; out is overwritten.
 */
void sm_queue_to_post(struct sm_arena *a, const struct sm_queue_post *q,
		      struct sm_post *out);

/*
 * Appends every queued post (cancelled ones only when with_cancelled) to
 * cal, in publish order, with strings in cal's arena: the calendar `queue`
 * for the scheduler.  Returns how many, or -EIO.
 */
int sm_queue_load(struct sm_store *st, struct sm_calendar *cal,
		  int with_cancelled);

/*
 * Writes the queue and the done marks as one iCalendar file (`smctl
 * export`): a VEVENT per queued post (publish order; a done one carries
 * X-SMCAL-DONE and X-SMCAL-DONE-URL), then a VJOURNAL per done mark of
 * another calendar's post (RELATED-TO its UID, X-SMCAL-CALENDAR,
 * X-SMCAL-RECURRENCE-ID, URL).  DTSTAMP is now.  0 or -EIO.
 */
int sm_queue_export(struct sm_store *st, struct sm_ics *w, sm_time now);

/* sm_queue_export limited to the queued posts publishing in [from, to) and
 * the done marks of other calendars' posts made in [from, to). */
int sm_queue_export_range(struct sm_store *st, struct sm_ics *w, sm_time now,
			  sm_time from, sm_time to);

#endif
