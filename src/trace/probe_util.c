// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_util.c - error text and label helpers shared by the probe families.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "trace/probe_util.h"

/*
 * The last program the kernel's verifier rejected, as libbpf reported it
 * (vtax_bpf_log_note): its name and the verifier's last meaningful line.
 * A rejection comes back from BPF_PROG_LOAD as EACCES or EINVAL (EPERM on
 * some kernels) with a log: that is not a privilege problem, and saying
 * "needs root" to root sends users the wrong way.
 */
static char reject_prog[64];
static char reject_line[256];

void vtax_bpf_log_note(const char *msg)
{
	const char *b = strstr(msg, "-- BEGIN PROG LOAD LOG --");
	const char *p = strstr(msg, "prog '"), *e, *l, *end, *best = NULL;
	size_t bestlen = 0;

	if (!b || !p || p > b)
		return;
	p += 6;
	e = strchr(p, '\'');
	if (!e || e > b)
		return;
	snprintf(reject_prog, sizeof(reject_prog), "%.*s", (int)(e - p), p);
	end = strstr(b, "-- END PROG LOAD LOG --");
	if (!end)
		end = b + strlen(b);
	for (l = strchr(b, '\n'); l && l < end; l = strchr(l, '\n')) {
		const char *nl;
		size_t n;

		l++;
		nl = memchr(l, '\n', (size_t)(end - l));
		n = nl ? (size_t)(nl - l) : (size_t)(end - l);
		/* the statistics the verifier appends are not the reason */
		if (n && strncmp(l, "processed ", 10) && strncmp(l, "verification time", 17) &&
		    strncmp(l, "stack depth", 11) && strncmp(l, "max_states", 10) &&
		    strncmp(l, "old state", 9) && strncmp(l, "cur state", 9) &&
		    strncmp(l, "-- END", 6)) {
			best = l;
			bestlen = n;
		}
		if (!nl)
			break;
	}
	if (best)
		snprintf(reject_line, sizeof(reject_line), "%.*s", (int)bestlen, best);
	else
		snprintf(reject_line, sizeof(reject_line), "(empty verifier log)");
}

void vtax_probe_error(char *err, size_t errlen, const char *what, int rc)
{
	int e = rc < 0 ? -rc : rc;
	const char *hint = "";

	if (reject_prog[0] && (e == EACCES || e == EINVAL || e == EPERM)) {
		if (!strncmp(reject_line, "failed to resolve CO-RE", 23))
			snprintf(err, errlen,
				 "%s: program %s reads a kernel type this kernel (or its loaded modules) lacks: %s (-v shows the whole log)",
				 what, reject_prog, reject_line);
		else
			snprintf(err, errlen,
				 "%s: the kernel's verifier rejected program %s: %s (-v shows its whole log)",
				 what, reject_prog, reject_line);
		reject_prog[0] = 0;
		return;
	}
	reject_prog[0] = 0;
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

int vtax_kallsyms_has(const char *fn)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	size_t n = strlen(fn);
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		/* "ffffffffc0a01234 t name\t[module]" */
		char *p = strchr(line, ' ');

		if (p && (p = strchr(p + 1, ' ')) && !strncmp(p + 1, fn, n) &&
		    (p[1 + n] == '\n' || p[1 + n] == '\t' || p[1 + n] == 0))
			found = 1;
	}
	fclose(f);
	return found;
}

int vtax_btf_has_tracepoint(const char *tp)
{
	static struct btf *vmlinux;
	char name[128];

	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return 1; /* cannot tell: let the load decide */
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
}
