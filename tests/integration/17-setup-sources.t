#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# scripts/apt-sources.sh (used by setup.sh to add bookworm-backports) takes
# the URI and key of the source already configured for the release, in
# deb822 or one-line form, skipping disabled, commented and other suites'
# entries - so a machine behind a local mirror keeps its mirror.  < 1 s.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ms() { APT_ETC=$1 bash -c '. "$0"; main_source bookworm | head -1' "$ROOT/scripts/apt-sources.sh"; }
check "setup.sh names no archive host" -- sh -c '! grep -n "debian\.org" "$1"/scripts/setup.sh "$1"/scripts/apt-sources.sh' sh "$ROOT"

d=$TMP/a; mkdir -p "$d/sources.list.d"
cat >"$d/sources.list.d/debian.sources" <<'S'
Types: deb
URIs: http://mirror.example.test/debian-security
Suites: bookworm-security
Components: main
Signed-By: /k/sec.gpg

# a disabled one first
Types: deb
URIs: http://old.example.test/debian
Suites: bookworm
Enabled: no
Signed-By: /k/old.gpg

Types: deb deb-src
URIs: http://mirror.example.test/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /k/main.gpg
S
r=$(ms "$d")
check "deb822: the enabled bookworm entry's URI and key ($r)" -- test "$r" = "http://mirror.example.test/debian /k/main.gpg"

d=$TMP/b; mkdir -p "$d/sources.list.d"
cat >"$d/sources.list" <<'S'
# deb http://commented.example.test/debian bookworm main
deb http://local.example.test/debian-security bookworm-security main
deb [arch=amd64 signed-by=/k/l.gpg] http://local.example.test/debian bookworm main contrib
S
r=$(ms "$d")
check "one-line: URI and signed-by ($r)" -- test "$r" = "http://local.example.test/debian /k/l.gpg"

d=$TMP/c; mkdir -p "$d/sources.list.d"
echo "deb http://plain.example.test/debian bookworm main" >"$d/sources.list"
r=$(ms "$d")
check "one-line without options: URI, no key ($r)" -- test "$r" = "http://plain.example.test/debian -"

d=$TMP/e; mkdir -p "$d/sources.list.d"
echo "deb http://x.example.test/debian-security bookworm-security main" >"$d/sources.list"
r=$(ms "$d")
check "no bookworm source: nothing ($r)" -- test -z "$r"
done_testing
