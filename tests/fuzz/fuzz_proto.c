/*
 * fuzz_proto: libFuzzer target for the control socket's wire format
 * (lib/proto), the code that reads what any local client sends.
 *
 * The input is a byte stream as a connection would carry it.  Its first
 * byte picks the read size (1 to 256 bytes), so partial messages, several
 * messages per read and messages split anywhere are all exercised; a small
 * message limit (4 KiB) makes the oversize path reachable.  Each message
 * goes through the daemon's path: decode as a call, find the method in a
 * table like daemon/control.c's, check its parameters, encode the reply or
 * the error; and through the client's path: decode as a reply.  Everything
 * is freed, so a leak shows up under LeakSanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const filters[] = {"recent", "pending", "failed", NULL};

static const struct sm_proto_field deliveries_params[] = {
	{.name = "filter", .type = SM_PT_STRING, .values = filters},
	{.name = "limit", .type = SM_PT_INT, .min = 1, .max = 1000},
	{.name = NULL},
};

static const struct sm_proto_field retry_params[] = {
	{.name = "id", .type = SM_PT_INT, .flags = SM_PF_REQUIRED},
	{.name = NULL},
};

static const struct sm_proto_field describe_params[] = {
	{.name = "interface",
	 .type = SM_PT_STRING,
	 .flags = SM_PF_REQUIRED,
	 .max_len = 256},
	{.name = NULL},
};

static const struct sm_proto_field add_params[] = {
	{.name = "platform", .type = SM_PT_STRING, .flags = SM_PF_REQUIRED},
	{.name = "title", .type = SM_PT_STRING, .max_len = 64},
	{.name = "draft", .type = SM_PT_BOOL},
	{.name = "weight", .type = SM_PT_FLOAT},
	{.name = "tags", .type = SM_PT_STRINGS},
	{.name = "extra", .type = SM_PT_OBJECT},
	{.name = NULL},
};

static const struct sm_proto_method methods[] = {
	{"org.varlink.service.GetInfo", NULL, 0},
	{"org.varlink.service.GetInterfaceDescription", describe_params, 0},
	{"io.smcal.Status", NULL, 0},
	{"io.smcal.Deliveries", deliveries_params, SM_PM_MORE},
	{"io.smcal.Retry", retry_params, 0},
	{"io.smcal.Posts.Add", add_params, 0},
};

static void
serve(const char *msg, size_t len)
{
	struct sm_proto_call call;
	struct sm_proto_error err = {0};
	struct sm_proto_value args[SM_PROTO_MAX_FIELDS];
	size_t n;
	char *out = NULL;
	if (sm_proto_call_decode(msg, len, &call, &err) == 0) {
		long i = sm_proto_find(&call, methods,
				       sizeof(methods) / sizeof(methods[0]),
				       sizeof(methods[0]), &err);
		if (i >= 0 &&
		    sm_proto_check(&call, &methods[i], args, &err) == 0) {
			/* Echo the decoded values, as a handler would use
			 * them. */
			json_t *p = json_object();
			for (size_t k = 0;
			     methods[i].params && methods[i].params[k].name;
			     k++) {
				if (!args[k].set)
					continue;
				json_t *v = args[k].s
						    ? sm_proto_string(args[k].s)
						    : json_integer(args[k].i);
				json_object_set_new(
					p, methods[i].params[k].name, v);
			}
			out = sm_proto_reply_encode(p, call.more, &n);
			json_decref(p);
		}
	}
	if (!out && err.name)
		out = sm_proto_error_encode(err.name, err.params, &n);
	free(out);
	sm_proto_error_clear(&err);
	sm_proto_call_fini(&call);

	char why[128];
	struct sm_proto_reply reply;
	if (sm_proto_reply_decode(msg, len, &reply, why, sizeof(why)) == 0)
		sm_proto_reply_fini(&reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] + 1;
	data++;
	size--;
	struct sm_proto_reader r;
	sm_proto_reader_init(&r, 4096);
	size_t off = 0;
	int dead = 0;
	while (off < size && !dead) {
		size_t k = size - off < step ? size - off : step;
		size_t room;
		char *p = sm_proto_reader_space(&r, k, &room);
		memcpy(p, data + off, k);
		sm_proto_reader_commit(&r, k);
		off += k;
		const char *msg;
		size_t len;
		int rc;
		while ((rc = sm_proto_reader_next(&r, &msg, &len)) == 1)
			serve(msg, len);
		dead = rc == SM_PROTO_TOO_BIG;
	}
	sm_proto_reader_fini(&r);
	(void)sm_proto_description("io.smcal");
	return 0;
}
