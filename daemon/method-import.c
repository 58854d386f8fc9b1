/*
 * method-import: io.smcal.Metrics.Import, `smctl metric import FILE.csv
 * --platform P`: a platform's CSV export matched to posts and stored in
 * one transaction (SPEC section 8).
 *
 * The file travels as its bytes in base64, in pieces of at most
 * IMPORT_PIECE bytes so that every message stays under the 1 MiB limit:
 * each call with more_data buffers its piece on the connection
 * (control_conn_data; at most SM_PROTO_IMPORT_MAX bytes in all), the last call runs
 * the import.  smcald parses the file itself (lib/csv, lib/metrics), since
 * matching needs its calendars, queue and done marks, and a transaction
 * held open across a client's round trips would stall the firing.
 *
 * The import reads the file twice: first for the span of its publish
 * times, so that only the occurrences of that span (a day either side;
 * the last 400 days too when a row has no time) are gathered as
 * candidates, then row by row into lib/metrics' matcher.  Every problem
 * is listed with its line; with an error, nothing is stored unless
 * partial (then the good rows are); dry_run stores nothing.  The rows are
 * written in one transaction with the import's own row (lib/metricstore),
 * then the goals are checked again.
 */
#include "control.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "csv.h"
#include "goalcheck.h"
#include "metricstore.h"
#include "published.h"
#include "queue.h"

/* How far back rows without a publish time (nor an id naming a post with
 * one publish instant) are looked for. */
#define RECENT_DAYS 400
/* The oldest publish time an import considers. */
#define OLDEST_DAYS (20 * 366)
/* Problems listed in the reply (the counts cover all of them). */
#define PROBLEMS_SHOWN 1000

struct upload {
	char *buf;
	size_t len, cap;
};

static void
upload_free(void *p)
{
	struct upload *u = p;
	if (!u)
		return;
	free(u->buf);
	free(u);
}

/* ---------------------------------------------------------------------
 * The import itself.
 */

struct import {
	const char *file, *platform;
	const struct world *w;
	struct sm_store *st;
	sm_time now;
	struct sm_metrics_map map;
	struct published pub;
	struct sm_metrics_candidate *cands;
	struct sm_metrics_matcher *matcher;
	struct sm_metrics_import im;
	struct sm_diag_list diags; /* before the header was read */
	size_t rows;		   /* data rows read (bad ones included) */
	size_t by[SM_MATCH_AMBIGUOUS + 1];
	char err[512];
};

static void
import_free(struct import *x)
{
	sm_metrics_map_free(&x->map);
	sm_metrics_matcher_free(x->matcher);
	sm_metrics_import_free(&x->im);
	free(x->cands);
	published_free(&x->pub);
	sm_diag_clear(&x->diags);
}

/* The column names of the header row (borrowed from c). */
static const char **
header_names(const struct sm_csv *c, size_t *n)
{
	*n = sm_csv_columns(c);
	const char **names = calloc(*n ? *n : 1, sizeof(*names));
	if (!names)
		abort();
	for (size_t i = 0; i < *n; i++)
		names[i] = sm_csv_column_name(c, i);
	return names;
}

/*
 * The one publish instant of the post a row's id names, when it has one: a
 * queued post's, or a calendar post's without recurrence.  A row without a
 * publish time is then looked for there, however old the post is.
 */
static int
id_instant(struct import *x, const char *cell, sm_time *at)
{
	const char *a, *b;
	sm_csv_trim(cell, &a, &b);
	char id[256];
	if (b == a || (size_t)(b - a) >= sizeof(id))
		return 0;
	memcpy(id, a, (size_t)(b - a));
	id[b - a] = '\0';
	if (sm_queue_id_valid(id)) {
		struct sm_arena ar = {0};
		struct sm_queue_post q;
		int found = sm_queue_get(x->st, id, &ar, &q) == 0;
		sm_arena_free(&ar);
		if (found)
			*at = q.publish_at;
		return found;
	}
	const struct sm_series *s;
	struct sm_occurrence occ;
	if (published_find_series(&x->w->set, id, &s) != 1 ||
	    published_recurring(s) ||
	    !sm_occur_next(s, &x->w->opts,
			   x->now - OLDEST_DAYS * (sm_time)SM_DAY, &occ))
		return 0;
	*at = occ.start;
	return 1;
}

/*
 * First pass: the span of the rows' publish times.  Returns 0 with
 * [*from, *to), or -1 when the header cannot be used (problems in
 * x->diags).
 */
static int
scan_span(struct import *x, const char *data, size_t len, sm_time *from,
	  sm_time *to)
{
	struct sm_csv *c = NULL;
	if (sm_csv_open(data, len, &c, x->err, sizeof(x->err)) < 0) {
		sm_diag_add(&x->diags, SM_ERROR, x->file, 0, "%s", x->err);
		return -1;
	}
	size_t n;
	const char **names = header_names(c, &n);
	struct sm_metrics_header h;
	int rc = sm_metrics_header_read(&h, names, n, sm_csv_header_line(c),
					&x->map, x->file, &x->diags);
	free(names);
	if (rc < 0) {
		sm_metrics_header_free(&h);
		sm_csv_free(c);
		return -1;
	}
	sm_time lo = SM_TIME_MAX, hi = SM_TIME_MIN;
	int untimed = 0;
	struct sm_csv_row row;
	char err[256];
	while ((rc = sm_csv_next(c, &row, err, sizeof(err))) != 0) {
		if (rc < 0)
			continue; /* told in the second pass */
		const char *a = "", *b = a;
		if (h.published_at >= 0 && (size_t)h.published_at < row.n)
			sm_csv_trim(row.fields[h.published_at], &a, &b);
		char when[128];
		size_t wl = (size_t)(b - a);
		sm_time at;
		int date_only;
		if (wl > 0 && wl < sizeof(when)) {
			memcpy(when, a, wl);
			when[wl] = '\0';
			if (sm_metrics_parse_when(when, x->w->opts.zone, &at,
						  &date_only) == 0) {
				if (at < lo)
					lo = at;
				if (at > hi)
					hi = at;
				continue;
			}
		}
		sm_time known;
		if (h.id >= 0 && (size_t)h.id < row.n &&
		    id_instant(x, row.fields[h.id], &known)) {
			if (known < lo)
				lo = known;
			if (known > hi)
				hi = known;
			continue;
		}
		untimed = 1;
	}
	sm_metrics_header_free(&h);
	sm_csv_free(c);
	sm_time oldest = x->now - OLDEST_DAYS * (sm_time)SM_DAY;
	sm_time newest = x->now + 2 * SM_DAY;
	if (untimed || lo > hi) {
		if (x->now - RECENT_DAYS * (sm_time)SM_DAY < lo)
			lo = x->now - RECENT_DAYS * (sm_time)SM_DAY;
		if (hi < x->now)
			hi = x->now;
	}
	/* A day either side: a bare date covers its local day, and the time
	 * rule looks 30 minutes around. */
	lo = lo < oldest + 2 * SM_DAY ? oldest : lo - 2 * SM_DAY;
	hi = hi > newest - 2 * SM_DAY ? newest : hi + 2 * SM_DAY;
	*from = lo;
	*to = hi > lo ? hi : lo + 1;
	return 0;
}

/* Second pass: every row through lib/metrics.  Returns 0, or -1 when
 * the header cannot be used. */
static int
read_rows(struct import *x, const char *data, size_t len)
{
	struct sm_csv *c = NULL;
	if (sm_csv_open(data, len, &c, x->err, sizeof(x->err)) < 0) {
		sm_diag_add(&x->diags, SM_ERROR, x->file, 0, "%s", x->err);
		return -1;
	}
	size_t n;
	const char **names = header_names(c, &n);
	int rc = sm_metrics_import_begin(&x->im, x->file, x->platform,
					 x->w->opts.zone, x->matcher, names, n,
					 sm_csv_header_line(c), &x->map);
	free(names);
	if (rc < 0) {
		sm_csv_free(c);
		return -1;
	}
	struct sm_csv_row row;
	char err[256];
	while ((rc = sm_csv_next(c, &row, err, sizeof(err))) != 0) {
		x->rows++;
		if (rc < 0) {
			sm_diag_add(&x->im.diags, SM_ERROR, x->file, row.line,
				    "%s", err);
			x->im.nbad++;
			continue;
		}
		struct sm_metrics_cells cells = {row.fields, row.n, row.line};
		sm_metrics_import_row(&x->im, &cells);
	}
	sm_csv_free(c);
	return 0;
}

static json_t *
problems_json(const struct sm_diag_list *d, size_t *shown)
{
	json_t *a = json_array();
	*shown = 0;
	for (size_t i = 0; i < d->n && *shown < PROBLEMS_SHOWN; i++, (*shown)++)
		json_array_append_new(
			a,
			json_pack("{s:I, s:s, s:o}", "line",
				  (json_int_t)d->items[i].line, "severity",
				  d->items[i].severity == SM_ERROR ? "error"
								   : "warning",
				  "message",
				  sm_proto_string(d->items[i].message)));
	return a;
}

/* The local date of t in the world's zone, "2026-12-03". */
static void
local_date(const struct world *w, sm_time t, char *buf, size_t len)
{
	sm_time local = w->opts.zone ? sm_tz_to_local(w->opts.zone, t) : t;
	sm_civil_format(sm_civil_day_of(local) * SM_DAY, SM_CIVIL_DATE, buf,
			len);
}

/* Writes the good rows in one transaction; returns 0 or -1 (the store's
 * message). */
static int
store_rows(struct import *x, const char *platform, size_t *nposts,
	   size_t *nfollowers, size_t *changed, int64_t *import_id)
{
	struct sm_metrics_import *im = &x->im;
	struct sm_mstore_post *posts = calloc(im->nrows + 1, sizeof(*posts));
	struct sm_mstore_followers *fol = calloc(im->nrows + 1, sizeof(*fol));
	char(*days)[32] = calloc(im->nrows + 1, sizeof(*days));
	if (!posts || !fol || !days)
		abort();
	size_t np = 0, nf = 0;
	for (size_t i = 0; i < im->nrows; i++) {
		const struct sm_metrics_result *r = &im->rows[i];
		if (!r->ok)
			continue;
		if (r->values.have) {
			const struct pub_occ *o = &x->pub.occ[r->post];
			posts[np].calendar = o->calendar;
			posts[np].uid = o->uid;
			posts[np].recurrence_id = o->rid;
			posts[np].values = r->values;
			posts[np].at = x->now;
			np++;
		}
		if (r->has_followers) {
			local_date(x->w, r->day_start, days[nf], 32);
			fol[nf].platform = platform;
			fol[nf].day = days[nf];
			fol[nf].day_start = r->day_start;
			fol[nf].value = r->followers;
			fol[nf].at = x->now;
			nf++;
		}
	}
	size_t c1 = 0, c2 = 0;
	int rc = sm_store_begin(x->st) == 0 &&
				 sm_metricstore_import_add(
					 x->st, platform, x->file, np + nf,
					 x->now, import_id) == 0 &&
				 sm_metricstore_record(x->st, posts, np, x->now,
						       *import_id, &c1) == 0 &&
				 sm_metricstore_record_followers(
					 x->st, fol, nf, x->now, *import_id,
					 &c2) == 0
			 ? sm_store_commit(x->st)
			 : -1;
	if (rc < 0)
		sm_store_rollback(x->st);
	free(posts);
	free(fol);
	free(days);
	*nposts = np;
	*nfollowers = nf;
	*changed = c1 + c2;
	return rc;
}

static void
run_import(struct control_call *call, const char *data, size_t len)
{
	const struct control_host *h = &call->ctl->host;
	const struct world *w = *h->world;
	const char *platform = call->args[0].s;
	const char *file = call->args[1].set ? call->args[1].s : "(stdin)";
	int partial = call->args[6].set && call->args[6].b;
	int dry_run = call->args[7].set && call->args[7].b;
	int64_t t0 = control_now_ms();
	struct import x = {
		.file = file,
		.w = w,
		.st = *h->store,
		.now = t0 / 1000,
	};
	const struct sm_platform *pl = sm_config_platform(w->cfg, platform);
	if (!pl) {
		char list[512] = "";
		for (size_t i = 0; i < w->cfg->nplatforms; i++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s",
				 i ? ", " : "", w->cfg->platforms[i].name);
		}
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "platform"),
			     "no platform %s in the configuration "
			     "(platforms: %s)",
			     platform, w->cfg->nplatforms ? list : "none");
		return;
	}
	x.platform = pl->name;
	const json_t *maps = call->args[5].set ? call->args[5].j : NULL;
	for (size_t i = 0; i < json_array_size(maps); i++) {
		const char *m = json_string_value(json_array_get(maps, i));
		if (sm_metrics_map_parse(m ? m : "", &x.map, x.err,
					 sizeof(x.err)) < 0) {
			control_fail(call, SM_PROTO_E_BAD_VALUE,
				     json_pack("{s:s}", "parameter", "map"),
				     "%s", x.err);
			import_free(&x);
			return;
		}
	}

	sm_time from, to;
	int ok = scan_span(&x, data, len, &from, &to) == 0;
	if (ok) {
		if (published_gather(&x.pub, w->cfg, &w->set, &w->opts, x.st,
				     from, to, x.err, sizeof(x.err)) < 0) {
			control_fail(call, SM_PROTO_E_INTERNAL, NULL, "%s",
				     x.err);
			import_free(&x);
			return;
		}
		x.cands = calloc(x.pub.nocc + 1, sizeof(*x.cands));
		if (!x.cands)
			abort();
		published_candidates(&x.pub, x.cands);
		x.matcher =
			sm_metrics_matcher_new(x.cands, x.pub.nocc, x.platform);
		ok = read_rows(&x, data, len) == 0;
	}
	/* The header's problems, then the rows'. */
	const struct sm_diag_list *d = ok ? &x.im.diags : &x.diags;
	if (!ok && x.im.diags.n)
		d = &x.im.diags;
	size_t shown = 0;
	json_t *problems = problems_json(d, &shown);
	struct sm_metrics_import *im = &x.im;
	for (size_t i = 0; i < im->nrows; i++)
		if (im->rows[i].ok)
			x.by[im->rows[i].how]++;
	json_t *o = json_pack(
		"{s:o, s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:I, s:I, s:I}",
		"file", sm_proto_string(file), "platform", x.platform, "rows",
		(json_int_t)x.rows, "ok", (json_int_t)im->nok, "bad",
		(json_int_t)im->nbad, "matched", "id",
		(json_int_t)x.by[SM_MATCH_ID], "url",
		(json_int_t)x.by[SM_MATCH_URL], "time",
		(json_int_t)x.by[SM_MATCH_TIME], "errors",
		(json_int_t)d->nerrors, "warnings", (json_int_t)d->nwarnings,
		"problems_shown", (json_int_t)shown);
	json_object_set_new(o, "problems", problems);
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	if (!ok || (d->nerrors > 0 && !partial)) {
		json_object_set_new(o, "stored", json_false());
		control_fail(call, SM_PROTO_E_IMPORT_FAILED, o,
			     !ok ? "%s: the file cannot be imported (%zu "
				   "problem%s): nothing was stored"
				 : "%s: %zu row%s with problems: nothing was "
				   "stored (--partial stores the good rows)",
			     file, ok ? (size_t)im->nbad : d->nerrors,
			     (ok ? (size_t)im->nbad : d->nerrors) == 1 ? ""
								       : "s");
		import_free(&x);
		return;
	}
	size_t np = 0, nf = 0, changed = 0;
	int64_t import_id = 0, t1 = control_now_ms();
	if (!dry_run) {
		deliver_flush(h->deliver);
		if (store_rows(&x, x.platform, &np, &nf, &changed, &import_id) <
		    0) {
			json_decref(o);
			control_fail(call, SM_PROTO_E_INTERNAL, NULL,
				     "the state database: %s; nothing was "
				     "stored",
				     sm_store_error(x.st));
			import_free(&x);
			return;
		}
	} else {
		for (size_t i = 0; i < im->nrows; i++) {
			np += im->rows[i].ok && im->rows[i].values.have;
			nf += im->rows[i].ok && im->rows[i].has_followers;
		}
	}
	int64_t t2 = control_now_ms();
	log_info("metric import %s for %s: %zu row%s, %zu post%s and %zu "
		 "followers count%s %s (%lld ms: reading and matching %lld, "
		 "storing %lld)",
		 file, x.platform, x.rows, PLURAL(x.rows), np, PLURAL(np), nf,
		 PLURAL(nf), dry_run ? "checked (dry run)" : "stored",
		 (long long)(t2 - t0), (long long)(t1 - t0),
		 (long long)(t2 - t1));
	json_object_set_new(o, "stored", json_boolean(!dry_run));
	json_object_set_new(o, "posts", json_integer((json_int_t)np));
	json_object_set_new(o, "followers", json_integer((json_int_t)nf));
	json_object_set_new(o, "changed", json_integer((json_int_t)changed));
	if (import_id > 0)
		json_object_set_new(o, "import_id", json_integer(import_id));
	control_reply(call, o);
	import_free(&x);
	if (changed)
		goalcheck_kick(h->goals);
}

int
method_metric_import(struct control_call *call)
{
	const char *b64 = call->args[2].s;
	size_t blen = call->args[2].len;
	int more = call->args[3].set && call->args[3].b;
	void **slot = control_conn_data(call, upload_free);
	struct upload *u = *slot;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			abort();
		*slot = u;
	}
	size_t need = u->len + blen / 4 * 3 + 1;
	if (need > SM_PROTO_IMPORT_MAX + 1) {
		upload_free(u);
		*slot = NULL;
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "data"),
			     "the file is larger than %d MiB: import it in "
			     "parts",
			     SM_PROTO_IMPORT_MAX >> 20);
		return CONTROL_DONE;
	}
	if (need > u->cap) {
		size_t cap = u->cap ? u->cap : 1 << 20;
		while (cap < need)
			cap *= 2;
		char *b = realloc(u->buf, cap);
		if (!b)
			abort();
		u->buf = b;
		u->cap = cap;
	}
	long n = sm_base64_decode(b64, blen, u->buf + u->len);
	if (n < 0) {
		upload_free(u);
		*slot = NULL;
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "data"),
			     "data is not base64 (RFC 4648, padded, each "
			     "piece on its own)");
		return CONTROL_DONE;
	}
	u->len += (size_t)n;
	if (more) {
		control_reply(call, json_pack("{s:I}", "received",
					      (json_int_t)u->len));
		return CONTROL_DONE;
	}
	/* The whole file: run it, then forget it. */
	*slot = NULL;
	if (call->args[4].set && (size_t)call->args[4].i != u->len) {
		control_fail(call, SM_PROTO_E_BAD_VALUE,
			     json_pack("{s:s}", "parameter", "size"),
			     "%zu bytes received where the file has %lld: a "
			     "piece is missing; send the file again",
			     u->len, (long long)call->args[4].i);
		upload_free(u);
		return CONTROL_DONE;
	}
	run_import(call, u->buf, u->len);
	upload_free(u);
	return CONTROL_DONE;
}
