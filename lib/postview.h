/*
 * postview: one occurrence of a post as io.smcal.Posts shows it (the
 * interface's type Post): a queued post or one occurrence of a calendar
 * post, with its status among draft, scheduled, cancelled and done, its
 * publish instant in UTC and in the configured zone, and its done mark.
 * It owns the Post object's JSON (written with jsonw, not jansson: `smctl
 * list` streams one per reply, 100,000 of them), the order posts are listed
 * in, the status names of the List filter, and the reading of an
 * occurrence's identity typed by a person (`--occurrence`).  Pure: no
 * store, no clock.
 */
#ifndef SM_POSTVIEW_H
#define SM_POSTVIEW_H

#include <stddef.h>

#include "civil.h"
#include "jsonw.h"
#include "tz.h"

/* Text fields longer than this (calendar posts may carry megabytes) are
 * cut at a character boundary in the JSON, which then says "truncated":
 * a reply stays far below the wire's 1 MiB. */
#define SM_POSTVIEW_MAX_TEXT (64 * 1024)

enum sm_postview_status {
	SM_PV_DRAFT,
	SM_PV_SCHEDULED,
	SM_PV_CANCELLED,
	SM_PV_DONE,
};

/* Everything a Post object says; strings borrowed, NULL when absent. */
struct sm_postview {
	const char *id;		/* queued id, or the calendar post's UID */
	const char *occurrence; /* identity (sm_occur_format_rid) */
	const char *calendar;	/* "queue" for queued posts */
	const char *title, *body;
	sm_time publish_at; /* actual start, UTC */
	const char *const *platforms;
	int nplatforms;
	const char *type, *persona, *campaign, *url;
	enum sm_postview_status status;
	int recurring; /* an occurrence of a series (needs occurrence to be
			  named alone) */
	int done;      /* marked done (also when cancelled afterwards) */
	sm_time done_at;
	const char *posted_url;
};

/*
 * The status a post shows: cancelled (the post, or this occurrence) wins,
 * then done (marked published), then draft, else scheduled.
 */
enum sm_postview_status sm_postview_status_of(int cancelled, int done,
					      int draft);

/* "draft", "scheduled", "cancelled" or "done". */
const char *sm_postview_status_name(enum sm_postview_status s);

/* The status named s; -1 when s names none. */
int sm_postview_status_parse(const char *s);

/*
 * Appends the Post object of v to w (an object, nothing around it), with
 * publish_at in UTC and publish_at_local in zone (NULL: UTC) with its
 * offset.  Absent optional fields are left out; a text field over
 * SM_POSTVIEW_MAX_TEXT bytes is cut and "truncated": true added.
 */
void sm_postview_json(struct sm_jsonw *w, const struct sm_postview *v,
		      const struct sm_tz *zone);

/*
 * The order posts are listed in: publish instant, then calendar, then id,
 * then occurrence (strcmp).  Negative, zero or positive like strcmp.
 */
int sm_postview_cmp(sm_time at_a, const char *cal_a, const char *id_a,
		    const char *occ_a, sm_time at_b, const char *cal_b,
		    const char *id_b, const char *occ_b);

/*
 * Reads an occurrence's identity as a person may type it and writes it the
 * way smcal keys occurrences (SPEC 6): an instant with Z or an offset
 * ("2026-12-01T09:00:00+01:00", "20261201T080000Z") as UTC
 * "2026-12-01T08:00:00Z"; a local time without offset as
 * "2026-12-01T09:00:00" (a floating series' identity); a date as
 * "2026-12-01".  *kind gets SM_CIVIL_UTC, SM_CIVIL_LOCAL or SM_CIVIL_DATE
 * and *at the instant or civil time.  Returns 0, or -1 for anything else.
 */
int sm_postview_rid_parse(const char *s, char *out, size_t len,
			  enum sm_civil_style *kind, sm_time *at);

#endif
