/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * blk.bpf.c - the block probe family: per disk, subject, op and size class
 *
 *   blk.bio_wait  bio submitted -> it got a request (block_getrq) or was
 *                 merged into one (block_bio_{back,front}merge): blk-throttle,
 *                 rq-qos (wbt) and tag waits.
 *   blk.queue     block_rq_insert -> block_rq_issue (I/O scheduler queue)
 *   blk.service   block_rq_issue -> block_rq_complete (driver + device)
 *   blk.bio_service  bio-based devices (dm, md, brd, zram...): a bio that
 *                 never became a request, block_bio_queue -> block_bio_complete
 *
 * The issuing task decides the subject: it is taken where the bio is first
 * seen in the submitter's context and carried bio -> request (rq->bio).  A
 * request with no bio of a tracked submitter (a flush the flush machinery
 * made, or a dispatch by kblockd) falls back to the current task.
 *
 * Where a bio is first seen: block_bio_queue fires in submit_bio_noacct_nocheck,
 * i.e. AFTER blk-throttle let the bio through (a throttled bio's
 * block_bio_queue runs later in the throttle worker).  For bios on a
 * partition, block_bio_remap fires in blk_partition_remap, BEFORE
 * blk_throtl_bio, in the submitter's context: taking the earliest of the two
 * makes the throttle wait visible.  Whole-disk bios have no tracepoint before
 * the throttle: their bio_wait starts after it (docs/blk.md).
 *
 * State lives in LRU hashes keyed by bio and request pointers, so entries a
 * lost event would leak are evicted instead of filling the map.
 */
#include "common.bpf.h"
#include "vtax/blk.h"

#define PF_WQ_WORKER_ 0x20
#define REQ_OP_MASK_ 0xff

struct bio_start {
	__u64 ts;	/* submitted; 0 once the wait has been recorded */
	__u32 subject;
	__u32 dev;
	__u32 l2;
	__u32 pad;
};

struct rq_start {
	__u64 insert_ts;
	__u64 issue_ts;
	__u32 subject;
	__u32 dev;
	__u32 l2;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct bio_start);
} vtax_blk_bio SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rq_start);
} vtax_blk_rq SEC(".maps");

static __always_inline __u32 blk_op(__u32 opf)
{
	switch (opf & REQ_OP_MASK_) {
	case 0: return VTAX_BLK_OP_READ;
	case 1: return VTAX_BLK_OP_WRITE;
	case 2: return VTAX_BLK_OP_FLUSH;
	case 3: return VTAX_BLK_OP_DISCARD;
	}
	return VTAX_BLK_OP_OTHER;
}

static __always_inline __u32 blk_size_class(__u32 bytes)
{
	return bytes ? vtax_log2_u64(bytes) + 1 : 0;
}

static __always_inline __u32 disk_dev(struct gendisk *d)
{
	if (!d)
		return 0;
	return ((__u32)BPF_CORE_READ(d, major) << 20) | (__u32)BPF_CORE_READ(d, first_minor);
}

static __always_inline __u32 current_subject(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vtax_task_state *st;

	return vtax_task_subject(t, &st);
}

/* Subject of the cgroup a bio is charged to (bi_blkg), walking up. Only
 * the ids in vtax_cgroup_subject count: on cgroup v2 these are the same
 * cgroups as the tasks'; on v1 the blkio hierarchy is a different tree. */
static __always_inline __u32 bio_cgroup_subject(struct bio *bio)
{
	struct kernfs_node *kn = BPF_CORE_READ(bio, bi_blkg, blkcg, css.cgroup, kn);
	__u32 *s;

	for (int i = 0; i < VTAX_MAX_CGROUP_DEPTH && kn; i++) {
		__u64 id = BPF_CORE_READ(kn, id);

		s = bpf_map_lookup_elem(&vtax_cgroup_subject, &id);
		if (s)
			return *s;
		kn = vtax_kn_parent(kn);
	}
	return 0;
}

/* First sight of a bio: remember when and for whom (earliest wins). */
static __always_inline void bio_seen(struct bio *bio)
{
	struct bio_start b = {};
	__u64 key = (__u64)bio;
	__u32 subject;

	if (bpf_map_lookup_elem(&vtax_blk_bio, &key))
		return;
	subject = current_subject();
	if (bpf_get_current_task_btf()->flags & PF_WQ_WORKER_) {
		/* the throttle worker (or another workqueue) submits for someone
		 * else: charge the bio's cgroup when it is a subject's */
		__u32 s2 = bio_cgroup_subject(bio);

		if (s2)
			subject = s2;
	}
	if (!subject)
		return;
	b.ts = bpf_ktime_get_ns();
	b.subject = subject;
	b.dev = disk_dev(BPF_CORE_READ(bio, bi_bdev, bd_disk));
	b.l2 = VTAX_BLK_L2(blk_op(BPF_CORE_READ(bio, bi_opf)),
			   blk_size_class(BPF_CORE_READ(bio, bi_iter.bi_size)));
	if (bpf_map_update_elem(&vtax_blk_bio, &key, &b, BPF_NOEXIST))
		vtax_drop(VTAX_DROP_BLK_MAP_FULL);
}

/* The bio got a request or was merged: its pre-request wait ends. */
static __always_inline void bio_wait_end(struct bio *bio, int forget)
{
	__u64 key = (__u64)bio;
	struct bio_start *b = bpf_map_lookup_elem(&vtax_blk_bio, &key);

	if (!b)
		return;
	if (b->ts) {
		vtax_hist_add(b->subject, VTAX_FAM_BLK, VTAX_BLK_BIO_WAIT, b->dev, b->l2,
			      bpf_ktime_get_ns() - b->ts);
		b->ts = 0;
	}
	if (forget)
		bpf_map_delete_elem(&vtax_blk_bio, &key);
}

SEC("tp_btf/block_bio_remap")
int BPF_PROG(vtax_blk_bio_remap, struct bio *bio, dev_t dev, sector_t from)
{
	VTAX_GATE(START);
	bio_seen(bio);
	return 0;
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(vtax_blk_bio_queue, struct bio *bio)
{
	VTAX_GATE(START);
	bio_seen(bio);
	return 0;
}

SEC("tp_btf/block_getrq")
int BPF_PROG(vtax_blk_getrq, struct bio *bio)
{
	VTAX_GATE(START);
	/* keep the entry: the request takes its subject from rq->bio */
	bio_wait_end(bio, 0);
	return 0;
}

SEC("tp_btf/block_bio_backmerge")
int BPF_PROG(vtax_blk_bio_backmerge, struct bio *bio)
{
	VTAX_GATE(END);
	bio_wait_end(bio, 1);
	return 0;
}

SEC("tp_btf/block_bio_frontmerge")
int BPF_PROG(vtax_blk_bio_frontmerge, struct bio *bio)
{
	VTAX_GATE(END);
	bio_wait_end(bio, 1);
	return 0;
}

/* bio-based devices complete bios that never became requests. */
SEC("tp_btf/block_bio_complete")
int BPF_PROG(vtax_blk_bio_complete, struct request_queue *q, struct bio *bio)
{
	VTAX_GATE(END);
	__u64 key = (__u64)bio;
	struct bio_start *b = bpf_map_lookup_elem(&vtax_blk_bio, &key);

	if (!b)
		return 0;
	if (b->ts)
		vtax_hist_add(b->subject, VTAX_FAM_BLK, VTAX_BLK_BIO_SERVICE, b->dev, b->l2,
			      bpf_ktime_get_ns() - b->ts);
	bpf_map_delete_elem(&vtax_blk_bio, &key);
	return 0;
}

/* Entry for a request, created at its first event (insert or issue). */
static __always_inline struct rq_start *rq_entry(struct request *rq)
{
	__u64 key = (__u64)rq, bkey;
	struct rq_start *r = bpf_map_lookup_elem(&vtax_blk_rq, &key), n = {};
	struct bio_start *b;
	struct bio *bio;

	if (r)
		return r;
	bio = BPF_CORE_READ(rq, bio);
	bkey = (__u64)bio;
	b = bio ? bpf_map_lookup_elem(&vtax_blk_bio, &bkey) : NULL;
	if (b) {
		n.subject = b->subject;
		if (b->ts) /* no block_getrq seen (e.g. a split): ends here */
			vtax_hist_add(b->subject, VTAX_FAM_BLK, VTAX_BLK_BIO_WAIT, b->dev, b->l2,
				      bpf_ktime_get_ns() - b->ts);
		bpf_map_delete_elem(&vtax_blk_bio, &bkey);
	} else {
		/* a flush request, or dispatch from the submitter itself */
		n.subject = current_subject();
	}
	if (!n.subject)
		return NULL;
	n.dev = disk_dev(BPF_CORE_READ(rq, q, disk));
	n.l2 = VTAX_BLK_L2(blk_op(BPF_CORE_READ(rq, cmd_flags)),
			   blk_size_class(BPF_CORE_READ(rq, __data_len)));
	if (bpf_map_update_elem(&vtax_blk_rq, &key, &n, BPF_ANY)) {
		vtax_drop(VTAX_DROP_BLK_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&vtax_blk_rq, &key);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(vtax_blk_rq_insert, struct request *rq)
{
	VTAX_GATE(START);
	struct rq_start *r = rq_entry(rq);

	if (r)
		r->insert_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(vtax_blk_rq_issue, struct request *rq)
{
	VTAX_GATE(END);
	struct rq_start *r = rq_entry(rq);
	__u64 now = bpf_ktime_get_ns();

	if (!r)
		return 0;
	/* requests issued directly (no scheduler, no insert) have no queue time */
	if (r->insert_ts)
		vtax_hist_add(r->subject, VTAX_FAM_BLK, VTAX_BLK_QUEUE, r->dev, r->l2,
			      now - r->insert_ts);
	r->insert_ts = 0;
	r->issue_ts = now;
	return 0;
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(vtax_blk_rq_requeue, struct request *rq)
{
	VTAX_GATE(END);
	__u64 key = (__u64)rq;
	struct rq_start *r = bpf_map_lookup_elem(&vtax_blk_rq, &key);

	/* back to the queue: the next issue starts service afresh */
	if (r) {
		r->issue_ts = 0;
		r->insert_ts = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(vtax_blk_rq_complete, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	VTAX_GATE(END);
	__u64 key = (__u64)rq;
	struct rq_start *r = bpf_map_lookup_elem(&vtax_blk_rq, &key);

	if (!r)
		return 0;
	if (r->issue_ts)
		vtax_hist_add(r->subject, VTAX_FAM_BLK, VTAX_BLK_SERVICE, r->dev, r->l2,
			      bpf_ktime_get_ns() - r->issue_ts);
	else
		vtax_drop(VTAX_DROP_BLK_NO_START);
	bpf_map_delete_elem(&vtax_blk_rq, &key);
	return 0;
}
