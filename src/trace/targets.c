// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * targets.c - resolve attach targets to subjects.
 *
 * A container is resolved with the docker CLI (argv, no shell) to its init
 * PID, then to its cgroup on this host's hierarchy (v1 cpu controller with
 * the cgroupfs driver, or v2) and its network namespace.  It is tracked by
 * cgroup (so `docker exec` processes count) and by PID (so its exit ends
 * the run).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "trace/cgroup.h"
#include "util/spawn.h"
#include "trace/targets.h"
#include "trace/vmm.h"

static int docker_ready(char *err, size_t errlen)
{
	char out[512];
	char *argv[] = { "docker", "version", "--format", "{{.Server.Version}}", NULL };
	int rc;

	if (!vtax_spawn__have("docker")) {
		snprintf(err, errlen, "docker is not installed");
		return -ENOENT;
	}
	rc = vtax_spawn__run(argv, out, sizeof(out), &(struct vtax_run_opts){ .timeout_s = 15 });
	if (rc != 0) {
		snprintf(err, errlen, "Docker is not running (cannot reach the daemon)");
		return -ECONNREFUSED;
	}
	return 0;
}

int vtax_targets__add_container(struct vtax_session *s, const char *name, uint32_t *id,
				char *err, size_t errlen)
{
	char out[1024], cid[128] = "", cname[256] = "", running[16] = "", sname[200];
	char cg[512];
	char *argv[] = { "docker", "inspect", "--type", "container", "--format",
			 "{{.State.Pid}} {{.Id}} {{.Name}} {{.State.Running}}", (char *)name, NULL };
	struct vtax_subject_def *d;
	int pid = 0, rc;

	rc = docker_ready(err, errlen);
	if (rc)
		return rc;
	rc = vtax_spawn__run(argv, out, sizeof(out), &(struct vtax_run_opts){ .timeout_s = 15 });
	if (rc != 0 || sscanf(out, "%d %127s %255s %15s", &pid, cid, cname, running) != 4) {
		snprintf(err, errlen, "no such container: %s", name);
		return -ENOENT;
	}
	if (strcmp(running, "true") || pid <= 0) {
		snprintf(err, errlen, "container %s is not running", name);
		return -ESRCH;
	}
	snprintf(sname, sizeof(sname), "container:%s", cname[0] == '/' ? cname + 1 : cname);
	rc = vtax_session__add_subject(s, sname, "container", id);
	if (rc)
		return rc;
	d = vtax_session__subject(s, *id);
	d->pid = pid;
	d->netns_ino = vtax_proc__ns_ino(pid, "net");
	if (!vtax_cgroup__of_pid(pid, "cpu", cg, sizeof(cg))) {
		snprintf(d->cgroup_path, sizeof(d->cgroup_path), "%s", cg);
		rc = vtax_session__track_cgroup(s, cg, *id, err, errlen);
		if (rc)
			return rc;
	}
	return vtax_session__track_pid_tree(s, pid, *id);
}

static int add_all_containers(struct vtax_session *s, char *err, size_t errlen)
{
	char out[65536], *save = NULL, *line;
	char *argv[] = { "docker", "ps", "-q", "--no-trunc", NULL };
	int added = 0;

	if (!vtax_spawn__have("docker") || vtax_spawn__run(argv, out, sizeof(out), &(struct vtax_run_opts){ .timeout_s = 15 }) != 0)
		return 0; /* no Docker: the host is the only subject */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint32_t id;
		char e2[256];
		size_t before = s->nsubjects;

		if (!line[0])
			continue;
		if (vtax_targets__add_container(s, line, &id, e2, sizeof(e2)) == 0 &&
		    s->nsubjects > before)
			added++;
	}
	(void)err;
	(void)errlen;
	return added;
}

int vtax_targets__apply(struct vtax_session *s, const struct vtax_targets *t, char *err,
			size_t errlen)
{
	uint32_t id;
	int rc;

	for (int i = 0; i < t->npids; i++) {
		char name[64];
		struct vtax_subject_def *d;

		if (t->pids[i] <= 0 || kill(t->pids[i], 0)) {
			snprintf(err, errlen, "no such process: %d", t->pids[i]);
			return -ESRCH;
		}
		snprintf(name, sizeof(name), "pid:%d", t->pids[i]);
		rc = vtax_session__add_subject(s, name, "pid", &id);
		if (rc)
			return rc;
		d = vtax_session__subject(s, id);
		d->pid = t->pids[i];
		d->netns_ino = vtax_proc__ns_ino(t->pids[i], "net");
		rc = vtax_session__track_pid_tree(s, t->pids[i], id);
		if (rc) {
			snprintf(err, errlen, "cannot track pid %d: %s", t->pids[i], strerror(-rc));
			return rc;
		}
	}
	for (int i = 0; i < t->ncgroups; i++) {
		char name[600];
		struct vtax_subject_def *d;
		const char *p = t->cgroups[i];

		snprintf(name, sizeof(name), "cgroup:%s", p);
		rc = vtax_session__add_subject(s, name, "cgroup", &id);
		if (rc)
			return rc;
		rc = vtax_session__track_cgroup(s, p, id, err, errlen);
		if (rc)
			return rc;
		d = vtax_session__subject(s, id);
		snprintf(d->cgroup_path, sizeof(d->cgroup_path), "%s", p);
	}
	for (int i = 0; i < t->ncontainers; i++) {
		rc = vtax_targets__add_container(s, t->containers[i], &id, err, errlen);
		if (rc)
			return rc;
	}
	for (int i = 0; i < t->nvms; i++) {
		rc = vtax_vmm__add_subject(s, t->vms[i], &id, err, errlen);
		if (rc)
			return rc;
	}
	if (t->all) {
		/* VMs first: a VMM inside a container is its own vm:PID subject
		 * (tgid lookups win over cgroup lookups in BPF) */
		vtax_vmm__add_all(s);
		rc = vtax_session__add_subject(s, "host", "host", &id);
		if (rc)
			return rc;
		vtax_session__set_all(s, id);
		add_all_containers(s, err, errlen);
	}
	rc = vtax_session__commit(s);
	if (rc) {
		snprintf(err, errlen, "cannot publish subjects: %s", strerror(-rc));
		return rc;
	}
	vtax_sched__baseline(s);
	return 0;
}

/*
 * A signature of the container cgroups that exist (names of the entries of
 * Docker's cgroup parents, v1 cgroupfs and v2 systemd/cgroupfs layouts),
 * so that --all's rescan runs `docker ps` (a Go binary: tens of ms of CPU)
 * only when a container came or went.  0 when no such parent exists (then
 * every rescan asks Docker).  kernfs keeps no directory mtimes, hence names.
 */
static uint64_t container_cgroups_sig(void)
{
	static const char *const parents[] = {
		"/sys/fs/cgroup/cpu/docker", "/sys/fs/cgroup/cpu,cpuacct/docker",
		"/sys/fs/cgroup/docker", "/sys/fs/cgroup/system.slice",
	};
	uint64_t h = 0;
	int found = 0;

	for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		DIR *d = opendir(parents[i]);
		struct dirent *e;

		if (!d)
			continue;
		found = 1;
		while ((e = readdir(d))) {
			uint64_t x = 1469598103934665603ull; /* FNV-1a of the name */

			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			for (const char *c = e->d_name; *c; c++)
				x = (x ^ (uint8_t)*c) * 1099511628211ull;
			h += x; /* order-independent */
		}
		closedir(d);
	}
	return found ? h | 1 : 0;
}

int vtax_targets__rescan(struct vtax_session *s, const struct vtax_targets *t)
{
	static uint64_t last_sig;
	uint64_t sig;
	char err[256];
	int added;

	if (!t->all)
		return 0;
	sig = container_cgroups_sig();
	if (sig && sig == last_sig)
		return 0;
	last_sig = sig;
	added = add_all_containers(s, err, sizeof(err));
	if (added > 0) {
		vtax_session__commit(s);
		vtax_sched__baseline(s);
	}
	return added;
}

int vtax_targets__only_pids(const struct vtax_targets *t)
{
	return !t->all && !t->ncgroups;
}
