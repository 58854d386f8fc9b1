/*
 * proto: framing, call decoding with limits, reply encoding and the
 * interface descriptions of the control socket (see proto.h).
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Framing.
 */

void
sm_proto_reader_init(struct sm_proto_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
sm_proto_reader_fini(struct sm_proto_reader *r)
{
	free(r->buf);
	size_t max = r->max;
	memset(r, 0, sizeof(*r));
	r->max = max;
}

char *
sm_proto_reader_space(struct sm_proto_reader *r, size_t want, size_t *room)
{
	/* Taken messages go: the pending bytes move to the front. */
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (r->cap - r->len < want) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap - r->len < want)
			cap *= 2;
		char *b = realloc(r->buf, cap + 1); /* + 1: a NUL for msg */
		if (!b)
			abort();
		r->buf = b;
		r->cap = cap;
	}
	*room = r->cap - r->len;
	return r->buf + r->len;
}

void
sm_proto_reader_commit(struct sm_proto_reader *r, size_t n)
{
	r->len += n;
}

void
sm_proto_reader_feed(struct sm_proto_reader *r, const void *data, size_t n)
{
	size_t room;
	char *p = sm_proto_reader_space(r, n, &room);
	memcpy(p, data, n);
	sm_proto_reader_commit(r, n);
}

int
sm_proto_reader_next(struct sm_proto_reader *r, const char **msg, size_t *len)
{
	size_t have = r->len - r->start;
	char *from = r->buf ? r->buf + r->start : NULL;
	char *nul = have > r->scan
			    ? memchr(from + r->scan, '\0', have - r->scan)
			    : NULL;
	if (!nul) {
		/* Remember how far there is no NUL: a message arriving a
		 * byte at a time is scanned once, not once per byte. */
		r->scan = have;
		return have > r->max ? SM_PROTO_TOO_BIG : 0;
	}
	size_t n = (size_t)(nul - from);
	if (n > r->max)
		return SM_PROTO_TOO_BIG;
	*msg = from;
	*len = n;
	r->start += n + 1;
	r->scan = 0;
	return 1;
}

size_t
sm_proto_reader_pending(const struct sm_proto_reader *r)
{
	return r->len - r->start;
}

/* ---------------------------------------------------------------------
 * Errors.
 */

void
sm_proto_error_clear(struct sm_proto_error *e)
{
	json_decref(e->params);
	memset(e, 0, sizeof(*e));
}

void
sm_proto_error_set(struct sm_proto_error *e, const char *name, json_t *params,
		   const char *fmt, ...)
{
	json_decref(e->params);
	e->name = name;
	e->params = params ? params : json_object();
	e->fatal = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	if (strncmp(name, "io.smcal.", 9) == 0)
		json_object_set_new(e->params, "message",
				    sm_proto_string(e->message));
}

static void invalid_parameter(struct sm_proto_error *e, const char *param,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
invalid_parameter(struct sm_proto_error *e, const char *param, const char *fmt,
		  ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sm_proto_error_set(e, SM_PROTO_E_INVALID_PARAMETER,
			   json_pack("{s:s}", "parameter", param), "%s", why);
}

/* ---------------------------------------------------------------------
 * Names.
 */

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

int
sm_proto_interface_valid(const char *name)
{
	if (!name || !is_alpha((unsigned char)name[0]))
		return 0;
	int dots = 0, prev = name[0];
	for (const char *p = name + 1; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '.' || c == '-') {
			if (prev == '.' || prev == '-')
				return 0;
			dots += c == '.';
		} else if (!is_alnum(c)) {
			return 0;
		}
		prev = c;
	}
	return dots > 0 && prev != '.' && prev != '-';
}

int
sm_proto_member_valid(const char *name)
{
	if (!name || !(name[0] >= 'A' && name[0] <= 'Z'))
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!is_alnum((unsigned char)*p))
			return 0;
	return 1;
}

/* ---------------------------------------------------------------------
 * Calls.
 */

void
sm_proto_call_fini(struct sm_proto_call *call)
{
	json_decref(call->root);
	memset(call, 0, sizeof(*call));
}

/* Reads an optional boolean member of the call object. */
static int
call_flag(json_t *root, const char *key, int *out, struct sm_proto_error *err)
{
	json_t *v = json_object_get(root, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		invalid_parameter(err, key, "\"%s\" must be true or false",
				  key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int
sm_proto_call_decode(const char *msg, size_t len, struct sm_proto_call *call,
		     struct sm_proto_error *err)
{
	memset(call, 0, sizeof(*call));
	json_error_t je;
	call->root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &je);
	if (!call->root) {
		sm_proto_error_set(err, SM_PROTO_E_PROTOCOL, NULL,
				   "not a JSON message: %s (line %d, column "
				   "%d)",
				   je.text, je.line, je.column);
		err->fatal = 1;
		return -1;
	}
	if (!json_is_object(call->root)) {
		sm_proto_error_set(err, SM_PROTO_E_PROTOCOL, NULL,
				   "a call must be a JSON object, not %s",
				   json_is_array(call->root) ? "an array"
							     : "a scalar");
		err->fatal = 1;
		return -1;
	}
	json_t *m = json_object_get(call->root, "method");
	if (!json_is_string(m)) {
		invalid_parameter(err, "method",
				  m ? "\"method\" must be a string"
				    : "the call has no \"method\"");
		return -1;
	}
	call->method = json_string_value(m);
	const char *dot = strrchr(call->method, '.');
	size_t ilen = dot ? (size_t)(dot - call->method) : 0;
	if (!dot || ilen >= sizeof(call->interface) ||
	    strlen(call->method) != json_string_length(m)) {
		invalid_parameter(err, "method",
				  "\"method\" must be INTERFACE.Method, e.g. "
				  "io.smcal.Status");
		return -1;
	}
	memcpy(call->interface, call->method, ilen);
	call->interface[ilen] = '\0';
	call->member = dot + 1;
	if (!sm_proto_interface_valid(call->interface) ||
	    !sm_proto_member_valid(call->member)) {
		invalid_parameter(err, "method",
				  "\"%.200s\" is not a method name "
				  "(INTERFACE.Method, e.g. io.smcal.Status)",
				  call->method);
		return -1;
	}
	json_t *p = json_object_get(call->root, "parameters");
	if (!p || json_is_null(p)) {
		p = json_object();
		json_object_set_new(call->root, "parameters", p);
	} else if (!json_is_object(p)) {
		invalid_parameter(err, "parameters",
				  "\"parameters\" must be an object");
		return -1;
	}
	call->parameters = p;
	int upgrade = 0;
	if (call_flag(call->root, "more", &call->more, err) < 0 ||
	    call_flag(call->root, "oneway", &call->oneway, err) < 0 ||
	    call_flag(call->root, "upgrade", &upgrade, err) < 0)
		return -1;
	if (upgrade) {
		invalid_parameter(err, "upgrade",
				  "smcald has no protocol to upgrade to");
		return -1;
	}
	if (call->oneway && call->more) {
		call->oneway = 0; /* the error below is answered */
		invalid_parameter(err, "oneway",
				  "\"oneway\" and \"more\" exclude each other");
		return -1;
	}
	return 0;
}

static const char *
type_name(enum sm_proto_type t)
{
	switch (t) {
	case SM_PT_STRING:
		return "a string";
	case SM_PT_INT:
		return "an integer";
	case SM_PT_BOOL:
		return "true or false";
	case SM_PT_FLOAT:
		return "a number";
	case SM_PT_OBJECT:
		return "an object";
	case SM_PT_STRINGS:
		return "an array of strings";
	}
	return "?";
}

/* Decodes one present, non-null value; 0 or -1 with err. */
static int
decode_value(const struct sm_proto_field *f, const json_t *v,
	     struct sm_proto_value *out, struct sm_proto_error *err)
{
	int ok = 0;
	switch (f->type) {
	case SM_PT_STRING:
		ok = json_is_string(v);
		break;
	case SM_PT_INT:
		ok = json_is_integer(v);
		break;
	case SM_PT_BOOL:
		ok = json_is_boolean(v);
		break;
	case SM_PT_FLOAT:
		ok = json_is_number(v);
		break;
	case SM_PT_OBJECT:
		ok = json_is_object(v);
		break;
	case SM_PT_STRINGS:
		ok = json_is_array(v);
		for (size_t i = 0; ok && i < json_array_size(v); i++)
			ok = json_is_string(json_array_get(v, i));
		break;
	}
	if (!ok) {
		invalid_parameter(err, f->name, "\"%s\" must be %s", f->name,
				  type_name(f->type));
		return -1;
	}
	out->set = 1;
	out->j = v;
	switch (f->type) {
	case SM_PT_STRING: {
		out->s = json_string_value(v);
		out->len = json_string_length(v);
		size_t max = f->max_len ? f->max_len : SM_PROTO_MAX_STRING;
		if (out->len > max) {
			invalid_parameter(err, f->name,
					  "\"%s\" is longer than %zu bytes",
					  f->name, max);
			return -1;
		}
		if (strlen(out->s) != out->len) {
			invalid_parameter(err, f->name,
					  "\"%s\" contains a NUL character",
					  f->name);
			return -1;
		}
		if (f->values) {
			for (const char *const *e = f->values; *e; e++)
				if (strcmp(*e, out->s) == 0)
					return 0;
			char list[256] = "";
			for (const char *const *e = f->values; *e; e++)
				snprintf(list + strlen(list),
					 sizeof(list) - strlen(list), "%s%s",
					 e == f->values ? "" : ", ", *e);
			invalid_parameter(err, f->name,
					  "\"%s\" must be one of: %s", f->name,
					  list);
			return -1;
		}
		break;
	}
	case SM_PT_INT:
		out->i = json_integer_value(v);
		if (f->min < f->max && (out->i < f->min || out->i > f->max)) {
			sm_proto_error_set(
				err, SM_PROTO_E_BAD_VALUE,
				json_pack("{s:s}", "parameter", f->name),
				"%s must be between %lld and %lld, not %lld",
				f->name, (long long)f->min, (long long)f->max,
				(long long)out->i);
			return -1;
		}
		break;
	case SM_PT_BOOL:
		out->b = json_is_true(v);
		break;
	case SM_PT_FLOAT:
		out->f = json_number_value(v);
		break;
	case SM_PT_OBJECT:
	case SM_PT_STRINGS:
		break;
	}
	return 0;
}

int
sm_proto_args_decode(json_t *params, const struct sm_proto_field *fields,
		     struct sm_proto_value *out, struct sm_proto_error *err)
{
	size_t n = 0;
	while (fields && fields[n].name && n < SM_PROTO_MAX_FIELDS)
		n++;
	memset(out, 0, n * sizeof(*out));
	const char *key;
	json_t *v;
	json_object_foreach(params, key, v)
	{
		size_t k = 0;
		while (k < n && strcmp(fields[k].name, key) != 0)
			k++;
		if (k == n) {
			invalid_parameter(err, key,
					  "unknown parameter \"%.100s\"", key);
			return -1;
		}
		if (json_is_null(v))
			continue;
		if (decode_value(&fields[k], v, &out[k], err) < 0)
			return -1;
	}
	for (size_t k = 0; k < n; k++) {
		if ((fields[k].flags & SM_PF_REQUIRED) && !out[k].set) {
			invalid_parameter(
				err, fields[k].name, "\"%s\" is required (%s)",
				fields[k].name, type_name(fields[k].type));
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Methods.
 */

long
sm_proto_find(const struct sm_proto_call *call, const void *table, size_t n,
	      size_t stride, struct sm_proto_error *err)
{
	if (!sm_proto_description(call->interface)) {
		sm_proto_error_set(
			err, SM_PROTO_E_INTERFACE_NOT_FOUND,
			json_pack("{s:s}", "interface", call->interface),
			"no interface %.128s (smcald implements "
			"org.varlink.service, io.smcal, "
			"io.smcal.Posts and io.smcal.Metrics)",
			call->interface);
		return -1;
	}
	const char *p = table;
	for (size_t i = 0; i < n; i++, p += stride) {
		const struct sm_proto_method *m = (const void *)p;
		if (strcmp(m->name, call->method) == 0)
			return (long)i;
	}
	if (sm_proto_declared(call->interface, call->member))
		sm_proto_error_set(err, SM_PROTO_E_METHOD_NOT_IMPLEMENTED,
				   json_pack("{s:s}", "method", call->method),
				   "%.200s is not implemented by this smcald",
				   call->method);
	else
		sm_proto_error_set(err, SM_PROTO_E_METHOD_NOT_FOUND,
				   json_pack("{s:s}", "method", call->method),
				   "no method %.200s", call->method);
	return -1;
}

int
sm_proto_check(const struct sm_proto_call *call,
	       const struct sm_proto_method *m, struct sm_proto_value *args,
	       struct sm_proto_error *err)
{
	if ((m->flags & SM_PM_MORE) && !call->more) {
		sm_proto_error_set(err, SM_PROTO_E_EXPECTED_MORE, NULL,
				   "%s answers with a stream of replies: "
				   "call it with \"more\": true",
				   m->name);
		return -1;
	}
	return sm_proto_args_decode(call->parameters, m->params, args, err);
}

int
sm_proto_declared(const char *interface, const char *member)
{
	const char *idl = sm_proto_description(interface);
	size_t n = strlen(member);
	if (!idl || n == 0)
		return 0;
	for (const char *p = strstr(idl, "\nmethod "); p;
	     p = strstr(p + 1, "\nmethod ")) {
		const char *name = p + 8;
		if (strncmp(name, member, n) == 0 && name[n] == '(')
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Encoding.
 */

/* Dumps obj and appends the NUL; NULL when over the limit. */
static char *
dump(const json_t *obj, size_t *len)
{
	/* Reals (the content mix's shares) as people wrote them: 33.3, not
	 * 33.299999999999997. */
	char *s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!s)
		abort();
	size_t n = strlen(s);
	if (n > SM_PROTO_MAX_MESSAGE) {
		free(s);
		return NULL;
	}
	*len = n + 1; /* json_dumps ended it with the NUL we need */
	return s;
}

char *
sm_proto_reply_encode(json_t *params, int continues, size_t *len)
{
	json_t *o = json_object();
	json_object_set_new(o, "parameters",
			    params ? json_incref(params) : json_object());
	if (continues)
		json_object_set_new(o, "continues", json_true());
	char *s = dump(o, len);
	json_decref(o);
	return s;
}

char *
sm_proto_error_encode(const char *name, json_t *params, size_t *len)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(name));
	json_object_set_new(o, "parameters",
			    params ? json_incref(params) : json_object());
	char *s = dump(o, len);
	json_decref(o);
	return s;
}

char *
sm_proto_call_encode(const char *method, json_t *params, int more, int oneway,
		     size_t *len)
{
	json_t *o = json_object();
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "parameters",
			    params ? json_incref(params) : json_object());
	if (more)
		json_object_set_new(o, "more", json_true());
	if (oneway)
		json_object_set_new(o, "oneway", json_true());
	char *s = dump(o, len);
	json_decref(o);
	return s;
}

/* ---------------------------------------------------------------------
 * Replies.
 */

void
sm_proto_reply_fini(struct sm_proto_reply *reply)
{
	json_decref(reply->root);
	memset(reply, 0, sizeof(*reply));
}

int
sm_proto_reply_decode(const char *msg, size_t len, struct sm_proto_reply *reply,
		      char *err, size_t errlen)
{
	memset(reply, 0, sizeof(*reply));
	json_error_t je;
	reply->root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &je);
	if (!reply->root) {
		snprintf(err, errlen, "a reply is not JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(reply->root)) {
		snprintf(err, errlen, "a reply is not a JSON object");
		sm_proto_reply_fini(reply);
		return -1;
	}
	json_t *e = json_object_get(reply->root, "error");
	if (e && !json_is_string(e)) {
		snprintf(err, errlen, "a reply's \"error\" is not a string");
		sm_proto_reply_fini(reply);
		return -1;
	}
	reply->error = e ? json_string_value(e) : NULL;
	json_t *p = json_object_get(reply->root, "parameters");
	if (!p || json_is_null(p)) {
		p = json_object();
		json_object_set_new(reply->root, "parameters", p);
	} else if (!json_is_object(p)) {
		snprintf(err, errlen,
			 "a reply's \"parameters\" is not an "
			 "object");
		sm_proto_reply_fini(reply);
		return -1;
	}
	reply->parameters = p;
	reply->continues =
		json_is_true(json_object_get(reply->root, "continues"));
	return 0;
}

/* ---------------------------------------------------------------------
 * Helpers.
 */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned min;
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, min = 0x10000;
	else
		return 0;
	if (n < need)
		return 0;
	unsigned cp = c & (0xff >> (need + 1));
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

json_t *
sm_proto_string(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t n = strlen(s);
	char *fixed = malloc(3 * n + 1);
	if (!fixed)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);
		if (k) {
			memcpy(fixed + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	fixed[o] = '\0';
	j = json_string(fixed);
	free(fixed);
	return j ? j : json_string("");
}

/* ---------------------------------------------------------------------
 * Interface descriptions (varlink's interface definition language).
 */

static const char service_idl[] =
	"# The Varlink Service Interface is provided by every varlink "
	"service. It\n"
	"# describes the service and the interfaces it implements.\n"
	"interface org.varlink.service\n"
	"\n"
	"# Get a list of all the interfaces a service provides and "
	"information\n"
	"# about the implementation.\n"
	"method GetInfo() -> (\n"
	"  vendor: string,\n"
	"  product: string,\n"
	"  version: string,\n"
	"  url: string,\n"
	"  interfaces: []string\n"
	")\n"
	"\n"
	"# Get the description of an interface that is implemented by this "
	"service.\n"
	"method GetInterfaceDescription(interface: string) -> (description: "
	"string)\n"
	"\n"
	"# The requested interface was not found.\n"
	"error InterfaceNotFound (interface: string)\n"
	"\n"
	"# The requested method was not found\n"
	"error MethodNotFound (method: string)\n"
	"\n"
	"# The interface defines the requested method, but the service does "
	"not\n"
	"# implement it.\n"
	"error MethodNotImplemented (method: string)\n"
	"\n"
	"# One of the passed parameters is invalid.\n"
	"error InvalidParameter (parameter: string)\n"
	"\n"
	"# Client is denied access\n"
	"error PermissionDenied ()\n"
	"\n"
	"# Method is expected to be called with 'more' set to true, but "
	"wasn't\n"
	"error ExpectedMore ()\n";

static const char smcal_idl[] =
	"# smcald, the social media editorial calendar daemon: its health, "
	"reloads,\n"
	"# webhook deliveries and the posting plan.  Instants are RFC 3339 strings in UTC\n"
	"# (\"2026-12-01T08:00:00Z\"); fields named *_local give the same "
	"instant in\n"
	"# the configured time zone, with its offset.  Reading methods need "
	"a\n"
	"# member of read_groups or admin_groups; changes need admin_groups, "
	"admin_users,\n"
	"# root or the daemon's own user.\n"
	"interface io.smcal\n"
	"\n"
	"# A calendar of the configuration and how its last load went.\n"
	"type Calendar (\n"
	"  name: string,\n"
	"  path: string,\n"
	"  posts: int,\n"
	"  # ok: loaded cleanly; errors: loaded with errors, what loaded "
	"serves;\n"
	"  # previous: the new version did not load cleanly, the previous "
	"one\n"
	"  # stays in service; copy: the file did not load cleanly at a "
	"start,\n"
	"  # its last clean copy in state_dir serves; unreadable: nothing "
	"serves.\n"
	"  state: (ok, errors, previous, copy, unreadable),\n"
	"  # What is served and why, in a sentence.\n"
	"  served: string,\n"
	"  errors: int,\n"
	"  warnings: int,\n"
	"  # The first errors, as \"file:line: message\".\n"
	"  messages: []string\n"
	")\n"
	"\n"
	"# An event the daemon will fire (SPEC section 4).\n"
	"type Event (\n"
	"  id: string,\n"
	"  type: string,\n"
	"  at: string,\n"
	"  at_local: string,\n"
	"  calendar: string,\n"
	"  uid: string,\n"
	"  occurrence: string,\n"
	"  title: ?string,\n"
	"  platforms: []string\n"
	")\n"
	"\n"
	"# An event that was due while the daemon was down, older than the\n"
	"# catch-up window: recorded, not fired.\n"
	"type MissedEvent (\n"
	"  id: string,\n"
	"  type: string,\n"
	"  at: string,\n"
	"  calendar: ?string,\n"
	"  uid: ?string,\n"
	"  occurrence: ?string\n"
	")\n"
	"\n"
	"# A webhook disabled by a 410 Gone until the next reload.\n"
	"type DisabledWebhook (webhook: string, reason: string, since: "
	"string)\n"
	"\n"
	"# One event for one webhook, in the durable outbox.\n"
	"type Delivery (\n"
	"  id: int,\n"
	"  event_id: string,\n"
	"  webhook: string,\n"
	"  event_type: string,\n"
	"  event_at: string,\n"
	"  status: (pending, sending, delivered, failed),\n"
	"  attempts: int,\n"
	"  # pending: when the next attempt is due.\n"
	"  next_at: ?string,\n"
	"  # The HTTP status of the last attempt, absent when none came "
	"back.\n"
	"  last_status: ?int,\n"
	"  last_error: ?string,\n"
	"  created_at: string,\n"
	"  updated_at: string\n"
	")\n"
	"\n"
	"# The daemon's health: version, uptime, calendars, the next events,"
	"\n"
	"# deliveries waiting or failed, disabled webhooks, missed events, "
	"platforms\n"
	"# short of their posting plan.\n"
	"method Status() -> (\n"
	"  version: string,\n"
	"  protocol: int,\n"
	"  pid: int,\n"
	"  started_at: string,\n"
	"  uptime_s: int,\n"
	"  config: string,\n"
	"  timezone: string,\n"
	"  reloading: bool,\n"
	"  posts: int,\n"
	"  # Posts in the queue that may still fire (not cancelled).\n"
	"  queued: int,\n"
	"  calendars: []Calendar,\n"
	"  next_events: []Event,\n"
	"  fired: int,\n"
	"  missed: int,\n"
	"  missed_recent: []MissedEvent,\n"
	"  deliveries_pending: int,\n"
	"  deliveries_failed: int,\n"
	"  disabled_webhooks: []DisabledWebhook,\n"
	"  # Platforms short (scheduled below target) in the current or one "
	"of the\n"
	"  # next lookahead periods of their plans, at the daemon's last "
	"look.\n"
	"  cadence_short: int,\n"
	"  # Platforms with a cadence, and the periods ahead looked at.\n"
	"  cadence_platforms: int,\n"
	"  lookahead: int\n"
	")\n"
	"\n"
	"# Reads the configuration and the calendars again and answers once "
	"the\n"
	"# reload has finished.  A configuration with errors keeps the "
	"running\n"
	"# one: ReloadFailed lists the errors.  A calendar that does not "
	"load\n"
	"# cleanly keeps its previous version: see its state in "
	"calendars.\n"
	"method Reload() -> (posts: int, calendars: []Calendar)\n"
	"\n"
	"# Webhook deliveries, one per reply (call with \"more\"): recent "
	"(every\n"
	"# status, most recently updated first), pending (next due first) "
	"or\n"
	"# failed (most recent first); at most limit (default 50, at most "
	"1000).\n"
	"# No delivery at all is one reply without delivery.\n"
	"method Deliveries(filter: ?(recent, pending, failed), limit: ?int) "
	"-> (\n"
	"  delivery: ?Delivery\n"
	")\n"
	"\n"
	"# Requeues a failed delivery for an attempt now, with a fresh "
	"attempt\n"
	"# count and the same webhook-id.\n"
	"method Retry(id: int) -> (id: int, next_at: string)\n"
	"\n"
	"# One platform in one period of its posting plan (SPEC section 7).  "
	"period\n"
	"# is a day (2026-12-03), an ISO week (2026-W49) or a month "
	"(2026-12) of the\n"
	"# configured zone; start and end are its instants.  target is the "
	"plan\n"
	"# pro-rated to the period, scheduled counts non-cancelled posts "
	"(drafts\n"
	"# included), published those marked done, gap what scheduled "
	"lacks.\n"
	"# behind: the current period, published below its pro-rata target "
	"by now.\n"
	"type CadenceRow (\n"
	"  platform: string,\n"
	"  period: string,\n"
	"  start: string,\n"
	"  end: string,\n"
	"  target: int,\n"
	"  scheduled: int,\n"
	"  published: int,\n"
	"  gap: int,\n"
	"  status: (ok, short, behind)\n"
	")\n"
	"\n"
	"# A content type's share of the mix window's posts (percent) against "
	"its\n"
	"# [mix] target, and the drift in points; untyped posts are the type "
	"\"untyped\".\n"
	"# share and drift are null when the window has no post, target and "
	"drift\n"
	"# when [mix] is empty.\n"
	"type MixEntry (type: string, posts: int, share: ?float, target: "
	"?int, drift: ?float)\n"
	"\n"
	"# Two posts of a platform closer than its min_spacing (first, "
	"second), or\n"
	"# a local day over its daily_cap (count posts on day).\n"
	"type GuardrailWarning (\n"
	"  platform: string,\n"
	"  kind: (min_spacing, daily_cap),\n"
	"  first: string,\n"
	"  second: string,\n"
	"  day: string,\n"
	"  count: int,\n"
	"  message: string\n"
	")\n"
	"\n"
	"# The posting plan against the calendar: a row per platform and "
	"period, the\n"
	"# current one, lookahead coming ones and history past ones (default "
	"0),\n"
	"# one per reply (call with \"more\"), platforms in config order, "
	"periods\n"
	"# oldest first.  The last reply has no row: the content mix over\n"
	"# [mix_from, mix_to) and the guardrail warnings over the rows' "
	"span.\n"
	"# period: every platform in that unit (default: each in its plan's, "
	"a\n"
	"# week without a plan); platform: only that one (target 0 without a "
	"plan).\n"
	"method Cadence(period: ?(day, week, month), history: ?int, platform: "
	"?string) -> (\n"
	"  row: ?CadenceRow,\n"
	"  timezone: ?string,\n"
	"  lookahead: ?int,\n"
	"  mix_from: ?string,\n"
	"  mix_to: ?string,\n"
	"  mix_posts: ?int,\n"
	"  mix: ?[]MixEntry,\n"
	"  # The first 500 warnings, in order of time, of warnings_total.\n"
	"  warnings: ?[]GuardrailWarning,\n"
	"  warnings_total: ?int\n"
	")\n"
	"\n"
	"# One day of a Grid: non-cancelled posts (drafts included) per "
	"platform, in\n"
	"# the order of the Grid's platforms; for each of them the index in "
	"the\n"
	"# Grid's periods of its plan's period holding the day (-1 without a "
	"plan);\n"
	"# and posts on no configured platform (other; absent with a "
	"platform\n"
	"# filter).\n"
	"type GridDay (date: string, weekday: string, posts: []int, periods: "
	"[]int, other: ?int)\n"
	"\n"
	"# A week (default) or a month of posts per day and platform (smctl\n"
	"# calendar): the one holding from (a date or time as smctl takes "
	"them,\n"
	"# default now), and the CadenceRow of each period of the shown "
	"platforms'\n"
	"# plans that overlaps it.  (Calendar names the type above, so the "
	"method\n"
	"# is Grid.)\n"
	"method Grid(from: ?string, period: ?(week, month), platform: "
	"?string) -> (\n"
	"  period: (week, month),\n"
	"  label: string,\n"
	"  start: string,\n"
	"  end: string,\n"
	"  first_day: string,\n"
	"  last_day: string,\n"
	"  timezone: string,\n"
	"  week_start: (mon, tue, wed, thu, fri, sat, sun),\n"
	"  platforms: []string,\n"
	"  days: []GridDay,\n"
	"  periods: []CadenceRow\n"
	")\n"
	"\n"
	"# The queue and the done marks as an iCalendar file that calendar "
	"apps\n"
	"# import, in pieces (call with \"more\"): the text of every reply, "
	"in\n"
	"# order, is the file.  from and to bound the publish times.\n"
	"method Export(from: ?string, to: ?string) -> (text: string)\n"
	"\n"
	"# No post or occurrence has this id.\n"
	"error NoSuchPost (id: string, message: string)\n"
	"\n"
	"# No delivery has this id (Retry: no failed one).\n"
	"error NoSuchDelivery (id: int, message: string)\n"
	"\n"
	"# A parameter has the right type but a value smcald cannot use; "
	"the\n"
	"# message says what is accepted.\n"
	"error InvalidParameter (parameter: string, message: string)\n"
	"\n"
	"# The caller's user and groups may not call this method; the "
	"message\n"
	"# names the groups that may.\n"
	"error PermissionDenied (method: string, message: string)\n"
	"\n"
	"# The new configuration has errors (file:line: message each); the\n"
	"# running one stays.\n"
	"error ReloadFailed (errors: []string, message: string)\n"
	"\n"
	"# A message was longer than limit bytes; the connection is closed.\n"
	"error MessageTooLarge (limit: int, message: string)\n"
	"\n"
	"# A message was not a JSON object; the connection is closed.\n"
	"error ProtocolError (message: string)\n"
	"\n"
	"# The daemon serves limit connections already; this one is closed.\n"
	"error TooManyClients (limit: int, message: string)\n"
	"\n"
	"# The daemon is stopping.\n"
	"error ShuttingDown (message: string)\n"
	"\n"
	"# The daemon could not complete the call (its database failed).\n"
	"error InternalError (message: string)\n"
	"\n"
	"# A bulk file (io.smcal.Posts.AddMany) has bad rows: every problem "
	"as\n"
	"# \"file:line: message\"; nothing was added.\n"
	"error InvalidFile (file: string, problems: []string, message: "
	"string)\n";

static const char posts_idl[] =
	"# Posts: queued posts (calendar \"queue\", added with Add) and the "
	"posts of\n"
	"# the configured calendars, by occurrence.  A post is named by a "
	"queued\n"
	"# post's id or a calendar post's UID; occurrence (the RECURRENCE-ID "
	"as\n"
	"# smctl expand writes it) picks one instance of a series.  Errors "
	"are\n"
	"# those of io.smcal (NoSuchPost, InvalidParameter, ...).\n"
	"interface io.smcal.Posts\n"
	"\n"
	"# One occurrence of a post.\n"
	"type Post (\n"
	"  id: string,\n"
	"  occurrence: string,\n"
	"  calendar: string,\n"
	"  title: ?string,\n"
	"  body: ?string,\n"
	"  publish_at: string,\n"
	"  publish_at_local: string,\n"
	"  platforms: []string,\n"
	"  type: ?string,\n"
	"  persona: ?string,\n"
	"  campaign: ?string,\n"
	"  url: ?string,\n"
	"  status: (draft, scheduled, cancelled, done),\n"
	"  recurring: bool,\n"
	"  done_at: ?string,\n"
	"  posted_url: ?string,\n"
	"  # A text field over 64 KiB was cut (a calendar's long "
	"DESCRIPTION).\n"
	"  truncated: ?bool\n"
	")\n"
	"\n"
	"# A post added: its id, where it goes, and whether that is a free "
	"slot\n"
	"# chosen by smcald (line: its row in an AddMany file).\n"
	"type Added (\n"
	"  id: string,\n"
	"  line: ?int,\n"
	"  publish_at: string,\n"
	"  publish_at_local: string,\n"
	"  slot: bool\n"
	")\n"
	"\n"
	"# Queues a post; answers once it is durable and scheduled.  at: RFC "
	"3339,\n"
	"# \"YYYY-MM-DD HH:MM\" in the configured zone, or \"+2h\" / "
	"\"+3d\"; without\n"
	"# at, the platform's next free posting slot (slot is then true).  "
	"A time\n"
	"# in the past needs allow_past.  warnings: guardrails such as "
	"min_spacing.\n"
	"# platform: one name, or several separated by commas.  Adds that "
	"arrive\n"
	"# together (pipelined, several clients) share one commit.\n"
	"method Add(\n"
	"  platform: string,\n"
	"  at: ?string,\n"
	"  title: ?string,\n"
	"  body: ?string,\n"
	"  type: ?string,\n"
	"  persona: ?string,\n"
	"  campaign: ?string,\n"
	"  url: ?string,\n"
	"  draft: ?bool,\n"
	"  allow_past: ?bool\n"
	") -> (id: string, publish_at: string, publish_at_local: string, "
	"slot: bool,\n"
	"      warnings: []string)\n"
	"\n"
	"# Queues every post of a bulk file (smctl add --file), all or "
	"nothing in\n"
	"# one transaction: name is the file's name (posts.csv, "
	"posts.jsonl: its\n"
	"# format and the messages), text its content (UTF-8).  Rows "
	"without a\n"
	"# time take successive free slots.  Any bad row: InvalidFile "
	"with every\n"
	"# problem and its line, nothing added.\n"
	"method AddMany(name: string, text: string, allow_past: ?bool) -> "
	"(\n"
	"  posts: []Added,\n"
	"  warnings: []string\n"
	")\n"
	"\n"
	"# Occurrences publishing in [from, to), calendar and queued posts "
	"together,\n"
	"# in publish order, one per reply (call with \"more\"); none at "
	"all is one\n"
	"# reply without post.\n"
	"method List(\n"
	"  from: ?string,\n"
	"  to: ?string,\n"
	"  platform: ?string,\n"
	"  status: ?(draft, scheduled, cancelled, done),\n"
	"  calendar: ?string\n"
	") -> (post: ?Post)\n"
	"\n"
	"# One post (its next occurrence, or the one named).  calendar "
	"picks\n"
	"# among calendars that have a post with this UID.\n"
	"method Get(id: string, occurrence: ?string, calendar: ?string) -> "
	"(post: Post)\n"
	"\n"
	"# Cancels a queued post, or one occurrence of a calendar post; a "
	"series\n"
	"# needs occurrence.\n"
	"method Cancel(id: string, occurrence: ?string, calendar: ?string) -> "
	"(\n"
	"  post: Post\n"
	")\n"
	"\n"
	"# Marks an occurrence published, with the posted URL: its "
	"post.overdue\n"
	"# does not fire.\n"
	"method Done(\n"
	"  id: string,\n"
	"  occurrence: ?string,\n"
	"  calendar: ?string,\n"
	"  url: ?string\n"
	") -> (post: Post)\n"
	"\n"
	"# The next count occurrences to publish (default 10), one per reply "
	"(call\n"
	"# with \"more\").\n"
	"method Next(count: ?int, platform: ?string) -> (post: ?Post)\n";

static const char metrics_idl[] =
	"# KPIs and SMART goals (SPEC section 8): what each published "
	"occurrence\n"
	"# achieved, followers per platform and day, reports and goals.  A "
	"post is\n"
	"# named as in io.smcal.Posts: a queued post's id, or a calendar "
	"post's UID\n"
	"# with occurrence for one instance of a series.  Record and Import "
	"need\n"
	"# admin_groups (or admin_users, root, the daemon's user); Report and "
	"Goals\n"
	"# need read_groups.  Errors are those of io.smcal, and "
	"ImportFailed.\n"
	"interface io.smcal.Metrics\n"
	"\n"
	"# The per-post metrics, absent when not recorded; engagement is "
	"the\n"
	"# recorded one, else the sum of its recorded parts.\n"
	"type Values (\n"
	"  impressions: ?int,\n"
	"  reach: ?int,\n"
	"  engagement: ?int,\n"
	"  likes: ?int,\n"
	"  comments: ?int,\n"
	"  shares: ?int,\n"
	"  saves: ?int,\n"
	"  clicks: ?int,\n"
	"  conversions: ?int\n"
	")\n"
	"\n"
	"# Records counts (0 or more) measured at at (default now; RFC "
	"3339,\n"
	"# \"YYYY-MM-DD HH:MM\" in the configured zone, \"-2h\"): of one "
	"published\n"
	"# occurrence (id, occurrence; names: impressions, reach, "
	"engagement,\n"
	"# likes, comments, shares, saves, clicks, conversions), or "
	"followers alone,\n"
	"# of platform on the local day of at.  A later value of a metric "
	"replaces\n"
	"# the current one and every value is kept; changed: a current value "
	"changed.\n"
	"method Record(\n"
	"  id: ?string,\n"
	"  occurrence: ?string,\n"
	"  platform: ?string,\n"
	"  at: ?string,\n"
	"  values: [string]int\n"
	") -> (\n"
	"  calendar: ?string,\n"
	"  id: ?string,\n"
	"  occurrence: ?string,\n"
	"  title: ?string,\n"
	"  publish_at: ?string,\n"
	"  values: ?Values,\n"
	"  platform: ?string,\n"
	"  day: ?string,\n"
	"  followers: ?int,\n"
	"  at: string,\n"
	"  changed: bool\n"
	")\n"
	"\n"
	"# A problem of an import at a line of the file (0: the file as a "
	"whole).\n"
	"type Problem (line: int, severity: (error, warning), message: "
	"string)\n"
	"\n"
	"# How the rows stored were matched to posts.\n"
	"type Matched (id: int, url: int, time: int)\n"
	"\n"
	"# Imports a platform's CSV export (a header row; UTF-8 with or "
	"without BOM;\n"
	"# comma or semicolon).  data: the file's bytes in base64, sent in "
	"pieces of\n"
	"# at most 512 KiB of the file (64 MiB in all) on one connection: "
	"each call\n"
	"# but the last sets more_data and gets received (bytes so far); "
	"the last\n"
	"# imports; size (bytes of the file) checks that no piece is missing.  "
	"map:\n"
	"# \"COLUMN=FIELD,...\" items.  Rows match a post by id, the URL\n"
	"# of its done mark, or its publish time on platform within 30 "
	"minutes.\n"
	"# With any error nothing is stored (ImportFailed) unless partial, "
	"which\n"
	"# stores the good rows; dry_run stores nothing.  One transaction.\n"
	"method Import(\n"
	"  platform: string,\n"
	"  file: ?string,\n"
	"  data: string,\n"
	"  more_data: ?bool,\n"
	"  size: ?int,\n"
	"  map: ?[]string,\n"
	"  partial: ?bool,\n"
	"  dry_run: ?bool\n"
	") -> (\n"
	"  received: ?int,\n"
	"  file: ?string,\n"
	"  platform: ?string,\n"
	"  rows: ?int,\n"
	"  ok: ?int,\n"
	"  bad: ?int,\n"
	"  matched: ?Matched,\n"
	"  errors: ?int,\n"
	"  warnings: ?int,\n"
	"  problems_shown: ?int,\n"
	"  problems: ?[]Problem,\n"
	"  dry_run: ?bool,\n"
	"  stored: ?bool,\n"
	"  posts: ?int,\n"
	"  followers: ?int,\n"
	"  changed: ?int,\n"
	"  import_id: ?int\n"
	")\n"
	"\n"
	"# One of a row's best posts (highest engagement).\n"
	"type BestPost (\n"
	"  id: string,\n"
	"  recurrence_id: ?string,\n"
	"  title: ?string,\n"
	"  engagement: ?int,\n"
	"  engagement_rate: ?float\n"
	")\n"
	"\n"
	"# One group (named by the report's by) in one period; a sum is "
	"null when\n"
	"# no post had that metric, a rate when its denominator is zero.\n"
	"type ReportRow (\n"
	"  platform: ?string,\n"
	"  type: ?string,\n"
	"  persona: ?string,\n"
	"  campaign: ?string,\n"
	"  period: string,\n"
	"  start: string,\n"
	"  end: string,\n"
	"  posts_published: int,\n"
	"  impressions: ?int,\n"
	"  reach: ?int,\n"
	"  engagement: ?int,\n"
	"  engagement_rate: ?float,\n"
	"  clicks: ?int,\n"
	"  ctr: ?float,\n"
	"  conversions: ?int,\n"
	"  best_posts: []BestPost\n"
	")\n"
	"\n"
	"# Published occurrences (marked done or with values) publishing in "
	"[from,\n"
	"# to) and their KPIs per group and period (default: weeks; the "
	"current\n"
	"# period and the three before it), one row per reply (call with "
	"\"more\");\n"
	"# with csv, each reply's csv is one CSV line, the header first.  "
	"Every\n"
	"# group gets every period, zeros included.\n"
	"method Report(\n"
	"  period: ?(day, week, month),\n"
	"  by: ?(platform, type, persona, campaign),\n"
	"  from: ?string,\n"
	"  to: ?string,\n"
	"  csv: ?bool\n"
	") -> (row: ?ReportRow, csv: ?string)\n"
	"\n"
	"# A goal at the time of the call: its value, the expected value on "
	"the\n"
	"# straight line from baseline at start to target at deadline, the "
	"value\n"
	"# projected at the deadline at the current pace, progress (0 at the "
	"baseline,\n"
	"# 1 at the target) and status.  Rates are fractions.\n"
	"type Goal (\n"
	"  name: string,\n"
	"  metric: string,\n"
	"  platform: string,\n"
	"  type: ?string,\n"
	"  campaign: ?string,\n"
	"  baseline: float,\n"
	"  target: float,\n"
	"  start: string,\n"
	"  deadline: string,\n"
	"  tolerance: float,\n"
	"  value: ?float,\n"
	"  expected: float,\n"
	"  projected: ?float,\n"
	"  progress: ?float,\n"
	"  status: (on_track, off_track, achieved, missed)\n"
	")\n"
	"\n"
	"# Every configured goal (problems: goals that cannot be "
	"evaluated).\n"
	"method Goals() -> (goals: []Goal, problems: []string, at: string)\n"
	"\n"
	"# An import found problems and stored nothing (the reply's fields "
	"of\n"
	"# Import, with stored false).\n"
	"error ImportFailed (\n"
	"  file: string,\n"
	"  rows: int,\n"
	"  errors: int,\n"
	"  problems: []Problem,\n"
	"  message: string\n"
	")\n";

const char *const sm_proto_interfaces[] = {
	SM_PROTO_SERVICE, SM_PROTO_SMCAL, SM_PROTO_POSTS,
	SM_PROTO_METRICS, NULL,
};

const char *
sm_proto_description(const char *interface)
{
	if (!interface)
		return NULL;
	if (strcmp(interface, SM_PROTO_SERVICE) == 0)
		return service_idl;
	if (strcmp(interface, SM_PROTO_SMCAL) == 0)
		return smcal_idl;
	if (strcmp(interface, SM_PROTO_POSTS) == 0)
		return posts_idl;
	if (strcmp(interface, SM_PROTO_METRICS) == 0)
		return metrics_idl;
	return NULL;
}
