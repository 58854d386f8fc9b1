/*
 * parse_libical: the baseline for the calendar benchmark.  Reads a whole .ics
 * file, builds libical's full component tree with icalparser_parse_string,
 * counts the VEVENTs and frees everything: the least work any libical-based
 * loader must do, against which smctl expand is compared.
 *
 *   parse_libical FILE.ics   prints the number of VEVENTs
 */
#include <stdio.h>
#include <stdlib.h>

#include <libical/ical.h>

/* Reads the whole file into a NUL-terminated buffer the caller frees. */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Counts the VEVENTs of one VCALENDAR. */
static long
count_events(icalcomponent *cal)
{
	long n = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(
		     cal, ICAL_VEVENT_COMPONENT);
	     c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		n++;
	return n;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.ics\n", argv[0]);
		return 2;
	}
	char *text = read_file(argv[1]);
	if (!text) {
		perror(argv[1]);
		return 1;
	}
	icalcomponent *root = icalparser_parse_string(text);
	free(text);
	if (!root) {
		fprintf(stderr, "%s: libical could not parse it\n", argv[1]);
		return 1;
	}
	long n = 0;
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT) {
		/* Several VCALENDARs in one file. */
		for (icalcomponent *c = icalcomponent_get_first_component(
			     root, ICAL_VCALENDAR_COMPONENT);
		     c; c = icalcomponent_get_next_component(
				root, ICAL_VCALENDAR_COMPONENT))
			n += count_events(c);
	} else {
		n = count_events(root);
	}
	icalcomponent_free(root);
	printf("%ld\n", n);
	return 0;
}
