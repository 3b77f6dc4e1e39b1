// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cli.c - helpers every subcommand shares: one-line errors, signals,
 * option parsing of durations, and the preflight checks of tracing
 * commands (root, BTF, tracefs, memlock).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <getopt.h>
#include "cmd/cli.h"
#include "trace/probe_util.h"
#include "util/parse.h"

volatile sig_atomic_t vtax_stop;
int vtax_verbose;

int vtax_die(const char *fmt, ...)
{
	va_list ap;

	fputs("vtax: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

void vtax_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("vtax: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double vtax_parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	return v;
}

static void on_signal(int sig)
{
	(void)sig;
	vtax_stop = 1;
}

void vtax_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		/* a verifier rejection comes as one warning holding the log */
		char *msg = NULL;
		va_list cp;

		va_copy(cp, ap);
		if (vasprintf(&msg, fmt, cp) >= 0) {
			vtax_bpf_log_note(msg);
			if (vtax_verbose)
				fputs(msg, stderr);
		}
		va_end(cp);
		free(msg);
		return 0;
	}
	if (!vtax_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void vtax_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_log);
}

int vtax_preflight(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct statfs sfs;

	if (geteuid() != 0) {
		vtax_die("must run as root (BPF tracing needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		vtax_die("this kernel has no BTF (/sys/kernel/btf/vmlinux missing): CO-RE probes cannot load");
		return -ENOENT;
	}
	/* tracefs is not mounted at boot on some hosts; tp_btf does not need
	 * it, but event formats and doctor's checks do */
	if (statfs("/sys/kernel/tracing", &sfs) == 0 && sfs.f_type != 0x74726163 /* TRACEFS */ &&
	    mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && vtax_verbose)
		vtax_warn("cannot mount tracefs: %s", strerror(errno));
	setrlimit(RLIMIT_MEMLOCK, &rl);
	return 0;
}


int vtax_bad_option(char **argv, const char *optstring)
{
	const char *cmd = argv[0], *arg = optind > 0 ? argv[optind - 1] : "";

	if (optopt >= 256 || (optopt > 0 && strchr(optstring, optopt)))
		return vtax_die("%s: option '%s' needs a value (see vtax %s --help)", cmd, arg, cmd);
	if (optopt > 0)
		return vtax_die("%s: unknown option '-%c' (see vtax %s --help)", cmd, optopt, cmd);
	return vtax_die("%s: unknown option '%s' (see vtax %s --help)", cmd, arg, cmd);
}

int vtax_parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	if (vtax_parse_int(s, lo, hi, out))
		return vtax_die("--%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, s);
	return 0;
}
