// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * client.c - the client child of a `vtax compare` run and the pipe
 * protocol between it and vtax (compare_int.h).
 *
 * vtax forks the child (its own process group), tracks it as subject
 * "client" when the run is traced, then writes one byte on the "go" pipe.
 * The child runs the load generator (vtax_load__run, or `vtax load` inside
 * the environment for io outside native) and writes messages on the
 * result pipe: a header {type, len} then the payload, MSG_PROGRESS while
 * it runs and one MSG_RESULT (struct vtax_client_result) at its end.
 * vtax relays progress, bounds the run in time and kills the child's
 * group on every exit path (one cleanup, in vtax_compare__run_client).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "compare/compare_int.h"
#include "util/clock.h"
#include "util/proc.h"

enum { MSG_PROGRESS = 1, MSG_RESULT = 2 };

struct msg_hdr {
	uint32_t type, len;
};

struct msg_progress {
	uint64_t ops;
	double elapsed_s;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_msg(int fd, uint32_t type, const void *payload, uint32_t len)
{
	struct msg_hdr h = { type, len };

	if (write_all(fd, &h, sizeof(h)) == 0)
		write_all(fd, payload, len);
}

static void child_progress(void *ctx, uint64_t ops, double elapsed_s)
{
	struct msg_progress p = { ops, elapsed_s };

	send_msg(*(int *)ctx, MSG_PROGRESS, &p, sizeof(p));
}

/* argv of `vtax load` for the io generator inside an environment */
void vtax_compare__io_argv(char **argv, char (*buf)[64], const char *exe,
			   const struct vtax_load_opts *lo, const char *path, int prepare_only,
			   double warmup_s, double duration_s)
{
	int n = 0, b = 0;

#define ARG(s)	    (argv[n++] = (char *)(s))
#define NUM(fmt, v) (snprintf(buf[b], 64, fmt, v), argv[n++] = buf[b++])
	ARG(exe);
	ARG("load");
	ARG("--workload");
	ARG("io");
	ARG("--path");
	ARG(path);
	ARG("--file-size");
	NUM("%llu", (unsigned long long)lo->file_size);
	ARG("--bs");
	NUM("%d", lo->bs);
	ARG("--qd");
	NUM("%d", lo->qd);
	ARG("--rw");
	ARG(vtax_load_rw__name(lo->rw));
	ARG(lo->direct ? "--direct" : "--no-direct");
	if (prepare_only) {
		ARG("--prepare-only");
	} else {
		ARG("--no-prepare");
		ARG("--duration");
		NUM("%g", duration_s);
		ARG("--warmup");
		NUM("%g", warmup_s);
		if (lo->seed) {
			ARG("--seed");
			NUM("%u", lo->seed);
		}
	}
	argv[n] = NULL;
#undef ARG
#undef NUM
}

/* In the child: run the generator, send the result, never return. */
static void __attribute__((noreturn))
child_main(struct vtax_compare *c, struct vtax_env *e, struct vtax_load_opts lo, int go_fd,
	   int res_fd, int in_env, int gated)
{
	struct vtax_client_result *m = calloc(1, sizeof(*m));
	char go;

	signal(SIGPIPE, SIG_IGN);
	/* a parent that dies (SIGKILL) must not leave a load loop behind */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!m || read(go_fd, &go, 1) != 1)
		_exit(2);
	close(go_fd);
	/* the client's CPU, the same in every environment (hygiene.h) */
	if (c->hyg.pin)
		vtax_hygiene__pin_self(c->hyg.client_cpu);
	if (in_env) {
		char *argv[42], nb[16][64], *out = malloc(1 << 20);
		char path[600], err[256];
		json_error_t je;
		json_t *j;

		snprintf(path, sizeof(path), "%s/vtax-io.dat", e->data_dir);
		vtax_compare__io_argv(argv, nb, e->vtax_path, &lo, path, 0, lo.warmup_s,
				      lo.duration_s);
		if (gated) {
			int k = 0;

			while (argv[k])
				k++;
			argv[k] = "--wait-signal";
			argv[k + 1] = NULL;
		}
		m->rc = out ? vtax_env__exec(e, argv, out, 1 << 20,
					     lo.warmup_s + lo.duration_s + 60)
			    : -ENOMEM;
		/* the JSON says why even when `vtax load` failed */
		j = m->rc >= 0 ? json_loads(out, 0, &je) : NULL;
		if (j && vtax_load_result__from_json(j, &m->r, err, sizeof(err)) == 0) {
			if (m->r.error[0] || m->rc)
				m->rc = -EIO;
		} else {
			char why[48];

			if (m->rc > 0)
				snprintf(why, sizeof(why), "failed (exit status %d)", m->rc);
			else
				snprintf(why, sizeof(why), "%s", m->rc < 0 ? strerror(-m->rc) : "no result");
			memset(&m->r, 0, sizeof(m->r));
			snprintf(m->r.error, sizeof(m->r.error), "vtax load in %s: %s: %.160s", e->name, why,
				 out ? out : "");
			m->rc = m->rc < 0 ? m->rc : -EIO;
		}
		json_decref(j);
		free(out);
	} else if (c->have_cnet && (m->rc = vtax_clientnet__enter(&c->cnet))) {
		snprintf(m->r.error, sizeof(m->r.error), "cannot enter the client namespace %s: %s",
			 c->cnet.ns, strerror(-m->rc));
	} else {
		/* its own run-queue wait over the run (schedstat's run_delay of
		 * its threads): the ledger's run-queue cause for the client
		 * where compare's plan has no sched probes (compare_int.h) */
		struct vtax_oncpu *s0 = calloc(1, sizeof(*s0)), *s1 = calloc(1, sizeof(*s1));
		double all, vcpu;

		if (s0)
			vtax_oncpu__read(getpid(), s0);
		lo.progress = child_progress;
		lo.progress_ctx = &res_fd;
		m->rc = vtax_load__run(&lo, &m->r);
		if (s0 && s1) {
			vtax_oncpu__read(getpid(), s1);
			vtax_oncpu__delta(s0, s1, &all, &vcpu, &m->runq_ns);
			m->have_runq = s1->n > 0;
		}
		free(s0);
		free(s1);
	}
	send_msg(res_fd, MSG_RESULT, m, sizeof(*m));
	_exit(0);
}

/*
 * BPF attachments this process holds: BPF link fds and perf-event fds
 * (libbpf attaches tracepoints through either).  vtax pins nothing, so
 * with none open no program of this vtax is attached anywhere; other
 * processes' programs (another vtax, bpftrace) are not counted.
 */
static int count_bpf_fd(int fd, const char *link, void *arg)
{
	(void)fd;
	if (!strcmp(link, "anon_inode:bpf_link") || !strcmp(link, "anon_inode:[perf_event]"))
		(*(int *)arg)++;
	return 0;
}

static int bpf_attachments(void)
{
	int n = 0, rc = vtax_proc__for_each_fd(0, count_bpf_fd, &n);

	return rc < 0 ? rc : n;
}

/* Whether pid catches SIGUSR1 (/proc/PID/status SigCgt): `vtax load
 * --wait-signal` does from its option parsing on.  Before that, from its
 * exec, SIGUSR1's default action would kill it (a CI run lost a
 * docker-volume io run that way: "vtax load ... failed", no output).  Not
 * SigBlk: while it waits in sigtimedwait the kernel unblocks the signal. */
static int catches_usr1(pid_t pid)
{
	char path[64], buf[4096], *p;
	unsigned long long m;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (vtax_proc__read(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nSigCgt:")))
		return 0;
	return sscanf(p + 8, "%llx", &m) == 1 && (m & (1ull << (SIGUSR1 - 1)));
}

/* The `vtax load --wait-signal` process in the container's cgroup, once it
 * catches SIGUSR1. */
static pid_t wait_gated(struct vtax_compare *c, const struct vtax_env *e, pid_t client,
			double timeout_s)
{
	double end = vtax_now_s() + timeout_s;
	char path[600];

	snprintf(path, sizeof(path), "%s/cgroup.procs", e->cgroup_path);
	while (vtax_now_s() < end && !vtax_compare__stopped(c)) {
		FILE *f = fopen(path, "re");
		int pid, st;

		while (f && fscanf(f, "%d", &pid) == 1) {
			const char *argv[64];
			char cmd[2048];
			int na = vtax_proc__cmdline(pid, cmd, sizeof(cmd), argv, 64), load = 0,
			    wait = 0;

			for (int i = 1; i < na; i++) {
				load |= !strcmp(argv[i], "load");
				wait |= !strcmp(argv[i], "--wait-signal");
			}
			if (load && wait && catches_usr1(pid)) {
				fclose(f);
				return pid;
			}
		}
		if (f)
			fclose(f);
		if (waitpid(client, &st, WNOHANG) != 0)
			return -ECHILD;
		usleep(20000);
	}
	return vtax_compare__stopped(c) ? -EINTR : -ETIMEDOUT;
}

/* Kill the client's process group: SIGTERM (it stops and reports), then
 * SIGKILL after grace_s. */
static void client_kill(pid_t pid, double grace_s)
{
	double end = vtax_now_s() + grace_s;
	int st;

	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	while (vtax_now_s() < end) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			return;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* Traced runs: the client's process tree is subject `client`.  Either way,
 * note whether a session is open and vtax's BPF attachments as it starts. */
static int track_client(struct vtax_measure_ctx *mc, pid_t pid, struct vtax_compare_run *meta)
{
	int rc = 0;

	if (mc->s) {
		rc = vtax_session__track_pid_tree(mc->s, pid, mc->client_id);
		if (!rc)
			rc = vtax_session__commit(mc->s);
	}
	if (!rc) {
		meta->session_open = mc->s != NULL;
		meta->bpf_links = bpf_attachments();
	}
	return rc;
}

/* The gated client (io in a container): let it start, wait until its
 * `vtax load --wait-signal` is in the cgroup, open the session, track it,
 * and SIGUSR1 it.  The plain client: track it and let it go. */
static int start_client(struct vtax_compare *c, int idx, int run, struct vtax_env *e,
			struct vtax_measure_ctx *mc, pid_t pid, int go_fd,
			struct vtax_compare_run *meta)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	pid_t inner;
	int rc;

	if (!mc->gated) {
		rc = track_client(mc, pid, meta);
		if (!rc && write(go_fd, "g", 1) != 1)
			rc = -EIO;
		return rc;
	}
	/* it runs as soon as it is told to; it then waits for SIGUSR1 */
	rc = write(go_fd, "g", 1) == 1 ? 0 : -EIO;
	inner = rc ? rc : wait_gated(c, e, pid, 60);
	if (inner < 0) {
		rc = inner;
		if (rc != -EINTR)
			snprintf(ce->error, sizeof(ce->error), "vtax load did not start in %s: %s",
				 e->name, strerror(-rc));
		return rc;
	}
	vtax_compare__progress(c, "attach", NULL, idx, run, vtax_now_s(), 0);
	rc = vtax_compare__session_begin(c, idx, e, mc);
	if (!rc)
		rc = track_client(mc, pid, meta);
	if (!rc && kill(inner, SIGUSR1))
		rc = -errno;
	return rc;
}

/* Consume the complete messages in buf[0..*have): progress into *ops, the
 * result into out (*got = 1).  0, or -EPROTO on a message too big. */
static int consume(char *buf, size_t cap, size_t *have, uint64_t *ops,
		   struct vtax_client_result *out, int *got)
{
	for (;;) {
		struct msg_hdr h;

		if (*have < sizeof(h))
			return 0;
		memcpy(&h, buf, sizeof(h));
		if (h.len > cap - sizeof(h))
			return -EPROTO;
		if (*have < sizeof(h) + h.len)
			return 0;
		if (h.type == MSG_PROGRESS && h.len == sizeof(struct msg_progress)) {
			struct msg_progress p;

			memcpy(&p, buf + sizeof(h), sizeof(p));
			*ops = p.ops;
		} else if (h.type == MSG_RESULT && h.len == sizeof(struct vtax_client_result)) {
			memcpy(out, buf + sizeof(h), sizeof(*out));
			*got = 1;
		}
		memmove(buf, buf + sizeof(h) + h.len, *have - sizeof(h) - h.len);
		*have -= sizeof(h) + h.len;
	}
}

/* Read the result pipe until EOF, relaying progress; bounded by limit_s
 * and the stop flag.  0, -EINTR, -ETIMEDOUT (ce->error) or -EPROTO. */
static int relay(struct vtax_compare *c, int idx, int run, const struct vtax_measure_ctx *mc,
		 int fd, double t0, double limit_s, struct vtax_client_result *out, int *got)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	size_t have = 0, cap = sizeof(struct msg_hdr) + sizeof(struct vtax_client_result) + 64;
	double last_prog = 0;
	char *buf = malloc(cap);
	uint64_t ops = 0;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (!rc) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int pr;

		if (vtax_compare__stopped(c)) {
			rc = -EINTR;
			break;
		}
		if (vtax_now_s() - t0 > limit_s) {
			snprintf(ce->error, sizeof(ce->error),
				 "the client did not finish within %.0f s", limit_s);
			rc = -ETIMEDOUT;
			break;
		}
		pr = poll(&pf, 1, 100);
		if (vtax_now_s() - last_prog >= 0.25) {
			vtax_compare__progress(c, "measure", mc->traced ? "traced" : "untraced",
					       idx, run, t0, ops);
			last_prog = vtax_now_s();
		}
		if (pr <= 0)
			continue;
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the child is done */
		have += (size_t)n;
		rc = consume(buf, cap, &have, &ops, out, got);
	}
	free(buf);
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int vtax_compare__run_client(struct vtax_compare *c, int idx, int run, struct vtax_env *e,
			     const struct vtax_load_opts *lo, struct vtax_measure_ctx *mc,
			     struct vtax_client_result *out, struct vtax_compare_run *meta)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	int go[2] = { -1, -1 }, res[2] = { -1, -1 }, rc, got = 0;
	double t0 = vtax_now_s(), grace_s = 0; /* grace: for the child's group at the end */
	pid_t pid = -1;

	if (pipe2(go, O_CLOEXEC) || pipe2(res, O_CLOEXEC)) {
		rc = -errno;
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		/* own process group: the parent stops it (and what it
		 * started) as one, and a terminal's ^C reaches vtax only */
		setpgid(0, 0);
		close(go[1]);
		close(res[0]);
		child_main(c, e, *lo, go[0], res[1], mc->in_env, mc->gated);
	}
	setpgid(pid, pid);
	close_fd(&go[0]);
	close_fd(&res[1]);
	rc = start_client(c, idx, run, e, mc, pid, go[1], meta);
	if (rc) {
		if (!ce->error[0])
			snprintf(ce->error, sizeof(ce->error), "cannot start the traced client: %s",
				 strerror(-rc));
		goto out;
	}
	close_fd(&go[1]);
	rc = relay(c, idx, run, mc, res[0], t0, lo->warmup_s + lo->duration_s + 90, out, &got);
	close_fd(&res[0]);
	meta->bpf_links_end = bpf_attachments();
	/* normally it has exited already: then this only reaps it */
	grace_s = rc ? 3 : 5;
out:
	close_fd(&go[0]);
	close_fd(&go[1]);
	close_fd(&res[0]);
	close_fd(&res[1]);
	if (pid > 0)
		client_kill(pid, grace_s);
	if (rc)
		return rc;
	if (!got) {
		snprintf(ce->error, sizeof(ce->error), "the client died without a result");
		return -EIO;
	}
	if (out->rc || out->r.error[0]) {
		snprintf(ce->error, sizeof(ce->error), "load generator: %s",
			 out->r.error[0] ? out->r.error : strerror(-out->rc));
		return out->rc ? out->rc : -EIO;
	}
	if (!out->r.ops) {
		snprintf(ce->error, sizeof(ce->error), "the load generator completed no operation");
		return -EIO;
	}
	return 0;
}
