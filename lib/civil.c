/*
 * civil: Gregorian arithmetic on day numbers.  The day-number conversions use
 * the era decomposition (400-year cycles of 146097 days), exact for every
 * year an int can hold.
 */
#include "civil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int64_t
sm_civil_days(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
sm_civil_ymd(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

int
sm_civil_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (ISO 3). */
	int64_t w = (days + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w;
}

int
sm_civil_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
sm_civil_month_days(int year, int month)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && sm_civil_is_leap(year))
		return 29;
	return len[month - 1];
}

sm_time
sm_civil_make(const struct sm_civil *c)
{
	return sm_civil_days(c->year, c->month, c->day) * SM_DAY +
	       (int64_t)c->hour * 3600 + (int64_t)c->minute * 60 + c->second;
}

int64_t
sm_civil_day_of(sm_time t)
{
	return floor_div(t, SM_DAY);
}

void
sm_civil_split(sm_time t, struct sm_civil *out)
{
	int64_t days = floor_div(t, SM_DAY);
	int64_t secs = t - days * SM_DAY;
	sm_civil_ymd(days, &out->year, &out->month, &out->day);
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
}

int
sm_civil_valid(const struct sm_civil *c)
{
	return c->month >= 1 && c->month <= 12 && c->day >= 1 &&
	       c->day <= sm_civil_month_days(c->year, c->month) &&
	       c->hour >= 0 && c->hour <= 23 && c->minute >= 0 &&
	       c->minute <= 59 && c->second >= 0 && c->second <= 59;
}

static char *
put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

char *
sm_civil_format(sm_time t, enum sm_civil_style style, char *buf, size_t len)
{
	struct sm_civil c;
	sm_civil_split(t, &c);
	if (len < 32 || c.year < 0 || c.year > 9999) {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
			 c.month, c.day, c.hour, c.minute, c.second);
		return buf;
	}
	/* Hand-rolled: expand writes millions of these. */
	char *p = buf;
	p = put_digits(p, c.year, 4);
	*p++ = '-';
	p = put_digits(p, c.month, 2);
	*p++ = '-';
	p = put_digits(p, c.day, 2);
	if (style != SM_CIVIL_DATE) {
		*p++ = 'T';
		p = put_digits(p, c.hour, 2);
		*p++ = ':';
		p = put_digits(p, c.minute, 2);
		*p++ = ':';
		p = put_digits(p, c.second, 2);
		if (style == SM_CIVIL_UTC_MS) {
			memcpy(p, ".000", 4);
			p += 4;
		}
		if (style != SM_CIVIL_LOCAL)
			*p++ = 'Z';
	}
	*p = '\0';
	return buf;
}

/* Reads exactly n digits; returns -1 when they are not all there. */
static int
digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

int
sm_civil_parse(const char *s, sm_time *out, int *has_offset, int *date_only)
{
	struct sm_civil c = {0};
	const char *p = s;
	*has_offset = 0;
	*date_only = 0;
	if ((c.year = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (c.month = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (c.day = digits(&p, 2)) < 0)
		return -1;
	if (*p == '\0') {
		if (!sm_civil_valid(&c))
			return -1;
		*date_only = 1;
		*out = sm_civil_make(&c);
		return 0;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if ((c.hour = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (c.minute = digits(&p, 2)) < 0)
		return -1;
	if (*p == ':') {
		p++;
		if ((c.second = digits(&p, 2)) < 0)
			return -1;
		if (*p == '.') /* Fractions are accepted and dropped. */
			while (isdigit((unsigned char)*++p))
				;
	}
	if (!sm_civil_valid(&c))
		return -1;
	sm_time t = sm_civil_make(&c);
	if (*p == 'Z' || *p == 'z') {
		*has_offset = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh, om;
		if ((oh = digits(&p, 2)) < 0 || *p++ != ':' ||
		    (om = digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return -1;
		t -= sign * (oh * 3600 + om * 60);
		*has_offset = 1;
	}
	if (*p != '\0')
		return -1;
	*out = t;
	return 0;
}
