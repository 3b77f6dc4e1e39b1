// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * parse.h - the one parser of numbers given on the command line: integers,
 * plain numbers and sizes with K/M/G suffixes, each within bounds.  They
 * print nothing; the caller says which option was wrong (cli.c
 * vtax_parse_long, the workload option table in load.c).
 */
#ifndef VTAX_PARSE_H
#define VTAX_PARSE_H

#include <stdint.h>

/* A whole decimal number in [lo, hi].  0 or -EINVAL. */
int vtax_parse_int(const char *s, long lo, long hi, long *out);
/* A finite number in [lo, hi].  0 or -EINVAL. */
int vtax_parse_num(const char *s, double lo, double hi, double *out);
/* Bytes with an optional K, M or G suffix (powers of 1024), in [lo, hi].
 * 0 or -EINVAL. */
int vtax_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
