/*
 * post: what a post means under a config: its platforms, content type and
 * status name.  The calendar model (calendar.h) holds what the file says;
 * this module applies SPEC section 3's mapping rules on top of it.
 */
#ifndef SM_POST_H
#define SM_POST_H

#include "calendar.h"
#include "config.h"

/*
 * The platforms of a post: X-SMCAL-PLATFORM, else the configured platforms
 * whose categories include one of its CATEGORIES.  Fills names (borrowed
 * from the post or the config, at most max) and returns the count.
 */
int sm_post_platforms(const struct sm_config *cfg, const struct sm_post *p,
		      const char **names, int max);

/* The content type: X-SMCAL-TYPE, else the first configured type whose
 * categories include one of the post's CATEGORIES, else NULL. */
const char *sm_post_type(const struct sm_config *cfg, const struct sm_post *p);

/*
 * Checks the names a calendar's posts use against the config: an
 * X-SMCAL-WEBHOOK that is neither "none" nor a [webhook:NAME] section is an
 * error (its events would go to the log sink), an X-SMCAL-PLATFORM without
 * a [platform:NAME] section a warning.  Problems name the post's file and
 * line; config_path (may be NULL) names the config in messages.  Returns
 * the number of errors added.
 */
size_t sm_post_check_names(const struct sm_config *cfg,
			   const struct sm_calendar *cal,
			   const char *config_path, struct sm_diag_list *diags);

/* "scheduled", "draft" or "cancelled" (cancelled wins when set). */
const char *sm_post_status_name(const struct sm_post *p, int cancelled);

#endif
