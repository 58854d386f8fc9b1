/*
 * world: loading.  Runs on the loader thread: it uses libical (through
 * calendar.c) and nothing of the loop.
 */
#include "world.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "post.h"

#define COPIES_DIR "calendars"

static struct loaded_calendar *
find_prev(const struct world *prev, const char *name)
{
	for (size_t i = 0; prev && i < prev->ncals; i++)
		if (strcmp(prev->cals[i]->cal.name, name) == 0)
			return prev->cals[i];
	return NULL;
}

/* snprintf without truncation warnings: the texts built here are bounded
 * on purpose, and a path cut short in a message is acceptable. */
static void textf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Has the daemon asked the load to stop (cancel may be NULL)? */
static int
cancelled(const atomic_int *cancel)
{
	return cancel && atomic_load(cancel);
}

/* Logs a load's problems and counts them in st (when given: the first
 * errors kept); returns 1 when the version must not serve, with the first
 * error in why. */
static int
report(const char *name, const char *path, struct sm_diag_list *d, int rc,
       char *why, size_t whylen, struct calendar_status *st)
{
	why[0] = '\0';
	for (size_t i = 0; i < d->n; i++) {
		const struct sm_diag *x = &d->items[i];
		log_msg(x->severity == SM_ERROR ? SM_LOG_ERROR : SM_LOG_DEBUG,
			"calendar %s: %s:%d: %s", name,
			x->file ? x->file : path, x->line, x->message);
		if (x->severity == SM_ERROR && !why[0])
			textf(why, whylen, "%s:%d: %s",
			      x->file ? x->file : path, x->line, x->message);
		if (!st)
			continue;
		if (x->severity != SM_ERROR) {
			st->warnings++;
			continue;
		}
		st->errors++;
		if (st->nmessages < CAL_MAX_MESSAGES) {
			char *m = NULL;
			if (asprintf(&m, "%s:%d: %s", x->file ? x->file : path,
				     x->line, x->message) < 0)
				abort();
			st->messages[st->nmessages++] = m;
		}
	}
	return rc < 0 || d->nerrors > 0;
}

/* ---------------------------------------------------------------------
 * Last clean copies: <state_dir>/calendars/<name>.ics.  Calendar names are
 * letters, digits, '_', '-' and '.' starting with a letter or digit
 * (config.c), so they are safe file names.
 */

static void
copy_paths(const struct sm_config *cfg, const char *name, char *dir,
	   char *final, char *tmp, size_t len)
{
	textf(dir, len, "%s/%s", cfg->state_dir, COPIES_DIR);
	textf(final, len, "%s/%s.ics", dir, name);
	textf(tmp, len, "%s/.%s.ics.tmp", dir, name);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies src (from its start) into dst; returns 0 or -1 with errno, *rerr
 * set when reading src failed (not the copy's fault). */
static int
copy_fd(int src, int dst, int *rerr)
{
	char buf[1 << 16];
	*rerr = 0;
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*rerr = errno;
			return -1;
		}
		if (n == 0)
			return 0;
		if (write_all(dst, buf, (size_t)n) < 0)
			return -1;
	}
}

static void
format_time(time_t t, char *buf, size_t len)
{
	char tmp[40];
	textf(buf, len, "%s",
	      sm_civil_format((sm_time)t, SM_CIVIL_UTC, tmp, sizeof(tmp)));
}

/*
 * Loads a calendar's file through a temporary copy in the copies
 * directory and, when the load is clean, makes that copy the last clean
 * one.  Without a usable copies directory the file is loaded directly.
 * Returns 1 when the load is clean; why gets the first error otherwise.
 */
static int
load_file(const struct sm_config *cfg, const struct sm_calendar_conf *cc,
	  struct loaded_calendar *lc, char *why, size_t whylen,
	  struct calendar_status *st, const atomic_int *cancel)
{
	char dir[4096], final[4200], tmp[4200];
	copy_paths(cfg, cc->name, dir, final, tmp, sizeof(dir));
	struct sm_diag_list d = {0};
	int rc = 0;
	int src = open(cc->path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		sm_diag_add(&d, SM_ERROR, cc->path, 0, "cannot open: %s",
			    strerror(errno));
		rc = -1;
	}
	int cp = -1;
	if (src >= 0) {
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			log_warning("calendar %s: cannot create %s (%s): no "
				    "clean copy is kept",
				    cc->name, dir, strerror(errno));
		else if ((cp = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
				    0640)) < 0)
			log_warning("calendar %s: cannot write %s (%s): no "
				    "clean copy is kept",
				    cc->name, tmp, strerror(errno));
	}
	if (cp >= 0) {
		int rerr;
		if (copy_fd(src, cp, &rerr) < 0 || lseek(cp, 0, SEEK_SET) < 0) {
			if (rerr) {
				sm_diag_add(&d, SM_ERROR, cc->path, 0,
					    "cannot read: %s", strerror(rerr));
				rc = -1;
			} else {
				log_warning("calendar %s: cannot write %s "
					    "(%s): no clean copy is kept",
					    cc->name, tmp, strerror(errno));
				lseek(src, 0, SEEK_SET);
			}
			close(cp);
			unlink(tmp);
			cp = -1;
		}
	}
	lc->cal.cancel = cancel;
	if (rc == 0)
		rc = sm_calendar_load_fd(&lc->cal, cp >= 0 ? cp : src, cc->path,
					 &d);
	if (src >= 0)
		close(src);
	int bad = report(cc->name, cc->path, &d, rc, why, whylen, st);
	sm_diag_clear(&d);
	char when[48];
	format_time(time(NULL), when, sizeof(when));
	textf(lc->origin, sizeof(lc->origin), "loaded from %s at %s", cc->path,
	      when);
	if (cp < 0)
		return !bad;
	if (bad) {
		close(cp);
		unlink(tmp);
		return 0;
	}
	/* The copy is durable before it replaces the previous one, and the
	 * rename is durable before the load counts as kept.  0640 whatever
	 * the umask: the group may read what the daemon serves. */
	int ok = fchmod(cp, 0640) == 0 && fsync(cp) == 0;
	ok = close(cp) == 0 && ok;
	ok = ok && rename(tmp, final) == 0;
	if (ok) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	} else {
		log_warning("calendar %s: cannot keep a clean copy in %s: %s",
			    cc->name, final, strerror(errno));
		unlink(tmp);
	}
	return 1;
}

/* Loads the last clean copy of a calendar; returns it, or NULL (with the
 * reason in why) when there is none or it does not load cleanly. */
static struct loaded_calendar *
load_copy(const struct sm_config *cfg, const struct sm_calendar_conf *cc,
	  char *why, size_t whylen, const atomic_int *cancel)
{
	char dir[4096], final[4200], tmp[4200];
	copy_paths(cfg, cc->name, dir, final, tmp, sizeof(dir));
	struct stat st;
	if (stat(final, &st) < 0) {
		textf(why, whylen, "no clean copy in %s", dir);
		return NULL;
	}
	struct loaded_calendar *lc = calloc(1, sizeof(*lc));
	if (!lc)
		abort();
	lc->refs = 1;
	sm_calendar_init(&lc->cal, cc->name);
	struct sm_diag_list d = {0};
	lc->cal.cancel = cancel;
	int rc = sm_calendar_load_file(&lc->cal, final, &d);
	char err[384];
	int bad = report(cc->name, final, &d, rc, err, sizeof(err), NULL);
	sm_diag_clear(&d);
	if (bad) {
		textf(why, whylen, "the clean copy %s does not load either",
		      final);
		sm_calendar_fini(&lc->cal);
		free(lc);
		return NULL;
	}
	char when[48];
	format_time(st.st_mtime, when, sizeof(when));
	textf(lc->origin, sizeof(lc->origin), "the last clean copy of %s (%s)",
	      when, final);
	return lc;
}

/* A load stopped because the daemon is stopping: lc is an empty or
 * partial stand-in, and the world it goes into is freed, never served. */
static struct loaded_calendar *
stopped(struct loaded_calendar *lc, struct calendar_status *st)
{
	st->served = CAL_NOT_SERVED;
	textf(st->text, sizeof(st->text), "not loaded: the daemon is stopping");
	return lc;
}

/*
 * The version of a calendar a new world serves, and its status line:
 * the file when it loads cleanly; else the previous world's version; else
 * the last clean copy; else what loaded of the file.  Once cancel is set,
 * an empty stand-in, quietly.
 */
static struct loaded_calendar *
load_calendar(const struct sm_config *cfg, const struct sm_calendar_conf *cc,
	      const struct world *prev, struct calendar_status *st,
	      const atomic_int *cancel)
{
	struct loaded_calendar *lc = calloc(1, sizeof(*lc));
	if (!lc)
		abort();
	lc->refs = 1;
	sm_calendar_init(&lc->cal, cc->name);
	if (cancelled(cancel))
		return stopped(lc, st);
	char why[384];
	if (load_file(cfg, cc, lc, why, sizeof(why), st, cancel)) {
		st->served = CAL_SERVED_FILE;
		textf(st->text, sizeof(st->text), "%zu post%s %s",
		      lc->cal.nposts, PLURAL(lc->cal.nposts), lc->origin);
		return lc;
	}
	if (lc->cal.cancelled || cancelled(cancel))
		return stopped(lc, st);
	const char *how = lc->cal.unterminated ? "cut short" : "errors above";
	struct loaded_calendar *old = find_prev(prev, cc->name);
	if (old) {
		log_error("calendar %s: %s did not load cleanly (%s); the "
			  "previous version (%zu post%s) stays in service",
			  cc->name, cc->path, how, old->cal.nposts,
			  PLURAL(old->cal.nposts));
		st->served = CAL_SERVED_PREVIOUS;
		textf(st->text, sizeof(st->text),
		      "previous version served (%zu post%s, %s): %s",
		      old->cal.nposts, PLURAL(old->cal.nposts), old->origin,
		      why);
		sm_calendar_fini(&lc->cal);
		free(lc);
		old->refs++;
		return old;
	}
	char nocopy[256];
	struct loaded_calendar *copy =
		load_copy(cfg, cc, nocopy, sizeof(nocopy), cancel);
	if (cancelled(cancel)) {
		if (copy) {
			sm_calendar_fini(&copy->cal);
			free(copy);
		}
		return stopped(lc, st);
	}
	if (copy) {
		log_error("calendar %s: %s did not load cleanly (%s); serving "
			  "%s instead: %zu post%s",
			  cc->name, cc->path, how, copy->origin,
			  copy->cal.nposts, PLURAL(copy->cal.nposts));
		st->served = CAL_SERVED_COPY;
		textf(st->text, sizeof(st->text),
		      "served from %s, %zu post%s: %s", copy->origin,
		      copy->cal.nposts, PLURAL(copy->cal.nposts), why);
		sm_calendar_fini(&lc->cal);
		free(lc);
		return copy;
	}
	if (lc->cal.nposts > 0) {
		log_error("calendar %s: %s did not load cleanly (%s) and "
			  "there is no clean version (%s): serving the %zu "
			  "post%s that loaded from it",
			  cc->name, cc->path, how, nocopy, lc->cal.nposts,
			  PLURAL(lc->cal.nposts));
		st->served = CAL_SERVED_PARTIAL;
		textf(st->text, sizeof(st->text),
		      "partly served: the %zu post%s that loaded from a "
		      "broken file (%s): %s",
		      lc->cal.nposts, PLURAL(lc->cal.nposts), nocopy, why);
	} else {
		log_error("calendar %s: %s did not load cleanly (%s) and "
			  "there is no clean version (%s): no posts served",
			  cc->name, cc->path, how, nocopy);
		st->served = CAL_NOT_SERVED;
		textf(st->text, sizeof(st->text), "not served (%s): %s", nocopy,
		      why);
	}
	return lc;
}

const char *
world_cal_state_name(enum calendar_served served)
{
	switch (served) {
	case CAL_SERVED_FILE:
		return "ok";
	case CAL_SERVED_PREVIOUS:
		return "previous";
	case CAL_SERVED_COPY:
		return "copy";
	case CAL_SERVED_PARTIAL:
		return "errors";
	case CAL_NOT_SERVED:
		return "unreadable";
	}
	return "?";
}

/*
 * Says once per load, not once per message, what a webhook's `locale`
 * lacks: the locale itself (its dates are then written in C), or, for the
 * formats with sentences, a catalogue of smcal's messages in its language
 * (they are then in English).  Looking the catalogue up here also reads it
 * on this thread rather than on the loop's at the first message.
 */
static void
check_locales(const struct sm_config *cfg)
{
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct sm_webhook *wh = &cfg->webhooks[i];
		if (!wh->locale || wh->format == SM_WEBHOOK_JSON)
			continue;
		locale_t loc = newlocale(LC_ALL_MASK, wh->locale, NULL);
		if (loc)
			freelocale(loc);
		else
			log_warning("webhook %s: locale %s is not installed: "
				    "dates use the C locale",
				    wh->name, wh->locale);
		if (wh->format == SM_WEBHOOK_TEMPLATE)
			continue; /* the template is the user's own text */
		const struct sm_i18n_cat *cat;
		char err[1024];
		if (sm_i18n_lookup(wh->locale, &cat, err, sizeof(err)) < 0)
			log_warning("webhook %s: no translation of smcal's "
				    "messages for locale %s (%s): they are "
				    "sent in English",
				    wh->name, wh->locale, err);
	}
}

static void
add_key(struct webhook_keys *k, const char *name, const char *secret,
	const char *where)
{
	if (k->n >= SM_SIGN_MAX_SECRETS) {
		log_warning("webhook %s: more than %d secrets in %s: the rest "
			    "are ignored",
			    name, SM_SIGN_MAX_SECRETS, where);
		return;
	}
	if (sm_sign_key_parse(secret, &k->keys[k->n]) < 0) {
		log_error("webhook %s: a secret in %s is not whsec_<base64>",
			  name, where);
		k->broken = 1;
		return;
	}
	k->n++;
}

struct key_reader {
	const struct sm_webhook *wh;
	struct webhook_keys *k;
};

static void
add_file_key(void *ctx, int line, const char *secret)
{
	struct key_reader *r = ctx;
	char where[4200];
	textf(where, sizeof(where), "%s line %d", r->wh->secret_file, line);
	add_key(r->k, r->wh->name, secret, where);
}

/* Reads a webhook's keys (sm_config_check_host has checked them; this only
 * meets a file changed since).  A configured secret that cannot be used
 * holds the webhook's deliveries rather than sending them unsigned. */
static void
load_keys(const struct sm_webhook *wh, struct webhook_keys *k)
{
	if (wh->secret)
		add_key(k, wh->name, wh->secret, "secret");
	if (!wh->secret_file)
		return;
	struct key_reader r = {wh, k};
	int before = k->n;
	if (sm_config_secret_file_read(wh->secret_file, add_file_key, &r) < 0) {
		log_error("webhook %s: cannot read secret_file %s: %s; its "
			  "deliveries wait until a reload can read it",
			  wh->name, wh->secret_file, strerror(errno));
		k->broken = 1;
	} else if (k->n == before && !k->broken) {
		log_error("webhook %s: no secret in secret_file %s; its "
			  "deliveries wait until a reload finds one",
			  wh->name, wh->secret_file);
		k->broken = 1;
	}
}

static struct world *
build(struct sm_config *cfg, int *cfg_refs, const struct world *prev,
      int same_config, const atomic_int *cancel)
{
	const struct sm_tz *zone = sm_calendar_system_zone(cfg->timezone);
	if (!zone)
		return NULL;
	struct world *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->cfg = cfg;
	w->cfg_refs = cfg_refs;
	(*cfg_refs)++;
	w->opts.zone = zone;
	w->opts.allday_offset = (sm_time)cfg->allday_time * 60;
	w->cals = calloc(cfg->ncalendars + 1, sizeof(*w->cals));
	w->status = calloc(cfg->ncalendars + 1, sizeof(*w->status));
	if (!w->cals || !w->status)
		abort();
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		const struct sm_calendar_conf *cc = &cfg->calendars[i];
		struct calendar_status *st = &w->status[w->ncals];
		struct loaded_calendar *lc =
			load_calendar(cfg, cc, prev, st, cancel);
		/* Posts naming a webhook the config lacks: their events go
		 * to the log sink (route.c); said now, not only when they
		 * fire.  smcald --check fails on them. */
		struct sm_diag_list d = {0};
		sm_post_check_names(cfg, &lc->cal, cfg->path, &d);
		for (size_t k = 0; k < d.n; k++)
			log_msg(d.items[k].severity == SM_ERROR ? SM_LOG_ERROR
								: SM_LOG_DEBUG,
				"calendar %s: %s:%d: %s", cc->name,
				d.items[k].file, d.items[k].line,
				d.items[k].message);
		st->name_errors = (int)d.nerrors;
		sm_diag_clear(&d);
		w->cals[w->ncals++] = lc;
	}
	check_locales(cfg);
	w->keys = calloc(cfg->nwebhooks + 1, sizeof(*w->keys));
	if (!w->keys)
		abort();
	/* The running config keeps the keys it was checked with: a secret
	 * file broken since then waits for a config that passes the check. */
	if (same_config)
		memcpy(w->keys, prev->keys, cfg->nwebhooks * sizeof(*w->keys));
	else
		for (size_t i = 0; i < cfg->nwebhooks; i++)
			load_keys(&cfg->webhooks[i], &w->keys[i]);
	for (size_t i = 0; i < w->ncals && !cancelled(cancel); i++) {
		struct sm_diag_list d = {0};
		sm_occur_index(&w->set, &w->cals[i]->cal, &w->opts, &d);
		for (size_t k = 0; k < d.n; k++)
			log_debug("calendar %s: %s:%d: %s",
				  w->cals[i]->cal.name, d.items[k].file,
				  d.items[k].line, d.items[k].message);
		sm_diag_clear(&d);
		w->nposts += w->cals[i]->cal.nposts;
	}
	return w;
}

struct world *
world_build(struct sm_config *cfg, const struct world *prev,
	    const atomic_int *cancel)
{
	int *refs = calloc(1, sizeof(*refs));
	if (!refs)
		abort();
	struct world *w = build(cfg, refs, prev, 0, cancel);
	if (!w) {
		sm_config_free(cfg);
		free(refs);
	}
	return w;
}

struct world *
world_rebuild(const struct world *prev, const atomic_int *cancel)
{
	/* The loop thread does not touch the count while a reload runs: the
	 * previous world is freed only after this returns. */
	return build(prev->cfg, prev->cfg_refs, prev, 1, cancel);
}

size_t
world_problems(const struct world *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->ncals; i++)
		n += w->status[i].served != CAL_SERVED_FILE;
	return n;
}

void
world_free(struct world *w)
{
	if (!w)
		return;
	sm_occur_set_free(&w->set);
	for (size_t i = 0; i < w->ncals; i++) {
		if (--w->cals[i]->refs == 0) {
			sm_calendar_fini(&w->cals[i]->cal);
			free(w->cals[i]);
		}
	}
	free(w->cals);
	for (size_t i = 0; i < w->ncals; i++)
		for (size_t k = 0; k < w->status[i].nmessages; k++)
			free(w->status[i].messages[k]);
	free(w->status);
	free(w->keys);
	if (--*w->cfg_refs == 0) {
		sm_config_free(w->cfg);
		free(w->cfg_refs);
	}
	free(w);
}
