/*
 * rrule: parsing and period-by-period expansion of RFC 5545 RRULEs.
 *
 * The expansion treats every BYxxx day part as a filter on the period's days
 * (a whole year, month or week, or a single day for DAILY and finer).  That is
 * the RFC's "expand" and "limit" table read as set intersection: expanding a
 * year by BYMONTH and then limiting by BYDAY selects exactly the year's days
 * that pass both.  Times of day are the product of the BYHOUR, BYMINUTE and
 * BYSECOND lists, never materialised: instance k of a period is day
 * k / ntimes at time k % ntimes, so BYSETPOS indexes it directly.
 */
#include "rrule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One Gregorian cycle: a rule silent this long never yields again. */
#define SILENCE_DAYS 146097
#define MAX_YEAR 9999

static const char *const wday_names[7] = {"MO", "TU", "WE", "TH",
					  "FR", "SA", "SU"};

static int
parse_wday(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (s[0] == wday_names[i][0] && s[1] == wday_names[i][1] &&
		    s[2] == '\0')
			return i;
	return -1;
}

/* Parses a signed decimal that must use the whole string. */
static int
parse_int(const char *s, long *out)
{
	char *end;
	if (*s == '\0')
		return -1;
	long v = strtol(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_until(const char *s, struct sm_rrule *r)
{
	struct sm_civil c = {0};
	size_t n = strlen(s);
	if (n != 8 && n != 15 && n != 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i == 8) {
			if (s[i] != 'T')
				return -1;
		} else if (i == 15) {
			if (s[i] != 'Z')
				return -1;
		} else if (!isdigit((unsigned char)s[i])) {
			return -1;
		}
	}
	c.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
		 (s[3] - '0');
	c.month = (s[4] - '0') * 10 + (s[5] - '0');
	c.day = (s[6] - '0') * 10 + (s[7] - '0');
	if (n > 8) {
		c.hour = (s[9] - '0') * 10 + (s[10] - '0');
		c.minute = (s[11] - '0') * 10 + (s[12] - '0');
		c.second = (s[13] - '0') * 10 + (s[14] - '0');
		if (c.second == 60) /* A leap second reads as the next one. */
			c.second = 59;
	}
	if (!sm_civil_valid(&c))
		return -1;
	r->until = sm_civil_make(&c);
	r->until_kind = n == 8	  ? SM_UNTIL_DATE
			: n == 16 ? SM_UNTIL_UTC
				  : SM_UNTIL_LOCAL;
	return 0;
}

static void
set_bit(uint64_t *words, int bit)
{
	words[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static int
test_bit(const uint64_t *words, int bit)
{
	return (int)((words[bit / 64] >> (bit % 64)) & 1);
}

/*
 * Parses one comma-separated BY list of integers in [lo, hi] (0 refused when
 * nonzero is set) and calls add for each value.
 */
static int
parse_int_list(char *val, long lo, long hi, int nonzero, struct sm_rrule *r,
	       void (*add)(struct sm_rrule *, long))
{
	char *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(val, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v;
		if (parse_int(tok, &v) < 0 || v < lo || v > hi ||
		    (nonzero && v == 0))
			return -1;
		add(r, v);
		n++;
	}
	return n > 0 ? 0 : -1;
}

static void
add_second(struct sm_rrule *r, long v)
{
	r->bysecond |= (uint64_t)1 << v;
}
static void
add_minute(struct sm_rrule *r, long v)
{
	r->byminute |= (uint64_t)1 << v;
}
static void
add_hour(struct sm_rrule *r, long v)
{
	r->byhour |= (uint32_t)1 << v;
}
static void
add_month(struct sm_rrule *r, long v)
{
	r->bymonth |= (uint16_t)(1u << v);
}
static void
add_monthday(struct sm_rrule *r, long v)
{
	if (v > 0)
		r->bymonthday_pos |= (uint32_t)1 << v;
	else
		r->bymonthday_neg |= (uint32_t)1 << -v;
}
static void
add_yearday(struct sm_rrule *r, long v)
{
	if (v > 0)
		set_bit(r->byyearday_pos, (int)v);
	else
		set_bit(r->byyearday_neg, (int)-v);
}
static void
add_weekno(struct sm_rrule *r, long v)
{
	if (v > 0)
		r->byweekno_pos |= (uint64_t)1 << v;
	else
		r->byweekno_neg |= (uint64_t)1 << -v;
}
static void
add_setpos(struct sm_rrule *r, long v)
{
	if (r->nbysetpos < SM_RRULE_MAX_SETPOS)
		r->bysetpos[r->nbysetpos++] = (int16_t)v;
}

static int
parse_byday(char *val, struct sm_rrule *r)
{
	char *save = NULL;
	for (char *tok = strtok_r(val, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(tok);
		if (len < 2 || r->nbyday >= SM_RRULE_MAX_BYDAY)
			return -1;
		int wd = parse_wday(tok + len - 2);
		if (wd < 0)
			return -1;
		long ord = 0;
		if (len > 2) {
			char num[8];
			if (len - 2 >= sizeof(num))
				return -1;
			memcpy(num, tok, len - 2);
			num[len - 2] = '\0';
			if (parse_int(num, &ord) < 0 || ord == 0 || ord < -53 ||
			    ord > 53)
				return -1;
		}
		r->byday[r->nbyday].ord = (int8_t)ord;
		r->byday[r->nbyday].wday = (uint8_t)wd;
		r->nbyday++;
	}
	return r->nbyday > 0 ? 0 : -1;
}

static int
fail(char *err, size_t errlen, const char *what, const char *part)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s", what, part);
	return -1;
}

int
sm_rrule_parse(const char *text, struct sm_rrule *out, char *err, size_t errlen)
{
	struct sm_rrule r;
	memset(&r, 0, sizeof(r));
	r.interval = 1;
	if (err && errlen)
		err[0] = '\0';

	/* Upper-case copy without blanks; a leading "RRULE:" is dropped. */
	size_t n = strlen(text);
	char *buf = malloc(n + 1);
	if (!buf)
		return fail(err, errlen, "out of memory", "");
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)text[i]))
			buf[j++] = (char)toupper((unsigned char)text[i]);
	buf[j] = '\0';
	char *p = buf;
	if (strncmp(p, "RRULE:", 6) == 0 || strncmp(p, "EXRULE:", 7) == 0)
		p = strchr(p, ':') + 1;

	int rc = 0, rc_soft = 0;
	char *save = NULL;
	for (char *part = strtok_r(p, ";", &save); part && rc == 0;
	     part = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(part, '=');
		if (!eq) {
			/* Junk such as a doubled "RRULE:" or a stray word:
			 * skipped, as other readers do, and reported. */
			fail(err, errlen,
			     "ignored rule part without '=': ", part);
			rc_soft = 1;
			continue;
		}
		*eq = '\0';
		char *key = part, *val = eq + 1;
		long v;
		int bad = 0;
		if (strcmp(key, "FREQ") == 0) {
			static const char *const names[] = {
				"",	 "SECONDLY", "MINUTELY", "HOURLY",
				"DAILY", "WEEKLY",   "MONTHLY",	 "YEARLY"};
			r.freq = SM_FREQ_NONE;
			for (int f = 1; f < 8; f++)
				if (strcmp(val, names[f]) == 0)
					r.freq = (enum sm_freq)f;
			bad = r.freq == SM_FREQ_NONE;
		} else if (strcmp(key, "INTERVAL") == 0) {
			bad = parse_int(val, &v) < 0 || v < 1 || v > 1000000;
			if (!bad)
				r.interval = (int)v;
		} else if (strcmp(key, "COUNT") == 0) {
			bad = parse_int(val, &v) < 0 || v < 1 || v > 100000000;
			if (!bad)
				r.count = (int)v;
		} else if (strcmp(key, "UNTIL") == 0) {
			bad = parse_until(val, &r) < 0;
		} else if (strcmp(key, "WKST") == 0) {
			r.wkst = parse_wday(val);
			bad = r.wkst < 0;
		} else if (strcmp(key, "BYSECOND") == 0) {
			bad = parse_int_list(val, 0, 60, 0, &r, add_second);
			r.present |= SM_BY_SECOND;
		} else if (strcmp(key, "BYMINUTE") == 0) {
			bad = parse_int_list(val, 0, 59, 0, &r, add_minute);
			r.present |= SM_BY_MINUTE;
		} else if (strcmp(key, "BYHOUR") == 0) {
			bad = parse_int_list(val, 0, 23, 0, &r, add_hour);
			r.present |= SM_BY_HOUR;
		} else if (strcmp(key, "BYDAY") == 0) {
			bad = parse_byday(val, &r);
			r.present |= SM_BY_DAY;
		} else if (strcmp(key, "BYMONTHDAY") == 0) {
			bad = parse_int_list(val, -31, 31, 1, &r, add_monthday);
			r.present |= SM_BY_MONTHDAY;
		} else if (strcmp(key, "BYYEARDAY") == 0) {
			bad = parse_int_list(val, -366, 366, 1, &r,
					     add_yearday);
			r.present |= SM_BY_YEARDAY;
		} else if (strcmp(key, "BYWEEKNO") == 0) {
			bad = parse_int_list(val, -53, 53, 1, &r, add_weekno);
			r.present |= SM_BY_WEEKNO;
		} else if (strcmp(key, "BYMONTH") == 0) {
			bad = parse_int_list(val, 1, 12, 0, &r, add_month);
			r.present |= SM_BY_MONTH;
		} else if (strcmp(key, "BYSETPOS") == 0) {
			bad = parse_int_list(val, -366, 366, 1, &r, add_setpos);
			r.present |= SM_BY_SETPOS;
		} else if (strncmp(key, "X-", 2) != 0) {
			/* RSCALE and SKIP (RFC 7529) or a misspelling such as
			 * UNTL: the rest of the rule still stands. */
			fail(err, errlen, "ignored unknown rule part ", key);
			rc_soft = 1;
		}
		if (bad) {
			char msg[96];
			snprintf(msg, sizeof(msg), "%s=%.60s", key, val);
			rc = fail(err, errlen, "bad rule part ", msg);
		}
	}
	if (rc == 0 && r.freq == SM_FREQ_NONE)
		rc = fail(err, errlen, "FREQ is missing", "");
	free(buf);
	if (rc == 0)
		*out = r;
	return rc == 0 ? rc_soft : rc;
}

static int
popcount64(uint64_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

int64_t
sm_rrule_max_per_day(const struct sm_rrule *r)
{
	/* Times within a day: each BY list present multiplies (absent ones
	 * take DTSTART's single value at levels coarser than FREQ). */
	int64_t hours = (r->present & SM_BY_HOUR) ? popcount64(r->byhour) : 1;
	int64_t mins =
		(r->present & SM_BY_MINUTE) ? popcount64(r->byminute) : 1;
	int64_t secs =
		(r->present & SM_BY_SECOND) ? popcount64(r->bysecond) : 1;
	int64_t iv = r->interval > 0 ? r->interval : 1;
	switch (r->freq) {
	case SM_FREQ_SECONDLY:
		return (86400 + iv - 1) / iv;
	case SM_FREQ_MINUTELY:
		return (1440 + iv - 1) / iv * secs;
	case SM_FREQ_HOURLY:
		return (24 + iv - 1) / iv * mins * secs;
	default:
		return hours * mins * secs;
	}
}

/* First day of week 1 of a year under the given week start. */
static int64_t
week1_start(int year, int wkst)
{
	int64_t jan1 = sm_civil_days(year, 1, 1);
	int wd = (sm_civil_weekday(jan1) - wkst + 7) % 7;
	return wd <= 3 ? jan1 - wd : jan1 + (7 - wd);
}

/* The week-numbering year (under the given week start) a day belongs to. */
static int
week_year_of(int64_t day, int wkst)
{
	int y, m, d;
	sm_civil_ymd(day, &y, &m, &d);
	if (day < week1_start(y, wkst))
		return y - 1;
	if (day >= week1_start(y + 1, wkst))
		return y + 1;
	return y;
}

static int
weekno_matches(const struct sm_rrule *r, int64_t day, int year)
{
	int wy = year;
	int64_t start = week1_start(year, r->wkst);
	int64_t next = week1_start(year + 1, r->wkst);
	if (day < start) {
		wy = year - 1;
		next = start;
		start = week1_start(wy, r->wkst);
	} else if (day >= next) {
		wy = year + 1;
		start = next;
		next = week1_start(wy + 1, r->wkst);
	}
	int week = (int)((day - start) / 7) + 1;
	int nweeks = (int)((next - start) / 7);
	if ((r->byweekno_pos >> week) & 1)
		return 1;
	int neg = nweeks - week + 1;
	return neg >= 1 && ((r->byweekno_neg >> neg) & 1);
}

/* A day's calendar facts, for day_matches_at: computed once per month
 * when a whole month is looked at. */
struct day_facts {
	int y, m, d;
	int wd;	    /* weekday, 0 = Monday */
	int64_t y0; /* day number of January 1st */
	int mlen;   /* days in the month */
};

/* Does a day pass every day-level filter of the effective rule? */
static int
day_matches_at(const struct sm_rrule *r, int64_t day, const struct day_facts *f)
{
	int y = f->y, m = f->m, d = f->d;
	unsigned pr = r->present;
	if ((pr & SM_BY_MONTH) && !((r->bymonth >> m) & 1))
		return 0;
	if (pr & SM_BY_WEEKNO && !weekno_matches(r, day, y))
		return 0;
	int ylen = sm_civil_is_leap(y) ? 366 : 365;
	int yday = (int)(day - f->y0) + 1;
	if (pr & SM_BY_YEARDAY) {
		if (!test_bit(r->byyearday_pos, yday) &&
		    !test_bit(r->byyearday_neg, ylen - yday + 1))
			return 0;
	}
	int mlen = f->mlen;
	if (pr & SM_BY_MONTHDAY) {
		if (!((r->bymonthday_pos >> d) & 1) &&
		    !((r->bymonthday_neg >> (mlen - d + 1)) & 1))
			return 0;
	}
	if (pr & SM_BY_DAY) {
		int wd = f->wd;
		/* Ordinals count within the month for MONTHLY rules and
		 * YEARLY rules narrowed by BYMONTH, within the year for other
		 * YEARLY rules; elsewhere they are meaningless and ignored. */
		int in_month = r->freq == SM_FREQ_MONTHLY ||
			       (r->freq == SM_FREQ_YEARLY &&
				(pr & SM_BY_MONTH) && !(pr & SM_BY_WEEKNO));
		int in_year = r->freq == SM_FREQ_YEARLY && !in_month &&
			      !(pr & SM_BY_WEEKNO);
		int ok = 0;
		for (int i = 0; i < r->nbyday && !ok; i++) {
			const struct sm_byday *b = &r->byday[i];
			if (b->wday != wd)
				continue;
			if (b->ord == 0 || (!in_month && !in_year)) {
				ok = 1;
			} else if (in_month) {
				ok = b->ord > 0 ? (d - 1) / 7 + 1 == b->ord
						: (mlen - d) / 7 + 1 == -b->ord;
			} else {
				ok = b->ord > 0
					     ? (yday - 1) / 7 + 1 == b->ord
					     : (ylen - yday) / 7 + 1 == -b->ord;
			}
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int
day_matches(const struct sm_rrule *r, int64_t day)
{
	struct day_facts f;
	sm_civil_ymd(day, &f.y, &f.m, &f.d);
	f.wd = sm_civil_weekday(day);
	f.y0 = sm_civil_days(f.y, 1, 1);
	f.mlen = sm_civil_month_days(f.y, f.m);
	return day_matches_at(r, day, &f);
}

static int
bits_to_list(uint64_t bits, int max, uint8_t *list)
{
	int n = 0;
	for (int i = 0; i <= max; i++)
		if ((bits >> i) & 1)
			list[n++] = (uint8_t)i;
	return n;
}

static sm_time
unit_seconds(enum sm_freq f)
{
	switch (f) {
	case SM_FREQ_SECONDLY:
		return 1;
	case SM_FREQ_MINUTELY:
		return 60;
	case SM_FREQ_HOURLY:
		return 3600;
	default:
		return SM_DAY;
	}
}

static int64_t
floor_div64(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
ceil_div64(int64_t a, int64_t b)
{
	return -floor_div64(-a, b);
}

void
sm_rrule_iter_init(struct sm_rrule_iter *it, const struct sm_rrule *rule,
		   sm_time dtstart, int all_day, sm_rrule_resolve_fn resolve,
		   void *ctx)
{
	memset(it, 0, sizeof(*it));
	it->rule = rule;
	it->dtstart = dtstart;
	it->all_day = all_day;
	it->resolve = resolve;
	it->ctx = ctx;
	it->eff = *rule;
	it->last_hit_day = sm_civil_day_of(dtstart);

	struct sm_civil c;
	sm_civil_split(dtstart, &c);
	struct sm_rrule *e = &it->eff;
	unsigned pr = e->present;
	unsigned daylevel = pr & (SM_BY_WEEKNO | SM_BY_YEARDAY |
				  SM_BY_MONTHDAY | SM_BY_DAY);
	int wd = sm_civil_weekday(sm_civil_day_of(dtstart));

	/* Defaults taken from DTSTART where the rule leaves a level open. */
	if (e->freq == SM_FREQ_YEARLY) {
		if (!daylevel && !(pr & SM_BY_MONTH)) {
			e->bymonth = (uint16_t)(1u << c.month);
			e->bymonthday_pos = (uint32_t)1 << c.day;
			e->present |= SM_BY_MONTH | SM_BY_MONTHDAY;
		} else if ((pr & SM_BY_MONTHDAY) &&
			   !(pr &
			     (SM_BY_MONTH | SM_BY_WEEKNO | SM_BY_YEARDAY))) {
			/* Days of a month, but which month is not in the
			 * rule: DTSTART's, as if BYMONTH named it. */
			e->bymonth = (uint16_t)(1u << c.month);
			e->present |= SM_BY_MONTH;
		} else if (!daylevel) {
			e->bymonthday_pos = (uint32_t)1 << c.day;
			e->present |= SM_BY_MONTHDAY;
		} else if ((pr & SM_BY_WEEKNO) &&
			   !(pr &
			     (SM_BY_YEARDAY | SM_BY_MONTHDAY | SM_BY_DAY))) {
			e->byday[0].ord = 0;
			e->byday[0].wday = (uint8_t)wd;
			e->nbyday = 1;
			e->present |= SM_BY_DAY;
		}
	} else if (e->freq == SM_FREQ_MONTHLY) {
		if (!(pr & (SM_BY_MONTHDAY | SM_BY_DAY | SM_BY_YEARDAY |
			    SM_BY_WEEKNO))) {
			e->bymonthday_pos = (uint32_t)1 << c.day;
			e->present |= SM_BY_MONTHDAY;
		}
	} else if (e->freq == SM_FREQ_WEEKLY) {
		if (!daylevel) {
			e->byday[0].ord = 0;
			e->byday[0].wday = (uint8_t)wd;
			e->nbyday = 1;
			e->present |= SM_BY_DAY;
		}
	}

	/* Time lists within the period unit: hours x minutes x seconds for
	 * DAILY and coarser, minutes x seconds for HOURLY, seconds for
	 * MINUTELY, nothing for SECONDLY; all-day series have none. */
	it->nhours = it->nminutes = it->nseconds = 1;
	it->hours[0] = it->minutes[0] = it->seconds[0] = 0;
	if (!all_day) {
		if (e->freq >= SM_FREQ_DAILY)
			it->nhours =
				(pr & SM_BY_HOUR)
					? bits_to_list(e->byhour, 23, it->hours)
					: (it->hours[0] = (uint8_t)c.hour, 1);
		if (e->freq >= SM_FREQ_HOURLY)
			it->nminutes =
				(pr & SM_BY_MINUTE)
					? bits_to_list(e->byminute, 59,
						       it->minutes)
					: (it->minutes[0] = (uint8_t)c.minute,
					   1);
		if (e->freq >= SM_FREQ_MINUTELY)
			it->nseconds =
				(pr & SM_BY_SECOND)
					? bits_to_list(e->bysecond, 60,
						       it->seconds)
					: (it->seconds[0] = (uint8_t)c.second,
					   1);
	}
}

/* First day of period p, or the sub-day unit's start through *base. */
static int64_t
period_first_day(const struct sm_rrule_iter *it, int64_t p, sm_time *base,
		 int *ndays)
{
	const struct sm_rrule *e = &it->eff;
	int64_t d0 = sm_civil_day_of(it->dtstart);
	int y, m, d;
	sm_civil_ymd(d0, &y, &m, &d);
	*base = 0;
	switch (e->freq) {
	case SM_FREQ_YEARLY: {
		if (e->present & SM_BY_WEEKNO) {
			/* The week-numbering year: 52 or 53 whole weeks,
			 * counted from DTSTART's week-year. */
			int64_t wy =
				week_year_of(d0, e->wkst) + p * e->interval;
			if (wy >= MAX_YEAR)
				return INT64_MAX;
			int64_t first = week1_start((int)wy, e->wkst);
			*ndays = (int)(week1_start((int)wy + 1, e->wkst) -
				       first);
			return first;
		}
		int64_t year = y + p * e->interval;
		if (year > MAX_YEAR)
			return INT64_MAX;
		*ndays = sm_civil_is_leap((int)year) ? 366 : 365;
		return sm_civil_days((int)year, 1, 1);
	}
	case SM_FREQ_MONTHLY: {
		int64_t mi = (int64_t)y * 12 + (m - 1) + p * e->interval;
		int year = (int)(mi / 12), month = (int)(mi % 12) + 1;
		if (year > MAX_YEAR)
			return INT64_MAX;
		*ndays = sm_civil_month_days(year, month);
		return sm_civil_days(year, month, 1);
	}
	case SM_FREQ_WEEKLY: {
		int64_t w0 = d0 - (sm_civil_weekday(d0) - e->wkst + 7) % 7;
		*ndays = 7;
		return w0 + p * 7 * e->interval;
	}
	case SM_FREQ_DAILY:
		*ndays = 1;
		return d0 + p * e->interval;
	default: {
		sm_time unit = unit_seconds(e->freq);
		sm_time b = floor_div64(it->dtstart, unit) * unit;
		*base = b + p * e->interval * unit;
		*ndays = 1;
		return sm_civil_day_of(*base);
	}
	}
}

/* Period index of the first period starting at or after civil time t. */
static int64_t
subday_period_at(const struct sm_rrule_iter *it, sm_time t)
{
	sm_time unit = unit_seconds(it->eff.freq);
	sm_time b = floor_div64(it->dtstart, unit) * unit;
	return ceil_div64(t - b, it->eff.interval * unit);
}

static int
subday_unit_matches(const struct sm_rrule_iter *it, sm_time base,
		    sm_time *skip_to)
{
	const struct sm_rrule *e = &it->eff;
	int64_t day = sm_civil_day_of(base);
	if (!day_matches(e, day)) {
		int y, m, d;
		sm_civil_ymd(day, &y, &m, &d);
		if ((e->present & SM_BY_MONTH) && !((e->bymonth >> m) & 1)) {
			int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
			*skip_to = sm_civil_days(ny, nm, 1) * SM_DAY;
		} else {
			*skip_to = (day + 1) * SM_DAY;
		}
		return 0;
	}
	sm_time in_day = base - day * SM_DAY;
	int h = (int)(in_day / 3600), mi = (int)(in_day / 60 % 60),
	    s = (int)(in_day % 60);
	if ((e->present & SM_BY_HOUR) && !((e->byhour >> h) & 1)) {
		*skip_to = day * SM_DAY + (sm_time)(h + 1) * 3600;
		return 0;
	}
	if (e->freq <= SM_FREQ_MINUTELY && (e->present & SM_BY_MINUTE) &&
	    !((e->byminute >> mi) & 1)) {
		*skip_to = day * SM_DAY + (sm_time)h * 3600 + (mi + 1) * 60;
		return 0;
	}
	if (e->freq == SM_FREQ_SECONDLY && (e->present & SM_BY_SECOND) &&
	    !((e->bysecond >> s) & 1)) {
		*skip_to = base + 1;
		return 0;
	}
	return 1;
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Computes the current period's instance set; returns -1 when past the
 * last period the rule can have. */
static int
load_period(struct sm_rrule_iter *it)
{
	const struct sm_rrule *e = &it->eff;
	for (;;) {
		sm_time base;
		int ndays = 0;
		int64_t day0 = period_first_day(it, it->period, &base, &ndays);
		if (day0 == INT64_MAX || day0 > sm_civil_days(MAX_YEAR, 12, 31))
			return -1;
		if (day0 - it->last_hit_day > SILENCE_DAYS)
			return -1;
		it->period_day0 = day0;
		it->period_base = base;
		it->ndays = 0;
		if (e->freq < SM_FREQ_DAILY) {
			sm_time skip;
			if (!subday_unit_matches(it, base, &skip)) {
				int64_t np = subday_period_at(it, skip);
				it->period =
					np > it->period ? np : it->period + 1;
				continue;
			}
			it->days[it->ndays++] = 0;
		} else if (e->freq == SM_FREQ_YEARLY &&
			   (e->present & SM_BY_MONTH) &&
			   !(e->present & SM_BY_WEEKNO)) {
			/* Only the months BYMONTH names can hold a day (week
			 * numbers may cross months, hence the exception). */
			int y, m, d;
			sm_civil_ymd(day0, &y, &m, &d);
			struct day_facts f = {.y = y,
					      .y0 = sm_civil_days(y, 1, 1)};
			/* With BYDAY, only its weekdays can match: the others
			 * are not looked at (zone rules: 5 days, not 31). */
			unsigned wmask = 0x7f;
			if (e->present & SM_BY_DAY) {
				wmask = 0;
				for (int i = 0; i < e->nbyday; i++)
					wmask |= 1u << e->byday[i].wday;
			}
			for (int mo = 1; mo <= 12; mo++) {
				if (!((e->bymonth >> mo) & 1))
					continue;
				int64_t first = sm_civil_days(y, mo, 1);
				int wd0 = sm_civil_weekday(first);
				f.m = mo;
				f.mlen = sm_civil_month_days(y, mo);
				for (int k = 0; k < f.mlen; k++) {
					f.d = k + 1;
					f.wd = (wd0 + k) % 7;
					if (!((wmask >> f.wd) & 1))
						continue;
					if (day_matches_at(e, first + k, &f))
						it->days[it->ndays++] =
							(int16_t)(first + k -
								  day0);
				}
			}
		} else {
			for (int i = 0; i < ndays; i++)
				if (day_matches(e, day0 + i))
					it->days[it->ndays++] = (int16_t)i;
		}
		int64_t ntimes =
			(int64_t)it->nhours * it->nminutes * it->nseconds;
		int64_t total = it->ndays * ntimes;
		if (total == 0) {
			if (e->freq == SM_FREQ_DAILY &&
			    (e->present & SM_BY_MONTH)) {
				/* Jump over a month BYMONTH excludes. */
				int y, m, d;
				sm_civil_ymd(day0, &y, &m, &d);
				if (!((e->bymonth >> m) & 1)) {
					int ny = m == 12 ? y + 1 : y;
					int nm = m == 12 ? 1 : m + 1;
					int64_t target =
						sm_civil_days(ny, nm, 1);
					int64_t d0 =
						sm_civil_day_of(it->dtstart);
					int64_t np = ceil_div64(target - d0,
								e->interval);
					if (np > it->period) {
						it->period = np;
						continue;
					}
				}
			}
			it->period++;
			continue;
		}
		it->pos = 0;
		if (e->present & SM_BY_SETPOS) {
			it->nsetpos_idx = 0;
			for (int i = 0; i < e->nbysetpos; i++) {
				int64_t sp = e->bysetpos[i];
				int64_t idx = sp > 0 ? sp - 1 : total + sp;
				if (idx < 0 || idx >= total)
					continue;
				int dup = 0;
				for (int k = 0; k < it->nsetpos_idx; k++)
					dup |= it->setpos_idx[k] == idx;
				if (!dup)
					it->setpos_idx[it->nsetpos_idx++] =
						(int32_t)idx;
			}
			qsort(it->setpos_idx, (size_t)it->nsetpos_idx,
			      sizeof(int32_t), cmp_i32);
			it->npos = it->nsetpos_idx;
		} else {
			it->npos = total;
		}
		it->loaded = 1;
		return 0;
	}
}

static sm_time
instance_at(const struct sm_rrule_iter *it, int64_t idx)
{
	int64_t ntimes = (int64_t)it->nhours * it->nminutes * it->nseconds;
	int64_t di = idx / ntimes, ti = idx % ntimes;
	int64_t ns = it->nseconds, nm = it->nminutes;
	sm_time off = (sm_time)it->hours[ti / (nm * ns)] * 3600 +
		      (sm_time)it->minutes[(ti / ns) % nm] * 60 +
		      it->seconds[ti % ns];
	if (it->eff.freq < SM_FREQ_DAILY)
		return it->period_base + off;
	return (it->period_day0 + it->days[di]) * SM_DAY + off;
}

static int
past_until(const struct sm_rrule_iter *it, sm_time t)
{
	const struct sm_rrule *r = it->rule;
	switch (r->until_kind) {
	case SM_UNTIL_NONE:
		return 0;
	case SM_UNTIL_LOCAL:
		return t > r->until;
	case SM_UNTIL_DATE:
		return sm_civil_day_of(t) > sm_civil_day_of(r->until);
	case SM_UNTIL_UTC:
		return (it->resolve ? it->resolve(it->ctx, t) : t) > r->until;
	}
	return 0;
}

int
sm_rrule_iter_next(struct sm_rrule_iter *it, sm_time *out)
{
	if (it->has_back) {
		it->has_back = 0;
		*out = it->back;
		return 1;
	}
	while (!it->done) {
		if (!it->loaded && load_period(it) < 0) {
			it->done = 1;
			break;
		}
		if (it->pos >= it->npos) {
			it->period++;
			it->loaded = 0;
			continue;
		}
		int64_t idx = (it->eff.present & SM_BY_SETPOS)
				      ? it->setpos_idx[it->pos]
				      : it->pos;
		it->pos++;
		sm_time t = instance_at(it, idx);
		if (t < it->dtstart)
			continue;
		if (past_until(it, t) ||
		    (it->rule->count && it->emitted >= it->rule->count)) {
			it->done = 1;
			break;
		}
		it->emitted++;
		it->last_hit_day = sm_civil_day_of(t);
		*out = t;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Counting ahead (skip_to with COUNT).
 */

/* Instances in one period of a rule finer than DAILY whose unit passes the
 * filters: the BY lists finer than FREQ, less BYSETPOS. */
static int64_t
subday_per_period(const struct sm_rrule_iter *it)
{
	const struct sm_rrule *e = &it->eff;
	int64_t total = (int64_t)it->nhours * it->nminutes * it->nseconds;
	if (!(e->present & SM_BY_SETPOS))
		return total;
	int32_t seen[SM_RRULE_MAX_SETPOS];
	int n = 0;
	for (int i = 0; i < e->nbysetpos; i++) {
		int64_t sp = e->bysetpos[i];
		int64_t idx = sp > 0 ? sp - 1 : total + sp;
		if (idx < 0 || idx >= total)
			continue;
		int dup = 0;
		for (int k = 0; k < n; k++)
			dup |= seen[k] == idx;
		if (!dup)
			seen[n++] = (int32_t)idx;
	}
	return n;
}

/* Does a sub-day unit starting at civil second b pass BYHOUR, BYMINUTE
 * and BYSECOND (as far as they limit at the rule's FREQ)? */
static int
subday_time_matches(const struct sm_rrule *e, sm_time b)
{
	sm_time in_day = b - sm_civil_day_of(b) * SM_DAY;
	int h = (int)(in_day / 3600), mi = (int)(in_day / 60 % 60),
	    s = (int)(in_day % 60);
	if ((e->present & SM_BY_HOUR) && !((e->byhour >> h) & 1))
		return 0;
	if (e->freq <= SM_FREQ_MINUTELY && (e->present & SM_BY_MINUTE) &&
	    !((e->byminute >> mi) & 1))
		return 0;
	if (e->freq == SM_FREQ_SECONDLY && (e->present & SM_BY_SECOND) &&
	    !((e->bysecond >> s) & 1))
		return 0;
	return 1;
}

static int64_t
gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* Days a sub-day rule's grid takes to come back to the same times of day;
 * beyond this, counting by days is not worth its table. */
#define MAX_CYCLE_DAYS 1024

/*
 * A rule finer than DAILY: counts whole days before t's.  The units of a
 * day that pass the time filters are the same every cycle of days (the
 * grid of periods comes back to the same times of day), so each day that
 * passes the day filters adds its cycle position's count.  The day of the
 * position (and DTSTART's) is stepped first, instance by instance.
 */
static void
count_days(struct sm_rrule_iter *it, sm_time t)
{
	const struct sm_rrule *e = &it->eff;
	sm_time unit = unit_seconds(e->freq);
	int64_t grid = (int64_t)e->interval * unit;
	int64_t cycle = grid / gcd64(grid, SM_DAY);
	if (cycle > MAX_CYCLE_DAYS)
		return;
	/* Step to the first instance of a day after DTSTART's and the
	 * current one, keeping it back. */
	sm_time base;
	int nd;
	period_first_day(it, it->period, &base, &nd);
	int64_t first_day = sm_civil_day_of(base);
	if (first_day < sm_civil_day_of(it->dtstart))
		first_day = sm_civil_day_of(it->dtstart);
	sm_time x;
	for (;;) {
		struct sm_rrule_iter saved = *it;
		if (!sm_rrule_iter_next(it, &x))
			return;
		if (x >= t || sm_civil_day_of(x) > first_day) {
			*it = saved;
			break;
		}
	}
	if (x >= t)
		return;
	int64_t day = sm_civil_day_of(x), end = sm_civil_day_of(t);
	if (day >= end)
		return;
	/* Counts per position in the cycle, from the grid's first day. */
	sm_time origin = floor_div64(it->dtstart, unit) * unit;
	int64_t ref = sm_civil_day_of(origin);
	int64_t per = subday_per_period(it);
	int64_t counts[MAX_CYCLE_DAYS];
	for (int64_t k = 0; k < cycle; k++) {
		sm_time d0 = (ref + k) * SM_DAY;
		sm_time b = origin + ceil_div64(d0 - origin, grid) * grid;
		counts[k] = 0;
		for (; b < d0 + SM_DAY; b += grid)
			counts[k] += subday_time_matches(e, b) ? per : 0;
	}
	const struct sm_rrule *r = it->rule;
	for (; day < end; day++) {
		if (day - it->last_hit_day > SILENCE_DAYS)
			break;
		if (!day_matches(e, day))
			continue;
		int64_t c = counts[(day - ref) % cycle];
		if (c == 0)
			continue;
		if (it->emitted + c >= r->count)
			break;
		/* UNTIL: counted days end two days before it (a UTC UNTIL
		 * is an instant, its local day within one of it). */
		if (r->until_kind != SM_UNTIL_NONE &&
		    day + 2 >= sm_civil_day_of(r->until))
			break;
		it->emitted += (int)c;
		it->last_hit_day = day;
	}
	it->period = subday_period_at(it, day * SM_DAY);
	it->loaded = 0;
}

/*
 * DAILY and coarser: counts whole periods before t, each by its instance
 * set, without making every instance.
 */
static void
count_periods(struct sm_rrule_iter *it, sm_time t)
{
	const struct sm_rrule *r = it->rule;
	while (!it->done && !(it->loaded && it->pos != 0)) {
		if (!it->loaded && load_period(it) < 0) {
			it->done = 1;
			return;
		}
		int setpos = (it->eff.present & SM_BY_SETPOS) != 0;
		int64_t fi = setpos ? it->setpos_idx[0] : 0;
		int64_t li =
			setpos ? it->setpos_idx[it->npos - 1] : it->npos - 1;
		sm_time a = instance_at(it, fi), b = instance_at(it, li);
		if (b >= t || a < it->dtstart ||
		    it->emitted + it->npos >= r->count ||
		    (r->until_kind != SM_UNTIL_NONE && past_until(it, b)))
			return; /* stepped instance by instance */
		it->emitted += (int)it->npos;
		it->last_hit_day = sm_civil_day_of(b);
		it->period++;
		it->loaded = 0;
	}
}

static void
count_ahead(struct sm_rrule_iter *it, sm_time t)
{
	if (it->loaded && it->pos >= it->npos) {
		/* The period is used up: start at the next one. */
		it->period++;
		it->loaded = 0;
	}
	if (it->eff.freq >= SM_FREQ_DAILY)
		count_periods(it, t);
	else
		count_days(it, t);
}

void
sm_rrule_iter_skip_to(struct sm_rrule_iter *it, sm_time t)
{
	if (it->done)
		return;
	if (it->has_back) {
		if (it->back >= t)
			return;
		it->has_back = 0;
	}
	if (!it->rule->count && t > it->dtstart) {
		const struct sm_rrule *e = &it->eff;
		int64_t d0 = sm_civil_day_of(it->dtstart);
		int64_t dt = sm_civil_day_of(t);
		int y0, m0, dd0, y, m, d;
		sm_civil_ymd(d0, &y0, &m0, &dd0);
		sm_civil_ymd(dt, &y, &m, &d);
		int64_t p;
		switch (e->freq) {
		case SM_FREQ_YEARLY:
			if (e->present & SM_BY_WEEKNO)
				p = floor_div64(
					week_year_of(dt, e->wkst) -
						week_year_of(d0, e->wkst),
					e->interval);
			else
				p = floor_div64(y - y0, e->interval);
			break;
		case SM_FREQ_MONTHLY:
			p = floor_div64((int64_t)(y - y0) * 12 + (m - m0),
					e->interval);
			break;
		case SM_FREQ_WEEKLY: {
			int64_t w0 =
				d0 - (sm_civil_weekday(d0) - e->wkst + 7) % 7;
			p = floor_div64(dt - w0, 7 * (int64_t)e->interval);
			break;
		}
		case SM_FREQ_DAILY:
			p = floor_div64(dt - d0, e->interval);
			break;
		default:
			p = subday_period_at(it, t) - 1;
			break;
		}
		if (p > it->period) {
			it->period = p;
			it->loaded = 0;
			it->last_hit_day = dt;
		}
	}
	if (it->rule->count && !it->has_back)
		count_ahead(it, t);
	/* Step to the first instance at or after t, and keep it back. */
	sm_time x;
	while (sm_rrule_iter_next(it, &x))
		if (x >= t) {
			it->back = x;
			it->has_back = 1;
			return;
		}
}
