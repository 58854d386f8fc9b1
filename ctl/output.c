/*
 * output: tables, colour and JSON lines for smctl (see output.h).
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
ctl_color(void)
{
	static int known = -1;
	if (known < 0) {
		const char *no = getenv("NO_COLOR");
		const char *term = getenv("TERM");
		known = isatty(STDOUT_FILENO) && !(no && *no) &&
			!(term && strcmp(term, "dumb") == 0);
	}
	return known;
}

const char *
ctl_paint(enum ctl_paint p)
{
	static const char *const seq[] = {
		[CTL_PLAIN] = "",	 [CTL_BOLD] = "\033[1m",
		[CTL_GOOD] = "\033[32m", [CTL_WARN] = "\033[33m",
		[CTL_BAD] = "\033[31m",	 [CTL_DIM] = "\033[2m",
	};
	return ctl_color() ? seq[p] : "";
}

const char *
ctl_unpaint(void)
{
	return ctl_color() ? "\033[0m" : "";
}

void
ctl_json_line(const json_t *obj)
{
	/* 15 significant digits: a rate smcald wrote as 0.070833 prints
	 * as that, not as the 17 digits of its nearest double. */
	char *s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!s)
		abort();
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
}

void
ctl_table_init(struct ctl_table *t, int ncols, const char *const *heads)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > CTL_TABLE_MAX_COLS ? CTL_TABLE_MAX_COLS : ncols;
	for (int i = 0; i < t->ncols; i++)
		t->head[i] = heads[i];
}

void
ctl_table_row(struct ctl_table *t, const char *const *cells,
	      const enum ctl_paint *paint)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = realloc(t->cells, t->cap * (size_t)t->ncols *
						     sizeof(*t->cells));
		t->paint = realloc(t->paint, t->cap * (size_t)t->ncols *
						     sizeof(*t->paint));
		if (!t->cells || !t->paint)
			abort();
	}
	for (int i = 0; i < t->ncols; i++) {
		size_t k = t->nrows * (size_t)t->ncols + (size_t)i;
		t->cells[k] = strdup(cells[i] ? cells[i] : "");
		if (!t->cells[k])
			abort();
		t->paint[k] = paint ? paint[i] : CTL_PLAIN;
	}
	t->nrows++;
}

/* Characters in a UTF-8 string (continuation bytes do not count). */
static size_t
width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void
cell(FILE *out, const char *s, size_t w, int right, int last, enum ctl_paint p)
{
	size_t pad = w - width(s);
	if (right)
		fprintf(out, "%*s", (int)pad, "");
	fprintf(out, "%s%s%s", ctl_paint(p), s,
		p == CTL_PLAIN ? "" : ctl_unpaint());
	if (!right && !last)
		fprintf(out, "%*s", (int)pad, "");
}

void
ctl_table_print(struct ctl_table *t, FILE *out, int indent)
{
	size_t w[CTL_TABLE_MAX_COLS];
	for (int i = 0; i < t->ncols; i++) {
		w[i] = width(t->head[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t x = width(
				t->cells[r * (size_t)t->ncols + (size_t)i]);
			if (x > w[i])
				w[i] = x;
		}
	}
	fprintf(out, "%*s", indent, "");
	for (int i = 0; i < t->ncols; i++) {
		if (i)
			fputs("  ", out);
		cell(out, t->head[i], w[i], t->right[i], i == t->ncols - 1,
		     CTL_BOLD);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(out, "%*s", indent, "");
		for (int i = 0; i < t->ncols; i++) {
			size_t k = r * (size_t)t->ncols + (size_t)i;
			if (i)
				fputs("  ", out);
			cell(out, t->cells[k], w[i], t->right[i],
			     i == t->ncols - 1, t->paint[k]);
		}
		fputc('\n', out);
	}
	ctl_table_free(t);
}

void
ctl_table_free(struct ctl_table *t)
{
	for (size_t k = 0; k < t->nrows * (size_t)t->ncols; k++)
		free(t->cells[k]);
	free(t->cells);
	free(t->paint);
	memset(t, 0, sizeof(*t));
}

const char *
ctl_when(const char *s, char *buf, size_t len)
{
	if (!s) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* YYYY-MM-DDTHH:MM */
	if (strlen(s) >= 16 && s[10] == 'T')
		snprintf(buf, len, "%.10s %.5s", s, s + 11);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}

const char *
ctl_duration(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}
