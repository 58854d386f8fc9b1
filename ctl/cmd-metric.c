/*
 * smctl metric: what a published post achieved (io.smcal.Metrics.Record),
 * `smctl metric ID name=N ... [--at T] [--occurrence RID]`, or a
 * platform's followers on a day (`smctl metric followers=N --platform P`);
 * and `smctl metric import FILE.csv --platform P ...`, a platform's CSV
 * export (cmd-metric-import.c).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "csv.h"
#include "output.h"

/* The values as the daemon reports them, in lib/kpi's order. */
static const char *const names[] = {
	"impressions", "reach", "engagement", "likes",	     "comments",
	"shares",      "saves", "clicks",     "conversions", NULL,
};

static void
print_record(const json_t *r)
{
	const char *s;
	json_t *followers = json_object_get(r, "followers");
	if (followers) {
		printf("followers of %s on %s: %lld\n",
		       json_string_value(json_object_get(r, "platform")),
		       json_string_value(json_object_get(r, "day")),
		       (long long)json_integer_value(followers));
	} else {
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *occ =
			json_string_value(json_object_get(r, "occurrence"));
		const char *title =
			json_string_value(json_object_get(r, "title"));
		printf("%s%s%s", ctl_paint(CTL_BOLD), id ? id : "?",
		       ctl_unpaint());
		if (occ)
			printf(" %s", occ);
		if (title)
			printf(" \"%s\"", title);
		printf("\n");
		json_t *v = json_object_get(r, "values");
		for (int k = 0; names[k]; k++) {
			json_t *n = json_object_get(v, names[k]);
			if (n)
				printf("  %-12s %lld\n", names[k],
				       (long long)json_integer_value(n));
		}
	}
	if (!json_is_true(json_object_get(r, "changed")) &&
	    (s = json_string_value(json_object_get(r, "at"))))
		printf("%snote: newer values were already recorded: this one "
		       "(as of %s) is kept in the history only%s\n",
		       ctl_paint(CTL_WARN), s, ctl_unpaint());
}

/* Reads "name=N" into values; returns 0, or CTL_USAGE after saying why. */
static int
add_value(json_t *values, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		fprintf(stderr,
			"smctl metric: \"%s\": expected name=N (such as "
			"reach=1200)\n",
			arg);
		return CTL_USAGE;
	}
	char name[64];
	size_t n = (size_t)(eq - arg);
	if (n >= sizeof(name)) {
		fprintf(stderr, "smctl metric: \"%s\": no such metric\n", arg);
		return CTL_USAGE;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	int64_t v;
	char err[256];
	int rc = sm_csv_parse_count(eq + 1, &v, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "smctl metric: %s: %s\n", name,
			rc > 0 ? "no value after '='" : err);
		return CTL_USAGE;
	}
	if (json_object_get(values, name)) {
		fprintf(stderr, "smctl metric: %s is given twice\n", name);
		return CTL_USAGE;
	}
	json_object_set_new(values, name, json_integer(v));
	return CTL_OK;
}

static int
metric_exec(const struct ctl_env *env, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return ctl_metric_import(env, argc - 1, argv + 1);
	int json = 0, c;
	const char *at = NULL, *occurrence = NULL, *platform = NULL;
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"occurrence", required_argument, NULL, 'o'},
		{"platform", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case 'o':
			occurrence = optarg;
			break;
		case 'p':
			platform = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return ctl_usage(&ctl_cmd_metric);
		}
	}
	const char *id = NULL;
	json_t *values = json_object();
	for (int i = optind; i < argc; i++) {
		if (!strchr(argv[i], '=') && !id && i == optind) {
			id = argv[i];
			continue;
		}
		int rc = add_value(values, argv[i]);
		if (rc != CTL_OK) {
			json_decref(values);
			return rc;
		}
	}
	if (json_object_size(values) == 0) {
		json_decref(values);
		fprintf(stderr, "smctl metric: no value: give name=N (such as "
				"reach=1200)\n");
		return ctl_usage(&ctl_cmd_metric);
	}
	json_t *params = json_pack("{s:o}", "values", values);
	if (id)
		json_object_set_new(params, "id", json_string(id));
	if (occurrence)
		json_object_set_new(params, "occurrence",
				    json_string(occurrence));
	if (platform)
		json_object_set_new(params, "platform", json_string(platform));
	if (at)
		json_object_set_new(params, "at", json_string(at));
	struct sm_proto_reply r;
	int rc = ctl_call(env, "metric", "io.smcal.Metrics.Record", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	if (json)
		ctl_json_line(r.parameters);
	else
		print_record(r.parameters);
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_metric = {
	.name = "metric",
	.usage = "ID name=N ... [--occurrence RID] [--at T] [--json]\n"
		 "       smctl metric followers=N --platform P [--at T] "
		 "[--json]\n"
		 "       smctl metric import FILE.csv --platform P [--map "
		 "COLUMN=FIELD,...]\n"
		 "                    [--partial] [--dry-run] [--json]",
	.summary = "record what a post achieved, or import a platform's CSV "
		   "export",
	.help = "Records values of one published post: ID is a queued post's "
		"id or a calendar\n"
		"post's UID; a recurring series needs --occurrence with the "
		"occurrence's\n"
		"identity as smctl expand prints it.  Names: impressions, "
		"reach, engagement\n"
		"(or its parts likes, comments, shares, saves, summed when "
		"engagement is\n"
		"not given), clicks, conversions; values are whole numbers "
		"(1200 or 1,200).\n"
		"followers=N --platform P records a platform's followers on "
		"the day of --at.\n"
		"A later value of a metric replaces the earlier one; every "
		"value is kept.\n"
		"\n"
		"  --occurrence RID  one occurrence of a series "
		"(2026-12-01T08:00:00Z)\n"
		"  --at T            when the values were measured (default "
		"now): RFC 3339,\n"
		"                    \"YYYY-MM-DD HH:MM\" in the configured "
		"zone, -2h\n"
		"  --platform P      with followers=N\n"
		"  --json            the daemon's reply as one JSON object\n"
		"\n"
		"smctl metric import FILE.csv --platform P reads a "
		"platform's export (header\n"
		"row; UTF-8 with or without BOM; comma or semicolon): columns "
		"are found by\n"
		"name (id; url, post url, permalink, link; published_at, "
		"date, publish time;\n"
		"the metric names, impressions, engagements, link clicks, "
		"followers).  Rows\n"
		"match a post by id, else by the URL given to smctl done "
		"--url, else by\n"
		"publish time on P within 30 minutes.  Unmatched, ambiguous "
		"and malformed\n"
		"rows are listed with their line, and then nothing is stored "
		"unless\n"
		"--partial.  An import is one transaction.\n"
		"\n"
		"  --map COLUMN=FIELD,...  name other columns (FIELD: a "
		"metric, id, url,\n"
		"                          published_at, or ignore)\n"
		"  --partial               store the good rows even when "
		"others have problems\n"
		"  --dry-run               check and match, store nothing\n"
		"  --json                  the summary as one JSON object\n"
		"\n"
		"Examples:\n"
		"  smctl metric q_abcdefghijklmnop reach=1200 engagement=85 "
		"clicks=30\n"
		"  smctl metric tip@example.org --occurrence "
		"2026-12-01T08:00:00Z likes=40\n"
		"  smctl metric followers=1042 --platform instagram --at "
		"yesterday\n"
		"  smctl metric import insights.csv --platform instagram --map "
		"\"Aufrufe=impressions\"\n",
	.exec = metric_exec,
};
