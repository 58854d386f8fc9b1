/*
 * smctl lint FILE...: every problem of the calendar files, with file, line
 * and what to do; exit 1 when there is an error.
 *
 * With -c CONFIG it also checks the posts against the config: webhooks and
 * platforms they name, and whether each post's X-SMCAL-WEBHOOK is one its
 * calendar allows ([calendar:NAME] webhooks).  A file's calendar is the
 * [calendar:*] section whose path is that file, or --calendar NAME.  It
 * also checks the guardrails of SPEC section 7 (lib/cadence): posts of a
 * platform closer than its min_spacing, days over its daily_cap, as
 * warnings on the post's line, over the year from today (an open-ended
 * series is not expanded for ever; what was published is not linted).
 */
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <time.h>

#include "cadence.h"
#include "jsonw.h"
#include "offline.h"
#include "post.h"
#include "route.h"

#define MAX_FILE_CALENDARS 16
/* Guardrail warnings per platform, then one line says how many more. */
#define MAX_GUARD_WARNINGS 50
#define GUARD_DAYS 366

/* 1 when the two paths name the same file (same inode, or the same text
 * when one cannot be read: relative paths in the config are relative to
 * the daemon's working directory, which may not be ours). */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return strcmp(a, b) == 0;
}

/* The calendars a file is loaded as: the one given, else every section
 * whose path is the file. */
static int
file_calendars(const struct sm_config *cfg, const char *given, const char *file,
	       const char **names, int max)
{
	if (given) {
		names[0] = given;
		return 1;
	}
	int n = 0;
	for (size_t i = 0; i < cfg->ncalendars && n < max; i++)
		if (same_file(cfg->calendars[i].path, file))
			names[n++] = cfg->calendars[i].name;
	return n;
}

/*
 * A post's X-SMCAL-WEBHOOK must be a name its calendar allows: the daemon
 * would refuse it at firing time (SPEC 9) and send the post along its
 * normal route instead.
 */
static void
check_allowed(struct offline *off, const char *config_path,
	      const char *calendar, char **files, int nfiles)
{
	for (int f = 0; f < nfiles; f++) {
		const char *names[MAX_FILE_CALENDARS];
		int n = file_calendars(off->cfg, calendar, files[f], names,
				       MAX_FILE_CALENDARS);
		int warned = 0;
		for (size_t i = 0; i < off->cal.nposts; i++) {
			const struct sm_post *p = &off->cal.posts[i];
			if (!p->webhook || !p->file ||
			    strcmp(p->file, files[f]) != 0 ||
			    !sm_config_webhook(off->cfg, p->webhook))
				continue;
			if (n == 0 && !warned) {
				sm_diag_add(
					&off->diags, SM_WARNING, files[f], 0,
					"not the path of any [calendar:NAME] "
					"section of %s: X-SMCAL-WEBHOOK "
					"values are not checked against a "
					"calendar's webhooks (give "
					"--calendar NAME)",
					config_path);
				warned = 1;
			}
			for (int k = 0; k < n; k++) {
				if (sm_route_allowed(off->cfg, names[k],
						     p->webhook))
					continue;
				char allowed[256];
				sm_route_allowed_list(off->cfg, names[k],
						      allowed, sizeof(allowed));
				sm_diag_add(&off->diags, SM_ERROR, p->file,
					    p->line,
					    "X-SMCAL-WEBHOOK %s is not allowed "
					    "in calendar %s (its webhooks: "
					    "%s): smcald will not send this "
					    "post there but along its route "
					    "without X-SMCAL-WEBHOOK; add the "
					    "name to [calendar:%s] webhooks in "
					    "%s, or name an allowed one",
					    p->webhook, names[k], allowed,
					    names[k], config_path);
			}
		}
	}
}

/* 1 when two zone names stand for the same zone: the same name, or the
 * same system zone. */
static int
same_zone(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 1;
	const struct sm_tz *za = sm_calendar_system_zone(a);
	return za && za == sm_calendar_system_zone(b);
}

/*
 * X-WR-TIMEZONE (Google, Apple) is not RFC 5545 and smcald does not apply
 * it: a file's floating and all-day times are read in its calendar's
 * timezone.  Warn, at the file's X-WR-TIMEZONE line, when that zone is
 * another one and the file has such times.
 */
static void
check_x_wr_timezones(struct offline *off, const char *config_path,
		     const char *calendar, char **files, int nfiles)
{
	for (const struct sm_x_wr_timezone *x = off->cal.x_wr_timezones; x;
	     x = x->next) {
		size_t floating = 0;
		for (size_t i = 0; i < off->cal.nposts; i++) {
			const struct sm_post *p = &off->cal.posts[i];
			floating += p->file && strcmp(p->file, x->file) == 0 &&
				    (p->start.kind == SM_DT_FLOATING ||
				     p->start.kind == SM_DT_DATE);
		}
		if (!floating)
			continue;
		/* The zones the file is read in: its calendars' with a
		 * config, else the one smctl uses (UTC without -c). */
		const char *names[MAX_FILE_CALENDARS];
		int n = 0;
		for (int f = 0; f < nfiles && config_path && !n; f++)
			if (strcmp(files[f], x->file) == 0)
				n = file_calendars(off->cfg, calendar, files[f],
						   names, MAX_FILE_CALENDARS);
		for (int k = 0; k < (n ? n : 1); k++) {
			const struct sm_calendar_conf *cc =
				n ? sm_config_calendar(off->cfg, names[k])
				  : NULL;
			const char *zone = cc ? cc->timezone : off->zone_name;
			if (same_zone(x->zone, zone))
				continue;
			char where[512];
			if (cc)
				snprintf(where, sizeof(where),
					 "calendar %s's timezone %s (set "
					 "[calendar:%s] timezone = %s in %s "
					 "if the file means it)",
					 cc->name, zone, cc->name, x->zone,
					 config_path);
			else if (config_path)
				snprintf(where, sizeof(where),
					 "the configured timezone %s", zone);
			else
				snprintf(where, sizeof(where),
					 "%s (smctl's default; give -c CONFIG "
					 "for the daemon's timezone)",
					 zone);
			sm_diag_add(&off->diags, SM_WARNING, x->file, x->line,
				    "X-WR-TIMEZONE:%s is not RFC 5545 and is "
				    "not applied: %zu post%s with floating or "
				    "all-day times %s read in %s",
				    x->zone, floating, floating == 1 ? "" : "s",
				    floating == 1 ? "is" : "are", where);
		}
	}
}

/* One platform's non-cancelled occurrences over the guardrail window. */
struct guard_occ {
	sm_time at;
	const struct sm_post *post;
};

struct guard_ctx {
	struct offline *off;
	const struct sm_platform *pl;
	struct guard_occ *v;
	sm_time *at; /* v's instants, sorted, for sm_cadence_guardrails */
	size_t n, cap, shown;
};

static int
guard_collect(void *ctx, const struct sm_occurrence *occ)
{
	struct guard_ctx *g = ctx;
	const struct sm_post *p = occ->post;
	if (occ->cancelled || p->status == SM_POST_CANCELLED)
		return 0;
	const char *names[32];
	int n = sm_post_platforms(g->off->cfg, p, names, 32), on = 0;
	for (int i = 0; i < n && !on; i++)
		on = sm_config_platform(g->off->cfg, names[i]) == g->pl;
	if (!on)
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		if (!g->v)
			abort();
	}
	g->v[g->n].at = occ->start;
	g->v[g->n++].post = p;
	return 0;
}

static int
cmp_occ(const void *a, const void *b)
{
	sm_time x = ((const struct guard_occ *)a)->at;
	sm_time y = ((const struct guard_occ *)b)->at;
	return x < y ? -1 : x > y;
}

static void
guard_report(void *ctx, const struct sm_cadence_guard *gd)
{
	struct guard_ctx *g = ctx;
	if (g->shown++ >= MAX_GUARD_WARNINGS)
		return;
	struct sm_cadence_warning w = {
		.platform = g->pl,
		.kind = gd->kind,
		.first = g->v[gd->first].at,
		.second = g->v[gd->second].at,
		.day = gd->day,
		.count = gd->count,
	};
	char msg[256];
	sm_cadence_warning_format(&w, g->off->opts.zone, msg, sizeof(msg));
	const struct sm_post *p = g->v[gd->second].post;
	sm_diag_add(&g->off->diags, SM_WARNING, p->file, p->line,
		    "%s: move a post or raise [platform:%s] %s", msg,
		    g->pl->name,
		    gd->kind == SM_GUARD_SPACING ? "min_spacing" : "daily_cap");
}

/*
 * The guardrails of each platform (min_spacing, daily_cap) over the year
 * from today's local midnight, as warnings at the later post's line.
 */
static void
check_guardrails(struct offline *off)
{
	const struct sm_tz *zone = off->opts.zone;
	sm_time now = time(NULL);
	sm_time local = zone ? sm_tz_to_local(zone, now) : now;
	sm_time midnight = sm_civil_day_of(local) * SM_DAY;
	sm_time from = zone ? sm_tz_resolve(zone, midnight) : midnight;
	sm_time to = from + (sm_time)GUARD_DAYS * SM_DAY;
	for (size_t i = 0; i < off->cfg->nplatforms; i++) {
		const struct sm_platform *pl = &off->cfg->platforms[i];
		if (pl->min_spacing <= 0 && pl->daily_cap <= 0)
			continue;
		struct guard_ctx g = {.off = off, .pl = pl};
		for (size_t k = 0; k < off->set.n; k++)
			sm_occur_window(&off->set.series[k], &off->opts, from,
					to, guard_collect, &g);
		if (g.n > 0)
			qsort(g.v, g.n, sizeof(*g.v), cmp_occ);
		g.at = malloc((g.n + 1) * sizeof(*g.at));
		if (!g.at)
			abort();
		for (size_t k = 0; k < g.n; k++)
			g.at[k] = g.v[k].at;
		size_t n = sm_cadence_guardrails(g.at, g.n, pl->min_spacing,
						 pl->daily_cap, zone,
						 guard_report, &g);
		if (n > MAX_GUARD_WARNINGS)
			sm_diag_add(&off->diags, SM_WARNING, NULL, 0,
				    "%s: %zu more guardrail warnings in the "
				    "year from today",
				    pl->name, n - MAX_GUARD_WARNINGS);
		free(g.at);
		free(g.v);
	}
}

static int
lint_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0;
	const char *calendar = NULL;
	int c;
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"calendar", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'C')
			calendar = optarg;
		else if (c == 'h')
			return ctl_help(&ctl_cmd_lint);
		else
			return ctl_usage(&ctl_cmd_lint);
	}
	if (optind >= argc)
		return ctl_usage(&ctl_cmd_lint);
	if (calendar && !env->config_path) {
		fprintf(stderr,
			"smctl lint: --calendar %s needs the config "
			"that defines it (smctl -c CONFIG lint ...)\n",
			calendar);
		return CTL_USAGE;
	}
	struct offline off;
	int rc = offline_load(&off, env, NULL, argv + optind, argc - optind);
	if (rc != CTL_OK) {
		offline_fini(&off);
		return rc;
	}
	if (calendar && !sm_config_calendar(off.cfg, calendar) &&
	    strcasecmp(calendar, SM_CONFIG_QUEUE_CALENDAR) != 0) {
		fprintf(stderr,
			"smctl lint: --calendar %s: %s has no [calendar:%s] "
			"section\n",
			calendar, env->config_path, calendar);
		offline_fini(&off);
		return CTL_USAGE;
	}
	/* Posts naming a webhook or platform the config lacks. */
	if (env->config_path) {
		sm_post_check_names(off.cfg, &off.cal, env->config_path,
				    &off.diags);
		check_allowed(&off, env->config_path, calendar, argv + optind,
			      argc - optind);
		check_guardrails(&off);
	}
	check_x_wr_timezones(&off, env->config_path, calendar, argv + optind,
			     argc - optind);
	const struct sm_diag_list *d = &off.diags;
	if (json) {
		struct sm_jsonw w = {0};
		for (size_t i = 0; i < d->n; i++) {
			sm_jsonw_reset(&w);
			sm_jsonw_open(&w, '{');
			sm_jsonw_key(&w, "file");
			sm_jsonw_string(&w, d->items[i].file);
			sm_jsonw_key(&w, "line");
			char num[16];
			snprintf(num, sizeof(num), "%d", d->items[i].line);
			sm_jsonw_raw(&w, num, strlen(num));
			sm_jsonw_key(&w, "severity");
			sm_jsonw_string(&w, d->items[i].severity == SM_ERROR
						    ? "error"
						    : "warning");
			sm_jsonw_key(&w, "message");
			sm_jsonw_string(&w, d->items[i].message);
			sm_jsonw_close(&w, '}');
			puts(w.buf);
		}
		sm_jsonw_free(&w);
	} else {
		sm_diag_print(d, stdout);
		printf("%zu post%s, %zu series: %zu error%s, %zu warning%s\n",
		       off.cal.nposts, off.cal.nposts == 1 ? "" : "s",
		       off.set.n, d->nerrors, d->nerrors == 1 ? "" : "s",
		       d->nwarnings, d->nwarnings == 1 ? "" : "s");
	}
	rc = d->nerrors ? CTL_FAILED : CTL_OK;
	offline_fini(&off);
	return rc;
}

const struct ctl_cmd ctl_cmd_lint = {
	.name = "lint",
	.usage = "[--json] [--calendar NAME] FILE.ics...",
	.summary = "check calendar files; exit 1 on errors",
	.help = "options:\n"
		"  --json           one JSON object per problem and line: "
		"file, line,\n"
		"                   severity, message\n"
		"  --calendar NAME  check the files as the config's "
		"[calendar:NAME] (needs -c);\n"
		"                   by default a file is the calendar whose "
		"path it is\n"
		"\n"
		"Every problem names its file and line and says what to do. "
		"With -c CONFIG,\n"
		"posts are also checked against the config: the webhooks "
		"and platforms they\n"
		"name, X-SMCAL-WEBHOOK against the calendar's webhooks, "
		"floating times\n"
		"against the calendar's timezone (X-WR-TIMEZONE), and each "
		"platform's\n"
		"guardrails over the year from today: posts closer than its "
		"min_spacing,\n"
		"days over its daily_cap (warnings).\n"
		"\n"
		"exit: 0 no errors (warnings allowed), 1 errors or a file "
		"could not be read,\n"
		"2 usage, 78 configuration error\n"
		"\n"
		"example:\n"
		"  smctl lint -c /etc/smcal/smcal.conf /etc/smcal/content.ics\n",
	.exec = lint_exec,
};
