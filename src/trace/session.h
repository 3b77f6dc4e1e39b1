// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * session.h - one tracing session: the shared BPF maps, the loaded probe
 * families, and the subjects being measured.
 *
 * Data flow: probes (bpf/) fill vtax_hists in the kernel -> collect() reads
 * the map once per interval or at the end -> families decode keys -> a
 * vtax_result (result.h) -> reports and exporters.
 */
#ifndef VTAX_SESSION_H
#define VTAX_SESSION_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include "trace/probe.h"
#include "result/result.h"

struct bpf_object;
struct vtax_sampler;
struct vtax_sample_spec;

struct vtax_session_opts {
	size_t sz;
	unsigned families;   /* bitmask of 1 << enum vtax_family */
	uint32_t max_hists;  /* histogram map size (default 16384) */
	int verbose;
	int follow_forks;    /* default 1 */
	int net_port;        /* net family flow filter: TCP/UDP port, 0 = any */
	int net_proto;       /* net family flow filter: IP protocol number, 0 = any */
	/* net family: no socket-queue hop (vtax_net_copy not loaded: no
	 * net.sock_queue, net.path or delivered counts) - compare, whose
	 * ledger reads the socket queue only for docker-proxy (--via-proxy) */
	int net_no_sock_queue;
};

/*
 * The sched object is always loaded (it creates the shared maps and
 * follows forks); its switch and wake-up programs only when the sched
 * family or the syscall family (its off-CPU split) is asked for.  1: the
 * session's sched object is its core alone.
 */
static inline int vtax_session_opts__sched_core_only(const struct vtax_session_opts *o)
{
	return !(o->families & ((1u << VTAX_FAM_SCHED) | (1u << VTAX_FAM_SYSCALL)));
}

struct vtax_subject_def {
	uint32_t id;
	char name[160];      /* pid:123, container:web, cgroup:/x, host */
	char kind[16];
	char cgroup_path[512]; /* for cgroup-backed subjects: CFS throttling */
	pid_t pid;           /* for pid subjects */
	unsigned long netns_ino; /* for network families: the subject's netns */
};

enum vtax_shared_map {
	VTAX_MAP_HISTS, VTAX_MAP_ZERO, VTAX_MAP_PID, VTAX_MAP_CGROUP, VTAX_MAP_TASK,
	VTAX_MAP_DROPS, VTAX_MAP_CFG, VTAX_MAP_SPILL, VTAX_MAP_NR
};

struct vtax_session {
	struct vtax_session_opts opts;
	int map_fd[VTAX_MAP_NR];
	void *fam_state[VTAX_FAM_MAX];
	unsigned loaded;             /* families attached */
	char fam_error[VTAX_FAM_MAX][256]; /* why a family did not load */
	struct vtax_subject_def *subjects;
	size_t nsubjects, cap_subjects;
	uint32_t gen;
	int cgroup_mode;             /* 0 unset, 1 v1, 2 v2 */
	int v1_subsys;
	char v1_controller[32];
	uint32_t all_subject;
	uint64_t start_ns;           /* CLOCK_MONOTONIC at attach */
	/* samples drained from the spill ring, cumulative (see keys.h) */
	struct vtax_spilled {
		struct vtax_hist_key key;
		struct vtax_hist hist;
	} *spilled;
	size_t nspilled, cap_spilled;
	struct ring_buffer *spill_rb; /* the spill ring's reader (made at first drain) */
	/* the drainer thread empties the spill rings every 20 ms, whatever
	 * the command does meanwhile (run/attach wait, compare's rounds,
	 * serve's HTTP); spill_mu guards the spill fields above */
	pthread_mutex_t spill_mu;
	pthread_cond_t drain_cv;
	pthread_t drain_th;
	int drain_running, drain_stop, drain_cv_made;
	/* the families' programs, for vtax_session__bpf_stats */
	struct bpf_object *pending_obj; /* shared maps, not yet known to have loaded */
	uint32_t prog_ids[256];
	int nprog_ids;
	/* --sample (trace/sample.c): the duty-cycle thread, the lock it and
	 * commit take around link changes, the current window's start and the
	 * chain roles switched off now (both in cfg) */
	struct vtax_sampler *sampler;
	struct vtax_sample_spec *sample_spec;
	pthread_mutex_t lock;
	uint64_t sample_epoch_ns;
	uint32_t sample_off; /* VTAX_SAMPLE_OFF_* */
	uint64_t live_checked_ns; /* vtax_session__live_pids' last look */
	int live_last;
};

int vtax_session__open(struct vtax_session **sp, const struct vtax_session_opts *o, char *err,
		       size_t errlen);
void vtax_session__close(struct vtax_session *s);
/* For families: make obj use the session's shared maps (before load).
 * The first family to call this (sched) creates them. */
int vtax_session__share_maps(struct vtax_session *s, struct bpf_object *obj);
/* After the first family's load: remember the created shared map fds. */
int vtax_session__adopt_maps(struct vtax_session *s, struct bpf_object *obj);
/*
 * Time the kernel spent in this session's BPF programs and how many times
 * they ran, summed over its families (bpf_prog_info run_time_ns, run_cnt).
 * Counted only while BPF run-time statistics are on (bpf_enable_stats).
 */
int vtax_session__bpf_stats(struct vtax_session *s, uint64_t *run_ns, uint64_t *run_cnt);

/* Subjects */
int vtax_session__add_subject(struct vtax_session *s, const char *name, const char *kind,
			      uint32_t *id);
struct vtax_subject_def *vtax_session__subject(struct vtax_session *s, uint32_t id);
int vtax_session__track_pid(struct vtax_session *s, pid_t tgid, uint32_t subject);
/* also tracks existing descendants of tgid */
int vtax_session__track_pid_tree(struct vtax_session *s, pid_t tgid, uint32_t subject);
int vtax_session__track_cgroup(struct vtax_session *s, const char *path, uint32_t subject,
			       char *err, size_t errlen);
int vtax_session__set_all(struct vtax_session *s, uint32_t host_subject);
/* write the cfg map from the session's fields (cfg.gen unchanged) */
int vtax_session__write_cfg(struct vtax_session *s);
/* publish subject changes to BPF (bumps the generation) */
int vtax_session__commit(struct vtax_session *s);
/* let each family re-read the host state its links depend on (probe.h
 * refresh); cheap enough to call every 2 s */
void vtax_session__refresh(struct vtax_session *s);
/* 1 while some process is tracked by pid, 0 once every pid target (and
 * child) has exited; checked at most every 250 ms (the answer is kept) */
int vtax_session__live_pids(struct vtax_session *s);
/* sched family: record CFS baselines of subjects (call after adding them) */
void vtax_sched__baseline(struct vtax_session *s);

/* Read everything into r (adds to r's histograms). */
int vtax_session__collect(struct vtax_session *s, struct vtax_result *r);
/* Kernel memory (memlock) of every BPF map this process holds, in bytes;
 * and this process's resident set (VmRSS), in bytes.  0 when unreadable. */
uint64_t vtax_self__bpf_map_bytes(void);
uint64_t vtax_self__rss_bytes(void);
/* Add one histogram of key into the result (for families that keep some
 * histograms outside the shared map: the syscall fast path). */
int vtax_session__merge_hist(struct vtax_session *s, struct vtax_result *r,
			     const struct vtax_hist_key *key, const struct vtax_hist *h);

/* Test-only: is `what` (a family name or "netfilter") listed in VTAX_TEST_UNAVAILABLE? */
int vtax_test_unavailable(const char *what);

#endif
