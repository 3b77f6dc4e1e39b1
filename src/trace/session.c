// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * session.c - load probe families around one set of shared maps, keep the
 * subject tables the BPF side reads, and collect histograms into a result.
 *
 * Subjects: BPF decides a task's subject by tgid (vtax_pid_subject, followed
 * across forks), else by its cgroup or an ancestor (vtax_cgroup_subject),
 * else the --all "host" subject, else untracked.  The answer is cached in
 * the task's storage and invalidated by bumping cfg.gen here.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "util/clock.h"
#include "util/proc.h"
#include "trace/sample.h"
#include "trace/session.h"
#include "util/state.h"
#include "util/thread.h"

static void drainer_start(struct vtax_session *s);
static void drainer_stop(struct vtax_session *s);

static const char *const shared_names[VTAX_MAP_NR] = {
	[VTAX_MAP_HISTS] = "vtax_hists",
	[VTAX_MAP_ZERO] = "vtax_zero_hist",
	[VTAX_MAP_PID] = "vtax_pid_subject",
	[VTAX_MAP_CGROUP] = "vtax_cgroup_subject",
	[VTAX_MAP_TASK] = "vtax_task",
	[VTAX_MAP_DROPS] = "vtax_drops",
	[VTAX_MAP_CFG] = "vtax_cfg_map",
	[VTAX_MAP_SPILL] = "vtax_spill_map",
};

static const char *const drop_names[VTAX_DROP_MAX] = {
	[VTAX_DROP_HIST_MAP_FULL] = "hist_map_full",
	[VTAX_DROP_TASK_STORAGE] = "task_storage_failed",
	[VTAX_DROP_SYS_ENTER_NO_EXIT] = "syscall_enter_without_exit",
	[VTAX_DROP_SYS_EXIT_NO_ENTER] = "syscall_exit_without_enter",
	[VTAX_DROP_PID_MAP_FULL] = "pid_map_full",
	[VTAX_DROP_SKB_MAP_FULL] = "skb_map_full",
	[VTAX_DROP_KVM_NO_START] = "kvm_entry_without_exit",
	[VTAX_DROP_BLK_MAP_FULL] = "blk_map_full",
	[VTAX_DROP_BLK_NO_START] = "blk_complete_without_start",
	[VTAX_DROP_SWITCH_IN_UNSEEN] = "switch_in_unseen",
	[VTAX_DROP_SPILL_LOST] = "hist_spill_lost",
};

int vtax_session__share_maps(struct vtax_session *s, struct bpf_object *obj)
{
	/* every family calls this before its load: its programs are noted
	 * once its attach has succeeded (the object is alive and loaded) */
	s->pending_obj = obj;
	for (int i = 0; i < VTAX_MAP_NR; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, shared_names[i]);
		int err;

		if (!m)
			continue;
		if (s->map_fd[i] >= 0) {
			err = bpf_map__reuse_fd(m, s->map_fd[i]);
			if (err)
				return err;
		} else if (i == VTAX_MAP_HISTS) {
			err = bpf_map__set_max_entries(m, s->opts.max_hists);
			if (err)
				return err;
		}
	}
	return 0;
}

static void note_programs(struct vtax_session *s, struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || s->nprog_ids >= (int)(sizeof(s->prog_ids) / sizeof(s->prog_ids[0])) ||
		    bpf_prog_get_info_by_fd(fd, &info, &len))
			continue;
		s->prog_ids[s->nprog_ids++] = info.id;
	}
}

/*
 * Test-only fault injection (docs/failures.md): VTAX_TEST_UNAVAILABLE is a
 * comma-separated list of probe families (and "netfilter") that behave as
 * if this kernel lacked them.  Hosts without those gaps cannot be rented.
 */
int vtax_test_unavailable(const char *what)
{
	const char *l = getenv("VTAX_TEST_UNAVAILABLE");
	size_t n = strlen(what);

	for (const char *p = l; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, what, n) == 0 && (p[n] == ',' || p[n] == 0))
			return 1;
	}
	return 0;
}

/*
 * The run's state file notes that a session is open and its programs
 * (links die with the process: nothing for cleanup to undo; the note lets
 * `vtax cleanup --dry-run` and a reader of the file see what was attached).
 */
static void state_note(struct vtax_session *s, int open)
{
	char id[64], ids[200] = "";
	int at = 0;

	snprintf(id, sizeof(id), "session-%llu", (unsigned long long)s->start_ns);
	if (!open) {
		vtax_state__done("bpf-link", id);
		return;
	}
	for (int i = 0; i < s->nprog_ids && at < (int)sizeof(ids) - 12; i++)
		at += snprintf(ids + at, sizeof(ids) - (size_t)at, "%s%u", i ? "," : "", s->prog_ids[i]);
	/* the "undo" fields only list the program ids: bpf-link is never run */
	vtax_state__add("bpf-link", id, (char *[]){ "prog-ids", ids, NULL });
}

int vtax_session__bpf_stats(struct vtax_session *s, uint64_t *run_ns, uint64_t *run_cnt)
{
	*run_ns = *run_cnt = 0;
	if (!s)
		return -EINVAL;
	for (int i = 0; i < s->nprog_ids; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(s->prog_ids[i]);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_prog_get_info_by_fd(fd, &info, &len)) {
			*run_ns += info.run_time_ns;
			*run_cnt += info.run_cnt;
		}
		close(fd);
	}
	return 0;
}

int vtax_session__adopt_maps(struct vtax_session *s, struct bpf_object *obj)
{
	for (int i = 0; i < VTAX_MAP_NR; i++) {
		struct bpf_map *m;

		if (s->map_fd[i] >= 0)
			continue;
		m = bpf_object__find_map_by_name(obj, shared_names[i]);
		if (!m)
			return -ENOENT;
		s->map_fd[i] = dup(bpf_map__fd(m));
		if (s->map_fd[i] < 0)
			return -errno;
	}
	return 0;
}

int vtax_session__write_cfg(struct vtax_session *s)
{
	struct vtax_cfg cfg = {
		.gen = s->gen,
		.all_subject = s->all_subject,
		.cgroup_v1 = s->cgroup_mode == 1,
		.v1_subsys = (uint32_t)s->v1_subsys,
		.follow_forks = (uint32_t)s->opts.follow_forks,
		.self_tgid = (uint32_t)getpid(),
		.have_cgroups = s->cgroup_mode != 0,
		.sample_off = s->sample_off,
		.sample_epoch_ns = s->sample_epoch_ns,
	};
	uint32_t zero = 0;

	if (bpf_map_update_elem(s->map_fd[VTAX_MAP_CFG], &zero, &cfg, BPF_ANY))
		return -errno;
	return 0;
}

/*
 * Let every loaded family run one of its hooks (subjects_changed, or
 * refresh when subjects is 0), with the session locked: the sampler
 * switches links meanwhile.  Links a family adds there are counted for
 * --sample's on-time and follow the window's state.
 */
static void families_locked(struct vtax_session *s, int subjects)
{
	int cnt[VTAX_FAM_MAX][2] = { { 0 } };

	vtax_session__sample_count(s, cnt);
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		void (*fn)(struct vtax_session *, void *) = subjects ? p->subjects_changed : p->refresh;

		if (fn && (s->loaded & (1u << p->family)))
			fn(s, s->fam_state[p->family]);
	}
	vtax_session__sample_added(s, cnt);
	vtax_session__sample_reapply(s);
}

void vtax_session__refresh(struct vtax_session *s)
{
	vtax_session__lock(s);
	families_locked(s, 0);
	vtax_session__unlock(s);
}

int vtax_session__commit(struct vtax_session *s)
{
	int rc;

	vtax_session__lock(s);
	s->gen++;
	if (!s->gen)
		s->gen = 1;
	families_locked(s, 1);
	rc = vtax_session__write_cfg(s);
	vtax_session__unlock(s);
	return rc;
}

int vtax_session__open(struct vtax_session **sp, const struct vtax_session_opts *o, char *err,
		       size_t errlen)
{
	struct vtax_session *s;
	unsigned fams;
	int rc;

	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(&s->opts, o, o->sz < sizeof(s->opts) ? o->sz : sizeof(s->opts));
	if (!s->opts.max_hists)
		s->opts.max_hists = 16384;
	for (int i = 0; i < VTAX_MAP_NR; i++)
		s->map_fd[i] = -1;
	s->gen = 1;
	s->start_ns = vtax_now_ns();
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->spill_mu, NULL);

	/* sched is the core (fork following, off-CPU split): always first */
	fams = s->opts.families | (1u << VTAX_FAM_SCHED);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; vtax_probes[i]; i++) {
			const struct vtax_probe_ops *p = vtax_probes[i];
			int is_core = p->family == VTAX_FAM_SCHED;

			if ((pass == 0) != is_core || !(fams & (1u << p->family)))
				continue;
			s->pending_obj = NULL;
			if (vtax_test_unavailable(p->name)) {
				/* test-only: a kernel without this tracepoint family */
				snprintf(s->fam_error[p->family], sizeof(s->fam_error[0]),
					 "%s tracepoints not found (simulated: VTAX_TEST_UNAVAILABLE)", p->name);
				rc = -ENOENT;
			} else {
				rc = p->attach(s, &s->fam_state[p->family], s->fam_error[p->family],
					       sizeof(s->fam_error[0]));
			}
			if (!rc && s->pending_obj)
				note_programs(s, s->pending_obj);
			s->pending_obj = NULL; /* destroyed with a failed family */
			if (rc) {
				if (is_core || (s->opts.families & (1u << p->family)) == 0 ||
				    (s->opts.families & ~(1u << p->family) & ~(1u << VTAX_FAM_SCHED)) == 0) {
					snprintf(err, errlen, "cannot load %s probes: %s", p->name,
						 s->fam_error[p->family]);
					vtax_session__close(s);
					return rc;
				}
				/* other families go on without this one; one line says so */
				fprintf(stderr, "vtax: warning: %s probes unavailable: %s\n", p->name,
						s->fam_error[p->family]);
				continue;
			}
			s->loaded |= 1u << p->family;
		}
	}
	rc = vtax_session__write_cfg(s);
	if (rc) {
		snprintf(err, errlen, "cannot configure probes: %s", strerror(-rc));
		vtax_session__close(s);
		return rc;
	}
	state_note(s, 1);
	drainer_start(s);
	*sp = s;
	return 0;
}

void vtax_session__close(struct vtax_session *s)
{
	if (!s)
		return;
	vtax_session__sample_stop(s); /* no link changes from here on */
	drainer_stop(s);
	state_note(s, 0);
	/* detach in reverse: families before the core that owns the maps */
	for (int i = (int)(sizeof(s->fam_state) / sizeof(s->fam_state[0])) - 1; i >= 0; i--) {
		const struct vtax_probe_ops *p = vtax_probe__by_family((enum vtax_family)i);

		if (p && s->fam_state[i])
			p->detach(s->fam_state[i]);
		s->fam_state[i] = NULL;
	}
	ring_buffer__free(s->spill_rb); /* its mapping of the spill map first */
	for (int i = 0; i < VTAX_MAP_NR; i++)
		if (s->map_fd[i] >= 0)
			close(s->map_fd[i]);
	free(s->subjects);
	free(s->spilled);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->spill_mu);
	if (s->drain_cv_made)
		pthread_cond_destroy(&s->drain_cv);
	free(s);
}

int vtax_session__add_subject(struct vtax_session *s, const char *name, const char *kind,
			      uint32_t *id)
{
	struct vtax_subject_def *d;

	for (size_t i = 0; i < s->nsubjects; i++) {
		if (!strcmp(s->subjects[i].name, name)) {
			*id = s->subjects[i].id;
			return 0;
		}
	}
	if (s->nsubjects == s->cap_subjects) {
		size_t ncap = s->cap_subjects ? s->cap_subjects * 2 : 8;
		void *p = realloc(s->subjects, ncap * sizeof(*d));

		if (!p)
			return -ENOMEM;
		s->subjects = p;
		s->cap_subjects = ncap;
	}
	d = &s->subjects[s->nsubjects++];
	memset(d, 0, sizeof(*d));
	d->id = (uint32_t)s->nsubjects; /* ids start at 1; 0 = untracked */
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	*id = d->id;
	return 0;
}

struct vtax_subject_def *vtax_session__subject(struct vtax_session *s, uint32_t id)
{
	if (id == 0 || id > s->nsubjects)
		return NULL;
	return &s->subjects[id - 1];
}

int vtax_session__track_pid(struct vtax_session *s, pid_t tgid, uint32_t subject)
{
	uint32_t k = (uint32_t)tgid;

	if (bpf_map_update_elem(s->map_fd[VTAX_MAP_PID], &k, &subject, BPF_ANY))
		return -errno;
	return 0;
}

/* ppid of a process from /proc/PID/stat (after the last ')') */
static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vtax_proc__read(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* The processes of a tree found so far, for one pass over /proc. */
struct pid_tree {
	struct vtax_session *s;
	uint32_t subject;
	pid_t *set;
	size_t n, cap;
	int added, err;
};

/* A process whose parent is in the tree joins it. */
static int tree_add(pid_t pid, void *arg)
{
	struct pid_tree *t = arg;
	pid_t pp = proc_ppid(pid);
	int known = 0, parent_known = 0;

	for (size_t i = 0; i < t->n; i++) {
		known |= t->set[i] == pid;
		parent_known |= t->set[i] == pp;
	}
	if (known || !parent_known)
		return 0;
	if (t->n == t->cap) {
		pid_t *p2 = realloc(t->set, sizeof(*t->set) * t->cap * 2);

		if (!p2) {
			t->err = -ENOMEM;
			return 1;
		}
		t->set = p2;
		t->cap *= 2;
	}
	t->set[t->n++] = pid;
	vtax_session__track_pid(t->s, pid, t->subject);
	t->added = 1;
	return 0;
}

int vtax_session__track_pid_tree(struct vtax_session *s, pid_t root, uint32_t subject)
{
	struct pid_tree t = { .s = s, .subject = subject, .added = 1 };
	int rc;

	rc = vtax_session__track_pid(s, root, subject);
	if (rc)
		return rc;
	/* existing descendants: repeat until no new child of a tracked pid */
	t.set = malloc(sizeof(*t.set) * 16);
	if (!t.set)
		return -ENOMEM;
	t.cap = 16;
	t.set[t.n++] = root;
	while (t.added && !t.err) {
		t.added = 0;
		if (vtax_proc__for_each_pid(tree_add, &t) < 0)
			break;
	}
	free(t.set);
	return 0;
}

/* v1: which controller a hierarchy mount carries (from its super options) */
static int v1_controller_of(const char *path, char *ctrl, size_t len)
{
	static const char *const known[] = { "cpu", "cpuacct", "memory", "pids", "blkio",
					     "devices", "freezer", "cpuset", "net_cls",
					     "perf_event", "hugetlb", NULL };
	char line[4096], best_opts[1024] = "";
	size_t best = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[1024], *sep, fstype[64], src[256], opts[1024];
		size_t ml;

		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3)
			continue;
		if (strcmp(fstype, "cgroup"))
			continue;
		ml = strlen(mnt);
		if (strncmp(path, mnt, ml) || (path[ml] && path[ml] != '/') || ml <= best)
			continue;
		best = ml;
		snprintf(best_opts, sizeof(best_opts), "%s", opts);
	}
	fclose(f);
	if (!best)
		return -ENOENT;
	for (int i = 0; known[i]; i++) {
		char *save = NULL, buf[1024], *tok;

		snprintf(buf, sizeof(buf), "%s", best_opts);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, known[i])) {
				snprintf(ctrl, len, "%s", known[i]);
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* index of <ctrl>_cgrp_id in the running kernel's enum cgroup_subsys_id */
static int subsys_index(const char *ctrl)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char want[64];
	int id, idx = -ENOENT;

	if (!btf)
		return -ENOENT;
	snprintf(want, sizeof(want), "%s_cgrp_id", ctrl);
	id = btf__find_by_name_kind(btf, "cgroup_subsys_id", BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), want))
				idx = (int)e->val;
	}
	btf__free(btf);
	return idx;
}

int vtax_session__track_cgroup(struct vtax_session *s, const char *path, uint32_t subject,
			       char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st;
	int mode;
	uint64_t id;

	if (statfs(path, &sfs) || stat(path, &st)) {
		snprintf(err, errlen, "cgroup %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	if ((unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC) {
		mode = 2;
	} else if ((unsigned long)sfs.f_type == CGROUP_SUPER_MAGIC) {
		mode = 1;
	} else {
		snprintf(err, errlen, "%s is not a cgroup directory", path);
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a cgroup directory", path);
		return -EINVAL;
	}
	if (mode == 1) {
		char ctrl[32];
		int idx;

		if (v1_controller_of(path, ctrl, sizeof(ctrl))) {
			snprintf(err, errlen,
				 "%s: a v1 hierarchy without a controller; give the path under the cpu or memory hierarchy",
				 path);
			return -EINVAL;
		}
		idx = subsys_index(ctrl);
		if (idx < 0) {
			snprintf(err, errlen, "%s: controller %s unknown to this kernel", path, ctrl);
			return -EINVAL;
		}
		if (s->cgroup_mode == 1 && s->v1_subsys != idx) {
			snprintf(err, errlen,
				 "cgroup targets must be on one hierarchy (%s and %s given)",
				 s->v1_controller, ctrl);
			return -EINVAL;
		}
		s->v1_subsys = idx;
		snprintf(s->v1_controller, sizeof(s->v1_controller), "%s", ctrl);
	}
	if (s->cgroup_mode && s->cgroup_mode != mode) {
		snprintf(err, errlen, "cannot mix cgroup v1 and v2 targets in one session");
		return -EINVAL;
	}
	s->cgroup_mode = mode;
	id = (uint64_t)st.st_ino;
	if (bpf_map_update_elem(s->map_fd[VTAX_MAP_CGROUP], &id, &subject, BPF_ANY)) {
		snprintf(err, errlen, "cgroup map: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int vtax_session__set_all(struct vtax_session *s, uint32_t host_subject)
{
	s->all_subject = host_subject;
	return 0;
}

int vtax_session__live_pids(struct vtax_session *s)
{
	uint32_t next;
	uint64_t now = vtax_now_ns();

	/* a key walk scans the map's buckets (65536) from the start: ~0.9%
	 * of a core at the wait loop's 20 ms (perf, kv under attach), so one
	 * key is enough and the answer is kept for 250 ms */
	if (s->live_checked_ns && now - s->live_checked_ns < 250000000ull)
		return s->live_last;
	s->live_checked_ns = now;
	s->live_last = !bpf_map_get_next_key(s->map_fd[VTAX_MAP_PID], NULL, &next);
	return s->live_last;
}

static void collect_drops(struct vtax_session *s, struct vtax_result *r)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (uint32_t k = 0; k < VTAX_DROP_MAX; k++) {
		uint64_t sum = 0;

		if (!drop_names[k] || bpf_map_lookup_elem(s->map_fd[VTAX_MAP_DROPS], &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		/* every counter is reported, zero included: "0 dropped" is a fact */
		vtax_result__drop(r, drop_names[k], (double)sum);
	}
	free(vals);
}

/* One histogram of the map (or of the spill store) into the result. */
int vtax_session__merge_hist(struct vtax_session *s, struct vtax_result *r,
			     const struct vtax_hist_key *key, const struct vtax_hist *h)
{
	const struct vtax_probe_ops *p = vtax_probe__by_family((enum vtax_family)key->family);
	struct vtax_subject_def *sd = vtax_session__subject(s, key->subject);
	struct vtax_label labels[VTAX_MAX_LABELS];
	struct vtax_subject *subj;
	struct vtax_series *se;
	char name[64];
	int nl = 0;

	if (!sd || !p || !p->decode || p->decode(key, name, sizeof(name), labels, &nl))
		return 0;
	subj = vtax_result__subject(r, sd->name, sd->kind);
	se = subj ? vtax_subject__series(subj, p->name, name, nl, labels) : NULL;
	if (!se)
		return -ENOMEM;
	vtax_hist__merge(&se->hist, h);
	if (p->cause)
		se->cause = p->cause(key);
	return 0;
}

/* One parked sample from the spill ring into s->spilled (spill_mu held). */
static int spill_one(void *ctx, void *data, size_t size)
{
	struct vtax_session *s = ctx;
	const struct vtax_spill_ent *e = data;
	struct vtax_spilled *sp = NULL;

	if (size < sizeof(*e))
		return 0;
	for (size_t k = 0; k < s->nspilled && !sp; k++)
		if (!memcmp(&s->spilled[k].key, &e->key, sizeof(e->key)))
			sp = &s->spilled[k];
	if (!sp) {
		if (s->nspilled == s->cap_spilled) {
			size_t n = s->cap_spilled ? s->cap_spilled * 2 : 16;
			void *p = realloc(s->spilled, n * sizeof(*sp));

			if (!p)
				return -ENOMEM; /* stops this drain; the rest stays queued */
			s->spilled = p;
			s->cap_spilled = n;
		}
		sp = &s->spilled[s->nspilled++];
		memset(sp, 0, sizeof(*sp));
		sp->key = e->key;
	}
	vtax_hist__record(&sp->hist, e->ns);
	return 0;
}

/* Move the samples parked in the spill ring into s->spilled (spill_mu held). */
static void drain_spill(struct vtax_session *s)
{
	if (!s->spill_rb && s->map_fd[VTAX_MAP_SPILL] >= 0)
		s->spill_rb = ring_buffer__new(s->map_fd[VTAX_MAP_SPILL], spill_one, s, NULL);
	if (s->spill_rb)
		ring_buffer__consume(s->spill_rb);
}

/* Sum one key's per-CPU histograms into *h. */
static int read_hist(int fd, const struct vtax_hist_key *key, struct vtax_hist *cpus, int ncpu,
		     struct vtax_hist *h)
{
	if (bpf_map_lookup_elem(fd, key, cpus))
		return -errno;
	vtax_hist__reset(h);
	for (int c = 0; c < ncpu; c++)
		vtax_hist__merge(h, &cpus[c]);
	return 0;
}

uint64_t vtax_self__bpf_map_bytes(void)
{
	DIR *d = opendir("/proc/self/fdinfo");
	struct dirent *e;
	uint64_t total = 0;
	unsigned seen[1024];
	size_t nseen = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char p[64], line[128];
		unsigned long long memlock = 0;
		unsigned id = 0;
		int is_map = 0, dup = 0;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/fdinfo/%s", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "map_id: %u", &id) == 1)
				is_map = 1;
			else
				sscanf(line, "memlock: %llu", &memlock);
		}
		fclose(f);
		/* the same map is held by several fds (shared maps, dups): once */
		for (size_t i = 0; is_map && i < nseen; i++)
			dup |= seen[i] == id;
		if (!is_map || dup)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = id;
		total += memlock;
	}
	closedir(d);
	return total;
}

uint64_t vtax_self__rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Read the histogram map in batches (one syscall per batch instead of two
 * per key: attach collects every second for its heatmap, and --all has
 * thousands of keys).  Returns the keys read, or -1 when this kernel has
 * no batch lookup for the map (the caller then goes key by key).
 */
static long collect_batch(struct vtax_session *s, struct vtax_result *r, int fd, int ncpu,
			  struct vtax_hist *h)
{
	uint32_t b = 64, count;
	uint64_t in = 0, out = 0;
	void *inp = NULL;
	struct vtax_hist_key *keys = NULL;
	struct vtax_hist *vals = NULL;
	long n = 0;
	int err, e;

	for (;;) {
		if (!keys) {
			keys = calloc(b, sizeof(*keys));
			vals = calloc((size_t)b * (size_t)ncpu, sizeof(*vals));
			if (!keys || !vals) {
				n = n ? n : -1;
				break;
			}
		}
		count = b;
		err = bpf_map_lookup_batch(fd, inp, &out, keys, vals, &count, NULL);
		e = err ? errno : 0;
		if (err && e == ENOSPC && b < 4096) {
			/* a hash bucket holds more keys than the batch: grow it */
			free(keys);
			free(vals);
			keys = NULL;
			vals = NULL;
			b *= 4;
			continue;
		}
		if (err && e != ENOENT) {
			n = n ? n : -1;
			break;
		}
		for (uint32_t i = 0; i < count; i++) {
			vtax_hist__reset(h);
			for (int c = 0; c < ncpu; c++)
				vtax_hist__merge(h, &vals[(size_t)i * (size_t)ncpu + (size_t)c]);
			vtax_session__merge_hist(s, r, &keys[i], h);
		}
		n += count;
		if (e == ENOENT)
			break;
		in = out;
		inp = &in;
	}
	free(keys);
	free(vals);
	return n;
}

/*
 * The drainer: empties the spill rings every 20 ms, between collections.
 * While a CPU's element cache stays empty (seen on this project's hosts
 * while a SCHED_FIFO VMM busy-waits on that CPU: 150 of 256-slot rings
 * overflowed in 120 ms) a ring fills in tens of milliseconds, and no
 * command's own loop can promise to come back that often (compare's client
 * pipe, serve's scrapes).  A session-owned thread serves them all.
 */
#define DRAIN_PERIOD_NS 20000000ull

static void *drain_main(void *arg)
{
	struct vtax_session *s = arg;

	pthread_mutex_lock(&s->spill_mu);
	while (!s->drain_stop) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)DRAIN_PERIOD_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->drain_cv, &s->spill_mu, &ts);
		if (!s->drain_stop)
			drain_spill(s);
	}
	pthread_mutex_unlock(&s->spill_mu);
	return NULL;
}

static void drainer_start(struct vtax_session *s)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->drain_cv, &ca);
	pthread_condattr_destroy(&ca);
	s->drain_cv_made = 1;
	s->drain_running = !vtax_thread_start(&s->drain_th, drain_main, s);
	if (!s->drain_running)
		fprintf(stderr, "vtax: warning: cannot start the spill drainer: samples parked while "
				"the histogram map is full are read at collection only\n");
}

static void drainer_stop(struct vtax_session *s)
{
	if (!s->drain_running)
		return;
	vtax_thread_stop(s->drain_th, &s->spill_mu, &s->drain_cv, &s->drain_stop);
	s->drain_running = 0;
}

int vtax_session__collect(struct vtax_session *s, struct vtax_result *r)
{
	struct vtax_hist_key key, next;
	int ncpu = libbpf_num_possible_cpus();
	struct vtax_hist *h = malloc(sizeof(*h));
	struct vtax_hist *cpus = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*cpus)) : NULL;
	int rc, fd = s->map_fd[VTAX_MAP_HISTS];
	uint32_t nkeys = 0;

	if (!h || !cpus) {
		free(h);
		free(cpus);
		return -ENOMEM;
	}
	long nb = collect_batch(s, r, fd, ncpu, h);

	if (nb >= 0)
		nkeys = (uint32_t)nb;
	rc = nb >= 0 ? -ENOENT : bpf_map_get_next_key(fd, NULL, &next);
	while (!rc) {
		key = next;
		nkeys++;
		if (!read_hist(fd, &key, cpus, ncpu, h) && vtax_session__merge_hist(s, r, &key, h))
			break;
		rc = bpf_map_get_next_key(fd, &key, &next);
	}
	free(h);
	free(cpus);
	pthread_mutex_lock(&s->spill_mu);
	drain_spill(s);
	for (size_t i = 0; i < s->nspilled; i++)
		vtax_session__merge_hist(s, r, &s->spilled[i].key, &s->spilled[i].hist);
	pthread_mutex_unlock(&s->spill_mu);
	if (nkeys >= s->opts.max_hists)
		vtax_result__drop(r, "hist_map_at_capacity", 1);
	/* every subject appears, even one that made no events */
	for (size_t i = 0; i < s->nsubjects; i++)
		vtax_result__subject(r, s->subjects[i].name, s->subjects[i].kind);
	for (int i = 0; vtax_probes[i]; i++) {
		const struct vtax_probe_ops *p = vtax_probes[i];
		char nm[288];

		/* which hook each family used here, or why it is not measured */
		if (s->loaded & (1u << p->family)) {
			vtax_result__hook(r, p->name, p->hooks);
		} else if ((s->opts.families | (1u << VTAX_FAM_SCHED)) & (1u << p->family)) {
			snprintf(nm, sizeof(nm), "n/m: %s", s->fam_error[p->family]);
			vtax_result__hook(r, p->name, nm);
		}
		if (p->collect && (s->loaded & (1u << p->family)))
			p->collect(s, s->fam_state[p->family], r);
	}
	collect_drops(s, r);
	/* --sample: what was measured, for the report (counts stay as sampled
	 * here; vtax_result__unsample scales them) */
	{
		uint64_t on = 0, wall = 0, win = 0, fam_on[2 * VTAX_FAM_MAX] = { 0 };

		if (!vtax_session__sample_stats(s, &on, &wall, &win, fam_on)) {
			const struct vtax_sample_spec *sp = s->sample_spec;

			snprintf(r->sample.spec, sizeof(r->sample.spec), "%s", sp ? sp->text : "");
			r->sample.scope = sp ? sp->scope : VTAX_SAMPLE_ALL;
			r->sample.on_ns = on;
			r->sample.wall_ns = wall;
			r->sample.windows = win;
			r->sample.fraction = wall ? (double)on / (double)wall : 0;
			r->sample.nfams = 0;
			r->sample.events = 0;
			if (r->sample.scope == VTAX_SAMPLE_NETFILTER) {
				/* --sample-netfilter: the brackets alone, scaled by the
				 * share of packets, not of time (sample.h); the time
				 * share stays in on/wall */
				const int nf = 2 * VTAX_FAM_NET + 1;
				double share, f = wall ? (double)fam_on[nf] / (double)wall : 0;
				uint64_t n;

				if (!vtax_session__sample_event_share(s, &share, &n)) {
					r->sample.events = n;
					r->sample.fraction = f = share;
				}
				if ((s->loaded & (1u << VTAX_FAM_NET)) && fam_on[nf - 1] && f > 0) {
					snprintf(r->sample.fams[0].family, sizeof(r->sample.fams[0].family),
						 VTAX_SAMPLE_NF_FAMILY);
					r->sample.fams[0].fraction = f;
					r->sample.nfams = 1;
				}
			}
			for (int i = 0; r->sample.scope == VTAX_SAMPLE_ALL && vtax_probes[i] && r->sample.nfams < 8; i++) {
				const struct vtax_probe_ops *p = vtax_probes[i];
				int k = r->sample.nfams;

				if (!(s->loaded & (1u << p->family)) || !fam_on[2 * p->family] || !wall)
					continue;
				snprintf(r->sample.fams[k].family, sizeof(r->sample.fams[k].family), "%s", p->name);
				r->sample.fams[k].fraction = (double)fam_on[2 * p->family] / (double)wall;
				r->sample.nfams++;
				/* netfilter brackets start in the open programs (result.c) */
				if (p->family == VTAX_FAM_NET && fam_on[2 * p->family + 1] && k + 1 < 8) {
					k++;
					snprintf(r->sample.fams[k].family, sizeof(r->sample.fams[k].family),
						 VTAX_SAMPLE_NF_FAMILY);
					r->sample.fams[k].fraction = (double)fam_on[2 * p->family + 1] / (double)wall;
					r->sample.nfams++;
				}
			}
		}
	}
	/* not for attach's per-second heatmap intervals: /proc reads per map */
	if (strcmp(r->mode, "interval")) {
		r->bpf_map_bytes = vtax_self__bpf_map_bytes();
		r->rss_bytes = vtax_self__rss_bytes();
	}
	return 0;
}
