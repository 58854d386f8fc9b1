/*
 * duration: parsing and printing "1h30m"-style durations.
 */
#include "duration.h"

#include <stdio.h>
#include <string.h>

static const struct {
	char unit;
	int64_t seconds;
} units[] = {
	{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1},
};

#define NUNITS (sizeof(units) / sizeof(units[0]))

int
sm_duration_parse(const char *s, int64_t *seconds)
{
	int64_t total = 0, n;
	size_t next = 0, i;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n > SM_DURATION_MAX)
				return -1;
			n = n * 10 + (*p - '0');
			p++;
		}
		/* Units must come in decreasing order, each once: "30m1h" and
		 * "1h1h" are more likely typos than intent. */
		for (i = next; i < NUNITS; i++)
			if (units[i].unit == *p)
				break;
		if (i == NUNITS)
			return -1;
		if (n > (SM_DURATION_MAX - total) / units[i].seconds)
			return -1;
		total += n * units[i].seconds;
		next = i + 1;
		p++;
	}
	*seconds = total;
	return 0;
}

char *
sm_duration_format(int64_t seconds, char *buf, size_t len)
{
	uint64_t left;
	size_t i, used = 0;
	int n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (seconds == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	/* Negated in unsigned arithmetic, so INT64_MIN is fine too. */
	left = seconds < 0 ? 0 - (uint64_t)seconds : (uint64_t)seconds;
	if (seconds < 0)
		used = (size_t)snprintf(buf, len, "-");
	for (i = 0; i < NUNITS && used < len; i++) {
		if (left < (uint64_t)units[i].seconds)
			continue;
		n = snprintf(
			buf + used, len - used, "%llu%c",
			(unsigned long long)(left / (uint64_t)units[i].seconds),
			units[i].unit);
		if (n < 0)
			break;
		used += (size_t)n;
		left %= (uint64_t)units[i].seconds;
	}
	return buf;
}
