/*
 * test_post: a post's platforms, content type and status under a config
 * (SPEC section 3: X-SMCAL-* first, else CATEGORIES naming configured ones).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "post.h"

static const char conf_text[] = "[daemon]\n"
				"webhook = none\n"
				"[platform:instagram]\n"
				"categories = Instagram, IG\n"
				"[platform:linkedin]\n"
				"[type:offer]\n"
				"categories = Promo, Deal\n"
				"[mix]\n"
				"offer = 100\n";

static const char cal_text[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n"
	"BEGIN:VEVENT\r\nUID:explicit\r\nDTSTART:20261201T090000Z\r\n"
	"X-SMCAL-PLATFORM:tiktok,x\r\nX-SMCAL-TYPE:inspiring\r\n"
	"CATEGORIES:IG,Promo\r\nEND:VEVENT\r\n"
	"BEGIN:VEVENT\r\nUID:categories\r\nDTSTART:20261201T090000Z\r\n"
	"CATEGORIES:Cooking,ig,LinkedIn,Instagram,deal\r\n"
	"STATUS:TENTATIVE\r\nEND:VEVENT\r\n"
	"BEGIN:VEVENT\r\nUID:none\r\nDTSTART:20261201T090000Z\r\n"
	"CATEGORIES:Cooking\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
	"END:VCALENDAR\r\n";

struct fx {
	struct sm_config *cfg;
	struct sm_calendar cal;
};

static int
setup(void **state)
{
	static struct fx f;
	f.cfg = config_text(conf_text);
	struct sm_diag_list d = {0};
	sm_calendar_init(&f.cal, "main");
	assert_int_equal(sm_calendar_load_buffer(&f.cal, cal_text,
						 sizeof(cal_text) - 1, "t.ics",
						 &d),
			 0);
	assert_int_equal(d.nerrors, 0);
	sm_diag_clear(&d);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	sm_calendar_fini(&f->cal);
	sm_config_free(f->cfg);
	sm_calendar_zones_cleanup();
	return 0;
}

static const struct sm_post *
post(struct fx *f, const char *uid)
{
	for (size_t i = 0; i < f->cal.nposts; i++)
		if (strcmp(f->cal.posts[i].uid, uid) == 0)
			return &f->cal.posts[i];
	fail_msg("no post %s", uid);
	return NULL;
}

static void
test_explicit_wins(void **state)
{
	struct fx *f = *state;
	const char *names[8];
	const struct sm_post *p = post(f, "explicit");
	assert_int_equal(sm_post_platforms(f->cfg, p, names, 8), 2);
	assert_string_equal(names[0], "tiktok");
	assert_string_equal(names[1], "x");
	assert_string_equal(sm_post_type(f->cfg, p), "inspiring");
	assert_string_equal(sm_post_status_name(p, 0), "scheduled");
	assert_string_equal(sm_post_status_name(p, 1), "cancelled");
}

static void
test_categories_map(void **state)
{
	struct fx *f = *state;
	const char *names[8];
	const struct sm_post *p = post(f, "categories");
	/* "ig" and "Instagram" name one platform: listed once, in order. */
	assert_int_equal(sm_post_platforms(f->cfg, p, names, 8), 2);
	assert_string_equal(names[0], "instagram");
	assert_string_equal(names[1], "linkedin");
	assert_string_equal(sm_post_type(f->cfg, p), "offer");
	assert_string_equal(sm_post_status_name(p, 0), "draft");
	/* At most max names. */
	assert_int_equal(sm_post_platforms(f->cfg, p, names, 1), 1);
}

static void
test_nothing_matches(void **state)
{
	struct fx *f = *state;
	const char *names[8];
	const struct sm_post *p = post(f, "none");
	assert_int_equal(sm_post_platforms(f->cfg, p, names, 8), 0);
	assert_null(sm_post_type(f->cfg, p));
	assert_string_equal(sm_post_status_name(p, 0), "cancelled");
	/* Without a config only X-SMCAL-* count. */
	assert_int_equal(
		sm_post_platforms(NULL, post(f, "categories"), names, 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explicit_wins),
		cmocka_unit_test(test_categories_map),
		cmocka_unit_test(test_nothing_matches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
