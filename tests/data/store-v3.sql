-- A schema-3 smcal database (fired ledger, missed, done marks, meta, outbox,
-- disabled_endpoint, queue), as the store of commit 969ca13 wrote it: made
-- by sm_store_open, sm_store_record_fired/_missed, sm_store_mark_done,
-- sm_store_set_time, sm_outbox_add, sm_outbox_disable, sm_queue_add,
-- sm_queue_mark_done and sm_queue_cancel, then dumped with
-- `sqlite3 smcal.db .dump` (the user_version line added: .dump leaves it
-- out).  tests/unit/test_metricstore.c migrates it to schema 4 and checks
-- that nothing was lost.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE fired ( id TEXT PRIMARY KEY NOT NULL, type TEXT NOT NULL, calendar TEXT, uid TEXT, recurrence_id TEXT, scheduled_at INTEGER NOT NULL, fired_at INTEGER NOT NULL, late INTEGER NOT NULL DEFAULT 0, lead_s INTEGER NOT NULL DEFAULT 0) STRICT;
INSERT INTO fired VALUES('evt_0123456789abcdef0123456789abcdef','post.due','main','tip@example.org','2026-12-01T08:00:00Z',1796112000,1796112001,0,0);
INSERT INTO fired VALUES('evt_fedcba9876543210fedcba9876543210','post.reminder','main','tip@example.org','2026-12-01T08:00:00Z',1796108400,1796108400,1,3600);
CREATE TABLE missed ( id TEXT PRIMARY KEY NOT NULL, type TEXT NOT NULL, calendar TEXT, uid TEXT, recurrence_id TEXT, scheduled_at INTEGER NOT NULL, lead_s INTEGER NOT NULL DEFAULT 0, recorded_at INTEGER NOT NULL) STRICT;
INSERT INTO missed VALUES('evt_00000000000000000000000000000001','post.due','main','old@example.org','2026-11-01',1793520000,0,1796174879);
CREATE TABLE done ( calendar TEXT NOT NULL, uid TEXT NOT NULL, recurrence_id TEXT NOT NULL, url TEXT, at INTEGER NOT NULL, PRIMARY KEY (calendar, uid, recurrence_id)) STRICT, WITHOUT ROWID;
INSERT INTO done VALUES('main','tip@example.org','2026-12-01T08:00:00Z','https://www.instagram.com/p/abc/',1796112300);
INSERT INTO done VALUES('main','weekly@example.org','2026-12-02',NULL,1796200000);
INSERT INTO done VALUES('queue','q_aaaaaaaaaaaaaaaa','2026-12-02T08:26:40Z','https://www.instagram.com/p/launch/',1796200500);
CREATE TABLE meta ( key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
INSERT INTO meta VALUES('processed_until',1796112001);
CREATE TABLE outbox ( id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, webhook TEXT NOT NULL, event_type TEXT NOT NULL, event_at INTEGER NOT NULL, body BLOB NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL DEFAULT '', json_event INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (event_id, webhook)) STRICT;
INSERT INTO outbox VALUES(1,'evt_0123456789abcdef0123456789abcdef','team-slack','post.due',1796112000,X'7b2274657874223a22647565227d','application/json','',0,'pending',0,1796112000000,0,NULL,1796112001000,1796112001000);
CREATE TABLE disabled_endpoint ( webhook TEXT PRIMARY KEY NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
INSERT INTO disabled_endpoint VALUES('ops-ntfy','410 Gone',1796112002000);
CREATE TABLE queue ( id TEXT PRIMARY KEY NOT NULL, title TEXT, body TEXT, platforms TEXT NOT NULL, type TEXT, persona TEXT, campaign TEXT, url TEXT, publish_at INTEGER NOT NULL, draft INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')), created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, revision INTEGER NOT NULL DEFAULT 1, rid TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', publish_at, 'unixepoch')) STORED) STRICT;
INSERT INTO queue VALUES('q_aaaaaaaaaaaaaaaa','Launch day','We launch','instagram,linkedin','offer','pros','launch','https://example.org/launch',1796200000,0,'scheduled',1796100000,1796100000,1);
INSERT INTO queue VALUES('q_bbbbbbbbbbbbbbbb','Draft',NULL,'x',NULL,NULL,NULL,NULL,1796300000,1,'cancelled',1796100000,1796150000,2);
CREATE INDEX fired_scheduled_at ON fired(scheduled_at);
CREATE INDEX missed_scheduled_at ON missed(scheduled_at);
CREATE INDEX outbox_due ON outbox(status, webhook, next_at);
CREATE INDEX outbox_updated ON outbox(updated_at);
CREATE INDEX queue_publish ON queue(publish_at, id);
PRAGMA user_version=3;
COMMIT;
