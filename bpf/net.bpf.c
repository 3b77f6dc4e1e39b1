/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * net.bpf.c - the net probe family: where a packet's time goes between the
 * socket that sends it and the socket that reads it, and how long netfilter
 * (conntrack, NAT, filtering) holds it.
 *
 * Hop timeline.  A packet is followed by its skb address in an LRU hash
 * (vtax_net_pkts).  Each traced event closes the interval opened by the
 * previous event of the same skb and opens the next one:
 *
 *   send syscall --SEND--> net_dev_queue [--QDISC--> qdisc_dequeue]
 *     --XMIT (veth/lo crossing)--> netif_rx(peer) --BACKLOG--> netif_receive_skb
 *     --FORWARD (bridge or routing, PREROUTING..POSTROUTING)--> net_dev_queue ...
 *     --UPPER (bridge port -> bridge device)--> netif_receive_skb(br)
 *     --RXSTACK (IP, LOCAL_IN, TCP)--> tcp_probe --SOCKQ--> skb_copy_datagram_iovec
 *
 * Cost (bench/net_overhead.sh): every event is a program run on a per-packet
 * path, so the hook set is the least that still separates the hops.
 * qdisc_dequeue, not net_dev_start_xmit, ends the qdisc hop: it fires only
 * where a real qdisc holds packets (Docker's veths are noqueue and bypass
 * it), so a noqueue device costs one event instead of two and has no qdisc
 * hop.  Netfilter programs find the packet's subject in a per-CPU "last
 * packet" slot written by the device event that ran just before on that
 * CPU instead of a hash lookup, and a drop inside a stage is recognised
 * from the stage's open bracket instead of marking the packet.
 *
 * Skb addresses are reused within ~100 us and frees are not all traced
 * (docs/kernel-facts.md), so a chain continues only along the transitions above and
 * within a time bound; any other event on a known address starts a new chain.
 * The socket-send hop is timed by thread: the syscall family's sys_ts (or, when
 * that family is not loaded, our own enter tracepoints on the send syscalls)
 * to the first net_dev_queue of that syscall.
 *
 * Netfilter.  SEC("netfilter") programs are linked just before and just after
 * the kernel's conntrack (-200), NAT (-100 / +100) and filter (0) priorities;
 * the pair's time difference is that stage's time for the packet.  The open
 * side keeps (skb, time) in a per-CPU slot per stage; the close side only
 * counts when the same skb comes back on the same CPU.
 *
 * docker-proxy (net.proxy).  Userspace lists the docker-proxy processes that
 * relay to a subject's published ports in vtax_net_proxy (tgid -> subject).
 * docker-proxy (Go io.Copy) moves data with splice(2), so no copy to user
 * marks its reads; tcp_rcv_space_adjust does (it runs in the reading thread
 * at the end of every TCP read or splice-read), and tcp_sendmsg_locked marks
 * the start of its relayed send.  Per proxy thread: the last read before a
 * send stamps it (vtax_net_proxy_ts; a read that finds nothing comes after
 * the send and is overwritten by the next real read), the send closes the
 * relay.  These two programs are attached only once a proxy is found
 * (every TCP read and send on the host would pay for them).  The proxy's
 * packets belong to the subject relayed to (rx towards it, tx back to the
 * client on loopback).
 *
 * Subject of a packet: the network namespace of the device (vtax_net_netns,
 * filled by userspace from the session's subjects and learned here from
 * tracked senders), else the sending task's subject when it runs in that
 * namespace, else the --all host subject.  A chain without a subject is still
 * followed: it adopts one when it enters a subject's namespace (a reply).
 */
#include "common.bpf.h"
#include "module_types.bpf.h"
#include <bpf/bpf_endian.h>
#include "vtax/net.h"

#define NF_ACCEPT_ 1
#define ETH_P_IP_BE 0x0008   /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xDD86 /* htons(0x86DD) */
#define IFF_LOOPBACK_ 0x8
#define IFF_BRIDGE_PORT_ 0x200
#define IFF_EBRIDGE_ 0x2
#define ARPHRD_ETHER_ 1
#define ARPHRD_NONE_ 0xfffe

#define GAP_MAX_NS 1000000000ull	 /* 1 s: qdisc, neighbour resolution */
#define SOCKQ_MAX_NS 10000000000ull	 /* 10 s: data waiting for a reader */
#define SEND_MAX_NS 100000000ull	 /* 100 ms: send syscall to first queue */

struct vtax_net_pkt {
	__u64 ts;       /* time of the last event */
	__u64 t0;       /* chain start (send syscall or first event) */
	__u32 subject;
	__u32 netns;    /* namespace of the last event's device */
	__u8 ev;        /* enum vtax_net_ev: the last event */
	__u8 kind;      /* its device kind */
	__u8 dir;
	__u8 bport;     /* its device is a bridge port */
	__u8 skip;      /* outside the flow filter */
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct vtax_net_pkt);
} vtax_net_pkts SEC(".maps");

/* netns inode -> subject */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} vtax_net_netns SEC(".maps");

/* per subject and direction, index VTAX_NET_COUNT_IDX(subject, dir): an
 * array lookup is inlined by the verifier, a hash lookup is not */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAX_NET_COUNT_MAX);
	__type(key, __u32);
	__type(value, struct vtax_net_count);
} vtax_net_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtax_net_cfg);
} vtax_net_cfg_map SEC(".maps");

/* netfilter brackets: (skb, open time, hook) per CPU and stage; skb = 0
 * once closed, so an entry still holding a freed skb names the stage that
 * dropped it.  Two entries per stage: a stage hook running in a task (a
 * local send's LOCAL_OUT runs with bottom halves on) can be interrupted by
 * a softirq whose packets go through the same stage (PREROUTING's
 * conntrack, a delayed ACK's LOCAL_OUT); with one entry the inner packet's
 * open overwrote the outer's, whose close then counted nothing (seen as
 * 126 of 216 conntrack LOCAL_OUT packets under load).  Netfilter runs in
 * task and softirq context only, so nesting is at most two deep. */
struct nf_ent {
	__u64 skb;
	__u64 ts;
	__u32 hook;
	__u32 pad;
};
struct nf_slot {
	struct nf_ent e[2];
};
/* an open entry older than this is a packet whose close never ran (stolen
 * or queued by a hook): it may be reused */
#define NF_STALE_NS 10000000ull /* 10 ms */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAX_NET_ST_MAX);
	__type(key, __u32);
	__type(value, struct nf_slot);
} vtax_net_nf_slots SEC(".maps");

/* the entry of slot sl whose bracket is open on skb key, or NULL */
static __always_inline struct nf_ent *nf_ent_of(struct nf_slot *sl, __u64 key)
{
	if (sl->e[0].skb == key)
		return &sl->e[0];
	if (sl->e[1].skb == key)
		return &sl->e[1];
	return NULL;
}

/* docker-proxy processes: tgid -> subject whose published port it relays */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} vtax_net_proxy SEC(".maps");

/* proxy thread (tid) -> when it copied a received message, and the kind
 * of device that message arrived on (loopback: from the client) */
struct proxy_rd {
	__u64 ts;
	__u32 kind;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct proxy_rd);
} vtax_net_proxy_ts SEC(".maps");

/* The packet the last device event on this CPU handled, and its subject:
 * netfilter runs on the same CPU right after that event (PREROUTING after
 * netif_receive_skb, FORWARD and POSTROUTING before the next queue), so the
 * brackets need no hash lookup to place their time. */
struct last_pkt {
	__u64 skb;
	__u32 subject;
	__u32 skip;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_pkt);
} vtax_net_last SEC(".maps");

static __always_inline void last_set(__u64 key, const struct vtax_net_pkt *p)
{
	__u32 zero = 0;
	struct last_pkt *l = bpf_map_lookup_elem(&vtax_net_last, &zero);

	if (l) {
		l->skb = key;
		l->subject = p ? p->subject : 0;
		l->skip = p ? p->skip : 1;
	}
}

static __always_inline struct vtax_net_cfg *net_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vtax_net_cfg_map, &zero);
}

/*
 * Reads below go through BTF pointers (tp_btf and netfilter arguments) as
 * plain loads, which the verifier turns into fault-safe loads: much cheaper
 * than a bpf_probe_read_kernel() call per field on these per-packet paths.
 */
static __always_inline __u32 dev_netns(const struct net_device *dev)
{
	return dev->nd_net.net->ns.inum;
}

/* device (netns, ifindex) -> kind, per CPU, direct-mapped: the kind string
 * is read once per device instead of once per packet.  ifindexes are
 * allocated cyclically per namespace, so a stale slot is very unlikely; a
 * device's kind never changes. */
struct kind_slot {
	__u32 netns;
	__s32 ifindex;
	__u32 kind;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct kind_slot);
} vtax_net_kind_cache SEC(".maps");

static __always_inline __u8 kind_of_str(const char *k, unsigned short type)
{
	if (k[0] == 'v' && k[1] == 'e' && k[2] == 't' && k[3] == 'h' && !k[4])
		return VTAX_NET_DEV_VETH;
	if (k[0] == 'b' && k[1] == 'r' && k[2] == 'i')
		return VTAX_NET_DEV_BRIDGE;
	if (k[0] == 't' && k[1] == 'u' && k[2] == 'n' && !k[3])
		return type == ARPHRD_ETHER_ ? VTAX_NET_DEV_TAP : VTAX_NET_DEV_TUN;
	if ((k[0] == 'v' && k[1] == 'x') || (k[0] == 'g' && k[1] == 'e') ||
	    (k[0] == 'g' && k[1] == 'r') || (k[0] == 'i' && k[1] == 'p' && k[2] == 'i') ||
	    (k[0] == 's' && k[1] == 'i' && k[2] == 't') || (k[0] == 'w' && k[1] == 'i') ||
	    (k[0] == 'i' && k[1] == 'p' && k[2] == '6'))
		return VTAX_NET_DEV_TUNNEL;
	return VTAX_NET_DEV_OTHER;
}

/* Device kind from rtnl_link_ops->kind ("veth", "bridge", "tun", ...),
 * IFF_LOOPBACK, and dev->type for devices without link ops (physical). */
static __always_inline __u8 dev_kind(const struct net_device *dev, __u32 netns)
{
	const struct rtnl_link_ops *ops;
	struct kind_slot *sl;
	char k[8] = {};
	__s32 ifindex;
	__u32 idx;
	__u8 kind;

	if (!dev)
		return VTAX_NET_DEV_UNKNOWN;
	if (dev->flags & IFF_LOOPBACK_)
		return VTAX_NET_DEV_LOOPBACK;
	ops = dev->rtnl_link_ops;
	if (!ops)
		return dev->type == ARPHRD_ETHER_ ? VTAX_NET_DEV_PHYSICAL : VTAX_NET_DEV_OTHER;
	ifindex = dev->ifindex;
	idx = (__u32)ifindex & 15;
	sl = bpf_map_lookup_elem(&vtax_net_kind_cache, &idx);
	if (sl && sl->ifindex == ifindex && sl->netns == netns)
		return (__u8)sl->kind;
	bpf_probe_read_kernel_str(k, sizeof(k), ops->kind);
	kind = kind_of_str(k, dev->type);
	if (sl) {
		sl->netns = netns;
		sl->ifindex = ifindex;
		sl->kind = kind;
	}
	return kind;
}

static __always_inline __u8 dev_bport(const struct net_device *dev)
{
	if (!dev)
		return 0;
	return (BPF_CORE_READ_BITFIELD(dev, priv_flags) & IFF_BRIDGE_PORT_) ? 1 : 0;
}

/* Does the packet at nh (network header) match --port/--proto? */
static __always_inline int flow_ok(struct vtax_net_cfg *c, const struct sk_buff *skb,
				   const unsigned char *nh)
{
	__u16 proto_be = skb->protocol;
	__u8 l4 = 0, vihl = 0;
	__u16 ports[2] = {};
	__u32 off;

	if (!c || (!c->port && !c->proto))
		return 1;
	if (proto_be == ETH_P_IP_BE) {
		bpf_probe_read_kernel(&vihl, 1, nh);
		bpf_probe_read_kernel(&l4, 1, nh + 9);
		off = (vihl & 0xf) * 4;
	} else if (proto_be == ETH_P_IPV6_BE) {
		bpf_probe_read_kernel(&l4, 1, nh + 6);
		off = 40;
	} else {
		return 0;
	}
	if (c->proto && l4 != c->proto)
		return 0;
	if (!c->port)
		return 1;
	if (l4 != 6 && l4 != 17)
		return 0;
	bpf_probe_read_kernel(ports, sizeof(ports), nh + (off & 0x3f));
	return bpf_ntohs(ports[0]) == c->port || bpf_ntohs(ports[1]) == c->port;
}

static __always_inline const unsigned char *skb_nh(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}

/* Subject of a packet seen in namespace netns.  t: the current task when
 * it is the packet's sender (process context), with its subject subj, so
 * that subject may be used; NULL otherwise. */
/* Some subject has a network namespace of its own (set by userspace when
 * it maps one, and here when a tracked sender's is learned): a packet with
 * no subject may still adopt one where it enters that namespace.  While
 * 0, a packet in the host's namespace that has no subject when its chain
 * starts never gets one, and is not followed (chain_start). */
volatile __u32 vtax_net_adopt = 0;

static __always_inline void net_learn(__u32 netns, __u32 subj)
{
	if (!bpf_map_update_elem(&vtax_net_netns, &netns, &subj, BPF_NOEXIST))
		vtax_net_adopt = 1;
}

static __always_inline __u32 net_resolve(__u32 netns, struct task_struct *t, __u32 subj)
{
	struct vtax_cfg *cfg;
	__u32 *s;

	/* the map is empty until some subject has a namespace of its own
	 * (vtax_net_adopt): a native session's packets skip the lookup */
	if (vtax_net_adopt) {
		s = bpf_map_lookup_elem(&vtax_net_netns, &netns);
		if (s)
			return *s;
	}
	if (t) {
		if (subj && t->nsproxy->net_ns->ns.inum == netns) {
			struct vtax_net_cfg *c = net_cfg();

			/* learn the namespace of a tracked sender (not the host's:
			 * many unrelated processes share that one) */
			if (c && netns != c->init_netns)
				net_learn(netns, subj);
			return subj;
		}
	}
	cfg = vtax_cfg();
	return cfg ? cfg->all_subject : 0;
}

/*
 * A packet in netns that no subject's task sent can never get a subject:
 * it is in the host's namespace, there is no --all subject, no subject has
 * a namespace it could adopt one from (vtax_net_adopt), and no
 * docker-proxy relays for one.  The first thing the hop programs and the
 * netfilter closes ask, so that a pid-only session costs the rest of a
 * busy host's traffic a few loads per event.
 */
static __always_inline int net_foreign(const struct vtax_net_cfg *c, __u32 netns)
{
	struct vtax_cfg *cfg;

	if (!c || netns != c->init_netns || vtax_net_adopt || c->nproxy)
		return 0;
	cfg = vtax_cfg();
	return cfg && !cfg->all_subject;
}

static __always_inline void net_count(__u32 subject, __u32 dir, __u64 bytes, __u64 delivered)
{
	__u32 idx = VTAX_NET_COUNT_IDX(subject, dir);
	struct vtax_net_count *c = bpf_map_lookup_elem(&vtax_net_counts, &idx);

	if (!c)
		return; /* subject id beyond the array: counters only, hops go on */
	if (delivered) {
		c->delivered += 1;
	} else {
		c->packets += 1;
		c->bytes += bytes;
	}
}

static __always_inline void hop_add(struct vtax_net_pkt *p, __u32 hop, __u64 ns)
{
	if (p->subject && !p->skip)
		vtax_hist_add(p->subject, VTAX_FAM_NET, hop,
			      VTAX_NET_L1(p->kind, p->dir, p->bport), p->netns, ns);
}

/* The hop between event `from` and event `to`, or 0: not a continuation. */
static __always_inline __u32 hop_of(__u8 from, __u8 to)
{
	switch (from) {
	case VTAX_NET_EV_QUEUE:
		if (to == VTAX_NET_EV_XMIT)
			return VTAX_NET_HOP_QDISC;
		/* no qdisc (noqueue, or an empty qdisc bypassed): the device
		 * transmits at once */
		return (to == VTAX_NET_EV_RX || to == VTAX_NET_EV_RECV || to == VTAX_NET_EV_QUEUE)
			       ? VTAX_NET_HOP_XMIT : 0;
	case VTAX_NET_EV_XMIT:
		/* veth/lo: the peer receives; bridge/vlan/tunnel: the lower
		 * device queues the same skb */
		return (to == VTAX_NET_EV_RX || to == VTAX_NET_EV_RECV || to == VTAX_NET_EV_QUEUE)
			       ? VTAX_NET_HOP_XMIT : 0;
	case VTAX_NET_EV_RX:
		return to == VTAX_NET_EV_RECV ? VTAX_NET_HOP_BACKLOG : 0;
	case VTAX_NET_EV_RECV:
		if (to == VTAX_NET_EV_QUEUE)
			return VTAX_NET_HOP_FORWARD;
		if (to == VTAX_NET_EV_SOCK)
			return VTAX_NET_HOP_RXSTACK;
		if (to == VTAX_NET_EV_RECV)
			return VTAX_NET_HOP_UPPER;
		if (to == VTAX_NET_EV_RX)
			return VTAX_NET_HOP_FORWARD; /* decapsulated, re-injected */
		return 0;
	}
	return 0;
}

/* Start of the send hop for the current task (state st), or 0 (not in a
 * send). */
static __always_inline __u64 send_start(struct vtax_net_cfg *c, struct vtax_task_state *st,
					__u64 now)
{
	__u64 start = 0;

	if (!st || !c)
		return 0;
	if (c->use_sys_ts) {
		__u32 nr = st->sys_nr;

		/* write, writev, sendto, sendmsg, sendmmsg; only the first
		 * packet queued in the syscall (later ones are ACKs or more
		 * segments, whose stack time is not the syscall's) */
		if (st->sys_ts && st->net_ts < st->sys_ts &&
		    (nr == 1 || nr == 20 || nr == 44 || nr == 46 || nr == 307))
			start = st->sys_ts;
		st->net_ts = now;
	} else if (st->net_ts) {
		start = st->net_ts;
		st->net_ts = 0;
	}
	if (start && (now < start || now - start > SEND_MAX_NS))
		start = 0;
	return start;
}

/* A chain started by the current task: if it is a docker-proxy thread,
 * the packet is the subject's it relays to. */
static __always_inline void proxy_send(struct vtax_net_pkt *p)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *ps = bpf_map_lookup_elem(&vtax_net_proxy, &tgid);

	if (!ps)
		return;
	p->subject = *ps;
	/* to the client over loopback: the subject's reply (tx); else the
	 * request relayed towards the subject (rx) */
	p->dir = p->kind == VTAX_NET_DEV_LOOPBACK ? VTAX_NET_DIR_TX : VTAX_NET_DIR_RX;
}

/* 127.0.0.0/8 or ::1 (or v4-mapped 127/8): the socket talks over loopback */
static __always_inline __u32 sk_kind(const struct sock *sk)
{
	__u32 a = sk->__sk_common.skc_rcv_saddr;

	if (sk->__sk_common.skc_family == 10 /* AF_INET6 */) {
		const __u32 *w = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32;

		if (!w[0] && !w[1] && w[2] == bpf_htonl(0xffff))
			a = w[3];
		else
			return (!w[0] && !w[1] && !w[2] && w[3] == bpf_htonl(1))
				       ? VTAX_NET_DEV_LOOPBACK : VTAX_NET_DEV_OTHER;
	}
	return (bpf_ntohl(a) >> 24) == 127 ? VTAX_NET_DEV_LOOPBACK : VTAX_NET_DEV_OTHER;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(vtax_net_proxy_read, struct sock *sk)
{
	VTAX_GATE(START);
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct proxy_rd rd;

	if (!bpf_map_lookup_elem(&vtax_net_proxy, &tgid))
		return 0;
	rd.ts = bpf_ktime_get_ns();
	rd.kind = sk_kind(sk);
	rd.pad = 0;
	bpf_map_update_elem(&vtax_net_proxy_ts, &tid, &rd, BPF_ANY);
	return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(vtax_net_proxy_send, const struct sock *sk)
{
	VTAX_GATE(END);
	__u64 id = bpf_get_current_pid_tgid(), now;
	__u32 tgid = id >> 32, tid = (__u32)id, dir;
	__u32 *ps = bpf_map_lookup_elem(&vtax_net_proxy, &tgid);
	struct proxy_rd *rd;

	if (!ps)
		return 0;
	rd = bpf_map_lookup_elem(&vtax_net_proxy_ts, &tid);
	if (!rd || !rd->ts)
		return 0;
	now = bpf_ktime_get_ns();
	/* read from the client (loopback side): relayed to the container */
	dir = rd->kind == VTAX_NET_DEV_LOOPBACK ? VTAX_NET_DIR_RX : VTAX_NET_DIR_TX;
	if (now >= rd->ts && now - rd->ts <= SEND_MAX_NS)
		vtax_hist_add(*ps, VTAX_FAM_NET, VTAX_NET_PROXY, VTAX_NET_L1(rd->kind, dir, 0), 0,
			      now - rd->ts);
	rd->ts = 0; /* one relay per read */
	return 0;
}

/* A new chain at event ev on dev.  old: the map's entry for this address
 * (an ended or stale chain), overwritten in place - skb addresses are
 * reused so often that this is the usual case, and cheaper than an update. */
static __always_inline void chain_start(struct sk_buff *skb, const struct net_device *dev,
					__u8 ev, __u64 key, struct vtax_net_pkt *old,
					struct vtax_task_state *st)
{
	struct vtax_net_cfg *c = net_cfg();
	struct vtax_net_pkt p = {};
	const unsigned char *nh;
	struct task_struct *t = NULL;
	__u32 tsubj = 0;
	__u64 sstart = 0, now;

	p.netns = dev_netns(dev);
	if (ev == VTAX_NET_EV_QUEUE) {
		/* process context of the sender, or a softirq whose current
		 * task is unrelated: net_resolve checks the namespace,
		 * send_start that a send syscall is open.  st: the sender's
		 * state when send_pending() already fetched it */
		t = bpf_get_current_task_btf();
		if (st)
			tsubj = vtax_subject_of(t, st);
		else
			tsubj = vtax_task_subject(t, &st);
	} else {
		st = NULL;
	}
	if (!tsubj && net_foreign(c, p.netns)) {
		/* not followed: no record (its later hops cost one failed
		 * lookup each, or a new look here), only the per-CPU
		 * last-packet mark that lets the netfilter closes skip it */
		if (old)
			old->ev = VTAX_NET_EV_NONE;
		last_set(key, NULL);
		return;
	}
	/* the clock once the packet is ours (a foreign one never reads it) */
	now = bpf_ktime_get_ns();
	p.kind = dev_kind(dev, p.netns);
	p.bport = dev_bport(dev);
	p.ev = ev;
	p.ts = now;
	p.t0 = now;
	if (ev == VTAX_NET_EV_QUEUE) {
		p.dir = VTAX_NET_DIR_TX;
		nh = skb_nh(skb);
	} else {
		p.dir = VTAX_NET_DIR_RX;
		nh = skb->data;
	}
	if (!flow_ok(c, skb, nh)) {
		p.skip = 1;
	} else {
		if (ev == VTAX_NET_EV_QUEUE) {
			p.subject = net_resolve(p.netns, t, tsubj);
			if (st)
				sstart = send_start(c, st, now);
			if (c && c->nproxy)
				proxy_send(&p);
		} else {
			p.subject = net_resolve(p.netns, NULL, 0);
		}
		if (sstart) {
			p.t0 = sstart;
			hop_add(&p, VTAX_NET_HOP_SEND, now - sstart);
		}
		if (p.subject)
			net_count(p.subject, p.dir, skb->len, 0);
	}
	if (old)
		*old = p;
	else if (bpf_map_update_elem(&vtax_net_pkts, &key, &p, BPF_ANY))
		vtax_drop(VTAX_DROP_SKB_MAP_FULL);
	last_set(key, &p);
}

/*
 * Is the current task inside a send syscall that has not queued a packet
 * yet?  Then a net_dev_queue here is a new packet, whatever an older chain
 * of the same skb address says (addresses come back within microseconds: a
 * stale chain that ended in a receive would otherwise swallow the new
 * packet as a "forward" hop, and its subject with it).
 */
static __always_inline int send_pending(struct vtax_net_cfg *c, struct vtax_task_state **stp)
{
	struct vtax_task_state *st;

	if (!c)
		return 0;
	st = bpf_task_storage_get(&vtax_task, bpf_get_current_task_btf(), 0, 0);
	*stp = st;
	if (!st)
		return 0;
	if (c->use_sys_ts) {
		__u32 nr = st->sys_nr;

		return st->sys_ts && st->net_ts < st->sys_ts &&
		       (nr == 1 || nr == 20 || nr == 44 || nr == 46 || nr == 307);
	}
	return st->net_ts != 0;
}

static __always_inline void net_event(struct sk_buff *skb, const struct net_device *dev, __u8 ev)
{
	__u64 now, key = (__u64)skb;
	struct vtax_task_state *st = NULL;
	struct vtax_net_pkt *p;
	__u32 hop;

	if (!skb)
		return;
	p = bpf_map_lookup_elem(&vtax_net_pkts, &key);
	if (p && ev == VTAX_NET_EV_QUEUE && send_pending(net_cfg(), &st)) {
		chain_start(skb, dev, ev, key, p, st);
		return;
	}
	if (p) {
		now = bpf_ktime_get_ns();
		hop = hop_of(p->ev, ev);
		if (hop && now >= p->ts && now - p->ts <= GAP_MAX_NS) {
			hop_add(p, hop, now - p->ts);
			p->ev = ev;
			p->ts = now;
			/* tcp_probe and qdisc_dequeue: same device (namespace) */
			if (dev) {
				__u32 ns = dev_netns(dev);

				p->kind = dev_kind(dev, ns);
				p->bport = dev_bport(dev);
				if (ns != p->netns && !p->skip && !p->subject) {
					/* entered a namespace: adopt its subject (a reply
					 * from an untraced peer to a traced one) */
					__u32 *s = bpf_map_lookup_elem(&vtax_net_netns, &ns);

					if (s) {
						p->subject = *s;
						p->dir = VTAX_NET_DIR_RX;
						net_count(p->subject, p->dir, skb->len, 0);
					}
				}
				p->netns = ns;
			}
			last_set(key, p);
			return;
		}
	}
	if (ev == VTAX_NET_EV_QUEUE || ev == VTAX_NET_EV_RX || ev == VTAX_NET_EV_RECV)
		chain_start(skb, dev, ev, key, p, st);
	else if (p) {
		p->ev = VTAX_NET_EV_NONE; /* stale: forget (no transition from NONE) */
		last_set(0, NULL);
	}
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(vtax_net_dev_queue, struct sk_buff *skb)
{
	VTAX_GATE(END);
	net_event(skb, skb->dev, VTAX_NET_EV_QUEUE);
	return 0;
}

SEC("tp_btf/qdisc_dequeue")
int BPF_PROG(vtax_net_qdisc_dequeue, struct Qdisc *q, const struct netdev_queue *txq, int packets,
	     struct sk_buff *skb)
{
	VTAX_GATE(END);
	/* skb is NULL when the qdisc had nothing to send */
	net_event(skb, NULL, VTAX_NET_EV_XMIT);
	return 0;
}

SEC("tp_btf/netif_rx")
int BPF_PROG(vtax_net_netif_rx, struct sk_buff *skb)
{
	VTAX_GATE(END);
	net_event(skb, skb->dev, VTAX_NET_EV_RX);
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(vtax_net_receive_skb, struct sk_buff *skb)
{
	VTAX_GATE(END);
	net_event(skb, skb->dev, VTAX_NET_EV_RECV);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(vtax_net_tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	VTAX_GATE(END);
	/* the device is not looked at for SOCK: the namespace stays */
	net_event((struct sk_buff *)skb, NULL, VTAX_NET_EV_SOCK);
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(vtax_net_copy, const struct sk_buff *skb, int len)
{
	VTAX_GATE(END);
	__u64 now, key = (__u64)skb;
	struct vtax_net_pkt *p = bpf_map_lookup_elem(&vtax_net_pkts, &key);

	if (!p)
		return 0;
	now = bpf_ktime_get_ns();
	/* after tcp_probe: socket queue; straight from netif_receive_skb (UDP,
	 * no TCP event): IP + UDP + socket queue together */
	if ((p->ev == VTAX_NET_EV_SOCK || p->ev == VTAX_NET_EV_RECV) && now >= p->ts &&
	    now - p->ts <= SOCKQ_MAX_NS) {
		hop_add(p, VTAX_NET_HOP_SOCKQ, now - p->ts);
		if (p->subject && !p->skip) {
			vtax_hist_add(p->subject, VTAX_FAM_NET, VTAX_NET_PATH, p->dir, 0, now - p->t0);
			net_count(p->subject, p->dir, 0, 1);
		}
	}
	/* delivered: the chain ends (the address will be reused).  Marked
	 * ended rather than deleted: no event continues from NONE, the next
	 * chain on this address overwrites it in place, and a second copy of
	 * the same skb (a partial read) counts nothing. */
	p->ev = VTAX_NET_EV_NONE;
	last_set(0, NULL);
	return 0;
}

/*
 * A tracked task starts listening on a TCP socket: its network namespace is
 * the subject's from now on.  A server's first packets are sent from softirq
 * (the SYN-ACK answers the client's SYN on the client's thread or in
 * ksoftirqd), never from its own thread, so net_resolve could not learn the
 * namespace from the sender before the server wrote something: the first
 * SYN-ACK of a `vtax run`'s server had no subject (seen in TCG guests, where
 * its skb did not happen to reuse the SYN's address).  One program run per
 * TCP state change, returning at once unless the new state is LISTEN.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(vtax_net_listen, const struct sock *sk, const int oldstate, const int newstate)
{
	VTAX_GATE(END);
	struct task_struct *t;
	struct vtax_task_state *st;
	struct vtax_net_cfg *c;
	__u32 subj, netns;

	if (newstate != 10 /* TCP_LISTEN */)
		return 0;
	t = bpf_get_current_task_btf();
	subj = vtax_task_subject(t, &st);
	c = net_cfg();
	if (!subj || !c)
		return 0;
	netns = sk->__sk_common.skc_net.net->ns.inum;
	/* not the host's namespace: many unrelated processes share it */
	if (netns != c->init_netns)
		net_learn(netns, subj);
	return 0;
}

/* The netfilter stage (+1) whose bracket is open on this skb on this CPU,
 * 0 if none: a packet freed there was dropped by that stage (the close
 * program never ran).  *hook gets the stage's hook. */
/* one stage's slot: st + 1 if its bracket is open on this skb, else 0 */
static __always_inline __u32 nf_open_slot(__u32 st, __u64 key, __u64 now, __u32 *hook)
{
	struct nf_slot *sl = bpf_map_lookup_elem(&vtax_net_nf_slots, &st);
	struct nf_ent *e;

	if (!sl)
		return 0;
	e = nf_ent_of(sl, key);
	if (e && now >= e->ts && now - e->ts < GAP_MAX_NS) {
		e->skb = 0;
		*hook = e->hook;
		return st + 1;
	}
	return 0;
}

static __always_inline __u32 nf_open_stage(__u64 key, __u64 now, __u32 *hook)
{
	/* no loop: the stage number lives on the stack (its address is the map
	 * key), and 6.1's verifier, not tracking it there, rejected the loop
	 * as "infinite loop detected" */
	__u32 r;

	_Static_assert(VTAX_NET_ST_MAX == 3, "one nf_open_slot call per stage");
	r = nf_open_slot(0, key, now, hook);
	if (!r)
		r = nf_open_slot(1, key, now, hook);
	if (!r)
		r = nf_open_slot(2, key, now, hook);
	return r;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(vtax_net_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	VTAX_GATE(END);
	__u64 now = bpf_ktime_get_ns(), key = (__u64)skb;
	struct vtax_net_pkt *p = bpf_map_lookup_elem(&vtax_net_pkts, &key);
	__u32 subject, l2, netns, nfst, nfhook = 0;
	__u64 ns = 0;

	nfst = nf_open_stage(key, now, &nfhook);
	last_set(0, NULL);
	if (p) {
		if (p->skip) {
			bpf_map_delete_elem(&vtax_net_pkts, &key);
			return 0;
		}
		subject = p->subject;
		l2 = VTAX_NET_DROP_L2(p->ev, p->kind, nfst, nfhook);
		if (now >= p->ts)
			ns = now - p->ts;
		bpf_map_delete_elem(&vtax_net_pkts, &key);
	} else {
		struct net_device *dev = skb->dev;

		/* a packet we did not follow (dropped before any event,
		 * e.g. in the sender's LOCAL_OUT): place it by its device */
		if (!dev || !flow_ok(net_cfg(), skb, skb_nh(skb)))
			return 0;
		netns = dev_netns(dev);
		subject = net_resolve(netns, NULL, 0);
		l2 = VTAX_NET_DROP_L2(0, dev_kind(dev, netns), nfst, nfhook);
	}
	if (subject)
		vtax_hist_add(subject, VTAX_FAM_NET, VTAX_NET_DROP, (__u32)reason, l2, ns);
	return 0;
}

/* Fallback send start when the syscall family is not loaded (autoload is
 * switched by userspace): classic per-syscall tracepoints, so other
 * syscalls pay nothing. */
static __always_inline void send_enter(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vtax_task_state *st;

	if (vtax_task_subject(t, &st) && st)
		st->net_ts = bpf_ktime_get_ns();
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int vtax_net_enter_sendto(void *ctx)
{
	VTAX_GATE(START);
	send_enter();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int vtax_net_enter_sendmsg(void *ctx)
{
	VTAX_GATE(START);
	send_enter();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int vtax_net_enter_write(void *ctx)
{
	VTAX_GATE(START);
	send_enter();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int vtax_net_enter_writev(void *ctx)
{
	VTAX_GATE(START);
	send_enter();
	return 0;
}

/* ---- netfilter brackets ---- */

/* skb and state: the netfilter program's context, or the arguments of the
 * netfilter entry point an fentry/fexit pair brackets (kernels < 6.4) */
static __always_inline int nf_open_ts(struct sk_buff *skb, const struct nf_hook_state *state,
				      __u32 stage, __u64 ts)
{
	struct nf_slot *sl = bpf_map_lookup_elem(&vtax_net_nf_slots, &stage);
	struct nf_ent *e;

	if (sl) {
		/* a free (or stale) entry; both taken: the older one */
		e = &sl->e[0];
		if (e->skb && ts - e->ts < NF_STALE_NS) {
			struct nf_ent *f = &sl->e[1];

			if (!f->skb || ts - f->ts >= NF_STALE_NS || f->ts < e->ts)
				e = f;
		}
		e->skb = (__u64)skb;
		e->ts = ts;
		e->hook = state->hook;
	}
	return NF_ACCEPT_;
}

/* The last net event on this CPU marked this packet as not followed
 * (foreign, or outside --port/--proto): a received packet's PREROUTING and
 * INPUT stages come right after its netif_receive_skb.  No bracket then,
 * not even a clock read. */
static __always_inline int nf_skipped(const struct sk_buff *skb)
{
	__u32 zero = 0;
	struct last_pkt *l = bpf_map_lookup_elem(&vtax_net_last, &zero);

	return l && l->skb == (__u64)skb && l->skip;
}

/* At LOCAL_OUT no net event has seen the packet yet (a mark for its
 * address would be a freed packet's): the open asks afresh whether the
 * sending task is anyone's and the namespace could be (net_foreign), and
 * marks or unmarks the packet for the stages after it (OUTPUT's steps and
 * closes, POSTROUTING). */
static __always_inline int nf_tx_foreign(struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct vtax_cfg *cfg;
	__u32 zero = 0, foreign;
	struct last_pkt *l;

	if (!net_foreign(net_cfg(), state->net->ns.inum))
		foreign = 0;
	else
		foreign = (cfg = vtax_cfg()) && !vtax_subject_lookup(bpf_get_current_task_btf(), cfg);
	l = bpf_map_lookup_elem(&vtax_net_last, &zero);
	if (l && foreign)
		*l = (struct last_pkt){ .skb = (__u64)skb, .skip = 1 };
	else if (l && l->skb == (__u64)skb)
		l->skb = 0;
	return foreign;
}

static __always_inline int nf_open_at(struct sk_buff *skb, const struct nf_hook_state *state,
				      __u32 stage)
{
	if (state->hook == VTAX_NF_LOCAL_OUT ? nf_tx_foreign(skb, state) : nf_skipped(skb))
		return NF_ACCEPT_;
	return nf_open_ts(skb, state, stage, bpf_ktime_get_ns());
}

static __always_inline int nf_open(struct bpf_nf_ctx *ctx, __u32 stage)
{
	return nf_open_at(ctx->skb, ctx->state, stage);
}

static __always_inline __u32 nf_ctinfo(const struct sk_buff *skb)
{
	unsigned long nfct = skb->_nfct;

	if (!nfct)
		return VTAX_NET_CT_NONE;
	return (__u32)(nfct & 7);
}

/* vtax's own network namespace, set before load: netfilter elsewhere (a
 * subject's namespace) is labelled netns=own.  A constant, not a map read
 * on every bracket. */
const volatile __u32 vtax_self_netns = 0;

/* nf_prog: called from a SEC("netfilter") program, which may not use task
 * storage on every kernel (6.12 refuses bpf_task_storage_get there): the
 * sender's subject is then looked up without the per-task cache.  A
 * compile-time constant at every call site. */
static __always_inline int nf_close_ts(struct sk_buff *skb, const struct nf_hook_state *state,
				       __u32 stage, const int nf_prog, __u64 now)
{
	struct nf_slot *sl = bpf_map_lookup_elem(&vtax_net_nf_slots, &stage);
	__u64 key = (__u64)skb, ns;
	struct vtax_net_pkt *p;
	struct last_pkt *last;
	struct nf_ent *e;
	__u32 subject, name, hook, v6, l2, zero = 0;

	if (!sl)
		return NF_ACCEPT_;
	e = nf_ent_of(sl, key);
	if (!e || now < e->ts)
		return NF_ACCEPT_;
	ns = now - e->ts;
	e->skb = 0;
	hook = state->hook;
	v6 = state->pf == 10; /* NFPROTO_IPV6 */
	last = bpf_map_lookup_elem(&vtax_net_last, &zero);
	if (last && last->skb == key) {
		if (last->skip)
			return NF_ACCEPT_;
		subject = last->subject;
	} else if ((p = bpf_map_lookup_elem(&vtax_net_pkts, &key))) {
		if (p->skip)
			return NF_ACCEPT_;
		subject = p->subject;
	} else {
		/* before the first device event (LOCAL_OUT, POSTROUTING of a
		 * locally sent packet): place it by the hook's namespace.  The
		 * header is parsed (flow_ok) only for a packet with a subject */
		if (hook == VTAX_NF_LOCAL_OUT) {
			/* OUTPUT runs in the sender's context: its subject */
			struct task_struct *t = bpf_get_current_task_btf();
			__u32 inum = state->net->ns.inum, tsubj = 0;

			if (!nf_prog) {
				struct vtax_task_state *st;

				tsubj = vtax_task_subject(t, &st);
			} else if (!bpf_map_lookup_elem(&vtax_net_netns, &inum)) {
				/* only when the namespace does not name the
				 * subject (net_resolve looks there first) */
				struct vtax_cfg *cfg = vtax_cfg();

				tsubj = cfg ? vtax_subject_lookup(t, cfg) : 0;
			}
			subject = net_resolve(inum, t, tsubj);
		} else if (net_foreign(net_cfg(), state->net->ns.inum)) {
			return NF_ACCEPT_;
		} else {
			subject = net_resolve(state->net->ns.inum, NULL, 0);
		}
		if (!subject || !flow_ok(net_cfg(), skb, skb_nh(skb)))
			return NF_ACCEPT_;
	}
	if (!subject)
		return NF_ACCEPT_;
	l2 = nf_ctinfo(skb);
	name = stage == VTAX_NET_ST_CONNTRACK ? VTAX_NET_CONNTRACK : VTAX_NET_FILTER;
	if (stage == VTAX_NET_ST_NAT) {
		struct nf_conn___vtax *ct = (struct nf_conn___vtax *)(skb->_nfct & ~7UL);
		unsigned long status = 0;

		if (ct && bpf_core_field_exists(ct->status))
			bpf_probe_read_kernel(&status, sizeof(status), &ct->status);

		/* IPS_SRC_NAT | IPS_DST_NAT: the connection is translated */
		name = (status & (16 | 32)) ? VTAX_NET_NAT : VTAX_NET_NAT_MISS;
	}
	{
		__u32 l1 = VTAX_NET_NF_L1(hook, v6);

		if (state->net->ns.inum != vtax_self_netns)
			l1 |= VTAX_NET_NF_L1_OWN_NS;
		vtax_hist_add(subject, VTAX_FAM_NET, name, l1, l2, ns);
	}
	return NF_ACCEPT_;
}

static __always_inline int nf_close_at(struct sk_buff *skb, const struct nf_hook_state *state,
				       __u32 stage, const int nf_prog)
{
	return nf_close_ts(skb, state, stage, nf_prog, bpf_ktime_get_ns());
}

static __always_inline int nf_close(struct bpf_nf_ctx *ctx, __u32 stage)
{
	return nf_close_at(ctx->skb, ctx->state, stage, 1);
}

/* One program between two stages of one hook that have no other hook
 * between them (userspace knows from trace/nf_hooks.h): it ends the first
 * stage and begins the second at the same clock read - one program run and
 * one clock read fewer per packet than a close and an open.  What it spends
 * closing the first stage falls inside the second's interval, as an open's
 * tail and a close's head do in any bracket ("one program run inside each
 * interval", the correction docs/compare.md describes).  Named *_open: for
 * --sample it starts a chain (trace/sample.c vtax_chain_role). */
static __always_inline int nf_step(struct bpf_nf_ctx *ctx, __u32 from, __u32 to)
{
	__u64 now;

	if (nf_skipped(ctx->skb))
		return NF_ACCEPT_;
	now = bpf_ktime_get_ns();

	nf_close_ts(ctx->skb, ctx->state, from, 1, now);
	return nf_open_ts(ctx->skb, ctx->state, to, now);
}

SEC("netfilter")
int vtax_nf_ct_open(struct bpf_nf_ctx *ctx)
{
	return nf_open(ctx, VTAX_NET_ST_CONNTRACK);
}

SEC("netfilter")
int vtax_nf_ct_close(struct bpf_nf_ctx *ctx)
{
	return nf_close(ctx, VTAX_NET_ST_CONNTRACK);
}

SEC("netfilter")
int vtax_nf_nat_open(struct bpf_nf_ctx *ctx)
{
	return nf_open(ctx, VTAX_NET_ST_NAT);
}

SEC("netfilter")
int vtax_nf_nat_close(struct bpf_nf_ctx *ctx)
{
	return nf_close(ctx, VTAX_NET_ST_NAT);
}

SEC("netfilter")
int vtax_nf_filter_open(struct bpf_nf_ctx *ctx)
{
	return nf_open(ctx, VTAX_NET_ST_FILTER);
}

SEC("netfilter")
int vtax_nf_filter_close(struct bpf_nf_ctx *ctx)
{
	return nf_close(ctx, VTAX_NET_ST_FILTER);
}

/* the steps between adjacent stages: conntrack -200 -> NAT -100
 * (PREROUTING, LOCAL_OUT), NAT -100 -> filter 0 (LOCAL_OUT), filter 0 ->
 * NAT +100 (LOCAL_IN) */
SEC("netfilter")
int vtax_nf_ct_nat_open(struct bpf_nf_ctx *ctx)
{
	return nf_step(ctx, VTAX_NET_ST_CONNTRACK, VTAX_NET_ST_NAT);
}

SEC("netfilter")
int vtax_nf_nat_filter_open(struct bpf_nf_ctx *ctx)
{
	return nf_step(ctx, VTAX_NET_ST_NAT, VTAX_NET_ST_FILTER);
}

SEC("netfilter")
int vtax_nf_filter_nat_open(struct bpf_nf_ctx *ctx)
{
	return nf_step(ctx, VTAX_NET_ST_FILTER, VTAX_NET_ST_NAT);
}

/*
 * Kernels without netfilter BPF programs (< 6.4, e.g. Debian 12's 6.1) but
 * with fentry/fexit: the same stages, bracketed at the netfilter entry points
 * every packet of the stage goes through - conntrack: nf_conntrack_in (from
 * the PREROUTING and LOCAL_OUT conntrack hooks); NAT: nf_nat_inet_fn (every
 * NAT hook); filter: nft_do_chain_ipv4 (iptables-nft's filter chains) or
 * iptable_filter_hook (iptables-legacy).  Userspace loads only the pairs
 * whose function this kernel has (/proc/kallsyms), behind the feature probe.
 */
SEC("fentry/nf_conntrack_in")
int BPF_PROG(vtax_fe_ct_open, struct sk_buff *skb, const struct nf_hook_state *state)
{
	VTAX_GATE(START);
	nf_open_at(skb, state, VTAX_NET_ST_CONNTRACK);
	return 0;
}

SEC("fexit/nf_conntrack_in")
int BPF_PROG(vtax_fe_ct_close, struct sk_buff *skb, const struct nf_hook_state *state, int ret)
{
	VTAX_GATE(END);
	nf_close_at(skb, state, VTAX_NET_ST_CONNTRACK, 0);
	return 0;
}

SEC("fentry/nf_nat_inet_fn")
int BPF_PROG(vtax_fe_nat_open, void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	VTAX_GATE(START);
	nf_open_at(skb, state, VTAX_NET_ST_NAT);
	return 0;
}

SEC("fexit/nf_nat_inet_fn")
int BPF_PROG(vtax_fe_nat_close, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state, int ret)
{
	VTAX_GATE(END);
	nf_close_at(skb, state, VTAX_NET_ST_NAT, 0);
	return 0;
}

SEC("fentry/nft_do_chain_ipv4")
int BPF_PROG(vtax_fe_nft_open, void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	VTAX_GATE(START);
	nf_open_at(skb, state, VTAX_NET_ST_FILTER);
	return 0;
}

SEC("fexit/nft_do_chain_ipv4")
int BPF_PROG(vtax_fe_nft_close, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state, int ret)
{
	VTAX_GATE(END);
	nf_close_at(skb, state, VTAX_NET_ST_FILTER, 0);
	return 0;
}

SEC("fentry/iptable_filter_hook")
int BPF_PROG(vtax_fe_ipt_open, void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	VTAX_GATE(START);
	nf_open_at(skb, state, VTAX_NET_ST_FILTER);
	return 0;
}

SEC("fexit/iptable_filter_hook")
int BPF_PROG(vtax_fe_ipt_close, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state, int ret)
{
	VTAX_GATE(END);
	nf_close_at(skb, state, VTAX_NET_ST_FILTER, 0);
	return 0;
}
