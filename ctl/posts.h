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

/* Called per post of a stream; a nonzero return stops reading (the
 * command then fails with that code). */
typedef int (*ctl_posts_fn)(void *ctx, json_t *post);

/*
 * Calls a stream method (params borrowed) and calls fn for each reply's
 * "post".  Returns CTL_OK, or the exit code after printing why.
 */
int ctl_posts_stream(const struct ctl_env *env, const char *command,
		     const char *method, json_t *params, ctl_posts_fn fn,
		     void *ctx);

/* The posts table: WHEN (local), STATUS, PLATFORMS, TITLE, ID, and
 * OCCURRENCE when any post listed is an occurrence of a series. */
struct ctl_posts_table {
	struct ctl_table t;
	json_t *rows; /* kept until printed: the columns depend on them */
	int recurring;
};

void ctl_posts_table_init(struct ctl_posts_table *pt);

/* Adds a post (a reference is kept). */
void ctl_posts_table_add(struct ctl_posts_table *pt, json_t *post);

/* Prints and frees the table; returns how many rows it had. */
size_t ctl_posts_table_print(struct ctl_posts_table *pt);

/* Prints a post's fields, one per line ("id: ...", "when: ..."). */
void ctl_posts_show(json_t *post);

/* "instagram, x" of a post's platforms, in buf. */
const char *ctl_posts_platforms(json_t *post, char *buf, size_t len);

/* The colour of a status. */
enum ctl_paint ctl_posts_status_paint(const char *status);

/* A post as one short phrase for a confirmation line: "q_... (2026-12-01
 * 09:00, instagram: \"Title\")"; in buf. */
const char *ctl_posts_phrase(json_t *post, char *buf, size_t len);

#endif
