// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 50-envctl.c - drives src/env*.c against the real servers, Docker and
 * QEMU: set-up, a raw TCP PING to the server, exec inside the environment
 * (mountinfo: overlay depth vs volume; the copied vtax binary runs), the
 * identity handed to the tracer (PID, netns/mntns, cgroup), teardown, and
 * that nothing of ours remains (containers, networks, volumes, images,
 * bridges, taps, files).
 *
 * Without VTAX_TEST_ENV it skips (so a plain `prove` of the unit tests stays fast);
 * tests/integration/50-env-*.t run it per environment:
 *   VTAX_TEST_ENV=native|docker-nat|docker-host|docker-overlay|docker-volume|vm
 *   VTAX_TEST_SERVER=redis|mariadb|none   (default redis)
 *   VTAX_TEST_LAYERS=N                    (docker-overlay depth, default 3)
 *   VTAX_TEST_MODE=interrupt              expect SIGTERM during set-up: setup
 *                                         must return -EINTR having removed
 *                                         everything.
 */
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tap.h"
#include "env/env.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Independent of env.c's checker: a plain inline PING over a socket. */
static int raw_ping(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 3 };
	char buf[64] = "";
	int fd, ok = 0;
	ssize_t n;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "PING\r\n", 6) == 6) {
		n = read(fd, buf, sizeof(buf) - 1);
		ok = n >= 5 && strncmp(buf, "+PONG", 5) == 0;
	}
	close(fd);
	return ok;
}

/* The MySQL protocol greeting: protocol version 10 in the first packet. */
static int raw_mysql_greeting(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 3 };
	unsigned char buf[128];
	int fd, ok = 0;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		ok = read(fd, buf, sizeof(buf)) > 5 && buf[4] == 10;
	close(fd);
	return ok;
}

static int run(char *const argv[], char *out, size_t len)
{
	struct vtax_run_opts ro = { .timeout_s = 30 };

	return vtax_spawn__run(argv, out, len, &ro);
}

/* Lines a docker listing prints for objects of this process. */
static pid_t owner; /* whose objects docker_count counts: us, or a killed run */

static int docker_count(const char *what)
{
	char filt[64], out[8192] = "";
	int n = 0;

	snprintf(filt, sizeof(filt), "label=vtax.pid=%d", (int)owner);
	if (strcmp(what, "ps") == 0) {
		char *a[] = { "docker", "ps", "-aq", "--filter", filt, NULL };
		run(a, out, sizeof(out));
	} else if (strcmp(what, "images") == 0) {
		char *a[] = { "docker", "images", "-q", "--filter", filt, NULL };
		run(a, out, sizeof(out));
	} else {
		char *a[] = { "docker", (char *)what, "ls", "-q", "--filter", filt, NULL };
		run(a, out, sizeof(out));
	}
	for (char *p = out; *p; p++)
		n += *p == '\n';
	return n;
}

static int docker_up(void)
{
	char out[64] = "";
	char *a[] = { "docker", "info", "--format", "{{.ServerVersion}}", NULL };

	return run(a, out, sizeof(out)) == 0 && out[0] && out[0] != '\n';
}

/*
 * The mount that holds path in a mountinfo dump: longest matching mount
 * point.  Returns its fs type and super options.
 */
static int mount_of(const char *mi, const char *path, char *fstype, size_t fl, char *sopts, size_t sl)
{
	char *copy = strdup(mi), *save = NULL;
	size_t best = 0;
	int found = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mp[512], *sep = strstr(line, " - ");
		char t[64], src[512], so[4096];
		size_t ml;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
			continue;
		if (sscanf(sep + 3, "%63s %511s %4095s", t, src, so) != 3)
			continue;
		ml = strlen(mp);
		if (strncmp(path, mp, ml) || (path[ml] && path[ml] != '/' && strcmp(mp, "/")))
			continue;
		if (ml >= best) {
			best = ml;
			snprintf(fstype, fl, "%s", t);
			snprintf(sopts, sl, "%s", so);
			found = 1;
		}
	}
	free(copy);
	return found;
}

static int count_lowerdirs(const char *so)
{
	const char *p = strstr(so, "lowerdir=");
	int n = 0;

	if (!p)
		return 0;
	p += 9;
	n = 1;
	for (; *p && *p != ','; p++)
		n += *p == ':';
	return n;
}

static int pid_in_cgroup(const char *dir, pid_t pid)
{
	char path[600], line[64];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (atoi(line) == pid)
			found = 1;
	fclose(f);
	return found;
}

/* The dockerd this test started: stopped unless another run now uses it. */
static void stop_test_dockerd(pid_t pid)
{
	if (pid > 0 && !vtax_env_docker__daemon_in_use())
		vtax_env__stop_child(pid, 30);
}

static int link_exists(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/class/net/%s", name);
	return name[0] && access(p, F_OK) == 0;
}

int main(void)
{
	const char *kind_s = getenv("VTAX_TEST_ENV"), *srv_s = getenv("VTAX_TEST_SERVER");
	const char *mode = getenv("VTAX_TEST_MODE"), *layers_s = getenv("VTAX_TEST_LAYERS");
	const char *dockerd_mode = getenv("VTAX_TEST_DOCKERD");
	pid_t test_dockerd = 0;
	int was_up = 0;
	struct vtax_env_opts o = { .sz = sizeof(o), .stop = &stop_flag, .verbose = 1 };
	struct vtax_env e;
	char wd[] = "/tmp/vtax-envtest-XXXXXX", err[1024] = "", envdir[600], bridge[16], tap[16];
	int r, interrupt = mode && strcmp(mode, "interrupt") == 0, is_docker;
	struct sigaction sa = { .sa_handler = on_signal };

	if (!kind_s || !*kind_s) {
		printf("1..0 # SKIP VTAX_TEST_ENV not set (tests/integration/50-env-*.t set it)\n");
		return 0;
	}
	if (vtax_env_kind__parse(kind_s, &o.kind)) {
		printf("1..0 # SKIP unknown VTAX_TEST_ENV=%s\n", kind_s);
		return 0;
	}
	/* The binary runs itself inside the environment later: it must skip there. */
	unsetenv("VTAX_TEST_ENV");
	o.server = VTAX_SERVER_REDIS;
	if (srv_s && strcmp(srv_s, "mariadb") == 0)
		o.server = VTAX_SERVER_MARIADB;
	else if (srv_s && strcmp(srv_s, "none") == 0)
		o.server = VTAX_SERVER_NONE;
	o.overlay_layers = layers_s ? atoi(layers_s) : (o.kind == VTAX_ENV_DOCKER_OVERLAY ? 3 : 1);
	is_docker = o.kind != VTAX_ENV_NATIVE && o.kind != VTAX_ENV_VM;
	owner = getpid();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!mkdtemp(wd)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	o.workdir = wd;
	snprintf(envdir, sizeof(envdir), "%s/env-%s", wd, kind_s);
	tap_diag("environment %s, server %s, pid %d", kind_s, vtax_env_server__name(o.server), (int)getpid());
	fflush(stdout);
	/*
	 * Docker kinds: have a daemon up across teardown so that the leftover
	 * checks below really ask it, unless the test is about vtax starting
	 * (and stopping) dockerd itself (VTAX_TEST_DOCKERD=vtax).
	 */
	was_up = is_docker && docker_up();
	if (is_docker && !was_up && !(dockerd_mode && strcmp(dockerd_mode, "vtax") == 0)) {
		char *argv[] = { "dockerd", NULL };
		char log[700];

		snprintf(log, sizeof(log), "%s/test-dockerd.log", wd);
		test_dockerd = vtax_env__spawn(argv, log, SIGTERM);
		for (int i = 0; i < 150 && !docker_up(); i++)
			usleep(200000);
	}

	if (mode && strcmp(mode, "cleanup") == 0) {
		/*
		 * A run was SIGKILLed (VTAX_TEST_VICTIM=its pid): cleanup_stale must
		 * find and remove its containers/networks/volumes/images and links.
		 */
		char report[8192] = "", *vs = getenv("VTAX_TEST_VICTIM");

		owner = vs ? atoi(vs) : 0;
		{
			char path[64], st[256] = "";
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stat", (int)owner);
			f = fopen(path, "r");
			if (f) {
				if (!fgets(st, sizeof(st), f))
					st[0] = 0;
				fclose(f);
			}
			tap_ok(owner > 0 && (!f || strstr(st, ") Z ")), "the killed run (pid %d) is gone",
			       (int)owner);
		}
		r = vtax_env__cleanup_stale(report, sizeof(report));
		/*
		 * >= 0, not > 0: a concurrent `vtax compare` may have cleaned them
		 * first.  The checks below are what must hold.
		 */
		tap_ok(r >= 0, "cleanup_stale ran (removed %d leftover(s))", r);
		for (char *l = strtok(report, "\n"); l; l = strtok(NULL, "\n"))
			tap_diag("%s", l);
		if (is_docker) {
			tap_ok(docker_up(), "docker answers for the check");
			tap_ok(docker_count("ps") == 0, "no container of pid %d left", (int)owner);
			tap_ok(docker_count("network") == 0, "no network of pid %d left", (int)owner);
			tap_ok(docker_count("volume") == 0, "no volume of pid %d left", (int)owner);
			tap_ok(docker_count("images") == 0, "no image of pid %d left", (int)owner);
		} else {
			DIR *d = opendir("/sys/class/net");
			struct dirent *de;
			int links = 0;

			while (d && (de = readdir(d))) {
				char p[300];
				int carrier = 0;
				FILE *f;

				if (strncmp(de->d_name, "vtaxtap", 7))
					continue;
				snprintf(p, sizeof(p), "/sys/class/net/%s/carrier", de->d_name);
				f = fopen(p, "r");
				if (!f || fscanf(f, "%d", &carrier) != 1 || !carrier)
					links++;
				if (f)
					fclose(f);
			}
			if (d)
				closedir(d);
			tap_ok(links == 0, "no orphaned vtax tap left");
		}
		stop_test_dockerd(test_dockerd);
		vtax_env__rm_rf(wd);
		return tap_done();
	}
	r = vtax_env__setup(&o, &e, err, sizeof(err));
	if (r == 0 && mode && strcmp(mode, "hold") == 0) {
		/* Ready, then wait to be SIGKILLed by the test script (bounded). */
		printf("# holding pid %d workdir %s\n", (int)getpid(), wd);
		fflush(stdout);
		for (int i = 0; i < 600 && !stop_flag; i++)
			usleep(100000);
		vtax_env__teardown(&e);
		stop_test_dockerd(test_dockerd);
		vtax_env__rm_rf(wd);
		return 1;
	}
	if (interrupt) {
		if (r == 0) /* set-up won the race against the signal */
			vtax_env__teardown(&e);
		tap_ok(r == -EINTR, "SIGTERM during set-up aborts it (r=%d: %s)", r, err);
		tap_ok(access(envdir, F_OK) != 0, "set-up removed its work files");
		if (is_docker && docker_up()) {
			tap_ok(docker_count("ps") == 0, "no container of ours left");
			tap_ok(docker_count("network") == 0, "no network of ours left");
			tap_ok(docker_count("volume") == 0, "no volume of ours left");
			tap_ok(docker_count("images") == 0, "no image of ours left");
		}
		stop_test_dockerd(test_dockerd);
		vtax_env__rm_rf(wd);
		return tap_done();
	}
	tap_ok(r == 0, "set-up of %s (%s)", kind_s, r ? err : "ok");
	if (r) {
		stop_test_dockerd(test_dockerd);
		vtax_env__rm_rf(wd);
		return tap_done();
	}
	tap_ok(strcmp(e.name, kind_s) == 0, "name is %s", e.name);
	tap_diag("server %s:%d proxy %s:%d pid %d vmm %d cgroup '%s' netns %lu mntns %lu data %s label '%s'",
		 e.server_host, e.server_port, e.proxy_host, e.proxy_port, (int)e.server_pid, (int)e.vmm_pid,
		 e.cgroup_path, e.netns_ino, e.mntns_ino, e.data_dir, e.label);

	if (o.server == VTAX_SERVER_REDIS) {
		tap_ok(raw_ping(e.server_host, e.server_port), "redis answers PING at %s:%d", e.server_host,
		       e.server_port);
	} else if (o.server == VTAX_SERVER_MARIADB) {
		tap_ok(raw_mysql_greeting(e.server_host, e.server_port), "MariaDB greets at %s:%d", e.server_host,
		       e.server_port);
		tap_ok(vtax_env__ping_mariadb(e.server_host, e.server_port, 5) == 0, "user %s logs in to %s",
		       e.db_user, e.db_name);
	}
	if (o.kind == VTAX_ENV_DOCKER_NAT) {
		struct in_addr a;

		inet_pton(AF_INET, e.server_host, &a);
		tap_ok((ntohl(a.s_addr) & 0xfffe0000) == 0xc6120000, "server_host %s is in 198.18.0.0/15",
		       e.server_host);
		tap_ok(strcmp(e.proxy_host, "127.0.0.1") == 0 && e.proxy_port > 0,
		       "a docker-proxy port on 127.0.0.1:%d", e.proxy_port);
		if (o.server == VTAX_SERVER_REDIS)
			tap_ok(raw_ping(e.proxy_host, e.proxy_port), "redis answers through docker-proxy");
	}

	{
		char p[64];
		struct stat st_net, st_mnt, self_net;

		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)e.server_pid);
		tap_ok(e.server_pid > 0 && stat(p, &st_net) == 0 && st_net.st_ino == e.netns_ino,
		       "netns inode %lu is the server's (pid %d)", e.netns_ino, (int)e.server_pid);
		snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)e.server_pid);
		tap_ok(stat(p, &st_mnt) == 0 && st_mnt.st_ino == e.mntns_ino, "mntns inode %lu is the server's",
		       e.mntns_ino);
		stat("/proc/self/ns/net", &self_net);
		if (o.kind == VTAX_ENV_DOCKER_NAT)
			tap_ok(e.netns_ino != self_net.st_ino, "docker-nat server is in its own netns");
		else
			tap_ok(e.netns_ino == self_net.st_ino, "server shares the host netns");
	}
	if (is_docker) {
		tap_ok(e.cgroup_path[0] && access(e.cgroup_path, F_OK) == 0, "cgroup dir %s exists", e.cgroup_path);
		tap_ok(pid_in_cgroup(e.cgroup_path, e.server_pid), "server pid %d is in that cgroup",
		       (int)e.server_pid);
		tap_ok(e.container_id[0] && strstr(e.cgroup_path, e.container_id) != NULL,
		       "cgroup path names the container id");
	} else {
		tap_ok(e.cgroup_path[0] == 0, "no container cgroup for %s", kind_s);
	}
	if (o.kind == VTAX_ENV_VM) {
		char comm[64] = "", p[64];
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%d/comm", (int)e.vmm_pid);
		f = fopen(p, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		tap_ok(e.vmm_pid > 0 && e.vmm_pid == e.server_pid && strncmp(comm, "qemu", 4) == 0,
		       "server_pid is the VMM (%s)", comm);
		tap_ok(!e.emulated || strstr(e.label, "not representative"), "TCG is labelled (%s)", e.label);
	}

	/* exec: where does the data directory live? */
	{
		static char mi[65536];
		char *cat_bb[] = { "/bin/busybox", "cat", "/proc/self/mountinfo", NULL };
		char *cat_n[] = { "cat", "/proc/self/mountinfo", NULL };
		char fstype[64] = "", so[4096] = "";

		r = vtax_env__exec(&e, o.kind == VTAX_ENV_NATIVE ? cat_n : cat_bb, mi, sizeof(mi), 30);
		tap_ok(r == 0 && strstr(mi, " - "), "exec cat /proc/self/mountinfo inside (r=%d)", r);
		mount_of(mi, e.data_dir, fstype, sizeof(fstype), so, sizeof(so));
		tap_diag("data dir %s is on %s", e.data_dir, fstype);
		if (o.kind == VTAX_ENV_DOCKER_VOLUME) {
			tap_ok(fstype[0] && strcmp(fstype, "overlay"), "data dir is on a volume (%s), not overlay",
			       fstype);
		} else if (is_docker) {
			int depth = count_lowerdirs(so);

			tap_ok(strcmp(fstype, "overlay") == 0, "data dir is on the container's overlay");
			/* Docker adds one "-init" layer under the container's upper dir. */
			tap_ok(depth == o.overlay_layers + 1, "overlay has %d lower dirs = %d image layers + init",
			       depth, o.overlay_layers);
		} else if (o.kind == VTAX_ENV_VM) {
			tap_ok(strcmp(fstype, "ext4") == 0, "guest data dir is ext4 on virtio-blk (%s)", fstype);
		}
	}
	{
		char out[4096] = "";
		char *argv[] = { e.vtax_path, NULL };

		/* The copied binary (this test) runs inside: no env var, so it skips. */
		r = vtax_env__exec(&e, argv, out, sizeof(out), 60);
		tap_ok(r == 0 && strstr(out, "1..0 # SKIP"), "the vtax binary runs inside (%s, r=%d)", e.vtax_path, r);
	}

	{
		/* A command that outlives its timeout is stopped, and the channel stays usable. */
		char *slow_bb[] = { "/bin/busybox", "sleep", "5", NULL };
		char *slow_n[] = { "sleep", "5", NULL };
		char *quick_bb[] = { "/bin/busybox", "echo", "still-here", NULL };
		char *quick_n[] = { "echo", "still-here", NULL };
		char out[256] = "";
		double t0 = vtax_now_s(), dt;

		r = vtax_env__exec(&e, o.kind == VTAX_ENV_NATIVE ? slow_n : slow_bb, out, sizeof(out), 1);
		dt = vtax_now_s() - t0;
		tap_ok(r != 0 && dt < 4.5, "a 5 s command with a 1 s timeout is stopped (r=%d after %.1f s)", r, dt);
		r = vtax_env__exec(&e, o.kind == VTAX_ENV_NATIVE ? quick_n : quick_bb, out, sizeof(out), 10);
		tap_ok(r == 0 && strncmp(out, "still-here", 10) == 0, "the next command runs normally (r=%d)", r);
	}

	snprintf(bridge, sizeof(bridge), "%s", e.priv.bridge);
	snprintf(tap, sizeof(tap), "%s", e.priv.tap);
	{
		pid_t spid = e.server_pid;

		r = vtax_env__teardown(&e);
		tap_ok(r == 0, "teardown (r=%d)", r);
		tap_ok(spid <= 0 || kill(spid, 0) != 0, "server process %d is gone", (int)spid);
	}
	tap_ok(vtax_env__teardown(&e) == 0, "teardown is idempotent");
	tap_ok(access(envdir, F_OK) != 0, "work files removed");
	if (is_docker && dockerd_mode && strcmp(dockerd_mode, "vtax") == 0) {
		/* vtax stops dockerd at teardown only if it started it. */
		tap_ok(docker_up() == was_up, "dockerd is %s as before set-up", was_up ? "up" : "down");
	} else if (is_docker) {
		tap_ok(docker_count("ps") == 0, "no container labelled vtax.pid=%d", (int)getpid());
		tap_ok(docker_count("network") == 0, "no network of ours");
		tap_ok(docker_count("volume") == 0, "no volume of ours");
		tap_ok(docker_count("images") == 0, "no image of ours");
	}
	if (o.kind == VTAX_ENV_VM) {
		tap_ok(bridge[0] && !link_exists(bridge), "bridge %s removed", bridge);
		tap_ok(tap[0] && !link_exists(tap), "tap %s removed", tap);
	}
	stop_test_dockerd(test_dockerd);
	vtax_env__rm_rf(wd);
	return tap_done();
}
