// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_compare.c - `vtax compare`: the CLI of the guided comparison
 * (compare.h): options, the progress line on a TTY (and, with
 * --progress-log, one line per phase change in a file, for scripts and
 * tests that must know when a pass runs), the report (text or JSON), exit
 * status.
 *
 * Exit status: 0 every environment was measured; 3 the report is complete
 * but some environment failed (its reason is in the report); 130
 * interrupted (SIGINT/SIGTERM: the current environment was torn down,
 * nothing is left behind, no report); 1 bad usage or a fatal error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "util/clock.h"
#include "util/parse.h"
#include "export/export.h"
#include "util/output.h"
#include "util/spawn.h"
#include "compare/compare.h"
#include "trace/probe.h"
#include "result/result_json.h"

static const char compare_usage[] =
	"usage: vtax compare [options]\n"
	"Run one workload natively, in containers and in a VM, and itemize how much\n"
	"more each operation costs than native, by cause, with 95% confidence\n"
	"intervals.  Every environment is set up first; then interleaved rounds: in\n"
	"each, every environment runs untraced (the throughput and latency figures: no\n"
	"vtax probe attached) and traced (the components), in a random order.\n"
	"\n"
	"  -w, --workload W     kv (redis, default), oltp (MariaDB) or io (O_DIRECT file I/O)\n"
	"  -e, --envs LIST      environments, comma-separated (default native,docker-nat,\n"
	"                       docker-host,vm): native, docker-nat, docker-host,\n"
	"                       docker-overlay, docker-volume, vm\n"
	"  -e, --envs ...,native@2  a second native instance (an A/A comparison)\n"
	"  -d, --duration S     measured seconds per environment and pass in a round (default 1)\n"
	"      --warmup S       warm-up seconds per run, not in the latency figures\n"
	"                       (default 0.1); each environment is also warmed once (1 s)\n"
	"  -q, --quick          the default comparison in about a minute (--budget 30)\n"
	"  -n, --runs N         exactly N rounds (default: adaptive, see --ci-width)\n"
	"      --budget S       adaptive: seconds of rounds at most (default 120; at least 2 rounds)\n"
	"      --ci-width W     adaptive: stop once every 95% interval (difference, each\n"
	"                       cause) is at most W wide: a duration (2us, 500ns) or a\n"
	"                       percentage of native's mean (default 10%)\n"
	"      --order-seed N   order of the environments in each round (default fixed)\n"
	"      --no-pmqos       do not hold /dev/cpu_dma_latency at 0 while measuring\n"
	"      --no-pin         do not pin the server and the client to fixed CPUs\n"
	"      --no-quiet       leave the other environments' servers running\n"
	"      --no-calibrate   no calibration run: components not corrected for vtax's cost\n"
	"      --no-untraced    skip the untraced runs: faster, but every figure then\n"
	"                       includes vtax's own cost (the probes)\n"
	"      --probes LIST    probe families: sched,syscall,net,blk,kvm (default: what the\n"
	"                       ledger needs: kv net,kvm, its run-queue wait from schedstat;\n"
	"                       oltp and io every family)\n"
	"      --sample S       traced runs trace in random windows only (5%, 10ms/200ms);\n"
	"                       components scaled by 1/measured fraction (docs/sampling.md)\n"
	"      --sample-netfilter S|off  the netfilter brackets only, every other probe\n"
	"                       whole (default " VTAX_SAMPLE_NF_DEFAULT ": 10% of the time; off: whole)\n"
	"  -f, --format F       text (default), json, csv, openmetrics, gnuplot, html\n"
	"  -o, --output FILE    write the report to FILE (atomically)\n"
	"workload knobs (the same as vtax load's; compare's defaults: one operation\n"
	"in flight (--conns 1, --pipeline 1, --qd 1), --file-size 64M):\n";

static const char compare_usage_env[] =
	"environment knobs:\n"
	"      --overlay-layers N  image layers under docker-overlay (default 1)\n"
	"      --via-proxy      docker-nat: connect through docker-proxy on 127.0.0.1\n"
	"      --client WHERE   remote (default; --via-proxy: local): the client runs in a\n"
	"                       network namespace of vtax's own behind a veth, as on\n"
	"                       another machine (docker-nat is reached by PREROUTING\n"
	"                       DNAT, FORWARD and the bridge); local: on the host itself\n"
	"      --env-timeout S  bound on each environment's set-up\n"
	"      --workdir DIR    where the temporary data goes (default /var/tmp)\n"
	"      --progress-log F append a line per phase change to F: seconds since start,\n"
	"                       environment, phase, pass (untraced/traced/-), run\n"
	"  -v, --verbose        diagnostics on stderr\n"
	"\n"
	"exit status: 0 all measured, 3 some environment failed (see the report),\n"
	"130 interrupted (everything removed), 1 usage or fatal error.\n"
	"\n"
	"examples:\n"
	"  vtax compare\n"
	"  vtax compare --quick --envs native,docker-nat,docker-host -f json -o kv.json\n"
	"  vtax compare -w oltp --envs native,docker-overlay,docker-volume --runs 3\n";

enum {
	O_WARMUP = 256, O_PROBES, O_LAYERS, O_PROXY, O_ENV_TIMEOUT, O_WORKDIR, O_MAXHISTS,
	O_NO_UNTRACED, O_PROGRESS_LOG, O_CLIENT, O_BUDGET, O_CIW, O_SEED, O_NO_PMQOS, O_NO_PIN,
	O_NO_QUIET, O_NO_CALIB, O_SAMPLE, O_SAMPLE_NF,
};

static const struct option compare_long[] = {
	{ "workload", required_argument, 0, 'w' }, { "envs", required_argument, 0, 'e' },
	{ "duration", required_argument, 0, 'd' }, { "warmup", required_argument, 0, O_WARMUP },
	{ "quick", no_argument, 0, 'q' }, { "runs", required_argument, 0, 'n' },
	{ "probes", required_argument, 0, O_PROBES }, { "format", required_argument, 0, 'f' },
	{ "output", required_argument, 0, 'o' },
	{ "overlay-layers", required_argument, 0, O_LAYERS }, { "via-proxy", no_argument, 0, O_PROXY },
	{ "env-timeout", required_argument, 0, O_ENV_TIMEOUT },
	{ "workdir", required_argument, 0, O_WORKDIR }, { "max-hists", required_argument, 0, O_MAXHISTS },
	{ "no-untraced", no_argument, 0, O_NO_UNTRACED },
	{ "progress-log", required_argument, 0, O_PROGRESS_LOG }, { "client", required_argument, 0, O_CLIENT },
	{ "budget", required_argument, 0, O_BUDGET }, { "ci-width", required_argument, 0, O_CIW },
	{ "order-seed", required_argument, 0, O_SEED }, { "no-pmqos", no_argument, 0, O_NO_PMQOS },
	{ "no-pin", no_argument, 0, O_NO_PIN }, { "no-quiet", no_argument, 0, O_NO_QUIET },
	{ "no-calibrate", no_argument, 0, O_NO_CALIB }, { "sample", required_argument, 0, O_SAMPLE },
	{ "sample-netfilter", required_argument, 0, O_SAMPLE_NF },
	{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' },
};
#define COMPARE_NLONG (int)(sizeof(compare_long) / sizeof(compare_long[0]))

struct progress_state {
	int tty;
	int last_idx;
	const char *last_phase;
	FILE *log;           /* --progress-log */
	char last_line[160]; /* what was logged last (env phase pass run) */
	double t0;           /* vtax_now_s() at start */
};

static void log_progress(struct progress_state *ps, const struct vtax_compare_progress *p)
{
	char line[160];

	snprintf(line, sizeof(line), "%s %s %s %d", p->env, p->phase, p->pass ? p->pass : "-",
		 p->run);
	if (!strcmp(line, ps->last_line))
		return;
	snprintf(ps->last_line, sizeof(ps->last_line), "%s", line);
	/* flushed at once: a reader acts on the line while the phase runs */
	fprintf(ps->log, "%.3f %s\n", vtax_now_s() - ps->t0, line);
	fflush(ps->log);
}

static void on_progress(void *ctx, const struct vtax_compare_progress *p)
{
	struct progress_state *ps = ctx;

	if (ps->log)
		log_progress(ps, p);
	if (!ps->tty)
		return;
	fprintf(stderr, "\r\033[Kvtax compare [%d/%d] %-14s %-8s", p->env_idx + 1, p->nenvs, p->env,
		p->phase);
	if (!strcmp(p->phase, "measure")) {
		if (p->runs)
			fprintf(stderr, " %-8s round %d/%d  %5.1fs", p->pass ? p->pass : "", p->run,
				p->runs, p->elapsed_s);
		else
			fprintf(stderr, " %-8s round %d  %5.1fs", p->pass ? p->pass : "", p->run,
				p->elapsed_s);
		if (p->duration_s > 0)
			fprintf(stderr, "/%.1fs", p->duration_s);
		fprintf(stderr, "  %llu %ss", (unsigned long long)p->ops, p->op_name);
	}
	fflush(stderr);
	ps->last_idx = p->env_idx;
	ps->last_phase = p->phase;
}

/* vtax_parse_long into an int */
static int parse_int(const char *opt, const char *s, long lo, long hi, int *out)
{
	long v;

	if (vtax_parse_long(opt, s, lo, hi, &v))
		return 1;
	*out = (int)v;
	return 0;
}

static int parse_envs(const char *list, struct vtax_compare_opts *o)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	o->nenvs = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum vtax_env_kind k;

		char *at;
		int inst = 1;

		if (!*tok)
			continue;
		/* native@2: a second native instance (an A/A comparison) */
		at = strchr(tok, '@');
		if (at) {
			char *end;

			inst = (int)strtol(at + 1, &end, 10);
			if (end == at + 1 || *end || inst < 2 || inst > 9 || strncmp(tok, "native@", 7))
				return vtax_die("--envs: '%s': only native takes a second instance, as native@2..9",
						tok);
			*at = 0;
		}
		if (vtax_env_kind__parse(tok, &k))
			return vtax_die("--envs: unknown environment '%s' (native, docker-nat, docker-host, "
					"docker-overlay, docker-volume, vm)", tok);
		if (at)
			*at = '@';
		for (int i = 0; i < o->nenvs; i++)
			if (!strcmp(o->env_names[i][0] ? o->env_names[i] : vtax_env_kind__name(o->envs[i]),
				    tok))
				return vtax_die("--envs: '%s' given twice", tok);
		if (o->nenvs >= VTAX_COMPARE_MAX_ENVS)
			return vtax_die("--envs: at most %d environments", VTAX_COMPARE_MAX_ENVS);
		snprintf(o->env_names[o->nenvs], sizeof(o->env_names[0]), "%s", inst > 1 ? tok : "");
		o->envs[o->nenvs++] = k;
	}
	if (!o->nenvs)
		return vtax_die("--envs: empty list");
	return 0;
}

/* --ci-width: "2us", "500ns", "0.002ms" (a width in ns) or "10%" (of native's mean) */
static int parse_ci_width(const char *a, struct vtax_compare_opts *o)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v = strtod(a, &end);

	if (end == a || !isfinite(v) || v <= 0)
		return vtax_die("--ci-width: a duration (2us) or a percentage (10%%), got '%s'", a);
	if (!strcmp(end, "%")) {
		if (v > 1000)
			return vtax_die("--ci-width: at most 1000%%, got '%s'", a);
		o->ci_width_rel = v / 100;
		o->ci_width_ns = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			o->ci_width_ns = v * units[i].ns;
			return 0;
		}
	return vtax_die("--ci-width: a duration (2us) or a percentage (10%%), got '%s'", a);
}

/*
 * What the chosen workload and environments need on this host and is not
 * installed (the Debian package recommends, not depends on, these: `attach`
 * needs none of them).  One line naming every missing program and its
 * package, before any set-up; 0 when nothing is missing.
 */
static int check_programs(enum vtax_workload w, const struct vtax_compare_opts *o)
{
	static const struct {
		const char *prog, *pkg;
	} need[] = { { "/usr/bin/redis-server", "redis-server" }, { "/usr/sbin/mariadbd", "mariadb-server" },
		     { "docker", "docker.io" },			  { "/bin/busybox", "busybox-static" },
		     { "qemu-system-x86_64", "qemu-system-x86" } };
	int want[5] = { w == VTAX_WL_KV, w == VTAX_WL_OLTP, 0, 0, 0 };
	char progs[256] = "", pkgs[256] = "";
	size_t lp = 0, lk = 0;

	for (int i = 0; i < o->nenvs; i++) {
		want[2] |= o->envs[i] != VTAX_ENV_NATIVE && o->envs[i] != VTAX_ENV_VM;
		want[3] |= o->envs[i] != VTAX_ENV_NATIVE;
		want[4] |= o->envs[i] == VTAX_ENV_VM;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const char *base = strrchr(need[i].prog, '/');

		if (!want[i] || vtax_spawn__have(need[i].prog) ||
		    (i == 1 && vtax_spawn__have("/usr/sbin/mysqld")))
			continue;
		lp += (size_t)snprintf(progs + lp, sizeof(progs) - lp, "%s%s", lp ? ", " : "",
				       base ? base + 1 : need[i].prog);
		lk += (size_t)snprintf(pkgs + lk, sizeof(pkgs) - lk, " %s", need[i].pkg);
	}
	if (!lp)
		return 0;
	return vtax_die("compare: missing %s for these environments (apt-get install%s), or choose "
			"others with --envs", progs, pkgs);
}

/* text report into path atomically ("-" or NULL = stdout; a device such as
 * /dev/null is written directly, never replaced: src/util/output.c) */
static int write_text(const struct vtax_compare *c, const char *path)
{
	struct vtax_out o;
	char err[256];
	int rc;

	rc = vtax_out__open(&o, path ? path : "-", err, sizeof(err));
	if (rc)
		return rc;
	vtax_compare__report_text(o.f, c);
	return vtax_out__commit(&o, err, sizeof(err));
}

int cmd_compare(int argc, char **argv)
{
	struct vtax_compare_opts o;
	struct vtax_compare *c;
	struct progress_state ps = { .tty = isatty(2), .last_idx = -1 };
	enum vtax_workload w = VTAX_WL_KV;
	const char *format = "text", *output = NULL, *envs = NULL, *progress_log = NULL;
	double duration = 0, warmup = -1, budget = 0;
	int quick = 0, opt, rc, failed = 0, threads_set = 0, client_set = 0, nlong = COMPARE_NLONG;
	struct option longopts[COMPARE_NLONG + 64];
	char err[512], *end;

	/* the workload decides the defaults: find it first */
	for (int i = 1; i < argc; i++) {
		const char *a = NULL;

		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): argv[i] < argc is set */
		if ((!strcmp(argv[i], "-w") || !strcmp(argv[i], "--workload")) && i + 1 < argc)
			a = argv[i + 1];
		else if (!strncmp(argv[i], "--workload=", 11))
			a = argv[i] + 11;
		if (a && vtax_workload__parse(a, &w))
			return vtax_die("--workload: unknown workload '%s' (kv, oltp, io)", a);
	}
	vtax_compare_opts__defaults(&o, w);
	optind = 1;
	opterr = 0; /* bad options: one line (vtax_bad_option) */
	memcpy(longopts, compare_long, sizeof(compare_long));
	vtax_load_opt__long(longopts, &nlong);
	while ((opt = getopt_long(argc, argv, "w:e:d:qn:f:o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			break;
		case 'e':
			envs = optarg;
			break;
		case 'd':
			duration = vtax_parse_seconds(optarg);
			if (duration <= 0)
				return vtax_die("--duration: not a positive number of seconds: '%s'", optarg);
			break;
		case O_WARMUP:
			if (vtax_parse_num(optarg, 0, 3600, &warmup))
				return vtax_die("--warmup: seconds in [0, 3600], got '%s'", optarg);
			break;
		case 'q':
			quick = 1;
			break;
		case 'n':
			if (parse_int("runs", optarg, 1, VTAX_COMPARE_MAX_RUNS, &o.runs))
				return 1;
			break;
		case O_PROBES:
			if (vtax_probe__parse_list(optarg, &o.probes, err, sizeof(err)))
				return vtax_die("%s", err);
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "csv") &&
			    strcmp(optarg, "openmetrics") && strcmp(optarg, "gnuplot") &&
			    strcmp(optarg, "html"))
				return vtax_die("--format: unknown format '%s' (text, json, csv, openmetrics, gnuplot, html)",
						optarg);
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case O_LAYERS:
			if (parse_int("overlay-layers", optarg, 1, VTAX_ENV_MAX_IMAGES - 2, &o.overlay_layers))
				return 1;
			break;
		case O_PROXY:
			o.via_proxy = 1;
			break;
		case O_CLIENT:
			if (strcmp(optarg, "local") && strcmp(optarg, "remote"))
				return vtax_die("--client: local or remote, not '%s'", optarg);
			o.remote_client = !strcmp(optarg, "remote");
			client_set = 1;
			break;
		case O_ENV_TIMEOUT:
			o.env_timeout_s = vtax_parse_seconds(optarg);
			if (o.env_timeout_s <= 0)
				return vtax_die("--env-timeout: not a positive number of seconds: '%s'", optarg);
			break;
		case O_WORKDIR:
			o.workdir = optarg;
			break;
		case O_NO_UNTRACED:
			o.no_untraced = 1;
			break;
		case O_BUDGET:
			budget = vtax_parse_seconds(optarg);
			if (budget <= 0 || budget > 86400)
				return vtax_die("--budget: seconds in (0, 86400], got '%s'", optarg);
			break;
		case O_CIW:
			if (parse_ci_width(optarg, &o))
				return 1;
			break;
		case O_SEED:
			o.seed = strtoull(optarg, &end, 0);
			if (end == optarg || *end)
				return vtax_die("--order-seed: an integer, got '%s'", optarg);
			break;
		case O_NO_PMQOS:
			o.hygiene.no_pmqos = 1;
			break;
		case O_NO_PIN:
			o.hygiene.no_pin = 1;
			break;
		case O_NO_QUIET:
			o.hygiene.no_quiet = 1;
			break;
		case O_NO_CALIB:
			o.no_calibrate = 1;
			break;
		case O_PROGRESS_LOG:
			progress_log = optarg;
			break;
		case O_SAMPLE: {
			char serr[256];

			if (o.sample || o.no_sample_nf)
				return vtax_die("--sample and --sample-netfilter: give one (--sample already samples netfilter)");
			if (vtax_sample__parse(optarg, VTAX_SAMPLE_ALL, &o.sample_spec, serr, sizeof(serr)))
				return vtax_die("%s", serr);
			o.sample = 1;
			break;
		}
		case O_SAMPLE_NF: {
			char serr[256];

			if ((o.sample && o.sample_spec.scope != VTAX_SAMPLE_NETFILTER) || o.no_sample_nf)
				return vtax_die("--sample and --sample-netfilter: give one (--sample already samples netfilter)");
			if (!strcmp(optarg, "off")) {
				o.sample = 0;
				o.no_sample_nf = 1;
				break;
			}
			if (vtax_sample__parse(optarg, VTAX_SAMPLE_NETFILTER, &o.sample_spec, serr, sizeof(serr)))
				return vtax_die("%s", serr);
			o.sample = 1;
			break;
		}
		case O_MAXHISTS: {
			int mh = 0;

			if (parse_int("max-hists", optarg, 64, 1 << 20, &mh))
				return 1;
			o.max_hists = (uint32_t)mh;
			break;
		}
		case 'v':
			vtax_verbose = 1;
			o.verbose = 1;
			break;
		case 'h':
			fputs(compare_usage, stdout);
			vtax_load_opt__usage(stdout);
			fputs(compare_usage_env, stdout);
			return 0;
		default:
			if (opt >= VTAX_LOAD_OPT_BASE && opt < VTAX_LOAD_OPT_BASE + vtax_load_noptdefs) {
				if (vtax_load_opt__set(opt - VTAX_LOAD_OPT_BASE, optarg, &o.load, err,
						       sizeof(err)))
					return vtax_die("%s", err);
				threads_set |= !strcmp(vtax_load_optdefs[opt - VTAX_LOAD_OPT_BASE].name,
						       "threads");
				break;
			}
			return vtax_bad_option(argv, "w:e:d:qn:f:o:vh");
		}
	}
	if (optind < argc)
		return vtax_die("compare: unexpected argument '%s'", argv[optind]);
	if (threads_set && w != VTAX_WL_OLTP)
		vtax_warn("--threads applies to the oltp workload; used as --conns");
	if (envs && parse_envs(envs, &o))
		return 1;
	if (check_programs(w, &o))
		return 1;
	if (o.remote_client && o.via_proxy)
		return vtax_die("--client remote and --via-proxy: docker-proxy listens on the host's loopback, "
				"which a remote client cannot reach");
	if (client_set && o.remote_client && w == VTAX_WL_IO)
		vtax_warn("--client remote: the io workload has no network client; ignored");
	/* default: remote, as the client of a server usually is; the proxy
	 * path is only reachable from the host */
	if (!client_set)
		o.remote_client = o.via_proxy ? 0 : 2;
	if (quick) {
		o.budget_s = 30;
		o.env_warmup_s = 0.5;
		if (w == VTAX_WL_IO)
			o.load.file_size = 32ull << 20;
		if (w == VTAX_WL_OLTP)
			o.load.table_size = 2000;
	}
	if (budget > 0)
		o.budget_s = budget;
	if (duration > 0)
		o.duration_s = duration;
	if (warmup >= 0)
		o.warmup_s = warmup;
	if (vtax_preflight())
		return 1;
	/* an unwritable --output is bad input: say so before minutes of work */
	if (output && strcmp(output, "-") && strcmp(format, "gnuplot")) {
		if (vtax_out__check(output, err, sizeof(err)))
			return vtax_die("%s", err);
	}
	if (progress_log) {
		/* appended to, never through a symlink (it may sit in /tmp) */
		int lfd = open(progress_log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);

		ps.log = lfd >= 0 ? fdopen(lfd, "a") : NULL;
		if (!ps.log && lfd >= 0)
			close(lfd);
		if (!ps.log)
			return vtax_die("--progress-log: cannot open %s: %s", progress_log,
					strerror(errno));
		ps.t0 = vtax_now_s();
	}
	o.stop = (volatile int *)&vtax_stop;
	o.progress = on_progress;
	o.progress_ctx = &ps;

	c = calloc(1, sizeof(*c));
	if (!c)
		return vtax_die("out of memory");
	rc = vtax_compare__run(c, &o, err, sizeof(err));
	if (ps.log)
		fclose(ps.log);
	if (ps.tty)
		fputs("\r\033[K", stderr);
	if (c->stale_report[0] && o.verbose)
		fprintf(stderr, "vtax: removed leftovers of an earlier run:\n%s", c->stale_report);
	if (rc == -EINTR) {
		vtax_die("compare interrupted; the environments were torn down");
		vtax_compare__free(c);
		free(c);
		return 130;
	}
	if (rc) {
		vtax_die("compare: %s", err);
		vtax_compare__free(c);
		free(c);
		return 1;
	}
	for (int i = 0; i < c->nenvs; i++)
		if (!c->envs[i].ok) {
			failed = 1;
			vtax_warn("%s failed: %s", c->envs[i].name, c->envs[i].error);
		}
	if (strcmp(format, "text")) {
		json_t *doc = vtax_compare__to_json(c);

		if (!strcmp(format, "json"))
			rc = vtax_json__write_file(doc, output ? output : "-", err, sizeof(err));
		else
			rc = vtax_export__write(format, NULL, doc, output, err, sizeof(err));
		json_decref(doc);
		if (rc)
			vtax_die("%s", err);
	} else {
		rc = write_text(c, output);
		if (rc)
			vtax_die("cannot write %s: %s", output ? output : "stdout", strerror(-rc));
	}
	vtax_compare__free(c);
	free(c);
	if (rc)
		return 1;
	return failed ? 3 : 0;
}
