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

struct loaded_calendar {
	int refs;
	struct sm_calendar cal;
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
	struct webhook_keys *keys; /* parallel to cfg->webhooks */
};

/*
 * Builds a world for cfg (taking ownership of it), loading every calendar
 * it names.  A calendar that cannot be read, has errors or is cut short is
 * taken from prev when prev has one of that name (and the failure is
 * logged), else loaded as far as it goes.  Returns NULL only when the
 * config's time zone is unknown.  When *cancel becomes nonzero (the daemon
 * is stopping; cancel may be NULL) the load stops within a line of
 * calendar text and the world it returns is incomplete: free it, never
 * serve it.
 */
struct world *world_build(struct sm_config *cfg, const struct world *prev,
			  const atomic_int *cancel);

/*
 * Builds a world with prev's config (shared) and its calendars read again:
 * a calendar save while the config file has an error still takes effect.
 * cancel as for world_build.
 */
struct world *world_rebuild(const struct world *prev, const atomic_int *cancel);

/* Releases a world and the calendars no other world uses; NULL no-op. */
void world_free(struct world *w);

#endif
