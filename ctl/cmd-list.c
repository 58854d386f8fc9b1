/*
 * smctl list: the posts publishing in a window (io.smcal.Posts.List),
 * calendar posts by occurrence and queued posts together, in publish
 * order.  The window's bounds are read by smcald in its time zone.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "posts.h"

struct list_out {
	int json;
	struct ctl_posts_table pt;
	size_t n;
};

static int
on_post(void *ctx, const char *json, size_t len)
{
	struct list_out *o = ctx;
	o->n++;
	if (o->json) {
		fwrite(json, 1, len, stdout);
		putchar('\n');
		return CTL_OK;
	}
	if (ctl_posts_table_add_text(&o->pt, json, len) < 0) {
		fprintf(stderr, "smctl list: a post from smcald is not a JSON "
				"object\n");
		return CTL_FAILED;
	}
	return CTL_OK;
}

static int
list_exec(const struct ctl_env *env, int argc, char **argv)
{
	static const char *const names[] = {"from", "to", "platform", "status",
					    "calendar"};
	const char *v[5] = {NULL};
	struct list_out o = {0};
	int c;
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 0},
		{"to", required_argument, NULL, 1},
		{"platform", required_argument, NULL, 2},
		{"status", required_argument, NULL, 3},
		{"calendar", required_argument, NULL, 4},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c >= 0 && c < 5)
			v[c] = optarg;
		else if (c == 'j')
			o.json = 1;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_list);
		else
			return ctl_usage(&ctl_cmd_list);
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_list);
	static const char *const statuses[] = {"draft", "scheduled",
					       "cancelled", "done"};
	if (v[3]) {
		int ok = 0;
		for (size_t i = 0; i < 4; i++)
			ok |= strcmp(v[3], statuses[i]) == 0;
		if (!ok) {
			fprintf(stderr,
				"smctl list: --status %s: one of draft, "
				"scheduled, cancelled, done\n",
				v[3]);
			return CTL_USAGE;
		}
	}
	json_t *params = json_object();
	for (int i = 0; i < 5; i++)
		if (v[i])
			json_object_set_new(params, names[i],
					    json_string(v[i]));
	ctl_posts_table_init(&o.pt);
	int rc = ctl_posts_stream(env, "list", "io.smcal.Posts.List", params,
				  on_post, &o);
	json_decref(params);
	if (rc == CTL_OK && !o.json) {
		if (o.n)
			ctl_posts_table_print(&o.pt);
		printf("%s%zu post%s%s%s\n", ctl_paint(CTL_DIM), o.n,
		       o.n == 1 ? "" : "s",
		       v[0] || v[1] ? ""
				    : " from today for 4 weeks (--from and "
				      "--to choose the window)",
		       ctl_unpaint());
	}
	ctl_posts_table_free(&o.pt);
	if (rc != CTL_OK)
		return rc;
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_list = {
	.name = "list",
	.usage = "[--from WHEN] [--to WHEN] [--platform P] [--status S] "
		 "[--calendar C] [--json]",
	.summary = "list the posts of a window: calendars and queue together",
	.help = "Lists every occurrence publishing in [--from, --to) in "
		"publish order: the\n"
		"calendars' posts and the queued ones (calendar \"queue\").  "
		"Times are in the\n"
		"daemon's time zone.  ID (and OCCURRENCE for a series) is what "
		"smctl show,\n"
		"cancel and done take.\n"
		"\n"
		"  --from WHEN     default today 00:00; RFC 3339, \"YYYY-MM-DD "
		"[HH:MM]\",\n"
		"                  today, tomorrow, yesterday, +2h, -3d\n"
		"  --to WHEN       default 4 weeks after --from (a day counts "
		"whole)\n"
		"  --platform P    only posts on this configured platform\n"
		"  --status S      draft, scheduled, cancelled or done\n"
		"  --calendar C    only this calendar (queue: the queued "
		"posts)\n"
		"  --json          one JSON object per post per line\n",
	.exec = list_exec,
};
