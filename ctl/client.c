/*
 * client: connecting to smcald and exchanging varlink messages (see
 * client.h).  Blocking I/O with a poll() deadline: smctl does one thing at
 * a time.
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <iniparser.h>

#include "config.h"

static int
quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* Reads [daemon] socket from a config file, leniently: smctl needs only
 * that key, and a file with errors elsewhere (the reason for a reload)
 * must not stop smctl.  Returns 0, or -1 when the file cannot be read. */
static int
socket_of(const char *file, char *out, size_t len)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return -1;
	fclose(f);
	iniparser_set_error_callback(quiet);
	dictionary *d = iniparser_load(file);
	if (!d)
		return -1;
	const char *v = iniparser_getstring(d, "daemon:socket", NULL);
	snprintf(out, len, "%s", v && *v ? v : CTL_DEFAULT_SOCKET);
	iniparser_freedict(d);
	return 0;
}

static int
pick_socket(struct ctl_client *c, const struct ctl_env *env)
{
	if (env->socket_path) {
		snprintf(c->path, sizeof(c->path), "%s", env->socket_path);
		snprintf(c->origin, sizeof(c->origin), "%s",
			 env->socket_from_env ? "from SMCAL_SOCKET"
					      : "from -s");
		return CTL_OK;
	}
	if (env->config_path) {
		if (socket_of(env->config_path, c->path, sizeof(c->path)) < 0) {
			fprintf(stderr, "smctl: cannot read %s: %s\n",
				env->config_path, strerror(errno));
			return CTL_CONFIG;
		}
		snprintf(c->origin, sizeof(c->origin), "[daemon] socket of %s",
			 env->config_path);
		return CTL_OK;
	}
	if (socket_of(SM_CONFIG_DEFAULT_PATH, c->path, sizeof(c->path)) == 0) {
		snprintf(c->origin, sizeof(c->origin), "[daemon] socket of %s",
			 SM_CONFIG_DEFAULT_PATH);
		return CTL_OK;
	}
	snprintf(c->path, sizeof(c->path), "%s", CTL_DEFAULT_SOCKET);
	snprintf(c->origin, sizeof(c->origin), "the default");
	return CTL_OK;
}

static int
unreachable(const struct ctl_client *c, const char *what)
{
	fprintf(stderr,
		"smctl: cannot reach smcald at %s (%s): %s\n"
		"smctl: is smcald running?  -s PATH, SMCAL_SOCKET or -c FILE "
		"name another socket\n",
		c->path, c->origin, what);
	return CTL_UNREACHABLE;
}

int
ctl_client_open(struct ctl_client *c, const struct ctl_env *env)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	sm_proto_reader_init(&c->rd, SM_PROTO_MAX_MESSAGE);
	int rc = pick_socket(c, env);
	if (rc != CTL_OK)
		return rc;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(c->path) >= sizeof(sa.sun_path))
		return unreachable(c, "the path is longer than a Unix socket "
				      "address allows (107 bytes)");
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return unreachable(c, strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char why[256];
		int e = errno;
		snprintf(why, sizeof(why), "%s%s", strerror(e),
			 e == EACCES ? " (the socket is for members of its "
				       "group: see socket_group)"
				     : "");
		close(c->fd);
		c->fd = -1;
		return unreachable(c, why);
	}
	return CTL_OK;
}

void
ctl_client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sm_proto_reader_fini(&c->rd);
}

int
ctl_client_send(struct ctl_client *c, const char *method, json_t *params,
		int more)
{
	size_t len;
	char *msg = sm_proto_call_encode(method, params, more, 0, &len);
	if (!msg) {
		fprintf(stderr, "smctl: the request is larger than %d bytes\n",
			SM_PROTO_MAX_MESSAGE);
		return CTL_FAILED;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(c->fd, msg + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(msg);
			return unreachable(c, strerror(errno));
		}
		off += (size_t)n;
	}
	free(msg);
	return CTL_OK;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ctl_client_recv(struct ctl_client *c, struct sm_proto_reply *r)
{
	const char *msg;
	size_t len;
	int rc = ctl_client_recv_raw(c, &msg, &len);
	if (rc != CTL_OK)
		return rc;
	char why[160];
	if (sm_proto_reply_decode(msg, len, r, why, sizeof(why)) < 0)
		return unreachable(c, why);
	return CTL_OK;
}

int
ctl_client_recv_raw(struct ctl_client *c, const char **out, size_t *outlen)
{
	int64_t deadline = now_ms() + CTL_REPLY_TIMEOUT_MS;
	for (;;) {
		const char *msg;
		size_t len;
		int rc = sm_proto_reader_next(&c->rd, &msg, &len);
		if (rc == 1) {
			*out = msg;
			*outlen = len;
			return CTL_OK;
		}
		if (rc < 0)
			return unreachable(c, "a reply is larger than 1 MiB");
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			char why[96];
			snprintf(why, sizeof(why), "no reply within %d s",
				 CTL_REPLY_TIMEOUT_MS / 1000);
			return unreachable(c, why);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			return unreachable(c, strerror(errno));
		if (pr <= 0)
			continue;
		size_t room;
		char *buf = sm_proto_reader_space(&c->rd, 65536, &room);
		ssize_t n = read(c->fd, buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return unreachable(c, strerror(errno));
		if (n == 0)
			return unreachable(c, "smcald closed the connection "
					      "without a reply");
		sm_proto_reader_commit(&c->rd, (size_t)n);
	}
}

int
ctl_client_error(const char *command, const struct sm_proto_reply *r)
{
	json_t *p = r->parameters;
	const char *message = json_string_value(json_object_get(p, "message"));
	const char *param = json_string_value(json_object_get(p, "parameter"));
	const char *method = json_string_value(json_object_get(p, "method"));
	const char *iface = json_string_value(json_object_get(p, "interface"));
	if (message)
		fprintf(stderr, "smctl %s: %s\n", command, message);
	else if (strcmp(r->error, SM_PROTO_E_INVALID_PARAMETER) == 0 && param)
		fprintf(stderr, "smctl %s: smcald refused the parameter %s\n",
			command, param);
	else if (strcmp(r->error, SM_PROTO_E_METHOD_NOT_IMPLEMENTED) == 0 ||
		 strcmp(r->error, SM_PROTO_E_METHOD_NOT_FOUND) == 0)
		fprintf(stderr,
			"smctl %s: this smcald does not offer %s (an older "
			"version?)\n",
			command, method ? method : "it");
	else if (iface)
		fprintf(stderr, "smctl %s: smcald has no interface %s\n",
			command, iface);
	else
		fprintf(stderr, "smctl %s: %s\n", command, r->error);
	return CTL_FAILED;
}

int
ctl_call(const struct ctl_env *env, const char *command, const char *method,
	 json_t *params, struct sm_proto_reply *r)
{
	struct ctl_client c;
	memset(r, 0, sizeof(*r));
	int rc = ctl_client_open(&c, env);
	if (rc == CTL_OK)
		rc = ctl_client_send(&c, method, params, 0);
	if (rc == CTL_OK)
		rc = ctl_client_recv(&c, r);
	ctl_client_close(&c);
	if (rc == CTL_OK && r->error) {
		rc = ctl_client_error(command, r);
		sm_proto_reply_fini(r);
	}
	return rc;
}
