# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# debroot.sh - a clean Debian 12 root for the package test (86-deb.t):
# debootstrap a minimal bookworm once into a cached folder (from the mirror
# apt's own sources name: this machine reaches only Debian's archive), then
# give each test a throw-away overlay of it with /proc, /sys, BTF, tracefs
# and bpffs mounted, all undone by debroot_down on every exit path.
# Source it; needs root, debootstrap.
DEBROOT_CACHE=${DEBROOT_CACHE:-/var/cache/vtax-tests/bookworm-minbase}

# The bookworm mirror of apt's sources (deb822 or one-line format).
debroot_mirror() {
	python3 - <<'PY'
import glob, re
for f in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in open(f).read().split("\n\n"):
        d = {}
        for line in stanza.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m:
                d[m.group(1).lower()] = m.group(2).split()
        if "bookworm" in d.get("suites", []) and "deb" in d.get("types", []):
            print(d["uris"][0]); raise SystemExit
for f in ["/etc/apt/sources.list"] + glob.glob("/etc/apt/sources.list.d/*.list"):
    try:
        for line in open(f):
            w = re.sub(r"\[[^]]*\]", "", line).split()
            if len(w) >= 3 and w[0] == "deb" and w[2] == "bookworm":
                print(w[1]); raise SystemExit
    except OSError:
        pass
print("http://deb.debian.org/debian")
PY
}

# Create the cached root once (~2-4 minutes; later calls return at once).
debroot_cache() {
	[ -x "$DEBROOT_CACHE/usr/bin/apt-get" ] && return 0
	mkdir -p "$(dirname "$DEBROOT_CACHE")"
	(
		flock 9
		[ -x "$DEBROOT_CACHE/usr/bin/apt-get" ] && exit 0
		rm -rf "$DEBROOT_CACHE.tmp"
		timeout 900 debootstrap --variant=minbase bookworm "$DEBROOT_CACHE.tmp" "$(debroot_mirror)" \
			>"$(dirname "$DEBROOT_CACHE")/debootstrap.log" 2>&1 || { rm -rf "$DEBROOT_CACHE.tmp"; exit 1; }
		rm -rf "$DEBROOT_CACHE.tmp/var/cache/apt/archives/"*.deb
		mv "$DEBROOT_CACHE.tmp" "$DEBROOT_CACHE"
	) 9>"$(dirname "$DEBROOT_CACHE")/.lock"
}

# debroot_up DIR: DIR/root is a writable overlay of the cached root with the
# kernel file systems vtax needs; DIR/mounts lists what to undo.
debroot_up() {
	local d=$1 r=$1/root m
	mkdir -p "$d/upper" "$d/work" "$r"
	: >"$d/mounts"
	mount -t overlay overlay -o "lowerdir=$DEBROOT_CACHE,upperdir=$d/upper,workdir=$d/work" "$r" || return 1
	echo "$r" >>"$d/mounts"
	cp /etc/resolv.conf "$r/etc/resolv.conf"
	mount -t proc proc "$r/proc" && echo "$r/proc" >>"$d/mounts" || return 1
	mount --bind /dev "$r/dev" && echo "$r/dev" >>"$d/mounts" || return 1
	mount --bind /sys "$r/sys" && echo "$r/sys" >>"$d/mounts" || return 1
	for m in /sys/kernel/btf /sys/kernel/tracing /sys/fs/bpf /sys/fs/cgroup; do
		mountpoint -q "$m" || continue
		mount --bind "$m" "$r$m" && echo "$r$m" >>"$d/mounts" || return 1
	done
}

# debroot_down DIR: unmount in reverse order (lazily if busy), remove DIR.
debroot_down() {
	local d=$1 m
	[ -f "$d/mounts" ] && tac "$d/mounts" | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	rm -rf "$d"
}
