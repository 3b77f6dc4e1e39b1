// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_state.c - libFuzzer harness for the reader of /run/vtax/<pid>.state
 * (util/state.c): `vtax cleanup` acts on what it parses, so a damaged or
 * truncated file (a run killed mid-write) must parse safely.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/state.h"

static int count(const struct vtax_state_entry *en, void *ctx)
{
	/* touch every field the undo path reads */
	*(size_t *)ctx += strlen(en->kind) + strlen(en->id) + (size_t)en->argc;
	for (int i = 0; i < en->argc; i++)
		*(size_t *)ctx += strlen(en->argv[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long start;
	size_t n = 0;
	int pid;

	vtax_state__parse((const char *)data, size, &pid, &start, count, &n);
	return 0;
}
