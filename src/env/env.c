// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env.c - environment dispatch and the helpers every environment shares.
 *
 * Owns: kind names, vtax_env__setup/exec/teardown/cleanup_stale dispatch,
 * running external programs with an argv array (never a shell) under a
 * timeout and the caller's stop flag, spawning servers, readiness checks
 * (a RESP PING parsed by hiredis's reader; a MariaDB login through
 * libmariadb) and reading the server's identity (namespaces, cgroups) from
 * /proc.
 *
 * Every wait in set-up polls the stop flag so that SIGINT/SIGTERM aborts
 * within ~100 ms, after which setup removes what it had created.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <hiredis/hiredis.h>
#include <mysql.h>

#include "trace/cgroup.h"
#include "env/env.h"
#include "util/state.h"

static const char *const kind_names[VTAX_ENV__COUNT] = {
	[VTAX_ENV_NATIVE] = "native",
	[VTAX_ENV_DOCKER_NAT] = "docker-nat",
	[VTAX_ENV_DOCKER_HOST] = "docker-host",
	[VTAX_ENV_DOCKER_OVERLAY] = "docker-overlay",
	[VTAX_ENV_DOCKER_VOLUME] = "docker-volume",
	[VTAX_ENV_VM] = "vm",
};

const char *vtax_env_kind__name(enum vtax_env_kind k)
{
	if ((unsigned)k >= VTAX_ENV__COUNT)
		return "unknown";
	return kind_names[k];
}

int vtax_env_kind__parse(const char *s, enum vtax_env_kind *k)
{
	for (int i = 0; i < VTAX_ENV__COUNT; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*k = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vtax_env_server__name(enum vtax_env_server s)
{
	switch (s) {
	case VTAX_SERVER_REDIS:
		return "redis";
	case VTAX_SERVER_MARIADB:
		return "mariadb";
	default:
		return "none";
	}
}

int vtax_env__stopped(const struct vtax_env *e)
{
	return e->priv.stop && *e->priv.stop;
}

void vtax_env__log(const struct vtax_env *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->priv.verbose)
		return;
	fprintf(stderr, "vtax: env %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

int vtax_env__rm_rf(const char *path)
{
	if (!path || !*path || strcmp(path, "/") == 0)
		return -EINVAL;
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	/* FTW_PHYS: never follow a symlink out of the tree (rootfs has many). */
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	return access(path, F_OK) == 0 ? -ENOTEMPTY : 0;
}

int vtax_env__mkdirp(const char *path, mode_t mode)
{
	char buf[1024];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

pid_t vtax_env__spawn(char *const argv[], const char *logpath, int deathsig)
{
	int lfd, in_fd;
	pid_t pid, parent = getpid();

	lfd = open(logpath ? logpath : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
		   (logpath ? O_NOFOLLOW : 0), 0644);
	if (lfd < 0)
		return -errno;
	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		close(lfd);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(lfd);
		close(in_fd);
		return pid;
	}
	if (pid == 0) {
		/* If vtax dies without teardown, the server dies with it. */
		if (deathsig)
			prctl(PR_SET_PDEATHSIG, deathsig);
		if (getppid() != parent)
			_exit(1);
		vtax_spawn__exec_child(argv, in_fd, lfd, lfd, NULL);
	}
	close(lfd);
	close(in_fd);
	vtax_state__add_process(pid);
	return pid;
}

void vtax_env__stop_child(pid_t pid, double grace_s)
{
	double deadline;
	int st;

	if (pid <= 0)
		return;
	if (waitpid(pid, &st, WNOHANG) != 0)
		goto out;
	kill(pid, SIGTERM);
	deadline = vtax_now_s() + grace_s;
	while (vtax_now_s() < deadline) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			goto out;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
out:
	vtax_state__done_process(pid);
}

int vtax_env__free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &al)) {
		port = -errno;
		close(fd);
		return port;
	}
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int tcp_connect(const char *host, int port, double timeout_s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = (time_t)timeout_s,
			      .tv_usec = (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6) };
	int fd;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* One RESP PING: 0 when the reply parsed by hiredis is the status PONG. */
int vtax_env__ping_redis(const char *host, int port, double timeout_s)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	redisReader *rd;
	void *reply = NULL;
	int fd, ret = -EPROTO;
	double deadline = vtax_now_s() + timeout_s;

	fd = tcp_connect(host, port, timeout_s);
	if (fd < 0)
		return fd;
	if (write(fd, ping, sizeof(ping) - 1) != (ssize_t)sizeof(ping) - 1) {
		close(fd);
		return -EIO;
	}
	rd = redisReaderCreate();
	if (!rd) {
		close(fd);
		return -ENOMEM;
	}
	while (!reply && vtax_now_s() < deadline) {
		char buf[256];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0) {
			ret = n == 0 ? -ECONNRESET : -errno;
			break;
		}
		if (redisReaderFeed(rd, buf, n) != REDIS_OK || redisReaderGetReply(rd, &reply) != REDIS_OK)
			break;
	}
	if (reply) {
		const redisReply *r = reply;

		ret = (r->type == REDIS_REPLY_STATUS && r->len == 4 && memcmp(r->str, "PONG", 4) == 0) ? 0 : -EPROTO;
		freeReplyObject(reply);
	}
	redisReaderFree(rd);
	close(fd);
	return ret;
}

/* A full login as vtax into database vtax: the server is ready for oltp. */
int vtax_env__ping_mariadb(const char *host, int port, double timeout_s)
{
	unsigned int to = timeout_s < 1 ? 1 : (unsigned int)timeout_s;
	MYSQL *m = mysql_init(NULL);
	int ret = 0;

	if (!m)
		return -ENOMEM;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &to);
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &to);
	if (!mysql_real_connect(m, host, VTAX_ENV_DB_USER, VTAX_ENV_DB_PASSWORD, VTAX_ENV_DB_NAME, port, NULL, 0))
		ret = -ECONNREFUSED;
	else if (mysql_query(m, "SELECT 1"))
		ret = -EPROTO;
	else
		mysql_free_result(mysql_store_result(m));
	mysql_close(m);
	return ret;
}

int vtax_env__wait_server(struct vtax_env *e, const char *host, int port, double deadline, pid_t watch, char *err,
			  size_t errlen)
{
	int r = -ETIMEDOUT;

	while (vtax_now_s() < deadline) {
		if (vtax_env__stopped(e)) {
			snprintf(err, errlen, "interrupted while waiting for the server");
			return -EINTR;
		}
		if (watch > 0 && kill(watch, 0) && errno == ESRCH) {
			snprintf(err, errlen, "server process %d exited before answering", (int)watch);
			return -ECHILD;
		}
		if (watch > 0) {
			int st;

			if (waitpid(watch, &st, WNOHANG) == watch) {
				snprintf(err, errlen, "server process %d exited (status %d) before answering",
					 (int)watch, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				if (watch == e->priv.child)
					e->priv.child = 0;
				return -ECHILD;
			}
		}
		if (e->server == VTAX_SERVER_MARIADB)
			r = vtax_env__ping_mariadb(host, port, 1.0);
		else
			r = vtax_env__ping_redis(host, port, 1.0);
		if (r == 0)
			return 0;
		usleep(100000);
	}
	snprintf(err, errlen, "%s at %s:%d did not answer in time (%s)", vtax_env_server__name(e->server), host, port,
		 strerror(-r));
	return -ETIMEDOUT;
}

/*
 * The server's namespaces and cgroups: on v1 the directory in the cpu
 * hierarchy (where CFS bandwidth and cpuacct live), on v2 the unified one;
 * found from /proc/PID/cgroup and mountinfo by cgroup.c, so any driver
 * (cgroupfs or systemd) and any nesting work.
 */
void vtax_env__fill_identity(struct vtax_env *e, pid_t pid)
{
	int is_v2 = 0;
	char mnt[512];

	e->netns_ino = vtax_proc__ns_ino(pid, "net");
	e->mntns_ino = vtax_proc__ns_ino(pid, "mnt");
	if (vtax_cgroup__of_pid(pid, "cpu", e->cgroup_path, sizeof(e->cgroup_path)))
		e->cgroup_path[0] = 0;
	/* the unified hierarchy, when one is mounted (pure v2 or hybrid) */
	if (vtax_cgroup__mount(NULL, mnt, sizeof(mnt), &is_v2) || !is_v2 ||
	    vtax_cgroup__of_pid(pid, NULL, e->cgroup2_path, sizeof(e->cgroup2_path)))
		e->cgroup2_path[0] = 0;
}

static void env_init(const struct vtax_env_opts *o, struct vtax_env *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = o->kind;
	e->server = o->server;
	snprintf(e->name, sizeof(e->name), "%s", vtax_env_kind__name(o->kind));
	e->priv.verbose = o->verbose;
	e->priv.stop = o->stop;
	e->priv.cmd_fd = -1;
	snprintf(e->priv.workdir, sizeof(e->priv.workdir), "%s", o->workdir ? o->workdir : "");
	if (o->server == VTAX_SERVER_MARIADB) {
		snprintf(e->db_user, sizeof(e->db_user), VTAX_ENV_DB_USER);
		snprintf(e->db_password, sizeof(e->db_password), VTAX_ENV_DB_PASSWORD);
		snprintf(e->db_name, sizeof(e->db_name), VTAX_ENV_DB_NAME);
	}
}

int vtax_env__setup(const struct vtax_env_opts *uo, struct vtax_env *e, char *err, size_t errlen)
{
	struct vtax_env_opts o = { 0 };
	double deadline;
	int ret;
	char dummy[8];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = 0;
	if (!uo || !e)
		return -EINVAL;
	/* Accept older/shorter opts structs: copy what the caller knows. */
	memcpy(&o, uo, uo->sz && uo->sz < sizeof(o) ? uo->sz : sizeof(o));
	if ((unsigned)o.kind >= VTAX_ENV__COUNT) {
		snprintf(err, errlen, "unknown environment kind %d", (int)o.kind);
		return -EINVAL;
	}
	if (!o.workdir || !*o.workdir) {
		snprintf(err, errlen, "no work directory given");
		return -EINVAL;
	}
	if (strlen(o.workdir) > 300) {
		snprintf(err, errlen, "work directory path too long");
		return -ENAMETOOLONG;
	}
	if (o.overlay_layers <= 0)
		o.overlay_layers = 1;
	if (o.overlay_layers > VTAX_ENV_MAX_IMAGES - 2) {
		snprintf(err, errlen, "at most %d overlay layers", VTAX_ENV_MAX_IMAGES - 2);
		return -EINVAL;
	}
	if (o.timeout_s <= 0)
		/* a TCG guest unpacking MariaDB (~50 MB of initramfs) and starting
		 * InnoDB takes minutes on a busy 2-core host */
		o.timeout_s = o.kind != VTAX_ENV_VM ? 60 : o.server == VTAX_SERVER_MARIADB ? 300 : 120;
	env_init(&o, e);
	snprintf(e->priv.dir, sizeof(e->priv.dir), "%s/env-%s", o.workdir, e->name);
	vtax_state__add("path", e->priv.dir, NULL);
	ret = vtax_env__mkdirp(e->priv.dir, 0700);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", e->priv.dir, strerror(-ret));
		vtax_state__done("path", e->priv.dir);
		e->priv.dir[0] = 0;
		return ret;
	}
	deadline = vtax_now_s() + o.timeout_s;
	switch (o.kind) {
	case VTAX_ENV_NATIVE:
		ret = vtax_env_native__setup(&o, e, deadline, err, errlen);
		break;
	case VTAX_ENV_VM:
		ret = vtax_env_vm__setup(&o, e, deadline, err, errlen);
		break;
	default:
		ret = vtax_env_docker__setup(&o, e, deadline, err, errlen);
		break;
	}
	if (ret == 0 && vtax_env__stopped(e)) {
		snprintf(err, errlen, "interrupted");
		ret = -EINTR;
	}
	if (ret) {
		if (ret == -EINTR) {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "set-up of %s interrupted (%s); removed what was created", e->name, why);
		} else if (!err[0]) {
			snprintf(err, errlen, "%s", strerror(-ret));
		}
		vtax_env__teardown(e);
		return ret;
	}
	vtax_env__log(e, "ready: %s at %s:%d, pid %d", vtax_env_server__name(e->server), e->server_host,
		      e->server_port, (int)e->server_pid);
	return 0;
}

int vtax_env__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s)
{
	struct vtax_run_opts ro = { .timeout_s = timeout_s, .verbose = e->priv.verbose };

	if (!argv || !argv[0])
		return -EINVAL;
	switch (e->kind) {
	case VTAX_ENV_NATIVE:
		return vtax_spawn__run(argv, out, outlen, &ro);
	case VTAX_ENV_VM:
		return vtax_env_vm__exec(e, argv, out, outlen, timeout_s);
	default:
		return vtax_env_docker__exec(e, argv, out, outlen, timeout_s);
	}
}

int vtax_env__teardown(struct vtax_env *e)
{
	int ret = 0, r;

	if (!e)
		return 0;
	/* Teardown must finish even when the stop flag is up. */
	e->priv.stop = NULL;
	if (e->priv.child > 0 && e->kind == VTAX_ENV_NATIVE) {
		vtax_env__stop_child(e->priv.child, 10);
		e->priv.child = 0;
	}
	if (e->kind == VTAX_ENV_VM) {
		r = vtax_env_vm__teardown(e);
		ret = ret ? ret : r;
	} else if (e->kind != VTAX_ENV_NATIVE) {
		r = vtax_env_docker__teardown(e);
		ret = ret ? ret : r;
	}
	if (e->priv.dir[0]) {
		r = vtax_env__rm_rf(e->priv.dir);
		if (!r)
			vtax_state__done("path", e->priv.dir);
		ret = ret ? ret : r;
		e->priv.dir[0] = 0;
	}
	e->server_pid = 0;
	e->vmm_pid = 0;
	return ret;
}

int vtax_env__cleanup_stale(char *report, size_t len)
{
	int n = 0, r;

	if (report && len)
		report[0] = 0;
	r = vtax_env_vm__cleanup_stale(report, len);
	if (r > 0)
		n += r;
	r = vtax_env_docker__cleanup_stale(report, len);
	if (r < 0 && n == 0)
		return r;
	if (r > 0)
		n += r;
	return n;
}
