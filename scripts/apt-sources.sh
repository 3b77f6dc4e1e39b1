# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# apt-sources.sh - sourced by scripts/setup.sh (and its test): finds the
# Debian source this machine already uses, so the backports source vtax adds
# goes to the same mirror with the same key; no archive host is named.
# APT_ETC overrides /etc/apt (tests).
APT_ETC=${APT_ETC:-/etc/apt}
# print "URI KEYRING" of the first enabled deb source for suite $1, from
# deb822 files (*.sources) and one-line lists (sources.list, *.list)
main_source() {
	local f
	for f in "$APT_ETC"/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v suite="$1" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uri != "")
					{ print uri, (key == "" ? "-" : key); found = 1; exit }
				types = suites = uri = key = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
			/^Signed-By:/ { key = $2 }
			/^Enabled:/ { enabled = $2 }
			END { if (!found) flush() }' "$f" | head -1
	done
	for f in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk -v suite="$1" '
			$1 != "deb" { next }
			{ key = "-"; i = 2
			  if ($2 ~ /^\[/) { for (; i <= NF; i++) { if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) } if ($i ~ /\]$/) { i++; break } } }
			  if ($(i + 1) == suite) { print $i, key; exit } }' "$f" | head -1
	done
}
