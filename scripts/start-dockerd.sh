#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Start Docker's daemon when it is not answering: with systemd when there is
# one, else dockerd in the background (machines booted without systemd).
# Idempotent.  Used by setup.sh and by tests that need Docker.
command -v dockerd >/dev/null || { echo "start-dockerd: docker.io is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 && exit 0
if ! { command -v systemctl >/dev/null && systemctl start docker 2>/dev/null; }; then
	nohup dockerd >/var/log/vtax-dockerd.log 2>&1 </dev/null &
fi
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "start-dockerd: dockerd did not start (see /var/log/vtax-dockerd.log)" >&2
exit 1
