/*
 * outbox: the outbox and disabled_endpoint tables (schema version 2, see
 * store.c's migrations).  Statements are prepared per call: deliveries
 * come at most a few thousand a second, where preparing costs microseconds,
 * and this keeps the store's statement cache to the ledger's hot path.
 */
#include "outbox.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "store-db.h"

static const char *const status_names[] = {"pending", "sending", "delivered",
					   "failed"};

const char *
sm_delivery_status_name(enum sm_delivery_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "unknown";
}

static enum sm_delivery_status
status_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum sm_delivery_status)i;
	return SM_DELIVERY_FAILED;
}

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

/* Steps a statement that returns no rows, then finalizes it; 0 or -1. */
static int
finish(struct sm_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
sm_outbox_add(struct sm_store *st, const struct sm_delivery *d, int64_t now_ms)
{
	const char *what = "recording a delivery";
	sqlite3_stmt *s = prepare(
		st,
		"INSERT INTO outbox (event_id, webhook, event_type, event_at,"
		" body, content_type, headers, json_event, status, attempts,"
		" next_at, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9,"
		" ?10, ?10) ON CONFLICT (event_id, webhook) DO NOTHING",
		what);
	if (!s)
		return -1;
	bind_text(s, 1, d->event_id);
	bind_text(s, 2, d->webhook);
	bind_text(s, 3, d->event_type);
	sqlite3_bind_int64(s, 4, d->event_at);
	sqlite3_bind_blob(s, 5, d->body, (int)d->body_len, SQLITE_STATIC);
	bind_text(s, 6, d->content_type);
	bind_text(s, 7, d->headers ? d->headers : "");
	sqlite3_bind_int(s, 8, d->json_event != 0);
	sqlite3_bind_int64(s, 9, d->next_at);
	sqlite3_bind_int64(s, 10, now_ms);
	return finish(st, s, what);
}

/* Splits "Name: value" (name and value trimmed); 0, or -1 without a name
 * or a colon. */
static int
header_split(const char *s, size_t len, const char **name, size_t *nlen,
	     const char **value, size_t *vlen)
{
	const char *colon = memchr(s, ':', len);
	if (!colon)
		return -1;
	size_t n = (size_t)(colon - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	const char *v = colon + 1, *end = s + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r' || end[-1] == '\n'))
		end--;
	*name = s;
	*nlen = n;
	*value = v;
	*vlen = (size_t)(end - v);
	return 0;
}

/* 1 when one of the configured headers is called name. */
static int
configured_has(const struct sm_strlist *configured, const char *name,
	       size_t nlen)
{
	for (size_t i = 0; configured && i < configured->n; i++) {
		const char *n, *v;
		size_t cl, vl;
		if (header_split(configured->v[i], strlen(configured->v[i]), &n,
				 &cl, &v, &vl) == 0 &&
		    cl == nlen && strncasecmp(n, name, nlen) == 0)
			return 1;
	}
	return 0;
}

/* 1 when a line of the row before `before` is called name. */
static int
row_has(const char *row, const char *before, const char *name, size_t nlen)
{
	while (row < before) {
		const char *nl = memchr(row, '\n', (size_t)(before - row));
		const char *end = nl ? nl : before;
		const char *n, *v;
		size_t l, vl;
		if (header_split(row, (size_t)(end - row), &n, &l, &v, &vl) ==
			    0 &&
		    l == nlen && strncasecmp(n, name, nlen) == 0)
			return 1;
		row = nl ? nl + 1 : before;
	}
	return 0;
}

void
sm_outbox_headers(const char *row_headers, const struct sm_strlist *configured,
		  void (*fn)(void *ctx, const char *name, size_t name_len,
			     const char *value, size_t value_len),
		  void *ctx)
{
	const char *name, *value;
	size_t nlen, vlen;
	for (const char *line = row_headers; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (header_split(line, len, &name, &nlen, &value, &vlen) == 0 &&
		    !configured_has(configured, name, nlen) &&
		    !row_has(row_headers, line, name, nlen))
			fn(ctx, name, nlen, value, vlen);
		line = nl ? nl + 1 : line + len;
	}
	for (size_t i = 0; configured && i < configured->n; i++)
		if (header_split(configured->v[i], strlen(configured->v[i]),
				 &name, &nlen, &value, &vlen) == 0)
			fn(ctx, name, nlen, value, vlen);
}

/* Runs a "SELECT min(next_at) ..." with an optional webhook bound to ?1. */
static int
min_next_at(struct sm_store *st, const char *sql, const char *webhook,
	    int64_t *at_ms, const char *what)
{
	sqlite3_stmt *s = prepare(st, sql, what);
	if (!s)
		return -1;
	if (webhook)
		bind_text(s, 1, webhook);
	int rc = sqlite3_step(s), found = -1;
	if (rc == SQLITE_ROW) {
		found = sqlite3_column_type(s, 0) != SQLITE_NULL;
		if (found)
			*at_ms = sqlite3_column_int64(s, 0);
	} else {
		sm_store_set_error(st, what);
	}
	sqlite3_finalize(s);
	return found;
}

int
sm_outbox_next_due(struct sm_store *st, int64_t *at_ms)
{
	return min_next_at(st,
			   "SELECT min(next_at) FROM outbox WHERE"
			   " status = 'pending' AND webhook NOT IN"
			   " (SELECT webhook FROM disabled_endpoint)",
			   NULL, at_ms, "finding the next delivery");
}

int
sm_outbox_next_due_of(struct sm_store *st, const char *webhook, int64_t *at_ms)
{
	return min_next_at(st,
			   "SELECT min(next_at) FROM outbox WHERE"
			   " status = 'pending' AND webhook = ?1",
			   webhook, at_ms, "finding a webhook's next delivery");
}

static void
row_to_delivery(sqlite3_stmt *s, struct sm_delivery *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(s, 0);
	d->event_id = (const char *)sqlite3_column_text(s, 1);
	d->webhook = (const char *)sqlite3_column_text(s, 2);
	d->event_type = (const char *)sqlite3_column_text(s, 3);
	d->event_at = sqlite3_column_int64(s, 4);
	d->body = sqlite3_column_blob(s, 5);
	d->body_len = (size_t)sqlite3_column_bytes(s, 5);
	d->content_type = (const char *)sqlite3_column_text(s, 6);
	d->headers = (const char *)sqlite3_column_text(s, 7);
	d->json_event = sqlite3_column_int(s, 8);
	d->status = status_parse((const char *)sqlite3_column_text(s, 9));
	d->attempts = sqlite3_column_int(s, 10);
	d->next_at = sqlite3_column_int64(s, 11);
	d->last_status = (long)sqlite3_column_int64(s, 12);
	d->last_error = (const char *)sqlite3_column_text(s, 13);
	d->created_at = sqlite3_column_int64(s, 14);
	d->updated_at = sqlite3_column_int64(s, 15);
}

#define COLUMNS                                                                \
	"id, event_id, webhook, event_type, event_at, body, content_type,"     \
	" headers, json_event, status, attempts, next_at, last_status,"        \
	" last_error, created_at, updated_at"

/* Runs a SELECT of COLUMNS and calls fn per row; returns the count. */
static int
each_row(struct sm_store *st, sqlite3_stmt *s, sm_delivery_fn fn, void *ctx,
	 const char *what)
{
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_delivery d;
		row_to_delivery(s, &d);
		if (fn)
			fn(ctx, &d);
		n++;
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? n : -1;
}

static int
clamp_limit(size_t limit)
{
	return limit > INT_MAX ? INT_MAX : (int)limit;
}

int
sm_outbox_due(struct sm_store *st, const char *webhook, int64_t now_ms,
	      size_t limit, sm_delivery_fn fn, void *ctx)
{
	const char *what = "listing due deliveries";
	sqlite3_stmt *s = prepare(st,
				  "SELECT " COLUMNS " FROM outbox"
				  " WHERE status = 'pending' AND webhook = ?1"
				  " AND next_at <= ?2 ORDER BY next_at, id"
				  " LIMIT ?3",
				  what);
	if (!s)
		return -1;
	bind_text(s, 1, webhook);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int(s, 3, clamp_limit(limit));
	return each_row(st, s, fn, ctx, what);
}

int
sm_outbox_start(struct sm_store *st, int64_t id, int64_t now_ms)
{
	const char *what = "starting a delivery";
	sqlite3_stmt *s = prepare(st,
				  "UPDATE outbox SET status = 'sending',"
				  " attempts = attempts + 1, updated_at = ?2"
				  " WHERE id = ?1",
				  what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	return finish(st, s, what);
}

int
sm_outbox_finish(struct sm_store *st, int64_t id,
		 enum sm_delivery_status status, int64_t next_at,
		 long http_status, const char *error, int64_t now_ms)
{
	const char *what = "recording a delivery's outcome";
	sqlite3_stmt *s = prepare(st,
				  "UPDATE outbox SET status = ?2, next_at = ?3,"
				  " last_status = ?4, last_error = ?5,"
				  " updated_at = ?6 WHERE id = ?1",
				  what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, sm_delivery_status_name(status));
	sqlite3_bind_int64(s, 3, next_at);
	sqlite3_bind_int64(s, 4, http_status);
	bind_text(s, 5, error);
	sqlite3_bind_int64(s, 6, now_ms);
	return finish(st, s, what);
}

int
sm_outbox_recover(struct sm_store *st, int64_t now_ms)
{
	const char *what = "recovering interrupted deliveries";
	sqlite3_stmt *s = prepare(st,
				  "UPDATE outbox SET status = 'pending',"
				  " next_at = min(next_at, ?1), updated_at = ?1"
				  " WHERE status = 'sending'",
				  what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	if (finish(st, s, what) < 0)
		return -1;
	return sqlite3_changes(sm_store_db(st));
}

int
sm_outbox_list(struct sm_store *st, enum sm_outbox_filter filter, size_t limit,
	       sm_delivery_fn fn, void *ctx)
{
	static const char *const sql[] = {
		[SM_OUTBOX_RECENT] = "SELECT " COLUMNS " FROM outbox"
				     " ORDER BY updated_at DESC, id DESC"
				     " LIMIT ?1",
		[SM_OUTBOX_PENDING] = "SELECT " COLUMNS " FROM outbox"
				      " WHERE status IN ('pending', 'sending')"
				      " ORDER BY next_at, id LIMIT ?1",
		[SM_OUTBOX_FAILED] = "SELECT " COLUMNS " FROM outbox"
				     " WHERE status = 'failed'"
				     " ORDER BY updated_at DESC, id DESC"
				     " LIMIT ?1",
	};
	const char *what = "listing deliveries";
	sqlite3_stmt *s = prepare(st, sql[filter], what);
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, clamp_limit(limit));
	return each_row(st, s, fn, ctx, what);
}

long
sm_outbox_count(struct sm_store *st, enum sm_outbox_filter filter)
{
	static const char *const sql[] = {
		[SM_OUTBOX_RECENT] = "SELECT count(*) FROM outbox",
		[SM_OUTBOX_PENDING] = "SELECT count(*) FROM outbox"
				      " WHERE status IN ('pending', 'sending')",
		[SM_OUTBOX_FAILED] = "SELECT count(*) FROM outbox"
				     " WHERE status = 'failed'",
	};
	const char *what = "counting deliveries";
	sqlite3_stmt *s = prepare(st, sql[filter], what);
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
sm_outbox_get(struct sm_store *st, int64_t id, sm_delivery_fn fn, void *ctx)
{
	const char *what = "reading a delivery";
	sqlite3_stmt *s = prepare(
		st, "SELECT " COLUMNS " FROM outbox WHERE id = ?1", what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return each_row(st, s, fn, ctx, what);
}

int
sm_outbox_retry(struct sm_store *st, int64_t id, int64_t now_ms)
{
	const char *what = "requeueing a delivery";
	sqlite3_stmt *s = prepare(st,
				  "UPDATE outbox SET status = 'pending',"
				  " attempts = 0, next_at = ?2, updated_at = ?2"
				  " WHERE id = ?1 AND status = 'failed'",
				  what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	if (finish(st, s, what) < 0)
		return -1;
	return sqlite3_changes(sm_store_db(st)) > 0;
}

int
sm_outbox_pending_webhooks(struct sm_store *st,
			   void (*fn)(void *ctx, const char *webhook),
			   void *ctx)
{
	const char *what = "listing webhooks with pending deliveries";
	sqlite3_stmt *s = prepare(st,
				  "SELECT DISTINCT webhook FROM outbox"
				  " WHERE status = 'pending' ORDER BY webhook",
				  what);
	if (!s)
		return -1;
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn)
			fn(ctx, (const char *)sqlite3_column_text(s, 0));
		n++;
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? n : -1;
}

int
sm_outbox_fail_webhook(struct sm_store *st, const char *webhook,
		       const char *reason, int64_t now_ms)
{
	const char *what = "failing a webhook's deliveries";
	sqlite3_stmt *s = prepare(st,
				  "UPDATE outbox SET status = 'failed',"
				  " last_error = ?2, updated_at = ?3"
				  " WHERE webhook = ?1 AND status = 'pending'",
				  what);
	if (!s)
		return -1;
	bind_text(s, 1, webhook);
	bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, now_ms);
	if (finish(st, s, what) < 0)
		return -1;
	return sqlite3_changes(sm_store_db(st));
}

int
sm_outbox_disable(struct sm_store *st, const char *webhook, const char *reason,
		  int64_t now_ms)
{
	const char *what = "disabling a webhook";
	sqlite3_stmt *s = prepare(st,
				  "INSERT INTO disabled_endpoint (webhook,"
				  " reason, at) VALUES (?1, ?2, ?3)"
				  " ON CONFLICT (webhook) DO UPDATE SET"
				  " reason = excluded.reason, at = excluded.at",
				  what);
	if (!s)
		return -1;
	bind_text(s, 1, webhook);
	bind_text(s, 2, reason ? reason : "");
	sqlite3_bind_int64(s, 3, now_ms);
	return finish(st, s, what);
}

int
sm_outbox_enable_all(struct sm_store *st)
{
	const char *what = "re-enabling webhooks";
	sqlite3_stmt *s = prepare(st, "DELETE FROM disabled_endpoint", what);
	return s ? finish(st, s, what) : -1;
}

int
sm_outbox_is_disabled(struct sm_store *st, const char *webhook)
{
	const char *what = "reading disabled webhooks";
	sqlite3_stmt *s = prepare(
		st, "SELECT 1 FROM disabled_endpoint WHERE webhook = ?1", what);
	if (!s)
		return -1;
	bind_text(s, 1, webhook);
	int rc = sqlite3_step(s);
	int r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (r < 0)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return r;
}

int
sm_outbox_list_disabled(struct sm_store *st,
			void (*fn)(void *ctx, const char *webhook,
				   const char *reason, int64_t at),
			void *ctx)
{
	const char *what = "listing disabled webhooks";
	sqlite3_stmt *s = prepare(st,
				  "SELECT webhook, reason, at FROM"
				  " disabled_endpoint ORDER BY webhook",
				  what);
	if (!s)
		return -1;
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn)
			fn(ctx, (const char *)sqlite3_column_text(s, 0),
			   (const char *)sqlite3_column_text(s, 1),
			   sqlite3_column_int64(s, 2));
		n++;
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? n : -1;
}

int
sm_outbox_prune(struct sm_store *st, int64_t before_ms, size_t limit)
{
	const char *what = "pruning delivered deliveries";
	/* The oldest first through outbox_updated, so that a bounded batch
	 * makes progress and a run ends when it reaches the cut-off. */
	sqlite3_stmt *s =
		prepare(st,
			"DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
			" WHERE updated_at < ?1 AND status = 'delivered'"
			" ORDER BY updated_at LIMIT ?2)",
			what);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, before_ms);
	sqlite3_bind_int64(s, 2, limit > INT_MAX ? INT_MAX : (int64_t)limit);
	if (finish(st, s, what) < 0)
		return -1;
	return sqlite3_changes(sm_store_db(st));
}
