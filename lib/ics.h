/*
 * ics: writes iCalendar (RFC 5545) text, for `smctl export`: the queue and
 * the done marks as a file that calendar apps import and lib/calendar reads
 * back to the same posts.
 *
 * Content lines are folded at 75 octets (continuation lines start with a
 * space and never split a UTF-8 character) and end in CRLF; TEXT values are
 * escaped (backslash, semicolon, comma, newline), and control characters
 * that TEXT cannot hold are dropped.  Times are written in UTC
 * (20261201T080000Z).  Output goes to a growable buffer the caller owns.
 * Pure: the DTSTAMP instant is passed in.
 */
#ifndef SM_ICS_H
#define SM_ICS_H

#include <stddef.h>

#include "calendar.h"
#include "civil.h"

/* Octets per content line before folding (RFC 5545 section 3.1). */
#define SM_ICS_FOLD 75

struct sm_ics {
	char *buf; /* NUL-terminated after each line */
	size_t len, cap;
	size_t col; /* octets on the physical line being written */
};

/* Opens the VCALENDAR (VERSION, PRODID, CALSCALE, and X-WR-CALNAME when
 * name is not NULL). */
void sm_ics_begin(struct sm_ics *w, const char *name);

/* Closes the VCALENDAR. */
void sm_ics_end(struct sm_ics *w);

/* Writes "NAME:VALUE" folded; the value is written as given (already
 * escaped, or of a type that needs no escaping), control characters
 * dropped. */
void sm_ics_line(struct sm_ics *w, const char *name, const char *value);

/* Writes a TEXT property with its value escaped; NULL writes nothing. */
void sm_ics_text(struct sm_ics *w, const char *name, const char *text);

/* Writes a DATE-TIME property in UTC ("DTSTART:20261201T080000Z"). */
void sm_ics_time(struct sm_ics *w, const char *name, sm_time utc);

/* What a VEVENT carries besides the post. */
struct sm_ics_extra {
	sm_time dtstamp;		/* required */
	sm_time created, last_modified; /* 0: left out */
	int done;			/* marked done: X-SMCAL-DONE */
	sm_time done_at;
	const char *done_url; /* X-SMCAL-DONE-URL; may be NULL */
};

/*
 * Writes a single post as a VEVENT: UID, DTSTAMP, DTSTART in UTC, SUMMARY,
 * DESCRIPTION, URL, STATUS (CONFIRMED, TENTATIVE for a draft, CANCELLED),
 * SEQUENCE, X-SMCAL-PLATFORM/TYPE/PERSONA/CAMPAIGN/WEBHOOK, TRANSP and the
 * extras.  Returns 0, or -1 (writing nothing) when the post has no UID, a
 * start that is not UTC, or recurrence: this writer is for queued posts.
 */
int sm_ics_post(struct sm_ics *w, const struct sm_post *p,
		const struct sm_ics_extra *x);

/*
 * Writes a done mark of a calendar post as a VJOURNAL (calendar readers
 * that show posts skip it): a UID derived from the occurrence, DTSTAMP,
 * DTSTART = when it was done, STATUS:FINAL, SUMMARY, RELATED-TO the post's
 * UID, X-SMCAL-CALENDAR, X-SMCAL-RECURRENCE-ID and URL (when given).
 */
void sm_ics_done(struct sm_ics *w, const char *calendar, const char *uid,
		 const char *recurrence_id, const char *url, sm_time at,
		 sm_time dtstamp);

/* Frees the buffer and empties the writer. */
void sm_ics_free(struct sm_ics *w);

#endif
