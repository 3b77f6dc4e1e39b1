#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The build does not depend on the build host's kernel: the BPF objects and
# skeletons build with /sys/kernel/btf hidden (a private mount namespace),
# and the BPF sources also compile against a vmlinux.h from an older kernel
# shape (kernfs_node.parent instead of __parent, no kvm tracepoint records,
# as on a distro kernel whose kvm is a module).  ~30-60 s.
. "$(dirname "$0")/lib.sh"
need_root
command -v unshare >/dev/null || skip_all "unshare not installed"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cd "$ROOT" || exit 1
objs=$(for f in bpf/*.bpf.c; do b=${f#bpf/}; printf '%s ' "$TMP/OUT/skel/${b%.bpf.c}.skel.h"; done)

check "vmlinux/vmlinux.h is checked in" -- sh -c "git ls-files --error-unmatch vmlinux/vmlinux.h >/dev/null 2>&1"
# shellcheck disable=SC2086
if unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && ! test -e /sys/kernel/btf/vmlinux &&
	exec make -s -j2 OUT="$1" BTF=/nonexistent '"$objs" sh "$TMP/OUT" >"$TMP/log" 2>&1; then
	ok 0 "BPF objects and skeletons build without /sys/kernel/btf/vmlinux"
else
	ok 1 "BPF objects and skeletons build without /sys/kernel/btf/vmlinux: $(tail -5 "$TMP/log")"
fi
check "no rule but 'make vmlinux' reads \$(BTF)" -- \
	sh -c '! make -n -B OUT="$1" BTF=/nonexistent '"$objs"' 2>&1 | grep -q "btf dump\|/nonexistent"' sh "$TMP/OUT2"

# an older kernel's shape: kernfs_node.parent, no trace_event_raw_kvm_exit
mkdir -p "$TMP/old"
python3 - vmlinux/vmlinux.h "$TMP/old/vmlinux.h" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
s, n1 = re.subn(r"(struct kernfs_node \{[^}]*?struct kernfs_node \*)__parent;", r"\1parent;", s, count=1, flags=re.S)
s, n2 = re.subn(r"\nstruct trace_event_raw_kvm_exit \{.*?\n\};\n", "\n", s, count=1, flags=re.S)
assert n1 == 1 and n2 == 1, (n1, n2)
open(sys.argv[2], "w").write(s)
PY
ok $? "made an old-shape vmlinux.h (parent, no kvm records)"
bobjs=$(for f in bpf/*.bpf.c; do b=${f#bpf/}; printf '%s ' "$TMP/OUT3/bpf/${b%.bpf.c}.bpf.o"; done)
# shellcheck disable=SC2086
if make -s -j2 OUT="$TMP/OUT3" VMLINUX_DIR="$TMP/old" BTF=/nonexistent $bobjs >"$TMP/log3" 2>&1; then
	ok 0 "BPF objects compile against the old-shape vmlinux.h"
else
	ok 1 "BPF objects compile against the old-shape vmlinux.h: $(tail -5 "$TMP/log3")"
fi
done_testing
