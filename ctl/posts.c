/*
 * posts: streams, tables and details of io.smcal.Posts posts for smctl.
 */
#include "posts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_WIDTH 48

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

json_t *
ctl_posts_parse(const char *json, size_t len)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* smcald's stream replies, as it writes them: the post's text is taken as
 * it is, without a parse (100,000 replies for smctl list). */
static const char more_head[] = "{\"parameters\":{\"post\":";
static const char more_tail[] = "},\"continues\":true}";

static int
stream_post(const char *msg, size_t len, const char **post, size_t *plen)
{
	size_t h = sizeof(more_head) - 1, t = sizeof(more_tail) - 1;
	if (len < h + t + 2 || memcmp(msg, more_head, h) != 0 ||
	    memcmp(msg + len - t, more_tail, t) != 0 || msg[h] != '{' ||
	    msg[len - t - 1] != '}')
		return 0;
	*post = msg + h;
	*plen = len - h - t;
	return 1;
}

int
ctl_posts_stream(const struct ctl_env *env, const char *command,
		 const char *method, json_t *params, ctl_posts_fn fn, void *ctx)
{
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, method, params, 1);
	while (rc == CTL_OK) {
		const char *msg, *text;
		size_t len, tlen;
		rc = ctl_client_recv_raw(&cl, &msg, &len);
		if (rc != CTL_OK)
			break;
		if (stream_post(msg, len, &text, &tlen)) {
			rc = fn(ctx, text, tlen);
			continue;
		}
		/* Anything else (the last reply, an error, another server's
		 * spelling) is decoded. */
		struct sm_proto_reply r = {0};
		char why[160];
		if (sm_proto_reply_decode(msg, len, &r, why, sizeof(why)) < 0) {
			fprintf(stderr,
				"smctl %s: a reply from smcald is not "
				"varlink: %s\n",
				command, why);
			rc = CTL_UNREACHABLE;
			break;
		}
		if (r.error) {
			rc = ctl_client_error(command, &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *post = json_object_get(r.parameters, "post");
		if (post) {
			char *t = json_dumps(post, JSON_COMPACT);
			if (!t)
				abort();
			rc = fn(ctx, t, strlen(t));
			free(t);
		}
		int more = r.continues;
		sm_proto_reply_fini(&r);
		if (!more)
			break;
	}
	ctl_client_close(&cl);
	return rc;
}

const char *
ctl_posts_platforms(json_t *post, char *buf, size_t len)
{
	size_t i, k = 0;
	json_t *p;
	buf[0] = '\0';
	json_array_foreach(json_object_get(post, "platforms"), i, p)
	{
		if (k >= len)
			break;
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "",
				      json_string_value(p));
	}
	return buf;
}

enum ctl_paint
ctl_posts_status_paint(const char *status)
{
	if (strcmp(status, "done") == 0)
		return CTL_GOOD;
	if (strcmp(status, "cancelled") == 0)
		return CTL_DIM;
	if (strcmp(status, "draft") == 0)
		return CTL_WARN;
	return CTL_PLAIN;
}

/* A title cut to width characters, on one line. */
static const char *
short_title(const char *s, char *buf, size_t len)
{
	size_t k = 0, chars = 0;
	for (; *s && k + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c & 0xc0) != 0x80 && chars++ == TITLE_WIDTH) {
			memcpy(buf + k, "\xe2\x80\xa6", 3); /* … */
			k += 3;
			break;
		}
		buf[k++] = c == '\n' || c == '\t' || c == '\r' ? ' ' : (char)c;
	}
	buf[k] = '\0';
	return buf;
}

void
ctl_posts_table_init(struct ctl_posts_table *pt)
{
	memset(pt, 0, sizeof(*pt));
}

enum {
	C_WHEN,
	C_STATUS,
	C_PLATFORMS,
	C_TITLE,
	C_ID,
	C_OCC,
	NCELLS
};

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

/* Adds a row from its fields (copied). */
static void
table_row(struct ctl_posts_table *pt, const char *when, const char *status,
	  const char *plats, const char *title, const char *id, const char *occ,
	  int recurring)
{
	if (pt->n == pt->cap) {
		pt->cap = pt->cap ? pt->cap * 2 : 256;
		pt->cells = realloc(pt->cells,
				    pt->cap * NCELLS * sizeof(*pt->cells));
		if (!pt->cells)
			abort();
	}
	char w[40], t[256];
	char **c = pt->cells + pt->n * NCELLS;
	c[C_WHEN] = xstrdup(ctl_when(when, w, sizeof(w)));
	c[C_STATUS] = xstrdup(status);
	c[C_PLATFORMS] = xstrdup(plats);
	c[C_TITLE] = xstrdup(title && *title ? short_title(title, t, sizeof(t))
					     : "-");
	c[C_ID] = xstrdup(id);
	c[C_OCC] = xstrdup(recurring ? occ : "-");
	pt->recurring |= recurring;
	pt->n++;
}

void
ctl_posts_table_add(struct ctl_posts_table *pt, json_t *p)
{
	char plats[256];
	table_row(pt, json_string_value(json_object_get(p, "publish_at_local")),
		  str(p, "status"),
		  ctl_posts_platforms(p, plats, sizeof(plats)), str(p, "title"),
		  str(p, "id"), str(p, "occurrence"),
		  json_is_true(json_object_get(p, "recurring")));
}

/*
 * A scanner for the flat objects smcald writes (strings, arrays of
 * strings, true, false, null, numbers): what the table needs without a
 * tree per post.  Strings are unescaped into the scanner's buffer.
 */
struct scan {
	const char *p, *end;
	char *buf; /* unescaped strings, back to back */
	size_t len, cap;
};

static void
scan_put(struct scan *s, const char *b, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			abort();
	}
	memcpy(s->buf + s->len, b, n);
	s->len += n;
}

static void
scan_utf8(struct scan *s, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	scan_put(s, b, n);
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Reads a string at s->p into the buffer; its offset, or -1. */
static long
scan_string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	s->p++;
	long off = (long)s->len;
	while (s->p < s->end && *s->p != '"') {
		const char *run = s->p;
		while (s->p < s->end && *s->p != '"' && *s->p != '\\')
			s->p++;
		scan_put(s, run, (size_t)(s->p - run));
		if (s->p >= s->end || *s->p == '"')
			break;
		if (s->end - s->p < 2)
			return -1;
		char e = s->p[1];
		s->p += 2;
		static const char from[] = "\"\\/bfnrt",
				  to[] = "\"\\/\b\f\n\r\t";
		const char *k = strchr(from, e);
		if (e && k) {
			scan_put(s, &to[k - from], 1);
			continue;
		}
		unsigned cp, lo;
		if (e != 'u' || s->end - s->p < 4 || hex4(s->p, &cp) < 0)
			return -1;
		s->p += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 &&
		    s->p[0] == '\\' && s->p[1] == 'u' &&
		    hex4(s->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			s->p += 6;
		}
		scan_utf8(s, cp);
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	scan_put(s, "", 1);
	return off;
}

/* The fields of the table from a post's text; 0 or -1 (not flat). */
static int
scan_post(struct scan *s, long *f, int *recurring)
{
	static const char *const keys[] = {"publish_at_local", "status",
					   "title", "id", "occurrence"};
	for (int i = 0; i < 6; i++)
		f[i] = -1;
	*recurring = 0;
	long plats = -1;
	if (s->p >= s->end || *s->p++ != '{')
		return -1;
	while (s->p < s->end && *s->p != '}') {
		long k = scan_string(s);
		if (k < 0 || s->p >= s->end || *s->p++ != ':')
			return -1;
		const char *key = s->buf + k;
		int slot = -1;
		for (int i = 0; i < 5; i++)
			if (strcmp(key, keys[i]) == 0)
				slot = i;
		if (*s->p == '"') {
			long v = scan_string(s);
			if (v < 0)
				return -1;
			if (slot >= 0)
				f[slot] = v;
		} else if (*s->p == '[') {
			/* platforms: strings joined with ", " */
			int is_plats = strcmp(key, "platforms") == 0;
			s->p++;
			size_t start = s->len;
			int first = 1;
			while (s->p < s->end && *s->p != ']') {
				size_t before = s->len;
				long v = scan_string(s);
				if (v < 0)
					return -1;
				if (is_plats) {
					char *item = strdup(s->buf + v);
					if (!item)
						abort();
					s->len = before;
					if (!first)
						scan_put(s, ", ", 2);
					scan_put(s, item, strlen(item));
					free(item);
					first = 0;
				}
				if (s->p < s->end && *s->p == ',')
					s->p++;
			}
			if (s->p >= s->end)
				return -1;
			s->p++;
			if (is_plats) {
				scan_put(s, "", 1);
				plats = (long)start;
			}
		} else {
			const char *v = s->p;
			while (s->p < s->end && *s->p != ',' && *s->p != '}')
				s->p++;
			if (strcmp(key, "recurring") == 0)
				*recurring = s->p - v == 4 &&
					     memcmp(v, "true", 4) == 0;
		}
		if (s->p < s->end && *s->p == ',')
			s->p++;
	}
	f[5] = plats;
	return s->p < s->end ? 0 : -1;
}

int
ctl_posts_table_add_text(struct ctl_posts_table *pt, const char *json,
			 size_t len)
{
	static struct scan s;
	s.p = json;
	s.end = json + len;
	s.len = 0;
	long f[6];
	int recurring;
	if (scan_post(&s, f, &recurring) == 0) {
		const char *v[6];
		for (int i = 0; i < 6; i++)
			v[i] = f[i] >= 0 ? s.buf + f[i] : "";
		table_row(pt, v[0], v[1], v[5], v[2], v[3], v[4], recurring);
		return 0;
	}
	json_t *o = ctl_posts_parse(json, len);
	if (!o)
		return -1;
	ctl_posts_table_add(pt, o);
	json_decref(o);
	return 0;
}

size_t
ctl_posts_table_print(struct ctl_posts_table *pt)
{
	static const char *const heads[] = {"WHEN",  "STATUS", "PLATFORMS",
					    "TITLE", "ID",     "OCCURRENCE",
					    NULL};
	struct ctl_table t;
	ctl_table_init(&t, pt->recurring ? 6 : 5, heads);
	static const enum ctl_paint plain[NCELLS] = {0};
	for (size_t i = 0; i < pt->n; i++) {
		char **c = pt->cells + i * NCELLS;
		enum ctl_paint paint[NCELLS];
		memcpy(paint, plain, sizeof(paint));
		paint[C_STATUS] = ctl_posts_status_paint(c[C_STATUS]);
		paint[C_OCC] = CTL_DIM;
		ctl_table_row(&t, (const char *const *)c, paint);
	}
	ctl_table_print(&t, stdout, 0);
	size_t n = pt->n;
	ctl_posts_table_free(pt);
	return n;
}

void
ctl_posts_table_free(struct ctl_posts_table *pt)
{
	for (size_t i = 0; i < pt->n * NCELLS; i++)
		free(pt->cells[i]);
	free(pt->cells);
	memset(pt, 0, sizeof(*pt));
}

void
ctl_posts_show(json_t *p)
{
	char when[40], plats[512];
	const char *status = str(p, "status");
	printf("%sid:%s         %s\n", ctl_paint(CTL_BOLD), ctl_unpaint(),
	       str(p, "id"));
	if (json_is_true(json_object_get(p, "recurring")) ||
	    strcmp(str(p, "calendar"), "queue") != 0)
		printf("occurrence: %s\n", str(p, "occurrence"));
	printf("calendar:   %s\n", str(p, "calendar"));
	printf("status:     %s%s%s\n",
	       ctl_paint(ctl_posts_status_paint(status)), status,
	       ctl_unpaint());
	printf("publish:    %s (%s UTC)\n", str(p, "publish_at_local"),
	       ctl_when(str(p, "publish_at"), when, sizeof(when)));
	printf("platforms:  %s\n",
	       ctl_posts_platforms(p, plats, sizeof(plats)));
	static const char *const keys[] = {"title", "type", "persona",
					   "campaign", "url"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (*str(p, keys[i]))
			printf("%s:%*s%s\n", keys[i],
			       (int)(11 - strlen(keys[i])), "",
			       str(p, keys[i]));
	if (json_object_get(p, "done_at")) {
		printf("done:       %s UTC%s%s\n",
		       ctl_when(str(p, "done_at"), when, sizeof(when)),
		       *str(p, "posted_url") ? " at " : "",
		       str(p, "posted_url"));
	}
	if (json_is_true(json_object_get(p, "recurring")))
		printf("recurring:  yes (this occurrence; --occurrence names "
		       "another)\n");
	const char *body = str(p, "body");
	if (*body) {
		printf("body:\n");
		for (const char *l = body; *l;) {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			printf("  %.*s\n", (int)n, l);
			l += n + (e ? 1 : 0);
		}
	}
	if (json_is_true(json_object_get(p, "truncated")))
		printf("%s(text cut at 64 KiB)%s\n", ctl_paint(CTL_DIM),
		       ctl_unpaint());
}

const char *
ctl_posts_phrase(json_t *p, char *buf, size_t len)
{
	char when[40], plats[256], title[256];
	const char *t = str(p, "title");
	int recurring = json_is_true(json_object_get(p, "recurring"));
	snprintf(buf, len, "%s%s%s (%s, %s%s%s%s)", str(p, "id"),
		 recurring ? " " : "", recurring ? str(p, "occurrence") : "",
		 ctl_when(str(p, "publish_at_local"), when, sizeof(when)),
		 ctl_posts_platforms(p, plats, sizeof(plats)), *t ? ": \"" : "",
		 *t ? short_title(t, title, sizeof(title)) : "",
		 *t ? "\"" : "");
	return buf;
}

int
ctl_posts_one(const struct ctl_env *env, const struct ctl_cmd *cmd,
	      const char *method, int with_url, int argc, char **argv,
	      void (*print)(json_t *post))
{
	const char *occurrence = NULL, *calendar = NULL, *url = NULL;
	int json = 0, c;
	static const struct option longopts[] = {
		{"occurrence", required_argument, NULL, 'o'},
		{"calendar", required_argument, NULL, 'C'},
		{"url", required_argument, NULL, 'u'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'o')
			occurrence = optarg;
		else if (c == 'C')
			calendar = optarg;
		else if (c == 'u' && with_url)
			url = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'h')
			return ctl_help(cmd);
		else
			return ctl_usage(cmd);
	}
	if (optind + 1 != argc)
		return ctl_usage(cmd);
	json_t *params = json_pack("{s:s}", "id", argv[optind]);
	if (occurrence)
		json_object_set_new(params, "occurrence",
				    json_string(occurrence));
	if (calendar)
		json_object_set_new(params, "calendar", json_string(calendar));
	if (url)
		json_object_set_new(params, "url", json_string(url));
	struct sm_proto_reply r;
	int rc = ctl_call(env, cmd->name, method, params, &r);
	json_decref(params);
	if (rc != CTL_OK)
		return rc;
	json_t *post = json_object_get(r.parameters, "post");
	if (json)
		ctl_json_line(post);
	else
		print(post);
	sm_proto_reply_fini(&r);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
}
