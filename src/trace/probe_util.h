// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_util.h - small helpers every probe family's userspace half uses.
 */
#ifndef VTAX_PROBE_UTIL_H
#define VTAX_PROBE_UTIL_H

#include <stddef.h>
#include "result/result.h"

/* err = "<what>: <strerror>" with hints for common BPF failures */
void vtax_probe_error(char *err, size_t errlen, const char *what, int rc);
/* Called with every libbpf warning: remembers a verifier rejection (the
 * program and the log's last meaningful line) for vtax_probe_error. */
void vtax_bpf_log_note(const char *msg);
/* Does the running kernel's vmlinux BTF have tracepoint tp (for tp_btf)?
 * Hooks that came later than the oldest supported kernel are optional. */
int vtax_btf_has_tracepoint(const char *tp);
/* Is kernel function fn (vmlinux or a loaded module) in /proc/kallsyms? */
int vtax_kallsyms_has(const char *fn);
void vtax_label__set(struct vtax_label *l, const char *key, const char *value);
/* x86_64 syscall name by number, NULL if unknown */
const char *vtax_syscall_name(unsigned nr);
extern const char *const vtax_fs_names[];

#endif
