// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main.c - vtax's entry point: subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>
#include "cmd/cli.h"
#include "util/version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "start a command and trace it and its descendants" },
	{ "attach", cmd_attach, "attach to processes, cgroups, containers or the whole host" },
	{ "doctor", cmd_doctor, "what this host supports and what vtax will measure" },
	{ "compare", cmd_compare, "run a workload natively, in containers and in a VM; itemize the tax" },
	{ "load", cmd_load, NULL /* internal: compare runs it inside environments */ },
	{ "serve", cmd_serve, "serve OpenMetrics on /metrics for Prometheus (a long-running exporter)" },
	{ "export", cmd_export, "convert a JSON result to CSV, OpenMetrics, gnuplot or HTML" },
};

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
			return commands[i].fn(argc - 1, argv + 1);
	return vtax_die("unknown command '%s' (try vtax --help)", argv[1]);
}
