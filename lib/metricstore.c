/*
 * metricstore: the tables of schema version 6 (see store.c's migrations):
 * metric_history and metric_current (a column per per-post metric of
 * lib/kpi, and in the current table its `at`), followers_history and
 * followers_current, metric_import, goal_state; and the done marks and
 * cancelled occurrences read for matching and reports.
 *
 * A recording writes its history row, then upserts the current row: each
 * metric's column takes the new value only when the new `at` is not older
 * than the one it holds, all in one statement, so the current table is
 * always what the history's latest figures say.  Statements are prepared
 * once per call and stepped per row (an import of 100,000 rows prepares
 * two), as in queue.c and outbox.c.  The SQL of the per-metric columns is
 * generated from lib/kpi's names, so the columns and the C enum cannot
 * drift apart (the schema names them too: a new metric needs a migration).
 */
#include "metricstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-db.h"

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

/* A growing SQL text. */
struct sql {
	char buf[16384];
	size_t len;
};

static void add(struct sql *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add(struct sql *q, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(q->buf + q->len, sizeof(q->buf) - q->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(q->buf) - q->len)
		abort(); /* the statements below are of fixed size */
	q->len += (size_t)n;
}

static const char *
kname(int k)
{
	return sm_kpi_name((enum sm_kpi)k);
}

/* Ends a change begun with sm_store_begin: commits when rc is 0, else
 * rolls the whole transaction back. */
static int
finish(struct sm_store *st, int rc)
{
	if (rc == 0 && sm_store_commit(st) < 0)
		rc = -EIO;
	if (rc < 0)
		sm_store_rollback(st);
	return rc;
}

/* Steps a write statement and resets it: 0, or -EIO with the message. */
static int
step_done(struct sm_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* ---------------------------------------------------------------------
 * Per-post metrics.
 */

/*
 * Parameters of both statements: ?1 calendar, ?2 uid, ?3 identity, ?4 at,
 * ?5 now, ?6 import id, ?7.. the metrics in lib/kpi's order (NULL when
 * not given).
 */
#define P_METRIC 7

static void
history_sql(struct sql *q)
{
	add(q, "INSERT INTO metric_history (calendar, uid, recurrence_id, at,"
	       " recorded_at, import_id");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(q, ", %s", kname(k));
	add(q, ") VALUES (?1, ?2, ?3, ?4, ?5, ?6");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(q, ", ?%d", P_METRIC + k);
	add(q, ")");
}

/* The upsert of the current row: a metric takes the new value when one
 * is given and its at is not older than the stored one; the row is
 * touched only when some metric does. */
static void
current_sql(struct sql *q)
{
	add(q, "INSERT INTO metric_current (calendar, uid, recurrence_id");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(q, ", %s, %s_at", kname(k), kname(k));
	add(q, ", updated_at) VALUES (?1, ?2, ?3");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(q, ", ?%d, CASE WHEN ?%d IS NULL THEN NULL ELSE ?4 END",
		    P_METRIC + k, P_METRIC + k);
	add(q, ", ?5) ON CONFLICT (calendar, uid, recurrence_id) DO UPDATE "
	       "SET ");
	for (int k = 0; k < SM_KPI_NPOST; k++) {
		const char *n = kname(k);
		char cond[160];
		snprintf(cond, sizeof(cond),
			 "excluded.%s IS NOT NULL AND (%s_at IS NULL OR "
			 "excluded.%s_at >= %s_at)",
			 n, n, n, n);
		add(q,
		    "%s = CASE WHEN %s THEN excluded.%s ELSE %s END, "
		    "%s_at = CASE WHEN %s THEN excluded.%s_at ELSE %s_at "
		    "END, ",
		    n, cond, n, n, n, cond, n, n);
	}
	add(q, "updated_at = excluded.updated_at WHERE ");
	for (int k = 0; k < SM_KPI_NPOST; k++) {
		const char *n = kname(k);
		add(q,
		    "%s(excluded.%s IS NOT NULL AND (%s_at IS NULL OR "
		    "excluded.%s_at >= %s_at))",
		    k ? " OR " : "", n, n, n, n);
	}
}

static int
bind_post(sqlite3_stmt *s, const struct sm_mstore_post *p, sm_time now,
	  int64_t import_id)
{
	int rc = bind_text(s, 1, p->calendar);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 2, p->uid);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 3, p->recurrence_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, p->at);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, now);
	if (rc == SQLITE_OK)
		rc = import_id > 0 ? sqlite3_bind_int64(s, 6, import_id)
				   : sqlite3_bind_null(s, 6);
	for (int k = 0; rc == SQLITE_OK && k < SM_KPI_NPOST; k++)
		rc = p->values.have & (1u << k)
			     ? sqlite3_bind_int64(s, P_METRIC + k,
						  p->values.v[k])
			     : sqlite3_bind_null(s, P_METRIC + k);
	return rc;
}

/* Why a post's values cannot be stored, or NULL. */
static const char *
post_problem(const struct sm_mstore_post *p, int *bad_kpi)
{
	if (!p->calendar || !p->uid || !p->recurrence_id || !*p->calendar ||
	    !*p->uid || !*p->recurrence_id)
		return "an occurrence without calendar, UID or identity";
	for (int k = 0; k < SM_KPI_NPOST; k++)
		if ((p->values.have & (1u << k)) && p->values.v[k] < 0) {
			*bad_kpi = k;
			return "a negative value";
		}
	return NULL;
}

int
sm_metricstore_record(struct sm_store *st, const struct sm_mstore_post *posts,
		      size_t n, sm_time now, int64_t import_id, size_t *changed)
{
	const char *what = "recording metrics";
	size_t nchanged = 0;
	if (changed)
		*changed = 0;
	for (size_t i = 0; i < n; i++) {
		int k = -1;
		const char *why = post_problem(&posts[i], &k);
		if (why) {
			sm_store_set_message(
				st, "metrics %zu (%s %s): %s%s%s", i + 1,
				posts[i].uid ? posts[i].uid : "?",
				posts[i].recurrence_id ? posts[i].recurrence_id
						       : "?",
				why, k >= 0 ? " for " : "",
				k >= 0 ? kname(k) : "");
			sm_store_rollback(st);
			return -EINVAL;
		}
	}
	if (n == 0)
		return 0;
	if (sm_store_begin(st) < 0)
		return -EIO;
	struct sql hq = {0}, cq = {0};
	history_sql(&hq);
	current_sql(&cq);
	sqlite3_stmt *h = prepare(st, hq.buf, what);
	sqlite3_stmt *c = h ? prepare(st, cq.buf, what) : NULL;
	int rc = c ? 0 : -EIO;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct sm_mstore_post *p = &posts[i];
		if ((p->values.have & ((1u << SM_KPI_NPOST) - 1)) == 0)
			continue;
		if (bind_post(h, p, now, import_id) != SQLITE_OK ||
		    bind_post(c, p, now, import_id) != SQLITE_OK) {
			sm_store_set_error(st, what);
			rc = -EIO;
			break;
		}
		rc = step_done(st, h, what);
		if (rc == 0)
			rc = step_done(st, c, what);
		if (rc == 0 && sqlite3_changes(sm_store_db(st)) > 0)
			nchanged++;
	}
	sqlite3_finalize(h);
	sqlite3_finalize(c);
	rc = finish(st, rc);
	if (rc == 0 && changed)
		*changed = nchanged;
	return rc;
}

/* Reads the metric columns starting at column `first` (value, and with
 * `with_at` its at after it) into p. */
static void
read_values(sqlite3_stmt *s, int first, int with_at, struct sm_mstore_post *p)
{
	memset(&p->values, 0, sizeof(p->values));
	memset(p->value_at, 0, sizeof(p->value_at));
	int step = with_at ? 2 : 1;
	for (int k = 0; k < SM_KPI_NPOST; k++) {
		int col = first + k * step;
		if (sqlite3_column_type(s, col) == SQLITE_NULL)
			continue;
		sm_metric_set(&p->values, (enum sm_kpi)k,
			      sqlite3_column_int64(s, col));
		if (with_at)
			p->value_at[k] = sqlite3_column_int64(s, col + 1);
	}
}

/* SELECT calendar, uid, recurrence_id, then each metric and its at. */
static void
select_current(struct sql *q)
{
	add(q, "SELECT calendar, uid, recurrence_id");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(q, ", %s, %s_at", kname(k), kname(k));
	add(q, " FROM metric_current");
}

int
sm_metricstore_get(struct sm_store *st, const char *calendar, const char *uid,
		   const char *recurrence_id, struct sm_mstore_post *out)
{
	const char *what = "reading metrics";
	struct sql q = {0};
	select_current(&q);
	add(&q, " WHERE calendar = ?1 AND uid = ?2 AND recurrence_id = ?3");
	sqlite3_stmt *s = prepare(st, q.buf, what);
	if (!s)
		return -EIO;
	bind_text(s, 1, calendar);
	bind_text(s, 2, uid);
	bind_text(s, 3, recurrence_id);
	int rc = sqlite3_step(s), ret = 0;
	memset(&out->values, 0, sizeof(out->values));
	memset(out->value_at, 0, sizeof(out->value_at));
	if (rc == SQLITE_ROW) {
		read_values(s, 3, 1, out);
		ret = out->values.have != 0;
	} else if (rc != SQLITE_DONE) {
		sm_store_set_error(st, what);
		ret = -EIO;
	}
	sqlite3_finalize(s);
	return ret;
}

int
sm_metricstore_each(struct sm_store *st, sm_mstore_post_fn fn, void *ctx)
{
	const char *what = "reading metrics";
	struct sql q = {0};
	select_current(&q);
	add(&q, " ORDER BY calendar, uid, recurrence_id");
	sqlite3_stmt *s = prepare(st, q.buf, what);
	if (!s)
		return -EIO;
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_mstore_post p = {
			.calendar = col_text(s, 0),
			.uid = col_text(s, 1),
			.recurrence_id = col_text(s, 2),
		};
		read_values(s, 3, 1, &p);
		if (p.values.have == 0)
			continue;
		count++;
		if (fn && fn(ctx, &p)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -EIO;
}

int
sm_metricstore_history(struct sm_store *st, const char *calendar,
		       const char *uid, const char *recurrence_id,
		       sm_mstore_post_fn fn, void *ctx)
{
	const char *what = "reading the metrics' history";
	struct sql q = {0};
	add(&q, "SELECT calendar, uid, recurrence_id, at, recorded_at,"
		" import_id");
	for (int k = 0; k < SM_KPI_NPOST; k++)
		add(&q, ", %s", kname(k));
	add(&q, " FROM metric_history WHERE calendar = ?1 AND uid = ?2 AND"
		" recurrence_id = ?3 ORDER BY at, id");
	sqlite3_stmt *s = prepare(st, q.buf, what);
	if (!s)
		return -EIO;
	bind_text(s, 1, calendar);
	bind_text(s, 2, uid);
	bind_text(s, 3, recurrence_id);
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_mstore_post p = {
			.calendar = col_text(s, 0),
			.uid = col_text(s, 1),
			.recurrence_id = col_text(s, 2),
			.at = sqlite3_column_int64(s, 3),
			.recorded_at = sqlite3_column_int64(s, 4),
			.import_id = sqlite3_column_int64(s, 5),
		};
		read_values(s, 6, 0, &p);
		count++;
		if (fn && fn(ctx, &p)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -EIO;
}

/* ---------------------------------------------------------------------
 * Followers.
 */

int
sm_metricstore_record_followers(struct sm_store *st,
				const struct sm_mstore_followers *v, size_t n,
				sm_time now, int64_t import_id, size_t *changed)
{
	const char *what = "recording followers";
	size_t nchanged = 0;
	if (changed)
		*changed = 0;
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		if (!v[i].platform || !*v[i].platform || !v[i].day ||
		    !*v[i].day)
			why = "a count without platform or day";
		else if (v[i].value < 0)
			why = "a negative count";
		if (why) {
			sm_store_set_message(
				st, "followers %zu (%s %s): %s", i + 1,
				v[i].platform ? v[i].platform : "?",
				v[i].day ? v[i].day : "?", why);
			sm_store_rollback(st);
			return -EINVAL;
		}
	}
	if (n == 0)
		return 0;
	if (sm_store_begin(st) < 0)
		return -EIO;
	sqlite3_stmt *h = prepare(
		st,
		"INSERT INTO followers_history (platform, day, day_start, "
		"value, at, recorded_at, import_id) VALUES (?1, ?2, ?3, ?4, "
		"?5, ?6, ?7)",
		what);
	sqlite3_stmt *c =
		h ? prepare(st,
			    "INSERT INTO followers_current (platform, day, "
			    "day_start, value, at, updated_at) VALUES (?1, ?2, "
			    "?3, ?4, ?5, ?6) ON CONFLICT (platform, day) DO "
			    "UPDATE SET day_start = excluded.day_start, value "
			    "= excluded.value, at = excluded.at, updated_at = "
			    "excluded.updated_at WHERE excluded.at >= "
			    "followers_current.at",
			    what)
		  : NULL;
	int rc = c ? 0 : -EIO;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_stmt *both[2] = {h, c};
		for (int k = 0; k < 2; k++) {
			sqlite3_stmt *s = both[k];
			bind_text(s, 1, v[i].platform);
			bind_text(s, 2, v[i].day);
			sqlite3_bind_int64(s, 3, v[i].day_start);
			sqlite3_bind_int64(s, 4, v[i].value);
			sqlite3_bind_int64(s, 5, v[i].at);
			sqlite3_bind_int64(s, 6, now);
			if (k == 0) {
				if (import_id > 0)
					sqlite3_bind_int64(s, 7, import_id);
				else
					sqlite3_bind_null(s, 7);
			}
		}
		rc = step_done(st, h, what);
		if (rc == 0)
			rc = step_done(st, c, what);
		if (rc == 0 && sqlite3_changes(sm_store_db(st)) > 0)
			nchanged++;
	}
	sqlite3_finalize(h);
	sqlite3_finalize(c);
	rc = finish(st, rc);
	if (rc == 0 && changed)
		*changed = nchanged;
	return rc;
}

int
sm_metricstore_each_followers(struct sm_store *st, sm_mstore_followers_fn fn,
			      void *ctx)
{
	const char *what = "reading followers";
	sqlite3_stmt *s = prepare(st,
				  "SELECT platform, day, day_start, value, at"
				  " FROM followers_current ORDER BY platform,"
				  " day_start",
				  what);
	if (!s)
		return -EIO;
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_mstore_followers f = {
			.platform = col_text(s, 0),
			.day = col_text(s, 1),
			.day_start = sqlite3_column_int64(s, 2),
			.value = sqlite3_column_int64(s, 3),
			.at = sqlite3_column_int64(s, 4),
		};
		count++;
		if (fn && fn(ctx, &f)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -EIO;
}

/* ---------------------------------------------------------------------
 * Imports and done marks.
 */

int
sm_metricstore_import_add(struct sm_store *st, const char *platform,
			  const char *file, size_t rows, sm_time now,
			  int64_t *id)
{
	const char *what = "recording an import";
	if (sm_store_begin(st) < 0)
		return -EIO;
	sqlite3_stmt *s = prepare(st,
				  "INSERT INTO metric_import (platform, file,"
				  " rows, recorded_at) VALUES (?1, ?2, ?3, ?4)",
				  what);
	int rc = s ? 0 : -EIO;
	if (s) {
		bind_text(s, 1, platform ? platform : "");
		bind_text(s, 2, file ? file : "");
		sqlite3_bind_int64(s, 3, (sqlite3_int64)rows);
		sqlite3_bind_int64(s, 4, now);
		rc = step_done(st, s, what);
		if (rc == 0 && id)
			*id = sqlite3_last_insert_rowid(sm_store_db(st));
	}
	sqlite3_finalize(s);
	return finish(st, rc);
}

/* Calls fn per row of sql (calendar, uid, recurrence_id, url, at). */
static int
each_mark(struct sm_store *st, const char *sql, const char *what,
	  int (*fn)(void *ctx, const struct sm_mstore_done *d), void *ctx)
{
	sqlite3_stmt *s = prepare(st, sql, what);
	if (!s)
		return -EIO;
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_mstore_done d = {
			.calendar = col_text(s, 0),
			.uid = col_text(s, 1),
			.recurrence_id = col_text(s, 2),
			.url = col_text(s, 3),
			.at = sqlite3_column_int64(s, 4),
		};
		count++;
		if (fn && fn(ctx, &d)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sm_store_set_error(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -EIO;
}

int
sm_metricstore_each_done(struct sm_store *st,
			 int (*fn)(void *ctx, const struct sm_mstore_done *d),
			 void *ctx)
{
	return each_mark(st,
			 "SELECT calendar, uid, recurrence_id, url, at FROM "
			 "done",
			 "reading done marks", fn, ctx);
}

int
sm_metricstore_each_cancelled(struct sm_store *st,
			      int (*fn)(void *ctx,
					const struct sm_mstore_done *d),
			      void *ctx)
{
	return each_mark(st,
			 "SELECT calendar, uid, recurrence_id, NULL, at FROM "
			 "cancelled",
			 "reading cancelled occurrences", fn, ctx);
}

/* ---------------------------------------------------------------------
 * Goals.
 */

int
sm_metricstore_goal_seen(struct sm_store *st, const char *name, sm_time now,
			 sm_time *first_seen)
{
	const char *what = "recording a goal";
	if (sm_store_begin(st) < 0)
		return -EIO;
	sqlite3_stmt *s = prepare(st,
				  "INSERT INTO goal_state (name, first_seen,"
				  " updated_at) VALUES (?1, ?2, ?2)"
				  " ON CONFLICT (name) DO NOTHING",
				  what);
	int rc = s ? 0 : -EIO;
	if (s) {
		bind_text(s, 1, name);
		sqlite3_bind_int64(s, 2, now);
		rc = step_done(st, s, what);
	}
	sqlite3_finalize(s);
	rc = finish(st, rc);
	if (rc == 0 && first_seen) {
		struct sm_mstore_goal g;
		int got = sm_metricstore_goal_get(st, name, &g);
		if (got < 0)
			return -EIO;
		*first_seen = got ? g.first_seen : now;
	}
	return rc;
}

int
sm_metricstore_goal_get(struct sm_store *st, const char *name,
			struct sm_mstore_goal *out)
{
	const char *what = "reading a goal's state";
	sqlite3_stmt *s = prepare(st,
				  "SELECT first_seen, span_start, state FROM"
				  " goal_state WHERE name = ?1",
				  what);
	if (!s)
		return -EIO;
	bind_text(s, 1, name);
	int rc = sqlite3_step(s), ret = 0;
	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		out->first_seen = sqlite3_column_int64(s, 0);
		out->span_start = sqlite3_column_int64(s, 1);
		out->state = sqlite3_column_int64(s, 2);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		sm_store_set_error(st, what);
		ret = -EIO;
	}
	sqlite3_finalize(s);
	return ret;
}

int
sm_metricstore_goal_set(struct sm_store *st, const char *name,
			sm_time span_start, int64_t state, sm_time now)
{
	const char *what = "storing a goal's state";
	if (sm_store_begin(st) < 0)
		return -EIO;
	sqlite3_stmt *s = prepare(
		st,
		"INSERT INTO goal_state (name, first_seen, span_start, state,"
		" updated_at) VALUES (?1, ?4, ?2, ?3, ?4)"
		" ON CONFLICT (name) DO UPDATE SET span_start = "
		"excluded.span_start, state = excluded.state, updated_at = "
		"excluded.updated_at",
		what);
	int rc = s ? 0 : -EIO;
	if (s) {
		bind_text(s, 1, name);
		sqlite3_bind_int64(s, 2, span_start);
		sqlite3_bind_int64(s, 3, state);
		sqlite3_bind_int64(s, 4, now);
		rc = step_done(st, s, what);
	}
	sqlite3_finalize(s);
	return finish(st, rc);
}
