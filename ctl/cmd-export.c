/*
 * smctl export: the queue and the done marks as one iCalendar file
 * (io.smcal.Export, in pieces), on stdout or into a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "output.h"

static int
export_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *path = NULL;
	int c;
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c == 'f')
			from = optarg;
		else if (c == 't')
			to = optarg;
		else if (c == 'o')
			path = optarg;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_export);
		else
			return ctl_usage(&ctl_cmd_export);
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_export);
	json_t *params = json_object();
	if (from)
		json_object_set_new(params, "from", json_string(from));
	if (to)
		json_object_set_new(params, "to", json_string(to));
	/* Into a temporary file renamed at the end: a failed export never
	 * leaves half a calendar where a whole one was. */
	char tmp[4200] = "";
	FILE *out = stdout;
	if (path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		out = fopen(tmp, "wb");
		if (!out) {
			fprintf(stderr, "smctl export: %s: %s\n", tmp,
				strerror(errno));
			json_decref(params);
			return CTL_FAILED;
		}
	}
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Export", params, 1);
	json_decref(params);
	while (rc == CTL_OK) {
		struct sm_proto_reply r = {0};
		rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		if (r.error) {
			rc = ctl_client_error("export", &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *t = json_object_get(r.parameters, "text");
		if (t)
			fwrite(json_string_value(t), 1, json_string_length(t),
			       out);
		int more = r.continues;
		sm_proto_reply_fini(&r);
		if (!more)
			break;
	}
	ctl_client_close(&cl);
	int werr = fflush(out) != 0 || ferror(out);
	if (path) {
		werr |= fclose(out) != 0;
		if (rc == CTL_OK && !werr && rename(tmp, path) < 0)
			werr = 1;
		if (rc != CTL_OK || werr)
			unlink(tmp);
	}
	if (rc == CTL_OK && werr) {
		fprintf(stderr, "smctl export: writing %s: %s\n",
			path ? path : "stdout", strerror(errno));
		return CTL_FAILED;
	}
	return rc;
}

const struct ctl_cmd ctl_cmd_export = {
	.name = "export",
	.usage = "[--from WHEN] [--to WHEN] [-o FILE]",
	.summary = "write the queue and done marks as an .ics file",
	.help = "Writes the queued posts (VEVENTs, with X-SMCAL-DONE for "
		"those marked done)\n"
		"and the done marks of calendar posts (VJOURNALs) as one "
		"iCalendar file that\n"
		"calendar apps import and smctl lint and expand read.\n"
		"\n"
		"  --from, --to WHEN  only queued posts publishing, and marks "
		"made, in\n"
		"                     [from, to); the forms of smctl list\n"
		"  -o, --output FILE  write FILE (whole or not at all) instead "
		"of stdout\n",
	.exec = export_exec,
};
