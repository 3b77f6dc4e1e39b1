// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * spawn.h - run a program with an argv array (never a shell), capture its
 * output, bound it in time: the one fork-and-poll runner of vtax.  Used for
 * docker, ip, iptables, qemu helpers and the external load tools
 * (redis-benchmark, sysbench, fio).
 */
#ifndef VTAX_SPAWN_H
#define VTAX_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct vtax_run_opts {
	const char *stdin_path;        /* file to feed as stdin (default /dev/null) */
	char *err;                     /* stderr capture (optional) */
	size_t errlen;
	double timeout_s;              /* default 60 */
	volatile int *stop;            /* set asynchronously: kill the child, -EINTR */
	int verbose;                   /* print the command line on stderr */
	const char *cwd;               /* directory to run in (default: ours) */
	int stop_signal;               /* on *stop: send this signal to the child's group once
					* and keep reading until it exits (a tool that reports
					* on SIGINT); 0: kill it at once and return -EINTR */
};
/* Run argv; stdout into out (NUL-terminated, may be NULL).  Returns the exit
 * status (0..255; 127: could not exec), -ETIMEDOUT or -EINTR (child and its
 * group killed), or -errno when it could not start. */
int vtax_spawn__run(char *const argv[], char *out, size_t outlen, const struct vtax_run_opts *ro);
/* In a forked child: own process group, fds 0-2 from in/out/err (-1: keep),
 * every other fd closed, exec argv; exits 126/127 on failure. */
void vtax_spawn__exec_child(char *const argv[], int in_fd, int out_fd, int err_fd, const char *cwd)
	__attribute__((noreturn));
/* Is argv[0] on PATH? */
int vtax_spawn__have(const char *prog);

#endif
