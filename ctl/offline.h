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
	const char *zone_name; /* the name opts.zone was found by */
	struct sm_calendar cal;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_diag_list diags;
	int unreadable; /* files that could not be opened or read */
};

/*
 * Loads the config (when env names one) and resolves zone_name (NULL: the
 * config's zone, UTC without config).  Returns CTL_OK, or an exit code after
 * printing why; offline_fini is due either way.
 */
int offline_open(struct offline *off, const struct ctl_env *env,
		 const char *zone_name);

/*
 * Loads every file (problems, an unreadable file among them, go to
 * off->diags; off->unreadable counts the files that could not be read) and
 * indexes the series.
 */
void offline_read(struct offline *off, char **files, int nfiles);

/* offline_open, then offline_read when it succeeded. */
int offline_load(struct offline *off, const struct ctl_env *env,
		 const char *zone_name, char **files, int nfiles);

/* Frees what offline_open and offline_read built. */
void offline_fini(struct offline *off);

#endif
