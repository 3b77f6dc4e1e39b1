#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-vm.t - vm: QEMU guest (TCG here) with virtio-net on tap+bridge, virtio-blk, command channel (up to ~2 min).
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86_64"
before=$(vtax_links)
run "vm redis" VTAX_TEST_ENV=vm VTAX_TEST_SERVER=redis
[ "$(vtax_links)" = "$before" ]
ok $? "vm: no vtax link left behind (now: $(vtax_links | tr '\n' ' '))"
# MariaDB is not offered in the guest: set-up must say so and leave nothing.
env VTAX_TEST_ENV=vm VTAX_TEST_SERVER=mariadb timeout 60 "$BIN" >"$TMP/out" 2>"$TMP/err"
grep -q "not ok 1 - set-up of vm (MariaDB in the vm environment is not supported" "$TMP/out"
ok $? "vm mariadb: refused with a clear message" || sed 's/^/#   /' "$TMP/out"
finish
