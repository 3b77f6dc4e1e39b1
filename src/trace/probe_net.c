// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_net.c - userspace half of the net family (bpf/net.bpf.c).
 *
 * attach: loads the hop tracepoints, and - where the kernel supports
 *   netfilter BPF links - brackets conntrack (-200), NAT (-100 on PREROUTING
 *   and LOCAL_OUT, +100 on POSTROUTING and LOCAL_IN) and filter (0 on
 *   LOCAL_IN, FORWARD, LOCAL_OUT) for IPv4 and IPv6 with programs one
 *   priority below and above, moving one step further out when a priority
 *   is taken (EBUSY) - but only the stages whose hook is registered there
 *   (trace/nf_hooks.h; re-read at each commit), and with one step program
 *   instead of a close and an open between adjacent stages of one hook.  Links live in vtax's own
 *   network namespace: that is where a Docker host's bridge, DNAT and
 *   MASQUERADE run, and in each subject's.
 * subjects_changed: publishes netns inode -> subject for the session's
 *   subjects (containers: their namespace; the host namespace is the --all
 *   subject's, through the BPF fallback), and the docker-proxy processes
 *   relaying to a subject: comm "docker-proxy" whose -container-ip is a
 *   local address of that subject's namespace (/proc/PID/net/fib_trie of
 *   the subject's process) -> vtax_net_proxy (tgid -> subject).
 * decode: net.<hop>{dev, dir, netns}, net.conntrack|nat|nat_miss|filter
 *   {hook, ip, ct}, net.drop{reason, hop, dev, nf}, net.path{dir},
 *   net.proxy{relay, from}.
 * collect: packets/bytes/delivered per subject and direction, and how many
 *   netfilter links are in place (0: netfilter time is not measured).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "util/proc.h"
#include "net.skel.h"
#include "trace/cgroup.h"
#include "trace/nf_hooks.h"
#include "trace/probe_util.h"
#include "trace/sample.h"
#include "trace/session.h"
#include "vtax/net.h"

#define NET_MAX_LINKS 640 /* 36 netfilter links in the host and in up to 16 subject namespaces */
#define NET_MAX_NF_NS 16
#define NET_MAX_NETNS 256
#define NET_NF_MAX_HOOKS 512 /* registered hooks read per namespace */

struct net_state {
	struct net_bpf *skel;
	struct bpf_link *links[NET_MAX_LINKS];
	int nlinks;
	/* how each netfilter link was made, for --sample to make it again:
	 * ns 0 is vtax's own namespace, else nf_fd[ns - 1] */
	struct nf_meta {
		struct bpf_program *prog;
		int pf, hook, start, step, ns;
	} nf_meta[NET_MAX_LINKS];
	/* subject namespaces' fds (-1: cannot be entered), kept to re-read
	 * their hooks at each commit and for --sample; n_nf_fd == n_nf_ns */
	int nf_fd[NET_MAX_NF_NS], n_nf_fd, cur_ns;
	int proxy_wanted; /* the docker-proxy pair was attached once */
	/* --sample-netfilter: the subjects whose packets net_sample_events
	 * counts (copied at each commit, under the session's lock) */
	uint32_t ev_ids[64];
	int n_ev_ids;
	int nf_supported;
	/* netfilter links supported and made in vtax's namespace (possibly
	 * none: a stage nobody registered is not bracketed) */
	int nf_on;
	/* per namespace (0 vtax's own, i + 1 nf_ns[i]), one bit per stage
	 * hook (pf index * VTAX_NF_STAGE_HOOKS + row of vtax_nf_stage_hooks):
	 * bracketed, registered at the last read, failed to bracket */
	uint32_t nf_done[NET_MAX_NF_NS + 1], nf_present[NET_MAX_NF_NS + 1], nf_failed[NET_MAX_NF_NS + 1];
	int nf_seen[NET_MAX_NF_NS + 1]; /* hooks read there at least once */
	int nf_splits; /* step programs split since (nf_split_steps) */
	struct vtax_nf_hooks *nfh;      /* hook discovery; NULL: every stage bracketed */
	char nfh_error[160];
	unsigned fe; /* fentry/fexit pairs loaded (fe_fn bits) */
	char nf_error[200];
	uint32_t self_netns;           /* vtax's own: the first set of netfilter links */
	uint32_t nf_ns[NET_MAX_NF_NS]; /* subject namespaces netfilter links were tried in */
	int n_nf_ns;
	uint32_t init_netns;
	struct vtax_net_cfg cfg; /* as written to vtax_net_cfg_map */
	int nproxy;
	/* docker-proxy read/send programs, attached once a proxy is found */
	struct bpf_link *proxy_links[2];
	/* netns inode -> label, for decode() */
	struct {
		uint32_t ino;
		char label[64];
	} ns[NET_MAX_NETNS];
	int nns;
};

/* decode() has no session argument: the one loaded net state */
static struct net_state *net_current;

static const char *const hop_names[VTAX_NET_HOP_MAX] = {
	[VTAX_NET_HOP_SEND] = "send", [VTAX_NET_HOP_QDISC] = "qdisc",
	[VTAX_NET_HOP_XMIT] = "xmit", [VTAX_NET_HOP_BACKLOG] = "backlog",
	[VTAX_NET_HOP_FORWARD] = "forward", [VTAX_NET_HOP_RXSTACK] = "rx_stack",
	[VTAX_NET_HOP_UPPER] = "bridge", [VTAX_NET_HOP_SOCKQ] = "sock_queue",
};

static const char *const dev_names[VTAX_NET_DEV_MAX] = {
	[VTAX_NET_DEV_UNKNOWN] = "unknown", [VTAX_NET_DEV_LOOPBACK] = "loopback",
	[VTAX_NET_DEV_VETH] = "veth", [VTAX_NET_DEV_BRIDGE] = "bridge",
	[VTAX_NET_DEV_TAP] = "tap", [VTAX_NET_DEV_TUN] = "tun",
	[VTAX_NET_DEV_PHYSICAL] = "physical", [VTAX_NET_DEV_TUNNEL] = "tunnel",
	[VTAX_NET_DEV_OTHER] = "other",
};

/* the hop a packet was in when dropped, by its last event */
static const char *const ev_hop_names[VTAX_NET_EV_MAX] = {
	[VTAX_NET_EV_NONE] = "none", [VTAX_NET_EV_QUEUE] = "qdisc",
	[VTAX_NET_EV_XMIT] = "xmit", [VTAX_NET_EV_RX] = "backlog",
	[VTAX_NET_EV_RECV] = "receive", [VTAX_NET_EV_SOCK] = "sock_queue",
};

static const char *const nf_hook_names[VTAX_NF_HOOK_MAX] = {
	"prerouting", "input", "forward", "output", "postrouting",
};

static const char *const stage_names[VTAX_NET_ST_MAX] = { "conntrack", "nat", "filter" };

static const char *ct_name(uint32_t ct)
{
	switch (ct) {
	case VTAX_NET_CT_ESTABLISHED: return "established";
	case VTAX_NET_CT_RELATED: return "related";
	case VTAX_NET_CT_NEW: return "new";
	case VTAX_NET_CT_REPLY: return "reply";
	case VTAX_NET_CT_UNTRACKED: return "untracked";
	case VTAX_NET_CT_NONE: return "none";
	}
	return "other";
}

static void ns_label(struct net_state *ns, uint32_t ino, const char *label)
{
	for (int i = 0; i < ns->nns; i++) {
		if (ns->ns[i].ino == ino) {
			snprintf(ns->ns[i].label, sizeof(ns->ns[i].label), "%s", label);
			return;
		}
	}
	if (ns->nns < NET_MAX_NETNS) {
		ns->ns[ns->nns].ino = ino;
		snprintf(ns->ns[ns->nns].label, sizeof(ns->ns[0].label), "%s", label);
		ns->nns++;
	}
}

static void ns_name(uint32_t ino, char *out, size_t len)
{
	struct net_state *ns = net_current;

	if (ns) {
		for (int i = 0; i < ns->nns; i++) {
			if (ns->ns[i].ino == ino) {
				snprintf(out, len, "%s", ns->ns[i].label);
				return;
			}
		}
	}
	snprintf(out, len, "netns:%u", ino);
}

/* Kernel drop reason name from BTF (enum skb_drop_reason), cached. */
static const char *drop_reason_name(uint32_t reason)
{
	static char names[256][48];
	static int loaded;

	if (!loaded) {
		struct btf *btf = btf__load_vmlinux_btf();
		int id;

		loaded = 1;
		id = btf ? btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM) : -1;
		if (id > 0) {
			const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
			const struct btf_enum *e = btf_enum(t);

			for (int i = 0; i < btf_vlen(t); i++, e++) {
				const char *n = btf__name_by_offset(btf, e->name_off);

				if ((uint32_t)e->val < 256 && n) {
					if (!strncmp(n, "SKB_DROP_REASON_", 16))
						n += 16;
					snprintf(names[(uint32_t)e->val], sizeof(names[0]), "%s", n);
				}
			}
		}
		btf__free(btf);
	}
	if (reason < 256 && names[reason][0])
		return names[reason];
	return NULL;
}

/* A netfilter link of prog at the first free priority going outwards from
 * start by step (another program, e.g. a second vtax, may hold one); NULL
 * with errno set when none of 8 is free or the link fails. */
static struct bpf_link *nf_attach_from(struct bpf_program *prog, int pf, int hook, int start,
				       int step)
{
	for (int i = 0; i < 8; i++) {
		LIBBPF_OPTS(bpf_netfilter_opts, o, .pf = (__u32)pf, .hooknum = (__u32)hook,
			    .priority = start + i * step);
		struct bpf_link *l = bpf_program__attach_netfilter(prog, &o);

		if (l)
			return l;
		if (errno != EBUSY)
			return NULL;
	}
	errno = EBUSY;
	return NULL;
}

/* Link prog at the first free priority going outwards from start by step. */
static int nf_link(struct net_state *ns, struct bpf_program *prog, int pf, int hook, int start,
		   int step)
{
	struct bpf_link *l;

	if (ns->nlinks >= NET_MAX_LINKS)
		return -E2BIG;
	l = nf_attach_from(prog, pf, hook, start, step);
	if (!l)
		return -errno;
	ns->nf_meta[ns->nlinks] = (struct nf_meta){ .prog = prog, .pf = pf, .hook = hook,
						   .start = start, .step = step, .ns = ns->cur_ns };
	ns->links[ns->nlinks++] = l;
	return 0;
}

/* The program between two stages of one hook (bpf/net.bpf.c nf_step), or
 * NULL where the pair has none. */
static struct bpf_program *nf_step_prog(struct net_state *ns, int from, int to)
{
	if (from == VTAX_NET_ST_CONNTRACK && to == VTAX_NET_ST_NAT)
		return ns->skel->progs.vtax_nf_ct_nat_open;
	if (from == VTAX_NET_ST_NAT && to == VTAX_NET_ST_FILTER)
		return ns->skel->progs.vtax_nf_nat_filter_open;
	if (from == VTAX_NET_ST_FILTER && to == VTAX_NET_ST_NAT)
		return ns->skel->progs.vtax_nf_filter_nat_open;
	return NULL;
}

/* The stage hooks in todo (bits: vtax_nf_stage_hooks indices) on hook, by
 * priority, into g; how many. */
static int nf_hook_stages(uint32_t todo, int hook, int *g)
{
	int ng = 0;

	for (int i = 0; i < VTAX_NF_STAGE_HOOKS; i++) {
		int j = ng;

		if (!(todo & (1u << i)) || vtax_nf_stage_hooks[i].hook != hook)
			continue;
		for (; j > 0 && vtax_nf_stage_hooks[g[j - 1]].prio > vtax_nf_stage_hooks[i].prio; j--)
			g[j] = g[j - 1];
		g[j] = i;
		ng++;
	}
	return ng;
}

/*
 * Bracket the stages g[0..n) of one hook (vtax_nf_stage_hooks indices, in
 * priority order, each sharing a step program with the next): an open
 * below the first, a step between each two, a close above the last.  All
 * or nothing.  Returns 0 or the link error.
 */
static int nf_bracket_group(struct net_state *ns, int pf, const int *g, int n,
			    struct bpf_program *const *open, struct bpf_program *const *close_)
{
	const struct vtax_nf_stage_hook *b0 = &vtax_nf_stage_hooks[g[0]],
					*bz = &vtax_nf_stage_hooks[g[n - 1]];
	int base = ns->nlinks, rc;

	rc = nf_link(ns, open[b0->stage], pf, b0->hook, b0->prio - 1, -1);
	for (int j = 1; !rc && j < n; j++) {
		const struct vtax_nf_stage_hook *a = &vtax_nf_stage_hooks[g[j - 1]],
						*b = &vtax_nf_stage_hooks[g[j]];

		rc = nf_link(ns, nf_step_prog(ns, a->stage, b->stage), pf, a->hook, a->prio + 1, 1);
	}
	if (!rc)
		rc = nf_link(ns, close_[bz->stage], pf, bz->hook, bz->prio + 1, 1);
	if (rc) {
		/* no half brackets */
		for (int j = base; j < ns->nlinks; j++)
			bpf_link__destroy(ns->links[j]);
		ns->nlinks = base;
	}
	return rc;
}

/*
 * A hook registered, since a step program was linked, between the two
 * stages it joins (a mangle table at -150 between conntrack at -200 and
 * NAT at -100) would be timed as the second stage.  Split each such step
 * of namespace k (the calling thread's): the second stage gets its own
 * open just below it, and the step's link becomes the first stage's close
 * at the step's place (made whether or not --sample has the step detached
 * now: vtax_session__sample_reapply then detaches what the window wants
 * off).  Returns how many steps were split.
 */
static int nf_split_steps(struct net_state *ns, int k, const struct vtax_nf_hook *hv, int nh,
			  struct bpf_program *const *open, struct bpf_program *const *close_)
{
	int split = 0, n = ns->nlinks;

	for (int i = 0; i < n; i++) {
		struct nf_meta m = ns->nf_meta[i];
		int from = -1, to = -1, pa, pb = 0, found = 0, rc;
		struct bpf_link *l;

		if (m.ns != k)
			continue;
		for (int a = 0; a < VTAX_NET_ST_MAX && from < 0; a++)
			for (int b = 0; b < VTAX_NET_ST_MAX; b++)
				if (a != b && nf_step_prog(ns, a, b) == m.prog) {
					from = a;
					to = b;
					break;
				}
		if (from < 0)
			continue;
		for (int j = 0; j < VTAX_NF_STAGE_HOOKS; j++)
			if (vtax_nf_stage_hooks[j].hook == m.hook && vtax_nf_stage_hooks[j].stage == to) {
				pb = vtax_nf_stage_hooks[j].prio;
				found = 1;
			}
		pa = m.start - 1; /* the step sits just above the first stage */
		if (!found || !vtax_nf_hooks__between(hv, nh, m.pf, m.hook, pa, pb))
			continue;
		rc = nf_link(ns, open[to], m.pf, m.hook, pb - 1, -1);
		if (!rc) {
			if (ns->links[i])
				bpf_link__destroy(ns->links[i]); /* frees the step's priority */
			ns->links[i] = NULL;
			ns->nf_meta[i].prog = close_[from];
			l = nf_attach_from(close_[from], m.pf, m.hook, m.start, m.step);
			rc = l ? 0 : -errno;
			ns->links[i] = l;
		}
		if (rc) {
			snprintf(ns->nf_error, sizeof(ns->nf_error),
				 "netfilter link: splitting the %s/%s step on %s/ipv%d: %s",
				 stage_names[from], stage_names[to], nf_hook_names[m.hook],
				 m.pf == VTAX_NFPROTO_IPV4 ? 4 : 6, strerror(-rc));
			continue;
		}
		split++;
	}
	return split;
}

/*
 * Bracket the stage hooks registered in the calling thread's namespace (k:
 * 0 vtax's own, i + 1 nf_ns[i]) that are not bracketed yet: a stage only
 * where a non-BPF hook sits at exactly its priority (a bracket around
 * nothing costs two runs per packet and makes the kernel run nf_hook_slow
 * on an empty hook).  Two stages of one hook bracketed in the same pass
 * with no registered hook between them share one step program (conntrack
 * -> NAT on PREROUTING and LOCAL_OUT, NAT -> filter on LOCAL_OUT, filter
 * -> NAT on LOCAL_IN): n + 1 programs for n stages instead of 2n.  Without
 * hook discovery, every stage on the first pass, each with its own pair (a
 * hook between them would be unseen).  A rescan whose read fails adds
 * nothing.  Returns 0 or the first link error (nf_error says which); the
 * other brackets are still made.
 */
static int nf_attach_all(struct net_state *ns, int k, int rescan)
{
	struct bpf_program *const open[VTAX_NET_ST_MAX] = {
		ns->skel->progs.vtax_nf_ct_open, ns->skel->progs.vtax_nf_nat_open,
		ns->skel->progs.vtax_nf_filter_open,
	};
	struct bpf_program *const close_[VTAX_NET_ST_MAX] = {
		ns->skel->progs.vtax_nf_ct_close, ns->skel->progs.vtax_nf_nat_close,
		ns->skel->progs.vtax_nf_filter_close,
	};
	struct vtax_nf_hook hv[NET_NF_MAX_HOOKS];
	int nh = -ENOENT, first = 0, known;

	if (ns->nfh) {
		nh = vtax_nf_hooks__read(ns->nfh, hv, NET_NF_MAX_HOOKS);
		if (nh < 0)
			snprintf(ns->nfh_error, sizeof(ns->nfh_error), "hook discovery: read: %s",
				 strerror(-nh));
	}
	if (nh < 0 && rescan)
		return 0;
	if (nh < 0 && ns->nfh) {
		/* as if it never loaded: every stage, and the report says why */
		vtax_nf_hooks__close(ns->nfh);
		ns->nfh = NULL;
	}
	/* every registered hook read (none left out): steps may be used */
	known = nh >= 0 && nh < NET_NF_MAX_HOOKS;
	if (rescan && known)
		ns->nf_splits += nf_split_steps(ns, k, hv, nh, open, close_);
	ns->nf_seen[k] = 1;
	ns->nf_present[k] = 0;
	for (int p = 0; p < 2; p++) {
		int pf = vtax_nf_pfs[p];
		uint32_t todo = 0;

		for (int i = 0; i < VTAX_NF_STAGE_HOOKS; i++) {
			const struct vtax_nf_stage_hook *b = &vtax_nf_stage_hooks[i];
			uint32_t bit = 1u << (p * VTAX_NF_STAGE_HOOKS + i);

			if (nh < 0 || vtax_nf_hooks__has(hv, nh, pf, b->hook, b->prio))
				ns->nf_present[k] |= bit;
			if ((ns->nf_present[k] & bit) && !((ns->nf_done[k] | ns->nf_failed[k]) & bit))
				todo |= 1u << i;
		}
		for (int hook = 0; hook < VTAX_NF_HOOK_MAX; hook++) {
			int g[VTAX_NF_STAGE_HOOKS], ng = nf_hook_stages(todo, hook, g);

			for (int a = 0, z; a < ng; a = z + 1) {
				int rc;

				for (z = a; z + 1 < ng; z++) {
					const struct vtax_nf_stage_hook *x = &vtax_nf_stage_hooks[g[z]],
									*y = &vtax_nf_stage_hooks[g[z + 1]];

					if (!known || !nf_step_prog(ns, x->stage, y->stage) ||
					    vtax_nf_hooks__between(hv, nh, pf, hook, x->prio, y->prio))
						break;
				}
				rc = nf_bracket_group(ns, pf, g + a, z - a + 1, open, close_);
				for (int j = a; j <= z; j++) {
					uint32_t bit = 1u << (p * VTAX_NF_STAGE_HOOKS + g[j]);

					if (rc)
						ns->nf_failed[k] |= bit;
					else
						ns->nf_done[k] |= bit;
				}
				if (rc && !first) {
					const struct vtax_nf_stage_hook *b = &vtax_nf_stage_hooks[g[a]];

					first = rc;
					snprintf(ns->nf_error, sizeof(ns->nf_error),
						 "netfilter link %s/%s/ipv%d: %s", stage_names[b->stage],
						 nf_hook_names[b->hook], pf == VTAX_NFPROTO_IPV4 ? 4 : 6,
						 strerror(-rc));
				}
			}
		}
	}
	return first;
}

/* Enter the namespace of fd (saving ours in *self) / come back; a thread
 * that cannot come back would get every later namespace-relative call wrong */
static int nf_enter(int fd, int *self)
{
	if (*self < 0)
		*self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return *self < 0 || fd < 0 ? -1 : setns(fd, CLONE_NEWNET);
}

static void nf_leave(int self)
{
	if (setns(self, CLONE_NEWNET)) {
		fprintf(stderr, "vtax: cannot return to the host's network namespace: %s\n",
			strerror(errno));
		abort();
	}
}

/* Forget namespace k's links from base on (a failed first pass). */
static void nf_drop_from(struct net_state *ns, int k, int base)
{
	for (int i = base; i < ns->nlinks; i++)
		bpf_link__destroy(ns->links[i]);
	ns->nlinks = base;
	ns->nf_done[k] = 0;
}

/* fentry/fexit pairs on the netfilter entry points (kernels without
 * netfilter BPF programs): bit 0 conntrack, 1 NAT, 2 nft filter, 3 legacy
 * filter; only those whose function this kernel has */
static const char *const fe_fn[] = { "nf_conntrack_in", "nf_nat_inet_fn", "nft_do_chain_ipv4",
				     "iptable_filter_hook" };

static unsigned fe_available(void)
{
	unsigned m = 0;

	for (unsigned i = 0; i < sizeof(fe_fn) / sizeof(fe_fn[0]); i++)
		if (vtax_kallsyms_has(fe_fn[i]))
			m |= 1u << i;
	return m;
}

/* Before load: which programs load, and vtax's namespace (a constant). */
static void net_configure(struct net_bpf *skel, int nf, unsigned fe, int sysenter, uint32_t self_netns,
			  int sockq)
{
	/* the socket-queue hop: the chain's last program on every packet */
	bpf_program__set_autoload(skel->progs.vtax_net_copy, sockq);
	bpf_program__set_autoload(skel->progs.vtax_fe_ct_open, !!(fe & 1));
	bpf_program__set_autoload(skel->progs.vtax_fe_ct_close, !!(fe & 1));
	bpf_program__set_autoload(skel->progs.vtax_fe_nat_open, !!(fe & 2));
	bpf_program__set_autoload(skel->progs.vtax_fe_nat_close, !!(fe & 2));
	bpf_program__set_autoload(skel->progs.vtax_fe_nft_open, !!(fe & 4));
	bpf_program__set_autoload(skel->progs.vtax_fe_nft_close, !!(fe & 4));
	bpf_program__set_autoload(skel->progs.vtax_fe_ipt_open, !!(fe & 8));
	bpf_program__set_autoload(skel->progs.vtax_fe_ipt_close, !!(fe & 8));
	skel->rodata->vtax_self_netns = self_netns;
	/* loaded always, attached by net_proxies() when a proxy is found */
	bpf_program__set_autoattach(skel->progs.vtax_net_proxy_read, false);
	bpf_program__set_autoattach(skel->progs.vtax_net_proxy_send, false);
	/* tcp_sendmsg_locked came in 6.13: without it (6.1, 6.12) docker-proxy's
	 * relay is not timed, everything else is */
	if (!vtax_btf_has_tracepoint("tcp_sendmsg_locked"))
		bpf_program__set_autoload(skel->progs.vtax_net_proxy_send, false);
	bpf_program__set_autoload(skel->progs.vtax_nf_ct_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_ct_close, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_nat_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_nat_close, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_filter_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_filter_close, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_ct_nat_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_nat_filter_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_nf_filter_nat_open, nf);
	bpf_program__set_autoload(skel->progs.vtax_net_enter_sendto, sysenter);
	bpf_program__set_autoload(skel->progs.vtax_net_enter_sendmsg, sysenter);
	bpf_program__set_autoload(skel->progs.vtax_net_enter_write, sysenter);
	bpf_program__set_autoload(skel->progs.vtax_net_enter_writev, sysenter);
}

static int net_attach(struct vtax_session *s, void **state, char *err, size_t errlen)
{
	struct net_state *ns = calloc(1, sizeof(*ns));
	struct vtax_net_cfg cfg = { 0 };
	int use_sys_ts, rc;
	uint32_t zero = 0;

	if (!ns)
		return -ENOMEM;
	/* the host's namespace is PID 1's; where PID 1 cannot be inspected
	 * (EACCES in some sandboxes), vtax's own: without one, the host
	 * namespace would be learned as the first traced sender's */
	ns->init_netns = (uint32_t)vtax_proc__ns_ino(1, "net");
	/* where the first 36 netfilter links go (vtax may run inside a netns) */
	ns->self_netns = (uint32_t)vtax_proc__ns_ino(getpid(), "net");
	if (!ns->init_netns)
		ns->init_netns = ns->self_netns;
	ns_label(ns, ns->init_netns, "host");
	ns->skel = net_bpf__open();
	if (!ns->skel) {
		rc = -errno;
		vtax_probe_error(err, errlen, "open", rc);
		free(ns);
		return rc;
	}
	/* the syscall family (listed before us) already times syscall entry */
	use_sys_ts = !!(s->loaded & (1u << VTAX_FAM_SYSCALL));
	ns->nf_supported = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_NETFILTER, NULL) == 1 &&
			   !vtax_test_unavailable("netfilter");
	if (!ns->nf_supported)
		snprintf(ns->nf_error, sizeof(ns->nf_error),
			 "netfilter BPF programs unsupported (kernel < 6.4 or libbpf < 1.3)%s",
			 vtax_test_unavailable("netfilter") ? " (simulated: VTAX_TEST_UNAVAILABLE)" : "");
	/* no netfilter programs (< 6.4): fentry/fexit on the netfilter entry
	 * points, where the kernel has them; the load decides (fentry may be
	 * refused, as on hosts without it) */
	ns->fe = ns->nf_supported || vtax_test_unavailable("netfilter") ? 0 : fe_available();
	net_configure(ns->skel, ns->nf_supported, ns->fe, !use_sys_ts, ns->self_netns,
		      !s->opts.net_no_sock_queue);
	rc = vtax_session__share_maps(s, ns->skel->obj);
	if (!rc)
		rc = net_bpf__load(ns->skel);
	if (rc && ns->fe) {
		char why[160];

		vtax_probe_error(why, sizeof(why), "fentry", rc);
		net_bpf__destroy(ns->skel);
		ns->skel = net_bpf__open();
		if (!ns->skel) {
			rc = -errno;
			vtax_probe_error(err, errlen, "open", rc);
			free(ns);
			return rc;
		}
		ns->fe = 0;
		snprintf(ns->nf_error, sizeof(ns->nf_error),
			 "netfilter BPF programs unsupported (kernel < 6.4 or libbpf < 1.3) and fentry/fexit refused (%s)",
			 why);
		net_configure(ns->skel, 0, 0, !use_sys_ts, ns->self_netns, !s->opts.net_no_sock_queue);
		rc = vtax_session__share_maps(s, ns->skel->obj);
		if (!rc)
			rc = net_bpf__load(ns->skel);
	}
	if (rc && ns->nf_supported) {
		/* the netfilter programs are what a kernel may refuse: retry
		 * without, and say why (the verifier's line) */
		vtax_probe_error(ns->nf_error, sizeof(ns->nf_error), "netfilter programs failed to load", rc);
		net_bpf__destroy(ns->skel);
		ns->skel = net_bpf__open();
		if (!ns->skel) {
			rc = -errno;
			vtax_probe_error(err, errlen, "open", rc);
			free(ns);
			return rc;
		}
		ns->nf_supported = 0;
		net_configure(ns->skel, 0, 0, !use_sys_ts, ns->self_netns, !s->opts.net_no_sock_queue);
		rc = vtax_session__share_maps(s, ns->skel->obj);
		if (!rc)
			rc = net_bpf__load(ns->skel);
	}
	if (rc) {
		vtax_probe_error(err, errlen, "load", rc);
		goto fail;
	}
	cfg.port = (uint32_t)s->opts.net_port;
	cfg.proto = (uint32_t)s->opts.net_proto;
	cfg.use_sys_ts = (uint32_t)use_sys_ts;
	cfg.init_netns = ns->init_netns;
	ns->cfg = cfg;
	if (bpf_map_update_elem(bpf_map__fd(ns->skel->maps.vtax_net_cfg_map), &zero, &cfg, BPF_ANY)) {
		rc = -errno;
		vtax_probe_error(err, errlen, "net config", rc);
		goto fail;
	}
	/* tracepoints; the skeleton skips netfilter programs (no auto-attach) */
	rc = net_bpf__attach(ns->skel);
	if (rc) {
		vtax_probe_error(err, errlen, "attach net tracepoints", rc);
		goto fail;
	}
	if (ns->nf_supported) {
		/* without it every stage is bracketed, as before discovery */
		ns->nfh = vtax_nf_hooks__open(ns->nfh_error, sizeof(ns->nfh_error));
		if (!ns->nfh && s->opts.verbose)
			fprintf(stderr, "vtax: net: %s: every netfilter stage bracketed\n", ns->nfh_error);
		ns->nf_on = !nf_attach_all(ns, 0, 0);
		/* hop timing goes on; the report shows netfilter_links = 0 */
		if (!ns->nf_on)
			nf_drop_from(ns, 0, 0);
		else if (s->opts.verbose)
			fprintf(stderr, "vtax: net: netfilter: %d of %d stage hooks registered here, %d links\n",
				__builtin_popcount(ns->nf_present[0]), 2 * VTAX_NF_STAGE_HOOKS, ns->nlinks);
	}
	/* one line, always: the report's netfilter share is then missing, not zero */
	if (!ns->nf_on)
		fprintf(stderr, "vtax: warning: net: no netfilter time: %s\n", ns->nf_error);
	net_current = ns;
	*state = ns;
	return 0;
fail:
	net_bpf__destroy(ns->skel);
	free(ns);
	return rc;
}

static void net_detach(void *state)
{
	struct net_state *ns = state;

	for (int i = 0; i < ns->nlinks; i++)
		bpf_link__destroy(ns->links[i]);
	for (int i = 0; i < ns->n_nf_fd; i++)
		if (ns->nf_fd[i] >= 0)
			close(ns->nf_fd[i]);
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(ns->proxy_links[i]);
	vtax_nf_hooks__close(ns->nfh);
	net_bpf__destroy(ns->skel);
	if (net_current == ns)
		net_current = NULL;
	free(ns);
}

/* Does IPv4 address ip (network order) belong to the namespace of pid?
 * /proc/PID/net/fib_trie lists the namespace's local addresses as a
 * "|-- A.B.C.D" line followed by "/32 host LOCAL". */
static int netns_has_addr(pid_t pid, uint32_t ip)
{
	char path[64], line[256], last[64] = "";
	struct in_addr a;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/fib_trie", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "|-- ");

		if (p) {
			snprintf(last, sizeof(last), "%s", p + 4);
			last[strcspn(last, " \n")] = 0;
		} else if (strstr(line, "/32 host LOCAL") && inet_pton(AF_INET, last, &a) == 1 &&
			   a.s_addr == ip) {
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The container IP a docker-proxy process relays to (its -container-ip
 * argument), 0 if pid is not a docker-proxy relaying IPv4. */
static uint32_t proxy_target(pid_t pid)
{
	const char *argv[64];
	char buf[4096], path[64];
	struct in_addr a;
	int na;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (vtax_proc__read(path, buf, sizeof(buf)) < 0 || strcmp(buf, "docker-proxy\n"))
		return 0;
	na = vtax_proc__cmdline(pid, buf, sizeof(buf), argv, 64);
	for (int i = 0; i + 1 < na; i++)
		if (!strcmp(argv[i], "-container-ip") && inet_pton(AF_INET, argv[i + 1], &a) == 1)
			return a.s_addr;
	return 0;
}

struct proxy_scan {
	struct vtax_session *s;
	struct net_state *ns;
	int fd, pidfd, n;
};

/* One process: a docker-proxy relaying into a subject's namespace? */
static int proxy_one(pid_t pid, void *arg)
{
	struct proxy_scan *ps = arg;
	uint32_t ip = proxy_target(pid), tgid = (uint32_t)pid, subj;

	if (!ip)
		return 0;
	if (ps->pidfd >= 0 && !bpf_map_lookup_elem(ps->pidfd, &tgid, &subj))
		return 0;
	for (size_t i = 0; i < ps->s->nsubjects; i++) {
		struct vtax_subject_def *d = &ps->s->subjects[i];

		if (!d->pid || !d->netns_ino || d->netns_ino == ps->ns->init_netns ||
		    !netns_has_addr(d->pid, ip))
			continue;
		if (!bpf_map_update_elem(ps->fd, &tgid, &d->id, BPF_ANY))
			ps->n++;
		break;
	}
	return 0;
}

/* Refill vtax_net_proxy: docker-proxy processes relaying to a subject.  A
 * proxy that is a subject of its own (tracked by PID: vtax compare
 * --via-proxy itemizes its threads' CPU time) is left out, so that its time
 * is not counted twice. */
static void net_proxies(struct vtax_session *s, struct net_state *ns)
{
	int fd = bpf_map__fd(ns->skel->maps.vtax_net_proxy);
	struct proxy_scan scan = { .s = s, .ns = ns, .fd = fd, .pidfd = s->map_fd[VTAX_MAP_PID] };
	uint32_t key, next, zero = 0;
	int n;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	vtax_proc__for_each_pid(proxy_one, &scan);
	n = scan.n;
	if (n && !ns->proxy_wanted) {
		struct bpf_link *r = bpf_program__attach(ns->skel->progs.vtax_net_proxy_read);
		struct bpf_link *w = bpf_program__attach(ns->skel->progs.vtax_net_proxy_send);

		if (libbpf_get_error(r) || libbpf_get_error(w)) {
			/* relays are not timed; their packets still are */
			if (!libbpf_get_error(r))
				bpf_link__destroy(r);
			if (!libbpf_get_error(w))
				bpf_link__destroy(w);
			if (s->opts.verbose)
				fprintf(stderr, "vtax: net: cannot attach the docker-proxy programs\n");
		} else {
			ns->proxy_links[0] = r;
			ns->proxy_links[1] = w;
			ns->proxy_wanted = 1;
		}
	}
	ns->nproxy = n;
	ns->cfg.nproxy = (uint32_t)n;
	bpf_map_update_elem(bpf_map__fd(ns->skel->maps.vtax_net_cfg_map), &zero, &ns->cfg, BPF_ANY);
}

/*
 * Bracket netfilter in a subject's own namespace as well.  A container on a
 * Docker network has NAT rules there (its embedded DNS), so conntrack runs
 * for every packet in the container's namespace too: a second conntrack
 * lookup per packet that the host's links cannot see.  A netfilter link
 * belongs to the namespace of the thread that creates it: enter, attach,
 * come back.  Tried once per namespace; a failure leaves hop timing as is.
 */
static void nf_attach_in(struct net_state *ns, const struct vtax_subject_def *d, int verbose)
{
	char p[64], saved_err[sizeof(ns->nf_error)];
	int self = -1, fd, k, base = ns->nlinks, rc = -1;
	struct stat st;

	if (!ns->nf_on || d->pid <= 0 || ns->n_nf_ns >= NET_MAX_NF_NS ||
	    (uint32_t)d->netns_ino == ns->self_netns)
		return;
	for (int i = 0; i < ns->n_nf_ns; i++)
		if (ns->nf_ns[i] == (uint32_t)d->netns_ino)
			return;
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)d->pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	/* the pid may have been reused: only the namespace we were told of */
	if (fd >= 0 && (fstat(fd, &st) || (uint32_t)st.st_ino != (uint32_t)d->netns_ino)) {
		close(fd);
		fd = -1;
	}
	k = ++ns->n_nf_ns;
	ns->nf_ns[k - 1] = (uint32_t)d->netns_ino;
	ns->nf_fd[k - 1] = fd;
	ns->n_nf_fd = ns->n_nf_ns;
	memcpy(saved_err, ns->nf_error, sizeof(saved_err));
	if (nf_enter(fd, &self) == 0) {
		ns->cur_ns = k;
		rc = nf_attach_all(ns, k, 0);
		ns->cur_ns = 0;
		nf_leave(self);
	}
	if (rc) {
		/* tried once: no netfilter time there, and no rescans */
		nf_drop_from(ns, k, base);
		ns->nf_seen[k] = 0;
		ns->nf_present[k] = 0;
		if (verbose)
			fprintf(stderr, "vtax: net: no netfilter time inside %s's namespace: %s\n",
				d->name, rc < 0 && rc != -1 ? ns->nf_error : strerror(errno));
	} else if (verbose) {
		fprintf(stderr, "vtax: net: netfilter in %s's namespace: %d of %d stage hooks registered, %d links\n",
			d->name, __builtin_popcount(ns->nf_present[k]), 2 * VTAX_NF_STAGE_HOOKS,
			ns->nlinks - base);
	}
	memcpy(ns->nf_error, saved_err, sizeof(saved_err));
	if (self >= 0)
		close(self);
}

/*
 * Hooks registered since (a rule added, a module loaded): re-read vtax's
 * namespace and the subject namespaces already bracketed, and bracket the
 * stages that appeared.  Brackets whose hooks went away stay.
 */
static void nf_rescan(struct net_state *ns, int verbose)
{
	char saved_err[sizeof(ns->nf_error)];
	int self = -1, before = ns->nlinks, splits = ns->nf_splits;

	if (!ns->nf_on || !ns->nfh)
		return;
	memcpy(saved_err, ns->nf_error, sizeof(saved_err));
	nf_attach_all(ns, 0, 1);
	for (int i = 0; i < ns->n_nf_ns; i++) {
		if (!ns->nf_seen[i + 1] || nf_enter(ns->nf_fd[i], &self))
			continue;
		ns->cur_ns = i + 1;
		nf_attach_all(ns, i + 1, 1);
		ns->cur_ns = 0;
		nf_leave(self);
	}
	if (self >= 0)
		close(self);
	if (verbose && ns->nf_splits > splits)
		fprintf(stderr,
			"vtax: net: %d netfilter step programs split: a hook was registered between their stages\n",
			ns->nf_splits - splits);
	if (verbose && ns->nlinks > before)
		fprintf(stderr, "vtax: net: %d netfilter links added around stage hooks registered since\n",
			ns->nlinks - before);
	if (verbose && strcmp(saved_err, ns->nf_error))
		fprintf(stderr, "vtax: net: %s\n", ns->nf_error);
	memcpy(ns->nf_error, saved_err, sizeof(saved_err));
}

static void net_refresh(struct vtax_session *s, void *state)
{
	nf_rescan(state, s->opts.verbose);
}

static void net_subjects_changed(struct vtax_session *s, void *state)
{
	struct net_state *ns = state;
	int fd = bpf_map__fd(ns->skel->maps.vtax_net_netns);

	nf_rescan(ns, s->opts.verbose);
	ns->n_ev_ids = 0;
	for (size_t i = 0; i < s->nsubjects && ns->n_ev_ids < 64; i++)
		ns->ev_ids[ns->n_ev_ids++] = s->subjects[i].id;
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject_def *d = &s->subjects[i];
		uint32_t ino = (uint32_t)d->netns_ino;

		/* the host namespace is shared by everything: only --all's
		 * "host" subject may claim it, through cfg.all_subject */
		if (!ino || ino == ns->init_netns)
			continue;
		bpf_map_update_elem(fd, &ino, &d->id, BPF_ANY);
		/* packets with no subject may now adopt one (bpf/net.bpf.c) */
		if (ns->skel->bss)
			ns->skel->bss->vtax_net_adopt = 1;
		ns_label(ns, ino, d->name);
		nf_attach_in(ns, d, s->opts.verbose);
	}
	net_proxies(s, ns);
}

static int net_decode(const struct vtax_hist_key *k, char *name, size_t namelen,
		      struct vtax_label *labels, int *nlabels)
{
	char buf[64];
	int nl = 0;

	if (k->name > 0 && k->name < VTAX_NET_HOP_MAX) {
		uint32_t kind = VTAX_NET_L1_KIND(k->l1);

		/* a forward from a bridge port is the bridge's own time */
		if (k->name == VTAX_NET_HOP_FORWARD && VTAX_NET_L1_BPORT(k->l1))
			snprintf(name, namelen, "bridge");
		else
			snprintf(name, namelen, "%s", hop_names[k->name]);
		vtax_label__set(&labels[nl++], "dev", kind < VTAX_NET_DEV_MAX ? dev_names[kind] : "?");
		vtax_label__set(&labels[nl++], "dir", VTAX_NET_L1_DIR(k->l1) ? "rx" : "tx");
		ns_name(k->l2, buf, sizeof(buf));
		vtax_label__set(&labels[nl++], "netns", buf);
		*nlabels = nl;
		return 0;
	}
	switch (k->name) {
	case VTAX_NET_CONNTRACK:
	case VTAX_NET_NAT:
	case VTAX_NET_NAT_MISS:
	case VTAX_NET_FILTER: {
		uint32_t hook = k->l1 & 0xf;

		snprintf(name, namelen, "%s",
			 k->name == VTAX_NET_CONNTRACK ? "conntrack" :
			 k->name == VTAX_NET_NAT ? "nat" :
			 k->name == VTAX_NET_NAT_MISS ? "nat_miss" : "filter");
		vtax_label__set(&labels[nl++], "hook", hook < VTAX_NF_HOOK_MAX ? nf_hook_names[hook] : "?");
		vtax_label__set(&labels[nl++], "ip", (k->l1 >> 4) & 1 ? "6" : "4");
		vtax_label__set(&labels[nl++], "ct", ct_name(k->l2));
		/* the subject's own namespace (a container's netfilter) */
		if (k->l1 & VTAX_NET_NF_L1_OWN_NS)
			vtax_label__set(&labels[nl++], "netns", "own");
		*nlabels = nl;
		return 0;
	}
	case VTAX_NET_DROP: {
		const char *r = drop_reason_name(k->l1);
		uint32_t ev = k->l2 & 0xff, kind = (k->l2 >> 8) & 0xff;
		uint32_t st = (k->l2 >> 16) & 0xff, hook = (k->l2 >> 24) & 0xff;

		snprintf(name, namelen, "drop");
		if (!r) {
			snprintf(buf, sizeof(buf), "%u", k->l1);
			r = buf;
		}
		vtax_label__set(&labels[nl++], "reason", r);
		vtax_label__set(&labels[nl++], "hop", ev < VTAX_NET_EV_MAX ? ev_hop_names[ev] : "?");
		vtax_label__set(&labels[nl++], "dev", kind < VTAX_NET_DEV_MAX ? dev_names[kind] : "?");
		if (st && st <= VTAX_NET_ST_MAX && hook < VTAX_NF_HOOK_MAX) {
			char nf[48];

			snprintf(nf, sizeof(nf), "%s@%s", stage_names[st - 1], nf_hook_names[hook]);
			vtax_label__set(&labels[nl++], "nf", nf);
		}
		*nlabels = nl;
		return 0;
	}
	case VTAX_NET_PROXY: {
		uint32_t kind = VTAX_NET_L1_KIND(k->l1);

		snprintf(name, namelen, "proxy");
		vtax_label__set(&labels[nl++], "relay",
				VTAX_NET_L1_DIR(k->l1) ? "to_container" : "to_client");
		vtax_label__set(&labels[nl++], "from", kind < VTAX_NET_DEV_MAX ? dev_names[kind] : "?");
		*nlabels = nl;
		return 0;
	}
	case VTAX_NET_PATH:
		snprintf(name, namelen, "path");
		vtax_label__set(&labels[nl++], "dir", k->l1 ? "rx" : "tx");
		*nlabels = nl;
		return 0;
	}
	return -ENOENT;
}

/*
 * The ledger cause of a key (result/cause.h).  Not a cause: path (end to
 * end, it would double count the hops); drop (time since a lost packet's
 * last event).  sock_queue (a packet waiting for the application to read
 * it: the reader's wake-up, measured by sched.runq, or idleness) is tagged
 * READ_WAIT, no cause by itself: the ledger charges it to docker-proxy when
 * docker-proxy is the reader.
 */
static int net_cause(const struct vtax_hist_key *k)
{
	if (k->name > 0 && k->name < VTAX_NET_HOP_MAX)
		return k->name == VTAX_NET_HOP_SOCKQ ? VTAX_CAUSE_READ_WAIT : VTAX_CAUSE_HOPS;
	switch (k->name) {
	case VTAX_NET_CONNTRACK:
	case VTAX_NET_NAT:
	case VTAX_NET_NAT_MISS:
		return VTAX_CAUSE_NAT;
	case VTAX_NET_FILTER:
		return VTAX_CAUSE_FILTER;
	case VTAX_NET_PROXY:
		return VTAX_CAUSE_PROXY;
	}
	return VTAX_CAUSE_NONE;
}

/* One subject's packet counters in one direction, summed over the CPUs
 * (vals: scratch for ncpu values); 0, or -1 when it has none. */
static int net_count_sum(struct net_state *ns, uint32_t subject, uint32_t dir, struct vtax_net_count *vals,
			 int ncpu, struct vtax_net_count *sum)
{
	uint32_t idx = VTAX_NET_COUNT_IDX(subject, dir);

	memset(sum, 0, sizeof(*sum));
	if (idx >= VTAX_NET_COUNT_MAX || bpf_map_lookup_elem(bpf_map__fd(ns->skel->maps.vtax_net_counts), &idx, vals))
		return -1;
	for (int c = 0; c < ncpu; c++) {
		sum->packets += vals[c].packets;
		sum->bytes += vals[c].bytes;
		sum->delivered += vals[c].delivered;
	}
	return 0;
}

static void net_collect(struct vtax_session *s, void *state, struct vtax_result *r)
{
	struct net_state *ns = state;
	int ncpu = libbpf_num_possible_cpus();
	struct vtax_net_count *vals;

	if (s->opts.net_no_sock_queue) /* the hooks line: without the copy program */
		vtax_result__hook(r, "net", "tp_btf net_dev_*/netif_*/tcp_probe/kfree_skb/inet_sock_set_state "
					    "(no socket-queue hop: --no-sock-queue)");
	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject_def *d = &s->subjects[i];

		for (uint32_t dir = 0; dir < 2; dir++) {
			struct vtax_net_count sum;
			struct vtax_subject *subj;
			const char *dn = dir ? "rx" : "tx";
			char n[64];

			if (net_count_sum(ns, d->id, dir, vals, ncpu, &sum))
				continue;
			if (!sum.packets && !sum.delivered)
				continue;
			subj = vtax_result__subject(r, d->name, d->kind);
			if (!subj)
				continue;
			snprintf(n, sizeof(n), "net.%s.packets", dn);
			vtax_subject__counter(subj, n, "count", (double)sum.packets, 1);
			snprintf(n, sizeof(n), "net.%s.bytes", dn);
			vtax_subject__counter(subj, n, "bytes", (double)sum.bytes, 1);
			snprintf(n, sizeof(n), "net.%s.delivered", dn);
			vtax_subject__counter(subj, n, "count", (double)sum.delivered, 1);
		}
	}
	free(vals);
	/* which hooks time the netfilter stages (conntrack, NAT, filter) and
	 * docker-proxy's relay on this kernel, or why they are not measured */
	if (ns->nf_on) {
		char how[256];
		int present = 0, total = 0;

		for (int k = 0; k <= ns->n_nf_ns; k++) {
			present += __builtin_popcount(ns->nf_present[k]);
			total += ns->nf_seen[k] ? 2 * VTAX_NF_STAGE_HOOKS : 0;
		}
		if (ns->nfh)
			snprintf(how, sizeof(how),
				 "netfilter BPF links (%d) around %d of %d stage hooks present (absent stages not bracketed)",
				 ns->nlinks, present, total);
		else
			snprintf(how, sizeof(how), "netfilter BPF links (%d) around every stage hook (%s)",
				 ns->nlinks, ns->nfh_error);
		vtax_result__hook(r, "net.netfilter", how);
	} else if (ns->fe) {
		char how[224];
		size_t off = (size_t)snprintf(how, sizeof(how), "fentry/fexit");

		for (unsigned i = 0; i < sizeof(fe_fn) / sizeof(fe_fn[0]); i++)
			if ((ns->fe & (1u << i)) && off < sizeof(how))
				off += (size_t)snprintf(how + off, sizeof(how) - off, " %s", fe_fn[i]);
		vtax_result__hook(r, "net.netfilter", how);
	} else {
		char how[224];

		snprintf(how, sizeof(how), "n/m: %s", ns->nf_error[0] ? ns->nf_error : "no netfilter link attached");
		vtax_result__hook(r, "net.netfilter", how);
	}
	vtax_result__hook(r, "net.proxy",
			  bpf_program__autoload(ns->skel->progs.vtax_net_proxy_send)
				  ? "tp_btf tcp_sendmsg_locked/tcp_rcv_space_adjust"
				  : "n/m: no tcp_sendmsg_locked tracepoint (kernel < 6.13): docker-proxy relays are not timed");
	/* whether netfilter time is measured at all, per subject; docker-proxy
	 * processes whose relays are timed (net.proxy) */
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject *subj = vtax_result__subject(r, s->subjects[i].name,
								 s->subjects[i].kind);

		if (subj)
		{
			vtax_subject__counter(subj, "net.netfilter_links", "count",
					      (double)ns->nlinks, 0);
			vtax_subject__counter(subj, "net.proxies", "count", (double)ns->nproxy, 0);
		}
	}
}

static int net_supported(char *why, size_t whylen)
{
	struct stat st;

	if (stat("/sys/kernel/btf/vmlinux", &st)) {
		snprintf(why, whylen, "no kernel BTF (/sys/kernel/btf/vmlinux): tp_btf needs it");
		return 0;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_NETFILTER, NULL) != 1)
		snprintf(why, whylen,
			 "hop timing only: netfilter BPF unsupported, no conntrack/NAT/filter time");
	return 1;
}

static struct bpf_object_skeleton *net_skeleton(void *state)
{
	return ((struct net_state *)state)->skel->skeleton;
}

/* --sample: netfilter links (in vtax's namespace and the subjects') and the
 * docker-proxy pair; --sample-netfilter: the netfilter links only.  A
 * netfilter link is made again at its priority from inside its namespace
 * (a link belongs to the creating thread's). */
static int net_sample_links(struct vtax_session *s, void *state, int role, int on)
{
	struct net_state *ns = state;
	int self = -1, changed = 0;
	/* --sample-netfilter: the docker-proxy pair traces whole */
	int proxy = !s->sample_spec || s->sample_spec->scope != VTAX_SAMPLE_NETFILTER;

	if (role == VTAX_CHAIN_ALWAYS)
		return 0;
	if (on < 0) {
		int k = role == VTAX_CHAIN_START ? 0 : 1;

		changed = proxy && ns->proxy_links[k];
		for (int i = 0; i < ns->nlinks; i++)
			changed += ns->links[i] &&
				   vtax_chain_role(bpf_program__name(ns->nf_meta[i].prog)) == role;
		return changed;
	}
	if (ns->proxy_wanted && proxy) {
		int k = role == VTAX_CHAIN_START ? 0 : 1;
		struct bpf_program *p = k ? ns->skel->progs.vtax_net_proxy_send :
					    ns->skel->progs.vtax_net_proxy_read;

		if (on && !ns->proxy_links[k] && bpf_program__fd(p) >= 0) {
			ns->proxy_links[k] = bpf_program__attach(p);
			changed += !!ns->proxy_links[k];
		} else if (!on && ns->proxy_links[k]) {
			bpf_link__destroy(ns->proxy_links[k]);
			ns->proxy_links[k] = NULL;
			changed++;
		}
	}
	if (!on) {
		/* released in the background: each waits for a grace period */
		struct bpf_link *v[NET_MAX_LINKS];
		int nv = 0;

		for (int i = 0; i < ns->nlinks; i++) {
			if (!ns->links[i] || vtax_chain_role(bpf_program__name(ns->nf_meta[i].prog)) != role)
				continue;
			v[nv++] = ns->links[i];
			ns->links[i] = NULL;
		}
		vtax_sample__destroy_links(v, nv);
		return changed + nv;
	}
	for (int n = 0; n <= ns->n_nf_fd; n++) {
		int entered = 0;

		for (int i = 0; i < ns->nlinks; i++) {
			struct nf_meta *m = &ns->nf_meta[i];

			if (m->ns != n || vtax_chain_role(bpf_program__name(m->prog)) != role)
				continue;
			if (ns->links[i])
				continue;
			if (n && !entered) {
				if (nf_enter(ns->nf_fd[n - 1], &self))
					break;
				entered = 1;
			}
			/* the first free priority, as nf_link() chose it (another
			 * vtax may have taken this one meanwhile) */
			ns->links[i] = nf_attach_from(m->prog, m->pf, m->hook, m->start, m->step);
			changed += !!ns->links[i];
			if (!ns->links[i] && s->opts.verbose)
				fprintf(stderr, "vtax: sample: netfilter link %d: %s\n", i, strerror(errno));
		}
		if (entered)
			nf_leave(self);
	}
	if (self >= 0)
		close(self);
	return changed;
}

/* --sample-netfilter: the subjects' packets so far (sent and delivered,
 * every CPU), counted by the hop programs, which trace whole. */
static uint64_t net_sample_events(struct vtax_session *s, void *state)
{
	struct net_state *ns = state;
	int ncpu = libbpf_num_possible_cpus();
	struct vtax_net_count *vals, sum;
	uint64_t n = 0;

	(void)s;
	if (ncpu <= 0 || !(vals = calloc((size_t)ncpu, sizeof(*vals))))
		return 0;
	for (int i = 0; i < ns->n_ev_ids; i++)
		for (uint32_t dir = 0; dir < 2; dir++)
			if (!net_count_sum(ns, ns->ev_ids[i], dir, vals, ncpu, &sum))
				n += sum.packets + sum.delivered;
	free(vals);
	return n;
}

const struct vtax_probe_ops vtax_probe_net = {
	.name = "net",
	.family = VTAX_FAM_NET,
	.hooks = "tp_btf net_dev_*/netif_*/tcp_probe/skb_copy_datagram_iovec/kfree_skb/inet_sock_set_state",
	.summary = "per-packet hop latency (socket, qdisc, veth, bridge, backlog), conntrack/NAT/filter time, drops",
	.attach = net_attach,
	.detach = net_detach,
	.decode = net_decode,
	.cause = net_cause,
	.collect = net_collect,
	.subjects_changed = net_subjects_changed,
	.refresh = net_refresh,
	.supported = net_supported,
	.skeleton = net_skeleton,
	.sample_links = net_sample_links,
	.sample_events = net_sample_events,
};
