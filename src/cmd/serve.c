// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve.c - `vtax serve`: a long-running exporter.  It attaches like
 * `vtax attach` (default: the whole host, per container) and serves the
 * cumulative histograms as OpenMetrics text on http://ADDR:PORT/metrics
 * (libmicrohttpd), for Prometheus to scrape: one per host, Prometheus
 * aggregates the fleet.
 *
 * Threads: the main thread owns the session.  Every --refresh seconds it
 * collects the kernel's histograms into a fresh result, renders the
 * exposition text into a new buffer and swaps it in under a mutex; MHD's
 * thread only copies that buffer out.  A scrape therefore never touches
 * BPF maps and costs the same whatever the scrape rate.
 *
 * Memory stays bounded over days: the kernel's histogram map has a fixed
 * size (--max-hists; overflow is counted as a drop), every histogram is
 * cumulative and fixed-size, each refresh frees the previous result, and
 * the exposition holds at most --max-series histogram series (the rest
 * are folded into name="_other" per family, counted by vtax_series_merged).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "util/clock.h"
#include "cmd/cli.h"
#include "export/export.h"
#include "trace/sample.h"
#include "trace/session.h"
#include "trace/targets.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9477"
#define SERVE_CONTENT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define SERVE_CONTENT_TEXT "text/plain; version=0.0.4; charset=utf-8"

struct serve_ctx {
	pthread_mutex_t lock;
	char *body;          /* current exposition text */
	size_t len;
	uint64_t scrapes;
};

static const char serve_usage[] =
	"usage: vtax serve [--listen ADDR:PORT] [targets] [options]\n"
	"Attach and serve the histograms as OpenMetrics on http://ADDR:PORT/metrics\n"
	"for Prometheus (one vtax per host; Prometheus aggregates the fleet).\n"
	"\n"
	"  -l, --listen ADDR:PORT  address to listen on (default " SERVE_DEFAULT_LISTEN ";\n"
	"                          [::1]:PORT for IPv6)\n"
	"targets (default --all):\n"
	"  -p, --pid PID, -c, --cgroup PATH, -C, --container NAME, -a, --all\n"
	"options:\n"
	"  --probes LIST         families to load (default: all)\n"
	"  --refresh S           collect every S seconds (default 1)\n"
	"  --environment NAME    an `environment` label on every sample\n"
	"  --max-series N        histogram series exposed (default 2000; the rest are\n"
	"                        folded into name=\"_other\" per family)\n"
	"  --max-hists N         kernel histogram map size (default 16384)\n"
	"  --le-per-octave N     le buckets per power of two (1,2,4,8,16; default 2)\n"
	"  -d, --duration S      stop after S seconds (default: until Ctrl-C/SIGTERM)\n"
	"      --sample S        trace in random windows only (5%, 10ms/200ms): counters\n"
	"                        cover the windows; vtax_sample_fraction says how much\n"
	"  -v, --verbose         libbpf and probe diagnostics on stderr\n"
	"\n"
	"example: vtax serve --listen 127.0.0.1:9477 --all\n"
	"  prometheus.yml: scrape_configs: [{job_name: vtax, static_configs:\n"
	"                  [{targets: ['HOST:9477']}]}]\n";

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	static const char index_page[] =
		"<html><head><title>vtax</title></head><body><h1>vtax exporter</h1>"
		"<p><a href=\"/metrics\">/metrics</a></p></body></html>\n";
	struct serve_ctx *c = cls;
	const char *accept;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", index_page,
			     sizeof(index_page) - 1);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
	/* the same text parses as both formats; say OpenMetrics when asked */
	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	pthread_mutex_lock(&c->lock);
	c->scrapes++;
	if (!c->body)
		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "collecting\n", 11);
	else
		ret = reply(conn, MHD_HTTP_OK,
			    accept && strstr(accept, "application/openmetrics-text")
				    ? SERVE_CONTENT_OM : SERVE_CONTENT_TEXT,
			    c->body, c->len);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* "127.0.0.1:9477", "[::1]:9477", "localhost:9477" -> a socket address. */
/* 127.0.0.0/8, ::1 or an IPv4-mapped 127.x: only this host can connect. */
static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	char host[256];
	const char *colon, *port;
	int rc;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1), spec + 1);
		port = end + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) <= 0 ||
	    atoi(port) > 65535)
		goto bad;
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "--listen %s: %s", spec, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
bad:
	snprintf(err, errlen, "--listen: expected ADDR:PORT (e.g. 127.0.0.1:9477), got '%s'", spec);
	return -EINVAL;
}

/* Biggest total time first, whatever the family: the series cap keeps
 * the series that matter most. */
static int by_sum_desc(const void *a, const void *b)
{
	const struct vtax_series *x = a, *y = b;

	if (x->hist.sum_ns != y->hist.sum_ns)
		return x->hist.sum_ns < y->hist.sum_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Collect, render, swap in.  0 or -errno. */
static int refresh(struct vtax_session *s, struct serve_ctx *c, const char *env,
		   const struct vtax_om_opts *om, uint64_t t0)
{
	struct vtax_result *r = vtax_result__new("serve");
	struct vtax_export_doc d;
	char *buf = NULL, *old;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!r)
		return -ENOMEM;
	snprintf(r->env, sizeof(r->env), "%s", env ? env : "");
	r->duration_s = (double)(vtax_now_ns() - t0) / 1e9;
	rc = vtax_session__collect(s, r);
	if (rc)
		goto out;
	for (size_t i = 0; i < r->nsubjects; i++)
		if (r->subjects[i].nseries > 1)
			qsort(r->subjects[i].series, r->subjects[i].nseries,
			      sizeof(struct vtax_series), by_sum_desc);
	vtax_export__from_result(r, NULL, &d);
	f = open_memstream(&buf, &len);
	if (!f) {
		rc = -errno;
		vtax_export__free(&d);
		goto out;
	}
	rc = vtax_export__openmetrics(f, &d, om);
	if (fclose(f) && !rc)
		rc = -EIO;
	vtax_export__free(&d);
	if (rc) {
		free(buf);
		goto out;
	}
	pthread_mutex_lock(&c->lock);
	old = c->body;
	c->body = buf;
	c->len = len;
	pthread_mutex_unlock(&c->lock);
	free(old);
out:
	vtax_result__free(r);
	return rc;
}

enum { OPT_PROBES = 256, OPT_REFRESH, OPT_ENV, OPT_MAX_SERIES, OPT_MAX_HISTS, OPT_LE, OPT_SAMPLE };

int cmd_serve(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, 0, 'l' },
		{ "pid", required_argument, 0, 'p' },
		{ "cgroup", required_argument, 0, 'c' },
		{ "container", required_argument, 0, 'C' },
		{ "all", no_argument, 0, 'a' },
		{ "probes", required_argument, 0, OPT_PROBES },
		{ "refresh", required_argument, 0, OPT_REFRESH },
		{ "environment", required_argument, 0, OPT_ENV },
		{ "max-series", required_argument, 0, OPT_MAX_SERIES },
		{ "max-hists", required_argument, 0, OPT_MAX_HISTS },
		{ "le-per-octave", required_argument, 0, OPT_LE },
		{ "duration", required_argument, 0, 'd' },
		{ "sample", required_argument, 0, OPT_SAMPLE },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct vtax_om_opts om = { .le_per_octave = 2, .max_series = 2000, .with_eof = 1 };
	struct vtax_session_opts so = { .sz = sizeof(so), .follow_forks = 1 };
	struct serve_ctx ctx = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *listen = SERVE_DEFAULT_LISTEN, *env = NULL;
	double refresh_s = 1, duration = 0;
	struct sockaddr_storage ss;
	struct vtax_targets t;
	struct MHD_Daemon *mhd;
	struct vtax_session *s;
	uint64_t t0, last = 0, last_scan;
	char err[512];
	int c, rc = 0, warned = 0, sample = 0;
	struct vtax_sample_spec sp;

	memset(&t, 0, sizeof(t));
	so.families = vtax_probe__default_mask();
	optind = 1;
	opterr = 0; /* bad options: one line (vtax_bad_option) */
	while ((c = getopt_long(argc, argv, "l:p:c:C:ad:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 4194304)
				return vtax_die("--pid: not a process id: '%s'", optarg);
			if (t.npids >= VTAX_MAX_TARGETS)
				return vtax_die("too many --pid targets");
			t.pids[t.npids++] = (pid_t)v;
			break;
		}
		case 'c':
			if (t.ncgroups >= VTAX_MAX_TARGETS)
				return vtax_die("too many --cgroup targets");
			t.cgroups[t.ncgroups++] = optarg;
			break;
		case 'C':
			if (t.ncontainers >= VTAX_MAX_TARGETS)
				return vtax_die("too many --container targets");
			t.containers[t.ncontainers++] = optarg;
			break;
		case 'a':
			t.all = 1;
			break;
		case OPT_PROBES:
			if (vtax_probe__parse_list(optarg, &so.families, err, sizeof(err)))
				return vtax_die("%s", err);
			break;
		case OPT_REFRESH:
			refresh_s = vtax_parse_seconds(optarg);
			if (refresh_s < 0.1)
				return vtax_die("--refresh: at least 0.1 seconds: '%s'", optarg);
			break;
		case OPT_ENV:
			env = optarg;
			break;
		case OPT_MAX_SERIES: {
			long v;

			if (vtax_parse_long("max-series", optarg, 1, 1000000, &v))
				return 1;
			om.max_series = (size_t)v;
			break;
		}
		case OPT_MAX_HISTS: {
			long v;

			if (vtax_parse_long("max-hists", optarg, 64, 1 << 20, &v))
				return 1;
			so.max_hists = (uint32_t)v;
			break;
		}
		case OPT_LE:
			if (vtax_export__parse_le(optarg, &om.le_per_octave))
				return 1;
			break;
		case 'd':
			duration = vtax_parse_seconds(optarg);
			if (duration <= 0)
				return vtax_die("--duration: not a positive number of seconds: '%s'", optarg);
			break;
		case OPT_SAMPLE:
			if (vtax_sample__parse(optarg, VTAX_SAMPLE_ALL, &sp, err, sizeof(err)))
				return vtax_die("%s", err);
			sample = 1;
			break;
		case 'v':
			vtax_verbose = 1;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return 0;
		default:
			return vtax_bad_option(argv, "l:p:c:C:ad:vh");
		}
	}
	if (optind < argc)
		return vtax_die("serve: unexpected argument '%s'", argv[optind]);
	if (parse_listen(listen, &ss, err, sizeof(err)))
		return vtax_die("%s", err);
	if (!is_loopback(&ss))
		vtax_warn("--listen %s is not a loopback address: anyone who reaches it reads this host's "
			  "process, cgroup and container names (put a proxy with authentication in front)",
			  listen);
	if (!t.npids && !t.ncgroups && !t.ncontainers)
		t.all = 1;
	for (int i = 0; i < t.npids; i++)
		if (kill(t.pids[i], 0) && errno == ESRCH)
			return vtax_die("no such process: %d", t.pids[i]);
	if (vtax_preflight())
		return 1;
	so.verbose = vtax_verbose;
	if (vtax_session__open(&s, &so, err, sizeof(err)))
		return vtax_die("%s", err);
	if (vtax_targets__apply(s, &t, err, sizeof(err))) {
		vtax_session__close(s);
		return vtax_die("%s", err);
	}
	if (sample && vtax_session__sample_start(s, &sp, err, sizeof(err))) {
		vtax_session__close(s);
		return vtax_die("--sample: %s", err);
	}
	t0 = vtax_now_ns();
	last_scan = t0;
	/* bind before the first refresh so a taken port fails at once */
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				       (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			       0, NULL, NULL, on_request, &ctx, MHD_OPTION_SOCK_ADDR,
			       (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 64u,
			       MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!mhd) {
		vtax_session__close(s);
		return vtax_die("cannot listen on %s: %s", listen,
				errno ? strerror(errno) : "address in use or not available");
	}
	fprintf(stderr, "vtax: serving OpenMetrics on http://%s/metrics\n", listen);
	while (!vtax_stop) {
		uint64_t now = vtax_now_ns();

		if (duration > 0 && (double)(now - t0) / 1e9 >= duration)
			break;
		/* like attach: when every --pid target has exited there is
		 * nothing left to measure (Prometheus then sees the target down) */
		if (vtax_targets__only_pids(&t) && t.npids && vtax_session__live_pids(s) == 0) {
			fprintf(stderr, "vtax: every target has exited; stopping\n");
			break;
		}
		if (!last || (double)(now - last) / 1e9 >= refresh_s) {
			rc = refresh(s, &ctx, env, &om, t0);
			if (rc && !warned) {
				vtax_warn("collect: %s", strerror(-rc));
				warned = 1;
			}
			last = now;
		}
		if (now - last_scan > 2000000000ull) {
			/* containers come and go (--all); hooks get registered */
			if (t.all)
				vtax_targets__rescan(s, &t);
			vtax_session__refresh(s);
			last_scan = now;
		}
		poll(NULL, 0, 50);
	}
	MHD_stop_daemon(mhd);
	vtax_session__close(s);
	free(ctx.body);
	if (vtax_verbose)
		fprintf(stderr, "vtax: served %llu scrapes\n", (unsigned long long)ctx.scrapes);
	return 0;
}
