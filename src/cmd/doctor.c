// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * doctor.c - `vtax doctor`: what this host supports (tracepoints, netfilter
 * BPF, kprobes, fentry, KVM and its kind, Docker, cgroup version, BTF) and
 * therefore what vtax will measure or skip.  Every line is a real probe of
 * the host, not a guess from the kernel version.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "trace/nf_hooks.h"
#include "trace/probe.h"
#include "trace/session.h"
#include "util/spawn.h"

static int ok_lines, bad_lines;

static void line(const char *what, int ok, const char *detail, const char *consequence)
{
	printf("  %-26s %-4s %s%s%s\n", what, ok ? "yes" : "no", detail,
	       consequence && *consequence ? "  -> " : "", consequence ? consequence : "");
	if (ok)
		ok_lines++;
	else
		bad_lines++;
}

static int tracepoint(const char *cat, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "/sys/kernel/tracing/events/%s/%s", cat, name);
	return access(p, F_OK) == 0;
}

/* Try to load a minimal fentry program on a common function. */
static int probe_fentry(char *why, size_t len)
{
	struct bpf_insn prog[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },                          /* exit */
	};
	struct btf *btf = btf__load_vmlinux_btf();
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);
	int id, fd;

	if (!btf) {
		snprintf(why, len, "no vmlinux BTF");
		return 0;
	}
	id = btf__find_by_name_kind(btf, "do_nanosleep", BTF_KIND_FUNC);
	btf__free(btf);
	if (id <= 0) {
		snprintf(why, len, "do_nanosleep not in BTF");
		return 0;
	}
	o.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "vtax_probe", "GPL", prog, 2, &o);
	if (fd < 0) {
		snprintf(why, len, "load refused: %s", strerror(errno));
		return 0;
	}
	close(fd);
	snprintf(why, len, "a test program loaded");
	return 1;
}

static void kvm_kind(char *out, size_t len)
{
	if (access("/dev/kvm", F_OK)) {
		snprintf(out, len, "no /dev/kvm");
		return;
	}
	if (access("/sys/module/kvm_intel", F_OK) == 0)
		snprintf(out, len, "/dev/kvm, VMX (kvm_intel)");
	else if (access("/sys/module/kvm_amd", F_OK) == 0)
		snprintf(out, len, "/dev/kvm, SVM (kvm_amd)");
	else if (access("/sys/module/kvm_pvm", F_OK) == 0)
		snprintf(out, len, "/dev/kvm, PVM (paravirtual: kvm_exit/kvm_entry do not fire)");
	else
		snprintf(out, len, "/dev/kvm, unknown backend");
}


/*
 * What a default run pins in kernel memory: every default family loaded at
 * once (the maps they share counted once), as the kernel accounts it
 * (memlock in each map's fdinfo).  Issue 11's budget is 64 MiB.
 */
static void doctor_map_memory(void)
{
	struct vtax_session_opts so = { .sz = sizeof(so), .families = vtax_probe__default_mask(),
					.follow_forks = 1 };
	struct vtax_session *s = NULL;
	char err[512], detail[160];

	if (vtax_session__open(&s, &so, err, sizeof(err))) {
		line("BPF map memory", 0, err, "");
		return;
	}
	uint64_t b = vtax_self__bpf_map_bytes();

	snprintf(detail, sizeof(detail), "%.1f MiB with the default families and --max-hists 16384",
		 (double)b / 1048576.0);
	line("BPF map memory", b < 64ull << 20, detail, b < 64ull << 20 ? "(budget 64 MiB)" : "over the 64 MiB budget");
	vtax_session__close(s);
}

int cmd_doctor(int argc, char **argv)
{
	struct utsname u;
	struct statfs sfs;
	char detail[256], kvm[128];
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vtax doctor [-v]\nChecks what this host supports and what vtax will measure or skip.\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "-v"))
		vtax_verbose = 1;
	else if (argc > 1)
		return vtax_die("doctor: unexpected argument '%s'", argv[1]);
	uname(&u);
	printf("vtax doctor: %s %s %s\n\n", u.sysname, u.release, u.machine);
	line("running as root", geteuid() == 0, "", geteuid() ? "vtax must run as root" : "");
	line("kernel BTF", access("/sys/kernel/btf/vmlinux", R_OK) == 0, "/sys/kernel/btf/vmlinux",
	     access("/sys/kernel/btf/vmlinux", R_OK) ? "CO-RE probes cannot load" : "");
	if (geteuid() == 0)
		vtax_preflight();
	rc = statfs("/sys/kernel/tracing", &sfs) == 0 && sfs.f_type == 0x74726163;
	line("tracefs", rc, "/sys/kernel/tracing", rc ? "" : "cannot list tracepoints");
	{
		static const char *const tps[][2] = {
			{ "raw_syscalls", "sys_enter" }, { "sched", "sched_switch" },
			{ "sched", "sched_wakeup" }, { "net", "net_dev_queue" },
			{ "net", "netif_receive_skb" }, { "skb", "skb_copy_datagram_iovec" },
			{ "qdisc", "qdisc_dequeue" }, { "block", "block_rq_issue" },
			{ "block", "block_bio_queue" }, { "kvm", "kvm_exit" },
			{ "kvm", "kvm_entry" }, { "kvm", "kvm_pio" }, { "kvm", "kvm_mmio" },
			{ "kvm", "kvm_userspace_exit" },
		};
		for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
			char w[64];

			snprintf(w, sizeof(w), "tracepoint %s", tps[i][1]);
			rc = tracepoint(tps[i][0], tps[i][1]);
			line(w, rc, tps[i][0], rc ? "" : "the hops/exits it times are skipped");
		}
	}
	rc = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_NETFILTER, NULL) == 1;
	line("netfilter BPF programs", rc, "(libbpf >= 1.3, kernel >= 6.4)",
	     rc ? "conntrack/NAT/filter timed exactly" : "NAT and conntrack fall back to hop timing");
	if (rc) {
		/* the net family brackets only the stage hooks registered in
		 * its namespace (src/trace/nf_hooks.h) */
		struct vtax_nf_hook hv[256];
		struct vtax_nf_hooks *nh = vtax_nf_hooks__open(detail, sizeof(detail));
		int n = nh ? vtax_nf_hooks__read(nh, hv, 256) : -1;

		if (n >= 0)
			snprintf(detail, sizeof(detail), "%d of %d stage hooks present in this namespace",
				 vtax_nf_hooks__stages(hv, n), 2 * VTAX_NF_STAGE_HOOKS);
		else if (nh)
			snprintf(detail, sizeof(detail), "read: %s", strerror(-n));
		line("netfilter hook discovery", n >= 0, detail,
		     n >= 0 ? "netfilter BPF links only around those" :
			      "every stage bracketed (36 netfilter links per namespace)");
		vtax_nf_hooks__close(nh);
	}
	rc = access("/sys/kernel/tracing/kprobe_events", F_OK) == 0;
	line("kprobes", rc, rc ? "" : "CONFIG_KPROBES off", "not required: vtax uses tracepoints only");
	rc = geteuid() == 0 && probe_fentry(detail, sizeof(detail));
	line("fentry/fexit", rc, geteuid() ? "needs root" : detail, "not required");
	kvm_kind(kvm, sizeof(kvm));
	line("KVM", access("/dev/kvm", F_OK) == 0, kvm, "");
	{
		char out[128];
		char *dargv[] = { "docker", "version", "--format", "{{.Server.Version}}", NULL };

		rc = vtax_spawn__have("docker") && vtax_spawn__run(dargv, out, sizeof(out), &(struct vtax_run_opts){ .timeout_s = 10 }) == 0;
		out[strcspn(out, "\n")] = '\0';
		snprintf(detail, sizeof(detail), "%s%s", rc ? "daemon " : "",
			 rc ? out : (vtax_spawn__have("docker") ? "daemon not running" : "not installed"));
		line("Docker", rc, detail, rc ? "" : "--container, --all per container and docker envs unavailable");
	}
	{
		/* compare's default remote client: ip netns + veth, iptables for the vm */
		char *nargv[] = { "ip", "netns", "list", NULL };
		int ipn = vtax_spawn__have("ip") &&
			  vtax_spawn__run(nargv, NULL, 0, &(struct vtax_run_opts){ .timeout_s = 5 }) == 0;
		int ipt = vtax_spawn__have("iptables");

		rc = ipn && geteuid() == 0;
		snprintf(detail, sizeof(detail), "%s%s", rc ? "ip netns + veth" : ipn ? "needs root" : "no ip netns",
			 rc && !ipt ? ", no iptables (vm unreachable)" : "");
		line("compare remote client", rc, detail,
		     rc ? "client in a namespace of its own, as on another machine"
			: "compare runs its client on the host (--client local)");
	}
	if (statfs("/sys/fs/cgroup", &sfs) == 0) {
		int v2 = (unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC;

		snprintf(detail, sizeof(detail), "%s", v2 ? "v2 (unified)" : "v1 (hybrid or legacy)");
		line("cgroups", 1, detail, "");
	}
	if (geteuid() == 0) {
		printf("\nprobe families (loaded on this host now):\n");
		for (int i = 0; vtax_probes[i]; i++) {
			struct vtax_session_opts so = { .sz = sizeof(so),
							.families = 1u << vtax_probes[i]->family,
							.follow_forks = 1 };
			struct vtax_session *s = NULL;
			char err[512];

			rc = vtax_session__open(&s, &so, err, sizeof(err));
			line(vtax_probes[i]->name, rc == 0, rc ? err : vtax_probes[i]->summary, "");
			if (rc == 0)
				printf("  %-26s      hooks: %s\n", "", vtax_probes[i]->hooks);
			vtax_session__close(s);
		}
		doctor_map_memory();
	}
	printf("\n%d supported, %d not\n", ok_lines, bad_lines);
	return 0;
}
