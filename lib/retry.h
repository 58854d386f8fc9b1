/*
 * retry: what a webhook attempt's outcome means and when to try again
 * (SPEC section 5).  Pure: the clock and the jitter are passed in.
 *
 * Connection errors, timeouts, 408, 429 and 5xx are retried on the
 * webhook's `backoff` schedule (the last step repeats) with +-20% jitter,
 * until `max_attempts` or the event's `max_age`; a Retry-After header (or
 * Discord's JSON "retry_after") replaces the schedule's delay, clamped to
 * [SM_RETRY_AFTER_MIN, SM_RETRY_AFTER_MAX]; 410 disables the endpoint; any
 * other 4xx and every 3xx fail at once (redirects are never followed).
 */
#ifndef SM_RETRY_H
#define SM_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "config.h"

#define SM_RETRY_AFTER_MIN 1	/* seconds */
#define SM_RETRY_AFTER_MAX 3600 /* seconds */

enum sm_outcome {
	SM_OUT_DELIVERED,
	SM_OUT_RETRY,
	SM_OUT_FAILED,
	SM_OUT_DISABLE,
};

/* What came back from one attempt. */
struct sm_attempt_result {
	int transport_error;	 /* nonzero: no HTTP answer (refused, timeout,
				   DNS, TLS, reset, ...) */
	long status;		 /* HTTP status when transport_error is 0 */
	const char *retry_after; /* the Retry-After header value, or NULL */
	const char *body;	 /* the response body read (capped), or NULL */
	size_t body_len;
	int body_cut; /* the body was longer than the cap: the rest was
			 never read */
};

/*
 * What the response header lines of one attempt say, read line by line as
 * they arrive (curl's header callback): the status and Retry-After of the
 * final response.  Interim 1xx responses come first, each with its own
 * header block; what they carry is forgotten at the next status line.
 */
struct sm_retry_headers {
	long status;	       /* of the latest status line, 0 before one */
	int final;	       /* 1 once a non-1xx header block has ended */
	char retry_after[128]; /* its Retry-After value, "" when absent */
};

/* Feeds one header line (CRLF or LF included, as received) to h, which
 * starts zeroed. */
void sm_retry_header_line(struct sm_retry_headers *h, const char *line,
			  size_t len);

/* The class of an attempt's result. */
enum sm_outcome sm_retry_classify(const struct sm_attempt_result *r);

/*
 * A Retry-After value (delta-seconds or an HTTP-date) as seconds from now,
 * clamped; returns 0 and fills *delay, or -1 when it cannot be read.
 */
int sm_retry_after_parse(const char *value, sm_time now, sm_time *delay);

/* Discord's 429 body {"retry_after": 1.5, ...} as whole seconds rounded
 * up, clamped; returns 0 and fills *delay, or -1. */
int sm_retry_discord_after(const char *body, size_t len, sm_time *delay);

/*
 * The delay in milliseconds before the attempt after `attempts` attempts
 * (1 after the first), from the backoff schedule with jitter in [0, 1)
 * mapped to -20%..+20%.
 */
int64_t sm_retry_backoff_ms(const struct sm_webhook *wh, int attempts,
			    double jitter);

/*
 * Decides the next step after an attempt: returns SM_OUT_DELIVERED,
 * SM_OUT_FAILED, SM_OUT_DISABLE, or SM_OUT_RETRY with *next_ms set (an
 * instant in milliseconds).  A retry that would pass max_attempts or the
 * event's instant + max_age fails instead.
 */
enum sm_outcome sm_retry_next(const struct sm_webhook *wh,
			      const struct sm_attempt_result *r, int attempts,
			      sm_time event_at, int64_t now_ms, double jitter,
			      int64_t *next_ms);

#endif
