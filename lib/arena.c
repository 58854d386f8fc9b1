/*
 * arena: a list of chunks, the newest first.  Big requests get a chunk of
 * their own so that small ones keep filling the current chunk.  Blocks are
 * aligned for any type, strings are packed.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (256 * 1024)

struct sm_arena_chunk {
	struct sm_arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

static struct sm_arena_chunk *
chunk_new(size_t size)
{
	struct sm_arena_chunk *c = malloc(sizeof(*c) + size);
	if (!c)
		abort();
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

/* size bytes at an offset that is a multiple of align (a power of two up
 * to max_align_t's), not zeroed. */
static void *
bump(struct sm_arena *a, size_t size, size_t align)
{
	if (size == 0)
		size = 1;
	struct sm_arena_chunk *c = a->head;
	if (size > CHUNK_SIZE / 4) {
		struct sm_arena_chunk *big = chunk_new(size);
		big->used = size;
		if (c) { /* Keep the partly used chunk at the head. */
			big->next = c->next;
			c->next = big;
		} else {
			a->head = big;
		}
		a->used_total += size;
		return big->data;
	}
	size_t off = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || off > c->size || c->size - off < size) {
		c = chunk_new(CHUNK_SIZE);
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	void *p = c->data + off;
	a->used_total += off - c->used + size; /* with the padding */
	c->used = off + size;
	return p;
}

void *
sm_arena_alloc(struct sm_arena *a, size_t size)
{
	void *p = bump(a, size, alignof(max_align_t));
	memset(p, 0, size ? size : 1);
	return p;
}

char *
sm_arena_strndup(struct sm_arena *a, const char *s, size_t n)
{
	/* Strings need no alignment: packed, a 100k-post calendar saves
	 * megabytes of padding. */
	char *p = bump(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
sm_arena_strdup(struct sm_arena *a, const char *s)
{
	return s ? sm_arena_strndup(a, s, strlen(s)) : NULL;
}

void
sm_arena_free(struct sm_arena *a)
{
	struct sm_arena_chunk *c = a->head;
	while (c) {
		struct sm_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}
