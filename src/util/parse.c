// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * parse.c - numbers from the command line, bounded (parse.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "util/parse.h"

int vtax_parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int vtax_parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s)
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int vtax_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	double v;

	if (!s)
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	switch (*end) {
	case 'K':
	case 'k':
		v *= 1024.0;
		end++;
		break;
	case 'M':
	case 'm':
		v *= 1048576.0;
		end++;
		break;
	case 'G':
	case 'g':
		v *= 1073741824.0;
		end++;
		break;
	}
	if (*end || v < (double)lo || v > (double)hi || v != floor(v))
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}
