// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load.h - vtax's own load generators for `vtax compare` (workloads "kv",
 * "oltp", "io"), measured on the client side.
 *
 * Owned by the load generator: load.c (the workload-independent entry
 * points below, the dispatcher and the workload option table), load_kv.c
 * (Redis-style GET/SET over RESP on one epoll loop),
 * load_oltp.c (sysbench oltp_read_write-like transactions on libmariadb,
 * one thread per connection), load_io.c (fio-style random/sequential
 * O_DIRECT I/O on liburing), load_external.c (runs redis-benchmark, sysbench
 * or fio instead and converts their reports).
 *
 * Every generator records one latency sample per workload operation
 * (request, transaction, I/O) into a struct vtax_hist, in nanoseconds, taken
 * with CLOCK_MONOTONIC in the client.  A run is always bounded in time (a
 * hard cap even when only max_ops is given) and never waits on a dead
 * server longer than timeout_s.  Options follow the libbpf opts convention:
 * o->sz is sizeof the caller's struct, fields past it read as 0 / defaults.
 */
#ifndef VTAX_LOAD_H
#define VTAX_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "trace/hist.h"
#include "util/clock.h"

enum vtax_workload { VTAX_WL_KV, VTAX_WL_OLTP, VTAX_WL_IO };

enum vtax_load_driver {
	VTAX_DRIVER_BUILTIN = 0, /* vtax's own generators */
	VTAX_DRIVER_EXTERNAL,    /* redis-benchmark / sysbench / fio */
};

struct vtax_load_opts {
	size_t sz;                 /* sizeof(struct vtax_load_opts), libbpf-style opts */
	enum vtax_workload workload;
	const char *host; int port; /* kv, oltp: server address (IPv4 literal) */
	int conns;                 /* kv: connections (default 16); oltp: threads (default 4) */
	int pipeline;              /* kv: requests in flight per connection (default 1) */
	double duration_s;         /* stop after this long (default 5) */
	uint64_t max_ops;          /* and/or after this many operations (0 = no cap) */
	double warmup_s;           /* not recorded (default 0.5) */
	int value_size;            /* kv: bytes (default 64) */
	double set_ratio;          /* kv: fraction of SETs (default 0.1) */
	int keyspace;              /* kv: keys (default 10000) */
	const char *user, *password, *db; int tables, table_size; /* oltp (defaults root/"" /vtax, 2, 10000) */
	const char *path; uint64_t file_size; int bs, qd; int rw; /* io: file, size (default 64 MiB), block size (4096), queue depth (16), rw: 0 randread 1 randwrite 2 read 3 write */
	int direct;                /* io: O_DIRECT (default 1, fall back with a warning if the fs refuses) */
	volatile int *stop;        /* set to 1 asynchronously (SIGINT) => stop promptly */
	void (*progress)(void *ctx, uint64_t ops_done, double elapsed_s); void *progress_ctx; /* called ~every 0.5 s */
	/* --- additions --- */
	double timeout_s;          /* kv, oltp: connect timeout and longest wait for a reply (default 5) */
	double max_duration_s;     /* hard cap on the measured phase when duration_s <= 0 (default 600) */
	int range_size;            /* oltp: rows per range query (default 100, as sysbench) */
	enum vtax_load_driver driver; /* builtin (default) or external tools */
	uint32_t seed;             /* PRNG seed (0 = from the clock) */
};

struct vtax_load_result {
	uint64_t ops, errors; double elapsed_s, ops_per_s;
	struct vtax_hist latency;  /* per operation, client side, ns */
	char op_name[32];          /* "request", "transaction", "io" */
	char error[256];           /* first error, human readable */
	/* --- additions --- */
	uint64_t warmup_ops;       /* operations completed during warm-up (not in ops) */
	uint64_t bytes;            /* io: bytes transferred in the measured phase */
	int direct;                /* io: 1 if O_DIRECT was really used */
	char warning[256];         /* e.g. "O_DIRECT refused by the filesystem" */
};

void vtax_load_opts__defaults(struct vtax_load_opts *o, enum vtax_workload w);
int vtax_load__prepare(const struct vtax_load_opts *o, char *err, size_t errlen); /* oltp: create db/tables + rows; io: create+fill file; kv: preload keys */
int vtax_load__run(const struct vtax_load_opts *o, struct vtax_load_result *r); /* 0 or -errno, r->error set */
const char *vtax_workload__name(enum vtax_workload w);
int vtax_workload__parse(const char *s, enum vtax_workload *w);

/*
 * The workload options, one table for `vtax compare` and `vtax load`: each
 * has one name, one meaning and one parser.  Commands add them to their
 * getopt tables with vtax_load_opt__long() and hand every match to
 * vtax_load_opt__set().
 */
struct vtax_load_optdef {
	const char *name;       /* long option, without "--" */
	int has_arg;            /* getopt's required_argument / no_argument */
	unsigned workloads;     /* 1 << enum vtax_workload it applies to */
	const char *arg, *help; /* for the usage text */
	/* parse arg into the field at off; 0 or -EINVAL */
	int (*set)(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o);
	size_t off;             /* offsetof the field in struct vtax_load_opts */
	long lo, hi;            /* bounds of numbers and sizes */
	const char *expect;     /* what a bad value is told it should be */
};
#define VTAX_LOAD_OPT_BASE 0x1000 /* getopt value of the first table entry */
extern const struct vtax_load_optdef vtax_load_optdefs[];
extern const int vtax_load_noptdefs;
/* Append the table to a getopt_long table ending at *n (val = BASE + index);
 * the caller leaves room for vtax_load_noptdefs more and the terminator. */
struct option;
void vtax_load_opt__long(struct option *opts, int *n);
/* Apply table entry idx (getopt value - VTAX_LOAD_OPT_BASE) with arg.  0,
 * or -EINVAL with one line in err (naming the option and what it takes). */
int vtax_load_opt__set(int idx, const char *arg, struct vtax_load_opts *o, char *err,
		       size_t errlen);
/* The usage lines of the table's options ("  --conns N  ..."). */
void vtax_load_opt__usage(FILE *f);
/* io --rw modes: "randread", "randwrite", "read", "write" for 0..3 */
const char *vtax_load_rw__name(int rw);

/* ---- internal: shared by load_*.c ---- */

/* The per-workload halves, called by vtax_load__prepare/run with options
 * already merged with the defaults (o->sz == sizeof(*o)). */
int vtax_load_kv__prepare(const struct vtax_load_opts *o, char *err, size_t errlen);
int vtax_load_kv__run(const struct vtax_load_opts *o, struct vtax_load_result *r);
int vtax_load_oltp__prepare(const struct vtax_load_opts *o, char *err, size_t errlen);
int vtax_load_oltp__run(const struct vtax_load_opts *o, struct vtax_load_result *r);
int vtax_load_io__prepare(const struct vtax_load_opts *o, char *err, size_t errlen);
int vtax_load_io__run(const struct vtax_load_opts *o, struct vtax_load_result *r);
int vtax_load_external__run(const struct vtax_load_opts *o, struct vtax_load_result *r);

static inline uint64_t vtax_load__now_ns(void)
{
	return vtax_now_ns();
}

/* Time plan of a run: warm-up, then the measured phase until `end_ns`. */
struct vtax_load_clock {
	uint64_t t0_ns;       /* start of warm-up */
	uint64_t measure_ns;  /* end of warm-up, start of recording */
	uint64_t end_ns;      /* stop issuing new operations */
	uint64_t next_progress_ns;
};

static inline void vtax_load_clock__init(struct vtax_load_clock *c, const struct vtax_load_opts *o)
{
	double d = o->duration_s > 0 ? o->duration_s : o->max_duration_s;

	c->t0_ns = vtax_load__now_ns();
	c->measure_ns = c->t0_ns + (uint64_t)(o->warmup_s > 0 ? o->warmup_s * 1e9 : 0);
	c->end_ns = c->measure_ns + (uint64_t)(d * 1e9);
	c->next_progress_ns = c->measure_ns + 500000000ull;
}

/* Call o->progress when due (~every 0.5 s of the measured phase). */
static inline void vtax_load_clock__progress(struct vtax_load_clock *c, const struct vtax_load_opts *o,
					     uint64_t now, uint64_t ops)
{
	if (!o->progress || now < c->next_progress_ns)
		return;
	o->progress(o->progress_ctx, ops, (double)(now - c->measure_ns) / 1e9);
	c->next_progress_ns = now + 500000000ull;
}

static inline int vtax_load__stopped(const struct vtax_load_opts *o)
{
	return o->stop && __atomic_load_n(o->stop, __ATOMIC_RELAXED);
}

/* xorshift64*: cheap per-connection/thread PRNG (quality is plenty for
 * picking keys and offsets; no locks, unlike rand()). */
static inline uint64_t vtax_load__rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static inline uint64_t vtax_load__rand_below(uint64_t *s, uint64_t n)
{
	return n ? vtax_load__rand(s) % n : 0;
}

/* Fill in elapsed_s/ops_per_s at the end of a run. */
static inline void vtax_load_result__finish(struct vtax_load_result *r, uint64_t measure_ns, uint64_t last_ns)
{
	r->elapsed_s = last_ns > measure_ns ? (double)(last_ns - measure_ns) / 1e9 : 0;
	r->ops_per_s = r->elapsed_s > 0 ? (double)r->ops / r->elapsed_s : 0;
}

#endif /* VTAX_LOAD_H */
