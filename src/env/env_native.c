// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env_native.c - the "native" environment: the server runs directly on the
 * host, listening on 127.0.0.1 on a free port, with its data under the
 * run's work directory.  It is the baseline every other environment is
 * compared with, so it is started with exactly the options the container
 * and VM environments use.
 *
 * Also owns the MariaDB data directory seed (mariadb-install-db, then a
 * `mariadbd --bootstrap` that creates database vtax and user vtax@'%'),
 * which env_docker.c copies into its images.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "env/env.h"
#include "env/server.h"

int vtax_env_native__mariadb_seed(struct vtax_env *e, const char *datadir, double deadline, char *err, size_t errlen)
{
	char arg_dd[600], sql[600], log[4096], *install[] = {
		"mariadb-install-db", "--no-defaults", arg_dd, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db", VTAX_MARIADB_LOG_SIZE, NULL,
	};
	char *boot[] = {
		(char *)vtax_server__mariadbd(), "--no-defaults", "--bootstrap", arg_dd, "--user=root",
		"--log-warnings=0", VTAX_MARIADB_LOG_SIZE, NULL,
	};
	struct vtax_run_opts ro = { .err = log, .errlen = sizeof(log), .stop = e->priv.stop, .verbose = e->priv.verbose };
	FILE *f;
	int r;

	snprintf(arg_dd, sizeof(arg_dd), "--datadir=%s", datadir);
	r = vtax_env__mkdirp(datadir, 0700);
	if (r) {
		snprintf(err, errlen, "mkdir %s: %s", datadir, strerror(-r));
		return r;
	}
	ro.timeout_s = deadline - vtax_now_s();
	r = vtax_spawn__run(install, log, sizeof(log), &ro);
	if (r) {
		snprintf(err, errlen, "mariadb-install-db failed (%d): %.300s", r, log);
		return r < 0 ? r : -EIO;
	}
	/*
	 * --bootstrap runs without grant tables: FLUSH PRIVILEGES loads them so
	 * that CREATE USER works.  The user may log in from anywhere because
	 * a container's client arrives from the bridge gateway.
	 */
	snprintf(sql, sizeof(sql), "%s/../vtax-init.sql", datadir);
	f = fopen(sql, "we");
	if (!f)
		return -errno;
	fprintf(f, "FLUSH PRIVILEGES;\n"
		   "CREATE DATABASE IF NOT EXISTS %s;\n"
		   "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n"
		   "GRANT ALL ON *.* TO '%s'@'%%';\n"
		   "FLUSH PRIVILEGES;\n",
		VTAX_ENV_DB_NAME, VTAX_ENV_DB_USER, VTAX_ENV_DB_PASSWORD, VTAX_ENV_DB_USER);
	fclose(f);
	ro.stdin_path = sql;
	ro.timeout_s = deadline - vtax_now_s();
	r = vtax_spawn__run(boot, NULL, 0, &ro);
	unlink(sql);
	if (r) {
		snprintf(err, errlen, "mariadbd --bootstrap failed (%d): %.300s", r, log);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

/* redis-server listens on 127.0.0.1, and on the remote client's side of the host if any */
static int native_redis(struct vtax_env *e, const char *remote, double deadline, char *err, size_t errlen)
{
	struct vtax_server_conf sc = { .exe = "redis-server", .bind = { "127.0.0.1", remote } };
	struct vtax_server_argv sa;
	char log[600];
	int r;

	snprintf(e->data_dir, sizeof(e->data_dir), "%s/redis", e->priv.dir);
	if (vtax_env__mkdirp(e->data_dir, 0700))
		return -errno;
	e->server_port = vtax_env__free_port();
	if (e->server_port < 0)
		return e->server_port;
	sc.port = e->server_port;
	sc.data_dir = e->data_dir;
	r = vtax_server__argv(VTAX_SERVER_REDIS, &sc, &sa);
	if (r) {
		snprintf(err, errlen, "redis-server command line: %s", strerror(-r));
		return r;
	}
	snprintf(log, sizeof(log), "%s/redis.log", e->priv.dir);
	e->priv.child = vtax_env__spawn(sa.argv, log, SIGKILL);
	if (e->priv.child < 0) {
		int r = e->priv.child;

		e->priv.child = 0;
		snprintf(err, errlen, "cannot start redis-server: %s", strerror(-r));
		return r;
	}
	return vtax_env__wait_server(e, e->server_host, e->server_port, deadline, e->priv.child, err, errlen);
}

static int native_mariadb(struct vtax_env *e, const char *remote, double deadline, char *err, size_t errlen)
{
	struct vtax_server_conf sc = {
		.exe = vtax_server__mariadbd(), .bind = { "127.0.0.1", remote }, .run_dir = e->priv.dir,
	};
	struct vtax_server_argv sa;
	char errlog[600], log[600];
	int r;

	snprintf(e->data_dir, sizeof(e->data_dir), "%s/mariadb", e->priv.dir);
	r = vtax_env_native__mariadb_seed(e, e->data_dir, deadline, err, errlen);
	if (r)
		return r;
	e->server_port = vtax_env__free_port();
	if (e->server_port < 0)
		return e->server_port;
	snprintf(errlog, sizeof(errlog), "%s/mariadb.err", e->priv.dir);
	sc.port = e->server_port;
	sc.data_dir = e->data_dir;
	sc.err_log = errlog;
	r = vtax_server__argv(VTAX_SERVER_MARIADB, &sc, &sa);
	if (r) {
		snprintf(err, errlen, "mariadbd command line: %s", strerror(-r));
		return r;
	}
	snprintf(log, sizeof(log), "%s/mariadb.out", e->priv.dir);
	e->priv.child = vtax_env__spawn(sa.argv, log, SIGKILL);
	if (e->priv.child < 0) {
		r = e->priv.child;
		e->priv.child = 0;
		snprintf(err, errlen, "cannot start mariadbd: %s", strerror(-r));
		return r;
	}
	r = vtax_env__wait_server(e, e->server_host, e->server_port, deadline, e->priv.child, err, errlen);
	if (r == -ECHILD) {
		/* Say why, from MariaDB's own error log. */
		char tail[256] = "", path[600];
		FILE *f;

		snprintf(path, sizeof(path), "%s/mariadb.err", e->priv.dir);
		f = fopen(path, "re");
		if (f) {
			char line[256];

			while (fgets(line, sizeof(line), f))
				if (strstr(line, "ERROR"))
					snprintf(tail, sizeof(tail), "%s", line);
			fclose(f);
		}
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, ": %s", tail);
	}
	return r;
}

int vtax_env_native__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen)
{
	char exe[256];
	ssize_t n;
	int r;

	snprintf(e->server_host, sizeof(e->server_host), "127.0.0.1");
	n = readlink(o->vtax_exe ? o->vtax_exe : "/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(e->vtax_path, sizeof(e->vtax_path), "%s", exe);
	} else {
		snprintf(e->vtax_path, sizeof(e->vtax_path), "%s", o->vtax_exe ? o->vtax_exe : "/proc/self/exe");
	}
	switch (o->server) {
	case VTAX_SERVER_REDIS:
		r = native_redis(e, o->client_addr, deadline, err, errlen);
		break;
	case VTAX_SERVER_MARIADB:
		r = native_mariadb(e, o->client_addr, deadline, err, errlen);
		break;
	default:
		/* No server: the io workload only needs a data directory. */
		snprintf(e->data_dir, sizeof(e->data_dir), "%s/data", e->priv.dir);
		r = vtax_env__mkdirp(e->data_dir, 0700);
		e->server_pid = getpid();
		vtax_env__fill_identity(e, getpid());
		break;
	}
	if (r == 0 && o->server != VTAX_SERVER_NONE) {
		e->server_pid = e->priv.child;
		vtax_env__fill_identity(e, e->server_pid);
		if (o->client_addr) {
			snprintf(e->remote_host, sizeof(e->remote_host), "%s", o->client_addr);
			e->remote_port = e->server_port;
		}
	}
	/* Native is found by PID, not by a container cgroup. */
	e->cgroup_path[0] = 0;
	e->cgroup2_path[0] = 0;
	return r;
}
