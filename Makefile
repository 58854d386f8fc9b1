# smcal: plain GNU make. The object lists show the architecture: lib/ is
# libsmcal.a, linked by the daemon, the client and every test.

BUILD    ?= build
CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := 0.1.0

PKGS     := libuv libcurl libical cmocka jansson sqlite3 libsystemd openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libuv libcurl libical jansson sqlite3 libsystemd openssl 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wformat=2 -Wundef -Wvla -Wimplicit-fallthrough
ifeq ($(CI),true)
WARN += -Werror
endif

OPT      ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DSM_VERSION='"$(VERSION)"' -iquote lib \
	-I/usr/include/iniparser $(PKG_CFLAGS) -MMD -MP
CFLAGS   += $(OPT) $(WARN) $(SAN)
LDFLAGS  += $(SAN)
LDLIBS   += -liniparser $(PKG_LIBS) -lm -lpthread

LIB_SRCS    := $(wildcard lib/*.c)
DAEMON_SRCS := $(wildcard daemon/*.c)
CTL_SRCS    := $(wildcard ctl/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)

LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS    := $(CTL_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIBSMCAL    := $(BUILD)/libsmcal.a

# Message catalogues (lib/i18n.h): po/LANG.po compiled by msgfmt into
# $(BUILD)/locale/LANG/LC_MESSAGES/smcal.mo, the layout `make install`
# copies under $(LOCALEDIR), where an installed smcald looks (the build
# tree's smcald finds $(BUILD)/locale beside itself).
LOCALEDIR   ?= $(PREFIX)/share/locale
PO_FILES    := $(wildcard po/*.po)
MO_FILES    := $(PO_FILES:po/%.po=$(BUILD)/locale/%/LC_MESSAGES/smcal.mo)

# Keep objects of test binaries between runs.
.SECONDARY:

.PHONY: all deps run check test sanitize valgrind fuzz bench format \
	format-check install clean pot

all: $(BUILD)/smcald $(BUILD)/smctl $(LIBSMCAL) $(MO_FILES)

deps:
	@sh scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/i18n.o: CPPFLAGS += -DSM_LOCALEDIR='"$(LOCALEDIR)"'

$(BUILD)/locale/%/LC_MESSAGES/smcal.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# po/smcal.pot from the marked messages (N_), and each po/LANG.po merged
# with it: run after changing a message, then translate what is new.
pot:
	xgettext --from-code=UTF-8 --keyword=N_ --add-comments=TRANSLATORS \
		--package-name=smcal --package-version=$(VERSION) \
		--msgid-bugs-address=smcal --no-location --sort-output \
		-o po/smcal.pot lib/payload.c lib/alert.c
	for po in $(PO_FILES); do msgmerge -q -U --backup=none $$po po/smcal.pot || exit 1; done

$(LIBSMCAL): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/smcald: $(DAEMON_OBJS) $(LIBSMCAL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# smctl runs once per command, and scripts run it once per post (smctl
# add): libical linked statically has its relocations done at link time,
# which halves smctl's start (3.0 ms of CPU to 1.5 ms on the development
# machine; libical-dev ships libical.a).  ICU stays shared.
ICAL_LIBS   := -lical -licalss -licalvcal
CTL_LDLIBS  := $(filter-out $(ICAL_LIBS),$(LDLIBS)) -Wl,-Bstatic -lical \
	-Wl,-Bdynamic $(filter-out $(ICAL_LIBS),$(shell pkg-config --libs --static libical 2>/dev/null))

$(BUILD)/smctl: $(CTL_OBJS) $(LIBSMCAL)
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBSMCAL) | $(MO_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

tests: $(UNIT_BINS)

# The whole suite: unit tests, corpus, differential and integration tests.
test: all $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/run.sh

check: deps
	@$(MAKE) --no-print-directory test

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p run && mkdir -p -m 0750 run/state
	@python3 scripts/demo-calendar.py run/demo.ics run/insights.csv
	@echo "smcald: posts due in 45 s, 90 s, 150 s, 210 s and 270 s (run/demo.ics), reminders before them; TikTok is one post short next week (smctl -s run/smcal.sock cadence); Ctrl-C stops"
	$(BUILD)/smcald -f -c conf/smcal-dev.conf

# GCC's -fsanitize=undefined leaves out float-cast-overflow (a double out
# of an integer's range converted to it), which clang's includes.
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san \
		SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow" \
		OPT="-O1 -g" test

valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build-vg OPT="-O0 -g" all tests
	@BUILD=build-vg SMCAL_VALGRIND=1 sh tests/run.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p build-fuzz
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz_calendar tests/fuzz/fuzz_calendar.c $(LIB_SRCS) \
		-liniparser $(PKG_LIBS) -lm -lpthread
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz_expand tests/fuzz/fuzz_expand.c $(LIB_SRCS) \
		-liniparser $(PKG_LIBS) -lm -lpthread
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz_config tests/fuzz/fuzz_config.c $(LIB_SRCS) \
		-liniparser $(PKG_LIBS) -lm -lpthread
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz_postfile tests/fuzz/fuzz_postfile.c $(LIB_SRCS) \
		-liniparser $(PKG_LIBS) -lm -lpthread
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz_proto tests/fuzz/fuzz_proto.c $(LIB_SRCS) \
		-liniparser $(PKG_LIBS) -lm -lpthread
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	sh bench/run.sh $(BUILD)

FORMAT_SRCS = $(wildcard lib/*.[ch] daemon/*.[ch] ctl/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c)
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

# make install: DESTDIR is prepended only when copying, so the paths written
# into the units (@SBINDIR@, @BINDIR@) are the final ones. Man pages:
# man/*.1 *.5 *.8. The configuration lives in /etc/smcal whatever PREFIX is
# (the units name it: ConfigurationDirectory=smcal, -c /etc/smcal/smcal.conf):
# conf/smcal-service.conf becomes /etc/smcal/smcal.conf and conf/content.ics
# /etc/smcal/content.ics (the calendar it names), each only when the file
# is absent; an existing one, changed or not, is never overwritten (nor
# removed by uninstall). The full example, every key documented, goes to the
# doc directory as smcal.conf.example.
SMCAL_CONFDIR  := /etc/smcal
# $(call install_once,SRC,DST,MODE): SRC to DST unless DST exists (or is a
# link, even a dangling one).
install_once = if [ -e $(2) ] || [ -L $(2) ]; then \
	echo "$(2) exists: kept as it is (the examples: $(PREFIX)/share/doc/smcal)"; \
	else echo "install -m $(3) $(1) $(2)" && install -m $(3) $(1) $(2); fi
SBINDIR        ?= $(PREFIX)/sbin
BINDIR         ?= $(PREFIX)/bin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MANPAGES       := $(wildcard man/*.1 man/*.5 man/*.8)
COMPLETIONDIR  ?= $(PREFIX)/share/bash-completion/completions

install: all
	install -Dm755 $(BUILD)/smcald $(DESTDIR)$(SBINDIR)/smcald
	install -Dm755 $(BUILD)/smctl $(DESTDIR)$(BINDIR)/smctl
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	for u in smcald.service smcald.socket; do \
		sed 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -Dm644 systemd/smcal.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/smcal.conf
	install -Dm644 systemd/smcal.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/smcal.conf
	install -Dm644 conf/smcal.conf $(DESTDIR)$(PREFIX)/share/doc/smcal/smcal.conf.example
	install -Dm644 conf/content.ics $(DESTDIR)$(PREFIX)/share/doc/smcal/content.ics
	[ -d $(DESTDIR)$(SMCAL_CONFDIR) ] || install -d -m 750 $(DESTDIR)$(SMCAL_CONFDIR)
	@$(call install_once,conf/smcal-service.conf,$(DESTDIR)$(SMCAL_CONFDIR)/smcal.conf,640)
	@$(call install_once,conf/content.ics,$(DESTDIR)$(SMCAL_CONFDIR)/content.ics,644)
	install -Dm644 completion/smctl.bash $(DESTDIR)$(COMPLETIONDIR)/smctl
	for mo in $(MO_FILES:$(BUILD)/locale/%=%); do \
		install -Dm644 $(BUILD)/locale/$$mo $(DESTDIR)$(LOCALEDIR)/$$mo || exit 1; \
	done
	$(if $(filter %.1,$(MANPAGES)),install -Dm644 -t $(DESTDIR)$(PREFIX)/share/man/man1 $(filter %.1,$(MANPAGES)))
	$(if $(filter %.5,$(MANPAGES)),install -Dm644 -t $(DESTDIR)$(PREFIX)/share/man/man5 $(filter %.5,$(MANPAGES)))
	$(if $(filter %.8,$(MANPAGES)),install -Dm644 -t $(DESTDIR)$(PREFIX)/share/man/man8 $(filter %.8,$(MANPAGES)))

.PHONY: uninstall
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smcald $(DESTDIR)$(BINDIR)/smctl \
		$(DESTDIR)$(COMPLETIONDIR)/smctl \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smcald.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smcald.socket \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/smcal.conf \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/smcal.conf \
		$(DESTDIR)$(PREFIX)/share/doc/smcal/smcal.conf.example \
		$(DESTDIR)$(PREFIX)/share/doc/smcal/content.ics \
		$(MO_FILES:$(BUILD)/locale/%=$(DESTDIR)$(LOCALEDIR)/%) \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(filter %.1,$(MANPAGES)))) \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(filter %.5,$(MANPAGES)))) \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(notdir $(filter %.8,$(MANPAGES))))
	rmdir $(DESTDIR)$(PREFIX)/share/doc/smcal 2>/dev/null || true
	@echo "uninstall: $(DESTDIR)$(SMCAL_CONFDIR) (the configuration, secrets, calendars) and the state (/var/lib/smcal) are kept"

clean:
	rm -rf build build-san build-vg build-fuzz

-include $(LIB_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d) $(CTL_OBJS:.o=.d) $(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d)
