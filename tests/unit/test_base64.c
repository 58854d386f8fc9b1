/*
 * Unit tests for lib/base64: RFC 4648's test vectors both ways, every
 * byte value through a round trip, and what decoding refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base64.h"

static void
test_vectors(void **state)
{
	(void)state;
	static const char *const plain[] = {"",	    "f",     "fo",    "foo",
					    "foob", "fooba", "foobar"};
	static const char *const coded[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char out[16], back[16];
		size_t n = strlen(plain[i]);
		assert_int_equal(sm_base64_encoded_len(n), strlen(coded[i]));
		assert_int_equal(sm_base64_encode(plain[i], n, out),
				 strlen(coded[i]));
		assert_string_equal(out, coded[i]);
		assert_int_equal(
			sm_base64_decode(coded[i], strlen(coded[i]), back),
			(long)n);
		assert_memory_equal(back, plain[i], n);
	}
}

static void
test_round_trip(void **state)
{
	(void)state;
	unsigned char in[256], back[256];
	char out[400];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)(255 - i);
	for (size_t n = 250; n <= 256; n++) {
		size_t len = sm_base64_encode(in, n, out);
		assert_int_equal(sm_base64_decode(out, len, back), (long)n);
		assert_memory_equal(back, in, n);
	}
}

static void
test_refused(void **state)
{
	(void)state;
	unsigned char out[16];
	assert_int_equal(sm_base64_decode("Zm9", 3, out), -1);
	assert_int_equal(sm_base64_decode("Zm9v\n", 5, out), -1);
	assert_int_equal(sm_base64_decode("Zm=v", 4, out), -1);
	assert_int_equal(sm_base64_decode("Zg==Zg==", 8, out), -1);
	assert_int_equal(sm_base64_decode("Z!9v", 4, out), -1);
	assert_int_equal(sm_base64_decode("====", 4, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
