/*
 * base64: encoding three bytes as four characters, and back.
 */
#include "base64.h"

#include <stdint.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
sm_base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t
sm_base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
sm_base64_decode(const char *in, size_t len, void *out)
{
	unsigned char *q = out;
	size_t o = 0;
	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = 0;
		if (last && in[i + 3] == '=')
			pad = in[i + 2] == '=' ? 2 : 1;
		int a = value(in[i]), b = value(in[i + 1]);
		int c = pad == 2 ? 0 : value(in[i + 2]);
		int d = pad ? 0 : value(in[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -1;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
			     (uint32_t)c << 6 | (uint32_t)d;
		q[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			q[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			q[o++] = (unsigned char)v;
	}
	return (long)o;
}
