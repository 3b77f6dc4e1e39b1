// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * result.h - the in-memory form of a vtax result: what a run, an attach or
 * one environment of a compare measured.  Everything that reports or
 * exports (text, JSON, CSV, OpenMetrics, gnuplot, HTML) reads this model;
 * result_json.c writes it to JSON and reads it back (docs/json.md).
 *
 *   result -> subjects[] -> series[] (family, name, labels, histogram)
 *          -> counters[] (named scalars: drops, throttling, packets...)
 */
#ifndef VTAX_RESULT_H
#define VTAX_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include "result/cause.h"
#include "trace/hist.h"

#define VTAX_SCHEMA_VERSION 1
#define VTAX_MAX_LABELS 6

struct vtax_label {
	char key[24];
	char value[64];
};

/* One histogram with its identity (subject is the owner). */
struct vtax_series {
	char family[16];  /* syscall, sched, net, blk, kvm, client, ... */
	char name[64];    /* getppid, runq, nat, exit.EPT_VIOLATION, ... */
	int nlabels;
	struct vtax_label labels[VTAX_MAX_LABELS];
	struct vtax_hist hist;
	int cause;        /* enum vtax_cause: set by the family's decoder (cause.h) */
};

/* A named scalar: a drop counter, a throttling figure, a packet count. */
struct vtax_counter {
	char name[64];
	char unit[16];    /* "", "ns", "bytes", "ratio", "count" */
	double value;
};

struct vtax_subject {
	char id[160];     /* pid:123, container:web, cgroup:/a/b, vm:4242, host */
	char kind[16];    /* pid, cgroup, container, vm, host, netns */
	size_t nseries, cap_series;
	struct vtax_series *series;
	size_t ncounters, cap_counters;
	struct vtax_counter *counters;
};

/* What a sampled session duty-cycled (trace/sample.h): every program
 * (--sample), or only net's netfilter brackets (--sample-netfilter: every
 * other program traces whole; the brackets' links come and go, and only
 * their series are scaled, by the "net.netfilter" fraction). */
enum vtax_sample_scope { VTAX_SAMPLE_ALL = 0, VTAX_SAMPLE_NETFILTER = 1 };
/* the sample.fams entry of the netfilter brackets (their open programs' clock) */
#define VTAX_SAMPLE_NF_FAMILY "net.netfilter"

struct vtax_result {
	char mode[16];        /* run, attach, compare-env */
	char env[32];         /* environment name in a compare, else "" */
	char label[128];      /* human note, e.g. "emulated (TCG): not representative of KVM" */
	double duration_s;
	uint64_t start_unix_ns;
	size_t nsubjects, cap_subjects;
	struct vtax_subject *subjects;
	/* drops and misses of the whole session (map full, enter w/o exit...) */
	size_t ndrops, cap_drops;
	struct vtax_counter *drops;
	/* vtax's own footprint when the result was collected (0: unknown):
	 * kernel memory of its BPF maps (memlock) and its resident set */
	uint64_t bpf_map_bytes, rss_bytes;
	/* --sample (docs/sampling.md): spec as given ("" = not sampled), the
	 * measured on-time, wall time and their ratio, windows begun, and
	 * whether counts and totals were scaled by 1/fraction (unsample) */
	struct vtax_sample_info {
		char spec[32];
		int scope; /* enum vtax_sample_scope */
		/* netfilter scope: fraction is the share of this many of the
		 * subjects' packets that fell in the windows (0: the share of
		 * wall time, too few packets to count) */
		uint64_t events;
		double fraction;
		uint64_t on_ns, wall_ns, windows;
		int scaled;
		/* per probe family: the measured fraction its histograms are
		 * scaled by (its own links' on-time over the wall time) */
		int nfams;
		struct {
			char family[16];
			double fraction;
		} fams[8];
	} sample;
	/* which kernel hook each family (and series group such as
	 * "net.netfilter") used on this kernel, or "n/m: <reason>" */
	size_t nhooks;
	struct vtax_hook {
		char what[32];
		char how[224];
	} hooks[16];
};

struct vtax_result *vtax_result__new(const char *mode);
void vtax_result__free(struct vtax_result *r);
/* Find or add a subject by id. NULL on allocation failure. */
struct vtax_subject *vtax_result__subject(struct vtax_result *r, const char *id, const char *kind);
/* Find or add a series; labels are "key=value" strings, NULL-terminated list
 * given as an array of nlabels pairs. Returns NULL on allocation failure. */
struct vtax_series *vtax_subject__series(struct vtax_subject *s, const char *family,
					 const char *name, int nlabels,
					 const struct vtax_label *labels);
/* Find a series without adding; NULL if absent. Labels must match exactly. */
struct vtax_series *vtax_subject__find(const struct vtax_subject *s, const char *family,
				       const char *name, int nlabels,
				       const struct vtax_label *labels);
/* Set (or add to, when add != 0) a named counter. */
int vtax_subject__counter(struct vtax_subject *s, const char *name, const char *unit,
			  double value, int add);
int vtax_result__drop(struct vtax_result *r, const char *name, double value);
/* --sample: scale every histogram's count, sum and buckets by 1/fraction
 * (means, maxima and percentiles unchanged); counters are left as they are.
 * No-op when not sampled or already scaled. */
void vtax_result__unsample(struct vtax_result *r);
/* Add src's sampled time to dst's (compare's rounds): on and wall times
 * add up, fractions are weighted by wall time. */
void vtax_result__merge_sample(struct vtax_result *dst, const struct vtax_result *src);
/* The measured fraction si->fams holds for family (or series group such
 * as VTAX_SAMPLE_NF_FAMILY), or -1 when it has none. */
double vtax_result__sample_fraction(const struct vtax_sample_info *si, const char *family);
/* Set what -> how in the hooks table (replaces an existing entry). */
void vtax_result__hook(struct vtax_result *r, const char *what, const char *how);
/* Label value by key, or NULL. */
const char *vtax_series__label(const struct vtax_series *se, const char *key);
/* Append a label to a series in place (e.g. naming a device after the run).
 * -ENOSPC when VTAX_MAX_LABELS are taken. */
int vtax_series__add_label(struct vtax_series *se, const char *key, const char *value);
/* Sort every subject's series by total time (sum_ns) descending. */
void vtax_result__sort(struct vtax_result *r);



/* A new result holding cur - prev for every histogram and counter
 * (an interval's worth).  NULL on allocation failure. */
struct vtax_result *vtax_result__delta(const struct vtax_result *cur,
				       const struct vtax_result *prev);
#endif
