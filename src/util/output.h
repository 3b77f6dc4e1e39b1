// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output.h - write a report or export to a path atomically: a temp file in
 * the same directory, renamed into place on success, removed on failure,
 * so a failed write never leaves a partial file.  "-" is stdout; a path
 * that exists and is not a regular file (/dev/null, a FIFO) is written
 * directly.
 */
#ifndef VTAX_OUTPUT_H
#define VTAX_OUTPUT_H

#include <stdio.h>

struct vtax_out {
	FILE *f;
	char path[4096];
	char tmp[4200];   /* "" when writing directly */
};

/* 0 or -errno with err filled */
int vtax_out__open(struct vtax_out *o, const char *path, char *err, size_t errlen);
/* flush, close, rename; 0 or -errno with err filled (temp removed) */
int vtax_out__commit(struct vtax_out *o, char *err, size_t errlen);
/* give up: close and remove the temp file */
void vtax_out__abort(struct vtax_out *o);
/* Could path be written later?  Checked without opening a FIFO or device
 * (a FIFO's reader would see an early end of file).  0 or -errno + err. */
int vtax_out__check(const char *path, char *err, size_t errlen);

#endif
