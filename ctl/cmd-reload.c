/*
 * smctl reload: smcald reads its configuration and calendars again
 * (io.smcal.Reload) and answers once the reload has finished.  A
 * configuration with errors keeps the running one: the errors are printed
 * and smctl exits 1, which makes `systemctl reload smcald` (ExecReload=)
 * fail with them.
 */
#include <getopt.h>
#include <string.h>

#include "client.h"
#include "output.h"

static int
reload_exec(const struct ctl_env *env, int argc, char **argv)
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
			return ctl_help(&ctl_cmd_reload);
		else
			return ctl_usage(&ctl_cmd_reload);
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_reload);
	struct ctl_client cl;
	struct sm_proto_reply r = {0};
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Reload", NULL, 0);
	if (rc == CTL_OK)
		rc = ctl_client_recv(&cl, &r);
	ctl_client_close(&cl);
	if (rc != CTL_OK)
		return rc;
	if (r.error) {
		/* The configuration's errors, one a line, then why. */
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(r.parameters, "errors"), i,
				   e)
			fprintf(stderr, "%s\n", json_string_value(e));
		rc = ctl_client_error("reload", &r);
		sm_proto_reply_fini(&r);
		return rc;
	}
	json_t *cals = json_object_get(r.parameters, "calendars");
	if (json) {
		ctl_json_line(r.parameters);
	} else {
		printf("reloaded: %lld posts in %zu calendars\n",
		       (long long)json_integer_value(
			       json_object_get(r.parameters, "posts")),
		       json_array_size(cals));
	}
	/* Calendars that did not load cleanly: the reload happened, but
	 * say so. */
	size_t i;
	json_t *cal;
	json_array_foreach(cals, i, cal)
	{
		const char *state =
			json_string_value(json_object_get(cal, "state"));
		if (!state || strcmp(state, "ok") == 0)
			continue;
		fprintf(stderr, "smctl reload: calendar %s: %s\n",
			json_string_value(json_object_get(cal, "name")),
			strcmp(state, "previous") == 0
				? "did not load cleanly; the previous version "
				  "stays in service"
			: strcmp(state, "copy") == 0
				? "did not load cleanly; its last clean copy "
				  "is in service"
			: strcmp(state, "unreadable") == 0
				? "cannot be read"
				: "has errors; the posts that loaded are in "
				  "service");
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(cal, "messages"), k, m)
			fprintf(stderr, "  %s\n", json_string_value(m));
	}
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_reload = {
	.name = "reload",
	.usage = "[--json]",
	.summary = "reload the config and calendars; wait for the result",
	.help = "Asks smcald to read its configuration and calendars again "
		"(as SIGHUP does)\n"
		"and waits until the reload has finished.  When the new "
		"configuration has\n"
		"errors they are printed, the running configuration stays, and "
		"smctl exits 1.\n"
		"Calendars that do not load cleanly keep their previous version "
		"and are\n"
		"reported on stderr; the reload itself succeeded.\n"
		"\n"
		"  --json  the result (posts, calendars and their states) as one "
		"JSON object\n",
	.exec = reload_exec,
};
