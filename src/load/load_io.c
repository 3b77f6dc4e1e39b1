// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load_io.c - the "io" workload: fio-style block I/O on one file through
 * liburing (like `fio --ioengine=io_uring --direct=1`).
 *
 * Prepare writes the whole file (file_size bytes of non-zero data, never
 * sparse, so reads really reach the device and writes overwrite allocated
 * blocks), fsyncs it and drops it from the page cache.
 *
 * Run: open the file with O_DIRECT (if the filesystem refuses, e.g. tmpfs,
 * fall back to buffered I/O with a warning in r->warning and r->direct = 0),
 * keep `qd` reads or writes of `bs` bytes in flight: random offsets (block
 * aligned, uniform) for rw 0/1, sequential wrapping at the end of the file
 * for rw 2/3.  Latency of an I/O = CLOCK_MONOTONIC just before the
 * io_uring_submit() that carries its SQE -> when its CQE is reaped (the
 * loop reaps every ready CQE, then refills and submits the whole batch with
 * one io_uring_submit, as fio does with iodepth_batch).  A completion with a
 * short count or an error stops the run with that error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <liburing.h>
#include "load/load.h"

#define IO_ALIGN 4096

struct io_slot {
	void *buf;
	uint64_t sub_ns;
	int measured;
};

struct io_run {
	const struct vtax_load_opts *o;
	struct vtax_load_result *r;
	struct io_uring ring;
	struct io_slot *slots;
	struct vtax_load_clock clk;
	uint64_t nblocks, seq_next, rng, issued;
	int fd, write;
};

int vtax_load_io__prepare(const struct vtax_load_opts *o, char *err, size_t errlen)
{
	uint64_t done = 0, rng = (o->seed ? o->seed : vtax_load__now_ns()) | 1;
	size_t chunk = 1 << 20;
	char *buf;
	int fd, ret = 0;

	fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "create %s: %s", o->path, strerror(errno));
		return ret;
	}
	buf = malloc(chunk);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Random bytes: no filesystem or device can compress or dedupe them. */
	for (size_t i = 0; i + 8 <= chunk; i += 8) {
		uint64_t v = vtax_load__rand(&rng);

		memcpy(buf + i, &v, 8);
	}
	while (done < o->file_size) {
		size_t n = o->file_size - done < chunk ? (size_t)(o->file_size - done) : chunk;
		ssize_t w = pwrite(fd, buf, n, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = w ? -errno : -ENOSPC;
			snprintf(err, errlen, "fill %s: %s", o->path, strerror(-ret));
			goto out;
		}
		done += (uint64_t)w;
	}
	if (fsync(fd)) {
		ret = -errno;
		snprintf(err, errlen, "fsync %s: %s", o->path, strerror(errno));
		goto out;
	}
	/* Cold cache for buffered fallbacks too; O_DIRECT ignores it anyway. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
out:
	free(buf);
	close(fd);
	return ret;
}

static uint64_t io__next_off(struct io_run *io)
{
	uint64_t blk;

	if (io->o->rw == 0 || io->o->rw == 1) {
		blk = vtax_load__rand_below(&io->rng, io->nblocks);
	} else {
		blk = io->seq_next++;
		if (io->seq_next >= io->nblocks)
			io->seq_next = 0;
	}
	return blk * (uint64_t)io->o->bs;
}

/* May a new I/O be queued now?  0 no, 1 yes (warm-up), 2 yes (measured). */
static int io__may_issue(struct io_run *io, uint64_t now)
{
	if (vtax_load__stopped(io->o) || now >= io->clk.end_ns)
		return 0;
	if (now < io->clk.measure_ns)
		return 1;
	if (io->o->max_ops && io->issued >= io->o->max_ops)
		return 0;
	return 2;
}

/* Queue slot i (an SQE) if the run allows; returns 1 if queued. */
static int io__queue(struct io_run *io, unsigned i, uint64_t now)
{
	struct io_uring_sqe *sqe;
	int may = io__may_issue(io, now);

	if (!may)
		return 0;
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe)
		return 0; /* cannot happen: ring has qd entries, at most qd queued */
	if (io->write)
		io_uring_prep_write(sqe, io->fd, io->slots[i].buf, (unsigned)io->o->bs, io__next_off(io));
	else
		io_uring_prep_read(sqe, io->fd, io->slots[i].buf, (unsigned)io->o->bs, io__next_off(io));
	io_uring_sqe_set_data64(sqe, i);
	io->slots[i].measured = may == 2;
	if (may == 2)
		io->issued++;
	return 1;
}

/* Submit everything queued; stamp those slots with the submit time. */
static int io__submit(struct io_run *io, const unsigned *idx, unsigned n)
{
	uint64_t now = vtax_load__now_ns();
	int ret;

	if (!n)
		return 0;
	for (unsigned j = 0; j < n; j++)
		io->slots[idx[j]].sub_ns = now;
	do {
		ret = io_uring_submit(&io->ring);
	} while (ret == -EINTR);
	return ret < 0 ? ret : 0;
}

static int io__open(struct io_run *io)
{
	const struct vtax_load_opts *o = io->o;
	int flags = (io->write ? O_WRONLY : O_RDONLY) | O_CLOEXEC;
	struct stat st;

	io->r->direct = 0;
	if (o->direct) {
		io->fd = open(o->path, flags | O_DIRECT);
		if (io->fd >= 0) {
			io->r->direct = 1;
		} else if (errno == EINVAL) {
			snprintf(io->r->warning, sizeof(io->r->warning),
				 "O_DIRECT refused for %s: buffered I/O (page cache) measured instead",
				 o->path);
			fprintf(stderr, "vtax: warning: %s\n", io->r->warning);
		} else {
			goto fail;
		}
	}
	if (io->fd < 0)
		io->fd = open(o->path, flags);
	if (io->fd < 0)
		goto fail;
	if (fstat(io->fd, &st))
		goto fail;
	if ((uint64_t)st.st_size < o->file_size) {
		snprintf(io->r->error, sizeof(io->r->error),
			 "%s is %lld bytes, smaller than the file size %llu: run prepare first", o->path,
			 (long long)st.st_size, (unsigned long long)o->file_size);
		return -ENODATA;
	}
	return 0;
fail:
	snprintf(io->r->error, sizeof(io->r->error), "open %s: %s", o->path, strerror(errno));
	return -errno;
}

int vtax_load_io__run(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	struct io_run io = { .o = o, .r = r, .fd = -1 };
	unsigned qd = (unsigned)o->qd, inflight = 0, *batch;
	uint64_t last_ns, last_done;
	int ret, ring_ok = 0;

	snprintf(r->op_name, sizeof(r->op_name), "io");
	io.write = o->rw == 1 || o->rw == 3;
	io.nblocks = o->file_size / (uint64_t)o->bs;
	io.rng = (o->seed ? o->seed : vtax_load__now_ns()) | 1;
	io.slots = calloc(qd, sizeof(*io.slots));
	batch = calloc(qd, sizeof(*batch));
	if (!io.slots || !batch) {
		ret = -ENOMEM;
		snprintf(r->error, sizeof(r->error), "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < qd; i++) {
		/* O_DIRECT needs aligned buffers; fill writes with non-zero data. */
		if (posix_memalign(&io.slots[i].buf, IO_ALIGN, (size_t)o->bs)) {
			ret = -ENOMEM;
			snprintf(r->error, sizeof(r->error), "out of memory");
			goto out;
		}
		memset(io.slots[i].buf, 0xa5 ^ (int)i, (size_t)o->bs);
	}
	ret = io__open(&io);
	if (ret)
		goto out;
	ret = io_uring_queue_init(qd, &io.ring, 0);
	if (ret) {
		snprintf(r->error, sizeof(r->error), "io_uring_queue_init: %s", strerror(-ret));
		goto out;
	}
	ring_ok = 1;

	vtax_load_clock__init(&io.clk, o);
	last_ns = io.clk.measure_ns;
	{
		uint64_t now = vtax_load__now_ns();
		unsigned n = 0;

		for (unsigned i = 0; i < qd; i++)
			if (io__queue(&io, i, now))
				batch[n++] = i;
		inflight = n;
		ret = io__submit(&io, batch, n);
		if (ret) {
			inflight = 0;
			snprintf(r->error, sizeof(r->error), "io_uring_submit: %s", strerror(-ret));
		}
	}
	last_done = vtax_load__now_ns();
	while (!ret && inflight) {
		struct __kernel_timespec to = { .tv_nsec = 50000000 };
		struct io_uring_cqe *cqe;
		unsigned n = 0;
		uint64_t now;

		ret = io_uring_wait_cqe_timeout(&io.ring, &cqe, &to);
		if (ret == -ETIME || ret == -EINTR) {
			ret = 0;
			now = vtax_load__now_ns();
			vtax_load_clock__progress(&io.clk, o, now, r->ops);
			/* Nothing completed for timeout_s: a stuck device is an
			 * error, not a hang. */
			if (now - last_done > (uint64_t)(o->timeout_s * 1e9)) {
				ret = -ETIMEDOUT;
				snprintf(r->error, sizeof(r->error), "no I/O completed on %s for %.1f s",
					 o->path, o->timeout_s);
			}
			continue;
		}
		if (ret) {
			snprintf(r->error, sizeof(r->error), "io_uring_wait_cqe: %s", strerror(-ret));
			break;
		}
		now = vtax_load__now_ns();
		last_done = now;
		/* Reap every CQE that is ready, then refill and submit once. */
		while (io_uring_peek_cqe(&io.ring, &cqe) == 0) {
			unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&io.ring, cqe);
			inflight--;
			if (res != o->bs) {
				if (!ret) {
					ret = res < 0 ? res : -EIO;
					snprintf(r->error, sizeof(r->error), "%s %s: %s",
						 io.write ? "write" : "read", o->path,
						 res < 0 ? strerror(-res) : "short transfer");
				}
				r->errors++;
				continue;
			}
			if (io.slots[i].measured) {
				vtax_hist__record(&r->latency, now - io.slots[i].sub_ns);
				r->ops++;
				r->bytes += (uint64_t)res;
				last_ns = now;
			} else {
				r->warmup_ops++;
			}
			if (!ret && io__queue(&io, i, now))
				batch[n++] = i;
		}
		inflight += n;
		if (n) {
			int sret = io__submit(&io, batch, n);

			if (sret) {
				inflight -= n;
				ret = sret;
				snprintf(r->error, sizeof(r->error), "io_uring_submit: %s", strerror(-sret));
			}
		}
		vtax_load_clock__progress(&io.clk, o, now, r->ops);
	}
	vtax_load_result__finish(r, io.clk.measure_ns, last_ns);
out:
	if (ring_ok) {
		/* Wait (bounded) for stragglers so no I/O lands in a freed buffer. */
		while (inflight) {
			struct __kernel_timespec to = { .tv_sec = (long long)o->timeout_s + 1 };
			struct io_uring_cqe *cqe;

			if (io_uring_wait_cqe_timeout(&io.ring, &cqe, &to))
				break;
			io_uring_cqe_seen(&io.ring, cqe);
			inflight--;
		}
		io_uring_queue_exit(&io.ring);
	}
	if (inflight) {
		/* The device never answered: the kernel may still DMA into
		 * the buffers, so leak them rather than free them. */
		io.slots = NULL;
	}
	if (io.fd >= 0)
		close(io.fd);
	if (io.slots)
		for (unsigned i = 0; i < qd; i++)
			free(io.slots[i].buf);
	free(io.slots);
	free(batch);
	return ret;
}
