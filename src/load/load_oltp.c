// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load_oltp.c - the "oltp" workload: MySQL-style transactions on a real
 * MariaDB/MySQL server through libmariadb, shaped like sysbench's
 * oltp_read_write so that numbers compare with what people already know.
 *
 * Prepare (like `sysbench oltp_read_write prepare`): CREATE DATABASE db;
 * tables sbtest1..N (id PK auto-increment, k INT with secondary index k_N,
 * c CHAR(120), pad CHAR(60)), InnoDB, table_size rows each, c and pad made of
 * random 11-digit groups like sysbench's.
 *
 * Run: `conns` threads, each with its own connection (all connected before
 * the clock starts), loop over one transaction:
 *   BEGIN; 10 x point select; simple range; SUM range; ORDER BY range;
 *   DISTINCT range; index UPDATE (k=k+1); non-index UPDATE (c=random);
 *   DELETE id=X + INSERT id=X; COMMIT
 * Each statement picks a random table and a uniform random id (ranges of
 * range_size rows), and every result set is fetched in full.  Latency of a
 * transaction = BEGIN sent -> COMMIT acknowledged, retries included: a
 * deadlock (1213), lock wait timeout (1205) or duplicate key (1062, the
 * DELETE+INSERT race) rolls back, counts one error and retries the same
 * transaction, as sysbench does with its ignored errors.  So `ops` equals
 * the number of COMMITs the server executed in the measured phase.
 *
 * Bounded: connect and each read/write wait at most timeout_s
 * (MYSQL_OPT_CONNECT_TIMEOUT / READ_TIMEOUT / WRITE_TIMEOUT); the main thread
 * watches the deadline, the stop flag and max_ops (a shared ticket counter
 * gives out exactly max_ops measured transactions).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mysql.h>
#include <mysqld_error.h>
#include "load/load.h"

static pthread_once_t oltp_once = PTHREAD_ONCE_INIT;
static int oltp_lib_ok;

/* mysql_library_init is not thread-safe: run it once, before any thread. */
static void oltp__lib_init(void)
{
	oltp_lib_ok = mysql_library_init(0, NULL, NULL) == 0;
}

struct oltp_run;

struct oltp_worker {
	struct oltp_run *run;
	MYSQL *my;
	pthread_t tid;
	int started;
	uint64_t rng;
	struct vtax_hist hist;
	uint64_t ops, warmup_ops, errors;
	char qbuf[1024];
};

struct oltp_run {
	const struct vtax_load_opts *o;
	struct vtax_load_clock clk;
	uint64_t tickets;      /* measured transactions handed out (atomic) */
	uint64_t ops_done;     /* measured transactions committed (atomic, for progress) */
	int quit;              /* atomic: workers stop before their next transaction */
	int running;           /* atomic: workers still in their loop */
	pthread_mutex_t lock;  /* guards err/error */
	int err;
	char error[256];
};

static void oltp__fail(struct oltp_run *run, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void oltp__fail(struct oltp_run *run, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&run->lock);
	if (!run->err) {
		run->err = err;
		va_start(ap, fmt);
		vsnprintf(run->error, sizeof(run->error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&run->lock);
	__atomic_store_n(&run->quit, 1, __ATOMIC_RELAXED);
}

/* Identifiers are spliced into SQL: allow only plain names. */
static int oltp__valid_name(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static MYSQL *oltp__connect(const struct vtax_load_opts *o, const char *db, char *err, size_t errlen,
			    int *ret)
{
	unsigned int t = o->timeout_s < 1 ? 1 : (unsigned int)(o->timeout_s + 0.5);
	MYSQL *my;

	pthread_once(&oltp_once, oltp__lib_init);
	if (!oltp_lib_ok) {
		snprintf(err, errlen, "mysql_library_init failed");
		*ret = -EINVAL;
		return NULL;
	}
	my = mysql_init(NULL);
	if (!my) {
		snprintf(err, errlen, "mysql_init: out of memory");
		*ret = -ENOMEM;
		return NULL;
	}
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	if (!mysql_real_connect(my, o->host, o->user, o->password, db, (unsigned int)o->port, NULL, 0)) {
		unsigned int e = mysql_errno(my);

		snprintf(err, errlen, "connect to %s:%d: %s", o->host, o->port, mysql_error(my));
		*ret = e == 2003 || e == 2002 ? -ECONNREFUSED : e == 1045 ? -EACCES :
		       e == 1049 ? -ENOENT : -EIO;
		mysql_close(my);
		return NULL;
	}
	return my;
}

/* Run one statement and fetch (then drop) its whole result set. */
static int oltp__query(MYSQL *my, const char *q, int len)
{
	MYSQL_RES *res;

	if (mysql_real_query(my, q, (unsigned long)len))
		return -1;
	res = mysql_store_result(my);
	if (res)
		mysql_free_result(res);
	else if (mysql_field_count(my))
		return -1;
	return 0;
}

/* sysbench's c/pad: groups of 11 random digits joined by '-'. */
static void oltp__digits(uint64_t *rng, char *out, int groups)
{
	int p = 0;

	for (int g = 0; g < groups; g++) {
		if (g)
			out[p++] = '-';
		for (int d = 0; d < 11; d++)
			out[p++] = (char)('0' + vtax_load__rand_below(rng, 10));
	}
	out[p] = 0;
}

static int oltp__retryable(unsigned int e)
{
	return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT || e == ER_DUP_ENTRY;
}

#define Q(...) (n = snprintf(w->qbuf, sizeof(w->qbuf), __VA_ARGS__), oltp__query(w->my, w->qbuf, n))

/* One oltp_read_write transaction.  0 ok, 1 retryable failure, -1 fatal. */
static int oltp__txn(struct oltp_worker *w)
{
	const struct vtax_load_opts *o = w->run->o;
	uint64_t ts = (uint64_t)o->table_size, rs = (uint64_t)o->range_size;
	char c[128], pad[64];
	unsigned long long id, lo;
	int n, t;

#define TBL() ((int)vtax_load__rand_below(&w->rng, (uint64_t)o->tables) + 1)
#define ID() (vtax_load__rand_below(&w->rng, ts) + 1)
#define LO() (ts > rs ? vtax_load__rand_below(&w->rng, ts - rs + 1) + 1 : 1)
	if (Q("BEGIN"))
		goto fail;
	for (int i = 0; i < 10; i++)
		if (Q("SELECT c FROM sbtest%d WHERE id=%llu", TBL(), (unsigned long long)ID()))
			goto fail;
	t = TBL(); lo = LO();
	if (Q("SELECT c FROM sbtest%d WHERE id BETWEEN %llu AND %llu", t, lo, lo + rs - 1))
		goto fail;
	t = TBL(); lo = LO();
	if (Q("SELECT SUM(k) FROM sbtest%d WHERE id BETWEEN %llu AND %llu", t, lo, lo + rs - 1))
		goto fail;
	t = TBL(); lo = LO();
	if (Q("SELECT c FROM sbtest%d WHERE id BETWEEN %llu AND %llu ORDER BY c", t, lo, lo + rs - 1))
		goto fail;
	t = TBL(); lo = LO();
	if (Q("SELECT DISTINCT c FROM sbtest%d WHERE id BETWEEN %llu AND %llu ORDER BY c", t, lo,
	      lo + rs - 1))
		goto fail;
	if (Q("UPDATE sbtest%d SET k=k+1 WHERE id=%llu", TBL(), (unsigned long long)ID()))
		goto fail;
	oltp__digits(&w->rng, c, 10);
	if (Q("UPDATE sbtest%d SET c='%s' WHERE id=%llu", TBL(), c, (unsigned long long)ID()))
		goto fail;
	t = TBL();
	id = ID();
	if (Q("DELETE FROM sbtest%d WHERE id=%llu", t, id))
		goto fail;
	oltp__digits(&w->rng, c, 10);
	oltp__digits(&w->rng, pad, 5);
	if (Q("INSERT INTO sbtest%d (id, k, c, pad) VALUES (%llu, %llu, '%s', '%s')", t, id,
	      (unsigned long long)ID(), c, pad))
		goto fail;
	if (Q("COMMIT"))
		goto fail;
	return 0;
#undef TBL
#undef ID
#undef LO
fail:
	if (oltp__retryable(mysql_errno(w->my))) {
		static const char rb[] = "ROLLBACK";

		if (oltp__query(w->my, rb, (int)sizeof(rb) - 1) == 0)
			return 1;
	}
	return -1;
}

static void *oltp__worker(void *arg)
{
	struct oltp_worker *w = arg;
	struct oltp_run *run = w->run;
	const struct vtax_load_opts *o = run->o;

	mysql_thread_init();
	while (!__atomic_load_n(&run->quit, __ATOMIC_RELAXED)) {
		uint64_t t0 = vtax_load__now_ns(), t1;
		int measured = t0 >= run->clk.measure_ns, rc;

		if (t0 >= run->clk.end_ns)
			break;
		if (measured && o->max_ops &&
		    __atomic_fetch_add(&run->tickets, 1, __ATOMIC_RELAXED) >= o->max_ops)
			break;
		while ((rc = oltp__txn(w)) == 1) {
			w->errors++;
			if (__atomic_load_n(&run->quit, __ATOMIC_RELAXED))
				break;
		}
		if (rc < 0) {
			oltp__fail(run, -EIO, "%s (in: %.120s)", mysql_error(w->my), w->qbuf);
			break;
		}
		if (rc)
			break;
		t1 = vtax_load__now_ns();
		if (measured) {
			vtax_hist__record(&w->hist, t1 - t0);
			w->ops++;
			__atomic_fetch_add(&run->ops_done, 1, __ATOMIC_RELAXED);
		} else {
			w->warmup_ops++;
		}
	}
	__atomic_fetch_sub(&run->running, 1, __ATOMIC_RELAXED);
	mysql_thread_end();
	return NULL;
}

int vtax_load_oltp__run(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	struct oltp_run run = { .o = o, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct oltp_worker *ws;
	uint64_t last_ns;
	int i, ret = 0;

	snprintf(r->op_name, sizeof(r->op_name), "transaction");
	if (!oltp__valid_name(o->db)) {
		snprintf(r->error, sizeof(r->error), "database name '%s' is not a plain name", o->db);
		return -EINVAL;
	}
	ws = calloc((size_t)o->conns, sizeof(*ws));
	if (!ws) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < o->conns; i++) {
		ws[i].run = &run;
		ws[i].rng = ((o->seed ? o->seed : vtax_load__now_ns()) ^
			     (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull) | 1;
		ws[i].my = oltp__connect(o, o->db, r->error, sizeof(r->error), &ret);
		if (!ws[i].my)
			goto out;
		if (vtax_load__stopped(o))
			goto out;
	}

	vtax_load_clock__init(&run.clk, o);
	run.running = o->conns;
	for (i = 0; i < o->conns; i++) {
		if (pthread_create(&ws[i].tid, NULL, oltp__worker, &ws[i])) {
			__atomic_fetch_sub(&run.running, o->conns - i, __ATOMIC_RELAXED);
			oltp__fail(&run, -EAGAIN, "pthread_create failed");
			break;
		}
		ws[i].started = 1;
	}
	/* Watch the stop flag and report progress; workers end themselves at
	 * end_ns, at max_ops, or within timeout_s of a dead server. */
	while (__atomic_load_n(&run.running, __ATOMIC_RELAXED) > 0) {
		uint64_t now = vtax_load__now_ns();

		if (vtax_load__stopped(o))
			__atomic_store_n(&run.quit, 1, __ATOMIC_RELAXED);
		vtax_load_clock__progress(&run.clk, o, now,
					  __atomic_load_n(&run.ops_done, __ATOMIC_RELAXED));
		usleep(20000);
	}
	last_ns = vtax_load__now_ns();
	for (i = 0; i < o->conns; i++) {
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
		vtax_hist__merge(&r->latency, &ws[i].hist);
		r->ops += ws[i].ops;
		r->warmup_ops += ws[i].warmup_ops;
		r->errors += ws[i].errors;
	}
	if (last_ns < run.clk.measure_ns)
		last_ns = run.clk.measure_ns;
	vtax_load_result__finish(r, run.clk.measure_ns, last_ns);
	if (run.err) {
		ret = run.err;
		snprintf(r->error, sizeof(r->error), "%s", run.error);
	}
out:
	for (i = 0; i < o->conns; i++)
		if (ws[i].my)
			mysql_close(ws[i].my);
	free(ws);
	pthread_mutex_destroy(&run.lock);
	return ret;
}

int vtax_load_oltp__prepare(const struct vtax_load_opts *o, char *err, size_t errlen)
{
	struct oltp_worker ww = { .rng = (o->seed ? o->seed : vtax_load__now_ns()) | 1 };
	struct oltp_worker *w = &ww;
	char *q = NULL;
	size_t qcap = 0, ql;
	int ret = 0, n;

	if (!oltp__valid_name(o->db)) {
		snprintf(err, errlen, "database name '%s' is not a plain name", o->db);
		return -EINVAL;
	}
	w->my = oltp__connect(o, NULL, err, errlen, &ret);
	if (!w->my)
		return ret;
	if (Q("CREATE DATABASE IF NOT EXISTS `%s`", o->db) || mysql_select_db(w->my, o->db))
		goto fail;
	/* One multi-row INSERT carries up to 1000 rows of ~200 bytes. */
	qcap = 1000 * 256 + 256;
	q = malloc(qcap);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (int t = 1; t <= o->tables; t++) {
		if (Q("DROP TABLE IF EXISTS sbtest%d", t) ||
		    Q("CREATE TABLE sbtest%d (id INTEGER NOT NULL AUTO_INCREMENT, "
		      "k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, "
		      "pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB", t))
			goto fail;
		for (int id = 1; id <= o->table_size;) {
			ql = (size_t)snprintf(q, qcap, "INSERT INTO sbtest%d (id, k, c, pad) VALUES ", t);
			for (int b = 0; b < 1000 && id <= o->table_size; b++, id++) {
				char c[128], pad[64];

				oltp__digits(&w->rng, c, 10);
				oltp__digits(&w->rng, pad, 5);
				ql += (size_t)snprintf(q + ql, qcap - ql, "%s(%d,%llu,'%s','%s')", b ? "," : "",
						       id,
						       (unsigned long long)vtax_load__rand_below(
							       &w->rng, (uint64_t)o->table_size) + 1,
						       c, pad);
			}
			if (oltp__query(w->my, q, (int)ql))
				goto fail;
		}
		/* Like sysbench: secondary index after the bulk load (faster). */
		if (Q("CREATE INDEX k_%d ON sbtest%d(k)", t, t))
			goto fail;
	}
	goto out;
fail:
	snprintf(err, errlen, "prepare %s: %s", o->db, mysql_error(w->my));
	ret = -EIO;
out:
	free(q);
	mysql_close(w->my);
	return ret;
}
#undef Q
