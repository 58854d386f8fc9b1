/*
 * Unit tests for lib/arena: bump allocation that is aligned for any type,
 * zeroed, never moves what it returned, and is released all at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

#define ALIGN alignof(max_align_t)

static int
aligned(const void *p)
{
	return (uintptr_t)p % ALIGN == 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void
test_empty(void **state)
{
	(void)state;
	struct sm_arena a = {0};
	sm_arena_free(&a);
	assert_null(a.head);
	sm_arena_free(&a);
}

/* Many small allocations of assorted sizes: aligned, zeroed, disjoint. */
static void
test_many_small(void **state)
{
	(void)state;
	enum {
		N = 20000
	};
	static unsigned char *ptrs[N];
	static size_t sizes[N];
	struct sm_arena a = {0};
	for (size_t i = 0; i < N; i++) {
		sizes[i] = (i * 7919) % 301; /* 0 .. 300, zero included */
		ptrs[i] = sm_arena_alloc(&a, sizes[i]);
		assert_non_null(ptrs[i]);
		if (!aligned(ptrs[i]))
			fail_msg("allocation %zu of %zu bytes at %p is not "
				 "aligned to %zu",
				 i, sizes[i], (void *)ptrs[i], (size_t)ALIGN);
		assert_true(all_zero(ptrs[i], sizes[i]));
		memset(ptrs[i], (int)(i % 251) + 1, sizes[i]);
	}
	/* Nothing was overwritten by a later allocation. */
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (ptrs[i][k] != (unsigned char)(i % 251 + 1))
				fail_msg("allocation %zu byte %zu changed", i,
					 k);
	assert_true(a.used_total >= 20000 * 150);
	sm_arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.used_total, 0);
}

/* Odd sizes keep every following pointer aligned for every type. */
static void
test_alignment_types(void **state)
{
	(void)state;
	struct sm_arena a = {0};
	for (int i = 0; i < 1000; i++) {
		char *c = sm_arena_alloc(&a, 1);
		long double *ld = sm_arena_alloc(&a, sizeof(long double));
		max_align_t *m = sm_arena_alloc(&a, sizeof(max_align_t) * 3);
		int64_t *q = sm_arena_alloc(&a, 3);
		assert_true(aligned(c) && aligned(ld) && aligned(m) &&
			    aligned(q));
		*c = 'x';
		*ld = 1.5L;
		memset(m, 0xff, sizeof(max_align_t) * 3);
		assert_true(*ld == 1.5L);
	}
	sm_arena_free(&a);
}

/* Requests larger than a quarter chunk (64 KiB) get their own block; small
 * ones around them keep working. */
static void
test_big(void **state)
{
	(void)state;
	struct sm_arena a = {0};
	static const size_t big_sizes[] = {
		64 * 1024 + 1,	 100000,	  256 * 1024,
		256 * 1024 + 17, 3 * 1024 * 1024,
	};
	unsigned char *small_before = sm_arena_alloc(&a, 32);
	memset(small_before, 0xaa, 32);
	unsigned char *big[sizeof(big_sizes) / sizeof(big_sizes[0])];
	for (size_t i = 0; i < sizeof(big_sizes) / sizeof(big_sizes[0]); i++) {
		big[i] = sm_arena_alloc(&a, big_sizes[i]);
		assert_non_null(big[i]);
		assert_true(aligned(big[i]));
		assert_true(all_zero(big[i], big_sizes[i]));
		memset(big[i], (int)i + 1, big_sizes[i]);
		/* Small allocations still come after a big one. */
		unsigned char *s = sm_arena_alloc(&a, 40);
		assert_true(aligned(s));
		assert_true(all_zero(s, 40));
		memset(s, 0x55, 40);
	}
	for (size_t i = 0; i < sizeof(big_sizes) / sizeof(big_sizes[0]); i++) {
		assert_int_equal(big[i][0], i + 1);
		assert_int_equal(big[i][big_sizes[i] - 1], i + 1);
	}
	for (int k = 0; k < 32; k++)
		assert_int_equal(small_before[k], 0xaa);
	/* A big allocation as the very first one. */
	struct sm_arena b = {0};
	unsigned char *first = sm_arena_alloc(&b, 1 << 20);
	assert_true(aligned(first));
	assert_true(all_zero(first, 1 << 20));
	unsigned char *next = sm_arena_alloc(&b, 8);
	assert_true(aligned(next));
	sm_arena_free(&b);
	sm_arena_free(&a);
}

static void
test_strdup(void **state)
{
	(void)state;
	struct sm_arena a = {0};
	const char *src = "Tip Tuesday \xe2\x9c\x93";
	char *s = sm_arena_strdup(&a, src);
	assert_non_null(s);
	assert_ptr_not_equal(s, src);
	assert_string_equal(s, src);
	assert_true(aligned(s));
	assert_null(sm_arena_strdup(&a, NULL));
	char *e = sm_arena_strdup(&a, "");
	assert_non_null(e);
	assert_string_equal(e, "");

	/* Strings are packed: the next one starts right after the NUL. */
	char *p1 = sm_arena_strdup(&a, "abc");
	char *p2 = sm_arena_strdup(&a, "de");
	assert_ptr_equal(p2, p1 + 4);
	assert_string_equal(p1, "abc");
	/* A block after them is aligned again. */
	void *blk = sm_arena_alloc(&a, 8);
	assert_true(aligned(blk));
	char *n = sm_arena_strndup(&a, "SUMMARY:hello", 7);
	assert_string_equal(n, "SUMMARY");
	n = sm_arena_strndup(&a, "abc", 0);
	assert_string_equal(n, "");
	/* Bytes after an embedded NUL are copied too: n is the length. */
	n = sm_arena_strndup(&a, "ab\0cd", 5);
	assert_memory_equal(n, "ab\0cd", 6);

	/* A long string goes through the big path. */
	static char longs[200000];
	memset(longs, 'q', sizeof(longs) - 1);
	char *l = sm_arena_strdup(&a, longs);
	assert_int_equal(strlen(l), sizeof(longs) - 1);
	assert_string_equal(s, src);
	sm_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many_small),
		cmocka_unit_test(test_alignment_types),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_strdup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
