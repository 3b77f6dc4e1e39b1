# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vtax build: BPF objects (clang, CO-RE) -> skeletons (bpftool) -> vtax.
# `make V=1` shows full commands.  `make SAN=1` builds an ASan/UBSan binary
# into build-san/.  See README for targets.
BPFTOOL ?= bpftool
CLANG   ?= clang
CC      ?= gcc
SAN     ?= 0

ifeq ($(SAN),1)
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

VMLINUX  := vmlinux/vmlinux.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(OUT)/skel/%.skel.h,$(BPF_SRCS))
SRCS     := $(wildcard src/*/*.c)
OBJS     := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
HDRS     := $(wildcard include/vtax/*.h src/*/*.h)
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/vtax/*.h)

PKGS     := libbpf jansson libmariadb liburing libmicrohttpd hiredis
CFLAGS   ?= -O2 -g
VTAX_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE -Iinclude -Isrc -I$(OUT)/skel -I$(OUT)/gen \
	    $(shell pkg-config --cflags $(PKGS)) $(SANFLAGS)
VTAX_LDLIBS := $(shell pkg-config --libs $(PKGS)) -lelf -lz -lm -lpthread
LDFLAGS  ?=
ALL_CFLAGS = $(VTAX_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
ALL_LDLIBS = $(VTAX_LDLIBS) $(LDLIBS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -D__VTAX_BPF__ -Iinclude -Ibpf -Ivmlinux \
	      -Wall -Wno-unused-function -Wno-compare-distinct-pointer-types

TEST_C   := $(wildcard tests/unit/*.c)
TEST_BIN := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_C))
FIXT_C   := $(wildcard tests/fixtures/*.c)
FIXT_BIN := $(patsubst tests/fixtures/%.c,$(OUT)/fixtures/%,$(FIXT_C))
BENCH_C  := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_C))
LIB_OBJS := $(filter-out $(OUT)/obj/cmd/main.o,$(OBJS))

.PHONY: all clean test lint format bench fixtures
.SECONDARY:
all: $(OUT)/vtax $(TEST_BIN) $(FIXT_BIN) $(BENCH_BIN)

$(VMLINUX):
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

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

fixtures: $(FIXT_BIN)

# Unit tests, then integration tests against the real kernel (root).
test: all
	$(Q)$(MAKE) --no-print-directory SAN=1 all
	$(Q)prove -v -j1 $(TEST_BIN) tests/integration/*.t

bench: all
	$(Q)for b in bench/*.sh; do bash $$b || exit 1; done

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
	$(Q)rm -rf build build-san

-include $(OBJS:.o=.d)
