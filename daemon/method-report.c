/*
 * method-report: io.smcal.Metrics.Report (`smctl report`: per group and
 * period, posts published and their KPIs, SPEC section 8) and
 * io.smcal.Metrics.Goals (`smctl goals`: each goal's value, path,
 * projection and status).
 *
 * Report gathers the occurrences of [from, to) with their done marks and
 * values (published.c), builds lib/metrics' report and sends one row per
 * reply (call with "more"), as JSON objects or, with csv, as CSV lines
 * after a header line.  Every reply is made before the first is sent:
 * the rows borrow from the world, which a reload may replace while the
 * stream waits for the client.
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

#include "goalcheck.h"
#include "published.h"
#include "when.h"

#define REPLIES_PER_TURN 64
/* Periods shown without --from. */
#define DEFAULT_PERIODS 4
/* Best posts per row. */
#define BEST 3

struct stream {
	json_t *replies;
	size_t next;
};

static void
stream_free(void *p)
{
	struct stream *s = p;
	json_decref(s->replies);
	free(s);
}

static int
stream_resume(struct control_call *call)
{
	struct stream *s = call->state;
	size_t n = json_array_size(s->replies);
	if (n == 0) {
		control_reply(call, NULL);
		return CONTROL_DONE;
	}
	for (int k = 0; k < REPLIES_PER_TURN && s->next < n; k++) {
		json_t *p = json_incref(json_array_get(s->replies, s->next));
		if (++s->next == n) {
			control_reply(call, p);
			return CONTROL_DONE;
		}
		control_reply_more(call, p);
	}
	return CONTROL_AGAIN;
}

static enum sm_cadence_unit
unit_of(const char *s)
{
	if (!s || strcmp(s, "week") == 0)
		return SM_CADENCE_WEEK;
	if (strcmp(s, "month") == 0)
		return SM_CADENCE_MONTH;
	return SM_CADENCE_DAY;
}

/* One jsonw buffer as a reply's value. */
static json_t *
parsed(const struct sm_jsonw *w)
{
	json_error_t e;
	json_t *j = json_loadb(w->buf, w->len, 0, &e);
	if (!j)
		abort(); /* lib/metrics writes valid JSON */
	return j;
}

int
method_metric_report(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	const struct sm_config *cfg = w->cfg;
	sm_time now = control_now_ms() / 1000;
	enum sm_cadence_unit unit =
		unit_of(call->args[0].set ? call->args[0].s : NULL);
	int by = call->args[1].set ? sm_metrics_by_parse(call->args[1].s)
				   : SM_METRICS_BY_NONE;
	int csv = call->args[4].set && call->args[4].b;

	/* Default: the current period and the ones before it. */
	struct sm_period cur, first;
	sm_cadence_period_at(w->opts.zone, cfg->week_start, unit, now, &cur);
	sm_cadence_period_step(w->opts.zone, cfg->week_start, &cur,
			       -(DEFAULT_PERIODS - 1), &first);
	sm_time from = first.start, to = cur.end;
	char err[256];
	const char *names[2] = {"from", "to"};
	enum sm_when_mode modes[2] = {SM_WHEN_FROM, SM_WHEN_TO};
	sm_time *dst[2] = {&from, &to};
	for (int i = 0; i < 2; i++) {
		if (!call->args[2 + i].set)
			continue;
		if (sm_when_parse(call->args[2 + i].s, modes[i], now,
				  w->opts.zone, dst[i], err, sizeof(err)) < 0) {
			control_fail(call, SM_PROTO_E_BAD_VALUE,
				     json_pack("{s:s}", "parameter", names[i]),
				     "--%s: %s", names[i], err);
			return CONTROL_DONE;
		}
	}
	if (from >= to) {
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "to"),
			     "--to must come after --from");
		return CONTROL_DONE;
	}

	struct published pub;
	if (published_gather(&pub, cfg, &w->set, &w->opts, st, from, to, err,
			     sizeof(err)) < 0) {
		published_free(&pub);
		control_fail(call, SM_PROTO_E_INTERNAL, NULL, "%s", err);
		return CONTROL_DONE;
	}
	const char **order = calloc(cfg->nplatforms + 1, sizeof(*order));
	if (!order)
		abort();
	for (size_t i = 0; i < cfg->nplatforms; i++)
		order[i] = cfg->platforms[i].name;
	struct sm_metrics_opts o = {
		.zone = w->opts.zone,
		.week_start = cfg->week_start,
		.unit = unit,
		.by = (enum sm_metrics_by)by,
		.from = from,
		.to = to,
		.order = by == SM_METRICS_BY_PLATFORM ? order : NULL,
		.norder = by == SM_METRICS_BY_PLATFORM ? cfg->nplatforms : 0,
		.nbest = BEST,
	};
	struct sm_metrics_report r = {0};
	if (sm_metrics_report_build(&r, &o, pub.posts, pub.nposts) < 0) {
		free(order);
		published_free(&pub);
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "from"),
			     "the report would hold more than %d rows "
			     "(groups times periods): narrow --from and --to "
			     "or use a longer --period",
			     SM_METRICS_MAX_ROWS);
		return CONTROL_DONE;
	}
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->replies = json_array();
	struct sm_jsonw jw = {0};
	if (csv) {
		sm_metrics_csv_header(&jw, &r);
		json_array_append_new(
			s->replies, json_pack("{s:s%}", "csv", jw.buf, jw.len));
	}
	for (size_t i = 0; i < r.nrows; i++) {
		sm_jsonw_reset(&jw);
		if (csv) {
			sm_metrics_row_csv(&jw, &r, &r.rows[i]);
			json_array_append_new(
				s->replies,
				json_pack("{s:s%}", "csv", jw.buf, jw.len));
		} else {
			sm_metrics_row_json(&jw, &r, &r.rows[i]);
			json_array_append_new(
				s->replies,
				json_pack("{s:o}", "row", parsed(&jw)));
		}
	}
	sm_jsonw_free(&jw);
	sm_metrics_report_free(&r);
	free(order);
	published_free(&pub);
	call->state = s;
	call->state_free = stream_free;
	call->resume = stream_resume;
	return stream_resume(call);
}

int
method_metric_goals(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	struct sm_store *st = *h->store;
	sm_time now = control_now_ms() / 1000;
	struct goal_results r;
	char err[256];
	if (goals_evaluate(&r, w->cfg, &w->set, &w->opts, st, now, err,
			   sizeof(err)) < 0) {
		goals_results_free(&r);
		control_fail(call, SM_PROTO_E_INTERNAL, NULL, "%s", err);
		return CONTROL_DONE;
	}
	json_t *goals = json_array(), *problems = json_array();
	struct sm_jsonw jw = {0};
	for (size_t i = 0; i < r.n; i++) {
		const struct sm_goal *g = &w->cfg->goals[i];
		if (!r.valid[i]) {
			char day[32];
			sm_time local =
				w->opts.zone ? sm_tz_to_local(w->opts.zone,
							      r.first_seen[i])
					     : r.first_seen[i];
			sm_civil_format(local, SM_CIVIL_DATE, day, sizeof(day));
			json_array_append_new(
				problems,
				json_sprintf("goal %s: first seen on %s, after "
					     "its deadline: give it a start",
					     g->name, day));
			continue;
		}
		sm_jsonw_reset(&jw);
		sm_goal_json(&jw, &r.e[i]);
		json_array_append_new(goals, parsed(&jw));
	}
	sm_jsonw_free(&jw);
	goals_results_free(&r);
	control_reply(call,
		      json_pack("{s:o, s:o, s:o}", "goals", goals, "problems",
				problems, "at", control_time(now)));
	return CONTROL_DONE;
}
