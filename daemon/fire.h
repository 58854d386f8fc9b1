/*
 * fire: turning due events into fired ones.  For each batch of events due
 * at a wake-up: skip what the ledger already has (a restart or reload never
 * refires) and overdue events of posts marked done; write every event's
 * JSON line to the event log and fdatasync it; send it to its sinks; then
 * record the batch in the ledger in one transaction.  An event counts as
 * fired once its ledger row is durable, so a crash in between refires it
 * with the same id (at least once, never with a new id).  When the ledger
 * cannot commit (the database is locked), the batch's lines are cut back
 * out of the event log before the events are tried again, so that the
 * audit trail gets each id once.
 *
 * Events older than the catch-up window are recorded as missed instead,
 * and a late reminder whose occurrence has a later reminder due in the same
 * batch is recorded as collapsed (sched.h: sm_sched_action and
 * sm_sched_collapse decide).
 *
 * Bounds (a calendar must never stop the daemon): at most `series_cap`
 * events of one series fire or are recorded per minute, the rest are
 * skipped with one log line per series and minute (and the series' events
 * due up to now are dropped at once, so a backlog of a dense rule costs
 * nothing); one wake-up takes at most FIRE_BATCH_MAX events, and the loop
 * (signals, deliveries) turns before the next batch.  A late reminder
 * whose later reminder is left to the next batch by that cut collapses as
 * if both were in one batch (sm_sched_later_reminder).
 */
#ifndef SMCALD_FIRE_H
#define SMCALD_FIRE_H

#include <stddef.h>

#include "jsonw.h"
#include "outbox.h"
#include "sched.h"
#include "store.h"
#include "world.h"

struct fire_row {
	char id[SM_EVENT_ID_LEN];
	char rid[40];
};

struct firer {
	struct sm_store *store; /* borrowed */
	int log_fd;
	char *log_path;
	struct sm_jsonw json;  /* one event */
	struct sm_jsonw lines; /* the batch's event log lines */
	struct sm_store_event *fired, *missed;
	struct fire_row *fired_rows, *missed_rows;
	size_t nfired, nmissed, cap_fired, cap_missed;
	struct sm_sched_event *batch; /* the events taken at one wake-up */
	enum sm_fire_action *acts;    /* and their fates */
	size_t cap_batch;
	struct sm_delivery *deliveries; /* the batch's webhook deliveries */
	size_t ndeliveries, cap_deliveries;
	unsigned long total_fired, total_missed, total_skipped;
	struct sm_sched_cap cap; /* series_cap's counts this minute */
};

/* Events taken from the scheduler at one wake-up, at most. */
#define FIRE_BATCH_MAX 5000

/* Opens the event log (append, created 0640), which must be a regular
 * file of the daemon's user that others cannot write, never a symbolic link
 * (statedir.h); returns 0 or -1 with err. */
int firer_open(struct firer *f, const char *event_log, struct sm_store *store,
	       char *err, size_t errlen);

/* Reopens the event log when a reloaded config names another file, with
 * the checks of firer_open; on -1 the log in use stays. */
int firer_reopen(struct firer *f, const char *event_log, char *err,
		 size_t errlen);

/* Opens the event log's path again (after a rotation by rename: SIGUSR1),
 * with the checks of firer_open; on -1 the log in use stays. */
int firer_rotate(struct firer *f, char *err, size_t errlen);

/* Closes the event log and frees the buffers. */
void firer_close(struct firer *f);

/*
 * Fires the events of s due at or before now_ms (FIRE_BATCH_MAX at most:
 * the rest stay due); events more than catchup seconds old are recorded as
 * missed (sm_sched_action decides), events over a series' cap are skipped.
 * Returns the number of events fired, or -1 when the event log or the
 * ledger could not be written (the events are then left to fire again).
 */
long firer_run(struct firer *f, const struct world *w, struct sm_sched *s,
	       int64_t now_ms, sm_time catchup);

#endif
