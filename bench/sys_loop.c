// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sys_loop - the getppid row of `make bench`: N raw getppid syscalls;
 * prints the wall and the thread's CPU ns per call.  BPF programs on the
 * syscall hooks run in this thread and are charged to its CPU time, which,
 * unlike the wall clock, does not grow when other work on a shared host
 * preempts the loop: the CPU figure is what bench/report.py ranks.
 * usage: sys_loop N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	double w0, c0, w1, c1;

	if (n <= 0 || n > 1000000000L) {
		fprintf(stderr, "sys_loop: N must be in 1..1e9\n");
		return 2;
	}
	w0 = ns(CLOCK_MONOTONIC);
	c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	c1 = ns(CLOCK_THREAD_CPUTIME_ID);
	w1 = ns(CLOCK_MONOTONIC);
	printf("%.1f %.1f\n", (w1 - w0) / (double)n, (c1 - c0) / (double)n);
	return 0;
}
