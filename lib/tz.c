/*
 * tz: transition tables.  Offsets are looked up by binary search; local
 * times are resolved by trying the offsets in force a day before and a day
 * after, which is exact as long as a zone does not change twice within two
 * days (no zone in the tz database does).
 */
#include "tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Onsets one observance may generate: 4 a year from 1600 to the horizon. */
#define MAX_ONSETS 2400

struct trans_vec {
	struct sm_tz_transition *v;
	size_t n, cap;
};

static int
push(struct trans_vec *tv, sm_time at, int offset)
{
	if (tv->n == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 64;
		void *p = realloc(tv->v, cap * sizeof(*tv->v));
		if (!p)
			return -1;
		tv->v = p;
		tv->cap = cap;
	}
	tv->v[tv->n].at = at;
	tv->v[tv->n].offset = offset;
	tv->n++;
	return 0;
}

static int
cmp_trans(const void *a, const void *b)
{
	const struct sm_tz_transition *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

static char *
dup_name(const char *name)
{
	return strdup(name ? name : "");
}

struct sm_tz *
sm_tz_new_fixed(const char *name, int offset)
{
	struct sm_tz *tz = calloc(1, sizeof(*tz));
	if (!tz)
		return NULL;
	tz->name = dup_name(name);
	if (!tz->name) {
		free(tz);
		return NULL;
	}
	tz->initial_offset = offset;
	tz->covered_from = SM_TIME_MIN;
	tz->covered_until = SM_TIME_MAX;
	return tz;
}

/* UNTIL=...Z of an observance rule compares instants: onset local time read
 * in the observance's offset_from. */
static sm_time
onset_instant(void *ctx, sm_time local)
{
	const struct sm_tz_observance *o = ctx;
	return local - o->offset_from;
}

struct sm_tz *
sm_tz_new(const char *name, const struct sm_tz_observance *obs, int nobs)
{
	if (nobs <= 0)
		return NULL;
	struct trans_vec tv = {0};
	sm_time horizon =
		sm_civil_days(SM_TZ_HORIZON_YEAR, 1, 1) * (sm_time)SM_DAY;
	int err = 0;
	for (int i = 0; i < nobs && !err; i++) {
		const struct sm_tz_observance *o = &obs[i];
		err |= push(&tv, o->dtstart - o->offset_from, o->offset_to);
		for (int k = 0; k < o->nrdates && !err; k++)
			err |= push(&tv, o->rdates[k] - o->offset_from,
				    o->offset_to);
		if (o->rule) {
			struct sm_rrule_iter it;
			sm_rrule_iter_init(&it, o->rule, o->dtstart, 0,
					   onset_instant, (void *)(uintptr_t)o);
			/* Zone rules change a few times a year; a rule that
			 * yields more (FREQ=MINUTELY in a broken file) is cut
			 * short rather than filling memory. */
			sm_time t;
			int left = MAX_ONSETS;
			while (!err && left-- > 0 &&
			       sm_rrule_iter_next(&it, &t) && t < horizon)
				err |= push(&tv, t - o->offset_from,
					    o->offset_to);
		}
	}
	struct sm_tz *tz = err ? NULL : calloc(1, sizeof(*tz));
	if (!tz || !(tz->name = dup_name(name))) {
		free(tz);
		free(tv.v);
		return NULL;
	}
	qsort(tv.v, tv.n, sizeof(*tv.v), cmp_trans);
	/* The offset before the first onset is that observance's "from". */
	tz->initial_offset = obs[0].offset_from;
	sm_time first = SM_TIME_MAX;
	for (int i = 0; i < nobs; i++) {
		sm_time at = obs[i].dtstart - obs[i].offset_from;
		if (at < first) {
			first = at;
			tz->initial_offset = obs[i].offset_from;
		}
	}
	tz->covered_from = first;
	/* Without an open-ended rule, the zone says nothing past its last
	 * onset. */
	tz->covered_until = tv.n ? tv.v[tv.n - 1].at : first;
	for (int i = 0; i < nobs; i++)
		if (obs[i].rule && !obs[i].rule->count &&
		    obs[i].rule->until_kind == SM_UNTIL_NONE)
			tz->covered_until = SM_TIME_MAX;
	/* Drop transitions that change nothing or repeat an instant. */
	size_t w = 0;
	int cur = tz->initial_offset;
	for (size_t r = 0; r < tv.n; r++) {
		if (w > 0 && tv.v[w - 1].at == tv.v[r].at) {
			tv.v[w - 1] = tv.v[r];
			cur = tv.v[r].offset;
			continue;
		}
		if (tv.v[r].offset == cur)
			continue;
		tv.v[w++] = tv.v[r];
		cur = tv.v[r].offset;
	}
	tz->trans = tv.v;
	tz->ntrans = w;
	return tz;
}

struct sm_tz *
sm_tz_new_spliced(const struct sm_tz *outer, const struct sm_tz *inner)
{
	struct trans_vec tv = {0};
	sm_time from = inner->covered_from, until = inner->covered_until;
	int err = 0;
	for (size_t i = 0; i < outer->ntrans && outer->trans[i].at < from; i++)
		err |= push(&tv, outer->trans[i].at, outer->trans[i].offset);
	if (from != SM_TIME_MIN)
		err |= push(&tv, from, sm_tz_offset_at(inner, from));
	for (size_t i = 0; i < inner->ntrans; i++)
		if (inner->trans[i].at > from && inner->trans[i].at <= until)
			err |= push(&tv, inner->trans[i].at,
				    inner->trans[i].offset);
	if (until != SM_TIME_MAX)
		err |= push(&tv, until + 1, sm_tz_offset_at(outer, until + 1));
	for (size_t i = 0; i < outer->ntrans && until != SM_TIME_MAX; i++)
		if (outer->trans[i].at > until + 1)
			err |= push(&tv, outer->trans[i].at,
				    outer->trans[i].offset);
	struct sm_tz *tz = err ? NULL : calloc(1, sizeof(*tz));
	if (!tz || !(tz->name = dup_name(inner->name))) {
		free(tz);
		free(tv.v);
		return NULL;
	}
	tz->initial_offset = from == SM_TIME_MIN ? inner->initial_offset
						 : outer->initial_offset;
	tz->covered_from = outer->covered_from;
	tz->covered_until = outer->covered_until;
	tz->trans = tv.v;
	tz->ntrans = tv.n;
	return tz;
}

/* ---------------------------------------------------------------------
 * TZif (RFC 8536) and POSIX TZ rules.
 */

static int64_t
be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | (uint32_t)be32(p + 4));
}

/* A POSIX TZ rule date: Jn, n or Mm.w.d, with a time of day. */
struct posix_date {
	char kind; /* 'J', 'n' or 'M' */
	int a, b, c;
	int secs; /* time of day, may be negative or past 24 h */
};

struct posix_tz {
	int std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	struct posix_date start, end;
};

static const char *
posix_name(const char *p)
{
	if (*p == '<') {
		const char *q = strchr(p, '>');
		return q ? q + 1 : NULL;
	}
	const char *q = p;
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; returns the end or NULL. */
static const char *
posix_hms(const char *p, int *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	int v[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p)) {
			v[i] = v[i] * 10 + (*p++ - '0');
			if (v[i] > 999) /* POSIX allows hours up to 167 */
				return NULL;
		}
	}
	if (v[0] > 167 || v[1] > 59 || v[2] > 59)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *
posix_date_parse(const char *p, struct posix_date *d)
{
	d->secs = 7200;
	if (*p == 'M') {
		d->kind = 'M';
		if (sscanf(p + 1, "%d.%d.%d", &d->a, &d->b, &d->c) != 3 ||
		    d->a < 1 || d->a > 12 || d->b < 1 || d->b > 5 || d->c < 0 ||
		    d->c > 6)
			return NULL;
		p++;
		while (isdigit((unsigned char)*p) || *p == '.')
			p++;
	} else {
		d->kind = *p == 'J' ? 'J' : 'n';
		if (*p == 'J')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		d->a = 0;
		while (isdigit((unsigned char)*p)) {
			d->a = d->a * 10 + (*p++ - '0');
			if (d->a > 365)
				return NULL;
		}
		if (d->kind == 'J' && d->a < 1)
			return NULL;
	}
	if (*p == '/')
		p = posix_hms(p + 1, &d->secs);
	return p;
}

static int
posix_parse(const char *s, struct posix_tz *tz)
{
	memset(tz, 0, sizeof(*tz));
	const char *p = posix_name(s);
	int off;
	if (!p || !(p = posix_hms(p, &off)))
		return -1;
	tz->std_off = -off; /* POSIX counts west of UTC */
	if (*p == '\0')
		return 0;
	if (!(p = posix_name(p)))
		return -1;
	tz->has_dst = 1;
	tz->dst_off = tz->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = posix_hms(p, &off)))
			return -1;
		tz->dst_off = -off;
	}
	if (*p == '\0') { /* no rule: the US rules are POSIX's default */
		tz->start = (struct posix_date){'M', 3, 2, 0, 7200};
		tz->end = (struct posix_date){'M', 11, 1, 0, 7200};
		return 0;
	}
	if (*p++ != ',' || !(p = posix_date_parse(p, &tz->start)) ||
	    *p++ != ',' || !(p = posix_date_parse(p, &tz->end)))
		return -1;
	return *p == '\0' ? 0 : -1;
}

/* Day number of a rule date in a year. */
static int64_t
posix_day(const struct posix_date *d, int year)
{
	int64_t jan1 = sm_civil_days(year, 1, 1);
	switch (d->kind) {
	case 'J': { /* 1..365, February 29 never counted */
		int64_t day = jan1 + d->a - 1;
		if (sm_civil_is_leap(year) && d->a >= 60)
			day++;
		return day;
	}
	case 'n':
		return jan1 + d->a;
	default: {
		int64_t first = sm_civil_days(year, d->a, 1);
		/* sm_civil_weekday: 0 = Monday; POSIX d: 0 = Sunday. */
		int wd = (sm_civil_weekday(first) + 1) % 7;
		int64_t day = first + (d->c - wd + 7) % 7 + (d->b - 1) * 7;
		int64_t next = sm_civil_days(d->a == 12 ? year + 1 : year,
					     d->a == 12 ? 1 : d->a + 1, 1);
		while (day >= next)
			day -= 7;
		return day;
	}
	}
}

static int
posix_extend(struct trans_vec *tv, const struct posix_tz *p, sm_time after,
	     int from_year)
{
	if (!p->has_dst)
		return 0;
	for (int y = from_year; y < SM_TZ_HORIZON_YEAR; y++) {
		sm_time on = posix_day(&p->start, y) * SM_DAY + p->start.secs -
			     p->std_off;
		sm_time off = posix_day(&p->end, y) * SM_DAY + p->end.secs -
			      p->dst_off;
		sm_time first = on < off ? on : off;
		sm_time second = on < off ? off : on;
		int first_off = on < off ? p->dst_off : p->std_off;
		int second_off = on < off ? p->std_off : p->dst_off;
		if (first > after && push(tv, first, first_off) < 0)
			return -1;
		if (second > after && push(tv, second, second_off) < 0)
			return -1;
	}
	return 0;
}

struct sm_tz *
sm_tz_new_tzif(const char *name, const void *data, size_t len)
{
	const unsigned char *d = data, *end = d + len;
	if (len < 44 || memcmp(d, "TZif", 4) != 0)
		return NULL;
	int version = d[4] ? d[4] - '0' : 1;
	int64_t cnt[6];
	for (int i = 0; i < 6; i++)
		cnt[i] = be32(d + 20 + 4 * i);
	for (int i = 0; i < 6; i++)
		if (cnt[i] < 0 || cnt[i] > 100000)
			return NULL;
	/* cnt: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	size_t v1 = (size_t)(cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 +
			     cnt[1] + cnt[0]);
	const unsigned char *h = d;
	int tsize = 4;
	if (version >= 2) {
		h = d + 44 + v1;
		if (h + 44 > end || memcmp(h, "TZif", 4) != 0)
			return NULL;
		for (int i = 0; i < 6; i++)
			cnt[i] = be32(h + 20 + 4 * i);
		for (int i = 0; i < 6; i++)
			if (cnt[i] < 0 || cnt[i] > 100000)
				return NULL;
		tsize = 8;
	}
	int64_t timecnt = cnt[3], typecnt = cnt[4];
	const unsigned char *times = h + 44;
	const unsigned char *idx = times + timecnt * tsize;
	const unsigned char *types = idx + timecnt;
	const unsigned char *after = types + typecnt * 6 + cnt[5] +
				     cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
	if (typecnt < 1 || after > end)
		return NULL;
	struct trans_vec tv = {0};
	sm_time last = SM_TIME_MIN;
	for (int64_t i = 0; i < timecnt; i++) {
		unsigned t = idx[i];
		if (t >= typecnt) {
			free(tv.v);
			return NULL;
		}
		sm_time at =
			tsize == 8 ? be64(times + i * 8) : be32(times + i * 4);
		if (push(&tv, at, (int)be32(types + t * 6)) < 0) {
			free(tv.v);
			return NULL;
		}
		last = at;
	}
	/* The footer's rule continues past the last transition. */
	if (version >= 2 && after < end && *after == '\n') {
		const unsigned char *nl =
			memchr(after + 1, '\n', (size_t)(end - after - 1));
		char rule[128];
		size_t rl = nl ? (size_t)(nl - after - 1) : 0;
		struct posix_tz ptz;
		if (nl && rl > 0 && rl < sizeof(rule)) {
			memcpy(rule, after + 1, rl);
			rule[rl] = '\0';
			if (posix_parse(rule, &ptz) == 0) {
				/* A crafted file may put its last transition
				 * anywhere: the rule is only needed for the
				 * years smcal can schedule. */
				int year = 1970;
				sm_time lo = sm_civil_days(1800, 1, 1) * SM_DAY;
				sm_time hi = sm_civil_days(SM_TZ_HORIZON_YEAR,
							   1, 1) *
					     SM_DAY;
				if (last != SM_TIME_MIN && last < lo)
					year = 1800;
				else if (last > hi)
					year = SM_TZ_HORIZON_YEAR;
				else if (last != SM_TIME_MIN) {
					int m, dd;
					sm_civil_ymd(sm_civil_day_of(last),
						     &year, &m, &dd);
				}
				if (posix_extend(&tv, &ptz, last, year) < 0) {
					free(tv.v);
					return NULL;
				}
				if (!ptz.has_dst &&
				    push(&tv,
					 last == SM_TIME_MIN ? SM_TIME_MIN
							     : last,
					 ptz.std_off) < 0) {
					free(tv.v);
					return NULL;
				}
			}
		}
	}
	struct sm_tz *tz = calloc(1, sizeof(*tz));
	if (!tz || !(tz->name = dup_name(name))) {
		free(tz);
		free(tv.v);
		return NULL;
	}
	/* RFC 8536: before the first transition, time type 0 applies. */
	tz->initial_offset = (int)be32(types);
	tz->covered_from = SM_TIME_MIN;
	tz->covered_until = SM_TIME_MAX;
	qsort(tv.v, tv.n, sizeof(*tv.v), cmp_trans);
	size_t w = 0;
	for (size_t r = 0; r < tv.n; r++) {
		if (tv.v[r].at == SM_TIME_MIN) { /* a fixed rule, no changes */
			tz->initial_offset = tv.v[r].offset;
			continue;
		}
		if (w > 0 && tv.v[w - 1].at == tv.v[r].at) {
			tv.v[w - 1] = tv.v[r];
			continue;
		}
		tv.v[w++] = tv.v[r];
	}
	tz->trans = tv.v;
	tz->ntrans = w;
	return tz;
}

void
sm_tz_free(struct sm_tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz);
}

int
sm_tz_offset_at(const struct sm_tz *tz, sm_time utc)
{
	size_t lo = 0, hi = tz->ntrans;
	/* Find the number of transitions at or before utc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid].at <= utc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? tz->initial_offset : tz->trans[lo - 1].offset;
}

sm_time
sm_tz_resolve(const struct sm_tz *tz, sm_time local)
{
	int before = sm_tz_offset_at(tz, local - SM_DAY);
	int after = sm_tz_offset_at(tz, local + SM_DAY);
	sm_time ua = local - before, ub = local - after;
	int va = sm_tz_offset_at(tz, ua) == before;
	int vb = sm_tz_offset_at(tz, ub) == after;
	if (va && vb)
		return ua < ub ? ua : ub; /* overlap: the first occurrence */
	if (va)
		return ua;
	if (vb)
		return ub;
	return ua; /* gap: the offset before it */
}

sm_time
sm_tz_to_local(const struct sm_tz *tz, sm_time utc)
{
	return utc + sm_tz_offset_at(tz, utc);
}

sm_time
sm_tz_spread(const struct sm_tz *tz, sm_time from, sm_time to)
{
	/* The first transition after from; the offset before it is in force
	 * at from. */
	size_t lo = 0, hi = tz->ntrans;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid].at <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	int first = lo == 0 ? tz->initial_offset : tz->trans[lo - 1].offset;
	int min = first, max = first;
	for (size_t i = lo; i < tz->ntrans && tz->trans[i].at <= to; i++) {
		if (tz->trans[i].offset < min)
			min = tz->trans[i].offset;
		if (tz->trans[i].offset > max)
			max = tz->trans[i].offset;
	}
	return (sm_time)max - min;
}

char *
sm_tz_format(const struct sm_tz *tz, int64_t ms, int frac, char *buf,
	     size_t len)
{
	/* Floor division: an instant before 1970 has a positive fraction. */
	sm_time t = ms / 1000;
	int milli = (int)(ms % 1000);
	if (milli < 0) {
		milli += 1000;
		t--;
	}
	/* RFC 3339 offsets are whole minutes: the seconds of an old LMT
	 * offset are dropped from the offset and from the local time alike,
	 * so the text still names the exact instant. */
	int off = tz ? sm_tz_offset_at(tz, t) / 60 * 60 : 0;
	struct sm_civil c;
	sm_civil_split(t + off, &c);
	char zone[8] = "Z";
	if (off != 0) {
		int a = off < 0 ? -off : off;
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
			 a / 3600 % 100, a / 60 % 60);
	}
	char fr[8] = "";
	if (frac)
		snprintf(fr, sizeof(fr), ".%03d", milli);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", c.year, c.month,
		 c.day, c.hour, c.minute, c.second, fr, zone);
	return buf;
}
