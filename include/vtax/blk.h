/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * blk.h - the block probe family's key layout, shared by bpf/blk.bpf.c and
 * src/trace/probe_blk.c.
 *
 * Key: name = enum vtax_blk_name, l1 = the disk's kernel dev_t
 * (major << 20 | minor, as in the block tracepoints), l2 = op | size << 8
 * where op is enum vtax_blk_op and size is floor(log2(bytes)) + 1 (0 for
 * a request that carries no data, e.g. a flush).
 */
#ifndef VTAX_BLK_H
#define VTAX_BLK_H

enum vtax_blk_name {
	VTAX_BLK_QUEUE = 1,	/* block_rq_insert -> block_rq_issue */
	VTAX_BLK_SERVICE = 2,	/* block_rq_issue -> block_rq_complete */
	VTAX_BLK_BIO_WAIT = 3,	/* bio submitted -> got a request / merged */
	VTAX_BLK_BIO_SERVICE = 4, /* bio-based devices: bio queued -> bio completed */
};

enum vtax_blk_op {
	VTAX_BLK_OP_READ = 0,
	VTAX_BLK_OP_WRITE = 1,
	VTAX_BLK_OP_FLUSH = 2,
	VTAX_BLK_OP_DISCARD = 3,
	VTAX_BLK_OP_OTHER = 4,
};

#define VTAX_BLK_L2(op, sz) ((op) | ((sz) << 8))
#define VTAX_BLK_L2_OP(l2) ((l2) & 0xff)
#define VTAX_BLK_L2_SIZE(l2) (((l2) >> 8) & 0xff)

#endif
