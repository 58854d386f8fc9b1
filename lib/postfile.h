/*
 * postfile: the bulk files of `smctl add --file` (SPEC section 6): posts.csv
 * or posts.jsonl, one post a row with the fields of `smctl add`: at,
 * platform(s), title, body, type, persona, campaign, url, draft.
 *
 * CSV goes through csv.h (header row; columns named like the fields, any
 * case, with the aliases below; every column must be known).  JSON Lines
 * is one object a line (jansson), blank lines skipped.  `at` takes the forms
 * of when.h, read in the configured zone against now; an empty or missing
 * `at` leaves the time to the platform's next free slot (sm_postfile_plan).
 * Each row is checked with sm_queue_validate.  Every bad row is reported
 * with its file and line and what is wrong, and when any is bad nothing is
 * returned: a bulk add is all or nothing.  Pure: data, zone and now are
 * passed in.
 */
#ifndef SM_POSTFILE_H
#define SM_POSTFILE_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "queue.h"
#include "slots.h"
#include "tz.h"

enum sm_postfile_format {
	SM_POSTFILE_AUTO,  /* by the label's extension, else by content */
	SM_POSTFILE_CSV,   /* .csv */
	SM_POSTFILE_JSONL, /* .jsonl, .ndjson, .json */
};

struct sm_postfile_opts {
	const struct sm_config *cfg; /* platforms and types; may be NULL */
	const struct sm_tz *zone;    /* of local times; NULL: UTC */
	sm_time now;		     /* for "+2h" and the past */
	int allow_past;		     /* --allow-past */
	enum sm_postfile_format format;
};

struct sm_postfile_row {
	int line;		   /* where the row starts */
	struct sm_queue_post post; /* publish_at SM_QUEUE_UNSET: no time */
};

struct sm_postfile {
	struct sm_postfile_row *rows;
	size_t n;
	struct sm_arena arena; /* the rows' strings */
};

/*
 * Reads len bytes of a bulk file called label (for messages and the
 * format) into *out; returns 0 when every row is good, else -1 with *out
 * empty and every problem in diags ("label:line: message").
 */
int sm_postfile_read(const char *data, size_t len, const char *label,
		     const struct sm_postfile_opts *o, struct sm_postfile *out,
		     struct sm_diag_list *diags);

/*
 * Gives the rows without a time successive free slots: first every row
 * with a time is counted as taken on its platforms, then each row without
 * one, in file order, takes the next free slot of its first platform (free
 * on all of its platforms).  Every platform of the file must be registered
 * in the planner.  Returns how many rows could not be placed (each in
 * diags with its line).
 */
int sm_postfile_plan(struct sm_postfile *pf, struct sm_slot_planner *p,
		     const char *label, struct sm_diag_list *diags);

/* Frees the rows; NULL is a no-op. */
void sm_postfile_free(struct sm_postfile *pf);

#endif
