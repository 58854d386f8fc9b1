/*
 * Unit tests for lib/retry: outcome classes, the backoff schedule with
 * jitter, Retry-After (delta-seconds and the three HTTP-date forms of RFC
 * 9110), Discord's retry_after, and when sm_retry_next gives up (SPEC
 * section 5).  Expected delays are worked out by hand.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "retry.h"

/* 2026-12-03T08:00:00Z, the instant of the event being delivered. */
#define EVENT_AT ((sm_time)1796284800)
#define EVENT_MS ((int64_t)EVENT_AT * 1000)
/* Wed, 21 Oct 2015 07:27:30 GMT: 30 s before RFC 9110's example date. */
#define DATE_NOW ((sm_time)1445412450)

static struct sm_config *cfg;

static int
setup(void **state)
{
	(void)state;
	cfg = config_text("[webhook:w]\n"
			  "url = https://example.com/w\n"
			  "backoff = 10s, 1m, 5m\n"
			  "max_attempts = 3\n"
			  "max_age = 2h\n"
			  "[webhook:defaults]\n"
			  "url = https://example.com/d\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sm_config_free(cfg);
	return 0;
}

static const struct sm_webhook *
hook(const char *name)
{
	const struct sm_webhook *wh = sm_config_webhook(cfg, name);
	assert_non_null(wh);
	return wh;
}

static enum sm_outcome
classify_status(long status)
{
	struct sm_attempt_result r = {.status = status};
	return sm_retry_classify(&r);
}

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(classify_status(200), SM_OUT_DELIVERED);
	assert_int_equal(classify_status(202), SM_OUT_DELIVERED);
	assert_int_equal(classify_status(204), SM_OUT_DELIVERED);
	/* Redirects are not followed, so they are failures. */
	assert_int_equal(classify_status(301), SM_OUT_FAILED);
	assert_int_equal(classify_status(302), SM_OUT_FAILED);
	assert_int_equal(classify_status(308), SM_OUT_FAILED);
	assert_int_equal(classify_status(400), SM_OUT_FAILED);
	assert_int_equal(classify_status(401), SM_OUT_FAILED);
	assert_int_equal(classify_status(404), SM_OUT_FAILED);
	assert_int_equal(classify_status(408), SM_OUT_RETRY);
	assert_int_equal(classify_status(410), SM_OUT_DISABLE);
	assert_int_equal(classify_status(413), SM_OUT_FAILED);
	assert_int_equal(classify_status(429), SM_OUT_RETRY);
	assert_int_equal(classify_status(500), SM_OUT_RETRY);
	assert_int_equal(classify_status(502), SM_OUT_RETRY);
	assert_int_equal(classify_status(503), SM_OUT_RETRY);
	assert_int_equal(classify_status(504), SM_OUT_RETRY);

	/* No HTTP answer: whatever status field is left over. */
	struct sm_attempt_result r = {.transport_error = 1};
	assert_int_equal(sm_retry_classify(&r), SM_OUT_RETRY);
	r.status = 200;
	assert_int_equal(sm_retry_classify(&r), SM_OUT_RETRY);
}

static void
test_backoff_schedule(void **state)
{
	(void)state;
	const struct sm_webhook *wh = hook("w");
	/* Jitter 0 is -20%, 0.5 the schedule itself, just under 1 +20%. */
	assert_int_equal(sm_retry_backoff_ms(wh, 1, 0.0), 8000);
	assert_int_equal(sm_retry_backoff_ms(wh, 1, 0.5), 10000);
	assert_int_equal(sm_retry_backoff_ms(wh, 1, 0.9999999), 12000);
	assert_int_equal(sm_retry_backoff_ms(wh, 2, 0.0), 48000);
	assert_int_equal(sm_retry_backoff_ms(wh, 2, 0.5), 60000);
	assert_int_equal(sm_retry_backoff_ms(wh, 2, 0.9999999), 72000);
	assert_int_equal(sm_retry_backoff_ms(wh, 3, 0.0), 240000);
	assert_int_equal(sm_retry_backoff_ms(wh, 3, 0.5), 300000);
	assert_int_equal(sm_retry_backoff_ms(wh, 3, 0.9999999), 360000);
	/* The last step repeats. */
	assert_int_equal(sm_retry_backoff_ms(wh, 4, 0.5), 300000);
	assert_int_equal(sm_retry_backoff_ms(wh, 50, 0.5), 300000);
	/* Jitter between the ends scales linearly: 0.25 is -10%. */
	assert_int_equal(sm_retry_backoff_ms(wh, 2, 0.25), 54000);

	/* SPEC 9's default: 10s, 1m, 5m, 15m, 30m, 1h. */
	const struct sm_webhook *d = hook("defaults");
	assert_int_equal(sm_retry_backoff_ms(d, 4, 0.5), 900000);
	assert_int_equal(sm_retry_backoff_ms(d, 6, 0.5), 3600000);
	assert_int_equal(sm_retry_backoff_ms(d, 9, 0.0), 2880000);
}

static sm_time
after(const char *value, sm_time now)
{
	sm_time d = -99;
	assert_int_equal(sm_retry_after_parse(value, now, &d), 0);
	return d;
}

static void
test_retry_after_seconds(void **state)
{
	(void)state;
	assert_int_equal(after("120", EVENT_AT), 120);
	assert_int_equal(after(" 45 ", EVENT_AT), 45);
	/* Clamped to [1, 3600]. */
	assert_int_equal(after("0", EVENT_AT), 1);
	assert_int_equal(after("-5", EVENT_AT), 1);
	assert_int_equal(after("999999", EVENT_AT), 3600);
	assert_int_equal(after("3600", EVENT_AT), 3600);
	assert_int_equal(after("3601", EVENT_AT), 3600);
	assert_int_equal(after("123456789012345678901234567890", EVENT_AT),
			 3600);
}

static void
test_retry_after_dates(void **state)
{
	(void)state;
	/* The three forms of RFC 9110 section 5.6.7, 30 s after now. */
	assert_int_equal(after("Wed, 21 Oct 2015 07:28:00 GMT", DATE_NOW), 30);
	assert_int_equal(after("Wednesday, 21-Oct-15 07:28:00 GMT", DATE_NOW),
			 30);
	assert_int_equal(after("Wed Oct 21 07:28:00 2015", DATE_NOW), 30);
	/* asctime pads a one-digit day with a space. */
	assert_int_equal(after("Sun Nov  6 08:49:37 1994", 784111777 - 90), 90);
	/* In the past: as soon as allowed. */
	assert_int_equal(after("Wed, 21 Oct 2015 07:00:00 GMT", DATE_NOW), 1);
	/* Far ahead: clamped. */
	assert_int_equal(after("Thu, 22 Oct 2015 07:28:00 GMT", DATE_NOW),
			 3600);
}

static void
test_retry_after_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"soon",
		"12abc",
		"1.5",
		"- 5",
		"Wed, 21 Oct 2015 07:28:00 UTC",
		"Wed, 32 Oct 2015 07:28:00 GMT",
		"Wed, 21 Foo 2015 07:28:00 GMT",
		"Wed, 21 Oct 2015 7:28:00 GMT",
		"Wed, 21 Oct 2015 07:28:00 GMT trailing",
		"21 Oct 2015 07:28:00 GMT",
	};
	sm_time d = -99;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sm_retry_after_parse(bad[i], DATE_NOW, &d) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(d, -99);
	}
	assert_int_equal(sm_retry_after_parse(NULL, DATE_NOW, &d), -1);
}

static int
discord(const char *body, sm_time *d)
{
	return sm_retry_discord_after(body, body ? strlen(body) : 0, d);
}

static void
test_discord_after(void **state)
{
	(void)state;
	sm_time d = 0;
	assert_int_equal(discord("{\"message\": \"You are being rate "
				 "limited.\", \"retry_after\": 1.2, "
				 "\"global\": false}",
				 &d),
			 0);
	assert_int_equal(d, 2);
	assert_int_equal(discord("{\"retry_after\": 64.57}", &d), 0);
	assert_int_equal(d, 65);
	assert_int_equal(discord("{\"retry_after\": 3}", &d), 0);
	assert_int_equal(d, 3);
	assert_int_equal(discord("{\"retry_after\": 0.01}", &d), 0);
	assert_int_equal(d, 1);
	assert_int_equal(discord("{\"retry_after\": 1e12}", &d), 0);
	assert_int_equal(d, 3600);

	d = -99;
	assert_int_equal(discord("{\"message\": \"no\"}", &d), -1);
	assert_int_equal(discord("{\"retry_after\": \"1.2\"}", &d), -1);
	assert_int_equal(discord("rate limited", &d), -1);
	assert_int_equal(discord(NULL, &d), -1);
	/* A body cut by the response cap is not read halfway. */
	const char *cut = "{\"retry_after\": 1.2, \"global\": false}";
	assert_int_equal(sm_retry_discord_after(cut, 20, &d), -1);
	assert_int_equal(d, -99);
}

/* Values no double-to-integer conversion can take are clamped while still
 * doubles (a huge negative one was undefined behaviour: UBSan). */
static void
test_discord_after_extremes(void **state)
{
	(void)state;
	sm_time d = -99;
	assert_int_equal(discord("{\"retry_after\": -1e300}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MIN);
	assert_int_equal(discord("{\"retry_after\": -1}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MIN);
	assert_int_equal(discord("{\"retry_after\": -0.0}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MIN);
	assert_int_equal(discord("{\"retry_after\": -9.3e18}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MIN);
	assert_int_equal(discord("{\"retry_after\": 1e300}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MAX);
	assert_int_equal(
		discord("{\"retry_after\": 1.7976931348623157e308}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MAX);
	assert_int_equal(discord("{\"retry_after\": 3599.5}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MAX);
	assert_int_equal(discord("{\"retry_after\": 4.9e-324}", &d), 0);
	assert_int_equal(d, SM_RETRY_AFTER_MIN);
	/* JSON has no NaN or infinity; one that overflows a double is not
	 * a number jansson returns. */
	d = -99;
	assert_int_equal(discord("{\"retry_after\": 1e400}", &d), -1);
	assert_int_equal(discord("{\"retry_after\": NaN}", &d), -1);
	assert_int_equal(discord("{\"retry_after\": -Infinity}", &d), -1);
	assert_int_equal(d, -99);
}

static void
feed(struct sm_retry_headers *h, const char *line)
{
	sm_retry_header_line(h, line, strlen(line));
}

/* Only the final response's Retry-After counts: an interim 1xx response's
 * is forgotten at the next status line (a 103 with Retry-After: 3000 was
 * applied to the 503 that followed it). */
static void
test_header_lines(void **state)
{
	(void)state;
	struct sm_retry_headers h;
	memset(&h, 0, sizeof(h));
	feed(&h, "HTTP/1.1 103 Early Hints\r\n");
	assert_int_equal(h.status, 103);
	feed(&h, "Retry-After: 3000\r\n");
	feed(&h, "Link: </x.css>; rel=preload\r\n");
	feed(&h, "\r\n");
	assert_int_equal(h.final, 0);
	feed(&h, "HTTP/1.1 503 Service Unavailable\r\n");
	assert_int_equal(h.status, 503);
	assert_string_equal(h.retry_after, "");
	feed(&h, "Content-Length: 0\r\n");
	assert_int_equal(h.final, 0);
	feed(&h, "\r\n");
	assert_int_equal(h.final, 1);
	assert_string_equal(h.retry_after, "");

	/* The final response's own value, trimmed, any case. */
	memset(&h, 0, sizeof(h));
	feed(&h, "HTTP/1.1 100 Continue\r\n");
	feed(&h, "\r\n");
	feed(&h, "HTTP/2 429 \r\n");
	feed(&h, "retry-AFTER: \t 7 \r\n");
	feed(&h, "\r\n");
	assert_int_equal(h.status, 429);
	assert_int_equal(h.final, 1);
	assert_string_equal(h.retry_after, "7");
	/* Trailers after the body do not change the answer. */
	feed(&h, "Retry-After: 3000\r\n");
	assert_string_equal(h.retry_after, "7");

	/* A long value is cut to the buffer, a line without a colon or a
	 * similar name is not Retry-After, a bare LF ends the headers. */
	memset(&h, 0, sizeof(h));
	feed(&h, "HTTP/1.0 503 Busy\n");
	feed(&h, "Retry-Afterwards: 5\n");
	feed(&h, "Retry-After\n");
	assert_string_equal(h.retry_after, "");
	char line[400];
	memset(line, 0, sizeof(line));
	strcpy(line, "Retry-After: ");
	memset(line + 13, '9', 300);
	strcat(line, "\r\n");
	feed(&h, line);
	assert_int_equal(strlen(h.retry_after), sizeof(h.retry_after) - 1);
	feed(&h, "\n");
	assert_int_equal(h.final, 1);
	/* A status line that is not one leaves no status. */
	memset(&h, 0, sizeof(h));
	feed(&h, "HTTP/1.1 2x0 Odd\r\n");
	assert_int_equal(h.status, 0);
}

static enum sm_outcome
next(const struct sm_attempt_result *r, int attempts, int64_t now_ms,
     int64_t *next_ms)
{
	return sm_retry_next(hook("w"), r, attempts, EVENT_AT, now_ms, 0.5,
			     next_ms);
}

static void
test_next_outcomes(void **state)
{
	(void)state;
	int64_t at = -1;
	struct sm_attempt_result r = {.status = 204};
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_DELIVERED);
	r.status = 404;
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_FAILED);
	r.status = 410;
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_DISABLE);
	r.status = 301;
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_FAILED);
	assert_int_equal(at, -1);

	struct sm_attempt_result t = {.transport_error = 1};
	assert_int_equal(next(&t, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 10000);
}

static void
test_next_max_attempts(void **state)
{
	(void)state;
	int64_t at = -1;
	struct sm_attempt_result r = {.status = 500};
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 10000);
	assert_int_equal(next(&r, 2, EVENT_MS + 10000, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 70000);
	/* max_attempts = 3: the third failure is the last. */
	at = -1;
	assert_int_equal(next(&r, 3, EVENT_MS + 70000, &at), SM_OUT_FAILED);
	assert_int_equal(at, -1);
	/* Even a Retry-After cannot buy a fourth attempt. */
	struct sm_attempt_result q = {.status = 429, .retry_after = "1"};
	assert_int_equal(next(&q, 3, EVENT_MS, &at), SM_OUT_FAILED);
}

static void
test_next_max_age(void **state)
{
	(void)state;
	int64_t at = -1;
	struct sm_attempt_result r = {.status = 503};
	/* max_age = 2h after the event's instant; 10 s backoff. */
	int64_t limit = EVENT_MS + 7200 * 1000;
	assert_int_equal(next(&r, 1, limit - 10000, &at), SM_OUT_RETRY);
	assert_int_equal(at, limit);
	at = -1;
	assert_int_equal(next(&r, 1, limit - 9999, &at), SM_OUT_FAILED);
	assert_int_equal(at, -1);
	/* A Retry-After past max_age gives up too. */
	struct sm_attempt_result q = {.status = 429, .retry_after = "3600"};
	assert_int_equal(next(&q, 1, EVENT_MS + 3600 * 1000, &at),
			 SM_OUT_RETRY);
	assert_int_equal(at, limit);
	assert_int_equal(next(&q, 1, EVENT_MS + 3601 * 1000, &at),
			 SM_OUT_FAILED);
}

static void
test_next_retry_after_overrides(void **state)
{
	(void)state;
	int64_t at = -1;
	struct sm_attempt_result r = {.status = 429, .retry_after = "120"};
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 120000);
	/* Shorter than the schedule's step counts too. */
	r.retry_after = "2";
	assert_int_equal(next(&r, 2, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 2000);
	r.status = 503;
	r.retry_after = "120";
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 120000);
	/* Clamped to an hour. */
	r.retry_after = "999999";
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 3600000);
	/* Only 429 and 503 carry a meaningful Retry-After. */
	r.status = 500;
	r.retry_after = "120";
	assert_int_equal(next(&r, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 10000);
	/* An unreadable header falls back to the schedule. */
	r.status = 503;
	r.retry_after = "whenever";
	assert_int_equal(next(&r, 2, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 60000);

	/* Discord: the body's retry_after when there is no usable header. */
	static const char body[] = "{\"retry_after\": 1.2, \"global\": false}";
	struct sm_attempt_result d = {
		.status = 429, .body = body, .body_len = sizeof(body) - 1};
	assert_int_equal(next(&d, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 2000);
	d.retry_after = "junk";
	assert_int_equal(next(&d, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 2000);
	d.retry_after = "7";
	assert_int_equal(next(&d, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 7000);
	/* A 503's body is not Discord's rate-limit answer. */
	d.retry_after = NULL;
	d.status = 503;
	assert_int_equal(next(&d, 1, EVENT_MS, &at), SM_OUT_RETRY);
	assert_int_equal(at, EVENT_MS + 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_dates),
		cmocka_unit_test(test_retry_after_garbage),
		cmocka_unit_test(test_discord_after),
		cmocka_unit_test(test_discord_after_extremes),
		cmocka_unit_test(test_header_lines),
		cmocka_unit_test(test_next_outcomes),
		cmocka_unit_test(test_next_max_attempts),
		cmocka_unit_test(test_next_max_age),
		cmocka_unit_test(test_next_retry_after_overrides),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
