/*
 * queued: queued posts in memory, their series in the scheduler, and the
 * group commit of adds (see queued.h).
 *
 * A post in memory is one allocation for the struct and one for its
 * strings (the platform pointers first, then every string), found by id in
 * a chained hash table and linked in a list for the scans slots need.
 *
 * Group commit: queued_submit appends to the iteration's list and starts a
 * check handle (run after the iteration's reads) and an idle handle (so the
 * loop does not block in poll before the check when a submission came from
 * a callback of another phase, such as a write completion that let a
 * pipelined call in).  The check commits the whole list in one transaction
 * after the deliverer's own open transaction (whose commit would otherwise
 * be ours, nested).  When that transaction fails, every submission is
 * tried again alone, so that one that cannot be stored never takes the
 * others with it.
 */
#include "queued.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

#define MIN_BUCKETS 1024

/* A platform's publish instants: those of the posts in memory (at), and
 * those submitted and not committed yet (pending), each sorted with
 * duplicates kept.  A commit merges its pending instants into at in one
 * pass, so a burst of adds costs O(n + k), not k insertions. */
struct queued_index {
	char name[65]; /* lower case */
	sm_time *at;
	size_t n, cap;
	sm_time *pending;
	size_t npending, cappending;
};

struct queued_submission {
	struct sm_queue_post *posts;
	size_t n;
	queued_done_fn fn;
	void *ctx;
	int rc;
	char error[512];
	struct queued_submission *next;
};

/*
 * Where a post's events start: a load's start (from), but never before the
 * post existed, unless its publish time is earlier (added with
 * allow_past: its post.due still fires late, or is recorded as missed).
 * A post queued at 10:00 for 11:00 gets no "1 day before" reminder, late
 * or missed: there was never a moment it could have fired.
 */
static sm_time
post_from(const struct queued_post *e, sm_time from)
{
	sm_time born = e->created < e->post.start.civil ? e->created
							: e->post.start.civil;
	return born > from ? born : from;
}

static sm_time
wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (sm_time)ts.tv_sec;
}

static uint64_t
hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void
rehash(struct queued *q, size_t nbuckets)
{
	struct queued_post **b = calloc(nbuckets, sizeof(*b));
	if (!b)
		abort();
	for (struct queued_post *e = q->all; e; e = e->next) {
		size_t i = hash_id(e->post.uid) & (nbuckets - 1);
		e->hnext = b[i];
		b[i] = e;
	}
	free(q->buckets);
	q->buckets = b;
	q->nbuckets = nbuckets;
}

struct queued_post *
queued_find(const struct queued *q, const char *id)
{
	if (!q->nbuckets || !id)
		return NULL;
	for (struct queued_post *e =
		     q->buckets[hash_id(id) & (q->nbuckets - 1)];
	     e; e = e->hnext)
		if (strcmp(e->post.uid, id) == 0)
			return e;
	return NULL;
}

/* Copies s to *p and moves *p past it; NULL stays NULL. */
static const char *
pack(char **p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	memcpy(*p, s, n);
	const char *r = *p;
	*p += n;
	return r;
}

/* A post in memory for a stored queued post: its strings copied into one
 * block, the post model of sm_queue_to_post, a series of its own. */
static struct queued_post *
post_new(const struct sm_queue_post *qp)
{
	const char *texts[] = {qp->id,	    qp->title,	  qp->body, qp->type,
			       qp->persona, qp->campaign, qp->url};
	size_t np = qp->nplatforms > 0 ? (size_t)qp->nplatforms : 0;
	size_t size = np * sizeof(char *);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		size += texts[i] ? strlen(texts[i]) + 1 : 0;
	for (size_t i = 0; i < np; i++)
		size += strlen(qp->platforms[i]) + 1;
	struct queued_post *e = calloc(1, sizeof(*e));
	if (!e || !(e->block = malloc(size ? size : 1)))
		abort();
	const char **plats = (const char **)(void *)e->block;
	char *p = e->block + np * sizeof(char *);
	struct sm_post *post = &e->post;
	post->uid = pack(&p, qp->id);
	post->title = pack(&p, qp->title);
	post->body = pack(&p, qp->body);
	post->type = pack(&p, qp->type);
	post->persona = pack(&p, qp->persona);
	post->campaign = pack(&p, qp->campaign);
	post->url = pack(&p, qp->url);
	for (size_t i = 0; i < np; i++)
		plats[i] = pack(&p, qp->platforms[i]);
	post->platforms = np ? plats : NULL;
	post->nplatforms = (int)np;
	post->start.civil = qp->publish_at;
	post->start.kind = SM_DT_UTC;
	post->status = qp->draft ? SM_POST_DRAFT : SM_POST_SCHEDULED;
	post->sequence = qp->revision > 1 ? (int)(qp->revision - 1) : 0;
	post->file = SM_CONFIG_QUEUE_CALENDAR;
	e->draft = qp->draft != 0;
	e->created = qp->created_at;
	e->series.master = post;
	e->series.calendar = SM_CONFIG_QUEUE_CALENDAR;
	e->handle = QUEUED_UNSCHEDULED;
	return e;
}

static void
post_free(struct queued_post *e)
{
	if (!e)
		return;
	free(e->block);
	free(e);
}

static struct queued_index *
index_of(const struct queued *q, const char *platform, int create)
{
	for (size_t i = 0; i < q->nindex; i++)
		if (strcasecmp(q->index[i].name, platform) == 0)
			return &q->index[i];
	if (!create)
		return NULL;
	struct queued *mq = (struct queued *)(uintptr_t)q;
	mq->index = realloc(mq->index, (mq->nindex + 1) * sizeof(*mq->index));
	if (!mq->index)
		abort();
	struct queued_index *x = &mq->index[mq->nindex++];
	memset(x, 0, sizeof(*x));
	size_t k = 0;
	for (; platform[k] && k + 1 < sizeof(x->name); k++)
		x->name[k] = (char)tolower((unsigned char)platform[k]);
	x->name[k] = '\0';
	return x;
}

/* The first position whose instant is >= t. */
static size_t
lower_bound(const sm_time *v, size_t n, sm_time t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Inserts t in a sorted array (at the end when it comes last: a load in
 * publish order appends). */
static void
sorted_insert(sm_time **v, size_t *n, size_t *cap, sm_time t)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = realloc(*v, *cap * sizeof(**v));
		if (!*v)
			abort();
	}
	size_t k = *n && (*v)[*n - 1] <= t ? *n : lower_bound(*v, *n, t);
	memmove(*v + k + 1, *v + k, (*n - k) * sizeof(**v));
	(*v)[k] = t;
	(*n)++;
}

static void
index_add(struct queued *q, const struct sm_post *p)
{
	for (int i = 0; i < p->nplatforms; i++) {
		struct queued_index *x = index_of(q, p->platforms[i], 1);
		sorted_insert(&x->at, &x->n, &x->cap, p->start.civil);
	}
}

/* A submitted post's instants, taken from now on (slots, guardrails). */
static void
index_pend(struct queued *q, const struct sm_queue_post *qp)
{
	for (int i = 0; i < qp->nplatforms; i++) {
		struct queued_index *x = index_of(q, qp->platforms[i], 1);
		sorted_insert(&x->pending, &x->npending, &x->cappending,
			      qp->publish_at);
	}
}

/* Merges every platform's pending instants into its committed ones. */
static void
index_commit(struct queued *q)
{
	for (size_t i = 0; i < q->nindex; i++) {
		struct queued_index *x = &q->index[i];
		if (!x->npending)
			continue;
		size_t n = x->n + x->npending;
		sm_time *v = malloc((n > x->cap ? n : x->cap) * sizeof(*v));
		if (!v)
			abort();
		size_t a = 0, b = 0, k = 0;
		while (a < x->n || b < x->npending)
			v[k++] = b == x->npending || (a < x->n &&
						      x->at[a] <= x->pending[b])
					 ? x->at[a++]
					 : x->pending[b++];
		free(x->at);
		x->at = v;
		x->cap = n > x->cap ? n : x->cap;
		x->n = n;
		x->npending = 0;
	}
}

/* Drops every platform's pending instants. */
static void
index_unpend(struct queued *q)
{
	for (size_t i = 0; i < q->nindex; i++)
		q->index[i].npending = 0;
}

static void
index_remove(struct queued *q, const struct sm_post *p)
{
	for (int i = 0; i < p->nplatforms; i++) {
		struct queued_index *x = index_of(q, p->platforms[i], 0);
		if (!x)
			continue;
		size_t k = lower_bound(x->at, x->n, p->start.civil);
		if (k < x->n && x->at[k] == p->start.civil) {
			memmove(x->at + k, x->at + k + 1,
				(x->n - k - 1) * sizeof(*x->at));
			x->n--;
		}
	}
}

/* Puts a post in memory (replacing one with its id); indexed: its
 * instants are added to the platform index (not when a commit merges
 * them). */
static struct queued_post *
insert(struct queued *q, const struct sm_queue_post *qp, int indexed)
{
	struct queued_post *old = queued_find(q, qp->id);
	if (old)
		queued_remove(q, qp->id);
	if (q->n + 1 > q->nbuckets)
		rehash(q, q->nbuckets ? q->nbuckets * 2 : MIN_BUCKETS);
	struct queued_post *e = post_new(qp);
	size_t i = hash_id(e->post.uid) & (q->nbuckets - 1);
	e->hnext = q->buckets[i];
	q->buckets[i] = e;
	e->next = q->all;
	if (q->all)
		q->all->prev = e;
	q->all = e;
	q->n++;
	if (indexed)
		index_add(q, &e->post);
	return e;
}

void
queued_remove(struct queued *q, const char *id)
{
	struct queued_post *e = queued_find(q, id);
	if (!e)
		return;
	struct sm_sched *s = *q->host.sched;
	if (s && e->handle != QUEUED_UNSCHEDULED)
		sm_sched_remove(s, e->handle);
	struct queued_post **pp = &q->buckets[hash_id(id) & (q->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		q->all = e->next;
	if (e->next)
		e->next->prev = e->prev;
	q->n--;
	index_remove(q, &e->post);
	post_free(e);
}

int
queued_each_series(const struct queued *q,
		   int (*fn)(void *ctx, const struct sm_series *s), void *ctx)
{
	for (const struct queued_post *e = q->all; e; e = e->next) {
		int rc = fn(ctx, &e->series);
		if (rc)
			return rc;
	}
	return 0;
}

sm_time
queued_from(const struct queued *q, sm_time now)
{
	const struct world *w = *q->host.world;
	sm_time catchup = w ? w->cfg->catchup : 0;
	return sm_sched_load_from(now, catchup, *q->host.processed_until + 1);
}

void
queued_schedule(struct queued *q, struct sm_sched *s, sm_time from)
{
	q->generation++;
	for (struct queued_post *e = q->all; e; e = e->next)
		e->handle = sm_sched_add(s, &e->series, post_from(e, from));
}

void
queued_world_changed(struct queued *q)
{
	q->generation++;
}

static int
load_one(void *ctx, const struct sm_queue_post *qp)
{
	insert(ctx, qp, 1);
	return 0;
}

long
queued_load(struct queued *q)
{
	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	f.states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
	return sm_queue_list(*q->host.store, &f, load_one, q);
}

/* The values of sorted v in [from, to): *start and *len. */
static void
take_range(const sm_time *v, size_t n, sm_time from, sm_time to,
	   const sm_time **start, size_t *len)
{
	if (n == 0) {
		*start = v;
		*len = 0;
		return;
	}
	size_t lo = lower_bound(v, n, from), hi = lower_bound(v, n, to);
	*start = v + lo;
	*len = hi > lo ? hi - lo : 0;
}

void
queued_instants(const struct queued *q, const char *platform, sm_time from,
		sm_time to, sm_time **out, size_t *n)
{
	const struct queued_index *x = index_of(q, platform, 0);
	const sm_time *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	if (x) {
		take_range(x->at, x->n, from, to, &a, &na);
		take_range(x->pending, x->npending, from, to, &b, &nb);
	}
	sm_time *v = malloc((na + nb + 1) * sizeof(*v));
	if (!v)
		abort();
	size_t i = 0, k = 0, m = 0;
	while (i < na || k < nb)
		v[m++] = k == nb || (i < na && a[i] <= b[k]) ? a[i++] : b[k++];
	*out = v;
	*n = m;
}

/* ---------------------------------------------------------------------
 * Group commit.
 */

static void on_check(uv_check_t *h);

static void
on_idle(uv_idle_t *h)
{
	(void)h; /* only keeps poll from blocking before the check */
}

void
queued_init(struct queued *q, uv_loop_t *loop, const struct queued_host *host)
{
	memset(q, 0, sizeof(*q));
	q->loop = loop;
	q->host = *host;
	uv_check_init(loop, &q->flush);
	uv_idle_init(loop, &q->idle);
	q->flush.data = q->idle.data = q;
	q->started = 1;
}

void
queued_submit(struct queued *q, struct sm_queue_post *posts, size_t n,
	      queued_done_fn fn, void *ctx)
{
	struct queued_submission *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->posts = posts;
	s->n = n;
	s->fn = fn;
	s->ctx = ctx;
	if (q->tail)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
	q->pending += n;
	for (size_t i = 0; i < n; i++)
		index_pend(q, &posts[i]);
	if (q->stopped) {
		queued_flush(q);
		return;
	}
	uv_check_start(&q->flush, on_check);
	uv_idle_start(&q->idle, on_idle);
}

static void
on_check(uv_check_t *h)
{
	queued_flush(h->data);
}

/* Adds every submission's posts in one transaction: 0, or -1 (rolled
 * back). */
static int
add_together(struct sm_store *st, struct queued_submission *list, sm_time now)
{
	if (sm_store_begin(st) < 0)
		return -1;
	for (struct queued_submission *s = list; s; s = s->next)
		if (s->n && sm_queue_add(st, s->posts, s->n, now) < 0)
			return -1; /* rolled back by sm_queue_add */
	if (sm_store_commit(st) < 0) {
		sm_store_rollback(st);
		return -1;
	}
	return 0;
}

void
queued_flush(struct queued *q)
{
	struct queued_submission *list = q->head;
	q->head = q->tail = NULL;
	size_t pending = q->pending;
	q->pending = 0;
	if (q->started) {
		uv_check_stop(&q->flush);
		uv_idle_stop(&q->idle);
	}
	if (!list)
		return;
	struct sm_store *st = *q->host.store;
	sm_time now = wall_now();
	if (pending > 0) {
		/* The deliverer's writes of this iteration first: our commit
		 * must be the outermost one, the one that reaches the disk. */
		deliver_flush(q->host.deliver);
		if (add_together(st, list, now) < 0) {
			log_warning("queue: adding %zu post%s together: %s; "
				    "each request is tried alone",
				    pending, PLURAL(pending),
				    sm_store_error(st));
			for (struct queued_submission *s = list; s;
			     s = s->next) {
				if (s->n == 0)
					continue;
				s->rc = sm_queue_add(st, s->posts, s->n, now);
				if (s->rc < 0)
					snprintf(s->error, sizeof(s->error),
						 "%s", sm_store_error(st));
			}
		}
		q->commits++;
	}
	/* The instants of what was committed join the index in one pass:
	 * all of them, or (when a request failed alone) those of the others
	 * again. */
	int all_ok = 1;
	for (struct queued_submission *s = list; s; s = s->next)
		all_ok &= s->rc >= 0;
	if (!all_ok) {
		index_unpend(q);
		for (struct queued_submission *s = list; s; s = s->next)
			for (size_t i = 0; s->rc >= 0 && i < s->n; i++)
				index_pend(q, &s->posts[i]);
	}
	index_commit(q);
	/* Durable: into memory and the scheduler, then the answers. */
	size_t added = 0;
	struct sm_sched *sched = *q->host.sched;
	sm_time from = queued_from(q, now);
	for (struct queued_submission *s = list; s; s = s->next) {
		if (s->rc < 0)
			continue;
		for (size_t i = 0; i < s->n; i++) {
			struct queued_post *e = insert(q, &s->posts[i], 0);
			if (sched)
				e->handle = sm_sched_add(sched, &e->series,
							 post_from(e, from));
			added++;
		}
	}
	q->added += added;
	while (list) {
		struct queued_submission *s = list;
		list = s->next;
		s->fn(s->ctx, s->rc, s->rc < 0 ? s->error : NULL);
		free(s);
	}
	if (added > 0 && q->host.changed)
		q->host.changed(q->host.data);
}

static void
on_closed(uv_handle_t *h)
{
	(void)h;
}

void
queued_fini(struct queued *q)
{
	if (q->stopped)
		return;
	queued_flush(q);
	q->stopped = 1;
	if (q->started) {
		uv_close((uv_handle_t *)&q->flush, on_closed);
		uv_close((uv_handle_t *)&q->idle, on_closed);
	}
}

void
queued_free(struct queued *q)
{
	while (q->all) {
		struct queued_post *e = q->all;
		q->all = e->next;
		post_free(e);
	}
	free(q->buckets);
	q->buckets = NULL;
	q->nbuckets = q->n = 0;
	for (size_t i = 0; i < q->nindex; i++) {
		free(q->index[i].at);
		free(q->index[i].pending);
	}
	free(q->index);
	q->index = NULL;
	q->nindex = 0;
}
