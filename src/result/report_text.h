// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_text.h - the human-readable report of a vtax result.
 */
#ifndef VTAX_REPORT_TEXT_H
#define VTAX_REPORT_TEXT_H

#include <stdio.h>
#include "result/result.h"

struct vtax_text_opts {
	size_t sz;
	int hist;        /* bar histograms under each row */
	int top;         /* rows per family per subject (0 = 20) */
};

void vtax_report__text(FILE *out, const struct vtax_result *r, const struct vtax_text_opts *o);
/* "name{k=v,k=v}" into buf, skipping the label named skip (may be NULL). */
const char *vtax_series__title(const struct vtax_series *se, const char *skip, char *buf,
			       size_t len);
void vtax_report__hist_bars(FILE *out, const struct vtax_hist *h, const char *indent);

#endif
