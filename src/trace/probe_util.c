// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_util.c - error text and label helpers shared by the probe families.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "trace/probe_util.h"

void vtax_probe_error(char *err, size_t errlen, const char *what, int rc)
{
	int e = rc < 0 ? -rc : rc;
	const char *hint = "";

	if (e == EPERM || e == EACCES)
		hint = " (needs root: CAP_BPF and CAP_PERFMON)";
	else if (e == ENOENT)
		hint = " (tracepoint or kernel type missing on this kernel)";
	else if (e == E2BIG || e == ENOMEM)
		hint = " (memlock or map size limit)";
	snprintf(err, errlen, "%s: %s%s", what, strerror(e), hint);
}

void vtax_label__set(struct vtax_label *l, const char *key, const char *value)
{
	snprintf(l->key, sizeof(l->key), "%s", key);
	snprintf(l->value, sizeof(l->value), "%s", value);
}
