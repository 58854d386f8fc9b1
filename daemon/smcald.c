/*
 * smcald: the daemon.  One libuv loop owns all state; the only other thread
 * is libuv's pool, where reloads parse calendars (world.c) while the loop
 * keeps firing.
 *
 * Flow: start-up loads the config and calendars, opens the state database
 * and the event log, fires what the catch-up window allows (older events
 * are recorded as missed), then arms a wall-clock timer (clock.c) for the
 * next event and sleeps.  Each wake-up fires the due events (fire.c) and
 * re-arms.  SIGHUP and changes to a calendar file (watched through its
 * directory, so saves by rename are seen; debounced) rebuild the world on
 * the pool and swap it in; events already in the ledger never fire again.
 * SIGTERM stops cleanly.  systemd hears READY, RELOADING, STATUS, WATCHDOG
 * and STOPPING through sd_notify.
 *
 * state_dir is taken first (open_state): refused when another local user
 * could plant or change files in it (exit 78), then locked (smcald.lock:
 * one daemon per state_dir), then the database is opened.  The umask is
 * 027 whatever the caller's.  SIGUSR1 reopens the event log after a
 * rotation by rename; delivered outbox rows are pruned after `retention`
 * (prune.c).
 *
 * SIGTERM is honoured within a second at every stage: the first load runs
 * on the pool too (after the lock, the control socket and the database,
 * which stay synchronous), with the loop serving signals, and every load
 * checks a cancellation flag (set on SIGTERM) within each line of calendar
 * text, so uv_run, which waits for the pool, ends promptly.  A wake-up
 * fires a bounded batch (fire.h) and a scheduler load costs a bounded
 * amount per series (sched.h), so the loop turns often whatever the
 * calendars hold.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <curl/curl.h>
#include <uv.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "deliver.h"
#include "fire.h"
#include "goalcheck.h"
#include "i18n.h"
#include "log.h"
#include "occur.h"
#include "plan.h"
#include "post.h"
#include "prune.h"
#include "queued.h"
#include "route.h"
#include "sched.h"
#include "statedir.h"
#include "store.h"
#include "world.h"

#define EXIT_CONFIG 78
#define DEBOUNCE_MS 200
#define RETRY_S 5
#define PROCESSED_KEY "processed_until"

struct watch {
	uv_fs_event_t handle;
	char *dir;
};

struct daemon {
	uv_loop_t loop;
	const char *config_path;
	struct world *world;
	struct sm_sched *sched;
	struct sm_store *store;
	struct firer firer;
	struct deliverer deliver;
	sm_time processed_until;
	int clock_fd;
	uv_poll_t clock_poll;
	uv_signal_t sighup, sigterm, sigint;
	uv_timer_t watchdog, debounce;
	struct watch **watches;
	size_t nwatches;
	/* Reloads: one at a time; a request during one runs after it. */
	int reloading, reload_again, reload_notify, notify_pending;
	uv_work_t work;
	struct world *built;
	struct sm_diag_list reload_diags; /* the new config's problems */
	int reload_cfg_failed;
	uint64_t reload_start; /* uv_hrtime() when the running reload began */
	int stopping;
	/* The local-user rules (statedir.h): smcald.lock, held for the
	 * daemon's life; SIGUSR1 reopens the event log; the outbox's
	 * retention. */
	int lock_fd;
	uv_signal_t sigusr1;
	struct pruner prune;
	struct control control;
	struct queued queue;	     /* posts added through the socket */
	struct plan plan;	     /* the cadence: alerts and their timer */
	struct goalcheck goals;	     /* the goals: goal.* and their timer */
	atomic_int cancel;	     /* stops a load in progress (SIGTERM) */
	struct sm_config *first_cfg; /* the first load's, until it is done */
	int serving;		     /* the first load is done: handles live */
	int exit_code;
};

static void tick(struct daemon *d);
static void start_reload(struct daemon *d, int notify);

/* ---------------------------------------------------------------------
 * Status.
 */

static void
notify_status(struct daemon *d, const char *prefix)
{
	char next[SM_TZ_RFC3339_MAX] = "none";
	sm_time at;
	if (sm_sched_peek(d->sched, &at))
		log_time(at, next);
	/* A calendar served from anything but its file is said in the status
	 * line `systemctl status` shows: the first one, and how many more. */
	const struct world *w = d->world;
	size_t problems = world_problems(w);
	const char *name = "", *text = "";
	for (size_t i = 0; i < w->ncals && !*name; i++)
		if (w->status[i].served != CAL_SERVED_FILE) {
			name = w->cals[i]->cal.name;
			text = w->status[i].text;
		}
	char head[800] = "";
	if (problems > 1)
		snprintf(head, sizeof(head),
			 "calendar %s: %s (and %zu more "
			 "calendar%s not served from their files); ",
			 name, text, problems - 1, PLURAL(problems - 1));
	else if (problems)
		snprintf(head, sizeof(head), "calendar %s: %s; ", name, text);
	sd_notifyf(0,
		   "%sSTATUS=%s%zu post%s in %zu calendar%s; next event %s; "
		   "%lu fired, %lu missed, %lu skipped",
		   prefix, head, w->nposts, PLURAL(w->nposts), w->ncals,
		   PLURAL(w->ncals), next, d->firer.total_fired,
		   d->firer.total_missed, d->firer.total_skipped);
}

/* ---------------------------------------------------------------------
 * Firing.
 */

static void
arm(struct daemon *d)
{
	sm_time at;
	if (sm_sched_peek(d->sched, &at))
		wallclock_arm(d->clock_fd, at);
	else
		wallclock_disarm(d->clock_fd); /* nothing due: no wake-ups */
}

static void
tick(struct daemon *d)
{
	deliver_flush(&d->deliver);
	int64_t now_ms = wallclock_now_ms();
	sm_time now = now_ms / 1000;
	long n = firer_run(&d->firer, d->world, d->sched, now_ms,
			   d->world->cfg->catchup);
	if (n < 0) {
		/* Nothing was recorded: schedule the same events again from
		 * what is known to be done, and retry shortly. */
		world_schedule(d->world, d->sched, d->processed_until + 1);
		queued_schedule(&d->queue, d->sched, d->processed_until + 1);
		wallclock_arm(d->clock_fd, now + RETRY_S);
		return;
	}
	/* A batch cut at FIRE_BATCH_MAX leaves events due: processed only
	 * up to the first of them (arm() wakes again at once for it). */
	sm_time left;
	if (sm_sched_peek(d->sched, &left) && left <= now)
		now = left - 1;
	if (now > d->processed_until) {
		d->processed_until = now;
		if (sm_store_set_time(d->store, PROCESSED_KEY, now) < 0)
			log_error("state database: %s",
				  sm_store_error(d->store));
	}
	arm(d);
	if (n > 0) {
		deliver_kick(&d->deliver);
		notify_status(d, "");
	}
}

static void
on_clock(uv_poll_t *h, int status, int events)
{
	struct daemon *d = h->data;
	(void)events;
	if (status < 0) {
		log_error("wall-clock timer: %s", uv_strerror(status));
		return;
	}
	if (wallclock_ack(d->clock_fd) == 1)
		log_notice("the system clock was set: re-checking what is due");
	tick(d);
}

/* ---------------------------------------------------------------------
 * Watching calendar files.
 */

static void
on_watch_closed(uv_handle_t *h)
{
	struct watch *w = h->data;
	free(w->dir);
	free(w);
}

static void
stop_watches(struct daemon *d)
{
	for (size_t i = 0; i < d->nwatches; i++)
		uv_close((uv_handle_t *)&d->watches[i]->handle,
			 on_watch_closed);
	free(d->watches);
	d->watches = NULL;
	d->nwatches = 0;
}

static void
on_debounce(uv_timer_t *t)
{
	start_reload(t->data, 0);
}

static void
on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
	struct watch *w = h->data;
	struct daemon *d = h->loop->data;
	(void)events;
	if (status < 0 || !filename)
		return;
	/* Only the calendar files of this directory matter. */
	const struct sm_config *cfg = d->world->cfg;
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		char *copy = strdup(cfg->calendars[i].path);
		if (!copy)
			abort();
		char *dcopy = strdup(cfg->calendars[i].path);
		if (!dcopy)
			abort();
		int match = strcmp(basename(copy), filename) == 0 &&
			    strcmp(dirname(dcopy), w->dir) == 0;
		free(copy);
		free(dcopy);
		if (match) {
			uv_timer_start(&d->debounce, on_debounce, DEBOUNCE_MS,
				       0);
			return;
		}
	}
}

static void
start_watches(struct daemon *d)
{
	const struct sm_config *cfg = d->world->cfg;
	d->watches = calloc(cfg->ncalendars + 1, sizeof(*d->watches));
	if (!d->watches)
		abort();
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		char *copy = strdup(cfg->calendars[i].path);
		if (!copy)
			abort();
		const char *dir = dirname(copy);
		int dup = 0;
		for (size_t k = 0; k < d->nwatches; k++)
			dup |= strcmp(d->watches[k]->dir, dir) == 0;
		struct watch *w = dup ? NULL : calloc(1, sizeof(*w));
		if (w) {
			w->dir = strdup(dir);
			w->handle.data = w;
			uv_fs_event_init(&d->loop, &w->handle);
			int rc = uv_fs_event_start(&w->handle, on_fs_event,
						   w->dir, 0);
			if (rc < 0)
				log_warning("cannot watch %s for changes (%s): "
					    "reload with SIGHUP",
					    w->dir, uv_strerror(rc));
			d->watches[d->nwatches++] = w;
		}
		free(copy);
	}
}

/* Whether the watches are those cfg's calendars need: one per directory,
 * none more. */
static int
watches_fit(const struct daemon *d, const struct sm_config *cfg)
{
	char *used = calloc(d->nwatches + 1, 1);
	if (!used)
		abort();
	int fit = 1;
	for (size_t i = 0; i < cfg->ncalendars && fit; i++) {
		char *copy = strdup(cfg->calendars[i].path);
		if (!copy)
			abort();
		const char *dir = dirname(copy);
		size_t k = 0;
		while (k < d->nwatches && strcmp(d->watches[k]->dir, dir) != 0)
			k++;
		free(copy);
		fit = k < d->nwatches;
		used[k] = 1;
	}
	for (size_t k = 0; k < d->nwatches && fit; k++)
		fit = used[k];
	free(used);
	return fit;
}

/* Whether cfg names a calendar file prev did not (a calendar added or
 * moved): events about it were not taken while the reload read it. */
static int
names_new_path(const struct sm_config *cfg, const struct sm_config *prev)
{
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		size_t k = 0;
		while (k < prev->ncalendars &&
		       strcmp(prev->calendars[k].path,
			      cfg->calendars[i].path) != 0)
			k++;
		if (k == prev->ncalendars)
			return 1;
	}
	return 0;
}

/*
 * After a swap: keeps the watches when the new config's calendars live in
 * the same directories, since closing an inotify watch drops the events
 * it has not delivered (a save landing while the new world was swapped in
 * would go unseen).  Otherwise the watches are replaced and one more
 * reload looks at the files (it reads only what changed), covering a save
 * made while no watch was there; so does a config naming a calendar file
 * prev (the config served before) did not, since events about that file
 * were ignored while the reload read it.
 */
static void
update_watches(struct daemon *d, const struct sm_config *prev)
{
	if (watches_fit(d, d->world->cfg)) {
		if (names_new_path(d->world->cfg, prev))
			uv_timer_start(&d->debounce, on_debounce, DEBOUNCE_MS,
				       0);
		return;
	}
	stop_watches(d);
	start_watches(d);
	uv_timer_start(&d->debounce, on_debounce, DEBOUNCE_MS, 0);
}

/* ---------------------------------------------------------------------
 * Reloads.
 */

/* Logs sm_config_check_host's findings; returns the number of errors. */
static int
log_host_check(const struct sm_config *cfg, struct sm_diag_list *d)
{
	/* A missing locale is not an error here: the daemon runs (dates in
	 * the C locale) and world.c says so once per load. */
	size_t errors = sm_config_check_host(cfg, SM_HOST_NO_LOCALE, d);
	for (size_t i = 0; i < d->n; i++)
		log_msg(d->items[i].severity == SM_ERROR ? SM_LOG_ERROR
							 : SM_LOG_WARNING,
			"%s:%d: %s", d->items[i].file ? d->items[i].file : "",
			d->items[i].line, d->items[i].message);
	return (int)errors;
}

static void
reload_work(uv_work_t *req)
{
	struct daemon *d = req->data;
	struct sm_config *cfg = NULL;
	struct sm_diag_list diags = {0};
	d->built = NULL;
	if (atomic_load(&d->cancel))
		return; /* stopping: reload_done frees nothing, says so */
	int rc = sm_config_load(d->config_path, &cfg, &diags);
	if (rc < 0) {
		for (size_t i = 0; i < diags.n; i++)
			log_error("%s:%d: %s", diags.items[i].file,
				  diags.items[i].line, diags.items[i].message);
	} else {
		sm_diag_clear(&diags);
		if (log_host_check(cfg, &diags) > 0) {
			sm_config_free(cfg);
			cfg = NULL;
			rc = -1;
		}
	}
	if (rc < 0) {
		log_error("reload: %s has errors: the running configuration "
			  "stays, the calendars are read again",
			  d->config_path);
		d->built = world_rebuild(d->world, &d->cancel);
		d->reload_cfg_failed = 1;
	} else {
		d->built = world_build(cfg, d->world, &d->cancel);
		if (!d->built)
			log_error("reload: unknown time zone; everything stays "
				  "as it was");
	}
	d->reload_diags = diags; /* for the callers of io.smcal.Reload */
}

static void
reload_done(uv_work_t *req, int status)
{
	struct daemon *d = req->data;
	struct world *w = d->built;
	d->reloading = 0;
	int swapped = status == 0 && w && !d->stopping;
	if (swapped) {
		struct world *old = d->world;
		d->world = w;
		/* Only the calendars read again change in the scheduler (the
		 * others keep their state); their posts added (or moved) to a
		 * time already past: what is within the catch-up window and
		 * unknown to the ledger fires late at the tick below, what is
		 * older (as far back as sm_sched_load_from looks) is recorded
		 * as missed.  A config that schedules differently loads every
		 * series again (whole = 1): series scheduled by others (the
		 * queue's, with sm_sched_add) are then gone and go in again
		 * here; with whole = 0 they are untouched. */
		sm_time from = sm_sched_load_from(wallclock_now_ms() / 1000,
						  w->cfg->catchup,
						  d->processed_until + 1);
		int whole = world_schedule_swap(w, old, d->sched, from);
		if (whole)
			queued_schedule(&d->queue, d->sched, from);
		else
			queued_world_changed(&d->queue);
		char err[256];
		if (firer_reopen(&d->firer, w->cfg->event_log, err,
				 sizeof(err)) < 0)
			log_error("reload: %s; events keep going to %s", err,
				  d->firer.log_path);
		update_watches(d, old->cfg);
		deliver_set_world(&d->deliver, w);
		pruner_set_retention(&d->prune, w->cfg->retention);
		world_free(old);
		/* The old world's pages go back to the system: without this
		 * glibc keeps them, and every reload would look like growth. */
		malloc_trim(0);
		log_set_zone(w->opts.zone);
		log_info("reloaded: %zu post%s in %zu calendar%s (%zu read, "
			 "%zu unchanged%s) in %.1f ms",
			 w->nposts, PLURAL(w->nposts), w->ncals,
			 PLURAL(w->ncals), w->nread, w->ncals - w->nread,
			 whole ? ", every series scheduled again" : "",
			 (double)(uv_hrtime() - d->reload_start) / 1e6);
		tick(d);
		plan_changed(&d->plan);
		goalcheck_kick(&d->goals);
		/* The status line follows what is served now. */
		if (!d->notify_pending)
			notify_status(d, "");
	} else {
		world_free(w);
	}
	d->built = NULL;
	struct control_reload_result res = {
		.ok = swapped && !d->reload_cfg_failed,
		.diags = &d->reload_diags,
		.error = swapped || d->reload_cfg_failed ? NULL
			 : d->stopping			 ? "smcald is stopping"
				       : "the new configuration names a time "
					 "zone this system does not know: "
					 "nothing changed",
		.world = d->world,
	};
	control_reload_finished(&d->control, &res);
	sm_diag_clear(&d->reload_diags);
	d->reload_cfg_failed = 0;
	if (d->notify_pending) {
		notify_status(d, "READY=1\n");
		d->notify_pending = 0;
	}
	if (d->reload_again && !d->stopping) {
		int notify = d->reload_notify;
		d->reload_again = d->reload_notify = 0;
		start_reload(d, notify);
	}
}

static void
start_reload(struct daemon *d, int notify)
{
	if (d->stopping)
		return;
	if (d->reloading || !d->serving) {
		d->reload_again = 1;
		d->reload_notify |= notify;
		return;
	}
	d->reloading = 1;
	d->reload_start = uv_hrtime();
	if (notify) {
		sd_notify(0, "RELOADING=1");
		d->notify_pending = 1;
	}
	d->work.data = d;
	int rc = uv_queue_work(&d->loop, &d->work, reload_work, reload_done);
	if (rc < 0) {
		log_error("reload: %s", uv_strerror(rc));
		d->reloading = 0;
	}
}

/* io.smcal.Reload: 1 started, 0 follows the running one, -1 refused. */
static int
control_reload(void *data)
{
	struct daemon *d = data;
	if (d->stopping)
		return -1;
	int running = d->reloading;
	start_reload(d, 1);
	return running ? 0 : d->reloading ? 1 : -1;
}

/* ---------------------------------------------------------------------
 * Signals, watchdog, shutdown.
 */

static void
on_close_noop(uv_handle_t *h)
{
	(void)h;
}

/* Closes every handle so that uv_run returns; a load in progress on the
 * pool is told to stop. */
static void
shutdown_loop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	atomic_store(&d->cancel, 1);
	uv_close((uv_handle_t *)&d->sighup, on_close_noop);
	uv_close((uv_handle_t *)&d->sigterm, on_close_noop);
	uv_close((uv_handle_t *)&d->sigint, on_close_noop);
	uv_close((uv_handle_t *)&d->sigusr1, on_close_noop);
	/* Adds in flight are committed and answered before the connections
	 * close (safe when the queue was never set up). */
	queued_fini(&d->queue);
	control_fini(&d->control); /* safe when it was never set up */
	if (!d->serving)
		return; /* the first load has not started the rest */
	uv_poll_stop(&d->clock_poll);
	uv_close((uv_handle_t *)&d->clock_poll, on_close_noop);
	pruner_fini(&d->prune);
	uv_close((uv_handle_t *)&d->watchdog, on_close_noop);
	uv_close((uv_handle_t *)&d->debounce, on_close_noop);
	stop_watches(d);
	plan_fini(&d->plan);
	goalcheck_fini(&d->goals);
	deliver_fini(&d->deliver);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (signum == SIGHUP) {
		log_info("SIGHUP: reloading %s and its calendars",
			 d->config_path);
		start_reload(d, 1);
		return;
	}
	log_info("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	sd_notify(0, "STOPPING=1");
	shutdown_loop(d);
}

/* The queue changed (an add, a cancel, a done mark): fire what is already
 * late and re-arm for the next instant; look at the posting plan again. */
static void
queue_changed(void *data)
{
	struct daemon *d = data;
	tick(d);
	plan_changed(&d->plan);
}

/* For the pruner: the instant (ms) of the next event due. */
static int64_t
next_due_ms(void *ctx)
{
	struct daemon *d = ctx;
	sm_time at;
	return d->sched && sm_sched_peek(d->sched, &at) ? at * 1000 : INT64_MAX;
}

/* SIGUSR1: the event log was renamed by a rotation; open its path again. */
static void
on_sigusr1(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	char err[512];
	(void)signum;
	if (!d->firer.log_path)
		return; /* not open yet: it will be at its path */
	if (firer_rotate(&d->firer, err, sizeof(err)) < 0)
		log_error("SIGUSR1: %s; events keep going to the file already "
			  "open",
			  err);
	else
		log_info("SIGUSR1: event log %s reopened", d->firer.log_path);
}

static void
on_watchdog(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* ---------------------------------------------------------------------
 * Start-up.
 */

/* Whether a failure to create state_dir is the configuration's (a path the
 * daemon's user cannot use: restarting will not help) or the system's. */
static int
exit_for(int err)
{
	return err == ENOSPC || err == EIO || err == ENOMEM ? 1 : EXIT_CONFIG;
}

/*
 * Takes state_dir before anything else uses it: creates it (0750 with the
 * umask), refuses it when another user could plant or change files in it
 * (statedir.h), takes smcald.lock so that a second daemon on the same
 * state exits at once.  Returns 0, or the exit status: 78 for what the
 * configuration must fix, 1 otherwise (another daemon holds the state).
 */
static int
open_state(struct daemon *d, const struct sm_config *cfg)
{
	char err[1024];
	uid_t uid = geteuid();
	if (mkdir_p(cfg->state_dir, 0750) < 0) {
		int e = errno;
		log_error("state_dir %s: cannot create: %s; smcald does not "
			  "start",
			  cfg->state_dir, strerror(e));
		return exit_for(e);
	}
	if (sm_statedir_check(cfg->state_dir, uid, err, sizeof(err)) < 0) {
		log_error("%s; smcald does not start", err);
		return EXIT_CONFIG;
	}
	if (sm_statedir_exposed("state_dir", cfg->state_dir, err, sizeof(err)))
		log_warning("%s", err);
	long holder = 0;
	int rc = sm_statedir_lock(cfg->state_dir, uid, &d->lock_fd, &holder,
				  err, sizeof(err));
	if (rc < 0) {
		log_error("%s", err);
		return rc == -EWOULDBLOCK ? 1 : EXIT_CONFIG;
	}
	return 0;
}

/*
 * Opens the database in the state_dir that open_state took.  Returns 0, or
 * the exit status: 78 for an unsafe database file, 1 otherwise.
 */
static int
open_store(struct daemon *d, const struct sm_config *cfg)
{
	char err[1024];
	int rc = sm_store_open(cfg->state_dir, &d->store, err, sizeof(err));
	if (rc < 0) {
		int unsafe = rc == -EPERM || rc == -EACCES;
		log_error("%s%s", err, unsafe ? "; smcald does not start" : "");
		return unsafe ? EXIT_CONFIG : 1;
	}
	return 0;
}

/* smcald --check: whether the daemon could use state_dir and the event
 * log, as the user running the check; returns the number of errors. */
static size_t
check_state(const struct sm_config *cfg)
{
	struct sm_diag_list d = {0};
	size_t errors = sm_statedir_probe(cfg, geteuid(), &d);
	sm_diag_print(&d, stderr);
	sm_diag_clear(&d);
	return errors;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: smcald [-c CONFIG] [-f] [--check] [--version]\n"
		"  -c CONFIG  configuration file (default %s)\n"
		"  -f         stay in the foreground, log to stderr\n"
		"  --check    validate the config and calendars, exit "
		"0 or 78\n",
		SM_CONFIG_DEFAULT_PATH);
}

/* smcald --check: what the daemon would complain about, with file, line
 * and key: the config's secrets and locales on this machine, then every
 * calendar (its file's problems, X-SMCAL-WEBHOOK names). */
static int
check(const struct sm_config *cfg)
{
	struct sm_diag_list hd = {0};
	size_t errors = sm_config_check_host(cfg, SM_HOST_LOCALE_ERROR, &hd);
	sm_diag_print(&hd, stderr);
	sm_diag_clear(&hd);
	const struct sm_tz *zone = sm_calendar_system_zone(cfg->timezone);
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		const struct sm_calendar_conf *cc = &cfg->calendars[i];
		struct sm_calendar cal;
		struct sm_diag_list d = {0};
		struct sm_series_set set = {0};
		/* Floating times in the calendar's own zone. */
		const struct sm_tz *cz = sm_calendar_system_zone(cc->timezone);
		struct sm_occur_opts opts = {cz ? cz : zone,
					     (sm_time)cfg->allday_time * 60};
		sm_calendar_init(&cal, cc->name);
		if (sm_calendar_load_file(&cal, cc->path, &d) == 0)
			sm_occur_index(&set, &cal, &opts, &d);
		sm_post_check_names(cfg, &cal, cfg->path, &d);
		/* What firing would refuse (SPEC 9), as smctl lint says it. */
		for (size_t k = 0; k < cal.nposts; k++) {
			const struct sm_post *p = &cal.posts[k];
			if (p->webhook && sm_config_webhook(cfg, p->webhook) &&
			    !sm_route_allowed(cfg, cc->name, p->webhook))
				sm_diag_add(&d, SM_ERROR, p->file, p->line,
					    "X-SMCAL-WEBHOOK %s is not allowed "
					    "in calendar %s: add it to "
					    "[calendar:%s] webhooks or name "
					    "an allowed webhook",
					    p->webhook, cc->name, cc->name);
		}
		sm_diag_print(&d, stderr);
		fprintf(stderr, "calendar %s: %s: %zu post%s in %zu series\n",
			cc->name, cc->path, cal.nposts, PLURAL(cal.nposts),
			set.n);
		errors += d.nerrors;
		sm_occur_set_free(&set);
		sm_diag_clear(&d);
		sm_calendar_fini(&cal);
	}
	errors += goals_check(cfg, time(NULL), stderr);
	return errors ? EXIT_CONFIG : 0;
}

/*
 * The rest of start-up, once the first load is done: the event log, where
 * to resume, the scheduler, the clock, watches, deliveries, then the
 * catch-up tick and READY.  Returns 0, or an exit code.
 */
static int
start_serving(struct daemon *d)
{
	char err[512];
	const struct sm_config *cfg = d->world->cfg;
	if (firer_open(&d->firer, cfg->event_log, d->store, err, sizeof(err)) <
	    0) {
		log_error("%s; smcald does not start", err);
		return EXIT_CONFIG;
	}
	/* Where to resume: after what was processed before (everything
	 * since is decided: late, missed), and in any case the lookback of
	 * sm_sched_load_from, for posts added while the daemon was down with
	 * a time already past. */
	sm_time now = wallclock_now_ms() / 1000;
	sm_time resume = SM_TIME_MAX;
	if (sm_store_get_time(d->store, PROCESSED_KEY, &d->processed_until) > 0)
		resume = d->processed_until + 1;
	else
		d->processed_until = now - cfg->catchup - 1;
	sm_time from = sm_sched_load_from(now, cfg->catchup, resume);
	/* The queue (posts added through the socket): in memory and in the
	 * scheduler beside the calendars', kept across reloads. */
	const struct queued_host qhost = {
		.store = &d->store,
		.sched = &d->sched,
		.world = &d->world,
		.deliver = &d->deliver,
		.processed_until = &d->processed_until,
		.data = d,
		.changed = queue_changed,
	};
	queued_init(&d->queue, &d->loop, &qhost);
	long queued = queued_load(&d->queue);
	if (queued < 0) {
		log_error("the queue: %s; smcald does not start",
			  sm_store_error(d->store));
		return 1;
	}
	d->sched = sm_sched_new(cfg);
	world_schedule(d->world, d->sched, from);
	queued_schedule(&d->queue, d->sched, from);
	char since[SM_TZ_RFC3339_MAX];
	log_info("queue: %ld post%s added with smctl add still to fire", queued,
		 PLURAL(queued));
	log_info("loaded %zu post%s in %zu calendar%s (%zu series); events "
		 "since %s not yet fired or recorded are decided now",
		 d->world->nposts, PLURAL(d->world->nposts), d->world->ncals,
		 PLURAL(d->world->ncals), d->world->set.n,
		 log_time(from, since));

	d->clock_fd = wallclock_open();
	if (d->clock_fd < 0) {
		log_error("timerfd: %s", strerror(errno));
		return 1;
	}
	if (deliver_init(&d->deliver, &d->loop, d->store, d->world) < 0) {
		log_error("cannot set up libcurl");
		close(d->clock_fd);
		d->clock_fd = -1;
		return 1;
	}
	d->serving = 1;
	uv_poll_init(&d->loop, &d->clock_poll, d->clock_fd);
	d->clock_poll.data = d;
	uv_poll_start(&d->clock_poll, UV_READABLE, on_clock);
	uv_timer_init(&d->loop, &d->debounce);
	d->debounce.data = d;
	uv_timer_init(&d->loop, &d->watchdog);
	uint64_t usec = 0;
	if (cfg->watchdog && sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		uv_timer_start(&d->watchdog, on_watchdog, usec / 2000,
			       usec / 2000);
	start_watches(d);
	pruner_init(&d->prune, &d->loop, d->store, cfg->retention, next_due_ms,
		    d);

	if (plan_init(&d->plan, &d->loop, &d->world, &d->queue, &d->store,
		      &d->firer, &d->deliver) < 0) {
		log_error("timerfd: %s", strerror(errno));
		return 1;
	}
	if (goalcheck_init(&d->goals, &d->loop, &d->world, &d->store, &d->firer,
			   &d->deliver) < 0) {
		log_error("timerfd: %s", strerror(errno));
		return 1;
	}
	control_start(&d->control);
	tick(d); /* catch-up: late events fire, older ones are missed */
	plan_changed(&d->plan);	   /* cadence alerts due now, then the timer */
	goalcheck_kick(&d->goals); /* goals seen, checked, then the timer */
	notify_status(d, "READY=1\n");
	return 0;
}

static void
first_load_work(uv_work_t *req)
{
	struct daemon *d = req->data;
	d->built = world_build(d->first_cfg, NULL, &d->cancel);
	d->first_cfg = NULL; /* owned by the world, or freed */
}

static void
first_load_done(uv_work_t *req, int status)
{
	struct daemon *d = req->data;
	struct world *w = d->built;
	d->built = NULL;
	d->reloading = 0;
	if (d->stopping || status != 0) {
		world_free(w);
		if (!d->stopping) { /* never started (only uv_cancel does) */
			d->exit_code = 1;
			shutdown_loop(d);
		}
		return;
	}
	if (!w) {
		log_error("unknown time zone in %s", d->config_path);
		d->exit_code = EXIT_CONFIG;
		shutdown_loop(d);
		return;
	}
	d->world = w;
	/* The load's scratch memory was freed in the pool thread's malloc
	 * arena, where the loop thread cannot reuse it: give it back. */
	malloc_trim(0);
	int rc = start_serving(d);
	if (rc != 0) {
		d->exit_code = rc;
		shutdown_loop(d);
		return;
	}
	if (d->reload_again) { /* a SIGHUP or a save during the load */
		int notify = d->reload_notify;
		d->reload_again = d->reload_notify = 0;
		start_reload(d, notify);
	}
}

static int
run(struct daemon *d, struct sm_config *cfg)
{
	char err[512];
	/* Signals first: a SIGHUP or SIGTERM that arrives while the first
	 * load runs waits for the loop instead of killing the process, and
	 * SIGTERM stops the load. */
	uv_loop_init(&d->loop);
	d->loop.data = d;
	uv_signal_init(&d->loop, &d->sighup);
	uv_signal_init(&d->loop, &d->sigterm);
	uv_signal_init(&d->loop, &d->sigint);
	d->sighup.data = d->sigterm.data = d->sigint.data = d;
	uv_signal_start(&d->sighup, on_signal, SIGHUP);
	uv_signal_start(&d->sigterm, on_signal, SIGTERM);
	uv_signal_start(&d->sigint, on_signal, SIGINT);
	uv_signal_init(&d->loop, &d->sigusr1);
	d->sigusr1.data = d;
	uv_signal_start(&d->sigusr1, on_sigusr1, SIGUSR1);

	/* The state's lock, the socket and the database are taken here, in
	 * order and synchronously, so that a second daemon or an unusable
	 * state stops the start at once; only the calendars are read on the
	 * pool. */
	int rc = open_state(d, cfg);
	if (rc == 0 && cfg->socket) {
		char *copy = strdup(cfg->socket);
		if (copy && mkdir_p(dirname(copy), 0750) < 0)
			log_warning("cannot create the socket's directory for "
				    "%s: %s",
				    cfg->socket, strerror(errno));
		free(copy);
	}
	/* The socket after the state's lock and before the database: a
	 * second daemon on the same state stopped at the lock; one on another
	 * state but the same socket stops here, before it opens a database.
	 * Connections wait in the backlog until the first load is done
	 * (start_serving): `smctl status` during a slow load answers once
	 * there is a world to describe. */
	const struct control_host host = {
		.world = &d->world,
		.sched = &d->sched,
		.store = &d->store,
		.firer = &d->firer,
		.deliver = &d->deliver,
		.reloading = &d->reloading,
		.queue = &d->queue,
		.config_path = d->config_path,
		.data = d,
		.reload = control_reload,
		.plan = &d->plan,
		.goals = &d->goals,
	};
	if (rc == 0) {
		int crc = control_init(&d->control, &d->loop, cfg, &host, err,
				       sizeof(err));
		if (crc < 0) {
			log_error("%s", err);
			rc = crc == CONTROL_ERR_CONFIG ? EXIT_CONFIG : 1;
		}
	}
	if (rc == 0)
		rc = open_store(d, cfg);
	if (rc == 0) {
		/* The calendars are read on the pool, the loop serving
		 * signals meanwhile. */
		d->first_cfg = cfg;
		d->reloading = 1;
		d->work.data = d;
		int qrc = uv_queue_work(&d->loop, &d->work, first_load_work,
					first_load_done);
		if (qrc < 0) {
			log_error("cannot start loading: %s", uv_strerror(qrc));
			d->first_cfg = NULL;
			rc = 1;
		}
	}
	if (rc != 0) {
		sm_config_free(cfg);
		shutdown_loop(d); /* closes what was opened, for uv_run */
	}
	uv_run(&d->loop, UV_RUN_DEFAULT);

	/* Stopped: a load in flight has finished (uv_run waits for it). */
	if (d->clock_fd >= 0)
		close(d->clock_fd);
	int lrc = uv_loop_close(&d->loop);
	if (lrc != 0)
		log_error("event loop closed with handles open: %s",
			  uv_strerror(lrc));
	return rc ? rc : d->exit_code;
}

int
main(int argc, char **argv)
{
	const char *path = SM_CONFIG_DEFAULT_PATH;
	int check_only = 0, foreground = 0, c;
	static const struct option longopts[] = {
		{"check", no_argument, NULL, 'k'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	while ((c = getopt_long(argc, argv, "c:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'k':
			check_only = 1;
			break;
		case 'V':
			printf("smcald %s\n", SM_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* Whatever the caller's umask (make run, a container), the database,
	 * the event log and the lock are never readable or writable by
	 * others: they hold post bodies and webhook headers (tokens). */
	umask(027);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread exists (libuv's pool starts at the first
	 * reload), as libcurl requires. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct sm_config *cfg = NULL;
	struct sm_diag_list diags = {0};
	int rc = sm_config_load(path, &cfg, &diags);
	sm_diag_print(&diags, stderr);
	sm_diag_clear(&diags);
	if (rc < 0)
		return EXIT_CONFIG;
	if (check_only) {
		rc = check(cfg);
		if (check_state(cfg) > 0)
			rc = EXIT_CONFIG;
		sm_config_free(cfg);
		sm_calendar_zones_cleanup();
		return rc;
	}
	log_init(cfg->log_level, !foreground && getenv("JOURNAL_STREAM"));
	log_set_zone(sm_calendar_system_zone(cfg->timezone));
	/* What --check reports about secrets and locales stops a start too:
	 * exit 78, which the unit does not restart on. */
	sm_diag_clear(&diags);
	rc = log_host_check(cfg, &diags);
	sm_diag_clear(&diags);
	if (rc > 0) {
		log_error("%s: configuration errors above: smcald cannot run "
			  "with them",
			  path);
		sm_config_free(cfg);
		sm_calendar_zones_cleanup();
		curl_global_cleanup();
		return EXIT_CONFIG;
	}

	static struct daemon d;
	d.config_path = path;
	d.clock_fd = -1;
	d.firer.log_fd = -1;
	d.lock_fd = -1;
	d.control.fd = -1;
	rc = run(&d, cfg);
	control_fini(&d.control); /* after a failed start: the socket file */
	firer_close(&d.firer);
	sm_sched_free(d.sched);
	queued_free(&d.queue); /* after the scheduler that borrowed it */
	world_free(d.world);
	sm_store_close(d.store);
	if (d.lock_fd >= 0)
		close(d.lock_fd); /* the next daemon may take the state */
	log_set_zone(NULL);	  /* the zones go: log times in UTC from here */
	sm_calendar_zones_cleanup();
	sm_i18n_cleanup();
	curl_global_cleanup();
	return rc;
}
