/*
 * method-reload: io.smcal.Reload.  The daemon reloads as for SIGHUP (on
 * libuv's pool, firing goes on); the caller waits and is answered by
 * control_reload_finished when that reload, or the one queued behind a
 * reload already running, has ended: with the calendars' states, or
 * ReloadFailed listing the configuration's errors.
 */
#include "control.h"

int
method_reload(struct control_call *call)
{
	const struct control_host *h = &call->ctl->host;
	int rc = h->reload(h->data);
	if (rc < 0) {
		control_fail(call, SM_PROTO_E_SHUTTING_DOWN, NULL,
			     "smcald is stopping: no reload");
		return CONTROL_DONE;
	}
	control_reload_wait(call, rc == 1);
	return CONTROL_PENDING;
}
