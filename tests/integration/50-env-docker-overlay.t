#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-docker-overlay.t - docker-overlay: an image of 3 layers, data on the container's overlay.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v dockerd >/dev/null || skip_all "no dockerd"
run "docker-overlay(3) redis" VTAX_TEST_ENV=docker-overlay VTAX_TEST_LAYERS=3 VTAX_TEST_SERVER=redis
run "docker-overlay(1) mariadb" VTAX_TEST_ENV=docker-overlay VTAX_TEST_LAYERS=1 VTAX_TEST_SERVER=mariadb
finish
