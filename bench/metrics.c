/*
 * Metrics microbenchmark: lib/metrics' and lib/goals' share of `smctl
 * report`, `smctl metric import` and the daemon's goal check, with a year
 * of posts in memory.
 *
 *   build/bench/metrics [POSTS] [ROUNDS]
 *
 * Generates POSTS (default 100000) published occurrences over 2027 in
 * Europe/Paris on 8 platforms (one in five on two), 5 content types, 4
 * personas and 30 campaigns, each with impressions, reach, engagement (one
 * in four as likes + comments instead), clicks and conversions (one in
 * ten without reach, one in twenty with nothing recorded), and a followers
 * count per platform and day.  Then times ROUNDS (default 7) rounds of:
 * the report by week and platform (53 weeks x 8 platforms) and its JSON
 * Lines, the same as CSV, the report by month and campaign; an import of
 * POSTS rows (as lib/csv would hand them: strings with thousands
 * separators, one per post: nine in ten found by URL, the rest by
 * publish time on instagram, where the others are problems) with the
 * matcher built over the year's posts; and the evaluation of ten
 * goals (counts, rates, followers) with the pace check's best week.
 * Prints the median of each step.  A benchmark, never a test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "goals.h"
#include "jsonw.h"
#include "metrics.h"

static const char *const PLATFORMS[8] = {
	"instagram", "linkedin", "x",	    "facebook",
	"tiktok",    "youtube",	 "threads", "mastodon",
};
static const char *const TYPES[5] = {"informative", "inspiring", "interactive",
				     "offer", NULL};
static const char *const PERSONAS[4] = {"parents", "students", "pros", NULL};

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "metrics bench: %s\n", what);
	exit(1);
}

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dbl_cmp);
	return v[n / 2];
}

/* Writes n with a thousands separator, as exports do. */
static void
grouped(char *buf, size_t len, long long n, const char *sep)
{
	if (n < 1000) {
		snprintf(buf, len, "%lld", n);
		return;
	}
	if (n < 1000000)
		snprintf(buf, len, "%lld%s%03lld", n / 1000, sep, n % 1000);
	else
		snprintf(buf, len, "%lld%s%03lld%s%03lld", n / 1000000, sep,
			 n / 1000 % 1000, sep, n % 1000);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	if (n == 0 || rounds <= 0 || rounds > 99)
		die("usage: metrics [POSTS] [ROUNDS]");
	const struct sm_tz *zone = sm_calendar_system_zone("Europe/Paris");
	if (!zone)
		die("no Europe/Paris zone");

	/* The year's posts. */
	sm_time year = sm_tz_resolve(zone, sm_civil_days(2027, 1, 1) * SM_DAY);
	sm_time year_end =
		sm_tz_resolve(zone, sm_civil_days(2028, 1, 1) * SM_DAY);
	struct sm_metrics_post *posts = calloc(n, sizeof(*posts));
	struct sm_metrics_candidate *cands = calloc(n, sizeof(*cands));
	const char **plats = calloc(2 * n, sizeof(*plats));
	char **ids = calloc(n, sizeof(*ids)), **urls = calloc(n, sizeof(*urls));
	char camp[30][16];
	if (!posts || !cands || !plats || !ids || !urls)
		die("out of memory");
	for (int i = 0; i < 30; i++)
		snprintf(camp[i], sizeof(camp[i]), "campaign-%02d", i);
	for (size_t i = 0; i < n; i++) {
		struct sm_metrics_post *p = &posts[i];
		char buf[64];
		snprintf(buf, sizeof(buf), "q_%08zx", i);
		ids[i] = strdup(buf);
		snprintf(buf, sizeof(buf), "https://example.social/p/%zx/", i);
		urls[i] = strdup(buf);
		p->id = ids[i];
		p->title = ids[i];
		/* Spread over the year, on a minute, 31 minutes apart at
		 * least per platform most of the time. */
		p->at = year + (sm_time)((double)i / (double)n *
					 (double)(year_end - year)) /
				       60 * 60;
		plats[2 * i] = PLATFORMS[rnd(8)];
		plats[2 * i + 1] = PLATFORMS[rnd(8)];
		p->platforms = &plats[2 * i];
		p->nplatforms = rnd(5) == 0 ? 2 : 1;
		p->type = TYPES[rnd(5)];
		p->persona = PERSONAS[rnd(4)];
		p->campaign = rnd(3) == 0 ? NULL : camp[rnd(30)];
		if (rnd(20) != 0) {
			int64_t imp = 200 + rnd(20000);
			sm_metric_set(&p->values, SM_KPI_IMPRESSIONS, imp);
			if (rnd(10) != 0)
				sm_metric_set(&p->values, SM_KPI_REACH,
					      imp * (50 + rnd(50)) / 100);
			if (rnd(4) == 0) {
				sm_metric_set(&p->values, SM_KPI_LIKES,
					      rnd(500));
				sm_metric_set(&p->values, SM_KPI_COMMENTS,
					      rnd(50));
			} else {
				sm_metric_set(&p->values, SM_KPI_ENGAGEMENT,
					      rnd(600));
			}
			int64_t clicks = rnd(200);
			sm_metric_set(&p->values, SM_KPI_CLICKS, clicks);
			sm_metric_set(&p->values, SM_KPI_CONVERSIONS,
				      clicks ? rnd((uint32_t)clicks) / 4 : 0);
		}
		cands[i] = (struct sm_metrics_candidate){
			p->id, rnd(10) != 0 ? urls[i] : NULL, p->at,
			p->platforms, p->nplatforms};
	}
	/* Followers: each platform, each day. */
	size_t nf = 8 * 365;
	struct sm_metrics_followers *fol = calloc(nf, sizeof(*fol));
	if (!fol)
		die("out of memory");
	for (size_t d = 0; d < 365; d++)
		for (int k = 0; k < 8; k++)
			fol[d * 8 + k] = (struct sm_metrics_followers){
				PLATFORMS[k], year + (sm_time)d * SM_DAY,
				(int64_t)(1000 + d * (3 + k) + rnd(10))};

	/* An import's rows, one per post, as strings: the URL when the post
	 * has one (nine in ten), else only the time (then instagram's posts
	 * match, others or two in the window are problems). */
	const char *header[] = {"Permalink",   "Publish time", "Impressions",
				"Reach",       "Likes",	       "Comments",
				"Link clicks", "Post ID"};
	size_t nrows = 0;
	char ***cells = calloc(n, sizeof(*cells));
	if (!cells)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct sm_metrics_post *p = &posts[i];
		char **c = calloc(8, sizeof(*c));
		char buf[64];
		struct sm_civil cv;
		if (!c)
			die("out of memory");
		c[0] = strdup(cands[i].url ? cands[i].url : "");
		sm_civil_split(sm_tz_to_local(zone, p->at) + 300, &cv);
		snprintf(buf, sizeof(buf), "%02d/%02d/%04d %02d:%02d", cv.month,
			 cv.day, cv.year, cv.hour, cv.minute);
		c[1] = strdup(buf);
		grouped(buf, sizeof(buf), 1000 + rnd(2000000), ",");
		c[2] = strdup(buf);
		grouped(buf, sizeof(buf), 800 + rnd(900000), "\xc2\xa0");
		c[3] = strdup(buf);
		snprintf(buf, sizeof(buf), "%u", rnd(900));
		c[4] = strdup(buf);
		snprintf(buf, sizeof(buf), "%u", rnd(90));
		c[5] = strdup(buf);
		snprintf(buf, sizeof(buf), "%u", rnd(300));
		c[6] = strdup(buf);
		snprintf(buf, sizeof(buf), "17%011zu", i);
		c[7] = strdup(buf);
		cells[nrows++] = c;
	}

	/* Goals, as a config would give them. */
	static const char *const goal_metrics[10] = {
		"clicks",    "reach",		"engagement", "conversions",
		"posts",     "engagement_rate", "ctr",	      "conversion_rate",
		"followers", "followers"};
	struct sm_goal goals[10];
	memset(goals, 0, sizeof(goals));
	for (int i = 0; i < 10; i++) {
		union {
			const char *c;
			char *m;
		} u;
		goals[i].name = NULL;
		u.c = goal_metrics[i];
		goals[i].metric = u.m;
		goals[i].kpi = (enum sm_kpi)sm_kpi_parse(goal_metrics[i]);
		u.c = i == 9 ? "all" : PLATFORMS[i % 8];
		goals[i].platform = u.m;
		goals[i].baseline =
			sm_kpi_kind(goals[i].kpi) == SM_KPI_KIND_RATE ? 0.02
								      : 1000;
		goals[i].target = goals[i].baseline * 3;
		goals[i].start = sm_civil_days(2027, 1, 1) * SM_DAY;
		goals[i].start_set = 1;
		goals[i].deadline = sm_civil_days(2027, 12, 31) * SM_DAY;
		goals[i].tolerance = 0.1;
	}
	struct sm_goal_data gd = {posts, n, fol, nf};
	sm_time gnow = sm_tz_resolve(zone, sm_civil_days(2027, 9, 1) * SM_DAY);

	printf("%zu posts over 2027 (Europe/Paris), 8 platforms, %zu followers "
	       "counts, %zu import rows; median of %d rounds\n",
	       n, nf, nrows, rounds);
	double t_week[99], t_csv[99], t_month[99], t_import[99], t_goals[99];
	size_t rows_week = 0, bytes_json = 0, bytes_csv = 0, rows_month = 0;
	size_t imported = 0, problems = 0;
	struct sm_jsonw w = {0};
	for (int r = 0; r < rounds; r++) {
		struct sm_metrics_report rep;
		struct sm_metrics_opts o = {
			.zone = zone,
			.week_start = 0,
			.unit = SM_CADENCE_WEEK,
			.by = SM_METRICS_BY_PLATFORM,
			.from = year,
			.to = year_end,
			.order = PLATFORMS,
			.norder = 8,
			.nbest = 3,
		};
		/* Week x platform, JSON Lines. */
		double t0 = now_ms();
		if (sm_metrics_report_build(&rep, &o, posts, n) < 0)
			die("report");
		sm_jsonw_reset(&w);
		for (size_t i = 0; i < rep.nrows; i++) {
			sm_metrics_row_json(&w, &rep, &rep.rows[i]);
			sm_jsonw_raw(&w, "\n", 1);
		}
		t_week[r] = now_ms() - t0;
		rows_week = rep.nrows;
		bytes_json = w.len;
		/* The same as CSV. */
		t0 = now_ms();
		sm_jsonw_reset(&w);
		sm_metrics_csv_header(&w, &rep);
		for (size_t i = 0; i < rep.nrows; i++)
			sm_metrics_row_csv(&w, &rep, &rep.rows[i]);
		t_csv[r] = now_ms() - t0;
		bytes_csv = w.len;
		sm_metrics_report_free(&rep);
		/* Month x campaign. */
		o.unit = SM_CADENCE_MONTH;
		o.by = SM_METRICS_BY_CAMPAIGN;
		o.order = NULL;
		o.norder = 0;
		t0 = now_ms();
		if (sm_metrics_report_build(&rep, &o, posts, n) < 0)
			die("report");
		sm_jsonw_reset(&w);
		for (size_t i = 0; i < rep.nrows; i++) {
			sm_metrics_row_json(&w, &rep, &rep.rows[i]);
			sm_jsonw_raw(&w, "\n", 1);
		}
		t_month[r] = now_ms() - t0;
		rows_month = rep.nrows;
		sm_metrics_report_free(&rep);

		/* Import: matcher over the year's posts, then every row. */
		t0 = now_ms();
		struct sm_metrics_matcher *m =
			sm_metrics_matcher_new(cands, n, "instagram");
		struct sm_metrics_import im;
		if (sm_metrics_import_begin(&im, "ig.csv", "instagram", zone, m,
					    header, 8, 1, NULL) < 0)
			die("import header");
		for (size_t i = 0; i < nrows; i++) {
			struct sm_metrics_cells row = {
				(const char *const *)cells[i], 8, (int)i + 2};
			sm_metrics_import_row(&im, &row);
		}
		t_import[r] = now_ms() - t0;
		imported = im.nok;
		problems = im.nbad;
		sm_metrics_import_free(&im);
		sm_metrics_matcher_free(m);

		/* Goals: evaluation and the best week of each. */
		t0 = now_ms();
		for (int g = 0; g < 10; g++) {
			struct sm_goal_eval e;
			double best;
			sm_goal_evaluate(&e, &goals[g], zone, 0, &gd, gnow);
			sm_goal_best_week(&goals[g], &gd, zone, 0, gnow, &best);
		}
		t_goals[r] = now_ms() - t0;
	}
	sm_jsonw_free(&w);
	printf("  report week x platform + JSON  %8.1f ms  (%zu rows, %zu "
	       "bytes)\n",
	       median(t_week, rounds), rows_week, bytes_json);
	printf("  the same rows as CSV           %8.1f ms  (%zu bytes)\n",
	       median(t_csv, rounds), bytes_csv);
	printf("  report month x campaign + JSON %8.1f ms  (%zu rows)\n",
	       median(t_month, rounds), rows_month);
	printf("  import %zu rows (matcher incl.) %7.1f ms  (%zu matched, %zu "
	       "with a problem)\n",
	       nrows, median(t_import, rounds), imported, problems);
	printf("  10 goals: value, status, best week %5.1f ms\n",
	       median(t_goals, rounds));
	printf("target: smctl report under 500 ms whole (this is lib/metrics' "
	       "share); import under 5 s whole\n");
	return 0;
}
