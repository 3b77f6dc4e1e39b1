// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_text.c - text report: per subject, per family, rows sorted by
 * total time, with count, total, mean, p50/p90/p99/p99.9 and max, in the
 * unit that reads best.  Syscall rows show how their time splits between
 * on-CPU, run-queue and blocked.  --hist adds bcc-style star bars, one row
 * per power of two.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/fmt.h"
#include "result/report_text.h"

const char *vtax_series__title(const struct vtax_series *se, const char *skip, char *buf,
			       size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%s", se->name);
	int first = 1;

	for (int i = 0; i < se->nlabels && off < len; i++) {
		if (skip && !strcmp(se->labels[i].key, skip))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", first ? "{" : ",",
					se->labels[i].key, se->labels[i].value);
		first = 0;
	}
	if (!first && off < len)
		snprintf(buf + off, len - off, "}");
	return buf;
}

void vtax_report__hist_bars(FILE *out, const struct vtax_hist *h, const char *indent)
{
	uint64_t rows[64] = { 0 }, maxc = 0;
	int lo = 64, hi = -1;

	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++) {
		uint64_t v = vtax_hist_lo(i);
		int e = 0;

		if (!h->buckets[i])
			continue;
		while (v >> (e + 1))
			e++;
		rows[e] += h->buckets[i];
		lo = e < lo ? e : lo;
		hi = e > hi ? e : hi;
	}
	for (int e = lo; e <= hi; e++)
		maxc = rows[e] > maxc ? rows[e] : maxc;
	for (int e = lo; e <= hi && maxc; e++) {
		char a[32], b[32], bar[41];
		int n = (int)((rows[e] * 40 + maxc - 1) / maxc);

		memset(bar, '*', (size_t)n);
		bar[n] = '\0';
		fprintf(out, "%s%10s -> %-10s : %-10llu |%-40s|\n", indent,
			vtax_fmt_ns((double)(1ull << e), a, sizeof(a), VTAX_FMT_FINE),
			vtax_fmt_ns((double)(1ull << (e + 1)), b, sizeof(b), VTAX_FMT_FINE),
			(unsigned long long)rows[e], bar);
	}
}

static void row(FILE *out, int w, const char *title, const struct vtax_hist *h, const char *extra)
{
	char t[32], m[32], p50[32], p90[32], p99[32], p999[32], mx[32];

	fprintf(out, "  %-*s %9llu %9s %9s %9s %9s %9s %9s %9s%s\n", w, title,
		(unsigned long long)h->count, vtax_fmt_ns((double)h->sum_ns, t, sizeof(t), VTAX_FMT_FINE),
		vtax_fmt_ns(vtax_hist__mean(h), m, sizeof(m), VTAX_FMT_FINE),
		vtax_fmt_ns((double)vtax_hist__quantile(h, 0.5), p50, sizeof(p50), VTAX_FMT_FINE),
		vtax_fmt_ns((double)vtax_hist__quantile(h, 0.9), p90, sizeof(p90), VTAX_FMT_FINE),
		vtax_fmt_ns((double)vtax_hist__quantile(h, 0.99), p99, sizeof(p99), VTAX_FMT_FINE),
		vtax_fmt_ns((double)vtax_hist__quantile(h, 0.999), p999, sizeof(p999), VTAX_FMT_FINE),
		vtax_fmt_ns((double)h->max_ns, mx, sizeof(mx), VTAX_FMT_FINE), extra);
}

static void header(FILE *out, int w, const char *family)
{
	fprintf(out, "  %-*s %9s %9s %9s %9s %9s %9s %9s %9s\n", w, family, "count", "total", "mean",
		"p50", "p90", "p99", "p99.9", "max");
}

/* sum_ns of the syscall series with the same name and fs but another part */
static double part_sum(const struct vtax_subject *s, const struct vtax_series *tot,
		       const char *part)
{
	const char *fs = vtax_series__label(tot, "fs");

	for (size_t i = 0; i < s->nseries; i++) {
		const struct vtax_series *se = &s->series[i];
		const char *p = vtax_series__label(se, "part"), *f = vtax_series__label(se, "fs");

		if (strcmp(se->family, "syscall") || strcmp(se->name, tot->name) || !p ||
		    strcmp(p, part))
			continue;
		if ((fs == NULL) != (f == NULL) || (fs && strcmp(fs, f)))
			continue;
		return (double)se->hist.sum_ns;
	}
	return 0;
}

static int cmp_sum_desc(const void *a, const void *b)
{
	const struct vtax_series *x = *(struct vtax_series *const *)a;
	const struct vtax_series *y = *(struct vtax_series *const *)b;

	if (x->hist.sum_ns == y->hist.sum_ns)
		return strcmp(x->name, y->name);
	return x->hist.sum_ns < y->hist.sum_ns ? 1 : -1;
}

static void family_rows(FILE *out, const struct vtax_subject *s, const char *family,
			const struct vtax_text_opts *o)
{
	const struct vtax_series **rows = calloc(s->nseries ? s->nseries : 1, sizeof(*rows));
	size_t n = 0, top = o && o->top > 0 ? (size_t)o->top : 20;
	int is_sys = !strcmp(family, "syscall"), w = 34;

	if (!rows)
		return;
	for (size_t i = 0; i < s->nseries; i++) {
		const struct vtax_series *se = &s->series[i];
		const char *p = vtax_series__label(se, "part");

		if (strcmp(se->family, family) || !se->hist.count)
			continue;
		if (is_sys && (!p || strcmp(p, "total")))
			continue;
		rows[n++] = se;
	}
	if (!n) {
		free(rows);
		return;
	}
	qsort(rows, n, sizeof(*rows), cmp_sum_desc);
	/* the name column fits the longest title shown (34..64) */
	for (size_t i = 0; i < n && i < top; i++) {
		char title[160];
		int len = (int)strlen(vtax_series__title(rows[i], "part", title, sizeof(title)));

		if (len > w)
			w = len < 64 ? len : 64;
	}
	header(out, w, family);
	for (size_t i = 0; i < n && i < top; i++) {
		char title[160], extra[96] = "";

		vtax_series__title(rows[i], "part", title, sizeof(title));
		if (is_sys && rows[i]->hist.sum_ns) {
			double tot = (double)rows[i]->hist.sum_ns;

			snprintf(extra, sizeof(extra), "  cpu %3.0f%% runq %3.0f%% blocked %3.0f%%",
				 100 * part_sum(s, rows[i], "oncpu") / tot,
				 100 * part_sum(s, rows[i], "runq") / tot,
				 100 * part_sum(s, rows[i], "blocked") / tot);
		}
		row(out, w, title, &rows[i]->hist, extra);
		if (o && o->hist)
			vtax_report__hist_bars(out, &rows[i]->hist, "      ");
	}
	if (n > top)
		fprintf(out, "  ... %zu more (--top N, or --format json for all)\n", n - top);
	free(rows);
}

/*
 * The packet path of one direction as a single line, hops in the order a
 * packet crosses them, each with its mean time per packet:
 *   send[bridge@host] 2.63us -> xmit[bridge@host] 470ns -> ... -> sock_queue 29.0us
 * Netfilter runs inside the hops (LOCAL_OUT/POSTROUTING inside send, the
 * bridge's PREROUTING inside bridge, ...), so it is summed on a line of its
 * own.  Hops seen on fewer than 1% of the packets (other flows, stale
 * chains) are left out of the line; the rows above show everything.
 */
static int hop_rank(const char *name)
{
	static const char *const order[] = { "send", "qdisc", "xmit", "backlog", "bridge",
					     "forward", "rx_stack", "sock_queue", NULL };

	for (int i = 0; order[i]; i++)
		if (!strcmp(order[i], name))
			return i;
	return -1;
}

static int dev_rank(const char *dev)
{
	static const char *const order[] = { "tap", "tun", "bridge", "veth", "loopback",
					     "physical", "tunnel", NULL };

	for (int i = 0; dev && order[i]; i++)
		if (!strcmp(order[i], dev))
			return i;
	return 99;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct vtax_series *x = *(struct vtax_series *const *)a;
	const struct vtax_series *y = *(struct vtax_series *const *)b;
	int d = hop_rank(x->name) - hop_rank(y->name);

	if (d)
		return d;
	return dev_rank(vtax_series__label(x, "dev")) - dev_rank(vtax_series__label(y, "dev"));
}

static void net_path(FILE *out, const struct vtax_subject *s)
{
	static const char *const dirs[] = { "tx", "rx" };

	for (int d = 0; d < 2; d++) {
		const struct vtax_series *path = NULL, *hops[32];
		double nf[3] = { 0 };
		size_t n = 0;
		char a[32], line[1024];
		size_t off = 0;

		for (size_t i = 0; i < s->nseries; i++) {
			const struct vtax_series *se = &s->series[i];
			const char *dir = vtax_series__label(se, "dir");

			if (!strcmp(se->family, "net") && !strcmp(se->name, "path") && dir &&
			    !strcmp(dir, dirs[d]))
				path = se;
		}
		if (!path || !path->hist.count)
			continue;
		for (size_t i = 0; i < s->nseries && n < 32; i++) {
			const struct vtax_series *se = &s->series[i];
			const char *dir = vtax_series__label(se, "dir");

			if (strcmp(se->family, "net") || se->hist.count * 100 < path->hist.count)
				continue;
			if (d == 0) { /* netfilter has no direction: it goes with tx */
				if (!strcmp(se->name, "conntrack"))
					nf[0] += (double)se->hist.sum_ns;
				else if (!strcmp(se->name, "nat") || !strcmp(se->name, "nat_miss"))
					nf[1] += (double)se->hist.sum_ns;
				else if (!strcmp(se->name, "filter"))
					nf[2] += (double)se->hist.sum_ns;
			}
			if (hop_rank(se->name) >= 0 && dir && !strcmp(dir, dirs[d]))
				hops[n++] = se;
		}
		if (!n)
			continue;
		qsort(hops, n, sizeof(hops[0]), cmp_hop);
		fprintf(out, "  path %s, per packet (%llu packets, %s end to end):\n", dirs[d],
			(unsigned long long)path->hist.count,
			vtax_fmt_ns(vtax_hist__mean(&path->hist), a, sizeof(a), VTAX_FMT_FINE));
		for (size_t i = 0; i < n && off < sizeof(line); i++) {
			const char *dev = vtax_series__label(hops[i], "dev");
			const char *ns = vtax_series__label(hops[i], "netns");

			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " -> " : "",
						hops[i]->name);
			if (dev && off < sizeof(line))
				off += (size_t)snprintf(line + off, sizeof(line) - off, "[%s%s%s]", dev,
							ns ? "@" : "", ns ? ns : "");
			if (off < sizeof(line))
				off += (size_t)snprintf(line + off, sizeof(line) - off, " %s",
							vtax_fmt_ns(vtax_hist__mean(&hops[i]->hist), a, sizeof(a), VTAX_FMT_FINE));
		}
		fprintf(out, "    %s\n", line);
		if (nf[0] + nf[1] + nf[2] > 0) {
			char b[32], c[32];
			double pk = (double)path->hist.count;

			fprintf(out, "    netfilter inside those hops, per packet: conntrack %s, NAT %s, filter %s\n",
				vtax_fmt_ns(nf[0] / pk, a, sizeof(a), VTAX_FMT_FINE), vtax_fmt_ns(nf[1] / pk, b, sizeof(b), VTAX_FMT_FINE),
				vtax_fmt_ns(nf[2] / pk, c, sizeof(c), VTAX_FMT_FINE));
		}
	}
}

void vtax_report__text(FILE *out, const struct vtax_result *r, const struct vtax_text_opts *o)
{
	static const char *const families[] = { "syscall", "sched", "net", "blk", "kvm", NULL };

	fprintf(out, "vtax %s%s%s: %.2f s, %zu subject%s%s%s\n", r->mode, r->env[0] ? " " : "",
		r->env, r->duration_s, r->nsubjects, r->nsubjects == 1 ? "" : "s",
		r->label[0] ? " -- " : "", r->label);
	if (r->sample.spec[0] && r->sample.scope == VTAX_SAMPLE_NETFILTER)
		fprintf(out,
			"netfilter sampled (--sample-netfilter %s): its brackets saw %.2f%% of the %s (%llu windows, %.2f%% of wall time); "
			"their counts and totals %s; every other probe traced whole\n",
			r->sample.spec, 100.0 * r->sample.fraction,
			r->sample.events ? "subjects' packets" : "wall time (too few packets to count)",
			(unsigned long long)r->sample.windows,
			r->sample.wall_ns ? 100.0 * (double)r->sample.on_ns / (double)r->sample.wall_ns : 0.0,
			r->sample.scaled ? "scaled by 1/fraction to the whole run" : "of the windows only (not scaled)");
	else if (r->sample.spec[0])
		fprintf(out,
			"sampled (--sample %s): traced %.2f%% of wall time (%.3f s of %.3f s, %llu windows, measured); "
			"counts and totals %s; means and percentiles as measured; counters not scaled\n",
			r->sample.spec, 100.0 * r->sample.fraction, (double)r->sample.on_ns / 1e9,
			(double)r->sample.wall_ns / 1e9, (unsigned long long)r->sample.windows,
			r->sample.scaled ? "scaled by 1/fraction to the whole run" : "of the windows only (not scaled)");
	for (int i = 0; i < r->sample.nfams && r->sample.scope != VTAX_SAMPLE_NETFILTER; i++)
		fprintf(out, "%s%s %.2f%%%s", i ? ", " : "  per family (its links' measured on-time): ",
			r->sample.fams[i].family, 100.0 * r->sample.fams[i].fraction,
			i + 1 == r->sample.nfams ? "\n" : "");
	for (size_t i = 0; i < r->nsubjects; i++) {
		const struct vtax_subject *s = &r->subjects[i];

		fprintf(out, "\n== %s ==\n", s->id);
		if (!s->nseries && !s->ncounters)
			fprintf(out, "  (no events)\n");
		for (int f = 0; families[f]; f++) {
			family_rows(out, s, families[f], o);
			if (!strcmp(families[f], "net"))
				net_path(out, s);
		}
		/* families not in the list above (client, ...) */
		for (size_t k = 0; k < s->nseries; k++) {
			int known = 0, dup = 0;

			for (int f = 0; families[f]; f++)
				known |= !strcmp(families[f], s->series[k].family);
			for (size_t j = 0; j < k; j++)
				dup |= !strcmp(s->series[j].family, s->series[k].family);
			if (!known && !dup)
				family_rows(out, s, s->series[k].family, o);
		}
		if (s->ncounters) {
			fprintf(out, "  %-34s\n", "counters");
			for (size_t k = 0; k < s->ncounters; k++) {
				const struct vtax_counter *c = &s->counters[k];
				char b[32];

				if (!strcmp(c->unit, "ns"))
					fprintf(out, "  %-34s %12s\n", c->name,
						vtax_fmt_ns(c->value, b, sizeof(b), VTAX_FMT_FINE));
				else if (!strcmp(c->unit, "ratio"))
					fprintf(out, "  %-34s %11.1f%%\n", c->name, 100 * c->value);
				else
					fprintf(out, "  %-34s %12.0f\n", c->name, c->value);
			}
		}
	}
	if (r->bpf_map_bytes)
		fprintf(out, "\nvtax's own footprint: BPF maps %.1f MiB, RSS %.1f MiB\n",
			(double)r->bpf_map_bytes / 1048576.0, (double)r->rss_bytes / 1048576.0);
	if (r->ndrops) {
		double total = 0;

		for (size_t i = 0; i < r->ndrops; i++)
			total += r->drops[i].value;
		fprintf(out, "\ndrops and misses: %.0f", total);
		for (size_t i = 0; i < r->ndrops; i++)
			if (r->drops[i].value > 0)
				fprintf(out, "  %s=%.0f", r->drops[i].name, r->drops[i].value);
		fprintf(out, "\n");
	}
}
