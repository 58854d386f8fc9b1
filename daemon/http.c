/*
 * http: the shape of curl's multi-uv example, with the pitfalls of NOTES.md
 * handled: socket_action is only called from the poll and timer callbacks,
 * the per-socket context is freed in the poll handle's close callback, and
 * finished transfers are drained after every socket_action call.
 */
#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	int events; /* what curl last asked to wait for */
	struct http *http;
};

struct request {
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char *response;
	size_t response_len;
	/* The final response's status and Retry-After. */
	struct sm_retry_headers hdr;
	size_t header_bytes;
	/* Why curl stopped the transfer, when one of ours did: the body
	 * passed HTTP_MAX_RESPONSE, the headers HTTP_MAX_HEADERS, the loop
	 * time spent on it HTTP_MAX_BUSY_MS. */
	int cut, headers_cut, overbusy;
	uint64_t busy_ns;
	struct http *http;
	char errbuf[CURL_ERROR_SIZE];
	http_done_fn done;
	void *ctx;
	struct request *prev, *next; /* in flight, for http_fini */
};

static void check_done(struct http *h);

static size_t
on_write(char *data, size_t size, size_t n, void *userp)
{
	struct request *r = userp;
	size_t len = size * n;
	size_t room = HTTP_MAX_RESPONSE - r->response_len;
	size_t take = len < room ? len : room;
	if (take > 0) {
		char *p = realloc(r->response, r->response_len + take + 1);
		if (!p)
			return 0;
		r->response = p;
		memcpy(r->response + r->response_len, data, take);
		r->response_len += take;
		r->response[r->response_len] = '\0';
	}
	/* Past the cap the transfer stops here (curl ends it with a write
	 * error and closes the connection): reading on would let a receiver
	 * that never ends its body keep the loop busy until the timeout. The
	 * status is known by now, and check_done takes it as the outcome. */
	if (take < len) {
		r->cut = 1;
		return 0;
	}
	return len;
}

static size_t
on_header(char *data, size_t size, size_t n, void *userp)
{
	struct request *r = userp;
	size_t len = size * n;
	/* The header blocks of all responses (interim 1xx ones included)
	 * count towards one cap, so an endless series of them ends too. */
	r->header_bytes += len;
	if (r->header_bytes > HTTP_MAX_HEADERS) {
		r->headers_cut = 1;
		return 0;
	}
	sm_retry_header_line(&r->hdr, data, len);
	return len;
}

/*
 * Curl reads at most about 100 buffers per socket and pass, so one pass is
 * short; but a receiver that keeps bytes coming that never reach on_write
 * (chunk extensions: "1;xxxxxxxx..." without end) would keep curl reading
 * pass after pass until the request's timeout, a core busy and the loop
 * shared with it.  Curl calls this at the end of each of its steps on the
 * transfer: the loop time since the previous mark (the start of the pass,
 * or the previous transfer's step in it) is this transfer's, and past
 * HTTP_MAX_BUSY_MS in all the transfer is stopped.
 */
static int
on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow,
	    curl_off_t ultotal, curl_off_t ulnow)
{
	struct request *r = userp;
	struct http *h = r->http;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (!h->in_pass)
		return 0;
	uint64_t now = uv_hrtime();
	r->busy_ns += now - h->mark;
	h->mark = now;
	if (r->busy_ns > (uint64_t)HTTP_MAX_BUSY_MS * 1000000) {
		r->overbusy = 1;
		return 1;
	}
	return 0;
}

/* One curl pass on a socket (or on its timers), timed for on_progress. */
static void
pass(struct http *h, curl_socket_t fd, int flags)
{
	int running;
	h->in_pass = 1;
	h->mark = uv_hrtime();
	curl_multi_socket_action(h->multi, fd, flags, &running);
	h->in_pass = 0;
}

static void
request_free(struct request *r)
{
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r->response);
	free(r);
}

/*
 * A poll error (a reset, say) is passed to curl as "readable and writable",
 * not CURL_CSELECT_ERR: curl then reads or writes, sees the error itself,
 * and can act on it.  On a kept-alive connection that the receiver closed
 * just as the next request arrived, it sends the request again on a fresh
 * connection (as curl's own loop does); CURL_CSELECT_ERR would fail the
 * transfer at once ("select/poll returned error").  libuv stops a poll
 * handle on error, so it is started again when curl still wants the socket.
 */
static void
on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_ctx *sc = p->data;
	struct http *h = sc->http;
	int flags = 0;
	if (status < 0)
		flags = CURL_CSELECT_IN | CURL_CSELECT_OUT;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	pass(h, sc->fd, flags);
	if (status < 0 && !uv_is_closing((uv_handle_t *)&sc->poll) &&
	    !uv_is_active((uv_handle_t *)&sc->poll) && sc->events)
		uv_poll_start(&sc->poll, sc->events, on_poll);
	check_done(h);
}

static void
on_timer(uv_timer_t *t)
{
	struct http *h = t->data;
	pass(h, CURL_SOCKET_TIMEOUT, 0);
	check_done(h);
}

static void
on_sock_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct sock_ctx *sc = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sc) {
			uv_poll_stop(&sc->poll);
			curl_multi_assign(h->multi, s, NULL);
			uv_close((uv_handle_t *)&sc->poll, on_sock_closed);
		}
		return 0;
	}
	if (!sc) {
		sc = calloc(1, sizeof(*sc));
		if (!sc)
			return -1;
		sc->fd = s;
		sc->http = h;
		sc->poll.data = sc;
		if (uv_poll_init_socket(h->loop, &sc->poll, s) < 0) {
			free(sc);
			return -1;
		}
		curl_multi_assign(h->multi, s, sc);
	}
	int events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	sc->events = events;
	uv_poll_start(&sc->poll, events, on_poll);
	return 0;
}

static int
on_timeout(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;
	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void
unlink_request(struct http *h, struct request *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->inflight = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static void
check_done(struct http *h)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode code = msg->data.result;
		struct request *r = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
		long status = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(h->multi, easy);
		curl_easy_cleanup(easy);
		h->running--;
		unlink_request(h, r);
		struct sm_attempt_result res;
		memset(&res, 0, sizeof(res));
		/* A body stopped at a cap (by on_write, by curl before
		 * reading it when its Content-Length is over the cap, or by
		 * on_progress) followed a final status line: that status is
		 * the answer. */
		if (((code == CURLE_WRITE_ERROR && r->cut) ||
		     code == CURLE_FILESIZE_EXCEEDED ||
		     (code == CURLE_ABORTED_BY_CALLBACK && r->overbusy)) &&
		    r->hdr.status >= 200) {
			code = CURLE_OK;
			res.body_cut = 1;
		}
		res.transport_error = code != CURLE_OK;
		res.status = status;
		res.retry_after =
			r->hdr.retry_after[0] ? r->hdr.retry_after : NULL;
		res.body = r->response;
		res.body_len = r->response_len;
		const char *err = NULL;
		if (code != CURLE_OK && r->headers_cut)
			err = "response headers longer than 64 KiB";
		else if (code != CURLE_OK && r->overbusy)
			err = "the receiver kept smcald busy for more than "
			      "0.5 s: stopped";
		else if (code != CURLE_OK)
			err = r->errbuf[0] ? r->errbuf
					   : curl_easy_strerror(code);
		r->done(r->ctx, &res, err);
		request_free(r);
	}
}

int
http_init(struct http *h, uv_loop_t *loop)
{
	memset(h, 0, sizeof(*h));
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi)
		return -1;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return 0;
}

int
http_post(struct http *h, const struct http_request_opts *o, http_done_fn done,
	  void *ctx)
{
	struct request *r = calloc(1, sizeof(*r));
	if (!r) {
		curl_slist_free_all(o->headers);
		return -1;
	}
	r->headers = o->headers;
	r->http = h;
	r->done = done;
	r->ctx = ctx;
	r->body = malloc(o->body_len + 1);
	r->easy = curl_easy_init();
	if (!r->body || !r->easy || h->closing) {
		if (r->easy)
			curl_easy_cleanup(r->easy);
		request_free(r);
		return -1;
	}
	memcpy(r->body, o->body, o->body_len);
	r->body[o->body_len] = '\0';
	CURL *e = r->easy;
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, ""); /* never env proxies */
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)o->body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "smcald/" SM_VERSION);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)HTTP_MAX_RESPONSE);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		request_free(r);
		return -1;
	}
	h->running++;
	r->next = h->inflight;
	if (r->next)
		r->next->prev = r;
	h->inflight = r;
	return 0;
}

static void
on_timer_closed(uv_handle_t *handle)
{
	(void)handle;
}

void
http_fini(struct http *h)
{
	if (!h->multi)
		return;
	h->closing = 1;
	/* Abort what is in flight: the outbox keeps them (marked sending,
	 * back to pending at the next start). */
	while (h->inflight) {
		struct request *r = h->inflight;
		h->inflight = r->next;
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->done(r->ctx, NULL, "abandoned at shutdown");
		request_free(r);
		h->running--;
	}
	curl_multi_cleanup(h->multi); /* calls on_socket REMOVE */
	h->multi = NULL;
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, on_timer_closed);
}
