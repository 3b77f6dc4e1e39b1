// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * server.c - the one command line of redis and of MariaDB (server.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "env/server.h"

const char *vtax_server__mariadbd(void)
{
	return access("/usr/sbin/mariadbd", X_OK) == 0 ? "/usr/sbin/mariadbd" : "/usr/sbin/mysqld";
}

struct builder {
	struct vtax_server_argv *a;
	int n;
	size_t off;
	int err;
};

static void arg(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void arg(struct builder *b, const char *fmt, ...)
{
	size_t cap = sizeof(b->a->buf) - b->off;
	va_list ap;
	int len;

	if (b->err)
		return;
	if (b->n >= VTAX_SERVER_MAX_ARGS - 1) {
		b->err = -ENOSPC;
		return;
	}
	va_start(ap, fmt);
	len = vsnprintf(b->a->buf + b->off, cap, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= cap) {
		b->err = -ENOSPC;
		return;
	}
	b->a->argv[b->n++] = b->a->buf + b->off;
	b->a->argv[b->n] = NULL;
	b->off += (size_t)len + 1;
}

/*
 * redis: no persistence (the benchmark measures the request path, not
 * snapshots), no protected mode (clients arrive from bridges and
 * namespaces), in the foreground.
 */
static void redis(struct builder *b, const struct vtax_server_conf *c)
{
	arg(b, "%s", c->exe ? c->exe : "/usr/bin/redis-server");
	arg(b, "--port");
	arg(b, "%d", c->port);
	arg(b, "--protected-mode");
	arg(b, "no");
	arg(b, "--save");
	arg(b, "%s", "");
	arg(b, "--appendonly");
	arg(b, "no");
	arg(b, "--dir");
	arg(b, "%s", c->data_dir);
	arg(b, "--daemonize");
	arg(b, "no");
	arg(b, "--bind");
	for (int i = 0; i < 3 && c->bind[i]; i++)
		arg(b, "%s", c->bind[i]);
	if (!c->bind[0])
		arg(b, "127.0.0.1");
}

/* MariaDB: no option files, TCP with no name resolution, the same redo log */
static void mariadb(struct builder *b, const struct vtax_server_conf *c)
{
	const char *run = c->run_dir ? c->run_dir : c->data_dir;
	char bind[256] = "";
	size_t off = 0;

	for (int i = 0; i < 3 && c->bind[i] && off < sizeof(bind); i++)
		off += (size_t)snprintf(bind + off, sizeof(bind) - off, "%s%s", i ? "," : "",
					c->bind[i]);
	arg(b, "%s", c->exe ? c->exe : "/usr/sbin/mariadbd");
	arg(b, "--no-defaults");
	arg(b, "--user=root");
	arg(b, "--datadir=%s", c->data_dir);
	arg(b, "--socket=%s/mysqld.sock", run);
	arg(b, "--pid-file=%s/mysqld.pid", run);
	arg(b, "--port=%d", c->port);
	/* a list of addresses: MariaDB >= 10.11 */
	arg(b, "--bind-address=%s", bind[0] ? bind : "127.0.0.1");
	arg(b, "--skip-networking=0");
	arg(b, "--skip-name-resolve");
	if (c->err_log)
		arg(b, "--log-error=%s", c->err_log);
	arg(b, VTAX_MARIADB_LOG_SIZE);
	if (c->share_dir) {
		arg(b, "--lc-messages-dir=%s", c->share_dir);
		arg(b, "--character-sets-dir=%s/charsets", c->share_dir);
	}
}

int vtax_server__argv(enum vtax_env_server s, const struct vtax_server_conf *c,
		      struct vtax_server_argv *a)
{
	struct builder b = { .a = a };

	memset(a, 0, sizeof(*a));
	if (!c || !c->data_dir || c->port <= 0)
		return -EINVAL;
	switch (s) {
	case VTAX_SERVER_REDIS:
		redis(&b, c);
		break;
	case VTAX_SERVER_MARIADB:
		mariadb(&b, c);
		break;
	default:
		return -EINVAL;
	}
	return b.err;
}

int vtax_server__shell(const struct vtax_server_argv *a, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	for (int i = 0; a->argv[i]; i++) {
		if (off + 4 >= len)
			return -ENOSPC;
		if (i)
			buf[off++] = ' ';
		buf[off++] = '\'';
		for (const char *p = a->argv[i]; *p; p++) {
			const char *piece = *p == '\'' ? "'\\''" : NULL;
			size_t pl = piece ? 4 : 1;

			if (off + pl + 2 >= len)
				return -ENOSPC;
			if (piece)
				memcpy(buf + off, piece, pl);
			else
				buf[off] = *p;
			off += pl;
		}
		buf[off++] = '\'';
		buf[off] = 0;
	}
	return 0;
}
