// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_result.c - libFuzzer harness for the result-file reader that
 * `vtax export` uses: bytes -> JSON -> vtax document -> every text format
 * (written to /dev/null).  A result file is outside input: it may be
 * corrupt, truncated or not vtax's (docs/failures.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "export/export.h"
#include "result/result_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "csv", "openmetrics", "html" };
	struct vtax_export_doc d = { 0 };
	char err[512];
	json_t *doc = vtax_json__load_buffer((const char *)data, size, "fuzz", err, sizeof(err));

	if (!doc)
		return 0;
	if (vtax_export__from_json(doc, &d, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			vtax_export__doc_write(formats[i], &d, "/dev/null", NULL, err, sizeof(err));
	}
	vtax_export__free(&d);
	json_decref(doc);
	return 0;
}
