# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vtax build: BPF objects (clang, CO-RE) -> skeletons (bpftool) -> vtax.
# `make V=1` shows full commands.  `make SAN=1` builds an ASan/UBSan binary
# into build-san/.  `make install` / `make uninstall` (PREFIX, DESTDIR),
# `make deb` (debian/).  See README for targets.
BPFTOOL ?= bpftool
CLANG   ?= clang
CC      ?= gcc
SAN     ?= 0
FUZZ    ?= 0
FUZZ_TIME ?= 60

ifeq ($(FUZZ),1)
# libFuzzer harnesses (tests/fuzz): every object built with clang and the
# fuzzer's coverage, ASan and UBSan, into build-fuzz/
OUT := build-fuzz
CC := $(CLANG)
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	    -Wno-unknown-warning-option
else ifeq ($(SAN),1)
OUT := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OUT := build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

VMLINUX_DIR ?= vmlinux
VMLINUX  := $(VMLINUX_DIR)/vmlinux.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(OUT)/skel/%.skel.h,$(BPF_SRCS))
SRCS     := $(wildcard src/*/*.c)
OBJS     := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
HDRS     := $(wildcard include/vtax/*.h src/*/*.h)
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/vtax/*.h)

PKGS     := libbpf jansson libmariadb liburing libmicrohttpd hiredis
# libbpf is linked statically (as bpftool and libbpf-tools are): the >= 1.3
# vtax needs comes from bookworm-backports, and a binary or package must not
# depend on a backports shared library.  LIBBPF_STATIC=0 links libbpf.so.
LIBBPF_STATIC ?= 1
ifeq ($(LIBBPF_STATIC),1)
LIBBPF_LIBS := $(shell pkg-config --variable=libdir libbpf)/libbpf.a
else
LIBBPF_LIBS := $(shell pkg-config --libs libbpf)
endif
CFLAGS   ?= -O2 -g
VTAX_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE -Iinclude -Isrc -I$(OUT)/skel -I$(OUT)/gen \
	    $(shell pkg-config --cflags $(PKGS)) $(SANFLAGS)
VTAX_LDLIBS := $(LIBBPF_LIBS) $(shell pkg-config --libs $(filter-out libbpf,$(PKGS))) -lelf -lz -lm -lpthread
LDFLAGS  ?=
ALL_CFLAGS = $(VTAX_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
ALL_LDLIBS = $(VTAX_LDLIBS) $(LDLIBS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -D__VTAX_BPF__ -Iinclude -Ibpf -I$(VMLINUX_DIR) \
	      -Wall -Wno-unused-function -Wno-compare-distinct-pointer-types

TEST_C   := $(wildcard tests/unit/*.c)
TEST_BIN := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_C))
FIXT_C   := $(wildcard tests/fixtures/*.c)
FIXT_BIN := $(patsubst tests/fixtures/%.c,$(OUT)/fixtures/%,$(FIXT_C))
FIXT_BIN += $(OUT)/fixtures/tc_delay
BENCH_C  := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_C))
LIB_OBJS := $(filter-out $(OUT)/obj/cmd/main.o,$(OBJS))
FUZZ_C   := $(wildcard tests/fuzz/*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_C))

.PHONY: all clean test test-kernels lint format bench bench-aa fixtures fuzz fuzz-bins soak kill9 vmlinux man install uninstall deb
.SECONDARY:
all: $(OUT)/vtax $(TEST_BIN) $(FIXT_BIN) $(BENCH_BIN)

# vmlinux/vmlinux.h is checked in (x86_64), so the build never reads the
# build host's BTF: it passes on any kernel, with or without
# /sys/kernel/btf/vmlinux.  `make vmlinux` regenerates it on purpose from
# $(BTF) (CO-RE relocates every field at load time; module-defined types
# live in bpf/module_types.bpf.h).
BTF ?= /sys/kernel/btf/vmlinux
vmlinux:
	$(call msg,GEN,$(VMLINUX) from $(BTF))
	$(Q)mkdir -p $(dir $(VMLINUX))
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c > $(VMLINUX).tmp && mv $(VMLINUX).tmp $(VMLINUX)

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

# the syscall family's fast path hands out slots with fetch-and-add and
# compare-and-swap (BPF ISA v3, kernel >= 5.12)
$(OUT)/bpf/syscall.bpf.o: BPF_CFLAGS += -mcpu=v3

$(OUT)/skel/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

UNISTD := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h))
$(OUT)/gen/syscall_names.h: $(UNISTD)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)awk '/^#define __NR_/ { n = $$2; sub("__NR_", "", n); printf "\t[%s] = \"%s\",\n", $$3, n }' $< > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: src/%.c $(SKELS) $(OUT)/gen/syscall_names.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/vtax: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(ALL_LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJS) tests/unit/tap.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB_OBJS) $(ALL_LDFLAGS) $(ALL_LDLIBS) -o $@

$(OUT)/fixtures/%: tests/fixtures/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@ -lpthread

$(OUT)/bench/%: bench/%.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIB_OBJS) $(ALL_LDFLAGS) $(ALL_LDLIBS) -o $@

# tests/fixtures/bpf: fixtures with a BPF program of their own (tc_delay:
# a known delay per packet on a device's egress), built like vtax's own
$(OUT)/fixtures/%.bpf.o: tests/fixtures/bpf/%.bpf.c $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(OUT)/fixtures/%.skel.h: $(OUT)/fixtures/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/fixtures/tc_delay: tests/fixtures/bpf/tc_delay.c $(OUT)/fixtures/tc_delay.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(OUT)/fixtures $< $(ALL_LDFLAGS) $(LIBBPF_LIBS) -lelf -lz -o $@

fixtures: $(FIXT_BIN)

$(OUT)/fuzz/%: tests/fuzz/%.c $(LIB_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(LIB_OBJS) $(ALL_LDFLAGS) -fsanitize=fuzzer $(ALL_LDLIBS) -o $@

fuzz-bins: $(FUZZ_BIN)

# attach --all for 10 minutes under fork, syscall and packet storms
# (tests/integration/80-soak.t runs the same for 60 s in make test)
soak: all
	$(Q)SOAK_SECONDS=600 prove -v tests/integration/80-soak.t

# SIGKILL `vtax compare` at all 20 moments (tests/integration/90-kill9.t
# runs 7 of them in make test)
kill9: all
	$(Q)VTAX_KILL9_FULL=1 prove -v tests/integration/90-kill9.t

# Each harness for FUZZ_TIME seconds (default 60) from its checked-in seeds
# (tests/fuzz/corpus/NAME), after replaying tests/fuzz/regress/NAME (inputs
# that once crashed).  `make test` runs it for 3 s each.
fuzz:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	$(Q)bash tests/fuzz/run.sh build-fuzz $(FUZZ_TIME)
# Installation: the binary, the man page (pandoc, from src/cmd/vtax.8.md),
# bash completion and the docs -- nothing else.  The fleet examples
# (deploy/) go with the docs.  PREFIX=/usr for a distribution package.
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR := $(PREFIX)/sbin
MAN8DIR := $(PREFIX)/share/man/man8
DOCDIR  := $(PREFIX)/share/doc/vtax
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
DOCS    := README.md $(wildcard docs/*.md)
EXAMPLES := $(wildcard deploy/*)
MAN     := $(OUT)/man/vtax.8

man: $(MAN)

$(MAN): src/cmd/vtax.8.md src/util/version.h
	$(call msg,PANDOC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)pandoc --standalone --to man -M footer="vtax $$(sed -n 's/.*VTAX_VERSION "\(.*\)"/\1/p' src/util/version.h)" $< -o $@.tmp && mv $@.tmp $@

install: $(OUT)/vtax $(MAN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(OUT)/vtax $(DESTDIR)$(SBINDIR)/vtax
	install -m 0644 $(MAN) $(DESTDIR)$(MAN8DIR)/vtax.8
	install -m 0644 scripts/vtax.bash-completion $(DESTDIR)$(BASHCOMPDIR)/vtax
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vtax $(DESTDIR)$(MAN8DIR)/vtax.8 $(DESTDIR)$(BASHCOMPDIR)/vtax
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS))) $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# The Debian package (debian/), built from a copy of the tracked files in
# $(OUT)/deb/ so that dpkg-buildpackage's output stays inside the build tree.
deb:
	$(Q)rm -rf $(OUT)/deb && mkdir -p $(OUT)/deb/src
	$(Q)git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -C $(OUT)/deb/src -xf -
	$(Q)cd $(OUT)/deb/src && dpkg-buildpackage -b -us -uc -j2 >../build.log 2>&1 || { tail -30 ../build.log; exit 1; }
	$(Q)ls $(OUT)/deb/*.deb

# Unit tests, then integration tests against the real kernel (root), then
# the kernel matrix (~12 min: Debian's 6.1 and 6.12 under TCG, and the host).
test: all
	$(Q)$(MAKE) --no-print-directory SAN=1 all
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_TIME=3
	$(Q)prove -v -j1 $(TEST_BIN) tests/integration/*.t
	$(Q)bash tests/kernels/matrix.sh

# The integration subset on Debian's 6.1 and 6.12 kernels (QEMU TCG guests
# with this host's userland) and on the host's kernel; see tests/kernels/.
test-kernels: all
	$(Q)bash tests/kernels/matrix.sh

# The probe-cost benchmark (bench/bench.sh, ~5 min): writes bench/RESULTS.md.
# bench/net_overhead.sh and bench/blk_kvm_overhead.sh are narrower, run by hand.
bench: all
	$(Q)bash bench/bench.sh

# compare's A/A false-positive rate and order effects (bench/aa_rate.sh)
bench-aa: all
	$(Q)bash bench/aa_rate.sh

lint: $(SKELS)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem --suppress=unknownMacro -Iinclude -Isrc src/
	$(Q)clang-tidy --quiet $(SRCS) -- $(subst -I$(OUT)/skel,-isystem $(OUT)/skel,$(filter-out -Werror $(SANFLAGS),$(ALL_CFLAGS)))

# `make format` reformats the whole tree; `make format FORMAT_FILES="a.c b.h"`
# only the files named (e.g. the ones a change touched).
FORMAT_FILES ?= $(SRCS) $(HDRS) $(BPF_SRCS) $(wildcard bpf/*.h) $(TEST_C) $(FIXT_C)
format:
	$(Q)clang-format -i $(FORMAT_FILES)

clean:
	$(Q)rm -rf build build-san build-fuzz

-include $(OBJS:.o=.d)
