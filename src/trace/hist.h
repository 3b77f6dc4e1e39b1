// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hist.h - userspace operations on the shared log-linear histogram
 * (include/vtax/hist.h): record, merge, percentiles.
 */
#ifndef VTAX_SRC_HIST_H
#define VTAX_SRC_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include "vtax/hist.h"

void vtax_hist__reset(struct vtax_hist *h);
void vtax_hist__record(struct vtax_hist *h, uint64_t ns);
void vtax_hist__record_n(struct vtax_hist *h, uint64_t ns, uint64_t n);
/* dst += src (counts, sums; max of max). */
void vtax_hist__merge(struct vtax_hist *dst, const struct vtax_hist *src);
/* Value at quantile q in [0,1]: midpoint of the bucket holding the q-th
 * sample (exact for values < 16 ns), never above max_ns.  0 if empty. */
uint64_t vtax_hist__quantile(const struct vtax_hist *h, double q);
double vtax_hist__mean(const struct vtax_hist *h);
bool vtax_hist__empty(const struct vtax_hist *h);

#endif
