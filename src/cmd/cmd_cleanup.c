// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_cleanup.c - `vtax cleanup [--dry-run]`: remove what dead vtax runs
 * left on the host (see compare/leftovers.h), nothing else, never a live
 * run's objects.  --dry-run lists what would go and changes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "compare/leftovers.h"
#include "util/state.h"

static const char usage[] =
	"usage: vtax cleanup [--dry-run] [-q]\n"
	"Remove what killed or crashed vtax runs left on the host: the objects\n"
	"their state files in /run/vtax list, then anything labelled as vtax's\n"
	"(docker objects with label vtax=1, vtaxbr*/vtaxtap* links, vtax-cli-*\n"
	"namespaces and FORWARD rules) whose run is gone.  Objects of a run that\n"
	"is still alive are never touched.\n"
	"  -n, --dry-run  list what would be removed; change nothing\n"
	"  -q, --quiet    print nothing when there is nothing to remove\n"
	"  -h, --help     this text\n";

int cmd_cleanup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, 0, 'n' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	static char report[65536];
	int c, dry = 0, quiet = 0, n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+nqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return vtax_bad_option(argv, "");
		}
	}
	if (optind < argc)
		return vtax_die("cleanup: unexpected argument '%s' (see vtax cleanup --help)", argv[optind]);
	if (geteuid() != 0)
		return vtax_die("cleanup: must run as root (it removes links, rules, containers)");
	vtax_state__set_dry_run(dry);
	n = vtax_leftovers__remove(report, sizeof(report));
	if (n < 0)
		return vtax_die("cleanup: %s", strerror(-n));
	fputs(report, stdout);
	if (!quiet || report[0])
		printf("%s %d object%s\n", dry ? "would remove" : "removed", n, n == 1 ? "" : "s");
	return 0;
}
