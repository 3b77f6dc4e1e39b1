// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 30-loadgen.c - TAP test of the load generators (src/load_*.c) against real
 * servers.  The servers are started by tests/integration/30-load-*.t, which
 * pass their coordinates in the environment:
 *
 *   VTAX_TEST_REDIS_PORT      redis-server on 127.0.0.1     -> kv tests
 *   VTAX_TEST_MYSQL_PORT      mariadbd on 127.0.0.1         -> oltp tests
 *   VTAX_TEST_IO_DIR          a directory on a real disk    -> io tests
 *   VTAX_TEST_IO_NODIRECT_DIR a filesystem refusing O_DIRECT (ramfs), optional
 *
 * With none of them set (prove runs build/tests/30-loadgen directly) it
 * skips.  What it asserts is checked against the servers' own counters
 * (Redis INFO commandstats, MariaDB Com_commit, the kernel's /proc/self/io),
 * not against the generator's own word.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include <mysql.h>
#include "tap.h"
#include "load/load.h"

static double now_s(void)
{
	return (double)vtax_load__now_ns() / 1e9;
}

static void show(const char *what, const struct vtax_load_result *r)
{
	tap_diag("%s: ops=%llu warmup=%llu errors=%llu %.0f %s/s p50=%.1fus p99=%.1fus max=%.1fus%s%s",
		 what, (unsigned long long)r->ops, (unsigned long long)r->warmup_ops,
		 (unsigned long long)r->errors, r->ops_per_s, r->op_name,
		 vtax_hist__quantile(&r->latency, 0.5) / 1e3,
		 vtax_hist__quantile(&r->latency, 0.99) / 1e3, r->latency.max_ns / 1e3,
		 r->error[0] ? " error: " : "", r->error);
}

static int hist_sane(const struct vtax_load_result *r)
{
	uint64_t p50 = vtax_hist__quantile(&r->latency, 0.5);
	uint64_t p99 = vtax_hist__quantile(&r->latency, 0.99);

	return r->latency.count == r->ops && p50 > 0 && p50 <= p99 && p99 <= r->latency.max_ns;
}

struct stopper {
	volatile int flag;
	double after_s;
};

static void *stopper__main(void *arg)
{
	struct stopper *s = arg;

	usleep((useconds_t)(s->after_s * 1e6));
	s->flag = 1;
	return NULL;
}

static void count_progress(void *ctx, uint64_t ops, double el)
{
	(void)ops;
	(void)el;
	(*(int *)ctx)++;
}

static int have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	if (system(cmd) == 0)
		return 1;
	tap_diag("%s not installed: external driver not tested", name);
	return 0;
}

/* ------------------------------------------------------------------ kv */

/* calls of GET and SET according to the server. */
static int redis_calls(redisContext *rc, long long *get, long long *set)
{
	redisReply *rp = redisCommand(rc, "INFO commandstats");
	const char *p;

	*get = *set = 0;
	if (!rp || rp->type != REDIS_REPLY_STRING) {
		if (rp)
			freeReplyObject(rp);
		return -1;
	}
	if ((p = strstr(rp->str, "cmdstat_get:calls=")))
		*get = atoll(p + strlen("cmdstat_get:calls="));
	if ((p = strstr(rp->str, "cmdstat_set:calls=")))
		*set = atoll(p + strlen("cmdstat_set:calls="));
	freeReplyObject(rp);
	return 0;
}

/* A TCP port on loopback that nobody listens on (bound, then closed). */
static int dead_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Accept two connections, read one request from each, hang up. */
static void *closer__main(void *arg)
{
	int lfd = *(int *)arg, fds[2];
	char buf[256];

	for (int i = 0; i < 2; i++)
		fds[i] = accept(lfd, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		if (read(fds[i], buf, sizeof(buf)) < 0)
			buf[0] = 0;
		close(fds[i]);
	}
	return NULL;
}

static void test_kv(int port)
{
	struct vtax_load_opts o;
	struct vtax_load_result *r = calloc(1, sizeof(*r));
	char err[256] = "";
	long long g0, s0, g1, s1;
	redisContext *rc;
	redisReply *rp;
	double t0;
	int ret;

	rc = redisConnect("127.0.0.1", port);
	tap_ok(rc && !rc->err, "kv: test client connects to redis on port %d", port);
	if (!rc || rc->err)
		return;

	vtax_load_opts__defaults(&o, VTAX_WL_KV);
	o.port = port;
	o.keyspace = 1000;
	freeReplyObject(redisCommand(rc, "FLUSHALL"));
	ret = vtax_load__prepare(&o, err, sizeof(err));
	rp = redisCommand(rc, "DBSIZE");
	tap_ok(ret == 0 && rp && rp->integer == 1000, "kv: prepare preloads 1000 keys (ret %d, dbsize %lld) %s",
	       ret, rp ? rp->integer : -1, err);
	freeReplyObject(rp);

	/* A timed run: every request is one command on the server. */
	o.conns = 8;
	o.pipeline = 4;
	o.duration_s = 1;
	o.warmup_s = 0.2;
	redis_calls(rc, &g0, &s0);
	ret = vtax_load__run(&o, r);
	redis_calls(rc, &g1, &s1);
	show("kv 8x4 1s", r);
	tap_ok(ret == 0 && r->ops > 1000 && r->errors == 0, "kv: timed run ok, %llu requests",
	       (unsigned long long)r->ops);
	tap_ok(hist_sane(r), "kv: one latency sample per request, p50 <= p99 <= max");
	tap_ok((uint64_t)(g1 - g0 + s1 - s0) == r->ops + r->warmup_ops,
	       "kv: server counted GET+SET %lld == ops+warmup %llu", g1 - g0 + s1 - s0,
	       (unsigned long long)(r->ops + r->warmup_ops));
	tap_ok(r->elapsed_s > 0.9 && r->elapsed_s < 2.0, "kv: measured phase lasted %.3f s (asked 1 s)",
	       r->elapsed_s);
	tap_ok(!strcmp(r->op_name, "request"), "kv: op name is request");

	/* Exact count, and the SET ratio is honoured. */
	o.max_ops = 5000;
	o.duration_s = 30;
	o.warmup_s = 0;
	o.set_ratio = 0.5;
	redis_calls(rc, &g0, &s0);
	ret = vtax_load__run(&o, r);
	redis_calls(rc, &g1, &s1);
	show("kv max_ops=5000", r);
	tap_ok(ret == 0 && r->ops == 5000 && r->latency.count == 5000, "kv: max_ops=5000 gives exactly %llu",
	       (unsigned long long)r->ops);
	tap_ok(g1 - g0 + s1 - s0 == 5000, "kv: server saw exactly %lld commands", g1 - g0 + s1 - s0);
	tap_ok(s1 - s0 > 2200 && s1 - s0 < 2800, "kv: set_ratio 0.5 -> %lld SETs of 5000", s1 - s0);

	/* The stop flag ends a 30 s run promptly. */
	{
		struct stopper st = { .after_s = 0.3 };
		pthread_t th;
		int calls = 0;

		o.max_ops = 0;
		o.set_ratio = 0.1;
		o.stop = &st.flag;
		o.progress = count_progress;
		o.progress_ctx = &calls;
		pthread_create(&th, NULL, stopper__main, &st);
		t0 = now_s();
		ret = vtax_load__run(&o, r);
		t0 = now_s() - t0;
		pthread_join(th, NULL);
		tap_ok(ret == 0 && r->ops > 0 && t0 < 1.5, "kv: stop flag ends a 30 s run after %.2f s (%llu ops)",
		       t0, (unsigned long long)r->ops);
		o.stop = NULL;
		o.progress = NULL;

		/* progress is called about every 0.5 s */
		o.duration_s = 1.6;
		o.progress = count_progress;
		calls = 0;
		ret = vtax_load__run(&o, r);
		tap_ok(ret == 0 && calls >= 2 && calls <= 4, "kv: progress called %d times in 1.6 s", calls);
		o.progress = NULL;
	}

	/* --driver external: redis-benchmark, checked against the server's
	 * counters, and its p50 against ours at the same settings. */
	if (have_tool("redis-benchmark")) {
		uint64_t ours;

		o.duration_s = 30;
		o.max_ops = 20000;
		o.conns = 16;
		o.pipeline = 1;
		o.set_ratio = 0.1;
		o.warmup_s = 0;
		ret = vtax_load__run(&o, r);
		ours = vtax_hist__quantile(&r->latency, 0.5);
		show("kv builtin 16x1 20000", r);
		o.driver = VTAX_DRIVER_EXTERNAL;
		redis_calls(rc, &g0, &s0);
		ret = vtax_load__run(&o, r);
		redis_calls(rc, &g1, &s1);
		o.driver = VTAX_DRIVER_BUILTIN;
		show("kv redis-benchmark 16x1 20000", r);
		tap_ok(ret == 0 && r->ops == 20000 && r->latency.count == 20000 && s1 - s0 == 2000 &&
		       g1 - g0 == 18000,
		       "kv external: redis-benchmark ran 2000 SET + 18000 GET (server: %lld + %lld) %s", s1 - s0,
		       g1 - g0, r->error);
		tap_ok(ours < 3 * vtax_hist__quantile(&r->latency, 0.5) &&
		       vtax_hist__quantile(&r->latency, 0.5) < 3 * ours,
		       "kv: builtin p50 %.1f us agrees with redis-benchmark's %.1f us within 3x", ours / 1e3,
		       vtax_hist__quantile(&r->latency, 0.5) / 1e3);
		o.max_ops = 0;
	}

	/* No server: an error, at once. */
	o.port = dead_port();
	o.duration_s = 30;
	o.timeout_s = 2;
	t0 = now_s();
	ret = vtax_load__run(&o, r);
	t0 = now_s() - t0;
	tap_ok(ret == -ECONNREFUSED && r->error[0] && t0 < 1, "kv: absent server -> %d (%s) in %.3f s", ret,
	       r->error, t0);
	ret = vtax_load__prepare(&o, err, sizeof(err));
	tap_ok(ret == -ECONNREFUSED, "kv: prepare against absent server -> %d (%s)", ret, err);

	/* A server that accepts (the kernel completes the handshake into the
	 * backlog) but never answers: the run ends with -ETIMEDOUT. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sa);
		int lfd = socket(AF_INET, SOCK_STREAM, 0);

		bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
		listen(lfd, 64);
		getsockname(lfd, (struct sockaddr *)&sa, &sl);
		o.port = ntohs(sa.sin_port);
		o.conns = 2;
		o.timeout_s = 1;
		t0 = now_s();
		ret = vtax_load__run(&o, r);
		t0 = now_s() - t0;
		close(lfd);
		tap_ok(ret == -ETIMEDOUT && t0 < 2.5, "kv: silent server -> %d (%s) after %.2f s", ret, r->error,
		       t0);
	}
	/* A server that goes away mid-run: accepts, reads a request, closes. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sa);
		int lfd = socket(AF_INET, SOCK_STREAM, 0);
		pthread_t th;

		bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
		listen(lfd, 64);
		getsockname(lfd, (struct sockaddr *)&sa, &sl);
		o.port = ntohs(sa.sin_port);
		o.conns = 2;
		o.timeout_s = 5;
		pthread_create(&th, NULL, closer__main, &lfd);
		t0 = now_s();
		ret = vtax_load__run(&o, r);
		t0 = now_s() - t0;
		pthread_join(th, NULL);
		close(lfd);
		tap_ok((ret == -ECONNRESET || ret == -EPIPE) && t0 < 2,
		       "kv: server closing mid-run -> %d (%s) after %.2f s", ret, r->error, t0);
	}
	redisFree(rc);
	free(r);
}

/* ---------------------------------------------------------------- oltp */

static long long my_scalar(MYSQL *my, const char *q, int col)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long v = -1;

	if (mysql_query(my, q) || !(res = mysql_store_result(my)))
		return -1;
	if ((row = mysql_fetch_row(res)) && row[col])
		v = atoll(row[col]);
	mysql_free_result(res);
	return v;
}

static void test_oltp(int port)
{
	struct vtax_load_opts o;
	struct vtax_load_result *r = calloc(1, sizeof(*r));
	char err[256] = "";
	long long c0, c1, rb0, rb1;
	MYSQL *my;
	double t0;
	int ret;

	my = mysql_init(NULL);
	if (!mysql_real_connect(my, "127.0.0.1", "root", "", NULL, (unsigned)port, NULL, 0)) {
		tap_ok(0, "oltp: test client connects to port %d: %s", port, mysql_error(my));
		return;
	}
	vtax_load_opts__defaults(&o, VTAX_WL_OLTP);
	o.port = port;
	o.db = "vtax_test";
	o.tables = 2;
	o.table_size = 1000;
	t0 = now_s();
	ret = vtax_load__prepare(&o, err, sizeof(err));
	tap_ok(ret == 0, "oltp: prepare 2 x 1000 rows in %.1f s (%d %s)", now_s() - t0, ret, err);
	tap_ok(my_scalar(my, "SELECT COUNT(*) FROM vtax_test.sbtest2", 0) == 1000,
	       "oltp: sbtest2 holds 1000 rows");
	tap_ok(my_scalar(my, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='vtax_test' "
			     "AND engine='InnoDB'", 0) == 2,
	       "oltp: both tables are InnoDB");

	o.conns = 4;
	o.duration_s = 2;
	o.warmup_s = 0.3;
	c0 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	ret = vtax_load__run(&o, r);
	c1 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	show("oltp 4 threads 2s", r);
	tap_ok(ret == 0 && r->ops > 0, "oltp: timed run ok, %llu transactions (%llu retried)",
	       (unsigned long long)r->ops, (unsigned long long)r->errors);
	tap_ok(hist_sane(r), "oltp: one latency sample per transaction, p50 <= p99 <= max");
	tap_ok((uint64_t)(c1 - c0) == r->ops + r->warmup_ops, "oltp: server Com_commit delta %lld == ops+warmup %llu",
	       c1 - c0, (unsigned long long)(r->ops + r->warmup_ops));
	tap_ok(!strcmp(r->op_name, "transaction"), "oltp: op name is transaction");
	tap_ok(my_scalar(my, "SELECT COUNT(*) FROM vtax_test.sbtest1", 0) == 1000 &&
	       my_scalar(my, "SELECT COUNT(*) FROM vtax_test.sbtest2", 0) == 1000,
	       "oltp: DELETE+INSERT keeps 1000 rows per table");

	o.max_ops = 50;
	o.duration_s = 60;
	o.warmup_s = 0;
	c0 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	ret = vtax_load__run(&o, r);
	c1 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	show("oltp max_ops=50", r);
	tap_ok(ret == 0 && r->ops == 50 && c1 - c0 == 50, "oltp: max_ops=50 -> %llu transactions, %lld commits",
	       (unsigned long long)r->ops, c1 - c0);

	{
		struct stopper st = { .after_s = 0.5 };
		pthread_t th;

		o.max_ops = 0;
		o.duration_s = 60;
		o.stop = &st.flag;
		pthread_create(&th, NULL, stopper__main, &st);
		t0 = now_s();
		ret = vtax_load__run(&o, r);
		t0 = now_s() - t0;
		pthread_join(th, NULL);
		o.stop = NULL;
		tap_ok(ret == 0 && r->ops > 0 && t0 < 2, "oltp: stop flag ends a 60 s run after %.2f s", t0);
	}

	if (have_tool("sysbench")) {
		uint64_t ours = vtax_hist__quantile(&r->latency, 0.5);

		o.driver = VTAX_DRIVER_EXTERNAL;
		o.duration_s = 2;
		c0 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
		ret = vtax_load__run(&o, r);
		c1 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
		o.driver = VTAX_DRIVER_BUILTIN;
		show("oltp sysbench 4 threads 2s", r);
		tap_ok(ret == 0 && r->ops > 0 && r->latency.count == r->ops && (uint64_t)(c1 - c0) == r->ops,
		       "oltp external: sysbench %llu transactions, server commits %lld %s",
		       (unsigned long long)r->ops, c1 - c0, r->error);
		tap_ok(ours < 3 * vtax_hist__quantile(&r->latency, 0.5) &&
		       vtax_hist__quantile(&r->latency, 0.5) < 3 * ours,
		       "oltp: builtin p50 %.2f ms agrees with sysbench's %.2f ms within 3x", ours / 1e6,
		       vtax_hist__quantile(&r->latency, 0.5) / 1e6);
	}

	/* Contention: 8 threads on 1 table of 50 rows deadlock now and then;
	 * each deadlock is rolled back and retried, so COMMITs still equal
	 * ops and ROLLBACKs equal the errors counted. */
	o.tables = 1;
	o.table_size = 50;
	o.range_size = 10;
	o.conns = 8;
	o.duration_s = 1.5;
	ret = vtax_load__prepare(&o, err, sizeof(err));
	c0 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	rb0 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_rollback'", 1);
	if (!ret)
		ret = vtax_load__run(&o, r);
	c1 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_commit'", 1);
	rb1 = my_scalar(my, "SHOW GLOBAL STATUS LIKE 'Com_rollback'", 1);
	show("oltp contended 8 threads x 50 rows", r);
	tap_ok(ret == 0 && r->ops > 0 && (uint64_t)(c1 - c0) == r->ops &&
	       (uint64_t)(rb1 - rb0) == r->errors,
	       "oltp: under contention commits %lld == ops, rollbacks %lld == retried errors %llu", c1 - c0,
	       rb1 - rb0, (unsigned long long)r->errors);

	o.port = dead_port();
	t0 = now_s();
	ret = vtax_load__run(&o, r);
	t0 = now_s() - t0;
	tap_ok(ret < 0 && r->error[0] && t0 < 2, "oltp: absent server -> %d (%s) in %.2f s", ret, r->error, t0);
	mysql_query(my, "DROP DATABASE vtax_test");
	mysql_close(my);
	free(r);
}

/* ------------------------------------------------------------------ io */

static int proc_io(long long *rd, long long *wr)
{
	char line[128];
	FILE *f = fopen("/proc/self/io", "r");

	*rd = *wr = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "read_bytes: %lld", rd);
		sscanf(line, "write_bytes: %lld", wr);
	}
	fclose(f);
	return 0;
}

static void test_io(const char *dir, const char *nodirect_dir)
{
	struct vtax_load_opts o;
	struct vtax_load_result *r = calloc(1, sizeof(*r));
	char path[512], err[256] = "";
	long long rd0, wr0, rd1, wr1;
	uint64_t p50;
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/vtax-io.dat", dir);
	vtax_load_opts__defaults(&o, VTAX_WL_IO);
	o.path = path;
	o.file_size = 16 << 20;
	ret = vtax_load__prepare(&o, err, sizeof(err));
	if (stat(path, &st))
		memset(&st, 0, sizeof(st));
	tap_ok(ret == 0 && st.st_size == 16 << 20 && st.st_blocks * 512 >= 16 << 20,
	       "io: prepare writes 16 MiB, not sparse (%d %s, %lld blocks)", ret, err,
	       (long long)st.st_blocks);

	o.rw = 0;
	o.qd = 8;
	o.duration_s = 1;
	o.warmup_s = 0.2;
	proc_io(&rd0, &wr0);
	ret = vtax_load__run(&o, r);
	proc_io(&rd1, &wr1);
	show("io randread 4k qd8", r);
	tap_ok(ret == 0 && r->ops > 0 && r->direct == 1, "io: randread ok with O_DIRECT, %llu I/Os",
	       (unsigned long long)r->ops);
	tap_ok(hist_sane(r) && r->bytes == r->ops * 4096, "io: one sample per I/O, bytes == ops*bs");
	/* O_DIRECT: every read reaches the block layer, none is served by the
	 * page cache (a just-written file would be, buffered). */
	tap_ok(rd1 - rd0 >= (long long)((r->ops + r->warmup_ops) * 4096) &&
	       rd1 - rd0 <= (long long)((r->ops + r->warmup_ops) * 4096) + (1 << 20),
	       "io: kernel read_bytes delta %lld == (ops+warmup)*bs %llu", rd1 - rd0,
	       (unsigned long long)((r->ops + r->warmup_ops) * 4096));
	p50 = vtax_hist__quantile(&r->latency, 0.5);
	tap_ok(p50 > 1000 && p50 < 1000000000ull, "io: p50 %.1f us is plausible for a device read",
	       p50 / 1e3);

	o.rw = 1;
	o.max_ops = 2000;
	o.duration_s = 60;
	o.warmup_s = 0;
	proc_io(&rd0, &wr0);
	ret = vtax_load__run(&o, r);
	proc_io(&rd1, &wr1);
	show("io randwrite max_ops=2000", r);
	tap_ok(ret == 0 && r->ops == 2000 && r->latency.count == 2000, "io: randwrite max_ops=2000 -> %llu",
	       (unsigned long long)r->ops);
	tap_ok(wr1 - wr0 >= 2000LL * 4096, "io: kernel write_bytes delta %lld >= 2000*4096", wr1 - wr0);

	o.rw = 2;
	o.bs = 65536;
	o.qd = 4;
	o.max_ops = 512; /* two passes over the 16 MiB file: the wrap works */
	proc_io(&rd0, &wr0);
	ret = vtax_load__run(&o, r);
	proc_io(&rd1, &wr1);
	show("io seqread 64k max_ops=512", r);
	tap_ok(ret == 0 && r->ops == 512 && rd1 - rd0 >= 512LL * 65536,
	       "io: sequential 64 KiB reads wrap around the file (%llu ops, read_bytes %lld)",
	       (unsigned long long)r->ops, rd1 - rd0);
	o.rw = 3;
	o.max_ops = 256;
	ret = vtax_load__run(&o, r);
	tap_ok(ret == 0 && r->ops == 256, "io: sequential writes ok");

	{
		struct stopper st = { .after_s = 0.3 };
		pthread_t th;
		double t0;

		o.rw = 0;
		o.bs = 4096;
		o.max_ops = 0;
		o.stop = &st.flag;
		pthread_create(&th, NULL, stopper__main, &st);
		t0 = now_s();
		ret = vtax_load__run(&o, r);
		t0 = now_s() - t0;
		pthread_join(th, NULL);
		o.stop = NULL;
		tap_ok(ret == 0 && r->ops > 0 && t0 < 1.5, "io: stop flag ends a 60 s run after %.2f s", t0);
	}
	if (have_tool("fio")) {
		uint64_t ours, fios;

		o.rw = 0;
		o.bs = 4096;
		o.qd = 8;
		o.duration_s = 1;
		o.warmup_s = 0.2;
		ret = vtax_load__run(&o, r);
		ours = vtax_hist__quantile(&r->latency, 0.5);
		show("io builtin randread qd8 1s", r);
		o.driver = VTAX_DRIVER_EXTERNAL;
		ret = vtax_load__run(&o, r);
		o.driver = VTAX_DRIVER_BUILTIN;
		show("io fio randread qd8 1s", r);
		fios = vtax_hist__quantile(&r->latency, 0.5);
		/* fio's own byte and latency counts can differ by an I/O at the
		 * ramp edge: allow the queue depth. */
		tap_ok(ret == 0 && r->ops > 0 && r->latency.count == r->ops &&
		       r->bytes + 8 * 4096 >= r->ops * 4096 && r->bytes <= r->ops * 4096 + 8 * 4096,
		       "io external: fio %llu reads, bytes %llu ~ ops*bs %s", (unsigned long long)r->ops,
		       (unsigned long long)r->bytes, r->error);
		o.driver = VTAX_DRIVER_EXTERNAL;
		o.max_ops = 6000; /* > the 4096 blocks: fio must loop over the file */
		o.duration_s = 60;
		o.warmup_s = 0;
		ret = vtax_load__run(&o, r);
		o.driver = VTAX_DRIVER_BUILTIN;
		o.max_ops = 0;
		tap_ok(ret == 0 && r->ops == 6000 && r->latency.count == 6000,
		       "io external: fio max_ops=6000 -> %llu %s", (unsigned long long)r->ops, r->error);
		/* Compare the two 1 s runs of the same shape (qd8, warmed up),
		 * not the cold max_ops run that follows fio's timed one. */
		tap_ok(ours < 3 * fios && fios < 3 * ours,
		       "io: builtin p50 %.1f us agrees with fio's %.1f us (same 1 s qd8 run) within 3x",
		       ours / 1e3, fios / 1e3);
	}
	unlink(path);

	o.path = "/nonexistent-vtax/x";
	ret = vtax_load__run(&o, r);
	tap_ok(ret == -ENOENT && r->error[0], "io: missing file -> %d (%s)", ret, r->error);

	if (nodirect_dir) {
		snprintf(path, sizeof(path), "%s/vtax-io.dat", nodirect_dir);
		o.path = path;
		o.file_size = 1 << 20;
		o.max_ops = 1000;
		ret = vtax_load__prepare(&o, err, sizeof(err));
		if (!ret)
			ret = vtax_load__run(&o, r);
		tap_ok(ret == 0 && r->ops == 1000 && r->direct == 0 && strstr(r->warning, "O_DIRECT"),
		       "io: filesystem refusing O_DIRECT -> buffered with a warning (%d: %s)", ret, r->warning);
		unlink(path);
	}
	free(r);
}

int main(void)
{
	const char *redis = getenv("VTAX_TEST_REDIS_PORT");
	const char *mysql = getenv("VTAX_TEST_MYSQL_PORT");
	const char *iodir = getenv("VTAX_TEST_IO_DIR");
	enum vtax_workload w;

	if (!redis && !mysql && !iodir) {
		printf("1..0 # SKIP needs servers: run via tests/integration/30-load-*.t\n");
		return 0;
	}
	tap_ok(vtax_workload__parse("oltp", &w) == 0 && w == VTAX_WL_OLTP &&
	       !strcmp(vtax_workload__name(VTAX_WL_IO), "io") && vtax_workload__parse("nope", &w) == -EINVAL,
	       "workload names parse and print");
	if (redis)
		test_kv(atoi(redis));
	if (mysql)
		test_oltp(atoi(mysql));
	if (iodir)
		test_io(iodir, getenv("VTAX_TEST_IO_NODIRECT_DIR"));
	return tap_done();
}
