/*
 * when: parsing smctl's time arguments.
 */
#include "when.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"

/* The longest argument looked at; longer ones cannot be a time. */
#define WHEN_MAX 64

static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
zone_name(const struct sm_tz *zone)
{
	return zone && zone->name ? zone->name : "UTC";
}

static sm_time
resolve(const struct sm_tz *zone, sm_time local)
{
	return zone ? sm_tz_resolve(zone, local) : local;
}

/* The local day number that contains the instant t. */
static int64_t
local_day(const struct sm_tz *zone, sm_time t)
{
	return sm_civil_day_of(zone ? sm_tz_to_local(zone, t) : t);
}

/* The instant a local day stands for in this mode: its first instant, or
 * for an upper bound the first instant of the next day. */
static sm_time
day_bound(const struct sm_tz *zone, int64_t day, enum sm_when_mode mode)
{
	if (mode == SM_WHEN_TO)
		day++;
	return resolve(zone, (sm_time)day * SM_DAY);
}

static void
bad_form(const char *s, enum sm_when_mode mode, const struct sm_tz *zone,
	 char *err, size_t errlen)
{
	fmt_err(err, errlen,
		"bad time \"%s\": expected an RFC 3339 time "
		"(2026-12-01T09:00:00Z or 2026-12-01T09:00:00+01:00), a local "
		"time YYYY-MM-DD HH:MM in %s, %sor a time from now (+90m, "
		"+2h, +3d)",
		s, zone_name(zone),
		mode == SM_WHEN_AT ? ""
				   : "a date YYYY-MM-DD, today, tomorrow, "
				     "yesterday, now, ");
}

/* A day given where an instant is needed: say so, with an example on that
 * day. */
static void
day_refused(const char *s, int64_t day, char *err, size_t errlen)
{
	int y, m, d;
	sm_civil_ymd(day, &y, &m, &d);
	fmt_err(err, errlen,
		"bad time \"%s\": a publish time needs a time of day, e.g. "
		"%04d-%02d-%02d 09:00",
		s, y, m, d);
}

int
sm_when_parse(const char *s, enum sm_when_mode mode, sm_time now,
	      const struct sm_tz *zone, sm_time *out, char *err, size_t errlen)
{
	char buf[WHEN_MAX + 1];
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n > WHEN_MAX) {
		fmt_err(err, errlen,
			"bad time \"%.*s...\": too long for a time (at most "
			"%d characters)",
			20, s, WHEN_MAX);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';

	if (buf[0] == '+' || buf[0] == '-') {
		int64_t secs;
		if (sm_duration_parse(buf + 1, &secs) < 0) {
			bad_form(buf, mode, zone, err, errlen);
			return -1;
		}
		*out = buf[0] == '+' ? now + secs : now - secs;
		return 0;
	}
	if (strcasecmp(buf, "now") == 0) {
		*out = now;
		return 0;
	}
	static const char *const words[] = {"yesterday", "today", "tomorrow"};
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(buf, words[i]) != 0)
			continue;
		int64_t day = local_day(zone, now) + i - 1;
		if (mode == SM_WHEN_AT) {
			day_refused(buf, day, err, errlen);
			return -1;
		}
		*out = day_bound(zone, day, mode);
		return 0;
	}

	sm_time t;
	int has_offset, date_only;
	if (sm_civil_parse(buf, &t, &has_offset, &date_only) < 0) {
		bad_form(buf, mode, zone, err, errlen);
		return -1;
	}
	if (date_only) {
		if (mode == SM_WHEN_AT) {
			day_refused(buf, sm_civil_day_of(t), err, errlen);
			return -1;
		}
		*out = day_bound(zone, sm_civil_day_of(t), mode);
		return 0;
	}
	*out = has_offset ? t : resolve(zone, t);
	return 0;
}
