/*
 * duration: lengths of time as people write them in the configuration and on
 * smctl's command line ("90s", "15m", "2h", "1d", "1w", "1h30m").
 *
 * This module owns that grammar: one or more <digits><unit> terms with units
 * w, d, h, m, s, each unit at most once and in that order, or a bare "0".
 * A day is 86400 seconds here: these are elapsed durations, not calendar
 * steps across a DST change.  Pure functions, no state.
 */
#ifndef SM_DURATION_H
#define SM_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration accepted (100 years), so sums with instants never
 * overflow. */
#define SM_DURATION_MAX ((int64_t)100 * 366 * 86400)

/* Parses s into seconds; returns 0, or -1 (leaving *seconds alone) when s is
 * not a duration or exceeds SM_DURATION_MAX. */
int sm_duration_parse(const char *s, int64_t *seconds);

/* Writes seconds in the shortest form ("1h30m", "0s", "-5m") into buf of
 * len bytes (32 always suffice); returns buf. */
char *sm_duration_format(int64_t seconds, char *buf, size_t len);

#endif
