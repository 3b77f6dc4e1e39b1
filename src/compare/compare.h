// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare.h - `vtax compare`: one workload, several environments, run one
 * after another under tracing, then the tax ledger (ledger.h).
 *
 * compare.c owns the orchestration: per environment set it up (env.h),
 * prepare the workload's data, then two passes of --runs runs each,
 * alternating (untraced, traced, untraced, ...):
 *   untraced  no vtax BPF program attached (no session open): the headline
 *             figures (throughput, latency percentiles, the difference per
 *             operation that the ledger explains) carry no observer effect;
 *   traced    a tracing session (session.h) with two subjects, "server"
 *             (the environment: container by PID tree, or cgroup when the
 *             generator runs in it; native server by PID tree; VM by the
 *             VMM's PID tree) and "client" (the load generator, run in a
 *             forked child so it can be traced): the ledger's components.
 * then tear down.  --no-untraced skips the untraced pass (the traced runs
 * are then the headline).  A failing environment is recorded (status
 * "failed" + reason) and the next one still runs; SIGINT/SIGTERM tears
 * the current one down and returns -EINTR.
 *
 * cmd_compare.c is the CLI, report_compare.c the text report, and
 * cmd_load.c the hidden `vtax load` used to run the io generator inside an
 * environment (its JSON is read back with vtax_load_result__from_json).
 */
#ifndef VTAX_COMPARE_H
#define VTAX_COMPARE_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "compare/clientnet.h"
#include "env/env.h"
#include "compare/hygiene.h"
#include "compare/ledger.h"
#include "compare/rounds.h"
#include "load/load.h"
#include "result/result.h"
#include "trace/sample.h"

#define VTAX_COMPARE_MAX_ENVS 8
#define VTAX_COMPARE_MAX_RUNS VTAX_ROUNDS_MAX /* runs per environment and pass: one per round */
#define VTAX_EMULATED_LABEL "emulated (TCG): not representative of KVM"

struct vtax_compare_progress {
	/* "setup", "prepare", "attach" (opening the tracing session),
	 * "measure", "collect", "teardown" */
	const char *phase;
	const char *pass;    /* measure: "untraced" or "traced"; else NULL */
	const char *env;
	int env_idx, nenvs;  /* 0-based index */
	int run, runs;       /* 1-based run */
	double elapsed_s;    /* in this phase */
	double duration_s;   /* planned length of the measured phase (0 = unknown) */
	uint64_t ops;        /* operations done in this run (measure) */
	const char *op_name;
};

struct vtax_compare_opts {
	size_t sz;
	enum vtax_workload workload;
	enum vtax_env_kind envs[VTAX_COMPARE_MAX_ENVS];
	char env_names[VTAX_COMPARE_MAX_ENVS][32]; /* "" = the kind's name; "native@2": a second instance */
	int nenvs;
	double duration_s;   /* measured phase of each run, i.e. one round's slot (default 1) */
	double warmup_s;     /* per run, not in the client histogram (default 0.1) */
	double env_warmup_s; /* once per environment before the rounds, untraced (default 1) */
	int runs;            /* fixed number of rounds (0: adaptive, the default) */
	double budget_s;     /* adaptive: measuring stops when the next round would pass this
			      * (default 120; --quick 30) */
	double ci_width_ns;  /* adaptive: stop when every interval is at most this wide (ns) ... */
	double ci_width_rel; /* ... or this fraction of native's mean (when ci_width_ns <= 0;
			      * default 0.10) */
	int min_rounds;      /* adaptive: at least (default VTAX_ROUNDS_MIN) */
	uint64_t seed;       /* round order (default VTAX_STATS_SEED) */
	int no_calibrate;    /* no calibration pass: components are not corrected */
	struct vtax_hygiene_opts hygiene;
	int no_untraced;     /* skip the untraced pass: traced runs are the headline */
	unsigned probes;     /* families (default: all this build has) */
	uint32_t max_hists;
	int sample;          /* --sample, --sample-netfilter or the default: traced runs
			      * duty-cycled (trace/sample.h), sample_spec.scope says what */
	int no_sample_nf;    /* --sample-netfilter off: no default netfilter sampling */
	struct vtax_sample_spec sample_spec;
	struct vtax_load_opts load; /* workload knobs; host/port/path/stop are set per env */
	int overlay_layers;  /* docker-overlay */
	int via_proxy;       /* docker-nat: connect through docker-proxy (127.0.0.1) */
	int remote_client;   /* the client runs in a namespace of its own behind a veth
			      * (clientnet.h), as a client on another machine would:
			      * 0 no (local), 1 yes or fail, 2 yes if it can be set up,
			      * else local with a warning (the command's default) */
	double env_timeout_s;/* bound on each environment's set-up (0 = env's default) */
	const char *workdir; /* parent of the private temp dir (default /var/tmp) */
	volatile int *stop;
	void (*progress)(void *ctx, const struct vtax_compare_progress *p);
	void *progress_ctx;
	int verbose;
};

enum vtax_compare_pass_id { VTAX_PASS_UNTRACED, VTAX_PASS_TRACED, VTAX_PASS__COUNT };

/* One run of the workload in one environment (client side). */
struct vtax_compare_run {
	uint64_t ops, warmup_ops, errors;
	double elapsed_s, ops_per_s;
	double mean_ns, p50_ns, p99_ns, p999_ns;
	int seq;             /* position among the environment's runs, both passes (1-based) */
	int round, slot;     /* its round, and its position in that round's shuffled order
			      * over every environment and pass (1-based): order effects
			      * show in the JSON (docs/json.md) */
	int session_open;    /* a vtax tracing session was open during the run */
	int bpf_links;       /* BPF attachments (link and perf-event fds) vtax held at its start */
	int bpf_links_end;   /* ... and at its end */
};

/* The runs of one pass (untraced or traced) in one environment. */
struct vtax_compare_pass {
	int nruns;
	struct vtax_compare_run runs[VTAX_COMPARE_MAX_RUNS];
	struct vtax_hist latency; /* client, merged over runs */
	uint64_t ops, warmup_ops, errors;
	double elapsed_s;
	double ops_per_s;         /* median over runs */
	double ops_per_s_min, ops_per_s_max;
	double mean_min_ns, mean_max_ns; /* spread of the runs' mean latency */
};

struct vtax_compare_env {
	enum vtax_env_kind kind;
	char name[32];
	int ok;                   /* measured */
	char error[512];          /* why not (status "failed") */
	char warning[256];
	int emulated;
	char label[128];
	char accel[16];
	char machine[16];   /* vm: QEMU machine (pc, or microvm for nested KVM) */
	char server_host[64];
	int server_port;
	struct vtax_result *traced; /* merged over runs; mode "compare-env" */
	unsigned families;        /* loaded in its session */
	char fam_errors[512];     /* why some families did not load */
	struct vtax_compare_pass pass[VTAX_PASS__COUNT];
	int untraced;             /* the untraced pass ran (not --no-untraced) */
	char op_name[32];
	double setup_s;
	/* vtax's own BPF programs (bpf_stats run time), measured in the
	 * calibration run only (the statistics cost two clock reads per
	 * program run on the whole host): per operation, NAN when the kernel
	 * gave no statistics; prog_run_ns = per program run */
	double probe_bpf_ns_per_op, probe_bpf_calls_per_op, prog_run_ns;
	double attach_s;          /* mean time to open a traced run's session */
	int attach_n;
};

struct vtax_compare {
	struct vtax_compare_opts opts;
	int nenvs;
	struct vtax_compare_env envs[VTAX_COMPARE_MAX_ENVS];
	struct vtax_ledger ledger;
	int have_ledger;
	int concurrency;
	char op_name[32];
	int interrupted;
	double total_s;
	char stale_report[1024];  /* what cleanup_stale removed at start */
	struct vtax_clientnet cnet; /* with opts.remote_client (network workloads) */
	int have_cnet;              /* cnet is set up (during the run) */
	int client_remote;          /* the client ran remote (for the report) */
	char client_note[300];      /* why a default remote client ran local */
	struct vtax_hygiene hyg;
	struct vtax_rounds *rounds; /* per-round ledger values (intervals) */
	int nrounds;                /* rounds measured */
	int cur_slot;               /* the slot being measured in the current round (1-based) */
	char stop_reason[96];       /* "intervals within 3.1us", "time budget", "--runs 3" */
	double ci_width_ns;         /* the target in ns (from ci_width_rel after warm-up) */
	double worst_ci_ns;         /* the widest interval at the stop */
	double measure_s;           /* time in rounds */
};

void vtax_compare_opts__defaults(struct vtax_compare_opts *o, enum vtax_workload w);
/* Run everything.  0 (even if some envs failed), -EINTR when stopped, or
 * -errno on a fatal error (err filled).  c must be freed with __free. */
int vtax_compare__run(struct vtax_compare *c, const struct vtax_compare_opts *o, char *err,
		      size_t errlen);
void vtax_compare__free(struct vtax_compare *c);
/* The whole JSON document (schema in docs/compare.md). */
json_t *vtax_compare__to_json(const struct vtax_compare *c);
/* The pass an environment's headline figures come from: untraced unless
 * --no-untraced. */
const struct vtax_compare_pass *vtax_compare_env__headline(const struct vtax_compare_env *ce);
/* vtax's probe overhead in one environment: traced - untraced mean client
 * latency (ns), NAN without an untraced pass. */
double vtax_compare_env__overhead_ns(const struct vtax_compare_env *ce);
/* Median of a sorted copy of v[0..n). */
double vtax_compare__median(const double *v, int n);
/* Concurrency of a workload's options (conns x pipeline, threads, qd). */
int vtax_compare__concurrency(const struct vtax_load_opts *o);

/* report_compare.c */
void vtax_compare__report_text(FILE *out, const struct vtax_compare *c);

/* cmd_load.c: the `vtax load` JSON (also read back by compare.c). */
json_t *vtax_load_result__to_json(const struct vtax_load_result *r, enum vtax_workload w);
int vtax_load_result__from_json(const json_t *j, struct vtax_load_result *r, char *err,
				size_t errlen);

#endif
