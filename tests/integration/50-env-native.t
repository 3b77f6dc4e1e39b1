#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-native.t - native environment: redis and MariaDB on 127.0.0.1, exec, teardown.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

command -v redis-server >/dev/null || skip_all "no redis-server"
run "native redis" VTAX_TEST_ENV=native VTAX_TEST_SERVER=redis
run "native mariadb" VTAX_TEST_ENV=native VTAX_TEST_SERVER=mariadb
finish
