/*
 * log: one line per call, written with a single write(2) so that lines from
 * the loop and the loader thread never interleave.  The formatted message
 * goes through sm_logesc_escape: whatever its arguments hold (calendar
 * titles, file names, receiver errors), a call writes exactly one line, and
 * only this file chooses the journal's "<N>" priority.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "logesc.h"

/* A message longer than this is cut; escaping may make it up to four
 * times longer (a control byte becomes \xHH). */
#define MSG_MAX 8192

static enum sm_log_level threshold = SM_LOG_INFO;
static int journal_prefix, stamps;
/* Read by every logging thread, set by the loop at start and reload. */
static const struct sm_tz *zone;

void
log_init(enum sm_log_level level, int journal)
{
	threshold = level;
	journal_prefix = journal;
	stamps = getenv("JOURNAL_STREAM") == NULL;
}

void
log_set_zone(const struct sm_tz *tz)
{
	__atomic_store_n(&zone, tz, __ATOMIC_RELEASE);
}

const char *
log_time(sm_time t, char *buf)
{
	return sm_tz_format(__atomic_load_n(&zone, __ATOMIC_ACQUIRE),
			    (int64_t)t * 1000, 0, buf, SM_TZ_RFC3339_MAX);
}

void
log_msg(enum sm_log_level level, const char *fmt, ...)
{
	if (level < threshold)
		return;
	/* syslog priorities: debug 7, info 6, notice 5, warning 4, err 3 */
	static const int prio[] = {7, 6, 5, 4, 3};
	char msg[MSG_MAX], buf[4 * MSG_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t mlen = (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
	int n = 0;
	if (journal_prefix) {
		n = snprintf(buf, sizeof(buf), "<%d>", prio[level]);
	} else {
		char ts[SM_TZ_RFC3339_MAX] = "";
		if (stamps) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			int64_t ms = (int64_t)now.tv_sec * 1000 +
				     now.tv_nsec / 1000000;
			sm_tz_format(__atomic_load_n(&zone, __ATOMIC_ACQUIRE),
				     ms, 1, ts, sizeof(ts));
		}
		n = snprintf(buf, sizeof(buf), "%s%ssmcald: %s: ", ts,
			     *ts ? " " : "", sm_config_log_level_name(level));
	}
	/* One byte is kept for the line's own newline. */
	size_t len = (size_t)n + sm_logesc_escape(buf + n,
						  sizeof(buf) - (size_t)n - 1,
						  msg, mlen);
	buf[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, len);
	(void)w;
}
