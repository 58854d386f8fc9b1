/*
 * smctl expand FILE... --from T --to T [--tz ZONE] [--all] [--json]: every
 * occurrence whose actual start is in [from, to), in start order (then UID,
 * then identity), as SPEC section 6 lists the fields.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "offline.h"
#include "post.h"

struct found {
	sm_time start;
	sm_time rid;
	const struct sm_post *post;
	const struct sm_series *series;
	enum sm_dt_kind rid_kind;
	int cancelled;
};

struct collect {
	struct found *v;
	size_t n, cap;
	int all;
};

static int
collect_one(void *ctx, const struct sm_occurrence *occ)
{
	struct collect *c = ctx;
	if (occ->cancelled && !c->all)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		void *p = realloc(c->v, c->cap * sizeof(*c->v));
		if (!p) {
			fprintf(stderr, "smctl: out of memory\n");
			exit(CTL_FAILED);
		}
		c->v = p;
	}
	struct found *f = &c->v[c->n++];
	f->start = occ->start;
	f->rid = occ->rid;
	f->post = occ->post;
	f->series = occ->series;
	f->rid_kind = occ->rid_kind;
	f->cancelled = occ->cancelled;
	return 0;
}

static const char *
series_uid(const struct found *f)
{
	return f->series->master ? f->series->master->uid : f->post->uid;
}

static int
cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	int c = strcmp(series_uid(x), series_uid(y));
	if (c)
		return c;
	return (x->rid > y->rid) - (x->rid < y->rid);
}

/* A window bound: RFC 3339 with offset, or a date or local time read in
 * the expansion zone. */
static int
parse_bound(const char *s, const struct sm_tz *zone, sm_time *out)
{
	sm_time t;
	int has_offset, date_only;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) < 0)
		return -1;
	*out = has_offset ? t : sm_tz_resolve(zone, t);
	return 0;
}

static const char *
status_name(const struct found *f)
{
	return sm_post_status_name(f->post, f->cancelled);
}

static void
write_json(struct sm_jsonw *w, const struct offline *off, char **fragments,
	   const struct found *f)
{
	char buf[40];
	struct sm_occurrence occ = {0};
	occ.rid = f->rid;
	occ.rid_kind = f->rid_kind;
	sm_jsonw_reset(w);
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "uid");
	sm_jsonw_string(w, series_uid(f));
	sm_jsonw_key(w, "recurrence_id");
	sm_jsonw_string(w, sm_occur_format_rid(&occ, buf, sizeof(buf)));
	sm_jsonw_key(w, "start");
	sm_jsonw_string(
		w, sm_civil_format(f->start, SM_CIVIL_UTC, buf, sizeof(buf)));
	sm_jsonw_key(w, "all_day");
	if (f->post->start.kind == SM_DT_DATE)
		sm_jsonw_raw(w, "true", 4);
	else
		sm_jsonw_raw(w, "false", 5);
	/* The post's own fields are escaped once per post, not once per
	 * occurrence. */
	size_t pi = (size_t)(f->post - off->cal.posts);
	char **frag = &fragments[pi];
	if (!*frag) {
		struct sm_jsonw pw = {0};
		pw.need_comma = 1;
		sm_jsonw_key(&pw, "summary");
		sm_jsonw_string(&pw, f->post->title);
		sm_jsonw_key(&pw, "platforms");
		sm_jsonw_open(&pw, '[');
		const char *names[32];
		int n = sm_post_platforms(off->cfg, f->post, names, 32);
		for (int i = 0; i < n; i++) {
			sm_jsonw_elem(&pw);
			sm_jsonw_string(&pw, names[i]);
		}
		sm_jsonw_close(&pw, ']');
		*frag = strdup(pw.buf); /* pw.buf has slack */
		sm_jsonw_free(&pw);
		if (!*frag) {
			fprintf(stderr, "smctl: out of memory\n");
			exit(CTL_FAILED);
		}
	}
	sm_jsonw_raw(w, *frag, strlen(*frag));
	sm_jsonw_key(w, "status");
	sm_jsonw_string(w, status_name(f));
	sm_jsonw_close(w, '}');
	sm_jsonw_raw(w, "\n", 1);
}

static int
expand_exec(const struct ctl_env *env, int argc, char **argv)
{
	const char *from_s = NULL, *to_s = NULL, *tz = NULL;
	int all = 0, json = 0, c;
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"tz", required_argument, NULL, 'z'},
		{"all", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ctl_help(&ctl_cmd_expand);
		case 'f':
			from_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'z':
			tz = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return ctl_usage(&ctl_cmd_expand);
		}
	}
	if (optind >= argc || !from_s || !to_s)
		return ctl_usage(&ctl_cmd_expand);
	/* Without -c the window and floating times are in UTC (SPEC 6). */
	struct offline off;
	int rc = offline_load(&off, env,
			      tz ? tz : (env->config_path ? NULL : "UTC"),
			      argv + optind, argc - optind);
	if (rc != CTL_OK) {
		offline_fini(&off);
		return rc;
	}
	sm_time from, to;
	if (parse_bound(from_s, off.opts.zone, &from) < 0 ||
	    parse_bound(to_s, off.opts.zone, &to) < 0) {
		fprintf(stderr, "smctl expand: --from and --to take RFC 3339 "
				"times (2026-12-01T09:00:00Z) or dates "
				"(2026-12-01)\n");
		offline_fini(&off);
		return CTL_USAGE;
	}
	if (off.diags.nerrors)
		sm_diag_print(&off.diags, stderr);
	struct collect col = {0};
	col.all = all;
	for (size_t i = 0; i < off.set.n; i++)
		sm_occur_window(&off.set.series[i], &off.opts, from, to,
				collect_one, &col);
	if (col.n)
		qsort(col.v, col.n, sizeof(*col.v), cmp_found);
	struct sm_jsonw w = {0};
	char **fragments = calloc(off.cal.nposts + 1, sizeof(char *));
	if (!fragments) {
		fprintf(stderr, "smctl: out of memory\n");
		offline_fini(&off);
		return CTL_FAILED;
	}
	for (size_t i = 0; i < col.n; i++) {
		const struct found *f = &col.v[i];
		if (json) {
			write_json(&w, &off, fragments, f);
			fwrite(w.buf, 1, w.len, stdout);
		} else {
			char when[40], rid[40];
			struct sm_occurrence occ = {0};
			occ.rid = f->rid;
			occ.rid_kind = f->rid_kind;
			printf("%s  %-9s  %s  %s  %s\n",
			       sm_civil_format(f->start, SM_CIVIL_UTC, when,
					       sizeof(when)),
			       status_name(f), series_uid(f),
			       sm_occur_format_rid(&occ, rid, sizeof(rid)),
			       f->post->title ? f->post->title : "");
		}
	}
	sm_jsonw_free(&w);
	for (size_t i = 0; i < off.cal.nposts; i++)
		free(fragments[i]);
	free(fragments);
	free(col.v);
	rc = fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
	offline_fini(&off);
	return rc;
}

const struct ctl_cmd ctl_cmd_expand = {
	.name = "expand",
	.usage = "FILE.ics... --from T --to T [--tz ZONE] [--all] [--json]",
	.summary = "list occurrences in [from, to) in start order",
	.help = "Offline: reads the files, needs no daemon.  T is a date or an "
		"RFC 3339 time.\n"
		"\n"
		"  --from T, --to T  the window: occurrences whose actual start "
		"is in it\n"
		"  --tz ZONE         zone of floating and all-day times "
		"(default UTC,\n"
		"                    or the config's with -c)\n"
		"  --all             include cancelled occurrences\n"
		"  --json            one JSON object per occurrence per line\n",
	.exec = expand_exec,
};
