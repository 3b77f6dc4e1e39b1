// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 51-server - the one command line of each server (src/env/server.c) that
 * native, docker and vm all start: redis in the foreground with no
 * persistence on every address given, MariaDB with the same options, the
 * shell form quoting every argument so that sh reads back the same argv.
 * No root, no server started: milliseconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env/server.h"
#include "tap.h"

static int has(char *const *argv, const char *a, const char *b)
{
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], a) && (!b || (argv[i + 1] && !strcmp(argv[i + 1], b))))
			return 1;
	return 0;
}

int main(void)
{
	struct vtax_server_conf rc = { .port = 6379,
				       .data_dir = "/data",
				       .bind = { "127.0.0.1", "198.18.0.1" } };
	struct vtax_server_conf mc = { .port = 3306,
				       .data_dir = "/d",
				       .run_dir = "/run",
				       .bind = { "0.0.0.0" },
				       .share_dir = "/usr/share/mysql" };
	struct vtax_server_argv a;
	char line[4096], cmd[4400], out[4096];
	size_t n;
	FILE *p;

	tap_ok(vtax_server__argv(VTAX_SERVER_REDIS, &rc, &a) == 0, "redis argv");
	tap_ok(has(a.argv, "--daemonize", "no") && !has(a.argv, "--logfile", NULL),
	       "redis runs in the foreground and logs to its stdout");
	tap_ok(has(a.argv, "--save", "") && has(a.argv, "--appendonly", "no"),
	       "redis: no persistence");
	tap_ok(has(a.argv, "--bind", "127.0.0.1") && has(a.argv, "127.0.0.1", "198.18.0.1"),
	       "redis listens on every address given");
	tap_ok(has(a.argv, "--port", "6379") && has(a.argv, "--dir", "/data"),
	       "redis port and dir");

	/* the shell form reads back into the same arguments */
	tap_ok(vtax_server__shell(&a, line, sizeof(line)) == 0, "shell form: %s", line);
	snprintf(cmd, sizeof(cmd), "sh -c 'for a in \"$@\"; do printf \"[%%s]\" \"$a\"; done' x %s",
		 line);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = 0;
	if (p)
		pclose(p);
	{
		char want[4096] = "";
		size_t off = 0;

		for (int i = 0; a.argv[i]; i++)
			off += (size_t)snprintf(want + off, sizeof(want) - off, "[%s]", a.argv[i]);
		tap_ok(!strcmp(out, want), "sh reads the same argv back (%s)", out);
	}

	tap_ok(vtax_server__argv(VTAX_SERVER_MARIADB, &mc, &a) == 0, "mariadb argv");
	tap_ok(has(a.argv, "--no-defaults", NULL) && has(a.argv, "--datadir=/d", NULL) &&
		       has(a.argv, "--socket=/run/mysqld.sock", NULL) &&
		       has(a.argv, "--bind-address=0.0.0.0", NULL) &&
		       has(a.argv, VTAX_MARIADB_LOG_SIZE, NULL) &&
		       has(a.argv, "--character-sets-dir=/usr/share/mysql/charsets", NULL),
	       "mariadb options");
	tap_ok(vtax_server__argv(VTAX_SERVER_NONE, &mc, &a) == -EINVAL, "no server: -EINVAL");
	rc.data_dir = NULL;
	tap_ok(vtax_server__argv(VTAX_SERVER_REDIS, &rc, &a) == -EINVAL, "no data dir: -EINVAL");
	return tap_done();
}
