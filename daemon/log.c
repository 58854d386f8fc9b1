/*
 * log: one line per call, written with a single write(2) so that lines from
 * the loop and the loader thread never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static enum sm_log_level threshold = SM_LOG_INFO;
static int journal_prefix;

void
log_init(enum sm_log_level level, int journal)
{
	threshold = level;
	journal_prefix = journal;
}

void
log_msg(enum sm_log_level level, const char *fmt, ...)
{
	if (level < threshold)
		return;
	/* syslog priorities: debug 7, info 6, notice 5, warning 4, err 3 */
	static const int prio[] = {7, 6, 5, 4, 3};
	char buf[8192];
	int n = 0;
	if (journal_prefix)
		n = snprintf(buf, sizeof(buf), "<%d>", prio[level]);
	else
		n = snprintf(buf, sizeof(buf),
			     "smcald: %s: ", sm_config_log_level_name(level));
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
	(void)w;
}
