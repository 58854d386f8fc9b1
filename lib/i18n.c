/*
 * i18n: owns reading GNU .mo catalogues (a header, a table of original
 * strings and one of translations, each entry a length and an offset; the
 * optional hash table is not needed: entries are sorted here and found by
 * binary search), the mapping from a locale name to catalogue names, the
 * search path, and the process-wide cache of catalogues per language.
 *
 * A .mo file is trusted no more than a calendar: every offset and length
 * is checked against the file's size, strings must end in NUL inside it,
 * and the text must be UTF-8 (the header's charset), since messages go
 * into UTF-8 JSON and HTTP bodies.
 */
#include "i18n.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SM_LOCALEDIR
#define SM_LOCALEDIR "/usr/local/share/locale"
#endif

#define MO_MAGIC 0x950412deU
/* A catalogue of smcal's few messages is a few KiB: anything near this is
 * not one. */
#define MO_MAX_BYTES (4u << 20)
#define DOMAIN "smcal"

struct entry {
	const char *id, *str;
};

struct sm_i18n_cat {
	char *data; /* the file's bytes; entries point into it */
	struct entry *e;
	size_t n;
};

static uint32_t
word(const unsigned char *p, int swap)
{
	if (swap)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

/* The string of table entry i (table at off): NULL when it does not lie
 * within the file or does not end in NUL there. */
static const char *
table_string(const char *data, size_t len, uint32_t off, uint32_t i, int swap)
{
	uint64_t at = (uint64_t)off + (uint64_t)i * 8;
	if (at + 8 > len)
		return NULL;
	const unsigned char *p = (const unsigned char *)data + at;
	uint64_t slen = word(p, swap), soff = word(p + 4, swap);
	if (soff + slen >= len || data[soff + slen] != '\0')
		return NULL;
	return data + soff;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->id,
		      ((const struct entry *)b)->id);
}

/* 1 when the header entry (msgid "") says the text is UTF-8 or ASCII. */
static int
utf8_header(const char *header)
{
	const char *ct = strcasestr(header, "charset=");
	if (!ct)
		return 1; /* msgfmt writes one; without it, assume UTF-8 */
	ct += 8;
	size_t n = strcspn(ct, " \t\r\n;");
	return (n == 5 && strncasecmp(ct, "UTF-8", 5) == 0) ||
	       (n == 5 && strncasecmp(ct, "ASCII", 5) == 0) ||
	       (n == 8 && strncasecmp(ct, "US-ASCII", 8) == 0);
}

struct sm_i18n_cat *
sm_i18n_parse(const void *data, size_t len, char *err, size_t errlen)
{
	const unsigned char *u = data;
	if (len < 20 || len > MO_MAX_BYTES) {
		snprintf(err, errlen, "not a .mo catalogue (%zu bytes)", len);
		return NULL;
	}
	int swap;
	if (word(u, 0) == MO_MAGIC)
		swap = 0;
	else if (word(u, 1) == MO_MAGIC)
		swap = 1;
	else {
		snprintf(err, errlen, "not a .mo catalogue (bad magic number)");
		return NULL;
	}
	uint32_t rev = word(u + 4, swap);
	if (rev >> 16 > 1) {
		snprintf(err, errlen, "unknown .mo revision %u.%u", rev >> 16,
			 rev & 0xffff);
		return NULL;
	}
	uint32_t n = word(u + 8, swap), orig = word(u + 12, swap),
		 trans = word(u + 16, swap);
	if ((uint64_t)n * 8 > len) {
		snprintf(err, errlen,
			 "broken .mo catalogue (%u entries in %zu "
			 "bytes)",
			 n, len);
		return NULL;
	}
	struct sm_i18n_cat *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	/* One NUL after the copy, so that even a check that passes by one
	 * byte can never read past the buffer. */
	c->data = malloc(len + 1);
	c->e = calloc(n ? n : 1, sizeof(*c->e));
	if (!c->data || !c->e)
		abort();
	memcpy(c->data, data, len);
	c->data[len] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		const char *id = table_string(c->data, len, orig, i, swap);
		const char *str = table_string(c->data, len, trans, i, swap);
		if (!id || !str) {
			snprintf(err, errlen,
				 "broken .mo catalogue (entry %u "
				 "lies outside the file)",
				 i);
			sm_i18n_free(c);
			return NULL;
		}
		if (*id == '\0') {
			if (!utf8_header(str)) {
				snprintf(err, errlen,
					 "the catalogue's charset is not "
					 "UTF-8");
				sm_i18n_free(c);
				return NULL;
			}
			continue; /* the header is no message */
		}
		/* An untranslated entry (msgfmt keeps none, a hand-made file
		 * might) leaves the English text. */
		if (*str)
			c->e[c->n++] = (struct entry){id, str};
	}
	qsort(c->e, c->n, sizeof(*c->e), by_id);
	return c;
}

struct sm_i18n_cat *
sm_i18n_load_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)MO_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a .mo catalogue", path);
		fclose(f);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	size_t got = fread(buf, 1, len, f);
	fclose(f);
	struct sm_i18n_cat *c = NULL;
	char why[256];
	if (got != len)
		snprintf(err, errlen, "%s: short read", path);
	else if (!(c = sm_i18n_parse(buf, len, why, sizeof(why))))
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return c;
}

void
sm_i18n_free(struct sm_i18n_cat *cat)
{
	if (!cat)
		return;
	free(cat->data);
	free(cat->e);
	free(cat);
}

const char *
sm_i18n_get(const struct sm_i18n_cat *cat, const char *msgid)
{
	if (!cat || !msgid)
		return msgid;
	struct entry key = {msgid, NULL};
	const struct entry *e =
		bsearch(&key, cat->e, cat->n, sizeof(*cat->e), by_id);
	return e ? e->str : msgid;
}

size_t
sm_i18n_size(const struct sm_i18n_cat *cat)
{
	return cat ? cat->n : 0;
}

void
sm_i18n_entry(const struct sm_i18n_cat *cat, size_t i, const char **id,
	      const char **str)
{
	*id = i < sm_i18n_size(cat) ? cat->e[i].id : NULL;
	*str = i < sm_i18n_size(cat) ? cat->e[i].str : NULL;
}

/* A run of letters, digits, '_' or '-' (possibly empty). */
static size_t
name_span(const char *s)
{
	size_t n = 0;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-')
		n++;
	return n;
}

int
sm_i18n_languages(const char *locale, char out[][SM_I18N_LANG_MAX], int max)
{
	if (!locale || !*locale || strcmp(locale, "POSIX") == 0)
		return 0;
	/* ll[_CC][.codeset][@modifier] */
	const char *p = locale;
	size_t ll = 0;
	while ((p[ll] >= 'a' && p[ll] <= 'z') || (p[ll] >= 'A' && p[ll] <= 'Z'))
		ll++;
	size_t terr = 0;
	if (p[ll] == '_')
		terr = 1 + name_span(p + ll + 1);
	const char *rest = p + ll + terr;
	if (*rest == '.')
		rest += 1 + name_span(rest + 1);
	const char *mod = NULL;
	size_t modlen = 0;
	if (*rest == '@') {
		mod = rest;
		modlen = 1 + name_span(rest + 1);
		rest += modlen;
	}
	if (ll == 0 || *rest || ll + terr + modlen >= SM_I18N_LANG_MAX)
		return -1;
	/* C, C.UTF-8 and English: the messages' own language. */
	if ((ll == 1 && (p[0] == 'C' || p[0] == 'c')) ||
	    (ll == 2 && strncasecmp(p, "en", 2) == 0))
		return 0;
	int n = 0;
	for (int pass = mod ? 0 : 1; pass < 2; pass++) {
		size_t ml = pass == 0 ? modlen : 0;
		if (terr > 1 && n < max) {
			snprintf(out[n++], SM_I18N_LANG_MAX, "%.*s%.*s",
				 (int)(ll + terr), p, (int)ml, mod ? mod : "");
		}
		if (n < max)
			snprintf(out[n++], SM_I18N_LANG_MAX, "%.*s%.*s",
				 (int)ll, p, (int)ml, mod ? mod : "");
	}
	return n;
}

/* ---------------------------------------------------------------------
 * The search path and the cache.
 */

struct cached {
	char lang[SM_I18N_LANG_MAX];
	struct sm_i18n_cat *cat; /* NULL: none found, or broken */
	char err[512];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *path_set; /* NULL: the default */
static struct cached *cache;
static size_t ncache, capcache;

/* The default search path: $SMCAL_LOCALEDIR, else beside the program,
 * from it to ../share/locale, and the compiled-in directory. */
static void
default_path(char *buf, size_t len)
{
	const char *env = getenv("SMCAL_LOCALEDIR");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(buf, len, "%s", SM_LOCALEDIR);
		return;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/locale:%s/../share/locale:%s", exe, exe,
		 SM_LOCALEDIR);
}

void
sm_i18n_set_path(const char *dirs)
{
	char *copy = NULL;
	if (dirs && !(copy = strdup(dirs)))
		abort();
	pthread_mutex_lock(&lock);
	free(path_set);
	path_set = copy;
	pthread_mutex_unlock(&lock);
}

/* Call with the lock held. */
static void
current_path(char *buf, size_t len)
{
	if (path_set)
		snprintf(buf, len, "%s", path_set);
	else
		default_path(buf, len);
}

void
sm_i18n_path(char *buf, size_t len)
{
	pthread_mutex_lock(&lock);
	current_path(buf, len);
	pthread_mutex_unlock(&lock);
}

/* Loads a language's catalogue from the first directory of the path that
 * has one; call with the lock held. */
static struct cached *
load_language(const char *lang)
{
	if (ncache == capcache) {
		capcache = capcache ? capcache * 2 : 4;
		cache = realloc(cache, capcache * sizeof(*cache));
		if (!cache)
			abort();
	}
	struct cached *c = &cache[ncache++];
	memset(c, 0, sizeof(*c));
	size_t ll = strlen(lang);
	if (ll >= sizeof(c->lang))
		ll = sizeof(c->lang) - 1; /* never: languages are shorter */
	memcpy(c->lang, lang, ll);
	char dirs[3 * PATH_MAX + 64];
	current_path(dirs, sizeof(dirs));
	for (char *d = dirs, *next; d; d = next) {
		next = strchr(d, ':');
		if (next)
			*next++ = '\0';
		if (!*d)
			continue;
		char file[PATH_MAX + 64];
		int fn = snprintf(file, sizeof(file),
				  "%s/%s/LC_MESSAGES/" DOMAIN ".mo", d, lang);
		if (fn < 0 || (size_t)fn >= sizeof(file) ||
		    access(file, F_OK) < 0)
			continue;
		c->cat = sm_i18n_load_file(file, c->err, sizeof(c->err));
		return c;
	}
	return c;
}

int
sm_i18n_lookup(const char *locale, const struct sm_i18n_cat **cat, char *err,
	       size_t errlen)
{
	char langs[4][SM_I18N_LANG_MAX];
	*cat = NULL;
	int n = sm_i18n_languages(locale, langs, 4);
	if (n == 0)
		return 0;
	if (n < 0) {
		snprintf(err, errlen, "%s is not a locale name", locale);
		return -1;
	}
	pthread_mutex_lock(&lock);
	int broken = 0;
	for (int i = 0; i < n && !*cat; i++) {
		struct cached *c = NULL;
		for (size_t k = 0; k < ncache && !c; k++)
			if (strcmp(cache[k].lang, langs[i]) == 0)
				c = &cache[k];
		if (!c)
			c = load_language(langs[i]);
		*cat = c->cat;
		/* The first broken catalogue is what to fix; copied now, as
		 * loading the next language may move the cache. */
		if (!c->cat && c->err[0] && !broken) {
			snprintf(err, errlen, "%s", c->err);
			broken = 1;
		}
	}
	if (!*cat) {
		if (!broken) {
			char dirs[3 * PATH_MAX + 64];
			current_path(dirs, sizeof(dirs));
			snprintf(err, errlen,
				 "no " DOMAIN ".mo for %s%s%s in %s", langs[0],
				 n > 1 ? " or " : "", n > 1 ? langs[n - 1] : "",
				 dirs);
		}
	}
	pthread_mutex_unlock(&lock);
	return *cat ? 1 : -1;
}

void
sm_i18n_cleanup(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ncache; i++)
		sm_i18n_free(cache[i].cat);
	free(cache);
	cache = NULL;
	ncache = capcache = 0;
	free(path_set);
	path_set = NULL;
	pthread_mutex_unlock(&lock);
}
