/*
 * Unit tests for lib/csv: the header row and separator detection (comma or
 * semicolon), a UTF-8 BOM, quoted fields with doubled quotes, separators
 * and newlines inside, CRLF and LF, empty lines skipped, line numbers per
 * row, bad rows reported with their line while reading goes on, and the
 * count parser's thousands separators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "csv.h"

static struct sm_csv *
open_ok(const char *data)
{
	char err[256] = "";
	struct sm_csv *c = NULL;
	if (sm_csv_open(data, strlen(data), &c, err, sizeof(err)) != 0)
		fail_msg("sm_csv_open: %s", err);
	assert_non_null(c);
	return c;
}

/* Reads the next row and checks its line and fields (NULL-terminated). */
static void
expect_row(struct sm_csv *c, int line, ...)
{
	struct sm_csv_row row;
	char err[256] = "";
	int rc = sm_csv_next(c, &row, err, sizeof(err));
	if (rc != 1)
		fail_msg("expected a row on line %d, got %d (%s)", line, rc,
			 err);
	assert_int_equal(row.line, line);
	va_list ap;
	va_start(ap, line);
	size_t i = 0;
	for (const char *f; (f = va_arg(ap, const char *)); i++) {
		if (i >= row.n)
			fail_msg("line %d: only %zu fields", line, row.n);
		if (strcmp(row.fields[i], f) != 0)
			fail_msg("line %d field %zu: got \"%s\", expected "
				 "\"%s\"",
				 line, i, row.fields[i], f);
	}
	va_end(ap);
	assert_int_equal(row.n, i);
}

static void
expect_bad(struct sm_csv *c, int line, const char *needle)
{
	struct sm_csv_row row;
	char err[256] = "";
	int rc = sm_csv_next(c, &row, err, sizeof(err));
	if (rc != -1)
		fail_msg("expected a bad row on line %d, got %d", line, rc);
	assert_int_equal(row.line, line);
	if (!strstr(err, needle))
		fail_msg("line %d: \"%s\" lacks \"%s\"", line, err, needle);
}

static void
expect_end(struct sm_csv *c)
{
	struct sm_csv_row row;
	assert_int_equal(sm_csv_next(c, &row, NULL, 0), 0);
	assert_int_equal(sm_csv_next(c, &row, NULL, 0), 0);
}

static void
test_comma(void **state)
{
	(void)state;
	struct sm_csv *c = open_ok("title,body\nA,B\nC,\n");
	assert_int_equal(sm_csv_separator(c), ',');
	assert_int_equal(sm_csv_columns(c), 2);
	assert_string_equal(sm_csv_column_name(c, 0), "title");
	assert_string_equal(sm_csv_column_name(c, 1), "body");
	assert_null(sm_csv_column_name(c, 2));
	expect_row(c, 2, "A", "B", NULL);
	expect_row(c, 3, "C", "", NULL);
	expect_end(c);
	sm_csv_free(c);
}

static void
test_bom_semicolon_crlf(void **state)
{
	(void)state;
	struct sm_csv *c = open_ok("\xEF\xBB\xBF"
				   "Post ID; Reach ;Link clicks\r\n"
				   "1;\"1,234\";5\r\n"
				   "2;\"12 345\";0\r\n");
	assert_int_equal(sm_csv_separator(c), ';');
	/* Header names are trimmed; the BOM is not part of the first. */
	assert_string_equal(sm_csv_column_name(c, 0), "Post ID");
	assert_string_equal(sm_csv_column_name(c, 1), "Reach");
	expect_row(c, 2, "1", "1,234", "5", NULL);
	expect_row(c, 3, "2", "12 345", "0", NULL);
	expect_end(c);
	sm_csv_free(c);
}

static void
test_detect_ignores_quoted(void **state)
{
	(void)state;
	/* The comma inside the quoted name does not count. */
	struct sm_csv *c = open_ok("\"a,b\";c;d\n1;2;3\n");
	assert_int_equal(sm_csv_separator(c), ';');
	assert_string_equal(sm_csv_column_name(c, 0), "a,b");
	expect_row(c, 2, "1", "2", "3", NULL);
	sm_csv_free(c);
	/* One column: no separator in the header at all. */
	c = open_ok("url\nhttps://e.org/a,b\n");
	assert_int_equal(sm_csv_separator(c), ',');
	expect_row(c, 2, "https://e.org/a", "b", NULL);
	sm_csv_free(c);
}

static void
test_quoted(void **state)
{
	(void)state;
	struct sm_csv *c =
		open_ok("a,b\n"
			"\"He said \"\"hi\"\"\",\"line1\nline2, still\"\n"
			"x,\"crlf\r\ninside\"\r\n"
			"\"\",\"\"\"\"\n"
			" \"spaced\" ,\" keep \"\n"
			"5\" screen,y\n");
	expect_row(c, 2, "He said \"hi\"", "line1\nline2, still", NULL);
	/* The quoted newline used line 3, so this row starts on line 4. */
	expect_row(c, 4, "x", "crlf\ninside", NULL);
	expect_row(c, 6, "", "\"", NULL);
	/* Blanks around a quoted field are not part of it; inside they
	 * are. */
	expect_row(c, 7, "spaced", " keep ", NULL);
	/* A quote inside an unquoted field is kept as it is. */
	expect_row(c, 8, "5\" screen", "y", NULL);
	expect_end(c);
	sm_csv_free(c);
}

static void
test_empty_lines(void **state)
{
	(void)state;
	struct sm_csv *c = open_ok("\n\na,b\n\n1,2\n\r\n,\n  \n3,4");
	assert_int_equal(sm_csv_header_line(c), 3);
	/* Lines of separators or blanks only are skipped too. */
	expect_row(c, 5, "1", "2", NULL);
	expect_row(c, 9, "3", "4", NULL);
	expect_end(c);
	sm_csv_free(c);
	/* Rows may have any number of fields: the reader's caller checks. */
	c = open_ok("a,b,c\n1\n1,2,3,4\n");
	expect_row(c, 2, "1", NULL);
	expect_row(c, 3, "1", "2", "3", "4", NULL);
	expect_end(c);
	sm_csv_free(c);
	/* A header alone: no rows. */
	c = open_ok("a;b\r\n");
	expect_end(c);
	sm_csv_free(c);
}

static void
test_bad_rows(void **state)
{
	(void)state;
	struct sm_csv *c = open_ok("a,b\n"
				   "\"x\"y,2\n"
				   "3,4\n"
				   "\xC3\x28,5\n"
				   "6,7\n"
				   "8,\"never\nclosed,9\n"
				   "10,11\n");
	expect_bad(c, 2, "after a closing quote");
	expect_row(c, 3, "3", "4", NULL);
	expect_bad(c, 4, "UTF-8");
	expect_row(c, 5, "6", "7", NULL);
	/* An open quote swallows the rest: one error on its line, then the
	 * end. */
	expect_bad(c, 6, "never closed");
	expect_end(c);
	sm_csv_free(c);

	static const char nul[] = "a\nx\0y\nz\n";
	char err[256];
	assert_int_equal(
		sm_csv_open(nul, sizeof(nul) - 1, &c, err, sizeof(err)), 0);
	expect_bad(c, 2, "NUL");
	expect_row(c, 3, "z", NULL);
	expect_end(c);
	sm_csv_free(c);

	/* Overlong, surrogate and cut-off sequences are not UTF-8. */
	c = open_ok("a\n\xC0\x80\n\xED\xA0\x80\n\xE2\x82\xAC\nx\xC3");
	expect_bad(c, 2, "UTF-8");
	expect_bad(c, 3, "UTF-8");
	expect_row(c, 4, "\xE2\x82\xAC", NULL);
	expect_bad(c, 5, "UTF-8");
	expect_end(c);
	sm_csv_free(c);
}

static void
test_open_errors(void **state)
{
	(void)state;
	char err[256];
	struct sm_csv *c = (struct sm_csv *)1;
	assert_int_equal(sm_csv_open("", 0, &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "header"));
	assert_int_equal(sm_csv_open("\n\r\n", 3, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "header"));
	assert_int_equal(sm_csv_open("\xFF\xFEi\0d\0", 6, &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "UTF-16"));
	assert_int_equal(sm_csv_open("ti\xE9tle,b\n", 9, &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(sm_csv_open("\"a,b\n1,2\n", 9, &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "never closed"));
}

static void
test_find(void **state)
{
	(void)state;
	struct sm_csv *c = open_ok("Post URL,LINK_CLICKS,published-at,x\n");
	static const char *const url[] = {"url", "post url", "permalink", NULL};
	static const char *const clicks[] = {"clicks", "link clicks", NULL};
	static const char *const at[] = {"published_at", "date", NULL};
	static const char *const none[] = {"reach", NULL};
	assert_int_equal(sm_csv_find(c, url), 0);
	assert_int_equal(sm_csv_find(c, clicks), 1);
	assert_int_equal(sm_csv_find(c, at), 2);
	assert_int_equal(sm_csv_find(c, none), -1);
	sm_csv_free(c);
	assert_true(sm_csv_name_eq("Link Clicks", "link_clicks"));
	assert_true(sm_csv_name_eq(" ID ", "id"));
	assert_false(sm_csv_name_eq("ids", "id"));
	assert_false(sm_csv_name_eq("", "id"));
	assert_false(sm_csv_name_eq("", ""));
	assert_true(sm_csv_name_eq("PUBLISH-TIME", "publish time"));
	assert_true(sm_csv_name_eq("Post\xc2\xa0URL", "post url"));
	assert_false(sm_csv_name_eq("reach", "reaches"));
}

static void
expect_count(const char *s, int64_t want)
{
	char err[256] = "";
	int64_t v = -1;
	int rc = sm_csv_parse_count(s, &v, err, sizeof(err));
	if (rc != 0 || v != want)
		fail_msg("\"%s\": rc %d, %lld (%s), expected %lld", s, rc,
			 (long long)v, err, (long long)want);
}

static void
expect_not_count(const char *s, const char *why)
{
	char err[256] = "";
	int64_t v = 77;
	int rc = sm_csv_parse_count(s, &v, err, sizeof(err));
	if (rc != -1 || v != 77 || !strstr(err, why))
		fail_msg("\"%s\": rc %d, \"%s\", expected -1 with \"%s\"", s,
			 rc, err, why);
}

static void
test_count(void **state)
{
	int64_t v = 5;

	(void)state;
	expect_count("1234", 1234);
	expect_count("0", 0);
	expect_count(" 42 ", 42);
	expect_count("1,234", 1234);
	expect_count("1,234,567", 1234567);
	expect_count("1 234", 1234);
	expect_count("1\xc2\xa0"
		     "234",
		     1234); /* no-break space */
	expect_count("12\xe2\x80\xaf"
		     "345\xe2\x80\xaf"
		     "678",
		     12345678);
	expect_count("\xc2\xa0"
		     "1 000\xc2\xa0",
		     1000); /* blanks around */
	expect_count("12 345 678", 12345678);
	expect_count("1234.0", 1234);
	expect_count("1,234.00", 1234);
	/* Empty: missing, not zero. */
	assert_int_equal(sm_csv_parse_count("", &v, NULL, 0), 1);
	assert_int_equal(sm_csv_parse_count("   ", &v, NULL, 0), 1);
	assert_int_equal(v, 5);

	expect_not_count("abc", "not a count");
	expect_not_count("12abc", "not a count");
	expect_not_count("-5", "negative");
	expect_not_count("\xe2\x88\x92"
			 "5",
			 "negative"); /* U+2212 minus */
	expect_not_count("(5)", "negative");
	expect_not_count("12.5", "not a whole number");
	expect_not_count("12.5k", "abbreviated");
	expect_not_count("3K", "abbreviated");
	expect_not_count("1.2M", "abbreviated");
	expect_not_count("1,23", "not a count"); /* a decimal comma */
	expect_not_count("12,5", "not a count");
	expect_not_count("1234,567", "not a count");  /* first group > 3 */
	expect_not_count("1,234 567", "not a count"); /* mixed */
	expect_not_count("1 2", "not a count");
	expect_not_count("5%", "not a count");
	expect_not_count("1.", "not a count");
	expect_not_count("1,,234", "not a count");
	expect_not_count(",123", "not a count");
	expect_not_count("123,", "not a count");
	/* A dot then three digits groups thousands (a count is whole: 1.234
	 * cannot be a decimal); other dots start a fraction. */
	expect_count("1.234", 1234);
	expect_count("1.000", 1000);
	expect_count("12.500.000", 12500000);
	expect_count("1.000\xc2\xa0", 1000);
	expect_count("1234.000", 1234); /* four digits: a fraction of zeros */
	expect_count("1,234.000", 1234);
	expect_count("1.0", 1);
	expect_count("1.0000", 1);
	expect_not_count("1.2345", "not a whole number");
	expect_not_count("1.5", "not a whole number");
	expect_not_count("1.234,5", "not a whole number");
	expect_not_count("1.234 567", "not a count"); /* mixed */
	expect_not_count("abc", "1,234"); /* the message gives an example */
	expect_not_count("9223372036854775807", "too large");
	expect_not_count("99999999999999999999", "too large");
	/* The largest count: a quarter of INT64_MAX, so sums cannot overflow. */
	expect_count("2305843009213693951", INT64_MAX / 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comma),
		cmocka_unit_test(test_bom_semicolon_crlf),
		cmocka_unit_test(test_detect_ignores_quoted),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_empty_lines),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
