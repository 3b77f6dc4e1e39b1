// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_proc.c - libFuzzer harness for the /proc parsers: mountinfo (which
 * hierarchy holds a controller), /proc/PID/cgroup (a process's cgroup), and
 * /proc/PID/stat (start time; comm may hold spaces and ')').  Input: the
 * mountinfo text, then a line "===", then the cgroup text.  Container
 * runtimes and users shape these files (mount points, cgroup names).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trace/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrls[] = { "cpu", "memory", "blkio", NULL };
	const char *sep = memmem(data, size, "\n===\n", 5);
	size_t mlen = sep ? (size_t)(sep - (const char *)data) : size;
	char out[1024], rel[2048];
	int v2 = 0;

	for (int i = 0; i < 4; i++) {
		FILE *m = fmemopen((void *)data, mlen ? mlen : 1, "r");

		if (!m)
			return 0;
		vtax_cgroup__mount_from(m, ctrls[i], out, sizeof(out), &v2);
		fclose(m);
		if (sep && size > mlen + 5) {
			FILE *c = fmemopen((void *)(sep + 5), size - mlen - 5, "r");

			if (c) {
				vtax_cgroup__rel_from(c, v2, ctrls[i], rel, sizeof(rel));
				fclose(c);
			}
		}
	}
	return 0;
}
