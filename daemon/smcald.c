/*
 * smcald: the daemon's entry point.  This first version validates: it reads
 * the config and every calendar it names and reports what it found; the
 * event loop comes with the scheduler.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "occur.h"

#define EXIT_CONFIG 78

static void
usage(FILE *out)
{
	fprintf(out, "usage: smcald [-c CONFIG] [-f] [--check] [--version]\n");
}

/* Loads every calendar of the config; returns the number of errors. */
static size_t
check_calendars(const struct sm_config *cfg)
{
	size_t errors = 0;
	const struct sm_tz *zone = sm_calendar_system_zone(cfg->timezone);
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		const struct sm_calendar_conf *cc = &cfg->calendars[i];
		struct sm_calendar cal;
		struct sm_diag_list d = {0};
		struct sm_series_set set = {0};
		struct sm_occur_opts opts = {zone,
					     (sm_time)cfg->allday_time * 60};
		sm_calendar_init(&cal, cc->name);
		if (sm_calendar_load_file(&cal, cc->path, &d) == 0)
			sm_occur_index(&set, &cal, &opts, &d);
		sm_diag_print(&d, stderr);
		fprintf(stderr, "calendar %s: %s: %zu posts in %zu series\n",
			cc->name, cc->path, cal.nposts, set.n);
		errors += d.nerrors;
		sm_occur_set_free(&set);
		sm_diag_clear(&d);
		sm_calendar_fini(&cal);
	}
	return errors;
}

int
main(int argc, char **argv)
{
	const char *path = SM_CONFIG_DEFAULT_PATH;
	int check = 0, c;
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
			break;
		case 'k':
			check = 1;
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
	struct sm_config *cfg = NULL;
	struct sm_diag_list d = {0};
	int rc = sm_config_load(path, &cfg, &d);
	sm_diag_print(&d, stderr);
	sm_diag_clear(&d);
	if (rc < 0)
		return EXIT_CONFIG;
	size_t errors = check_calendars(cfg);
	sm_config_free(cfg);
	sm_calendar_zones_cleanup();
	if (errors)
		return EXIT_CONFIG;
	if (check)
		return 0;
	fprintf(stderr, "smcald: configuration and calendars are valid; the "
			"scheduler loop is not part of this build yet\n");
	return 1;
}
