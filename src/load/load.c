// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load.c - the workload-independent part of the load generators (load.h):
 * workload names, defaults, option checks, the dispatcher to load_kv.c,
 * load_oltp.c, load_io.c and load_external.c, and the one table of
 * workload options that `vtax compare` and `vtax load` both parse
 * (vtax_load_optdefs: one name, one meaning, one parser per option).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <strings.h>
#include "load/load.h"
#include "util/parse.h"

static const char *const wl_names[] = {
	[VTAX_WL_KV] = "kv",
	[VTAX_WL_OLTP] = "oltp",
	[VTAX_WL_IO] = "io",
};

const char *vtax_workload__name(enum vtax_workload w)
{
	if ((unsigned)w < sizeof(wl_names) / sizeof(wl_names[0]))
		return wl_names[w];
	return "unknown";
}

int vtax_workload__parse(const char *s, enum vtax_workload *w)
{
	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(wl_names) / sizeof(wl_names[0]); i++) {
		if (!strcasecmp(s, wl_names[i])) {
			*w = (enum vtax_workload)i;
			return 0;
		}
	}
	return -EINVAL;
}

void vtax_load_opts__defaults(struct vtax_load_opts *o, enum vtax_workload w)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->workload = w;
	o->host = "127.0.0.1";
	o->port = w == VTAX_WL_OLTP ? 3306 : 6379;
	o->conns = w == VTAX_WL_OLTP ? 4 : 16;
	o->pipeline = 1;
	o->duration_s = 5;
	o->warmup_s = 0.5;
	o->value_size = 64;
	o->set_ratio = 0.1;
	o->keyspace = 10000;
	o->user = "root";
	o->password = "";
	o->db = "vtax";
	o->tables = 2;
	o->table_size = 10000;
	o->file_size = 64ull << 20;
	o->bs = 4096;
	o->qd = 16;
	o->rw = 0;
	o->direct = 1;
	o->timeout_s = 5;
	o->max_duration_s = 600;
	o->range_size = 100;
}

/*
 * Merge the caller's options (of size u->sz, possibly an older, shorter
 * struct) over zeroes, then give every field for which 0 means "unset" its
 * default.  Fields where 0 is meaningful (warmup_s, set_ratio, max_ops,
 * direct, rw) are taken as given, except beyond u->sz where the defaults of
 * vtax_load_opts__defaults apply.
 */
static int load__normalize(const struct vtax_load_opts *u, struct vtax_load_opts *o, char *err,
			   size_t errlen)
{
	struct vtax_load_opts d;
	size_t n;

	if (!u || u->sz < offsetof(struct vtax_load_opts, workload) + sizeof(u->workload)) {
		snprintf(err, errlen, "load options: bad sz");
		return -EINVAL;
	}
	vtax_load_opts__defaults(&d, u->workload);
	*o = d;
	n = u->sz < sizeof(*o) ? u->sz : sizeof(*o);
	memcpy(o, u, n);
	o->sz = sizeof(*o);

#define DEF(f)                      \
	do {                        \
		if (!o->f)          \
			o->f = d.f; \
	} while (0)
#define DEFPOS(f)                   \
	do {                        \
		if (o->f <= 0)      \
			o->f = d.f; \
	} while (0)
	DEF(host);
	DEF(user);
	DEF(password);
	DEF(db);
	DEFPOS(port);
	DEFPOS(conns);
	DEFPOS(pipeline);
	DEFPOS(value_size);
	DEFPOS(keyspace);
	DEFPOS(tables);
	DEFPOS(table_size);
	DEF(file_size);
	DEFPOS(bs);
	DEFPOS(qd);
	DEFPOS(timeout_s);
	DEFPOS(max_duration_s);
	DEFPOS(range_size);
#undef DEF
#undef DEFPOS
	if (o->warmup_s < 0)
		o->warmup_s = 0;
	if (o->set_ratio < 0 || o->set_ratio > 1) {
		snprintf(err, errlen, "set ratio %.3f is not in [0,1]", o->set_ratio);
		return -EINVAL;
	}
	if (o->workload == VTAX_WL_IO) {
		if (!o->path || !*o->path) {
			snprintf(err, errlen, "io workload needs a file path");
			return -EINVAL;
		}
		if (o->rw < 0 || o->rw > 3) {
			snprintf(err, errlen, "io rw mode %d is not 0..3", o->rw);
			return -EINVAL;
		}
		if (o->bs % 512 || o->file_size < (uint64_t)o->bs) {
			snprintf(err, errlen,
				 "io block size %d must be a multiple of 512 and <= file size",
				 o->bs);
			return -EINVAL;
		}
	}
	if (o->workload != VTAX_WL_IO) {
		struct in_addr a;

		if (inet_pton(AF_INET, o->host, &a) != 1) {
			snprintf(err, errlen, "host '%s' is not an IPv4 address", o->host);
			return -EINVAL;
		}
	}
	return 0;
}

int vtax_load__prepare(const struct vtax_load_opts *u, char *err, size_t errlen)
{
	struct vtax_load_opts o;
	int ret;

	ret = load__normalize(u, &o, err, errlen);
	if (ret)
		return ret;
	/* the external tools use the builtin preparers' data (load_external.c) */
	switch (o.workload) {
	case VTAX_WL_KV:
		return vtax_load_kv__prepare(&o, err, errlen);
	case VTAX_WL_OLTP:
		return vtax_load_oltp__prepare(&o, err, errlen);
	case VTAX_WL_IO:
		return vtax_load_io__prepare(&o, err, errlen);
	}
	snprintf(err, errlen, "unknown workload %d", (int)o.workload);
	return -EINVAL;
}

int vtax_load__run(const struct vtax_load_opts *u, struct vtax_load_result *r)
{
	struct vtax_load_opts o;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = load__normalize(u, &o, r->error, sizeof(r->error));
	if (ret)
		return ret;
	if (o.driver == VTAX_DRIVER_EXTERNAL)
		return vtax_load_external__run(&o, r);
	switch (o.workload) {
	case VTAX_WL_KV:
		return vtax_load_kv__run(&o, r);
	case VTAX_WL_OLTP:
		return vtax_load_oltp__run(&o, r);
	case VTAX_WL_IO:
		return vtax_load_io__run(&o, r);
	}
	snprintf(r->error, sizeof(r->error), "unknown workload %d", (int)o.workload);
	return -EINVAL;
}

/* ---- the workload option table ---------------------------------------- */

static const char *const rw_names[] = { "randread", "randwrite", "read", "write" };

const char *vtax_load_rw__name(int rw)
{
	return rw >= 0 && rw < 4 ? rw_names[rw] : "?";
}

/* the option's field in o (d->off: offsetof) */
static void *field(struct vtax_load_opts *o, const struct vtax_load_optdef *d)
{
	return (char *)o + d->off;
}

#define FIELD(o, d, type) ((type *)field(o, d))

static int set_int(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	long v;

	if (vtax_parse_int(arg, d->lo, d->hi, &v))
		return -EINVAL;
	*FIELD(o, d, int) = (int)v;
	return 0;
}

static int set_u32(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	long v;

	if (vtax_parse_int(arg, d->lo, d->hi, &v))
		return -EINVAL;
	*FIELD(o, d, uint32_t) = (uint32_t)v;
	return 0;
}

static int set_size_int(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	uint64_t v;

	if (vtax_parse_size(arg, (uint64_t)d->lo, (uint64_t)d->hi, &v))
		return -EINVAL;
	*FIELD(o, d, int) = (int)v;
	return 0;
}

/* a block size: also a multiple of 512 (O_DIRECT) */
static int set_bs(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	uint64_t v;

	if (vtax_parse_size(arg, (uint64_t)d->lo, (uint64_t)d->hi, &v) || v % 512)
		return -EINVAL;
	*FIELD(o, d, int) = (int)v;
	return 0;
}

static int set_size_u64(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	return vtax_parse_size(arg, (uint64_t)d->lo, (uint64_t)d->hi, FIELD(o, d, uint64_t));
}

static int set_frac(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	return vtax_parse_num(arg, (double)d->lo, (double)d->hi, FIELD(o, d, double));
}

static int set_rw(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(arg, rw_names[i])) {
			*FIELD(o, d, int) = i;
			return 0;
		}
	return -EINVAL;
}

static int set_driver(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	(void)d;
	if (!strcmp(arg, "builtin"))
		o->driver = VTAX_DRIVER_BUILTIN;
	else if (!strcmp(arg, "external"))
		o->driver = VTAX_DRIVER_EXTERNAL;
	else
		return -EINVAL;
	return 0;
}

/* flags: lo is the value they store */
static int set_flag(const struct vtax_load_optdef *d, const char *arg, struct vtax_load_opts *o)
{
	(void)arg;
	*FIELD(o, d, int) = (int)d->lo;
	return 0;
}

#define KV	(1u << VTAX_WL_KV)
#define OLTP	(1u << VTAX_WL_OLTP)
#define IO	(1u << VTAX_WL_IO)
#define OFF(f)	offsetof(struct vtax_load_opts, f)
#define INTEGER "an integer"
#define SIZE	"bytes (K, M, G suffixes)"

const struct vtax_load_optdef vtax_load_optdefs[] = {
	{ "conns", required_argument, KV | OLTP, "N", "kv connections / oltp client threads",
	  set_int, OFF(conns), 1, 4096, INTEGER },
	{ "threads", required_argument, OLTP, "N", "oltp client threads (the same as --conns)",
	  set_int, OFF(conns), 1, 4096, INTEGER },
	{ "pipeline", required_argument, KV, "N", "kv requests in flight per connection", set_int,
	  OFF(pipeline), 1, 1024, INTEGER },
	{ "value-size", required_argument, KV, "B", "kv value size", set_size_int, OFF(value_size),
	  1, 1 << 24, SIZE },
	{ "set-ratio", required_argument, KV, "F", "kv fraction of SETs", set_frac, OFF(set_ratio),
	  0, 1, "a fraction" },
	{ "keyspace", required_argument, KV, "N", "kv keys", set_int, OFF(keyspace), 1, 1000000000,
	  INTEGER },
	{ "tables", required_argument, OLTP, "N", "oltp tables", set_int, OFF(tables), 1, 1000,
	  INTEGER },
	{ "table-size", required_argument, OLTP, "N", "oltp rows per table", set_int,
	  OFF(table_size), 1, 100000000, INTEGER },
	{ "bs", required_argument, IO, "B", "io block size (a multiple of 512)", set_bs, OFF(bs),
	  512, 1 << 26, "bytes (K, M, G suffixes), a multiple of 512," },
	{ "qd", required_argument, IO, "N", "io queue depth", set_int, OFF(qd), 1, 4096, INTEGER },
	{ "rw", required_argument, IO, "MODE", "io randread, randwrite, read or write", set_rw,
	  OFF(rw), 0, 3, "randread, randwrite, read or write" },
	{ "file-size", required_argument, IO, "B", "io file size", set_size_u64, OFF(file_size),
	  1 << 20, 1L << 44, SIZE },
	{ "direct", no_argument, IO, NULL, "io with O_DIRECT (the default)", set_flag, OFF(direct),
	  1, 1, NULL },
	{ "no-direct", no_argument, IO, NULL, "io through the page cache", set_flag, OFF(direct), 0,
	  0, NULL },
	{ "driver", required_argument, KV | OLTP | IO, "D",
	  "builtin (default) or external (redis-benchmark, sysbench, fio)", set_driver, 0, 0, 0,
	  "builtin or external" },
	{ "seed", required_argument, KV | OLTP | IO, "N", "PRNG seed (default: from the clock)",
	  set_u32, OFF(seed), 0, 4294967295L, INTEGER },
};
const int vtax_load_noptdefs = (int)(sizeof(vtax_load_optdefs) / sizeof(vtax_load_optdefs[0]));

void vtax_load_opt__long(struct option *opts, int *n)
{
	for (int i = 0; i < vtax_load_noptdefs; i++)
		opts[(*n)++] =
			(struct option){ vtax_load_optdefs[i].name, vtax_load_optdefs[i].has_arg,
					 NULL, VTAX_LOAD_OPT_BASE + i };
	opts[*n] = (struct option){ 0 };
}

int vtax_load_opt__set(int idx, const char *arg, struct vtax_load_opts *o, char *err, size_t errlen)
{
	const struct vtax_load_optdef *d;

	if (idx < 0 || idx >= vtax_load_noptdefs) {
		snprintf(err, errlen, "unknown workload option");
		return -EINVAL;
	}
	d = &vtax_load_optdefs[idx];
	if (!d->set(d, arg, o))
		return 0;
	if (d->set == set_int || d->set == set_u32 || d->set == set_size_int || d->set == set_bs ||
	    d->set == set_size_u64 || d->set == set_frac)
		snprintf(err, errlen, "--%s: expected %s in [%ld, %ld], got '%s'", d->name,
			 d->expect, d->lo, d->hi, arg);
	else
		snprintf(err, errlen, "--%s: expected %s, got '%s'", d->name, d->expect, arg);
	return -EINVAL;
}

void vtax_load_opt__usage(FILE *f)
{
	for (int i = 0; i < vtax_load_noptdefs; i++) {
		const struct vtax_load_optdef *d = &vtax_load_optdefs[i];
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		fprintf(f, "      %-18s %s\n", left, d->help);
	}
}
