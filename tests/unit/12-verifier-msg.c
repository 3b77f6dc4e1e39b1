// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 12-verifier-msg - a program the kernel's verifier rejects is reported as
 * one line naming the program and the log's last meaningful line (not the
 * statistics or state dumps after it), never as "needs root"; a CO-RE
 * failure says a kernel type is missing; EPERM without a log keeps the
 * privilege hint.  The input is libbpf's warning as libbpf 1.4 prints it,
 * with the 6.1 log seen on Debian's kernel.
 */
#include <errno.h>
#include <string.h>
#include "trace/probe_util.h"
#include "tap.h"

int main(void)
{
	char err[512];

	vtax_bpf_log_note("libbpf: prog 'vtax_switch': BPF program load failed: Permission denied\n");
	vtax_bpf_log_note("libbpf: prog 'vtax_switch': -- BEGIN PROG LOAD LOG --\n"
			  "0: R1=ctx() R10=fp0\n"
			  "429: (79) r2 = *(u64 *)(r1 +24)\n"
			  "R1 unbounded memory access, make sure to bounds check any such access\n"
			  "processed 305 insns (limit 1000000) max_states_per_insn 1 total_states 21\n"
			  "-- END PROG LOAD LOG --\n");
	vtax_probe_error(err, sizeof(err), "load", -EACCES);
	tap_diag("%s", err);
	tap_ok(strstr(err, "verifier rejected program vtax_switch") != NULL, "names the program");
	tap_ok(strstr(err, "R1 unbounded memory access, make sure to bounds check any such access") != NULL,
	       "gives the verifier's last meaningful line");
	tap_ok(strstr(err, "needs root") == NULL && strstr(err, "processed") == NULL,
	       "no 'needs root', no statistics line");
	tap_ok(strchr(err, '\n') == NULL && strstr(err, "-v") != NULL, "one line, points to -v");

	vtax_bpf_log_note("libbpf: prog 'vtax_net_kfree_skb': -- BEGIN PROG LOAD LOG --\n"
			  "54: (05) goto pc-20\n"
			  "infinite loop detected at insn 54\n"
			  "cur state: R0=1 R10=fp0\n"
			  "old state: R0=1 R10=fp0\n"
			  "verification time 1020 usec\n"
			  "-- END PROG LOAD LOG --\n");
	vtax_probe_error(err, sizeof(err), "load", -EINVAL);
	tap_diag("%s", err);
	tap_ok(strstr(err, "vtax_net_kfree_skb: infinite loop detected at insn 54") != NULL,
	       "state dumps after the reason are skipped");

	vtax_bpf_log_note("libbpf: prog 'vtax_kvm_exit': -- BEGIN PROG LOAD LOG --\n"
			  "failed to resolve CO-RE relocation <byte_off> [62] struct trace_event_raw_kvm_exit___vtax.exit_reason\n"
			  "-- END PROG LOAD LOG --\n");
	vtax_probe_error(err, sizeof(err), "load", -EINVAL);
	tap_diag("%s", err);
	tap_ok(strstr(err, "vtax_kvm_exit reads a kernel type") != NULL, "a CO-RE failure is a missing type");

	vtax_probe_error(err, sizeof(err), "load", -EPERM);
	tap_diag("%s", err);
	tap_ok(strstr(err, "needs root") != NULL, "EPERM without a verifier log keeps the privilege hint");
	return tap_done();
}
