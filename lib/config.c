/*
 * config: loading and validating smcal.conf.
 *
 * Loading runs in four steps.  (1) scan_file() reads the file line by line
 * exactly as iniparser 4.1 does (same 1024-byte buffer, same backslash
 * continuation, same classification of a line as empty, comment, section,
 * key or syntax error) and records each section and key with its line; a
 * syntax error is reported with its line and iniparser is not called, since
 * it would only print to stderr and give up.  (2) iniparser_load() supplies
 * the values, with its quote and inline-comment handling.  (3) Each section
 * is checked against a table of its keys (struct key_spec), one parser per
 * kind of value.  (4) Defaults that depend on other keys are filled in and
 * references between sections checked.  Diagnostics are collected in a local
 * list, sorted by line, then handed to the caller.
 *
 * Out of memory aborts (STYLE.md, errors): a config is loaded at start-up or
 * on reload, where nothing better can be done.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <iniparser.h>

#include "duration.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
/* iniparser's ASCIILINESZ: its line buffer, continuation lines included. */
#define INI_LINESZ 1024
/* Longest value shown in a message before it is cut. */
#define SHOW_MAX 60
#define NAME_MAX_LEN 64
/* sun_path is 108 bytes, NUL included. */
#define SOCKET_PATH_MAX 107

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		abort();
	return q;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		abort();
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		abort();
	return d;
}

static char *
xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (d == NULL)
		abort();
	return d;
}

/* Grows an array of elements of size size so it can hold n + 1. */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 4;
	return xrealloc(v, *cap * size);
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* ------------------------------------------------------------------ */
/* Value grammars                                                      */
/* ------------------------------------------------------------------ */

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

void
sm_config_list_free(struct sm_strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
sm_config_list_split(const char *s, struct sm_strlist *out)
{
	struct sm_strlist l = {NULL, 0};
	size_t cap = 0;
	const char *p = s, *end, *a, *b;

	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		*out = l;
		return 0;
	}
	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		a = p;
		b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b) {
			sm_config_list_free(&l);
			return -1;
		}
		l.v = grow(l.v, l.n, &cap, sizeof(*l.v));
		l.v[l.n++] = xstrndup(a, (size_t)(b - a));
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*out = l;
	return 0;
}

int
sm_config_bool_parse(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
sm_config_tod_parse(const char *s, int *minutes)
{
	int h, m;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	h = s[0] - '0';
	s++;
	if (isdigit((unsigned char)s[0])) {
		h = h * 10 + (s[0] - '0');
		s++;
	}
	if (s[0] != ':' || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || s[3] != '\0')
		return -1;
	m = (s[1] - '0') * 10 + (s[2] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static const char *const weekday_names[] = {
	"monday", "tuesday",  "wednesday", "thursday",
	"friday", "saturday", "sunday",
};

int
sm_config_weekday_parse(const char *s, int *weekday)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (strcasecmp(s, weekday_names[i]) == 0 ||
		    (strlen(s) == 3 &&
		     strncasecmp(s, weekday_names[i], 3) == 0)) {
			*weekday = i;
			return 0;
		}
	}
	return -1;
}

int
sm_config_slot_parse(const char *s, struct sm_slot *out)
{
	char day[16];
	size_t n = 0;
	struct sm_slot slot;

	while (s[n] != '\0' && !is_blank(s[n]))
		n++;
	if (n == 0 || n >= sizeof(day) || s[n] == '\0')
		return -1;
	memcpy(day, s, n);
	day[n] = '\0';
	while (is_blank(s[n]))
		n++;
	if (sm_config_weekday_parse(day, &slot.weekday) < 0 ||
	    sm_config_tod_parse(s + n, &slot.minute) < 0)
		return -1;
	*out = slot;
	return 0;
}

/* Parses a decimal integer (optional '-'), the whole string, into *out. */
static int
parse_int64(const char *s, int64_t *out)
{
	const char *p = s;
	int neg = 0;
	int64_t v = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

int
sm_config_cadence_parse(const char *s, struct sm_cadence *out)
{
	static const struct {
		const char *name;
		enum sm_cadence_unit unit;
	} units[] = {
		{"day", SM_CADENCE_DAY},
		{"week", SM_CADENCE_WEEK},
		{"month", SM_CADENCE_MONTH},
	};
	char num[24];
	const char *slash = strchr(s, '/'), *u;
	size_t n, i;
	int64_t count;

	if (slash == NULL)
		return -1;
	n = (size_t)(slash - s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (num[0] == '-' || parse_int64(num, &count) < 0 || count < 1 ||
	    count > 10000)
		return -1;
	u = slash + 1;
	while (is_blank(*u))
		u++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(u, units[i].name) == 0) {
			out->count = (int)count;
			out->unit = units[i].unit;
			return 0;
		}
	}
	return -1;
}

int
sm_config_durations_parse(const char *s, struct sm_durations *out)
{
	struct sm_strlist items = {NULL, 0};
	struct sm_durations d = {NULL, 0};
	size_t i;

	if (strcasecmp(s, "none") == 0) {
		*out = d;
		return 0;
	}
	if (sm_config_list_split(s, &items) < 0)
		return -1;
	if (items.n == 0) {
		sm_config_list_free(&items);
		return -1;
	}
	d.v = xcalloc(items.n, sizeof(*d.v));
	for (i = 0; i < items.n; i++) {
		if (sm_duration_parse(items.v[i], &d.v[i]) < 0) {
			free(d.v);
			sm_config_list_free(&items);
			return -1;
		}
	}
	d.n = items.n;
	sm_config_list_free(&items);
	*out = d;
	return 0;
}

static const char *const event_names[] = {
	"post.reminder",  "post.due",	    "post.overdue",  "cadence.gap",
	"cadence.behind", "goal.off_track", "goal.achieved", "goal.missed",
};

#define NEVENTS (sizeof(event_names) / sizeof(event_names[0]))

unsigned
sm_config_event_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NEVENTS; i++)
		if (strcasecmp(name, event_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *
sm_config_event_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < NEVENTS; i++)
		if (bit == 1u << i)
			return event_names[i];
	return NULL;
}

static const char *const log_level_names[] = {
	"debug", "info", "notice", "warning", "error", NULL,
};

static const char *const format_names[] = {
	"json", "slack", "discord", "ntfy", "template", NULL,
};

/* In the order of enum sm_escape. */
static const char *const escape_names[] = {
	"auto", "none", "json", "html", "xml", "form", NULL,
};

const char *
sm_config_log_level_name(enum sm_log_level level)
{
	if ((unsigned)level > SM_LOG_ERROR)
		return "?";
	return log_level_names[level];
}

const char *
sm_config_format_name(enum sm_webhook_format format)
{
	if ((unsigned)format > SM_WEBHOOK_TEMPLATE)
		return "?";
	return format_names[format];
}

/* 1 when the n bytes at s end with suffix (case-insensitive). */
static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

int
sm_config_escape_for(const char *content_type)
{
	const char *s = content_type ? content_type : "";
	while (is_blank(*s))
		s++;
	size_t n = strcspn(s, ";");
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	const char *slash = memchr(s, '/', n);
	if (!slash || slash == s || slash == s + n - 1)
		return -1;
	const char *sub = slash + 1;
	size_t tlen = (size_t)(slash - s), slen = n - tlen - 1;
#define IS(str, len, lit)                                                      \
	((len) == sizeof(lit) - 1 && strncasecmp(str, lit, len) == 0)
	int text = IS(s, tlen, "text"), app = IS(s, tlen, "application");
	if (app && IS(sub, slen, "x-www-form-urlencoded"))
		return SM_ESCAPE_FORM;
	if (IS(sub, slen, "json") || ends_with(sub, slen, "+json"))
		return SM_ESCAPE_JSON;
	if (text && IS(sub, slen, "html"))
		return SM_ESCAPE_HTML;
	if (IS(sub, slen, "xml") || ends_with(sub, slen, "+xml"))
		return SM_ESCAPE_XML;
	if (text && IS(sub, slen, "plain"))
		return SM_ESCAPE_NONE;
#undef IS
	return -1;
}

static int
b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int
sm_config_secret_decode(const char *secret, unsigned char *key, size_t cap,
			size_t *len)
{
	const char *p;
	size_t n, pad = 0, i, out = 0;
	unsigned acc = 0;
	int bits = 0, v;

	if (strncmp(secret, "whsec_", 6) != 0)
		return -1;
	p = secret + 6;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	/* Padding, when present, must complete a 4-character group; a
	 * lone character (6 bits) cannot encode a byte. */
	if (n == 0 || n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	for (i = 0; i < n; i++) {
		v = b64_value(p[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (key != NULL) {
				if (out >= cap)
					return -1;
				key[out] = (unsigned char)(acc >> bits);
			}
			out++;
			acc &= (1u << bits) - 1;
		}
	}
	*len = out;
	return 0;
}

int
sm_zone_name_valid(const char *name)
{
	char path[sizeof(ZONEINFO_DIR) + 256];
	unsigned char magic[4];
	const char *p;
	FILE *f;
	size_t got;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (strcmp(name, "UTC") == 0)
		return 1;
	if (name[0] == '/' || strstr(name, "..") != NULL || strlen(name) > 255)
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* A name after "platform:" and friends, or a [mix] key. */
static int
name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > NAME_MAX_LEN || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_-.", s[i]) == NULL)
			return 0;
	return 1;
}

static int
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A decimal number, optionally signed, with an optional fraction; no
 * strtod, whose decimal point follows the locale. */
static int
parse_number(const char *s, double *out)
{
	const char *p = s;
	double v = 0, scale = 1;
	int neg = 0, digits = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (digits >= 18)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			if (digits >= 18)
				return -1;
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	if (digits == 0 || *p != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* parse_number, optionally followed by '%' (then *pct is 1). */
static int
parse_percent_number(const char *s, double *out, int *pct)
{
	char buf[64];
	size_t n = strlen(s);

	*pct = n > 1 && s[n - 1] == '%';
	if (!*pct)
		return parse_number(s, out);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n - 1);
	buf[n - 1] = '\0';
	return parse_number(buf, out);
}

static int
url_valid(const char *s)
{
	const char *host;

	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return 0;
	if (*host == '\0' || strchr("/?#:@", *host) != NULL)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
header_valid(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	const char *p = s;

	while (*p && (isalnum((unsigned char)*p) || strchr(tchar, *p) != NULL))
		p++;
	if (p == s || *p != ':')
		return 0;
	return !has_control(p);
}

static int
locale_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || !isalpha((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.@-", *s) == NULL)
			return 0;
	return 1;
}

/* Checks each conversion against glibc's strftime, so a typo shows here
 * rather than as a literal in a Slack message. */
static int
strftime_valid(const char *s)
{
	static const char conv[] = "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ%";

	if (*s == '\0' || has_control(s))
		return 0;
	for (; *s; s++) {
		if (*s != '%')
			continue;
		s++;
		while (*s && strchr("_-0^#", *s) != NULL)
			s++;
		while (isdigit((unsigned char)*s))
			s++;
		if (*s == 'E' || *s == 'O')
			s++;
		if (*s == '\0' || strchr(conv, *s) == NULL)
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Scanning the file as iniparser reads it                             */
/* ------------------------------------------------------------------ */

struct scan_key {
	char *name;
	int line;
};

struct scan_section {
	char *name; /* lower-case, as iniparser stores it */
	int line;   /* first header; 0 for keys before any header */
	struct scan_key *keys;
	size_t nkeys, cap;
};

struct scan {
	struct scan_section *v;
	size_t n, cap;
};

/* A value naming another section, checked once every section is read. */
struct ref {
	char *section; /* as written, for the message */
	const char *key;
	char *name;
	int line;
	int platform; /* 1: names a platform, 0: a webhook */
};

struct ctx {
	const char *file;
	struct sm_diag_list diags;
	struct scan scan;
	dictionary *dict;
	struct sm_config *cfg;
	struct ref *refs;
	size_t nrefs, refcap;
};

static void report(struct ctx *c, enum sm_severity sev, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct ctx *c, enum sm_severity sev, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sm_diag_add(&c->diags, sev, c->file, line, "%s", msg);
}

/* Quotes a value for a message: control bytes become '?', quotes are
 * escaped and long values cut, so a message stays one readable line. */
static const char *
show(const char *v, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; v[i] && o + 6 < len; i++) {
		if (i == SHOW_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (v[i] == '"' || v[i] == '\\')
			buf[o++] = '\\';
		buf[o++] =
			(unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static struct scan_section *
scan_section(struct scan *sc, const char *name, int line)
{
	struct scan_section *s;
	size_t i;

	for (i = 0; i < sc->n; i++) {
		if (strcmp(sc->v[i].name, name) == 0) {
			if (sc->v[i].line == 0)
				sc->v[i].line = line;
			return &sc->v[i];
		}
	}
	sc->v = grow(sc->v, sc->n, &sc->cap, sizeof(*sc->v));
	s = &sc->v[sc->n++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->line = line;
	return s;
}

static void
scan_key(struct ctx *c, struct scan_section *s, const char *key, int line)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		if (strcmp(s->keys[i].name, key) == 0) {
			/* iniparser keeps the last value. */
			report(c, SM_WARNING, s->keys[i].line,
			       "[%s] %s: set again on line %d, which wins",
			       s->name, key, line);
			s->keys[i].line = line;
			return;
		}
	}
	s->keys = grow(s->keys, s->nkeys, &s->cap, sizeof(*s->keys));
	s->keys[s->nkeys].name = xstrdup(key);
	s->keys[s->nkeys].line = line;
	s->nkeys++;
}

static void
scan_free(struct scan *sc)
{
	size_t i, j;

	for (i = 0; i < sc->n; i++) {
		for (j = 0; j < sc->v[i].nkeys; j++)
			free(sc->v[i].keys[j].name);
		free(sc->v[i].keys);
		free(sc->v[i].name);
	}
	free(sc->v);
	memset(sc, 0, sizeof(*sc));
}

/* iniparser's strstrip(): blanks off both ends, in place; returns length. */
static size_t
strip(char *s)
{
	char *a = s, *b = s + strlen(s);

	while (*a && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	*b = '\0';
	memmove(s, a, (size_t)(b - a) + 1);
	return (size_t)(b - a);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/*
 * One logical line, classified as iniparser_line() does: a section header
 * "[name]" (name up to the first ']'; "[]" keeps the current section), a
 * key line (anything with an '=' not in first place), or a syntax error.
 * Returns -1 on a syntax error.
 */
static int
scan_line(struct ctx *c, char *line, char *section, int lineno,
	  struct scan_section **cur)
{
	char name[INI_LINESZ + 1];
	size_t len = strip(line);
	char *eq;

	if (len == 0 || line[0] == '#' || line[0] == ';')
		return 0;
	if (line[0] == '[' && line[len - 1] == ']') {
		if (sscanf(line, "[%1024[^]]", name) == 1)
			strcpy(section, name);
		/* When sscanf() fails ("[]"), iniparser keeps the current
		 * section but its strlwc(section, section, len) still cuts
		 * it to len - 1 characters: "[]" after [sec] means [s]. */
		strip(section);
		lower(section);
		if (strlen(section) > len - 1)
			section[len - 1] = '\0';
		*cur = scan_section(&c->scan, section, lineno);
		return 0;
	}
	eq = strchr(line, '=');
	if (line[0] == '=' || eq == NULL) {
		char buf[SHOW_MAX + 16];
		report(c, SM_ERROR, lineno,
		       "%s: syntax error: expected [section], key = value, or "
		       "a comment starting with ; or #",
		       show(line, buf, sizeof(buf)));
		return -1;
	}
	*eq = '\0';
	strip(line);
	lower(line);
	if (*cur == NULL)
		*cur = scan_section(&c->scan, section, 0);
	scan_key(c, *cur, line, lineno);
	return 0;
}

static int
scan_file(struct ctx *c, FILE *in)
{
	char line[INI_LINESZ + 1], section[INI_LINESZ + 1];
	struct scan_section *cur = NULL;
	int last = 0, len, lineno = 0, start = 0, errs = 0;

	memset(line, 0, sizeof(line));
	section[0] = '\0';
	while (fgets(line + last, INI_LINESZ - last, in) != NULL) {
		lineno++;
		if (last == 0)
			start = lineno;
		len = (int)strlen(line) - 1;
		if (len <= 0)
			continue;
		if (line[len] != '\n' && !feof(in)) {
			report(c, SM_ERROR, lineno,
			       "line too long (iniparser reads at most %d "
			       "characters, continuation lines included) or "
			       "holding a NUL byte",
			       INI_LINESZ - 2);
			return -1;
		}
		while (len >= 0 && isspace((unsigned char)line[len]))
			line[len--] = '\0';
		if (len < 0)
			len = 0;
		if (line[len] == '\\') {
			/* Continued: the next line overwrites the backslash. */
			last = len;
			continue;
		}
		last = 0;
		if (scan_line(c, line, section, start, &cur) < 0)
			errs++;
		memset(line, 0, sizeof(line));
	}
	if (ferror(in)) {
		report(c, SM_ERROR, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (last > 0)
		report(c, SM_WARNING, start,
		       "the file ends in a continued line (backslash), which "
		       "is ignored");
	return errs ? -1 : 0;
}

static int
scan_key_line(const struct ctx *c, const char *section, const char *key)
{
	size_t i, j;

	for (i = 0; i < c->scan.n; i++) {
		if (strcmp(c->scan.v[i].name, section) != 0)
			continue;
		for (j = 0; j < c->scan.v[i].nkeys; j++)
			if (strcmp(c->scan.v[i].keys[j].name, key) == 0)
				return c->scan.v[i].keys[j].line;
		return c->scan.v[i].line;
	}
	return 0;
}

/*
 * The line of a key as written in a section, or 0 when it is not there.  A
 * key written twice is at its last line: iniparser keeps the last value.
 */
static int
key_line(const struct ctx *c, const char *section, const char *key)
{
	size_t i, j;
	int line = 0;

	for (i = 0; i < c->scan.n; i++) {
		if (strcmp(c->scan.v[i].name, section) != 0)
			continue;
		for (j = 0; j < c->scan.v[i].nkeys; j++)
			if (strcmp(c->scan.v[i].keys[j].name, key) == 0)
				line = c->scan.v[i].keys[j].line;
	}
	return line;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

enum kind {
	K_TEXT,	      /* char *, any non-empty text */
	K_PATH,	      /* char *, a path; max: longest length, 0: no limit */
	K_LIST,	      /* struct sm_strlist, may be empty */
	K_CATEGORIES, /* struct sm_strlist, at least one item */
	K_WEBHOOK,    /* char *, a [webhook:NAME] name or none, lower-cased */
	K_WEBHOOKS,   /* struct sm_strlist of K_WEBHOOK names, at least one */
	K_PLATFORM,   /* char *, a [platform:NAME] name, lower-cased */
	K_BOOL,	      /* int */
	K_INT,	      /* int in [min, max] */
	K_DURATION,   /* int64_t, at least min */
	K_DURATIONS,  /* struct sm_durations */
	K_TOD,	      /* int, minutes */
	K_WEEKDAY,    /* int */
	K_ZONE,	      /* char * */
	K_ENUM,	      /* int, index into names */
	K_CADENCE,    /* struct sm_cadence */
	K_SLOTS,      /* struct sm_slots */
	K_URL,	      /* char * */
	K_SECRET,     /* char * */
	K_EVENTS,     /* unsigned */
	K_HEADERS,    /* struct sm_strlist */
	K_NUMBER,     /* double */
	K_TARGET,     /* struct sm_goal's target fields */
	K_DATE,	      /* sm_time */
	K_LOCALE,     /* char * */
	K_STRFTIME,   /* char * */
	K_METRIC,     /* char *, a KPI name (lib/kpi), lower-cased */
	K_BASELINE,   /* double >= 0, or N% (sm_goal.baseline_percent) */
	K_PERCENT,    /* double, "N%" from 0 to 100 as a fraction */
};

/* Key flags: an error when missing; K_DURATIONS: "none" gives an empty
 * list, K_DURATION: "none" gives 0 (off); K_PLATFORM: "all" is allowed. */
#define KF_REQUIRED 1u
#define KF_NONE 2u
#define KF_ALL 4u

struct key_spec {
	const char *name;
	enum kind kind;
	size_t off;
	int64_t min, max;
	const char *const *names; /* K_ENUM */
	size_t set_off;		  /* an int set to 1 when the key is given */
	unsigned flags;
	size_t line_off; /* an int set to the key's line (0: not kept) */
};

#define CFG(f) offsetof(struct sm_config, f)
#define CAL(f) offsetof(struct sm_calendar_conf, f)
#define PLAT(f) offsetof(struct sm_platform, f)
#define TYPE(f) offsetof(struct sm_content_type, f)
#define HOOK(f) offsetof(struct sm_webhook, f)
#define GOAL(f) offsetof(struct sm_goal, f)
#define NKEYS(t) (sizeof(t) / sizeof(t[0]))

static const char *const weekday_short[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL,
};

static const struct key_spec daemon_keys[] = {
	{.name = "socket",
	 .kind = K_PATH,
	 .off = CFG(socket),
	 .max = SOCKET_PATH_MAX},
	{.name = "socket_group", .kind = K_TEXT, .off = CFG(socket_group)},
	{.name = "admin_groups", .kind = K_LIST, .off = CFG(admin_groups)},
	{.name = "read_groups", .kind = K_LIST, .off = CFG(read_groups)},
	{.name = "admin_users", .kind = K_LIST, .off = CFG(admin_users)},
	{.name = "state_dir", .kind = K_PATH, .off = CFG(state_dir)},
	{.name = "event_log", .kind = K_PATH, .off = CFG(event_log)},
	{.name = "timezone", .kind = K_ZONE, .off = CFG(timezone)},
	{.name = "catchup", .kind = K_DURATION, .off = CFG(catchup)},
	{.name = "allday_time", .kind = K_TOD, .off = CFG(allday_time)},
	{.name = "webhook", .kind = K_WEBHOOK, .off = CFG(webhook)},
	{.name = "log_level",
	 .kind = K_ENUM,
	 .off = CFG(log_level),
	 .names = log_level_names},
	{.name = "watchdog", .kind = K_BOOL, .off = CFG(watchdog)},
	{.name = "fire_drafts", .kind = K_BOOL, .off = CFG(fire_drafts)},
	{.name = "series_cap",
	 .kind = K_INT,
	 .off = CFG(series_cap),
	 .min = 1,
	 .max = 1000000},
	{.name = "retention", .kind = K_DURATION, .off = CFG(retention)},
};

static const struct key_spec reminders_keys[] = {
	{.name = "lead",
	 .kind = K_DURATIONS,
	 .off = CFG(lead),
	 .flags = KF_NONE},
	{.name = "overdue",
	 .kind = K_DURATION,
	 .off = CFG(overdue),
	 .flags = KF_NONE},
};

static const struct key_spec cadence_keys[] = {
	{.name = "week_start", .kind = K_WEEKDAY, .off = CFG(week_start)},
	{.name = "lookahead",
	 .kind = K_INT,
	 .off = CFG(lookahead),
	 .min = 0,
	 .max = 520},
	{.name = "gap_notice",
	 .kind = K_DURATION,
	 .off = CFG(gap_notice),
	 .min = 0},
	{.name = "mix_window",
	 .kind = K_DURATION,
	 .off = CFG(mix_window),
	 .min = 0},
};

static const struct key_spec calendar_keys[] = {
	{.name = "path",
	 .kind = K_PATH,
	 .off = CAL(path),
	 .flags = KF_REQUIRED},
	{.name = "webhook", .kind = K_WEBHOOK, .off = CAL(webhook)},
	{.name = "webhooks",
	 .kind = K_WEBHOOKS,
	 .off = CAL(webhooks),
	 .set_off = CAL(webhooks_set)},
	{.name = "timezone",
	 .kind = K_ZONE,
	 .off = CAL(timezone),
	 .set_off = CAL(timezone_set)},
};

static const struct key_spec platform_keys[] = {
	{.name = "cadence", .kind = K_CADENCE, .off = PLAT(cadence)},
	{.name = "slots", .kind = K_SLOTS, .off = PLAT(slots)},
	{.name = "min_spacing", .kind = K_DURATION, .off = PLAT(min_spacing)},
	{.name = "daily_cap",
	 .kind = K_INT,
	 .off = PLAT(daily_cap),
	 .min = 1,
	 .max = 100000},
	{.name = "lead",
	 .kind = K_DURATIONS,
	 .off = PLAT(lead),
	 .set_off = PLAT(lead_set),
	 .flags = KF_NONE},
	{.name = "webhook", .kind = K_WEBHOOK, .off = PLAT(webhook)},
	{.name = "categories", .kind = K_CATEGORIES, .off = PLAT(categories)},
	{.name = "overdue",
	 .kind = K_DURATION,
	 .off = PLAT(overdue),
	 .set_off = PLAT(overdue_set),
	 .flags = KF_NONE},
};

static const struct key_spec type_keys[] = {
	{.name = "categories", .kind = K_CATEGORIES, .off = TYPE(categories)},
};

static const struct key_spec webhook_keys[] = {
	{.name = "url", .kind = K_URL, .off = HOOK(url), .flags = KF_REQUIRED},
	{.name = "format",
	 .kind = K_ENUM,
	 .off = HOOK(format),
	 .names = format_names},
	{.name = "template", .kind = K_TEXT, .off = HOOK(template_text)},
	{.name = "content_type", .kind = K_TEXT, .off = HOOK(content_type)},
	{.name = "escape",
	 .kind = K_ENUM,
	 .off = HOOK(escape),
	 .names = escape_names},
	{.name = "headers", .kind = K_HEADERS, .off = HOOK(headers)},
	{.name = "secret", .kind = K_SECRET, .off = HOOK(secret)},
	{.name = "secret_file",
	 .kind = K_PATH,
	 .off = HOOK(secret_file),
	 .line_off = HOOK(secret_file_line)},
	{.name = "events", .kind = K_EVENTS, .off = HOOK(events)},
	{.name = "timeout", .kind = K_DURATION, .off = HOOK(timeout), .min = 1},
	{.name = "connect_timeout",
	 .kind = K_DURATION,
	 .off = HOOK(connect_timeout),
	 .min = 1},
	{.name = "max_attempts",
	 .kind = K_INT,
	 .off = HOOK(max_attempts),
	 .min = 1,
	 .max = 1000},
	{.name = "backoff", .kind = K_DURATIONS, .off = HOOK(backoff)},
	{.name = "max_age", .kind = K_DURATION, .off = HOOK(max_age), .min = 1},
	{.name = "concurrency",
	 .kind = K_INT,
	 .off = HOOK(concurrency),
	 .min = 1,
	 .max = 1000},
	{.name = "ca_file", .kind = K_PATH, .off = HOOK(ca_file)},
	{.name = "locale",
	 .kind = K_LOCALE,
	 .off = HOOK(locale),
	 .line_off = HOOK(locale_line)},
	{.name = "date_format", .kind = K_STRFTIME, .off = HOOK(date_format)},
	{.name = "timezone",
	 .kind = K_ZONE,
	 .off = HOOK(timezone),
	 .set_off = HOOK(timezone_set)},
};

/* parse_section() keeps a seen flag per key of a table. */
#define MAX_SPECS 32
_Static_assert(NKEYS(webhook_keys) <= MAX_SPECS, "too many webhook keys");

static const struct key_spec goal_keys[] = {
	{.name = "metric",
	 .kind = K_METRIC,
	 .off = GOAL(metric),
	 .flags = KF_REQUIRED},
	{.name = "platform",
	 .kind = K_PLATFORM,
	 .off = GOAL(platform),
	 .flags = KF_REQUIRED | KF_ALL},
	{.name = "type", .kind = K_TEXT, .off = GOAL(type)},
	{.name = "campaign", .kind = K_TEXT, .off = GOAL(campaign)},
	{.name = "baseline",
	 .kind = K_BASELINE,
	 .off = GOAL(baseline),
	 .set_off = GOAL(baseline_set),
	 .flags = KF_REQUIRED},
	{.name = "target",
	 .kind = K_TARGET,
	 .off = 0,
	 .set_off = GOAL(target_set),
	 .flags = KF_REQUIRED},
	{.name = "start",
	 .kind = K_DATE,
	 .off = GOAL(start),
	 .set_off = GOAL(start_set)},
	{.name = "deadline",
	 .kind = K_DATE,
	 .off = GOAL(deadline),
	 .flags = KF_REQUIRED},
	{.name = "tolerance", .kind = K_PERCENT, .off = GOAL(tolerance)},
};

static void
join_names(const char *const *names, char *buf, size_t len)
{
	size_t n = 0, i, o = 0;

	while (names[n])
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s",
				 i == 0	      ? ""
				 : i == n - 1 ? " or "
					      : ", ",
				 names[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* The "expected ..." part of a message about a key's value. */
static const char *
expected(const struct key_spec *ks, char *buf, size_t len)
{
	char names[256];

	switch (ks->kind) {
	case K_TEXT:
		return "expected a non-empty value";
	case K_PATH:
		if (ks->max > 0) {
			snprintf(buf, len,
				 "expected a path of at most %lld bytes",
				 (long long)ks->max);
			return buf;
		}
		return "expected a file path";
	case K_LIST:
		return "expected a comma-separated list such as a, b "
		       "(no empty items)";
	case K_CATEGORIES:
		return "expected a comma-separated list of CATEGORIES names "
		       "such as Instagram, IG";
	case K_WEBHOOK:
		return "expected the name of a [webhook:NAME] section, or none";
	case K_WEBHOOKS:
		return "expected a comma-separated list of [webhook:NAME] "
		       "names, or none";
	case K_PLATFORM:
		if (ks->flags & KF_ALL)
			return "expected the name of a [platform:NAME] section, "
			       "or all";
		return "expected the name of a [platform:NAME] section";
	case K_BOOL:
		return "expected yes or no (also true/false, on/off, 1/0)";
	case K_INT:
		snprintf(buf, len, "expected an integer from %lld to %lld",
			 (long long)ks->min, (long long)ks->max);
		return buf;
	case K_DURATION:
		if (ks->flags & KF_NONE)
			return "expected a duration such as 90s, 15m, 2h or 1d, "
			       "or none (also 0) for no post.overdue";
		if (ks->min > 0)
			return "expected a duration of at least 1s such as "
			       "90s, 15m, 2h, 1d or 1h30m";
		return "expected a duration such as 0, 90s, 15m, 2h, 1d or "
		       "1h30m";
	case K_DURATIONS:
		if (ks->flags & KF_NONE)
			return "expected a comma-separated list of durations "
			       "such as 1d, 1h (units w, d, h, m, s), or none";
		return "expected a comma-separated list of durations such "
		       "as 10s, 1m, 5m (units w, d, h, m, s)";
	case K_TOD:
		return "expected a time of day HH:MM from 00:00 to 23:59";
	case K_WEEKDAY:
		join_names(weekday_short, names, sizeof(names));
		snprintf(buf, len, "expected a weekday: %s", names);
		return buf;
	case K_ZONE:
		return "expected UTC or a time zone name such as Europe/Paris "
		       "(a file under " ZONEINFO_DIR ")";
	case K_ENUM:
		join_names(ks->names, names, sizeof(names));
		snprintf(buf, len, "expected %s", names);
		return buf;
	case K_CADENCE:
		return "expected N/day, N/week or N/month";
	case K_SLOTS:
		return "expected a comma-separated list of weekday and time of "
		       "day such as mon 09:00, wed 12:30";
	case K_URL:
		return "expected an http:// or https:// URL (quote it when it "
		       "holds ; or #)";
	case K_SECRET:
		return "expected whsec_ followed by a base64 key";
	case K_EVENTS:
		return "expected a comma-separated list of post.reminder, "
		       "post.due, post.overdue, cadence.gap, cadence.behind, "
		       "goal.off_track, goal.achieved, goal.missed, or all";
	case K_HEADERS:
		return "expected a comma-separated list of headers such as "
		       "X-Team: social";
	case K_NUMBER:
		return "expected a number such as 1000 or 2.5";
	case K_TARGET:
		return "expected a number such as 1200 (4% for a rate), or a "
		       "change from the baseline such as +20% or +500";
	case K_DATE:
		return "expected a date YYYY-MM-DD";
	case K_LOCALE:
		return "expected a locale name such as fr_FR.UTF-8";
	case K_STRFTIME:
		return "expected a strftime format such as %Y-%m-%d %H:%M %Z";
	case K_METRIC:
		snprintf(buf, len, "expected %s", sm_kpi_list(names, 200));
		return buf;
	case K_BASELINE:
		return "expected a number of 0 or more such as 1000 or 2.5 "
		       "(2.5% for a rate)";
	case K_PERCENT:
		return "expected a percentage from 0% to 100% such as 10%";
	}
	return "expected a valid value";
}

static void
bad_value(struct ctx *c, const struct scan_section *sec,
	  const struct key_spec *ks, int line, const char *value,
	  const char *why)
{
	char vbuf[SHOW_MAX + 16], ebuf[256];

	if (ks->kind == K_SECRET) /* never echo a secret into a log */
		report(c, SM_ERROR, line, "[%s] %s: %s%s%s", sec->name,
		       ks->name, why ? why : "", why ? "; " : "",
		       expected(ks, ebuf, sizeof(ebuf)));
	else
		report(c, SM_ERROR, line, "[%s] %s = %s: %s%s%s", sec->name,
		       ks->name, show(value, vbuf, sizeof(vbuf)),
		       why ? why : "", why ? "; " : "",
		       expected(ks, ebuf, sizeof(ebuf)));
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct sm_slot *x = a, *y = b;

	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->minute - y->minute;
}

static int
parse_slots(struct ctx *c, const struct scan_section *sec,
	    const struct key_spec *ks, int line, const char *value,
	    struct sm_slots *out)
{
	struct sm_strlist items = {NULL, 0};
	struct sm_slots s = {NULL, 0};
	size_t i, j;

	if (sm_config_list_split(value, &items) < 0 || items.n == 0) {
		sm_config_list_free(&items);
		return -1;
	}
	s.v = xcalloc(items.n, sizeof(*s.v));
	for (i = 0; i < items.n; i++) {
		if (sm_config_slot_parse(items.v[i], &s.v[i]) < 0) {
			char buf[SHOW_MAX + 16], what[128];
			snprintf(what, sizeof(what), "item %s is not a slot",
				 show(items.v[i], buf, sizeof(buf)));
			bad_value(c, sec, ks, line, value, what);
			free(s.v);
			sm_config_list_free(&items);
			return 1;
		}
	}
	s.n = items.n;
	sm_config_list_free(&items);
	qsort(s.v, s.n, sizeof(*s.v), slot_cmp);
	for (i = 1, j = 1; i < s.n; i++) {
		if (slot_cmp(&s.v[i], &s.v[j - 1]) == 0) {
			report(c, SM_WARNING, line,
			       "[%s] %s: the slot %.3s %02d:%02d is given twice",
			       sec->name, ks->name,
			       weekday_names[s.v[i].weekday],
			       s.v[i].minute / 60, s.v[i].minute % 60);
			continue;
		}
		s.v[j++] = s.v[i];
	}
	if (s.n > 0)
		s.n = j;
	free(out->v);
	*out = s;
	return 0;
}

static int
parse_events(const char *value, unsigned *out)
{
	struct sm_strlist items = {NULL, 0};
	unsigned mask = 0, bit;
	size_t i;

	if (sm_config_list_split(value, &items) < 0)
		return -1;
	for (i = 0; i < items.n; i++) {
		if (strcasecmp(items.v[i], "all") == 0) {
			mask |= SM_EVENT_ALL;
			continue;
		}
		bit = sm_config_event_parse(items.v[i]);
		if (bit == 0) {
			sm_config_list_free(&items);
			return -1;
		}
		mask |= bit;
	}
	sm_config_list_free(&items);
	if (mask == 0)
		return -1;
	*out = mask;
	return 0;
}

static void
add_ref(struct ctx *c, const char *section, const struct key_spec *ks, int line,
	const char *name)
{
	struct ref *r;

	c->refs = grow(c->refs, c->nrefs, &c->refcap, sizeof(*c->refs));
	r = &c->refs[c->nrefs++];
	r->section = xstrdup(section);
	r->key = ks->name;
	r->name = xstrdup(name);
	r->line = line;
	r->platform = ks->kind == K_PLATFORM;
}

static size_t distance(const char *a, const char *b);
static const char *expected(const struct key_spec *ks, char *buf, size_t len);

/* Reports a metric lib/kpi does not know, with the closest name; returns 1
 * (reported). */
static int
unknown_metric(struct ctx *c, const struct scan_section *sec,
	       const struct key_spec *ks, int line, const char *value)
{
	char vbuf[SHOW_MAX + 16], ebuf[300], hint[64] = "";
	size_t best = 3;

	for (int k = 0; k < SM_KPI_COUNT; k++) {
		char low[NAME_MAX_LEN + 1];
		size_t i, n = strlen(value);
		if (n > NAME_MAX_LEN)
			break;
		for (i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)value[i]);
		size_t d = distance(low, sm_kpi_name((enum sm_kpi)k));
		if (d < best) {
			best = d;
			snprintf(hint, sizeof(hint), " (did you mean %s?)",
				 sm_kpi_name((enum sm_kpi)k));
		}
	}
	report(c, SM_ERROR, line, "[%s] %s = %s: unknown metric%s; %s",
	       sec->name, ks->name, show(value, vbuf, sizeof(vbuf)), hint,
	       expected(ks, ebuf, sizeof(ebuf)));
	return 1;
}

/*
 * Parses one value into the object; returns 0, -1 for a value that does not
 * fit the kind (reported by the caller), 1 when already reported.
 */
static int
parse_value(struct ctx *c, const struct scan_section *sec,
	    const struct key_spec *ks, int line, const char *value, void *obj)
{
	void *field = (char *)obj + ks->off;
	struct sm_strlist list = {NULL, 0};
	struct sm_durations durs;
	struct sm_cadence cad;
	int64_t i64;
	double num;
	sm_time t;
	int iv, has_offset, date_only;
	size_t i, klen;
	unsigned mask;

	switch (ks->kind) {
	case K_TEXT:
		if (value[0] == '\0')
			return -1;
		set_str(field, value);
		return 0;
	case K_PATH:
		if (value[0] == '\0' || has_control(value) ||
		    (ks->max > 0 && (int64_t)strlen(value) > ks->max))
			return -1;
		set_str(field, value);
		return 0;
	case K_LIST:
	case K_CATEGORIES:
	case K_HEADERS:
		if (sm_config_list_split(value, &list) < 0)
			return -1;
		if (ks->kind != K_LIST && list.n == 0) {
			sm_config_list_free(&list);
			return -1;
		}
		for (i = 0; i < list.n; i++) {
			if (has_control(list.v[i]) ||
			    (ks->kind == K_HEADERS &&
			     !header_valid(list.v[i]))) {
				sm_config_list_free(&list);
				return -1;
			}
		}
		sm_config_list_free(field);
		*(struct sm_strlist *)field = list;
		return 0;
	case K_WEBHOOKS:
		if (sm_config_list_split(value, &list) < 0 || list.n == 0) {
			sm_config_list_free(&list);
			return -1;
		}
		for (i = 0; i < list.n; i++) {
			lower(list.v[i]);
			if (!name_valid(list.v[i])) {
				sm_config_list_free(&list);
				return -1;
			}
		}
		for (i = 0; i < list.n; i++)
			add_ref(c, sec->name, ks, line, list.v[i]);
		sm_config_list_free(field);
		*(struct sm_strlist *)field = list;
		return 0;
	case K_WEBHOOK:
	case K_PLATFORM: {
		char *name = lower_dup(value);
		if (!name_valid(name)) {
			free(name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = name;
		if (!((ks->flags & KF_ALL) && strcmp(name, "all") == 0))
			add_ref(c, sec->name, ks, line, name);
		return 0;
	}
	case K_BOOL:
		if (sm_config_bool_parse(value, &iv) < 0)
			return -1;
		*(int *)field = iv;
		return 0;
	case K_INT:
		if (parse_int64(value, &i64) < 0 || i64 < ks->min ||
		    i64 > ks->max)
			return -1;
		*(int *)field = (int)i64;
		return 0;
	case K_DURATION:
		if ((ks->flags & KF_NONE) && strcasecmp(value, "none") == 0)
			i64 = 0;
		else if (sm_duration_parse(value, &i64) < 0 || i64 < ks->min)
			return -1;
		*(int64_t *)field = i64;
		return 0;
	case K_DURATIONS:
		if (!(ks->flags & KF_NONE) && strcasecmp(value, "none") == 0)
			return -1;
		if (sm_config_durations_parse(value, &durs) < 0)
			return -1;
		free(((struct sm_durations *)field)->v);
		*(struct sm_durations *)field = durs;
		return 0;
	case K_TOD:
		if (sm_config_tod_parse(value, &iv) < 0)
			return -1;
		*(int *)field = iv;
		return 0;
	case K_WEEKDAY:
		if (sm_config_weekday_parse(value, &iv) < 0)
			return -1;
		*(int *)field = iv;
		return 0;
	case K_ZONE:
		if (!sm_zone_name_valid(value))
			return -1;
		set_str(field, value);
		return 0;
	case K_ENUM:
		for (iv = 0; ks->names[iv] != NULL; iv++) {
			if (strcasecmp(value, ks->names[iv]) == 0) {
				*(int *)field = iv;
				return 0;
			}
		}
		return -1;
	case K_CADENCE:
		if (sm_config_cadence_parse(value, &cad) < 0)
			return -1;
		*(struct sm_cadence *)field = cad;
		return 0;
	case K_SLOTS:
		return parse_slots(c, sec, ks, line, value, field);
	case K_URL:
		if (!url_valid(value))
			return -1;
		set_str(field, value);
		return 0;
	case K_SECRET:
		if (sm_config_secret_decode(value, NULL, 0, &klen) < 0)
			return -1;
		set_str(field, value);
		return 0;
	case K_EVENTS:
		if (parse_events(value, &mask) < 0)
			return -1;
		*(unsigned *)field = mask;
		return 0;
	case K_NUMBER:
		if (parse_number(value, &num) < 0)
			return -1;
		*(double *)field = num;
		return 0;
	case K_TARGET: {
		struct sm_goal *g = obj;
		int pct = 0;

		if (parse_percent_number(value, &num, &pct) < 0)
			return -1;
		if (value[0] == '+' || value[0] == '-') {
			g->target_kind = pct ? SM_GOAL_TARGET_PERCENT
					     : SM_GOAL_TARGET_DELTA;
			g->target_change = num;
			g->target_percent = 0;
		} else {
			g->target_kind = SM_GOAL_TARGET_ABSOLUTE;
			g->target = pct ? num / 100 : num;
			g->target_percent = pct;
		}
		return 0;
	}
	case K_BASELINE: {
		int pct = 0;

		if (value[0] == '+' || value[0] == '-' ||
		    parse_percent_number(value, &num, &pct) < 0)
			return -1;
		*(double *)field = pct ? num / 100 : num;
		((struct sm_goal *)obj)->baseline_percent = pct;
		return 0;
	}
	case K_PERCENT: {
		int pct = 0;

		if (value[0] == '+' || value[0] == '-' ||
		    parse_percent_number(value, &num, &pct) < 0 || !pct ||
		    num > 100)
			return -1;
		*(double *)field = num / 100;
		return 0;
	}
	case K_DATE:
		if (sm_civil_parse(value, &t, &has_offset, &date_only) < 0 ||
		    !date_only)
			return -1;
		*(sm_time *)field = t;
		return 0;
	case K_LOCALE:
		if (!locale_valid(value))
			return -1;
		set_str(field, value);
		return 0;
	case K_STRFTIME:
		if (!strftime_valid(value))
			return -1;
		set_str(field, value);
		return 0;
	case K_METRIC: {
		int k = sm_kpi_parse(value);

		if (k < 0)
			return unknown_metric(c, sec, ks, line, value);
		set_str(field, sm_kpi_name((enum sm_kpi)k));
		((struct sm_goal *)obj)->kpi = (enum sm_kpi)k;
		return 0;
	}
	}
	return -1;
}

/* Levenshtein distance, capped: only used to suggest a close known name. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[NAME_MAX_LEN + 2];

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static void
unknown_key(struct ctx *c, const struct scan_section *sec,
	    const struct scan_key *k, const struct key_spec *specs,
	    size_t nspecs)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < nspecs; i++) {
		d = distance(k->name, specs[i].name);
		if (d < bestd) {
			bestd = d;
			best = specs[i].name;
		}
	}
	if (best)
		report(c, SM_WARNING, k->line,
		       "[%s] %s: unknown key, ignored (did you mean %s?)",
		       sec->name, k->name, best);
	else
		report(c, SM_WARNING, k->line, "[%s] %s: unknown key, ignored",
		       sec->name, k->name);
}

static const char *
value_of(const struct ctx *c, const struct scan_section *sec, const char *key)
{
	char full[2 * INI_LINESZ + 2];
	const char *v;

	snprintf(full, sizeof(full), "%s:%s", sec->name, key);
	v = iniparser_getstring(c->dict, full, NULL);
	return v ? v : "";
}

/* Checks every key of a section against its table and fills obj. */
static void
parse_section(struct ctx *c, const struct scan_section *sec,
	      const struct key_spec *specs, size_t nspecs, void *obj)
{
	unsigned char seen[MAX_SPECS] = {0};
	char ebuf[256];
	size_t i, j;
	int rc;

	for (i = 0; i < sec->nkeys; i++) {
		const struct scan_key *k = &sec->keys[i];
		const char *value;

		for (j = 0; j < nspecs; j++)
			if (strcmp(k->name, specs[j].name) == 0)
				break;
		if (j == nspecs) {
			unknown_key(c, sec, k, specs, nspecs);
			continue;
		}
		seen[j] = 1;
		value = value_of(c, sec, k->name);
		rc = parse_value(c, sec, &specs[j], k->line, value, obj);
		if (rc < 0)
			bad_value(c, sec, &specs[j], k->line, value, NULL);
		else if (rc == 0 && specs[j].set_off != 0)
			*(int *)(void *)((char *)obj + specs[j].set_off) = 1;
		if (rc == 0 && specs[j].line_off != 0)
			*(int *)(void *)((char *)obj + specs[j].line_off) =
				k->line;
	}
	for (j = 0; j < nspecs; j++)
		if ((specs[j].flags & KF_REQUIRED) && !seen[j])
			report(c, SM_ERROR, sec->line,
			       "[%s] %s: required key missing; %s", sec->name,
			       specs[j].name,
			       expected(&specs[j], ebuf, sizeof(ebuf)));
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

static const int64_t default_backoff[] = {10, 60, 300, 900, 1800, 3600};
static const int64_t default_lead[] = {86400, 3600};

static void
durations_copy(struct sm_durations *dst, const int64_t *v, size_t n)
{
	free(dst->v);
	dst->v = xcalloc(n, sizeof(*v));
	if (n > 0)
		memcpy(dst->v, v, n * sizeof(*v));
	dst->n = n;
}

static void
list_one(struct sm_strlist *l, const char *s)
{
	sm_config_list_free(l);
	l->v = xcalloc(1, sizeof(*l->v));
	l->v[0] = xstrdup(s);
	l->n = 1;
}

/* Finds or appends the named entry of an array of structs, each starting
 * with its char *name; a new entry is zero but for its name. */
static void *
named(void **arr, size_t *n, size_t size, const char *name, int *created)
{
	char *base = *arr;
	size_t i;

	*created = 0;
	for (i = 0; i < *n; i++)
		if (strcmp(*(char **)(void *)(base + i * size), name) == 0)
			return base + i * size;
	base = xrealloc(base, (*n + 1) * size);
	*arr = base;
	memset(base + *n * size, 0, size);
	*(char **)(void *)(base + *n * size) = xstrdup(name);
	*created = 1;
	return base + (*n)++ * size;
}

static struct sm_webhook *
webhook_add(struct sm_config *cfg, const char *name, int line)
{
	int created;
	struct sm_webhook *w = named((void **)&cfg->webhooks, &cfg->nwebhooks,
				     sizeof(*w), name, &created);

	if (created) {
		w->line = line;
		w->format = SM_WEBHOOK_JSON;
		w->content_type = xstrdup("application/json");
		w->events = SM_EVENT_ALL;
		w->timeout = 15;
		w->connect_timeout = 10;
		w->max_attempts = 7;
		durations_copy(&w->backoff, default_backoff,
			       NKEYS(default_backoff));
		w->max_age = 2 * 3600;
		w->concurrency = 2;
		w->date_format = xstrdup("%Y-%m-%d %H:%M %Z");
	}
	return w;
}

static struct sm_content_type *
type_add(struct sm_config *cfg, const char *name, int line)
{
	int created;
	struct sm_content_type *t = named((void **)&cfg->types, &cfg->ntypes,
					  sizeof(*t), name, &created);

	if (created) {
		t->line = line;
		t->mix = -1;
	}
	return t;
}

static void
section_mix(struct ctx *c, const struct scan_section *sec)
{
	static const struct key_spec mix_spec = {
		.name = "percent", .kind = K_INT, .min = 0, .max = 100};
	char vbuf[SHOW_MAX + 16], ebuf[256];
	int64_t sum = 0, pct;
	size_t i;

	for (i = 0; i < sec->nkeys; i++) {
		const struct scan_key *k = &sec->keys[i];
		const char *value = value_of(c, sec, k->name);
		struct sm_content_type *t;

		if (!name_valid(k->name)) {
			report(c, SM_ERROR, k->line,
			       "[mix] %s: expected a content type name of "
			       "letters, digits, '_', '-' or '.'",
			       k->name);
			continue;
		}
		if (parse_int64(value, &pct) < 0 || pct < 0 || pct > 100) {
			report(c, SM_ERROR, k->line, "[mix] %s = %s: %s",
			       k->name, show(value, vbuf, sizeof(vbuf)),
			       expected(&mix_spec, ebuf, sizeof(ebuf)));
			continue;
		}
		t = type_add(c->cfg, k->name, k->line);
		t->mix = (int)pct;
		sum += pct;
	}
	if (sec->nkeys > 0 && sum != 100)
		report(c, SM_WARNING, sec->line,
		       "[mix]: the percentages add up to %lld, not 100",
		       (long long)sum);
}

static void
section_calendar(struct ctx *c, const struct scan_section *sec,
		 const char *name)
{
	struct sm_config *cfg = c->cfg;
	struct sm_calendar_conf *cal;
	int created;

	if (strcmp(name, SM_CONFIG_QUEUE_CALENDAR) == 0) {
		report(c, SM_ERROR, sec->line,
		       "[%s]: the calendar name queue is reserved for posts "
		       "added with smctl; expected another name",
		       sec->name);
		return;
	}
	cal = named((void **)&cfg->calendars, &cfg->ncalendars, sizeof(*cal),
		    name, &created);
	if (created)
		cal->line = sec->line;
	parse_section(c, sec, calendar_keys, NKEYS(calendar_keys), cal);
}

static void
section_platform(struct ctx *c, const struct scan_section *sec,
		 const char *name)
{
	struct sm_config *cfg = c->cfg;
	struct sm_platform *p;
	int created;

	p = named((void **)&cfg->platforms, &cfg->nplatforms, sizeof(*p), name,
		  &created);
	if (created)
		p->line = sec->line;
	parse_section(c, sec, platform_keys, NKEYS(platform_keys), p);
	if (p->cadence.unit == SM_CADENCE_WEEK && p->slots.n > 0 &&
	    p->slots.n < (size_t)p->cadence.count)
		report(c, SM_WARNING, scan_key_line(c, sec->name, "slots"),
		       "[%s] slots: %zu slot%s a week for a cadence of %d/week",
		       sec->name, p->slots.n, p->slots.n == 1 ? "" : "s",
		       p->cadence.count);
}

static void
section_type(struct ctx *c, const struct scan_section *sec, const char *name)
{
	struct sm_content_type *t = type_add(c->cfg, name, sec->line);

	t->line = sec->line;
	parse_section(c, sec, type_keys, NKEYS(type_keys), t);
}

static void
section_webhook(struct ctx *c, const struct scan_section *sec, const char *name)
{
	struct sm_webhook *w;

	if (strcmp(name, SM_CONFIG_WEBHOOK_NONE) == 0) {
		report(c, SM_ERROR, sec->line,
		       "[%s]: the webhook name none is reserved (it means "
		       "the log sink); expected another name",
		       sec->name);
		return;
	}
	w = webhook_add(c->cfg, name, sec->line);
	parse_section(c, sec, webhook_keys, NKEYS(webhook_keys), w);
	if (w->format == SM_WEBHOOK_TEMPLATE && w->template_text == NULL)
		report(c, SM_ERROR, scan_key_line(c, sec->name, "format"),
		       "[%s] template: required key missing with format = "
		       "template; expected a text with {{placeholders}}",
		       sec->name);
	if (w->format != SM_WEBHOOK_TEMPLATE && w->template_text != NULL)
		report(c, SM_WARNING, scan_key_line(c, sec->name, "template"),
		       "[%s] template: ignored unless format = template",
		       sec->name);
	if (w->format != SM_WEBHOOK_TEMPLATE && w->escape != SM_ESCAPE_AUTO)
		report(c, SM_WARNING, scan_key_line(c, sec->name, "escape"),
		       "[%s] escape: ignored unless format = template",
		       sec->name);
	/* A value inserted raw into HTML, XML or a format smcal does not
	 * know lets calendar text rewrite the body: refuse, unless the
	 * config says how to escape or that raw is meant. */
	if (w->format == SM_WEBHOOK_TEMPLATE && w->escape == SM_ESCAPE_AUTO &&
	    sm_config_escape_for(w->content_type) < 0) {
		char vbuf[SHOW_MAX + 16];
		report(c, SM_ERROR, scan_key_line(c, sec->name, "content_type"),
		       "[%s] content_type = %s: smcal cannot escape template "
		       "values for this type; expected application/json or a "
		       "+json type, text/html, application/xml or a +xml type, "
		       "application/x-www-form-urlencoded or text/plain, or "
		       "escape = json, html, xml or form to choose the rule, "
		       "or escape = none to insert values as written",
		       sec->name, show(w->content_type, vbuf, sizeof(vbuf)));
	}
	if (w->secret != NULL && w->secret_file != NULL)
		report(c, SM_ERROR, scan_key_line(c, sec->name, "secret_file"),
		       "[%s] secret_file: set together with secret; expected "
		       "one of them",
		       sec->name);
}

/* An error or warning about a goal's key, naming its line and value. */
static void goal_report(struct ctx *c, enum sm_severity sev,
			const struct scan_section *sec, const char *key,
			const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
goal_report(struct ctx *c, enum sm_severity sev, const struct scan_section *sec,
	    const char *key, const char *fmt, ...)
{
	char vbuf[SHOW_MAX + 16], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(c, sev, scan_key_line(c, sec->name, key), "[%s] %s = %s: %s",
	       sec->name, key, show(value_of(c, sec, key), vbuf, sizeof(vbuf)),
	       msg);
}

/*
 * The SMART checks that need several keys: the target as an absolute
 * value, percentages only for rates, counts only growing, the deadline not
 * before the start, followers without post filters.
 */
static void
check_goal(struct ctx *c, const struct scan_section *sec, struct sm_goal *g)
{
	int rate, count;
	char date[40];

	if (g->start_set && g->deadline < g->start) {
		sm_civil_format(g->start, SM_CIVIL_DATE, date, sizeof(date));
		goal_report(c, SM_ERROR, sec, "deadline",
			    "before start = %s; expected a date on or after "
			    "the start",
			    date);
	}
	if (g->metric == NULL)
		return; /* missing or unknown: already reported */
	rate = sm_kpi_kind(g->kpi) == SM_KPI_KIND_RATE;
	count = sm_kpi_kind(g->kpi) == SM_KPI_KIND_COUNT;
	if (g->kpi == SM_KPI_FOLLOWERS) {
		if (g->type)
			goal_report(c, SM_ERROR, sec, "type",
				    "followers are counted per platform and "
				    "day, not per post; remove the key or "
				    "pick another metric");
		if (g->campaign)
			goal_report(c, SM_ERROR, sec, "campaign",
				    "followers are counted per platform and "
				    "day, not per post; remove the key or "
				    "pick another metric");
	}
	if (!rate && g->baseline_percent) {
		goal_report(c, SM_ERROR, sec, "baseline",
			    "a percentage is only for engagement_rate, ctr "
			    "and conversion_rate; expected a number such as "
			    "1000");
		return;
	}
	if (!rate && g->target_kind == SM_GOAL_TARGET_ABSOLUTE &&
	    g->target_percent) {
		goal_report(c, SM_ERROR, sec, "target",
			    "a percentage is only for engagement_rate, ctr "
			    "and conversion_rate; expected a number such as "
			    "1200, or +20%%");
		return;
	}
	if (rate && !g->baseline_percent && g->baseline > 1) {
		goal_report(c, SM_ERROR, sec, "baseline",
			    "a rate is a fraction: write 3%% or 0.03");
		return;
	}
	if (rate && g->target_kind == SM_GOAL_TARGET_ABSOLUTE &&
	    !g->target_percent && g->target > 1) {
		goal_report(c, SM_ERROR, sec, "target",
			    "a rate is a fraction: write 3%% or 0.03");
		return;
	}
	if (!g->target_set || !g->baseline_set)
		return;
	switch (g->target_kind) {
	case SM_GOAL_TARGET_ABSOLUTE:
		break;
	case SM_GOAL_TARGET_DELTA:
		g->target = g->baseline + g->target_change;
		break;
	case SM_GOAL_TARGET_PERCENT:
		if (g->baseline == 0) {
			goal_report(c, SM_ERROR, sec, "target",
				    "a change in percent of a baseline of 0 is "
				    "0; expected an absolute target such as "
				    "500 or a change such as +500");
			return;
		}
		g->target = g->baseline * (1 + g->target_change / 100);
		break;
	}
	if (g->target < 0) {
		goal_report(c, SM_ERROR, sec, "target",
			    "the target is below 0; expected a target of 0 "
			    "or more");
	} else if (count && g->target < g->baseline) {
		char b[40];
		snprintf(b, sizeof(b), "%.15g", g->baseline);
		goal_report(c, SM_ERROR, sec, "target",
			    "%s adds up over the goal's span, so it cannot go "
			    "below the baseline; expected a target of %s or "
			    "more",
			    g->metric, b);
	} else if (g->target == g->baseline) {
		goal_report(c, SM_WARNING, sec, "target",
			    "equals the baseline, so there is nothing to "
			    "reach");
	}
}

static void
section_goal(struct ctx *c, const struct scan_section *sec, const char *name)
{
	struct sm_config *cfg = c->cfg;
	struct sm_goal *g;
	int created;

	g = named((void **)&cfg->goals, &cfg->ngoals, sizeof(*g), name,
		  &created);
	if (created) {
		g->line = sec->line;
		g->tolerance = 0.10;
	}
	parse_section(c, sec, goal_keys, NKEYS(goal_keys), g);
	g->target_line = scan_key_line(c, sec->name, "target");
	check_goal(c, sec, g);
}

static const char *const single_sections[] = {
	"daemon", "reminders", "cadence", "mix", NULL,
};
static const char *const named_sections[] = {
	"calendar", "platform", "type", "webhook", "goal", NULL,
};

static void
unknown_section(struct ctx *c, const struct scan_section *sec)
{
	char kind[NAME_MAX_LEN + 1];
	const char *colon = strchr(sec->name, ':');
	size_t n = colon ? (size_t)(colon - sec->name) : strlen(sec->name);
	size_t i, d, bestd = 3;
	const char *best = NULL;
	int best_named = 0;

	if (n <= NAME_MAX_LEN) {
		memcpy(kind, sec->name, n);
		kind[n] = '\0';
		for (i = 0; single_sections[i]; i++) {
			d = distance(kind, single_sections[i]);
			if (d < bestd) {
				bestd = d;
				best = single_sections[i];
				best_named = 0;
			}
		}
		for (i = 0; named_sections[i]; i++) {
			d = distance(kind, named_sections[i]);
			if (d < bestd) {
				bestd = d;
				best = named_sections[i];
				best_named = 1;
			}
		}
	}
	if (best != NULL)
		report(c, SM_WARNING, sec->line,
		       "[%s]: unknown section, ignored (did you mean [%s%s]?)",
		       sec->name, best, best_named ? ":NAME" : "");
	else
		report(c, SM_WARNING, sec->line,
		       "[%s]: unknown section, ignored", sec->name);
}

static void
section(struct ctx *c, const struct scan_section *sec)
{
	const char *colon = strchr(sec->name, ':');
	char kind[16], *name;
	size_t n, i;

	if (sec->name[0] == '\0') {
		for (i = 0; i < sec->nkeys; i++)
			report(c, SM_WARNING, sec->keys[i].line,
			       "%s: key outside any section, ignored",
			       sec->keys[i].name);
		if (sec->line > 0)
			report(c, SM_WARNING, sec->line,
			       "[]: empty section name, its keys are ignored");
		return;
	}
	if (colon == NULL) {
		if (strcmp(sec->name, "daemon") == 0)
			parse_section(c, sec, daemon_keys, NKEYS(daemon_keys),
				      c->cfg);
		else if (strcmp(sec->name, "reminders") == 0)
			parse_section(c, sec, reminders_keys,
				      NKEYS(reminders_keys), c->cfg);
		else if (strcmp(sec->name, "cadence") == 0)
			parse_section(c, sec, cadence_keys, NKEYS(cadence_keys),
				      c->cfg);
		else if (strcmp(sec->name, "mix") == 0)
			section_mix(c, sec);
		else
			unknown_section(c, sec);
		return;
	}
	n = (size_t)(colon - sec->name);
	for (i = 0; named_sections[i]; i++)
		if (strlen(named_sections[i]) == n &&
		    strncmp(sec->name, named_sections[i], n) == 0)
			break;
	if (named_sections[i] == NULL) {
		unknown_section(c, sec);
		return;
	}
	snprintf(kind, sizeof(kind), "%s", named_sections[i]);
	name = xstrdup(colon + 1);
	if (!name_valid(name)) {
		report(c, SM_ERROR, sec->line,
		       "[%s]: expected [%s:NAME] with a NAME of up to %d "
		       "letters, digits, '_', '-' or '.'",
		       sec->name, kind, NAME_MAX_LEN);
	} else if (strcmp(kind, "calendar") == 0) {
		section_calendar(c, sec, name);
	} else if (strcmp(kind, "platform") == 0) {
		section_platform(c, sec, name);
	} else if (strcmp(kind, "type") == 0) {
		section_type(c, sec, name);
	} else if (strcmp(kind, "webhook") == 0) {
		section_webhook(c, sec, name);
	} else {
		section_goal(c, sec, name);
	}
	free(name);
}

/* ------------------------------------------------------------------ */
/* Defaults and cross-references                                       */
/* ------------------------------------------------------------------ */

static void
fill_defaults(struct sm_config *cfg)
{
	size_t i;

	if (cfg->event_log == NULL) {
		size_t n = strlen(cfg->state_dir) + sizeof("/events.jsonl");
		cfg->event_log = xcalloc(1, n);
		snprintf(cfg->event_log, n, "%s%sevents.jsonl", cfg->state_dir,
			 cfg->state_dir[strlen(cfg->state_dir) - 1] == '/'
				 ? ""
				 : "/");
	}
	for (i = 0; i < cfg->ncalendars; i++)
		if (cfg->calendars[i].timezone == NULL)
			cfg->calendars[i].timezone = xstrdup(cfg->timezone);
	for (i = 0; i < cfg->nwebhooks; i++)
		if (cfg->webhooks[i].timezone == NULL)
			cfg->webhooks[i].timezone = xstrdup(cfg->timezone);
	for (i = 0; i < cfg->nplatforms; i++) {
		struct sm_platform *p = &cfg->platforms[i];
		if (!p->lead_set)
			durations_copy(&p->lead, cfg->lead.v, cfg->lead.n);
		if (p->categories.n == 0)
			list_one(&p->categories, p->name);
	}
	for (i = 0; i < cfg->ntypes; i++)
		if (cfg->types[i].categories.n == 0)
			list_one(&cfg->types[i].categories, cfg->types[i].name);
}

static void
check_references(struct ctx *c)
{
	char vbuf[SHOW_MAX + 16];
	size_t i;

	for (i = 0; i < c->nrefs; i++) {
		const struct ref *r = &c->refs[i];
		const char *kind = r->platform ? "platform" : "webhook";

		if (r->platform
			    ? sm_config_platform(c->cfg, r->name) != NULL
			    : strcmp(r->name, SM_CONFIG_WEBHOOK_NONE) == 0 ||
				      sm_config_webhook(c->cfg, r->name))
			continue;
		report(c, SM_ERROR, r->line,
		       "[%s] %s = %s: no [%s:%s] section; expected the name of "
		       "a [%s:NAME] section%s",
		       r->section, r->key, show(r->name, vbuf, sizeof(vbuf)),
		       kind, r->name, kind, r->platform ? "" : ", or none");
	}
}

/* A goal's type filter should name a content type the config knows. */
static void
check_goal_types(struct ctx *c)
{
	char sname[NAME_MAX_LEN + 8], vbuf[SHOW_MAX + 16];

	for (size_t i = 0; i < c->cfg->ngoals; i++) {
		const struct sm_goal *g = &c->cfg->goals[i];
		if (!g->type || sm_config_type(c->cfg, g->type))
			continue;
		snprintf(sname, sizeof(sname), "goal:%s", g->name);
		report(c, SM_WARNING, scan_key_line(c, sname, "type"),
		       "[%s] type = %s: no [type:%s] section or [mix] key "
		       "names this content type; posts must carry it as "
		       "X-SMCAL-TYPE exactly",
		       sname, show(g->type, vbuf, sizeof(vbuf)), g->type);
	}
}

static void
free_refs(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nrefs; i++) {
		free(c->refs[i].section);
		free(c->refs[i].name);
	}
	free(c->refs);
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */
/* ------------------------------------------------------------------ */

struct sm_config *
sm_config_defaults(void)
{
	struct sm_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->socket = xstrdup("/run/smcal/smcal.sock");
	cfg->state_dir = xstrdup("/var/lib/smcal");
	cfg->timezone = xstrdup("UTC");
	cfg->catchup = 6 * 3600;
	cfg->allday_time = 9 * 60;
	cfg->log_level = SM_LOG_INFO;
	cfg->watchdog = 1;
	cfg->fire_drafts = 0;
	cfg->series_cap = 60;
	cfg->retention = 30 * 86400;
	durations_copy(&cfg->lead, default_lead, NKEYS(default_lead));
	cfg->overdue = 2 * 3600;
	cfg->week_start = 0;
	cfg->lookahead = 4;
	cfg->gap_notice = 3 * 86400;
	cfg->mix_window = 4 * 7 * 86400;
	fill_defaults(cfg);
	return cfg;
}

static void
free_calendar(struct sm_calendar_conf *cal)
{
	free(cal->name);
	free(cal->path);
	free(cal->webhook);
	sm_config_list_free(&cal->webhooks);
	free(cal->timezone);
}

static void
free_platform(struct sm_platform *p)
{
	free(p->name);
	free(p->slots.v);
	free(p->lead.v);
	free(p->webhook);
	sm_config_list_free(&p->categories);
}

static void
free_webhook(struct sm_webhook *w)
{
	free(w->name);
	free(w->url);
	free(w->template_text);
	free(w->content_type);
	sm_config_list_free(&w->headers);
	free(w->secret);
	free(w->secret_file);
	free(w->backoff.v);
	free(w->ca_file);
	free(w->locale);
	free(w->date_format);
	free(w->timezone);
}

void
sm_config_free(struct sm_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->socket);
	free(cfg->socket_group);
	sm_config_list_free(&cfg->admin_groups);
	sm_config_list_free(&cfg->read_groups);
	sm_config_list_free(&cfg->admin_users);
	free(cfg->state_dir);
	free(cfg->event_log);
	free(cfg->timezone);
	free(cfg->webhook);
	free(cfg->lead.v);
	for (i = 0; i < cfg->ncalendars; i++)
		free_calendar(&cfg->calendars[i]);
	free(cfg->calendars);
	for (i = 0; i < cfg->nplatforms; i++)
		free_platform(&cfg->platforms[i]);
	free(cfg->platforms);
	for (i = 0; i < cfg->ntypes; i++) {
		free(cfg->types[i].name);
		sm_config_list_free(&cfg->types[i].categories);
	}
	free(cfg->types);
	for (i = 0; i < cfg->nwebhooks; i++)
		free_webhook(&cfg->webhooks[i]);
	free(cfg->webhooks);
	for (i = 0; i < cfg->ngoals; i++) {
		free(cfg->goals[i].name);
		free(cfg->goals[i].metric);
		free(cfg->goals[i].platform);
		free(cfg->goals[i].type);
		free(cfg->goals[i].campaign);
	}
	free(cfg->goals);
	free(cfg);
}

struct diag_order {
	int line;
	size_t index;
};

static int
diag_order_cmp(const void *a, const void *b)
{
	const struct diag_order *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Hands the local diagnostics to the caller in line order. */
static void
flush_diags(struct ctx *c, struct sm_diag_list *out)
{
	struct diag_order *ord;
	size_t i;

	if (out != NULL && c->diags.n > 0) {
		ord = xcalloc(c->diags.n, sizeof(*ord));
		for (i = 0; i < c->diags.n; i++) {
			ord[i].line = c->diags.items[i].line;
			ord[i].index = i;
		}
		qsort(ord, c->diags.n, sizeof(*ord), diag_order_cmp);
		for (i = 0; i < c->diags.n; i++) {
			const struct sm_diag *d = &c->diags.items[ord[i].index];
			sm_diag_add(out, d->severity, d->file, d->line, "%s",
				    d->message);
		}
		free(ord);
	}
	sm_diag_clear(&c->diags);
}

int
sm_config_load(const char *path, struct sm_config **out,
	       struct sm_diag_list *diags)
{
	struct ctx c;
	struct stat st;
	FILE *in;
	size_t i;
	int rc, err;

	*out = NULL;
	if (path == NULL) {
		*out = sm_config_defaults();
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.file = path;
	in = fopen(path, "r");
	if (in == NULL || fstat(fileno(in), &st) < 0 || S_ISDIR(st.st_mode)) {
		err = in == NULL ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
		if (in != NULL)
			fclose(in);
		if (diags != NULL)
			sm_diag_add(diags, SM_ERROR, path, 0, "cannot open: %s",
				    strerror(err));
		return -err;
	}
	c.cfg = sm_config_defaults();
	/* Filled again once the file has said what state_dir is. */
	free(c.cfg->event_log);
	c.cfg->event_log = NULL;
	c.cfg->path = xstrdup(path);
	rc = scan_file(&c, in);
	fclose(in);
	if (rc == 0) {
		c.dict = iniparser_load(path);
		if (c.dict == NULL) {
			report(&c, SM_ERROR, 0,
			       "iniparser could not read the file");
		} else {
			for (i = 0; i < c.scan.n; i++)
				section(&c, &c.scan.v[i]);
			fill_defaults(c.cfg);
			c.cfg->state_dir_line =
				key_line(&c, "daemon", "state_dir");
			c.cfg->event_log_line =
				key_line(&c, "daemon", "event_log");
			check_references(&c);
			check_goal_types(&c);
			iniparser_freedict(c.dict);
		}
	}
	rc = c.diags.nerrors > 0 ? -EINVAL : 0;
	flush_diags(&c, diags);
	scan_free(&c.scan);
	free_refs(&c);
	if (rc < 0) {
		sm_config_free(c.cfg);
		return rc;
	}
	*out = c.cfg;
	return 0;
}

static const void *
find_named(const void *arr, size_t n, size_t size, const char *name)
{
	const char *base = arr;
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcasecmp(*(char *const *)(const void *)(base + i * size),
			       name) == 0)
			return base + i * size;
	return NULL;
}

const struct sm_platform *
sm_config_platform(const struct sm_config *cfg, const char *name)
{
	return find_named(cfg->platforms, cfg->nplatforms,
			  sizeof(*cfg->platforms), name);
}

const struct sm_webhook *
sm_config_webhook(const struct sm_config *cfg, const char *name)
{
	return find_named(cfg->webhooks, cfg->nwebhooks, sizeof(*cfg->webhooks),
			  name);
}

const struct sm_calendar_conf *
sm_config_calendar(const struct sm_config *cfg, const char *name)
{
	return find_named(cfg->calendars, cfg->ncalendars,
			  sizeof(*cfg->calendars), name);
}

const struct sm_content_type *
sm_config_type(const struct sm_config *cfg, const char *name)
{
	return find_named(cfg->types, cfg->ntypes, sizeof(*cfg->types), name);
}

static int
list_has(const struct sm_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

const struct sm_platform *
sm_config_platform_by_category(const struct sm_config *cfg,
			       const char *category)
{
	size_t i;

	for (i = 0; i < cfg->nplatforms; i++)
		if (list_has(&cfg->platforms[i].categories, category))
			return &cfg->platforms[i];
	return NULL;
}

const struct sm_content_type *
sm_config_type_by_category(const struct sm_config *cfg, const char *category)
{
	size_t i;

	for (i = 0; i < cfg->ntypes; i++)
		if (list_has(&cfg->types[i].categories, category))
			return &cfg->types[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* What only the daemon's machine can tell                             */
/* ------------------------------------------------------------------ */

int
sm_config_secret_file_read(const char *path,
			   void (*fn)(void *ctx, int line, const char *secret),
			   void *ctx)
{
	FILE *f = fopen(path, "re");
	char buf[512];
	int line = 0;

	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		char *p = buf, *e = buf + strlen(buf);

		line++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p && *p != '#')
			fn(ctx, line, p);
	}
	if (ferror(f)) {
		int err = errno;
		fclose(f);
		errno = err;
		return -1;
	}
	fclose(f);
	return 0;
}

struct secret_check {
	const struct sm_config *cfg;
	const struct sm_webhook *w;
	struct sm_diag_list *diags;
	int n, bad;
};

static void
secret_check_one(void *ctx, int line, const char *secret)
{
	struct secret_check *sc = ctx;
	size_t klen;

	sc->n++;
	if (sm_config_secret_decode(secret, NULL, 0, &klen) < 0) {
		/* Never echo a secret: its line in the file says which. */
		sm_diag_add(sc->diags, SM_ERROR, sc->cfg->path,
			    sc->w->secret_file_line,
			    "[webhook:%s] secret_file = %s: line %d is not a "
			    "secret; expected whsec_ followed by a base64 key, "
			    "one per line",
			    sc->w->name, sc->w->secret_file, line);
		sc->bad++;
	}
}

size_t
sm_config_check_host(const struct sm_config *cfg, enum sm_host_locales locales,
		     struct sm_diag_list *diags)
{
	size_t before = diags->nerrors, i;

	for (i = 0; i < cfg->nwebhooks; i++) {
		const struct sm_webhook *w = &cfg->webhooks[i];

		if (w->secret_file != NULL) {
			struct secret_check sc = {cfg, w, diags, 0, 0};
			struct stat st;

			if (sm_config_secret_file_read(
				    w->secret_file, secret_check_one, &sc) < 0)
				sm_diag_add(diags, SM_ERROR, cfg->path,
					    w->secret_file_line,
					    "[webhook:%s] secret_file = %s: "
					    "cannot read: %s; expected a file "
					    "smcald can read, with one "
					    "whsec_ secret per line",
					    w->name, w->secret_file,
					    strerror(errno));
			else if (sc.n == 0)
				sm_diag_add(diags, SM_ERROR, cfg->path,
					    w->secret_file_line,
					    "[webhook:%s] secret_file = %s: "
					    "no secret in the file; expected "
					    "whsec_ followed by a base64 key, "
					    "one per line",
					    w->name, w->secret_file);
			else if (stat(w->secret_file, &st) == 0 &&
				 (st.st_mode & (S_IROTH | S_IWOTH)))
				sm_diag_add(diags, SM_WARNING, cfg->path,
					    w->secret_file_line,
					    "[webhook:%s] secret_file = %s: "
					    "readable by others (mode %03o); "
					    "chmod o-rwx it",
					    w->name, w->secret_file,
					    (unsigned)(st.st_mode & 0777));
		}
		if (w->locale != NULL && locales == SM_HOST_LOCALE_ERROR) {
			locale_t loc =
				newlocale(LC_ALL_MASK, w->locale, (locale_t)0);
			if (loc == (locale_t)0)
				sm_diag_add(
					diags, SM_ERROR, cfg->path,
					w->locale_line,
					"[webhook:%s] locale = %s: not "
					"installed on this machine (locale "
					"-a lists those that are); expected "
					"an installed locale, e.g. after "
					"locale-gen %s",
					w->name, w->locale, w->locale);
			else
				freelocale(loc);
		}
	}
	return diags->nerrors - before;
}
