/*
 * method-posts: io.smcal.Posts (Add, AddMany, List, Get, Cancel, Done,
 * Next) and io.smcal.Export: the queue (lib/queue in the store, queued.c
 * in memory and in the scheduler) and the calendars' posts by occurrence.
 *
 * Times people type (`at`, `from`, `to`) are read here, where the
 * configured zone and the daemon's clock are (lib/when); so are bulk files
 * (lib/postfile), so that a file is checked against the configuration that
 * will schedule it.  Adds are batch calls (CONTROL_BATCH): each is checked
 * and given its time (a free slot, lib/slots, counting the posts of the
 * calendars, the queue and the adds not yet committed) at once, then
 * submitted to queued.c's group commit, which answers after the commit;
 * a refused add goes through the same queue, so that the replies of one
 * connection keep the order of its calls.  Cancel and Done commit the
 * deliverer's open writes first, so their own change is durable when the
 * caller hears of it.
 *
 * List and Next stream one Post per reply, written with lib/postview
 * (jsonw, not jansson: 100,000 posts in well under a second), many replies
 * per write.  The calendars' occurrences of a window are rendered when the
 * call starts (a reload may free the world before the stream ends); the
 * queue is read page by page on its (publish_at, id) index and merged in.
 */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ics.h"
#include "log.h"
#include "post.h"
#include "postfile.h"
#include "postview.h"
#include "queue.h"
#include "queued.h"
#include "slots.h"
#include "when.h"

#define LIST_DAYS 28
#define REPLIES_PER_TURN 512
#define QUEUE_PAGE 512
#define NEXT_DEFAULT 10
#define NEXT_STEPS 10000
#define EXPORT_PIECE (256 * 1024)
#define SLOT_HORIZON (92 * SM_DAY)
#define SLOT_HORIZON_MAX (40 * 366 * (sm_time)SM_DAY)
#define MAX_WARNINGS 100
#define MAX_PROBLEMS 200
#define MAX_NAMES 16
#define NAME_SIZE 65

/* The state a call works with, read once per call. */
struct ctx {
	struct control_call *call;
	const struct control_host *h;
	const struct world *w;
	const struct sm_config *cfg;
	const struct sm_tz *zone;
	struct sm_store *st;
	struct queued *q;
	sm_time now;
};

static void
ctx_init(struct control_call *call, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->call = call;
	c->h = &call->ctl->host;
	c->w = *c->h->world;
	c->cfg = c->w->cfg;
	c->zone = c->w->opts.zone;
	c->st = *c->h->store;
	c->q = c->h->queue;
	c->now = (sm_time)(control_now_ms() / 1000);
}

static const char *
arg_str(const struct control_call *call, int k)
{
	const struct sm_proto_value *v = &call->args[k];
	return v->set && v->s && *v->s ? v->s : NULL;
}

static int
arg_bool(const struct control_call *call, int k)
{
	return call->args[k].set && call->args[k].b;
}

static void
db_fail(struct ctx *c)
{
	control_fail(c->call, SM_PROTO_E_INTERNAL, NULL,
		     "the state database: %s", sm_store_error(c->st));
}

static void
bad_param(struct control_call *call, const char *param, const char *msg)
{
	control_fail(call, SM_PROTO_E_BAD_VALUE,
		     json_pack("{s:s}", "parameter", param), "%s", msg);
}

/* "a, b, c" of the configured platforms. */
static void
platform_names(const struct sm_config *cfg, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cfg->nplatforms && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "",
				      cfg->platforms[i].name);
	if (!cfg->nplatforms)
		snprintf(buf, len, "none (add a [platform:NAME] section)");
}

/* Checks a platform filter; 0, or -1 after replying. */
static int
check_platform(struct ctx *c, const char *name)
{
	if (!name || sm_config_platform(c->cfg, name))
		return 0;
	char list[1024], msg[1200];
	platform_names(c->cfg, list, sizeof(list));
	snprintf(msg, sizeof(msg),
		 "unknown platform \"%s\": the configured platforms are %s",
		 name, list);
	bad_param(c->call, "platform", msg);
	return -1;
}

/* Checks a calendar name ("queue" or a configured calendar); 0, or -1
 * after replying. */
static int
check_calendar(struct ctx *c, const char *name)
{
	if (!name || strcmp(name, SM_CONFIG_QUEUE_CALENDAR) == 0)
		return 0;
	for (size_t i = 0; i < c->cfg->ncalendars; i++)
		if (strcmp(c->cfg->calendars[i].name, name) == 0)
			return 0;
	char list[1024], msg[1200];
	size_t k = (size_t)snprintf(list, sizeof(list), "%s",
				    SM_CONFIG_QUEUE_CALENDAR);
	for (size_t i = 0; i < c->cfg->ncalendars && k < sizeof(list); i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, ", %s",
				      c->cfg->calendars[i].name);
	snprintf(msg, sizeof(msg),
		 "unknown calendar \"%s\": the calendars are %s", name, list);
	bad_param(c->call, "calendar", msg);
	return -1;
}

/* Reads a from/to bound in the configured zone; 0, or -1 after replying. */
static int
parse_bound(struct ctx *c, const char *param, const char *s,
	    enum sm_when_mode mode, sm_time *out)
{
	char err[512];
	if (sm_when_parse(s, mode, c->now, c->zone, out, err, sizeof(err)) == 0)
		return 0;
	bad_param(c->call, param, err);
	return -1;
}

/* ---------------------------------------------------------------------
 * Posts as Post objects.
 */

static const char *
series_uid(const struct sm_series *s, const struct sm_post *p)
{
	if (s->master)
		return s->master->uid;
	return p ? p->uid : s->noverrides ? s->overrides[0]->uid : "";
}

/* A series with more than one occurrence: naming one needs its
 * identity. */
static int
series_recurring(const struct sm_series *s)
{
	const struct sm_post *m = s->master;
	return m ? m->nrrules > 0 || m->nrdates > 0 || s->noverrides > 0 ||
			       s->nfutures > 0
		 : s->noverrides > 1;
}

static int
post_has_platform(const struct sm_config *cfg, const struct sm_post *p,
		  const char *platform)
{
	const char *names[MAX_NAMES];
	int n = sm_post_platforms(cfg, p, names, MAX_NAMES);
	for (int i = 0; i < n; i++)
		if (strcasecmp(names[i], platform) == 0)
			return 1;
	return 0;
}

/* A calendar occurrence's view, with its cancellation and done mark read
 * from the store; *url gets the done mark's URL (the caller frees it).
 * names holds the platforms (MAX_NAMES).  0, or -1 when the store
 * failed. */
static int
occurrence_view(struct ctx *c, const struct sm_occurrence *occ, const char *rid,
		const char **names, struct sm_postview *v, char **url)
{
	const struct sm_series *s = occ->series;
	const struct sm_post *p = occ->post;
	memset(v, 0, sizeof(*v));
	*url = NULL;
	v->id = series_uid(s, p);
	v->occurrence = rid;
	v->calendar = s->calendar;
	v->title = p->title;
	v->body = p->body;
	v->url = p->url;
	v->persona = p->persona;
	v->campaign = p->campaign;
	v->type = sm_post_type(c->cfg, p);
	v->nplatforms = sm_post_platforms(c->cfg, p, names, MAX_NAMES);
	v->platforms = names;
	v->publish_at = occ->start;
	v->recurring = series_recurring(s);
	int cancelled = occ->cancelled;
	if (!cancelled) {
		cancelled =
			sm_store_is_cancelled(c->st, s->calendar, v->id, rid);
		if (cancelled < 0)
			return -1;
	}
	sm_time at = 0;
	int done = sm_store_get_done(c->st, s->calendar, v->id, rid, &at, url);
	if (done < 0)
		return -1;
	v->done = done;
	v->done_at = at;
	v->posted_url = *url;
	v->status = sm_postview_status_of(cancelled, done,
					  p->status == SM_POST_DRAFT);
	return 0;
}

static void
queued_view(const struct sm_queue_post *q, char *rid, size_t ridlen,
	    struct sm_postview *v)
{
	memset(v, 0, sizeof(*v));
	sm_queue_rid(q->publish_at, rid, ridlen);
	v->id = q->id;
	v->occurrence = rid;
	v->calendar = SM_CONFIG_QUEUE_CALENDAR;
	v->title = q->title;
	v->body = q->body;
	v->publish_at = q->publish_at;
	v->platforms = q->platforms;
	v->nplatforms = q->nplatforms;
	v->type = q->type;
	v->persona = q->persona;
	v->campaign = q->campaign;
	v->url = q->url;
	v->done = q->done;
	v->done_at = q->done_at;
	v->posted_url = q->done_url;
	v->status = sm_postview_status_of(q->status == SM_QUEUE_CANCELLED,
					  q->done, q->draft);
}

/* The final reply {"post": v}. */
static void
reply_post(struct ctx *c, const struct sm_postview *v)
{
	struct sm_jsonw w = {0};
	sm_postview_json(&w, v, c->zone);
	json_error_t err;
	json_t *o = json_loads(w.buf, 0, &err);
	sm_jsonw_free(&w);
	if (!o) {
		control_fail(c->call, SM_PROTO_E_INTERNAL, NULL,
			     "a post could not be written as JSON: %s",
			     err.text);
		return;
	}
	control_reply(c->call, json_pack("{s:o}", "post", o));
}

/* Appends one stream reply {"parameters":{"post":JSON},"continues":true}
 * and its NUL to out. */
static void
stream_message(struct sm_jsonw *out, const char *json, size_t len)
{
	static const char head[] = "{\"parameters\":{\"post\":";
	static const char tail[] = "},\"continues\":true}";
	sm_jsonw_raw(out, head, sizeof(head) - 1);
	sm_jsonw_raw(out, json, len);
	sm_jsonw_raw(out, tail, sizeof(tail));
}

/* Sends what out holds (taking its buffer). */
static void
stream_flush(struct control_call *call, struct sm_jsonw *out)
{
	if (out->len == 0)
		return;
	char *buf = out->buf;
	size_t len = out->len;
	memset(out, 0, sizeof(*out));
	control_reply_raw(call, buf, len);
}

/* The last reply of a stream: the post held back, or none. */
static void
stream_end(struct control_call *call, const char *json)
{
	if (!json) {
		control_reply(call, NULL);
		return;
	}
	json_error_t err;
	json_t *o = json_loads(json, 0, &err);
	if (!o) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "a post could not be written as JSON: %s",
			     err.text);
		return;
	}
	control_reply(call, json_pack("{s:o}", "post", o));
}

/* ---------------------------------------------------------------------
 * Rendered posts, sortable: the stream's entries.
 */

struct entry {
	sm_time at;
	size_t cal, id, occ; /* offsets in keys */
	size_t off, len;     /* the JSON in text */
};

struct rendered {
	struct sm_jsonw text, keys;
	struct entry *v;
	size_t n, cap, next;
};

static size_t
key_add(struct sm_jsonw *keys, const char *s)
{
	size_t off = keys->len;
	sm_jsonw_raw(keys, s ? s : "", strlen(s ? s : "") + 1);
	return off;
}

static void
rendered_add(struct rendered *r, const struct sm_postview *v,
	     const struct sm_tz *zone)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (!r->v)
			abort();
	}
	struct entry *e = &r->v[r->n++];
	e->at = v->publish_at;
	e->cal = key_add(&r->keys, v->calendar);
	e->id = key_add(&r->keys, v->id);
	e->occ = key_add(&r->keys, v->occurrence);
	e->off = r->text.len;
	sm_postview_json(&r->text, v, zone);
	e->len = r->text.len - e->off;
}

static int
entry_cmp(const struct rendered *r, const struct entry *a,
	  const struct rendered *rb, const struct entry *b)
{
	const char *k = r->keys.buf, *kb = rb->keys.buf;
	return sm_postview_cmp(a->at, k + a->cal, k + a->id, k + a->occ, b->at,
			       kb + b->cal, kb + b->id, kb + b->occ);
}

static int
entry_qcmp(const void *a, const void *b, void *ctx)
{
	const struct rendered *r = ctx;
	return entry_cmp(r, a, r, b);
}

static void
rendered_sort(struct rendered *r)
{
	if (r->n > 1)
		qsort_r(r->v, r->n, sizeof(*r->v), entry_qcmp, r);
}

static void
rendered_reset(struct rendered *r)
{
	sm_jsonw_reset(&r->text);
	sm_jsonw_reset(&r->keys);
	r->n = r->next = 0;
}

static void
rendered_free(struct rendered *r)
{
	sm_jsonw_free(&r->text);
	sm_jsonw_free(&r->keys);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------------
 * List.
 */

enum {
	L_FROM,
	L_TO,
	L_PLATFORM,
	L_STATUS,
	L_CALENDAR
};

struct list_state {
	struct ctx c; /* now, zone (process-wide), store; not the world */
	struct rendered cal;
	struct rendered page; /* the queue's current page */
	int queue_on, queue_end;
	struct sm_queue_filter qf;
	char platform[NAME_SIZE];
	char after_id[SM_QUEUE_ID_SIZE];
	sm_time after_at;
	int have_after;
	struct sm_jsonw held; /* the post whose reply goes last */
	int holding;
	struct sm_jsonw out;
	/* Gathering the calendars' occurrences. */
	const char *want_platform;
	int want_status; /* -1: any */
	int failed;
};

static void
list_free(void *p)
{
	struct list_state *s = p;
	rendered_free(&s->cal);
	rendered_free(&s->page);
	sm_jsonw_free(&s->held);
	sm_jsonw_free(&s->out);
	free(s);
}

static int
gather_occurrence(void *ctx, const struct sm_occurrence *occ)
{
	struct list_state *s = ctx;
	if (s->want_platform &&
	    !post_has_platform(s->c.cfg, occ->post, s->want_platform))
		return 0;
	char rid[40];
	sm_occur_format_rid(occ, rid, sizeof(rid));
	const char *names[MAX_NAMES];
	struct sm_postview v;
	char *url;
	if (occurrence_view(&s->c, occ, rid, names, &v, &url) < 0) {
		s->failed = 1;
		return 1;
	}
	if (s->want_status < 0 || (int)v.status == s->want_status)
		rendered_add(&s->cal, &v, s->c.zone);
	free(url);
	return 0;
}

static int
page_row(void *ctx, const struct sm_queue_post *q)
{
	struct list_state *s = ctx;
	char rid[40];
	struct sm_postview v;
	queued_view(q, rid, sizeof(rid), &v);
	rendered_add(&s->page, &v, s->c.zone);
	snprintf(s->after_id, sizeof(s->after_id), "%s", q->id);
	s->after_at = q->publish_at;
	s->have_after = 1;
	return 0;
}

/* Reads the queue's next page; 0, or -1 when the store failed. */
static int
list_fetch(struct list_state *s)
{
	rendered_reset(&s->page);
	s->qf.limit = QUEUE_PAGE;
	s->qf.after_id = s->have_after ? s->after_id : NULL;
	s->qf.after_at = s->after_at;
	int n = sm_queue_list(s->c.st, &s->qf, page_row, s);
	if (n < 0)
		return -1;
	if (n < QUEUE_PAGE)
		s->queue_end = 1;
	return 0;
}

/* Holds the next post back and streams the one held before it. */
static void
list_emit(struct list_state *s, const struct rendered *r, const struct entry *e)
{
	if (s->holding)
		stream_message(&s->out, s->held.buf, s->held.len);
	sm_jsonw_reset(&s->held);
	sm_jsonw_raw(&s->held, r->text.buf + e->off, e->len);
	s->holding = 1;
}

static int
list_resume(struct control_call *call)
{
	struct list_state *s = call->state;
	for (int n = 0; n < REPLIES_PER_TURN; n++) {
		if (s->queue_on && s->page.next == s->page.n && !s->queue_end &&
		    list_fetch(s) < 0) {
			stream_flush(call, &s->out);
			control_fail(call, SM_PROTO_E_INTERNAL, NULL,
				     "the state database: %s",
				     sm_store_error(s->c.st));
			return CONTROL_DONE;
		}
		const struct entry *a =
			s->cal.next < s->cal.n ? &s->cal.v[s->cal.next] : NULL;
		const struct entry *b = s->page.next < s->page.n
						? &s->page.v[s->page.next]
						: NULL;
		if (!a && !b) {
			stream_flush(call, &s->out);
			stream_end(call, s->holding ? s->held.buf : NULL);
			return CONTROL_DONE;
		}
		if (a && (!b || entry_cmp(&s->cal, a, &s->page, b) <= 0)) {
			list_emit(s, &s->cal, a);
			s->cal.next++;
		} else {
			list_emit(s, &s->page, b);
			s->page.next++;
		}
	}
	stream_flush(call, &s->out);
	return CONTROL_AGAIN;
}

/* The queue filter of a List status. */
static void
status_filter(int status, struct sm_queue_filter *f)
{
	switch (status) {
	case SM_PV_DRAFT:
		f->states = SM_QUEUE_STATE_DRAFT;
		f->done = 0;
		break;
	case SM_PV_SCHEDULED:
		f->states = SM_QUEUE_STATE_SCHEDULED;
		f->done = 0;
		break;
	case SM_PV_CANCELLED:
		f->states = SM_QUEUE_STATE_CANCELLED;
		break;
	case SM_PV_DONE:
		f->states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
		f->done = 1;
		break;
	default:
		break;
	}
}

/* The default window: today (local) and LIST_DAYS days after it. */
static void
default_window(struct ctx *c, int have_from, int have_to, sm_time *from,
	       sm_time *to)
{
	if (!have_from)
		sm_when_parse("today", SM_WHEN_FROM, c->now, c->zone, from,
			      NULL, 0);
	if (!have_to) {
		sm_time local =
			c->zone ? sm_tz_to_local(c->zone, *from) : *from;
		local += (sm_time)LIST_DAYS * SM_DAY;
		*to = c->zone ? sm_tz_resolve(c->zone, local) : local;
	}
}

int
method_posts_list(struct control_call *call)
{
	struct list_state *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	call->state = s;
	call->state_free = list_free;
	ctx_init(call, &s->c);
	struct ctx *c = &s->c;
	sm_time from = 0, to = 0;
	const char *a_from = arg_str(call, L_FROM), *a_to = arg_str(call, L_TO);
	const char *platform = arg_str(call, L_PLATFORM);
	const char *calendar = arg_str(call, L_CALENDAR);
	if ((a_from &&
	     parse_bound(c, "from", a_from, SM_WHEN_FROM, &from) < 0) ||
	    (a_to && parse_bound(c, "to", a_to, SM_WHEN_TO, &to) < 0) ||
	    check_platform(c, platform) < 0 || check_calendar(c, calendar) < 0)
		return CONTROL_DONE;
	default_window(c, a_from != NULL, a_to != NULL, &from, &to);
	if (from >= to) {
		bad_param(call, a_to ? "to" : "from",
			  "the window is empty: --to must come after --from");
		return CONTROL_DONE;
	}
	s->want_status =
		call->args[L_STATUS].set
			? sm_postview_status_parse(call->args[L_STATUS].s)
			: -1;
	if (platform) {
		snprintf(s->platform, sizeof(s->platform), "%s",
			 sm_config_platform(c->cfg, platform)->name);
		s->want_platform = s->platform;
	}
	/* The calendars' occurrences, rendered now (the world may be
	 * swapped before the stream ends). */
	int want_queue =
		!calendar || strcmp(calendar, SM_CONFIG_QUEUE_CALENDAR) == 0;
	for (size_t i = 0; i < c->w->set.n && !s->failed; i++) {
		const struct sm_series *ser = &c->w->set.series[i];
		if (calendar && strcmp(ser->calendar, calendar) != 0)
			continue;
		sm_occur_window(ser, &c->w->opts, from, to, gather_occurrence,
				s);
	}
	if (s->failed) {
		db_fail(c);
		return CONTROL_DONE;
	}
	rendered_sort(&s->cal);
	s->c.w = NULL;
	s->c.cfg = NULL;
	if (want_queue) {
		s->queue_on = 1;
		sm_queue_filter_init(&s->qf);
		s->qf.from = from;
		s->qf.to = to;
		s->qf.platform = s->want_platform;
		status_filter(s->want_status, &s->qf);
	}
	call->resume = list_resume;
	return list_resume(call);
}

/* ---------------------------------------------------------------------
 * Finding a post: a queued id, or a calendar UID and an occurrence.
 */

struct target {
	int queued;
	struct sm_arena arena;
	struct sm_queue_post qp; /* queued */
	const struct sm_series *series;
	struct sm_occurrence occ; /* a calendar's */
	char rid[40];
};

static void
target_fini(struct target *t)
{
	sm_arena_free(&t->arena);
}

struct rid_search {
	const char *rid;
	struct sm_occurrence *out;
	int found;
};

static int
rid_match(void *ctx, const struct sm_occurrence *occ)
{
	struct rid_search *r = ctx;
	char buf[40];
	sm_occur_format_rid(occ, buf, sizeof(buf));
	if (strcmp(buf, r->rid) != 0)
		return 0;
	*r->out = *occ;
	r->found = 1;
	return 1;
}

/* The occurrence of s whose identity is rid (normalised), at about t:
 * looked for around t (the instance, shifted by THISANDFUTURE at most
 * max_shift) and around each override (moved anywhere).  1 or 0. */
static int
find_occurrence(const struct sm_series *s, const struct sm_occur_opts *o,
		const char *rid, sm_time t, struct sm_occurrence *out)
{
	struct rid_search r = {rid, out, 0};
	sm_time shift = s->max_shift < 0 ? -s->max_shift : s->max_shift;
	sm_time margin = 2 * SM_DAY + shift;
	sm_occur_window(s, o, t - margin, t + margin, rid_match, &r);
	for (int i = 0; !r.found && i < s->noverrides; i++) {
		sm_time at = s->overrides[i]->start.civil;
		sm_occur_window(s, o, at - 2 * SM_DAY, at + 2 * SM_DAY,
				rid_match, &r);
	}
	return r.found;
}

/*
 * Finds what id (and occurrence, calendar) name.  need_one: an occurrence
 * must be named for a recurring series (Cancel, Done); otherwise its next
 * occurrence (or its first, when all are past) is taken (Get).  Returns 0,
 * or -1 after replying with the error.
 */
static int
resolve(struct ctx *c, const char *id, const char *occurrence,
	const char *calendar, int need_one, struct target *t)
{
	memset(t, 0, sizeof(*t));
	char rid[40] = "";
	enum sm_civil_style kind = SM_CIVIL_UTC;
	sm_time key = 0;
	if (occurrence && sm_postview_rid_parse(occurrence, rid, sizeof(rid),
						&kind, &key) < 0) {
		char msg[600];
		snprintf(msg, sizeof(msg),
			 "occurrence \"%s\": expected an occurrence's "
			 "identity as smctl list and smctl expand write it: "
			 "2026-12-01T08:00:00Z (zoned and UTC series), "
			 "2026-12-01T09:00:00 (floating) or 2026-12-01 "
			 "(all-day)",
			 occurrence);
		bad_param(c->call, "occurrence", msg);
		return -1;
	}
	if (check_calendar(c, calendar) < 0)
		return -1;
	if (sm_queue_id_valid(id)) {
		int rc = sm_queue_get(c->st, id, &t->arena, &t->qp);
		if (rc == -ENOENT) {
			control_fail(c->call, SM_PROTO_E_NO_SUCH_POST,
				     json_pack("{s:s}", "id", id),
				     "no queued post has id %s (smctl list "
				     "--calendar queue shows them)",
				     id);
			return -1;
		}
		if (rc < 0) {
			db_fail(c);
			return -1;
		}
		t->queued = 1;
		sm_queue_rid(t->qp.publish_at, t->rid, sizeof(t->rid));
		if (occurrence && strcmp(rid, t->rid) != 0) {
			control_fail(c->call, SM_PROTO_E_NO_SUCH_POST,
				     json_pack("{s:s}", "id", id),
				     "%s has one occurrence, %s, not %s", id,
				     t->rid, rid);
			return -1;
		}
		return 0;
	}
	/* A calendar post: its series, in one calendar. */
	const struct sm_series *found = NULL;
	for (size_t i = 0; i < c->w->set.n; i++) {
		const struct sm_series *s = &c->w->set.series[i];
		if (strcmp(series_uid(s, NULL), id) != 0 ||
		    (calendar && strcmp(s->calendar, calendar) != 0))
			continue;
		if (found && strcmp(found->calendar, s->calendar) != 0) {
			char msg[600];
			snprintf(msg, sizeof(msg),
				 "UID %s is in calendars %s and %s: name one "
				 "with --calendar",
				 id, found->calendar, s->calendar);
			bad_param(c->call, "calendar", msg);
			return -1;
		}
		if (!found)
			found = s;
	}
	if (!found) {
		control_fail(c->call, SM_PROTO_E_NO_SUCH_POST,
			     json_pack("{s:s}", "id", id),
			     "no queued post or calendar post has id %s%s%s "
			     "(smctl list shows ids)",
			     id, calendar ? " in calendar " : "",
			     calendar ? calendar : "");
		return -1;
	}
	t->series = found;
	const struct sm_occur_opts *o = &c->w->opts;
	if (occurrence) {
		/* An approximate instant of the identity: local times are
		 * within a day of their instant. */
		if (!find_occurrence(found, o, rid, key, &t->occ)) {
			control_fail(c->call, SM_PROTO_E_NO_SUCH_POST,
				     json_pack("{s:s}", "id", id),
				     "%s (calendar %s) has no occurrence %s "
				     "(smctl list --calendar %s shows them)",
				     id, found->calendar, rid, found->calendar);
			return -1;
		}
	} else {
		struct sm_occurrence next;
		int has_next = sm_occur_next(found, o, c->now, &next);
		if (need_one && series_recurring(found)) {
			char hint[120] = "";
			if (has_next) {
				char r2[40];
				sm_occur_format_rid(&next, r2, sizeof(r2));
				snprintf(hint, sizeof(hint),
					 " (the next one is %s)", r2);
			}
			char msg[700];
			snprintf(msg, sizeof(msg),
				 "%s (calendar %s) is a recurring series: "
				 "name one occurrence with --occurrence ID%s; "
				 "smctl list --calendar %s shows them",
				 id, found->calendar, hint, found->calendar);
			bad_param(c->call, "occurrence", msg);
			return -1;
		}
		if (!has_next && !sm_occur_next(found, o, SM_TIME_MIN, &next)) {
			control_fail(c->call, SM_PROTO_E_NO_SUCH_POST,
				     json_pack("{s:s}", "id", id),
				     "%s (calendar %s) has no occurrence", id,
				     found->calendar);
			return -1;
		}
		t->occ = next;
	}
	sm_occur_format_rid(&t->occ, t->rid, sizeof(t->rid));
	return 0;
}

/* Replies with the target as it is now. */
static void
reply_target(struct ctx *c, struct target *t)
{
	struct sm_postview v;
	if (t->queued) {
		/* Read again: the change is in the store. */
		struct sm_arena a = {0};
		struct sm_queue_post qp;
		if (sm_queue_get(c->st, t->qp.id, &a, &qp) < 0) {
			sm_arena_free(&a);
			db_fail(c);
			return;
		}
		char rid[40];
		queued_view(&qp, rid, sizeof(rid), &v);
		reply_post(c, &v);
		sm_arena_free(&a);
		return;
	}
	const char *names[MAX_NAMES];
	char *url = NULL;
	if (occurrence_view(c, &t->occ, t->rid, names, &v, &url) < 0)
		db_fail(c);
	else
		reply_post(c, &v);
	free(url);
}

enum {
	G_ID,
	G_OCCURRENCE,
	G_CALENDAR,
	G_URL
};

int
method_posts_get(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	struct target t;
	if (resolve(&c, call->args[G_ID].s, arg_str(call, G_OCCURRENCE),
		    arg_str(call, G_CALENDAR), 0, &t) == 0)
		reply_target(&c, &t);
	target_fini(&t);
	return CONTROL_DONE;
}

static void
changed(struct ctx *c)
{
	struct queued *q = c->q;
	if (q->host.changed)
		q->host.changed(q->host.data);
}

int
method_posts_cancel(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	struct target t;
	if (resolve(&c, call->args[G_ID].s, arg_str(call, G_OCCURRENCE),
		    arg_str(call, G_CALENDAR), 1, &t) < 0) {
		target_fini(&t);
		return CONTROL_DONE;
	}
	/* The deliverer's writes first: the cancel is then its own durable
	 * transaction. */
	deliver_flush(c.h->deliver);
	int rc;
	if (t.queued) {
		rc = sm_queue_cancel(c.st, t.qp.id, c.now);
		if (rc >= 0)
			queued_remove(c.q, t.qp.id);
	} else {
		rc = sm_store_cancel(c.st, t.series->calendar,
				     series_uid(t.series, t.occ.post), t.rid,
				     c.now);
	}
	if (rc < 0) {
		db_fail(&c);
		target_fini(&t);
		return CONTROL_DONE;
	}
	if (rc == 0) {
		log_info("cancelled %s %s (calendar %s)",
			 t.queued ? t.qp.id : series_uid(t.series, t.occ.post),
			 t.rid,
			 t.queued ? SM_CONFIG_QUEUE_CALENDAR
				  : t.series->calendar);
		changed(&c);
	}
	reply_target(&c, &t);
	target_fini(&t);
	return CONTROL_DONE;
}

/* 1 when url is an absolute URL without blanks or controls. */
static int
url_ok(const char *url)
{
	const char *p = url;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || !p[1])
		return 0;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

int
method_posts_done(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	const char *url = arg_str(call, G_URL);
	if (url && !url_ok(url)) {
		char msg[600];
		snprintf(msg, sizeof(msg),
			 "url \"%.400s\" is not an absolute URL without "
			 "spaces: write it with its scheme, e.g. "
			 "https://www.instagram.com/p/...",
			 url);
		bad_param(call, "url", msg);
		return CONTROL_DONE;
	}
	struct target t;
	if (resolve(&c, call->args[G_ID].s, arg_str(call, G_OCCURRENCE),
		    arg_str(call, G_CALENDAR), 1, &t) < 0) {
		target_fini(&t);
		return CONTROL_DONE;
	}
	const char *uid = t.queued ? t.qp.id : series_uid(t.series, t.occ.post);
	int cancelled =
		t.queued ? t.qp.status == SM_QUEUE_CANCELLED : t.occ.cancelled;
	if (!t.queued && !cancelled) {
		cancelled = sm_store_is_cancelled(c.st, t.series->calendar, uid,
						  t.rid);
		if (cancelled < 0) {
			db_fail(&c);
			target_fini(&t);
			return CONTROL_DONE;
		}
	}
	if (cancelled) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "%s %s is cancelled: a cancelled post is not marked "
			 "done",
			 uid, t.rid);
		bad_param(call, "id", msg);
		target_fini(&t);
		return CONTROL_DONE;
	}
	deliver_flush(c.h->deliver);
	int rc = t.queued ? sm_queue_mark_done(c.st, t.qp.id, url, c.now)
			  : sm_store_mark_done(c.st, t.series->calendar, uid,
					       t.rid, url, c.now);
	if (rc < 0) {
		db_fail(&c);
		target_fini(&t);
		return CONTROL_DONE;
	}
	log_info("done: %s %s (calendar %s)%s%s", uid, t.rid,
		 t.queued ? SM_CONFIG_QUEUE_CALENDAR : t.series->calendar,
		 url ? " at " : "", url ? url : "");
	changed(&c);
	reply_target(&c, &t);
	target_fini(&t);
	return CONTROL_DONE;
}

/* ---------------------------------------------------------------------
 * Next.
 */

enum {
	N_COUNT,
	N_PLATFORM
};

struct next_state {
	struct ctx c;
	struct rendered r;
	struct sm_jsonw out;
	/* While gathering: the best candidates so far (start, series,
	 * occurrence), sorted by start, at most count. */
	struct sm_occurrence *best;
	size_t nbest, count;
	const char *platform;
	int failed;
};

static void
next_free(void *p)
{
	struct next_state *s = p;
	rendered_free(&s->r);
	sm_jsonw_free(&s->out);
	free(s->best);
	free(s);
}

/* Whether an occurrence is still to publish: not cancelled (by its file
 * or through the socket), not marked done.  1, 0 or -1 (store). */
static int
to_publish(struct ctx *c, const struct sm_occurrence *occ)
{
	if (occ->cancelled)
		return 0;
	char rid[40];
	sm_occur_format_rid(occ, rid, sizeof(rid));
	const char *uid = series_uid(occ->series, occ->post);
	int x = sm_store_is_cancelled(c->st, occ->series->calendar, uid, rid);
	if (x != 0)
		return x < 0 ? -1 : 0;
	x = sm_store_is_done(c->st, occ->series->calendar, uid, rid);
	return x < 0 ? -1 : !x;
}

static void
next_offer(struct next_state *s, const struct sm_occurrence *occ)
{
	size_t i = s->nbest;
	if (i == s->count) {
		if (occ->start >= s->best[i - 1].start)
			return;
		i--;
	} else {
		s->nbest++;
	}
	while (i > 0 && s->best[i - 1].start > occ->start) {
		s->best[i] = s->best[i - 1];
		i--;
	}
	s->best[i] = *occ;
}

static void
next_series(struct next_state *s, const struct sm_series *ser)
{
	struct sm_occurrence occ;
	sm_time t = s->c.now;
	/* Bounded: a series whose every occurrence is cancelled or done
	 * would otherwise be walked forever. */
	for (int steps = 0;
	     steps < NEXT_STEPS && sm_occur_next(ser, &s->c.w->opts, t, &occ);
	     steps++) {
		if (s->nbest == s->count &&
		    occ.start >= s->best[s->count - 1].start)
			return; /* nothing later of this series can count */
		t = occ.start + 1;
		if (s->platform &&
		    !post_has_platform(s->c.cfg, occ.post, s->platform))
			continue;
		int x = to_publish(&s->c, &occ);
		if (x < 0) {
			s->failed = 1;
			return;
		}
		if (x)
			next_offer(s, &occ);
	}
}

static int
next_queued(void *ctx, const struct sm_queue_post *q)
{
	struct next_state *s = ctx;
	char rid[40];
	struct sm_postview v;
	queued_view(q, rid, sizeof(rid), &v);
	rendered_add(&s->r, &v, s->c.zone);
	return 0;
}

static int
next_resume(struct control_call *call)
{
	struct next_state *s = call->state;
	for (int n = 0; n < REPLIES_PER_TURN; n++) {
		if (s->r.next == s->r.n) {
			stream_flush(call, &s->out);
			stream_end(call, NULL);
			return CONTROL_DONE;
		}
		const struct entry *e = &s->r.v[s->r.next++];
		if (s->r.next == s->r.n) {
			stream_flush(call, &s->out);
			char *json = strndup(s->r.text.buf + e->off, e->len);
			if (!json)
				abort();
			stream_end(call, json);
			free(json);
			return CONTROL_DONE;
		}
		stream_message(&s->out, s->r.text.buf + e->off, e->len);
	}
	stream_flush(call, &s->out);
	return CONTROL_AGAIN;
}

int
method_posts_next(struct control_call *call)
{
	struct next_state *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	call->state = s;
	call->state_free = next_free;
	ctx_init(call, &s->c);
	struct ctx *c = &s->c;
	s->count = call->args[N_COUNT].set ? (size_t)call->args[N_COUNT].i
					   : NEXT_DEFAULT;
	const char *platform = arg_str(call, N_PLATFORM);
	if (check_platform(c, platform) < 0)
		return CONTROL_DONE;
	s->platform = platform;
	s->best = calloc(s->count + 1, sizeof(*s->best));
	if (!s->best)
		abort();
	for (size_t i = 0; i < c->w->set.n && !s->failed; i++)
		next_series(s, &c->w->set.series[i]);
	for (size_t i = 0; i < s->nbest && !s->failed; i++) {
		char rid[40];
		sm_occur_format_rid(&s->best[i], rid, sizeof(rid));
		const char *names[MAX_NAMES];
		struct sm_postview v;
		char *url;
		if (occurrence_view(c, &s->best[i], rid, names, &v, &url) < 0)
			s->failed = 1;
		else
			rendered_add(&s->r, &v, c->zone);
		free(url);
	}
	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	f.from = c->now;
	f.states = SM_QUEUE_STATE_SCHEDULED | SM_QUEUE_STATE_DRAFT;
	f.done = 0;
	f.platform =
		platform ? sm_config_platform(c->cfg, platform)->name : NULL;
	f.limit = s->count;
	if (s->failed || sm_queue_list(c->st, &f, next_queued, s) < 0) {
		db_fail(c);
		return CONTROL_DONE;
	}
	rendered_sort(&s->r);
	if (s->r.n > s->count)
		s->r.n = s->count;
	call->resume = next_resume;
	return next_resume(call);
}

/* ---------------------------------------------------------------------
 * Export.
 */

enum {
	E_FROM,
	E_TO
};

struct export_state {
	struct sm_ics ics;
	size_t off;
};

static void
export_free(void *p)
{
	struct export_state *s = p;
	sm_ics_free(&s->ics);
	free(s);
}

/* Sends the file in pieces cut after a line (CRLF), each a reply. */
static int
export_resume(struct control_call *call)
{
	struct export_state *s = call->state;
	for (int n = 0; n < 8; n++) {
		size_t left = s->ics.len - s->off;
		size_t len = left;
		if (len > EXPORT_PIECE) {
			len = EXPORT_PIECE;
			while (len > 2 &&
			       !(s->ics.buf[s->off + len - 1] == '\n'))
				len--;
		}
		json_t *p =
			json_pack("{s:s%}", "text", s->ics.buf + s->off, len);
		s->off += len;
		if (s->off >= s->ics.len) {
			control_reply(call, p);
			return CONTROL_DONE;
		}
		control_reply_more(call, p);
	}
	return CONTROL_AGAIN;
}

int
method_export(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	sm_time from = SM_TIME_MIN, to = SM_TIME_MAX;
	const char *a_from = arg_str(call, E_FROM), *a_to = arg_str(call, E_TO);
	if ((a_from &&
	     parse_bound(&c, "from", a_from, SM_WHEN_FROM, &from) < 0) ||
	    (a_to && parse_bound(&c, "to", a_to, SM_WHEN_TO, &to) < 0))
		return CONTROL_DONE;
	struct export_state *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	call->state = s;
	call->state_free = export_free;
	if (sm_queue_export_range(c.st, &s->ics, c.now, from, to) < 0) {
		db_fail(&c);
		return CONTROL_DONE;
	}
	call->resume = export_resume;
	return export_resume(call);
}

/* ---------------------------------------------------------------------
 * Free slots: the taken instants of a platform.
 */

/* The calendars' occurrences of a platform in a window, cached per
 * scheduler generation (a reload changes them) and platform. */
struct cal_cache {
	unsigned long generation;
	char platform[NAME_SIZE];
	sm_time from, to;
	sm_time *v;
	size_t n;
};

#define CACHE_SIZE 16
static struct cal_cache cache[CACHE_SIZE];
static size_t cache_next;

struct gather_times {
	const struct sm_config *cfg;
	const char *platform;
	sm_time *v;
	size_t n, cap;
};

static int
gather_time(void *ctx, const struct sm_occurrence *occ)
{
	struct gather_times *g = ctx;
	if (occ->cancelled ||
	    !post_has_platform(g->cfg, occ->post, g->platform))
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		if (!g->v)
			abort();
	}
	g->v[g->n++] = occ->start;
	return 0;
}

static int
time_cmp(const void *a, const void *b)
{
	sm_time x = *(const sm_time *)a, y = *(const sm_time *)b;
	return (x > y) - (x < y);
}

/* The calendars' instants on platform in [from, to) (borrowed from the
 * cache, sorted). */
static const sm_time *
calendar_times(struct ctx *c, const char *platform, sm_time from, sm_time to,
	       size_t *n)
{
	/* Gathered over a wide window at least (from a few days back to the
	 * slot horizon), so that the next adds find it in the cache. */
	if (from > c->now - 3 * SM_DAY)
		from = c->now - 3 * SM_DAY;
	if (to < c->now + SLOT_HORIZON)
		to = c->now + SLOT_HORIZON;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct cal_cache *e = &cache[i];
		if (e->generation == c->q->generation && e->from <= from &&
		    e->to >= to && strcasecmp(e->platform, platform) == 0) {
			*n = e->n;
			return e->v;
		}
	}
	struct gather_times g = {c->cfg, platform, NULL, 0, 0};
	for (size_t i = 0; i < c->w->set.n; i++)
		sm_occur_window(&c->w->set.series[i], &c->w->opts, from, to,
				gather_time, &g);
	if (g.n > 1)
		qsort(g.v, g.n, sizeof(*g.v), time_cmp);
	struct cal_cache *e = &cache[cache_next++ % CACHE_SIZE];
	free(e->v);
	e->generation = c->q->generation;
	snprintf(e->platform, sizeof(e->platform), "%s", platform);
	e->from = from;
	e->to = to;
	e->v = g.v;
	e->n = g.n;
	*n = g.n;
	return g.v;
}

/* The first position of sorted v whose instant is at or after t. */
static size_t
first_at(const sm_time *v, size_t n, sm_time t)
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

/* Every post of a platform from `from` (calendars until `to`, the queue
 * and the adds not committed yet), merged and sorted (malloc'd). */
static sm_time *
taken_times(struct ctx *c, const char *platform, sm_time from, sm_time to,
	    size_t *n)
{
	size_t nc = 0, nq = 0;
	const sm_time *cv = calendar_times(c, platform, from, to, &nc);
	/* The cache may cover more: only [from, to) of it. */
	size_t lo = first_at(cv, nc, from), hi = first_at(cv, nc, to);
	if (nc) {
		cv += lo;
		nc = hi - lo;
	}
	sm_time *qv = NULL;
	queued_instants(c->q, platform, from, to, &qv, &nq);
	sm_time *v = malloc((nc + nq + 1) * sizeof(*v));
	if (!v)
		abort();
	size_t i = 0, k = 0, m = 0;
	while (i < nc || k < nq) {
		if (k == nq || (i < nc && cv[i] <= qv[k]))
			v[m++] = cv[i++];
		else
			v[m++] = qv[k++];
	}
	free(qv);
	*n = m;
	return v;
}

/* Guardrail warnings of a post at t on its platforms, added to warnings
 * (at most MAX_WARNINGS). */
static void
guardrails(struct ctx *c, const char *const *plats, int np, sm_time t,
	   json_t *warnings)
{
	for (int i = 0; i < np; i++) {
		const struct sm_platform *pl =
			sm_config_platform(c->cfg, plats[i]);
		if (!pl || (pl->min_spacing <= 0 && pl->daily_cap <= 0))
			continue;
		/* Only the posts that can matter: within min_spacing, or on
		 * the same local day (a day and a half either side covers
		 * any zone's day) when there is a daily_cap. */
		sm_time w = pl->min_spacing > 0 ? pl->min_spacing : 0;
		if (pl->daily_cap > 0 && w < 36 * 3600)
			w = 36 * 3600;
		size_t n;
		sm_time *taken = taken_times(c, pl->name, t - w, t + w + 1, &n);
		struct sm_guard_issue *issues = NULL;
		size_t ni = 0;
		sm_slots_check_one(pl, c->zone, taken, n, t, &issues, &ni);
		for (size_t k = 0;
		     k < ni && json_array_size(warnings) < MAX_WARNINGS; k++) {
			char line[300];
			sm_slots_issue_format(pl, c->zone, &issues[k], line,
					      sizeof(line));
			json_array_append_new(warnings, sm_proto_string(line));
		}
		free(issues);
		free(taken);
	}
}

/* A planner with each named platform and what is taken on it until
 * now + horizon; arrays go to *keep (freed by the caller). */
static struct sm_slot_planner *
planner_for(struct ctx *c, const char *const *plats, size_t np, sm_time horizon,
	    sm_time ***keep)
{
	struct sm_slot_planner *p = sm_slots_planner_new(c->zone, c->now);
	*keep = calloc(np + 1, sizeof(**keep));
	if (!*keep)
		abort();
	for (size_t i = 0; i < np; i++) {
		const struct sm_platform *pl =
			sm_config_platform(c->cfg, plats[i]);
		if (!pl)
			continue;
		size_t n;
		(*keep)[i] = taken_times(c, pl->name, c->now - 2 * SM_DAY,
					 c->now + horizon, &n);
		sm_slots_planner_platform(p, pl, (*keep)[i], n);
	}
	return p;
}

static void
planner_done(struct sm_slot_planner *p, sm_time **keep, size_t np)
{
	sm_slots_planner_free(p);
	for (size_t i = 0; i < np; i++)
		free(keep[i]);
	free(keep);
}

/* Whether a slot found within a horizon can be trusted: posts after the
 * horizon were not counted, so it must end well before it. */
static int
within(struct ctx *c, sm_time at, sm_time horizon)
{
	return at < c->now + horizon - 20 * SM_DAY ||
	       horizon >= SLOT_HORIZON_MAX;
}

/* ---------------------------------------------------------------------
 * Add.
 */

enum {
	A_PLATFORM,
	A_AT,
	A_TITLE,
	A_BODY,
	A_TYPE,
	A_PERSONA,
	A_CAMPAIGN,
	A_URL,
	A_DRAFT,
	A_ALLOW_PAST,
};

struct add_req {
	struct control_call *call;
	struct sm_queue_post post;
	char names[SM_QUEUE_MAX_PLATFORMS][NAME_SIZE];
	const struct sm_tz *zone; /* process-wide zone cache */
	int slot;
	json_t *warnings;
	/* A refusal, answered in turn. */
	const char *err_name;
	json_t *err_params;
	char err_msg[1500];
};

static void
add_done(void *ctx, int rc, const char *error)
{
	struct add_req *r = ctx;
	struct control_call *call = r->call;
	if (r->err_name) {
		control_fail(call, r->err_name, r->err_params, "%s",
			     r->err_msg);
		r->err_params = NULL;
	} else if (rc < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", error);
	} else {
		char utc[40], local[SM_TZ_RFC3339_MAX];
		const struct sm_queue_post *q = &r->post;
		log_debug("queued %s at %s on %s", q->id,
			  sm_civil_format(q->publish_at, SM_CIVIL_UTC, utc,
					  sizeof(utc)),
			  q->platforms[0]);
		control_reply(
			call,
			json_pack("{s:s, s:s, s:s, s:b, s:O}", "id", q->id,
				  "publish_at", utc, "publish_at_local",
				  sm_tz_format(r->zone, q->publish_at * 1000, 0,
					       local, sizeof(local)),
				  "slot", r->slot, "warnings", r->warnings));
	}
	json_decref(r->warnings);
	json_decref(r->err_params);
	free(r);
}

/* The parameter a validation message is about. */
static const char *
problem_param(const char *msg)
{
	static const char *const fields[] = {
		"title", "body", "persona", "campaign", "type", "url",
	};
	if (strstr(msg, "platform"))
		return "platform";
	if (strstr(msg, "publish time"))
		return "at";
	if (strncmp(msg, "unknown content type", 20) == 0)
		return "type";
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strncmp(msg, fields[i], strlen(fields[i])) == 0)
			return fields[i];
	return "platform";
}

/* Records a refusal to answer in turn. */
static void
add_refuse(struct add_req *r, const char *param, const char *msg)
{
	r->err_name = SM_PROTO_E_BAD_VALUE;
	r->err_params = json_pack("{s:s}", "parameter", param);
	snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
}

/* Splits "instagram, x" into the request's names; -1 when too many. */
static int
split_platforms(struct add_req *r, const char *list)
{
	const char *p = list;
	int n = 0;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		size_t len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (n == SM_QUEUE_MAX_PLATFORMS)
			return -1;
		snprintf(r->names[n], NAME_SIZE, "%.*s", (int)len, p);
		r->post.platforms[n] = r->names[n];
		n++;
		p = e;
	}
	r->post.nplatforms = n;
	return 0;
}

/* Checks the add and gives it its time; 0, or -1 with the refusal
 * recorded. */
static int
add_prepare(struct ctx *c, struct add_req *r)
{
	struct control_call *call = c->call;
	struct sm_queue_post *q = &r->post;
	if (split_platforms(r, call->args[A_PLATFORM].s) < 0) {
		char msg[120];
		snprintf(msg, sizeof(msg),
			 "a post goes to at most %d platforms",
			 SM_QUEUE_MAX_PLATFORMS);
		add_refuse(r, "platform", msg);
		return -1;
	}
	q->title = arg_str(call, A_TITLE);
	q->body = arg_str(call, A_BODY);
	q->type = arg_str(call, A_TYPE);
	q->persona = arg_str(call, A_PERSONA);
	q->campaign = arg_str(call, A_CAMPAIGN);
	q->url = arg_str(call, A_URL);
	q->draft = arg_bool(call, A_DRAFT);
	q->publish_at = SM_QUEUE_UNSET;
	const char *at = arg_str(call, A_AT);
	char err[1024];
	if (at && sm_when_parse(at, SM_WHEN_AT, c->now, c->zone, &q->publish_at,
				err, sizeof(err)) < 0) {
		add_refuse(r, "at", err);
		return -1;
	}
	struct sm_diag_list d = {0};
	if (sm_queue_validate(c->cfg, q, c->now, arg_bool(call, A_ALLOW_PAST),
			      &d, NULL, 0) > 0) {
		size_t k = 0;
		const char *param = NULL;
		for (size_t i = 0; i < d.n && k < sizeof(r->err_msg); i++) {
			if (d.items[i].severity != SM_ERROR)
				continue;
			if (!param)
				param = problem_param(d.items[i].message);
			k += (size_t)snprintf(
				r->err_msg + k, sizeof(r->err_msg) - k, "%s%s",
				k ? "; " : "", d.items[i].message);
		}
		r->err_name = SM_PROTO_E_BAD_VALUE;
		r->err_params = json_pack("{s:s}", "parameter", param);
		sm_diag_clear(&d);
		return -1;
	}
	sm_diag_clear(&d);
	/* The config's spelling, kept by the request (a reload may free the
	 * config before the commit). */
	for (int i = 0; i < q->nplatforms; i++) {
		if (q->platforms[i] != r->names[i])
			snprintf(r->names[i], NAME_SIZE, "%s", q->platforms[i]);
		q->platforms[i] = r->names[i];
	}
	if (q->publish_at == SM_QUEUE_UNSET) {
		for (sm_time horizon = SLOT_HORIZON;; horizon *= 4) {
			sm_time **keep;
			struct sm_slot_planner *p = planner_for(
				c, q->platforms, (size_t)q->nplatforms, horizon,
				&keep);
			int rc = sm_slots_planner_next(
				p, q->platforms, (size_t)q->nplatforms,
				&q->publish_at, err, sizeof(err));
			planner_done(p, keep, (size_t)q->nplatforms);
			if (rc < 0) {
				char msg[1200];
				snprintf(msg, sizeof(msg),
					 "%s: give a time with --at", err);
				add_refuse(r, "at", msg);
				return -1;
			}
			if (within(c, q->publish_at, horizon))
				break;
		}
		r->slot = 1;
	}
	guardrails(c, q->platforms, q->nplatforms, q->publish_at, r->warnings);
	return 0;
}

int
method_posts_add(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	struct add_req *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->call = call;
	r->zone = c.zone;
	r->warnings = json_array();
	if (add_prepare(&c, r) < 0)
		queued_submit(c.q, NULL, 0, add_done, r);
	else
		queued_submit(c.q, &r->post, 1, add_done, r);
	return CONTROL_DEFERRED;
}

/* ---------------------------------------------------------------------
 * AddMany: a bulk file.
 */

enum {
	M_NAME,
	M_TEXT,
	M_ALLOW_PAST
};

struct many_req {
	struct control_call *call;
	struct sm_postfile pf;
	struct sm_queue_post *posts;
	unsigned char *slot; /* per row: given its time here */
	const struct sm_tz *zone;
	json_t *warnings;
	const char *err_name;
	json_t *err_params;
	char err_msg[512];
};

static void
many_done(void *ctx, int rc, const char *error)
{
	struct many_req *r = ctx;
	struct control_call *call = r->call;
	if (r->err_name) {
		control_fail(call, r->err_name, r->err_params, "%s",
			     r->err_msg);
		r->err_params = NULL;
	} else if (rc < 0) {
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s (nothing was added)",
			     error);
	} else {
		json_t *posts = json_array();
		for (size_t i = 0; i < r->pf.n; i++) {
			const struct sm_queue_post *q = &r->posts[i];
			char utc[40], local[SM_TZ_RFC3339_MAX];
			json_array_append_new(
				posts,
				json_pack("{s:s, s:i, s:s, s:s, s:b}", "id",
					  q->id, "line", r->pf.rows[i].line,
					  "publish_at",
					  sm_civil_format(q->publish_at,
							  SM_CIVIL_UTC, utc,
							  sizeof(utc)),
					  "publish_at_local",
					  sm_tz_format(r->zone,
						       q->publish_at * 1000, 0,
						       local, sizeof(local)),
					  "slot", r->slot[i]));
		}
		log_info("queued %zu post%s from %s", r->pf.n, PLURAL(r->pf.n),
			 call->args[M_NAME].s);
		control_reply(call, json_pack("{s:o, s:O}", "posts", posts,
					      "warnings", r->warnings));
	}
	json_decref(r->warnings);
	json_decref(r->err_params);
	sm_postfile_free(&r->pf);
	free(r->posts);
	free(r->slot);
	free(r);
}

static void
many_refuse(struct many_req *r, const char *name, const struct sm_diag_list *d,
	    const char *msg)
{
	json_t *problems = json_array();
	size_t nerr = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct sm_diag *x = &d->items[i];
		if (x->severity != SM_ERROR)
			continue;
		nerr++;
		if (json_array_size(problems) >= MAX_PROBLEMS)
			continue;
		char *line = NULL;
		if (x->line > 0) {
			if (asprintf(&line, "%s:%d: %s",
				     x->file ? x->file : name, x->line,
				     x->message) < 0)
				abort();
		} else if (asprintf(&line, "%s: %s", x->file ? x->file : name,
				    x->message) < 0) {
			abort();
		}
		json_array_append_new(problems, sm_proto_string(line));
		free(line);
	}
	r->err_name = SM_PROTO_E_INVALID_FILE;
	r->err_params = json_pack("{s:o, s:o}", "file", sm_proto_string(name),
				  "problems", problems);
	if (msg)
		snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
	else
		snprintf(r->err_msg, sizeof(r->err_msg),
			 "%s: %zu problem%s%s; nothing was added", name, nerr,
			 PLURAL(nerr),
			 nerr > MAX_PROBLEMS ? " (the first ones listed)" : "");
}

/* Reads, checks and places a file's rows; 0, or -1 with the refusal
 * recorded. */
static int
many_prepare(struct ctx *c, struct many_req *r)
{
	struct control_call *call = c->call;
	const char *name = call->args[M_NAME].s;
	struct sm_postfile_opts o = {
		.cfg = c->cfg,
		.zone = c->zone,
		.now = c->now,
		.allow_past = arg_bool(call, M_ALLOW_PAST),
		.format = SM_POSTFILE_AUTO,
	};
	struct sm_diag_list d = {0};
	if (sm_postfile_read(call->args[M_TEXT].s, call->args[M_TEXT].len, name,
			     &o, &r->pf, &d) < 0) {
		many_refuse(r, name, &d, NULL);
		sm_diag_clear(&d);
		return -1;
	}
	if (r->pf.n == 0) {
		sm_diag_add(&d, SM_ERROR, name, 0, "no posts in the file");
		many_refuse(r, name, &d, NULL);
		sm_diag_clear(&d);
		return -1;
	}
	/* The config's spellings into the file's arena (a reload may free
	 * the config before the commit), and the platforms of the file. */
	const char *plats[64];
	size_t np = 0;
	r->slot = calloc(r->pf.n, 1);
	if (!r->slot)
		abort();
	for (size_t i = 0; i < r->pf.n; i++) {
		struct sm_queue_post *q = &r->pf.rows[i].post;
		r->slot[i] = q->publish_at == SM_QUEUE_UNSET;
		for (int k = 0; k < q->nplatforms; k++) {
			q->platforms[k] =
				sm_arena_strdup(&r->pf.arena, q->platforms[k]);
			size_t j = 0;
			while (j < np && strcmp(plats[j], q->platforms[k]) != 0)
				j++;
			if (j == np && np < sizeof(plats) / sizeof(plats[0]))
				plats[np++] = q->platforms[k];
		}
	}
	for (sm_time horizon = SLOT_HORIZON;; horizon *= 4) {
		sm_time **keep;
		struct sm_slot_planner *p =
			planner_for(c, plats, np, horizon, &keep);
		for (size_t i = 0; i < r->pf.n; i++)
			if (r->slot[i])
				r->pf.rows[i].post.publish_at = SM_QUEUE_UNSET;
		int bad = sm_postfile_plan(&r->pf, p, name, &d);
		planner_done(p, keep, np);
		if (bad > 0) {
			many_refuse(r, name, &d, NULL);
			sm_diag_clear(&d);
			return -1;
		}
		int ok = 1;
		for (size_t i = 0; i < r->pf.n && ok; i++)
			ok = !r->slot[i] ||
			     within(c, r->pf.rows[i].post.publish_at, horizon);
		if (ok)
			break;
	}
	sm_diag_clear(&d);
	r->posts = calloc(r->pf.n, sizeof(*r->posts));
	if (!r->posts)
		abort();
	for (size_t i = 0; i < r->pf.n; i++) {
		r->posts[i] = r->pf.rows[i].post;
		if (json_array_size(r->warnings) < MAX_WARNINGS)
			guardrails(c, r->posts[i].platforms,
				   r->posts[i].nplatforms,
				   r->posts[i].publish_at, r->warnings);
	}
	return 0;
}

int
method_posts_add_many(struct control_call *call)
{
	struct ctx c;
	ctx_init(call, &c);
	struct many_req *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->call = call;
	r->zone = c.zone;
	r->warnings = json_array();
	if (many_prepare(&c, r) < 0)
		queued_submit(c.q, NULL, 0, many_done, r);
	else
		queued_submit(c.q, r->posts, r->pf.n, many_done, r);
	return CONTROL_DEFERRED;
}
