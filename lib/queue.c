/*
 * queue: the `queue` table (schema version 3, see store.c's migrations) and
 * queued posts as calendar posts.
 *
 * Statements are prepared per call, as in outbox.c: a batch of adds
 * prepares its insert once and steps it per post, so the cost that counts
 * is the commit's fsync, shared by every post of the batch (group commit).
 * Listing walks the (publish_at, id) index; paging is by that key, so a
 * page costs the same wherever it starts.  A post's done mark is joined
 * from `done` by (calendar "queue", id, identity), the identity being the
 * publish instant in UTC: the column `rid`, which SQLite computes when a
 * post is added or moved, and sm_queue_rid in C.
 */
#include "queue.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "store-db.h"

/* Longest platform name, as the config allows. */
#define NAME_MAX_LEN 64
#define QUEUE SM_CONFIG_QUEUE_CALENDAR

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Reads n random bytes; aborts when the kernel cannot give them (no
 * secure id can be made then). */
static void
random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			abort();
		got += (size_t)r;
	}
}

void
sm_queue_new_id(char id[SM_QUEUE_ID_SIZE])
{
	unsigned char r[10]; /* 80 bits: 16 base32 letters */
	random_bytes(r, sizeof(r));
	id[0] = 'q';
	id[1] = '_';
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, v = 0;
		for (int k = 0; k < 5; k++, bit++)
			v = v << 1 | ((r[bit / 8] >> (7 - bit % 8)) & 1);
		id[2 + i] = b32[v];
	}
	id[SM_QUEUE_ID_LEN] = '\0';
}

int
sm_queue_id_valid(const char *s)
{
	if (strncmp(s, "q_", 2) != 0 || strlen(s) != SM_QUEUE_ID_LEN)
		return 0;
	for (const char *p = s + 2; *p; p++)
		if (!strchr(b32, *p))
			return 0;
	return 1;
}

char *
sm_queue_rid(sm_time publish_at, char *buf, size_t len)
{
	return sm_civil_format(publish_at, SM_CIVIL_UTC, buf, len);
}

/* ---------------------------------------------------------------------
 * Checks.
 */

static int
name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* 1 when s could be a configured name (config.c's rule for sections). */
static int
name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!name_char(*s))
			return 0;
	return 1;
}

/* What is wrong with a text field, or NULL: not UTF-8, or a control
 * character other than tab and newline. */
static const char *
text_problem(const char *s, int allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char b = *p;
		if (b < 0x80) {
			if ((b < 0x20 && b != '\t' &&
			     !(allow_newline && b == '\n')) ||
			    b == 0x7F)
				return allow_newline
					       ? "a control character (only "
						 "tab and newline are allowed)"
					       : "a control character or line "
						 "break";
			p++;
			continue;
		}
		int k = b >= 0xC2 && b <= 0xDF	 ? 1
			: b >= 0xE0 && b <= 0xEF ? 2
			: b >= 0xF0 && b <= 0xF4 ? 3
						 : 0;
		if (k == 0)
			return "text that is not UTF-8";
		unsigned cp = b & (0x3F >> k);
		for (int j = 1; j <= k; j++) {
			if ((p[j] & 0xC0) != 0x80)
				return "text that is not UTF-8";
			cp = cp << 6 | (p[j] & 0x3F);
		}
		if ((k == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return "text that is not UTF-8";
		p += k + 1;
	}
	return NULL;
}

/* "a, b, c" of the configured platforms or types into buf. */
static const char *
names_list(char *buf, size_t len, size_t n,
	   const char *(*name)(const struct sm_config *, size_t),
	   const struct sm_config *cfg)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "",
				      name(cfg, i));
	return buf;
}

static const char *
platform_name(const struct sm_config *cfg, size_t i)
{
	return cfg->platforms[i].name;
}

static const char *
type_name(const struct sm_config *cfg, size_t i)
{
	return cfg->types[i].name;
}

/* 1 when url starts with a scheme ("https:") and has more after it. */
static int
has_scheme(const char *url)
{
	const char *p = url;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	       *p == '.')
		p++;
	return *p == ':' && p[1] != '\0';
}

int
sm_queue_validate(const struct sm_config *cfg, struct sm_queue_post *q,
		  sm_time now, int allow_past, struct sm_diag_list *diags,
		  const char *file, int line)
{
	size_t before = diags->nerrors;
	char list[1024];
#define ERR(...) sm_diag_add(diags, SM_ERROR, file, line, __VA_ARGS__)

	if (q->nplatforms <= 0) {
		if (cfg && cfg->nplatforms)
			ERR("no platform: name one of %s",
			    names_list(list, sizeof(list), cfg->nplatforms,
				       platform_name, cfg));
		else
			ERR("no platform: name the platform to post on");
	} else if (q->nplatforms > SM_QUEUE_MAX_PLATFORMS) {
		ERR("%d platforms: a post goes to at most %d", q->nplatforms,
		    SM_QUEUE_MAX_PLATFORMS);
	}
	int np = q->nplatforms < SM_QUEUE_MAX_PLATFORMS
			 ? q->nplatforms
			 : SM_QUEUE_MAX_PLATFORMS;
	for (int i = 0; i < np; i++) {
		const char *name = q->platforms[i] ? q->platforms[i] : "";
		const struct sm_platform *pl =
			cfg ? sm_config_platform(cfg, name) : NULL;
		if (cfg && !pl) {
			if (cfg->nplatforms)
				ERR("unknown platform \"%s\": the configured "
				    "platforms are %s",
				    name,
				    names_list(list, sizeof(list),
					       cfg->nplatforms, platform_name,
					       cfg));
			else
				ERR("unknown platform \"%s\": no platform is "
				    "configured (add a [platform:NAME] "
				    "section)",
				    name);
			continue;
		}
		if (!cfg && !name_valid(name)) {
			ERR("platform \"%s\": expected a name of letters, "
			    "digits, '_', '-' or '.'",
			    name);
			continue;
		}
		if (pl)
			q->platforms[i] = pl->name;
		for (int k = 0; k < i; k++)
			if (q->platforms[k] &&
			    strcasecmp(q->platforms[k], q->platforms[i]) == 0) {
				ERR("platform \"%s\" is named twice", name);
				break;
			}
	}

	if (q->type) {
		const char *why = text_problem(q->type, 0);
		if (why)
			ERR("type: %s", why);
		else if (cfg && cfg->ntypes && !sm_config_type(cfg, q->type))
			ERR("unknown content type \"%s\": the configured types "
			    "are %s",
			    q->type,
			    names_list(list, sizeof(list), cfg->ntypes,
				       type_name, cfg));
	}
	static const struct {
		const char *name;
		size_t off;
		int newline;
	} texts[] = {
		{"title", offsetof(struct sm_queue_post, title), 0},
		{"body", offsetof(struct sm_queue_post, body), 1},
		{"persona", offsetof(struct sm_queue_post, persona), 0},
		{"campaign", offsetof(struct sm_queue_post, campaign), 0},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *v =
			*(const char *const *)((const char *)q + texts[i].off);
		const char *why = v ? text_problem(v, texts[i].newline) : NULL;
		if (why)
			ERR("%s: %s", texts[i].name, why);
	}
	if (q->url) {
		const char *why = text_problem(q->url, 0);
		if (why || strpbrk(q->url, " \t"))
			ERR("url \"%s\": a URL cannot contain spaces or "
			    "control characters (write a space as %%20)",
			    q->url);
		else if (!has_scheme(q->url))
			ERR("url \"%s\" is not an absolute URL: write it with "
			    "its scheme, e.g. https://%s",
			    q->url, q->url);
	}

	if (q->publish_at != SM_QUEUE_UNSET) {
		char at[32], nowbuf[32];
		if (q->publish_at < 0 || q->publish_at > SM_QUEUE_TIME_MAX)
			ERR("publish time out of range: posts go between 1970 "
			    "and 9999");
		else if (q->publish_at < now && !allow_past)
			ERR("publish time %s is in the past (now is %s): give "
			    "a later time, or --allow-past to add it anyway",
			    sm_civil_format(q->publish_at, SM_CIVIL_UTC, at,
					    sizeof(at)),
			    sm_civil_format(now, SM_CIVIL_UTC, nowbuf,
					    sizeof(nowbuf)));
	}
#undef ERR
	return (int)(diags->nerrors - before);
}

/* ---------------------------------------------------------------------
 * Statements.
 */

static sqlite3_stmt *
prepare(struct sm_store *st, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(sm_store_db(st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		sm_store_set_error(st, what);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
		 : sqlite3_bind_null(s, i);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Joins platform names in lower case with commas into buf; -1 when one
 * is not a name. */
static int
join_platforms(const struct sm_queue_post *q, char *buf, size_t len)
{
	size_t k = 0;
	if (q->nplatforms <= 0 || q->nplatforms > SM_QUEUE_MAX_PLATFORMS)
		return -1;
	for (int i = 0; i < q->nplatforms; i++) {
		const char *p = q->platforms[i];
		if (!p || !name_valid(p) || k + strlen(p) + 2 > len)
			return -1;
		if (i)
			buf[k++] = ',';
		for (; *p; p++)
			buf[k++] = (char)tolower((unsigned char)*p);
	}
	buf[k] = '\0';
	return 0;
}

static const char insert_sql[] =
	"INSERT INTO queue (id, title, body, platforms, type, persona,"
	" campaign, url, publish_at, draft, status, created_at, updated_at,"
	" revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	" 'scheduled', ?11, ?11, 1)";

int
sm_queue_add(struct sm_store *st, struct sm_queue_post *posts, size_t n,
	     sm_time now)
{
	const char *what = "adding to the queue";
	if (n == 0)
		return 0;
	if (sm_store_begin(st) < 0)
		return -EIO;
	sqlite3_stmt *s = prepare(st, insert_sql, what);
	int rc = s ? 0 : -EIO;
	size_t i = 0;
	unsigned char *made = calloc(n, 1); /* ids made here */
	if (!made)
		abort();
	for (; rc == 0 && i < n; i++) {
		struct sm_queue_post *q = &posts[i];
		char plats[SM_QUEUE_MAX_PLATFORMS * (NAME_MAX_LEN + 1) + 1];
		if (join_platforms(q, plats, sizeof(plats)) < 0) {
			sm_store_set_message(
				st,
				"post %zu: needs 1 to %d platforms "
				"named with letters, digits, '_', "
				"'-' or '.'",
				i + 1, SM_QUEUE_MAX_PLATFORMS);
			rc = -EINVAL;
			break;
		}
		if (q->publish_at < 0 || q->publish_at > SM_QUEUE_TIME_MAX) {
			sm_store_set_message(st, "post %zu: %s", i + 1,
					     q->publish_at == SM_QUEUE_UNSET
						     ? "no publish time"
						     : "publish time out of "
						       "range");
			rc = -EINVAL;
			break;
		}
		if (q->id[0] == '\0') {
			sm_queue_new_id(q->id);
			made[i] = 1;
		} else if (!sm_queue_id_valid(q->id)) {
			sm_store_set_message(
				st,
				"post %zu: \"%.*s\" is not a queue "
				"id (q_ and 16 of a-z, 2-7)",
				i + 1, SM_QUEUE_ID_LEN, q->id);
			rc = -EINVAL;
			break;
		}
		for (int tries = 0;; tries++) {
			bind_text(s, 1, q->id);
			bind_text(s, 2, q->title);
			bind_text(s, 3, q->body);
			bind_text(s, 4, plats);
			bind_text(s, 5, q->type);
			bind_text(s, 6, q->persona);
			bind_text(s, 7, q->campaign);
			bind_text(s, 8, q->url);
			sqlite3_bind_int64(s, 9, q->publish_at);
			sqlite3_bind_int(s, 10, q->draft != 0);
			sqlite3_bind_int64(s, 11, now);
			int step = sqlite3_step(s);
			int ext = sqlite3_extended_errcode(sm_store_db(st));
			sqlite3_reset(s);
			if (step == SQLITE_DONE)
				break;
			if (ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
				/* 80 random bits: a collision is a wonder,
				 * a repeated one a broken generator. */
				if (made[i] && tries < 3) {
					sm_queue_new_id(q->id);
					continue;
				}
				sm_store_set_message(
					st,
					"post %zu: %s is already in "
					"the queue",
					i + 1, q->id);
				rc = -EEXIST;
			} else {
				sm_store_set_error(st, what);
				rc = -EIO;
			}
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc == 0 && sm_store_commit(st) < 0)
		rc = -EIO;
	if (rc < 0) {
		sm_store_rollback(st);
		for (size_t k = 0; k < n; k++)
			if (made[k])
				posts[k].id[0] = '\0';
	} else {
		for (size_t k = 0; k < n; k++) {
			posts[k].status = SM_QUEUE_SCHEDULED;
			posts[k].created_at = posts[k].updated_at = now;
			posts[k].revision = 1;
			posts[k].done = 0;
		}
	}
	free(made);
	return rc;
}

/* ---------------------------------------------------------------------
 * Reading.
 */

#define SELECT_POST                                                            \
	"SELECT q.id, q.title, q.body, q.platforms, q.type, q.persona,"        \
	" q.campaign, q.url, q.publish_at, q.draft, q.status, q.created_at,"   \
	" q.updated_at, q.revision, d.at, d.url FROM queue q"                  \
	" LEFT JOIN done d ON d.calendar = '" QUEUE "' AND d.uid = q.id"       \
	" AND d.recurrence_id = q.rid"

/* Splits a stored platform list into q (pointing into buf, which is
 * overwritten). */
static void
split_platforms(const char *list, char **buf, size_t *cap,
		struct sm_queue_post *q)
{
	size_t n = strlen(list ? list : "");
	if (n + 1 > *cap) {
		*cap = n + 64;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf, list ? list : "", n + 1);
	q->nplatforms = 0;
	char *p = *buf;
	while (*p && q->nplatforms < SM_QUEUE_MAX_PLATFORMS) {
		q->platforms[q->nplatforms++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
}

/* Reads the current row of a SELECT_POST statement into q. */
static void
row_to_post(sqlite3_stmt *s, char **pbuf, size_t *pcap, struct sm_queue_post *q)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->id, sizeof(q->id), "%s", col_text(s, 0));
	q->title = col_text(s, 1);
	q->body = col_text(s, 2);
	split_platforms(col_text(s, 3), pbuf, pcap, q);
	q->type = col_text(s, 4);
	q->persona = col_text(s, 5);
	q->campaign = col_text(s, 6);
	q->url = col_text(s, 7);
	q->publish_at = sqlite3_column_int64(s, 8);
	q->draft = sqlite3_column_int(s, 9);
	const char *status = col_text(s, 10);
	q->status = status && strcmp(status, "cancelled") == 0
			    ? SM_QUEUE_CANCELLED
			    : SM_QUEUE_SCHEDULED;
	q->created_at = sqlite3_column_int64(s, 11);
	q->updated_at = sqlite3_column_int64(s, 12);
	q->revision = sqlite3_column_int64(s, 13);
	q->done = sqlite3_column_type(s, 14) != SQLITE_NULL;
	if (q->done) {
		q->done_at = sqlite3_column_int64(s, 14);
		q->done_url = col_text(s, 15);
	}
}

int
sm_queue_get(struct sm_store *st, const char *id, struct sm_arena *a,
	     struct sm_queue_post *out)
{
	const char *what = "reading a queued post";
	sqlite3_stmt *s = prepare(st, SELECT_POST " WHERE q.id = ?1", what);
	if (!s)
		return -EIO;
	bind_text(s, 1, id);
	int step = sqlite3_step(s), rc;
	if (step == SQLITE_ROW) {
		char *pbuf = NULL;
		size_t pcap = 0;
		row_to_post(s, &pbuf, &pcap, out);
		/* Copy what points into the statement or pbuf. */
		out->title = sm_arena_strdup(a, out->title);
		out->body = sm_arena_strdup(a, out->body);
		out->type = sm_arena_strdup(a, out->type);
		out->persona = sm_arena_strdup(a, out->persona);
		out->campaign = sm_arena_strdup(a, out->campaign);
		out->url = sm_arena_strdup(a, out->url);
		out->done_url = sm_arena_strdup(a, out->done_url);
		for (int i = 0; i < out->nplatforms; i++)
			out->platforms[i] =
				sm_arena_strdup(a, out->platforms[i]);
		free(pbuf);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		sm_store_set_message(st, "no queued post %s", id);
		rc = -ENOENT;
	} else {
		sm_store_set_error(st, what);
		rc = -EIO;
	}
	sqlite3_finalize(s);
	return rc;
}

void
sm_queue_filter_init(struct sm_queue_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->from = SM_TIME_MIN;
	f->to = SM_TIME_MAX;
	f->done = -1;
}

/* A platform name in lower case into buf (names longer than a configured
 * one can be match nothing). */
static const char *
lower_name(const char *name, char *buf, size_t len)
{
	size_t i = 0;
	for (; name[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return name[i] ? "" : buf;
}

int
sm_queue_list(struct sm_store *st, const struct sm_queue_filter *f,
	      sm_queue_fn fn, void *ctx)
{
	const char *what = "listing the queue";
	sqlite3_stmt *s = prepare(
		st,
		SELECT_POST
		" WHERE q.publish_at >= ?1 AND q.publish_at < ?2"
		" AND (?3 IS NULL OR"
		" instr(',' || q.platforms || ',', ',' || ?3 || ',') > 0)"
		" AND (?4 = 0 OR (?4 & CASE WHEN q.status = 'cancelled' THEN 4"
		" WHEN q.draft THEN 2 ELSE 1 END) != 0)"
		" AND (?5 < 0 OR (d.at IS NOT NULL) = ?5)"
		" AND (?6 IS NULL OR q.publish_at > ?7"
		" OR (q.publish_at = ?7 AND q.id > ?6))"
		" ORDER BY q.publish_at, q.id LIMIT ?8",
		what);
	if (!s)
		return -EIO;
	sm_time from = f->from;
	if (f->after_id && f->after_at > from)
		from = f->after_at; /* lets the index start there */
	char lower[NAME_MAX_LEN + 2];
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, f->to);
	bind_text(s, 3,
		  f->platform ? lower_name(f->platform, lower, sizeof(lower))
			      : NULL);
	sqlite3_bind_int(s, 4, (int)(f->states & 7u));
	sqlite3_bind_int(s, 5, f->done < 0 ? -1 : f->done != 0);
	bind_text(s, 6, f->after_id);
	sqlite3_bind_int64(s, 7, f->after_at);
	sqlite3_bind_int64(
		s, 8, f->limit ? (sqlite3_int64)f->limit : (sqlite3_int64)-1);
	char *pbuf = NULL;
	size_t pcap = 0;
	int count = 0, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_queue_post q;
		row_to_post(s, &pbuf, &pcap, &q);
		count++;
		if (fn && fn(ctx, &q)) {
			step = SQLITE_DONE;
			break;
		}
	}
	if (step != SQLITE_DONE)
		sm_store_set_error(st, what);
	free(pbuf);
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? count : -EIO;
}

int
sm_queue_instants(struct sm_store *st, const char *platform, sm_time from,
		  sm_time **out, size_t *n)
{
	const char *what = "reading a platform's queued posts";
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = prepare(
		st,
		"SELECT publish_at FROM queue WHERE status = 'scheduled'"
		" AND publish_at >= ?1"
		" AND instr(',' || platforms || ',', ',' || ?2 || ',') > 0"
		" ORDER BY publish_at",
		what);
	if (!s)
		return -EIO;
	char lower[NAME_MAX_LEN + 2];
	sqlite3_bind_int64(s, 1, from);
	bind_text(s, 2, lower_name(platform, lower, sizeof(lower)));
	size_t cap = 0;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			sm_time *v = realloc(*out, cap * sizeof(**out));
			if (!v)
				abort();
			*out = v;
		}
		(*out)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE) {
		sm_store_set_error(st, what);
		free(*out);
		*out = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Changes.
 */

/* Reads a post's publish time and status: 0, -ENOENT or -EIO. */
static int
read_state(struct sm_store *st, const char *id, sm_time *at, int *cancelled)
{
	const char *what = "reading a queued post";
	sqlite3_stmt *s = prepare(
		st, "SELECT publish_at, status FROM queue WHERE id = ?1", what);
	if (!s)
		return -EIO;
	bind_text(s, 1, id);
	int step = sqlite3_step(s), rc;
	if (step == SQLITE_ROW) {
		*at = sqlite3_column_int64(s, 0);
		const char *status = col_text(s, 1);
		*cancelled = status && strcmp(status, "cancelled") == 0;
		rc = 0;
	} else if (step == SQLITE_DONE) {
		sm_store_set_message(st, "no queued post %s", id);
		rc = -ENOENT;
	} else {
		sm_store_set_error(st, what);
		rc = -EIO;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Runs an UPDATE on one post; returns the rows changed or -EIO. */
static int
update(struct sm_store *st, const char *sql, const char *id, sm_time now,
       sm_time at, const char *what)
{
	sqlite3_stmt *s = prepare(st, sql, what);
	if (!s)
		return -EIO;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, at);
	int step = sqlite3_step(s);
	sqlite3_finalize(s);
	if (step != SQLITE_DONE) {
		sm_store_set_error(st, what);
		return -EIO;
	}
	return sqlite3_changes(sm_store_db(st));
}

/* Ends a change begun with sm_store_begin: commits when rc is 0, else
 * rolls back; returns rc, or -EIO when the commit fails. */
static int
finish(struct sm_store *st, int rc)
{
	if (rc >= 0 && sm_store_commit(st) < 0)
		rc = -EIO;
	if (rc < 0)
		sm_store_rollback(st);
	return rc;
}

int
sm_queue_cancel(struct sm_store *st, const char *id, sm_time now)
{
	if (sm_store_begin(st) < 0)
		return -EIO;
	sm_time at;
	int cancelled = 0;
	int rc = read_state(st, id, &at, &cancelled);
	if (rc == 0 && cancelled)
		rc = 1;
	else if (rc == 0)
		rc = update(st,
			    "UPDATE queue SET status = 'cancelled',"
			    " updated_at = ?2, revision = revision + 1"
			    " WHERE id = ?1",
			    id, now, 0, "cancelling a queued post") < 0
			     ? -EIO
			     : 0;
	return finish(st, rc);
}

int
sm_queue_move(struct sm_store *st, const char *id, sm_time to, sm_time now)
{
	if (to < 0 || to > SM_QUEUE_TIME_MAX) {
		sm_store_set_message(st, "publish time out of range: posts go "
					 "between 1970 and 9999");
		return -EINVAL;
	}
	if (sm_store_begin(st) < 0)
		return -EIO;
	sm_time at;
	int cancelled = 0;
	int rc = read_state(st, id, &at, &cancelled);
	if (rc == 0 && cancelled) {
		sm_store_set_message(st, "%s is cancelled: add it again", id);
		rc = -ECANCELED;
	}
	if (rc == 0) {
		char rid[32];
		int done = sm_store_is_done(st, QUEUE, id,
					    sm_queue_rid(at, rid, sizeof(rid)));
		if (done < 0) {
			rc = -EIO;
		} else if (done) {
			sm_store_set_message(
				st,
				"%s is marked done (published): it "
				"cannot move",
				id);
			rc = -EALREADY;
		}
	}
	if (rc == 0)
		rc = update(st,
			    "UPDATE queue SET publish_at = ?3, updated_at = ?2,"
			    " revision = revision + 1 WHERE id = ?1",
			    id, now, to, "moving a queued post") < 0
			     ? -EIO
			     : 0;
	return finish(st, rc);
}

int
sm_queue_mark_done(struct sm_store *st, const char *id, const char *url,
		   sm_time at)
{
	if (sm_store_begin(st) < 0)
		return -EIO;
	sm_time publish_at;
	int cancelled = 0;
	int rc = read_state(st, id, &publish_at, &cancelled);
	if (rc == 0 && cancelled) {
		sm_store_set_message(st,
				     "%s is cancelled: a cancelled post is not "
				     "published",
				     id);
		rc = -ECANCELED;
	}
	char rid[32];
	if (rc == 0 &&
	    sm_store_mark_done(st, QUEUE, id,
			       sm_queue_rid(publish_at, rid, sizeof(rid)), url,
			       at) < 0)
		rc = -EIO;
	return finish(st, rc);
}

/* ---------------------------------------------------------------------
 * Queued posts as calendar posts.
 */

/* A string for a post: copied into a, or borrowed when a is NULL. */
static const char *
keep(struct sm_arena *a, const char *s)
{
	return a ? sm_arena_strdup(a, s) : s;
}

/*
 * Fills a post from a queued one, strings copied into a, or borrowed when a
 * is NULL (then the platform names go into plats, which must outlive out).
 */
static void
fill_post(struct sm_arena *a, const struct sm_queue_post *q, const char **plats,
	  struct sm_post *out)
{
	memset(out, 0, sizeof(*out));
	out->uid = keep(a, q->id);
	out->title = keep(a, q->title);
	out->body = keep(a, q->body);
	out->url = keep(a, q->url);
	out->type = keep(a, q->type);
	out->persona = keep(a, q->persona);
	out->campaign = keep(a, q->campaign);
	if (q->nplatforms > 0) {
		const char **v = a ? sm_arena_alloc(a, (size_t)q->nplatforms *
							       sizeof(*v))
				   : plats;
		for (int i = 0; i < q->nplatforms; i++)
			v[i] = keep(a, q->platforms[i]);
		out->platforms = v;
		out->nplatforms = q->nplatforms;
	}
	out->start.civil = q->publish_at;
	out->start.kind = SM_DT_UTC;
	out->status = q->status == SM_QUEUE_CANCELLED ? SM_POST_CANCELLED
		      : q->draft		      ? SM_POST_DRAFT
						      : SM_POST_SCHEDULED;
	out->sequence = q->revision > 1 ? (int)(q->revision - 1) : 0;
	out->file = QUEUE;
}

void
sm_queue_to_post(struct sm_arena *a, const struct sm_queue_post *q,
		 struct sm_post *out)
{
	fill_post(a, q, NULL, out);
}

struct load_ctx {
	struct sm_calendar *cal;
	int with_cancelled;
};

static int
load_one(void *ctx, const struct sm_queue_post *q)
{
	struct load_ctx *l = ctx;
	struct sm_calendar *cal = l->cal;
	if (q->status == SM_QUEUE_CANCELLED && !l->with_cancelled)
		return 0;
	if (cal->nposts == cal->cap) {
		size_t cap = cal->cap ? cal->cap * 2 : 256;
		struct sm_post *v = realloc(cal->posts, cap * sizeof(*v));
		if (!v)
			abort();
		cal->posts = v;
		cal->cap = cap;
	}
	sm_queue_to_post(&cal->arena, q, &cal->posts[cal->nposts++]);
	return 0;
}

/* The number of posts, cancelled ones too or not; -1 on error. */
static long
count_posts(struct sm_store *st, int with_cancelled)
{
	const char *what = "counting queued posts";
	sqlite3_stmt *s = prepare(
		st,
		with_cancelled
			? "SELECT count(*) FROM queue"
			: "SELECT count(*) FROM queue WHERE status = 'scheduled'",
		what);
	if (!s)
		return -1;
	long n = -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	else
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return n;
}

int
sm_queue_load(struct sm_store *st, struct sm_calendar *cal, int with_cancelled)
{
	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	if (!with_cancelled)
		f.states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
	struct load_ctx l = {cal, with_cancelled};
	size_t before = cal->nposts;
	/* Size the array once: a doubling array of 100k posts would leave
	 * up to 30 MB unused. */
	long n = count_posts(st, with_cancelled);
	if (n < 0)
		return -EIO;
	if (cal->nposts + (size_t)n > cal->cap) {
		size_t cap = cal->nposts + (size_t)n;
		struct sm_post *v = realloc(cal->posts, cap * sizeof(*v));
		if (!v && cap)
			abort();
		cal->posts = v;
		cal->cap = cap;
	}
	int rc = sm_queue_list(st, &f, load_one, &l);
	return rc < 0 ? rc : (int)(cal->nposts - before);
}

struct export_ctx {
	struct sm_ics *w;
	sm_time now;
	int failed;
};

static int
export_one(void *ctx, const struct sm_queue_post *q)
{
	struct export_ctx *e = ctx;
	const char *plats[SM_QUEUE_MAX_PLATFORMS];
	struct sm_post p;
	fill_post(NULL, q, plats, &p);
	struct sm_ics_extra x = {
		.dtstamp = e->now,
		.created = q->created_at,
		.last_modified = q->updated_at,
		.done = q->done,
		.done_at = q->done_at,
		.done_url = q->done_url,
	};
	if (sm_ics_post(e->w, &p, &x) < 0)
		e->failed = 1;
	return 0;
}

int
sm_queue_export(struct sm_store *st, struct sm_ics *w, sm_time now)
{
	return sm_queue_export_range(st, w, now, SM_TIME_MIN, SM_TIME_MAX);
}

int
sm_queue_export_range(struct sm_store *st, struct sm_ics *w, sm_time now,
		      sm_time from, sm_time to)
{
	const char *what = "exporting done marks";
	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	f.from = from;
	f.to = to;
	struct export_ctx e = {w, now, 0};
	sm_ics_begin(w, "smcal queue");
	if (sm_queue_list(st, &f, export_one, &e) < 0)
		return -EIO;
	sqlite3_stmt *s = prepare(
		st,
		"SELECT calendar, uid, recurrence_id, url, at FROM done"
		" WHERE calendar != '" QUEUE "' AND at >= ?1 AND at < ?2"
		" ORDER BY at, calendar, uid, recurrence_id",
		what);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		sm_ics_done(w, col_text(s, 0), col_text(s, 1), col_text(s, 2),
			    col_text(s, 3), sqlite3_column_int64(s, 4), now);
	if (step != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	if (step != SQLITE_DONE)
		return -EIO;
	sm_ics_end(w);
	if (e.failed) {
		/* Queued posts are always UTC and single: never happens. */
		sm_store_set_message(st, "a queued post could not be written "
					 "as a VEVENT");
		return -EINVAL;
	}
	return 0;
}
