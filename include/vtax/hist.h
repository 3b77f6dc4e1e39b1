/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hist.h - the one latency histogram layout, shared by BPF and userspace.
 *
 * Log-linear buckets (HdrHistogram-style): values below 2^SUB_BITS ns are
 * counted exactly; above that every power-of-two range [2^e, 2^(e+1)) is split
 * into 2^SUB_BITS equal sub-buckets.  With SUB_BITS = 4 a bucket is at most
 * 1/16 = 6.25% wide relative to its lower edge, so a percentile read at the
 * bucket midpoint is within ~3.1% of the true value.  The top bucket ends at
 * 2^VTAX_HIST_MAX_EXP ns (~275 s); larger values are clamped into it (and the
 * exact maximum is kept in `max`).
 *
 * The bucket index is computed with shifts only: clang 14 crashes on
 * __builtin_clzll in BPF code (see docs/kernel-facts.md).
 */
#ifndef VTAX_HIST_H
#define VTAX_HIST_H

#define VTAX_HIST_SUB_BITS 4
#define VTAX_HIST_SUB (1u << VTAX_HIST_SUB_BITS)
#define VTAX_HIST_MAX_EXP 38 /* top bucket ends at 2^38 ns = 274.9 s */
/* exponents SUB_BITS..MAX_EXP-1 each get SUB buckets, plus SUB exact ones */
#define VTAX_HIST_NBUCKETS ((VTAX_HIST_MAX_EXP - VTAX_HIST_SUB_BITS + 1) * VTAX_HIST_SUB)

#ifndef __VTAX_BPF__
#include <stdint.h>
typedef uint64_t vtax_u64;
typedef uint32_t vtax_u32;
#else
typedef __u64 vtax_u64;
typedef __u32 vtax_u32;
#endif

/* One histogram.  count/sum_ns/max_ns make mean and max exact. */
struct vtax_hist {
	vtax_u64 count;
	vtax_u64 sum_ns;
	vtax_u64 max_ns;
	vtax_u64 buckets[VTAX_HIST_NBUCKETS];
};

/* floor(log2(v)) for v > 0, by binary search with shifts (BPF-safe). */
static inline vtax_u32 vtax_log2_u64(vtax_u64 v)
{
	vtax_u32 r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r |= s;
	s = (v > 0xFFFFULL) << 4; v >>= s; r |= s;
	s = (v > 0xFFULL) << 3; v >>= s; r |= s;
	s = (v > 0xFULL) << 2; v >>= s; r |= s;
	s = (v > 0x3ULL) << 1; v >>= s; r |= s;
	r |= (vtax_u32)(v >> 1);
	return r;
}

/* Bucket index of a value in ns; always < VTAX_HIST_NBUCKETS. */
static inline vtax_u32 vtax_hist_index(vtax_u64 ns)
{
	vtax_u32 e, sub, idx;

	if (ns < VTAX_HIST_SUB)
		return (vtax_u32)ns;
	e = vtax_log2_u64(ns);
	if (e >= VTAX_HIST_MAX_EXP)
		return VTAX_HIST_NBUCKETS - 1;
	sub = (vtax_u32)(ns >> (e - VTAX_HIST_SUB_BITS)) & (VTAX_HIST_SUB - 1);
	idx = (e - VTAX_HIST_SUB_BITS + 1) * VTAX_HIST_SUB + sub;
	return idx < VTAX_HIST_NBUCKETS ? idx : VTAX_HIST_NBUCKETS - 1;
}

/* Lower edge (inclusive) of bucket idx, in ns. */
static inline vtax_u64 vtax_hist_lo(vtax_u32 idx)
{
	vtax_u32 e, sub;

	if (idx < VTAX_HIST_SUB)
		return idx;
	e = idx / VTAX_HIST_SUB - 1 + VTAX_HIST_SUB_BITS;
	sub = idx % VTAX_HIST_SUB;
	return (1ULL << e) + ((vtax_u64)sub << (e - VTAX_HIST_SUB_BITS));
}

/* Upper edge (exclusive) of bucket idx, in ns. */
static inline vtax_u64 vtax_hist_hi(vtax_u32 idx)
{
	if (idx + 1 >= VTAX_HIST_NBUCKETS)
		return 1ULL << VTAX_HIST_MAX_EXP;
	return vtax_hist_lo(idx + 1);
}

#endif /* VTAX_HIST_H */
