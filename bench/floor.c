// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * floor - attach reference BPF programs (bpf/bench_floor.bpf.c) on the
 * tracepoints the syscall and sched families use, run argv, detach.
 *   floor empty CMD...   empty programs: the cost of running any program
 *   floor timing CMD...  plus the least latency probe: two clock reads and
 *                        a task-storage slot on sys_enter/sys_exit
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_floor.skel.h"

int main(int argc, char **argv)
{
	struct bench_floor_bpf *skel;
	int status = 0, timing;
	pid_t pid;

	if (argc < 3 || (strcmp(argv[1], "empty") && strcmp(argv[1], "timing"))) {
		fprintf(stderr, "usage: floor empty|timing CMD [ARGS...]\n");
		return 2;
	}
	timing = !strcmp(argv[1], "timing");
	skel = bench_floor_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.floor_sys_enter, !timing);
	bpf_program__set_autoload(skel->progs.floor_sys_exit, !timing);
	bpf_program__set_autoload(skel->progs.timing_sys_enter, timing);
	bpf_program__set_autoload(skel->progs.timing_sys_exit, timing);
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
