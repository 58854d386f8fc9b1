/*
 * kpi: one table of names, in the order of enum sm_kpi.
 */
#include "kpi.h"

#include <stdio.h>
#include <strings.h>

static const char *const names[SM_KPI_COUNT] = {
	"impressions",	   "reach",	"engagement",	   "likes",
	"comments",	   "shares",	"saves",	   "clicks",
	"conversions",	   "followers", "engagement_rate", "ctr",
	"conversion_rate", "posts",
};

const char *
sm_kpi_name(enum sm_kpi k)
{
	if ((unsigned)k >= SM_KPI_COUNT)
		return NULL;
	return names[k];
}

int
sm_kpi_parse(const char *name)
{
	for (int k = 0; k < SM_KPI_COUNT; k++)
		if (strcasecmp(name, names[k]) == 0)
			return k;
	return -1;
}

enum sm_kpi_kind
sm_kpi_kind(enum sm_kpi k)
{
	switch (k) {
	case SM_KPI_FOLLOWERS:
		return SM_KPI_KIND_LEVEL;
	case SM_KPI_ENGAGEMENT_RATE:
	case SM_KPI_CTR:
	case SM_KPI_CONVERSION_RATE:
		return SM_KPI_KIND_RATE;
	default:
		return SM_KPI_KIND_COUNT;
	}
}

char *
sm_kpi_list(char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < SM_KPI_COUNT && o < len; k++) {
		int w = snprintf(buf + o, len - o, "%s%s",
				 k == 0			 ? ""
				 : k == SM_KPI_COUNT - 1 ? " or "
							 : ", ",
				 names[k]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}
