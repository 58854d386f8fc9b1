/*
 * logesc: text made safe for one line of a log.  A log line ends at a line
 * break, and under systemd the journal reads a "<N>" at the start of a line
 * as its priority: a calendar title holding "\n<2>smcald: ..." would
 * otherwise become a second line at critical priority.  Terminals act on
 * escape sequences, and invisible Unicode controls can reorder or split
 * what a reader sees.
 *
 * Escaped: line feed, carriage return and tab as \n, \r, \t; the other C0
 * controls, DEL and every byte that is not part of valid UTF-8 as \xHH;
 * C1 controls, the line and paragraph separators and the bidirectional
 * controls as \uHHHH.  Everything else, backslashes and the rest of UTF-8
 * included, is copied as is, so messages (and JSON inside them) stay
 * readable; an escape is therefore not told apart from the same characters
 * written by hand, which a log does not need.
 *
 * Pure: no allocation, no global state.
 */
#ifndef SM_LOGESC_H
#define SM_LOGESC_H

#include <stddef.h>

/*
 * Writes the len bytes at in, escaped, into out (cap bytes, always
 * NUL-terminated when cap > 0) and returns the length written; an escape
 * or a character that does not fit whole is left out with the rest.
 */
size_t sm_logesc_escape(char *out, size_t cap, const char *in, size_t len);

#endif
