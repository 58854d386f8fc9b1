/*
 * published: what was published and what it achieved, as lib/metrics and
 * lib/goals take it.  The occurrences of the calendars' series and of the
 * queue over a window (cancelled ones left out: in their calendar, or
 * through the control socket, sm_store_cancel), joined with the store's
 * done marks and current metric values (lib/metricstore) by occurrence
 * (calendar, UID, identity), and the followers counts.
 *
 * An occurrence is published when it is marked done or has a metric
 * recorded: those are the report's and the goals' posts.  Every
 * occurrence of the window, with the URL of its done mark, is a candidate
 * for an import's rows.  Values of an occurrence that is no longer in a
 * calendar (or outside the window) stay in the store and out of the lists.
 *
 * Queued posts are read from the store (sm_queue_list); a series of the
 * calendar "queue" in the set is skipped, so a world that also holds the
 * queue as a calendar does not count its posts twice.  Used by the
 * methods of io.smcal.Metrics, the goal checks and smcald --check; no
 * event loop here.
 */
#ifndef SMCALD_PUBLISHED_H
#define SMCALD_PUBLISHED_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "metrics.h"
#include "occur.h"
#include "store.h"

/* One occurrence of the window.  Strings are borrowed from the calendars
 * or the config, or copied into the list's arena. */
struct pub_occ {
	const char *calendar, *uid, *rid;
	const char *title, *type, *persona, *campaign;
	sm_time at;
	size_t plat; /* first platform name in the list's pool */
	int nplat;
	int recurring; /* one occurrence of a series: rid names it */
	int done;
	int cancelled;	      /* through the socket: dropped after the join */
	const char *done_url; /* may be NULL */
	struct sm_metric_values values;
};

struct published {
	struct sm_arena arena;
	struct pub_occ *occ; /* every non-cancelled occurrence of the window */
	size_t nocc, cap;
	const char **pool; /* platform names */
	size_t npool, pool_cap;
	/* The published ones (done or with values), as lib/metrics takes
	 * them; post_occ[i] is the occurrence of posts[i]. */
	struct sm_metrics_post *posts;
	size_t *post_occ;
	size_t nposts;
	/* Current followers counts, by platform then day (published_load_
	 * followers). */
	struct sm_metrics_followers *followers;
	size_t nfollowers;
};

/*
 * Gathers the occurrences publishing in [from, to) of set's series (under
 * cfg and opts; the set may be NULL) and of the queue, then joins the done
 * marks and current values of st.  Returns 0, or -1 with the store's
 * message in err.
 */
int published_gather(struct published *p, const struct sm_config *cfg,
		     const struct sm_series_set *set,
		     const struct sm_occur_opts *opts, struct sm_store *st,
		     sm_time from, sm_time to, char *err, size_t errlen);

/* Reads every current followers count into p->followers.  0 or -1 with
 * err. */
int published_load_followers(struct published *p, struct sm_store *st,
			     char *err, size_t errlen);

/* The platforms of an occurrence (borrowed from p). */
const char *const *published_platforms(const struct published *p,
				       const struct pub_occ *o);

/* Fills c (p->nocc entries, the caller's) with every occurrence as an
 * import candidate: id (queue id or UID), done mark URL, instant,
 * platforms. */
void published_candidates(const struct published *p,
			  struct sm_metrics_candidate *c);

/* 1 when a series has several occurrences (a rule, RDATEs, overrides):
 * then an occurrence's identity names one. */
int published_recurring(const struct sm_series *s);

/* The series of set with that UID (outside the calendar "queue"): returns
 * how many there are (one UID in two calendars gives two), the first in
 * *out. */
size_t published_find_series(const struct sm_series_set *set, const char *uid,
			     const struct sm_series **out);

/*
 * The occurrence of s whose identity (sm_occur_format_rid) is rid, cancelled
 * or not: 1 and *out, or 0.  The search looks around the instant rid
 * names (THISANDFUTURE shifts included) and around each override's own
 * start, so a moved override is found too.
 */
int published_find_occurrence(const struct sm_series *s,
			      const struct sm_occur_opts *opts, const char *rid,
			      struct sm_occurrence *out);

/* Frees what p holds and empties it; an emptied p is a no-op. */
void published_free(struct published *p);

#endif
