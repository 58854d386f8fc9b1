/*
 * method-service: org.varlink.service, what makes smcald usable by any
 * varlink client: GetInfo (who we are, which interfaces) and
 * GetInterfaceDescription (each interface in varlink's definition
 * language, from lib/proto).
 */
#include "control.h"

int
method_get_info(struct control_call *call)
{
	json_t *ifaces = json_array();
	for (const char *const *i = sm_proto_interfaces; *i; i++)
		json_array_append_new(ifaces, json_string(*i));
	control_reply(call,
		      json_pack("{s:s, s:s, s:s, s:s, s:o}", "vendor",
				SM_PROTO_VENDOR, "product", SM_PROTO_PRODUCT,
				"version", SM_VERSION, "url", SM_PROTO_URL,
				"interfaces", ifaces));
	return CONTROL_DONE;
}

int
method_get_interface_description(struct control_call *call)
{
	const char *name = call->args[0].s;
	const char *idl = sm_proto_description(name);
	if (!idl) {
		control_fail(call, SM_PROTO_E_INTERFACE_NOT_FOUND,
			     json_pack("{s:s}", "interface", name),
			     "no interface %s", name);
		return CONTROL_DONE;
	}
	control_reply(call, json_pack("{s:s}", "description", idl));
	return CONTROL_DONE;
}
