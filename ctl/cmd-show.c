/*
 * smctl show ID: one post (io.smcal.Posts.Get): a queued post, or a
 * calendar post's occurrence (the next one of a series unless
 * --occurrence names one).
 */
#include <stdio.h>

#include "posts.h"

static int
show_exec(const struct ctl_env *env, int argc, char **argv)
{
	return ctl_posts_one(env, &ctl_cmd_show, "io.smcal.Posts.Get", 0, argc,
			     argv, ctl_posts_show);
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
