/*
 * smctl add: queues a post (io.smcal.Posts.Add) or every post of a bulk
 * file (io.smcal.Posts.AddMany).  smcald reads the time (--at) and the
 * file, because it knows the configured zone, platforms and types and the
 * posts already taking slots; smctl sends the text as typed.  The body
 * comes from --body, --body-file (- is stdin) or, when neither is given
 * and stdin is not a terminal, stdin.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "output.h"

/* A body read from a file or stdin: at most the wire's string limit. */
#define BODY_MAX SM_PROTO_MAX_STRING

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Reads a whole stream into a malloc'd string; -1 with errno, or -2 when
 * longer than max. */
static int
read_all(FILE *f, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	for (;;) {
		if (n + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n > max) {
			free(buf);
			return -2;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		errno = e;
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The line of the first byte that is not UTF-8 (strictly: no overlong
 * forms, surrogates or NUL, as JSON strings need), 1-based; 0 when all is
 * UTF-8. */
static int
bad_utf8_line(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int line = 1;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '\n')
			line++;
		if (c == 0)
			return line;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned char lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, lo = c == 0xe0 ? 0xa0 : 0x80,
			hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, lo = c == 0xf0 ? 0x90 : 0x80,
			hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return line;
		if (i + k >= n)
			return line;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return line;
		for (size_t j = 2; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return line;
		i += k + 1;
	}
	return 0;
}

/* Reads the body from path ("-": stdin); CTL_OK or CTL_FAILED. */
static int
read_body(const char *path, char **body)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "smctl add: --body-file %s: %s\n", path,
			strerror(errno));
		return CTL_FAILED;
	}
	size_t len;
	int rc = read_all(f, BODY_MAX, body, &len);
	int e = errno;
	if (f != stdin)
		fclose(f);
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (rc == -2) {
		fprintf(stderr,
			"smctl add: %s: a body holds at most %d bytes\n", name,
			BODY_MAX);
		return CTL_FAILED;
	}
	if (rc < 0) {
		fprintf(stderr, "smctl add: %s: %s\n", name, strerror(e));
		return CTL_FAILED;
	}
	int line = bad_utf8_line(*body, len);
	if (line) {
		fprintf(stderr,
			"smctl add: %s:%d: the body is not UTF-8 text (save it "
			"as UTF-8)\n",
			name, line);
		free(*body);
		*body = NULL;
		return CTL_FAILED;
	}
	/* A trailing newline (echo, editors) is not part of the copy. */
	while (len > 0 &&
	       ((*body)[len - 1] == '\n' || (*body)[len - 1] == '\r'))
		(*body)[--len] = '\0';
	return CTL_OK;
}

static void
print_warnings(json_t *warnings)
{
	size_t i;
	json_t *w;
	json_array_foreach(warnings, i, w) fprintf(
		stderr, "smctl add: %swarning%s: %s\n", ctl_paint(CTL_WARN),
		ctl_unpaint(), json_string_value(w));
}

static int
add_file(const struct ctl_env *env, const char *path, int allow_past, int json)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "smctl add: --file %s: %s\n", path,
			strerror(errno));
		return CTL_FAILED;
	}
	char *text;
	size_t len;
	int rc = read_all(f, SM_PROTO_MAX_MESSAGE, &text, &len);
	int e = errno;
	fclose(f);
	if (rc == -2) {
		fprintf(stderr,
			"smctl add: %s is larger than one request can carry "
			"(1 MiB): split it into several files\n",
			path);
		return CTL_FAILED;
	}
	if (rc < 0) {
		fprintf(stderr, "smctl add: %s: %s\n", path, strerror(e));
		return CTL_FAILED;
	}
	int line = bad_utf8_line(text, len);
	if (line) {
		fprintf(stderr,
			"smctl add: %s:%d: not UTF-8 text (save the file as "
			"UTF-8); nothing was added\n",
			path, line);
		free(text);
		return CTL_FAILED;
	}
	json_t *params = json_pack("{s:s, s:s%, s:b}", "name", path, "text",
				   text, len, "allow_past", allow_past);
	free(text);
	struct ctl_client cl;
	struct sm_proto_reply r = {0};
	rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, "io.smcal.Posts.AddMany", params, 0);
	json_decref(params);
	if (rc == CTL_FAILED)
		fprintf(stderr,
			"smctl add: %s is too large for one request once "
			"encoded: split it into several files\n",
			path);
	if (rc == CTL_OK)
		rc = ctl_client_recv(&cl, &r);
	ctl_client_close(&cl);
	if (rc != CTL_OK)
		return rc;
	if (r.error) {
		json_t *problems = json_object_get(r.parameters, "problems");
		size_t i;
		json_t *p;
		json_array_foreach(problems, i, p)
			fprintf(stderr, "%s\n", json_string_value(p));
		rc = ctl_client_error("add", &r);
		sm_proto_reply_fini(&r);
		return rc;
	}
	json_t *posts = json_object_get(r.parameters, "posts");
	if (json) {
		ctl_json_line(r.parameters);
	} else {
		static const char *const heads[] = {"LINE", "ID", "WHEN",
						    "SLOT", NULL};
		struct ctl_table t;
		ctl_table_init(&t, 4, heads);
		t.right[0] = 1;
		size_t i;
		json_t *p;
		json_array_foreach(posts, i, p)
		{
			char ln[16], when[40];
			snprintf(ln, sizeof(ln), "%lld",
				 (long long)json_integer_value(
					 json_object_get(p, "line")));
			const char *cells[] = {
				ln, str(p, "id"),
				ctl_when(str(p, "publish_at_local"), when,
					 sizeof(when)),
				json_is_true(json_object_get(p, "slot"))
					? "free slot"
					: "as given"};
			ctl_table_row(&t, cells, NULL);
		}
		size_t n = json_array_size(posts);
		printf("queued %zu post%s from %s\n", n, n == 1 ? "" : "s",
		       path);
		ctl_table_print(&t, stdout, 0);
	}
	print_warnings(json_object_get(r.parameters, "warnings"));
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

/* Appends a --platform value to the comma-separated list. */
static int
add_platform(char *list, size_t len, const char *v)
{
	size_t n = strlen(list);
	int w = snprintf(list + n, len - n, "%s%s", n ? "," : "", v);
	return w < 0 || (size_t)w >= len - n ? -1 : 0;
}

static int
add_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *at = NULL, *title = NULL, *body = NULL, *body_file = NULL;
	const char *type = NULL, *persona = NULL, *campaign = NULL;
	const char *url = NULL, *file = NULL;
	char platforms[1200] = "";
	int draft = 0, allow_past = 0, json = 0, c;
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"platform", required_argument, NULL, 'p'},
		{"title", required_argument, NULL, 't'},
		{"body", required_argument, NULL, 'b'},
		{"body-file", required_argument, NULL, 'B'},
		{"type", required_argument, NULL, 'T'},
		{"persona", required_argument, NULL, 'P'},
		{"campaign", required_argument, NULL, 'C'},
		{"url", required_argument, NULL, 'u'},
		{"draft", no_argument, NULL, 'd'},
		{"allow-past", no_argument, NULL, 'A'},
		{"file", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case 'p':
			if (add_platform(platforms, sizeof(platforms), optarg) <
			    0) {
				fprintf(stderr,
					"smctl add: too many platforms\n");
				return CTL_USAGE;
			}
			break;
		case 't':
			title = optarg;
			break;
		case 'b':
			body = optarg;
			break;
		case 'B':
			body_file = optarg;
			break;
		case 'T':
			type = optarg;
			break;
		case 'P':
			persona = optarg;
			break;
		case 'C':
			campaign = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'd':
			draft = 1;
			break;
		case 'A':
			allow_past = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return ctl_help(&ctl_cmd_add);
		default:
			return ctl_usage(&ctl_cmd_add);
		}
	}
	if (optind < argc)
		return ctl_usage(&ctl_cmd_add);
	if (file) {
		if (at || *platforms || title || body || body_file || type ||
		    persona || campaign || url || draft) {
			fprintf(stderr,
				"smctl add: --file takes its posts from the "
				"file: only --allow-past and --json go with "
				"it\n");
			return CTL_USAGE;
		}
		return add_file(env, file, allow_past, json);
	}
	if (!*platforms) {
		fprintf(stderr, "smctl add: --platform is required (or --file "
				"FILE)\n");
		return ctl_usage(&ctl_cmd_add);
	}
	if (body && body_file) {
		fprintf(stderr,
			"smctl add: --body and --body-file: give one\n");
		return CTL_USAGE;
	}
	char *read = NULL;
	if (body_file || (!body && !isatty(STDIN_FILENO))) {
		int rc = read_body(body_file ? body_file : "-", &read);
		if (rc != CTL_OK)
			return rc;
		body = read && *read ? read : NULL;
	}
	json_t *params = json_pack("{s:s}", "platform", platforms);
	const char *const fields[][2] = {
		{"at", at},	{"title", title},     {"body", body},
		{"type", type}, {"persona", persona}, {"campaign", campaign},
		{"url", url},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i][1])
			json_object_set_new(params, fields[i][0],
					    json_string(fields[i][1]));
	if (draft)
		json_object_set_new(params, "draft", json_true());
	if (allow_past)
		json_object_set_new(params, "allow_past", json_true());
	struct sm_proto_reply r;
	int rc = ctl_call(env, "add", "io.smcal.Posts.Add", params, &r);
	json_decref(params);
	free(read);
	if (rc != CTL_OK)
		return rc;
	json_t *p = r.parameters;
	if (json) {
		ctl_json_line(p);
	} else {
		char when[40];
		int slot = json_is_true(json_object_get(p, "slot"));
		printf("%s\n", str(p, "id"));
		printf("queued for %s (%s)%s on %s\n",
		       ctl_when(str(p, "publish_at_local"), when, sizeof(when)),
		       str(p, "publish_at_local"),
		       slot ? ", the next free slot," : "", platforms);
	}
	print_warnings(json_object_get(p, "warnings"));
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}

const struct ctl_cmd ctl_cmd_add = {
	.name = "add",
	.usage = "--platform P [--at WHEN] [--title T] [--body B | --body-file "
		 "F] [--type C]\n"
		 "       [--persona X] [--campaign Y] [--url U] [--draft] "
		 "[--allow-past] [--json]\n"
		 "       smctl add --file posts.csv|posts.jsonl [--allow-past] "
		 "[--json]",
	.summary = "queue a post, or every post of a file",
	.help = "Queues a post in smcald (io.smcal.Posts.Add); it fires like a "
		"calendar post\n"
		"(reminders, post.due, webhooks).  smctl prints its id on the "
		"first line and\n"
		"when it publishes, in the daemon's time zone.  smcald "
		"acknowledges only once\n"
		"the post is on disk.\n"
		"\n"
		"  --platform P   where it goes: a configured platform; "
		"repeat, or separate\n"
		"                 with commas, for several\n"
		"  --at WHEN      RFC 3339 (2026-12-01T09:00:00+01:00), "
		"\"2026-12-01 09:00\" in\n"
		"                 the daemon's time zone, or +2h / +90m / "
		"+3d from now;\n"
		"                 without it, the platform's next free posting "
		"slot (slots,\n"
		"                 min_spacing, daily_cap of its "
		"[platform:NAME])\n"
		"  --title T, --type C, --persona X, --campaign Y, --url U\n"
		"  --body B       the post's copy; or --body-file F (- is "
		"stdin); without\n"
		"                 either, stdin when it is not a terminal\n"
		"  --draft        a draft: reminders, no post.due (unless "
		"fire_drafts)\n"
		"  --allow-past   accept a time already past (it fires late "
		"within catchup)\n"
		"  --file F       every post of posts.csv (header: at, "
		"platform, title,\n"
		"                 body, type, persona, campaign, url, draft) "
		"or posts.jsonl;\n"
		"                 rows without a time take successive free "
		"slots; any bad\n"
		"                 row is reported with its line and nothing "
		"is added\n"
		"  --json         the reply as one JSON object\n"
		"\n"
		"Guardrail warnings (min_spacing, daily_cap) go to stderr.\n",
	.exec = add_exec,
};
