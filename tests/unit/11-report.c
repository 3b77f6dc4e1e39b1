// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 11-report - the text report's layout: rows sorted by total time, syscall
 * parts as shares, the packet path line in crossing order with netfilter
 * summed apart, and noise hops (< 1% of packets) left off the path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "result/report_text.h"
#include "tap.h"

static void add(struct vtax_subject *s, const char *fam, const char *name, const char *l1k,
		const char *l1v, const char *l2k, const char *l2v, uint64_t n, uint64_t ns)
{
	struct vtax_label l[3] = { 0 };
	int nl = 0;
	struct vtax_series *se;

	if (l1k) {
		snprintf(l[nl].key, sizeof(l[0].key), "%s", l1k);
		snprintf(l[nl++].value, sizeof(l[0].value), "%s", l1v);
	}
	if (l2k) {
		snprintf(l[nl].key, sizeof(l[0].key), "%s", l2k);
		snprintf(l[nl++].value, sizeof(l[0].value), "%s", l2v);
	}
	if (!strcmp(fam, "net") && strcmp(name, "path") && !l1k)
		nl = 0;
	se = vtax_subject__series(s, fam, name, nl, l);
	vtax_hist__record_n(&se->hist, ns, n);
}

int main(void)
{
	struct vtax_result *r = vtax_result__new("run");
	struct vtax_subject *s = vtax_result__subject(r, "container:web", "container");
	struct vtax_text_opts o = { .sz = sizeof(o) };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *p, *q;

	/* inserted out of order on purpose */
	add(s, "net", "sock_queue", "dev", "veth", "dir", "tx", 1000, 29000);
	add(s, "net", "send", "dev", "bridge", "dir", "tx", 1000, 2600);
	add(s, "net", "xmit", "dev", "veth", "dir", "tx", 1000, 260);
	add(s, "net", "xmit", "dev", "bridge", "dir", "tx", 1000, 470);
	add(s, "net", "backlog", "dev", "veth", "dir", "tx", 1000, 590);
	add(s, "net", "forward", "dev", "veth", "dir", "tx", 1, 384000); /* a stray chain */
	add(s, "net", "path", "dir", "tx", NULL, NULL, 1000, 33000);
	add(s, "net", "conntrack", "hook", "output", NULL, NULL, 1000, 340);
	add(s, "net", "nat", "hook", "output", NULL, NULL, 1000, 460);
	add(s, "syscall", "read", "part", "total", NULL, NULL, 10, 1000000);
	add(s, "syscall", "read", "part", "blocked", NULL, NULL, 10, 750000);
	add(s, "syscall", "write", "part", "total", NULL, NULL, 10, 2000000);
	vtax_report__text(f, r, &o);
	fclose(f);
	p = strstr(buf, "path tx, per packet (1000 packets");
	tap_ok(p != NULL, "a path line for tx with its packet count");
	q = p ? strchr(strchr(p, '\n') + 1, '\n') : NULL;
	if (p && q) {
		char line[512];
		const char *order[] = { "send[bridge]", "xmit[bridge]", "xmit[veth]", "backlog[veth]",
					"sock_queue[veth]" };
		const char *at = p;
		int inorder = 1;

		snprintf(line, sizeof(line), "%.*s", (int)(q - p), p);
		for (int i = 0; i < 5; i++) {
			const char *h = strstr(at, order[i]);

			if (!h || h > q)
				inorder = 0;
			else
				at = h;
		}
		tap_ok(inorder, "hops in crossing order: %s", strchr(line, '\n') + 1);
		tap_ok(!strstr(line, "forward"), "a hop seen on < 1%% of packets is not on the path");
	}
	tap_ok(strstr(buf, "netfilter inside those hops, per packet: conntrack 340ns, NAT 460ns") != NULL,
	       "netfilter time per packet on its own line");
	p = strstr(buf, "  write ");
	q = strstr(buf, "  read ");
	tap_ok(p && q && p < q, "syscall rows sorted by total time (write before read)");
	tap_ok(q && strstr(q, "blocked  75%") != NULL, "a syscall's blocked share is shown");
	free(buf);
	vtax_result__free(r);
	return tap_done();
}
