/*
 * compare.c - orchestration of `vtax compare` (compare.h): environments one
 * after another, each traced while the workload runs, then the ledger.
 *
 * Per environment:
 *   setup     vtax_env__setup() starts the workload's server in it.
 *   prepare   the workload's data (kv keys, oltp tables, the io file) is
 *             created before tracing starts, so it is not in the figures.
 *   measure   --runs times: an untraced run, then a traced run (the passes
 *             alternate so that drift hits both alike).  The untraced run
 *             has no session open, hence no vtax BPF program attached
 *             anywhere (vtax pins nothing; each run records the BPF link
 *             and perf-event fds vtax holds at its start and end, which
 *             must be 0): its client latency and throughput are the
 *             headline, free of vtax's observer effect (the probes cost
 *             more per request on longer paths, e.g. docker-nat).  For the
 *             traced run a session with subjects "server" and "client" is
 *             opened (and closed after it).
 *             "server" is the environment: a container by cgroup and PID
 *             tree (so `docker exec` processes count), the native server
 *             or the VMM by PID tree.  "client" is a forked child running
 *             the load generator (vtax never traces its own PID); it waits
 *             on a pipe until it is tracked, then runs warm-up + measured
 *             phase and writes progress and its struct vtax_load_result
 *             back on another pipe.  For the io workload outside native
 *             the generator must run inside the environment, so the child
 *             runs `vtax load` there with vtax_env__exec() and passes its
 *             JSON back.
 *   collect   vtax_session__collect() after each traced run adds into one
 *             result; the operations the traced runs saw (warm-up
 *             included) normalize the ledger's components.
 *   teardown  always, on every path.
 *
 * The server's (and under TCG the vCPU threads') on-CPU time is read from
 * /proc/PID/task/TID/schedstat before and after each traced run, because the sched family
 * measures waiting, not running: under TCG that time is the emulation.
 *
 * Stop (SIGINT/SIGTERM -> *o->stop): the client's process group gets
 * SIGTERM then SIGKILL, the session is closed, the environment torn down,
 * the work directory removed, and -EINTR returned.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "trace/cgroup.h"
#include "compare/compare.h"
#include "result/result_json.h"
#include "trace/session.h"
#include "util/version.h"

#define ONCPU_MAX_THREADS 512

/* ---- helpers ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stopped(const struct vtax_compare *c)
{
	return c->opts.stop && *c->opts.stop;
}

double vtax_compare__median(const double *v, int n)
{
	double t[VTAX_COMPARE_MAX_RUNS];

	if (n <= 0)
		return 0;
	if (n > VTAX_COMPARE_MAX_RUNS)
		n = VTAX_COMPARE_MAX_RUNS;
	memcpy(t, v, sizeof(double) * (size_t)n);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			double x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

int vtax_compare__concurrency(const struct vtax_load_opts *o)
{
	switch (o->workload) {
	case VTAX_WL_KV:
		return (o->conns > 0 ? o->conns : 1) * (o->pipeline > 0 ? o->pipeline : 1);
	case VTAX_WL_OLTP:
		return o->conns > 0 ? o->conns : 1;
	case VTAX_WL_IO:
		return o->qd > 0 ? o->qd : 1;
	}
	return 1;
}

void vtax_compare_opts__defaults(struct vtax_compare_opts *o, enum vtax_workload w)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->workload = w;
	o->envs[0] = VTAX_ENV_NATIVE;
	o->envs[1] = VTAX_ENV_DOCKER_NAT;
	o->envs[2] = VTAX_ENV_DOCKER_HOST;
	o->envs[3] = VTAX_ENV_VM;
	o->nenvs = 4;
	/* interleaved rounds of 1 s slots until every interval is within 10%
	 * of native's mean or 120 s of rounds are spent */
	o->duration_s = 1;
	o->warmup_s = 0.1;
	o->env_warmup_s = 1;
	o->runs = 0;
	o->budget_s = 120;
	o->ci_width_rel = 0.10;
	o->min_rounds = VTAX_ROUNDS_MIN;
	o->seed = VTAX_STATS_SEED;
	o->hygiene.server_cpu = o->hygiene.client_cpu = -1;
	o->overlay_layers = 1;
	vtax_load_opts__defaults(&o->load, w);
	/*
	 * One operation in flight by default: then a request's latency is the
	 * sum of its path, and the per-request components add up to the
	 * latency difference (the netperf TCP_RR view of the IBM study).
	 * Throughput work asks for more with --conns/--threads/--qd.
	 */
	o->load.conns = 1;
	o->load.pipeline = 1;
	o->load.qd = 1;
	o->load.file_size = 64ull << 20;
}

static void progress(struct vtax_compare *c, const char *phase, const char *pass, int idx,
		     int run, double t0, uint64_t ops)
{
	struct vtax_compare_progress p = {
		.phase = phase,
		.pass = pass,
		.env = c->envs[idx].name,
		.env_idx = idx,
		.nenvs = c->nenvs,
		.run = run,
		.runs = c->opts.runs ? c->opts.runs : 0,
		.elapsed_s = now_s() - t0,
		.duration_s = !strcmp(phase, "measure") ? c->opts.warmup_s + c->opts.duration_s : 0,
		.ops = ops,
		.op_name = c->op_name,
	};

	if (c->opts.progress)
		c->opts.progress(c->opts.progress_ctx, &p);
}

/* ---- on-CPU time of a process's threads (schedstat) ------------------ */

struct oncpu_snap {
	int n;
	pid_t tid[ONCPU_MAX_THREADS];
	uint64_t ns[ONCPU_MAX_THREADS];
	int vcpu[ONCPU_MAX_THREADS];
};

static void oncpu_read(pid_t pid, struct oncpu_snap *s)
{
	char path[96];
	struct dirent *d;
	DIR *dir;

	s->n = 0;
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)) && s->n < ONCPU_MAX_THREADS) {
		unsigned long long ns = 0;
		char p2[160], comm[64] = "";
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", (int)pid, d->d_name);
		f = fopen(p2, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/comm", (int)pid, d->d_name);
		f = fopen(p2, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
		}
		s->tid[s->n] = atoi(d->d_name);
		s->ns[s->n] = ns;
		/* QEMU names vCPU threads "CPU 0/TCG", "CPU 1/KVM" (debug-threads=on) */
		s->vcpu[s->n] = !strncmp(comm, "CPU ", 4);
		s->n++;
	}
	closedir(dir);
}

/* on-CPU ns between two snapshots: all threads, and vCPU threads only */
static void oncpu_delta(const struct oncpu_snap *a, const struct oncpu_snap *b, double *all,
			double *vcpu)
{
	*all = *vcpu = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t base = 0;
		double d;

		for (int j = 0; j < a->n; j++)
			if (a->tid[j] == b->tid[i])
				base = a->ns[j];
		d = b->ns[i] >= base ? (double)(b->ns[i] - base) : 0;
		*all += d;
		if (b->vcpu[i])
			*vcpu += d;
	}
}

/* The docker-proxy process serving host_port (docker-nat's 127.0.0.1
 * publication), by its command line; 0 if none. */
static pid_t find_proxy(int host_port)
{
	char want[16];
	struct dirent *d;
	pid_t found = 0;
	DIR *dir;

	if (host_port <= 0)
		return 0;
	snprintf(want, sizeof(want), "%d", host_port);
	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		char path[64], buf[4096];
		const char *args[64];
		size_t n, na = 0;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		for (size_t i = 0; i < n && na < 64; i += strlen(buf + i) + 1)
			args[na++] = buf + i;
		if (!na || !strstr(args[0], "docker-proxy"))
			continue;
		for (size_t i = 0; i + 1 < na; i++)
			if (!strcmp(args[i], "-host-port") && !strcmp(args[i + 1], want))
				found = atoi(d->d_name);
	}
	closedir(dir);
	return found;
}

/*
 * BPF attachments this process holds: BPF link fds and perf-event fds
 * (libbpf attaches tracepoints through either).  vtax pins nothing, so
 * with none open no program of this vtax is attached anywhere; other
 * processes' programs (another vtax, bpftrace) are not counted.
 */
static int bpf_attachments(void)
{
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		char path[64], target[64];
		ssize_t len;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, "anon_inode:bpf_link") || !strcmp(target, "anon_inode:[perf_event]"))
			n++;
	}
	closedir(dir);
	return n;
}

/* ---- the client child ---------------------------------------------- */

enum { MSG_PROGRESS = 1, MSG_RESULT = 2 };

struct msg_hdr {
	uint32_t type, len;
};

struct msg_progress {
	uint64_t ops;
	double elapsed_s;
};

struct msg_result {
	int rc;
	struct vtax_load_result r;
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
static void io_argv(char **argv, char (*buf)[64], const char *exe, const struct vtax_load_opts *lo,
		    const char *path, int prepare_only, double warmup_s, double duration_s)
{
	int n = 0, b = 0;

#define ARG(s) (argv[n++] = (char *)(s))
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
	NUM("%d", lo->rw);
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
	struct msg_result *m = calloc(1, sizeof(*m));
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
		io_argv(argv, nb, e->vtax_path, &lo, path, 0, lo.warmup_s, lo.duration_s);
		if (gated) {
			int k = 0;

			while (argv[k])
				k++;
			argv[k] = "--wait-signal";
			argv[k + 1] = NULL;
		}
		m->rc = out ? vtax_env__exec(e, argv, out, 1 << 20, lo.warmup_s + lo.duration_s + 60)
			    : -ENOMEM;
		/* the JSON says why even when `vtax load` failed */
		j = m->rc >= 0 ? json_loads(out, 0, &je) : NULL;
		if (j && vtax_load_result__from_json(j, &m->r, err, sizeof(err)) == 0) {
			if (m->r.error[0] || m->rc)
				m->rc = -EIO;
		} else {
			memset(&m->r, 0, sizeof(m->r));
			snprintf(m->r.error, sizeof(m->r.error), "vtax load in %s: %s: %.160s", e->name,
				 m->rc < 0 ? strerror(-m->rc) : m->rc ? "failed" : "no result",
				 out ? out : "");
			m->rc = m->rc < 0 ? m->rc : -EIO;
		}
		json_decref(j);
		free(out);
	} else if (c->have_cnet && (m->rc = vtax_clientnet__enter(&c->cnet))) {
		snprintf(m->r.error, sizeof(m->r.error), "cannot enter the client namespace %s: %s",
			 c->cnet.ns, strerror(-m->rc));
	} else {
		lo.progress = child_progress;
		lo.progress_ctx = &res_fd;
		m->rc = vtax_load__run(&lo, &m->r);
	}
	send_msg(res_fd, MSG_RESULT, m, sizeof(*m));
	_exit(0);
}

/*
 * The tracing session of one traced run: opened before the run, closed
 * after it, so that the untraced runs between have none.  When the
 * generator runs inside a container (io), it is opened only once `vtax
 * load` has started and is waiting for SIGUSR1: its exec and library
 * loading happen on the image's overlay layer in every Docker environment
 * and are not the data path.
 */
struct measure_ctx {
	int traced;  /* this run is traced (else no session may be open) */
	struct vtax_session *s;
	uint32_t server_id, client_id;
	pid_t proxy_pid;
	int in_env;  /* the generator runs inside the environment */
	int gated;   /* ... and waits for SIGUSR1, found in the container's cgroup */
	int stats_fd; /* BPF run-time statistics on while held (-1: none) */
	int calibrate; /* the calibration run: statistics on, nothing collected */
	struct vtax_result *round; /* this round's result (collected into, then merged) */
};

static int add_server(struct vtax_session *s, const struct vtax_env *e, int in_env, uint32_t *id,
		      char *err, size_t errlen);
static void fam_errors(struct vtax_compare_env *ce, const struct vtax_session *s);

static int session_begin(struct vtax_compare *c, int idx, struct vtax_env *e,
			 struct measure_ctx *mc)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_session_opts so = {
		.sz = sizeof(so), .families = c->opts.probes, .max_hists = c->opts.max_hists,
		.verbose = c->opts.verbose, .follow_forks = 1,
	};
	char err[512] = "";
	int rc;

	rc = vtax_session__open(&mc->s, &so, err, sizeof(err));
	if (rc) {
		mc->s = NULL;
		snprintf(ce->error, sizeof(ce->error), "tracing session: %s", err);
		return rc;
	}
	fam_errors(ce, mc->s);
	rc = add_server(mc->s, e, mc->in_env, &mc->server_id, err, sizeof(err));
	if (!rc)
		rc = vtax_session__add_subject(mc->s, "client", "pid", &mc->client_id);
	/* the client's packets: by its namespace, as a container's */
	if (!rc && c->have_cnet)
		vtax_session__subject(mc->s, mc->client_id)->netns_ino = c->cnet.ns_ino;
	if (!rc)
		rc = vtax_session__commit(mc->s);
	if (rc) {
		snprintf(ce->error, sizeof(ce->error), "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	if (c->opts.via_proxy && e->proxy_port > 0) {
		uint32_t proxy_id;
		pid_t pp = find_proxy(e->proxy_port);

		if (pp > 0 && !vtax_session__add_subject(mc->s, "proxy", "pid", &proxy_id) &&
		    !vtax_session__track_pid_tree(mc->s, pp, proxy_id) && !vtax_session__commit(mc->s)) {
			mc->proxy_pid = pp;
			vtax_session__subject(mc->s, proxy_id)->pid = pp;
		} else if (!ce->warning[0]) {
			snprintf(ce->warning, sizeof(ce->warning),
				 "docker-proxy for port %d not found: its time is not itemized",
				 e->proxy_port);
		}
	}
	vtax_sched__baseline(mc->s);
	/* the kernel times vtax's programs while this fd is held (about two
	 * clock reads per program run, on every BPF program of the host):
	 * in the calibration run only, never in a run whose components are
	 * reported */
	if (mc->calibrate)
		mc->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return 0;
}

/* Collect into the environment's result (adding to earlier runs) and close. */
static int session_end(struct vtax_compare *c, int idx, struct vtax_env *e,
		       struct measure_ctx *mc, int collect)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	int rc = 0;

	(void)e;
	if (!mc->s)
		return 0;
	/* into this round's result; the caller merges it into the env's */
	if (collect && mc->round) {
		rc = vtax_session__collect(mc->s, mc->round);
		if (rc)
			snprintf(ce->error, sizeof(ce->error), "collecting the histograms failed: %s",
				 strerror(-rc));
	}
	if (mc->stats_fd >= 0)
		close(mc->stats_fd);
	mc->stats_fd = -1;
	vtax_session__close(mc->s);
	mc->s = NULL;
	return rc;
}

/* The `vtax load --wait-signal` process in the container's cgroup. */
static pid_t wait_gated(struct vtax_compare *c, const struct vtax_env *e, pid_t client,
			double timeout_s)
{
	double end = now_s() + timeout_s;
	char path[600];

	snprintf(path, sizeof(path), "%s/cgroup.procs", e->cgroup_path);
	while (now_s() < end && !stopped(c)) {
		FILE *f = fopen(path, "re");
		int pid, st;

		while (f && fscanf(f, "%d", &pid) == 1) {
			char p2[64], cmd[2048];
			size_t n;
			FILE *g;

			snprintf(p2, sizeof(p2), "/proc/%d/cmdline", pid);
			g = fopen(p2, "re");
			if (!g)
				continue;
			n = fread(cmd, 1, sizeof(cmd) - 1, g);
			fclose(g);
			cmd[n] = 0;
			for (size_t i = 0; i + 1 < n; i++)
				if (!cmd[i])
					cmd[i] = ' ';
			if (strstr(cmd, " load ") && strstr(cmd, "--wait-signal")) {
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
	return stopped(c) ? -EINTR : -ETIMEDOUT;
}

/* Kill the client's process group: SIGTERM (it stops and reports), then
 * SIGKILL after grace_s. */
static void client_kill(pid_t pid, double grace_s)
{
	double end = now_s() + grace_s;
	int st;

	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	while (now_s() < end) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			return;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* Traced runs: the client's process tree is subject `client`.  Either way,
 * note whether a session is open and vtax's BPF attachments as it starts. */
static int track_client(struct measure_ctx *mc, pid_t pid, struct vtax_compare_run *meta)
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

/*
 * One run: fork the client, track it as subject `client` (traced runs), let
 * it go, relay its progress, read its result.  meta gets whether a session
 * was open and vtax's BPF attachments when the client was let go and when
 * its result came.  0, -EINTR, or -errno with ce->error.
 */
static int run_client(struct vtax_compare *c, int idx, int run, struct vtax_env *e,
		      const struct vtax_load_opts *lo, struct measure_ctx *mc,
		      struct msg_result *out, struct vtax_compare_run *meta)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	int go[2], res[2], rc = 0, got = 0;
	size_t have = 0, cap = sizeof(struct msg_hdr) + sizeof(struct msg_result) + 64;
	double t0 = now_s(), limit = lo->warmup_s + lo->duration_s + 90, last_prog = 0;
	uint64_t ops = 0;
	char *buf;
	pid_t pid;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (pipe2(go, O_CLOEXEC) || pipe2(res, O_CLOEXEC)) {
		free(buf);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(go[0]);
		close(go[1]);
		close(res[0]);
		close(res[1]);
		free(buf);
		return rc;
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
	close(go[0]);
	close(res[1]);
	if (mc->gated) {
		/* it runs as soon as it is told to; it then waits for SIGUSR1 */
		pid_t inner;

		rc = write(go[1], "g", 1) == 1 ? 0 : -EIO;
		inner = rc ? rc : wait_gated(c, e, pid, 60);
		if (inner < 0) {
			rc = inner;
			if (rc != -EINTR)
				snprintf(ce->error, sizeof(ce->error),
					 "vtax load did not start in %s: %s", e->name, strerror(-rc));
		}
		if (!rc) {
			progress(c, "attach", NULL, idx, run, now_s(), 0);
			rc = session_begin(c, idx, e, mc);
		}
		if (!rc)
			rc = track_client(mc, pid, meta);
		if (!rc && kill(inner, SIGUSR1))
			rc = -errno;
		if (rc) {
			if (!ce->error[0])
				snprintf(ce->error, sizeof(ce->error), "cannot start the traced client: %s",
					 strerror(-rc));
			close(go[1]);
			close(res[0]);
			client_kill(pid, 0);
			free(buf);
			return rc;
		}
	} else {
		rc = track_client(mc, pid, meta);
		if (!rc && write(go[1], "g", 1) != 1)
			rc = -EIO;
	}
	if (rc) {
		snprintf(ce->error, sizeof(ce->error), "cannot start the traced client: %s",
			 strerror(-rc));
		close(go[1]);
		close(res[0]);
		client_kill(pid, 0);
		free(buf);
		return rc ? rc : -EIO;
	}
	close(go[1]);

	for (;;) {
		struct pollfd pf = { .fd = res[0], .events = POLLIN };
		ssize_t n;
		int pr;

		if (stopped(c)) {
			rc = -EINTR;
			break;
		}
		if (now_s() - t0 > limit) {
			snprintf(ce->error, sizeof(ce->error), "the client did not finish within %.0f s",
				 limit);
			rc = -ETIMEDOUT;
			break;
		}
		pr = poll(&pf, 1, 100);
		if (now_s() - last_prog >= 0.25) {
			progress(c, "measure", mc->traced ? "traced" : "untraced", idx, run, t0, ops);
			last_prog = now_s();
		}
		if (pr <= 0)
			continue;
		n = read(res[0], buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the child is done */
		have += (size_t)n;
		/* consume complete messages */
		for (;;) {
			struct msg_hdr h;

			if (have < sizeof(h))
				break;
			memcpy(&h, buf, sizeof(h));
			if (h.len > cap - sizeof(h)) {
				rc = -EPROTO;
				break;
			}
			if (have < sizeof(h) + h.len)
				break;
			if (h.type == MSG_PROGRESS && h.len == sizeof(struct msg_progress)) {
				struct msg_progress p;

				memcpy(&p, buf + sizeof(h), sizeof(p));
				ops = p.ops;
			} else if (h.type == MSG_RESULT && h.len == sizeof(struct msg_result)) {
				memcpy(out, buf + sizeof(h), sizeof(*out));
				got = 1;
			}
			memmove(buf, buf + sizeof(h) + h.len, have - sizeof(h) - h.len);
			have -= sizeof(h) + h.len;
		}
		if (rc)
			break;
	}
	close(res[0]);
	free(buf);
	meta->bpf_links_end = bpf_attachments();
	if (rc) {
		client_kill(pid, 3);
		return rc;
	}
	client_kill(pid, 5); /* normally it has exited already: just reap */
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

/* ---- one environment ------------------------------------------------ */

/* Where this run's client connects: the remote client's address, the
 * docker-proxy's port, or the server's own. */
static void client_target(const struct vtax_compare *c, const struct vtax_env *e, const char **host, int *port)
{
	if (c->have_cnet && e->remote_host[0]) {
		*host = e->remote_host;
		*port = e->remote_port;
	} else if (c->opts.via_proxy && e->proxy_host[0]) {
		*host = e->proxy_host;
		*port = e->proxy_port;
	} else {
		*host = e->server_host;
		*port = e->server_port;
	}
}

/* Workload options for this environment: where the server is, the file. */
static void env_load_opts(const struct vtax_compare *c, const struct vtax_env *e,
			  struct vtax_load_opts *lo, char *path, size_t pathlen)
{
	*lo = c->opts.load;
	lo->sz = sizeof(*lo);
	lo->workload = c->opts.workload;
	lo->duration_s = c->opts.duration_s;
	lo->warmup_s = c->opts.warmup_s;
	lo->stop = c->opts.stop;
	lo->progress = NULL;
	if (c->opts.workload == VTAX_WL_IO) {
		snprintf(path, pathlen, "%s/vtax-io.dat", e->data_dir);
		lo->path = path;
		return;
	}
	client_target(c, e, &lo->host, &lo->port);
	if (c->opts.workload == VTAX_WL_OLTP) {
		lo->user = e->db_user;
		lo->password = e->db_password;
		lo->db = e->db_name;
	}
}

static int env_prepare(struct vtax_compare *c, int idx, struct vtax_env *e,
		       const struct vtax_load_opts *lo)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	char err[256] = "";
	int rc;

	progress(c, "prepare", NULL, idx, 0, now_s(), 0);
	if (c->opts.workload == VTAX_WL_IO && e->kind != VTAX_ENV_NATIVE) {
		char *argv[40], nb[16][64], *out = malloc(65536);

		if (!out)
			return -ENOMEM;
		io_argv(argv, nb, e->vtax_path, lo, lo->path, 1, 0, 0);
		rc = vtax_env__exec(e, argv, out, 65536, 300);
		if (rc) {
			snprintf(ce->error, sizeof(ce->error), "preparing the io file in %s failed (%d): %.300s",
				 e->name, rc, out);
			free(out);
			return rc < 0 ? rc : -EIO;
		}
		free(out);
		return 0;
	}
	rc = vtax_load__prepare(lo, err, sizeof(err));
	if (rc)
		snprintf(ce->error, sizeof(ce->error), "preparing the %s workload failed: %s",
			 vtax_workload__name(c->opts.workload), err);
	return rc;
}

/* Subject "server": the environment itself. */
static int add_server(struct vtax_session *s, const struct vtax_env *e, int in_env, uint32_t *id,
		      char *err, size_t errlen)
{
	struct vtax_subject_def *d;
	pid_t pid = e->kind == VTAX_ENV_VM ? (e->vmm_pid > 0 ? e->vmm_pid : e->server_pid)
					   : e->server_pid;
	const char *kind = e->kind == VTAX_ENV_NATIVE ? "pid" : e->kind == VTAX_ENV_VM ? "vm"
											: "container";
	int rc;

	*id = 0;
	rc = vtax_session__add_subject(s, "server", kind, id);
	if (rc) {
		snprintf(err, errlen, "cannot add the server subject: %s", strerror(-rc));
		return rc;
	}
	d = vtax_session__subject(s, *id);
	d->netns_ino = e->netns_ino;
	/* native io has no server process (server_pid is vtax itself) */
	if (pid > 0 && pid != getpid()) {
		d->pid = pid;
		rc = vtax_session__track_pid_tree(s, pid, *id);
		if (rc) {
			snprintf(err, errlen, "cannot track the server (pid %d): %s", (int)pid,
				 strerror(-rc));
			return rc;
		}
	}
	/*
	 * By cgroup only when the workload runs inside the container (io:
	 * `docker exec` processes are not descendants of the server).  A
	 * tracked cgroup makes every traced event walk cgroup ancestors, a
	 * cost native does not pay: with a server alone, the PID tree is the
	 * same subject at the same per-event cost as on native.
	 */
	if (in_env && e->cgroup_path[0] && e->kind != VTAX_ENV_NATIVE && e->kind != VTAX_ENV_VM) {
		snprintf(d->cgroup_path, sizeof(d->cgroup_path), "%s", e->cgroup_path);
		rc = vtax_session__track_cgroup(s, e->cgroup_path, *id, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static void record_run(struct vtax_compare_env *ce, struct vtax_compare_pass *ps,
		       const struct vtax_load_result *r, const struct vtax_compare_run *meta)
{
	struct vtax_compare_run *ru;

	if (ps->nruns >= VTAX_COMPARE_MAX_RUNS)
		return;
	ru = &ps->runs[ps->nruns++];
	*ru = *meta;
	ru->ops = r->ops;
	ru->warmup_ops = r->warmup_ops;
	ru->errors = r->errors;
	ru->elapsed_s = r->elapsed_s;
	ru->ops_per_s = r->ops_per_s;
	ru->mean_ns = vtax_hist__mean(&r->latency);
	ru->p50_ns = (double)vtax_hist__quantile(&r->latency, 0.5);
	ru->p99_ns = (double)vtax_hist__quantile(&r->latency, 0.99);
	ru->p999_ns = (double)vtax_hist__quantile(&r->latency, 0.999);
	vtax_hist__merge(&ps->latency, &r->latency);
	ps->ops += r->ops;
	ps->warmup_ops += r->warmup_ops;
	ps->errors += r->errors;
	ps->elapsed_s += r->elapsed_s;
	if (r->op_name[0])
		snprintf(ce->op_name, sizeof(ce->op_name), "%s", r->op_name);
	if (r->warning[0] && !ce->warning[0])
		snprintf(ce->warning, sizeof(ce->warning), "%s", r->warning);
}

static void finish_runs(struct vtax_compare_pass *ps)
{
	double v[VTAX_COMPARE_MAX_RUNS] = { 0 };

	for (int i = 0; i < ps->nruns; i++)
		v[i] = ps->runs[i].ops_per_s;
	ps->ops_per_s = vtax_compare__median(v, ps->nruns);
	ps->ops_per_s_min = ps->ops_per_s_max = ps->nruns ? v[0] : 0;
	ps->mean_min_ns = ps->mean_max_ns = ps->nruns ? ps->runs[0].mean_ns : 0;
	for (int i = 1; i < ps->nruns; i++) {
		ps->ops_per_s_min = fmin(ps->ops_per_s_min, v[i]);
		ps->ops_per_s_max = fmax(ps->ops_per_s_max, v[i]);
		ps->mean_min_ns = fmin(ps->mean_min_ns, ps->runs[i].mean_ns);
		ps->mean_max_ns = fmax(ps->mean_max_ns, ps->runs[i].mean_ns);
	}
}

const struct vtax_compare_pass *vtax_compare_env__headline(const struct vtax_compare_env *ce)
{
	return ce->untraced ? &ce->pass[VTAX_PASS_UNTRACED] : &ce->pass[VTAX_PASS_TRACED];
}

double vtax_compare_env__overhead_ns(const struct vtax_compare_env *ce)
{
	const struct vtax_hist *u = &ce->pass[VTAX_PASS_UNTRACED].latency;
	const struct vtax_hist *t = &ce->pass[VTAX_PASS_TRACED].latency;

	if (!ce->untraced || !u->count || !t->count)
		return NAN;
	return vtax_hist__mean(t) - vtax_hist__mean(u);
}

static void fam_errors(struct vtax_compare_env *ce, const struct vtax_session *s)
{
	size_t off = 0;

	ce->families = s->loaded;
	ce->fam_errors[0] = 0;
	for (int f = 1; f < VTAX_FAM_MAX; f++) {
		const struct vtax_probe_ops *p = vtax_probe__by_family((enum vtax_family)f);

		if (!p || !(s->opts.families & (1u << f)) || (s->loaded & (1u << f)))
			continue;
		if (off < sizeof(ce->fam_errors))
			off += (size_t)snprintf(ce->fam_errors + off, sizeof(ce->fam_errors) - off,
						"%s%s: %s", off ? "; " : "", p->name,
						s->fam_error[f][0] ? s->fam_error[f] : "not loaded");
	}
}

/* ---- one environment's state across the rounds ------------------------ */

/* Accumulated over the traced runs of one environment. */
struct traced_totals {
	double server_oncpu, vcpu_oncpu, proxy_oncpu;
	double seconds;
	pid_t proxy_pid;
};

struct env_state {
	struct vtax_env *e;
	struct vtax_load_opts lo;
	char path[600];
	char workdir[560];
	struct traced_totals tt;
	struct oncpu_snap *snap[4];
	struct vtax_result *round;        /* this round's traced result */
	struct vtax_hist rlat[VTAX_PASS__COUNT]; /* this round's client latency */
	uint64_t rops;                    /* operations this round's traced run covered */
	int done[VTAX_PASS__COUNT];       /* this round's passes measured */
	int live;                         /* set up, not failed */
};

static pid_t server_pid(const struct vtax_env *e)
{
	pid_t p = e->kind == VTAX_ENV_VM && e->vmm_pid > 0 ? e->vmm_pid : e->server_pid;

	return p == getpid() ? 0 : p;
}

/* One untraced run: no session is open (the caller closed the last one).
 * record: keep it as a run of the untraced pass (not for the warm-up). */
static int measure_untraced(struct vtax_compare *c, int idx, int run, int seq,
			    struct env_state *st, struct msg_result *m, int record)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env *e = st->e;
	/* in a container the io generator needs no gate: nothing is traced */
	struct measure_ctx mc = {
		.in_env = c->opts.workload == VTAX_WL_IO && e->kind != VTAX_ENV_NATIVE,
		.stats_fd = -1,
	};
	struct vtax_compare_run meta = { .seq = seq };
	struct vtax_load_opts lo = st->lo;
	int rc;

	if (!record) {
		lo.duration_s = c->opts.env_warmup_s;
		lo.warmup_s = 0;
	}
	memset(m, 0, sizeof(*m));
	rc = run_client(c, idx, run, e, &lo, &mc, m, &meta);
	if (rc || !record)
		return rc;
	record_run(ce, &ce->pass[VTAX_PASS_UNTRACED], &m->r, &meta);
	st->rlat[VTAX_PASS_UNTRACED] = m->r.latency;
	st->done[VTAX_PASS_UNTRACED] = 1;
	ce->untraced = 1;
	return 0;
}

/*
 * One traced run: open a session, run, collect into this round's result
 * (merged into the environment's), close.  calibrate: the calibration run
 * instead, with BPF run-time statistics on and nothing collected: vtax's
 * programs' cost per run and per operation.
 */
static int measure_traced(struct vtax_compare *c, int idx, int run, int seq,
			  struct env_state *st, struct msg_result *m, int calibrate)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env *e = st->e;
	pid_t srv = server_pid(e);
	struct measure_ctx mc = { .traced = 1, .stats_fd = -1, .calibrate = calibrate };
	struct vtax_compare_run meta = { .seq = seq };
	struct traced_totals *tt = &st->tt;
	double t0 = now_s(), all, vcpu;
	struct vtax_result *r = NULL;
	int rc;

	mc.in_env = c->opts.workload == VTAX_WL_IO && e->kind != VTAX_ENV_NATIVE;
	/* a container's processes are found in its cgroup; a guest's are not visible */
	mc.gated = mc.in_env && e->kind != VTAX_ENV_VM && e->cgroup_path[0];
	if (!calibrate) {
		r = vtax_result__new("compare-env");
		if (!r)
			return -ENOMEM;
		mc.round = r;
	}
	if (!mc.gated) {
		double ta = now_s();

		progress(c, "attach", NULL, idx, run, t0, 0);
		rc = session_begin(c, idx, e, &mc);
		if (rc)
			goto out;
		ce->attach_s = (ce->attach_s * ce->attach_n + (now_s() - ta)) / (ce->attach_n + 1);
		ce->attach_n++;
	}
	if (srv)
		oncpu_read(srv, st->snap[0]);
	oncpu_read(mc.proxy_pid, st->snap[2]);
	memset(m, 0, sizeof(*m));
	rc = run_client(c, idx, run, e, &st->lo, &mc, m, &meta);
	if (rc)
		goto out;
	if (srv)
		oncpu_read(srv, st->snap[1]);
	oncpu_read(mc.proxy_pid, st->snap[3]);
	if (calibrate) {
		uint64_t ns, calls, ops = m->r.ops + m->r.warmup_ops;

		/* the whole session ran the warm-up and the measured phase */
		if (mc.stats_fd >= 0 && !vtax_session__bpf_stats(mc.s, &ns, &calls) && calls && ops) {
			ce->probe_bpf_ns_per_op = (double)ns / (double)ops;
			ce->probe_bpf_calls_per_op = (double)calls / (double)ops;
			ce->prog_run_ns = (double)ns / (double)calls;
		}
		rc = 0;
		goto out;
	}
	record_run(ce, &ce->pass[VTAX_PASS_TRACED], &m->r, &meta);
	progress(c, "collect", NULL, idx, run, now_s(), m->r.ops);
	rc = session_end(c, idx, e, &mc, 1);
	if (rc)
		goto out;
	{
		struct vtax_subject *subj;

		if (srv) {
			oncpu_delta(st->snap[0], st->snap[1], &all, &vcpu);
			tt->server_oncpu += all;
			tt->vcpu_oncpu += vcpu;
			subj = vtax_result__subject(r, "server", e->kind == VTAX_ENV_VM ? "vm" : "pid");
			if (subj) {
				vtax_subject__counter(subj, "compare.server_oncpu_ns", "ns", all, 1);
				if (e->kind == VTAX_ENV_VM)
					vtax_subject__counter(subj, "compare.vcpu_oncpu_ns", "ns", vcpu, 1);
			}
		}
		if (mc.proxy_pid > 0) {
			oncpu_delta(st->snap[2], st->snap[3], &all, &vcpu);
			tt->proxy_oncpu += all;
			tt->proxy_pid = mc.proxy_pid;
			subj = vtax_result__subject(r, "proxy", "pid");
			if (subj)
				vtax_subject__counter(subj, "compare.proxy_oncpu_ns", "ns", all, 1);
		}
	}
	if (!ce->traced)
		ce->traced = vtax_result__new("compare-env");
	if (!ce->traced || vtax_result__merge(ce->traced, r)) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(ce->traced->env, sizeof(ce->traced->env), "%s", ce->name);
	snprintf(ce->traced->label, sizeof(ce->traced->label), "%s", ce->label);
	vtax_result__free(st->round);
	st->round = r;
	r = NULL;
	st->rops = m->r.ops + m->r.warmup_ops;
	st->rlat[VTAX_PASS_TRACED] = m->r.latency;
	st->done[VTAX_PASS_TRACED] = 1;
	tt->seconds += now_s() - t0;
out:
	session_end(c, idx, e, &mc, 0);
	vtax_result__free(r);
	return rc;
}

/* The environment's totals once the rounds are over. */
static void env_finish(struct vtax_compare *c, int idx, struct env_state *st)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct traced_totals *tt = &st->tt;
	struct vtax_env *e = st->e;

	for (int p = 0; p < VTAX_PASS__COUNT; p++)
		finish_runs(&ce->pass[p]);
	if (!ce->traced)
		return;
	ce->traced->duration_s = tt->seconds;
	ce->traced->start_unix_ns = (uint64_t)time(NULL) * 1000000000ull -
				    (uint64_t)(ce->traced->duration_s * 1e9);
	{
		struct vtax_subject *subj = vtax_result__subject(ce->traced, "server",
								 e->kind == VTAX_ENV_VM ? "vm" : "pid");
		const struct vtax_compare_pass *tp = &ce->pass[VTAX_PASS_TRACED];

		if (subj && server_pid(e)) {
			vtax_subject__counter(subj, "compare.server_oncpu_ns", "ns", tt->server_oncpu, 0);
			if (e->kind == VTAX_ENV_VM)
				vtax_subject__counter(subj, "compare.vcpu_oncpu_ns", "ns", tt->vcpu_oncpu, 0);
		}
		if (tt->proxy_pid > 0) {
			subj = vtax_result__subject(ce->traced, "proxy", "pid");
			if (subj)
				vtax_subject__counter(subj, "compare.proxy_oncpu_ns", "ns", tt->proxy_oncpu, 0);
		}
		subj = vtax_result__subject(ce->traced, "client", "pid");
		if (subj)
			vtax_subject__counter(subj, "compare.ops_traced", "count",
					      (double)(tp->ops + tp->warmup_ops), 0);
	}
	vtax_result__sort(ce->traced);
}

static int env_setup(struct vtax_compare *c, int idx, const char *workdir, struct env_state *st)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env_opts eo = {
		.sz = sizeof(eo),
		.kind = ce->kind,
		.server = c->opts.workload == VTAX_WL_KV     ? VTAX_SERVER_REDIS
			  : c->opts.workload == VTAX_WL_OLTP ? VTAX_SERVER_MARIADB
							     : VTAX_SERVER_NONE,
		.overlay_layers = c->opts.overlay_layers,
		.workdir = st->workdir,
		.timeout_s = c->opts.env_timeout_s,
		.stop = c->opts.stop,
		.verbose = c->opts.verbose,
		.client_addr = c->have_cnet ? c->cnet.host_addr : NULL,
	};
	struct vtax_env *e = calloc(1, sizeof(*e));
	char err[512] = "";
	double t0 = now_s();
	int rc;

	if (!e)
		return -ENOMEM;
	/* a directory per instance: native and native@2 do not share data */
	snprintf(st->workdir, sizeof(st->workdir), "%s/%d", workdir, idx);
	if (mkdir(st->workdir, 0700) && errno != EEXIST) {
		rc = -errno;
		snprintf(ce->error, sizeof(ce->error), "cannot create %s: %s", st->workdir, strerror(-rc));
		free(e);
		return rc;
	}
	progress(c, "setup", NULL, idx, 0, t0, 0);
	rc = vtax_env__setup(&eo, e, err, sizeof(err));
	ce->setup_s = now_s() - t0;
	if (rc) {
		snprintf(ce->error, sizeof(ce->error), "set-up failed: %s", err[0] ? err : strerror(-rc));
		free(e);
		return stopped(c) ? -EINTR : rc;
	}
	st->e = e;
	ce->emulated = e->emulated;
	snprintf(ce->accel, sizeof(ce->accel), "%s", e->accel);
	if (e->emulated)
		snprintf(ce->label, sizeof(ce->label), "%s",
			 e->label[0] ? e->label : VTAX_EMULATED_LABEL);
	{
		const char *h;

		client_target(c, e, &h, &ce->server_port);
		snprintf(ce->server_host, sizeof(ce->server_host), "%s", h);
	}
	if (c->have_cnet && e->kind == VTAX_ENV_VM && e->priv.bridge[0]) {
		rc = vtax_clientnet__allow_bridge(&c->cnet, e->priv.bridge, err, sizeof(err));
		if (rc) {
			snprintf(ce->error, sizeof(ce->error), "the remote client cannot reach the guest: %s",
				 err);
			return rc;
		}
	}
	env_load_opts(c, e, &st->lo, st->path, sizeof(st->path));
	rc = env_prepare(c, idx, e, &st->lo);
	if (rc)
		return rc;
	for (int i = 0; i < 4; i++)
		if (!(st->snap[i] = calloc(1, sizeof(*st->snap[i]))))
			return -ENOMEM;
	st->live = 1;
	return 0;
}

static void env_teardown(struct vtax_compare *c, int idx, struct env_state *st)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env *e = st->e;

	st->live = 0;
	if (e) {
		progress(c, "teardown", NULL, idx, 0, now_s(), 0);
		if (server_pid(e))
			vtax_hygiene__signal_tree(server_pid(e), SIGCONT);
		if (c->have_cnet && e->priv.bridge[0])
			vtax_clientnet__forget_bridge(&c->cnet, e->priv.bridge);
		if (vtax_env__teardown(e) && !ce->warning[0])
			snprintf(ce->warning, sizeof(ce->warning), "teardown reported an error");
		free(e);
		st->e = NULL;
	}
	for (int i = 0; i < 4; i++) {
		free(st->snap[i]);
		st->snap[i] = NULL;
	}
	vtax_result__free(st->round);
	st->round = NULL;
}

/*
 * Before each measured slot: only this environment's server may run (the
 * others are stopped), it runs on the server CPU (re-pinned: threads come
 * and go), PM QoS is held.
 */
static void slot_hygiene(struct vtax_compare *c, struct env_state *st, int idx)
{
	for (int i = 0; i < c->nenvs; i++) {
		pid_t p;

		if (!st[i].live || !(p = server_pid(st[i].e)))
			continue;
		if (i == idx || !c->hyg.quiet)
			vtax_hygiene__signal_tree(p, SIGCONT);
		else
			vtax_hygiene__signal_tree(p, SIGSTOP);
		if (i == idx && c->hyg.pin)
			vtax_hygiene__pin_tree(p, c->hyg.server_cpu);
	}
	vtax_hygiene__hold(&c->hyg);
}

static void resume_all(struct vtax_compare *c, struct env_state *st)
{
	for (int i = 0; i < c->nenvs; i++)
		if (st[i].live && server_pid(st[i].e))
			vtax_hygiene__signal_tree(server_pid(st[i].e), SIGCONT);
	vtax_hygiene__release(&c->hyg);
}

/* ---- the ledger -------------------------------------------------------- */

/* The baseline: the first native environment measured. */
static int base_index(const struct vtax_compare *c, const struct env_state *st)
{
	for (int i = 0; i < c->nenvs; i++)
		if (c->envs[i].kind == VTAX_ENV_NATIVE && c->envs[i].ok && (!st || st[i].live))
			return i;
	return -1;
}

static int build_ledger_of(struct vtax_compare *c, struct vtax_ledger *l,
			   const struct vtax_ledger_input *in, int n, int base)
{
	struct vtax_ledger_opts lo = {
		.sz = sizeof(lo), .op_name = c->op_name, .concurrency = c->concurrency,
	};

	return vtax_ledger__build(l, &lo, &in[base], in, n);
}

static void build_ledger(struct vtax_compare *c)
{
	struct vtax_ledger_input in[VTAX_COMPARE_MAX_ENVS];
	int base = base_index(c, NULL), n = 0;

	if (base < 0)
		return;
	for (int i = 0; i < c->nenvs; i++) {
		struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_compare_pass *hp = vtax_compare_env__headline(ce);
		const struct vtax_compare_pass *tp = &ce->pass[VTAX_PASS_TRACED];

		if (!ce->ok)
			continue;
		/* headline (difference, throughput): untraced runs;
		 * components: the traced runs' sessions */
		in[n] = (struct vtax_ledger_input){
			.env = ce->name,
			.traced = ce->traced,
			.traced_ops = tp->ops + tp->warmup_ops,
			.latency = &hp->latency,
			.traced_latency = &tp->latency,
			.untraced = ce->untraced,
			.ops_per_s = hp->ops_per_s,
			.run_mean_min_ns = hp->mean_min_ns,
			.run_mean_max_ns = hp->mean_max_ns,
			.families = ce->families,
			.emulated = ce->emulated,
			.label = ce->label,
			.prog_run_ns = isfinite(ce->prog_run_ns) ? ce->prog_run_ns : 0,
		};
		if (i == base)
			base = n;
		n++;
	}
	if (build_ledger_of(c, &c->ledger, in, n, base) == 0) {
		c->have_ledger = 1;
		if (c->rounds)
			vtax_rounds__apply(c->rounds, &c->ledger);
	}
}

/* One round's ledger, from this round's runs alone: its values go to the
 * intervals (rounds.h). */
static void round_ledger(struct vtax_compare *c, struct env_state *st)
{
	struct vtax_ledger_input in[VTAX_COMPARE_MAX_ENVS];
	struct vtax_ledger l;
	int base = -1, n = 0, hp = c->opts.no_untraced ? VTAX_PASS_TRACED : VTAX_PASS_UNTRACED;

	for (int i = 0; i < c->nenvs; i++) {
		struct vtax_compare_env *ce = &c->envs[i];

		if (!st[i].live || !st[i].done[VTAX_PASS_TRACED] || !st[i].done[hp] || !st[i].round)
			continue;
		if (base < 0 && ce->kind == VTAX_ENV_NATIVE)
			base = n;
		in[n++] = (struct vtax_ledger_input){
			.env = ce->name,
			.traced = st[i].round,
			.traced_ops = st[i].rops,
			.latency = &st[i].rlat[hp],
			.traced_latency = &st[i].rlat[VTAX_PASS_TRACED],
			.untraced = hp == VTAX_PASS_UNTRACED,
			.families = ce->families,
			.prog_run_ns = isfinite(ce->prog_run_ns) ? ce->prog_run_ns : 0,
		};
	}
	if (base < 0 || n < 2)
		return;
	if (build_ledger_of(c, &l, in, n, base) == 0) {
		vtax_rounds__add(c->rounds, &l);
		vtax_ledger__free(&l);
	}
}

/* An environment failed during the rounds: reported, torn down now. */
static void env_failed(struct vtax_compare *c, int idx, struct env_state *st, int rc)
{
	struct vtax_compare_env *ce = &c->envs[idx];

	if (!ce->error[0])
		snprintf(ce->error, sizeof(ce->error), "%s", strerror(-rc));
	ce->ok = 0;
	env_teardown(c, idx, st);
}

/*
 * Interleaved rounds: in each, every live environment runs its untraced
 * and its traced pass once (duration_s each), in a random order (seeded).
 * Stop after --runs rounds, or (adaptive) once every interval is within
 * the target width, or before the next round would pass the time budget.
 */
static int run_rounds(struct vtax_compare *c, struct env_state *st)
{
	struct msg_result *m = calloc(1, sizeof(*m));
	int seq[VTAX_COMPARE_MAX_ENVS] = { 0 }, slots[2 * VTAX_COMPARE_MAX_ENVS];
	struct vtax_rng rng;
	double t0 = now_s(), tr = 0, native_mean = 0;
	int rc = 0;

	if (!m)
		return -ENOMEM;
	vtax_rng__seed(&rng, c->opts.seed ? c->opts.seed : VTAX_STATS_SEED);
	/* warm each environment once (untraced, not recorded), then its
	 * calibration run (bpf_stats; nothing recorded) */
	for (int i = 0; i < c->nenvs && !stopped(c); i++) {
		if (!st[i].live)
			continue;
		slot_hygiene(c, st, i);
		rc = c->opts.env_warmup_s > 0 ? measure_untraced(c, i, 0, 0, &st[i], m, 0) : 0;
		if (!rc && !c->opts.no_calibrate)
			rc = measure_traced(c, i, 0, 0, &st[i], m, 1);
		if (!rc && c->envs[i].kind == VTAX_ENV_NATIVE && !native_mean)
			native_mean = vtax_hist__mean(&m->r.latency);
		if (rc == -EINTR || stopped(c))
			break;
		if (rc)
			env_failed(c, i, &st[i], rc);
		rc = 0;
	}
	c->ci_width_ns = c->opts.ci_width_ns > 0 ? c->opts.ci_width_ns
						 : c->opts.ci_width_rel * native_mean / c->concurrency;
	for (int r = 1; r <= VTAX_ROUNDS_MAX && !stopped(c); r++) {
		double rs = now_s();
		int ns = 0, nlive = 0;

		for (int i = 0; i < c->nenvs; i++) {
			st[i].done[0] = st[i].done[1] = 0;
			if (!st[i].live)
				continue;
			nlive++;
			if (!c->opts.no_untraced)
				slots[ns++] = 2 * i + VTAX_PASS_UNTRACED;
			slots[ns++] = 2 * i + VTAX_PASS_TRACED;
		}
		if (!nlive)
			break;
		vtax_rng__shuffle(&rng, slots, ns);
		for (int k = 0; k < ns && !stopped(c); k++) {
			int i = slots[k] / 2, pass = slots[k] % 2;

			if (!st[i].live)
				continue;
			slot_hygiene(c, st, i);
			rc = pass == VTAX_PASS_UNTRACED ? measure_untraced(c, i, r, ++seq[i], &st[i], m, 1)
							: measure_traced(c, i, r, ++seq[i], &st[i], m, 0);
			if (rc == -EINTR || stopped(c))
				break;
			if (rc)
				env_failed(c, i, &st[i], rc);
			rc = 0;
		}
		if (stopped(c))
			break;
		round_ledger(c, st);
		c->nrounds = r;
		tr = now_s() - rs;
		if (c->opts.runs > 0) {
			if (r >= c->opts.runs) {
				snprintf(c->stop_reason, sizeof(c->stop_reason), "--runs %d", c->opts.runs);
				break;
			}
			continue;
		}
		if (vtax_rounds__tight(c->rounds, c->opts.min_rounds, c->ci_width_ns, &c->worst_ci_ns)) {
			snprintf(c->stop_reason, sizeof(c->stop_reason),
				 "every interval within %.0f ns", c->ci_width_ns);
			break;
		}
		if (now_s() - t0 + tr > c->opts.budget_s) {
			snprintf(c->stop_reason, sizeof(c->stop_reason), "time budget (%.0f s)",
				 c->opts.budget_s);
			break;
		}
	}
	vtax_rounds__tight(c->rounds, 2, c->ci_width_ns, &c->worst_ci_ns);
	c->measure_s = now_s() - t0;
	resume_all(c, st);
	free(m);
	return stopped(c) ? -EINTR : 0;
}

static const char *op_name_of(enum vtax_workload w)
{
	return w == VTAX_WL_KV ? "request" : w == VTAX_WL_OLTP ? "transaction" : "io";
}

int vtax_compare__run(struct vtax_compare *c, const struct vtax_compare_opts *uo, char *err,
		      size_t errlen)
{
	struct env_state st[VTAX_COMPARE_MAX_ENVS];
	char tmpl[512], *workdir;
	double t0 = now_s();
	int rc = 0;

	memset(c, 0, sizeof(*c));
	memset(st, 0, sizeof(st));
	if (!uo || !uo->nenvs || uo->nenvs > VTAX_COMPARE_MAX_ENVS) {
		snprintf(err, errlen, "no environments to compare");
		return -EINVAL;
	}
	memcpy(&c->opts, uo, uo->sz && uo->sz < sizeof(c->opts) ? uo->sz : sizeof(c->opts));
	if (c->opts.runs < 0)
		c->opts.runs = 0;
	if (c->opts.runs > VTAX_COMPARE_MAX_RUNS)
		c->opts.runs = VTAX_COMPARE_MAX_RUNS;
	if (c->opts.duration_s <= 0)
		c->opts.duration_s = 1;
	if (c->opts.warmup_s < 0)
		c->opts.warmup_s = 0;
	if (c->opts.env_warmup_s < 0)
		c->opts.env_warmup_s = 0;
	if (c->opts.budget_s <= 0)
		c->opts.budget_s = 120;
	if (c->opts.ci_width_ns <= 0 && c->opts.ci_width_rel <= 0)
		c->opts.ci_width_rel = 0.10;
	if (c->opts.min_rounds < 2)
		c->opts.min_rounds = VTAX_ROUNDS_MIN;
	if (!c->opts.probes)
		c->opts.probes = vtax_probe__default_mask();
	c->opts.load.workload = c->opts.workload;
	c->concurrency = vtax_compare__concurrency(&c->opts.load);
	snprintf(c->op_name, sizeof(c->op_name), "%s", op_name_of(c->opts.workload));
	c->nenvs = c->opts.nenvs;
	for (int i = 0; i < c->nenvs; i++) {
		c->envs[i].kind = c->opts.envs[i];
		snprintf(c->envs[i].name, sizeof(c->envs[i].name), "%s",
			 c->opts.env_names[i][0] ? c->opts.env_names[i]
						 : vtax_env_kind__name(c->opts.envs[i]));
		snprintf(c->envs[i].op_name, sizeof(c->envs[i].op_name), "%s", c->op_name);
		c->envs[i].probe_bpf_ns_per_op = c->envs[i].probe_bpf_calls_per_op = NAN;
		c->envs[i].prog_run_ns = NAN;
	}
	c->rounds = calloc(1, sizeof(*c->rounds));
	if (!c->rounds) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	/* leftovers of a killed earlier run (labelled vtax=1, vtax* links) */
	vtax_env__cleanup_stale(c->stale_report, sizeof(c->stale_report));

	vtax_clientnet__cleanup_stale(c->stale_report + strlen(c->stale_report),
				      sizeof(c->stale_report) - strlen(c->stale_report));

	snprintf(tmpl, sizeof(tmpl), "%s/vtax-compare.XXXXXX",
		 c->opts.workdir && *c->opts.workdir ? c->opts.workdir : "/var/tmp");
	workdir = mkdtemp(tmpl);
	if (!workdir) {
		snprintf(err, errlen, "cannot create a work directory in %s: %s",
			 c->opts.workdir ? c->opts.workdir : "/var/tmp", strerror(errno));
		return -errno;
	}
	/* the io workload has no client on the network */
	if (c->opts.remote_client && c->opts.workload != VTAX_WL_IO) {
		char cerr[256] = "";

		rc = vtax_clientnet__setup(&c->cnet, cerr, sizeof(cerr));
		if (rc && c->opts.remote_client == 1) {
			snprintf(err, errlen, "--client remote: %s", cerr);
			vtax_env__rm_rf(workdir);
			return rc;
		}
		if (rc) {
			snprintf(c->client_note, sizeof(c->client_note),
				 "no remote client (%s): the client ran on the host (--client local)", cerr);
			fprintf(stderr, "vtax: warning: %s\n", c->client_note);
			rc = 0;
		} else {
			c->have_cnet = 1;
			c->client_remote = 1;
		}
	}
	vtax_hygiene__init(&c->hyg, &c->opts.hygiene);
	/* every environment first, then the rounds across all of them */
	for (int i = 0; i < c->nenvs; i++) {
		if (stopped(c)) {
			rc = -EINTR;
			break;
		}
		rc = env_setup(c, i, workdir, &st[i]);
		if (rc == -EINTR || stopped(c)) {
			rc = -EINTR;
			break;
		}
		if (rc) {
			st[i].live = 1; /* torn down below */
			env_failed(c, i, &st[i], rc);
		}
		rc = 0; /* a failed environment is reported; the others run */
		/* quiet: set up and idle, it stays stopped until its turn */
		if (st[i].live && c->hyg.quiet && server_pid(st[i].e))
			vtax_hygiene__signal_tree(server_pid(st[i].e), SIGSTOP);
	}
	if (!rc)
		rc = run_rounds(c, st);
	else
		resume_all(c, st);
	for (int i = 0; i < c->nenvs; i++) {
		if (!st[i].live)
			continue;
		if (!rc && !c->envs[i].error[0] && c->envs[i].pass[VTAX_PASS_TRACED].nruns)
			c->envs[i].ok = 1;
		else if (!rc && !c->envs[i].error[0])
			snprintf(c->envs[i].error, sizeof(c->envs[i].error), "no round completed");
		env_finish(c, i, &st[i]);
		env_teardown(c, i, &st[i]);
	}
	vtax_hygiene__fini(&c->hyg);
	vtax_env__rm_rf(workdir);
	if (c->have_cnet) {
		vtax_clientnet__teardown(&c->cnet);
		c->have_cnet = 0;
	}
	c->total_s = now_s() - t0;
	if (rc == -EINTR) {
		c->interrupted = 1;
		snprintf(err, errlen, "interrupted: the environments were torn down");
		return rc;
	}
	build_ledger(c);
	return 0;
}

void vtax_compare__free(struct vtax_compare *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nenvs; i++) {
		vtax_result__free(c->envs[i].traced);
		c->envs[i].traced = NULL;
	}
	vtax_ledger__free(&c->ledger);
	c->have_ledger = 0;
	free(c->rounds);
	c->rounds = NULL;
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *spread_json(const struct vtax_compare_pass *ps, size_t off)
{
	double v[VTAX_COMPARE_MAX_RUNS] = { 0 }, mn = 0, mx = 0;

	for (int i = 0; i < ps->nruns; i++) {
		/* a double field picked by offsetof: memcpy keeps it type-safe */
		memcpy(&v[i], (const char *)&ps->runs[i] + off, sizeof(v[i]));
		mn = i ? fmin(mn, v[i]) : v[i];
		mx = i ? fmax(mx, v[i]) : v[i];
	}
	return json_pack("{s:f,s:f,s:f}", "median", vtax_compare__median(v, ps->nruns), "min", mn,
			 "max", mx);
}

static json_t *runs_json(const struct vtax_compare_pass *ps, const char *pass)
{
	json_t *runs = json_array();

	for (int r = 0; r < ps->nruns; r++) {
		const struct vtax_compare_run *ru = &ps->runs[r];
		json_t *o = json_pack("{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "ops",
				      (json_int_t)ru->ops, "warmup_ops", (json_int_t)ru->warmup_ops,
				      "errors", (json_int_t)ru->errors, "elapsed_s", ru->elapsed_s,
				      "throughput_ops_s", ru->ops_per_s, "mean_ns", ru->mean_ns,
				      "p50_ns", ru->p50_ns, "p99_ns", ru->p99_ns, "p999_ns",
				      ru->p999_ns);

		json_object_set_new(o, "pass", json_string(pass));
		json_object_set_new(o, "seq", json_integer(ru->seq));
		json_object_set_new(o, "session_open", json_boolean(ru->session_open));
		json_object_set_new(o, "vtax_bpf_links", json_integer(ru->bpf_links));
		json_object_set_new(o, "vtax_bpf_links_end", json_integer(ru->bpf_links_end));
		json_array_append_new(runs, o);
	}
	return runs;
}

static json_t *pass_spread_json(const struct vtax_compare_pass *ps)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "throughput_ops_s",
			 spread_json(ps, offsetof(struct vtax_compare_run, ops_per_s)), "mean_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, mean_ns)), "p50_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p50_ns)), "p99_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p99_ns)), "p999_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p999_ns)));
}

/* environments[].untraced / .traced: one pass's client-side figures */
static json_t *pass_json(const struct vtax_compare_env *ce, const struct vtax_compare_pass *ps,
			 const char *pass)
{
	json_t *o = json_object();

	json_object_set_new(o, "throughput_ops_s", json_real(ce->ok ? ps->ops_per_s : 0));
	json_object_set_new(o, "ops", json_integer((json_int_t)ps->ops));
	json_object_set_new(o, "warmup_ops", json_integer((json_int_t)ps->warmup_ops));
	json_object_set_new(o, "errors", json_integer((json_int_t)ps->errors));
	json_object_set_new(o, "elapsed_s", json_real(ps->elapsed_s));
	json_object_set_new(o, "client_latency", vtax_hist__to_json(&ps->latency));
	json_object_set_new(o, "runs", runs_json(ps, pass));
	if (ps->nruns)
		json_object_set_new(o, "spread", pass_spread_json(ps));
	return o;
}

static json_t *workload_json(const struct vtax_compare *c)
{
	const struct vtax_load_opts *l = &c->opts.load;
	json_t *w = json_object();

	json_object_set_new(w, "name", json_string(vtax_workload__name(c->opts.workload)));
	json_object_set_new(w, "op", json_string(c->op_name));
	json_object_set_new(w, "concurrency", json_integer(c->concurrency));
	json_object_set_new(w, "driver",
			    json_string(l->driver == VTAX_DRIVER_EXTERNAL ? "external" : "builtin"));
	switch (c->opts.workload) {
	case VTAX_WL_KV:
		json_object_set_new(w, "conns", json_integer(l->conns));
		json_object_set_new(w, "pipeline", json_integer(l->pipeline));
		json_object_set_new(w, "value_size", json_integer(l->value_size));
		json_object_set_new(w, "set_ratio", json_real(l->set_ratio));
		json_object_set_new(w, "keyspace", json_integer(l->keyspace));
		json_object_set_new(w, "via_proxy", json_boolean(c->opts.via_proxy));
		break;
	case VTAX_WL_OLTP:
		json_object_set_new(w, "threads", json_integer(l->conns));
		json_object_set_new(w, "tables", json_integer(l->tables));
		json_object_set_new(w, "table_size", json_integer(l->table_size));
		break;
	case VTAX_WL_IO:
		json_object_set_new(w, "bs", json_integer(l->bs));
		json_object_set_new(w, "qd", json_integer(l->qd));
		json_object_set_new(w, "rw", json_string((const char *[]){ "randread", "randwrite", "read",
									  "write" }[l->rw & 3]));
		json_object_set_new(w, "file_size", json_integer((json_int_t)l->file_size));
		json_object_set_new(w, "direct", json_boolean(l->direct));
		break;
	}
	json_object_set_new(w, "overlay_layers", json_integer(c->opts.overlay_layers));
	return w;
}

json_t *vtax_compare__to_json(const struct vtax_compare *c)
{
	json_t *doc = json_object(), *envs = json_array();

	json_object_set_new(doc, "vtax_schema", json_integer(VTAX_SCHEMA_VERSION));
	json_object_set_new(doc, "tool", json_string("vtax"));
	json_object_set_new(doc, "version", json_string(VTAX_VERSION));
	json_object_set_new(doc, "mode", json_string("compare"));
	json_object_set_new(doc, "workload", workload_json(c));
	if (c->client_remote)
		json_object_set_new(doc, "client",
				    json_pack("{s:s,s:s,s:s,s:s}", "where", "remote", "namespace", c->cnet.ns,
					      "address", c->cnet.client_addr, "host_address", c->cnet.host_addr));
	else
		json_object_set_new(doc, "client", json_pack("{s:s,s:s?}", "where", "local", "note",
							     c->client_note[0] ? c->client_note : NULL));
	json_object_set_new(doc, "duration_s", json_real(c->opts.duration_s));
	json_object_set_new(doc, "warmup_s", json_real(c->opts.warmup_s));
	json_object_set_new(doc, "runs", json_integer(c->nrounds));
	json_object_set_new(doc, "hygiene", vtax_hygiene__to_json(&c->hyg));
	json_object_set_new(
		doc, "rounds",
		json_pack("{s:i,s:s,s:s,s:f,s:o,s:o,s:f,s:f,s:I,s:s}", "count", c->nrounds, "mode",
			  c->opts.runs ? "fixed" : "adaptive", "stopped_by", c->stop_reason, "budget_s",
			  c->opts.budget_s, "ci_width_target_ns",
			  isfinite(c->ci_width_ns) && c->ci_width_ns > 0 ? json_real(c->ci_width_ns)
									 : json_null(),
			  "ci_width_widest_ns",
			  isfinite(c->worst_ci_ns) ? json_real(c->worst_ci_ns) : json_null(), "slot_s",
			  c->opts.duration_s, "measure_s", c->measure_s, "seed", (json_int_t)c->opts.seed,
			  "intervals",
			  "95%: Student t on paired per-round differences (means, causes); percentile "
			  "bootstrap over rounds, 2000 resamples, fixed seed (p50/p99, closure)"));
	json_object_set_new(doc, "untraced", json_boolean(!c->opts.no_untraced));
	json_object_set_new(doc, "total_s", json_real(c->total_s));
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_compare_pass *hp = vtax_compare_env__headline(ce);
		double ovh;
		json_t *e;

		if (ce->traced) {
			e = vtax_result__to_json(ce->traced);
		} else {
			e = json_object();
			json_object_set_new(e, "mode", json_string("compare-env"));
			json_object_set_new(e, "env", json_string(ce->name));
			json_object_set_new(e, "label", json_string(ce->label));
			json_object_set_new(e, "subjects", json_array());
			json_object_set_new(e, "drops", json_object());
		}
		json_object_set_new(e, "status", json_string(ce->ok ? "ok" : "failed"));
		json_object_set_new(e, "error", ce->ok ? json_null() : json_string(ce->error));
		if (ce->warning[0])
			json_object_set_new(e, "warning", json_string(ce->warning));
		json_object_set_new(e, "emulated", json_boolean(ce->emulated));
		if (ce->accel[0])
			json_object_set_new(e, "accel", json_string(ce->accel));
		json_object_set_new(e, "setup_s", json_real(ce->setup_s));
		if (ce->server_host[0])
			json_object_set_new(e, "server", json_pack("{s:s,s:i}", "host", ce->server_host,
								   "port", ce->server_port));
		json_object_set_new(e, "probe_families_missing",
				    ce->fam_errors[0] ? json_string(ce->fam_errors) : json_null());
		/* the headline pass at the top level (what exporters read) */
		json_object_set_new(e, "headline_pass", json_string(ce->untraced ? "untraced" : "traced"));
		json_object_set_new(e, "throughput_ops_s", json_real(ce->ok ? hp->ops_per_s : 0));
		json_object_set_new(e, "ops", json_integer((json_int_t)hp->ops));
		json_object_set_new(e, "warmup_ops", json_integer((json_int_t)hp->warmup_ops));
		json_object_set_new(e, "errors", json_integer((json_int_t)hp->errors));
		json_object_set_new(e, "client_latency", vtax_hist__to_json(&hp->latency));
		json_object_set_new(e, "runs", runs_json(hp, ce->untraced ? "untraced" : "traced"));
		if (hp->nruns)
			json_object_set_new(e, "spread", pass_spread_json(hp));
		json_object_set_new(e, "untraced",
				    ce->untraced ? pass_json(ce, &ce->pass[VTAX_PASS_UNTRACED], "untraced")
						 : json_null());
		json_object_set_new(e, "traced", pass_json(ce, &ce->pass[VTAX_PASS_TRACED], "traced"));
		ovh = vtax_compare_env__overhead_ns(ce);
		json_object_set_new(e, "probe_overhead_ns_per_op",
				    ce->ok && isfinite(ovh) ? json_real(ovh / c->concurrency) : json_null());
		/* what vtax's own programs cost per operation, by the kernel's count */
		json_object_set_new(e, "probe_bpf_ns_per_op",
				    ce->ok && isfinite(ce->probe_bpf_ns_per_op) ? json_real(ce->probe_bpf_ns_per_op)
									 : json_null());
		json_object_set_new(e, "prog_run_ns",
				    ce->ok && isfinite(ce->prog_run_ns) ? json_real(ce->prog_run_ns) : json_null());
		json_object_set_new(e, "attach_s", json_real(ce->attach_s));
		json_object_set_new(e, "probe_bpf_calls_per_op",
				    ce->ok && isfinite(ce->probe_bpf_calls_per_op)
					    ? json_real(ce->probe_bpf_calls_per_op)
					    : json_null());
		json_array_append_new(envs, e);
	}
	json_object_set_new(doc, "environments", envs);
	json_object_set_new(doc, "ledger", c->have_ledger ? vtax_ledger__to_json(&c->ledger)
							  : json_null());
	return doc;
}
