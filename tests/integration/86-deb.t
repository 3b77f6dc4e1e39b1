#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 86-deb.t - the Debian package: `make deb` builds it (debhelper, debian/),
# lintian finds no error or warning, its Depends are exactly the shared
# libraries the binary links (no libbpf: linked statically; nothing of the
# toolchain), Docker/QEMU/redis/MariaDB are only Recommends/Suggests.  Then
# `apt-get install ./vtax_*.deb` in a clean Debian 12 root (a minimal
# debootstrap, cached in /var/cache/vtax-tests; an overlay of it per run,
# with /proc, /sys, BTF, tracefs and bpffs mounted: debroot.sh) resolves the
# dependencies from the archive, and `vtax doctor` and `vtax run -- true`
# work there, and `vtax compare` names the missing Docker, redis-server,
# busybox and QEMU in one line; purge removes it.  Runtime: debootstrap once ~2.5 min (then
# cached), make deb ~1.5 min, lintian ~30 s, install and runs ~30 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debroot.sh"
need_root
cd "$ROOT" || exit 1
for c in dpkg-buildpackage dh lintian debootstrap pandoc; do
	command -v $c >/dev/null || skip_all "$c not installed (scripts/setup.sh)"
done
TMP=$(mktemp -d /tmp/vtax-deb.XXXXXX)
trap 'debroot_down "$TMP/r"; rm -rf "$TMP"' EXIT

t=$SECONDS
make -s deb >"$TMP/make.log" 2>&1; ok $? "make deb ($((SECONDS - t)) s)"
DEB=$(ls build/deb/vtax_*_amd64.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || { diag "$(tail -20 "$TMP/make.log")"; done_testing; }
ver=$(sed -n 's/.*VTAX_VERSION "\(.*\)"/\1/p' src/util/version.h)
[ "$(dpkg-deb -f "$DEB" Version)" = "$ver" ]; ok $? "package version = vtax --version ($ver)"

t=$SECONDS
# TMPDIR: lintian left its mldbm-elf-* files in /tmp; they go with $TMP
TMPDIR="$TMP" lintian -EviIL +pedantic --fail-on error,warning build/deb/vtax_*_amd64.changes >"$TMP/lintian" 2>&1; r=$?
grep -E '^[EWIPX]: ' "$TMP/lintian" | while read -r l; do diag "lintian: $l"; done
ok $r "lintian: no error or warning ($(grep -cE '^[EWIPX]: ' "$TMP/lintian") tags at any level incl. pedantic/experimental, $((SECONDS - t)) s)"

dep=$(dpkg-deb -f "$DEB" Depends)
diag "Depends: $dep"
! grep -qE 'libbpf|clang|llvm|gcc|bpftool|pandoc|-dev\b' <<<"$dep"
ok $? "Depends: no libbpf (static), nothing of the toolchain"
BIN=build/deb/src/debian/vtax/usr/sbin/vtax
needed=$(objdump -p "$BIN" | awk '/NEEDED/ {print $2}')
diag "the binary links: $(echo $needed)"
miss=""
for so in $needed; do
	pkg=$(dpkg -S "*/$so" 2>/dev/null | grep -v -- '-dev' | head -1 | cut -d: -f1)
	case $so in ld-linux*|libm.so*|libc.so*) pkg=libc6 ;; esac
	grep -qE "(^|, )$pkg( |,|$)" <<<"$dep" || miss+=" $so($pkg)"
done
n_dep=$(tr ',' '\n' <<<"$dep" | grep -c .)
[ -z "$miss" ] && ! grep -q libbpf <<<"$needed"
ok $? "every library the binary links is a Depends, libbpf is not linked (${miss:+missing:$miss; }$n_dep Depends)"
rs="$(dpkg-deb -f "$DEB" Recommends), $(dpkg-deb -f "$DEB" Suggests)"
for p in docker.io qemu-system-x86 redis-server mariadb-server; do
	grep -qE "(^|, )$p(,|$)" <<<"$rs" || { diag "$p not in Recommends/Suggests"; false; } || break
done; ok $? "Docker, QEMU, redis-server, MariaDB: Recommends/Suggests"

# --- a clean Debian 12 root
t=$SECONDS
debroot_cache; ok $? "minimal bookworm root ($DEBROOT_CACHE, $((SECONDS - t)) s)"
debroot_up "$TMP/r"; ok $? "overlay of it with proc, sys, BTF, tracefs, bpffs mounted"
R=$TMP/r/root
cp "$DEB" "$R/tmp/"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
! in_root sh -c 'command -v vtax' >/dev/null; ok $? "no vtax in the clean root before"
t=$SECONDS
# --no-install-recommends: attaching needs nothing but Depends (Docker,
# redis-server... are for compare)
{ in_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq \
	--no-install-recommends "/tmp/$(basename "$DEB")"; } >"$TMP/apt.log" 2>&1; r=$?
[ $r -eq 0 ] || diag "$(tail -5 "$TMP/apt.log")"
ok $r "apt-get install ./$(basename "$DEB") in the clean root resolves its Depends ($((SECONDS - t)) s)"
in_root vtax doctor >"$TMP/doctor" 2>&1; r=$?
grep -q 'kernel BTF *yes' "$TMP/doctor" && grep -q 'probe families' "$TMP/doctor"; ok $((r + $?)) "vtax doctor runs there (rc $r; $(tail -1 "$TMP/doctor"))"
in_root vtax run -f json -o /tmp/true.json -- true >"$TMP/run" 2>&1; r=$?
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(h["count"] for s in d["subjects"] for h in s["histograms"] if h["family"]=="syscall"))' "$R/tmp/true.json" 2>/dev/null)
[ $r -eq 0 ] && [ "${n:-0}" -gt 0 ]; ok $? "vtax run -- true runs there and traces it ($n syscalls; rc $r)"
[ $r -eq 0 ] || diag "$(cat "$TMP/run")"
# compare needs what the package only recommends/suggests: it must name them
in_root vtax compare --quick >"$TMP/cmp" 2>&1; r=$?
[ $r -ne 0 ] && [ "$(wc -l <"$TMP/cmp")" = 1 ] && grep -q 'missing redis-server, docker, busybox, qemu-system-x86_64' "$TMP/cmp" &&
	grep -q 'apt-get install redis-server docker.io busybox-static qemu-system-x86' "$TMP/cmp"
ok $? "vtax compare there names what is missing, in one line ($(cat "$TMP/cmp"))"
in_root sh -c 'ldd /usr/sbin/vtax' | grep -q 'not found'; [ $? -ne 0 ]; ok $? "every linked library is found in the root"
in_root dpkg -L vtax | grep -qx /usr/share/bash-completion/completions/vtax && [ -f "$R/usr/share/man/man8/vtax.8.gz" ]
ok $? "the package holds the completion and the man page"
DEBIAN_FRONTEND=noninteractive in_root apt-get purge -y -qq vtax >>"$TMP/apt.log" 2>&1 && [ ! -e "$R/usr/sbin/vtax" ] && [ ! -e "$R/usr/share/doc/vtax" ]
ok $? "apt-get purge vtax removes it"
debroot_down "$TMP/r"
! grep -q "$TMP" /proc/mounts; ok $? "every mount of the root is gone"
done_testing
