/*
 * smctl: global options, the command table and dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "ctl.h"

static const struct ctl_cmd *const commands[] = {
	&ctl_cmd_status,  &ctl_cmd_add,	       &ctl_cmd_list,  &ctl_cmd_show,
	&ctl_cmd_cancel,  &ctl_cmd_done,       &ctl_cmd_next,  &ctl_cmd_export,
	&ctl_cmd_reload,  &ctl_cmd_deliveries, &ctl_cmd_retry, &ctl_cmd_metric,
	&ctl_cmd_report,  &ctl_cmd_goals,      &ctl_cmd_lint,  &ctl_cmd_expand,
	&ctl_cmd_cadence, &ctl_cmd_calendar,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int
ctl_usage(const struct ctl_cmd *cmd)
{
	fprintf(stderr, "usage: smctl %s %s\n(smctl %s --help for more)\n",
		cmd->name, cmd->usage, cmd->name);
	return CTL_USAGE;
}

int
ctl_help(const struct ctl_cmd *cmd)
{
	printf("usage: smctl [-c CONFIG] [-s SOCKET] %s %s\n\n%s.\n", cmd->name,
	       cmd->usage, cmd->summary);
	if (cmd->help)
		printf("\n%s", cmd->help);
	return CTL_OK;
}

/*
 * Options every command takes anywhere after its name (before "--"):
 * -c FILE (also --config FILE, --config=FILE) names the config as before the
 * command, and -h or --help prints the command's help.  They are taken out
 * of argv so the command's own parser never sees them.  Returns 1 when help
 * was asked for, -1 when -c lacks its FILE, else 0.
 */
static int
take_common(struct ctl_env *env, int *argc, char **argv)
{
	int help = 0, n = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= *argc)
				return -1;
			env->config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			env->config_path = a + 9;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help = 1;
		} else {
			argv[n++] = argv[i];
		}
	}
	*argc = n;
	argv[n] = NULL;
	return help;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: smctl [-c CONFIG] [-s SOCKET] COMMAND [ARGS]\n"
		     "\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-11s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out,
		"\noptions:\n"
		"  -c CONFIG   read the socket path from this config file\n"
		"  -s SOCKET   talk to smcald on this socket (also "
		"SMCAL_SOCKET)\n"
		"  --help      this text; smctl COMMAND --help for a "
		"command's\n"
		"  --version   smctl's version\n"
		"\nexit codes: 0 ok, 1 failed, 2 usage, 69 daemon "
		"unreachable, 78 configuration error\n");
}

int
main(int argc, char **argv)
{
	struct ctl_env env = {0};
	env.socket_path = getenv("SMCAL_SOCKET");
	if (env.socket_path && !*env.socket_path)
		env.socket_path = NULL;
	env.socket_from_env = env.socket_path != NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "-s") == 0) &&
		    i + 1 < argc) {
			if (argv[i][1] == 'c') {
				env.config_path = argv[++i];
			} else {
				env.socket_path = argv[++i];
				env.socket_from_env = 0;
			}
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CTL_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("smctl %s\n", SM_VERSION);
			return CTL_OK;
		} else {
			usage(stderr);
			return CTL_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (size_t k = 0; k < NCOMMANDS; k++) {
		if (strcmp(commands[k]->name, argv[i]) == 0) {
			int cargc = argc - i;
			int common = take_common(&env, &cargc, argv + i);
			if (common < 0)
				return ctl_usage(commands[k]);
			if (common > 0)
				return ctl_help(commands[k]);
			int rc = commands[k]->exec(&env, cargc, argv + i);
			sm_calendar_zones_cleanup();
			return rc;
		}
	}
	fprintf(stderr, "smctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return CTL_USAGE;
}
