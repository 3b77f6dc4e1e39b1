// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_blk.c - userspace half of the block family (bpf/blk.bpf.c): loads
 * and attaches it, and decodes keys into
 *
 *   blk.queue / blk.service / blk.bio_wait / blk.bio_service
 *       {dev=loop0, op=read|write|flush|discard|other, size=4k}
 *
 * size is the power-of-two class of the request's bytes, named by its lower
 * edge: "4k" holds [4 KiB, 8 KiB), "0" a request with no data (a flush).
 * dev is the disk's name from /sys/dev/block/MAJ:MIN/uevent (DEVNAME).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blk.skel.h"
#include "trace/probe_util.h"
#include "trace/session.h"
#include "vtax/blk.h"

static const char *const op_names[] = {
	[VTAX_BLK_OP_READ] = "read", [VTAX_BLK_OP_WRITE] = "write",
	[VTAX_BLK_OP_FLUSH] = "flush", [VTAX_BLK_OP_DISCARD] = "discard",
	[VTAX_BLK_OP_OTHER] = "other",
};

static int blk_attach(struct vtax_session *s, void **state, char *err, size_t errlen)
{
	struct blk_bpf *skel = blk_bpf__open();
	int rc;

	if (!skel) {
		rc = -errno;
		vtax_probe_error(err, errlen, "open", rc);
		return rc;
	}
	rc = vtax_session__share_maps(s, skel->obj);
	if (!rc)
		rc = blk_bpf__load(skel);
	if (rc) {
		vtax_probe_error(err, errlen, "load", rc);
		goto fail;
	}
	rc = blk_bpf__attach(skel);
	if (rc) {
		vtax_probe_error(err, errlen, "attach block tracepoints", rc);
		goto fail;
	}
	*state = skel;
	return 0;
fail:
	blk_bpf__destroy(skel);
	return rc;
}

static void blk_detach(void *state)
{
	blk_bpf__destroy(state);
}

/* kernel dev_t (major << 20 | minor) -> "loop0", or "MAJ:MIN".  The last
 * names found are cached: keys are decoded at every collect (attach's
 * heatmap collects every second), and a dev_t keeps its name while open. */
static int vtax_blk__dev_name(uint32_t kdev, char *out, size_t len)
{
	static struct { uint32_t dev; char name[32]; } cache[16];
	static unsigned next;
	unsigned maj = kdev >> 20, min = kdev & 0xfffff;
	char path[96], line[256];
	FILE *f;

	for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
		if (cache[i].name[0] && cache[i].dev == kdev) {
			snprintf(out, len, "%s", cache[i].name);
			return 0;
		}
	snprintf(out, len, "%u:%u", maj, min);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 8);
			break;
		}
	}
	fclose(f);
	cache[next % 16].dev = kdev;
	snprintf(cache[next % 16].name, sizeof(cache[0].name), "%s", out);
	next++;
	return 0;
}

static void size_label(unsigned cls, char *out, size_t len)
{
	static const char units[] = "kmgt";
	uint64_t lo;
	int u = -1;

	if (!cls) {
		snprintf(out, len, "0");
		return;
	}
	lo = 1ull << (cls - 1);
	while (lo >= 1024 && u < 3) {
		lo /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%llu", (unsigned long long)lo);
	else
		snprintf(out, len, "%llu%c", (unsigned long long)lo, units[u]);
}

static int blk_decode(const struct vtax_hist_key *k, char *name, size_t namelen,
		      struct vtax_label *labels, int *nlabels)
{
	unsigned op = VTAX_BLK_L2_OP(k->l2);
	char dev[64], sz[16];

	switch (k->name) {
	case VTAX_BLK_QUEUE: snprintf(name, namelen, "queue"); break;
	case VTAX_BLK_SERVICE: snprintf(name, namelen, "service"); break;
	case VTAX_BLK_BIO_WAIT: snprintf(name, namelen, "bio_wait"); break;
	case VTAX_BLK_BIO_SERVICE: snprintf(name, namelen, "bio_service"); break;
	default: return -ENOENT;
	}
	vtax_blk__dev_name(k->l1, dev, sizeof(dev));
	size_label(VTAX_BLK_L2_SIZE(k->l2), sz, sizeof(sz));
	vtax_label__set(&labels[0], "dev", dev);
	vtax_label__set(&labels[1], "op", op <= VTAX_BLK_OP_OTHER ? op_names[op] : "other");
	vtax_label__set(&labels[2], "size", sz);
	*nlabels = 3;
	return 0;
}

/* Every block series is the block I/O cause (queue and service times are
 * disjoint slices of a request). */
static int blk_cause(const struct vtax_hist_key *k)
{
	(void)k;
	return VTAX_CAUSE_BLK;
}

static struct bpf_object_skeleton *blk_skeleton(void *state)
{
	return ((struct blk_bpf *)state)->skeleton;
}

const struct vtax_probe_ops vtax_probe_blk = {
	.name = "blk",
	.family = VTAX_FAM_BLK,
	.hooks = "tp_btf block_bio_*/block_rq_*",
	.summary = "block bio wait (throttle), request queue and service time per disk",
	.attach = blk_attach,
	.detach = blk_detach,
	.decode = blk_decode,
	.cause = blk_cause,
	.skeleton = blk_skeleton,
};
