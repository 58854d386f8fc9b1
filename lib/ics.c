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

static void
put(struct sm_ics *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* A growable line being assembled before it is folded. */
struct line {
	char *s;
	size_t len, cap;
};

static void
lput(struct line *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap < l->len + n + 1)
			cap *= 2;
		char *b = realloc(l->s, cap);
		if (!b)
			abort();
		l->s = b;
		l->cap = cap;
	}
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Appends a value with control characters dropped. */
static void
lput_raw(struct line *l, const char *v)
{
	for (const char *p = v; *p; p++)
		if (!is_control((unsigned char)*p))
			lput(l, p, 1);
}

/* Appends a TEXT value escaped (RFC 5545 section 3.3.11). */
static void
lput_text(struct line *l, const char *v)
{
	for (const char *p = v; *p; p++) {
		switch (*p) {
		case '\\':
			lput(l, "\\\\", 2);
			break;
		case ';':
			lput(l, "\\;", 2);
			break;
		case ',':
			lput(l, "\\,", 2);
			break;
		case '\r':
			if (p[1] == '\n')
				p++;
			lput(l, "\\n", 2);
			break;
		case '\n':
			lput(l, "\\n", 2);
			break;
		default:
			if (!is_control((unsigned char)*p))
				lput(l, p, 1);
		}
	}
}

/* Writes a whole logical line folded, and frees it. */
static void
emit(struct sm_ics *w, struct line *l)
{
	size_t pos = 0, room = SM_ICS_FOLD;
	while (l->len - pos > room) {
		size_t cut = pos + room;
		/* Never split a UTF-8 character: back up to its lead byte. */
		while (cut > pos + 1 &&
		       ((unsigned char)l->s[cut] & 0xC0) == 0x80)
			cut--;
		put(w, l->s + pos, cut - pos);
		put(w, "\r\n ", 3);
		pos = cut;
		room = SM_ICS_FOLD - 1; /* the leading space counts */
	}
	put(w, l->s + pos, l->len - pos);
	put(w, "\r\n", 2);
	free(l->s);
}

void
sm_ics_line(struct sm_ics *w, const char *name, const char *value)
{
	struct line l = {0};
	lput(&l, name, strlen(name));
	lput(&l, ":", 1);
	lput_raw(&l, value);
	emit(w, &l);
}

void
sm_ics_text(struct sm_ics *w, const char *name, const char *text)
{
	if (!text)
		return;
	struct line l = {0};
	lput(&l, name, strlen(name));
	lput(&l, ":", 1);
	lput_text(&l, text);
	emit(w, &l);
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
		struct line l = {0};
		lput(&l, "X-SMCAL-PLATFORM:", 17);
		for (int i = 0; i < p->nplatforms; i++) {
			if (i)
				lput(&l, ",", 1);
			lput_text(&l, p->platforms[i]);
		}
		emit(w, &l);
	}
	sm_ics_text(w, "X-SMCAL-TYPE", p->type);
	sm_ics_text(w, "X-SMCAL-PERSONA", p->persona);
	sm_ics_text(w, "X-SMCAL-CAMPAIGN", p->campaign);
	sm_ics_text(w, "X-SMCAL-WEBHOOK", p->webhook);
	if (x->done) {
		sm_ics_time(w, "X-SMCAL-DONE", x->done_at);
		if (x->done_url)
			sm_ics_line(w, "X-SMCAL-DONE-URL", x->done_url);
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
	struct line l = {0};
	lput(&l, "SUMMARY:", 8);
	lput_text(&l, "Published: ");
	lput_text(&l, uid);
	emit(w, &l);
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
