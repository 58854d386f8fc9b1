/*
 * proto: the wire format of smcal's control socket, alone in this header:
 * smcald (daemon/control.c) and smctl (ctl/client.c) share it, and nothing
 * else about the socket is shared.  Pure: no sockets, no loop, no clock;
 * every function here is testable with cmocka and fuzzable.
 *
 * The protocol is varlink (varlink.org) over a Unix stream socket:
 *
 * - A message is one JSON object in UTF-8 followed by a NUL byte, at most
 *   SM_PROTO_MAX_MESSAGE bytes of JSON.  Several messages may arrive in one
 *   read and one message may take several reads (sm_proto_reader).
 * - A call is {"method": "INTERFACE.Method", "parameters": {...}} with
 *   optional booleans "more" (the client accepts several replies), "oneway"
 *   (no reply at all) and "upgrade" (refused: smcal has no other protocol).
 *   Unknown members of the call object are ignored (varlink reserves them
 *   for extensions); unknown parameters are an error.
 * - A reply is {"parameters": {...}}, with "continues": true on every reply
 *   of a stream but the last; an error is {"error": "NAME", "parameters":
 *   {...}}.  Calls on one connection are answered in the order they came.
 * - Interfaces: org.varlink.service (GetInfo, GetInterfaceDescription),
 *   io.smcal (the daemon: Status, Reload, Deliveries, Retry, Export, and
 *   the posting plan: Cadence, Grid) and
 *   io.smcal.Posts (the queue and the calendars' posts: Add, AddMany, List,
 *   Get, Cancel, Done, Next) and io.smcal.Metrics (KPIs and goals: Record,
 *   Import, Report, Goals).  Their descriptions in varlink's interface
 *   language are sm_proto_description(); they are the reference for every
 *   parameter and reply field.
 * - Errors of io.smcal carry a human "message" parameter besides their own
 *   (smctl prints it); those of org.varlink.service carry only the
 *   parameters varlink defines.  A message that is not JSON, not an object
 *   or too large is answered with ProtocolError or MessageTooLarge and the
 *   connection is closed: the stream cannot be trusted after it.
 *
 * Version history (SM_PROTO_VERSION, reported by io.smcal.Status):
 *
 *   1  smcal 0.1.0.  org.varlink.service; io.smcal with Status, Reload,
 *      Deliveries, Retry, Export, Cadence and Grid; io.smcal.Posts with
 *      Add, AddMany, List, Get, Cancel, Done and Next; io.smcal.Metrics
 *      with Record, Import, Report and Goals; the errors below.  A later
 *      version only adds methods, optional parameters, reply fields and
 *      errors: a version 1 client keeps working.
 */
#ifndef SM_PROTO_H
#define SM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SM_PROTO_VERSION 1

/* The longest message, NUL excluded: 1 MiB. */
#define SM_PROTO_MAX_MESSAGE (1024 * 1024)

/* The longest string parameter accepted unless a field says otherwise. */
#define SM_PROTO_MAX_STRING (64 * 1024)

#define SM_PROTO_VENDOR "smcal"
#define SM_PROTO_PRODUCT "smcald"
#define SM_PROTO_URL "man:smcald(8)"

/* Interfaces. */
#define SM_PROTO_SERVICE "org.varlink.service"
#define SM_PROTO_SMCAL "io.smcal"
#define SM_PROTO_POSTS "io.smcal.Posts"
#define SM_PROTO_METRICS "io.smcal.Metrics"

/* Errors of org.varlink.service, with the parameters varlink defines. */
#define SM_PROTO_E_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define SM_PROTO_E_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define SM_PROTO_E_METHOD_NOT_IMPLEMENTED                                      \
	"org.varlink.service.MethodNotImplemented"
#define SM_PROTO_E_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define SM_PROTO_E_EXPECTED_MORE "org.varlink.service.ExpectedMore"

/* Errors of io.smcal; each has a "message" parameter too. */
#define SM_PROTO_E_NO_SUCH_POST "io.smcal.NoSuchPost"
#define SM_PROTO_E_NO_SUCH_DELIVERY "io.smcal.NoSuchDelivery"
#define SM_PROTO_E_BAD_VALUE "io.smcal.InvalidParameter"
#define SM_PROTO_E_PERMISSION_DENIED "io.smcal.PermissionDenied"
#define SM_PROTO_E_RELOAD_FAILED "io.smcal.ReloadFailed"
#define SM_PROTO_E_TOO_LARGE "io.smcal.MessageTooLarge"
#define SM_PROTO_E_PROTOCOL "io.smcal.ProtocolError"
#define SM_PROTO_E_TOO_MANY_CLIENTS "io.smcal.TooManyClients"
#define SM_PROTO_E_SHUTTING_DOWN "io.smcal.ShuttingDown"
#define SM_PROTO_E_INTERNAL "io.smcal.InternalError"
#define SM_PROTO_E_INVALID_FILE "io.smcal.InvalidFile"
/* io.smcal.Metrics.Import found problems and stored nothing. */
#define SM_PROTO_E_IMPORT_FAILED "io.smcal.Metrics.ImportFailed"

/* io.smcal.Metrics.Import: a file travels in pieces of at most this many
 * bytes (base64 makes 4/3 of it: well under SM_PROTO_MAX_MESSAGE), and
 * at most SM_PROTO_IMPORT_MAX bytes in all. */
#define SM_PROTO_IMPORT_PIECE (512 * 1024)
#define SM_PROTO_IMPORT_MAX (64 * 1024 * 1024)

/* ---------------------------------------------------------------------
 * Framing.
 */

/*
 * A receive buffer that cuts a byte stream into NUL-terminated messages.
 * Bytes go in through sm_proto_reader_space + _commit (read straight into
 * the buffer) or sm_proto_reader_feed (copied); messages come out of
 * sm_proto_reader_next.  The buffer holds at most the bytes not yet taken
 * plus the room asked for.
 */
struct sm_proto_reader {
	char *buf;
	size_t start; /* first byte not yet taken */
	size_t len;   /* bytes in buf */
	size_t cap;
	size_t scan; /* bytes after start known to hold no NUL */
	size_t max;  /* the longest message accepted, NUL excluded */
};

/* Starts an empty reader accepting messages of at most max bytes. */
void sm_proto_reader_init(struct sm_proto_reader *r, size_t max);

/* Frees the reader's buffer; the reader may be initialised again. */
void sm_proto_reader_fini(struct sm_proto_reader *r);

/* Makes room for at least want more bytes and returns where to put them,
 * with the room there in *room; invalidates a message taken before. */
char *sm_proto_reader_space(struct sm_proto_reader *r, size_t want,
			    size_t *room);

/* Counts n bytes just written at sm_proto_reader_space's pointer. */
void sm_proto_reader_commit(struct sm_proto_reader *r, size_t n);

/* Appends n bytes (space + copy + commit). */
void sm_proto_reader_feed(struct sm_proto_reader *r, const void *data,
			  size_t n);

/* sm_proto_reader_next's result when a message is over the limit. */
#define SM_PROTO_TOO_BIG (-1)

/*
 * Takes the next complete message: returns 1 with *msg pointing at it
 * (NUL-terminated, *len bytes before the NUL; valid until the next call on
 * r), 0 when no complete message is buffered, or SM_PROTO_TOO_BIG when a
 * message is longer than the limit, or more bytes than the limit came
 * without a NUL (the stream cannot be resynchronised after that).
 */
int sm_proto_reader_next(struct sm_proto_reader *r, const char **msg,
			 size_t *len);

/* The bytes buffered and not yet taken. */
size_t sm_proto_reader_pending(const struct sm_proto_reader *r);

/* ---------------------------------------------------------------------
 * Errors.
 */

/*
 * An error to send: its name, its parameters (owned; the varlink ones, and
 * "message" for io.smcal errors), a human message for logs and smctl, and
 * whether the connection must close after it (the stream is not trusted).
 */
struct sm_proto_error {
	const char *name;
	json_t *params;
	char message[512];
	int fatal;
};

/*
 * Sets e to the error name with params (stolen; NULL: none) and a
 * printf-formatted message; for io.smcal errors the message is also added
 * to params as "message".  Replaces what e held.
 */
void sm_proto_error_set(struct sm_proto_error *e, const char *name,
			json_t *params, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Frees what e holds and empties it (e itself is the caller's). */
void sm_proto_error_clear(struct sm_proto_error *e);

/* ---------------------------------------------------------------------
 * Calls.
 */

/* A decoded call.  The strings and parameters live in root. */
struct sm_proto_call {
	json_t *root;
	const char *method;  /* "io.smcal.Status" */
	char interface[128]; /* "io.smcal" */
	const char *member;  /* "Status" (inside method) */
	json_t *parameters;  /* an object; empty when the call had none */
	int more, oneway;
};

/*
 * Decodes one message as a call: JSON (duplicate keys refused), an object,
 * a "method" string of the form INTERFACE.Member, "parameters" an object
 * when present, "more"/"oneway"/"upgrade" booleans when present.  Returns
 * 0, or -1 with err set: ProtocolError (fatal) when the message is not a
 * JSON object, org.varlink.service.InvalidParameter otherwise (call still
 * filled as far as it got, for the reply's bookkeeping).
 */
int sm_proto_call_decode(const char *msg, size_t len,
			 struct sm_proto_call *call,
			 struct sm_proto_error *err);

/* Frees a decoded call (also after a failed decode); NULL root is fine. */
void sm_proto_call_fini(struct sm_proto_call *call);

/* The type of a parameter, as varlink names it. */
enum sm_proto_type {
	SM_PT_STRING = 1,
	SM_PT_INT,
	SM_PT_BOOL,
	SM_PT_FLOAT,
	SM_PT_OBJECT,
	SM_PT_STRINGS, /* []string */
};

#define SM_PF_REQUIRED 1u

/* One parameter of a method: what the decoder accepts. */
struct sm_proto_field {
	const char *name;
	enum sm_proto_type type;
	unsigned flags;		   /* SM_PF_REQUIRED */
	int64_t min, max;	   /* ints: the range when min < max */
	const char *const *values; /* strings: an enum's values, NULL-ended */
	size_t max_len;		   /* strings: 0 means SM_PROTO_MAX_STRING */
};

#define SM_PROTO_MAX_FIELDS 16

/* A decoded parameter; strings point into the call's JSON. */
struct sm_proto_value {
	int set; /* present and not null */
	const char *s;
	size_t len;
	int64_t i;
	int b;
	double f;
	const json_t *j; /* objects and []string */
};

/*
 * Checks params against fields (ended by a field with a NULL name, at most
 * SM_PROTO_MAX_FIELDS) and fills out[k] for fields[k]: a null value counts
 * as absent; a missing required field, a wrong type, an unknown parameter,
 * a string that is too long or not one of its enum's values is
 * org.varlink.service.InvalidParameter naming the parameter; an int out of
 * its range is io.smcal.InvalidParameter with the range.  Returns 0 or -1
 * with err set.
 */
int sm_proto_args_decode(json_t *params, const struct sm_proto_field *fields,
			 struct sm_proto_value *out,
			 struct sm_proto_error *err);

/* ---------------------------------------------------------------------
 * Methods.  A server's method table is data: each entry starts with a
 * struct sm_proto_method (the server adds its permission and handler after
 * it), so a new method is one entry, one handler and its line in the
 * interface description.
 */

#define SM_PM_MORE 1u /* replies are a stream: the call must set "more" */

struct sm_proto_method {
	const char *name;		     /* "io.smcal.Status" */
	const struct sm_proto_field *params; /* NULL: none */
	unsigned flags;			     /* SM_PM_MORE */
};

/*
 * Finds the call's method among n entries, stride bytes apart, each
 * starting with a struct sm_proto_method.  Returns its index, or -1 with
 * err: InterfaceNotFound for an interface smcald does not implement,
 * MethodNotImplemented for a method its description declares but the table
 * lacks, MethodNotFound otherwise.
 */
long sm_proto_find(const struct sm_proto_call *call, const void *table,
		   size_t n, size_t stride, struct sm_proto_error *err);

/* Checks a found method's call: ExpectedMore when a stream is called
 * without "more", then the parameters (sm_proto_args_decode into args).
 * Returns 0 or -1 with err. */
int sm_proto_check(const struct sm_proto_call *call,
		   const struct sm_proto_method *m, struct sm_proto_value *args,
		   struct sm_proto_error *err);

/* 1 when an interface's description declares the method (member name). */
int sm_proto_declared(const char *interface, const char *member);

/* ---------------------------------------------------------------------
 * Encoding.  Each returns a malloc'd message ending in its NUL, with *len
 * counting the NUL, or NULL when the JSON would be over the limit.
 */

/* A reply: {"parameters": params} (params borrowed; NULL: {}), with
 * "continues": true when continues. */
char *sm_proto_reply_encode(json_t *params, int continues, size_t *len);

/* An error reply: {"error": name, "parameters": params}. */
char *sm_proto_error_encode(const char *name, json_t *params, size_t *len);

/* A call (for clients): method, params (borrowed; NULL: {}), "more" when
 * more, "oneway" when oneway. */
char *sm_proto_call_encode(const char *method, json_t *params, int more,
			   int oneway, size_t *len);

/* ---------------------------------------------------------------------
 * Replies (for clients).
 */

struct sm_proto_reply {
	json_t *root;
	const char *error;  /* NULL for a successful reply */
	json_t *parameters; /* an object, empty when absent */
	int continues;
};

/* Decodes a reply; returns 0, or -1 with a reason in err (errlen bytes). */
int sm_proto_reply_decode(const char *msg, size_t len,
			  struct sm_proto_reply *reply, char *err,
			  size_t errlen);

/* Frees a decoded reply. */
void sm_proto_reply_fini(struct sm_proto_reply *reply);

/* ---------------------------------------------------------------------
 * Helpers and descriptions.
 */

/* A JSON string of s (NULL gives null); bytes that are not UTF-8 become
 * U+FFFD, so text from files and receivers never breaks a reply. */
json_t *sm_proto_string(const char *s);

/* The varlink description of an interface (SM_PROTO_SERVICE,
 * SM_PROTO_SMCAL, SM_PROTO_POSTS, SM_PROTO_METRICS), or NULL for another
 * name. */
const char *sm_proto_description(const char *interface);

/* The interfaces smcald implements, NULL-terminated. */
extern const char *const sm_proto_interfaces[];

/* 1 when name is a well-formed interface name (dot-separated labels of
 * letters, digits and inner dashes, starting with a letter). */
int sm_proto_interface_valid(const char *name);

/* 1 when name is a well-formed member name: an upper-case letter, then
 * letters and digits. */
int sm_proto_member_valid(const char *name);

#endif
