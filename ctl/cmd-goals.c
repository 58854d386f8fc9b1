/*
 * smctl goals: each SMART goal's current value, the value expected on its
 * straight path, the value projected at its deadline and its status
 * (io.smcal.Metrics.Goals, SPEC section 8).  On a terminal the progress
 * towards the target is a bar; --json prints one goal per line.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "output.h"

#define BAR_CELLS 10

static int
is_rate(const char *metric)
{
	return metric && (strcmp(metric, "engagement_rate") == 0 ||
			  strcmp(metric, "ctr") == 0 ||
			  strcmp(metric, "conversion_rate") == 0);
}

/* A goal's number: rates as percentages, counts whole or with one
 * decimal (a projection), null as "-". */
static void
number(const json_t *v, const char *metric, char *buf, size_t len)
{
	if (!json_is_number(v)) {
		snprintf(buf, len, "-");
		return;
	}
	double x = json_number_value(v);
	if (is_rate(metric))
		snprintf(buf, len, "%.2f%%", x * 100);
	else if (fabs(x - round(x)) < 0.05)
		snprintf(buf, len, "%.0f", x);
	else
		snprintf(buf, len, "%.1f", x);
}

static enum ctl_paint
status_paint(const char *s)
{
	if (strcmp(s, "on_track") == 0 || strcmp(s, "achieved") == 0)
		return CTL_GOOD;
	return CTL_BAD;
}

/* "██████░░░░ 60%" on a terminal, "60%" elsewhere. */
static void
progress(const json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v)) {
		snprintf(buf, len, "-");
		return;
	}
	double p = json_number_value(v);
	if (!isatty(STDOUT_FILENO)) {
		snprintf(buf, len, "%.0f%%", p * 100);
		return;
	}
	double c = p < 0 ? 0 : p > 1 ? 1 : p;
	int full = (int)lround(c * BAR_CELLS);
	size_t n = 0;
	for (int i = 0; i < BAR_CELLS && n + 4 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s",
				      i < full ? "█" : "░");
	snprintf(buf + n, len - n, " %.0f%%", p * 100);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void
print_table(const json_t *goals)
{
	static const char *const heads[] = {"GOAL",	"METRIC",   "PLATFORM",
					    "VALUE",	"EXPECTED", "PROJECTED",
					    "TARGET",	"DEADLINE", "STATUS",
					    "PROGRESS", NULL};
	struct ctl_table t;
	ctl_table_init(&t, 10, heads);
	for (int i = 3; i <= 6; i++)
		t.right[i] = 1;
	size_t i;
	json_t *g;
	json_array_foreach(goals, i, g)
	{
		const char *metric = str(g, "metric");
		char value[32], expected[32], projected[32], target[32],
			bar[BAR_CELLS * 3 + 16];
		number(json_object_get(g, "value"), metric, value,
		       sizeof(value));
		number(json_object_get(g, "expected"), metric, expected,
		       sizeof(expected));
		number(json_object_get(g, "projected"), metric, projected,
		       sizeof(projected));
		number(json_object_get(g, "target"), metric, target,
		       sizeof(target));
		progress(json_object_get(g, "progress"), bar, sizeof(bar));
		const char *status = str(g, "status");
		const char *cells[] = {str(g, "name"),
				       metric,
				       str(g, "platform"),
				       value,
				       expected,
				       projected,
				       target,
				       str(g, "deadline"),
				       status,
				       bar};
		enum ctl_paint paint[10] = {0};
		paint[8] = status_paint(status);
		ctl_table_row(&t, cells, paint);
	}
	ctl_table_print(&t, stdout, 0);
}

static int
goals_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, c;
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'j')
			return ctl_usage(&ctl_cmd_goals);
		json = 1;
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_goals);
	struct sm_proto_reply r;
	int rc = ctl_call(env, "goals", "io.smcal.Metrics.Goals", NULL, &r);
	if (rc != CTL_OK)
		return rc;
	const json_t *goals = json_object_get(r.parameters, "goals");
	const json_t *problems = json_object_get(r.parameters, "problems");
	size_t i;
	json_t *g;
	if (json) {
		json_array_foreach(goals, i, g) ctl_json_line(g);
	} else if (json_array_size(goals)) {
		print_table(goals);
	} else if (!json_array_size(problems)) {
		printf("no goals: add a [goal:NAME] section to the "
		       "configuration\n");
	}
	json_array_foreach(problems, i, g)
		fprintf(stderr, "smctl goals: %s\n", json_string_value(g));
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_goals = {
	.name = "goals",
	.usage = "[--json]",
	.summary = "where each SMART goal stands",
	.help = "Per [goal:NAME] of the configuration: its current value, "
		"the value expected\n"
		"on the straight line from baseline at start to target at "
		"deadline, the\n"
		"value projected at the deadline from the current pace, and "
		"its status:\n"
		"on_track, off_track (more than tolerance below its path), "
		"achieved or\n"
		"missed.  Rates are shown as percentages; on a terminal, "
		"PROGRESS is a bar\n"
		"from the baseline (empty) to the target (full).\n"
		"\n"
		"  --json  one JSON object per goal per line\n",
	.exec = goals_exec,
};
