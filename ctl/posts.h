/*
 * posts: what smctl's post commands share (add, list, show, cancel, done,
 * next): streams of io.smcal.Posts replies, the posts table, a post's
 * details, and the options that name a post (ID, --occurrence,
 * --calendar).
 */
#ifndef SM_CTL_POSTS_H
#define SM_CTL_POSTS_H

#include <jansson.h>

#include "client.h"
#include "output.h"

/* Called per post of a stream with its JSON text (len bytes, not
 * NUL-terminated; one line, compact); a nonzero return stops reading (the
 * command then fails with that code). */
typedef int (*ctl_posts_fn)(void *ctx, const char *json, size_t len);

/* Parses a post's JSON text (ctl_posts_fn's); NULL when it is not an
 * object. */
json_t *ctl_posts_parse(const char *json, size_t len);

/*
 * Calls a stream method (params borrowed) and calls fn for each reply's
 * "post".  Returns CTL_OK, or the exit code after printing why.
 */
int ctl_posts_stream(const struct ctl_env *env, const char *command,
		     const char *method, json_t *params, ctl_posts_fn fn,
		     void *ctx);

/* The posts table: WHEN (local), STATUS, PLATFORMS, TITLE, ID, and
 * OCCURRENCE when any post listed is an occurrence of a series.  Rows are
 * kept as their cells until printed (the columns depend on them). */
struct ctl_posts_table {
	char **cells; /* 6 per row, owned */
	size_t n, cap;
	int recurring;
};

void ctl_posts_table_init(struct ctl_posts_table *pt);

/* Adds a post. */
void ctl_posts_table_add(struct ctl_posts_table *pt, json_t *post);

/* Adds a post from its JSON text (read by a small scanner for flat
 * objects, else by jansson); -1 when it is not an object. */
int ctl_posts_table_add_text(struct ctl_posts_table *pt, const char *json,
			     size_t len);

/* Prints and frees the table; returns how many rows it had. */
size_t ctl_posts_table_print(struct ctl_posts_table *pt);

/* Frees the table without printing it. */
void ctl_posts_table_free(struct ctl_posts_table *pt);

/* Prints a post's fields, one per line ("id: ...", "when: ..."). */
void ctl_posts_show(json_t *post);

/* "instagram, x" of a post's platforms, in buf. */
const char *ctl_posts_platforms(json_t *post, char *buf, size_t len);

/* The colour of a status. */
enum ctl_paint ctl_posts_status_paint(const char *status);

/* A post as one short phrase for a confirmation line: "q_... (2026-12-01
 * 09:00, instagram: \"Title\")"; in buf. */
const char *ctl_posts_phrase(json_t *post, char *buf, size_t len);

/*
 * The commands on one post (show, cancel, done): parses `ID [--occurrence
 * RID] [--calendar C] [--url URL] [--json]` (--url only when with_url),
 * calls method with them and prints the answer's post as a JSON line
 * (--json) or with print.  Returns smctl's exit status.
 */
int ctl_posts_one(const struct ctl_env *env, const struct ctl_cmd *cmd,
		  const char *method, int with_url, int argc, char **argv,
		  void (*print)(json_t *post));

#endif
