/*
 * Unit tests for lib/diag: problem lists, their counts and their printed
 * form ("file:line: error: message", as compilers print, so editors can
 * jump to the line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* The printed form of a list, as a string the caller frees. */
static char *
print_to_string(const struct sm_diag_list *list)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	sm_diag_print(list, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void
test_empty(void **state)
{
	(void)state;
	struct sm_diag_list l = {0};
	char *s = print_to_string(&l);
	assert_string_equal(s, "");
	free(s);
	sm_diag_clear(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.items);
}

static void
test_add_and_count(void **state)
{
	(void)state;
	struct sm_diag_list l = {0};
	sm_diag_add(&l, SM_ERROR, "content.ics", 12, "unknown TZID=%s",
		    "Mars/Olympus");
	sm_diag_add(&l, SM_WARNING, "content.ics", 30, "missing UID");
	sm_diag_add(&l, SM_ERROR, NULL, 0, "%d calendars failed", 2);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.nerrors, 2);
	assert_int_equal(l.nwarnings, 1);

	assert_int_equal(l.items[0].severity, SM_ERROR);
	assert_string_equal(l.items[0].file, "content.ics");
	assert_int_equal(l.items[0].line, 12);
	assert_string_equal(l.items[0].message, "unknown TZID=Mars/Olympus");
	assert_int_equal(l.items[1].severity, SM_WARNING);
	assert_int_equal(l.items[1].line, 30);
	assert_null(l.items[2].file);
	assert_int_equal(l.items[2].line, 0);
	assert_string_equal(l.items[2].message, "2 calendars failed");

	sm_diag_clear(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.nerrors, 0);
	assert_int_equal(l.nwarnings, 0);
	assert_null(l.items);

	/* The list is reusable after clearing. */
	sm_diag_add(&l, SM_WARNING, "a.ini", 1, "again");
	assert_int_equal(l.n, 1);
	assert_int_equal(l.nwarnings, 1);
	sm_diag_clear(&l);
}

/* The file name is copied: the caller's buffer may change afterwards. */
static void
test_file_copied(void **state)
{
	(void)state;
	struct sm_diag_list l = {0};
	char file[32];
	strcpy(file, "first.ics");
	sm_diag_add(&l, SM_ERROR, file, 3, "x");
	strcpy(file, "second.ics");
	assert_string_equal(l.items[0].file, "first.ics");
	char *s = print_to_string(&l);
	assert_string_equal(s, "first.ics:3: error: x\n");
	free(s);
	sm_diag_clear(&l);
}

static void
test_print_format(void **state)
{
	(void)state;
	struct sm_diag_list l = {0};
	sm_diag_add(&l, SM_ERROR, "conf/smcal.conf", 7,
		    "[platform:x] cadence = \"%s\": expected a duration",
		    "soon");
	sm_diag_add(&l, SM_WARNING, "content.ics", 42, "no UID; derived %s",
		    "abc123");
	sm_diag_add(&l, SM_ERROR, "content.ics", 0, "not a calendar");
	sm_diag_add(&l, SM_WARNING, "content.ics", 0, "no VERSION");
	sm_diag_add(&l, SM_ERROR, NULL, 0, "no calendar configured");
	sm_diag_add(&l, SM_WARNING, NULL, 0, "100%% of posts are drafts");
	char *s = print_to_string(&l);
	assert_string_equal(
		s, "conf/smcal.conf:7: error: [platform:x] cadence = \"soon\": "
		   "expected a duration\n"
		   "content.ics:42: warning: no UID; derived abc123\n"
		   "content.ics: error: not a calendar\n"
		   "content.ics: warning: no VERSION\n"
		   "error: no calendar configured\n"
		   "warning: 100% of posts are drafts\n");
	free(s);
	sm_diag_clear(&l);
}

/* Messages are not truncated and the list grows past its first block. */
static void
test_many_and_long(void **state)
{
	(void)state;
	struct sm_diag_list l = {0};
	char big[5000];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 1000; i++)
		sm_diag_add(&l, i % 3 ? SM_WARNING : SM_ERROR, "f.ics", i + 1,
			    "%d %s", i, i == 999 ? big : "short");
	assert_int_equal(l.n, 1000);
	assert_int_equal(l.nerrors, 334);
	assert_int_equal(l.nwarnings, 666);
	assert_int_equal(l.items[500].line, 501);
	assert_string_equal(l.items[500].message, "500 short");
	assert_int_equal(strlen(l.items[999].message), 4 + sizeof(big) - 1);
	char *s = print_to_string(&l);
	assert_non_null(strstr(s, "f.ics:1: error: 0 short\n"));
	assert_non_null(strstr(s, "f.ics:2: warning: 1 short\n"));
	free(s);
	sm_diag_clear(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_and_count),
		cmocka_unit_test(test_file_copied),
		cmocka_unit_test(test_print_format),
		cmocka_unit_test(test_many_and_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
