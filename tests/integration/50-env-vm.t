#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-vm.t - vm: QEMU guest (TCG here) with virtio-net on tap+bridge, virtio-blk, command channel;
# redis, then MariaDB with its data directory on the virtio-blk disk (up to ~2 min each).
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86_64"
before=$(vtax_links)
run "vm redis" VTAX_TEST_ENV=vm VTAX_TEST_SERVER=redis
[ "$(vtax_links)" = "$before" ]
ok $? "vm: no vtax link left behind (now: $(vtax_links | tr '\n' ' '))"
# MariaDB in the guest: greets, the vtax user logs in, /data is the ext4
# virtio-blk disk; the run itself checks that its bridge and tap are removed.
run "vm mariadb" VTAX_TEST_ENV=vm VTAX_TEST_SERVER=mariadb
finish
