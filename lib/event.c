/*
 * event: serialisation of fired events.
 */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "post.h"

static void
put_time_ms(struct sm_jsonw *w, sm_time_ms ms)
{
	char buf[40];
	sm_time secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int frac = (int)(ms - secs * 1000);
	sm_civil_format(secs, SM_CIVIL_UTC, buf, sizeof(buf));
	/* "...:SSZ" becomes "...:SS.mmmZ" */
	size_t n = strlen(buf);
	snprintf(buf + n - 1, sizeof(buf) - (n - 1), ".%03dZ", frac);
	sm_jsonw_string(w, buf);
}

static void
put_long(struct sm_jsonw *w, long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", v);
	sm_jsonw_raw(w, buf, (size_t)n);
}

void
sm_event_json(struct sm_jsonw *w, const struct sm_config *cfg,
	      const struct sm_sched_event *ev, sm_time_ms fired_at, int late)
{
	const struct sm_occurrence *occ = &ev->occ;
	const struct sm_post *p = occ->post;
	const struct sm_series *s = occ->series;
	char buf[40];
	sm_jsonw_reset(w);
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, sm_event_type_name(ev->type));
	sm_jsonw_key(w, "id");
	sm_jsonw_string(w, ev->id);
	sm_jsonw_key(w, "scheduled_at");
	put_time_ms(w, (sm_time_ms)ev->at * 1000);
	sm_jsonw_key(w, "fired_at");
	put_time_ms(w, fired_at);
	sm_jsonw_key(w, "late");
	sm_jsonw_raw(w, late ? "true" : "false", late ? 4 : 5);
	sm_jsonw_key(w, "lead_s");
	put_long(w, ev->lead);
	sm_jsonw_key(w, "post");
	sm_jsonw_open(w, '{');
	sm_jsonw_key(w, "uid");
	sm_jsonw_string(w, s->master ? s->master->uid : p->uid);
	sm_jsonw_key(w, "recurrence_id");
	sm_jsonw_string(w, sm_occur_format_rid(occ, buf, sizeof(buf)));
	sm_jsonw_key(w, "calendar");
	sm_jsonw_string(w, s->calendar);
	sm_jsonw_key(w, "title");
	sm_jsonw_string(w, p->title);
	sm_jsonw_key(w, "body");
	sm_jsonw_string(w, p->body);
	sm_jsonw_key(w, "publish_at");
	sm_jsonw_string(
		w, sm_civil_format(occ->start, SM_CIVIL_UTC, buf, sizeof(buf)));
	sm_jsonw_key(w, "platforms");
	sm_jsonw_open(w, '[');
	const char *names[32];
	int n = sm_post_platforms(cfg, p, names, 32);
	for (int i = 0; i < n; i++) {
		sm_jsonw_elem(w);
		sm_jsonw_string(w, names[i]);
	}
	sm_jsonw_close(w, ']');
	sm_jsonw_key(w, "type");
	sm_jsonw_string(w, sm_post_type(cfg, p));
	sm_jsonw_key(w, "persona");
	sm_jsonw_string(w, p->persona);
	sm_jsonw_key(w, "campaign");
	sm_jsonw_string(w, p->campaign);
	sm_jsonw_key(w, "url");
	sm_jsonw_string(w, p->url);
	sm_jsonw_key(w, "status");
	sm_jsonw_string(w, sm_post_status_name(p, occ->cancelled));
	sm_jsonw_close(w, '}');
	sm_jsonw_close(w, '}');
}
