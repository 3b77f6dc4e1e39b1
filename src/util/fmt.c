// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fmt.c - durations for humans (fmt.h), one formatter for the text report,
 * the compare report, the ledger's headline and the HTML export.
 */
#include <math.h>
#include <stdio.h>
#include "util/fmt.h"

const char *vtax_fmt_ns(double ns, char *buf, size_t len, unsigned flags)
{
	const char *sign = ns < 0 ? "-" : (flags & VTAX_FMT_SIGN) ? "+" : "";
	const char *sp = (flags & VTAX_FMT_HTML) ? " " : "";
	double a = fabs(ns);

	if (!isfinite(ns)) {
		snprintf(buf, len, "%s", (flags & VTAX_FMT_HTML) ? "–" : "-");
	} else if (a < 1e3) {
		snprintf(buf, len, "%s%.0f%sns", sign, a, sp);
	} else if (a < 1e6) {
		int prec = (flags & VTAX_FMT_FINE) || ((flags & VTAX_FMT_HTML) && a < 1e4) ? 2 : 1;

		snprintf(buf, len, "%s%.*f%s%s", sign, prec, a / 1e3, sp,
			 (flags & VTAX_FMT_HTML) ? "µs" : "us");
	} else if (a < 1e9) {
		int prec = (flags & VTAX_FMT_HTML) && a >= 1e7 ? 1 : 2;

		snprintf(buf, len, "%s%.*f%sms", sign, prec, a / 1e6, sp);
	} else {
		snprintf(buf, len, "%s%.2f%ss", sign, a / 1e9, sp);
	}
	return buf;
}
