/*
 * jsonw: a minimal streaming JSON writer for hot output paths (smctl expand
 * writes a million lines); jansson builds trees, which costs more than the
 * output itself there.  Writes into a caller-owned growable buffer.
 */
#ifndef SM_JSONW_H
#define SM_JSONW_H

#include <stddef.h>

struct sm_jsonw {
	char *buf;
	size_t len, cap;
	int need_comma;
};

/* Appends raw bytes. */
void sm_jsonw_raw(struct sm_jsonw *w, const char *s, size_t n);

/* Appends s as a JSON string literal (NULL writes null); s must be UTF-8. */
void sm_jsonw_string(struct sm_jsonw *w, const char *s);

/* Starts an object member: writes a comma when needed, then "key":. */
void sm_jsonw_key(struct sm_jsonw *w, const char *key);

/* Opens and closes objects and arrays, tracking commas. */
void sm_jsonw_open(struct sm_jsonw *w, char bracket);
void sm_jsonw_close(struct sm_jsonw *w, char bracket);

/* Writes a comma when an array already has an element. */
void sm_jsonw_elem(struct sm_jsonw *w);

/* Empties the buffer, keeping its memory. */
void sm_jsonw_reset(struct sm_jsonw *w);

/* Frees the buffer. */
void sm_jsonw_free(struct sm_jsonw *w);

#endif
