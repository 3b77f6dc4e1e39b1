// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * clock.c - the one monotonic clock helper (clock.h); every deadline and
 * elapsed time in vtax reads it.
 */
#include <time.h>
#include "util/clock.h"

uint64_t vtax_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double vtax_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
