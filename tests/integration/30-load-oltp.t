#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 30-load-oltp.t - the "oltp" load generator (src/load/load_oltp.c) against a
# real MariaDB on loopback: mariadb-install-db into a temp datadir, mariadbd
# on a free port (socket and pid file in the temp dir, grant tables skipped),
# up to 30 s to come up, then build/tests/30-loadgen with
# VTAX_TEST_MYSQL_PORT checks transactions against Com_commit/Com_rollback.
# The server is stopped by its PID on every exit path.
set -u
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
bin=${VTAX_TEST_BUILD:-build}/tests/30-loadgen
[ -x "$bin" ] || skip_all "$bin not built (make)"
mysqld=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1)
installdb=$(command -v mariadb-install-db || command -v mysql_install_db)
[ -n "$mysqld" ] && [ -n "$installdb" ] || skip_all "mariadb-server not installed"

tmp=$(mktemp -d /var/tmp/vtax-t30db.XXXXXX) || exit 1
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		# InnoDB shutdown is quick on a tiny datadir; do not wait forever.
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		# nothing listening: ss shows no socket and a connect is refused
		if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] &&
			! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

fail_setup() {
	ok 1 "$1"
	for f in "$tmp"/*.log; do
		[ -f "$f" ] && tail -20 "$f" | sed "s|^|# $(basename "$f"): |"
	done
	done_testing
}

"$installdb" --no-defaults --datadir="$tmp/data" --user="$(id -un)" \
	--auth-root-authentication-method=normal --skip-test-db >"$tmp/install.log" 2>&1 ||
	fail_setup "mariadb-install-db"
port=$(free_port) || skip_all "no free port"
"$mysqld" --no-defaults --datadir="$tmp/data" --socket="$tmp/mysqld.sock" --port="$port" \
	--bind-address=127.0.0.1 --user="$(id -un)" --skip-grant-tables --skip-log-bin \
	--pid-file="$tmp/mysqld.pid" --log-error="$tmp/mysqld.log" \
	--innodb-buffer-pool-size=128M >/dev/null 2>&1 &
pid=$!
up=0
for _ in $(seq 1 300); do
	if mariadb-admin --no-defaults -h127.0.0.1 -P"$port" -uroot --connect-timeout=1 ping >/dev/null 2>&1; then
		up=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ $up = 1 ] || fail_setup "mariadbd starts on 127.0.0.1:$port within 30 s"

VTAX_TEST_MYSQL_PORT=$port "$bin"
