/*
 * csv: a general reader for the CSV files people export from spreadsheets
 * and social platforms (`smctl add --file posts.csv`, `smctl metric import`,
 * SPEC section 8), and the number parser for the counts in them.
 *
 * The first non-empty line is the header.  Text is UTF-8, with or without a
 * BOM (UTF-16 is refused with a hint).  The separator is a comma or a
 * semicolon, whichever the header has more of outside quotes.  Fields
 * follow RFC 4180: quoted fields may hold separators, newlines (CRLF inside
 * becomes LF) and doubled quotes; blanks around a quoted field are dropped,
 * unquoted fields are kept as written (callers trim).  Lines end in CRLF, LF
 * or CR.  Lines that are empty or hold only separators and blanks are
 * skipped.  Each row carries the line it starts on; a bad row (text after a
 * closing quote, invalid UTF-8, a NUL byte) is reported with its line and
 * reading goes on with the next one, so a caller can list every problem.
 * Pure: the data is in memory, nothing here does I/O.
 */
#ifndef SM_CSV_H
#define SM_CSV_H

#include <stddef.h>
#include <stdint.h>

struct sm_csv;

/* A row: fields borrowed from the reader until the next sm_csv_next. */
struct sm_csv_row {
	const char *const *fields;
	size_t n;
	int line; /* 1-based line the row starts on */
};

/*
 * Starts reading data (len bytes, borrowed until sm_csv_free) and reads its
 * header row; returns 0 with a reader in *out, or -1 with *out NULL and a
 * message in err (no header, UTF-16, invalid UTF-8 or an unclosed quote in
 * the header, with its line).
 */
int sm_csv_open(const char *data, size_t len, struct sm_csv **out, char *err,
		size_t errlen);

/* Frees a reader; NULL is a no-op. */
void sm_csv_free(struct sm_csv *c);

/* The separator in use: ',' or ';'. */
char sm_csv_separator(const struct sm_csv *c);

/* The line the header row is on (1 unless empty lines precede it). */
int sm_csv_header_line(const struct sm_csv *c);

/* The number of header columns. */
size_t sm_csv_columns(const struct sm_csv *c);

/* The name of header column i (trimmed, borrowed), or NULL past the end. */
const char *sm_csv_column_name(const struct sm_csv *c, size_t i);

/*
 * The index of the column named by the earliest entry of names (a
 * NULL-terminated list) that a header column matches by sm_csv_name_eq, or
 * -1 when none does.
 */
int sm_csv_find(const struct sm_csv *c, const char *const *names);

/* 1 when two column names are equal ignoring ASCII case, blanks (also
 * no-break spaces), '_' and '-' ("Link Clicks" and "link_clicks"), and a is
 * not blank; else 0. */
int sm_csv_name_eq(const char *a, const char *b);

/* Sets [*a, *b) to s without the blanks at either end: spaces, tabs, line
 * ends, no-break and narrow no-break spaces. */
void sm_csv_trim(const char *s, const char **a, const char **b);

/*
 * Reads the next row: returns 1 and fills *row, 0 at the end of the data,
 * or -1 for a bad row (row->line names it, err says what is wrong; the
 * next call goes on after it).
 */
int sm_csv_next(struct sm_csv *c, struct sm_csv_row *row, char *err,
		size_t errlen);

/*
 * Parses a count cell as exports write counts: blanks around ignored;
 * digits, optionally grouped by thousands with one kind of separator (',',
 * a space, a no-break space or a narrow no-break space: "1,234", "1 234"),
 * optionally followed by a fraction of zeros ("1234.0").  Returns 0 with
 * *out, 1 for an empty cell (missing, not zero; *out untouched), or -1
 * leaving *out alone with why in err: negative (also "(5)" and U+2212), a
 * fraction, an abbreviation such as 12.5k (not an exact count), too large
 * (over a quarter of INT64_MAX, so sums cannot overflow), or not a number.
 */
int sm_csv_parse_count(const char *s, int64_t *out, char *err, size_t errlen);

#endif
