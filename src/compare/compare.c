// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare.c - orchestration of `vtax compare` (compare.h): environments one
 * after another, each traced while the workload runs, then the ledger.
 * The client child and its pipe protocol are in client.c, the ledger glue
 * in compare_ledger.c, the JSON in compare_json.c (compare_int.h).
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
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "compare/compare_int.h"
#include "compare/leftovers.h"
#include "util/clock.h"
#include "util/proc.h"
#include "util/state.h"

/* ---- helpers ---------------------------------------------------------- */

int vtax_compare__stopped(const struct vtax_compare *c)
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

void vtax_compare__progress(struct vtax_compare *c, const char *phase, const char *pass, int idx,
			    int run, double t0, uint64_t ops)
{
	struct vtax_compare_progress p = {
		.phase = phase,
		.pass = pass,
		.env = c->envs[idx].name,
		.env_idx = idx,
		.nenvs = c->nenvs,
		.run = run,
		.runs = c->opts.runs,
		.elapsed_s = vtax_now_s() - t0,
		.duration_s = !strcmp(phase, "measure") ? c->opts.warmup_s + c->opts.duration_s : 0,
		.ops = ops,
		.op_name = c->op_name,
	};

	if (c->opts.progress)
		c->opts.progress(c->opts.progress_ctx, &p);
}


/* The docker-proxy process serving host_port (docker-nat's 127.0.0.1
 * publication), by its command line; 0 if none. */
struct proxy_find {
	char want[16];
};

static int proxy_match(pid_t pid, void *arg)
{
	const struct proxy_find *pf = arg;
	const char *argv[64];
	char buf[4096];
	int na = vtax_proc__cmdline(pid, buf, sizeof(buf), argv, 64);

	if (na <= 0 || !strstr(argv[0], "docker-proxy"))
		return 0;
	for (int i = 0; i + 1 < na; i++)
		if (!strcmp(argv[i], "-host-port") && !strcmp(argv[i + 1], pf->want))
			return pid;
	return 0;
}

static pid_t find_proxy(int host_port)
{
	struct proxy_find pf;
	int pid;

	if (host_port <= 0)
		return 0;
	snprintf(pf.want, sizeof(pf.want), "%d", host_port);
	pid = vtax_proc__for_each_pid(proxy_match, &pf);
	return pid > 0 ? pid : 0;
}

static int add_server(struct vtax_session *s, const struct vtax_env *e, int in_env, uint32_t *id,
		      char *err, size_t errlen);
static void fam_errors(struct vtax_compare_env *ce, const struct vtax_session *s);

int vtax_compare__session_begin(struct vtax_compare *c, int idx, struct vtax_env *e,
				struct vtax_measure_ctx *mc)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_session_opts so = {
		.sz = sizeof(so), .families = c->opts.probes, .max_hists = c->opts.max_hists,
		.verbose = c->opts.verbose, .follow_forks = 1,
		/* the ledger reads the socket queue only as docker-proxy's
		 * wait to read (ledger.c, series_cause): 2 program runs per
		 * request saved everywhere else */
		.net_no_sock_queue = !c->opts.via_proxy,
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

		if (pp > 0 && !vtax_session__add_subject(mc->s, VTAX_LEDGER_PROXY_SUBJECT, "pid", &proxy_id) &&
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
	/* --sample: the traced runs only, calibration times every program run;
	 * --sample-netfilter: calibration too, so its runs and BPF time per
	 * request are what the traced runs pay */
	if (c->opts.sample && (!mc->calibrate || c->opts.sample_spec.scope == VTAX_SAMPLE_NETFILTER) &&
	    (c->opts.sample_spec.scope != VTAX_SAMPLE_NETFILTER || (mc->s->loaded & (1u << VTAX_FAM_NET))) &&
	    (rc = vtax_session__sample_start(mc->s, &c->opts.sample_spec, err, sizeof(err))) &&
	    rc != -ENOTSUP) { /* no netfilter link to switch: the brackets trace whole */
		snprintf(ce->error, sizeof(ce->error), "%s: %s", vtax_sample__option(c->opts.sample_spec.scope), err);
		return rc;
	}
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
		       struct vtax_measure_ctx *mc, int collect)
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
		/* --sample: the ledger divides totals by every operation */
		vtax_result__unsample(mc->round);
	}
	if (mc->stats_fd >= 0)
		close(mc->stats_fd);
	mc->stats_fd = -1;
	vtax_session__close(mc->s);
	mc->s = NULL;
	return rc;
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

	vtax_compare__progress(c, "prepare", NULL, idx, 0, vtax_now_s(), 0);
	if (c->opts.workload == VTAX_WL_IO && e->kind != VTAX_ENV_NATIVE) {
		char *argv[40], nb[16][64], *out = malloc(65536);

		if (!out)
			return -ENOMEM;
		vtax_compare__io_argv(argv, nb, e->vtax_path, lo, lo->path, 1, 0, 0);
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

	/* measured: loaded and asked for (sched's core is always loaded) */
	ce->families = s->loaded & s->opts.families;
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
	double server_runq, client_runq; /* schedstat run_delay (ledger.h) */
	int have_runq;
	double seconds;
	pid_t proxy_pid;
};

struct env_state {
	struct vtax_env *e;
	struct vtax_load_opts lo;
	char path[600];
	char workdir[560];
	struct traced_totals tt;
	struct vtax_oncpu *snap[4];
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
			    struct env_state *st, struct vtax_client_result *m, int record)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env *e = st->e;
	/* in a container the io generator needs no gate: nothing is traced */
	struct vtax_measure_ctx mc = {
		.in_env = c->opts.workload == VTAX_WL_IO && e->kind != VTAX_ENV_NATIVE,
		.stats_fd = -1,
	};
	struct vtax_compare_run meta = { .seq = seq, .round = run, .slot = c->cur_slot };
	struct vtax_load_opts lo = st->lo;
	int rc;

	if (!record) {
		lo.duration_s = c->opts.env_warmup_s;
		lo.warmup_s = 0;
	}
	memset(m, 0, sizeof(*m));
	rc = vtax_compare__run_client(c, idx, run, e, &lo, &mc, m, &meta);
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
			  struct env_state *st, struct vtax_client_result *m, int calibrate)
{
	struct vtax_compare_env *ce = &c->envs[idx];
	struct vtax_env *e = st->e;
	pid_t srv = server_pid(e);
	struct vtax_measure_ctx mc = { .traced = 1, .stats_fd = -1, .calibrate = calibrate };
	struct vtax_compare_run meta = { .seq = seq, .round = run, .slot = c->cur_slot };
	struct traced_totals *tt = &st->tt;
	double t0 = vtax_now_s(), all, vcpu, runq;
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
		double ta = vtax_now_s();

		vtax_compare__progress(c, "attach", NULL, idx, run, t0, 0);
		rc = vtax_compare__session_begin(c, idx, e, &mc);
		if (rc)
			goto out;
		ce->attach_s = (ce->attach_s * ce->attach_n + (vtax_now_s() - ta)) / (ce->attach_n + 1);
		ce->attach_n++;
	}
	if (srv)
		vtax_oncpu__read(srv, st->snap[0]);
	vtax_oncpu__read(mc.proxy_pid, st->snap[2]);
	memset(m, 0, sizeof(*m));
	rc = vtax_compare__run_client(c, idx, run, e, &st->lo, &mc, m, &meta);
	if (rc)
		goto out;
	if (srv)
		vtax_oncpu__read(srv, st->snap[1]);
	vtax_oncpu__read(mc.proxy_pid, st->snap[3]);
	if (calibrate) {
		uint64_t ns, calls, ops = m->r.ops + m->r.warmup_ops;

		/* the phase changes before the session closes (--progress-log) */
		vtax_compare__progress(c, "collect", NULL, idx, run, vtax_now_s(), m->r.ops);
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
	vtax_compare__progress(c, "collect", NULL, idx, run, vtax_now_s(), m->r.ops);
	rc = session_end(c, idx, e, &mc, 1);
	if (rc)
		goto out;
	{
		struct vtax_subject *subj;

		if (srv) {
			vtax_oncpu__delta(st->snap[0], st->snap[1], &all, &vcpu, &runq);
			tt->server_oncpu += all;
			tt->vcpu_oncpu += vcpu;
			subj = vtax_result__subject(r, "server", e->kind == VTAX_ENV_VM ? "vm" : "pid");
			if (subj) {
				vtax_subject__counter(subj, VTAX_LEDGER_SERVER_ONCPU, "ns", all, 1);
				if (e->kind == VTAX_ENV_VM)
					vtax_subject__counter(subj, VTAX_LEDGER_VCPU_ONCPU, "ns", vcpu, 1);
			}
			/* the run-queue cause without sched probes: the server's
			 * and the client's own run_delay (ledger.h) */
			if (subj && m->have_runq) {
				tt->server_runq += runq;
				tt->client_runq += m->runq_ns;
				tt->have_runq = 1;
				vtax_subject__counter(subj, VTAX_LEDGER_RUNQ, "ns", runq, 1);
				subj = vtax_result__subject(r, "client", "pid");
				if (subj)
					vtax_subject__counter(subj, VTAX_LEDGER_RUNQ, "ns", m->runq_ns, 1);
			}
		}
		if (mc.proxy_pid > 0) {
			vtax_oncpu__delta(st->snap[2], st->snap[3], &all, &vcpu, NULL);
			tt->proxy_oncpu += all;
			tt->proxy_pid = mc.proxy_pid;
			subj = vtax_result__subject(r, VTAX_LEDGER_PROXY_SUBJECT, "pid");
			if (subj)
				vtax_subject__counter(subj, VTAX_LEDGER_PROXY_ONCPU, "ns", all, 1);
		}
	}
	if (e->kind == VTAX_ENV_VM) /* kvm.notify{device, vq}: the guest's virtio layout */
		vtax_vm_layout__name_notifies(&e->layout, r);
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
	tt->seconds += vtax_now_s() - t0;
out:
	if (mc.s) /* closing on a failure or after the calibration run */
		vtax_compare__progress(c, "collect", NULL, idx, run, vtax_now_s(), 0);
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
			vtax_subject__counter(subj, VTAX_LEDGER_SERVER_ONCPU, "ns", tt->server_oncpu, 0);
			if (e->kind == VTAX_ENV_VM)
				vtax_subject__counter(subj, VTAX_LEDGER_VCPU_ONCPU, "ns", tt->vcpu_oncpu, 0);
			if (tt->have_runq)
				vtax_subject__counter(subj, VTAX_LEDGER_RUNQ, "ns", tt->server_runq, 0);
		}
		if (tt->have_runq && (subj = vtax_result__subject(ce->traced, "client", "pid")))
			vtax_subject__counter(subj, VTAX_LEDGER_RUNQ, "ns", tt->client_runq, 0);
		if (tt->proxy_pid > 0) {
			subj = vtax_result__subject(ce->traced, VTAX_LEDGER_PROXY_SUBJECT, "pid");
			if (subj)
				vtax_subject__counter(subj, VTAX_LEDGER_PROXY_ONCPU, "ns", tt->proxy_oncpu, 0);
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
	double t0 = vtax_now_s();
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
	vtax_compare__progress(c, "setup", NULL, idx, 0, t0, 0);
	rc = vtax_env__setup(&eo, e, err, sizeof(err));
	ce->setup_s = vtax_now_s() - t0;
	if (rc) {
		snprintf(ce->error, sizeof(ce->error), "set-up failed: %s", err[0] ? err : strerror(-rc));
		free(e);
		return vtax_compare__stopped(c) ? -EINTR : rc;
	}
	st->e = e;
	ce->emulated = e->emulated;
	snprintf(ce->accel, sizeof(ce->accel), "%s", e->accel);
	snprintf(ce->machine, sizeof(ce->machine), "%s", e->machine);
	if (e->caveat[0] && !ce->warning[0])
		snprintf(ce->warning, sizeof(ce->warning), "%s", e->caveat);
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
		vtax_compare__progress(c, "teardown", NULL, idx, 0, vtax_now_s(), 0);
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

/* ---- the ledger of one round ---------------------------------------- */

/* One round's ledger, from this round's runs alone: its values go to the
 * intervals (rounds.h). */
static void round_ledger(struct vtax_compare *c, struct env_state *st)
{
	struct vtax_ledger_input in[VTAX_COMPARE_MAX_ENVS];
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
	if (base >= 0 && n >= 2)
		vtax_compare__add_round(c, in, n, base);
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
	struct vtax_client_result *m = calloc(1, sizeof(*m));
	int seq[VTAX_COMPARE_MAX_ENVS] = { 0 }, slots[2 * VTAX_COMPARE_MAX_ENVS];
	struct vtax_rng rng;
	double t0, tr = 0, native_mean = 0;
	int rc = 0;

	if (!m)
		return -ENOMEM;
	vtax_rng__seed(&rng, c->opts.seed ? c->opts.seed : VTAX_STATS_SEED);
	/* warm each environment once (untraced, not recorded), then its
	 * calibration run (bpf_stats; nothing recorded) */
	for (int i = 0; i < c->nenvs && !vtax_compare__stopped(c); i++) {
		if (!st[i].live)
			continue;
		slot_hygiene(c, st, i);
		for (int try = 0; try < 2; try++) {
			c->envs[i].error[0] = 0;
			rc = c->opts.env_warmup_s > 0 ? measure_untraced(c, i, 0, 0, &st[i], m, 0) : 0;
			if (!rc && !c->opts.no_calibrate)
				rc = measure_traced(c, i, 0, 0, &st[i], m, 1);
			if (!rc || rc == -EINTR || vtax_compare__stopped(c))
				break;
		}
		if (!rc && c->envs[i].kind == VTAX_ENV_NATIVE && !native_mean)
			native_mean = vtax_hist__mean(&m->r.latency);
		if (rc == -EINTR || vtax_compare__stopped(c))
			break;
		if (rc)
			env_failed(c, i, &st[i], rc);
		rc = 0;
	}
	/* the budget is for the rounds (set-up, warm-up and calibration apart) */
	t0 = vtax_now_s();
	c->ci_width_ns = c->opts.ci_width_ns > 0 ? c->opts.ci_width_ns
						 : c->opts.ci_width_rel * native_mean / c->concurrency;
	for (int r = 1; r <= VTAX_ROUNDS_MAX && !vtax_compare__stopped(c); r++) {
		double rs = vtax_now_s();
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
		for (int k = 0; k < ns && !vtax_compare__stopped(c); k++) {
			int i = slots[k] / 2, pass = slots[k] % 2;

			if (!st[i].live)
				continue;
			c->cur_slot = k + 1;
			slot_hygiene(c, st, i);
			/* a slot that fails is tried once more (a stall of the host
			 * can leave a short slot without a single operation) */
			for (int try = 0; try < 2; try++) {
				c->envs[i].error[0] = 0;
				rc = pass == VTAX_PASS_UNTRACED
					     ? measure_untraced(c, i, r, seq[i] + 1, &st[i], m, 1)
					     : measure_traced(c, i, r, seq[i] + 1, &st[i], m, 0);
				if (!rc || rc == -EINTR || vtax_compare__stopped(c))
					break;
			}
			seq[i] += !rc;
			if (rc == -EINTR || vtax_compare__stopped(c))
				break;
			if (rc)
				env_failed(c, i, &st[i], rc);
			rc = 0;
		}
		if (vtax_compare__stopped(c))
			break;
		round_ledger(c, st);
		c->nrounds = r;
		tr = vtax_now_s() - rs;
		if (c->opts.runs > 0) {
			if (r >= c->opts.runs) {
				snprintf(c->stop_reason, sizeof(c->stop_reason), "--runs %d", c->opts.runs);
				break;
			}
			continue;
		}
		/* one environment alone has nothing to compare: one round */
		if (nlive < 2) {
			snprintf(c->stop_reason, sizeof(c->stop_reason), "one environment: nothing to compare");
			break;
		}
		if (vtax_rounds__tight(c->rounds, c->opts.min_rounds, c->ci_width_ns, &c->worst_ci_ns)) {
			snprintf(c->stop_reason, sizeof(c->stop_reason),
				 "every interval within %.0f ns", c->ci_width_ns);
			break;
		}
		/* an interval needs 2 rounds: the budget never stops before them */
		if (r >= 2 && vtax_now_s() - t0 + tr > c->opts.budget_s) {
			snprintf(c->stop_reason, sizeof(c->stop_reason), "time budget (%.0f s)",
				 c->opts.budget_s);
			break;
		}
	}
	vtax_rounds__tight(c->rounds, 2, c->ci_width_ns, &c->worst_ci_ns);
	c->measure_s = vtax_now_s() - t0;
	resume_all(c, st);
	free(m);
	return vtax_compare__stopped(c) ? -EINTR : 0;
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
	double t0 = vtax_now_s();
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
	/* default: the workload's probe plan (ledger.h), not every family */
	if (!c->opts.probes)
		c->opts.probes = vtax_ledger__probe_plan(c->opts.workload == VTAX_WL_KV) &
				 vtax_probe__default_mask();
	/* default: the netfilter brackets sampled (docs/sampling.md: they are
	 * about half of a loopback request's program runs; the NAT+conntrack
	 * cause is a mean per request, which a sample estimates unbiased) */
	if (!c->opts.sample && !c->opts.no_sample_nf && (c->opts.probes & (1u << VTAX_FAM_NET))) {
		char serr[200];

		if (!vtax_sample__parse(VTAX_SAMPLE_NF_DEFAULT, VTAX_SAMPLE_NETFILTER, &c->opts.sample_spec,
					serr, sizeof(serr)))
			c->opts.sample = 1;
	}
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

	/* leftovers of a killed earlier run (state files, labels) */
	vtax_leftovers__remove(c->stale_report, sizeof(c->stale_report));

	snprintf(tmpl, sizeof(tmpl), "%s/vtax-compare.XXXXXX",
		 c->opts.workdir && *c->opts.workdir ? c->opts.workdir : "/var/tmp");
	workdir = mkdtemp(tmpl);
	if (!workdir) {
		snprintf(err, errlen, "cannot create a work directory in %s: %s",
			 c->opts.workdir ? c->opts.workdir : "/var/tmp", strerror(errno));
		return -errno;
	}
	vtax_state__add("path", workdir, NULL);
	/* the io workload has no client on the network */
	if (c->opts.remote_client && c->opts.workload != VTAX_WL_IO) {
		char cerr[256] = "";

		rc = vtax_clientnet__setup(&c->cnet, cerr, sizeof(cerr));
		if (rc && c->opts.remote_client == 1) {
			snprintf(err, errlen, "--client remote: %s", cerr);
			if (vtax_env__rm_rf(workdir) == 0)
				vtax_state__done("path", workdir);
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
		if (vtax_compare__stopped(c)) {
			rc = -EINTR;
			break;
		}
		rc = env_setup(c, i, workdir, &st[i]);
		if (rc == -EINTR || vtax_compare__stopped(c)) {
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
	if (vtax_env__rm_rf(workdir) == 0)
		vtax_state__done("path", workdir);
	if (c->have_cnet) {
		vtax_clientnet__teardown(&c->cnet);
		c->have_cnet = 0;
	}
	c->total_s = vtax_now_s() - t0;
	if (rc == -EINTR) {
		c->interrupted = 1;
		snprintf(err, errlen, "interrupted: the environments were torn down");
		return rc;
	}
	vtax_compare__build_ledger(c);
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

