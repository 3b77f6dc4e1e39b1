#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-docker-host.t - docker-host: --net=host; vtax starts dockerd when none runs and stops it again.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v dockerd >/dev/null || skip_all "no dockerd"
run "docker-host redis" VTAX_TEST_ENV=docker-host VTAX_TEST_SERVER=redis VTAX_TEST_DOCKERD=vtax
run "docker-host none" VTAX_TEST_ENV=docker-host VTAX_TEST_SERVER=none
finish
