/*
 * Unit tests for lib/proto, the control socket's wire format: framing
 * (partial reads, pipelined messages in one read, the 1 MiB limit with and
 * without a NUL), call decoding (invalid JSON, non-objects, bad method
 * names, bad flags), method lookup (unknown interface, unknown method,
 * declared but not implemented, ExpectedMore), parameter decoding (wrong
 * types, unknown, missing, null, enums, ranges, lengths), encoding of
 * calls, replies and errors, reply decoding, every error name against the
 * interface descriptions, and text that is not UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Feeds a whole string including its NUL. */
static void
feed_msg(struct sm_proto_reader *r, const char *s)
{
	sm_proto_reader_feed(r, s, strlen(s) + 1);
}

static void
test_reader_one(void **state)
{
	(void)state;
	struct sm_proto_reader r;
	sm_proto_reader_init(&r, SM_PROTO_MAX_MESSAGE);
	const char *msg;
	size_t len;
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	feed_msg(&r, "{\"method\":\"io.smcal.Status\"}");
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{\"method\":\"io.smcal.Status\"}");
	assert_int_equal(len, strlen(msg));
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	assert_int_equal(sm_proto_reader_pending(&r), 0);
	sm_proto_reader_fini(&r);
}

static void
test_reader_partial(void **state)
{
	(void)state;
	/* A message arriving one byte per read comes out once, whole. */
	const char *text = "{\"method\":\"org.varlink.service.GetInfo\"}";
	struct sm_proto_reader r;
	sm_proto_reader_init(&r, SM_PROTO_MAX_MESSAGE);
	const char *msg;
	size_t len;
	for (size_t i = 0; i <= strlen(text); i++) {
		if (i > 0)
			assert_int_equal(sm_proto_reader_next(&r, &msg, &len),
					 0);
		size_t room;
		char *p = sm_proto_reader_space(&r, 1, &room);
		assert_true(room >= 1);
		*p = text[i];
		sm_proto_reader_commit(&r, 1);
	}
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, text);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	sm_proto_reader_fini(&r);
}

static void
test_reader_pipelined(void **state)
{
	(void)state;
	/* Three messages and half of a fourth in one read. */
	const char stream[] = "{\"a\":1}\0{\"b\":2}\0{}\0{\"d\":";
	struct sm_proto_reader r;
	sm_proto_reader_init(&r, SM_PROTO_MAX_MESSAGE);
	sm_proto_reader_feed(&r, stream, sizeof(stream) - 1);
	const char *msg;
	size_t len;
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{\"a\":1}");
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{\"b\":2}");
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{}");
	assert_int_equal(len, 2);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	assert_int_equal(sm_proto_reader_pending(&r), 5);
	/* The rest of the fourth arrives with a fifth. */
	const char rest[] = "4}\0{\"e\":5}";
	sm_proto_reader_feed(&r, rest, sizeof(rest));
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{\"d\":4}");
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_string_equal(msg, "{\"e\":5}");
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	sm_proto_reader_fini(&r);
}

static void
test_reader_limit(void **state)
{
	(void)state;
	const char *msg;
	size_t len;
	struct sm_proto_reader r;
	/* Exactly the limit is fine; one more byte without a NUL is not. */
	sm_proto_reader_init(&r, 8);
	sm_proto_reader_feed(&r, "12345678", 8);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 0);
	sm_proto_reader_feed(&r, "", 1);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len), 1);
	assert_int_equal(len, 8);
	sm_proto_reader_feed(&r, "123456789", 9);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len),
			 SM_PROTO_TOO_BIG);
	sm_proto_reader_fini(&r);
	/* A message over the limit that arrives whole with its NUL. */
	sm_proto_reader_init(&r, 8);
	sm_proto_reader_feed(&r, "123456789", 10);
	assert_int_equal(sm_proto_reader_next(&r, &msg, &len),
			 SM_PROTO_TOO_BIG);
	sm_proto_reader_fini(&r);
}

static void
test_reader_two_mib(void **state)
{
	(void)state;
	/* 2 MiB without a NUL, in 64 KiB reads: refused once the limit is
	 * passed, and the buffer never held much more than the limit. */
	struct sm_proto_reader r;
	sm_proto_reader_init(&r, SM_PROTO_MAX_MESSAGE);
	char *chunk = malloc(65536);
	assert_non_null(chunk);
	memset(chunk, ' ', 65536);
	const char *msg;
	size_t len;
	size_t fed = 0;
	int rc = 0;
	while (fed < 2u * 1024 * 1024) {
		size_t room;
		char *p = sm_proto_reader_space(&r, 65536, &room);
		memcpy(p, chunk, 65536);
		sm_proto_reader_commit(&r, 65536);
		fed += 65536;
		rc = sm_proto_reader_next(&r, &msg, &len);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, SM_PROTO_TOO_BIG);
	assert_true(fed > SM_PROTO_MAX_MESSAGE);
	assert_true(fed <= SM_PROTO_MAX_MESSAGE + 65536);
	assert_true(r.cap <= 2 * (SM_PROTO_MAX_MESSAGE + 65536));
	free(chunk);
	sm_proto_reader_fini(&r);
}

/* Decodes text as a call; returns the decode result. */
static int
decode(const char *text, struct sm_proto_call *c, struct sm_proto_error *e)
{
	return sm_proto_call_decode(text, strlen(text), c, e);
}

static void
test_call_valid(void **state)
{
	(void)state;
	struct sm_proto_call c;
	struct sm_proto_error e = {0};
	assert_int_equal(decode("{\"method\":\"io.smcal.Posts.Add\","
				"\"parameters\":{\"platform\":\"x\"},"
				"\"more\":false,\"x-vendor\":{\"a\":1}}",
				&c, &e),
			 0);
	assert_string_equal(c.method, "io.smcal.Posts.Add");
	assert_string_equal(c.interface, "io.smcal.Posts");
	assert_string_equal(c.member, "Add");
	assert_string_equal(
		json_string_value(json_object_get(c.parameters, "platform")),
		"x");
	assert_int_equal(c.more, 0);
	assert_int_equal(c.oneway, 0);
	sm_proto_call_fini(&c);
	/* No parameters: an empty object; flags read. */
	assert_int_equal(decode("{\"method\":\"io.smcal.Status\","
				"\"oneway\":true}",
				&c, &e),
			 0);
	assert_true(json_is_object(c.parameters));
	assert_int_equal(json_object_size(c.parameters), 0);
	assert_int_equal(c.oneway, 1);
	sm_proto_call_fini(&c);
	assert_int_equal(decode("{\"method\":\"io.smcal.Deliveries\","
				"\"parameters\":null,\"more\":true}",
				&c, &e),
			 0);
	assert_int_equal(c.more, 1);
	sm_proto_call_fini(&c);
	sm_proto_error_clear(&e);
}

/* Checks that text fails to decode with the error name, fatal or not,
 * naming the parameter when param is not NULL. */
static void
expect_call_error(const char *text, const char *name, int fatal,
		  const char *param)
{
	struct sm_proto_call c;
	struct sm_proto_error e = {0};
	assert_int_equal(decode(text, &c, &e), -1);
	assert_string_equal(e.name, name);
	assert_int_equal(e.fatal, fatal);
	assert_true(e.message[0] != '\0');
	if (param)
		assert_string_equal(json_string_value(json_object_get(
					    e.params, "parameter")),
				    param);
	if (strncmp(name, "io.smcal.", 9) == 0)
		assert_string_equal(
			json_string_value(json_object_get(e.params, "message")),
			e.message);
	sm_proto_call_fini(&c);
	sm_proto_error_clear(&e);
}

static void
test_call_invalid(void **state)
{
	(void)state;
	/* Not JSON, or not an object: fatal protocol errors. */
	expect_call_error("", SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("{\"method\":", SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("{\"method\":\"io.smcal.Status\"} trailing",
			  SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("\xff\xfe", SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("{\"method\":\"io.smcal.Status\",\"method\":\"x\"}",
			  SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("[1,2]", SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("\"io.smcal.Status\"", SM_PROTO_E_PROTOCOL, 1, NULL);
	/* An object with a bad shape: the call is answered, the connection
	 * stays. */
	expect_call_error("{}", SM_PROTO_E_INVALID_PARAMETER, 0, "method");
	expect_call_error("{\"method\":42}", SM_PROTO_E_INVALID_PARAMETER, 0,
			  "method");
	expect_call_error("{\"method\":\"Status\"}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "method");
	expect_call_error("{\"method\":\"io.smcal.status\"}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "method");
	expect_call_error("{\"method\":\"io..smcal.Status\"}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "method");
	expect_call_error("{\"method\":\"io.smcal.\"}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "method");
	/* jansson refuses \u0000 in strings: not a message smcal reads. */
	expect_call_error("{\"method\":\"io.smcal.Sta\\u0000tus\"}",
			  SM_PROTO_E_PROTOCOL, 1, NULL);
	expect_call_error("{\"method\":\"io.smcal.Status\",\"parameters\":[]}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "parameters");
	expect_call_error("{\"method\":\"io.smcal.Status\",\"more\":1}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "more");
	expect_call_error("{\"method\":\"io.smcal.Status\",\"oneway\":\"y\"}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "oneway");
	expect_call_error("{\"method\":\"io.smcal.Status\",\"upgrade\":true}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "upgrade");
	expect_call_error("{\"method\":\"io.smcal.Status\",\"more\":true,"
			  "\"oneway\":true}",
			  SM_PROTO_E_INVALID_PARAMETER, 0, "oneway");
}

static const struct sm_proto_field retry_params[] = {
	{.name = "id", .type = SM_PT_INT, .flags = SM_PF_REQUIRED},
	{.name = NULL},
};

static const char *const filters[] = {"recent", "pending", "failed", NULL};

static const struct sm_proto_field list_params[] = {
	{.name = "filter", .type = SM_PT_STRING, .values = filters},
	{.name = "limit", .type = SM_PT_INT, .min = 1, .max = 1000},
	{.name = "title", .type = SM_PT_STRING, .max_len = 5},
	{.name = "draft", .type = SM_PT_BOOL},
	{.name = "weight", .type = SM_PT_FLOAT},
	{.name = "tags", .type = SM_PT_STRINGS},
	{.name = "extra", .type = SM_PT_OBJECT},
	{.name = NULL},
};

/* A server's table entry: the method, then what the server adds. */
struct entry {
	struct sm_proto_method m;
	int perm;
};

static const struct entry table[] = {
	{{"org.varlink.service.GetInfo", NULL, 0}, 0},
	{{"io.smcal.Retry", retry_params, 0}, 2},
	{{"io.smcal.Deliveries", list_params, SM_PM_MORE}, 1},
};

/* Finds and checks text's method; returns the index or -1 with e set. */
static long
lookup(const char *text, struct sm_proto_value *args, struct sm_proto_error *e)
{
	struct sm_proto_call c;
	assert_int_equal(decode(text, &c, e), 0);
	long i = sm_proto_find(&c, table, 3, sizeof(table[0]), e);
	if (i >= 0 && sm_proto_check(&c, &table[i].m, args, e) < 0)
		i = -1;
	sm_proto_call_fini(&c);
	return i;
}

static void
test_find(void **state)
{
	(void)state;
	struct sm_proto_value args[SM_PROTO_MAX_FIELDS];
	struct sm_proto_error e = {0};
	assert_int_equal(lookup("{\"method\":\"org.varlink.service.GetInfo\"}",
				args, &e),
			 0);
	assert_int_equal(lookup("{\"method\":\"io.smcal.Retry\","
				"\"parameters\":{\"id\":7}}",
				args, &e),
			 1);
	assert_true(args[0].set);
	assert_int_equal(args[0].i, 7);
	/* Unknown interface. */
	assert_int_equal(
		lookup("{\"method\":\"org.example.ftl.Jump\"}", args, &e), -1);
	assert_string_equal(e.name, SM_PROTO_E_INTERFACE_NOT_FOUND);
	assert_string_equal(
		json_string_value(json_object_get(e.params, "interface")),
		"org.example.ftl");
	/* Unknown method of a known interface. */
	assert_int_equal(
		lookup("{\"method\":\"io.smcal.Frobnicate\"}", args, &e), -1);
	assert_string_equal(e.name, SM_PROTO_E_METHOD_NOT_FOUND);
	assert_string_equal(
		json_string_value(json_object_get(e.params, "method")),
		"io.smcal.Frobnicate");
	assert_null(json_object_get(e.params, "message"));
	/* A prefix of a declared method is not that method. */
	assert_int_equal(lookup("{\"method\":\"io.smcal.Stat\"}", args, &e),
			 -1);
	assert_string_equal(e.name, SM_PROTO_E_METHOD_NOT_FOUND);
	/* Declared in the description, absent from the table. */
	assert_int_equal(
		lookup("{\"method\":\"io.smcal.Posts.Add\"}", args, &e), -1);
	assert_string_equal(e.name, SM_PROTO_E_METHOD_NOT_IMPLEMENTED);
	assert_string_equal(
		json_string_value(json_object_get(e.params, "method")),
		"io.smcal.Posts.Add");
	/* A stream called without "more". */
	assert_int_equal(
		lookup("{\"method\":\"io.smcal.Deliveries\"}", args, &e), -1);
	assert_string_equal(e.name, SM_PROTO_E_EXPECTED_MORE);
	assert_int_equal(lookup("{\"method\":\"io.smcal.Deliveries\","
				"\"more\":true}",
				args, &e),
			 2);
	assert_false(args[0].set);
	sm_proto_error_clear(&e);
}

/* Decodes params (JSON text) against list_params. */
static int
args_of(const char *params, struct sm_proto_value *args,
	struct sm_proto_error *e)
{
	json_t *p = json_loads(params, JSON_ALLOW_NUL, NULL);
	assert_non_null(p);
	int rc = sm_proto_args_decode(p, list_params, args, e);
	json_decref(p);
	return rc;
}

static void
expect_args_error(const char *params, const char *name, const char *param)
{
	struct sm_proto_value args[SM_PROTO_MAX_FIELDS];
	struct sm_proto_error e = {0};
	assert_int_equal(args_of(params, args, &e), -1);
	assert_string_equal(e.name, name);
	assert_string_equal(
		json_string_value(json_object_get(e.params, "parameter")),
		param);
	assert_int_equal(e.fatal, 0);
	sm_proto_error_clear(&e);
}

static void
test_args(void **state)
{
	(void)state;
	struct sm_proto_value args[SM_PROTO_MAX_FIELDS];
	struct sm_proto_error e = {0};
	json_t *p = json_loads("{\"filter\":\"failed\",\"limit\":1000,"
			       "\"title\":\"12345\",\"draft\":true,"
			       "\"weight\":2,\"tags\":[\"a\",\"b\"],"
			       "\"extra\":{}}",
			       0, NULL);
	assert_int_equal(sm_proto_args_decode(p, list_params, args, &e), 0);
	assert_string_equal(args[0].s, "failed");
	assert_int_equal(args[1].i, 1000);
	assert_string_equal(args[2].s, "12345");
	assert_int_equal(args[2].len, 5);
	assert_int_equal(args[3].b, 1);
	assert_true(args[4].f == 2.0);
	assert_int_equal(json_array_size(args[5].j), 2);
	assert_true(json_is_object(args[6].j));
	json_decref(p);
	/* null is absent; so is a missing optional field. */
	assert_int_equal(args_of("{\"filter\":null}", args, &e), 0);
	for (int k = 0; k < 7; k++)
		assert_false(args[k].set);
	/* Wrong types, each named. */
	expect_args_error("{\"filter\":3}", SM_PROTO_E_INVALID_PARAMETER,
			  "filter");
	expect_args_error("{\"limit\":\"10\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "limit");
	expect_args_error("{\"limit\":1.5}", SM_PROTO_E_INVALID_PARAMETER,
			  "limit");
	expect_args_error("{\"draft\":\"yes\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "draft");
	expect_args_error("{\"weight\":\"x\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "weight");
	expect_args_error("{\"tags\":[\"a\",1]}", SM_PROTO_E_INVALID_PARAMETER,
			  "tags");
	expect_args_error("{\"tags\":\"a\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "tags");
	expect_args_error("{\"extra\":[]}", SM_PROTO_E_INVALID_PARAMETER,
			  "extra");
	/* Unknown parameter, enum, length, NUL inside. */
	expect_args_error("{\"colour\":\"red\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "colour");
	expect_args_error("{\"filter\":\"all\"}", SM_PROTO_E_INVALID_PARAMETER,
			  "filter");
	expect_args_error("{\"title\":\"123456\"}",
			  SM_PROTO_E_INVALID_PARAMETER, "title");
	expect_args_error("{\"title\":\"a\\u0000b\"}",
			  SM_PROTO_E_INVALID_PARAMETER, "title");
	/* Out of range: a value error with the range in the message. */
	expect_args_error("{\"limit\":0}", SM_PROTO_E_BAD_VALUE, "limit");
	expect_args_error("{\"limit\":1001}", SM_PROTO_E_BAD_VALUE, "limit");
	assert_int_equal(args_of("{\"limit\":-5}", args, &e), -1);
	assert_non_null(strstr(e.message, "between 1 and 1000"));
	/* Required. */
	p = json_object();
	assert_int_equal(sm_proto_args_decode(p, retry_params, args, &e), -1);
	assert_string_equal(e.name, SM_PROTO_E_INVALID_PARAMETER);
	assert_string_equal(
		json_string_value(json_object_get(e.params, "parameter")),
		"id");
	json_decref(p);
	sm_proto_error_clear(&e);
}

static void
test_encode(void **state)
{
	(void)state;
	size_t len;
	json_t *params = json_pack("{s:i}", "n", 3);
	char *s = sm_proto_reply_encode(params, 0, &len);
	assert_string_equal(s, "{\"parameters\":{\"n\":3}}");
	assert_int_equal(len, strlen(s) + 1);
	free(s);
	s = sm_proto_reply_encode(params, 1, &len);
	assert_string_equal(s, "{\"parameters\":{\"n\":3},\"continues\":true}");
	free(s);
	s = sm_proto_reply_encode(NULL, 0, &len);
	assert_string_equal(s, "{\"parameters\":{}}");
	free(s);
	s = sm_proto_error_encode(SM_PROTO_E_NO_SUCH_DELIVERY, params, &len);
	assert_string_equal(s, "{\"error\":\"io.smcal.NoSuchDelivery\","
			       "\"parameters\":{\"n\":3}}");
	free(s);
	s = sm_proto_call_encode("io.smcal.Deliveries", NULL, 1, 0, &len);
	assert_string_equal(s, "{\"method\":\"io.smcal.Deliveries\","
			       "\"parameters\":{},\"more\":true}");
	free(s);
	json_decref(params);
	/* A NUL inside a string never reaches the wire raw. */
	params = json_pack("{s:s%}", "t", "a\0b", (size_t)3);
	s = sm_proto_reply_encode(params, 0, &len);
	assert_int_equal(strlen(s) + 1, len);
	assert_non_null(strstr(s, "a\\u0000b"));
	free(s);
	json_decref(params);
	/* Over the limit: no message. */
	char *big = malloc(SM_PROTO_MAX_MESSAGE + 1);
	assert_non_null(big);
	memset(big, 'x', SM_PROTO_MAX_MESSAGE);
	big[SM_PROTO_MAX_MESSAGE] = '\0';
	params = json_pack("{s:s}", "t", big);
	assert_null(sm_proto_reply_encode(params, 0, &len));
	json_decref(params);
	free(big);
}

static void
test_reply_decode(void **state)
{
	(void)state;
	struct sm_proto_reply r;
	char err[128];
	const char *ok = "{\"parameters\":{\"n\":1},\"continues\":true}";
	assert_int_equal(
		sm_proto_reply_decode(ok, strlen(ok), &r, err, sizeof(err)), 0);
	assert_null(r.error);
	assert_int_equal(r.continues, 1);
	assert_int_equal(json_integer_value(json_object_get(r.parameters, "n")),
			 1);
	sm_proto_reply_fini(&r);
	const char *e = "{\"error\":\"io.smcal.NoSuchPost\"}";
	assert_int_equal(
		sm_proto_reply_decode(e, strlen(e), &r, err, sizeof(err)), 0);
	assert_string_equal(r.error, "io.smcal.NoSuchPost");
	assert_true(json_is_object(r.parameters));
	assert_int_equal(r.continues, 0);
	sm_proto_reply_fini(&r);
	const char *bad[] = {"nope", "[]", "{\"error\":1}",
			     "{\"parameters\":3}"};
	for (size_t i = 0; i < 4; i++) {
		err[0] = '\0';
		assert_int_equal(sm_proto_reply_decode(bad[i], strlen(bad[i]),
						       &r, err, sizeof(err)),
				 -1);
		assert_true(err[0] != '\0');
		assert_null(r.root);
	}
}

/* 1 when the interface's description has "error NAME (". */
static int
declares_error(const char *interface, const char *name)
{
	const char *idl = sm_proto_description(interface);
	char pat[128];
	snprintf(pat, sizeof(pat), "\nerror %s (", name);
	return idl && strstr(idl, pat) != NULL;
}

static void
test_error_names(void **state)
{
	(void)state;
	/* Every error name of proto.h is declared by its interface. */
	const char *const names[] = {
		SM_PROTO_E_INTERFACE_NOT_FOUND,
		SM_PROTO_E_METHOD_NOT_FOUND,
		SM_PROTO_E_METHOD_NOT_IMPLEMENTED,
		SM_PROTO_E_INVALID_PARAMETER,
		SM_PROTO_E_EXPECTED_MORE,
		SM_PROTO_E_NO_SUCH_POST,
		SM_PROTO_E_NO_SUCH_DELIVERY,
		SM_PROTO_E_BAD_VALUE,
		SM_PROTO_E_PERMISSION_DENIED,
		SM_PROTO_E_RELOAD_FAILED,
		SM_PROTO_E_TOO_LARGE,
		SM_PROTO_E_PROTOCOL,
		SM_PROTO_E_TOO_MANY_CLIENTS,
		SM_PROTO_E_SHUTTING_DOWN,
		SM_PROTO_E_INTERNAL,
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *dot = strrchr(names[i], '.');
		char iface[64];
		snprintf(iface, sizeof(iface), "%.*s", (int)(dot - names[i]),
			 names[i]);
		if (!declares_error(iface, dot + 1))
			fail_msg("%s is not declared by %s", names[i], iface);
		/* io.smcal errors carry a message; varlink's do not. */
		struct sm_proto_error e = {0};
		sm_proto_error_set(&e, names[i], NULL, "why %d", 42);
		assert_string_equal(e.message, "why 42");
		int has = json_object_get(e.params, "message") != NULL;
		assert_int_equal(has, strncmp(names[i], "io.smcal.", 9) == 0);
		if (has)
			assert_non_null(strstr(sm_proto_description(iface),
					       "message: string)"));
		sm_proto_error_clear(&e);
	}
	/* The standard names are spelled as varlink defines them. */
	assert_string_equal(SM_PROTO_E_METHOD_NOT_FOUND,
			    "org.varlink.service.MethodNotFound");
	assert_string_equal(SM_PROTO_E_EXPECTED_MORE,
			    "org.varlink.service.ExpectedMore");
	assert_string_equal(SM_PROTO_E_PERMISSION_DENIED,
			    "io.smcal.PermissionDenied");
	assert_string_equal(SM_PROTO_E_NO_SUCH_POST, "io.smcal.NoSuchPost");
}

static void
test_descriptions(void **state)
{
	(void)state;
	/* Each interface's description opens with its own name, and every
	 * method it declares has a valid name. */
	for (const char *const *i = sm_proto_interfaces; *i; i++) {
		const char *idl = sm_proto_description(*i);
		assert_non_null(idl);
		assert_true(sm_proto_interface_valid(*i));
		char head[64];
		snprintf(head, sizeof(head), "\ninterface %s\n", *i);
		assert_non_null(strstr(idl, head));
		int methods = 0;
		for (const char *p = strstr(idl, "\nmethod "); p;
		     p = strstr(p + 1, "\nmethod ")) {
			char name[64];
			size_t n = strcspn(p + 8, "(");
			assert_true(n < sizeof(name));
			memcpy(name, p + 8, n);
			name[n] = '\0';
			assert_true(sm_proto_member_valid(name));
			assert_true(sm_proto_declared(*i, name));
			methods++;
		}
		assert_true(methods >= 2);
		/* Types, methods and errors share one namespace (varlink):
		 * no two members of an interface have the same name. */
		char seen[64][64];
		int nseen = 0;
		static const char *const kinds[] = {"\ntype ", "\nmethod ",
						    "\nerror "};
		for (int k = 0; k < 3; k++)
			for (const char *p = strstr(idl, kinds[k]); p;
			     p = strstr(p + 1, kinds[k])) {
				const char *nm = p + strlen(kinds[k]);
				size_t n = strcspn(nm, " (");
				assert_true(n < 64 && nseen < 64);
				for (int j = 0; j < nseen; j++)
					if (strlen(seen[j]) == n &&
					    memcmp(seen[j], nm, n) == 0)
						fail_msg(
							"%s declares %.*s twice",
							*i, (int)n, nm);
				memcpy(seen[nseen], nm, n);
				seen[nseen++][n] = '\0';
			}
		/* Parentheses balance. */
		int depth = 0;
		for (const char *p = idl; *p; p++) {
			if (*p == '#')
				p += strcspn(p, "\n") - 1;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				assert_true(--depth >= 0);
		}
		assert_int_equal(depth, 0);
	}
	const char *posts[] = {"Add", "List", "Get", "Cancel", "Done", "Next"};
	for (size_t k = 0; k < 6; k++)
		assert_true(sm_proto_declared(SM_PROTO_POSTS, posts[k]));
	const char *smcal[] = {"Status", "Reload",  "Deliveries", "Retry",
			       "Export", "Cadence", "Grid"};
	for (size_t k = 0; k < 7; k++)
		assert_true(sm_proto_declared(SM_PROTO_SMCAL, smcal[k]));
	assert_false(sm_proto_declared(SM_PROTO_SMCAL, "Add"));
	assert_null(sm_proto_description("io.smcal.posts"));
	assert_null(sm_proto_description(NULL));
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(sm_proto_interface_valid("io.smcal"));
	assert_true(sm_proto_interface_valid("io.smcal.Posts"));
	assert_true(sm_proto_interface_valid("org.example-1.x"));
	assert_false(sm_proto_interface_valid("smcal"));
	assert_false(sm_proto_interface_valid("io.smcal."));
	assert_false(sm_proto_interface_valid(".io.smcal"));
	assert_false(sm_proto_interface_valid("io..smcal"));
	assert_false(sm_proto_interface_valid("io.-smcal"));
	assert_false(sm_proto_interface_valid("1o.smcal"));
	assert_false(sm_proto_interface_valid("io.sm cal"));
	assert_true(sm_proto_member_valid("Status"));
	assert_true(sm_proto_member_valid("GetInfo2"));
	assert_false(sm_proto_member_valid("status"));
	assert_false(sm_proto_member_valid("Get_Info"));
	assert_false(sm_proto_member_valid(""));
}

static void
test_string_utf8(void **state)
{
	(void)state;
	json_t *j = sm_proto_string("caf\xc3\xa9");
	assert_string_equal(json_string_value(j), "caf\xc3\xa9");
	json_decref(j);
	/* Windows-1252 e-acute, a truncated sequence, an overlong one and a
	 * surrogate each become U+FFFD. */
	j = sm_proto_string("caf\xe9 \xe2\x82 \xc0\xaf \xed\xa0\x80!");
	assert_string_equal(json_string_value(j),
			    "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	json_decref(j);
	j = sm_proto_string(NULL);
	assert_true(json_is_null(j));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_one),
		cmocka_unit_test(test_reader_partial),
		cmocka_unit_test(test_reader_pipelined),
		cmocka_unit_test(test_reader_limit),
		cmocka_unit_test(test_reader_two_mib),
		cmocka_unit_test(test_call_valid),
		cmocka_unit_test(test_call_invalid),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_reply_decode),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_descriptions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_string_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
