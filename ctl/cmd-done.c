/*
 * smctl done ID: marks an occurrence published (io.smcal.Posts.Done), with
 * the posted URL: its post.overdue does not fire, and cadence and KPIs
 * count it.  A series needs --occurrence.
 */
#include <stdio.h>

#include "posts.h"

static void
print_done(json_t *post)
{
	char phrase[600];
	printf("marked done: %s\n",
	       ctl_posts_phrase(post, phrase, sizeof(phrase)));
}

static int
done_exec(const struct ctl_env *env, int argc, char **argv)
{
	return ctl_posts_one(env, &ctl_cmd_done, "io.smcal.Posts.Done", 1, argc,
			     argv, print_done);
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
