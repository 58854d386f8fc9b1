/*
 * control: the listening socket, the connections, permissions, the method
 * table and dispatch (see control.h).
 *
 * One call, from smctl to a handler and back:
 *
 *   accept: SO_PEERCRED gives the caller's uid, gid and pid; its user name
 *     and groups (getgrouplist, SO_PEERGROUPS) are read once.
 *   read: bytes go straight into the connection's sm_proto_reader (64 KiB
 *     at a time); each complete message is taken in order (conn_pump).
 *   decode: sm_proto_call_decode; a message that is not a JSON object, or
 *     is over 1 MiB, gets its error and the connection closes after it.
 *   find: sm_proto_find in the method table; then the permission of the
 *     entry against the caller's role (recomputed once per configuration);
 *     then sm_proto_check ("more" and the parameters).
 *   handle: the handler replies at once (CONTROL_DONE), later (Reload:
 *     CONTROL_PENDING, answered by control_reload_finished), or in pieces
 *     (CONTROL_AGAIN: resumed as the replies drain).  While a call is not
 *     finished the connection's next requests wait, so replies come in the
 *     order of the calls.
 *   write: replies are queued on the stream; above CONTROL_OUT_HIGH bytes
 *     unwritten the connection is neither read nor served until its client
 *     reads them below CONTROL_OUT_LOW.
 *
 * A timer per connection closes it after CONTROL_IDLE_MS without a
 * complete request or without its replies being read; it is stopped while
 * a reload the caller waits for runs.
 */
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tz.h"

#define READ_CHUNK (64 * 1024)
#define BACKLOG 128
#define MAX_GROUPS 4096

struct conn {
	uv_pipe_t pipe; /* data: the conn */
	uv_timer_t timer;
	struct control *ctl;
	struct conn *prev, *next;
	unsigned long id;
	struct sm_proto_reader rd;
	struct control_call *current; /* a call not finished, or NULL */
	size_t ndeferred; /* calls answered later (CONTROL_DEFERRED) */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char user[64]; /* "" when the uid has no name */
	gid_t *groups;
	size_t ngroups;
	const struct sm_config *role_cfg; /* the config role was worked out
					     with */
	unsigned long role_gen;
	enum control_perm role;
	int reading, eof, closing, flush_close, pumping;
	unsigned turn_calls; /* calls handled since its last turn began */
	int yielded;	     /* over CONTROL_TURN_CALLS: waits for the turn */
	int nwrites;
	int open_handles;
	/* A handler's state across this connection's calls (an upload in
	 * pieces: control_conn_data), freed when the connection closes. */
	void *data;
	void (*data_free)(void *data);
};

/* A call that waits for the connection's deferred calls keeps its message
 * (the reader's buffer moves on): it is handled when they have replied. */
struct postponed {
	char *msg;
	size_t len;
};

struct write_req {
	uv_write_t req;
	struct conn *conn;
	char *msg;
};

static unsigned long next_conn_id;
static unsigned long groups_gen;

/* ---------------------------------------------------------------------
 * The method table.  A new method: an entry here, its handler (method-*.c,
 * declared in control.h) and its declaration in lib/proto.c's interface
 * description.
 */

static const char *const delivery_filters[] = {"recent", "pending", "failed",
					       NULL};

static const struct sm_proto_field describe_params[] = {
	{.name = "interface",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 256},
	{.name = NULL},
};

static const struct sm_proto_field deliveries_params[] = {
	{.name = "filter", .type = SM_PT_STRING, .values = delivery_filters},
	{.name = "limit", .type = SM_PT_INT, .min = 1, .max = 1000},
	{.name = NULL},
};

static const char *const cadence_periods[] = {"day", "week", "month", NULL};
static const char *const grid_periods[] = {"week", "month", NULL};

static const struct sm_proto_field cadence_params[] = {
	{.name = "period", .type = SM_PT_STRING, .values = cadence_periods},
	{.name = "history", .type = SM_PT_INT, .min = 0, .max = 1000},
	{.name = "platform", .type = SM_PT_STRING, .max_len = 256},
	{.name = NULL},
};

static const struct sm_proto_field grid_params[] = {
	{.name = "from", .type = SM_PT_STRING, .max_len = 64},
	{.name = "period", .type = SM_PT_STRING, .values = grid_periods},
	{.name = "platform", .type = SM_PT_STRING, .max_len = 256},
	{.name = NULL},
};

static const struct sm_proto_field retry_params[] = {
	{.name = "id",
	 .type = SM_PT_INT,
	 .flags = SM_PF_REQUIRED,
	 .min = 1,
	 .max = INT64_MAX},
	{.name = NULL},
};

static const char *const post_statuses[] = {"draft", "scheduled", "cancelled",
					    "done", NULL};

#define TEXT(n)                                                                \
	{                                                                      \
		.name = n, .type = SM_PT_STRING                                \
	}
#define NAME(n)                                                                \
	{                                                                      \
		.name = n, .type = SM_PT_STRING, .max_len = 1024               \
	}

/* io.smcal.Posts: the order of each list is what method-posts.c's enums
 * say. */
static const struct sm_proto_field add_params[] = {
	{.name = "platform",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 1200},
	NAME("at"),
	TEXT("title"),
	TEXT("body"),
	NAME("type"),
	TEXT("persona"),
	TEXT("campaign"),
	TEXT("url"),
	{.name = "draft", .type = SM_PT_BOOL},
	{.name = "allow_past", .type = SM_PT_BOOL},
	{.name = NULL},
};

static const struct sm_proto_field add_many_params[] = {
	{.name = "name",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 4096},
	{.name = "text",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = SM_PROTO_MAX_MESSAGE},
	{.name = "allow_past", .type = SM_PT_BOOL},
	{.name = NULL},
};

static const struct sm_proto_field list_params[] = {
	NAME("from"),
	NAME("to"),
	NAME("platform"),
	{.name = "status", .type = SM_PT_STRING, .values = post_statuses},
	NAME("calendar"),
	{.name = NULL},
};

static const struct sm_proto_field post_params[] = {
	{.name = "id",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 1024},
	NAME("occurrence"),
	NAME("calendar"),
	{.name = NULL},
};

static const struct sm_proto_field done_params[] = {
	{.name = "id",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 1024},
	NAME("occurrence"),
	NAME("calendar"),
	{.name = "url", .type = SM_PT_STRING, .max_len = 4096},
	{.name = NULL},
};

static const struct sm_proto_field next_params[] = {
	{.name = "count", .type = SM_PT_INT, .min = 1, .max = 1000},
	NAME("platform"),
	{.name = NULL},
};

static const struct sm_proto_field export_params[] = {
	NAME("from"),
	NAME("to"),
	{.name = NULL},
};

#undef TEXT
#undef NAME

static const char *const report_periods[] = {"day", "week", "month", NULL};
static const char *const report_groups[] = {"platform", "type", "persona",
					    "campaign", NULL};

static const struct sm_proto_field metric_record_params[] = {
	{.name = "id", .type = SM_PT_STRING, .max_len = 1024},
	{.name = "occurrence", .type = SM_PT_STRING, .max_len = 64},
	{.name = "platform", .type = SM_PT_STRING, .max_len = 256},
	{.name = "at", .type = SM_PT_STRING, .max_len = 128},
	{.name = "values", .type = SM_PT_OBJECT, .flags = SM_PF_REQUIRED},
	{.name = NULL},
};

static const struct sm_proto_field metric_import_params[] = {
	{.name = "platform",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 256},
	{.name = "file", .type = SM_PT_STRING, .max_len = 4096},
	{.name = "data",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = SM_PROTO_MAX_MESSAGE},
	{.name = "more_data", .type = SM_PT_BOOL},
	{.name = "size",
	 .type = SM_PT_INT,
	 .min = 0,
	 .max = SM_PROTO_IMPORT_MAX},
	{.name = "map", .type = SM_PT_STRINGS},
	{.name = "partial", .type = SM_PT_BOOL},
	{.name = "dry_run", .type = SM_PT_BOOL},
	{.name = NULL},
};

static const struct sm_proto_field metric_report_params[] = {
	{.name = "period", .type = SM_PT_STRING, .values = report_periods},
	{.name = "by", .type = SM_PT_STRING, .values = report_groups},
	{.name = "from", .type = SM_PT_STRING, .max_len = 128},
	{.name = "to", .type = SM_PT_STRING, .max_len = 128},
	{.name = "csv", .type = SM_PT_BOOL},
	{.name = NULL},
};

static const struct control_method methods[] = {
	{{"org.varlink.service.GetInfo", NULL, 0},
	 CONTROL_ANYONE,
	 method_get_info},
	{{"org.varlink.service.GetInterfaceDescription", describe_params, 0},
	 CONTROL_ANYONE,
	 method_get_interface_description},
	{{"io.smcal.Status", NULL, 0}, CONTROL_READ, method_status},
	{{"io.smcal.Reload", NULL, 0}, CONTROL_ADMIN, method_reload},
	{{"io.smcal.Deliveries", deliveries_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_deliveries},
	{{"io.smcal.Retry", retry_params, 0}, CONTROL_ADMIN, method_retry},
	{{"io.smcal.Export", export_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_export},
	{{"io.smcal.Posts.Add", add_params, CONTROL_BATCH},
	 CONTROL_ADMIN,
	 method_posts_add},
	{{"io.smcal.Posts.AddMany", add_many_params, CONTROL_BATCH},
	 CONTROL_ADMIN,
	 method_posts_add_many},
	{{"io.smcal.Posts.List", list_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_posts_list},
	{{"io.smcal.Posts.Get", post_params, 0},
	 CONTROL_READ,
	 method_posts_get},
	{{"io.smcal.Posts.Cancel", post_params, 0},
	 CONTROL_ADMIN,
	 method_posts_cancel},
	{{"io.smcal.Posts.Done", done_params, 0},
	 CONTROL_ADMIN,
	 method_posts_done},
	{{"io.smcal.Posts.Next", next_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_posts_next},
	{{"io.smcal.Cadence", cadence_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_cadence},
	{{"io.smcal.Grid", grid_params, 0}, CONTROL_READ, method_grid},
	{{"io.smcal.Metrics.Record", metric_record_params, 0},
	 CONTROL_ADMIN,
	 method_metric_record},
	{{"io.smcal.Metrics.Import", metric_import_params, 0},
	 CONTROL_ADMIN,
	 method_metric_import},
	{{"io.smcal.Metrics.Report", metric_report_params, SM_PM_MORE},
	 CONTROL_READ,
	 method_metric_report},
	{{"io.smcal.Metrics.Goals", NULL, 0},
	 CONTROL_READ,
	 method_metric_goals},
};

#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

/* ---------------------------------------------------------------------
 * Small helpers.
 */

int64_t
control_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *
control_time(sm_time t)
{
	char buf[40];
	return json_string(sm_civil_format(t, SM_CIVIL_UTC, buf, sizeof(buf)));
}

json_t *
control_time_local(const struct world *w, sm_time t)
{
	int off = w && w->opts.zone ? sm_tz_offset_at(w->opts.zone, t) : 0;
	char buf[48];
	sm_civil_format(t + off, SM_CIVIL_LOCAL, buf, sizeof(buf));
	int a = off < 0 ? -off : off;
	size_t n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "%c%02d:%02d", off < 0 ? '-' : '+',
		 a / 3600, a / 60 % 60);
	return json_string(buf);
}

json_t *
control_calendars(const struct world *w)
{
	json_t *a = json_array();
	for (size_t i = 0; w && i < w->ncals; i++) {
		const struct calendar_status *st = &w->status[i];
		json_t *msgs = json_array();
		for (size_t k = 0; k < st->nmessages; k++)
			json_array_append_new(msgs,
					      sm_proto_string(st->messages[k]));
		json_array_append_new(
			a,
			json_pack("{s:o, s:o, s:I, s:s, s:o, s:I, s:I, s:o}",
				  "name", sm_proto_string(w->cals[i]->cal.name),
				  "path",
				  sm_proto_string(
					  i < w->cfg->ncalendars
						  ? w->cfg->calendars[i].path
						  : ""),
				  "posts", (json_int_t)w->cals[i]->cal.nposts,
				  "state", world_cal_state_name(st->served),
				  "served", sm_proto_string(st->text), "errors",
				  (json_int_t)st->errors, "warnings",
				  (json_int_t)st->warnings, "messages", msgs));
	}
	return a;
}

/* Joins a config list for a message: "a, b", or "none set". */
static void
join_list(const struct sm_strlist *l, char *buf, size_t len)
{
	buf[0] = '\0';
	if (l->n == 0) {
		snprintf(buf, len, "none set");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", i ? ", " : "", l->v[i]);
	}
}

void **
control_conn_data(struct control_call *call, void (*free_fn)(void *data))
{
	struct conn *c = call->conn;
	c->data_free = free_fn;
	return &c->data;
}

/* ---------------------------------------------------------------------
 * Permissions.
 */

/* Resolves a list of group names to ids; unknown names are logged. */
static gid_t *
resolve(const struct sm_strlist *names, const char *key, size_t *n)
{
	gid_t *v = calloc(names->n + 1, sizeof(*v));
	if (!v)
		abort();
	*n = 0;
	for (size_t i = 0; i < names->n; i++) {
		struct group gr, *res = NULL;
		char buf[16384];
		if (getgrnam_r(names->v[i], &gr, buf, sizeof(buf), &res) == 0 &&
		    res)
			v[(*n)++] = gr.gr_gid;
		else
			log_warning("[daemon] %s: there is no group %s on "
				    "this system: it allows no one",
				    key, names->v[i]);
	}
	return v;
}

/* Resolves the configuration's groups when it is not the one known. */
static void
update_groups(struct control *ctl, const struct sm_config *cfg)
{
	if (!cfg || cfg == ctl->groups_cfg)
		return;
	free(ctl->admin_gids);
	free(ctl->read_gids);
	ctl->admin_gids =
		resolve(&cfg->admin_groups, "admin_groups", &ctl->nadmin_gids);
	ctl->read_gids =
		resolve(&cfg->read_groups, "read_groups", &ctl->nread_gids);
	ctl->groups_cfg = cfg;
	groups_gen++;
}

static int
in_groups(const struct conn *c, const gid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c->ngroups; k++)
			if (v[i] == c->groups[k])
				return 1;
	return 0;
}

/* The caller's role under the configuration in service. */
static enum control_perm
conn_role(struct conn *c)
{
	struct control *ctl = c->ctl;
	const struct sm_config *cfg = ctl->groups_cfg;
	if (c->role_gen == groups_gen && c->role_cfg == cfg)
		return c->role;
	enum control_perm role = CONTROL_ANYONE;
	if (c->uid == 0 || c->uid == geteuid())
		role = CONTROL_ADMIN;
	for (size_t i = 0; cfg && role < CONTROL_ADMIN &&
			   i < cfg->admin_users.n && c->user[0];
	     i++)
		if (strcmp(cfg->admin_users.v[i], c->user) == 0)
			role = CONTROL_ADMIN;
	if (role < CONTROL_ADMIN &&
	    in_groups(c, ctl->admin_gids, ctl->nadmin_gids))
		role = CONTROL_ADMIN;
	if (role < CONTROL_READ &&
	    in_groups(c, ctl->read_gids, ctl->nread_gids))
		role = CONTROL_READ;
	c->role = role;
	c->role_cfg = cfg;
	c->role_gen = groups_gen;
	return role;
}

static void
add_group(struct conn *c, gid_t g)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return;
	if (c->ngroups >= MAX_GROUPS)
		return;
	gid_t *v = realloc(c->groups, (c->ngroups + 1) * sizeof(*v));
	if (!v)
		abort();
	c->groups = v;
	c->groups[c->ngroups++] = g;
}

/* Who is calling: SO_PEERCRED, then the user's name and groups (the
 * group database, and the groups the peer process holds).  0 or -1. */
static int
conn_identify(struct conn *c)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0)
		return -1;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->pid = cr.pid;
	add_group(c, cr.gid);
	struct passwd pw, *res = NULL;
	char buf[16384];
	if (getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(c->user, sizeof(c->user), "%s", pw.pw_name);
		int n = 64;
		gid_t *g = malloc((size_t)n * sizeof(*g));
		if (!g)
			abort();
		if (getgrouplist(pw.pw_name, pw.pw_gid, g, &n) < 0 && n > 64 &&
		    n <= MAX_GROUPS) {
			gid_t *h = realloc(g, (size_t)n * sizeof(*g));
			if (!h)
				abort();
			g = h;
			if (getgrouplist(pw.pw_name, pw.pw_gid, g, &n) < 0)
				n = 0;
		}
		for (int i = 0; i < n && i < MAX_GROUPS; i++)
			add_group(c, g[i]);
		free(g);
	}
#ifdef SO_PEERGROUPS
	gid_t pg[256];
	socklen_t pl = sizeof(pg);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, pg, &pl) == 0)
		for (size_t i = 0; i < pl / sizeof(gid_t); i++)
			add_group(c, pg[i]);
#endif
	return 0;
}

/* "uid 1001 (bob)" */
static void
who(const struct conn *c, char *buf, size_t len)
{
	if (c->user[0])
		snprintf(buf, len, "uid %u (%s)", (unsigned)c->uid, c->user);
	else
		snprintf(buf, len, "uid %u", (unsigned)c->uid);
}

static void
deny(struct control_call *call, enum control_perm need)
{
	const struct sm_config *cfg = call->ctl->groups_cfg;
	char caller[96], admins[256], readers[256], users[256];
	who(call->conn, caller, sizeof(caller));
	struct sm_strlist none = {0};
	join_list(cfg ? &cfg->admin_groups : &none, admins, sizeof(admins));
	join_list(cfg ? &cfg->read_groups : &none, readers, sizeof(readers));
	join_list(cfg ? &cfg->admin_users : &none, users, sizeof(users));
	call->ctl->denied++;
	log_info("control: %s (pid %d) may not call %s", caller,
		 (int)call->conn->pid, call->in.method);
	json_t *p = json_pack("{s:s}", "method", call->in.method);
	if (need == CONTROL_ADMIN)
		control_fail(call, SM_PROTO_E_PERMISSION_DENIED, p,
			     "%s changes the daemon: it needs a member of "
			     "admin_groups (%s), a user of admin_users (%s), "
			     "root or smcald's own user; %s is none of these",
			     call->in.method, admins, users, caller);
	else
		control_fail(call, SM_PROTO_E_PERMISSION_DENIED, p,
			     "%s needs a member of read_groups (%s) or "
			     "admin_groups (%s), a user of admin_users (%s), "
			     "root or smcald's own user; %s is none of these",
			     call->in.method, readers, admins, users, caller);
}

/* ---------------------------------------------------------------------
 * Connections.
 */

static void conn_pump(struct conn *c);
static void conn_update(struct conn *c);

static void
postponed_free(void *p)
{
	struct postponed *x = p;
	if (x)
		free(x->msg);
	free(x);
}

static void
call_free(struct control_call *call)
{
	if (!call)
		return;
	if (call->state_free)
		call->state_free(call->state);
	sm_proto_call_fini(&call->in);
	free(call);
}

/* Takes a call out of a reload's waiting lists. */
static void
unwait(struct control *ctl, struct control_call *call)
{
	struct control_call **lists[2] = {&ctl->waiting, &ctl->queued};
	for (int i = 0; i < 2; i++)
		for (struct control_call **p = lists[i]; *p; p = &(*p)->next)
			if (*p == call) {
				*p = call->next;
				call->next = NULL;
				return;
			}
}

static void
conn_free(struct conn *c)
{
	sm_proto_reader_fini(&c->rd);
	free(c->groups);
	free(c);
}

static void
on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->open_handles > 0 || c->ndeferred > 0)
		return; /* a deferred call's reply frees it (call_finished) */
	conn_free(c);
}

static void
conn_close(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = 1;
	struct control *ctl = c->ctl;
	log_debug("control: connection %lu closed: %s", c->id, why);
	if (c->current) {
		unwait(ctl, c->current);
		call_free(c->current);
		c->current = NULL;
	}
	if (c->data_free)
		c->data_free(c->data);
	c->data = NULL;
	c->data_free = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->nconns--;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
	uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

static size_t
queued_bytes(const struct conn *c)
{
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->pipe);
}

static void
on_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;
	if (queued_bytes(c) > 0) {
		log_notice("control: connection %lu (uid %u) does not read "
			   "its replies: closed after %d s",
			   c->id, (unsigned)c->uid, CONTROL_IDLE_MS / 1000);
	} else if (sm_proto_reader_pending(&c->rd) > 0) {
		/* Tell a client stuck inside a message why it is closed. */
		size_t n;
		struct sm_proto_error e = {0};
		sm_proto_error_set(&e, SM_PROTO_E_PROTOCOL, NULL,
				   "no complete message (ended by a NUL byte) "
				   "within %d s: the connection is closed",
				   CONTROL_IDLE_MS / 1000);
		char *msg = sm_proto_error_encode(e.name, e.params, &n);
		if (msg) {
			uv_buf_t b = uv_buf_init(msg, (unsigned)n);
			uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
		}
		free(msg);
		sm_proto_error_clear(&e);
	}
	conn_close(c, "timed out");
}

/* Restarts the connection's timer: progress was made. */
static void
conn_touch(struct conn *c)
{
	uv_timer_start(&c->timer, on_timeout, CONTROL_IDLE_MS, 0);
}

static void
on_write(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct conn *c = w->conn;
	free(w->msg);
	free(w);
	c->nwrites--;
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	conn_touch(c);
	if (c->flush_close && c->nwrites == 0) {
		conn_close(c, "closed after its last reply");
		return;
	}
	if (queued_bytes(c) < CONTROL_OUT_LOW)
		conn_pump(c);
}

/* Queues a message (taking it) on the connection. */
static void
conn_send(struct conn *c, char *msg, size_t len)
{
	if (c->closing || !msg) {
		free(msg);
		return;
	}
	struct write_req *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->conn = c;
	w->msg = msg;
	uv_buf_t b = uv_buf_init(msg, (unsigned)len);
	int rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_write);
	if (rc < 0) {
		free(msg);
		free(w);
		conn_close(c, uv_strerror(rc));
		return;
	}
	c->nwrites++;
}

/* Sends an error that ends the connection: nothing more is read. */
static void
conn_fatal(struct conn *c, struct sm_proto_error *e)
{
	size_t n;
	log_info("control: connection %lu (uid %u): %s", c->id,
		 (unsigned)c->uid, e->message);
	char *msg = sm_proto_error_encode(e->name, e->params, &n);
	conn_send(c, msg, n);
	c->flush_close = 1;
	if (!c->closing && c->nwrites == 0)
		conn_close(c, e->message);
}

/* ---------------------------------------------------------------------
 * Replies.
 */

/* After a call's last reply: a call the connection was waiting for lets
 * the next ones in. */
static void
call_finished(struct control_call *call)
{
	call->finished = 1;
	struct conn *c = call->conn;
	if (call->deferred) {
		/* The batch's reply: the call is done with, and the
		 * connection may go on (a call postponed behind it, or
		 * reading again below CONTROL_MAX_DEFERRED). */
		c->ndeferred--;
		int stopped = call->ctl->stopped;
		call_free(call);
		if (c->closing) {
			if (c->open_handles == 0 && c->ndeferred == 0)
				conn_free(c);
			return;
		}
		if (!c->pumping && !stopped)
			conn_pump(c);
		return;
	}
	if (c->current == call && !c->pumping && !c->closing &&
	    !call->ctl->stopped)
		conn_pump(c);
}

static void
call_send(struct control_call *call, char *msg, size_t len)
{
	if (!msg) {
		/* Over the limit: the handler's bug, reported as such. */
		struct sm_proto_error e = {0};
		sm_proto_error_set(&e, SM_PROTO_E_INTERNAL, NULL,
				   "the reply to %s is larger than %d bytes",
				   call->in.method, SM_PROTO_MAX_MESSAGE);
		log_error("control: %s", e.message);
		msg = sm_proto_error_encode(e.name, e.params, &len);
		sm_proto_error_clear(&e);
	}
	conn_send(call->conn, msg, len);
}

void
control_reply(struct control_call *call, json_t *params)
{
	if (call->finished) {
		log_error("control: %s replied twice", call->in.method);
		json_decref(params);
		return;
	}
	size_t n = 0;
	if (!call->in.oneway) {
		char *msg = sm_proto_reply_encode(params, 0, &n);
		call_send(call, msg, n);
	}
	json_decref(params);
	call_finished(call);
}

void
control_reply_more(struct control_call *call, json_t *params)
{
	size_t n = 0;
	if (!call->finished && !call->in.oneway) {
		char *msg = sm_proto_reply_encode(params, 1, &n);
		call_send(call, msg, n);
	}
	json_decref(params);
}

void
control_reply_raw(struct control_call *call, char *msgs, size_t len)
{
	if (call->finished || call->in.oneway) {
		free(msgs);
		return;
	}
	conn_send(call->conn, msgs, len);
}

void
control_fail(struct control_call *call, const char *name, json_t *params,
	     const char *fmt, ...)
{
	if (call->finished) {
		json_decref(params);
		return;
	}
	struct sm_proto_error e = {0};
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sm_proto_error_set(&e, name, params, "%s", why);
	size_t n = 0;
	if (!call->in.oneway) {
		char *msg = sm_proto_error_encode(e.name, e.params, &n);
		call_send(call, msg, n);
	}
	sm_proto_error_clear(&e);
	call_finished(call);
}

/* ---------------------------------------------------------------------
 * Dispatch.
 */

/*
 * Keeps a call for later: the connection has deferred calls out, and this
 * one is not a batch call (or is an error, whose reply would come first).
 * It becomes the connection's current call, and is handled again from its
 * message once every deferred call has replied.
 */
static void
conn_postpone(struct conn *c, struct control_call *call, const char *msg,
	      size_t len)
{
	struct postponed *p = calloc(1, sizeof(*p));
	if (!p || !(p->msg = malloc(len + 1)))
		abort();
	memcpy(p->msg, msg, len + 1);
	p->len = len;
	sm_proto_call_fini(&call->in);
	memset(&call->in, 0, sizeof(call->in));
	call->method = NULL;
	call->postponed = 1;
	call->state = p;
	call->state_free = postponed_free;
	c->current = call;
}

static void
conn_handle(struct conn *c, const char *msg, size_t len)
{
	struct control *ctl = c->ctl;
	struct control_call *call = calloc(1, sizeof(*call));
	if (!call)
		abort();
	call->ctl = ctl;
	call->conn = c;
	call->uid = c->uid;
	struct sm_proto_error e = {0};
	/* Behind deferred calls only batch calls go on; any other call, and
	 * any error, waits for their replies so that replies keep the order
	 * of the calls. */
	int behind = c->ndeferred > 0;
	if (sm_proto_call_decode(msg, len, &call->in, &e) < 0) {
		if (behind) {
			sm_proto_error_clear(&e);
			conn_postpone(c, call, msg, len);
			return;
		}
		if (e.fatal) {
			conn_fatal(c, &e);
			call->finished = 1;
		} else {
			log_debug("control: connection %lu: %s", c->id,
				  e.message);
			control_fail(call, e.name, json_incref(e.params), "%s",
				     e.message);
		}
		sm_proto_error_clear(&e);
		call_free(call);
		return;
	}
	long i = sm_proto_find(&call->in, methods, NMETHODS, sizeof(methods[0]),
			       &e);
	if (behind &&
	    (i < 0 || !(methods[i].m.flags & CONTROL_BATCH) ||
	     methods[i].perm > conn_role(c) ||
	     sm_proto_check(&call->in, &methods[i].m, call->args, &e) < 0)) {
		sm_proto_error_clear(&e);
		conn_postpone(c, call, msg, len);
		return;
	}
	if (i < 0) {
		control_fail(call, e.name, json_incref(e.params), "%s",
			     e.message);
		sm_proto_error_clear(&e);
		call_free(call);
		return;
	}
	const struct control_method *m = &methods[i];
	call->method = m;
	if (m->perm > conn_role(c)) {
		deny(call, m->perm);
		call_free(call);
		return;
	}
	if (sm_proto_check(&call->in, &m->m, call->args, &e) < 0) {
		control_fail(call, e.name, json_incref(e.params), "%s",
			     e.message);
		sm_proto_error_clear(&e);
		call_free(call);
		return;
	}
	ctl->calls++;
	int rc = m->handler(call);
	if (rc == CONTROL_DEFERRED && (m->m.flags & CONTROL_BATCH) &&
	    !call->finished) {
		/* The batch holds the call; its reply frees it. */
		call->deferred = 1;
		c->ndeferred++;
		return;
	}
	if (rc == CONTROL_DONE || rc == CONTROL_DEFERRED || call->finished) {
		if (!call->finished)
			control_fail(call, SM_PROTO_E_INTERNAL, NULL,
				     "%s ended without a reply",
				     call->in.method);
		call_free(call);
		return;
	}
	c->current = call; /* PENDING or AGAIN: the next calls wait */
}

static void on_turn(uv_idle_t *h);

/* Serves what the connection has buffered, as far as its state allows. */
static void
conn_pump(struct conn *c)
{
	if (c->pumping || c->closing)
		return;
	c->pumping = 1;
	while (!c->closing && !c->ctl->stopped) {
		struct control_call *call = c->current;
		if (call && call->postponed) {
			if (c->ndeferred > 0)
				break; /* their replies come first */
			struct postponed *p = call->state;
			call->state = NULL;
			c->current = NULL;
			call_free(call);
			conn_handle(c, p->msg, p->len);
			postponed_free(p);
			continue;
		}
		if (call) {
			if (!call->finished) {
				if (!call->resume ||
				    queued_bytes(c) >= CONTROL_OUT_LOW)
					break; /* waits: a reload, or the
						  client reading */
				call->resume(call);
				if (!call->finished)
					continue;
			}
			c->current = NULL;
			call_free(call);
			continue;
		}
		if (c->flush_close || queued_bytes(c) >= CONTROL_OUT_HIGH ||
		    c->ndeferred >= CONTROL_MAX_DEFERRED)
			break;
		if (c->turn_calls >= CONTROL_TURN_CALLS) {
			/* Its share of this turn is used: the next one (an
			 * idle handle, so poll does not block) goes on. */
			if (!c->yielded) {
				c->yielded = 1;
				uv_idle_start(&c->ctl->turn, on_turn);
			}
			break;
		}
		const char *msg;
		size_t len;
		int rc = sm_proto_reader_next(&c->rd, &msg, &len);
		if (rc == 0)
			break;
		if (rc == SM_PROTO_TOO_BIG) {
			struct sm_proto_error e = {0};
			sm_proto_error_set(
				&e, SM_PROTO_E_TOO_LARGE,
				json_pack("{s:i}", "limit",
					  SM_PROTO_MAX_MESSAGE),
				"a message is longer than %d bytes (or has "
				"no NUL byte ending it): the connection is "
				"closed",
				SM_PROTO_MAX_MESSAGE);
			conn_fatal(c, &e);
			sm_proto_error_clear(&e);
			break;
		}
		conn_touch(c);
		c->turn_calls++;
		conn_handle(c, msg, len);
	}
	c->pumping = 0;
	conn_update(c);
}

/* A new turn: every connection's share starts again, and those that used
 * theirs go on. */
static void
on_turn(uv_idle_t *h)
{
	struct control *ctl = h->data;
	uv_idle_stop(h);
	for (struct conn *c = ctl->conns, *next; c; c = next) {
		next = c->next; /* a pump may close c */
		c->turn_calls = 0;
		if (!c->yielded)
			continue;
		c->yielded = 0;
		conn_pump(c);
	}
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	size_t room;
	(void)suggested;
	buf->base = sm_proto_reader_space(&c->rd, READ_CHUNK, &room);
	buf->len = room;
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	(void)buf;
	if (nread > 0) {
		sm_proto_reader_commit(&c->rd, (size_t)nread);
		conn_pump(c);
	} else if (nread == UV_EOF) {
		c->eof = 1;
		conn_pump(c);
	} else if (nread < 0) {
		conn_close(c, uv_strerror((int)nread));
	}
}

/* Reads only when the connection may be served, and keeps its timer. */
static void
conn_update(struct conn *c)
{
	if (c->closing)
		return;
	size_t q = queued_bytes(c);
	int busy = c->current != NULL;
	int want = !c->eof && !c->flush_close && !busy && !c->yielded &&
		   q < CONTROL_OUT_HIGH &&
		   c->ndeferred < CONTROL_MAX_DEFERRED && !c->ctl->stopped;
	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) <
		    0) {
			conn_close(c, "cannot read");
			return;
		}
		c->reading = 1;
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->reading = 0;
	}
	if (c->eof && !busy && !c->flush_close && q < CONTROL_OUT_HIGH &&
	    c->ndeferred == 0 && !c->yielded) {
		/* The client sent all it had: close once the replies are
		 * out. */
		c->flush_close = 1;
		if (c->nwrites == 0) {
			conn_close(c, "the client finished");
			return;
		}
	}
	/* A caller waiting for a reload, with nothing to read, has no time
	 * limit; otherwise the timer runs. */
	if (busy && !c->current->resume && q == 0)
		uv_timer_stop(&c->timer);
	else if (!uv_is_active((uv_handle_t *)&c->timer))
		conn_touch(c);
}

/* Refuses a connection over the limit, without blocking. */
static void
refuse(struct conn *c)
{
	struct sm_proto_error e = {0};
	sm_proto_error_set(&e, SM_PROTO_E_TOO_MANY_CLIENTS,
			   json_pack("{s:i}", "limit", CONTROL_MAX_CLIENTS),
			   "smcald serves %d connections already",
			   CONTROL_MAX_CLIENTS);
	size_t n;
	char *msg = sm_proto_error_encode(e.name, e.params, &n);
	if (msg) {
		uv_buf_t b = uv_buf_init(msg, (unsigned)n);
		uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
	}
	free(msg);
	sm_proto_error_clear(&e);
	conn_close(c, "too many connections");
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct control *ctl = server->data;
	if (status < 0) {
		log_warning("control: accept: %s", uv_strerror(status));
		return;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->ctl = ctl;
	c->id = ++next_conn_id;
	sm_proto_reader_init(&c->rd, SM_PROTO_MAX_MESSAGE);
	uv_pipe_init(ctl->loop, &c->pipe, 0);
	uv_timer_init(ctl->loop, &c->timer);
	c->pipe.data = c->timer.data = c;
	c->open_handles = 2;
	c->next = ctl->conns;
	if (ctl->conns)
		ctl->conns->prev = c;
	ctl->conns = c;
	ctl->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
		conn_close(c, "accept failed");
		return;
	}
	if (ctl->nconns > CONTROL_MAX_CLIENTS) {
		log_warning("control: %d connections already: refusing one "
			    "more",
			    CONTROL_MAX_CLIENTS);
		refuse(c);
		return;
	}
	if (conn_identify(c) < 0) {
		log_warning("control: cannot read a client's credentials "
			    "(SO_PEERCRED): %s",
			    strerror(errno));
		conn_close(c, "no credentials");
		return;
	}
	log_debug("control: connection %lu from uid %u (%s), pid %d", c->id,
		  (unsigned)c->uid, c->user, (int)c->pid);
	conn_update(c);
}

/* ---------------------------------------------------------------------
 * Reloads.
 */

void
control_reload_wait(struct control_call *call, int started_now)
{
	struct control *ctl = call->ctl;
	struct control_call **p = started_now ? &ctl->waiting : &ctl->queued;
	while (*p)
		p = &(*p)->next;
	call->next = NULL;
	*p = call;
}

void
control_reload_finished(struct control *ctl,
			const struct control_reload_result *r)
{
	if (ctl->stopped)
		return;
	if (r->world)
		update_groups(ctl, r->world->cfg);
	struct control_call *list = ctl->waiting;
	ctl->waiting = ctl->queued;
	ctl->queued = NULL;
	while (list) {
		struct control_call *call = list;
		list = call->next;
		call->next = NULL;
		if (r->ok) {
			control_reply(call,
				      json_pack("{s:I, s:o}", "posts",
						(json_int_t)r->world->nposts,
						"calendars",
						control_calendars(r->world)));
			continue;
		}
		json_t *errors = json_array();
		size_t nerr = 0;
		for (size_t i = 0; r->diags && i < r->diags->n; i++) {
			const struct sm_diag *x = &r->diags->items[i];
			if (x->severity != SM_ERROR)
				continue;
			char *line = NULL;
			if (asprintf(&line, "%s:%d: %s", x->file ? x->file : "",
				     x->line, x->message) < 0)
				abort();
			json_array_append_new(errors, sm_proto_string(line));
			free(line);
			nerr++;
		}
		if (r->error)
			control_fail(call, SM_PROTO_E_RELOAD_FAILED,
				     json_pack("{s:o}", "errors", errors), "%s",
				     r->error);
		else
			control_fail(call, SM_PROTO_E_RELOAD_FAILED,
				     json_pack("{s:o}", "errors", errors),
				     "%zu error%s in %s: the running "
				     "configuration stays (the calendars were "
				     "read again)",
				     nerr, nerr == 1 ? "" : "s",
				     ctl->host.config_path);
	}
}

/* ---------------------------------------------------------------------
 * The listening socket.
 */

/* Creates cfg->socket: refuses when another daemon answers there,
 * removes a stale file, binds under a umask, then sets group and mode. */
static int
claim_path(struct control *ctl, const struct sm_config *cfg, char *err,
	   size_t errlen)
{
	const char *path = cfg->socket;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen,
			 "[daemon] socket = %s: a Unix socket path must be 1 "
			 "to %zu bytes long",
			 path ? path : "", sizeof(sa.sun_path) - 1);
		return CONTROL_ERR_CONFIG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen,
				 "%s exists and is not a socket: remove it or "
				 "set [daemon] socket to another path",
				 path);
			return CONTROL_ERR;
		}
		int probe = socket(
			AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		int rc = probe < 0 ? -1
				   : connect(probe, (struct sockaddr *)&sa,
					     sizeof(sa));
		int e = errno;
		if (probe >= 0)
			close(probe);
		if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
			snprintf(err, errlen,
				 "another smcald already answers on %s: not "
				 "starting a second one (stop it first, or "
				 "set another [daemon] socket)",
				 path);
			return CONTROL_ERR;
		}
		if (e != ECONNREFUSED) {
			snprintf(err, errlen, "cannot check the socket %s: %s",
				 path, strerror(e));
			return CONTROL_ERR;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen,
				 "cannot remove the stale socket %s: %s", path,
				 strerror(errno));
			return CONTROL_ERR;
		}
		log_notice("removed the stale socket %s (left by a daemon "
			   "that did not stop cleanly)",
			   path);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot check %s: %s", path,
			 strerror(errno));
		return CONTROL_ERR;
	}
	gid_t gid = (gid_t)-1;
	if (cfg->socket_group) {
		struct group gr, *res = NULL;
		char buf[16384];
		if (getgrnam_r(cfg->socket_group, &gr, buf, sizeof(buf),
			       &res) != 0 ||
		    !res) {
			snprintf(err, errlen,
				 "[daemon] socket_group = %s: there is no such "
				 "group on this system",
				 cfg->socket_group);
			return CONTROL_ERR_CONFIG;
		}
		gid = gr.gr_gid;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return CONTROL_ERR;
	}
	/* Created 0660 from the start: no moment where others may
	 * connect. */
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	umask(old);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the socket %s: %s", path,
			 strerror(e));
		close(fd);
		return CONTROL_ERR;
	}
	const char *what = NULL;
	if (gid != (gid_t)-1 && stat(path, &st) == 0 && st.st_gid != gid &&
	    chown(path, (uid_t)-1, gid) < 0)
		what = "give it to socket_group";
	else if (chmod(path, 0660) < 0)
		what = "set its mode to 0660";
	else if (listen(fd, BACKLOG) < 0)
		what = "listen on it";
	if (what) {
		snprintf(err, errlen, "cannot %s (%s): %s", what, path,
			 strerror(errno));
		close(fd);
		unlink(path);
		return CONTROL_ERR;
	}
	ctl->fd = fd;
	ctl->unlink_at_exit = 1;
	return 0;
}

int
control_init(struct control *ctl, uv_loop_t *loop, const struct sm_config *cfg,
	     const struct control_host *host, char *err, size_t errlen)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	ctl->loop = loop;
	ctl->host = *host;
	ctl->started_ms = control_now_ms();
	int n = sd_listen_fds(1);
	if (n < 0) {
		snprintf(err, errlen, "sockets from systemd: %s", strerror(-n));
		return CONTROL_ERR;
	}
	if (n > 1) {
		snprintf(err, errlen,
			 "systemd passed %d sockets; smcald takes one (one "
			 "ListenStream= in smcald.socket)",
			 n);
		return CONTROL_ERR;
	}
	if (n == 1) {
		int fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			snprintf(err, errlen,
				 "the socket systemd passed is not a listening "
				 "Unix stream socket");
			return CONTROL_ERR;
		}
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);
		memset(&sa, 0, sizeof(sa));
		if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
		    sa.sun_path[0])
			ctl->path = strdup(sa.sun_path);
		ctl->fd = fd;
		ctl->activated = 1;
		if (ctl->path && cfg->socket &&
		    strcmp(ctl->path, cfg->socket) != 0)
			log_notice("serving the socket systemd passed, %s; "
				   "[daemon] socket = %s is not used",
				   ctl->path, cfg->socket);
	} else {
		int rc = claim_path(ctl, cfg, err, errlen);
		if (rc < 0)
			return rc;
		ctl->path = strdup(cfg->socket);
	}
	if (!ctl->path)
		ctl->path = strdup("(socket from systemd)");
	if (!ctl->path)
		abort();
	uv_pipe_init(loop, &ctl->server, 0);
	ctl->server.data = ctl;
	uv_idle_init(loop, &ctl->turn);
	ctl->turn.data = ctl;
	ctl->turn_init = 1;
	int rc = uv_pipe_open(&ctl->server, ctl->fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", ctl->path, uv_strerror(rc));
		uv_close((uv_handle_t *)&ctl->server, NULL);
		uv_close((uv_handle_t *)&ctl->turn, NULL);
		ctl->turn_init = 0;
		if (ctl->unlink_at_exit)
			unlink(ctl->path);
		free(ctl->path);
		ctl->path = NULL;
		ctl->fd = -1;
		return CONTROL_ERR;
	}
	update_groups(ctl, cfg);
	return 0;
}

void
control_start(struct control *ctl)
{
	if (ctl->fd < 0 || ctl->started || ctl->stopped)
		return;
	int rc = uv_listen((uv_stream_t *)&ctl->server, BACKLOG, on_connection);
	if (rc < 0) {
		log_error("control socket %s: %s: smctl cannot reach smcald",
			  ctl->path, uv_strerror(rc));
		return;
	}
	ctl->started = 1;
	log_info("control socket %s%s", ctl->path,
		 ctl->activated ? " (from systemd)" : "");
}

void
control_fini(struct control *ctl)
{
	if (ctl->fd < 0 || ctl->stopped)
		return;
	ctl->stopped = 1;
	/* Callers waiting for a reload hear why no answer comes; the
	 * reply is written at once, as far as the socket takes it. */
	struct control_call *lists[2] = {ctl->waiting, ctl->queued};
	ctl->waiting = ctl->queued = NULL;
	for (int i = 0; i < 2; i++) {
		for (struct control_call *call = lists[i]; call;
		     call = call->next) {
			struct sm_proto_error e = {0};
			sm_proto_error_set(&e, SM_PROTO_E_SHUTTING_DOWN, NULL,
					   "smcald is stopping");
			size_t n;
			char *msg = sm_proto_error_encode(e.name, e.params, &n);
			if (msg && !call->in.oneway) {
				uv_buf_t b = uv_buf_init(msg, (unsigned)n);
				uv_try_write((uv_stream_t *)&call->conn->pipe,
					     &b, 1);
			}
			free(msg);
			sm_proto_error_clear(&e);
		}
	}
	while (ctl->conns)
		conn_close(ctl->conns, "smcald is stopping");
	if (ctl->turn_init)
		uv_close((uv_handle_t *)&ctl->turn, NULL);
	ctl->turn_init = 0;
	uv_close((uv_handle_t *)&ctl->server, NULL);
	if (ctl->unlink_at_exit && ctl->path)
		unlink(ctl->path);
	log_debug("control: %lu calls served, %lu refused", ctl->calls,
		  ctl->denied);
	free(ctl->path);
	ctl->path = NULL;
	free(ctl->admin_gids);
	free(ctl->read_gids);
	ctl->admin_gids = ctl->read_gids = NULL;
}
