/*
 * posts: streams, tables and details of io.smcal.Posts posts for smctl.
 */
#include "posts.h"

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

int
ctl_posts_stream(const struct ctl_env *env, const char *command,
		 const char *method, json_t *params, ctl_posts_fn fn, void *ctx)
{
	struct ctl_client cl;
	int rc = ctl_client_open(&cl, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&cl, method, params, 1);
	while (rc == CTL_OK) {
		struct sm_proto_reply r = {0};
		rc = ctl_client_recv(&cl, &r);
		if (rc != CTL_OK)
			break;
		if (r.error) {
			rc = ctl_client_error(command, &r);
			sm_proto_reply_fini(&r);
			break;
		}
		json_t *post = json_object_get(r.parameters, "post");
		if (post)
			rc = fn(ctx, post);
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
	pt->rows = json_array();
}

void
ctl_posts_table_add(struct ctl_posts_table *pt, json_t *post)
{
	json_array_append(pt->rows, post);
	if (json_is_true(json_object_get(post, "recurring")))
		pt->recurring = 1;
}

size_t
ctl_posts_table_print(struct ctl_posts_table *pt)
{
	static const char *const heads[] = {"WHEN",  "STATUS", "PLATFORMS",
					    "TITLE", "ID",     "OCCURRENCE",
					    NULL};
	ctl_table_init(&pt->t, pt->recurring ? 6 : 5, heads);
	size_t i, n = json_array_size(pt->rows);
	json_t *p;
	json_array_foreach(pt->rows, i, p)
	{
		char when[40], plats[256], title[256];
		const char *status = str(p, "status");
		const char *t = str(p, "title");
		int recurring = json_is_true(json_object_get(p, "recurring"));
		const char *cells[] = {
			ctl_when(str(p, "publish_at_local"), when,
				 sizeof(when)),
			status,
			ctl_posts_platforms(p, plats, sizeof(plats)),
			*t ? short_title(t, title, sizeof(title)) : "-",
			str(p, "id"),
			recurring ? str(p, "occurrence") : "-",
		};
		enum ctl_paint paint[] = {
			CTL_PLAIN, ctl_posts_status_paint(status),
			CTL_PLAIN, CTL_PLAIN,
			CTL_PLAIN, CTL_DIM};
		ctl_table_row(&pt->t, cells, paint);
	}
	ctl_table_print(&pt->t, stdout, 0);
	json_decref(pt->rows);
	pt->rows = NULL;
	return n;
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
