/*
 * post: config-dependent views of a post.
 */
#include "post.h"

#include <strings.h>

int
sm_post_platforms(const struct sm_config *cfg, const struct sm_post *p,
		  const char **names, int max)
{
	int n = 0;
	for (int i = 0; i < p->nplatforms && n < max; i++)
		names[n++] = p->platforms[i];
	if (n > 0 || !cfg)
		return n;
	for (int i = 0; i < p->ncategories && n < max; i++) {
		const struct sm_platform *pl =
			sm_config_platform_by_category(cfg, p->categories[i]);
		int dup = 0;
		for (int k = 0; pl && k < n; k++)
			dup |= names[k] == pl->name;
		if (pl && !dup)
			names[n++] = pl->name;
	}
	return n;
}

const char *
sm_post_type(const struct sm_config *cfg, const struct sm_post *p)
{
	if (p->type || !cfg)
		return p->type;
	for (int i = 0; i < p->ncategories; i++) {
		const struct sm_content_type *t =
			sm_config_type_by_category(cfg, p->categories[i]);
		if (t)
			return t->name;
	}
	return NULL;
}

const char *
sm_post_status_name(const struct sm_post *p, int cancelled)
{
	if (cancelled || p->status == SM_POST_CANCELLED)
		return "cancelled";
	return p->status == SM_POST_DRAFT ? "draft" : "scheduled";
}

size_t
sm_post_check_names(const struct sm_config *cfg, const struct sm_calendar *cal,
		    const char *config_path, struct sm_diag_list *diags)
{
	size_t errors = 0;
	const char *conf = config_path ? config_path : "the configuration";
	for (size_t i = 0; i < cal->nposts; i++) {
		const struct sm_post *p = &cal->posts[i];
		if (p->webhook &&
		    strcasecmp(p->webhook, SM_CONFIG_WEBHOOK_NONE) != 0 &&
		    !sm_config_webhook(cfg, p->webhook)) {
			sm_diag_add(diags, SM_ERROR, p->file, p->line,
				    "X-SMCAL-WEBHOOK %s is not a [webhook:%s] "
				    "section of %s",
				    p->webhook, p->webhook, conf);
			errors++;
		}
		for (int k = 0; k < p->nplatforms; k++)
			if (!sm_config_platform(cfg, p->platforms[k]))
				sm_diag_add(diags, SM_WARNING, p->file, p->line,
					    "platform %s has no [platform:%s] "
					    "section: its defaults apply",
					    p->platforms[k], p->platforms[k]);
	}
	return errors;
}
