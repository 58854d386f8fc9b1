/*
 * smctl expand FILE... [--from T] [--to T] [--tz ZONE] [--all] [--json]:
 * every occurrence whose actual start is in [from, to), in start order (then
 * UID, then identity).  --json writes SPEC section 6's fields, one object a
 * line; the default is a table for people: times in the zone with their
 * offset, platforms, and the file when there are several.
 *
 * The window's bounds are read in the zone (--tz, else the config's with
 * -c, else UTC): RFC 3339 with an offset, a date or local time, now, today,
 * tomorrow, yesterday, or a duration: +7d after --from for --to, from now
 * for --from.  Days and weeks of a duration are calendar days in the zone.
 * Without --from the window starts today at 00:00, without --to it lasts
 * 7 days.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jsonw.h"
#include "logesc.h"
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

/* Midnight of the local day `days` after the one of instant t. */
static sm_time
local_midnight(const struct sm_tz *zone, sm_time t, int64_t days)
{
	int64_t day = sm_civil_day_of(sm_tz_to_local(zone, t));
	return sm_tz_resolve(zone, (day + days) * SM_DAY);
}

/* base plus a signed duration: whole days as calendar days in the zone
 * (the same wall-clock time across a DST change), the rest elapsed. */
static sm_time
add_duration(const struct sm_tz *zone, sm_time base, int64_t seconds)
{
	int64_t days = seconds / SM_DAY, rest = seconds % SM_DAY;
	if (days)
		base = sm_tz_resolve(zone, sm_tz_to_local(zone, base) +
						   days * SM_DAY);
	return base + rest;
}

/*
 * A window bound: RFC 3339 with an offset; a date or local time in the zone;
 * now, today, tomorrow or yesterday; or +DURATION / -DURATION from base.
 */
static int
parse_bound(const char *s, const struct sm_tz *zone, sm_time now, sm_time base,
	    sm_time *out)
{
	static const struct {
		const char *name;
		int days;
	} days[] = {{"yesterday", -1}, {"today", 0}, {"tomorrow", 1}};
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	for (size_t i = 0; i < sizeof(days) / sizeof(*days); i++)
		if (strcmp(s, days[i].name) == 0) {
			*out = local_midnight(zone, now, days[i].days);
			return 0;
		}
	if (s[0] == '+' || s[0] == '-') {
		int64_t d;
		if (sm_duration_parse(s + 1, &d) < 0)
			return -1;
		*out = add_duration(zone, base, s[0] == '-' ? -d : d);
		return 0;
	}
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

/* A local time with its offset: "2026-12-01 09:30 +01:00" (with seconds
 * when asked), or "2026-12-01 all day". */
static void
format_local(const struct sm_tz *zone, sm_time t, int all_day, int seconds,
	     char *buf, size_t len)
{
	sm_time local = sm_tz_to_local(zone, t);
	struct sm_civil c;
	sm_civil_split(local, &c);
	if (all_day) {
		snprintf(buf, len, "%04d-%02d-%02d all day", c.year, c.month,
			 c.day);
		return;
	}
	long off = (long)(local - t);
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	char sec[8] = "";
	if (seconds)
		snprintf(sec, sizeof(sec), ":%02d", c.second);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d%s %c%02ld:%02ld", c.year,
		 c.month, c.day, c.hour, c.minute, sec, sign, off / 3600,
		 off / 60 % 60);
}

/* Characters (UTF-8 code points) in s: what a column's width counts. */
static size_t
text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

enum {
	COL_START,
	COL_STATUS,
	COL_PLATFORMS,
	COL_UID,
	COL_RID,
	COL_FILE,
	COL_TITLE,
	NCOLS
};

static const char *const col_names[NCOLS] = {
	"START",	 "STATUS", "PLATFORMS", "UID",
	"RECURRENCE-ID", "FILE",   "TITLE"};

/* Text made safe for one line of a terminal, in a new string. */
static char *
cell(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	size_t cap = len * 6 + 1; /* "\uHHHH" is the longest escape */
	char *out = malloc(cap);
	if (!out) {
		fprintf(stderr, "smctl: out of memory\n");
		exit(CTL_FAILED);
	}
	sm_logesc_escape(out, cap, s ? s : "", len);
	return out;
}

/*
 * The table: a header, one row per occurrence with columns as wide as their
 * widest cell (the title last, unpadded), the FILE column only when several
 * files were read, then the window it covers.
 */
static void
write_table(const struct offline *off, const struct found *v, size_t n,
	    int show_file, int allday_time, sm_time from, sm_time to)
{
	int seconds = 0;
	for (size_t i = 0; i < n; i++)
		seconds |= sm_tz_to_local(off->opts.zone, v[i].start) % 60 != 0;
	char **cells = calloc(n * NCOLS + 1, sizeof(char *));
	if (!cells) {
		fprintf(stderr, "smctl: out of memory\n");
		exit(CTL_FAILED);
	}
	size_t width[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(col_names[c]);
	for (size_t i = 0; i < n; i++) {
		const struct found *f = &v[i];
		char **row = &cells[i * NCOLS], buf[64];
		format_local(off->opts.zone, f->start,
			     f->post->start.kind == SM_DT_DATE && !allday_time,
			     seconds, buf, sizeof(buf));
		row[COL_START] = cell(buf);
		row[COL_STATUS] = cell(status_name(f));
		const char *names[32];
		int np = sm_post_platforms(off->cfg, f->post, names, 32);
		char plat[512] = "-";
		size_t pl = 0;
		for (int k = 0; k < np && pl < sizeof(plat); k++)
			pl += (size_t)snprintf(plat + pl, sizeof(plat) - pl,
					       "%s%s", k ? "," : "", names[k]);
		row[COL_PLATFORMS] = cell(plat);
		row[COL_UID] = cell(series_uid(f));
		struct sm_occurrence occ = {0};
		occ.rid = f->rid;
		occ.rid_kind = f->rid_kind;
		row[COL_RID] =
			cell(sm_occur_format_rid(&occ, buf, sizeof(buf)));
		row[COL_FILE] = cell(f->post->file);
		row[COL_TITLE] = cell(f->post->title);
		for (int c = 0; c < NCOLS; c++) {
			size_t w = text_width(row[c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t i = 0; i <= n; i++) {
		for (int c = 0; c < NCOLS; c++) {
			if (c == COL_FILE && !show_file)
				continue;
			const char *t = i == 0 ? col_names[c]
					       : cells[(i - 1) * NCOLS + c];
			if (c == COL_TITLE) {
				printf("%s\n", t);
				break;
			}
			printf("%s%*s  ", t, (int)(width[c] - text_width(t)),
			       "");
		}
	}
	char a[64], b[64];
	format_local(off->opts.zone, from, 0, 0, a, sizeof(a));
	format_local(off->opts.zone, to, 0, 0, b, sizeof(b));
	printf("%zu occurrence%s from %s to %s (%s)\n", n, n == 1 ? "" : "s", a,
	       b, off->zone_name);
	for (size_t i = 0; i < n * NCOLS; i++)
		free(cells[i]);
	free(cells);
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
	if (optind >= argc)
		return ctl_usage(&ctl_cmd_expand);
	/* Without -c the window and floating times are in UTC (SPEC 6). */
	struct offline off;
	int rc = offline_open(&off, env,
			      tz ? tz : (env->config_path ? NULL : "UTC"));
	if (rc != CTL_OK) {
		offline_fini(&off);
		return rc;
	}
	sm_time now = (sm_time)time(NULL), from, to;
	if (from_s ? parse_bound(from_s, off.opts.zone, now, now, &from) < 0
		   : (from = local_midnight(off.opts.zone, now, 0), 0)) {
		fprintf(stderr,
			"smctl expand: --from %s: expected RFC 3339 "
			"(2026-12-01T09:00:00Z), a date or local time in %s "
			"(2026-12-01, 2026-12-01T09:00), now, today, tomorrow, "
			"yesterday, or a duration from now (+2h, -7d)\n",
			from_s, off.zone_name);
		offline_fini(&off);
		return CTL_USAGE;
	}
	if (to_s ? parse_bound(to_s, off.opts.zone, now, from, &to) < 0
		 : (to = add_duration(off.opts.zone, from, 7 * SM_DAY), 0)) {
		fprintf(stderr,
			"smctl expand: --to %s: expected RFC 3339 "
			"(2027-01-01T00:00:00Z), a date or local time in %s "
			"(2027-01-01), now, today, tomorrow, yesterday, or a "
			"duration after --from (+7d, +1w)\n",
			to_s, off.zone_name);
		offline_fini(&off);
		return CTL_USAGE;
	}
	if (from > to) {
		char a[40], b[40];
		fprintf(stderr,
			"smctl expand: --from (%s) is after --to (%s): the "
			"window is [from, to)\n",
			sm_civil_format(from, SM_CIVIL_UTC, a, sizeof(a)),
			sm_civil_format(to, SM_CIVIL_UTC, b, sizeof(b)));
		offline_fini(&off);
		return CTL_USAGE;
	}
	/* The table shows when the daemon would publish: all-day posts at
	 * its allday_time.  The JSON keeps SPEC 6's midnight. */
	int allday_time = !json && env->config_path;
	if (allday_time)
		off.opts.allday_offset = (sm_time)off.cfg->allday_time * 60;
	offline_read(&off, argv + optind, argc - optind);
	if (off.diags.nerrors)
		sm_diag_print(&off.diags, stderr);
	if (off.unreadable) {
		fprintf(stderr, "smctl expand: %d file%s could not be read\n",
			off.unreadable, off.unreadable == 1 ? "" : "s");
		offline_fini(&off);
		return CTL_FAILED;
	}
	struct collect col = {0};
	col.all = all;
	for (size_t i = 0; i < off.set.n; i++)
		sm_occur_window(&off.set.series[i], &off.opts, from, to,
				collect_one, &col);
	if (col.n)
		qsort(col.v, col.n, sizeof(*col.v), cmp_found);
	if (json) {
		struct sm_jsonw w = {0};
		char **fragments = calloc(off.cal.nposts + 1, sizeof(char *));
		if (!fragments) {
			fprintf(stderr, "smctl: out of memory\n");
			offline_fini(&off);
			return CTL_FAILED;
		}
		for (size_t i = 0; i < col.n; i++) {
			write_json(&w, &off, fragments, &col.v[i]);
			fwrite(w.buf, 1, w.len, stdout);
		}
		sm_jsonw_free(&w);
		for (size_t i = 0; i < off.cal.nposts; i++)
			free(fragments[i]);
		free(fragments);
	} else {
		write_table(&off, col.v, col.n, argc - optind > 1, allday_time,
			    from, to);
	}
	free(col.v);
	rc = fflush(stdout) == 0 ? CTL_OK : CTL_FAILED;
	offline_fini(&off);
	return rc;
}

const struct ctl_cmd ctl_cmd_expand = {
	.name = "expand",
	.usage = "FILE.ics... [--from T] [--to T] [--tz ZONE] [--all] "
		 "[--json]",
	.summary = "list the occurrences whose start is in [from, to), in "
		   "start order",
	.help = "options:\n"
		"  --from T   start of the window (default: today, 00:00 in "
		"the zone)\n"
		"  --to T     end of the window, excluded (default: 7 days "
		"after --from)\n"
		"  --tz ZONE  zone of the window, of floating and all-day "
		"times and of the\n"
		"             table (default: the config's timezone with -c, "
		"else UTC)\n"
		"  --all      list cancelled occurrences too\n"
		"  --json     one JSON object per occurrence and line: uid, "
		"recurrence_id,\n"
		"             start (UTC), all_day, summary, platforms, "
		"status\n"
		"\n"
		"T is RFC 3339 with an offset (2026-12-01T09:00:00Z), a date "
		"or local time in\n"
		"the zone (2026-12-01, 2026-12-01T09:00), now, today, "
		"tomorrow, yesterday,\n"
		"or a duration (+7d, -2h, +1w): from now for --from, from "
		"--from for --to.\n"
		"Days and weeks are calendar days in the zone.\n"
		"\n"
		"The table shows each start in the zone with its offset, "
		"its platforms (with\n"
		"-c, the configured ones its CATEGORIES name) and, with "
		"several files, the\n"
		"file; with -c, all-day posts at the daemon's allday_time.\n"
		"\n"
		"exit: 0 ok, 1 a file could not be read, 2 usage (--from "
		"after --to),\n"
		"78 configuration error\n"
		"\n"
		"examples:\n"
		"  smctl expand content.ics --tz Europe/Paris\n"
		"  smctl expand content.ics --from tomorrow --to +2w\n"
		"  smctl -c /etc/smcal/smcal.conf expand content.ics "
		"queue.ics --from 2026-12-01\n",
	.exec = expand_exec,
};
