/*
 * Unit tests for lib/jsonw: string escaping per RFC 8259 and comma tracking
 * for objects and arrays.  Outputs are compared with exact expected strings
 * and, independently, parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The writer's text as a C string ("" when nothing was written). */
static const char *
text(const struct sm_jsonw *w)
{
	return w->buf ? w->buf : "";
}

/* Asserts that s parses as one JSON value with jansson. */
static json_t *
parse(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
	if (!j)
		fail_msg("not JSON: %s (%s at column %d)", s, err.text,
			 err.column);
	return j;
}

/* Writes s as a string, compares with want and decodes it back to s. */
static void
check_string(const char *s, const char *want)
{
	struct sm_jsonw w = {0};
	sm_jsonw_string(&w, s);
	assert_string_equal(text(&w), want);
	assert_int_equal(w.len, strlen(want));
	json_t *j = parse(text(&w));
	assert_true(json_is_string(j));
	assert_string_equal(json_string_value(j), s);
	json_decref(j);
	sm_jsonw_free(&w);
}

static void
test_escape_plain(void **state)
{
	(void)state;
	check_string("", "\"\"");
	check_string("hello", "\"hello\"");
	check_string("say \"hi\"", "\"say \\\"hi\\\"\"");
	check_string("C:\\path\\to", "\"C:\\\\path\\\\to\"");
	check_string("\\\"", "\"\\\\\\\"\"");
	check_string("a/b", "\"a/b\"");
	check_string("'single'", "\"'single'\"");
}

static void
test_escape_control(void **state)
{
	(void)state;
	check_string("line1\nline2", "\"line1\\nline2\"");
	check_string("cr\rlf\n", "\"cr\\rlf\\n\"");
	check_string("tab\there", "\"tab\\there\"");
	check_string("\x01", "\"\\u0001\"");
	check_string("a\x01z", "\"a\\u0001z\"");
	check_string("\b\f", "\"\\u0008\\u000c\"");
	check_string("\x1f", "\"\\u001f\"");
	check_string("\x1b[31mred", "\"\\u001b[31mred\"");
	/* DEL and space need no escaping. */
	check_string("\x7f ", "\"\x7f \"");

	/* Every control character, each as \uXXXX or its short form. */
	char all[32];
	for (int c = 1; c < 32; c++)
		all[c - 1] = (char)c;
	all[31] = '\0';
	struct sm_jsonw w = {0};
	sm_jsonw_string(&w, all);
	for (size_t i = 0; i < w.len; i++)
		assert_true((unsigned char)w.buf[i] >= 0x20);
	json_t *j = parse(text(&w));
	assert_string_equal(json_string_value(j), all);
	json_decref(j);
	sm_jsonw_free(&w);
}

static void
test_utf8_passthrough(void **state)
{
	(void)state;
	check_string("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	check_string("\xe2\x9c\x93 done", "\"\xe2\x9c\x93 done\"");
	check_string("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	check_string("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n",
		     "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\\n\"");
}

static void
test_null(void **state)
{
	(void)state;
	struct sm_jsonw w = {0};
	sm_jsonw_string(&w, NULL);
	assert_string_equal(text(&w), "null");
	sm_jsonw_reset(&w);
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "title");
	sm_jsonw_string(&w, NULL);
	sm_jsonw_close(&w, '}');
	assert_string_equal(text(&w), "{\"title\":null}");
	sm_jsonw_free(&w);
}

static void
test_object(void **state)
{
	(void)state;
	struct sm_jsonw w = {0};
	sm_jsonw_open(&w, '{');
	sm_jsonw_close(&w, '}');
	assert_string_equal(text(&w), "{}");

	sm_jsonw_reset(&w);
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "uid");
	sm_jsonw_string(&w, "post-1@example.org");
	sm_jsonw_key(&w, "n");
	sm_jsonw_raw(&w, "42", 2);
	sm_jsonw_key(&w, "ok");
	sm_jsonw_raw(&w, "true", 4);
	sm_jsonw_key(&w, "k\"ey");
	sm_jsonw_string(&w, "v");
	sm_jsonw_close(&w, '}');
	assert_string_equal(text(&w),
			    "{\"uid\":\"post-1@example.org\","
			    "\"n\":42,\"ok\":true,\"k\\\"ey\":\"v\"}");
	json_t *j = parse(text(&w));
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 42);
	assert_string_equal(json_string_value(json_object_get(j, "k\"ey")),
			    "v");
	json_decref(j);
	sm_jsonw_free(&w);
}

static void
test_array(void **state)
{
	(void)state;
	struct sm_jsonw w = {0};
	sm_jsonw_open(&w, '[');
	sm_jsonw_close(&w, ']');
	assert_string_equal(text(&w), "[]");

	sm_jsonw_reset(&w);
	sm_jsonw_open(&w, '[');
	for (int i = 0; i < 3; i++) {
		char num[8];
		int n = snprintf(num, sizeof(num), "%d", i);
		sm_jsonw_elem(&w);
		sm_jsonw_raw(&w, num, (size_t)n);
	}
	sm_jsonw_elem(&w);
	sm_jsonw_string(&w, "three");
	sm_jsonw_elem(&w);
	sm_jsonw_string(&w, NULL);
	sm_jsonw_close(&w, ']');
	assert_string_equal(text(&w), "[0,1,2,\"three\",null]");
	json_decref(parse(text(&w)));
	sm_jsonw_free(&w);
}

static void
test_nested(void **state)
{
	(void)state;
	struct sm_jsonw w = {0};
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "a");
	sm_jsonw_string(&w, "x");
	sm_jsonw_key(&w, "b");
	sm_jsonw_open(&w, '[');
	sm_jsonw_elem(&w);
	sm_jsonw_raw(&w, "1", 1);
	sm_jsonw_elem(&w);
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "c");
	sm_jsonw_string(&w, NULL);
	sm_jsonw_close(&w, '}');
	sm_jsonw_elem(&w);
	sm_jsonw_open(&w, '[');
	sm_jsonw_close(&w, ']');
	sm_jsonw_elem(&w);
	sm_jsonw_open(&w, '{');
	sm_jsonw_close(&w, '}');
	sm_jsonw_close(&w, ']');
	sm_jsonw_key(&w, "d");
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "e");
	sm_jsonw_open(&w, '[');
	sm_jsonw_close(&w, ']');
	sm_jsonw_close(&w, '}');
	sm_jsonw_key(&w, "f");
	sm_jsonw_raw(&w, "false", 5);
	sm_jsonw_close(&w, '}');
	assert_string_equal(text(&w),
			    "{\"a\":\"x\",\"b\":[1,{\"c\":null},[],{}],"
			    "\"d\":{\"e\":[]},\"f\":false}");
	json_t *j = parse(text(&w));
	assert_int_equal(json_array_size(json_object_get(j, "b")), 4);
	json_decref(j);
	sm_jsonw_free(&w);

	/* One object per line, as smctl expand writes them. */
	for (int i = 0; i < 2; i++) {
		sm_jsonw_open(&w, '{');
		sm_jsonw_key(&w, "i");
		sm_jsonw_raw(&w, i ? "1" : "0", 1);
		sm_jsonw_close(&w, '}');
		sm_jsonw_raw(&w, "\n", 1);
		sm_jsonw_reset(&w);
	}
	assert_string_equal(text(&w), "");
	sm_jsonw_open(&w, '{');
	sm_jsonw_key(&w, "i");
	sm_jsonw_raw(&w, "2", 1);
	sm_jsonw_close(&w, '}');
	assert_string_equal(text(&w), "{\"i\":2}");
	sm_jsonw_free(&w);
}

static void
test_growth_reset_free(void **state)
{
	(void)state;
	struct sm_jsonw w = {0};
	sm_jsonw_open(&w, '[');
	for (int i = 0; i < 20000; i++) {
		sm_jsonw_elem(&w);
		sm_jsonw_string(&w, "0123456789\n");
	}
	sm_jsonw_close(&w, ']');
	/* 14 bytes per element ("0123456789\n" escaped), commas, brackets. */
	assert_int_equal(w.len, 20000 * 14 + 19999 + 2);
	assert_int_equal(strlen(w.buf), w.len);
	assert_true(w.cap > w.len);
	json_t *j = parse(w.buf);
	assert_int_equal(json_array_size(j), 20000);
	assert_string_equal(json_string_value(json_array_get(j, 19999)),
			    "0123456789\n");
	json_decref(j);

	char *mem = w.buf;
	size_t cap = w.cap;
	sm_jsonw_reset(&w);
	assert_int_equal(w.len, 0);
	assert_ptr_equal(w.buf, mem);
	assert_int_equal(w.cap, cap);
	assert_string_equal(w.buf, "");
	assert_int_equal(w.need_comma, 0);

	sm_jsonw_raw(&w, "", 0);
	assert_string_equal(w.buf, "");
	sm_jsonw_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	/* Freeing twice, or an unused writer, is harmless. */
	sm_jsonw_free(&w);
	struct sm_jsonw unused = {0};
	sm_jsonw_reset(&unused);
	sm_jsonw_free(&unused);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_control),
		cmocka_unit_test(test_utf8_passthrough),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_growth_reset_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
