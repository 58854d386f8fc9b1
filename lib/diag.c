/*
 * diag: problem lists.  Allocation failure while recording a problem aborts:
 * at that point nothing useful can be reported anyway.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q)
		abort();
	return q;
}

void
sm_diag_add(struct sm_diag_list *list, enum sm_severity severity,
	    const char *file, int line, const char *fmt, ...)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		list->items =
			xrealloc(list->items, list->cap * sizeof(*list->items));
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	struct sm_diag *d = &list->items[list->n++];
	d->severity = severity;
	d->file = file ? strdup(file) : NULL;
	if (file && !d->file)
		abort();
	d->line = line;
	d->message = msg;
	if (severity == SM_ERROR)
		list->nerrors++;
	else
		list->nwarnings++;
}

void
sm_diag_print(const struct sm_diag_list *list, FILE *out)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct sm_diag *d = &list->items[i];
		const char *sev = d->severity == SM_ERROR ? "error" : "warning";
		if (d->file && d->line > 0)
			fprintf(out, "%s:%d: %s: %s\n", d->file, d->line, sev,
				d->message);
		else if (d->file)
			fprintf(out, "%s: %s: %s\n", d->file, sev, d->message);
		else
			fprintf(out, "%s: %s\n", sev, d->message);
	}
}

void
sm_diag_clear(struct sm_diag_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->items[i].file);
		free(list->items[i].message);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
