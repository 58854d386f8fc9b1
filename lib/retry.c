/*
 * retry: owns the meaning of a webhook attempt's outcome and the timing of
 * the next one (SPEC section 5): status classes, Retry-After (RFC 9110
 * section 10.2.3: delta-seconds or an HTTP-date), Discord's JSON
 * retry_after, the backoff schedule with jitter, and the max_attempts and
 * max_age limits.  No clock and no randomness here: both come in as
 * arguments, so every decision is reproducible in a test.
 */
#include "retry.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/* A schedule can only be empty if the config let it; one minute then. */
#define DEFAULT_BACKOFF 60

enum sm_outcome
sm_retry_classify(const struct sm_attempt_result *r)
{
	long s = r->status;

	if (r->transport_error)
		return SM_OUT_RETRY;
	/* Not an HTTP status at all: nothing usable came back, which is a
	 * transport failure in all but name. */
	if (s < 100 || s > 599)
		return SM_OUT_RETRY;
	if (s >= 200 && s <= 299)
		return SM_OUT_DELIVERED;
	if (s == 408 || s == 429 || s >= 500)
		return SM_OUT_RETRY;
	if (s == 410)
		return SM_OUT_DISABLE;
	/* 1xx as a final answer, 3xx (redirects are never followed) and
	 * the other 4xx: trying again would get the same answer. */
	return SM_OUT_FAILED;
}

static sm_time
clamp_after(sm_time d)
{
	if (d < SM_RETRY_AFTER_MIN)
		return SM_RETRY_AFTER_MIN;
	if (d > SM_RETRY_AFTER_MAX)
		return SM_RETRY_AFTER_MAX;
	return d;
}

static const char *const wdays[] = {"Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat", "Sun"};
static const char *const wdays_long[] = {"Monday",   "Tuesday", "Wednesday",
					 "Thursday", "Friday",	"Saturday",
					 "Sunday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Matches one of names at *p (case-sensitive, as RFC 9110 spells them). */
static int
match_name(const char **p, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		if (strncmp(*p, names[i], len) == 0) {
			*p += len;
			return i;
		}
	}
	return -1;
}

/* Reads exactly `digits` digits (or 1 to `digits` when !exact). */
static int
read_num(const char **p, int digits, int exact, int *out)
{
	int v = 0, k = 0;
	while (k < digits && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	if (k == 0 || (exact && k != digits))
		return -1;
	*out = v;
	return 0;
}

static int
expect(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* "HH:MM:SS" */
static int
read_clock(const char **p, struct sm_civil *c)
{
	if (read_num(p, 2, 1, &c->hour) < 0 || expect(p, ":") < 0 ||
	    read_num(p, 2, 1, &c->minute) < 0 || expect(p, ":") < 0 ||
	    read_num(p, 2, 1, &c->second) < 0)
		return -1;
	return 0;
}

/*
 * Parses the three HTTP-date forms of RFC 9110 section 5.6.7:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * The weekday is checked for spelling only: the date decides.
 */
static int
http_date_parse(const char *s, sm_time now, sm_time *out)
{
	struct sm_civil c;
	const char *p = s;

	memset(&c, 0, sizeof(c));
	if (match_name(&p, wdays_long, 7) >= 0) {
		/* RFC 850: the two-digit year is taken in the century that
		 * puts it no more than 50 years ahead of now (RFC 9110). */
		if (expect(&p, ", ") < 0 || read_num(&p, 2, 1, &c.day) < 0 ||
		    expect(&p, "-") < 0 ||
		    (c.month = match_name(&p, months, 12) + 1) == 0 ||
		    expect(&p, "-") < 0 || read_num(&p, 2, 1, &c.year) < 0 ||
		    expect(&p, " ") < 0 || read_clock(&p, &c) < 0 ||
		    expect(&p, " GMT") < 0)
			return -1;
		struct sm_civil nc;
		sm_civil_split(now, &nc);
		c.year += nc.year - nc.year % 100;
		if (c.year > nc.year + 50)
			c.year -= 100;
	} else if (match_name(&p, wdays, 7) >= 0) {
		if (*p == ',') {
			if (expect(&p, ", ") < 0 ||
			    read_num(&p, 2, 1, &c.day) < 0 ||
			    expect(&p, " ") < 0 ||
			    (c.month = match_name(&p, months, 12) + 1) == 0 ||
			    expect(&p, " ") < 0 ||
			    read_num(&p, 4, 1, &c.year) < 0 ||
			    expect(&p, " ") < 0 || read_clock(&p, &c) < 0 ||
			    expect(&p, " GMT") < 0)
				return -1;
		} else {
			/* asctime: the day is padded with a space. */
			if (expect(&p, " ") < 0 ||
			    (c.month = match_name(&p, months, 12) + 1) == 0 ||
			    expect(&p, " ") < 0)
				return -1;
			if (*p == ' ')
				p++;
			if (read_num(&p, 2, 0, &c.day) < 0 ||
			    expect(&p, " ") < 0 || read_clock(&p, &c) < 0 ||
			    expect(&p, " ") < 0 ||
			    read_num(&p, 4, 1, &c.year) < 0)
				return -1;
		}
	} else {
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	/* Leap seconds (":60") are allowed by the grammar; the minute after
	 * is as good an answer for a retry. */
	int leap = c.second == 60;
	if (leap)
		c.second = 59;
	if (*p != '\0' || !sm_civil_valid(&c))
		return -1;
	*out = sm_civil_make(&c) + leap;
	return 0;
}

int
sm_retry_after_parse(const char *value, sm_time now, sm_time *delay)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;

	const char *p = value;
	int neg = 0;
	if (*p == '-' || *p == '+') {
		/* Not in the grammar, but a negative delay has one sane
		 * meaning: now, which the minimum clamp turns into 1 s. */
		neg = *p == '-';
		p++;
	}
	if (isdigit((unsigned char)*p)) {
		sm_time v = 0;
		for (; isdigit((unsigned char)*p); p++)
			if (v < SM_RETRY_AFTER_MAX * 10)
				v = v * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return -1;
		*delay = clamp_after(neg ? -v : v);
		return 0;
	}
	if (p != value)
		return -1;

	sm_time at;
	if (http_date_parse(value, now, &at) < 0)
		return -1;
	*delay = clamp_after(at - now);
	return 0;
}

void
sm_retry_header_line(struct sm_retry_headers *h, const char *line, size_t len)
{
	static const char name[] = "retry-after:";
	const size_t nlen = sizeof(name) - 1;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response: "HTTP/1.1 503 Reason" or "HTTP/2 503". */
		memset(h, 0, sizeof(*h));
		const char *sp = memchr(line, ' ', len);
		size_t rest = sp ? len - (size_t)(sp + 1 - line) : 0;
		if (rest >= 3 && isdigit((unsigned char)sp[1]) &&
		    isdigit((unsigned char)sp[2]) &&
		    isdigit((unsigned char)sp[3]) &&
		    (rest == 3 || sp[4] == ' '))
			h->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 +
				    (sp[3] - '0');
		return;
	}
	if (h->final)
		return; /* trailers: the answer is already complete */
	if (len == 0) {
		h->final = h->status >= 200;
		return;
	}
	if (len < nlen || strncasecmp(line, name, nlen) != 0)
		return;
	const char *v = line + nlen;
	size_t vl = len - nlen;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (vl >= sizeof(h->retry_after))
		vl = sizeof(h->retry_after) - 1;
	memcpy(h->retry_after, v, vl);
	h->retry_after[vl] = '\0';
}

int
sm_retry_discord_after(const char *body, size_t len, sm_time *delay)
{
	if (!body)
		return -1;
	json_t *root = json_loadb(body, len, 0, NULL);
	if (!root)
		return -1;
	json_t *v = json_object_get(root, "retry_after");
	int rc = -1;
	if (json_is_number(v) && !isnan(json_number_value(v))) {
		double d = json_number_value(v);
		/* Clamp while still a double: converting a value outside
		 * sm_time's range (-1e300, an infinity) is undefined
		 * behaviour, not a large delay. */
		if (d < SM_RETRY_AFTER_MIN)
			d = SM_RETRY_AFTER_MIN;
		if (d > SM_RETRY_AFTER_MAX)
			d = SM_RETRY_AFTER_MAX;
		*delay = clamp_after((sm_time)ceil(d));
		rc = 0;
	}
	json_decref(root);
	return rc;
}

int64_t
sm_retry_backoff_ms(const struct sm_webhook *wh, int attempts, double jitter)
{
	int64_t base = DEFAULT_BACKOFF;
	if (wh->backoff.n > 0) {
		size_t i = attempts > 1 ? (size_t)attempts - 1 : 0;
		if (i >= wh->backoff.n)
			i = wh->backoff.n - 1;
		base = wh->backoff.v[i];
	}
	if (base < 0)
		base = 0;
	/* A year is more than any max_age sensibly is; capping keeps the
	 * arithmetic below far from overflow. */
	if (base > 366 * SM_DAY)
		base = 366 * SM_DAY;
	if (!(jitter >= 0))
		jitter = 0;
	if (jitter >= 1)
		jitter = 1;
	double factor = 1.0 + (jitter * 0.4 - 0.2);
	return (int64_t)llround((double)base * 1000.0 * factor);
}

enum sm_outcome
sm_retry_next(const struct sm_webhook *wh, const struct sm_attempt_result *r,
	      int attempts, sm_time event_at, int64_t now_ms, double jitter,
	      int64_t *next_ms)
{
	enum sm_outcome out = sm_retry_classify(r);
	if (out != SM_OUT_RETRY)
		return out;
	if (attempts >= wh->max_attempts)
		return SM_OUT_FAILED;

	int64_t delay_ms = -1;
	sm_time after;
	if (!r->transport_error && (r->status == 429 || r->status == 503)) {
		if (r->retry_after &&
		    sm_retry_after_parse(r->retry_after, now_ms / 1000,
					 &after) == 0)
			delay_ms = after * 1000;
		else if (r->status == 429 &&
			 sm_retry_discord_after(r->body, r->body_len, &after) ==
				 0)
			delay_ms = after * 1000;
	}
	if (delay_ms < 0)
		delay_ms = sm_retry_backoff_ms(wh, attempts, jitter);

	int64_t next = now_ms + delay_ms;
	if (next > (event_at + wh->max_age) * 1000)
		return SM_OUT_FAILED;
	*next_ms = next;
	return SM_OUT_RETRY;
}
