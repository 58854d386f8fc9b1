/*
 * i18n: the translations of smcal's own words in human messages (the
 * slack, discord and ntfy formats), read from GNU gettext .mo catalogues
 * and chosen per webhook by its `locale`, never through the process
 * locale, which stays "C" (the daemon serves several languages at once).
 *
 * A catalogue is <dir>/<lang>/LC_MESSAGES/smcal.mo, the layout of
 * gettext's own, built from po/<lang>.po by `make` (msgfmt) into
 * $(BUILD)/locale and installed by `make install` under
 * $(PREFIX)/share/locale.  The directories searched, in order (the search
 * path): $SMCAL_LOCALEDIR when set (colon-separated), else the directory
 * `locale` beside the running program (the build tree: build/smcald finds
 * build/locale), then `../share/locale` from it (an installed
 * PREFIX/sbin/smcald finds PREFIX/share/locale whatever PREFIX it was
 * built with), then SM_LOCALEDIR compiled in.  A locale's languages are
 * tried from the most specific (fr_CA, then fr); English is the source
 * text and needs no catalogue.
 *
 * Messages are templates with named placeholders ("Due now: “{title}”
 * ({date})."), filled by the caller: a translation can reorder them and
 * can never be a printf format.  Catalogues are read once per process and
 * language and shared (thread-safe); a changed catalogue takes effect at
 * the next start.
 */
#ifndef SM_I18N_H
#define SM_I18N_H

#include <stddef.h>

/* Marks a message for xgettext (`make pot`); the text itself is the
 * English message and the key of its translations. */
#define N_(s) (s)

/* Longest language name a locale yields ("fr_FR@euro"). */
#define SM_I18N_LANG_MAX 32

/* One language's translations (opaque). */
struct sm_i18n_cat;

/*
 * Reads a .mo image (either byte order) into a new catalogue; returns NULL
 * and a message naming what is wrong when data is not a valid .mo file of
 * UTF-8 text.  data is copied.
 */
struct sm_i18n_cat *sm_i18n_parse(const void *data, size_t len, char *err,
				  size_t errlen);

/* Reads the .mo file at path (sm_i18n_parse); NULL with a message naming
 * the file when it cannot be read or is not a catalogue. */
struct sm_i18n_cat *sm_i18n_load_file(const char *path, char *err,
				      size_t errlen);

/* Frees a catalogue; NULL is a no-op. */
void sm_i18n_free(struct sm_i18n_cat *cat);

/* The translation of msgid, or msgid itself when cat is NULL or has none
 * (a borrowed string that lives as long as cat). */
const char *sm_i18n_get(const struct sm_i18n_cat *cat, const char *msgid);

/* Number of messages in cat (the header entry excluded). */
size_t sm_i18n_size(const struct sm_i18n_cat *cat);

/* The i-th message (in msgid order) and its translation, borrowed. */
void sm_i18n_entry(const struct sm_i18n_cat *cat, size_t i, const char **id,
		   const char **str);

/*
 * The catalogue names to try for a locale name, most specific first:
 * "fr_FR.UTF-8" gives fr_FR, fr; "sr_RS@latin" gives sr_RS@latin, sr@latin,
 * sr_RS, sr.  Returns how many were written to out (at most max): 0 for
 * NULL, "", C, POSIX (and C.UTF-8) and English (en, en_*: the source
 * text); -1 for a name that is not ll[_CC][.codeset][@modifier] (letters,
 * digits, '_', '-' only: a name never becomes a path elsewhere).
 */
int sm_i18n_languages(const char *locale, char out[][SM_I18N_LANG_MAX],
		      int max);

/*
 * Sets the search path (directories separated by ':'); NULL restores the
 * default described above.  Catalogues already loaded stay.  Thread-safe.
 */
void sm_i18n_set_path(const char *dirs);

/* Writes the search path in use into buf (for messages). */
void sm_i18n_path(char *buf, size_t len);

/*
 * Finds the shared catalogue for a locale: loaded from the search path on
 * first use of a language, then cached (a missing or broken one too).
 * Returns 1 with *cat set; 0 with *cat NULL when the locale's messages are
 * English (the source text: NULL, C, POSIX, en*); -1 with *cat NULL and a
 * message in err when no catalogue of its languages exists on the search
 * path or the one found is not valid (the caller then writes English).
 * Thread-safe.
 */
int sm_i18n_lookup(const char *locale, const struct sm_i18n_cat **cat,
		   char *err, size_t errlen);

/* Frees the cached catalogues (for leak checkers at exit). */
void sm_i18n_cleanup(void);

#endif
