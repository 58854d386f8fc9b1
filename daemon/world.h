/*
 * world: everything one load produces: the config, each calendar's posts
 * and the series built from them.  A world is immutable once built (but
 * for `handles`, which the loop fills when it schedules the world); a
 * reload builds a new one (on the loader thread) and the loop swaps it in.
 * Calendars are shared between worlds by reference count, so a calendar
 * whose new version fails to load keeps serving its previous good version,
 * and a calendar whose file and section did not change is not read again.
 *
 * Reloads cost what changed.  A load shares with the previous world every
 * calendar whose file is the one it read (same device, inode, size and
 * mtime, or else the same content hash) under the same path and timezone
 * in its section, and the series indexed from it when the daemon's
 * timezone and allday_time are the same (struct calendar_index).  The
 * world's set holds copies of the shared series (the same override
 * arrays), and world_schedule_swap moves the scheduler's series of a
 * shared calendar onto them (sm_sched_rebind) instead of scheduling them
 * again: only the series of calendars read again are removed and added.
 */
#ifndef SMCALD_WORLD_H
#define SMCALD_WORLD_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "occur.h"
#include "sched.h"
#include "sign.h"

/* The file a calendar version was read from, as it was when it was read:
 * the next load compares it to tell an unchanged file. */
struct file_id {
	int valid; /* the file did not change while it was read */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int64_t read_ns;  /* CLOCK_REALTIME when its content was read (or
			     last found unchanged by its hash) */
	uint64_t hash[2]; /* of the content read */
};

/*
 * A calendar's version in service.  origin says where it came from, for
 * the logs and `smctl status` ("loaded from /etc/smcal/content.ics at
 * 2026-12-01T08:00:00Z", "the last clean copy of 2026-11-30T17:02:11Z").
 * path, zone and id (set for a version read cleanly from its file) are
 * what the next load compares; only loads (one at a time, on the loader
 * thread) read or update them.
 */
struct loaded_calendar {
	int refs;
	struct sm_calendar cal;
	char origin[256];
	char *path, *zone; /* its section's path and timezone, or NULL */
	struct file_id id;
};

/*
 * The series of one calendar version indexed under one set of options:
 * shared by reference count between the worlds that serve that version
 * with those options.  Each of those worlds holds copies of the series in
 * its set, at first[i] (the override arrays are shared, freed with the
 * last reference).
 */
struct calendar_index {
	int refs;
	struct loaded_calendar *lc; /* holds a reference */
	struct sm_occur_opts opts;
	size_t n; /* series */
};

/* What a world serves for one calendar, and why. */
enum calendar_served {
	CAL_SERVED_FILE,     /* its file, loaded cleanly */
	CAL_SERVED_PREVIOUS, /* the file did not load cleanly: the version
				served before stays */
	CAL_SERVED_COPY,     /* the file did not load cleanly and nothing was
				served before (a start): the last clean copy
				kept in state_dir */
	CAL_SERVED_PARTIAL,  /* no clean version anywhere: what loaded of the
				broken file */
	CAL_NOT_SERVED,	     /* nothing at all loaded */
};

#define CAL_MAX_MESSAGES 10

struct calendar_status {
	enum calendar_served served;
	/* One line for the log, sd_notify STATUS and `smctl status`: what is
	   served and, when it is not the file, why ("served from the last
	   clean copy of 2026-11-30T17:02:11Z (214 posts): content.ics:0: file
	   is empty: ..."). */
	char text[640];
	int name_errors; /* posts naming a webhook the config lacks */
	/* The load's problems, for io.smcal.Status and Reload: counts, and
	   the first errors as "file:line: message" (owned). */
	size_t errors, warnings;
	char *messages[CAL_MAX_MESSAGES];
	size_t nmessages;
};

/* A webhook's signing keys: `secret`, then each line of `secret_file`
 * (several keys sign with several signatures: rotation). */
struct webhook_keys {
	struct sm_sign_key keys[SM_SIGN_MAX_SECRETS];
	int n;
	int broken; /* a secret was configured but could not be read: hold
		       deliveries rather than send them unsigned */
};

struct world {
	struct sm_config *cfg; /* shared by reference count: a reload whose
				  config has errors keeps the running one */
	int *cfg_refs;
	struct loaded_calendar **cals;
	size_t ncals;
	/* Every calendar's series, calendar after calendar: cals[i]'s are
	 * set.series[first[i]] to set.series[first[i] + idx[i]->n - 1]. */
	struct sm_series_set set;
	struct sm_occur_opts opts;
	size_t nposts;
	struct webhook_keys *keys;	/* parallel to cfg->webhooks */
	struct calendar_status *status; /* parallel to cals */
	struct calendar_index **idx;	/* parallel to cals */
	size_t *first;			/* parallel to cals */
	/* The scheduler's handle of each series of set, filled on the loop
	 * by world_schedule and world_schedule_swap. */
	size_t *handles;
	size_t nread; /* calendars read (the rest were shared) */
};

/*
 * Builds a world for cfg (taking ownership of it), loading every calendar
 * it names.  Each file is copied into <state_dir>/calendars and loaded from
 * that copy, so what is parsed is exactly what is kept: a clean load
 * replaces the calendar's last clean copy (<name>.ics, 0640, written to a
 * temporary file, fsynced and renamed).  A calendar that cannot be read,
 * has errors or is cut short is taken from prev when prev has one of that
 * name, else from its last clean copy, else loaded as far as it goes; each
 * case is logged at error level and recorded in the world's status.
 * Returns NULL only when the config's time zone is unknown.  When *cancel
 * becomes nonzero (the daemon is stopping; cancel may be NULL) the load
 * stops within a line of calendar text, keeps no copy, and the world it
 * returns is incomplete: free it, never serve it.
 */
struct world *world_build(struct sm_config *cfg, const struct world *prev,
			  const atomic_int *cancel);

/*
 * Builds a world with prev's config (shared), its webhook keys (not read
 * again) and its calendars read again: a calendar save while the config
 * file, or a secret file, has an error still takes effect.  cancel as for
 * world_build.
 */
struct world *world_rebuild(const struct world *prev, const atomic_int *cancel);

/* The number of calendars not served from their file (status not
 * CAL_SERVED_FILE). */
size_t world_problems(const struct world *w);

/* The spelling of what is served, for io.smcal.Status: "ok" (the file),
 * "previous", "copy", "errors" (what loaded of a broken file) or
 * "unreadable" (nothing served). */
const char *world_cal_state_name(enum calendar_served served);

/* Releases a world and the calendars no other world uses; NULL no-op. */
void world_free(struct world *w);

/*
 * Loads every series of w into s in place of what s held, under w's
 * config, producing events at or after from (sm_sched_load), and records
 * their handles.  Any other series of s (the queue's) is gone: schedule
 * them again.  Runs on the loop.
 */
void world_schedule(struct world *w, struct sm_sched *s, sm_time from);

/*
 * Puts w's calendars into s in place of prev's (which s holds, scheduled
 * by world_schedule or this function): the series of the calendars w
 * shares with prev (the same struct calendar_index) keep their state and
 * handles (sm_sched_rebind), prev's other series are removed and w's other
 * series added with events at or after from; s then borrows w's config.
 * Returns 0 then: any other series of s (the queue's) is untouched.  When
 * the configs schedule differently (sm_sched_config_equal) or the options
 * of floating times differ, it calls world_schedule instead and returns 1:
 * the other series are gone and must be scheduled again.  prev may be
 * freed afterwards.  Runs on the loop.
 */
int world_schedule_swap(struct world *w, const struct world *prev,
			struct sm_sched *s, sm_time from);

#endif
