// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ledger.h - the tax ledger of `vtax compare`: for each environment, how
 * much more one workload operation costs than on native, itemized by
 * component and grouped into named causes, each with the knob that
 * removes it, plus the unexplained remainder and the closure.
 *
 * Input: one struct vtax_ledger_input per environment (the traced result
 * of its sessions, how many operations they covered, the client's latency
 * histogram of the untraced runs, which is the difference to explain, and
 * of the traced runs, which shows vtax's own observer effect).  The ledger
 * only reads those; it is pure arithmetic over series tagged with their
 * cause by the probe families (result/cause.h), so it can be rebuilt from
 * a JSON result (the tag is in it).  docs/compare.md explains the
 * model: which series feed which cause, and why syscall totals are used
 * only for the filesystem cause.
 */
#ifndef VTAX_LEDGER_H
#define VTAX_LEDGER_H

#include <stdint.h>
#include <jansson.h>
#include "result/cause.h"
#include "result/result.h"
#include "compare/stats.h"

#define VTAX_LEDGER_MAX_ITEMS 24

/*
 * What compare.c adds to the traced result for the ledger: counters of
 * on-CPU time read from schedstat (server, vCPU threads, docker-proxy),
 * and the subject docker-proxy is tracked as.  docker-proxy's cause is the
 * wait for it to read (its series tagged READ_WAIT); its packets' series
 * feed their own causes; its run-queue waits none (they are inside the
 * read waits, and Go's threads wait in parallel, off the request's path);
 * its on-CPU time is reported, in no cause (ledger.c, series_cause).
 */
#define VTAX_LEDGER_SERVER_ONCPU "compare.server_oncpu_ns"
#define VTAX_LEDGER_VCPU_ONCPU "compare.vcpu_oncpu_ns"
#define VTAX_LEDGER_PROXY_ONCPU "compare.proxy_oncpu_ns"
/*
 * Run-queue wait over the traced runs from schedstat (run_delay): the
 * server's threads but its vCPUs (their wait is steal, measured by the kvm
 * family) and the client's own.  The run-queue cause uses it where the
 * sched family was not loaded in both sessions - compare's network plan
 * leaves sched out (vtax_ledger__probe_plan): its programs sat on the
 * scheduler's every switch and wakeup, a quarter of a kv request's BPF
 * time, for a mean the kernel already keeps exactly.
 */
#define VTAX_LEDGER_RUNQ "compare.runq_ns"
#define VTAX_LEDGER_PROXY_SUBJECT "proxy"

/* One measured component inside a cause, per operation. */
struct vtax_ledger_item {
	char series[112];        /* "net.nat", "syscall.pwrite64{fs=overlay}", ... */
	double env_ns, base_ns;  /* per operation, in the env and on native */
	double delta_ns;         /* env_ns - base_ns */
	double env_n, base_n;    /* timed intervals (samples) per operation */
};

struct vtax_ledger_cause {
	enum vtax_cause id;
	const char *key;         /* "nat", "hops", ... (JSON) */
	const char *name;        /* "NAT+conntrack", ... */
	const char *knob;        /* what removes it */
	const char *family;      /* probe family it is measured by, or "procfs" */
	int measured;            /* that family was loaded in both sessions */
	int present;             /* the env has series for it */
	double env_ns, base_ns, delta_ns; /* per operation */
	double env_n, base_n;    /* timed intervals per operation (its series' samples) */
	/* corrected for vtax's own cost inside the intervals: env_ns -
	 * env_n x one program run's cost in the env (calibrated), same on native */
	double corr_env_ns, corr_base_ns, corr_delta_ns;
	struct vtax_ci delta_ci, corr_ci; /* 95% over rounds (rounds.h), !ok without */
	int nitems;
	struct vtax_ledger_item items[VTAX_LEDGER_MAX_ITEMS];
};

/* One environment's measurements, as the ledger needs them. */
struct vtax_ledger_input {
	const char *env;                  /* "native", "docker-nat", ... */
	const struct vtax_result *traced; /* its session's result (both subjects) */
	uint64_t traced_ops;              /* operations the session saw (warm-up included) */
	const struct vtax_hist *latency;  /* client latency per operation (the headline:
					   * untraced runs unless !untraced) */
	const struct vtax_hist *traced_latency; /* client latency of the traced runs (NULL = latency) */
	int untraced;                     /* latency comes from runs with no probe attached */
	double ops_per_s;
	double run_mean_min_ns, run_mean_max_ns; /* spread of per-run mean latency (0 = one run) */
	unsigned families;                /* bitmask (1 << enum vtax_family) loaded */
	double prog_run_ns;               /* one vtax program run's cost (calibration
					   * pass, bpf_stats); 0 = no correction */
	int emulated;
	const char *label;
};

/* A vm's virtio notifications to one device queue (ledger_virtio.c): information, inside the KVM exits cause. */
#define VTAX_LEDGER_MAX_NOTIFY 8
struct vtax_ledger_notify {
	char device[32];         /* "virtio-net", or "unknown" without QEMU's layout */
	char vq[16];             /* "tx", "rx", "requests", or the queue index */
	double per_op;           /* notifications per operation */
	double ns_per_op;        /* their in-kernel exit time per operation */
};

struct vtax_ledger_env {
	char env[32];
	int emulated;
	char label[128];
	double ops_per_s, throughput_ratio;          /* ratio to native */
	double mean_ns, p50_ns, p99_ns, p999_ns;     /* client latency */
	double d_mean_ns, d_p50_ns, d_p99_ns, d_p999_ns; /* minus native */
	double diff_ns;        /* per-operation difference: d_mean / concurrency */
	int untraced;          /* diff_ns and the latencies above are from untraced runs */
	double traced_mean_ns; /* client mean latency while traced */
	double traced_diff_ns; /* the same difference from the traced runs */
	double overhead_ns;    /* per operation: (traced - untraced mean) / concurrency, NAN if unknown */
	double base_overhead_ns; /* the same on native */
	double noise_ns;       /* |diff| below this is "within noise" */
	int within_noise;
	double explained_ns, unexplained_ns;
	double closure;        /* explained / diff, NAN when diff <= noise */
	double explained_corr_ns, closure_corr; /* the same with corrected components */
	double prog_run_ns;    /* the cost per program run used for the correction */
	double proxy_oncpu_ns; /* docker-proxy threads' on-CPU per op (traced; no cause); NaN: none */
	int rounds;            /* rounds the intervals rest on (0: no intervals) */
	struct vtax_ci diff_ci, traced_diff_ci, p50_ci, p99_ci, closure_ci, closure_corr_ci;
	int lead;              /* index of the biggest named cause, -1 none */
	struct vtax_ledger_cause causes[VTAX_CAUSE__COUNT];
	int nnotify;
	struct vtax_ledger_notify notify[VTAX_LEDGER_MAX_NOTIFY];
	char headline[768];
};

struct vtax_ledger {
	char op_name[32];      /* "request", "transaction", "io" */
	char baseline[32];     /* "native" */
	int concurrency;       /* operations in flight (conns x pipeline, threads, qd) */
	double noise_floor;    /* relative floor of the noise band (0.05 = 5% of native mean) */
	char unavailable[128]; /* families not loaded, "net,blk,kvm" ("" = none) */
	int nenvs;
	struct vtax_ledger_env *envs;
};

struct vtax_ledger_opts {
	size_t sz;
	const char *op_name;
	int concurrency;       /* default 1 */
	double noise_floor;    /* default 0.05 */
};

/*
 * Build the ledger of every env against base (native).  envs[] may
 * include base itself; it is skipped.  0 or -errno.
 */
int vtax_ledger__build(struct vtax_ledger *l, const struct vtax_ledger_opts *o,
		       const struct vtax_ledger_input *base, const struct vtax_ledger_input *envs,
		       int nenvs);
void vtax_ledger__free(struct vtax_ledger *l);
/*
 * The probe plan: the families (1u << enum vtax_family) whose series a
 * workload's causes are built from, so compare attaches nothing else.  kv
 * (a network request-response with no file I/O on its path) needs net
 * (NAT, hops, filter, proxy), sched (run-queue, steal) and kvm (VM exits),
 * not the per-syscall histograms, whose only cause is the filesystem, nor
 * blk; oltp and io need every family.  Network-ness is passed as a flag
 * so the ledger does not depend on the load generators.
 */
unsigned vtax_ledger__probe_plan(int network_only);
json_t *vtax_ledger__to_json(const struct vtax_ledger *l);
const struct vtax_ledger_env *vtax_ledger__env(const struct vtax_ledger *l, const char *env);
/* Verdicts from the intervals (set by rounds.c): within_noise = the
 * difference's interval contains 0, noise band = its half width, closure,
 * lead and headline again. */
void vtax_ledger__decide(struct vtax_ledger *l);
/* "14.1 to 18.5us" (or "n/a" without an interval) */
const char *vtax_ledger__fmt_ci(const struct vtax_ci *ci, char *buf, size_t len);
/* Causes worth printing: measured, and |delta| >= 1% of |diff| or >= 50 ns. */
int vtax_ledger_cause__significant(const struct vtax_ledger_env *le,
				   const struct vtax_ledger_cause *c);

/* ledger_virtio.c: the env's kvm.notify series by device queue, and as JSON */
void vtax_ledger_env__virtio(struct vtax_ledger_env *le, const struct vtax_ledger_input *in);
json_t *vtax_ledger_env__virtio_json(const struct vtax_ledger_env *le);

#endif
