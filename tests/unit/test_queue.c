/*
 * Unit tests for lib/queue: the schema-3 migration from a schema-2 database
 * (tests/data/store-v2.sql, written by the schema-2 store) keeps every row;
 * posts are added one or many at a time, all or nothing, inside a caller's
 * transaction or their own, and survive kill -9 once acknowledged; get,
 * list (filters, publish order, paging), cancel, move and done marks; the
 * checks of `smctl add`; and queued posts as posts of the calendar `queue`:
 * lib/occur, lib/post and lib/sched see them as they see the same post in
 * an .ics file, and the export reads back to the same posts.  Each test
 * works in its own mkdtemp directory.
 */
#include "support.h"

#include <signal.h>
#include <sys/wait.h>

#include <libical/ical.h>
#include <sqlite3.h>

#include "calendar.h"
#include "config.h"
#include "ics.h"
#include "occur.h"
#include "post.h"
#include "queue.h"
#include "sched.h"
#include "store.h"

/* ---------------------------------------------------------------------
 * Fixture: a state directory and its store.
 */

struct fixture {
	char dir[64];
	struct sm_store *st;
	struct sm_config *cfg;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (tmpdir_make(f->dir, sizeof(f->dir), "queue") != 0) {
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
	sm_config_free(f->cfg);
	int rc = tmpdir_remove(f->dir);
	free(f);
	sm_calendar_zones_cleanup();
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

static const char conf_text[] = "[daemon]\n"
				"webhook = none\n"
				"timezone = Europe/Paris\n"
				"[reminders]\n"
				"lead = 1h\n"
				"overdue = 2h\n"
				"[platform:instagram]\n"
				"slots = mon 09:00\n"
				"[platform:linkedin]\n"
				"lead = 30m\n"
				"[platform:linkedin2]\n"
				"[mix]\n"
				"informative = 60\n"
				"offer = 40\n";

/* A post with every field set. */
static struct sm_queue_post
full_post(void)
{
	struct sm_queue_post q;
	memset(&q, 0, sizeof(q));
	q.title = "Tip Tuesday: 5 ways";
	q.body = "Line one,\nline two; \xC3\xA9t\xC3\xA9 \xF0\x9F\x93\xB7";
	q.type = "informative";
	q.persona = "Anna, 30";
	q.campaign = "launch";
	q.url = "https://example.org/blog/tips?a=1,2";
	q.platforms[0] = "Instagram";
	q.platforms[1] = "linkedin";
	q.nplatforms = 2;
	q.publish_at = utc("2026-12-01T08:00:00Z");
	return q;
}

static struct sm_queue_post
simple_post(const char *platform, const char *at)
{
	struct sm_queue_post q;
	memset(&q, 0, sizeof(q));
	q.platforms[0] = platform;
	q.nplatforms = 1;
	q.publish_at = utc(at);
	return q;
}

static void
add_ok(struct sm_store *st, struct sm_queue_post *q, size_t n, sm_time now)
{
	int rc = sm_queue_add(st, q, n, now);
	if (rc != 0)
		fail_msg("sm_queue_add: %d %s", rc, sm_store_error(st));
}

/* ---------------------------------------------------------------------
 * Schema.
 */

static void
test_migrate_from_v2(void **state)
{
	struct fixture *f = *state;
	/* The schema-2 database, as the schema-2 store wrote it. */
	const char *top = getenv("SMCAL_TOP");
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/data/store-v2.sql",
		 top && *top ? top : ".");
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
	assert_int_equal(query_int(f, "PRAGMA user_version"), 2);

	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st), 6);
	assert_int_equal(query_int(f, "PRAGMA user_version"), 6);
	/* Everything of schema 2 is still there. */
	assert_int_equal(sm_store_count_fired(f->st), 2);
	assert_int_equal(sm_store_has_fired(
				 f->st, "evt_fedcba9876543210fedcba9876543210"),
			 1);
	assert_int_equal(sm_store_is_done(f->st, "main", "tip@example.org",
					  "2026-12-01T08:00:00Z"),
			 1);
	assert_int_equal(sm_store_is_done(f->st, "main", "weekly@example.org",
					  "2026-12-02"),
			 1);
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "processed_until", &t), 1);
	assert_int_equal(t, 1796112001);
	assert_int_equal(query_int(f, "SELECT count(*) FROM missed"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM outbox"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM disabled_endpoint"),
			 1);
	/* And the queue works on it. */
	assert_int_equal(query_int(f, "SELECT count(*) FROM queue"), 0);
	struct sm_queue_post q = full_post();
	add_ok(f->st, &q, 1, utc("2026-11-20T10:00:00Z"));
	sm_store_close(f->st);
	f->st = open_store(f);
	assert_int_equal(sm_store_schema_version(f->st), 6);
	assert_int_equal(query_int(f, "SELECT count(*) FROM queue"), 1);
}

/* ---------------------------------------------------------------------
 * Adding and reading.
 */

static void
test_ids(void **state)
{
	(void)state;
	enum {
		N = 20000
	};
	static char ids[N][SM_QUEUE_ID_SIZE];
	for (int i = 0; i < N; i++) {
		sm_queue_new_id(ids[i]);
		assert_int_equal(strlen(ids[i]), SM_QUEUE_ID_LEN);
		assert_true(sm_queue_id_valid(ids[i]));
	}
	qsort(ids, N, SM_QUEUE_ID_SIZE,
	      (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	assert_true(sm_queue_id_valid("q_abcdefghijklmn27"));
	assert_false(sm_queue_id_valid("q_abcdefghijklmn28"));
	assert_false(sm_queue_id_valid("q_ABCDEFGHIJKLMN27"));
	assert_false(sm_queue_id_valid("q_abcdefghijklmn2"));
	assert_false(sm_queue_id_valid("q_abcdefghijklmn277"));
	assert_false(sm_queue_id_valid("x_abcdefghijklmn27"));
	assert_false(sm_queue_id_valid("tip@example.org"));
	assert_false(sm_queue_id_valid(""));
	char buf[32];
	assert_string_equal(
		sm_queue_rid(utc("2026-12-01T08:00:00Z"), buf, sizeof(buf)),
		"2026-12-01T08:00:00Z");
}

static void
test_add_get(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time now = utc("2026-11-20T10:00:00Z");
	struct sm_queue_post q = full_post();
	q.draft = 1;
	add_ok(f->st, &q, 1, now);
	assert_true(sm_queue_id_valid(q.id));

	struct sm_arena a = {0};
	struct sm_queue_post g;
	assert_int_equal(sm_queue_get(f->st, q.id, &a, &g), 0);
	assert_string_equal(g.id, q.id);
	assert_string_equal(g.title, q.title);
	assert_string_equal(g.body, q.body);
	assert_string_equal(g.type, q.type);
	assert_string_equal(g.persona, q.persona);
	assert_string_equal(g.campaign, q.campaign);
	assert_string_equal(g.url, q.url);
	assert_int_equal(g.nplatforms, 2);
	/* Stored in lower case. */
	assert_string_equal(g.platforms[0], "instagram");
	assert_string_equal(g.platforms[1], "linkedin");
	assert_int_equal(g.publish_at, q.publish_at);
	assert_int_equal(g.draft, 1);
	assert_int_equal(g.status, SM_QUEUE_SCHEDULED);
	assert_int_equal(g.created_at, now);
	assert_int_equal(g.updated_at, now);
	assert_int_equal(g.revision, 1);
	assert_int_equal(g.done, 0);
	assert_null(g.done_url);

	/* Absent fields stay absent. */
	struct sm_queue_post s =
		simple_post("linkedin", "2026-12-02T08:00:00Z");
	add_ok(f->st, &s, 1, now);
	assert_int_equal(sm_queue_get(f->st, s.id, &a, &g), 0);
	assert_null(g.title);
	assert_null(g.body);
	assert_null(g.type);
	assert_null(g.url);
	assert_int_equal(g.draft, 0);

	assert_int_equal(sm_queue_get(f->st, "q_aaaaaaaaaaaaaaaa", &a, &g),
			 -ENOENT);
	sm_arena_free(&a);
}

static int
count_fn(void *ctx, const struct sm_queue_post *q)
{
	(void)q;
	(*(int *)ctx)++;
	return 0;
}

static int
count_all(struct sm_store *st)
{
	struct sm_queue_filter fl;
	sm_queue_filter_init(&fl);
	int n = 0;
	int rc = sm_queue_list(st, &fl, count_fn, &n);
	assert_int_equal(rc, n);
	return n;
}

static void
test_add_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time now = utc("2026-11-20T10:00:00Z");
	struct sm_queue_post q[3] = {
		simple_post("instagram", "2026-12-01T08:00:00Z"),
		simple_post("instagram", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-12-03T08:00:00Z"),
	};
	/* The third has no platform: nothing is stored, and the message
	 * names it. */
	q[2].nplatforms = 0;
	assert_int_equal(sm_queue_add(f->st, q, 3, now), -EINVAL);
	assert_non_null(strstr(sm_store_error(f->st), "post 3"));
	assert_non_null(strstr(sm_store_error(f->st), "platform"));
	assert_int_equal(count_all(f->st), 0);
	/* A time still to be chosen cannot be stored. */
	q[2] = simple_post("instagram", "2026-12-03T08:00:00Z");
	q[2].publish_at = SM_QUEUE_UNSET;
	assert_int_equal(sm_queue_add(f->st, q, 3, now), -EINVAL);
	assert_int_equal(count_all(f->st), 0);
	/* Platform names the config could not have. */
	q[2] = simple_post("insta gram", "2026-12-03T08:00:00Z");
	assert_int_equal(sm_queue_add(f->st, q, 3, now), -EINVAL);
	q[2] = simple_post("a,b", "2026-12-03T08:00:00Z");
	assert_int_equal(sm_queue_add(f->st, q, 3, now), -EINVAL);
	assert_int_equal(count_all(f->st), 0);

	/* All three. */
	for (int i = 0; i < 3; i++) {
		q[i] = simple_post("instagram", "2026-12-03T08:00:00Z");
		q[i].publish_at += i;
	}
	add_ok(f->st, q, 3, now);
	assert_int_equal(count_all(f->st), 3);

	/* A given id that exists: -EEXIST, and the batch is not stored. */
	struct sm_queue_post r[2] = {
		simple_post("linkedin", "2026-12-05T08:00:00Z"),
		simple_post("linkedin", "2026-12-06T08:00:00Z"),
	};
	memcpy(r[1].id, q[1].id, sizeof(r[1].id));
	assert_int_equal(sm_queue_add(f->st, r, 2, now), -EEXIST);
	assert_non_null(strstr(sm_store_error(f->st), q[1].id));
	assert_int_equal(count_all(f->st), 3);
	/* A given id of the wrong form. */
	memset(r, 0, sizeof(r));
	r[0] = simple_post("linkedin", "2026-12-05T08:00:00Z");
	snprintf(r[0].id, sizeof(r[0].id), "tip@example");
	assert_int_equal(sm_queue_add(f->st, r, 1, now), -EINVAL);
	/* A fresh id of one's own is kept. */
	r[0] = simple_post("linkedin", "2026-12-05T08:00:00Z");
	snprintf(r[0].id, sizeof(r[0].id), "q_mine222222222222");
	add_ok(f->st, r, 1, now);
	struct sm_arena a = {0};
	struct sm_queue_post g;
	assert_int_equal(sm_queue_get(f->st, "q_mine222222222222", &a, &g), 0);
	sm_arena_free(&a);
	/* Zero posts: nothing to do. */
	assert_int_equal(sm_queue_add(f->st, NULL, 0, now), 0);
}

static void
test_caller_transaction(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time now = utc("2026-11-20T10:00:00Z");
	struct sm_queue_post q =
		simple_post("instagram", "2026-12-01T08:00:00Z");
	/* Rolled back with the caller's transaction. */
	assert_int_equal(sm_store_begin(f->st), 0);
	add_ok(f->st, &q, 1, now);
	assert_int_equal(count_all(f->st), 1);
	sm_store_rollback(f->st);
	assert_int_equal(count_all(f->st), 0);
	/* Committed with it, together with the caller's own writes. */
	memset(q.id, 0, sizeof(q.id));
	assert_int_equal(sm_store_begin(f->st), 0);
	add_ok(f->st, &q, 1, now);
	assert_int_equal(sm_store_set_time(f->st, "queue_test", 7), 0);
	assert_int_equal(sm_store_commit(f->st), 0);
	sm_store_close(f->st);
	f->st = open_store(f);
	assert_int_equal(count_all(f->st), 1);
	sm_time t = 0;
	assert_int_equal(sm_store_get_time(f->st, "queue_test", &t), 1);
}

/* Adds a post in a child that then dies by SIGKILL right after the add
 * returned: the parent reopens the store and finds it. */
static void
test_kill_after_add(void **state)
{
	struct fixture *f = *state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sm_store *st = NULL;
		char err[512];
		close(fds[0]);
		if (sm_store_open(f->dir, &st, err, sizeof(err)) < 0)
			_exit(2);
		struct sm_queue_post q[2] = {
			simple_post("instagram", "2026-12-01T08:00:00Z"),
			simple_post("linkedin", "2026-12-01T09:00:00Z"),
		};
		if (sm_queue_add(st, q, 1, 100) < 0 ||
		    sm_queue_add(st, q + 1, 1, 100) < 0)
			_exit(3);
		char msg[2 * SM_QUEUE_ID_SIZE];
		memcpy(msg, q[0].id, SM_QUEUE_ID_SIZE);
		memcpy(msg + SM_QUEUE_ID_SIZE, q[1].id, SM_QUEUE_ID_SIZE);
		if (write(fds[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			_exit(4);
		raise(SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	char ids[2 * SM_QUEUE_ID_SIZE];
	assert_int_equal(read(fds[0], ids, sizeof(ids)), (ssize_t)sizeof(ids));
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	f->st = open_store(f);
	struct sm_arena a = {0};
	struct sm_queue_post g;
	assert_int_equal(sm_queue_get(f->st, ids, &a, &g), 0);
	assert_int_equal(g.publish_at, utc("2026-12-01T08:00:00Z"));
	assert_int_equal(sm_queue_get(f->st, ids + SM_QUEUE_ID_SIZE, &a, &g),
			 0);
	assert_string_equal(g.platforms[0], "linkedin");
	sm_arena_free(&a);
}

/* ---------------------------------------------------------------------
 * Listing.
 */

struct seen {
	int n;
	char ids[64][SM_QUEUE_ID_SIZE];
	sm_time at[64];
	int stop_after;
};

static int
seen_fn(void *ctx, const struct sm_queue_post *q)
{
	struct seen *s = ctx;
	if (s->n < 64) {
		memcpy(s->ids[s->n], q->id, SM_QUEUE_ID_SIZE);
		s->at[s->n] = q->publish_at;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static int
list(struct sm_store *st, const struct sm_queue_filter *fl, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	int n = sm_queue_list(st, fl, seen_fn, s);
	assert_int_equal(n, s->n);
	return n;
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time now = utc("2026-11-20T10:00:00Z");
	struct sm_queue_post q[6] = {
		simple_post("linkedin", "2026-12-03T08:00:00Z"),
		simple_post("instagram", "2026-12-01T08:00:00Z"),
		simple_post("linkedin2", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-12-04T08:00:00Z"),
		simple_post("instagram", "2026-12-05T08:00:00Z"),
	};
	q[3].platforms[1] = "linkedin";
	q[3].nplatforms = 2;
	q[4].draft = 1;
	add_ok(f->st, q, 6, now);
	assert_int_equal(sm_queue_cancel(f->st, q[5].id, now), 0);
	assert_int_equal(sm_queue_mark_done(f->st, q[1].id, "https://x/1",
					    utc("2026-12-01T08:05:00Z")),
			 0);

	struct sm_queue_filter fl;
	struct seen s;
	sm_queue_filter_init(&fl);
	assert_int_equal(list(f->st, &fl, &s), 6);
	/* Publish order. */
	for (int i = 1; i < 6; i++)
		assert_true(s.at[i - 1] <= s.at[i]);
	assert_string_equal(s.ids[0], q[1].id);
	assert_string_equal(s.ids[5], q[5].id);

	/* [from, to). */
	fl.from = utc("2026-12-02T08:00:00Z");
	fl.to = utc("2026-12-04T08:00:00Z");
	assert_int_equal(list(f->st, &fl, &s), 3);

	/* A platform, whole names only, any case. */
	sm_queue_filter_init(&fl);
	fl.platform = "LinkedIn";
	assert_int_equal(list(f->st, &fl, &s), 2);
	assert_string_equal(s.ids[0], q[3].id);
	assert_string_equal(s.ids[1], q[0].id);
	fl.platform = "linked";
	assert_int_equal(list(f->st, &fl, &s), 0);

	/* States and done marks. */
	sm_queue_filter_init(&fl);
	fl.states = SM_QUEUE_STATE_DRAFT;
	assert_int_equal(list(f->st, &fl, &s), 1);
	assert_string_equal(s.ids[0], q[4].id);
	fl.states = SM_QUEUE_STATE_CANCELLED;
	assert_int_equal(list(f->st, &fl, &s), 1);
	assert_string_equal(s.ids[0], q[5].id);
	fl.states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
	assert_int_equal(list(f->st, &fl, &s), 5);
	fl.states = 0;
	fl.done = 1;
	assert_int_equal(list(f->st, &fl, &s), 1);
	assert_string_equal(s.ids[0], q[1].id);
	fl.done = 0;
	assert_int_equal(list(f->st, &fl, &s), 5);

	/* The callback can stop the walk. */
	sm_queue_filter_init(&fl);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(sm_queue_list(f->st, &fl, seen_fn, &s), 2);
}

static void
test_paging(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	/* 50 posts, several at the same instant: pages of 7 give each
	 * exactly once, in order. */
	struct sm_queue_post q[50];
	for (int i = 0; i < 50; i++) {
		q[i] = simple_post("instagram", "2026-12-01T08:00:00Z");
		q[i].publish_at += (i % 10) * 3600;
	}
	add_ok(f->st, q, 50, 0);
	struct sm_queue_filter fl;
	sm_queue_filter_init(&fl);
	fl.limit = 7;
	char last[SM_QUEUE_ID_SIZE] = "";
	sm_time last_at = 0;
	int total = 0, pages = 0;
	char all[50][SM_QUEUE_ID_SIZE];
	for (;;) {
		struct seen s;
		int n = list(f->st, &fl, &s);
		if (n == 0)
			break;
		assert_true(n <= 7);
		for (int i = 0; i < n; i++) {
			if (total > 0)
				assert_true(s.at[i] > last_at ||
					    (s.at[i] == last_at &&
					     strcmp(s.ids[i], last) > 0));
			memcpy(all[total++], s.ids[i], SM_QUEUE_ID_SIZE);
			memcpy(last, s.ids[i], SM_QUEUE_ID_SIZE);
			last_at = s.at[i];
		}
		fl.after_id = last;
		fl.after_at = last_at;
		pages++;
	}
	assert_int_equal(total, 50);
	assert_int_equal(pages, 8);
	qsort(all, 50, SM_QUEUE_ID_SIZE,
	      (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < 50; i++)
		assert_string_not_equal(all[i - 1], all[i]);
}

/* ---------------------------------------------------------------------
 * Changes.
 */

static void
test_cancel_move_done(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	sm_time now = utc("2026-11-20T10:00:00Z");
	struct sm_queue_post q[3] = {
		simple_post("instagram", "2026-12-01T08:00:00Z"),
		simple_post("instagram", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-12-03T08:00:00Z"),
	};
	add_ok(f->st, q, 3, now);
	struct sm_arena a = {0};
	struct sm_queue_post g;

	/* Cancel: once changes it, twice does not. */
	assert_int_equal(sm_queue_cancel(f->st, q[0].id, now + 10), 0);
	assert_int_equal(sm_queue_get(f->st, q[0].id, &a, &g), 0);
	assert_int_equal(g.status, SM_QUEUE_CANCELLED);
	assert_int_equal(g.revision, 2);
	assert_int_equal(g.updated_at, now + 10);
	assert_int_equal(g.created_at, now);
	assert_int_equal(sm_queue_cancel(f->st, q[0].id, now + 20), 1);
	assert_int_equal(sm_queue_get(f->st, q[0].id, &a, &g), 0);
	assert_int_equal(g.revision, 2);
	assert_int_equal(sm_queue_cancel(f->st, "q_aaaaaaaaaaaaaaaa", now),
			 -ENOENT);
	/* A cancelled post is neither moved nor done. */
	assert_int_equal(
		sm_queue_move(f->st, q[0].id, q[0].publish_at + 60, now),
		-ECANCELED);
	assert_int_equal(sm_queue_mark_done(f->st, q[0].id, NULL, now),
			 -ECANCELED);

	/* Move. */
	sm_time to = utc("2026-12-10T17:00:00Z");
	assert_int_equal(sm_queue_move(f->st, q[1].id, to, now + 30), 0);
	assert_int_equal(sm_queue_get(f->st, q[1].id, &a, &g), 0);
	assert_int_equal(g.publish_at, to);
	assert_int_equal(g.revision, 2);
	assert_int_equal(g.updated_at, now + 30);
	assert_int_equal(sm_queue_move(f->st, "q_aaaaaaaaaaaaaaaa", to, now),
			 -ENOENT);
	assert_int_equal(
		sm_queue_move(f->st, q[1].id, SM_QUEUE_TIME_MAX + 1, now),
		-EINVAL);

	/* Done: keyed by the occurrence's identity, as the scheduler names
	 * it; a done post is not moved. */
	sm_time done_at = utc("2026-12-10T17:02:00Z");
	assert_int_equal(sm_queue_mark_done(f->st, q[1].id,
					    "https://www.instagram.com/p/1/",
					    done_at),
			 0);
	assert_int_equal(sm_store_is_done(f->st, SM_CONFIG_QUEUE_CALENDAR,
					  q[1].id, "2026-12-10T17:00:00Z"),
			 1);
	assert_int_equal(sm_queue_get(f->st, q[1].id, &a, &g), 0);
	assert_int_equal(g.done, 1);
	assert_int_equal(g.done_at, done_at);
	assert_string_equal(g.done_url, "https://www.instagram.com/p/1/");
	assert_int_equal(sm_queue_move(f->st, q[1].id, to + 60, now),
			 -EALREADY);
	/* Marking again updates the mark. */
	assert_int_equal(sm_queue_mark_done(f->st, q[1].id, NULL, done_at + 5),
			 0);
	assert_int_equal(sm_queue_get(f->st, q[1].id, &a, &g), 0);
	assert_int_equal(g.done_at, done_at + 5);
	assert_null(g.done_url);
	assert_int_equal(
		sm_queue_mark_done(f->st, "q_aaaaaaaaaaaaaaaa", NULL, now),
		-ENOENT);
	sm_arena_free(&a);
}

static void
test_instants(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	struct sm_queue_post q[5] = {
		simple_post("instagram", "2026-12-03T08:00:00Z"),
		simple_post("instagram", "2026-12-01T08:00:00Z"),
		simple_post("linkedin", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-11-01T08:00:00Z"),
		simple_post("instagram", "2026-12-04T08:00:00Z"),
	};
	q[0].draft = 1; /* drafts count */
	add_ok(f->st, q, 5, 0);
	assert_int_equal(sm_queue_cancel(f->st, q[4].id, 0), 0);
	sm_time *v = NULL;
	size_t n = 0;
	assert_int_equal(sm_queue_instants(f->st, "Instagram",
					   utc("2026-11-20T00:00:00Z"), &v, &n),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], utc("2026-12-01T08:00:00Z"));
	assert_int_equal(v[1], utc("2026-12-03T08:00:00Z"));
	free(v);
	assert_int_equal(sm_queue_instants(f->st, "tiktok", 0, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

/* ---------------------------------------------------------------------
 * The checks of smctl add.
 */

static int
validate(struct fixture *f, struct sm_queue_post *q, int allow_past,
	 struct sm_diag_list *d, const char *needle)
{
	sm_diag_clear(d);
	int n = sm_queue_validate(f->cfg, q, utc("2026-11-20T10:00:00Z"),
				  allow_past, d, "posts.csv", 7);
	assert_int_equal(n, (int)d->nerrors);
	if (needle) {
		int found = 0;
		for (size_t i = 0; i < d->n; i++) {
			found |= strstr(d->items[i].message, needle) != NULL;
			assert_string_equal(d->items[i].file, "posts.csv");
			assert_int_equal(d->items[i].line, 7);
		}
		if (!found) {
			sm_diag_print(d, stderr);
			fail_msg("no message contains \"%s\"", needle);
		}
	}
	return n;
}

static void
test_validate(void **state)
{
	struct fixture *f = *state;
	f->cfg = config_text(conf_text);
	struct sm_diag_list d = {0};
	struct sm_queue_post q = full_post();
	assert_int_equal(validate(f, &q, 0, &d, NULL), 0);
	/* Names take the config's spelling. */
	assert_string_equal(q.platforms[0], "instagram");

	q = full_post();
	q.platforms[1] = "tiktok";
	assert_int_equal(validate(f, &q, 0, &d,
				  "unknown platform \"tiktok\": the configured "
				  "platforms are instagram, linkedin, "
				  "linkedin2"),
			 1);
	q = full_post();
	q.nplatforms = 0;
	assert_int_equal(validate(f, &q, 0, &d, "instagram, linkedin"), 1);
	q = full_post();
	q.platforms[1] = "INSTAGRAM";
	assert_int_equal(validate(f, &q, 0, &d, "twice"), 1);
	q = full_post();
	q.type = "promo";
	assert_int_equal(validate(f, &q, 0, &d,
				  "unknown content type \"promo\": the "
				  "configured types are informative, offer"),
			 1);
	q = full_post();
	q.url = "example.org/x";
	assert_int_equal(validate(f, &q, 0, &d, "https://"), 1);
	q.url = "https://example.org/a b";
	assert_int_equal(validate(f, &q, 0, &d, "URL"), 1);

	/* The past needs allow_past; the far future is out of range. */
	q = full_post();
	q.publish_at = utc("2026-11-20T09:59:00Z");
	assert_int_equal(validate(f, &q, 0, &d, "--allow-past"), 1);
	assert_int_equal(validate(f, &q, 1, &d, NULL), 0);
	q.publish_at = SM_QUEUE_TIME_MAX + 1;
	assert_int_equal(validate(f, &q, 1, &d, "9999"), 1);
	q.publish_at = SM_QUEUE_UNSET;
	assert_int_equal(validate(f, &q, 0, &d, NULL), 0);

	/* Text: UTF-8, no control characters but tab and newline. */
	q = full_post();
	q.title = "bad \x01 title";
	assert_int_equal(validate(f, &q, 0, &d, "title"), 1);
	q = full_post();
	q.body = "caf\xE9";
	assert_int_equal(validate(f, &q, 0, &d, "UTF-8"), 1);
	q = full_post();
	q.body = "tab\tand\nnewline";
	assert_int_equal(validate(f, &q, 0, &d, NULL), 0);

	/* Every problem is reported. */
	q = full_post();
	q.platforms[0] = "tiktok";
	q.type = "promo";
	q.url = "nope";
	q.publish_at = 0;
	assert_int_equal(validate(f, &q, 0, &d, NULL), 4);

	/* Without a config, names are only checked for their characters. */
	sm_config_free(f->cfg);
	f->cfg = NULL;
	q = full_post();
	q.platforms[0] = "tiktok";
	q.type = "promo";
	assert_int_equal(validate(f, &q, 0, &d, NULL), 0);
	q.platforms[0] = "tik tok";
	assert_int_equal(validate(f, &q, 0, &d, "tik tok"), 1);
	sm_diag_clear(&d);
}

/* ---------------------------------------------------------------------
 * Queued posts as calendar posts.
 */

/* The same posts as test_as_calendar adds, written as an .ics file. */
static const char same_ics[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n"
	"BEGIN:VEVENT\r\nUID:q_aaaaaaaaaaaaaaaa\r\nDTSTAMP:20261120T100000Z\r\n"
	"DTSTART:20261201T080000Z\r\nSUMMARY:Tip\r\n"
	"X-SMCAL-PLATFORM:instagram,linkedin\r\nX-SMCAL-TYPE:informative\r\n"
	"END:VEVENT\r\n"
	"BEGIN:VEVENT\r\nUID:q_bbbbbbbbbbbbbbbb\r\nDTSTAMP:20261120T100000Z\r\n"
	"DTSTART:20261202T080000Z\r\nSUMMARY:Draft\r\nSTATUS:TENTATIVE\r\n"
	"X-SMCAL-PLATFORM:linkedin\r\nEND:VEVENT\r\n"
	"BEGIN:VEVENT\r\nUID:q_cccccccccccccccc\r\nDTSTAMP:20261120T100000Z\r\n"
	"DTSTART:20261203T080000Z\r\nSUMMARY:Gone\r\nSTATUS:CANCELLED\r\n"
	"X-SMCAL-PLATFORM:instagram\r\nEND:VEVENT\r\n"
	"END:VCALENDAR\r\n";

static void
add_three(struct fixture *f)
{
	struct sm_queue_post q[3] = {
		simple_post("instagram", "2026-12-01T08:00:00Z"),
		simple_post("linkedin", "2026-12-02T08:00:00Z"),
		simple_post("instagram", "2026-12-03T08:00:00Z"),
	};
	snprintf(q[0].id, sizeof(q[0].id), "q_aaaaaaaaaaaaaaaa");
	snprintf(q[1].id, sizeof(q[1].id), "q_bbbbbbbbbbbbbbbb");
	snprintf(q[2].id, sizeof(q[2].id), "q_cccccccccccccccc");
	q[0].title = "Tip";
	q[0].platforms[1] = "linkedin";
	q[0].nplatforms = 2;
	q[0].type = "informative";
	q[1].title = "Draft";
	q[1].draft = 1;
	q[2].title = "Gone";
	add_ok(f->st, q, 3, utc("2026-11-20T10:00:00Z"));
	assert_int_equal(
		sm_queue_cancel(f->st, q[2].id, utc("2026-11-20T10:00:00Z")),
		0);
}

/* Drains a scheduler into "type at id" lines. */
static char *
drain(struct sm_sched *s)
{
	static char buf[8192];
	size_t k = 0;
	struct sm_sched_event ev;
	buf[0] = '\0';
	while (sm_sched_pop(s, SM_TIME_MAX, &ev) == 1) {
		char at[32], rid[40];
		sm_civil_format(ev.at, SM_CIVIL_UTC, at, sizeof(at));
		sm_occur_format_rid(&ev.occ, rid, sizeof(rid));
		k += (size_t)snprintf(buf + k, sizeof(buf) - k,
				      "%s %s %s %s %s\n",
				      sm_event_type_name(ev.type), at,
				      ev.occ.post->uid, rid, ev.id);
		assert_true(k < sizeof(buf));
	}
	return buf;
}

static char *
schedule(struct fixture *f, const struct sm_calendar *cal)
{
	struct sm_occur_opts opts = {
		.zone = sm_calendar_system_zone(f->cfg->timezone),
		.allday_offset = (sm_time)f->cfg->allday_time * 60,
	};
	struct sm_series_set set = {0};
	struct sm_diag_list d = {0};
	assert_int_equal(sm_occur_index(&set, cal, &opts, &d), 0);
	assert_int_equal(d.nerrors, 0);
	struct sm_sched *s = sm_sched_new(f->cfg);
	sm_sched_load(s, &set, &opts, utc("2026-11-20T10:00:00Z"));
	char *out = strdup(drain(s));
	sm_sched_free(s);
	sm_occur_set_free(&set);
	sm_diag_clear(&d);
	return out;
}

static void
test_as_calendar(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	f->cfg = config_text(conf_text);
	add_three(f);

	struct sm_calendar cal;
	sm_calendar_init(&cal, SM_CONFIG_QUEUE_CALENDAR);
	assert_int_equal(sm_queue_load(f->st, &cal, 1), 3);
	assert_string_equal(cal.name, "queue");
	const struct sm_post *p = &cal.posts[0];
	assert_string_equal(p->uid, "q_aaaaaaaaaaaaaaaa");
	assert_string_equal(p->title, "Tip");
	assert_int_equal(p->start.kind, SM_DT_UTC);
	assert_int_equal(p->start.civil, utc("2026-12-01T08:00:00Z"));

	/* lib/post: platforms, type and status as X-SMCAL-* and STATUS
	 * would give them. */
	const char *names[4];
	assert_int_equal(sm_post_platforms(f->cfg, p, names, 4), 2);
	assert_string_equal(names[0], "instagram");
	assert_string_equal(names[1], "linkedin");
	assert_string_equal(sm_post_type(f->cfg, p), "informative");
	assert_string_equal(sm_post_status_name(p, 0), "scheduled");
	assert_string_equal(sm_post_status_name(&cal.posts[1], 0), "draft");
	assert_string_equal(sm_post_status_name(&cal.posts[2], 0), "cancelled");

	/* lib/occur: one occurrence each, at the publish instant, named by
	 * sm_queue_rid; the cancelled one is cancelled. */
	struct sm_occur_opts opts = {
		.zone = sm_calendar_system_zone("Europe/Paris")};
	struct sm_series_set set = {0};
	struct sm_diag_list d = {0};
	assert_int_equal(sm_occur_index(&set, &cal, &opts, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(set.n, 3);
	for (size_t i = 0; i < 3; i++) {
		struct sm_occurrence occ;
		const struct sm_post *post = &cal.posts[i];
		assert_int_equal(sm_occur_next(&set.series[i], &opts, 0, &occ),
				 1);
		assert_int_equal(occ.start, post->start.civil);
		assert_int_equal(occ.cancelled, i == 2);
		char a[40], b[40];
		assert_string_equal(
			sm_occur_format_rid(&occ, a, sizeof(a)),
			sm_queue_rid(post->start.civil, b, sizeof(b)));
		assert_int_equal(sm_occur_next(&set.series[i], &opts,
					       occ.start + 1, &occ),
				 0);
	}
	sm_occur_set_free(&set);

	/* lib/sched: exactly the events of the same posts in an .ics file of
	 * the calendar "queue", ids included. */
	char *from_queue = schedule(f, &cal);
	struct sm_calendar ics;
	sm_calendar_init(&ics, SM_CONFIG_QUEUE_CALENDAR);
	assert_int_equal(sm_calendar_load_buffer(&ics, same_ics,
						 sizeof(same_ics) - 1, "q.ics",
						 &d),
			 0);
	assert_int_equal(d.n, 0);
	char *from_ics = schedule(f, &ics);
	assert_string_equal(from_queue, from_ics);
	/* A reminder at linkedin's lead (the only platform that sets one),
	 * due, overdue; the draft only gets reminders; the cancelled post
	 * nothing. */
	assert_null(strstr(from_queue, "post.reminder 2026-12-01T07:00:00Z"));
	assert_non_null(strstr(from_queue, "post.reminder 2026-12-01T07:30:00Z "
					   "q_aaaaaaaaaaaaaaaa"));
	assert_non_null(strstr(from_queue, "post.due 2026-12-01T08:00:00Z "
					   "q_aaaaaaaaaaaaaaaa"));
	assert_non_null(strstr(from_queue, "post.overdue 2026-12-01T10:00:00Z "
					   "q_aaaaaaaaaaaaaaaa"));
	assert_non_null(strstr(from_queue, "post.reminder 2026-12-02T07:30:00Z "
					   "q_bbbbbbbbbbbbbbbb"));
	assert_null(strstr(from_queue, "post.due 2026-12-02"));
	assert_null(strstr(from_queue, "q_cccccccccccccccc"));
	free(from_queue);
	free(from_ics);

	/* Without cancelled posts. */
	sm_calendar_fini(&cal);
	sm_calendar_init(&cal, SM_CONFIG_QUEUE_CALENDAR);
	assert_int_equal(sm_queue_load(f->st, &cal, 0), 2);
	sm_calendar_fini(&cal);
	sm_calendar_fini(&ics);
	sm_diag_clear(&d);
}

static int
lic_errors(icalcomponent *c)
{
	int n = icalcomponent_count_properties(c, ICAL_XLICERROR_PROPERTY);
	for (icalcomponent *k =
		     icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	     k; k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		n += lic_errors(k);
	return n;
}

static void
test_export(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	f->cfg = config_text(conf_text);
	add_three(f);
	struct sm_queue_post q = full_post();
	q.draft = 1;
	add_ok(f->st, &q, 1, utc("2026-11-20T11:00:00Z"));
	assert_int_equal(sm_queue_mark_done(f->st, "q_aaaaaaaaaaaaaaaa",
					    "https://www.instagram.com/p/1/",
					    utc("2026-12-01T08:04:00Z")),
			 0);
	assert_int_equal(sm_store_mark_done(f->st, "main", "tip@example.org",
					    "2026-12-01T08:00:00Z", NULL,
					    utc("2026-12-01T08:02:00Z")),
			 0);

	struct sm_ics w = {0};
	assert_int_equal(
		sm_queue_export(f->st, &w, utc("2026-12-05T00:00:00Z")), 0);
	assert_non_null(strstr(w.buf, "X-SMCAL-DONE:20261201T080400Z\r\n"));
	assert_non_null(strstr(w.buf, "X-SMCAL-DONE-URL:https://www.instagram"
				      ".com/p/1/\r\n"));
	assert_non_null(strstr(w.buf, "RELATED-TO:tip@example.org\r\n"));
	assert_non_null(strstr(w.buf, "DTSTAMP:20261205T000000Z\r\n"));
	/* libical reads it without an error. */
	icalcomponent *c = icalparser_parse_string(w.buf);
	assert_non_null(c);
	assert_int_equal(lic_errors(c), 0);
	assert_int_equal(
		icalcomponent_count_components(c, ICAL_VEVENT_COMPONENT), 4);
	assert_int_equal(
		icalcomponent_count_components(c, ICAL_VJOURNAL_COMPONENT), 1);
	icalcomponent_free(c);

	/* lib/calendar reads back the posts sm_queue_load gives. */
	struct sm_calendar back, cal;
	struct sm_diag_list d = {0};
	sm_calendar_init(&back, SM_CONFIG_QUEUE_CALENDAR);
	assert_int_equal(
		sm_calendar_load_buffer(&back, w.buf, w.len, "export.ics", &d),
		0);
	if (d.n)
		sm_diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	sm_calendar_init(&cal, SM_CONFIG_QUEUE_CALENDAR);
	assert_int_equal(sm_queue_load(f->st, &cal, 1), 4);
	assert_int_equal(back.nposts, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct sm_post *a = &cal.posts[i], *b = &back.posts[i];
#define SAME_STR(x)                                                            \
	do {                                                                   \
		if (a->x || b->x) {                                            \
			assert_non_null(a->x);                                 \
			assert_non_null(b->x);                                 \
			assert_string_equal(a->x, b->x);                       \
		}                                                              \
	} while (0)
		SAME_STR(uid);
		SAME_STR(title);
		SAME_STR(body);
		SAME_STR(url);
		SAME_STR(type);
		SAME_STR(persona);
		SAME_STR(campaign);
#undef SAME_STR
		assert_int_equal(a->nplatforms, b->nplatforms);
		for (int k = 0; k < a->nplatforms; k++)
			assert_string_equal(a->platforms[k], b->platforms[k]);
		assert_int_equal(a->start.kind, b->start.kind);
		assert_int_equal(a->start.civil, b->start.civil);
		assert_int_equal(a->status, b->status);
		assert_int_equal(a->sequence, b->sequence);
	}
	/* And so they schedule the same. */
	char *x = schedule(f, &cal), *y = schedule(f, &back);
	assert_string_equal(x, y);
	free(x);
	free(y);
	sm_calendar_fini(&back);
	sm_calendar_fini(&cal);
	sm_diag_clear(&d);
	sm_ics_free(&w);
}

/* A window of the export: the queued posts publishing in it, the done
 * marks made in it. */
static void
test_export_range(void **state)
{
	struct fixture *f = *state;
	f->st = open_store(f);
	f->cfg = config_text(conf_text);
	add_three(f);
	assert_int_equal(sm_store_mark_done(f->st, "main", "tip@example.org",
					    "2026-12-01T08:00:00Z", NULL,
					    utc("2026-12-01T08:02:00Z")),
			 0);
	assert_int_equal(sm_store_mark_done(f->st, "main", "tip@example.org",
					    "2026-12-08T08:00:00Z", NULL,
					    utc("2026-12-08T08:02:00Z")),
			 0);
	struct sm_ics w = {0};
	assert_int_equal(sm_queue_export_range(f->st, &w,
					       utc("2026-12-05T00:00:00Z"),
					       utc("2026-12-02T00:00:00Z"),
					       utc("2026-12-09T00:00:00Z")),
			 0);
	/* The draft of 12-02 and the cancelled post of 12-03; not 12-01. */
	assert_null(strstr(w.buf, "UID:q_aaaaaaaaaaaaaaaa"));
	assert_non_null(strstr(w.buf, "UID:q_bbbbbbbbbbbbbbbb"));
	assert_non_null(strstr(w.buf, "UID:q_cccccccccccccccc"));
	assert_null(
		strstr(w.buf, "X-SMCAL-RECURRENCE-ID:2026-12-01T08:00:00Z"));
	assert_non_null(
		strstr(w.buf, "X-SMCAL-RECURRENCE-ID:2026-12-08T08:00:00Z"));
	assert_non_null(strstr(w.buf, "END:VCALENDAR\r\n"));
	sm_ics_free(&w);
	/* The whole range is sm_queue_export. */
	struct sm_ics all = {0}, range = {0};
	sm_time now = utc("2026-12-05T00:00:00Z");
	assert_int_equal(sm_queue_export(f->st, &all, now), 0);
	assert_int_equal(sm_queue_export_range(f->st, &range, now, SM_TIME_MIN,
					       SM_TIME_MAX),
			 0);
	assert_string_equal(all.buf, range.buf);
	sm_ics_free(&all);
	sm_ics_free(&range);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_migrate_from_v2),
		cmocka_unit_test(test_ids),
		T(test_add_get),
		T(test_add_all_or_nothing),
		T(test_caller_transaction),
		T(test_kill_after_add),
		T(test_list),
		T(test_paging),
		T(test_cancel_move_done),
		T(test_instants),
		T(test_validate),
		T(test_as_calendar),
		T(test_export),
		T(test_export_range),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
