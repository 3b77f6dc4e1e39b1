#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-docker-volume.t - docker-volume: data on a vtax-labelled named volume.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v dockerd >/dev/null || skip_all "no dockerd"
run "docker-volume redis" VTAX_TEST_ENV=docker-volume VTAX_TEST_SERVER=redis
run "docker-volume mariadb" VTAX_TEST_ENV=docker-volume VTAX_TEST_SERVER=mariadb
finish
