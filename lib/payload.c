/*
 * payload: owns what a webhook receives for an event (SPEC section 5): the
 * body in the webhook's format, its content type and extra headers, the
 * sentence of the human formats in the webhook's language (lib/i18n), and
 * dates written in the webhook's zone, format and locale.  Sending, signing and retrying are
 * other modules' business.
 *
 * Locales are per call (newlocale + strftime_l + freelocale): the daemon
 * serves webhooks in several languages at once, and setlocale would change
 * the whole process under every other thread's feet.
 *
 * Calendar text (title, platforms, type, URL) is written by many people and
 * must never carry more than its text into a message: Slack's &, < and >
 * become entities (no <!channel>, <@U…> or <url|disguise>), Discord's
 * markdown is backslash-escaped and its URL sent as <URL>, ntfy's header
 * values are cleaned of line breaks and sent as RFC 2047 words when ntfy
 * would otherwise decode or mangle them, and template values are escaped
 * for the template's content type.
 */
#include "payload.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alert.h"
#include "calendar.h"
#include "i18n.h"
#include "post.h"
#include "tz.h"

/* Discord rejects longer messages (NOTES.md). */
#define DISCORD_MAX_CHARS 2000
#define MAX_PLATFORMS 32
#define DATE_MAX 256
#define DEFAULT_DATE_FORMAT "%Y-%m-%d %H:%M %Z"
#define DEFAULT_TEMPLATE_TYPE "application/json"

/* A growable text buffer: jsonw's raw append is exactly that. */
static void
put(struct sm_jsonw *w, const char *s)
{
	sm_jsonw_raw(w, s, strlen(s));
}

/* Moves a buffer's text into the payload's body, never leaving it NULL. */
static void
take_body(struct sm_payload *out, struct sm_jsonw *w)
{
	if (!w->buf)
		sm_jsonw_raw(w, "", 0);
	out->body = w->buf;
	out->len = w->len;
	memset(w, 0, sizeof(*w));
}

static void
add_header(struct sm_payload *out, const char *name, size_t name_len,
	   const char *value)
{
	if (out->nheaders >= SM_PAYLOAD_MAX_HEADERS)
		return;
	size_t vlen = strlen(value);
	char *h = malloc(name_len + 2 + vlen + 1);
	if (!h)
		abort();
	memcpy(h, name, name_len);
	memcpy(h + name_len, ": ", 2);
	sm_payload_header_clean(value, h + name_len + 2, vlen + 1);
	out->headers[out->nheaders++] = h;
}

/* How calendar text is written into a human message. */
enum markup {
	MARKUP_PLAIN,	/* ntfy's body: plain text */
	MARKUP_SLACK,	/* Slack's mrkdwn: &, <, > are control characters */
	MARKUP_DISCORD, /* Discord's markdown */
};

/*
 * Appends calendar text escaped for the markup.  line_start says that the
 * text begins a line (Discord's headings, quotes and lists only mean
 * something there).
 */
static void
put_text(struct sm_jsonw *w, const char *s, enum markup m, int line_start)
{
	if (m == MARKUP_PLAIN) {
		put(w, s);
		return;
	}
	int bol = line_start;
	for (const char *p = s; *p; p++) {
		const char *ent = NULL;
		if (m == MARKUP_SLACK) {
			/* Slack's escaping: only these three, as entities. */
			ent = *p == '&'	  ? "&amp;"
			      : *p == '<' ? "&lt;"
			      : *p == '>' ? "&gt;"
					  : NULL;
			if (ent)
				put(w, ent);
			else
				sm_jsonw_raw(w, p, 1);
			continue;
		}
		/* Discord: masked links [text](url), spoilers ||, code `,
		 * emphasis * _ ~, mention and timestamp syntax <...>, and the
		 * escape itself anywhere; headings, subtext, lists and quotes
		 * (# - + >) where only blanks precede them on a line.  A
		 * backslash before punctuation shows the character as is. */
		int esc = strchr("\\*_~`|[]()<>", *p) != NULL ||
			  (bol && strchr("#-+", *p) != NULL);
		if (esc)
			sm_jsonw_raw(w, "\\", 1);
		sm_jsonw_raw(w, p, 1);
		if (*p == '\n')
			bol = 1;
		else if (*p != ' ' && *p != '\t')
			bol = 0;
	}
}

/* 1 when url starts with http:// or https:// (any case). */
static int
is_http_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	       strncasecmp(url, "https://", 8) == 0;
}

/*
 * Appends the post's URL on a line of its own.  On Discord an http(s) URL
 * is sent as <URL>, which Discord shows as the URL itself (never as other
 * text, no markdown inside); the bytes that would end it or are not valid
 * in a URL (blanks, controls, < and >) are percent-encoded.  Anything else
 * is text.
 */
static void
put_url(struct sm_jsonw *w, const char *url, enum markup m)
{
	static const char hex[] = "0123456789ABCDEF";
	if (m != MARKUP_DISCORD || !is_http_url(url)) {
		put_text(w, url, m, 1);
		return;
	}
	put(w, "<");
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>') {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			sm_jsonw_raw(w, enc, 3);
		} else {
			sm_jsonw_raw(w, (const char *)p, 1);
		}
	}
	put(w, ">");
}

/* The post's platforms joined by sep, in the order sm_post_platforms
 * gives them. */
static void
join_platforms(const struct sm_config *cfg, const struct sm_post *p,
	       const char *sep, struct sm_jsonw *w)
{
	const char *names[MAX_PLATFORMS];
	int n = sm_post_platforms(cfg, p, names, MAX_PLATFORMS);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			put(w, sep);
		put(w, names[i]);
	}
}

/*
 * The sentences of the slack, discord and ntfy formats, in English with
 * named placeholders; po/LANG.po hold their translations (lib/i18n.h).  A
 * post without platforms reads naturally without the "on ..." part.
 */
static const char *
sentence(enum sm_event_type type, int has_platforms)
{
	switch (type) {
	case SM_EV_REMINDER:
		if (has_platforms)
			/* TRANSLATORS: a reminder before a post is published.
			   {title} is the post's title, {platforms} the names
			   of its platforms ("instagram, facebook"), {date}
			   its publish time as the webhook's date_format
			   writes it.  Keep the {names} as they are. */
			return N_("Reminder: “{title}” goes out on {platforms} "
				  "at {date}.");
		/* TRANSLATORS: the same reminder for a post without
		   platforms. */
		return N_("Reminder: “{title}” goes out at {date}.");
	case SM_EV_DUE:
		if (has_platforms)
			/* TRANSLATORS: the post is to be published now. */
			return N_("Due now: “{title}” on {platforms} "
				  "({date}).");
		/* TRANSLATORS: the same, for a post without platforms. */
		return N_("Due now: “{title}” ({date}).");
	case SM_EV_OVERDUE:
		if (has_platforms)
			/* TRANSLATORS: the publish time has passed and nobody
			   marked the post done (smctl done). */
			return N_("Overdue: “{title}” on {platforms} was due "
				  "at {date} and is not marked done.");
		/* TRANSLATORS: the same, for a post without platforms. */
		return N_("Overdue: “{title}” was due at {date} and is not "
			  "marked done.");
	}
	return "";
}

/* TRANSLATORS: stands for the title of a post that has none. */
#define UNTITLED N_("(untitled)")

/*
 * Appends a message with its {title}, {platforms} and {date} replaced by
 * the values given (already written for the markup).  Anything else,
 * braces included, is the message's own text, copied as it is.
 */
static void
put_message(struct sm_jsonw *w, const char *msg, const char *title,
	    const char *plat, const char *date)
{
	const struct {
		const char *name, *value;
	} vars[] = {
		{"{title}", title}, {"{platforms}", plat}, {"{date}", date}};
	const char *p = msg;
	while (*p) {
		const char *brace = strchr(p, '{');
		if (!brace) {
			put(w, p);
			break;
		}
		sm_jsonw_raw(w, p, (size_t)(brace - p));
		size_t i, nvars = sizeof(vars) / sizeof(vars[0]);
		for (i = 0; i < nvars; i++)
			if (strncmp(brace, vars[i].name,
				    strlen(vars[i].name)) == 0)
				break;
		if (i == nvars) {
			sm_jsonw_raw(w, brace, 1);
			p = brace + 1;
			continue;
		}
		put(w, vars[i].value ? vars[i].value : "");
		p = brace + strlen(vars[i].name);
	}
}

/* The human message of the slack, discord and ntfy formats, in the
 * catalogue's language (cat NULL: English). */
static void
human_message(const struct sm_config *cfg, const struct sm_sched_event *ev,
	      const struct sm_i18n_cat *cat, const char *date, enum markup m,
	      struct sm_jsonw *w)
{
	const struct sm_post *p = ev->occ.post;
	struct sm_jsonw title = {0}, plat = {0}, names = {0};
	put_text(&title,
		 p->title && *p->title ? p->title : sm_i18n_get(cat, UNTITLED),
		 m, 0);
	join_platforms(cfg, p, ", ", &names);
	if (names.len > 0)
		put_text(&plat, names.buf, m, 0);
	sm_jsonw_free(&names);
	put_message(w, sm_i18n_get(cat, sentence(ev->type, plat.len > 0)),
		    title.buf, plat.buf, date);
	if (p->url && *p->url) {
		put(w, "\n");
		put_url(w, p->url, m);
	}
	sm_jsonw_free(&title);
	sm_jsonw_free(&plat);
}

/* Bytes taken by the first max code points of s (UTF-8). */
static size_t
utf8_prefix(const char *s, size_t len, size_t max, size_t *count)
{
	size_t n = 0, i;
	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (n == max)
			break;
		n++;
	}
	*count = n;
	return i;
}

static void
build_discord(const char *msg, size_t len, struct sm_jsonw *w)
{
	size_t count;
	size_t cut = utf8_prefix(msg, len, DISCORD_MAX_CHARS, &count);
	struct sm_jsonw text = {0};
	if (cut < len) {
		/* One character goes to the ellipsis, so the reader sees
		 * that the message was cut. */
		cut = utf8_prefix(msg, len, DISCORD_MAX_CHARS - 1, &count);
		sm_jsonw_raw(&text, msg, cut);
		put(&text, "…");
	} else {
		sm_jsonw_raw(&text, msg, len);
	}
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "content");
	sm_jsonw_string(w, text.buf);
	/* Calendar text must not ping @everyone or a role. */
	sm_jsonw_key(w, "allowed_mentions");
	put(w, "{\"parse\":[]}");
	sm_jsonw_close(w, '}');
	sm_jsonw_free(&text);
}

/* Appends n bytes as base64 (RFC 4648, padded). */
static void
put_base64(struct sm_jsonw *w, const unsigned char *p, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < n ? b64[v >> 6 & 63] : '=',
			     i + 2 < n ? b64[v & 63] : '='};
		sm_jsonw_raw(w, q, 4);
	}
}

/* At most 45 bytes per RFC 2047 word: 60 base64 characters, 72 in all
 * with "=?UTF-8?B?" and "?=" (a word may have 75). */
#define RFC2047_CHUNK 45

/*
 * Adds an ntfy header carrying calendar text.  ntfy decodes RFC 2047 words
 * ("=?utf-8?q?...?=") anywhere in a header value, so text holding "=?"
 * could decode into a line break or anything else, and non-ASCII bytes in
 * a header are mangled by many proxies: such a value (after CR, LF and
 * controls are removed) is sent as UTF-8 B words, which ntfy decodes back
 * to exactly the text.  Other values are sent as they are.
 */
static void
add_ntfy_header(struct sm_payload *out, const char *name, const char *value)
{
	size_t vlen = strlen(value);
	char *clean = malloc(vlen + 1);
	if (!clean)
		abort();
	sm_payload_header_clean(value, clean, vlen + 1);
	int encode = strstr(clean, "=?") != NULL;
	for (const char *c = clean; *c && !encode; c++)
		encode = (unsigned char)*c >= 0x80;
	if (!encode) {
		add_header(out, name, strlen(name), clean);
		free(clean);
		return;
	}
	struct sm_jsonw w = {0};
	size_t len = strlen(clean), i = 0;
	while (i < len) {
		size_t n = len - i < RFC2047_CHUNK ? len - i : RFC2047_CHUNK;
		/* A word holds whole characters (RFC 2047 section 5). */
		while (n < len - i && n > 0 &&
		       ((unsigned char)clean[i + n] & 0xC0) == 0x80)
			n--;
		if (n == 0) /* not UTF-8 after all: cut anywhere */
			n = len - i < RFC2047_CHUNK ? len - i : RFC2047_CHUNK;
		if (i > 0)
			put(&w, " ");
		put(&w, "=?UTF-8?B?");
		put_base64(&w, (const unsigned char *)clean + i, n);
		put(&w, "?=");
		i += n;
	}
	add_header(out, name, strlen(name), w.buf);
	sm_jsonw_free(&w);
	free(clean);
}

/* Appends one ntfy tag: ntfy splits Tags at commas, so a comma inside a
 * name becomes a blank rather than a second tag. */
static void
put_tag(struct sm_jsonw *w, const char *s)
{
	if (w->len)
		put(w, ",");
	for (; *s; s++)
		sm_jsonw_raw(w, *s == ',' ? " " : s, 1);
}

static void
build_ntfy(const struct sm_config *cfg, const struct sm_sched_event *ev,
	   const struct sm_i18n_cat *cat, struct sm_payload *out)
{
	const struct sm_post *p = ev->occ.post;
	const char *title =
		p->title && *p->title ? p->title : sm_i18n_get(cat, UNTITLED);
	add_ntfy_header(out, "Title", title);
	/* ntfy's scale: 3 default, 4 high, 5 urgent. */
	const char *prio = ev->type == SM_EV_REMINDER ? "3"
			   : ev->type == SM_EV_DUE    ? "4"
						      : "5";
	add_header(out, "Priority", 8, prio);
	struct sm_jsonw tags = {0};
	const char *names[MAX_PLATFORMS];
	int n = sm_post_platforms(cfg, p, names, MAX_PLATFORMS);
	for (int i = 0; i < n; i++)
		put_tag(&tags, names[i]);
	const char *type = sm_post_type(cfg, p);
	if (type && *type)
		put_tag(&tags, type);
	if (tags.len)
		add_ntfy_header(out, "Tags", tags.buf);
	sm_jsonw_free(&tags);
	/* Click opens a link on the phone: http(s) only, never javascript:
	 * or an app's scheme a calendar chose. */
	if (p->url && *p->url && is_http_url(p->url))
		add_ntfy_header(out, "Click", p->url);
}

static void
put_escaped(struct sm_jsonw *w, const char *v, enum sm_escape esc)
{
	if (esc == SM_ESCAPE_NONE || esc == SM_ESCAPE_AUTO) {
		put(w, v);
		return;
	}
	if (esc == SM_ESCAPE_HTML || esc == SM_ESCAPE_XML) {
		/* The five entities are enough for text and for quoted
		 * attribute values, in HTML and XML alike.  Controls other
		 * than tab, CR and LF are not allowed in XML 1.0 even as
		 * references: U+FFFD stands in for them. */
		for (const unsigned char *p = (const unsigned char *)v; *p;
		     p++) {
			const char *ent = *p == '&'    ? "&amp;"
					  : *p == '<'  ? "&lt;"
					  : *p == '>'  ? "&gt;"
					  : *p == '"'  ? "&quot;"
					  : *p == '\'' ? "&#39;"
					  : (*p < 0x20 && *p != '\t' &&
					     *p != '\n' && *p != '\r')
						  ? "\xEF\xBF\xBD"
						  : NULL;
			if (ent)
				put(w, ent);
			else
				sm_jsonw_raw(w, (const char *)p, 1);
		}
		return;
	}
	if (esc == SM_ESCAPE_JSON) {
		/* The template supplies the quotes: "text": "{{title}}". */
		struct sm_jsonw s = {0};
		sm_jsonw_string(&s, v);
		sm_jsonw_raw(w, s.buf + 1, s.len - 2);
		sm_jsonw_free(&s);
		return;
	}
	/* application/x-www-form-urlencoded as the WHATWG URL standard
	 * serialises it, which is what form parsers expect. */
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char enc[3];
		if (isalnum(*p) || strchr("*-._", *p)) {
			sm_jsonw_raw(w, (const char *)p, 1);
		} else if (*p == ' ') {
			sm_jsonw_raw(w, "+", 1);
		} else {
			enc[0] = '%';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			sm_jsonw_raw(w, enc, 3);
		}
	}
}

/* The webhook's zone (its timezone, the daemon's by default), else UTC. */
static const struct sm_tz *
webhook_zone(const struct sm_webhook *wh)
{
	const struct sm_tz *tz =
		sm_calendar_system_zone(wh->timezone ? wh->timezone : "UTC");
	return tz ? tz : sm_calendar_system_zone("UTC");
}

/* A template placeholder and its value (NULL: empty). */
struct tvar {
	const char *name, *value;
};

/*
 * Writes text with each {{name}} (blanks inside the braces allowed) of
 * vars replaced by its value escaped by esc; the first of several entries
 * of one name wins.  Anything else, unknown names included, is copied as
 * written, so a typo shows in the receiver instead of vanishing.
 */
static void
fill_template(struct sm_jsonw *w, const char *text, const struct tvar *vars,
	      size_t nvars, enum sm_escape esc)
{
	const char *s = text ? text : "";
	while (*s) {
		const char *open = strstr(s, "{{");
		if (!open) {
			put(w, s);
			break;
		}
		sm_jsonw_raw(w, s, (size_t)(open - s));
		const char *close = strstr(open + 2, "}}");
		const char *a = open + 2, *b = close;
		while (close && a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (close && b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		size_t i;
		for (i = 0; close && i < nvars; i++)
			if (strlen(vars[i].name) == (size_t)(b - a) &&
			    memcmp(vars[i].name, a, (size_t)(b - a)) == 0)
				break;
		if (!close || i == nvars) {
			/* Not a placeholder: keep "{{" and go on after it. */
			sm_jsonw_raw(w, open, 2);
			s = open + 2;
			continue;
		}
		put_escaped(w, vars[i].value ? vars[i].value : "", esc);
		s = close + 2;
	}
}

/*
 * Replaces {{name}} placeholders (blanks inside the braces allowed): the
 * fields of the event object (SPEC 4) that are text, and each time twice,
 * as people read it (date_format, locale, zone) and as programs do
 * (RFC 3339 in the webhook's zone, with its offset).  Missing fields become
 * empty strings rather than "(untitled)": template output is often read by
 * programs.  Unknown names are copied as written, so a typo shows in the
 * receiver instead of vanishing.  conf/smcal.conf and README list them.
 */
static void
build_template(const struct sm_config *cfg, const struct sm_webhook *wh,
	       const struct sm_sched_event *ev, const char *date,
	       struct sm_jsonw *w)
{
	const struct sm_post *p = ev->occ.post;
	const struct sm_series *ser = ev->occ.series;
	const struct sm_tz *tz = webhook_zone(wh);
	char publish_iso[SM_TZ_RFC3339_MAX], sched_iso[SM_TZ_RFC3339_MAX];
	char sched[DATE_MAX], rid[40];
	sm_tz_format(tz, (int64_t)ev->occ.start * 1000, 0, publish_iso,
		     sizeof(publish_iso));
	sm_tz_format(tz, (int64_t)ev->at * 1000, 0, sched_iso,
		     sizeof(sched_iso));
	sm_payload_format_date(wh, ev->at, sched, sizeof(sched));
	sm_occur_format_rid(&ev->occ, rid, sizeof(rid));
	const char *ct =
		wh->content_type ? wh->content_type : DEFAULT_TEMPLATE_TYPE;
	/* The config refuses a type without a rule unless escape is set;
	 * a hand-built webhook of an unknown type gets the values as is. */
	enum sm_escape esc = wh->escape;
	if (esc == SM_ESCAPE_AUTO) {
		int e = sm_config_escape_for(ct);
		esc = e < 0 ? SM_ESCAPE_NONE : (enum sm_escape)e;
	}
	struct sm_jsonw plat = {0};
	join_platforms(cfg, p, ", ", &plat);
	const char *type = sm_post_type(cfg, p);
	const struct tvar vars[] = {
		{"event", sm_event_type_name(ev->type)},
		{"id", ev->id},
		{"title", p->title},
		{"body", p->body},
		{"url", p->url},
		{"platforms", plat.buf},
		{"type", type},
		{"persona", p->persona},
		{"campaign", p->campaign},
		{"status", sm_post_status_name(p, ev->occ.cancelled)},
		{"calendar", ser ? ser->calendar : NULL},
		{"uid", ser && ser->master ? ser->master->uid : p->uid},
		{"recurrence_id", rid},
		{"publish_at", date},
		{"publish_at_iso", publish_iso},
		{"scheduled_at", sched},
		{"scheduled_at_iso", sched_iso},
	};
	fill_template(w, wh->template_text, vars,
		      sizeof(vars) / sizeof(vars[0]), esc);
	sm_jsonw_free(&plat);
}

/* The webhook's own headers come last, after the format's, and whatever
 * the format: a receiver behind a gateway may need a token header with any
 * body. */
static void
add_webhook_headers(const struct sm_webhook *wh, struct sm_payload *out)
{
	for (size_t i = 0; i < wh->headers.n; i++) {
		const char *h = wh->headers.v[i];
		const char *colon = strchr(h, ':');
		if (!colon || colon == h)
			continue;
		size_t nlen = (size_t)(colon - h);
		while (nlen > 0 && (h[nlen - 1] == ' ' || h[nlen - 1] == '\t'))
			nlen--;
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		add_header(out, h, nlen, v);
	}
}

int
sm_payload_build(const struct sm_config *cfg, const struct sm_webhook *wh,
		 const struct sm_sched_event *ev, sm_time_ms fired_at, int late,
		 struct sm_payload *out)
{
	struct sm_jsonw w = {0}, msg = {0};
	char date[DATE_MAX] = "", why[8];
	int rc = 0;
	const struct sm_i18n_cat *cat = NULL;

	memset(out, 0, sizeof(*out));
	if (wh->format != SM_WEBHOOK_JSON)
		rc = sm_payload_format_date(wh, ev->occ.start, date,
					    sizeof(date));
	/* No catalogue for the language: English (the daemon says so once
	 * per load, not per message). */
	if (wh->format == SM_WEBHOOK_SLACK ||
	    wh->format == SM_WEBHOOK_DISCORD || wh->format == SM_WEBHOOK_NTFY)
		sm_i18n_lookup(wh->locale, &cat, why, sizeof(why));

	switch (wh->format) {
	case SM_WEBHOOK_JSON:
		sm_event_json(&w, cfg, ev, fired_at, late);
		out->json_event = 1;
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_SLACK:
		human_message(cfg, ev, cat, date, MARKUP_SLACK, &msg);
		sm_jsonw_open(&w, '{');
		sm_jsonw_key(&w, "text");
		sm_jsonw_string(&w, msg.buf);
		sm_jsonw_close(&w, '}');
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_DISCORD:
		human_message(cfg, ev, cat, date, MARKUP_DISCORD, &msg);
		build_discord(msg.buf, msg.len, &w);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_NTFY:
		human_message(cfg, ev, cat, date, MARKUP_PLAIN, &w);
		build_ntfy(cfg, ev, cat, out);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "text/plain; charset=utf-8");
		break;
	case SM_WEBHOOK_TEMPLATE:
		build_template(cfg, wh, ev, date, &w);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 wh->content_type ? wh->content_type
					  : DEFAULT_TEMPLATE_TYPE);
		break;
	}
	take_body(out, &w);
	sm_jsonw_free(&msg);

	add_webhook_headers(wh, out);
	return rc;
}

/* ---------------------------------------------------------------------
 * Daemon-originated events (lib/alert: cadence.*, goal.*).
 */

/*
 * Appends an alert's message (a title or sentence, already translated)
 * with each {name} replaced by the alert's value of that name written for
 * the markup, and {date} by date.  Unknown names are the message's own
 * text, copied as they are.
 */
static void
put_alert_text(struct sm_jsonw *w, const char *msg, const struct sm_alert *a,
	       const char *date, enum markup m)
{
	const char *p = msg ? msg : "";
	while (*p) {
		const char *brace = strchr(p, '{');
		const char *end = brace ? strchr(brace + 1, '}') : NULL;
		if (!brace || !end) {
			put(w, p);
			break;
		}
		sm_jsonw_raw(w, p, (size_t)(brace - p));
		char name[32];
		size_t n = (size_t)(end - brace - 1);
		const char *value = NULL;
		if (n < sizeof(name)) {
			memcpy(name, brace + 1, n);
			name[n] = '\0';
			value = strcmp(name, "date") == 0
					? date
					: sm_alert_get(a, name);
		}
		if (!value) {
			sm_jsonw_raw(w, brace, 1);
			p = brace + 1;
			continue;
		}
		put_text(w, value, m, 0);
		p = end + 1;
	}
}

/*
 * An alert's template: its own placeholders first (platform, period,
 * target, ... for cadence), then those every event has (event, id, title
 * (the English title), platforms, scheduled_at, scheduled_at_iso, date,
 * date_iso), and the post's placeholders empty: a template written for
 * post events reads cleanly for alerts too.
 */
static void
build_template_alert(const struct sm_webhook *wh, const struct sm_alert *a,
		     const char *date, struct sm_jsonw *w)
{
	const struct sm_tz *tz = webhook_zone(wh);
	char sched[DATE_MAX], sched_iso[SM_TZ_RFC3339_MAX];
	char date_iso[SM_TZ_RFC3339_MAX];
	sm_payload_format_date(wh, a->at, sched, sizeof(sched));
	sm_tz_format(tz, (int64_t)a->at * 1000, 0, sched_iso,
		     sizeof(sched_iso));
	sm_tz_format(tz, (int64_t)a->date * 1000, 0, date_iso,
		     sizeof(date_iso));
	enum sm_escape esc = wh->escape;
	if (esc == SM_ESCAPE_AUTO) {
		int e = sm_config_escape_for(wh->content_type
						     ? wh->content_type
						     : DEFAULT_TEMPLATE_TYPE);
		esc = e < 0 ? SM_ESCAPE_NONE : (enum sm_escape)e;
	}
	struct sm_jsonw title = {0};
	put_alert_text(&title, a->title, a, date, MARKUP_PLAIN);
	static const char *const post_only[] = {
		"body",		 "url",	       "type",		 "persona",
		"campaign",	 "status",     "calendar",	 "uid",
		"recurrence_id", "publish_at", "publish_at_iso",
	};
	const size_t npost = sizeof(post_only) / sizeof(post_only[0]);
	struct tvar vars[SM_ALERT_MAX_VARS + 8 + 11];
	size_t n = 0;
	for (int i = 0; i < a->nvars; i++)
		vars[n++] = (struct tvar){a->vars[i].name, a->vars[i].value};
	vars[n++] = (struct tvar){"event", sm_config_event_name(a->type)};
	vars[n++] = (struct tvar){"id", a->id};
	vars[n++] = (struct tvar){"title", title.buf};
	vars[n++] = (struct tvar){"platforms", a->platform};
	vars[n++] = (struct tvar){"scheduled_at", sched};
	vars[n++] = (struct tvar){"scheduled_at_iso", sched_iso};
	vars[n++] = (struct tvar){"date", date};
	vars[n++] = (struct tvar){"date_iso", date_iso};
	for (size_t i = 0; i < npost; i++)
		vars[n++] = (struct tvar){post_only[i], NULL};
	fill_template(w, wh->template_text, vars, n, esc);
	sm_jsonw_free(&title);
}

int
sm_payload_build_alert(const struct sm_webhook *wh, const struct sm_alert *a,
		       struct sm_payload *out)
{
	struct sm_jsonw w = {0}, msg = {0}, title = {0}, tags = {0};
	char date[DATE_MAX] = "", why[8], prio[4];
	int rc = 0;
	const struct sm_i18n_cat *cat = NULL;

	memset(out, 0, sizeof(*out));
	if (wh->format != SM_WEBHOOK_JSON)
		rc = sm_payload_format_date(wh, a->date, date, sizeof(date));
	if (wh->format == SM_WEBHOOK_SLACK ||
	    wh->format == SM_WEBHOOK_DISCORD || wh->format == SM_WEBHOOK_NTFY)
		sm_i18n_lookup(wh->locale, &cat, why, sizeof(why));
	const char *message = sm_i18n_get(cat, a->message ? a->message : "");

	switch (wh->format) {
	case SM_WEBHOOK_JSON:
		sm_jsonw_raw(&w, a->json ? a->json : "{}",
			     a->json ? a->json_len : 2);
		out->json_event = 1;
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_SLACK:
		put_alert_text(&msg, message, a, date, MARKUP_SLACK);
		sm_jsonw_open(&w, '{');
		sm_jsonw_key(&w, "text");
		sm_jsonw_string(&w, msg.buf ? msg.buf : "");
		sm_jsonw_close(&w, '}');
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_DISCORD:
		put_alert_text(&msg, message, a, date, MARKUP_DISCORD);
		build_discord(msg.buf ? msg.buf : "", msg.len, &w);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "application/json");
		break;
	case SM_WEBHOOK_NTFY:
		put_alert_text(&w, message, a, date, MARKUP_PLAIN);
		put_alert_text(&title,
			       sm_i18n_get(cat, a->title ? a->title : ""), a,
			       date, MARKUP_PLAIN);
		add_ntfy_header(out, "Title", title.buf ? title.buf : "");
		snprintf(prio, sizeof(prio), "%d",
			 a->priority >= 1 && a->priority <= 5 ? a->priority
							      : 3);
		add_header(out, "Priority", 8, prio);
		if (a->platform && *a->platform)
			put_tag(&tags, a->platform);
		put_tag(&tags, sm_config_event_name(a->type));
		add_ntfy_header(out, "Tags", tags.buf);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 "text/plain; charset=utf-8");
		break;
	case SM_WEBHOOK_TEMPLATE:
		build_template_alert(wh, a, date, &w);
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 wh->content_type ? wh->content_type
					  : DEFAULT_TEMPLATE_TYPE);
		break;
	}
	take_body(out, &w);
	sm_jsonw_free(&msg);
	sm_jsonw_free(&title);
	sm_jsonw_free(&tags);
	add_webhook_headers(wh, out);
	return rc;
}

void
sm_payload_free(struct sm_payload *p)
{
	if (!p)
		return;
	free(p->body);
	for (int i = 0; i < p->nheaders; i++)
		free(p->headers[i]);
	memset(p, 0, sizeof(*p));
}

char *
sm_payload_attempt_body(const char *body, size_t len, int json_event,
			int attempt, size_t *out_len)
{
	char ins[32];
	size_t n = 0, close = len;

	if (!body)
		len = close = 0;
	if (json_event && body) {
		size_t end = len;
		while (end > 0 && isspace((unsigned char)body[end - 1]))
			end--;
		if (end > 0 && body[end - 1] == '}') {
			close = end - 1;
			size_t q = close;
			while (q > 0 && isspace((unsigned char)body[q - 1]))
				q--;
			/* An empty object takes the member without a comma. */
			int empty = q > 0 && body[q - 1] == '{';
			n = (size_t)snprintf(ins, sizeof(ins),
					     "%s\"attempt\":%d",
					     empty ? "" : ",", attempt);
		}
	}
	char *out = malloc(len + n + 1);
	if (!out)
		abort();
	if (close > 0)
		memcpy(out, body, close);
	memcpy(out + close, ins, n);
	if (len > close)
		memcpy(out + close + n, body + close, len - close);
	out[len + n] = '\0';
	if (out_len)
		*out_len = len + n;
	return out;
}

int
sm_payload_format_date(const struct sm_webhook *wh, sm_time t, char *buf,
		       size_t len)
{
	const struct sm_tz *tz = webhook_zone(wh);
	int off = tz ? sm_tz_offset_at(tz, t) : 0;
	struct sm_civil c;
	sm_civil_split(t + off, &c);
	int64_t days = sm_civil_day_of(t + off);

	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c.year - 1900;
	tm.tm_mon = c.month - 1;
	tm.tm_mday = c.day;
	tm.tm_hour = c.hour;
	tm.tm_min = c.minute;
	tm.tm_sec = c.second;
	tm.tm_wday = (sm_civil_weekday(days) + 1) % 7; /* 0 = Sunday */
	tm.tm_yday = (int)(days - sm_civil_days(c.year, 1, 1));
	/* Our zones carry offsets, not DST flags; 0 rather than -1, because
	 * glibc prints nothing for %z when tm_isdst is negative. */
	tm.tm_isdst = 0;
	tm.tm_gmtoff = off;
	tm.tm_zone = tz ? tz->name : "UTC";

	int rc = 0;
	locale_t loc =
		newlocale(LC_ALL_MASK, wh->locale ? wh->locale : "C", NULL);
	if (!loc) {
		rc = -1;
		loc = newlocale(LC_ALL_MASK, "C", NULL);
		if (!loc)
			abort();
	}
	const char *fmt =
		wh->date_format ? wh->date_format : DEFAULT_DATE_FORMAT;
	size_t n = 0;
	if (len > 0) {
		/* The format is the config's date_format, checked by the
		 * config module when it was loaded; it cannot be literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = strftime_l(buf, len, fmt, &tm, loc);
#pragma GCC diagnostic pop
		if (n == 0)
			buf[0] = '\0';
	}
	freelocale(loc);
	return rc;
}

void
sm_payload_header_clean(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	int gap = 0;

	if (outlen == 0)
		return;
	if (!in)
		in = "";
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		/* CR and LF would end the header line and start another one
		 * the calendar chose; other controls are invalid in a field
		 * value (RFC 9110 section 5.5).  A run becomes one blank. */
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			gap = 1;
			continue;
		}
		int need = gap && o > 0 ? 2 : 1;
		if (o + (size_t)need >= outlen) {
			/* Never leave half a UTF-8 character behind. */
			if ((*p & 0xC0) == 0x80) {
				while (o > 0 && ((unsigned char)out[o - 1] &
						 0xC0) == 0x80)
					o--;
				if (o > 0 && (unsigned char)out[o - 1] >= 0xC0)
					o--;
			}
			break;
		}
		if (gap && o > 0)
			out[o++] = ' ';
		gap = 0;
		out[o++] = (char)*p;
	}
	/* Leading and trailing blanks are not part of a field value. */
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	size_t lead = strspn(out, " \t");
	if (lead)
		memmove(out, out + lead, o - lead + 1);
}
