/*
 * smctl deliveries: the webhook outbox (io.smcal.Deliveries): recent
 * deliveries, or the pending or failed ones, newest first.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "output.h"

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static enum ctl_paint
status_paint(const char *s)
{
	if (strcmp(s, "delivered") == 0)
		return CTL_GOOD;
	if (strcmp(s, "failed") == 0)
		return CTL_BAD;
	return CTL_WARN;
}

static void
add_row(struct ctl_table *t, json_t *d)
{
	char id[32], attempts[16], when[40], outcome[300];
	snprintf(id, sizeof(id), "%lld",
		 (long long)json_integer_value(json_object_get(d, "id")));
	snprintf(attempts, sizeof(attempts), "%lld",
		 (long long)json_integer_value(json_object_get(d, "attempts")));
	const char *status = str(d, "status");
	int waiting = strcmp(status, "pending") == 0 ||
		      strcmp(status, "sending") == 0;
	ctl_when(str(d, waiting ? "next_at" : "updated_at"), when,
		 sizeof(when));
	json_t *code = json_object_get(d, "last_status");
	const char *err = str(d, "last_error");
	if (code && *err)
		snprintf(outcome, sizeof(outcome), "HTTP %lld: %s",
			 (long long)json_integer_value(code), err);
	else if (code)
		snprintf(outcome, sizeof(outcome), "HTTP %lld",
			 (long long)json_integer_value(code));
	else
		snprintf(outcome, sizeof(outcome), "%s", err);
	const char *cells[] = {
		id,   status, str(d, "webhook"), str(d, "event_type"), attempts,
		when, outcome};
	enum ctl_paint paint[] = {CTL_PLAIN, status_paint(status),
				  CTL_PLAIN, CTL_PLAIN,
				  CTL_PLAIN, CTL_PLAIN,
				  CTL_PLAIN};
	ctl_table_row(t, cells, paint);
}

static int
deliveries_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, c;
	const char *filter = NULL;
	long limit = 0;
	static const struct option longopts[] = {
		{"failed", no_argument, NULL, 'f'},
		{"pending", no_argument, NULL, 'p'},
		{"limit", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'f':
		case 'p':
			if (filter)
				return ctl_usage(&ctl_cmd_deliveries);
			filter = c == 'f' ? "failed" : "pending";
			break;
		case 'n':
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 1000) {
				fprintf(stderr,
					"smctl deliveries: --limit %s: a number "
					"from 1 to 1000\n",
					optarg);
				return CTL_USAGE;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return ctl_help(&ctl_cmd_deliveries);
		default:
			return ctl_usage(&ctl_cmd_deliveries);
		}
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_deliveries);
	json_t *params = json_object();
	if (filter)
		json_object_set_new(params, "filter", json_string(filter));
	if (limit)
		json_object_set_new(params, "limit", json_integer(limit));
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Deliveries", params, 1);
	json_decref(params);
	static const char *const heads[] = {
		"ID",	    "STATUS",	  "WEBHOOK",	  "EVENT",
		"ATTEMPTS", "WHEN (UTC)", "LAST OUTCOME", NULL};
	struct ctl_table t;
	ctl_table_init(&t, 7, heads);
	t.right[0] = t.right[4] = 1;
	size_t n = 0;
	struct sm_proto_reply r = {0};
	while (rc == CTL_OK) {
		rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		if (r.error) {
			rc = ctl_client_error("deliveries", &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *d = json_object_get(r.parameters, "delivery");
		if (d) {
			n++;
			if (json)
				ctl_json_line(d);
			else
				add_row(&t, d);
		}
		int more = r.continues;
		sm_proto_reply_fini(&r);
		if (!more)
			break;
	}
	ctl_client_close(&cl);
	if (rc == CTL_OK && !json) {
		if (n)
			ctl_table_print(&t, stdout, 0);
		else
			printf("no %s%sdeliveries\n", filter ? filter : "",
			       filter ? " " : "");
	}
	ctl_table_free(&t); /* when it was not printed */
	if (rc != CTL_OK)
		return rc;
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_deliveries = {
	.name = "deliveries",
	.usage = "[--failed | --pending] [--limit N] [--json]",
	.summary = "list webhook deliveries: recent, failed or pending",
	.help = "Lists the webhook outbox (io.smcal.Deliveries): by default "
		"the most recently\n"
		"updated deliveries of every status.  WHEN is the next attempt "
		"of a pending\n"
		"delivery, else its last change.  A failed delivery is sent "
		"again with\n"
		"smctl retry ID.\n"
		"\n"
		"  --failed    only failed deliveries, most recent first\n"
		"  --pending   only deliveries waiting to be sent, next due "
		"first\n"
		"  --limit N   at most N (1 to 1000, default 50)\n"
		"  --json      one JSON object per delivery per line\n",
	.exec = deliveries_exec,
};
