/*
 * metrics: what each post achieved (SPEC section 8), pure.  The caller
 * passes the zone, the posts with their recorded values, the rows of an
 * import; nothing here reads a clock, the store, a file or a socket.
 *
 * Values.  Per published occurrence, the metrics of lib/kpi recorded for
 * it: each one present or missing (missing is not zero: a platform that
 * reports no reach leaves it missing).  An occurrence's engagement is the
 * recorded engagement, else the sum of its recorded parts (likes, comments,
 * shares, saves), else missing.
 *
 * Rates are ratios of sums, each over the posts that have both terms:
 * engagement rate = engagement / reach (impressions for a post without
 * reach), CTR = clicks / impressions (reach for a post without
 * impressions), conversion rate = conversions / clicks.  A sum of zero or
 * no post with both terms gives null, never a division.
 *
 * Report.  Posts are grouped by period (days, weeks or months of the
 * configured zone, from lib/cadence, or one period for the whole range)
 * and by platform, content type, persona or campaign (a post on two
 * platforms counts in both platform groups; a post without a type, persona
 * or campaign is in the null group).  Each row holds: posts published,
 * impressions, reach, engagement, engagement_rate, clicks, ctr,
 * conversions, and the best posts (highest engagement); a sum is null when
 * no post of the row has that metric.  JSON Lines and CSV use exactly those
 * names (posts_published, best_posts), after the group and the period.
 *
 * Import.  A platform's CSV export, as rows of strings (lib/csv reads the
 * file): columns recognised by name ignoring case, blanks, '_' and '-'
 * (id; url, post url, permalink, link; published_at, date, publish time;
 * the metric names and impressions, engagements, link clicks) or named by
 * `--map COLUMN=FIELD`; counts as exports write them ("1,234", "1 234");
 * each row matched to a post by id, else by the URL recorded with its done
 * mark, else by its publish time on the import's platform within 30
 * minutes; every unmatched, ambiguous, duplicate or malformed row reported
 * with its line.
 */
#ifndef SM_METRICS_H
#define SM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "cadence.h"
#include "civil.h"
#include "diag.h"
#include "jsonw.h"
#include "kpi.h"
#include "tz.h"

/* ------------------------------------------------------------------ */
/* Values, sums and rates                                              */
/* ------------------------------------------------------------------ */

/* The metrics recorded for one occurrence. */
struct sm_metric_values {
	int64_t v[SM_KPI_NPOST]; /* indexed by enum sm_kpi */
	unsigned have;		 /* bit k: v[k] is recorded */
};

/* Records value for metric k (one of the SM_KPI_NPOST) in m. */
void sm_metric_set(struct sm_metric_values *m, enum sm_kpi k, int64_t value);

/* 1 and *out when metric k is recorded in m (engagement: recorded, else the
 * sum of its recorded parts), else 0. */
int sm_metric_get(const struct sm_metric_values *m, enum sm_kpi k,
		  int64_t *out);

/* Sums over a set of posts. */
struct sm_metric_sums {
	int posts;		 /* posts added */
	int64_t v[SM_KPI_NPOST]; /* engagement: each post's as sm_metric_get */
	unsigned have;		 /* bit k: some post had metric k */
	int64_t num[3], den[3]; /* rates, in the order of SM_KPI_ENGAGEMENT_RATE
				    .. _CONVERSION_RATE */
};

/* Adds one post's values to the sums. */
void sm_metric_sums_add(struct sm_metric_sums *s,
			const struct sm_metric_values *m);

/* 1 and *out when the sum of metric k is known (some post had it), else 0. */
int sm_metric_sum(const struct sm_metric_sums *s, enum sm_kpi k, int64_t *out);

/* 1 and *out for a derived rate (SM_KPI_ENGAGEMENT_RATE, _CTR or
 * _CONVERSION_RATE) with a positive denominator, else 0 (null). */
int sm_metric_rate(const struct sm_metric_sums *s, enum sm_kpi rate,
		   double *out);

/* Writes v without the locale: an integer when it is one, else up to six
 * decimals without trailing zeros ("0.070833"); buf of 32 bytes; returns
 * buf. */
char *sm_metric_format(double v, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Posts and the report                                                */
/* ------------------------------------------------------------------ */

/* One published occurrence with what it achieved.  Strings are borrowed. */
struct sm_metrics_post {
	const char *id;		   /* the id smctl prints: queue id or UID */
	const char *recurrence_id; /* NULL for a single occurrence */
	const char *title;	   /* may be NULL */
	sm_time at;		   /* publish instant */
	const char *const *platforms;
	size_t nplatforms;
	const char *type, *persona, *campaign; /* NULL: none */
	struct sm_metric_values values;
};

/* A followers count of one platform, as recorded for a day. */
struct sm_metrics_followers {
	const char *platform; /* borrowed */
	sm_time at;	      /* the instant it stands for (the day's start,
				 or when it was recorded) */
	int64_t value;
};

enum sm_metrics_by {
	SM_METRICS_BY_NONE, /* one group */
	SM_METRICS_BY_PLATFORM,
	SM_METRICS_BY_TYPE,
	SM_METRICS_BY_PERSONA,
	SM_METRICS_BY_CAMPAIGN,
};

/* "platform", "type", "persona", "campaign" (NULL for BY_NONE). */
const char *sm_metrics_by_name(enum sm_metrics_by by);

/* The grouping of a name as smctl report --by takes it, or -1. */
int sm_metrics_by_parse(const char *name);

/* Most best posts a row keeps. */
#define SM_METRICS_BEST_MAX 5

struct sm_metrics_opts {
	const struct sm_tz *zone;  /* periods (NULL: UTC) */
	int week_start;		   /* 0 = Monday .. 6 = Sunday */
	enum sm_cadence_unit unit; /* _DAY, _WEEK or _MONTH; _NONE: one period,
				      [from, to) itself, labelled "all" */
	enum sm_metrics_by by;
	sm_time from, to; /* publish instants counted: [from, to) */
	/* Groups shown first and always, in this order (the configured
	 * platforms); other groups follow by name, the null group last. */
	const char *const *order;
	size_t norder;
	int nbest; /* best posts per row, 0 .. SM_METRICS_BEST_MAX */
};

/* One group in one period. */
struct sm_metrics_row {
	const char *group; /* borrowed; NULL: the null group or BY_NONE */
	struct sm_period period;
	struct sm_metric_sums sums;
	const struct sm_metrics_post *best[SM_METRICS_BEST_MAX];
	int nbest;
};

/* Rows per group (opts' order, then by name, null last) then period (oldest
 * first): every group that has a post in range or is in opts' order, in
 * every period, zeros included, so a row's neighbours make a trend. */
struct sm_metrics_report {
	struct sm_metrics_opts opts;
	struct sm_metrics_row *rows;
	size_t nrows, ngroups, nperiods;
};

/* Most rows a report holds (groups x periods): a year of days for 500
 * campaigns; a request for more is refused rather than filling memory. */
#define SM_METRICS_MAX_ROWS 200000

/*
 * Builds the report of posts (borrowed, as are opts' strings: the report
 * must not outlive them).  Returns 0, or -1 when from >= to or the report
 * would hold more than SM_METRICS_MAX_ROWS rows.
 */
int sm_metrics_report_build(struct sm_metrics_report *r,
			    const struct sm_metrics_opts *opts,
			    const struct sm_metrics_post *posts, size_t n);

/* Frees a report's arrays; a zeroed report is a no-op. */
void sm_metrics_report_free(struct sm_metrics_report *r);

/*
 * Writes a row as one JSON object into w (appended, no newline): the group
 * under the --by name (none for BY_NONE), period, start, end,
 * posts_published, impressions, reach, engagement, engagement_rate,
 * clicks, ctr, conversions, best_posts (id, recurrence_id when set, title,
 * engagement, engagement_rate).
 */
void sm_metrics_row_json(struct sm_jsonw *w, const struct sm_metrics_report *r,
			 const struct sm_metrics_row *row);

/* Appends the CSV header line (CRLF-terminated) of the report's rows to
 * w's buffer: the same names as the JSON, in the same order. */
void sm_metrics_csv_header(struct sm_jsonw *w,
			   const struct sm_metrics_report *r);

/* Appends a row as one CSV line (CRLF-terminated, RFC 4180 quoting; null
 * is an empty field, best_posts the ids separated by spaces). */
void sm_metrics_row_csv(struct sm_jsonw *w, const struct sm_metrics_report *r,
			const struct sm_metrics_row *row);

/* ------------------------------------------------------------------ */
/* Import: cells, columns, rows                                        */
/* ------------------------------------------------------------------ */

/* What a column holds. */
enum sm_metrics_field {
	SM_FIELD_NONE,	       /* not recognised: ignored, with a warning */
	SM_FIELD_ID,	       /* the post's id */
	SM_FIELD_URL,	       /* the URL it was published at */
	SM_FIELD_PUBLISHED_AT, /* its publish time (or the day, for followers) */
	SM_FIELD_METRIC,       /* a recorded metric (kpi below) */
	SM_FIELD_IGNORE,       /* --map COLUMN=ignore */
};

struct sm_metrics_column {
	enum sm_metrics_field field;
	enum sm_kpi kpi; /* SM_FIELD_METRIC: one of SM_KPI_NPOST or
			    SM_KPI_FOLLOWERS */
};

/* Recognises a column or field name (the names and synonyms above, and
 * "ignore"); returns 0 with *out, or -1. */
int sm_metrics_field_parse(const char *name, struct sm_metrics_column *out);

/* Columns named with --map. */
struct sm_metrics_map {
	struct sm_metrics_map_entry {
		char *column; /* as written, trimmed */
		struct sm_metrics_column to;
	} * v;
	size_t n;
};

/*
 * Appends "COLUMN=FIELD,..." (one --map value; the last '=' of an item
 * splits it, so a column name may hold '=') to map.  Returns 0, or -1 with
 * a message in err naming the item and the fields expected (map is then
 * unchanged).
 */
int sm_metrics_map_parse(const char *spec, struct sm_metrics_map *map,
			 char *err, size_t errlen);

/* Frees a map's entries and empties it. */
void sm_metrics_map_free(struct sm_metrics_map *map);

/* Which column holds what, from the header row and the map. */
struct sm_metrics_header {
	struct sm_metrics_column *cols; /* one per column */
	char **names;			/* the header's names, copied */
	size_t ncols;
	int id, url, published_at;    /* column index, or -1 */
	int metric[SM_KPI_NPOST + 1]; /* per recorded metric (followers last),
					 column index or -1 */
	int nmetrics;		      /* metric columns */
};

/*
 * Reads a header row (names of n columns, on line `line` of file) under
 * map.  A --map entry wins over recognition; two columns for one field are
 * an error unless the map settles it.  Returns 0, or -1 when the header
 * cannot be used (a --map column missing, a field twice, no metric column,
 * metrics per post without an id, url or published_at column, followers
 * without a published_at column), every problem added to diags with file
 * and line.  Unrecognised columns are a warning that names them.
 */
int sm_metrics_header_read(struct sm_metrics_header *h,
			   const char *const *names, size_t n, int line,
			   const struct sm_metrics_map *map, const char *file,
			   struct sm_diag_list *diags);

/* Frees a header's arrays. */
void sm_metrics_header_free(struct sm_metrics_header *h);

/*
 * Parses a publish time as exports write it: RFC 3339 with Z or an offset;
 * "YYYY-MM-DD[ HH:MM[:SS]]" or with T, in zone (NULL: UTC); or Meta's
 * "MM/DD/YYYY[ HH:MM[:SS]]" (month first, unless the first number is over
 * 12, then day first).  Returns 0 with *at and *date_only (1 for a date:
 * *at is that local day's start), or -1.
 */
int sm_metrics_parse_when(const char *s, const struct sm_tz *zone, sm_time *at,
			  int *date_only);

/* One data row as lib/csv gives it: fields borrowed, n of them. */
struct sm_metrics_cells {
	const char *const *fields;
	size_t n;
	int line; /* the line the row starts on */
};

/* ------------------------------------------------------------------ */
/* Import: matching rows to posts                                      */
/* ------------------------------------------------------------------ */

/* A post a row may be about.  Strings are borrowed. */
struct sm_metrics_candidate {
	const char *id;	 /* queue id or UID (a series' occurrences share
			    it) */
	const char *url; /* from its done mark (smctl done --url); may be
			    NULL */
	sm_time at;	 /* publish instant */
	const char *const *platforms;
	size_t nplatforms;
};

/* The window of the time rule, either side. */
#define SM_METRICS_MATCH_WINDOW (30 * 60)

enum sm_metrics_how {
	SM_MATCH_NONE,	    /* no post */
	SM_MATCH_ID,	    /* by id */
	SM_MATCH_URL,	    /* by URL */
	SM_MATCH_TIME,	    /* by publish time on the platform */
	SM_MATCH_AMBIGUOUS, /* several posts, nothing told them apart */
};

/* "none", "id", "url", "time" or "ambiguous". */
const char *sm_metrics_how_name(enum sm_metrics_how how);

struct sm_metrics_match {
	enum sm_metrics_how how;
	size_t post;	      /* candidate index when matched */
	size_t nfound;	      /* ambiguous: candidates left */
	size_t first, second; /* ambiguous: two of them */
};

/* Candidates indexed by id, URL and time; opaque. */
struct sm_metrics_matcher;

/*
 * Indexes n candidates (borrowed: they must outlive the matcher) for
 * imports on platform (compared ignoring case).  Aborts when out of
 * memory.
 */
struct sm_metrics_matcher *
sm_metrics_matcher_new(const struct sm_metrics_candidate *c, size_t n,
		       const char *platform);

/* Frees a matcher; NULL is a no-op. */
void sm_metrics_matcher_free(struct sm_metrics_matcher *m);

/*
 * Matches a row by its id, else its URL (compared without scheme, "www.",
 * fragment and trailing '/', host ignoring case), else its publish time:
 * candidates on the platform within SM_METRICS_MATCH_WINDOW of at, or
 * published on that local day when date_only (then day_end is the day's
 * end).  Several posts with the row's id or URL are told apart by the time
 * rule when the row has a time.  id, url may be NULL; has_time 0 when the
 * row has no publish time.
 */
void sm_metrics_match(const struct sm_metrics_matcher *m, const char *id,
		      const char *url, int has_time, sm_time at, int date_only,
		      sm_time day_end, struct sm_metrics_match *out);

/* ------------------------------------------------------------------ */
/* Import: a whole file                                                */
/* ------------------------------------------------------------------ */

/* One data row read and matched. */
struct sm_metrics_result {
	int line;
	int ok;				/* 1: nothing wrong with this row */
	enum sm_metrics_how how;	/* post rows: how it matched */
	size_t post;			/* candidate index when matched */
	struct sm_metric_values values; /* per-post metrics (have 0: none) */
	int has_followers;
	int64_t followers;
	sm_time day_start; /* followers: the start of the row's local day */
};

/* An import in progress: feed it the header, then each row. */
struct sm_metrics_import {
	const char *file;     /* borrowed, for messages */
	const char *platform; /* borrowed */
	const struct sm_tz *zone;
	const struct sm_metrics_matcher *matcher;
	struct sm_metrics_header header;
	struct sm_metrics_result *rows;
	size_t nrows, cap;
	size_t nok, nbad; /* rows fine / with a problem */
	int *claimed;	  /* per candidate: line of the row that matched it */
	size_t nclaimed;
	struct sm_metrics_dayline {
		sm_time day;
		int line; /* 0: a free slot */
	} * days;	  /* followers: a hash of the days seen */
	size_t ndays, dcap;
	struct sm_diag_list diags; /* every problem, file and line */
};

/*
 * Starts an import of file (for messages) for platform, matching rows with
 * matcher in zone (all borrowed for the import's life), by reading the
 * header row.  Returns 0, or -1 when the header cannot be used (see
 * sm_metrics_header_read; the problems are in im->diags).
 */
int sm_metrics_import_begin(struct sm_metrics_import *im, const char *file,
			    const char *platform, const struct sm_tz *zone,
			    const struct sm_metrics_matcher *matcher,
			    const char *const *names, size_t n, int line,
			    const struct sm_metrics_map *map);

/*
 * Reads and matches one data row (nothing of it is kept but numbers):
 * every malformed cell, a row longer or shorter than the header, a bad
 * publish time, an unmatched or ambiguous row, a second row for a post or
 * for a day's followers is a problem in im->diags with the row's line.
 * A row without any value is skipped with a warning.  Returns 1 when the
 * row is fine, 0 when skipped, -1 when it has a problem.
 */
int sm_metrics_import_row(struct sm_metrics_import *im,
			  const struct sm_metrics_cells *row);

/* Frees an import's arrays and problems. */
void sm_metrics_import_free(struct sm_metrics_import *im);

#endif
