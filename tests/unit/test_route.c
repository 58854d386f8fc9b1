/*
 * Unit tests for lib/route: which webhooks an event goes to (SPEC section
 * 9): post, platforms, calendar, [daemon], log sink, in that order; "none"
 * at each level; the events filter; unknown names; deduplication; the
 * per-calendar allowlist of what a post's X-SMCAL-WEBHOOK may name.
 *
 * Events come from the real pipeline (config file, calendar text, occur,
 * sched), so the routes are those of events the daemon would fire.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "occur.h"
#include "route.h"
#include "sched.h"

#define ICS(...)                                                               \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" __VA_ARGS__ \
	"END:VCALENDAR\r\n"
/* Every post publishes at 2026-12-03T08:00:00Z; extra lines end in CRLF. */
#define VEV(uid, extra)                                                        \
	"BEGIN:VEVENT\r\nUID:" uid "\r\nDTSTAMP:20261101T000000Z\r\n"          \
	"DTSTART:20261203T080000Z\r\nSUMMARY:" uid "\r\n" extra                \
	"END:VEVENT\r\n"

static const char conf_main[] = "[daemon]\n"
				"timezone = UTC\n"
				"webhook = global\n"
				"[reminders]\n"
				"lead = 1h\n"
				"overdue = 2h\n"
				"[calendar:main]\n"
				"path = /dev/null\n"
				"webhook = cal\n"
				"webhooks = post, cal\n"
				"[calendar:quiet]\n"
				"path = /dev/null\n"
				"webhook = none\n"
				"[calendar:open]\n"
				"path = /dev/null\n"
				"[platform:instagram]\n"
				"webhook = ig\n"
				"[platform:facebook]\n"
				"webhook = fb\n"
				"[platform:threads]\n"
				"webhook = fb\n"
				"[platform:linkedin]\n"
				"cadence = 1/week\n"
				"[platform:tiktok]\n"
				"webhook = none\n"
				"[webhook:global]\n"
				"url = https://example.com/global\n"
				"[webhook:cal]\n"
				"url = https://example.com/cal\n"
				"[webhook:ig]\n"
				"url = https://example.com/ig\n"
				"events = post.due, post.overdue\n"
				"[webhook:fb]\n"
				"url = https://example.com/fb\n"
				"[webhook:post]\n"
				"url = https://example.com/post\n";

/*
 * A loaded config, calendar and the events scheduled from it.  Fixtures
 * live in a static array so that the teardown frees them even when an
 * assertion jumped out of the test half-way.
 */
#define MAX_EVENTS 64
struct fx {
	struct sm_config *cfg;
	struct sm_diag_list diags;
	struct sm_calendar cal;
	int cal_init;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_sched *sched;
	struct sm_sched_event ev[MAX_EVENTS];
	int nev;
};

#define MAX_FX 4
static struct fx fixtures[MAX_FX];
static int nfx;

static struct fx *
fx_load(const char *conf, const char *calname, const char *ics)
{
	assert_true(nfx < MAX_FX);
	struct fx *f = &fixtures[nfx++];
	memset(f, 0, sizeof(*f));
	if (config_load_text(conf, &f->cfg, &f->diags) != 0) {
		sm_diag_print(&f->diags, stderr);
		fail_msg("the test config does not load");
	}
	sm_calendar_init(&f->cal, calname);
	f->cal_init = 1;
	assert_int_equal(sm_calendar_load_buffer(&f->cal, ics, strlen(ics),
						 "test.ics", &f->diags),
			 0);
	if (f->diags.nerrors) {
		sm_diag_print(&f->diags, stderr);
		fail_msg("the test calendar has errors");
	}
	f->opts.zone = sm_calendar_system_zone(f->cfg->timezone);
	f->opts.allday_offset = (sm_time)f->cfg->allday_time * 60;
	assert_non_null(f->opts.zone);
	sm_occur_index(&f->set, &f->cal, &f->opts, &f->diags);
	f->sched = sm_sched_new(f->cfg);
	sm_sched_load(f->sched, &f->set, &f->opts, 0);
	/* 2100-01-01: every event of the test calendars. */
	while (f->nev < MAX_EVENTS &&
	       sm_sched_pop(f->sched, 4102444800, &f->ev[f->nev]))
		f->nev++;
	return f;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nfx; i++) {
		struct fx *f = &fixtures[i];
		sm_sched_free(f->sched);
		sm_occur_set_free(&f->set);
		if (f->cal_init)
			sm_calendar_fini(&f->cal);
		sm_config_free(f->cfg);
		sm_diag_clear(&f->diags);
		memset(f, 0, sizeof(*f));
	}
	nfx = 0;
	return 0;
}

static const struct sm_sched_event *
event_of(const struct fx *f, const char *uid, enum sm_event_type type)
{
	for (int i = 0; i < f->nev; i++)
		if (f->ev[i].type == type &&
		    strcmp(f->ev[i].occ.post->uid, uid) == 0)
			return &f->ev[i];
	fail_msg("no %s event for %s", sm_event_type_name(type), uid);
	return NULL;
}

/* The route as "name,name|log" ("|log" when the log sink takes it, "?X"
 * when X is unknown, "!X" when the calendar does not allow the post's X),
 * compared as one string. */
static const char *
route_str(const struct fx *f, const char *uid, enum sm_event_type type,
	  char *buf, size_t len)
{
	struct sm_route r;
	sm_route_event(f->cfg, event_of(f, uid, type), &r);
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < r.n; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
				      r.webhooks[i]->name);
	if (r.log_sink)
		o += (size_t)snprintf(buf + o, len - o, "|log");
	if (r.unknown)
		o += (size_t)snprintf(buf + o, len - o, "?%s", r.unknown);
	if (r.refused)
		snprintf(buf + o, len - o, "!%s", r.refused);
	return buf;
}

#define ROUTE(f, uid, type) route_str(f, uid, type, buf, sizeof(buf))

static void
test_post_level(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f =
		fx_load(conf_main, "main",
			ICS(VEV("p1", "X-SMCAL-WEBHOOK:post\r\n"
				      "X-SMCAL-PLATFORM:instagram\r\n")
				    VEV("p2", "X-SMCAL-WEBHOOK:POST\r\n")));
	/* The post's webhook wins over its platform's and its calendar's. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "post");
	assert_string_equal(ROUTE(f, "p1", SM_EV_REMINDER), "post");
	/* Webhook names are case-insensitive, like section names. */
	assert_string_equal(ROUTE(f, "p2", SM_EV_OVERDUE), "post");
}

static void
test_post_none(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f =
		fx_load(conf_main, "main",
			ICS(VEV("p1", "X-SMCAL-WEBHOOK:none\r\n"
				      "X-SMCAL-PLATFORM:instagram\r\n")
				    VEV("p2", "X-SMCAL-WEBHOOK:None\r\n")));
	/* none stops the fall-through: not ig, not cal, not global. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "|log");
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "|log");
}

static void
test_post_unknown(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(conf_main, "main",
			       ICS(VEV("p1", "X-SMCAL-WEBHOOK:nosuch\r\n"
					     "X-SMCAL-PLATFORM:facebook\r\n")));
	/* A typo must not silently fall through to another route: the log
	 * sink keeps the event visible and the name is reported. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "|log?nosuch");
}

static void
test_platform_level(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f =
		fx_load(conf_main, "main",
			ICS(VEV("p1", "X-SMCAL-PLATFORM:instagram\r\n")
				    VEV("p2", "CATEGORIES:Instagram\r\n")));
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "ig");
	assert_string_equal(ROUTE(f, "p1", SM_EV_OVERDUE), "ig");
	/* ig does not take reminders: the platform level still decided,
	 * so neither the calendar's webhook nor the log sink get it. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_REMINDER), "");
	/* A platform found through CATEGORIES routes the same way. */
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "ig");
}

static void
test_platforms_multiple(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(
		conf_main, "main",
		ICS(VEV("p1", "X-SMCAL-PLATFORM:instagram,facebook\r\n")
			    VEV("p2", "X-SMCAL-PLATFORM:facebook,threads\r\n")
				    VEV("p3", "X-SMCAL-PLATFORM:instagram\r\n"
					      "X-SMCAL-PLATFORM:facebook\r\n"
					      "X-SMCAL-PLATFORM:threads\r\n")));
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "ig,fb");
	/* Each webhook filters on its own. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_REMINDER), "fb");
	/* Two platforms on one webhook: one delivery. */
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "fb");
	assert_string_equal(ROUTE(f, "p3", SM_EV_OVERDUE), "ig,fb");
}

static void
test_platform_none(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(
		conf_main, "main",
		ICS(VEV("p1", "X-SMCAL-PLATFORM:tiktok\r\n") VEV(
			"p2", "X-SMCAL-PLATFORM:tiktok,instagram\r\n")));
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "|log");
	/* A webhook that takes the event wins over the other platform's
	 * none (log_sink means "no webhook takes it", route.h)... */
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "ig");
	/* ...and when ig filters the event out, tiktok's none still asks
	 * for the log sink. */
	assert_string_equal(ROUTE(f, "p2", SM_EV_REMINDER), "|log");
}

static void
test_calendar_level(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(
		conf_main, "main",
		ICS(VEV("p1", "X-SMCAL-PLATFORM:linkedin\r\n") VEV("p2", "")
			    VEV("p3", "X-SMCAL-PLATFORM:mastodon\r\n")));
	/* A platform without a webhook names nothing: fall through. */
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "cal");
	assert_string_equal(ROUTE(f, "p2", SM_EV_REMINDER), "cal");
	/* A platform the config does not know has no route of its own. */
	assert_string_equal(ROUTE(f, "p3", SM_EV_DUE), "cal");
}

static void
test_calendar_none(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(
		conf_main, "quiet",
		ICS(VEV("p1", "") VEV("p2", "X-SMCAL-PLATFORM:facebook\r\n")));
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "|log");
	/* A lower level that names a webhook is asked first. */
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "fb");
}

static void
test_global_level(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(conf_main, "open", ICS(VEV("p1", "")));
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "global");
	/* smctl add's calendar has no section at all. */
	struct fx *q = fx_load(conf_main, SM_CONFIG_QUEUE_CALENDAR,
			       ICS(VEV("p1", "")));
	assert_string_equal(ROUTE(q, "p1", SM_EV_OVERDUE), "global");
}

static void
test_global_none_and_unset(void **state)
{
	(void)state;
	char buf[128];
	struct fx *none = fx_load("[daemon]\ntimezone = UTC\nwebhook = none\n"
				  "[webhook:w]\nurl = https://example.com/w\n",
				  "main", ICS(VEV("p1", "")));
	assert_string_equal(ROUTE(none, "p1", SM_EV_DUE), "|log");
	struct fx *unset = fx_load("[daemon]\ntimezone = UTC\n"
				   "[webhook:w]\nurl = https://example.com/w\n",
				   "main", ICS(VEV("p1", "")));
	assert_string_equal(ROUTE(unset, "p1", SM_EV_DUE), "|log");
}

static void
test_events_filter(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f =
		fx_load("[daemon]\ntimezone = UTC\nwebhook = late\n"
			"[webhook:late]\nurl = https://example.com/late\n"
			"events = post.overdue\n",
			"main", ICS(VEV("p1", "")));
	/* Filtered out: no webhook and no log sink (the event log has it). */
	assert_string_equal(ROUTE(f, "p1", SM_EV_REMINDER), "");
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "");
	assert_string_equal(ROUTE(f, "p1", SM_EV_OVERDUE), "late");
}

static void
test_unknown_in_config(void **state)
{
	(void)state;
	char buf[128];
	/* The config loader refuses unknown names; a config built another
	 * way (or a later change to the loader) must still not drop events.
	 * The struct is plain data, so the test edits it. */
	struct fx *f = fx_load(
		conf_main, "open",
		ICS(VEV("p1", "") VEV("p2", "X-SMCAL-PLATFORM:linkedin\r\n")));
	free(f->cfg->webhook);
	f->cfg->webhook = strdup("ghost");
	assert_non_null(f->cfg->webhook);
	assert_string_equal(ROUTE(f, "p1", SM_EV_DUE), "|log?ghost");
	struct sm_platform *li = &f->cfg->platforms[3];
	assert_string_equal(li->name, "linkedin");
	li->webhook = strdup("phantom");
	assert_non_null(li->webhook);
	assert_string_equal(ROUTE(f, "p2", SM_EV_DUE), "|log?phantom");
}

/* An agency: one daemon, a calendar per client. */
static const char conf_agency[] = "[daemon]\n"
				  "timezone = UTC\n"
				  "webhook = global\n"
				  "[reminders]\n"
				  "lead = 1h\n"
				  "overdue = 2h\n"
				  "[calendar:clienta]\n"
				  "path = /dev/null\n"
				  "webhook = a-pub\n"
				  "[calendar:clientb]\n"
				  "path = /dev/null\n"
				  "webhook = b-pub\n"
				  "[calendar:strict]\n"
				  "path = /dev/null\n"
				  "webhooks = B-Pub\n"
				  "[calendar:sealed]\n"
				  "path = /dev/null\n"
				  "webhook = a-pub\n"
				  "webhooks = none\n"
				  "[platform:instagram]\n"
				  "webhook = ig\n"
				  "[platform:tiktok]\n"
				  "webhook = none\n"
				  "[webhook:global]\n"
				  "url = https://example.com/global\n"
				  "[webhook:a-pub]\n"
				  "url = https://example.com/a\n"
				  "[webhook:b-pub]\n"
				  "url = https://example.com/b\n"
				  "[webhook:ig]\n"
				  "url = https://example.com/ig\n"
				  "[webhook:ops]\n"
				  "url = https://example.com/ops\n";

/*
 * Issue 13, item 6: a post of client A naming client B's publisher is not
 * delivered there; it follows the route it would have had without the
 * override, and the refused name is reported.
 */
static void
test_post_refused(void **state)
{
	(void)state;
	char buf[128];
	struct fx *a = fx_load(
		conf_agency, "clienta",
		ICS(VEV("p1", "X-SMCAL-WEBHOOK:b-pub\r\n")
			    VEV("p2", "X-SMCAL-WEBHOOK:B-PUB\r\n"
				      "X-SMCAL-PLATFORM:instagram\r\n")
				    VEV("p3", "X-SMCAL-WEBHOOK:ops\r\n") VEV(
					    "p4", "X-SMCAL-WEBHOOK:ig\r\n")
					    VEV("p5", "X-SMCAL-WEBHOOK:"
						      "global\r\n")
						    VEV("p6", "X-SMCAL-WEBHOOK:"
							      "a-pub\r\n")));
	assert_string_equal(ROUTE(a, "p1", SM_EV_DUE), "a-pub!b-pub");
	assert_string_equal(ROUTE(a, "p1", SM_EV_REMINDER), "a-pub!b-pub");
	/* The normal route of a post on Instagram is Instagram's. */
	assert_string_equal(ROUTE(a, "p2", SM_EV_DUE), "ig!B-PUB");
	/* A webhook no route of the calendar uses. */
	assert_string_equal(ROUTE(a, "p3", SM_EV_DUE), "a-pub!ops");
	/* The calendar's own routes: its webhook, the platforms', the
	 * daemon's default. */
	assert_string_equal(ROUTE(a, "p4", SM_EV_DUE), "ig");
	assert_string_equal(ROUTE(a, "p5", SM_EV_DUE), "global");
	assert_string_equal(ROUTE(a, "p6", SM_EV_DUE), "a-pub");

	struct fx *b = fx_load(conf_agency, "clientb",
			       ICS(VEV("p1", "X-SMCAL-WEBHOOK:b-pub\r\n") VEV(
				       "p2", "X-SMCAL-WEBHOOK:a-pub\r\n"
					     "X-SMCAL-PLATFORM:tiktok\r\n")));
	assert_string_equal(ROUTE(b, "p1", SM_EV_DUE), "b-pub");
	/* Refused, then tiktok's none: the log sink, not a-pub. */
	assert_string_equal(ROUTE(b, "p2", SM_EV_DUE), "|log!a-pub");
}

static void
test_post_allowlist(void **state)
{
	(void)state;
	char buf[128];
	/* An explicit list replaces the default. */
	struct fx *s = fx_load(conf_agency, "strict",
			       ICS(VEV("p1", "X-SMCAL-WEBHOOK:b-pub\r\n") VEV(
				       "p2", "X-SMCAL-WEBHOOK:global\r\n"
					     "X-SMCAL-PLATFORM:instagram\r\n")
					   VEV("p3", "X-SMCAL-WEBHOOK:none\r\n")
						   VEV("p4", "X-SMCAL-WEBHOOK:"
							     "nosuch\r\n")));
	assert_string_equal(ROUTE(s, "p1", SM_EV_DUE), "b-pub");
	assert_string_equal(ROUTE(s, "p2", SM_EV_DUE), "ig!global");
	/* none is always allowed: it only takes deliveries away. */
	assert_string_equal(ROUTE(s, "p3", SM_EV_DUE), "|log");
	/* A name that exists nowhere stays a typo for the log sink. */
	assert_string_equal(ROUTE(s, "p4", SM_EV_DUE), "|log?nosuch");

	struct fx *z = fx_load(conf_agency, "sealed",
			       ICS(VEV("p1", "X-SMCAL-WEBHOOK:a-pub\r\n")));
	assert_string_equal(ROUTE(z, "p1", SM_EV_DUE), "a-pub!a-pub");

	/* smctl add's calendar has no section: the platforms' and the
	 * daemon's routes. */
	struct fx *q = fx_load(conf_agency, SM_CONFIG_QUEUE_CALENDAR,
			       ICS(VEV("p1", "X-SMCAL-WEBHOOK:a-pub\r\n") VEV(
				       "p2", "X-SMCAL-WEBHOOK:ig\r\n")));
	assert_string_equal(ROUTE(q, "p1", SM_EV_DUE), "global!a-pub");
	assert_string_equal(ROUTE(q, "p2", SM_EV_DUE), "ig");

	const struct sm_config *cfg = s->cfg;
	assert_true(sm_route_allowed(cfg, "clienta", "A-Pub"));
	assert_true(sm_route_allowed(cfg, "clienta", "ig"));
	assert_true(sm_route_allowed(cfg, "clienta", "global"));
	assert_true(sm_route_allowed(cfg, "clienta", "none"));
	assert_false(sm_route_allowed(cfg, "clienta", "b-pub"));
	assert_false(sm_route_allowed(cfg, "clienta", "ops"));
	assert_false(sm_route_allowed(cfg, "clienta", NULL));
	assert_true(sm_route_allowed(cfg, "strict", "b-pub"));
	assert_false(sm_route_allowed(cfg, "strict", "global"));
	assert_true(sm_route_allowed(cfg, "sealed", "None"));
	assert_false(sm_route_allowed(cfg, "sealed", "a-pub"));
	assert_true(sm_route_allowed(cfg, NULL, "global"));
	assert_false(sm_route_allowed(cfg, "nosection", "a-pub"));

	sm_route_allowed_list(cfg, "clienta", buf, sizeof(buf));
	assert_string_equal(buf, "a-pub, ig, global");
	sm_route_allowed_list(cfg, "clientb", buf, sizeof(buf));
	assert_string_equal(buf, "b-pub, ig, global");
	sm_route_allowed_list(cfg, "strict", buf, sizeof(buf));
	assert_string_equal(buf, "b-pub");
	sm_route_allowed_list(cfg, "sealed", buf, sizeof(buf));
	assert_string_equal(buf, "none");
	sm_route_allowed_list(cfg, "queue", buf, sizeof(buf));
	assert_string_equal(buf, "ig, global");
	/* Cut to fit, never past the buffer. */
	sm_route_allowed_list(cfg, "clienta", buf, 8);
	assert_string_equal(buf, "a-pub, ");
}

/* A daemon-originated event's route as ROUTE writes it. */
static const char *
alert_str(const struct sm_config *cfg, const char *platform, unsigned bit,
	  char *buf, size_t len)
{
	struct sm_route r;
	sm_route_alert(cfg, platform, bit, &r);
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < r.n; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
				      r.webhooks[i]->name);
	if (r.log_sink)
		o += (size_t)snprintf(buf + o, len - o, "|log");
	if (r.unknown)
		snprintf(buf + o, len - o, "?%s", r.unknown);
	assert_null(r.refused);
	return buf;
}

static void
test_alert_route(void **state)
{
	(void)state;
	char buf[128];
	struct fx *f = fx_load(conf_main, "main", ICS(""));
	const unsigned gap = SM_EVENT_CADENCE_GAP;
	/* The platform's webhook, whatever the calendars say. */
	assert_string_equal(alert_str(f->cfg, "facebook", gap, buf, 128), "fb");
	assert_string_equal(alert_str(f->cfg, "Facebook", gap, buf, 128), "fb");
	/* ig takes only post.due and post.overdue: the platform level
	 * decided, and its filter drops the alert. */
	assert_string_equal(alert_str(f->cfg, "instagram", gap, buf, 128), "");
	assert_string_equal(alert_str(f->cfg, "tiktok", gap, buf, 128), "|log");
	/* No webhook of its own, no platform, an unknown one: [daemon]. */
	assert_string_equal(alert_str(f->cfg, "linkedin", gap, buf, 128),
			    "global");
	assert_string_equal(
		alert_str(f->cfg, NULL, SM_EVENT_GOAL_MISSED, buf, 128),
		"global");
	assert_string_equal(alert_str(f->cfg, "nosuch", gap, buf, 128),
			    "global");
	/* No [daemon] webhook: the log sink; an unknown one is reported. */
	struct fx *g = fx_load("[daemon]\ntimezone = UTC\n"
			       "[platform:x]\ncadence = 1/day\n",
			       "main", ICS(""));
	assert_string_equal(alert_str(g->cfg, "x", gap, buf, 128), "|log");
	struct fx *h = fx_load("[daemon]\ntimezone = UTC\nwebhook = none\n"
			       "[platform:x]\nwebhook = hook\n"
			       "[webhook:hook]\nurl = https://example.com/h\n"
			       "events = cadence.behind\n",
			       "main", ICS(""));
	assert_string_equal(alert_str(h->cfg, "x", gap, buf, 128), "");
	assert_string_equal(
		alert_str(h->cfg, "x", SM_EVENT_CADENCE_BEHIND, buf, 128),
		"hook");
	assert_string_equal(alert_str(h->cfg, NULL, gap, buf, 128), "|log");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_post_level, teardown),
		cmocka_unit_test_teardown(test_post_none, teardown),
		cmocka_unit_test_teardown(test_post_unknown, teardown),
		cmocka_unit_test_teardown(test_platform_level, teardown),
		cmocka_unit_test_teardown(test_platforms_multiple, teardown),
		cmocka_unit_test_teardown(test_platform_none, teardown),
		cmocka_unit_test_teardown(test_calendar_level, teardown),
		cmocka_unit_test_teardown(test_calendar_none, teardown),
		cmocka_unit_test_teardown(test_global_level, teardown),
		cmocka_unit_test_teardown(test_global_none_and_unset, teardown),
		cmocka_unit_test_teardown(test_events_filter, teardown),
		cmocka_unit_test_teardown(test_unknown_in_config, teardown),
		cmocka_unit_test_teardown(test_post_refused, teardown),
		cmocka_unit_test_teardown(test_post_allowlist, teardown),
		cmocka_unit_test_teardown(test_alert_route, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sm_calendar_zones_cleanup();
	return rc;
}
