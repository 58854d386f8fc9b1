/*
 * store: smcald's durable state in <state_dir>/smcal.db.
 *
 * This file owns the SQLite connection, the schema and its migrations, and
 * one prepared statement per query, prepared once at open.  Nothing else in
 * smcal speaks SQL.
 *
 * Why WAL with synchronous=FULL: an event counts as fired only once its
 * ledger row is durable, and a reload or restart must never refire it.  In
 * WAL mode FULL syncs the log on every commit, so a commit that returned
 * survives kill -9 and power loss; WAL also lets a reader (smctl through the
 * daemon, or sqlite3 by hand) look without blocking the daemon's writes.
 *
 * The schema version is PRAGMA user_version.  Each entry of migrations[]
 * takes the database from version i to i + 1 in one transaction together
 * with the version bump, so a crash mid-migration leaves the old version
 * whole.  Later work appends steps (after the outbox and the post queue);
 * never edit a step that has shipped.  A database from a newer smcal is
 * refused rather than half understood.
 *
 * Errors copy sqlite3_errmsg() into the store at the point of failure, so a
 * rollback that follows cannot overwrite the message sm_store_error returns.
 */
#include "store.h"
#include "statedir.h"
#include "store-db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define DB_NAME "smcal.db"
#define BUSY_TIMEOUT_MS 5000

/*
 * Migration steps: migrations[i] brings the schema from version i to i + 1.
 * The identity columns of fired and missed may be NULL because cadence
 * alerts are events that belong to no occurrence; a done mark always names
 * one.
 */
static const char *const migrations[] = {
	/* 0 -> 1: fired-event ledger, missed events, done marks, facts. */
	"CREATE TABLE fired ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" type TEXT NOT NULL,"
	" calendar TEXT,"
	" uid TEXT,"
	" recurrence_id TEXT,"
	" scheduled_at INTEGER NOT NULL,"
	" fired_at INTEGER NOT NULL,"
	" late INTEGER NOT NULL DEFAULT 0,"
	" lead_s INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX fired_scheduled_at ON fired(scheduled_at);"
	"CREATE TABLE missed ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" type TEXT NOT NULL,"
	" calendar TEXT,"
	" uid TEXT,"
	" recurrence_id TEXT,"
	" scheduled_at INTEGER NOT NULL,"
	" lead_s INTEGER NOT NULL DEFAULT 0,"
	" recorded_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX missed_scheduled_at ON missed(scheduled_at);"
	"CREATE TABLE done ("
	" calendar TEXT NOT NULL,"
	" uid TEXT NOT NULL,"
	" recurrence_id TEXT NOT NULL,"
	" url TEXT,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (calendar, uid, recurrence_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE meta ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" value INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/* 1 -> 2: the webhook outbox (outbox.c) and endpoints disabled by a
	 * 410 until the next reload. */
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" event_id TEXT NOT NULL,"
	" webhook TEXT NOT NULL,"
	" event_type TEXT NOT NULL,"
	" event_at INTEGER NOT NULL,"
	" body BLOB NOT NULL,"
	" content_type TEXT NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" json_event INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"
	" last_status INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" UNIQUE (event_id, webhook)"
	") STRICT;"
	"CREATE INDEX outbox_due ON outbox(status, webhook, next_at);"
	"CREATE INDEX outbox_updated ON outbox(updated_at);"
	"CREATE TABLE disabled_endpoint ("
	" webhook TEXT PRIMARY KEY NOT NULL,"
	" reason TEXT NOT NULL,"
	" at INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/* 2 -> 3: the post queue (queue.c), the calendar "queue" of posts
	 * added with smctl add.  Platforms are a comma-separated list of
	 * configured names (which cannot hold a comma).  Done marks live in
	 * `done` like every other occurrence's, under the occurrence's
	 * identity: its publish instant in UTC, kept in `rid` so that a list
	 * joins them without formatting a date per row. */
	"CREATE TABLE queue ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" title TEXT,"
	" body TEXT,"
	" platforms TEXT NOT NULL,"
	" type TEXT,"
	" persona TEXT,"
	" campaign TEXT,"
	" url TEXT,"
	" publish_at INTEGER NOT NULL,"
	" draft INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'scheduled'"
	" CHECK (status IN ('scheduled', 'cancelled')),"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" revision INTEGER NOT NULL DEFAULT 1,"
	" rid TEXT GENERATED ALWAYS AS"
	" (strftime('%Y-%m-%dT%H:%M:%SZ', publish_at, 'unixepoch')) STORED"
	") STRICT;"
	"CREATE INDEX queue_publish ON queue(publish_at, id);",
	/* 3 -> 4: why an event did not fire: "missed" (past the catch-up
	 * window) or "collapsed" (a later reminder of the same occurrence
	 * fired instead). */
	"ALTER TABLE missed ADD COLUMN reason TEXT NOT NULL"
	" DEFAULT 'missed';",
	/* 4 -> 5: occurrences of calendar posts cancelled through the
	 * control socket (smctl cancel UID --occurrence RID): the daemon
	 * skips their events.  A calendar file is never written by smcal,
	 * so the cancellation lives here, keyed like a done mark; queued
	 * posts are cancelled in `queue` itself. */
	"CREATE TABLE cancelled ("
	" calendar TEXT NOT NULL,"
	" uid TEXT NOT NULL,"
	" recurrence_id TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (calendar, uid, recurrence_id)"
	") STRICT, WITHOUT ROWID;",
	/* 5 -> 6: KPIs and goals (metricstore.c).  Every value recorded is
	 * a row of a history table that is never deleted from; the current
	 * tables hold, per occurrence (and per platform and day for
	 * followers), the value of the latest `at` (the instant a value
	 * stands for), each with its own `at`, so a late import of an older
	 * figure keeps its history row without replacing a newer one.  Per
	 * post metrics are columns (one row per recording), so an import of
	 * n rows writes 2n rows; the history has no index but its key (an
	 * audit reads it, never the daemon), which keeps an import's
	 * writes to two B-trees.  An import is one row of metric_import,
	 * which its values name.  goal_state: when the daemon first saw a
	 * goal (its default start) and the state of its goal.* events. */
	"CREATE TABLE metric_import ("
	" id INTEGER PRIMARY KEY,"
	" platform TEXT NOT NULL,"
	" file TEXT NOT NULL,"
	" rows INTEGER NOT NULL,"
	" recorded_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE metric_history ("
	" id INTEGER PRIMARY KEY,"
	" calendar TEXT NOT NULL,"
	" uid TEXT NOT NULL,"
	" recurrence_id TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" recorded_at INTEGER NOT NULL,"
	" import_id INTEGER REFERENCES metric_import (id),"
	" impressions INTEGER CHECK (impressions >= 0),"
	" reach INTEGER CHECK (reach >= 0),"
	" engagement INTEGER CHECK (engagement >= 0),"
	" likes INTEGER CHECK (likes >= 0),"
	" comments INTEGER CHECK (comments >= 0),"
	" shares INTEGER CHECK (shares >= 0),"
	" saves INTEGER CHECK (saves >= 0),"
	" clicks INTEGER CHECK (clicks >= 0),"
	" conversions INTEGER CHECK (conversions >= 0)"
	") STRICT;"
	"CREATE TABLE metric_current ("
	" calendar TEXT NOT NULL,"
	" uid TEXT NOT NULL,"
	" recurrence_id TEXT NOT NULL,"
	" impressions INTEGER, impressions_at INTEGER,"
	" reach INTEGER, reach_at INTEGER,"
	" engagement INTEGER, engagement_at INTEGER,"
	" likes INTEGER, likes_at INTEGER,"
	" comments INTEGER, comments_at INTEGER,"
	" shares INTEGER, shares_at INTEGER,"
	" saves INTEGER, saves_at INTEGER,"
	" clicks INTEGER, clicks_at INTEGER,"
	" conversions INTEGER, conversions_at INTEGER,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (calendar, uid, recurrence_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE followers_history ("
	" id INTEGER PRIMARY KEY,"
	" platform TEXT NOT NULL,"
	" day TEXT NOT NULL,"
	" day_start INTEGER NOT NULL,"
	" value INTEGER NOT NULL CHECK (value >= 0),"
	" at INTEGER NOT NULL,"
	" recorded_at INTEGER NOT NULL,"
	" import_id INTEGER REFERENCES metric_import (id)"
	") STRICT;"
	"CREATE INDEX followers_history_day ON followers_history"
	"(platform, day, at);"
	"CREATE TABLE followers_current ("
	" platform TEXT NOT NULL,"
	" day TEXT NOT NULL,"
	" day_start INTEGER NOT NULL,"
	" value INTEGER NOT NULL,"
	" at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (platform, day)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE goal_state ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" first_seen INTEGER NOT NULL,"
	" span_start INTEGER,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_HAS_FIRED,
	ST_HAS_MISSED,
	ST_INSERT_FIRED,
	ST_COUNT_FIRED,
	ST_INSERT_MISSED,
	ST_LIST_MISSED,
	ST_MARK_DONE,
	ST_IS_DONE,
	ST_GET_DONE,
	ST_CANCEL,
	ST_IS_CANCELLED,
	ST_GET_META,
	ST_SET_META,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_HAS_FIRED] = "SELECT 1 FROM fired WHERE id = ?1",
	[ST_HAS_MISSED] = "SELECT 1 FROM missed WHERE id = ?1",
	/* ON CONFLICT (id) DO NOTHING, not INSERT OR IGNORE: both make the
	 * ledger idempotent by id, but OR IGNORE would also silently skip a
	 * row that breaks NOT NULL, and an event reported recorded must be. */
	[ST_INSERT_FIRED] =
		"INSERT INTO fired (id, type, calendar, uid,"
		" recurrence_id, scheduled_at, fired_at, late, lead_s)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (id) DO NOTHING",
	[ST_COUNT_FIRED] = "SELECT count(*) FROM fired",
	/* recorded_at is bookkeeping for people reading the table, so the
	 * database's clock is good enough for it. */
	[ST_INSERT_MISSED] =
		"INSERT INTO missed (id, type, calendar, uid,"
		" recurrence_id, scheduled_at, lead_s, recorded_at, reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" CAST(strftime('%s', 'now') AS INTEGER), ?8)"
		" ON CONFLICT (id) DO NOTHING",
	[ST_LIST_MISSED] =
		"SELECT id, type, calendar, uid, recurrence_id, scheduled_at,"
		" lead_s, reason FROM missed ORDER BY scheduled_at, id"
		" LIMIT ?1",
	[ST_MARK_DONE] =
		"INSERT INTO done (calendar, uid, recurrence_id, url, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (calendar, uid, recurrence_id)"
		" DO UPDATE SET url = excluded.url, at = excluded.at",
	[ST_IS_DONE] = "SELECT 1 FROM done WHERE calendar = ?1 AND uid = ?2"
		       " AND recurrence_id = ?3",
	[ST_GET_DONE] = "SELECT at, url FROM done WHERE calendar = ?1"
			" AND uid = ?2 AND recurrence_id = ?3",
	[ST_CANCEL] = "INSERT INTO cancelled (calendar, uid, recurrence_id, at)"
		      " VALUES (?1, ?2, ?3, ?4)"
		      " ON CONFLICT (calendar, uid, recurrence_id) DO NOTHING",
	[ST_IS_CANCELLED] = "SELECT 1 FROM cancelled WHERE calendar = ?1"
			    " AND uid = ?2 AND recurrence_id = ?3",
	[ST_GET_META] = "SELECT value FROM meta WHERE key = ?1",
	[ST_SET_META] =
		"INSERT INTO meta (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

struct sm_store {
	sqlite3 *db;
	int depth; /* sm_store_begin nesting */
	sqlite3_stmt *stmt[ST_COUNT];
	int version;
	char err[512];
};

static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Keeps "what: <SQLite's message>" as the store's last error. */
static void
db_fail(struct sm_store *st, const char *what)
{
	fmt_err(st->err, sizeof(st->err), "%s: %s", what,
		sqlite3_errmsg(st->db));
}

/* Runs a cached statement that returns no rows; 0 or -1. */
static int
run(struct sm_store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		db_fail(st, what);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Undoes the open transaction, keeping the error that caused it. */
static void
rollback(struct sm_store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return; /* SQLite already rolled back on its own. */
	sqlite3_step(st->stmt[ST_ROLLBACK]);
	sqlite3_reset(st->stmt[ST_ROLLBACK]);
}

static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static const char *
column_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/*
 * Runs one SQL script on the schema, outside the cached statements (those
 * need the tables to exist).  Returns 0, or -1 with the message in err.
 */
static int
exec_sql(sqlite3 *db, const char *sql, const char *path, const char *what,
	 char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fmt_err(err, errlen, "%s: %s: %s", path, what,
		msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* Reads PRAGMA user_version into *version. */
static int
read_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Sets the journal mode to WAL and checks that SQLite agreed: it answers
 * with the mode in force, which stays "delete" on a file system that cannot
 * do WAL, and the durability argument above would then not hold.
 */
static int
set_wal(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &s, NULL) !=
	    SQLITE_OK) {
		fmt_err(err, errlen, "%s: setting WAL journal mode: %s", path,
			sqlite3_errmsg(db));
		return -1;
	}
	int ok = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *mode = column_text(s, 0);
		ok = mode && strcmp(mode, "wal") == 0;
		if (!ok)
			fmt_err(err, errlen,
				"%s: SQLite refused the WAL journal mode (%s)",
				path, mode ? mode : "?");
	} else {
		fmt_err(err, errlen, "%s: setting WAL journal mode: %s", path,
			sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

/* Brings the schema from its current version up to SCHEMA_VERSION. */
static int
migrate(sqlite3 *db, const char *path, int *version, char *err, size_t errlen)
{
	if (read_version(db, version) < 0) {
		fmt_err(err, errlen, "%s: reading the schema version: %s", path,
			sqlite3_errmsg(db));
		return -1;
	}
	if (*version > SCHEMA_VERSION) {
		fmt_err(err, errlen,
			"%s: schema version %d is newer than this smcal knows "
			"(%d); refusing to open it",
			path, *version, SCHEMA_VERSION);
		return -1;
	}
	if (*version < 0) {
		fmt_err(err, errlen, "%s: invalid schema version %d", path,
			*version);
		return -1;
	}
	while (*version < SCHEMA_VERSION) {
		int next = *version + 1;
		char what[64], bump[64];
		snprintf(what, sizeof(what),
			 "migrating the schema to version %d", next);
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", next);
		/* BEGIN IMMEDIATE, then read again: another process may have
		 * migrated between our read and our write lock. */
		if (exec_sql(db, "BEGIN IMMEDIATE", path, what, err, errlen) <
		    0)
			return -1;
		int now = 0;
		if (read_version(db, &now) < 0) {
			fmt_err(err, errlen, "%s: %s: %s", path, what,
				sqlite3_errmsg(db));
			goto fail;
		}
		if (now != *version) {
			exec_sql(db, "ROLLBACK", path, what, NULL, 0);
			return migrate(db, path, version, err, errlen);
		}
		if (exec_sql(db, migrations[*version], path, what, err,
			     errlen) < 0 ||
		    exec_sql(db, bump, path, what, err, errlen) < 0 ||
		    exec_sql(db, "COMMIT", path, what, err, errlen) < 0)
			goto fail;
		*version = next;
	}
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Syncs the state directory, so that a database file created just now has a
 * durable directory entry too (SQLite syncs the file's data, not the entry).
 */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * The database and its journal files must be the daemon's own regular
 * files, not writable by others (statedir.h): a database another user
 * wrote could hold deliveries the daemon would sign and send.  Returns 0,
 * or -EPERM / -EACCES with the message in err.
 */
static int
check_files(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	size_t n = strlen(path);
	char *p = malloc(n + sizeof("-wal"));
	if (!p)
		abort();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(suffix) / sizeof(*suffix);
	     i++) {
		memcpy(p, path, n);
		memcpy(p + n, suffix[i], strlen(suffix[i]) + 1);
		rc = sm_statedir_check_file("state database", p, geteuid(), err,
					    errlen);
	}
	free(p);
	return rc < 0 ? rc : 0;
}

int
sm_store_open(const char *dir, struct sm_store **out, char *err, size_t errlen)
{
	*out = NULL;
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		fmt_err(err, errlen, "state directory %s: %s", dir,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fmt_err(err, errlen, "state directory %s: not a directory",
			dir);
		return -1;
	}

	size_t dlen = strlen(dir);
	char *path = malloc(dlen + sizeof("/" DB_NAME));
	if (!path)
		abort();
	memcpy(path, dir, dlen);
	memcpy(path + dlen, "/" DB_NAME, sizeof("/" DB_NAME));
	int created = access(path, F_OK) < 0;
	int unsafe = check_files(path, err, errlen);
	if (unsafe < 0) {
		free(path);
		return unsafe;
	}

	struct sm_store *st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	/* NOFOLLOW: a symbolic link planted after the check is refused too. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		fmt_err(err, errlen, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    exec_sql(st->db, "PRAGMA foreign_keys = ON", path,
		     "enabling foreign keys", err, errlen) < 0 ||
	    set_wal(st->db, path, err, errlen) < 0 ||
	    exec_sql(st->db, "PRAGMA synchronous = FULL", path,
		     "setting synchronous writes", err, errlen) < 0 ||
	    migrate(st->db, path, &st->version, err, errlen) < 0)
		goto fail;

	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK) {
			fmt_err(err, errlen, "%s: preparing \"%s\": %s", path,
				stmt_sql[i], sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	if (created && sync_dir(dir) < 0) {
		fmt_err(err, errlen, "state directory %s: fsync: %s", dir,
			strerror(errno));
		goto fail;
	}
	free(path);
	*out = st;
	return 0;
fail:
	free(path);
	sm_store_close(st);
	return -1;
}

int
sm_store_open_readonly(const char *dir, struct sm_store **out, char *err,
		       size_t errlen)
{
	*out = NULL;
	size_t dlen = strlen(dir);
	char *path = malloc(dlen + sizeof("/" DB_NAME));
	if (!path)
		abort();
	memcpy(path, dir, dlen);
	memcpy(path + dlen, "/" DB_NAME, sizeof("/" DB_NAME));
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		int e = errno;
		fmt_err(err, errlen, "%s: %s", path, strerror(e));
		free(path);
		return e == ENOENT ? -ENOENT : -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fmt_err(err, errlen, "%s: not a regular file", path);
		free(path);
		return -1;
	}
	struct sm_store *st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
		    SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		fmt_err(err, errlen, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (read_version(st->db, &st->version) < 0) {
		fmt_err(err, errlen, "%s: reading the schema version: %s", path,
			sqlite3_errmsg(st->db));
		goto fail;
	}
	if (st->version > SCHEMA_VERSION || st->version < 1) {
		fmt_err(err, errlen,
			"%s: schema version %d, this smcal reads 1 "
			"to %d",
			path, st->version, SCHEMA_VERSION);
		goto fail;
	}
	/* The statements of tables this version has; the writing ones fail
	 * when stepped. */
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
				   SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				   NULL);
	free(path);
	*out = st;
	return 0;
fail:
	free(path);
	sm_store_close(st);
	return -1;
}

void
sm_store_close(struct sm_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	/* Every statement is finalised, so close cannot be refused as busy;
	 * the last connection's close also checkpoints the WAL. */
	sqlite3_close(st->db);
	free(st);
}

int
sm_store_schema_version(struct sm_store *st)
{
	return st->version;
}

int
sm_store_has_fired(struct sm_store *st, const char *id)
{
	sqlite3_stmt *s = st->stmt[ST_HAS_FIRED];
	bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret < 0)
		db_fail(st, "looking up a fired event");
	sqlite3_reset(s);
	return ret;
}

int
sm_store_has_missed(struct sm_store *st, const char *id)
{
	sqlite3_stmt *s = st->stmt[ST_HAS_MISSED];
	bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret < 0)
		db_fail(st, "looking up a missed event");
	sqlite3_reset(s);
	return ret;
}

/*
 * Inserts each event with the cached insert statement in one
 * transaction: all of the batch is durable when this returns 0, none of it
 * when it returns -1.
 */
static int
record_events(struct sm_store *st, enum stmt_id id,
	      const struct sm_store_event *events, size_t n, int fired,
	      const char *what)
{
	if (n == 0)
		return 0;
	if (!events) {
		fmt_err(st->err, sizeof(st->err), "%s: no events", what);
		return -1;
	}
	/* Inside sm_store_begin/commit the caller's transaction holds the
	 * batch; else it gets one of its own. */
	int own = sqlite3_get_autocommit(st->db);
	if (own && run(st, ST_BEGIN, what) < 0)
		return -1;
	sqlite3_stmt *s = st->stmt[id];
	for (size_t i = 0; i < n; i++) {
		const struct sm_store_event *ev = &events[i];
		int rc = bind_text(s, 1, ev->id);
		if (rc == SQLITE_OK)
			rc = bind_text(s, 2, ev->type);
		if (rc == SQLITE_OK)
			rc = bind_text(s, 3, ev->calendar);
		if (rc == SQLITE_OK)
			rc = bind_text(s, 4, ev->uid);
		if (rc == SQLITE_OK)
			rc = bind_text(s, 5, ev->recurrence_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 6, ev->scheduled_at);
		if (fired) {
			if (rc == SQLITE_OK)
				rc = sqlite3_bind_int64(s, 7, ev->fired_at);
			if (rc == SQLITE_OK)
				rc = sqlite3_bind_int(s, 8, ev->late != 0);
			if (rc == SQLITE_OK)
				rc = sqlite3_bind_int64(s, 9, ev->lead_s);
		} else if (rc == SQLITE_OK) {
			rc = sqlite3_bind_int64(s, 7, ev->lead_s);
			if (rc == SQLITE_OK)
				rc = bind_text(s, 8,
					       ev->reason ? ev->reason
							  : SM_STORE_MISSED);
		}
		if (rc != SQLITE_OK) {
			db_fail(st, what);
			sqlite3_reset(s);
			rollback(st);
			return -1;
		}
		if (run(st, id, what) < 0) {
			rollback(st);
			return -1;
		}
	}
	if (own && run(st, ST_COMMIT, what) < 0) {
		rollback(st);
		return -1;
	}
	return 0;
}

int
sm_store_begin(struct sm_store *st)
{
	/* Nested: only the outermost begin and commit reach SQLite, so the
	 * daemon's firing and its outbox batching can share one. */
	if (st->depth++ > 0)
		return 0;
	if (run(st, ST_BEGIN, "starting a transaction") < 0) {
		st->depth = 0;
		return -1;
	}
	return 0;
}

int
sm_store_commit(struct sm_store *st)
{
	if (st->depth == 0 || --st->depth > 0)
		return 0;
	if (run(st, ST_COMMIT, "committing") < 0) {
		rollback(st);
		return -1;
	}
	return 0;
}

void
sm_store_rollback(struct sm_store *st)
{
	st->depth = 0;
	rollback(st);
}

sqlite3 *
sm_store_db(struct sm_store *st)
{
	return st->db;
}

void
sm_store_set_error(struct sm_store *st, const char *what)
{
	db_fail(st, what);
}

void
sm_store_set_message(struct sm_store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

int
sm_store_record_fired(struct sm_store *st, const struct sm_store_event *events,
		      size_t n)
{
	return record_events(st, ST_INSERT_FIRED, events, n, 1,
			     "recording fired events");
}

int
sm_store_record_missed(struct sm_store *st, const struct sm_store_event *events,
		       size_t n)
{
	return record_events(st, ST_INSERT_MISSED, events, n, 0,
			     "recording missed events");
}

int
sm_store_list_missed(struct sm_store *st, size_t limit,
		     void (*fn)(void *ctx, const struct sm_store_event *ev),
		     void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_LIST_MISSED];
	/* The count is returned as an int, so no more than INT_MAX rows. */
	sqlite3_bind_int(s, 1, limit > INT_MAX ? INT_MAX : (int)limit);
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_store_event ev = {
			.id = column_text(s, 0),
			.type = column_text(s, 1),
			.calendar = column_text(s, 2),
			.uid = column_text(s, 3),
			.recurrence_id = column_text(s, 4),
			.scheduled_at = sqlite3_column_int64(s, 5),
			.fired_at = 0,
			.late = 0,
			.lead_s = (long)sqlite3_column_int64(s, 6),
			.reason = column_text(s, 7),
		};
		if (fn)
			fn(ctx, &ev);
		count++;
	}
	if (rc != SQLITE_DONE)
		db_fail(st, "listing missed events");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? count : -1;
}

int
sm_store_list_missed_recent(struct sm_store *st, size_t limit,
			    void (*fn)(void *ctx,
				       const struct sm_store_event *ev),
			    void *ctx)
{
	/* Prepared per call, not cached: a status request's statement. */
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, type, calendar, uid, recurrence_id,"
			       " scheduled_at, lead_s FROM missed"
			       " ORDER BY scheduled_at DESC, id DESC LIMIT ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(st, "listing missed events");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_bind_int(s, 1, limit > INT_MAX ? INT_MAX : (int)limit);
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sm_store_event ev = {
			.id = column_text(s, 0),
			.type = column_text(s, 1),
			.calendar = column_text(s, 2),
			.uid = column_text(s, 3),
			.recurrence_id = column_text(s, 4),
			.scheduled_at = sqlite3_column_int64(s, 5),
			.lead_s = (long)sqlite3_column_int64(s, 6),
		};
		if (fn)
			fn(ctx, &ev);
		count++;
	}
	if (rc != SQLITE_DONE)
		db_fail(st, "listing missed events");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -1;
}

long
sm_store_count_missed(struct sm_store *st)
{
	sqlite3_stmt *s = NULL;
	long n = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM missed", -1, &s,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	else
		db_fail(st, "counting missed events");
	sqlite3_finalize(s);
	return n;
}

long
sm_store_count_fired(struct sm_store *st)
{
	sqlite3_stmt *s = st->stmt[ST_COUNT_FIRED];
	long n = -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	else
		db_fail(st, "counting fired events");
	sqlite3_reset(s);
	return n;
}

int
sm_store_mark_done(struct sm_store *st, const char *calendar, const char *uid,
		   const char *recurrence_id, const char *url, sm_time at)
{
	const char *what = "marking an occurrence done";
	sqlite3_stmt *s = st->stmt[ST_MARK_DONE];
	int rc = bind_text(s, 1, calendar);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 2, uid);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 3, recurrence_id);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 4, url);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, at);
	if (rc != SQLITE_OK) {
		db_fail(st, what);
		sqlite3_reset(s);
		return -1;
	}
	return run(st, ST_MARK_DONE, what);
}

int
sm_store_is_done(struct sm_store *st, const char *calendar, const char *uid,
		 const char *recurrence_id)
{
	sqlite3_stmt *s = st->stmt[ST_IS_DONE];
	bind_text(s, 1, calendar);
	bind_text(s, 2, uid);
	bind_text(s, 3, recurrence_id);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret < 0)
		db_fail(st, "looking up a done mark");
	sqlite3_reset(s);
	return ret;
}

int
sm_store_get_done(struct sm_store *st, const char *calendar, const char *uid,
		  const char *recurrence_id, sm_time *at, char **url)
{
	sqlite3_stmt *s = st->stmt[ST_GET_DONE];
	bind_text(s, 1, calendar);
	bind_text(s, 2, uid);
	bind_text(s, 3, recurrence_id);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1) {
		if (at)
			*at = sqlite3_column_int64(s, 0);
		if (url) {
			const char *u = column_text(s, 1);
			*url = u ? strdup(u) : NULL;
			if (u && !*url)
				abort();
		}
	} else if (ret < 0) {
		db_fail(st, "reading a done mark");
	}
	sqlite3_reset(s);
	return ret;
}

int
sm_store_cancel(struct sm_store *st, const char *calendar, const char *uid,
		const char *recurrence_id, sm_time at)
{
	const char *what = "cancelling an occurrence";
	sqlite3_stmt *s = st->stmt[ST_CANCEL];
	int rc = bind_text(s, 1, calendar);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 2, uid);
	if (rc == SQLITE_OK)
		rc = bind_text(s, 3, recurrence_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, at);
	if (rc != SQLITE_OK) {
		db_fail(st, what);
		sqlite3_reset(s);
		return -1;
	}
	if (run(st, ST_CANCEL, what) < 0)
		return -1;
	return sqlite3_changes(st->db) == 0;
}

int
sm_store_is_cancelled(struct sm_store *st, const char *calendar,
		      const char *uid, const char *recurrence_id)
{
	sqlite3_stmt *s = st->stmt[ST_IS_CANCELLED];
	bind_text(s, 1, calendar);
	bind_text(s, 2, uid);
	bind_text(s, 3, recurrence_id);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret < 0)
		db_fail(st, "looking up a cancelled occurrence");
	sqlite3_reset(s);
	return ret;
}

/* Lists (calendar, uid, recurrence_id) of a table's rows whose identity
 * lies in [rid_from, rid_to]: done marks or cancelled occurrences. */
static int
list_range(struct sm_store *st, const char *sql, const char *what,
	   const char *rid_from, const char *rid_to,
	   void (*fn)(void *ctx, const char *calendar, const char *uid,
		      const char *recurrence_id),
	   void *ctx)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		db_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	bind_text(s, 1, rid_from);
	bind_text(s, 2, rid_to);
	int count = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn)
			fn(ctx, column_text(s, 0), column_text(s, 1),
			   column_text(s, 2));
		count++;
	}
	if (rc != SQLITE_DONE)
		db_fail(st, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? count : -1;
}

int
sm_store_list_done(struct sm_store *st, const char *rid_from,
		   const char *rid_to,
		   void (*fn)(void *ctx, const char *calendar, const char *uid,
			      const char *recurrence_id),
		   void *ctx)
{
	return list_range(st,
			  "SELECT calendar, uid, recurrence_id FROM done"
			  " WHERE recurrence_id BETWEEN ?1 AND ?2",
			  "listing done marks", rid_from, rid_to, fn, ctx);
}

int
sm_store_list_cancelled(struct sm_store *st, const char *rid_from,
			const char *rid_to,
			void (*fn)(void *ctx, const char *calendar,
				   const char *uid, const char *recurrence_id),
			void *ctx)
{
	return list_range(st,
			  "SELECT calendar, uid, recurrence_id FROM cancelled"
			  " WHERE recurrence_id BETWEEN ?1 AND ?2",
			  "listing cancelled occurrences", rid_from, rid_to, fn,
			  ctx);
}

int
sm_store_get_time(struct sm_store *st, const char *key, sm_time *out)
{
	sqlite3_stmt *s = st->stmt[ST_GET_META];
	bind_text(s, 1, key);
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		*out = sqlite3_column_int64(s, 0);
	else if (ret < 0)
		db_fail(st, "reading a daemon fact");
	sqlite3_reset(s);
	return ret;
}

int
sm_store_set_time(struct sm_store *st, const char *key, sm_time value)
{
	const char *what = "writing a daemon fact";
	sqlite3_stmt *s = st->stmt[ST_SET_META];
	int rc = bind_text(s, 1, key);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, value);
	if (rc != SQLITE_OK) {
		db_fail(st, what);
		sqlite3_reset(s);
		return -1;
	}
	return run(st, ST_SET_META, what);
}

int
sm_store_list_facts(struct sm_store *st, const char *prefix,
		    void (*fn)(void *ctx, const char *key, int64_t value),
		    void *ctx)
{
	/* A range on the primary key: [prefix, prefix with its last byte
	 * raised), so the keys are found by the index, not a scan. */
	size_t n = strlen(prefix);
	char *upper = malloc(n + 1);
	if (!upper)
		abort();
	memcpy(upper, prefix, n + 1);
	while (n > 0 && (unsigned char)upper[n - 1] == 0xff)
		upper[--n] = '\0';
	if (n > 0)
		upper[n - 1] = (char)((unsigned char)upper[n - 1] + 1);
	sqlite3_stmt *s = NULL;
	int count = 0, rc;
	if (sqlite3_prepare_v2(st->db,
			       n > 0 ? "SELECT key, value FROM meta WHERE"
				       " key >= ?1 AND key < ?2 ORDER BY key"
				     : "SELECT key, value FROM meta WHERE"
				       " key >= ?1 ORDER BY key",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(st, "listing daemon facts");
		sqlite3_finalize(s);
		free(upper);
		return -1;
	}
	bind_text(s, 1, prefix);
	if (n > 0)
		bind_text(s, 2, upper);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn)
			fn(ctx, column_text(s, 0), sqlite3_column_int64(s, 1));
		count++;
	}
	if (rc != SQLITE_DONE)
		db_fail(st, "listing daemon facts");
	sqlite3_finalize(s);
	free(upper);
	return rc == SQLITE_DONE ? count : -1;
}

int
sm_store_delete_fact(struct sm_store *st, const char *key)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "DELETE FROM meta WHERE key = ?1",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_text(s, 1, key);
		rc = sqlite3_step(s);
	}
	if (rc != SQLITE_DONE)
		db_fail(st, "deleting a daemon fact");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

const char *
sm_store_error(struct sm_store *st)
{
	return st ? st->err : "no store";
}
