/*
 * post: config-dependent views of a post.
 */
#include "post.h"

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
