/*
 * jsonw: escaping per RFC 8259: quote, backslash and control characters;
 * everything else (UTF-8 included) is copied as is.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sm_jsonw_raw(struct sm_jsonw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *p = realloc(w->buf, cap);
		if (!p)
			abort();
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
sm_jsonw_string(struct sm_jsonw *w, const char *s)
{
	if (!s) {
		sm_jsonw_raw(w, "null", 4);
		return;
	}
	sm_jsonw_raw(w, "\"", 1);
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sm_jsonw_raw(w, run, (size_t)(p - run));
		char esc[8];
		switch (c) {
		case '"':
			sm_jsonw_raw(w, "\\\"", 2);
			break;
		case '\\':
			sm_jsonw_raw(w, "\\\\", 2);
			break;
		case '\n':
			sm_jsonw_raw(w, "\\n", 2);
			break;
		case '\r':
			sm_jsonw_raw(w, "\\r", 2);
			break;
		case '\t':
			sm_jsonw_raw(w, "\\t", 2);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			sm_jsonw_raw(w, esc, 6);
		}
		run = p + 1;
	}
	sm_jsonw_raw(w, run, strlen(run));
	sm_jsonw_raw(w, "\"", 1);
}

void
sm_jsonw_key(struct sm_jsonw *w, const char *key)
{
	if (w->need_comma)
		sm_jsonw_raw(w, ",", 1);
	sm_jsonw_string(w, key);
	sm_jsonw_raw(w, ":", 1);
	w->need_comma = 1;
}

void
sm_jsonw_open(struct sm_jsonw *w, char bracket)
{
	sm_jsonw_raw(w, &bracket, 1);
	w->need_comma = 0;
}

void
sm_jsonw_close(struct sm_jsonw *w, char bracket)
{
	sm_jsonw_raw(w, &bracket, 1);
	w->need_comma = 1;
}

void
sm_jsonw_elem(struct sm_jsonw *w)
{
	if (w->need_comma)
		sm_jsonw_raw(w, ",", 1);
	w->need_comma = 1;
}

void
sm_jsonw_reset(struct sm_jsonw *w)
{
	w->len = 0;
	w->need_comma = 0;
	if (w->buf)
		w->buf[0] = '\0';
}

void
sm_jsonw_free(struct sm_jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
