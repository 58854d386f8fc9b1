/*
 * log: smcald's own log.  Lines go to stderr: in the foreground as they
 * are, under systemd (JOURNAL_STREAM set) with a "<N>" priority prefix the
 * journal reads.  The `log` event sink writes through here too.  Messages
 * are escaped (lib/logesc): line breaks, controls and invalid UTF-8 in any
 * argument never start another line or reach a terminal raw.
 */
#ifndef SMCALD_LOG_H
#define SMCALD_LOG_H

#include "config.h"

/* Sets the threshold and whether to prefix priorities for the journal. */
void log_init(enum sm_log_level level, int journal);

/* Logs a printf-formatted message at a level as exactly one line, its
 * control characters and invalid UTF-8 escaped. */
void log_msg(enum sm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(SM_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(SM_LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(SM_LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(SM_LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(SM_LOG_ERROR, __VA_ARGS__)

#endif
