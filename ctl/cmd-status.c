/*
 * smctl status: the daemon's health (io.smcal.Status): version and uptime,
 * calendars and how their loads went, the next events, deliveries waiting
 * or failed, disabled webhooks, platforms short of their posting plan and
 * missed events.
 */
#include <getopt.h>
#include <string.h>

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

static enum ctl_paint
state_paint(const char *state)
{
	if (strcmp(state, "ok") == 0)
		return CTL_GOOD;
	if (strcmp(state, "previous") == 0 || strcmp(state, "copy") == 0)
		return CTL_WARN;
	return CTL_BAD;
}

static void
print_calendars(json_t *cals)
{
	static const char *const heads[] = {"CALENDAR", "STATE", "POSTS",
					    "PATH", NULL};
	struct ctl_table t;
	ctl_table_init(&t, 4, heads);
	t.right[2] = 1;
	size_t i;
	json_t *c;
	json_array_foreach(cals, i, c)
	{
		char posts[32];
		snprintf(posts, sizeof(posts), "%lld", num(c, "posts"));
		const char *cells[] = {str(c, "name"), str(c, "state"), posts,
				       str(c, "path")};
		enum ctl_paint paint[] = {CTL_PLAIN,
					  state_paint(str(c, "state")),
					  CTL_PLAIN, CTL_PLAIN};
		ctl_table_row(&t, cells, paint);
	}
	ctl_table_print(&t, stdout, 0);
	/* Why a calendar is not ok: its first errors. */
	json_array_foreach(cals, i, c)
	{
		json_t *msgs = json_object_get(c, "messages");
		if (json_array_size(msgs) == 0)
			continue;
		long long errors = num(c, "errors");
		printf("%scalendar %s: %lld error%s%s", ctl_paint(CTL_BAD),
		       str(c, "name"), errors, errors == 1 ? "" : "s",
		       ctl_unpaint());
		if (strcmp(str(c, "state"), "previous") == 0)
			printf(" (the previous version stays in service)");
		else if (strcmp(str(c, "state"), "copy") == 0)
			printf(" (its last clean copy is in service)");
		else if (strcmp(str(c, "state"), "errors") == 0)
			printf(" (the posts that loaded are in service)");
		printf("\n");
		if (*str(c, "served"))
			printf("  %s\n", str(c, "served"));
		size_t k;
		json_t *m;
		json_array_foreach(msgs, k, m)
			printf("  %s\n", json_string_value(m));
		if ((long long)json_array_size(msgs) < errors)
			printf("  ... (smctl lint %s shows them all)\n",
			       str(c, "path"));
	}
}

static void
print_events(json_t *events, const char *zone)
{
	if (json_array_size(events) == 0) {
		printf("\nnext events: none scheduled\n");
		return;
	}
	printf("\n%snext events%s (%s)\n", ctl_paint(CTL_BOLD), ctl_unpaint(),
	       zone);
	static const char *const heads[] = {"WHEN", "EVENT",	 "CALENDAR",
					    "POST", "PLATFORMS", NULL};
	struct ctl_table t;
	ctl_table_init(&t, 5, heads);
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		char when[40], platforms[256] = "";
		ctl_when(str(e, "at_local"), when, sizeof(when));
		size_t k;
		json_t *p;
		json_array_foreach(json_object_get(e, "platforms"), k, p)
		{
			size_t n = strlen(platforms);
			snprintf(platforms + n, sizeof(platforms) - n, "%s%s",
				 k ? ", " : "", json_string_value(p));
		}
		const char *title = str(e, "title");
		const char *cells[] = {when, str(e, "type"), str(e, "calendar"),
				       *title ? title : str(e, "uid"),
				       platforms};
		ctl_table_row(&t, cells, NULL);
	}
	ctl_table_print(&t, stdout, 0);
}

static void
print_status(json_t *p)
{
	char up[32], since[40];
	printf("%ssmcald %s%s, pid %lld, up %s (since %s UTC)\n",
	       ctl_paint(CTL_BOLD), str(p, "version"), ctl_unpaint(),
	       num(p, "pid"), ctl_duration(num(p, "uptime_s"), up, sizeof(up)),
	       ctl_when(str(p, "started_at"), since, sizeof(since)));
	printf("config %s, time zone %s%s\n\n", str(p, "config"),
	       str(p, "timezone"),
	       json_is_true(json_object_get(p, "reloading")) ? ", reloading"
							     : "");
	print_calendars(json_object_get(p, "calendars"));
	if (json_object_get(p, "queued"))
		printf("queue: %lld post%s to publish (smctl list --calendar "
		       "queue)\n",
		       num(p, "queued"), num(p, "queued") == 1 ? "" : "s");
	print_events(json_object_get(p, "next_events"), str(p, "timezone"));

	long long pending = num(p, "deliveries_pending");
	long long failed = num(p, "deliveries_failed");
	printf("\ndeliveries: %lld pending, %s%lld failed%s%s\n", pending,
	       failed ? ctl_paint(CTL_BAD) : "", failed,
	       failed ? ctl_unpaint() : "",
	       failed ? " (smctl deliveries --failed; smctl retry ID)" : "");
	json_t *disabled = json_object_get(p, "disabled_webhooks");
	size_t i;
	json_t *d;
	json_array_foreach(disabled, i, d)
	{
		char when[40];
		printf("%swebhook %s disabled%s since %s UTC: %s (until the "
		       "next reload)\n",
		       ctl_paint(CTL_BAD), str(d, "webhook"), ctl_unpaint(),
		       ctl_when(str(d, "since"), when, sizeof(when)),
		       str(d, "reason"));
	}
	long long shortp = num(p, "cadence_short");
	if (json_object_get(p, "cadence_short") && shortp > 0)
		printf("%scadence: %lld platform%s short%s in the current or "
		       "next %lld period%s (smctl cadence)\n",
		       ctl_paint(CTL_WARN), shortp, shortp == 1 ? "" : "s",
		       ctl_unpaint(), num(p, "lookahead"),
		       num(p, "lookahead") == 1 ? "" : "s");
	else if (num(p, "cadence_platforms") > 0)
		printf("cadence: no platform short in the current or next "
		       "%lld period%s\n",
		       num(p, "lookahead"),
		       num(p, "lookahead") == 1 ? "" : "s");
	printf("events fired: %lld", num(p, "fired"));
	long long missed = num(p, "missed");
	if (missed == 0) {
		printf(", none missed\n");
		return;
	}
	printf(", %s%lld missed%s (due while smcald was down, older than "
	       "catchup); the latest:\n",
	       ctl_paint(CTL_WARN), missed, ctl_unpaint());
	json_array_foreach(json_object_get(p, "missed_recent"), i, d)
	{
		char when[40];
		printf("  %s UTC  %-13s %s %s %s\n",
		       ctl_when(str(d, "at"), when, sizeof(when)),
		       str(d, "type"), str(d, "calendar"), str(d, "uid"),
		       str(d, "occurrence"));
	}
}

static int
status_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, c;
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_status);
		else
			return ctl_usage(&ctl_cmd_status);
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_status);
	struct sm_proto_reply r;
	int rc = ctl_call(env, "status", "io.smcal.Status", NULL, &r);
	if (rc != CTL_OK)
		return rc;
	if (json)
		ctl_json_line(r.parameters);
	else
		print_status(r.parameters);
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.usage = "[--json]",
	.summary = "show the daemon's health: calendars, next events, failures",
	.help = "Asks smcald (io.smcal.Status): its version and uptime, each "
		"calendar with its\n"
		"post count and load errors, the next events, pending and "
		"failed webhook\n"
		"deliveries, webhooks disabled by a 410, how many platforms "
		"are short of\n"
		"their cadence in the current or next lookahead periods, and "
		"events missed\n"
		"while it was down.\n"
		"Times are in the daemon's time zone.\n"
		"\n"
		"  --json  the whole status as one JSON object\n",
	.exec = status_exec,
};
