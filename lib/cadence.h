/*
 * cadence: the posting plan against the calendar (SPEC section 7).  Pure:
 * the caller passes the time, the zone, the posts and the stored alert
 * states in; nothing here reads a clock, the store or a socket.
 *
 * Periods.  A day, a week or a month is a run of local days in the
 * configured zone; it starts at the instant of its first local midnight and
 * ends at the instant of the midnight after its last day (sm_tz_resolve, so
 * a 23-hour and a 25-hour day are one day each, and consecutive periods tile
 * the time line).  Weeks start on `week_start`.  Labels: "2026-12-03" for a
 * day, "2026-12" for a month, and for a week the ISO 8601 week of its fourth
 * day, "2026-W49": with Monday weeks that is exactly ISO 8601 (week-year
 * included: 2027-01-01 is in "2026-W53"), and any other week_start gets the
 * label of the ISO week that shares four or more days with it (a Sunday
 * week from 2026-12-06 to 12-12 is "2026-W50"), so labels stay unique and
 * consecutive.
 *
 * Plan.  A platform's `cadence = N/unit` gives, for a period of any unit, an
 * exact target of N / (days in the plan unit containing that day) per local
 * day, summed over the period's days, then rounded half up to a whole post:
 * 3/week over a 31-day month is 13.29, so 13; 4/month over a week from
 * 2026-11-30 to 12-06 is 4/30 + 6 x 4/31 = 0.91, so 1.  The sum is computed
 * exactly, in units of 1/SM_CADENCE_PARTS post.
 *
 * Counts.  `scheduled`: non-cancelled occurrences whose publish instant is
 * in [start, end), drafts included, from every calendar and the queue; a
 * post on two platforms counts for each.  `published`: those of them marked
 * done.  `gap`: target - scheduled, at least 0.  Status: in the current
 * period `behind` when published < floor(target x elapsed / length) (the
 * pro-rata target by now, by elapsed time), else `short` when scheduled <
 * target, else `ok`; in other periods `short` or `ok`.  Behind wins in the
 * current period because it is the more urgent news: its gap still shows.
 *
 * Mix.  The posts (non-cancelled, each occurrence once whatever its
 * platforms) of the current week and of `mix_window` before it (whole local
 * days, rounded up) per content type, against `[mix]`; types outside [mix]
 * and posts without a type ("untyped") have a target of 0 when [mix] names
 * any type, none when it is empty.
 *
 * Guardrails.  Per platform: each post closer than `min_spacing` to the one
 * before it, and each local day with more than `daily_cap` posts.
 *
 * Alerts.  `cadence.gap`: an upcoming period (one of the next `lookahead`
 * in the platform's own unit) that is short, from `gap_notice` before its
 * start; once per platform and period, and again only after it was seen
 * not short (recovered) and then short again.  `cadence.behind`: the
 * current period behind, once per platform and period.  The state of each
 * (platform, period, type) is two numbers the daemon stores under a key; the
 * decision, the event's stable id and the next instant at which the answer
 * can change (the daemon's timer) are computed here.
 */
#ifndef SM_CADENCE_H
#define SM_CADENCE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "jsonw.h"
#include "occur.h"
#include "slots.h" /* enum sm_guard_kind */
#include "tz.h"

/* A day, a week or a month of local days. */
struct sm_period {
	enum sm_cadence_unit unit; /* SM_CADENCE_DAY, _WEEK or _MONTH */
	int64_t first_day;	   /* local day number (sm_civil_days) */
	int ndays;		   /* 1, 7 or 28 .. 31 */
	sm_time start, end;	   /* instants: [start, end) */
	char label[40];		   /* "2026-12-03", "2026-W49", "2026-12" */
};

/* The period of that unit containing local day `day` (week_start: 0 =
 * Monday .. 6 = Sunday; unit SM_CADENCE_NONE means a week). */
void sm_cadence_period_of_day(const struct sm_tz *zone, int week_start,
			      enum sm_cadence_unit unit, int64_t day,
			      struct sm_period *out);

/* The period of that unit containing instant t (start <= t < end). */
void sm_cadence_period_at(const struct sm_tz *zone, int week_start,
			  enum sm_cadence_unit unit, sm_time t,
			  struct sm_period *out);

/* The period n periods after p (before it when n < 0). */
void sm_cadence_period_step(const struct sm_tz *zone, int week_start,
			    const struct sm_period *p, int n,
			    struct sm_period *out);

/* One post in these units is SM_CADENCE_PARTS: a multiple of 7 and of every
 * month length, so pro-rated targets are exact. */
#define SM_CADENCE_PARTS 377580

/* The exact target of a plan over a period, in 1/SM_CADENCE_PARTS posts
 * (0 for a plan of unit SM_CADENCE_NONE). */
int64_t sm_cadence_target_parts(const struct sm_cadence *plan,
				const struct sm_period *p);

/* The target of a plan over a period, rounded half up to whole posts. */
int sm_cadence_target(const struct sm_cadence *plan, const struct sm_period *p);

/* Posts due published by now in a period: floor(target x elapsed / length),
 * 0 before the start, target at or after the end. */
int sm_cadence_expected(int target, const struct sm_period *p, sm_time now);

/* The first instant at which sm_cadence_expected exceeds published, or
 * SM_TIME_MAX when it never does within the period. */
sm_time sm_cadence_behind_at(int target, const struct sm_period *p,
			     int published);

/* Flags of a post occurrence. */
#define SM_CADENCE_DRAFT 1u
#define SM_CADENCE_CANCELLED 2u
#define SM_CADENCE_DONE 4u

/* One post occurrence: what the report needs of it. */
struct sm_cadence_post {
	sm_time at;	  /* publish instant */
	const char *type; /* borrowed; NULL: untyped */
	uint32_t plat;	  /* its first entry in the list's plats */
	uint16_t nplat;	  /* its configured platforms */
	uint16_t flags;	  /* SM_CADENCE_* */
};

/*
 * A flat list of post occurrences in no particular order.  Strings are
 * borrowed from the config and the calendars, which must outlive the list.
 */
struct sm_cadence_posts {
	struct sm_cadence_post *v;
	size_t n, cap;
	int *plats; /* indices into cfg->platforms */
	size_t nplats, plats_cap;
};

/*
 * Appends one occurrence: platform names are matched to cfg's platforms
 * without regard to case (unknown names and repeats are dropped), a type
 * that names a configured type is replaced by the config's spelling.
 */
void sm_cadence_posts_add(struct sm_cadence_posts *l,
			  const struct sm_config *cfg, sm_time at,
			  const char *const *platforms, int nplatforms,
			  const char *type, unsigned flags);

/* Frees a list's arrays and empties it. */
void sm_cadence_posts_free(struct sm_cadence_posts *l);

/* Whether an occurrence (calendar, UID, identity as sm_occur_format_rid
 * writes it) is marked done: 1 when it is, else 0. */
typedef int (*sm_cadence_done_fn)(void *ctx, const char *calendar,
				  const char *uid, const char *recurrence_id);

/*
 * Appends every occurrence of set's series whose publish instant is in
 * [from, to), cancelled ones included (flagged), with platforms and type
 * under cfg, drafts flagged, and done marks asked of done (may be NULL) for
 * the non-cancelled ones.  Call it once per series set (calendars, queue).
 * done is asked about an occurrence just before it is appended, so l->n
 * is then its index: a caller may answer 0 and flag it later (the daemon
 * reads the span's done marks in one query after gathering).
 */
void sm_cadence_gather(struct sm_cadence_posts *l, const struct sm_config *cfg,
		       const struct sm_series_set *set,
		       const struct sm_occur_opts *opts, sm_time from,
		       sm_time to, sm_cadence_done_fn done, void *ctx);

/* sm_cadence_gather for one series (a queued post's, which belongs to no
 * set). */
void sm_cadence_gather_series(struct sm_cadence_posts *l,
			      const struct sm_config *cfg,
			      const struct sm_series *series,
			      const struct sm_occur_opts *opts, sm_time from,
			      sm_time to, sm_cadence_done_fn done, void *ctx);

enum sm_cadence_status {
	SM_CADENCE_OK,
	SM_CADENCE_SHORT,
	SM_CADENCE_BEHIND,
};

/* "ok", "short" or "behind". */
const char *sm_cadence_status_name(enum sm_cadence_status status);

/* One platform in one period. */
struct sm_cadence_row {
	const struct sm_platform *platform; /* borrowed from the config */
	struct sm_period period;
	int offset; /* 0: the current period, < 0: past, > 0: upcoming */
	int target, scheduled, published, gap;
	int expected; /* current period: due published by now; else 0 */
	enum sm_cadence_status status;
};

/* One content type in the mix. */
struct sm_cadence_mix {
	const char *type; /* borrowed; "untyped" for posts without one */
	int posts;
	int target;   /* percent; -1 when [mix] is empty */
	double share; /* percent of the window's posts (0 when none) */
	double drift; /* share - target, in points (0 without a target) */
};

/* A guardrail crossed, by indices into the instants checked. */
struct sm_cadence_guard {
	enum sm_guard_kind kind;
	size_t first, second; /* spacing: the two posts; cap: the day's first
				 and last posts */
	int64_t day;	      /* local day (of the second post for spacing) */
	int count;	      /* cap: posts that day; spacing: 2 */
};

/* Called for each guardrail crossed, in order of time. */
typedef void (*sm_cadence_guard_fn)(void *ctx,
				    const struct sm_cadence_guard *g);

/*
 * Checks one platform's non-cancelled posts, `at` sorted ascending: each
 * post closer than min_spacing (seconds, 0: no check) to the previous one,
 * and each local day of zone (NULL: UTC) with more than daily_cap posts (0:
 * no cap).  Calls fn (may be NULL) for each and returns how many there are.
 */
size_t sm_cadence_guardrails(const sm_time *at, size_t n, int64_t min_spacing,
			     int daily_cap, const struct sm_tz *zone,
			     sm_cadence_guard_fn fn, void *ctx);

/* A guardrail crossed in a report, by instants. */
struct sm_cadence_warning {
	const struct sm_platform *platform;
	enum sm_guard_kind kind;
	sm_time first, second; /* as in struct sm_cadence_guard */
	int64_t day;
	int count;
};

/* Writes a warning as one line of text, times local to zone, into buf (len
 * bytes, 160 suffice); returns buf. */
char *sm_cadence_warning_format(const struct sm_cadence_warning *w,
				const struct sm_tz *zone, char *buf,
				size_t len);

/* What to report. */
struct sm_cadence_opts {
	const struct sm_tz *zone;  /* of periods and days (NULL: UTC) */
	enum sm_cadence_unit unit; /* SM_CADENCE_NONE: each platform's own
				      (a week for one without a plan) */
	int history;		   /* past periods shown */
	const char *platform;	   /* NULL: every platform with a cadence */
	int guardrails;		   /* 1: check min_spacing and daily_cap
				      over the rows' span (smctl cadence;
				      the alerts do not need them) */
	sm_time now;
};

/* Rows per platform (config order) then period (oldest first), the mix and
 * the guardrails of one evaluation. */
struct sm_cadence_report {
	const struct sm_config *cfg; /* borrowed */
	struct sm_cadence_opts opts;
	struct sm_cadence_row *rows;
	size_t nrows;
	struct sm_cadence_mix *mix; /* [mix] types in config order, then
				       other types by name, untyped last */
	size_t nmix;
	int mix_posts;			     /* posts in the mix window */
	sm_time mix_from, mix_to;	     /* the mix window */
	struct sm_cadence_warning *warnings; /* within the rows' span, when
						asked for */
	size_t nwarnings;
};

/* The span [*from, *to) of publish instants a report with these options
 * needs: gather the posts over it. */
void sm_cadence_span(const struct sm_config *cfg,
		     const struct sm_cadence_opts *o, sm_time *from,
		     sm_time *to);

/*
 * Builds the report of posts under cfg (both borrowed by the report, which
 * must not outlive them): the current period, cfg->lookahead upcoming and
 * o->history past ones per platform.  Returns 0, or -1 when o->platform
 * names no configured platform (a platform named that way is reported even
 * without a plan, with target 0).
 */
int sm_cadence_report_build(struct sm_cadence_report *r,
			    const struct sm_config *cfg,
			    const struct sm_cadence_opts *o,
			    const struct sm_cadence_posts *posts);

/* Frees a report's arrays; a zeroed report is a no-op. */
void sm_cadence_report_free(struct sm_cadence_report *r);

/* Platforms with scheduled < target in the current or an upcoming period
 * of the report (for smctl status). */
size_t sm_cadence_short_platforms(const struct sm_cadence_report *r);

/* Writes a row as SPEC section 7's JSON object into w (appended, no
 * newline): platform, period, start, end, target, scheduled, published,
 * gap, status. */
void sm_cadence_row_json(struct sm_jsonw *w, const struct sm_cadence_row *row);

/* Writes a mix entry as a JSON object into w (appended, no newline): type,
 * from, to, posts, share, target and drift (null without a target; share
 * and drift null when the window has no post). */
void sm_cadence_mix_json(struct sm_jsonw *w, const struct sm_cadence_report *r,
			 const struct sm_cadence_mix *m);

/* The stored state of one alert (platform, period, type). */
struct sm_cadence_alert {
	int sent;      /* times it fired */
	int recovered; /* seen not short since it last fired (gap only) */
};

/* The state as one integer for a key-value store, and back. */
int64_t sm_cadence_alert_pack(const struct sm_cadence_alert *a);
void sm_cadence_alert_unpack(int64_t v, struct sm_cadence_alert *a);

/* Steps a cadence.gap state for an upcoming period within its notice
 * window: returns 1 when the event fires now (and updates *a). */
int sm_cadence_gap_step(struct sm_cadence_alert *a, int is_short);

/* Steps a cadence.behind state for the current period: fires once. */
int sm_cadence_behind_step(struct sm_cadence_alert *a, int is_behind);

/* "cadence.gap:" + platform + ":" + label: at most this long with NUL. */
#define SM_CADENCE_KEY_LEN 128

/* An alert whose state changed: fire it when `fire`, store `state`. */
struct sm_cadence_due {
	unsigned type;			  /* SM_EVENT_CADENCE_GAP or _BEHIND */
	const struct sm_cadence_row *row; /* borrowed from the report */
	char key[SM_CADENCE_KEY_LEN];	  /* "cadence.gap:instagram:2026-W49" */
	struct sm_cadence_alert state;	  /* the new state to store */
	int fire;			  /* 1: fire the event now */
	sm_time at;   /* scheduled_at: the notice instant (gap), the
			 instant it fell behind (behind) */
	sm_time lead; /* seconds from `at` to the period's start (gap) */
	char id[40];  /* "evt_" + 32 hex digits, new for each firing */
};

/* Fills *state with what the store holds under key (zeros when unset). */
typedef void (*sm_cadence_state_fn)(void *ctx, const char *key,
				    struct sm_cadence_alert *state);

/*
 * The alerts of a report built with unit SM_CADENCE_NONE (rows in other
 * units than their platform's plan are ignored) at its `now`: fills *out
 * (malloc'd, the caller frees; rows borrowed from the report) with the
 * alerts whose state changes, in the report's order, and returns their
 * number; *next is the first instant after now at which the answer can
 * change without new data (SM_TIME_MAX: none).  A change of data (a
 * calendar reload, an add, a cancel, a done mark) needs a new report and a
 * new call.  With gap_notice = 0 or lookahead = 0 no cadence.gap is due:
 * an upcoming period is one that has not started.
 */
size_t sm_cadence_alerts(const struct sm_cadence_report *r,
			 sm_cadence_state_fn get, void *ctx,
			 struct sm_cadence_due **out, sm_time *next);

/*
 * Writes a cadence event object into w, which is reset first: type, id,
 * scheduled_at, fired_at (milliseconds), late, lead_s and the cadence
 * object of sm_cadence_row_json in place of SPEC section 4's post.
 */
void sm_cadence_event_json(struct sm_jsonw *w, const struct sm_cadence_due *d,
			   int64_t fired_at_ms, int late);

#endif
