/*
 * output: how smctl's online commands print.  --json: the reply's
 * parameters as one JSON object per line.  Otherwise aligned tables and
 * short lines for people, in colour only on a terminal and never when
 * NO_COLOR is set (or TERM is dumb).
 */
#ifndef SM_CTL_OUTPUT_H
#define SM_CTL_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

/* 1 when stdout is a terminal that takes colour (no NO_COLOR, TERM not
 * dumb); the answer is worked out once. */
int ctl_color(void);

/* Colours for cells and text; ctl_paint gives "" when colour is off. */
enum ctl_paint {
	CTL_PLAIN,
	CTL_BOLD,
	CTL_GOOD,
	CTL_WARN,
	CTL_BAD,
	CTL_DIM,
};

/* The escape sequence that starts a colour ("" when colour is off). */
const char *ctl_paint(enum ctl_paint p);

/* The sequence that ends it ("" when colour is off). */
const char *ctl_unpaint(void);

/* Prints obj compactly on one line of stdout. */
void ctl_json_line(const json_t *obj);

#define CTL_TABLE_MAX_COLS 12

/* An aligned table: a header, then rows of cells.  Widths count
 * characters, not bytes, so "café" lines up. */
struct ctl_table {
	int ncols;
	const char *head[CTL_TABLE_MAX_COLS];
	int right[CTL_TABLE_MAX_COLS]; /* 1: numbers, aligned right */
	char **cells;		       /* nrows * ncols, owned */
	enum ctl_paint *paint;
	size_t nrows, cap;
};

/* Starts a table with ncols columns named by the NULL-ended heads. */
void ctl_table_init(struct ctl_table *t, int ncols, const char *const *heads);

/* Adds a row; each of the ncols cells is copied (NULL prints as ""). */
void ctl_table_row(struct ctl_table *t, const char *const *cells,
		   const enum ctl_paint *paint);

/* Prints the header and rows, indented by indent spaces; frees t. */
void ctl_table_print(struct ctl_table *t, FILE *out, int indent);

/* Frees a table without printing it; a freed table is a no-op. */
void ctl_table_free(struct ctl_table *t);

/* "2026-12-03T08:30:00+01:00" or "...Z" as "2026-12-03 08:30" in buf. */
const char *ctl_when(const char *rfc3339, char *buf, size_t len);

/* A duration in seconds as "2d 3h", "2h 13m", "4m 10s" or "45s". */
const char *ctl_duration(long long s, char *buf, size_t len);

#endif
