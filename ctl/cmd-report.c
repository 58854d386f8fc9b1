/*
 * smctl report: posts published and their KPIs per group and period
 * (io.smcal.Metrics.Report, SPEC section 8).  --json prints the rows as
 * JSON Lines and --csv as CSV, with exactly the names SPEC gives; the
 * table for people shows rates as percentages and, per row, a bar of its
 * engagement against the group's best period, so the rows of a group read
 * as its trend.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "output.h"

/* Cells of the bar: eighths of a block, so a bar of BAR_CELLS shows
 * BAR_CELLS * 8 steps. */
#define BAR_CELLS 8

static const char *const eighths[] = {"",  "▏", "▎", "▍", "▌",
				      "▋", "▊", "▉", "█"};

/* A bar of v against max in buf. */
static void
bar(double v, double max, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!(max > 0) || v < 0)
		return;
	int steps = (int)lround(v / max * BAR_CELLS * 8);
	if (steps == 0 && v > 0)
		steps = 1; /* something, however little */
	size_t n = 0;
	for (; steps >= 8 && n + 4 < len; steps -= 8)
		n += (size_t)snprintf(buf + n, len - n, "%s", eighths[8]);
	if (steps > 0 && n + 4 < len)
		snprintf(buf + n, len - n, "%s", eighths[steps]);
}

static void
count_cell(const json_t *row, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(row, key);
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

static void
rate_cell(const json_t *row, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(row, key);
	if (json_is_number(v))
		snprintf(buf, len, "%.2f%%", json_number_value(v) * 100);
	else
		snprintf(buf, len, "-");
}

/* Whether two rows are of the same group. */
static int
same_group(const json_t *a, const json_t *b, const char *by)
{
	if (!by)
		return 1;
	const char *x = json_string_value(json_object_get(a, by));
	const char *y = json_string_value(json_object_get(b, by));
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* The rows as a table, with the bar of each row's engagement. */
static void
print_table(json_t *rows, const char *by)
{
	static const char *const heads[] = {
		"GROUP", "PERIOD", "POSTS", "IMPR.", "REACH", "ENGAGEMENT",
		"ENG.%", "CLICKS", "CTR",   "CONV.", "TREND", NULL};
	const char *h[12];
	memcpy(h, heads, sizeof(h));
	char group_head[32];
	if (by) {
		snprintf(group_head, sizeof(group_head), "%s", by);
		for (char *p = group_head; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		h[0] = group_head;
	}
	int skip = by ? 0 : 1; /* no group column without --by */
	struct ctl_table t;
	ctl_table_init(&t, 11 - skip, h + skip);
	for (int i = 2 - skip; i <= 9 - skip; i++)
		t.right[i] = 1;
	size_t n = json_array_size(rows);
	double max = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(rows, i);
		const char *group =
			by ? json_string_value(json_object_get(row, by)) : NULL;
		/* The group's best period, for the bar: rows come by group,
		 * so its rows are the run this one is in. */
		if (i == 0 ||
		    !same_group(json_array_get(rows, i - 1), row, by)) {
			max = 0;
			for (size_t k = i; k < n; k++) {
				json_t *o = json_array_get(rows, k);
				if (!same_group(o, row, by))
					break;
				json_t *e = json_object_get(o, "engagement");
				if (json_is_integer(e) &&
				    json_integer_value(e) > max)
					max = (double)json_integer_value(e);
			}
		}
		char posts[24], impr[24], reach[24], eng[24], er[24],
			clicks[24], ctr[24], conv[24], b[BAR_CELLS * 4 + 1];
		count_cell(row, "posts_published", posts, sizeof(posts));
		count_cell(row, "impressions", impr, sizeof(impr));
		count_cell(row, "reach", reach, sizeof(reach));
		count_cell(row, "engagement", eng, sizeof(eng));
		rate_cell(row, "engagement_rate", er, sizeof(er));
		count_cell(row, "clicks", clicks, sizeof(clicks));
		rate_cell(row, "ctr", ctr, sizeof(ctr));
		count_cell(row, "conversions", conv, sizeof(conv));
		json_t *e = json_object_get(row, "engagement");
		bar(json_is_integer(e) ? (double)json_integer_value(e) : -1,
		    max, b, sizeof(b));
		const char *cells[] = {
			group ? group
			: by  ? "(none)"
			      : "",
			json_string_value(json_object_get(row, "period")),
			posts,
			impr,
			reach,
			eng,
			er,
			clicks,
			ctr,
			conv,
			b};
		enum ctl_paint paint[11] = {0};
		paint[10] = CTL_GOOD;
		ctl_table_row(&t, cells + skip, paint + skip);
	}
	ctl_table_print(&t, stdout, 0);
}

static int
report_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, csv = 0, c;
	const char *period = NULL, *by = NULL, *from = NULL, *to = NULL;
	static const struct option longopts[] = {
		{"period", required_argument, NULL, 'p'},
		{"by", required_argument, NULL, 'b'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			period = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
			break;
		default:
			return ctl_usage(&ctl_cmd_report);
		}
	}
	if (optind < argc || (json && csv))
		return ctl_usage(&ctl_cmd_report);
	static const char *const periods[] = {"day", "week", "month", NULL};
	static const char *const groups[] = {"platform", "type", "persona",
					     "campaign", NULL};
	const char *const *lists[2] = {periods, groups};
	const char *vals[2] = {period, by}, *opt[2] = {"--period", "--by"};
	for (int i = 0; i < 2; i++) {
		if (!vals[i])
			continue;
		int ok = 0;
		for (int k = 0; lists[i][k]; k++)
			ok |= strcmp(vals[i], lists[i][k]) == 0;
		if (!ok) {
			fprintf(stderr, "smctl report: %s %s: expected %s\n",
				opt[i], vals[i],
				i ? "platform, type, persona or campaign"
				  : "week, month or day");
			return CTL_USAGE;
		}
	}
	json_t *params = json_object();
	if (period)
		json_object_set_new(params, "period", json_string(period));
	if (by)
		json_object_set_new(params, "by", json_string(by));
	if (from)
		json_object_set_new(params, "from", json_string(from));
	if (to)
		json_object_set_new(params, "to", json_string(to));
	if (csv)
		json_object_set_new(params, "csv", json_true());
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Metrics.Report", params, 1);
	json_decref(params);
	json_t *rows = json_array();
	struct sm_proto_reply r = {0};
	while (rc == CTL_OK) {
		rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		if (r.error) {
			rc = ctl_client_error("report", &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *row = json_object_get(r.parameters, "row");
		const char *line =
			json_string_value(json_object_get(r.parameters, "csv"));
		if (line)
			fputs(line, stdout);
		else if (row && json)
			ctl_json_line(row);
		else if (row)
			json_array_append(rows, row);
		int more = r.continues;
		sm_proto_reply_fini(&r);
		if (!more)
			break;
	}
	ctl_client_close(&cl);
	if (rc == CTL_OK && !json && !csv) {
		if (json_array_size(rows))
			print_table(rows, by);
		else
			printf("no posts published in this range\n");
	}
	json_decref(rows);
	if (rc != CTL_OK)
		return rc;
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_report = {
	.name = "report",
	.usage = "[--period week|month|day] [--by "
		 "platform|type|persona|campaign]\n"
		 "                    [--from T] [--to T] [--json | --csv]",
	.summary = "KPIs of published posts per period and group",
	.help = "Per group (--by) and period: posts published (marked done "
		"or with values),\n"
		"impressions, reach, engagement, engagement_rate (engagement "
		"/ reach, or\n"
		"impressions without reach), clicks, ctr (clicks / "
		"impressions, or reach),\n"
		"conversions, and the best posts.  A sum is - (null) when no "
		"post had the\n"
		"metric, a rate when its denominator is zero.  Every group "
		"gets every\n"
		"period, so a group's rows show its trend; the bar compares "
		"each row's\n"
		"engagement with the group's best period.\n"
		"\n"
		"  --period P  week (default, ISO weeks in the configured "
		"zone), month or day\n"
		"  --by G      platform, type, persona or campaign (default: "
		"all posts)\n"
		"  --from T    first publish time counted: a date, "
		"\"YYYY-MM-DD HH:MM\",\n"
		"              RFC 3339, -4w (default: the start of the "
		"period three\n"
		"              periods before the current one)\n"
		"  --to T      end, excluded (a date counts whole; default: "
		"the end of the\n"
		"              current period)\n"
		"  --json      one JSON object per row per line\n"
		"  --csv       CSV with a header line\n",
	.exec = report_exec,
};
