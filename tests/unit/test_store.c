/*
 * Unit tests for lib/store: the schema is created at its version and a newer
 * one is refused, the fired-event ledger is idempotent and durable across a
 * reopen and a crash, missed events list oldest first, done marks and daemon
 * facts read back what was written.  Each test works in its own mkdtemp
 * directory, removed in teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "support.h"

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
	if (tmpdir_make(f->dir, sizeof(f->dir), "store") != 0) {
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
	int rc = sm_store_open(f->dir, &st, err, sizeof(err));
	if (rc != 0)
		fail_msg("sm_store_open: %s", err);
	assert_non_null(st);
	return st;
}

static void
reopen(struct fixture *f)
{
	sm_store_close(f->st);
	f->st = open_store(f);
}

static void
db_path(const struct fixture *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s/smcal.db", f->dir);
}

/* Runs one query that returns an integer, with a connection of its own. */
static long long
query_int(const struct fixture *f, const char *sql)
{
	char path[128];
	db_path(f, path, sizeof(path));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct sm_store_event
event(const char *id, sm_time at)
{
	struct sm_store_event ev = {
		.id = id,
		.type = "post.due",
		.calendar = "main",
		.uid = "tip-tuesday@example.org",
		.recurrence_id = "2026-12-01T08:00:00Z",
		.scheduled_at = at,
		.fired_at = at + 3,
		.late = 0,
		.lead_s = 0,
	};
	return ev;
}

/* The schema version this code creates: ledger, outbox, queue, why a
 * missed event did not fire, cancelled occurrences of calendar posts,
 * metrics and goals. */
#define SCHEMA 6

static void
test_open_creates_schema(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st), SCHEMA);
	assert_int_equal(query_int(f, "PRAGMA user_version"), SCHEMA);
	assert_int_equal(
		query_int(f, "SELECT count(*) FROM sqlite_schema WHERE type = "
			     "'table' AND name IN ('fired', 'missed', 'done', "
			     "'meta')"),
		4);
	assert_int_equal(
		query_int(f, "SELECT count(*) FROM sqlite_schema WHERE type = "
			     "'index' AND name IN ('fired_scheduled_at', "
			     "'missed_scheduled_at')"),
		2);
	/* WAL is a property of the file, so another connection sees it. */
	char path[128];
	db_path(f, path, sizeof(path));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_int_equal(sm_store_count_fired(f->st), 0);
	assert_string_equal(sm_store_error(f->st), "");
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event ev = event("evt_a", 1796112000);
	ev.late = 1;
	ev.lead_s = 3600;
	assert_int_equal(sm_store_record_fired(f->st, &ev, 1), 0);
	assert_int_equal(sm_store_mark_done(f->st, "main", "u1", "2026-12-01",
					    "https://example.org/p/1",
					    1796115600),
			 0);
	assert_int_equal(sm_store_set_time(f->st, "processed_until", 42), 0);

	reopen(f);
	assert_int_equal(sm_store_schema_version(f->st), SCHEMA);
	assert_int_equal(sm_store_count_fired(f->st), 1);
	assert_int_equal(sm_store_has_fired(f->st, "evt_a"), 1);
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-01"),
			 1);
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 42);
	assert_int_equal(
		query_int(f, "SELECT late * 10000 + lead_s FROM fired WHERE id "
			     "= 'evt_a'"),
		13600);
	assert_int_equal(query_int(f, "SELECT fired_at FROM fired"),
			 1796112003);
}

static void
test_record_fired_idempotent(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event ev = event("evt_same", 1000);
	assert_int_equal(sm_store_record_fired(f->st, &ev, 1), 0);
	/* Recording again, even with other values, leaves the first row. */
	ev.fired_at = 9999;
	assert_int_equal(sm_store_record_fired(f->st, &ev, 1), 0);
	assert_int_equal(sm_store_count_fired(f->st), 1);
	assert_int_equal(query_int(f, "SELECT fired_at FROM fired"), 1003);

	/* A duplicate inside one batch is no error either. */
	struct sm_store_event two[2] = {event("evt_b", 5), event("evt_b", 6)};
	assert_int_equal(sm_store_record_fired(f->st, two, 2), 0);
	assert_int_equal(sm_store_count_fired(f->st), 2);
	assert_int_equal(query_int(f,
				   "SELECT scheduled_at FROM fired WHERE id = "
				   "'evt_b'"),
			 5);
	/* An empty batch records nothing and succeeds. */
	assert_int_equal(sm_store_record_fired(f->st, NULL, 0), 0);
	assert_int_equal(sm_store_count_fired(f->st), 2);
}

static void
test_has_fired(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_has_fired(f->st, "evt_x"), 0);
	struct sm_store_event ev = event("evt_x", 1);
	assert_int_equal(sm_store_record_fired(f->st, &ev, 1), 0);
	assert_int_equal(sm_store_has_fired(f->st, "evt_x"), 1);
	assert_int_equal(sm_store_has_fired(f->st, "evt_y"), 0);
	assert_int_equal(sm_store_has_fired(f->st, "evt_"), 0);
}

static void
test_batch_1000(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	enum {
		N = 1000
	};
	static char ids[N][16];
	struct sm_store_event *evs = calloc(N, sizeof(*evs));
	assert_non_null(evs);
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof(ids[i]), "evt_%04d", i);
		evs[i] = event(ids[i], 1796112000 + i);
	}
	assert_int_equal(sm_store_record_fired(f->st, evs, N), 0);
	assert_int_equal(sm_store_count_fired(f->st), N);
	assert_int_equal(sm_store_has_fired(f->st, "evt_0000"), 1);
	assert_int_equal(sm_store_has_fired(f->st, "evt_0999"), 1);
	assert_int_equal(sm_store_has_fired(f->st, "evt_1000"), 0);
	assert_int_equal(query_int(f, "SELECT sum(scheduled_at - 1796112000) "
				      "FROM fired"),
			 N * (N - 1) / 2);
	free(evs);
}

/*
 * A batch that fails part-way leaves nothing behind: a NULL type breaks the
 * NOT NULL constraint on the third event.
 */
static void
test_batch_rolls_back(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event evs[3] = {event("evt_r1", 1), event("evt_r2", 2),
					event("evt_r3", 3)};
	evs[2].type = NULL;
	assert_int_equal(sm_store_record_fired(f->st, evs, 3), -1);
	assert_non_null(strstr(sm_store_error(f->st), "NOT NULL"));
	assert_int_equal(sm_store_count_fired(f->st), 0);
	assert_int_equal(sm_store_has_fired(f->st, "evt_r1"), 0);
	/* The store is usable afterwards and keeps working. */
	evs[2].type = "post.due";
	assert_int_equal(sm_store_record_fired(f->st, evs, 3), 0);
	assert_int_equal(sm_store_count_fired(f->st), 3);
}

struct listed {
	int n;
	char ids[8][16];
	sm_time at[8];
	long lead[8];
	int null_uid[8];
};

static void
collect(void *ctx, const struct sm_store_event *ev)
{
	struct listed *l = ctx;
	assert_true(l->n < 8);
	snprintf(l->ids[l->n], sizeof(l->ids[l->n]), "%s", ev->id);
	assert_string_equal(ev->type, "post.reminder");
	assert_int_equal(ev->fired_at, 0);
	assert_int_equal(ev->late, 0);
	l->at[l->n] = ev->scheduled_at;
	l->lead[l->n] = ev->lead_s;
	l->null_uid[l->n] = ev->uid == NULL;
	l->n++;
}

static void
test_missed(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event evs[4] = {
		event("evt_m3", 300), event("evt_m1", 100),
		event("evt_m4", 400), event("evt_m2", 200)};
	for (int i = 0; i < 4; i++) {
		evs[i].type = "post.reminder";
		evs[i].fired_at = 0;
		evs[i].lead_s = 60 * (i + 1);
	}
	evs[3].uid = NULL; /* cadence alerts belong to no occurrence */
	assert_int_equal(sm_store_record_missed(f->st, evs, 4), 0);
	/* Idempotent by id. */
	assert_int_equal(sm_store_record_missed(f->st, evs, 2), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed"), 4);
	/* Missed events are not fired events. */
	assert_int_equal(sm_store_count_fired(f->st), 0);
	assert_int_equal(sm_store_has_fired(f->st, "evt_m1"), 0);

	struct listed l = {0};
	assert_int_equal(sm_store_list_missed(f->st, 3, collect, &l), 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], "evt_m1");
	assert_string_equal(l.ids[1], "evt_m2");
	assert_string_equal(l.ids[2], "evt_m3");
	assert_int_equal(l.at[0], 100);
	assert_int_equal(l.at[1], 200);
	assert_int_equal(l.at[2], 300);
	assert_int_equal(l.lead[0], 120);
	assert_int_equal(l.lead[1], 240);
	assert_int_equal(l.lead[2], 60);
	assert_int_equal(l.null_uid[0], 0);
	assert_int_equal(l.null_uid[1], 1);

	memset(&l, 0, sizeof(l));
	assert_int_equal(sm_store_list_missed(f->st, SIZE_MAX, collect, &l), 4);
	assert_string_equal(l.ids[3], "evt_m4");
	memset(&l, 0, sizeof(l));
	assert_int_equal(sm_store_list_missed(f->st, 0, collect, &l), 0);
	assert_int_equal(l.n, 0);

	/* Newest first, and the count. */
	assert_int_equal(sm_store_count_missed(f->st), 4);
	memset(&l, 0, sizeof(l));
	assert_int_equal(sm_store_list_missed_recent(f->st, 2, collect, &l), 2);
	assert_string_equal(l.ids[0], "evt_m4");
	assert_string_equal(l.ids[1], "evt_m3");
	assert_int_equal(l.at[0], 400);
	assert_int_equal(l.lead[0], 180);
}

/* Why a recorded event did not fire, and "is it recorded" for the daemon's
 * loads (an event neither fired nor recorded is decided again). */
static void
test_missed_reason(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event evs[2] = {event("evt_past", 100),
					event("evt_stale", 200)};
	evs[0].fired_at = evs[1].fired_at = 0;
	evs[1].type = "post.reminder";
	evs[1].reason = SM_STORE_COLLAPSED; /* evs[0]: NULL, "missed" */
	assert_int_equal(sm_store_has_missed(f->st, "evt_past"), 0);
	assert_int_equal(sm_store_record_missed(f->st, evs, 2), 0);
	assert_int_equal(sm_store_has_missed(f->st, "evt_past"), 1);
	assert_int_equal(sm_store_has_missed(f->st, "evt_stale"), 1);
	assert_int_equal(sm_store_has_missed(f->st, "evt_other"), 0);
	assert_int_equal(sm_store_has_fired(f->st, "evt_stale"), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed WHERE "
				      "id = 'evt_past' AND reason = 'missed'"),
			 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed WHERE "
				      "id = 'evt_stale' AND reason = "
				      "'collapsed'"),
			 1);
}

static void
reason_of(void *ctx, const struct sm_store_event *ev)
{
	snprintf(ctx, 32, "%s", ev->reason);
}

/* A version 3 database (missed rows without a reason) is brought to 4:
 * its rows read as missed. */
static void
test_migrate_reason(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event ev = event("evt_old", 100);
	assert_int_equal(sm_store_record_missed(f->st, &ev, 1), 0);
	sm_store_close(f->st);
	f->st = NULL;
	char path[128];
	db_path(f, path, sizeof(path));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* Back to schema 3: without the reason, and without the tables of
	 * later versions. */
	assert_int_equal(sqlite3_exec(db,
				      "ALTER TABLE missed DROP COLUMN reason;"
				      "DROP TABLE cancelled;"
				      "DROP TABLE metric_history;"
				      "DROP TABLE metric_current;"
				      "DROP TABLE followers_history;"
				      "DROP TABLE followers_current;"
				      "DROP TABLE metric_import;"
				      "DROP TABLE goal_state;"
				      "PRAGMA user_version = 3",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st), SCHEMA);
	char reason[32] = "";
	assert_int_equal(sm_store_list_missed(f->st, 10, reason_of, reason), 1);
	assert_string_equal(reason, "missed");
	assert_int_equal(sm_store_has_missed(f->st, "evt_old"), 1);
}

static void
test_done(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-01"),
			 0);
	assert_int_equal(
		sm_store_mark_done(f->st, "main", "u1", "2026-12-01", NULL, 10),
		0);
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-01"),
			 1);
	/* Other occurrences of the series, calendars and uids are not. */
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-08"),
			 0);
	assert_int_equal(sm_store_is_done(f->st, "other", "u1", "2026-12-01"),
			 0);
	assert_int_equal(sm_store_is_done(f->st, "main", "u2", "2026-12-01"),
			 0);
	assert_int_equal(query_int(f, "SELECT url IS NULL FROM done"), 1);

	/* Marking again updates the URL and instant, still one row. */
	assert_int_equal(sm_store_mark_done(f->st, "main", "u1", "2026-12-01",
					    "https://example.org/p/9", 20),
			 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM done"), 1);
	assert_int_equal(query_int(f, "SELECT at FROM done"), 20);
	assert_int_equal(query_int(f, "SELECT url = 'https://example.org/p/9' "
				      "FROM done"),
			 1);
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-01"),
			 1);
	/* The mark reads back with its instant and URL. */
	sm_time at = 0;
	char *url = NULL;
	assert_int_equal(
		sm_store_get_done(f->st, "main", "u1", "2026-12-01", &at, &url),
		1);
	assert_int_equal(at, 20);
	assert_string_equal(url, "https://example.org/p/9");
	free(url);
	char untouched[] = "untouched";
	url = untouched;
	assert_int_equal(
		sm_store_get_done(f->st, "main", "u1", "2026-12-08", &at, &url),
		0);
	assert_ptr_equal(url, untouched);
	assert_int_equal(
		sm_store_mark_done(f->st, "main", "u2", "2026-12-01", NULL, 30),
		0);
	assert_int_equal(sm_store_get_done(f->st, "main", "u2", "2026-12-01",
					   NULL, &url),
			 1);
	assert_null(url);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(
		sm_store_is_cancelled(f->st, "main", "u1", "2026-12-01"), 0);
	assert_int_equal(sm_store_cancel(f->st, "main", "u1", "2026-12-01", 10),
			 0);
	assert_int_equal(
		sm_store_is_cancelled(f->st, "main", "u1", "2026-12-01"), 1);
	/* One occurrence only: not the series' others, nor another
	 * calendar's post with the same UID, nor a done mark. */
	assert_int_equal(
		sm_store_is_cancelled(f->st, "main", "u1", "2026-12-08"), 0);
	assert_int_equal(
		sm_store_is_cancelled(f->st, "other", "u1", "2026-12-01"), 0);
	assert_int_equal(sm_store_is_done(f->st, "main", "u1", "2026-12-01"),
			 0);
	/* Again: nothing changes, the first instant stays. */
	assert_int_equal(sm_store_cancel(f->st, "main", "u1", "2026-12-01", 20),
			 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM cancelled"), 1);
	assert_int_equal(query_int(f, "SELECT at FROM cancelled"), 10);
	/* Durable across a reopen. */
	reopen(f);
	assert_int_equal(
		sm_store_is_cancelled(f->st, "main", "u1", "2026-12-01"), 1);
}

static void
test_meta(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time t = 77;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 0);
	assert_int_equal(t, 77); /* untouched when unset */
	assert_int_equal(
		sm_store_set_time(f->st, "processed_until", 1796112000), 0);
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 1796112000);
	assert_int_equal(sm_store_set_time(f->st, "processed_until", -5), 0);
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, -5);
	assert_int_equal(sm_store_set_time(f->st, "big", INT64_MAX), 0);
	assert_int_equal(sm_store_get_time(f->st, "big", &t), 1);
	assert_true(t == INT64_MAX);
	assert_int_equal(sm_store_get_time(f->st, "other", &t), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM meta"), 2);
}

struct facts {
	char keys[8][64];
	int64_t values[8];
	int n;
};

static void
collect_fact(void *ctx, const char *key, int64_t value)
{
	struct facts *fs = ctx;
	assert_true(fs->n < 8);
	snprintf(fs->keys[fs->n], sizeof(fs->keys[0]), "%s", key);
	fs->values[fs->n++] = value;
}

/* Facts by prefix (the cadence alert states), in key order, in one
 * query; deleting one; facts outside the prefix untouched. */
static void
test_facts_prefix(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_set_time(f->st, "processed_until", 1), 0);
	assert_int_equal(sm_store_set_time(f->st, "cadence.gap:x:2026-W50", 2),
			 0);
	assert_int_equal(sm_store_set_time(f->st, "cadence.gap:x:2026-W49", 3),
			 0);
	assert_int_equal(
		sm_store_set_time(f->st, "cadence.behind:x:2026-W49", 4), 0);
	assert_int_equal(sm_store_set_time(f->st, "cadence/", 5), 0);
	assert_int_equal(sm_store_set_time(f->st, "cadencf", 6), 0);
	struct facts fs = {.n = 0};
	assert_int_equal(
		sm_store_list_facts(f->st, "cadence.", collect_fact, &fs), 3);
	assert_string_equal(fs.keys[0], "cadence.behind:x:2026-W49");
	assert_int_equal(fs.values[0], 4);
	assert_string_equal(fs.keys[1], "cadence.gap:x:2026-W49");
	assert_string_equal(fs.keys[2], "cadence.gap:x:2026-W50");
	assert_int_equal(fs.values[2], 2);
	fs.n = 0;
	assert_int_equal(sm_store_list_facts(f->st, "cadence.gap:", NULL, NULL),
			 2);
	/* An empty prefix lists everything. */
	assert_int_equal(sm_store_list_facts(f->st, "", collect_fact, &fs), 6);
	assert_int_equal(sm_store_delete_fact(f->st, "cadence.gap:x:2026-W49"),
			 0);
	assert_int_equal(sm_store_delete_fact(f->st, "no such key"), 0);
	fs.n = 0;
	assert_int_equal(
		sm_store_list_facts(f->st, "cadence.", collect_fact, &fs), 2);
	assert_string_equal(fs.keys[1], "cadence.gap:x:2026-W50");
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 1);
	/* Inside a transaction, rolled back with it. */
	assert_int_equal(sm_store_begin(f->st), 0);
	assert_int_equal(sm_store_delete_fact(f->st, "cadence.gap:x:2026-W50"),
			 0);
	sm_store_rollback(f->st);
	assert_int_equal(sm_store_list_facts(f->st, "cadence.gap", NULL, NULL),
			 1);
}

static void
count_done(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	char *buf = ctx;
	size_t n = strlen(buf);
	snprintf(buf + n, 512 - n, "%s%s/%s/%s", n ? " " : "", calendar, uid,
		 rid);
}

/* Done marks of a span in one query, by identity range: zoned, floating
 * and all-day identities alike, since each starts with its date. */
static void
test_done_range(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	assert_int_equal(sm_store_mark_done(f->st, "main", "a",
					    "2026-12-01T08:00:00Z", NULL, 1),
			 0);
	assert_int_equal(sm_store_mark_done(f->st, "main", "b",
					    "2026-12-03T09:00:00", NULL, 1),
			 0);
	assert_int_equal(
		sm_store_mark_done(f->st, "main", "c", "2026-12-05", NULL, 1),
		0);
	assert_int_equal(sm_store_mark_done(f->st, "queue", "q_x",
					    "2026-12-08T08:00:00Z", NULL, 1),
			 0);
	char buf[512] = "";
	assert_int_equal(sm_store_list_done(f->st, "2026-12-02",
					    "2026-12-05T23:59:59Z", count_done,
					    buf),
			 2);
	assert_non_null(strstr(buf, "main/b/2026-12-03T09:00:00"));
	assert_non_null(strstr(buf, "main/c/2026-12-05"));
	/* Both ends included, as strings compare. */
	assert_int_equal(sm_store_list_done(f->st, "2026-12-01T08:00:00Z",
					    "2026-12-08T08:00:00Z", NULL, NULL),
			 4);
	assert_int_equal(sm_store_list_done(f->st, "2027", "2028", NULL, NULL),
			 0);
	/* Cancelled occurrences, the same way. */
	assert_int_equal(
		sm_store_cancel(f->st, "main", "s", "2026-12-04T09:00:00Z", 1),
		0);
	assert_int_equal(
		sm_store_cancel(f->st, "main", "s", "2026-12-11T09:00:00Z", 1),
		0);
	buf[0] = '\0';
	assert_int_equal(sm_store_list_cancelled(f->st, "2026-12-01",
						 "2026-12-07", count_done, buf),
			 1);
	assert_string_equal(buf, "main/s/2026-12-04T09:00:00Z");
	assert_int_equal(
		sm_store_list_cancelled(f->st, "2026", "2027", NULL, NULL), 2);
}

static void
test_missing_dir(void **state)
{
	struct fixture *f = *state;
	char missing[128], err[512] = "";
	snprintf(missing, sizeof(missing), "%s/not-there", f->dir);
	struct sm_store *st = (struct sm_store *)1;
	assert_int_equal(sm_store_open(missing, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	/* Nothing was created. */
	assert_int_equal(access(missing, F_OK), -1);
}

static void
test_not_a_database(void **state)
{
	struct fixture *f = *state;
	char path[128], err[512] = "";
	db_path(f, path, sizeof(path));
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 64; i++)
		fputs("this is not an SQLite database\n", fp);
	fclose(fp);
	struct sm_store *st = NULL;
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_store_event ev = event("evt_keep", 1);
	assert_int_equal(sm_store_record_fired(f->st, &ev, 1), 0);
	sm_store_close(f->st);
	f->st = NULL;

	char path[128], err[512] = "";
	db_path(f, path, sizeof(path));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	struct sm_store *st = NULL;
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "999"));
	assert_non_null(strstr(err, "newer"));
	/* Refusing changed nothing. */
	assert_int_equal(query_int(f, "PRAGMA user_version"), 999);
	assert_int_equal(query_int(f, "SELECT count(*) FROM fired"), 1);
}

/* Creates an empty file of that mode (umask aside). */
static void
make_file(const char *path, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Another user's database must never be adopted: a symbolic link at
 * smcal.db (even to a good database of ours) is refused, without
 * following it (SQLITE_OPEN_NOFOLLOW backs the check up).
 */
static void
test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char sub[128], target[160], path[128], err[512] = "";
	snprintf(sub, sizeof(sub), "%s/elsewhere", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	struct sm_store *st = NULL;
	assert_int_equal(sm_store_open(sub, &st, err, sizeof(err)), 0);
	sm_store_close(st);
	snprintf(target, sizeof(target), "%s/smcal.db", sub);
	db_path(f, path, sizeof(path));
	assert_int_equal(symlink(target, path), 0);

	st = (struct sm_store *)1;
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -EPERM);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "symbolic link"));

	/* A link planted at -wal or -shm is refused as well. */
	unlink(path);
	st = NULL;
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), 0);
	sm_store_close(st);
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	assert_int_equal(symlink(target, wal), 0);
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, wal));
	assert_non_null(strstr(err, "symbolic link"));
	unlink(wal);
	char cleanup[200];
	snprintf(cleanup, sizeof(cleanup), "%s/smcal.db", sub);
	unlink(cleanup);
	snprintf(cleanup, sizeof(cleanup), "%s/smcal.db-wal", sub);
	unlink(cleanup);
	snprintf(cleanup, sizeof(cleanup), "%s/smcal.db-shm", sub);
	unlink(cleanup);
	assert_int_equal(rmdir(sub), 0);
}

/* Database files others can write, or that belong to another user, are
 * refused before SQLite reads them. */
static void
test_unsafe_files_refused(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_store_close(f->st);
	f->st = NULL;
	char path[128], wal[160], err[512] = "";
	db_path(f, path, sizeof(path));
	struct sm_store *st = NULL;

	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -EPERM);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(path, 0640), 0);

	snprintf(wal, sizeof(wal), "%s-wal", path);
	make_file(wal, 0666);
	assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, wal));
	unlink(wal);

	if (geteuid() == 0) {
		/* As root (CI): a database of another user is refused. */
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sm_store_open(f->dir, &st, err, sizeof(err)),
				 -EPERM);
		assert_non_null(strstr(err, "owned by uid 65534"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* Safe again: it opens, with what it held. */
	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st) > 0, 1);
}

/* Held in a global so that valgrind, in the child, counts it as reachable. */
static struct sm_store *crash_store;

/*
 * The child records events and dies without closing the store, by _exit or
 * by SIGKILL; what its commits returned must be there for the next open.
 * The child reports through a pipe rather than its exit status: under
 * valgrind the store it abandons on purpose shows as a possible leak, which
 * rewrites the status to --error-exitcode.
 */
static void
crash_after_record(struct fixture *f, int kill_self)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL); /* or the child would print cmocka's buffer again */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		close(fds[0]);
		if (sm_store_open(f->dir, &crash_store, err, sizeof(err)) < 0)
			_exit(2);
		struct sm_store_event evs[2] = {event("evt_c1", 10),
						event("evt_c2", 20)};
		if (sm_store_record_fired(crash_store, evs, 2) < 0 ||
		    sm_store_record_fired(crash_store, evs, 1) < 0 ||
		    sm_store_set_time(crash_store, "processed_until", 20) < 0 ||
		    sm_store_mark_done(crash_store, "main", "u", "r", NULL, 5) <
			    0)
			_exit(3);
		if (write(fds[1], "ok", 2) != 2)
			_exit(4);
		if (kill_self)
			raise(SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	char buf[4] = "";
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 2);
	close(fds[0]);
	assert_memory_equal(buf, "ok", 2);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (kill_self) {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
	} else {
		assert_true(WIFEXITED(status));
	}
	/* The WAL was never checkpointed: the rows live only in it. */
	char wal[128];
	snprintf(wal, sizeof(wal), "%s/smcal.db-wal", f->dir);
	assert_int_equal(access(wal, F_OK), 0);

	f->st = open_store(f);
	assert_int_equal(sm_store_count_fired(f->st), 2);
	assert_int_equal(sm_store_has_fired(f->st, "evt_c1"), 1);
	assert_int_equal(sm_store_has_fired(f->st, "evt_c2"), 1);
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 20);
	assert_int_equal(sm_store_is_done(f->st, "main", "u", "r"), 1);
}

static void
test_crash_exit(void **state)
{
	crash_after_record(*state, 0);
}

static void
test_crash_kill(void **state)
{
	crash_after_record(*state, 1);
}

static void
test_close_null(void **state)
{
	(void)state;
	sm_store_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_fired_idempotent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_has_fired, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_1000, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_rolls_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_facts_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_done_range, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_exit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_kill, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_files_refused,
						setup, teardown),
		cmocka_unit_test(test_close_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
