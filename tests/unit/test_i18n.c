/*
 * Unit tests for lib/i18n: reading .mo catalogues (both byte orders, the
 * header's charset, hostile files), the catalogue names of a locale, the
 * search path and the cache, and the repository's own catalogues (built
 * from po/ into $(BUILD)/locale): every translation keeps the placeholders
 * of its message.
 *
 * Catalogues are written here by a small .mo writer (the format is a
 * header, two tables of (length, offset) pairs and the strings), so each
 * test controls every byte.
 */
#include "support.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct pair {
	const char *id, *str;
};

static void
put32(unsigned char *p, uint32_t v, int big)
{
	for (int i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

/*
 * Writes a .mo image of the pairs (in the order given: msgfmt sorts them,
 * the reader must not rely on it) into buf; returns its length.  big
 * selects the byte order.
 */
static size_t
mo_image(unsigned char *buf, size_t cap, const struct pair *p, size_t n,
	 int big)
{
	size_t head = 28, tables = head + 16 * n, at = tables;
	memset(buf, 0, cap);
	put32(buf, 0x950412de, big);
	put32(buf + 4, 0, big);
	put32(buf + 8, (uint32_t)n, big);
	put32(buf + 12, (uint32_t)head, big);
	put32(buf + 16, (uint32_t)(head + 8 * n), big);
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < n; i++) {
			const char *s = k == 0 ? p[i].id : p[i].str;
			size_t len = strlen(s);
			assert_true(at + len + 1 <= cap);
			unsigned char *e = buf + head + 8 * (k * n + i);
			put32(e, (uint32_t)len, big);
			put32(e + 4, (uint32_t)at, big);
			memcpy(buf + at, s, len + 1);
			at += len + 1;
		}
	}
	return at;
}

static const struct pair fr_pairs[] = {
	{"Hello", "Bonjour"},
	{"", "Content-Type: text/plain; charset=UTF-8\n"},
	{"Due now: “{title}”", "À publier\u00a0: «\u00a0{title}\u00a0»"},
	{"Untranslated", ""},
	{"Apple", "Pomme"},
};

static void
test_parse(void **state)
{
	(void)state;
	unsigned char buf[2048];
	char err[256];
	for (int big = 0; big < 2; big++) {
		size_t len = mo_image(buf, sizeof(buf), fr_pairs,
				      NELEM(fr_pairs), big);
		struct sm_i18n_cat *c =
			sm_i18n_parse(buf, len, err, sizeof(err));
		if (!c)
			fail_msg("byte order %d: %s", big, err);
		assert_string_equal(sm_i18n_get(c, "Hello"), "Bonjour");
		assert_string_equal(sm_i18n_get(c, "Apple"), "Pomme");
		assert_string_equal(sm_i18n_get(c, "Due now: “{title}”"),
				    "À publier\u00a0: «\u00a0{title}\u00a0»");
		/* Absent, or present without a translation: the message. */
		assert_string_equal(sm_i18n_get(c, "Goodbye"), "Goodbye");
		assert_string_equal(sm_i18n_get(c, "Untranslated"),
				    "Untranslated");
		/* The header and untranslated entries are not messages. */
		assert_int_equal(sm_i18n_size(c), 3);
		const char *id, *str;
		sm_i18n_entry(c, 0, &id, &str);
		assert_string_equal(id, "Apple");
		sm_i18n_entry(c, 3, &id, &str);
		assert_null(id);
		/* The catalogue owns a copy: the image may go. */
		memset(buf, 0, sizeof(buf));
		assert_string_equal(sm_i18n_get(c, "Hello"), "Bonjour");
		sm_i18n_free(c);
	}
	/* No catalogue: English. */
	assert_string_equal(sm_i18n_get(NULL, "Hello"), "Hello");
	assert_int_equal(sm_i18n_size(NULL), 0);
	sm_i18n_free(NULL);
}

/* Files that are not catalogues are refused with a reason, never read
 * out of bounds (run under ASan by make sanitize). */
static void
test_parse_hostile(void **state)
{
	(void)state;
	unsigned char buf[2048];
	char err[256];
	size_t len = mo_image(buf, sizeof(buf), fr_pairs, NELEM(fr_pairs), 0);

	/* Every truncation of a valid image. */
	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		struct sm_i18n_cat *c =
			sm_i18n_parse(copy, cut, err, sizeof(err));
		free(copy);
		if (c)
			fail_msg("a .mo cut to %zu of %zu bytes was accepted",
				 cut, len);
	}

	unsigned char bad[2048];
	memcpy(bad, buf, len);
	bad[0] ^= 0xff;
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));
	assert_non_null(strstr(err, "magic"));

	/* A string's offset far outside the file. */
	memcpy(bad, buf, len);
	put32(bad + 28 + 4, 0x7ffffff0, 0);
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));
	assert_non_null(strstr(err, "outside"));

	/* A length that makes offset + length wrap around 32 bits. */
	memcpy(bad, buf, len);
	put32(bad + 28, 0xffffffff, 0);
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));

	/* A string without its NUL inside the file. */
	memcpy(bad, buf, len);
	bad[len - 1] = 'x';
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));

	/* More entries than the file can hold. */
	memcpy(bad, buf, len);
	put32(bad + 8, 0x10000000, 0);
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));

	/* An unknown major revision. */
	memcpy(bad, buf, len);
	put32(bad + 4, 0x00020000, 0);
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));
	assert_non_null(strstr(err, "revision"));

	/* Text in another charset than UTF-8. */
	const struct pair latin1[] = {
		{"", "Content-Type: text/plain; charset=ISO-8859-1\n"},
		{"Hello", "Bonjour"},
	};
	len = mo_image(bad, sizeof(bad), latin1, NELEM(latin1), 0);
	assert_null(sm_i18n_parse(bad, len, err, sizeof(err)));
	assert_non_null(strstr(err, "UTF-8"));

	/* No entries at all is a valid (empty) catalogue. */
	len = mo_image(bad, sizeof(bad), NULL, 0, 1);
	struct sm_i18n_cat *c = sm_i18n_parse(bad, len, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(sm_i18n_get(c, "Hello"), "Hello");
	sm_i18n_free(c);
}

static void
check_languages(const char *locale, int want_n, const char *const *want)
{
	char out[4][SM_I18N_LANG_MAX];
	int n = sm_i18n_languages(locale, out, 4);
	if (n != want_n)
		fail_msg("%s: %d languages, expected %d",
			 locale ? locale : "NULL", n, want_n);
	for (int i = 0; i < n; i++)
		if (strcmp(out[i], want[i]) != 0)
			fail_msg("%s: language %d is %s, expected %s", locale,
				 i, out[i], want[i]);
}

static void
test_languages(void **state)
{
	(void)state;
	check_languages("fr_FR.UTF-8", 2, (const char *[]){"fr_FR", "fr"});
	check_languages("fr_CA.utf8", 2, (const char *[]){"fr_CA", "fr"});
	check_languages("fr", 1, (const char *[]){"fr"});
	check_languages("de_DE", 2, (const char *[]){"de_DE", "de"});
	check_languages(
		"sr_RS.UTF-8@latin", 4,
		(const char *[]){"sr_RS@latin", "sr@latin", "sr_RS", "sr"});
	/* The source language and the C locale need no catalogue. */
	check_languages(NULL, 0, NULL);
	check_languages("", 0, NULL);
	check_languages("C", 0, NULL);
	check_languages("C.UTF-8", 0, NULL);
	check_languages("POSIX", 0, NULL);
	check_languages("en_US.UTF-8", 0, NULL);
	check_languages("en_GB", 0, NULL);
	/* A name that could climb out of a directory is no locale. */
	check_languages("../../etc/passwd", -1, NULL);
	check_languages("fr/FR", -1, NULL);
	check_languages("fr_FR.UTF-8/x", -1, NULL);
	check_languages("_FR", -1, NULL);
	check_languages("fr_FR xx", -1, NULL);
	/* Only as many as asked for. */
	char one[1][SM_I18N_LANG_MAX];
	assert_int_equal(sm_i18n_languages("fr_FR.UTF-8", one, 1), 1);
	assert_string_equal(one[0], "fr_FR");
}

/* A private directory tree for catalogues. */
static char tmpdir[256];

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
mkdirs(const char *lang)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, lang);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/LC_MESSAGES", tmpdir, lang);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
tree_setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmpdir, sizeof(tmpdir), "i18n") != 0)
		return -1;
	sm_i18n_cleanup();
	return 0;
}

static int
tree_teardown(void **state)
{
	(void)state;
	int rc = tmpdir_remove(tmpdir);
	sm_i18n_cleanup();
	return rc;
}

static void
test_lookup(void **state)
{
	(void)state;
	unsigned char buf[2048];
	char p[1024], err[1024];
	const struct sm_i18n_cat *cat = NULL;

	mkdirs("fr");
	size_t len = mo_image(buf, sizeof(buf), fr_pairs, NELEM(fr_pairs), 0);
	snprintf(p, sizeof(p), "%s/fr/LC_MESSAGES/smcal.mo", tmpdir);
	write_file(p, buf, len);
	/* A broken catalogue for Belgian French. */
	mkdirs("fr_BE");
	snprintf(p, sizeof(p), "%s/fr_BE/LC_MESSAGES/smcal.mo", tmpdir);
	write_file(p, "not a catalogue at all", 22);

	/* The first directory of the path that has the file wins; a
	 * directory that does not exist is passed over. */
	snprintf(p, sizeof(p), "%s/nowhere:%s", tmpdir, tmpdir);
	sm_i18n_set_path(p);
	char got[1024];
	sm_i18n_path(got, sizeof(got));
	assert_string_equal(got, p);

	assert_int_equal(sm_i18n_lookup("fr_FR.UTF-8", &cat, err, sizeof(err)),
			 1);
	assert_non_null(cat);
	assert_string_equal(sm_i18n_get(cat, "Hello"), "Bonjour");
	/* Cached: the same catalogue for every fr locale. */
	const struct sm_i18n_cat *again = NULL;
	assert_int_equal(
		sm_i18n_lookup("fr_CA.UTF-8", &again, err, sizeof(err)), 1);
	assert_ptr_equal(again, cat);

	/* English and C: no catalogue, no problem. */
	assert_int_equal(sm_i18n_lookup("en_US.UTF-8", &cat, err, sizeof(err)),
			 0);
	assert_null(cat);
	assert_int_equal(sm_i18n_lookup(NULL, &cat, err, sizeof(err)), 0);

	/* No German catalogue: the message names what was looked for. */
	assert_int_equal(sm_i18n_lookup("de_DE.UTF-8", &cat, err, sizeof(err)),
			 -1);
	assert_null(cat);
	assert_non_null(strstr(err, "de_DE or de"));
	assert_non_null(strstr(err, tmpdir));

	/* A broken file is named, and the language falls back to fr. */
	assert_int_equal(sm_i18n_lookup("fr_BE.UTF-8", &cat, err, sizeof(err)),
			 1);
	assert_string_equal(sm_i18n_get(cat, "Apple"), "Pomme");
	/* Without the fallback, the broken file is the reason. */
	mkdirs("nl_BE");
	snprintf(p, sizeof(p), "%s/nl_BE/LC_MESSAGES/smcal.mo", tmpdir);
	write_file(p, "junk", 4);
	assert_int_equal(sm_i18n_lookup("nl_BE", &cat, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nl_BE/LC_MESSAGES/smcal.mo"));
	assert_non_null(strstr(err, "not a .mo catalogue"));

	/* A name that is no locale. */
	assert_int_equal(sm_i18n_lookup("../fr", &cat, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a locale name"));
}

/* The default path: SMCAL_LOCALEDIR, else beside the program and
 * ../share/locale from it, then the compiled-in directory. */
static void
test_default_path(void **state)
{
	(void)state;
	char got[3 * PATH_MAX], exe[PATH_MAX], want[2 * PATH_MAX + 32];
	sm_i18n_set_path(NULL);
	setenv("SMCAL_LOCALEDIR", "/a/b:/c", 1);
	sm_i18n_path(got, sizeof(got));
	assert_string_equal(got, "/a/b:/c");
	unsetenv("SMCAL_LOCALEDIR");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	sm_i18n_path(got, sizeof(got));
	snprintf(want, sizeof(want), "%s/locale:%s/../share/locale:", exe, exe);
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("default path %s does not start with %s", got, want);
	assert_true(strlen(got) > strlen(want));
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The placeholders ({name}) of s, sorted, into out. */
static void
placeholders(const char *s, char *out, size_t len)
{
	char names[16][32];
	int n = 0;
	for (const char *p = strchr(s, '{'); p && n < 16;
	     p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		if (!e || (size_t)(e - p) >= sizeof(names[0]))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(e - p + 1),
			 p);
	}
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		strncat(out, names[i], len - strlen(out) - 1);
}

/*
 * The repository's catalogues as the build compiled them (beside this
 * test binary's directory: $(BUILD)/locale): each loads, and each
 * translation keeps exactly its message's placeholders, or the receiver
 * would read "{title}" or lose the post's title.
 */
static void
test_repository_catalogues(void **state)
{
	(void)state;
	char exe[PATH_MAX], dir[PATH_MAX + 16], err[1024];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(dir, sizeof(dir), "%s/../locale", exe);
	sm_i18n_set_path(dir);
	const struct sm_i18n_cat *cat = NULL;
	if (sm_i18n_lookup("fr_FR.UTF-8", &cat, err, sizeof(err)) != 1)
		fail_msg("the French catalogue: %s (make builds it)", err);
	assert_true(sm_i18n_size(cat) >= 7);
	for (size_t i = 0; i < sm_i18n_size(cat); i++) {
		const char *id, *str;
		char a[256], b[256];
		sm_i18n_entry(cat, i, &id, &str);
		placeholders(id, a, sizeof(a));
		placeholders(str, b, sizeof(b));
		if (strcmp(a, b) != 0)
			fail_msg("%s\n  is translated as %s\n  with the "
				 "placeholders %s instead of %s",
				 id, str, b, a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_languages),
		cmocka_unit_test_setup_teardown(test_lookup, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_default_path, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_repository_catalogues,
						tree_setup, tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
