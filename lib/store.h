/*
 * store: smcald's durable state, one SQLite database in state_dir
 * (smcal.db, WAL journal, synchronous=FULL), with a versioned schema.
 *
 * It owns the fired-event ledger (every event that counted as fired, by its
 * id), done marks (an occurrence published, with the posted URL),
 * cancelled occurrences of calendar posts (schema version 5), missed
 * events (older than the catch-up window when first seen, or late reminders
 * collapsed into a later one of the same occurrence) and small daemon facts
 * (the instant up to which events were processed).  The webhook outbox
 * (outbox.h, schema version 2), the post queue (queue.h, version 3) and the
 * metrics and goal states (metricstore.h, version 6) live in the same
 * database.  No event loop here: calls are synchronous and short; the
 * daemon calls them from its loop thread only.
 *
 * Occurrences are named as everywhere in smcal: calendar name, UID and the
 * identity string of occur.h (sm_occur_format_rid).
 */
#ifndef SM_STORE_H
#define SM_STORE_H

#include <stddef.h>

#include "civil.h"

struct sm_store;

/* A fired or missed event, as the ledger keeps it. */
struct sm_store_event {
	const char *id;	  /* "evt_…" */
	const char *type; /* "post.reminder", "post.due", ... */
	const char *calendar;
	const char *uid;
	const char *recurrence_id;
	sm_time scheduled_at; /* the event's instant */
	sm_time fired_at;     /* when it fired (0 for missed) */
	int late;
	long lead_s;
	const char *reason; /* missed rows: SM_STORE_MISSED (NULL means it)
			       or SM_STORE_COLLAPSED */
};

/* Why a recorded event did not fire: past the catch-up window, or a late
 * reminder whose occurrence has a later reminder that fired instead. */
#define SM_STORE_MISSED "missed"
#define SM_STORE_COLLAPSED "collapsed"

/*
 * Opens (creating when needed) <dir>/smcal.db and brings its schema up to
 * date.  The database, -wal and -shm must be regular files (never symbolic
 * links) owned by the process's user and not writable by others
 * (statedir.h).  Returns 0; -EPERM for an unsafe file and -EACCES for one
 * its owner cannot write; or -1; each with a message in err (errlen bytes)
 * naming the file and what failed.
 */
int sm_store_open(const char *dir, struct sm_store **out, char *err,
		  size_t errlen);

/*
 * Opens <dir>/smcal.db to read it only (smcald --check, which must not
 * create, migrate or change the daemon's state): no migration, a
 * database of any version this smcal knows.  Returns 0; -ENOENT when there
 * is no database; or -1; each with a message in err.
 */
int sm_store_open_readonly(const char *dir, struct sm_store **out, char *err,
			   size_t errlen);

/* Closes the database; NULL is a no-op. */
void sm_store_close(struct sm_store *st);

/* The schema version the database is at after opening. */
int sm_store_schema_version(struct sm_store *st);

/* 1 when an event with this id is in the ledger, 0 when not, -1 on error. */
int sm_store_has_fired(struct sm_store *st, const char *id);

/* 1 when an event with this id is recorded as missed (or collapsed), 0
 * when not, -1 on error. */
int sm_store_has_missed(struct sm_store *st, const char *id);

/*
 * Records fired events in one transaction (idempotent: an id already in the
 * ledger is left as it is).  Returns 0 or -1.
 */
int sm_store_record_fired(struct sm_store *st,
			  const struct sm_store_event *events, size_t n);

/* Records events that did not fire: past the catch-up window, or collapsed
 * into a later reminder (each row's reason); idempotent by id.  Returns 0
 * or -1. */
int sm_store_record_missed(struct sm_store *st,
			   const struct sm_store_event *events, size_t n);

/* Calls fn for each missed event, oldest first, at most limit of them;
 * returns the number listed or -1. */
int sm_store_list_missed(struct sm_store *st, size_t limit,
			 void (*fn)(void *ctx, const struct sm_store_event *ev),
			 void *ctx);

/* Like sm_store_list_missed, newest first: what `smctl status` shows. */
int sm_store_list_missed_recent(struct sm_store *st, size_t limit,
				void (*fn)(void *ctx,
					   const struct sm_store_event *ev),
				void *ctx);

/* Counts the missed events recorded (-1 on error). */
long sm_store_count_missed(struct sm_store *st);

/* Counts the fired events in the ledger (-1 on error). */
long sm_store_count_fired(struct sm_store *st);

/* Marks an occurrence done (published), with the posted URL (may be NULL)
 * and the instant; marking again updates both.  Returns 0 or -1. */
int sm_store_mark_done(struct sm_store *st, const char *calendar,
		       const char *uid, const char *recurrence_id,
		       const char *url, sm_time at);

/* 1 when the occurrence is marked done, 0 when not, -1 on error. */
int sm_store_is_done(struct sm_store *st, const char *calendar, const char *uid,
		     const char *recurrence_id);

/* Reads an occurrence's done mark: 1 with *at and *url (malloc'd, NULL
 * when none was given; the caller frees) filled when it is marked done, 0
 * when not, -1 on error.  at and url may be NULL. */
int sm_store_get_done(struct sm_store *st, const char *calendar,
		      const char *uid, const char *recurrence_id, sm_time *at,
		      char **url);

/* Cancels one occurrence of a calendar post (smctl cancel UID
 * --occurrence RID), at instant at: the daemon no longer fires its events.
 * Returns 0, 1 when it already was (nothing changes), or -1. */
int sm_store_cancel(struct sm_store *st, const char *calendar, const char *uid,
		    const char *recurrence_id, sm_time at);

/* 1 when the occurrence was cancelled with sm_store_cancel, 0 when not, -1
 * on error. */
int sm_store_is_cancelled(struct sm_store *st, const char *calendar,
			  const char *uid, const char *recurrence_id);

/* Calls fn for each done mark whose identity (recurrence_id) lies in
 * [rid_from, rid_to] as strings compare (one query: identities start with
 * the date, so a span's marks are a range); returns the number listed or
 * -1. */
int sm_store_list_done(struct sm_store *st, const char *rid_from,
		       const char *rid_to,
		       void (*fn)(void *ctx, const char *calendar,
				  const char *uid, const char *recurrence_id),
		       void *ctx);

/* Calls fn for each occurrence cancelled with sm_store_cancel whose
 * identity lies in [rid_from, rid_to], as sm_store_list_done does; returns
 * the number listed or -1. */
int sm_store_list_cancelled(struct sm_store *st, const char *rid_from,
			    const char *rid_to,
			    void (*fn)(void *ctx, const char *calendar,
				       const char *uid,
				       const char *recurrence_id),
			    void *ctx);

/* Reads a daemon fact (e.g. "processed_until"); returns 1 and fills *out,
 * 0 when unset, -1 on error. */
int sm_store_get_time(struct sm_store *st, const char *key, sm_time *out);

/* Writes a daemon fact durably.  Returns 0 or -1. */
int sm_store_set_time(struct sm_store *st, const char *key, sm_time value);

/* Calls fn for each daemon fact whose key starts with prefix, in key
 * order (one query: the cadence alert states, "cadence.*"); returns the
 * number listed or -1. */
int sm_store_list_facts(struct sm_store *st, const char *prefix,
			void (*fn)(void *ctx, const char *key, int64_t value),
			void *ctx);

/* Deletes a daemon fact (none is fine).  Returns 0 or -1. */
int sm_store_delete_fact(struct sm_store *st, const char *key);

/*
 * Groups writes in one transaction (BEGIN IMMEDIATE ... COMMIT): the
 * daemon records a batch's ledger rows and its outbox deliveries together,
 * so an event never counts as fired without its deliveries.  The record
  * functions join an open transaction instead of starting their own.
 * Begins nest: only the outermost commit reaches the disk.  Each returns 0
 * or -1; a failed commit, or a rollback, undoes the whole transaction.
 */
int sm_store_begin(struct sm_store *st);
int sm_store_commit(struct sm_store *st);
void sm_store_rollback(struct sm_store *st);

/* The last SQLite error message of this store (borrowed). */
const char *sm_store_error(struct sm_store *st);

#endif
