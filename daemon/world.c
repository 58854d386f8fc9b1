/*
 * world: loading.  world_build and world_rebuild run on the loader thread:
 * they use libical (through calendar.c) and nothing of the loop.
 * world_schedule and world_schedule_swap run on the loop.
 */
#include "world.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
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
/* A file modified this close to the instant it was read may change again
 * within the same mtime (file systems keep coarse timestamps): the next
 * load checks its content, not only its metadata (as git's racy index). */
#define RACY_NS (2 * INT64_C(1000000000))

/* The previous world's calendar of that name: its index, or -1. */
static long
find_prev(const struct world *prev, const char *name)
{
	for (size_t i = 0; prev && i < prev->ncals; i++)
		if (strcmp(prev->cals[i]->cal.name, name) == 0)
			return (long)i;
	return -1;
}

static void
lc_put(struct loaded_calendar *lc)
{
	if (--lc->refs > 0)
		return;
	sm_calendar_fini(&lc->cal);
	free(lc->path);
	free(lc->zone);
	free(lc);
}

static char *
xstrdup(const char *s)
{
	char *r = strdup(s ? s : "");
	if (!r)
		abort();
	return r;
}

static int64_t
realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------------------------------------------------------------------
 * Content hashes: 128 bits over a file's bytes, fed block by block, to
 * tell an unchanged file whose metadata changed (touched, saved again as
 * it was) from a changed one.  Not a defence against a chosen collision:
 * whoever can write the calendar can change it anyway.
 */

struct content_hash {
	uint64_t h[2];
	uint64_t len;
	unsigned char tail[8];
	size_t ntail;
};

static uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static void
hash_init(struct content_hash *c)
{
	memset(c, 0, sizeof(*c));
	c->h[0] = 0x243f6a8885a308d3ULL;
	c->h[1] = 0x13198a2e03707344ULL;
}

static void
hash_word(struct content_hash *c, uint64_t w)
{
	c->h[0] = rotl64((c->h[0] ^ w) * 0x9e3779b97f4a7c15ULL, 29);
	c->h[1] = rotl64(c->h[1] + w, 31) * 0xc2b2ae3d27d4eb4fULL;
}

static void
hash_feed(struct content_hash *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	c->len += n;
	while (n > 0 && c->ntail > 0) {
		c->tail[c->ntail++] = *p++;
		n--;
		if (c->ntail == 8) {
			uint64_t w;
			memcpy(&w, c->tail, 8);
			hash_word(c, w);
			c->ntail = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		hash_word(c, w);
	}
	memcpy(c->tail, p, n);
	c->ntail = n;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void
hash_final(struct content_hash *c, uint64_t out[2])
{
	uint64_t w = 0;
	memcpy(&w, c->tail, c->ntail);
	hash_word(c, w ^ ((uint64_t)c->ntail << 56));
	hash_word(c, c->len);
	out[0] = mix64(c->h[0] ^ rotl64(c->h[1], 17));
	out[1] = mix64(c->h[1] + c->h[0]);
}

/* Hashes what fd holds from its start; 0, or -1 when it cannot be read. */
static int
hash_fd(int fd, uint64_t out[2])
{
	static char buf[1 << 16]; /* the loader thread's; one load at a time */
	struct content_hash c;
	hash_init(&c);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		hash_feed(&c, buf, (size_t)n);
	}
	hash_final(&c, out);
	return 0;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void
id_set_stat(struct file_id *id, const struct stat *st)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

static int
id_same_stat(const struct file_id *id, const struct stat *st)
{
	return id->dev == st->st_dev && id->ino == st->st_ino &&
	       id->size == st->st_size &&
	       id->mtime.tv_sec == st->st_mtim.tv_sec &&
	       id->mtime.tv_nsec == st->st_mtim.tv_nsec;
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

/* Copies src (from its start) into dst, hashing what it copies; returns 0
 * or -1 with errno, *rerr set when reading src failed (not the copy's
 * fault). */
static int
copy_fd(int src, int dst, int *rerr, struct content_hash *h)
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
		hash_feed(h, buf, (size_t)n);
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
	/* The file's identity before it is read and after: a file that
	 * changed meanwhile is never taken for unchanged later. */
	struct stat before = {0}, after;
	int64_t read_ns = realtime_ns();
	int stable = src >= 0 && fstat(src, &before) == 0;
	struct content_hash hash;
	hash_init(&hash);
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
		if (copy_fd(src, cp, &rerr, &hash) < 0 ||
		    lseek(cp, 0, SEEK_SET) < 0) {
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
	stable = stable && cp >= 0 && fstat(src, &after) == 0 &&
		 same_file(&before, &after);
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
		/* What the next load compares (reusable()). */
		lc->path = xstrdup(cc->path);
		lc->zone = xstrdup(cc->timezone);
		lc->id.valid = stable;
		id_set_stat(&lc->id, &before);
		lc->id.read_ns = read_ns;
		hash_final(&hash, lc->id.hash);
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
		lc_put(lc);
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
	long j = find_prev(prev, cc->name);
	struct loaded_calendar *old = j >= 0 ? prev->cals[j] : NULL;
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
		lc_put(lc);
		old->refs++;
		return old;
	}
	char nocopy[256];
	struct loaded_calendar *copy =
		load_copy(cfg, cc, nocopy, sizeof(nocopy), cancel);
	if (cancelled(cancel)) {
		if (copy)
			lc_put(copy);
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
		lc_put(lc);
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

/*
 * Whether calendar j of prev can serve as cc's version without reading the
 * file again: prev served it from its file, cc names the same path and
 * timezone, its last clean copy is still there, and the file is the one it
 * was read from: the same device, inode, size and mtime (unless the file
 * was modified too close to the read for its mtime to tell: then also the
 * same content), or the same size and content whatever its metadata (a
 * touch, a save of the same text).
 */
static int
reusable(const struct world *prev, long j, const struct sm_config *cfg,
	 const struct sm_calendar_conf *cc)
{
	if (j < 0 || prev->status[j].served != CAL_SERVED_FILE)
		return 0;
	struct loaded_calendar *lc = prev->cals[j];
	if (!lc->id.valid || !lc->path || strcmp(lc->path, cc->path) != 0 ||
	    strcmp(lc->zone, cc->timezone) != 0)
		return 0;
	char dir[4096], final[4200], tmp[4200];
	copy_paths(cfg, cc->name, dir, final, tmp, sizeof(dir));
	struct stat st;
	if (stat(final, &st) < 0 || stat(cc->path, &st) < 0 ||
	    st.st_size != lc->id.size)
		return 0;
	int64_t mtime =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (id_same_stat(&lc->id, &st) && mtime + RACY_NS <= lc->id.read_ns)
		return 1;
	/* Same size, other metadata (or too recent to tell): the content
	 * decides. */
	int fd = open(cc->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat fst;
	int64_t now = realtime_ns();
	uint64_t h[2];
	int same = fstat(fd, &fst) == 0 && fst.st_size == lc->id.size &&
		   hash_fd(fd, h) == 0 && h[0] == lc->id.hash[0] &&
		   h[1] == lc->id.hash[1];
	close(fd);
	if (same) {
		/* Only the loader thread reads these. */
		id_set_stat(&lc->id, &fst);
		lc->id.read_ns = now;
	}
	return same;
}

/* Do both configs have the same webhook and platform names (what
 * sm_post_check_names looks up)? */
static int
names_equal(const struct sm_config *a, const struct sm_config *b)
{
	if (a == b)
		return 1;
	if (a->nwebhooks != b->nwebhooks || a->nplatforms != b->nplatforms)
		return 0;
	for (size_t i = 0; i < a->nwebhooks; i++)
		if (strcmp(a->webhooks[i].name, b->webhooks[i].name) != 0)
			return 0;
	for (size_t i = 0; i < a->nplatforms; i++)
		if (strcmp(a->platforms[i].name, b->platforms[i].name) != 0)
			return 0;
	return 1;
}

/* Copies prev's status line of a calendar it shares. */
static void
status_copy(struct calendar_status *dst, const struct calendar_status *src)
{
	*dst = *src;
	for (size_t k = 0; k < src->nmessages; k++)
		dst->messages[k] = xstrdup(src->messages[k]);
}

/* Appends n series (copies sharing their arrays) to set. */
static void
set_append(struct sm_series_set *set, const struct sm_series *v, size_t n)
{
	if (set->n + n > set->cap) {
		size_t cap = set->cap ? set->cap : 64;
		while (cap < set->n + n)
			cap *= 2;
		void *p = realloc(set->series, cap * sizeof(*set->series));
		if (!p)
			abort();
		set->series = p;
		set->cap = cap;
	}
	memcpy(set->series + set->n, v, n * sizeof(*v));
	set->n += n;
}

static int
opts_equal(const struct sm_occur_opts *a, const struct sm_occur_opts *b)
{
	return a->zone == b->zone && a->allday_offset == b->allday_offset;
}

/* The options lc's posts are read under: the world's, with the zone of
 * its section's `timezone` for floating and all-day values. */
static struct sm_occur_opts
calendar_opts(const struct world *w, const struct loaded_calendar *lc)
{
	struct sm_occur_opts o = w->opts;
	for (size_t k = 0; k < w->cfg->ncalendars; k++) {
		const struct sm_calendar_conf *cc = &w->cfg->calendars[k];
		if (strcmp(cc->name, lc->cal.name) != 0)
			continue;
		const struct sm_tz *z = sm_calendar_system_zone(cc->timezone);
		if (z)
			o.zone = z;
		break;
	}
	return o;
}

/*
 * Gives w's calendar i its series: prev's copies when prev has an index
 * of that version under the same options, else indexed now.
 */
static void
index_calendar(struct world *w, size_t i, const struct world *prev)
{
	struct loaded_calendar *lc = w->cals[i];
	struct sm_occur_opts opts = calendar_opts(w, lc);
	w->first[i] = w->set.n;
	for (size_t j = 0; prev && prev->idx && j < prev->ncals; j++) {
		struct calendar_index *ix = prev->idx[j];
		if (!ix || ix->lc != lc || !opts_equal(&ix->opts, &opts))
			continue;
		ix->refs++;
		w->idx[i] = ix;
		set_append(&w->set, prev->set.series + prev->first[j], ix->n);
		return;
	}
	struct calendar_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		abort();
	ix->refs = 1;
	ix->lc = lc;
	lc->refs++;
	ix->opts = opts;
	struct sm_diag_list d = {0};
	sm_occur_index(&w->set, &lc->cal, &opts, &d);
	for (size_t k = 0; k < d.n; k++)
		log_debug("calendar %s: %s:%d: %s", lc->cal.name,
			  d.items[k].file, d.items[k].line, d.items[k].message);
	sm_diag_clear(&d);
	ix->n = w->set.n - w->first[i];
	w->idx[i] = ix;
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
	w->idx = calloc(cfg->ncalendars + 1, sizeof(*w->idx));
	w->first = calloc(cfg->ncalendars + 1, sizeof(*w->first));
	if (!w->cals || !w->status || !w->idx || !w->first)
		abort();
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		const struct sm_calendar_conf *cc = &cfg->calendars[i];
		struct calendar_status *st = &w->status[w->ncals];
		long j = find_prev(prev, cc->name);
		struct loaded_calendar *lc;
		int shared = 0;
		if (!cancelled(cancel) && reusable(prev, j, cfg, cc)) {
			/* Unchanged: the version in service stays, not read
			 * again (nor logged again). */
			lc = prev->cals[j];
			lc->refs++;
			status_copy(st, &prev->status[j]);
			log_debug("calendar %s: %s unchanged: not read again",
				  cc->name, cc->path);
			shared = 1;
		} else {
			lc = load_calendar(cfg, cc, prev, st, cancel);
			w->nread++;
		}
		/* Posts naming a webhook the config lacks: their events go
		 * to the log sink (route.c); said now, not only when they
		 * fire.  smcald --check fails on them.  An unchanged calendar
		 * under the same names was checked already (its status has
		 * the count): said once, and no pass over its posts. */
		if (shared && names_equal(cfg, prev->cfg)) {
			w->cals[w->ncals++] = lc;
			continue;
		}
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
		index_calendar(w, i, prev);
		w->nposts += w->cals[i]->cal.nposts;
	}
	/* The set's spare capacity would stay for the world's life. */
	if (w->set.cap > w->set.n && w->set.n > 0) {
		void *p = realloc(w->set.series,
				  w->set.n * sizeof(*w->set.series));
		if (p) {
			w->set.series = p;
			w->set.cap = w->set.n;
		}
	}
	w->handles = calloc(w->set.n + 1, sizeof(*w->handles));
	if (!w->handles)
		abort();
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
	for (size_t i = 0; i < w->ncals; i++) {
		struct calendar_index *ix = w->idx[i];
		if (ix && --ix->refs == 0) {
			/* The last world with these series: their arrays go
			 * (every holder's copies share them). */
			for (size_t k = 0; k < ix->n; k++)
				sm_occur_series_release(
					&w->set.series[w->first[i] + k]);
			lc_put(ix->lc);
			free(ix);
		}
		lc_put(w->cals[i]);
	}
	free(w->set.series);
	free(w->idx);
	free(w->first);
	free(w->handles);
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

/* ---------------------------------------------------------------------
 * Scheduling (on the loop).
 */

void
world_schedule(struct world *w, struct sm_sched *s, sm_time from)
{
	sm_sched_set_config(s, w->cfg);
	sm_sched_load(s, &w->set, &w->opts, from);
	for (size_t k = 0; k < w->set.n; k++)
		w->handles[k] = k;
}

/* prev's calendar sharing w's calendar i's series, or -1. */
static long
shared_index(const struct world *w, size_t i, const struct world *prev)
{
	for (size_t j = 0; j < prev->ncals; j++)
		if (w->idx[i] && prev->idx[j] == w->idx[i])
			return (long)j;
	return -1;
}

int
world_schedule_swap(struct world *w, const struct world *prev,
		    struct sm_sched *s, sm_time from)
{
	if (!sm_sched_config_equal(prev->cfg, w->cfg) ||
	    !opts_equal(&prev->opts, &w->opts)) {
		world_schedule(w, s, from);
		return 1;
	}
	/* prev's calendars that w does not share go first, so that the
	 * slots they free are taken by what w adds. */
	for (size_t j = 0; j < prev->ncals; j++) {
		int kept = 0;
		for (size_t i = 0; i < w->ncals && !kept; i++)
			kept = w->idx[i] && w->idx[i] == prev->idx[j];
		if (kept || !prev->idx[j])
			continue;
		for (size_t k = 0; k < prev->idx[j]->n; k++)
			sm_sched_remove(s, prev->handles[prev->first[j] + k]);
	}
	sm_sched_set_config(s, w->cfg);
	for (size_t i = 0; i < w->ncals; i++) {
		if (!w->idx[i])
			continue;
		long j = shared_index(w, i, prev);
		for (size_t k = 0; k < w->idx[i]->n; k++) {
			size_t at = w->first[i] + k;
			if (j >= 0) {
				size_t h = prev->handles[prev->first[j] + k];
				sm_sched_rebind(s, h, &w->set.series[at]);
				w->handles[at] = h;
			} else {
				w->handles[at] = sm_sched_add(
					s, &w->set.series[at], from);
			}
		}
	}
	return 0;
}
