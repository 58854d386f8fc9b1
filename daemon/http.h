/*
 * http: HTTP POSTs on libcurl's multi interface, driven by the libuv loop
 * (curl's socket callback drives a uv_poll_t per socket, its timer callback
 * a uv_timer_t), so no request ever blocks the loop.  Each request: http
 * and https only, no redirects, no environment proxies, TLS verified (an
 * optional CA file), connect and total timeouts, connections kept alive
 * and reused.  No receiver can hold the loop: the body is read up to
 * HTTP_MAX_RESPONSE and the transfer stops there (the final status, known
 * by then, is the outcome), the headers of all responses up to
 * HTTP_MAX_HEADERS, and a request that has kept the loop busy for
 * HTTP_MAX_BUSY_MS in all is stopped.  Retry-After comes from the final
 * response, never from an interim 1xx one.
 */
#ifndef SMCALD_HTTP_H
#define SMCALD_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "retry.h"

#define HTTP_MAX_RESPONSE (64 * 1024) /* body bytes read */
#define HTTP_MAX_HEADERS (64 * 1024)  /* header bytes, all responses */
#define HTTP_MAX_BUSY_MS 500	      /* loop time one request may take */

struct request;

struct http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	int running; /* requests in flight */
	int closing;
	struct request *inflight; /* their list */
	int in_pass;		  /* inside curl_multi_socket_action */
	uint64_t mark;		  /* uv_hrtime(): busy time counted to here */
};

struct http_request_opts {
	const char *url;
	const char *body; /* copied */
	size_t body_len;
	struct curl_slist *headers; /* taken: freed when the request ends */
	long connect_timeout_ms, timeout_ms;
	const char *ca_file; /* NULL: the system's CAs */
};

/*
 * Called once per request with its result; error is curl's message for a
 * transport error (NULL otherwise).  The result's strings live until the
 * callback returns.  At http_fini, requests still in flight get r == NULL:
 * the owner only frees its context then.
 */
typedef void (*http_done_fn)(void *ctx, const struct sm_attempt_result *r,
			     const char *error);

/* Sets up the multi handle on the loop; 0 or -1. */
int http_init(struct http *h, uv_loop_t *loop);

/* Starts a POST; returns 0, or -1 when it could not start (then done is
 * not called). */
int http_post(struct http *h, const struct http_request_opts *o,
	      http_done_fn done, void *ctx);

/* Aborts what is in flight (without callbacks) and releases curl; the
 * loop must run afterwards so the handles close. */
void http_fini(struct http *h);

#endif
