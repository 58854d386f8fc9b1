/*
 * smctl cancel ID: cancels a queued post, or one occurrence of a calendar
 * post (io.smcal.Posts.Cancel): its events no longer fire.  A series needs
 * --occurrence.
 */
#include <getopt.h>
#include <stdio.h>

#include "posts.h"

static int
cancel_exec(const struct ctl_env *env, int argc, char **argv)
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
			return ctl_help(&ctl_cmd_cancel);
		else
			return ctl_usage(&ctl_cmd_cancel);
	}
	if (optind + 1 != argc)
		return ctl_usage(&ctl_cmd_cancel);
	json_t *params = json_pack("{s:s}", "id", argv[optind]);
	if (occurrence)
		json_object_set_new(params, "occurrence",
				    json_string(occurrence));
	if (calendar)
		json_object_set_new(params, "calendar", json_string(calendar));
	struct sm_proto_reply r;
	int rc = ctl_call(env, "cancel", "io.smcal.Posts.Cancel", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	json_t *post = json_object_get(r.parameters, "post");
	if (json) {
		ctl_json_line(post);
	} else {
		char phrase[600];
		printf("cancelled %s\n",
		       ctl_posts_phrase(post, phrase, sizeof(phrase)));
	}
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_cancel = {
	.name = "cancel",
	.usage = "ID [--occurrence RID] [--calendar C] [--json]",
	.summary = "cancel a queued post or one occurrence of a calendar post",
	.help = "Cancels a queued post (q_...), or one occurrence of a "
		"calendar post (its\n"
		"UID): its reminders, post.due and post.overdue no longer "
		"fire.  The calendar\n"
		"file is not changed: smcald keeps the cancellation.  A series "
		"needs\n"
		"--occurrence (smctl list shows each occurrence's).\n"
		"\n"
		"  --occurrence RID  the occurrence's RECURRENCE-ID\n"
		"  --calendar C      when several calendars have a post with "
		"this UID\n"
		"  --json            the post, now cancelled, as one JSON "
		"object\n",
	.exec = cancel_exec,
};
