// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * leftovers.c - one entry point for removing dead runs' leftovers (see
 * leftovers.h), so `vtax cleanup` and compare's start do the same thing.
 */
#include <string.h>

#include "compare/clientnet.h"
#include "compare/leftovers.h"
#include "env/env.h"
#include "util/state.h"

int vtax_leftovers__remove(char *report, size_t len)
{
	int n = 0, r;

	if (report && len)
		report[0] = 0;
	/* the state files first: they name exactly what each run made */
	r = vtax_state__cleanup(report, len);
	if (r > 0)
		n += r;
	/* then labels: objects made in the instant before they were recorded */
	r = vtax_env__cleanup_stale(report ? report + strlen(report) : NULL,
				    report ? len - strlen(report) : 0);
	if (r > 0)
		n += r;
	r = vtax_clientnet__cleanup_stale(report ? report + strlen(report) : NULL,
					  report ? len - strlen(report) : 0);
	if (r > 0)
		n += r;
	return n;
}
