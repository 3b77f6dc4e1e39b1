// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 60-state.c - the run state file (util/state.c): what is recorded is
 * undone for a dead run, newest first, and only what was not already
 * removed; a live run's file is never touched; a PID reused by another
 * process (other start time) counts as dead; --dry-run changes nothing; a
 * cut last line (SIGKILL mid-write) and garbage lines are skipped.
 * Runs in a private VTAX_STATE_DIR under /tmp; no root needed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"
#include "util/proc.h"
#include "util/state.h"

static char dir[64];

static int exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A state file for pid (start time as given) with the objects listed. */
static void fake_run(int pid, unsigned long long start, const char *a, const char *b, const char *c)
{
	char path[128], text[2048];

	snprintf(path, sizeof(path), "%s/%d.state", dir, pid);
	snprintf(text, sizeof(text),
		 "vtax-state 1 %d %llu compare\n"
		 "+\tpath\t%s\n"
		 "+\tfile\t%s\trm\t-f\t%s\n"
		 "+\tpath\t%s\n"
		 "-\tpath\t%s\n"
		 "garbage line\n"
		 "+\tbpf-link\tsession-1\tprog-ids\t1,2\n"
		 "+\tpath\t/tmp/cut-by-sigkill",
		 pid, start, a, b, b, c, c);
	write_file(path, text);
}

struct order {
	char seen[8][256];
	int n;
};

static int note(const struct vtax_state_entry *en, void *ctx)
{
	struct order *o = ctx;

	if (o->n < 8)
		snprintf(o->seen[o->n++], sizeof(o->seen[0]), "%s %s", en->kind, en->id);
	return 0;
}

int main(void)
{
	char a[128], b[128], c[128], report[4096] = "", path[128];
	unsigned long long start;
	struct order ord = { .n = 0 };
	pid_t child;
	int n, pid;

	snprintf(dir, sizeof(dir), "/tmp/vtax-state-test.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	setenv("VTAX_STATE_DIR", dir, 1);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);

	/* parse: newest first, removed ones and broken lines skipped */
	{
		char text[1024];
		int r;

		snprintf(text, sizeof(text),
			 "vtax-state 1 77 5 x\n+\tpath\t/one\n+\tlink\tvtaxbr1\tip\tlink\tdel\tvtaxbr1\n"
			 "+\tprocess\t9:123\n-\tprocess\t9:*\n+\tpath\t/t%%09ab\n+\tpath\t/cut");
		r = vtax_state__parse(text, strlen(text), &pid, &start, note, &ord);
		tap_ok(r == 0 && pid == 77 && start == 5, "parse: head read (pid %d start %llu)", pid, start);
		tap_ok(ord.n == 3 && !strcmp(ord.seen[0], "path /t\tab") && !strcmp(ord.seen[1], "link vtaxbr1") &&
			       !strcmp(ord.seen[2], "path /one"),
		       "parse: newest first, %%-escapes decoded, the removed process and the cut line skipped (%d: %s | %s | %s)",
		       ord.n, ord.seen[0], ord.seen[1], ord.seen[2]);
		tap_ok(vtax_state__parse("not a state file\n", 17, &pid, &start, note, &ord) < 0,
		       "parse: a file that is not vtax's is refused");
	}

	/* a dead run: a child that has exited and been reaped */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	mkdir(a, 0700);
	write_file(b, "b");
	mkdir(c, 0700);
	fake_run(child, 12345, a, b, c);
	vtax_state__set_dry_run(1);
	n = vtax_state__cleanup(report, sizeof(report));
	snprintf(path, sizeof(path), "%s/%d.state", dir, child);
	tap_ok(n == 2 && exists(a) && exists(b) && exists(path) && strstr(report, "would remove path"),
	       "dry run: lists %d objects, removes nothing", n);
	vtax_state__set_dry_run(0);
	report[0] = 0;
	n = vtax_state__cleanup(report, sizeof(report));
	tap_ok(n == 2 && !exists(a) && !exists(b) && !exists(path),
	       "dead run: its 2 remaining objects and its state file removed (%d)", n);
	tap_ok(exists(c), "an object the run had removed itself (then re-made by someone else) is left alone");
	rmdir(c);

	/* a live run (same start time) is never touched */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	usleep(20000);
	mkdir(a, 0700);
	write_file(b, "b");
	fake_run(child, vtax_proc__start_time(child), a, b, c);
	n = vtax_state__cleanup(report, sizeof(report));
	snprintf(path, sizeof(path), "%s/%d.state", dir, child);
	tap_ok(n == 0 && exists(a) && exists(b) && exists(path), "live run: nothing touched (%d)", n);
	tap_ok(vtax_state__owner_alive(child), "live run: its owner is alive");

	/* the same PID with another start time: a reused PID, the run is dead */
	fake_run(child, vtax_proc__start_time(child) + 1, a, b, c);
	tap_ok(!vtax_state__owner_alive(child), "reused PID (other start time): the owner counts as dead");
	n = vtax_state__cleanup(report, sizeof(report));
	tap_ok(n == 2 && !exists(a) && !exists(b) && !exists(path), "reused PID: the dead run's objects removed (%d)", n);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* our own file: records, and at close proves that all was removed */
	tap_ok(vtax_state__open("test") == 0 && exists(vtax_state__path()), "open: %s", vtax_state__path());
	snprintf(path, sizeof(path), "%s", vtax_state__path());
	vtax_state__add("path", a, NULL);
	vtax_state__add("file", b, (char *[]){ "rm", "-f", b, NULL });
	vtax_state__done("path", a);
	tap_ok(vtax_state__cleanup(report, sizeof(report)) == 0 && exists(path),
	       "cleanup never touches this run's own file");
	tap_ok(vtax_state__close() == 1 && exists(path), "close: 1 object not removed -> the file stays");
	unlink(path);
	tap_ok(vtax_state__open("test") == 0, "open again");
	snprintf(path, sizeof(path), "%s", vtax_state__path());
	vtax_state__add("file", b, (char *[]){ "rm", "-f", b, NULL });
	vtax_state__done("file", b);
	tap_ok(vtax_state__close() == 0 && !exists(path), "close: everything removed -> the file is gone");

	rmdir(dir);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
