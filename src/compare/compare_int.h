// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare_int.h - what the modules of `vtax compare` share and nobody else
 * needs:
 *   compare.c         orchestration: environments, passes, runs, sessions
 *   client.c          the forked client child and its pipe protocol
 *   compare_ledger.c  the glue from measured environments to ledger.c
 *   compare_json.c    the compare JSON document (docs/compare.md)
 */
#ifndef VTAX_COMPARE_INT_H
#define VTAX_COMPARE_INT_H

#include "compare/compare.h"
#include "trace/session.h"

/* What the client child sends back at its end (client.c). */
struct vtax_client_result {
	int rc;
	struct vtax_load_result r;
	/* the client's own run-queue wait over its run (schedstat run_delay
	 * of its threads), when it ran in vtax's own process tree */
	int have_runq;
	double runq_ns;
};

/*
 * The tracing session of one traced run: opened before the run, closed
 * after it, so that the untraced runs between have none.  When the
 * generator runs inside a container (io), it is opened only once `vtax
 * load` has started and is waiting for SIGUSR1: its exec and library
 * loading happen on the image's overlay layer in every Docker environment
 * and are not the data path.
 */
struct vtax_measure_ctx {
	int traced; /* this run is traced (else no session may be open) */
	struct vtax_session *s;
	uint32_t server_id, client_id;
	pid_t proxy_pid;
	int in_env;   /* the generator runs inside the environment */
	int gated;    /* ... and waits for SIGUSR1, found in the container's cgroup */
	int stats_fd; /* BPF run-time statistics on while held (-1: none) */
	int calibrate; /* the calibration run: statistics on, nothing collected */
	struct vtax_result *round; /* this round's result (collected into, then merged) */
};

/* compare.c */
int vtax_compare__stopped(const struct vtax_compare *c);
void vtax_compare__progress(struct vtax_compare *c, const char *phase, const char *pass, int idx,
			    int run, double t0, uint64_t ops);
/* Open the run's session with subjects server, client (and proxy).
 * 0 or -errno with c->envs[idx].error filled. */
int vtax_compare__session_begin(struct vtax_compare *c, int idx, struct vtax_env *e,
				struct vtax_measure_ctx *mc);

/* client.c */
/* argv of `vtax load` for the io generator inside an environment (buf
 * holds the numbers: at least 16 x 64 bytes; argv at least 40 slots) */
void vtax_compare__io_argv(char **argv, char (*buf)[64], const char *exe,
			   const struct vtax_load_opts *lo, const char *path, int prepare_only,
			   double warmup_s, double duration_s);
/*
 * One run: fork the client, track it as subject `client` (traced runs), let
 * it go, relay its progress, read its result.  meta gets whether a session
 * was open and vtax's BPF attachments when the client was let go and when
 * its result came.  0, -EINTR, or -errno with c->envs[idx].error filled.
 */
int vtax_compare__run_client(struct vtax_compare *c, int idx, int run, struct vtax_env *e,
			     const struct vtax_load_opts *lo, struct vtax_measure_ctx *mc,
			     struct vtax_client_result *out, struct vtax_compare_run *meta);

/* compare_ledger.c: the ledger of the measured environments (c->ledger,
 * c->have_ledger), native as the baseline. */
void vtax_compare__build_ledger(struct vtax_compare *c);
/* One round's ledger from its inputs (in[base] native): its values go to
 * c->rounds, the intervals (rounds.h). */
void vtax_compare__add_round(struct vtax_compare *c, const struct vtax_ledger_input *in, int n,
			     int base);

#endif
