// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * net_floor - attach empty BPF programs (bpf/net_floor.bpf.c) on the hooks
 * the net family uses, run argv, detach.  The floor of the net family's
 * cost: what running any program on those hooks costs.
 *   net_floor lean CMD...  the family's hooks (qdisc_dequeue, no start_xmit)
 *   net_floor full CMD...  plus net_dev_start_xmit (the earlier hook set)
 * Netfilter programs go on the same hooks and priorities as the family's
 * brackets (src/trace/probe_net.c), in the caller's network namespace; a taken
 * priority moves one step outwards, as there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "net_floor.skel.h"

#define MAX_LINKS 64

static struct bpf_link *links[MAX_LINKS];
static int nlinks;

static int floor_link(struct bpf_program *prog, int pf, int hook, int start, int step)
{
	for (int i = 0; i < 8 && nlinks < MAX_LINKS; i++) {
		LIBBPF_OPTS(bpf_netfilter_opts, o, .pf = (__u32)pf, .hooknum = (__u32)hook,
			    .priority = start + i * step);
		struct bpf_link *l = bpf_program__attach_netfilter(prog, &o);

		if (!libbpf_get_error(l)) {
			links[nlinks++] = l;
			return 0;
		}
		if (libbpf_get_error(l) != -EBUSY)
			return (int)libbpf_get_error(l);
	}
	return -EBUSY;
}

int main(int argc, char **argv)
{
	/* (hook, kernel priority) of each bracket, as src/trace/probe_net.c */
	static const int br[][2] = {
		{ 0, -200 }, { 3, -200 }, { 0, -100 }, { 3, -100 }, { 4, 100 },
		{ 1, 100 }, { 1, 0 }, { 2, 0 }, { 3, 0 },
	};
	struct net_floor_bpf *skel;
	int status = 0, full, rc = 0;
	pid_t pid;

	if (argc < 3 || (strcmp(argv[1], "lean") && strcmp(argv[1], "full"))) {
		fprintf(stderr, "usage: net_floor lean|full CMD [ARGS...]\n");
		return 2;
	}
	full = !strcmp(argv[1], "full");
	skel = net_floor_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.nfl_start_xmit, full);
	if (net_floor_bpf__load(skel) || net_floor_bpf__attach(skel)) {
		fprintf(stderr, "net_floor: cannot load/attach the empty programs\n");
		net_floor_bpf__destroy(skel);
		return 1;
	}
	for (int pf = 2; pf <= 10 && !rc; pf += 8)
		for (size_t i = 0; i < sizeof(br) / sizeof(br[0]) && !rc; i++) {
			rc = floor_link(skel->progs.nfl_nf, pf, br[i][0], br[i][1] - 1, -1);
			if (!rc)
				rc = floor_link(skel->progs.nfl_nf, pf, br[i][0], br[i][1] + 1, 1);
		}
	if (rc)
		fprintf(stderr, "net_floor: netfilter links: %s (continuing with %d)\n",
			strerror(-rc), nlinks);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], &argv[2]);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	net_floor_bpf__destroy(skel);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
