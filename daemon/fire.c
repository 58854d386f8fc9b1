/*
 * fire: batches, the event log and the ledger.
 */
#include "fire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "event.h"
#include "log.h"
#include "outbox.h"
#include "payload.h"
#include "route.h"
#include "statedir.h"

#define MISSED_LOG_MAX 50

static void
clear_deliveries(struct firer *f)
{
	for (size_t i = 0; i < f->ndeliveries; i++) {
		struct sm_delivery *d = &f->deliveries[i];
		free((char *)(uintptr_t)d->body);
		free((char *)(uintptr_t)d->headers);
		free((char *)(uintptr_t)d->content_type);
		free((char *)(uintptr_t)d->event_id);
	}
	f->ndeliveries = 0;
}

int
firer_open(struct firer *f, const char *event_log, struct sm_store *store,
	   char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->log_fd = -1;
	f->store = store;
	return firer_reopen(f, event_log, err, errlen);
}

/*
 * A crash in the middle of a batch's write leaves a partial last line.
 * Those events are not in the ledger, so they fire again: cut the log back
 * to its last complete line, so that the audit trail stays one JSON object
 * per line.
 */
static void
repair_tail(int fd, const char *path)
{
	off_t size = lseek(fd, 0, SEEK_END), pos = size;
	char buf[4096];
	int found = size == 0;
	while (!found && pos > 0) {
		size_t n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		pos -= (off_t)n;
		if (pread(fd, buf, n, pos) != (ssize_t)n)
			break;
		for (size_t i = n; i-- > 0;) {
			if (buf[i] == '\n') {
				pos += (off_t)i + 1;
				found = 1;
				break;
			}
		}
	}
	if (!found)
		pos = 0;
	if (pos < size) {
		log_warning("event log %s ended with a partial line (%lld "
			    "byte%s, a crash mid-write): cut; those events "
			    "fire again",
			    path, (long long)(size - pos), PLURAL(size - pos));
		if (ftruncate(fd, pos) == 0)
			fsync(fd);
	}
}

/*
 * Opens the event log as a file of the daemon's own (statedir.h: never
 * through a symbolic link, never another user's file or one others can
 * write), repairs its tail, and makes it the log in use.  The checks come
 * before the repair: a file that is not ours is never cut.
 */
static int
open_log(struct firer *f, const char *event_log, char *err, size_t errlen)
{
	int fd;
	if (sm_statedir_open("event log", event_log,
			     O_RDWR | O_APPEND | O_CREAT, 0640, geteuid(), &fd,
			     err, errlen) < 0)
		return -1;
	repair_tail(fd, event_log);
	if (f->log_fd >= 0)
		close(f->log_fd);
	free(f->log_path);
	f->log_fd = fd;
	f->log_path = strdup(event_log);
	if (!f->log_path)
		abort();
	return 0;
}

int
firer_reopen(struct firer *f, const char *event_log, char *err, size_t errlen)
{
	if (f->log_path && strcmp(f->log_path, event_log) == 0)
		return 0;
	return open_log(f, event_log, err, errlen);
}

int
firer_rotate(struct firer *f, char *err, size_t errlen)
{
	char *path = strdup(f->log_path);
	if (!path)
		abort();
	int rc = open_log(f, path, err, errlen);
	free(path);
	return rc;
}

/*
 * Takes a failed batch's lines back out of the event log: they were
 * written (maybe in part) at offset mark, and their events fire again, so
 * leaving them would put the same id in the audit trail once per attempt.
 * Only when the file is as the batch left it: a truncation in between
 * (logrotate's copytruncate) must not be undone by growing it back.
 */
static void
take_back(struct firer *f, off_t mark, size_t len)
{
	struct stat sb;
	if (fstat(f->log_fd, &sb) < 0 || sb.st_size < mark ||
	    sb.st_size > mark + (off_t)len) {
		log_warning("event log %s changed during a failed write (a "
			    "rotation?): its last lines may appear again",
			    f->log_path);
		return;
	}
	if (sb.st_size == mark)
		return;
	if (ftruncate(f->log_fd, mark) < 0 || fdatasync(f->log_fd) < 0)
		log_error("event log %s: taking back %lld byte%s: %s",
			  f->log_path, (long long)(sb.st_size - mark),
			  PLURAL(sb.st_size - mark), strerror(errno));
}

void
firer_close(struct firer *f)
{
	if (f->log_fd >= 0)
		close(f->log_fd);
	free(f->log_path);
	sm_jsonw_free(&f->json);
	sm_jsonw_free(&f->lines);
	free(f->fired);
	free(f->missed);
	free(f->fired_rows);
	free(f->missed_rows);
	free(f->batch);
	free(f->acts);
	clear_deliveries(f);
	free(f->deliveries);
	sm_sched_cap_fini(&f->cap);
	memset(f, 0, sizeof(*f));
	f->log_fd = -1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes room for one more ledger row in one of the two lists. */
static void
grow_rows(struct sm_store_event **v, struct fire_row **rows, size_t n,
	  size_t *cap)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 64;
	*v = realloc(*v, *cap * sizeof(**v));
	*rows = realloc(*rows, *cap * sizeof(**rows));
	if (!*v || !*rows)
		abort();
}

/* Appends a ledger row for ev to one of the two lists. */
static void
add_row(struct sm_store_event **v, struct fire_row **rows, size_t *n,
	size_t *cap, const struct sm_sched_event *ev, int64_t fired_ms,
	int late)
{
	grow_rows(v, rows, *n, cap);
	struct fire_row *r = &(*rows)[*n];
	memcpy(r->id, ev->id, sizeof(r->id));
	sm_occur_format_rid(&ev->occ, r->rid, sizeof(r->rid));
	struct sm_store_event *e = &(*v)[*n];
	const struct sm_series *s = ev->occ.series;
	e->type = sm_event_type_name(ev->type);
	e->calendar = s->calendar;
	e->uid = s->master ? s->master->uid : ev->occ.post->uid;
	e->scheduled_at = ev->at;
	e->fired_at = fired_ms / 1000;
	e->late = late;
	e->lead_s = (long)ev->lead;
	(*n)++;
}

/* The strings of rows point into the row array, which may have moved. */
static void
fix_pointers(struct sm_store_event *v, struct fire_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].id = rows[i].id;
		/* Daemon-originated events belong to no occurrence. */
		v[i].recurrence_id = rows[i].rid[0] ? rows[i].rid : NULL;
	}
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

struct sm_delivery *
firer_add_delivery(struct firer *f)
{
	if (f->ndeliveries == f->cap_deliveries) {
		f->cap_deliveries =
			f->cap_deliveries ? f->cap_deliveries * 2 : 16;
		f->deliveries =
			realloc(f->deliveries,
				f->cap_deliveries * sizeof(*f->deliveries));
		if (!f->deliveries)
			abort();
	}
	struct sm_delivery *d = &f->deliveries[f->ndeliveries++];
	memset(d, 0, sizeof(*d));
	return d;
}

void
firer_add_event(struct firer *f, const char *id, const char *type, sm_time at,
		int64_t fired_ms, int late, long lead_s, const char *json,
		size_t len)
{
	sm_jsonw_raw(&f->lines, json, len);
	sm_jsonw_raw(&f->lines, "\n", 1);
	grow_rows(&f->fired, &f->fired_rows, f->nfired, &f->cap_fired);
	struct fire_row *r = &f->fired_rows[f->nfired];
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->rid[0] = '\0';
	struct sm_store_event *e = &f->fired[f->nfired];
	memset(e, 0, sizeof(*e));
	e->type = type; /* a static name (sm_config_event_name) */
	e->scheduled_at = at;
	e->fired_at = fired_ms / 1000;
	e->late = late;
	e->lead_s = lead_s;
	f->nfired++;
}

/*
 * Sends a fired event where it goes: a delivery per webhook (recorded with
 * the batch), or the log sink.
 */
static void
route(struct firer *f, const struct world *w, const struct sm_sched_event *ev,
      int64_t now_ms, int late)
{
	struct sm_route r;
	sm_route_event(w->cfg, ev, &r);
	if (r.unknown)
		log_error("event %s: webhook %s does not exist (no "
			  "[webhook:%s] section): sent to the log instead",
			  ev->id, r.unknown, r.unknown);
	if (r.refused) {
		char allowed[256];
		const struct sm_series *ser = ev->occ.series;
		sm_route_allowed_list(w->cfg, ser->calendar, allowed,
				      sizeof(allowed));
		log_error("event %s: calendar %s may not name webhook %s "
			  "(X-SMCAL-WEBHOOK of %s; [calendar:%s] webhooks "
			  "allows %s): not sent there, the event follows its "
			  "route without the post's webhook",
			  ev->id, ser->calendar, r.refused,
			  ev->occ.post->uid ? ev->occ.post->uid : "?",
			  ser->calendar, allowed);
	}
	if (r.log_sink) {
		log_info("event %s", f->json.buf);
		return;
	}
	for (int i = 0; i < r.n; i++) {
		const struct sm_webhook *wh = r.webhooks[i];
		/* The row keeps what the format generates; the configured
		 * headers (tokens) are added at each attempt from the config
		 * of that moment (deliver.c), so a rotation reaches retries. */
		struct sm_webhook fmt = *wh;
		fmt.headers.n = 0;
		struct sm_payload p;
		/* A missing locale or catalogue was said once at the load
		 * (world.c), not once per message. */
		sm_payload_build(w->cfg, &fmt, ev, now_ms, late, &p);
		struct sm_jsonw hdr = {0};
		for (int k = 0; k < p.nheaders; k++) {
			sm_jsonw_raw(&hdr, p.headers[k], strlen(p.headers[k]));
			sm_jsonw_raw(&hdr, "\n", 1);
		}
		struct sm_delivery *d = firer_add_delivery(f);
		d->event_id = xstrdup(ev->id);
		d->webhook = wh->name; /* the config outlives the batch */
		d->event_type = sm_event_type_name(ev->type);
		d->event_at = ev->at;
		d->body = p.body; /* taken from the payload */
		d->body_len = p.len;
		p.body = NULL;
		d->content_type = xstrdup(p.content_type);
		d->headers = hdr.buf ? hdr.buf : xstrdup("");
		d->json_event = p.json_event;
		d->next_at = now_ms;
		sm_payload_free(&p);
		log_info("event %s %s %s: to webhook %s",
			 sm_event_type_name(ev->type), ev->id,
			 ev->occ.post->title ? ev->occ.post->title : "",
			 wh->name);
	}
}

/*
 * A series reached its cap this minute: say so once, and drop its events
 * due up to now at once (a backlog of a SECONDLY rule after a restart
 * would otherwise be taken and refused one by one).
 */
static void
over_cap(struct firer *f, struct sm_sched *s, const struct sm_sched_event *ev,
	 sm_time now, int64_t now_ms)
{
	const struct sm_series *ser = ev->occ.series;
	size_t dropped = sm_sched_skip(s, ev->series, now);
	f->total_skipped += dropped;
	int64_t next = (now_ms / 60000 + 1) * 60;
	char until[SM_TZ_RFC3339_MAX];
	log_warning("calendar %s: UID %s fired %d events this minute "
		    "(series_cap): its events until %s are skipped",
		    ser->calendar ? ser->calendar : "",
		    ser->master ? ser->master->uid : ev->occ.post->uid,
		    f->cap.limit, log_time(next, until));
}

/* The fate of one event taken from the schedule. */
static enum sm_fire_action
decide(struct firer *f, const struct sm_sched_event *ev, int64_t now_ms,
       sm_time catchup)
{
	/* Known: fired before, or recorded as missed or collapsed (only a
	 * late event can have been: nothing else is ever recorded). */
	int known = sm_store_has_fired(f->store, ev->id) > 0;
	if (!known && now_ms - (int64_t)ev->at * 1000 > SM_LATE_MS)
		known = sm_store_has_missed(f->store, ev->id) > 0;
	int done = 0;
	if (!known) {
		char rid[40];
		sm_occur_format_rid(&ev->occ, rid, sizeof(rid));
		const struct sm_series *ser = ev->occ.series;
		const char *uid =
			ser->master ? ser->master->uid : ev->occ.post->uid;
		/* An occurrence of a calendar post cancelled through the
		 * socket (smctl cancel) fires nothing. */
		if (sm_store_is_cancelled(f->store, ser->calendar, uid, rid) >
		    0)
			return SM_SKIP;
		if (ev->type == SM_EV_OVERDUE)
			done = sm_store_is_done(f->store, ser->calendar, uid,
						rid) > 0;
	}
	return sm_sched_action(ev, now_ms, catchup, known, done);
}

long
firer_run(struct firer *f, const struct world *w, struct sm_sched *s,
	  int64_t now_ms, sm_time catchup)
{
	sm_time now = now_ms / 1000;
	firer_begin(f);
	f->catchup = catchup;
	f->cap.limit = w->cfg->series_cap;
	/*
	 * The whole batch first, at most FIRE_BATCH_MAX events: whether a
	 * late reminder fires depends on the later reminders of its
	 * occurrence due now (collapse).  The cap is checked as events are
	 * taken and counted as they are decided (what fires or is recorded),
	 * so a series' share of one batch stays within it.
	 */
	size_t n = 0;
	int cut = 0;
	for (size_t taken = 0;; taken++) {
		if (n == f->cap_batch) {
			f->cap_batch = f->cap_batch ? f->cap_batch * 2 : 64;
			f->batch = realloc(f->batch,
					   f->cap_batch * sizeof(*f->batch));
			f->acts = realloc(f->acts,
					  f->cap_batch * sizeof(*f->acts));
			if (!f->batch || !f->acts)
				abort();
		}
		if (taken == FIRE_BATCH_MAX) {
			cut = 1;
			break;
		}
		struct sm_sched_event *ev = &f->batch[n];
		if (!sm_sched_pop(s, now, ev))
			break;
		enum sm_cap_verdict cv =
			sm_sched_cap_check(&f->cap, ev, now_ms);
		if (cv != SM_CAP_OK) {
			f->total_skipped++;
			if (cv == SM_CAP_FIRST)
				over_cap(f, s, ev, now, now_ms);
			continue;
		}
		f->acts[n] = decide(f, ev, now_ms, catchup);
		if (f->acts[n] != SM_SKIP)
			sm_sched_cap_count(&f->cap, ev);
		n++;
	}
	sm_sched_collapse(f->batch, f->acts, n);
	/* A cut batch leaves due events to the next wake-up: a late reminder
	 * whose occurrence has a later reminder among them collapses too. */
	sm_time rest;
	if (cut && sm_sched_peek(s, &rest) && rest <= now)
		for (size_t i = 0; i < n; i++)
			if (f->acts[i] == SM_FIRE_LATE &&
			    sm_sched_later_reminder(s, &f->batch[i], rest, now))
				f->acts[i] = SM_COLLAPSED;
	for (size_t i = 0; i < n; i++) {
		const struct sm_sched_event *ev = &f->batch[i];
		enum sm_fire_action act = f->acts[i];
		if (act == SM_SKIP)
			continue;
		if (act == SM_MISSED || act == SM_COLLAPSED) {
			add_row(&f->missed, &f->missed_rows, &f->nmissed,
				&f->cap_missed, ev, 0, 1);
			f->missed[f->nmissed - 1].reason =
				act == SM_MISSED ? SM_STORE_MISSED
						 : SM_STORE_COLLAPSED;
			continue;
		}
		int late = act == SM_FIRE_LATE;
		sm_event_json(&f->json, w->cfg, ev, now_ms, late);
		sm_jsonw_raw(&f->lines, f->json.buf, f->json.len);
		sm_jsonw_raw(&f->lines, "\n", 1);
		add_row(&f->fired, &f->fired_rows, &f->nfired, &f->cap_fired,
			ev, now_ms, late);
		route(f, w, ev, now_ms, late);
	}
	return firer_commit(f, now_ms, NULL, NULL);
}

void
firer_begin(struct firer *f)
{
	sm_jsonw_reset(&f->lines);
	f->nfired = f->nmissed = 0;
	clear_deliveries(f);
}

long
firer_commit(struct firer *f, int64_t now_ms,
	     int (*extra)(void *ctx, struct sm_store *st), void *ctx)
{
	/* Where this batch's lines start, to take them back if the batch
	 * fails (O_APPEND: the end of the file). */
	struct stat sb;
	off_t mark =
		f->nfired > 0 && fstat(f->log_fd, &sb) == 0 ? sb.st_size : -1;
	if (f->nfired > 0 &&
	    (write_all(f->log_fd, f->lines.buf, f->lines.len) < 0 ||
	     fdatasync(f->log_fd) < 0)) {
		log_error("event log %s: %s: %zu event%s not recorded, they "
			  "fire again",
			  f->log_path, strerror(errno), f->nfired,
			  PLURAL(f->nfired));
		if (mark >= 0)
			take_back(f, mark, f->lines.len);
		/* The deliveries go with their events: rebuilt at the retry
		 * (from the config of that moment). */
		clear_deliveries(f);
		return -1;
	}
	fix_pointers(f->fired, f->fired_rows, f->nfired);
	fix_pointers(f->missed, f->missed_rows, f->nmissed);
	/* Ledger rows and their deliveries commit together: an event never
	 * counts as fired without its webhook deliveries. */
	int writes = f->nfired + f->nmissed > 0 || extra;
	int ok = !writes ||
		 (sm_store_begin(f->store) == 0 &&
		  sm_store_record_fired(f->store, f->fired, f->nfired) == 0 &&
		  sm_store_record_missed(f->store, f->missed, f->nmissed) == 0);
	for (size_t i = 0; ok && i < f->ndeliveries; i++)
		ok = sm_outbox_add(f->store, &f->deliveries[i], now_ms) == 0;
	if (ok && extra)
		ok = extra(ctx, f->store) == 0;
	if (ok && writes)
		ok = sm_store_commit(f->store) == 0;
	clear_deliveries(f);
	if (!ok) {
		log_error("state database: %s", sm_store_error(f->store));
		sm_store_rollback(f->store);
		/* Only when the ledger surely lacks the batch: a line twice is
		 * better than an event fired and not in the audit trail. */
		if (mark >= 0 && f->nfired > 0 &&
		    sm_store_has_fired(f->store, f->fired[0].id) == 0)
			take_back(f, mark, f->lines.len);
		return -1;
	}
	/* One line each, up to a bound: a first start on a big calendar may
	 * record a day of posts at once; the rest is in the missed table. */
	char window[32];
	sm_duration_format(f->catchup, window, sizeof(window));
	for (size_t i = 0; i < f->nmissed; i++) {
		const struct sm_store_event *m = &f->missed[i];
		if (i == MISSED_LOG_MAX) {
			log_warning("and %zu more events recorded as missed or "
				    "collapsed (the missed table of the state "
				    "database lists them all)",
				    f->nmissed - i);
			break;
		}
		char at[SM_TZ_RFC3339_MAX];
		log_time(m->scheduled_at, at);
		if (strcmp(m->reason, SM_STORE_COLLAPSED) == 0)
			log_notice("collapsed: %s %s %s at %s (lead %lds): a "
				   "later reminder of the same post fires "
				   "instead",
				   m->type, m->uid, m->recurrence_id, at,
				   m->lead_s);
		else
			log_warning("missed: %s %s %s at %s: past the "
				    "catch-up window of %s, not fired",
				    m->type, m->uid, m->recurrence_id, at,
				    window);
	}
	f->total_fired += f->nfired;
	f->total_missed += f->nmissed;
	return (long)f->nfired;
}
