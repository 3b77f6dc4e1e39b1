// SPDX-License-Identifier: GPL-2.0
/*
 * load_external.c - `--driver external`: run redis-benchmark / sysbench /
 * fio instead of vtax's own generators.  Not written yet: both entry points
 * report -EOPNOTSUPP so that callers fall back to the builtin driver.
 */
#include <errno.h>
#include <stdio.h>
#include "load.h"

int vtax_load_external__prepare(const struct vtax_load_opts *o, char *err, size_t errlen)
{
	(void)o;
	snprintf(err, errlen, "external load driver is not available yet");
	return -EOPNOTSUPP;
}

int vtax_load_external__run(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	(void)o;
	snprintf(r->error, sizeof(r->error), "external load driver is not available yet");
	return -EOPNOTSUPP;
}
