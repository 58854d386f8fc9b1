/*
 * Unit tests for lib/kpi: the names of SPEC section 8's metrics, derived
 * rates and posts, their kinds, and the list used in messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "kpi.h"

static void
test_kpi_names(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(sm_kpi_parse("reach"), SM_KPI_REACH);
	assert_int_equal(sm_kpi_parse("Engagement_Rate"),
			 SM_KPI_ENGAGEMENT_RATE);
	assert_int_equal(sm_kpi_parse("posts"), SM_KPI_POSTS);
	assert_int_equal(sm_kpi_parse("reech"), -1);
	assert_string_equal(sm_kpi_name(SM_KPI_CTR), "ctr");
	assert_null(sm_kpi_name(SM_KPI_COUNT));
	assert_int_equal(sm_kpi_kind(SM_KPI_CLICKS), SM_KPI_KIND_COUNT);
	assert_int_equal(sm_kpi_kind(SM_KPI_POSTS), SM_KPI_KIND_COUNT);
	assert_int_equal(sm_kpi_kind(SM_KPI_FOLLOWERS), SM_KPI_KIND_LEVEL);
	assert_int_equal(sm_kpi_kind(SM_KPI_CONVERSION_RATE), SM_KPI_KIND_RATE);
	sm_kpi_list(buf, sizeof(buf));
	assert_non_null(strstr(buf, "impressions, reach, engagement, "));
	assert_non_null(strstr(buf, ", conversion_rate or posts"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kpi_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
