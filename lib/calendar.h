/*
 * calendar: reads iCalendar files into smcal's own compact post model.  The
 * only module that includes libical.
 *
 * Data flow: the file is read whole, split into physical lines (CRLF, LF or
 * CR), unfolded, and walked as BEGIN/END structure with line numbers kept.
 * Each top-level component (VEVENT, VTODO, VTIMEZONE) is handed to libical
 * alone, converted into a struct sm_post or a zone, and its libical tree is
 * freed at once, so a large file never has its whole tree in memory.  RRULE
 * values are parsed by rrule.c from the raw text (EXRULE, which RFC 5545
 * dropped, is reported and ignored).  Zones are
 * resolved after the whole file is read (a VTIMEZONE may follow its users):
 * the file's VTIMEZONE of that TZID in the same VCALENDAR, else in the file,
 * else the system zoneinfo by IANA name (libical-style prefixes such as
 * "/freeassociation.sourceforge.net/" stripped), else a Windows zone name
 * mapped through CLDR's windowsZones.xml.  TZIDs are compared without the
 * white space around them (Exchange writes "TZID: 1").  An unknown TZID is
 * an error naming its line; the values that use it are read as floating.
 *
 * Messy input is loaded as far as it goes: every problem is reported in the
 * caller's diagnostics with file and line, and nothing aborts the load but an
 * unreadable file.  Text that is not UTF-8 is read as Windows-1252.
 *
 * Loading is linear in the file's size whatever it holds.  A property whose
 * value (unfolded) is longer than SM_CALENDAR_MAX_PROPERTY, or a
 * component longer than SM_CALENDAR_MAX_COMPONENT, is an error naming its
 * line, and its component is skipped: never held whole in memory, never
 * given to libical.  Long lines are handed to libical folded (libical
 * rescans an unfolded line for each piece it reads: quadratic).  A load can
 * be cancelled from another thread (cal->cancel): it stops within a line
 * and reports it.
 */
#ifndef SM_CALENDAR_H
#define SM_CALENDAR_H

#include <stdatomic.h>
#include <stddef.h>

#include "arena.h"
#include "civil.h"
#include "diag.h"
#include "rrule.h"
#include "tz.h"

enum sm_dt_kind {
	SM_DT_UTC,	/* ends in Z: civil is the instant */
	SM_DT_FLOATING, /* no zone: read in the calendar's zone */
	SM_DT_ZONED,	/* TZID: civil is local time in zone->tz */
	SM_DT_DATE,	/* a DATE: civil is midnight, floating */
};

/* A TZID as written in a file, resolved once the file is read. */
struct sm_zone_ref {
	const char *tzid;
	int line;		/* first use */
	const struct sm_tz *tz; /* NULL: unknown, values read as floating */
};

struct sm_dt {
	sm_time civil;
	enum sm_dt_kind kind;
	const struct sm_zone_ref *zone; /* for SM_DT_ZONED */
};

enum sm_post_status {
	SM_POST_SCHEDULED,
	SM_POST_DRAFT,
	SM_POST_CANCELLED,
};

enum sm_alarm_kind {
	SM_ALARM_BEFORE_START, /* offset relative to the start */
	SM_ALARM_BEFORE_END,   /* offset relative to the end */
	SM_ALARM_ABSOLUTE,     /* at an instant */
};

struct sm_alarm {
	sm_time value;	    /* signed offset in seconds, or an instant */
	sm_time repeat_gap; /* DURATION between repetitions */
	enum sm_alarm_kind kind;
	int repeat; /* extra repetitions (REPEAT) */
};

/*
 * A post.  Fields are ordered by size (pointers, dates, counts, flags) so
 * that a 100k-post calendar carries no padding; strings, lists and rules
 * equal between posts of one calendar are one shared copy (read-only).
 */
struct sm_post {
	const char *uid;
	const char *title, *body, *url;
	const char *type, *persona, *campaign, *webhook;
	const char **platforms;
	const char **categories;
	const char **attachments;
	struct sm_rrule *rrules;
	struct sm_dt *rdates; /* RDATEs: dates, date-times or PERIOD starts */
	struct sm_dt *exdates;
	struct sm_alarm *alarms;
	const char *file;
	struct sm_dt start;
	struct sm_dt end;	    /* DTEND or DUE, when has_end */
	struct sm_dt recurrence_id; /* when is_override */
	sm_time duration;	    /* DURATION in seconds when !has_end */
	int nplatforms;
	int ncategories;
	int nattachments;
	int nrrules;
	int nrdates;
	int nexdates;
	int nalarms;
	int sequence;
	int line; /* BEGIN line of the component */
	enum sm_post_status status;
	unsigned char uid_derived; /* no UID in the file: a stable one was
				      made */
	unsigned char has_end;
	unsigned char has_duration;
	unsigned char is_override;     /* has RECURRENCE-ID */
	unsigned char this_and_future; /* RANGE=THISANDFUTURE */
	unsigned char is_todo;
};

/* An X-WR-TIMEZONE (Google's and Apple's calendar zone, not RFC 5545 and
 * never applied): the first of each file, for lint. */
struct sm_x_wr_timezone {
	const char *file;
	int line;
	const char *zone;
	struct sm_x_wr_timezone *next; /* the next file's, or NULL */
};

struct sm_calendar {
	const char *name; /* the config's calendar name, or "main" */
	struct sm_arena arena;
	struct sm_post *posts;
	size_t nposts, cap;
	struct sm_tz **zones; /* zones built from the files' VTIMEZONEs */
	size_t nzones, zones_cap;
	/* Each file's first X-WR-TIMEZONE, in load order, or NULL. */
	struct sm_x_wr_timezone *x_wr_timezones;
	int unterminated; /* components still open at the end of a file: the
			     file may be cut short (a save in progress) */
	const atomic_int *cancel; /* set by the caller, may be NULL: nonzero
				     stops a load in progress */
	int cancelled;		  /* a load stopped because of it */
};

/* The longest property value (unfolded) and component read. */
#define SM_CALENDAR_MAX_PROPERTY (1 << 20)
#define SM_CALENDAR_MAX_COMPONENT (8 << 20)

/* Starts an empty calendar with a name (copied). */
void sm_calendar_init(struct sm_calendar *cal, const char *name);

/*
 * Adds the posts of one .ics file.  Problems go to diags with file and line;
 * returns 0 when the file could be read (even with problems), -1 when it
 * could not be opened or read at all.
 */
int sm_calendar_load_file(struct sm_calendar *cal, const char *path,
			  struct sm_diag_list *diags);

/* Same as sm_calendar_load_file for a file already open (read from its
 * current offset to its end, not closed); label names it in diagnostics. */
int sm_calendar_load_fd(struct sm_calendar *cal, int fd, const char *label,
			struct sm_diag_list *diags);

/* Same as sm_calendar_load_file for text already in memory; label names it
 * in diagnostics. */
int sm_calendar_load_buffer(struct sm_calendar *cal, const char *data,
			    size_t len, const char *label,
			    struct sm_diag_list *diags);

/* Releases everything the calendar holds (not the struct itself). */
void sm_calendar_fini(struct sm_calendar *cal);

/*
 * The system zone of an IANA name (or UTC), built once and cached for the
 * life of the process; NULL when /usr/share/zoneinfo has no such zone.
 * Thread-safe.
 */
const struct sm_tz *sm_calendar_system_zone(const char *name);

/* The IANA name CLDR maps a Windows zone name to, or NULL. Thread-safe. */
const char *sm_calendar_windows_zone(const char *windows_name);

/* Frees the process-wide zone caches (for leak checkers at exit). */
void sm_calendar_zones_cleanup(void);

#endif
