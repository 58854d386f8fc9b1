/*
 * method-cadence: io.smcal.Cadence (the plan against the calendar, SPEC
 * section 7: a row per platform and period, one per reply, then the
 * content mix and the guardrail warnings in the last reply) and
 * io.smcal.Grid (a week or a month of posts per day and platform, with the
 * cadence of each platform's periods that overlap it, for smctl calendar).
 *
 * Both gather the posts of their span with plan_gather (every series set,
 * done marks in one query) and answer from the running world; nothing is
 * kept between calls.
 */
#include "control.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cadence.h"
#include "plan.h"
#include "when.h"

#define REPLIES_PER_TURN 64
/* Guardrail warnings sent at most: a crowded calendar can cross them by
 * the hundred thousand, and a reply holds 1 MiB; warnings_total says how
 * many there are. */
#define WARNINGS_MAX 500

static const char *const WEEKDAYS[7] = {"mon", "tue", "wed", "thu",
					"fri", "sat", "sun"};

static enum sm_cadence_unit
unit_named(const struct sm_proto_value *v)
{
	if (!v->set)
		return SM_CADENCE_NONE;
	if (strcmp(v->s, "day") == 0)
		return SM_CADENCE_DAY;
	if (strcmp(v->s, "month") == 0)
		return SM_CADENCE_MONTH;
	return SM_CADENCE_WEEK;
}

/* A row as SPEC section 7's object (lib/cadence writes it). */
static json_t *
row_json(const struct sm_cadence_row *row)
{
	struct sm_jsonw w = {0};
	sm_cadence_row_json(&w, row);
	json_t *o = json_loadb(w.buf, w.len, 0, NULL);
	sm_jsonw_free(&w);
	if (!o)
		abort(); /* our own JSON */
	return o;
}

/* A platform the config lacks: InvalidParameter naming the configured
 * ones.  Returns 1 when it failed the call. */
static int
check_platform(struct control_call *call, const struct sm_config *cfg,
	       const struct sm_proto_value *v)
{
	if (!v->set || sm_config_platform(cfg, v->s))
		return 0;
	char names[512] = "";
	for (size_t i = 0; i < cfg->nplatforms; i++) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
			 cfg->platforms[i].name);
	}
	control_fail(call, SM_PROTO_E_BAD_VALUE,
		     json_pack("{s:s}", "parameter", "platform"),
		     "platform %.64s is not configured (%s)", v->s,
		     names[0] ? names : "no [platform:NAME] section");
	return 1;
}

/* ---------------------------------------------------------------------
 * io.smcal.Cadence
 */

struct stream {
	json_t *rows;
	json_t *last; /* the final reply's parameters */
	size_t next;
};

static void
stream_free(void *p)
{
	struct stream *s = p;
	json_decref(s->rows);
	json_decref(s->last);
	free(s);
}

/* Sends the next rows, then the summary as the final reply. */
static int
stream_resume(struct control_call *call)
{
	struct stream *s = call->state;
	size_t n = json_array_size(s->rows);
	for (int k = 0; k < REPLIES_PER_TURN && s->next < n; k++)
		control_reply_more(
			call, json_pack("{s:O}", "row",
					json_array_get(s->rows, s->next++)));
	if (s->next < n)
		return CONTROL_AGAIN;
	json_t *last = s->last;
	s->last = NULL;
	control_reply(call, last);
	return CONTROL_DONE;
}

static json_t *
mix_json(const struct sm_cadence_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nmix; i++) {
		struct sm_jsonw w = {0};
		sm_cadence_mix_json(&w, r, &r->mix[i]);
		json_t *o = json_loadb(w.buf, w.len, 0, NULL);
		sm_jsonw_free(&w);
		if (!o)
			abort();
		/* from and to are the report's, given once. */
		json_object_del(o, "from");
		json_object_del(o, "to");
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
warnings_json(const struct sm_cadence_report *r, const struct sm_tz *zone)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nwarnings && i < WARNINGS_MAX; i++) {
		const struct sm_cadence_warning *wn = &r->warnings[i];
		char msg[256], day[16];
		int y, m, d;
		sm_civil_ymd(wn->day, &y, &m, &d);
		snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
		sm_cadence_warning_format(wn, zone, msg, sizeof(msg));
		json_array_append_new(
			a,
			json_pack("{s:o, s:s, s:o, s:o, s:s, s:i, s:o}",
				  "platform",
				  sm_proto_string(wn->platform->name), "kind",
				  wn->kind == SM_GUARD_SPACING ? "min_spacing"
							       : "daily_cap",
				  "first", control_time(wn->first), "second",
				  control_time(wn->second), "day", day, "count",
				  wn->count, "message", sm_proto_string(msg)));
	}
	return a;
}

int
method_cadence(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	if (check_platform(call, w->cfg, &call->args[2]))
		return CONTROL_DONE;
	struct sm_cadence_opts o = {
		.zone = w->opts.zone,
		.unit = unit_named(&call->args[0]),
		.history = call->args[1].set ? (int)call->args[1].i : 0,
		.platform = call->args[2].set ? call->args[2].s : NULL,
		.guardrails = 1,
		.now = control_now_ms() / 1000,
	};
	sm_time from, to;
	sm_cadence_span(w->cfg, &o, &from, &to);
	struct sm_cadence_posts posts = {0};
	struct sm_cadence_report rep = {0};
	if (plan_gather(w, h->queue, st, from, to, &posts) < 0) {
		sm_cadence_posts_free(&posts);
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}
	sm_cadence_report_build(&rep, w->cfg, &o, &posts);
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->rows = json_array();
	for (size_t i = 0; i < rep.nrows; i++)
		json_array_append_new(s->rows, row_json(&rep.rows[i]));
	s->last = json_pack("{s:o, s:i, s:o, s:o, s:o, s:o, s:I}", "timezone",
			    sm_proto_string(w->cfg->timezone), "lookahead",
			    w->cfg->lookahead, "mix_from",
			    control_time(rep.mix_from), "mix_to",
			    control_time(rep.mix_to), "mix", mix_json(&rep),
			    "warnings", warnings_json(&rep, w->opts.zone),
			    "mix_posts", (json_int_t)rep.mix_posts);
	json_object_set_new(s->last, "warnings_total",
			    json_integer((json_int_t)rep.nwarnings));
	sm_cadence_report_free(&rep);
	sm_cadence_posts_free(&posts);
	malloc_trim(0); /* as after plan.c's looks */
	call->state = s;
	call->state_free = stream_free;
	call->resume = stream_resume;
	return stream_resume(call);
}

/* ---------------------------------------------------------------------
 * io.smcal.Grid
 */

static int64_t
local_day(const struct sm_tz *zone, sm_time t)
{
	return sm_civil_day_of(zone ? sm_tz_to_local(zone, t) : t);
}

static json_t *
date_json(int64_t day)
{
	int y, m, d;
	char buf[16];
	sm_civil_ymd(day, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	return json_string(buf);
}

/* Whether post p is on configured platform index pi. */
static int
on_platform(const struct sm_cadence_posts *l, const struct sm_cadence_post *p,
	    int pi)
{
	for (uint16_t k = 0; k < p->nplat; k++)
		if (l->plats[p->plat + k] == pi)
			return 1;
	return 0;
}

/* The cadence row of one platform and period, counted from the posts. */
static void
grid_row(const struct sm_cadence_posts *l, const struct sm_platform *pl, int pi,
	 const struct sm_period *p, sm_time now, struct sm_cadence_row *row)
{
	memset(row, 0, sizeof(*row));
	row->platform = pl;
	row->period = *p;
	row->offset = now < p->start ? 1 : now >= p->end ? -1 : 0;
	row->target = sm_cadence_target(&pl->cadence, p);
	for (size_t i = 0; i < l->n; i++) {
		const struct sm_cadence_post *x = &l->v[i];
		if ((x->flags & SM_CADENCE_CANCELLED) || x->at < p->start ||
		    x->at >= p->end || !on_platform(l, x, pi))
			continue;
		row->scheduled++;
		row->published += (x->flags & SM_CADENCE_DONE) != 0;
	}
	row->gap =
		row->target > row->scheduled ? row->target - row->scheduled : 0;
	if (row->offset == 0)
		row->expected = sm_cadence_expected(row->target, p, now);
	row->status = row->offset == 0 && row->published < row->expected
			      ? SM_CADENCE_BEHIND
		      : row->scheduled < row->target ? SM_CADENCE_SHORT
						     : SM_CADENCE_OK;
}

int
method_grid(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	const struct sm_config *cfg = w->cfg;
	const struct sm_tz *zone = w->opts.zone;
	struct sm_store *st = *h->store;
	sm_time now = control_now_ms() / 1000, at = now;
	char err[256];
	if (call->args[0].set &&
	    sm_when_parse(call->args[0].s, SM_WHEN_FROM, now, zone, &at, err,
			  sizeof(err)) < 0) {
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "from"), "%s",
			     err);
		return CONTROL_DONE;
	}
	if (check_platform(call, cfg, &call->args[2]))
		return CONTROL_DONE;
	enum sm_cadence_unit unit =
		call->args[1].set && strcmp(call->args[1].s, "month") == 0
			? SM_CADENCE_MONTH
			: SM_CADENCE_WEEK;
	struct sm_period win;
	sm_cadence_period_of_day(zone, cfg->week_start, unit,
				 local_day(zone, at), &win);

	/* The platforms shown, and the periods of their plans that overlap
	 * the window (a month plan seen by week: its whole month). */
	size_t np = cfg->nplatforms, nrows = 0;
	int *shown = calloc(np + 1, sizeof(*shown));
	if (!shown)
		abort();
	struct sm_period *periods = NULL;
	int *period_plat = NULL;
	size_t cap = 0;
	sm_time from = win.start, to = win.end;
	for (size_t i = 0; i < np; i++) {
		const struct sm_platform *pl = &cfg->platforms[i];
		shown[i] = !call->args[2].set ||
			   strcasecmp(call->args[2].s, pl->name) == 0;
		if (!shown[i] || pl->cadence.unit == SM_CADENCE_NONE)
			continue;
		struct sm_period p;
		sm_cadence_period_at(zone, cfg->week_start, pl->cadence.unit,
				     win.start, &p);
		for (; p.start < win.end;
		     sm_cadence_period_step(zone, cfg->week_start, &p, 1, &p)) {
			if (nrows == cap) {
				cap = cap ? 2 * cap : 16;
				periods = realloc(periods,
						  cap * sizeof(*periods));
				period_plat =
					realloc(period_plat, cap * sizeof(int));
				if (!periods || !period_plat)
					abort();
			}
			periods[nrows] = p;
			period_plat[nrows++] = (int)i;
			if (p.start < from)
				from = p.start;
			if (p.end > to)
				to = p.end;
		}
	}
	struct sm_cadence_posts posts = {0};
	if (plan_gather(w, h->queue, st, from, to, &posts) < 0) {
		free(shown);
		free(periods);
		free(period_plat);
		sm_cadence_posts_free(&posts);
		control_fail(call, SM_PROTO_E_INTERNAL, NULL,
			     "the state database: %s", sm_store_error(st));
		return CONTROL_DONE;
	}

	/* Posts per day and platform; posts on no configured platform are
	 * "other" (only when every platform is shown). */
	int ndays = win.ndays;
	int *counts = calloc((size_t)ndays * (np + 1), sizeof(*counts));
	int *other = calloc((size_t)ndays, sizeof(*other));
	if (!counts || !other)
		abort();
	for (size_t i = 0; i < posts.n; i++) {
		const struct sm_cadence_post *x = &posts.v[i];
		if ((x->flags & SM_CADENCE_CANCELLED) || x->at < win.start ||
		    x->at >= win.end)
			continue;
		int64_t d = local_day(zone, x->at) - win.first_day;
		if (d < 0 || d >= ndays)
			continue;
		if (x->nplat == 0)
			other[d]++;
		for (uint16_t k = 0; k < x->nplat; k++) {
			int pi = posts.plats[x->plat + k];
			if (shown[pi])
				counts[d * (int64_t)(np + 1) + pi]++;
		}
	}
	json_t *names = json_array(), *days = json_array();
	for (size_t i = 0; i < np; i++)
		if (shown[i])
			json_array_append_new(
				names, sm_proto_string(cfg->platforms[i].name));
	for (int d = 0; d < ndays; d++) {
		json_t *c = json_array();
		for (size_t i = 0; i < np; i++)
			if (shown[i])
				json_array_append_new(
					c,
					json_integer(
						counts[d * (int64_t)(np + 1) +
						       (int64_t)i]));
		/* Each shown platform's period holding the day: an index
		 * into periods, -1 without a plan. */
		json_t *pr = json_array();
		for (size_t i = 0; i < np; i++) {
			if (!shown[i])
				continue;
			long idx = -1;
			for (size_t r = 0; r < nrows && idx < 0; r++)
				if (period_plat[r] == (int)i &&
				    periods[r].first_day <= win.first_day + d &&
				    win.first_day + d <
					    periods[r].first_day +
						    periods[r].ndays)
					idx = (long)r;
			json_array_append_new(pr, json_integer(idx));
		}
		json_t *o =
			json_pack("{s:o, s:s, s:o, s:o}", "date",
				  date_json(win.first_day + d), "weekday",
				  WEEKDAYS[sm_civil_weekday(win.first_day + d)],
				  "posts", c, "periods", pr);
		if (!call->args[2].set)
			json_object_set_new(o, "other", json_integer(other[d]));
		json_array_append_new(days, o);
	}
	json_t *rows = json_array();
	for (size_t r = 0; r < nrows; r++) {
		struct sm_cadence_row row;
		grid_row(&posts, &cfg->platforms[period_plat[r]],
			 period_plat[r], &periods[r], now, &row);
		json_array_append_new(rows, row_json(&row));
	}
	json_t *o = json_pack(
		"{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "period",
		unit == SM_CADENCE_MONTH ? "month" : "week", "label", win.label,
		"start", control_time(win.start), "end", control_time(win.end),
		"first_day", date_json(win.first_day), "last_day",
		date_json(win.first_day + ndays - 1), "timezone",
		sm_proto_string(cfg->timezone), "platforms", names, "days",
		days, "periods", rows);
	json_object_set_new(o, "week_start",
			    json_string(WEEKDAYS[cfg->week_start % 7]));
	control_reply(call, o);
	free(counts);
	free(other);
	free(shown);
	free(periods);
	free(period_plat);
	sm_cadence_posts_free(&posts);
	malloc_trim(0);
	return CONTROL_DONE;
}
