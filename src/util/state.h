// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * state.h - what a vtax run has changed on the host, recorded as it is
 * changed, so that a run killed with SIGKILL (or a crash) can be undone by
 * `vtax cleanup` or by the start of the next run.
 *
 * One file per run, /run/vtax/<pid>.state (override the directory with
 * VTAX_STATE_DIR), created O_EXCL|O_NOFOLLOW in a root-only directory.  Its
 * first line names the run: "vtax-state 1 <pid> <start time in ticks>".
 * Each resource is one line appended as it is created:
 *   "+\t<kind>\t<id>\t<undo argv, fields separated by tabs>"
 * and one line when it is removed: "-\t<kind>\t<id>".  Fields are
 * %-escaped (tab, newline, '%').  Kinds with built-in undo:
 *   process   id "<pid>:<start>": SIGKILL to its process group, only if the
 *             PID still has that start time;
 *   path      a file or directory tree removed recursively;
 *   bpf-link  informational: the kernel detaches links when the process dies.
 * Any other kind runs its undo argv (never through a shell).
 *
 * A run is alive when its PID exists, is no zombie, and has the start time
 * its state file recorded; a live run's file and objects are never touched.
 * The record functions are cheap, async-signal-unsafe only in that they call
 * write(2); they never fail the caller's operation (a run without a state
 * directory still works; vtax_state__open() says why).
 */
#ifndef VTAX_STATE_H
#define VTAX_STATE_H

#include <stddef.h>

#define VTAX_STATE_MAX_ARGS 24

/* Create this run's state file; 0, or -errno (then nothing is recorded). */
int vtax_state__open(const char *cmd);
/* Record a resource just created; undo may be NULL for kinds with built-in undo. */
int vtax_state__add(const char *kind, const char *id, char *const undo[]);
/* A process vtax started (recorded with its start time). */
int vtax_state__add_process(int pid);
/* The resource is gone (removed by the run itself). */
int vtax_state__done(const char *kind, const char *id);
int vtax_state__done_process(int pid);
/* End of the run: delete the file if every recorded resource was removed;
 * else keep it (for `vtax cleanup`) and return how many are left. */
int vtax_state__close(void);
/* Path of this run's file ("" when none). */
const char *vtax_state__path(void);

/*
 * Is the run with this PID alive (and not us)?  Alive = exists, no zombie,
 * and, if /run/vtax/<pid>.state exists, with the start time it recorded.
 * Used for vtax.pid labels as well as state files.
 */
int vtax_state__owner_alive(int pid);

/*
 * Cleanup of dead runs.  With dry_run set, vtax_state__undo() reports what
 * it would run and runs nothing; the label-based passes (env, clientnet)
 * remove through it too, so --dry-run covers them.
 */
void vtax_state__set_dry_run(int dry);
int vtax_state__dry_run(void);
/* Run (or, dry, show) one removal; appends "removed|would remove <what> <id>" to report. 0 on success. */
int vtax_state__undo(char *const argv[], const char *what, const char *id, char *report, size_t len);
/* Undo every dead run's state file (newest entry first) and delete it; count undone or -errno. */
int vtax_state__cleanup(char *report, size_t len);

/* Parse one state file held in buf (for tests and fuzzing): calls fn per live entry, newest first. */
struct vtax_state_entry {
	char kind[32];
	char id[256];
	int argc;
	char argv[VTAX_STATE_MAX_ARGS][256];
};
int vtax_state__parse(const char *buf, size_t len, int *pid, unsigned long long *start,
		      int (*fn)(const struct vtax_state_entry *en, void *ctx), void *ctx);

#endif
