/*
 * csv: the CSV reader and the count parser.
 *
 * A row's fields are copied, unquoted, into one growing buffer, separated
 * by NULs; their offsets become pointers once the row is complete, since the
 * buffer may move while it grows.
 */
#include "csv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sm_csv {
	const char *data;
	size_t len, pos;
	int line; /* of data[pos] */
	char sep;
	char *buf; /* the current row's fields, NUL-separated */
	size_t blen, bcap;
	size_t *offs;
	const char **fields;
	size_t nf, fcap;
	char **names; /* header, trimmed */
	size_t ncols;
	int header_line;
};

static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void
put(struct sm_csv *c, char ch)
{
	if (c->blen == c->bcap) {
		c->bcap = c->bcap ? c->bcap * 2 : 256;
		c->buf = xrealloc(c->buf, c->bcap);
	}
	c->buf[c->blen++] = ch;
}

/* Ends the current field and opens the next. */
static void
end_field(struct sm_csv *c)
{
	put(c, '\0');
	if (c->nf == c->fcap) {
		c->fcap = c->fcap ? c->fcap * 2 : 16;
		c->offs = xrealloc(c->offs, c->fcap * sizeof(*c->offs));
		c->fields = xrealloc(c->fields, c->fcap * sizeof(*c->fields));
	}
	c->nf++;
	if (c->nf < c->fcap)
		c->offs[c->nf] = c->blen;
}

static int
at_eol(const struct sm_csv *c)
{
	return c->pos < c->len &&
	       (c->data[c->pos] == '\n' || c->data[c->pos] == '\r');
}

/* Consumes one line end (CRLF, LF or CR) at pos. */
static void
eat_eol(struct sm_csv *c)
{
	if (c->data[c->pos] == '\r' && c->pos + 1 < c->len &&
	    c->data[c->pos + 1] == '\n')
		c->pos++;
	c->pos++;
	c->line++;
}

/* Skips to just after the end of the current physical line. */
static void
skip_line(struct sm_csv *c)
{
	while (c->pos < c->len && !at_eol(c))
		c->pos++;
	if (c->pos < c->len)
		eat_eol(c);
}

static int
blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* What is wrong with s (n bytes) as UTF-8 text without NULs, or NULL. */
static const char *
text_problem(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		if (b == 0)
			return "a NUL byte";
		if (b < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned cp;
		if (b >= 0xC2 && b <= 0xDF) {
			k = 1;
			cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			k = 2;
			cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			k = 3;
			cp = b & 0x07;
		} else {
			return "text that is not UTF-8";
		}
		if (i + k >= n)
			return "text that is not UTF-8";
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return "text that is not UTF-8";
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return "text that is not UTF-8";
		i += k + 1;
	}
	return NULL;
}

/*
 * Reads one row at pos into the field buffer.  Returns 1 (a row), 0 (end of
 * data) or -1 (bad row; *line is where, err says what).
 */
static int
read_row(struct sm_csv *c, int *line, char *err, size_t errlen)
{
	c->blen = 0;
	c->nf = 0;
	if (c->fcap == 0) {
		c->fcap = 16;
		c->offs = xrealloc(NULL, c->fcap * sizeof(*c->offs));
		c->fields = xrealloc(NULL, c->fcap * sizeof(*c->fields));
	}
	c->offs[0] = 0;
	if (c->pos >= c->len)
		return 0;
	*line = c->line;
	for (;;) {
		/* A field: quoted when its first non-blank is a quote. */
		size_t p = c->pos;
		while (p < c->len && blank(c->data[p]))
			p++;
		if (p < c->len && c->data[p] == '"') {
			int qline = c->line;
			c->pos = p + 1;
			for (;;) {
				if (c->pos >= c->len) {
					*line = qline;
					fmt_err(err, errlen,
						"a quoted field is never closed "
						"(a quote opened on line %d has "
						"no closing quote)",
						qline);
					return -1;
				}
				char ch = c->data[c->pos];
				if (ch == '"') {
					if (c->pos + 1 < c->len &&
					    c->data[c->pos + 1] == '"') {
						put(c, '"');
						c->pos += 2;
						continue;
					}
					c->pos++;
					break;
				}
				if (ch == '\r' || ch == '\n') {
					eat_eol(c);
					put(c, '\n');
					continue;
				}
				put(c, ch);
				c->pos++;
			}
			while (c->pos < c->len && blank(c->data[c->pos]))
				c->pos++;
			if (c->pos < c->len && c->data[c->pos] != c->sep &&
			    !at_eol(c)) {
				fmt_err(err, errlen,
					"text after a closing quote in field %zu "
					"(write a quote inside a quoted field as "
					"two quotes: \"\")",
					c->nf + 1);
				*line = c->line;
				skip_line(c);
				return -1;
			}
		} else {
			while (c->pos < c->len && c->data[c->pos] != c->sep &&
			       !at_eol(c))
				put(c, c->data[c->pos++]);
		}
		end_field(c);
		if (c->pos < c->len && c->data[c->pos] == c->sep) {
			c->pos++;
			continue;
		}
		if (c->pos < c->len)
			eat_eol(c);
		break;
	}
	for (size_t i = 0; i < c->nf; i++)
		c->fields[i] = c->buf + c->offs[i];
	/* The buffer holds NUL separators of its own: check field by field. */
	const char *why = NULL;
	for (size_t i = 0; i < c->nf && !why; i++) {
		size_t end = i + 1 < c->nf ? c->offs[i + 1] - 1 : c->blen - 1;
		why = text_problem((const unsigned char *)c->buf + c->offs[i],
				   end - c->offs[i]);
	}
	if (why) {
		fmt_err(err, errlen, "the row has %s (save the file as UTF-8)",
			why);
		return -1;
	}
	return 1;
}

/* 1 when every field is empty or blank. */
static int
row_blank(const struct sm_csv *c)
{
	for (size_t i = 0; i < c->nf; i++)
		for (const char *s = c->fields[i]; *s; s++)
			if (!blank(*s))
				return 0;
	return 1;
}

/* Counts commas and semicolons outside quotes on the header line at pos. */
static char
detect_separator(const struct sm_csv *c)
{
	size_t commas = 0, semis = 0;
	int quoted = 0;
	for (size_t p = c->pos; p < c->len; p++) {
		char ch = c->data[p];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && (ch == '\n' || ch == '\r'))
			break;
		else if (!quoted && ch == ',')
			commas++;
		else if (!quoted && ch == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

static char *
trimmed_dup(const char *s)
{
	while (blank(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && blank(s[n - 1]))
		n--;
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

int
sm_csv_open(const char *data, size_t len, struct sm_csv **out, char *err,
	    size_t errlen)
{
	*out = NULL;
	const unsigned char *u = (const unsigned char *)data;
	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
			 (u[0] == 0xFE && u[1] == 0xFF))) {
		fmt_err(err, errlen,
			"the file is UTF-16: save it as UTF-8 (\"CSV UTF-8\" "
			"in spreadsheet apps)");
		return -1;
	}
	struct sm_csv *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->data = data;
	c->len = len;
	c->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
	/* The header is the first line that is not empty. */
	while (c->pos < c->len && at_eol(c))
		eat_eol(c);
	if (c->pos >= c->len) {
		fmt_err(err, errlen, "no header row: the file is empty");
		sm_csv_free(c);
		return -1;
	}
	c->sep = detect_separator(c);
	int line = c->line;
	char why[200] = "";
	if (read_row(c, &line, why, sizeof(why)) != 1) {
		fmt_err(err, errlen, "line %d: bad header row: %s", line, why);
		sm_csv_free(c);
		return -1;
	}
	c->header_line = line;
	c->ncols = c->nf;
	c->names = xrealloc(NULL, c->ncols * sizeof(*c->names));
	for (size_t i = 0; i < c->ncols; i++)
		c->names[i] = trimmed_dup(c->fields[i]);
	*out = c;
	return 0;
}

void
sm_csv_free(struct sm_csv *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncols; i++)
		free(c->names[i]);
	free(c->names);
	free(c->buf);
	free(c->offs);
	free(c->fields);
	free(c);
}

char
sm_csv_separator(const struct sm_csv *c)
{
	return c->sep;
}

int
sm_csv_header_line(const struct sm_csv *c)
{
	return c->header_line;
}

size_t
sm_csv_columns(const struct sm_csv *c)
{
	return c->ncols;
}

const char *
sm_csv_column_name(const struct sm_csv *c, size_t i)
{
	return i < c->ncols ? c->names[i] : NULL;
}

int
sm_csv_find(const struct sm_csv *c, const char *const *names)
{
	for (size_t k = 0; names[k]; k++)
		for (size_t i = 0; i < c->ncols; i++)
			if (sm_csv_name_eq(c->names[i], names[k]))
				return (int)i;
	return -1;
}

int
sm_csv_next(struct sm_csv *c, struct sm_csv_row *row, char *err, size_t errlen)
{
	memset(row, 0, sizeof(*row));
	for (;;) {
		int line = c->line;
		int rc = read_row(c, &line, err, errlen);
		row->line = line;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		if (row_blank(c))
			continue;
		row->fields = c->fields;
		row->n = c->nf;
		return 1;
	}
}

/* The length of a blank at s: space, tab, no-break space (U+00A0) or
 * narrow no-break space (U+202F); 0 when none. */
static size_t
blank_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (*u == ' ' || *u == '\t')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xaf)
		return 3;
	return 0;
}

/* A thousands separator at s (before end): its length, or 0.  A dot is one
 * only when three digits follow it and then the end, a blank or another
 * dot ("1.000", "12.500.000", as exports in much of Europe write counts);
 * else it starts a fraction ("1.0", "1.5"). */
static size_t
group_sep(const char *s, const char *end)
{
	if (*s == '.')
		return end - s >= 4 && isdigit((unsigned char)s[1]) &&
				       isdigit((unsigned char)s[2]) &&
				       isdigit((unsigned char)s[3]) &&
				       (end - s == 4 || s[4] == '.' ||
					blank_len(s + 4) > 0)
			       ? 1
			       : 0;
	return *s == ',' ? 1 : blank_len(s);
}

void
sm_csv_trim(const char *s, const char **a, const char **b)
{
	const char *p = s, *e = s + strlen(s);
	size_t k;
	while ((k = blank_len(p)) > 0)
		p += k;
	for (;;) {
		if (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			      e[-1] == '\n'))
			e--;
		else if (e - p >= 2 && (unsigned char)e[-2] == 0xc2 &&
			 (unsigned char)e[-1] == 0xa0)
			e -= 2;
		else if (e - p >= 3 && (unsigned char)e[-3] == 0xe2 &&
			 (unsigned char)e[-2] == 0x80 &&
			 (unsigned char)e[-1] == 0xaf)
			e -= 3;
		else
			break;
	}
	*a = p;
	*b = e;
}

int
sm_csv_parse_count(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char *p, *end;
	int64_t v = 0;
	int groups = 0, digits = 0;
	size_t sep_len = 0;
	const char *sep = NULL;

	sm_csv_trim(s, &p, &end);
	if (p == end)
		return 1;
	int n = (int)(end - p) > 60 ? 60 : (int)(end - p);
	if (*p == '-' || *p == '(' ||
	    (end - p >= 3 && memcmp(p, "\xe2\x88\x92", 3) == 0)) {
		fmt_err(err, errlen,
			"\"%.*s\" is negative: expected a count of 0 or more",
			n, p);
		return -1;
	}
	if (*p == '+')
		p++;
	for (;;) {
		int nd = 0;
		while (p < end && isdigit((unsigned char)*p)) {
			int d = *p++ - '0';
			if (v > (INT64_MAX / 4 - d) / 10) {
				fmt_err(err, errlen,
					"\"%.*s\" is too large for a count", n,
					end - n);
				return -1;
			}
			v = v * 10 + d;
			nd++;
		}
		if (nd == 0 || (groups > 0 && nd != 3))
			goto bad;
		digits += nd;
		size_t sl = p < end ? group_sep(p, end) : 0;
		if (sl == 0 || p + sl >= end || !isdigit((unsigned char)p[sl]))
			break;
		/* A dot after other groups ("1,234.000") or after four digits
		 * or more ("1234.000") is a fraction's. */
		if (*p == '.' &&
		    (groups == 0 ? nd > 3 : sep_len != 1 || *sep != '.'))
			break;
		if (groups == 0) {
			if (nd > 3)
				goto bad;
			sep = p;
			sep_len = sl;
		} else if (sl != sep_len || memcmp(p, sep, sl) != 0) {
			goto bad;
		}
		groups++;
		p += sl;
	}
	if (p < end && *p == '.') {
		const char *q = p + 1;
		while (q < end && *q == '0')
			q++;
		if (q < end && isdigit((unsigned char)*q)) {
			while (q < end && isdigit((unsigned char)*q))
				q++;
			if (q < end && strchr("kKmMbB", *q) && q + 1 == end)
				goto abbrev;
			fmt_err(err, errlen,
				"\"%.*s\" is not a whole number: expected a "
				"count such as 1234, 1,234 or 1 234",
				n, end - n);
			return -1;
		}
		if (q == p + 1)
			goto bad;
		p = q;
	}
	if (p < end && strchr("kKmMbB", *p) && p + 1 == end)
		goto abbrev;
	if (p != end || digits == 0)
		goto bad;
	*out = v;
	return 0;
abbrev:
	fmt_err(err, errlen,
		"\"%.*s\" is abbreviated, so not an exact count: expected the "
		"exact number such as 12480 (export the data again without "
		"rounding)",
		n, end - n);
	return -1;
bad:
	sm_csv_trim(s, &p, &end);
	fmt_err(err, errlen,
		"\"%.*s\" is not a count: expected a whole number such as "
		"1234, 1,234 or 1 234",
		n, p);
	return -1;
}

/* Blanks, '_' and '-' are ignored in names. */
static size_t
name_skip(const char *s)
{
	if (*s == '_' || *s == '-')
		return 1;
	return blank_len(s);
}

int
sm_csv_name_eq(const char *a, const char *b)
{
	int any = 0;
	size_t k;

	for (;;) {
		while ((k = name_skip(a)) > 0)
			a += k;
		while ((k = name_skip(b)) > 0)
			b += k;
		if (!*a || !*b)
			return !*a && !*b && any;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		any = 1;
		a++;
		b++;
	}
}
