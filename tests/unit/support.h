/*
 * support: the fixtures the cmocka unit tests share — instants written as
 * text, system zones, calendars written as lines, configurations written to
 * temporary files, private temporary directories, and the group teardown
 * that frees libical's zone cache.
 *
 * Header-only: every helper is static inline, so a test includes this
 * after nothing else and the Makefile needs no extra object; helpers a test
 * does not use cost it nothing. They fail the running test (cmocka's
 * fail_msg) on anything unexpected, saying what, so the tests themselves
 * keep only what they check. Temporary files and directories go under
 * $TMPDIR (else /tmp) as smcal-TAG-XXXXXX.
 */
#ifndef SM_TEST_SUPPORT_H
#define SM_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "civil.h"
#include "config.h"
#include "diag.h"
#include "tz.h"

/* A NULL-terminated array of lines, for ics_join:
 * ics_join(LINES("BEGIN:VCALENDAR", ..., "END:VCALENDAR")). */
#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The instant of an RFC 3339 / ISO 8601 literal with an offset or Z
 * ("2026-12-01T09:00:00Z"); fails the test on anything else. */
static inline sm_time
utc(const char *s)
{
	sm_time t = 0;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(s, &t, &has_offset, &date_only) != 0 || !has_offset)
		fail_msg("bad UTC literal in test: %s", s);
	return t;
}

/* The system zone of that IANA name; fails the test when there is none. */
static inline const struct sm_tz *
named_zone(const char *name)
{
	const struct sm_tz *z = sm_calendar_system_zone(name);
	if (!z)
		fail_msg("no system time zone %s (tzdata installed?)", name);
	return z;
}

/* Europe/Paris, the zone most tests work in. */
static inline const struct sm_tz *
paris(void)
{
	return named_zone("Europe/Paris");
}

/* Fails the test unless got is want to within 1e-9. */
static inline void
assert_near(double got, double want)
{
	if (got < want - 1e-9 || got > want + 1e-9)
		fail_msg("got %.12g, expected %.12g", got, want);
}

/* The lines joined, each ended by CRLF, as an iCalendar file has them; the
 * caller frees the result. */
static inline char *
ics_join(const char *const *lines)
{
	size_t len = 1;
	for (size_t i = 0; lines[i]; i++)
		len += strlen(lines[i]) + 2;
	char *s = malloc(len);
	assert_non_null(s);
	char *p = s;
	for (size_t i = 0; lines[i]; i++) {
		size_t n = strlen(lines[i]);
		memcpy(p, lines[i], n);
		memcpy(p + n, "\r\n", 2);
		p += n + 2;
	}
	*p = '\0';
	return s;
}

/* Writes text to a new temporary file named for tag and puts its path in
 * path (len bytes); the caller unlinks it. Fails the test when it cannot. */
static inline void
write_temp(char *path, size_t len, const char *tag, const char *text)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/smcal-%s-XXXXXX", dir && *dir ? dir : "/tmp",
		 tag);
	int fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp %s: %s", path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Loads ini as a configuration file (a temporary one, removed again):
 * sm_config_load's result, with *cfg and diags filled as it fills them. */
static inline int
config_load_text(const char *ini, struct sm_config **cfg,
		 struct sm_diag_list *diags)
{
	char path[256];
	write_temp(path, sizeof(path), "conf", ini);
	int rc = sm_config_load(path, cfg, diags);
	unlink(path);
	return rc;
}

/* The configuration ini holds, which must load without errors (and, when
 * clean is set, without warnings): otherwise its problems are printed and
 * the test fails. */
static inline struct sm_config *
config_text_checked(const char *ini, int clean)
{
	struct sm_config *cfg = NULL;
	struct sm_diag_list d = {0};
	int rc = config_load_text(ini, &cfg, &d);
	if (rc != 0 || (clean && d.n != 0)) {
		sm_diag_print(&d, stderr);
		sm_diag_clear(&d);
		sm_config_free(cfg);
		fail_msg("the test config does not load%s",
			 clean ? " cleanly" : "");
	}
	sm_diag_clear(&d);
	return cfg;
}

/* The configuration ini holds; errors fail the test, warnings do not. */
static inline struct sm_config *
config_text(const char *ini)
{
	return config_text_checked(ini, 0);
}

/* The configuration ini holds; any error or warning fails the test. */
static inline struct sm_config *
config_text_clean(const char *ini)
{
	return config_text_checked(ini, 1);
}

/* Makes a new private directory named for tag (mkdtemp) in dir (len bytes;
 * $TMPDIR is used only when it leaves room for a socket or a file below
 * the directory in 64 bytes). Returns 0, or -1 with errno. */
static inline int
tmpdir_make(char *dir, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, len, "%s/smcal-%s-XXXXXX",
			 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp", tag);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) ? 0 : -1;
}

/* Removes path and everything below it, first giving its owner back the
 * access a test took away (chmod 0 on a directory). Returns 0, or -1 when
 * something could not be removed. */
static inline int
tmpdir_remove(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((st.st_mode & S_IRWXU) != S_IRWXU)
		chmod(path, st.st_mode | S_IRWXU);
	int rc = 0;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[PATH_MAX];
		int n = snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(p) || tmpdir_remove(p) != 0)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) != 0)
		rc = -1;
	return rc;
}

/* A group teardown: frees libical's zone cache, so that leak checkers see
 * nothing left (cmocka_run_group_tests(tests, NULL, zones_teardown)). */
static inline int
zones_teardown(void **state)
{
	(void)state;
	sm_calendar_zones_cleanup();
	return 0;
}

#endif
