// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 14-gates - every BPF program the sampler switches tests its gate first,
 * with the role src/trace/sample.c gives its name (docs/sampling.md).  A
 * program whose gate said START while vtax_chain_role() says END would be
 * switched off during the drain and lose the ends of chains it should
 * close (and the other way round, start chains that are never measured):
 * nothing at run time would say so.  So: read bpf/<family>.bpf.c, and for
 * each SEC() program expect as its first statement VTAX_GATE(START),
 * VTAX_GATE(END) or, for the ALWAYS ones (fork/exit following) and the
 * netfilter programs (switched by their links), no gate.  The sources
 * are found from the working directory or from this binary's place in
 * the tree.  No root, no kernel.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/sample.h"
#include "tap.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = 0;
	fclose(f);
	return b;
}

/* the program's name: "BPF_PROG(vtax_x," or "int vtax_x(" on the line after SEC */
static int prog_name(const char *p, char *out, size_t n)
{
	const char *v = strstr(p, "vtax_");
	size_t k = 0;

	if (!v || strchr(p, '\n') < v)
		return -1;
	while ((isalnum((unsigned char)v[k]) || v[k] == '_') && k + 1 < n) {
		out[k] = v[k];
		k++;
	}
	out[k] = 0;
	return 0;
}

/* The source tree's top: the working directory when it has bpf/, else
 * two levels above this binary (build/tests/14-gates, build-san/tests/...) */
static void source_top(char *out, size_t n)
{
	char exe[4096];
	ssize_t k;

	snprintf(out, n, ".");
	if (!access("bpf/common.bpf.h", R_OK))
		return;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		return;
	exe[k] = 0;
	for (int up = 0; up < 3; up++) {
		char *sl = strrchr(exe, '/');

		if (!sl)
			return;
		*sl = 0;
	}
	snprintf(out, n, "%s", exe);
}

int main(void)
{
	char top[4096], path[4200];

	static const char *const files[] = { "bpf/syscall.bpf.c", "bpf/sched.bpf.c", "bpf/net.bpf.c",
					     "bpf/kvm.bpf.c", "bpf/blk.bpf.c", NULL };
	int seen[3] = { 0 };

	source_top(top, sizeof(top));

	for (int f = 0; files[f]; f++) {
		char *src, *p;
		int progs = 0, bad = 0;

		snprintf(path, sizeof(path), "%s/%s", top, files[f]);
		src = slurp(path);
		tap_ok(src != NULL, "%s readable (the source tree's top: the working directory or two levels above this binary)",
		       files[f]);
		if (!src)
			continue;
		for (p = strstr(src, "\nSEC(\""); p; p = strstr(p + 1, "\nSEC(\"")) {
			char name[64], want[32] = "", got[32] = "";
			const char *body, *stmt, *eol;
			int role;

			if (!strncmp(p + 6, ".maps", 5) || !strncmp(p + 6, "license", 7) ||
			    !strncmp(p + 6, "netfilter\"", 10))
				continue;
			if (prog_name(strchr(p + 1, '\n') + 1, name, sizeof(name))) {
				tap_ok(0, "%s: a program after '%.30s' without a vtax_ name", files[f], p + 1);
				continue;
			}
			body = strstr(p, "\n{\n");
			if (!body) {
				tap_ok(0, "%s: %s has no body", files[f], name);
				continue;
			}
			stmt = body + 3;
			while (*stmt == '\t' || *stmt == ' ')
				stmt++;
			eol = strchr(stmt, '\n');
			if (!strncmp(stmt, "VTAX_GATE(", 10) && eol)
				snprintf(got, sizeof(got), "%.*s", (int)(eol - stmt), stmt);
			role = vtax_chain_role(name);
			if (role == VTAX_CHAIN_START)
				snprintf(want, sizeof(want), "VTAX_GATE(START);");
			else if (role == VTAX_CHAIN_END)
				snprintf(want, sizeof(want), "VTAX_GATE(END);");
			seen[role]++;
			progs++;
			if (strcmp(want, got)) {
				bad++;
				tap_ok(0, "%s: %s starts with '%s', its role wants '%s'", files[f], name,
				       got, want[0] ? want : "no gate");
			}
		}
		tap_ok(progs > 0 && !bad, "%s: %d programs, each gated as its role says", files[f], progs);
		free(src);
	}
	tap_diag("roles: %d always, %d chain-ending, %d chain-starting", seen[VTAX_CHAIN_ALWAYS],
		 seen[VTAX_CHAIN_END], seen[VTAX_CHAIN_START]);
	tap_ok(seen[VTAX_CHAIN_ALWAYS] == 3 && seen[VTAX_CHAIN_END] > 20 && seen[VTAX_CHAIN_START] > 10,
	       "every role present (fork, exit and cgroup-move are the only ALWAYS ones)");
	return tap_done();
}
