/*
 * when: the times people type on smctl's command line (SPEC section 6), for
 * `smctl add --at` and the `--from`/`--to` filters of `list`, `calendar`
 * and `report`.
 *
 * Accepted forms: RFC 3339 with Z or an offset (an instant as written);
 * "YYYY-MM-DD HH:MM[:SS]" or with a T, read in the configured zone by the
 * RFC 5545 rules of tz.h (a time in a DST gap takes the offset before the
 * gap, a repeated time its first occurrence); "+2h", "+90m", "+3d", "-1d"
 * (duration.h's grammar after a sign: elapsed time from now, a day being
 * 86400 s); "now".  Filters also take a day: "today", "tomorrow",
 * "yesterday" or a bare "YYYY-MM-DD", local days in the configured zone.
 * Pure: now and the zone are passed in.
 */
#ifndef SM_WHEN_H
#define SM_WHEN_H

#include <stddef.h>

#include "civil.h"
#include "tz.h"

enum sm_when_mode {
	SM_WHEN_AT,   /* a publish time: a day alone is refused */
	SM_WHEN_FROM, /* a lower bound: a day means its first instant */
	SM_WHEN_TO,   /* an upper bound (exclusive): a day means the instant
			 after it, so the day is included */
};

/*
 * Parses s (surrounding blanks ignored) into the instant *out, with local
 * times in zone (NULL: UTC) and relative ones from now; returns 0, or -1
 * leaving *out alone, with a message in err (errlen bytes, may be NULL) that
 * quotes s and lists the forms accepted in this mode.
 */
int sm_when_parse(const char *s, enum sm_when_mode mode, sm_time now,
		  const struct sm_tz *zone, sm_time *out, char *err,
		  size_t errlen);

#endif
