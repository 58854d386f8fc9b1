/*
 * fuzz_config: libFuzzer target for the configuration loader.
 *
 * iniparser only reads from a path, so each input is written to a memfd and
 * loaded as /proc/self/fd/N: no file is left behind and runs do not race on
 * a temporary directory.  The whole pipeline runs: the loader's own line
 * scan, iniparser, every value parser and the cross-reference checks; the
 * config and the diagnostics are then freed, so a leak shows up under
 * LeakSanitizer.  The value parsers are also fed the raw input directly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iniparser.h>

#include "config.h"
#include "diag.h"
#include "duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* iniparser prints to stderr when it rejects a file the loader's scan let
 * through; that is a finding for a human, not for the fuzzer's log. */
static int
quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static void
parse_values(const uint8_t *data, size_t size)
{
	char buf[256], out[32];
	struct sm_strlist l;
	struct sm_durations d;
	struct sm_cadence c;
	struct sm_slot s;
	int64_t secs;
	size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1, klen;
	int v;

	memcpy(buf, data, n);
	buf[n] = '\0';
	if (sm_duration_parse(buf, &secs) == 0) {
		int64_t back;

		sm_duration_format(secs, out, sizeof(out));
		if (sm_duration_parse(out, &back) != 0 || back != secs)
			abort(); /* format must round-trip through parse */
	}
	if (sm_config_list_split(buf, &l) == 0)
		sm_config_list_free(&l);
	if (sm_config_durations_parse(buf, &d) == 0)
		free(d.v);
	sm_config_bool_parse(buf, &v);
	sm_config_tod_parse(buf, &v);
	sm_config_weekday_parse(buf, &v);
	sm_config_slot_parse(buf, &s);
	sm_config_cadence_parse(buf, &c);
	sm_config_event_parse(buf);
	sm_config_secret_decode(buf, NULL, 0, &klen);
	sm_zone_name_valid(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_diag_list diags = {0};
	struct sm_config *cfg = NULL;
	char path[64];
	int fd;

	iniparser_set_error_callback(quiet);
	parse_values(data, size);

	fd = memfd_create("fuzz_config", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (sm_config_load(path, &cfg, &diags) == 0 && cfg == NULL)
		abort();
	/* Lookups on whatever loaded must be safe. */
	if (cfg != NULL && cfg->nplatforms > 0)
		sm_config_platform(cfg, cfg->platforms[0].name);
	sm_config_free(cfg);
	sm_diag_clear(&diags);
	close(fd);
	return 0;
}
