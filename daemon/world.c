/*
 * world: loading.  Runs on the loader thread: it uses libical (through
 * calendar.c) and nothing of the loop.
 */
#include "world.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"
#include "log.h"

static struct loaded_calendar *
find_prev(const struct world *prev, const char *name)
{
	for (size_t i = 0; prev && i < prev->ncals; i++)
		if (strcmp(prev->cals[i]->cal.name, name) == 0)
			return prev->cals[i];
	return NULL;
}

/* Logs a load's problems and counts them in st (the first errors kept);
 * returns 1 when the version must not serve. */
static int
report(const char *name, const char *path, struct sm_diag_list *d, int rc,
       struct cal_status *st)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct sm_diag *x = &d->items[i];
		log_msg(x->severity == SM_ERROR ? SM_LOG_ERROR : SM_LOG_DEBUG,
			"calendar %s: %s:%d: %s", name,
			x->file ? x->file : path, x->line, x->message);
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

/* Adds "path: what" to a calendar's errors. */
static void
status_note(struct cal_status *st, const char *path, const char *what)
{
	if (st->nmessages >= CAL_MAX_MESSAGES)
		return;
	char *m = NULL;
	if (asprintf(&m, "%s: %s", path, what) < 0)
		abort();
	st->messages[st->nmessages++] = m;
	st->errors++;
}

const char *
world_cal_state_name(enum cal_state state)
{
	switch (state) {
	case CAL_OK:
		return "ok";
	case CAL_ERRORS:
		return "errors";
	case CAL_PREVIOUS:
		return "previous";
	case CAL_UNREADABLE:
		return "unreadable";
	}
	return "?";
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

/* Reads a webhook's keys; secret files hold one secret per line. */
static void
load_keys(const struct sm_webhook *wh, struct webhook_keys *k)
{
	if (wh->secret)
		add_key(k, wh->name, wh->secret, "secret");
	if (!wh->secret_file)
		return;
	FILE *f = fopen(wh->secret_file, "r");
	if (!f) {
		log_error("webhook %s: cannot read secret_file %s: %s; its "
			  "deliveries wait until a reload can read it",
			  wh->name, wh->secret_file, strerror(errno));
		k->broken = 1;
		return;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)))
		log_warning("webhook %s: %s is readable by others (mode %03o): "
			    "chmod o-rwx it",
			    wh->name, wh->secret_file,
			    (unsigned)(st.st_mode & 0777));
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e = line + strlen(line);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p && *p != '#')
			add_key(k, wh->name, p, wh->secret_file);
	}
	fclose(f);
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

static struct world *
build(struct sm_config *cfg, int *cfg_refs, const struct world *prev)
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
		struct loaded_calendar *lc = calloc(1, sizeof(*lc));
		if (!lc)
			abort();
		lc->refs = 1;
		sm_calendar_init(&lc->cal, cc->name);
		struct sm_diag_list d = {0};
		int rc = sm_calendar_load_file(&lc->cal, cc->path, &d);
		struct cal_status *st = &w->status[w->ncals];
		int bad = report(cc->name, cc->path, &d, rc, st) ||
			  lc->cal.unterminated;
		sm_diag_clear(&d);
		if (lc->cal.unterminated)
			status_note(st, cc->path,
				    "the file ends inside a component (a save "
				    "in progress, or cut short)");
		if (rc < 0 && st->errors == 0)
			status_note(st, cc->path, "cannot be read");
		st->state = !bad     ? CAL_OK
			    : rc < 0 ? CAL_UNREADABLE
				     : CAL_ERRORS;
		struct loaded_calendar *old = find_prev(prev, cc->name);
		if (bad && old) {
			log_error("calendar %s: %s did not load cleanly (%s); "
				  "the previous version (%zu post%s) stays in "
				  "service",
				  cc->name, cc->path,
				  rc < 0		 ? "unreadable"
				  : lc->cal.unterminated ? "cut short"
							 : "errors above",
				  old->cal.nposts, PLURAL(old->cal.nposts));
			sm_calendar_fini(&lc->cal);
			free(lc);
			old->refs++;
			lc = old;
			st->state = CAL_PREVIOUS;
		} else if (bad) {
			log_error("calendar %s: %s did not load cleanly; "
				  "serving the %zu post%s that loaded",
				  cc->name, cc->path, lc->cal.nposts,
				  PLURAL(lc->cal.nposts));
		}
		w->cals[w->ncals++] = lc;
	}
	w->keys = calloc(cfg->nwebhooks + 1, sizeof(*w->keys));
	if (!w->keys)
		abort();
	for (size_t i = 0; i < cfg->nwebhooks; i++)
		load_keys(&cfg->webhooks[i], &w->keys[i]);
	check_locales(cfg);
	for (size_t i = 0; i < w->ncals; i++) {
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
world_build(struct sm_config *cfg, const struct world *prev)
{
	int *refs = calloc(1, sizeof(*refs));
	if (!refs)
		abort();
	struct world *w = build(cfg, refs, prev);
	if (!w) {
		sm_config_free(cfg);
		free(refs);
	}
	return w;
}

struct world *
world_rebuild(const struct world *prev)
{
	/* The loop thread does not touch the count while a reload runs: the
	 * previous world is freed only after this returns. */
	return build(prev->cfg, prev->cfg_refs, prev);
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
	for (size_t i = 0; i < w->ncals; i++)
		for (size_t k = 0; k < w->status[i].nmessages; k++)
			free(w->status[i].messages[k]);
	free(w->status);
	free(w->cals);
	free(w->keys);
	if (--*w->cfg_refs == 0) {
		sm_config_free(w->cfg);
		free(w->cfg_refs);
	}
	free(w);
}
