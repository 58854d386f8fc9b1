/*
 * fuzz_postfile: libFuzzer target for the bulk post files of `smctl add
 * --file` and the CSV reader under them.
 *
 * Each input is read three ways: as CSV row by row (every field and the
 * header looked at), as a posts.csv and as a posts.jsonl (the whole
 * pipeline: csv.c or jansson, when.c, sm_queue_validate), with no config
 * and then placed in slots when it was accepted.  The first line is also
 * given to the time and count parsers.  Everything is freed, so a leak
 * shows up under LeakSanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "diag.h"
#include "postfile.h"
#include "slots.h"
#include "when.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_csv(const char *s, size_t n)
{
	char err[512];
	struct sm_csv *c = NULL;
	if (sm_csv_open(s, n, &c, err, sizeof(err)) < 0)
		return;
	static const char *const names[] = {"url", "post url", NULL};
	(void)sm_csv_find(c, names);
	for (size_t i = 0; i < sm_csv_columns(c); i++)
		(void)strlen(sm_csv_column_name(c, i));
	struct sm_csv_row row;
	int rc;
	while ((rc = sm_csv_next(c, &row, err, sizeof(err))) != 0)
		for (size_t i = 0; rc > 0 && i < row.n; i++)
			(void)strlen(row.fields[i]);
	sm_csv_free(c);
}

static void
read_posts(const char *s, size_t n, enum sm_postfile_format f)
{
	static struct sm_platform pl = {.name = (char *)"x"};
	static struct sm_slot slot = {.weekday = 2, .minute = 600};
	struct sm_postfile_opts o = {
		.cfg = NULL, .zone = NULL, .now = 1796112000, .format = f};
	struct sm_postfile pf;
	struct sm_diag_list d = {0};
	if (sm_postfile_read(s, n, "fuzz", &o, &pf, &d) == 0) {
		pl.slots.v = &slot;
		pl.slots.n = 1;
		struct sm_slot_planner *p = sm_slots_planner_new(NULL, o.now);
		for (size_t i = 0; i < pf.n; i++)
			for (int k = 0; k < pf.rows[i].post.nplatforms; k++) {
				pl.name = (char *)pf.rows[i].post.platforms[k];
				sm_slots_planner_platform(p, &pl, NULL, 0);
			}
		sm_postfile_plan(&pf, p, "fuzz", &d);
		sm_slots_planner_free(p);
		pl.name = (char *)"x";
		sm_postfile_free(&pf);
	}
	sm_diag_clear(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	read_csv(s, size);
	read_posts(s, size, SM_POSTFILE_CSV);
	read_posts(s, size, SM_POSTFILE_JSONL);

	char line[128], err[512];
	size_t n = 0;
	while (n < size && n < sizeof(line) - 1 && data[n] != '\n')
		n++;
	memcpy(line, data, n);
	line[n] = '\0';
	sm_time t;
	int64_t v;
	(void)sm_when_parse(line, SM_WHEN_AT, 1796112000, NULL, &t, err,
			    sizeof(err));
	(void)sm_when_parse(line, SM_WHEN_TO, 1796112000, NULL, &t, err,
			    sizeof(err));
	(void)sm_csv_parse_count(line, &v, err, sizeof(err));
	return 0;
}
