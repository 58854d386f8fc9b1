/*
 * sign: HMAC-SHA256 and base64 from libcrypto; the signed content is fed in
 * three parts so the body is never copied.
 */
#include "sign.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int
sm_sign_key_parse(const char *secret, struct sm_sign_key *key)
{
	if (!secret || strncmp(secret, "whsec_", 6) != 0)
		return -1;
	const char *b64 = secret + 6;
	size_t n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > SM_SIGN_MAX_KEY + 2)
		return -1;
	unsigned char buf[SM_SIGN_MAX_KEY + 3];
	int len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding's zero bytes. */
	if (b64[n - 1] == '=')
		len--;
	if (b64[n - 2] == '=')
		len--;
	if (len <= 0 || (size_t)len > SM_SIGN_MAX_KEY)
		return -1;
	memcpy(key->key, buf, (size_t)len);
	key->len = (size_t)len;
	return 0;
}

int
sm_sign(const struct sm_sign_key *keys, size_t nkeys, const char *id,
	int64_t timestamp, const char *body, size_t body_len, char *out,
	size_t outlen)
{
	if (nkeys == 0 || outlen == 0)
		return -1;
	char ts[24];
	int tslen = snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!hmac)
		return -1;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest,
						 0),
		OSSL_PARAM_construct_end(),
	};
	size_t pos = 0;
	for (size_t i = 0; i < nkeys; i++) {
		EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
		unsigned char mac[EVP_MAX_MD_SIZE];
		size_t maclen = 0;
		int ok = ctx &&
			 EVP_MAC_init(ctx, keys[i].key, keys[i].len, params) ==
				 1 &&
			 EVP_MAC_update(ctx, (const unsigned char *)id,
					strlen(id)) == 1 &&
			 EVP_MAC_update(ctx, (const unsigned char *)".", 1) ==
				 1 &&
			 EVP_MAC_update(ctx, (const unsigned char *)ts,
					(size_t)tslen) == 1 &&
			 EVP_MAC_update(ctx, (const unsigned char *)".", 1) ==
				 1 &&
			 EVP_MAC_update(ctx, (const unsigned char *)body,
					body_len) == 1 &&
			 EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1;
		EVP_MAC_CTX_free(ctx);
		if (!ok || pos + 3 + 45 + 1 > outlen) {
			EVP_MAC_free(hmac);
			return -1;
		}
		/* Room was checked: "v1," + 44 base64 chars + separator. */
		if (i > 0)
			out[pos++] = ' ';
		memcpy(out + pos, "v1,", 3);
		pos += 3;
		pos += (size_t)EVP_EncodeBlock((unsigned char *)out + pos, mac,
					       (int)maclen);
	}
	EVP_MAC_free(hmac);
	out[pos] = '\0';
	return (int)pos;
}
