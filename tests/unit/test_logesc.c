/*
 * Unit tests for lib/logesc: what smcald's log escapes (issue 13, item 5):
 * line breaks (a calendar title must not start a second journal line with
 * its own "<N>" priority), controls, invalid UTF-8 and invisible Unicode
 * controls; ordinary text, UTF-8 and backslashes unchanged; output cut
 * only between whole escapes and characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "logesc.h"

static char out[256];

/* Escapes the n bytes of in with capacity cap; checks the returned length. */
static const char *
esc_n(const char *in, size_t n, size_t cap)
{
	assert_true(cap <= sizeof(out));
	memset(out, 'Z', sizeof(out));
	size_t len = sm_logesc_escape(out, cap, in, n);
	assert_int_equal(len, strlen(out));
	assert_true(len < cap);
	return out;
}

static const char *
esc(const char *in)
{
	return esc_n(in, strlen(in), sizeof(out));
}

static void
test_readable_text(void **state)
{
	(void)state;
	const char *plain = "event post.due evt_0123 Café « jeudi » 日本 "
			    "{\"title\":\"a \\\"b\\\" \\\\ c\\n\"} 100% ~`|";
	assert_string_equal(esc(plain), plain);
	assert_string_equal(esc(""), "");
}

static void
test_line_breaks(void **state)
{
	(void)state;
	/* The title: one line, the forged priority inert. */
	assert_string_equal(esc("Launch\n<2>smcald: database corrupted"),
			    "Launch\\n<2>smcald: database corrupted");
	assert_string_equal(esc("a\r\nb\tc"), "a\\r\\nb\\tc");
	assert_null(strchr(esc("x\n\n\ny\r"), '\n'));
	assert_null(strchr(out, '\r'));
}

static void
test_controls(void **state)
{
	(void)state;
	/* Terminal escape sequences, bell, backspace, DEL. */
	assert_string_equal(esc("\x1b[31mred\x1b[0m\a\b\x7f"),
			    "\\x1b[31mred\\x1b[0m\\x07\\x08\\x7f");
	/* A NUL inside the given length. */
	assert_string_equal(esc_n("a\0b", 3, sizeof(out)), "a\\x00b");
	/* C1 controls (NEL, CSI) and invisible Unicode controls: line and
	 * paragraph separators, bidi override and isolates. */
	assert_string_equal(esc("a\xc2\x85"
				"b\xc2\x9b"
				"c"),
			    "a\\u0085b\\u009bc");
	assert_string_equal(esc("x\xe2\x80\xa8y\xe2\x80\xa9z"),
			    "x\\u2028y\\u2029z");
	assert_string_equal(esc("invoice\xe2\x80\xaegpj.exe"),
			    "invoice\\u202egpj.exe");
	assert_string_equal(esc("\xe2\x81\xa6"
				"a\xe2\x81\xa9\xe2\x80\x8f"),
			    "\\u2066a\\u2069\\u200f");
	/* Neighbours of the escaped ranges stay. */
	assert_string_equal(esc("\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf"),
			    "\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	/* Latin-1, a lone continuation byte, a cut sequence at the end. */
	assert_string_equal(esc("caf\xe9!"), "caf\\xe9!");
	assert_string_equal(esc("\x80x"), "\\x80x");
	assert_string_equal(esc("ab\xe6\x97"), "ab\\xe6\\x97");
	/* A cut sequence followed by ASCII: the ASCII survives. */
	assert_string_equal(esc("\xe6\x97"
				"A"),
			    "\\xe6\\x97A");
	/* Overlong "/" and overlong NUL, a UTF-16 surrogate, past
	 * U+10FFFF, bytes that never occur. */
	assert_string_equal(esc("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(esc("\xe0\x80\x80"), "\\xe0\\x80\\x80");
	assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(esc("\xfe\xff"), "\\xfe\\xff");
	/* The largest valid code point and a 4-byte emoji stay. */
	assert_string_equal(esc("\xf4\x8f\xbf\xbf\xf0\x9f\x93\x85"),
			    "\xf4\x8f\xbf\xbf\xf0\x9f\x93\x85");
}

static void
test_capacity(void **state)
{
	(void)state;
	assert_string_equal(esc_n("abcdef", 6, 5), "abcd");
	/* An escape is written whole or not at all. */
	assert_string_equal(esc_n("ab\ncd", 5, 5), "ab\\n");
	assert_string_equal(esc_n("ab\ncd", 5, 4), "ab");
	assert_string_equal(esc_n("a\x01", 2, 5), "a");
	assert_string_equal(esc_n("a\x01", 2, 6), "a\\x01");
	/* So is a character: "日" is three bytes. */
	assert_string_equal(esc_n("日", 3, 3), "");
	assert_string_equal(esc_n("日", 3, 4), "日");
	assert_string_equal(esc_n("a", 1, 1), "");
	/* Nothing is written without room, not even the NUL. */
	out[0] = 'Z';
	assert_int_equal(sm_logesc_escape(out, 0, "abc", 3), 0);
	assert_int_equal(out[0], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readable_text),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
