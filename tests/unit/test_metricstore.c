/*
 * Unit tests for lib/metricstore: the schema-6 migration from a schema-5
 * database (tests/data/store-v5.sql, written by the schema-5 store), and
 * from schema 4 and 3 ones (store-v4.sql, store-v3.sql), keeps every row
 * and the queue; values per occurrence and followers per
 * platform and day, where a later figure replaces the current one, a
 * backdated one only joins the history, and nothing is deleted; an import
 * is one transaction with the caller (rolled back: no value, no import
 * row); bad values are refused with the caller's transaction; done marks
 * and goal states read back.  Each test works in its own mkdtemp
 * directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "support.h"

#include "metricstore.h"
#include "queue.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct sm_store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (tmpdir_make(f->dir, sizeof(f->dir), "mstore") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	sm_store_close(f->st);
	int rc = tmpdir_remove(f->dir);
	free(f);
	return rc;
}

static struct sm_store *
open_store(struct fixture *f)
{
	char err[512] = "";
	struct sm_store *st = NULL;
	if (sm_store_open(f->dir, &st, err, sizeof(err)) != 0)
		fail_msg("sm_store_open: %s", err);
	return st;
}

static void
reopen(struct fixture *f)
{
	sm_store_close(f->st);
	f->st = open_store(f);
}

/* One query returning an integer, on a connection of its own. */
static long long
query_int(const struct fixture *f, const char *sql)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/smcal.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct sm_mstore_post
post(const char *uid, const char *rid, sm_time at)
{
	struct sm_mstore_post p = {
		.calendar = "main",
		.uid = uid,
		.recurrence_id = rid,
		.at = at,
	};
	return p;
}

static int64_t
current(struct fixture *f, const char *uid, const char *rid, enum sm_kpi k)
{
	struct sm_mstore_post p;
	assert_int_equal(sm_metricstore_get(f->st, "main", uid, rid, &p), 1);
	int64_t v = -1;
	if (!sm_metric_get(&p.values, k, &v))
		return -1;
	return v;
}

#define T0 ((sm_time)1796112000) /* 2026-12-01T08:00:00Z */
#define RID "2026-12-01T08:00:00Z"

/* ---------------------------------------------------------------------
 * Migration.
 */

/* Loads tests/data/NAME (a dump of an older store) into the fixture's
 * database and checks its version. */
static void
load_dump(struct fixture *f, const char *name, int version)
{
	const char *top = getenv("SMCAL_TOP");
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/data/%s",
		 top && *top ? top : ".", name);
	FILE *in = fopen(path, "r");
	if (!in)
		fail_msg("cannot read %s", path);
	static char sql[65536];
	size_t n = fread(sql, 1, sizeof(sql) - 1, in);
	fclose(in);
	sql[n] = '\0';
	char db_path[128];
	snprintf(db_path, sizeof(db_path), "%s/smcal.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(query_int(f, "PRAGMA user_version"), version);
}

/* What both dumps hold survives the migration, and the new tables work. */
static void
check_migrated(struct fixture *f)
{
	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st), 6);
	assert_int_equal(query_int(f, "PRAGMA user_version"), 6);
	/* Everything of the older schema is still there. */
	assert_int_equal(sm_store_count_fired(f->st), 2);
	assert_int_equal(sm_store_is_done(f->st, "main", "tip@example.org",
					  "2026-12-01T08:00:00Z"),
			 1);
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 1796112001);
	assert_int_equal(query_int(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM disabled_endpoint"),
			 1);
	struct sm_arena a;
	memset(&a, 0, sizeof(a));
	struct sm_queue_post q;
	assert_int_equal(sm_queue_get(f->st, "q_aaaaaaaaaaaaaaaa", &a, &q), 0);
	assert_string_equal(q.title, "Launch day");
	assert_true(q.done);
	assert_string_equal(q.done_url, "https://www.instagram.com/p/launch/");
	assert_int_equal(sm_queue_get(f->st, "q_bbbbbbbbbbbbbbbb", &a, &q), 0);
	assert_int_equal(q.status, SM_QUEUE_CANCELLED);
	sm_arena_free(&a);
	/* The new tables are empty and work: metrics for the queued post. */
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"),
			 0);
	char rid[32];
	sm_queue_rid(1796200000, rid, sizeof(rid));
	struct sm_mstore_post p = {
		.calendar = "queue",
		.uid = "q_aaaaaaaaaaaaaaaa",
		.recurrence_id = rid,
		.at = 1796300000,
	};
	sm_metric_set(&p.values, SM_KPI_REACH, 1200);
	assert_int_equal(
		sm_metricstore_record(f->st, &p, 1, 1796300000, 0, NULL), 0);
	reopen(f);
	assert_int_equal(sm_store_schema_version(f->st), 6);
	struct sm_mstore_post got;
	assert_int_equal(sm_metricstore_get(f->st, "queue",
					    "q_aaaaaaaaaaaaaaaa", rid, &got),
			 1);
	int64_t v = 0;
	assert_true(sm_metric_get(&got.values, SM_KPI_REACH, &v));
	assert_int_equal(v, 1200);
}

/* Schema 5, written by the store before KPIs (main at 0de7723): the
 * migration to 6 keeps every row, cancelled occurrences included. */
static void
test_migrate_v5(void **state)
{
	struct fixture *f = *state;
	load_dump(f, "store-v5.sql", 5);
	check_migrated(f);
	assert_int_equal(sm_store_count_missed(f->st), 2);
	assert_int_equal(sm_store_is_cancelled(f->st, "main",
					       "weekly@example.org",
					       "2026-12-09"),
			 1);
}

/* Schema 4 (main at 2f488b8): two steps, missed reasons kept. */
static void
test_migrate_v4(void **state)
{
	struct fixture *f = *state;
	load_dump(f, "store-v4.sql", 4);
	check_migrated(f);
	assert_int_equal(sm_store_count_missed(f->st), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed WHERE"
				      " reason = 'collapsed'"),
			 1);
}

/* Schema 3, written by the store before the missed reasons: three steps. */
static void
test_migrate_v3(void **state)
{
	struct fixture *f = *state;
	load_dump(f, "store-v3.sql", 3);
	check_migrated(f);
	assert_int_equal(sm_store_count_missed(f->st), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed WHERE"
				      " reason = 'missed'"),
			 1);
}

/* ---------------------------------------------------------------------
 * Per-post values.
 */

static void
test_record_and_replace(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_mstore_post p = post("tip@example.org", RID, T0 + 3600);
	sm_metric_set(&p.values, SM_KPI_REACH, 1200);
	sm_metric_set(&p.values, SM_KPI_ENGAGEMENT, 85);
	sm_metric_set(&p.values, SM_KPI_CLICKS, 30);
	size_t changed = 99;
	assert_int_equal(
		sm_metricstore_record(f->st, &p, 1, T0 + 3600, 0, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_REACH),
			 1200);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_CLICKS), 30);
	/* Not recorded is missing, not zero. */
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_IMPRESSIONS),
			 -1);

	/* A later figure replaces reach only; clicks and engagement stay. */
	struct sm_mstore_post q = post("tip@example.org", RID, T0 + 86400);
	sm_metric_set(&q.values, SM_KPI_REACH, 1500);
	assert_int_equal(
		sm_metricstore_record(f->st, &q, 1, T0 + 86400, 0, &changed),
		0);
	assert_int_equal(changed, 1);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_REACH),
			 1500);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_ENGAGEMENT),
			 85);

	/* A figure backdated before the current one joins the history
	 * without replacing it, and changes nothing current. */
	struct sm_mstore_post old = post("tip@example.org", RID, T0 + 1800);
	sm_metric_set(&old.values, SM_KPI_REACH, 900);
	assert_int_equal(
		sm_metricstore_record(f->st, &old, 1, T0 + 90000, 0, &changed),
		0);
	assert_int_equal(changed, 0);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_REACH),
			 1500);
	/* ... but a backdated metric not yet known becomes current. */
	struct sm_mstore_post conv = post("tip@example.org", RID, T0 + 1800);
	sm_metric_set(&conv.values, SM_KPI_CONVERSIONS, 4);
	assert_int_equal(
		sm_metricstore_record(f->st, &conv, 1, T0 + 90001, 0, &changed),
		0);
	assert_int_equal(changed, 1);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_CONVERSIONS),
			 4);

	/* The same instant again: the later recording wins. */
	struct sm_mstore_post tie = post("tip@example.org", RID, T0 + 86400);
	sm_metric_set(&tie.values, SM_KPI_REACH, 1510);
	assert_int_equal(
		sm_metricstore_record(f->st, &tie, 1, T0 + 90002, 0, NULL), 0);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_REACH),
			 1510);

	/* Each value as of its own instant. */
	struct sm_mstore_post got;
	assert_int_equal(
		sm_metricstore_get(f->st, "main", "tip@example.org", RID, &got),
		1);
	assert_int_equal(got.value_at[SM_KPI_REACH], T0 + 86400);
	assert_int_equal(got.value_at[SM_KPI_CLICKS], T0 + 3600);
	assert_int_equal(got.value_at[SM_KPI_CONVERSIONS], T0 + 1800);

	/* Nothing was deleted: five recordings in the history, oldest at
	 * first, and they survive a reopen. */
	reopen(f);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"),
			 5);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_current"),
			 1);
	assert_int_equal(
		query_int(f, "SELECT reach FROM metric_history ORDER BY at, id"
			     " LIMIT 1"),
		900);
	assert_int_equal(sm_metricstore_history(f->st, "main",
						"tip@example.org", RID, NULL,
						NULL),
			 5);
	assert_int_equal(current(f, "tip@example.org", RID, SM_KPI_REACH),
			 1510);
	/* Another occurrence of the series is its own. */
	assert_int_equal(sm_metricstore_get(f->st, "main", "tip@example.org",
					    "2026-12-08T08:00:00Z", &got),
			 0);
}

static void
test_engagement_parts(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_mstore_post p = post("parts@example.org", RID, T0);
	sm_metric_set(&p.values, SM_KPI_LIKES, 40);
	sm_metric_set(&p.values, SM_KPI_COMMENTS, 5);
	sm_metric_set(&p.values, SM_KPI_SHARES, 3);
	assert_int_equal(sm_metricstore_record(f->st, &p, 1, T0, 0, NULL), 0);
	/* The parts are stored; engagement is their sum when read. */
	assert_int_equal(current(f, "parts@example.org", RID, SM_KPI_LIKES),
			 40);
	assert_int_equal(
		current(f, "parts@example.org", RID, SM_KPI_ENGAGEMENT), 48);
	assert_int_equal(
		query_int(f, "SELECT engagement IS NULL FROM metric_current"),
		1);
	/* A recorded engagement wins over the parts. */
	struct sm_mstore_post e = post("parts@example.org", RID, T0 + 60);
	sm_metric_set(&e.values, SM_KPI_ENGAGEMENT, 60);
	assert_int_equal(sm_metricstore_record(f->st, &e, 1, T0 + 60, 0, NULL),
			 0);
	assert_int_equal(
		current(f, "parts@example.org", RID, SM_KPI_ENGAGEMENT), 60);
}

static void
test_refused(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_mstore_post good = post("a@example.org", RID, T0);
	sm_metric_set(&good.values, SM_KPI_REACH, 10);
	struct sm_mstore_post bad = post("b@example.org", RID, T0);
	sm_metric_set(&bad.values, SM_KPI_CLICKS, -1);

	/* A negative value: refused with its name, and the caller's
	 * transaction (the good post recorded in it) rolled back. */
	assert_int_equal(sm_store_begin(f->st), 0);
	assert_int_equal(sm_metricstore_record(f->st, &good, 1, T0, 0, NULL),
			 0);
	assert_int_equal(sm_metricstore_record(f->st, &bad, 1, T0, 0, NULL),
			 -EINVAL);
	assert_non_null(strstr(sm_store_error(f->st), "negative"));
	assert_non_null(strstr(sm_store_error(f->st), "clicks"));
	assert_int_equal(sm_store_commit(f->st), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"),
			 0);

	/* A batch with a bad post stores none of it. */
	struct sm_mstore_post both[2] = {good, bad};
	assert_int_equal(sm_metricstore_record(f->st, both, 2, T0, 0, NULL),
			 -EINVAL);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_current"),
			 0);

	struct sm_mstore_post nokey = post(NULL, RID, T0);
	sm_metric_set(&nokey.values, SM_KPI_REACH, 1);
	assert_int_equal(sm_metricstore_record(f->st, &nokey, 1, T0, 0, NULL),
			 -EINVAL);

	struct sm_mstore_followers neg = {.platform = "instagram",
					  .day = "2026-12-01",
					  .day_start = T0,
					  .value = -5,
					  .at = T0};
	assert_int_equal(
		sm_metricstore_record_followers(f->st, &neg, 1, T0, 0, NULL),
		-EINVAL);
	assert_int_equal(query_int(f, "SELECT count(*) FROM followers_history"),
			 0);

	/* An occurrence with no value is skipped, not an error. */
	struct sm_mstore_post empty = post("c@example.org", RID, T0);
	assert_int_equal(sm_metricstore_record(f->st, &empty, 1, T0, 0, NULL),
			 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"),
			 0);
}

/* ---------------------------------------------------------------------
 * Imports: one transaction.
 */

static int
count_posts(void *ctx, const struct sm_mstore_post *p)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void
test_import_transaction(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_mstore_post rows[3] = {
		post("a@example.org", RID, T0),
		post("b@example.org", RID, T0),
		post("c@example.org", "2026-12-02", T0),
	};
	for (int i = 0; i < 3; i++)
		sm_metric_set(&rows[i].values, SM_KPI_IMPRESSIONS,
			      100 * (i + 1));
	struct sm_mstore_followers fol = {.platform = "instagram",
					  .day = "2026-12-01",
					  .day_start = T0 - 3600,
					  .value = 1042,
					  .at = T0};

	/* Rolled back: no value, no count, no import row. */
	int64_t id = 0;
	assert_int_equal(sm_store_begin(f->st), 0);
	assert_int_equal(sm_metricstore_import_add(f->st, "instagram",
						   "export.csv", 3, T0, &id),
			 0);
	assert_true(id > 0);
	assert_int_equal(sm_metricstore_record(f->st, rows, 3, T0, id, NULL),
			 0);
	assert_int_equal(
		sm_metricstore_record_followers(f->st, &fol, 1, T0, id, NULL),
		0);
	sm_store_rollback(f->st);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_import"), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"),
			 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM followers_current"),
			 0);

	/* Committed: every row, naming its import. */
	assert_int_equal(sm_store_begin(f->st), 0);
	assert_int_equal(sm_metricstore_import_add(f->st, "instagram",
						   "export.csv", 3, T0, &id),
			 0);
	size_t changed = 0;
	assert_int_equal(
		sm_metricstore_record(f->st, rows, 3, T0, id, &changed), 0);
	assert_int_equal(changed, 3);
	assert_int_equal(
		sm_metricstore_record_followers(f->st, &fol, 1, T0, id, NULL),
		0);
	assert_int_equal(sm_store_commit(f->st), 0);
	reopen(f);
	assert_int_equal(query_int(f, "SELECT count(*) FROM metric_history"
				      " WHERE import_id IS NOT NULL"),
			 3);
	assert_int_equal(query_int(f, "SELECT rows FROM metric_import"), 3);
	assert_int_equal(
		query_int(f, "SELECT import_id FROM followers_history"), id);
	int n = 0;
	assert_int_equal(sm_metricstore_each(f->st, count_posts, &n), 3);
	assert_int_equal(n, 3);
	assert_int_equal(
		current(f, "c@example.org", "2026-12-02", SM_KPI_IMPRESSIONS),
		300);
}

/* ---------------------------------------------------------------------
 * Followers.
 */

struct fol_list {
	char platform[8][16];
	char day[8][16];
	int64_t value[8];
	int n;
};

static int
collect_followers(void *ctx, const struct sm_mstore_followers *f)
{
	struct fol_list *l = ctx;
	snprintf(l->platform[l->n], 16, "%s", f->platform);
	snprintf(l->day[l->n], 16, "%s", f->day);
	l->value[l->n] = f->value;
	l->n++;
	return 0;
}

static void
test_followers(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_mstore_followers v[3] = {
		{.platform = "instagram",
		 .day = "2026-12-02",
		 .day_start = T0 + 86400 - 28800,
		 .value = 1010,
		 .at = T0 + 86400},
		{.platform = "instagram",
		 .day = "2026-12-01",
		 .day_start = T0 - 28800,
		 .value = 1000,
		 .at = T0},
		{.platform = "linkedin",
		 .day = "2026-12-01",
		 .day_start = T0 - 28800,
		 .value = 300,
		 .at = T0},
	};
	size_t changed = 0;
	assert_int_equal(
		sm_metricstore_record_followers(f->st, v, 3, T0, 0, &changed),
		0);
	assert_int_equal(changed, 3);
	/* A later count for the same day replaces it; an older one does
	 * not. */
	struct sm_mstore_followers later = v[1], older = v[1];
	later.value = 1004;
	later.at = T0 + 3600;
	older.value = 990;
	older.at = T0 - 3600;
	assert_int_equal(sm_metricstore_record_followers(
				 f->st, &later, 1, T0 + 3600, 0, &changed),
			 0);
	assert_int_equal(changed, 1);
	assert_int_equal(sm_metricstore_record_followers(
				 f->st, &older, 1, T0 + 7200, 0, &changed),
			 0);
	assert_int_equal(changed, 0);
	struct fol_list l = {0};
	assert_int_equal(
		sm_metricstore_each_followers(f->st, collect_followers, &l), 3);
	/* By platform, then day. */
	assert_string_equal(l.platform[0], "instagram");
	assert_string_equal(l.day[0], "2026-12-01");
	assert_int_equal(l.value[0], 1004);
	assert_string_equal(l.day[1], "2026-12-02");
	assert_int_equal(l.value[1], 1010);
	assert_string_equal(l.platform[2], "linkedin");
	assert_int_equal(query_int(f, "SELECT count(*) FROM followers_history"),
			 5);
}

/* ---------------------------------------------------------------------
 * Done marks and goals.
 */

static int
find_done(void *ctx, const struct sm_mstore_done *d)
{
	if (d->url && strcmp(d->uid, "tip@example.org") == 0)
		snprintf(ctx, 64, "%s", d->url);
	return 0;
}

static void
test_done_and_goals(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_mark_done(f->st, "main", "tip@example.org",
					    RID, "https://x.example/1", T0),
			 0);
	assert_int_equal(sm_store_mark_done(f->st, "main", "b@example.org", RID,
					    NULL, T0),
			 0);
	char url[64] = "";
	assert_int_equal(sm_metricstore_each_done(f->st, find_done, url), 2);
	assert_string_equal(url, "https://x.example/1");
	assert_int_equal(sm_metricstore_each_cancelled(f->st, NULL, NULL), 0);
	assert_int_equal(
		sm_store_cancel(f->st, "main", "c@example.org", RID, T0), 0);
	assert_int_equal(sm_metricstore_each_cancelled(f->st, NULL, NULL), 1);

	struct sm_mstore_goal g;
	assert_int_equal(sm_metricstore_goal_get(f->st, "ig-followers", &g), 0);
	sm_time first = 0;
	assert_int_equal(
		sm_metricstore_goal_seen(f->st, "ig-followers", T0, &first), 0);
	assert_int_equal(first, T0);
	/* Seen again later: the first sighting stays. */
	assert_int_equal(sm_metricstore_goal_seen(f->st, "ig-followers",
						  T0 + 86400, &first),
			 0);
	assert_int_equal(first, T0);
	assert_int_equal(sm_metricstore_goal_set(f->st, "ig-followers",
						 T0 - 28800, 0x101, T0 + 5),
			 0);
	reopen(f);
	assert_int_equal(sm_metricstore_goal_get(f->st, "ig-followers", &g), 1);
	assert_int_equal(g.first_seen, T0);
	assert_int_equal(g.span_start, T0 - 28800);
	assert_int_equal(g.state, 0x101);
	/* Setting the state of a goal never seen sees it now. */
	assert_int_equal(
		sm_metricstore_goal_set(f->st, "other", T0, 7, T0 + 99), 0);
	assert_int_equal(sm_metricstore_goal_get(f->st, "other", &g), 1);
	assert_int_equal(g.first_seen, T0 + 99);
	assert_int_equal(g.state, 7);
}

/* smcald --check reads the state without changing it. */
static void
test_readonly(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct sm_store *ro = NULL;
	assert_int_equal(sm_store_open_readonly(f->dir, &ro, err, sizeof(err)),
			 -ENOENT);
	f->st = open_store(f);
	struct sm_mstore_post p = post("tip@example.org", RID, T0);
	sm_metric_set(&p.values, SM_KPI_REACH, 77);
	assert_int_equal(sm_metricstore_record(f->st, &p, 1, T0, 0, NULL), 0);
	assert_int_equal(sm_store_open_readonly(f->dir, &ro, err, sizeof(err)),
			 0);
	assert_int_equal(sm_store_schema_version(ro), 6);
	struct sm_mstore_post got;
	assert_int_equal(
		sm_metricstore_get(ro, "main", "tip@example.org", RID, &got),
		1);
	/* Writes fail. */
	assert_true(sm_metricstore_goal_seen(ro, "g", T0, NULL) < 0);
	assert_int_equal(sm_store_set_time(ro, "x", 1), -1);
	sm_store_close(ro);
	assert_int_equal(sm_metricstore_goal_get(f->st, "g",
						 &(struct sm_mstore_goal){0}),
			 0);
}

/* An older database is read as it is, never migrated. */
static void
test_readonly_v3(void **state)
{
	struct fixture *f = *state;
	char path[128];
	snprintf(path, sizeof(path), "%s/smcal.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "CREATE TABLE meta (key TEXT PRIMARY KEY,"
			     " value INTEGER); PRAGMA user_version = 3",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	struct sm_store *ro = NULL;
	assert_int_equal(sm_store_open_readonly(f->dir, &ro, err, sizeof(err)),
			 0);
	assert_int_equal(sm_store_schema_version(ro), 3);
	sm_store_close(ro);
	assert_int_equal(query_int(f, "PRAGMA user_version"), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_v5, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_and_replace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engagement_parts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_followers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_done_and_goals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_v3, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
