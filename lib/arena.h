/*
 * arena: bump allocation for data that lives and dies together (one loaded
 * calendar's posts and strings).  Allocation failure aborts: it only happens
 * while loading, before anything depends on the result.
 */
#ifndef SM_ARENA_H
#define SM_ARENA_H

#include <stddef.h>

struct sm_arena_chunk;

struct sm_arena {
	struct sm_arena_chunk *head;
	size_t used_total;
};

/* Returns size bytes aligned for any type, zeroed, owned by the arena. */
void *sm_arena_alloc(struct sm_arena *a, size_t size);

/* Copies a string into the arena; NULL stays NULL. */
char *sm_arena_strdup(struct sm_arena *a, const char *s);

/* Copies n bytes and adds a terminating NUL; strings are packed (not
 * aligned). */
char *sm_arena_strndup(struct sm_arena *a, const char *s, size_t n);

/* Releases every allocation of the arena at once. */
void sm_arena_free(struct sm_arena *a);

#endif
