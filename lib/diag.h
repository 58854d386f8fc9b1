/*
 * diag: a list of problems found while reading input (config, calendars),
 * each with severity, file, line and a message that says what to do.
 *
 * Loaders append to a list the caller owns; nothing here prints unless asked.
 * A loader "fails" only on errors; warnings never stop it.
 */
#ifndef SM_DIAG_H
#define SM_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum sm_severity {
	SM_WARNING,
	SM_ERROR,
};

struct sm_diag {
	enum sm_severity severity;
	char *file;    /* owned; may be NULL */
	int line;      /* 0: not tied to a line */
	char *message; /* owned */
};

struct sm_diag_list {
	struct sm_diag *items;
	size_t n, cap;
	size_t nerrors, nwarnings;
};

/* Appends a printf-formatted problem; file may be NULL, line 0. */
void sm_diag_add(struct sm_diag_list *list, enum sm_severity severity,
		 const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Prints every problem as "file:line: error: message" lines to out. */
void sm_diag_print(const struct sm_diag_list *list, FILE *out);

/* Frees the problems and empties the list (the struct itself is the
 * caller's). */
void sm_diag_clear(struct sm_diag_list *list);

#endif
