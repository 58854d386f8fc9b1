/*
 * outbox: webhook deliveries, durable in the store's database.
 *
 * A delivery is one event for one webhook.  It is recorded (pending) in the
 * same transaction as the event's ledger row, before any attempt; each
 * attempt marks it sending and counts it; each outcome is recorded after
 * the attempt: delivered, failed, or pending again with the instant of the
 * next try.  On start, deliveries left sending by a crash go back to
 * pending.  The webhook-id a receiver sees is the event id, the same for
 * every attempt and across restarts.
 */
#ifndef SM_OUTBOX_H
#define SM_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum sm_delivery_status {
	SM_DELIVERY_PENDING,
	SM_DELIVERY_SENDING,
	SM_DELIVERY_DELIVERED,
	SM_DELIVERY_FAILED,
};

struct sm_delivery {
	int64_t id;	      /* assigned by the store */
	const char *event_id; /* also the webhook-id header */
	const char *webhook;
	const char *event_type;
	int64_t event_at; /* the event's instant (s), for max_age */
	const char *body;
	size_t body_len;
	const char *content_type;
	const char *headers; /* the format's extra "Name: value" lines,
				'\n'-separated (configured headers are
				added at send time: sm_outbox_headers) */
	int json_event;	     /* "attempt" is added to the body per try */
	enum sm_delivery_status status;
	int attempts;
	int64_t next_at;  /* ms: when the next attempt is due */
	long last_status; /* HTTP status of the last attempt, or 0 */
	const char *last_error;
	int64_t created_at, updated_at; /* ms */
};

struct sm_strlist;

/*
 * Calls fn(ctx, name, name_len, value, value_len) for each extra header to
 * send with a delivery, in order: the row's lines (what the format
 * generated), then the webhook's configured headers as the config has them
 * now.  A configured header replaces the row's lines of the same name
 * (names compare without case), and a name is taken from the row once (its
 * first line): rows written before the configured headers were kept out of
 * the outbox hold them after the format's, and those never go out twice
 * or with a stale value.
 */
void sm_outbox_headers(const char *row_headers,
		       const struct sm_strlist *configured,
		       void (*fn)(void *ctx, const char *name, size_t name_len,
				  const char *value, size_t value_len),
		       void *ctx);

/* Called once per delivery listed; the strings live until it returns. */
typedef void (*sm_delivery_fn)(void *ctx, const struct sm_delivery *d);

/* Records a pending delivery due at d->next_at (idempotent by event id and
 * webhook).  Joins an open transaction (sm_store_begin).  0 or -1. */
int sm_outbox_add(struct sm_store *st, const struct sm_delivery *d,
		  int64_t now_ms);

/* The earliest next_at of pending deliveries to webhooks not disabled:
 * returns 1 and fills *at_ms, 0 when there is none, -1 on error. */
int sm_outbox_next_due(struct sm_store *st, int64_t *at_ms);

/* The earliest next_at of one webhook's pending deliveries: 1 and *at_ms,
 * 0 when there is none, -1 on error. */
int sm_outbox_next_due_of(struct sm_store *st, const char *webhook,
			  int64_t *at_ms);

/* Lists up to limit pending deliveries of one webhook due at or before
 * now_ms, oldest first; returns the count or -1. */
int sm_outbox_due(struct sm_store *st, const char *webhook, int64_t now_ms,
		  size_t limit, sm_delivery_fn fn, void *ctx);

/* Marks a delivery sending and counts the attempt.  0 or -1. */
int sm_outbox_start(struct sm_store *st, int64_t id, int64_t now_ms);

/* Records an attempt's outcome: delivered, failed, or pending with the
 * next try at next_at.  0 or -1. */
int sm_outbox_finish(struct sm_store *st, int64_t id,
		     enum sm_delivery_status status, int64_t next_at,
		     long http_status, const char *error, int64_t now_ms);

/* Puts deliveries left sending (a crash mid-attempt) back to pending, due
 * now; returns how many, or -1. */
int sm_outbox_recover(struct sm_store *st, int64_t now_ms);

enum sm_outbox_filter {
	SM_OUTBOX_RECENT,  /* every status, most recently updated first */
	SM_OUTBOX_PENDING, /* pending and sending, next due first */
	SM_OUTBOX_FAILED,  /* failed, most recent first */
};

/* Lists deliveries; returns the count or -1. */
int sm_outbox_list(struct sm_store *st, enum sm_outbox_filter filter,
		   size_t limit, sm_delivery_fn fn, void *ctx);

/* Counts the deliveries a filter lists (RECENT: all); -1 on error. */
long sm_outbox_count(struct sm_store *st, enum sm_outbox_filter filter);

/* Calls fn for the delivery with this id: returns 1, 0 when there is no
 * such delivery, -1 on error. */
int sm_outbox_get(struct sm_store *st, int64_t id, sm_delivery_fn fn,
		  void *ctx);

/* Requeues a failed delivery (by id) for an attempt now, with a fresh
 * attempt count; returns 1 when requeued, 0 when there is no such failed
 * delivery, -1 on error. */
int sm_outbox_retry(struct sm_store *st, int64_t id, int64_t now_ms);

/* Calls fn(ctx, webhook) for each webhook with pending deliveries;
 * returns the count or -1. */
int sm_outbox_pending_webhooks(struct sm_store *st,
			       void (*fn)(void *ctx, const char *webhook),
			       void *ctx);

/* Fails every pending delivery of a webhook with the reason (a webhook
 * that is no longer configured); returns how many, or -1. */
int sm_outbox_fail_webhook(struct sm_store *st, const char *webhook,
			   const char *reason, int64_t now_ms);

/* Marks a webhook disabled (a 410) until sm_outbox_enable_all.  0 or -1. */
int sm_outbox_disable(struct sm_store *st, const char *webhook,
		      const char *reason, int64_t now_ms);

/* Re-enables every webhook (a reload).  0 or -1. */
int sm_outbox_enable_all(struct sm_store *st);

/* 1 when the webhook is disabled, 0 when not, -1 on error. */
int sm_outbox_is_disabled(struct sm_store *st, const char *webhook);

/* Calls fn(ctx, webhook, reason, at_ms) per disabled webhook; returns the
 * count or -1. */
int sm_outbox_list_disabled(struct sm_store *st,
			    void (*fn)(void *ctx, const char *webhook,
				       const char *reason, int64_t at),
			    void *ctx);

/*
 * Deletes at most limit delivered deliveries last updated before before_ms,
 * oldest first (retention: their bodies and headers are not kept forever);
 * pending, sending and failed ones stay.  Returns how many went, or -1.
 */
int sm_outbox_prune(struct sm_store *st, int64_t before_ms, size_t limit);

/* The spelling of a status ("pending", ...). */
const char *sm_delivery_status_name(enum sm_delivery_status s);

#endif
