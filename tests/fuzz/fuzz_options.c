// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_options.c - libFuzzer harness for the value parsers behind vtax's
 * options: seconds (--duration, --refresh), bounded integers, probe
 * family lists (--probes), environment kinds (--envs), workloads (-w).
 * The input, NUL-split, gives the strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "env/env.h"
#include "load/load.h"
#include "trace/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	enum vtax_env_kind k;
	enum vtax_workload w;
	unsigned mask;
	long v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	vtax_parse_seconds(s);
	vtax_parse_long("x", s, -5, 1000000, &v);
	vtax_probe__parse_list(s, &mask, err, sizeof(err));
	vtax_env_kind__parse(s, &k);
	vtax_workload__parse(s, &w);
	free(s);
	return 0;
}
