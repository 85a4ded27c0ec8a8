# wishbox: the one build system. `make help` lists the targets.

# The release number (debian/changelog carries the same), and the commit
# built from when this is a git tree: "0.1.0 (git 0123456789ab)".
RELEASE := 0.1.0
GIT_HASH ?= $(shell git -C $(CURDIR) describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null)
VERSION := $(RELEASE)$(if $(GIT_HASH), (git $(GIT_HASH)))

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
# Tools whose anchor lives in sbin go there (dosfstools: /sbin/fatlabel).
SBINDIR ?= $(PREFIX)/sbin
SBIN_TOOLS ?= fatlabel
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
LIBEXECDIR ?= $(PREFIX)/lib/wishbox
# Where each shell looks. bash-completion reads PREFIX/share through
# XDG_DATA_DIRS; Debian's zsh reads vendor-completions for /usr and
# site-functions for /usr/local; fish 3.6 reads its vendor directory
# under /usr only, and /etc/fish/completions.
BASHCOMPDIR ?= $(or $(shell pkg-config --define-variable=datadir=$(DATADIR) --variable=completionsdir bash-completion 2>/dev/null),$(DATADIR)/bash-completion/completions)
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/share/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)
FISHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(shell pkg-config --variable=completionsdir fish 2>/dev/null),/usr/share/fish/vendor_completions.d),/etc/fish/completions)
INITRAMFS_HOOKDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/share/initramfs-tools/hooks,/etc/initramfs-tools/hooks)
# SHADOW=1: install links, man pages and completions even under names that
# another package's commands have (procps pidwait, dosfstools fatlabel).
SHADOW ?= 0
BUILD ?= build

CC ?= cc
PKGS := blkid libcap mount
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PKG_STATIC_LIBS := $(shell pkg-config --static --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
CPPFLAGS ?=
# The caller's _FORTIFY_SOURCE (dpkg-buildflags sets one) wins over ours.
FORTIFY := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=3)
ALL_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE $(FORTIFY) -fno-strict-aliasing \
	-DWISHBOX_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS ?=

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
SRC := $(LIB_SRC) $(CMD_SRC)
OBJ := $(SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
MAN_SRC := $(sort $(wildcard man/*.scd))
MAN := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)
# The tools come from the registry, cmd/tools.h, and nowhere else.
TOOLS := $(shell sed -n 's/^TOOL.[a-z0-9_]*, *"//p' cmd/tools.h | cut -d'"' -f1)

.PHONY: all deps check unit static asan lint man install uninstall deb fuzz bench features check-vm clean help

all: $(BUILD)/wishbox $(BUILD)/.links

help:
	@echo "make            build $(BUILD)/wishbox and a link per tool"
	@echo "make deps       install build and test dependencies (Debian packages)"
	@echo "make features   build and run 'wishbox features'"
	@echo "make check      deps, build, every test; ends with 'check: N passed, ...'"
	@echo "make static     $(BUILD)/wishbox.static, fully static (initramfs use)"
	@echo "make asan       the whole suite against an ASan+UBSan build"
	@echo "make lint       cppcheck, clang-tidy, shellcheck"
	@echo "make man        man pages with scdoc"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR= BINDIR= SBINDIR= SHADOW=0: binary, links,"
	@echo "                man pages, completions, initramfs hook; never shadows another"
	@echo "                package's command unless SHADOW=1"
	@echo "make uninstall  the same variables: removes what make install put there"
	@echo "make deb        a .deb with dpkg-buildpackage, checked by lintian ($(BUILD)/deb/)"
	@echo "make fuzz       libFuzzer harnesses, bounded time (FUZZ_SECONDS=$(FUZZ_SECONDS))"
	@echo "make bench      figures against the anchor tools (tests/bench/)"
	@echo "make check-vm   the tools on Debian 12's 6.1 kernel under qemu"

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# msg.c prints the version: rebuild it when the version changes.
$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/obj/lib/msg.o: $(BUILD)/version
FORCE:

$(BUILD)/wishbox: $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS)

$(BUILD)/.links: $(BUILD)/wishbox cmd/tools.h
	@cd $(BUILD) && for t in $(TOOLS); do ln -sfn wishbox $$t; done
	@touch $@

# Debian ships no libmount.a: the static binary links libmount.a and
# libblkid.a built from Debian's util-linux source of the installed libmount1
# (fetched once, checked against its .dsc, cached in $(BUILD)/deps-cache).
ULX := $(BUILD)/util-linux
STATIC_LIBS := $(ULX)/lib/libmount.a $(ULX)/lib/libblkid.a \
	$(shell pkg-config --static --libs libcap 2>/dev/null)
$(ULX)/.stamp: scripts/libmount-static.sh
	@scripts/libmount-static.sh $(ULX)

# Stripped: it is the one an initramfs gets, and size matters there.
$(BUILD)/wishbox.static: $(OBJ) $(ULX)/.stamp
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -static -s -o $@ $(OBJ) $(STATIC_LIBS)

static: $(BUILD)/wishbox.static

features: all
	$(BUILD)/wishbox features

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) -lcmocka

unit: $(UNIT_BIN)

check: deps
	@$(MAKE) --no-print-directory all static unit man
	@tests/run-checks $(BUILD)

asan: static
	@$(MAKE) --no-print-directory BUILD=build/asan \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1" \
		LDFLAGS="-fsanitize=address,undefined" all unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		WISHBOX_STATIC=$(CURDIR)/$(BUILD)/wishbox.static tests/run-checks build/asan

lint:
	@scripts/lint.sh

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@

man: $(MAN)

# The static binary make install puts beside the hook; an ASan build's
# tests give the plain one (an instrumented static link is not possible).
STATIC ?= $(BUILD)/wishbox.static
INSTALL_ENV = BUILD=$(BUILD) STATIC=$(STATIC) TOOLS="$(TOOLS)" SBIN_TOOLS="$(SBIN_TOOLS)" DESTDIR="$(DESTDIR)" \
	BINDIR="$(BINDIR)" SBINDIR="$(SBINDIR)" MANDIR="$(MANDIR)" DATADIR="$(DATADIR)" \
	LIBEXECDIR="$(LIBEXECDIR)" BASHCOMPDIR="$(BASHCOMPDIR)" ZSHCOMPDIR="$(ZSHCOMPDIR)" \
	FISHCOMPDIR="$(FISHCOMPDIR)" INITRAMFS_HOOKDIR="$(INITRAMFS_HOOKDIR)" SHADOW="$(SHADOW)"

install: all $(STATIC) man
	@$(INSTALL_ENV) scripts/install.sh install

uninstall:
	@$(MAKE) --no-print-directory man
	@$(INSTALL_ENV) scripts/install.sh uninstall

# A .deb with Debian's own tooling, built from a copy of the tree in
# $(BUILD)/deb (dpkg-buildpackage writes beside the source), then lintian.
DEB_SRC = $(BUILD)/deb/wishbox-$(RELEASE)
deb:
	rm -rf $(BUILD)/deb
	mkdir -p $(DEB_SRC)
	tar -c --exclude=./build --exclude=./.git --exclude='./$(BUILD)' . | tar -x -C $(DEB_SRC)
	cd $(DEB_SRC) && GIT_HASH='$(GIT_HASH)' WISHBOX_DEPS_CACHE=$(CURDIR)/$(BUILD)/deps-cache \
		dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(BUILD)/deb/wishbox_*.changes
	@ls $(BUILD)/deb/*.deb

FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p $(BUILD)/fuzz
	@for h in $(FUZZ_SRC); do \
		n=$$(basename $$h .c); \
		clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
			-o $(BUILD)/fuzz/$$n $$h $(LIB_SRC) $(PKG_CFLAGS) $(PKG_LIBS) || exit 1; \
		mkdir -p $(BUILD)/fuzz/$$n.corpus; \
		seed=tests/fuzz/seeds/$$n; [ -d $$seed ] || seed=; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$(BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/$$n- \
			$(BUILD)/fuzz/$$n.corpus $$seed 2>$(BUILD)/fuzz/$$n.log || \
			{ tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units' $(BUILD)/fuzz/$$n.log; \
	done

bench: all static
	@bb=$$(dpkg-query -L busybox-static 2>/dev/null | grep -m1 '/busybox$$'); \
	printf 'bench: size: wishbox.static %s bytes (stripped, %s tools)' \
		"$$(stat -c %s $(BUILD)/wishbox.static)" "$$($(BUILD)/wishbox --list | wc -l)"; \
	if [ -n "$$bb" ]; then printf ', busybox-static %s bytes (%s applets)\n' "$$(stat -c %s "$$bb")" \
		"$$("$$bb" --list | wc -l)"; else echo ', busybox-static not installed'; fi
	@for b in tests/bench/*.sh; do [ -x "$$b" ] && "$$b" $(BUILD) || exit 1; done

check-vm: static
	@tests/vm/check-vm $(BUILD)

clean:
	rm -rf build

-include $(OBJ:.o=.d)
