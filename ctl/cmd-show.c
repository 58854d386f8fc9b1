/*
 * smctl show ID: one post (io.smcal.Posts.Get): a queued post, or a
 * calendar post's occurrence (the next one of a series unless
 * --occurrence names one).
 */
#include <getopt.h>
#include <stdio.h>

#include "posts.h"

static int
show_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *occurrence = NULL, *calendar = NULL;
	int json = 0, c;
	static const struct option longopts[] = {
		{"occurrence", required_argument, NULL, 'o'},
		{"calendar", required_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'o')
			occurrence = optarg;
		else if (c == 'C')
			calendar = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_show);
		else
			return ctl_usage(&ctl_cmd_show);
	}
	if (optind + 1 != argc)
		return ctl_usage(&ctl_cmd_show);
	json_t *params = json_pack("{s:s}", "id", argv[optind]);
	if (occurrence)
		json_object_set_new(params, "occurrence",
				    json_string(occurrence));
	if (calendar)
		json_object_set_new(params, "calendar", json_string(calendar));
	struct sm_proto_reply r;
	int rc = ctl_call(env, "show", "io.smcal.Posts.Get", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	json_t *post = json_object_get(r.parameters, "post");
	if (json)
		ctl_json_line(post);
	else
		ctl_posts_show(post);
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_show = {
	.name = "show",
	.usage = "ID [--occurrence RID] [--calendar C] [--json]",
	.summary = "show one post: a queued post or a calendar occurrence",
	.help = "Shows a post's fields, status and done mark.  ID is a queued "
		"post's id (q_...)\n"
		"or a calendar post's UID; for a series, the next occurrence "
		"unless\n"
		"--occurrence names one (its RECURRENCE-ID as smctl list and "
		"smctl expand\n"
		"write it).\n"
		"\n"
		"  --occurrence RID  2026-12-01T08:00:00Z, 2026-12-01T09:00:00 "
		"(floating) or\n"
		"                    2026-12-01 (all-day)\n"
		"  --calendar C      when several calendars have a post with "
		"this UID\n"
		"  --json            the post as one JSON object\n",
	.exec = show_exec,
};
