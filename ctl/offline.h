/*
 * offline: what smctl's file commands share: the optional config, the zone
 * for floating times, and loading calendar files into series.
 */
#ifndef SM_CTL_OFFLINE_H
#define SM_CTL_OFFLINE_H

#include "config.h"
#include "ctl.h"
#include "occur.h"

struct offline {
	struct sm_config *cfg; /* the -c file's, or the defaults */
	struct sm_calendar cal;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_diag_list diags;
};

/*
 * Loads the config (when env names one), resolves zone_name (NULL: the
 * config's zone, UTC without config), then loads every file and indexes its
 * series.  Returns CTL_OK, or an exit code after printing why.
 */
int offline_load(struct offline *off, const struct ctl_env *env,
		 const char *zone_name, char **files, int nfiles);

/* Frees what offline_load built. */
void offline_fini(struct offline *off);

#endif
