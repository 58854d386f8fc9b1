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
	sm_time catchup; /* the batch's catch-up window, for missed lines */
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

/* Starts a batch: forgets the lines, rows and deliveries of the last one
 * (firer_run does it; daemon-originated events, alert.c, too). */
void firer_begin(struct firer *f);

/* Appends an event that belongs to no occurrence (alert.c) to the batch:
 * its event log line (json, len bytes, no newline) and its ledger row. */
void firer_add_event(struct firer *f, const char *id, const char *type,
		     sm_time at, int64_t fired_ms, int late, long lead_s,
		     const char *json, size_t len);

/* A new, zeroed webhook delivery of the batch; the firer frees its
 * strings (body, headers, content_type, event_id) after the commit. */
struct sm_delivery *firer_add_delivery(struct firer *f);

/*
 * Records the batch: its lines to the event log (fdatasync), then in one
 * transaction its ledger rows, missed rows, deliveries and what extra
 * (may be NULL) writes with the store, so that a daemon-originated event's
 * state is stored with the event.  Returns the number of events fired, or
 * -1 when the event log or the database could not be written (nothing is
 * recorded and the lines are taken back: the events are tried again).
 */
long firer_commit(struct firer *f, int64_t now_ms,
		  int (*extra)(void *ctx, struct sm_store *st), void *ctx);

/* ---------------------------------------------------------------------
 * Daemon-originated events (daemon/alert.c): cadence.gap and cadence.behind
 * (plan.c), and the goal.* events (lib/alert.h).  They take the path of
 * post events (fire.c): the ledger is asked by id first (a restart or a
 * repeated evaluation never tells twice), each event's JSON line goes to
 * the event log (fdatasync), each is routed (sm_route_alert: its platform's
 * webhook, else [daemon] webhook, else the log sink; each webhook's events
 * filter) and rendered per webhook (sm_payload_build_alert) into outbox
 * rows, signed at each attempt like every delivery; then the ledger rows,
 * the outbox rows and the caller's state changes commit in one
 * transaction.  An event counts as told once that commit is durable.
 */

struct sm_alert; /* alert.h */

/* A daemon fact to write with the events (the alert states: one packed
 * integer per key), or to delete when remove is set. */
struct alert_state {
	const char *key;
	int64_t value;
	int remove;
};

/*
 * Fires the alerts at now_ms and stores the states in the same
 * transaction.  Alerts already in the ledger are skipped (their states are
 * still stored).  Returns the number fired, or -1 when the event log or
 * the database failed: nothing is recorded, the caller tries again later.
 * A goal event is one struct sm_alert and one call.
 */
long alert_fire(struct firer *f, const struct world *w,
		const struct sm_alert *alerts, size_t n,
		const struct alert_state *states, size_t nstates,
		int64_t now_ms);

/* alert_fire with the caller's own writes (extra, may be NULL: then
 * nothing is committed when no alert is new) in the events' transaction:
 * the goal states, which live in their own table (lib/metricstore). */
long alert_fire_with(struct firer *f, const struct world *w,
		     const struct sm_alert *alerts, size_t n,
		     int (*extra)(void *ctx, struct sm_store *st), void *ctx,
		     int64_t now_ms);

#endif
