/*
 * smctl cancel ID: cancels a queued post, or one occurrence of a calendar
 * post (io.smcal.Posts.Cancel): its events no longer fire.  A series needs
 * --occurrence.
 */
#include <stdio.h>

#include "posts.h"

static void
print_cancelled(json_t *post)
{
	char phrase[600];
	printf("cancelled %s\n",
	       ctl_posts_phrase(post, phrase, sizeof(phrase)));
}

static int
cancel_exec(const struct ctl_env *env, int argc, char **argv)
{
	return ctl_posts_one(env, &ctl_cmd_cancel, "io.smcal.Posts.Cancel", 0,
			     argc, argv, print_cancelled);
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
