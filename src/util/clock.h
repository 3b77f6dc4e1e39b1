// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * clock.h - the one monotonic clock of vtax (CLOCK_MONOTONIC), for
 * deadlines, progress and elapsed times.  Wall-clock time (time(2)) is
 * only used for timestamps in results.
 */
#ifndef VTAX_CLOCK_H
#define VTAX_CLOCK_H

#include <stdint.h>

/* Monotonic time in nanoseconds / seconds since an arbitrary origin. */
uint64_t vtax_now_ns(void);
double vtax_now_s(void);

#endif
