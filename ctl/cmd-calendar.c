/*
 * smctl calendar: a week or a month of posts per day and platform in the
 * terminal (io.smcal.Grid), with each platform's plan: its periods' status
 * in the PLAN column, and on a terminal the days of short periods in
 * yellow, of a period behind in red.  A day of a daily plan that is short
 * is marked "!" too, so the grid reads the same without colour.  A month is
 * shown a week at a time.  --json prints the Grid reply as one object.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "output.h"

#define MAX_PLATFORMS (CTL_TABLE_MAX_COLS * 4)

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static long long
at(json_t *a, size_t i)
{
	return (long long)json_integer_value(json_array_get(a, i));
}

static enum ctl_paint
status_paint(const char *s)
{
	if (strcmp(s, "behind") == 0)
		return CTL_BAD;
	if (strcmp(s, "short") == 0)
		return CTL_WARN;
	return CTL_PLAIN;
}

/* The period (a CadenceRow) of platform k on a day, or NULL. */
static json_t *
period_of(json_t *grid, json_t *day, size_t k)
{
	long long idx = at(json_object_get(day, "periods"), k);
	return idx < 0 ? NULL
		       : json_array_get(json_object_get(grid, "periods"),
					(size_t)idx);
}

/*
 * The PLAN cell of platform k over days [a, b): a daily plan counts its
 * short days; a weekly or monthly plan shows each of its periods there as
 * "LABEL scheduled/target status".
 */
static enum ctl_paint
plan_cell(json_t *grid, json_t *days, size_t a, size_t b, size_t k, char *buf,
	  size_t len)
{
	enum ctl_paint worst = CTL_PLAIN;
	int daily = 0, shortd = 0, ndays = 0;
	json_t *seen[8];
	int nseen = 0;
	buf[0] = '\0';
	for (size_t d = a; d < b; d++) {
		json_t *row = period_of(grid, json_array_get(days, d), k);
		if (!row)
			continue;
		enum ctl_paint p = status_paint(str(row, "status"));
		if (p == CTL_BAD || (p == CTL_WARN && worst != CTL_BAD))
			worst = p;
		if (strlen(str(row, "period")) == 10) { /* a day */
			daily = 1;
			ndays++;
			shortd += strcmp(str(row, "status"), "ok") != 0;
			continue;
		}
		int dup = 0;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == row;
		if (dup || nseen == 8)
			continue;
		seen[nseen++] = row;
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s %lld/%lld %s", n ? ", " : "",
			 str(row, "period"), num(row, "scheduled"),
			 num(row, "target"), str(row, "status"));
	}
	if (daily)
		snprintf(buf, len, "%d of %d day%s short", shortd, ndays,
			 ndays == 1 ? "" : "s");
	return worst;
}

/* Prints days [a, b) of the grid as one table. */
static void
print_block(json_t *grid, size_t a, size_t b)
{
	json_t *names = json_object_get(grid, "platforms");
	json_t *days = json_object_get(grid, "days");
	size_t np = json_array_size(names), nd = b - a;
	if (nd > 7)
		nd = 7;
	char heads_buf[8][16];
	const char *heads[10];
	heads[0] = "PLATFORM";
	for (size_t d = 0; d < nd; d++) {
		json_t *day = json_array_get(days, a + d);
		const char *date = str(day, "date");
		const char *wd = str(day, "weekday");
		/* "Mon 30" */
		snprintf(heads_buf[d], sizeof(heads_buf[d]), "%c%.2s %s",
			 *wd ? *wd - 'a' + 'A' : ' ', *wd ? wd + 1 : "",
			 strlen(date) == 10 ? date + 8 : date);
		heads[1 + d] = heads_buf[d];
	}
	heads[1 + nd] = "PLAN";
	heads[2 + nd] = NULL;
	struct ctl_table t;
	/* CTL_TABLE_MAX_COLS is 8: a week needs 9 columns, so the plan goes
	 * on a line of its own below the grid. */
	ctl_table_init(&t, (int)(1 + nd), heads);
	for (size_t d = 0; d < nd; d++)
		t.right[1 + d] = 1;
	long long total[7] = {0};
	char plans[MAX_PLATFORMS][200];
	enum ctl_paint plan_paint[MAX_PLATFORMS];
	for (size_t k = 0; k < np && k < MAX_PLATFORMS; k++) {
		char cellbuf[7][16];
		const char *cells[8];
		enum ctl_paint paint[8];
		cells[0] = json_string_value(json_array_get(names, k));
		paint[0] = CTL_PLAIN;
		for (size_t d = 0; d < nd; d++) {
			json_t *day = json_array_get(days, a + d);
			long long n = at(json_object_get(day, "posts"), k);
			total[d] += n;
			json_t *row = period_of(grid, day, k);
			const char *status = row ? str(row, "status") : "ok";
			int daily = row && strlen(str(row, "period")) == 10;
			snprintf(cellbuf[d], sizeof(cellbuf[d]), "%s%s",
				 n ? "" : "·",
				 daily && strcmp(status, "ok") ? "!" : "");
			if (n)
				snprintf(cellbuf[d], sizeof(cellbuf[d]),
					 "%lld%s", n,
					 daily && strcmp(status, "ok") ? "!"
								       : "");
			cells[1 + d] = cellbuf[d];
			paint[1 + d] = status_paint(status);
		}
		ctl_table_row(&t, cells, paint);
		plan_paint[k] = plan_cell(grid, days, a, a + nd, k, plans[k],
					  sizeof(plans[k]));
	}
	long long other[7] = {0}, any_other = 0;
	for (size_t d = 0; d < nd; d++) {
		json_t *day = json_array_get(days, a + d);
		other[d] = num(day, "other");
		any_other += other[d];
	}
	char cellbuf[7][16];
	const char *cells[8];
	if (any_other) {
		cells[0] = "(other)";
		for (size_t d = 0; d < nd; d++) {
			snprintf(cellbuf[d], sizeof(cellbuf[d]), "%lld",
				 other[d]);
			if (!other[d])
				snprintf(cellbuf[d], sizeof(cellbuf[d]), "·");
			cells[1 + d] = cellbuf[d];
		}
		ctl_table_row(&t, cells, NULL);
	}
	ctl_table_print(&t, stdout, 0);
	/* The plan of each platform that has one, aligned under the grid. */
	size_t wname = 0;
	for (size_t k = 0; k < np && k < MAX_PLATFORMS; k++) {
		size_t l = strlen(json_string_value(json_array_get(names, k)));
		if (plans[k][0] && l > wname)
			wname = l;
	}
	for (size_t k = 0; k < np && k < MAX_PLATFORMS; k++) {
		if (!plans[k][0])
			continue;
		printf("plan %-*s  %s%s%s\n", (int)wname,
		       json_string_value(json_array_get(names, k)),
		       ctl_paint(plan_paint[k]), plans[k],
		       plan_paint[k] == CTL_PLAIN ? "" : ctl_unpaint());
	}
}

static void
print_grid(json_t *g)
{
	json_t *days = json_object_get(g, "days");
	printf("%s%s %s%s: %s to %s (%s)\n\n", ctl_paint(CTL_BOLD),
	       str(g, "period"), str(g, "label"), ctl_unpaint(),
	       str(g, "first_day"), str(g, "last_day"), str(g, "timezone"));
	size_t n = json_array_size(days);
	if (json_array_size(json_object_get(g, "platforms")) == 0)
		printf("no platforms configured ([platform:NAME] sections)\n");
	/* A week per table, each starting on the configured week_start (a
	 * month's first and last weeks may be shorter). */
	const char *ws = str(g, "week_start");
	size_t a = 0;
	while (a < n) {
		size_t b = a + 1;
		while (b < n && b - a < 7 &&
		       strcmp(str(json_array_get(days, b), "weekday"), ws) != 0)
			b++;
		print_block(g, a, b);
		a = b;
		if (a < n)
			printf("\n");
	}
	int marks = 0;
	json_t *row;
	size_t i;
	json_array_foreach(json_object_get(g, "periods"), i, row) marks |=
		strcmp(str(row, "status"), "ok") != 0;
	if (marks)
		printf("\nshort: fewer posts scheduled than the plan; behind: "
		       "fewer published than due by now%s\n",
		       ctl_color() ? "" : "; ! a short day of a daily plan");
}

static int
calendar_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, c;
	const char *period = NULL, *from = NULL, *platform = NULL;
	static const struct option longopts[] = {
		{"week", no_argument, NULL, 'w'},
		{"month", no_argument, NULL, 'm'},
		{"from", required_argument, NULL, 'f'},
		{"platform", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
		case 'm':
			if (period) {
				fprintf(stderr, "smctl calendar: --week or "
						"--month, not both\n");
				return CTL_USAGE;
			}
			period = c == 'w' ? "week" : "month";
			break;
		case 'f':
			from = optarg;
			break;
		case 'P':
			platform = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return ctl_help(&ctl_cmd_calendar);
		default:
			return ctl_usage(&ctl_cmd_calendar);
		}
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_calendar);
	json_t *params = json_object();
	if (period)
		json_object_set_new(params, "period", json_string(period));
	if (from)
		json_object_set_new(params, "from", json_string(from));
	if (platform)
		json_object_set_new(params, "platform", json_string(platform));
	struct sm_proto_reply r;
	int rc = ctl_call(env, "calendar", "io.smcal.Grid", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	if (json)
		ctl_json_line(r.parameters);
	else
		print_grid(r.parameters);
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_calendar = {
	.name = "calendar",
	.usage = "[--week | --month] [--from DATE] [--platform P] [--json]",
	.summary = "show a week or month of posts per day and platform",
	.help = "Asks smcald (io.smcal.Grid) for the posts of a week (the "
		"default) or a month,\n"
		"per day and platform, in the configured zone: non-cancelled "
		"posts, drafts\n"
		"included.  Under the grid, each platform's plan: the status of "
		"its periods\n"
		"(scheduled/target, ok, short or behind); on a terminal the "
		"days of a short\n"
		"period are yellow, of a period behind red, and a short day of "
		"a daily plan is\n"
		"marked !.  A month is shown a week at a time.\n"
		"\n"
		"  --week         the week holding --from (default)\n"
		"  --month        the month holding --from\n"
		"  --from DATE    YYYY-MM-DD, today, tomorrow, +3d or a time "
		"(default now)\n"
		"  --platform P   only platform P\n"
		"  --json         the grid as one JSON object\n",
	.exec = calendar_exec,
};
