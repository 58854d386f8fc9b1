/*
 * test_config: the configuration loader and its value grammars.  Each test
 * writes a config to a private temporary file, loads it and checks the
 * values, or the diagnostics with their file, line, section, key and
 * expected form.  The example configs in conf/ must load without a single
 * error or warning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "duration.h"

/* A loaded config with its diagnostics and the file it came from. */
struct loaded {
	char path[256];
	struct sm_config *cfg;
	struct sm_diag_list diags;
	int rc;
};

static void
write_temp(char *path, size_t len, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, len, "%s/smcal-test-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
load_text(struct loaded *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	write_temp(l->path, sizeof(l->path), text);
	l->rc = sm_config_load(l->path, &l->cfg, &l->diags);
}

static void
unload(struct loaded *l)
{
	sm_config_free(l->cfg);
	sm_diag_clear(&l->diags);
	if (l->path[0] != '\0')
		unlink(l->path);
	memset(l, 0, sizeof(*l));
}

/* Renders a diagnostic as a user sees it, "file:line: message". */
static const char *
render(const struct sm_diag *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d: %s", d->file ? d->file : "", d->line,
		 d->message);
	return buf;
}

/* The first diagnostic of that severity whose message contains every
 * NULL-terminated needle, or NULL. */
static const struct sm_diag *
find(const struct sm_diag_list *dl, enum sm_severity sev, ...)
{
	size_t i;

	for (i = 0; i < dl->n; i++) {
		const struct sm_diag *d = &dl->items[i];
		const char *needle;
		int all = d->severity == sev;
		va_list ap;

		va_start(ap, sev);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (strstr(d->message, needle) == NULL)
				all = 0;
		va_end(ap);
		if (all)
			return d;
	}
	return NULL;
}

static void
dump(const struct sm_diag_list *dl)
{
	sm_diag_print(dl, stderr);
}

/*
 * Loads a config whose line 3 is "key = value" in section, followed by the
 * extra lines of that section, and expects exactly one error, on line 3.
 */
static void
expect_bad_ex(const char *section, const char *key, const char *value,
	      const char *extra, const char *expected)
{
	char text[1024], line[64];
	struct loaded l;
	const struct sm_diag *d;

	snprintf(text, sizeof(text),
		 "; comment\n[%s]\n%s = %s\n%s[webhook:w]\nurl = http://x\n"
		 "[platform:p]\n",
		 section, key, value, extra);
	load_text(&l, text);
	if (l.rc != -EINVAL || l.diags.nerrors != 1) {
		fprintf(stderr, "loading:\n%s", text);
		dump(&l.diags);
	}
	assert_int_equal(l.rc, -EINVAL);
	assert_null(l.cfg);
	assert_int_equal(l.diags.nerrors, 1);
	snprintf(line, sizeof(line), "[%s] %s", section, key);
	d = find(&l.diags, SM_ERROR, line, expected, (char *)NULL);
	if (d == NULL)
		dump(&l.diags);
	assert_non_null(d);
	assert_int_equal(d->line, 3);
	assert_string_equal(d->file, l.path);
	unload(&l);
}

static void
expect_bad(const char *section, const char *key, const char *value,
	   const char *expected)
{
	expect_bad_ex(section, key, value, "", expected);
}

/* A webhook section needs its url to have only the error under test. */
static void
expect_bad_hook(const char *key, const char *value, const char *expected)
{
	expect_bad_ex("webhook:x", key, value, "url = https://example.com\n",
		      expected);
}

/* Loads a one-key config and expects it to load without any diagnostic. */
static struct loaded
expect_good(const char *section, const char *key, const char *value)
{
	char text[512];
	struct loaded l;

	snprintf(text, sizeof(text),
		 "[%s]\n%s = %s\n[webhook:w]\nurl = http://x\n"
		 "[platform:p]\n",
		 section, key, value);
	load_text(&l, text);
	if (l.rc != 0 || l.diags.n != 0)
		dump(&l.diags);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	assert_non_null(l.cfg);
	return l;
}

static const char *
top_path(char *buf, size_t len, const char *rel)
{
	const char *top = getenv("SMCAL_TOP");

	snprintf(buf, len, "%s/%s", top && *top ? top : ".", rel);
	return buf;
}

/* ------------------------------------------------------------------ */

static void
test_durations(void **state)
{
	static const struct {
		const char *s;
		int64_t want; /* -1: rejected */
	} cases[] = {
		{"90s", 90},
		{"15m", 900},
		{"2h", 7200},
		{"1d", 86400},
		{"1w", 604800},
		{"1h30m", 5400},
		{"1d2h3m4s", 93784},
		{"0", 0},
		{"0s", 0},
		{"36500d", 36500LL * 86400},
		{"5x", -1},
		{"", -1},
		{"-1m", -1},
		{"+2h", -1},
		{"2", -1},
		{"h", -1},
		{"1.5h", -1},
		{"30m1h", -1},
		{"1h1h", -1},
		{"2H", -1},
		{" 2h", -1},
		{"2h ", -1},
		{"99999999999999999999s", -1},
		{"36700d", -1},
	};
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = -42;
		if (cases[i].want < 0) {
			assert_int_equal(sm_duration_parse(cases[i].s, &got),
					 -1);
			assert_int_equal(got, -42);
		} else {
			assert_int_equal(sm_duration_parse(cases[i].s, &got),
					 0);
			assert_int_equal(got, cases[i].want);
		}
	}
	assert_int_equal(sm_duration_parse(NULL, &got), -1);
}

static void
test_duration_format(void **state)
{
	char buf[32];
	int64_t back;

	(void)state;
	assert_string_equal(sm_duration_format(0, buf, sizeof(buf)), "0s");
	assert_string_equal(sm_duration_format(90, buf, sizeof(buf)), "1m30s");
	assert_string_equal(sm_duration_format(5400, buf, sizeof(buf)),
			    "1h30m");
	assert_string_equal(sm_duration_format(694800, buf, sizeof(buf)),
			    "1w1d1h");
	assert_int_equal(sm_duration_parse(buf, &back), 0);
	assert_int_equal(back, 694800);
	assert_string_equal(sm_duration_format(-90, buf, sizeof(buf)),
			    "-1m30s");
}

static void
test_list_split(void **state)
{
	struct sm_strlist l = {NULL, 0};

	(void)state;
	assert_int_equal(sm_config_list_split(" a ,b,\tc d ", &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[1], "b");
	assert_string_equal(l.v[2], "c d");
	sm_config_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);

	assert_int_equal(sm_config_list_split("", &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(sm_config_list_split("single", &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "single");
	sm_config_list_free(&l);

	assert_int_equal(sm_config_list_split("a,,b", &l), -1);
	assert_int_equal(sm_config_list_split("a, ", &l), -1);
	assert_int_equal(sm_config_list_split(",a", &l), -1);
	assert_int_equal(l.n, 0);
}

static void
test_bool_tod_weekday(void **state)
{
	static const char *const yes[] = {"yes", "YES", "true", "On", "1"};
	static const char *const no[] = {"no", "False", "off", "0"};
	int v, m;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		v = -1;
		assert_int_equal(sm_config_bool_parse(yes[i], &v), 0);
		assert_int_equal(v, 1);
	}
	for (i = 0; i < 4; i++) {
		v = -1;
		assert_int_equal(sm_config_bool_parse(no[i], &v), 0);
		assert_int_equal(v, 0);
	}
	assert_int_equal(sm_config_bool_parse("y", &v), -1);
	assert_int_equal(sm_config_bool_parse("2", &v), -1);
	assert_int_equal(sm_config_bool_parse("", &v), -1);

	assert_int_equal(sm_config_tod_parse("00:00", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(sm_config_tod_parse("09:00", &m), 0);
	assert_int_equal(m, 540);
	assert_int_equal(sm_config_tod_parse("9:05", &m), 0);
	assert_int_equal(m, 545);
	assert_int_equal(sm_config_tod_parse("23:59", &m), 0);
	assert_int_equal(m, 1439);
	assert_int_equal(sm_config_tod_parse("24:00", &m), -1);
	assert_int_equal(sm_config_tod_parse("12:60", &m), -1);
	assert_int_equal(sm_config_tod_parse("12:5", &m), -1);
	assert_int_equal(sm_config_tod_parse("1200", &m), -1);
	assert_int_equal(sm_config_tod_parse("12:00:00", &m), -1);
	assert_int_equal(sm_config_tod_parse("", &m), -1);
	assert_int_equal(m, 1439);

	assert_int_equal(sm_config_weekday_parse("mon", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sm_config_weekday_parse("Sun", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(sm_config_weekday_parse("wednesday", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sm_config_weekday_parse("THU", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(sm_config_weekday_parse("mo", &v), -1);
	assert_int_equal(sm_config_weekday_parse("wedn", &v), -1);
	assert_int_equal(sm_config_weekday_parse("funday", &v), -1);
}

static void
test_cadence_and_slots(void **state)
{
	struct sm_cadence c = {0, SM_CADENCE_NONE};
	struct sm_slot s = {-1, -1};

	(void)state;
	assert_int_equal(sm_config_cadence_parse("3/week", &c), 0);
	assert_int_equal(c.count, 3);
	assert_int_equal(c.unit, SM_CADENCE_WEEK);
	assert_int_equal(sm_config_cadence_parse("1/day", &c), 0);
	assert_int_equal(c.unit, SM_CADENCE_DAY);
	assert_int_equal(sm_config_cadence_parse("12 / month", &c), 0);
	assert_int_equal(c.count, 12);
	assert_int_equal(c.unit, SM_CADENCE_MONTH);
	assert_int_equal(sm_config_cadence_parse("3/fortnight", &c), -1);
	assert_int_equal(sm_config_cadence_parse("0/week", &c), -1);
	assert_int_equal(sm_config_cadence_parse("-1/week", &c), -1);
	assert_int_equal(sm_config_cadence_parse("/week", &c), -1);
	assert_int_equal(sm_config_cadence_parse("3", &c), -1);
	assert_int_equal(sm_config_cadence_parse("x/week", &c), -1);
	assert_int_equal(c.count, 12);

	assert_int_equal(sm_config_slot_parse("wed 12:30", &s), 0);
	assert_int_equal(s.weekday, 2);
	assert_int_equal(s.minute, 750);
	assert_int_equal(sm_config_slot_parse("Fri\t17:00", &s), 0);
	assert_int_equal(s.weekday, 4);
	assert_int_equal(s.minute, 1020);
	assert_int_equal(sm_config_slot_parse("wed", &s), -1);
	assert_int_equal(sm_config_slot_parse("12:30", &s), -1);
	assert_int_equal(sm_config_slot_parse("wed 25:00", &s), -1);
	assert_int_equal(sm_config_slot_parse("someday 10:00", &s), -1);
}

static void
test_zone_names(void **state)
{
	(void)state;
	assert_int_equal(sm_zone_name_valid("UTC"), 1);
	assert_int_equal(sm_zone_name_valid("Europe/Paris"), 1);
	assert_int_equal(sm_zone_name_valid("America/New_York"), 1);
	assert_int_equal(sm_zone_name_valid("Mars/Olympus"), 0);
	assert_int_equal(sm_zone_name_valid("../etc/passwd"), 0);
	assert_int_equal(sm_zone_name_valid("Europe/../../etc/passwd"), 0);
	assert_int_equal(sm_zone_name_valid("/etc/localtime"), 0);
	assert_int_equal(sm_zone_name_valid("Europe"), 0);   /* a directory */
	assert_int_equal(sm_zone_name_valid("zone.tab"), 0); /* not TZif */
	assert_int_equal(sm_zone_name_valid("Europe/Paris "), 0);
	assert_int_equal(sm_zone_name_valid(""), 0);
	assert_int_equal(sm_zone_name_valid(NULL), 0);
}

static void
test_secret_decode(void **state)
{
	unsigned char key[64];
	size_t len = 0;

	(void)state;
	/* The Standard Webhooks test vector's secret: 24 bytes. */
	assert_int_equal(sm_config_secret_decode(
				 "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key,
				 sizeof(key), &len),
			 0);
	assert_int_equal(len, 24);
	assert_int_equal(key[0], 0x31);
	assert_int_equal(key[1], 0xf2);
	assert_int_equal(key[2], 0x90);
	/* "hello" with and without padding. */
	assert_int_equal(sm_config_secret_decode("whsec_aGVsbG8=", key,
						 sizeof(key), &len),
			 0);
	assert_int_equal(len, 5);
	assert_memory_equal(key, "hello", 5);
	assert_int_equal(
		sm_config_secret_decode("whsec_aGVsbG8", NULL, 0, &len), 0);
	assert_int_equal(len, 5);

	assert_int_equal(
		sm_config_secret_decode("MfKQ9r8GKYqrTwjU", NULL, 0, &len), -1);
	assert_int_equal(sm_config_secret_decode("whsec_", NULL, 0, &len), -1);
	assert_int_equal(sm_config_secret_decode("whsec_a", NULL, 0, &len), -1);
	assert_int_equal(sm_config_secret_decode("whsec_!!!!", NULL, 0, &len),
			 -1);
	assert_int_equal(
		sm_config_secret_decode("whsec_aGVsbG8==", NULL, 0, &len), -1);
	assert_int_equal(
		sm_config_secret_decode("whsec_aGVsbG8=", key, 3, &len), -1);
}

static void
test_events(void **state)
{
	(void)state;
	assert_int_equal(sm_config_event_parse("post.due"), SM_EVENT_POST_DUE);
	assert_int_equal(sm_config_event_parse("goal.off_track"),
			 SM_EVENT_GOAL_OFF_TRACK);
	assert_int_equal(sm_config_event_parse("goal.achieved"),
			 SM_EVENT_GOAL_ACHIEVED);
	assert_int_equal(sm_config_event_parse("Goal.Missed"),
			 SM_EVENT_GOAL_MISSED);
	assert_string_equal(sm_config_event_name(SM_EVENT_GOAL_MISSED),
			    "goal.missed");
	assert_int_equal(SM_EVENT_ALL & SM_EVENT_GOAL_ACHIEVED,
			 SM_EVENT_GOAL_ACHIEVED);
	assert_int_equal(sm_config_event_parse("post.published"), 0);
	assert_string_equal(sm_config_event_name(SM_EVENT_CADENCE_GAP),
			    "cadence.gap");
	assert_null(sm_config_event_name(SM_EVENT_ALL));
	assert_string_equal(sm_config_log_level_name(SM_LOG_NOTICE), "notice");
	assert_string_equal(sm_config_format_name(SM_WEBHOOK_NTFY), "ntfy");
}

/*
 * retention (outbox rows kept after delivery) and the lines of state_dir
 * and event_log, which smcald --check names when the directory or the log
 * cannot be used.  A key written twice is at its last line, whose value
 * iniparser keeps.
 */
static void
test_retention_and_lines(void **state)
{
	struct loaded l;

	(void)state;
	load_text(&l, "[daemon]\n"
		      "; the state\n"
		      "state_dir = /srv/smcal\n"
		      "retention = 90d\n"
		      "\n"
		      "event_log = /srv/log/events.jsonl\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	assert_int_equal(l.cfg->retention, 90 * 86400);
	assert_int_equal(l.cfg->state_dir_line, 3);
	assert_int_equal(l.cfg->event_log_line, 6);
	unload(&l);

	load_text(&l, "[daemon]\nretention = 0\nstate_dir = /a\n"
		      "[reminders]\nlead = 1h\n[daemon]\nstate_dir = /b\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.cfg->retention, 0);
	assert_string_equal(l.cfg->state_dir, "/b");
	assert_int_equal(l.cfg->state_dir_line, 7);
	assert_int_equal(l.cfg->event_log_line, 0);
	unload(&l);
}

static void
check_defaults(const struct sm_config *c)
{
	assert_string_equal(c->socket, "/run/smcal/smcal.sock");
	assert_null(c->socket_group);
	assert_int_equal(c->admin_groups.n, 0);
	assert_int_equal(c->read_groups.n, 0);
	assert_int_equal(c->admin_users.n, 0);
	assert_string_equal(c->state_dir, "/var/lib/smcal");
	assert_string_equal(c->event_log, "/var/lib/smcal/events.jsonl");
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(c->catchup, 6 * 3600);
	assert_int_equal(c->allday_time, 9 * 60);
	assert_null(c->webhook);
	assert_int_equal(c->log_level, SM_LOG_INFO);
	assert_int_equal(c->watchdog, 1);
	assert_int_equal(c->fire_drafts, 0);
	assert_int_equal(c->series_cap, 60);
	assert_int_equal(c->retention, 30 * 86400);
	assert_int_equal(c->state_dir_line, 0);
	assert_int_equal(c->event_log_line, 0);
	assert_int_equal(c->lead.n, 2);
	assert_int_equal(c->lead.v[0], 86400);
	assert_int_equal(c->lead.v[1], 3600);
	assert_int_equal(c->overdue, 7200);
	assert_int_equal(c->week_start, 0);
	assert_int_equal(c->lookahead, 4);
	assert_int_equal(c->gap_notice, 3 * 86400);
	assert_int_equal(c->mix_window, 4 * 7 * 86400);
	assert_int_equal(c->ncalendars, 0);
	assert_int_equal(c->nplatforms, 0);
	assert_int_equal(c->nwebhooks, 0);
	assert_int_equal(c->ntypes, 0);
	assert_int_equal(c->ngoals, 0);
}

static void
test_defaults(void **state)
{
	struct sm_diag_list dl = {0};
	struct sm_config *c;
	struct loaded l;

	(void)state;
	c = sm_config_defaults();
	check_defaults(c);
	assert_null(c->path);
	sm_config_free(c);

	c = (struct sm_config *)1;
	assert_int_equal(sm_config_load(NULL, &c, &dl), 0);
	check_defaults(c);
	assert_int_equal(dl.n, 0);
	sm_config_free(c);
	sm_config_free(NULL);

	/* An empty file and a file of comments are the defaults too. */
	load_text(&l, "");
	assert_int_equal(l.rc, 0);
	check_defaults(l.cfg);
	assert_string_equal(l.cfg->path, l.path);
	unload(&l);
	load_text(&l, "; nothing\n# here\n\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	check_defaults(l.cfg);
	unload(&l);
}

static void
test_missing_file(void **state)
{
	struct sm_diag_list dl = {0};
	struct sm_config *c = (struct sm_config *)1;

	(void)state;
	assert_int_equal(sm_config_load("/nonexistent/smcal.conf", &c, &dl),
			 -ENOENT);
	assert_null(c);
	assert_int_equal(dl.nerrors, 1);
	assert_string_equal(dl.items[0].file, "/nonexistent/smcal.conf");
	assert_non_null(strstr(dl.items[0].message, "cannot open"));
	sm_diag_clear(&dl);

	assert_int_equal(sm_config_load("/tmp", &c, &dl), -EISDIR);
	assert_null(c);
	assert_int_equal(dl.nerrors, 1);
	sm_diag_clear(&dl);

	/* diags may be NULL. */
	assert_int_equal(sm_config_load("/nonexistent", &c, NULL), -ENOENT);
}

static void
test_example_conf(void **state)
{
	char path[1024];
	struct sm_diag_list dl = {0};
	struct sm_config *c = NULL;
	const struct sm_platform *ig, *x;
	const struct sm_webhook *slack, *pub, *discord;
	const struct sm_calendar_conf *cal;
	const struct sm_content_type *t;

	(void)state;
	top_path(path, sizeof(path), "conf/smcal.conf");
	assert_int_equal(sm_config_load(path, &c, &dl), 0);
	if (dl.n)
		dump(&dl);
	assert_int_equal(dl.nerrors, 0);
	assert_int_equal(dl.nwarnings, 0);

	assert_string_equal(c->socket, "/run/smcal/smcal.sock");
	assert_string_equal(c->socket_group, "smcal");
	assert_int_equal(c->read_groups.n, 2);
	assert_string_equal(c->read_groups.v[1], "marketing");
	assert_int_equal(c->admin_users.n, 2);
	assert_string_equal(c->timezone, "Europe/Paris");
	assert_string_equal(c->webhook, "team-slack");
	assert_int_equal(c->watchdog, 1);
	assert_int_equal(c->mix_window, 4 * 7 * 86400);
	assert_int_equal(c->retention, 30 * 86400);
	assert_true(c->state_dir_line > 0);
	assert_true(c->event_log_line > c->state_dir_line);

	assert_int_equal(c->ncalendars, 2);
	cal = sm_config_calendar(c, "main");
	assert_non_null(cal);
	assert_string_equal(cal->path, "/etc/smcal/content.ics");
	assert_string_equal(cal->timezone, "Europe/Paris");
	assert_int_equal(cal->timezone_set, 0);
	assert_int_equal(cal->webhooks_set, 1);
	assert_int_equal(cal->webhooks.n, 2);
	assert_string_equal(cal->webhooks.v[1], "phone");
	cal = sm_config_calendar(c, "campaigns");
	assert_int_equal(cal->webhooks_set, 0);
	assert_string_equal(cal->timezone, "America/New_York");
	assert_int_equal(cal->timezone_set, 1);

	assert_int_equal(c->nplatforms, 4);
	ig = sm_config_platform(c, "Instagram");
	assert_non_null(ig);
	assert_int_equal(ig->cadence.count, 3);
	assert_int_equal(ig->cadence.unit, SM_CADENCE_WEEK);
	assert_int_equal(ig->slots.n, 3);
	assert_int_equal(ig->slots.v[1].weekday, 2);
	assert_int_equal(ig->slots.v[1].minute, 12 * 60 + 30);
	assert_int_equal(ig->min_spacing, 4 * 3600);
	assert_int_equal(ig->daily_cap, 25);
	assert_int_equal(ig->lead_set, 1);
	assert_int_equal(ig->lead.n, 2);
	assert_int_equal(ig->lead.v[1], 7200);
	assert_int_equal(ig->overdue_set, 1);
	assert_int_equal(ig->overdue, 4 * 3600);
	assert_int_equal(ig->categories.n, 3);
	/* A continued line: seven slots over two lines. */
	x = sm_config_platform(c, "x");
	assert_int_equal(x->slots.n, 7);
	assert_int_equal(x->lead_set, 0);
	assert_int_equal(x->lead.n, 2);
	assert_int_equal(x->lead.v[0], 86400);
	assert_ptr_equal(sm_config_platform_by_category(c, "twitter"), x);
	assert_ptr_equal(sm_config_platform_by_category(c, "reels"), ig);
	assert_null(sm_config_platform_by_category(c, "tiktok"));

	assert_int_equal(c->ntypes, 4);
	t = sm_config_type(c, "offer");
	assert_non_null(t);
	assert_int_equal(t->mix, 10);
	assert_ptr_equal(sm_config_type_by_category(c, "promo"), t);

	assert_int_equal(c->nwebhooks, 4);
	slack = sm_config_webhook(c, "team-slack");
	assert_non_null(slack);
	assert_int_equal(slack->format, SM_WEBHOOK_SLACK);
	assert_string_equal(slack->secret_file, "/etc/smcal/team-slack.secret");
	assert_null(slack->secret);
	assert_int_equal(slack->events, SM_EVENT_ALL);
	assert_int_equal(slack->backoff.n, 6);
	assert_int_equal(slack->backoff.v[5], 3600);
	assert_string_equal(slack->locale, "fr_FR.UTF-8");
	assert_string_equal(slack->date_format, "%A %e %B à %H:%M");
	discord = sm_config_webhook(c, "team-discord");
	assert_non_null(discord->secret);
	assert_int_equal(discord->events,
			 SM_EVENT_POST_DUE | SM_EVENT_POST_OVERDUE);
	assert_string_equal(discord->timezone, "Europe/Paris");
	pub = sm_config_webhook(c, "publisher");
	assert_int_equal(pub->format, SM_WEBHOOK_TEMPLATE);
	assert_int_equal(pub->escape, SM_ESCAPE_AUTO);
	assert_non_null(strstr(pub->template_text, "\"title\": \"{{title}}\""));
	assert_int_equal(pub->headers.n, 2);
	assert_string_equal(pub->headers.v[0], "X-Team: social");
	assert_int_equal(pub->max_attempts, 5);
	assert_int_equal(pub->concurrency, 4);
	assert_int_equal(pub->timeout, 30);
	assert_int_equal(pub->connect_timeout, 10);

	assert_int_equal(c->ngoals, 2);
	assert_string_equal(c->goals[0].platform, "instagram");
	assert_int_equal(c->goals[0].kpi, SM_KPI_FOLLOWERS);
	assert_int_equal(c->goals[0].target_kind, SM_GOAL_TARGET_PERCENT);
	assert_int_equal(c->goals[0].start_set, 1);
	assert_int_equal(c->goals[0].start,
			 sm_civil_days(2026, 12, 1) * SM_DAY);
	assert_true(c->goals[0].target > 1199.99 &&
		    c->goals[0].target < 1200.01);
	assert_int_equal(c->goals[0].deadline,
			 sm_civil_days(2027, 3, 1) * SM_DAY);

	sm_config_free(c);
	sm_diag_clear(&dl);
}

static void
test_dev_conf(void **state)
{
	char path[1024];
	struct sm_diag_list dl = {0};
	struct sm_config *c = NULL;

	(void)state;
	top_path(path, sizeof(path), "conf/smcal-dev.conf");
	assert_int_equal(sm_config_load(path, &c, &dl), 0);
	if (dl.n)
		dump(&dl);
	assert_int_equal(dl.n, 0);
	assert_string_equal(c->socket, "run/smcal.sock");
	assert_string_equal(c->state_dir, "run/state");
	assert_string_equal(c->event_log, "run/state/events.jsonl");
	assert_string_equal(c->webhook, "none");
	assert_null(sm_config_webhook(c, c->webhook));
	assert_int_equal(c->nwebhooks, 0);
	/* The example calendar, and the demo one `make run` writes. */
	assert_int_equal(c->ncalendars, 2);
	assert_string_equal(c->calendars[0].path, "conf/content.ics");
	assert_string_equal(c->calendars[1].path, "run/demo.ics");
	sm_config_free(c);
	sm_diag_clear(&dl);
}

static void
test_good_values(void **state)
{
	struct loaded l;

	(void)state;
	l = expect_good("daemon", "catchup", "0");
	assert_int_equal(l.cfg->catchup, 0);
	unload(&l);
	l = expect_good("daemon", "catchup", "1h30m");
	assert_int_equal(l.cfg->catchup, 5400);
	unload(&l);
	/* A Unix socket path holds 107 bytes and its NUL. */
	l = expect_good(
		"daemon", "socket",
		"/run/a/very/long/path/that/goes/on/and/on/and/on/a"
		"nd/on/and/on/and/on/and/on/and/on/xxxxxxxxxxxxxsmcal.sock");
	assert_int_equal(strlen(l.cfg->socket), 107);
	unload(&l);
	l = expect_good("daemon", "fire_drafts", "on");
	assert_int_equal(l.cfg->fire_drafts, 1);
	unload(&l);
	l = expect_good("daemon", "watchdog", "false");
	assert_int_equal(l.cfg->watchdog, 0);
	unload(&l);
	l = expect_good("daemon", "allday_time", "7:45");
	assert_int_equal(l.cfg->allday_time, 465);
	unload(&l);
	l = expect_good("daemon", "log_level", "WARNING");
	assert_int_equal(l.cfg->log_level, SM_LOG_WARNING);
	unload(&l);
	l = expect_good("daemon", "timezone", "Europe/Paris");
	assert_string_equal(l.cfg->timezone, "Europe/Paris");
	assert_string_equal(l.cfg->webhooks[0].timezone, "Europe/Paris");
	unload(&l);
	l = expect_good("daemon", "state_dir", "/srv/smcal/");
	assert_string_equal(l.cfg->event_log, "/srv/smcal/events.jsonl");
	unload(&l);
	l = expect_good("daemon", "webhook", "W");
	assert_string_equal(l.cfg->webhook, "w");
	unload(&l);
	l = expect_good("daemon", "admin_users", "alice, bob");
	assert_int_equal(l.cfg->admin_users.n, 2);
	assert_string_equal(l.cfg->admin_users.v[1], "bob");
	unload(&l);
	l = expect_good("reminders", "lead", "none");
	assert_int_equal(l.cfg->lead.n, 0);
	assert_int_equal(l.cfg->platforms[0].lead.n, 0);
	unload(&l);
	l = expect_good("reminders", "lead", "2d, 3h, 15m");
	assert_int_equal(l.cfg->lead.n, 3);
	assert_int_equal(l.cfg->lead.v[2], 900);
	assert_int_equal(l.cfg->platforms[0].lead.n, 3);
	unload(&l);
	/* overdue = none (or 0) switches post.overdue off, in [reminders]
	 * and per platform (issue 7: it was refused). */
	l = expect_good("reminders", "overdue", "none");
	assert_int_equal(l.cfg->overdue, 0);
	assert_int_equal(l.cfg->platforms[0].overdue_set, 0);
	unload(&l);
	l = expect_good("reminders", "overdue", "0");
	assert_int_equal(l.cfg->overdue, 0);
	unload(&l);
	l = expect_good("reminders", "overdue", "None");
	assert_int_equal(l.cfg->overdue, 0);
	unload(&l);
	l = expect_good("reminders", "overdue", "90m");
	assert_int_equal(l.cfg->overdue, 5400);
	unload(&l);
	l = expect_good("platform:p", "overdue", "none");
	assert_int_equal(l.cfg->platforms[0].overdue_set, 1);
	assert_int_equal(l.cfg->platforms[0].overdue, 0);
	assert_int_equal(l.cfg->overdue, 7200);
	unload(&l);
	l = expect_good("platform:p", "overdue", "45m");
	assert_int_equal(l.cfg->platforms[0].overdue_set, 1);
	assert_int_equal(l.cfg->platforms[0].overdue, 2700);
	unload(&l);
	l = expect_good("cadence", "week_start", "sun");
	assert_int_equal(l.cfg->week_start, 6);
	unload(&l);
	l = expect_good("cadence", "lookahead", "0");
	assert_int_equal(l.cfg->lookahead, 0);
	unload(&l);
	l = expect_good("daemon", "series_cap", "5");
	assert_int_equal(l.cfg->series_cap, 5);
	unload(&l);
	l = expect_good("cadence", "mix_window", "2w");
	assert_int_equal(l.cfg->mix_window, 14 * 86400);
	unload(&l);
	l = expect_good("cadence", "mix_window", "0");
	assert_int_equal(l.cfg->mix_window, 0);
	unload(&l);
	l = expect_good("platform:p", "cadence", "2/month");
	assert_int_equal(l.cfg->platforms[0].cadence.count, 2);
	assert_int_equal(l.cfg->platforms[0].cadence.unit, SM_CADENCE_MONTH);
	assert_string_equal(l.cfg->platforms[0].categories.v[0], "p");
	unload(&l);
	l = expect_good("platform:p", "slots", "fri 17:00, mon 09:00");
	assert_int_equal(l.cfg->platforms[0].slots.n, 2);
	assert_int_equal(l.cfg->platforms[0].slots.v[0].weekday, 0);
	assert_int_equal(l.cfg->platforms[0].slots.v[1].weekday, 4);
	unload(&l);
	l = expect_good("platform:p", "lead", "none");
	assert_int_equal(l.cfg->platforms[0].lead_set, 1);
	assert_int_equal(l.cfg->platforms[0].lead.n, 0);
	unload(&l);
	l = expect_good("webhook:w", "events", "all");
	assert_int_equal(l.cfg->webhooks[0].events, SM_EVENT_ALL);
	unload(&l);
	l = expect_good("webhook:w", "backoff", "0s, 1s");
	assert_int_equal(l.cfg->webhooks[0].backoff.n, 2);
	assert_int_equal(l.cfg->webhooks[0].backoff.v[1], 1);
	unload(&l);
	l = expect_good("webhook:w", "secret",
			"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_string_equal(l.cfg->webhooks[0].secret,
			    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	unload(&l);
	/* Quoted values keep ; and #, which would start a comment. */
	l = expect_good("webhook:w", "date_format", "\"%d;%m #%H\"");
	assert_string_equal(l.cfg->webhooks[0].date_format, "%d;%m #%H");
	unload(&l);
	l = expect_good("webhook:w", "date_format", "%d/%m ; a comment");
	assert_string_equal(l.cfg->webhooks[0].date_format, "%d/%m");
	unload(&l);
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_bad("daemon", "catchup", "5x", "expected a duration");
	expect_bad("daemon", "catchup", "-1m", "expected a duration");
	expect_bad("daemon", "timezone", "Mars/Olympus",
		   "expected UTC or a time zone name");
	expect_bad("daemon", "timezone", "../etc/passwd",
		   "expected UTC or a time zone name");
	expect_bad("daemon", "allday_time", "24:00", "expected a time of day");
	expect_bad("daemon", "log_level", "verbose",
		   "expected debug, info, notice, warning or error");
	expect_bad("daemon", "watchdog", "maybe", "expected yes or no");
	expect_bad("daemon", "socket",
		   "/run/a/very/long/path/that/goes/on/and/on/and/on/and/on/"
		   "and/on/and/on/and/on/and/on/and/on/and/on/smcal.sock",
		   "at most 107 bytes");
	expect_bad("daemon", "state_dir", "", "expected a file path");
	expect_bad("daemon", "retention", "a month", "expected a duration");
	expect_bad("daemon", "retention", "-1d", "expected a duration");
	expect_bad("daemon", "admin_groups", "a,,b", "comma-separated list");
	expect_bad("daemon", "webhook", "bad name!", "[webhook:NAME]");
	expect_bad("reminders", "lead", "1d,,1h", "list of durations");
	expect_bad("reminders", "lead", "", "list of durations");
	expect_bad("reminders", "overdue", "soon", "or none (also 0)");
	expect_bad("reminders", "overdue", "-1h", "or none (also 0)");
	expect_bad("platform:instagram", "overdue", "nada",
		   "or none (also 0) for no post.overdue");
	expect_bad("cadence", "week_start", "funday", "expected a weekday");
	expect_bad("cadence", "lookahead", "-1", "from 0 to 520");
	expect_bad("daemon", "series_cap", "0", "from 1 to 1000000");
	expect_bad("daemon", "series_cap", "lots", "from 1 to 1000000");
	expect_bad("cadence", "lookahead", "4 weeks", "from 0 to 520");
	expect_bad("cadence", "mix_window", "4 weeks", "expected a duration");
	expect_bad("cadence", "mix_window", "-1w", "expected a duration");
	expect_bad("platform:instagram", "cadence", "3/fortnight",
		   "expected N/day, N/week or N/month");
	expect_bad("platform:instagram", "slots", "mon 09:00, funday 10:00",
		   "item \"funday 10:00\" is not a slot");
	expect_bad("platform:instagram", "slots", "mon 09:00,,fri 10:00",
		   "expected a comma-separated list of weekday and time");
	expect_bad("platform:instagram", "slots", "", "weekday and time");
	expect_bad("platform:instagram", "daily_cap", "0", "from 1 to");
	expect_bad("platform:instagram", "categories", "", "CATEGORIES names");
	expect_bad("webhook:x", "url", "ftp://example.com",
		   "expected an http:// or https:// URL");
	expect_bad("webhook:x", "url", "https://", "http:// or https://");
	expect_bad_hook("format", "xml",
			"expected json, slack, discord, ntfy or template");
	expect_bad_hook("events", "post.due, post.published",
			"post.reminder, post.due");
	expect_bad_hook("max_attempts", "0", "from 1 to 1000");
	expect_bad_hook("concurrency", "0", "from 1 to 1000");
	expect_bad_hook("timeout", "0", "at least 1s");
	expect_bad_hook("backoff", "none", "list of durations");
	expect_bad_hook("headers", "no colon here", "headers such as");
	expect_bad_hook("locale", "fr FR", "expected a locale name");
	expect_bad_hook("date_format", "%Q", "strftime format");
	expect_bad_hook("date_format", "%Y-%", "strftime format");
	expect_bad("type:promo", "categories", "a,", "CATEGORIES names");
}

/* Every message names the file, the line, the section, the key and the
 * form that was expected, and all problems are reported in one pass. */
static void
test_error_message_form(void **state)
{
	struct loaded l;
	char buf[1024], want[512];
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[daemon]\n"
		      "timezone = Europe/Paris\n"
		      "catchup = soon\n"
		      "\n"
		      "[platform:instagram]\n"
		      "slots = mon 09:00\n"
		      "cadence = 3/fortnight   ; three a fortnight\n"
		      "[cadence]\n"
		      "week_start = someday\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_null(l.cfg);
	assert_int_equal(l.diags.nerrors, 3);
	assert_int_equal(l.diags.nwarnings, 0);
	/* In line order. */
	assert_int_equal(l.diags.items[0].line, 3);
	assert_int_equal(l.diags.items[1].line, 7);
	assert_int_equal(l.diags.items[2].line, 9);

	d = &l.diags.items[1];
	snprintf(want, sizeof(want),
		 "%s:7: [platform:instagram] cadence = \"3/fortnight\": "
		 "expected N/day, N/week or N/month",
		 l.path);
	assert_string_equal(render(d, buf, sizeof(buf)), want);
	snprintf(want, sizeof(want),
		 "%s:3: [daemon] catchup = \"soon\": expected a duration",
		 l.path);
	assert_non_null(
		strstr(render(&l.diags.items[0], buf, sizeof(buf)), want));
	assert_non_null(
		strstr(l.diags.items[2].message,
		       "[cadence] week_start = \"someday\": expected "
		       "a weekday: mon, tue, wed, thu, fri, sat or sun"));
	unload(&l);
}

static void
test_unknown_key_and_section(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[daemon]\n"
		      "timezon = Europe/Paris\n"
		      "colour = blue\n"
		      "[reminder]\n"
		      "lead = 1h\n"
		      "[platfrom:x]\n"
		      "[analytics]\n");
	assert_int_equal(l.rc, 0);
	assert_non_null(l.cfg);
	assert_int_equal(l.diags.nerrors, 0);
	assert_int_equal(l.diags.nwarnings, 5);
	d = find(&l.diags, SM_WARNING, "[daemon] timezon: unknown key",
		 "did you mean timezone?", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	assert_string_equal(d->file, l.path);
	d = find(&l.diags, SM_WARNING, "[daemon] colour: unknown key",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 3);
	assert_null(strstr(d->message, "did you mean"));
	d = find(&l.diags, SM_WARNING, "[reminder]: unknown section",
		 "[reminders]", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 4);
	d = find(&l.diags, SM_WARNING, "[platfrom:x]: unknown section",
		 "[platform:NAME]", (char *)NULL);
	assert_int_equal(d->line, 6);
	assert_non_null(
		find(&l.diags, SM_WARNING, "[analytics]", (char *)NULL));
	/* Ignored: the defaults stay. */
	assert_string_equal(l.cfg->timezone, "UTC");
	assert_int_equal(l.cfg->lead.n, 2);
	unload(&l);
}

static void
test_webhook_references(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[daemon]\n"
		      "webhook = team-slak\n"
		      "[calendar:main]\n"
		      "path = main.ics\n"
		      "webhook = Missing\n"
		      "[platform:x]\n"
		      "webhook = ghost\n"
		      "[webhook:team-slack]\n"
		      "url = https://hooks.slack.com/x\n"
		      "[goal:g]\n"
		      "metric = reach\n"
		      "platform = tiktok\n"
		      "baseline = 10\n"
		      "target = 20\n"
		      "deadline = 2027-01-01\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 4);
	d = find(&l.diags, SM_ERROR, "[daemon] webhook = \"team-slak\"",
		 "no [webhook:team-slak] section",
		 "expected the name of a [webhook:NAME] section", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	d = find(&l.diags, SM_ERROR, "[calendar:main] webhook = \"missing\"",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 5);
	d = find(&l.diags, SM_ERROR, "[platform:x] webhook = \"ghost\"",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 7);
	d = find(&l.diags, SM_ERROR, "[goal:g] platform = \"tiktok\"",
		 "no [platform:tiktok] section", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 12);
	unload(&l);

	/* References are case-insensitive, and none is the log sink. */
	load_text(&l, "[daemon]\n"
		      "webhook = Team-Slack\n"
		      "[calendar:main]\n"
		      "path = main.ics\n"
		      "webhook = none\n"
		      "[Webhook:TEAM-slack]\n"
		      "URL = https://hooks.slack.com/x\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	assert_string_equal(l.cfg->webhook, "team-slack");
	assert_non_null(sm_config_webhook(l.cfg, l.cfg->webhook));
	assert_string_equal(l.cfg->calendars[0].webhook, "none");
	assert_null(sm_config_webhook(l.cfg, "none"));
	unload(&l);
}

static void
test_reserved_names(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[calendar:main]\n"
		      "path = a.ics\n"
		      "[calendar:Queue]\n"
		      "path = b.ics\n"
		      "[webhook:none]\n"
		      "url = http://x\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 2);
	d = find(&l.diags, SM_ERROR, "[calendar:queue]", "reserved",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 3);
	d = find(&l.diags, SM_ERROR, "[webhook:none]", "reserved",
		 (char *)NULL);
	assert_int_equal(d->line, 5);
	unload(&l);

	load_text(&l, "[platform:]\n[goal:a b]\n[platform: x]\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_non_null(find(&l.diags, SM_ERROR, "expected [platform:NAME]",
			     (char *)NULL));
	assert_non_null(
		find(&l.diags, SM_ERROR, "expected [goal:NAME]", (char *)NULL));
	d = find(&l.diags, SM_ERROR, "[platform: x]: expected [platform:NAME]",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 3);
	assert_int_equal(l.diags.nerrors, 3);
	unload(&l);
}

static void
test_required_keys(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "\n[calendar:main]\nwebhook = none\n"
		      "[webhook:w]\nformat = json\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 2);
	d = find(&l.diags, SM_ERROR,
		 "[calendar:main] path: required key "
		 "missing; expected a file path",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	d = find(&l.diags, SM_ERROR, "[webhook:w] url: required key missing",
		 (char *)NULL);
	assert_int_equal(d->line, 4);
	unload(&l);
}

static void
test_webhook_rules(void **state)
{
	struct loaded l;
	const struct sm_diag *d;
	const struct sm_webhook *w;

	(void)state;
	load_text(&l, "[webhook:t]\n"
		      "url = http://127.0.0.1:8080/hook\n"
		      "format = template\n"
		      "[webhook:s]\n"
		      "url = https://example.com/\n"
		      "secret = whsec_notbase64!!\n"
		      "[webhook:both]\n"
		      "url = https://example.com/\n"
		      "secret = whsec_aGVsbG8=\n"
		      "secret_file = /etc/smcal/both.secret\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 3);
	d = find(&l.diags, SM_ERROR, "[webhook:t] template: required key",
		 (char *)NULL);
	assert_int_equal(d->line, 3);
	d = find(&l.diags, SM_ERROR, "[webhook:s] secret:",
		 "expected whsec_ followed by a base64 key", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 6);
	/* A secret is never echoed into a log. */
	assert_null(strstr(d->message, "notbase64"));
	d = find(&l.diags, SM_ERROR, "[webhook:both] secret_file",
		 "together with secret", (char *)NULL);
	assert_int_equal(d->line, 10);
	unload(&l);

	load_text(&l, "[webhook:t]\n"
		      "url = HTTPS://example.com/a?b=c\n"
		      "format = ntfy\n"
		      "template = {{title}}\n"
		      "headers = X-A: 1, X-B:2\n"
		      "events = post.due,cadence.behind\n"
		      "timeout = 1m\n"
		      "connect_timeout = 5s\n"
		      "max_age = 1d\n"
		      "ca_file = ca.pem\n"
		      "timezone = Europe/Paris\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.nwarnings, 1);
	d = find(&l.diags, SM_WARNING, "[webhook:t] template: ignored",
		 (char *)NULL);
	assert_int_equal(d->line, 4);
	w = sm_config_webhook(l.cfg, "t");
	assert_string_equal(w->url, "HTTPS://example.com/a?b=c");
	assert_int_equal(w->format, SM_WEBHOOK_NTFY);
	assert_int_equal(w->headers.n, 2);
	assert_string_equal(w->headers.v[1], "X-B:2");
	assert_int_equal(w->events,
			 SM_EVENT_POST_DUE | SM_EVENT_CADENCE_BEHIND);
	assert_int_equal(w->timeout, 60);
	assert_int_equal(w->connect_timeout, 5);
	assert_int_equal(w->max_age, 86400);
	assert_int_equal(w->max_attempts, 7);
	assert_int_equal(w->concurrency, 2);
	assert_string_equal(w->content_type, "application/json");
	assert_string_equal(w->date_format, "%Y-%m-%d %H:%M %Z");
	assert_string_equal(w->ca_file, "ca.pem");
	assert_null(w->locale);
	assert_string_equal(w->timezone, "Europe/Paris");
	assert_int_equal(w->timezone_set, 1);
	unload(&l);
}

static void
test_goals(void **state)
{
	struct loaded l;
	const struct sm_goal *g;

	(void)state;
	load_text(&l, "[platform:linkedin]\n"
		      "[type:informative]\n"
		      "[goal:clicks]\n"
		      "metric = clicks\n"
		      "platform = LinkedIn\n"
		      "baseline = 250.5\n"
		      "target = +10%\n"
		      "deadline = 2026-12-31\n"
		      "[goal:abs]\n"
		      "metric = Reach\n"
		      "platform = linkedin\n"
		      "type = informative\n"
		      "campaign = Black Friday\n"
		      "baseline = 0\n"
		      "target = 5000\n"
		      "start = 2028-01-01\n"
		      "deadline = 2028-02-29\n"
		      "tolerance = 25%\n"
		      "[goal:more]\n"
		      "metric = posts\n"
		      "platform = all\n"
		      "baseline = 10\n"
		      "target = +30\n"
		      "deadline = 2027-01-01\n"
		      "[goal:er]\n"
		      "metric = engagement_rate\n"
		      "platform = ALL\n"
		      "baseline = 2.5%\n"
		      "target = 4%\n"
		      "deadline = 2027-01-01\n"
		      "[goal:ctr]\n"
		      "metric = ctr\n"
		      "platform = linkedin\n"
		      "baseline = 0.02\n"
		      "target = +50%\n"
		      "deadline = 2027-01-01\n"
		      "tolerance = 0%\n"
		      "[goal:fewer]\n"
		      "metric = followers\n"
		      "platform = linkedin\n"
		      "baseline = 1000\n"
		      "target = -10%\n"
		      "deadline = 2027-01-01\n");
	if (l.rc != 0 || l.diags.n != 0)
		dump(&l.diags);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	assert_int_equal(l.cfg->ngoals, 6);
	g = &l.cfg->goals[0];
	assert_string_equal(g->name, "clicks");
	assert_string_equal(g->metric, "clicks");
	assert_int_equal(g->kpi, SM_KPI_CLICKS);
	assert_string_equal(g->platform, "linkedin");
	assert_null(g->type);
	assert_null(g->campaign);
	assert_int_equal(g->target_kind, SM_GOAL_TARGET_PERCENT);
	assert_true(g->target_change > 9.999 && g->target_change < 10.001);
	assert_true(g->baseline > 250.49 && g->baseline < 250.51);
	/* 250.5 x 1.1 */
	assert_true(g->target > 275.54 && g->target < 275.56);
	assert_int_equal(g->deadline, sm_civil_days(2026, 12, 31) * SM_DAY);
	assert_int_equal(g->start_set, 0);
	/* The default tolerance. */
	assert_true(g->tolerance > 0.0999 && g->tolerance < 0.1001);
	assert_int_equal(g->line, 3);
	assert_int_equal(g->target_line, 7);

	g = &l.cfg->goals[1];
	assert_string_equal(g->metric, "reach");
	assert_int_equal(g->target_kind, SM_GOAL_TARGET_ABSOLUTE);
	assert_true(g->target > 4999.99 && g->target < 5000.01);
	assert_string_equal(g->type, "informative");
	assert_string_equal(g->campaign, "Black Friday");
	assert_int_equal(g->start_set, 1);
	assert_int_equal(g->start, sm_civil_days(2028, 1, 1) * SM_DAY);
	assert_true(g->tolerance > 0.2499 && g->tolerance < 0.2501);

	/* +N adds to the baseline. */
	g = &l.cfg->goals[2];
	assert_int_equal(g->kpi, SM_KPI_POSTS);
	assert_string_equal(g->platform, "all");
	assert_int_equal(g->target_kind, SM_GOAL_TARGET_DELTA);
	assert_true(g->target > 39.99 && g->target < 40.01);
	assert_true(g->target_change > 29.99 && g->target_change < 30.01);

	/* Rates may be written as percentages; they are kept as fractions. */
	g = &l.cfg->goals[3];
	assert_string_equal(g->platform, "all");
	assert_true(g->baseline > 0.02499 && g->baseline < 0.02501);
	assert_true(g->target > 0.03999 && g->target < 0.04001);
	assert_int_equal(g->target_kind, SM_GOAL_TARGET_ABSOLUTE);
	g = &l.cfg->goals[4];
	assert_true(g->target > 0.02999 && g->target < 0.03001);
	assert_true(g->tolerance == 0);
	/* A level may go down. */
	g = &l.cfg->goals[5];
	assert_true(g->target > 899.99 && g->target < 900.01);
	unload(&l);

	expect_bad_ex("goal:g", "deadline", "2027-02-30",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "target = 2\n",
		      "expected a date YYYY-MM-DD");
	expect_bad_ex("goal:g", "target", "20",
		      "metric = engagement_rate\nplatform = p\n"
		      "baseline = 1%\ndeadline = 2027-01-01\n",
		      "a rate is a fraction: write 3% or 0.03");
	expect_bad_ex("goal:g", "target", "two",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "deadline = 2027-01-01\n",
		      "+20% or +500");
	expect_bad_ex("goal:g", "baseline", "1,000",
		      "metric = reach\nplatform = p\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "expected a number");
	expect_bad_ex("goal:g", "baseline", "-5",
		      "metric = reach\nplatform = p\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "expected a number of 0 or more");
	expect_bad_ex("goal:g", "platform", "nowhere",
		      "metric = reach\nbaseline = 1\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "no [platform:nowhere] section");
	expect_bad_ex("goal:g", "tolerance", "10",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "target = 2\ndeadline = 2027-01-01\n",
		      "expected a percentage from 0% to 100% such as 10%");
	expect_bad_ex("goal:g", "tolerance", "120%",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "target = 2\ndeadline = 2027-01-01\n",
		      "expected a percentage from 0% to 100%");
	expect_bad_ex("goal:g", "start", "tomorrow",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "target = 2\ndeadline = 2027-01-01\n",
		      "expected a date YYYY-MM-DD");
}

/* A goal that is not SMART is an error naming its file, line and key. */
static void
test_goal_smart(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	/* Unknown metric, with a suggestion and the names expected. */
	expect_bad_ex("goal:g", "metric", "reech",
		      "platform = p\nbaseline = 1\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "unknown metric (did you mean reach?)");
	expect_bad_ex("goal:g", "metric", "views",
		      "platform = p\nbaseline = 1\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "expected impressions, reach, engagement, likes, "
		      "comments, shares, saves, clicks, conversions, "
		      "followers, engagement_rate, ctr, conversion_rate or "
		      "posts");
	/* Deadline before start, named on the deadline's line. */
	expect_bad_ex("goal:g", "deadline", "2026-12-31",
		      "metric = reach\nplatform = p\nbaseline = 1\n"
		      "target = 2\nstart = 2027-01-01\n",
		      "before start = 2027-01-01; expected a date on or after "
		      "the start");
	/* A count only grows. */
	expect_bad_ex("goal:g", "target", "-10%",
		      "metric = clicks\nplatform = p\nbaseline = 100\n"
		      "deadline = 2027-01-01\n",
		      "clicks adds up over the goal's span, so it cannot go "
		      "below the baseline");
	/* A percentage of a zero baseline is no target. */
	expect_bad_ex("goal:g", "target", "+20%",
		      "metric = reach\nplatform = p\nbaseline = 0\n"
		      "deadline = 2027-01-01\n",
		      "a change in percent of a baseline of 0");
	/* Percentages are for rates. */
	expect_bad_ex("goal:g", "baseline", "5%",
		      "metric = reach\nplatform = p\ntarget = 2\n"
		      "deadline = 2027-01-01\n",
		      "a percentage is only for engagement_rate, ctr and "
		      "conversion_rate");
	/* Followers are counted per platform. */
	expect_bad_ex("goal:g", "campaign", "xmas",
		      "metric = followers\nplatform = p\nbaseline = 1\n"
		      "target = 2\ndeadline = 2027-01-01\n",
		      "followers are counted per platform and day");

	/* No target, no deadline: required keys, on the section's line. */
	load_text(&l, "[platform:p]\n[goal:g]\nmetric = reach\n"
		      "platform = p\nbaseline = 1\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 2);
	d = find(&l.diags, SM_ERROR, "[goal:g] target: required key missing",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	d = find(&l.diags, SM_ERROR, "[goal:g] deadline: required key missing",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	unload(&l);

	/* Warnings: a type no section names, a target equal to the
	 * baseline. */
	load_text(&l, "[platform:p]\n[goal:g]\nmetric = reach\n"
		      "platform = p\ntype = inspring\nbaseline = 10\n"
		      "target = 10\ndeadline = 2027-01-01\n[type:inspiring]\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.nwarnings, 2);
	d = find(&l.diags, SM_WARNING, "[goal:g] type = \"inspring\"",
		 "no [type:inspring] section or [mix] key", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 5);
	d = find(&l.diags, SM_WARNING, "[goal:g] target = \"10\"",
		 "equals the baseline", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 7);
	unload(&l);
}

static void
test_mix(void **state)
{
	struct loaded l;
	const struct sm_diag *d;
	const struct sm_content_type *t;

	(void)state;
	load_text(&l, "[type:offer]\n"
		      "categories = Promo\n"
		      "[mix]\n"
		      "informative = 50\n"
		      "offer = 60\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.nwarnings, 1);
	d = find(&l.diags, SM_WARNING, "[mix]", "add up to 110, not 100",
		 (char *)NULL);
	assert_int_equal(d->line, 3);
	assert_int_equal(l.cfg->ntypes, 2);
	t = sm_config_type(l.cfg, "offer");
	assert_int_equal(t->mix, 60);
	assert_string_equal(t->categories.v[0], "Promo");
	t = sm_config_type(l.cfg, "informative");
	assert_int_equal(t->mix, 50);
	assert_string_equal(t->categories.v[0], "informative");
	unload(&l);

	load_text(&l, "[mix]\nother = 101\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_non_null(find(&l.diags, SM_ERROR, "[mix] other = \"101\"",
			     "expected an integer from 0 to 100",
			     (char *)NULL));
	unload(&l);
}

static void
test_syntax(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[daemon]\n"
		      "timezone = UTC\n"
		      "just some words\n"
		      "[broken\n"
		      "= value\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 3);
	d = find(&l.diags, SM_ERROR, "\"just some words\": syntax error",
		 (char *)NULL);
	assert_int_equal(d->line, 3);
	d = find(&l.diags, SM_ERROR, "\"[broken\": syntax error", (char *)NULL);
	assert_int_equal(d->line, 4);
	d = find(&l.diags, SM_ERROR, "\"= value\": syntax error", (char *)NULL);
	assert_int_equal(d->line, 5);
	unload(&l);
}

static void
test_iniparser_quirks(void **state)
{
	struct loaded l;
	const struct sm_diag *d;
	char big[1200];

	(void)state;
	/* A continued value is reported on its first line; a key set twice
	 * keeps its last value, with a warning. */
	load_text(&l, "[Daemon]\n"
		      "Admin_Users = alice, \\\n"
		      "    bob\n"
		      "log_level = debug\n"
		      "LOG_LEVEL = error\n"
		      "catchup = nope\n");
	assert_int_equal(l.rc, -EINVAL);
	d = find(&l.diags, SM_ERROR, "[daemon] catchup", (char *)NULL);
	assert_int_equal(d->line, 6);
	d = find(&l.diags, SM_WARNING,
		 "[daemon] log_level: set again on "
		 "line 5",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 4);
	unload(&l);

	load_text(&l, "[daemon]\n"
		      "admin_users = alice, \\\n"
		      "    bob\n"
		      "log_level = debug\n"
		      "log_level = error\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.cfg->admin_users.n, 2);
	assert_string_equal(l.cfg->admin_users.v[1], "bob");
	assert_int_equal(l.cfg->log_level, SM_LOG_ERROR);
	unload(&l);

	/* Keys before any section are ignored with a warning. */
	load_text(&l, "timezone = Europe/Paris\n[daemon]\n");
	assert_int_equal(l.rc, 0);
	assert_non_null(find(&l.diags, SM_WARNING, "outside any section",
			     (char *)NULL));
	assert_string_equal(l.cfg->timezone, "UTC");
	unload(&l);

	/* iniparser refuses lines over 1022 characters. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "[daemon]\nsocket_group = ", 24);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	load_text(&l, big);
	assert_int_equal(l.rc, -EINVAL);
	d = find(&l.diags, SM_ERROR, "line too long", (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 2);
	unload(&l);
}

struct secrets_seen {
	int n;
	int line[4];
	char secret[4][64];
};

static void
see_secret(void *ctx, int line, const char *secret)
{
	struct secrets_seen *s = ctx;

	assert_true(s->n < 4);
	s->line[s->n] = line;
	snprintf(s->secret[s->n], sizeof(s->secret[0]), "%s", secret);
	s->n++;
}

/*
 * Seen: smcald --check passed while the daemon then logged "cannot read
 * secret_file", a secret that is not whsec_, or a locale that is not
 * installed.  sm_config_check_host finds each, naming the config file, the
 * key's line and the key, and never quoting a secret.
 */
static void
test_check_host(void **state)
{
	struct loaded l;
	struct sm_diag_list d = {0};
	char good[64], bad[64], empty[64], open_[64], text[1024];
	const struct sm_diag *x;

	(void)state;
	write_temp(good, sizeof(good),
		   "# rotation: new first\n"
		   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n\n"
		   "  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  \n");
	chmod(good, 0600);
	write_temp(bad, sizeof(bad),
		   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\nhunter2-secret\n");
	chmod(bad, 0600);
	write_temp(empty, sizeof(empty), "# nothing yet\n\n");
	chmod(empty, 0600);
	write_temp(open_, sizeof(open_),
		   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	chmod(open_, 0644);
	snprintf(text, sizeof(text),
		 "[webhook:ok]\nurl = http://x\nsecret_file = %s\n"
		 "locale = C.UTF-8\n"
		 "[webhook:gone]\nurl = http://x\nsecret_file = %s.missing\n"
		 "[webhook:bad]\nurl = http://x\nsecret_file = %s\n"
		 "[webhook:empty]\nurl = http://x\nsecret_file = %s\n"
		 "[webhook:open]\nurl = http://x\nsecret_file = %s\n"
		 "[webhook:fr]\nurl = http://x\n\nlocale = xx_NOWHERE.UTF-8\n",
		 good, good, bad, empty, open_);
	load_text(&l, text);
	assert_int_equal(l.rc, 0);
	assert_int_equal(sm_config_check_host(l.cfg, SM_HOST_LOCALE_ERROR, &d),
			 4);
	assert_int_equal(d.nerrors, 4);
	assert_int_equal(d.nwarnings, 1);
	x = find(&d, SM_ERROR, "[webhook:gone] secret_file = ", ".missing",
		 "cannot read: No such file or directory", (char *)NULL);
	assert_non_null(x);
	assert_string_equal(x->file, l.path);
	assert_int_equal(x->line, 7);
	x = find(&d, SM_ERROR,
		 "[webhook:bad] secret_file = ", "line 2 is not a secret",
		 "whsec_", (char *)NULL);
	assert_non_null(x);
	assert_int_equal(x->line, 10);
	x = find(&d, SM_ERROR, "[webhook:empty] secret_file", "no secret",
		 (char *)NULL);
	assert_non_null(x);
	assert_int_equal(x->line, 13);
	x = find(&d, SM_WARNING, "[webhook:open] secret_file",
		 "readable by others (mode 644)", (char *)NULL);
	assert_non_null(x);
	assert_int_equal(x->line, 16);
	x = find(&d, SM_ERROR, "[webhook:fr] locale = xx_NOWHERE.UTF-8",
		 "not installed", (char *)NULL);
	assert_non_null(x);
	assert_int_equal(x->line, 20);
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.items[i].message, "hunter2"));
	sm_diag_clear(&d);
	/* The daemon's own check leaves locales out: it runs without one. */
	assert_int_equal(sm_config_check_host(l.cfg, SM_HOST_NO_LOCALE, &d), 3);
	assert_null(find(&d, SM_ERROR, "[webhook:fr] locale", (char *)NULL));
	sm_diag_clear(&d);
	unload(&l);

	/* The secret file reader: blanks trimmed, comments and empty lines
	 * skipped, line numbers kept. */
	struct secrets_seen seen = {0};
	assert_int_equal(sm_config_secret_file_read(good, see_secret, &seen),
			 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.line[0], 2);
	assert_int_equal(seen.line[1], 4);
	assert_string_equal(seen.secret[1],
			    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	unlink(bad);
	unlink(empty);
	unlink(open_);
	unlink(good);
	assert_int_equal(sm_config_secret_file_read(good, see_secret, &seen),
			 -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_platform_checks(void **state)
{
	struct loaded l;
	const struct sm_diag *d;

	(void)state;
	load_text(&l, "[platform:ig]\n"
		      "cadence = 3/week\n"
		      "slots = mon 09:00, mon 09:00, fri 10:00\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.nwarnings, 2);
	d = find(&l.diags, SM_WARNING, "slot mon 09:00 is given twice",
		 (char *)NULL);
	assert_int_equal(d->line, 3);
	d = find(&l.diags, SM_WARNING, "2 slots a week for a cadence of 3/week",
		 (char *)NULL);
	assert_int_equal(d->line, 3);
	assert_int_equal(l.cfg->platforms[0].slots.n, 2);
	unload(&l);
}

/*
 * Issue 13, item 4: a template whose content type smcal cannot escape for
 * is refused unless its section says `escape`; escape names a rule or none.
 */
static void
test_template_escape(void **state)
{
	struct loaded l;
	const struct sm_diag *d;
	const struct sm_webhook *w;

	(void)state;
	assert_int_equal(sm_config_escape_for("application/json"),
			 SM_ESCAPE_JSON);
	assert_int_equal(sm_config_escape_for(" Application/LD+JSON ; x=1"),
			 SM_ESCAPE_JSON);
	assert_int_equal(sm_config_escape_for("application/vnd.api+json"),
			 SM_ESCAPE_JSON);
	assert_int_equal(sm_config_escape_for("text/html; charset=utf-8"),
			 SM_ESCAPE_HTML);
	assert_int_equal(sm_config_escape_for("application/xml"),
			 SM_ESCAPE_XML);
	assert_int_equal(sm_config_escape_for("text/xml"), SM_ESCAPE_XML);
	assert_int_equal(sm_config_escape_for("application/atom+xml"),
			 SM_ESCAPE_XML);
	assert_int_equal(sm_config_escape_for("application/xhtml+xml"),
			 SM_ESCAPE_XML);
	assert_int_equal(
		sm_config_escape_for("application/x-www-form-urlencoded"),
		SM_ESCAPE_FORM);
	assert_int_equal(sm_config_escape_for("text/plain"), SM_ESCAPE_NONE);
	assert_int_equal(sm_config_escape_for("text/csv"), -1);
	assert_int_equal(sm_config_escape_for("application/jsonp"), -1);
	assert_int_equal(sm_config_escape_for("text/htmlx"), -1);
	assert_int_equal(sm_config_escape_for("html"), -1);
	assert_int_equal(sm_config_escape_for("/json"), -1);
	assert_int_equal(sm_config_escape_for(""), -1);
	assert_int_equal(sm_config_escape_for(NULL), -1);

	/* Refused: values would be inserted raw into a format smcal does
	 * not know; the message names the content_type line. */
	load_text(&l, "[webhook:csv]\n"
		      "url = https://example.com/\n"
		      "format = template\n"
		      "content_type = text/csv\n"
		      "template = {{title}},{{url}}\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 1);
	d = find(&l.diags, SM_ERROR,
		 "[webhook:csv] content_type = \"text/csv\": smcal cannot "
		 "escape template values for this type",
		 "text/html", "+xml", "escape = none", (char *)NULL);
	if (!d)
		dump(&l.diags);
	assert_non_null(d);
	assert_int_equal(d->line, 4);
	unload(&l);

	/* escape = none says raw is meant; escape = xml picks a rule. */
	load_text(&l, "[webhook:csv]\n"
		      "url = https://example.com/\n"
		      "format = template\n"
		      "content_type = text/csv\n"
		      "escape = None\n"
		      "template = {{title}},{{url}}\n"
		      "[webhook:soap]\n"
		      "url = https://example.com/\n"
		      "format = template\n"
		      "content_type = application/soap\n"
		      "escape = xml\n"
		      "template = <t>{{title}}</t>\n"
		      "[webhook:html]\n"
		      "url = https://example.com/\n"
		      "format = template\n"
		      "content_type = text/html\n"
		      "template = <p>{{title}}</p>\n");
	if (l.diags.n)
		dump(&l.diags);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	w = sm_config_webhook(l.cfg, "csv");
	assert_int_equal(w->escape, SM_ESCAPE_NONE);
	assert_int_equal(sm_config_webhook(l.cfg, "soap")->escape,
			 SM_ESCAPE_XML);
	/* Unset: auto, resolved from the content type when sending. */
	assert_int_equal(sm_config_webhook(l.cfg, "html")->escape,
			 SM_ESCAPE_AUTO);
	unload(&l);

	expect_bad_hook("escape", "sql",
			"expected auto, none, json, html, xml or form");

	/* Only templates are escaped by the config's choice. */
	load_text(&l, "[webhook:s]\n"
		      "url = https://example.com/\n"
		      "format = slack\n"
		      "escape = none\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.nwarnings, 1);
	d = find(&l.diags, SM_WARNING,
		 "[webhook:s] escape: ignored unless format = template",
		 (char *)NULL);
	assert_non_null(d);
	assert_int_equal(d->line, 4);
	unload(&l);
}

/*
 * Issue 13, item 6: [calendar:NAME] webhooks lists what a post's
 * X-SMCAL-WEBHOOK may name; every name must be a webhook (or none).
 */
static void
test_calendar_webhooks(void **state)
{
	struct loaded l;
	const struct sm_diag *d;
	const struct sm_calendar_conf *cal;

	(void)state;
	load_text(&l, "[calendar:a]\n"
		      "path = a.ics\n"
		      "webhooks = A-Pub, none, ops\n"
		      "[calendar:b]\n"
		      "path = b.ics\n"
		      "[webhook:a-pub]\n"
		      "url = https://example.com/a\n"
		      "[webhook:ops]\n"
		      "url = https://example.com/ops\n");
	if (l.diags.n)
		dump(&l.diags);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.diags.n, 0);
	cal = sm_config_calendar(l.cfg, "a");
	assert_int_equal(cal->webhooks_set, 1);
	assert_int_equal(cal->webhooks.n, 3);
	assert_string_equal(cal->webhooks.v[0], "a-pub");
	assert_string_equal(cal->webhooks.v[1], "none");
	assert_string_equal(cal->webhooks.v[2], "ops");
	cal = sm_config_calendar(l.cfg, "b");
	assert_int_equal(cal->webhooks_set, 0);
	assert_int_equal(cal->webhooks.n, 0);
	unload(&l);

	load_text(&l, "[calendar:a]\n"
		      "path = a.ics\n"
		      "webhooks = a-pub, ghost\n"
		      "[webhook:a-pub]\n"
		      "url = https://example.com/a\n");
	assert_int_equal(l.rc, -EINVAL);
	assert_int_equal(l.diags.nerrors, 1);
	d = find(&l.diags, SM_ERROR, "[calendar:a] webhooks = \"ghost\"",
		 "no [webhook:ghost] section", (char *)NULL);
	if (!d)
		dump(&l.diags);
	assert_non_null(d);
	assert_int_equal(d->line, 3);
	unload(&l);

	expect_bad_ex("calendar:a", "webhooks", "", "path = a.ics\n",
		      "expected a comma-separated list of [webhook:NAME] "
		      "names, or none");
	expect_bad_ex("calendar:a", "webhooks", "w,,w", "path = a.ics\n",
		      "expected a comma-separated list of [webhook:NAME]");
	expect_bad_ex("calendar:a", "webhooks", "w, a b", "path = a.ics\n",
		      "expected a comma-separated list of [webhook:NAME]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_list_split),
		cmocka_unit_test(test_bool_tod_weekday),
		cmocka_unit_test(test_cadence_and_slots),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_secret_decode),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_retention_and_lines),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_dev_conf),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_error_message_form),
		cmocka_unit_test(test_unknown_key_and_section),
		cmocka_unit_test(test_webhook_references),
		cmocka_unit_test(test_reserved_names),
		cmocka_unit_test(test_required_keys),
		cmocka_unit_test(test_webhook_rules),
		cmocka_unit_test(test_goals),
		cmocka_unit_test(test_goal_smart),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_iniparser_quirks),
		cmocka_unit_test(test_platform_checks),
		cmocka_unit_test(test_template_escape),
		cmocka_unit_test(test_calendar_webhooks),
		cmocka_unit_test(test_check_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
