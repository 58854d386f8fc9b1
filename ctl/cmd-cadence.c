/*
 * smctl cadence: the posting plan against the calendar (io.smcal.Cadence,
 * SPEC section 7): target, scheduled, published, gap and status per
 * platform and period, then the content mix and the guardrail warnings.
 * --json prints SPEC's object for each platform and period, one per line,
 * and nothing else.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "client.h"
#include "output.h"

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

static sm_time
instant(json_t *o, const char *key)
{
	sm_time t = 0;
	int off = 0, date_only = 0;
	if (sm_civil_parse(str(o, key), &t, &off, &date_only) < 0)
		return 0;
	return t;
}

static enum ctl_paint
status_paint(const char *s)
{
	if (strcmp(s, "behind") == 0)
		return CTL_BAD;
	if (strcmp(s, "short") == 0)
		return CTL_WARN;
	return CTL_GOOD;
}

static void
add_row(struct ctl_table *t, json_t *row, sm_time now, int *current)
{
	char period[48], n[4][16];
	int cur = instant(row, "start") <= now && now < instant(row, "end");
	*current |= cur;
	snprintf(period, sizeof(period), "%s%s", str(row, "period"),
		 cur ? " *" : "");
	static const char *const keys[] = {"target", "scheduled", "published",
					   "gap"};
	for (int i = 0; i < 4; i++)
		snprintf(n[i], sizeof(n[i]), "%lld", num(row, keys[i]));
	const char *status = str(row, "status");
	const char *cells[] = {
		str(row, "platform"), period, n[0], n[1], n[2], n[3], status};
	enum ctl_paint sp = status_paint(status);
	enum ctl_paint paint[] = {
		CTL_PLAIN, cur ? CTL_BOLD : CTL_PLAIN,
		CTL_PLAIN, CTL_PLAIN,
		CTL_PLAIN, num(row, "gap") > 0 ? sp : CTL_PLAIN,
		sp};
	ctl_table_row(t, cells, paint);
}

/* A share ("40.0%") or a drift ("+5.0 pts"); "-" for null. */
static const char *
decimal(json_t *v, int drift, char *buf, size_t len)
{
	if (!json_is_number(v))
		snprintf(buf, len, "-");
	else if (drift)
		snprintf(buf, len, "%+.1f pts", json_number_value(v));
	else
		snprintf(buf, len, "%.1f%%", json_number_value(v));
	return buf;
}

static void
print_mix(json_t *last)
{
	json_t *mix = json_object_get(last, "mix");
	char from[40], to[40];
	/* The window as local dates would need the zone's rules: its UTC
	 * instants say it without ambiguity. */
	printf("\n%scontent mix%s, %s to %s UTC: %lld post%s\n",
	       ctl_paint(CTL_BOLD), ctl_unpaint(),
	       ctl_when(str(last, "mix_from"), from, sizeof(from)),
	       ctl_when(str(last, "mix_to"), to, sizeof(to)),
	       num(last, "mix_posts"), num(last, "mix_posts") == 1 ? "" : "s");
	if (json_array_size(mix) == 0) {
		printf("  no posts and no [mix] targets\n");
		return;
	}
	static const char *const heads[] = {"TYPE",   "POSTS", "SHARE",
					    "TARGET", "DRIFT", NULL};
	struct ctl_table t;
	ctl_table_init(&t, 5, heads);
	t.right[1] = t.right[2] = t.right[3] = t.right[4] = 1;
	size_t i;
	json_t *m;
	json_array_foreach(mix, i, m)
	{
		char posts[16], share[16], target[16], drift[16];
		snprintf(posts, sizeof(posts), "%lld", num(m, "posts"));
		decimal(json_object_get(m, "share"), 0, share, sizeof(share));
		json_t *tg = json_object_get(m, "target");
		if (json_is_integer(tg))
			snprintf(target, sizeof(target), "%lld%%",
				 (long long)json_integer_value(tg));
		else
			snprintf(target, sizeof(target), "-");
		json_t *dv = json_object_get(m, "drift");
		decimal(dv, 1, drift, sizeof(drift));
		double d = json_is_number(dv) ? json_number_value(dv) : 0;
		const char *cells[] = {str(m, "type"), posts, share, target,
				       drift};
		enum ctl_paint paint[] = {
			CTL_PLAIN, CTL_PLAIN, CTL_PLAIN, CTL_PLAIN,
			d >= 10 || d <= -10 ? CTL_WARN : CTL_PLAIN};
		ctl_table_row(&t, cells, paint);
	}
	ctl_table_print(&t, stdout, 2);
}

static void
print_warnings(json_t *last)
{
	json_t *ws = json_object_get(last, "warnings");
	if (json_array_size(ws) == 0) {
		printf("\nguardrails: no post closer than min_spacing, no day "
		       "over daily_cap\n");
		return;
	}
	long long total = num(last, "warnings_total");
	if (total < (long long)json_array_size(ws))
		total = (long long)json_array_size(ws);
	printf("\n%sguardrails%s: %lld warning%s\n", ctl_paint(CTL_BOLD),
	       ctl_unpaint(), total, total == 1 ? "" : "s");
	size_t i;
	json_t *w;
	json_array_foreach(ws, i, w)
		printf("  %swarning%s: %s\n", ctl_paint(CTL_WARN),
		       ctl_unpaint(), str(w, "message"));
	if (total > (long long)json_array_size(ws))
		printf("  ... and %lld more\n",
		       total - (long long)json_array_size(ws));
}

static int
cadence_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, c;
	const char *period = NULL, *platform = NULL;
	long history = -1;
	static const struct option longopts[] = {
		{"period", required_argument, NULL, 'p'},
		{"history", required_argument, NULL, 'n'},
		{"platform", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'p':
			if (strcmp(optarg, "day") != 0 &&
			    strcmp(optarg, "week") != 0 &&
			    strcmp(optarg, "month") != 0) {
				fprintf(stderr,
					"smctl cadence: --period %s: day, "
					"week or month\n",
					optarg);
				return CTL_USAGE;
			}
			period = optarg;
			break;
		case 'n':
			history = strtol(optarg, &end, 10);
			if (*end || end == optarg || history < 0 ||
			    history > 1000) {
				fprintf(stderr,
					"smctl cadence: --history %s: a number "
					"of past periods from 0 to 1000\n",
					optarg);
				return CTL_USAGE;
			}
			break;
		case 'P':
			platform = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return ctl_help(&ctl_cmd_cadence);
		default:
			return ctl_usage(&ctl_cmd_cadence);
		}
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_cadence);
	json_t *params = json_object();
	if (period)
		json_object_set_new(params, "period", json_string(period));
	if (history >= 0)
		json_object_set_new(params, "history", json_integer(history));
	if (platform)
		json_object_set_new(params, "platform", json_string(platform));
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Cadence", params, 1);
	json_decref(params);
	static const char *const heads[] = {"PLATFORM",	 "PERIOD",    "TARGET",
					    "SCHEDULED", "PUBLISHED", "GAP",
					    "STATUS",	 NULL};
	struct ctl_table t;
	ctl_table_init(&t, 7, heads);
	t.right[2] = t.right[3] = t.right[4] = t.right[5] = 1;
	sm_time now = time(NULL);
	int current = 0;
	size_t rows = 0;
	json_t *last = NULL;
	struct sm_proto_reply r = {0};
	while (rc == CTL_OK) {
		rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		if (r.error) {
			rc = ctl_client_error("cadence", &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *row = json_object_get(r.parameters, "row");
		if (row) {
			rows++;
			if (json)
				ctl_json_line(row);
			else
				add_row(&t, row, now, &current);
		}
		int more = r.continues;
		if (!more)
			last = json_incref(r.parameters);
		sm_proto_reply_fini(&r);
		if (!more)
			break;
	}
	ctl_client_close(&cl);
	if (rc == CTL_OK && !json) {
		if (rows) {
			ctl_table_print(&t, stdout, 0);
			if (current)
				printf("* the current period (%s)\n",
				       str(last, "timezone"));
		} else {
			printf("no platform has a cadence (set cadence = "
			       "N/day, N/week or N/month in a "
			       "[platform:NAME] section)\n");
		}
		print_mix(last);
		print_warnings(last);
	}
	ctl_table_free(&t); /* when it was not printed */
	json_decref(last);
	if (rc != CTL_OK)
		return rc;
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_cadence = {
	.name = "cadence",
	.usage = "[--period day|week|month] [--history N] [--platform P] "
		 "[--json]",
	.summary = "compare the posting plan with the calendar, per platform",
	.help = "Asks smcald (io.smcal.Cadence), per platform with a cadence "
		"and period: the\n"
		"target, the posts scheduled (drafts included), published "
		"(marked done), the\n"
		"gap and the status: ok, short (fewer scheduled than the "
		"target) or behind\n"
		"(the current period, fewer published than its pro-rata "
		"target by now).\n"
		"Periods: the current one, [cadence] lookahead coming ones and "
		"--history past\n"
		"ones, in the configured zone.  Then the content mix over the "
		"current week\n"
		"and mix_window before it against [mix], and the guardrails: "
		"posts closer\n"
		"than a platform's min_spacing, days over its daily_cap.\n"
		"\n"
		"  --period UNIT  day, week (ISO weeks, or week_start) or "
		"month for every\n"
		"                 platform (default: each in its plan's unit); "
		"a plan in\n"
		"                 another unit is pro-rated by days\n"
		"  --history N    also the N past periods (default 0)\n"
		"  --platform P   only platform P (shown even without a "
		"cadence)\n"
		"  --json         one JSON object per platform and period per "
		"line: platform,\n"
		"                 period, start, end, target, scheduled, "
		"published, gap, status\n",
	.exec = cadence_exec,
};
