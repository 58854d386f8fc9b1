/*
 * test_sign: Standard Webhooks signatures against the specification's test
 * vector (NOTES.md), secret rotation, and malformed secrets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "sign.h"

#define VECTOR_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VECTOR_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VECTOR_TS 1614265330
#define VECTOR_BODY "{\"test\": 2432232314}"
#define VECTOR_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void
test_vector(void **state)
{
	(void)state;
	struct sm_sign_key k;
	assert_int_equal(sm_sign_key_parse(VECTOR_SECRET, &k), 0);
	assert_int_equal(k.len, 24);
	char out[128];
	int n = sm_sign(&k, 1, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
			strlen(VECTOR_BODY), out, sizeof(out));
	assert_int_equal(n, (int)strlen(VECTOR_SIG));
	assert_string_equal(out, VECTOR_SIG);
}

/* Any change to id, timestamp or body changes the signature. */
static void
test_signed_content(void **state)
{
	(void)state;
	struct sm_sign_key k;
	assert_int_equal(sm_sign_key_parse(VECTOR_SECRET, &k), 0);
	char a[128], b[128], c[128];
	sm_sign(&k, 1, "msg_other", VECTOR_TS, VECTOR_BODY, strlen(VECTOR_BODY),
		a, sizeof(a));
	sm_sign(&k, 1, VECTOR_ID, VECTOR_TS + 1, VECTOR_BODY,
		strlen(VECTOR_BODY), b, sizeof(b));
	sm_sign(&k, 1, VECTOR_ID, VECTOR_TS, "{\"test\": 2432232315}",
		strlen(VECTOR_BODY), c, sizeof(c));
	assert_string_not_equal(a, VECTOR_SIG);
	assert_string_not_equal(b, VECTOR_SIG);
	assert_string_not_equal(c, VECTOR_SIG);
	assert_string_not_equal(a, b);
}

/* Two secrets: two space-separated signatures, the old key's first. */
static void
test_two_secrets(void **state)
{
	(void)state;
	struct sm_sign_key k[2];
	assert_int_equal(sm_sign_key_parse(VECTOR_SECRET, &k[0]), 0);
	assert_int_equal(
		sm_sign_key_parse("whsec_c2VjcmV0LWtleS1mb3Itcm90YXRpb24=",
				  &k[1]),
		0);
	assert_int_equal(k[1].len, strlen("secret-key-for-rotation"));
	assert_memory_equal(k[1].key, "secret-key-for-rotation", k[1].len);
	char both[256], second[128];
	int n = sm_sign(k, 2, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
			strlen(VECTOR_BODY), both, sizeof(both));
	assert_true(n > 0);
	sm_sign(&k[1], 1, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
		strlen(VECTOR_BODY), second, sizeof(second));
	char expect[256];
	strcpy(expect, VECTOR_SIG);
	strcat(expect, " ");
	strcat(expect, second);
	assert_string_equal(both, expect);
}

static void
test_bad_secrets(void **state)
{
	(void)state;
	struct sm_sign_key k;
	assert_int_equal(sm_sign_key_parse(NULL, &k), -1);
	assert_int_equal(sm_sign_key_parse("", &k), -1);
	assert_int_equal(
		sm_sign_key_parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &k),
		-1); /* no prefix */
	assert_int_equal(sm_sign_key_parse("whsec_", &k), -1);
	assert_int_equal(sm_sign_key_parse("whsec_abc", &k), -1); /* length */
	assert_int_equal(sm_sign_key_parse("whsec_ab!d", &k), -1);
}

static void
test_small_buffer(void **state)
{
	(void)state;
	struct sm_sign_key k;
	assert_int_equal(sm_sign_key_parse(VECTOR_SECRET, &k), 0);
	char out[16];
	assert_int_equal(sm_sign(&k, 1, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
				 strlen(VECTOR_BODY), out, sizeof(out)),
			 -1);
	assert_int_equal(sm_sign(&k, 0, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
				 strlen(VECTOR_BODY), out, sizeof(out)),
			 -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_signed_content),
		cmocka_unit_test(test_two_secrets),
		cmocka_unit_test(test_bad_secrets),
		cmocka_unit_test(test_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
