// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env.h - the environments of `vtax compare`: native, docker-nat,
 * docker-host, docker-overlay, docker-volume and vm.
 *
 * vtax_env__setup() creates one environment with a real server (redis or
 * MariaDB) in it, labels everything it creates as vtax's, and fills a
 * struct vtax_env with what a client and the tracer need: where the server
 * listens, the host PID of the server (or the VMM), the container's cgroup
 * and the namespace inodes.  vtax_env__teardown() removes everything that
 * setup created; setup removes it itself on every failure path (including
 * the caller's stop flag being raised by SIGINT/SIGTERM).
 *
 * Implementation files: env.c (dispatch and the helpers below),
 * env_native.c, env_docker.c, env_image.c (offline root filesystems,
 * docker images and guest initramfs), env_vm.c (QEMU guest).
 * docs/environments.md describes each environment.
 */
#ifndef VTAX_ENV_H
#define VTAX_ENV_H

#include <stddef.h>
#include <sys/types.h>
#include "env/vm_layout.h"
#include "util/clock.h"
#include "util/spawn.h"

enum vtax_env_kind {
	VTAX_ENV_NATIVE,
	VTAX_ENV_DOCKER_NAT,
	VTAX_ENV_DOCKER_HOST,
	VTAX_ENV_DOCKER_OVERLAY,
	VTAX_ENV_DOCKER_VOLUME,
	VTAX_ENV_VM,
	VTAX_ENV__COUNT,
};

enum vtax_env_server {
	VTAX_SERVER_NONE,
	VTAX_SERVER_REDIS,
	VTAX_SERVER_MARIADB,
};

struct vtax_env_opts {
	size_t sz;                     /* sizeof(struct vtax_env_opts) */
	enum vtax_env_kind kind;
	enum vtax_env_server server;   /* which real server to start in it */
	int overlay_layers;            /* docker-overlay: image layers (default 1) */
	const char *workdir;           /* private temp dir for this run (caller creates/removes) */
	double timeout_s;              /* bound on set-up (default 60; vm 120, vm with MariaDB 300) */
	volatile int *stop;            /* set asynchronously on SIGINT/SIGTERM: abort set-up promptly */
	int verbose;
	/* Added fields (zero = default). */
	const char *vtax_exe;          /* binary copied into images as /usr/bin/vtax (default /proc/self/exe) */
	const char *cache_dir;         /* vm: guest kernel cache (default /var/cache/vtax) */
	int vm_mem_mb;                 /* vm: guest memory (default 1024) */
	int vm_disk_mb;                /* vm: data disk size (default 512) */
	const char *client_addr;       /* compare --client remote: the host's address facing the
					* client's namespace; the server is also reachable there */
};

/* Credentials of the MariaDB server vtax starts (TCP, user allowed from '%'). */
#define VTAX_ENV_DB_USER "vtax"
#define VTAX_ENV_DB_PASSWORD "vtax"
#define VTAX_ENV_DB_NAME "vtax"

#define VTAX_ENV_MAX_IMAGES 64

struct vtax_env {
	enum vtax_env_kind kind;
	enum vtax_env_server server;
	char name[32];                 /* "native", "docker-nat", ... */
	char server_host[64];          /* where a host-side client connects (kv/oltp) */
	int server_port;
	char proxy_host[64];           /* docker-nat: 127.0.0.1 published port (docker-proxy), else "" */
	int proxy_port;
	char remote_host[64];          /* with opts.client_addr: where the remote client connects */
	int remote_port;
	pid_t server_pid;              /* host PID of the server process (or the VMM for vm) */
	pid_t vmm_pid;                 /* vm: QEMU's PID */
	char container_id[72];
	char container_name[64];
	char cgroup_path[512];         /* container cgroup dir (v1: cpu hierarchy; v2: unified), "" for native/vm */
	char cgroup2_path[512];        /* the server's cgroup in the unified (v2) hierarchy, if mounted */
	unsigned long netns_ino, mntns_ino; /* of the server process */
	char data_dir[512];            /* where the environment's data lives (seen from inside it) */
	char vtax_path[256];           /* path of the vtax binary inside the environment */
	char db_user[32], db_password[32], db_name[32]; /* mariadb only */
	int overlay_layers;            /* docker: image layers under the container */
	int emulated;                  /* vm under TCG, or nested KVM under an emulating hypervisor */
	char label[128];               /* "emulated (TCG): not representative of KVM" */
	char accel[16];                /* vm: "kvm" or "tcg" */
	char machine[16];              /* vm: QEMU machine, "pc" or "microvm" (nested KVM) */
	char caveat[200];              /* a set-up compromise the report repeats ("" none) */
	struct vtax_vm_layout layout;  /* vm: virtio notify registers (names kvm.notify series) */

	/* private: what teardown must remove */
	struct {
		int verbose;
		volatile int *stop;
		char workdir[384];
		char dir[448];         /* our subdirectory of workdir (removed) */
		pid_t child;           /* native server or QEMU, our child */
		pid_t dockerd_pid;     /* dockerd we started (stopped at teardown) */
		int container_made;
		char network[64];      /* docker network we created */
		char volume[64];       /* docker volume we created */
		int nimages;
		char images[VTAX_ENV_MAX_IMAGES][96]; /* image refs we created, newest last */
		char tmp_container[64];/* layer-building container */
		char bridge[16], tap[16];
		char cmd_sock[512];    /* vm: host end of the guest command channel */
		int cmd_fd;            /* vm: connected command channel, -1 */
	} priv;
};

const char *vtax_env_kind__name(enum vtax_env_kind k);
int vtax_env_kind__parse(const char *s, enum vtax_env_kind *k);
const char *vtax_env_server__name(enum vtax_env_server s);

/* 0 or -errno; on failure everything already created is removed and err says why. */
int vtax_env__setup(const struct vtax_env_opts *o, struct vtax_env *e, char *err, size_t errlen);
/*
 * Run argv inside the environment (native: fork/exec; docker: `docker
 * exec`; vm: the guest's command channel on a virtio-serial port), capture
 * stdout into out (NUL-terminated, truncated), bounded by timeout_s.
 * Returns the command's exit status (>= 0) or -errno (-ETIMEDOUT).
 */
int vtax_env__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s);
/* Idempotent; removes containers, networks, images, volumes, taps, bridges, VMs, files. */
int vtax_env__teardown(struct vtax_env *e);
/*
 * Remove vtax-labelled leftovers of a killed run: containers, networks,
 * volumes and images with label vtax=1, links named vtax*.  Appends a line
 * per removed object to report.  Returns the number removed or -errno.
 */
int vtax_env__cleanup_stale(char *report, size_t len);

/* ---- shared by env_*.c (not for other modules) ---- */

/* Start a long-running child in its own process group, output to logpath; PID or -errno. */
pid_t vtax_env__spawn(char *const argv[], const char *logpath, int deathsig);
/* SIGTERM, wait up to grace_s, then SIGKILL; reaps. */
void vtax_env__stop_child(pid_t pid, double grace_s);
int vtax_env__free_port(void);
/* Wait until the server answers (redis PING or MariaDB login) or deadline/stop/child death. */
int vtax_env__wait_server(struct vtax_env *e, const char *host, int port, double deadline, pid_t watch, char *err, size_t errlen);
int vtax_env__ping_redis(const char *host, int port, double timeout_s);
int vtax_env__ping_mariadb(const char *host, int port, double timeout_s);
void vtax_env__fill_identity(struct vtax_env *e, pid_t pid);
int vtax_env__rm_rf(const char *path);
int vtax_env__mkdirp(const char *path, mode_t mode);
int vtax_env__stopped(const struct vtax_env *e);
void vtax_env__log(const struct vtax_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* env_native.c */
int vtax_env_native__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen);
/* Initialise a MariaDB data directory with database vtax and user vtax@'%'. */
int vtax_env_native__mariadb_seed(struct vtax_env *e, const char *datadir, double deadline, char *err, size_t errlen);
/* env_docker.c */
int vtax_env_docker__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen);
int vtax_env_docker__teardown(struct vtax_env *e);
int vtax_env_docker__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s);
int vtax_env_docker__cleanup_stale(char *report, size_t len);
/* Containers or in-progress images of others on the daemon (then vtax does not stop it). */
int vtax_env_docker__daemon_in_use(void);
/* env_vm.c */
int vtax_env_vm__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen);
int vtax_env_vm__teardown(struct vtax_env *e);
int vtax_env_vm__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s);
int vtax_env_vm__cleanup_stale(char *report, size_t len);

/* env_image.c: offline root filesystems */
struct vtax_rootfs;
struct vtax_rootfs *vtax_rootfs__new(const char *dir);
void vtax_rootfs__free(struct vtax_rootfs *r);
/* Copy a file (following symlinks) to dst inside the rootfs (dst NULL = same path). */
int vtax_rootfs__add_file(struct vtax_rootfs *r, const char *src, const char *dst, mode_t mode);
/* Copy a binary and every library ldd lists (and the loader). */
int vtax_rootfs__add_binary(struct vtax_rootfs *r, const char *src, const char *dst);
int vtax_rootfs__add_tree(struct vtax_rootfs *r, const char *src, const char *dst);
int vtax_rootfs__add_text(struct vtax_rootfs *r, const char *dst, const char *text, mode_t mode);
int vtax_rootfs__add_dir(struct vtax_rootfs *r, const char *dst, mode_t mode);
/* busybox-static as /bin/busybox with /bin/sh and /bin/<applet> links. */
int vtax_rootfs__add_busybox(struct vtax_rootfs *r);
/* The server's binary, libraries and data files; the vtax binary. */
int vtax_rootfs__add_server(struct vtax_rootfs *r, enum vtax_env_server s);
int vtax_rootfs__add_vtax(struct vtax_rootfs *r, const char *exe);
/* A new root in dir holding what every environment runs: busybox, the
 * server and vtax (with their libraries).  NULL with *ret = -errno. */
struct vtax_rootfs *vtax_rootfs__new_workload(const char *dir, enum vtax_env_server s,
					       const char *exe, int *ret);
/* FNV-1a over the added files' (path, size, mtime): names images by content. */
unsigned long long vtax_rootfs__hash(const struct vtax_rootfs *r);
const char *vtax_rootfs__dir(const struct vtax_rootfs *r);
/* Write the tree as an uncompressed newc cpio archive (initramfs), with /dev/console. */
int vtax_rootfs__write_cpio(const struct vtax_rootfs *r, const char *path);
/* Resolve kernel modules (by name) with their dependencies from .modinfo, in load order. */
int vtax_kmod__resolve(const char *moddir, const char *const names[], char (*out)[512], int max);

#endif
