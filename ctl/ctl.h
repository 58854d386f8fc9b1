/*
 * ctl: smctl, the command line.  Commands are data: each cmd-*.c file
 * defines one struct ctl_cmd; smctl.c holds the table and dispatches.
 * Offline commands (lint, expand) read files and need no daemon; online
 * ones (status, add, list, show, cancel, done, next, export, reload,
 * deliveries, retry) call smcald's control socket
 * through client.c and print through output.c.
 */
#ifndef SM_CTL_H
#define SM_CTL_H

#include <stdio.h>

/* Exit codes of SPEC section 6. */
enum {
	CTL_OK = 0,
	CTL_FAILED = 1,
	CTL_USAGE = 2,
	CTL_UNREACHABLE = 69,
	CTL_CONFIG = 78,
};

struct ctl_env {
	const char *config_path; /* -c FILE, or NULL */
	const char *socket_path; /* -s PATH or SMCAL_SOCKET, or NULL */
	int socket_from_env;	 /* socket_path is SMCAL_SOCKET's */
};

struct ctl_cmd {
	const char *name;
	const char *usage;
	const char *summary;
	/* What `smctl NAME --help` adds after the usage line and summary:
	 * options, defaults, examples (or NULL). */
	const char *help;
	/* Runs with argv[0] the command name; returns an exit code.  smctl
	 * has already taken -c FILE and --help out of argv. */
	int (*exec)(const struct ctl_env *env, int argc, char **argv);
};

extern const struct ctl_cmd ctl_cmd_lint;
extern const struct ctl_cmd ctl_cmd_expand;
extern const struct ctl_cmd ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_reload;
extern const struct ctl_cmd ctl_cmd_deliveries;
extern const struct ctl_cmd ctl_cmd_retry;
extern const struct ctl_cmd ctl_cmd_add;
extern const struct ctl_cmd ctl_cmd_list;
extern const struct ctl_cmd ctl_cmd_show;
extern const struct ctl_cmd ctl_cmd_cancel;
extern const struct ctl_cmd ctl_cmd_done;
extern const struct ctl_cmd ctl_cmd_next;
extern const struct ctl_cmd ctl_cmd_export;
extern const struct ctl_cmd ctl_cmd_cadence;
extern const struct ctl_cmd ctl_cmd_calendar;
extern const struct ctl_cmd ctl_cmd_metric;
extern const struct ctl_cmd ctl_cmd_report;
extern const struct ctl_cmd ctl_cmd_goals;

/* smctl metric import (cmd-metric-import.c), argv[0] "import". */
int ctl_metric_import(const struct ctl_env *env, int argc, char **argv);

/* Prints "usage: smctl CMD ..." to stderr and returns CTL_USAGE. */
int ctl_usage(const struct ctl_cmd *cmd);

/* Prints the command's usage, summary and help to stdout; returns CTL_OK. */
int ctl_help(const struct ctl_cmd *cmd);

#endif
