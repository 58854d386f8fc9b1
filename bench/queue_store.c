/*
 * Queue store microbenchmark (bench/queue.sh builds and runs it): the
 * library side of `smctl add` and `smctl list` with 100,000 posts queued.
 *
 *   queue_store DIR [N]
 *
 * DIR is a fresh state directory on the disk under test (fsync is what a
 * durable add costs); N (default 100000) posts are queued first, 1,000 per
 * transaction.  Then, each measured on its own:
 * - listing every post (the rows only, then formatted as JSON Lines the
 *   way `smctl list --json` prints them), and one page of 100 at the end
 *   by keyset paging;
 * - adds per second in transactions of 1, 10, 100 and 1,000 posts: every
 *   transaction is one durable commit (WAL fsync), as the daemon would
 *   group the adds pipelined on its socket;
 * and with the posts these adds queued on top:
 * - loading the queue as the calendar `queue` and indexing it into series
 *   (what the daemon does at start), with the resident memory it adds;
 * - one platform's instants and 1,000 successive free slots among them;
 * - the .ics export.
 * A benchmark, never a test: it reports and exits 0 when it could run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "ics.h"
#include "jsonw.h"
#include "occur.h"
#include "queue.h"
#include "slots.h"
#include "store.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident memory in MiB (VmRSS of /proc/self/status). */
static double
rss_mib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (double)kb / 1024.0;
}

static const char *const platforms[] = {"instagram", "linkedin", "x", "tiktok"};

/* Fills n posts, spread over the next years, like a team's queue. */
static void
make_posts(struct sm_queue_post *q, size_t n, size_t seq, sm_time base)
{
	static char titles[1000][48];
	static char bodies[1000][160];
	for (size_t i = 0; i < n; i++) {
		size_t k = (seq + i) % 1000;
		snprintf(titles[k], sizeof(titles[k]),
			 "Post %zu: tip of the day", seq + i);
		snprintf(bodies[k], sizeof(bodies[k]),
			 "Body of post %zu, with a link and two hashtags "
			 "#smcal #tips; long enough to look like a real "
			 "caption.",
			 seq + i);
		memset(&q[i], 0, sizeof(q[i]));
		q[i].title = titles[k];
		q[i].body = bodies[k];
		q[i].type = "informative";
		q[i].url = "https://example.org/blog/post";
		q[i].platforms[0] = platforms[(seq + i) % 4];
		q[i].nplatforms = 1;
		q[i].publish_at = base + (sm_time)((seq + i) * 1800);
	}
}

static int
add_batches(struct sm_store *st, size_t total, size_t batch, size_t *seq,
	    sm_time base)
{
	struct sm_queue_post *q = malloc(batch * sizeof(*q));
	if (!q)
		return -1;
	for (size_t done = 0; done < total; done += batch) {
		make_posts(q, batch, *seq, base);
		int rc = sm_queue_add(st, q, batch, base);
		if (rc != 0) {
			fprintf(stderr, "add: %s\n", sm_store_error(st));
			free(q);
			return -1;
		}
		*seq += batch;
	}
	free(q);
	return 0;
}

static int
count_fn(void *ctx, const struct sm_queue_post *q)
{
	(void)q;
	(*(size_t *)ctx)++;
	return 0;
}

struct json_ctx {
	struct sm_jsonw w;
	size_t bytes;
};

/* One JSON line per post, as smctl list --json would print it. */
static int
json_fn(void *ctx, const struct sm_queue_post *q)
{
	struct json_ctx *j = ctx;
	char at[32];
	sm_jsonw_open(&j->w, '{');
	sm_jsonw_key(&j->w, "id");
	sm_jsonw_string(&j->w, q->id);
	sm_jsonw_key(&j->w, "publish_at");
	sm_jsonw_string(&j->w, sm_civil_format(q->publish_at, SM_CIVIL_UTC, at,
					       sizeof(at)));
	sm_jsonw_key(&j->w, "platforms");
	sm_jsonw_open(&j->w, '[');
	for (int i = 0; i < q->nplatforms; i++) {
		sm_jsonw_elem(&j->w);
		sm_jsonw_string(&j->w, q->platforms[i]);
	}
	sm_jsonw_close(&j->w, ']');
	sm_jsonw_key(&j->w, "title");
	sm_jsonw_string(&j->w, q->title);
	sm_jsonw_key(&j->w, "body");
	sm_jsonw_string(&j->w, q->body);
	sm_jsonw_key(&j->w, "status");
	sm_jsonw_string(&j->w, q->status == SM_QUEUE_CANCELLED ? "cancelled"
			       : q->draft		       ? "draft"
							       : "scheduled");
	sm_jsonw_close(&j->w, '}');
	sm_jsonw_raw(&j->w, "\n", 1);
	j->bytes += j->w.len;
	sm_jsonw_reset(&j->w);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: queue_store DIR [N]\n");
		return 2;
	}
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	char err[512];
	struct sm_store *st = NULL;
	if (sm_store_open(argv[1], &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sm_time base = 1796112000; /* 2026-12-01T08:00:00Z */
	size_t seq = 0;
	double t0 = now_s();
	if (add_batches(st, n, 1000, &seq, base) < 0)
		return 1;
	double t1 = now_s();
	printf("queued %zu posts in %.2f s (1,000 per transaction)\n", n,
	       t1 - t0);

	struct sm_queue_filter f;
	sm_queue_filter_init(&f);
	size_t rows = 0;
	t0 = now_s();
	int listed = sm_queue_list(st, &f, count_fn, &rows);
	t1 = now_s();
	printf("\nlist of all %d posts: %.3f s (rows only)\n", listed, t1 - t0);
	struct json_ctx j = {0};
	t0 = now_s();
	listed = sm_queue_list(st, &f, json_fn, &j);
	t1 = now_s();
	printf("list of all %d posts as JSON Lines: %.3f s (%.1f MB)\n", listed,
	       t1 - t0, (double)j.bytes / 1e6);
	sm_jsonw_free(&j.w);

	/* The last page of 100 by keyset paging. */
	sm_queue_filter_init(&f);
	f.limit = 100;
	f.after_at = base + (sm_time)((n - 101) * 1800);
	f.after_id = "q_";
	rows = 0;
	t0 = now_s();
	sm_queue_list(st, &f, count_fn, &rows);
	t1 = now_s();
	printf("one page of %zu posts at the end: %.4f s\n", rows, t1 - t0);

	sm_queue_filter_init(&f);
	f.platform = "linkedin";
	rows = 0;
	t0 = now_s();
	sm_queue_list(st, &f, count_fn, &rows);
	t1 = now_s();
	printf("list of one platform (%zu posts): %.3f s\n", rows, t1 - t0);

	printf("\nadds on top of them, each transaction one durable commit:\n");
	printf("%-14s | %-8s | %-9s | %s\n", "per commit", "adds", "seconds",
	       "adds/s");
	static const size_t batches[] = {1, 10, 100, 1000};
	static const size_t counts[] = {500, 5000, 20000, 50000};
	for (int b = 0; b < 4; b++) {
		t0 = now_s();
		if (add_batches(st, counts[b], batches[b], &seq, base) < 0)
			return 1;
		t1 = now_s();
		printf("%-14zu | %-8zu | %-9.3f | %.0f\n", batches[b],
		       counts[b], t1 - t0, (double)counts[b] / (t1 - t0));
	}

	double m0 = rss_mib();
	struct sm_calendar cal;
	sm_calendar_init(&cal, SM_CONFIG_QUEUE_CALENDAR);
	t0 = now_s();
	int loaded = sm_queue_load(st, &cal, 0);
	t1 = now_s();
	struct sm_occur_opts opts = {
		.zone = sm_calendar_system_zone("Europe/Paris")};
	struct sm_series_set set = {0};
	struct sm_diag_list d = {0};
	sm_occur_index(&set, &cal, &opts, &d);
	double t2 = now_s();
	printf("\nload as the calendar queue: %d posts in %.3f s, indexed in "
	       "%.3f s, +%.1f MiB resident\n",
	       loaded, t1 - t0, t2 - t1, rss_mib() - m0);
	sm_occur_set_free(&set);
	sm_calendar_fini(&cal);
	sm_diag_clear(&d);

	sm_time *taken = NULL;
	size_t ntaken = 0;
	t0 = now_s();
	sm_queue_instants(st, "instagram", base, &taken, &ntaken);
	t1 = now_s();
	struct sm_platform pl = {0};
	struct sm_slot slotv[] = {{0, 540}, {2, 750}, {4, 1020}};
	pl.name = (char *)"instagram";
	pl.slots.v = slotv;
	pl.slots.n = 3;
	pl.min_spacing = 4 * 3600;
	struct sm_slot_planner *p = sm_slots_planner_new(opts.zone, base);
	sm_slots_planner_platform(p, &pl, taken, ntaken);
	const char *name = "instagram";
	sm_time at;
	for (int i = 0; i < 1000; i++)
		if (sm_slots_planner_next(p, &name, 1, &at, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "slots: %s\n", err);
			break;
		}
	t2 = now_s();
	printf("instants of one platform: %zu in %.3f s; 1,000 successive "
	       "free slots among them: %.3f s\n",
	       ntaken, t1 - t0, t2 - t1);
	sm_slots_planner_free(p);
	free(taken);

	struct sm_ics w = {0};
	t0 = now_s();
	sm_queue_export(st, &w, base);
	t1 = now_s();
	printf("export as .ics: %.3f s (%.1f MB)\n", t1 - t0,
	       (double)w.len / 1e6);
	sm_ics_free(&w);
	sm_store_close(st);
	sm_calendar_zones_cleanup();
	return 0;
}
