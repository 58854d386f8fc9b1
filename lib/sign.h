/*
 * sign: Standard Webhooks signatures (HMAC-SHA256 over
 * "{webhook-id}.{webhook-timestamp}.{body}", base64, "v1," prefix), with
 * OpenSSL's libcrypto.  Several secrets give several space-separated
 * signatures, so a receiver can rotate its secret without losing events.
 */
#ifndef SM_SIGN_H
#define SM_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SM_SIGN_MAX_SECRETS 8
#define SM_SIGN_MAX_KEY 128

struct sm_sign_key {
	unsigned char key[SM_SIGN_MAX_KEY];
	size_t len;
};

/*
 * Decodes a "whsec_<base64>" secret into key; returns 0, or -1 when it is
 * malformed (no prefix, bad base64, empty or longer than SM_SIGN_MAX_KEY).
 */
int sm_sign_key_parse(const char *secret, struct sm_sign_key *key);

/*
 * Writes the webhook-signature header value for the keys into out (NUL
 * terminated; 64 bytes per key suffice); returns its length, or -1 when out
 * is too small or there is no key.
 */
int sm_sign(const struct sm_sign_key *keys, size_t nkeys, const char *id,
	    int64_t timestamp, const char *body, size_t body_len, char *out,
	    size_t outlen);

#endif
