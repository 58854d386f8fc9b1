/*
 * calendar: the iCalendar reader (see calendar.h for the data flow).
 *
 * Three layers, bottom up:
 *  - the line walker: physical lines to unfolded content lines, each with the
 *    number of the physical line it started on;
 *  - the structure walker: BEGIN/END nesting, repairing what real files get
 *    wrong (a missing END, an END that closes two levels, a stray line), and
 *    cutting the text of each top-level component into a chunk;
 *  - the converters: one chunk through libical into an sm_post or an sm_tz.
 */
#include "calendar.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * Small growable buffers.
 */

struct strbuf {
	char *s;
	size_t len, cap;
};

static void
sb_reserve(struct strbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->s, cap);
	if (!p)
		abort();
	b->s = p;
	b->cap = cap;
}

static void
sb_add(struct strbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_adds(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void *
grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *q = realloc(p, c * elem);
	if (!q)
		abort();
	*cap = c;
	return q;
}

/* ---------------------------------------------------------------------
 * Text: UTF-8 check and Windows-1252 fallback.
 */

static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if (len == 3 && c == 0xe0 && s[i + 1] < 0xa0)
			return 0;
		if (len == 3 && c == 0xed && s[i + 1] >= 0xa0)
			return 0;
		if (len == 4 && c == 0xf0 && s[i + 1] < 0x90)
			return 0;
		if (len == 4 && c == 0xf4 && s[i + 1] >= 0x90)
			return 0;
		i += len;
	}
	return 1;
}

/* Windows-1252 code points of bytes 0x80..0x9f (0 where undefined). */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0,	0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,	0x017d, 0,
	0,	0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,	0x017e, 0x0178};

static void
put_utf8(struct strbuf *b, unsigned cp)
{
	char out[3];
	if (cp < 0x80) {
		out[0] = (char)cp;
		sb_add(b, out, 1);
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		sb_add(b, out, 2);
	} else {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		sb_add(b, out, 3);
	}
}

/* n bytes of s as UTF-8 (CP-1252 when they are not UTF-8): s itself, or
 * *tmp (to free) holding the conversion. */
static const char *
as_utf8(const char *s, size_t *n, struct strbuf *tmp, int *was_latin)
{
	if (utf8_valid((const unsigned char *)s, *n))
		return s;
	if (was_latin)
		*was_latin = 1;
	for (size_t i = 0; i < *n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp = c;
		if (c >= 0x80 && c < 0xa0)
			cp = cp1252_high[c - 0x80] ? cp1252_high[c - 0x80]
						   : 0xfffd;
		put_utf8(tmp, cp);
	}
	*n = tmp->len;
	return tmp->s ? tmp->s : "";
}

/* Copies text into the arena, as UTF-8 (CP-1252 when it is not UTF-8). */
static const char *
text_dup(struct sm_arena *a, const char *s, int *was_latin)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	struct strbuf b = {0};
	const char *u = as_utf8(s, &n, &b, was_latin);
	const char *r = sm_arena_strndup(a, u, n);
	free(b.s);
	return r;
}

/* ---------------------------------------------------------------------
 * Loader state.
 */

/* A property line of the current chunk: where it was and what it is. */
struct line_info {
	char name[24];
	int line;
	size_t off; /* offset of the line in the chunk text */
	int depth;  /* 0: the component itself, 1+: nested (VALARM...) */
};

/* A property value smcal reads from the raw text rather than libical. */
enum raw_kind {
	RAW_RRULE,
	RAW_EXRULE,
	RAW_CATEGORIES,
};

struct raw_prop {
	enum raw_kind kind;
	int line;
	char *text;
};

/* A TZID as used in one VCALENDAR of the file, before resolution. */
struct zone_use {
	struct sm_zone_ref *ref;
	int vcal;
};

struct file_zone {
	char *tzid;
	int vcal;
	struct sm_tz *tz; /* owned by cal->zones */
};

#define MAX_DEPTH 32

struct loader {
	struct sm_calendar *cal;
	struct sm_diag_list *diags;
	const char *file; /* arena copy of the label */
	int vcal;	  /* index of the current VCALENDAR, -1 outside */
	int nvcal;
	int saw_version;
	/* Structure. */
	char stack[MAX_DEPTH][24];
	int stack_line[MAX_DEPTH];
	int depth;
	int collecting; /* stack level of the chunk's component, or -1 */
	struct strbuf chunk;
	int chunk_line;
	struct line_info *lines;
	size_t nlines, lines_cap;
	struct raw_prop *raws;
	size_t nraws, raws_cap;
	/* Zones. */
	struct zone_use *uses;
	size_t nuses, uses_cap;
	struct file_zone *fzones;
	size_t nfzones, fzones_cap;
	struct {
		const struct sm_tz *file, *tz;
	} * spliced;
	size_t nspliced, spliced_cap;
	int latin_warned;
	unsigned derived_seq;
	int chunk_skip; /* the component being collected is too large */
	int x_wr_seen;	/* this file's X-WR-TIMEZONE is recorded */
	/* Values shared by the posts of this load (intern()). */
	struct intern_slot *intern;
	size_t nintern, intern_cap;
	/* A post's lists while it is converted, then interned. */
	const char **plats, **cats;
	int plats_cap, cats_cap;
	struct sm_rrule *rules;
	int rules_cap;
};

/* ---------------------------------------------------------------------
 * Interning.  Posts of one calendar repeat the same values: platforms,
 * categories, content types, campaigns, titles of a series' overrides,
 * whole lists of categories, recurrence rules, reminders.  A load keeps
 * one copy of each value in the arena and points every post to it (the
 * posts' fields are never written after the load), so a 100k-post
 * calendar holds its text and not 100k copies of "instagram".  The table
 * lives for one load.
 */

enum intern_kind {
	INTERN_TEXT,
	INTERN_PTRS,
	INTERN_RULES,
	INTERN_ALARMS,
};

struct intern_slot {
	void *p; /* NULL: empty */
	size_t len;
	uint64_t hash;
	int kind;
};

static uint64_t
intern_hash(const void *data, size_t n, int kind)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
intern_grow(struct loader *ld)
{
	size_t cap = ld->intern_cap ? ld->intern_cap * 2 : 1024;
	struct intern_slot *v = calloc(cap, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < ld->intern_cap; i++) {
		if (!ld->intern[i].p)
			continue;
		size_t h = ld->intern[i].hash & (cap - 1);
		while (v[h].p)
			h = (h + 1) & (cap - 1);
		v[h] = ld->intern[i];
	}
	free(ld->intern);
	ld->intern = v;
	ld->intern_cap = cap;
}

/* The arena's copy of len bytes of data of a kind: the one made before by
 * this load when there is one, else a new one (strings get their NUL). */
static void *
intern(struct loader *ld, const void *data, size_t len, int kind)
{
	if ((ld->nintern + 1) * 2 > ld->intern_cap)
		intern_grow(ld);
	uint64_t hash = intern_hash(data, len, kind);
	size_t h = hash & (ld->intern_cap - 1);
	for (; ld->intern[h].p; h = (h + 1) & (ld->intern_cap - 1)) {
		const struct intern_slot *x = &ld->intern[h];
		if (x->hash == hash && x->len == len && x->kind == kind &&
		    memcmp(x->p, data, len) == 0)
			return x->p;
	}
	void *copy;
	if (kind == INTERN_TEXT) {
		copy = sm_arena_strndup(&ld->cal->arena, data, len);
	} else {
		copy = sm_arena_alloc(&ld->cal->arena, len);
		memcpy(copy, data, len);
	}
	ld->intern[h] = (struct intern_slot){copy, len, hash, kind};
	ld->nintern++;
	return copy;
}

/* text_dup of n bytes, shared with the same text elsewhere in the load. */
static const char *
text_intern_n(struct loader *ld, const char *s, size_t n, int *was_latin)
{
	struct strbuf b = {0};
	const char *u = as_utf8(s, &n, &b, was_latin);
	const char *r = intern(ld, u, n, INTERN_TEXT);
	free(b.s);
	return r;
}

static const char *
text_intern(struct loader *ld, const char *s, int *was_latin)
{
	return s ? text_intern_n(ld, s, strlen(s), was_latin) : NULL;
}

static void warn(struct loader *ld, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void error_at(struct loader *ld, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
report(struct loader *ld, enum sm_severity sev, int line, const char *msg)
{
	sm_diag_add(ld->diags, sev, ld->file, line, "%s", msg);
}

static void
warn(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ld, SM_WARNING, line, msg);
}

static void
error_at(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ld, SM_ERROR, line, msg);
}

/* Copies the property name of a content line, upper-cased; returns its
 * length, 0 when the line does not start with a valid name followed by
 * ':' or ';'. */
static size_t
line_name(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i = 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	if (i == 0 || i >= len || (s[i] != ':' && s[i] != ';'))
		return 0;
	size_t n = i < outlen - 1 ? i : outlen - 1;
	for (size_t k = 0; k < n; k++)
		out[k] = (char)toupper((unsigned char)s[k]);
	out[n] = '\0';
	return i;
}

/* The value part of a content line: after the first ':' outside quotes. */
static const char *
line_value(const char *s, size_t len, size_t *vlen)
{
	int quoted = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ':' && !quoted) {
			*vlen = len - i - 1;
			return s + i + 1;
		}
	}
	*vlen = 0;
	return NULL;
}

static int
is_top_kind(const char *name)
{
	return strcmp(name, "VEVENT") == 0 || strcmp(name, "VTODO") == 0 ||
	       strcmp(name, "VTIMEZONE") == 0 ||
	       strcmp(name, "VJOURNAL") == 0 ||
	       strcmp(name, "VFREEBUSY") == 0 ||
	       strcmp(name, "VAVAILABILITY") == 0;
}

/* ---------------------------------------------------------------------
 * Zones.
 */

/*
 * A TZID without the white space around it, which is not part of the name:
 * Exchange writes "TZID: 1" in its VTIMEZONE and "DTSTART;TZID= 1:..." in
 * its events.  Returns where the name starts in s and its length in *len.
 */
static const char *
tzid_trim(const char *s, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* The zone reference of a (trimmed) TZID of len bytes in this VCALENDAR. */
static struct sm_zone_ref *
zone_ref(struct loader *ld, const char *tzid, size_t len, int line)
{
	for (size_t i = 0; i < ld->nuses; i++)
		if (ld->uses[i].vcal == ld->vcal &&
		    strncmp(ld->uses[i].ref->tzid, tzid, len) == 0 &&
		    ld->uses[i].ref->tzid[len] == '\0')
			return ld->uses[i].ref;
	ld->uses =
		grow(ld->uses, &ld->uses_cap, ld->nuses + 1, sizeof(*ld->uses));
	struct sm_zone_ref *ref = sm_arena_alloc(&ld->cal->arena, sizeof(*ref));
	ref->tzid = sm_arena_strndup(&ld->cal->arena, tzid, len);
	ref->line = line;
	ld->uses[ld->nuses].ref = ref;
	ld->uses[ld->nuses].vcal = ld->vcal;
	ld->nuses++;
	return ref;
}

static int
offset_from_prop(icalproperty *p, int from)
{
	return from ? icalproperty_get_tzoffsetfrom(p)
		    : icalproperty_get_tzoffsetto(p);
}

static sm_time
civil_of(struct icaltimetype t)
{
	struct sm_civil c = {t.year, t.month, t.day, 0, 0, 0};
	if (!t.is_date) {
		c.hour = t.hour;
		c.minute = t.minute;
		c.second = t.second > 59 ? 59 : t.second;
	}
	return sm_civil_make(&c);
}

static int
time_ok(struct icaltimetype t)
{
	struct sm_civil c = {t.year, t.month, t.day, 0, 0, 0};
	if (!t.is_date) {
		c.hour = t.hour;
		c.minute = t.minute;
		c.second = t.second > 59 ? 59 : t.second;
	}
	return !icaltime_is_null_time(t) && c.year >= 1 && c.year <= 9999 &&
	       sm_civil_valid(&c);
}

/*
 * Builds an sm_tz from a VTIMEZONE component; NULL when it has no usable
 * observance.  RRULEs are read through their text so that rrule.c does the
 * expansion (libical's iterator has the DST bugs this project avoids).
 */
static struct sm_tz *
zone_from_vtimezone(icalcomponent *vtz, const char *name, char *why,
		    size_t whylen)
{
	struct sm_tz_observance obs[512];
	struct sm_rrule rules[512];
	sm_time *rdates[512];
	int n = 0;
	why[0] = '\0';
	for (icalcomponent *o =
		     icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	     o && n < 512;
	     o = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(o);
		if (k != ICAL_XSTANDARD_COMPONENT &&
		    k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		icalproperty *ds = icalcomponent_get_first_property(
			o, ICAL_DTSTART_PROPERTY);
		icalproperty *pf = icalcomponent_get_first_property(
			o, ICAL_TZOFFSETFROM_PROPERTY);
		icalproperty *pt = icalcomponent_get_first_property(
			o, ICAL_TZOFFSETTO_PROPERTY);
		if (!ds || !pt) {
			snprintf(why, whylen,
				 "an observance lacks DTSTART or TZOFFSETTO");
			continue;
		}
		struct icaltimetype t = icalproperty_get_dtstart(ds);
		if (!time_ok(t)) {
			snprintf(why, whylen,
				 "an observance has a bad DTSTART");
			continue;
		}
		struct sm_tz_observance *ob = &obs[n];
		memset(ob, 0, sizeof(*ob));
		ob->dtstart = civil_of(t);
		ob->offset_to = offset_from_prop(pt, 0);
		ob->offset_from = pf ? offset_from_prop(pf, 1) : ob->offset_to;
		/* RFC 5545 offsets are at most 23:59:60 either way; libical
		 * reads a garbled one ("-05020190801T0") as years, which no
		 * zone has and which would reorder every local time. */
		if (ob->offset_to <= -SM_DAY || ob->offset_to >= SM_DAY ||
		    ob->offset_from <= -SM_DAY || ob->offset_from >= SM_DAY) {
			snprintf(why, whylen,
				 "an observance has a UTC offset beyond a "
				 "day");
			continue;
		}
		icalproperty *rr = icalcomponent_get_first_property(
			o, ICAL_RRULE_PROPERTY);
		if (rr) {
			char *txt = icalproperty_get_value_as_string_r(rr);
			char err[128];
			if (txt && sm_rrule_parse(txt, &rules[n], err,
						  sizeof(err)) >= 0)
				ob->rule = &rules[n];
			free(txt);
		}
		int nr = icalcomponent_count_properties(o, ICAL_RDATE_PROPERTY);
		rdates[n] = NULL;
		if (nr > 0) {
			rdates[n] = calloc((size_t)nr, sizeof(sm_time));
			if (!rdates[n])
				abort();
			for (icalproperty *rd =
				     icalcomponent_get_first_property(
					     o, ICAL_RDATE_PROPERTY);
			     rd; rd = icalcomponent_get_next_property(
					 o, ICAL_RDATE_PROPERTY)) {
				struct icaldatetimeperiodtype dp =
					icalproperty_get_rdate(rd);
				struct icaltimetype rt =
					icaltime_is_null_time(dp.time)
						? dp.period.start
						: dp.time;
				if (time_ok(rt))
					rdates[n][ob->nrdates++] = civil_of(rt);
			}
			ob->rdates = rdates[n];
		}
		n++;
	}
	struct sm_tz *tz = n > 0 ? sm_tz_new(name, obs, n) : NULL;
	if (!tz && !why[0])
		snprintf(why, whylen, "it has no STANDARD or DAYLIGHT part");
	for (int i = 0; i < n; i++)
		free(rdates[i]);
	return tz;
}

/* Process-wide caches: system zones by name, the Windows name table. */
struct zone_cache_entry {
	char *name;
	struct sm_tz *tz; /* NULL: known not to exist */
};

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone_cache_entry *zone_cache;
static size_t zone_cache_n, zone_cache_cap;
static char **win_names; /* pairs: windows name, IANA name */
static size_t win_n;
static int win_loaded;

static int
is_utc_name(const char *n)
{
	return strcmp(n, "UTC") == 0 || strcmp(n, "GMT") == 0 ||
	       strcmp(n, "Etc/UTC") == 0 || strcmp(n, "Etc/GMT") == 0 ||
	       strcmp(n, "Z") == 0 || strcmp(n, "Zulu") == 0 ||
	       strcmp(n, "Etc/Zulu") == 0 || strcmp(n, "Universal") == 0 ||
	       strcmp(n, "Etc/Universal") == 0 || strcmp(n, "UCT") == 0 ||
	       strcmp(n, "Etc/UCT") == 0 || strcmp(n, "Etc/GMT0") == 0 ||
	       strcmp(n, "GMT0") == 0 || strcmp(n, "Greenwich") == 0;
}

/* A name is only looked up in zoneinfo when it cannot escape the tree. */
static int
zone_name_safe(const char *n)
{
	if (!n[0] || n[0] == '/' || strstr(n, "..") || strlen(n) > 64)
		return 0;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
			return 0;
	return 1;
}

static struct sm_tz *
build_system_zone(const char *name)
{
	if (is_utc_name(name))
		return sm_tz_new_fixed(name, 0);
	if (!zone_name_safe(name))
		return NULL;
	char path[160];
	const char *dir = getenv("TZDIR");
	snprintf(path, sizeof(path), "%s/%s",
		 dir && *dir ? dir : "/usr/share/zoneinfo", name);
	/* The TZif file itself, not libical's VTIMEZONE made from it: that
	 * conversion gets 18 of the 447 zones wrong (Sao Paulo, Tehran,
	 * Santiago, Jerusalem...). */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct sm_tz *tz = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < (1 << 20)) {
		unsigned char *buf = malloc((size_t)st.st_size + 1);
		if (buf && read(fd, buf, (size_t)st.st_size) == st.st_size)
			tz = sm_tz_new_tzif(name, buf, (size_t)st.st_size);
		free(buf);
	}
	close(fd);
	return tz;
}

const struct sm_tz *
sm_calendar_system_zone(const char *name)
{
	if (!name)
		return NULL;
	pthread_mutex_lock(&zone_lock);
	for (size_t i = 0; i < zone_cache_n; i++) {
		if (strcmp(zone_cache[i].name, name) == 0) {
			struct sm_tz *tz = zone_cache[i].tz;
			pthread_mutex_unlock(&zone_lock);
			return tz;
		}
	}
	struct sm_tz *tz = build_system_zone(name);
	zone_cache = grow(zone_cache, &zone_cache_cap, zone_cache_n + 1,
			  sizeof(*zone_cache));
	zone_cache[zone_cache_n].name = strdup(name);
	if (!zone_cache[zone_cache_n].name)
		abort();
	zone_cache[zone_cache_n].tz = tz;
	zone_cache_n++;
	pthread_mutex_unlock(&zone_lock);
	return tz;
}

/* Reads attribute attr="..." from an XML tag's text. */
static char *
xml_attr(const char *tag, const char *end, const char *attr)
{
	size_t alen = strlen(attr);
	for (const char *p = tag; p && p + alen + 2 < end; p++) {
		if (strncmp(p, attr, alen) == 0 && p[alen] == '=' &&
		    p[alen + 1] == '"' &&
		    (p == tag || isspace((unsigned char)p[-1]))) {
			const char *v = p + alen + 2;
			const char *q = memchr(v, '"', (size_t)(end - v));
			if (!q)
				return NULL;
			return strndup(v, (size_t)(q - v));
		}
	}
	return NULL;
}

static void
load_windows_names(void)
{
	win_loaded = 1;
	const char *path = getenv("SMCAL_WINDOWS_ZONES");
	if (!path)
		path = "/usr/share/unicode/cldr/common/supplemental/"
		       "windowsZones.xml";
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	struct strbuf b = {0};
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&b, buf, n);
	fclose(f);
	size_t cap = 0;
	for (const char *p = b.s; p && (p = strstr(p, "<mapZone")); p++) {
		const char *end = strchr(p, '>');
		if (!end)
			break;
		char *other = xml_attr(p, end, "other");
		char *terr = xml_attr(p, end, "territory");
		char *type = xml_attr(p, end, "type");
		/* Territory 001 is CLDR's "golden" zone for the name; its type
		 * may list several zones, the first one is canonical. */
		if (other && terr && type && strcmp(terr, "001") == 0) {
			char *sp = strchr(type, ' ');
			if (sp)
				*sp = '\0';
			win_names = grow(win_names, &cap, win_n + 2,
					 sizeof(*win_names));
			win_names[win_n++] = other;
			win_names[win_n++] = type;
			other = type = NULL;
		}
		free(other);
		free(terr);
		free(type);
	}
	free(b.s);
}

const char *
sm_calendar_windows_zone(const char *windows_name)
{
	const char *r = NULL;
	pthread_mutex_lock(&zone_lock);
	if (!win_loaded)
		load_windows_names();
	for (size_t i = 0; i + 1 < win_n && !r; i += 2)
		if (strcasecmp(win_names[i], windows_name) == 0)
			r = win_names[i + 1];
	pthread_mutex_unlock(&zone_lock);
	return r;
}

void
sm_calendar_zones_cleanup(void)
{
	pthread_mutex_lock(&zone_lock);
	for (size_t i = 0; i < zone_cache_n; i++) {
		free(zone_cache[i].name);
		sm_tz_free(zone_cache[i].tz);
	}
	free(zone_cache);
	zone_cache = NULL;
	zone_cache_n = zone_cache_cap = 0;
	for (size_t i = 0; i < win_n; i++)
		free(win_names[i]);
	free(win_names);
	win_names = NULL;
	win_n = 0;
	win_loaded = 0;
	pthread_mutex_unlock(&zone_lock);
	icaltimezone_free_builtin_timezones();
}

/* The IANA part of a TZID: libical and Mozilla prefixes are dropped
 * ("/freeassociation.sourceforge.net/Tzfile/Europe/Paris"). */
static const char *
strip_tzid_prefix(const char *tzid)
{
	if (tzid[0] != '/')
		return tzid;
	static const char *const markers[] = {"/Tzfile/", "/Olson_"};
	for (size_t i = 0; i < sizeof(markers) / sizeof(*markers); i++) {
		const char *m = strstr(tzid, markers[i]);
		if (m) {
			m = strchr(m + 1, '/');
			return m ? m + 1 : tzid;
		}
	}
	/* "/vendor/version/Area/City": skip components until one looks
	 * like a zone area. */
	const char *p = tzid;
	while ((p = strchr(p + 1, '/')) != NULL) {
		if (isupper((unsigned char)p[1]) &&
		    sm_calendar_system_zone(p + 1))
			return p + 1;
	}
	return tzid;
}

/* The system zone a TZID names: IANA (prefixes stripped) or Windows. */
static const struct sm_tz *
system_zone_for(const char *tzid)
{
	const char *name = strip_tzid_prefix(tzid);
	const struct sm_tz *tz = sm_calendar_system_zone(name);
	if (!tz) {
		const char *win = sm_calendar_windows_zone(name);
		if (win)
			tz = sm_calendar_system_zone(win);
	}
	return tz;
}

/*
 * A file's VTIMEZONE that is truncated (covering only the years around its
 * export: a late first onset, or RDATE onsets that stop) says nothing of the
 * times outside that span, where RFC 5545 gives no answer: there the system
 * zone of the same name applies.  Within the span, the file is trusted.
 */
static const struct sm_tz *
splice_zone(struct loader *ld, const struct sm_tz *sys,
	    const struct sm_tz *file)
{
	for (size_t i = 0; i < ld->nspliced; i++)
		if (ld->spliced[i].file == file)
			return ld->spliced[i].tz;
	struct sm_tz *tz = sm_tz_new_spliced(sys, file);
	if (!tz)
		return file;
	struct sm_calendar *cal = ld->cal;
	cal->zones = grow(cal->zones, &cal->zones_cap, cal->nzones + 1,
			  sizeof(*cal->zones));
	cal->zones[cal->nzones++] = tz;
	ld->spliced = grow(ld->spliced, &ld->spliced_cap, ld->nspliced + 1,
			   sizeof(*ld->spliced));
	ld->spliced[ld->nspliced].file = file;
	ld->spliced[ld->nspliced].tz = tz;
	ld->nspliced++;
	return tz;
}

static void
resolve_zones(struct loader *ld)
{
	for (size_t i = 0; i < ld->nuses; i++) {
		struct sm_zone_ref *ref = ld->uses[i].ref;
		const struct sm_tz *tz = NULL;
		/* The file's own VTIMEZONE: same VCALENDAR first. */
		for (size_t k = 0; k < ld->nfzones && !tz; k++)
			if (ld->fzones[k].vcal == ld->uses[i].vcal &&
			    strcmp(ld->fzones[k].tzid, ref->tzid) == 0)
				tz = ld->fzones[k].tz;
		for (size_t k = 0; k < ld->nfzones && !tz; k++)
			if (strcmp(ld->fzones[k].tzid, ref->tzid) == 0)
				tz = ld->fzones[k].tz;
		const struct sm_tz *sys = system_zone_for(ref->tzid);
		if (!tz)
			tz = sys;
		else if (sys && (tz->covered_from > sys->covered_from ||
				 tz->covered_until < sys->covered_until))
			tz = splice_zone(ld, sys, tz);
		if (!tz)
			error_at(ld, ref->line,
				 "unknown time zone TZID=%s: add its VTIMEZONE "
				 "to the file or use an IANA name such as "
				 "Europe/Paris; its times are read as floating",
				 ref->tzid);
		ref->tz = tz;
	}
}

/* ---------------------------------------------------------------------
 * Converters.
 */

static int
find_line(struct loader *ld, const char *name, int nth)
{
	for (size_t i = 0; i < ld->nlines; i++)
		if (ld->lines[i].depth == 0 &&
		    strcmp(ld->lines[i].name, name) == 0 && nth-- == 0)
			return ld->lines[i].line;
	return ld->chunk_line;
}

/* The property's TZID parameter, trimmed (its length in *len), or NULL
 * when it has none or only blanks. */
static const char *
tzid_of(icalproperty *p, size_t *len)
{
	icalparameter *par =
		icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *tzid = par ? icalparameter_get_tzid(par) : NULL;
	if (!tzid)
		return NULL;
	tzid = tzid_trim(tzid, len);
	return *len ? tzid : NULL;
}

/* Fills an sm_dt from a time value and the TZID of its property.  A value
 * ending in Z is UTC even when a TZID is given too. */
static int
make_dt(struct loader *ld, struct icaltimetype t, icalproperty *p, int line,
	struct sm_dt *out)
{
	if (!time_ok(t))
		return -1;
	memset(out, 0, sizeof(*out));
	out->civil = civil_of(t);
	if (t.is_date) {
		out->kind = SM_DT_DATE;
	} else if (icaltime_is_utc(t)) {
		out->kind = SM_DT_UTC;
	} else {
		size_t len = 0;
		const char *tzid = p ? tzid_of(p, &len) : NULL;
		if (tzid) {
			out->kind = SM_DT_ZONED;
			out->zone = zone_ref(ld, tzid, len, line);
		} else {
			out->kind = SM_DT_FLOATING;
		}
	}
	return 0;
}

/* Grows a loader's temporary list to hold n items. */
static void
reserve_items(void *p, int *cap, int n, size_t sz)
{
	void **pp = p;
	if (n <= *cap)
		return;
	int c = *cap ? *cap : 8;
	while (c < n)
		c *= 2;
	void *q = realloc(*pp, (size_t)c * sz);
	if (!q)
		abort();
	*pp = q;
	*cap = c;
}

/* Appends the comma-separated items of s (trimmed, empty ones dropped) to
 * the post's platforms being converted (ld->plats). */
static void
split_platforms(struct loader *ld, const char *s, int *n, int *latin)
{
	const char *p = s;
	while (*p) {
		const char *e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		const char *b = p;
		while (b < e && isspace((unsigned char)*b))
			b++;
		const char *t = e;
		while (t > b && isspace((unsigned char)t[-1]))
			t--;
		if (t > b) {
			reserve_items(&ld->plats, &ld->plats_cap, *n + 1,
				      sizeof(*ld->plats));
			ld->plats[(*n)++] =
				text_intern_n(ld, b, (size_t)(t - b), latin);
		}
		p = *e ? e + 1 : e;
	}
}

/* A list of interned strings, itself shared with equal lists. */
static const char **
intern_list(struct loader *ld, const char **v, int n)
{
	if (n == 0)
		return NULL;
	return intern(ld, v, (size_t)n * sizeof(*v), INTERN_PTRS);
}

static const char *
x_value(icalproperty *p)
{
	const char *v = icalproperty_get_x(p);
	if (!v) {
		icalvalue *val = icalproperty_get_value(p);
		v = val ? icalvalue_as_ical_string(val) : NULL;
	}
	return v;
}

static void
convert_alarms(struct loader *ld, icalcomponent *c, struct sm_post *post)
{
	int n = icalcomponent_count_components(c, ICAL_VALARM_COMPONENT);
	if (n <= 0)
		return;
	/* Read into a temporary array, then interned (the same reminder on
	 * every post is one copy). */
	struct sm_alarm *alarms = calloc((size_t)n, sizeof(*alarms));
	if (!alarms)
		abort();
	for (icalcomponent *a = icalcomponent_get_first_component(
		     c, ICAL_VALARM_COMPONENT);
	     a;
	     a = icalcomponent_get_next_component(c, ICAL_VALARM_COMPONENT)) {
		icalproperty *tp = icalcomponent_get_first_property(
			a, ICAL_TRIGGER_PROPERTY);
		if (!tp) {
			warn(ld, ld->chunk_line,
			     "VALARM without TRIGGER ignored");
			continue;
		}
		struct icaltriggertype tr = icalproperty_get_trigger(tp);
		struct sm_alarm *al = &alarms[post->nalarms];
		memset(al, 0, sizeof(*al));
		if (!icaltime_is_null_time(tr.time)) {
			if (!time_ok(tr.time)) {
				warn(ld, ld->chunk_line,
				     "VALARM with a bad TRIGGER time ignored");
				continue;
			}
			al->kind = SM_ALARM_ABSOLUTE;
			/* RFC 5545: an absolute trigger is in UTC. */
			al->value = civil_of(tr.time);
		} else {
			icalparameter *rel = icalproperty_get_first_parameter(
				tp, ICAL_RELATED_PARAMETER);
			al->kind = rel && icalparameter_get_related(rel) ==
							   ICAL_RELATED_END
					   ? SM_ALARM_BEFORE_END
					   : SM_ALARM_BEFORE_START;
			al->value = icaldurationtype_as_int(tr.duration);
		}
		icalproperty *rp = icalcomponent_get_first_property(
			a, ICAL_REPEAT_PROPERTY);
		icalproperty *dp = icalcomponent_get_first_property(
			a, ICAL_DURATION_PROPERTY);
		if (rp && dp) {
			al->repeat = icalproperty_get_repeat(rp);
			al->repeat_gap = icaldurationtype_as_int(
				icalproperty_get_duration(dp));
			if (al->repeat < 0 || al->repeat > 1000 ||
			    al->repeat_gap <= 0) {
				al->repeat = 0;
				al->repeat_gap = 0;
			}
		} else if (rp && icalproperty_get_repeat(rp) > 0) {
			warn(ld, ld->chunk_line,
			     "VALARM REPEAT without DURATION: repetitions "
			     "ignored");
		}
		post->nalarms++;
	}
	if (post->nalarms > 0)
		post->alarms = intern(ld, alarms,
				      (size_t)post->nalarms * sizeof(*alarms),
				      INTERN_ALARMS);
	free(alarms);
}

static struct sm_dt *
collect_dates(struct loader *ld, icalcomponent *c, icalproperty_kind kind,
	      const char *name, int *count)
{
	int n = icalcomponent_count_properties(c, kind);
	*count = 0;
	if (n <= 0)
		return NULL;
	struct sm_dt *v =
		sm_arena_alloc(&ld->cal->arena, (size_t)n * sizeof(*v));
	int k = 0;
	for (icalproperty *p = icalcomponent_get_first_property(c, kind); p;
	     p = icalcomponent_get_next_property(c, kind), k++) {
		struct icaltimetype t;
		if (kind == ICAL_RDATE_PROPERTY) {
			struct icaldatetimeperiodtype dp =
				icalproperty_get_rdate(p);
			t = icaltime_is_null_time(dp.time) ? dp.period.start
							   : dp.time;
		} else {
			t = icalproperty_get_exdate(p);
		}
		int line = find_line(ld, name, k);
		if (make_dt(ld, t, p, line, &v[*count]) < 0) {
			warn(ld, line, "%s value is not a valid date or time",
			     name);
			continue;
		}
		(*count)++;
	}
	return v;
}

static void
derive_uid(struct loader *ld, struct sm_post *post, icalcomponent *c)
{
	/* FNV-1a over what identifies the post for a human: start, title,
	 * body, so the id survives reordering of the file. */
	uint64_t h = 1469598103934665603ULL;
	const char *parts[3] = {NULL, icalcomponent_get_summary(c),
				icalcomponent_get_description(c)};
	char start[40];
	snprintf(start, sizeof(start), "%lld/%d", (long long)post->start.civil,
		 (int)post->start.kind);
	parts[0] = start;
	for (int i = 0; i < 3; i++) {
		for (const char *s = parts[i]; s && *s; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	char buf[40];
	snprintf(buf, sizeof(buf), "smcal-derived-%016llx",
		 (unsigned long long)h);
	post->uid = sm_arena_strdup(&ld->cal->arena, buf);
	post->uid_derived = 1;
	warn(ld, ld->chunk_line,
	     "component has no UID: using %s (add a UID so edits keep the "
	     "post's identity)",
	     buf);
}

static struct sm_post *
new_post(struct sm_calendar *cal)
{
	cal->posts = grow(cal->posts, &cal->cap, cal->nposts + 1,
			  sizeof(*cal->posts));
	struct sm_post *p = &cal->posts[cal->nposts++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* More occurrences a day than a content calendar needs (hourly is the
 * most a team posts): lint says so, the daemon caps what fires. */
#define DENSE_PER_DAY 24

static void
warn_dense(struct loader *ld, int line, const struct sm_rrule *rule)
{
	static const char *const freq[] = {"",	      "SECONDLY", "MINUTELY",
					   "HOURLY",  "DAILY",	  "WEEKLY",
					   "MONTHLY", "YEARLY"};
	int64_t n = sm_rrule_max_per_day(rule);
	if (rule->freq > SM_FREQ_MINUTELY && n <= DENSE_PER_DAY)
		return;
	if (rule->count && rule->count <= DENSE_PER_DAY)
		return; /* a handful in all */
	warn(ld, line,
	     "RRULE FREQ=%s can fire up to %lld times a day: denser than a "
	     "content calendar needs (use HOURLY or coarser, or fewer "
	     "BYMINUTE/BYSECOND values); the daemon fires at most series_cap "
	     "events of a series a minute",
	     freq[rule->freq], (long long)n);
}

/* Parses the post's RRULEs into ld->rules (post->nrrules of them); the
 * caller interns them once they are final. */
static void
convert_rules(struct loader *ld, struct sm_post *post)
{
	int nr = 0;
	for (size_t i = 0; i < ld->nraws; i++)
		nr += ld->raws[i].kind == RAW_RRULE;
	reserve_items(&ld->rules, &ld->rules_cap, nr, sizeof(*ld->rules));
	for (size_t i = 0; i < ld->nraws; i++) {
		struct raw_prop *r = &ld->raws[i];
		if (r->kind == RAW_EXRULE) {
			/* RFC 5545 dropped EXRULE (RFC 2445 had it); like
			 * other RFC 5545 readers, smcal ignores it. */
			warn(ld, r->line,
			     "EXRULE is not part of RFC 5545 and is ignored: "
			     "list the dates to skip with EXDATE");
			continue;
		}
		if (r->kind != RAW_RRULE)
			continue;
		struct sm_rrule rule;
		char err[160];
		/* Zeroed padding: equal rules compare equal as bytes. */
		memset(&rule, 0, sizeof(rule));
		int prc = sm_rrule_parse(r->text, &rule, err, sizeof(err));
		if (prc < 0) {
			error_at(ld, r->line, "RRULE ignored: %s", err);
			continue;
		}
		if (prc > 0)
			warn(ld, r->line, "RRULE: %s", err);
		if (rule.count && rule.until_kind != SM_UNTIL_NONE)
			warn(ld, r->line,
			     "RRULE has both COUNT and UNTIL (RFC 5545 allows "
			     "one): the series ends at whichever comes first");
		warn_dense(ld, r->line, &rule);
		ld->rules[post->nrrules++] = rule;
	}
}

/*
 * CATEGORIES values, split at the commas that are not escaped and
 * unescaped (RFC 5545 3.3.11: "\," is a comma inside a value).
 */
static void
convert_categories(struct loader *ld, struct sm_post *post, int *latin)
{
	int cap = 0;
	for (size_t i = 0; i < ld->nraws; i++)
		if (ld->raws[i].kind == RAW_CATEGORIES)
			for (const char *q = ld->raws[i].text; *q; q++)
				cap += *q == ',';
	for (size_t i = 0; i < ld->nraws; i++)
		cap += ld->raws[i].kind == RAW_CATEGORIES;
	if (cap == 0)
		return;
	reserve_items(&ld->cats, &ld->cats_cap, cap, sizeof(*ld->cats));
	struct strbuf item = {0};
	for (size_t i = 0; i < ld->nraws; i++) {
		if (ld->raws[i].kind != RAW_CATEGORIES)
			continue;
		for (const char *q = ld->raws[i].text;; q++) {
			if (*q == '\\' && q[1]) {
				q++;
				char c = *q == 'n' || *q == 'N' ? '\n' : *q;
				sb_add(&item, &c, 1);
				continue;
			}
			if (*q && *q != ',') {
				sb_add(&item, q, 1);
				continue;
			}
			/* End of an item: trimmed, empty ones dropped. */
			size_t b = 0, e = item.len;
			while (b < e && isspace((unsigned char)item.s[b]))
				b++;
			while (e > b && isspace((unsigned char)item.s[e - 1]))
				e--;
			if (e > b)
				ld->cats[post->ncategories++] = text_intern_n(
					ld, item.s + b, e - b, latin);
			item.len = 0;
			if (!*q)
				break;
		}
	}
	free(item.s);
	post->categories = intern_list(ld, ld->cats, post->ncategories);
}

static void
convert_post(struct loader *ld, icalcomponent *c, int is_todo)
{
	struct sm_arena *a = &ld->cal->arena;
	int latin = 0;
	icalproperty *ds =
		icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
	icalproperty *due =
		icalcomponent_get_first_property(c, ICAL_DUE_PROPERTY);
	icalproperty *startp = ds ? ds : (is_todo ? due : NULL);
	if (!startp) {
		if (is_todo) /* A task without dates is no post: skip. */
			return;
		error_at(ld, ld->chunk_line,
			 "VEVENT without DTSTART skipped: add DTSTART with the "
			 "publish time");
		return;
	}
	struct sm_post *post = new_post(ld->cal);
	post->file = ld->file;
	post->line = ld->chunk_line;
	post->is_todo = is_todo;
	const char *sname = startp == ds ? "DTSTART" : "DUE";
	struct icaltimetype st = startp == ds ? icalproperty_get_dtstart(startp)
					      : icalproperty_get_due(startp);
	if (make_dt(ld, st, startp, find_line(ld, sname, 0), &post->start) <
	    0) {
		error_at(ld, find_line(ld, sname, 0),
			 "%s is not a valid date or date-time: component "
			 "skipped",
			 sname);
		ld->cal->nposts--;
		return;
	}

	const char *uid = icalcomponent_get_uid(c);
	if (uid && *uid)
		post->uid = text_intern(ld, uid, &latin); /* overrides' too */
	else
		derive_uid(ld, post, c);

	post->title = text_intern(ld, icalcomponent_get_summary(c), &latin);
	post->body = text_dup(a, icalcomponent_get_description(c), &latin);

	icalproperty *endp =
		icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
	if (!endp && is_todo && ds)
		endp = due;
	if (endp) {
		struct icaltimetype et = endp == due
						 ? icalproperty_get_due(endp)
						 : icalproperty_get_dtend(endp);
		int line = find_line(ld, endp == due ? "DUE" : "DTEND", 0);
		if (make_dt(ld, et, endp, line, &post->end) == 0)
			post->has_end = 1;
		else
			warn(ld, line, "end time is not valid: ignored");
	}
	icalproperty *durp =
		icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY);
	if (durp && !post->has_end) {
		post->duration = icaldurationtype_as_int(
			icalproperty_get_duration(durp));
		post->has_duration = 1;
	}

	convert_rules(ld, post);
	post->rdates = collect_dates(ld, c, ICAL_RDATE_PROPERTY, "RDATE",
				     &post->nrdates);
	post->exdates = collect_dates(ld, c, ICAL_EXDATE_PROPERTY, "EXDATE",
				      &post->nexdates);

	icalproperty *rid =
		icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	if (rid) {
		int line = find_line(ld, "RECURRENCE-ID", 0);
		if (make_dt(ld, icalproperty_get_recurrenceid(rid), rid, line,
			    &post->recurrence_id) == 0) {
			post->is_override = 1;
			icalparameter *rg = icalproperty_get_first_parameter(
				rid, ICAL_RANGE_PARAMETER);
			post->this_and_future =
				rg && icalparameter_get_range(rg) ==
					      ICAL_RANGE_THISANDFUTURE;
		} else {
			error_at(ld, line,
				 "RECURRENCE-ID is not a valid date or time: "
				 "treated as a separate post");
		}
	}

	icalproperty *stp =
		icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
	if (stp) {
		icalproperty_status s = icalproperty_get_status(stp);
		if (s == ICAL_STATUS_CANCELLED)
			post->status = SM_POST_CANCELLED;
		else if (s == ICAL_STATUS_TENTATIVE)
			post->status = SM_POST_DRAFT;
	}
	icalproperty *seq =
		icalcomponent_get_first_property(c, ICAL_SEQUENCE_PROPERTY);
	if (seq)
		post->sequence = icalproperty_get_sequence(seq);

	convert_categories(ld, post, &latin);
	icalproperty *up =
		icalcomponent_get_first_property(c, ICAL_URL_PROPERTY);
	if (up)
		post->url = text_dup(a, icalproperty_get_url(up), &latin);
	int nat = icalcomponent_count_properties(c, ICAL_ATTACH_PROPERTY);
	if (nat > 0) {
		post->attachments =
			sm_arena_alloc(a, (size_t)nat * sizeof(char *));
		for (icalproperty *p = icalcomponent_get_first_property(
			     c, ICAL_ATTACH_PROPERTY);
		     p; p = icalcomponent_get_next_property(
				c, ICAL_ATTACH_PROPERTY)) {
			icalattach *at = icalproperty_get_attach(p);
			if (at && icalattach_get_is_url(at))
				post->attachments[post->nattachments++] =
					text_intern(ld, icalattach_get_url(at),
						    &latin);
		}
	}
	for (icalproperty *p =
		     icalcomponent_get_first_property(c, ICAL_X_PROPERTY);
	     p; p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(p);
		const char *v = x_value(p);
		if (!name || !v)
			continue;
		if (strcasecmp(name, "X-SMCAL-PLATFORM") == 0)
			split_platforms(ld, v, &post->nplatforms, &latin);
		else if (strcasecmp(name, "X-SMCAL-TYPE") == 0)
			post->type = text_intern(ld, v, &latin);
		else if (strcasecmp(name, "X-SMCAL-PERSONA") == 0)
			post->persona = text_intern(ld, v, &latin);
		else if (strcasecmp(name, "X-SMCAL-CAMPAIGN") == 0)
			post->campaign = text_intern(ld, v, &latin);
		else if (strcasecmp(name, "X-SMCAL-WEBHOOK") == 0)
			post->webhook = text_intern(ld, v, &latin);
	}
	post->platforms = intern_list(ld, ld->plats, post->nplatforms);
	convert_alarms(ld, c, post);

	if (post->start.kind == SM_DT_DATE && post->nrrules) {
		for (int i = 0; i < post->nrrules; i++)
			if (ld->rules[i].until_kind == SM_UNTIL_LOCAL)
				ld->rules[i].until_kind = SM_UNTIL_DATE;
	}
	if (post->nrrules)
		post->rrules =
			intern(ld, ld->rules,
			       (size_t)post->nrrules * sizeof(*ld->rules),
			       INTERN_RULES);
	if (latin && !ld->latin_warned) {
		ld->latin_warned = 1;
		warn(ld, ld->chunk_line,
		     "text is not valid UTF-8: read as Windows-1252 (save the "
		     "file as UTF-8)");
	}
}

static void
convert_vtimezone(struct loader *ld, icalcomponent *c)
{
	icalproperty *tp =
		icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
	const char *raw = tp ? icalproperty_get_tzid(tp) : NULL;
	size_t len = 0;
	if (raw)
		raw = tzid_trim(raw, &len);
	if (!len) {
		warn(ld, ld->chunk_line, "VTIMEZONE without TZID ignored");
		return;
	}
	char *tzid = strndup(raw, len);
	if (!tzid)
		abort();
	char why[128];
	struct sm_tz *tz = zone_from_vtimezone(c, tzid, why, sizeof(why));
	if (!tz) {
		warn(ld, ld->chunk_line,
		     "VTIMEZONE %s is unusable (%s): the system's zone of "
		     "that name is used if there is one",
		     tzid, why);
		free(tzid);
		return;
	}
	if (why[0])
		warn(ld, ld->chunk_line,
		     "VTIMEZONE %s: %s: that part is ignored", tzid, why);
	struct sm_calendar *cal = ld->cal;
	cal->zones = grow(cal->zones, &cal->zones_cap, cal->nzones + 1,
			  sizeof(*cal->zones));
	cal->zones[cal->nzones++] = tz;
	ld->fzones = grow(ld->fzones, &ld->fzones_cap, ld->nfzones + 1,
			  sizeof(*ld->fzones));
	ld->fzones[ld->nfzones].tzid = tzid;
	ld->fzones[ld->nfzones].vcal = ld->vcal;
	ld->fzones[ld->nfzones].tz = tz;
	ld->nfzones++;
}

/* Does the chunk's line at offset off contain needle? */
static int
chunk_line_has(const struct loader *ld, size_t off, const char *needle,
	       size_t n)
{
	const char *line = ld->chunk.s + off;
	const char *end = strstr(line, "\r\n");
	size_t len = end ? (size_t)(end - line) : strlen(line);
	if (n == 0 || n > len)
		return n == 0;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(line + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * The line an X-LIC-ERROR is about.  libical's messages name the property
 * ("... in RDATE property. Removing entire property: 2024...") or the bad
 * name ("Parse error in property name: c"); the first line of the chunk
 * with that name (and value) is the one.  Else the component's BEGIN line.
 */
static int
lic_error_line(const struct loader *ld, const char *msg)
{
	if (!msg)
		return ld->chunk_line;
	char name[24] = "";
	const char *value = "";
	const char *pn = strstr(msg, "property name: ");
	const char *in = strstr(msg, " in ");
	if (pn) {
		snprintf(name, sizeof(name), "%s", pn + 15);
	} else if (in) {
		const char *e = strstr(in + 4, " property");
		if (e && (size_t)(e - in - 4) < sizeof(name)) {
			memcpy(name, in + 4, (size_t)(e - in - 4));
			name[e - in - 4] = '\0';
		}
		const char *colon = strrchr(msg, ':');
		if (colon && colon[1] == ' ')
			value = colon + 2;
	}
	for (char *q = name; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	if (!name[0])
		return ld->chunk_line;
	for (size_t i = 0; i < ld->nlines; i++)
		if (strcmp(ld->lines[i].name, name) == 0 &&
		    chunk_line_has(ld, ld->lines[i].off, value, strlen(value)))
			return ld->lines[i].line;
	return ld->chunk_line;
}

static void
report_lic_errors(struct loader *ld, icalcomponent *c)
{
	for (icalproperty *p = icalcomponent_get_first_property(
		     c, ICAL_XLICERROR_PROPERTY);
	     p;
	     p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		const char *msg = icalproperty_get_xlicerror(p);
		/* RRULE values are read (and reported) by rrule.c. */
		if (msg && strstr(msg, "RECUR value"))
			continue;
		int line = lic_error_line(ld, msg);
		if (line != ld->chunk_line) {
			warn(ld, line, "%s", msg);
			continue;
		}
		const char *kind =
			icalcomponent_kind_to_string(icalcomponent_isa(c));
		warn(ld, line, "in the %s starting here: %s",
		     kind ? kind : "component", msg ? msg : "parse error");
	}
	for (icalcomponent *s =
		     icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	     s; s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		report_lic_errors(ld, s);
}

static void
finish_chunk(struct loader *ld)
{
	icalcomponent *c = NULL;
	if (ld->chunk_skip)
		goto done; /* reported when it went over a limit */
	c = icalparser_parse_string(ld->chunk.s);
	if (c && icalcomponent_isa(c) == ICAL_XROOT_COMPONENT) {
		/* Several components in one string come back under a root. */
		icalcomponent *inner = icalcomponent_get_first_component(
			c, ICAL_ANY_COMPONENT);
		if (inner) {
			icalcomponent_remove_component(c, inner);
			icalcomponent_free(c);
			c = inner;
		}
	}
	if (!c) {
		error_at(ld, ld->chunk_line,
			 "component could not be parsed: skipped");
	} else {
		report_lic_errors(ld, c);
		switch (icalcomponent_isa(c)) {
		case ICAL_VEVENT_COMPONENT:
			convert_post(ld, c, 0);
			break;
		case ICAL_VTODO_COMPONENT:
			convert_post(ld, c, 1);
			break;
		case ICAL_VTIMEZONE_COMPONENT:
			convert_vtimezone(ld, c);
			break;
		default:
			break; /* VJOURNAL, VFREEBUSY: not posts. */
		}
		icalcomponent_free(c);
	}
done:
	ld->chunk_skip = 0;
	ld->chunk.len = 0;
	if (ld->chunk.s)
		ld->chunk.s[0] = '\0';
	ld->nlines = 0;
	for (size_t i = 0; i < ld->nraws; i++)
		free(ld->raws[i].text);
	ld->nraws = 0;
	ld->collecting = -1;
}

/* ---------------------------------------------------------------------
 * Structure walker.
 */

/* Pieces of a long line handed to libical: it reads lines in small
 * pieces and rescans what it has for each, so an unfolded megabyte costs
 * it seconds; folded, it is linear. */
#define FOLD_AT 960

static void
chunk_add_line(struct loader *ld, const char *s, size_t len)
{
	if (ld->chunk_skip)
		return;
	if (ld->chunk.len + len > SM_CALENDAR_MAX_COMPONENT) {
		error_at(ld, ld->chunk_line,
			 "BEGIN:%s: the component is over %d MiB: skipped "
			 "(a post's text and attachments fit in far less)",
			 ld->stack[ld->collecting],
			 SM_CALENDAR_MAX_COMPONENT >> 20);
		ld->chunk_skip = 1;
		return;
	}
	while (len > FOLD_AT) {
		/* Never between the bytes of one UTF-8 character. */
		size_t cut = FOLD_AT;
		while (cut > FOLD_AT - 4 &&
		       ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		sb_add(&ld->chunk, s, cut);
		sb_add(&ld->chunk, "\r\n ", 3);
		s += cut;
		len -= cut;
	}
	sb_add(&ld->chunk, s, len);
	sb_add(&ld->chunk, "\r\n", 2);
}

/* Closes stack levels down to (and including) level, writing END lines
 * into the chunk for levels inside the collected component. */
static void
close_to(struct loader *ld, int level)
{
	while (ld->depth > level) {
		ld->depth--;
		if (ld->collecting >= 0 && ld->depth >= ld->collecting) {
			sb_adds(&ld->chunk, "END:");
			sb_adds(&ld->chunk, ld->stack[ld->depth]);
			sb_add(&ld->chunk, "\r\n", 2);
			if (ld->depth == ld->collecting)
				finish_chunk(ld);
		}
		if (strcmp(ld->stack[ld->depth], "VCALENDAR") == 0)
			ld->vcal = -1;
	}
}

static void
handle_begin(struct loader *ld, const char *what, const char *s, size_t len,
	     int line)
{
	if (ld->collecting >= 0 &&
	    (is_top_kind(what) || strcmp(what, "VCALENDAR") == 0)) {
		warn(ld, line,
		     "BEGIN:%s inside %s (line %d) that never ended: closing "
		     "it here",
		     what, ld->stack[ld->collecting],
		     ld->stack_line[ld->collecting]);
		close_to(ld, ld->collecting);
	}
	if (strcmp(what, "VCALENDAR") == 0 && ld->depth > 0 &&
	    ld->collecting < 0) {
		warn(ld, line, "BEGIN:VCALENDAR inside %s: closing it",
		     ld->stack[ld->depth - 1]);
		close_to(ld, 0);
	}
	if (ld->depth >= MAX_DEPTH) {
		error_at(ld, line, "components nested too deep: skipped");
		return;
	}
	snprintf(ld->stack[ld->depth], sizeof(ld->stack[0]), "%s", what);
	ld->stack_line[ld->depth] = line;
	if (strcmp(what, "VCALENDAR") == 0) {
		ld->vcal = ld->nvcal++;
	} else if (ld->collecting < 0 &&
		   (ld->depth == 0 ||
		    strcmp(ld->stack[ld->depth - 1], "VCALENDAR") == 0)) {
		ld->collecting = ld->depth;
		ld->chunk_line = line;
		ld->chunk.len = 0;
		if (ld->vcal < 0 && ld->depth == 0) {
			/* Components with no VCALENDAR around them. */
			ld->vcal = ld->nvcal;
		}
	}
	ld->depth++;
	if (ld->collecting >= 0)
		chunk_add_line(ld, s, len);
}

static void
handle_end(struct loader *ld, const char *what, int line)
{
	int level = -1;
	for (int i = ld->depth - 1; i >= 0; i--)
		if (strcmp(ld->stack[i], what) == 0) {
			level = i;
			break;
		}
	if (level < 0) {
		warn(ld, line, "END:%s without a matching BEGIN: ignored",
		     what);
		return;
	}
	if (level != ld->depth - 1)
		warn(ld, line, "END:%s also closes BEGIN:%s (line %d)", what,
		     ld->stack[ld->depth - 1], ld->stack_line[ld->depth - 1]);
	close_to(ld, level);
}

static void
record_line(struct loader *ld, const char *name, const char *s, size_t len,
	    int line)
{
	int depth = ld->depth - 1 - ld->collecting;
	ld->lines = grow(ld->lines, &ld->lines_cap, ld->nlines + 1,
			 sizeof(*ld->lines));
	struct line_info *li = &ld->lines[ld->nlines++];
	snprintf(li->name, sizeof(li->name), "%s", name);
	li->line = line;
	li->off = ld->chunk.len;
	li->depth = depth;
	if (depth != 0)
		return;
	size_t vlen;
	const char *v = line_value(s, len, &vlen);
	enum raw_kind kind;
	if (strcmp(name, "RRULE") == 0)
		kind = RAW_RRULE;
	else if (strcmp(name, "EXRULE") == 0)
		kind = RAW_EXRULE;
	else if (strcmp(name, "CATEGORIES") == 0)
		kind = RAW_CATEGORIES;
	else {
		/* libical splits "RDATE:a,b" into one property per value:
		 * one entry per value keeps find_line's count aligned. */
		if (v && (strcmp(name, "RDATE") == 0 ||
			  strcmp(name, "EXDATE") == 0)) {
			for (size_t k = 0; k < vlen; k++) {
				if (v[k] != ',')
					continue;
				ld->lines = grow(ld->lines, &ld->lines_cap,
						 ld->nlines + 1,
						 sizeof(*ld->lines));
				ld->lines[ld->nlines] =
					ld->lines[ld->nlines - 1];
				ld->nlines++;
			}
		}
		return;
	}
	ld->raws =
		grow(ld->raws, &ld->raws_cap, ld->nraws + 1, sizeof(*ld->raws));
	struct raw_prop *r = &ld->raws[ld->nraws++];
	r->kind = kind;
	r->line = line;
	r->text = strndup(v ? v : "", vlen);
	if (!r->text)
		abort();
}

/* Records the file's first X-WR-TIMEZONE, after those of earlier files. */
static void
add_x_wr_timezone(struct loader *ld, const char *v, size_t vlen, int line)
{
	struct sm_arena *a = &ld->cal->arena;
	struct sm_x_wr_timezone *x = sm_arena_alloc(a, sizeof(*x));
	x->file = ld->file;
	x->line = line;
	x->zone = sm_arena_strndup(a, v, vlen);
	x->next = NULL;
	struct sm_x_wr_timezone **tail = &ld->cal->x_wr_timezones;
	while (*tail)
		tail = &(*tail)->next;
	*tail = x;
	ld->x_wr_seen = 1;
}

static int
is_date_with_z(const char *name, const char *v, size_t vlen)
{
	if (vlen != 9 || v[8] != 'Z')
		return 0;
	for (int i = 0; i < 8; i++)
		if (!isdigit((unsigned char)v[i]))
			return 0;
	return strcmp(name, "RDATE") == 0 || strcmp(name, "EXDATE") == 0 ||
	       strcmp(name, "DTSTART") == 0 || strcmp(name, "DTEND") == 0 ||
	       strcmp(name, "DUE") == 0 || strcmp(name, "RECURRENCE-ID") == 0;
}

static void
handle_line(struct loader *ld, const char *s, size_t len, int line)
{
	char name[24];
	size_t nlen = line_name(s, len, name, sizeof(name));
	if (nlen == 0) {
		warn(ld, line, "not a content line (NAME:VALUE): ignored");
		return;
	}
	size_t vlen;
	const char *v = line_value(s, len, &vlen);
	if (!v) {
		warn(ld, line, "%s has no ':' and value: ignored", name);
		return;
	}
	if (strcmp(name, "BEGIN") == 0 || strcmp(name, "END") == 0) {
		char what[24];
		size_t k = 0;
		while (k < vlen && k < sizeof(what) - 1 &&
		       !isspace((unsigned char)v[k])) {
			what[k] = (char)toupper((unsigned char)v[k]);
			k++;
		}
		what[k] = '\0';
		if (k == 0) {
			warn(ld, line, "%s without a component name: ignored",
			     name);
			return;
		}
		if (name[0] == 'B')
			handle_begin(ld, what, s, len, line);
		else
			handle_end(ld, what, line);
		return;
	}
	if (ld->collecting >= 0) {
		record_line(ld, name, s, len, line);
		if (is_date_with_z(name, v, vlen)) {
			/* "RDATE:20131210Z" (Google birthdays): a DATE with a
			 * stray Z; libical would drop the whole property. */
			warn(ld, line,
			     "%s value %.9s is a date with a 'Z': read as the "
			     "date %.8s",
			     name, v, v);
			struct strbuf fixed = {0};
			sb_add(&fixed, s, (size_t)(v - s) - 1);
			sb_adds(&fixed, ";VALUE=DATE:");
			sb_add(&fixed, v, 8);
			chunk_add_line(ld, fixed.s, fixed.len);
			free(fixed.s);
			return;
		}
		chunk_add_line(ld, s, len);
		return;
	}
	if (ld->depth > 0 &&
	    strcmp(ld->stack[ld->depth - 1], "VCALENDAR") == 0) {
		if (strcmp(name, "VERSION") == 0)
			ld->saw_version = 1;
		else if (strcmp(name, "X-WR-TIMEZONE") == 0 && !ld->x_wr_seen &&
			 vlen > 0)
			add_x_wr_timezone(ld, v, vlen, line);
		return;
	}
	if (ld->depth == 0)
		warn(ld, line, "%s outside any component: ignored", name);
}

/* ---------------------------------------------------------------------
 * Line walker.
 */

/* Property names of RFC 5545 and RFC 7986, for telling a real content
 * line from a piece of text folded without its leading space. */
static const char *const known_names[] = {"ACKNOWLEDGED",
					  "ACTION",
					  "ATTACH",
					  "ATTENDEE",
					  "BEGIN",
					  "CALSCALE",
					  "CATEGORIES",
					  "CLASS",
					  "COLOR",
					  "COMMENT",
					  "COMPLETED",
					  "CONFERENCE",
					  "CONTACT",
					  "CREATED",
					  "DESCRIPTION",
					  "DTEND",
					  "DTSTAMP",
					  "DTSTART",
					  "DUE",
					  "DURATION",
					  "END",
					  "EXDATE",
					  "EXRULE",
					  "FREEBUSY",
					  "GEO",
					  "IMAGE",
					  "LAST-MODIFIED",
					  "LOCATION",
					  "METHOD",
					  "NAME",
					  "ORGANIZER",
					  "PERCENT-COMPLETE",
					  "PRIORITY",
					  "PRODID",
					  "RDATE",
					  "RECURRENCE-ID",
					  "REFRESH-INTERVAL",
					  "RELATED-TO",
					  "REPEAT",
					  "REQUEST-STATUS",
					  "RESOURCES",
					  "RRULE",
					  "SEQUENCE",
					  "SOURCE",
					  "STATUS",
					  "SUMMARY",
					  "TRANSP",
					  "TRIGGER",
					  "TZID",
					  "TZNAME",
					  "TZOFFSETFROM",
					  "TZOFFSETTO",
					  "TZURL",
					  "UID",
					  "URL",
					  "VERSION"};

static int
looks_like_content_line(const char *s, size_t len)
{
	char name[24];
	if (line_name(s, len, name, sizeof(name)) == 0)
		return 0;
	if (strncmp(name, "X-", 2) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(known_names) / sizeof(*known_names); i++)
		if (strcmp(name, known_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * Logical lines pass through a one-line delay: a line that does not start
 * with NAME: or NAME; is most likely the rest of the line before it, folded
 * without the leading space (Outlook does this to long descriptions), so it
 * is joined to it rather than lost.
 */
struct unfolder {
	struct strbuf pending; /* the previous logical line */
	int pending_line;
	size_t pending_total; /* its length; only the first bytes are kept
				 when it is over the limit */
	struct strbuf cur;    /* the logical line being unfolded */
	int cur_line;
	size_t cur_total;
};

/* Bytes kept beyond the value limit for the name and parameters. */
#define LINE_HEAD_MAX 4096

/* Appends to a logical line, keeping at most a little more than the value
 * limit: an endless line costs no memory. */
static void
line_add(struct strbuf *b, size_t *total, const char *s, size_t n)
{
	*total += n;
	size_t keep = SM_CALENDAR_MAX_PROPERTY + LINE_HEAD_MAX;
	if (b->len < keep)
		sb_add(b, s, n < keep - b->len ? n : keep - b->len);
}

/* Hands a complete logical line on, unless it is over the limit: then its
 * component is skipped. */
static void
line_done(struct loader *ld, const char *s, size_t len, size_t total, int line)
{
	size_t vlen;
	const char *v = line_value(s, len, &vlen);
	size_t value = total - (v ? (size_t)(v - s) : 0);
	if (value <= SM_CALENDAR_MAX_PROPERTY && total == len) {
		handle_line(ld, s, len, line);
		return;
	}
	char name[24];
	if (line_name(s, len, name, sizeof(name)) == 0)
		snprintf(name, sizeof(name), "a line");
	if (ld->collecting >= 0) {
		error_at(ld, line,
			 "%s is %zu bytes long, over the limit of %d MiB for "
			 "one property: the %s at line %d is skipped",
			 name, value, SM_CALENDAR_MAX_PROPERTY >> 20,
			 ld->stack[ld->collecting], ld->chunk_line);
		ld->chunk_skip = 1;
	} else {
		warn(ld, line,
		     "%s is %zu bytes long, over the limit of %d MiB for "
		     "one property: ignored",
		     name, value, SM_CALENDAR_MAX_PROPERTY >> 20);
	}
}

static void
unfolder_complete(struct loader *ld, struct unfolder *u)
{
	if (!u->cur.len)
		return;
	if (u->pending.len && !looks_like_content_line(u->cur.s, u->cur.len) &&
	    ld->collecting >= 0) {
		warn(ld, u->cur_line,
		     "line does not start with a property name: joined to "
		     "the line before (a folded line missing its leading "
		     "space?)");
		line_add(&u->pending, &u->pending_total, u->cur.s, u->cur.len);
		u->pending_total += u->cur_total - u->cur.len;
	} else {
		if (u->pending.len)
			line_done(ld, u->pending.s, u->pending.len,
				  u->pending_total, u->pending_line);
		u->pending.len = 0;
		u->pending_total = 0;
		line_add(&u->pending, &u->pending_total, u->cur.s, u->cur.len);
		u->pending_total = u->cur_total;
		u->pending_line = u->cur_line;
		/* BEGIN and END change the structure at once. */
		if (u->pending.len > 3 &&
		    (strncasecmp(u->pending.s, "BEGIN:", 6) == 0 ||
		     strncasecmp(u->pending.s, "END:", 4) == 0)) {
			line_done(ld, u->pending.s, u->pending.len,
				  u->pending_total, u->pending_line);
			u->pending.len = 0;
			u->pending_total = 0;
		}
	}
	u->cur.len = 0;
	u->cur_total = 0;
}

/* A load in progress: the loader plus the line walker's state, so that a
 * file can be fed in blocks and never held whole in memory. */
struct reader {
	struct loader ld;
	struct unfolder u;
	int lineno;
	int saw_content;
	int started;
	int rejected; /* not text at all: reported once, the rest ignored */
};

/*
 * Whole-file checks.  A file that is not text (an image, an archive, a
 * binary saved under the calendar's name) or UTF-16 text is rejected as a
 * whole, from a sample of its start, instead of being walked line by line
 * into hundreds of warnings and no posts.  A stray NUL or control byte in a
 * text file stays a per-line warning: the sample tolerates up to 1 in 32.
 */
#define TEXT_SAMPLE (64 * 1024)

static int
is_text(const unsigned char *s, size_t n)
{
	size_t ctl = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\f' && s[i] != '\v' &&
		    s[i] != 0x1a) /* DOS end-of-file mark */
			ctl++;
	return ctl * 32 <= n;
}

/* Returns 0 when the start of the data can be walked as lines, else -1
 * after reporting why not. */
static int
check_start(struct loader *ld, const unsigned char *s, size_t n)
{
	if (n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) ||
		       (s[0] == 0xfe && s[1] == 0xff))) {
		error_at(ld, 0,
			 "file is UTF-16 text: smcal reads UTF-8 (or "
			 "Windows-1252); convert it, e.g. iconv -f UTF-16 -t "
			 "UTF-8");
		return -1;
	}
	size_t sample = n < TEXT_SAMPLE ? n : TEXT_SAMPLE;
	if (!is_text(s, sample)) {
		error_at(ld, 0,
			 "not a text file (binary data: control bytes in its "
			 "first %zu bytes): not an iCalendar file, nothing "
			 "loaded",
			 sample);
		return -1;
	}
	return 0;
}

static void
reader_start(struct reader *r, struct sm_calendar *cal, const char *label,
	     struct sm_diag_list *diags)
{
	memset(r, 0, sizeof(*r));
	r->ld.cal = cal;
	r->ld.diags = diags;
	r->ld.file = sm_arena_strdup(&cal->arena, label ? label : "<input>");
	r->ld.vcal = -1;
	r->ld.collecting = -1;
}

/*
 * Walks the complete lines of data; returns how many bytes it used.  Unless
 * final, a last line without its terminator (or with a CR that may still be
 * followed by LF) is left for the next call.
 */
static size_t
reader_feed(struct reader *r, const char *data, size_t len, int final)
{
	struct loader *ld = &r->ld;
	const char *p = data, *end = data + len;
	if (r->rejected)
		return len;
	if (!r->started) {
		/* The whole-file checks look at the start of the file. */
		if (len < TEXT_SAMPLE && !final)
			return 0;
		r->started = 1;
		if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		if (check_start(ld, (const unsigned char *)p,
				(size_t)(end - p)) < 0) {
			r->rejected = 1;
			return len;
		}
	}
	while (p < end) {
		if (ld->cal->cancel &&
		    atomic_load_explicit(ld->cal->cancel,
					 memory_order_relaxed)) {
			/* Stop here: the rest is taken as read. */
			ld->cal->cancelled = 1;
			return len;
		}
		const char *eol = p;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		if (!final && (eol == end || (*eol == '\r' && eol + 1 == end)))
			break;
		const char *next = eol;
		if (next < end && *next == '\r')
			next++;
		if (next < end && *next == '\n')
			next++;
		r->lineno++;
		size_t n = (size_t)(eol - p);
		if (memchr(p, '\0', n)) {
			warn(ld, r->lineno, "NUL byte in line: line ignored");
		} else if (n == 0) {
			/* Blank lines end the current content line. */
			unfolder_complete(ld, &r->u);
		} else if (p[0] == ' ' || p[0] == '\t') {
			if (r->u.cur.len)
				line_add(&r->u.cur, &r->u.cur_total, p + 1,
					 n - 1);
			else
				warn(ld, r->lineno,
				     "continuation line with nothing to "
				     "continue: ignored");
		} else {
			unfolder_complete(ld, &r->u);
			line_add(&r->u.cur, &r->u.cur_total, p, n);
			r->u.cur_line = r->lineno;
			r->saw_content = 1;
		}
		p = next;
	}
	return (size_t)(p - data);
}

static void
reader_finish(struct reader *r)
{
	struct loader *ld = &r->ld;
	if (ld->cal->cancelled) {
		/* Stopped in the middle: what was being read is dropped
		 * without a word (the caller discards the load anyway). */
		r->u.cur.len = r->u.pending.len = 0;
		ld->chunk_skip = 1;
		ld->depth = 0;
		ld->collecting = -1;
	}
	unfolder_complete(ld, &r->u);
	if (r->u.pending.len)
		line_done(ld, r->u.pending.s, r->u.pending.len,
			  r->u.pending_total, r->u.pending_line);
	free(r->u.pending.s);
	free(r->u.cur.s);
	/*
	 * A file that is empty, holds no VCALENDAR or ends inside a component
	 * is an error, never a calendar of fewer posts: it is what a save in
	 * progress, a failed download or a truncated copy looks like, and
	 * serving it would drop posts (or, for a cut-off EXDATE, bring back
	 * occurrences the team removed).  A VCALENDAR with no events is how a
	 * calendar is emptied on purpose.
	 */
	if (ld->depth > 0) {
		const char *open = ld->stack[ld->depth - 1];
		int inner = strcmp(open, "VCALENDAR") != 0;
		error_at(ld, ld->stack_line[ld->depth - 1],
			 "BEGIN:%s never ended: the file is cut short (a save "
			 "in progress or a truncated copy?); expected END:%s%s",
			 open, open, inner ? " and END:VCALENDAR" : "");
		ld->cal->unterminated++;
		close_to(ld, 0);
	}
	if (ld->cal->cancelled)
		error_at(ld, r->lineno,
			 "load cancelled (the daemon is "
			 "stopping): the rest is not read");
	else if (r->rejected)
		; /* reported by check_start */
	else if (!r->saw_content)
		error_at(ld, 0,
			 "file is empty: expected BEGIN:VCALENDAR ... "
			 "END:VCALENDAR (a VCALENDAR with no events empties "
			 "the calendar)");
	else if (ld->nvcal == 0)
		error_at(ld, 0,
			 "no BEGIN:VCALENDAR: not an iCalendar file "
			 "(expected BEGIN:VCALENDAR ... END:VCALENDAR around "
			 "the events)");
	else if (!ld->saw_version)
		warn(ld, 0, "VCALENDAR has no VERSION:2.0 line");
	resolve_zones(ld);
	/* Growth by doubling leaves up to half the array unused: a loaded
	 * calendar keeps only what it holds. */
	if (ld->cal->nposts && ld->cal->nposts < ld->cal->cap) {
		void *p = realloc(ld->cal->posts,
				  ld->cal->nposts * sizeof(*ld->cal->posts));
		if (p) {
			ld->cal->posts = p;
			ld->cal->cap = ld->cal->nposts;
		}
	}

	free(ld->chunk.s);
	free(ld->lines);
	for (size_t i = 0; i < ld->nraws; i++)
		free(ld->raws[i].text);
	free(ld->raws);
	free(ld->intern);
	free(ld->plats);
	free(ld->cats);
	free(ld->rules);
	/* libical keeps the strings it returned from its non-_r functions
	 * in a ring of this thread's: released with the load, not kept until
	 * the ring wraps (and a fuzzer's leak check sees every load free
	 * what it allocated). */
	icalmemory_free_ring();
	free(ld->uses);
	for (size_t i = 0; i < ld->nfzones; i++)
		free(ld->fzones[i].tzid);
	free(ld->fzones);
	free(ld->spliced);
}

int
sm_calendar_load_buffer(struct sm_calendar *cal, const char *data, size_t len,
			const char *label, struct sm_diag_list *diags)
{
	struct reader r;
	reader_start(&r, cal, label, diags);
	reader_feed(&r, data, len, 1);
	reader_finish(&r);
	return 0;
}

int
sm_calendar_load_file(struct sm_calendar *cal, const char *path,
		      struct sm_diag_list *diags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sm_diag_add(diags, SM_ERROR, path, 0, "cannot open: %s",
			    strerror(errno));
		return -1;
	}
	int rc = sm_calendar_load_fd(cal, fd, path, diags);
	close(fd);
	return rc;
}

int
sm_calendar_load_fd(struct sm_calendar *cal, int fd, const char *label,
		    struct sm_diag_list *diags)
{
	const char *path = label ? label : "<input>";
	/* Blocks of 1 MiB; what a block ends with that is not a whole line
	 * yet moves to the front of the buffer. */
	const size_t block = 1 << 20;
	struct strbuf b = {0};
	struct reader r;
	reader_start(&r, cal, path, diags);
	ssize_t n;
	int err = 0;
	for (;;) {
		sb_reserve(&b, block);
		n = read(fd, b.s + b.len, block);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		b.len += (size_t)n;
		size_t used = reader_feed(&r, b.s, b.len, 0);
		memmove(b.s, b.s + used, b.len - used);
		b.len -= used;
		if (cal->cancelled)
			break;
	}
	if (err)
		sm_diag_add(diags, SM_ERROR, path, 0, "cannot read: %s",
			    strerror(err));
	reader_feed(&r, b.s ? b.s : "", b.len, 1);
	reader_finish(&r);
	free(b.s);
	return err ? -1 : 0;
}

void
sm_calendar_init(struct sm_calendar *cal, const char *name)
{
	memset(cal, 0, sizeof(*cal));
	cal->name = sm_arena_strdup(&cal->arena, name ? name : "main");
}

void
sm_calendar_fini(struct sm_calendar *cal)
{
	for (size_t i = 0; i < cal->nzones; i++)
		sm_tz_free(cal->zones[i]);
	free(cal->zones);
	free(cal->posts);
	sm_arena_free(&cal->arena);
	memset(cal, 0, sizeof(*cal));
}
