/*
 * Cadence microbenchmark: lib/cadence's share of `smctl cadence` for 8
 * platforms over the current and 12 next weeks with 100,000 posts loaded.
 *
 *   build/bench/cadence [POSTS] [ROUNDS]
 *
 * Builds a calendar in memory (POSTS VEVENTs, default 100000, in Europe/Paris
 * over the 13 weeks from Monday 2027-03-01; one in twenty an open-ended
 * weekly series with an EXDATE, one in five on two platforms, one in seven
 * a draft, one in fifty cancelled), loads and indexes it once (not
 * cadence's work: shown for scale), then times ROUNDS (default 7) rounds of
 * what the daemon does per `smctl cadence` request: gather the occurrences
 * over the report's span, asking a done-mark lookup (an in-memory hash set
 * of a third of the past occurrences, as the daemon could keep) for each;
 * build the report (weeks, lookahead 12, history 0); write its JSON lines;
 * and evaluate the alerts.  Prints the median of each step and the bytes
 * the posts list and the report hold.  A benchmark, never a test.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cadence.h"
#include "calendar.h"
#include "config.h"
#include "diag.h"
#include "jsonw.h"
#include "occur.h"

static const char *const PLATFORMS[8] = {
	"instagram", "linkedin", "x",	    "facebook",
	"tiktok",    "youtube",	 "threads", "mastodon",
};
static const char *const TYPES[5] = {"informative", "inspiring", "interactive",
				     "offer", NULL};

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
	fprintf(stderr, "cadence bench: %s\n", what);
	exit(1);
}

struct text {
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			die("out of memory");
	}
}

static void
civil_local(sm_time t, char *buf, size_t len)
{
	struct sm_civil c;
	sm_civil_split(t, &c);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d00", c.year, c.month, c.day,
		 c.hour, c.minute);
}

/* A deterministic pseudo-random sequence (xorshift). */
static uint64_t rng = 88172645463325252ULL;
static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static char *
make_calendar(int nposts, sm_time first_day, size_t *len)
{
	struct text t = {0};
	put(&t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
	for (int i = 0; i < nposts; i++) {
		char dt[32], ex[32];
		sm_time day = first_day + (sm_time)rnd(91) * 86400;
		sm_time local = day + (7 + rnd(14)) * 3600 + rnd(4) * 900;
		civil_local(local, dt, sizeof(dt));
		const char *p1 = PLATFORMS[rnd(8)];
		const char *p2 = PLATFORMS[rnd(8)];
		const char *type = TYPES[rnd(5)];
		put(&t,
		    "BEGIN:VEVENT\r\nUID:post-%d@bench\r\n"
		    "DTSTART;TZID=Europe/Paris:%s\r\nSUMMARY:Post %d\r\n",
		    i, dt, i);
		if (i % 5 == 0 && p1 != p2)
			put(&t, "X-SMCAL-PLATFORM:%s,%s\r\n", p1, p2);
		else
			put(&t, "X-SMCAL-PLATFORM:%s\r\n", p1);
		if (type)
			put(&t, "X-SMCAL-TYPE:%s\r\n", type);
		if (i % 20 == 0) {
			civil_local(local + 14 * 86400, ex, sizeof(ex));
			put(&t,
			    "RRULE:FREQ=WEEKLY\r\n"
			    "EXDATE;TZID=Europe/Paris:%s\r\n",
			    ex);
		}
		if (i % 7 == 3)
			put(&t, "STATUS:TENTATIVE\r\n");
		else if (i % 50 == 11)
			put(&t, "STATUS:CANCELLED\r\n");
		put(&t, "END:VEVENT\r\n");
	}
	put(&t, "END:VCALENDAR\r\n");
	*len = t.len;
	return t.buf;
}

/* Done marks: a hash set of "uid\nrid" strings (open addressing). */
struct doneset {
	char **slot;
	size_t cap, n;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
done_add(struct doneset *d, const char *key)
{
	if ((d->n + 1) * 2 > d->cap) {
		struct doneset big = {
			calloc(d->cap ? d->cap * 2 : 1024, sizeof(char *)),
			d->cap ? d->cap * 2 : 1024, 0};
		if (!big.slot)
			die("out of memory");
		for (size_t i = 0; i < d->cap; i++)
			if (d->slot[i])
				done_add(&big, d->slot[i]);
		for (size_t i = 0; i < d->cap; i++)
			free(d->slot[i]);
		free(d->slot);
		*d = big;
	}
	size_t i = hash(key) & (d->cap - 1);
	while (d->slot[i]) {
		if (strcmp(d->slot[i], key) == 0)
			return;
		i = (i + 1) & (d->cap - 1);
	}
	d->slot[i] = strdup(key);
	d->n++;
}

static int
done_lookup(void *ctx, const char *calendar, const char *uid, const char *rid)
{
	struct doneset *d = ctx;
	char key[256];
	(void)calendar;
	snprintf(key, sizeof(key), "%s\n%s", uid, rid);
	size_t i = hash(key) & (d->cap - 1);
	while (d->slot[i]) {
		if (strcmp(d->slot[i], key) == 0)
			return 1;
		i = (i + 1) & (d->cap - 1);
	}
	return 0;
}

/* Marks a third of the occurrences before now done. */
struct mark_ctx {
	struct doneset *d;
	unsigned k;
};

static int
mark_one(void *ctx, const struct sm_occurrence *occ)
{
	struct mark_ctx *m = ctx;
	if (m->k++ % 3 != 0)
		return 0;
	char rid[40], key[256];
	sm_occur_format_rid(occ, rid, sizeof(rid));
	snprintf(key, sizeof(key), "%s\n%s",
		 occ->series->master ? occ->series->master->uid
				     : occ->post->uid,
		 rid);
	done_add(m->d, key);
	return 0;
}

static void
no_state(void *ctx, const char *key, struct sm_cadence_alert *st)
{
	(void)ctx;
	(void)key;
	st->sent = st->recovered = 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	int nposts = argc > 1 ? atoi(argv[1]) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	if (nposts <= 0 || rounds <= 0 || rounds > 100)
		die("usage: cadence [POSTS] [ROUNDS]");

	/* The config: 8 platforms with plans, weeks ahead, a mix. */
	char conf[] = "/tmp/smcal-bench-cadence-XXXXXX";
	int fd = mkstemp(conf);
	if (fd < 0)
		die("cannot create a temporary config");
	FILE *f = fdopen(fd, "w");
	fprintf(f, "[daemon]\ntimezone = Europe/Paris\n"
		   "[cadence]\nlookahead = 12\n");
	for (int i = 0; i < 8; i++)
		fprintf(f,
			"[platform:%s]\ncadence = %d/week\nmin_spacing = 2h\n"
			"daily_cap = 25\n",
			PLATFORMS[i], 3 + i);
	fprintf(f, "[mix]\ninformative = 40\ninspiring = 30\n"
		   "interactive = 20\noffer = 10\n");
	fclose(f);
	struct sm_config *cfg = NULL;
	struct sm_diag_list diags = {0};
	int rc = sm_config_load(conf, &cfg, &diags);
	unlink(conf);
	if (rc != 0) {
		sm_diag_print(&diags, stderr);
		die("the benchmark config does not load");
	}

	const struct sm_tz *zone = sm_calendar_system_zone("Europe/Paris");
	if (!zone)
		die("no Europe/Paris zone");
	sm_time first_day = sm_civil_days(2027, 3, 1) * 86400;
	sm_time now = first_day + 3 * 86400 + 10 * 3600; /* Thursday */

	size_t len;
	char *ics = make_calendar(nposts, first_day, &len);
	double t0 = now_ms();
	struct sm_calendar cal;
	struct sm_series_set set = {0};
	struct sm_occur_opts opts = {zone, (sm_time)cfg->allday_time * 60};
	sm_calendar_init(&cal, "main");
	sm_calendar_load_buffer(&cal, ics, len, "bench.ics", &diags);
	sm_occur_index(&set, &cal, &opts, &diags);
	double load = now_ms() - t0;
	free(ics);

	struct sm_cadence_opts o = {
		.zone = zone,
		.unit = SM_CADENCE_WEEK,
		.history = 0,
		.guardrails = 1,
		.now = now,
	};
	sm_time from, to;
	sm_cadence_span(cfg, &o, &from, &to);
	struct doneset done = {0};
	struct mark_ctx mc = {&done, 0};
	for (size_t i = 0; i < set.n; i++)
		sm_occur_window(&set.series[i], &opts, from, now, mark_one,
				&mc);

	double tg[100], tr[100], tj[100], ta[100], tt[100];
	size_t occurrences = 0, rows = 0, mem = 0, nalerts = 0, jbytes = 0;
	size_t nwarn = 0;
	for (int k = 0; k < rounds; k++) {
		struct sm_cadence_posts posts = {0};
		struct sm_cadence_report rep;
		struct sm_jsonw w = {0};
		struct sm_cadence_due *due = NULL;
		sm_time next;
		double a = now_ms();
		sm_cadence_gather(&posts, cfg, &set, &opts, from, to,
				  done_lookup, &done);
		double b = now_ms();
		if (sm_cadence_report_build(&rep, cfg, &o, &posts) != 0)
			die("report failed");
		double c = now_ms();
		for (size_t i = 0; i < rep.nrows; i++) {
			sm_cadence_row_json(&w, &rep.rows[i]);
			sm_jsonw_raw(&w, "\n", 1);
		}
		for (size_t i = 0; i < rep.nmix; i++) {
			sm_cadence_mix_json(&w, &rep, &rep.mix[i]);
			sm_jsonw_raw(&w, "\n", 1);
		}
		double d = now_ms();
		struct sm_cadence_opts oa = o;
		struct sm_cadence_report ra;
		oa.unit = SM_CADENCE_NONE;
		oa.guardrails = 0;
		sm_cadence_report_build(&ra, cfg, &oa, &posts);
		nalerts = sm_cadence_alerts(&ra, no_state, NULL, &due, &next);
		double e = now_ms();
		tg[k] = b - a;
		tr[k] = c - b;
		tj[k] = d - c;
		ta[k] = e - d;
		tt[k] = d - a;
		occurrences = posts.n;
		rows = rep.nrows;
		nwarn = rep.nwarnings;
		jbytes = w.len;
		mem = posts.cap * sizeof(*posts.v) +
		      posts.plats_cap * sizeof(*posts.plats) +
		      rep.nrows * sizeof(*rep.rows) +
		      rep.nmix * sizeof(*rep.mix) +
		      rep.nwarnings * sizeof(*rep.warnings);
		free(due);
		sm_cadence_report_free(&ra);
		sm_cadence_report_free(&rep);
		sm_jsonw_free(&w);
		sm_cadence_posts_free(&posts);
	}

	printf("cadence: %d posts (%zu series), %zu occurrences in the span, "
	       "%zu done marks, %zu rows, %zu guardrail warnings, %zu alerts, "
	       "%zu bytes of JSON\n",
	       nposts, set.n, occurrences, done.n, rows, nwarn, nalerts,
	       jbytes);
	printf("  load and index (not cadence, for scale)   %8.1f ms\n", load);
	printf("  gather (occurrences + done lookups)       %8.1f ms\n",
	       median(tg, rounds));
	printf("  report (counts, mix, guardrails)          %8.1f ms\n",
	       median(tr, rounds));
	printf("  JSON lines                                %8.1f ms\n",
	       median(tj, rounds));
	printf("  smctl cadence's share in lib/cadence      %8.1f ms "
	       "(median of %d; target: the whole command under 200 ms)\n",
	       median(tt, rounds), rounds);
	printf("  alerts (plan-unit report + decisions)     %8.1f ms\n",
	       median(ta, rounds));
	printf("  memory held per request (posts, report)   %8.1f MB\n",
	       mem / 1048576.0);

	for (size_t i = 0; i < done.cap; i++)
		free(done.slot[i]);
	free(done.slot);
	sm_occur_set_free(&set);
	sm_calendar_fini(&cal);
	sm_diag_clear(&diags);
	sm_config_free(cfg);
	sm_calendar_zones_cleanup();
	return 0;
}
