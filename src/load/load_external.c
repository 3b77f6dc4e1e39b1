// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load_external.c - `--driver external`: drive the well-known tools instead
 * of vtax's own generators and convert their reports into a
 * vtax_load_result, so a user can check vtax's numbers against the tools
 * they trust:
 *
 *   kv   -> redis-benchmark (--csv): one run of `-t set` and one of `-t get`,
 *           n = max_ops (100000 when 0) split by set_ratio.  Count-based:
 *           duration_s only caps the time; no warm-up (the tool has none).
 *   oltp -> sysbench oltp_read_write --rand-type=uniform --histogram=on;
 *           whole seconds (the tool's --time is an integer); a warm-up of
 *           >= 1 s is a separate, discarded sysbench run (1.0 has no
 *           --warmup-time).
 *   io   -> fio --ioengine=io_uring --output-format=json --lat_percentiles=1
 *           --norandommap (uniform offsets with repeats, as ours), with
 *           --ramp_time for the warm-up; parsed with jansson.
 *
 * Prepare uses the builtin preparers: redis-benchmark's `-r` keys
 * ("key:%012d") and sysbench's sbtest schema are what load_kv.c and
 * load_oltp.c create anyway, and fio reads the same fully written file.
 *
 * Latency histograms:
 *   - sysbench prints a real histogram (--histogram=on: its own log
 *     buckets, a representative value and a count per row): each row is
 *     recorded as `count` samples at that value, so only the bucketing
 *     differs from ours.
 *   - redis-benchmark (min, p50, p95, p99, max, avg) and fio (min, 17
 *     percentiles, max, mean) give quantiles only.  They are turned into a
 *     histogram by spreading the samples between consecutive quantile
 *     points (q_i, v_i) -> (q_i+1, v_i+1): (q_i+1 - q_i) * n samples on 8
 *     geometrically spaced values from v_i to v_i+1, each step's share at its
 *     upper value.  Reading a quantile q_i back gives v_i (within our bucket
 *     width); between the points the shape is an interpolation, not data.
 *     sum_ns is set from the tool's mean and max_ns from its max, so mean
 *     and max are exact.
 *
 * Tools run with util/spawn.c (argv arrays, never a shell; stdout and
 * stderr captured); a child still running after the run's time plus
 * timeout_s + 30 s is killed, and the stop flag sends it SIGINT (fio then
 * still reports).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include "load/load.h"
#include "util/spawn.h"

#define EXT_OUT_MAX (1u << 20) /* tool output kept (fio JSON is ~10 KiB) */
#define EXT_ERR_MAX (64u << 10)

struct ext_out {
	char *buf;
	size_t len, cap;
};

/* Room for a tool's output (fio's JSON is ~10 KiB). */
static int ext_out__reserve(struct ext_out *b, size_t cap)
{
	if (b->cap >= cap)
		return 0;
	free(b->buf);
	b->buf = calloc(1, cap);
	b->len = 0;
	b->cap = b->buf ? cap : 0;
	return b->buf ? 0 : -ENOMEM;
}

/*
 * Run argv (util/spawn.c), capture stdout into *out and stderr into
 * *errout.  Returns the exit status (>= 0), or -errno; 127 means it could
 * not be executed.  The stop flag sends SIGINT (fio then still reports).
 */
static int ext__spawn(char *const argv[], double limit_s, volatile int *stop, struct ext_out *out,
		      struct ext_out *errout)
{
	struct vtax_run_opts ro = { .timeout_s = limit_s, .stop = stop, .stop_signal = SIGINT };
	int ret;

	if (ext_out__reserve(out, EXT_OUT_MAX) || ext_out__reserve(errout, EXT_ERR_MAX))
		return -ENOMEM;
	ro.err = errout->buf;
	ro.errlen = errout->cap;
	ret = vtax_spawn__run(argv, out->buf, out->cap, &ro);
	out->len = strlen(out->buf);
	errout->len = strlen(errout->buf);
	return ret;
}

/* See the header comment: quantile points -> histogram of n samples. */
static void ext__hist_from_quantiles(struct vtax_hist *h, uint64_t n, const double *q, const double *v_ns,
				     int k, double mean_ns, double max_ns)
{
	uint64_t done = 0;

	vtax_hist__reset(h);
	if (!n || k < 2)
		return;
	for (int i = 0; i + 1 < k; i++) {
		double lo = v_ns[i] > 1 ? v_ns[i] : 1, hi = v_ns[i + 1] > lo ? v_ns[i + 1] : lo;

		for (int s = 1; s <= 8; s++) {
			double qs = q[i] + (q[i + 1] - q[i]) * s / 8;
			uint64_t upto = (uint64_t)llround(qs * (double)n);

			if (upto > n)
				upto = n;
			if (upto > done) {
				vtax_hist__record_n(h, (uint64_t)llround(lo * pow(hi / lo, s / 8.0)), upto - done);
				done = upto;
			}
		}
	}
	if (done < n)
		vtax_hist__record_n(h, (uint64_t)llround(v_ns[k - 1]), n - done);
	h->sum_ns = (uint64_t)llround(mean_ns * (double)n);
	h->max_ns = (uint64_t)llround(max_ns);
}

static void ext__tool_error(struct vtax_load_result *r, const char *tool, int st, const struct ext_out *e)
{
	const char *msg = e->buf ? e->buf : "";
	int len = (int)strcspn(msg, "\n");

	if (st == 127)
		snprintf(r->error, sizeof(r->error), "%s: not installed or not executable", tool);
	else if (st < 0)
		snprintf(r->error, sizeof(r->error), "%s: %s", tool, strerror(-st));
	else
		snprintf(r->error, sizeof(r->error), "%s exited with %d: %.*s", tool, st, len > 180 ? 180 : len,
			 msg);
}

static double ext__limit(const struct vtax_load_opts *o)
{
	return o->warmup_s + (o->duration_s > 0 ? o->duration_s : o->max_duration_s) + o->timeout_s + 30;
}

/* ------------------------------------------------------ redis-benchmark */

static int ext__redis_part(const struct vtax_load_opts *o, const char *test, uint64_t n, struct vtax_hist *h,
			   double *elapsed, struct vtax_load_result *r)
{
	char port[16], c[16], p[16], d[16], kr[16], num[24];
	char *argv[] = { "redis-benchmark", "-h", (char *)o->host, "-p", port, "-c", c, "-P", p, "-d", d,
			 "-r", kr, "-n", num, "-t", (char *)test, "--csv", NULL };
	struct ext_out out = { 0 }, err = { 0 };
	double rps, avg, mn, p50, p95, p99, mx;
	const char *line;
	int st, ret = 0;

	snprintf(port, sizeof(port), "%d", o->port);
	snprintf(c, sizeof(c), "%d", o->conns);
	snprintf(p, sizeof(p), "%d", o->pipeline);
	snprintf(d, sizeof(d), "%d", o->value_size);
	snprintf(kr, sizeof(kr), "%d", o->keyspace);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
	st = ext__spawn(argv, ext__limit(o), o->stop, &out, &err);
	if (st) {
		ext__tool_error(r, "redis-benchmark", st, &err);
		ret = st < 0 ? st : -EIO;
		goto out;
	}
	/* "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms" */
	line = out.buf ? strstr(out.buf, "\n\"") : NULL;
	if (!line || sscanf(line + 1, "\"%*[^\"]\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\"", &rps,
			    &avg, &mn, &p50, &p95, &p99, &mx) != 7 || rps <= 0) {
		snprintf(r->error, sizeof(r->error), "redis-benchmark: unexpected output");
		ret = -EPROTO;
		goto out;
	}
	{
		const double q[] = { 0, 0.5, 0.95, 0.99, 1 };
		const double v[] = { mn * 1e6, p50 * 1e6, p95 * 1e6, p99 * 1e6, mx * 1e6 };

		ext__hist_from_quantiles(h, n, q, v, 5, avg * 1e6, mx * 1e6);
	}
	*elapsed += (double)n / rps;
out:
	free(out.buf);
	free(err.buf);
	return ret;
}

static int ext__kv(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	uint64_t n = o->max_ops ? o->max_ops : 100000;
	uint64_t nset = (uint64_t)llround((double)n * o->set_ratio), nget = n - nset;
	struct vtax_hist *h = malloc(sizeof(*h));
	double elapsed = 0;
	int ret = 0;

	snprintf(r->op_name, sizeof(r->op_name), "request");
	if (!h)
		return -ENOMEM;
	if (nset && !(ret = ext__redis_part(o, "set", nset, h, &elapsed, r))) {
		vtax_hist__merge(&r->latency, h);
		r->ops += nset;
	}
	if (!ret && nget && !(ret = ext__redis_part(o, "get", nget, h, &elapsed, r))) {
		vtax_hist__merge(&r->latency, h);
		r->ops += nget;
	}
	free(h);
	r->elapsed_s = elapsed;
	r->ops_per_s = elapsed > 0 ? (double)r->ops / elapsed : 0;
	return ret;
}

/* ------------------------------------------------------------- sysbench */

static int ext__sysbench(const struct vtax_load_opts *o, int seconds, uint64_t events, struct ext_out *out,
			 struct vtax_load_result *r)
{
	char host[64], port[32], user[128], pw[160], db[96], tables[32], size[32], threads[32], tm[32], ev[48],
		rs[32];
	char *argv[] = { "sysbench", "oltp_read_write", "--db-driver=mysql", host, port, user, pw, db, tables,
			 size, threads, tm, ev, rs, "--rand-type=uniform", "--histogram=on", "--percentile=99",
			 "run", NULL };
	struct ext_out err = { 0 };
	int st;

	snprintf(host, sizeof(host), "--mysql-host=%s", o->host);
	snprintf(port, sizeof(port), "--mysql-port=%d", o->port);
	snprintf(user, sizeof(user), "--mysql-user=%s", o->user);
	snprintf(pw, sizeof(pw), "--mysql-password=%s", o->password);
	snprintf(db, sizeof(db), "--mysql-db=%s", o->db);
	snprintf(tables, sizeof(tables), "--tables=%d", o->tables);
	snprintf(size, sizeof(size), "--table-size=%d", o->table_size);
	snprintf(threads, sizeof(threads), "--threads=%d", o->conns);
	snprintf(tm, sizeof(tm), "--time=%d", seconds);
	snprintf(ev, sizeof(ev), "--events=%llu", (unsigned long long)events);
	snprintf(rs, sizeof(rs), "--range_size=%d", o->range_size);
	st = ext__spawn(argv, ext__limit(o), o->stop, out, &err);
	if (st)
		ext__tool_error(r, "sysbench", st, &err);
	free(err.buf);
	return st ? (st < 0 ? st : -EIO) : 0;
}

static int ext__oltp(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	struct ext_out out = { 0 };
	double d = o->duration_s > 0 ? o->duration_s : o->max_duration_s, tps, total, mn, avg, mx, sum;
	unsigned long long tx = 0, ign = 0;
	const char *p;
	int ret;

	snprintf(r->op_name, sizeof(r->op_name), "transaction");
	if (o->warmup_s >= 1) {
		ret = ext__sysbench(o, (int)llround(o->warmup_s), 0, &out, r);
		free(out.buf);
		out = (struct ext_out){ 0 };
		if (ret)
			return ret;
	}
	ret = ext__sysbench(o, d < 1 ? 1 : (int)ceil(d), o->max_ops, &out, r);
	if (ret)
		goto out;
	if (!out.buf || !(p = strstr(out.buf, "transactions:")) || sscanf(p, "transactions: %llu (%lf", &tx, &tps) != 2 ||
	    !(p = strstr(out.buf, "total time:")) || sscanf(p, "total time: %lfs", &total) != 1 ||
	    !(p = strstr(out.buf, "Latency (ms):")) ||
	    sscanf(p, "Latency (ms): min: %lf avg: %lf max: %lf", &mn, &avg, &mx) != 3 ||
	    !(p = strstr(p, "sum:")) || sscanf(p, "sum: %lf", &sum) != 1) {
		snprintf(r->error, sizeof(r->error), "sysbench: unexpected output");
		ret = -EPROTO;
		goto out;
	}
	if ((p = strstr(out.buf, "ignored errors:")))
		sscanf(p, "ignored errors: %llu", &ign);
	/* The histogram rows: "   value |****    count". */
	for (p = strstr(out.buf, "distribution"); p && (p = strchr(p, '\n')); p++) {
		double v;
		unsigned long long cnt;
		const char *bar = strchr(p + 1, '|'), *eol = strchr(p + 1, '\n');

		if (!bar || (eol && bar > eol) || sscanf(p + 1, " %lf |", &v) != 1)
			break;
		bar++;
		while (*bar == '*' || *bar == ' ')
			bar++;
		if (sscanf(bar, "%llu", &cnt) == 1)
			vtax_hist__record_n(&r->latency, (uint64_t)llround(v * 1e6), cnt);
	}
	if (r->latency.count != tx) {
		snprintf(r->error, sizeof(r->error), "sysbench: histogram holds %llu of %llu transactions",
			 (unsigned long long)r->latency.count, tx);
		ret = -EPROTO;
		goto out;
	}
	r->latency.sum_ns = (uint64_t)llround(sum * 1e6);
	r->latency.max_ns = (uint64_t)llround(mx * 1e6);
	r->ops = tx;
	r->errors = ign;
	r->elapsed_s = total;
	r->ops_per_s = tps;
out:
	free(out.buf);
	return ret;
}

/* ------------------------------------------------------------------ fio */

static int ext__io(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	static const char *const rws[] = { "randread", "randwrite", "read", "write" };
	double d = o->duration_s > 0 ? o->duration_s : o->max_duration_s;
	char fn[1100], size[48], bs[32], qd[32], rw[32], direct[16], ramp[48], rt[48], nios[48], iosz[48];
	char *argv[24];
	struct ext_out out = { 0 }, err = { 0 };
	json_t *root = NULL, *job, *dir, *lat, *pct;
	json_error_t jerr;
	int st, ret = 0, a = 0;

	snprintf(r->op_name, sizeof(r->op_name), "io");
	snprintf(fn, sizeof(fn), "--filename=%s", o->path);
	snprintf(size, sizeof(size), "--size=%llu", (unsigned long long)o->file_size);
	snprintf(bs, sizeof(bs), "--bs=%d", o->bs);
	snprintf(qd, sizeof(qd), "--iodepth=%d", o->qd);
	snprintf(rw, sizeof(rw), "--rw=%s", rws[o->rw]);
	snprintf(direct, sizeof(direct), "--direct=%d", o->direct ? 1 : 0);
	snprintf(ramp, sizeof(ramp), "--ramp_time=%llums", (unsigned long long)llround(o->warmup_s * 1000));
	snprintf(rt, sizeof(rt), "--runtime=%llums", (unsigned long long)llround(d * 1000));
	snprintf(nios, sizeof(nios), "--number_ios=%llu", (unsigned long long)o->max_ops);
	/* io_size lets a counted run loop over the file (size alone ends it
	 * after one pass); --time_based would ignore number_ios. */
	snprintf(iosz, sizeof(iosz), "--io_size=%llu", (unsigned long long)o->max_ops * (uint64_t)o->bs);
	argv[a++] = "fio";
	argv[a++] = "--name=vtax";
	argv[a++] = fn;
	argv[a++] = size;
	argv[a++] = bs;
	argv[a++] = qd;
	argv[a++] = rw;
	argv[a++] = direct;
	argv[a++] = "--ioengine=io_uring";
	argv[a++] = "--norandommap";
	argv[a++] = "--randrepeat=0";
	argv[a++] = "--lat_percentiles=1";
	argv[a++] = "--output-format=json";
	argv[a++] = rt;
	if (o->warmup_s > 0)
		argv[a++] = ramp;
	if (o->max_ops) {
		argv[a++] = nios;
		argv[a++] = iosz;
	} else
		argv[a++] = "--time_based";
	argv[a] = NULL;

	st = ext__spawn(argv, ext__limit(o), o->stop, &out, &err);
	if (st) {
		ext__tool_error(r, "fio", st, &err);
		ret = st < 0 ? st : -EIO;
		goto out;
	}
	/* fio may print notes before the JSON object. */
	root = json_loads(out.buf && strchr(out.buf, '{') ? strchr(out.buf, '{') : "", 0, &jerr);
	job = json_array_get(json_object_get(root, "jobs"), 0);
	dir = json_object_get(job, o->rw == 1 || o->rw == 3 ? "write" : "read");
	lat = json_object_get(dir, "lat_ns");
	pct = json_object_get(lat, "percentile");
	if (!dir || !json_is_object(lat) || !json_is_object(pct)) {
		snprintf(r->error, sizeof(r->error), "fio: unexpected output (%s)", root ? "no lat_ns" : jerr.text);
		ret = -EPROTO;
		goto out;
	}
	{
		double q[24], v[24], tmp;
		const char *key;
		json_t *val;
		int k = 0;

		q[k] = 0;
		v[k++] = json_number_value(json_object_get(lat, "min"));
		json_object_foreach(pct, key, val) {
			if (k >= 23 || sscanf(key, "%lf", &tmp) != 1)
				continue;
			q[k] = tmp / 100;
			v[k++] = json_number_value(val);
		}
		/* Whatever the key order of the object, use ascending q. */
		for (int i = 2; i < k; i++)
			for (int j = i; j > 1 && q[j - 1] > q[j]; j--) {
				tmp = q[j], q[j] = q[j - 1], q[j - 1] = tmp;
				tmp = v[j], v[j] = v[j - 1], v[j - 1] = tmp;
			}
		q[k] = 1;
		v[k++] = json_number_value(json_object_get(lat, "max"));
		/* lat_ns.N: I/Os completed and timed after the ramp (total_ios
		 * counts issues, a few off at the edges). */
		r->ops = (uint64_t)json_integer_value(json_object_get(lat, "N"));
		ext__hist_from_quantiles(&r->latency, r->ops, q, v, k,
					 json_number_value(json_object_get(lat, "mean")),
					 json_number_value(json_object_get(lat, "max")));
	}
	r->bytes = (uint64_t)json_integer_value(json_object_get(dir, "io_bytes"));
	r->elapsed_s = (double)json_integer_value(json_object_get(dir, "runtime")) / 1e3;
	r->ops_per_s = json_number_value(json_object_get(dir, "iops"));
	r->errors = (uint64_t)json_integer_value(json_object_get(job, "error")) ? 1 : 0;
	r->direct = o->direct ? 1 : 0;
out:
	json_decref(root);
	free(out.buf);
	free(err.buf);
	return ret;
}

int vtax_load_external__run(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	switch (o->workload) {
	case VTAX_WL_KV:
		return ext__kv(o, r);
	case VTAX_WL_OLTP:
		return ext__oltp(o, r);
	case VTAX_WL_IO:
		return ext__io(o, r);
	}
	snprintf(r->error, sizeof(r->error), "unknown workload");
	return -EINVAL;
}
