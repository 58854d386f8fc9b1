/*
 * config: smcald's INI configuration file (SPEC section 9) as plain data.
 *
 * This module owns the whole schema: every section ([daemon], [reminders],
 * [cadence], [mix], [calendar:NAME], [platform:NAME], [type:NAME],
 * [webhook:NAME], [goal:NAME]) and key, their defaults, the value grammars
 * (durations, lists, times of day, weekdays, cadences, zone names, ...), the
 * cross-references between sections, and the messages a user sees when
 * something is wrong.  iniparser reads the values; this module scans the
 * file itself, mirroring iniparser's line grammar, to know which line each
 * section and key is on and to report syntax errors with their line.
 *
 * Every problem goes to the caller's diagnostics list as
 * "file:line: [section] key = "value": expected FORM"; loading goes on after
 * the first problem, so the user sees them all.  Errors make loading fail,
 * warnings (unknown sections and keys, a [mix] that does not sum to 100, a
 * key set twice) do not.  Names of sections are lower-cased (iniparser does
 * it), and so are the names a value refers to (webhooks, platforms).
 *
 * No global state, no event loop: a loaded struct sm_config is immutable,
 * and a reload builds a new one.  The only I/O is reading the file and
 * probing /usr/share/zoneinfo for zone names; sm_config_check_host also
 * reads secret files and probes locales, when the daemon asks.  Relative paths in the file
 * are kept as written: they are relative to the daemon's working directory,
 * not to the file.
 */
#ifndef SM_CONFIG_H
#define SM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "diag.h"
#include "kpi.h"

#define SM_CONFIG_DEFAULT_PATH "/etc/smcal/smcal.conf"
/* The calendar that posts added with smctl belong to; no section may use it. */
#define SM_CONFIG_QUEUE_CALENDAR "queue"
/* A webhook value that routes to the log sink and stops the fall-through. */
#define SM_CONFIG_WEBHOOK_NONE "none"

struct sm_strlist {
	char **v;
	size_t n;
};

/* Durations in seconds, in the order written. */
struct sm_durations {
	int64_t *v;
	size_t n;
};

enum sm_log_level {
	SM_LOG_DEBUG,
	SM_LOG_INFO,
	SM_LOG_NOTICE,
	SM_LOG_WARNING,
	SM_LOG_ERROR,
};

enum sm_cadence_unit {
	SM_CADENCE_NONE = 0, /* no cadence target */
	SM_CADENCE_DAY,
	SM_CADENCE_WEEK,
	SM_CADENCE_MONTH,
};

struct sm_cadence {
	int count; /* posts per period, >= 1 */
	enum sm_cadence_unit unit;
};

/* A weekly posting slot: "wed 12:30". */
struct sm_slot {
	int weekday; /* 0 = Monday .. 6 = Sunday, as sm_civil_weekday */
	int minute;  /* minutes after local midnight, 0 .. 1439 */
};

struct sm_slots {
	struct sm_slot *v; /* sorted by weekday, then minute; no duplicates */
	size_t n;
};

enum sm_webhook_format {
	SM_WEBHOOK_JSON,
	SM_WEBHOOK_SLACK,
	SM_WEBHOOK_DISCORD,
	SM_WEBHOOK_NTFY,
	SM_WEBHOOK_TEMPLATE,
};

/*
 * How a template webhook's values are escaped (its `escape` key).  AUTO
 * follows the content type (sm_config_escape_for); a content type smcal
 * cannot escape for is a config error unless `escape` names a rule.
 */
enum sm_escape {
	SM_ESCAPE_AUTO,
	SM_ESCAPE_NONE, /* inserted as written */
	SM_ESCAPE_JSON, /* inside a JSON string (the template has the quotes) */
	SM_ESCAPE_HTML, /* & < > " ' as entities */
	SM_ESCAPE_XML,	/* the same entities */
	SM_ESCAPE_FORM, /* application/x-www-form-urlencoded */
};

/* Event types, as bits of a webhook's events filter. */
enum sm_event_bit {
	SM_EVENT_POST_REMINDER = 1 << 0,
	SM_EVENT_POST_DUE = 1 << 1,
	SM_EVENT_POST_OVERDUE = 1 << 2,
	SM_EVENT_CADENCE_GAP = 1 << 3,
	SM_EVENT_CADENCE_BEHIND = 1 << 4,
	SM_EVENT_GOAL_OFF_TRACK = 1 << 5,
	SM_EVENT_GOAL_ACHIEVED = 1 << 6,
	SM_EVENT_GOAL_MISSED = 1 << 7,
	SM_EVENT_ALL = (1 << 8) - 1,
};

struct sm_calendar_conf {
	char *name;	/* lower-case section name */
	char *path;	/* as written: relative to the working directory */
	char *webhook;	/* NULL: unset, "none": the log sink */
	char *timezone; /* the daemon's unless overridden; never NULL */
	int timezone_set;
	int line; /* of the section header */
	/* What a post's X-SMCAL-WEBHOOK may name (lower-case webhook names,
	 * "none" allowed); unset (webhooks_set 0): the calendar's own routes,
	 * see sm_route_allowed. */
	struct sm_strlist webhooks;
	int webhooks_set;
};

struct sm_platform {
	char *name;
	struct sm_cadence cadence; /* unit SM_CADENCE_NONE when unset */
	struct sm_slots slots;
	int64_t min_spacing;	  /* seconds; 0: none */
	int daily_cap;		  /* 0: no cap */
	struct sm_durations lead; /* [reminders] lead unless set here */
	int lead_set;
	int64_t overdue; /* seconds, 0: none; [reminders] overdue unless set */
	int overdue_set;
	char *webhook;		      /* NULL: unset, "none": the log sink */
	struct sm_strlist categories; /* default: the platform's name */
	int line;
};

/* A content type: a [type:NAME] section, a [mix] key, or both. */
struct sm_content_type {
	char *name;
	struct sm_strlist categories; /* default: the type's name */
	int mix;		      /* target percent; -1 when not in [mix] */
	int line;
};

struct sm_webhook {
	char *name;
	char *url; /* http:// or https:// */
	enum sm_webhook_format format;
	char *template_text;	   /* the "template" key; NULL when unset */
	char *content_type;	   /* for format = template */
	enum sm_escape escape;	   /* for format = template */
	struct sm_strlist headers; /* "Name: value" */
	char *secret;		   /* "whsec_..." or NULL */
	char *secret_file;	   /* path or NULL; read by the daemon */
	unsigned events;	   /* enum sm_event_bit mask */
	int64_t timeout, connect_timeout; /* seconds, > 0 */
	int max_attempts;		  /* >= 1 */
	struct sm_durations backoff;	  /* delay before attempt 2, 3, ...; the
					last one repeats */
	int64_t max_age;		  /* seconds, > 0 */
	int concurrency;		  /* >= 1 */
	char *ca_file;			  /* NULL: the system's CAs */
	char *locale;			  /* NULL: the daemon's locale */
	int secret_file_line, locale_line; /* of those keys, for messages */
	char *date_format;		   /* strftime format */
	char *timezone; /* the daemon's unless set; never NULL */
	int timezone_set;
	int line;
};

/* How a goal's target was written. */
enum sm_goal_target_kind {
	SM_GOAL_TARGET_ABSOLUTE, /* "1200", or "4%" for a rate */
	SM_GOAL_TARGET_DELTA,	 /* "+200" (or "-200"): baseline plus N */
	SM_GOAL_TARGET_PERCENT,	 /* "+20%" (or "-10%"): of the baseline */
};

/*
 * A SMART goal, [goal:NAME] (SPEC section 8).  Rates (engagement_rate, ctr,
 * conversion_rate) are fractions here however they were written ("2.5%" is
 * 0.025).  Dates are civil midnights of the dates written; lib/goals turns
 * them into instants in the configured zone.  A goal whose metric adds up
 * (a count) has a target at or above its baseline; followers and rates may
 * aim lower.
 */
struct sm_goal {
	char *name;
	char *metric;	 /* the KPI's name, lower-case */
	enum sm_kpi kpi; /* what metric names */
	char *platform;	 /* a configured platform, lower-case, or "all" */
	char *type;	 /* content type filter; NULL: any */
	char *campaign;	 /* campaign filter; NULL: any */
	double baseline; /* the value at the start, >= 0 */
	double target;	 /* absolute, whatever form it was written in */
	enum sm_goal_target_kind target_kind;
	double target_change; /* DELTA: the N of +N; PERCENT: the N of +N% */
	int baseline_percent; /* written with '%' (rates only) */
	int target_percent;   /* an absolute target written with '%' */
	int baseline_set, target_set; /* parsed without error */
	sm_time start;		      /* civil midnight of the start date */
	int start_set;	  /* 0: the goal's first appearance, which the
				 daemon remembers */
	sm_time deadline; /* civil midnight of the last day, included */
	double tolerance; /* fraction of the target's change from the
				 baseline the value may lag its path by;
				 default 0.10 */
	int line;	  /* of the section header */
	int target_line;  /* of the target key, for the pace warning */
};

struct sm_config {
	char *path; /* the file loaded; NULL for the defaults */

	/* [daemon] */
	char *socket;
	char *socket_group; /* NULL: the daemon's own group */
	struct sm_strlist admin_groups, read_groups, admin_users;
	char *state_dir;
	char *event_log; /* default <state_dir>/events.jsonl */
	char *timezone;	 /* IANA name or "UTC" */
	int64_t catchup; /* seconds, may be 0 */
	int allday_time; /* minutes after midnight */
	char *webhook;	 /* NULL or "none": the log sink */
	enum sm_log_level log_level;
	int watchdog;	 /* ping systemd's watchdog when the unit asks */
	int fire_drafts; /* post.due for drafts too */
	int series_cap;	 /* events one series may fire per minute */

	/* Delivered outbox rows are deleted this long (seconds) after. */
	int64_t retention;
	/* The lines of state_dir and event_log in the file, for --check's
	 * messages; 0 when the key is not written (the default). */
	int state_dir_line, event_log_line;

	/* [reminders] */
	struct sm_durations lead; /* may be empty ("none") */
	int64_t overdue;	  /* seconds; 0: no post.overdue ("none") */

	/* [cadence] */
	int week_start; /* 0 = Monday .. 6 = Sunday */
	int lookahead;	/* periods ahead, >= 0 */
	int64_t gap_notice;
	int64_t mix_window; /* seconds before the current week, >= 0 */

	struct sm_calendar_conf *calendars;
	size_t ncalendars;
	struct sm_platform *platforms;
	size_t nplatforms;
	struct sm_content_type *types;
	size_t ntypes;
	struct sm_webhook *webhooks;
	size_t nwebhooks;
	struct sm_goal *goals;
	size_t ngoals;
};

/*
 * Loads path into a new config in *out, appending every problem to diags
 * (which may be NULL); returns 0, -errno when the file cannot be opened
 * (-ENOENT lets a caller fall back to the defaults), or -EINVAL when the file
 * has errors (then *out is NULL).  A NULL path gives the defaults.
 */
int sm_config_load(const char *path, struct sm_config **out,
		   struct sm_diag_list *diags);

/* A new config holding every default, as if loaded from an empty file;
 * aborts when out of memory. */
struct sm_config *sm_config_defaults(void);

/* Frees a config; NULL is a no-op. */
void sm_config_free(struct sm_config *cfg);

/* The platform of that name (case-insensitive), or NULL. */
const struct sm_platform *sm_config_platform(const struct sm_config *cfg,
					     const char *name);

/* The webhook of that name (case-insensitive), or NULL (also for "none"). */
const struct sm_webhook *sm_config_webhook(const struct sm_config *cfg,
					   const char *name);

/* The calendar section of that name (case-insensitive), or NULL. */
const struct sm_calendar_conf *sm_config_calendar(const struct sm_config *cfg,
						  const char *name);

/* The content type of that name (case-insensitive), or NULL. */
const struct sm_content_type *sm_config_type(const struct sm_config *cfg,
					     const char *name);

/* The first platform whose categories include category (case-insensitive). */
const struct sm_platform *
sm_config_platform_by_category(const struct sm_config *cfg,
			       const char *category);

/* The first content type whose categories include category. */
const struct sm_content_type *
sm_config_type_by_category(const struct sm_config *cfg, const char *category);

/*
 * Value grammars, shared with smctl and the other modules.  Each returns 0
 * and fills its output, or -1 and leaves the output alone.  Input is taken as
 * is: callers strip surrounding blanks (iniparser already does).
 */

/* Splits a comma-separated list into trimmed items; "" gives no items, an
 * empty item ("a,,b", "a,") is an error.  Free with sm_config_list_free. */
int sm_config_list_split(const char *s, struct sm_strlist *out);

/* Frees a list's items and empties it. */
void sm_config_list_free(struct sm_strlist *l);

/* Parses yes/no, true/false, on/off, 1/0 (any case) into 1 or 0. */
int sm_config_bool_parse(const char *s, int *out);

/* Parses a time of day "HH:MM" (or "H:MM"), 00:00 to 23:59, into minutes. */
int sm_config_tod_parse(const char *s, int *minutes);

/* Parses a weekday, "mon".."sun" or "monday".."sunday" (any case), into
 * 0 = Monday .. 6 = Sunday. */
int sm_config_weekday_parse(const char *s, int *weekday);

/* Parses a posting slot "mon 09:00" (weekday, blanks, time of day). */
int sm_config_slot_parse(const char *s, struct sm_slot *out);

/* Parses a cadence "N/day", "N/week" or "N/month" with 1 <= N <= 10000. */
int sm_config_cadence_parse(const char *s, struct sm_cadence *out);

/* Parses a comma-separated list of durations ("1d, 1h"); "none" gives an
 * empty list.  Free out->v. */
int sm_config_durations_parse(const char *s, struct sm_durations *out);

/* The enum sm_event_bit of an event type name ("post.due"), or 0. */
unsigned sm_config_event_parse(const char *name);

/* The name of one event bit ("post.due"), or NULL. */
const char *sm_config_event_name(unsigned bit);

/* The config spelling of a log level ("info"). */
const char *sm_config_log_level_name(enum sm_log_level level);

/* The config spelling of a webhook format ("slack"). */
const char *sm_config_format_name(enum sm_webhook_format format);

/*
 * The escaping a template's values need in a body of that content type
 * (parameters after ";" and case ignored): JSON for application/json and
 * any +json type, HTML for text/html, XML for application/xml, text/xml
 * and any +xml type, FORM for application/x-www-form-urlencoded, NONE for
 * text/plain; -1 for any other type (smcal does not know its syntax).
 */
int sm_config_escape_for(const char *content_type);

/*
 * Decodes a Standard Webhooks secret "whsec_<base64>" into its key bytes
 * (at most cap, *len set); returns -1 when the prefix is missing, the base64
 * is malformed, the key is empty or longer than cap.  key may be NULL (with
 * cap 0 ignored) to validate only.
 */
int sm_config_secret_decode(const char *secret, unsigned char *key, size_t cap,
			    size_t *len);

/*
 * Checks what the config names on this machine, which parsing cannot tell
 * and the daemon would otherwise only complain about at run time: each
 * webhook's secret_file is readable and holds at least one secret, every
 * one "whsec_<base64>"; each webhook's locale is installed (an error when
 * locales is SM_HOST_LOCALE_ERROR, for smcald --check; not checked with
 * SM_HOST_NO_LOCALE, for the daemon, which runs without it and says so once
 * per load).  Errors (and a warning for a secret file readable by others)
 * go to diags naming the config file, the key's line and the key; secrets
 * are never quoted.  Returns the number of errors added.
 */
enum sm_host_locales {
	SM_HOST_NO_LOCALE,
	SM_HOST_LOCALE_ERROR,
};

size_t sm_config_check_host(const struct sm_config *cfg,
			    enum sm_host_locales locales,
			    struct sm_diag_list *diags);

/*
 * Reads a secret_file: one secret per line, blanks around it and lines
 * that are empty or start with '#' skipped; calls fn with each and its line
 * number.  Returns 0, or -1 with errno set when the file cannot be read.
 */
int sm_config_secret_file_read(const char *path,
			       void (*fn)(void *ctx, int line,
					  const char *secret),
			       void *ctx);

/*
 * 1 when name is "UTC" or names a TZif file under /usr/share/zoneinfo,
 * else 0; names that are absolute, contain "..", or other than letters,
 * digits and "/_+-" are refused without touching the file system.
 */
int sm_zone_name_valid(const char *name);

#endif
