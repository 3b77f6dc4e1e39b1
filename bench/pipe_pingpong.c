// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pipe_pingpong - the sched row of `make bench`: two processes hand one
 * byte back and forth over two pipes N times, so every hand-off is a
 * wakeup and a context switch (pin both to one CPU with taskset to make
 * each one a switch).  Prints the wall and the CPU ns per round trip (both
 * processes' CPU time, which includes the BPF programs run in their
 * context and, unlike the wall clock, not other work on a shared host).
 * usage: pipe_pingpong N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int ab[2], ba[2], status = 0;
	struct timespec a, b, ca, cb;
	struct rusage ru;
	char c = 0;
	pid_t pid;

	if (n <= 0 || n > 100000000L) {
		fprintf(stderr, "pipe_pingpong: N must be in 1..1e8\n");
		return 2;
	}
	if (pipe(ab) || pipe(ba)) {
		perror("pipe_pingpong: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("pipe_pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
			fprintf(stderr, "pipe_pingpong: peer gone\n");
			return 1;
		}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%.1f %.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n,
	       ((double)(cb.tv_sec - ca.tv_sec) * 1e9 + (double)(cb.tv_nsec - ca.tv_nsec) +
		((double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3)) / (double)n);
	return 0;
}
