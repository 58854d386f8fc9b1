/*
 * log: smcald's own log.  Lines go to stderr: under systemd (JOURNAL_STREAM
 * set, no -f) with a "<N>" priority prefix the journal reads; away from the
 * journal (JOURNAL_STREAM unset) each line starts with its time, RFC 3339
 * with milliseconds in the configured zone ("2026-12-01T09:00:00.003+01:00
 * smcald: info: ..."), since nothing else timestamps a terminal or a file.
 * Times inside messages are RFC 3339 in the same zone (log_time).  The `log` event sink writes through here too.  Messages
 * are escaped (lib/logesc): line breaks, controls and invalid UTF-8 in any
 * argument never start another line or reach a terminal raw.
 */
#ifndef SMCALD_LOG_H
#define SMCALD_LOG_H

#include "config.h"
#include "tz.h"

/* Sets the threshold and whether to prefix priorities for the journal;
 * lines get a timestamp unless JOURNAL_STREAM is set (journald adds its
 * own). */
void log_init(enum sm_log_level level, int journal);

/* Sets the zone of log times (the config's timezone; NULL: UTC).  Safe to
 * call while other threads log; the zone must outlive the process's
 * logging (system zones do). */
void log_set_zone(const struct sm_tz *tz);

/* Writes instant t as RFC 3339 in the log's zone, with its offset, into
 * buf (SM_TZ_RFC3339_MAX bytes); returns buf, for times in messages. */
const char *log_time(sm_time t, char *buf);

/* Logs a printf-formatted message at a level as exactly one line, its
 * control characters and invalid UTF-8 escaped. */
void log_msg(enum sm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The English plural ending of a count: "1 post", "2 posts". */
#define PLURAL(n) ((n) == 1 ? "" : "s")

#define log_debug(...) log_msg(SM_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(SM_LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(SM_LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(SM_LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(SM_LOG_ERROR, __VA_ARGS__)

#endif
