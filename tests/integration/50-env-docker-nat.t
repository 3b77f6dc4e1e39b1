#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-docker-nat.t - docker-nat: vtax's bridge network in 198.18/15, gateway DNAT and docker-proxy paths.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v dockerd >/dev/null || skip_all "no dockerd"
run "docker-nat redis" VTAX_TEST_ENV=docker-nat VTAX_TEST_SERVER=redis
run "docker-nat mariadb" VTAX_TEST_ENV=docker-nat VTAX_TEST_SERVER=mariadb
finish
