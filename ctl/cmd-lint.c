/*
 * smctl lint FILE...: every problem of the calendar files, with file, line
 * and what to do; exit 1 when there is an error.
 */
#include <getopt.h>
#include <string.h>

#include "jsonw.h"
#include "offline.h"
#include "post.h"

static int
lint_exec(const struct ctl_env *env, int argc, char **argv)
{
	int json = 0;
	int c;
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return ctl_usage(&ctl_cmd_lint);
	}
	if (optind >= argc)
		return ctl_usage(&ctl_cmd_lint);
	struct offline off;
	int rc = offline_load(&off, env, NULL, argv + optind, argc - optind);
	if (rc != CTL_OK) {
		offline_fini(&off);
		return rc;
	}
	/* Posts naming a webhook or platform the config lacks. */
	if (env->config_path)
		sm_post_check_names(off.cfg, &off.cal, env->config_path,
				    &off.diags);
	if (off.cal.x_wr_timezone) {
		size_t floating = 0;
		for (size_t i = 0; i < off.cal.nposts; i++)
			floating +=
				off.cal.posts[i].start.kind == SM_DT_FLOATING ||
				off.cal.posts[i].start.kind == SM_DT_DATE;
		if (floating)
			sm_diag_add(&off.diags, SM_WARNING, NULL, 0,
				    "X-WR-TIMEZONE:%s is not RFC 5545 and is "
				    "not applied: %zu posts with floating or "
				    "all-day times are read in the configured "
				    "timezone (%s)",
				    off.cal.x_wr_timezone, floating,
				    off.cfg->timezone);
	}
	const struct sm_diag_list *d = &off.diags;
	if (json) {
		struct sm_jsonw w = {0};
		for (size_t i = 0; i < d->n; i++) {
			sm_jsonw_reset(&w);
			sm_jsonw_open(&w, '{');
			sm_jsonw_key(&w, "file");
			sm_jsonw_string(&w, d->items[i].file);
			sm_jsonw_key(&w, "line");
			char num[16];
			snprintf(num, sizeof(num), "%d", d->items[i].line);
			sm_jsonw_raw(&w, num, strlen(num));
			sm_jsonw_key(&w, "severity");
			sm_jsonw_string(&w, d->items[i].severity == SM_ERROR
						    ? "error"
						    : "warning");
			sm_jsonw_key(&w, "message");
			sm_jsonw_string(&w, d->items[i].message);
			sm_jsonw_close(&w, '}');
			puts(w.buf);
		}
		sm_jsonw_free(&w);
	} else {
		sm_diag_print(d, stdout);
		printf("%zu posts, %zu series: %zu error%s, %zu warning%s\n",
		       off.cal.nposts, off.set.n, d->nerrors,
		       d->nerrors == 1 ? "" : "s", d->nwarnings,
		       d->nwarnings == 1 ? "" : "s");
	}
	rc = d->nerrors ? CTL_FAILED : CTL_OK;
	offline_fini(&off);
	return rc;
}

const struct ctl_cmd ctl_cmd_lint = {
	.name = "lint",
	.usage = "[--json] FILE.ics...",
	.summary = "check calendar files; exit 1 on errors",
	.exec = lint_exec,
};
