// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe.c - the list of probe families and --probes parsing.
 * Adding a family: one ops struct in src/probe_<name>.c, one line here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "trace/probe.h"

extern const struct vtax_probe_ops vtax_probe_sched;
extern const struct vtax_probe_ops vtax_probe_syscall;
extern const struct vtax_probe_ops vtax_probe_net;
extern const struct vtax_probe_ops vtax_probe_blk;
extern const struct vtax_probe_ops vtax_probe_kvm;

const struct vtax_probe_ops *const vtax_probes[] = {
	&vtax_probe_sched,
	&vtax_probe_syscall,
	&vtax_probe_net, /* after syscall: reuses its sys_ts */
	&vtax_probe_blk,
	&vtax_probe_kvm,
	NULL,
};

const struct vtax_probe_ops *vtax_probe__find(const char *name)
{
	for (int i = 0; vtax_probes[i]; i++)
		if (!strcmp(vtax_probes[i]->name, name))
			return vtax_probes[i];
	return NULL;
}

const struct vtax_probe_ops *vtax_probe__by_family(enum vtax_family f)
{
	for (int i = 0; vtax_probes[i]; i++)
		if (vtax_probes[i]->family == f)
			return vtax_probes[i];
	return NULL;
}

unsigned vtax_probe__default_mask(void)
{
	unsigned m = 0;

	for (int i = 0; vtax_probes[i]; i++)
		m |= 1u << vtax_probes[i]->family;
	return m;
}

int vtax_probe__parse_list(const char *list, unsigned *mask, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	*mask = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct vtax_probe_ops *p;

		if (!strcmp(tok, "all")) {
			*mask |= vtax_probe__default_mask();
			continue;
		}
		p = vtax_probe__find(tok);
		if (!p) {
			size_t off;

			off = (size_t)snprintf(err, errlen, "unknown probe family '%s' (known:", tok);
			for (int i = 0; vtax_probes[i] && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s",
							vtax_probes[i]->name);
			if (off < errlen)
				snprintf(err + off, errlen - off, ")");
			return -EINVAL;
		}
		*mask |= 1u << p->family;
	}
	if (!*mask) {
		snprintf(err, errlen, "--probes needs at least one family");
		return -EINVAL;
	}
	return 0;
}
