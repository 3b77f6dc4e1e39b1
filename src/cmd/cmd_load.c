// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_load.c - `vtax load`: run one of vtax's load generators (load.h) and
 * print its result as one JSON object on stdout.
 *
 * It exists for `vtax compare`: the io workload must run on the
 * environment's own data path, so compare starts `vtax load` inside the
 * container or guest (vtax_env__exec) and reads this JSON back with
 * vtax_load_result__from_json().  It needs no privileges and loads no BPF.
 * Also handy by hand: `vtax load --workload kv --port 6379 --duration 5`.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "util/parse.h"
#include "compare/compare.h"
#include "result/result_json.h"
#include "util/version.h"

static const char load_usage[] =
	"usage: vtax load [options]\n"
	"Run one load generator and print its result as JSON (used by vtax compare).\n"
	"\n"
	"  --workload W       kv, oltp or io (default kv)\n"
	"  --host H --port P  server address (kv, oltp; IPv4)\n"
	"  --user U --password P --db D   oltp credentials and database\n"
	"  --path F           io file\n"
	"  --duration S       measured phase (default 5)\n"
	"  --warmup S         warm-up, not recorded (default 0.5)\n"
	"  --max-ops N        stop after N operations\n"
	"  --prepare-only     create the data (keys, tables, file) and exit\n"
	"  --no-prepare       do not create the data first\n"
	"  --wait-signal      after start-up, wait (at most 120 s) for SIGUSR1 before\n"
	"                     running: compare starts tracing in between\n"
	"workload knobs (the same as vtax compare's):\n";

enum {
	O_WL = 256, O_HOST, O_PORT, O_USER, O_PASS, O_DB, O_PATH, O_DUR, O_WARM, O_MAXOPS,
	O_PREP_ONLY, O_NO_PREP, O_WAIT_SIG,
};

static const struct option load_long[] = {
	{ "workload", required_argument, 0, O_WL }, { "host", required_argument, 0, O_HOST },
	{ "port", required_argument, 0, O_PORT }, { "user", required_argument, 0, O_USER },
	{ "password", required_argument, 0, O_PASS }, { "db", required_argument, 0, O_DB },
	{ "path", required_argument, 0, O_PATH }, { "duration", required_argument, 0, O_DUR },
	{ "warmup", required_argument, 0, O_WARM }, { "max-ops", required_argument, 0, O_MAXOPS },
	{ "prepare-only", no_argument, 0, O_PREP_ONLY }, { "no-prepare", no_argument, 0, O_NO_PREP },
	{ "wait-signal", no_argument, 0, O_WAIT_SIG },
	{ "help", no_argument, 0, 'h' },
};
#define LOAD_NLONG (int)(sizeof(load_long) / sizeof(load_long[0]))

json_t *vtax_load_result__to_json(const struct vtax_load_result *r, enum vtax_workload w)
{
	json_t *o = json_object();

	json_object_set_new(o, "vtax_schema", json_integer(VTAX_SCHEMA_VERSION));
	json_object_set_new(o, "tool", json_string("vtax"));
	json_object_set_new(o, "version", json_string(VTAX_VERSION));
	json_object_set_new(o, "mode", json_string("load"));
	json_object_set_new(o, "workload", json_string(vtax_workload__name(w)));
	json_object_set_new(o, "op", json_string(r->op_name));
	json_object_set_new(o, "ops", json_integer((json_int_t)r->ops));
	json_object_set_new(o, "warmup_ops", json_integer((json_int_t)r->warmup_ops));
	json_object_set_new(o, "errors", json_integer((json_int_t)r->errors));
	json_object_set_new(o, "elapsed_s", json_real(r->elapsed_s));
	json_object_set_new(o, "throughput_ops_s", json_real(r->ops_per_s));
	json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
	json_object_set_new(o, "direct", json_boolean(r->direct));
	json_object_set_new(o, "error", r->error[0] ? json_string(r->error) : json_null());
	json_object_set_new(o, "warning", r->warning[0] ? json_string(r->warning) : json_null());
	json_object_set_new(o, "latency", vtax_hist__to_json(&r->latency));
	return o;
}

static void str_field(const json_t *j, const char *key, char *dst, size_t len)
{
	const json_t *v = json_object_get(j, key);

	dst[0] = 0;
	if (json_is_string(v))
		snprintf(dst, len, "%s", json_string_value(v));
}

int vtax_load_result__from_json(const json_t *j, struct vtax_load_result *r, char *err,
				size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(j) || !json_is_integer(json_object_get(j, "ops"))) {
		snprintf(err, errlen, "not a vtax load result (no \"ops\")");
		return -EINVAL;
	}
	r->ops = (uint64_t)json_integer_value(json_object_get(j, "ops"));
	r->warmup_ops = (uint64_t)json_integer_value(json_object_get(j, "warmup_ops"));
	r->errors = (uint64_t)json_integer_value(json_object_get(j, "errors"));
	r->elapsed_s = json_number_value(json_object_get(j, "elapsed_s"));
	r->ops_per_s = json_number_value(json_object_get(j, "throughput_ops_s"));
	r->bytes = (uint64_t)json_integer_value(json_object_get(j, "bytes"));
	r->direct = json_is_true(json_object_get(j, "direct"));
	str_field(j, "op", r->op_name, sizeof(r->op_name));
	str_field(j, "error", r->error, sizeof(r->error));
	str_field(j, "warning", r->warning, sizeof(r->warning));
	return vtax_hist__from_json(json_object_get(j, "latency"), &r->latency, err, errlen);
}

/* Never runs: SIGUSR1 stays blocked until sigtimedwait takes it. */
static void on_usr1(int sig)
{
	(void)sig;
}

/* Block until SIGUSR1 (0), or SIGINT/SIGTERM or 120 s (-1). */
static int wait_for_go(void)
{
	struct timespec ts = { 0, 100000000 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < 1200 && !vtax_stop; i++)
		if (sigtimedwait(&set, NULL, &ts) == SIGUSR1)
			return 0;
	return -1;
}

static int num(const char *opt, const char *s, double lo, double hi, double *v)
{
	if (vtax_parse_num(s, lo, hi, v))
		return vtax_die("--%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct vtax_load_opts o;
	struct vtax_load_result *r;
	enum vtax_workload w = VTAX_WL_KV;
	int c, prep = 1, run = 1, rc, wait_sig = 0, nlong = LOAD_NLONG;
	struct option longopts[LOAD_NLONG + 64];
	char err[256];
	double v;
	json_t *doc;

	/* the workload decides the defaults: find it first */
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--workload") && vtax_workload__parse(argv[i + 1], &w))
			return vtax_die("--workload: unknown workload '%s' (kv, oltp, io)", argv[i + 1]);
	vtax_load_opts__defaults(&o, w);
	optind = 1;
	opterr = 0; /* bad options: one line (vtax_bad_option) */
	memcpy(longopts, load_long, sizeof(load_long));
	vtax_load_opt__long(longopts, &nlong);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_WL:
			break;
		case O_HOST: o.host = optarg; break;
		case O_PORT:
			if (num("port", optarg, 1, 65535, &v)) return 1;
			o.port = (int)v; break;
		case O_USER: o.user = optarg; break;
		case O_PASS: o.password = optarg; break;
		case O_DB: o.db = optarg; break;
		case O_PATH: o.path = optarg; break;
		case O_DUR:
			if (num("duration", optarg, 0.001, 1e6, &v)) return 1;
			o.duration_s = v; break;
		case O_WARM:
			if (num("warmup", optarg, 0, 1e6, &v)) return 1;
			o.warmup_s = v; break;
		case O_MAXOPS:
			if (num("max-ops", optarg, 1, 1e15, &v)) return 1;
			o.max_ops = (uint64_t)v; break;
		case O_PREP_ONLY: run = 0; break;
		case O_NO_PREP: prep = 0; break;
		case O_WAIT_SIG: {
			/* caught and blocked from here on: a SIGUSR1 sent while
			 * the workload prepares waits for wait_for_go() instead
			 * of killing the process (its default action).
			 * compare's gate sends it only once /proc shows it caught
			 * (SigCgt; SigBlk does not do: sigtimedwait unblocks what
			 * it waits for) - compare/client.c wait_gated */
			struct sigaction sa = { .sa_handler = on_usr1 };
			sigset_t u;

			sigemptyset(&u);
			sigaddset(&u, SIGUSR1);
			sigprocmask(SIG_BLOCK, &u, NULL);
			sigemptyset(&sa.sa_mask);
			sigaction(SIGUSR1, &sa, NULL);
			wait_sig = 1;
			break;
		}
		case 'h':
			fputs(load_usage, stdout);
			vtax_load_opt__usage(stdout);
			return 0;
		default:
			if (c >= VTAX_LOAD_OPT_BASE && c < VTAX_LOAD_OPT_BASE + vtax_load_noptdefs) {
				if (vtax_load_opt__set(c - VTAX_LOAD_OPT_BASE, optarg, &o, err, sizeof(err)))
					return vtax_die("%s", err);
				break;
			}
			return vtax_bad_option(argv, "h");
		}
	}
	if (optind < argc)
		return vtax_die("load: unexpected argument '%s'", argv[optind]);
	o.stop = (volatile int *)&vtax_stop;
	if (prep) {
		rc = vtax_load__prepare(&o, err, sizeof(err));
		if (rc)
			return vtax_die("load: preparing the %s workload: %s", vtax_workload__name(w), err);
	}
	if (!run) {
		doc = json_pack("{s:i,s:s,s:s,s:b}", "vtax_schema", VTAX_SCHEMA_VERSION, "tool", "vtax",
				"mode", "load", "prepared", 1);
		json_dumpf(doc, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(doc);
		return 0;
	}
	if (wait_sig && wait_for_go())
		return vtax_die("load: no SIGUSR1 within 120 s (or stopped)");
	r = calloc(1, sizeof(*r));
	if (!r)
		return vtax_die("out of memory");
	rc = vtax_load__run(&o, r);
	if (rc && !r->error[0])
		snprintf(r->error, sizeof(r->error), "%s", strerror(-rc));
	doc = vtax_load_result__to_json(r, w);
	json_dumpf(doc, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(doc);
	free(r);
	return rc ? 1 : 0;
}
