// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main.c - vtax's entry point: subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "util/state.h"
#include "util/version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
	int records; /* changes the host: keeps a state file in /run/vtax (util/state.h) */
} commands[] = {
	{ "run", cmd_run, "start a command and trace it and its descendants", 1 },
	{ "attach", cmd_attach, "attach to processes, cgroups, containers or the whole host", 1 },
	{ "doctor", cmd_doctor, "what this host supports and what vtax will measure", 0 },
	{ "compare", cmd_compare, "run a workload natively, in containers and in a VM; itemize the tax", 1 },
	{ "load", cmd_load, NULL /* internal: compare runs it inside environments */, 0 },
	{ "serve", cmd_serve, "serve OpenMetrics on /metrics for Prometheus (a long-running exporter)", 0 },
	{ "export", cmd_export, "convert a JSON result to CSV, OpenMetrics, gnuplot or HTML", 0 },
	{ "cleanup", cmd_cleanup, "remove what killed vtax runs left behind (--dry-run to list)", 0 },
};

static int dispatch(int i, int argc, char **argv)
{
	int rc, left;

	if (!commands[i].records || geteuid() != 0)
		return commands[i].fn(argc, argv);
	/* without a state directory vtax still works; cleanup then relies on labels */
	vtax_state__open(commands[i].name);
	rc = commands[i].fn(argc, argv);
	left = vtax_state__close();
	if (left) {
		vtax_warn("%d object%s this run created could not be removed; `vtax cleanup` will retry",
			  left, left == 1 ? "" : "s");
		rc = rc ? rc : 1;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vtax COMMAND [options]   (vtax COMMAND --help for details)\n\n"
		   "vtax itemizes the virtualization tax: the extra time a workload pays in a\n"
		   "container or a VM, per syscall and per packet, by named cause.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vtax %s\n", VTAX_VERSION);
		return 0;
	}
	vtax_install_signals();
	vtax_setup_libbpf_log();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return dispatch((int)i, argc - 1, argv + 1);
	return vtax_die("unknown command '%s' (try vtax --help)", argv[1]);
}
