/*
 * kpi: the names of what smcal measures (SPEC section 8), and nothing else.
 *
 * Recorded per published occurrence: impressions, reach, engagement (or its
 * parts likes, comments, shares and saves, summed when engagement is not
 * given), clicks, conversions.  Recorded per platform and day: followers.
 * Derived from sums: engagement_rate, ctr, conversion_rate.  Counted from the
 * calendar: posts (published ones).  Goals name any of them.
 *
 * This module is a leaf on purpose: lib/config validates a goal's metric
 * with it, while lib/metrics (which needs lib/cadence, which needs
 * lib/config) does the arithmetic; putting the names in lib/metrics would
 * make a circle.  Pure and thread-safe.
 */
#ifndef SM_KPI_H
#define SM_KPI_H

#include <stddef.h>

enum sm_kpi {
	/* Recorded per published occurrence (SM_KPI_NPOST of them). */
	SM_KPI_IMPRESSIONS,
	SM_KPI_REACH,
	SM_KPI_ENGAGEMENT,
	SM_KPI_LIKES,
	SM_KPI_COMMENTS,
	SM_KPI_SHARES,
	SM_KPI_SAVES,
	SM_KPI_CLICKS,
	SM_KPI_CONVERSIONS,
	/* Recorded per platform and day. */
	SM_KPI_FOLLOWERS,
	/* Derived: ratios of sums. */
	SM_KPI_ENGAGEMENT_RATE,
	SM_KPI_CTR,
	SM_KPI_CONVERSION_RATE,
	/* Published posts, counted from the calendar and the queue. */
	SM_KPI_POSTS,
	SM_KPI_COUNT
};

/* Metrics recorded per occurrence: SM_KPI_IMPRESSIONS .. _CONVERSIONS. */
#define SM_KPI_NPOST 9

/* How a goal's value builds up over its span. */
enum sm_kpi_kind {
	SM_KPI_KIND_COUNT, /* adds up: per-post metrics and posts */
	SM_KPI_KIND_LEVEL, /* the latest value: followers */
	SM_KPI_KIND_RATE,  /* a ratio of sums */
};

/* The name of a KPI as SPEC writes it ("engagement_rate"), or NULL. */
const char *sm_kpi_name(enum sm_kpi k);

/* The KPI of an exact name, ignoring ASCII case, or -1. */
int sm_kpi_parse(const char *name);

/* The kind of a KPI. */
enum sm_kpi_kind sm_kpi_kind(enum sm_kpi k);

/* Writes every name, "impressions, reach, ... or posts", into buf (len
 * bytes, 200 suffice); returns buf. */
char *sm_kpi_list(char *buf, size_t len);

#endif
