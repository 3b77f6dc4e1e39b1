// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fmt.h - the one formatter of durations in vtax's reports: nanoseconds as
 * "850ns", "31.2us", "1.25ms", "2.00s", with the precision and style each
 * report asks for by flags.  Non-finite values print as "-".
 */
#ifndef VTAX_FMT_H
#define VTAX_FMT_H

#include <stddef.h>

enum {
	VTAX_FMT_SIGN = 1, /* always a sign: "+31.2us", "-850ns" */
	VTAX_FMT_FINE = 2, /* two decimals in us: "31.25us" (the text report) */
	VTAX_FMT_HTML = 4, /* "31.2 µs": a space, µ, two decimals below 10 (and "–") */
};

/* ns into buf (returned), styled by flags. */
const char *vtax_fmt_ns(double ns, char *buf, size_t len, unsigned flags);

#endif
