/*
 * floor - attach bpf/bench_floor.bpf.c's empty programs, then run argv and
 * detach when it exits.  The floor of bench/syscall_overhead.sh.
 * usage: floor CMD [ARGS...]
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_floor.skel.h"

int main(int argc, char **argv)
{
	struct bench_floor_bpf *skel;
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: floor CMD [ARGS...]\n");
		return 2;
	}
	skel = bench_floor_bpf__open_and_load();
	if (!skel || bench_floor_bpf__attach(skel)) {
		fprintf(stderr, "floor: cannot load/attach the empty programs\n");
		bench_floor_bpf__destroy(skel);
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], &argv[1]);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	bench_floor_bpf__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
