// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nf_hooks.c - reads bpf/nf_hooks.bpf.c's iterator: the netfilter hooks of
 * the calling thread's network namespace, so the net family brackets only
 * the netfilter stages that are there (see nf_hooks.h).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nf_hooks.skel.h"
#include "trace/nf_hooks.h"
#include "trace/probe_util.h"
#include "trace/session.h"
#include "vtax/net.h"

const struct vtax_nf_stage_hook vtax_nf_stage_hooks[VTAX_NF_STAGE_HOOKS] = {
	{ VTAX_NET_ST_CONNTRACK, VTAX_NF_PRE_ROUTING, -200 },
	{ VTAX_NET_ST_CONNTRACK, VTAX_NF_LOCAL_OUT, -200 },
	{ VTAX_NET_ST_NAT, VTAX_NF_PRE_ROUTING, -100 },
	{ VTAX_NET_ST_NAT, VTAX_NF_LOCAL_OUT, -100 },
	{ VTAX_NET_ST_NAT, VTAX_NF_POST_ROUTING, 100 },
	{ VTAX_NET_ST_NAT, VTAX_NF_LOCAL_IN, 100 },
	{ VTAX_NET_ST_FILTER, VTAX_NF_LOCAL_IN, 0 },
	{ VTAX_NET_ST_FILTER, VTAX_NF_FORWARD, 0 },
	{ VTAX_NET_ST_FILTER, VTAX_NF_LOCAL_OUT, 0 },
};
const int vtax_nf_pfs[2] = { VTAX_NFPROTO_IPV4, VTAX_NFPROTO_IPV6 };

/* as bpf/nf_hooks.bpf.c writes it */
struct nfh_rec {
	unsigned char pf, hook, bpf, truncated;
	int priority;
};

struct vtax_nf_hooks {
	struct nf_hooks_bpf *skel;
};

struct vtax_nf_hooks *vtax_nf_hooks__open(char *err, size_t errlen)
{
	struct vtax_nf_hooks *h = calloc(1, sizeof(*h));
	int rc;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* test-only: a kernel that refuses the program */
	if (vtax_test_unavailable("nf_hooks")) {
		snprintf(err, errlen,
			 "netfilter hook discovery unavailable (simulated: VTAX_TEST_UNAVAILABLE)");
		free(h);
		return NULL;
	}
	h->skel = nf_hooks_bpf__open();
	if (!h->skel) {
		vtax_probe_error(err, errlen, "netfilter hook discovery: open", -errno);
		free(h);
		return NULL;
	}
	rc = nf_hooks_bpf__load(h->skel);
	if (rc) {
		vtax_probe_error(err, errlen, "netfilter hook discovery: load", rc);
		nf_hooks_bpf__destroy(h->skel);
		free(h);
		return NULL;
	}
	return h;
}

int vtax_nf_hooks__read(struct vtax_nf_hooks *h, struct vtax_nf_hook *out, int max)
{
	union bpf_iter_link_info li = { .task.tid = (__u32)gettid() };
	LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &li, .link_info_len = sizeof(li));
	struct bpf_link *l;
	struct nfh_rec r[64];
	int fd, n = 0, rc = 0;
	ssize_t got;

	if (!h)
		return -EINVAL;
	/* the iterator visits only this thread; the program checks it is the
	 * reader (the thread whose namespace is asked about) */
	l = bpf_program__attach_iter(h->skel->progs.vtax_nf_hooks, &o);
	if (!l)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(l));
	if (fd < 0) {
		rc = -errno;
		bpf_link__destroy(l);
		return rc;
	}
	while ((got = read(fd, r, sizeof(r))) > 0) {
		for (size_t i = 0; i < (size_t)got / sizeof(r[0]); i++) {
			if (r[i].bpf || n >= max)
				continue;
			out[n++] = (struct vtax_nf_hook){ .pf = r[i].pf,
							  .hook = r[i].hook,
							  .priority = r[i].priority };
		}
	}
	if (got < 0)
		rc = errno == EINTR ? -EAGAIN : -errno;
	close(fd);
	bpf_link__destroy(l);
	return rc ? rc : n;
}

int vtax_nf_hooks__has(const struct vtax_nf_hook *v, int n, int pf, int hook, int prio)
{
	for (int i = 0; i < n; i++)
		if (v[i].pf == pf && v[i].hook == hook && v[i].priority == prio)
			return 1;
	return 0;
}

int vtax_nf_hooks__between(const struct vtax_nf_hook *v, int n, int pf, int hook, int lo, int hi)
{
	for (int i = 0; i < n; i++)
		if (v[i].pf == pf && v[i].hook == hook && v[i].priority > lo && v[i].priority < hi)
			return 1;
	return 0;
}

int vtax_nf_hooks__stages(const struct vtax_nf_hook *v, int n)
{
	int c = 0;

	for (int p = 0; p < 2; p++)
		for (int i = 0; i < VTAX_NF_STAGE_HOOKS; i++)
			c += vtax_nf_hooks__has(v, n, vtax_nf_pfs[p], vtax_nf_stage_hooks[i].hook,
						vtax_nf_stage_hooks[i].prio);
	return c;
}

void vtax_nf_hooks__close(struct vtax_nf_hooks *h)
{
	if (!h)
		return;
	nf_hooks_bpf__destroy(h->skel);
	free(h);
}
