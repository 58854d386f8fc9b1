/*
 * client: smctl's side of the control socket.  Which socket (-s PATH,
 * else SMCAL_SOCKET, else the [daemon] socket of -c FILE, else that of the
 * default config when it is readable, else /run/smcal/smcal.sock),
 * connecting, sending calls and reading replies; lib/proto frames both.
 * Every failure is printed here, naming the socket and where its path came
 * from, and turned into smctl's exit code (SPEC section 6).
 */
#ifndef SM_CTL_CLIENT_H
#define SM_CTL_CLIENT_H

#include "ctl.h"
#include "proto.h"

#define CTL_DEFAULT_SOCKET "/run/smcal/smcal.sock"
/* How long smctl waits for a reply: a reload of a large calendar takes
 * seconds, a daemon started by socket activation loads first. */
#define CTL_REPLY_TIMEOUT_MS 120000

struct ctl_client {
	int fd;
	char path[256];
	char origin[300]; /* where path came from, for messages */
	struct sm_proto_reader rd;
};

/*
 * Finds the socket and connects.  Returns CTL_OK; CTL_CONFIG when -c names
 * a file that cannot be read; CTL_UNREACHABLE when nothing answers there
 * (each after printing why).
 */
int ctl_client_open(struct ctl_client *c, const struct ctl_env *env);

/* Closes the connection; a closed client is a no-op. */
void ctl_client_close(struct ctl_client *c);

/* Sends one call (params borrowed; NULL: none), with "more" when more.
 * CTL_OK, or CTL_UNREACHABLE after printing why. */
int ctl_client_send(struct ctl_client *c, const char *method, json_t *params,
		    int more);

/* Reads the next reply into r (the caller frees it with
 * sm_proto_reply_fini).  CTL_OK, or CTL_UNREACHABLE after printing why
 * (closed, timed out, not a reply). */
int ctl_client_recv(struct ctl_client *c, struct sm_proto_reply *r);

/* Reads the next message as it came: *msg (NUL-terminated, *len bytes
 * before the NUL; valid until the next receive on c).  CTL_OK, or
 * CTL_UNREACHABLE after printing why.  For streams of many replies whose
 * text the caller can use as it is (smctl list --json). */
int ctl_client_recv_raw(struct ctl_client *c, const char **msg, size_t *len);

/* Prints an error reply on stderr ("smctl: MESSAGE") and returns
 * CTL_FAILED. */
int ctl_client_error(const char *command, const struct sm_proto_reply *r);

/*
 * One call and its one reply: open, send, receive, close.  Returns CTL_OK
 * with the reply in r (success only; the caller frees it), or the exit code
 * after printing why (an error reply gives CTL_FAILED).
 */
int ctl_call(const struct ctl_env *env, const char *command, const char *method,
	     json_t *params, struct sm_proto_reply *r);

#endif
