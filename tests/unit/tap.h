// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tap.h - minimal TAP producer for vtax's C unit tests (run by prove). */
#ifndef VTAX_TAP_H
#define VTAX_TAP_H
#include <stdio.h>
#include <stdarg.h>
static int tap_n, tap_failed;
static inline void tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
