// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cause.h - the causes of the tax ledger, as ids.  One home for them:
 * each probe family tags its own series with a cause when it decodes
 * them (struct vtax_probe_ops.cause, beside .decode in src/trace/probe_*.c),
 * the tag travels with the series (struct vtax_series.cause, and "cause"
 * in the result JSON, docs/json.md), and the ledger (src/compare/ledger.c)
 * only adds up series by tag.  Renaming a series or a label therefore never
 * moves time from one cause to another.
 */
#ifndef VTAX_CAUSE_H
#define VTAX_CAUSE_H

enum vtax_cause {
	VTAX_CAUSE_NONE = -1, /* on no cause's account (the default) */
	VTAX_CAUSE_NAT = 0,   /* net: NAT + conntrack (netfilter) */
	VTAX_CAUSE_HOPS,      /* net: bridge + veth and other hops */
	VTAX_CAUSE_FILTER,    /* net: netfilter filter table (Docker's chains) */
	VTAX_CAUSE_PROXY,     /* net: docker-proxy relays (userland proxy) */
	VTAX_CAUSE_FS,	      /* syscall totals on overlay files */
	VTAX_CAUSE_BLK,	      /* blk: block I/O */
	VTAX_CAUSE_RUNQ,      /* sched.runq */
	VTAX_CAUSE_STEAL,     /* sched.steal (a vCPU thread's run-queue wait) */
	VTAX_CAUSE_KVM_EXIT,  /* kvm.exit by reason */
	VTAX_CAUSE_VMM,	      /* kvm.userspace: VMM userspace emulation */
	VTAX_CAUSE_TCG,	      /* vCPU thread on-CPU time under TCG (counter, no series) */
	VTAX_CAUSE__COUNT,
	/* Not a cause: the native side of VTAX_CAUSE_FS, syscall totals on a
	 * data filesystem (ext4, xfs, ...; not sockets, pipes, proc, ...). */
	VTAX_CAUSE_FS_REF = VTAX_CAUSE__COUNT,
	/* Not a cause by itself: a packet waiting in a socket for its reader
	 * (net.sock_queue), i.e. the reader's wake-up.  The server's and the
	 * client's are on native's path too (and their run-queue wait is
	 * sched.runq); the ledger charges it to docker-proxy when the reader
	 * is docker-proxy (src/compare/ledger.c, series_cause). */
	VTAX_CAUSE_READ_WAIT,
	VTAX_CAUSE__END
};

/* "nat", "hops", ..., "fs_ref"; NULL for NONE or out of range */
const char *vtax_cause__key(int cause);
/* the id of a key, VTAX_CAUSE_NONE if unknown (or NULL) */
int vtax_cause__from_key(const char *key);

#endif
