/*
 * base64: RFC 4648 base64 (the standard alphabet, padded), for bytes that
 * travel inside JSON: `smctl metric import` sends a CSV file's exact bytes
 * to smcald in io.smcal.Metrics.Import's data (a file need not be UTF-8,
 * and lib/csv, not the wire, should say what is wrong with it).  Pure.
 */
#ifndef SM_BASE64_H
#define SM_BASE64_H

#include <stddef.h>

/* The length of the encoding of n bytes, without a NUL. */
size_t sm_base64_encoded_len(size_t n);

/* Writes the encoding of n bytes of in into out (sm_base64_encoded_len(n)
 * + 1 bytes, NUL-terminated); returns its length. */
size_t sm_base64_encode(const void *in, size_t n, char *out);

/*
 * Decodes len characters of in (padded, no blanks) into out, which has
 * room for at least len / 4 * 3 bytes; returns the bytes written, or -1
 * when in is not base64.
 */
long sm_base64_decode(const char *in, size_t len, void *out);

#endif
