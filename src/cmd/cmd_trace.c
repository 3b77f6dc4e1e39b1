// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_trace.c - `vtax run` and `vtax attach`: open a session, name the
 * subjects, wait (live summary per --interval), collect, report.
 *
 * Ends on Ctrl-C/SIGTERM, --duration, or when every PID target has exited
 * (run: when the command exits).  Every exit path closes the session,
 * which detaches every BPF link: nothing stays attached.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "util/clock.h"
#include "cmd/cli.h"
#include "export/export.h"
#include "util/output.h"
#include "util/state.h"
#include "result/report_text.h"
#include "result/result_json.h"
#include "trace/sample.h"
#include "trace/session.h"
#include "trace/targets.h"

struct trace_opts {
	unsigned probes;
	double duration, interval;
	const char *format, *output;
	int hist, top;
	uint32_t max_hists;
	int net_port, net_proto; /* net family flow filter */
	int no_sock_queue;         /* --no-sock-queue */
	struct vtax_targets t;
	struct vtax_intervals *iv; /* attach: per-interval histograms (export.h) */
	int sample;                /* --sample or --sample-netfilter given: sp holds it */
	struct vtax_sample_spec sp;
	const char *ready_file;    /* --ready-file: written once tracing is on */
	int ready_made;            /* 1: we created it (a regular file): remove it */
};

enum { OPT_PROBES = 256, OPT_MAX_HISTS, OPT_TOP, OPT_PORT, OPT_PROTO, OPT_SAMPLE, OPT_SAMPLE_NF,
       OPT_READY_FILE, OPT_NO_SOCKQ };

static const struct option trace_long[] = {
	{ "probes", required_argument, 0, OPT_PROBES },
	{ "duration", required_argument, 0, 'd' },
	{ "interval", required_argument, 0, 'i' },
	{ "format", required_argument, 0, 'f' },
	{ "output", required_argument, 0, 'o' },
	{ "hist", no_argument, 0, 'H' },
	{ "top", required_argument, 0, OPT_TOP },
	{ "max-hists", required_argument, 0, OPT_MAX_HISTS },
	{ "port", required_argument, 0, OPT_PORT },
	{ "proto", required_argument, 0, OPT_PROTO },
	{ "no-sock-queue", no_argument, 0, OPT_NO_SOCKQ },
	{ "sample", required_argument, 0, OPT_SAMPLE },
	{ "sample-netfilter", required_argument, 0, OPT_SAMPLE_NF },
	{ "ready-file", required_argument, 0, OPT_READY_FILE },
	{ "pid", required_argument, 0, 'p' },
	{ "cgroup", required_argument, 0, 'c' },
	{ "container", required_argument, 0, 'C' },
	{ "all", no_argument, 0, 'a' },
	{ "vm", required_argument, 0, 'V' },
	{ "verbose", no_argument, 0, 'v' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const char run_usage[] =
	"usage: vtax run [options] -- CMD [ARGS...]\n"
	"Start CMD, trace it and every descendant from exec to exit, then report.\n"
	"\n"
	"  --probes LIST     families to load (default: all): sched,syscall,net,blk,kvm\n"
	"  -d, --duration S  stop after S seconds (CMD is sent SIGTERM)\n"
	"  -i, --interval S  print a live summary every S seconds (stderr)\n"
	"  -f, --format F    text (default), json, csv, openmetrics,\n"
	"                    gnuplot or html (docs/export.md)\n"
	"  -o, --output FILE write the report to FILE (atomically)\n"
	"  -H, --hist        bar histograms under each row (text)\n"
	"      --top N       rows per family and subject (text, default 20)\n"
	"  -v, --verbose     libbpf and probe diagnostics on stderr\n"
	"      --port N      net probes: only packets to or from TCP/UDP port N\n"
	"      --proto P     net probes: only tcp, udp, icmp, or an IP protocol number\n"
	"      --no-sock-queue  net probes: no socket-queue hop (net.sock_queue, net.path):\n"
	"                    one program run less per received packet\n"
	"      --sample S    trace in random windows only, programs gated between them:\n"
	"                    5% (10 ms windows) or ON/PERIOD such as 10ms/200ms;\n"
	"                    counts scaled by 1/measured fraction (docs/sampling.md)\n"
	"      --sample-netfilter S  the same for the netfilter brackets only (the\n"
	"                    costliest per packet): every other probe traces whole\n"
	"      --ready-file F once every probe is attached and the targets are\n"
	"                    traced, write \"ready pid=N subjects=M\" to F (a file,\n"
	"                    removed when tracing ends, or a FIFO a script reads)\n"
	"\n"
	"example: vtax run -- redis-benchmark -q -n 10000\n";

static const char attach_usage[] =
	"usage: vtax attach TARGETS [options]\n"
	"Attach to running workloads and report where their time goes.\n"
	"\n"
	"targets (repeatable, combinable):\n"
	"  -p, --pid PID          a process, its threads and its future children\n"
	"  -c, --cgroup PATH      a cgroup directory (v1 hierarchy or v2)\n"
	"  -C, --container NAME   a Docker container, by name or ID\n"
	"  -a, --all              the whole host, per container and VM plus \"host\"\n"
	"  -V, --vm PID           a VMM (QEMU...) process: subject vm:PID, vCPU threads marked\n"
	"options: as for `vtax run` (--probes, --duration, --interval, --format,\n"
	"  --output, --hist, --top, --verbose, --port, --proto, --no-sock-queue,\n"
	"  --sample, --sample-netfilter, --ready-file)\n"
	"Ends on Ctrl-C, --duration, or when every PID target has exited.\n"
	"\n"
	"example: vtax attach --container web --duration 10 --format json -o web.json\n";

static int parse_trace(int argc, char **argv, struct trace_opts *o, int attach)
{
	char err[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->format = "text";
	o->probes = vtax_probe__default_mask();
	const char *optstring = attach ? "+d:i:f:o:Hp:c:C:V:avh" : "+d:i:f:o:Hvh";

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's and the usage */
	while ((c = getopt_long(argc, argv, optstring, trace_long, NULL)) != -1) {
		switch (c) {
		case OPT_PROBES:
			if (vtax_probe__parse_list(optarg, &o->probes, err, sizeof(err)))
				return vtax_die("%s", err);
			break;
		case 'd':
			o->duration = vtax_parse_seconds(optarg);
			if (o->duration <= 0)
				return vtax_die("--duration: not a positive number of seconds: '%s'", optarg);
			break;
		case 'i':
			o->interval = vtax_parse_seconds(optarg);
			if (o->interval <= 0)
				return vtax_die("--interval: not a positive number of seconds: '%s'", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && !vtax_export__known(optarg))
				return vtax_die("--format: unknown format '%s' (text, json, csv, "
						"openmetrics, gnuplot, html)", optarg);
			o->format = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'H':
			o->hist = 1;
			break;
		case OPT_TOP:
			o->top = atoi(optarg);
			if (o->top <= 0)
				return vtax_die("--top: not a positive count: '%s'", optarg);
			break;
		case OPT_MAX_HISTS: {
			long v;

			if (vtax_parse_long("max-hists", optarg, 64, 1 << 20, &v))
				return 1;
			o->max_hists = (uint32_t)v;
			break;
		}
		/* net family flow filter */
		case OPT_PORT: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 65535)
				return vtax_die("--port: not a port number: '%s'", optarg);
			o->net_port = (int)v;
			break;
		}
		case OPT_PROTO: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!strcmp(optarg, "tcp"))
				v = 6;
			else if (!strcmp(optarg, "udp"))
				v = 17;
			else if (!strcmp(optarg, "icmp"))
				v = 1;
			else if (*end || v <= 0 || v > 255)
				return vtax_die("--proto: tcp, udp, icmp or a protocol number: '%s'", optarg);
			o->net_proto = (int)v;
			break;
		}
		case OPT_NO_SOCKQ:
			o->no_sock_queue = 1;
			break;
		case OPT_SAMPLE:
		case OPT_SAMPLE_NF: {
			int scope = c == OPT_SAMPLE ? VTAX_SAMPLE_ALL : VTAX_SAMPLE_NETFILTER;

			if (o->sample && o->sp.scope != scope)
				return vtax_die("--sample and --sample-netfilter: give one (--sample already samples netfilter)");
			if (vtax_sample__parse(optarg, scope, &o->sp, err, sizeof(err)))
				return vtax_die("%s", err);
			o->sample = 1;
			break;
		}
		case OPT_READY_FILE:
			if (!*optarg || !strcmp(optarg, "-"))
				return vtax_die("--ready-file: needs a path");
			o->ready_file = optarg;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 4194304)
				return vtax_die("--pid: not a process id: '%s'", optarg);
			if (o->t.npids >= VTAX_MAX_TARGETS)
				return vtax_die("too many --pid targets");
			o->t.pids[o->t.npids++] = (pid_t)v;
			break;
		}
		case 'c':
			if (o->t.ncgroups >= VTAX_MAX_TARGETS)
				return vtax_die("too many --cgroup targets");
			o->t.cgroups[o->t.ncgroups++] = optarg;
			break;
		case 'C':
			if (o->t.ncontainers >= VTAX_MAX_TARGETS)
				return vtax_die("too many --container targets");
			o->t.containers[o->t.ncontainers++] = optarg;
			break;
		case 'V': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 4194304)
				return vtax_die("--vm: not a process id: '%s'", optarg);
			if (o->t.nvms >= VTAX_MAX_TARGETS)
				return vtax_die("too many --vm targets");
			o->t.vms[o->t.nvms++] = (pid_t)v;
			break;
		}
		case 'a':
			o->t.all = 1;
			break;
		case 'v':
			vtax_verbose = 1;
			break;
		case 'h':
			fputs(attach ? attach_usage : run_usage, stdout);
			exit(0);
		default:
			return vtax_bad_option(argv, optstring);
		}
	}
	/* an unwritable --output is bad input: say so before tracing anything */
	if (o->output && strcmp(o->output, "-") && (!o->format || strcmp(o->format, "gnuplot")) &&
	    vtax_out__check(o->output, err, sizeof(err)))
		return vtax_die("%s", err);
	if (o->ready_file && vtax_out__check(o->ready_file, err, sizeof(err)))
		return vtax_die("--ready-file: %s", err);
	return 0;
}

/*
 * --ready-file: every family is attached, the subjects are published and
 * (run) the command is about to start.  Scripts wait for it instead of
 * guessing from /proc (a loaded TCG guest takes tens of seconds to get
 * here).  Written atomically; a FIFO is written directly, so a reader
 * blocked on it wakes at this moment.  A file vtax made is recorded in the
 * run's state file and removed when tracing ends.
 */
static int ready_write(struct trace_opts *o, const struct vtax_session *s)
{
	struct vtax_out out;
	struct stat st;
	char err[512];
	int existed_special = !stat(o->ready_file, &st) && !S_ISREG(st.st_mode);

	if (vtax_out__open(&out, o->ready_file, err, sizeof(err)))
		return vtax_die("--ready-file: %s", err);
	fprintf(out.f, "ready pid=%d subjects=%zu\n", (int)getpid(), s->nsubjects);
	if (vtax_out__commit(&out, err, sizeof(err)))
		return vtax_die("--ready-file: %s", err);
	if (!existed_special) {
		o->ready_made = 1;
		vtax_state__add("path", o->ready_file, NULL);
	}
	return 0;
}

static void ready_remove(struct trace_opts *o)
{
	if (!o->ready_made || !o->ready_file)
		return;
	unlink(o->ready_file);
	vtax_state__done("path", o->ready_file);
	o->ready_made = 0;
}

/* Is CMD something execvp can run (searched on PATH like execvp)? 0 or -errno. */
static int runnable(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[4096];
	int r = -ENOENT;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? -errno : 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (access(buf, X_OK) == 0)
			return 0;
		if (errno == EACCES)
			r = -EACCES;
		p += n + (p[n] == ':');
	}
	return r;
}

static void live_summary(FILE *out, const struct vtax_result *d, double secs)
{
	int tty = isatty(fileno(out));

	if (tty)
		fputs("\033[H\033[2J", out);
	fprintf(out, "vtax: last %.1f s\n", secs);
	for (size_t i = 0; i < d->nsubjects; i++) {
		const struct vtax_subject *s = &d->subjects[i];
		uint64_t n = 0, sum = 0, runq_sum = 0, runq_n = 0;
		const struct vtax_series *top[3] = { 0 };

		for (size_t k = 0; k < s->nseries; k++) {
			const struct vtax_series *se = &s->series[k];
			const char *part = vtax_series__label(se, "part");

			if (!strcmp(se->family, "sched") && !strcmp(se->name, "runq")) {
				runq_sum += se->hist.sum_ns;
				runq_n += se->hist.count;
			}
			if (strcmp(se->family, "syscall") || !part || strcmp(part, "total"))
				continue;
			n += se->hist.count;
			sum += se->hist.sum_ns;
			for (int t = 0; t < 3; t++) {
				if (!top[t] || se->hist.sum_ns > top[t]->hist.sum_ns) {
					for (int u = 2; u > t; u--)
						top[u] = top[u - 1];
					top[t] = se;
					break;
				}
			}
		}
		fprintf(out, "%-28s %9.0f syscalls/s  %6.1f%% of wall in syscalls  runq %.1fus avg",
			s->id, (double)n / secs, 100.0 * (double)sum / (secs * 1e9),
			runq_n ? (double)runq_sum / (double)runq_n / 1e3 : 0.0);
		for (int t = 0; t < 3 && top[t]; t++)
			fprintf(out, "%s%s %.0f%%", t ? ", " : "  top: ", top[t]->name,
				sum ? 100.0 * (double)top[t]->hist.sum_ns / (double)sum : 0.0);
		fputc('\n', out);
	}
	fflush(out);
}

static int emit(const struct trace_opts *o, struct vtax_result *r)
{
	char err[512];
	int rc = 0;

	vtax_result__sort(r);
	if (!strcmp(o->format, "json") || vtax_export__known(o->format)) {
		json_t *doc = vtax_json__document(r);

		if (o->iv)
			json_object_set_new(doc, "intervals", vtax_intervals__to_json(o->iv));
		if (!strcmp(o->format, "json"))
			rc = vtax_json__write_file(doc, o->output ? o->output : "-", err, sizeof(err));
		else
			rc = vtax_export__write(o->format, r, doc, o->output ? o->output : "-", err,
						sizeof(err));
		json_decref(doc);
	} else {
		struct vtax_text_opts to = { .sz = sizeof(to), .hist = o->hist, .top = o->top };
		struct vtax_out out;

		rc = vtax_out__open(&out, o->output ? o->output : "-", err, sizeof(err));
		if (!rc) {
			vtax_report__text(out.f, r, &to);
			rc = vtax_out__commit(&out, err, sizeof(err));
		}
	}
	if (rc)
		fprintf(stderr, "vtax: %s\n", err);
	return rc ? 1 : 0;
}

/* Wait for the end of the session; child > 0 is `run`'s command. */
static void wait_loop(struct vtax_session *s, const struct trace_opts *o, pid_t child,
		      int *child_status)
{
	uint64_t t0 = vtax_now_ns(), last = t0, last_scan = t0;
	struct vtax_result *prev = NULL;
	int only_pids = vtax_targets__only_pids(&o->t);
	/* attach keeps per-interval histograms (1 s unless --interval) for the heatmap */
	double step = o->interval > 0 ? o->interval : o->iv ? 1.0 : 0;

	while (!vtax_stop) {
		uint64_t now = vtax_now_ns();

		if (child > 0) {
			int st;
			pid_t w = waitpid(child, &st, WNOHANG);

			if (w == child) {
				*child_status = st;
				break;
			}
		} else if (only_pids && vtax_session__live_pids(s) == 0) {
			break;
		}
		if (o->duration > 0 && (double)(now - t0) / 1e9 >= o->duration)
			break;
		if (step > 0 && (double)(now - last) / 1e9 >= step) {
			struct vtax_result *cur = vtax_result__new("interval"), *d;

			if (cur && !vtax_session__collect(s, cur)) {
				d = vtax_result__delta(cur, prev);
				if (d && o->interval > 0)
					live_summary(stderr, d, (double)(now - last) / 1e9);
				if (d && o->iv)
					vtax_intervals__add(o->iv, d, (double)(last - t0) / 1e9,
							    (double)(now - last) / 1e9);
				vtax_result__free(d);
				vtax_result__free(prev);
				prev = cur;
			} else {
				vtax_result__free(cur);
			}
			last = now;
		}
		if (now - last_scan > 2000000000ull) {
			/* containers come and go (--all); hooks get registered */
			if (o->t.all)
				vtax_targets__rescan(s, &o->t);
			vtax_session__refresh(s);
			last_scan = now;
		}
		poll(NULL, 0, 20);
	}
	/* the last, partial interval belongs in the heatmap too */
	if (o->iv && (double)(vtax_now_ns() - last) / 1e9 >= 0.05) {
		struct vtax_result *cur = vtax_result__new("interval"), *d = NULL;
		uint64_t now = vtax_now_ns();

		if (cur && !vtax_session__collect(s, cur))
			d = vtax_result__delta(cur, prev);
		if (d)
			vtax_intervals__add(o->iv, d, (double)(last - t0) / 1e9,
					    (double)(now - last) / 1e9);
		vtax_result__free(d);
		vtax_result__free(cur);
	}
	vtax_result__free(prev);
}

/*
 * Full BPF maps lose events: the result still holds what was counted and
 * its drops say how much is missing, so the run succeeds, with one line.
 * A histogram map at capacity loses nothing while the spill ring keeps up
 * (userspace merges the parked samples), but its user is told either way:
 * the next burst of new keys may not be so lucky.
 */
static void warn_lost(const struct vtax_result *r)
{
	double lost = 0;
	int at_capacity = 0;

	for (size_t i = 0; i < r->ndrops; i++) {
		const char *n = r->drops[i].name;
		size_t l = strlen(n);

		if ((l > 5 && strcmp(n + l - 5, "_full") == 0) || strcmp(n, "hist_spill_lost") == 0)
			lost += r->drops[i].value;
		else if (strcmp(n, "hist_map_at_capacity") == 0 && r->drops[i].value > 0)
			at_capacity = 1;
	}
	if (lost > 0)
		vtax_warn("BPF maps full: %.0f events not counted (see drops; raise --max-hists)", lost);
	else if (at_capacity)
		vtax_warn("BPF maps full: the histogram map reached --max-hists; the spill ring kept every "
			  "sample (0 events lost; raise --max-hists)");
}

static struct vtax_session *open_session(const struct trace_opts *o)
{
	struct vtax_session_opts so = {
		.sz = sizeof(so), .families = o->probes, .max_hists = o->max_hists,
		.verbose = vtax_verbose, .follow_forks = 1,
		.net_port = o->net_port, .net_proto = o->net_proto,
		.net_no_sock_queue = o->no_sock_queue,
	};
	struct vtax_session *s;
	char err[512];

	if (vtax_session__open(&s, &so, err, sizeof(err))) {
		vtax_die("%s", err);
		return NULL;
	}
	return s;
}

static int finish(struct vtax_session *s, const struct trace_opts *o, const char *mode,
		  uint64_t t0)
{
	struct vtax_result *r = vtax_result__new(mode);
	int rc;

	if (!r) {
		vtax_session__close(s);
		return vtax_die("out of memory");
	}
	r->duration_s = (double)(vtax_now_ns() - t0) / 1e9;
	r->start_unix_ns = (uint64_t)time(NULL) * 1000000000ull -
			   (uint64_t)(r->duration_s * 1e9);
	vtax_session__collect(s, r);
	vtax_session__close(s); /* detach before printing: tracing ends here */
	vtax_result__unsample(r); /* --sample: counts and totals for the whole run */
	warn_lost(r);
	rc = emit(o, r);
	vtax_result__free(r);
	return rc;
}

/* --sample or --sample-netfilter: start the sampler.  Where there is no
 * netfilter link to switch the brackets trace whole, with a warning.  0,
 * or 1 with the one-line error printed. */
static int sample_start(struct vtax_session *s, struct trace_opts *o)
{
	char err[256];
	int rc;

	if (!o->sample)
		return 0;
	rc = vtax_session__sample_start(s, &o->sp, err, sizeof(err));
	if (rc == -ENOTSUP)
		fprintf(stderr, "vtax: %s: %s; tracing them whole\n", vtax_sample__option(o->sp.scope), err);
	else if (rc)
		return vtax_die("%s: %s", vtax_sample__option(o->sp.scope), err);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct trace_opts o;
	struct vtax_session *s;
	int sync_pipe[2], status = 0;
	char err[512];
	uint32_t id;
	uint64_t t0;
	pid_t child;

	if (parse_trace(argc, argv, &o, 0))
		return 1;
	if (optind >= argc)
		return vtax_die("run: no command given (vtax run [options] -- CMD ARGS...)");
	{
		int r = runnable(argv[optind]);

		if (r)
			return vtax_die("run: cannot run %s: %s", argv[optind], strerror(-r));
	}
	if (vtax_preflight())
		return 1;
	s = open_session(&o);
	if (!s)
		return 1;
	if (pipe(sync_pipe)) {
		vtax_session__close(s);
		return vtax_die("pipe: %s", strerror(errno));
	}
	child = fork();
	if (child < 0) {
		vtax_session__close(s);
		return vtax_die("fork: %s", strerror(errno));
	}
	if (child == 0) {
		char go;

		close(sync_pipe[1]);
		/* wait until the parent has made us a subject, then exec */
		if (read(sync_pipe[0], &go, 1) != 1)
			_exit(126);
		close(sync_pipe[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[optind], &argv[optind]);
		fprintf(stderr, "vtax: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(sync_pipe[0]);
	{
		char name[64];
		struct vtax_subject_def *d;

		snprintf(name, sizeof(name), "pid:%d", child);
		if (vtax_session__add_subject(s, name, "pid", &id) ||
		    vtax_session__track_pid(s, child, id) || vtax_session__commit(s)) {
			snprintf(err, sizeof(err), "cannot track the command");
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			vtax_session__close(s);
			return vtax_die("%s", err);
		}
		d = vtax_session__subject(s, id);
		d->pid = child;
		vtax_sched__baseline(s);
		if (sample_start(s, &o)) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			vtax_session__close(s);
			return 1;
		}
	}
	if (o.ready_file && ready_write(&o, s)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		vtax_session__close(s);
		return 1;
	}
	t0 = vtax_now_ns();
	if (write(sync_pipe[1], "g", 1) != 1) {
		ready_remove(&o);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		vtax_session__close(s);
		return vtax_die("cannot start the command");
	}
	close(sync_pipe[1]);
	wait_loop(s, &o, child, &status);
	ready_remove(&o);
	if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
		/* stopped by --duration or a signal to vtax: end the command */
		kill(child, SIGTERM);
		for (int i = 0; i < 100 && waitpid(child, &status, WNOHANG) == 0; i++)
			poll(NULL, 0, 20);
		if (waitpid(child, &status, WNOHANG) == 0) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		vtax_warn("the command could not be started");
	return finish(s, &o, "run", t0);
}

int cmd_attach(int argc, char **argv)
{
	struct trace_opts o;
	struct vtax_session *s;
	char err[512];
	uint64_t t0;
	int st;

	if (parse_trace(argc, argv, &o, 1))
		return 1;
	if (optind < argc)
		return vtax_die("attach: unexpected argument '%s'", argv[optind]);
	if (!o.t.npids && !o.t.ncgroups && !o.t.ncontainers && !o.t.nvms && !o.t.all)
		return vtax_die("attach: no target (--pid, --cgroup, --container, --vm or --all)");
	/* cheap checks before loading anything */
	for (int i = 0; i < o.t.npids; i++)
		if (kill(o.t.pids[i], 0) && errno == ESRCH)
			return vtax_die("no such process: %d", o.t.pids[i]);
	if (vtax_preflight())
		return 1;
	s = open_session(&o);
	if (!s)
		return 1;
	if (vtax_targets__apply(s, &o.t, err, sizeof(err))) {
		vtax_session__close(s);
		return vtax_die("%s", err);
	}
	if (sample_start(s, &o)) {
		vtax_session__close(s);
		return 1;
	}
	if (o.ready_file && ready_write(&o, s)) {
		vtax_session__close(s);
		return 1;
	}
	t0 = vtax_now_ns();
	o.iv = vtax_intervals__new();
	wait_loop(s, &o, 0, &st);
	ready_remove(&o);
	st = finish(s, &o, "attach", t0);
	vtax_intervals__free(o.iv);
	return st;
}
