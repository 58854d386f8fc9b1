/*
 * world: everything one load produces: the config, each calendar's posts
 * and the series built from them.  A world is immutable once built; a
 * reload builds a new one (on the loader thread) and the loop swaps it in.
 * Calendars are shared between worlds by reference count, so a calendar
 * whose new version fails to load keeps serving its previous good version.
 */
#ifndef SMCALD_WORLD_H
#define SMCALD_WORLD_H

#include "calendar.h"
#include "config.h"
#include "occur.h"
#include "sign.h"

/*
 * A calendar's version in service.  origin says where it came from, for
 * the logs and `smctl status` ("loaded from /etc/smcal/content.ics at
 * 2026-12-01T08:00:00Z", "the last clean copy of 2026-11-30T17:02:11Z").
 */
struct loaded_calendar {
	int refs;
	struct sm_calendar cal;
	char origin[256];
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
	struct sm_series_set set;
	struct sm_occur_opts opts;
	size_t nposts;
	struct webhook_keys *keys;	/* parallel to cfg->webhooks */
	struct calendar_status *status; /* parallel to cals */
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

#endif
