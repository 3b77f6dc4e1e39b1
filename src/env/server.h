// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * server.h - the one command line of each server vtax starts (redis,
 * MariaDB), used by every environment (native, docker-*, vm).  The
 * headline of a compare is a difference between environments, so the
 * server's configuration comes from here only; an environment passes what
 * differs by place (binary path, port, addresses to listen on, data and
 * run directories, where errors go) as parameters.  Servers never
 * daemonize: each environment runs them as a child whose output it keeps.
 */
#ifndef VTAX_ENV_SERVER_H
#define VTAX_ENV_SERVER_H

#include <stddef.h>
#include "env/env.h"

struct vtax_server_conf {
	const char *exe; /* the binary (default: the standard path in images) */
	int port;
	const char *bind[3]; /* addresses to listen on, NULL-terminated (default 127.0.0.1) */
	const char *data_dir;
	const char *run_dir;   /* mariadb: socket and pid file (default data_dir) */
	const char *err_log;   /* mariadb: --log-error file (NULL: stderr) */
	const char *share_dir; /* mariadb: messages and charsets (NULL: compiled-in default) */
};

#define VTAX_SERVER_MAX_ARGS 24
struct vtax_server_argv {
	char *argv[VTAX_SERVER_MAX_ARGS]; /* NULL-terminated */
	char buf[3072];			  /* storage of the formatted arguments */
};

/* Fill a with server s's command line.  0, or -EINVAL (no such server,
 * no data_dir or port) / -ENOSPC. */
int vtax_server__argv(enum vtax_env_server s, const struct vtax_server_conf *c,
		      struct vtax_server_argv *a);
/* The command line for sh -c: every argument single-quoted.  0 or -ENOSPC. */
int vtax_server__shell(const struct vtax_server_argv *a, char *buf, size_t len);
/* MariaDB's server binary on this host (mariadbd, or mysqld on older ones). */
const char *vtax_server__mariadbd(void);
/* Same InnoDB redo size in every environment and in the seed image. */
#define VTAX_MARIADB_LOG_SIZE "--innodb-log-file-size=32M"

#endif
