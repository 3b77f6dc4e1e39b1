// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sample.c - `--sample`: duty-cycled tracing.  At a window's edges every
 * program of the session is switched by its gate: VTAX_GATE
 * (bpf/common.bpf.h) tests cfg.sample_off, which this thread writes, so
 * an edge is one map write, exact and instant.  Detaching and re-attaching
 * links at every edge (the design before) patched the kernel's text (a
 * tracepoint's static key and static call) and synced every CPU by IPI
 * each time; a gated program, though, still runs on every event (the
 * "empty program" floor).  So in a gap long enough to be worth a cycle of
 * text patching the links are released too and made again before the
 * next window (park()); short gaps keep them (docs/sampling.md has the
 * figures).  Netfilter hooks, which patch nothing while other hooks are
 * registered, and the families' lazily attached pairs (docker-proxy,
 * steal) are attached and released at every edge.
 *
 * One thread per session runs the cycle (docs/sampling.md):
 *
 *   on edge:  cfg.sample_epoch_ns = now; chain-ending programs on;
 *             chain-starting programs on              (window begins)
 *   off edge: chain-starting programs off             (window ends)
 *             drain (no new chain starts; in-flight ones end)
 *             chain-ending programs off
 *
 * A chain therefore starts only inside a window and is seen whole, or
 * (longer than the drain) not at all: its start stamp is older than the
 * next window's epoch and the BPF side discards it.  The off time is drawn
 * uniformly from [0.5, 1.5] x its mean and the first window's length from
 * [0, window], so windows do not alias with a periodic workload.  The
 * fraction reported is the measured time the chain-starting programs were
 * on (the gate write's midpoint; for a family's own links the midpoints
 * of the attach and release calls) over the wall time.
 *
 * --sample-netfilter (scope VTAX_SAMPLE_NETFILTER) runs the same cycle on
 * net's netfilter links alone: the gate stays open, nothing is parked, the
 * epoch does not move, and the brackets are scaled by the share of the
 * subjects' packets counted in the windows (sample_events), not of time.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "trace/sample.h"
#include "trace/session.h"
#include "util/clock.h"
#include "util/thread.h"

struct vtax_sampler {
	struct vtax_sample_spec sp;
	pthread_t th;
	pthread_mutex_t mu; /* stop, cv */
	pthread_cond_t cv;
	int stop;
	int state;          /* 0 off, 1 on, 2 draining */
	uint64_t t0, on_ns, windows; /* on_ns: whole START group, midpoints */
	uint64_t win_since;
	/* per family, [role == START]: its skeleton programs attached when
	 * sampling started, switched by the gate (the ones attached later are
	 * the families' own, counted by sample_links) */
	int gated[VTAX_FAM_MAX][2];
	/* parking: in a long gap the gated programs' links are released too
	 * and made again lead_ns before the next window (see park()) */
	uint64_t want[VTAX_FAM_MAX]; /* skeleton programs attached at start */
	uint64_t lead_ns;
	uint64_t rng;
	/* --sample-netfilter: the share of events in the windows, counted by
	 * the family's whole-traced programs (sample_events): a closed-loop
	 * workload runs slower while the brackets are on, so its windows hold
	 * fewer events than their share of time (measured: ~8% fewer at 10 ms
	 * windows on kv) and scaling by time would undercount */
	uint64_t ev_t0, ev_on0, ev_acc;
	int ev_in; /* ev_on0 is a window's start */
	/* per family: the on-time of its chain-starting links (its chain-ending
	 * ones when it has none, as sched).  Each link is on from the end of
	 * its attach call (a tracepoint fires once registered) to the start of
	 * its detach call (it stops at once; the call then waits for readers).
	 * acc: sum of detach starts minus attach ends; open: links attached now;
	 * group: links in the group.  On-time = (acc + open * now) / group. */
	struct fam_clock {
		double acc;
		int open, group;
	} fc[VTAX_FAM_MAX][2]; /* [family][role == START] */
};

/* The clock a family's series are scaled by: where most of its chains
 * start.  sched's chains and net's packet hops start in programs that also
 * end chains (sched_switch, each hop event); net's netfilter brackets are
 * reported separately (the START clock, "net.netfilter"). */
static int timed_role(int fam)
{
	return fam == VTAX_FAM_SCHED || fam == VTAX_FAM_NET ? VTAX_CHAIN_END : VTAX_CHAIN_START;
}

int vtax_chain_role(const char *n)
{
	static const char *const always[] = { "vtax_fork", "vtax_exit", "vtax_cgroup_attach", NULL };
	static const char *const start[] = {
		"vtax_sys_enter", "vtax_net_enter_sendto", "vtax_net_enter_sendmsg",
		"vtax_net_enter_write", "vtax_net_enter_writev", "vtax_net_proxy_read",
		"vtax_kvm_exit", "vtax_kvm_steal_wakeup", "vtax_blk_bio_remap", "vtax_blk_bio_queue",
		"vtax_blk_getrq", "vtax_blk_rq_insert", NULL,
	};
	size_t l = strlen(n);

	for (int i = 0; always[i]; i++)
		if (!strcmp(n, always[i]))
			return VTAX_CHAIN_ALWAYS;
	for (int i = 0; start[i]; i++)
		if (!strcmp(n, start[i]))
			return VTAX_CHAIN_START;
	/* netfilter brackets (SEC("netfilter") and fentry/fexit pairs) */
	if (l > 5 && !strcmp(n + l - 5, "_open"))
		return VTAX_CHAIN_START;
	return VTAX_CHAIN_END;
}

/*
 * The drain: half a window, 1..50 ms.  A chain longer than the drain that
 * starts near a window's end is lost (its end comes after the detach), so
 * chains up to the drain's length are sampled without bias; longer ones
 * are under-represented by about (length - drain) / window.
 */
uint64_t vtax_sample__drain_ns(const struct vtax_sample_spec *sp)
{
	uint64_t d = sp->on_ns / 2;

	/* a netfilter bracket lasts microseconds */
	if (sp->scope == VTAX_SAMPLE_NETFILTER)
		return 1000000;

	return d < 1000000 ? 1000000 : d > 50000000 ? 50000000 : d;
}

/*
 * The reaper.  Releasing a link stops its program at once, then waits:
 * ~60 ms for a classic tracepoint (perf event: the send-syscall and kvm_exit
 * programs), a grace period for a netfilter hook; the releases serialise in
 * the kernel.  Done in line they held an off edge for ~200-300 ms with
 * every other link still attached.  One thread per process releases them
 * in the background; vtax_sample__reap_flush() waits for it.
 */
static pthread_mutex_t rq_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rq_cv = PTHREAD_COND_INITIALIZER, rq_done = PTHREAD_COND_INITIALIZER;
static struct bpf_link *rq[1024];
static int rq_n, rq_busy, rq_running, rq_stop;
static pthread_t rq_th;

static void *reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&rq_mu);
	for (;;) {
		struct bpf_link *l;

		while (!rq_n && !rq_stop)
			pthread_cond_wait(&rq_cv, &rq_mu);
		if (!rq_n)
			break;
		l = rq[--rq_n];
		rq_busy = 1;
		pthread_mutex_unlock(&rq_mu);
		bpf_link__destroy(l);
		pthread_mutex_lock(&rq_mu);
		rq_busy = 0;
		pthread_cond_broadcast(&rq_done);
	}
	pthread_mutex_unlock(&rq_mu);
	return NULL;
}

void vtax_sample__destroy_links(struct bpf_link **v, int n)
{
	pthread_mutex_lock(&rq_mu);
	if (!rq_running) {
		rq_stop = 0;
		rq_running = !vtax_thread_start(&rq_th, reaper_main, NULL);
	}
	for (int i = 0; i < n; i++) {
		if (!v[i])
			continue;
		/* stop it now where the kernel can (netfilter links: the hook is
		 * unregistered at once): the reaper's releases serialise and lag
		 * behind a 100 ms cycle (seen in compare: the next window's links
		 * were attached while the last window's still ran, so every
		 * packet was bracketed, twice at times, and then scaled up) */
		(void)bpf_link__detach(v[i]);
		if (rq_running && rq_n < (int)(sizeof(rq) / sizeof(rq[0]))) {
			rq[rq_n++] = v[i];
		} else {
			pthread_mutex_unlock(&rq_mu);
			bpf_link__destroy(v[i]);
			pthread_mutex_lock(&rq_mu);
		}
		v[i] = NULL;
	}
	pthread_cond_signal(&rq_cv);
	pthread_mutex_unlock(&rq_mu);
}

void vtax_sample__reap_flush(void)
{
	pthread_mutex_lock(&rq_mu);
	if (!rq_running) {
		pthread_mutex_unlock(&rq_mu);
		return;
	}
	while (rq_n || rq_busy)
		pthread_cond_wait(&rq_done, &rq_mu);
	pthread_mutex_unlock(&rq_mu);
	vtax_thread_stop(rq_th, &rq_mu, &rq_cv, &rq_stop);
	rq_running = 0;
}

/* "10ms" -> ns; 0 when malformed */
static uint64_t parse_dur(const char *s, size_t n)
{
	char buf[32], *end;
	double v, mul;

	if (!n || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	v = strtod(buf, &end);
	if (end == buf || v <= 0)
		return 0;
	if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else
		return 0;
	return v * mul > 1e12 ? 0 : (uint64_t)(v * mul);
}

const char *vtax_sample__option(int scope)
{
	return scope == VTAX_SAMPLE_NETFILTER ? "--sample-netfilter" : "--sample";
}

int vtax_sample__parse(const char *text, int scope, struct vtax_sample_spec *sp, char *err,
		       size_t errlen)
{
	size_t n = strlen(text);
	const char *slash = strchr(text, '/');

	memset(sp, 0, sizeof(*sp));
	if (n && text[n - 1] == '%' && !slash) {
		char buf[32], *end;
		double pct;

		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, text, n - 1);
		buf[n - 1] = 0;
		pct = strtod(buf, &end);
		if (end == buf || *end || !(pct >= 0.1 && pct <= 90))
			goto bad;
		sp->on_ns = 10000000ull; /* 10 ms windows */
		sp->period_ns = (uint64_t)((double)sp->on_ns * 100.0 / pct);
	} else if (slash) {
		sp->on_ns = parse_dur(text, (size_t)(slash - text));
		sp->period_ns = parse_dur(slash + 1, strlen(slash + 1));
		if (!sp->on_ns || !sp->period_ns)
			goto bad;
	} else {
		goto bad;
	}
	if (sp->on_ns < 1000000ull || sp->on_ns > 10000000000ull || sp->period_ns > 600000000000ull ||
	    (double)sp->on_ns > 0.9 * (double)sp->period_ns ||
	    (double)sp->on_ns < 0.001 * (double)sp->period_ns)
		goto bad;
	snprintf(sp->text, sizeof(sp->text), "%s", text);
	sp->scope = scope;
	return 0;
bad:
	snprintf(err, errlen,
		 "%s: '%s' is not a fraction (0.1%%..90%%, e.g. 5%%) or ON/PERIOD (e.g. 10ms/200ms; window 1ms..10s, 0.1%%..90%% of the period)",
		 vtax_sample__option(scope), text);
	return -EINVAL;
}

/* Whether a family's own links are switched: every family's with
 * --sample, only net's (its netfilter brackets) with --sample-netfilter. */
static int fam_sampled(const struct vtax_sampler *sm, int fam)
{
	return sm->sp.scope != VTAX_SAMPLE_NETFILTER || fam == VTAX_FAM_NET;
}

/*
 * Switch one chain role on or off, every family.  The skeleton programs are
 * switched by their gate (cfg.sample_off, tested first in each program:
 * VTAX_GATE): one map write, timed at its midpoint; their links stay
 * attached, so the kernel's text is not patched (docs/sampling.md).  The
 * families' own links (netfilter hooks, the docker-proxy and steal pairs)
 * are attached or released as before.
 */
static void set_role(struct vtax_session *s, struct vtax_sampler *sm, int role, int on)
{
	uint32_t bit = role == VTAX_CHAIN_START ? VTAX_SAMPLE_OFF_START : VTAX_SAMPLE_OFF_END;
	int nf_only = sm->sp.scope == VTAX_SAMPLE_NETFILTER;
	/* --sample-netfilter: the gate stays open, only net's netfilter
	 * links come and go (net_sample_links knows the scope) */
	int flip = !nf_only && role != VTAX_CHAIN_ALWAYS && !!(s->sample_off & bit) == !!on;
	double mid = 0;

	if (flip) {
		uint64_t a = vtax_now_ns();

		s->sample_off = on ? s->sample_off & ~bit : s->sample_off | bit;
		if (vtax_session__write_cfg(s) && s->opts.verbose)
			fprintf(stderr, "vtax: sample: cannot switch the gate: %s\n", strerror(errno));
		mid = ((double)a + (double)vtax_now_ns()) / 2;
	}
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		void *st = s->fam_state[p->family];

		if (!(s->loaded & (1u << p->family)) || !st || !fam_sampled(sm, p->family))
			continue;
		uint64_t t0 = vtax_now_ns();
		struct fam_clock *c = &sm->fc[p->family][role == VTAX_CHAIN_START];
		int timed = role != VTAX_CHAIN_ALWAYS, n = sm->gated[p->family][role == VTAX_CHAIN_START];

		if (flip && n) {
			c->acc += on ? -mid * n : mid * n;
			c->open += on ? n : -n;
		}
		if (p->sample_links) {
			/* the family's own links: the call's midpoint for each */
			uint64_t a = vtax_now_ns();
			int evs = nf_only && role == VTAX_CHAIN_START && p->sample_events;
			int k;
			double m;

			/* the events up to the window's end (once: reapply
			 * switches off again what a commit attached in a gap) */
			if (evs && !on && sm->ev_in) {
				sm->ev_acc += p->sample_events(s, st) - sm->ev_on0;
				sm->ev_in = 0;
			}
			k = p->sample_links(s, st, role, on);
			m = ((double)a + (double)vtax_now_ns()) / 2;
			if (evs && on && !sm->ev_in) {
				sm->ev_on0 = p->sample_events(s, st);
				sm->ev_in = 1;
			}

			if (timed && k > 0) {
				c->acc += on ? -m * k : m * k;
				c->open += on ? k : -k;
			}
		}
		if (c->open > c->group)
			c->group = c->open;
		if (getenv("VTAX_SAMPLE_DEBUG"))
			fprintf(stderr, "sample: %s role %d %s %.3f ms\n", p->name, role, on ? "on" : "off",
				(double)(vtax_now_ns() - t0) / 1e6);
	}
}

/*
 * Parking.  A gated program still runs on every event (the "empty program"
 * floor: ~60 ns here), which over a long gap costs more than detaching its
 * link: a busy syscall loop pays ~200 ns per call between windows with
 * the gate alone.  Detaching and attaching patch kernel text (IPIs on
 * every CPU) and cost this thread system calls, a fixed price per cycle.
 * So the gate alone switches programs at the edges (exact, instant, no
 * IPI), and when a gap is long enough (PARK_MIN_NS left after the lead),
 * the links are released in the background after the drain and made again
 * lead_ns before the next window, with the gate still shut: the window
 * then opens at a gate write as any other.  Short gaps (high cycle rates)
 * never park.
 */
#define PARK_MIN_NS 100000000ull   /* 100 ms detached at least */
#define LEAD_MIN_NS 20000000ull    /* re-attach 20 ms before the window at least */
#define LEAD_MAX_NS 200000000ull

static void park(struct vtax_session *s, struct vtax_sampler *sm, int on)
{
	if (sm->sp.scope == VTAX_SAMPLE_NETFILTER)
		return; /* nothing gated: every tracepoint link stays */
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		void *st = s->fam_state[p->family];
		const struct bpf_object_skeleton *sk;
		struct bpf_link *v[64];
		int nv = 0;

		if (!(s->loaded & (1u << p->family)) || !st || !p->skeleton)
			continue;
		sk = p->skeleton(st);
		for (int k = 0; sk && k < sk->prog_cnt && k < 64; k++) {
			struct bpf_program *prog = *sk->progs[k].prog;
			struct bpf_link **l = sk->progs[k].link;

			/* perf-event (classic) tracepoints stay: each release
			 * waits ~60 ms in the kernel, which would outlast short
			 * cycles; they fire per send syscall or KVM exit, not per
			 * syscall of every task */
			if (!(sm->want[p->family] & (1ull << k)) ||
			    vtax_chain_role(bpf_program__name(prog)) == VTAX_CHAIN_ALWAYS ||
			    bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT)
				continue;
			if (on && !*l) {
				*l = bpf_program__attach(prog);
				if (!*l && s->opts.verbose)
					fprintf(stderr, "vtax: sample: cannot re-attach %s: %s\n",
						bpf_program__name(prog), strerror(errno));
			} else if (!on && *l) {
				v[nv++] = *l; /* gated already: when it stops does not matter */
				*l = NULL;
			}
		}
		vtax_sample__destroy_links(v, nv);
	}
}

static double rnd01(struct vtax_sampler *sm)
{
	/* xorshift64*: enough to de-phase windows from a workload */
	sm->rng ^= sm->rng >> 12;
	sm->rng ^= sm->rng << 25;
	sm->rng ^= sm->rng >> 27;
	return (double)((sm->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* Sleep until the monotonic deadline; 1 when asked to stop. */
static int wait_until(struct vtax_sampler *sm, uint64_t deadline)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
			       .tv_nsec = (long)(deadline % 1000000000ull) };
	int stop;

	pthread_mutex_lock(&sm->mu);
	while (!sm->stop && vtax_now_ns() < deadline)
		if (pthread_cond_timedwait(&sm->cv, &sm->mu, &ts) == ETIMEDOUT)
			break;
	stop = sm->stop;
	pthread_mutex_unlock(&sm->mu);
	return stop;
}

static void *sampler_main(void *arg)
{
	struct vtax_session *s = arg;
	struct vtax_sampler *sm = s->sampler;
	uint64_t off_mean = sm->sp.period_ns - sm->sp.on_ns;
	uint64_t win_since = sm->t0;
	uint64_t drain = vtax_sample__drain_ns(&sm->sp);
	uint64_t end = sm->t0 + (uint64_t)(rnd01(sm) * (double)sm->sp.on_ns);
	sigset_t all;

	/* signals are for the main thread (Ctrl-C ends the session there) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		uint64_t t1, t2, off_end;

		/* the first window started with the session: random length */
		if (wait_until(sm, end))
			break;
		vtax_session__lock(s);
		t1 = vtax_now_ns();
		set_role(s, sm, VTAX_CHAIN_START, 0);
		t2 = vtax_now_ns();
		sm->on_ns += (t1 + t2) / 2 - win_since;
		sm->state = 2;
		vtax_session__unlock(s);
		off_end = (t1 + t2) / 2 + (uint64_t)((0.5 + rnd01(sm)) * (double)off_mean);
		if (wait_until(sm, (t1 + t2) / 2 + drain))
			break;
		vtax_session__lock(s);
		set_role(s, sm, VTAX_CHAIN_END, 0);
		sm->state = 0;
		vtax_session__unlock(s);
		if (off_end > vtax_now_ns() + sm->lead_ns + PARK_MIN_NS) {
			uint64_t a;

			vtax_session__lock(s);
			park(s, sm, 0);
			vtax_session__unlock(s);
			if (wait_until(sm, off_end - sm->lead_ns))
				break;
			vtax_session__lock(s);
			a = vtax_now_ns();
			park(s, sm, 1);
			a = 2 * (vtax_now_ns() - a);
			sm->lead_ns = a < LEAD_MIN_NS ? LEAD_MIN_NS : a > LEAD_MAX_NS ? LEAD_MAX_NS : a;
			vtax_session__unlock(s);
		}
		if (wait_until(sm, off_end))
			break;
		vtax_session__lock(s);
		/* chains begun before this window are discarded (sched,
		 * syscall); not when only netfilter is sampled: those
		 * chains were traced whole through the gap */
		if (sm->sp.scope != VTAX_SAMPLE_NETFILTER) {
			s->sample_epoch_ns = vtax_now_ns();
			vtax_session__write_cfg(s);
		}
		set_role(s, sm, VTAX_CHAIN_END, 1);
		t1 = vtax_now_ns();
		set_role(s, sm, VTAX_CHAIN_START, 1);
		t2 = vtax_now_ns();
		win_since = (t1 + t2) / 2;
		sm->win_since = win_since;
		sm->state = 1;
		sm->windows++;
		vtax_session__unlock(s);
		end = win_since + sm->sp.on_ns;
	}
	return NULL;
}

void vtax_session__lock(struct vtax_session *s)
{
	pthread_mutex_lock(&s->lock);
}

void vtax_session__unlock(struct vtax_session *s)
{
	pthread_mutex_unlock(&s->lock);
}

void vtax_session__sample_count(struct vtax_session *s, int cnt[][2])
{
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		void *st = s->fam_state[p->family];

		cnt[p->family][0] = cnt[p->family][1] = 0;
		if (!s->sampler || !(s->loaded & (1u << p->family)) || !st || !p->sample_links ||
		    !fam_sampled(s->sampler, p->family))
			continue;
		cnt[p->family][0] = p->sample_links(s, st, VTAX_CHAIN_END, -1);
		cnt[p->family][1] = p->sample_links(s, st, VTAX_CHAIN_START, -1);
	}
}

void vtax_session__sample_added(struct vtax_session *s, int before[][2])
{
	struct vtax_sampler *sm = s->sampler;
	int now_cnt[VTAX_FAM_MAX][2] = { { 0 } }; /* families without a probe stay 0 */
	double now = (double)vtax_now_ns();

	if (!sm)
		return;
	vtax_session__sample_count(s, now_cnt);
	for (int f = 0; f < VTAX_FAM_MAX; f++) {
		for (int r = 0; r < 2; r++) {
			struct fam_clock *c = &sm->fc[f][r];
			int d = now_cnt[f][r] - before[f][r];

			if (d <= 0)
				continue;
			/* attached by the family just now: on from here */
			c->acc -= now * d;
			c->open += d;
			if (c->open > c->group)
				c->group = c->open;
		}
	}
}

void vtax_session__sample_reapply(struct vtax_session *s)
{
	struct vtax_sampler *sm = s->sampler;

	if (!sm || sm->state == 1)
		return;
	set_role(s, sm, VTAX_CHAIN_START, 0);
	if (sm->state == 0)
		set_role(s, sm, VTAX_CHAIN_END, 0);
}

int vtax_session__sample_start(struct vtax_session *s, const struct vtax_sample_spec *sp,
			       char *err, size_t errlen)
{
	struct vtax_sampler *sm;
	pthread_condattr_t ca;
	int rc;

	if (s->sampler) {
		snprintf(err, errlen, "sampling already started");
		return -EBUSY;
	}
	if (sp->scope == VTAX_SAMPLE_NETFILTER && !(s->loaded & (1u << VTAX_FAM_NET))) {
		snprintf(err, errlen, "the net probes are not loaded: no netfilter bracket to sample");
		return -ENOENT;
	}
	sm = calloc(1, sizeof(*sm));
	if (!sm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sm->sp = *sp;
	sm->lead_ns = LEAD_MIN_NS;
	pthread_mutex_init(&sm->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sm->cv, &ca);
	pthread_condattr_destroy(&ca);
	sm->rng = vtax_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	if (!sm->rng)
		sm->rng = 1;
	vtax_session__lock(s);
	s->sample_spec = &sm->sp; /* the families' sample_links read its scope */
	sm->t0 = sm->win_since = vtax_now_ns();
	/* every timed link is on since t0 */
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		void *st = s->fam_state[p->family];
		const struct bpf_object_skeleton *sk;

		if (!(s->loaded & (1u << p->family)) || !st || !p->skeleton)
			continue;
		sk = p->skeleton(st);
		for (int r = 0; r < 2; r++) {
			struct fam_clock *c = &sm->fc[p->family][r];
			int role = r ? VTAX_CHAIN_START : VTAX_CHAIN_END;

			/* the skeleton programs attached now: their gate
			 * switches them (netfilter and lazily attached programs
			 * are the families' own, counted by sample_links) */
			for (int k = 0; sk && k < sk->prog_cnt && sp->scope != VTAX_SAMPLE_NETFILTER; k++) {
				int on = *sk->progs[k].link != NULL;

				sm->gated[p->family][r] +=
					on && vtax_chain_role(bpf_program__name(*sk->progs[k].prog)) == role;
				if (on && k < 64)
					sm->want[p->family] |= 1ull << k;
			}
			c->open += sm->gated[p->family][r];
			if (p->sample_links && fam_sampled(sm, p->family))
				c->open += p->sample_links(s, st, role, -1);
			c->group = c->open;
			c->acc = -(double)sm->t0 * c->open;
		}
		if (sp->scope == VTAX_SAMPLE_NETFILTER && p->sample_events) {
			sm->ev_t0 = sm->ev_on0 = p->sample_events(s, st);
			sm->ev_in = 1;
		}
	}
	/* --sample-netfilter with no netfilter link to switch: the brackets
	 * are fentry/fexit programs (kernels before 6.4) or no kernel hook is
	 * bracketed; they trace whole, and nothing is scaled */
	if (sp->scope == VTAX_SAMPLE_NETFILTER && !sm->fc[VTAX_FAM_NET][1].group) {
		s->sample_spec = NULL;
		vtax_session__unlock(s);
		pthread_cond_destroy(&sm->cv);
		pthread_mutex_destroy(&sm->mu);
		free(sm);
		snprintf(err, errlen,
			 "no netfilter link to switch here (no kernel hook bracketed, or fentry brackets before 6.4)");
		return -ENOTSUP;
	}
	/* from the first drain on, an exit without its enter is expected
	 * (not with --sample-netfilter: no chain but netfilter's is cut) */
	if (sp->scope != VTAX_SAMPLE_NETFILTER)
		s->sample_epoch_ns = sm->t0;
	s->sample_off = 0;
	vtax_session__write_cfg(s);
	sm->state = 1;
	sm->windows = 1;
	s->sampler = sm;
	vtax_session__unlock(s);
	rc = vtax_thread_start(&sm->th, sampler_main, s);
	if (rc) {
		s->sampler = NULL;
		s->sample_spec = NULL;
		free(sm);
		snprintf(err, errlen, "sampler thread: %s", strerror(rc));
		return -rc;
	}
	return 0;
}

void vtax_session__sample_stop(struct vtax_session *s)
{
	struct vtax_sampler *sm = s ? s->sampler : NULL;

	if (!sm)
		return;
	vtax_thread_stop(sm->th, &sm->mu, &sm->cv, &sm->stop);
	vtax_sample__reap_flush(); /* every link released before close returns */
	s->sampler = NULL;
	s->sample_spec = NULL;
	pthread_cond_destroy(&sm->cv);
	pthread_mutex_destroy(&sm->mu);
	free(sm);
}

int vtax_session__sample_event_share(struct vtax_session *s, double *share, uint64_t *events)
{
	struct vtax_sampler *sm = s ? s->sampler : NULL;
	const struct vtax_probe_ops *net = vtax_probe__by_family(VTAX_FAM_NET);
	uint64_t now = 0, on;
	int rc = -1;

	if (!sm || sm->sp.scope != VTAX_SAMPLE_NETFILTER)
		return -1;
	vtax_session__lock(s);
	if (net && net->sample_events && (s->loaded & (1u << VTAX_FAM_NET)) && s->fam_state[VTAX_FAM_NET])
		now = net->sample_events(s, s->fam_state[VTAX_FAM_NET]);
	on = sm->ev_acc + (sm->ev_in && now >= sm->ev_on0 ? now - sm->ev_on0 : 0);
	if (now > sm->ev_t0 && now - sm->ev_t0 >= VTAX_SAMPLE_MIN_EVENTS && on) {
		*share = (double)on / (double)(now - sm->ev_t0);
		*events = now - sm->ev_t0;
		rc = 0;
	}
	vtax_session__unlock(s);
	return rc;
}

int vtax_session__sample_stats(struct vtax_session *s, uint64_t *on_ns, uint64_t *wall_ns,
			       uint64_t *windows, uint64_t *fam_on)
{
	struct vtax_sampler *sm = s ? s->sampler : NULL;
	uint64_t now;

	if (!sm)
		return -1;
	vtax_session__lock(s);
	now = vtax_now_ns();
	/* every chain-starting link's own on-time, averaged */
	{
		double acc = 0;
		int group = 0, open = 0;

		for (int f = 0; f < VTAX_FAM_MAX; f++) {
			acc += sm->fc[f][1].acc;
			open += sm->fc[f][1].open;
			group += sm->fc[f][1].group;
		}
		*on_ns = group ? (uint64_t)((acc + (double)open * (double)now) / group) :
				 sm->on_ns + (sm->state == 1 ? now - sm->win_since : 0);
	}
	*wall_ns = now - sm->t0;
	*windows = sm->windows;
	for (int f = 0; f < VTAX_FAM_MAX && fam_on; f++) {
		for (int r = 0; r < 2; r++) {
			const struct fam_clock *c = &sm->fc[f][r];

			fam_on[2 * f + r] = c->group > 0 ?
				(uint64_t)((c->acc + (double)c->open * (double)now) / c->group) : 0;
		}
		/* the family's own clock first: where its chains start */
		if (timed_role(f) == VTAX_CHAIN_START || !fam_on[2 * f]) {
			uint64_t t = fam_on[2 * f];

			fam_on[2 * f] = fam_on[2 * f + 1];
			fam_on[2 * f + 1] = t;
		}
	}
	vtax_session__unlock(s);
	return 0;
}
