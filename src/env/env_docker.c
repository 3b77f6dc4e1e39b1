// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env_docker.c - the four Docker environments.  The docker CLI is run with
 * argv arrays (fork/execvp, never a shell); images are built offline.
 *
 *   docker-nat      container on vtax's own bridge network
 *                   (198.18.X.0/24, `vtax-net-<pid>`), port published twice:
 *                   on the network's gateway (a host address: the client's
 *                   packets take OUTPUT DNAT -> bridge -> veth, no proxy) and
 *                   on 127.0.0.1 (served by docker-proxy: proxy_host/port).
 *                   Data on the container's own layer (Docker's default).
 *   docker-host     --net=host, server on 127.0.0.1:<free port>, data on the
 *                   container's own layer.
 *   docker-overlay  as docker-host, on an image of N layers (import + N-1
 *                   `docker commit`s that each add a file), data on the
 *                   container's own (upper) layer.
 *   docker-volume   as docker-host, data on a named volume.
 *
 * So nat vs host differ only in networking, host vs volume only in
 * storage, overlay(N) vs host only in layer depth.
 *
 * Everything created carries the labels vtax=1 and vtax.pid=<creator>;
 * teardown removes by name, cleanup_stale by label (skipping objects whose
 * creator is still alive).  If dockerd is not running, it is started
 * (systemctl when systemd runs, else dockerd in the background) and stopped
 * again at teardown, only if vtax started it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

#include "env/env.h"
#include "env/server.h"
#include "util/state.h"

#define DOCKER_MAX_ARGS 64
/* A typed sentinel for docker()'s argument list (a bare NULL may be an int). */
#define DOCKER_END ((char *)NULL)

/* docker <args...>, NULL-terminated; exit status or -errno. */
static int docker(struct vtax_env *e, char *out, size_t outlen, char *errbuf, size_t errlen, double timeout_s, ...)
{
	char *argv[DOCKER_MAX_ARGS];
	/*
	 * Not interrupted by the stop flag: a killed CLI leaves its request
	 * running in the daemon, which could then create an object after
	 * teardown looked for it.  Each call is bounded; the flag is checked
	 * once it returns.
	 */
	struct vtax_run_opts ro = {
		.timeout_s = timeout_s,
		.verbose = e ? e->priv.verbose : 0,
		.err = errbuf,
		.errlen = errlen,
	};
	va_list ap;
	int n = 0, r;

	argv[n++] = "docker";
	va_start(ap, timeout_s);
	while (n < DOCKER_MAX_ARGS - 1) {
		char *a = va_arg(ap, char *);

		if (!a)
			break;
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	r = vtax_spawn__run(argv, out, outlen, &ro);
	return e && vtax_env__stopped(e) ? -EINTR : r;
}

static int docker_argv(struct vtax_env *e, char **argv, char *out, size_t outlen, char *errbuf, size_t errlen,
		       double timeout_s)
{
	struct vtax_run_opts ro = {
		.timeout_s = timeout_s,
		.verbose = e->priv.verbose,
		.err = errbuf,
		.errlen = errlen,
	};
	int r = vtax_spawn__run(argv, out, outlen, &ro);

	/* As docker(): see there why the CLI is not killed on stop. */
	return vtax_env__stopped(e) ? -EINTR : r;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = 0;
}

static double left(double deadline)
{
	double l = deadline - vtax_now_s();

	return l > 0.05 ? l : 0.05;
}

static int daemon_up(void)
{
	char out[128];

	return docker(NULL, out, sizeof(out), NULL, 0, 10, "info", "--format", "{{.ServerVersion}}", DOCKER_END) == 0 &&
	       out[0] && out[0] != '\n';
}

/*
 * Make sure a daemon answers.  A dockerd started here is stopped at
 * teardown unless someone else has come to use it meanwhile (another vtax
 * run, a user's container): it is a shared system daemon, so it gets no
 * PDEATHSIG either, and a run killed without teardown leaves it running.
 */
static int docker_ensure_daemon(struct vtax_env *e, double deadline, char *err, size_t errlen)
{
	char log[600];

	const char *host = getenv("DOCKER_HOST");

	if (!vtax_spawn__have("docker")) {
		snprintf(err, errlen, "docker is not installed");
		return -ENOENT;
	}
	if (daemon_up())
		return 0;
	/* a daemon started here listens on the default socket: it cannot be
	 * the one DOCKER_HOST names, so do not start one and wait in vain */
	if (host && *host && strcmp(host, "unix:///var/run/docker.sock") &&
	    strcmp(host, "unix:///run/docker.sock")) {
		snprintf(err, errlen, "Docker at %s is not answering", host);
		return -ECONNREFUSED;
	}
	if (access("/run/systemd/system", F_OK) == 0) {
		char *argv[] = { "systemctl", "start", "docker", NULL };
		struct vtax_run_opts ro = { .timeout_s = left(deadline), .stop = e->priv.stop, .verbose = e->priv.verbose };

		vtax_env__log(e, "starting docker with systemctl");
		if (vtax_spawn__run(argv, NULL, 0, &ro) == 0 && daemon_up())
			return 0;
	}
	snprintf(log, sizeof(log), "%s/dockerd.log", e->priv.dir[0] ? e->priv.dir : "/tmp");
	{
		char *argv[] = { "dockerd", NULL };

		vtax_env__log(e, "starting dockerd (log %s)", log);
		e->priv.dockerd_pid = vtax_env__spawn(argv, log, 0);
	}
	if (e->priv.dockerd_pid < 0) {
		int r = e->priv.dockerd_pid;

		e->priv.dockerd_pid = 0;
		snprintf(err, errlen, "docker is not running and dockerd cannot be started: %s", strerror(-r));
		return r;
	}
	while (vtax_now_s() < deadline) {
		if (vtax_env__stopped(e)) {
			snprintf(err, errlen, "interrupted while starting dockerd");
			return -EINTR;
		}
		if (kill(e->priv.dockerd_pid, 0)) {
			snprintf(err, errlen, "dockerd exited at start (see %s)", log);
			return -ECHILD;
		}
		if (daemon_up())
			return 0;
		usleep(200000);
	}
	snprintf(err, errlen, "dockerd did not answer in time");
	return -ETIMEDOUT;
}

static void add_image(struct vtax_env *e, const char *ref)
{
	if (e->priv.nimages < VTAX_ENV_MAX_IMAGES)
		snprintf(e->priv.images[e->priv.nimages++], sizeof(e->priv.images[0]), "%s", ref);
	vtax_state__add("docker-image", ref, (char *[]){ "docker", "rmi", "-f", (char *)ref, NULL });
}

/* Recorded in the run's state file before the call that creates it (a
 * timed-out CLI may still have created it); "done" once removal succeeded. */
static void record(const char *kind, const char *id, char *const undo[])
{
	vtax_state__add(kind, id, undo);
}

static void removed(int r, const char *msg, const char *kind, const char *id)
{
	if (r == 0 || (msg && strstr(msg, "No such")))
		vtax_state__done(kind, id);
}

/* The rootfs -> `docker import` -> (N-1) commits, each adding a layer. */
static int docker_build_image(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *ref,
			      size_t reflen, char *err, size_t errlen)
{
	char root[600], tarf[600], lbl_pid[64], base[96], msg[1024] = "";
	struct vtax_rootfs *r;
	int ret;

	snprintf(root, sizeof(root), "%s/rootfs", e->priv.dir);
	r = vtax_rootfs__new_workload(root, o->server, o->vtax_exe, &ret);
	if (!r) {
		snprintf(err, errlen, "cannot assemble the image's root filesystem: %s", strerror(-ret));
		return ret;
	}
	if (o->server == VTAX_SERVER_MARIADB) {
		char seed[700];

		/* Initialised on the host; copied to /data when the container starts. */
		snprintf(seed, sizeof(seed), "%s/seed", root);
		ret = vtax_env_native__mariadb_seed(e, seed, deadline, err, errlen);
		if (ret) {
			vtax_rootfs__free(r);
			return ret;
		}
	}
	snprintf(base, sizeof(base), "vtax-%s:%012llx-%d", vtax_env_server__name(o->server),
		 vtax_rootfs__hash(r) & 0xffffffffffffULL, (int)getpid());
	vtax_rootfs__free(r);

	snprintf(tarf, sizeof(tarf), "%s/rootfs.tar", e->priv.dir);
	{
		char *argv[] = { "tar", "-C", root, "-cf", tarf, ".", NULL };
		struct vtax_run_opts ro = { .timeout_s = left(deadline), .stop = e->priv.stop,
					    .verbose = e->priv.verbose, .err = msg, .errlen = sizeof(msg) };

		ret = vtax_spawn__run(argv, NULL, 0, &ro);
	}
	vtax_env__rm_rf(root);
	if (ret) {
		snprintf(err, errlen, "tar of the root filesystem failed (%d): %.200s", ret, msg);
		return ret < 0 ? ret : -EIO;
	}
	snprintf(lbl_pid, sizeof(lbl_pid), "LABEL vtax.pid=%d", (int)getpid());
	/* Recorded before the call: a timed-out import may still have created it. */
	add_image(e, base);
	ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "import", "--change", "LABEL vtax=1", "--change",
		     lbl_pid, "--change", "ENV PATH=/usr/sbin:/usr/bin:/bin", "--change", "WORKDIR /data", tarf, base,
		     DOCKER_END);
	unlink(tarf);
	if (ret) {
		snprintf(err, errlen, "docker import failed (%d): %.300s", ret, msg);
		return ret < 0 ? ret : -EIO;
	}
	snprintf(ref, reflen, "%s", base);

	for (int i = 2; i <= o->overlay_layers; i++) {
		char file[600], dst[96], tag[96];

		snprintf(e->priv.tmp_container, sizeof(e->priv.tmp_container), "vtax-layer-%d-%d", (int)getpid(), i);
		record("docker-container", e->priv.tmp_container,
		       (char *[]){ "docker", "rm", "-f", e->priv.tmp_container, NULL });
		snprintf(file, sizeof(file), "%s/layer-%d", e->priv.dir, i);
		snprintf(dst, sizeof(dst), "%s:/.vtax-layer-%d", e->priv.tmp_container, i);
		snprintf(tag, sizeof(tag), "%.80s-l%d", base, i);
		{
			FILE *f = fopen(file, "we");

			if (!f)
				return -errno;
			fprintf(f, "vtax image layer %d\n", i);
			fclose(f);
		}
		ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "create", "--label", "vtax=1", "--label",
			     lbl_pid + 6, "--name", e->priv.tmp_container, ref, "/bin/busybox", "true", DOCKER_END);
		if (!ret)
			ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "cp", file, dst, DOCKER_END);
		if (!ret) {
			add_image(e, tag);
			ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "commit",
				     e->priv.tmp_container, tag, DOCKER_END);
		}
		if (ret) {
			snprintf(err, errlen, "building image layer %d failed (%d): %.300s", i, ret, msg);
			return ret < 0 ? ret : -EIO;
		}
		ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "rm", "-f", e->priv.tmp_container, DOCKER_END);
		removed(ret, msg, "docker-container", e->priv.tmp_container);
		e->priv.tmp_container[0] = 0;
		unlink(file);
		snprintf(ref, reflen, "%s", tag);
	}
	e->overlay_layers = o->overlay_layers;
	return 0;
}

/* vtax's own bridge network in 198.18.0.0/15, on a /24 nobody uses. */
static int docker_make_network(struct vtax_env *e, double deadline, char *gw, size_t gwlen, char *err, size_t errlen)
{
	char name[64], lbl_pid[64], msg[1024] = "", addrs[16384] = "";
	char *ip[] = { "ip", "-4", "-o", "addr", "show", NULL };
	struct vtax_run_opts ro = { .timeout_s = 5 };
	int ret = -EADDRINUSE;

	vtax_spawn__run(ip, addrs, sizeof(addrs), &ro);
	snprintf(name, sizeof(name), "vtax-net-%d", (int)getpid());
	snprintf(lbl_pid, sizeof(lbl_pid), "vtax.pid=%d", (int)getpid());
	for (int t = 0; t < 32; t++) {
		int x = 16 + ((int)getpid() + t * 7) % 224;
		char subnet[32], gateway[32], probe[32];

		snprintf(subnet, sizeof(subnet), "198.18.%d.0/24", x);
		snprintf(gateway, sizeof(gateway), "198.18.%d.1", x);
		snprintf(probe, sizeof(probe), " 198.18.%d.", x);
		if (strstr(addrs, probe))
			continue;
		snprintf(e->priv.network, sizeof(e->priv.network), "%s", name);
		record("docker-network", name, (char *[]){ "docker", "network", "rm", (char *)name, NULL });
		ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "network", "create", "--driver", "bridge",
			     "--subnet", subnet, "--gateway", gateway, "--label", "vtax=1", "--label", lbl_pid, name,
			     DOCKER_END);
		if (ret == 0) {
			snprintf(gw, gwlen, "%s", gateway);
			return 0;
		}
		if (ret < 0)
			break; /* interrupted or timed out: it may exist, teardown removes it */
		e->priv.network[0] = 0;
		if (!(strstr(msg, "overlap") || strstr(msg, "in use")))
			break;
	}
	snprintf(err, errlen, "docker network create failed (%d): %.300s", ret, msg);
	return ret < 0 ? ret : -EIO;
}

/* Host ports Docker chose for "<port>/tcp", by host address (jansson). */
static int docker_ports(struct vtax_env *e, int cport, const char *gw, int *gw_port, int *lo_port,
			const char *remote, int *remote_port, double deadline)
{
	char out[4096], key[32];
	json_t *root, *arr, *b;
	json_error_t je;
	size_t i;
	int ret;

	ret = docker(e, out, sizeof(out), NULL, 0, left(deadline), "inspect", "-f", "{{json .NetworkSettings.Ports}}",
		     e->container_name, DOCKER_END);
	if (ret)
		return ret < 0 ? ret : -EIO;
	root = json_loads(out, 0, &je);
	if (!root)
		return -EPROTO;
	snprintf(key, sizeof(key), "%d/tcp", cport);
	arr = json_object_get(root, key);
	json_array_foreach(arr, i, b)
	{
		const char *hip = json_string_value(json_object_get(b, "HostIp"));
		const char *hp = json_string_value(json_object_get(b, "HostPort"));

		if (!hip || !hp)
			continue;
		if (strcmp(hip, gw) == 0)
			*gw_port = atoi(hp);
		else if (strcmp(hip, "127.0.0.1") == 0)
			*lo_port = atoi(hp);
		else if (remote && strcmp(hip, remote) == 0)
			*remote_port = atoi(hp);
	}
	json_decref(root);
	return *gw_port > 0 && *lo_port > 0 && (!remote || *remote_port > 0) ? 0 : -ENOENT;
}

int vtax_env_docker__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err,
			   size_t errlen)
{
	char image[96], gw[32] = "", pub_lo[64], pub_gw[64], pub_rm[64], lbl_pid[64], vol[128], net[80], out[256];
	struct vtax_server_conf sc = { 0 };
	struct vtax_server_argv sa;
	char cmd[1536], msg[1024];
	char *argv[DOCKER_MAX_ARGS];
	int n = 0, ret, nat = o->kind == VTAX_ENV_DOCKER_NAT, cport;

	ret = docker_ensure_daemon(e, deadline, err, errlen);
	if (ret)
		return ret;
	ret = docker_build_image(o, e, deadline, image, sizeof(image), err, errlen);
	if (ret)
		return ret;
	snprintf(lbl_pid, sizeof(lbl_pid), "vtax.pid=%d", (int)getpid());
	snprintf(e->data_dir, sizeof(e->data_dir), "/data");
	snprintf(e->vtax_path, sizeof(e->vtax_path), "/usr/bin/vtax");
	if (nat) {
		ret = docker_make_network(e, deadline, gw, sizeof(gw), err, errlen);
		if (ret)
			return ret;
		cport = o->server == VTAX_SERVER_MARIADB ? 3306 : 6379;
	} else {
		cport = vtax_env__free_port();
		if (cport < 0)
			return cport;
	}
	if (o->kind == VTAX_ENV_DOCKER_VOLUME) {
		snprintf(e->priv.volume, sizeof(e->priv.volume), "vtax-vol-%d", (int)getpid());
		record("docker-volume", e->priv.volume, (char *[]){ "docker", "volume", "rm", "-f", e->priv.volume, NULL });
		ret = docker(e, NULL, 0, msg, sizeof(msg), left(deadline), "volume", "create", "--label", "vtax=1",
			     "--label", lbl_pid, e->priv.volume, DOCKER_END);
		if (ret) {
			snprintf(err, errlen, "docker volume create failed (%d): %.300s", ret, msg);
			if (ret > 0)
				e->priv.volume[0] = 0;
			return ret < 0 ? ret : -EIO;
		}
	}

	snprintf(e->container_name, sizeof(e->container_name), "vtax-%s-%d", e->name, (int)getpid());
	argv[n++] = "docker";
	argv[n++] = "run";
	argv[n++] = "-d";
	argv[n++] = "--label";
	argv[n++] = "vtax=1";
	argv[n++] = "--label";
	argv[n++] = lbl_pid;
	argv[n++] = "--name";
	argv[n++] = e->container_name;
	if (nat) {
		snprintf(net, sizeof(net), "--network=%s", e->priv.network);
		snprintf(pub_lo, sizeof(pub_lo), "127.0.0.1::%d", cport);
		snprintf(pub_gw, sizeof(pub_gw), "%s::%d", gw, cport);
		argv[n++] = net;
		argv[n++] = "-p";
		argv[n++] = pub_lo;
		argv[n++] = "-p";
		argv[n++] = pub_gw;
		if (o->client_addr) {
			/* the remote client's way in: PREROUTING DNAT, FORWARD, bridge */
			snprintf(pub_rm, sizeof(pub_rm), "%s::%d", o->client_addr, cport);
			argv[n++] = "-p";
			argv[n++] = pub_rm;
		}
	} else {
		argv[n++] = "--network=host";
	}
	if (e->priv.volume[0]) {
		snprintf(vol, sizeof(vol), "%s:/data", e->priv.volume);
		argv[n++] = "-v";
		argv[n++] = vol;
	}
	argv[n++] = image;
	/* the image's paths; a bridge network: every address of the container;
	 * host network: 127.0.0.1, and the remote client's side of the host */
	sc.port = cport;
	sc.data_dir = "/data";
	sc.run_dir = "/run";
	sc.share_dir = "/usr/share/mysql";
	sc.bind[0] = nat ? "0.0.0.0" : "127.0.0.1";
	sc.bind[1] = nat ? NULL : o->client_addr;
	if (o->server != VTAX_SERVER_NONE) {
		ret = vtax_server__argv(o->server, &sc, &sa);
		if (ret) {
			snprintf(err, errlen, "server command line: %s", strerror(-ret));
			return ret;
		}
	}
	if (o->server == VTAX_SERVER_REDIS) {
		for (int i = 0; sa.argv[i]; i++)
			argv[n++] = sa.argv[i];
	} else if (o->server == VTAX_SERVER_MARIADB) {
		char line[sizeof(cmd) - 64];

		/* exec keeps the server as the container's PID 1 (State.Pid). */
		ret = vtax_server__shell(&sa, line, sizeof(line));
		if (ret) {
			snprintf(err, errlen, "server command line: %s", strerror(-ret));
			return ret;
		}
		snprintf(cmd, sizeof(cmd), "cp -a /seed/. /data/ && exec %s", line);
		argv[n++] = "/bin/busybox";
		argv[n++] = "sh";
		argv[n++] = "-c";
		argv[n++] = cmd;
	} else {
		/* No server: a container that idles so that `exec` has somewhere to run. */
		argv[n++] = "/bin/busybox";
		argv[n++] = "sleep";
		argv[n++] = "2147483647";
	}
	argv[n] = NULL;
	e->priv.container_made = 1;
	record("docker-container", e->container_name,
	       (char *[]){ "docker", "rm", "-f", "-v", e->container_name, NULL });
	ret = docker_argv(e, argv, out, sizeof(out), msg, sizeof(msg), left(deadline));
	if (ret) {
		snprintf(err, errlen, "docker run failed (%d): %.300s", ret, msg);
		return ret < 0 ? ret : -EIO;
	}
	chomp(out);
	snprintf(e->container_id, sizeof(e->container_id), "%.70s", out);

	ret = docker(e, out, sizeof(out), msg, sizeof(msg), left(deadline), "inspect", "-f", "{{.State.Pid}}",
		     e->container_name, DOCKER_END);
	if (ret || atoi(out) <= 0) {
		snprintf(err, errlen, "cannot find the container's PID (%d): %.300s", ret, msg);
		return ret < 0 ? ret : -ESRCH;
	}
	e->server_pid = atoi(out);

	if (nat) {
		int gp = 0, lp = 0;

		ret = docker_ports(e, cport, gw, &gp, &lp, o->client_addr, &e->remote_port, deadline);
		if (ret) {
			snprintf(err, errlen, "cannot read the published ports: %s", strerror(-ret));
			return ret;
		}
		snprintf(e->server_host, sizeof(e->server_host), "%s", gw);
		e->server_port = gp;
		snprintf(e->proxy_host, sizeof(e->proxy_host), "127.0.0.1");
		e->proxy_port = lp;
	} else {
		snprintf(e->server_host, sizeof(e->server_host), "127.0.0.1");
		e->server_port = cport;
		if (o->client_addr)
			e->remote_port = cport;
	}
	if (o->client_addr)
		snprintf(e->remote_host, sizeof(e->remote_host), "%s", o->client_addr);
	vtax_env__fill_identity(e, e->server_pid);
	if (o->server == VTAX_SERVER_NONE)
		return 0;
	ret = vtax_env__wait_server(e, e->server_host, e->server_port, deadline, e->server_pid, err, errlen);
	if (ret == -ECHILD || ret == -ETIMEDOUT) {
		char logs[512] = "";

		docker(e, NULL, 0, logs, sizeof(logs), 10, "logs", "--tail", "5", e->container_name, DOCKER_END);
		size_t l = strlen(err);

		snprintf(err + l, errlen - l, "; container log: %.300s", logs);
	}
	if (ret == 0 && nat) {
		/* The docker-proxy path must answer too. */
		ret = vtax_env__wait_server(e, e->proxy_host, e->proxy_port, deadline, e->server_pid, err, errlen);
	}
	return ret;
}

int vtax_env_docker__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s)
{
	char *a[DOCKER_MAX_ARGS];
	int n = 0;

	if (!e->container_name[0])
		return -ENOENT;
	char secs[32];
	int t = timeout_s < 1 ? 1 : (int)(timeout_s + 0.999);

	/*
	 * Killing the docker CLI would leave the command running in the
	 * container: bound it inside with busybox's timeout, and the CLI a
	 * little later.
	 */
	snprintf(secs, sizeof(secs), "%d", t);
	a[n++] = "docker";
	a[n++] = "exec";
	a[n++] = e->container_name;
	a[n++] = "/bin/busybox";
	a[n++] = "timeout";
	a[n++] = "-s";
	a[n++] = "KILL";
	a[n++] = secs;
	for (int i = 0; argv[i]; i++) {
		if (n >= DOCKER_MAX_ARGS - 1)
			return -E2BIG;
		a[n++] = argv[i];
	}
	a[n] = NULL;
	return docker_argv(e, a, out, outlen, NULL, 0, t + 5);
}

int vtax_env_docker__teardown(struct vtax_env *e)
{
	int ret = 0;

	char rmsg[512] = "";
	int r;

	if (e->priv.container_made) {
		/* -v: anonymous volumes too; a missing container is not an error. */
		r = docker(e, NULL, 0, rmsg, sizeof(rmsg), 60, "rm", "-f", "-v", e->container_name, DOCKER_END);
		removed(r, rmsg, "docker-container", e->container_name);
		e->priv.container_made = 0;
	}
	if (e->priv.tmp_container[0]) {
		r = docker(e, NULL, 0, rmsg, sizeof(rmsg), 30, "rm", "-f", e->priv.tmp_container, DOCKER_END);
		removed(r, rmsg, "docker-container", e->priv.tmp_container);
		e->priv.tmp_container[0] = 0;
	}
	if (e->priv.network[0]) {
		r = docker(e, NULL, 0, rmsg, sizeof(rmsg), 30, "network", "rm", e->priv.network, DOCKER_END);
		removed(r, rmsg, "docker-network", e->priv.network);
		if (r)
			ret = -EBUSY;
		e->priv.network[0] = 0;
	}
	if (e->priv.volume[0]) {
		r = docker(e, NULL, 0, rmsg, sizeof(rmsg), 30, "volume", "rm", "-f", e->priv.volume, DOCKER_END);
		removed(r, rmsg, "docker-volume", e->priv.volume);
		if (r)
			ret = -EBUSY;
		e->priv.volume[0] = 0;
	}
	/* Newest first: a layer's child image must go before it. */
	for (int i = e->priv.nimages - 1; i >= 0; i--) {
		char msg[512];

		r = docker(e, NULL, 0, msg, sizeof(msg), 60, "rmi", "-f", e->priv.images[i], DOCKER_END);
		removed(r, msg, "docker-image", e->priv.images[i]);
		if (r && !strstr(msg, "No such image"))
			ret = -EBUSY;
	}
	e->priv.nimages = 0;
	if (e->priv.dockerd_pid > 0) {
		if (vtax_env_docker__daemon_in_use()) {
			/* Another run (or user) came to rely on it: leave it running. */
			vtax_env__log(e, "leaving dockerd (pid %d) running: in use by others", (int)e->priv.dockerd_pid);
		} else {
			vtax_env__log(e, "stopping the dockerd vtax started (pid %d)", (int)e->priv.dockerd_pid);
			vtax_env__stop_child(e->priv.dockerd_pid, 30);
		}
		e->priv.dockerd_pid = 0;
	}
	return ret;
}

/* Is the creator recorded in a vtax.pid label still running (and not us)? */
static int owner_alive(const char *pid_s)
{
	return vtax_state__owner_alive(atoi(pid_s));
}

/*
 * Does anyone but this process use the daemon?  Running containers not
 * labelled with our PID, or vtax images of another live run (one that is
 * between importing its image and starting its container).
 */
int vtax_env_docker__daemon_in_use(void)
{
	char out[16384], me[32], *save = NULL;
	char *ps[] = { "docker", "ps", "--format", "{{.Label \"vtax.pid\"}}", NULL };
	char *im[] = { "docker", "images", "-q", "--filter", "label=vtax=1", NULL };
	struct vtax_run_opts ro = { .timeout_s = 20 };

	snprintf(me, sizeof(me), "%d", (int)getpid());
	if (vtax_spawn__run(ps, out, sizeof(out), &ro) != 0)
		return 0; /* no answer: nobody can be using it */
	/* One line per running container; an empty one is not vtax's. */
	for (char *l = out; *l;) {
		size_t len = strcspn(l, "\n");

		if (len != strlen(me) || strncmp(l, me, len))
			return 1;
		l += len;
		if (*l)
			l++;
	}
	if (vtax_spawn__run(im, out, sizeof(out), &ro) != 0)
		return 0;
	save = NULL;
	for (char *id = strtok_r(out, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
		char pid[64] = "";
		char *insp[] = { "docker", "image", "inspect", "-f", "{{index .Config.Labels \"vtax.pid\"}}", id, NULL };

		vtax_spawn__run(insp, pid, sizeof(pid), &ro);
		chomp(pid);
		if (strcmp(pid, me) && owner_alive(pid))
			return 1;
	}
	return 0;
}

/*
 * List "ID STATE PID" lines of one object type and remove those whose
 * owner (label vtax.pid) is gone.  Objects labelled vtax=1 without an
 * owner were made by hand or by a test (vtax labels all of its own with
 * its PID): not provably a dead run's, so they are left alone.
 */
static int stale_pass(char *report, size_t len, const char *what, char **list, char **rm, int rm_at)
{
	char out[16384], *save = NULL;
	struct vtax_run_opts ro = { .timeout_s = 30 };
	int n = 0;

	if (vtax_spawn__run(list, out, sizeof(out), &ro))
		return 0;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[128] = "", state[32] = "", pid[32] = "", **argv = rm;

		if (sscanf(line, "%127s %31s %31s", id, state, pid) < 2 || owner_alive(pid))
			continue;
		if (!pid[0])
			continue;
		argv[rm_at] = id;
		if (vtax_state__undo(argv, what, id, report, len) == 0)
			n++;
	}
	return n;
}

int vtax_env_docker__cleanup_stale(char *report, size_t len)
{
	struct vtax_env tmp = { .priv.cmd_fd = -1 };
	char err[256];
	int n = 0, ret;

	snprintf(tmp.name, sizeof(tmp.name), "cleanup");
	if (!vtax_spawn__have("docker") || (!daemon_up() && vtax_state__dry_run()))
		return 0;
	if (!daemon_up()) {
		/* Leftovers persist in /var/lib/docker: a daemon is needed to remove them. */
		ret = docker_ensure_daemon(&tmp, vtax_now_s() + 60, err, sizeof(err));
		if (ret) {
			if (tmp.priv.dockerd_pid > 0)
				vtax_env__stop_child(tmp.priv.dockerd_pid, 30);
			return access("/usr/sbin/dockerd", X_OK) ? 0 : ret;
		}
	}
	{
		char *list[] = { "docker", "ps", "-a", "--filter", "label=vtax=1", "--format",
				 "{{.ID}} {{.State}} {{.Label \"vtax.pid\"}}", NULL };
		char *rm[] = { "docker", "rm", "-f", "-v", NULL, NULL };

		n += stale_pass(report, len, "container", list, rm, 4);
	}
	{
		char *list[] = { "docker", "network", "ls", "--filter", "label=vtax=1", "--format",
				 "{{.ID}} - {{.Label \"vtax.pid\"}}", NULL };
		char *rm[] = { "docker", "network", "rm", NULL, NULL };

		n += stale_pass(report, len, "network", list, rm, 3);
	}
	{
		char *list[] = { "docker", "volume", "ls", "--filter", "label=vtax=1", "--format",
				 "{{.Name}} - {{.Label \"vtax.pid\"}}", NULL };
		char *rm[] = { "docker", "volume", "rm", "-f", NULL, NULL };

		n += stale_pass(report, len, "volume", list, rm, 4);
	}
	/*
	 * Repeat: `rmi -f` of a layer's parent only untags it while a child
	 * exists, so chains of N layers need up to N passes.
	 */
	for (int pass = 0, left = 1; pass < VTAX_ENV_MAX_IMAGES && left; pass++) {
		/* Image listings have no label column: inspect gives tag and owner. */
		char out[16384], *save = NULL;
		char *list[] = { "docker", "images", "-q", "--no-trunc", "--filter", "label=vtax=1", NULL };
		struct vtax_run_opts ro = { .timeout_s = 30 };

		left = 0;
		if (vtax_spawn__run(list, out, sizeof(out), &ro) == 0) {
			for (char *id = strtok_r(out, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
				char pid[64] = "";
				char *insp[] = { "docker", "image", "inspect", "-f",
						 "{{index .Config.Labels \"vtax.pid\"}}", id, NULL };
				char *rmi[] = { "docker", "rmi", "-f", id, NULL };

				vtax_spawn__run(insp, pid, sizeof(pid), &ro);
				chomp(pid);
				if (strcmp(pid, "<no value>") == 0)
					pid[0] = 0;
				if (owner_alive(pid))
					continue;
				/* No owner label: not provably a dead run's; left alone. */
				if (!pid[0])
					continue;
				if (vtax_state__undo(rmi, "image", id, report, len) == 0) {
					left += !vtax_state__dry_run();
					n++;
				}
			}
		}
	}
	if (tmp.priv.dockerd_pid > 0 && !vtax_env_docker__daemon_in_use())
		vtax_env__stop_child(tmp.priv.dockerd_pid, 30);
	return n;
}
