/*
 * ics: the iCalendar writer.
 */
#include "ics.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
reserve(struct sm_ics *w, size_t extra)
{
	if (w->len + extra + 1 <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 4096;
	while (cap < w->len + extra + 1)
		cap *= 2;
	char *b = realloc(w->buf, cap);
	if (!b)
		abort();
	w->buf = b;
	w->cap = cap;
}

/*
 * Appends one unit of a content line (an ASCII character, a whole UTF-8
 * character or an escape pair), folding first when it would take the
 * physical line past SM_ICS_FOLD octets.  The caller has reserved room.
 */
static void
unit(struct sm_ics *w, const char *s, size_t n)
{
	if (w->col + n > SM_ICS_FOLD) {
		memcpy(w->buf + w->len, "\r\n ", 3);
		w->len += 3;
		w->col = 1; /* the leading space counts */
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->col += n;
}

/* Room for a value of n octets, escaped and folded. */
static void
reserve_value(struct sm_ics *w, size_t n)
{
	reserve(w, 3 * n + 8);
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* The length of the UTF-8 character led by c (1 for anything else), at
 * most what is left of the string. */
static size_t
char_len(const char *p)
{
	unsigned char c = (unsigned char)*p;
	size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			return i;
	return n;
}

/* Starts a content line "NAME:". */
static void
start(struct sm_ics *w, const char *name)
{
	size_t n = strlen(name);
	reserve_value(w, n + 1);
	w->col = 0;
	for (size_t i = 0; i < n; i++)
		unit(w, name + i, 1);
	unit(w, ":", 1);
}

/* Appends a value as given, control characters dropped. */
static void
value_raw(struct sm_ics *w, const char *v)
{
	reserve_value(w, strlen(v));
	for (const char *p = v; *p;) {
		size_t n = char_len(p);
		if (!is_control((unsigned char)*p))
			unit(w, p, n);
		p += n;
	}
}

/* Appends a TEXT value escaped (RFC 5545 section 3.3.11). */
static void
value_text(struct sm_ics *w, const char *v)
{
	reserve_value(w, strlen(v));
	for (const char *p = v; *p;) {
		switch (*p) {
		case '\\':
			unit(w, "\\\\", 2);
			break;
		case ';':
			unit(w, "\\;", 2);
			break;
		case ',':
			unit(w, "\\,", 2);
			break;
		case '\r':
			if (p[1] == '\n')
				p++;
			unit(w, "\\n", 2);
			break;
		case '\n':
			unit(w, "\\n", 2);
			break;
		default: {
			size_t n = char_len(p);
			if (!is_control((unsigned char)*p))
				unit(w, p, n);
			p += n;
			continue;
		}
		}
		p++;
	}
}

/* Ends a content line. */
static void
end_line(struct sm_ics *w)
{
	reserve(w, 2);
	memcpy(w->buf + w->len, "\r\n", 2);
	w->len += 2;
	w->buf[w->len] = '\0';
	w->col = 0;
}

void
sm_ics_line(struct sm_ics *w, const char *name, const char *value)
{
	start(w, name);
	value_raw(w, value);
	end_line(w);
}

void
sm_ics_text(struct sm_ics *w, const char *name, const char *text)
{
	if (!text)
		return;
	start(w, name);
	value_text(w, text);
	end_line(w);
}

static char *
ics_time(sm_time t, char *buf, size_t len)
{
	struct sm_civil c;
	sm_civil_split(t, &c);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day,
		 c.hour, c.minute, c.second);
	return buf;
}

void
sm_ics_time(struct sm_ics *w, const char *name, sm_time utc)
{
	char buf[32];
	sm_ics_line(w, name, ics_time(utc, buf, sizeof(buf)));
}

void
sm_ics_begin(struct sm_ics *w, const char *name)
{
	sm_ics_line(w, "BEGIN", "VCALENDAR");
	sm_ics_line(w, "VERSION", "2.0");
	sm_ics_line(w, "PRODID", "-//smcal//smcal " SM_VERSION "//EN");
	sm_ics_line(w, "CALSCALE", "GREGORIAN");
	sm_ics_text(w, "X-WR-CALNAME", name);
}

void
sm_ics_end(struct sm_ics *w)
{
	sm_ics_line(w, "END", "VCALENDAR");
}

int
sm_ics_post(struct sm_ics *w, const struct sm_post *p,
	    const struct sm_ics_extra *x)
{
	if (!p->uid || !*p->uid || p->start.kind != SM_DT_UTC || p->nrrules ||
	    p->nrdates || p->is_override)
		return -1;
	sm_ics_line(w, "BEGIN", "VEVENT");
	sm_ics_text(w, "UID", p->uid);
	sm_ics_time(w, "DTSTAMP", x->dtstamp);
	sm_ics_time(w, "DTSTART", p->start.civil);
	if (x->created)
		sm_ics_time(w, "CREATED", x->created);
	if (x->last_modified)
		sm_ics_time(w, "LAST-MODIFIED", x->last_modified);
	char seq[24];
	snprintf(seq, sizeof(seq), "%d", p->sequence);
	sm_ics_line(w, "SEQUENCE", seq);
	sm_ics_text(w, "SUMMARY", p->title);
	sm_ics_text(w, "DESCRIPTION", p->body);
	if (p->url)
		sm_ics_line(w, "URL", p->url);
	sm_ics_line(w, "STATUS",
		    p->status == SM_POST_CANCELLED ? "CANCELLED"
		    : p->status == SM_POST_DRAFT   ? "TENTATIVE"
						   : "CONFIRMED");
	/* A post does not make anyone busy. */
	sm_ics_line(w, "TRANSP", "TRANSPARENT");
	if (p->nplatforms > 0) {
		/* One value per platform, comma-separated like CATEGORIES. */
		start(w, "X-SMCAL-PLATFORM");
		for (int i = 0; i < p->nplatforms; i++) {
			if (i) {
				reserve_value(w, 1);
				unit(w, ",", 1);
			}
			value_text(w, p->platforms[i]);
		}
		end_line(w);
	}
	sm_ics_text(w, "X-SMCAL-TYPE", p->type);
	sm_ics_text(w, "X-SMCAL-PERSONA", p->persona);
	sm_ics_text(w, "X-SMCAL-CAMPAIGN", p->campaign);
	sm_ics_text(w, "X-SMCAL-WEBHOOK", p->webhook);
	if (x->done) {
		sm_ics_time(w, "X-SMCAL-DONE", x->done_at);
		/* An X- property is TEXT (RFC 5545 section 3.8.8.2), so
		 * unlike URL its commas and semicolons are escaped. */
		sm_ics_text(w, "X-SMCAL-DONE-URL", x->done_url);
	}
	sm_ics_line(w, "END", "VEVENT");
	return 0;
}

/* FNV-1a, 64 bits, over a string and the NUL that ends it (so that
 * ("ab", "c") and ("a", "bc") differ). */
static uint64_t
fnv(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	do {
		h ^= *p;
		h *= 0x100000001b3u;
	} while (*p++);
	return h;
}

void
sm_ics_done(struct sm_ics *w, const char *calendar, const char *uid,
	    const char *recurrence_id, const char *url, sm_time at,
	    sm_time dtstamp)
{
	uint64_t h = 0xcbf29ce484222325u;
	h = fnv(fnv(fnv(h, calendar), uid), recurrence_id);
	char id[64];
	snprintf(id, sizeof(id), "smcal-done-%016llx", (unsigned long long)h);
	sm_ics_line(w, "BEGIN", "VJOURNAL");
	sm_ics_line(w, "UID", id);
	sm_ics_time(w, "DTSTAMP", dtstamp);
	sm_ics_time(w, "DTSTART", at);
	sm_ics_line(w, "STATUS", "FINAL");
	start(w, "SUMMARY");
	value_text(w, "Published: ");
	value_text(w, uid);
	end_line(w);
	sm_ics_text(w, "RELATED-TO", uid);
	sm_ics_text(w, "X-SMCAL-CALENDAR", calendar);
	sm_ics_text(w, "X-SMCAL-RECURRENCE-ID", recurrence_id);
	if (url)
		sm_ics_line(w, "URL", url);
	sm_ics_line(w, "END", "VJOURNAL");
}

void
sm_ics_free(struct sm_ics *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
