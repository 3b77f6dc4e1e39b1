// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * clientnet.h - the "remote" client of `vtax compare --client remote`.
 *
 * The IBM study's load generator ran on another machine: its requests
 * entered the host on a NIC, so Docker's published port was reached through
 * PREROUTING DNAT, FORWARD and the bridge.  A client on the host itself
 * takes OUTPUT DNAT instead.  vtax reproduces the remote path without a
 * second machine: a network namespace of its own (vtax-cli-<pid>) behind a
 * veth pair, on a /30 of 198.19.255.0/24, with a route to everything
 * through the host.  Every environment is reached from there: native and
 * docker-host on the host's end of the veth, docker-nat on a port Docker
 * publishes on that address, the vm through the host's forwarding.
 *
 * What setup creates (namespace, veth, FORWARD rules for the vm bridge,
 * ip_forward when it was off) teardown removes; cleanup_stale removes what
 * a killed run left (namespaces vtax-cli-<pid> whose pid is gone).
 */
#ifndef VTAX_CLIENTNET_H
#define VTAX_CLIENTNET_H

#include <stddef.h>

struct vtax_clientnet {
	char ns[32];          /* vtax-cli-<pid>, in /run/netns */
	char host_if[16];     /* host end of the veth: vtaxc<pid> */
	char host_addr[16];   /* the host's address facing the client */
	char client_addr[16]; /* the client's address */
	int ns_fd;            /* open namespace, -1 */
	unsigned long ns_ino; /* its inode: the client subject's netns */
	int made_ns, made_link, set_forward;
	int nrules;
	char rules[4][64];    /* FORWARD rules we appended: "-i IF -o BR" */
};

/* 0 or -errno (err says why; nothing is left behind on failure). */
int vtax_clientnet__setup(struct vtax_clientnet *cn, char *err, size_t errlen);
/* Let the client reach a bridge through FORWARD (the vm's): 0 or -errno. */
int vtax_clientnet__allow_bridge(struct vtax_clientnet *cn, const char *bridge, char *err, size_t errlen);
/* Withdraw what allow_bridge added for that bridge. */
void vtax_clientnet__forget_bridge(struct vtax_clientnet *cn, const char *bridge);
/* Move the calling thread into the client's namespace: 0 or -errno. */
int vtax_clientnet__enter(const struct vtax_clientnet *cn);
/* Idempotent. */
void vtax_clientnet__teardown(struct vtax_clientnet *cn);
/* Remove namespaces vtax-cli-<pid> of dead pids; appends a line per removal. */
int vtax_clientnet__cleanup_stale(char *report, size_t len);

#endif
