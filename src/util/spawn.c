// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * spawn.c - fork/exec an argv (never a shell) with captured stdout and
 * stderr, a deadline and a stop flag; the child gets its own process
 * group (killed whole on timeout) and none of our file descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "util/clock.h"
#include "util/spawn.h"

/* Append up to what fits, always NUL-terminated. */
static void buf_append(char *b, size_t cap, size_t *len, const char *src, size_t n)
{
	if (!b || !cap)
		return;
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(b + *len, src, n);
	*len += n;
	b[*len] = 0;
}

void vtax_spawn__exec_child(char *const argv[], int in_fd, int out_fd, int err_fd, const char *cwd)
{
	setpgid(0, 0);
	if (cwd && chdir(cwd))
		_exit(126);
	if (in_fd >= 0)
		dup2(in_fd, 0);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	if (err_fd >= 0)
		dup2(err_fd, 2);
	/* Close everything else: no fd of ours leaks into docker/qemu. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

int vtax_spawn__run(char *const argv[], char *out, size_t outlen, const struct vtax_run_opts *ro)
{
	int op[2], ep[2], in_fd, status = 0, ret;
	size_t olen = 0, elen = 0;
	double deadline = vtax_now_s() + (ro->timeout_s > 0 ? ro->timeout_s : 60);
	pid_t pid;

	if (out && outlen)
		out[0] = 0;
	if (ro->err && ro->errlen)
		ro->err[0] = 0;
	if (ro->verbose) {
		fprintf(stderr, "vtax: run:");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	in_fd = open(ro->stdin_path ? ro->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0)
		return -errno;
	if (pipe2(op, O_CLOEXEC)) {
		ret = -errno;
		close(in_fd);
		return ret;
	}
	if (pipe2(ep, O_CLOEXEC)) {
		ret = -errno;
		close(in_fd);
		close(op[0]);
		close(op[1]);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(in_fd);
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		return ret;
	}
	if (pid == 0)
		vtax_spawn__exec_child(argv, in_fd, op[1], ep[1], ro->cwd);
	close(in_fd);
	close(op[1]);
	close(ep[1]);

	struct pollfd pf[2] = { { .fd = op[0], .events = POLLIN }, { .fd = ep[0], .events = POLLIN } };
	int open_fds = 2, signalled = 0;

	ret = 0;
	while (open_fds > 0) {
		if (ro->stop && *ro->stop && ro->stop_signal) {
			if (!signalled && kill(-pid, ro->stop_signal))
				kill(pid, ro->stop_signal); /* not its own group yet */
			signalled = 1;
		} else if (ro->stop && *ro->stop) {
			ret = -EINTR;
			break;
		}
		double left = deadline - vtax_now_s();

		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		int n = poll(pf, 2, left > 0.1 ? 100 : (int)(left * 1000) + 1);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < 2 && n > 0; i++) {
			char buf[4096];
			ssize_t r;

			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pf[i].fd, buf, sizeof(buf));
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0)
				buf_append(out, outlen, &olen, buf, r);
			else
				buf_append(ro->err, ro->errlen, &elen, buf, r);
		}
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	if (ret < 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return ret;
	}
	/* Pipes closed: the child is exiting; still bound the wait. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (vtax_now_s() > deadline || (ro->stop && *ro->stop && !ro->stop_signal)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return ro->stop && *ro->stop && !ro->stop_signal ? -EINTR : -ETIMEDOUT;
		}
		usleep(5000);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int vtax_spawn__have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL, *dir;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char p[4200];

		snprintf(p, sizeof(p), "%s/%s", dir, prog);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}
