/*
 * postview: the Post object of io.smcal.Posts, its order and statuses.
 */
#include "postview.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
	[SM_PV_DRAFT] = "draft",
	[SM_PV_SCHEDULED] = "scheduled",
	[SM_PV_CANCELLED] = "cancelled",
	[SM_PV_DONE] = "done",
};

enum sm_postview_status
sm_postview_status_of(int cancelled, int done, int draft)
{
	if (cancelled)
		return SM_PV_CANCELLED;
	if (done)
		return SM_PV_DONE;
	return draft ? SM_PV_DRAFT : SM_PV_SCHEDULED;
}

const char *
sm_postview_status_name(enum sm_postview_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "scheduled";
	return status_names[s];
}

int
sm_postview_status_parse(const char *s)
{
	for (size_t i = 0;
	     s && i < sizeof(status_names) / sizeof(*status_names); i++)
		if (strcmp(s, status_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
member_string(struct sm_jsonw *w, const char *key, const char *v)
{
	if (!v)
		return;
	sm_jsonw_key(w, key);
	sm_jsonw_string(w, v);
}

/* A text member cut at SM_POSTVIEW_MAX_TEXT bytes (before a UTF-8
 * continuation byte); returns 1 when it was cut. */
static int
member_text(struct sm_jsonw *w, const char *key, const char *v)
{
	if (!v)
		return 0;
	size_t n = strnlen(v, SM_POSTVIEW_MAX_TEXT + 1);
	if (n <= SM_POSTVIEW_MAX_TEXT) {
		member_string(w, key, v);
		return 0;
	}
	n = SM_POSTVIEW_MAX_TEXT;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	char *cut = malloc(n + 1);
	if (!cut)
		abort();
	memcpy(cut, v, n);
	cut[n] = '\0';
	member_string(w, key, cut);
	free(cut);
	return 1;
}

void
sm_postview_json(struct sm_jsonw *w, const struct sm_postview *v,
		 const struct sm_tz *zone)
{
	char buf[SM_TZ_RFC3339_MAX];
	sm_jsonw_open(w, '{');
	member_string(w, "id", v->id ? v->id : "");
	member_string(w, "occurrence", v->occurrence ? v->occurrence : "");
	member_string(w, "calendar", v->calendar ? v->calendar : "");
	int cut = member_text(w, "title", v->title);
	cut |= member_text(w, "body", v->body);
	member_string(
		w, "publish_at",
		sm_civil_format(v->publish_at, SM_CIVIL_UTC, buf, sizeof(buf)));
	member_string(
		w, "publish_at_local",
		sm_tz_format(zone, v->publish_at * 1000, 0, buf, sizeof(buf)));
	sm_jsonw_key(w, "platforms");
	sm_jsonw_open(w, '[');
	for (int i = 0; i < v->nplatforms; i++) {
		sm_jsonw_elem(w);
		sm_jsonw_string(w, v->platforms[i]);
	}
	sm_jsonw_close(w, ']');
	cut |= member_text(w, "type", v->type);
	cut |= member_text(w, "persona", v->persona);
	cut |= member_text(w, "campaign", v->campaign);
	cut |= member_text(w, "url", v->url);
	member_string(w, "status", sm_postview_status_name(v->status));
	sm_jsonw_key(w, "recurring");
	sm_jsonw_raw(w, v->recurring ? "true" : "false", v->recurring ? 4 : 5);
	if (v->done) {
		member_string(w, "done_at",
			      sm_civil_format(v->done_at, SM_CIVIL_UTC, buf,
					      sizeof(buf)));
		cut |= member_text(w, "posted_url", v->posted_url);
	}
	if (cut) {
		sm_jsonw_key(w, "truncated");
		sm_jsonw_raw(w, "true", 4);
	}
	sm_jsonw_close(w, '}');
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

int
sm_postview_cmp(sm_time at_a, const char *cal_a, const char *id_a,
		const char *occ_a, sm_time at_b, const char *cal_b,
		const char *id_b, const char *occ_b)
{
	if (at_a != at_b)
		return at_a < at_b ? -1 : 1;
	int c = str_cmp(cal_a, cal_b);
	if (c == 0)
		c = str_cmp(id_a, id_b);
	if (c == 0)
		c = str_cmp(occ_a, occ_b);
	return c;
}

/* Rewrites iCalendar's basic forms (20261201, 20261201T0800[00][Z]) in
 * the extended form sm_civil_parse reads; other text is copied. */
static void
extend(const char *s, char *out, size_t len)
{
	size_t n = strlen(s), digits = 0;
	while (digits < n && isdigit((unsigned char)s[digits]))
		digits++;
	if (digits == 8 && (n == 8 || s[8] == 'T')) {
		const char *t = s + 9;
		size_t tn = n > 9 ? n - 9 : 0, td = 0;
		while (td < tn && isdigit((unsigned char)t[td]))
			td++;
		if (n == 8)
			snprintf(out, len, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
		else if (td == 6)
			snprintf(out, len, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s", s,
				 s + 4, s + 6, t, t + 2, t + 4, t + 6);
		else if (td == 4)
			snprintf(out, len, "%.4s-%.2s-%.2sT%.2s:%.2s%s", s,
				 s + 4, s + 6, t, t + 2, t + 4);
		else
			snprintf(out, len, "%s", s);
		return;
	}
	snprintf(out, len, "%s", s);
}

int
sm_postview_rid_parse(const char *s, char *out, size_t len,
		      enum sm_civil_style *kind, sm_time *at)
{
	char buf[64];
	if (!s || strlen(s) >= sizeof(buf) - 8)
		return -1;
	extend(s, buf, sizeof(buf));
	sm_time t;
	int has_offset = 0, date_only = 0;
	if (sm_civil_parse(buf, &t, &has_offset, &date_only) < 0)
		return -1;
	enum sm_civil_style k = date_only    ? SM_CIVIL_DATE
				: has_offset ? SM_CIVIL_UTC
					     : SM_CIVIL_LOCAL;
	char tmp[32];
	sm_civil_format(t, k, tmp, sizeof(tmp));
	if (strlen(tmp) >= len)
		return -1;
	memcpy(out, tmp, strlen(tmp) + 1);
	if (kind)
		*kind = k;
	if (at)
		*at = t;
	return 0;
}
