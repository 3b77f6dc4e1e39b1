// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_export.c - `vtax export RESULT.json --format F [--output PATH]`:
 * turn a saved result (run, attach or compare) into CSV, OpenMetrics,
 * gnuplot or HTML (export.h, docs/export.md).
 *
 * Bad input ends with one error line and a non-zero exit, and leaves no
 * output behind: the exporters write temp files and rename them at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "export/export.h"
#include "result/result_json.h"

static const char export_usage[] =
	"usage: vtax export RESULT.json [--format F] [--output PATH]\n"
	"Convert a vtax JSON result (run, attach or compare) for other tools.\n"
	"\n"
	"  -f, --format F       csv (default), openmetrics, gnuplot or html\n"
	"  -o, --output PATH    file to write (default: stdout); for csv also\n"
	"                       PATH's STEM.summary.csv; for gnuplot a directory\n"
	"      --le-per-octave N  openmetrics: le buckets per power of two\n"
	"                       (1, 2, 4, 8, 16; default 4)\n"
	"\n"
	"formats (docs/export.md):\n"
	"  csv          one row per histogram bucket + a summary table\n"
	"  openmetrics  Prometheus text: vtax_latency_seconds histograms, gauges\n"
	"  gnuplot      DIR/plot.gp + data: latency CDFs, the ledger (cd DIR; gnuplot plot.gp)\n"
	"  html         one self-contained page: ledger, CDFs, breakdowns, heatmap\n"
	"\n"
	"example: vtax export web.json --format html -o web.html\n";

enum { OPT_LE = 256 };

int cmd_export(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, 0, 'f' },
		{ "output", required_argument, 0, 'o' },
		{ "le-per-octave", required_argument, 0, OPT_LE },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct vtax_om_opts om = { .le_per_octave = 4, .with_eof = 1 };
	const char *format = "csv", *output = NULL, *input;
	struct vtax_export_doc d;
	char err[512];
	json_t *doc;
	int c, rc;

	optind = 1;
	opterr = 0; /* bad options: one line (vtax_bad_option) */
	while ((c = getopt_long(argc, argv, "f:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_LE:
			if (vtax_export__parse_le(optarg, &om.le_per_octave))
				return 1;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			return vtax_bad_option(argv, "f:o:h");
		}
	}
	if (!vtax_export__known(format))
		return vtax_die("--format: unknown format '%s' (csv, openmetrics, gnuplot, html)",
				format);
	if (optind >= argc)
		return vtax_die("export: no input (vtax export RESULT.json --format F)");
	if (optind + 1 < argc)
		return vtax_die("export: unexpected argument '%s'", argv[optind + 1]);
	input = argv[optind];
	if (access(input, R_OK))
		return vtax_die("cannot read %s: %s", input, strerror(errno));
	doc = vtax_json__load_file(input, err, sizeof(err));
	if (!doc)
		return vtax_die("%s", err);
	rc = vtax_export__from_json(doc, &d, err, sizeof(err));
	json_decref(doc);
	if (rc)
		return vtax_die("%s: %s", input, err);
	rc = vtax_export__doc_write(format, &d, output, &om, err, sizeof(err));
	vtax_export__free(&d);
	if (rc)
		return vtax_die("%s", err);
	return 0;
}
