// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * floor - attach the reference BPF programs of bpf/bench_floor.bpf.c, run
 * argv, detach: the yardsticks bench/bench.sh sets vtax's cost against.
 *   floor empty CMD...   empty programs on the syscall + sched hooks
 *   floor esched CMD...  empty programs on the sched hooks only (kv's plan
 *                        has no syscall family: bench.sh runs it under
 *                        net_floor for that plan's floor)
 *   floor least CMD...   the least syscall latency probe (sys_enter/exit)
 *   floor lrunq CMD...   the least run-queue latency probe (wakeup/switch)
 * ("timing" is kept as an alias of "least" for older scripts.)
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_floor.skel.h"

int main(int argc, char **argv)
{
	struct bench_floor_bpf *skel;
	int status = 0, empty, esched, least, lrunq;
	pid_t pid;

	empty = argc >= 3 && !strcmp(argv[1], "empty");
	esched = argc >= 3 && !strcmp(argv[1], "esched");
	least = argc >= 3 && (!strcmp(argv[1], "least") || !strcmp(argv[1], "timing"));
	lrunq = argc >= 3 && !strcmp(argv[1], "lrunq");
	if (!empty && !esched && !least && !lrunq) {
		fprintf(stderr, "usage: floor empty|esched|least|lrunq CMD [ARGS...]\n");
		return 2;
	}
	skel = bench_floor_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.floor_sys_enter, empty);
	bpf_program__set_autoload(skel->progs.floor_sys_exit, empty);
	bpf_program__set_autoload(skel->progs.floor_switch, empty || esched);
	bpf_program__set_autoload(skel->progs.floor_wakeup, empty || esched);
	bpf_program__set_autoload(skel->progs.floor_wakeup_new, empty || esched);
	bpf_program__set_autoload(skel->progs.floor_fork, empty || esched);
	bpf_program__set_autoload(skel->progs.floor_exit, empty || esched);
	bpf_program__set_autoload(skel->progs.least_sys_enter, least);
	bpf_program__set_autoload(skel->progs.least_sys_exit, least);
	bpf_program__set_autoload(skel->progs.lrunq_wakeup, lrunq);
	bpf_program__set_autoload(skel->progs.lrunq_switch, lrunq);
	if (bench_floor_bpf__load(skel) || bench_floor_bpf__attach(skel)) {
		fprintf(stderr, "floor: cannot load/attach the reference programs\n");
		bench_floor_bpf__destroy(skel);
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], &argv[2]);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	bench_floor_bpf__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
