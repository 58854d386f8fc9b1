/*
 * tz: transition tables.  Offsets are looked up by binary search; local
 * times are resolved by trying the offsets in force a day before and a day
 * after, which is exact as long as a zone does not change twice within two
 * days (no zone in the tz database does).
 */
#include "tz.h"

#include <stdlib.h>
#include <string.h>

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
			sm_time t;
			while (!err && sm_rrule_iter_next(&it, &t) &&
			       t < horizon)
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
	tz->initial_offset = outer->initial_offset;
	tz->covered_from = outer->covered_from;
	tz->covered_until = outer->covered_until;
	tz->trans = tv.v;
	tz->ntrans = tv.n;
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
