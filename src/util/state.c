// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * state.c - the per-run record of what vtax changed on the host (see
 * state.h), and the removal of what dead runs left behind.  One home for
 * "is that run still alive" and for "remove a leftover (or, dry, say so)".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/proc.h"
#include "util/spawn.h"
#include "util/state.h"

static int st_fd = -1;
static char st_path[320];
static int st_dry;

static int read_all(int fd, char **out, size_t *outlen);

static const char *state_dir(void)
{
	const char *d = getenv("VTAX_STATE_DIR");

	return d && *d ? d : "/run/vtax";
}

/* Escape tab, newline, CR and '%' so a field is one token on one line. */
static void put_field(char *out, size_t len, size_t *at, const char *s)
{
	for (; s && *s && *at + 4 < len; s++) {
		if (*s == '\t' || *s == '\n' || *s == '\r' || *s == '%')
			*at += (size_t)snprintf(out + *at, len - *at, "%%%02X", (unsigned char)*s);
		else
			out[(*at)++] = *s;
	}
	out[*at] = 0;
}

static int append(const char *line, size_t n)
{
	ssize_t w;

	if (st_fd < 0)
		return -EBADF;
	/* O_APPEND: one write per line; a SIGKILL can cut at most the last one */
	w = write(st_fd, line, n);
	return w == (ssize_t)n ? 0 : w < 0 ? -errno : -EIO;
}

int vtax_state__open(const char *cmd)
{
	char line[256];
	const char *dir = state_dir();
	struct stat sb;
	int fd, n;

	if (st_fd >= 0)
		return 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* root-only, ours, and not a symlink someone planted */
	if (lstat(dir, &sb))
		return -errno;
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022))
		return -EPERM;
	snprintf(st_path, sizeof(st_path), "%s/%d.state", dir, (int)getpid());
	/* a file of a dead run with our PID: undo it first (same PID, another start) */
	if (access(st_path, F_OK) == 0)
		vtax_state__cleanup(NULL, 0);
	fd = open(st_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		int r = -errno;

		st_path[0] = 0;
		return r;
	}
	st_fd = fd;
	n = snprintf(line, sizeof(line), "vtax-state 1 %d %llu %s\n", (int)getpid(),
		     vtax_proc__start_time(getpid()), cmd ? cmd : "-");
	return append(line, (size_t)n);
}

int vtax_state__add(const char *kind, const char *id, char *const undo[])
{
	char line[4096];
	size_t at = 0;

	if (st_fd < 0)
		return 0;
	line[at++] = '+';
	line[at++] = '\t';
	put_field(line, sizeof(line), &at, kind);
	line[at++] = '\t';
	put_field(line, sizeof(line), &at, id);
	for (int i = 0; undo && undo[i] && i < VTAX_STATE_MAX_ARGS && at + 8 < sizeof(line); i++) {
		line[at++] = '\t';
		put_field(line, sizeof(line), &at, undo[i]);
	}
	line[at++] = '\n';
	return append(line, at);
}

int vtax_state__done(const char *kind, const char *id)
{
	char line[512];
	size_t at = 0;

	if (st_fd < 0)
		return 0;
	line[at++] = '-';
	line[at++] = '\t';
	put_field(line, sizeof(line) - 1, &at, kind);
	line[at++] = '\t';
	put_field(line, sizeof(line) - 1, &at, id);
	line[at++] = '\n';
	return append(line, at);
}

static void process_id(int pid, char *id, size_t len)
{
	snprintf(id, len, "%d:%llu", pid, vtax_proc__start_time(pid));
}

int vtax_state__add_process(int pid)
{
	char id[64];

	if (pid <= 0)
		return 0;
	process_id(pid, id, sizeof(id));
	return vtax_state__add("process", id, NULL);
}

int vtax_state__done_process(int pid)
{
	char id[64];

	if (pid <= 0 || st_fd < 0)
		return 0;
	/* after reaping the start time is gone: match on the PID prefix */
	snprintf(id, sizeof(id), "%d:*", pid);
	return vtax_state__done("process", id);
}

static int count_entry(const struct vtax_state_entry *en, void *ctx)
{
	int *n = ctx;
	unsigned long long start;
	int pid;

	if (strcmp(en->kind, "bpf-link") == 0)
		return 0;
	/* a process reaped by someone else (or that never started) is gone */
	if (strcmp(en->kind, "process") == 0 && sscanf(en->id, "%d:%llu", &pid, &start) == 2 &&
	    vtax_proc__start_time(pid) != start)
		return 0;
	(*n)++;
	return 0;
}

int vtax_state__close(void)
{
	char *buf = NULL;
	size_t n = 0;
	int left = 0, pid, fd;
	unsigned long long start;

	if (st_fd < 0)
		return 0;
	close(st_fd);
	st_fd = -1;
	/* prove it: every "+" has its "-", or the file stays for `vtax cleanup` */
	fd = open(st_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && read_all(fd, &buf, &n) == 0)
		vtax_state__parse(buf, n, &pid, &start, count_entry, &left);
	if (fd >= 0)
		close(fd);
	free(buf);
	if (!left)
		unlink(st_path);
	st_path[0] = 0;
	return left;
}

const char *vtax_state__path(void)
{
	return st_path;
}

static int recorded_start(int pid, unsigned long long *start)
{
	char path[320], buf[256];
	ssize_t n;
	int fd, p;

	snprintf(path, sizeof(path), "%s/%d.state", state_dir(), pid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	buf[n] = 0;
	return sscanf(buf, "vtax-state 1 %d %llu", &p, start) == 2 && p == pid ? 0 : -EINVAL;
}

int vtax_state__owner_alive(int pid)
{
	unsigned long long now, rec = 0;

	if (pid <= 0 || pid == (int)getpid())
		return 0;
	now = vtax_proc__start_time(pid);
	if (!now)
		return 0;
	/* a reused PID: the run that recorded this start time is gone */
	if (recorded_start(pid, &rec) == 0 && rec != now)
		return 0;
	return 1;
}

void vtax_state__set_dry_run(int dry)
{
	st_dry = dry;
}

int vtax_state__dry_run(void)
{
	return st_dry;
}

static void report_line(char *report, size_t len, const char *verb, const char *what, const char *id)
{
	size_t l = report ? strlen(report) : 0;

	if (report && len > l)
		snprintf(report + l, len - l, "%s %s %s\n", verb, what, id);
}

int vtax_state__undo(char *const argv[], const char *what, const char *id, char *report, size_t len)
{
	struct vtax_run_opts ro = { .timeout_s = 60 };
	int r;

	if (st_dry) {
		report_line(report, len, "would remove", what, id);
		return 0;
	}
	r = vtax_spawn__run(argv, NULL, 0, &ro);
	if (r == 0)
		report_line(report, len, "removed", what, id);
	return r;
}

/* ---- parsing ---------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unescape_field(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c || o + 1 >= outlen)
			return -EINVAL;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

/* Split line [s, s+n) at tabs into fields; 0 or -EINVAL. */
static int parse_entry(const char *s, size_t n, struct vtax_state_entry *en, int *plus)
{
	size_t start = 2;
	int f = 0;

	if (n < 2 || (s[0] != '+' && s[0] != '-') || s[1] != '\t')
		return -EINVAL;
	*plus = s[0] == '+';
	memset(en, 0, sizeof(*en));
	for (size_t i = 2; i <= n; i++) {
		if (i < n && s[i] != '\t')
			continue;
		if (f == 0) {
			if (unescape_field(s + start, i - start, en->kind, sizeof(en->kind)))
				return -EINVAL;
		} else if (f == 1) {
			if (unescape_field(s + start, i - start, en->id, sizeof(en->id)))
				return -EINVAL;
		} else {
			if (en->argc >= VTAX_STATE_MAX_ARGS - 1 ||
			    unescape_field(s + start, i - start, en->argv[en->argc], sizeof(en->argv[0])))
				return -EINVAL;
			en->argc++;
		}
		f++;
		start = i + 1;
	}
	return f >= 2 && en->kind[0] && en->id[0] ? 0 : -EINVAL;
}

/* "-" entries name a process as "<pid>:*": match any start time */
static int same_entry(const struct vtax_state_entry *a, const struct vtax_state_entry *done)
{
	size_t l = strlen(done->id);

	if (strcmp(a->kind, done->kind))
		return 0;
	if (l >= 2 && done->id[l - 1] == '*' && done->id[l - 2] == ':')
		return strncmp(a->id, done->id, l - 1) == 0;
	return strcmp(a->id, done->id) == 0;
}

#define STATE_MAX_ENTRIES 1024

int vtax_state__parse(const char *buf, size_t len, int *pid, unsigned long long *start,
		      int (*fn)(const struct vtax_state_entry *en, void *ctx), void *ctx)
{
	struct vtax_state_entry *ens, tmp;
	char head[128];
	size_t at, nl;
	int n = 0, plus, ret = 0;
	char *done;

	nl = 0;
	while (nl < len && buf[nl] != '\n')
		nl++;
	if (nl >= len || nl >= sizeof(head))
		return -EINVAL;
	memcpy(head, buf, nl);
	head[nl] = 0;
	if (sscanf(head, "vtax-state 1 %d %llu", pid, start) != 2 || *pid <= 0)
		return -EINVAL;
	int cap = 16;

	ens = malloc((size_t)cap * sizeof(*ens));
	done = calloc((size_t)cap, 1);
	if (!ens || !done) {
		free(ens);
		free(done);
		return -ENOMEM;
	}
	for (at = nl + 1; at < len;) {
		size_t e = at;

		while (e < len && buf[e] != '\n')
			e++;
		/* a line cut by SIGKILL has no newline: ignored */
		if (e >= len)
			break;
		if (parse_entry(buf + at, e - at, &tmp, &plus) == 0) {
			if (plus && n == cap && cap < STATE_MAX_ENTRIES) {
				struct vtax_state_entry *ne = realloc(ens, (size_t)cap * 2 * sizeof(*ens));
				char *nd = ne ? realloc(done, (size_t)cap * 2) : NULL;

				if (ne)
					ens = ne;
				if (nd) {
					done = nd;
					memset(done + cap, 0, (size_t)cap);
					cap *= 2;
				}
			}
			if (plus && n < cap) {
				ens[n++] = tmp;
			} else if (!plus) {
				for (int i = n - 1; i >= 0; i--) {
					if (!done[i] && same_entry(&ens[i], &tmp)) {
						done[i] = 1;
						break;
					}
				}
			}
		}
		at = e + 1;
	}
	for (int i = n - 1; i >= 0 && !ret; i--)
		if (!done[i] && fn)
			ret = fn(&ens[i], ctx);
	free(ens);
	free(done);
	return ret;
}

/* ---- cleanup of dead runs --------------------------------------------- */

struct undo_ctx {
	char *report;
	size_t len;
	int n, failed;
};

static int undo_entry(const struct vtax_state_entry *en, void *ctx)
{
	struct undo_ctx *u = ctx;
	char *argv[VTAX_STATE_MAX_ARGS + 1];

	if (strcmp(en->kind, "bpf-link") == 0)
		return 0; /* released by the kernel with the process */
	if (strcmp(en->kind, "process") == 0) {
		int pid = 0;
		unsigned long long start = 0;

		if (sscanf(en->id, "%d:%llu", &pid, &start) != 2 || pid <= 1)
			return 0;
		if (!start || vtax_proc__start_time(pid) != start)
			return 0; /* gone, or the PID is someone else's now */
		if (st_dry) {
			report_line(u->report, u->len, "would kill", "process", en->id);
		} else {
			if (getpgid(pid) == pid)
				kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			report_line(u->report, u->len, "killed", "process", en->id);
		}
		u->n++;
		return 0;
	}
	if (strcmp(en->kind, "path") == 0) {
		char *rm[] = { "rm", "-rf", "--one-file-system", "--", (char *)en->id, NULL };

		if (en->id[0] != '/' || access(en->id, F_OK))
			return 0;
		if (vtax_state__undo(rm, "path", en->id, u->report, u->len) == 0)
			u->n++;
		else
			u->failed++;
		return 0;
	}
	if (!en->argc)
		return 0;
	for (int i = 0; i < en->argc; i++)
		argv[i] = (char *)en->argv[i];
	argv[en->argc] = NULL;
	/* an undo that fails because the object is already gone is fine */
	if (vtax_state__undo(argv, en->kind, en->id, u->report, u->len) == 0)
		u->n++;
	return 0;
}

static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap);
	ssize_t r;

	if (!b)
		return -ENOMEM;
	while ((r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = cap < (64u << 20) ? realloc(b, cap * 2) : NULL;

			if (!nb) {
				free(b);
				return -EFBIG;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (r < 0) {
		free(b);
		return -errno;
	}
	b[n] = 0; /* n < cap: the buffer grows when full */
	*out = b;
	*outlen = n;
	return 0;
}

int vtax_state__cleanup(char *report, size_t len)
{
	const char *dir = state_dir();
	struct dirent *de;
	int total = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct undo_ctx u = { .report = report, .len = len };
		char path[600], *buf = NULL;
		unsigned long long start = 0;
		size_t n = 0;
		int pid = 0, fd;

		if (!strstr(de->d_name, ".state") || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (st_fd >= 0 && strcmp(path, st_path) == 0)
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read_all(fd, &buf, &n)) {
			close(fd);
			continue;
		}
		close(fd);
		/* the head names the run; a live run (same start time) is never touched */
		if (sscanf(buf, "vtax-state 1 %d %llu", &pid, &start) == 2 && pid > 0 &&
		    pid != (int)getpid() && vtax_proc__start_time(pid) == start) {
			free(buf);
			continue;
		}
		vtax_state__parse(buf, n, &pid, &start, undo_entry, &u);
		free(buf);
		total += u.n;
		if (!st_dry && !u.failed) {
			unlink(path);
			report_line(report, len, "removed", "state file", path);
		} else if (st_dry) {
			report_line(report, len, "would remove", "state file", path);
		}
	}
	closedir(d);
	return total;
}
