/*
 * logesc: owns the escaping of text bound for a log line (see logesc.h):
 * which bytes and code points are escaped and how.  Callers are smcald's
 * log (daemon/log.c), which passes every message through here.
 */
#include "logesc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Length of the valid UTF-8 sequence at p (at most n bytes available) and
 * its code point in *cp, or 0 when p does not start one: overlong forms,
 * surrogates and values past U+10FFFF are invalid (RFC 3629).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
		min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
		min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* 1 for the code points past ASCII that are escaped: C1 controls, line
 * and paragraph separators, bidirectional marks, embeddings, overrides and
 * isolates. */
static int
invisible(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E ||
	       c == 0x200F || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

size_t
sm_logesc_escape(char *out, size_t cap, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, i = 0;

	if (cap == 0)
		return 0;
	while (i < len) {
		char esc[8];
		const char *piece = esc;
		size_t plen, used;
		uint32_t cp = 0;

		used = utf8_seq(p + i, len - i, &cp);
		if (used == 0) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x",
						p[i]);
			used = 1;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			esc[0] = '\\';
			esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			plen = 2;
		} else if (cp < 0x20 || cp == 0x7F) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x",
						(unsigned)cp);
		} else if (invisible(cp)) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x",
						(unsigned)cp);
		} else {
			piece = (const char *)p + i;
			plen = used;
		}
		if (o + plen >= cap)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += used;
	}
	out[o] = '\0';
	return o;
}
