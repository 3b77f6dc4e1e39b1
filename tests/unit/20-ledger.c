// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 20-ledger - the tax ledger's arithmetic (src/compare/ledger.c) on
 * synthetic results: every cause receives exactly the series its probe
 * family tagged for it (whatever they are named), per operation, minus
 * native; netfilter time is taken out of the hops; the closure and the
 * unexplained remainder add up; the noise band decides "within noise";
 * a family not loaded makes its causes "not measured"; and the cause tags
 * survive a JSON round trip.  No root, no kernel: runs in milliseconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare/ledger.h"
#include "result/result_json.h"
#include "trace/probe.h"
#include "vtax/blk.h"
#include "vtax/keys.h"
#include "vtax/kvm.h"
#include "vtax/net.h"
#include "tap.h"

#define OPS 1000ull
#define ALL_FAMS                                                                    \
	((1u << VTAX_FAM_SYSCALL) | (1u << VTAX_FAM_SCHED) | (1u << VTAX_FAM_NET) | \
	 (1u << VTAX_FAM_BLK) | (1u << VTAX_FAM_KVM))

/* A series tagged `cause`, n samples adding up to ns_per_op * OPS. */
static void add(struct vtax_subject *s, const char *fam, const char *name, const char *lk,
		const char *lv, int cause, uint64_t n, double ns_per_op)
{
	struct vtax_label l[2] = { 0 };
	struct vtax_series *se;
	int nl = 0;

	if (lk) {
		snprintf(l[0].key, sizeof(l[0].key), "%s", lk);
		snprintf(l[0].value, sizeof(l[0].value), "%s", lv);
		snprintf(l[1].key, sizeof(l[1].key), "part");
		snprintf(l[1].value, sizeof(l[1].value), "total");
		nl = 2;
	}
	se = vtax_subject__series(s, fam, name, nl, l);
	vtax_hist__record_n(&se->hist, (uint64_t)(ns_per_op * (double)OPS / (double)n), n);
	se->cause = cause;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fmax(1, fabs(b));
}

static void latency(struct vtax_hist *h, double mean_ns)
{
	memset(h, 0, sizeof(*h));
	vtax_hist__record_n(h, (uint64_t)mean_ns, 1000);
}

/* The family's own tag for one key (its ops hook beside its decoder). */
static int tag(enum vtax_family f, uint32_t name, uint32_t l1, uint32_t l2)
{
	const struct vtax_probe_ops *p = vtax_probe__by_family(f);
	struct vtax_hist_key k = { .subject = 1, .family = f, .name = name, .l1 = l1, .l2 = l2 };

	return p && p->cause ? p->cause(&k) : -2;
}

static void family_tags(void)
{
	static const struct {
		enum vtax_family f;
		uint32_t name, l1, l2;
		int cause;
		const char *what;
	} t[] = {
		{ VTAX_FAM_NET, VTAX_NET_HOP_XMIT, 0, 0, VTAX_CAUSE_HOPS, "net xmit hop" },
		{ VTAX_FAM_NET, VTAX_NET_HOP_UPPER, 0, 0, VTAX_CAUSE_HOPS, "net bridge hop" },
		{ VTAX_FAM_NET, VTAX_NET_HOP_SOCKQ, 0, 0, VTAX_CAUSE_READ_WAIT, "net sock_queue" },
		{ VTAX_FAM_NET, VTAX_NET_CONNTRACK, 0, 0, VTAX_CAUSE_NAT, "net conntrack" },
		{ VTAX_FAM_NET, VTAX_NET_NAT, 0, 0, VTAX_CAUSE_NAT, "net nat" },
		{ VTAX_FAM_NET, VTAX_NET_NAT_MISS, 0, 0, VTAX_CAUSE_NAT, "net nat_miss" },
		{ VTAX_FAM_NET, VTAX_NET_FILTER, 0, 0, VTAX_CAUSE_FILTER, "net filter" },
		{ VTAX_FAM_NET, VTAX_NET_PROXY, 0, 0, VTAX_CAUSE_PROXY, "net proxy relay" },
		{ VTAX_FAM_NET, VTAX_NET_PATH, 0, 0, VTAX_CAUSE_NONE, "net path" },
		{ VTAX_FAM_NET, VTAX_NET_DROP, 0, 0, VTAX_CAUSE_NONE, "net drop" },
		{ VTAX_FAM_SCHED, VTAX_SCHED_RUNQ, 0, 0, VTAX_CAUSE_RUNQ, "sched runq" },
		{ VTAX_FAM_SCHED, VTAX_SCHED_OFFCPU_BLOCKED, 0, 0, VTAX_CAUSE_NONE,
		  "sched blocked" },
		{ VTAX_FAM_BLK, VTAX_BLK_QUEUE, 0, 0, VTAX_CAUSE_BLK, "blk queue" },
		{ VTAX_FAM_KVM, VTAX_KVM_EXIT, 0, 0, VTAX_CAUSE_KVM_EXIT, "kvm exit" },
		{ VTAX_FAM_KVM, VTAX_KVM_USERSPACE, 0, 0, VTAX_CAUSE_VMM, "kvm userspace" },
		{ VTAX_FAM_KVM, VTAX_KVM_STEAL, 0, 0, VTAX_CAUSE_STEAL, "kvm steal" },
		{ VTAX_FAM_KVM, VTAX_KVM_GUEST, 0, 0, VTAX_CAUSE_NONE, "kvm guest" },
		{ VTAX_FAM_SYSCALL, 18, VTAX_FS_OVERLAY, VTAX_PART_TOTAL_OFFCPU, VTAX_CAUSE_FS,
		  "syscall total on overlay" },
		{ VTAX_FAM_SYSCALL, 18, VTAX_FS_OVERLAY, VTAX_PART_RUNQ, VTAX_CAUSE_NONE,
		  "syscall runq part on overlay" },
		{ VTAX_FAM_SYSCALL, 18, VTAX_FS_EXT4, VTAX_PART_ONCPU_ONLY, VTAX_CAUSE_FS_REF,
		  "syscall total on ext4 (reference)" },
		{ VTAX_FAM_SYSCALL, 0, VTAX_FS_SOCK, VTAX_PART_ONCPU_ONLY, VTAX_CAUSE_NONE,
		  "syscall on a socket" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int c = tag(t[i].f, t[i].name, t[i].l1, t[i].l2);

		tap_ok(c == t[i].cause, "family tag: %s -> %s (got %s)", t[i].what,
		       vtax_cause__key(t[i].cause) ? vtax_cause__key(t[i].cause) : "none",
		       vtax_cause__key(c) ? vtax_cause__key(c) : "none");
	}
}

static const struct vtax_ledger_cause *cause(const struct vtax_ledger_env *le, int id)
{
	return &le->causes[id];
}

/*
 * --sample-netfilter: the corrected hops and NAT causes must not depend on
 * the share of the brackets that ran.  Model (docs/compare.md): each timed
 * interval holds about one program run (r); a bracket leaves its second
 * run in the hop around it.  Env: stack S = 5000 ns and h = 3 hop
 * intervals per op, netfilter work T = 800 ns in c = 4 intervals; native:
 * S = 2000, h = 3, no netfilter.  Whole: hops raw S + T + 2cr + hr, NAT
 * raw T + cr.  Sampled (share f = 0.25): the NAT series scaled back to the
 * same T + cr and c, the hops (traced whole) S + T + 2fcr + hr.
 */
static void sampled_brackets(void)
{
	const double r = 300, S = 5000, T = 800, h = 3, c = 4, f = 0.25;
	struct vtax_ledger_opts lo = { .sz = sizeof(lo), .op_name = "request", .concurrency = 1 };
	struct vtax_hist lat_n, lat_e;
	double corr[2][2] = { { 0 } }; /* [whole, sampled][hops, nat] */

	latency(&lat_n, 20000);
	latency(&lat_e, 30000);
	for (int k = 0; k < 2; k++) {
		struct vtax_result *nat = vtax_result__new("compare-env"),
				   *env = vtax_result__new("compare-env");
		struct vtax_subject *ns = vtax_result__subject(nat, "server", "pid");
		struct vtax_subject *es = vtax_result__subject(env, "server", "container");
		double fr = k ? f : 1;
		struct vtax_ledger l;
		const struct vtax_ledger_env *le;

		add(ns, "net", "xmit", NULL, NULL, VTAX_CAUSE_HOPS, (uint64_t)(h * OPS), 2000 + h * r);
		add(es, "net", "xmit", NULL, NULL, VTAX_CAUSE_HOPS, (uint64_t)(h * OPS),
		    S + T + 2 * fr * c * r + h * r);
		add(es, "net", "conntrack", NULL, NULL, VTAX_CAUSE_NAT, (uint64_t)(c * OPS), T + c * r);
		if (k) {
			snprintf(env->sample.spec, sizeof(env->sample.spec), "10ms/100ms");
			env->sample.scope = VTAX_SAMPLE_NETFILTER;
			env->sample.fraction = f;
			env->sample.scaled = 1;
			env->sample.nfams = 1;
			snprintf(env->sample.fams[0].family, sizeof(env->sample.fams[0].family), "net.netfilter");
			env->sample.fams[0].fraction = f;
		}
		{
			struct vtax_ledger_input in[2] = {
				{ .env = "native", .traced = nat, .traced_ops = OPS, .latency = &lat_n,
				  .untraced = 1, .ops_per_s = 1000, .families = ALL_FAMS, .prog_run_ns = r },
				{ .env = "docker-nat", .traced = env, .traced_ops = OPS, .latency = &lat_e,
				  .untraced = 1, .ops_per_s = 900, .families = ALL_FAMS, .prog_run_ns = r },
			};

			if (!vtax_ledger__build(&l, &lo, &in[0], in, 2) && (le = vtax_ledger__env(&l, "docker-nat"))) {
				corr[k][0] = cause(le, VTAX_CAUSE_HOPS)->corr_delta_ns;
				corr[k][1] = cause(le, VTAX_CAUSE_NAT)->corr_delta_ns;
			}
			vtax_ledger__free(&l);
		}
		vtax_result__free(nat);
		vtax_result__free(env);
	}
	/* (within 5 ns: add() rounds each sample to a whole ns) */
	tap_ok(fabs(corr[0][0] - (S - 2000)) <= 5 && near(corr[1][0], corr[0][0]),
	       "corrected hops: %.1f with the brackets whole, %.1f with a quarter of them (expected %.1f)",
	       corr[0][0], corr[1][0], S - 2000);
	tap_ok(fabs(corr[0][1] - T) <= 5 && near(corr[1][1], corr[0][1]),
	       "corrected NAT+conntrack: %.1f whole, %.1f sampled (expected %.1f)", corr[0][1], corr[1][1], T);
}

/*
 * The run-queue cause without the sched family (compare's network plan):
 * from the server's and the client's schedstat run_delay counters
 * (VTAX_LEDGER_RUNQ), one item each, family "schedstat".  With the sched
 * family loaded on both sides its series are the cause and the counters
 * are not added on top; with a side lacking the counters it is not
 * measured.
 */
static void runq_schedstat(void)
{
	struct vtax_ledger_opts lo = { .sz = sizeof(lo), .op_name = "request", .concurrency = 1 };
	const unsigned nosched = ALL_FAMS & ~(1u << VTAX_FAM_SCHED);
	struct vtax_hist lat_n, lat_e;

	latency(&lat_n, 20000);
	latency(&lat_e, 24000);
	for (int k = 0; k < 3; k++) {
		struct vtax_result *nat = vtax_result__new("compare-env"),
				   *env = vtax_result__new("compare-env");
		struct vtax_subject *ns = vtax_result__subject(nat, "server", "pid");
		struct vtax_subject *nc = vtax_result__subject(nat, "client", "pid");
		struct vtax_subject *es = vtax_result__subject(env, "server", "container");
		struct vtax_subject *ec = vtax_result__subject(env, "client", "pid");
		struct vtax_ledger l;
		const struct vtax_ledger_env *le;
		const struct vtax_ledger_cause *c;

		vtax_subject__counter(ns, VTAX_LEDGER_RUNQ, "ns", 500.0 * OPS, 0);
		vtax_subject__counter(nc, VTAX_LEDGER_RUNQ, "ns", 100.0 * OPS, 0);
		vtax_subject__counter(es, VTAX_LEDGER_RUNQ, "ns", 3000.0 * OPS, 0);
		if (k != 2)
			vtax_subject__counter(ec, VTAX_LEDGER_RUNQ, "ns", 200.0 * OPS, 0);
		/* the sched family's own series: the cause when it is loaded */
		add(ns, "sched", "runq", NULL, NULL, VTAX_CAUSE_RUNQ, 2 * OPS, 1500);
		add(es, "sched", "runq", NULL, NULL, VTAX_CAUSE_RUNQ, 2 * OPS, 2500);
		{
			struct vtax_ledger_input in[2] = {
				{ .env = "native", .traced = nat, .traced_ops = OPS, .latency = &lat_n,
				  .untraced = 1, .ops_per_s = 1000, .families = k == 1 ? ALL_FAMS : nosched },
				{ .env = "docker-host", .traced = env, .traced_ops = OPS, .latency = &lat_e,
				  .untraced = 1, .ops_per_s = 900, .families = k == 1 ? ALL_FAMS : nosched },
			};

			if (vtax_ledger__build(&l, &lo, &in[0], in, 2) ||
			    !(le = vtax_ledger__env(&l, "docker-host"))) {
				tap_ok(0, "runq ledger %d builds", k);
				goto next;
			}
		}
		c = cause(le, VTAX_CAUSE_RUNQ);
		if (k == 0)
			tap_ok(c->measured && c->present && !strcmp(c->family, "schedstat") &&
				       near(c->delta_ns, 2600) && c->nitems == 2 &&
				       !strcmp(c->items[0].series, "server run_delay (schedstat)") &&
				       near(c->items[0].delta_ns, 2500) && near(c->items[1].delta_ns, 100),
			       "no sched family: run-queue cause from schedstat, %s %.1f ns (expected 2600: server 2500 + client 100)",
			       c->family, c->delta_ns);
		else if (k == 1)
			tap_ok(c->measured && !strcmp(c->family, "sched") && near(c->delta_ns, 1000) &&
				       c->nitems == 1,
			       "sched family loaded: its series are the cause (%.1f, expected 1000), not the counters",
			       c->delta_ns);
		else
			tap_ok(!c->measured && !c->present,
			       "no sched family and no client counter in the env: run-queue cause not measured");
		vtax_ledger__free(&l);
next:
		vtax_result__free(nat);
		vtax_result__free(env);
	}
}

int main(void)
{
	struct vtax_result *nat = vtax_result__new("compare-env"),
			   *env = vtax_result__new("compare-env");
	struct vtax_subject *ns = vtax_result__subject(nat, "server", "pid");
	struct vtax_subject *es = vtax_result__subject(env, "server", "container");
	struct vtax_subject *ec = vtax_result__subject(env, "client", "pid");
	struct vtax_subject *ep = vtax_result__subject(env, VTAX_LEDGER_PROXY_SUBJECT, "pid");
	struct vtax_hist lat_n, lat_e, lat_q, lat_s, lat_x;
	struct vtax_ledger_opts lo = { .sz = sizeof(lo), .op_name = "request", .concurrency = 1 };
	struct vtax_ledger l;
	const struct vtax_ledger_env *le;
	double expect[VTAX_CAUSE__COUNT] = { 0 }, explained = 0;
	static const char *const names[VTAX_CAUSE__COUNT] = {
		"nat",	"hops",	 "filter",    "proxy", "fs",  "blk",
		"runq", "steal", "kvm_exits", "vmm",   "tcg",
	};

	family_tags();
	sampled_brackets();

	/* native: some hops, runq, blk, and the file syscalls' reference */
	add(ns, "net", "xmit", NULL, NULL, VTAX_CAUSE_HOPS, 2000, 500);
	add(ns, "net", "nat", NULL, NULL, VTAX_CAUSE_NAT, 2000, 40);
	add(ns, "sched", "runq", NULL, NULL, VTAX_CAUSE_RUNQ, 1000, 50);
	add(ns, "blk", "service", NULL, NULL, VTAX_CAUSE_BLK, 1000, 100);
	add(ns, "syscall", "pwrite64", "fs", "ext4", VTAX_CAUSE_FS_REF, 1000, 300);
	/* not the reference: sockets (untagged) */
	add(ns, "syscall", "pwrite64", "fs", "socket", VTAX_CAUSE_NONE, 1000, 9999);
	vtax_subject__counter(ns, VTAX_LEDGER_SERVER_ONCPU, "ns", 1000.0 * OPS, 0);

	/* the environment: every cause, names that match no word the ledger knows */
	add(es, "net", "renamed_hop", NULL, NULL, VTAX_CAUSE_HOPS, 2000, 2000);
	add(es, "net", "nat_renamed", NULL, NULL, VTAX_CAUSE_NAT, 2000, 300);
	add(es, "net", "fw", NULL, NULL, VTAX_CAUSE_FILTER, 2000, 100);
	add(es, "net", "relay", NULL, NULL, VTAX_CAUSE_PROXY, 2000, 150);
	add(es, "syscall", "pwrite64", "fs", "overlay", VTAX_CAUSE_FS, 1000, 800);
	add(es, "blk", "service", NULL, NULL, VTAX_CAUSE_BLK, 1000, 400);
	add(ec, "sched", "runq", NULL, NULL, VTAX_CAUSE_RUNQ, 1000, 250);
	add(es, "sched", "steal", NULL, NULL, VTAX_CAUSE_STEAL, 1000, 120);
	add(es, "kvm", "exit", NULL, NULL, VTAX_CAUSE_KVM_EXIT, 1000, 600);
	add(es, "kvm", "userspace", NULL, NULL, VTAX_CAUSE_VMM, 1000, 700);
	/* no cause: untagged, big; the server's wait for its reads; a rare
	 * packet series (< 1 per 100 ops) */
	add(es, "net", "path", NULL, NULL, VTAX_CAUSE_NONE, 1000, 50000);
	add(es, "net", "sock_queue", NULL, NULL, VTAX_CAUSE_READ_WAIT, 1000, 40000);
	add(es, "net", "nat_rare", NULL, NULL, VTAX_CAUSE_NAT, 5, 7777);
	/* docker-proxy's subject: the wait for it to read is its cause; its
	 * packets' hops are hops; its run-queue waits (inside those waits) and
	 * its on-CPU time are no cause */
	add(ep, "net", "sock_queue", NULL, NULL, VTAX_CAUSE_READ_WAIT, 2000, 70);
	add(ep, "net", "rx_stack", NULL, NULL, VTAX_CAUSE_HOPS, 2000, 90);
	add(ep, "sched", "runq", NULL, NULL, VTAX_CAUSE_RUNQ, 1000, 3333);
	vtax_subject__counter(ep, VTAX_LEDGER_PROXY_ONCPU, "ns", 5555.0 * OPS, 0);
	vtax_subject__counter(es, VTAX_LEDGER_VCPU_ONCPU, "ns", 5000.0 * OPS, 0);

	expect[VTAX_CAUSE_NAT] = 300 - 40;
	expect[VTAX_CAUSE_FILTER] = 100;
	/* hops minus the netfilter time inside them, on both sides */
	expect[VTAX_CAUSE_HOPS] = (2000 + 90 - 500) - ((300 + 100) - 40);
	expect[VTAX_CAUSE_PROXY] = 150 + 70;
	expect[VTAX_CAUSE_FS] = 800 - 300;
	expect[VTAX_CAUSE_BLK] = 400 - 100;
	expect[VTAX_CAUSE_RUNQ] = 250 - 50;
	expect[VTAX_CAUSE_STEAL] = 120;
	expect[VTAX_CAUSE_KVM_EXIT] = 600;
	expect[VTAX_CAUSE_VMM] = 700;
	expect[VTAX_CAUSE_TCG] = 5000 - 1000;
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++)
		explained += expect[i];

	/* 1000 ns of the difference is left unexplained */
	latency(&lat_n, 20000);
	latency(&lat_e, 20000 + explained + 1000);
	/* within the 5% floor (1000 ns of 20000) */
	latency(&lat_q, 20000 + 900);
	/* 3000 ns more: above the floor, below the runs' spread */
	latency(&lat_s, 20000 + 3000);
	latency(&lat_x, 20000 + 3000);
	{
		struct vtax_ledger_input in[5] = {
			{ .env = "native",
			  .traced = nat,
			  .traced_ops = OPS,
			  .latency = &lat_n,
			  .untraced = 1,
			  .ops_per_s = 1000,
			  .families = ALL_FAMS },
			{ .env = "everything",
			  .traced = env,
			  .traced_ops = OPS,
			  .latency = &lat_e,
			  .untraced = 1,
			  .ops_per_s = 500,
			  .families = ALL_FAMS,
			  .emulated = 1,
			  .label = "emulated" },
			{ .env = "quiet",
			  .traced = nat,
			  .traced_ops = OPS,
			  .latency = &lat_q,
			  .untraced = 1,
			  .ops_per_s = 990,
			  .families = ALL_FAMS },
			{ .env = "spread",
			  .traced = nat,
			  .traced_ops = OPS,
			  .latency = &lat_s,
			  .untraced = 1,
			  .ops_per_s = 900,
			  .families = ALL_FAMS,
			  .run_mean_min_ns = 17000,
			  .run_mean_max_ns = 25000 },
			{ .env = "nonet",
			  .traced = env,
			  .traced_ops = OPS,
			  .latency = &lat_x,
			  .untraced = 1,
			  .ops_per_s = 900,
			  .families = ALL_FAMS & ~(1u << VTAX_FAM_NET) },
		};

		int rc = vtax_ledger__build(&l, &lo, &in[0], in, 5);

		tap_ok(rc == 0 && l.nenvs == 4, "ledger of 4 environments against native (%d)",
		       l.nenvs);
	}

	le = vtax_ledger__env(&l, "everything");
	tap_ok(le != NULL, "environment found");
	if (!le)
		return tap_done();
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		const struct vtax_ledger_cause *c = cause(le, i);

		tap_ok(c->measured && c->present && near(c->delta_ns, expect[i]) &&
			       !strcmp(c->key, names[i]),
		       "cause %s: %.1f ns per op (expected %.1f)", names[i], c->delta_ns,
		       expect[i]);
	}
	tap_ok(near(le->diff_ns, explained + 1000), "difference %.1f = explained + 1000",
	       le->diff_ns);
	tap_ok(near(le->explained_ns, explained), "explained %.1f (expected %.1f)",
	       le->explained_ns, explained);
	tap_ok(near(le->unexplained_ns, 1000), "unexplained %.1f (expected 1000)",
	       le->unexplained_ns);
	tap_ok(near(le->closure, explained / (explained + 1000)), "closure %.4f", le->closure);
	tap_ok(!le->within_noise, "a difference of %.0f ns is not noise", le->diff_ns);
	tap_ok(le->lead == VTAX_CAUSE_TCG, "the biggest cause leads (%d)", le->lead);
	tap_ok(near(le->proxy_oncpu_ns, 5555), "docker-proxy's on-CPU time is reported (%.1f), in no cause",
	       le->proxy_oncpu_ns);
	tap_ok(near(le->throughput_ratio, 0.5), "throughput ratio %.2f", le->throughput_ratio);
	{
		int hops_minus = 0;

		for (int i = 0; i < cause(le, VTAX_CAUSE_HOPS)->nitems; i++)
			hops_minus |= !!strstr(cause(le, VTAX_CAUSE_HOPS)->items[i].series,
					       "minus netfilter");
		tap_ok(hops_minus, "the hops show the netfilter time taken out of them");
	}

	le = vtax_ledger__env(&l, "quiet");
	tap_ok(le && le->within_noise && isnan(le->closure) && near(le->noise_ns, 1000),
	       "900 ns against a 1000 ns floor: within noise, no closure");
	le = vtax_ledger__env(&l, "spread");
	tap_ok(le && le->within_noise && near(le->noise_ns, 4000),
	       "3000 ns against a run spread of +-4000 ns: within noise (band %.0f)",
	       le ? le->noise_ns : NAN);
	le = vtax_ledger__env(&l, "nonet");
	tap_ok(le && !cause(le, VTAX_CAUSE_NAT)->measured &&
		       !cause(le, VTAX_CAUSE_HOPS)->measured &&
		       !cause(le, VTAX_CAUSE_FILTER)->measured &&
		       cause(le, VTAX_CAUSE_FS)->measured,
	       "net not loaded: its causes are not measured, the others are");
	tap_ok(!strcmp(l.unavailable, "net"), "unavailable families: \"%s\"", l.unavailable);
	tap_ok(le && le->within_noise == 0 && le->unexplained_ns > 0,
	       "nonet: 3000 ns, beyond the floor, partly unexplained");

	/* the tags survive the result JSON: the same ledger from read-back results */
	{
		json_t *jn = vtax_result__to_json(nat), *je = vtax_result__to_json(env);
		char err[256] = "";
		struct vtax_result *rn = vtax_result__from_json(jn, err, sizeof(err));
		struct vtax_result *re = vtax_result__from_json(je, err, sizeof(err));
		struct vtax_ledger l2;
		struct vtax_ledger_input in[2] = {
			{ .env = "native",
			  .traced = rn,
			  .traced_ops = OPS,
			  .latency = &lat_n,
			  .untraced = 1,
			  .ops_per_s = 1000,
			  .families = ALL_FAMS },
			{ .env = "everything",
			  .traced = re,
			  .traced_ops = OPS,
			  .latency = &lat_e,
			  .untraced = 1,
			  .ops_per_s = 500,
			  .families = ALL_FAMS,
			  .emulated = 1 },
		};
		const struct vtax_ledger_env *a = vtax_ledger__env(&l, "everything"), *b;
		int same = rn && re && !vtax_ledger__build(&l2, &lo, &in[0], in, 2);

		b = same ? vtax_ledger__env(&l2, "everything") : NULL;
		same = same && b;
		for (int i = 0; same && i < VTAX_CAUSE__COUNT; i++)
			same = near(a->causes[i].delta_ns, b->causes[i].delta_ns);
		tap_ok(same, "every cause is the same after a JSON round trip %s", err);
		if (b)
			vtax_ledger__free(&l2);
		vtax_result__free(rn);
		vtax_result__free(re);
		json_decref(jn);
		json_decref(je);
	}

	vtax_ledger__free(&l);
	vtax_result__free(nat);
	vtax_result__free(env);
	runq_schedstat();
	return tap_done();
}
