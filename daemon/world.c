/*
 * world: loading.  Runs on the loader thread: it uses libical (through
 * calendar.c) and nothing of the loop.
 */
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static struct loaded_calendar *
find_prev(const struct world *prev, const char *name)
{
	for (size_t i = 0; prev && i < prev->ncals; i++)
		if (strcmp(prev->cals[i]->cal.name, name) == 0)
			return prev->cals[i];
	return NULL;
}

/* Logs a load's problems; returns 1 when the version must not serve. */
static int
report(const char *name, const char *path, struct sm_diag_list *d, int rc)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct sm_diag *x = &d->items[i];
		log_msg(x->severity == SM_ERROR ? SM_LOG_ERROR : SM_LOG_DEBUG,
			"calendar %s: %s:%d: %s", name,
			x->file ? x->file : path, x->line, x->message);
	}
	return rc < 0 || d->nerrors > 0;
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

static int
cancelled(const atomic_int *cancel)
{
	return cancel && atomic_load(cancel);
}

static struct world *
build(struct sm_config *cfg, int *cfg_refs, const struct world *prev,
      const atomic_int *cancel)
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
	if (!w->cals)
		abort();
	for (size_t i = 0; i < cfg->ncalendars; i++) {
		const struct sm_calendar_conf *cc = &cfg->calendars[i];
		struct loaded_calendar *lc = calloc(1, sizeof(*lc));
		if (!lc)
			abort();
		lc->refs = 1;
		sm_calendar_init(&lc->cal, cc->name);
		struct sm_diag_list d = {0};
		if (cancelled(cancel)) {
			/* Stopping: an empty stand-in, never served. */
			w->cals[w->ncals++] = lc;
			continue;
		}
		lc->cal.cancel = cancel;
		int rc = sm_calendar_load_file(&lc->cal, cc->path, &d);
		int bad = report(cc->name, cc->path, &d, rc) ||
			  lc->cal.unterminated;
		sm_diag_clear(&d);
		struct loaded_calendar *old = find_prev(prev, cc->name);
		if (bad && old) {
			log_error("calendar %s: %s did not load cleanly (%s); "
				  "the previous version (%zu posts) stays in "
				  "service",
				  cc->name, cc->path,
				  rc < 0		 ? "unreadable"
				  : lc->cal.unterminated ? "cut short"
							 : "errors above",
				  old->cal.nposts);
			sm_calendar_fini(&lc->cal);
			free(lc);
			old->refs++;
			lc = old;
		} else if (bad) {
			log_error("calendar %s: %s did not load cleanly; "
				  "serving the %zu posts that loaded",
				  cc->name, cc->path, lc->cal.nposts);
		}
		w->cals[w->ncals++] = lc;
	}
	w->keys = calloc(cfg->nwebhooks + 1, sizeof(*w->keys));
	if (!w->keys)
		abort();
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
	struct world *w = build(cfg, refs, prev, cancel);
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
	return build(prev->cfg, prev->cfg_refs, prev, cancel);
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
	free(w->keys);
	if (--*w->cfg_refs == 0) {
		sm_config_free(w->cfg);
		free(w->cfg_refs);
	}
	free(w);
}
