/*
 * smctl metric import FILE.csv --platform P: sends a platform's CSV export
 * to smcald (io.smcal.Metrics.Import), which matches its rows to posts and
 * stores them in one transaction.  The file's bytes go in base64 pieces of
 * SM_PROTO_IMPORT_PIECE bytes on one connection, so that no message comes
 * near the 1 MiB limit; smcald answers each piece, and the last call gets
 * the import's outcome.  Problems are printed as FILE:LINE: lines on
 * stderr, the summary on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "client.h"
#include "output.h"

/* Reads a whole file (or stdin for "-"), at most SM_PROTO_IMPORT_MAX
 * bytes.  Returns the bytes (the caller frees) or NULL after saying why. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "smctl metric import: %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	for (;;) {
		if (n == cap) {
			cap *= 2;
			char *b = realloc(buf, cap);
			if (!b)
				abort();
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > SM_PROTO_IMPORT_MAX) {
			fprintf(stderr,
				"smctl metric import: %s is larger than %d MiB: "
				"import it in parts\n",
				path, SM_PROTO_IMPORT_MAX >> 20);
			break;
		}
		if (got == 0)
			break;
	}
	int bad = ferror(f) || n > SM_PROTO_IMPORT_MAX;
	if (ferror(f))
		fprintf(stderr, "smctl metric import: %s: %s\n", path,
			strerror(errno));
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void
print_problems(const char *file, const json_t *r)
{
	json_t *problems = json_object_get(r, "problems");
	size_t i;
	json_t *p;
	json_array_foreach(problems, i, p)
	{
		long long line = (long long)json_integer_value(
			json_object_get(p, "line"));
		const char *sev =
			json_string_value(json_object_get(p, "severity"));
		int error = sev && strcmp(sev, "error") == 0;
		if (line > 0)
			fprintf(stderr, "%s:%lld: ", file, line);
		else
			fprintf(stderr, "%s: ", file);
		fprintf(stderr, "%s%s%s: %s\n",
			isatty(2) && !getenv("NO_COLOR")
				? (error ? "\033[31m" : "\033[33m")
				: "",
			error ? "error" : "warning",
			isatty(2) && !getenv("NO_COLOR") ? "\033[0m" : "",
			json_string_value(json_object_get(p, "message")));
	}
	long long all =
		(long long)json_integer_value(json_object_get(r, "errors")) +
		(long long)json_integer_value(json_object_get(r, "warnings"));
	if ((long long)json_array_size(problems) < all)
		fprintf(stderr, "%s: ... and %lld more\n", file,
			all - (long long)json_array_size(problems));
}

static long long
num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
print_summary(const char *file, const json_t *r)
{
	int dry = json_is_true(json_object_get(r, "dry_run"));
	const json_t *m = json_object_get(r, "matched");
	long long posts = num(r, "posts"), fol = num(r, "followers");
	printf("%s: %lld row%s; %s %lld post%s (by id %lld, url %lld, time "
	       "%lld)",
	       file, num(r, "rows"), num(r, "rows") == 1 ? "" : "s",
	       dry ? "would store" : "stored", posts, posts == 1 ? "" : "s",
	       num(m, "id"), num(m, "url"), num(m, "time"));
	if (fol)
		printf(" and %lld followers count%s", fol, fol == 1 ? "" : "s");
	if (num(r, "bad"))
		printf("; %s%lld row%s with problems left out%s",
		       ctl_paint(CTL_WARN), num(r, "bad"),
		       num(r, "bad") == 1 ? "" : "s", ctl_unpaint());
	printf("%s\n", dry ? " (dry run: nothing stored)" : "");
}

int
ctl_metric_import(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0, partial = 0, dry_run = 0, c;
	const char *platform = NULL;
	json_t *maps = json_array();
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, 'p'},
		{"map", required_argument, NULL, 'm'},
		{"partial", no_argument, NULL, 'P'},
		{"dry-run", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			platform = optarg;
			break;
		case 'm':
			json_array_append_new(maps, json_string(optarg));
			break;
		case 'P':
			partial = 1;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			json_decref(maps);
			return ctl_usage(&ctl_cmd_metric);
		}
	}
	if (optind + 1 != argc || !platform) {
		json_decref(maps);
		fprintf(stderr, "smctl metric import: %s\n",
			!platform ? "--platform P is required (the platform "
				    "the export comes from)"
				  : "give one FILE.csv (- for stdin)");
		return ctl_usage(&ctl_cmd_metric);
	}
	const char *path = argv[optind];
	size_t len = 0;
	char *data = read_file(path, &len);
	if (!data) {
		json_decref(maps);
		return CTL_FAILED;
	}
	char *b64 = malloc(sm_base64_encoded_len(SM_PROTO_IMPORT_PIECE) + 1);
	if (!b64)
		abort();
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	struct sm_proto_reply r = {0};
	size_t off = 0;
	while (rc == CTL_OK) {
		size_t n = len - off > SM_PROTO_IMPORT_PIECE
				   ? SM_PROTO_IMPORT_PIECE
				   : len - off;
		int last = off + n == len;
		sm_base64_encode(data + off, n, b64);
		json_t *params = json_pack("{s:s, s:s, s:s, s:b}", "platform",
					   platform, "file", path, "data", b64,
					   "more_data", !last);
		if (last) {
			json_object_set_new(params, "size",
					    json_integer((json_int_t)len));
			json_object_set(params, "map", maps);
			json_object_set_new(params, "partial",
					    json_boolean(partial));
			json_object_set_new(params, "dry_run",
					    json_boolean(dry_run));
		}
		rc = ctl_client_send(&cl, "io.smcal.Metrics.Import", params, 0);
		json_decref(params);
		if (rc == CTL_OK)
			rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		off += n;
		if (r.error || last)
			break;
		sm_proto_reply_fini(&r);
	}
	ctl_client_close(&cl);
	free(b64);
	free(data);
	json_decref(maps);
	if (rc != CTL_OK)
		return rc;
	if (r.error) {
		if (strcmp(r.error, SM_PROTO_E_IMPORT_FAILED) == 0) {
			if (json)
				ctl_json_line(r.parameters);
			print_problems(path, r.parameters);
		}
		rc = ctl_client_error("metric import", &r);
		sm_proto_reply_fini(&r);
		return rc;
	}
	if (json) {
		ctl_json_line(r.parameters);
	} else {
		print_problems(path, r.parameters);
		print_summary(path, r.parameters);
	}
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}
