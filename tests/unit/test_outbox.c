/*
 * Unit tests for lib/outbox: deliveries recorded idempotently by (event id,
 * webhook) inside the store's transactions, due deliveries per webhook in
 * next_at order with a limit, the start/finish transitions and the attempt
 * count, recovery of deliveries left sending by a crash, the list filters,
 * requeueing failed deliveries, disabled endpoints, and durability across
 * a reopen.  Each test works in its own mkdtemp directory, removed in
 * teardown.
 */
#include "support.h"

#include "outbox.h"
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
	if (tmpdir_make(f->dir, sizeof(f->dir), "outbox") != 0) {
		free(f);
		return -1;
	}
	char err[512] = "";
	if (sm_store_open(f->dir, &f->st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sm_store_open: %s\n", err);
		rmdir(f->dir);
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

static void
reopen(struct fixture *f)
{
	sm_store_close(f->st);
	f->st = NULL;
	char err[512] = "";
	if (sm_store_open(f->dir, &f->st, err, sizeof(err)) != 0)
		fail_msg("sm_store_open: %s", err);
	assert_non_null(f->st);
}

/* ------------------------------------------------------------------------ */
/* Collecting listed deliveries (their strings only live in the callback). */

#define MAX_ROWS 32

struct row {
	int64_t id;
	char event_id[64];
	char webhook[32];
	char event_type[32];
	int64_t event_at;
	char body[256];
	size_t body_len;
	char content_type[64];
	char headers[128];
	int json_event;
	enum sm_delivery_status status;
	int attempts;
	int64_t next_at;
	long last_status;
	char last_error[128];
	int has_error;
	int64_t created_at, updated_at;
};

struct rows {
	struct row v[MAX_ROWS];
	int n;
};

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void
collect(void *ctx, const struct sm_delivery *d)
{
	struct rows *rs = ctx;
	assert_true(rs->n < MAX_ROWS);
	struct row *r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->id = d->id;
	copy_str(r->event_id, sizeof(r->event_id), d->event_id);
	copy_str(r->webhook, sizeof(r->webhook), d->webhook);
	copy_str(r->event_type, sizeof(r->event_type), d->event_type);
	r->event_at = d->event_at;
	assert_true(d->body_len <= sizeof(r->body));
	if (d->body_len)
		memcpy(r->body, d->body, d->body_len);
	r->body_len = d->body_len;
	copy_str(r->content_type, sizeof(r->content_type), d->content_type);
	copy_str(r->headers, sizeof(r->headers), d->headers);
	r->json_event = d->json_event;
	r->status = d->status;
	r->attempts = d->attempts;
	r->next_at = d->next_at;
	r->last_status = d->last_status;
	r->has_error = d->last_error != NULL;
	copy_str(r->last_error, sizeof(r->last_error), d->last_error);
	r->created_at = d->created_at;
	r->updated_at = d->updated_at;
}

static int
list(struct sm_store *st, enum sm_outbox_filter filter, size_t limit,
     struct rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	int n = sm_outbox_list(st, filter, limit, collect, rs);
	assert_int_equal(n, rs->n);
	return n;
}

static int
due(struct sm_store *st, const char *webhook, int64_t now, size_t limit,
    struct rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	int n = sm_outbox_due(st, webhook, now, limit, collect, rs);
	assert_int_equal(n, rs->n);
	return n;
}

/* The one row of that event and webhook, from the RECENT list. */
static struct row
get(struct sm_store *st, const char *event_id, const char *webhook)
{
	struct rows rs;
	list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs);
	int found = -1;
	for (int i = 0; i < rs.n; i++)
		if (strcmp(rs.v[i].event_id, event_id) == 0 &&
		    strcmp(rs.v[i].webhook, webhook) == 0) {
			assert_int_equal(found, -1);
			found = i;
		}
	if (found < 0)
		fail_msg("no delivery of %s to %s", event_id, webhook);
	return rs.v[found];
}

static void
add(struct sm_store *st, const char *event_id, const char *webhook,
    int64_t next_at, const char *body, int64_t now)
{
	struct sm_delivery d = {
		.event_id = event_id,
		.webhook = webhook,
		.event_type = "post.due",
		.event_at = next_at / 1000,
		.body = body,
		.body_len = strlen(body),
		.content_type = "application/json",
		.headers = "",
		.json_event = 1,
		.next_at = next_at,
	};
	assert_int_equal(sm_outbox_add(st, &d, now), 0);
}

static int64_t
id_of(struct sm_store *st, const char *event_id, const char *webhook)
{
	return get(st, event_id, webhook).id;
}

/* ------------------------------------------------------------------------ */

static void
test_schema_has_outbox(void **state)
{
	struct fixture *f = *state;
	assert_true(sm_store_schema_version(f->st) >= 2);
	struct rows rs;
	assert_int_equal(list(f->st, SM_OUTBOX_RECENT, 10, &rs), 0);
	int64_t at = -1;
	assert_int_equal(sm_outbox_next_due(f->st, &at), 0);
	assert_int_equal(at, -1);
}

static void
test_add_idempotent_in_transaction(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;

	assert_int_equal(sm_store_begin(st), 0);
	add(st, "evt_a", "slack", 1000, "{\"first\":1}", 900);
	/* The same event for the same webhook again: nothing changes. */
	add(st, "evt_a", "slack", 5000, "{\"second\":2}", 950);
	/* The same event for another webhook is another delivery. */
	add(st, "evt_a", "ntfy", 1000, "plain", 900);
	assert_int_equal(sm_store_commit(st), 0);

	struct rows rs;
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 2);
	struct row r = get(st, "evt_a", "slack");
	assert_int_equal(r.body_len, strlen("{\"first\":1}"));
	assert_memory_equal(r.body, "{\"first\":1}", r.body_len);
	assert_int_equal(r.next_at, 1000);
	assert_int_equal(r.created_at, 900);
	assert_int_equal(r.updated_at, 900);
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.last_status, 0);
	assert_false(r.has_error);

	/* Outside a transaction too (autocommit), and idempotent again. */
	add(st, "evt_a", "slack", 7000, "{\"third\":3}", 990);
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 2);

	/* A rolled-back transaction leaves nothing behind. */
	assert_int_equal(sm_store_begin(st), 0);
	add(st, "evt_b", "slack", 1000, "{}", 900);
	sm_store_rollback(st);
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 2);
}

static void
test_add_keeps_fields(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "a\0b\nc"; /* bytes, not a C string */
	struct sm_delivery d = {
		.event_id = "evt_fields",
		.webhook = "hook",
		.event_type = "post.reminder",
		.event_at = 1767225600,
		.body = body,
		.body_len = sizeof(body) - 1,
		.content_type = "text/plain; charset=utf-8",
		.headers = "Title: x\nPriority: 4\n",
		.json_event = 0,
		.next_at = 1767225600123,
	};
	assert_int_equal(sm_outbox_add(f->st, &d, 42), 0);
	d.event_id = "evt_noheaders";
	d.headers = NULL;
	d.json_event = 7; /* stored as a flag */
	assert_int_equal(sm_outbox_add(f->st, &d, 43), 0);

	struct row r = get(f->st, "evt_fields", "hook");
	assert_true(r.id > 0);
	assert_string_equal(r.event_type, "post.reminder");
	assert_int_equal(r.event_at, 1767225600);
	assert_int_equal(r.body_len, sizeof(body) - 1);
	assert_memory_equal(r.body, body, sizeof(body) - 1);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_string_equal(r.headers, "Title: x\nPriority: 4\n");
	assert_int_equal(r.json_event, 0);
	assert_int_equal(r.next_at, 1767225600123);

	r = get(f->st, "evt_noheaders", "hook");
	assert_string_equal(r.headers, "");
	assert_int_equal(r.json_event, 1);
}

/* Collects sm_outbox_headers' output as "Name: value\n" lines. */
static void
collect_header(void *ctx, const char *name, size_t nlen, const char *value,
	       size_t vlen)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%.*s: %.*s\n", (int)nlen, name, (int)vlen,
		 value);
}

static const char *
send_headers(const char *row, char **configured, size_t n)
{
	static char out[512];
	struct sm_strlist list = {.v = configured, .n = n};
	out[0] = '\0';
	sm_outbox_headers(row, &list, collect_header, out);
	return out;
}

/*
 * The headers sent are the row's (what the format generated) and the
 * configured ones as the config has them at send time: a retry after a
 * token rotation sends the new token, and a row written by an older smcald
 * (configured headers stored after the format's) sends each header once.
 */
static void
test_headers_at_send_time(void **state)
{
	(void)state;
	static char auth[] = "Authorization: Bearer new", xb[] = "X-B:2 ",
		    prio[] = "Priority: 5";
	char *conf[] = {auth, xb, prio};
	assert_string_equal(send_headers("Title: t\nTags: a,b\n", conf, 2),
			    "Title: t\nTags: a,b\n"
			    "Authorization: Bearer new\nX-B: 2\n");
	assert_string_equal(send_headers("", conf, 1),
			    "Authorization: Bearer new\n");
	assert_string_equal(send_headers(NULL, NULL, 0), "");
	assert_string_equal(send_headers("Title: t\n", NULL, 0), "Title: t\n");
	/* A configured header replaces the format's of the same name. */
	assert_string_equal(send_headers("Title: t\nPriority: 4\n", conf, 3),
			    "Title: t\nAuthorization: Bearer new\nX-B: 2\n"
			    "Priority: 5\n");
	/* Rows written before: the configured headers inside, after the
	 * format's (one of them repeating a format header's name). */
	assert_string_equal(
		send_headers("Title: Legacy\nPriority: 3\nAuthorization: "
			     "Bearer old\nPriority: 4\n",
			     conf, 3),
		"Title: Legacy\nAuthorization: Bearer new\nX-B: 2\n"
		"Priority: 5\n");
	assert_string_equal(
		send_headers("Title: x\nX-Old: 1\ntitle: y\n", NULL, 0),
		"Title: x\nX-Old: 1\n");
	/* Names compare without case; blank and colon-less lines, a bare
	 * CR and the spaces around a value are dropped. */
	static char prio_upper[] = "PRIORITY:5";
	char *upper[] = {prio_upper};
	assert_string_equal(send_headers("priority: 3\n\nnot a header\n"
					 "X-A:   spaced  \r\n: empty\n",
					 upper, 1),
			    "X-A: spaced\nPRIORITY: 5\n");
}

static void
test_add_error(void **state)
{
	struct fixture *f = *state;
	/* A delivery without an event id breaks NOT NULL: reported, never
	 * silently skipped. */
	struct sm_delivery d = {
		.webhook = "w",
		.event_type = "post.due",
		.body = "{}",
		.body_len = 2,
		.content_type = "application/json",
		.next_at = 1,
	};
	assert_int_equal(sm_outbox_add(f->st, &d, 1), -1);
	assert_non_null(strstr(sm_store_error(f->st), "recording a delivery"));
	struct rows rs;
	assert_int_equal(list(f->st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 0);
}

static void
test_due_order_and_limit(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	add(st, "evt_3", "a", 300, "{}", 1);
	add(st, "evt_1", "a", 100, "{}", 1);
	add(st, "evt_2", "a", 200, "{}", 1);
	add(st, "evt_2b", "a", 200, "{}", 1); /* same instant: by id */
	add(st, "evt_late", "a", 500, "{}", 1);
	add(st, "evt_b", "b", 50, "{}", 1);

	struct rows rs;
	assert_int_equal(due(st, "a", 400, 10, &rs), 4);
	assert_string_equal(rs.v[0].event_id, "evt_1");
	assert_string_equal(rs.v[1].event_id, "evt_2");
	assert_string_equal(rs.v[2].event_id, "evt_2b");
	assert_string_equal(rs.v[3].event_id, "evt_3");
	for (int i = 0; i < rs.n; i++)
		assert_string_equal(rs.v[i].webhook, "a");

	/* The limit takes the oldest. */
	assert_int_equal(due(st, "a", 400, 2, &rs), 2);
	assert_string_equal(rs.v[0].event_id, "evt_1");
	assert_string_equal(rs.v[1].event_id, "evt_2");

	/* next_at is inclusive; nothing is due before the first. */
	assert_int_equal(due(st, "a", 100, 10, &rs), 1);
	assert_int_equal(due(st, "a", 99, 10, &rs), 0);
	assert_int_equal(due(st, "a", 500, 10, &rs), 5);

	/* Other webhooks and unknown ones. */
	assert_int_equal(due(st, "b", 400, 10, &rs), 1);
	assert_string_equal(rs.v[0].event_id, "evt_b");
	assert_int_equal(due(st, "c", 400, 10, &rs), 0);

	/* A NULL callback still counts. */
	assert_int_equal(sm_outbox_due(st, "a", 400, 10, NULL, NULL), 4);
}

static void
test_start_finish(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	add(st, "evt_s", "w", 1000, "{}", 900);
	int64_t id = id_of(st, "evt_s", "w");
	struct rows rs;

	assert_int_equal(sm_outbox_start(st, id, 1001), 0);
	struct row r = get(st, "evt_s", "w");
	assert_int_equal(r.status, SM_DELIVERY_SENDING);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.updated_at, 1001);
	/* Sending is not due, not even for the same webhook. */
	assert_int_equal(due(st, "w", 5000, 10, &rs), 0);

	/* A retry later. */
	assert_int_equal(sm_outbox_finish(st, id, SM_DELIVERY_PENDING, 3000,
					  500, "HTTP 500", 1002),
			 0);
	r = get(st, "evt_s", "w");
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_at, 3000);
	assert_int_equal(r.last_status, 500);
	assert_string_equal(r.last_error, "HTTP 500");
	assert_int_equal(r.updated_at, 1002);
	assert_int_equal(r.created_at, 900);
	assert_int_equal(due(st, "w", 2999, 10, &rs), 0);
	assert_int_equal(due(st, "w", 3000, 10, &rs), 1);
	assert_int_equal(rs.v[0].attempts, 1);

	/* Second attempt: delivered; the error is cleared. */
	assert_int_equal(sm_outbox_start(st, id, 3001), 0);
	assert_int_equal(get(st, "evt_s", "w").attempts, 2);
	assert_int_equal(sm_outbox_finish(st, id, SM_DELIVERY_DELIVERED, 3002,
					  200, NULL, 3002),
			 0);
	r = get(st, "evt_s", "w");
	assert_int_equal(r.status, SM_DELIVERY_DELIVERED);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.last_status, 200);
	assert_false(r.has_error);
	assert_int_equal(due(st, "w", 1000000, 10, &rs), 0);
	int64_t at;
	assert_int_equal(sm_outbox_next_due(st, &at), 0);

	/* A failed one: a transport error has no HTTP status. */
	add(st, "evt_f", "w", 1000, "{}", 900);
	int64_t fid = id_of(st, "evt_f", "w");
	assert_int_equal(sm_outbox_start(st, fid, 1001), 0);
	assert_int_equal(sm_outbox_finish(st, fid, SM_DELIVERY_FAILED, 1002, 0,
					  "Couldn't connect to server", 1002),
			 0);
	r = get(st, "evt_f", "w");
	assert_int_equal(r.status, SM_DELIVERY_FAILED);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.last_status, 0);
	assert_string_equal(r.last_error, "Couldn't connect to server");
	assert_int_equal(due(st, "w", 1000000, 10, &rs), 0);
}

static void
test_recover(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	add(st, "evt_x", "w", 1000, "{}", 900);
	add(st, "evt_y", "w", 9000, "{}", 900);
	add(st, "evt_z", "w", 1000, "{}", 900);
	int64_t x = id_of(st, "evt_x", "w");
	int64_t y = id_of(st, "evt_y", "w");
	int64_t z = id_of(st, "evt_z", "w");
	assert_int_equal(sm_outbox_start(st, x, 1001), 0);
	/* y was due later and is sending early (a manual retry, say). */
	assert_int_equal(sm_outbox_start(st, y, 1001), 0);
	assert_int_equal(sm_outbox_start(st, z, 1001), 0);
	assert_int_equal(sm_outbox_finish(st, z, SM_DELIVERY_DELIVERED, 1002,
					  200, NULL, 1002),
			 0);

	/* The crash: x and y were in flight. */
	assert_int_equal(sm_outbox_recover(st, 5000), 2);
	struct row r = get(st, "evt_x", "w");
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.attempts, 1); /* the interrupted try counted */
	assert_int_equal(r.next_at, 1000);
	r = get(st, "evt_y", "w");
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.next_at, 5000); /* due now, not later */
	assert_int_equal(get(st, "evt_z", "w").status, SM_DELIVERY_DELIVERED);

	struct rows rs;
	assert_int_equal(due(st, "w", 5000, 10, &rs), 2);
	assert_int_equal(sm_outbox_recover(st, 6000), 0);
}

static void
count_webhook(void *ctx, const char *webhook)
{
	int *n = ctx;
	(*n) += strcmp(webhook, "gone") == 0 ? 100 : 1;
}

/* A webhook removed from the config: its pending deliveries fail. */
static void
test_fail_webhook(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	add(st, "evt_a", "kept", 1000, "{}", 900);
	add(st, "evt_b", "gone", 1000, "{}", 900);
	add(st, "evt_c", "gone", 2000, "{}", 900);
	int seen = 0;
	assert_int_equal(sm_outbox_pending_webhooks(st, count_webhook, &seen),
			 2);
	assert_int_equal(seen, 101);
	assert_int_equal(sm_outbox_fail_webhook(st, "gone", "removed", 3000),
			 2);
	struct row r = get(st, "evt_b", "gone");
	assert_int_equal(r.status, SM_DELIVERY_FAILED);
	assert_int_equal(get(st, "evt_c", "gone").status, SM_DELIVERY_FAILED);
	assert_int_equal(get(st, "evt_a", "kept").status, SM_DELIVERY_PENDING);
	seen = 0;
	assert_int_equal(sm_outbox_pending_webhooks(st, count_webhook, &seen),
			 1);
	assert_int_equal(seen, 1);
	/* Nothing left to fail; requeueable like any failed delivery. */
	assert_int_equal(sm_outbox_fail_webhook(st, "gone", "removed", 3001),
			 0);
	assert_int_equal(sm_outbox_retry(st, id_of(st, "evt_b", "gone"), 4000),
			 1);
}

static void
test_list_filters(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	/* pending (due 300), sending (due 100), delivered, failed x2. */
	add(st, "evt_p", "w", 300, "{}", 10);
	add(st, "evt_s", "w", 100, "{}", 11);
	add(st, "evt_d", "w", 100, "{}", 12);
	add(st, "evt_f1", "w", 100, "{}", 13);
	add(st, "evt_f2", "w", 100, "{}", 14);
	int64_t s = id_of(st, "evt_s", "w");
	int64_t d = id_of(st, "evt_d", "w");
	int64_t f1 = id_of(st, "evt_f1", "w");
	int64_t f2 = id_of(st, "evt_f2", "w");
	assert_int_equal(sm_outbox_start(st, s, 20), 0);
	assert_int_equal(sm_outbox_start(st, d, 21), 0);
	assert_int_equal(sm_outbox_finish(st, d, SM_DELIVERY_DELIVERED, 22, 200,
					  NULL, 22),
			 0);
	assert_int_equal(sm_outbox_start(st, f2, 23), 0);
	assert_int_equal(sm_outbox_finish(st, f2, SM_DELIVERY_FAILED, 24, 404,
					  "HTTP 404", 24),
			 0);
	assert_int_equal(sm_outbox_start(st, f1, 25), 0);
	assert_int_equal(sm_outbox_finish(st, f1, SM_DELIVERY_FAILED, 26, 400,
					  "HTTP 400", 26),
			 0);

	struct rows rs;
	/* Pending and sending, next due first. */
	assert_int_equal(list(st, SM_OUTBOX_PENDING, MAX_ROWS, &rs), 2);
	assert_string_equal(rs.v[0].event_id, "evt_s");
	assert_int_equal(rs.v[0].status, SM_DELIVERY_SENDING);
	assert_string_equal(rs.v[1].event_id, "evt_p");
	assert_int_equal(rs.v[1].status, SM_DELIVERY_PENDING);

	/* Failed, most recent first. */
	assert_int_equal(list(st, SM_OUTBOX_FAILED, MAX_ROWS, &rs), 2);
	assert_string_equal(rs.v[0].event_id, "evt_f1");
	assert_string_equal(rs.v[1].event_id, "evt_f2");
	assert_int_equal(rs.v[0].last_status, 400);
	assert_string_equal(rs.v[1].last_error, "HTTP 404");

	/* Everything, most recently updated first, within the limit. */
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 5);
	assert_string_equal(rs.v[0].event_id, "evt_f1");
	assert_string_equal(rs.v[1].event_id, "evt_f2");
	assert_string_equal(rs.v[2].event_id, "evt_d");
	assert_string_equal(rs.v[3].event_id, "evt_s");
	assert_string_equal(rs.v[4].event_id, "evt_p");
	assert_int_equal(list(st, SM_OUTBOX_RECENT, 3, &rs), 3);
	assert_string_equal(rs.v[2].event_id, "evt_d");
	assert_int_equal(list(st, SM_OUTBOX_FAILED, 1, &rs), 1);
	assert_int_equal(list(st, SM_OUTBOX_PENDING, 0, &rs), 0);
	assert_int_equal(sm_outbox_list(st, SM_OUTBOX_RECENT, 10, NULL, NULL),
			 5);

	/* Counts match the lists; one delivery by id. */
	assert_int_equal(sm_outbox_count(st, SM_OUTBOX_RECENT), 5);
	assert_int_equal(sm_outbox_count(st, SM_OUTBOX_PENDING), 2);
	assert_int_equal(sm_outbox_count(st, SM_OUTBOX_FAILED), 2);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(sm_outbox_get(st, f2, collect, &rs), 1);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].event_id, "evt_f2");
	assert_int_equal(rs.v[0].status, SM_DELIVERY_FAILED);
	assert_int_equal(sm_outbox_get(st, 999999, collect, &rs), 0);
	assert_int_equal(rs.n, 1);
}

static void
test_retry(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	add(st, "evt_f", "w", 100, "{}", 10);
	add(st, "evt_p", "w", 100, "{}", 10);
	add(st, "evt_d", "w", 100, "{}", 10);
	int64_t fid = id_of(st, "evt_f", "w");
	int64_t pid = id_of(st, "evt_p", "w");
	int64_t did = id_of(st, "evt_d", "w");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sm_outbox_start(st, fid, 20 + i), 0);
		assert_int_equal(sm_outbox_finish(st, fid,
						  i < 2 ? SM_DELIVERY_PENDING
							: SM_DELIVERY_FAILED,
						  100, 503, "HTTP 503", 20 + i),
				 0);
	}
	assert_int_equal(get(st, "evt_f", "w").attempts, 3);
	assert_int_equal(sm_outbox_start(st, did, 30), 0);
	assert_int_equal(sm_outbox_finish(st, did, SM_DELIVERY_DELIVERED, 31,
					  200, NULL, 31),
			 0);

	/* Only a failed delivery is requeued. */
	assert_int_equal(sm_outbox_retry(st, pid, 50), 0);
	assert_int_equal(sm_outbox_retry(st, did, 50), 0);
	assert_int_equal(sm_outbox_retry(st, 999999, 50), 0);
	assert_int_equal(get(st, "evt_d", "w").status, SM_DELIVERY_DELIVERED);
	assert_int_equal(get(st, "evt_p", "w").next_at, 100);

	assert_int_equal(sm_outbox_retry(st, fid, 5000), 1);
	struct row r = get(st, "evt_f", "w");
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.next_at, 5000);
	assert_int_equal(r.updated_at, 5000);
	struct rows rs;
	assert_int_equal(due(st, "w", 5000, 10, &rs), 2);
	/* A second retry finds nothing failed. */
	assert_int_equal(sm_outbox_retry(st, fid, 6000), 0);
	assert_int_equal(list(st, SM_OUTBOX_FAILED, MAX_ROWS, &rs), 0);
}

/* Retention: delivered rows older than the cut-off go, oldest first and
 * at most limit per call; pending, sending and failed rows stay. */
static void
test_prune(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	char id[32];
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "evt_d%d", i);
		add(st, id, "w", 50, "{\"body\": \"kept too long\"}", 10);
		int64_t rid = id_of(st, id, "w");
		assert_int_equal(sm_outbox_start(st, rid, 90), 0);
		/* Delivered in reverse order of their ids. */
		assert_int_equal(sm_outbox_finish(st, rid,
						  SM_DELIVERY_DELIVERED, 0, 200,
						  NULL, 200 - i),
				 0);
	}
	add(st, "evt_young", "w", 50, "{}", 10);
	int64_t yid = id_of(st, "evt_young", "w");
	assert_int_equal(sm_outbox_start(st, yid, 4000), 0);
	assert_int_equal(sm_outbox_finish(st, yid, SM_DELIVERY_DELIVERED, 0,
					  200, NULL, 5000),
			 0);
	add(st, "evt_failed", "w", 50, "{}", 10);
	int64_t fid = id_of(st, "evt_failed", "w");
	assert_int_equal(sm_outbox_start(st, fid, 20), 0);
	assert_int_equal(sm_outbox_finish(st, fid, SM_DELIVERY_FAILED, 0, 400,
					  "HTTP 400", 30),
			 0);
	add(st, "evt_pending", "w", 50, "{}", 10);
	add(st, "evt_sending", "v", 50, "{}", 10);
	assert_int_equal(sm_outbox_start(st, id_of(st, "evt_sending", "v"), 20),
			 0);

	assert_int_equal(sm_outbox_prune(st, 1000, 4), 4);
	/* The oldest went: evt_d9 (191) .. evt_d6 (194). */
	struct rows rs;
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 10);
	for (int i = 0; i < rs.n; i++) {
		for (int k = 6; k <= 9; k++) {
			snprintf(id, sizeof(id), "evt_d%d", k);
			assert_string_not_equal(rs.v[i].event_id, id);
		}
	}
	assert_int_equal(sm_outbox_prune(st, 1000, 4), 4);
	assert_int_equal(sm_outbox_prune(st, 1000, 4), 2);
	assert_int_equal(sm_outbox_prune(st, 1000, 4), 0);
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 4);
	assert_int_equal(get(st, "evt_failed", "w").status, SM_DELIVERY_FAILED);
	assert_int_equal(get(st, "evt_pending", "w").status,
			 SM_DELIVERY_PENDING);
	assert_int_equal(get(st, "evt_sending", "v").status,
			 SM_DELIVERY_SENDING);
	/* The cut-off is exclusive. */
	assert_int_equal(sm_outbox_prune(st, 5000, 100), 0);
	assert_int_equal(sm_outbox_prune(st, 5001, 100), 1);
	assert_int_equal(list(st, SM_OUTBOX_RECENT, MAX_ROWS, &rs), 3);
	/* A failed row requeued later still works. */
	assert_int_equal(sm_outbox_retry(st, fid, 6000), 1);
}

struct disabled {
	char webhook[8][32];
	char reason[8][64];
	int64_t at[8];
	int n;
};

static void
collect_disabled(void *ctx, const char *webhook, const char *reason, int64_t at)
{
	struct disabled *d = ctx;
	assert_true(d->n < 8);
	copy_str(d->webhook[d->n], sizeof(d->webhook[0]), webhook);
	copy_str(d->reason[d->n], sizeof(d->reason[0]), reason);
	d->at[d->n] = at;
	d->n++;
}

static void
test_disable(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	struct disabled d = {0};

	assert_int_equal(sm_outbox_is_disabled(st, "zulip"), 0);
	assert_int_equal(sm_outbox_list_disabled(st, collect_disabled, &d), 0);

	assert_int_equal(sm_outbox_disable(st, "zulip", "410 Gone", 1234), 0);
	assert_int_equal(sm_outbox_is_disabled(st, "zulip"), 1);
	assert_int_equal(sm_outbox_is_disabled(st, "alpha"), 0);
	/* Disabling again updates the reason and the instant. */
	assert_int_equal(sm_outbox_disable(st, "zulip", "410 again", 2000), 0);
	assert_int_equal(sm_outbox_disable(st, "alpha", NULL, 1500), 0);

	memset(&d, 0, sizeof(d));
	assert_int_equal(sm_outbox_list_disabled(st, collect_disabled, &d), 2);
	assert_string_equal(d.webhook[0], "alpha"); /* by name */
	assert_string_equal(d.reason[0], "");
	assert_int_equal(d.at[0], 1500);
	assert_string_equal(d.webhook[1], "zulip");
	assert_string_equal(d.reason[1], "410 again");
	assert_int_equal(d.at[1], 2000);
	assert_int_equal(sm_outbox_list_disabled(st, NULL, NULL), 2);

	assert_int_equal(sm_outbox_enable_all(st), 0);
	assert_int_equal(sm_outbox_is_disabled(st, "zulip"), 0);
	assert_int_equal(sm_outbox_is_disabled(st, "alpha"), 0);
	assert_int_equal(sm_outbox_list_disabled(st, NULL, NULL), 0);
	assert_int_equal(sm_outbox_enable_all(st), 0);
}

static void
test_next_due(void **state)
{
	struct fixture *f = *state;
	struct sm_store *st = f->st;
	int64_t at = -1;
	assert_int_equal(sm_outbox_next_due(st, &at), 0);

	add(st, "evt_1", "one", 100, "{}", 1);
	add(st, "evt_2", "two", 200, "{}", 1);
	add(st, "evt_sending", "three", 10, "{}", 1);
	add(st, "evt_failed", "three", 20, "{}", 1);
	int64_t s = id_of(st, "evt_sending", "three");
	int64_t fl = id_of(st, "evt_failed", "three");
	assert_int_equal(sm_outbox_start(st, s, 2), 0);
	assert_int_equal(sm_outbox_start(st, fl, 2), 0);
	assert_int_equal(sm_outbox_finish(st, fl, SM_DELIVERY_FAILED, 20, 400,
					  "HTTP 400", 3),
			 0);

	/* Only pending deliveries count. */
	assert_int_equal(sm_outbox_next_due(st, &at), 1);
	assert_int_equal(at, 100);

	/* Disabled webhooks do not wake anyone. */
	assert_int_equal(sm_outbox_disable(st, "one", "410 Gone", 5), 0);
	assert_int_equal(sm_outbox_next_due(st, &at), 1);
	assert_int_equal(at, 200);
	assert_int_equal(sm_outbox_disable(st, "two", "410 Gone", 5), 0);
	at = -1;
	assert_int_equal(sm_outbox_next_due(st, &at), 0);
	assert_int_equal(at, -1);

	/* Due lists are not filtered (the daemon skips disabled webhooks
	 * itself); enabling brings the instant back. */
	struct rows rs;
	assert_int_equal(due(st, "one", 1000, 10, &rs), 1);
	assert_int_equal(sm_outbox_enable_all(st), 0);
	assert_int_equal(sm_outbox_next_due(st, &at), 1);
	assert_int_equal(at, 100);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sm_store_begin(f->st), 0);
	add(f->st, "evt_keep", "w", 4242, "{\"k\":1}", 4000);
	add(f->st, "evt_done", "w", 4242, "{}", 4000);
	assert_int_equal(sm_store_commit(f->st), 0);
	int64_t id = id_of(f->st, "evt_keep", "w");
	int64_t did = id_of(f->st, "evt_done", "w");
	assert_int_equal(sm_outbox_start(f->st, id, 4300), 0);
	assert_int_equal(sm_outbox_finish(f->st, id, SM_DELIVERY_PENDING, 9000,
					  429, "HTTP 429", 4301),
			 0);
	assert_int_equal(sm_outbox_start(f->st, did, 4302), 0);
	assert_int_equal(sm_outbox_disable(f->st, "gone", "410 Gone", 4400), 0);

	reopen(f);

	struct row r = get(f->st, "evt_keep", "w");
	assert_int_equal(r.id, id);
	assert_int_equal(r.status, SM_DELIVERY_PENDING);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_at, 9000);
	assert_int_equal(r.last_status, 429);
	assert_string_equal(r.last_error, "HTTP 429");
	assert_memory_equal(r.body, "{\"k\":1}", r.body_len);
	assert_int_equal(r.created_at, 4000);
	assert_int_equal(r.updated_at, 4301);
	/* Left sending: still sending until recovered. */
	assert_int_equal(get(f->st, "evt_done", "w").status,
			 SM_DELIVERY_SENDING);
	assert_int_equal(sm_outbox_recover(f->st, 5000), 1);
	assert_int_equal(sm_outbox_is_disabled(f->st, "gone"), 1);
	/* Still idempotent after the reopen. */
	add(f->st, "evt_keep", "w", 1, "{}", 6000);
	assert_int_equal(get(f->st, "evt_keep", "w").next_at, 9000);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sm_delivery_status_name(SM_DELIVERY_PENDING),
			    "pending");
	assert_string_equal(sm_delivery_status_name(SM_DELIVERY_SENDING),
			    "sending");
	assert_string_equal(sm_delivery_status_name(SM_DELIVERY_DELIVERED),
			    "delivered");
	assert_string_equal(sm_delivery_status_name(SM_DELIVERY_FAILED),
			    "failed");
	assert_string_equal(
		sm_delivery_status_name((enum sm_delivery_status)42),
		"unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_has_outbox, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_add_idempotent_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_keeps_fields, setup,
						teardown),
		cmocka_unit_test(test_headers_at_send_time),
		cmocka_unit_test_setup_teardown(test_add_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_due_order_and_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_finish, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_webhook, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup,
						teardown),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
