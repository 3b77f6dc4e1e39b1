/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * net.h - the net probe family's keys, shared by bpf/net.bpf.c and
 * src/trace/probe_net.c.
 *
 * Histogram keys (family VTAX_FAM_NET):
 *   hops      name = enum vtax_net_hop, l1 = VTAX_NET_L1(devkind, dir, bport),
 *             l2 = inode of the network namespace the hop ran in
 *   netfilter name = CONNTRACK/NAT/NAT_MISS/FILTER, l1 = VTAX_NET_NF_L1(hook, v6),
 *             l2 = conntrack state (enum vtax_net_ct) seen when leaving
 *   drops     name = DROP, l1 = kernel skb_drop_reason, l2 = VTAX_NET_DROP_L2(hop,
 *             devkind, nf stage); value = time since the packet's last event
 *   end-to-end name = PATH, l1 = dir: socket send (or first device) to the
 *             copy to user
 */
#ifndef VTAX_NET_H
#define VTAX_NET_H

#include "vtax/hist.h"

/* A hop is the interval that starts at one event and ends at the next. */
enum vtax_net_hop {
	VTAX_NET_HOP_SEND = 1,   /* send syscall -> net_dev_queue: TCP/IP tx stack */
	VTAX_NET_HOP_QDISC = 2,  /* net_dev_queue -> qdisc_dequeue (real qdiscs only) */
	VTAX_NET_HOP_XMIT = 3,   /* queue/dequeue -> peer's netif_rx (veth, lo crossing) */
	VTAX_NET_HOP_BACKLOG = 4, /* netif_rx -> netif_receive_skb (softirq backlog) */
	VTAX_NET_HOP_FORWARD = 5, /* netif_receive_skb -> net_dev_queue (bridge/route) */
	VTAX_NET_HOP_RXSTACK = 6, /* netif_receive_skb -> TCP socket (IP, LOCAL_IN) */
	VTAX_NET_HOP_UPPER = 7,  /* netif_receive_skb(port) -> netif_receive_skb(upper dev) */
	VTAX_NET_HOP_SOCKQ = 8,  /* in the socket queue -> copied to user */
	VTAX_NET_HOP_MAX,
	/* non-hop names */
	VTAX_NET_CONNTRACK = 16,
	VTAX_NET_NAT = 17,       /* nat hook on a connection that is NATed */
	VTAX_NET_NAT_MISS = 18,  /* nat hook on a connection without NAT (lookup only) */
	VTAX_NET_FILTER = 19,
	VTAX_NET_DROP = 20,
	VTAX_NET_PATH = 21,
	VTAX_NET_PROXY = 22,     /* docker-proxy relay: its copy-to-user of a message ->
				  * the relayed copy queued on a device; l1 =
				  * VTAX_NET_L1(kind the message came from, dir, 0) */
};

/* events of a packet's chain (the state a packet is in) */
enum vtax_net_ev {
	VTAX_NET_EV_NONE = 0,
	VTAX_NET_EV_QUEUE = 1,   /* net_dev_queue */
	VTAX_NET_EV_XMIT = 2,    /* qdisc_dequeue: left a real qdisc */
	VTAX_NET_EV_RX = 3,      /* netif_rx */
	VTAX_NET_EV_RECV = 4,    /* netif_receive_skb */
	VTAX_NET_EV_SOCK = 5,    /* tcp_probe: in the TCP socket */
	VTAX_NET_EV_MAX,
};

enum vtax_net_devkind {
	VTAX_NET_DEV_UNKNOWN = 0,
	VTAX_NET_DEV_LOOPBACK,
	VTAX_NET_DEV_VETH,
	VTAX_NET_DEV_BRIDGE,
	VTAX_NET_DEV_TAP,
	VTAX_NET_DEV_TUN,
	VTAX_NET_DEV_PHYSICAL,
	VTAX_NET_DEV_TUNNEL,     /* vxlan, geneve, gre, ipip, sit, wireguard */
	VTAX_NET_DEV_OTHER,      /* macvlan, ipvlan, bond, dummy, ... */
	VTAX_NET_DEV_MAX,
};

enum vtax_net_dir { VTAX_NET_DIR_TX = 0, VTAX_NET_DIR_RX = 1 };

#define VTAX_NET_L1(kind, dir, bport) ((kind) | ((dir) << 8) | ((bport) << 9))
#define VTAX_NET_L1_KIND(l1) ((l1) & 0xff)
#define VTAX_NET_L1_DIR(l1) (((l1) >> 8) & 1)
#define VTAX_NET_L1_BPORT(l1) (((l1) >> 9) & 1)

/* netfilter hooks as the kernel numbers them (enum nf_inet_hooks) */
enum vtax_net_nf_hook {
	VTAX_NF_PRE_ROUTING = 0, VTAX_NF_LOCAL_IN = 1, VTAX_NF_FORWARD = 2,
	VTAX_NF_LOCAL_OUT = 3, VTAX_NF_POST_ROUTING = 4, VTAX_NF_HOOK_MAX = 5,
};
#define VTAX_NET_NF_L1(hook, v6) ((hook) | ((v6) << 4))
/* the hook ran in the subject's own namespace (a container's), not the host's */
#define VTAX_NET_NF_L1_OWN_NS (1u << 5)

/* stages bracketed by netfilter programs */
enum vtax_net_stage {
	VTAX_NET_ST_CONNTRACK = 0, VTAX_NET_ST_NAT = 1, VTAX_NET_ST_FILTER = 2,
	VTAX_NET_ST_MAX = 3,
};

/* conntrack info of the skb after the stage (enum ip_conntrack_info + untracked) */
enum vtax_net_ct {
	VTAX_NET_CT_ESTABLISHED = 0, VTAX_NET_CT_RELATED = 1, VTAX_NET_CT_NEW = 2,
	VTAX_NET_CT_REPLY = 3, VTAX_NET_CT_UNTRACKED = 7, VTAX_NET_CT_NONE = 8,
};

/* drop l2: last event (hop that lost it), its device kind, netfilter stage+1 and hook */
#define VTAX_NET_DROP_L2(ev, kind, nfst, nfhook) \
	((ev) | ((kind) << 8) | ((nfst) << 16) | ((nfhook) << 24))

/* packets and bytes per subject and direction (per-CPU array value, index
 * VTAX_NET_COUNT_IDX; subjects with larger ids have no counters) */
#define VTAX_NET_COUNT_MAX 8192
#define VTAX_NET_COUNT_IDX(subject, dir) ((subject) * 2 + (dir))
struct vtax_net_count {
	vtax_u64 packets;
	vtax_u64 bytes;
	vtax_u64 delivered; /* chains that reached a copy to user */
};

/* flow filter and options (one entry array map) */
struct vtax_net_cfg {
	vtax_u32 port;      /* 0: any; else either TCP/UDP port must match */
	vtax_u32 proto;     /* 0: any; else IPPROTO_TCP/UDP/ICMP... */
	vtax_u32 use_sys_ts; /* the syscall family is loaded: its sys_ts starts sends */
	vtax_u32 init_netns; /* inode of the initial network namespace */
	vtax_u32 nproxy;    /* entries in vtax_net_proxy (0: skip the proxy lookups) */
	vtax_u32 pad;
};

#endif
