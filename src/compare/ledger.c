// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ledger.c - the tax ledger of `vtax compare` (ledger.h): components ->
 * named causes -> per-operation differences from native, closure, knobs.
 *
 * How it works.  Each environment's session result holds histograms per
 * subject ("server", "client").  A component's time per operation is the
 * sum_ns of its series over both subjects divided by the operations the
 * session covered.  The same is computed on native; the tax of a
 * component is the difference.  Components are grouped into causes by the
 * tag their probe family gave each series when it decoded it
 * (vtax_series.cause, result/cause.h): this file matches no series names;
 * each cause carries the knob that removes it (cause_defs).
 *
 * Double counting.  The families used here measure disjoint slices of
 * time: a packet's time between hops (net), inside netfilter (net, NAT and
 * conntrack brackets), waiting for a CPU (sched.runq, steal), between a VM
 * exit and the next entry (kvm), block queueing and service (blk).
 * Syscall totals are not disjoint from those (a recv() that waits for a
 * packet contains the packet's whole path), so syscall series are used for
 * one cause only: the filesystem, as time per operation of syscalls on
 * overlay files in the environment minus the same syscalls on the native
 * filesystem.  sched "blocked" time is never a cause (it is waiting for
 * something that is itself measured, or for the client).
 *
 * The difference to explain is the client's mean latency difference per
 * operation, measured in runs with no vtax probe attached (compare.c's
 * untraced pass: the probes cost more per request on longer paths, so a
 * traced difference holds part of vtax's own cost), divided by the
 * operations in flight (with one in flight, the
 * latency difference itself; with N, the per-operation share of it, which
 * is what per-operation component sums add up to).  Closure = sum of named
 * causes / difference; it is left undefined when the difference is within
 * noise (max of a relative floor of native's mean and the run-to-run
 * spread).
 *
 * A family that was not loaded in both sessions makes its causes "not
 * measured" (shown as such, never as zero); the ledger lists those
 * families in `unavailable`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/fmt.h"
#include "trace/hist.h"
#include "compare/ledger.h"
#include "vtax/keys.h"

/* What the ledger says about each cause; the ids and their JSON keys are
 * in result/cause.h. */
static const struct cause_def {
	const char *name, *knob, *family;
	int fam;     /* enum vtax_family, 0 = not a BPF family */
	int packets; /* its series count packets: rare ones are not on the path */
} cause_defs[VTAX_CAUSE__COUNT] = {
	[VTAX_CAUSE_NAT] = { "NAT+conntrack",
			     "--net=host (no DNAT/masquerade, no conntrack lookup per packet)", "net",
			     VTAX_FAM_NET, 1 },
	[VTAX_CAUSE_HOPS] = { "bridge+veth hops", "--net=host (no veth pair, no bridge forwarding)",
			      "net", VTAX_FAM_NET, 1 },
	[VTAX_CAUSE_FILTER] = { "netfilter filter rules",
				"--net=host (no FORWARD/DOCKER chains on the path), or fewer rules",
				"net", VTAX_FAM_NET, 1 },
	[VTAX_CAUSE_PROXY] = { "docker-proxy",
			       "publish on a host address or disable the userland proxy (dockerd \"userland-proxy\": false), or --net=host",
			       "net", VTAX_FAM_NET, 1 },
	[VTAX_CAUSE_FS] = { "filesystem/overlay",
			    "put the data on a volume (-v NAME:/data) instead of the container's overlay layer",
			    "syscall", VTAX_FAM_SYSCALL, 0 },
	[VTAX_CAUSE_BLK] = { "block I/O", "virtio-blk with aio=native/io_uring and cache=none, or a faster device",
			     "blk", VTAX_FAM_BLK, 0 },
	[VTAX_CAUSE_RUNQ] = { "run-queue wait",
			      "CPU pinning (--cpuset-cpus, vCPU pinning) and fewer busy neighbours", "sched",
			      VTAX_FAM_SCHED, 0 },
	/* measured by the kvm family's own two scheduler hooks, on vCPU
	 * threads only (reported as sched.steal) */
	[VTAX_CAUSE_STEAL] = { "steal time", "dedicated host CPUs (no overcommit, pinning)", "kvm",
			       VTAX_FAM_KVM, 0 },
	[VTAX_CAUSE_KVM_EXIT] = { "KVM exits",
				  "vhost-net/vhost-blk, posted interrupts, halt-polling tuning", "kvm",
				  VTAX_FAM_KVM, 0 },
	[VTAX_CAUSE_VMM] = { "VMM userspace emulation",
			     "vhost-net / vhost-user (virtio handled outside QEMU's main loop)", "kvm",
			     VTAX_FAM_KVM, 0 },
	[VTAX_CAUSE_TCG] = { "TCG emulation (vCPU on-CPU time)",
			     "a host with hardware virtualization (KVM with VMX/SVM): TCG is not representative",
			     "procfs", 0, 0 },
};

/*
 * The cause a series feeds: the tag its family gave it, except for the
 * docker-proxy subject's series (ledger.h).  docker-proxy's cost on a
 * request's path is (1) the wait for it to read what arrived on either of
 * its sockets (READ_WAIT: its wake-up, run-queue wait and read), charged
 * to docker-proxy, and (2) the second connection's packets, handled in its
 * threads' context (loopback, bridge, veth, conntrack, filter), charged to
 * those causes as the same packets are in any other context.  Its
 * run-queue waits are inside (1).  Its threads' on-CPU time is no cause
 * (fill_proxy_cpu says why).
 */
static int series_cause(const struct vtax_subject *subj, const struct vtax_series *se)
{
	if (subj && !strcmp(subj->id, VTAX_LEDGER_PROXY_SUBJECT)) {
		if (se->cause == VTAX_CAUSE_READ_WAIT)
			return VTAX_CAUSE_PROXY;
		if (se->cause == VTAX_CAUSE_RUNQ || se->cause == VTAX_CAUSE_STEAL)
			return VTAX_CAUSE_NONE;
	}
	return se->cause;
}

/* Of the netfilter intervals a result counts (scaled to the whole run),
 * the share whose bracket programs ran: the sampled fraction when only
 * the brackets were sampled (--sample-netfilter; the hops around them
 * traced whole), else all (unsampled, or every program sampled alike). */
static double nf_ran(const struct vtax_ledger_input *in)
{
	const struct vtax_result *r = in ? in->traced : NULL;
	double f;

	if (!r || !r->sample.spec[0] || r->sample.scope != VTAX_SAMPLE_NETFILTER)
		return 1.0;
	f = vtax_result__sample_fraction(&r->sample, VTAX_SAMPLE_NF_FAMILY);
	return f > 0 ? f : 1.0;
}

/* "family.name{k=v,...}", without the labels that differ run to run. */
static void series_key(const struct vtax_subject *subj, const struct vtax_series *se, char *buf,
		       size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%s%s.%s", subj && !strcmp(subj->id, VTAX_LEDGER_PROXY_SUBJECT) ?
					      "docker-proxy " : "", se->family, se->name);
	int first = 1;

	for (int i = 0; i < se->nlabels && off < len; i++) {
		if (!strcmp(se->labels[i].key, "part") || !strcmp(se->labels[i].key, "netns") ||
		    !strcmp(se->labels[i].key, "ct"))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", first ? "{" : ",",
					se->labels[i].key, se->labels[i].value);
		first = 0;
	}
	if (!first && off < len)
		snprintf(buf + off, len - off, "}");
}

/*
 * A packet series seen on fewer than 1 packet per 100 operations is not on
 * the workload's path: another program's traffic in a shared namespace, or
 * a chain that started long ago (its one huge sample would swamp the mean).
 */
static int rare(const struct vtax_series *se, int cause, uint64_t ops)
{
	return cause >= 0 && cause < VTAX_CAUSE__COUNT && cause_defs[cause].packets &&
	       se->hist.count * 100 < ops;
}

/* Total sum_ns of one series key over every subject of r. */
static double key_total(const struct vtax_result *r, const char *key, int cause, uint64_t ops,
			double *count)
{
	double t = 0;

	*count = 0;
	char k[160];

	if (!r)
		return 0;
	for (size_t i = 0; i < r->nsubjects; i++)
		for (size_t j = 0; j < r->subjects[i].nseries; j++) {
			const struct vtax_series *se = &r->subjects[i].series[j];

			if (series_cause(&r->subjects[i], se) != cause || rare(se, cause, ops))
				continue;
			series_key(&r->subjects[i], se, k, sizeof(k));
			if (!strcmp(k, key)) {
				t += (double)se->hist.sum_ns;
				*count += (double)se->hist.count;
			}
		}
	return t;
}

/* Native's time in syscall `name` on data filesystems (the FS reference). */
static double native_fs_total(const struct vtax_result *r, const char *name, double *count)
{
	double t = 0;

	*count = 0;
	if (!r)
		return 0;
	for (size_t i = 0; i < r->nsubjects; i++)
		for (size_t j = 0; j < r->subjects[i].nseries; j++) {
			const struct vtax_series *se = &r->subjects[i].series[j];

			if (se->cause == VTAX_CAUSE_FS_REF && !strcmp(se->name, name)) {
				t += (double)se->hist.sum_ns;
				*count += (double)se->hist.count;
			}
		}
	return t;
}

/* The sum of the counters called name of subject subj (every subject when
 * NULL); 1 when there is at least one. */
static int counter_sum(const struct vtax_result *r, const char *subj, const char *name, double *v)
{
	int found = 0;

	*v = 0;
	for (size_t i = 0; r && i < r->nsubjects; i++) {
		if (subj && strcmp(r->subjects[i].id, subj))
			continue;
		for (size_t j = 0; j < r->subjects[i].ncounters; j++)
			if (!strcmp(r->subjects[i].counters[j].name, name)) {
				*v += r->subjects[i].counters[j].value;
				found = 1;
			}
	}
	return found;
}

static double counter_total(const struct vtax_result *r, const char *name)
{
	double t;

	counter_sum(r, NULL, name, &t);
	return t;
}

static double per_op(double ns, uint64_t ops)
{
	return ops ? ns / (double)ops : 0;
}

/* Add (or merge into) an item of cause c. */
static void cause_add_item(struct vtax_ledger_cause *c, const char *key, double env_ns,
			   double base_ns, double env_n, double base_n)
{
	struct vtax_ledger_item *it = NULL;

	for (int i = 0; i < c->nitems; i++)
		if (!strcmp(c->items[i].series, key))
			it = &c->items[i];
	if (!it) {
		if (c->nitems >= VTAX_LEDGER_MAX_ITEMS) {
			/* keep the totals right; the overflow goes to one row */
			it = &c->items[VTAX_LEDGER_MAX_ITEMS - 1];
			snprintf(it->series, sizeof(it->series), "(other %s series)", c->family);
		} else {
			it = &c->items[c->nitems++];
			snprintf(it->series, sizeof(it->series), "%s", key);
		}
	}
	it->env_ns += env_ns;
	it->base_ns += base_ns;
	it->delta_ns = it->env_ns - it->base_ns;
	it->env_n += env_n;
	it->base_n += base_n;
	c->env_n += env_n;
	c->base_n += base_n;
	c->env_ns += env_ns;
	c->base_ns += base_ns;
	c->delta_ns = c->env_ns - c->base_ns;
}

static int item_cmp(const void *a, const void *b)
{
	double x = fabs(((const struct vtax_ledger_item *)a)->delta_ns);
	double y = fabs(((const struct vtax_ledger_item *)b)->delta_ns);

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Items of a cause: every key present in the env or on native.  Keys are
 * collected from both sides so that a component that vanished (native has
 * it, the env not) shows as a negative delta rather than being lost.
 */
static void fill_cause(struct vtax_ledger_cause *c, const struct vtax_ledger_input *env,
		       const struct vtax_ledger_input *base)
{
	const struct vtax_ledger_input *side[2] = { env, base };
	char key[160];

	for (int s = 0; s < 2; s++) {
		const struct vtax_result *r = side[s]->traced;

		if (!r)
			continue;
		for (size_t i = 0; i < r->nsubjects; i++)
			for (size_t j = 0; j < r->subjects[i].nseries; j++) {
				const struct vtax_series *se = &r->subjects[i].series[j];
				int seen = 0;

				if (series_cause(&r->subjects[i], se) != (int)c->id ||
				    rare(se, c->id, side[s]->traced_ops))
					continue;
				series_key(&r->subjects[i], se, key, sizeof(key));
				for (int k = 0; k < c->nitems; k++)
					if (!strcmp(c->items[k].series, key))
						seen = 1;
				if (seen)
					continue;
				if (s == 0)
					c->present = 1;
				{
					double en, bn;
					double ev = key_total(env->traced, key, c->id, env->traced_ops, &en);
					double bv = key_total(base->traced, key, c->id, base->traced_ops, &bn);

					cause_add_item(c, key, per_op(ev, env->traced_ops),
						       per_op(bv, base->traced_ops), per_op(en, env->traced_ops),
						       per_op(bn, base->traced_ops));
				}
			}
	}
}

/* Overlay: each syscall on overlay in the env vs the same syscall on the
 * native data filesystems. */
static void fill_fs(struct vtax_ledger_cause *c, const struct vtax_ledger_input *env,
		    const struct vtax_ledger_input *base)
{
	const struct vtax_result *r = env->traced;
	char key[160];

	if (!r)
		return;
	for (size_t i = 0; i < r->nsubjects; i++)
		for (size_t j = 0; j < r->subjects[i].nseries; j++) {
			const struct vtax_series *se = &r->subjects[i].series[j];
			int seen = 0;

			if (series_cause(&r->subjects[i], se) != VTAX_CAUSE_FS)
				continue;
			series_key(&r->subjects[i], se, key, sizeof(key));
			for (int k = 0; k < c->nitems; k++)
				if (!strcmp(c->items[k].series, key))
					seen = 1;
			if (seen)
				continue;
			c->present = 1;
			{
				double en, bn, ev = key_total(r, key, VTAX_CAUSE_FS, env->traced_ops, &en);
				double bv = native_fs_total(base->traced, se->name, &bn);

				cause_add_item(c, key, per_op(ev, env->traced_ops), per_op(bv, base->traced_ops),
					       per_op(en, env->traced_ops), per_op(bn, base->traced_ops));
			}
		}
}

/*
 * docker-proxy's threads' on-CPU time, reported beside the cause and not
 * added to it.  It was the cause once, and made closures of 198%: it holds
 * vtax's own programs (it is read in traced runs), the packets' kernel time
 * in its context (already in the hops, NAT and filter causes), and Go's
 * runtime work off the request's path (threads spinning for work, the
 * netpoller), while it misses the wait for docker-proxy to wake up.
 */
static void fill_proxy_cpu(struct vtax_ledger_env *le, const struct vtax_ledger_input *env)
{
	double v = counter_total(env->traced, VTAX_LEDGER_PROXY_ONCPU);

	le->proxy_oncpu_ns = v > 0 ? per_op(v, env->traced_ops) : NAN;
}

/*
 * The run-queue cause where the sched family was not loaded in both
 * sessions (compare's network plan): the server's and the client's
 * run_delay from schedstat over the traced runs (ledger.h,
 * VTAX_LEDGER_RUNQ), one item each.  1 when both sides have them.
 */
static int fill_runq_schedstat(struct vtax_ledger_cause *c, const struct vtax_ledger_input *env,
			       const struct vtax_ledger_input *base)
{
	static const char *const subj[] = { "server", "client" };
	double ev[2], bv[2];
	char key[64];

	for (int i = 0; i < 2; i++)
		if (!counter_sum(env->traced, subj[i], VTAX_LEDGER_RUNQ, &ev[i]) ||
		    !counter_sum(base->traced, subj[i], VTAX_LEDGER_RUNQ, &bv[i]))
			return 0;
	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s run_delay (schedstat)", subj[i]);
		cause_add_item(c, key, per_op(ev[i], env->traced_ops), per_op(bv[i], base->traced_ops),
			       0, 0);
	}
	c->present = 1;
	return 1;
}

/* Under TCG the vCPU threads run the guest by emulation: their on-CPU time
 * against the native server's on-CPU time. */
static void fill_tcg(struct vtax_ledger_cause *c, const struct vtax_ledger_input *env,
		     const struct vtax_ledger_input *base)
{
	double v = counter_total(env->traced, VTAX_LEDGER_VCPU_ONCPU);

	if (!env->emulated || v <= 0)
		return;
	c->present = 1;
	cause_add_item(c, "vcpu threads on-CPU (schedstat) vs native server on-CPU",
		       per_op(v, env->traced_ops),
		       per_op(counter_total(base->traced, VTAX_LEDGER_SERVER_ONCPU), base->traced_ops), 0, 0);
}

static double mean_ns(const struct vtax_hist *h)
{
	return h ? vtax_hist__mean(h) : 0;
}

static double q_ns(const struct vtax_hist *h, double q)
{
	return h ? (double)vtax_hist__quantile(h, q) : 0;
}

/* "14.1 to 18.5us": both ends in the unit of the larger */
const char *vtax_ledger__fmt_ci(const struct vtax_ci *ci, char *buf, size_t len)
{
	double a = fmax(fabs(ci->lo), fabs(ci->hi)), k = 1;
	const char *u = "ns";
	int prec = 0;

	if (!ci->ok) {
		snprintf(buf, len, "n/a");
		return buf;
	}
	if (a >= 1e9)
		k = 1e9, u = "s", prec = 2;
	else if (a >= 1e6)
		k = 1e6, u = "ms", prec = 2;
	else if (a >= 1e3)
		k = 1e3, u = "us", prec = 1;
	snprintf(buf, len, "%.*f to %.*f%s", prec, ci->lo / k, prec, ci->hi / k, u);
	return buf;
}

int vtax_ledger_cause__significant(const struct vtax_ledger_env *le,
				   const struct vtax_ledger_cause *c)
{
	double a = fabs(c->delta_ns);

	if (!c->measured || !c->present)
		return 0;
	return a >= 50 || (fabs(le->diff_ns) > 0 && a >= 0.01 * fabs(le->diff_ns));
}

static void headline(struct vtax_ledger_env *le, const struct vtax_ledger *l)
{
	char a[32], b[32];
	size_t off = 0, cap = sizeof(le->headline);
	int order[VTAX_CAUSE__COUNT], n = 0;

#define PUT(...)                                                                         \
	do {                                                                             \
		if (off < cap)                                                           \
			off += (size_t)snprintf(le->headline + off, cap - off, __VA_ARGS__); \
	} while (0)

	if (le->emulated)
		PUT("[%s] ", le->label[0] ? le->label : "emulated");
	if (le->diff_ci.ok) {
		char ci[64];

		vtax_ledger__fmt_ci(&le->diff_ci, ci, sizeof(ci));
		if (le->within_noise)
			PUT("%s: each %s costs the same as on %s within noise: %s per %s (95%% CI %s, %d rounds)",
			    le->env, l->op_name, l->baseline, vtax_fmt_ns(le->diff_ns, a, sizeof(a), 1),
			    l->op_name, ci, le->rounds);
		else
			PUT("In %s each %s costs %s than on %s: %s per %s (95%% CI %s, %d rounds)", le->env,
			    l->op_name, le->diff_ns > 0 ? "more" : "less", l->baseline,
			    vtax_fmt_ns(le->diff_ns, a, sizeof(a), 1), l->op_name, ci, le->rounds);
	} else if (le->within_noise) {
		PUT("%s: each %s costs the same as on %s within noise (%s, noise band +-%s)", le->env,
		    l->op_name, l->baseline, vtax_fmt_ns(le->diff_ns, a, sizeof(a), VTAX_FMT_SIGN),
		    vtax_fmt_ns(le->noise_ns, b, sizeof(b), 0));
	} else {
		PUT("In %s each %s costs %s %s than on %s", le->env, l->op_name,
		    vtax_fmt_ns(fabs(le->diff_ns), a, sizeof(a), 0), le->diff_ns > 0 ? "more" : "less",
		    l->baseline);
	}
	/* named causes, largest first */
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++)
		if (vtax_ledger_cause__significant(le, &le->causes[i]) && le->causes[i].delta_ns > 0)
			order[n++] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && le->causes[order[j]].delta_ns > le->causes[order[j - 1]].delta_ns; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (!le->within_noise && le->diff_ns > 0) {
		PUT(":");
		for (int i = 0; i < n; i++)
			PUT("%s %s %s", i ? "," : "", vtax_fmt_ns(le->causes[order[i]].delta_ns, a, sizeof(a), 0),
			    le->causes[order[i]].name);
		PUT("%s %s unexplained (closure %.0f%%", n ? "," : "",
		    vtax_fmt_ns(le->unexplained_ns, a, sizeof(a), 0), le->closure * 100);
		if (le->closure_ci.ok)
			PUT(", 95%% CI %.0f to %.0f%%", le->closure_ci.lo * 100, le->closure_ci.hi * 100);
		if (isfinite(le->closure_corr))
			PUT("; %.0f%% with components corrected for vtax's own cost", le->closure_corr * 100);
		PUT(").");
	} else {
		PUT(".");
	}
	if (le->lead >= 0) {
		const struct vtax_ledger_cause *c = &le->causes[le->lead];

		PUT(" Biggest cause: %s (%s per %s); knob: %s.", c->name,
		    vtax_fmt_ns(c->delta_ns, a, sizeof(a), VTAX_FMT_SIGN), l->op_name, c->knob);
	}
#undef PUT
}

/* The lead cause, closure and headline from within_noise and the causes. */
static void decide_env(struct vtax_ledger_env *le, const struct vtax_ledger *l)
{
	int use_corr = le->prog_run_ns > 0;

	le->lead = -1;
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		const struct vtax_ledger_cause *c = &le->causes[i];

		if (!c->measured || !c->present)
			continue;
		if (c->delta_ns > 0 && vtax_ledger_cause__significant(le, c) &&
		    (le->lead < 0 || c->delta_ns > le->causes[le->lead].delta_ns))
			le->lead = i;
	}
	le->closure = !le->within_noise && le->diff_ns > 0 ? le->explained_ns / le->diff_ns : NAN;
	le->closure_corr = use_corr && !le->within_noise && le->diff_ns > 0
				   ? le->explained_corr_ns / le->diff_ns
				   : NAN;
	headline(le, l);
}

void vtax_ledger__decide(struct vtax_ledger *l)
{
	for (int i = 0; i < l->nenvs; i++) {
		struct vtax_ledger_env *le = &l->envs[i];

		if (le->diff_ci.ok) {
			le->within_noise = vtax_ci__within_noise(&le->diff_ci);
			le->noise_ns = vtax_ci__width(&le->diff_ci) / 2;
		}
		decide_env(le, l);
	}
}

static void build_env(struct vtax_ledger_env *le, const struct vtax_ledger *l,
		      const struct vtax_ledger_input *in, const struct vtax_ledger_input *base)
{
	double spread;

	snprintf(le->env, sizeof(le->env), "%s", in->env);
	le->emulated = in->emulated;
	snprintf(le->label, sizeof(le->label), "%s", in->label ? in->label : "");
	le->ops_per_s = in->ops_per_s;
	le->throughput_ratio = base->ops_per_s > 0 ? in->ops_per_s / base->ops_per_s : NAN;
	le->mean_ns = mean_ns(in->latency);
	le->p50_ns = q_ns(in->latency, 0.50);
	le->p99_ns = q_ns(in->latency, 0.99);
	le->p999_ns = q_ns(in->latency, 0.999);
	le->d_mean_ns = le->mean_ns - mean_ns(base->latency);
	le->d_p50_ns = le->p50_ns - q_ns(base->latency, 0.50);
	le->d_p99_ns = le->p99_ns - q_ns(base->latency, 0.99);
	le->d_p999_ns = le->p999_ns - q_ns(base->latency, 0.999);
	le->diff_ns = le->d_mean_ns / (double)l->concurrency;
	/* the observer effect: what tracing added in each environment */
	le->untraced = in->untraced && base->untraced;
	{
		const struct vtax_hist *tl = in->traced_latency ? in->traced_latency : in->latency;
		const struct vtax_hist *bl = base->traced_latency ? base->traced_latency : base->latency;

		le->traced_mean_ns = mean_ns(tl);
		le->traced_diff_ns = (le->traced_mean_ns - mean_ns(bl)) / (double)l->concurrency;
		le->overhead_ns = in->untraced ? (le->traced_mean_ns - le->mean_ns) / (double)l->concurrency
					       : NAN;
		le->base_overhead_ns = base->untraced ? (mean_ns(bl) - mean_ns(base->latency)) /
								(double)l->concurrency
						      : NAN;
	}
	spread = (in->run_mean_max_ns - in->run_mean_min_ns) / 2 +
		 (base->run_mean_max_ns - base->run_mean_min_ns) / 2;
	le->noise_ns = fmax(l->noise_floor * mean_ns(base->latency), spread) / (double)l->concurrency;
	le->within_noise = fabs(le->diff_ns) <= le->noise_ns;

	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		struct vtax_ledger_cause *c = &le->causes[i];
		const struct cause_def *d = &cause_defs[i];

		memset(c, 0, sizeof(*c));
		c->id = (enum vtax_cause)i;
		c->key = vtax_cause__key(i);
		c->name = d->name;
		c->knob = d->knob;
		c->family = d->family;
		c->measured = d->fam ? !!(in->families & base->families & (1u << d->fam)) : 1;
		if (!c->measured && i == VTAX_CAUSE_RUNQ && fill_runq_schedstat(c, in, base)) {
			c->measured = 1;
			c->family = "schedstat";
		} else if (!c->measured) {
			continue;
		} else if (i == VTAX_CAUSE_FS)
			fill_fs(c, in, base);
		else if (i == VTAX_CAUSE_TCG)
			fill_tcg(c, in, base);
		else
			fill_cause(c, in, base);
		qsort(c->items, (size_t)c->nitems, sizeof(c->items[0]), item_cmp);
	}

	fill_proxy_cpu(le, in);
	/* netfilter runs inside the hops that carry it: keep the hops cause
	 * exclusive so that a microsecond is counted once */
	{
		struct vtax_ledger_cause *h = &le->causes[VTAX_CAUSE_HOPS];
		const struct vtax_ledger_cause *n = &le->causes[VTAX_CAUSE_NAT];
		const struct vtax_ledger_cause *f = &le->causes[VTAX_CAUSE_FILTER];

		/* a bracket's two program runs: about one inside the netfilter
		 * interval, the other left in the hop (hence + its count).  With
		 * --sample-netfilter only a share fr of the brackets ran, so
		 * only that share of their runs is in the hops: the netfilter
		 * time taken out of them is the causes' (scaled, one run per
		 * interval) less the runs that never happened, (1 - fr) x count
		 * x the calibrated run (without it the hops lost 0.9 run per
		 * bracket: docker-nat's corrected closure via docker-proxy fell
		 * from ~120% to 57-70%) */
		double fe = nf_ran(in), fb = nf_ran(base);
		double ce = n->env_n + f->env_n, cb = n->base_n + f->base_n;

		if (h->measured && h->present && (n->present || f->present))
			cause_add_item(h, "(minus netfilter time inside these hops)",
				       -(n->env_ns + f->env_ns - (1 - fe) * ce * in->prog_run_ns),
				       -(n->base_ns + f->base_ns - (1 - fb) * cb * base->prog_run_ns),
				       ce * fe, cb * fb);
	}
	/* vtax's own cost inside the timed intervals: about one program run
	 * per interval (the tail of the run that starts it, the head of the
	 * one that ends it), at the calibrated cost per run (docs/compare.md) */
	le->prog_run_ns = in->prog_run_ns;
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		struct vtax_ledger_cause *c = &le->causes[i];

		c->corr_env_ns = c->env_ns - c->env_n * in->prog_run_ns;
		c->corr_base_ns = c->base_ns - c->base_n * base->prog_run_ns;
		c->corr_delta_ns = c->corr_env_ns - c->corr_base_ns;
	}
	le->explained_ns = le->explained_corr_ns = 0;
	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		const struct vtax_ledger_cause *c = &le->causes[i];

		if (!c->measured || !c->present)
			continue;
		le->explained_ns += c->delta_ns;
		le->explained_corr_ns += c->corr_delta_ns;
	}
	le->unexplained_ns = le->diff_ns - le->explained_ns;
	vtax_ledger_env__virtio(le, in);
	decide_env(le, l);
}

unsigned vtax_ledger__probe_plan(int network_only)
{
	unsigned m = 0;

	for (int i = 0; i < VTAX_CAUSE__COUNT; i++) {
		const struct cause_def *d = &cause_defs[i];

		if (!d->fam)
			continue;
		/* the filesystem and block causes: only where the workload does
		 * file I/O.  The run-queue cause of a network workload comes
		 * from schedstat (VTAX_LEDGER_RUNQ): no sched programs on its
		 * every switch and wake-up.  Where the syscall family is
		 * loaded it needs them (a call's off-CPU parts). */
		if (network_only && (d->fam == VTAX_FAM_SYSCALL || d->fam == VTAX_FAM_BLK ||
				     d->fam == VTAX_FAM_SCHED))
			continue;
		m |= 1u << d->fam;
	}
	return m;
}

int vtax_ledger__build(struct vtax_ledger *l, const struct vtax_ledger_opts *uo,
		       const struct vtax_ledger_input *base, const struct vtax_ledger_input *envs,
		       int nenvs)
{
	struct vtax_ledger_opts o = { 0 };
	static const struct { int fam; const char *name; } fams[] = {
		{ VTAX_FAM_SYSCALL, "syscall" }, { VTAX_FAM_SCHED, "sched" }, { VTAX_FAM_NET, "net" },
		{ VTAX_FAM_BLK, "blk" }, { VTAX_FAM_KVM, "kvm" },
	};
	unsigned all = ~0u;

	if (!l || !base || (nenvs && !envs))
		return -EINVAL;
	if (uo)
		memcpy(&o, uo, uo->sz && uo->sz < sizeof(o) ? uo->sz : sizeof(o));
	memset(l, 0, sizeof(*l));
	snprintf(l->op_name, sizeof(l->op_name), "%s", o.op_name ? o.op_name : "operation");
	snprintf(l->baseline, sizeof(l->baseline), "%s", base->env);
	l->concurrency = o.concurrency > 0 ? o.concurrency : 1;
	l->noise_floor = o.noise_floor > 0 ? o.noise_floor : 0.05;
	all &= base->families;
	for (int i = 0; i < nenvs; i++)
		if (&envs[i] != base && envs[i].traced)
			all &= envs[i].families;
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		size_t off = strlen(l->unavailable);

		if (!(all & (1u << fams[i].fam)))
			snprintf(l->unavailable + off, sizeof(l->unavailable) - off, "%s%s",
				 off ? "," : "", fams[i].name);
	}
	l->envs = calloc((size_t)(nenvs > 0 ? nenvs : 1), sizeof(*l->envs));
	if (!l->envs)
		return -ENOMEM;
	for (int i = 0; i < nenvs; i++) {
		if (&envs[i] == base || !strcmp(envs[i].env, base->env))
			continue;
		build_env(&l->envs[l->nenvs++], l, &envs[i], base);
	}
	return 0;
}

void vtax_ledger__free(struct vtax_ledger *l)
{
	if (!l)
		return;
	free(l->envs);
	l->envs = NULL;
	l->nenvs = 0;
}

const struct vtax_ledger_env *vtax_ledger__env(const struct vtax_ledger *l, const char *env)
{
	for (int i = 0; l && i < l->nenvs; i++)
		if (!strcmp(l->envs[i].env, env))
			return &l->envs[i];
	return NULL;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *vtax_ledger__to_json(const struct vtax_ledger *l)
{
	json_t *o = json_object(), *envs = json_array();

	json_object_set_new(o, "baseline", json_string(l->baseline));
	json_object_set_new(o, "op", json_string(l->op_name));
	json_object_set_new(o, "concurrency", json_integer(l->concurrency));
	json_object_set_new(o, "noise_floor", json_real(l->noise_floor));
	json_object_set_new(o, "unavailable_families", json_string(l->unavailable));
	for (int i = 0; i < l->nenvs; i++) {
		const struct vtax_ledger_env *le = &l->envs[i];
		json_t *e = json_object(), *causes = json_array();

		json_object_set_new(e, "env", json_string(le->env));
		json_object_set_new(e, "emulated", json_boolean(le->emulated));
		if (le->emulated)
			json_object_set_new(e, "label", json_string(le->label));
		json_object_set_new(e, "throughput_ops_s", json_real(le->ops_per_s));
		json_object_set_new(e, "throughput_ratio", num_or_null(le->throughput_ratio));
		json_object_set_new(e, "latency_ns", json_pack("{s:f,s:f,s:f,s:f}", "mean", le->mean_ns,
							       "p50", le->p50_ns, "p99", le->p99_ns,
							       "p999", le->p999_ns));
		json_object_set_new(e, "latency_diff_ns",
				    json_pack("{s:f,s:f,s:f,s:f}", "mean", le->d_mean_ns, "p50", le->d_p50_ns,
					      "p99", le->d_p99_ns, "p999", le->d_p999_ns));
		json_object_set_new(e, "diff_ns_per_op", json_real(le->diff_ns));
		json_object_set_new(e, "diff_from", json_string(le->untraced ? "untraced" : "traced"));
		json_object_set_new(e, "traced_latency_mean_ns", json_real(le->traced_mean_ns));
		json_object_set_new(e, "traced_diff_ns_per_op", json_real(le->traced_diff_ns));
		json_object_set_new(e, "probe_overhead_ns_per_op", num_or_null(le->overhead_ns));
		json_object_set_new(e, "native_probe_overhead_ns_per_op", num_or_null(le->base_overhead_ns));
		json_object_set_new(e, "noise_ns", json_real(le->noise_ns));
		json_object_set_new(e, "within_noise", json_boolean(le->within_noise));
		/* 95% intervals over rounds (rounds.h): within_noise == diff_ci95_ns holds 0 */
		json_object_set_new(e, "rounds", json_integer(le->rounds));
		json_object_set_new(e, "diff_ci95_ns", vtax_ci__to_json(&le->diff_ci, 1));
		json_object_set_new(e, "diff_ci_method", json_string(le->diff_ci.ok ? le->diff_ci.method
										   : "none"));
		json_object_set_new(e, "traced_diff_ci95_ns", vtax_ci__to_json(&le->traced_diff_ci, 1));
		json_object_set_new(e, "latency_diff_ci95_ns",
				    json_pack("{s:o,s:o}", "p50", vtax_ci__to_json(&le->p50_ci, 1), "p99",
					      vtax_ci__to_json(&le->p99_ci, 1)));
		json_object_set_new(e, "explained_ns_per_op", json_real(le->explained_ns));
		/* informational, in no cause (fill_proxy_cpu) */
		json_object_set_new(e, "proxy_oncpu_ns_per_op", num_or_null(le->proxy_oncpu_ns));
		json_object_set_new(e, "unexplained_ns_per_op", json_real(le->unexplained_ns));
		json_object_set_new(e, "closure", num_or_null(le->closure));
		json_object_set_new(e, "closure_ci95",
				    isfinite(le->closure) ? vtax_ci__to_json(&le->closure_ci, 1) : json_null());
		json_object_set_new(e, "prog_run_ns", num_or_null(le->prog_run_ns > 0 ? le->prog_run_ns : NAN));
		json_object_set_new(e, "explained_corrected_ns_per_op", json_real(le->explained_corr_ns));
		json_object_set_new(e, "closure_corrected", num_or_null(le->closure_corr));
		json_object_set_new(e, "closure_corrected_ci95",
				    isfinite(le->closure_corr) ? vtax_ci__to_json(&le->closure_corr_ci, 1)
							       : json_null());
		json_object_set_new(e, "lead", le->lead >= 0 ? json_string(le->causes[le->lead].key)
							     : json_null());
		for (int k = 0; k < VTAX_CAUSE__COUNT; k++) {
			const struct vtax_ledger_cause *c = &le->causes[k];
			json_t *co = json_object(), *items = json_array();

			json_object_set_new(co, "cause", json_string(c->key));
			json_object_set_new(co, "name", json_string(c->name));
			json_object_set_new(co, "knob", json_string(c->knob));
			json_object_set_new(co, "family", json_string(c->family));
			json_object_set_new(co, "measured", json_boolean(c->measured));
			json_object_set_new(co, "present", json_boolean(c->present));
			json_object_set_new(co, "env_ns_per_op", json_real(c->env_ns));
			json_object_set_new(co, "native_ns_per_op", json_real(c->base_ns));
			json_object_set_new(co, "delta_ns_per_op", json_real(c->delta_ns));
			json_object_set_new(co, "delta_ci95_ns", vtax_ci__to_json(&c->delta_ci, 1));
			json_object_set_new(co, "env_intervals_per_op", json_real(c->env_n));
			json_object_set_new(co, "native_intervals_per_op", json_real(c->base_n));
			json_object_set_new(co, "corrected",
					    json_pack("{s:f,s:f,s:f,s:o}", "env_ns_per_op", c->corr_env_ns,
						      "native_ns_per_op", c->corr_base_ns, "delta_ns_per_op",
						      c->corr_delta_ns, "delta_ci95_ns",
						      vtax_ci__to_json(&c->corr_ci, 1)));
			for (int t = 0; t < c->nitems; t++)
				json_array_append_new(items, json_pack("{s:s,s:f,s:f,s:f}", "series",
								       c->items[t].series, "env_ns_per_op",
								       c->items[t].env_ns, "native_ns_per_op",
								       c->items[t].base_ns, "delta_ns_per_op",
								       c->items[t].delta_ns));
			json_object_set_new(co, "components", items);
			json_array_append_new(causes, co);
		}
		json_object_set_new(e, "causes", causes);
		json_object_set_new(e, "virtio_notifications", vtax_ledger_env__virtio_json(le));
		json_object_set_new(e, "headline", json_string(le->headline));
		json_array_append_new(envs, e);
	}
	json_object_set_new(o, "environments", envs);
	return o;
}
