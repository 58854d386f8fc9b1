/*
 * Unit tests for lib/payload: the body, content type and headers of each
 * webhook format (SPEC section 5), template escaping, Discord's length
 * limit, header injection, dates in a webhook's locale and zone, and the
 * attempt number added at send time.
 *
 * Bodies that are JSON are parsed back with jansson, so the tests check
 * what a receiver reads rather than the bytes' layout.  Events come from
 * the real pipeline (config file, calendar text, occur, sched).
 */
#include "support.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "alert.h"
#include "calendar.h"
#include "config.h"
#include "i18n.h"
#include "occur.h"
#include "payload.h"
#include "sched.h"

/* 2026-12-03T08:00:00Z: every test post publishes then. */
#define PUBLISH ((sm_time)1796284800)
#define FIRED_MS ((sm_time_ms)PUBLISH * 1000 + 3)

#define ICS(...)                                                               \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" __VA_ARGS__ \
	"END:VCALENDAR\r\n"
#define VEV(uid, extra)                                                        \
	"BEGIN:VEVENT\r\nUID:" uid "\r\nDTSTAMP:20261101T000000Z\r\n"          \
	"DTSTART:20261203T080000Z\r\n" extra "END:VEVENT\r\n"

static const char conf_text[] =
	"[daemon]\n"
	"timezone = UTC\n"
	"[reminders]\n"
	"lead = 1h\n"
	"overdue = 2h\n"
	"[platform:instagram]\n"
	"[platform:facebook]\n"
	"[type:informative]\n"
	"[webhook:json]\n"
	"url = https://example.com/json\n"
	"format = json\n"
	"[webhook:slack]\n"
	"url = https://example.com/slack\n"
	"format = slack\n"
	"[webhook:discord]\n"
	"url = https://example.com/discord\n"
	"format = discord\n"
	"[webhook:ntfy]\n"
	"url = https://example.com/topic\n"
	"format = ntfy\n"
	"headers = X-Team: social, Authorization: Bearer abc\n"
	"[webhook:fr]\n"
	"url = https://example.com/fr\n"
	"format = slack\n"
	"locale = fr_FR.UTF-8\n"
	"date_format = %A %e %B à %H:%M\n"
	"timezone = Europe/Paris\n"
	"[webhook:frdiscord]\n"
	"url = https://example.com/frdiscord\n"
	"format = discord\n"
	"locale = fr_FR.UTF-8\n"
	"date_format = %d/%m %H:%M\n"
	"timezone = Europe/Paris\n"
	"[webhook:frntfy]\n"
	"url = https://example.com/frntfy\n"
	"format = ntfy\n"
	"locale = fr_CA.UTF-8\n"
	"date_format = %d/%m %H:%M\n"
	"[webhook:en]\n"
	"url = https://example.com/en\n"
	"format = slack\n"
	"locale = C.UTF-8\n"
	"date_format = %A %e %B %H:%M\n"
	"[webhook:de]\n"
	"url = https://example.com/de\n"
	"format = discord\n"
	"locale = de_DE.UTF-8\n"
	"[webhook:paris]\n"
	"url = https://example.com/paris\n"
	"format = slack\n"
	"timezone = Europe/Paris\n"
	"[webhook:badloc]\n"
	"url = https://example.com/badloc\n"
	"format = slack\n"
	"locale = xx_XX.UTF-8\n"
	"date_format = %A %e %B %Y\n"
	"[webhook:tjson]\n"
	"url = https://example.com/tjson\n"
	"format = template\n"
	"template = {\"text\": \"{{title}}\", \"body\": \"{{body}}\", "
	"\"when\": \"{{publish_at}}\", \"on\": \"{{platforms}}\", "
	"\"kind\": \"{{type}}\", \"link\": \"{{url}}\", "
	"\"event\": \"{{event}}\", \"keep\": \"{{nope}}\"}\n"
	"[webhook:tall]\n"
	"url = https://example.com/tall\n"
	"format = template\n"
	"timezone = Europe/Paris\n"
	"date_format = %d/%m %H:%M\n"
	"template = {\"event\": \"{{event}}\", \"id\": \"{{id}}\", "
	"\"uid\": \"{{uid}}\", \"rid\": \"{{recurrence_id}}\", "
	"\"calendar\": \"{{calendar}}\", \"status\": \"{{status}}\", "
	"\"persona\": \"{{persona}}\", \"campaign\": \"{{campaign}}\", "
	"\"publish_at\": \"{{publish_at}}\", "
	"\"publish_at_iso\": \"{{publish_at_iso}}\", "
	"\"scheduled_at\": \"{{scheduled_at}}\", "
	"\"scheduled_at_iso\": \"{{ scheduled_at_iso }}\"}\n"
	"[webhook:tform]\n"
	"url = https://example.com/tform\n"
	"format = template\n"
	"content_type = application/x-www-form-urlencoded\n"
	"template = title={{title}}&url={{ url }}&on={{platforms}}\n"
	"[webhook:ttext]\n"
	"url = https://example.com/ttext\n"
	"format = template\n"
	"content_type = text/plain\n"
	"headers = X-Source: smcal\n"
	"template = {{event}}: {{title}} {{unknown}} {{title\n"
	"[webhook:thtml]\n"
	"url = https://example.com/thtml\n"
	"format = template\n"
	"content_type = \"text/html; charset=utf-8\"\n"
	"template = <p title=\"{{title}}\">{{title}}</p>"
	"<a href=\"{{url}}\">{{platforms}}</a>\n"
	"[webhook:txml]\n"
	"url = https://example.com/txml\n"
	"format = template\n"
	"content_type = application/atom+xml\n"
	"template = <entry><title>{{title}}</title>"
	"<link href='{{url}}'/></entry>\n"
	"[webhook:tldjson]\n"
	"url = https://example.com/tldjson\n"
	"format = template\n"
	"content_type = application/ld+json\n"
	"template = {\"name\": \"{{title}}\", \"url\": \"{{url}}\"}\n"
	"[webhook:tcsv]\n"
	"url = https://example.com/tcsv\n"
	"format = template\n"
	"content_type = text/csv\n"
	"escape = none\n"
	"template = {{title}},{{url}}\n"
	"[webhook:tforce]\n"
	"url = https://example.com/tforce\n"
	"format = template\n"
	"content_type = application/vnd.acme.v1\n"
	"escape = html\n"
	"template = <b>{{title}}</b>\n";

/* Calendar text written to abuse each format's markup (issue 13). */
#define HOSTILE_VEVENTS                                                        \
	VEV("hostile", "SUMMARY:<!channel> <!everyone> <@U0123ABC> "           \
		       "<http://evil.example/x|click me> a&b\r\n"              \
		       "X-SMCAL-PLATFORM:<!here>\r\n"                          \
		       "URL:https://example.com/?a=1&b=<2>\r\n")               \
	VEV("markdown", "SUMMARY:[click me](https://evil.example/x) "          \
			"**bold** ||spoiler|| <@123> `code` _u_ ~~s~~ "        \
			"\\\\ a\\n# big\\n> quote\\n  -# small\r\n"            \
			"URL:https://example.com/a_(b)?x=<y> z\r\n")           \
	VEV("mdurl", "SUMMARY:ok\r\n"                                          \
		     "URL:- [x](javascript:alert(1))\r\n")                     \
	VEV("ntfyhostile", "SUMMARY:Café =?utf-8?q?=0AX-Evil:_1?=\r\n"        \
			   "X-SMCAL-PLATFORM:instagram\r\n"                    \
			   "X-SMCAL-TYPE:promo\\,x\r\n"                        \
			   "URL:javascript:alert(1)\r\n")                      \
	VEV("ntfyclick", "SUMMARY:Plain\r\n"                                   \
			 "URL:https://example.com/café?q==?x?=\r\n")

static const char ics_text[] = ICS(
	VEV("launch", "SUMMARY:Launch\r\n"
		      "X-SMCAL-PLATFORM:instagram,facebook\r\n"
		      "X-SMCAL-TYPE:informative\r\n"
		      "X-SMCAL-PERSONA:founders\r\n"
		      "X-SMCAL-CAMPAIGN:winter\r\n"
		      "URL:https://example.com/launch\r\n") VEV("bare", "")
		VEV("evil", "SUMMARY:Evil\\nX-Injected: yes\r\n"
			    "X-SMCAL-PLATFORM:instagram\r\n")
			VEV("quotes", "SUMMARY:Say \"hi\" \\\\ now\r\n"
				      "DESCRIPTION:line1\\nline2\r\n"
				      "X-SMCAL-PLATFORM:instagram\r\n")
				VEV("cafe",
				    "SUMMARY:Café & crème 100%\r\n"
				    "URL:https://example.com/a?b=c\r\n"
				    "X-SMCAL-PLATFORM:instagram,facebook\r\n")
					HOSTILE_VEVENTS);

/*
 * The loaded config, calendar and events.  Static, and freed by the
 * teardown, so a test that fails half-way leaks nothing.
 */
#define MAX_EVENTS 64
static struct {
	struct sm_config *cfg;
	struct sm_diag_list diags;
	struct sm_calendar cal;
	int cal_init;
	struct sm_series_set set;
	struct sm_occur_opts opts;
	struct sm_sched *sched;
	struct sm_sched_event ev[MAX_EVENTS];
	int nev;
	struct sm_payload pl;
	json_t *json;
	char *text;
} fx;

/* Loads the config and a calendar (ics NULL: the shared one). */
static void
load(const char *ics)
{
	if (config_load_text(conf_text, &fx.cfg, &fx.diags) != 0) {
		sm_diag_print(&fx.diags, stderr);
		fail_msg("the test config does not load");
	}
	sm_calendar_init(&fx.cal, "main");
	fx.cal_init = 1;
	if (!ics)
		ics = ics_text;
	assert_int_equal(sm_calendar_load_buffer(&fx.cal, ics, strlen(ics),
						 "test.ics", &fx.diags),
			 0);
	if (fx.diags.nerrors) {
		sm_diag_print(&fx.diags, stderr);
		fail_msg("the test calendar has errors");
	}
	fx.opts.zone = sm_calendar_system_zone("UTC");
	assert_non_null(fx.opts.zone);
	sm_occur_index(&fx.set, &fx.cal, &fx.opts, &fx.diags);
	fx.sched = sm_sched_new(fx.cfg);
	sm_sched_load(fx.sched, &fx.set, &fx.opts, 0);
	/* 2100-01-01: every event of the test calendars. */
	while (fx.nev < MAX_EVENTS &&
	       sm_sched_pop(fx.sched, 4102444800, &fx.ev[fx.nev]))
		fx.nev++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sm_payload_free(&fx.pl);
	json_decref(fx.json);
	free(fx.text);
	sm_sched_free(fx.sched);
	sm_occur_set_free(&fx.set);
	if (fx.cal_init)
		sm_calendar_fini(&fx.cal);
	sm_config_free(fx.cfg);
	sm_diag_clear(&fx.diags);
	memset(&fx, 0, sizeof(fx));
	return 0;
}

static const struct sm_webhook *
hook(const char *name)
{
	const struct sm_webhook *wh = sm_config_webhook(fx.cfg, name);
	assert_non_null(wh);
	return wh;
}

static const struct sm_sched_event *
event_of(const char *uid, enum sm_event_type type)
{
	for (int i = 0; i < fx.nev; i++)
		if (fx.ev[i].type == type &&
		    strcmp(fx.ev[i].occ.post->uid, uid) == 0)
			return &fx.ev[i];
	fail_msg("no %s event for %s", sm_event_type_name(type), uid);
	return NULL;
}

/* Builds the payload of an event for a webhook, expecting rc; the
 * previous payload and its parsed JSON are released first. */
static const struct sm_payload *
build(const char *webhook, const char *uid, enum sm_event_type type, int rc)
{
	sm_payload_free(&fx.pl);
	json_decref(fx.json);
	fx.json = NULL;
	assert_int_equal(sm_payload_build(fx.cfg, hook(webhook),
					  event_of(uid, type), FIRED_MS, 0,
					  &fx.pl),
			 rc);
	assert_non_null(fx.pl.body);
	assert_int_equal(strlen(fx.pl.body), fx.pl.len);
	return &fx.pl;
}

/* The payload's body parsed as JSON; fails the test when it is not. */
static json_t *
body_json(void)
{
	json_error_t err;
	json_decref(fx.json);
	fx.json = json_loadb(fx.pl.body, fx.pl.len, 0, &err);
	if (!fx.json)
		fail_msg("body is not JSON (%s): %s", err.text, fx.pl.body);
	return fx.json;
}

static const char *
str_at(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static size_t
code_points(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void
test_json(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_sched_event *ev = event_of("launch", SM_EV_DUE);
	const struct sm_payload *p = build("json", "launch", SM_EV_DUE, 0);
	assert_int_equal(p->json_event, 1);
	assert_string_equal(p->content_type, "application/json");
	assert_int_equal(p->nheaders, 0);
	json_t *o = body_json();
	assert_string_equal(str_at(o, "type"), "post.due");
	assert_string_equal(str_at(o, "id"), ev->id);
	assert_string_equal(str_at(o, "scheduled_at"),
			    "2026-12-03T08:00:00.000Z");
	assert_string_equal(str_at(o, "fired_at"), "2026-12-03T08:00:00.003Z");
	json_t *post = json_object_get(o, "post");
	assert_string_equal(str_at(post, "uid"), "launch");
	assert_string_equal(str_at(post, "title"), "Launch");
	assert_string_equal(str_at(post, "publish_at"), "2026-12-03T08:00:00Z");
	assert_string_equal(str_at(post, "url"), "https://example.com/launch");
	json_t *plat = json_object_get(post, "platforms");
	assert_int_equal(json_array_size(plat), 2);
	assert_string_equal(json_string_value(json_array_get(plat, 1)),
			    "facebook");
	/* The attempt is added at send time, not here. */
	assert_null(json_object_get(o, "attempt"));
}

static void
test_slack(void **state)
{
	(void)state;
	load(NULL);
	build("slack", "launch", SM_EV_DUE, 0);
	assert_string_equal(fx.pl.content_type, "application/json");
	assert_int_equal(fx.pl.json_event, 0);
	assert_int_equal(json_object_size(body_json()), 1);
	assert_string_equal(str_at(fx.json, "text"),
			    "Due now: “Launch” on instagram, facebook "
			    "(2026-12-03 08:00 UTC).\n"
			    "https://example.com/launch");
	build("slack", "launch", SM_EV_REMINDER, 0);
	assert_string_equal(
		str_at(body_json(), "text"),
		"Reminder: “Launch” goes out on instagram, facebook "
		"at 2026-12-03 08:00 UTC.\n"
		"https://example.com/launch");
	build("slack", "launch", SM_EV_OVERDUE, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Overdue: “Launch” on instagram, facebook was due "
			    "at 2026-12-03 08:00 UTC and is not marked done.\n"
			    "https://example.com/launch");
	/* No title, no platform, no URL. */
	build("slack", "bare", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Due now: “(untitled)” (2026-12-03 08:00 UTC).");
	build("slack", "bare", SM_EV_REMINDER, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Reminder: “(untitled)” goes out at 2026-12-03 "
			    "08:00 UTC.");
	/* Quotes and backslashes survive the JSON round trip. */
	build("slack", "quotes", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Due now: “Say \"hi\" \\ now” on instagram "
			    "(2026-12-03 08:00 UTC).");
}

static void
test_discord(void **state)
{
	(void)state;
	load(NULL);
	build("discord", "launch", SM_EV_DUE, 0);
	assert_string_equal(fx.pl.content_type, "application/json");
	json_t *o = body_json();
	assert_string_equal(str_at(o, "content"),
			    "Due now: “Launch” on instagram, facebook "
			    "(2026-12-03 08:00 UTC).\n"
			    "<https://example.com/launch>");
	json_t *am = json_object_get(o, "allowed_mentions");
	assert_true(json_is_object(am));
	json_t *parse = json_object_get(am, "parse");
	assert_true(json_is_array(parse));
	assert_int_equal(json_array_size(parse), 0);
}

static void
assert_no_crlf(const struct sm_payload *p)
{
	for (int i = 0; i < p->nheaders; i++)
		if (strpbrk(p->headers[i], "\r\n"))
			fail_msg("header %d has a line break: %s", i,
				 p->headers[i]);
}

/*
 * Issue 13, item 3: calendar text must not carry Slack's control sequences
 * (<!channel>, <@U…>, <url|text>): &, < and > are escaped as Slack asks, in
 * the title, the platforms and the URL, while our own text stays as is.
 */
static void
test_slack_escape(void **state)
{
	(void)state;
	load(NULL);
	build("slack", "hostile", SM_EV_DUE, 0);
	const char *text = str_at(body_json(), "text");
	assert_string_equal(text,
			    "Due now: “&lt;!channel&gt; &lt;!everyone&gt; "
			    "&lt;@U0123ABC&gt; &lt;http://evil.example/"
			    "x|click me&gt; a&amp;b” on &lt;!here&gt; "
			    "(2026-12-03 08:00 UTC).\n"
			    "https://example.com/?a=1&amp;b=&lt;2&gt;");
	/* Whatever the wording, no control sequence can remain. */
	assert_null(strchr(text, '<'));
	assert_null(strchr(text, '>'));
	build("slack", "hostile", SM_EV_REMINDER, 0);
	assert_null(strchr(str_at(body_json(), "text"), '<'));
	/* Plain titles are untouched. */
	build("slack", "cafe", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Due now: “Café &amp; crème 100%” on instagram, "
			    "facebook (2026-12-03 08:00 UTC).\n"
			    "https://example.com/a?b=c");
}

/*
 * Item 3, Discord: masked links, spoilers, mention and timestamp syntax
 * and the other markdown that can disguise or hide text are escaped with
 * backslashes; line-start markdown (headings, quotes, lists, subtext)
 * after a line break too.  An http(s) URL is sent as <URL> (shown as
 * written, never as other text); any other URL is escaped text.
 */
static void
test_discord_escape(void **state)
{
	(void)state;
	load(NULL);
	build("discord", "markdown", SM_EV_DUE, 0);
	assert_string_equal(
		str_at(body_json(), "content"),
		"Due now: “\\[click me\\]\\(https://evil.example/x\\) "
		"\\*\\*bold\\*\\* \\|\\|spoiler\\|\\| \\<@123\\> "
		"\\`code\\` \\_u\\_ \\~\\~s\\~\\~ \\\\ a\n"
		"\\# big\n"
		"\\> quote\n"
		"  \\-# small” (2026-12-03 08:00 UTC).\n"
		"<https://example.com/a_(b)?x=%3Cy%3E%20z>");
	build("discord", "mdurl", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "content"),
			    "Due now: “ok” (2026-12-03 08:00 UTC).\n"
			    "\\- \\[x\\]\\(javascript:alert\\(1\\)\\)");
	/* Slack's syntax means nothing to Discord but its brackets do. */
	build("discord", "hostile", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "content"),
			    "Due now: “\\<!channel\\> \\<!everyone\\> "
			    "\\<@U0123ABC\\> \\<http://evil.example/"
			    "x\\|click me\\> a&b” on \\<!here\\> "
			    "(2026-12-03 08:00 UTC).\n"
			    "<https://example.com/?a=1&b=%3C2%3E>");
	/* Unchanged for ordinary text. */
	build("discord", "launch", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "content"),
			    "Due now: “Launch” on instagram, facebook "
			    "(2026-12-03 08:00 UTC).\n"
			    "<https://example.com/launch>");
}

/*
 * Decodes a header value made of RFC 2047 "=?UTF-8?B?...?=" words
 * separated by single blanks (how ntfy reads non-ASCII header values);
 * fails the test on anything else, on a word longer than 75 characters
 * and on a byte that is not printable ASCII.
 */
static void
rfc2047_decode(const char *v, char *out, size_t cap)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	size_t o = 0;
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			fail_msg("header value has byte 0x%02x: %s",
				 (unsigned char)*c, v);
	while (*v) {
		if (strncmp(v, "=?UTF-8?B?", 10) != 0)
			fail_msg("not an encoded word: %s", v);
		const char *end = strstr(v + 10, "?=");
		assert_non_null(end);
		if (end + 2 - v > 75)
			fail_msg("encoded word of %d characters",
				 (int)(end + 2 - v));
		unsigned acc = 0;
		int bits = 0;
		for (const char *c = v + 10; c < end && *c != '='; c++) {
			const char *pos = strchr(b64, *c);
			assert_non_null(pos);
			acc = (acc << 6) | (unsigned)(pos - b64);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				assert_true(o + 1 < cap);
				out[o++] = (char)((acc >> bits) & 0xff);
			}
		}
		v = end + 2;
		if (*v == ' ')
			v++;
	}
	out[o] = '\0';
}

/* The value of a payload header, or NULL. */
static const char *
header_value(const struct sm_payload *p, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < p->nheaders; i++)
		if (strncmp(p->headers[i], name, n) == 0 &&
		    strncmp(p->headers[i] + n, ": ", 2) == 0)
			return p->headers[i] + n + 2;
	return NULL;
}

/*
 * Item 3, ntfy: ntfy decodes RFC 2047 words in every header, so calendar
 * text holding "=?utf-8?q?=0A...?=" would be decoded into a line break or
 * anything else.  A value with non-ASCII characters or "=?" is sent as
 * UTF-8 B words, which ntfy decodes back to exactly the text; commas
 * cannot split a tag; Click takes only http(s) URLs.
 */
static void
test_ntfy_encoding(void **state)
{
	(void)state;
	load(NULL);
	char buf[512];
	const struct sm_payload *p = build("ntfy", "ntfyhostile", SM_EV_DUE, 0);
	assert_no_crlf(p);
	const char *title = header_value(p, "Title");
	assert_non_null(title);
	assert_true(strncmp(title, "=?UTF-8?B?", 10) == 0);
	rfc2047_decode(title, buf, sizeof(buf));
	assert_string_equal(buf, "Café =?utf-8?q?=0AX-Evil:_1?=");
	/* "promo,x" is one type: the comma cannot make a second tag. */
	assert_string_equal(header_value(p, "Tags"), "instagram,promo x");
	/* javascript: is not a link to open. */
	assert_null(header_value(p, "Click"));
	assert_string_equal(header_value(p, "Priority"), "4");

	p = build("ntfy", "ntfyclick", SM_EV_DUE, 0);
	assert_string_equal(header_value(p, "Title"), "Plain");
	const char *click = header_value(p, "Click");
	assert_non_null(click);
	rfc2047_decode(click, buf, sizeof(buf));
	assert_string_equal(buf, "https://example.com/café?q==?x?=");
}

/*
 * A calendar of one post, "long", whose title is n times "日" (three
 * bytes each), folded every 20 characters as RFC 5545 asks.
 */
static const char *
long_title_ics(int n)
{
	static const char head[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
				   "PRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
				   "UID:long\r\nDTSTAMP:20261101T000000Z\r\n"
				   "DTSTART:20261203T080000Z\r\nSUMMARY:";
	static const char tail[] = "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	size_t cap = sizeof(head) + (size_t)n * 6 + sizeof(tail);
	free(fx.text);
	fx.text = malloc(cap);
	assert_non_null(fx.text);
	char *o = fx.text;
	o += sprintf(o, "%s", head);
	for (int i = 0; i < n; i++) {
		if (i > 0 && i % 20 == 0)
			o += sprintf(o, "\r\n ");
		o += sprintf(o, "日");
	}
	sprintf(o, "%s", tail);
	return fx.text;
}

/* "Due now: “" + n times "日" + rest. */
static char *
due_text(int n, const char *rest)
{
	size_t cap = 64 + (size_t)n * 3 + strlen(rest);
	char *s = malloc(cap), *o = s;
	assert_non_null(s);
	o += sprintf(o, "Due now: “");
	for (int i = 0; i < n; i++)
		o += sprintf(o, "日");
	sprintf(o, "%s", rest);
	return s;
}

static void
test_discord_at_limit(void **state)
{
	(void)state;
	/* 10 + 1965 + 25 = exactly 2000 characters: sent whole. */
	load(long_title_ics(1965));
	build("discord", "long", SM_EV_DUE, 0);
	const char *content = str_at(body_json(), "content");
	char *want = due_text(1965, "” (2026-12-03 08:00 UTC).");
	assert_int_equal(code_points(want), 2000);
	assert_string_equal(content, want);
	free(want);
}

static void
test_discord_truncated(void **state)
{
	(void)state;
	/* 2001 characters: the first 1999 kept, then "…". */
	load(long_title_ics(1966));
	build("discord", "long", SM_EV_DUE, 0);
	const char *content = str_at(body_json(), "content");
	assert_int_equal(code_points(content), 2000);
	char *want = due_text(1966, "” (2026-12-03 08:00 UTC…");
	assert_string_equal(content, want);
	free(want);
}

static void
test_discord_cut_in_title(void **state)
{
	(void)state;
	/* 3035 characters, cut inside the three-byte characters. */
	load(long_title_ics(3000));
	build("discord", "long", SM_EV_DUE, 0);
	/* jansson refuses invalid UTF-8, so a cut inside a character
	 * would already have failed here. */
	const char *content = str_at(body_json(), "content");
	assert_int_equal(code_points(content), 2000);
	char *want = due_text(1989, "…");
	assert_string_equal(content, want);
	free(want);
	json_t *parse = json_object_get(
		json_object_get(fx.json, "allowed_mentions"), "parse");
	assert_true(json_is_array(parse));
	assert_int_equal(json_array_size(parse), 0);
}

/* A long non-ASCII title: several RFC 2047 words, each at most 75
 * characters, cut between characters. */
static void
test_ntfy_encoding_long(void **state)
{
	(void)state;
	char buf[1024];
	load(long_title_ics(300));
	const struct sm_payload *p = build("ntfy", "long", SM_EV_DUE, 0);
	rfc2047_decode(header_value(p, "Title"), buf, sizeof(buf));
	assert_int_equal(strlen(buf), 300 * 3);
	for (int i = 0; i < 300; i++)
		assert_memory_equal(buf + 3 * i, "日", 3);
}

static void
test_ntfy(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_payload *p = build("ntfy", "launch", SM_EV_DUE, 0);
	assert_string_equal(p->content_type, "text/plain; charset=utf-8");
	assert_int_equal(p->json_event, 0);
	assert_string_equal(p->body, "Due now: “Launch” on instagram, facebook "
				     "(2026-12-03 08:00 UTC).\n"
				     "https://example.com/launch");
	assert_int_equal(p->nheaders, 6);
	assert_string_equal(p->headers[0], "Title: Launch");
	assert_string_equal(p->headers[1], "Priority: 4");
	assert_string_equal(p->headers[2], "Tags: instagram,facebook,"
					   "informative");
	assert_string_equal(p->headers[3], "Click: https://example.com/launch");
	/* The webhook's own headers follow the format's. */
	assert_string_equal(p->headers[4], "X-Team: social");
	assert_string_equal(p->headers[5], "Authorization: Bearer abc");

	p = build("ntfy", "launch", SM_EV_REMINDER, 0);
	assert_string_equal(p->headers[1], "Priority: 3");
	p = build("ntfy", "launch", SM_EV_OVERDUE, 0);
	assert_string_equal(p->headers[1], "Priority: 5");

	/* No title, platform, type or URL: no Tags, no Click. */
	p = build("ntfy", "bare", SM_EV_DUE, 0);
	assert_int_equal(p->nheaders, 4);
	assert_string_equal(p->headers[0], "Title: (untitled)");
	assert_string_equal(p->headers[1], "Priority: 4");
	assert_string_equal(p->headers[2], "X-Team: social");
}

static void
test_ntfy_header_injection(void **state)
{
	(void)state;
	load(NULL);
	/* The title holds a line break and what would be a header. */
	const struct sm_payload *p = build("ntfy", "evil", SM_EV_DUE, 0);
	assert_no_crlf(p);
	assert_string_equal(p->headers[0], "Title: Evil X-Injected: yes");
	for (int i = 0; i < p->nheaders; i++)
		assert_true(strncmp(p->headers[i], "X-Injected", 10) != 0);
	/* The body is not a header: the line break stays there. */
	assert_string_equal(p->body, "Due now: “Evil\nX-Injected: yes” on "
				     "instagram (2026-12-03 08:00 UTC).");
}

static void
test_header_clean(void **state)
{
	(void)state;
	char out[64];
	sm_payload_header_clean("a\r\nb", out, sizeof(out));
	assert_string_equal(out, "a b");
	sm_payload_header_clean("\r\nX-Evil: 1\r\n", out, sizeof(out));
	assert_string_equal(out, "X-Evil: 1");
	sm_payload_header_clean("a\rb\nc\x01\x7f"
				"d\te",
				out, sizeof(out));
	assert_string_equal(out, "a b c d\te");
	sm_payload_header_clean(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	/* Cut to fit, never inside a UTF-8 character: "é" is two bytes. */
	sm_payload_header_clean("ééé", out, 4);
	assert_string_equal(out, "é");
	sm_payload_header_clean("ééé", out, 5);
	assert_string_equal(out, "éé");
	sm_payload_header_clean("abc", out, 1);
	assert_string_equal(out, "");
}

static void
test_template_json(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_payload *p = build("tjson", "quotes", SM_EV_DUE, 0);
	/* content_type unset: JSON, so values are escaped as JSON. */
	assert_string_equal(p->content_type, "application/json");
	assert_int_equal(p->json_event, 0);
	json_t *o = body_json();
	assert_string_equal(str_at(o, "text"), "Say \"hi\" \\ now");
	assert_string_equal(str_at(o, "body"), "line1\nline2");
	assert_string_equal(str_at(o, "when"), "2026-12-03 08:00 UTC");
	assert_string_equal(str_at(o, "on"), "instagram");
	assert_string_equal(str_at(o, "kind"), "");
	assert_string_equal(str_at(o, "link"), "");
	assert_string_equal(str_at(o, "event"), "post.due");
	/* Unknown placeholders are left as written. */
	assert_string_equal(str_at(o, "keep"), "{{nope}}");

	build("tjson", "launch", SM_EV_REMINDER, 0);
	o = body_json();
	assert_string_equal(str_at(o, "on"), "instagram, facebook");
	assert_string_equal(str_at(o, "kind"), "informative");
	assert_string_equal(str_at(o, "link"), "https://example.com/launch");
	assert_string_equal(str_at(o, "event"), "post.reminder");
}

/*
 * Issue 11: every placeholder, the event type as {{event}} ({{type}} is
 * the post's content type), and each time as people read it and in
 * RFC 3339 with the webhook zone's offset: a reminder 1 h before 09:00 in
 * Paris is scheduled at 08:00+01:00.
 */
static void
test_template_all(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_sched_event *ev = event_of("launch", SM_EV_REMINDER);
	build("tall", "launch", SM_EV_REMINDER, 0);
	json_t *o = body_json();
	assert_string_equal(str_at(o, "event"), "post.reminder");
	assert_string_equal(str_at(o, "id"), ev->id);
	assert_string_equal(str_at(o, "uid"), "launch");
	assert_string_equal(str_at(o, "rid"), "2026-12-03T08:00:00Z");
	assert_string_equal(str_at(o, "calendar"), "main");
	assert_string_equal(str_at(o, "status"), "scheduled");
	assert_string_equal(str_at(o, "persona"), "founders");
	assert_string_equal(str_at(o, "campaign"), "winter");
	assert_string_equal(str_at(o, "publish_at"), "03/12 09:00");
	assert_string_equal(str_at(o, "publish_at_iso"),
			    "2026-12-03T09:00:00+01:00");
	assert_string_equal(str_at(o, "scheduled_at"), "03/12 08:00");
	assert_string_equal(str_at(o, "scheduled_at_iso"),
			    "2026-12-03T08:00:00+01:00");
	/* The overdue event is scheduled 2 h after the publish time. */
	build("tall", "launch", SM_EV_OVERDUE, 0);
	o = body_json();
	assert_string_equal(str_at(o, "event"), "post.overdue");
	assert_string_equal(str_at(o, "scheduled_at_iso"),
			    "2026-12-03T11:00:00+01:00");
	assert_string_equal(str_at(o, "publish_at_iso"),
			    "2026-12-03T09:00:00+01:00");
	/* In UTC the offset is Z, as in the json format. */
	struct sm_webhook wh = *hook("tjson");
	wh.template_text = (char[]){"{{publish_at_iso}} {{scheduled_at_iso}}"};
	wh.content_type = (char[]){"text/plain"};
	wh.headers.n = 0;
	sm_payload_free(&fx.pl);
	assert_int_equal(sm_payload_build(fx.cfg, &wh,
					  event_of("launch", SM_EV_DUE),
					  FIRED_MS, 0, &fx.pl),
			 0);
	assert_string_equal(fx.pl.body,
			    "2026-12-03T08:00:00Z 2026-12-03T08:00:00Z");
}

static void
test_template_form(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_payload *p = build("tform", "cafe", SM_EV_DUE, 0);
	assert_string_equal(p->content_type,
			    "application/x-www-form-urlencoded");
	assert_string_equal(p->body,
			    "title=Caf%C3%A9+%26+cr%C3%A8me+100%25"
			    "&url=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc"
			    "&on=instagram%2C+facebook");
}

static void
test_template_text(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_payload *p = build("ttext", "quotes", SM_EV_OVERDUE, 0);
	assert_string_equal(p->content_type, "text/plain");
	/* Raw values; an unknown name and an unclosed one stay as is. */
	assert_string_equal(p->body, "post.overdue: Say \"hi\" \\ now "
				     "{{unknown}} {{title");
	assert_int_equal(p->nheaders, 1);
	assert_string_equal(p->headers[0], "X-Source: smcal");
}

/*
 * Issue 13, item 4: template values are escaped for the content type:
 * HTML and XML entities (any +xml type), JSON for any +json type, raw
 * only where the config says escape = none; escape = NAME forces a rule.
 */
static void
test_template_escape(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_payload *p = build("thtml", "hostile", SM_EV_DUE, 0);
	assert_string_equal(p->content_type, "text/html; charset=utf-8");
	assert_string_equal(p->body,
			    "<p title=\"&lt;!channel&gt; &lt;!everyone&gt; "
			    "&lt;@U0123ABC&gt; &lt;http://evil.example/x|"
			    "click me&gt; a&amp;b\">&lt;!channel&gt; "
			    "&lt;!everyone&gt; &lt;@U0123ABC&gt; "
			    "&lt;http://evil.example/x|click me&gt; "
			    "a&amp;b</p><a href=\"https://example.com/"
			    "?a=1&amp;b=&lt;2&gt;\">&lt;!here&gt;</a>");
	p = build("thtml", "quotes", SM_EV_DUE, 0);
	assert_string_equal(p->body, "<p title=\"Say &quot;hi&quot; \\ now\">"
				     "Say &quot;hi&quot; \\ now</p>"
				     "<a href=\"\">instagram</a>");

	p = build("txml", "markdown", SM_EV_DUE, 0);
	assert_string_equal(p->content_type, "application/atom+xml");
	assert_string_equal(
		p->body, "<entry><title>[click me](https://evil.example/x) "
			 "**bold** ||spoiler|| &lt;@123&gt; `code` _u_ ~~s~~ "
			 "\\ a\n# big\n&gt; quote\n  -# small</title>"
			 "<link href='https://example.com/a_(b)?x=&lt;y&gt; "
			 "z'/></entry>");

	p = build("tldjson", "quotes", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "name"), "Say \"hi\" \\ now");
	p = build("tldjson", "hostile", SM_EV_DUE, 0);
	assert_string_equal(str_at(body_json(), "url"),
			    "https://example.com/?a=1&b=<2>");

	/* escape = none: raw, as the config asked. */
	p = build("tcsv", "cafe", SM_EV_DUE, 0);
	assert_string_equal(p->body,
			    "Café & crème 100%,https://example.com/a?b=c");
	/* escape = html on a type smcal does not know. */
	p = build("tforce", "hostile", SM_EV_DUE, 0);
	assert_string_equal(p->content_type, "application/vnd.acme.v1");
	assert_string_equal(p->body, "<b>&lt;!channel&gt; &lt;!everyone&gt; "
				     "&lt;@U0123ABC&gt; &lt;http://evil."
				     "example/x|click me&gt; a&amp;b</b>");
}

/* A webhook struct filled by hand (escape left at 0, auto) follows its
 * content type too. */
static void
test_template_escape_auto(void **state)
{
	(void)state;
	load(NULL);
	struct sm_webhook wh = *hook("ttext");
	wh.content_type = (char[]){"application/xml"};
	wh.template_text = (char[]){"<t>{{title}}</t>"};
	wh.headers.n = 0;
	assert_int_equal(sm_payload_build(fx.cfg, &wh,
					  event_of("quotes", SM_EV_DUE),
					  FIRED_MS, 0, &fx.pl),
			 0);
	assert_string_equal(fx.pl.body, "<t>Say &quot;hi&quot; \\ now</t>");
}

#define NBSP "\xc2\xa0"

#define LOCALE_SETUP                                                           \
	"the fr_FR.UTF-8 locale is missing; as root run: sed -i "              \
	"'s/^# *fr_FR.UTF-8/fr_FR.UTF-8/' /etc/locale.gen && locale-gen"

static void
require_fr_locale(void)
{
	locale_t l = newlocale(LC_ALL_MASK, "fr_FR.UTF-8", (locale_t)0);
	if (!l)
		fail_msg(LOCALE_SETUP);
	freelocale(l);
}

static void
test_date_french(void **state)
{
	(void)state;
	require_fr_locale();
	load(NULL);
	char buf[128];
	/* 08:00Z is 09:00 in Paris in December; %e pads with a space. */
	assert_int_equal(
		sm_payload_format_date(hook("fr"), PUBLISH, buf, sizeof(buf)),
		0);
	assert_string_equal(buf, "jeudi  3 décembre à 09:00");
	/* newlocale, not setlocale: the process locale is untouched. */
	assert_string_equal(setlocale(LC_ALL, NULL), "C");

	build("fr", "launch", SM_EV_REMINDER, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Rappel" NBSP ": «" NBSP "Launch" NBSP "» est "
			    "prévu sur instagram, facebook le jeudi  3 "
			    "décembre à 09:00.\n"
			    "https://example.com/launch");
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
}

/*
 * Issue 11: the sentences of the human formats are in the webhook's
 * language (po/fr.po, built into $(BUILD)/locale), every event type, with
 * and without platforms, the untitled post included; calendar text is
 * still escaped for the format, and the process locale stays "C".
 */
static void
test_french(void **state)
{
	(void)state;
	require_fr_locale();
	load(NULL);
	const char *when = "jeudi  3 décembre à 09:00";
	char want[512];

	build("fr", "launch", SM_EV_DUE, 0);
	snprintf(want, sizeof(want),
		 "À publier maintenant" NBSP ": «" NBSP "Launch" NBSP
		 "» sur instagram, facebook (%s).\nhttps://example.com/launch",
		 when);
	assert_string_equal(str_at(body_json(), "text"), want);
	build("fr", "launch", SM_EV_OVERDUE, 0);
	snprintf(want, sizeof(want),
		 "En retard" NBSP ": «" NBSP "Launch" NBSP "» sur instagram, "
		 "facebook était prévu le %s et n’est pas marqué comme "
		 "fait.\nhttps://example.com/launch",
		 when);
	assert_string_equal(str_at(body_json(), "text"), want);
	/* No title, no platform. */
	build("fr", "bare", SM_EV_REMINDER, 0);
	snprintf(want, sizeof(want),
		 "Rappel" NBSP ": «" NBSP "(sans titre)" NBSP "» est prévu le "
		 "%s.",
		 when);
	assert_string_equal(str_at(body_json(), "text"), want);
	build("fr", "bare", SM_EV_DUE, 0);
	snprintf(want, sizeof(want),
		 "À publier maintenant" NBSP ": «" NBSP "(sans titre)" NBSP
		 "» (%s).",
		 when);
	assert_string_equal(str_at(body_json(), "text"), want);
	build("fr", "bare", SM_EV_OVERDUE, 0);
	snprintf(want, sizeof(want),
		 "En retard" NBSP ": «" NBSP "(sans titre)" NBSP "» était "
		 "prévu le %s et n’est pas marqué comme fait.",
		 when);
	assert_string_equal(str_at(body_json(), "text"), want);
	/* Slack's escaping holds in French. */
	build("fr", "hostile", SM_EV_DUE, 0);
	const char *text = str_at(body_json(), "text");
	assert_non_null(strstr(text, "«" NBSP "&lt;!channel&gt; "));
	assert_null(strchr(text, '<'));

	/* Discord: the same sentence, markdown escaped, URL as <URL>. */
	build("frdiscord", "launch", SM_EV_REMINDER, 0);
	assert_string_equal(str_at(body_json(), "content"),
			    "Rappel" NBSP ": «" NBSP "Launch" NBSP "» est "
			    "prévu sur instagram, facebook le 03/12 09:00.\n"
			    "<https://example.com/launch>");
	build("frdiscord", "markdown", SM_EV_DUE, 0);
	assert_non_null(strstr(str_at(body_json(), "content"),
			       "À publier maintenant" NBSP ": «" NBSP
			       "\\[click me\\]"));

	/* ntfy: the body and the Title of an untitled post.  fr_CA finds
	 * the fr catalogue; the locale itself is not installed (-1: its
	 * dates fall back to C, which %d/%m does not notice). */
	build("frntfy", "bare", SM_EV_DUE, -1);
	assert_string_equal(fx.pl.body, "À publier maintenant" NBSP ": «" NBSP
					"(sans titre)" NBSP "» (03/12 08:00).");
	assert_string_equal(fx.pl.headers[0], "Title: (sans titre)");
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
}

/* English: no locale, C.UTF-8 (an English locale), and a language
 * without a catalogue all read the English sentences. */
static void
test_english(void **state)
{
	(void)state;
	load(NULL);
	build("en", "launch", SM_EV_REMINDER, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Reminder: “Launch” goes out on instagram, "
			    "facebook at Thursday  3 December 08:00.\n"
			    "https://example.com/launch");
	build("en", "bare", SM_EV_OVERDUE, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Overdue: “(untitled)” was due at Thursday  3 "
			    "December 08:00 and is not marked done.");
	/* de_DE: no German catalogue (and no such locale here: -1, the
	 * daemon warns at load); the text is English. */
	build("de", "bare", SM_EV_DUE, -1);
	assert_string_equal(str_at(body_json(), "content"),
			    "Due now: “\\(untitled\\)” (2026-12-03 08:00 "
			    "UTC).");
	build("ntfy", "bare", SM_EV_DUE, 0);
	assert_string_equal(fx.pl.headers[0], "Title: (untitled)");
}

static void
test_date_unknown_locale(void **state)
{
	(void)state;
	load(NULL);
	char buf[128];
	assert_int_equal(sm_payload_format_date(hook("badloc"), PUBLISH, buf,
						sizeof(buf)),
			 -1);
	assert_string_equal(buf, "Thursday  3 December 2026");
	/* The payload is still built, in the C locale, for the caller to
	 * send and log. */
	build("badloc", "bare", SM_EV_DUE, -1);
	assert_string_equal(str_at(body_json(), "text"),
			    "Due now: “(untitled)” (Thursday  3 December "
			    "2026).");
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
}

static void
test_date_zone(void **state)
{
	(void)state;
	load(NULL);
	char buf[128];
	/* The default format, in the webhook's zone. */
	assert_int_equal(sm_payload_format_date(hook("paris"), PUBLISH, buf,
						sizeof(buf)),
			 0);
	assert_string_equal(buf, "2026-12-03 09:00 Europe/Paris");
	assert_int_equal(sm_payload_format_date(hook("slack"), PUBLISH, buf,
						sizeof(buf)),
			 0);
	assert_string_equal(buf, "2026-12-03 08:00 UTC");

	/* Every struct tm field strftime may read is filled: weekday, day
	 * of the year, UTC offset (summer time in July). */
	struct sm_webhook wh = *hook("paris");
	wh.date_format = (char[]){"%a %j %z %H:%M"};
	assert_int_equal(sm_payload_format_date(&wh, PUBLISH, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "Thu 337 +0100 09:00");
	/* 2026-07-01T08:00:00Z */
	assert_int_equal(
		sm_payload_format_date(&wh, 1782892800, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Wed 182 +0200 10:00");
	/* An unknown zone falls back to UTC. */
	wh.timezone = (char[]){"Nowhere/Atlantis"};
	assert_int_equal(sm_payload_format_date(&wh, PUBLISH, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "Thu 337 +0000 08:00");
}

static char *
attempt(const char *body, int json_event, int n, size_t *len)
{
	free(fx.text);
	fx.text =
		sm_payload_attempt_body(body, strlen(body), json_event, n, len);
	assert_non_null(fx.text);
	assert_int_equal(strlen(fx.text), *len);
	return fx.text;
}

static void
test_attempt_body(void **state)
{
	(void)state;
	size_t len;
	assert_string_equal(attempt("{\"a\":1}", 1, 3, &len),
			    "{\"a\":1,\"attempt\":3}");
	assert_int_equal(len, 19);
	assert_string_equal(attempt("{}", 1, 1, &len), "{\"attempt\":1}");
	assert_string_equal(attempt("{ }\n", 1, 2, &len), "{ \"attempt\":2}\n");
	/* Other formats are sent as built. */
	assert_string_equal(attempt("{\"text\":\"hi\"}", 0, 4, &len),
			    "{\"text\":\"hi\"}");
	assert_int_equal(len, 13);
	assert_string_equal(attempt("plain text", 0, 2, &len), "plain text");

	/* A real event: still JSON, with the attempt as a number. */
	load(NULL);
	build("json", "launch", SM_EV_DUE, 0);
	char *b = attempt(fx.pl.body, fx.pl.json_event, 2, &len);
	json_error_t err;
	json_t *o = json_loadb(b, len, 0, &err);
	if (!o)
		fail_msg("attempt body is not JSON (%s): %s", err.text, b);
	json_t *a = json_object_get(o, "attempt");
	int ok = json_is_integer(a) && json_integer_value(a) == 2 &&
		 json_is_object(json_object_get(o, "post"));
	json_decref(o);
	assert_true(ok);
	assert_int_equal(len, fx.pl.len + strlen(",\"attempt\":2"));
}

/*
 * Daemon-originated events (lib/alert): an alert as sm_alert_cadence
 * makes one, for instagram's week 2026-W49 starting at PUBLISH, told three
 * days before; its platform name carries Slack and Discord markup.
 */
static struct sm_alert alert_fx;

static const struct sm_alert *
make_alert(const char *platform)
{
	struct sm_alert *a = &alert_fx;
	sm_alert_free(a);
	memset(a, 0, sizeof(*a));
	a->type = SM_EVENT_CADENCE_GAP;
	snprintf(a->id, sizeof(a->id), "evt_%032d", 7);
	a->at = PUBLISH - 3 * 86400;
	a->fired_at_ms = (int64_t)a->at * 1000 + 3;
	a->lead_s = 3 * 86400;
	a->platform = platform;
	const char *json = "{\"type\":\"cadence.gap\",\"id\":\"evt_1\","
			   "\"cadence\":{\"platform\":\"instagram\"}}";
	a->json = strdup(json);
	assert_non_null(a->json);
	a->json_len = strlen(json);
	/* The msgids of lib/alert.c, so that the catalogue applies. */
	a->title = "Cadence gap: {platform} {period}";
	a->message = "Cadence gap on {platform} for {period} (starts {date}): "
		     "scheduled {scheduled}, target {target}, missing {gap}.";
	a->date = PUBLISH;
	a->priority = 4;
	sm_alert_set(a, "platform", "%s", platform);
	sm_alert_set(a, "period", "2026-W49");
	sm_alert_set(a, "scheduled", "1");
	sm_alert_set(a, "target", "3");
	sm_alert_set(a, "gap", "2");
	sm_alert_set(a, "status", "short");
	return a;
}

static const struct sm_payload *
build_alert(const char *webhook, const struct sm_alert *a, int rc)
{
	sm_payload_free(&fx.pl);
	json_decref(fx.json);
	fx.json = NULL;
	assert_int_equal(sm_payload_build_alert(hook(webhook), a, &fx.pl), rc);
	assert_non_null(fx.pl.body);
	assert_int_equal(strlen(fx.pl.body), fx.pl.len);
	return &fx.pl;
}

static void
test_alert_formats(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_alert *a = make_alert("instagram");
	/* json: the event object itself, "attempt" added at send time. */
	const struct sm_payload *p = build_alert("json", a, 0);
	assert_string_equal(p->body, a->json);
	assert_int_equal(p->json_event, 1);
	assert_string_equal(p->content_type, "application/json");
	size_t len;
	assert_string_equal(attempt(p->body, p->json_event, 2, &len),
			    "{\"type\":\"cadence.gap\",\"id\":\"evt_1\","
			    "\"cadence\":{\"platform\":\"instagram\"},"
			    "\"attempt\":2}");
	/* slack: the sentence, {date} the period's start. */
	build_alert("slack", a, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Cadence gap on instagram for 2026-W49 (starts "
			    "2026-12-03 08:00 UTC): scheduled 1, target 3, "
			    "missing 2.");
	assert_int_equal(fx.pl.json_event, 0);
	build_alert("discord", a, 0);
	assert_non_null(strstr(str_at(body_json(), "content"),
			       "Cadence gap on instagram for 2026-W49"));
	assert_non_null(json_object_get(fx.json, "allowed_mentions"));
	/* ntfy: the title, priority, platform and type as tags, and the
	 * webhook's own headers after them. */
	p = build_alert("ntfy", a, 0);
	assert_string_equal(header_value(p, "Title"),
			    "Cadence gap: instagram 2026-W49");
	assert_string_equal(header_value(p, "Priority"), "4");
	assert_string_equal(header_value(p, "Tags"), "instagram,cadence.gap");
	assert_string_equal(header_value(p, "X-Team"), "social");
	assert_null(header_value(p, "Click"));
	assert_string_equal(p->body,
			    "Cadence gap on instagram for 2026-W49 (starts "
			    "2026-12-03 08:00 UTC): scheduled 1, target 3, "
			    "missing 2.");
	assert_string_equal(p->content_type, "text/plain; charset=utf-8");
	sm_alert_free(&alert_fx);
}

static void
test_alert_template(void **state)
{
	(void)state;
	load(NULL);
	const struct sm_alert *a = make_alert("instagram");
	/* The post's placeholders are empty, unknown ones kept. */
	build_alert("tjson", a, 0);
	json_t *o = body_json();
	assert_string_equal(str_at(o, "text"),
			    "Cadence gap: instagram 2026-W49");
	assert_string_equal(str_at(o, "body"), "");
	assert_string_equal(str_at(o, "when"), "");
	assert_string_equal(str_at(o, "on"), "instagram");
	assert_string_equal(str_at(o, "kind"), "");
	assert_string_equal(str_at(o, "link"), "");
	assert_string_equal(str_at(o, "event"), "cadence.gap");
	assert_string_equal(str_at(o, "keep"), "{{nope}}");
	/* The event's times; the alert's own status wins over the post's. */
	build_alert("tall", a, 0);
	o = body_json();
	assert_string_equal(str_at(o, "event"), "cadence.gap");
	assert_string_equal(str_at(o, "id"), a->id);
	assert_string_equal(str_at(o, "status"), "short");
	assert_string_equal(str_at(o, "uid"), "");
	assert_string_equal(str_at(o, "scheduled_at"), "30/11 09:00");
	assert_string_equal(str_at(o, "scheduled_at_iso"),
			    "2026-11-30T09:00:00+01:00");
	assert_string_equal(str_at(o, "publish_at_iso"), "");
	sm_alert_free(&alert_fx);
}

static void
test_alert_escape_and_french(void **state)
{
	(void)state;
	load(NULL);
	/* Platform names come from the config, but are text all the same. */
	const struct sm_alert *a = make_alert("<!here>_*x*");
	build_alert("slack", a, 0);
	const char *text = str_at(body_json(), "text");
	assert_non_null(strstr(text, "on &lt;!here&gt;_*x* for"));
	assert_null(strstr(text, "<!here>"));
	build_alert("discord", a, 0);
	assert_non_null(strstr(str_at(body_json(), "content"),
			       "on \\<!here\\>\\_\\*x\\* for"));
	require_fr_locale();
	a = make_alert("instagram");
	build_alert("fr", a, 0);
	assert_string_equal(str_at(body_json(), "text"),
			    "Cadence insuffisante sur instagram pour 2026-W49 "
			    "(début jeudi  3 décembre à 09:00)" NBSP ": 1 "
			    "prévus, objectif 3, il en manque 2.");
	/* fr_CA.UTF-8 is not installed (-1: dates in C), fr translates. */
	const struct sm_payload *p = build_alert("frntfy", a, -1);
	char buf[256];
	rfc2047_decode(header_value(p, "Title"), buf, sizeof(buf));
	assert_string_equal(buf,
			    "Cadence insuffisante" NBSP ": instagram 2026-W49");
	sm_alert_free(&alert_fx);
}

int
main(void)
{
	/* The catalogues of the build tree: $(BUILD)/locale, beside this
	 * binary's directory ($(BUILD)/tests). */
	char exe[4096], dir[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s/../locale", exe);
		sm_i18n_set_path(dir);
	}
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_json),
		T(test_slack),
		T(test_discord),
		T(test_discord_at_limit),
		T(test_discord_truncated),
		T(test_discord_cut_in_title),
		T(test_ntfy),
		T(test_slack_escape),
		T(test_discord_escape),
		T(test_ntfy_encoding),
		T(test_ntfy_encoding_long),
		T(test_template_escape),
		T(test_template_escape_auto),
		T(test_ntfy_header_injection),
		T(test_header_clean),
		T(test_template_json),
		T(test_template_all),
		T(test_template_form),
		T(test_template_text),
		T(test_date_french),
		T(test_french),
		T(test_english),
		T(test_date_unknown_locale),
		T(test_date_zone),
		T(test_attempt_body),
		T(test_alert_formats),
		T(test_alert_template),
		T(test_alert_escape_and_french),
	};
#undef T
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sm_calendar_zones_cleanup();
	sm_i18n_cleanup();
	return rc;
}
