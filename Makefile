# sbxrun: a minimal, hardened, rootless OCI container runtime.
#
#   make            build build/sbxrun
#   make demo       build, make a busybox bundle, run it as an unprivileged user
#   make check      unit tests (Check) + integration tests (root and rootless)
#                   + the reliability suite at its bounded size + VM tests
#   make check-stress  the reliability suite at full size (by hand, not in CI;
#                   docs/reliability.md)
#   make asan       ASan+UBSan build in build-asan/ (make check SANITIZE=1 tests it)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# Missing build dependencies are installed by scripts/install-deps.sh when
# `make demo` / `make check` run (as root, on Debian); see README.md.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/sbxrun
DESTDIR ?=

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
O ?= build-asan
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
O ?= build
SAN_FLAGS =
endif

CC      ?= cc
# (libnftnl before libmnl, which it uses: the order a static link needs.)
PKGS    := libcap-ng libseccomp libnftnl libmnl libapparmor jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The libraries are linked statically where their archives are installed
# (Debian's -dev packages ship all but libmnl's): loading and relocating
# them cost every sbxrun command, `run` and `exec` included, ~0.35 ms at
# start-up on the test VM (libnftnl 0.18 ms; the other four 0.17 ms more,
# `sbxrun --version` 1.47 -> 1.32 ms, 400 alternated runs), more than
# issue 8's defences added (docs/performance.md).  As with runc's
# releases, which link libseccomp statically, a fix in one of them then
# needs a rebuild of sbxrun.  STATIC_LIBS=0 links them all dynamically.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
static_lib = $(if $(filter /%,$(shell $(CC) -print-file-name=lib$(1).a 2>/dev/null)),-l:lib$(1).a,-l$(1))
PKG_LIBS := $(foreach l,$(PKG_LIBS),$(if $(filter -l%,$(l)),$(call static_lib,$(patsubst -l%,%,$(l))),$(l)))
endif
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
	   -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	   -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	   -Iinclude $(PKG_CFLAGS) $(SAN_FLAGS) \
	   -DSBX_VERSION='"$(VERSION)"' -DSBX_GIT_COMMIT='"$(GIT_COMMIT)"' \
	   -DSBX_DATADIR='"$(DATADIR)"'
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN_FLAGS)
LDLIBS  += $(PKG_LIBS)

LIB_SRCS := $(sort $(wildcard src/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(O)/helpers/%)

SBXRUN := $(O)/sbxrun

# The exec stub (src/stub/exec_stub.c, include/sbx/execstub.h): freestanding,
# no libc, no sanitizer, embedded into sbxrun by src/execstub.c.
STUB := $(O)/stub/sbx-exec-stub
STUB_CFLAGS := -Os -nostdlib -static -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pie -no-pie -fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,norelro -Wl,-z,noexecstack \
	-Wl,-z,noseparate-code -Wl,-z,max-page-size=4096 -s

.PHONY: all demo check check-unit check-integration check-vm check-stress asan install uninstall \
	clean deps unit helpers bench man
all: $(SBXRUN)

# -MMD -MP: the compiler lists every header an object includes (private
# src/*_int.h too), so editing any header rebuilds exactly what uses it.
$(O)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)

$(STUB): src/stub/exec_stub.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(STUB_CFLAGS) -o $@ $<

# The objects that print the commit are rebuilt when it changes (the
# stamp is rewritten only then): a new commit alone changed no source, and
# `sbxrun --version` named an older one.
COMMIT_STAMP := $(O)/commit.stamp
$(shell mkdir -p $(O) && { [ "$$(cat $(COMMIT_STAMP) 2>/dev/null)" = "$(GIT_COMMIT)" ] || echo "$(GIT_COMMIT)" >$(COMMIT_STAMP); })
$(O)/obj/src/check_format.o $(O)/obj/src/features.o $(O)/obj/src/cli/cmd_version.o: $(COMMIT_STAMP)

$(O)/obj/src/execstub.o: $(STUB)
$(O)/obj/src/execstub.o: CFLAGS += -DSBX_EXEC_STUB='"$(STUB)"'

$(O)/libsbx.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SBXRUN): $(CLI_OBJS) $(O)/libsbx.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(O)/libsbx.a $(LDLIBS)

# Unit tests: one Check executable per tests/unit/test_*.c.
$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(O)/libsbx.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -DSBX_SRCDIR='"$(CURDIR)"' -o $@ $< $(O)/libsbx.a \
		$(LDFLAGS) $(LDLIBS) $(CHECK_LIBS)

# Test helpers run inside containers: static, no sanitizer, no libraries.
$(O)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

unit: $(UNIT_BINS)
helpers: $(HELPER_BINS)

deps:
	@scripts/install-deps.sh --check-or-install

check-unit: deps
	@$(MAKE) --no-print-directory unit
	@tests/run-unit.sh $(UNIT_BINS)

check-integration: deps
	@$(MAKE) --no-print-directory all helpers
	@SBXRUN=$(CURDIR)/$(SBXRUN) HELPERS=$(CURDIR)/$(O)/helpers tests/integration/run.sh

# The reliability suite at full size (1000 cycles, 100 kills, 100
# containers...): ~15 min on 2 cores; not part of `make check` or CI.
check-stress: deps
	@$(MAKE) --no-print-directory all helpers
	@SBX_REL_SCALE=full SBXRUN=$(CURDIR)/$(SBXRUN) HELPERS=$(CURDIR)/$(O)/helpers \
		tests/reliability/run.sh

check-vm: deps
	@$(MAKE) --no-print-directory all helpers
	@SBXRUN=$(CURDIR)/$(SBXRUN) HELPERS=$(CURDIR)/$(O)/helpers tests/vm/run.sh

check: deps
	@$(MAKE) --no-print-directory all unit helpers
	@tests/run-all.sh $(O)

demo: deps
	@$(MAKE) --no-print-directory all
	@SBXRUN=$(CURDIR)/$(SBXRUN) scripts/demo.sh

asan:
	@$(MAKE) --no-print-directory SANITIZE=1 all unit helpers

bench: all
	@SBXRUN=$(CURDIR)/$(SBXRUN) scripts/bench.sh

install: all
	install -D -m 0755 $(SBXRUN) $(DESTDIR)$(BINDIR)/sbxrun
	install -D -m 0644 configs/seccomp/default.json $(DESTDIR)$(DATADIR)/seccomp/default.json
	install -D -m 0644 configs/apparmor/sbxrun-default $(DESTDIR)$(DATADIR)/apparmor/sbxrun-default
	if [ -f docs/sbxrun.1 ]; then install -D -m 0644 docs/sbxrun.1 $(DESTDIR)$(MANDIR)/man1/sbxrun.1; fi
	install -D -m 0755 scripts/setup-userns.sh $(DESTDIR)$(DATADIR)/setup-userns.sh
	@# The user namespace pool for root's containers (docs/namespaces.md):
	@# only on the real system, not into a staging DESTDIR.
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then scripts/setup-userns.sh; \
	else echo "make install: run $(DATADIR)/setup-userns.sh as root on the target to create the sbxrun user namespace pool"; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sbxrun $(DESTDIR)$(MANDIR)/man1/sbxrun.1
	rm -rf $(DESTDIR)$(DATADIR)

# Every build directory: the default ones, the fuzz build, and a custom
# O=DIR of this invocation (refused when it would be the tree itself).
clean:
	@case "$(O)" in ""|.|./|/|..|../*) echo "make clean: refusing O=$(O)" >&2; exit 1;; esac
	rm -rf build build-asan $(FUZZ_O) $(O)

# Embedded data files (see src/embedded.c).
$(O)/obj/src/embedded.o: configs/seccomp/default.json

# Fuzzing (clang + libFuzzer): `make fuzz FUZZ_SECONDS=60` builds the config
# parser target with ASan+UBSan and runs it on the fixtures as seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_O := build-fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DSBX_VERSION='"$(VERSION)"' -DSBX_GIT_COMMIT='"$(GIT_COMMIT)"' -DSBX_DATADIR='"$(DATADIR)"'
.PHONY: fuzz
fuzz: $(FUZZ_O)/embedded.o $(FUZZ_O)/execstub.o
	@mkdir -p $(FUZZ_O)/corpus
	@rm -f $(FUZZ_O)/fuzz_config
	clang $(FUZZ_CFLAGS) -o $(FUZZ_O)/fuzz_config tests/fuzz/fuzz_config.c \
		$(filter-out src/embedded.c src/execstub.c,$(LIB_SRCS)) $(FUZZ_O)/embedded.o \
		$(FUZZ_O)/execstub.o $(PKG_LIBS)
	cp tests/fixtures/config/*.json $(FUZZ_O)/corpus/
	$(FUZZ_O)/fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
		-detect_leaks=1 $(FUZZ_O)/corpus

$(FUZZ_O)/embedded.o: src/embedded.c configs/seccomp/default.json
	@mkdir -p $(FUZZ_O)
	clang -c -Iinclude -o $@ src/embedded.c

$(FUZZ_O)/execstub.o: src/execstub.c $(FUZZ_O)/stub/sbx-exec-stub
	clang -c -std=gnu11 -D_GNU_SOURCE -Iinclude -DSBX_EXEC_STUB='"$(FUZZ_O)/stub/sbx-exec-stub"' -o $@ src/execstub.c

$(FUZZ_O)/stub/sbx-exec-stub: src/stub/exec_stub.c
	@mkdir -p $(dir $@)
	$(CC) $(STUB_CFLAGS) -o $@ $<
