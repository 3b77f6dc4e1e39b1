#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 85-install.t - `make install` / `make uninstall` into a DESTDIR, the man
# page and the bash completion.  The file list must be exactly the binary,
# the man page, the completion, the docs and the fleet examples; uninstall
# must remove all of it.  The man page (rendered by man, checked with
# `man --warnings`) and the completion must cover every option that any
# `vtax COMMAND --help` prints (help_opts.py parses them), and the completion
# every value listed for --probes, --envs, --workload, --format, --rw and
# --driver: both stay true as options are added.  The coverage check is shown
# to fail on a man page with one option removed.  About 10 s.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
for c in pandoc man; do command -v $c >/dev/null || skip_all "$c not installed (scripts/setup.sh)"; done
[ -f /usr/share/bash-completion/bash_completion ] || skip_all "bash-completion not installed (scripts/setup.sh)"
[ -x build/vtax ] || skip_all "build/vtax not built (make)"
TMP=$(mktemp -d /tmp/vtax-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
HO=tests/integration/help_opts.py
D=$TMP/dest

# exactly these files, derived from the tree (docs/*.md and deploy/*)
expected() { # PREFIX (without the leading /)
	{
		echo "$1/sbin/vtax"
		echo "$1/share/man/man8/vtax.8"
		echo "$1/share/bash-completion/completions/vtax"
		echo "$1/share/doc/vtax/README.md"
		for f in docs/*.md; do echo "$1/share/doc/vtax/$(basename "$f")"; done
		for f in deploy/*; do echo "$1/share/doc/vtax/examples/$(basename "$f")"; done
	} | sort
}
listing() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort); }

make -s install DESTDIR="$D" >"$TMP/make.log" 2>&1; ok $? "make install DESTDIR=... (default PREFIX=/usr/local)"
diff <(expected usr/local) <(listing "$D") >"$TMP/diff"; r=$?
[ $r -eq 0 ] || diag "$(cat "$TMP/diff")"
ok $r "installs exactly the $(expected usr/local | wc -l) expected files under usr/local"
diag "installed: $(listing "$D" | tr '\n' ' ')"
[ "$(stat -c %a "$D/usr/local/sbin/vtax")" = 755 ] && [ "$(stat -c %a "$D/usr/local/share/man/man8/vtax.8")" = 644 ]
ok $? "modes: binary 755, man page 644"
"$D/usr/local/sbin/vtax" --version | grep -q '^vtax [0-9]'; ok $? "the installed binary runs ($("$D/usr/local/sbin/vtax" --version))"
make -s uninstall DESTDIR="$D" >>"$TMP/make.log" 2>&1; ok $? "make uninstall"
left=$(listing "$D"); [ -z "$left" ] && [ ! -d "$D/usr/local/share/doc/vtax" ]
ok $? "uninstall removes every file and the doc directory (left: ${left:-none})"

make -s install DESTDIR="$D" PREFIX=/usr >>"$TMP/make.log" 2>&1 && diff <(expected usr) <(listing "$D") >/dev/null
ok $? "PREFIX=/usr: the same files under usr"
MAN=$D/usr/share/man/man8/vtax.8
warn=$(man --warnings -l "$MAN" 2>&1 >/dev/null)
[ -z "$warn" ]; ok $? "man --warnings: no warnings${warn:+ ($warn)}"
MANWIDTH=200 man -l "$MAN" 2>/dev/null | col -b >"$TMP/man.txt"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES EXAMPLES; do
	grep -q "^$s" "$TMP/man.txt" || { diag "no section $s"; false; } || break
done; ok $? "man page has NAME, SYNOPSIS, DESCRIPTION, COMMANDS, EXIT STATUS, FILES, EXAMPLES"
cmds=$(python3 $HO build/vtax commands | tr '\n' ' ')
nopts=0; for c in $cmds; do nopts=$((nopts + $(python3 $HO build/vtax options "$c" | wc -l))); done
miss=$(python3 $HO build/vtax mancheck "$TMP/man.txt")
[ -z "$miss" ] && [ "$nopts" -gt 50 ]
ok $? "man page covers the $nopts options of every command's --help ($cmds)${miss:+; missing: $(echo $miss)}"
# the check can fail: drop one option from a copy of the source
sed 's/\*\*\\-\\-top\*\* \*n\*/(gone)/' src/cmd/vtax.8.md >"$TMP/cut.md"
pandoc -s -t man "$TMP/cut.md" -o "$TMP/cut.8" && MANWIDTH=200 man -l "$TMP/cut.8" 2>/dev/null | col -b >"$TMP/cut.txt"
python3 $HO build/vtax mancheck "$TMP/cut.txt" >"$TMP/cut.miss"; grep -qx 'run --top' "$TMP/cut.miss"
ok $? "coverage check fails on a man page without run's --top"

# completion: the installed file, with bash-completion's helpers, the
# installed binary first on PATH
comp() { # WORDS... (the last one is being completed) -> COMPREPLY, one a line
	PATH="$D/usr/sbin:$PATH" bash -c '. /usr/share/bash-completion/bash_completion
		. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _vtax; printf "%s\n" "${COMPREPLY[@]}"' \
		"$D/usr/share/bash-completion/completions/vtax" "$@" 2>/dev/null | sort -u
}
missing=""
for c in $cmds; do
	[ "$c" = load ] && continue # internal: not offered
	comp vtax "" | grep -qx "$c" || missing+=" command:$c"
done
ok $([ -z "$missing" ]; echo $?) "completion offers every command of vtax --help${missing:+ (missing$missing)}"
missing=""; n=0
for c in $cmds; do
	got=$(comp vtax "$c" -)
	for o in $(python3 $HO build/vtax options "$c"); do
		n=$((n + 1)); grep -qx -- "$o" <<<"$got" || missing+=" $c:$o"
	done
done
[ -z "$missing" ] && [ $n -gt 50 ]; ok $? "completion offers all $n options of every --help${missing:+ (missing$missing)}"
bad=""
for co in "run --probes" "compare --probes" "compare --envs" "compare --workload" "run --format" \
	"compare --format" "export --format" "compare --rw" "compare --driver"; do
	set -- $co
	want=$(python3 $HO build/vtax values "$1" "$2" | sort -u)
	got=$(comp vtax "$1" "$2" "")
	[ -n "$want" ] && [ "$want" = "$got" ] || bad+=" [$co: help '$(echo $want)' vs completion '$(echo $got)']"
done
ok $([ -z "$bad" ]; echo $?) "completion values equal the --help lists (probe families, environments, workloads, formats, modes)$bad"
got=$(comp vtax compare --envs native,docker-n)
[ "$got" = "native,docker-nat" ]; ok $? "comma lists complete the last item (--envs native,docker-n -> $got)"
got=$(comp vtax run -- ech)
grep -qx echo <<<"$got"; ok $? "after 'vtax run --' the command itself is completed"
done_testing
