// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * load_kv.c - the "kv" workload (Redis-style GET/SET over RESP); load.c
 * holds the workload-independent entry points of load.h.
 *
 * How it works (the same shape as redis-benchmark): `conns` non-blocking TCP
 * connections share one epoll loop in the calling thread.  Each connection
 * keeps `pipeline` requests in flight: whenever replies arrive it refills
 * its window with new GET or SET commands (SET with probability set_ratio,
 * keys uniform over `keyspace`, values of value_size bytes), written in one
 * write().  Replies are parsed with hiredis's reader only (redisReader*);
 * the network side is ours so that timing is exact and nothing blocks.
 *
 * Latency of a request = CLOCK_MONOTONIC just before the write() that
 * carries it -> just after the read() whose bytes completed its reply.  A
 * ring per connection holds the send time of each request in flight; RESP
 * replies come back in order, so the head of the ring is the one answered.
 *
 * Never hangs: connect() waits at most timeout_s, and a request without a
 * reply for timeout_s aborts the run with -ETIMEDOUT (a server that dies or
 * stalls is an error, not a hang).  Requests issued before the end of the
 * run are always waited for, so `ops` equals the commands the server ran
 * (plus warmup_ops and the preload).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <hiredis/read.h>
#include <hiredis/hiredis.h> /* freeReplyObject and redisReply only */
#include "load/load.h"

/* ---------------------------------------------------------------------- */
/* kv                                                                      */

struct kv_req {
	uint64_t sent_ns;
	int measured; /* issued after warm-up: recorded and counted in ops */
};

struct kv_conn {
	int fd;
	redisReader *rd;
	char *out;             /* commands not yet accepted by the socket */
	size_t out_off, out_len, out_cap;
	int want_out;          /* EPOLLOUT armed */
	struct kv_req *ring;   /* requests in flight, oldest at head */
	unsigned head, inflight, cap;
	uint64_t rng;
};

struct kv_run {
	const struct vtax_load_opts *o;
	struct vtax_load_result *r;
	struct vtax_load_clock clk;
	uint64_t issued;        /* measured requests issued (for max_ops) */
	uint64_t set_thresh;    /* rand < thresh => SET */
	char *value;            /* value_size bytes of 'x' */
	int epfd;
	int err;                /* first fatal error (-errno) */
};

static void kv__fail(struct kv_run *k, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void kv__fail(struct kv_run *k, int err, const char *fmt, ...)
{
	va_list ap;

	if (k->err)
		return;
	k->err = err;
	va_start(ap, fmt);
	vsnprintf(k->r->error, sizeof(k->r->error), fmt, ap);
	va_end(ap);
}

/*
 * Connect a non-blocking TCP socket to host:port, waiting at most
 * timeout_s.  Returns the fd or -errno with err filled in.
 */
static int kv__connect(const char *host, int port, double timeout_s, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct pollfd p;
	int fd, one = 1, soerr = 0, ret;
	socklen_t sl = sizeof(soerr);

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "host '%s' is not an IPv4 address", host);
		return -EINVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return ret;
	}
	/* Latency of small requests must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		ret = -errno;
		goto fail;
	}
	p.fd = fd;
	p.events = POLLOUT;
	do {
		ret = poll(&p, 1, (int)(timeout_s * 1000));
	} while (ret < 0 && errno == EINTR);
	if (ret == 0) {
		ret = -ETIMEDOUT;
		goto fail;
	}
	if (ret < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl)) {
		ret = -errno;
		goto fail;
	}
	if (soerr) {
		ret = -soerr;
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "connect to %s:%d: %s", host, port, strerror(-ret));
	close(fd);
	return ret;
}

static int kv__reserve(struct kv_conn *c, size_t more)
{
	char *p;
	size_t cap;

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + more <= c->out_cap)
		return 0;
	if (c->out_off) { /* slide the unsent tail to the front first */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		if (c->out_len + more <= c->out_cap)
			return 0;
	}
	cap = (c->out_len + more) * 2;
	p = realloc(c->out, cap);
	if (!p)
		return -ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

/* Append one RESP command (GET key or SET key value) to c->out. */
static int kv__append_cmd(struct kv_conn *c, int set, uint64_t key, const char *value, int vlen)
{
	char k[32];
	int kl, n;

	kl = snprintf(k, sizeof(k), "key:%012llu", (unsigned long long)key);
	if (kv__reserve(c, (size_t)vlen + 96))
		return -ENOMEM;
	if (set) {
		n = sprintf(c->out + c->out_len, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n", kl, k, vlen);
		memcpy(c->out + c->out_len + n, value, (size_t)vlen);
		n += vlen;
		memcpy(c->out + c->out_len + n, "\r\n", 2);
		n += 2;
	} else {
		n = sprintf(c->out + c->out_len, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, k);
	}
	c->out_len += (size_t)n;
	return 0;
}

static void kv__arm(struct kv_run *k, struct kv_conn *c, int want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out == want_out)
		return;
	c->want_out = want_out;
	if (epoll_ctl(k->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		kv__fail(k, -errno, "epoll_ctl: %s", strerror(errno));
}

static void kv__flush(struct kv_run *k, struct kv_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			kv__fail(k, -errno, "send to %s:%d: %s", k->o->host, k->o->port, strerror(errno));
			return;
		}
		c->out_off += (size_t)n;
	}
	kv__arm(k, c, c->out_off < c->out_len);
}

/* May a new request be issued now?  Returns 0 no, 1 yes (warm-up), 2 yes (measured). */
static int kv__may_issue(struct kv_run *k, uint64_t now)
{
	if (k->err || vtax_load__stopped(k->o) || now >= k->clk.end_ns)
		return 0;
	if (now < k->clk.measure_ns)
		return 1;
	if (k->o->max_ops && k->issued >= k->o->max_ops)
		return 0;
	return 2;
}

/* Top up c's window of requests in flight, then write them out at once. */
static void kv__fill(struct kv_run *k, struct kv_conn *c)
{
	uint64_t now = vtax_load__now_ns();
	int may;

	while (c->inflight < c->cap && (may = kv__may_issue(k, now))) {
		int set = vtax_load__rand(&c->rng) < k->set_thresh;
		uint64_t key = vtax_load__rand_below(&c->rng, (uint64_t)k->o->keyspace);
		struct kv_req *q = &c->ring[(c->head + c->inflight) % c->cap];

		if (kv__append_cmd(c, set, key, k->value, k->o->value_size)) {
			kv__fail(k, -ENOMEM, "out of memory");
			return;
		}
		q->sent_ns = now;
		q->measured = may == 2;
		if (may == 2)
			k->issued++;
		c->inflight++;
	}
	if (c->out_off < c->out_len)
		kv__flush(k, c);
}

static void kv__read(struct kv_run *k, struct kv_conn *c)
{
	char buf[16384];
	void *reply;

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		uint64_t now;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			kv__fail(k, n ? -errno : -ECONNRESET, "connection to %s:%d %s", k->o->host,
				 k->o->port, n ? strerror(errno) : "closed by the server");
			return;
		}
		now = vtax_load__now_ns();
		if (redisReaderFeed(c->rd, buf, (size_t)n) != REDIS_OK) {
			kv__fail(k, -EPROTO, "RESP: %s", c->rd->errstr);
			return;
		}
		for (;;) {
			redisReply *rp;
			struct kv_req *q;

			if (redisReaderGetReply(c->rd, &reply) != REDIS_OK) {
				kv__fail(k, -EPROTO, "RESP: %s", c->rd->errstr);
				return;
			}
			if (!reply)
				break;
			rp = reply;
			if (!c->inflight) {
				freeReplyObject(reply);
				kv__fail(k, -EPROTO, "reply without a request");
				return;
			}
			q = &c->ring[c->head];
			c->head = (c->head + 1) % c->cap;
			c->inflight--;
			if (rp->type == REDIS_REPLY_ERROR) {
				k->r->errors++;
				if (!k->r->error[0])
					snprintf(k->r->error, sizeof(k->r->error), "server: %.*s",
						 (int)rp->len, rp->str);
			} else if (q->measured) {
				vtax_hist__record(&k->r->latency, now - q->sent_ns);
				k->r->ops++;
			} else {
				k->r->warmup_ops++;
			}
			freeReplyObject(reply);
		}
	}
}

static void kv__conn_free(struct kv_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->rd)
		redisReaderFree(c->rd);
	free(c->out);
	free(c->ring);
}

static uint64_t kv__seed(const struct vtax_load_opts *o, unsigned i)
{
	uint64_t s = o->seed ? o->seed : vtax_load__now_ns();

	s ^= (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
	return s ? s : 1;
}

int vtax_load_kv__run(const struct vtax_load_opts *o, struct vtax_load_result *r)
{
	struct kv_run k = { .o = o, .r = r, .epfd = -1 };
	struct kv_conn *conns;
	struct epoll_event evs[64];
	uint64_t last_ns;
	int i, n = o->conns;

	snprintf(r->op_name, sizeof(r->op_name), "request");
	k.set_thresh = o->set_ratio >= 1 ? UINT64_MAX : (uint64_t)(o->set_ratio * 18446744073709551615.0);
	conns = calloc((size_t)n, sizeof(*conns));
	k.value = malloc((size_t)o->value_size);
	if (!conns || !k.value) {
		free(conns);
		free(k.value);
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -ENOMEM;
	}
	memset(k.value, 'x', (size_t)o->value_size);
	for (i = 0; i < n; i++)
		conns[i].fd = -1;
	k.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k.epfd < 0) {
		kv__fail(&k, -errno, "epoll_create1: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < n && !k.err; i++) {
		struct kv_conn *c = &conns[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		int fd = kv__connect(o->host, o->port, o->timeout_s, r->error, sizeof(r->error));

		if (fd < 0) {
			k.err = fd;
			break;
		}
		c->fd = fd;
		c->cap = (unsigned)o->pipeline;
		c->ring = calloc(c->cap, sizeof(*c->ring));
		c->rd = redisReaderCreate();
		c->rng = kv__seed(o, (unsigned)i);
		if (!c->ring || !c->rd) {
			kv__fail(&k, -ENOMEM, "out of memory");
			break;
		}
		if (epoll_ctl(k.epfd, EPOLL_CTL_ADD, fd, &ev))
			kv__fail(&k, -errno, "epoll_ctl: %s", strerror(errno));
		if (vtax_load__stopped(o))
			break;
	}
	if (k.err)
		goto out;

	/* The clock starts once every connection is up. */
	vtax_load_clock__init(&k.clk, o);
	last_ns = k.clk.measure_ns;
	for (i = 0; i < n; i++)
		kv__fill(&k, &conns[i]);
	while (!k.err) {
		uint64_t now, inflight = 0;
		int ne;

		ne = epoll_wait(k.epfd, evs, 64, 50);
		if (ne < 0 && errno != EINTR) {
			kv__fail(&k, -errno, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int e = 0; e < ne && !k.err; e++) {
			struct kv_conn *c = evs[e].data.ptr;

			if (evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				kv__read(&k, c);
			if (!k.err && (evs[e].events & EPOLLOUT))
				kv__flush(&k, c);
			if (!k.err)
				kv__fill(&k, c);
		}
		now = vtax_load__now_ns();
		if (ne > 0)
			last_ns = now;
		/* Oldest unanswered request per connection: the stall detector. */
		for (i = 0; i < n && !k.err; i++) {
			struct kv_conn *c = &conns[i];

			inflight += c->inflight;
			if (c->inflight && now - c->ring[c->head].sent_ns > (uint64_t)(o->timeout_s * 1e9))
				kv__fail(&k, -ETIMEDOUT, "no reply from %s:%d for %.1f s", o->host, o->port,
					 o->timeout_s);
			else if (!c->inflight && ne == 0)
				kv__fill(&k, c); /* window empty and nothing happened: e.g. warm-up ended */
		}
		vtax_load_clock__progress(&k.clk, o, now, r->ops);
		if (!inflight && !kv__may_issue(&k, now))
			break;
	}
	if (last_ns < k.clk.measure_ns)
		last_ns = k.clk.measure_ns;
	vtax_load_result__finish(r, k.clk.measure_ns, last_ns);
out:
	for (i = 0; i < n; i++)
		kv__conn_free(&conns[i]);
	free(conns);
	free(k.value);
	if (k.epfd >= 0)
		close(k.epfd);
	return k.err;
}

/*
 * Preload every key of the keyspace with a SET, so that GETs hit.  One
 * connection, batches of 1000 pipelined SETs, each batch waited for with the
 * same timeout as a run.
 */
int vtax_load_kv__prepare(const struct vtax_load_opts *o, char *err, size_t errlen)
{
	struct kv_conn c = { .fd = -1 };
	char *value = NULL;
	char buf[16384];
	int ret = 0, key = 0;

	c.fd = kv__connect(o->host, o->port, o->timeout_s, err, errlen);
	if (c.fd < 0)
		return c.fd;
	c.rd = redisReaderCreate();
	value = malloc((size_t)o->value_size);
	if (!c.rd || !value) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	memset(value, 'x', (size_t)o->value_size);
	while (key < o->keyspace && !ret) {
		int batch = 0, got = 0;

		for (; key < o->keyspace && batch < 1000; key++, batch++) {
			if (kv__append_cmd(&c, 1, (uint64_t)key, value, o->value_size)) {
				snprintf(err, errlen, "out of memory");
				ret = -ENOMEM;
				goto out;
			}
		}
		while (c.out_off < c.out_len || got < batch) {
			struct pollfd p = { .fd = c.fd, .events = POLLIN };
			ssize_t n;
			void *reply;

			if (c.out_off < c.out_len)
				p.events |= POLLOUT;
			n = poll(&p, 1, (int)(o->timeout_s * 1000));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ret = n ? -errno : -ETIMEDOUT;
				snprintf(err, errlen, "preload: no reply from %s:%d", o->host, o->port);
				goto out;
			}
			if (p.revents & POLLOUT) {
				n = write(c.fd, c.out + c.out_off, c.out_len - c.out_off);
				if (n > 0)
					c.out_off += (size_t)n;
				else if (n < 0 && errno != EAGAIN && errno != EINTR) {
					ret = -errno;
					snprintf(err, errlen, "preload: send: %s", strerror(errno));
					goto out;
				}
			}
			if (!(p.revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			n = read(c.fd, buf, sizeof(buf));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				ret = n ? -errno : -ECONNRESET;
				snprintf(err, errlen, "preload: connection to %s:%d lost", o->host, o->port);
				goto out;
			}
			if (redisReaderFeed(c.rd, buf, (size_t)n) != REDIS_OK) {
				ret = -EPROTO;
				snprintf(err, errlen, "preload: RESP: %s", c.rd->errstr);
				goto out;
			}
			while (redisReaderGetReply(c.rd, &reply) == REDIS_OK && reply) {
				redisReply *rp = reply;

				if (rp->type == REDIS_REPLY_ERROR && !ret) {
					ret = -EIO;
					snprintf(err, errlen, "preload: server: %.*s", (int)rp->len, rp->str);
				}
				freeReplyObject(reply);
				got++;
			}
			if (c.rd->err) {
				ret = -EPROTO;
				snprintf(err, errlen, "preload: RESP: %s", c.rd->errstr);
				goto out;
			}
		}
		c.out_off = c.out_len = 0;
	}
out:
	free(value);
	kv__conn_free(&c);
	return ret;
}
