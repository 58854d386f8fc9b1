/*
 * Unit tests for lib/sched: which events a calendar produces, when, with
 * which lead and id, and what the daemon does with them at fire time (SPEC
 * section 4, config keys of section 9).
 *
 * Time is injected: "now" is only the `upto` given to sm_sched_pop.  Every
 * expected instant is worked out by hand from RFC 5545 and the Europe/Paris
 * rules (2026: CET -> CEST on 2026-03-29 at 01:00Z, back on 2026-10-25 at
 * 01:00Z), never copied from the implementation.
 *
 * Events are shown one a line as "TYPE|AT|LEAD|UID|RID": AT in UTC, LEAD in
 * seconds before publish, RID as sm_occur_format_rid writes it.  Lines come
 * in pop order; within one instant (whose order the contract leaves open
 * between events of one series) they are sorted as text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "occur.h"
#include "sched.h"

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define HEAD "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"
#define TAIL "END:VCALENDAR"

static char *
join(const char *const *lines)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + 2;
	char *s = malloc(len);
	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; lines[i]; i++) {
		strcat(s, lines[i]);
		strcat(s, "\r\n");
	}
	return s;
}

static sm_time
at(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0)
		fail_msg("bad time literal in test: %s", s);
	return t;
}

static const char *
utc(sm_time t, char *buf)
{
	return sm_civil_format(t, SM_CIVIL_UTC, buf, 40);
}

/* ---------------------------------------------------------------------
 * Config from INI text.
 */

static int
config_try(const char *ini, struct sm_config **out, int print)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	snprintf(path, sizeof(path), "%s/smcal-sched-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(ini);
	ssize_t w = write(fd, ini, n);
	close(fd);
	assert_int_equal(w, (ssize_t)n);
	struct sm_diag_list d = {0};
	*out = NULL;
	int rc = sm_config_load(path, out, &d);
	unlink(path);
	if (rc != 0 && print)
		sm_diag_print(&d, stderr);
	sm_diag_clear(&d);
	return rc;
}

static struct sm_config *
config_text(const char *ini)
{
	struct sm_config *cfg = NULL;
	if (config_try(ini, &cfg, 1) != 0)
		fail_msg("test config does not load:\n%s", ini);
	return cfg;
}

/* ---------------------------------------------------------------------
 * Fixtures: config, calendar, series and scheduler.  They are static and
 * registered while loaded, so that the teardown of a test that failed
 * half-way (cmocka jumps out of it) frees them too.
 */

struct sfx {
	struct sm_config *cfg;
	struct sm_calendar cal;
	struct sm_diag_list d;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_sched *s;
};

#define MAX_LIVE 4
static struct sfx *live[MAX_LIVE];

/* Nonzero: every series is scheduled by lanes (sched.h), so that the second
 * run of the tests checks that lanes produce the same events. */
static int force_lanes;

static void
live_add(struct sfx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = f;
			return;
		}
	fail_msg("too many fixtures loaded at once");
}

static void
sfx_fini(struct sfx *f)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == f)
			live[i] = NULL;
	sm_sched_free(f->s);
	sm_occur_set_free(&f->set);
	sm_calendar_fini(&f->cal);
	sm_diag_clear(&f->d);
	sm_config_free(f->cfg);
	memset(f, 0, sizeof(*f));
}

/* Loads ics text (len bytes) under the config of ini (NULL: defaults) and
 * schedules it from `from`. */
static void
sfx_load_text(struct sfx *f, const char *ini, const char *text, size_t len,
	      sm_time from)
{
	memset(f, 0, sizeof(*f));
	sm_calendar_init(&f->cal, "main");
	live_add(f);
	f->cfg = ini ? config_text(ini) : sm_config_defaults();
	assert_int_equal(
		sm_calendar_load_buffer(&f->cal, text, len, "t.ics", &f->d), 0);
	f->opts.zone = sm_calendar_system_zone(f->cfg->timezone);
	assert_non_null(f->opts.zone);
	f->opts.allday_offset = (sm_time)f->cfg->allday_time * 60;
	assert_int_equal(sm_occur_index(&f->set, &f->cal, &f->opts, &f->d), 0);
	if (f->d.nerrors) {
		sm_diag_print(&f->d, stderr);
		fail_msg("unexpected errors loading the calendar");
	}
	f->s = sm_sched_new(f->cfg);
	assert_non_null(f->s);
	if (force_lanes)
		sm_sched_set_lanes(f->s, 0);
	sm_sched_load(f->s, &f->set, &f->opts, from);
}

static void
sfx_load(struct sfx *f, const char *ini, const char *const *lines,
	 const char *from)
{
	char *text = join(lines);
	sm_time t = at(from);
	sfx_load_text(f, ini, text, strlen(text), t);
	free(text);
}

/* ---------------------------------------------------------------------
 * Draining.
 */

#define MAX_EV 1100
#define LINE_LEN 128

struct drained {
	int n;
	struct sm_sched_event ev[MAX_EV];
	char line[MAX_EV][LINE_LEN];
	char text[MAX_EV * LINE_LEN];
};

static struct drained dr, dr2;

static const char *
event_uid(const struct sm_sched_event *ev)
{
	const struct sm_series *s = ev->occ.series;
	return s->master ? s->master->uid : ev->occ.post->uid;
}

static void
fmt_event(const struct sm_sched_event *ev, char *buf, size_t len)
{
	char a[40], r[40];
	snprintf(buf, len, "%s|%s|%lld|%s|%s", sm_event_type_name(ev->type),
		 utc(ev->at, a), (long long)ev->lead, event_uid(ev),
		 sm_occur_format_rid(&ev->occ, r, sizeof(r)));
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Pops events up to upto (at most max) into d, checking that peek announces
 * each one and that instants never go down; fills d->text.
 */
static const char *
drain_into(struct sm_sched *s, sm_time upto, int max, struct drained *d)
{
	d->n = 0;
	sm_time prev = SM_TIME_MIN;
	while (d->n < max && d->n < MAX_EV) {
		sm_time next = 0;
		int has = sm_sched_peek(s, &next);
		struct sm_sched_event ev;
		memset(&ev, 0, sizeof(ev));
		if (!sm_sched_pop(s, upto, &ev)) {
			if (has && next <= upto)
				fail_msg("peek announces an event at %lld "
					 "but pop(%lld) returned none",
					 (long long)next, (long long)upto);
			break;
		}
		if (!has || next != ev.at)
			fail_msg("peek %d/%lld differs from pop %lld", has,
				 (long long)next, (long long)ev.at);
		if (ev.at > upto)
			fail_msg("pop returned an event after upto");
		if (ev.at < prev)
			fail_msg("events out of order: %lld after %lld",
				 (long long)ev.at, (long long)prev);
		prev = ev.at;
		d->ev[d->n] = ev;
		fmt_event(&ev, d->line[d->n], LINE_LEN);
		d->n++;
	}
	/* Sort the lines within each instant. */
	for (int i = 0; i < d->n;) {
		int j = i + 1;
		while (j < d->n && d->ev[j].at == d->ev[i].at)
			j++;
		qsort(d->line[i], (size_t)(j - i), LINE_LEN, cmp_line);
		i = j;
	}
	size_t off = 0;
	d->text[0] = '\0';
	for (int i = 0; i < d->n; i++) {
		size_t l = strlen(d->line[i]);
		memcpy(d->text + off, d->line[i], l);
		d->text[off + l] = '\n';
		off += l + 1;
		d->text[off] = '\0';
	}
	return d->text;
}

static const char *
drain(struct sfx *f, const char *upto, int max)
{
	return drain_into(f->s, at(upto), max, &dr);
}

/* The lines of text whose UID field is uid. */
static const char *
only(const char *text, const char *uid)
{
	static char out[MAX_EV * LINE_LEN];
	out[0] = '\0';
	size_t off = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
		/* TYPE|AT|LEAD|UID|RID: the UID is after the third '|'. */
		const char *q = p;
		for (int k = 0; k < 3 && q; k++) {
			q = memchr(q, '|', l - (size_t)(q - p));
			if (q)
				q++;
		}
		size_t ul = strlen(uid);
		if (q && strncmp(q, uid, ul) == 0 && q[ul] == '|') {
			memcpy(out + off, p, l);
			off += l;
			out[off] = '\0';
		}
		p += l;
	}
	return out;
}

#define CHECK_TEXT(got, want)                                                  \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (strcmp(g_, w_) != 0)                                       \
			fail_msg("--- got\n%s--- want\n%s", g_, w_);           \
	} while (0)

/* ---------------------------------------------------------------------
 * Lead precedence.
 */

#define LEAD_CONF                                                              \
	"[daemon]\n"                                                           \
	"timezone = UTC\n"                                                     \
	"[reminders]\n"                                                        \
	"lead = 1d, 1h\n"                                                      \
	"overdue = 2h\n"                                                       \
	"[platform:instagram]\n"                                               \
	"lead = 1d, 2h\n"                                                      \
	"categories = Instagram, IG\n"                                         \
	"[platform:linkedin]\n"                                                \
	"lead = 30m\n"                                                         \
	"[platform:x]\n"                                                       \
	"cadence = 1/day\n"                                                    \
	"[platform:quiet]\n"                                                   \
	"lead = none\n"

#define ALARM(trigger)                                                         \
	"BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r", trigger, "END:VALARM"

/* The post's VALARMs win over its platforms' and the global leads. */
static void
test_lead_valarms(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD,
		       /* relative, on an instagram post (whose lead loses) */
		       "BEGIN:VEVENT", "UID:a", "DTSTART:20260601T120000Z",
		       "CATEGORIES:Instagram", ALARM("TRIGGER:-PT30M"),
		       "END:VEVENT",
		       /* relative to the end: 13:00 - 2h */
		       "BEGIN:VEVENT", "UID:b", "DTSTART:20260602T120000Z",
		       "DTEND:20260602T130000Z",
		       ALARM("TRIGGER;RELATED=END:-PT2H"), "END:VEVENT",
		       /* absolute */
		       "BEGIN:VEVENT", "UID:c", "DTSTART:20260603T120000Z",
		       ALARM("TRIGGER;VALUE=DATE-TIME:20260603T100000Z"),
		       "END:VEVENT",
		       /* repeated twice, 5 minutes apart */
		       "BEGIN:VEVENT", "UID:d", "DTSTART:20260604T120000Z",
		       "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		       "TRIGGER:-PT30M", "REPEAT:2", "DURATION:PT5M",
		       "END:VALARM", "END:VEVENT",
		       /* two alarms on one post, one after the start */
		       "BEGIN:VEVENT", "UID:e", "DTSTART:20260605T120000Z",
		       ALARM("TRIGGER:-PT1H"), ALARM("TRIGGER:PT10M"),
		       "END:VEVENT", TAIL),
		 "2026-05-01T00:00:00Z");
	const char *got = drain(&f, "2026-07-01T00:00:00Z", MAX_EV);
	CHECK_TEXT(only(got, "a"),
		   "post.reminder|2026-06-01T11:30:00Z|1800|a|"
		   "2026-06-01T12:00:00Z\n"
		   "post.due|2026-06-01T12:00:00Z|0|a|2026-06-01T12:00:00Z\n"
		   "post.overdue|2026-06-01T14:00:00Z|0|a|"
		   "2026-06-01T12:00:00Z\n");
	CHECK_TEXT(only(got, "b"),
		   "post.reminder|2026-06-02T11:00:00Z|3600|b|"
		   "2026-06-02T12:00:00Z\n"
		   "post.due|2026-06-02T12:00:00Z|0|b|2026-06-02T12:00:00Z\n"
		   "post.overdue|2026-06-02T14:00:00Z|0|b|"
		   "2026-06-02T12:00:00Z\n");
	CHECK_TEXT(only(got, "c"),
		   "post.reminder|2026-06-03T10:00:00Z|7200|c|"
		   "2026-06-03T12:00:00Z\n"
		   "post.due|2026-06-03T12:00:00Z|0|c|2026-06-03T12:00:00Z\n"
		   "post.overdue|2026-06-03T14:00:00Z|0|c|"
		   "2026-06-03T12:00:00Z\n");
	CHECK_TEXT(only(got, "d"),
		   "post.reminder|2026-06-04T11:30:00Z|1800|d|"
		   "2026-06-04T12:00:00Z\n"
		   "post.reminder|2026-06-04T11:35:00Z|1500|d|"
		   "2026-06-04T12:00:00Z\n"
		   "post.reminder|2026-06-04T11:40:00Z|1200|d|"
		   "2026-06-04T12:00:00Z\n"
		   "post.due|2026-06-04T12:00:00Z|0|d|2026-06-04T12:00:00Z\n"
		   "post.overdue|2026-06-04T14:00:00Z|0|d|"
		   "2026-06-04T12:00:00Z\n");
	CHECK_TEXT(only(got, "e"),
		   "post.reminder|2026-06-05T11:00:00Z|3600|e|"
		   "2026-06-05T12:00:00Z\n"
		   "post.due|2026-06-05T12:00:00Z|0|e|2026-06-05T12:00:00Z\n"
		   "post.reminder|2026-06-05T12:10:00Z|-600|e|"
		   "2026-06-05T12:00:00Z\n"
		   "post.overdue|2026-06-05T14:00:00Z|0|e|"
		   "2026-06-05T12:00:00Z\n");
	sfx_fini(&f);
}

/* Without VALARM: the union of the leads of the post's platforms that set
 * one, else [reminders] lead. */
static void
test_lead_platforms(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD,
		       /* CATEGORIES maps to instagram (any case) */
		       "BEGIN:VEVENT", "UID:p", "DTSTART:20260610T120000Z",
		       "CATEGORIES:ig", "END:VEVENT",
		       /* X-SMCAL-PLATFORM: the union, duplicates once */
		       "BEGIN:VEVENT", "UID:q", "DTSTART:20260611T120000Z",
		       "X-SMCAL-PLATFORM:instagram,LinkedIn", "END:VEVENT",
		       /* x sets no lead: only linkedin's counts */
		       "BEGIN:VEVENT", "UID:r", "DTSTART:20260612T120000Z",
		       "X-SMCAL-PLATFORM:x,linkedin", "END:VEVENT",
		       /* only x: the global lead */
		       "BEGIN:VEVENT", "UID:s", "DTSTART:20260613T120000Z",
		       "X-SMCAL-PLATFORM:x", "END:VEVENT",
		       /* no platform at all */
		       "BEGIN:VEVENT", "UID:t", "DTSTART:20260614T120000Z",
		       "END:VEVENT",
		       /* two CATEGORIES, two platforms (linkedin's default
			  category is its name) */
		       "BEGIN:VEVENT", "UID:u", "DTSTART:20260615T120000Z",
		       "CATEGORIES:Instagram,LINKEDIN", "END:VEVENT", TAIL),
		 "2026-06-01T00:00:00Z");
	const char *got = drain(&f, "2026-07-01T00:00:00Z", MAX_EV);
	CHECK_TEXT(only(got, "p"),
		   "post.reminder|2026-06-09T12:00:00Z|86400|p|"
		   "2026-06-10T12:00:00Z\n"
		   "post.reminder|2026-06-10T10:00:00Z|7200|p|"
		   "2026-06-10T12:00:00Z\n"
		   "post.due|2026-06-10T12:00:00Z|0|p|2026-06-10T12:00:00Z\n"
		   "post.overdue|2026-06-10T14:00:00Z|0|p|"
		   "2026-06-10T12:00:00Z\n");
	CHECK_TEXT(only(got, "q"),
		   "post.reminder|2026-06-10T12:00:00Z|86400|q|"
		   "2026-06-11T12:00:00Z\n"
		   "post.reminder|2026-06-11T10:00:00Z|7200|q|"
		   "2026-06-11T12:00:00Z\n"
		   "post.reminder|2026-06-11T11:30:00Z|1800|q|"
		   "2026-06-11T12:00:00Z\n"
		   "post.due|2026-06-11T12:00:00Z|0|q|2026-06-11T12:00:00Z\n"
		   "post.overdue|2026-06-11T14:00:00Z|0|q|"
		   "2026-06-11T12:00:00Z\n");
	CHECK_TEXT(only(got, "r"),
		   "post.reminder|2026-06-12T11:30:00Z|1800|r|"
		   "2026-06-12T12:00:00Z\n"
		   "post.due|2026-06-12T12:00:00Z|0|r|2026-06-12T12:00:00Z\n"
		   "post.overdue|2026-06-12T14:00:00Z|0|r|"
		   "2026-06-12T12:00:00Z\n");
	CHECK_TEXT(only(got, "s"),
		   "post.reminder|2026-06-12T12:00:00Z|86400|s|"
		   "2026-06-13T12:00:00Z\n"
		   "post.reminder|2026-06-13T11:00:00Z|3600|s|"
		   "2026-06-13T12:00:00Z\n"
		   "post.due|2026-06-13T12:00:00Z|0|s|2026-06-13T12:00:00Z\n"
		   "post.overdue|2026-06-13T14:00:00Z|0|s|"
		   "2026-06-13T12:00:00Z\n");
	CHECK_TEXT(only(got, "t"),
		   "post.reminder|2026-06-13T12:00:00Z|86400|t|"
		   "2026-06-14T12:00:00Z\n"
		   "post.reminder|2026-06-14T11:00:00Z|3600|t|"
		   "2026-06-14T12:00:00Z\n"
		   "post.due|2026-06-14T12:00:00Z|0|t|2026-06-14T12:00:00Z\n"
		   "post.overdue|2026-06-14T14:00:00Z|0|t|"
		   "2026-06-14T12:00:00Z\n");
	CHECK_TEXT(only(got, "u"),
		   "post.reminder|2026-06-14T12:00:00Z|86400|u|"
		   "2026-06-15T12:00:00Z\n"
		   "post.reminder|2026-06-15T10:00:00Z|7200|u|"
		   "2026-06-15T12:00:00Z\n"
		   "post.reminder|2026-06-15T11:30:00Z|1800|u|"
		   "2026-06-15T12:00:00Z\n"
		   "post.due|2026-06-15T12:00:00Z|0|u|2026-06-15T12:00:00Z\n"
		   "post.overdue|2026-06-15T14:00:00Z|0|u|"
		   "2026-06-15T12:00:00Z\n");
	sfx_fini(&f);
}

/* A platform whose section says `lead = none` sets its lead to no reminders
 * (conf/smcal.conf: "none for no reminders"): the global lead must not come
 * back through the fallback. */
static void
test_lead_platform_none(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:k",
		       "DTSTART:20260610T120000Z", "X-SMCAL-PLATFORM:quiet",
		       "END:VEVENT", TAIL),
		 "2026-06-01T00:00:00Z");

	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.due|2026-06-10T12:00:00Z|0|k|2026-06-10T12:00:00Z\n"
		   "post.overdue|2026-06-10T14:00:00Z|0|k|"
		   "2026-06-10T12:00:00Z\n");
	sfx_fini(&f);
}

/* An absolute TRIGGER further ahead than any configured lead is still the
 * post's reminder. */
static void
test_lead_absolute_far(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:l",
		       "DTSTART:20260620T120000Z",
		       ALARM("TRIGGER;VALUE=DATE-TIME:20260617T120000Z"),
		       "END:VEVENT", TAIL),
		 "2026-06-01T00:00:00Z");

	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.reminder|2026-06-17T12:00:00Z|259200|l|"
		   "2026-06-20T12:00:00Z\n"
		   "post.due|2026-06-20T12:00:00Z|0|l|2026-06-20T12:00:00Z\n"
		   "post.overdue|2026-06-20T14:00:00Z|0|l|"
		   "2026-06-20T12:00:00Z\n");
	sfx_fini(&f);
}

/* An absolute TRIGGER with REPEAT: every repetition is a reminder, with
 * one lane per kind of event too (fuzz_expand found the lanes dropping
 * the repetitions). */
static void
test_lead_absolute_repeat(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:ar",
		       "DTSTART:20241004T100000Z", "DTEND:20241004T110000Z",
		       "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:r",
		       "TRIGGER;VALUE=DATE-TIME:20241003T130000Z", "REPEAT:2",
		       "DURATION:PT45M", "END:VALARM", "END:VEVENT", TAIL),
		 "2024-10-01T00:00:00Z");
	CHECK_TEXT(drain(&f, "2024-11-01T00:00:00Z", MAX_EV),
		   "post.reminder|2024-10-03T13:00:00Z|75600|ar|"
		   "2024-10-04T10:00:00Z\n"
		   "post.reminder|2024-10-03T13:45:00Z|72900|ar|"
		   "2024-10-04T10:00:00Z\n"
		   "post.reminder|2024-10-03T14:30:00Z|70200|ar|"
		   "2024-10-04T10:00:00Z\n"
		   "post.due|2024-10-04T10:00:00Z|0|ar|2024-10-04T10:00:00Z\n"
		   "post.overdue|2024-10-04T12:00:00Z|0|ar|"
		   "2024-10-04T10:00:00Z\n");
	sfx_fini(&f);
}

/* Every repetition of a VALARM is a reminder: REPEAT:99 gives 100. */
static void
test_lead_many_repeats(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:rp",
		       "DTSTART:20260610T120000Z", "BEGIN:VALARM",
		       "ACTION:DISPLAY", "DESCRIPTION:r", "TRIGGER:-PT100M",
		       "REPEAT:99", "DURATION:PT1M", "END:VALARM", "END:VEVENT",
		       TAIL),
		 "2026-06-01T00:00:00Z");
	drain(&f, "2026-07-01T00:00:00Z", MAX_EV);
	int reminders = 0;
	for (int i = 0; i < dr.n; i++)
		reminders += dr.ev[i].type == SM_EV_REMINDER;

	assert_int_equal(reminders, 100);
	assert_int_equal(dr.ev[0].at, at("2026-06-10T10:20:00Z"));
	assert_int_equal(dr.ev[0].lead, 6000);
	int last = dr.n - 3; /* then due and overdue */
	assert_int_equal(dr.ev[last].type, SM_EV_REMINDER);
	assert_int_equal(dr.ev[last].at, at("2026-06-10T11:59:00Z"));
	assert_int_equal(dr.ev[last].lead, 60);
	sfx_fini(&f);
}

/* RELATED=END with DTSTART and DTEND in zones 6 hours apart: the end is
 * 6 h after the start although both read 09:00. */
static void
test_lead_related_end_cross_zone(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, LEAD_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:xz",
		       "DTSTART;TZID=Europe/Paris:20260601T090000",
		       "DTEND;TZID=America/New_York:20260601T090000",
		       ALARM("TRIGGER;RELATED=END:PT0S"), "END:VEVENT", TAIL),
		 "2026-05-01T00:00:00Z");

	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.due|2026-06-01T07:00:00Z|0|xz|2026-06-01T07:00:00Z\n"
		   "post.overdue|2026-06-01T09:00:00Z|0|xz|"
		   "2026-06-01T07:00:00Z\n"
		   "post.reminder|2026-06-01T13:00:00Z|-21600|xz|"
		   "2026-06-01T07:00:00Z\n");
	sfx_fini(&f);
}

/* All-day posts publish at allday_time in the daemon's zone. */
static void
test_allday(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = Europe/Paris\nallday_time = 10:30\n"
		 "[reminders]\nlead = 1h\noverdue = 2h\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:ad",
		       "DTSTART;VALUE=DATE:20260328",
		       "RRULE:FREQ=DAILY;COUNT=2", "END:VEVENT", TAIL),
		 "2026-03-01T00:00:00Z");
	/* 10:30 CET = 09:30Z, then 10:30 CEST = 08:30Z. */
	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.reminder|2026-03-28T08:30:00Z|3600|ad|2026-03-28\n"
		   "post.due|2026-03-28T09:30:00Z|0|ad|2026-03-28\n"
		   "post.overdue|2026-03-28T11:30:00Z|0|ad|2026-03-28\n"
		   "post.reminder|2026-03-29T07:30:00Z|3600|ad|2026-03-29\n"
		   "post.due|2026-03-29T08:30:00Z|0|ad|2026-03-29\n"
		   "post.overdue|2026-03-29T10:30:00Z|0|ad|2026-03-29\n");
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Due and overdue.
 */

static void
test_overdue(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = none\n"
		 "overdue = 45m\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:o",
		       "DTSTART:20260601T120000Z", "END:VEVENT", TAIL),
		 "2026-05-01T00:00:00Z");
	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.due|2026-06-01T12:00:00Z|0|o|2026-06-01T12:00:00Z\n"
		   "post.overdue|2026-06-01T12:45:00Z|0|o|"
		   "2026-06-01T12:00:00Z\n");
	sfx_fini(&f);

	/* Seen: overdue = none (and 0) was refused, so every post raised a
	 * post.overdue nobody could silence.  Both switch it off. */
	static const char *const off[] = {"none", "0", "NONE"};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		char ini[128];
		snprintf(ini, sizeof(ini),
			 "[daemon]\ntimezone = UTC\n[reminders]\nlead = "
			 "none\noverdue = %s\n",
			 off[i]);
		sfx_load(&f, ini,
			 LINES(HEAD, "BEGIN:VEVENT", "UID:o",
			       "DTSTART:20260601T120000Z", "END:VEVENT", TAIL),
			 "2026-05-01T00:00:00Z");
		CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
			   "post.due|2026-06-01T12:00:00Z|0|o|"
			   "2026-06-01T12:00:00Z\n");
		sfx_fini(&f);
	}
}

/* Per platform: [platform:X] overdue = none | DURATION wins over
 * [reminders] overdue for its posts; a post on several platforms gets the
 * shortest one set, none only when every platform that sets it says none. */
static void
test_overdue_platforms(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = none\n"
		 "overdue = 2h\n[platform:quiet]\noverdue = none\n"
		 "[platform:fast]\noverdue = 30m\n[platform:slow]\n"
		 "overdue = 3h\n[platform:plain]\ncadence = 1/day\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:q",
		       "DTSTART:20260601T120000Z", "X-SMCAL-PLATFORM:quiet",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:f",
		       "DTSTART:20260602T120000Z", "X-SMCAL-PLATFORM:fast",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:p",
		       "DTSTART:20260603T120000Z", "X-SMCAL-PLATFORM:plain",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:qs",
		       "DTSTART:20260604T120000Z",
		       "X-SMCAL-PLATFORM:quiet,slow", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:fs", "DTSTART:20260605T120000Z",
		       "X-SMCAL-PLATFORM:slow,fast", "END:VEVENT", TAIL),
		 "2026-05-01T00:00:00Z");
	const char *got = drain(&f, "2026-07-01T00:00:00Z", MAX_EV);
	CHECK_TEXT(only(got, "q"),
		   "post.due|2026-06-01T12:00:00Z|0|q|2026-06-01T12:00:00Z\n");
	CHECK_TEXT(only(got, "f"),
		   "post.due|2026-06-02T12:00:00Z|0|f|2026-06-02T12:00:00Z\n"
		   "post.overdue|2026-06-02T12:30:00Z|0|f|"
		   "2026-06-02T12:00:00Z\n");
	/* A platform that does not set overdue: the [reminders] one. */
	CHECK_TEXT(only(got, "p"),
		   "post.due|2026-06-03T12:00:00Z|0|p|2026-06-03T12:00:00Z\n"
		   "post.overdue|2026-06-03T14:00:00Z|0|p|"
		   "2026-06-03T12:00:00Z\n");
	CHECK_TEXT(only(got, "qs"),
		   "post.due|2026-06-04T12:00:00Z|0|qs|2026-06-04T12:00:00Z\n"
		   "post.overdue|2026-06-04T15:00:00Z|0|qs|"
		   "2026-06-04T12:00:00Z\n");
	CHECK_TEXT(only(got, "fs"),
		   "post.due|2026-06-05T12:00:00Z|0|fs|2026-06-05T12:00:00Z\n"
		   "post.overdue|2026-06-05T12:30:00Z|0|fs|"
		   "2026-06-05T12:00:00Z\n");
	sfx_fini(&f);

	/* With [reminders] overdue = none, a platform can still ask for one
	 * (the series' scan bounds follow it). */
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = none\n"
		 "overdue = none\n[platform:fast]\noverdue = 30m\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:f",
		       "DTSTART:20260602T120000Z", "X-SMCAL-PLATFORM:fast",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:n",
		       "DTSTART:20260602T120000Z", "END:VEVENT", TAIL),
		 "2026-06-02T12:10:00Z");
	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.overdue|2026-06-02T12:30:00Z|0|f|"
		   "2026-06-02T12:00:00Z\n");
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Drafts and cancellations.
 */

#define DRAFT_ICS                                                              \
	LINES(HEAD, "BEGIN:VEVENT", "UID:dr", "DTSTART:20260601T120000Z",      \
	      "STATUS:TENTATIVE", "END:VEVENT", "BEGIN:VEVENT", "UID:dv",      \
	      "DTSTART:20260602T120000Z", "STATUS:TENTATIVE",                  \
	      ALARM("TRIGGER:-PT15M"), "END:VEVENT", "BEGIN:VEVENT", "UID:cx", \
	      "DTSTART:20260603T120000Z", "STATUS:CANCELLED",                  \
	      ALARM("TRIGGER:-PT15M"), "END:VEVENT", "BEGIN:VEVENT", "UID:sr", \
	      "DTSTART:20260604T120000Z", "RRULE:FREQ=DAILY;COUNT=3",          \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:sr",                          \
	      "RECURRENCE-ID:20260605T120000Z", "DTSTART:20260605T120000Z",    \
	      "STATUS:CANCELLED", "END:VEVENT", "BEGIN:VEVENT", "UID:cs",      \
	      "DTSTART:20260607T120000Z", "RRULE:FREQ=DAILY;COUNT=2",          \
	      "STATUS:CANCELLED", "END:VEVENT", TAIL)

#define SR_EVENTS                                                              \
	"post.reminder|2026-06-04T11:00:00Z|3600|sr|2026-06-04T12:00:00Z\n"    \
	"post.due|2026-06-04T12:00:00Z|0|sr|2026-06-04T12:00:00Z\n"            \
	"post.overdue|2026-06-04T14:00:00Z|0|sr|2026-06-04T12:00:00Z\n"        \
	"post.reminder|2026-06-06T11:00:00Z|3600|sr|2026-06-06T12:00:00Z\n"    \
	"post.due|2026-06-06T12:00:00Z|0|sr|2026-06-06T12:00:00Z\n"            \
	"post.overdue|2026-06-06T14:00:00Z|0|sr|2026-06-06T12:00:00Z\n"

static void
test_drafts_and_cancelled(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = 1h\n"
		 "overdue = 2h\n",
		 DRAFT_ICS, "2026-05-01T00:00:00Z");
	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.reminder|2026-06-01T11:00:00Z|3600|dr|"
		   "2026-06-01T12:00:00Z\n"
		   "post.reminder|2026-06-02T11:45:00Z|900|dv|"
		   "2026-06-02T12:00:00Z\n" SR_EVENTS);
	sfx_fini(&f);

	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\nfire_drafts = yes\n"
		 "[reminders]\nlead = 1h\noverdue = 2h\n",
		 DRAFT_ICS, "2026-05-01T00:00:00Z");
	CHECK_TEXT(drain(&f, "2026-07-01T00:00:00Z", MAX_EV),
		   "post.reminder|2026-06-01T11:00:00Z|3600|dr|"
		   "2026-06-01T12:00:00Z\n"
		   "post.due|2026-06-01T12:00:00Z|0|dr|2026-06-01T12:00:00Z\n"
		   "post.overdue|2026-06-01T14:00:00Z|0|dr|"
		   "2026-06-01T12:00:00Z\n"
		   "post.reminder|2026-06-02T11:45:00Z|900|dv|"
		   "2026-06-02T12:00:00Z\n"
		   "post.due|2026-06-02T12:00:00Z|0|dv|2026-06-02T12:00:00Z\n"
		   "post.overdue|2026-06-02T14:00:00Z|0|dv|"
		   "2026-06-02T12:00:00Z\n" SR_EVENTS);
	sfx_fini(&f);
}

static double seconds_since(const struct timespec *t0);

/* An infinite series that never produces an event (cancelled; a draft
 * without reminders): nothing is scheduled.  The contract says infinite
 * series are never expanded ahead; the load time is printed. */
static void
test_silent_infinite(void **state)
{
	(void)state;
	static struct sfx f;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = none\n"
		 "overdue = 2h\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:cw",
		       "DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY",
		       "STATUS:CANCELLED", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:dw", "DTSTART:20260105T090000Z",
		       "RRULE:FREQ=WEEKLY", "STATUS:TENTATIVE", "END:VEVENT",
		       TAIL),
		 "2026-01-05T00:00:00Z");
	printf("silent infinite: 2 weekly series load %.3f s\n",
	       seconds_since(&t0));
	sm_time next = 0;
	assert_int_equal(sm_sched_peek(f.s, &next), 0);
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * DST days, Europe/Paris 2026.
 */

static void
test_dst(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = Europe/Paris\n[reminders]\nlead = 1d\n"
		 "overdue = 2h\n",
		 LINES(HEAD,
		       /* 09:00 daily across the spring change */
		       "BEGIN:VEVENT", "UID:sp",
		       "DTSTART;TZID=Europe/Paris:20260327T090000",
		       "RRULE:FREQ=DAILY;COUNT=5", "END:VEVENT",
		       /* 09:00 daily across the autumn change */
		       "BEGIN:VEVENT", "UID:au",
		       "DTSTART;TZID=Europe/Paris:20261023T090000",
		       "RRULE:FREQ=DAILY;COUNT=5", "END:VEVENT",
		       /* 02:30 daily: through the gap */
		       "BEGIN:VEVENT", "UID:gap",
		       "DTSTART;TZID=Europe/Paris:20260328T023000",
		       "RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT",
		       /* the same, floating in the calendar's zone */
		       "BEGIN:VEVENT", "UID:gapf", "DTSTART:20260328T023000",
		       "RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT",
		       /* 02:30 daily: through the overlap */
		       "BEGIN:VEVENT", "UID:ovl",
		       "DTSTART;TZID=Europe/Paris:20261024T023000",
		       "RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT", TAIL),
		 "2026-03-01T00:00:00Z");
	const char *got = drain(&f, "2026-12-01T00:00:00Z", MAX_EV);
	/* Leads are durations: the reminder of 2026-03-29 07:00Z (09:00
	 * CEST) is at 2026-03-28 07:00Z, 08:00 CET, not at 09:00 local. */
	CHECK_TEXT(only(got, "sp"),
		   "post.reminder|2026-03-26T08:00:00Z|86400|sp|"
		   "2026-03-27T08:00:00Z\n"
		   "post.due|2026-03-27T08:00:00Z|0|sp|2026-03-27T08:00:00Z\n"
		   "post.reminder|2026-03-27T08:00:00Z|86400|sp|"
		   "2026-03-28T08:00:00Z\n"
		   "post.overdue|2026-03-27T10:00:00Z|0|sp|"
		   "2026-03-27T08:00:00Z\n"
		   "post.reminder|2026-03-28T07:00:00Z|86400|sp|"
		   "2026-03-29T07:00:00Z\n"
		   "post.due|2026-03-28T08:00:00Z|0|sp|2026-03-28T08:00:00Z\n"
		   "post.overdue|2026-03-28T10:00:00Z|0|sp|"
		   "2026-03-28T08:00:00Z\n"
		   "post.due|2026-03-29T07:00:00Z|0|sp|2026-03-29T07:00:00Z\n"
		   "post.reminder|2026-03-29T07:00:00Z|86400|sp|"
		   "2026-03-30T07:00:00Z\n"
		   "post.overdue|2026-03-29T09:00:00Z|0|sp|"
		   "2026-03-29T07:00:00Z\n"
		   "post.due|2026-03-30T07:00:00Z|0|sp|2026-03-30T07:00:00Z\n"
		   "post.reminder|2026-03-30T07:00:00Z|86400|sp|"
		   "2026-03-31T07:00:00Z\n"
		   "post.overdue|2026-03-30T09:00:00Z|0|sp|"
		   "2026-03-30T07:00:00Z\n"
		   "post.due|2026-03-31T07:00:00Z|0|sp|2026-03-31T07:00:00Z\n"
		   "post.overdue|2026-03-31T09:00:00Z|0|sp|"
		   "2026-03-31T07:00:00Z\n");
	/* The reminder of 2026-10-25 08:00Z (09:00 CET) is at 2026-10-24
	 * 08:00Z, 10:00 CEST. */
	CHECK_TEXT(only(got, "au"),
		   "post.reminder|2026-10-22T07:00:00Z|86400|au|"
		   "2026-10-23T07:00:00Z\n"
		   "post.due|2026-10-23T07:00:00Z|0|au|2026-10-23T07:00:00Z\n"
		   "post.reminder|2026-10-23T07:00:00Z|86400|au|"
		   "2026-10-24T07:00:00Z\n"
		   "post.overdue|2026-10-23T09:00:00Z|0|au|"
		   "2026-10-23T07:00:00Z\n"
		   "post.due|2026-10-24T07:00:00Z|0|au|2026-10-24T07:00:00Z\n"
		   "post.reminder|2026-10-24T08:00:00Z|86400|au|"
		   "2026-10-25T08:00:00Z\n"
		   "post.overdue|2026-10-24T09:00:00Z|0|au|"
		   "2026-10-24T07:00:00Z\n"
		   "post.due|2026-10-25T08:00:00Z|0|au|2026-10-25T08:00:00Z\n"
		   "post.reminder|2026-10-25T08:00:00Z|86400|au|"
		   "2026-10-26T08:00:00Z\n"
		   "post.overdue|2026-10-25T10:00:00Z|0|au|"
		   "2026-10-25T08:00:00Z\n"
		   "post.due|2026-10-26T08:00:00Z|0|au|2026-10-26T08:00:00Z\n"
		   "post.reminder|2026-10-26T08:00:00Z|86400|au|"
		   "2026-10-27T08:00:00Z\n"
		   "post.overdue|2026-10-26T10:00:00Z|0|au|"
		   "2026-10-26T08:00:00Z\n"
		   "post.due|2026-10-27T08:00:00Z|0|au|2026-10-27T08:00:00Z\n"
		   "post.overdue|2026-10-27T10:00:00Z|0|au|"
		   "2026-10-27T08:00:00Z\n");
	/* 02:30 on 2026-03-29 does not exist: the offset before the gap
	 * (+01:00) gives 01:30Z (03:30 CEST). */
	CHECK_TEXT(only(got, "gap"),
		   "post.reminder|2026-03-27T01:30:00Z|86400|gap|"
		   "2026-03-28T01:30:00Z\n"
		   "post.due|2026-03-28T01:30:00Z|0|gap|2026-03-28T01:30:00Z\n"
		   "post.reminder|2026-03-28T01:30:00Z|86400|gap|"
		   "2026-03-29T01:30:00Z\n"
		   "post.overdue|2026-03-28T03:30:00Z|0|gap|"
		   "2026-03-28T01:30:00Z\n"
		   "post.reminder|2026-03-29T00:30:00Z|86400|gap|"
		   "2026-03-30T00:30:00Z\n"
		   "post.due|2026-03-29T01:30:00Z|0|gap|2026-03-29T01:30:00Z\n"
		   "post.overdue|2026-03-29T03:30:00Z|0|gap|"
		   "2026-03-29T01:30:00Z\n"
		   "post.due|2026-03-30T00:30:00Z|0|gap|2026-03-30T00:30:00Z\n"
		   "post.overdue|2026-03-30T02:30:00Z|0|gap|"
		   "2026-03-30T00:30:00Z\n");
	CHECK_TEXT(only(got, "gapf"),
		   "post.reminder|2026-03-27T01:30:00Z|86400|gapf|"
		   "2026-03-28T02:30:00\n"
		   "post.due|2026-03-28T01:30:00Z|0|gapf|2026-03-28T02:30:00\n"
		   "post.reminder|2026-03-28T01:30:00Z|86400|gapf|"
		   "2026-03-29T02:30:00\n"
		   "post.overdue|2026-03-28T03:30:00Z|0|gapf|"
		   "2026-03-28T02:30:00\n"
		   "post.reminder|2026-03-29T00:30:00Z|86400|gapf|"
		   "2026-03-30T02:30:00\n"
		   "post.due|2026-03-29T01:30:00Z|0|gapf|2026-03-29T02:30:00\n"
		   "post.overdue|2026-03-29T03:30:00Z|0|gapf|"
		   "2026-03-29T02:30:00\n"
		   "post.due|2026-03-30T00:30:00Z|0|gapf|2026-03-30T02:30:00\n"
		   "post.overdue|2026-03-30T02:30:00Z|0|gapf|"
		   "2026-03-30T02:30:00\n");
	/* 02:30 on 2026-10-25 happens twice: the first one, 00:30Z (CEST). */
	CHECK_TEXT(only(got, "ovl"),
		   "post.reminder|2026-10-23T00:30:00Z|86400|ovl|"
		   "2026-10-24T00:30:00Z\n"
		   "post.due|2026-10-24T00:30:00Z|0|ovl|2026-10-24T00:30:00Z\n"
		   "post.reminder|2026-10-24T00:30:00Z|86400|ovl|"
		   "2026-10-25T00:30:00Z\n"
		   "post.overdue|2026-10-24T02:30:00Z|0|ovl|"
		   "2026-10-24T00:30:00Z\n"
		   "post.due|2026-10-25T00:30:00Z|0|ovl|2026-10-25T00:30:00Z\n"
		   "post.reminder|2026-10-25T01:30:00Z|86400|ovl|"
		   "2026-10-26T01:30:00Z\n"
		   "post.overdue|2026-10-25T02:30:00Z|0|ovl|"
		   "2026-10-25T00:30:00Z\n"
		   "post.due|2026-10-26T01:30:00Z|0|ovl|2026-10-26T01:30:00Z\n"
		   "post.overdue|2026-10-26T03:30:00Z|0|ovl|"
		   "2026-10-26T01:30:00Z\n");
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Moved posts.
 */

#define MOVE_CONF                                                              \
	"[daemon]\ntimezone = Europe/Paris\n[reminders]\nlead = 1h\n"          \
	"overdue = 2h\n"

#define MOVE_MASTER                                                            \
	"BEGIN:VEVENT", "UID:mv", "DTSTART;TZID=Europe/Paris:20260601T090000", \
		"RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT"

static int
find_line(const struct drained *d, const char *line)
{
	for (int i = 0; i < d->n; i++) {
		char buf[LINE_LEN];
		fmt_event(&d->ev[i], buf, sizeof(buf));
		if (strcmp(buf, line) == 0)
			return i;
	}
	fail_msg("no event %s", line);
	return -1;
}

static void
test_moved(void **state)
{
	(void)state;
	static struct sfx f, g;
	sfx_load(&f, MOVE_CONF,
		 LINES(HEAD, MOVE_MASTER,
		       /* the 2nd moved from 09:00 to 11:00 */
		       "BEGIN:VEVENT", "UID:mv",
		       "RECURRENCE-ID;TZID=Europe/Paris:20260602T090000",
		       "DTSTART;TZID=Europe/Paris:20260602T110000",
		       "END:VEVENT",
		       /* the 3rd moved to the 5th at 10:00 */
		       "BEGIN:VEVENT", "UID:mv",
		       "RECURRENCE-ID;TZID=Europe/Paris:20260603T090000",
		       "DTSTART;TZID=Europe/Paris:20260605T100000",
		       "END:VEVENT", TAIL),
		 "2026-05-31T00:00:00Z");
	CHECK_TEXT(drain_into(f.s, at("2026-07-01T00:00:00Z"), MAX_EV, &dr),
		   "post.reminder|2026-06-01T06:00:00Z|3600|mv|"
		   "2026-06-01T07:00:00Z\n"
		   "post.due|2026-06-01T07:00:00Z|0|mv|2026-06-01T07:00:00Z\n"
		   "post.overdue|2026-06-01T09:00:00Z|0|mv|"
		   "2026-06-01T07:00:00Z\n"
		   "post.reminder|2026-06-02T08:00:00Z|3600|mv|"
		   "2026-06-02T07:00:00Z\n"
		   "post.due|2026-06-02T09:00:00Z|0|mv|2026-06-02T07:00:00Z\n"
		   "post.overdue|2026-06-02T11:00:00Z|0|mv|"
		   "2026-06-02T07:00:00Z\n"
		   "post.reminder|2026-06-05T07:00:00Z|3600|mv|"
		   "2026-06-03T07:00:00Z\n"
		   "post.due|2026-06-05T08:00:00Z|0|mv|2026-06-03T07:00:00Z\n"
		   "post.overdue|2026-06-05T10:00:00Z|0|mv|"
		   "2026-06-03T07:00:00Z\n");

	/* The unmoved series: its events of the 2nd have other ids. */
	sfx_load(&g, MOVE_CONF, LINES(HEAD, MOVE_MASTER, TAIL),
		 "2026-05-31T00:00:00Z");
	drain_into(g.s, at("2026-07-01T00:00:00Z"), MAX_EV, &dr2);
	assert_int_equal(dr2.n, 9);
	const char *pairs[][2] = {
		{"post.reminder|2026-06-02T08:00:00Z|3600|mv|"
		 "2026-06-02T07:00:00Z",
		 "post.reminder|2026-06-02T06:00:00Z|3600|mv|"
		 "2026-06-02T07:00:00Z"},
		{"post.due|2026-06-02T09:00:00Z|0|mv|2026-06-02T07:00:00Z",
		 "post.due|2026-06-02T07:00:00Z|0|mv|2026-06-02T07:00:00Z"},
		{"post.overdue|2026-06-02T11:00:00Z|0|mv|"
		 "2026-06-02T07:00:00Z",
		 "post.overdue|2026-06-02T09:00:00Z|0|mv|"
		 "2026-06-02T07:00:00Z"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		int a = find_line(&dr, pairs[i][0]);
		int b = find_line(&dr2, pairs[i][1]);
		assert_string_not_equal(dr.ev[a].id, dr2.ev[b].id);
	}
	/* The unmoved 1st has the same ids in both. */
	int a = find_line(&dr, "post.due|2026-06-01T07:00:00Z|0|mv|"
			       "2026-06-01T07:00:00Z");
	int b = find_line(&dr2, "post.due|2026-06-01T07:00:00Z|0|mv|"
				"2026-06-01T07:00:00Z");
	assert_string_equal(dr.ev[a].id, dr2.ev[b].id);
	sfx_fini(&g);
	sfx_fini(&f);
}

/* THISANDFUTURE moves the instance and every later one. */
static void
test_this_and_future(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, MOVE_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:tf",
		       "DTSTART;TZID=Europe/Paris:20260601T090000",
		       "RRULE:FREQ=DAILY;COUNT=4", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:tf",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:"
		       "20260603T090000",
		       "DTSTART;TZID=Europe/Paris:20260603T100000",
		       "END:VEVENT",
		       /* a shift backwards by 15 hours */
		       "BEGIN:VEVENT", "UID:tb",
		       "DTSTART;TZID=Europe/Paris:20260610T090000",
		       "RRULE:FREQ=DAILY;COUNT=4", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:tb",
		       "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:"
		       "20260612T090000",
		       "DTSTART;TZID=Europe/Paris:20260611T180000",
		       "END:VEVENT", TAIL),
		 "2026-05-31T00:00:00Z");
	const char *got = drain(&f, "2026-07-01T00:00:00Z", MAX_EV);
	CHECK_TEXT(only(got, "tf"),
		   "post.reminder|2026-06-01T06:00:00Z|3600|tf|"
		   "2026-06-01T07:00:00Z\n"
		   "post.due|2026-06-01T07:00:00Z|0|tf|2026-06-01T07:00:00Z\n"
		   "post.overdue|2026-06-01T09:00:00Z|0|tf|"
		   "2026-06-01T07:00:00Z\n"
		   "post.reminder|2026-06-02T06:00:00Z|3600|tf|"
		   "2026-06-02T07:00:00Z\n"
		   "post.due|2026-06-02T07:00:00Z|0|tf|2026-06-02T07:00:00Z\n"
		   "post.overdue|2026-06-02T09:00:00Z|0|tf|"
		   "2026-06-02T07:00:00Z\n"
		   "post.reminder|2026-06-03T07:00:00Z|3600|tf|"
		   "2026-06-03T07:00:00Z\n"
		   "post.due|2026-06-03T08:00:00Z|0|tf|2026-06-03T07:00:00Z\n"
		   "post.overdue|2026-06-03T10:00:00Z|0|tf|"
		   "2026-06-03T07:00:00Z\n"
		   "post.reminder|2026-06-04T07:00:00Z|3600|tf|"
		   "2026-06-04T07:00:00Z\n"
		   "post.due|2026-06-04T08:00:00Z|0|tf|2026-06-04T07:00:00Z\n"
		   "post.overdue|2026-06-04T10:00:00Z|0|tf|"
		   "2026-06-04T07:00:00Z\n");
	CHECK_TEXT(only(got, "tb"),
		   "post.reminder|2026-06-10T06:00:00Z|3600|tb|"
		   "2026-06-10T07:00:00Z\n"
		   "post.due|2026-06-10T07:00:00Z|0|tb|2026-06-10T07:00:00Z\n"
		   "post.overdue|2026-06-10T09:00:00Z|0|tb|"
		   "2026-06-10T07:00:00Z\n"
		   "post.reminder|2026-06-11T06:00:00Z|3600|tb|"
		   "2026-06-11T07:00:00Z\n"
		   "post.due|2026-06-11T07:00:00Z|0|tb|2026-06-11T07:00:00Z\n"
		   "post.overdue|2026-06-11T09:00:00Z|0|tb|"
		   "2026-06-11T07:00:00Z\n"
		   "post.reminder|2026-06-11T15:00:00Z|3600|tb|"
		   "2026-06-12T07:00:00Z\n"
		   "post.due|2026-06-11T16:00:00Z|0|tb|2026-06-12T07:00:00Z\n"
		   "post.overdue|2026-06-11T18:00:00Z|0|tb|"
		   "2026-06-12T07:00:00Z\n"
		   "post.reminder|2026-06-12T15:00:00Z|3600|tb|"
		   "2026-06-13T07:00:00Z\n"
		   "post.due|2026-06-12T16:00:00Z|0|tb|2026-06-13T07:00:00Z\n"
		   "post.overdue|2026-06-12T18:00:00Z|0|tb|"
		   "2026-06-13T07:00:00Z\n");
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Order, peek and pop across infinite weekly series.
 */

#define WEEKLY_CONF                                                            \
	"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d\noverdue = 2h\n"

#define WEEKLY_POSTS                                                           \
	"BEGIN:VEVENT", "UID:w1", "DTSTART:20260105T090000Z",                  \
		"RRULE:FREQ=WEEKLY", "END:VEVENT", "BEGIN:VEVENT", "UID:w2",   \
		"DTSTART:20260106T120000Z", "RRULE:FREQ=WEEKLY", "END:VEVENT", \
		"BEGIN:VEVENT", "UID:w3", "DTSTART:20260107T083000Z",          \
		"RRULE:FREQ=WEEKLY;BYDAY=WE,FR", "END:VEVENT", "BEGIN:VEVENT", \
		"UID:w3", "RECURRENCE-ID:20260109T083000Z",                    \
		"DTSTART:20260110T070000Z", "END:VEVENT"

#define E(type, when, lead, uid, rid)                                          \
	"post." type "|2026-01-" when ":00Z|" lead "|" uid "|2026-01-" rid     \
	":00Z\n"

#define W01 E("due", "05T09:00", "0", "w1", "05T09:00")
#define W02 E("overdue", "05T11:00", "0", "w1", "05T09:00")
#define W03 E("reminder", "05T12:00", "86400", "w2", "06T12:00")
#define W04 E("reminder", "06T08:30", "86400", "w3", "07T08:30")
#define W05 E("due", "06T12:00", "0", "w2", "06T12:00")
#define W06 E("overdue", "06T14:00", "0", "w2", "06T12:00")
#define W07 E("due", "07T08:30", "0", "w3", "07T08:30")
#define W08 E("overdue", "07T10:30", "0", "w3", "07T08:30")
#define W09 E("reminder", "09T07:00", "86400", "w3", "09T08:30")
#define W10 E("due", "10T07:00", "0", "w3", "09T08:30")
#define W11 E("overdue", "10T09:00", "0", "w3", "09T08:30")
#define W12 E("reminder", "11T09:00", "86400", "w1", "12T09:00")
#define W13 E("due", "12T09:00", "0", "w1", "12T09:00")
#define W14 E("overdue", "12T11:00", "0", "w1", "12T09:00")
#define W15 E("reminder", "12T12:00", "86400", "w2", "13T12:00")
#define W16 E("reminder", "13T08:30", "86400", "w3", "14T08:30")
#define W17 E("due", "13T12:00", "0", "w2", "13T12:00")
#define W18 E("overdue", "13T14:00", "0", "w2", "13T12:00")
#define W19 E("due", "14T08:30", "0", "w3", "14T08:30")
#define W20 E("overdue", "14T10:30", "0", "w3", "14T08:30")

#define WEEKLY_20                                                              \
	W01 W02 W03 W04 W05 W06 W07 W08 W09 W10 W11 W12 W13 W14 W15 W16 W17    \
		W18 W19 W20
/* What a jump from 09:00 on the 5th to just before 09:00 on the 11th
 * takes. */
#define JUMP_EVENTS W02 W03 W04 W05 W06 W07 W08 W09 W10 W11

static void
test_weekly_order(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	assert_int_equal(sm_sched_size(f.s), 3);
	CHECK_TEXT(drain(&f, "2100-01-01T00:00:00Z", 20), WEEKLY_20);
	/* The next one: the reminder of Friday the 16th. */
	sm_time next = 0;
	assert_int_equal(sm_sched_peek(f.s, &next), 1);
	assert_int_equal(next, at("2026-01-15T08:30:00Z"));
	/* A year on, the infinite series still go, in order. */
	drain(&f, "2100-01-01T00:00:00Z", 1000);
	assert_int_equal(dr.n, 1000);
	sfx_fini(&f);
}

static void
test_peek_pop_clock_steps(void **state)
{
	(void)state;
	static struct sfx f;
	struct sm_sched_event ev;
	sm_time next = 0;
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	assert_int_equal(sm_sched_peek(f.s, &next), 1);
	assert_int_equal(next, at("2026-01-05T09:00:00Z"));
	/* Too early: nothing taken. */
	assert_int_equal(sm_sched_pop(f.s, at("2026-01-05T08:59:59Z"), &ev), 0);
	assert_int_equal(sm_sched_peek(f.s, &next), 1);
	assert_int_equal(next, at("2026-01-05T09:00:00Z"));
	/* At the instant. */
	CHECK_TEXT(drain(&f, "2026-01-05T09:00:00Z", MAX_EV), W01);
	assert_int_equal(sm_sched_pop(f.s, at("2026-01-05T09:00:00Z"), &ev), 0);
	/* A jump forward (resume, clock step): all that became due, in
	 * order. */
	CHECK_TEXT(drain(&f, "2026-01-11T08:59:59Z", MAX_EV), JUMP_EVENTS);
	/* The clock steps back: harmless, nothing taken, nothing lost. */
	assert_int_equal(sm_sched_pop(f.s, at("2026-01-05T10:00:00Z"), &ev), 0);
	assert_int_equal(sm_sched_pop(f.s, at("1970-01-01T00:00:00Z"), &ev), 0);
	assert_int_equal(sm_sched_peek(f.s, &next), 1);
	assert_int_equal(next, at("2026-01-11T09:00:00Z"));
	CHECK_TEXT(drain(&f, "2026-01-12T09:00:00Z", MAX_EV),
		   E("reminder", "11T09:00", "86400", "w1", "12T09:00")
			   E("due", "12T09:00", "0", "w1", "12T09:00"));
	sfx_fini(&f);

	/* Nothing loaded. */
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, TAIL), "2026-01-05T00:00:00Z");
	assert_int_equal(sm_sched_size(f.s), 0);
	assert_int_equal(sm_sched_peek(f.s, &next), 0);
	assert_int_equal(sm_sched_pop(f.s, SM_TIME_MAX, &ev), 0);
	sfx_fini(&f);
}

/* Events before `from` are not produced; events at `from` are. */
static void
test_from(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T09:00:00Z");
	CHECK_TEXT(drain(&f, "2100-01-01T00:00:00Z", 2),
		   E("due", "05T09:00", "0", "w1", "05T09:00")
			   E("overdue", "05T11:00", "0", "w1", "05T09:00"));
	sfx_fini(&f);

	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T09:00:01Z");
	CHECK_TEXT(drain(&f, "2100-01-01T00:00:00Z", 1),
		   E("overdue", "05T11:00", "0", "w1", "05T09:00"));
	sfx_fini(&f);

	/* A reminder exactly at from is produced, the due before it not. */
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T12:00:00Z");
	CHECK_TEXT(drain(&f, "2100-01-01T00:00:00Z", 2),
		   E("reminder", "05T12:00", "86400", "w2", "06T12:00") E(
			   "reminder", "06T08:30", "86400", "w3", "07T08:30"));
	sfx_fini(&f);

	/* The reminder is past, the due is still ahead. */
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-06T10:00:00Z");
	CHECK_TEXT(drain(&f, "2100-01-01T00:00:00Z", 3),
		   E("due", "06T12:00", "0", "w2", "06T12:00")
			   E("overdue", "06T14:00", "0", "w2", "06T12:00")
				   E("due", "07T08:30", "0", "w3", "07T08:30"));
	sfx_fini(&f);
}

static void ical_utc(sm_time t, char *buf, size_t len);

/* Looking ahead gives what pops give, in the same order, and takes
 * nothing: three infinite weekly series, then many series whose heap
 * entries have children, with instants shared between series. */
static void
check_upcoming(struct sfx *f, int n)
{
	static struct sm_sched_event ahead[MAX_EV], again[MAX_EV];
	sm_time before = 0, after = 0;
	assert_int_equal(sm_sched_peek(f->s, &before), 1);
	int got = sm_sched_upcoming(f->s, ahead, n);
	assert_int_equal(sm_sched_upcoming(f->s, again, n), got);
	assert_int_equal(sm_sched_peek(f->s, &after), 1);
	assert_int_equal(after, before);
	drain_into(f->s, SM_TIME_MAX, n, &dr);
	assert_int_equal(got, dr.n);
	for (int i = 0; i < got; i++) {
		char a[LINE_LEN], b[LINE_LEN];
		fmt_event(&ahead[i], a, sizeof(a));
		fmt_event(&dr.ev[i], b, sizeof(b));
		if (strcmp(ahead[i].id, dr.ev[i].id) != 0 ||
		    strcmp(again[i].id, dr.ev[i].id) != 0)
			fail_msg("event %d: ahead %s (%s), popped %s (%s)", i,
				 a, ahead[i].id, b, dr.ev[i].id);
	}
}

static void
test_upcoming(void **state)
{
	(void)state;
	static struct sfx f;
	struct sm_sched_event ev[4];
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	assert_int_equal(sm_sched_upcoming(f.s, ev, 0), 0);
	check_upcoming(&f, 200);
	/* After pops: from where pop stands. */
	check_upcoming(&f, 7);
	sfx_fini(&f);

	/* 60 single posts, two of them at each instant, and 5 daily series:
	 * reminders, dues and overdues interleave across series. */
	char *text = malloc(64 * 1024);
	assert_non_null(text);
	size_t off = (size_t)snprintf(text, 64 * 1024, "%s",
				      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
				      "PRODID:-//test//EN\r\n");
	char dt[32];
	for (int i = 0; i < 60; i++) {
		ical_utc(at("2026-01-05T00:00:00Z") +
				 (sm_time)(i * 37 % 30) * 3600,
			 dt, sizeof(dt));
		off += (size_t)snprintf(text + off, 64 * 1024 - off,
					"BEGIN:VEVENT\r\nUID:s%d\r\n"
					"DTSTART:%s\r\nSUMMARY:s\r\n"
					"END:VEVENT\r\n",
					i, dt);
	}
	for (int i = 0; i < 5; i++) {
		ical_utc(at("2026-01-05T06:00:00Z") + (sm_time)i * 1800, dt,
			 sizeof(dt));
		off += (size_t)snprintf(text + off, 64 * 1024 - off,
					"BEGIN:VEVENT\r\nUID:d%d\r\n"
					"DTSTART:%s\r\nRRULE:FREQ=DAILY\r\n"
					"SUMMARY:d\r\nEND:VEVENT\r\n",
					i, dt);
	}
	off += (size_t)snprintf(text + off, 64 * 1024 - off,
				"END:VCALENDAR\r\n");
	sfx_load_text(&f, NULL, text, off, at("2026-01-05T00:00:00Z"));
	free(text);
	check_upcoming(&f, 400);
	check_upcoming(&f, 1);
	sfx_fini(&f);

	/* Dense series on lanes (a SECONDLY rule with a reminder and an
	 * override moved onto another occurrence's instant, a MINUTELY one
	 * in a zone) beside a weekly series whose override ties with one of
	 * its occurrences in its one lane: looking ahead puts what it took
	 * back in the same order. */
	sfx_load(&f, "[daemon]\ntimezone = UTC\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:sec",
		       "DTSTART:20260105T000000Z", "RRULE:FREQ=SECONDLY",
		       ALARM("TRIGGER:-PT2S"), "END:VEVENT", "BEGIN:VEVENT",
		       "UID:sec", "RECURRENCE-ID:20260105T000010Z",
		       "DTSTART:20260105T000020Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:min", "DTSTART;TZID=Europe/Paris:20260105T000000",
		       "RRULE:FREQ=MINUTELY;BYSECOND=0,15,30,45", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:wk", "DTSTART:20260105T000000Z",
		       "RRULE:FREQ=WEEKLY", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:wk", "RECURRENCE-ID:20260112T000000Z",
		       "DTSTART:20260105T000000Z", "END:VEVENT", TAIL),
		 "2026-01-04T23:00:00Z");
	check_upcoming(&f, 300);
	check_upcoming(&f, 50);
	check_upcoming(&f, 300);
	sfx_fini(&f);

	/* Nothing left. */
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, TAIL), "2026-01-05T00:00:00Z");
	assert_int_equal(sm_sched_upcoming(f.s, ev, 4), 0);
	sfx_fini(&f);
}

/* A batch cut before all due events: does a reminder's occurrence have a
 * later reminder among those left (from `from` to `upto`)?  Config leads,
 * VALARMs (a repeat too), and one occurrence of a series never answering
 * for another. */
static void
test_later_reminder(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f,
		 "[daemon]\ntimezone = UTC\n[reminders]\nlead = 1h, 5m\n"
		 "overdue = none\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:c",
		       "DTSTART:20260601T120000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:v", "DTSTART:20260602T120000Z",
		       ALARM("TRIGGER:-PT2H"), "BEGIN:VALARM", "ACTION:DISPLAY",
		       "DESCRIPTION:r", "TRIGGER:-PT30M", "REPEAT:1",
		       "DURATION:PT20M", "END:VALARM", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:h", "DTSTART:20260603T120000Z",
		       "RRULE:FREQ=MINUTELY", "END:VEVENT", TAIL),
		 "2026-05-01T00:00:00Z");
	struct sm_sched_event ev;
	const sm_time max = SM_TIME_MAX;
	/* c: 11:00 and 11:55. */
	assert_int_equal(sm_sched_pop(f.s, max, &ev), 1);
	assert_int_equal(ev.at, at("2026-06-01T11:00:00Z"));
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0, max), 1);
	assert_int_equal(sm_sched_later_reminder(f.s, &ev,
						 at("2026-06-01T11:55:00Z"),
						 at("2026-06-01T11:55:00Z")),
			 1);
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0,
						 at("2026-06-01T11:54:59Z")),
			 0);
	assert_int_equal(sm_sched_later_reminder(
				 f.s, &ev, at("2026-06-01T11:55:01Z"), max),
			 0);
	assert_int_equal(sm_sched_pop(f.s, max, &ev), 1);
	assert_int_equal(ev.at, at("2026-06-01T11:55:00Z"));
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0, max), 0);
	assert_int_equal(sm_sched_pop(f.s, max, &ev), 1);
	assert_int_equal(ev.type, SM_EV_DUE);
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0, max), 0);
	/* v: 10:00, 11:30 and its repeat at 11:50. */
	assert_int_equal(sm_sched_pop(f.s, max, &ev), 1);
	assert_int_equal(ev.at, at("2026-06-02T10:00:00Z"));
	assert_int_equal(sm_sched_later_reminder(f.s, &ev,
						 at("2026-06-02T11:31:00Z"),
						 at("2026-06-02T11:50:00Z")),
			 1);
	assert_int_equal(sm_sched_later_reminder(f.s, &ev,
						 at("2026-06-02T11:31:00Z"),
						 at("2026-06-02T11:49:00Z")),
			 0);
	assert_int_equal(sm_sched_pop(f.s, max, &ev), 1);
	assert_int_equal(ev.at, at("2026-06-02T11:30:00Z"));
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0, max), 1);
	/* h: each minute's 5m reminder is later than the previous minute's
	 * 1h one, but of another occurrence: only its own 5m one counts. */
	while (sm_sched_pop(f.s, max, &ev) && strcmp(event_uid(&ev), "h") != 0)
		;
	assert_string_equal(event_uid(&ev), "h");
	assert_int_equal(ev.at, at("2026-06-03T11:00:00Z"));
	assert_int_equal(sm_sched_later_reminder(f.s, &ev,
						 at("2026-06-03T11:00:01Z"),
						 at("2026-06-03T11:54:59Z")),
			 0);
	assert_int_equal(sm_sched_later_reminder(f.s, &ev, 0,
						 at("2026-06-03T11:55:00Z")),
			 1);
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Event ids.
 */

static void
check_id_form(const char *id)
{
	assert_int_equal(strlen(id), 36);
	assert_memory_equal(id, "evt_", 4);
	for (int i = 4; i < 36; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f')))
			fail_msg("id %s: not lowercase hex at %d", id, i);
	assert_null(strchr(id, '.'));
}

static void
test_event_ids(void **state)
{
	(void)state;
	static struct sfx f, g;
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	drain_into(f.s, at("2100-01-01T00:00:00Z"), 40, &dr);
	assert_int_equal(dr.n, 40);
	for (int i = 0; i < dr.n; i++) {
		check_id_form(dr.ev[i].id);
		for (int k = 0; k < i; k++)
			if (strcmp(dr.ev[i].id, dr.ev[k].id) == 0)
				fail_msg("events %d and %d share id %s", k, i,
					 dr.ev[i].id);
		/* make_id recomputes the same id */
		struct sm_sched_event e = dr.ev[i];
		memset(e.id, 'x', sizeof(e.id));
		sm_event_make_id(&e);
		assert_string_equal(e.id, dr.ev[i].id);
	}

	/* Each part of the identity changes the id. */
	struct sm_sched_event base = dr.ev[0], e;
	e = base;
	e.type = SM_EV_OVERDUE;
	sm_event_make_id(&e);
	assert_string_not_equal(e.id, base.id);
	e = base;
	e.lead = 1;
	sm_event_make_id(&e);
	assert_string_not_equal(e.id, base.id);
	e = base;
	e.at += 1;
	sm_event_make_id(&e);
	assert_string_not_equal(e.id, base.id);
	e = base;
	e.occ.rid += 7 * SM_DAY;
	sm_event_make_id(&e);
	assert_string_not_equal(e.id, base.id);

	/* An independent load of the same calendar: the same ids. */
	sfx_load(&g, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	drain_into(g.s, at("2100-01-01T00:00:00Z"), 40, &dr2);
	assert_int_equal(dr2.n, 40);
	for (int i = 0; i < 40; i++) {
		assert_string_equal(dr.line[i], dr2.line[i]);
		assert_string_equal(dr.ev[i].id, dr2.ev[i].id);
	}
	sfx_fini(&g);

	/* A reload where an unrelated post was added first (the series move
	 * in the set) and another one changed: same ids for w1's events. */
	sfx_load(&g, WEEKLY_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:new",
		       "DTSTART:20260105T100000Z", "SUMMARY:new", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:w1", "DTSTART:20260105T090000Z",
		       "RRULE:FREQ=WEEKLY", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:w2", "DTSTART:20260106T120000Z", "SUMMARY:retitled",
		       "RRULE:FREQ=WEEKLY;COUNT=1", "END:VEVENT", TAIL),
		 "2026-01-05T00:00:00Z");
	drain_into(g.s, at("2026-01-20T00:00:00Z"), MAX_EV, &dr2);
	int matched = 0;
	for (int i = 0; i < dr.n; i++) {
		if (strcmp(event_uid(&dr.ev[i]), "w1") != 0 ||
		    dr.ev[i].at >= at("2026-01-20T00:00:00Z"))
			continue;
		int k = find_line(&dr2, dr.line[i]);
		assert_string_equal(dr.ev[i].id, dr2.ev[k].id);
		matched++;
	}
	assert_int_equal(matched, 8);
	sfx_fini(&g);
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * What to do at fire time.
 */

static void
test_action(void **state)
{
	(void)state;
	struct sm_sched_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = SM_EV_DUE;
	ev.at = at("2026-06-01T12:00:00Z");
	const int64_t t = (int64_t)ev.at * 1000;
	const sm_time catchup = 6 * 3600;

	/* Already fired: skip, whatever the rest. */
	assert_int_equal(sm_sched_action(&ev, t, catchup, 1, 0), SM_SKIP);
	assert_int_equal(sm_sched_action(&ev, t + 86400000, catchup, 1, 0),
			 SM_SKIP);
	/* On time, early, and exactly SM_LATE_MS late: on time. */
	assert_int_equal(sm_sched_action(&ev, t, catchup, 0, 0), SM_FIRE);
	assert_int_equal(sm_sched_action(&ev, t - 5000, catchup, 0, 0),
			 SM_FIRE);
	assert_int_equal(sm_sched_action(&ev, t + 3, catchup, 0, 0), SM_FIRE);
	assert_int_equal(sm_sched_action(&ev, t + SM_LATE_MS, catchup, 0, 0),
			 SM_FIRE);
	/* Later: late. */
	assert_int_equal(
		sm_sched_action(&ev, t + SM_LATE_MS + 1, catchup, 0, 0),
		SM_FIRE_LATE);
	/* Exactly at the start of the catch-up window: late, not missed. */
	assert_int_equal(
		sm_sched_action(&ev, t + catchup * 1000, catchup, 0, 0),
		SM_FIRE_LATE);
	/* Before it: missed. */
	assert_int_equal(
		sm_sched_action(&ev, t + catchup * 1000 + 1, catchup, 0, 0),
		SM_MISSED);
	/* done only matters to overdue events. */
	assert_int_equal(sm_sched_action(&ev, t, catchup, 0, 1), SM_FIRE);
	ev.type = SM_EV_REMINDER;
	assert_int_equal(sm_sched_action(&ev, t, catchup, 0, 1), SM_FIRE);
	ev.type = SM_EV_OVERDUE;
	assert_int_equal(sm_sched_action(&ev, t, catchup, 0, 1), SM_SKIP);
	assert_int_equal(sm_sched_action(&ev, t + 60000, catchup, 0, 1),
			 SM_SKIP);
	assert_int_equal(sm_sched_action(&ev, t, catchup, 0, 0), SM_FIRE);
	assert_int_equal(sm_sched_action(&ev, t + 60000, catchup, 0, 0),
			 SM_FIRE_LATE);
}

/* catchup = 0 is allowed ("no catch-up after downtime"); it must not drop
 * an event taken at its own wake-up, a few ms after its instant. */
static void
test_action_catchup_zero(void **state)
{
	(void)state;
	struct sm_sched_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = SM_EV_DUE;
	ev.at = at("2026-06-01T12:00:00Z");
	const int64_t t = (int64_t)ev.at * 1000;
	struct sm_config *cfg = NULL;
	assert_int_equal(config_try("[daemon]\ncatchup = 0\n", &cfg, 1), 0);
	assert_int_equal(cfg->catchup, 0);
	sm_config_free(cfg);
	assert_int_equal(sm_sched_action(&ev, t, 0, 0, 0), SM_FIRE);

	assert_int_equal(sm_sched_action(&ev, t + 3, 0, 0, 0), SM_FIRE);
}

/* ---------------------------------------------------------------------
 * Loads and late additions (ARCHITECTURE.md, "Late additions").
 */

static void
test_load_from(void **state)
{
	(void)state;
	const sm_time now = at("2026-06-01T12:00:00Z"), h = 3600;
	/* Running (or a short stop): the lookback reaches further back than
	 * what was processed, for posts added with a time already past. */
	assert_int_equal(sm_sched_load_from(now, 6 * h, now - 10),
			 now - 6 * h - SM_SCHED_LOOKBACK);
	/* A first start: the same lookback. */
	assert_int_equal(sm_sched_load_from(now, 6 * h, SM_TIME_MAX),
			 now - 6 * h - SM_SCHED_LOOKBACK);
	/* Down for three days: everything since is decided (missed). */
	assert_int_equal(sm_sched_load_from(now, 6 * h, now - 3 * 86400),
			 now - 3 * 86400);
	assert_int_equal(sm_sched_load_from(now, 0, now - 1),
			 now - SM_SCHED_LOOKBACK);
	assert_int_equal(SM_SCHED_LOOKBACK, 86400);
}

static const char *
action_name(enum sm_fire_action a)
{
	switch (a) {
	case SM_FIRE:
		return "fire";
	case SM_FIRE_LATE:
		return "late";
	case SM_MISSED:
		return "missed";
	case SM_SKIP:
		return "skip";
	case SM_COLLAPSED:
		return "collapsed";
	}
	return "?";
}

static enum sm_fire_action acts[MAX_EV];

/*
 * What a wake-up at now does, as the daemon's batch does it (fire.c): every
 * event due by now, decided by sm_sched_action (known: those whose
 * "uid|type|lead" is listed in known, as if in the ledger), then
 * collapsed.  One "action|type|at|lead|uid" line per event.
 */
static const char *
wake(struct sfx *f, sm_time now, sm_time catchup, const char *known)
{
	drain_into(f->s, now, MAX_EV, &dr);
	for (int i = 0; i < dr.n; i++) {
		const struct sm_sched_event *ev = &dr.ev[i];
		char key[128];
		snprintf(key, sizeof(key), "%s|%s|%lld", event_uid(ev),
			 sm_event_type_name(ev->type), (long long)ev->lead);
		int is_known = known && strstr(known, key) != NULL;
		acts[i] = sm_sched_action(ev, (int64_t)now * 1000, catchup,
					  is_known, 0);
	}
	sm_sched_collapse(dr.ev, acts, (size_t)dr.n);
	static char out[MAX_EV * LINE_LEN];
	size_t off = 0;
	out[0] = '\0';
	for (int i = 0; i < dr.n; i++) {
		char a[40];
		int w = snprintf(
			out + off, sizeof(out) - off, "%s|%s|%s|%lld|%s\n",
			action_name(acts[i]), sm_event_type_name(dr.ev[i].type),
			utc(dr.ev[i].at, a) + 11, (long long)dr.ev[i].lead,
			event_uid(&dr.ev[i]));
		off += (size_t)w;
	}
	return out;
}

#define LATE_CONF                                                              \
	"[daemon]\ntimezone = UTC\ncatchup = 6h\n[reminders]\n"                \
	"lead = 1h, 5m\noverdue = 2h\n"

/*
 * Seen with catchup = 6h: posts added at -30 s fired late, one at -120 s
 * neither fired nor was recorded as missed, and a post added 20 s before
 * its instant had its 1h and 5m reminders silently skipped.  A load looks
 * back from sm_sched_load_from: the -30 s and -120 s posts fire late, the
 * reminders of each occurrence collapse into the latest one, an older post
 * is recorded as missed (its overdue, within catchup, fires late), one
 * older than the lookback is not looked at.
 */
static void
test_late_additions(void **state)
{
	(void)state;
	static struct sfx f;
	const sm_time now = at("2026-06-01T12:00:00Z");
	sfx_load(&f, LATE_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:a30",
		       "DTSTART:20260601T115930Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:a120", "DTSTART:20260601T115800Z", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:b20", "DTSTART:20260601T120020Z",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:old",
		       "DTSTART:20260601T050000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:ancient", "DTSTART:20260529T120000Z", "END:VEVENT",
		       TAIL),
		 "1970-01-01T00:00:00Z");
	/* The daemon had processed up to 5 s ago when the save came. */
	sm_sched_load(f.s, &f.set, &f.opts,
		      sm_sched_load_from(now, f.cfg->catchup, now - 5));
	CHECK_TEXT(wake(&f, now, f.cfg->catchup, NULL),
		   "missed|post.reminder|04:00:00Z|3600|old\n"
		   "missed|post.reminder|04:55:00Z|300|old\n"
		   "missed|post.due|05:00:00Z|0|old\n"
		   "late|post.overdue|07:00:00Z|0|old\n"
		   "collapsed|post.reminder|10:58:00Z|3600|a120\n"
		   "collapsed|post.reminder|10:59:30Z|3600|a30\n"
		   "collapsed|post.reminder|11:00:20Z|3600|b20\n"
		   "late|post.reminder|11:53:00Z|300|a120\n"
		   "late|post.reminder|11:54:30Z|300|a30\n"
		   "late|post.reminder|11:55:20Z|300|b20\n"
		   "late|post.due|11:58:00Z|0|a120\n"
		   "late|post.due|11:59:30Z|0|a30\n");
	/* b20's due is still ahead, on time. */
	CHECK_TEXT(wake(&f, now + 20, f.cfg->catchup, NULL),
		   "fire|post.due|12:00:20Z|0|b20\n");

	/* The same save seen again (a second reload): what fired or was
	 * recorded is known, nothing else comes up. */
	sm_sched_load(f.s, &f.set, &f.opts,
		      sm_sched_load_from(now + 30, f.cfg->catchup, now + 21));
	const char *known = "old|post.reminder|3600 old|post.reminder|300 "
			    "old|post.due|0 old|post.overdue|0 "
			    "a120|post.reminder|3600 a30|post.reminder|3600 "
			    "b20|post.reminder|3600 a120|post.reminder|300 "
			    "a30|post.reminder|300 b20|post.reminder|300 "
			    "a120|post.due|0 a30|post.due|0 b20|post.due|0";
	CHECK_TEXT(wake(&f, now + 30, f.cfg->catchup, known),
		   "skip|post.reminder|04:00:00Z|3600|old\n"
		   "skip|post.reminder|04:55:00Z|300|old\n"
		   "skip|post.due|05:00:00Z|0|old\n"
		   "skip|post.overdue|07:00:00Z|0|old\n"
		   "skip|post.reminder|10:58:00Z|3600|a120\n"
		   "skip|post.reminder|10:59:30Z|3600|a30\n"
		   "skip|post.reminder|11:00:20Z|3600|b20\n"
		   "skip|post.reminder|11:53:00Z|300|a120\n"
		   "skip|post.reminder|11:54:30Z|300|a30\n"
		   "skip|post.reminder|11:55:20Z|300|b20\n"
		   "skip|post.due|11:58:00Z|0|a120\n"
		   "skip|post.due|11:59:30Z|0|a30\n"
		   "skip|post.due|12:00:20Z|0|b20\n");
	sfx_fini(&f);
}

/* Collapsing: only late reminders, only into a later reminder of the same
 * occurrence, also one that fired before. */
static void
test_collapse(void **state)
{
	(void)state;
	static struct sfx f;
	const sm_time now = at("2026-06-01T12:00:00Z");
	/* VALARMs 2h, 1h and 10m before r1 at 12:05: all three are due, the
	 * 10m one fires late, the others collapse into it.  r2 at 12:09: its
	 * 10m reminder fired before, then a reload added a 1h one, which is
	 * stale.  An hourly series: reminders of different occurrences never
	 * collapse into each other. */
	sfx_load(&f, LATE_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:r1",
		       "DTSTART:20260601T120500Z", ALARM("TRIGGER:-PT2H"),
		       ALARM("TRIGGER:-PT1H"), ALARM("TRIGGER:-PT10M"),
		       "END:VEVENT", "BEGIN:VEVENT", "UID:r2",
		       "DTSTART:20260601T120900Z", ALARM("TRIGGER:-PT1H"),
		       ALARM("TRIGGER:-PT10M"), "END:VEVENT", "BEGIN:VEVENT",
		       "UID:d", "DTSTART:20260601T103000Z", "RRULE:FREQ=HOURLY",
		       ALARM("TRIGGER:-PT1H"), "END:VEVENT", TAIL),
		 "1970-01-01T00:00:00Z");
	sm_sched_load(f.s, &f.set, &f.opts,
		      sm_sched_load_from(now, f.cfg->catchup, now - 5));
	CHECK_TEXT(wake(&f, now, f.cfg->catchup, "r2|post.reminder|600"),
		   "late|post.reminder|09:30:00Z|3600|d\n"
		   "collapsed|post.reminder|10:05:00Z|7200|r1\n"
		   "late|post.due|10:30:00Z|0|d\n"
		   "late|post.reminder|10:30:00Z|3600|d\n"
		   "collapsed|post.reminder|11:05:00Z|3600|r1\n"
		   "collapsed|post.reminder|11:09:00Z|3600|r2\n"
		   "late|post.due|11:30:00Z|0|d\n"
		   "late|post.reminder|11:30:00Z|3600|d\n"
		   "late|post.reminder|11:55:00Z|600|r1\n"
		   "skip|post.reminder|11:59:00Z|600|r2\n");
	sfx_fini(&f);

	/* Built by hand: reminders on time are never collapsed, and a
	 * single late reminder fires. */
	struct sm_sched_event evs[3];
	enum sm_fire_action a[3] = {SM_FIRE, SM_FIRE, SM_FIRE_LATE};
	memset(evs, 0, sizeof(evs));
	for (int i = 0; i < 3; i++) {
		evs[i].type = SM_EV_REMINDER;
		evs[i].at = now - 10 + i;
		evs[i].occ.rid = now + 60;
	}
	sm_sched_collapse(evs, a, 3);
	assert_int_equal(a[0], SM_FIRE);
	assert_int_equal(a[1], SM_FIRE);
	assert_int_equal(a[2], SM_FIRE_LATE);
	evs[2].occ.rid = now + 120; /* another occurrence */
	a[0] = a[1] = SM_FIRE_LATE;
	sm_sched_collapse(evs, a, 3);
	assert_int_equal(a[0], SM_COLLAPSED);
	assert_int_equal(a[1], SM_FIRE_LATE);
	assert_int_equal(a[2], SM_FIRE_LATE);
	/* A due event is not a reminder: it collapses nothing. */
	evs[1].type = SM_EV_DUE;
	a[0] = a[1] = SM_FIRE_LATE;
	sm_sched_collapse(evs, a, 3);
	assert_int_equal(a[0], SM_FIRE_LATE);
	assert_int_equal(a[1], SM_FIRE_LATE);
	sm_sched_collapse(evs, a, 0);
}

/* ---------------------------------------------------------------------
 * Scale: 20,000 weekly infinite series and 80,000 single posts.
 */

static void
ical_utc(sm_time t, char *buf, size_t len)
{
	struct sm_civil c;
	sm_civil_split(t, &c);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day,
		 c.hour, c.minute, c.second);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_scale(void **state)
{
	(void)state;
	static struct sfx f;
	enum {
		NWEEKLY = 20000,
		NSINGLE = 80000
	};
	size_t cap = (size_t)(NWEEKLY + NSINGLE) * 160 + 256;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t off = 0;
	off += (size_t)snprintf(text + off, cap - off,
				"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
				"PRODID:-//test//EN\r\n");
	const sm_time week0 = at("2026-01-05T00:00:00Z");
	const sm_time year0 = at("2026-01-01T00:00:00Z");
	char dt[32];
	for (int i = 0; i < NWEEKLY; i++) {
		/* Starts spread over the week, on the minute. */
		ical_utc(week0 + (sm_time)(i * 613 % 10080) * 60, dt,
			 sizeof(dt));
		off += (size_t)snprintf(text + off, cap - off,
					"BEGIN:VEVENT\r\nUID:w%d\r\n"
					"DTSTART:%s\r\nRRULE:FREQ=WEEKLY\r\n"
					"SUMMARY:weekly %d\r\nEND:VEVENT\r\n",
					i, dt, i);
	}
	for (int i = 0; i < NSINGLE; i++) {
		/* One every 397 s from New Year: over the whole of 2026. */
		ical_utc(year0 + (sm_time)i * 397, dt, sizeof(dt));
		off += (size_t)snprintf(text + off, cap - off,
					"BEGIN:VEVENT\r\nUID:s%d\r\n"
					"DTSTART:%s\r\nSUMMARY:single %d\r\n"
					"END:VEVENT\r\n",
					i, dt, i);
	}
	off += (size_t)snprintf(text + off, cap - off, "END:VCALENDAR\r\n");
	assert_true(off < cap);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sfx_load_text(&f, NULL, text, off, at("2026-06-01T00:00:00Z"));
	double load = seconds_since(&t0);
	free(text);
	assert_int_equal(f.cal.nposts, NWEEKLY + NSINGLE);
	assert_int_equal(sm_sched_size(f.s), NWEEKLY + NSINGLE);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	drain_into(f.s, SM_TIME_MAX, 1000, &dr);
	double pop = seconds_since(&t0);
	assert_int_equal(dr.n, 1000);
	assert_true(dr.ev[0].at >= at("2026-06-01T00:00:00Z"));
	int weekly = 0, single = 0;
	for (int i = 0; i < dr.n; i++) {
		if (i > 0 && dr.ev[i].at < dr.ev[i - 1].at)
			fail_msg("scale: event %d out of order", i);
		if (event_uid(&dr.ev[i])[0] == 'w')
			weekly++;
		else
			single++;
	}
	assert_true(weekly > 0 && single > 0);
	printf("scale: %d weekly + %d single posts: calendar, index and "
	       "sched load %.3f s; 1000 pops %.3f s\n",
	       NWEEKLY, NSINGLE, load, pop);
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Dense rules, and one series at a time.
 */

/* A SECONDLY post (its four events a second, two of them reminders a day
 * and an hour ahead) and a MINUTELY one with four seconds a minute, zoned
 * across the DST change: 100,000 events in order at a few steps each, with
 * a handful of events buffered, and a plain post beside them still gets
 * its events.  Counters, not the clock: the old scheduler scanned a week of
 * instances for each occurrence and buffered a day of them. */
static void
test_dense_cost(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, "[daemon]\ntimezone = UTC\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:sec",
		       "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:min",
		       "DTSTART;TZID=Europe/Paris:20260301T000000",
		       "RRULE:FREQ=MINUTELY;BYSECOND=0,15,30,45", "END:VEVENT",
		       "BEGIN:VEVENT", "UID:plain", "DTSTART:20260329T020000Z",
		       "END:VEVENT", TAIL),
		 "2026-03-29T00:00:00Z");
	struct sm_sched_stats st;
	sm_sched_stats(f.s, &st);
	uint64_t w0 = st.work;
	assert_true(st.buffered <= 32);
	int n = 0, plain = 0, sec_due = 0;
	sm_time prev = SM_TIME_MIN;
	struct sm_sched_event ev;
	while (n < 100000 && sm_sched_pop(f.s, SM_TIME_MAX, &ev)) {
		if (ev.at < prev)
			fail_msg("dense: event %d out of order", n);
		prev = ev.at;
		const char *uid = event_uid(&ev);
		plain += strcmp(uid, "plain") == 0;
		sec_due += strcmp(uid, "sec") == 0 && ev.type == SM_EV_DUE;
		if (++n % 1000 == 0) {
			sm_sched_stats(f.s, &st);
			if (st.buffered > 32)
				fail_msg("dense: %zu events buffered",
					 st.buffered);
		}
	}
	assert_int_equal(n, 100000);
	sm_sched_stats(f.s, &st);
	printf("dense: 100000 events, %llu steps (%llu at load), %zu lanes, "
	       "%zu buffered\n",
	       (unsigned long long)(st.work - w0), (unsigned long long)w0,
	       st.lanes, st.buffered);
	/* Each lane reads an occurrence and scans it for each of its events:
	 * about two steps an event, plus the hour a zoned lane reads ahead
	 * near the transition. */
	assert_true(st.work - w0 <= 3 * 100000 + 8 * 7200);
	assert_true(w0 <= 8 * 7200);
	/* 2026-03-29T00:00Z + ~5.5 h of seconds: the plain post's reminder
	 * an hour before, its due and its overdue are among them. */
	assert_int_equal(plain, 3);
	assert_true(sec_due > 15000);
	sfx_fini(&f);
}

/* An event of q2 (seconds given in full; its RID second by SS). */
#define Q2(type, when, lead, ss)                                               \
	"post." type "|2026-01-" when "Z|" lead "|q2|2026-01-06T10:00:" ss "Z\n"

/* Adding a series schedules it beside the others from its own `from`;
 * removing one drops its events; the rest are untouched. */
static void
test_add_remove(void **state)
{
	(void)state;
	static struct sfx f, g;
	sfx_load(&f, WEEKLY_CONF, LINES(HEAD, WEEKLY_POSTS, TAIL),
		 "2026-01-05T00:00:00Z");
	sfx_load(&g, WEEKLY_CONF,
		 LINES(HEAD, "BEGIN:VEVENT", "UID:q1",
		       "DTSTART:20260105T100000Z", "END:VEVENT", "BEGIN:VEVENT",
		       "UID:q2", "DTSTART:20260106T100000Z",
		       "RRULE:FREQ=SECONDLY;COUNT=3", "END:VEVENT", TAIL),
		 "2026-01-05T00:00:00Z");
	assert_int_equal(g.set.n, 2);
	size_t h1 =
		sm_sched_add(f.s, &g.set.series[0], at("2026-01-05T09:30:00Z"));
	size_t h2 =
		sm_sched_add(f.s, &g.set.series[1], at("2026-01-05T00:00:00Z"));
	assert_true(h1 != h2);
	assert_int_equal(sm_sched_size(f.s), 5);
	/* q1's reminder (2026-01-04T10:00) is before its from: not made. */
	CHECK_TEXT(drain(&f, "2026-01-05T12:00:00Z", MAX_EV),
		   W01 E("due", "05T10:00", "0", "q1", "05T10:00")
			   Q2("reminder", "05T10:00:00", "86400",
			      "00") Q2("reminder", "05T10:00:01", "86400", "01")
				   Q2("reminder", "05T10:00:02", "86400", "02")
					   W02 E("overdue", "05T12:00", "0",
						 "q1", "05T10:00") W03);
	/* Removing w2 (index 1 of the loaded set) and q1. */
	sm_sched_remove(f.s, 1);
	sm_sched_remove(f.s, h1);
	sm_sched_remove(f.s, h1); /* twice: nothing */
	assert_int_equal(sm_sched_size(f.s), 3);
	CHECK_TEXT(drain(&f, "2026-01-07T09:00:00Z", MAX_EV),
		   W04 Q2("due", "06T10:00:00", "0",
			  "00") Q2("due", "06T10:00:01", "0",
				   "01") Q2("due", "06T10:00:02", "0", "02")
			   Q2("overdue", "06T12:00:00", "0",
			      "00") Q2("overdue", "06T12:00:01", "0", "01")
				   Q2("overdue", "06T12:00:02", "0", "02") W07);
	/* A slot freed by a removal is used again. */
	size_t h3 =
		sm_sched_add(f.s, &g.set.series[0], at("2026-01-05T00:00:00Z"));
	assert_true(h3 == 1 || h3 == h1);
	assert_int_equal(sm_sched_size(f.s), 4);
	sfx_fini(&f); /* the scheduler first: it borrows g's series */
	sfx_fini(&g);
}

/* A series moved to a copy of itself (a reload that shares its calendar)
 * keeps its state: after sm_sched_rebind, with the old series scrubbed
 * and freed, the events go on exactly as they would have. */
#define REBIND_ICS                                                             \
	LINES(HEAD, WEEKLY_POSTS, "BEGIN:VEVENT", "UID:dense",                 \
	      "DTSTART:20260105T090000Z", "RRULE:FREQ=MINUTELY;INTERVAL=7",    \
	      "END:VEVENT", "BEGIN:VEVENT", "UID:ov",                          \
	      "DTSTART:20260105T083000Z", "RRULE:FREQ=DAILY", "END:VEVENT",    \
	      "BEGIN:VEVENT", "UID:ov", "RECURRENCE-ID:20260107T083000Z",      \
	      "DTSTART:20260107T110000Z", "END:VEVENT", TAIL)

static void
test_rebind(void **state)
{
	(void)state;
	static struct sfx f, g;
	sfx_load(&f, WEEKLY_CONF, REBIND_ICS, "2026-01-05T00:00:00Z");
	sfx_load(&g, WEEKLY_CONF, REBIND_ICS, "2026-01-05T00:00:00Z");
	static char before[MAX_EV * LINE_LEN];
	snprintf(before, sizeof(before), "%s",
		 drain_into(f.s, at("2026-01-05T10:00:00Z"), 200, &dr));
	CHECK_TEXT(drain_into(g.s, at("2026-01-05T10:00:00Z"), 200, &dr2),
		   before);
	/* Copy f's series, move the scheduler onto the copies, scrub and
	 * free the originals (their override arrays now belong to the
	 * copies). */
	size_t n = f.set.n;
	struct sm_series *copy = malloc(n * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, f.set.series, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		sm_sched_rebind(f.s, i, &copy[i]);
	memset(f.set.series, 0xa5, n * sizeof(*copy));
	free(f.set.series);
	f.set.series = copy;
	for (const char *upto = "2026-01-06T00:00:00Z"; upto;
	     upto = strcmp(upto, "2026-01-06T00:00:00Z") == 0
			    ? "2026-01-09T00:00:00Z"
			    : NULL) {
		snprintf(before, sizeof(before), "%s",
			 drain_into(g.s, at(upto), MAX_EV, &dr2));
		const char *got = drain_into(f.s, at(upto), MAX_EV, &dr);
		for (int i = 0; i < dr.n; i++)
			if (dr.ev[i].occ.series < copy ||
			    dr.ev[i].occ.series >= copy + n)
				fail_msg("event %d of a series before the move",
					 i);
		CHECK_TEXT(got, before);
	}
	sfx_fini(&f);
	sfx_fini(&g);
}

/* What a reload may keep scheduled under a new config: the same leads,
 * overdue delays, drafts rule and platforms. */
static void
test_config_equal(void **state)
{
	(void)state;
	static const char base[] = "[daemon]\ntimezone = UTC\n"
				   "[reminders]\nlead = 1d, 1h\noverdue = 2h\n"
				   "[platform:instagram]\nlead = 30m\n";
	struct sm_config *a = config_text(base);
	struct sm_config *same = config_text(
		"[daemon]\ntimezone = UTC\nlog_level = debug\n"
		"series_cap = 10\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 2h\n[platform:instagram]\nlead = 30m\n"
		"cadence = 3/week\n[webhook:w]\nurl = http://127.0.0.1:9/\n");
	assert_true(sm_sched_config_equal(a, same));
	static const char *const other[] = {
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d\n"
		"overdue = 2h\n[platform:instagram]\nlead = 30m\n",
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 3h\n[platform:instagram]\nlead = 30m\n",
		"[daemon]\ntimezone = UTC\nfire_drafts = yes\n"
		"[reminders]\nlead = 1d, 1h\noverdue = 2h\n"
		"[platform:instagram]\nlead = 30m\n",
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 2h\n[platform:instagram]\nlead = 20m\n",
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 2h\n[platform:instagram]\nlead = 30m\n"
		"overdue = 1h\n",
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 2h\n[platform:instagram]\nlead = 30m\n"
		"categories = insta\n",
		"[daemon]\ntimezone = UTC\n[reminders]\nlead = 1d, 1h\n"
		"overdue = 2h\n[platform:instagram]\nlead = 30m\n"
		"[platform:x]\n",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++) {
		struct sm_config *b = config_text(other[i]);
		if (sm_sched_config_equal(a, b))
			fail_msg("config %zu taken for equal:\n%s", i,
				 other[i]);
		sm_config_free(b);
	}
	sm_config_free(same);
	sm_config_free(a);
}

/* Skipping a series moves it past `upto` without producing what lies
 * before; other series keep their events. */
static void
test_skip(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, "[daemon]\ntimezone = UTC\n[reminders]\nlead = 1h\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:sec",
		       "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:plain",
		       "DTSTART:20260301T003000Z", "END:VEVENT", TAIL),
		 "2026-03-01T00:00:00Z");
	struct sm_sched_event ev;
	assert_int_equal(sm_sched_pop(f.s, SM_TIME_MAX, &ev), 1);
	assert_string_equal(event_uid(&ev), "sec");
	size_t h = ev.series;
	size_t dropped = sm_sched_skip(f.s, h, at("2026-03-01T01:00:00Z"));
	assert_true(dropped > 0);
	int plain = 0;
	for (int i = 0; i < 50; i++) {
		assert_int_equal(sm_sched_pop(f.s, SM_TIME_MAX, &ev), 1);
		if (strcmp(event_uid(&ev), "plain") == 0) {
			plain++;
			continue;
		}
		if (ev.at <= at("2026-03-01T01:00:00Z"))
			fail_msg("skip: an event at %lld was produced",
				 (long long)ev.at);
	}
	/* plain's due at 00:30; its reminder (23:30 the day before) was
	 * before from, its overdue at 02:30 comes later. */
	assert_int_equal(plain, 1);
	struct sm_sched_stats st;
	sm_sched_stats(f.s, &st);
	assert_true(st.buffered <= 16);
	sfx_fini(&f);
}

/* The firing cap: `limit` events a series a minute, counted per UID and
 * calendar, refusals reported once per series and minute. */
static void
test_cap(void **state)
{
	(void)state;
	static struct sfx f;
	sfx_load(&f, "[daemon]\ntimezone = UTC\n[reminders]\nlead = none\n",
		 LINES(HEAD, "BEGIN:VEVENT", "UID:sec",
		       "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY",
		       "END:VEVENT", "BEGIN:VEVENT", "UID:min",
		       "DTSTART:20260101T000000Z", "RRULE:FREQ=MINUTELY",
		       "END:VEVENT", TAIL),
		 "2026-03-01T00:00:00Z");
	struct sm_sched_cap cap = {.limit = 5};
	int64_t now = (int64_t)at("2026-03-01T00:00:00Z") * 1000;
	struct sm_sched_event ev;
	int fired_sec = 0, fired_min = 0, first = 0, over = 0;
	/* Two minutes of events, popped as the clock goes. */
	for (int64_t t = now; t < now + 120000; t += 1000) {
		while (sm_sched_pop(f.s, (sm_time)(t / 1000), &ev)) {
			enum sm_cap_verdict v =
				sm_sched_cap_check(&cap, &ev, t);
			if (v == SM_CAP_FIRST)
				first++;
			if (v == SM_CAP_OVER)
				over++;
			if (v != SM_CAP_OK)
				continue;
			sm_sched_cap_count(&cap, &ev);
			if (strcmp(event_uid(&ev), "sec") == 0)
				fired_sec++;
			else
				fired_min++;
		}
	}
	/* sec: 5 of each minute's 120 (a due and, for the occurrence two
	 * hours before, an overdue each second); min: its two dues and two
	 * overdues, never capped. */
	assert_int_equal(fired_sec, 10);
	assert_int_equal(fired_min, 4);
	assert_int_equal(first, 2); /* one report per series and minute */
	assert_int_equal(over, 2 * (120 - 5) - 2);
	sm_sched_cap_fini(&cap);
	sfx_fini(&f);
}

/* ---------------------------------------------------------------------
 * Runner.
 */

static int
teardown_live(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i])
			sfx_fini(live[i]);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sm_calendar_zones_cleanup();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown_live)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lead_valarms),
		T(test_lead_platforms),
		T(test_lead_platform_none),
		T(test_lead_absolute_far),
		T(test_lead_absolute_repeat),
		T(test_lead_many_repeats),
		T(test_lead_related_end_cross_zone),
		T(test_allday),
		T(test_overdue),
		T(test_overdue_platforms),
		T(test_drafts_and_cancelled),
		T(test_silent_infinite),
		T(test_dst),
		T(test_moved),
		T(test_this_and_future),
		T(test_weekly_order),
		T(test_peek_pop_clock_steps),
		T(test_from),
		T(test_upcoming),
		T(test_event_ids),
		T(test_action),
		T(test_action_catchup_zero),
		T(test_load_from),
		T(test_late_additions),
		T(test_collapse),
		T(test_later_reminder),
		T(test_scale),
		T(test_dense_cost),
		T(test_add_remove),
		T(test_rebind),
		T(test_config_equal),
		T(test_skip),
		T(test_cap),
	};
	int failed = cmocka_run_group_tests(tests, NULL, group_teardown);
	force_lanes = 1;
	failed += cmocka_run_group_tests_name("lanes", tests, NULL,
					      group_teardown);
	return failed;
}
