/*
 * fuzz_calendar: libFuzzer target for calendar loading.  Each input is read
 * as one .ics file into a fresh calendar, which is then released, so leaks
 * and memory errors in calendar.c, rrule.c and tz.c surface per input.
 *
 * The target stops at loading; occurrence expansion has its own concerns
 * and is left to its own harness.  The process-wide system zone cache is
 * kept between inputs, as it is in the daemon: it is reachable from globals,
 * so the leak checker does not report it, and rebuilding it for every input
 * would only slow the fuzzer down.
 */
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_calendar cal;
	struct sm_diag_list diags = {0};

	sm_calendar_init(&cal, "fuzz");
	sm_calendar_load_buffer(&cal, (const char *)data, size, "fuzz.ics",
				&diags);
	sm_diag_clear(&diags);
	sm_calendar_fini(&cal);
	return 0;
}
