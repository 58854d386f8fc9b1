/*
 * offline: loading for smctl's file commands.
 */
#include "offline.h"

#include <string.h>

int
offline_open(struct offline *off, const struct ctl_env *env,
	     const char *zone_name)
{
	memset(off, 0, sizeof(*off));
	sm_calendar_init(&off->cal, "main");
	if (env->config_path) {
		struct sm_diag_list cd = {0};
		if (sm_config_load(env->config_path, &off->cfg, &cd) < 0) {
			sm_diag_print(&cd, stderr);
			sm_diag_clear(&cd);
			return CTL_CONFIG;
		}
		sm_diag_clear(&cd);
	} else {
		off->cfg = sm_config_defaults();
	}
	const char *zn = zone_name ? zone_name : off->cfg->timezone;
	off->zone_name = zn ? zn : "UTC";
	off->opts.zone = sm_calendar_system_zone(off->zone_name);
	if (!off->opts.zone) {
		fprintf(stderr,
			"smctl: unknown time zone '%s' (use an IANA "
			"name such as Europe/Paris)\n",
			off->zone_name);
		return CTL_USAGE;
	}
	return CTL_OK;
}

void
offline_read(struct offline *off, char **files, int nfiles)
{
	for (int i = 0; i < nfiles; i++)
		if (sm_calendar_load_file(&off->cal, files[i], &off->diags) < 0)
			off->unreadable++;
	sm_occur_index(&off->set, &off->cal, &off->opts, &off->diags);
}

int
offline_load(struct offline *off, const struct ctl_env *env,
	     const char *zone_name, char **files, int nfiles)
{
	int rc = offline_open(off, env, zone_name);
	if (rc == CTL_OK)
		offline_read(off, files, nfiles);
	return rc;
}

void
offline_fini(struct offline *off)
{
	sm_occur_set_free(&off->set);
	sm_calendar_fini(&off->cal);
	sm_diag_clear(&off->diags);
	sm_config_free(off->cfg);
	memset(off, 0, sizeof(*off));
}
