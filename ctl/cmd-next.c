/*
 * smctl next [N]: the next N occurrences to publish (io.smcal.Posts.Next),
 * calendars and queue together, leaving out cancelled and done ones.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "posts.h"

struct next_out {
	int json;
	struct ctl_posts_table pt;
	size_t n;
};

static int
on_post(void *ctx, const char *json, size_t len)
{
	struct next_out *o = ctx;
	o->n++;
	if (o->json) {
		fwrite(json, 1, len, stdout);
		putchar('\n');
		return CTL_OK;
	}
	if (ctl_posts_table_add_text(&o->pt, json, len) < 0) {
		fprintf(stderr, "smctl next: a post from smcald is not a JSON "
				"object\n");
		return CTL_FAILED;
	}
	return CTL_OK;
}

static int
next_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *platform = NULL;
	struct next_out o = {0};
	int c;
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'p')
			platform = optarg;
		else if (c == 'j')
			o.json = 1;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_next);
		else
			return ctl_usage(&ctl_cmd_next);
	}
	long count = 10;
	if (optind + 1 == argc) {
		char *end;
		count = strtol(argv[optind], &end, 10);
		if (*end || end == argv[optind] || count < 1 || count > 1000) {
			fprintf(stderr,
				"smctl next: %s: N is a number from 1 to "
				"1000\n",
				argv[optind]);
			return CTL_USAGE;
		}
	} else if (optind < argc) {
		return ctl_usage(&ctl_cmd_next);
	}
	json_t *params = json_pack("{s:i}", "count", (int)count);
	if (platform)
		json_object_set_new(params, "platform", json_string(platform));
	ctl_posts_table_init(&o.pt);
	int rc = ctl_posts_stream(env, "next", "io.smcal.Posts.Next", params,
				  on_post, &o);
	json_decref(params);
	if (rc == CTL_OK && !o.json) {
		if (o.n)
			ctl_posts_table_print(&o.pt);
		else
			printf("nothing left to publish\n");
	}
	ctl_posts_table_free(&o.pt);
	if (rc != CTL_OK)
		return rc;
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_next = {
	.name = "next",
	.usage = "[N] [--platform P] [--json]",
	.summary = "show the next N posts to publish (default 10)",
	.help = "Lists the next N occurrences to publish from now (1 to 1000, "
		"default 10):\n"
		"calendar posts and queued posts, drafts included, cancelled "
		"and done ones\n"
		"left out.  Times are in the daemon's time zone.\n"
		"\n"
		"  --platform P  only posts on this configured platform\n"
		"  --json        one JSON object per post per line\n",
	.exec = next_exec,
};
