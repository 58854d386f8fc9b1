/*
 * store-db: the store's SQLite handle, for the modules whose tables live in
 * the same database (outbox.c, queue.c).  Not for the daemon or smctl: they
 * use the functions of store.h, outbox.h and queue.h.
 */
#ifndef SM_STORE_DB_H
#define SM_STORE_DB_H

#include <sqlite3.h>

#include "store.h"

/* The connection (borrowed). */
sqlite3 *sm_store_db(struct sm_store *st);

/* Records "what: <SQLite's last message>" as the store's error. */
void sm_store_set_error(struct sm_store *st, const char *what);

/* Records a message of the caller's as the store's error (a request the
 * store refuses, not a database failure). */
void sm_store_set_message(struct sm_store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
