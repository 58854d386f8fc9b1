/*
 * smctl done ID: marks an occurrence published (io.smcal.Posts.Done), with
 * the posted URL: its post.overdue does not fire, and cadence and KPIs
 * count it.  A series needs --occurrence.
 */
#include <getopt.h>
#include <stdio.h>

#include "posts.h"

static int
done_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *occurrence = NULL, *calendar = NULL, *url = NULL;
	int json = 0, c;
	static const struct option longopts[] = {
		{"occurrence", required_argument, NULL, 'o'},
		{"calendar", required_argument, NULL, 'C'},
		{"url", required_argument, NULL, 'u'},
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
		else if (c == 'u')
			url = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_done);
		else
			return ctl_usage(&ctl_cmd_done);
	}
	if (optind + 1 != argc)
		return ctl_usage(&ctl_cmd_done);
	json_t *params = json_pack("{s:s}", "id", argv[optind]);
	if (occurrence)
		json_object_set_new(params, "occurrence",
				    json_string(occurrence));
	if (calendar)
		json_object_set_new(params, "calendar", json_string(calendar));
	if (url)
		json_object_set_new(params, "url", json_string(url));
	struct sm_proto_reply r;
	int rc = ctl_call(env, "done", "io.smcal.Posts.Done", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	json_t *post = json_object_get(r.parameters, "post");
	if (json) {
		ctl_json_line(post);
	} else {
		char phrase[600];
		printf("marked done: %s\n",
		       ctl_posts_phrase(post, phrase, sizeof(phrase)));
	}
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_done = {
	.name = "done",
	.usage = "ID [--occurrence RID] [--url URL] [--calendar C] [--json]",
	.summary = "mark a post published, with its URL",
	.help = "Marks an occurrence published: a queued post (q_...) or one "
		"occurrence of a\n"
		"calendar post (its UID; a series needs --occurrence).  Its "
		"post.overdue\n"
		"does not fire; smctl cadence counts it as published and the "
		"URL matches\n"
		"KPI imports.  Marking again updates the URL.\n"
		"\n"
		"  --url URL         where it was posted "
		"(https://www.instagram.com/p/...)\n"
		"  --occurrence RID  the occurrence's RECURRENCE-ID\n"
		"  --calendar C      when several calendars have a post with "
		"this UID\n"
		"  --json            the post as one JSON object\n",
	.exec = done_exec,
};
