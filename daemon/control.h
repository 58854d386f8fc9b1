/*
 * control: smcald's control socket.  It owns the listening socket (made
 * here, or taken from systemd's socket activation), the connections, the
 * per-connection buffers and limits, the caller's permissions (SO_PEERCRED
 * and the caller's groups against [daemon] admin_users, admin_groups and
 * read_groups), and the method table: which handler answers which varlink
 * method.  The wire format is lib/proto.
 *
 * Everything runs on the daemon's loop and nothing here blocks: a slow,
 * idle, oversized or malformed client costs its own connection, never the
 * others or the firing.  A method is one entry of the table in control.c
 * (name, parameters, permission, handler) and one handler; handlers live
 * in method-*.c and use the reply functions below.
 */
#ifndef SMCALD_CONTROL_H
#define SMCALD_CONTROL_H

#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "civil.h"
#include "config.h"
#include "deliver.h"
#include "diag.h"
#include "fire.h"
#include "proto.h"
#include "queued.h"
#include "sched.h"
#include "store.h"
#include "world.h"

/* A connection is closed after this long without a complete request, or
 * with replies it does not read. */
#define CONTROL_IDLE_MS 30000
/* Connections served at once; the next one gets TooManyClients. */
#define CONTROL_MAX_CLIENTS 256
/* Calls one connection has handled in a loop turn at most; the rest wait
 * for the next turn, so that a burst from one client keeps the others (and
 * the firing) waiting one turn, not the whole burst. */
#define CONTROL_TURN_CALLS 64
/* Calls of one connection answered later (CONTROL_DEFERRED) at most; above
 * it the connection is not read until some are answered. */
#define CONTROL_MAX_DEFERRED 4096
/* Replies waiting to be written: above HIGH a connection's requests wait
 * (and it is not read), below LOW they go on. */
#define CONTROL_OUT_HIGH (4u << 20)
#define CONTROL_OUT_LOW (1u << 20)

struct plan; /* plan.h: the cadence */
struct goalcheck;

/*
 * What the daemon lends the control socket: pointers to its state, read
 * at each call (so they follow reloads), and the reload action.
 */
struct control_host {
	struct world *const *world;
	struct sm_sched *const *sched;
	struct sm_store *const *store;
	const struct firer *firer;
	struct deliverer *deliver;
	struct goalcheck *goals; /* told when a metric changes; may be NULL */
	const int *reloading;
	struct queued *queue; /* the post queue (queued.h) */
	const char *config_path;
	void *data;
	/* Starts a reload: 1 when it started now, 0 when one is running and
	 * this one will follow it, -1 when the daemon is stopping. */
	int (*reload)(void *data);
	/* The cadence (plan.h): its last look for Status; plan_changed after
	 * a change of posts or done marks (an add, a cancel, a done). */
	struct plan *plan;
};

/* How a reload ended, for the callers waiting on it. */
struct control_reload_result {
	int ok;				  /* the new configuration serves */
	const struct sm_diag_list *diags; /* the configuration's problems */
	const char *error;	   /* another reason it failed, or NULL */
	const struct world *world; /* what serves after it */
};

enum control_perm {
	CONTROL_ANYONE, /* whoever may connect: org.varlink.service */
	CONTROL_READ,	/* read_groups, admin_groups, admin_users, root, us */
	CONTROL_ADMIN,	/* admin_groups, admin_users, root, the daemon's user */
};

/* What a handler returns. */
enum control_status {
	CONTROL_DONE,	  /* replied (control_reply or control_fail) */
	CONTROL_PENDING,  /* will reply later; the connection's next calls
			    wait */
	CONTROL_AGAIN,	  /* a stream: call->resume is called again when the
			    connection's replies have drained */
	CONTROL_DEFERRED, /* a batch method (CONTROL_BATCH) will reply
			     later, within this loop iteration or soon after;
			     the connection goes on with its next calls of
			     batch methods, and any other call waits until
			     every deferred one has replied, so replies keep
			     the order of the calls */
};

struct control;
struct conn;
struct control_call;

typedef int (*control_handler)(struct control_call *call);

/* An entry of the method table. */
struct control_method {
	struct sm_proto_method m; /* name, parameters, SM_PM_MORE */
	enum control_perm perm;
	control_handler handler;
};

/* In an entry's m.flags beside SM_PM_MORE (lib/proto leaves the other bits
 * to the server): the handler may return CONTROL_DEFERRED, so pipelined
 * calls of batch methods are handled together (Add: one transaction for
 * all of them). */
#define CONTROL_BATCH 0x100u

/* A call being answered.  Handlers read it and reply through it. */
struct control_call {
	struct control *ctl;
	struct conn *conn;
	const struct control_method *method;
	struct sm_proto_call in;
	struct sm_proto_value args[SM_PROTO_MAX_FIELDS]; /* as method's
							    parameters */
	uid_t uid;					 /* the caller */
	int finished;
	int deferred;  /* CONTROL_DEFERRED: owned by the handler's batch until
			  it replies; freed by the reply */
	int postponed; /* waits for the connection's deferred calls */
	/* Streams: called again (CONTROL_AGAIN) until it replies for the
	 * last time; state is freed with state_free when the call ends. */
	int (*resume)(struct control_call *call);
	void *state;
	void (*state_free)(void *state);
	struct control_call *next; /* in a reload's waiting list */
};

struct control {
	uv_loop_t *loop;
	struct control_host host;
	uv_pipe_t server;
	int fd;	       /* the listening socket, -1 before init */
	int activated; /* the socket came from systemd */
	int started, stopped;
	char *path; /* the path listened on */
	int unlink_at_exit;
	struct conn *conns;
	size_t nconns;
	struct control_call *waiting; /* answered by the running reload */
	struct control_call *queued;  /* answered by the one after it */
	int64_t started_ms;
	/* The configuration's groups, resolved to ids once per config. */
	const struct sm_config *groups_cfg;
	gid_t *admin_gids, *read_gids;
	size_t nadmin_gids, nread_gids;
	unsigned long calls, denied;
	uv_idle_t turn; /* the next turn of connections over their share */
	int turn_init;
};

/* control_init's results besides 0. */
#define CONTROL_ERR (-1)	/* cannot serve: exit 1 */
#define CONTROL_ERR_CONFIG (-2) /* the configuration is wrong: exit 78 */

/*
 * Claims the control socket: the one systemd passed (LISTEN_FDS), else
 * cfg->socket, created mode 0660 and group socket_group after checking that
 * no other daemon answers there (a stale file left by a crash is removed).
 * Connections wait in the backlog until control_start.  Returns 0, or
 * CONTROL_ERR / CONTROL_ERR_CONFIG with a message in err.
 */
int control_init(struct control *ctl, uv_loop_t *loop,
		 const struct sm_config *cfg, const struct control_host *host,
		 char *err, size_t errlen);

/* Starts accepting connections (the daemon's state is ready). */
void control_start(struct control *ctl);

/* Answers the callers waiting on the reload that just ended (every reload
 * ends with one call, whatever triggered it). */
void control_reload_finished(struct control *ctl,
			     const struct control_reload_result *r);

/* Stops: waiting callers get ShuttingDown, connections and the listening
 * socket close (the loop must run), and a socket file made here is
 * removed.  Safe when init failed or was never called (fd -1). */
void control_fini(struct control *ctl);

/* ---------------------------------------------------------------------
 * For handlers.
 */

/* The final reply of a call, with params (stolen; NULL: {}). */
void control_reply(struct control_call *call, json_t *params);

/* One reply of a stream ("continues": true); params stolen. */
void control_reply_more(struct control_call *call, json_t *params);

/*
 * Replies of a stream already encoded: msgs holds whole messages, each a
 * JSON reply with "continues": true ended by its NUL byte (the caller
 * checked each against SM_PROTO_MAX_MESSAGE), len bytes in all; taken (the
 * connection frees it).  One write for many replies: `smctl list` of
 * 100,000 posts.
 */
void control_reply_raw(struct control_call *call, char *msgs, size_t len);

/* The final reply as an error: name, params (stolen; NULL: {}) and a
 * printf-formatted message (added as "message" to io.smcal errors). */
void control_fail(struct control_call *call, const char *name, json_t *params,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* An instant as RFC 3339 UTC ("2026-12-01T08:00:00Z"). */
json_t *control_time(sm_time t);

/* An instant in the world's zone with its offset
 * ("2026-12-01T09:00:00+01:00"). */
json_t *control_time_local(const struct world *w, sm_time t);

/* The calendars of a world and how their loads went (type Calendar). */
json_t *control_calendars(const struct world *w);

/* The wall clock in milliseconds. */
int64_t control_now_ms(void);

/* A slot for a handler's state that lasts across the calls of the
 * caller's connection (an upload sent in pieces); whatever it holds when
 * the connection closes is freed with free_fn (which the call sets). */
void **control_conn_data(struct control_call *call,
			 void (*free_fn)(void *data));

/* Handlers (method-*.c). */
int method_get_info(struct control_call *call);
int method_get_interface_description(struct control_call *call);
int method_status(struct control_call *call);
int method_reload(struct control_call *call);
int method_deliveries(struct control_call *call);
int method_retry(struct control_call *call);
int method_export(struct control_call *call);
int method_posts_add(struct control_call *call);
int method_posts_add_many(struct control_call *call);
int method_posts_list(struct control_call *call);
int method_posts_get(struct control_call *call);
int method_posts_cancel(struct control_call *call);
int method_posts_done(struct control_call *call);
int method_posts_next(struct control_call *call);
int method_cadence(struct control_call *call);
int method_grid(struct control_call *call);
int method_metric_record(struct control_call *call);
int method_metric_import(struct control_call *call);
int method_metric_report(struct control_call *call);
int method_metric_goals(struct control_call *call);

/* Queues a Reload call on the reload that will answer it (control.c). */
void control_reload_wait(struct control_call *call, int started_now);

#endif
