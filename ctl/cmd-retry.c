/*
 * smctl retry ID: requeues a failed webhook delivery for an attempt now
 * (io.smcal.Retry), with a fresh attempt count and the same webhook-id.
 */
#include <getopt.h>
#include <stdlib.h>

#include "client.h"
#include "output.h"

static int
retry_exec(const struct ctl_env *env, int argc, char **argv)
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
			return ctl_help(&ctl_cmd_retry);
		else
			return ctl_usage(&ctl_cmd_retry);
	}
	if (optind + 1 != argc)
		return ctl_usage(&ctl_cmd_retry);
	char *end;
	long long id = strtoll(argv[optind], &end, 10);
	if (*end || end == argv[optind] || id < 1) {
		fprintf(stderr,
			"smctl retry: %s is not a delivery id (a number that "
			"smctl deliveries --failed shows)\n",
			argv[optind]);
		return CTL_USAGE;
	}
	json_t *params = json_pack("{s:I}", "id", (json_int_t)id);
	struct sm_proto_reply r;
	int rc = ctl_call(env, "retry", "io.smcal.Retry", params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	if (json) {
		ctl_json_line(r.parameters);
	} else {
		char when[40];
		printf("delivery %lld requeued: next attempt %s UTC\n", id,
		       ctl_when(json_string_value(json_object_get(r.parameters,
								  "next_at")),
				when, sizeof(when)));
	}
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_retry = {
	.name = "retry",
	.usage = "ID [--json]",
	.summary = "send a failed webhook delivery again",
	.help = "Requeues a failed delivery (its ID is in smctl deliveries "
		"--failed) for an\n"
		"attempt now, with a fresh attempt count and the same "
		"webhook-id, so the\n"
		"receiver can still deduplicate.  Only failed deliveries are "
		"requeued.\n"
		"\n"
		"  --json  the result as one JSON object\n",
	.exec = retry_exec,
};
